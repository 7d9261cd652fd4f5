/* orders/catalog.c: depots, products and stock levels: validated puts with their events, lists,
 * and the backorder retry when a stock change makes units available. */
#include "orders/internal.h"

#include "geo/geo.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool id_valid(const char *s) {
    if (!s[0]) return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

/* ---- Depots, products, stock ---- */

static lm_status depot_check(const orders_depot *d, lm_errinfo *err) {
    if (!id_valid(d->id))
        return lm_errinfo_set(err, LM_INVALID, "id",
                              "depot id must be 1-64 characters of A-Z a-z 0-9 . _ -");
    if (!d->name[0]) return lm_errinfo_set(err, LM_INVALID, "name", "name is required");
    lm_status rc = geo_point_check((geo_point){.lat = d->lat, .lon = d->lon}, "location", err);
    if (rc != LM_OK) return rc;
    if (d->open_s < 0 || d->open_s >= 86400)
        return lm_errinfo_set(err, LM_INVALID, "opening_hours.open",
                              "opening time must be within the day (00:00-23:59)");
    if (d->close_s <= d->open_s || d->close_s > 2 * 86400)
        return lm_errinfo_set(err, LM_INVALID, "opening_hours.close",
                              "closing time must be after the opening time");
    return LM_OK;
}

lm_status orders_depot_put_tx(store_tx *tx, const orders_depot *d, lm_errinfo *err) {
    lm_status rc = depot_check(d, err);
    if (rc != LM_OK) return rc;
    char rest[96];
    snprintf(rest, sizeof rest, ",\"location\":[%.7f,%.7f]}", d->lon, d->lat);
    if ((rc = store_depot_put(tx, d, err)) != LM_OK) return rc;
    return orders__event_keyed(tx, "depot.put", "depot", "id", d->id, rest);
}

lm_status orders_depot_put(orders_svc *o, const orders_depot *d, lm_errinfo *err) {
    lm_status rc = depot_check(d, err);
    if (rc != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(o->st, &tx)) != LM_OK)
        return lm_errinfo_set(err, rc, "", "store unavailable");
    if ((rc = orders_depot_put_tx(tx, d, err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    return orders__commit(tx, err);
}

lm_status orders_depot_list(orders_svc *o, orders_depot **out, size_t *n, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_depot_list(r, out, n, err);
    store_read_end(r);
    return rc;
}

lm_status orders_product_put(orders_svc *o, const orders_product *p, lm_errinfo *err) {
    if (!id_valid(p->sku))
        return lm_errinfo_set(err, LM_INVALID, "sku",
                              "SKU must be 1-64 characters of A-Z a-z 0-9 . _ -");
    if (!p->name[0]) return lm_errinfo_set(err, LM_INVALID, "name", "name is required");
    if (p->weight_g < 0 || p->weight_g > 10000000)
        return lm_errinfo_set(err, LM_INVALID, "weight_g", "weight must be 0..10000000 g");
    if (p->volume_cm3 < 0 || p->volume_cm3 > 100000000)
        return lm_errinfo_set(err, LM_INVALID, "volume_cm3", "volume must be 0..100000000 cm3");
    if (p->substitute_sku[0] && !strcmp(p->substitute_sku, p->sku))
        return lm_errinfo_set(err, LM_INVALID, "substitute_sku",
                              "a product cannot substitute itself");
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    if (p->substitute_sku[0]) {
        store_product sp;
        rc = store_product_get(store_tx_read(tx), p->substitute_sku, &sp, err);
        if (rc == LM_NOT_FOUND)
            rc = lm_errinfo_set(err, LM_INVALID, "substitute_sku", "unknown SKU '%s'",
                                p->substitute_sku);
        if (rc != LM_OK) goto fail;
    }
    if ((rc = store_product_put(tx, p, err)) != LM_OK ||
        (rc = orders__event_keyed(tx, p->active ? "product.put" : "product.quarantined", "product",
                                  "sku", p->sku,
                                  p->active ? ",\"active\":true}" : ",\"active\":false}")) != LM_OK)
        goto fail;
    return orders__commit(tx, err);
fail:
    store_tx_rollback(tx);
    return rc;
}

lm_status orders_product_list(orders_svc *o, orders_product **out, size_t *n, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_product_list(r, out, n, err);
    store_read_end(r);
    return rc;
}

lm_status orders_stock_set(orders_svc *o, const char *depot_id, const char *sku, int64_t on_hand,
                           int64_t reorder_point, orders_stock *out, lm_errinfo *err) {
    if (on_hand < 0 || on_hand > INT32_MAX)
        return lm_errinfo_set(err, LM_INVALID, "on_hand", "on_hand must be 0..%d", INT32_MAX);
    if (reorder_point < -1 || reorder_point > INT32_MAX)
        return lm_errinfo_set(err, LM_INVALID, "reorder_point", "reorder_point must be 0..%d",
                              INT32_MAX);
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    store_read *r = store_tx_read(tx);
    store_depot d;
    store_product p;
    if ((rc = store_depot_get(r, depot_id, &d, err)) != LM_OK) {
        if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "depot", "unknown depot '%s'", depot_id);
        goto fail;
    }
    if ((rc = store_product_get(r, sku, &p, err)) != LM_OK) {
        if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "sku", "unknown SKU '%s'", sku);
        goto fail;
    }
    store_stock before = {0};
    bool existed = true;
    rc = store_stock_get(r, depot_id, sku, &before, err);
    if (rc == LM_NOT_FOUND) {
        existed = false;
        lm_errinfo_clear(err);
        rc = LM_OK;
    }
    if (rc != LM_OK) goto fail;
    if (on_hand < before.reserved) {
        rc =
            lm_errinfo_set(err, LM_CONFLICT, "on_hand",
                           "on_hand %" PRId64 " is below the %" PRId64 " units reserved for orders",
                           on_hand, before.reserved);
        goto fail;
    }
    store_stock row = before;
    lm_strlcpy(row.depot_id, depot_id, sizeof row.depot_id);
    lm_strlcpy(row.sku, sku, sizeof row.sku);
    row.on_hand = on_hand;
    if (reorder_point >= 0) row.reorder_point = reorder_point;
    if ((rc = store_stock_put(tx, &row, err)) != LM_OK) goto fail;
    {
        lm_buf b;
        lm_buf_init(&b, 1024);
        char key[2 * STORE_ID_MAX + 2];
        snprintf(key, sizeof key, "%s/%s", depot_id, sku);
        rc = lm_buf_append(&b, "{\"depot\":", 9);
        if (rc == LM_OK) rc = lm_buf_json_str(&b, depot_id);
        if (rc == LM_OK) rc = lm_buf_append(&b, ",\"sku\":", 7);
        if (rc == LM_OK) rc = lm_buf_json_str(&b, sku);
        if (rc == LM_OK)
            rc = lm_buf_printf(&b, ",\"on_hand\":%" PRId64 ",\"previous\":%" PRId64 "}", on_hand,
                               before.on_hand);
        if (rc == LM_OK) rc = store_event_append(tx, "stock.set", "stock", key, b.data);
        lm_buf_free(&b);
        if (rc != LM_OK) goto fail;
    }
    int64_t avail_before = before.on_hand - before.reserved;
    int64_t avail_after = row.on_hand - row.reserved;
    if (avail_after < row.reorder_point && (!existed || avail_before >= before.reorder_point)) {
        rc = orders__event_stock_low(tx, depot_id, sku, row.on_hand, row.reserved,
                                     row.reorder_point);
        if (rc != LM_OK) goto fail;
    }
    if (avail_after > avail_before && (rc = orders__backorders_retry(o, tx, err)) != LM_OK)
        goto fail;
    store_stock after;
    if ((rc = store_stock_get(r, depot_id, sku, &after, err)) != LM_OK) goto fail;
    if ((rc = orders__commit(tx, err)) != LM_OK) return rc;
    if (out) *out = after;
    return LM_OK;
fail:
    store_tx_rollback(tx);
    return rc;
}

lm_status orders_stock_return_tx(orders_svc *o, store_tx *tx, const char *depot_id, const char *sku,
                                 int64_t qty, lm_errinfo *err) {
    if (qty < 1 || qty > INT32_MAX)
        return lm_errinfo_set(err, LM_INVALID, "qty", "qty must be 1..%d", INT32_MAX);
    store_read *r = store_tx_read(tx);
    store_stock row = {0};
    lm_status rc = store_stock_get(r, depot_id, sku, &row, err);
    if (rc == LM_NOT_FOUND) { /* first units of this SKU at this depot */
        lm_errinfo_clear(err);
        store_depot d;
        store_product p;
        if ((rc = store_depot_get(r, depot_id, &d, err)) == LM_NOT_FOUND)
            return lm_errinfo_set(err, rc, "depot", "unknown depot '%s'", depot_id);
        if (rc != LM_OK) return rc;
        if ((rc = store_product_get(r, sku, &p, err)) == LM_NOT_FOUND)
            return lm_errinfo_set(err, rc, "sku", "unknown SKU '%s'", sku);
        if (rc != LM_OK) return rc;
        lm_strlcpy(row.depot_id, depot_id, sizeof row.depot_id);
        lm_strlcpy(row.sku, sku, sizeof row.sku);
    } else if (rc != LM_OK) {
        return rc;
    }
    int64_t before = row.on_hand;
    row.on_hand += qty;
    if ((rc = store_stock_put(tx, &row, err)) != LM_OK) return rc;
    lm_buf b;
    lm_buf_init(&b, 1024);
    char key[2 * STORE_ID_MAX + 2];
    snprintf(key, sizeof key, "%s/%s", depot_id, sku);
    rc = lm_buf_append(&b, "{\"depot\":", 9);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, depot_id);
    if (rc == LM_OK) rc = lm_buf_append(&b, ",\"sku\":", 7);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, sku);
    if (rc == LM_OK)
        rc = lm_buf_printf(&b, ",\"on_hand\":%" PRId64 ",\"previous\":%" PRId64 "}", row.on_hand,
                           before);
    if (rc == LM_OK) rc = store_event_append(tx, "stock.returned", "stock", key, b.data);
    lm_buf_free(&b);
    if (rc != LM_OK) return rc;
    return orders__backorders_retry(o, tx, err);
}

lm_status orders_stock_list(orders_svc *o, bool only_low, orders_stock **out, size_t *n,
                            lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_stock_list(r, only_low, out, n, err);
    store_read_end(r);
    return rc;
}
