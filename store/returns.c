/* store/returns.c: the SQL behind returns/ (policy, RMAs, after-sales cases, reports) and the
 * product sales blocks orders/ intake reads. See store/store_returns.h. */
#include "store/internal.h"
#include "store/store_returns.h"

#include <string.h>

#define BIND(expr)                                                                                 \
    do {                                                                                           \
        if ((rc = (expr)) != LM_OK) goto fail;                                                     \
    } while (0)

const char store__returns_schema_v600[] =
    "CREATE TABLE return_config ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), default_window_days INTEGER NOT NULL,"
    "  reasons_mask INTEGER NOT NULL, auto_approve_mask INTEGER NOT NULL,"
    "  auto_approve_max_value INTEGER NOT NULL, payer TEXT NOT NULL, offer_pickup INTEGER NOT NULL,"
    "  offer_dropoff INTEGER NOT NULL, refund_rule TEXT NOT NULL,"
    "  return_shipping_fee INTEGER NOT NULL, quality_threshold INTEGER NOT NULL,"
    "  quality_window_days INTEGER NOT NULL, wrong_item TEXT NOT NULL, damaged TEXT NOT NULL);"
    "CREATE TABLE return_windows ("
    "  kind TEXT NOT NULL CHECK (kind IN ('channel','product')), key TEXT NOT NULL,"
    "  days INTEGER NOT NULL CHECK (days >= 0), PRIMARY KEY (kind, key)) WITHOUT ROWID;"
    "CREATE TABLE rmas ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL REFERENCES orders(id),"
    "  status TEXT NOT NULL, reason TEXT NOT NULL, channel TEXT NOT NULL, depot_id TEXT NOT NULL,"
    "  method TEXT NOT NULL, actor TEXT NOT NULL, note TEXT NOT NULL, value INTEGER NOT NULL,"
    "  refund_amount INTEGER NOT NULL, refund_method TEXT NOT NULL, case_id INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, refunded_ms INTEGER NOT NULL,"
    "  closed_ms INTEGER NOT NULL, pickup_start_s INTEGER NOT NULL, pickup_end_s INTEGER NOT NULL);"
    "CREATE INDEX rmas_by_order ON rmas(order_id);"
    "CREATE INDEX rmas_by_status ON rmas(status, id);"
    "CREATE TABLE rma_lines ("
    "  rma_id INTEGER NOT NULL REFERENCES rmas(id), line_no INTEGER NOT NULL,"
    "  sku TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty > 0), condition TEXT NOT NULL,"
    "  disposition TEXT NOT NULL, note TEXT NOT NULL, inspected_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (rma_id, line_no)) WITHOUT ROWID;"
    "CREATE INDEX rma_lines_quality ON rma_lines(sku, condition, inspected_ms);"
    "CREATE TABLE sales_blocks ("
    "  sku TEXT PRIMARY KEY, reason TEXT NOT NULL, blocked_ms INTEGER NOT NULL,"
    "  cleared_ms INTEGER NOT NULL DEFAULT 0, cleared_by TEXT NOT NULL DEFAULT '') WITHOUT ROWID;"
    "CREATE TABLE after_sales_cases ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL REFERENCES orders(id),"
    "  kind TEXT NOT NULL, resolution TEXT NOT NULL, status TEXT NOT NULL,"
    "  reship_order_id INTEGER NOT NULL, rma_id INTEGER NOT NULL, actor TEXT NOT NULL,"
    "  note TEXT NOT NULL, created_ms INTEGER NOT NULL, resolved_ms INTEGER NOT NULL);"
    "CREATE INDEX cases_by_order ON after_sales_cases(order_id);"
    "CREATE TABLE after_sales_case_lines ("
    "  case_id INTEGER NOT NULL REFERENCES after_sales_cases(id), right_item INTEGER NOT NULL,"
    "  line_no INTEGER NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty > 0),"
    "  PRIMARY KEY (case_id, right_item, line_no)) WITHOUT ROWID;";

/* A return pickup is routing work: its stops (the pickup at the customer and the drop at the
 * depot) name the RMA, so the driver's "collected" moves it and tracking shows its ETA. */
const char store__returns_schema_v610[] =
    "ALTER TABLE stops ADD COLUMN return_id INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX stops_by_return ON stops(return_id) WHERE return_id <> 0;";

/* ---- Policy ---- */

static void window_row(db_stmt *st, void *elem) {
    store_return_window *w = elem;
    store__column_copy(st, 0, w->kind, sizeof w->kind);
    store__column_copy(st, 1, w->key, sizeof w->key);
    w->days = db_column_i64(st, 2);
}

lm_status store_return_config_get(store_read *r, store_return_config *cfg,
                                  store_return_window **windows, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    store_return_config c = {0};
    lm_status rc = db_prepare(
        db,
        "SELECT default_window_days, reasons_mask, auto_approve_mask, auto_approve_max_value, "
        "payer, offer_pickup, offer_dropoff, refund_rule, return_shipping_fee, quality_threshold, "
        "quality_window_days, wrong_item, damaged FROM return_config WHERE id = 1",
        &st, err);
    if (rc != LM_OK) goto fail;
    if ((rc = store__step_row(db, st, "return policy", err)) != LM_OK) goto fail;
    int i = 0;
    c.default_window_days = db_column_i64(st, i++);
    c.reasons_mask = (uint32_t)db_column_i64(st, i++);
    c.auto_approve_mask = (uint32_t)db_column_i64(st, i++);
    c.auto_approve_max_value = db_column_i64(st, i++);
    store__column_copy(st, i++, c.payer, sizeof c.payer);
    c.offer_pickup = db_column_int(st, i++) != 0;
    c.offer_dropoff = db_column_int(st, i++) != 0;
    store__column_copy(st, i++, c.refund_rule, sizeof c.refund_rule);
    c.return_shipping_fee = db_column_i64(st, i++);
    c.quality_threshold = db_column_i64(st, i++);
    c.quality_window_days = db_column_i64(st, i++);
    store__column_copy(st, i++, c.wrong_item, sizeof c.wrong_item);
    store__column_copy(st, i++, c.damaged, sizeof c.damaged);
    db_finish(st);
    st = NULL;
    rc = db_prepare(db, "SELECT kind, key, days FROM return_windows ORDER BY kind, key", &st, err);
    if (rc != LM_OK) goto fail;
    void *list = NULL;
    size_t k = 0;
    if ((rc = store__collect(db, st, sizeof(store_return_window), window_row, &list, &k, err)) !=
        LM_OK)
        goto fail;
    *cfg = c;
    *windows = list;
    *n = k;
fail:
    db_finish(st);
    return rc;
}

lm_status store_return_config_put(store_tx *tx, const store_return_config *c,
                                  const store_return_window *windows, size_t n, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "INSERT OR REPLACE INTO return_config(id, default_window_days, reasons_mask, "
        "auto_approve_mask, auto_approve_max_value, payer, offer_pickup, offer_dropoff, "
        "refund_rule, return_shipping_fee, quality_threshold, quality_window_days, wrong_item, "
        "damaged) VALUES (1,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        &st, err);
    if (rc != LM_OK) goto fail;
    int i = 1;
    BIND(db_bind_i64(st, i++, c->default_window_days));
    BIND(db_bind_i64(st, i++, c->reasons_mask));
    BIND(db_bind_i64(st, i++, c->auto_approve_mask));
    BIND(db_bind_i64(st, i++, c->auto_approve_max_value));
    BIND(db_bind_text(st, i++, c->payer));
    BIND(db_bind_i64(st, i++, c->offer_pickup));
    BIND(db_bind_i64(st, i++, c->offer_dropoff));
    BIND(db_bind_text(st, i++, c->refund_rule));
    BIND(db_bind_i64(st, i++, c->return_shipping_fee));
    BIND(db_bind_i64(st, i++, c->quality_threshold));
    BIND(db_bind_i64(st, i++, c->quality_window_days));
    BIND(db_bind_text(st, i++, c->wrong_item));
    BIND(db_bind_text(st, i++, c->damaged));
    if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    db_finish(st);
    st = NULL;
    if ((rc = db_run(db, "DELETE FROM return_windows", err)) != LM_OK) goto fail;
    for (size_t k = 0; k < n; k++) {
        rc = db_prepare(db, "INSERT INTO return_windows(kind, key, days) VALUES (?,?,?)", &st, err);
        if (rc != LM_OK) goto fail;
        BIND(db_bind_text(st, 1, windows[k].kind));
        BIND(db_bind_text(st, 2, windows[k].key));
        BIND(db_bind_i64(st, 3, windows[k].days));
        if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
        db_finish(st);
        st = NULL;
    }
fail:
    db_finish(st);
    return rc;
}

/* ---- RMAs ---- */

#define RMA_COLS                                                                                   \
    "id, order_id, status, reason, channel, depot_id, method, actor, note, value, "                \
    "refund_amount, refund_method, case_id, created_ms, updated_ms, refunded_ms, closed_ms, "      \
    "pickup_start_s, pickup_end_s"

static void rma_row(db_stmt *st, store_rma *m) {
    int i = 0;
    m->id = db_column_i64(st, i++);
    m->order_id = db_column_i64(st, i++);
    store__column_copy(st, i++, m->status, sizeof m->status);
    store__column_copy(st, i++, m->reason, sizeof m->reason);
    store__column_copy(st, i++, m->channel, sizeof m->channel);
    store__column_copy(st, i++, m->depot_id, sizeof m->depot_id);
    store__column_copy(st, i++, m->method, sizeof m->method);
    store__column_copy(st, i++, m->actor, sizeof m->actor);
    store__column_copy(st, i++, m->note, sizeof m->note);
    m->value = db_column_i64(st, i++);
    m->refund_amount = db_column_i64(st, i++);
    store__column_copy(st, i++, m->refund_method, sizeof m->refund_method);
    m->case_id = db_column_i64(st, i++);
    m->created_ms = db_column_i64(st, i++);
    m->updated_ms = db_column_i64(st, i++);
    m->refunded_ms = db_column_i64(st, i++);
    m->closed_ms = db_column_i64(st, i++);
    m->pickup_window.start_s = db_column_i64(st, i++);
    m->pickup_window.end_s = db_column_i64(st, i++);
}

/* Binds status .. closed_ms (the mutable fields) from index at on. */
static lm_status rma_bind_mutable(db_stmt *st, int at, const store_rma *m) {
    lm_status rc = LM_OK;
    BIND(db_bind_text(st, at++, m->status));
    BIND(db_bind_text(st, at++, m->depot_id));
    BIND(db_bind_text(st, at++, m->method));
    BIND(db_bind_text(st, at++, m->note));
    BIND(db_bind_i64(st, at++, m->refund_amount));
    BIND(db_bind_text(st, at++, m->refund_method));
    BIND(db_bind_i64(st, at++, m->updated_ms));
    BIND(db_bind_i64(st, at++, m->refunded_ms));
    BIND(db_bind_i64(st, at++, m->closed_ms));
fail:
    return rc;
}

static lm_status rma_line_put(db_conn *db, int64_t rma_id, const store_rma_line *l, bool insert,
                              lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        insert ? "INSERT INTO rma_lines(condition, disposition, note, inspected_ms, rma_id, "
                 "line_no, sku, qty) VALUES (?,?,?,?,?,?,?,?)"
               : "UPDATE rma_lines SET condition = ?, disposition = ?, note = ?, inspected_ms = ? "
                 "WHERE rma_id = ? AND line_no = ?",
        &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_text(st, 1, l->condition));
    BIND(db_bind_text(st, 2, l->disposition));
    BIND(db_bind_text(st, 3, l->note));
    BIND(db_bind_i64(st, 4, l->inspected_ms));
    BIND(db_bind_i64(st, 5, rma_id));
    BIND(db_bind_i64(st, 6, l->line_no));
    if (insert) {
        BIND(db_bind_text(st, 7, l->sku));
        BIND(db_bind_i64(st, 8, l->qty));
    }
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_rma_insert(store_tx *tx, const store_rma *m, int64_t *id_out, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "INSERT INTO rmas(status, depot_id, method, note, refund_amount, refund_method, "
        "updated_ms, refunded_ms, closed_ms, order_id, reason, channel, actor, value, case_id, "
        "created_ms, pickup_start_s, pickup_end_s) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        &st, err);
    if (rc != LM_OK) goto fail;
    BIND(rma_bind_mutable(st, 1, m));
    BIND(db_bind_i64(st, 10, m->order_id));
    BIND(db_bind_text(st, 11, m->reason));
    BIND(db_bind_text(st, 12, m->channel));
    BIND(db_bind_text(st, 13, m->actor));
    BIND(db_bind_i64(st, 14, m->value));
    BIND(db_bind_i64(st, 15, m->case_id));
    BIND(db_bind_i64(st, 16, m->created_ms));
    BIND(db_bind_i64(st, 17, m->pickup_window.start_s));
    BIND(db_bind_i64(st, 18, m->pickup_window.end_s));
    if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    int64_t id = db_last_insert_id(db);
    for (size_t i = 0; i < m->n_lines; i++)
        if ((rc = rma_line_put(db, id, &m->lines[i], true, err)) != LM_OK) goto fail;
    *id_out = id;
fail:
    db_finish(st);
    return rc;
}

lm_status store_rma_get(store_read *r, int64_t id, store_rma *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    store_rma *m = lm_calloc(1, sizeof *m);
    if (!m) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lm_status rc = db_prepare(db, "SELECT " RMA_COLS " FROM rmas WHERE id = ?", &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_i64(st, 1, id));
    if ((rc = store__step_row(db, st, "return", err)) != LM_OK) goto fail;
    rma_row(st, m);
    db_finish(st);
    st = NULL;
    rc = db_prepare(db,
                    "SELECT line_no, sku, qty, condition, disposition, note, inspected_ms "
                    "FROM rma_lines WHERE rma_id = ? ORDER BY line_no",
                    &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_i64(st, 1, id));
    int s;
    while ((s = db_step(st)) == DB_ROW && m->n_lines < STORE_RMA_LINES_MAX) {
        store_rma_line *l = &m->lines[m->n_lines++];
        l->line_no = db_column_i64(st, 0);
        store__column_copy(st, 1, l->sku, sizeof l->sku);
        l->qty = db_column_i64(st, 2);
        store__column_copy(st, 3, l->condition, sizeof l->condition);
        store__column_copy(st, 4, l->disposition, sizeof l->disposition);
        store__column_copy(st, 5, l->note, sizeof l->note);
        l->inspected_ms = db_column_i64(st, 6);
    }
    if (s != DB_ROW && s != DB_DONE) {
        rc = db_fail(db, s, err);
        goto fail;
    }
    *out = *m;
fail:
    db_finish(st);
    lm_free(m);
    return rc;
}

lm_status store_rma_update(store_tx *tx, const store_rma *m, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "UPDATE rmas SET status = ?, depot_id = ?, method = ?, note = ?, "
                              "refund_amount = ?, refund_method = ?, updated_ms = ?, "
                              "refunded_ms = ?, closed_ms = ? WHERE id = ?",
                              &st, err);
    if (rc != LM_OK) goto fail;
    BIND(rma_bind_mutable(st, 1, m));
    BIND(db_bind_i64(st, 10, m->id));
    if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    if (db_changes(db) != 1) {
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "return not found");
        goto fail;
    }
    for (size_t i = 0; i < m->n_lines; i++)
        if ((rc = rma_line_put(db, m->id, &m->lines[i], false, err)) != LM_OK) goto fail;
fail:
    db_finish(st);
    return rc;
}

/* Runs a one-integer SELECT whose parameters are (text a, int64 b); NULL a binds nothing. */
static lm_status one_int(db_conn *db, const char *sql, const char *a, int64_t b, int64_t *out,
                         lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_text(st, 1, a));
    BIND(db_bind_i64(st, 2, b));
    if ((rc = store__step_row(db, st, "count", err)) != LM_OK) goto fail;
    *out = db_column_i64(st, 0);
fail:
    db_finish(st);
    return rc;
}

lm_status store_rma_returned_qty(store_read *r, int64_t order_id, const char *sku, int64_t *out,
                                 lm_errinfo *err) {
    return one_int(store__db(r),
                   "SELECT COALESCE(SUM(l.qty), 0) FROM rma_lines l JOIN rmas m ON m.id = l.rma_id "
                   "WHERE l.sku = ? AND m.order_id = ? AND m.status <> 'refused'",
                   sku, order_id, out, err);
}

lm_status store_rma_defective_count(store_read *r, const char *sku, int64_t since_ms, int64_t *out,
                                    lm_errinfo *err) {
    return one_int(store__db(r),
                   "SELECT COALESCE(SUM(qty), 0) FROM rma_lines WHERE sku = ? AND "
                   "condition = 'defective' AND inspected_ms >= ?",
                   sku, since_ms, out, err);
}

/* Ids from one of the two filtered id queries (status ?1, order ?2, after ?3, limit ?4). */
static lm_status ids_query(store_read *r, const char *sql, const char *status, int64_t order_id,
                           int64_t after_id, size_t limit, int64_t **out, size_t *n,
                           lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_text(st, 1, status ? status : ""));
    BIND(db_bind_i64(st, 2, order_id));
    BIND(db_bind_i64(st, 3, after_id));
    BIND(db_bind_i64(st, 4, limit > 1000 || !limit ? 1000 : (int64_t)limit));
    void *list = NULL;
    size_t k = 0;
    if ((rc = store__collect(db, st, sizeof(int64_t), store__id_row, &list, &k, err)) != LM_OK)
        goto fail;
    *out = list;
    *n = k;
fail:
    db_finish(st);
    return rc;
}

lm_status store_rma_ids(store_read *r, const char *status, int64_t **out, size_t *n,
                        lm_errinfo *err) {
    return store_rma_find(r, status, 0, 0, 1000, out, n, err);
}

lm_status store_rma_find(store_read *r, const char *status, int64_t order_id, int64_t after_id,
                         size_t limit, int64_t **out, size_t *n, lm_errinfo *err) {
    return ids_query(
        r,
        "SELECT id FROM rmas WHERE (?1 = '' OR status = ?1) AND (?2 = 0 OR order_id = ?2) "
        "AND id > ?3 ORDER BY id LIMIT ?4",
        status, order_id, after_id, limit, out, n, err);
}

/* ---- Sales blocks ---- */

lm_status store_sales_block_get(store_read *r, const char *sku, bool *blocked, char *reason,
                                size_t cap, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT reason FROM sales_blocks WHERE sku = ? AND cleared_ms = 0", &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_text(st, 1, sku));
    rc = store__step_row(db, st, "sales block", err);
    if (rc == LM_NOT_FOUND) {
        *blocked = false;
        rc = LM_OK;
    } else if (rc == LM_OK) {
        *blocked = true;
        if (reason && cap) store__column_copy(st, 0, reason, cap);
    }
fail:
    db_finish(st);
    return rc;
}

lm_status store_sales_block_set(store_tx *tx, const char *sku, const char *reason, int64_t now_ms,
                                lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT OR REPLACE INTO sales_blocks(sku, reason, blocked_ms) "
                              "VALUES (?,?,?)",
                              &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_text(st, 1, sku));
    BIND(db_bind_text(st, 2, reason));
    BIND(db_bind_i64(st, 3, now_ms));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_sales_block_clear(store_tx *tx, const char *sku, const char *actor, int64_t now_ms,
                                  lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "UPDATE sales_blocks SET cleared_ms = ?, cleared_by = ? "
                              "WHERE sku = ? AND cleared_ms = 0",
                              &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_i64(st, 1, now_ms > 0 ? now_ms : 1));
    BIND(db_bind_text(st, 2, actor));
    BIND(db_bind_text(st, 3, sku));
    if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    if (db_changes(db) != 1)
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "sku", "SKU '%s' is not blocked", sku);
fail:
    db_finish(st);
    return rc;
}

/* ---- After-sales cases ---- */

static lm_status case_lines_put(db_conn *db, int64_t id, int right, const store_line *l, size_t n,
                                lm_errinfo *err) {
    lm_status rc = LM_OK;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        db_stmt *st = NULL;
        rc = db_prepare(db,
                        "INSERT INTO after_sales_case_lines(case_id, right_item, line_no, sku, "
                        "qty) VALUES (?,?,?,?,?)",
                        &st, err);
        if (rc != LM_OK) goto fail;
        BIND(db_bind_i64(st, 1, id));
        BIND(db_bind_i64(st, 2, right));
        BIND(db_bind_i64(st, 3, (int64_t)i));
        BIND(db_bind_text(st, 4, l[i].sku));
        BIND(db_bind_i64(st, 5, l[i].qty));
        rc = store__step_done(st, err);
    fail:
        db_finish(st);
    }
    return rc;
}

lm_status store_case_insert(store_tx *tx, const store_case *c, int64_t *id_out, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "INSERT INTO after_sales_cases(order_id, kind, resolution, status, reship_order_id, "
        "rma_id, actor, note, created_ms, resolved_ms) VALUES (?,?,?,?,?,?,?,?,?,?)",
        &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_i64(st, 1, c->order_id));
    BIND(db_bind_text(st, 2, c->kind));
    BIND(db_bind_text(st, 3, c->resolution));
    BIND(db_bind_text(st, 4, c->status));
    BIND(db_bind_i64(st, 5, c->reship_order_id));
    BIND(db_bind_i64(st, 6, c->rma_id));
    BIND(db_bind_text(st, 7, c->actor));
    BIND(db_bind_text(st, 8, c->note));
    BIND(db_bind_i64(st, 9, c->created_ms));
    BIND(db_bind_i64(st, 10, c->resolved_ms));
    if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    int64_t id = db_last_insert_id(db);
    if ((rc = case_lines_put(db, id, 0, c->lines, c->n_lines, err)) != LM_OK) goto fail;
    if ((rc = case_lines_put(db, id, 1, c->right, c->n_right, err)) != LM_OK) goto fail;
    *id_out = id;
fail:
    db_finish(st);
    return rc;
}

lm_status store_case_get(store_read *r, int64_t id, store_case *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    store_case *c = lm_calloc(1, sizeof *c);
    if (!c) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lm_status rc = db_prepare(db,
                              "SELECT id, order_id, kind, resolution, status, reship_order_id, "
                              "rma_id, actor, note, created_ms, resolved_ms "
                              "FROM after_sales_cases WHERE id = ?",
                              &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_i64(st, 1, id));
    if ((rc = store__step_row(db, st, "case", err)) != LM_OK) goto fail;
    int i = 0;
    c->id = db_column_i64(st, i++);
    c->order_id = db_column_i64(st, i++);
    store__column_copy(st, i++, c->kind, sizeof c->kind);
    store__column_copy(st, i++, c->resolution, sizeof c->resolution);
    store__column_copy(st, i++, c->status, sizeof c->status);
    c->reship_order_id = db_column_i64(st, i++);
    c->rma_id = db_column_i64(st, i++);
    store__column_copy(st, i++, c->actor, sizeof c->actor);
    store__column_copy(st, i++, c->note, sizeof c->note);
    c->created_ms = db_column_i64(st, i++);
    c->resolved_ms = db_column_i64(st, i++);
    db_finish(st);
    st = NULL;
    rc = db_prepare(db,
                    "SELECT right_item, sku, qty FROM after_sales_case_lines WHERE case_id = ? "
                    "ORDER BY right_item, line_no",
                    &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_i64(st, 1, id));
    int s;
    while ((s = db_step(st)) == DB_ROW) {
        bool right = db_column_int(st, 0) != 0;
        size_t *n = right ? &c->n_right : &c->n_lines;
        store_line *l = right ? c->right : c->lines;
        if (*n >= STORE_RMA_LINES_MAX) continue;
        store__column_copy(st, 1, l[*n].sku, sizeof l[*n].sku);
        l[*n].qty = db_column_i64(st, 2);
        (*n)++;
    }
    if (s != DB_DONE) {
        rc = db_fail(db, s, err);
        goto fail;
    }
    *out = *c;
fail:
    db_finish(st);
    lm_free(c);
    return rc;
}

lm_status store_case_update(store_tx *tx, const store_case *c, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "UPDATE after_sales_cases SET resolution = ?, status = ?, "
                              "reship_order_id = ?, rma_id = ?, note = ?, resolved_ms = ? "
                              "WHERE id = ?",
                              &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_text(st, 1, c->resolution));
    BIND(db_bind_text(st, 2, c->status));
    BIND(db_bind_i64(st, 3, c->reship_order_id));
    BIND(db_bind_i64(st, 4, c->rma_id));
    BIND(db_bind_text(st, 5, c->note));
    BIND(db_bind_i64(st, 6, c->resolved_ms));
    BIND(db_bind_i64(st, 7, c->id));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_case_find(store_read *r, const char *status, int64_t order_id, int64_t after_id,
                          size_t limit, int64_t **out, size_t *n, lm_errinfo *err) {
    return ids_query(
        r,
        "SELECT id FROM after_sales_cases WHERE (?1 = '' OR status = ?1) AND (?2 = 0 OR "
        "order_id = ?2) AND id > ?3 ORDER BY id LIMIT ?4",
        status, order_id, after_id, limit, out, n, err);
}

/* ---- Reports ---- */

static void rate_row(db_stmt *st, void *elem) {
    store_return_rate *x = elem;
    store__column_copy(st, 0, x->key, sizeof x->key);
    x->returned = db_column_i64(st, 1);
    x->base = db_column_i64(st, 2);
}

/* One query per grouping: the returned side from rmas, the base from delivered orders. */
static const char *rate_sql(const char *by) {
    if (!strcmp(by, "product"))
        return "WITH r AS (SELECT l.sku k, SUM(l.qty) n FROM rma_lines l JOIN rmas m ON "
               "m.id = l.rma_id WHERE m.status <> 'refused' AND m.created_ms >= ?1 AND "
               "m.created_ms < ?2 GROUP BY l.sku), b AS (SELECT ol.sku k, SUM(ol.qty) n FROM "
               "order_lines ol JOIN orders o ON o.id = ol.order_id WHERE o.status = 'delivered' "
               "AND o.created_ms < ?2 GROUP BY ol.sku) SELECT r.k, r.n, COALESCE(b.n, 0) FROM r "
               "LEFT JOIN b ON b.k = r.k ORDER BY r.k";
    if (!strcmp(by, "reason"))
        return "SELECT reason, COUNT(*), (SELECT COUNT(*) FROM rmas WHERE status <> 'refused' "
               "AND created_ms >= ?1 AND created_ms < ?2) FROM rmas WHERE status <> 'refused' "
               "AND created_ms >= ?1 AND created_ms < ?2 GROUP BY reason ORDER BY reason";
    if (!strcmp(by, "channel"))
        return "SELECT m.channel, COUNT(*), (SELECT COUNT(*) FROM orders o WHERE o.channel = "
               "m.channel AND o.status = 'delivered' AND o.created_ms < ?2) FROM rmas m WHERE "
               "m.status <> 'refused' AND m.created_ms >= ?1 AND m.created_ms < ?2 "
               "GROUP BY m.channel ORDER BY m.channel";
    if (!strcmp(by, "depot"))
        return "SELECT m.depot_id, COUNT(*), (SELECT COUNT(*) FROM orders o WHERE o.depot_id = "
               "m.depot_id AND o.status = 'delivered' AND o.created_ms < ?2) FROM rmas m WHERE "
               "m.status <> 'refused' AND m.created_ms >= ?1 AND m.created_ms < ?2 "
               "GROUP BY m.depot_id ORDER BY m.depot_id";
    return NULL;
}

lm_status store_return_rates(store_read *r, const char *by, int64_t from_ms, int64_t to_ms,
                             store_return_rate **out, size_t *n, lm_errinfo *err) {
    const char *sql = by ? rate_sql(by) : NULL;
    if (!sql)
        return lm_errinfo_set(err, LM_INVALID, "by", "must be product, reason, channel or depot");
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_i64(st, 1, from_ms));
    BIND(db_bind_i64(st, 2, to_ms));
    void *list = NULL;
    size_t k = 0;
    if ((rc = store__collect(db, st, sizeof(store_return_rate), rate_row, &list, &k, err)) != LM_OK)
        goto fail;
    *out = list;
    *n = k;
fail:
    db_finish(st);
    return rc;
}

lm_status store_return_refund_times(store_read *r, int64_t from_ms, int64_t to_ms, int64_t *count,
                                    int64_t *mean_ms, int64_t *max_ms, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT COUNT(*), COALESCE(SUM(refunded_ms - created_ms), 0), "
                              "COALESCE(MAX(refunded_ms - created_ms), 0) FROM rmas WHERE "
                              "refunded_ms > 0 AND created_ms >= ? AND created_ms < ?",
                              &st, err);
    if (rc != LM_OK) goto fail;
    BIND(db_bind_i64(st, 1, from_ms));
    BIND(db_bind_i64(st, 2, to_ms));
    if ((rc = store__step_row(db, st, "refund times", err)) != LM_OK) goto fail;
    int64_t c = db_column_i64(st, 0), sum = db_column_i64(st, 1);
    *count = c;
    *mean_ms = c ? sum / c : 0;
    *max_ms = db_column_i64(st, 2);
fail:
    db_finish(st);
    return rc;
}
