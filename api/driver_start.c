/* api/driver_start.c: POST /v1/driver/route/start, the driver app's "start route" button: the
 * orders on board go out for delivery and route.started is recorded, as a first position away
 * from the depot would do. Idempotent (a started route answers already: true) and it keeps its
 * reply under the app's Idempotency-Key like the stop actions. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"

lm_status api__driver_start(http_req *r) {
    lm_status rc = api__need_driver(r);
    bool replayed = false, already = false;
    if (rc == LM_OK) rc = api__no_body(r);
    if (rc == LM_OK) rc = api__idem_replay(r, &replayed);
    if (rc != LM_OK || replayed) return rc;
    dispatch *d = api__need_dispatch(r, "live dispatch");
    if (!d) return LM_UNAVAILABLE;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    if ((rc = dispatch_driver_start(d, tx, r->subject, lm_now_ms(), &already, &r->err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "started", true);
    cJSON_AddBoolToObject(o, "already", already);
    if ((rc = api__idem_keep(r, tx, 200, o)) != LM_OK || (rc = store_tx_commit(tx)) != LM_OK) {
        if (rc != LM_OK) store_tx_rollback(tx);
        cJSON_Delete(o);
        return http_error(r, rc, "", "the change could not be committed");
    }
    return http_reply_json(r, 200, o);
}
