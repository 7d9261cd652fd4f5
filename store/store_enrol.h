/* store: the driver app's enrolment links and its idempotent requests (migration 360).
 *
 * An enrolment is a short-lived, single-use token a dispatcher hands a driver as a link or QR
 * code; the phone exchanges it once for a driver key. Only SHA-256(token) is stored (the token is
 * 128 random bits, so an unsalted hash is enough and lets the exchange look it up). Revoking an
 * enrolment refuses its token and revokes the key it was exchanged for, in one transaction.
 *
 * An idempotent request is a driver action replayed by the app's offline queue: the reply of the
 * first run is kept under (key id, Idempotency-Key) and answered again for a retry, so a replay
 * after a lost answer changes nothing. Ownership: lists are lm_free'd by the caller. */
#ifndef LASTMILE_STORE_ENROL_H
#define LASTMILE_STORE_ENROL_H

#include "store/store.h"

#define STORE_ENROL_ID_LEN    16 /* hex characters of an enrolment's public id */
#define STORE_ENROL_TOKEN_LEN 32 /* hex characters of a token (128 bits) */

typedef enum store_enrol_state {
    STORE_ENROL_PENDING, /* not yet exchanged, not expired */
    STORE_ENROL_EXPIRED, /* never exchanged, past its expiry */
    STORE_ENROL_ACTIVE,  /* exchanged: its key works */
    STORE_ENROL_REVOKED, /* revoked by a dispatcher (its key too) */
} store_enrol_state;

typedef struct store_enrolment {
    char id[STORE_ENROL_ID_LEN + 1];
    char driver_id[STORE_DRIVER_MAX];
    char key_id[STORE_KEY_ID_LEN + 1]; /* the key issued at the exchange, "" before */
    char created_by[STORE_KEY_ID_LEN + 1];
    int64_t created_ms, expires_ms, used_ms, revoked_ms; /* 0 when not yet */
} store_enrolment;

/* Its state at now_ms. */
store_enrol_state store_enrol_state_at(const store_enrolment *e, int64_t now_ms);
const char *store_enrol_state_name(store_enrol_state s);

/* A new enrolment for driver_id valid for ttl_ms, with a "driver.enrolment_created" event. The
 * token (shown once, never stored) goes to token_out. */
LM_MUST_USE lm_status store_enrol_create(store *s, const char *driver_id, int64_t ttl_ms,
                                         const char *by_key_id,
                                         char token_out[STORE_ENROL_TOKEN_LEN + 1],
                                         store_enrolment *out, lm_errinfo *err);
/* Spends token once: a new driver key (whole key in key_out, shown once) with a
 * "driver.enrolled" event. LM_UNAUTHORIZED on "token" when unknown, expired, already used or
 * revoked (the message says which, for the driver: the token itself is the secret). */
LM_MUST_USE lm_status store_enrol_redeem(store *s, const char *token, int64_t now_ms,
                                         char key_out[STORE_KEY_MAX], store_enrolment *out,
                                         lm_errinfo *err);
/* The driver's enrolments, newest first (at most 100). */
LM_MUST_USE lm_status store_enrol_list(store_read *r, const char *driver_id, store_enrolment **out,
                                       size_t *n, lm_errinfo *err);
/* Revokes enrolment id of driver_id and the key it was exchanged for, with a
 * "driver.enrolment_revoked" event: from the commit on the token and the key are refused.
 * LM_NOT_FOUND when the driver has no such enrolment, LM_CONFLICT when already revoked. */
LM_MUST_USE lm_status store_enrol_revoke(store *s, const char *driver_id, const char *id,
                                         int64_t now_ms, lm_errinfo *err);

/* ---- Idempotent driver requests ---- */

#define STORE_IDEM_KEY_MAX 128 /* bytes of an Idempotency-Key, NUL included */

/* The kept reply of (key_id, idem) if any: *found, its status and body (lm_free'd by the
 * caller), and the request it answered (method and path, to refuse a key reused elsewhere). */
LM_MUST_USE lm_status store_reply_get(store_read *r, const char *key_id, const char *idem,
                                      bool *found, int *status, char **body, char request[256],
                                      lm_errinfo *err);
/* Keeps the reply inside the action's tx; LM_CONFLICT when (key_id, idem) is already kept. */
LM_MUST_USE lm_status store_reply_put(store_tx *tx, const char *key_id, const char *idem,
                                      const char *request, int status, const char *body,
                                      lm_errinfo *err);

#endif
