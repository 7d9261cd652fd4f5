/* api/tx.c: a handler's read snapshot and transaction on the request's store, with the one error
 * reply for a store that cannot give one (api/app.h). */
#include "api/app.h"

lm_status api__read_begin(http_req *r, store_read **out) {
    lm_status rc = store_read_begin(api_store(r), out);
    if (rc != LM_OK) return http_error(r, rc, "", "the store is not available");
    return LM_OK;
}

lm_status api__tx_begin(http_req *r, store_tx **out) {
    lm_status rc = store_tx_begin(api_store(r), out);
    if (rc != LM_OK) return http_error(r, rc, "", "the store is not available");
    return LM_OK;
}

lm_status api__tx_end(http_req *r, store_tx *tx, lm_status rc) {
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    rc = store_tx_commit(tx);
    if (rc != LM_OK) return http_error(r, rc, "", "the change could not be committed");
    return LM_OK;
}
