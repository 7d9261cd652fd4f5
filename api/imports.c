/* api/imports.c: POST /v1/orders/import: orders from CSV (api/formats/csv.h), each row reported
 * with its line number. */
#include "api/app.h"
#include "api/formats/csv.h"
#include "api/handlers.h"
#include "api/input.h"
#include "orders/money.h"
#include "orders/orders.h"

#include <stdio.h>
#include <string.h>

#define API_IMPORT_MAX_ROWS 2000

/* Row i's money columns into *money (lines allocated: lm_free); an empty currency when the row
 * has none, which orders_order_create_many_priced reads as an order without money. */
static lm_status row_money(const fmt_csv *csv, size_t i, const orders_order *ord,
                           orders_money_in *money, lm_errinfo *err) {
    orders_money_line_in *lines = lm_calloc(ord->n_lines ? ord->n_lines : 1, sizeof *lines);
    if (!lines) return LM_NOMEM;
    bool present = false;
    lm_status rc = fmt_csv_money(csv, i, ord->n_lines, money, lines, &present, err);
    if (rc != LM_OK || !present) {
        lm_free(lines);
        memset(money, 0, sizeof *money);
        return rc;
    }
    money->lines = lines;
    return LM_OK;
}

static lm_status handle_orders_import(http_req *r, orders_svc *o) {
    if (!r->body || r->body_len == 0)
        return http_error(r, LM_INVALID, "body", "expected CSV text with a header row");
    fmt_csv *csv = NULL;
    lm_status rc = fmt_csv_parse(r->body, r->body_len, &csv, &r->err);
    if (rc != LM_OK) return rc;
    /* keep one request to a bounded time on its worker thread */
    if (fmt_csv_count(csv) > API_IMPORT_MAX_ROWS) {
        size_t n = fmt_csv_count(csv);
        fmt_csv_destroy(csv);
        return http_error(r, LM_TOO_BIG, "csv",
                          "%zu rows; at most %d per request (lastmile import sends chunks)", n,
                          API_IMPORT_MAX_ROWS);
    }
    /* rows that read well go in together (up to 2,000 per transaction); the others are reported */
    size_t n = fmt_csv_count(csv), m = 0;
    orders_order *ins = n ? lm_calloc(n, sizeof *ins) : NULL;
    char(*keys)[STORE_REF_MAX + 1] = n ? lm_calloc(n, sizeof *keys) : NULL;
    const char **keyp = n ? lm_calloc(n, sizeof *keyp) : NULL;
    size_t *row_of = n ? lm_calloc(n, sizeof *row_of) : NULL;
    lm_errinfo *row_err = n ? lm_calloc(n, sizeof *row_err) : NULL;
    orders_create_result *res = n ? lm_calloc(n, sizeof *res) : NULL;
    orders_money_in *money = n ? lm_calloc(n, sizeof *money) : NULL;
    if (n && (!ins || !keys || !keyp || !row_of || !row_err || !res || !money)) {
        rc = http_error(r, LM_NOMEM, "", "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (fmt_csv_order(csv, i, &ins[m], keys[m], &row_err[i]) != LM_OK) continue;
        if ((rc = row_money(csv, i, &ins[m], &money[m], &row_err[i])) != LM_OK) {
            orders_order_clear(&ins[m]);
            if (rc == LM_NOMEM) goto nomem;
            continue;
        }
        keyp[m] = keys[m][0] ? keys[m] : NULL;
        row_of[m++] = i;
    }
    if ((rc = orders_order_create_many_priced(o, ins, money, keyp, m, res)) != LM_OK) {
    nomem:
        rc = http_error(r, rc, "", "out of memory");
        goto done;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON *results = cJSON_CreateArray();
    int64_t created = 0, failed = 0;
    for (size_t i = 0, k = 0; i < n; i++) {
        cJSON *row = cJSON_CreateObject();
        cJSON_AddNumberToObject(row, "line", (double)fmt_csv_line(csv, i));
        const orders_create_result *x = k < m && row_of[k] == i ? &res[k++] : NULL;
        lm_status st = x ? x->rc : (row_err[i].code ? row_err[i].code : LM_INVALID);
        const lm_errinfo *e = x ? &x->err : &row_err[i];
        if (st == LM_OK) {
            created += !x->replayed;
            cJSON_AddNumberToObject(row, "id", (double)x->id);
            cJSON_AddStringToObject(row, "status", x->status);
            if (x->replayed) cJSON_AddBoolToObject(row, "replayed", true);
            if (x->priced) {
                cJSON_AddStringToObject(row, "currency", x->currency);
                cJSON_AddNumberToObject(row, "total", (double)x->total);
                cJSON_AddStringToObject(row, "payment_status", x->payment_status);
                cJSON_AddNumberToObject(row, "coupon_warnings", (double)x->n_warnings);
            }
        } else {
            failed++;
            cJSON *ej = cJSON_AddObjectToObject(row, "error");
            cJSON_AddStringToObject(ej, "code", lm_status_name(st));
            cJSON_AddStringToObject(ej, "field", e->field);
            cJSON_AddStringToObject(ej, "message", e->message[0] ? e->message : lm_strerror(st));
        }
        cJSON_AddItemToArray(results, row);
    }
    cJSON_AddNumberToObject(out, "created", (double)created);
    cJSON_AddNumberToObject(out, "failed", (double)failed);
    cJSON_AddItemToObject(out, "results", results);
    rc = http_reply_json(r, 200, out);
done:
    for (size_t i = 0; ins && i < m; i++) {
        orders_order_clear(&ins[i]);
        lm_free(money[i].lines);
    }
    lm_free(money);
    lm_free(ins);
    lm_free(keys);
    lm_free(keyp);
    lm_free(row_of);
    lm_free(row_err);
    lm_free(res);
    fmt_csv_destroy(csv);
    return rc;
}

lm_status api__orders_import(http_req *r) {
    return api__with_orders(r, handle_orders_import);
}
