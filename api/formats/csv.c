/* api/formats/csv.c: the orders CSV format (RFC 4180 quoting, a header row naming the columns,
 * one order per row, lines as "SKU:qty;SKU:qty") read into orders/ records, each row on its own so
 * that a bad row is reported with its line number while the good rows still go in. */
#include "api/formats/csv.h"

#include "api/formats/money.h"
#include "api/formats/rfc3339.h"
#include "common/sha256.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum {
    COL_EXTERNAL_REF,
    COL_CHANNEL,
    COL_NAME,
    COL_PHONE,
    COL_EMAIL,
    COL_ADDRESS,
    COL_LON,
    COL_LAT,
    COL_LINES,
    COL_WSTART,
    COL_WEND,
    COL_PRIORITY,
    COL_NOTES,
    COL_OOS,
    COL_IDEM,
    /* money (fmt_csv_money); empty money columns leave a row's idempotency key as it was */
    COL_CURRENCY,
    COL_UNIT_PRICES,
    COL_SHIPPING_FEE,
    COL_COUPONS,
    COL_PAYMENT_METHOD,
    COL__COUNT
};

static const char *const col_names[COL__COUNT] = {
    "external_ref",     "channel",     "customer_name", "customer_phone", "customer_email",
    "customer_address", "lon",         "lat",           "lines",          "window_start",
    "window_end",       "priority",    "notes",         "out_of_stock",   "idempotency_key",
    "currency",         "unit_prices", "shipping_fee",  "coupons",        "payment_method"};

#define CSV_MAX_FIELDS 32

typedef struct csv_record {
    size_t line;             /* 1-based line where the record starts */
    size_t raw_off, raw_len; /* the record's bytes in the caller's text (no line break) */
    size_t first, n;         /* its fields in csv->fields */
    size_t nul_field;        /* 1 + the first field holding a NUL byte, 0 when none */
} csv_record;

struct fmt_csv {
    char *buf;     /* unescaped copy of the text; fields point into it */
    char **fields; /* all fields of all records */
    size_t n_fields, cap_fields;
    csv_record *rec; /* data records (header excluded) */
    size_t n_rec, cap_rec;
    int col_of[CSV_MAX_FIELDS]; /* header position -> COL_* */
    size_t n_cols;
    size_t header_len; /* bytes of the header record in the caller's text, line break included */
};

static lm_status push_field(fmt_csv *c, char *f) {
    if (c->n_fields == c->cap_fields) {
        size_t nc = c->cap_fields ? c->cap_fields * 2 : 256;
        char **p = lm_reallocarray(c->fields, nc, sizeof *p);
        if (!p) return LM_NOMEM;
        c->fields = p;
        c->cap_fields = nc;
    }
    c->fields[c->n_fields++] = f;
    return LM_OK;
}

static lm_status push_record(fmt_csv *c, const csv_record *r) {
    if (c->n_rec == FMT_CSV_MAX_ROWS) return LM_TOO_BIG;
    if (c->n_rec == c->cap_rec) {
        size_t nc = c->cap_rec ? c->cap_rec * 2 : 64;
        csv_record *p = lm_reallocarray(c->rec, nc, sizeof *p);
        if (!p) return LM_NOMEM;
        c->rec = p;
        c->cap_rec = nc;
    }
    c->rec[c->n_rec++] = *r;
    return LM_OK;
}

void fmt_csv_destroy(fmt_csv *c) {
    if (!c) return;
    lm_free(c->buf);
    lm_free(c->fields);
    lm_free(c->rec);
    lm_free(c);
}

/* Splits text into records and fields (unescaping quotes in place in a copy). */
static lm_status split(fmt_csv *c, const char *text, size_t len, csv_record *header,
                       lm_errinfo *err) {
    char *b = c->buf;
    size_t i = 0, line = 1;
    bool have_header = false;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) i = 3; /* UTF-8 byte order mark */
    while (i < len) {
        csv_record r = {.line = line, .raw_off = i, .first = c->n_fields};
        char *w = b + i;
        bool blank = true;
        for (;;) { /* one field per iteration */
            char *start = w;
            if (i < len && text[i] == '"') {
                size_t open_line = line;
                i++;
                for (;;) {
                    if (i >= len)
                        return lm_errinfo_set(err, LM_INVALID, "csv",
                                              "line %zu: unterminated quoted field", open_line);
                    if (text[i] == '"') {
                        if (i + 1 < len && text[i + 1] == '"') {
                            *w++ = '"';
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (text[i] == '\n') line++;
                    if (text[i] == '\0' && !r.nul_field) r.nul_field = r.n + 1;
                    *w++ = text[i++];
                }
                if (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
                    return lm_errinfo_set(err, LM_INVALID, "csv",
                                          "line %zu: text after a closing quote", line);
                blank = false;
            } else {
                while (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    if (text[i] == '\0' && !r.nul_field) r.nul_field = r.n + 1;
                    *w++ = text[i++];
                }
                if (w != start) blank = false;
            }
            char *end = w;
            if (r.n == CSV_MAX_FIELDS)
                return lm_errinfo_set(err, LM_TOO_BIG, "csv", "line %zu: more than %d fields",
                                      r.line, CSV_MAX_FIELDS);
            lm_status rc = push_field(c, start);
            if (rc != LM_OK) return rc;
            r.n++;
            if (i < len && text[i] == ',') {
                blank = false;
                *end = '\0';
                i++;
                w = b + i;
                continue;
            }
            r.raw_len = i - r.raw_off;
            if (i < len && text[i] == '\r') i++;
            if (i < len && text[i] == '\n') i++;
            *end = '\0';
            line++;
            break;
        }
        if (blank) { /* an empty line: not a record */
            c->n_fields = r.first;
            continue;
        }
        if (!have_header) {
            *header = r;
            c->header_len = i;
            have_header = true;
            c->n_fields = r.first + r.n; /* header fields stay for the mapping */
            continue;
        }
        lm_status rc = push_record(c, &r);
        if (rc == LM_TOO_BIG)
            return lm_errinfo_set(err, rc, "csv", "more than %d rows; split the file",
                                  FMT_CSV_MAX_ROWS);
        if (rc != LM_OK) return rc;
    }
    if (!have_header) return lm_errinfo_set(err, LM_INVALID, "csv", "no header row");
    return LM_OK;
}

lm_status fmt_csv_parse(const char *text, size_t len, fmt_csv **out, lm_errinfo *err) {
    if (len > FMT_CSV_MAX_BYTES)
        return lm_errinfo_set(err, LM_TOO_BIG, "csv", "the file is %zu bytes; the limit is %zu",
                              len, (size_t)FMT_CSV_MAX_BYTES);
    lm_status rc = LM_NOMEM;
    fmt_csv *c = lm_calloc(1, sizeof *c);
    if (!c || !(c->buf = lm_alloc(len + 1))) goto fail;
    csv_record header = {0};
    if ((rc = split(c, text, len, &header, err)) != LM_OK) goto fail;
    c->n_cols = header.n;
    if (header.nul_field) {
        rc = lm_errinfo_set(err, LM_INVALID, "csv", "line %zu: column %zu's name holds a NUL byte",
                            header.line, header.nul_field);
        goto fail;
    }
    bool seen[COL__COUNT] = {false};
    for (size_t k = 0; k < header.n; k++) {
        const char *name = c->fields[header.first + k];
        int col = -1;
        for (int j = 0; j < COL__COUNT; j++)
            if (!strcasecmp(name, col_names[j])) col = j;
        if (col < 0) {
            rc = lm_errinfo_set(err, LM_INVALID, "csv",
                                "line %zu: unknown column '%.40s' (columns: external_ref, "
                                "channel, customer_name, customer_phone, customer_email, "
                                "customer_address, lon, lat, lines, window_start, window_end, "
                                "priority, notes, out_of_stock, idempotency_key, currency, "
                                "unit_prices, shipping_fee, coupons, payment_method)",
                                header.line, name);
            goto fail;
        }
        if (seen[col]) {
            rc = lm_errinfo_set(err, LM_INVALID, "csv", "line %zu: column '%s' appears twice",
                                header.line, col_names[col]);
            goto fail;
        }
        seen[col] = true;
        c->col_of[k] = col;
    }
    if (!seen[COL_LINES]) {
        rc = lm_errinfo_set(err, LM_INVALID, "csv", "line %zu: the 'lines' column is required",
                            header.line);
        goto fail;
    }
    *out = c;
    return LM_OK;
fail:
    fmt_csv_destroy(c);
    if (rc == LM_NOMEM) lm_errinfo_set(err, rc, "csv", "out of memory");
    return rc;
}

size_t fmt_csv_count(const fmt_csv *c) {
    return c->n_rec;
}

size_t fmt_csv_line(const fmt_csv *c, size_t i) {
    return c->rec[i].line;
}

void fmt_csv_span(const fmt_csv *c, size_t i, size_t *off, size_t *len) {
    *off = c->rec[i].raw_off;
    *len = c->rec[i].raw_len;
}

size_t fmt_csv_header_len(const fmt_csv *c) {
    return c->header_len;
}

/* Text of a column: UTF-8 without control characters, except the line breaks and tabs that
 * free-text columns (notes) may hold. */
static lm_status text_ok(const char *v, bool free_text, size_t line, const char *col,
                         lm_errinfo *err) {
    if (lm_utf8_valid(v, strlen(v), free_text ? LM_UTF8_LINES : "")) return LM_OK;
    if (!lm_utf8_valid(v, strlen(v), NULL))
        return lm_errinfo_set(err, LM_INVALID, col, "line %zu: %s is not valid UTF-8", line, col);
    return lm_errinfo_set(err, LM_INVALID, col,
                          free_text ? "line %zu: %s holds a control character other than a line "
                                      "break or a tab"
                                    : "line %zu: %s holds a control character (a line break, a "
                                      "tab, ...)",
                          line, col);
}

static lm_status copy_col(const char *v, char *dst, size_t cap, size_t line, const char *col,
                          lm_errinfo *err) {
    if (strlen(v) >= cap)
        return lm_errinfo_set(err, LM_TOO_BIG, col, "line %zu: %s is longer than %zu characters",
                              line, col, cap - 1);
    lm_status rc = text_ok(v, !strcmp(col, "notes"), line, col, err);
    if (rc != LM_OK) return rc;
    lm_strlcpy(dst, v, cap);
    return LM_OK;
}

static lm_status time_col(const char *v, int64_t *out, size_t line, const char *col,
                          lm_errinfo *err) {
    if (lm_parse_i64(v, 0, INT64_C(100000000000), out) || fmt_time_parse_rfc3339(v, out))
        return LM_OK;
    return lm_errinfo_set(err, LM_INVALID, col,
                          "line %zu: %s must be epoch seconds or ISO-8601 with a zone", line, col);
}

/* "SKU:qty;SKU:qty" into lines (at most STORE_LINES_MAX). */
static lm_status lines_col(const char *v, orders_order *ord, size_t line, lm_errinfo *err) {
    lm_status rc = text_ok(v, false, line, "lines", err);
    if (rc != LM_OK) return rc;
    size_t n = 0;
    for (const char *p = v; *p; p++)
        n += *p == ';';
    n++;
    if (n > STORE_LINES_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "lines", "line %zu: more than %d lines", line,
                              STORE_LINES_MAX);
    ord->lines = lm_calloc(n, sizeof *ord->lines);
    if (!ord->lines) return LM_NOMEM;
    ord->n_lines = 0;
    const char *p = v;
    while (*p) {
        size_t len = strcspn(p, ";");
        char item[STORE_ID_MAX + 32];
        if (len >= sizeof item)
            return lm_errinfo_set(err, LM_INVALID, "lines", "line %zu: line item too long", line);
        memcpy(item, p, len);
        item[len] = '\0';
        char *colon = strrchr(item, ':');
        orders_line *l = &ord->lines[ord->n_lines];
        if (!colon || colon == item || !lm_parse_i64(colon + 1, 1, 1000000, &l->qty))
            return lm_errinfo_set(err, LM_INVALID, "lines",
                                  "line %zu: line item %zu must be SKU:qty with qty 1..1000000",
                                  line, ord->n_lines + 1);
        *colon = '\0';
        if (!lm_strlcpy(l->sku, item, sizeof l->sku))
            return lm_errinfo_set(err, LM_INVALID, "lines",
                                  "line %zu: the SKU of line item %zu is longer than %d bytes",
                                  line, ord->n_lines + 1, STORE_ID_MAX);
        ord->n_lines++;
        p += len;
        if (*p == ';') p++;
    }
    return LM_OK;
}

/* The row's idempotency key (csv.h): "csv:" and the SHA-256, in hex, of its channel and explicit
 * idempotency_key, or else of every column's text. Each column goes in as its number, its length
 * and its bytes, in column order (not file order), so that no two different rows share a key and
 * reordering the file's columns changes none. */
static void row_key(const fmt_csv *c, const csv_record *r, char key[STORE_REF_MAX + 1]) {
    const char *val[COL__COUNT] = {NULL};
    for (size_t k = 0; k < r->n; k++)
        val[c->col_of[k]] = c->fields[r->first + k];
    bool explicit_key = val[COL_IDEM] && val[COL_IDEM][0];
    lm_sha256_ctx h;
    lm_sha256_init(&h);
    for (int col = 0; col < COL__COUNT; col++) {
        if (explicit_key && col != COL_IDEM && col != COL_CHANNEL) continue;
        const char *v = val[col] ? val[col] : "";
        /* files without money keep the keys they had before the money columns existed */
        if (col >= COL_CURRENCY && !v[0]) continue;
        uint64_t n = strlen(v);
        uint8_t head[9] = {(uint8_t)col};
        for (int b = 0; b < 8; b++)
            head[1 + b] = (uint8_t)(n >> (8 * b));
        lm_sha256_update(&h, head, sizeof head);
        lm_sha256_update(&h, v, (size_t)n);
    }
    uint8_t digest[LM_SHA256_LEN];
    lm_sha256_final(&h, digest);
    memcpy(key, "csv:", 4);
    lm_hex_encode(digest, sizeof digest, key + 4);
}

lm_status fmt_csv_order(const fmt_csv *c, size_t i, orders_order *out,
                        char idem_key[STORE_REF_MAX + 1], lm_errinfo *err) {
    const csv_record *r = &c->rec[i];
    orders_order ord;
    memset(&ord, 0, sizeof ord);
    lm_status rc = LM_OK;
    if (r->n != c->n_cols) {
        rc = lm_errinfo_set(err, LM_INVALID, "csv", "line %zu: %zu fields, the header has %zu",
                            r->line, r->n, c->n_cols);
        goto fail;
    }
    if (r->nul_field) { /* the field's C string would end early: refuse rather than cut */
        const char *col = col_names[c->col_of[r->nul_field - 1]];
        rc = lm_errinfo_set(err, LM_INVALID, col, "line %zu: %s holds a control character (NUL)",
                            r->line, col);
        goto fail;
    }
    bool has_lon = false, has_lat = false;
    int64_t ws = 0, we = 0;
    bool has_ws = false, has_we = false;
    for (size_t k = 0; k < r->n && rc == LM_OK; k++) {
        const char *v = c->fields[r->first + k];
        int col = c->col_of[k];
        const char *name = col_names[col];
        switch (col) {
        case COL_EXTERNAL_REF:
            rc = copy_col(v, ord.external_ref, sizeof ord.external_ref, r->line, name, err);
            break;
        case COL_CHANNEL:
            rc = copy_col(v, ord.channel, sizeof ord.channel, r->line, name, err);
            break;
        case COL_NAME:
            rc = copy_col(v, ord.customer_name, sizeof ord.customer_name, r->line, name, err);
            break;
        case COL_PHONE:
            rc = copy_col(v, ord.customer_phone, sizeof ord.customer_phone, r->line, name, err);
            break;
        case COL_EMAIL:
            rc = copy_col(v, ord.customer_email, sizeof ord.customer_email, r->line, name, err);
            break;
        case COL_ADDRESS:
            rc = copy_col(v, ord.customer_address, sizeof ord.customer_address, r->line, name, err);
            break;
        case COL_LON:
        case COL_LAT: {
            if (!v[0]) break;
            double d;
            bool lon = col == COL_LON;
            if (!lm_parse_double(v, &d) || (lon ? (d < -180 || d > 180) : (d < -90 || d > 90))) {
                rc = lm_errinfo_set(err, LM_INVALID, name, "line %zu: %s must be a number in %s",
                                    r->line, name, lon ? "[-180, 180]" : "[-90, 90]");
                break;
            }
            if (lon) {
                ord.lon = d;
                has_lon = true;
            } else {
                ord.lat = d;
                has_lat = true;
            }
            break;
        }
        case COL_LINES:
            if (v[0]) rc = lines_col(v, &ord, r->line, err);
            break;
        case COL_WSTART:
            if (v[0] && (rc = time_col(v, &ws, r->line, name, err)) == LM_OK) has_ws = true;
            break;
        case COL_WEND:
            if (v[0] && (rc = time_col(v, &we, r->line, name, err)) == LM_OK) has_we = true;
            break;
        case COL_PRIORITY: {
            int64_t p = 0;
            if (v[0] && !lm_parse_i64(v, 0, 100, &p))
                rc = lm_errinfo_set(err, LM_INVALID, name, "line %zu: priority must be 0..100",
                                    r->line);
            ord.priority = (int32_t)p;
            break;
        }
        case COL_NOTES: rc = copy_col(v, ord.notes, sizeof ord.notes, r->line, name, err); break;
        case COL_IDEM: {
            char tmp[STORE_REF_MAX + 1]; /* checked here, hashed by row_key */
            rc = copy_col(v, tmp, sizeof tmp, r->line, name, err);
            break;
        }
        case COL_OOS: {
            orders_oos pol;
            if (!orders_oos_parse(v, &pol))
                rc = lm_errinfo_set(err, LM_INVALID, name,
                                    "line %zu: out_of_stock must be cancel, backorder or "
                                    "substitute",
                                    r->line);
            else
                rc = copy_col(v, ord.oos_policy, sizeof ord.oos_policy, r->line, name, err);
            break;
        }
        default: break;
        }
    }
    if (rc != LM_OK) goto fail;
    if (has_lon != has_lat) {
        rc = lm_errinfo_set(err, LM_INVALID, has_lon ? "lat" : "lon",
                            "line %zu: give both lon and lat, or neither", r->line);
        goto fail;
    }
    ord.has_location = has_lon && has_lat;
    if (has_ws != has_we) {
        rc = lm_errinfo_set(err, LM_INVALID, has_ws ? "window_end" : "window_start",
                            "line %zu: give both window_start and window_end, or neither", r->line);
        goto fail;
    }
    if (has_ws && ws >= we) { /* as orders/ intake: a window is not empty */
        rc = lm_errinfo_set(err, LM_INVALID, "window_end",
                            "line %zu: window_end must be after window_start", r->line);
        goto fail;
    }
    if (has_ws) {
        ord.windows[0] = (orders_window){ws, we};
        ord.n_windows = 1;
    }
    row_key(c, r, idem_key);
    *out = ord;
    return LM_OK;
fail:
    orders_order_clear(&ord);
    return rc;
}

/* "12.30;;4.50" (decimal amounts in the currency, one per line; empty = the list price). */
static lm_status prices_col(const char *v, const char *currency, size_t n_lines,
                            orders_money_line_in *lines, size_t line, lm_errinfo *err) {
    size_t k = 0;
    for (const char *p = v;; k++) {
        size_t len = strcspn(p, ";");
        if (k >= n_lines)
            return lm_errinfo_set(err, LM_INVALID, "unit_prices",
                                  "line %zu: more unit prices than lines (%zu)", line, n_lines);
        char item[32];
        if (len >= sizeof item)
            return lm_errinfo_set(err, LM_INVALID, "unit_prices",
                                  "line %zu: unit price %zu is too long", line, k + 1);
        memcpy(item, p, len);
        item[len] = '\0';
        if (item[0]) {
            if (!fmt_money_decimal_parse(item, currency, ORDERS_AMOUNT_MAX, &lines[k].unit_price))
                return lm_errinfo_set(err, LM_INVALID, "unit_prices",
                                      "line %zu: unit price %zu '%s' is not an amount in %s (at "
                                      "most %d decimals, no sign)",
                                      line, k + 1, item, currency,
                                      orders_currency_exponent(currency));
            lines[k].has_unit_price = true;
        }
        p += len;
        if (!*p) break;
        p++;
    }
    if (k + 1 != n_lines)
        return lm_errinfo_set(err, LM_INVALID, "unit_prices",
                              "line %zu: %zu unit prices for %zu lines (leave one empty for the "
                              "list price)",
                              line, k + 1, n_lines);
    return LM_OK;
}

static lm_status coupons_col(const char *v, orders_money_in *m, size_t line, lm_errinfo *err) {
    for (const char *p = v; *p;) {
        size_t len = strcspn(p, ";");
        if (m->n_coupons == ORDERS_COUPONS_MAX)
            return lm_errinfo_set(err, LM_INVALID, "coupons", "line %zu: at most %d coupons", line,
                                  ORDERS_COUPONS_MAX);
        if (len == 0 || len > STORE_CODE_MAX)
            return lm_errinfo_set(err, LM_INVALID, "coupons",
                                  "line %zu: coupon %zu must be 1..%d characters", line,
                                  m->n_coupons + 1, STORE_CODE_MAX);
        memcpy(m->coupons[m->n_coupons], p, len);
        m->coupons[m->n_coupons++][len] = '\0';
        p += len;
        if (*p == ';') p++;
    }
    return LM_OK;
}

lm_status fmt_csv_money(const fmt_csv *c, size_t i, size_t n_lines, orders_money_in *out,
                        orders_money_line_in *lines, bool *present, lm_errinfo *err) {
    const csv_record *r = &c->rec[i];
    const char *val[COL__COUNT] = {NULL};
    for (size_t k = 0; k < r->n && k < c->n_cols; k++)
        val[c->col_of[k]] = c->fields[r->first + k];
    orders_money_in m;
    memset(&m, 0, sizeof m);
    memset(lines, 0, n_lines * sizeof *lines);
    *present = false;
    bool any = false;
    for (int col = COL_CURRENCY; col < COL__COUNT; col++) {
        if (!val[col] || !val[col][0]) continue;
        any = true;
        lm_status rc = text_ok(val[col], false, r->line, col_names[col], err);
        if (rc != LM_OK) return rc;
    }
    if (!any) return LM_OK;
    const char *cur = val[COL_CURRENCY];
    if (!cur || !cur[0])
        return lm_errinfo_set(err, LM_INVALID, "currency",
                              "line %zu: currency is required with prices, fees, coupons or a "
                              "payment method",
                              r->line);
    if (orders_currency_exponent(cur) < 0)
        return lm_errinfo_set(err, LM_INVALID, "currency",
                              "line %zu: '%.8s' is not an ISO 4217 currency code (such as EUR)",
                              r->line, cur);
    lm_strlcpy(m.currency, cur, sizeof m.currency);
    m.lines = lines;
    lm_status rc = LM_OK;
    const char *v = val[COL_UNIT_PRICES];
    if (v && v[0] && (rc = prices_col(v, cur, n_lines, lines, r->line, err)) != LM_OK) return rc;
    if ((v = val[COL_SHIPPING_FEE]) && v[0] &&
        !fmt_money_decimal_parse(v, cur, ORDERS_AMOUNT_MAX, &m.shipping_fee))
        return lm_errinfo_set(err, LM_INVALID, "shipping_fee",
                              "line %zu: shipping_fee '%.32s' is not an amount in %s", r->line, v,
                              cur);
    if ((v = val[COL_COUPONS]) && v[0] && (rc = coupons_col(v, &m, r->line, err)) != LM_OK)
        return rc;
    if ((v = val[COL_PAYMENT_METHOD]) && v[0]) {
        if (!orders_pay_method_valid(v))
            return lm_errinfo_set(err, LM_INVALID, "payment_method",
                                  "line %zu: payment_method must be card, transfer, wallet or "
                                  "cod",
                                  r->line);
        lm_strlcpy(m.payment_method, v, sizeof m.payment_method);
    }
    *out = m;
    *present = true;
    return LM_OK;
}
