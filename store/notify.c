/* store/notify.c: the SQL behind notify/ (templates, opt-outs, quiet hours, the ETA last told, the
 * outbox that is also the log) and the schema of migration 900. See store/store_notify.h. */
#include "store/internal.h"
#include "store/store_notify.h"

#include <string.h>

/* Migration 900: registered in store/migrations.c. The outbox and the log are one table: a
 * message is written once (dedupe is unique, so an event read twice cannot queue it twice) and
 * its row then records every attempt's outcome. The partial index holds only waiting rows, so
 * the sender's scan stays small however long the log grows. */
const char store__notify_schema_v900[] =
    "CREATE TABLE notify_templates ("
    "  kind TEXT NOT NULL, channel TEXT NOT NULL CHECK (channel IN ('email','sms')),"
    "  subject TEXT NOT NULL, body TEXT NOT NULL, updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (kind, channel)) WITHOUT ROWID;"
    "CREATE TABLE notify_optouts ("
    "  channel TEXT NOT NULL CHECK (channel IN ('email','sms')), address TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL, PRIMARY KEY (channel, address)) WITHOUT ROWID;"
    "CREATE TABLE notify_quiet ("
    "  depot_id TEXT PRIMARY KEY, tz TEXT NOT NULL,"
    "  start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),"
    "  end_min INTEGER NOT NULL CHECK (end_min BETWEEN 0 AND 1439));"
    "CREATE TABLE notify_eta (order_id INTEGER PRIMARY KEY, eta_s INTEGER NOT NULL);"
    "CREATE TABLE notify_messages ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL, kind TEXT NOT NULL,"
    "  channel TEXT NOT NULL CHECK (channel IN ('email','sms')), address TEXT NOT NULL,"
    "  subject TEXT NOT NULL, body TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN "
    "    ('queued','deferred','retrying','sent','failed','suppressed')),"
    "  attempts INTEGER NOT NULL DEFAULT 0, due_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
    "  sent_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',"
    "  event_seq INTEGER NOT NULL, dedupe TEXT NOT NULL UNIQUE);"
    "CREATE INDEX notify_messages_waiting ON notify_messages(due_ms)"
    "  WHERE status IN ('queued','deferred','retrying');"
    "CREATE INDEX notify_messages_by_order ON notify_messages(order_id, id);";

#define BIND(expr)                                                                                 \
    do {                                                                                           \
        if ((rc = (expr)) != LM_OK) goto fail;                                                     \
    } while (0)

/* ---- Templates ---- */

lm_status store_nt_template_put(store_tx *tx, const store_nt_template *t, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT OR REPLACE INTO notify_templates(kind, channel, subject, "
                              "body, updated_ms) VALUES (?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, t->kind));
    BIND(db_bind_text(st, 2, t->channel));
    BIND(db_bind_text(st, 3, t->subject));
    BIND(db_bind_text(st, 4, t->body));
    BIND(db_bind_i64(st, 5, t->updated_ms));
    BIND(store__step_done(st, err));
fail:
    db_finish(st);
    return rc;
}

lm_status store_nt_template_get(store_read *r, const char *kind, const char *channel,
                                store_nt_template *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT subject, body, updated_ms FROM notify_templates "
                              "WHERE kind = ? AND channel = ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, kind));
    BIND(db_bind_text(st, 2, channel));
    BIND(store__step_row(db, st, "template", err));
    memset(out, 0, sizeof *out);
    lm_strlcpy(out->kind, kind, sizeof out->kind);
    lm_strlcpy(out->channel, channel, sizeof out->channel);
    store__column_copy(st, 0, out->subject, sizeof out->subject);
    store__column_copy(st, 1, out->body, sizeof out->body);
    out->updated_ms = db_column_i64(st, 2);
fail:
    db_finish(st);
    return rc;
}

/* ---- Opt-outs ---- */

lm_status store_nt_optout_set(store_tx *tx, const char *channel, const char *address, bool out,
                              int64_t now_ms, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              out ? "INSERT OR IGNORE INTO notify_optouts(channel, address, "
                                    "created_ms) VALUES (?,?,?)"
                                  : "DELETE FROM notify_optouts WHERE channel = ? AND "
                                    "address = ? AND ? IS NOT NULL",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, channel));
    BIND(db_bind_text(st, 2, address));
    BIND(db_bind_i64(st, 3, now_ms));
    BIND(store__step_done(st, err));
fail:
    db_finish(st);
    return rc;
}

lm_status store_nt_optout_has(store_read *r, const char *channel, const char *address, bool *out,
                              lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT 1 FROM notify_optouts WHERE channel = ? AND address = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, channel));
    BIND(db_bind_text(st, 2, address));
    rc = store__step_row(db, st, "opt-out", err);
    *out = rc == LM_OK;
    if (rc == LM_NOT_FOUND) rc = LM_OK;
fail:
    db_finish(st);
    return rc;
}

/* ---- Quiet hours ---- */

lm_status store_nt_quiet_replace(store_tx *tx, const store_nt_quiet *q, size_t n, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    lm_status rc = db_run(db, "DELETE FROM notify_quiet", err);
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        db_stmt *st = NULL;
        rc = db_prepare(db,
                        "INSERT INTO notify_quiet(depot_id, tz, start_min, end_min) "
                        "VALUES (?,?,?,?)",
                        &st, err);
        if (rc != LM_OK) return rc;
        BIND(db_bind_text(st, 1, q[i].depot_id));
        BIND(db_bind_text(st, 2, q[i].tz));
        BIND(db_bind_i64(st, 3, q[i].start_min));
        BIND(db_bind_i64(st, 4, q[i].end_min));
        BIND(store__step_done(st, err));
    fail:
        db_finish(st);
    }
    return rc;
}

static void quiet_row(db_stmt *st, void *elem) {
    store_nt_quiet *q = elem;
    store__column_copy(st, 0, q->depot_id, sizeof q->depot_id);
    store__column_copy(st, 1, q->tz, sizeof q->tz);
    q->start_min = db_column_int(st, 2);
    q->end_min = db_column_int(st, 3);
}

lm_status store_nt_quiet_list(store_read *r, store_nt_quiet **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT depot_id, tz, start_min, end_min FROM notify_quiet ORDER BY depot_id", &st,
        err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, quiet_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}

/* ---- The ETA last told ---- */

lm_status store_nt_eta_get(store_read *r, int64_t order_id, int64_t *eta_s, bool *found,
                           lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT eta_s FROM notify_eta WHERE order_id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, order_id));
    rc = store__step_row(db, st, "eta", err);
    *found = rc == LM_OK;
    if (rc == LM_OK) *eta_s = db_column_i64(st, 0);
    if (rc == LM_NOT_FOUND) rc = LM_OK;
fail:
    db_finish(st);
    return rc;
}

lm_status store_nt_eta_put(store_tx *tx, int64_t order_id, int64_t eta_s, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "INSERT OR REPLACE INTO notify_eta(order_id, eta_s) VALUES (?,?)", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, order_id));
    BIND(db_bind_i64(st, 2, eta_s));
    BIND(store__step_done(st, err));
fail:
    db_finish(st);
    return rc;
}

lm_status store_nt_events_last(store_read *r, int64_t *seq, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT COALESCE(MAX(seq), 0) FROM events", &st, err);
    if (rc != LM_OK) return rc;
    BIND(store__step_row(db, st, "events", err));
    *seq = db_column_i64(st, 0);
fail:
    db_finish(st);
    return rc;
}

/* ---- Messages ---- */

#define MSG_COLS                                                                                   \
    "id, order_id, kind, channel, address, subject, body, status, attempts, due_ms, created_ms, "  \
    "sent_ms, last_error, event_seq, dedupe"

static void message_row(db_stmt *st, void *elem) {
    store_nt_message *m = elem;
    m->id = db_column_i64(st, 0);
    m->order_id = db_column_i64(st, 1);
    store__column_copy(st, 2, m->kind, sizeof m->kind);
    store__column_copy(st, 3, m->channel, sizeof m->channel);
    store__column_copy(st, 4, m->address, sizeof m->address);
    store__column_copy(st, 5, m->subject, sizeof m->subject);
    store__column_copy(st, 6, m->body, sizeof m->body);
    store__column_copy(st, 7, m->status, sizeof m->status);
    m->attempts = db_column_int(st, 8);
    m->due_ms = db_column_i64(st, 9);
    m->created_ms = db_column_i64(st, 10);
    m->sent_ms = db_column_i64(st, 11);
    store__column_copy(st, 12, m->last_error, sizeof m->last_error);
    m->event_seq = db_column_i64(st, 13);
    store__column_copy(st, 14, m->dedupe, sizeof m->dedupe);
}

lm_status store_nt_message_add(store_tx *tx, const store_nt_message *m, int64_t *id,
                               lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT OR IGNORE INTO notify_messages(order_id, kind, channel, "
                              "address, subject, body, status, attempts, due_ms, created_ms, "
                              "sent_ms, last_error, event_seq, dedupe) "
                              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    int i = 1;
    BIND(db_bind_i64(st, i++, m->order_id));
    BIND(db_bind_text(st, i++, m->kind));
    BIND(db_bind_text(st, i++, m->channel));
    BIND(db_bind_text(st, i++, m->address));
    BIND(db_bind_text(st, i++, m->subject));
    BIND(db_bind_text(st, i++, m->body));
    BIND(db_bind_text(st, i++, m->status));
    BIND(db_bind_i64(st, i++, m->attempts));
    BIND(db_bind_i64(st, i++, m->due_ms));
    BIND(db_bind_i64(st, i++, m->created_ms));
    BIND(db_bind_i64(st, i++, m->sent_ms));
    BIND(db_bind_text(st, i++, m->last_error));
    BIND(db_bind_i64(st, i++, m->event_seq));
    BIND(db_bind_text(st, i++, m->dedupe));
    BIND(store__step_done(st, err));
    *id = db_changes(db) > 0 ? db_last_insert_id(db) : 0;
fail:
    db_finish(st);
    return rc;
}

lm_status store_nt_message_update(store_tx *tx, const store_nt_message *m, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "UPDATE notify_messages SET status = ?, attempts = ?, "
                              "due_ms = ?, sent_ms = ?, last_error = ? WHERE id = ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, m->status));
    BIND(db_bind_i64(st, 2, m->attempts));
    BIND(db_bind_i64(st, 3, m->due_ms));
    BIND(db_bind_i64(st, 4, m->sent_ms));
    BIND(db_bind_text(st, 5, m->last_error));
    BIND(db_bind_i64(st, 6, m->id));
    BIND(store__step_done(st, err));
    if (db_changes(db) == 0) rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "no such message");
fail:
    db_finish(st);
    return rc;
}

lm_status store_nt_message_get(store_read *r, int64_t id, store_nt_message *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT " MSG_COLS " FROM notify_messages WHERE id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, id));
    BIND(store__step_row(db, st, "message", err));
    memset(out, 0, sizeof *out);
    message_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_nt_message_due(store_read *r, int64_t now_ms, size_t max, int64_t **out, size_t *n,
                               lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT id FROM notify_messages WHERE status IN "
                              "('queued','deferred','retrying') AND due_ms <= ? "
                              "ORDER BY due_ms, id LIMIT ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, now_ms));
    BIND(db_bind_i64(st, 2, (int64_t)max));
    rc = store__collect(db, st, sizeof **out, store__id_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_nt_message_list(store_read *r, const store_nt_filter *f, store_nt_message **out,
                                size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT " MSG_COLS " FROM notify_messages WHERE id > ? "
                              "AND (? = 0 OR order_id = ?) AND (? IS NULL OR status = ?) "
                              "AND (? IS NULL OR channel = ?) AND (? IS NULL OR kind = ?) "
                              "ORDER BY id LIMIT ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    size_t limit = f->limit == 0 || f->limit > 1000 ? 1000 : f->limit;
    BIND(db_bind_i64(st, 1, f->after_id));
    BIND(db_bind_i64(st, 2, f->order_id));
    BIND(db_bind_i64(st, 3, f->order_id));
    BIND(db_bind_text(st, 4, f->status));
    BIND(db_bind_text(st, 5, f->status));
    BIND(db_bind_text(st, 6, f->channel));
    BIND(db_bind_text(st, 7, f->channel));
    BIND(db_bind_text(st, 8, f->kind));
    BIND(db_bind_text(st, 9, f->kind));
    BIND(db_bind_i64(st, 10, (int64_t)limit));
    rc = store__collect(db, st, sizeof **out, message_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}
