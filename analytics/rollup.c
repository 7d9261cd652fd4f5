/* analytics/rollup.c: the persisted daily rollups. Each order's and each route's contribution to
 * the rollup rows is a pure function of its fold state, so a batch of events is applied as
 * "minus the old contributions of what it touches, fold, plus the new ones", in the same store
 * transaction as the events (the store's fold hook); `analytics_rollup_rebuild` folds the whole log
 * with the same code and writes the sums once. Either way the rows are the same bytes. */
#include "analytics/internal.h"

#include <inttypes.h>
#include <string.h>

#define AN_CURSOR_KEY   "analytics.cursor"
#define AN_FACT_MAGIC   0x414e4631u /* "ANF1", followed by sizeof(an_fact) */
#define AN_PAGE         10000       /* events per batch */
#define AN_HOOK_PAGES   10          /* a commit folds at most this many pages of backlog */
#define AN_DELTAS_FLUSH 2048        /* rows held in memory before they are written */
#define DAY_MS          86400000LL

/* ---- Deltas: the changes to rollup rows a batch makes, keyed by (day, group, key) ---- */

typedef struct an_delta {
    int64_t day_ms;
    int grp;
    char key[72];
    int64_t c[AN_C_COUNT];
    int64_t *h; /* a dense an_hist, NULL until a value is added */
} an_delta;

typedef struct an_deltas {
    an_delta *d;
    size_t n, cap;
    size_t *slots; /* open addressing: index + 1, 0 = empty; over twice the capacity */
    size_t n_slots;
    lm_status st;
} an_deltas;

static size_t delta_hash(int64_t day, int grp, const char *key) {
    uint64_t h = (1469598103934665603u ^ (uint64_t)day) * 1099511628211u ^ (uint64_t)grp;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return (size_t)(h ^ (h >> 29));
}

static void deltas_clear(an_deltas *D) {
    for (size_t i = 0; i < D->n; i++)
        lm_free(D->d[i].h);
    D->n = 0;
    if (D->slots) memset(D->slots, 0, D->n_slots * sizeof *D->slots);
}

static void deltas_free(an_deltas *D) {
    deltas_clear(D);
    lm_free(D->d);
    lm_free(D->slots);
}

static bool deltas_grow(an_deltas *D) {
    size_t cap = D->cap ? D->cap * 2 : 64, ns = 4 * cap;
    an_delta *d = lm_reallocarray(D->d, cap, sizeof *d);
    if (!d) return false;
    D->d = d;
    size_t *s = lm_calloc(ns, sizeof *s);
    if (!s) return false;
    lm_free(D->slots);
    D->slots = s;
    D->n_slots = ns;
    D->cap = cap;
    for (size_t i = 0; i < D->n; i++) {
        size_t k = delta_hash(d[i].day_ms, d[i].grp, d[i].key) & (ns - 1);
        while (s[k])
            k = (k + 1) & (ns - 1);
        s[k] = i + 1;
    }
    return true;
}

/* The delta of the row of period p holding t_ms for group g and key. */
static an_delta *delta_at(an_deltas *D, int64_t t_ms, analytics_period p, int g, const char *key) {
    int64_t day = analytics_period_start(t_ms, p);
    int grp = an_row_grp(p, (analytics_group)g);
    if (D->st != LM_OK) return NULL;
    if (D->n == D->cap && !deltas_grow(D)) {
        D->st = LM_NOMEM;
        return NULL;
    }
    size_t k = delta_hash(day, grp, key) & (D->n_slots - 1);
    for (; D->slots[k]; k = (k + 1) & (D->n_slots - 1)) {
        an_delta *d = &D->d[D->slots[k] - 1];
        if (d->day_ms == day && d->grp == grp && !strcmp(d->key, key)) return d;
    }
    an_delta *d = &D->d[D->n];
    memset(d, 0, sizeof *d);
    d->day_ms = day;
    d->grp = grp;
    lm_strlcpy(d->key, key, sizeof d->key);
    D->slots[k] = ++D->n;
    return d;
}

static void delta_hist(an_deltas *D, an_delta *d, int metric, double seconds, int sign) {
    if (!d->h && !(d->h = lm_calloc(1, sizeof(an_hist)))) {
        D->st = LM_NOMEM;
        return;
    }
    d->h[metric * AN_H_BUCKETS + an_hist_bucket(seconds)] += sign;
}

static void delta_stage(an_deltas *D, an_delta *d, int s, int64_t t0, int64_t t1, int sign) {
    if (t0 && t1 && t1 >= t0) delta_hist(D, d, AN_H_STAGE0 + s, (double)(t1 - t0) / 1000.0, sign);
}

/* ---- Contributions (the same definitions as kpi_report.c, as additive figures) ---- */

static void contrib_delivered(an_deltas *D, an_delta *d, const an_fact *f, int sign) {
    d->c[AN_C_DELIVERED] += sign;
    d->c[AN_C_WITH_WINDOW] += sign * f->has_window;
    d->c[AN_C_ON_TIME] += sign * (f->has_window && f->on_time);
    d->c[AN_C_FIRST_ATTEMPT] += sign * (f->failed_stops == 0);
    d->c[AN_C_LATE] += sign * (f->has_window && f->late_s > 0);
    if (f->has_window) delta_hist(D, d, AN_H_LATE, (double)f->late_s, sign);
    if (f->has_eta60) delta_hist(D, d, AN_H_ETA60, f->eta60_err_s, sign);
    if (f->has_eta15) delta_hist(D, d, AN_H_ETA15, f->eta15_err_s, sign);
    delta_stage(D, d, ANALYTICS_STAGE_AUDIT, f->t_received, f->t_allocated, sign);
    delta_stage(D, d, ANALYTICS_STAGE_PICK, f->t_allocated, f->t_ready, sign);
    delta_stage(D, d, ANALYTICS_STAGE_DISPATCH, f->t_ready, f->t_out, sign);
    delta_stage(D, d, ANALYTICS_STAGE_DRIVE, f->t_out, f->t_delivered, sign);
    delta_stage(D, d, ANALYTICS_STAGE_TOTAL, f->t_received, f->t_delivered, sign);
}

/* An order's figures go to its day, week and month rows alike: a report over whole weeks or
 * months then reads one row per period and key instead of every day's (bench/results). */
static void contrib_fact(an_deltas *D, const an_fact *f, int sign) {
    for (int p = ANALYTICS_DAY; p <= ANALYTICS_MONTH; p++)
        for (int g = ANALYTICS_ALL; g < ANALYTICS_GROUPS; g++) {
            const char *key = an_key_of(f, (analytics_group)g);
            analytics_period per = (analytics_period)p;
            an_delta *d;
            if (f->t_received && (d = delta_at(D, f->t_received, per, g, key)))
                d->c[AN_C_RECEIVED] += sign;
            if (f->t_delivered && (d = delta_at(D, f->t_delivered, per, g, key)))
                contrib_delivered(D, d, f, sign);
            if (f->t_failed && (d = delta_at(D, f->t_failed, per, g, key)))
                d->c[AN_C_FAILED] += sign;
            if (f->t_cancelled && (d = delta_at(D, f->t_cancelled, per, g, key)))
                d->c[AN_C_CANCELLED] += sign;
        }
}

static void contrib_route(an_deltas *D, const an_route *rt, int sign) {
    static const analytics_group gs[] = {ANALYTICS_ALL, ANALYTICS_BY_VEHICLE, ANALYTICS_BY_DRIVER};
    int64_t secs = (rt->last_ms - rt->started_ms) / 1000;
    for (size_t i = 0; i < 3 * sizeof gs / sizeof gs[0]; i++) {
        analytics_period p = (analytics_period)(i / (sizeof gs / sizeof gs[0]));
        analytics_group g = gs[i % (sizeof gs / sizeof gs[0])];
        const char *key = g == ANALYTICS_ALL          ? ""
                          : g == ANALYTICS_BY_VEHICLE ? rt->vehicle
                                                      : rt->driver;
        an_delta *d = delta_at(D, rt->started_ms, p, g, key[0] || g == ANALYTICS_ALL ? key : "-");
        if (!d) return;
        d->c[AN_C_ROUTES] += sign;
        d->c[AN_C_ROUTE_STOPS] += sign * rt->stops;
        d->c[AN_C_ROUTE_S] += sign * secs;
        d->c[AN_C_PLANNED_M] += sign * rt->planned_m;
        d->c[AN_C_COST_FIXED] += sign * rt->cost_fixed;
        d->c[AN_C_COST_HOUR_S] += sign * rt->cost_per_hour * secs;
        d->c[AN_C_COST_KM_M] += sign * rt->cost_per_km * rt->planned_m;
        /* utilisation counts only routes whose vehicle states the base (a shift, a capacity) */
        d->c[AN_C_SHIFT_S] += sign * rt->shift_s;
        d->c[AN_C_SHIFT_ROUTE_S] += sign * (rt->shift_s > 0 ? secs : 0);
        d->c[AN_C_LOAD_G] += sign * (rt->capacity_g > 0 ? rt->load_g : 0);
        d->c[AN_C_CAPACITY_G] += sign * rt->capacity_g;
        d->c[AN_C_LEGS] += sign * rt->legs;
        d->c[AN_C_LEG_PLANNED_M] += sign * rt->leg_planned_m;
        d->c[AN_C_DRIVEN_M] += sign * rt->driven_m;
    }
}

/* The figures events add once (fleet.c): to the rows of all, the vehicle and the driver. Each is
 * listed by the fold of its event, and the fold runs once per event (the cursor), so adding the
 * list gives a rebuild's sums. */
static void contrib_events(an_deltas *D, analytics_kpi *a) {
    static const analytics_group gs[] = {ANALYTICS_ALL, ANALYTICS_BY_VEHICLE, ANALYTICS_BY_DRIVER};
    for (size_t i = 0; i < a->n_evc; i++) {
        const an_evc *e = &a->evc[i];
        for (int p = ANALYTICS_DAY; p <= ANALYTICS_MONTH; p++)
            for (size_t k = 0; k < sizeof gs / sizeof gs[0]; k++) {
                const char *key = gs[k] == ANALYTICS_ALL          ? ""
                                  : gs[k] == ANALYTICS_BY_VEHICLE ? e->vehicle
                                                                  : e->driver;
                an_delta *d = delta_at(D, e->t_ms, (analytics_period)p, gs[k],
                                       key[0] || gs[k] == ANALYTICS_ALL ? key : "-");
                if (!d) return;
                d->c[e->counter] += e->value;
                if (e->hist >= 0) delta_hist(D, d, e->hist, e->hist_s, +1);
            }
    }
    a->n_evc = 0;
}

static void contrib_all(an_deltas *D, const analytics_kpi *a, size_t from_route, int sign) {
    for (size_t i = 0; i < a->n; i++)
        contrib_fact(D, &a->facts[i], sign);
    for (size_t i = from_route; i < a->n_routes; i++)
        contrib_route(D, &a->routes[i], sign);
}

/* Adds the deltas to their rows (created, updated, or deleted once all zero) and clears them. The
 * rows are read and written a chunk at a time (store_an_rows_get_many / _put_many): a fold
 * touches a dozen or more rows, each a round trip on PostgreSQL. */
static lm_status deltas_apply(an_deltas *D, store_tx *tx, lm_errinfo *err) {
    if (D->st != LM_OK) return lm_errinfo_set(err, D->st, "", "out of memory");
    size_t n = D->n, n_put = 0;
    int64_t *h = lm_alloc(sizeof(an_hist));
    store_an_row *keys = lm_calloc(n ? n : 1, sizeof *keys);
    store_an_row *old = lm_calloc(n ? n : 1, sizeof *old);
    store_an_row *put = lm_calloc(n ? n : 1, sizeof *put);
    bool *found = lm_calloc(n ? n : 1, sizeof *found);
    lm_status rc = h && keys && old && put && found ? LM_OK : LM_NOMEM;
    for (size_t i = 0; rc == LM_OK && i < n; i++) {
        keys[i].day_ms = D->d[i].day_ms;
        keys[i].grp = D->d[i].grp;
        lm_strlcpy(keys[i].key, D->d[i].key, sizeof keys[i].key);
    }
    if (rc == LM_OK) rc = store_an_rows_get_many(store_tx_read(tx), keys, n, old, found);
    for (size_t i = 0; rc == LM_OK && i < n; i++) {
        an_delta *d = &D->d[i];
        int64_t c[AN_C_COUNT] = {0};
        /* a delta without histogram values (most: an order created or allocated) leaves the
         * row's histogram blob as stored, instead of decoding it into the dense an_hist (~90 KB)
         * and encoding it back, at every commit (bench/results/perf-intake.md) */
        int64_t *hd = d->h ? h : NULL;
        if (hd) memset(hd, 0, sizeof(an_hist));
        if (found[i] && (rc = an_row_decode(&old[i].counts, &old[i].hist, c, hd)) != LM_OK) break;
        bool zero = hd || !found[i] || old[i].hist.n == 0; /* the blob holds non-zero cells only */
        for (int k = 0; k < AN_C_COUNT; k++)
            zero &= (c[k] += d->c[k]) == 0;
        for (size_t k = 0; hd && k < (size_t)AN_H_METRICS * AN_H_BUCKETS; k++)
            zero &= (hd[k] += d->h[k]) == 0;
        if (zero) {
            if (found[i]) rc = store_an_row_delete(tx, d->day_ms, d->grp, d->key);
            continue;
        }
        store_an_row *row = &put[n_put];
        *row = keys[i];
        if ((rc = an_row_encode(c, hd, &row->counts, &row->hist)) == LM_OK) {
            if (!hd && found[i]) { /* the histogram as it was, handed over */
                row->hist = old[i].hist;
                old[i].hist = (store_an_blob){0};
            }
            n_put++;
        } else {
            store_an_rows_free_one(row);
        }
    }
    if (rc == LM_OK) rc = store_an_rows_put_many(tx, put, n_put);
    for (size_t i = 0; old && found && i < n; i++)
        if (found[i]) store_an_rows_free_one(&old[i]);
    for (size_t i = 0; i < n_put; i++)
        store_an_rows_free_one(&put[i]);
    lm_free(h);
    lm_free(keys);
    lm_free(old);
    lm_free(put);
    lm_free(found);
    deltas_clear(D);
    if (rc != LM_OK) lm_errinfo_set(err, rc, "", "writing the analytics rollups failed");
    return rc;
}

/* ---- Fold state in the store ---- */

static lm_status fact_save(store_tx *tx, const an_fact *f) {
    size_t n = 2 * sizeof(uint32_t) + sizeof *f + f->n_etas * sizeof *f->etas;
    unsigned char *b = lm_alloc(n);
    if (!b) return LM_NOMEM;
    uint32_t hdr[2] = {AN_FACT_MAGIC, (uint32_t)sizeof *f};
    an_fact copy = *f;
    copy.etas = NULL;
    memcpy(b, hdr, sizeof hdr);
    memcpy(b + sizeof hdr, &copy, sizeof copy);
    if (f->n_etas) memcpy(b + sizeof hdr + sizeof copy, f->etas, f->n_etas * sizeof *f->etas);
    lm_status rc = store_an_fact_put(tx, f->order_id, b, n);
    lm_free(b);
    return rc;
}

static lm_status fact_load(analytics_kpi *a, store_read *r, int64_t order_id) {
    if (an_fact_get(a, order_id, false)) return LM_OK;
    store_an_blob b = {0};
    lm_status rc = store_an_fact_get(r, order_id, &b);
    if (rc == LM_NOT_FOUND) return LM_OK;
    if (rc != LM_OK) return rc;
    uint32_t hdr[2] = {0};
    if (b.n >= sizeof hdr) memcpy(hdr, b.data, sizeof hdr);
    size_t fixed = sizeof hdr + sizeof(an_fact);
    an_fact *f = NULL;
    if (hdr[0] != AN_FACT_MAGIC || hdr[1] != sizeof(an_fact) || b.n < fixed ||
        (b.n - fixed) % sizeof(an_eta) || (b.n - fixed) / sizeof(an_eta) > AN_ETAS_MAX)
        rc = LM_CONFLICT; /* written by another layout: `lastmile analytics rebuild` */
    else if (!(f = an_fact_get(a, order_id, true)))
        rc = LM_NOMEM;
    if (f) {
        memcpy(f, (unsigned char *)b.data + sizeof hdr, sizeof *f);
        f->etas = NULL;
        f->n_etas = (b.n - fixed) / sizeof(an_eta);
        if (f->n_etas && !(f->etas = lm_calloc(AN_ETAS_MAX, sizeof *f->etas))) {
            f->n_etas = 0;
            rc = LM_NOMEM;
        } else if (f->n_etas) {
            memcpy(f->etas, (unsigned char *)b.data + fixed, f->n_etas * sizeof(an_eta));
        }
    }
    lm_free(b.data);
    return rc;
}

/* Loads the vehicle's driver and latest route (once per batch). */
static lm_status vehicle_load(analytics_kpi *a, store_read *r, const char *vehicle) {
    if (!vehicle[0] || an_vd_get(a, vehicle, false)) return LM_OK;
    an_vdriver *vd = an_vd_get(a, vehicle, true);
    if (!vd) return LM_NOMEM;
    store_an_blob b = {0};
    lm_status rc = store_an_state_get(r, "driver", vehicle, &b);
    if (rc == LM_OK && b.n < sizeof vd->driver) memcpy(vd->driver, b.data, b.n);
    lm_free(b.data);
    if (rc != LM_OK && rc != LM_NOT_FOUND) return rc;
    b = (store_an_blob){0};
    rc = store_an_state_get(r, "exc", vehicle, &b);
    if (rc == LM_OK && (b.n % sizeof(an_exc) || b.n > sizeof vd->open)) rc = LM_CONFLICT;
    if (rc == LM_OK && b.n) memcpy(vd->open, b.data, b.n);
    if (rc == LM_OK) vd->n_open = b.n / sizeof(an_exc);
    lm_free(b.data);
    if (rc != LM_OK && rc != LM_NOT_FOUND) return rc;
    b = (store_an_blob){0};
    if ((rc = store_an_state_get(r, "route", vehicle, &b)) == LM_NOT_FOUND) return LM_OK;
    if (rc == LM_OK && b.n != sizeof(an_route)) rc = LM_CONFLICT;
    if (rc == LM_OK && (rc = an_route_started(a, vehicle, "", 0)) == LM_OK) {
        memcpy(&a->routes[a->n_routes - 1], b.data, sizeof(an_route));
        a->routes_costed = a->n_routes;
    }
    lm_free(b.data);
    return rc;
}

/* Writes back every fact, vehicle driver and each vehicle's latest route of the state. */
static lm_status state_save(store_tx *tx, const analytics_kpi *a) {
    lm_status rc = LM_OK;
    for (size_t i = 0; i < a->n && rc == LM_OK; i++)
        rc = fact_save(tx, &a->facts[i]);
    for (size_t i = 0; i < a->n_vd && rc == LM_OK; i++) {
        if (a->vd[i].driver[0])
            rc = store_an_state_put(tx, "driver", a->vd[i].vehicle, a->vd[i].driver,
                                    strlen(a->vd[i].driver));
        if (rc == LM_OK) /* written when empty too: the exceptions it held were resolved */
            rc = store_an_state_put(tx, "exc", a->vd[i].vehicle, a->vd[i].open,
                                    a->vd[i].n_open * sizeof(an_exc));
    }
    /* from the last route back: the first seen of each vehicle is its latest */
    const char **seen = lm_calloc(a->n_vd + a->n_routes + 1, sizeof *seen);
    size_t n_seen = 0;
    if (!seen) return LM_NOMEM;
    for (size_t i = a->n_routes; i-- > 0 && rc == LM_OK;) {
        bool done = false;
        for (size_t k = 0; k < n_seen && !done; k++)
            done = !strcmp(seen[k], a->routes[i].vehicle);
        if (done) continue;
        seen[n_seen++] = a->routes[i].vehicle;
        rc = store_an_state_put(tx, "route", a->routes[i].vehicle, &a->routes[i],
                                sizeof a->routes[i]);
    }
    lm_free(seen);
    return rc;
}

/* ---- Folding a batch inside the events' transaction ---- */

/* Loads the state the events touch: their orders' facts, their vehicles' drivers and routes. */
static lm_status batch_load(analytics_kpi *a, store_read *r, const store_event *ev, size_t n) {
    lm_status rc = LM_OK;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        const char *p = ev[i].payload_json;
        int64_t id;
        char v[33];
        bool order = !strncmp(ev[i].type, "order.", 6) && ev[i].entity &&
                     !strcmp(ev[i].entity, "order") && an_field_i64(p, "id", &id);
        bool stop = !strncmp(ev[i].type, "stop.", 5) && an_field_i64(p, "order_id", &id);
        if (order || stop) rc = fact_load(a, r, id);
        /* any event naming a vehicle: stop outcomes, route starts, re-plans and exceptions */
        if (rc == LM_OK && an_field_str(p, "vehicle_id", v, sizeof v)) rc = vehicle_load(a, r, v);
    }
    return rc;
}

static lm_status batch_fold(store_tx *tx, const store_event *ev, size_t n, lm_errinfo *err) {
    store_read *r = store_tx_read(tx);
    analytics_kpi *a = analytics_kpi_new();
    an_deltas D = {0};
    lm_status rc = a ? batch_load(a, r, ev, n) : LM_NOMEM;
    if (rc != LM_OK) {
        lm_errinfo_set(err, rc, "", "loading the analytics state failed");
        goto fail;
    }
    contrib_all(&D, a, 0, -1);
    for (size_t i = 0; i < n && rc == LM_OK; i++)
        if ((rc = an_fold(a, &ev[i])) == LM_OK) a->cursor = ev[i].seq;
    if (rc != LM_OK) {
        lm_errinfo_set(err, rc, "", "folding events failed");
        goto fail;
    }
    if ((rc = an_lookups(a, r, err)) != LM_OK) goto fail;
    contrib_all(&D, a, 0, +1);
    contrib_events(&D, a);
    if ((rc = state_save(tx, a)) != LM_OK) {
        lm_errinfo_set(err, rc, "", "saving the analytics state failed");
        goto fail;
    }
    if ((rc = deltas_apply(&D, tx, err)) == LM_OK &&
        (rc = store_meta_put(tx, AN_CURSOR_KEY, a->cursor)) != LM_OK)
        lm_errinfo_set(err, rc, "", "saving the analytics cursor failed");
fail:
    deltas_free(&D);
    analytics_kpi_free(a);
    return rc;
}

lm_status analytics_rollup_cursor(store_read *r, int64_t *seq) {
    bool found = false;
    *seq = 0;
    return store_meta_get(r, AN_CURSOR_KEY, seq, &found);
}

lm_status analytics_rollup_catch_up(store_tx *tx, size_t max_pages, int64_t *folded,
                                    lm_errinfo *err) {
    int64_t cursor = 0, total = 0;
    lm_status rc = analytics_rollup_cursor(store_tx_read(tx), &cursor);
    for (size_t page = 0; rc == LM_OK && page < max_pages; page++) {
        store_event *ev = NULL;
        size_t n = 0;
        if ((rc = store_events_since(store_tx_read(tx), cursor, AN_PAGE, &ev, &n)) != LM_OK) break;
        if (n > 0) rc = batch_fold(tx, ev, n, err);
        if (n > 0) cursor = ev[n - 1].seq;
        total += (int64_t)n;
        store_events_free(ev, n);
        if (n < AN_PAGE) break;
    }
    if (folded) *folded = total;
    return rc;
}

lm_status analytics_rollup_fold(void *ctx, store_tx *tx) {
    (void)ctx;
    return analytics_rollup_catch_up(tx, AN_HOOK_PAGES, NULL, NULL);
}

/* Whether events after the rollups' cursor exist (durable ones: a read outside the writer). */
static bool rollup_behind(store *s) {
    store_read *rd = NULL;
    int64_t cursor = 0, last = 0;
    if (store_read_begin(s, &rd) != LM_OK) return true; /* let the tx say what is wrong */
    bool behind = analytics_rollup_cursor(rd, &cursor) != LM_OK ||
                  store_events_last_seq(rd, &last) != LM_OK || last > cursor;
    store_read_end(rd);
    return behind;
}

lm_status analytics_rollup_flush(store *s, int64_t *folded, lm_errinfo *err) {
    int64_t total = 0, n = 0;
    lm_status rc = LM_OK;
    /* the backlog in transactions of 10 pages; bounded by the log's length */
    while (rc == LM_OK && rollup_behind(s)) {
        store_tx *tx = NULL;
        if ((rc = store_tx_begin(s, &tx)) != LM_OK) break;
        if ((rc = analytics_rollup_catch_up(tx, 10, &n, err)) != LM_OK) {
            store_tx_rollback(tx);
            break;
        }
        rc = store_tx_commit(tx);
        total += n;
        if (n < 10 * AN_PAGE) break;
    }
    if (folded) *folded = total;
    if (rc != LM_OK && err && !err->message[0])
        lm_errinfo_set(err, rc, "", "analytics catch-up failed");
    return rc;
}

lm_status analytics_rollup_attach(store *s, int64_t *folded, lm_errinfo *err) {
    store_set_fold_hook(s, analytics_rollup_fold, NULL);
    return analytics_rollup_flush(s, folded, err);
}

/* ---- Rebuild from the whole log ---- */

lm_status analytics_rollup_rebuild(store *s, int64_t *events, lm_errinfo *err) {
    store_tx *tx = NULL;
    analytics_kpi *a = analytics_kpi_new();
    an_deltas D = {0};
    lm_status rc = a ? store_tx_begin(s, &tx) : LM_NOMEM;
    if (rc != LM_OK) {
        lm_errinfo_set(err, rc, "", "cannot start the rebuild");
        goto fail;
    }
    if ((rc = store_an_clear(tx, err)) != LM_OK ||
        (rc = analytics_kpi_sync(a, store_tx_read(tx), err)) != LM_OK)
        goto fail;
    /* written in slices so the rows held in memory stay bounded */
    for (size_t i = 0; i < a->n && rc == LM_OK; i++) {
        contrib_fact(&D, &a->facts[i], +1);
        if (D.n >= AN_DELTAS_FLUSH) rc = deltas_apply(&D, tx, err);
    }
    for (size_t i = 0; i < a->n_routes && rc == LM_OK; i++) {
        contrib_route(&D, &a->routes[i], +1);
        if (D.n >= AN_DELTAS_FLUSH) rc = deltas_apply(&D, tx, err);
    }
    if (rc == LM_OK) contrib_events(&D, a);
    if (rc == LM_OK) rc = deltas_apply(&D, tx, err);
    if (rc == LM_OK && (rc = state_save(tx, a)) != LM_OK)
        lm_errinfo_set(err, rc, "", "saving the analytics state failed");
    if (rc == LM_OK && (rc = store_meta_put(tx, AN_CURSOR_KEY, a->cursor)) != LM_OK)
        lm_errinfo_set(err, rc, "", "saving the analytics cursor failed");
    if (rc != LM_OK) goto fail;
    if (events) *events = a->cursor;
    rc = store_tx_commit(tx);
    tx = NULL;
    if (rc != LM_OK) lm_errinfo_set(err, rc, "", "commit failed");
fail:
    store_tx_rollback(tx);
    deltas_free(&D);
    analytics_kpi_free(a);
    return rc;
}
