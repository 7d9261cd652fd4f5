/* analytics/rollup_report.c: report rows from the persisted daily rollups: the days of a period
 * and group value are summed (histograms merged) and the rates and quantiles taken once. */
#include "analytics/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct in_row {
    int64_t start; /* the period's start */
    const store_an_row *row;
} in_row;

static int cmp_in(const void *x, const void *y) {
    const in_row *a = x, *b = y;
    if (a->start != b->start) return (a->start > b->start) - (a->start < b->start);
    return strcmp(a->row->key, b->row->key);
}

/* A row's histogram as (key, count) pairs, key = metric << 16 | bucket (rollup_io.c's form). */
typedef struct pairs {
    uint32_t (*kv)[2];
    size_t n, cap;
} pairs;

/* Appends a row's pairs (checked like an_row_decode). */
static lm_status pairs_add(pairs *p, const store_an_blob *hist) {
    size_t k = hist->n / sizeof *p->kv;
    if (hist->n % sizeof *p->kv) return LM_CONFLICT;
    if (p->n + k > p->cap) {
        size_t cap = p->cap ? p->cap : 256;
        while (cap < p->n + k)
            cap *= 2;
        uint32_t(*g)[2] = lm_reallocarray(p->kv, cap, sizeof *g);
        if (!g) return LM_NOMEM;
        p->kv = g;
        p->cap = cap;
    }
    if (k) memcpy(p->kv + p->n, hist->data, hist->n);
    for (size_t i = p->n; i < p->n + k; i++)
        if ((p->kv[i][0] >> 16) >= AN_H_METRICS || (p->kv[i][0] & 0xffff) >= AN_H_BUCKETS)
            return LM_CONFLICT;
    p->n += k;
    return LM_OK;
}

/* Nearest rank per metric over one row's pairs (sorted by key): the lower edge of the bucket
 * holding rank ceil(p n). */
static void pairs_quantiles(const pairs *p, analytics_q q[AN_H_METRICS]) {
    memset(q, 0, AN_H_METRICS * sizeof *q);
    for (size_t i = 0; i < p->n;) {
        uint32_t m = p->kv[i][0] >> 16;
        size_t j = i;
        int64_t n = 0, cum = 0;
        for (; j < p->n && p->kv[j][0] >> 16 == m; j++)
            n += (int32_t)p->kv[j][1];
        if (n > 0) {
            int64_t r50 = (int64_t)ceil(0.5 * (double)n), r90 = (int64_t)ceil(0.9 * (double)n);
            bool have50 = false;
            q[m].n = n;
            for (size_t k = i; k < j; k++) {
                cum += (int32_t)p->kv[k][1];
                int b = (int)(p->kv[k][0] & 0xffff);
                if (!have50 && cum >= r50) {
                    q[m].median = an_hist_edge(b);
                    have50 = true;
                }
                if (cum >= r90) {
                    q[m].p90 = an_hist_edge(b);
                    break;
                }
            }
        }
        i = j;
    }
}

/* Nearest rank over one metric's dense buckets: the lower edge of the bucket holding rank
 * ceil(p n). */
static analytics_q hist_q(const int64_t *h) {
    analytics_q q = {0};
    for (int b = 0; b < AN_H_BUCKETS; b++)
        q.n += h[b];
    if (q.n <= 0) return (analytics_q){0};
    int64_t r50 = (int64_t)ceil(0.5 * (double)q.n), r90 = (int64_t)ceil(0.9 * (double)q.n), cum = 0;
    bool have50 = false;
    for (int b = 0; b < AN_H_BUCKETS; b++) {
        cum += h[b];
        if (!have50 && cum >= r50) {
            q.median = an_hist_edge(b);
            have50 = true;
        }
        if (cum >= r90) {
            q.p90 = an_hist_edge(b);
            break;
        }
    }
    return q;
}

/* The quantiles of several days merged: their pairs added into the dense h (all zero on entry
 * and again on return: only the entries the pairs touched are cleared). */
static void merged_quantiles(const pairs *p, int64_t *h, analytics_q q[AN_H_METRICS]) {
    for (size_t i = 0; i < p->n; i++)
        h[(p->kv[i][0] >> 16) * AN_H_BUCKETS + (p->kv[i][0] & 0xffff)] += (int32_t)p->kv[i][1];
    for (int m = 0; m < AN_H_METRICS; m++)
        q[m] = hist_q(h + m * AN_H_BUCKETS);
    for (size_t i = 0; i < p->n; i++)
        h[(p->kv[i][0] >> 16) * AN_H_BUCKETS + (p->kv[i][0] & 0xffff)] = 0;
}

static double ratio(int64_t num, int64_t den) {
    return den ? (double)num / (double)den : 0;
}

static void row_finish(analytics_kpi_row *r, const int64_t c[AN_C_COUNT], const analytics_q *q) {
    r->received = c[AN_C_RECEIVED];
    r->delivered = c[AN_C_DELIVERED];
    r->failed = c[AN_C_FAILED];
    r->cancelled = c[AN_C_CANCELLED];
    r->with_window = c[AN_C_WITH_WINDOW];
    r->on_time = c[AN_C_ON_TIME];
    r->first_attempt = c[AN_C_FIRST_ATTEMPT];
    r->routes = c[AN_C_ROUTES];
    r->route_stops = c[AN_C_ROUTE_STOPS];
    r->route_s = c[AN_C_ROUTE_S];
    r->planned_m = c[AN_C_PLANNED_M];
    r->cost = (double)c[AN_C_COST_FIXED] + (double)c[AN_C_COST_HOUR_S] / 3600.0 +
              (double)c[AN_C_COST_KM_M] / 1000.0;
    r->on_time_rate = ratio(r->on_time, r->with_window);
    r->first_attempt_rate = ratio(r->first_attempt, r->delivered);
    r->cost_per_stop = r->route_stops ? r->cost / (double)r->route_stops : 0;
    r->cost_per_km = r->planned_m ? r->cost * 1000.0 / (double)r->planned_m : 0;
    r->shift_s = c[AN_C_SHIFT_S];
    r->shift_route_s = c[AN_C_SHIFT_ROUTE_S];
    r->load_g = c[AN_C_LOAD_G];
    r->capacity_g = c[AN_C_CAPACITY_G];
    r->legs = c[AN_C_LEGS];
    r->leg_planned_m = c[AN_C_LEG_PLANNED_M];
    r->driven_m = c[AN_C_DRIVEN_M];
    r->time_utilisation = ratio(r->shift_route_s, r->shift_s);
    r->capacity_utilisation = ratio(r->load_g, r->capacity_g);
    r->driven_ratio = ratio(r->driven_m, r->leg_planned_m);
    r->late = c[AN_C_LATE];
    r->late_s = q[AN_H_LATE];
    for (int k = 0; k < AN_TRIGGERS; k++)
        r->replans[k] = c[AN_C_REPLAN0 + k];
    for (int k = 0; k < AN_EXC_KINDS; k++) {
        r->exceptions[k] = c[AN_C_EXC0 + k];
        r->exc_resolved[k] = c[AN_C_EXC_RESOLVED0 + k];
        r->exc_resolve_mean_s[k] = ratio(c[AN_C_EXC_RESOLVE_S0 + k], r->exc_resolved[k]);
    }
    r->exc_resolve_s = q[AN_H_RESOLVE];
    r->eta60_abs_err_s = q[AN_H_ETA60];
    r->eta15_abs_err_s = q[AN_H_ETA15];
    for (int s = 0; s < ANALYTICS_STAGES; s++)
        r->stage_s[s] = q[AN_H_STAGE0 + s];
}

#define DAY_MS 86400000LL

static int64_t period_next(int64_t start, analytics_period p) {
    if (p == ANALYTICS_DAY) return start + DAY_MS;
    if (p == ANALYTICS_WEEK) return start + 7 * DAY_MS;
    return analytics_period_start(start + 32 * DAY_MS, ANALYTICS_MONTH);
}

/* Appends the rows of kind grp with from <= day_ms < to to *rows (moving their blobs). */
static lm_status rows_append(store_read *rd, int grp, int64_t from, int64_t to, store_an_row **rows,
                             size_t *n, lm_errinfo *err) {
    store_an_row *more = NULL;
    size_t k = 0;
    if (from >= to) return LM_OK;
    lm_status rc = store_an_rows(rd, grp, from, to, &more, &k, err);
    if (rc != LM_OK || k == 0) return rc;
    store_an_row *g = lm_reallocarray(*rows, *n + k, sizeof *g);
    if (!g) {
        store_an_rows_free(more, k);
        return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    }
    memcpy(g + *n, more, k * sizeof *more);
    lm_free(more); /* the blobs now belong to *rows */
    *rows = g;
    *n += k;
    return LM_OK;
}

/* The rows a report over the days [day(from), to) sums: the week or month rows of the periods
 * lying wholly inside, and day rows only for the partial periods at either end. Both give the
 * same sums (a period row is the sum of its days), the first reads ~30 times fewer rows. */
static lm_status report_rows(store_read *rd, int64_t from_ms, int64_t to_ms, analytics_period p,
                             analytics_group g, store_an_row **rows, size_t *n, lm_errinfo *err) {
    int64_t first = analytics_period_start(from_ms, ANALYTICS_DAY);
    int64_t last = analytics_period_start(to_ms, ANALYTICS_DAY); /* days < to: up to its end */
    if (last < to_ms) last += DAY_MS;
    int64_t a = analytics_period_start(first, p), b = analytics_period_start(last, p);
    if (a < first) a = period_next(a, p);
    *rows = NULL;
    *n = 0;
    if (p == ANALYTICS_DAY || a >= b)
        return rows_append(rd, an_row_grp(ANALYTICS_DAY, g), first, last, rows, n, err);
    lm_status rc = rows_append(rd, an_row_grp(ANALYTICS_DAY, g), first, a, rows, n, err);
    if (rc == LM_OK) rc = rows_append(rd, an_row_grp(p, g), a, b, rows, n, err);
    if (rc == LM_OK) rc = rows_append(rd, an_row_grp(ANALYTICS_DAY, g), b, last, rows, n, err);
    if (rc != LM_OK) {
        store_an_rows_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

lm_status analytics_rollup_report(store_read *rd, int64_t from_ms, int64_t to_ms,
                                  analytics_period period, analytics_group group,
                                  analytics_kpi_row **out, size_t *n, lm_errinfo *err) {
    *out = NULL;
    *n = 0;
    if (from_ms >= to_ms || (int)period < 0 || period > ANALYTICS_MONTH || (int)group < 0 ||
        group >= ANALYTICS_GROUPS)
        return lm_errinfo_set(err, LM_INVALID, "", "bad report range, period or group");
    store_an_row *rows = NULL;
    size_t nr = 0;
    lm_status rc = report_rows(rd, from_ms, to_ms, period, group, &rows, &nr, err);
    if (rc != LM_OK) return rc;
    in_row *ix = lm_calloc(nr + 1, sizeof *ix);
    analytics_kpi_row *res = lm_calloc(nr + 1, sizeof *res);
    pairs p = {0};
    int64_t *h = lm_calloc(1, sizeof(an_hist));
    size_t m = 0;
    if (!ix || !res || !h) {
        rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nr; i++)
        ix[i] = (in_row){analytics_period_start(rows[i].day_ms, period), &rows[i]};
    qsort(ix, nr, sizeof *ix, cmp_in);
    /* one output row per run of equal (period, key): its days' figures summed, their histogram
     * histograms merged in a dense array (a single day's sorted pairs are read as they are) */
    for (size_t i = 0; i < nr;) {
        int64_t c[AN_C_COUNT] = {0};
        analytics_q q[AN_H_METRICS];
        store_an_blob none = {0};
        size_t j = i;
        p.n = 0;
        for (; j < nr && !cmp_in(&ix[i], &ix[j]) && rc == LM_OK; j++)
            if ((rc = an_row_decode(&ix[j].row->counts, &none, c, NULL)) == LM_OK)
                rc = pairs_add(&p, &ix[j].row->hist);
        if (rc != LM_OK) {
            lm_errinfo_set(err, rc, "", "rollup rows of another layout: run analytics rebuild");
            goto fail;
        }
        if (j - i > 1)
            merged_quantiles(&p, h, q);
        else
            pairs_quantiles(&p, q);
        res[m].period_start_ms = ix[i].start;
        lm_strlcpy(res[m].key, ix[i].row->key, sizeof res[m].key);
        row_finish(&res[m++], c, q);
        i = j;
    }
    *out = res;
    *n = m;
    res = NULL;
fail:
    lm_free(res);
    lm_free(ix);
    lm_free(p.kv);
    lm_free(h);
    store_an_rows_free(rows, nr);
    return rc;
}
