/* store/webhooks.c: webhook subscriptions (migration 301). The event log is the outbox: each
 * webhook keeps the seq of the last event it has delivered, so a restart resumes where it was. */
#include "store/internal.h"
#include "store/store_positions.h"

#include <string.h>

const char store__webhooks_schema_v301[] =
    "CREATE TABLE webhooks ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  url TEXT NOT NULL, secret TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    "  cursor_seq INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '');";

#define BIND(expr)                                                                                 \
    do {                                                                                           \
        if ((rc = (expr)) != LM_OK) goto fail;                                                     \
    } while (0)

#define HOOK_COLS "id, url, secret, created_ms, cursor_seq, attempts, next_attempt_ms, last_error"

static void row_read(sqlite3_stmt *st, void *elem) {
    store_webhook *w = elem;
    memset(w, 0, sizeof *w);
    w->id = sqlite3_column_int64(st, 0);
    store__column_copy(st, 1, w->url, sizeof w->url);
    store__column_copy(st, 2, w->secret, sizeof w->secret);
    w->created_ms = sqlite3_column_int64(st, 3);
    w->cursor_seq = sqlite3_column_int64(st, 4);
    w->attempts = sqlite3_column_int64(st, 5);
    w->next_attempt_ms = sqlite3_column_int64(st, 6);
    store__column_copy(st, 7, w->last_error, sizeof w->last_error);
}

lm_status store_webhook_create(store_tx *tx, const char *url, const char *secret,
                               store_webhook *out, lm_errinfo *err) {
    if (!url || !*url || strlen(url) >= STORE_URL_MAX)
        return lm_errinfo_set(err, LM_INVALID, "url", "url must be 1..%d bytes", STORE_URL_MAX - 1);
    if (!secret || !*secret || strlen(secret) >= STORE_SECRET_MAX)
        return lm_errinfo_set(err, LM_INVALID, "secret", "secret must be 1..%d bytes",
                              STORE_SECRET_MAX - 1);
    sqlite3 *db = store__tx_db(tx);
    sqlite3_stmt *st = NULL;
    int64_t now = lm_now_ms();
    lm_status rc = store__prepare(db,
                                  "INSERT INTO webhooks(url, secret, created_ms, cursor_seq) "
                                  "VALUES (?, ?, ?, (SELECT coalesce(max(seq), 0) FROM events)) "
                                  "RETURNING " HOOK_COLS,
                                  &st, err);
    if (rc != LM_OK) return rc;
    BIND(store__bind_text(st, 1, url));
    BIND(store__bind_text(st, 2, secret));
    BIND(store__bind_i64(st, 3, now));
    /* RETURNING gives the one row inserted, then the statement is done */
    if ((rc = store__step_row(db, st, "webhook", err)) != LM_OK) goto fail;
    row_read(st, out);
    rc = store__step_done(st, err);
fail:
    store__finish(st);
    return rc;
}

lm_status store_webhook_delete(store_tx *tx, int64_t id, lm_errinfo *err) {
    sqlite3 *db = store__tx_db(tx);
    sqlite3_stmt *st = NULL;
    lm_status rc = store__prepare(db, "DELETE FROM webhooks WHERE id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(store__bind_i64(st, 1, id));
    BIND(store__step_done(st, err));
    if (sqlite3_changes(db) == 0)
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "no webhook %lld", (long long)id);
fail:
    store__finish(st);
    return rc;
}

lm_status store_webhook_list(store_read *r, store_webhook **out, size_t *n_out, lm_errinfo *err) {
    sqlite3 *db = store__db(r);
    sqlite3_stmt *st = NULL;
    lm_status rc =
        store__prepare(db, "SELECT " HOOK_COLS " FROM webhooks ORDER BY id LIMIT 1000", &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, row_read, (void **)out, n_out, err);
    store__finish(st);
    return rc;
}

lm_status store_webhook_progress(store_tx *tx, int64_t id, int64_t cursor, int64_t attempts,
                                 int64_t next_attempt_ms, const char *last_error, lm_errinfo *err) {
    sqlite3 *db = store__tx_db(tx);
    sqlite3_stmt *st = NULL;
    lm_status rc = store__prepare(db,
                                  "UPDATE webhooks SET cursor_seq = max(cursor_seq, ?), "
                                  "attempts = ?, next_attempt_ms = ?, last_error = ? WHERE id = ?",
                                  &st, err);
    if (rc != LM_OK) return rc;
    BIND(store__bind_i64(st, 1, cursor));
    BIND(store__bind_i64(st, 2, attempts));
    BIND(store__bind_i64(st, 3, next_attempt_ms));
    BIND(store__bind_text(st, 4, last_error ? last_error : ""));
    BIND(store__bind_i64(st, 5, id));
    BIND(store__step_done(st, err));
    if (sqlite3_changes(db) == 0)
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "no webhook %lld", (long long)id);
fail:
    store__finish(st);
    return rc;
}
