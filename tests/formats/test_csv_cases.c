/* tests/formats/test_csv_cases.c: runs every orders CSV case of tests/data/csv/ (case_file.h)
 * through fmt_csv_parse and fmt_csv_order. status / field / reason are fmt_csv_parse's outcome;
 * checks: rows, and per row [i].line, [i].status (fmt_csv_order's outcome), [i].field,
 * [i].reason, [i].external_ref, channel, customer_name, customer_address, notes, priority,
 * out_of_stock, lines ("SKU:qty;..."), window ("start,end"), location ("lon,lat" or "none"),
 * idem_key, idem_key_form ("csv:sha256" when the key is "csv:" and 64 hex digits), and
 * key_same_as / key_differs_from (another row's number); and fmt_csv_money's outcome:
 * money_status, money_field, money_reason, currency ("" without money), unit_prices ("1230;-",
 * "-" = the list price), shipping_fee, coupons ("A;B"), payment_method. In expected values "\n"
 * stands for a line break. */
#include "api/formats/csv.h"
#include "case_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct row {
    lm_status st;
    lm_errinfo err;
    orders_order ord;
    char key[STORE_REF_MAX + 1];
    size_t line;
    lm_status money_st; /* fmt_csv_money, run on rows fmt_csv_order read */
    lm_errinfo money_err;
    bool has_money;
    orders_money_in money;
    orders_money_line_in mlines[STORE_LINES_MAX];
} row;

/* The money fields of a row (money_* and the money columns). */
static bool money_field(const row *r, const char *f, char *buf, size_t size) {
    const orders_money_in *m = &r->money;
    bool has = r->has_money;
    if (!strcmp(f, "money_status"))
        snprintf(buf, size, "%s", lm_status_name(r->money_st));
    else if (!strcmp(f, "money_field"))
        snprintf(buf, size, "%s", r->money_err.field);
    else if (!strcmp(f, "currency"))
        snprintf(buf, size, "%s", has ? m->currency : "");
    else if (!strcmp(f, "shipping_fee"))
        snprintf(buf, size, "%lld", has ? (long long)m->shipping_fee : 0LL);
    else if (!strcmp(f, "payment_method"))
        snprintf(buf, size, "%s", has ? m->payment_method : "");
    else if (!strcmp(f, "coupons")) {
        buf[0] = '\0';
        for (size_t i = 0, used = 0; has && i < m->n_coupons && used < size; i++)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ";" : "", m->coupons[i]);
    } else if (!strcmp(f, "unit_prices")) {
        buf[0] = '\0';
        for (size_t i = 0, used = 0; has && i < r->ord.n_lines && used < size; i++) {
            if (r->mlines[i].has_unit_price)
                used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ";" : "",
                                         (long long)r->mlines[i].unit_price);
            else
                used += (size_t)snprintf(buf + used, size - used, "%s-", i ? ";" : "");
        }
    } else {
        return false;
    }
    return true;
}

/* The text of one field of a parsed row, into buf. */
static bool row_field(const row *r, const char *f, char *buf, size_t size) {
    const orders_order *o = &r->ord;
    if (!strcmp(f, "line"))
        snprintf(buf, size, "%zu", r->line);
    else if (!strcmp(f, "status"))
        snprintf(buf, size, "%s", lm_status_name(r->st));
    else if (!strcmp(f, "field"))
        snprintf(buf, size, "%s", r->err.field);
    else if (!strcmp(f, "external_ref"))
        snprintf(buf, size, "%s", o->external_ref);
    else if (!strcmp(f, "channel"))
        snprintf(buf, size, "%s", o->channel);
    else if (!strcmp(f, "customer_name"))
        snprintf(buf, size, "%s", o->customer_name);
    else if (!strcmp(f, "customer_address"))
        snprintf(buf, size, "%s", o->customer_address);
    else if (!strcmp(f, "notes"))
        snprintf(buf, size, "%s", o->notes);
    else if (!strcmp(f, "out_of_stock"))
        snprintf(buf, size, "%s", o->oos_policy);
    else if (!strcmp(f, "priority"))
        snprintf(buf, size, "%d", (int)o->priority);
    else if (!strcmp(f, "idem_key"))
        snprintf(buf, size, "%s", r->key);
    else if (!strcmp(f, "idem_key_form")) /* "csv:" and 64 hex digits */
        snprintf(buf, size, "%s",
                 strlen(r->key) == 68 && !strncmp(r->key, "csv:", 4) &&
                         strspn(r->key + 4, "0123456789abcdef") == 64
                     ? "csv:sha256"
                     : r->key);
    else if (!strcmp(f, "window"))
        snprintf(buf, size, "%lld,%lld", o->n_windows ? (long long)o->windows[0].start_s : -1LL,
                 o->n_windows ? (long long)o->windows[0].end_s : -1LL);
    else if (!strcmp(f, "location")) {
        if (o->has_location)
            snprintf(buf, size, "%.17g,%.17g", o->lon, o->lat);
        else
            snprintf(buf, size, "none");
    } else if (!strcmp(f, "lines")) {
        buf[0] = '\0';
        for (size_t i = 0, used = 0; i < o->n_lines && used < size; i++)
            used += (size_t)snprintf(buf + used, size - used, "%s%s:%lld", i ? ";" : "",
                                     o->lines[i].sku, (long long)o->lines[i].qty);
    } else {
        return money_field(r, f, buf, size);
    }
    return true;
}

/* "\n" in an expected value stands for a line break. */
static void unescape(const char *s, char *out, size_t size) {
    size_t o = 0;
    for (; *s && o + 1 < size; s++) {
        if (s[0] == '\\' && s[1] == 'n') {
            out[o++] = '\n';
            s++;
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

static bool check_one(const row *rows, size_t n, const char *lhs, const char *rhs, char *why,
                      size_t size) {
    char got[2048], want[1024];
    unescape(rhs, want, sizeof want);
    if (!strcmp(lhs, "rows")) {
        snprintf(got, sizeof got, "%zu", n);
    } else {
        unsigned long i;
        int used = 0;
        if (sscanf(lhs, "[%lu].%n", &i, &used) != 1 || used == 0 || i >= n) {
            snprintf(why, size, "check '%s' names no row of %zu", lhs, n);
            return false;
        }
        const char *f = lhs + used;
        if (!strcmp(f, "money_reason")) {
            if (strstr(rows[i].money_err.message, want)) return true;
            snprintf(why, size, "%s: '%s' does not hold '%s'", lhs, rows[i].money_err.message,
                     want);
            return false;
        }
        if (!strcmp(f, "reason")) {
            if (strstr(rows[i].err.message, want)) return true;
            snprintf(why, size, "%s: '%s' does not hold '%s'", lhs, rows[i].err.message, want);
            return false;
        }
        if (!strcmp(f, "key_same_as") || !strcmp(f, "key_differs_from")) {
            unsigned long j;
            if (sscanf(want, "%lu", &j) != 1 || j >= n) {
                snprintf(why, size, "check '%s' names no row '%s'", lhs, want);
                return false;
            }
            bool same = !strcmp(rows[i].key, rows[j].key);
            if (same == !strcmp(f, "key_same_as")) return true;
            snprintf(why, size, "%s %s: '%s' and '%s'", lhs, want, rows[i].key, rows[j].key);
            return false;
        }
        if (!row_field(&rows[i], f, got, sizeof got)) {
            snprintf(why, size, "unknown field in '%s'", lhs);
            return false;
        }
    }
    if (!strcmp(got, want)) return true;
    snprintf(why, size, "%s is '%s', want '%s'", lhs, got, want);
    return false;
}

static bool run_case(const tc_case *c, char *why, size_t size) {
    fmt_csv *csv = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_csv_parse(c->input, c->input_len, &csv, &err);
    if (!tc_check_error(c, st, &err, why, size)) {
        fmt_csv_destroy(csv);
        return false;
    }
    if (st != LM_OK) {
        if (!csv) return true;
        snprintf(why, size, "*out was set on failure");
        return false;
    }
    size_t n = fmt_csv_count(csv);
    row *rows = lm_calloc(n + 1, sizeof *rows);
    bool ok = rows != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        lm_errinfo_clear(&rows[i].err);
        rows[i].line = fmt_csv_line(csv, i);
        rows[i].st = fmt_csv_order(csv, i, &rows[i].ord, rows[i].key, &rows[i].err);
        lm_errinfo_clear(&rows[i].money_err);
        if (rows[i].st == LM_OK)
            rows[i].money_st =
                fmt_csv_money(csv, i, rows[i].ord.n_lines, &rows[i].money, rows[i].mlines,
                              &rows[i].has_money, &rows[i].money_err);
    }
    for (size_t i = 0; ok && i < c->n_hdr; i++) {
        const char *lhs, *rhs;
        char buf[1024];
        if (strcmp(c->hdr[i].key, "check")) continue;
        if (!tc_split_check(c->hdr[i].value, buf, sizeof buf, &lhs, &rhs)) {
            snprintf(why, size, "check '%s' has no ' = '", c->hdr[i].value);
            ok = false;
        } else {
            ok = check_one(rows, n, lhs, rhs, why, size);
        }
    }
    for (size_t i = 0; rows && i < n; i++)
        if (rows[i].st == LM_OK) orders_order_clear(&rows[i].ord);
    lm_free(rows);
    fmt_csv_destroy(csv);
    return ok;
}

int main(void) {
    return tc_main("csv", run_case);
}
