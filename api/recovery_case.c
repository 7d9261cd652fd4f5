/* api/recovery_case.c: the recovery policy's "case" action made real: when a failed delivery
 * needs an after-sales case (orders/recovery.c decides, by the failure's reason), the returns
 * module opens one (returns_case_open_failed_tx) in the failed stop's own transaction, and the
 * order's recovery shows its id. orders/ cannot call returns/ (returns is the side module that
 * uses orders), so the two meet here. */
#include "api/handlers.h"
#include "orders/recovery.h"
#include "returns/returns.h"
#include "store/store_returns.h"

#include <stdio.h>
#include <string.h>

lm_status api__recovery_case_tx(http_req *r, store_tx *tx, int64_t order_id, const char *reason,
                                store_order_recovery *rec) {
    if (strcmp(rec->action, "case") || strcmp(rec->state, "case_needed")) return LM_OK;
    api_returns rt;
    lm_status rc = api__returns_open(r, &rt);
    if (rc != LM_OK) return rc;
    char actor[64];
    snprintf(actor, sizeof actor, "driver:%.50s", r->subject[0] ? r->subject : r->key_id);
    returns_case c;
    rc = returns_case_open_failed_tx(rt.svc, tx, order_id, reason, actor, &c, &r->err);
    api__returns_close(&rt);
    if (rc != LM_OK) return rc;
    lm_strlcpy(rec->state, "case_opened", sizeof rec->state);
    return store_order_recovery_put(tx, rec, &r->err);
}

void api__recovery_case_into(cJSON *recovery, store_read *rd, int64_t order_id) {
    int64_t *ids = NULL;
    size_t n = 0;
    lm_errinfo e;
    int64_t found = 0;
    if (store_case_find(rd, NULL, order_id, 0, 0, &ids, &n, &e) == LM_OK)
        for (size_t i = 0; i < n; i++) {
            store_case c;
            if (store_case_get(rd, ids[i], &c, &e) == LM_OK &&
                !strcmp(c.kind, RETURNS_CASE_FAILED_DELIVERY))
                found = c.id; /* the newest: ids are oldest first */
        }
    lm_free(ids);
    if (found)
        cJSON_AddNumberToObject(recovery, "case_id", (double)found);
    else
        cJSON_AddNullToObject(recovery, "case_id");
}
