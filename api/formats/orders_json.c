/* api/formats/orders_json.c: JSON bodies -> orders/ records (api/formats/orders_json.h), on the
 * project's one family of JSON readers (api/formats/json.h). */
#include "api/formats/orders_json.h"

#include "api/formats/json.h"
#include "api/formats/money.h"
#include "api/formats/rfc3339.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* obj[key] as an identifier or name copied into dst[cap] (absent or null: ""). */
static lm_status str_into(const cJSON *obj, const char *key, const char *parent, fmt_json_need need,
                          bool text, char *dst, size_t cap, lm_errinfo *err) {
    const char *s = NULL;
    dst[0] = '\0';
    if (cJSON_IsNull(fmt_json_get(obj, key))) {
        if (need == FMT_JSON_OPTIONAL) return LM_OK;
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_key(path, parent, key);
        return lm_errinfo_set(err, LM_INVALID, path, "is required");
    }
    lm_status rc = text ? fmt_json_text(obj, key, parent, need, cap - 1, &s, err)
                        : fmt_json_string(obj, key, parent, need, cap - 1, &s, err);
    if (rc == LM_OK && s) lm_strlcpy(dst, s, cap);
    return rc;
}

static lm_status need_object(const cJSON *j, const char *path, const char *what, lm_errinfo *err) {
    if (cJSON_IsObject(j)) return LM_OK;
    return lm_errinfo_set(err, LM_INVALID, path[0] ? path : "body", "expected a JSON object (%s)",
                          what);
}

/* v as [lon, lat] (a third element, altitude, is ignored), each in range. */
static lm_status lonlat(const cJSON *v, const char *path, double *lon, double *lat,
                        lm_errinfo *err) {
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 2 || cJSON_GetArraySize(v) > 3)
        return lm_errinfo_set(err, LM_INVALID, path, "must be [lon, lat]");
    const cJSON *x = cJSON_GetArrayItem(v, 0), *y = cJSON_GetArrayItem(v, 1);
    if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y))
        return lm_errinfo_set(err, LM_INVALID, path, "must hold two numbers [lon, lat]");
    if (!(x->valuedouble >= -180 && x->valuedouble <= 180))
        return lm_errinfo_set(err, LM_INVALID, path, "longitude %g is outside [-180, 180]",
                              x->valuedouble);
    if (!(y->valuedouble >= -90 && y->valuedouble <= 90))
        return lm_errinfo_set(err, LM_INVALID, path,
                              "latitude %g is outside [-90, 90] (is the pair [lat, lon]?)",
                              y->valuedouble);
    *lon = x->valuedouble;
    *lat = y->valuedouble;
    return LM_OK;
}

/* v as epoch seconds, or an RFC 3339 time with a zone (calendar-checked by fmt_time_parse). */
static lm_status time_item(const cJSON *v, const char *path, int64_t *out, lm_errinfo *err) {
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble) &&
        v->valuedouble >= 0 && v->valuedouble < 1e11) {
        *out = (int64_t)v->valuedouble;
        return LM_OK;
    }
    int64_t t;
    /* the same range as epoch seconds: 1970 up to year 5138 */
    if (cJSON_IsString(v) && fmt_time_parse_rfc3339(v->valuestring, &t) && t >= 0 &&
        t < INT64_C(100000000000)) {
        *out = t;
        return LM_OK;
    }
    return lm_errinfo_set(err, LM_INVALID, path,
                          "must be epoch seconds or an RFC 3339 time with a zone "
                          "(2026-11-23T09:00:00Z)");
}

static lm_status hhmm(const cJSON *obj, const char *key, int32_t *out, lm_errinfo *err) {
    char b[16], path[FMT_JSON_PATH_MAX];
    fmt_json_path_key(path, "opening_hours", key);
    lm_status rc = str_into(obj, key, "opening_hours", FMT_JSON_REQUIRED, false, b, sizeof b, err);
    if (rc != LM_OK) return rc;
    int h, m, n = 0;
    if (sscanf(b, "%2d:%2d%n", &h, &m, &n) != 2 || b[n] || h < 0 || h > 48 || m < 0 || m > 59)
        return lm_errinfo_set(err, LM_INVALID, path, "must be HH:MM");
    *out = h * 3600 + m * 60;
    return LM_OK;
}

static lm_status opening_hours(const cJSON *oh, orders_depot *d, lm_errinfo *err) {
    d->open_s = 0;
    d->close_s = 86400;
    if (!oh || cJSON_IsNull(oh)) return LM_OK;
    if (cJSON_IsArray(oh)) { /* [open_s, close_s]: seconds after midnight (the demo's form) */
        const cJSON *a = cJSON_GetArrayItem(oh, 0), *b = cJSON_GetArrayItem(oh, 1);
        if (cJSON_GetArraySize(oh) != 2 || !cJSON_IsNumber(a) || !cJSON_IsNumber(b) ||
            !(a->valuedouble >= 0 && a->valuedouble < 86400) ||
            !(b->valuedouble >= 0 && b->valuedouble <= 2 * 86400))
            return lm_errinfo_set(err, LM_INVALID, "opening_hours",
                                  "must be [open_s, close_s] seconds after midnight");
        d->open_s = (int32_t)a->valuedouble;
        d->close_s = (int32_t)b->valuedouble;
        return LM_OK;
    }
    static const char *const keys[] = {"open", "close", NULL};
    lm_status rc;
    if (!cJSON_IsObject(oh))
        return lm_errinfo_set(err, LM_INVALID, "opening_hours",
                              "must be {\"open\": \"HH:MM\", \"close\": \"HH:MM\"}");
    if ((rc = fmt_json_only_keys(oh, "opening_hours", keys, err)) != LM_OK ||
        (rc = hhmm(oh, "open", &d->open_s, err)) != LM_OK ||
        (rc = hhmm(oh, "close", &d->close_s, err)) != LM_OK)
        return rc;
    return LM_OK;
}

lm_status fmt_depot_from_json(const cJSON *j, orders_depot *d, lm_errinfo *err) {
    static const char *const keys[] = {"id", "name", "location", "opening_hours", NULL};
    lm_status rc;
    memset(d, 0, sizeof *d);
    if ((rc = need_object(j, "", "a depot", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK ||
        (rc = str_into(j, "id", "", FMT_JSON_REQUIRED, false, d->id, sizeof d->id, err)) != LM_OK ||
        (rc = str_into(j, "name", "", FMT_JSON_REQUIRED, false, d->name, sizeof d->name, err)) !=
            LM_OK)
        return rc;
    const cJSON *loc = fmt_json_get(j, "location");
    if (!loc) return lm_errinfo_set(err, LM_INVALID, "location", "is required: [lon, lat]");
    if ((rc = lonlat(loc, "location", &d->lon, &d->lat, err)) != LM_OK) return rc;
    return opening_hours(fmt_json_get(j, "opening_hours"), d, err);
}

/* o[key] (a number in 0..max of big units) into *out small units (x 1000), when present. */
static lm_status thousandths(const cJSON *o, const char *key, double max, int64_t *out,
                             lm_errinfo *err) {
    double v = 0;
    if (!fmt_json_get(o, key)) return LM_OK;
    lm_status rc = fmt_json_number(o, key, "", FMT_JSON_OPTIONAL, 0, max, &v, err);
    if (rc == LM_OK) *out = (int64_t)llround(v * 1000.0);
    return rc;
}

lm_status fmt_product_from_json(const cJSON *j, orders_product *p, lm_errinfo *err) {
    static const char *const keys[] = {"sku",       "name",     "weight_g",       "volume_cm3",
                                       "weight_kg", "volume_l", "substitute_sku", "active",
                                       NULL};
    lm_status rc;
    memset(p, 0, sizeof *p);
    p->active = true;
    if ((rc = need_object(j, "", "a product", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK ||
        (rc = str_into(j, "sku", "", FMT_JSON_REQUIRED, false, p->sku, sizeof p->sku, err)) !=
            LM_OK ||
        (rc = str_into(j, "name", "", FMT_JSON_REQUIRED, false, p->name, sizeof p->name, err)) !=
            LM_OK ||
        (rc = fmt_json_int(j, "weight_g", "", FMT_JSON_OPTIONAL, 0, 10000000, &p->weight_g, err)) !=
            LM_OK ||
        (rc = fmt_json_int(j, "volume_cm3", "", FMT_JSON_OPTIONAL, 0, 100000000, &p->volume_cm3,
                           err)) != LM_OK ||
        /* weight_kg / volume_l (the demo's units) are accepted and stored as integers */
        (rc = thousandths(j, "weight_kg", 10000, &p->weight_g, err)) != LM_OK ||
        (rc = thousandths(j, "volume_l", 100000, &p->volume_cm3, err)) != LM_OK ||
        (rc = str_into(j, "substitute_sku", "", FMT_JSON_OPTIONAL, false, p->substitute_sku,
                       sizeof p->substitute_sku, err)) != LM_OK)
        return rc;
    if (!cJSON_IsNull(fmt_json_get(j, "active")))
        rc = fmt_json_bool(j, "active", "", FMT_JSON_OPTIONAL, &p->active, err);
    return rc;
}

lm_status fmt_stock_row_from_json(const cJSON *j, fmt_stock_row *row, lm_errinfo *err) {
    static const char *const keys[] = {"depot_id", "sku", "on_hand", "reorder_point", NULL};
    lm_status rc;
    memset(row, 0, sizeof *row);
    if ((rc = need_object(j, "", "a stock level", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK ||
        (rc = str_into(j, "depot_id", "", FMT_JSON_REQUIRED, false, row->depot_id,
                       sizeof row->depot_id, err)) != LM_OK ||
        (rc = str_into(j, "sku", "", FMT_JSON_REQUIRED, false, row->sku, sizeof row->sku, err)) !=
            LM_OK ||
        (rc = fmt_json_int(j, "on_hand", "", FMT_JSON_REQUIRED, 0, INT32_MAX, &row->on_hand,
                           err)) != LM_OK)
        return rc;
    return fmt_json_int(j, "reorder_point", "", FMT_JSON_OPTIONAL, 0, INT32_MAX,
                        &row->reorder_point, err);
}

static lm_status customer(const cJSON *c, orders_order *o, lm_errinfo *err) {
    static const char *const keys[] = {"name", "phone", "email", "address", "location", NULL};
    lm_status rc;
    if (!c || cJSON_IsNull(c)) return LM_OK;
    if (!cJSON_IsObject(c)) return lm_errinfo_set(err, LM_INVALID, "customer", "must be an object");
    if ((rc = fmt_json_only_keys(c, "customer", keys, err)) != LM_OK ||
        (rc = str_into(c, "name", "customer", FMT_JSON_OPTIONAL, false, o->customer_name,
                       sizeof o->customer_name, err)) != LM_OK ||
        (rc = str_into(c, "phone", "customer", FMT_JSON_OPTIONAL, false, o->customer_phone,
                       sizeof o->customer_phone, err)) != LM_OK ||
        (rc = str_into(c, "email", "customer", FMT_JSON_OPTIONAL, false, o->customer_email,
                       sizeof o->customer_email, err)) != LM_OK ||
        (rc = str_into(c, "address", "customer", FMT_JSON_OPTIONAL, false, o->customer_address,
                       sizeof o->customer_address, err)) != LM_OK)
        return rc;
    const cJSON *loc = fmt_json_get(c, "location");
    if (!loc || cJSON_IsNull(loc)) return LM_OK;
    if ((rc = lonlat(loc, "customer.location", &o->lon, &o->lat, err)) != LM_OK) return rc;
    o->has_location = true;
    return LM_OK;
}

static lm_status lines(const cJSON *j, lm_arena *arena, bool money, orders_order *o,
                       lm_errinfo *err) {
    static const char *const plain_keys[] = {"sku", "qty", "quantity", NULL};
    static const char *const money_keys[] = {"sku",        "qty",         "quantity",
                                             "unit_price", "tax_rate_bp", NULL};
    const char *const *keys = money ? money_keys : plain_keys;
    const cJSON *arr = NULL;
    size_t n = 0;
    if (cJSON_IsNull(fmt_json_get(j, "lines"))) return LM_OK;
    lm_status rc =
        fmt_json_array(j, "lines", "", FMT_JSON_OPTIONAL, STORE_LINES_MAX, &arr, &n, err);
    if (rc != LM_OK || n == 0) return rc;
    o->lines = lm_arena_alloc(arena, n * sizeof *o->lines);
    if (!o->lines) return lm_errinfo_set(err, LM_NOMEM, "lines", "out of request memory");
    memset(o->lines, 0, n * sizeof *o->lines);
    size_t i = 0;
    for (const cJSON *l = arr->child; l; l = l->next, i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "lines", i);
        if (!cJSON_IsObject(l))
            return lm_errinfo_set(err, LM_INVALID, path, "must be {\"sku\", \"qty\"}");
        bool long_name = !fmt_json_get(l, "qty") && fmt_json_get(l, "quantity");
        if ((rc = fmt_json_only_keys(l, path, keys, err)) != LM_OK ||
            (rc = str_into(l, "sku", path, FMT_JSON_REQUIRED, false, o->lines[i].sku,
                           sizeof o->lines[i].sku, err)) != LM_OK ||
            (rc = fmt_json_int(l, long_name ? "quantity" : "qty", path, FMT_JSON_REQUIRED, 1,
                               1000000, &o->lines[i].qty, err)) != LM_OK)
            return rc;
    }
    o->n_lines = n;
    return LM_OK;
}

static lm_status windows(const cJSON *j, orders_order *o, lm_errinfo *err) {
    const cJSON *arr = NULL;
    size_t n = 0;
    if (cJSON_IsNull(fmt_json_get(j, "time_windows"))) return LM_OK;
    lm_status rc =
        fmt_json_array(j, "time_windows", "", FMT_JSON_OPTIONAL, STORE_WINDOWS_MAX, &arr, &n, err);
    if (rc != LM_OK || n == 0) return rc;
    size_t i = 0;
    for (const cJSON *w = arr->child; w; w = w->next, i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "time_windows", i);
        const cJSON *a = NULL, *b = NULL;
        if (cJSON_IsArray(w) && cJSON_GetArraySize(w) == 2) {
            a = cJSON_GetArrayItem(w, 0);
            b = cJSON_GetArrayItem(w, 1);
        } else if (cJSON_IsObject(w) && cJSON_GetArraySize(w) == 2) {
            a = fmt_json_get(w, "start");
            b = fmt_json_get(w, "end");
        }
        if (!a || !b) return lm_errinfo_set(err, LM_INVALID, path, "must be [start, end]");
        if ((rc = time_item(a, path, &o->windows[i].start_s, err)) != LM_OK ||
            (rc = time_item(b, path, &o->windows[i].end_s, err)) != LM_OK)
            return rc;
        if (o->windows[i].start_s >= o->windows[i].end_s) /* as orders/ intake: non-empty */
            return lm_errinfo_set(err, LM_INVALID, path, "a window must end after it starts");
    }
    o->n_windows = n;
    return LM_OK;
}

/* The order members; with money, the money members are known keys too (the totals a client
 * must not send included, so that fmt_money_order_read refuses them with the reason). */
static lm_status order_read(const cJSON *j, lm_arena *arena, bool money, orders_order *o,
                            lm_errinfo *err) {
    static const char *const plain_keys[] = {"external_ref", "channel",      "notes",
                                             "out_of_stock", "priority",     "customer",
                                             "lines",        "time_windows", NULL};
    static const char *const money_keys[] = {
        "external_ref", "channel",      "notes",    "out_of_stock",
        "priority",     "customer",     "lines",    "time_windows",
        "currency",     "shipping_fee", "coupons",  "payment",
        "total",        "totals",       "subtotal", "discount",
        "tax",          "coupon",       NULL};
    lm_status rc;
    int64_t prio = 0;
    memset(o, 0, sizeof *o);
    if ((rc = need_object(j, "", "an order", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", money ? money_keys : plain_keys, err)) != LM_OK ||
        (rc = str_into(j, "external_ref", "", FMT_JSON_OPTIONAL, false, o->external_ref,
                       sizeof o->external_ref, err)) != LM_OK ||
        (rc = str_into(j, "channel", "", FMT_JSON_OPTIONAL, false, o->channel, sizeof o->channel,
                       err)) != LM_OK ||
        (rc = str_into(j, "notes", "", FMT_JSON_OPTIONAL, true, o->notes, sizeof o->notes, err)) !=
            LM_OK ||
        (rc = str_into(j, "out_of_stock", "", FMT_JSON_OPTIONAL, false, o->oos_policy,
                       sizeof o->oos_policy, err)) != LM_OK ||
        (rc = fmt_json_int(j, "priority", "", FMT_JSON_OPTIONAL, 0, 100, &prio, err)) != LM_OK ||
        (rc = customer(fmt_json_get(j, "customer"), o, err)) != LM_OK ||
        (rc = lines(j, arena, money, o, err)) != LM_OK || (rc = windows(j, o, err)) != LM_OK)
        return rc;
    o->priority = (int32_t)prio;
    return LM_OK;
}

lm_status fmt_order_from_json(const cJSON *j, lm_arena *arena, orders_order *o, lm_errinfo *err) {
    return order_read(j, arena, false, o, err);
}

lm_status fmt_order_priced_from_json(const cJSON *j, lm_arena *arena, orders_order *o,
                                     orders_money_in *money, bool *has_money, lm_errinfo *err) {
    *has_money = false;
    lm_status rc = order_read(j, arena, true, o, err);
    if (rc != LM_OK) return rc;
    orders_money_line_in *ml = NULL;
    if (o->n_lines) {
        ml = lm_arena_alloc(arena, o->n_lines * sizeof *ml);
        if (!ml) return lm_errinfo_set(err, LM_NOMEM, "lines", "out of request memory");
        memset(ml, 0, o->n_lines * sizeof *ml);
    }
    return fmt_money_order_read(j, o->n_lines, money, ml, has_money, err);
}

lm_status fmt_order_time_from_json(const cJSON *v, const char *path, int64_t *out,
                                   lm_errinfo *err) {
    return time_item(v, path, out, err);
}

lm_status fmt_lonlat_from_json(const cJSON *v, const char *path, double *lon, double *lat,
                               lm_errinfo *err) {
    return lonlat(v, path, lon, lat, err);
}
