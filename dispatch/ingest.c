/* dispatch/ingest.c: position ingest (dispatch/ingest.h) on the store commit queue: a request is
 * one unit (device -> driver, filters, dedupe, dispatch's live state and events); the queue's
 * writer thread stores as many as are waiting in ONE transaction, commits (one fsync for the
 * whole batch) and only then answers each request. A unit opens its own savepoint only when it
 * writes more than positions (a refusal, an alarm, live state); positions that move no live state
 * are gathered and inserted at the batch's end, several rows per statement. While it commits, the
 * next batch gathers. Between batches, positions past their retention are pruned in small
 * chunks. */
#include "dispatch/ingest.h"

#include "dispatch/internal.h"
#include "store/commit_queue.h"
#include "store/store_devices.h"
#include "store/store_positions.h"

#include <inttypes.h>
#include <stdio.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_MAX_POSITIONS 200000 /* beyond this, submissions are refused (503) */
#define BATCH_MAX_POSITIONS 8192   /* positions committed together at most */
#define LINGER_BELOW        16     /* positions: fewer waiting than this -> linger */
#define PRUNE_EVERY_MS      60000
#define PRUNE_CHUNK         5000
#define DEVICE_CACHE        1024 /* device -> driver entries kept by the writer */
#define DEVICE_TTL_MS       2000 /* a phone moved to another driver is seen within this */
#define FILTER_CACHE        1024 /* drivers whose filter state the writer keeps */

/* Known devices, looked up at most every DEVICE_TTL_MS: a lookup prepares a statement, which
 * costs more than storing the position. Unknown devices are never cached, so a phone registered
 * a moment ago is accepted at once. Only the writer thread touches it. */
typedef struct dev_entry {
    char device[DISPATCH_DEVICE_MAX];
    char driver[STORE_DRIVER_MAX];
    bool has_vehicle;
    int64_t checked_ms; /* 0 = empty */
} dev_entry;

typedef struct dev_cache {
    dev_entry e[DEVICE_CACHE];
} dev_cache;

/* What the filters know of each driver, kept by the writer between batches. A driver not here
 * (first position since the start, or its slot taken by another) starts from its vehicle's
 * stored live state: one lookup instead of a scan of the position history, which has no index
 * by driver. */
typedef struct filter_entry {
    char driver[STORE_DRIVER_MAX];
    bool used;
    dispatch_filter_state st;
} filter_entry;

typedef struct filter_cache {
    filter_entry e[FILTER_CACHE];
} filter_cache;

struct dispatch_ingest {
    store *st;
    dispatch *d;
    int64_t (*now_ms)(void);
    dispatch_filter_opts filter;
    int64_t retention_s;
    int64_t last_prune_ms;
    store_cq *cq;
    /* set by a failed batch's outcome (on the queue's syncer thread), read by the writer: the
     * filter states moved with positions that were never kept */
    atomic_bool filters_stale;
    /* writer thread only: the caches and one request's rows */
    dev_cache *devices;
    uint64_t device_epoch; /* dispatch__device_epoch when the device cache was last valid */
    filter_cache *filters;
    store_position *rows;
    bool *inserted, *live;
    /* the batch's positions that move no live state, inserted together at its end (flush) */
    store_position *pend;
    size_t n_pend, cap_pend;
};

typedef struct job {
    dispatch_ingest *g;
    dispatch_ingest_done done;
    void *ctx;
    bool has_driver;
    char driver_id[STORE_DRIVER_MAX];
    int64_t recv_ms;
    bool refused; /* the request's own refusal (unknown device), not the store's */
    size_t n;
    dispatch_position pos[];
} job;

void dispatch_ingest_opts_init(dispatch_ingest_opts *o) {
    memset(o, 0, sizeof *o);
    o->now_ms = lm_now_ms;
}

/* ---- Device lookup ---- */

static dev_entry *dev_slot(dev_cache *c, const char *device) {
    uint64_t h = 1469598103934665603ull;
    for (const char *p = device; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return &c->e[h % DEVICE_CACHE];
}

/* The driver of a device inside tx. LM_NOT_FOUND for an unknown one. */
static lm_status device_driver(dispatch_ingest *g, store_tx *tx, const char *device,
                               char *driver_out, bool *has_vehicle, lm_errinfo *err) {
    uint64_t epoch = dispatch__device_epoch();
    if (epoch != g->device_epoch) { /* an id changed: what is cached may name a revoked one */
        memset(g->devices, 0, sizeof *g->devices);
        g->device_epoch = epoch;
    }
    dev_entry *e = dev_slot(g->devices, device);
    int64_t now = g->now_ms();
    if (e->checked_ms && now - e->checked_ms < DEVICE_TTL_MS && !strcmp(e->device, device)) {
        lm_strlcpy(driver_out, e->driver, STORE_DRIVER_MAX);
        *has_vehicle = e->has_vehicle;
        return LM_OK;
    }
    if (!g->d)
        return lm_errinfo_set(err, LM_UNAVAILABLE, "id",
                              "live tracking is not configured on this server");
    dispatch_driver dr;
    lm_status rc = dispatch_driver_by_device(store_tx_read(tx), device, &dr, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_NOT_FOUND, "id", "unknown device '%.60s'", device);
    if (rc != LM_OK) return rc;
    lm_strlcpy(driver_out, dr.id, STORE_DRIVER_MAX);
    *has_vehicle = dr.vehicle_id[0] != '\0';
    lm_strlcpy(e->device, device, sizeof e->device);
    lm_strlcpy(e->driver, dr.id, sizeof e->driver);
    e->has_vehicle = *has_vehicle;
    e->checked_ms = now;
    return LM_OK;
}

/* ---- Filters ---- */

/* The filter state of driver_id, loaded from its vehicle's live state when not cached. */
static lm_status filter_state(dispatch_ingest *g, store_tx *tx, const char *driver_id,
                              int64_t recv_ms, dispatch_filter_state **out, lm_errinfo *err) {
    uint64_t h = 1469598103934665603ull;
    for (const char *p = driver_id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    filter_entry *e = &g->filters->e[h % FILTER_CACHE];
    if (e->used && !strcmp(e->driver, driver_id)) {
        *out = &e->st;
        return LM_OK;
    }
    memset(e, 0, sizeof *e);
    store_read *r = store_tx_read(tx);
    store_driver drv;
    store_vstate vs;
    lm_status rc = store_driver_get(r, driver_id, &drv, NULL);
    if (rc == LM_OK && drv.vehicle_id[0]) {
        rc = store_vstate_get(r, drv.vehicle_id, &vs, NULL);
        /* a far-future fix stored before the filters existed is no anchor */
        if (rc == LM_OK && vs.has_position &&
            !(g->filter.future_skew_ms > 0 && vs.seen_ms - recv_ms > g->filter.future_skew_ms)) {
            e->st.has_last = true;
            e->st.last = (dispatch_fix){vs.seen_ms, vs.lat, vs.lon, NAN};
        }
    }
    if (rc != LM_OK && rc != LM_NOT_FOUND)
        return lm_errinfo_set(err, rc, "", "cannot read the driver's last position");
    lm_strlcpy(e->driver, driver_id, sizeof e->driver);
    e->used = true;
    *out = &e->st;
    return LM_OK;
}

/* Records a refused position: counted, kept among the driver's last ones, and reported by a
 * position.refused event when the driver's event clock allows one. The device id is a secret:
 * only its first characters are kept, fewer for short ids. */
static lm_status refuse(dispatch_ingest *g, store_tx *tx, const job *j, const dispatch_position *p,
                        const char *driver_id, dispatch_refusal why, int64_t time_ms,
                        lm_errinfo *err) {
    store_refused r;
    memset(&r, 0, sizeof r);
    lm_strlcpy(r.driver_id, driver_id, sizeof r.driver_id);
    size_t hint = strlen(p->device_id) / 5;
    if (hint > 4) hint = 4;
    memcpy(r.device_hint, p->device_id, hint);
    lm_strlcpy(r.reason, dispatch_refusal_name(why), sizeof r.reason);
    r.recv_ms = j->recv_ms;
    r.time_ms = time_ms;
    r.lat = p->lat;
    r.lon = p->lon;
    r.accuracy_m = p->accuracy_m;
    bool due = false;
    int64_t since = 0;
    lm_status rc = store_refusal_add(tx, &r, g->filter.keep_refused, j->recv_ms,
                                     g->filter.event_every_ms, &due, &since, err);
    if (rc != LM_OK || !due) return rc;
    return dispatch__event(tx, "position.refused", "driver", driver_id,
                           "{\"driver_id\":\"%s\",\"reason\":\"%s\",\"refused\":%" PRId64
                           ",\"time_ms\":%" PRId64 ",\"recv_ms\":%" PRId64 "}",
                           driver_id, r.reason, since, time_ms, j->recv_ms);
}

/* ---- One request: the commit queue's unit ---- */

static void row_fill(store_position *row, const job *j, const dispatch_position *p) {
    lm_strlcpy(row->device_id, p->device_id, sizeof row->device_id);
    row->recv_ms = j->recv_ms;
    row->time_ms = p->time_ms > 0 ? p->time_ms : j->recv_ms;
    row->lat = p->lat;
    row->lon = p->lon;
    row->speed_mps = p->speed_mps;
    row->heading_deg = p->heading_deg;
    row->altitude_m = p->altitude_m;
    row->accuracy_m = p->accuracy_m;
    row->battery_pct = p->battery_pct;
    row->charging = p->charging;
    lm_strlcpy(row->attributes, p->attrs ? p->attrs : "", sizeof row->attributes);
}

/* What a report carries besides a position, acted on before the filters so that an SOS from a
 * phone without a fix (or with one the filters refuse) still reaches the dispatcher: the push
 * token is kept for the device, an alarm raises driver.exception (kind "alarm") at once. */
static lm_status report_extras(store_tx *tx, const job *j, const dispatch_position *p,
                               const char *driver_id, int64_t t_ms, lm_errinfo *err) {
    lm_status rc = LM_OK;
    if (p->token) rc = store_push_token_put(tx, p->device_id, driver_id, p->token, j->recv_ms, err);
    if (rc != LM_OK || !p->alarm) return rc;
    bool first = false;
    if ((rc = store_alarm_first(tx, p->device_id, t_ms, p->alarm, &first, err)) != LM_OK || !first)
        return rc;
    lm_buf b;
    lm_buf_init(&b, 1024);
    rc = lm_buf_printf(&b, "{\"driver_id\":");
    if (rc == LM_OK) rc = lm_buf_json_str(&b, driver_id);
    if (rc == LM_OK) rc = lm_buf_printf(&b, ",\"kind\":\"alarm\",\"alarm\":");
    if (rc == LM_OK) rc = lm_buf_json_str(&b, p->alarm);
    if (rc == LM_OK) rc = lm_buf_printf(&b, ",\"t_ms\":%" PRId64, t_ms);
    if (rc == LM_OK && !p->no_location && isfinite(p->lat) && isfinite(p->lon))
        rc = lm_buf_printf(&b, ",\"position\":[%.6f,%.6f]", p->lon, p->lat);
    if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
    if (rc == LM_OK) rc = store_event_append(tx, "driver.exception", "driver", driver_id, b.data);
    lm_buf_free(&b);
    return rc;
}

/* The driver of each position into rows[i].driver_id and live[i]; a request naming an unknown
 * device is refused whole, before any filter state moves. */
static lm_status resolve_drivers(store_tx *tx, job *j, lm_errinfo *err) {
    dispatch_ingest *g = j->g;
    for (size_t i = 0; i < j->n; i++) {
        store_position *row = &g->rows[i]; /* row_fill sets the rest of an accepted one */
        row->driver_id[0] = '\0';
        g->live[i] = true;
        if (j->has_driver) {
            lm_strlcpy(row->driver_id, j->driver_id, sizeof row->driver_id);
            continue;
        }
        lm_status s = device_driver(g, tx, j->pos[i].device_id, row->driver_id, &g->live[i], err);
        if (s == LM_NOT_FOUND || s == LM_UNAVAILABLE) {
            /* the whole request is refused; the others in the batch go on */
            j->refused = true;
            if (s == LM_NOT_FOUND) err->code = LM_INVALID;
            return err->code;
        }
        if (s != LM_OK) return s;
    }
    return LM_OK;
}

/* Keeps rows[0..n) for the batch's one INSERT at its end (flush): the last step of a unit,
 * after which it cannot fail. */
static lm_status pend_add(dispatch_ingest *g, const store_position *rows, size_t n) {
    if (g->n_pend + n > g->cap_pend) {
        size_t cap = g->cap_pend ? g->cap_pend : 256;
        while (cap < g->n_pend + n)
            cap *= 2;
        store_position *p = lm_reallocarray(g->pend, cap, sizeof *p);
        if (!p) return LM_NOMEM;
        g->pend = p;
        g->cap_pend = cap;
    }
    memcpy(g->pend + g->n_pend, rows, n * sizeof *rows);
    g->n_pend += n;
    return LM_OK;
}

/* The queue's batch_end: the positions its units kept for it, in a few multi-row INSERTs of
 * the batch's transaction (tx NULL: the batch will not commit, they are dropped). */
static lm_status flush(store_tx *tx, void *ctx, lm_errinfo *err) {
    dispatch_ingest *g = ctx;
    size_t n = g->n_pend;
    g->n_pend = 0;
    return tx && n ? store_positions_append(tx, g->pend, n, err) : LM_OK;
}

/* Stores one request's positions inside tx and moves dispatch's live state with the new ones.
 * Positions the filters refuse are recorded as such and go no further. */
static lm_status job_work(store_tx *tx, void *arg, lm_errinfo *err) {
    job *j = arg;
    dispatch_ingest *g = j->g;
    store_position *rows = g->rows;
    /* positions of drivers without a vehicle only go to history: dispatch has nothing to move */
    bool *live = g->live;
    if (atomic_exchange(&g->filters_stale, false)) memset(g->filters, 0, sizeof *g->filters);
    lm_status rc = resolve_drivers(tx, j, err);
    if (rc != LM_OK) return rc;
    size_t k = 0; /* accepted ones are packed into rows[0..k) */
    for (size_t i = 0; i < j->n; i++) {
        const dispatch_position *p = &j->pos[i];
        char driver[STORE_DRIVER_MAX];
        bool is_live = live[i];
        lm_strlcpy(driver, rows[i].driver_id, sizeof driver);
        int64_t t_ms = p->time_ms > 0 ? p->time_ms : j->recv_ms;
        if ((p->token || p->alarm) && ((rc = store_cq_savepoint(err)) != LM_OK ||
                                       (rc = report_extras(tx, j, p, driver, t_ms, err)) != LM_OK))
            return rc;
        dispatch_filter_state *fs = NULL;
        if ((rc = filter_state(g, tx, driver, j->recv_ms, &fs, err)) != LM_OK) return rc;
        dispatch_refusal why = dispatch_filter_check(&g->filter, fs, p, t_ms, j->recv_ms);
        if (why != DISPATCH_ACCEPTED) {
            if ((rc = store_cq_savepoint(err)) != LM_OK ||
                (rc = refuse(g, tx, j, p, driver, why, t_ms, err)) != LM_OK)
                return rc;
            continue;
        }
        lm_strlcpy(rows[k].driver_id, driver, sizeof rows[k].driver_id);
        row_fill(&rows[k], j, p);
        live[k++] = is_live;
    }
    if (k == 0) return LM_OK;
    bool moves = false;
    for (size_t i = 0; g->d && i < k; i++)
        moves |= live[i];
    if (!moves) return pend_add(g, rows, k);
    if ((rc = store_cq_savepoint(err)) != LM_OK ||
        (rc = store_positions_insert(tx, rows, k, g->inserted, err)) != LM_OK)
        return rc;
    /* live state: only new positions; dispatch ignores ones older than what it has seen, so a
     * late-arriving old position is kept in history but never moves the vehicle backwards */
    int64_t thaw = g->filter.future_skew_ms > 0 ? j->recv_ms + g->filter.future_skew_ms : INT64_MAX;
    for (size_t i = 0; g->d && i < k; i++) {
        if (!g->inserted[i] || !live[i]) continue;
        dispatch_obs_result res;
        lm_errinfo e;
        lm_errinfo_clear(&e);
        lm_status s = dispatch__observe(
            g->d, tx, rows[i].driver_id, rows[i].lat, rows[i].lon, rows[i].time_ms,
            isfinite(rows[i].speed_mps) ? rows[i].speed_mps : -1.0, thaw, &res, &e);
        if (s == LM_STORE || s == LM_NOMEM || s == LM_INTERNAL) {
            *err = e;
            return s;
        }
    }
    return LM_OK;
}

/* After the commit (or failure): a store failure is the server's problem, so the client is
 * told to retry (LM_UNAVAILABLE); a refusal of the request itself passes through. */
static void job_done(void *arg, lm_status st, const lm_errinfo *err) {
    job *j = arg;
    /* the filter states moved with positions whose commit failed: start them again from the
     * store rather than from fixes that were never kept (the writer clears them: this may run
     * on the syncer thread while the writer works) */
    if (st != LM_OK && !j->refused) atomic_store(&j->g->filters_stale, true);
    if (st != LM_OK && !j->refused && st != LM_UNAVAILABLE && st != LM_NOMEM) {
        lm_errinfo e = *err;
        e.code = LM_UNAVAILABLE;
        j->done(j->ctx, LM_UNAVAILABLE, &e);
    } else {
        j->done(j->ctx, st, err);
    }
    /* j is the queue's to free (store_cq_unit_alloc) */
}

/* ---- Retention ---- */

/* The queue's idle hook: deletes expired positions at most every PRUNE_EVERY_MS, in chunks, so
 * that ingest batches are not held behind one long delete: a queued batch goes first and the
 * rest waits for the next idle moment. */
static void prune(void *ctx) {
    dispatch_ingest *g = ctx;
    int64_t now = g->now_ms();
    if (g->retention_s <= 0 || now - g->last_prune_ms < PRUNE_EVERY_MS) return;
    g->last_prune_ms = now;
    int64_t deleted = PRUNE_CHUNK;
    while (deleted == PRUNE_CHUNK) {
        if (store_cq_pending(g->cq)) {
            g->last_prune_ms = 0;
            return;
        }
        store_tx *tx = NULL;
        if (store_tx_begin(g->st, &tx) != LM_OK) return;
        lm_errinfo err;
        if (store_positions_prune(tx, now - g->retention_s * 1000, PRUNE_CHUNK, &deleted, &err) !=
                LM_OK ||
            store_tx_commit(tx) != LM_OK) {
            store_tx_rollback(tx);
            return;
        }
    }
}

/* ---- Start / stop ---- */

lm_status dispatch_ingest_start(store *s, dispatch *d, const dispatch_ingest_opts *o,
                                dispatch_ingest **out) {
    dispatch_ingest_opts def;
    if (!o) {
        dispatch_ingest_opts_init(&def);
        o = &def;
    }
    dispatch_ingest *g = lm_calloc(1, sizeof *g);
    if (!g) return LM_NOMEM;
    g->st = s;
    g->d = d;
    g->now_ms = o->now_ms ? o->now_ms : lm_now_ms;
    if (d)
        g->filter = d->o.positions;
    else
        dispatch_filter_opts_init(&g->filter);
    g->retention_s = o->retention_s;
    g->device_epoch = dispatch__device_epoch();
    g->devices = lm_calloc(1, sizeof *g->devices);
    g->filters = lm_calloc(1, sizeof *g->filters);
    g->rows = lm_calloc(DISPATCH_INGEST_MAX_BATCH, sizeof *g->rows);
    g->inserted = lm_calloc(DISPATCH_INGEST_MAX_BATCH, sizeof *g->inserted);
    g->live = lm_calloc(DISPATCH_INGEST_MAX_BATCH, sizeof *g->live);
    lm_status rc = LM_NOMEM;
    if (!g->devices || !g->filters || !g->rows || !g->inserted || !g->live) goto fail;
    store_cq_opts qo;
    store_cq_opts_init(&qo);
    qo.thread = true;
    qo.batch_max_units = SIZE_MAX;
    qo.batch_max_weight = BATCH_MAX_POSITIONS;
    qo.queue_max_weight = QUEUE_MAX_POSITIONS;
    qo.linger_us = o->linger_us;
    qo.linger_below = LINGER_BELOW;
    /* the next batch's statements run during this one's fsync (a batch with events, such as a
     * refusal or an alarm, still commits with its fsync first) */
    qo.sync_behind = true;
    /* most requests only add positions: no savepoint each, one INSERT per batch for them */
    qo.lazy_savepoints = true;
    qo.batch_end = flush;
    qo.batch_end_ctx = g;
    qo.deliver_hold = o->deliver_hold;
    if (o->retention_s > 0) {
        qo.idle = prune;
        qo.idle_ctx = g;
        qo.idle_ms = 1000;
    }
    qo.unavailable_msg = "the store is not available";
    qo.commit_failed_msg = "the positions could not be committed";
    if ((rc = store_cq_create(s, &qo, &g->cq)) != LM_OK) goto fail;
    *out = g;
    return LM_OK;
fail:
    dispatch_ingest_free(g);
    return rc;
}

void dispatch_ingest_stop(dispatch_ingest *g) {
    if (g) store_cq_stop(g->cq);
}

void dispatch_ingest_free(dispatch_ingest *g) {
    if (!g) return;
    store_cq_destroy(g->cq);
    lm_free(g->devices);
    lm_free(g->filters);
    lm_free(g->rows);
    lm_free(g->inserted);
    lm_free(g->live);
    lm_free(g->pend);
    lm_free(g);
}

/* ---- Submitting ---- */

/* Bytes the texts of pos[0..n) take with their NULs; SIZE_MAX when one is too long. Most
 * positions carry none, so a job stays the size of its fixed fields. */
static size_t texts_size(const dispatch_position *pos, size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t[3] = {pos[i].alarm, pos[i].token, pos[i].attrs};
        const size_t max[3] = {DISPATCH_ALARM_MAX, DISPATCH_TOKEN_MAX, DISPATCH_ATTRS_MAX};
        for (int k = 0; k < 3; k++) {
            size_t len = t[k] ? strlen(t[k]) : 0;
            if (len >= max[k]) return SIZE_MAX;
            total += len ? len + 1 : 0;
        }
    }
    return total;
}

/* Copies *text into the job's tail at *at and points it there ("" texts become NULL). */
static void text_own(const char **text, char **at) {
    size_t len = *text ? strlen(*text) : 0;
    if (!len) {
        *text = NULL;
        return;
    }
    memcpy(*at, *text, len + 1);
    *text = *at;
    *at += len + 1;
}

lm_status dispatch_ingest_submit(dispatch_ingest *g, const dispatch_position *pos, size_t n,
                                 const char *driver_id, dispatch_ingest_done done, void *ctx) {
    if (n == 0 || n > DISPATCH_INGEST_MAX_BATCH) return LM_INVALID;
    size_t texts = texts_size(pos, n);
    if (texts == SIZE_MAX) return LM_INVALID;
    job *j = store_cq_unit_alloc(sizeof *j + n * sizeof *pos + texts);
    if (!j) return LM_NOMEM;
    memset(j, 0, sizeof *j);
    j->g = g;
    j->done = done;
    j->ctx = ctx;
    j->recv_ms = g->now_ms();
    j->n = n;
    memcpy(j->pos, pos, n * sizeof *pos);
    char *tail = (char *)(j->pos + n);
    for (size_t i = 0; i < n; i++) {
        text_own(&j->pos[i].alarm, &tail);
        text_own(&j->pos[i].token, &tail);
        text_own(&j->pos[i].attrs, &tail);
    }
    if (driver_id) {
        j->has_driver = true;
        lm_strlcpy(j->driver_id, driver_id, sizeof j->driver_id);
    }
    lm_status rc = store_cq_submit_unit(g->cq, job_work, job_done, j, n);
    if (rc != LM_OK) store_cq_unit_free(j);
    return rc;
}

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    lm_status st;
    lm_errinfo err;
} waiter;

static void waiter_done(void *ctx, lm_status st, const lm_errinfo *err) {
    waiter *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->done = true;
    w->st = st;
    if (err) w->err = *err;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void dispatch_ingest_hold(dispatch_ingest *g, bool on) {
    if (g) store_cq_hold(g->cq, on);
}

lm_status dispatch_ingest_submit_wait(dispatch_ingest *g, const dispatch_position *pos, size_t n,
                                      const char *driver_id, lm_errinfo *err) {
    waiter w;
    memset(&w, 0, sizeof w);
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    lm_status rc = dispatch_ingest_submit(g, pos, n, driver_id, waiter_done, &w);
    if (rc == LM_OK) {
        pthread_mutex_lock(&w.mu);
        while (!w.done)
            pthread_cond_wait(&w.cv, &w.mu);
        pthread_mutex_unlock(&w.mu);
        rc = w.st;
        if (rc != LM_OK && err) *err = w.err;
    } else {
        lm_errinfo_set(err, rc, "", "%s",
                       rc == LM_UNAVAILABLE ? "the position queue is full or stopping; retry"
                                            : "cannot queue the positions");
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    return rc;
}

/* ---- What the dispatcher sees ---- */

void dispatch_refusals_clear(dispatch_refusals *x) {
    if (!x) return;
    lm_free(x->counts);
    lm_free(x->last);
    memset(x, 0, sizeof *x);
}

lm_status dispatch_position_refusals(store_read *r, const char *driver_id, size_t last_n,
                                     dispatch_refusals *out, lm_errinfo *err) {
    dispatch_refusals x = {0};
    store_refusal_count *c = NULL;
    store_refused *p = NULL;
    size_t nc = 0, np = 0;
    lm_status rc = store_refusal_counts(r, driver_id, &c, &nc, err);
    if (rc == LM_OK) rc = store_refused_recent(r, driver_id, last_n, &p, &np, err);
    if (rc != LM_OK) goto fail;
    rc = LM_NOMEM;
    if ((nc && !(x.counts = lm_calloc(nc, sizeof *x.counts))) ||
        (np && !(x.last = lm_calloc(np, sizeof *x.last))))
        goto fail;
    for (size_t i = 0; i < nc; i++) {
        dispatch_refusal_count *o = &x.counts[i];
        lm_strlcpy(o->driver_id, c[i].driver_id, sizeof o->driver_id);
        lm_strlcpy(o->reason, c[i].reason, sizeof o->reason);
        o->count = c[i].count;
        o->last_ms = c[i].last_ms;
    }
    for (size_t i = 0; i < np; i++) {
        dispatch_refused_position *o = &x.last[i];
        lm_strlcpy(o->driver_id, p[i].driver_id, sizeof o->driver_id);
        lm_strlcpy(o->device_hint, p[i].device_hint, sizeof o->device_hint);
        lm_strlcpy(o->reason, p[i].reason, sizeof o->reason);
        o->recv_ms = p[i].recv_ms;
        o->time_ms = p[i].time_ms;
        o->lat = p[i].lat;
        o->lon = p[i].lon;
        o->accuracy_m = p[i].accuracy_m;
    }
    x.n_counts = nc;
    x.n_last = np;
    *out = x;
    x = (dispatch_refusals){0};
    rc = LM_OK;
fail:
    dispatch_refusals_clear(&x);
    lm_free(c);
    lm_free(p);
    return rc;
}
