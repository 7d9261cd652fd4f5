/* api/cases.c: after-sales cases over HTTP (docs/returns.md "After-sales cases"): support opens a
 * case about a delivered order (missing, wrong or damaged items) resolved at once by policy or
 * left pending, resolves a pending one (reship, refund, return), and works the queue. Dispatcher
 * keys act as support, recorded by key id. Each change is one returns/ transaction (the case, the
 * reship order, the pickup RMA or the refund, and their events), answered after the commit. */
#include "api/app.h"
#include "api/formats/returns_json.h"
#include "api/handlers.h"
#include "api/input.h"
#include "returns/returns.h"

#include <string.h>

static lm_status reply_case(http_req *r, int status, const returns_case *c) {
    cJSON *j = fmt_ret_case_json(c);
    if (!j) return http_error(r, LM_NOMEM, "", "out of memory");
    return http_reply_json(r, status, j);
}

lm_status api__cases_create(http_req *r) {
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc != LM_OK) return rc;
    returns_case_in *in = lm_calloc(1, sizeof *in);
    returns_case *c = lm_calloc(1, sizeof *c);
    api_returns rt;
    rc = in && c ? fmt_ret_case_from_json(r->json, in, &r->err)
                 : http_error(r, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK && (rc = api__returns_open(r, &rt)) == LM_OK) {
        lm_strlcpy(in->actor, r->key_id, sizeof in->actor);
        rc = returns_case_open(rt.svc, in, c, &r->err);
        api__returns_close(&rt);
    }
    if (rc == LM_OK) rc = reply_case(r, 201, c);
    lm_free(in);
    lm_free(c);
    return rc;
}

lm_status api__cases_list(http_req *r) {
    const char *status = http_query(r, "status"), *q;
    int64_t order_id = 0, after = 0, limit = 100;
    if (status && strcmp(status, "open") && strcmp(status, "resolved"))
        return http_error(r, LM_INVALID, "status", "status must be open or resolved");
    if ((q = http_query(r, "order_id")) && !lm_parse_i64(q, 1, INT64_MAX / 2, &order_id))
        return http_error(r, LM_INVALID, "order_id", "order_id must be a positive integer");
    if ((q = http_query(r, "after")) && !lm_parse_i64(q, 0, INT64_MAX / 2, &after))
        return http_error(r, LM_INVALID, "after", "after must be an id >= 0");
    if ((q = http_query(r, "limit")) && !lm_parse_i64(q, 1, 1000, &limit))
        return http_error(r, LM_INVALID, "limit", "limit must be 1..1000");
    api_returns rt;
    lm_status rc = api__returns_open(r, &rt);
    if (rc != LM_OK) return rc;
    int64_t *ids = NULL;
    size_t n = 0;
    rc = returns_case_find(rt.svc, status, order_id, after, (size_t)limit, &ids, &n, &r->err);
    cJSON *o = rc == LM_OK ? cJSON_CreateObject() : NULL;
    cJSON *a = o ? cJSON_AddArrayToObject(o, "cases") : NULL;
    returns_case *c = lm_calloc(1, sizeof *c);
    for (size_t i = 0; a && c && i < n; i++) {
        lm_errinfo e;
        if (returns_case_get(rt.svc, ids[i], c, &e) == LM_OK)
            cJSON_AddItemToArray(a, fmt_ret_case_json(c));
    }
    lm_free(c);
    lm_free(ids);
    api__returns_close(&rt);
    if (rc != LM_OK) return rc;
    if (!a) {
        cJSON_Delete(o);
        return http_error(r, LM_NOMEM, "", "out of memory");
    }
    return http_reply_json(r, 200, o);
}

lm_status api__cases_get(http_req *r) {
    int64_t id = 0;
    lm_status rc = api__path_id(r, &id);
    api_returns rt;
    if (rc == LM_OK) rc = api__returns_open(r, &rt);
    if (rc != LM_OK) return rc;
    returns_case *c = lm_calloc(1, sizeof *c);
    rc =
        c ? returns_case_get(rt.svc, id, c, &r->err) : http_error(r, LM_NOMEM, "", "out of memory");
    api__returns_close(&rt);
    if (rc == LM_OK) rc = reply_case(r, 200, c);
    lm_free(c);
    return rc;
}

/* POST /v1/cases/{id}/reship (no body) and /v1/cases/{id}/resolve ({"resolution"?}). */
lm_status api__cases_resolve(http_req *r) {
    const char *slash = strrchr(r->path, '/');
    bool reship = slash && !strcmp(slash + 1, "reship");
    int64_t id = 0;
    char resolution[16] = "reship";
    lm_status rc = api__path_id(r, &id);
    if (rc == LM_OK) rc = reship ? api__no_body(r) : api__body(r, FMT_JSON_OPTIONAL);
    if (rc == LM_OK && !reship) rc = fmt_ret_resolve_from_json(r->json, resolution, &r->err);
    if (rc != LM_OK) return rc;
    returns_case *c = lm_calloc(1, sizeof *c);
    api_returns rt;
    rc = c ? api__returns_open(r, &rt) : http_error(r, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK) {
        rc = returns_case_resolve(rt.svc, id, resolution, r->key_id, c, &r->err);
        api__returns_close(&rt);
    }
    if (rc == LM_OK) rc = reply_case(r, 200, c);
    lm_free(c);
    return rc;
}
