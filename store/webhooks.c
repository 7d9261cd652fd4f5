/* store/webhooks.c: webhook subscriptions (migration 301). The event log is the outbox: each
 * webhook keeps the seq of the last event it has delivered, so a restart resumes where it was.
 * Several nodes on PostgreSQL share the deliveries through a lease per webhook (migration 60). */
#include "store/internal.h"
#include "store/store_positions.h"

#include <string.h>

const char store__webhooks_schema_v301[] =
    "CREATE TABLE webhooks ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  url TEXT NOT NULL, secret TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    "  cursor_seq INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '');";

/* The URL's credentials, kept apart from the URL so that the URL can be shown (sealed, like the
 * secret: events/seal.c). */
const char store__webhooks_schema_v340[] =
    "ALTER TABLE webhooks ADD COLUMN auth TEXT NOT NULL DEFAULT '';";

/* Several nodes: the node delivering a webhook holds its lease (owner, until_ms on the owner's
 * clock); a lease whose owner died runs out and another node claims it. */
const char store__webhooks_schema_v60[] =
    "CREATE TABLE webhook_leases ("
    "  hook_id INTEGER NOT NULL, owner TEXT NOT NULL, until_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (hook_id));";

#define BIND(expr)                                                                                 \
    do {                                                                                           \
        if ((rc = (expr)) != LM_OK) goto fail;                                                     \
    } while (0)

#define HOOK_COLS                                                                                  \
    "id, url, secret, created_ms, cursor_seq, attempts, next_attempt_ms, last_error, auth"

static void row_read(db_stmt *st, void *elem) {
    store_webhook *w = elem;
    memset(w, 0, sizeof *w);
    w->id = db_column_i64(st, 0);
    store__column_copy(st, 1, w->url, sizeof w->url);
    store__column_copy(st, 2, w->secret, sizeof w->secret);
    w->created_ms = db_column_i64(st, 3);
    w->cursor_seq = db_column_i64(st, 4);
    w->attempts = db_column_i64(st, 5);
    w->next_attempt_ms = db_column_i64(st, 6);
    store__column_copy(st, 7, w->last_error, sizeof w->last_error);
    store__column_copy(st, 8, w->auth, sizeof w->auth);
}

lm_status store_webhook_create(store_tx *tx, const char *url, const char *secret, const char *auth,
                               store_webhook *out, lm_errinfo *err) {
    if (!url || !*url || strlen(url) >= STORE_URL_MAX)
        return lm_errinfo_set(err, LM_INVALID, "url", "url must be 1..%d bytes", STORE_URL_MAX - 1);
    if (!secret || !*secret || strlen(secret) >= STORE_SEALED_MAX)
        return lm_errinfo_set(err, LM_INVALID, "secret", "secret must be 1..%d bytes",
                              STORE_SEALED_MAX - 1);
    if (!auth) auth = "";
    if (strlen(auth) >= STORE_SEALED_MAX)
        return lm_errinfo_set(err, LM_INVALID, "url", "credentials must be under %d bytes",
                              STORE_SEALED_MAX);
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    int64_t now = lm_now_ms();
    lm_status rc = db_prepare(db,
                              "INSERT INTO webhooks(url, secret, created_ms, auth, cursor_seq) "
                              "VALUES (?, ?, ?, ?, (SELECT coalesce(max(seq), 0) FROM events)) "
                              "RETURNING " HOOK_COLS,
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, url));
    BIND(db_bind_text(st, 2, secret));
    BIND(db_bind_i64(st, 3, now));
    BIND(db_bind_text(st, 4, auth));
    /* RETURNING gives the one row inserted, then the statement is done */
    if ((rc = store__step_row(db, st, "webhook", err)) != LM_OK) goto fail;
    row_read(st, out);
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_webhook_delete(store_tx *tx, int64_t id, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "DELETE FROM webhooks WHERE id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, id));
    BIND(store__step_done(st, err));
    if (db_changes(db) == 0)
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "no webhook %lld", (long long)id);
fail:
    db_finish(st);
    return rc;
}

lm_status store_webhook_page(store_read *r, int64_t after_id, size_t limit, store_webhook **out,
                             size_t *n_out, lm_errinfo *err) {
    if (limit < 1 || limit > 1000)
        return lm_errinfo_set(err, LM_INVALID, "limit", "limit must be 1..1000");
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT " HOOK_COLS " FROM webhooks WHERE id > ? ORDER BY id LIMIT ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, after_id));
    BIND(db_bind_i64(st, 2, (int64_t)limit));
    rc = store__collect(db, st, sizeof **out, row_read, (void **)out, n_out, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_webhook_list(store_read *r, store_webhook **out, size_t *n_out, lm_errinfo *err) {
    return store_webhook_page(r, 0, 1000, out, n_out, err);
}

lm_status store_webhook_get(store_read *r, int64_t id, store_webhook *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT " HOOK_COLS " FROM webhooks WHERE id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, id));
    if ((rc = store__step_row(db, st, "webhook", err)) != LM_OK) goto fail;
    row_read(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_webhook_due(store_read *r, int64_t after_id, int64_t now_ms, size_t limit,
                            int64_t **ids, size_t *n_out, lm_errinfo *err) {
    if (limit < 1 || limit > 100000)
        return lm_errinfo_set(err, LM_INVALID, "limit", "limit must be 1..100000");
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT id FROM webhooks WHERE id > ?1 AND next_attempt_ms <= ?2 "
                              "AND cursor_seq < (SELECT coalesce(max(seq), 0) FROM events) "
                              "AND cursor_seq < ?4 " /* events not yet durable wait */
                              "AND NOT EXISTS (SELECT 1 FROM webhook_leases l WHERE "
                              "l.hook_id = webhooks.id AND l.until_ms > ?2) "
                              "ORDER BY id LIMIT ?3",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, after_id));
    BIND(db_bind_i64(st, 2, now_ms));
    BIND(db_bind_i64(st, 3, (int64_t)limit));
    BIND(db_bind_i64(st, 4, store__events_visible(r)));
    rc = store__collect(db, st, sizeof **ids, store__id_row, (void **)ids, n_out, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_webhook_progress(store_tx *tx, int64_t id, int64_t cursor, int64_t attempts,
                                 int64_t next_attempt_ms, const char *last_error, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "UPDATE webhooks SET cursor_seq = CASE WHEN cursor_seq > ?1 "
                              "THEN cursor_seq ELSE ?1 END, attempts = ?, next_attempt_ms = ?, "
                              "last_error = ? WHERE id = ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, cursor));
    BIND(db_bind_i64(st, 2, attempts));
    BIND(db_bind_i64(st, 3, next_attempt_ms));
    BIND(db_bind_text(st, 4, last_error ? last_error : ""));
    BIND(db_bind_i64(st, 5, id));
    BIND(store__step_done(st, err));
    if (db_changes(db) == 0)
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "no webhook %lld", (long long)id);
fail:
    db_finish(st);
    return rc;
}

lm_status store_webhook_rewrite(store_tx *tx, int64_t id, const char *url, const char *secret,
                                const char *auth, lm_errinfo *err) {
    if (!url || !*url || strlen(url) >= STORE_URL_MAX || !secret || !*secret ||
        strlen(secret) >= STORE_SEALED_MAX || !auth || strlen(auth) >= STORE_SEALED_MAX)
        return lm_errinfo_set(err, LM_INVALID, "url", "url, secret or credentials too long");
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "UPDATE webhooks SET url = ?, secret = ?, auth = ? WHERE id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, url));
    BIND(db_bind_text(st, 2, secret));
    BIND(db_bind_text(st, 3, auth));
    BIND(db_bind_i64(st, 4, id));
    BIND(store__step_done(st, err));
    if (db_changes(db) == 0)
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "no webhook %lld", (long long)id);
fail:
    db_finish(st);
    return rc;
}

/* ---- Leases (several nodes) ---- */

lm_status store_webhook_claim(store_tx *tx, int64_t id, const char *owner, int64_t now_ms,
                              int64_t until_ms, store_webhook *out, bool *got, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    *got = false;
    /* PostgreSQL: the webhook's row is the head of its stream; a node claiming it at this moment
     * holds the row lock, and SKIP LOCKED passes it by instead of queueing behind it */
    const char *sql =
        db_kind(db) == DB_POSTGRES
            ? "WITH h AS (SELECT id FROM webhooks WHERE id = ?1 AND next_attempt_ms <= ?2 "
              "FOR UPDATE SKIP LOCKED) INSERT INTO webhook_leases(hook_id, owner, until_ms) "
              "SELECT id, ?3, ?4 FROM h ON CONFLICT (hook_id) DO UPDATE SET owner = "
              "excluded.owner, until_ms = excluded.until_ms WHERE webhook_leases.until_ms <= ?2 "
              "OR webhook_leases.owner = ?3 RETURNING hook_id"
            : "INSERT INTO webhook_leases(hook_id, owner, until_ms) SELECT id, ?3, ?4 FROM "
              "webhooks WHERE id = ?1 AND next_attempt_ms <= ?2 ON CONFLICT (hook_id) DO UPDATE "
              "SET owner = excluded.owner, until_ms = excluded.until_ms WHERE "
              "webhook_leases.until_ms <= ?2 OR webhook_leases.owner = ?3 RETURNING hook_id";
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, id));
    BIND(db_bind_i64(st, 2, now_ms));
    BIND(db_bind_text(st, 3, owner));
    BIND(db_bind_i64(st, 4, until_ms));
    int s = db_step(st);
    if (s != DB_ROW && s != DB_DONE) {
        rc = db_fail(db, s, err);
        goto fail;
    }
    bool claimed = s == DB_ROW;
    db_finish(st);
    st = NULL;
    if (!claimed) return LM_OK;
    if ((rc = store_webhook_get(store_tx_read(tx), id, out, err)) == LM_OK) *got = true;
fail:
    db_finish(st);
    return rc;
}

lm_status store_webhook_release(store_tx *tx, int64_t id, const char *owner, int64_t cursor,
                                int64_t attempts, int64_t next_attempt_ms, const char *last_error,
                                bool *kept, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    *kept = false;
    lm_status rc =
        db_prepare(db, "DELETE FROM webhook_leases WHERE hook_id = ? AND owner = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, id));
    BIND(db_bind_text(st, 2, owner));
    BIND(store__step_done(st, err));
    /* a lease another node took over (this one outlived it): that node's cursor is the truth */
    if (db_changes(db) == 0) goto fail;
    *kept = true;
    rc = store_webhook_progress(tx, id, cursor, attempts, next_attempt_ms, last_error, err);
fail:
    db_finish(st);
    return rc;
}
