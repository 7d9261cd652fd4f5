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
    sqlite3 *db = store__db(r);
    sqlite3_stmt *st = NULL;
    lm_status rc = store__prepare(
        db, "SELECT mode, max_parts, version, updated_ms, actor FROM split_policy WHERE id = 1",
        &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = store__step_row(db, st, "split policy", err)) == LM_OK) {
        store_split_policy p = {0};
        store__column_copy(st, 0, p.mode, sizeof p.mode);
        p.max_parts = sqlite3_column_int64(st, 1);
        p.version = sqlite3_column_int64(st, 2);
        p.updated_ms = sqlite3_column_int64(st, 3);
        store__column_copy(st, 4, p.actor, sizeof p.actor);
        *out = p;
    }
    store__finish(st);
    return rc;
}

lm_status store_split_policy_put(store_tx *tx, const store_split_policy *p, lm_errinfo *err) {
    sqlite3 *db = store__tx_db(tx);
    sqlite3_stmt *st = NULL;
    lm_status rc = store__prepare(db,
                                  "INSERT OR REPLACE INTO split_policy(id, mode, max_parts, "
                                  "version, updated_ms, actor) VALUES (1,?,?,?,?,?)",
                                  &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = store__bind_text(st, 1, p->mode)) == LM_OK &&
        (rc = store__bind_i64(st, 2, p->max_parts)) == LM_OK &&
        (rc = store__bind_i64(st, 3, p->version)) == LM_OK &&
        (rc = store__bind_i64(st, 4, p->updated_ms)) == LM_OK &&
        (rc = store__bind_text(st, 5, p->actor)) == LM_OK)
        rc = store__step_done(st, err);
    store__finish(st);
    return rc;
}

lm_status store_split_children(store_read *r, int64_t order_id, int64_t *out, size_t cap, size_t *n,
                               lm_errinfo *err) {
    sqlite3 *db = store__db(r);
    sqlite3_stmt *st = NULL;
    char lo[40], hi[40]; /* every ref starting "split:<id>:" sorts in [lo, hi) (';' follows ':') */
    snprintf(lo, sizeof lo, "split:%" PRId64 ":", order_id);
    snprintf(hi, sizeof hi, "split:%" PRId64 ";", order_id);
    lm_status rc = store__prepare(
        db, "SELECT id FROM orders WHERE external_ref >= ? AND external_ref < ? ORDER BY id", &st,
        err);
    if (rc != LM_OK) return rc;
    *n = 0;
    if ((rc = store__bind_text(st, 1, lo)) == LM_OK &&
        (rc = store__bind_text(st, 2, hi)) == LM_OK) {
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW)
            if (*n < cap) out[(*n)++] = sqlite3_column_int64(st, 0);
        if (s != SQLITE_DONE) rc = store__fail(db, s, err);
    }
    store__finish(st);
    return rc;
}
