/* libFuzzer target for the orders CSV codec (api/formats/csv.c): split and map the header, then
 * read every row as an order and its money columns. Every accepted row holds valid text and
 * coordinates, its idempotency key is set and printable, and its amounts are in range. */
#include "api/formats/csv.h"
#include "fuzz_common.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static void check_order(const orders_order *o, const char *key) {
    fuzz_check_text(key);
    if (!key[0]) abort();
    fuzz_check_text(o->external_ref);
    fuzz_check_text(o->channel);
    fuzz_check_text(o->customer_name);
    fuzz_check_text(o->customer_phone);
    fuzz_check_text(o->customer_email);
    fuzz_check_text(o->customer_address);
    fuzz_check_text(o->oos_policy);
    if (!lm_utf8_valid(o->notes, strlen(o->notes), LM_UTF8_LINES)) abort();
    for (size_t i = 0; i < o->n_lines; i++) {
        fuzz_check_text(o->lines[i].sku);
        if (o->lines[i].qty < 1) abort();
    }
    if (o->has_location &&
        !(fabs(o->lat) <= 90 && fabs(o->lon) <= 180 && isfinite(o->lat) && isfinite(o->lon)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fmt_csv *c = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_csv_parse((const char *)data, size, &c, &err);
    fuzz_check_err(st, &err);
    if (st != LM_OK) return 0;
    size_t n = fmt_csv_count(c);
    for (size_t i = 0; i < n && i < 2000; i++) {
        orders_order o;
        char key[STORE_REF_MAX + 1];
        lm_errinfo_clear(&err);
        st = fmt_csv_order(c, i, &o, key, &err);
        fuzz_check_err(st, &err);
        size_t off, len;
        fmt_csv_span(c, i, &off, &len);
        if (off > size || len > size - off || fmt_csv_line(c, i) < 1) abort();
        if (st != LM_OK) continue;
        check_order(&o, key);
        /* the money columns: amounts in range, a real currency */
        orders_money_in money;
        orders_money_line_in lines[STORE_LINES_MAX];
        bool present = false;
        lm_errinfo_clear(&err);
        st = fmt_csv_money(c, i, o.n_lines, &money, lines, &present, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK && present) {
            if (orders_currency_exponent(money.currency) < 0 || money.shipping_fee < 0 ||
                money.shipping_fee > ORDERS_AMOUNT_MAX || money.n_coupons > ORDERS_COUPONS_MAX)
                abort();
            for (size_t k = 0; k < o.n_lines; k++)
                if (lines[k].unit_price < 0 || lines[k].unit_price > ORDERS_AMOUNT_MAX) abort();
        }
        orders_order_clear(&o);
    }
    fmt_csv_destroy(c);
    return 0;
}
