/* store/split.c: the SQL behind split shipments: the policy row and the orders split off an
 * order. See store/store_split.h. */
#include "store/internal.h"
#include "store/store_split.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char store__split_schema_v171[] =
    "CREATE TABLE split_policy ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  mode TEXT NOT NULL CHECK (mode IN ('split','off')),"
    "  max_parts INTEGER NOT NULL CHECK (max_parts BETWEEN 2 AND 4),"
    "  version INTEGER NOT NULL, updated_ms INTEGER NOT NULL, actor TEXT NOT NULL);"
    /* the parts of a split order are found by their external_ref "split:<order>:<depot>" */
    "CREATE INDEX orders_by_ref ON orders(external_ref);";

lm_status store_split_policy_get(store_read *r, store_split_policy *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT mode, max_parts, version, updated_ms, actor FROM split_policy WHERE id = 1",
        &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = store__step_row(db, st, "split policy", err)) == LM_OK) {
        store_split_policy p = {0};
        store__column_copy(st, 0, p.mode, sizeof p.mode);
        p.max_parts = db_column_i64(st, 1);
        p.version = db_column_i64(st, 2);
        p.updated_ms = db_column_i64(st, 3);
        store__column_copy(st, 4, p.actor, sizeof p.actor);
        *out = p;
    }
    db_finish(st);
    return rc;
}

lm_status store_split_policy_put(store_tx *tx, const store_split_policy *p, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT OR REPLACE INTO split_policy(id, mode, max_parts, "
                              "version, updated_ms, actor) VALUES (1,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_text(st, 1, p->mode)) == LM_OK &&
        (rc = db_bind_i64(st, 2, p->max_parts)) == LM_OK &&
        (rc = db_bind_i64(st, 3, p->version)) == LM_OK &&
        (rc = db_bind_i64(st, 4, p->updated_ms)) == LM_OK &&
        (rc = db_bind_text(st, 5, p->actor)) == LM_OK)
        rc = store__step_done(st, err);
    db_finish(st);
    return rc;
}

lm_status store_split_children(store_read *r, int64_t order_id, int64_t *out, size_t cap, size_t *n,
                               lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    char lo[40], hi[40]; /* every ref starting "split:<id>:" sorts in [lo, hi) (';' follows ':') */
    snprintf(lo, sizeof lo, "split:%" PRId64 ":", order_id);
    snprintf(hi, sizeof hi, "split:%" PRId64 ";", order_id);
    lm_status rc = db_prepare(
        db, "SELECT id FROM orders WHERE external_ref >= ? AND external_ref < ? ORDER BY id", &st,
        err);
    if (rc != LM_OK) return rc;
    *n = 0;
    if ((rc = db_bind_text(st, 1, lo)) == LM_OK && (rc = db_bind_text(st, 2, hi)) == LM_OK) {
        int s;
        while ((s = db_step(st)) == DB_ROW)
            if (*n < cap) out[(*n)++] = db_column_i64(st, 0);
        if (s != DB_DONE) rc = db_fail(db, s, err);
    }
    db_finish(st);
    return rc;
}
