/* libFuzzer target for the orders JSON bodies (api/formats/orders_json.c) and the money members
 * of an order body (api/formats/money.c, fmt_money_order_read). The first byte picks the reader:
 * order (then its money members), depot, product or stock row; the rest is the JSON body, parsed
 * with fmt_json_parse as the server does. An accepted record holds printable text (notes: line
 * breaks and tabs too), quantities >= 1, real coordinates, non-empty time windows and amounts in
 * range. */
#include "api/formats/json.h"
#include "api/formats/money.h"
#include "api/formats/orders_json.h"
#include "fuzz_common.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static void check_order(const cJSON *j, const orders_order *o) {
    fuzz_check_text(o->external_ref);
    fuzz_check_text(o->channel);
    fuzz_check_text(o->customer_name);
    fuzz_check_text(o->customer_phone);
    fuzz_check_text(o->customer_email);
    fuzz_check_text(o->customer_address);
    fuzz_check_text(o->oos_policy);
    if (!lm_utf8_valid(o->notes, strlen(o->notes), LM_UTF8_LINES)) abort();
    if (o->n_lines > STORE_LINES_MAX) abort();
    for (size_t i = 0; i < o->n_lines; i++) {
        fuzz_check_text(o->lines[i].sku);
        if (o->lines[i].qty < 1) abort();
    }
    if (o->has_location && !(fabs(o->lat) <= 90 && fabs(o->lon) <= 180)) abort();
    for (size_t i = 0; i < o->n_windows; i++)
        if (o->windows[i].start_s >= o->windows[i].end_s || o->windows[i].start_s < 0) abort();

    orders_money_line_in lines[STORE_LINES_MAX];
    orders_money_in money;
    bool present = false;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_money_order_read(j, o->n_lines, &money, lines, &present, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK && present) {
        fuzz_check_text(money.currency);
        if (money.shipping_fee < 0 || money.shipping_fee > ORDERS_AMOUNT_MAX ||
            money.n_coupons > ORDERS_COUPONS_MAX)
            abort();
        for (size_t i = 0; i < money.n_coupons; i++)
            fuzz_check_text(money.coupons[i]);
        for (size_t i = 0; money.lines && i < o->n_lines; i++)
            if (money.lines[i].unit_price < 0 || money.lines[i].unit_price > ORDERS_AMOUNT_MAX ||
                money.lines[i].tax_rate_bp < 0 || money.lines[i].tax_rate_bp > 10000)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t kind = data[0] % 4;
    cJSON *j = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_json_parse((const char *)data + 1, size - 1, 1u << 20, &j, &err);
    fuzz_check_err(st, &err);
    if (st != LM_OK) return 0;
    lm_arena *arena = NULL;
    if (lm_arena_create(1u << 20, &arena) != LM_OK) {
        cJSON_Delete(j);
        return 0;
    }
    if (kind == 0) {
        orders_order o;
        memset(&o, 0, sizeof o);
        st = fmt_order_from_json(j, arena, &o, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK) check_order(j, &o);
    } else if (kind == 1) {
        orders_depot d;
        memset(&d, 0, sizeof d);
        st = fmt_depot_from_json(j, &d, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK) {
            fuzz_check_text(d.id);
            fuzz_check_text(d.name);
        }
    } else if (kind == 2) {
        orders_product p;
        memset(&p, 0, sizeof p);
        st = fmt_product_from_json(j, &p, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK) {
            fuzz_check_text(p.sku);
            fuzz_check_text(p.name);
        }
    } else {
        fmt_stock_row row;
        st = fmt_stock_row_from_json(j, &row, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK) {
            fuzz_check_text(row.depot_id);
            fuzz_check_text(row.sku);
        }
    }
    lm_arena_destroy(arena);
    cJSON_Delete(j);
    return 0;
}
