/* api/formats/csv.h: the orders CSV format, bytes into orders/ records, one row at a time.
 *
 * One order per row; a header row names the columns (any order, case-insensitive): external_ref,
 * channel, customer_name, customer_phone, customer_email, customer_address, lon, lat, lines
 * (required: "SKU:qty;SKU:qty"), window_start, window_end (epoch seconds or ISO-8601 with a zone),
 * priority (0..100), notes, out_of_stock (cancel | backorder | substitute), idempotency_key;
 * and money (fmt_csv_money): currency (ISO 4217), unit_prices ("12.30;;4.50": decimal, one per
 * line, empty = the list price), shipping_fee (decimal), coupons ("CODE;CODE"), payment_method.
 * RFC 4180 quoting. Text is UTF-8 without control characters (notes may hold line breaks and
 * tabs); anything else is refused with the column named.
 * Idempotency: every row gets the key "csv:" + SHA-256 (hex) of its channel and idempotency_key
 * when that column is given, else of the whole row (every column's text). Importing a file twice
 * creates nothing new, and rows that differ anywhere never share a key; two identical rows are one
 * order unless an idempotency_key tells them apart. */
#ifndef LASTMILE_FORMATS_CSV_H
#define LASTMILE_FORMATS_CSV_H

#include "common/common.h"
#include "orders/money.h"
#include "orders/orders.h"

#define FMT_CSV_MAX_ROWS  100000
#define FMT_CSV_MAX_BYTES (256u << 20) /* fmt_csv_parse refuses larger texts (LM_TOO_BIG) */

typedef struct fmt_csv fmt_csv;

/* Splits text[0..len) into rows and checks the header. LM_INVALID (err says the line and why)
 * for an unknown column, a missing 'lines' column or broken quoting; LM_TOO_BIG past the row or
 * byte cap. On success *out is the caller's (fmt_csv_destroy, NULL-safe); it copies text. */
LM_MUST_USE lm_status fmt_csv_parse(const char *text, size_t len, fmt_csv **out, lm_errinfo *err);
void fmt_csv_destroy(fmt_csv *c);
/* Number of data rows, and the 1-based line of the file where row i starts. */
size_t fmt_csv_count(const fmt_csv *c);
size_t fmt_csv_line(const fmt_csv *c, size_t i);
/* Where row i's bytes are in the parsed text (without its line break), and how many bytes the
 * header takes (line break included): to send a file in chunks. */
void fmt_csv_span(const fmt_csv *c, size_t i, size_t *off, size_t *len);
size_t fmt_csv_header_len(const fmt_csv *c);
/* Row i as an order (lines allocated: orders_order_clear) and its idempotency key (above; always
 * set on success; store_order is orders/'s orders_order). On failure err names the column and
 * says "line N: why". */
LM_MUST_USE lm_status fmt_csv_order(const fmt_csv *c, size_t i, store_order *out,
                                    char idem_key[STORE_REF_MAX + 1], lm_errinfo *err);

/* Row i's money columns (decimal amounts in the row's currency, docs/money.md) into out, with
 * lines (n_lines entries of the caller's, n_lines being the row's order lines from fmt_csv_order).
 * *present is false when every money column is empty: an order without money. Errors name the
 * column and say "line N: why". */
LM_MUST_USE lm_status fmt_csv_money(const fmt_csv *c, size_t i, size_t n_lines,
                                    orders_money_in *out, orders_money_line_in *lines,
                                    bool *present, lm_errinfo *err);

#endif
