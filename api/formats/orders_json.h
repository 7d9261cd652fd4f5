/* api/formats/orders_json.h: JSON bodies -> orders/ records (depots, products, stock rows,
 * orders), the codec behind POST /v1/depots, /v1/products, /v1/stock, /v1/orders and the demo
 * loader. Strings are checked as UTF-8 without control characters (notes may hold line breaks),
 * unknown keys are refused with the key named, numbers are range-checked before any cast.
 * Errors name the field by its JSON path ("lines[2].qty") in err; *out is undefined on failure.
 * No store, no HTTP, no globals. */
#ifndef LASTMILE_FORMATS_ORDERS_JSON_H
#define LASTMILE_FORMATS_ORDERS_JSON_H

#include "common/common.h"
#include "orders/money.h"
#include "orders/orders.h"

#include <cjson/cJSON.h>

/* {"id", "name", "location": [lon, lat], "opening_hours": {"open": "HH:MM", "close": "HH:MM"} or
 * [open_s, close_s]}. */
LM_MUST_USE lm_status fmt_depot_from_json(const cJSON *j, orders_depot *d, lm_errinfo *err);

/* {"sku", "name", "weight_g" | "weight_kg", "volume_cm3" | "volume_l", "substitute_sku",
 * "active"}. */
LM_MUST_USE lm_status fmt_product_from_json(const cJSON *j, orders_product *p, lm_errinfo *err);

/* One stock level: {"depot_id", "sku", "on_hand", "reorder_point"?}. */
typedef struct fmt_stock_row {
    char depot_id[STORE_ID_MAX + 1];
    char sku[STORE_ID_MAX + 1];
    int64_t on_hand;
    int64_t reorder_point; /* 0 when absent */
} fmt_stock_row;
LM_MUST_USE lm_status fmt_stock_row_from_json(const cJSON *j, fmt_stock_row *row, lm_errinfo *err);

/* An order body: external_ref, channel, notes, out_of_stock, priority, customer {name, phone,
 * email, address, location}, lines [{sku, qty | quantity}], time_windows [[start, end] or
 * {start, end}] as epoch seconds or RFC 3339 times with a zone. The lines are allocated from
 * arena (they live as long as it does). */
LM_MUST_USE lm_status fmt_order_from_json(const cJSON *j, lm_arena *arena, orders_order *o,
                                          lm_errinfo *err);

/* An order body that may carry money: the members above plus currency, shipping_fee, coupons,
 * payment {method} and lines[].unit_price / tax_rate_bp (read by fmt_money_order_read, whose
 * rules apply: totals sent by the client are refused with the field named). *has_money is false
 * for an order without any; otherwise money is filled, its lines allocated from arena. */
LM_MUST_USE lm_status fmt_order_priced_from_json(const cJSON *j, lm_arena *arena, orders_order *o,
                                                 orders_money_in *money, bool *has_money,
                                                 lm_errinfo *err);

/* v as epoch seconds, or an RFC 3339 time with a zone on a real calendar date, into *out; v as
 * [lon, lat] in range. INVALID naming path otherwise (the pickup-and-delivery codec's pieces). */
LM_MUST_USE lm_status fmt_order_time_from_json(const cJSON *v, const char *path, int64_t *out,
                                               lm_errinfo *err);
LM_MUST_USE lm_status fmt_lonlat_from_json(const cJSON *v, const char *path, double *lon,
                                           double *lat, lm_errinfo *err);

#endif
