/* orders/record.c: the events that record order, stock and catalogue changes, appended in the
 * transaction of the change, a reservation with its stock.low event, and the commit that names
 * its failure. */
#include "orders/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static lm_status buf_text(lm_buf *b, const char *s) {
    return lm_buf_append(b, s, strlen(s));
}

/* Two of these per order created: built with appends, no printf (perf-intake.md, round 5). */
lm_status orders__event_order(store_tx *tx, const orders_order *ord, const char *from,
                              const char *extra_json) {
    lm_buf b;
    lm_buf_init(&b, 8192);
    char type[48] = "order.";
    lm_strlcpy(type + 6, ord->status, sizeof type - 6);
    char id[24];
    size_t id_len = lm_i64_text(id, ord->id);
    lm_status rc = buf_text(&b, "{\"id\":");
    if (rc == LM_OK) rc = lm_buf_append(&b, id, id_len);
    if (rc == LM_OK) rc = buf_text(&b, ",\"from\":");
    if (rc == LM_OK) rc = lm_buf_json_str(&b, from);
    if (rc == LM_OK) rc = buf_text(&b, ",\"to\":\"");
    if (rc == LM_OK) rc = buf_text(&b, ord->status);
    if (rc == LM_OK) rc = buf_text(&b, "\",\"channel\":");
    if (rc == LM_OK) rc = lm_buf_json_str(&b, ord->channel);
    if (rc == LM_OK) rc = buf_text(&b, ",\"depot\":");
    if (rc == LM_OK) rc = lm_buf_json_str(&b, ord->depot_id);
    if (rc == LM_OK && ord->stock_outcome[0]) rc = buf_text(&b, ",\"stock_outcome\":\"");
    if (rc == LM_OK && ord->stock_outcome[0]) rc = buf_text(&b, ord->stock_outcome);
    if (rc == LM_OK && ord->stock_outcome[0]) rc = buf_text(&b, "\"");
    if (rc == LM_OK && extra_json) rc = buf_text(&b, ",");
    if (rc == LM_OK && extra_json) rc = buf_text(&b, extra_json);
    if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
    if (rc == LM_OK) rc = store_event_append(tx, type, "order", id, b.data);
    lm_buf_free(&b);
    return rc;
}

/* Sets ord's status to `to` (which the caller checked) and records the event. */
lm_status orders__order_move(orders_svc *o, store_tx *tx, orders_order *ord, orders_status to,
                             const char *extra_json) {
    char from[24];
    lm_strlcpy(from, ord->status, sizeof from);
    lm_strlcpy(ord->status, orders_status_name(to), sizeof ord->status);
    ord->updated_ms = o->now_ms();
    return orders__event_order(tx, ord, from, extra_json);
}

lm_status orders__event_stock_low(store_tx *tx, const char *depot, const char *sku, int64_t on_hand,
                                  int64_t reserved, int64_t reorder_point) {
    lm_buf b;
    lm_buf_init(&b, 1024);
    char key[2 * STORE_ID_MAX + 2];
    snprintf(key, sizeof key, "%s/%s", depot, sku);
    lm_status rc = lm_buf_append(&b, "{\"depot\":", 9);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, depot);
    if (rc == LM_OK) rc = lm_buf_append(&b, ",\"sku\":", 7);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, sku);
    if (rc == LM_OK)
        rc = lm_buf_printf(&b,
                           ",\"on_hand\":%" PRId64 ",\"reserved\":%" PRId64
                           ",\"available\":%" PRId64 ",\"reorder_point\":%" PRId64 "}",
                           on_hand, reserved, on_hand - reserved, reorder_point);
    if (rc == LM_OK) rc = store_event_append(tx, "stock.low", "stock", key, b.data);
    lm_buf_free(&b);
    return rc;
}

/* Appends event `type` for entity/id with the payload {"<key>":<id as a JSON string><rest>, rest
 * closing the object. */
lm_status orders__event_keyed(store_tx *tx, const char *type, const char *entity, const char *key,
                              const char *id, const char *rest) {
    lm_buf b;
    lm_buf_init(&b, 4096);
    lm_status rc = lm_buf_printf(&b, "{\"%s\":", key);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, id);
    if (rc == LM_OK) rc = lm_buf_append(&b, rest, strlen(rest));
    if (rc == LM_OK) rc = store_event_append(tx, type, entity, id, b.data);
    lm_buf_free(&b);
    return rc;
}

/* Commits tx (consumed either way), naming a failure. */
lm_status orders__commit(store_tx *tx, lm_errinfo *err) {
    lm_status rc = store_tx_commit(tx);
    if (rc != LM_OK) lm_errinfo_set(err, rc, "", "commit failed");
    return rc;
}

lm_status orders__stock_reserve(store_tx *tx, const char *depot, const char *sku, int64_t qty,
                                lm_errinfo *err) {
    /* a SELECT then the UPDATE: an UPDATE ... RETURNING costs SQLite an ephemeral table per
     * statement, more than the point read (bench/results/perf-intake.md, round 3) */
    store_stock before;
    lm_status rc = store_stock_get(store_tx_read(tx), depot, sku, &before, err);
    if (rc != LM_OK) return rc;
    if ((rc = store_stock_adjust(tx, depot, sku, qty, 0, err)) != LM_OK) return rc;
    int64_t avail_before = before.on_hand - before.reserved;
    int64_t avail_after = avail_before - qty;
    if (avail_before >= before.reorder_point && avail_after < before.reorder_point)
        rc = orders__event_stock_low(tx, depot, sku, before.on_hand, before.reserved + qty,
                                     before.reorder_point);
    return rc;
}
