/* store/recovery.c: the SQL behind failed-delivery recovery (policy rows, each order's attempts
 * and recovery state), rescheduled windows and the customer's delivery instructions. See
 * store/store_recovery.h. */
#include "store/internal.h"
#include "store/store_recovery.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define BIND(expr)                                                                                 \
    do {                                                                                           \
        if ((rc = (expr)) != LM_OK) goto fail;                                                     \
    } while (0)

const char store__recovery_schema_v170[] =
    "CREATE TABLE recovery_policy ("
    "  reason TEXT PRIMARY KEY,"
    "  action TEXT NOT NULL CHECK (action IN ('reschedule','return_to_stock','case')),"
    "  reschedule TEXT NOT NULL CHECK (reschedule IN ('','next_day','customer')),"
    "  max_attempts INTEGER NOT NULL CHECK (max_attempts BETWEEN 1 AND 10)) WITHOUT ROWID;"
    "CREATE TABLE recovery_policy_meta ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL, actor TEXT NOT NULL);"
    "CREATE TABLE order_recovery ("
    "  order_id INTEGER PRIMARY KEY REFERENCES orders(id),"
    "  attempts INTEGER NOT NULL CHECK (attempts >= 0), last_reason TEXT NOT NULL,"
    "  action TEXT NOT NULL, mode TEXT NOT NULL, state TEXT NOT NULL,"
    "  next_start_s INTEGER NOT NULL, next_end_s INTEGER NOT NULL,"
    "  checked_in_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE order_instructions ("
    "  order_id INTEGER PRIMARY KEY REFERENCES orders(id),"
    "  instructions TEXT NOT NULL, safe_place TEXT NOT NULL, updated_ms INTEGER NOT NULL);";

/* ---- Policy ---- */

static void rule_row(db_stmt *st, void *elem) {
    store_recovery_rule *r = elem;
    store__column_copy(st, 0, r->reason, sizeof r->reason);
    store__column_copy(st, 1, r->action, sizeof r->action);
    store__column_copy(st, 2, r->reschedule, sizeof r->reschedule);
    r->max_attempts = db_column_i64(st, 3);
}

lm_status store_recovery_policy_get(store_read *r, store_recovery_policy *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    store_recovery_policy p = {0};
    void *list = NULL;
    size_t n = 0;
    lm_status rc = db_prepare(
        db, "SELECT version, updated_ms, actor FROM recovery_policy_meta WHERE id = 1", &st, err);
    if (rc != LM_OK) goto fail;
    if ((rc = store__step_row(db, st, "recovery policy", err)) != LM_OK) goto fail;
    p.version = db_column_i64(st, 0);
    p.updated_ms = db_column_i64(st, 1);
    store__column_copy(st, 2, p.actor, sizeof p.actor);
    db_finish(st);
    st = NULL;
    rc = db_prepare(db,
                    "SELECT reason, action, reschedule, max_attempts FROM recovery_policy "
                    "ORDER BY reason",
                    &st, err);
    if (rc != LM_OK) goto fail;
    if ((rc = store__collect(db, st, sizeof(store_recovery_rule), rule_row, &list, &n, err)) !=
        LM_OK)
        goto fail;
    for (size_t i = 0; i < n && p.n_rules < STORE_RECOVERY_REASONS; i++)
        p.rules[p.n_rules++] = ((store_recovery_rule *)list)[i];
    *out = p;
fail:
    lm_free(list);
    db_finish(st);
    return rc;
}

lm_status store_recovery_policy_put(store_tx *tx, const store_recovery_policy *p, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_exec(db, "DELETE FROM recovery_policy", err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < p->n_rules; i++) {
        const store_recovery_rule *r = &p->rules[i];
        rc = db_prepare(db,
                        "INSERT INTO recovery_policy(reason, action, reschedule, "
                        "max_attempts) VALUES (?,?,?,?)",
                        &st, err);
        if (rc != LM_OK) goto fail;
        BIND(db_bind_text(st, 1, r->reason));
        BIND(db_bind_text(st, 2, r->action));
        BIND(db_bind_text(st, 3, r->reschedule));
        BIND(db_bind_i64(st, 4, r->max_attempts));
        if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
        db_finish(st);
        st = NULL;
    }
    rc = db_prepare(db,
                    "INSERT OR REPLACE INTO recovery_policy_meta(id, version, updated_ms, "
                    "actor) VALUES (1,?,?,?)",
                    &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_i64(st, 1, p->version));
    BIND(db_bind_i64(st, 2, p->updated_ms));
    BIND(db_bind_text(st, 3, p->actor));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

/* ---- Each order's recovery ---- */

lm_status store_order_recovery_get(store_read *r, int64_t order_id, store_order_recovery *out,
                                   lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT attempts, last_reason, action, mode, state, "
                              "next_start_s, next_end_s, checked_in_ms, updated_ms FROM "
                              "order_recovery WHERE order_id = ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, order_id));
    if ((rc = store__step_row(db, st, "order recovery", err)) != LM_OK) goto fail;
    store_order_recovery o = {.order_id = order_id};
    int i = 0;
    o.attempts = db_column_i64(st, i++);
    store__column_copy(st, i++, o.last_reason, sizeof o.last_reason);
    store__column_copy(st, i++, o.action, sizeof o.action);
    store__column_copy(st, i++, o.mode, sizeof o.mode);
    store__column_copy(st, i++, o.state, sizeof o.state);
    o.next_start_s = db_column_i64(st, i++);
    o.next_end_s = db_column_i64(st, i++);
    o.checked_in_ms = db_column_i64(st, i++);
    o.updated_ms = db_column_i64(st, i++);
    *out = o;
fail:
    db_finish(st);
    return rc;
}

lm_status store_order_recovery_put(store_tx *tx, const store_order_recovery *o, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "INSERT OR REPLACE INTO order_recovery(order_id, attempts, last_reason, action, mode, "
        "state, next_start_s, next_end_s, checked_in_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?)",
        &st, err);
    if (rc != LM_OK) return rc;
    int i = 1;
    BIND(db_bind_i64(st, i++, o->order_id));
    BIND(db_bind_i64(st, i++, o->attempts));
    BIND(db_bind_text(st, i++, o->last_reason));
    BIND(db_bind_text(st, i++, o->action));
    BIND(db_bind_text(st, i++, o->mode));
    BIND(db_bind_text(st, i++, o->state));
    BIND(db_bind_i64(st, i++, o->next_start_s));
    BIND(db_bind_i64(st, i++, o->next_end_s));
    BIND(db_bind_i64(st, i++, o->checked_in_ms));
    BIND(db_bind_i64(st, i++, o->updated_ms));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

/* The same "start:end;start:end" text store/orders.c writes at intake. */
lm_status store_order_windows_set(store_tx *tx, int64_t order_id, const store_window *w, size_t n,
                                  lm_errinfo *err) {
    char text[STORE_WINDOWS_MAX * 48];
    size_t used = 0;
    text[0] = '\0';
    if (n > STORE_WINDOWS_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "time_windows", "at most %d windows",
                              STORE_WINDOWS_MAX);
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(text + used, sizeof text - used, "%s%" PRId64 ":%" PRId64, i ? ";" : "",
                         w[i].start_s, w[i].end_s);
        if (k < 0 || (size_t)k >= sizeof text - used)
            return lm_errinfo_set(err, LM_TOO_BIG, "time_windows", "windows too long");
        used += (size_t)k;
    }
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "UPDATE orders SET windows = ? WHERE id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, text));
    BIND(db_bind_i64(st, 2, order_id));
    if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    if (db_changes(db) != 1)
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "order %" PRId64 " not found", order_id);
fail:
    db_finish(st);
    return rc;
}

/* ---- Delivery instructions ---- */

lm_status store_instructions_get(store_read *r, int64_t order_id, store_instructions *out,
                                 lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT instructions, safe_place, updated_ms FROM "
                              "order_instructions WHERE order_id = ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, order_id));
    if ((rc = store__step_row(db, st, "delivery instructions", err)) != LM_OK) goto fail;
    store_instructions in = {.order_id = order_id};
    store__column_copy(st, 0, in.instructions, sizeof in.instructions);
    store__column_copy(st, 1, in.safe_place, sizeof in.safe_place);
    in.updated_ms = db_column_i64(st, 2);
    *out = in;
fail:
    db_finish(st);
    return rc;
}

lm_status store_instructions_put(store_tx *tx, const store_instructions *in, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT OR REPLACE INTO order_instructions(order_id, "
                              "instructions, safe_place, updated_ms) VALUES (?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, in->order_id));
    BIND(db_bind_text(st, 2, in->instructions));
    BIND(db_bind_text(st, 3, in->safe_place));
    BIND(db_bind_i64(st, 4, in->updated_ms));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}
