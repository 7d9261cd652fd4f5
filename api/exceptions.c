/* api/exceptions.c: exceptions both ways: GET /v1/exceptions (held orders and their reasons)
 * and POST /v1/driver/exceptions (a breakdown, delay, accident or full vehicle, which may
 * queue a re-plan). */
#include "api/app.h"
#include "api/formats/driver_json.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"

#include <stdio.h>
#include <string.h>

static lm_status handle_exceptions_list(http_req *r, orders_svc *o) {
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

lm_status api__exceptions_list(http_req *r) {
    return api__with_orders(r, handle_exceptions_list);
}

lm_status api__driver_exception(http_req *r) {
    lm_status rc = api__need_driver(r);
    if (rc != LM_OK) return rc;
    fmt_driver_exception x;
    if ((rc = api__body(r, FMT_JSON_REQUIRED)) != LM_OK ||
        (rc = fmt_driver_exception_from_json(r->json, &x, &r->err)) != LM_OK)
        return rc;
    bool replayed = false; /* the app's offline queue retries with the same Idempotency-Key */
    if ((rc = api__idem_replay(r, &replayed)) != LM_OK || replayed) return rc;
    dispatch *d = api__need_dispatch(r, "live dispatch");
    if (!d) return LM_UNAVAILABLE;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    if ((rc = dispatch_driver_exception(d, tx, r->subject, x.kind, x.delay_min * 60, x.note,
                                        lm_now_ms(), &r->err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", x.kind_name);
    cJSON_AddStringToObject(o, "status", "recorded");
    if ((rc = api__idem_keep(r, tx, 202, o)) != LM_OK) {
        store_tx_rollback(tx);
        cJSON_Delete(o);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK) {
        cJSON_Delete(o);
        return http_error(r, rc, "", "the change could not be committed");
    }
    return http_reply_json(r, 202, o);
}
