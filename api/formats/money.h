/* api/formats/money.h: the money codec: amounts (integers in minor units), ISO 4217 currency
 * codes, the money members of an order body (currency, lines[].unit_price / tax_rate_bp,
 * shipping_fee, coupons, payment.method) into orders_money_in, an order's money as JSON, and
 * decimal text ("12.30") for CSV files and people. Pure: no HTTP, no store, no globals.
 * Ownership: as api/formats/json.h (items borrowed from the caller's cJSON tree); the caller
 * supplies the line array fmt_money_order_read fills. Errors: LM_INVALID / LM_TOO_BIG with the
 * JSON path of the field. */
#ifndef LASTMILE_FORMATS_MONEY_H
#define LASTMILE_FORMATS_MONEY_H

#include "api/formats/json.h"
#include "orders/money.h"

/* Member key of obj as an amount: an integer JSON number in [0, max] (no fractions: "12.30 EUR"
 * is sent as 1230). The field is parent.key. */
LM_MUST_USE lm_status fmt_money_amount(const cJSON *obj, const char *key, const char *parent,
                                       fmt_json_need need, int64_t max, int64_t *out,
                                       lm_errinfo *err);
/* Member key of obj as an active ISO 4217 code (three capital letters) into out. */
LM_MUST_USE lm_status fmt_money_currency(const cJSON *obj, const char *key, const char *parent,
                                         fmt_json_need need, char out[STORE_CURRENCY_LEN + 1],
                                         lm_errinfo *err);

/* Reads the money members of an order body whose "lines" array has n_lines entries (already
 * read by the caller). *present is false when the body carries none of them (an order without
 * money); otherwise "currency" is required and out is filled, out->lines pointing at lines
 * (n_lines entries, caller's storage). Totals are the server's: a body sending "total",
 * "totals", "discount" or "subtotal" is refused, and "coupon" points to "coupons". */
LM_MUST_USE lm_status fmt_money_order_read(const cJSON *body, size_t n_lines, orders_money_in *out,
                                           orders_money_line_in *lines, bool *present,
                                           lm_errinfo *err);

/* Appends "currency":..,"lines":[{"sku","qty","unit_price","tax_rate_bp","discount","tax"}..],
 * "totals":{..},"adjustments":[..],"payment":{"status","method","amount_due","paid",
 * "refunded"} (members, no braces) for m. */
LM_MUST_USE lm_status fmt_money_write(lm_buf *b, const orders_money *m);

/* "12.30" for 1230 in EUR ("1500" in JPY, "1.250" in KWD); "-" first when negative. out gets ""
 * for an unknown currency. */
void fmt_money_decimal(int64_t minor, const char *currency, char *out, size_t cap);
/* The reverse for text such as a CSV cell: digits with at most the currency's number of
 * decimals ("12.3" and "12.30" are 1230 in EUR, "12.345" is refused); no sign, no exponent, no
 * thousands separators. false when it is not such a number or exceeds max. */
bool fmt_money_decimal_parse(const char *text, const char *currency, int64_t max, int64_t *out);

/* ---- The catalogue (api/formats/money_catalog.c) ---- */

/* A price body {"unit_price", "tax_rate_bp"?, "category"?} into p (sku and currency are the
 * caller's, from the path); other members of p are left as they are. */
LM_MUST_USE lm_status fmt_price_from_json(const cJSON *j, orders_price *p, lm_errinfo *err);
cJSON *fmt_price_to_json(const orders_price *p);
/* A promotion body (the members of orders_promotion by their names; combinable and active
 * default to true, scope to "order"). Ranges are checked here, the combination of kind, scope
 * and amounts by orders_promotion_check. */
LM_MUST_USE lm_status fmt_promotion_from_json(const cJSON *j, orders_promotion *p, lm_errinfo *err);
cJSON *fmt_promotion_to_json(const orders_promotion *p);
/* The money settings: members given replace those in *c (read the current ones first); fields
 * are named under parent ("" for a body of its own, "money" inside the orders configuration). */
LM_MUST_USE lm_status fmt_money_config_from_json(const cJSON *j, const char *parent,
                                                 orders_money_config *c, lm_errinfo *err);
cJSON *fmt_money_config_to_json(const orders_money_config *c);

#endif
