/* api/formats/money.c: the money codec (api/formats/money.h). */
#include "api/formats/money.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

lm_status fmt_money_amount(const cJSON *obj, const char *key, const char *parent,
                           fmt_json_need need, int64_t max, int64_t *out, lm_errinfo *err) {
    char path[FMT_JSON_PATH_MAX];
    fmt_json_path_key(path, parent, key);
    const cJSON *it = fmt_json_get(obj, key);
    if (!it) {
        if (need == FMT_JSON_REQUIRED) return lm_errinfo_set(err, LM_INVALID, path, "is required");
        return LM_OK;
    }
    if (!cJSON_IsNumber(it))
        return lm_errinfo_set(err, LM_INVALID, path,
                              "must be a number: an integer amount in minor units");
    double d = it->valuedouble;
    if (!isfinite(d) || d != floor(d))
        return lm_errinfo_set(err, LM_INVALID, path,
                              "must be an integer in minor units (12.30 EUR is 1230)");
    if (d < 0 || d > (double)max)
        return lm_errinfo_set(err, LM_INVALID, path, "must be 0..%" PRId64 " minor units", max);
    *out = (int64_t)d;
    return LM_OK;
}

lm_status fmt_money_currency(const cJSON *obj, const char *key, const char *parent,
                             fmt_json_need need, char out[STORE_CURRENCY_LEN + 1],
                             lm_errinfo *err) {
    const char *s = NULL;
    lm_status rc = fmt_json_string(obj, key, parent, need, 8, &s, err);
    if (rc != LM_OK || !s) return rc;
    if (orders_currency_exponent(s) < 0) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_key(path, parent, key);
        return lm_errinfo_set(err, LM_INVALID, path,
                              "'%s' is not an ISO 4217 currency code (three capital letters, "
                              "such as EUR)",
                              s);
    }
    lm_strlcpy(out, s, STORE_CURRENCY_LEN + 1);
    return LM_OK;
}

/* Members that would make the client the author of the totals. */
static lm_status no_client_totals(const cJSON *body, lm_errinfo *err) {
    static const char *const computed[] = {"total", "totals", "subtotal", "discount", "tax"};
    for (size_t i = 0; i < sizeof computed / sizeof computed[0]; i++)
        if (fmt_json_get(body, computed[i]))
            return lm_errinfo_set(err, LM_INVALID, computed[i],
                                  "is computed by the server from prices and promotions; do not "
                                  "send it");
    if (fmt_json_get(body, "coupon"))
        return lm_errinfo_set(err, LM_INVALID, "coupon", "send coupons, an array of codes");
    return LM_OK;
}

static lm_status lines_read(const cJSON *body, size_t n_lines, orders_money_line_in *lines,
                            bool *any, lm_errinfo *err) {
    const cJSON *arr = fmt_json_get(body, "lines");
    for (size_t i = 0; i < n_lines; i++) {
        memset(&lines[i], 0, sizeof lines[i]);
        const cJSON *l = cJSON_GetArrayItem(arr, (int)i);
        if (!l) continue;
        char parent[FMT_JSON_PATH_MAX];
        fmt_json_path_index(parent, "lines", i);
        int64_t v = -1;
        lm_status rc = fmt_money_amount(l, "unit_price", parent, FMT_JSON_OPTIONAL,
                                        ORDERS_AMOUNT_MAX, &v, err);
        if (rc != LM_OK) return rc;
        if (v >= 0) {
            lines[i].has_unit_price = true;
            lines[i].unit_price = v;
            *any = true;
        }
        v = -1;
        rc = fmt_json_int(l, "tax_rate_bp", parent, FMT_JSON_OPTIONAL, 0, 10000, &v, err);
        if (rc != LM_OK) return rc;
        if (v >= 0) {
            lines[i].has_tax_rate = true;
            lines[i].tax_rate_bp = (int32_t)v;
            *any = true;
        }
    }
    return LM_OK;
}

lm_status fmt_money_order_read(const cJSON *body, size_t n_lines, orders_money_in *out,
                               orders_money_line_in *lines, bool *present, lm_errinfo *err) {
    orders_money_in m;
    memset(&m, 0, sizeof m);
    bool any = false;
    lm_status rc = no_client_totals(body, err);
    if (rc == LM_OK) rc = lines_read(body, n_lines, lines, &any, err);
    if (rc != LM_OK) return rc;
    m.lines = lines;
    if (fmt_json_get(body, "shipping_fee")) {
        any = true;
        rc = fmt_money_amount(body, "shipping_fee", "", FMT_JSON_OPTIONAL, ORDERS_AMOUNT_MAX,
                              &m.shipping_fee, err);
        if (rc != LM_OK) return rc;
    }
    const cJSON *coupons = NULL;
    rc = fmt_json_array(body, "coupons", "", FMT_JSON_OPTIONAL, ORDERS_COUPONS_MAX, &coupons,
                        &m.n_coupons, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < m.n_coupons; i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "coupons", i);
        const cJSON *c = cJSON_GetArrayItem(coupons, (int)i);
        if (!cJSON_IsString(c) || !c->valuestring[0] || strlen(c->valuestring) > STORE_CODE_MAX)
            return lm_errinfo_set(err, LM_INVALID, path, "must be a code of 1..%d characters",
                                  STORE_CODE_MAX);
        /* text like every other string of a body: UTF-8, no control characters (found by
         * fuzz_orders_json) */
        if (!fmt_json_utf8_ok(c->valuestring, strlen(c->valuestring), false))
            return lm_errinfo_set(err, LM_INVALID, path,
                                  "must be UTF-8 text without control characters");
        lm_strlcpy(m.coupons[i], c->valuestring, sizeof m.coupons[i]);
        any = true;
    }
    const cJSON *pay = fmt_json_get(body, "payment");
    if (pay) {
        any = true;
        if ((rc = fmt_json_require_object(pay, "payment", err)) != LM_OK) return rc;
        static const char *const keys[] = {"method", NULL};
        if ((rc = fmt_json_only_keys(pay, "payment", keys, err)) != LM_OK) return rc;
        const char *method = NULL;
        rc = fmt_json_string(pay, "method", "payment", FMT_JSON_OPTIONAL, 15, &method, err);
        if (rc != LM_OK) return rc;
        if (method && !orders_pay_method_valid(method))
            return lm_errinfo_set(err, LM_INVALID, "payment.method",
                                  "must be card, transfer, wallet or cod");
        if (method) lm_strlcpy(m.payment_method, method, sizeof m.payment_method);
    }
    any |= fmt_json_get(body, "currency") != NULL;
    if (any && (rc = fmt_money_currency(body, "currency", "", FMT_JSON_REQUIRED, m.currency,
                                        err)) != LM_OK)
        return rc;
    *present = any;
    if (any) *out = m;
    return LM_OK;
}

lm_status fmt_money_write(lm_buf *b, const orders_money *m) {
    lm_status rc = lm_buf_printf(b, "\"currency\":\"%s\",\"lines\":[", m->currency);
    for (size_t i = 0; i < m->n_lines && rc == LM_OK; i++) {
        const orders_money_line *l = &m->lines[i];
        rc = lm_buf_printf(b, "%s{\"sku\":", i ? "," : "");
        if (rc == LM_OK) rc = lm_buf_json_str(b, l->sku);
        if (rc == LM_OK)
            rc = lm_buf_printf(b,
                               ",\"qty\":%" PRId64 ",\"cancelled_qty\":%" PRId64
                               ",\"unit_price\":%" PRId64 ",\"tax_rate_bp\":%d,\"gross\":%" PRId64
                               ",\"discount\":%" PRId64 ",\"tax\":%" PRId64 "}",
                               l->qty, l->cancelled_qty, l->unit_price, (int)l->tax_rate_bp,
                               l->gross, l->discount, l->tax);
    }
    if (rc == LM_OK)
        rc = lm_buf_printf(b,
                           "],\"totals\":{\"subtotal\":%" PRId64 ",\"discount\":%" PRId64
                           ",\"shipping\":%" PRId64 ",\"tax\":%" PRId64 ",\"total\":%" PRId64
                           "},\"adjustments\":[",
                           m->subtotal, m->discount, m->shipping, m->tax, m->total);
    for (size_t i = 0; i < m->n_adj && rc == LM_OK; i++) {
        const orders_adjustment *a = &m->adj[i];
        rc = lm_buf_printf(b, "%s{\"promotion\":", i ? "," : "");
        if (rc == LM_OK) rc = lm_buf_json_str(b, a->promotion_id);
        if (rc == LM_OK) rc = lm_buf_append(b, ",\"code\":", 8);
        if (rc == LM_OK) rc = lm_buf_json_str(b, a->code);
        if (rc == LM_OK)
            rc = lm_buf_printf(b, ",\"kind\":\"%s\",\"line\":%d,\"amount\":%" PRId64 "}", a->kind,
                               (int)a->line_no, a->amount);
    }
    if (rc == LM_OK)
        rc = lm_buf_printf(
            b,
            "],\"payment\":{\"status\":\"%s\",\"method\":\"%s\",\"amount_due\":%" PRId64
            ",\"paid\":%" PRId64 ",\"refunded\":%" PRId64 "}",
            m->payment_status, m->payment_method, orders_money_amount_due(m), m->paid, m->refunded);
    return rc;
}

void fmt_money_decimal(int64_t minor, const char *currency, char *out, size_t cap) {
    int e = orders_currency_exponent(currency);
    if (e < 0) {
        if (cap) out[0] = '\0';
        return;
    }
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    uint64_t div = 1;
    for (int i = 0; i < e; i++)
        div *= 10;
    char frac[24] = "";
    if (e > 0) {
        /* div + remainder prints as "1" and exactly e digits; the 1 is dropped */
        snprintf(frac, sizeof frac, ".%" PRIu64, div + mag % div);
        memmove(frac + 1, frac + 2, strlen(frac + 2) + 1);
    }
    snprintf(out, cap, "%s%" PRIu64 "%s", minor < 0 ? "-" : "", mag / div, frac);
}

bool fmt_money_decimal_parse(const char *text, const char *currency, int64_t max, int64_t *out) {
    int e = orders_currency_exponent(currency);
    if (e < 0 || !text || !text[0] || max < 0) return false;
    int64_t v = 0;
    int decimals = -1; /* -1 until the point */
    size_t digits = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '.') {
            if (decimals >= 0 || digits == 0) return false;
            decimals = 0;
            continue;
        }
        if (*p < '0' || *p > '9') return false;
        if (decimals >= 0 && ++decimals > e) return false;
        if (v > (INT64_MAX - 9) / 10) return false;
        v = v * 10 + (*p - '0');
        digits++;
    }
    if (decimals == 0) return false; /* "12." */
    for (int k = decimals < 0 ? 0 : decimals; k < e; k++) {
        if (v > INT64_MAX / 10) return false;
        v *= 10;
    }
    if (v > max) return false;
    *out = v;
    return true;
}
