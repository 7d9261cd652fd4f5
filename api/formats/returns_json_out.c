/* api/formats/returns_json_out.c: returns/ records -> JSON (the writers of
 * api/formats/returns_json.h). */
#include "api/formats/returns_json.h"

#include "api/formats/rfc3339.h"

#include <stdio.h>
#include <string.h>

static void add_lines(cJSON *o, const char *key, const store_line *l, size_t n) {
    cJSON *a = cJSON_AddArrayToObject(o, key);
    for (size_t i = 0; a && i < n; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "sku", l[i].sku);
        cJSON_AddNumberToObject(x, "qty", (double)l[i].qty);
        cJSON_AddItemToArray(a, x);
    }
}

/* A window as {"start", "end"} in RFC 3339, or null for "any time". */
static void add_window(cJSON *o, const char *key, store_window w) {
    if (!w.start_s && !w.end_s) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    char a[FMT_TIME_RFC3339_LEN], b[FMT_TIME_RFC3339_LEN];
    cJSON *x = cJSON_AddObjectToObject(o, key);
    cJSON_AddStringToObject(x, "start", fmt_time_format_rfc3339(w.start_s, a));
    cJSON_AddStringToObject(x, "end", fmt_time_format_rfc3339(w.end_s, b));
}

/* ms, or null when 0 (not happened yet). */
static void add_ms(cJSON *o, const char *key, int64_t ms) {
    if (ms)
        cJSON_AddNumberToObject(o, key, (double)ms);
    else
        cJSON_AddNullToObject(o, key);
}

static void add_id(cJSON *o, const char *key, int64_t id) {
    add_ms(o, key, id);
}

cJSON *fmt_ret_rma_json(const returns_rma *m, fmt_ret_view view) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    bool staff = view == FMT_RET_STAFF;
    cJSON_AddNumberToObject(o, "id", (double)m->id);
    cJSON_AddNumberToObject(o, "order_id", (double)m->order_id);
    cJSON_AddStringToObject(o, "status", m->status);
    cJSON_AddStringToObject(o, "reason", m->reason);
    cJSON_AddStringToObject(o, "method", m->method);
    cJSON_AddStringToObject(o, "depot_id", m->depot_id);
    if (staff) {
        cJSON_AddStringToObject(o, "channel", m->channel);
        cJSON_AddStringToObject(o, "actor", m->actor);
        cJSON_AddStringToObject(o, "note", m->note);
        add_id(o, "case_id", m->case_id);
    }
    cJSON_AddNumberToObject(o, "value", (double)m->value);
    cJSON_AddNumberToObject(o, "refund_amount", (double)m->refund_amount);
    cJSON_AddStringToObject(o, "refund_method", m->refund_method);
    add_window(o, "pickup_window", m->pickup_window);
    cJSON *a = cJSON_AddArrayToObject(o, "lines");
    for (size_t i = 0; a && i < m->n_lines; i++) {
        const store_rma_line *l = &m->lines[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "line", (double)l->line_no);
        cJSON_AddStringToObject(x, "sku", l->sku);
        cJSON_AddNumberToObject(x, "qty", (double)l->qty);
        cJSON_AddStringToObject(x, "condition", l->condition);
        if (staff) {
            cJSON_AddStringToObject(x, "disposition", l->disposition);
            cJSON_AddStringToObject(x, "note", l->note);
            add_ms(x, "inspected_ms", l->inspected_ms);
        }
        cJSON_AddItemToArray(a, x);
    }
    cJSON_AddNumberToObject(o, "created_ms", (double)m->created_ms);
    cJSON_AddNumberToObject(o, "updated_ms", (double)m->updated_ms);
    add_ms(o, "refunded_ms", m->refunded_ms);
    add_ms(o, "closed_ms", m->closed_ms);
    return o;
}

cJSON *fmt_ret_case_json(const returns_case *c) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "id", (double)c->id);
    /* what a complaint about it carries as case_ref (POST /v1/complaints, source after_sales) */
    char ref[32];
    snprintf(ref, sizeof ref, "case:%lld", (long long)c->id);
    cJSON_AddStringToObject(o, "ref", ref);
    cJSON_AddNumberToObject(o, "order_id", (double)c->order_id);
    cJSON_AddStringToObject(o, "kind", c->kind);
    cJSON_AddStringToObject(o, "status", c->status);
    if (c->resolution[0])
        cJSON_AddStringToObject(o, "resolution", c->resolution);
    else
        cJSON_AddNullToObject(o, "resolution");
    add_id(o, "reship_order_id", c->reship_order_id);
    add_id(o, "rma_id", c->rma_id);
    cJSON_AddStringToObject(o, "actor", c->actor);
    cJSON_AddStringToObject(o, "note", c->note);
    add_lines(o, "lines", c->lines, c->n_lines);
    add_lines(o, "right", c->right, c->n_right);
    cJSON_AddNumberToObject(o, "created_ms", (double)c->created_ms);
    add_ms(o, "resolved_ms", c->resolved_ms);
    return o;
}

static cJSON *reasons_json(uint32_t mask) {
    cJSON *a = cJSON_CreateArray();
    for (int r = 0; a && r < RETURNS_REASON_COUNT; r++)
        if ((mask >> r) & 1u)
            cJSON_AddItemToArray(a, cJSON_CreateString(returns_reason_name((returns_reason)r)));
    return a;
}

cJSON *fmt_ret_policy_json(const returns_policy *p) {
    const store_return_config *c = &p->rules;
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "default_window_days", (double)c->default_window_days);
    cJSON *w = cJSON_AddArrayToObject(o, "windows");
    for (size_t i = 0; w && i < p->n_windows; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "kind", p->windows[i].kind);
        cJSON_AddStringToObject(x, "key", p->windows[i].key);
        cJSON_AddNumberToObject(x, "days", (double)p->windows[i].days);
        cJSON_AddItemToArray(w, x);
    }
    cJSON_AddItemToObject(o, "reasons", reasons_json(c->reasons_mask));
    cJSON *aa = cJSON_AddObjectToObject(o, "auto_approve");
    cJSON_AddItemToObject(aa, "reasons", reasons_json(c->auto_approve_mask));
    cJSON_AddNumberToObject(aa, "max_value", (double)c->auto_approve_max_value);
    cJSON_AddStringToObject(o, "payer", c->payer);
    cJSON_AddBoolToObject(o, "offer_pickup", c->offer_pickup);
    cJSON_AddBoolToObject(o, "offer_dropoff", c->offer_dropoff);
    cJSON_AddStringToObject(o, "refund_rule", c->refund_rule);
    cJSON_AddNumberToObject(o, "return_shipping_fee", (double)c->return_shipping_fee);
    cJSON_AddNumberToObject(o, "quality_threshold", (double)c->quality_threshold);
    cJSON_AddNumberToObject(o, "quality_window_days", (double)c->quality_window_days);
    cJSON_AddStringToObject(o, "wrong_item", c->wrong_item);
    cJSON_AddStringToObject(o, "damaged", c->damaged);
    return o;
}

cJSON *fmt_ret_rates_json(const char *by, int64_t from_ms, int64_t to_ms, const returns_rate *g,
                          size_t n) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "by", by);
    cJSON_AddNumberToObject(o, "from_ms", (double)from_ms);
    cJSON_AddNumberToObject(o, "to_ms", (double)to_ms);
    cJSON *a = cJSON_AddArrayToObject(o, "groups");
    for (size_t i = 0; a && i < n; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "key", g[i].key);
        cJSON_AddNumberToObject(x, "returned", (double)g[i].returned);
        cJSON_AddNumberToObject(x, "base", (double)g[i].base);
        if (g[i].base > 0)
            cJSON_AddNumberToObject(x, "rate", (double)g[i].returned / (double)g[i].base);
        else
            cJSON_AddNullToObject(x, "rate");
        cJSON_AddItemToArray(a, x);
    }
    return o;
}

cJSON *fmt_ret_pickup_json(const returns_pickup *p) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "rma_id", (double)p->rma_id);
    cJSON_AddNumberToObject(o, "order_id", (double)p->order_id);
    cJSON *loc = cJSON_AddArrayToObject(o, "location");
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(p->lon));
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(p->lat));
    add_window(o, "window", p->window);
    cJSON_AddNumberToObject(o, "weight_g", (double)p->weight_g);
    cJSON_AddNumberToObject(o, "volume_cm3", (double)p->volume_cm3);
    cJSON *a = cJSON_AddArrayToObject(o, "lines");
    for (size_t i = 0; a && i < p->n_lines; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "sku", p->lines[i].sku);
        cJSON_AddNumberToObject(x, "qty", (double)p->lines[i].qty);
        cJSON_AddNumberToObject(x, "weight_g", (double)p->lines[i].weight_g);
        cJSON_AddNumberToObject(x, "volume_cm3", (double)p->lines[i].volume_cm3);
        cJSON_AddItemToArray(a, x);
    }
    cJSON_AddStringToObject(o, "depot_id", p->depot_id);
    cJSON *d = cJSON_AddArrayToObject(o, "depot_location");
    cJSON_AddItemToArray(d, cJSON_CreateNumber(p->depot_lon));
    cJSON_AddItemToArray(d, cJSON_CreateNumber(p->depot_lat));
    return o;
}
