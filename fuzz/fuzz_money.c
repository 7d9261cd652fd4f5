/* libFuzzer target for money as text (api/formats/money.c): fmt_money_decimal_parse on the input
 * in a currency picked by the first byte; an accepted amount writes back (fmt_money_decimal) to a
 * text that parses to the same amount; and the writer on the next 8 bytes as any int64 amount. */
#include "api/formats/money.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const currencies[] = {"EUR", "JPY", "KWD", "USD", "XXX", "eur", ""};
    if (size < 1) return 0;
    const char *cur = currencies[data[0] % (sizeof currencies / sizeof currencies[0])];
    char out[64];
    if (size >= 9) {
        int64_t any;
        memcpy(&any, data + 1, sizeof any);
        fmt_money_decimal(any, cur, out, sizeof out);
        fuzz_check_text(out);
    }
    char *s = fuzz_cstr(data + 1, size - 1);
    if (!s) return 0;
    int64_t v = 0, back = -1;
    if (fmt_money_decimal_parse(s, cur, ORDERS_AMOUNT_MAX, &v)) {
        if (v < 0 || v > ORDERS_AMOUNT_MAX) abort();
        fmt_money_decimal(v, cur, out, sizeof out);
        if (!fmt_money_decimal_parse(out, cur, ORDERS_AMOUNT_MAX, &back) || back != v) abort();
    }
    free(s);
    return 0;
}
