/* store/pd.c: the SQL behind pickup-and-delivery orders' collection end (store/store_pd.h). */
#include "store/internal.h"
#include "store/store_pd.h"

#include <string.h>

const char store__pd_schema_v180[] =
    "CREATE TABLE order_pickups ("
    "  order_id INTEGER PRIMARY KEY REFERENCES orders(id),"
    "  address TEXT NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL,"
    "  window_start_s INTEGER NOT NULL,"
    "  window_end_s INTEGER NOT NULL CHECK (window_end_s > window_start_s),"
    "  contact_name TEXT NOT NULL, contact_phone TEXT NOT NULL, notes TEXT NOT NULL,"
    "  collected_ms INTEGER NOT NULL DEFAULT 0);";

lm_status store_pickup_put(store_tx *tx, const store_pickup *p, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO order_pickups(order_id, address, lon, lat, "
                              "window_start_s, window_end_s, contact_name, contact_phone, "
                              "notes, collected_ms) VALUES (?,?,?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, p->order_id)) == LM_OK &&
        (rc = db_bind_text(st, 2, p->address)) == LM_OK &&
        (rc = db_bind_double(st, 3, p->lon)) == LM_OK &&
        (rc = db_bind_double(st, 4, p->lat)) == LM_OK &&
        (rc = db_bind_i64(st, 5, p->window_start_s)) == LM_OK &&
        (rc = db_bind_i64(st, 6, p->window_end_s)) == LM_OK &&
        (rc = db_bind_text(st, 7, p->contact_name)) == LM_OK &&
        (rc = db_bind_text(st, 8, p->contact_phone)) == LM_OK &&
        (rc = db_bind_text(st, 9, p->notes)) == LM_OK &&
        (rc = db_bind_i64(st, 10, p->collected_ms)) == LM_OK)
        rc = store__step_done(st, err);
    db_finish(st);
    return rc;
}

lm_status store_pickup_get(store_read *r, int64_t order_id, store_pickup *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT address, lon, lat, window_start_s, window_end_s, "
                              "contact_name, contact_phone, notes, collected_ms "
                              "FROM order_pickups WHERE order_id = ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, order_id)) == LM_OK &&
        (rc = store__step_row(db, st, "order pickup", err)) == LM_OK) {
        store_pickup p;
        memset(&p, 0, sizeof p);
        p.order_id = order_id;
        store__column_copy(st, 0, p.address, sizeof p.address);
        p.lon = db_column_double(st, 1);
        p.lat = db_column_double(st, 2);
        p.window_start_s = db_column_i64(st, 3);
        p.window_end_s = db_column_i64(st, 4);
        store__column_copy(st, 5, p.contact_name, sizeof p.contact_name);
        store__column_copy(st, 6, p.contact_phone, sizeof p.contact_phone);
        store__column_copy(st, 7, p.notes, sizeof p.notes);
        p.collected_ms = db_column_i64(st, 8);
        *out = p;
    }
    db_finish(st);
    return rc;
}

lm_status store_pickup_collected(store_tx *tx, int64_t order_id, int64_t t_ms, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "UPDATE order_pickups SET collected_ms = ? WHERE order_id = ?", &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, t_ms)) == LM_OK && (rc = db_bind_i64(st, 2, order_id)) == LM_OK)
        rc = store__step_done(st, err);
    db_finish(st);
    return rc;
}
