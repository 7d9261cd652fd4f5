/* api/idem.c: Idempotency-Key on the driver app's actions. The app queues actions while offline
 * and replays them in order on reconnect; a replay whose first run committed (the answer was lost
 * with the signal) must change nothing. The first run keeps its reply in its own transaction
 * (store/store_enrol.h), so "committed" and "kept" are one fact; a retry gets that reply again
 * with Idempotent-Replayed: true. The key is per API key, so drivers cannot collide. */
#include "api/app.h"
#include "api/handlers.h"
#include "store/store_enrol.h"

#include <stdio.h>
#include <string.h>

const char *api__idem_key(http_req *r, lm_status *rc) {
    *rc = LM_OK;
    const char *k = http_header(r, "Idempotency-Key");
    if (!k) return NULL;
    size_t n = strlen(k);
    bool ok = n >= 1 && n < STORE_IDEM_KEY_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = k[i] > 0x20 && k[i] < 0x7f;
    if (!ok)
        *rc = http_error(r, LM_INVALID, "Idempotency-Key", "1..%d printable ASCII characters",
                         STORE_IDEM_KEY_MAX - 1);
    return ok ? k : NULL;
}

static void request_name(const http_req *r, char out[256]) {
    snprintf(out, 256, "%s %s", r->method, r->path);
}

lm_status api__idem_replay(http_req *r, bool *done) {
    *done = false;
    lm_status rc;
    const char *k = api__idem_key(r, &rc);
    if (!k) return rc;
    store_read *rd = NULL;
    bool found = false;
    int status = 0;
    char *body = NULL, request[256] = "", want[256];
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    rc = store_reply_get(rd, r->key_id, k, &found, &status, &body, request, &r->err);
    store_read_end(rd);
    if (rc != LM_OK || !found) return rc;
    request_name(r, want);
    if (strcmp(request, want)) {
        lm_free(body);
        return http_error(r, LM_CONFLICT, "Idempotency-Key",
                          "this key was already used for another request (%s)", request);
    }
    *done = true;
    rc = http_reply_header(r, "Idempotent-Replayed", "true");
    if (rc == LM_OK) rc = http_reply_text(r, status, "application/json", body, strlen(body));
    lm_free(body);
    return rc;
}

lm_status api__idem_keep(http_req *r, store_tx *tx, int status, const cJSON *body) {
    lm_status rc;
    const char *k = api__idem_key(r, &rc);
    if (!k) return rc;
    char *text = cJSON_PrintUnformatted(body), request[256];
    if (!text) return http_error(r, LM_NOMEM, "", "out of memory");
    request_name(r, request);
    rc = store_reply_put(tx, r->key_id, k, request, status, text, &r->err);
    cJSON_free(text);
    return rc;
}

lm_status api__idem_after_failure(http_req *r, lm_status failed) {
    /* two copies of one request in flight (a replay racing its first run): the second waits for
     * the writer, then finds its action already done; the kept reply is its answer */
    if (!http_header(r, "Idempotency-Key") || failed == LM_INVALID) return failed;
    lm_errinfo saved = r->err;
    bool done = false;
    if (api__idem_replay(r, &done) == LM_OK && done) return LM_OK;
    r->err = saved;
    return failed;
}
