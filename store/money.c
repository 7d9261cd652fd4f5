/* store/money.c: the SQL behind money on orders (store/store_money.h): prices, promotions and
 * their uses, order totals with lines and adjustments, payment history, cash hand-ins and the
 * money settings. Amounts are INTEGER columns in minor units; CHECKs keep them non-negative and
 * refunds within what was paid, so a bug upstream fails the transaction instead of storing it. */
#include "store/internal.h"
#include "store/store_money.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Migrations 110 (catalogue side) and 111 (order side), registered in store/migrations.c: two
 * rows because a C string literal stays under 4095 characters. */
const char store__money_schema_v110[] =
    "CREATE TABLE product_prices ("
    "  sku TEXT NOT NULL REFERENCES products(sku), currency TEXT NOT NULL,"
    "  unit_price INTEGER NOT NULL CHECK (unit_price >= 0),"
    "  tax_rate_bp INTEGER NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),"
    "  category TEXT NOT NULL DEFAULT '', updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (sku, currency)) WITHOUT ROWID;"
    "CREATE TABLE promotions ("
    "  id TEXT PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('percent','fixed','buy_x_get_y','free_shipping')),"
    "  scope TEXT NOT NULL CHECK (scope IN ('order','product','category')),"
    "  target TEXT NOT NULL, currency TEXT NOT NULL,"
    "  percent_bp INTEGER NOT NULL CHECK (percent_bp BETWEEN 0 AND 10000),"
    "  amount INTEGER NOT NULL CHECK (amount >= 0),"
    "  buy_qty INTEGER NOT NULL CHECK (buy_qty >= 0), get_qty INTEGER NOT NULL CHECK (get_qty >= "
    "0),"
    "  min_order INTEGER NOT NULL CHECK (min_order >= 0),"
    "  code TEXT UNIQUE, channel TEXT NOT NULL,"
    "  valid_from_ms INTEGER NOT NULL, valid_until_ms INTEGER NOT NULL,"
    "  limit_total INTEGER NOT NULL CHECK (limit_total >= 0),"
    "  limit_per_customer INTEGER NOT NULL CHECK (limit_per_customer >= 0),"
    "  combinable INTEGER NOT NULL, priority INTEGER NOT NULL, active INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE promotion_uses ("
    "  promotion_id TEXT NOT NULL REFERENCES promotions(id),"
    "  order_id INTEGER NOT NULL REFERENCES orders(id), customer_key TEXT NOT NULL,"
    "  code TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount >= 0), used_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (promotion_id, order_id)) WITHOUT ROWID;"
    "CREATE INDEX promotion_uses_by_customer ON promotion_uses(promotion_id, customer_key);"
    "CREATE INDEX promotion_uses_by_time ON promotion_uses(used_ms);";

const char store__money_schema_v111[] =
    "CREATE TABLE order_money ("
    "  order_id INTEGER PRIMARY KEY REFERENCES orders(id), currency TEXT NOT NULL,"
    "  subtotal INTEGER NOT NULL CHECK (subtotal >= 0),"
    "  discount INTEGER NOT NULL CHECK (discount >= 0),"
    "  shipping INTEGER NOT NULL CHECK (shipping >= 0), tax INTEGER NOT NULL CHECK (tax >= 0),"
    "  total INTEGER NOT NULL CHECK (total >= 0 AND total = subtotal - discount + shipping + tax),"
    "  shipping_fee INTEGER NOT NULL, shipping_tax_bp INTEGER NOT NULL,"
    "  payment_status TEXT NOT NULL, payment_method TEXT NOT NULL,"
    "  authorized INTEGER NOT NULL CHECK (authorized >= 0),"
    "  paid INTEGER NOT NULL CHECK (paid >= 0),"
    "  refunded INTEGER NOT NULL CHECK (refunded >= 0 AND refunded <= paid),"
    "  cod_collected INTEGER NOT NULL CHECK (cod_collected >= 0), cod_method TEXT NOT NULL,"
    "  cod_driver TEXT NOT NULL, cod_collected_ms INTEGER NOT NULL,"
    "  cod_handin_id INTEGER NOT NULL, customer_key TEXT NOT NULL, channel TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX order_money_by_status ON order_money(payment_status, created_ms);"
    "CREATE INDEX order_money_by_created ON order_money(created_ms);"
    "CREATE INDEX order_money_cod ON order_money(cod_driver, cod_handin_id);"
    "CREATE TABLE order_money_lines ("
    "  order_id INTEGER NOT NULL REFERENCES orders(id), line_no INTEGER NOT NULL,"
    "  sku TEXT NOT NULL, category TEXT NOT NULL,"
    "  qty INTEGER NOT NULL CHECK (qty >= 0), cancelled_qty INTEGER NOT NULL,"
    "  unit_price INTEGER NOT NULL CHECK (unit_price >= 0), tax_rate_bp INTEGER NOT NULL,"
    "  gross INTEGER NOT NULL, discount INTEGER NOT NULL CHECK (discount BETWEEN 0 AND gross),"
    "  tax INTEGER NOT NULL CHECK (tax >= 0),"
    "  PRIMARY KEY (order_id, line_no)) WITHOUT ROWID;"
    "CREATE TABLE order_adjustments ("
    "  order_id INTEGER NOT NULL REFERENCES orders(id), adj_no INTEGER NOT NULL,"
    "  promotion_id TEXT NOT NULL, code TEXT NOT NULL, kind TEXT NOT NULL, scope TEXT NOT NULL,"
    "  target TEXT NOT NULL, percent_bp INTEGER NOT NULL, amount_param INTEGER NOT NULL,"
    "  buy_qty INTEGER NOT NULL, get_qty INTEGER NOT NULL, line_no INTEGER NOT NULL,"
    "  amount INTEGER NOT NULL CHECK (amount >= 0),"
    "  PRIMARY KEY (order_id, adj_no)) WITHOUT ROWID;"
    "CREATE TABLE payment_events ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL REFERENCES orders(id),"
    "  kind TEXT NOT NULL, from_status TEXT NOT NULL, to_status TEXT NOT NULL,"
    "  amount INTEGER NOT NULL CHECK (amount >= 0), method TEXT NOT NULL,"
    "  reference TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE INDEX payment_events_by_order ON payment_events(order_id, id);"
    "CREATE INDEX payment_events_by_kind ON payment_events(kind, created_ms);"
    "CREATE TABLE cash_handins ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, driver_id TEXT NOT NULL, currency TEXT NOT NULL,"
    "  expected INTEGER NOT NULL CHECK (expected >= 0),"
    "  handed_in INTEGER NOT NULL CHECK (handed_in >= 0), orders INTEGER NOT NULL,"
    "  key_id TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE INDEX cash_handins_by_driver ON cash_handins(driver_id, id);"
    "CREATE TABLE money_settings (key TEXT PRIMARY KEY, value INTEGER NOT NULL);";

#define BIND(expr)                                                                                 \
    do {                                                                                           \
        if ((rc = (expr)) != LM_OK) goto fail;                                                     \
    } while (0)

/* ---- Prices ---- */

lm_status store_price_put(store_tx *tx, const store_price *p, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "INSERT INTO product_prices(sku, currency, unit_price, tax_rate_bp, category, updated_ms) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT(sku, currency) DO UPDATE SET "
        "unit_price=excluded.unit_price, tax_rate_bp=excluded.tax_rate_bp, "
        "category=excluded.category, updated_ms=excluded.updated_ms",
        &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, p->sku));
    BIND(db_bind_text(st, 2, p->currency));
    BIND(db_bind_i64(st, 3, p->unit_price));
    BIND(db_bind_i64(st, 4, p->tax_rate_bp));
    BIND(db_bind_text(st, 5, p->category));
    BIND(db_bind_i64(st, 6, p->updated_ms));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

#define PRICE_COLS "sku, currency, unit_price, tax_rate_bp, category, updated_ms"

static void price_row(db_stmt *st, void *elem) {
    store_price *p = elem;
    memset(p, 0, sizeof *p);
    store__column_copy(st, 0, p->sku, sizeof p->sku);
    store__column_copy(st, 1, p->currency, sizeof p->currency);
    p->unit_price = db_column_i64(st, 2);
    p->tax_rate_bp = db_column_int(st, 3);
    store__column_copy(st, 4, p->category, sizeof p->category);
    p->updated_ms = db_column_i64(st, 5);
}

lm_status store_price_get(store_read *r, const char *sku, const char *currency, store_price *out,
                          lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT " PRICE_COLS " FROM product_prices WHERE sku = ? AND currency = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, sku));
    BIND(db_bind_text(st, 2, currency));
    if ((rc = store__step_row(db, st, "price", err)) != LM_OK) goto fail;
    price_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_price_list(store_read *r, store_price **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT " PRICE_COLS " FROM product_prices ORDER BY sku, currency", &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, price_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}

/* ---- Promotions ---- */

lm_status store_promotion_put(store_tx *tx, const store_promotion *p, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "INSERT INTO promotions(id, kind, scope, target, currency, percent_bp, amount, buy_qty, "
        "get_qty, min_order, code, channel, valid_from_ms, valid_until_ms, limit_total, "
        "limit_per_customer, combinable, priority, active, created_ms, updated_ms) VALUES "
        "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?20) "
        "ON CONFLICT(id) DO UPDATE SET kind=excluded.kind, scope=excluded.scope, "
        "target=excluded.target, currency=excluded.currency, percent_bp=excluded.percent_bp, "
        "amount=excluded.amount, buy_qty=excluded.buy_qty, get_qty=excluded.get_qty, "
        "min_order=excluded.min_order, code=excluded.code, channel=excluded.channel, "
        "valid_from_ms=excluded.valid_from_ms, valid_until_ms=excluded.valid_until_ms, "
        "limit_total=excluded.limit_total, limit_per_customer=excluded.limit_per_customer, "
        "combinable=excluded.combinable, priority=excluded.priority, active=excluded.active, "
        "updated_ms=excluded.updated_ms",
        &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, p->id));
    BIND(db_bind_text(st, 2, p->kind));
    BIND(db_bind_text(st, 3, p->scope));
    BIND(db_bind_text(st, 4, p->target));
    BIND(db_bind_text(st, 5, p->currency));
    BIND(db_bind_i64(st, 6, p->percent_bp));
    BIND(db_bind_i64(st, 7, p->amount));
    BIND(db_bind_i64(st, 8, p->buy_qty));
    BIND(db_bind_i64(st, 9, p->get_qty));
    BIND(db_bind_i64(st, 10, p->min_order));
    BIND(db_bind_text(st, 11, p->code[0] ? p->code : NULL)); /* NULLs never collide */
    BIND(db_bind_text(st, 12, p->channel));
    BIND(db_bind_i64(st, 13, p->valid_from_ms));
    BIND(db_bind_i64(st, 14, p->valid_until_ms));
    BIND(db_bind_i64(st, 15, p->limit_total));
    BIND(db_bind_i64(st, 16, p->limit_per_customer));
    BIND(db_bind_i64(st, 17, p->combinable ? 1 : 0));
    BIND(db_bind_i64(st, 18, p->priority));
    BIND(db_bind_i64(st, 19, p->active ? 1 : 0));
    BIND(db_bind_i64(st, 20, p->updated_ms));
    rc = store__step_done(st, err);
    if (rc == LM_CONFLICT)
        lm_errinfo_set(err, LM_CONFLICT, "code", "another promotion has the code '%s'", p->code);
fail:
    db_finish(st);
    return rc;
}

#define PROMO_COLS                                                                                 \
    "id, kind, scope, target, currency, percent_bp, amount, buy_qty, get_qty, min_order, "         \
    "coalesce(code, ''), channel, valid_from_ms, valid_until_ms, limit_total, "                    \
    "limit_per_customer, combinable, priority, active, created_ms, updated_ms"

static void promo_row(db_stmt *st, void *elem) {
    store_promotion *p = elem;
    memset(p, 0, sizeof *p);
    store__column_copy(st, 0, p->id, sizeof p->id);
    store__column_copy(st, 1, p->kind, sizeof p->kind);
    store__column_copy(st, 2, p->scope, sizeof p->scope);
    store__column_copy(st, 3, p->target, sizeof p->target);
    store__column_copy(st, 4, p->currency, sizeof p->currency);
    p->percent_bp = db_column_int(st, 5);
    p->amount = db_column_i64(st, 6);
    p->buy_qty = db_column_int(st, 7);
    p->get_qty = db_column_int(st, 8);
    p->min_order = db_column_i64(st, 9);
    store__column_copy(st, 10, p->code, sizeof p->code);
    store__column_copy(st, 11, p->channel, sizeof p->channel);
    p->valid_from_ms = db_column_i64(st, 12);
    p->valid_until_ms = db_column_i64(st, 13);
    p->limit_total = db_column_i64(st, 14);
    p->limit_per_customer = db_column_i64(st, 15);
    p->combinable = db_column_int(st, 16) != 0;
    p->priority = db_column_int(st, 17);
    p->active = db_column_int(st, 18) != 0;
    p->created_ms = db_column_i64(st, 19);
    p->updated_ms = db_column_i64(st, 20);
}

static lm_status promo_get_where(store_read *r, const char *sql, const char *key,
                                 store_promotion *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, key));
    if ((rc = store__step_row(db, st, "promotion", err)) != LM_OK) goto fail;
    promo_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_promotion_get(store_read *r, const char *id, store_promotion *out,
                              lm_errinfo *err) {
    return promo_get_where(r, "SELECT " PROMO_COLS " FROM promotions WHERE id = ?", id, out, err);
}

lm_status store_promotion_by_code(store_read *r, const char *code, store_promotion *out,
                                  lm_errinfo *err) {
    return promo_get_where(r, "SELECT " PROMO_COLS " FROM promotions WHERE code = ?", code, out,
                           err);
}

lm_status store_promotion_list(store_read *r, bool only_automatic, store_promotion **out, size_t *n,
                               lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT " PROMO_COLS " FROM promotions WHERE ?1 = 0 OR "
                              "(code IS NULL AND active = 1) ORDER BY id",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, only_automatic ? 1 : 0));
    rc = store__collect(db, st, sizeof **out, promo_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_promotion_uses(store_read *r, const char *promotion_id, const char *customer_key,
                               int64_t *total, int64_t *by_customer, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT count(*), coalesce(sum(customer_key = ?2), 0) FROM "
                              "promotion_uses WHERE promotion_id = ?1",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, promotion_id));
    BIND(db_bind_text(st, 2, customer_key));
    if ((rc = store__step_row(db, st, "uses", err)) != LM_OK) goto fail;
    *total = db_column_i64(st, 0);
    *by_customer = db_column_i64(st, 1);
fail:
    db_finish(st);
    return rc;
}

lm_status store_promotion_use_add(store_tx *tx, const char *promotion_id, int64_t order_id,
                                  const char *customer_key, const char *code, int64_t amount,
                                  int64_t now_ms, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO promotion_uses(promotion_id, order_id, "
                              "customer_key, code, amount, used_ms) VALUES (?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, promotion_id));
    BIND(db_bind_i64(st, 2, order_id));
    BIND(db_bind_text(st, 3, customer_key));
    BIND(db_bind_text(st, 4, code));
    BIND(db_bind_i64(st, 5, amount));
    BIND(db_bind_i64(st, 6, now_ms));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

/* ---- An order's money ---- */

static lm_status money_children_insert(db_conn *db, const store_order_money *m, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO order_money_lines(order_id, line_no, sku, category, "
                              "qty, cancelled_qty, unit_price, tax_rate_bp, gross, discount, "
                              "tax) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < m->n_lines; i++) {
        const store_money_line *l = &m->lines[i];
        db_reset(st);
        BIND(db_bind_i64(st, 1, m->order_id));
        BIND(db_bind_i64(st, 2, (int64_t)i));
        BIND(db_bind_text(st, 3, l->sku));
        BIND(db_bind_text(st, 4, l->category));
        BIND(db_bind_i64(st, 5, l->qty));
        BIND(db_bind_i64(st, 6, l->cancelled_qty));
        BIND(db_bind_i64(st, 7, l->unit_price));
        BIND(db_bind_i64(st, 8, l->tax_rate_bp));
        BIND(db_bind_i64(st, 9, l->gross));
        BIND(db_bind_i64(st, 10, l->discount));
        BIND(db_bind_i64(st, 11, l->tax));
        BIND(store__step_done(st, err));
    }
    db_finish(st);
    st = NULL;
    rc = db_prepare(db,
                    "INSERT INTO order_adjustments(order_id, adj_no, promotion_id, code, kind, "
                    "scope, target, percent_bp, amount_param, buy_qty, get_qty, line_no, "
                    "amount) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    &st, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < m->n_adj; i++) {
        const store_adjustment *a = &m->adj[i];
        db_reset(st);
        BIND(db_bind_i64(st, 1, m->order_id));
        BIND(db_bind_i64(st, 2, (int64_t)i));
        BIND(db_bind_text(st, 3, a->promotion_id));
        BIND(db_bind_text(st, 4, a->code));
        BIND(db_bind_text(st, 5, a->kind));
        BIND(db_bind_text(st, 6, a->scope));
        BIND(db_bind_text(st, 7, a->target));
        BIND(db_bind_i64(st, 8, a->percent_bp));
        BIND(db_bind_i64(st, 9, a->amount_param));
        BIND(db_bind_i64(st, 10, a->buy_qty));
        BIND(db_bind_i64(st, 11, a->get_qty));
        BIND(db_bind_i64(st, 12, a->line_no));
        BIND(db_bind_i64(st, 13, a->amount));
        BIND(store__step_done(st, err));
    }
fail:
    db_finish(st);
    return rc;
}

/* Binds the columns shared by insert and update, ?1..?24 in MONEY_COLS order after order_id. */
static lm_status money_bind(db_stmt *st, const store_order_money *m) {
    lm_status rc = LM_OK;
    BIND(db_bind_i64(st, 1, m->order_id));
    BIND(db_bind_text(st, 2, m->currency));
    BIND(db_bind_i64(st, 3, m->subtotal));
    BIND(db_bind_i64(st, 4, m->discount));
    BIND(db_bind_i64(st, 5, m->shipping));
    BIND(db_bind_i64(st, 6, m->tax));
    BIND(db_bind_i64(st, 7, m->total));
    BIND(db_bind_i64(st, 8, m->shipping_fee));
    BIND(db_bind_i64(st, 9, m->shipping_tax_bp));
    BIND(db_bind_text(st, 10, m->payment_status));
    BIND(db_bind_text(st, 11, m->payment_method));
    BIND(db_bind_i64(st, 12, m->authorized));
    BIND(db_bind_i64(st, 13, m->paid));
    BIND(db_bind_i64(st, 14, m->refunded));
    BIND(db_bind_i64(st, 15, m->cod_collected));
    BIND(db_bind_text(st, 16, m->cod_method));
    BIND(db_bind_text(st, 17, m->cod_driver));
    BIND(db_bind_i64(st, 18, m->cod_collected_ms));
    BIND(db_bind_i64(st, 19, m->cod_handin_id));
    BIND(db_bind_text(st, 20, m->customer_key));
    BIND(db_bind_text(st, 21, m->channel));
    BIND(db_bind_i64(st, 22, m->created_ms));
    BIND(db_bind_i64(st, 23, m->updated_ms));
fail:
    return rc;
}

#define MONEY_COLS                                                                                 \
    "order_id, currency, subtotal, discount, shipping, tax, total, shipping_fee, "                 \
    "shipping_tax_bp, payment_status, payment_method, authorized, paid, refunded, "                \
    "cod_collected, cod_method, cod_driver, cod_collected_ms, cod_handin_id, customer_key, "       \
    "channel, created_ms, updated_ms"

lm_status store_order_money_insert(store_tx *tx, const store_order_money *m, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO order_money(" MONEY_COLS
                              ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = money_bind(st, m)) != LM_OK || (rc = store__step_done(st, err)) != LM_OK) goto fail;
    db_finish(st);
    return money_children_insert(db, m, err);
fail:
    db_finish(st);
    return rc;
}

static lm_status delete_children(db_conn *db, int64_t order_id, const char *sql, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, order_id));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_order_money_update(store_tx *tx, const store_order_money *m, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "UPDATE order_money SET currency=?2, subtotal=?3, discount=?4, shipping=?5, tax=?6, "
        "total=?7, shipping_fee=?8, shipping_tax_bp=?9, payment_status=?10, payment_method=?11, "
        "authorized=?12, paid=?13, refunded=?14, cod_collected=?15, cod_method=?16, "
        "cod_driver=?17, cod_collected_ms=?18, cod_handin_id=?19, customer_key=?20, channel=?21, "
        "created_ms=?22, updated_ms=?23 WHERE order_id=?1",
        &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = money_bind(st, m)) != LM_OK || (rc = store__step_done(st, err)) != LM_OK) goto fail;
    if (db_changes(db) != 1) {
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "order %" PRId64 " has no money record",
                            m->order_id);
        goto fail;
    }
    db_finish(st);
    /* few rows: replace lines and adjustments wholesale, as store_order_update does */
    if ((rc = delete_children(db, m->order_id, "DELETE FROM order_money_lines WHERE order_id = ?",
                              err)) != LM_OK ||
        (rc = delete_children(db, m->order_id, "DELETE FROM order_adjustments WHERE order_id = ?",
                              err)) != LM_OK)
        return rc;
    return money_children_insert(db, m, err);
fail:
    db_finish(st);
    return rc;
}

static void money_row(db_stmt *st, void *elem) {
    store_order_money *m = elem;
    memset(m, 0, sizeof *m);
    m->order_id = db_column_i64(st, 0);
    store__column_copy(st, 1, m->currency, sizeof m->currency);
    m->subtotal = db_column_i64(st, 2);
    m->discount = db_column_i64(st, 3);
    m->shipping = db_column_i64(st, 4);
    m->tax = db_column_i64(st, 5);
    m->total = db_column_i64(st, 6);
    m->shipping_fee = db_column_i64(st, 7);
    m->shipping_tax_bp = db_column_int(st, 8);
    store__column_copy(st, 9, m->payment_status, sizeof m->payment_status);
    store__column_copy(st, 10, m->payment_method, sizeof m->payment_method);
    m->authorized = db_column_i64(st, 11);
    m->paid = db_column_i64(st, 12);
    m->refunded = db_column_i64(st, 13);
    m->cod_collected = db_column_i64(st, 14);
    store__column_copy(st, 15, m->cod_method, sizeof m->cod_method);
    store__column_copy(st, 16, m->cod_driver, sizeof m->cod_driver);
    m->cod_collected_ms = db_column_i64(st, 17);
    m->cod_handin_id = db_column_i64(st, 18);
    store__column_copy(st, 19, m->customer_key, sizeof m->customer_key);
    store__column_copy(st, 20, m->channel, sizeof m->channel);
    m->created_ms = db_column_i64(st, 21);
    m->updated_ms = db_column_i64(st, 22);
}

static void money_line_row(db_stmt *st, void *elem) {
    store_money_line *l = elem;
    store__column_copy(st, 0, l->sku, sizeof l->sku);
    store__column_copy(st, 1, l->category, sizeof l->category);
    l->qty = db_column_i64(st, 2);
    l->cancelled_qty = db_column_i64(st, 3);
    l->unit_price = db_column_i64(st, 4);
    l->tax_rate_bp = db_column_int(st, 5);
    l->gross = db_column_i64(st, 6);
    l->discount = db_column_i64(st, 7);
    l->tax = db_column_i64(st, 8);
}

static void adj_row(db_stmt *st, void *elem) {
    store_adjustment *a = elem;
    store__column_copy(st, 0, a->promotion_id, sizeof a->promotion_id);
    store__column_copy(st, 1, a->code, sizeof a->code);
    store__column_copy(st, 2, a->kind, sizeof a->kind);
    store__column_copy(st, 3, a->scope, sizeof a->scope);
    store__column_copy(st, 4, a->target, sizeof a->target);
    a->percent_bp = db_column_int(st, 5);
    a->amount_param = db_column_i64(st, 6);
    a->buy_qty = db_column_int(st, 7);
    a->get_qty = db_column_int(st, 8);
    a->line_no = db_column_int(st, 9);
    a->amount = db_column_i64(st, 10);
}

static lm_status children_load(db_conn *db, const char *sql, int64_t order_id, size_t elem_size,
                               store__row_fn row, void **out, size_t *n, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, order_id));
    rc = store__collect(db, st, elem_size, row, out, n, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_order_money_get(store_read *r, int64_t order_id, store_order_money *out,
                                lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    store_order_money m;
    lm_status rc =
        db_prepare(db, "SELECT " MONEY_COLS " FROM order_money WHERE order_id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, order_id));
    if ((rc = store__step_row(db, st, "order money", err)) != LM_OK) goto fail;
    money_row(st, &m);
    db_finish(st);
    st = NULL;
    rc = children_load(db,
                       "SELECT sku, category, qty, cancelled_qty, unit_price, tax_rate_bp, gross, "
                       "discount, tax FROM order_money_lines WHERE order_id = ? ORDER BY line_no",
                       order_id, sizeof *m.lines, money_line_row, (void **)&m.lines, &m.n_lines,
                       err);
    if (rc == LM_OK)
        rc = children_load(db,
                           "SELECT promotion_id, code, kind, scope, target, percent_bp, "
                           "amount_param, buy_qty, get_qty, line_no, amount FROM "
                           "order_adjustments WHERE order_id = ? ORDER BY adj_no",
                           order_id, sizeof *m.adj, adj_row, (void **)&m.adj, &m.n_adj, err);
    if (rc != LM_OK) {
        store_order_money_clear(&m);
        return rc;
    }
    *out = m;
fail:
    db_finish(st);
    return rc;
}

void store_order_money_clear(store_order_money *m) {
    if (!m) return;
    lm_free(m->lines);
    lm_free(m->adj);
    m->lines = NULL;
    m->adj = NULL;
    m->n_lines = m->n_adj = 0;
}

lm_status store_order_money_ids(store_read *r, const char *status, int64_t before_ms, size_t limit,
                                int64_t **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT order_id FROM order_money WHERE payment_status = ? AND "
                              "created_ms < ? ORDER BY created_ms, order_id LIMIT ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, status));
    BIND(db_bind_i64(st, 2, before_ms));
    BIND(db_bind_i64(st, 3, (int64_t)limit));
    rc = store__collect(db, st, sizeof **out, store__id_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

/* ---- Payment history ---- */

lm_status store_payment_event_add(store_tx *tx, const store_payment_event *e, int64_t *id,
                                  lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO payment_events(order_id, kind, from_status, "
                              "to_status, amount, method, reference, created_ms) VALUES "
                              "(?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, e->order_id));
    BIND(db_bind_text(st, 2, e->kind));
    BIND(db_bind_text(st, 3, e->from_status));
    BIND(db_bind_text(st, 4, e->to_status));
    BIND(db_bind_i64(st, 5, e->amount));
    BIND(db_bind_text(st, 6, e->method));
    BIND(db_bind_text(st, 7, e->reference));
    BIND(db_bind_i64(st, 8, e->created_ms));
    if ((rc = store__step_done(st, err)) == LM_OK && id) *id = db_last_insert_id(db);
fail:
    db_finish(st);
    return rc;
}

static void payment_event_row(db_stmt *st, void *elem) {
    store_payment_event *e = elem;
    memset(e, 0, sizeof *e);
    e->id = db_column_i64(st, 0);
    e->order_id = db_column_i64(st, 1);
    store__column_copy(st, 2, e->kind, sizeof e->kind);
    store__column_copy(st, 3, e->from_status, sizeof e->from_status);
    store__column_copy(st, 4, e->to_status, sizeof e->to_status);
    e->amount = db_column_i64(st, 5);
    store__column_copy(st, 6, e->method, sizeof e->method);
    store__column_copy(st, 7, e->reference, sizeof e->reference);
    e->created_ms = db_column_i64(st, 8);
}

lm_status store_payment_event_list(store_read *r, int64_t order_id, store_payment_event **out,
                                   size_t *n, lm_errinfo *err) {
    return children_load(store__db(r),
                         "SELECT id, order_id, kind, from_status, to_status, amount, method, "
                         "reference, created_ms FROM payment_events WHERE order_id = ? ORDER BY id",
                         order_id, sizeof **out, payment_event_row, (void **)out, n, err);
}

/* ---- Cash on delivery ---- */

lm_status store_cash_outstanding(store_read *r, const char *driver_id, const char *currency,
                                 int64_t *amount, int64_t *orders, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT coalesce(sum(cod_collected), 0), count(*) FROM "
                              "order_money WHERE cod_driver = ? AND cod_handin_id = 0 AND "
                              "cod_method = 'cash' AND currency = ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, driver_id));
    BIND(db_bind_text(st, 2, currency));
    if ((rc = store__step_row(db, st, "cash", err)) != LM_OK) goto fail;
    *amount = db_column_i64(st, 0);
    *orders = db_column_i64(st, 1);
fail:
    db_finish(st);
    return rc;
}

lm_status store_cash_handin_add(store_tx *tx, const store_cash_handin *h, int64_t *id,
                                lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO cash_handins(driver_id, currency, expected, "
                              "handed_in, orders, key_id, created_ms) VALUES (?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, h->driver_id));
    BIND(db_bind_text(st, 2, h->currency));
    BIND(db_bind_i64(st, 3, h->expected));
    BIND(db_bind_i64(st, 4, h->handed_in));
    BIND(db_bind_i64(st, 5, h->orders));
    BIND(db_bind_text(st, 6, h->key_id));
    BIND(db_bind_i64(st, 7, h->created_ms));
    BIND(store__step_done(st, err));
    int64_t new_id = db_last_insert_id(db);
    db_finish(st);
    st = NULL;
    rc = db_prepare(db,
                    "UPDATE order_money SET cod_handin_id = ? WHERE cod_driver = ? AND "
                    "cod_handin_id = 0 AND cod_method = 'cash' AND currency = ?",
                    &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, new_id));
    BIND(db_bind_text(st, 2, h->driver_id));
    BIND(db_bind_text(st, 3, h->currency));
    if ((rc = store__step_done(st, err)) == LM_OK) *id = new_id;
fail:
    db_finish(st);
    return rc;
}

static void handin_row(db_stmt *st, void *elem) {
    store_cash_handin *h = elem;
    memset(h, 0, sizeof *h);
    h->id = db_column_i64(st, 0);
    store__column_copy(st, 1, h->driver_id, sizeof h->driver_id);
    store__column_copy(st, 2, h->currency, sizeof h->currency);
    h->expected = db_column_i64(st, 3);
    h->handed_in = db_column_i64(st, 4);
    h->orders = db_column_i64(st, 5);
    store__column_copy(st, 6, h->key_id, sizeof h->key_id);
    h->created_ms = db_column_i64(st, 7);
}

lm_status store_cash_handin_list(store_read *r, const char *driver_id, store_cash_handin **out,
                                 size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT id, driver_id, currency, expected, handed_in, orders, "
                              "key_id, created_ms FROM cash_handins WHERE driver_id = ? "
                              "ORDER BY id",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, driver_id));
    rc = store__collect(db, st, sizeof **out, handin_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

/* ---- Exceptions of one rule ----
 * The exception table is store/orders.c's; the unpaid hold needs to clear its own rule without
 * touching the reasons the intake audit raised, which store_exception_resolve would. */

lm_status store_exception_resolve_rule(store_tx *tx, int64_t order_id, const char *rule,
                                       const char *resolution, int64_t now_ms, int64_t *still_open,
                                       lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "UPDATE order_exceptions SET resolved_ms = ?, resolution = ? "
                              "WHERE order_id = ? AND rule = ? AND resolved_ms = 0",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, now_ms));
    BIND(db_bind_text(st, 2, resolution));
    BIND(db_bind_i64(st, 3, order_id));
    BIND(db_bind_text(st, 4, rule));
    BIND(store__step_done(st, err));
    db_finish(st);
    st = NULL;
    rc = db_prepare(db,
                    "SELECT count(*) FROM order_exceptions WHERE order_id = ? AND resolved_ms = 0",
                    &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, order_id));
    if ((rc = store__step_row(db, st, "exceptions", err)) != LM_OK) goto fail;
    *still_open = db_column_i64(st, 0);
fail:
    db_finish(st);
    return rc;
}

/* ---- Settings ---- */

static lm_status setting_put(db_conn *db, const char *key, int64_t value, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO money_settings(key, value) VALUES (?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, key));
    BIND(db_bind_i64(st, 2, value));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_money_config_get(store_read *r, store_money_config *cfg, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    store_money_config c = *cfg;
    lm_status rc = db_prepare(db, "SELECT key, value FROM money_settings", &st, err);
    if (rc != LM_OK) return rc;
    int s;
    while ((s = db_step(st)) == DB_ROW) {
        const char *k = db_column_text(st, 0);
        int64_t v = db_column_i64(st, 1);
        if (!k) continue;
        if (!strcmp(k, "coupon_refuse"))
            c.coupon_refuse = v != 0;
        else if (!strcmp(k, "hold_unpaid"))
            c.hold_unpaid = v != 0;
        else if (!strcmp(k, "payment_timeout_s"))
            c.payment_timeout_s = v;
        else if (!strcmp(k, "shipping_tax_bp"))
            c.shipping_tax_bp = (int32_t)v;
    }
    if (s != DB_DONE) rc = db_fail(db, s, err);
    db_finish(st);
    if (rc == LM_OK) *cfg = c;
    return rc;
}

lm_status store_money_config_put(store_tx *tx, const store_money_config *c, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    lm_status rc;
    if ((rc = setting_put(db, "coupon_refuse", c->coupon_refuse, err)) != LM_OK ||
        (rc = setting_put(db, "hold_unpaid", c->hold_unpaid, err)) != LM_OK ||
        (rc = setting_put(db, "payment_timeout_s", c->payment_timeout_s, err)) != LM_OK ||
        (rc = setting_put(db, "shipping_tax_bp", c->shipping_tax_bp, err)) != LM_OK)
        return rc;
    return LM_OK;
}
