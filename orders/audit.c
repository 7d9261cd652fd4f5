/* orders: the intake audit. The rules are data (store_orders_config); this file evaluates them
 * against one order and the facts the service looked up, without touching the store. */
#include "orders/orders.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const field_names[] = {
#define ORDERS_X_FNAME(name, text) text,
    ORDERS_FIELD_MAP(ORDERS_X_FNAME)
#undef ORDERS_X_FNAME
};

lm_status orders_fields_parse(const char *csv, uint32_t *mask, lm_errinfo *err) {
    uint32_t m = 0;
    const char *p = csv ? csv : "";
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p) break;
        const char *end = p;
        while (*end && *end != ',' && *end != ' ')
            end++;
        size_t len = (size_t)(end - p);
        bool found = false;
        for (int i = 0; i < ORDERS__FIELD_COUNT; i++) {
            if (strlen(field_names[i]) == len && !memcmp(field_names[i], p, len)) {
                m |= 1u << i;
                found = true;
                break;
            }
        }
        if (!found)
            return lm_errinfo_set(err, LM_INVALID, "required_fields",
                                  "unknown field '%.*s' (known: external_ref, channel, "
                                  "customer.name, customer.phone, customer.email, "
                                  "customer.address, customer.location, lines, time_windows)",
                                  (int)(len > 64 ? 64 : len), p);
        p = end;
    }
    *mask = m;
    return LM_OK;
}

void orders_config_defaults(store_orders_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->rule_required = cfg->rule_service_area = cfg->rule_duplicate = true;
    cfg->rule_blacklist = cfg->rule_oversize = true;
    lm_strlcpy(cfg->required_fields, "customer.name,customer.address,customer.location,lines",
               sizeof cfg->required_fields);
    cfg->duplicate_window_s = 900;
    cfg->max_weight_g = 0;
    cfg->max_volume_cm3 = 0;
    lm_strlcpy(cfg->default_oos, "backorder", sizeof cfg->default_oos);
}

/* ---- Evaluation ---- */

static bool field_present(const orders_order *o, orders_field f) {
    switch (f) {
    case ORDERS_FIELD_EXTERNAL_REF: return o->external_ref[0] != '\0';
    case ORDERS_FIELD_CHANNEL: return o->channel[0] != '\0';
    case ORDERS_FIELD_CUSTOMER_NAME: return o->customer_name[0] != '\0';
    case ORDERS_FIELD_CUSTOMER_PHONE: return o->customer_phone[0] != '\0';
    case ORDERS_FIELD_CUSTOMER_EMAIL: return o->customer_email[0] != '\0';
    case ORDERS_FIELD_CUSTOMER_ADDRESS: return o->customer_address[0] != '\0';
    case ORDERS_FIELD_CUSTOMER_LOCATION: return o->has_location;
    case ORDERS_FIELD_LINES: return o->n_lines > 0;
    case ORDERS_FIELD_TIME_WINDOWS: return o->n_windows > 0;
    case ORDERS__FIELD_COUNT: break;
    }
    return true;
}

typedef struct reasons {
    orders_reason *out;
    size_t cap, count;
} reasons;

LM_PRINTF(4, 5)
static void reason_add(reasons *r, const char *rule, const char *field, const char *fmt, ...) {
    if (r->count < r->cap) {
        orders_reason *e = &r->out[r->count];
        lm_strlcpy(e->rule, rule, sizeof e->rule);
        lm_strlcpy(e->field, field, sizeof e->field);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
    }
    r->count++;
}

size_t orders_audit_eval(const store_orders_config *cfg, const orders_order *o,
                         const orders_audit_facts *facts, orders_reason *out, size_t cap) {
    reasons r = {out, cap, 0};
    if (cfg->rule_required) {
        uint32_t mask = 0;
        /* The configuration was validated when stored; an unparsable one requires nothing
         * rather than holding every order. */
        if (orders_fields_parse(cfg->required_fields, &mask, NULL) != LM_OK) mask = 0;
        for (int i = 0; i < ORDERS__FIELD_COUNT; i++) {
            if ((mask >> i) & 1u && !field_present(o, (orders_field)i))
                reason_add(&r, "required_fields", field_names[i], "%s is required but missing",
                           field_names[i]);
        }
    }
    if (cfg->rule_service_area && facts->area_configured) {
        if (!o->has_location)
            reason_add(&r, "service_area", "customer.location",
                       "no customer location to check against the service area");
        else if (!facts->in_area)
            reason_add(&r, "service_area", "customer.location",
                       "location [%.6f, %.6f] lies outside every service area", o->lon, o->lat);
    }
    if (cfg->rule_duplicate && facts->duplicate_of > 0)
        reason_add(&r, "duplicate", "lines",
                   "same customer and lines as order %" PRId64 " within %" PRId64 " s",
                   facts->duplicate_of, cfg->duplicate_window_s);
    if (cfg->rule_blacklist && facts->blacklisted_by) {
        const char *f = !strcmp(facts->blacklisted_by, "phone")   ? "customer.phone"
                        : !strcmp(facts->blacklisted_by, "email") ? "customer.email"
                                                                  : "customer.address";
        reason_add(&r, "blacklist", f, "customer %s is blacklisted", facts->blacklisted_by);
    }
    if (cfg->rule_oversize && facts->fleet_vehicles > 0) {
        if (facts->fleet_fitting == 0)
            reason_add(&r, "oversize", "lines",
                       "%" PRId64 " g and %" PRId64 " cm3 fit none of the %" PRId64
                       " active vehicles (largest: %" PRId64 " g, %" PRId64 " cm3; 0 = unlimited)",
                       o->weight_g, o->volume_cm3, facts->fleet_vehicles, facts->fleet_max_g,
                       facts->fleet_max_cm3);
    } else if (cfg->rule_oversize) {
        if (cfg->max_weight_g > 0 && o->weight_g > cfg->max_weight_g)
            reason_add(&r, "oversize", "lines",
                       "total weight %" PRId64 " g exceeds the largest vehicle (%" PRId64 " g)",
                       o->weight_g, cfg->max_weight_g);
        if (cfg->max_volume_cm3 > 0 && o->volume_cm3 > cfg->max_volume_cm3)
            reason_add(&r, "oversize", "lines",
                       "total volume %" PRId64 " cm3 exceeds the largest vehicle (%" PRId64 " cm3)",
                       o->volume_cm3, cfg->max_volume_cm3);
    }
    return r.count;
}

/* ---- Normalisation ---- */

void orders_phone_normalize(const char *in, char *out, size_t cap) {
    size_t n = 0;
    for (const char *p = in; *p && n + 1 < cap; p++) {
        if (isdigit((unsigned char)*p) || (*p == '+' && n == 0)) out[n++] = *p;
    }
    out[n] = '\0';
}

void orders_email_normalize(const char *in, char *out, size_t cap) {
    while (isspace((unsigned char)*in))
        in++;
    size_t n = 0;
    for (const char *p = in; *p && n + 1 < cap; p++)
        out[n++] = (char)tolower((unsigned char)*p);
    while (n > 0 && isspace((unsigned char)out[n - 1]))
        n--;
    out[n] = '\0';
}

void orders_address_normalize(const char *in, char *out, size_t cap) {
    size_t n = 0;
    bool gap = false;
    for (const char *p = in; *p && n + 1 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if (isspace(c) || c == ',' || c == ';' || c == '.') {
            gap = n > 0;
            continue;
        }
        if (gap && n + 2 < cap) out[n++] = ' ';
        gap = false;
        out[n++] = (char)tolower(c);
    }
    out[n] = '\0';
}

void orders_customer_key(const orders_order *o, char *out, size_t cap) {
    char buf[STORE_ADDRESS_MAX + 1];
    orders_phone_normalize(o->customer_phone, buf, sizeof buf);
    if (buf[0]) {
        snprintf(out, cap, "p:%s", buf);
        return;
    }
    orders_email_normalize(o->customer_email, buf, sizeof buf);
    if (buf[0]) {
        snprintf(out, cap, "e:%s", buf);
        return;
    }
    char name[STORE_NAME_MAX + 1];
    orders_address_normalize(o->customer_name, name, sizeof name);
    orders_address_normalize(o->customer_address, buf, sizeof buf);
    snprintf(out, cap, "a:%.200s|%.280s", name, buf);
}

static int line_cmp(const void *a, const void *b) {
    const orders_line *x = a, *y = b;
    const char *sx = x->ordered_sku[0] ? x->ordered_sku : x->sku;
    const char *sy = y->ordered_sku[0] ? y->ordered_sku : y->sku;
    return strcmp(sx, sy);
}

lm_status orders_lines_signature(const orders_line *lines, size_t n, char *out, size_t cap) {
    lm_status st = LM_OK;
    orders_line *sorted = NULL;
    lm_buf b;
    lm_buf_init(&b, cap ? cap - 1 : 0);
    if (n > 0) {
        sorted = lm_calloc(n, sizeof *sorted);
        if (!sorted) return LM_NOMEM;
        memcpy(sorted, lines, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, line_cmp);
    }
    for (size_t i = 0; i < n;) {
        const char *sku = sorted[i].ordered_sku[0] ? sorted[i].ordered_sku : sorted[i].sku;
        int64_t qty = 0;
        size_t j = i;
        for (; j < n && !line_cmp(&sorted[i], &sorted[j]); j++)
            qty += sorted[j].qty;
        char q[24]; /* "sku:qty", ';' between: appended, no printf (perf-intake.md, round 5) */
        size_t qn = lm_i64_text(q, qty);
        st = i ? lm_buf_append(&b, ";", 1) : LM_OK;
        if (st == LM_OK) st = lm_buf_append(&b, sku, strlen(sku));
        if (st == LM_OK) st = lm_buf_append(&b, ":", 1);
        if (st == LM_OK) st = lm_buf_append(&b, q, qn);
        if (st != LM_OK) goto fail;
        i = j;
    }
    lm_strlcpy(out, b.data ? b.data : "", cap);
fail:
    lm_buf_free(&b);
    lm_free(sorted);
    return st;
}
