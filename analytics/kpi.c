/* analytics/kpi.c: folds events into one fact record per order, incrementally from a cursor.
 * Payloads are the flat JSON objects orders/ and dispatch/ write; the few fields needed are read
 * by key rather than through a general parser. */
#include "analytics/internal.h"
#include "store/store_orders.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define AN_PAGE 1000 /* events read per store call */

analytics_kpi *analytics_kpi_new(void) {
    return lm_calloc(1, sizeof(analytics_kpi));
}

void analytics_kpi_free(analytics_kpi *a) {
    if (!a) return;
    for (size_t i = 0; i < a->n; i++)
        lm_free(a->facts[i].etas);
    lm_free(a->facts);
    lm_free(a->vd);
    lm_free(a->pending);
    lm_free(a->evc);
    an_routes_free(a);
    lm_free(a);
}

int64_t analytics_kpi_cursor(const analytics_kpi *a) {
    return a->cursor;
}

an_fact *an_fact_get(analytics_kpi *a, int64_t id, bool create) {
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->facts[mid].order_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < a->n && a->facts[lo].order_id == id) return &a->facts[lo];
    if (!create) return NULL;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        an_fact *f = lm_reallocarray(a->facts, cap, sizeof *f);
        if (!f) return NULL;
        a->facts = f;
        a->cap = cap;
    }
    memmove(&a->facts[lo + 1], &a->facts[lo], (a->n - lo) * sizeof *a->facts);
    a->n++;
    memset(&a->facts[lo], 0, sizeof *a->facts);
    a->facts[lo].order_id = id;
    return &a->facts[lo];
}

/* The ETA the order's customer held at t_ms: the last change at or before it; before the first
 * change, the ETA that change replaced (the plan's), provided the order was planned by then. */
static bool eta_at(const an_fact *f, int64_t t_ms, int64_t *eta_s) {
    bool found = false;
    for (size_t i = 0; i < f->n_etas; i++)
        if (f->etas[i].t_ms <= t_ms) {
            *eta_s = f->etas[i].eta_s;
            found = true;
        }
    if (!found && f->n_etas > 0 && f->etas[0].prev_s > 0 && f->t_planned && f->t_planned <= t_ms) {
        *eta_s = f->etas[0].prev_s;
        found = true;
    }
    return found;
}

static lm_status eta_add(an_fact *f, int64_t t_ms, int64_t eta_s, int64_t prev_s) {
    if (!f->etas && !(f->etas = lm_calloc(AN_ETAS_MAX, sizeof *f->etas))) return LM_NOMEM;
    if (f->n_etas == AN_ETAS_MAX) {
        memmove(f->etas, f->etas + 1, (AN_ETAS_MAX - 1) * sizeof *f->etas);
        f->n_etas--;
    }
    f->etas[f->n_etas++] = (an_eta){t_ms, eta_s, prev_s};
    return LM_OK;
}

static double abs_err_s(int64_t arrived_ms, int64_t eta_s) {
    double d = (double)arrived_ms / 1000.0 - (double)eta_s;
    return d < 0 ? -d : d;
}

static void on_order_event(an_fact *f, const char *to, const char *p, int64_t t) {
    char s[33];
    if (an_field_str(p, "depot", s, sizeof s) && s[0]) lm_strlcpy(f->depot, s, sizeof f->depot);
    if (an_field_str(p, "channel", s, sizeof s) && s[0])
        lm_strlcpy(f->channel, s, sizeof f->channel);
    int64_t *slot = !strcmp(to, "received")           ? &f->t_received
                    : !strcmp(to, "allocated")        ? &f->t_allocated
                    : !strcmp(to, "planned")          ? &f->t_planned
                    : !strcmp(to, "ready")            ? &f->t_ready
                    : !strcmp(to, "out_for_delivery") ? &f->t_out
                    : !strcmp(to, "delivered")        ? &f->t_delivered
                    : !strcmp(to, "failed")           ? &f->t_failed
                    : !strcmp(to, "cancelled")        ? &f->t_cancelled
                                                      : NULL;
    /* the first time a stage is reached counts (a re-allocation after a hold keeps the first) */
    if (slot && !*slot) *slot = t;
}

static void on_delivered_stop(an_fact *f, int64_t stop_id) {
    int64_t eta;
    if (f->arrived_ms && f->arrived_stop == stop_id) {
        if ((f->has_eta60 = eta_at(f, f->arrived_ms - 3600 * 1000, &eta)))
            f->eta60_err_s = abs_err_s(f->arrived_ms, eta);
        if ((f->has_eta15 = eta_at(f, f->arrived_ms - 900 * 1000, &eta)))
            f->eta15_err_s = abs_err_s(f->arrived_ms, eta);
    }
    lm_free(f->etas); /* the order is done: its ETA history has served */
    f->etas = NULL;
    f->n_etas = 0;
}

lm_status an_fold(analytics_kpi *a, const store_event *e) {
    const char *p = e->payload_json;
    int64_t t = e->time_ms, id = 0;
    an_field_i64(p, "t_ms", &t); /* dispatch's clock when the payload carries it */
    lm_status frc = an_fold_fleet(a, e, t);
    if (frc != LM_OK) return frc;
    if (!strncmp(e->type, "order.", 6) && e->entity && !strcmp(e->entity, "order")) {
        if (!an_field_i64(p, "id", &id)) return LM_OK;
        an_fact *f = an_fact_get(a, id, true);
        if (!f) return LM_NOMEM;
        bool was = f->t_delivered != 0;
        on_order_event(f, e->type + 6, p, t);
        if (was || !f->t_delivered) return LM_OK;
        if (a->n_pending == a->cap_pending) {
            size_t cap = a->cap_pending ? a->cap_pending * 2 : 64;
            int64_t *q = lm_reallocarray(a->pending, cap, sizeof *q);
            if (!q) return LM_NOMEM;
            a->pending = q;
            a->cap_pending = cap;
        }
        a->pending[a->n_pending++] = id;
        return LM_OK;
    }
    if (!strcmp(e->type, "route.started")) {
        char v[33], d[65];
        if (!an_field_str(p, "vehicle_id", v, sizeof v) ||
            !an_field_str(p, "driver_id", d, sizeof d))
            return LM_OK;
        an_vdriver *vd = an_vd_get(a, v, true);
        if (!vd) return LM_NOMEM;
        lm_strlcpy(vd->driver, d, sizeof vd->driver);
        return an_route_started(a, v, d, t);
    }
    /* a break (order 0) has no order to measure */
    if (strncmp(e->type, "stop.", 5) || !an_field_i64(p, "order_id", &id) || id <= 0) return LM_OK;
    an_fact *f = an_fact_get(a, id, true);
    if (!f) return LM_NOMEM;
    int64_t stop_id = 0;
    an_field_i64(p, "stop_id", &stop_id);
    char v[33] = "";
    if (an_field_str(p, "vehicle_id", v, sizeof v) && v[0]) {
        lm_strlcpy(f->vehicle, v, sizeof f->vehicle);
        an_vdriver *vd = an_vd_get(a, v, false);
        if (vd && vd->driver[0]) lm_strlcpy(f->driver, vd->driver, sizeof f->driver);
    }
    char d[65];
    if (an_field_str(p, "driver_id", d, sizeof d) && d[0])
        lm_strlcpy(f->driver, d, sizeof f->driver);
    bool delivery = !strcmp(e->type, "stop.delivered") || !strcmp(e->type, "stop.failed");
    if (v[0] && (delivery || !strcmp(e->type, "stop.picked_up"))) {
        lm_status rc = an_route_stop(a, v, stop_id, t, delivery);
        if (rc != LM_OK) return rc;
    }
    if (!strcmp(e->type, "stop.eta_set")) {
        /* the ETA a committed plan gave the stop: the customer's first ETA */
        int64_t eta;
        if (an_field_i64(p, "eta_s", &eta) && !f->t_delivered) return eta_add(f, t, eta, 0);
    } else if (!strcmp(e->type, "stop.eta_changed")) {
        int64_t eta, prev = 0;
        an_field_i64(p, "previous_eta_s", &prev);
        if (an_field_i64(p, "eta_s", &eta) && !f->t_delivered) return eta_add(f, t, eta, prev);
    } else if (!strcmp(e->type, "stop.arrived")) {
        f->arrived_ms = t;
        f->arrived_stop = stop_id;
    } else if (!strcmp(e->type, "stop.failed")) {
        if (f->t_delivered) return LM_OK;
        f->failed_stops++;
        /* a retry is promised for the start of the next window: that is the customer's new ETA */
        int64_t after;
        if (an_field_i64(p, "retry_after_s", &after) && after > 0) return eta_add(f, t, after, 0);
    } else if (!strcmp(e->type, "stop.delivered")) {
        on_delivered_stop(f, stop_id);
    }
    return LM_OK;
}

/* Looks up the promised windows of the orders delivered since the last sync (only those). */
static lm_status check_windows(analytics_kpi *a, store_read *r, lm_errinfo *err) {
    while (a->n_pending > 0) {
        an_fact *f = an_fact_get(a, a->pending[a->n_pending - 1], false);
        if (!f || f->window_checked) {
            a->n_pending--;
            continue;
        }
        store_order o = {0};
        lm_status rc = store_order_get(r, f->order_id, &o, err);
        if (rc == LM_NOT_FOUND) {
            f->window_checked = true;
            continue;
        }
        if (rc != LM_OK) return rc;
        f->window_checked = true;
        a->n_pending--;
        f->has_window = o.n_windows > 0;
        int64_t ended_s = 0; /* the end of the last window over before the delivery */
        for (size_t k = 0; k < o.n_windows; k++) {
            if (f->t_delivered >= o.windows[k].start_s * 1000 &&
                f->t_delivered <= o.windows[k].end_s * 1000)
                f->on_time = true;
            if (o.windows[k].end_s * 1000 < f->t_delivered && o.windows[k].end_s > ended_s)
                ended_s = o.windows[k].end_s;
        }
        f->late_s = !f->on_time && ended_s ? f->t_delivered / 1000 - ended_s : 0;
        if (o.has_location)
            an_zone_of(o.depot_id[0] ? o.depot_id : f->depot, o.lat, o.lon, f->zone,
                       sizeof f->zone);
        store_order_clear(&o);
    }
    return LM_OK;
}

lm_status analytics_kpi_sync(analytics_kpi *a, store_read *r, lm_errinfo *err) {
    lm_status rc = LM_OK;
    /* bounded: each page advances the cursor, and the log is finite in one snapshot */
    for (;;) {
        store_event *ev = NULL;
        size_t n = 0;
        if ((rc = store_events_since(r, a->cursor, AN_PAGE, &ev, &n)) != LM_OK) {
            lm_errinfo_set(err, rc, "", "reading the event log failed");
            return rc;
        }
        for (size_t i = 0; i < n && rc == LM_OK; i++) {
            rc = an_fold(a, &ev[i]);
            if (rc == LM_OK) a->cursor = ev[i].seq;
        }
        store_events_free(ev, n);
        if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "folding events failed");
        if (n < AN_PAGE) break;
    }
    return an_lookups(a, r, err);
}

lm_status an_lookups(analytics_kpi *a, store_read *r, lm_errinfo *err) {
    lm_status rc = check_windows(a, r, err);
    return rc != LM_OK ? rc : an_routes_sync(a, r, err);
}
