/* libFuzzer target for base64 (api/formats/base64.c). The input is decoded with a cap taken from
 * its first byte; decoded bytes encode to a text that decodes to the same bytes; and the input's
 * bytes encode and decode back to themselves. */
#include "api/formats/base64.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t cap = (size_t)data[0] * 16;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    unsigned char *out = malloc(cap + 1), *again = malloc(fmt_base64_decoded_max(2 * size) + 1);
    char *enc = malloc(fmt_base64_encoded_len(size) + 1);
    if (!out || !again || !enc) goto done;
    size_t n = 0, n2 = 0;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_base64_decode(text, len, "data_base64", out, cap, &n, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK) {
        if (n > cap || n > fmt_base64_decoded_max(len)) abort();
        size_t el = fmt_base64_encode(out, n, enc);
        if (el != fmt_base64_encoded_len(n) || strlen(enc) != el) abort();
        if (fmt_base64_decode(enc, el, "x", again, n, &n2, &err) != LM_OK || n2 != n ||
            memcmp(again, out, n))
            abort();
    }
    size_t el = fmt_base64_encode(data, size, enc);
    if (fmt_base64_decode(enc, el, "x", again, size, &n2, &err) != LM_OK || n2 != size ||
        memcmp(again, data, size))
        abort();
done:
    free(out);
    free(again);
    free(enc);
    return 0;
}
