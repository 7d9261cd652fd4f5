/* analytics/kpi_report.c: aggregates the fact records into rows per period and group. */
#include "analytics/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL

static int64_t floor_div(int64_t a, int64_t b) {
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days since the epoch of the first day of t's month (Howard Hinnant's civil-date algorithms). */
static int64_t month_start_day(int64_t day) {
    int64_t z = day + 719468, era = floor_div(z, 146097), doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    return day - (doy - (153 * mp + 2) / 5);
}

int64_t analytics_period_start(int64_t t_ms, analytics_period period) {
    int64_t day = floor_div(t_ms, DAY_MS);
    /* the epoch's day 0 was a Thursday: (day + 3) mod 7 counts days since Monday */
    if (period == ANALYTICS_WEEK)
        day -= (day + 3) - floor_div(day + 3, 7) * 7;
    else if (period == ANALYTICS_MONTH)
        day = month_start_day(day);
    return day * DAY_MS;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

analytics_q an_quantiles(double *v, size_t n) {
    analytics_q q = {.n = (int64_t)n};
    if (n == 0) return q;
    qsort(v, n, sizeof *v, cmp_double);
    /* nearest rank: the smallest value with at least p of the values at or below it */
    size_t r50 = (size_t)ceil(0.5 * (double)n), r90 = (size_t)ceil(0.9 * (double)n);
    q.median = v[(r50 ? r50 : 1) - 1];
    q.p90 = v[(r90 ? r90 : 1) - 1];
    return q;
}

/* Values collected for one row before the quantiles are taken. */
typedef struct vals {
    double *v;
    size_t n, cap;
} vals;

enum { V_ETA60, V_ETA15, V_STAGE0, V_COUNT = V_STAGE0 + ANALYTICS_STAGES };

typedef struct acc {
    analytics_kpi_row *rows;
    vals (*vals)[V_COUNT];
    size_t n, cap;
    size_t *slots;  /* open-addressing index over rows by (period, key): row + 1, 0 = empty */
    size_t n_slots; /* a power of two, kept over twice the rows */
    lm_status st;
} acc;

static size_t row_hash(int64_t start, const char *key) {
    uint64_t h = 1469598103934665603u ^ (uint64_t)start;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return (size_t)(h ^ (h >> 29));
}

/* Rebuilds the index with room for twice the rows' capacity. */
static bool reindex(acc *a) {
    size_t n = 64;
    while (n < 2 * a->cap)
        n *= 2;
    size_t *s = lm_calloc(n, sizeof *s);
    if (!s) return false;
    lm_free(a->slots);
    a->slots = s;
    a->n_slots = n;
    for (size_t i = 0; i < a->n; i++) {
        size_t h = row_hash(a->rows[i].period_start_ms, a->rows[i].key) & (n - 1);
        while (s[h])
            h = (h + 1) & (n - 1);
        s[h] = i + 1;
    }
    return true;
}

const char *an_key_of(const an_fact *f, analytics_group g) {
    const char *k = g == ANALYTICS_BY_DEPOT     ? f->depot
                    : g == ANALYTICS_BY_CHANNEL ? f->channel
                    : g == ANALYTICS_BY_VEHICLE ? f->vehicle
                    : g == ANALYTICS_BY_DRIVER  ? f->driver
                    : g == ANALYTICS_BY_ZONE    ? f->zone
                                                : NULL;
    return !k ? "" : k[0] ? k : "-";
}

static size_t row_for(acc *a, int64_t t, analytics_period p, const char *key) {
    int64_t start = analytics_period_start(t, p);
    size_t h = a->n_slots ? row_hash(start, key) & (a->n_slots - 1) : 0;
    /* probing ends at an empty slot: the index is never more than half full */
    for (; a->n_slots && a->slots[h]; h = (h + 1) & (a->n_slots - 1)) {
        const analytics_kpi_row *r = &a->rows[a->slots[h] - 1];
        if (r->period_start_ms == start && !strcmp(r->key, key)) return a->slots[h] - 1;
    }
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        analytics_kpi_row *r = lm_reallocarray(a->rows, cap, sizeof *r);
        if (r) a->rows = r;
        vals(*v)[V_COUNT] = lm_reallocarray(a->vals, cap, sizeof *v);
        if (v) a->vals = v;
        if (!r || !v) {
            a->st = LM_NOMEM;
            return SIZE_MAX;
        }
        a->cap = cap;
        if (!reindex(a)) {
            a->st = LM_NOMEM;
            return SIZE_MAX;
        }
        h = row_hash(start, key) & (a->n_slots - 1);
        while (a->slots[h])
            h = (h + 1) & (a->n_slots - 1);
    }
    a->slots[h] = a->n + 1;
    memset(&a->rows[a->n], 0, sizeof a->rows[a->n]);
    memset(&a->vals[a->n], 0, sizeof a->vals[a->n]);
    a->rows[a->n].period_start_ms = start;
    lm_strlcpy(a->rows[a->n].key, key, sizeof a->rows[a->n].key);
    return a->n++;
}

static void push(acc *a, size_t row, int which, double x) {
    vals *v = &a->vals[row][which];
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        double *d = lm_reallocarray(v->v, cap, sizeof *d);
        if (!d) {
            a->st = LM_NOMEM;
            return;
        }
        v->v = d;
        v->cap = cap;
    }
    v->v[v->n++] = x;
}

static bool in(int64_t t, int64_t from, int64_t to) {
    return t && t >= from && t < to;
}

static void stage(acc *a, size_t row, int s, int64_t t0, int64_t t1) {
    if (t0 && t1 && t1 >= t0) push(a, row, V_STAGE0 + s, (double)(t1 - t0) / 1000.0);
}

static void add_delivered(acc *a, const an_fact *f, size_t row) {
    analytics_kpi_row *r = &a->rows[row];
    r->delivered++;
    r->with_window += f->has_window;
    r->on_time += f->has_window && f->on_time;
    r->first_attempt += f->failed_stops == 0;
    if (f->has_eta60) push(a, row, V_ETA60, f->eta60_err_s);
    if (f->has_eta15) push(a, row, V_ETA15, f->eta15_err_s);
    stage(a, row, ANALYTICS_STAGE_AUDIT, f->t_received, f->t_allocated);
    stage(a, row, ANALYTICS_STAGE_PICK, f->t_allocated, f->t_ready);
    stage(a, row, ANALYTICS_STAGE_DISPATCH, f->t_ready, f->t_out);
    stage(a, row, ANALYTICS_STAGE_DRIVE, f->t_out, f->t_delivered);
    stage(a, row, ANALYTICS_STAGE_TOTAL, f->t_received, f->t_delivered);
}

static void add_route(acc *a, const an_route *rt, analytics_period p, analytics_group g) {
    const char *key = g == ANALYTICS_ALL          ? ""
                      : g == ANALYTICS_BY_VEHICLE ? rt->vehicle
                      : g == ANALYTICS_BY_DRIVER  ? rt->driver
                                                  : NULL;
    if (!key) return; /* a route serves several depots' and channels' orders */
    size_t i = row_for(a, rt->started_ms, p, key[0] || g == ANALYTICS_ALL ? key : "-");
    if (i == SIZE_MAX) return;
    analytics_kpi_row *r = &a->rows[i];
    int64_t secs = (rt->last_ms - rt->started_ms) / 1000;
    r->routes++;
    r->route_stops += rt->stops;
    r->route_s += secs;
    r->planned_m += rt->planned_m;
    r->cost += (double)rt->cost_fixed + (double)rt->cost_per_hour * (double)secs / 3600.0 +
               (double)rt->cost_per_km * (double)rt->planned_m / 1000.0;
}

static int cmp_row(const void *x, const void *y) {
    const analytics_kpi_row *a = x, *b = y;
    if (a->period_start_ms != b->period_start_ms)
        return (a->period_start_ms > b->period_start_ms) -
               (a->period_start_ms < b->period_start_ms);
    return strcmp(a->key, b->key);
}

static void finish(acc *a) {
    for (size_t i = 0; i < a->n; i++) {
        analytics_kpi_row *r = &a->rows[i];
        r->on_time_rate = r->with_window ? (double)r->on_time / (double)r->with_window : 0;
        r->first_attempt_rate = r->delivered ? (double)r->first_attempt / (double)r->delivered : 0;
        r->cost_per_stop = r->route_stops ? r->cost / (double)r->route_stops : 0;
        r->cost_per_km = r->planned_m ? r->cost * 1000.0 / (double)r->planned_m : 0;
        r->eta60_abs_err_s = an_quantiles(a->vals[i][V_ETA60].v, a->vals[i][V_ETA60].n);
        r->eta15_abs_err_s = an_quantiles(a->vals[i][V_ETA15].v, a->vals[i][V_ETA15].n);
        for (int s = 0; s < ANALYTICS_STAGES; s++)
            r->stage_s[s] = an_quantiles(a->vals[i][V_STAGE0 + s].v, a->vals[i][V_STAGE0 + s].n);
        for (int k = 0; k < V_COUNT; k++)
            lm_free(a->vals[i][k].v);
    }
    if (a->n) qsort(a->rows, a->n, sizeof *a->rows, cmp_row);
}

lm_status analytics_kpi_report(const analytics_kpi *k, int64_t from_ms, int64_t to_ms,
                               analytics_period period, analytics_group group,
                               analytics_kpi_row **out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (from_ms >= to_ms || (int)period < 0 || period > ANALYTICS_MONTH || (int)group < 0 ||
        group >= ANALYTICS_GROUPS)
        return LM_INVALID;
    acc a = {0};
    for (size_t i = 0; i < k->n && a.st == LM_OK; i++) {
        const an_fact *f = &k->facts[i];
        const char *key = an_key_of(f, group);
        size_t r;
        /* each count falls in the period of its own event: received by reception time, outcomes
         * (and the figures measured on delivered orders) by outcome time */
        if (in(f->t_received, from_ms, to_ms) &&
            (r = row_for(&a, f->t_received, period, key)) != SIZE_MAX)
            a.rows[r].received++;
        if (in(f->t_delivered, from_ms, to_ms) &&
            (r = row_for(&a, f->t_delivered, period, key)) != SIZE_MAX)
            add_delivered(&a, f, r);
        if (in(f->t_failed, from_ms, to_ms) &&
            (r = row_for(&a, f->t_failed, period, key)) != SIZE_MAX)
            a.rows[r].failed++;
        if (in(f->t_cancelled, from_ms, to_ms) &&
            (r = row_for(&a, f->t_cancelled, period, key)) != SIZE_MAX)
            a.rows[r].cancelled++;
    }
    for (size_t i = 0; i < k->n_routes && a.st == LM_OK; i++)
        if (in(k->routes[i].started_ms, from_ms, to_ms))
            add_route(&a, &k->routes[i], period, group);
    finish(&a);
    lm_free(a.vals);
    lm_free(a.slots);
    if (a.st != LM_OK) {
        lm_free(a.rows);
        return a.st;
    }
    *out = a.rows;
    *n = a.n;
    return LM_OK;
}
