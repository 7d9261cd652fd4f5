/* api/returns.c: RMAs over HTTP (docs/returns.md): staff open, list and move returns through their
 * lifecycle (dispatcher keys act as support; receipt and inspection take a warehouse key), and the
 * customer asks for a return and follows it through the tracking token. Every move is one
 * transaction of returns/ holding the change and its event, answered after the commit; an illegal
 * move is 409 naming the current state, a bad body 400 naming the field, and neither changes
 * anything. Bodies are decoded by api/formats/returns_json.h. */
#include "api/app.h"
#include "api/formats/returns_json.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"
#include "returns/returns.h"
#include "store/store_orders.h"

#include <string.h>

#define LIST_MAX 1000 /* RMAs in one listing */

lm_status api__reply_private(http_req *r, int status, cJSON *j) {
    if (!j) return http_error(r, LM_NOMEM, "", "out of memory");
    if (http_reply_header(r, "Cache-Control", "no-store") != LM_OK) {
        cJSON_Delete(j);
        return LM_NOMEM;
    }
    return http_reply_json(r, status, j);
}

/* An RMA in the given view with its pickup stop ("pickup": null until one is planned): the
 * customer sees its status and ETA like a delivery's. */
static cJSON *rma_json(http_req *r, const returns_rma *m, fmt_ret_view view) {
    cJSON *j = fmt_ret_rma_json(m, view);
    if (!j) return NULL;
    store_read *rd = NULL;
    dispatch_stop s;
    bool has = false;
    if (store_read_begin(api_store(r), &rd) == LM_OK) {
        lm_errinfo e;
        has = dispatch_return_stop_get(rd, m->order_id, m->id, &s, &e) == LM_OK;
        store_read_end(rd);
    }
    if (!has) {
        cJSON_AddNullToObject(j, "pickup");
        return j;
    }
    cJSON *p = cJSON_AddObjectToObject(j, "pickup");
    if (view == FMT_RET_STAFF) {
        cJSON_AddNumberToObject(p, "stop_id", (double)s.id);
        cJSON_AddStringToObject(p, "vehicle_id", s.vehicle_id);
    }
    cJSON_AddStringToObject(p, "status", dispatch_stop_status_name(s.status));
    bool pending = s.status == DISPATCH_STOP_PLANNED || s.status == DISPATCH_STOP_ARRIVED;
    if (pending && s.eta_s > 0)
        cJSON_AddNumberToObject(p, "eta_s", (double)s.eta_s);
    else
        cJSON_AddNullToObject(p, "eta_s");
    return j;
}

static lm_status reply_rma(http_req *r, int status, const returns_rma *m, fmt_ret_view view) {
    cJSON *j = rma_json(r, m, view);
    if (view == FMT_RET_CUSTOMER) return api__reply_private(r, status, j);
    if (!j) return http_error(r, LM_NOMEM, "", "out of memory");
    return http_reply_json(r, status, j);
}

/* ---- Staff ---- */

lm_status api__returns_create(http_req *r) {
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc != LM_OK) return rc;
    returns_request *q = lm_calloc(1, sizeof *q);
    returns_rma *m = lm_calloc(1, sizeof *m);
    if (!q || !m) {
        lm_free(q);
        lm_free(m);
        return http_error(r, LM_NOMEM, "", "out of memory");
    }
    api_returns rt;
    rc = fmt_ret_request_from_json(r->json, true, q, &r->err);
    if (rc == LM_OK) rc = api__returns_open(r, &rt);
    if (rc == LM_OK) {
        lm_strlcpy(q->actor, r->key_id, sizeof q->actor);
        rc = returns_rma_request(rt.svc, q, m, &r->err);
        api__returns_close(&rt);
    }
    if (rc == LM_OK) rc = reply_rma(r, 201, m, FMT_RET_STAFF);
    lm_free(q);
    lm_free(m);
    return rc;
}

/* ?status= (a state name) and ?order_id= / ?after= / ?limit= of a listing. */
static lm_status list_filter(http_req *r, const char **status, int64_t *order_id, int64_t *after,
                             int64_t *limit) {
    const char *q;
    *status = http_query(r, "status");
    returns_state s;
    if (*status && (*status)[0] && !returns_state_parse(*status, &s))
        return http_error(r, LM_INVALID, "status", "'%s' is not a return state", *status);
    if ((q = http_query(r, "order_id")) && !lm_parse_i64(q, 1, INT64_MAX / 2, order_id))
        return http_error(r, LM_INVALID, "order_id", "order_id must be a positive integer");
    if ((q = http_query(r, "after")) && !lm_parse_i64(q, 0, INT64_MAX / 2, after))
        return http_error(r, LM_INVALID, "after", "after must be an id >= 0");
    if ((q = http_query(r, "limit")) && !lm_parse_i64(q, 1, LIST_MAX, limit))
        return http_error(r, LM_INVALID, "limit", "limit must be 1..%d", LIST_MAX);
    return LM_OK;
}

/* {"returns": [...]} of the ids, in the given view. */
static cJSON *rmas_json(http_req *r, returns_svc *svc, const int64_t *ids, size_t n,
                        fmt_ret_view view) {
    cJSON *o = cJSON_CreateObject();
    cJSON *a = o ? cJSON_AddArrayToObject(o, "returns") : NULL;
    returns_rma *m = lm_calloc(1, sizeof *m);
    for (size_t i = 0; a && m && i < n; i++) {
        lm_errinfo e;
        if (returns_rma_get(svc, ids[i], m, &e) == LM_OK)
            cJSON_AddItemToArray(a, rma_json(r, m, view));
    }
    if (!m || !a) {
        cJSON_Delete(o);
        o = NULL;
    }
    lm_free(m);
    return o;
}

lm_status api__returns_list(http_req *r) {
    const char *status = NULL;
    int64_t order_id = 0, after = 0, limit = 100;
    lm_status rc = list_filter(r, &status, &order_id, &after, &limit);
    api_returns rt;
    if (rc == LM_OK) rc = api__returns_open(r, &rt);
    if (rc != LM_OK) return rc;
    int64_t *ids = NULL;
    size_t n = 0;
    rc = returns_rma_find(rt.svc, status, order_id, after, (size_t)limit, &ids, &n, &r->err);
    cJSON *o = rc == LM_OK ? rmas_json(r, rt.svc, ids, n, FMT_RET_STAFF) : NULL;
    lm_free(ids);
    api__returns_close(&rt);
    if (rc != LM_OK) return rc;
    if (!o) return http_error(r, LM_NOMEM, "", "out of memory");
    return http_reply_json(r, 200, o);
}

lm_status api__returns_get(http_req *r) {
    int64_t id = 0;
    lm_status rc = api__path_id(r, &id);
    api_returns rt;
    if (rc == LM_OK) rc = api__returns_open(r, &rt);
    if (rc != LM_OK) return rc;
    returns_rma *m = lm_calloc(1, sizeof *m);
    rc = m ? returns_rma_get(rt.svc, id, m, &r->err) : http_error(r, LM_NOMEM, "", "out of memory");
    api__returns_close(&rt);
    if (rc == LM_OK) rc = reply_rma(r, 200, m, FMT_RET_STAFF);
    lm_free(m);
    return rc;
}

/* The body-less moves, by the last path segment. */
static lm_status step(http_req *r, returns_svc *svc, const char *what, int64_t id, returns_rma *m) {
    const char *actor = r->key_id;
    if (!strcmp(what, "approve")) return returns_rma_approve(svc, id, actor, m, &r->err);
    if (!strcmp(what, "schedule")) return returns_rma_schedule(svc, id, actor, m, &r->err);
    if (!strcmp(what, "collect")) return returns_rma_collect(svc, id, actor, m, &r->err);
    if (!strcmp(what, "receive")) return returns_rma_receive(svc, id, actor, m, &r->err);
    if (!strcmp(what, "close")) return returns_rma_close(svc, id, actor, m, &r->err);
    return http_error(r, LM_NOT_FOUND, "action", "unknown return action");
}

/* What a move with a body reads, decoded before anything changes. */
typedef struct move_in {
    char reason[STORE_RMA_NOTE_MAX + 1]; /* refuse */
    fmt_ret_inspection insp;             /* inspect */
    int64_t amount;                      /* refund */
} move_in;

static lm_status move_read(http_req *r, const char *what, move_in *in) {
    lm_status rc;
    if (!strcmp(what, "refuse")) {
        if ((rc = api__body(r, FMT_JSON_REQUIRED)) != LM_OK) return rc;
        return fmt_ret_refuse_from_json(r->json, in->reason, &r->err);
    }
    if (!strcmp(what, "inspect")) {
        if ((rc = api__body(r, FMT_JSON_REQUIRED)) != LM_OK) return rc;
        return fmt_ret_inspect_from_json(r->json, &in->insp, &r->err);
    }
    if (!strcmp(what, "refund")) {
        if ((rc = api__body(r, FMT_JSON_OPTIONAL)) != LM_OK) return rc;
        return fmt_ret_refund_from_json(r->json, &in->amount, &r->err);
    }
    return api__no_body(r);
}

/* POST /v1/returns/{id}/{action}. */
lm_status api__returns_move(http_req *r) {
    const char *slash = strrchr(r->path, '/');
    const char *what = slash ? slash + 1 : "";
    int64_t id = 0;
    move_in *in = lm_calloc(1, sizeof *in);
    returns_rma *m = lm_calloc(1, sizeof *m);
    lm_status rc = in && m ? api__path_id(r, &id) : http_error(r, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK) rc = move_read(r, what, in);
    api_returns rt;
    if (rc == LM_OK && (rc = api__returns_open(r, &rt)) == LM_OK) {
        const char *actor = r->key_id;
        if (!strcmp(what, "refuse"))
            rc = returns_rma_refuse(rt.svc, id, actor, in->reason, m, &r->err);
        else if (!strcmp(what, "inspect"))
            rc = returns_rma_inspect(rt.svc, id, in->insp.line, in->insp.condition, in->insp.note,
                                     actor, m, &r->err);
        else if (!strcmp(what, "refund"))
            rc = returns_rma_refund(rt.svc, id, in->amount, actor, m, &r->err);
        else
            rc = step(r, rt.svc, what, id, m);
        api__returns_close(&rt);
    }
    if (rc == LM_OK) rc = reply_rma(r, 200, m, FMT_RET_STAFF);
    lm_free(in);
    lm_free(m);
    return rc;
}

lm_status api__returns_pickup(http_req *r) {
    int64_t id = 0;
    lm_status rc = api__path_id(r, &id);
    api_returns rt;
    if (rc == LM_OK) rc = api__returns_open(r, &rt);
    if (rc != LM_OK) return rc;
    returns_pickup *p = lm_calloc(1, sizeof *p);
    rc = p ? returns_pickup_get(rt.svc, id, p, &r->err)
           : http_error(r, LM_NOMEM, "", "out of memory");
    api__returns_close(&rt);
    cJSON *j = rc == LM_OK ? fmt_ret_pickup_json(p) : NULL;
    lm_free(p);
    if (rc != LM_OK) return rc;
    if (!j) return http_error(r, LM_NOMEM, "", "out of memory");
    return http_reply_json(r, 200, j);
}

/* ---- The customer, by tracking token ---- */

/* The rate limit, then the order of {token}: LM_OK with *order_id; else the reply is set (429, or
 * 404 for an unknown token: a token reveals nothing else). */
static lm_status customer_order(http_req *r, int64_t *order_id) {
    lm_status rc = LM_OK;
    if (!api__track_allow(r, &rc)) return rc;
    store_read *rd = NULL;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    store_order ord;
    memset(&ord, 0, sizeof ord);
    lm_errinfo e;
    const char *token = http_param(r, "token");
    rc = token ? store_order_get_by_token(rd, token, &ord, &e) : LM_NOT_FOUND;
    store_read_end(rd);
    if (rc == LM_NOT_FOUND) return http_error(r, LM_NOT_FOUND, "token", "unknown tracking link");
    if (rc != LM_OK) return http_error(r, rc, "", "the order could not be read");
    *order_id = ord.id;
    store_order_clear(&ord);
    return LM_OK;
}

static cJSON *eligibility_json(const returns_eligibility *e) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddBoolToObject(o, "delivered", e->delivered);
    cJSON_AddBoolToObject(o, "can_return", e->open);
    cJSON *a = cJSON_AddArrayToObject(o, "lines");
    for (size_t i = 0; a && i < e->n_lines; i++) {
        const returns_eligible_line *l = &e->lines[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "sku", l->sku);
        cJSON_AddNumberToObject(x, "delivered", (double)l->delivered);
        cJSON_AddNumberToObject(x, "returnable", (double)l->returnable);
        cJSON_AddNumberToObject(x, "window_days", (double)l->window_days);
        cJSON_AddNumberToObject(x, "until_ms", (double)l->until_ms);
        cJSON_AddItemToArray(a, x);
    }
    cJSON *rs = cJSON_AddArrayToObject(o, "reasons");
    for (int k = 0; rs && k < RETURNS_REASON_COUNT; k++)
        if ((e->reasons_mask >> k) & 1u)
            cJSON_AddItemToArray(rs, cJSON_CreateString(returns_reason_name((returns_reason)k)));
    cJSON *ms = cJSON_AddArrayToObject(o, "methods");
    if (ms && e->offer_pickup) cJSON_AddItemToArray(ms, cJSON_CreateString("pickup"));
    if (ms && e->offer_dropoff) cJSON_AddItemToArray(ms, cJSON_CreateString("dropoff"));
    return o;
}

/* GET /v1/track/{token}/returns: what may be returned, and the order's RMAs (customer view). */
lm_status api__track_returns_list(http_req *r) {
    int64_t order_id = 0;
    lm_status rc = customer_order(r, &order_id);
    if (rc != LM_OK || !order_id) return rc; /* 0: the 429 reply is set */
    api_returns rt;
    if ((rc = api__returns_open(r, &rt)) != LM_OK) return rc;
    returns_eligibility *e = lm_calloc(1, sizeof *e);
    int64_t *ids = NULL;
    size_t n = 0;
    cJSON *o = NULL;
    rc = e ? returns_eligibility_get(rt.svc, order_id, e, &r->err)
           : http_error(r, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK) rc = returns_rma_find(rt.svc, "", order_id, 0, 100, &ids, &n, &r->err);
    if (rc == LM_OK && (o = rmas_json(r, rt.svc, ids, n, FMT_RET_CUSTOMER)) != NULL)
        cJSON_AddItemToObject(o, "eligibility", eligibility_json(e));
    lm_free(ids);
    lm_free(e);
    api__returns_close(&rt);
    if (rc != LM_OK) return rc;
    return api__reply_private(r, 200, o);
}

/* POST /v1/track/{token}/returns: the customer asks for a return (auto-approved by policy). */
lm_status api__track_returns_create(http_req *r) {
    int64_t order_id = 0;
    lm_status rc = customer_order(r, &order_id);
    if (rc != LM_OK || !order_id) return rc; /* 0: the 429 reply is set */
    if ((rc = api__body(r, FMT_JSON_REQUIRED)) != LM_OK) return rc;
    returns_request *q = lm_calloc(1, sizeof *q);
    returns_rma *m = lm_calloc(1, sizeof *m);
    api_returns rt;
    rc = q && m ? fmt_ret_request_from_json(r->json, false, q, &r->err)
                : http_error(r, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK && (rc = api__returns_open(r, &rt)) == LM_OK) {
        q->order_id = order_id;
        lm_strlcpy(q->actor, "customer", sizeof q->actor);
        rc = returns_rma_request(rt.svc, q, m, &r->err);
        api__returns_close(&rt);
    }
    if (rc == LM_OK) rc = reply_rma(r, 201, m, FMT_RET_CUSTOMER);
    lm_free(q);
    lm_free(m);
    return rc;
}
