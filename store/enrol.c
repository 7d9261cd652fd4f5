/* store/enrol.c: the driver app's enrolment tokens (single use, short-lived, stored as SHA-256)
 * and the kept replies of its idempotent requests. See store/store_enrol.h. */
#include "common/sha256.h"
#include "store/internal.h"
#include "store/store_enrol.h"

#include <stdio.h>
#include <string.h>

/* used_ms / revoked_ms are NULL until they happen; token_hash is unique so a lookup is by hash */
const char store__enrol_schema_v360[] =
    "CREATE TABLE driver_enrolments ("
    "  id TEXT PRIMARY KEY,"
    "  token_hash BLOB NOT NULL UNIQUE,"
    "  driver_id TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL CHECK (expires_ms > created_ms),"
    "  used_ms INTEGER,"
    "  key_id TEXT,"
    "  revoked_ms INTEGER,"
    "  CHECK ((used_ms IS NULL) = (key_id IS NULL))"
    ");"
    "CREATE INDEX driver_enrolments_driver ON driver_enrolments(driver_id, created_ms);"
    "CREATE TABLE idempotent_requests ("
    "  key_id TEXT NOT NULL,"
    "  idem_key TEXT NOT NULL,"
    "  request TEXT NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  body TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (key_id, idem_key)"
    ");";

store_enrol_state store_enrol_state_at(const store_enrolment *e, int64_t now_ms) {
    if (e->revoked_ms) return STORE_ENROL_REVOKED;
    if (e->used_ms) return STORE_ENROL_ACTIVE;
    return now_ms >= e->expires_ms ? STORE_ENROL_EXPIRED : STORE_ENROL_PENDING;
}

const char *store_enrol_state_name(store_enrol_state s) {
    static const char *const names[] = {"pending", "expired", "active", "revoked"};
    return (unsigned)s < 4 ? names[s] : "?";
}

#define ENROL_COLS                                                                                 \
    "id, driver_id, IFNULL(key_id, ''), created_by, created_ms, expires_ms, IFNULL(used_ms, 0), "  \
    "IFNULL(revoked_ms, 0)"

static void enrol_row(db_stmt *st, void *elem) {
    store_enrolment *e = elem;
    store__column_copy(st, 0, e->id, sizeof e->id);
    store__column_copy(st, 1, e->driver_id, sizeof e->driver_id);
    store__column_copy(st, 2, e->key_id, sizeof e->key_id);
    store__column_copy(st, 3, e->created_by, sizeof e->created_by);
    e->created_ms = db_column_i64(st, 4);
    e->expires_ms = db_column_i64(st, 5);
    e->used_ms = db_column_i64(st, 6);
    e->revoked_ms = db_column_i64(st, 7);
}

static lm_status enrol_event(store_tx *tx, const char *type, const store_enrolment *e) {
    char payload[160];
    /* ids are hex; the driver id goes in entity_id, which the event log escapes */
    snprintf(payload, sizeof payload, "{\"enrolment_id\":\"%s\",\"key_id\":%s%s%s}", e->id,
             e->key_id[0] ? "\"" : "", e->key_id[0] ? e->key_id : "null", e->key_id[0] ? "\"" : "");
    return store_event_append(tx, type, "driver", e->driver_id, payload);
}

lm_status store_enrol_create(store *s, const char *driver_id, int64_t ttl_ms, const char *by_key_id,
                             char token_out[STORE_ENROL_TOKEN_LEN + 1], store_enrolment *out,
                             lm_errinfo *err) {
    if (!driver_id || !*driver_id || strlen(driver_id) >= STORE_DRIVER_MAX)
        return lm_errinfo_set(err, LM_INVALID, "id", "a driver id of 1..%d bytes",
                              STORE_DRIVER_MAX - 1);
    if (ttl_ms <= 0) return lm_errinfo_set(err, LM_INVALID, "ttl_s", "must be positive");
    uint8_t id_raw[STORE_ENROL_ID_LEN / 2], tok_raw[STORE_ENROL_TOKEN_LEN / 2];
    uint8_t hash[LM_SHA256_LEN];
    store_enrolment e;
    memset(&e, 0, sizeof e);
    char token[STORE_ENROL_TOKEN_LEN + 1];
    if (lm_random_bytes(id_raw, sizeof id_raw) != LM_OK ||
        lm_random_bytes(tok_raw, sizeof tok_raw) != LM_OK)
        return lm_errinfo_set(err, LM_IO, "", "the kernel's random source failed");
    lm_hex_encode(id_raw, sizeof id_raw, e.id);
    lm_hex_encode(tok_raw, sizeof tok_raw, token);
    lm_sha256(token, STORE_ENROL_TOKEN_LEN, hash);
    lm_strlcpy(e.driver_id, driver_id, sizeof e.driver_id);
    lm_strlcpy(e.created_by, by_key_id ? by_key_id : "", sizeof e.created_by);
    e.created_ms = lm_now_ms();
    e.expires_ms = e.created_ms + ttl_ms;

    store_tx *tx = NULL;
    db_stmt *st = NULL;
    lm_status rc = store_tx_begin(s, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot start a transaction");
    if ((rc = db_prepare(store__tx_db(tx),
                         "INSERT INTO driver_enrolments(id, token_hash, driver_id, "
                         "created_by, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?)",
                         &st, err)) != LM_OK ||
        (rc = db_bind_text(st, 1, e.id)) != LM_OK ||
        (rc = db_bind_blob(st, 2, hash, sizeof hash)) != LM_OK ||
        (rc = db_bind_text(st, 3, e.driver_id)) != LM_OK ||
        (rc = db_bind_text(st, 4, e.created_by)) != LM_OK ||
        (rc = db_bind_i64(st, 5, e.created_ms)) != LM_OK ||
        (rc = db_bind_i64(st, 6, e.expires_ms)) != LM_OK ||
        (rc = store__step_done(st, err)) != LM_OK ||
        (rc = enrol_event(tx, "driver.enrolment_created", &e)) != LM_OK)
        goto fail;
    db_finish(st);
    st = NULL;
    rc = store_tx_commit(tx);
    tx = NULL;
    if (rc != LM_OK) {
        lm_errinfo_set(err, rc, "", "could not commit the enrolment");
        goto fail;
    }
    memcpy(token_out, token, sizeof token);
    if (out) *out = e;
    memset(token, 0, sizeof token);
    return LM_OK;
fail:
    db_finish(st);
    store_tx_rollback(tx);
    memset(token, 0, sizeof token);
    return rc;
}

/* The enrolment whose token hashes to hash (inside tx), LM_UNAUTHORIZED when none. */
static lm_status enrol_by_hash(db_conn *db, const uint8_t hash[LM_SHA256_LEN], store_enrolment *e,
                               lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT " ENROL_COLS " FROM driver_enrolments WHERE token_hash = ?", &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_blob(st, 1, hash, LM_SHA256_LEN)) == LM_OK) {
        rc = store__step_row(db, st, "enrolment", err);
        if (rc == LM_OK) {
            memset(e, 0, sizeof *e);
            enrol_row(st, e);
        } else if (rc == LM_NOT_FOUND) {
            rc = lm_errinfo_set(err, LM_UNAUTHORIZED, "token",
                                "this is not a valid enrolment link; ask your dispatcher for one");
        }
    }
    db_finish(st);
    return rc;
}

lm_status store_enrol_redeem(store *s, const char *token, int64_t now_ms,
                             char key_out[STORE_KEY_MAX], store_enrolment *out, lm_errinfo *err) {
    if (!token || strlen(token) != STORE_ENROL_TOKEN_LEN ||
        strspn(token, "0123456789abcdef") != STORE_ENROL_TOKEN_LEN)
        return lm_errinfo_set(err, LM_UNAUTHORIZED, "token",
                              "this is not a valid enrolment link; ask your dispatcher for one");
    uint8_t hash[LM_SHA256_LEN];
    lm_sha256(token, STORE_ENROL_TOKEN_LEN, hash);
    store_tx *tx = NULL;
    db_stmt *st = NULL;
    store_enrolment e;
    char key[STORE_KEY_MAX] = "";
    lm_status rc = store_tx_begin(s, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot start a transaction");
    db_conn *db = store__tx_db(tx);
    if ((rc = enrol_by_hash(db, hash, &e, err)) != LM_OK) goto fail;
    switch (store_enrol_state_at(&e, now_ms)) {
    case STORE_ENROL_PENDING: break;
    case STORE_ENROL_EXPIRED:
        rc = lm_errinfo_set(err, LM_UNAUTHORIZED, "token",
                            "this enrolment link has expired; ask your dispatcher for a new one");
        goto fail;
    case STORE_ENROL_ACTIVE:
        rc = lm_errinfo_set(err, LM_UNAUTHORIZED, "token",
                            "this enrolment link was already used; each link works once");
        goto fail;
    case STORE_ENROL_REVOKED:
        rc = lm_errinfo_set(err, LM_UNAUTHORIZED, "token", "this enrolment link was revoked");
        goto fail;
    }
    store_key_info info;
    if ((rc = store__key_insert(tx, "driver", e.driver_id, key, &info, err)) != LM_OK) goto fail;
    e.used_ms = now_ms;
    lm_strlcpy(e.key_id, info.id, sizeof e.key_id);
    /* used_ms IS NULL in the WHERE: the writer lock already serialises exchanges, this makes the
     * single use a property of the statement too */
    if ((rc = db_prepare(db,
                         "UPDATE driver_enrolments SET used_ms = ?, key_id = ? "
                         "WHERE id = ? AND used_ms IS NULL AND revoked_ms IS NULL",
                         &st, err)) != LM_OK ||
        (rc = db_bind_i64(st, 1, e.used_ms)) != LM_OK ||
        (rc = db_bind_text(st, 2, e.key_id)) != LM_OK ||
        (rc = db_bind_text(st, 3, e.id)) != LM_OK || (rc = store__step_done(st, err)) != LM_OK)
        goto fail;
    if (db_changes(db) != 1) {
        rc = lm_errinfo_set(err, LM_UNAUTHORIZED, "token", "this enrolment link was already used");
        goto fail;
    }
    db_finish(st);
    st = NULL;
    if ((rc = enrol_event(tx, "driver.enrolled", &e)) != LM_OK) goto fail;
    rc = store_tx_commit(tx);
    tx = NULL;
    if (rc != LM_OK) {
        lm_errinfo_set(err, rc, "", "could not commit the enrolment");
        goto fail;
    }
    lm_strlcpy(key_out, key, STORE_KEY_MAX);
    memset(key, 0, sizeof key);
    if (out) *out = e;
    return LM_OK;
fail:
    db_finish(st);
    store_tx_rollback(tx);
    memset(key, 0, sizeof key);
    return rc;
}

lm_status store_enrol_list(store_read *r, const char *driver_id, store_enrolment **out, size_t *n,
                           lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(store__db(r),
                              "SELECT " ENROL_COLS " FROM driver_enrolments WHERE driver_id = "
                              "? ORDER BY created_ms DESC, id LIMIT 100",
                              &st, err);
    if (rc != LM_OK) return rc;
    void *rows = NULL;
    if ((rc = db_bind_text(st, 1, driver_id)) == LM_OK)
        rc = store__collect(store__db(r), st, sizeof(store_enrolment), enrol_row, &rows, n, err);
    db_finish(st);
    if (rc == LM_OK) *out = rows;
    return rc;
}

lm_status store_enrol_revoke(store *s, const char *driver_id, const char *id, int64_t now_ms,
                             lm_errinfo *err) {
    store_tx *tx = NULL;
    db_stmt *st = NULL;
    store_enrolment e;
    memset(&e, 0, sizeof e);
    lm_status rc = store_tx_begin(s, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot start a transaction");
    db_conn *db = store__tx_db(tx);
    if ((rc = db_prepare(
             db, "SELECT " ENROL_COLS " FROM driver_enrolments WHERE id = ? AND driver_id = ?", &st,
             err)) != LM_OK ||
        (rc = db_bind_text(st, 1, id)) != LM_OK || (rc = db_bind_text(st, 2, driver_id)) != LM_OK)
        goto fail;
    if ((rc = store__step_row(db, st, "enrolment", err)) != LM_OK) {
        if (rc == LM_NOT_FOUND)
            lm_errinfo_set(err, LM_NOT_FOUND, "enrolment", "the driver has no such enrolment");
        goto fail;
    }
    enrol_row(st, &e);
    db_finish(st);
    st = NULL;
    if (e.revoked_ms) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "enrolment", "this enrolment is already revoked");
        goto fail;
    }
    /* the key was issued by the exchange: revoking here is what makes a lost phone harmless */
    bool key_live = false;
    if (e.key_id[0] && (rc = store_key_live(store_tx_read(tx), e.key_id, &key_live)) != LM_OK)
        goto fail;
    if (key_live && (rc = store__key_revoke_tx(tx, e.key_id, err)) != LM_OK) goto fail;
    if ((rc = db_prepare(db, "UPDATE driver_enrolments SET revoked_ms = ? WHERE id = ?", &st,
                         err)) != LM_OK ||
        (rc = db_bind_i64(st, 1, now_ms)) != LM_OK || (rc = db_bind_text(st, 2, e.id)) != LM_OK ||
        (rc = store__step_done(st, err)) != LM_OK)
        goto fail;
    db_finish(st);
    st = NULL;
    e.revoked_ms = now_ms;
    if ((rc = enrol_event(tx, "driver.enrolment_revoked", &e)) != LM_OK) goto fail;
    rc = store_tx_commit(tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "could not commit the revocation");
    return LM_OK;
fail:
    db_finish(st);
    store_tx_rollback(tx);
    return rc;
}

lm_status store_reply_get(store_read *r, const char *key_id, const char *idem, bool *found,
                          int *status, char **body, char request[256], lm_errinfo *err) {
    db_stmt *st = NULL;
    *found = false;
    *body = NULL;
    lm_status rc = db_prepare(store__db(r),
                              "SELECT request, status, body FROM idempotent_requests "
                              "WHERE key_id = ? AND idem_key = ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_text(st, 1, key_id)) != LM_OK || (rc = db_bind_text(st, 2, idem)) != LM_OK)
        goto done;
    rc = store__step_row(store__db(r), st, "request", err);
    if (rc == LM_NOT_FOUND) {
        rc = LM_OK;
        goto done;
    }
    if (rc != LM_OK) goto done;
    store__column_copy(st, 0, request, 256);
    *status = db_column_int(st, 1);
    if ((rc = store__column_dup(st, 2, body)) == LM_OK) *found = true;
done:
    db_finish(st);
    return rc;
}

lm_status store_reply_put(store_tx *tx, const char *key_id, const char *idem, const char *request,
                          int status, const char *body, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(store__tx_db(tx),
                              "INSERT INTO idempotent_requests(key_id, idem_key, request, "
                              "status, body, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_text(st, 1, key_id)) == LM_OK && (rc = db_bind_text(st, 2, idem)) == LM_OK &&
        (rc = db_bind_text(st, 3, request)) == LM_OK &&
        (rc = db_bind_i64(st, 4, status)) == LM_OK && (rc = db_bind_text(st, 5, body)) == LM_OK &&
        (rc = db_bind_i64(st, 6, lm_now_ms())) == LM_OK)
        rc = store__step_done(st, err);
    db_finish(st);
    return rc;
}
