/* api/routes_orders.c: the HTTP edge of orders/: JSON bodies are validated into orders/ records
 * here (every error names its field), the orders service does the work in one transaction, and
 * the reply is written after its commit. */
#include "api/routes_orders.h"

#include "api/api.h"
#include "api/formats/csv.h"
#include "api/formats/rfc3339.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"

#include <inttypes.h>
#include <stdlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The orders service is a thin handle over the store (no caches that outlive a request), so
 * each request takes its own: nothing is shared between worker threads but the store. */
static lm_status svc_open(http_req *r, orders_svc **out) {
    orders_opts o;
    orders_opts_init(&o);
    o.st = api_store(r);
    lm_status rc = orders_create(&o, out);
    if (rc != LM_OK) return http_error(r, rc, "", "the orders service could not start");
    return LM_OK;
}

#define ORDERS_HANDLER(name)                                                                       \
    static lm_status name##_impl(http_req *r, orders_svc *o);                                      \
    lm_status name(http_req *r) {                                                                  \
        orders_svc *o = NULL;                                                                      \
        lm_status rc = svc_open(r, &o);                                                            \
        if (rc != LM_OK) return rc;                                                                \
        rc = name##_impl(r, o);                                                                    \
        orders_destroy(o);                                                                         \
        return rc;                                                                                 \
    }                                                                                              \
    static lm_status name##_impl(http_req *r, orders_svc *o)

/* ---- JSON input helpers: each names the field it rejects ---- */

static lm_status need_object(http_req *r, const cJSON *j, const char *what) {
    if (!cJSON_IsObject(j)) return http_error(r, LM_INVALID, "body", "expected a JSON %s", what);
    return LM_OK;
}

static lm_status j_str(http_req *r, const cJSON *obj, const char *key, const char *path, char *dst,
                       size_t cap, bool required) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    dst[0] = '\0';
    if (!v || cJSON_IsNull(v)) {
        if (required) return http_error(r, LM_INVALID, path, "%s is required", path);
        return LM_OK;
    }
    if (!cJSON_IsString(v)) return http_error(r, LM_INVALID, path, "%s must be a string", path);
    if (strlen(v->valuestring) >= cap)
        return http_error(r, LM_TOO_BIG, path, "%s is longer than %zu characters", path, cap - 1);
    lm_strlcpy(dst, v->valuestring, cap);
    return LM_OK;
}

static lm_status j_int(http_req *r, const cJSON *obj, const char *key, const char *path,
                       int64_t min, int64_t max, bool required, int64_t *out, bool *present) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (present) *present = false;
    if (!v || cJSON_IsNull(v)) {
        if (required) return http_error(r, LM_INVALID, path, "%s is required", path);
        return LM_OK;
    }
    double d = v->valuedouble;
    if (!cJSON_IsNumber(v) || !isfinite(d) || d != floor(d))
        return http_error(r, LM_INVALID, path, "%s must be an integer", path);
    if (d < (double)min || d > (double)max)
        return http_error(r, LM_INVALID, path, "%s must be in %" PRId64 "..%" PRId64, path, min,
                          max);
    *out = (int64_t)d;
    if (present) *present = true;
    return LM_OK;
}

static lm_status j_lonlat(http_req *r, const cJSON *v, const char *path, double *lon, double *lat) {
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 2 || cJSON_GetArraySize(v) > 3)
        return http_error(r, LM_INVALID, path, "%s must be [lon, lat]", path);
    const cJSON *x = cJSON_GetArrayItem(v, 0), *y = cJSON_GetArrayItem(v, 1);
    if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y))
        return http_error(r, LM_INVALID, path, "%s must hold two numbers [lon, lat]", path);
    if (!(x->valuedouble >= -180 && x->valuedouble <= 180))
        return http_error(r, LM_INVALID, path, "%s: longitude %g is outside [-180, 180]", path,
                          x->valuedouble);
    if (!(y->valuedouble >= -90 && y->valuedouble <= 90))
        return http_error(r, LM_INVALID, path,
                          "%s: latitude %g is outside [-90, 90] (is the pair [lat, lon]?)", path,
                          y->valuedouble);
    *lon = x->valuedouble;
    *lat = y->valuedouble;
    return LM_OK;
}

static lm_status j_time(http_req *r, const cJSON *v, const char *path, int64_t *out) {
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble) &&
        v->valuedouble >= 0 && v->valuedouble < 1e11) {
        *out = (int64_t)v->valuedouble;
        return LM_OK;
    }
    if (cJSON_IsString(v) && fmt_time_parse_rfc3339(v->valuestring, out)) return LM_OK;
    return http_error(r, LM_INVALID, path,
                      "%s must be epoch seconds or an ISO-8601 time with a zone "
                      "(2026-11-23T09:00:00Z)",
                      path);
}

static char *iso_time(char buf[32], int64_t epoch_s) {
    return fmt_time_format_rfc3339(epoch_s, buf);
}

/* ---- Depots ---- */

static lm_status hhmm_parse(http_req *r, const char *s, const char *path, int32_t *out) {
    int h, m, n = 0;
    if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || s[n] || h < 0 || h > 48 || m < 0 || m > 59)
        return http_error(r, LM_INVALID, path, "%s must be HH:MM", path);
    *out = h * 3600 + m * 60;
    return LM_OK;
}

static cJSON *depot_json(const orders_depot *d) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", d->id);
    cJSON_AddStringToObject(o, "name", d->name);
    cJSON *loc = cJSON_AddArrayToObject(o, "location");
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(d->lon));
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(d->lat));
    cJSON *oh = cJSON_AddObjectToObject(o, "opening_hours");
    char b[16];
    snprintf(b, sizeof b, "%02d:%02d", (int)(d->open_s / 3600), (int)(d->open_s % 3600 / 60));
    cJSON_AddStringToObject(oh, "open", b);
    snprintf(b, sizeof b, "%02d:%02d", (int)(d->close_s / 3600), (int)(d->close_s % 3600 / 60));
    cJSON_AddStringToObject(oh, "close", b);
    return o;
}

/* Shared by POST /v1/depots and the demo loader. */
static lm_status depot_from_json(http_req *r, const cJSON *j, orders_depot *d) {
    lm_status rc;
    memset(d, 0, sizeof *d);
    if ((rc = need_object(r, j, "object (a depot)")) != LM_OK) return rc;
    if ((rc = j_str(r, j, "id", "id", d->id, sizeof d->id, true)) != LM_OK) return rc;
    if ((rc = j_str(r, j, "name", "name", d->name, sizeof d->name, true)) != LM_OK) return rc;
    const cJSON *loc = cJSON_GetObjectItemCaseSensitive(j, "location");
    if (!loc) return http_error(r, LM_INVALID, "location", "location is required: [lon, lat]");
    if ((rc = j_lonlat(r, loc, "location", &d->lon, &d->lat)) != LM_OK) return rc;
    d->open_s = 0;
    d->close_s = 86400;
    const cJSON *oh = cJSON_GetObjectItemCaseSensitive(j, "opening_hours");
    if (cJSON_IsArray(oh)) { /* [open_s, close_s]: seconds after midnight (the demo's form) */
        const cJSON *a = cJSON_GetArrayItem(oh, 0), *b = cJSON_GetArrayItem(oh, 1);
        if (cJSON_GetArraySize(oh) != 2 || !cJSON_IsNumber(a) || !cJSON_IsNumber(b) ||
            a->valuedouble < 0 || a->valuedouble >= 86400 || b->valuedouble > 2 * 86400)
            return http_error(r, LM_INVALID, "opening_hours",
                              "opening_hours must be [open_s, close_s] seconds after midnight");
        d->open_s = (int32_t)a->valuedouble;
        d->close_s = (int32_t)b->valuedouble;
    } else if (oh && !cJSON_IsNull(oh)) {
        if (!cJSON_IsObject(oh))
            return http_error(r, LM_INVALID, "opening_hours",
                              "opening_hours must be {\"open\": \"HH:MM\", \"close\": \"HH:MM\"}");
        char b[16];
        if ((rc = j_str(r, oh, "open", "opening_hours.open", b, sizeof b, true)) != LM_OK ||
            (rc = hhmm_parse(r, b, "opening_hours.open", &d->open_s)) != LM_OK ||
            (rc = j_str(r, oh, "close", "opening_hours.close", b, sizeof b, true)) != LM_OK ||
            (rc = hhmm_parse(r, b, "opening_hours.close", &d->close_s)) != LM_OK)
            return rc;
    }
    return LM_OK;
}

ORDERS_HANDLER(api__depots_create) {
    orders_depot d;
    lm_status rc = depot_from_json(r, r->json, &d);
    if (rc != LM_OK) return rc;
    if ((rc = orders_depot_put(o, &d, &r->err)) != LM_OK) return rc;
    return http_reply_json(r, 201, depot_json(&d));
}

ORDERS_HANDLER(api__depots_list) {
    orders_depot *d = NULL;
    size_t n = 0;
    lm_status rc = orders_depot_list(o, &d, &n, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "depots");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, depot_json(&d[i]));
    lm_free(d);
    return http_reply_json(r, 200, out);
}

/* ---- Products ---- */

static cJSON *product_json(const orders_product *p) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "sku", p->sku);
    cJSON_AddStringToObject(o, "name", p->name);
    cJSON_AddNumberToObject(o, "weight_g", (double)p->weight_g);
    cJSON_AddNumberToObject(o, "volume_cm3", (double)p->volume_cm3);
    cJSON_AddBoolToObject(o, "active", p->active);
    if (p->substitute_sku[0])
        cJSON_AddStringToObject(o, "substitute_sku", p->substitute_sku);
    else
        cJSON_AddNullToObject(o, "substitute_sku");
    return o;
}

static lm_status product_from_json(http_req *r, const cJSON *j, orders_product *p) {
    lm_status rc;
    memset(p, 0, sizeof *p);
    if ((rc = need_object(r, j, "object (a product)")) != LM_OK) return rc;
    if ((rc = j_str(r, j, "sku", "sku", p->sku, sizeof p->sku, true)) != LM_OK) return rc;
    if ((rc = j_str(r, j, "name", "name", p->name, sizeof p->name, true)) != LM_OK) return rc;
    if ((rc = j_int(r, j, "weight_g", "weight_g", 0, 10000000, false, &p->weight_g, NULL)) != LM_OK)
        return rc;
    if ((rc = j_int(r, j, "volume_cm3", "volume_cm3", 0, 100000000, false, &p->volume_cm3, NULL)) !=
        LM_OK)
        return rc;
    /* weight_kg / volume_l (the demo's units) are accepted and stored as integers */
    const cJSON *kg = cJSON_GetObjectItemCaseSensitive(j, "weight_kg");
    if (kg) {
        if (!cJSON_IsNumber(kg) || !(kg->valuedouble >= 0 && kg->valuedouble <= 10000))
            return http_error(r, LM_INVALID, "weight_kg", "weight_kg must be 0..10000");
        p->weight_g = (int64_t)llround(kg->valuedouble * 1000.0);
    }
    const cJSON *vl = cJSON_GetObjectItemCaseSensitive(j, "volume_l");
    if (vl) {
        if (!cJSON_IsNumber(vl) || !(vl->valuedouble >= 0 && vl->valuedouble <= 100000))
            return http_error(r, LM_INVALID, "volume_l", "volume_l must be 0..100000");
        p->volume_cm3 = (int64_t)llround(vl->valuedouble * 1000.0);
    }
    if ((rc = j_str(r, j, "substitute_sku", "substitute_sku", p->substitute_sku,
                    sizeof p->substitute_sku, false)) != LM_OK)
        return rc;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "active");
    p->active = true;
    if (a && !cJSON_IsNull(a)) {
        if (!cJSON_IsBool(a))
            return http_error(r, LM_INVALID, "active", "active must be a boolean");
        p->active = cJSON_IsTrue(a);
    }
    return LM_OK;
}

ORDERS_HANDLER(api__products_create) {
    orders_product p;
    lm_status rc = product_from_json(r, r->json, &p);
    if (rc != LM_OK) return rc;
    if ((rc = orders_product_put(o, &p, &r->err)) != LM_OK) return rc;
    return http_reply_json(r, 201, product_json(&p));
}

ORDERS_HANDLER(api__products_list) {
    orders_product *p = NULL;
    size_t n = 0;
    lm_status rc = orders_product_list(o, &p, &n, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "products");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, product_json(&p[i]));
    lm_free(p);
    return http_reply_json(r, 200, out);
}

/* ---- Stock ---- */

static cJSON *stock_json(const orders_stock *s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "depot", s->depot_id);
    cJSON_AddStringToObject(o, "sku", s->sku);
    cJSON_AddNumberToObject(o, "on_hand", (double)s->on_hand);
    cJSON_AddNumberToObject(o, "reserved", (double)s->reserved);
    cJSON_AddNumberToObject(o, "available", (double)(s->on_hand - s->reserved));
    cJSON_AddNumberToObject(o, "reorder_point", (double)s->reorder_point);
    cJSON_AddBoolToObject(o, "low", s->on_hand - s->reserved < s->reorder_point);
    return o;
}

ORDERS_HANDLER(api__stock_put) {
    lm_status rc = need_object(r, r->json, "object {\"on_hand\": N, \"reorder_point\": M}");
    if (rc != LM_OK) return rc;
    int64_t on_hand = 0, rp = -1;
    if ((rc = j_int(r, r->json, "on_hand", "on_hand", 0, INT32_MAX, true, &on_hand, NULL)) !=
            LM_OK ||
        (rc = j_int(r, r->json, "reorder_point", "reorder_point", 0, INT32_MAX, false, &rp,
                    NULL)) != LM_OK)
        return rc;
    orders_stock s;
    rc =
        orders_stock_set(o, http_param(r, "depot"), http_param(r, "sku"), on_hand, rp, &s, &r->err);
    if (rc != LM_OK) return rc;
    return http_reply_json(r, 200, stock_json(&s));
}

ORDERS_HANDLER(api__stock_list) {
    const char *low = http_query(r, "low");
    if (low && strcmp(low, "true") && strcmp(low, "false"))
        return http_error(r, LM_INVALID, "low", "low must be true or false");
    orders_stock *s = NULL;
    size_t n = 0;
    lm_status rc = orders_stock_list(o, low && !strcmp(low, "true"), &s, &n, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "stock");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, stock_json(&s[i]));
    lm_free(s);
    return http_reply_json(r, 200, out);
}

/* ---- Orders ---- */

/* Fills *ord from an order body; lines live in the request arena. */
static lm_status order_from_json(http_req *r, const cJSON *j, orders_order *ord) {
    lm_status rc;
    memset(ord, 0, sizeof *ord);
    if ((rc = need_object(r, j, "object (an order)")) != LM_OK) return rc;
    if ((rc = j_str(r, j, "external_ref", "external_ref", ord->external_ref,
                    sizeof ord->external_ref, false)) != LM_OK ||
        (rc = j_str(r, j, "channel", "channel", ord->channel, sizeof ord->channel, false)) !=
            LM_OK ||
        (rc = j_str(r, j, "notes", "notes", ord->notes, sizeof ord->notes, false)) != LM_OK ||
        (rc = j_str(r, j, "out_of_stock", "out_of_stock", ord->oos_policy, sizeof ord->oos_policy,
                    false)) != LM_OK)
        return rc;
    int64_t prio = 0;
    if ((rc = j_int(r, j, "priority", "priority", 0, 100, false, &prio, NULL)) != LM_OK) return rc;
    ord->priority = (int32_t)prio;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "customer");
    if (c && !cJSON_IsNull(c)) {
        if (!cJSON_IsObject(c))
            return http_error(r, LM_INVALID, "customer", "customer must be an object");
        if ((rc = j_str(r, c, "name", "customer.name", ord->customer_name,
                        sizeof ord->customer_name, false)) != LM_OK ||
            (rc = j_str(r, c, "phone", "customer.phone", ord->customer_phone,
                        sizeof ord->customer_phone, false)) != LM_OK ||
            (rc = j_str(r, c, "email", "customer.email", ord->customer_email,
                        sizeof ord->customer_email, false)) != LM_OK ||
            (rc = j_str(r, c, "address", "customer.address", ord->customer_address,
                        sizeof ord->customer_address, false)) != LM_OK)
            return rc;
        const cJSON *loc = cJSON_GetObjectItemCaseSensitive(c, "location");
        if (loc && !cJSON_IsNull(loc)) {
            if ((rc = j_lonlat(r, loc, "customer.location", &ord->lon, &ord->lat)) != LM_OK)
                return rc;
            ord->has_location = true;
        }
    }
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(j, "lines");
    if (lines && !cJSON_IsNull(lines)) {
        if (!cJSON_IsArray(lines))
            return http_error(r, LM_INVALID, "lines", "lines must be an array");
        int n = cJSON_GetArraySize(lines);
        if (n > STORE_LINES_MAX)
            return http_error(r, LM_TOO_BIG, "lines", "at most %d lines per order (got %d)",
                              STORE_LINES_MAX, n);
        if (n > 0) {
            ord->lines = lm_arena_alloc(r->arena, (size_t)n * sizeof *ord->lines);
            if (!ord->lines) return http_error(r, LM_NOMEM, "lines", "out of request memory");
        }
        int i = 0;
        const cJSON *l;
        cJSON_ArrayForEach(l, lines) {
            char path[48], f[64];
            snprintf(path, sizeof path, "lines[%d]", i);
            if (!cJSON_IsObject(l))
                return http_error(r, LM_INVALID, path, "%s must be {\"sku\", \"qty\"}", path);
            snprintf(f, sizeof f, "%s.sku", path);
            if ((rc = j_str(r, l, "sku", f, ord->lines[i].sku, sizeof ord->lines[i].sku, true)) !=
                LM_OK)
                return rc;
            bool long_name = !cJSON_GetObjectItemCaseSensitive(l, "qty") &&
                             cJSON_GetObjectItemCaseSensitive(l, "quantity");
            snprintf(f, sizeof f, "%s.%s", path, long_name ? "quantity" : "qty");
            if ((rc = j_int(r, l, long_name ? "quantity" : "qty", f, 1, 1000000, true,
                            &ord->lines[i].qty, NULL)) != LM_OK)
                return rc;
            i++;
        }
        ord->n_lines = (size_t)n;
    }
    const cJSON *tw = cJSON_GetObjectItemCaseSensitive(j, "time_windows");
    if (tw && !cJSON_IsNull(tw)) {
        if (!cJSON_IsArray(tw))
            return http_error(r, LM_INVALID, "time_windows", "time_windows must be an array");
        int n = cJSON_GetArraySize(tw);
        if (n > STORE_WINDOWS_MAX)
            return http_error(r, LM_TOO_BIG, "time_windows", "at most %d time windows",
                              STORE_WINDOWS_MAX);
        int i = 0;
        const cJSON *w;
        cJSON_ArrayForEach(w, tw) {
            char path[48];
            snprintf(path, sizeof path, "time_windows[%d]", i);
            const cJSON *a = NULL, *b = NULL;
            if (cJSON_IsArray(w) && cJSON_GetArraySize(w) == 2) {
                a = cJSON_GetArrayItem(w, 0);
                b = cJSON_GetArrayItem(w, 1);
            } else if (cJSON_IsObject(w)) {
                a = cJSON_GetObjectItemCaseSensitive(w, "start");
                b = cJSON_GetObjectItemCaseSensitive(w, "end");
            }
            if (!a || !b) return http_error(r, LM_INVALID, path, "%s must be [start, end]", path);
            if ((rc = j_time(r, a, path, &ord->windows[i].start_s)) != LM_OK ||
                (rc = j_time(r, b, path, &ord->windows[i].end_s)) != LM_OK)
                return rc;
            i++;
        }
        ord->n_windows = (size_t)n;
    }
    return LM_OK;
}

static cJSON *order_json(const orders_order *o) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "id", (double)o->id);
    cJSON_AddStringToObject(j, "external_ref", o->external_ref);
    cJSON_AddStringToObject(j, "channel", o->channel);
    cJSON_AddStringToObject(j, "status", o->status);
    cJSON_AddStringToObject(j, "customer_status",
                            orders_customer_status(o->status, o->stock_outcome));
    cJSON_AddStringToObject(j, "stock_outcome", o->stock_outcome);
    if (o->depot_id[0])
        cJSON_AddStringToObject(j, "depot", o->depot_id);
    else
        cJSON_AddNullToObject(j, "depot");
    cJSON *c = cJSON_AddObjectToObject(j, "customer");
    cJSON_AddStringToObject(c, "name", o->customer_name);
    cJSON_AddStringToObject(c, "phone", o->customer_phone);
    cJSON_AddStringToObject(c, "email", o->customer_email);
    cJSON_AddStringToObject(c, "address", o->customer_address);
    if (o->has_location) {
        cJSON *loc = cJSON_AddArrayToObject(c, "location");
        cJSON_AddItemToArray(loc, cJSON_CreateNumber(o->lon));
        cJSON_AddItemToArray(loc, cJSON_CreateNumber(o->lat));
    } else {
        cJSON_AddNullToObject(c, "location");
    }
    cJSON *lines = cJSON_AddArrayToObject(j, "lines");
    for (size_t i = 0; i < o->n_lines; i++) {
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "sku", o->lines[i].sku);
        cJSON_AddNumberToObject(l, "qty", (double)o->lines[i].qty);
        if (o->lines[i].ordered_sku[0])
            cJSON_AddStringToObject(l, "substitute_for", o->lines[i].ordered_sku);
        cJSON_AddItemToArray(lines, l);
    }
    cJSON *tw = cJSON_AddArrayToObject(j, "time_windows");
    for (size_t i = 0; i < o->n_windows; i++) {
        char a[32], b[32];
        cJSON *w = cJSON_CreateArray();
        cJSON_AddItemToArray(w, cJSON_CreateString(iso_time(a, o->windows[i].start_s)));
        cJSON_AddItemToArray(w, cJSON_CreateString(iso_time(b, o->windows[i].end_s)));
        cJSON_AddItemToArray(tw, w);
    }
    cJSON_AddNumberToObject(j, "priority", o->priority);
    cJSON_AddStringToObject(j, "notes", o->notes);
    if (o->oos_policy[0])
        cJSON_AddStringToObject(j, "out_of_stock", o->oos_policy);
    else
        cJSON_AddNullToObject(j, "out_of_stock");
    cJSON_AddNumberToObject(j, "weight_g", (double)o->weight_g);
    cJSON_AddNumberToObject(j, "volume_cm3", (double)o->volume_cm3);
    if (o->pkg_parcels > 0) {
        cJSON *p = cJSON_AddObjectToObject(j, "package");
        cJSON_AddNumberToObject(p, "weight_g", (double)o->pkg_weight_g);
        cJSON_AddNumberToObject(p, "volume_cm3", (double)o->pkg_volume_cm3);
        cJSON_AddNumberToObject(p, "parcels", (double)o->pkg_parcels);
    } else {
        cJSON_AddNullToObject(j, "package");
    }
    cJSON_AddStringToObject(j, "tracking_token", o->tracking_token);
    cJSON_AddNumberToObject(j, "created_ms", (double)o->created_ms);
    cJSON_AddNumberToObject(j, "updated_ms", (double)o->updated_ms);
    return j;
}

static lm_status reply_order(http_req *r, int status, orders_order *ord) {
    cJSON *j = order_json(ord);
    orders_order_clear(ord);
    return http_reply_json(r, status, j);
}

ORDERS_HANDLER(api__orders_create) {
    orders_order in, out;
    lm_status rc = order_from_json(r, r->json, &in);
    if (rc != LM_OK) return rc;
    const char *key = http_header(r, "Idempotency-Key");
    if (key && (!key[0] || strlen(key) > STORE_REF_MAX))
        return http_error(r, LM_INVALID, "Idempotency-Key",
                          "Idempotency-Key must be 1..%d characters", STORE_REF_MAX);
    bool replayed = false;
    if ((rc = orders_order_create(o, &in, key, &out, &replayed, &r->err)) != LM_OK) return rc;
    if (replayed && (rc = http_reply_header(r, "Idempotent-Replayed", "true")) != LM_OK) {
        orders_order_clear(&out);
        return rc;
    }
    return reply_order(r, replayed ? 200 : 201, &out);
}

static lm_status id_param(http_req *r, int64_t *id) {
    const char *s = http_param(r, "id");
    if (!s || !lm_parse_i64(s, 1, INT64_MAX, id))
        return http_error(r, LM_INVALID, "id", "order id must be a positive integer");
    return LM_OK;
}

ORDERS_HANDLER(api__orders_get) {
    int64_t id;
    orders_order ord;
    lm_status rc = id_param(r, &id);
    if (rc != LM_OK) return rc;
    if ((rc = orders_order_get(o, id, &ord, &r->err)) != LM_OK) return rc;
    cJSON *j = order_json(&ord);
    orders_order_clear(&ord);
    /* the reasons a held order is waiting on, and how they were resolved */
    orders_exception *ex = NULL;
    size_t n = 0;
    if (orders_exception_list(o, false, id, &ex, &n, NULL) == LM_OK) {
        cJSON *arr = cJSON_AddArrayToObject(j, "exceptions");
        for (size_t i = 0; i < n; i++) {
            if (ex[i].order_id != id) continue;
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "rule", ex[i].rule);
            cJSON_AddStringToObject(e, "field", ex[i].field);
            cJSON_AddStringToObject(e, "message", ex[i].message);
            if (ex[i].resolution[0])
                cJSON_AddStringToObject(e, "resolution", ex[i].resolution);
            else
                cJSON_AddNullToObject(e, "resolution");
            cJSON_AddItemToArray(arr, e);
        }
        lm_free(ex);
    }
    return http_reply_json(r, 200, j);
}

ORDERS_HANDLER(api__orders_list) {
    orders_filter f = {.limit = 100};
    f.status = http_query(r, "status");
    f.channel = http_query(r, "channel");
    const char *q = http_query(r, "since");
    if (q) {
        int64_t s;
        if (lm_parse_i64(q, 0, INT64_MAX / 2, &s))
            f.since_ms = s;
        else if (fmt_time_parse_rfc3339(q, &s))
            f.since_ms = s * 1000;
        else
            return http_error(r, LM_INVALID, "since",
                              "since must be epoch milliseconds or an ISO-8601 time with a zone");
    }
    int64_t v;
    if ((q = http_query(r, "after"))) {
        if (!lm_parse_i64(q, 0, INT64_MAX, &v))
            return http_error(r, LM_INVALID, "after", "after must be an order id >= 0");
        f.after_id = v;
    }
    if ((q = http_query(r, "limit"))) {
        if (!lm_parse_i64(q, 1, 1000, &v))
            return http_error(r, LM_INVALID, "limit", "limit must be 1..1000");
        f.limit = (size_t)v;
    }
    orders_order *list = NULL;
    size_t n = 0;
    lm_status rc = orders_order_list(o, &f, &list, &n, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "orders");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, order_json(&list[i]));
    cJSON_AddNumberToObject(out, "next_after", (double)(n ? list[n - 1].id : f.after_id));
    orders_order_list_free(list, n);
    return http_reply_json(r, 200, out);
}

ORDERS_HANDLER(api__orders_cancel) {
    int64_t id;
    orders_order ord;
    lm_status rc = id_param(r, &id);
    if (rc == LM_OK) rc = orders_order_cancel(o, id, &ord, &r->err);
    return rc == LM_OK ? reply_order(r, 200, &ord) : rc;
}

ORDERS_HANDLER(api__orders_release) {
    int64_t id;
    orders_order ord;
    lm_status rc = id_param(r, &id);
    if (rc == LM_OK) rc = orders_order_release(o, id, &ord, &r->err);
    return rc == LM_OK ? reply_order(r, 200, &ord) : rc;
}

ORDERS_HANDLER(api__orders_picking) {
    int64_t id;
    orders_order ord;
    lm_status rc = id_param(r, &id);
    if (rc == LM_OK) rc = orders_order_picking(o, id, &ord, &r->err);
    return rc == LM_OK ? reply_order(r, 200, &ord) : rc;
}

ORDERS_HANDLER(api__orders_ready) {
    int64_t id, w = 0, v = 0, p = 0;
    orders_order ord;
    lm_status rc = id_param(r, &id);
    if (rc != LM_OK) return rc;
    if ((rc = need_object(r, r->json, "object {\"weight_g\", \"volume_cm3\", \"parcels\"}")) !=
            LM_OK ||
        (rc = j_int(r, r->json, "weight_g", "weight_g", 0, 100000000, true, &w, NULL)) != LM_OK ||
        (rc = j_int(r, r->json, "volume_cm3", "volume_cm3", 0, 1000000000, true, &v, NULL)) !=
            LM_OK ||
        (rc = j_int(r, r->json, "parcels", "parcels", 1, 1000, true, &p, NULL)) != LM_OK)
        return rc;
    if ((rc = orders_order_ready(o, id, w, v, p, &ord, &r->err)) != LM_OK) return rc;
    return reply_order(r, 200, &ord);
}

ORDERS_HANDLER(api__orders_status) {
    int64_t id;
    orders_order ord;
    lm_status rc = id_param(r, &id);
    if (rc != LM_OK) return rc;
    if ((rc = need_object(r, r->json, "object {\"status\": ...}")) != LM_OK) return rc;
    char name[24];
    if ((rc = j_str(r, r->json, "status", "status", name, sizeof name, true)) != LM_OK) return rc;
    orders_status to;
    if (!orders_status_parse(name, &to) ||
        (to != ORDERS_PLANNED && to != ORDERS_OUT_FOR_DELIVERY && to != ORDERS_DELIVERED &&
         to != ORDERS_FAILED && to != ORDERS_READY))
        return http_error(r, LM_INVALID, "status",
                          "status must be planned, out_for_delivery, delivered, failed or ready "
                          "(use /cancel, /release, /picking, /ready for the others)");
    if ((rc = orders_order_advance(o, id, to, &ord, &r->err)) != LM_OK) return rc;
    return reply_order(r, 200, &ord);
}

/* ---- Exception queue and ready packages ---- */

ORDERS_HANDLER(api__exceptions_list) {
    const char *q = http_query(r, "open");
    if (q && strcmp(q, "true") && strcmp(q, "false"))
        return http_error(r, LM_INVALID, "open", "open must be true or false");
    bool only_open = !q || !strcmp(q, "true");
    orders_exception *ex = NULL;
    size_t n = 0;
    lm_status rc = orders_exception_list(o, only_open, 0, &ex, &n, &r->err);
    if (rc != LM_OK) return rc;
    /* one entry per order, its reasons grouped, oldest first: an order's reasons are written
     * in one transaction, so they are consecutive in id order */
    cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "exceptions");
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i; j < n && ex[j].order_id == ex[i].order_id; j++) {
        }
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "order_id", (double)ex[i].order_id);
        orders_order ord;
        if (orders_order_get(o, ex[i].order_id, &ord, NULL) == LM_OK) {
            cJSON_AddStringToObject(e, "status", ord.status);
            cJSON_AddStringToObject(e, "external_ref", ord.external_ref);
            cJSON_AddStringToObject(e, "customer", ord.customer_name);
            orders_order_clear(&ord);
        }
        cJSON_AddNumberToObject(e, "created_ms", (double)ex[i].created_ms);
        if (ex[i].resolution[0])
            cJSON_AddStringToObject(e, "resolution", ex[i].resolution);
        else
            cJSON_AddNullToObject(e, "resolution");
        cJSON *reasons = cJSON_AddArrayToObject(e, "reasons");
        for (size_t k = i; k < j; k++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "rule", ex[k].rule);
            cJSON_AddStringToObject(x, "field", ex[k].field);
            cJSON_AddStringToObject(x, "message", ex[k].message);
            cJSON_AddItemToArray(reasons, x);
        }
        cJSON_AddItemToArray(arr, e);
    }
    lm_free(ex);
    return http_reply_json(r, 200, out);
}

ORDERS_HANDLER(api__packages_ready) {
    orders_package *p = NULL;
    size_t n = 0;
    lm_status rc = orders_ready_list(o, http_query(r, "depot"), &p, &n, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "packages");
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "order_id", (double)p[i].order_id);
        cJSON_AddStringToObject(e, "depot", p[i].depot_id);
        cJSON *loc = cJSON_AddArrayToObject(e, "location");
        cJSON_AddItemToArray(loc, cJSON_CreateNumber(p[i].lon));
        cJSON_AddItemToArray(loc, cJSON_CreateNumber(p[i].lat));
        cJSON_AddNumberToObject(e, "weight_g", (double)p[i].weight_g);
        cJSON_AddNumberToObject(e, "volume_cm3", (double)p[i].volume_cm3);
        cJSON_AddNumberToObject(e, "parcels", (double)p[i].parcels);
        cJSON_AddNumberToObject(e, "priority", p[i].priority);
        cJSON_AddItemToArray(arr, e);
    }
    lm_free(p);
    return http_reply_json(r, 200, out);
}

/* ---- Intake configuration ---- */

static cJSON *config_json(const orders_config *c) {
    cJSON *j = cJSON_CreateObject();
    cJSON *rules = cJSON_AddObjectToObject(j, "rules");
    cJSON_AddBoolToObject(rules, "required_fields", c->rules.rule_required);
    cJSON_AddBoolToObject(rules, "service_area", c->rules.rule_service_area);
    cJSON_AddBoolToObject(rules, "duplicate", c->rules.rule_duplicate);
    cJSON_AddBoolToObject(rules, "blacklist", c->rules.rule_blacklist);
    cJSON_AddBoolToObject(rules, "oversize", c->rules.rule_oversize);
    cJSON *rf = cJSON_AddArrayToObject(j, "required_fields");
    for (const char *p = c->rules.required_fields; *p;) {
        size_t len = strcspn(p, ", ");
        if (len) {
            char name[64];
            lm_strlcpy(name, p, len + 1 < sizeof name ? len + 1 : sizeof name);
            cJSON_AddItemToArray(rf, cJSON_CreateString(name));
        }
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    cJSON_AddNumberToObject(j, "duplicate_window_s", (double)c->rules.duplicate_window_s);
    cJSON_AddNumberToObject(j, "max_weight_g", (double)c->rules.max_weight_g);
    cJSON_AddNumberToObject(j, "max_volume_cm3", (double)c->rules.max_volume_cm3);
    cJSON_AddStringToObject(j, "default_out_of_stock",
                            c->rules.default_oos[0] ? c->rules.default_oos : "backorder");
    cJSON *ch = cJSON_AddObjectToObject(j, "channel_out_of_stock");
    for (size_t i = 0; i < c->n_channels; i++)
        cJSON_AddStringToObject(ch, c->channels[i].channel, c->channels[i].oos_policy);
    cJSON *bl = cJSON_AddObjectToObject(j, "blacklist");
    static const char *const kinds[] = {"phone", "email", "address"};
    for (int k = 0; k < 3; k++) {
        cJSON *a = cJSON_AddArrayToObject(bl, kinds[k]);
        for (size_t i = 0; i < c->n_blacklist; i++)
            if (!strcmp(c->blacklist[i].kind, kinds[k]))
                cJSON_AddItemToArray(a, cJSON_CreateString(c->blacklist[i].value));
    }
    cJSON *area = c->service_area && c->service_area[0] ? cJSON_Parse(c->service_area) : NULL;
    cJSON_AddItemToObject(j, "service_area", area ? area : cJSON_CreateNull());
    return j;
}

ORDERS_HANDLER(api__orders_config_get) {
    orders_config c;
    lm_status rc = orders_config_get(o, &c, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *j = config_json(&c);
    orders_config_clear(&c);
    return http_reply_json(r, 200, j);
}

#define CONFIG_MAX_LIST 10000

/* Merges the keys present in body onto *c (absent keys keep their current value). Lists are
 * allocated into *c (freed by orders_config_clear). */
static lm_status config_merge(http_req *r, const cJSON *j, orders_config *c) {
    lm_status rc = need_object(r, j, "object (the orders configuration)");
    if (rc != LM_OK) return rc;
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(j, "rules");
    if (rules) {
        if (!cJSON_IsObject(rules))
            return http_error(r, LM_INVALID, "rules", "rules must be an object of booleans");
        static const char *const names[] = {"required_fields", "service_area", "duplicate",
                                            "blacklist", "oversize"};
        bool *flags[] = {&c->rules.rule_required, &c->rules.rule_service_area,
                         &c->rules.rule_duplicate, &c->rules.rule_blacklist,
                         &c->rules.rule_oversize};
        const cJSON *it;
        cJSON_ArrayForEach(it, rules) {
            int k = -1;
            for (int i = 0; i < 5; i++)
                if (!strcmp(it->string, names[i])) k = i;
            char path[96];
            snprintf(path, sizeof path, "rules.%.60s", it->string);
            if (k < 0) return http_error(r, LM_INVALID, path, "unknown audit rule");
            if (!cJSON_IsBool(it)) return http_error(r, LM_INVALID, path, "must be a boolean");
            *flags[k] = cJSON_IsTrue(it);
        }
    }
    const cJSON *rf = cJSON_GetObjectItemCaseSensitive(j, "required_fields");
    if (rf) {
        if (!cJSON_IsArray(rf))
            return http_error(r, LM_INVALID, "required_fields", "must be an array of names");
        lm_buf b;
        lm_buf_init(&b, sizeof c->rules.required_fields - 1);
        const cJSON *it;
        int i = 0;
        cJSON_ArrayForEach(it, rf) {
            if (!cJSON_IsString(it) ||
                lm_buf_printf(&b, "%s%s", i++ ? "," : "", it->valuestring) != LM_OK) {
                lm_buf_free(&b);
                return http_error(r, LM_INVALID, "required_fields",
                                  "must be a short array of field names");
            }
        }
        lm_strlcpy(c->rules.required_fields, b.data ? b.data : "", sizeof c->rules.required_fields);
        lm_buf_free(&b);
    }
    bool has = false;
    int64_t v;
    if ((rc = j_int(r, j, "duplicate_window_s", "duplicate_window_s", 0, 30 * 86400, false, &v,
                    &has)) != LM_OK)
        return rc;
    if (has) c->rules.duplicate_window_s = v;
    if ((rc = j_int(r, j, "max_weight_g", "max_weight_g", 0, INT64_C(1) << 40, false, &v, &has)) !=
        LM_OK)
        return rc;
    if (has) c->rules.max_weight_g = v;
    if ((rc = j_int(r, j, "max_volume_cm3", "max_volume_cm3", 0, INT64_C(1) << 40, false, &v,
                    &has)) != LM_OK)
        return rc;
    if (has) c->rules.max_volume_cm3 = v;
    if (cJSON_GetObjectItemCaseSensitive(j, "default_out_of_stock") &&
        (rc = j_str(r, j, "default_out_of_stock", "default_out_of_stock", c->rules.default_oos,
                    sizeof c->rules.default_oos, true)) != LM_OK)
        return rc;
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(j, "channel_out_of_stock");
    if (ch) {
        if (!cJSON_IsObject(ch))
            return http_error(r, LM_INVALID, "channel_out_of_stock",
                              "must be an object {channel: policy}");
        int n = cJSON_GetArraySize(ch);
        if (n > CONFIG_MAX_LIST)
            return http_error(r, LM_TOO_BIG, "channel_out_of_stock", "at most %d channels",
                              CONFIG_MAX_LIST);
        lm_free(c->channels);
        c->channels = n ? lm_calloc((size_t)n, sizeof *c->channels) : NULL;
        c->n_channels = 0;
        if (n && !c->channels) return http_error(r, LM_NOMEM, "", "out of memory");
        const cJSON *it;
        cJSON_ArrayForEach(it, ch) {
            char path[96];
            snprintf(path, sizeof path, "channel_out_of_stock.%.60s", it->string);
            if (!cJSON_IsString(it) || strlen(it->string) > STORE_ID_MAX ||
                strlen(it->valuestring) >= sizeof c->channels[0].oos_policy)
                return http_error(r, LM_INVALID, path,
                                  "must be one of cancel, backorder, substitute");
            lm_strlcpy(c->channels[c->n_channels].channel, it->string,
                       sizeof c->channels[0].channel);
            lm_strlcpy(c->channels[c->n_channels].oos_policy, it->valuestring,
                       sizeof c->channels[0].oos_policy);
            c->n_channels++;
        }
    }
    const cJSON *bl = cJSON_GetObjectItemCaseSensitive(j, "blacklist");
    if (bl) {
        if (!cJSON_IsObject(bl))
            return http_error(r, LM_INVALID, "blacklist",
                              "must be {\"phone\": [...], \"email\": [...], \"address\": [...]}");
        size_t total = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, bl) {
            char path[96];
            snprintf(path, sizeof path, "blacklist.%.60s", it->string);
            if (strcmp(it->string, "phone") && strcmp(it->string, "email") &&
                strcmp(it->string, "address"))
                return http_error(r, LM_INVALID, path, "kind must be phone, email or address");
            if (!cJSON_IsArray(it)) return http_error(r, LM_INVALID, path, "must be an array");
            total += (size_t)cJSON_GetArraySize(it);
        }
        if (total > CONFIG_MAX_LIST)
            return http_error(r, LM_TOO_BIG, "blacklist", "at most %d entries", CONFIG_MAX_LIST);
        lm_free(c->blacklist);
        c->blacklist = total ? lm_calloc(total, sizeof *c->blacklist) : NULL;
        c->n_blacklist = 0;
        if (total && !c->blacklist) return http_error(r, LM_NOMEM, "", "out of memory");
        cJSON_ArrayForEach(it, bl) {
            const cJSON *e;
            int i = 0;
            cJSON_ArrayForEach(e, it) {
                char path[96];
                snprintf(path, sizeof path, "blacklist.%s[%d]", it->string, i++);
                if (!cJSON_IsString(e) || strlen(e->valuestring) > STORE_ADDRESS_MAX)
                    return http_error(r, LM_INVALID, path, "must be a string of at most %d bytes",
                                      STORE_ADDRESS_MAX);
                store_blacklist_entry *d = &c->blacklist[c->n_blacklist++];
                lm_strlcpy(d->kind, it->string, sizeof d->kind);
                lm_strlcpy(d->value, e->valuestring, sizeof d->value);
            }
        }
    }
    const cJSON *area = cJSON_GetObjectItemCaseSensitive(j, "service_area");
    if (area) {
        lm_free(c->service_area);
        c->service_area = cJSON_IsNull(area) ? lm_strdup("") : cJSON_PrintUnformatted(area);
        if (!c->service_area) return http_error(r, LM_NOMEM, "", "out of memory");
    }
    return LM_OK;
}

ORDERS_HANDLER(api__orders_config_put) {
    orders_config c;
    lm_status rc = orders_config_get(o, &c, &r->err);
    if (rc != LM_OK) return rc;
    if ((rc = config_merge(r, r->json, &c)) == LM_OK &&
        (rc = orders_config_put(o, &c, &r->err)) == LM_OK) {
        orders_config_clear(&c);
        if ((rc = orders_config_get(o, &c, &r->err)) != LM_OK) return rc;
        cJSON *j = config_json(&c);
        orders_config_clear(&c);
        return http_reply_json(r, 200, j);
    }
    orders_config_clear(&c);
    return rc;
}

/* ---- CSV import ---- */

#define API_IMPORT_MAX_ROWS 2000

ORDERS_HANDLER(api__orders_import) {
    if (!r->body || r->body_len == 0)
        return http_error(r, LM_INVALID, "body", "expected CSV text with a header row");
    fmt_csv *csv = NULL;
    lm_status rc = fmt_csv_parse(r->body, r->body_len, &csv, &r->err);
    if (rc != LM_OK) return rc;
    /* keep one request to a bounded time on its worker thread */
    if (fmt_csv_count(csv) > API_IMPORT_MAX_ROWS) {
        size_t n = fmt_csv_count(csv);
        fmt_csv_destroy(csv);
        return http_error(r, LM_TOO_BIG, "csv",
                          "%zu rows; at most %d per request (lastmile import sends chunks)", n,
                          API_IMPORT_MAX_ROWS);
    }
    /* rows that read well go in together (up to 64 per transaction); the others are reported */
    size_t n = fmt_csv_count(csv), m = 0;
    orders_order *ins = n ? lm_calloc(n, sizeof *ins) : NULL;
    char(*keys)[STORE_REF_MAX + 1] = n ? lm_calloc(n, sizeof *keys) : NULL;
    const char **keyp = n ? lm_calloc(n, sizeof *keyp) : NULL;
    size_t *row_of = n ? lm_calloc(n, sizeof *row_of) : NULL;
    lm_errinfo *row_err = n ? lm_calloc(n, sizeof *row_err) : NULL;
    orders_create_result *res = n ? lm_calloc(n, sizeof *res) : NULL;
    if (n && (!ins || !keys || !keyp || !row_of || !row_err || !res)) {
        rc = http_error(r, LM_NOMEM, "", "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (fmt_csv_order(csv, i, &ins[m], keys[m], &row_err[i]) != LM_OK) continue;
        keyp[m] = keys[m][0] ? keys[m] : NULL;
        row_of[m++] = i;
    }
    if ((rc = orders_order_create_many(o, ins, keyp, m, res)) != LM_OK) {
        rc = http_error(r, rc, "", "out of memory");
        goto done;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON *results = cJSON_CreateArray();
    int64_t created = 0, failed = 0;
    for (size_t i = 0, k = 0; i < n; i++) {
        cJSON *row = cJSON_CreateObject();
        cJSON_AddNumberToObject(row, "line", (double)fmt_csv_line(csv, i));
        const orders_create_result *x = k < m && row_of[k] == i ? &res[k++] : NULL;
        lm_status st = x ? x->rc : (row_err[i].code ? row_err[i].code : LM_INVALID);
        const lm_errinfo *e = x ? &x->err : &row_err[i];
        if (st == LM_OK) {
            created += !x->replayed;
            cJSON_AddNumberToObject(row, "id", (double)x->id);
            cJSON_AddStringToObject(row, "status", x->status);
            if (x->replayed) cJSON_AddBoolToObject(row, "replayed", true);
        } else {
            failed++;
            cJSON *ej = cJSON_AddObjectToObject(row, "error");
            cJSON_AddStringToObject(ej, "code", lm_status_name(st));
            cJSON_AddStringToObject(ej, "field", e->field);
            cJSON_AddStringToObject(ej, "message", e->message[0] ? e->message : lm_strerror(st));
        }
        cJSON_AddItemToArray(results, row);
    }
    cJSON_AddNumberToObject(out, "created", (double)created);
    cJSON_AddNumberToObject(out, "failed", (double)failed);
    cJSON_AddItemToObject(out, "results", results);
    rc = http_reply_json(r, 200, out);
done:
    for (size_t i = 0; ins && i < m; i++)
        orders_order_clear(&ins[i]);
    lm_free(ins);
    lm_free(keys);
    lm_free(keyp);
    lm_free(row_of);
    lm_free(row_err);
    lm_free(res);
    fmt_csv_destroy(csv);
    return rc;
}

/* ---- Metrics ---- */

typedef struct count_ctx {
    lm_buf *out;
    lm_status rc;
} count_ctx;

static void count_one(void *ctx, const char *status, int64_t count) {
    count_ctx *c = ctx;
    if (c->rc == LM_OK)
        c->rc =
            lm_buf_printf(c->out, "lastmile_orders{status=\"%s\"} %" PRId64 "\n", status, count);
}

lm_status api__metrics_orders(http_req *r, lm_buf *out) {
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return rc;
    count_ctx c = {out, LM_OK};
    c.rc = lm_buf_printf(out, "# HELP lastmile_orders Orders by lifecycle status.\n"
                              "# TYPE lastmile_orders gauge\n");
    if (c.rc == LM_OK) rc = store_order_count_by_status(rd, count_one, &c, NULL);
    store_read_end(rd);
    return rc != LM_OK ? rc : c.rc;
}

/* ---- Demo scenario loading ---- */

/* Epoch seconds of local midnight of date ("YYYY-MM-DD") in the IANA zone tz. Runs at start-up,
 * before any server thread exists, because it switches the process time zone for mktime. */
static lm_status local_midnight(const char *date, const char *tz, int64_t *out) {
    int y, m, d;
    if (!date || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3) return LM_INVALID;
    const char *old = getenv("TZ");
    char *saved = old ? lm_strdup(old) : NULL;
    if (tz && tz[0]) setenv("TZ", tz, 1);
    tzset();
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
    time_t t = mktime(&tm);
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    lm_free(saved);
    if (t == (time_t)-1) return LM_INVALID;
    *out = (int64_t)t;
    return LM_OK;
}

static lm_status demo_fail(lm_errinfo *err, const http_req *fr, const char *what, int index) {
    char field[96];
    snprintf(field, sizeof field, "%s[%d].%.60s", what, index, fr->err.field);
    return lm_errinfo_set(err, fr->err.code ? fr->err.code : LM_INVALID, field, "%s",
                          fr->err.message);
}

/* The demo's vehicles and drivers (dispatch/), in one transaction after the depots exist. */
static lm_status demo_fleet(store *s, const cJSON *root, lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(s, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "vehicles")) {
        dispatch_vehicle v;
        dispatch_vehicle_init(&v);
        const char *vid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "id"));
        lm_strlcpy(v.id, vid ? vid : "", sizeof v.id);
        const char *nm = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "name"));
        lm_strlcpy(v.name, nm ? nm : "", sizeof v.name);
        const char *sd =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "start_depot_id"));
        const char *ed = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "end_depot_id"));
        lm_strlcpy(v.start_depot, sd ? sd : "", sizeof v.start_depot);
        lm_strlcpy(v.end_depot, ed ? ed : "", sizeof v.end_depot);
        v.capacity_g =
            (int64_t)(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(it, "capacity_kg")) *
                      1000);
        v.capacity_cm3 =
            (int64_t)(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(it, "capacity_l")) *
                      1000);
        const cJSON *tw = cJSON_GetObjectItemCaseSensitive(it, "time_window");
        if (cJSON_GetArraySize(tw) == 2) {
            v.shift_start_s = (int64_t)cJSON_GetNumberValue(cJSON_GetArrayItem(tw, 0));
            v.shift_end_s = (int64_t)cJSON_GetNumberValue(cJSON_GetArrayItem(tw, 1));
        }
        const cJSON *b;
        cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(it, "breaks")) {
            const cJSON *w =
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "time_windows"), 0);
            if (v.n_breaks == DISPATCH_BREAKS_MAX || cJSON_GetArraySize(w) != 2) continue;
            dispatch_break *br = &v.breaks[v.n_breaks++];
            br->start_s = (int64_t)cJSON_GetNumberValue(cJSON_GetArrayItem(w, 0));
            br->end_s = (int64_t)cJSON_GetNumberValue(cJSON_GetArrayItem(w, 1));
            br->service_s =
                (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(b, "service"));
        }
        if ((rc = dispatch_vehicle_put(tx, &v, err)) != LM_OK) goto fail;
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "drivers")) {
        dispatch_driver d = {0};
        const char *f[4] = {"id", "name", "phone", "device_id"};
        char *dst[4] = {d.id, d.name, d.phone, d.device_id};
        size_t cap[4] = {sizeof d.id, sizeof d.name, sizeof d.phone, sizeof d.device_id};
        for (int k = 0; k < 4; k++) {
            const char *val = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, f[k]));
            lm_strlcpy(dst[k], val ? val : "", cap[k]);
        }
        const char *vid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "vehicle_id"));
        lm_strlcpy(d.vehicle_id, vid ? vid : "", sizeof d.vehicle_id);
        if ((rc = dispatch_driver_put(tx, &d, err)) != LM_OK) goto fail;
    }
    return store_tx_commit(tx);
fail:
    store_tx_rollback(tx);
    return rc;
}

lm_status api_demo_load(store *s, uint64_t seed, int64_t day_midnight_s, api_demo_summary *sum,
                        lm_errinfo *err) {
    api_demo_summary out = {0};
    orders_svc *o = NULL;
    char *json = NULL;
    cJSON *root = NULL;
    http_req fr;
    memset(&fr, 0, sizeof fr);
    orders_order *ins = NULL; /* lines live in fr.arena */
    char(*keys)[STORE_REF_MAX + 1] = NULL;
    const char **keyp = NULL;
    orders_create_result *res = NULL;
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = s;
    lm_status rc = orders_create(&oo, &o);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "orders service");
    orders_depot *existing = NULL;
    size_t n_existing = 0;
    if ((rc = orders_depot_list(o, &existing, &n_existing, err)) != LM_OK) goto fail;
    lm_free(existing);
    if (n_existing > 0) goto done; /* not an empty database: leave it alone */
    if ((rc = api_demo_json(seed, &json)) != LM_OK) {
        lm_errinfo_set(err, rc, "", "demo generator failed");
        goto fail;
    }
    if (!(root = cJSON_Parse(json))) {
        rc = lm_errinfo_set(err, LM_INTERNAL, "", "demo JSON does not parse");
        goto fail;
    }
    if ((rc = lm_arena_create((size_t)64 << 20, &fr.arena)) != LM_OK) goto fail;

    /* service area first, so that the audit sees it */
    orders_config cfg;
    if ((rc = orders_config_get(o, &cfg, err)) != LM_OK) goto fail;
    const cJSON *area = cJSON_GetObjectItemCaseSensitive(root, "service_area");
    if (area) {
        lm_free(cfg.service_area);
        cfg.service_area = cJSON_PrintUnformatted(area);
    }
    rc = orders_config_put(o, &cfg, err);
    orders_config_clear(&cfg);
    if (rc != LM_OK) goto fail;

    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "depots")) {
        orders_depot d;
        if ((rc = depot_from_json(&fr, it, &d)) != LM_OK ||
            (rc = orders_depot_put(o, &d, &fr.err)) != LM_OK) {
            rc = demo_fail(err, &fr, "depots", i);
            goto fail;
        }
        out.depots++;
        i++;
    }
    i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "products")) {
        orders_product p;
        if ((rc = product_from_json(&fr, it, &p)) != LM_OK ||
            (rc = orders_product_put(o, &p, &fr.err)) != LM_OK) {
            rc = demo_fail(err, &fr, "products", i);
            goto fail;
        }
        out.products++;
        i++;
    }
    i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "stock")) {
        char depot[STORE_ID_MAX + 1], sku[STORE_ID_MAX + 1];
        int64_t on_hand = 0, rp = 0;
        if ((rc = j_str(&fr, it, "depot_id", "depot_id", depot, sizeof depot, true)) != LM_OK ||
            (rc = j_str(&fr, it, "sku", "sku", sku, sizeof sku, true)) != LM_OK ||
            (rc = j_int(&fr, it, "on_hand", "on_hand", 0, INT32_MAX, true, &on_hand, NULL)) !=
                LM_OK ||
            (rc = j_int(&fr, it, "reorder_point", "reorder_point", 0, INT32_MAX, false, &rp,
                        NULL)) != LM_OK ||
            (rc = orders_stock_set(o, depot, sku, on_hand, rp, NULL, &fr.err)) != LM_OK) {
            rc = demo_fail(err, &fr, "stock", i);
            goto fail;
        }
        out.stock_rows++;
        i++;
    }
    if ((rc = demo_fleet(s, root, err)) != LM_OK) goto fail;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "scenario");
    int64_t midnight = day_midnight_s;
    if (midnight < 0 &&
        local_midnight(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sc, "date")),
                       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sc, "timezone")),
                       &midnight) != LM_OK)
        midnight = 0;
    const cJSON *orders_j = cJSON_GetObjectItemCaseSensitive(root, "orders");
    size_t n = (size_t)cJSON_GetArraySize(orders_j);
    if (n) {
        ins = lm_calloc(n, sizeof *ins);
        keys = lm_calloc(n, sizeof *keys);
        keyp = lm_calloc(n, sizeof *keyp);
        res = lm_calloc(n, sizeof *res);
        if (!ins || !keys || !keyp || !res) {
            rc = lm_errinfo_set(err, LM_NOMEM, "orders", "out of memory");
            goto fail;
        }
    }
    i = 0;
    cJSON_ArrayForEach(it, orders_j) {
        orders_order *in = &ins[i];
        if ((rc = order_from_json(&fr, it, in)) != LM_OK) {
            rc = demo_fail(err, &fr, "orders", i);
            goto fail;
        }
        /* the demo's windows are seconds after local midnight of the scenario's date */
        for (size_t k = 0; k < in->n_windows; k++) {
            if (in->windows[k].end_s <= 2 * 86400) {
                in->windows[k].start_s += midnight;
                in->windows[k].end_s += midnight;
            }
        }
        snprintf(keys[i], sizeof keys[i], "demo:%.100s", in->external_ref);
        keyp[i] = keys[i];
        i++;
    }
    if ((rc = orders_order_create_many(o, ins, keyp, n, res)) != LM_OK) {
        lm_errinfo_set(err, rc, "orders", "out of memory");
        goto fail;
    }
    for (size_t k = 0; k < n; k++) {
        if (res[k].rc != LM_OK) {
            fr.err = res[k].err;
            rc = demo_fail(err, &fr, "orders", (int)k);
            goto fail;
        }
        out.orders++;
        if (!strcmp(res[k].status, "allocated")) out.allocated++;
        if (!strcmp(res[k].status, "held")) out.held++;
        if (!strcmp(res[k].status, "backordered")) out.backordered++;
        if (!strcmp(res[k].status, "cancelled")) out.cancelled++;
    }
    out.loaded = true;
done:
    if (sum) *sum = out;
    rc = LM_OK;
fail:
    lm_free(ins);
    lm_free(keys);
    lm_free(keyp);
    lm_free(res);
    lm_arena_destroy(fr.arena);
    cJSON_Delete(root);
    lm_free(json);
    orders_destroy(o);
    return rc;
}
