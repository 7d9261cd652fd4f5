/* tests/formats/test_reports_cases.c: the analytics report codec (api/formats/reports.h) as data:
 * tests/data/reports/ (one .case file each). Header kind: kpi | forecast | csv | json. The input is
 * the query string (?a=b&c=d without the '?'); kpi takes family= among its pairs and now: (epoch
 * ms) as a header. kpi and forecast check "out = ..." against the query read back as text (kpi:
 * "family from_ms to_ms period group"; forecast: "days h lead review service z" with z to 3
 * decimals); csv and json render one fixed row (key "d,1": received 3, delivered 2, with_window 2,
 * on_time 1, first_attempt 2, rates, cost 10.5 over 3 stops) and check "lineN = ..." (csv, N from
 * 1) or "out = ..." (json, the whole text). With "rows: tricky", csv and json render two rows of
 * values that test the number and string writing instead (tricky_rows): fractions that need 15, 16
 * or 17 digits, whole doubles past 1e15, -0, NaN and infinities, negative and 15-digit integers, a
 * key with quotes, backslashes, control characters and UTF-8; the expected texts were written by
 * the general JSON writer (lm_jw) before reports.c streamed its rows, so they pin its bytes. */
#include "api/formats/form.h"
#include "api/formats/reports.h"
#include "case_file.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kv_get(const fmt_form_kv *kv, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kv[i].key, key)) return kv[i].value;
    return NULL;
}

static void fixed_row(analytics_kpi_row *r) {
    memset(r, 0, sizeof *r);
    r->period_start_ms = 20514LL * 86400000; /* 2026-03-02 */
    lm_strlcpy(r->key, "d,1", sizeof r->key);
    r->received = 3;
    r->delivered = 2;
    r->with_window = 2;
    r->on_time = 1;
    r->on_time_rate = 0.5;
    r->first_attempt = 2;
    r->first_attempt_rate = 1;
    r->routes = 1;
    r->route_stops = 3;
    r->cost = 10.5;
    r->cost_per_stop = 3.5;
}

/* Two rows (two periods) of values that are hard to write; see the header comment. */
static void tricky_rows(analytics_kpi_row r[2]) {
    fixed_row(&r[0]);
    fixed_row(&r[1]);
    r[1].period_start_ms += 7 * 86400000LL;
    lm_strlcpy(r[0].key, "v\"1\\\n\t\x01\x1f caf\xc3\xa9", sizeof r[0].key);
    r[0].received = -123456789012345;
    r[0].failed = 999999999999999;
    r[0].cancelled = INT64_MIN;
    r[0].delivered = INT64_MAX;
    r[0].on_time_rate = 2.0 / 3;
    r[0].first_attempt_rate = 0.1;
    r[0].cost = 1e20;
    r[0].cost_per_stop = -0.0;
    r[0].cost_per_km = 1.0 / 3e7;
    r[0].time_utilisation = (double)NAN;
    r[0].capacity_utilisation = (double)INFINITY;
    r[0].driven_ratio = 0.30000000000000004;
    r[0].eta60_abs_err_s.median = 123456.789;
    r[0].eta60_abs_err_s.p90 = 1e15 + 0.5;
    r[0].late_s.p90 = -2.5e-300;
    r[1].on_time_rate = 1.0 / 7;
    r[1].cost = 4503599627370497.0;
    r[1].cost_per_stop = 5e-324;
    r[1].capacity_utilisation = -(double)INFINITY;
    r[1].exc_resolve_mean_s[0] = 1.7976931348623157e308;
}

static lm_status run(const tc_case *c, lm_buf *out, lm_errinfo *err) {
    const char *kind = tc_get(c, "kind"), *now_text = tc_get(c, "now");
    fmt_form_kv kv[FMT_FORM_MAX_PAIRS];
    size_t n = 0;
    char *buf = NULL;
    int64_t now = 0;
    lm_status st =
        fmt_form_parse(c->input, c->input_len, "query", kv, FMT_FORM_MAX_PAIRS, &n, &buf, err);
    if (st != LM_OK) return st;
    if (!kind || (now_text && !lm_parse_i64(now_text, 0, INT64_MAX, &now))) {
        lm_free(buf);
        return lm_errinfo_set(err, LM_INTERNAL, "", "bad kind: or now: header");
    }
    if (!strcmp(kind, "forecast")) {
        fmt_forecast_query q;
        st = fmt_forecast_query_read(kv_get(kv, n, "days"), kv_get(kv, n, "h"),
                                     kv_get(kv, n, "lead_days"), kv_get(kv, n, "review_days"),
                                     kv_get(kv, n, "service"), &q, err);
        if (st == LM_OK)
            st = lm_buf_printf(out, "%lld %lld %lld %lld %g %.3f", (long long)q.history_days,
                               (long long)q.horizon_days, (long long)q.lead_days,
                               (long long)q.review_days, q.service, q.z);
    } else {
        fmt_report_query q;
        st = fmt_report_query_read(kv_get(kv, n, "family"), kv_get(kv, n, "from"),
                                   kv_get(kv, n, "to"), kv_get(kv, n, "period"),
                                   kv_get(kv, n, "group"), now, &q, err);
        analytics_kpi_row row[2];
        size_t n_rows = 1;
        fixed_row(&row[0]);
        if (tc_get(c, "rows") && !strcmp(tc_get(c, "rows"), "tricky")) {
            tricky_rows(row);
            n_rows = 2;
        }
        if (st == LM_OK && !strcmp(kind, "kpi"))
            st = lm_buf_printf(out, "%s %lld %lld %d %d", fmt_report_family_name(q.family),
                               (long long)q.from_ms, (long long)q.to_ms, (int)q.period,
                               (int)q.group);
        else if (st == LM_OK && !strcmp(kind, "csv"))
            st = fmt_report_csv(out, &q, row, n_rows);
        else if (st == LM_OK)
            st = fmt_report_json(out, &q, row, n_rows);
    }
    lm_free(buf);
    return st;
}

/* Line k (1-based) of text into line (without its CRLF). */
static void line_of(const char *text, long k, char *line, size_t cap) {
    const char *p = text;
    for (long i = 1; i < k && p; i++)
        if ((p = strchr(p, '\n'))) p++;
    size_t len = p ? strcspn(p, "\r\n") : 0;
    if (len >= cap) len = cap - 1;
    memcpy(line, p ? p : "", len);
    line[len] = '\0';
}

static bool run_case(const tc_case *c, char *why, size_t size) {
    lm_buf out;
    lm_buf_init(&out, 1u << 16);
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = run(c, &out, &err);
    bool ok = tc_check_error(c, st, &err, why, size);
    const char *text = out.len ? out.data : "";
    for (size_t i = 0; ok && st == LM_OK && i < c->n_hdr; i++) {
        const char *lhs, *rhs;
        char buf[16384], got[16384];
        if (strcmp(c->hdr[i].key, "check")) continue;
        if (!tc_split_check(c->hdr[i].value, buf, sizeof buf, &lhs, &rhs)) {
            snprintf(why, size, "check '%s' is not 'lhs = rhs'", c->hdr[i].value);
            ok = false;
            continue;
        }
        if (!strncmp(lhs, "line", 4))
            line_of(text, strtol(lhs + 4, NULL, 10), got, sizeof got);
        else
            lm_strlcpy(got, text, sizeof got);
        if (strcmp(got, rhs)) {
            snprintf(why, size, "%s is '%s', want '%s'", lhs, got, rhs);
            fprintf(stderr, "%s: %s is, in full:\n%s\n", c->name, lhs, got);
            ok = false;
        }
    }
    lm_buf_free(&out);
    return ok;
}

int main(void) {
    return tc_main("reports", run_case);
}
