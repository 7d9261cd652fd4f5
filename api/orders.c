/* api/orders.c: /v1/orders: intake (Idempotency-Key honoured), reading and listing, the
 * lifecycle steps (cancel, release, picking, ready, status), the ready packages, and the order
 * JSON in and out. */
#include "orders/money.h"
#include "orders/orders.h"

#include "api/app.h"
#include "api/formats/orders_json.h"
#include "api/formats/rfc3339.h"
#include "api/handlers.h"
#include "api/input.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *iso_time(char buf[32], int64_t epoch_s) {
    return fmt_time_format_rfc3339(epoch_s, buf);
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

/* A member of order_text: key is its raw text with the comma before it (",\"notes\":"). */
static void member_str(http_json *j, const char *key, const char *s) {
    http_json_raw(j, key);
    http_json_str(j, s);
}

static void member_num(http_json *j, const char *key, double d) {
    http_json_raw(j, key);
    http_json_num(j, d);
}

/* s, or null when s is empty */
static void member_str_or_null(http_json *j, const char *key, const char *s) {
    http_json_raw(j, key);
    if (s[0])
        http_json_str(j, s);
    else
        http_json_raw(j, "null");
}

/* order_json's members written directly, byte for byte what printing order_json(o) gives (the
 * 201 of every plain creation: no tree of ~40 nodes to build, print and free; test_orders_http
 * compares the two for orders of every shape). */
static void order_text(http_json *j, const orders_order *o) {
    member_num(j, "{\"id\":", (double)o->id);
    const char *cs = orders_customer_status(o->status, o->stock_outcome);
    const char *const str[][2] = {{",\"external_ref\":", o->external_ref},
                                  {",\"channel\":", o->channel},
                                  {",\"status\":", o->status},
                                  {",\"customer_status\":", cs},
                                  {",\"stock_outcome\":", o->stock_outcome}};
    for (size_t i = 0; i < sizeof str / sizeof *str; i++)
        if (str[i][1]) member_str(j, str[i][0], str[i][1]); /* cJSON skips a NULL string */
    member_str_or_null(j, ",\"depot\":", o->depot_id);
    member_str(j, ",\"customer\":{\"name\":", o->customer_name);
    member_str(j, ",\"phone\":", o->customer_phone);
    member_str(j, ",\"email\":", o->customer_email);
    member_str(j, ",\"address\":", o->customer_address);
    if (o->has_location) {
        member_num(j, ",\"location\":[", o->lon);
        member_num(j, ",", o->lat);
        http_json_raw(j, "]}");
    } else {
        http_json_raw(j, ",\"location\":null}");
    }
    http_json_raw(j, ",\"lines\":[");
    for (size_t i = 0; i < o->n_lines; i++) {
        member_str(j, i ? ",{\"sku\":" : "{\"sku\":", o->lines[i].sku);
        member_num(j, ",\"qty\":", (double)o->lines[i].qty);
        if (o->lines[i].ordered_sku[0])
            member_str(j, ",\"substitute_for\":", o->lines[i].ordered_sku);
        http_json_raw(j, "}");
    }
    http_json_raw(j, "],\"time_windows\":[");
    for (size_t i = 0; i < o->n_windows; i++) {
        char a[32], b[32];
        const char *ends[2] = {iso_time(a, o->windows[i].start_s),
                               iso_time(b, o->windows[i].end_s)};
        http_json_raw(j, i ? ",[" : "[");
        bool first = true;
        for (int k = 0; k < 2; k++) {
            if (!ends[k]) continue; /* as cJSON_CreateString(NULL): no element */
            member_str(j, first ? "" : ",", ends[k]);
            first = false;
        }
        http_json_raw(j, "]");
    }
    member_num(j, "],\"priority\":", o->priority);
    member_str(j, ",\"notes\":", o->notes);
    member_str_or_null(j, ",\"out_of_stock\":", o->oos_policy);
    member_num(j, ",\"weight_g\":", (double)o->weight_g);
    member_num(j, ",\"volume_cm3\":", (double)o->volume_cm3);
    if (o->pkg_parcels > 0) {
        member_num(j, ",\"package\":{\"weight_g\":", (double)o->pkg_weight_g);
        member_num(j, ",\"volume_cm3\":", (double)o->pkg_volume_cm3);
        member_num(j, ",\"parcels\":", (double)o->pkg_parcels);
        http_json_raw(j, "}");
    } else {
        http_json_raw(j, ",\"package\":null");
    }
    member_str(j, ",\"tracking_token\":", o->tracking_token);
    member_num(j, ",\"created_ms\":", (double)o->created_ms);
    member_num(j, ",\"updated_ms\":", (double)o->updated_ms);
    http_json_raw(j, "}");
}

static lm_status reply_order(http_req *r, int status, orders_order *ord) {
    cJSON *j = order_json(ord);
    orders_order_clear(ord);
    return http_reply_json(r, status, j);
}

/* The coupons left out of an order accepted without them (warn mode). */
static void warnings_json(cJSON *j, const orders_money_result *res) {
    cJSON *arr = cJSON_AddArrayToObject(j, "coupon_warnings");
    for (size_t i = 0; i < res->n_warnings; i++) {
        cJSON *w = cJSON_CreateObject();
        cJSON_AddStringToObject(w, "field", res->warnings[i].field);
        cJSON_AddStringToObject(w, "reason", res->warnings[i].reason);
        cJSON_AddStringToObject(w, "message", res->warnings[i].message);
        cJSON_AddItemToArray(arr, w);
    }
}

/* The skills a new order requires, saved once it exists (before any plan can see it ready). */
static lm_status order_requires_save(http_req *r, int64_t id, const api_requires *req) {
    char ref[24];
    snprintf(ref, sizeof ref, "%" PRId64, id);
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(api_store(r), &tx);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    if ((rc = api__requires_save(tx, "order", ref, req, &r->err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    return store_tx_commit(tx);
}

/* The reply to a creation: the order (with its requires, money and, for a pickup-and-delivery
 * order, its pickup), 201, or 200 on a replay. Takes *out and res's money. */
static lm_status reply_created(http_req *r, orders_order *out, orders_money_result *res,
                               bool replayed, bool has_money, const api_requires *req,
                               bool pickup) {
    lm_status rc = LM_OK;
    if (replayed && (rc = http_reply_header(r, "Idempotent-Replayed", "true")) != LM_OK) {
        orders_order_clear(out);
        orders_money_clear(&res->money);
        return rc;
    }
    if (!(req && req->present) && !pickup && !has_money) { /* the plain order: written directly */
        http_json t = {0};
        order_text(&t, out);
        orders_order_clear(out);
        orders_money_clear(&res->money);
        return http_reply_json_text(r, replayed ? 200 : 201, &t);
    }
    cJSON *j = order_json(out);
    if (req && req->present) cJSON_AddItemToObject(j, "requires", api__requires_json(req));
    int64_t id = out->id;
    orders_order_clear(out);
    store_read *rd = NULL;
    if (pickup && store_read_begin(api_store(r), &rd) == LM_OK) {
        api__pd_order_into(j, rd, id);
        store_read_end(rd);
    }
    if (has_money) {
        rc = api__money_into(j, &res->money);
        warnings_json(j, res);
    }
    orders_money_clear(&res->money);
    if (rc != LM_OK) {
        cJSON_Delete(j);
        return http_error(r, rc, "", "out of memory writing the reply");
    }
    return http_reply_json(r, replayed ? 200 : 201, j);
}

/* A pickup-and-delivery order (api/pd.c takes it in): the order with its pickup and skills. */
static lm_status pd_create(http_req *r, orders_svc *o, const api_requires *req) {
    orders_order out;
    orders_money_result none = {0}; /* such an order carries no money */
    bool replayed = false;
    lm_status rc = api__pd_take(r, o, req, &out, &replayed);
    if (rc != LM_OK) return rc;
    return reply_created(r, &out, &none, replayed, false, req, true);
}

/* ---- Deferred creation: the connection waits for the group commit without a server thread ---- */

typedef struct create_wait {
    http_req *r;
    orders_order out; /* the stored order, once committed */
    orders_money_result res;
    bool replayed, has_money;
} create_wait;

/* On the intake's writer thread, after the commit: records the outcome only (the reply is made
 * by create_finish on a server thread, off the writer's path). */
static void create_done(void *ctx, lm_status st, const lm_errinfo *err, orders_order *ord,
                        orders_money_result *money, bool replayed) {
    create_wait *w = ctx;
    if (st == LM_OK) {
        w->out = *ord;
        w->res = *money;
        w->replayed = replayed;
    }
    http_defer_done(w->r, st, err);
}

static lm_status create_finish(http_req *r) {
    create_wait *w = r->defer_ctx;
    return reply_created(r, &w->out, &w->res, w->replayed, w->has_money, NULL, false);
}

static lm_status handle_orders_create(http_req *r, orders_svc *o) {
    orders_order in, out;
    orders_money_in money;
    bool has_money = false;
    api_requires req; /* "requires": skills, kept apart from the order (api/requirements.c) */
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = api__requires_take(r, "requires", &req);
    /* collect here, deliver there: no stock, no money, its own codec (api/pd.c) */
    if (rc == LM_OK && cJSON_IsObject(r->json) && cJSON_GetObjectItemCaseSensitive(r->json, "type"))
        return pd_create(r, o, &req);
    if (rc == LM_OK)
        rc = fmt_order_priced_from_json(r->json, r->arena, &in, &money, &has_money, &r->err);
    if (rc != LM_OK) return rc;
    const char *key = http_header(r, "Idempotency-Key");
    if (key && (!key[0] || strlen(key) > STORE_REF_MAX))
        return http_error(r, LM_INVALID, "Idempotency-Key",
                          "Idempotency-Key must be 1..%d characters", STORE_REF_MAX);
    if (!req.present) {
        /* the common case: no skills to save after the order, so nothing follows the commit */
        create_wait *w = lm_arena_alloc(r->arena, sizeof *w);
        if (!w) return http_error(r, LM_NOMEM, "", "out of memory");
        memset(w, 0, sizeof *w);
        w->r = r;
        w->has_money = has_money;
        r->defer_ctx = w;
        http_defer_then(r, create_finish);
        rc = orders_order_create_submit(o, &in, has_money ? &money : NULL, key, create_done, w,
                                        &r->err);
        if (rc != LM_OK) http_defer_done(r, rc, &r->err);
        return LM_OK;
    }
    bool replayed = false;
    orders_money_result res;
    memset(&res, 0, sizeof res);
    if ((rc = orders_order_create_priced(o, &in, has_money ? &money : NULL, key, &out, &res,
                                         &replayed, &r->err)) != LM_OK)
        return rc;
    if (!replayed && req.n && (rc = order_requires_save(r, out.id, &req)) != LM_OK) {
        orders_order_clear(&out);
        orders_money_clear(&res.money);
        return rc;
    }
    return reply_created(r, &out, &res, replayed, has_money, &req, false);
}

lm_status api__orders_create(http_req *r) {
    return api__with_orders(r, handle_orders_create);
}

static lm_status id_param(http_req *r, int64_t *id) {
    const char *s = http_param(r, "id");
    if (!s || !lm_parse_i64(s, 1, INT64_MAX, id))
        return http_error(r, LM_INVALID, "id", "order id must be a positive integer");
    return LM_OK;
}

static lm_status handle_orders_get(http_req *r, orders_svc *o) {
    int64_t id;
    orders_order ord;
    lm_status rc = id_param(r, &id);
    if (rc != LM_OK) return rc;
    if ((rc = orders_order_get(o, id, &ord, &r->err)) != LM_OK) return rc;
    cJSON *j = order_json(&ord);
    orders_order_clear(&ord);
    orders_money m = {0};
    lm_errinfo merr;
    if (orders_money_get(o, id, &m, &merr) == LM_OK) { /* an order without money has none */
        rc = api__money_into(j, &m);
        orders_money_clear(&m);
        if (rc != LM_OK) {
            cJSON_Delete(j);
            return http_error(r, rc, "", "out of memory writing the reply");
        }
    }
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
    /* failed attempts, their recovery and the proof files (api/recovery.c) */
    store_read *rd = NULL;
    if ((rc = store_read_begin(api_store(r), &rd)) == LM_OK) {
        rc = api__recovery_into(j, rd, id, NULL);
        api__pd_order_into(j, rd, id);
        store_read_end(rd);
    }
    if (rc != LM_OK) {
        cJSON_Delete(j);
        return http_error(r, rc, "", "the order's recovery could not be read");
    }
    return http_reply_json(r, 200, j);
}

lm_status api__orders_get(http_req *r) {
    return api__with_orders(r, handle_orders_get);
}

static lm_status handle_orders_list(http_req *r, orders_svc *o) {
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

lm_status api__orders_list(http_req *r) {
    return api__with_orders(r, handle_orders_list);
}

/* The lifecycle steps without a body (cancel, release, picking): the {id}, then the step. */
typedef lm_status (*order_step)(orders_svc *o, int64_t id, orders_order *out, lm_errinfo *err);

static lm_status order_step_reply(http_req *r, orders_svc *o, order_step step) {
    int64_t id;
    orders_order ord;
    lm_status rc = id_param(r, &id);
    if (rc == LM_OK) rc = api__no_body(r);
    if (rc == LM_OK) rc = step(o, id, &ord, &r->err);
    return rc == LM_OK ? reply_order(r, 200, &ord) : rc;
}

static lm_status handle_orders_cancel(http_req *r, orders_svc *o) {
    return order_step_reply(r, o, orders_order_cancel);
}

lm_status api__orders_cancel(http_req *r) {
    return api__with_orders(r, handle_orders_cancel);
}

static lm_status handle_orders_release(http_req *r, orders_svc *o) {
    return order_step_reply(r, o, orders_order_release);
}

lm_status api__orders_release(http_req *r) {
    return api__with_orders(r, handle_orders_release);
}

static lm_status handle_orders_picking(http_req *r, orders_svc *o) {
    return order_step_reply(r, o, orders_order_picking);
}

lm_status api__orders_picking(http_req *r) {
    return api__with_orders(r, handle_orders_picking);
}

static lm_status handle_orders_ready(http_req *r, orders_svc *o) {
    int64_t id, w = 0, v = 0, p = 0;
    orders_order ord;
    lm_status rc = id_param(r, &id);
    if (rc != LM_OK) return rc;
    static const char *const keys[] = {"weight_g", "volume_cm3", "parcels", NULL};
    if ((rc = api__need_object(r, r->json, "object {\"weight_g\", \"volume_cm3\", \"parcels\"}")) !=
            LM_OK ||
        (rc = api__only_keys(r, r->json, keys)) != LM_OK ||
        (rc = api__json_int(r, r->json, "weight_g", "weight_g", 0, 100000000, true, &w, NULL)) !=
            LM_OK ||
        (rc = api__json_int(r, r->json, "volume_cm3", "volume_cm3", 0, 1000000000, true, &v,
                            NULL)) != LM_OK ||
        (rc = api__json_int(r, r->json, "parcels", "parcels", 1, 1000, true, &p, NULL)) != LM_OK)
        return rc;
    if ((rc = orders_order_ready(o, id, w, v, p, &ord, &r->err)) != LM_OK) return rc;
    return reply_order(r, 200, &ord);
}

lm_status api__orders_ready(http_req *r) {
    return api__with_orders(r, handle_orders_ready);
}

static lm_status handle_orders_status(http_req *r, orders_svc *o) {
    int64_t id;
    orders_order ord;
    lm_status rc = id_param(r, &id);
    if (rc != LM_OK) return rc;
    static const char *const keys[] = {"status", NULL};
    if ((rc = api__need_object(r, r->json, "object {\"status\": ...}")) != LM_OK ||
        (rc = api__only_keys(r, r->json, keys)) != LM_OK)
        return rc;
    char name[24];
    if ((rc = api__json_str(r, r->json, "status", "status", name, sizeof name, true)) != LM_OK)
        return rc;
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

lm_status api__orders_status(http_req *r) {
    return api__with_orders(r, handle_orders_status);
}

static lm_status handle_packages_ready(http_req *r, orders_svc *o) {
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

lm_status api__packages_ready(http_req *r) {
    return api__with_orders(r, handle_packages_ready);
}
