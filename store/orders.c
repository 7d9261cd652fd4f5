/* store/orders.c: the SQL behind depots, products, stock, orders, idempotency keys, the exception
 * queue and the intake configuration (store/store_orders.h). Only this file knows the tables. */
#include "store/internal.h"
#include "store/store_orders.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Migration 100: registered in store/migrations.c. */
const char store__orders_schema_v100[] =
    "CREATE TABLE depots ("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL,"
    "  open_s INTEGER NOT NULL, close_s INTEGER NOT NULL);"
    "CREATE TABLE products ("
    "  sku TEXT PRIMARY KEY, name TEXT NOT NULL,"
    "  weight_g INTEGER NOT NULL CHECK (weight_g >= 0),"
    "  volume_cm3 INTEGER NOT NULL CHECK (volume_cm3 >= 0),"
    "  active INTEGER NOT NULL, substitute_sku TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE stock ("
    "  depot_id TEXT NOT NULL REFERENCES depots(id), sku TEXT NOT NULL REFERENCES products(sku),"
    "  on_hand INTEGER NOT NULL CHECK (on_hand >= 0),"
    "  reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),"
    "  reorder_point INTEGER NOT NULL DEFAULT 0 CHECK (reorder_point >= 0),"
    "  PRIMARY KEY (depot_id, sku)) WITHOUT ROWID;"
    "CREATE TABLE orders ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  external_ref TEXT NOT NULL, channel TEXT NOT NULL,"
    "  customer_name TEXT NOT NULL, customer_phone TEXT NOT NULL, customer_email TEXT NOT NULL,"
    "  customer_address TEXT NOT NULL, has_location INTEGER NOT NULL, lon REAL, lat REAL,"
    "  windows TEXT NOT NULL, priority INTEGER NOT NULL, notes TEXT NOT NULL,"
    "  oos_policy TEXT NOT NULL, status TEXT NOT NULL, stock_outcome TEXT NOT NULL,"
    "  depot_id TEXT NOT NULL, tracking_token TEXT NOT NULL UNIQUE,"
    "  customer_key TEXT NOT NULL, lines_sig TEXT NOT NULL,"
    "  weight_g INTEGER NOT NULL, volume_cm3 INTEGER NOT NULL,"
    "  pkg_weight_g INTEGER NOT NULL, pkg_volume_cm3 INTEGER NOT NULL,"
    "  pkg_parcels INTEGER NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX orders_by_status ON orders(status, id);"
    "CREATE INDEX orders_by_channel ON orders(channel, id);"
    "CREATE INDEX orders_by_created ON orders(created_ms);"
    "CREATE INDEX orders_dup ON orders(customer_key, lines_sig, created_ms);"
    "CREATE TABLE order_lines ("
    "  order_id INTEGER NOT NULL REFERENCES orders(id), line_no INTEGER NOT NULL,"
    "  sku TEXT NOT NULL, ordered_sku TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty > 0),"
    "  PRIMARY KEY (order_id, line_no)) WITHOUT ROWID;"
    "CREATE TABLE order_idempotency ("
    "  key TEXT PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),"
    "  created_ms INTEGER NOT NULL);"
    "CREATE TABLE order_exceptions ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL REFERENCES orders(id),"
    "  rule TEXT NOT NULL, field TEXT NOT NULL, message TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL, resolved_ms INTEGER NOT NULL DEFAULT 0,"
    "  resolution TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX order_exceptions_by_order ON order_exceptions(order_id);"
    "CREATE TABLE orders_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE channel_policies (channel TEXT PRIMARY KEY, oos_policy TEXT NOT NULL);"
    "CREATE TABLE customer_blacklist ("
    "  kind TEXT NOT NULL CHECK (kind IN ('phone','email','address')), value TEXT NOT NULL,"
    "  PRIMARY KEY (kind, value)) WITHOUT ROWID;";

#define BIND(expr)                                                                                 \
    do {                                                                                           \
        if ((rc = (expr)) != LM_OK) goto fail;                                                     \
    } while (0)

/* ---- Depots ---- */

lm_status store_depot_put(store_tx *tx, const store_depot *d, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO depots(id, name, lon, lat, open_s, close_s) "
                              "VALUES (?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                              "name=excluded.name, lon=excluded.lon, lat=excluded.lat, "
                              "open_s=excluded.open_s, close_s=excluded.close_s",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, d->id));
    BIND(db_bind_text(st, 2, d->name));
    BIND(db_bind_double(st, 3, d->lon));
    BIND(db_bind_double(st, 4, d->lat));
    BIND(db_bind_i64(st, 5, d->open_s));
    BIND(db_bind_i64(st, 6, d->close_s));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

static void depot_row(db_stmt *st, void *elem) {
    store_depot *d = elem;
    memset(d, 0, sizeof *d);
    store__column_copy(st, 0, d->id, sizeof d->id);
    store__column_copy(st, 1, d->name, sizeof d->name);
    d->lon = db_column_double(st, 2);
    d->lat = db_column_double(st, 3);
    d->open_s = db_column_int(st, 4);
    d->close_s = db_column_int(st, 5);
}

#define DEPOT_COLS "id, name, lon, lat, open_s, close_s"

lm_status store_depot_get(store_read *r, const char *id, store_depot *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT " DEPOT_COLS " FROM depots WHERE id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, id));
    if ((rc = store__step_row(db, st, "depot", err)) != LM_OK) goto fail;
    depot_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_depot_list(store_read *r, store_depot **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT " DEPOT_COLS " FROM depots ORDER BY id", &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, depot_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}

/* ---- Products ---- */

lm_status store_product_put(store_tx *tx, const store_product *p, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "INSERT INTO products(sku, name, weight_g, volume_cm3, active, substitute_sku) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT(sku) DO UPDATE SET name=excluded.name, "
        "weight_g=excluded.weight_g, volume_cm3=excluded.volume_cm3, active=excluded.active, "
        "substitute_sku=excluded.substitute_sku",
        &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, p->sku));
    BIND(db_bind_text(st, 2, p->name));
    BIND(db_bind_i64(st, 3, p->weight_g));
    BIND(db_bind_i64(st, 4, p->volume_cm3));
    BIND(db_bind_i64(st, 5, p->active ? 1 : 0));
    BIND(db_bind_text(st, 6, p->substitute_sku));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

#define PRODUCT_COLS "sku, name, weight_g, volume_cm3, active, substitute_sku"

static void product_row(db_stmt *st, void *elem) {
    store_product *p = elem;
    memset(p, 0, sizeof *p);
    store__column_copy(st, 0, p->sku, sizeof p->sku);
    store__column_copy(st, 1, p->name, sizeof p->name);
    p->weight_g = db_column_i64(st, 2);
    p->volume_cm3 = db_column_i64(st, 3);
    p->active = db_column_int(st, 4) != 0;
    store__column_copy(st, 5, p->substitute_sku, sizeof p->substitute_sku);
}

lm_status store_product_get(store_read *r, const char *sku, store_product *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT " PRODUCT_COLS " FROM products WHERE sku = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, sku));
    if ((rc = store__step_row(db, st, "product", err)) != LM_OK) goto fail;
    product_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_product_list(store_read *r, store_product **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT " PRODUCT_COLS " FROM products ORDER BY sku", &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, product_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}

/* ---- Stock ---- */

#define STOCK_COLS "depot_id, sku, on_hand, reserved, reorder_point"

static void stock_row(db_stmt *st, void *elem) {
    store_stock *s = elem;
    memset(s, 0, sizeof *s);
    store__column_copy(st, 0, s->depot_id, sizeof s->depot_id);
    store__column_copy(st, 1, s->sku, sizeof s->sku);
    s->on_hand = db_column_i64(st, 2);
    s->reserved = db_column_i64(st, 3);
    s->reorder_point = db_column_i64(st, 4);
}

lm_status store_stock_get(store_read *r, const char *depot_id, const char *sku, store_stock *out,
                          lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT " STOCK_COLS " FROM stock WHERE depot_id = ? AND sku = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text_ref(st, 1, depot_id));
    BIND(db_bind_text_ref(st, 2, sku));
    if ((rc = store__step_row(db, st, "stock row", err)) != LM_OK) goto fail;
    stock_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_stock_put(store_tx *tx, const store_stock *s, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO stock(depot_id, sku, on_hand, reserved, "
                              "reorder_point) VALUES (?,?,?,0,?) ON CONFLICT(depot_id, sku) "
                              "DO UPDATE SET on_hand=excluded.on_hand, "
                              "reorder_point=excluded.reorder_point",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, s->depot_id));
    BIND(db_bind_text(st, 2, s->sku));
    BIND(db_bind_i64(st, 3, s->on_hand));
    BIND(db_bind_i64(st, 4, s->reorder_point));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_stock_adjust(store_tx *tx, const char *depot_id, const char *sku,
                             int64_t reserved_delta, int64_t on_hand_delta, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "UPDATE stock SET reserved = reserved + ?, on_hand = on_hand + ? "
                              "WHERE depot_id = ? AND sku = ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, reserved_delta));
    BIND(db_bind_i64(st, 2, on_hand_delta));
    BIND(db_bind_text_ref(st, 3, depot_id));
    BIND(db_bind_text_ref(st, 4, sku));
    if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    if (db_changes(db) != 1)
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "sku", "no stock row for %s at depot %s", sku,
                            depot_id);
fail:
    db_finish(st);
    return rc;
}

lm_status store_stock_list(store_read *r, bool only_low, store_stock **out, size_t *n,
                           lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              only_low ? "SELECT " STOCK_COLS " FROM stock WHERE on_hand - "
                                         "reserved < reorder_point ORDER BY depot_id, sku"
                                       : "SELECT " STOCK_COLS " FROM stock ORDER BY depot_id, sku",
                              &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, stock_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}

/* ---- Orders ---- */

/* Windows are stored as "start:end;start:end" (they are only ever read with their order). */
static lm_status windows_encode(const store_order *o, char *out, size_t cap) {
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < o->n_windows; i++) {
        int k = snprintf(out + used, cap - used, "%s%" PRId64 ":%" PRId64, i ? ";" : "",
                         o->windows[i].start_s, o->windows[i].end_s);
        if (k < 0 || (size_t)k >= cap - used) return LM_TOO_BIG;
        used += (size_t)k;
    }
    return LM_OK;
}

static void windows_decode(const char *text, store_order *o) {
    o->n_windows = 0;
    const char *p = text;
    while (*p && o->n_windows < STORE_WINDOWS_MAX) {
        char buf[48];
        size_t len = strcspn(p, ";");
        if (len < sizeof buf) {
            memcpy(buf, p, len);
            buf[len] = '\0';
            char *colon = strchr(buf, ':');
            int64_t a, b;
            if (colon) {
                *colon = '\0';
                if (lm_parse_i64(buf, INT64_MIN, INT64_MAX, &a) &&
                    lm_parse_i64(colon + 1, INT64_MIN, INT64_MAX, &b)) {
                    o->windows[o->n_windows].start_s = a;
                    o->windows[o->n_windows].end_s = b;
                    o->n_windows++;
                }
            }
        }
        p += len;
        if (*p == ';') p++;
    }
}

static lm_status lines_insert(db_conn *db, int64_t id, const store_order *o, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "INSERT INTO order_lines(order_id, line_no, sku, ordered_sku, qty) VALUES (?,?,?,?,?)",
        &st, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < o->n_lines; i++) {
        db_reset(st);
        BIND(db_bind_i64(st, 1, id));
        BIND(db_bind_i64(st, 2, (int64_t)i));
        BIND(db_bind_text_ref(st, 3, o->lines[i].sku));
        BIND(db_bind_text_ref(st, 4, o->lines[i].ordered_sku));
        BIND(db_bind_i64(st, 5, o->lines[i].qty));
        if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    }
fail:
    db_finish(st);
    return rc;
}

lm_status store_order_insert(store_tx *tx, const store_order *o, int64_t *id, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    char windows[STORE_WINDOWS_MAX * 48];
    lm_status rc = windows_encode(o, windows, sizeof windows);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "time_windows", "too many time windows");
    rc = db_prepare(
        db,
        "INSERT INTO orders(external_ref, channel, customer_name, customer_phone, customer_email,"
        " customer_address, has_location, lon, lat, windows, priority, notes, oos_policy, status,"
        " stock_outcome, depot_id, tracking_token, customer_key, lines_sig, weight_g, volume_cm3,"
        " pkg_weight_g, pkg_volume_cm3, pkg_parcels, created_ms, updated_ms)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text_ref(st, 1, o->external_ref));
    BIND(db_bind_text_ref(st, 2, o->channel));
    BIND(db_bind_text_ref(st, 3, o->customer_name));
    BIND(db_bind_text_ref(st, 4, o->customer_phone));
    BIND(db_bind_text_ref(st, 5, o->customer_email));
    BIND(db_bind_text_ref(st, 6, o->customer_address));
    BIND(db_bind_i64(st, 7, o->has_location ? 1 : 0));
    BIND(db_bind_double(st, 8, o->lon));
    BIND(db_bind_double(st, 9, o->lat));
    BIND(db_bind_text_ref(st, 10, windows));
    BIND(db_bind_i64(st, 11, o->priority));
    BIND(db_bind_text_ref(st, 12, o->notes));
    BIND(db_bind_text_ref(st, 13, o->oos_policy));
    BIND(db_bind_text_ref(st, 14, o->status));
    BIND(db_bind_text_ref(st, 15, o->stock_outcome));
    BIND(db_bind_text_ref(st, 16, o->depot_id));
    BIND(db_bind_text_ref(st, 17, o->tracking_token));
    BIND(db_bind_text_ref(st, 18, o->customer_key));
    BIND(db_bind_text_ref(st, 19, o->lines_sig));
    BIND(db_bind_i64(st, 20, o->weight_g));
    BIND(db_bind_i64(st, 21, o->volume_cm3));
    BIND(db_bind_i64(st, 22, o->pkg_weight_g));
    BIND(db_bind_i64(st, 23, o->pkg_volume_cm3));
    BIND(db_bind_i64(st, 24, o->pkg_parcels));
    BIND(db_bind_i64(st, 25, o->created_ms));
    BIND(db_bind_i64(st, 26, o->updated_ms));
    if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    int64_t new_id = db_last_insert_id(db);
    if ((rc = lines_insert(db, new_id, o, err)) != LM_OK) goto fail;
    *id = new_id;
fail:
    db_finish(st);
    return rc;
}

lm_status store_order_update_row(store_tx *tx, const store_order *o, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "UPDATE orders SET status=?, stock_outcome=?, depot_id=?, "
                              "pkg_weight_g=?, pkg_volume_cm3=?, pkg_parcels=?, updated_ms=? "
                              "WHERE id=?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, o->status));
    BIND(db_bind_text(st, 2, o->stock_outcome));
    BIND(db_bind_text(st, 3, o->depot_id));
    BIND(db_bind_i64(st, 4, o->pkg_weight_g));
    BIND(db_bind_i64(st, 5, o->pkg_volume_cm3));
    BIND(db_bind_i64(st, 6, o->pkg_parcels));
    BIND(db_bind_i64(st, 7, o->updated_ms));
    BIND(db_bind_i64(st, 8, o->id));
    if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    if (db_changes(db) != 1) {
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "order %" PRId64 " not found", o->id);
        goto fail;
    }
fail:
    db_finish(st);
    return rc;
}

lm_status store_order_update(store_tx *tx, const store_order *o, lm_errinfo *err) {
    lm_status rc = store_order_update_row(tx, o, err);
    if (rc != LM_OK) return rc;
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    /* Substitution rewrites lines: replace them wholesale (few rows). */
    rc = db_prepare(db, "DELETE FROM order_lines WHERE order_id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, o->id));
    if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    rc = lines_insert(db, o->id, o, err);
fail:
    db_finish(st);
    return rc;
}

#define ORDER_COLS                                                                                 \
    "id, external_ref, channel, customer_name, customer_phone, customer_email, "                   \
    "customer_address, has_location, lon, lat, windows, priority, notes, oos_policy, status, "     \
    "stock_outcome, depot_id, tracking_token, customer_key, lines_sig, weight_g, volume_cm3, "     \
    "pkg_weight_g, pkg_volume_cm3, pkg_parcels, created_ms, updated_ms"

static void order_row(db_stmt *st, void *elem) {
    store_order *o = elem;
    memset(o, 0, sizeof *o);
    o->id = db_column_i64(st, 0);
    store__column_copy(st, 1, o->external_ref, sizeof o->external_ref);
    store__column_copy(st, 2, o->channel, sizeof o->channel);
    store__column_copy(st, 3, o->customer_name, sizeof o->customer_name);
    store__column_copy(st, 4, o->customer_phone, sizeof o->customer_phone);
    store__column_copy(st, 5, o->customer_email, sizeof o->customer_email);
    store__column_copy(st, 6, o->customer_address, sizeof o->customer_address);
    o->has_location = db_column_int(st, 7) != 0;
    o->lon = db_column_double(st, 8);
    o->lat = db_column_double(st, 9);
    const char *w = db_column_text(st, 10);
    windows_decode(w ? w : "", o);
    o->priority = db_column_int(st, 11);
    store__column_copy(st, 12, o->notes, sizeof o->notes);
    store__column_copy(st, 13, o->oos_policy, sizeof o->oos_policy);
    store__column_copy(st, 14, o->status, sizeof o->status);
    store__column_copy(st, 15, o->stock_outcome, sizeof o->stock_outcome);
    store__column_copy(st, 16, o->depot_id, sizeof o->depot_id);
    store__column_copy(st, 17, o->tracking_token, sizeof o->tracking_token);
    store__column_copy(st, 18, o->customer_key, sizeof o->customer_key);
    store__column_copy(st, 19, o->lines_sig, sizeof o->lines_sig);
    o->weight_g = db_column_i64(st, 20);
    o->volume_cm3 = db_column_i64(st, 21);
    o->pkg_weight_g = db_column_i64(st, 22);
    o->pkg_volume_cm3 = db_column_i64(st, 23);
    o->pkg_parcels = db_column_i64(st, 24);
    o->created_ms = db_column_i64(st, 25);
    o->updated_ms = db_column_i64(st, 26);
}

static void line_row(db_stmt *st, void *elem) {
    store_line *l = elem;
    store__column_copy(st, 0, l->sku, sizeof l->sku);
    store__column_copy(st, 1, l->ordered_sku, sizeof l->ordered_sku);
    l->qty = db_column_i64(st, 2);
}

static lm_status lines_load(db_conn *db, store_order *o, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT sku, ordered_sku, qty FROM order_lines WHERE order_id = ? ORDER BY line_no",
        &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, o->id));
    rc = store__collect(db, st, sizeof *o->lines, line_row, (void **)&o->lines, &o->n_lines, err);
fail:
    db_finish(st);
    return rc;
}

static lm_status order_get_where(store_read *r, const char *sql, int64_t id, const char *token,
                                 store_order *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    store_order o;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    if (token)
        BIND(db_bind_text(st, 1, token));
    else
        BIND(db_bind_i64(st, 1, id));
    if ((rc = store__step_row(db, st, "order", err)) != LM_OK) goto fail;
    order_row(st, &o);
    if ((rc = lines_load(db, &o, err)) != LM_OK) goto fail;
    *out = o;
fail:
    db_finish(st);
    return rc;
}

lm_status store_order_get(store_read *r, int64_t id, store_order *out, lm_errinfo *err) {
    return order_get_where(r, "SELECT " ORDER_COLS " FROM orders WHERE id = ?", id, NULL, out, err);
}

lm_status store_order_get_by_token(store_read *r, const char *token, store_order *out,
                                   lm_errinfo *err) {
    return order_get_where(r, "SELECT " ORDER_COLS " FROM orders WHERE tracking_token = ?", 0,
                           token, out, err);
}

void store_order_clear(store_order *o) {
    if (!o) return;
    lm_free(o->lines);
    o->lines = NULL;
    o->n_lines = 0;
}

void store_order_list_free(store_order *list, size_t n) {
    if (!list) return;
    for (size_t i = 0; i < n; i++)
        store_order_clear(&list[i]);
    lm_free(list);
}

lm_status store_order_list(store_read *r, const store_order_filter *f, store_order **out, size_t *n,
                           lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    store_order *arr = NULL;
    size_t len = 0;
    lm_status rc = db_prepare(db,
                              "SELECT " ORDER_COLS " FROM orders WHERE (?1 IS NULL OR status "
                              "= ?1) AND (?2 IS NULL OR channel = ?2) AND created_ms >= ?3 "
                              "AND id > ?4 ORDER BY id LIMIT ?5",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, f->status && f->status[0] ? f->status : NULL));
    BIND(db_bind_text(st, 2, f->channel && f->channel[0] ? f->channel : NULL));
    BIND(db_bind_i64(st, 3, f->since_ms));
    BIND(db_bind_i64(st, 4, f->after_id));
    BIND(db_bind_i64(st, 5, f->limit ? (int64_t)f->limit : 100));
    BIND(store__collect(db, st, sizeof *arr, order_row, (void **)&arr, &len, err));
    for (size_t i = 0; i < len; i++)
        if ((rc = lines_load(db, &arr[i], err)) != LM_OK) goto fail;
    db_finish(st);
    *out = arr;
    *n = len;
    return LM_OK;
fail:
    db_finish(st);
    store_order_list_free(arr, len);
    return rc;
}

lm_status store_order_ids_by_status(store_read *r, const char *status, size_t limit, int64_t **out,
                                    size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT id FROM orders WHERE status = ? ORDER BY created_ms, id LIMIT ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, status));
    BIND(db_bind_i64(st, 2, (int64_t)limit));
    rc = store__collect(db, st, sizeof **out, store__id_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_order_find_duplicate(store_read *r, const char *customer_key, const char *lines_sig,
                                     int64_t since_ms, int64_t *id, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT min(id) FROM orders WHERE customer_key = ? AND lines_sig "
                              "= ? AND created_ms >= ? AND status <> 'cancelled'",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text_ref(st, 1, customer_key));
    BIND(db_bind_text_ref(st, 2, lines_sig));
    BIND(db_bind_i64(st, 3, since_ms));
    int s = db_step(st);
    if (s == DB_ROW)
        *id = db_column_i64(st, 0);
    else if (s == DB_DONE)
        *id = 0;
    else
        rc = db_fail(db, s, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_order_count_by_status(store_read *r,
                                      void (*fn)(void *ctx, const char *status, int64_t count),
                                      void *ctx, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT status, count(*) FROM orders GROUP BY status", &st, err);
    if (rc != LM_OK) return rc;
    int s;
    while ((s = db_step(st)) == DB_ROW) {
        const char *name = db_column_text(st, 0);
        fn(ctx, name ? name : "", db_column_i64(st, 1));
    }
    if (s != DB_DONE) rc = db_fail(db, s, err);
    db_finish(st);
    return rc;
}

/* ---- Idempotency keys ---- */

lm_status store_idem_get(store_read *r, const char *key, int64_t *order_id, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT order_id FROM order_idempotency WHERE key = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text_ref(st, 1, key));
    int s = db_step(st);
    if (s == DB_ROW)
        *order_id = db_column_i64(st, 0);
    else if (s == DB_DONE)
        *order_id = 0;
    else
        rc = db_fail(db, s, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_idem_put(store_tx *tx, const char *key, int64_t order_id, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "INSERT INTO order_idempotency(key, order_id, created_ms) VALUES (?,?,?)", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text_ref(st, 1, key));
    BIND(db_bind_i64(st, 2, order_id));
    BIND(db_bind_i64(st, 3, lm_now_ms()));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

/* ---- Exception queue ---- */

lm_status store_exception_add(store_tx *tx, const store_exception *e, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO order_exceptions(order_id, rule, field, message, "
                              "created_ms) VALUES (?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, e->order_id));
    BIND(db_bind_text(st, 2, e->rule));
    BIND(db_bind_text(st, 3, e->field));
    BIND(db_bind_text(st, 4, e->message));
    BIND(db_bind_i64(st, 5, e->created_ms));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

static void exception_row(db_stmt *st, void *elem) {
    store_exception *e = elem;
    e->id = db_column_i64(st, 0);
    e->order_id = db_column_i64(st, 1);
    store__column_copy(st, 2, e->rule, sizeof e->rule);
    store__column_copy(st, 3, e->field, sizeof e->field);
    store__column_copy(st, 4, e->message, sizeof e->message);
    e->created_ms = db_column_i64(st, 5);
    e->resolved_ms = db_column_i64(st, 6);
    store__column_copy(st, 7, e->resolution, sizeof e->resolution);
}

lm_status store_exception_list(store_read *r, bool only_open, int64_t order_id,
                               store_exception **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT id, order_id, rule, field, message, created_ms, "
                              "resolved_ms, resolution FROM order_exceptions WHERE (?1 = 0 "
                              "OR resolved_ms = 0) AND (?2 = 0 OR order_id = ?2) ORDER BY id "
                              "LIMIT 10000",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, only_open ? 1 : 0));
    BIND(db_bind_i64(st, 2, order_id));
    rc = store__collect(db, st, sizeof **out, exception_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_exception_resolve(store_tx *tx, int64_t order_id, const char *resolution,
                                  int64_t now_ms, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "UPDATE order_exceptions SET resolved_ms = ?, resolution = ? "
                              "WHERE order_id = ? AND resolved_ms = 0",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, now_ms));
    BIND(db_bind_text(st, 2, resolution));
    BIND(db_bind_i64(st, 3, order_id));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

/* ---- Intake configuration ---- */

static lm_status setting_put(db_conn *db, const char *key, const char *value, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO orders_settings(key, value) VALUES (?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, key));
    BIND(db_bind_text(st, 2, value));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

static lm_status setting_put_i64(db_conn *db, const char *key, int64_t v, lm_errinfo *err) {
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return setting_put(db, key, buf, err);
}

lm_status store_orders_config_get(store_read *r, store_orders_config *cfg, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    store_orders_config c = *cfg;
    lm_status rc = db_prepare(
        db, "SELECT key, value FROM orders_settings WHERE key <> 'service_area'", &st, err);
    if (rc != LM_OK) return rc;
    int s;
    while ((s = db_step(st)) == DB_ROW) {
        const char *k = db_column_text(st, 0);
        const char *v = db_column_text(st, 1);
        if (!k || !v) continue;
        int64_t x = 0;
        bool num = lm_parse_i64(v, INT64_MIN, INT64_MAX, &x);
        if (!strcmp(k, "rule.required_fields") && num)
            c.rule_required = x != 0;
        else if (!strcmp(k, "rule.service_area") && num)
            c.rule_service_area = x != 0;
        else if (!strcmp(k, "rule.duplicate") && num)
            c.rule_duplicate = x != 0;
        else if (!strcmp(k, "rule.blacklist") && num)
            c.rule_blacklist = x != 0;
        else if (!strcmp(k, "rule.oversize") && num)
            c.rule_oversize = x != 0;
        else if (!strcmp(k, "required_fields"))
            lm_strlcpy(c.required_fields, v, sizeof c.required_fields);
        else if (!strcmp(k, "duplicate_window_s") && num)
            c.duplicate_window_s = x;
        else if (!strcmp(k, "max_weight_g") && num)
            c.max_weight_g = x;
        else if (!strcmp(k, "max_volume_cm3") && num)
            c.max_volume_cm3 = x;
        else if (!strcmp(k, "default_oos"))
            lm_strlcpy(c.default_oos, v, sizeof c.default_oos);
    }
    if (s != DB_DONE) rc = db_fail(db, s, err);
    db_finish(st);
    if (rc == LM_OK) *cfg = c;
    return rc;
}

lm_status store_orders_config_put(store_tx *tx, const store_orders_config *c, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    lm_status rc;
    if ((rc = setting_put_i64(db, "rule.required_fields", c->rule_required, err)) != LM_OK ||
        (rc = setting_put_i64(db, "rule.service_area", c->rule_service_area, err)) != LM_OK ||
        (rc = setting_put_i64(db, "rule.duplicate", c->rule_duplicate, err)) != LM_OK ||
        (rc = setting_put_i64(db, "rule.blacklist", c->rule_blacklist, err)) != LM_OK ||
        (rc = setting_put_i64(db, "rule.oversize", c->rule_oversize, err)) != LM_OK ||
        (rc = setting_put(db, "required_fields", c->required_fields, err)) != LM_OK ||
        (rc = setting_put_i64(db, "duplicate_window_s", c->duplicate_window_s, err)) != LM_OK ||
        (rc = setting_put_i64(db, "max_weight_g", c->max_weight_g, err)) != LM_OK ||
        (rc = setting_put_i64(db, "max_volume_cm3", c->max_volume_cm3, err)) != LM_OK ||
        (rc = setting_put(db, "default_oos", c->default_oos, err)) != LM_OK)
        return rc;
    return LM_OK;
}

lm_status store_area_get(store_read *r, char **out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    char *text = NULL;
    lm_status rc =
        db_prepare(db, "SELECT value FROM orders_settings WHERE key = 'service_area'", &st, err);
    if (rc != LM_OK) return rc;
    int s = db_step(st);
    if (s == DB_ROW) {
        if ((rc = store__column_dup(st, 0, &text)) != LM_OK) goto fail;
    } else if (s != DB_DONE) {
        rc = db_fail(db, s, err);
        goto fail;
    }
    if (!text && !(text = lm_strdup(""))) {
        rc = LM_NOMEM;
        goto fail;
    }
    *out = text;
fail:
    db_finish(st);
    return rc;
}

lm_status store_area_put(store_tx *tx, const char *geojson, lm_errinfo *err) {
    return setting_put(store__tx_db(tx), "service_area", geojson ? geojson : "", err);
}

lm_status store_channel_policy_get(store_read *r, const char *channel, char out[16],
                                   lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT oos_policy FROM channel_policies WHERE channel = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, channel));
    int s = db_step(st);
    if (s == DB_ROW)
        store__column_copy(st, 0, out, 16);
    else if (s == DB_DONE)
        out[0] = '\0';
    else
        rc = db_fail(db, s, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_channel_policy_replace(store_tx *tx, const store_channel_policy *p, size_t n,
                                       lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_exec(db, "DELETE FROM channel_policies", err);
    if (rc != LM_OK) return rc;
    rc =
        db_prepare(db, "INSERT INTO channel_policies(channel, oos_policy) VALUES (?, ?)", &st, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < n; i++) {
        db_reset(st);
        BIND(db_bind_text(st, 1, p[i].channel));
        BIND(db_bind_text(st, 2, p[i].oos_policy));
        if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    }
fail:
    db_finish(st);
    return rc;
}

static void channel_policy_row(db_stmt *st, void *elem) {
    store_channel_policy *p = elem;
    store__column_copy(st, 0, p->channel, sizeof p->channel);
    store__column_copy(st, 1, p->oos_policy, sizeof p->oos_policy);
}

lm_status store_channel_policy_list(store_read *r, store_channel_policy **out, size_t *n,
                                    lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT channel, oos_policy FROM channel_policies ORDER BY channel", &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, channel_policy_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}

lm_status store_blacklist_has(store_read *r, const char *kind, const char *value, bool *hit,
                              lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT 1 FROM customer_blacklist WHERE kind = ? AND value = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, kind));
    BIND(db_bind_text(st, 2, value));
    int s = db_step(st);
    if (s == DB_ROW || s == DB_DONE)
        *hit = s == DB_ROW;
    else
        rc = db_fail(db, s, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_blacklist_replace(store_tx *tx, const store_blacklist_entry *e, size_t n,
                                  lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_exec(db, "DELETE FROM customer_blacklist", err);
    if (rc != LM_OK) return rc;
    rc = db_prepare(db, "INSERT OR IGNORE INTO customer_blacklist(kind, value) VALUES (?, ?)", &st,
                    err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < n; i++) {
        db_reset(st);
        BIND(db_bind_text(st, 1, e[i].kind));
        BIND(db_bind_text(st, 2, e[i].value));
        if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    }
fail:
    db_finish(st);
    return rc;
}

static void blacklist_row(db_stmt *st, void *elem) {
    store_blacklist_entry *e = elem;
    store__column_copy(st, 0, e->kind, sizeof e->kind);
    store__column_copy(st, 1, e->value, sizeof e->value);
}

lm_status store_blacklist_list(store_read *r, store_blacklist_entry **out, size_t *n,
                               lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT kind, value FROM customer_blacklist ORDER BY kind, value", &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, blacklist_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}

/* ---- The fleet, as far as intake needs it ---- */

lm_status store_fleet_fit(store_read *r, int64_t weight_g, int64_t volume_cm3,
                          store_fleet_fit_info *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    store_fleet_fit_info f = {0};
    /* capacity 0 means unlimited in that dimension (dispatch/'s rule) */
    static const char sql[] =
        "SELECT count(*), coalesce(sum((capacity_g = 0 OR capacity_g >= ?1) AND "
        "(capacity_cm3 = 0 OR capacity_cm3 >= ?2)), 0), coalesce(max(capacity_g), 0), "
        "coalesce(max(capacity_cm3), 0) FROM vehicles WHERE active = 1";
    /* the vehicles table is dispatch's (migration 200); a build without it has no fleet */
    if (db_prepare(db, sql, &st, NULL) != LM_OK) {
        *out = f;
        return LM_OK;
    }
    lm_status rc = LM_OK;
    BIND(db_bind_i64(st, 1, weight_g));
    BIND(db_bind_i64(st, 2, volume_cm3));
    int s2 = db_step(st);
    if (s2 != DB_ROW) {
        rc = db_fail(db, s2, err);
        goto fail;
    }
    f.vehicles = db_column_i64(st, 0);
    f.fitting = db_column_i64(st, 1);
    f.max_g = db_column_i64(st, 2);
    f.max_cm3 = db_column_i64(st, 3);
    *out = f;
fail:
    db_finish(st);
    return rc;
}
