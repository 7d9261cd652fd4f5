/* libFuzzer target for the orders JSON bodies (api/formats/orders_json.c) and the money members
 * of an order body (api/formats/money.c, fmt_money_order_read). The first byte picks the reader:
 * order (without money, then with its money members), depot, product, stock row, or a money
 * catalogue body (promotion, price, money settings); an order body is read as a
 * pickup-and-delivery one too (api/formats/pd_json.c); the rest is the JSON body, parsed with
 * fmt_json_parse as the server does. An accepted record holds printable text (notes: line breaks
 * and tabs too), quantities >= 1, real coordinates, non-empty time windows and amounts in range. */
#include "api/formats/json.h"
#include "api/formats/money.h"
#include "api/formats/orders_json.h"
#include "api/formats/pd_json.h"
#include "fuzz_json_body.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static void check_order(const orders_order *o) {
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
}

static void check_money(const orders_money_in *money, size_t n_lines) {
    if (orders_currency_exponent(money->currency) < 0) abort();
    if (money->shipping_fee < 0 || money->shipping_fee > ORDERS_AMOUNT_MAX ||
        money->n_coupons > ORDERS_COUPONS_MAX)
        abort();
    for (size_t i = 0; i < money->n_coupons; i++) {
        fuzz_check_text(money->coupons[i]);
        if (!money->coupons[i][0]) abort();
    }
    if (money->payment_method[0] && !orders_pay_method_valid(money->payment_method)) abort();
    for (size_t i = 0; money->lines && i < n_lines; i++)
        if (money->lines[i].unit_price < 0 || money->lines[i].unit_price > ORDERS_AMOUNT_MAX ||
            money->lines[i].tax_rate_bp < 0 || money->lines[i].tax_rate_bp > 10000)
            abort();
}

/* The order reader without money, then with (fmt_order_priced_from_json, which calls
 * fmt_money_order_read): a body the first accepts carries no money, so the second accepts it too
 * and finds none. */
static void orders_both(const cJSON *j, lm_arena *arena) {
    orders_order o;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    memset(&o, 0, sizeof o);
    lm_status plain = fmt_order_from_json(j, arena, &o, &err);
    fuzz_check_err(plain, &err);
    if (plain == LM_OK) check_order(&o);
    orders_money_in money;
    bool present = false;
    lm_errinfo_clear(&err);
    memset(&o, 0, sizeof o);
    lm_status st = fmt_order_priced_from_json(j, arena, &o, &money, &present, &err);
    fuzz_check_err(st, &err);
    if (plain == LM_OK && (st != LM_OK || present)) abort();
    if (st != LM_OK) return;
    check_order(&o);
    if (present) check_money(&money, o.n_lines);
}

/* A pickup-and-delivery body (api/formats/pd_json.c): accepted, it has no lines, a delivery
 * location and window, a real pickup window the deliveries do not close before, a pickup in range,
 * printable text and a package in range. */
static void pickup_delivery(const cJSON *j, lm_arena *arena) {
    orders_order o;
    orders_pd_in pd;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    memset(&o, 0, sizeof o);
    lm_status st = fmt_pd_order_from_json(j, arena, &o, &pd, &err);
    fuzz_check_err(st, &err);
    if (st != LM_OK) return;
    check_order(&o);
    const store_pickup *pk = &pd.pickup;
    fuzz_check_text(pk->address);
    fuzz_check_text(pk->contact_name);
    fuzz_check_text(pk->contact_phone);
    fuzz_check_text(pd.depot_id);
    if (!lm_utf8_valid(pk->notes, strlen(pk->notes), LM_UTF8_LINES)) abort();
    if (o.n_lines || !o.has_location || !o.n_windows || pk->window_start_s >= pk->window_end_s ||
        !(fabs(pk->lat) <= 90 && fabs(pk->lon) <= 180) || pd.parcels < 1 || pd.parcels > 1000 ||
        pd.weight_g < 0 || pd.volume_cm3 < 0)
        abort();
    for (size_t i = 0; i < o.n_windows; i++)
        if (o.windows[i].end_s <= pk->window_start_s) abort();
}

/* The money catalogue's bodies (api/formats/money_catalog.c): a promotion, a price, the money
 * settings. Accepted ones hold text and amounts in range; a promotion reads back the same. */
static void catalogue(const cJSON *j) {
    lm_errinfo err;
    lm_errinfo_clear(&err);
    orders_promotion p;
    lm_status st = fmt_promotion_from_json(j, &p, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK) {
        fuzz_check_text(p.id);
        fuzz_check_text(p.code);
        fuzz_check_text(p.target);
        if (p.amount < 0 || p.amount > ORDERS_AMOUNT_MAX || p.min_order < 0 || p.percent_bp < 0 ||
            p.percent_bp > 10000)
            abort();
        cJSON *back = fmt_promotion_to_json(&p);
        orders_promotion again;
        lm_errinfo_clear(&err);
        cJSON_DeleteItemFromObject(back, "created_ms");
        cJSON_DeleteItemFromObject(back, "updated_ms");
        if (fmt_promotion_from_json(back, &again, &err) != LM_OK ||
            memcmp(&p, &again, sizeof p) != 0)
            abort();
        cJSON_Delete(back);
    }
    orders_price pr;
    memset(&pr, 0, sizeof pr);
    lm_errinfo_clear(&err);
    st = fmt_price_from_json(j, &pr, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK && (pr.unit_price < 0 || pr.unit_price > ORDERS_AMOUNT_MAX ||
                        pr.tax_rate_bp < 0 || pr.tax_rate_bp > 10000))
        abort();
    orders_money_config mc;
    orders_money_config_defaults(&mc);
    lm_errinfo_clear(&err);
    st = fmt_money_config_from_json(j, "", &mc, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK && (mc.payment_timeout_s < 0 || mc.shipping_tax_bp < 0)) abort();
}

static void read_body(uint8_t selector, const cJSON *j, lm_arena *arena) {
    uint8_t kind = selector % 5;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st;
    if (kind == 0) {
        orders_both(j, arena);
        pickup_delivery(j, arena);
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
    } else if (kind == 4) {
        catalogue(j);
    } else {
        fmt_stock_row row;
        st = fmt_stock_row_from_json(j, &row, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK) {
            fuzz_check_text(row.depot_id);
            fuzz_check_text(row.sku);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_json_body(data, size, read_body);
}
