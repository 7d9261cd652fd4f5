/* store/roads.c: what real roads add to plans: how each plan's travel times were found (router,
 * estimated cells; columns on plans) and the road geometry of committed routes. */
#include "store/internal.h"
#include "store/store_dispatch.h"

#include <string.h>

/* Migration 210: registered in store/migrations.c. Older plans keep "" (before routers). */
const char store__roads_schema_v210[] =
    "ALTER TABLE plans ADD COLUMN router TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE plans ADD COLUMN matrix_cells INTEGER NOT NULL DEFAULT 0"
    "  CHECK (matrix_cells >= 0);"
    "ALTER TABLE plans ADD COLUMN cells_estimated INTEGER NOT NULL DEFAULT 0"
    "  CHECK (cells_estimated >= 0);"
    "CREATE TABLE route_geometry ("
    "  plan_id INTEGER NOT NULL REFERENCES plans(id), vehicle_id TEXT NOT NULL,"
    "  polyline TEXT NOT NULL, estimated INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (plan_id, vehicle_id)) WITHOUT ROWID;";

lm_status store_route_geometry_put(store_tx *tx, int64_t plan_id, const char *vehicle_id,
                                   const char *polyline, bool estimated, int64_t now_ms,
                                   lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT OR REPLACE INTO route_geometry(plan_id, vehicle_id, "
                              "polyline, estimated, updated_ms) VALUES (?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, plan_id)) != LM_OK ||
        (rc = db_bind_text(st, 2, vehicle_id)) != LM_OK ||
        (rc = db_bind_text(st, 3, polyline)) != LM_OK ||
        (rc = db_bind_i64(st, 4, estimated ? 1 : 0)) != LM_OK ||
        (rc = db_bind_i64(st, 5, now_ms)) != LM_OK)
        goto fail;
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_route_geometry_get(store_read *r, int64_t plan_id, const char *vehicle_id,
                                   char **polyline, bool *estimated, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT polyline, estimated FROM route_geometry "
                              "WHERE plan_id = ? AND vehicle_id = ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, plan_id)) != LM_OK ||
        (rc = db_bind_text(st, 2, vehicle_id)) != LM_OK ||
        (rc = store__step_row(db, st, "route geometry", err)) != LM_OK)
        goto fail;
    char *text = NULL;
    if ((rc = store__column_dup(st, 0, &text)) != LM_OK) goto fail;
    *polyline = text ? text : lm_strdup("");
    if (!*polyline) rc = LM_NOMEM;
    *estimated = db_column_int(st, 1) != 0;
fail:
    db_finish(st);
    return rc;
}

static void ref_row(db_stmt *st, void *elem) {
    store_route_ref *x = elem;
    x->plan_id = db_column_i64(st, 0);
    store__column_copy(st, 1, x->vehicle_id, sizeof x->vehicle_id);
}

lm_status store_route_geometry_missing(store_read *r, int64_t since_ms, size_t limit,
                                       store_route_ref **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    /* status 2 = DISPATCH_PLAN_COMMITTED (plans and applied re-plans) */
    lm_status rc = db_prepare(
        db,
        "SELECT pr.plan_id, pr.vehicle_id FROM plan_routes pr JOIN plans p ON p.id = pr.plan_id"
        " WHERE p.status = 2 AND p.updated_ms >= ? AND NOT EXISTS (SELECT 1 FROM route_geometry"
        " g WHERE g.plan_id = pr.plan_id AND g.vehicle_id = pr.vehicle_id)"
        " ORDER BY pr.plan_id DESC, pr.vehicle_id LIMIT ?",
        &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, since_ms)) != LM_OK ||
        (rc = db_bind_i64(st, 2, (int64_t)limit)) != LM_OK)
        goto fail;
    rc = store__collect(db, st, sizeof **out, ref_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}
