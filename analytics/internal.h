/* analytics/internal.h: the per-order fact records kpi.c folds from events and kpi_report.c
 * aggregates. Private to analytics/. */
#ifndef LASTMILE_ANALYTICS_INTERNAL_H
#define LASTMILE_ANALYTICS_INTERNAL_H

#include "analytics/analytics.h"

#define AN_ETAS_MAX 64 /* ETA changes remembered per order (oldest dropped): bounds memory */

/* An ETA published for the order at t_ms; prev_s is the one it replaced (0 when unknown). */
typedef struct an_eta {
    int64_t t_ms, eta_s, prev_s;
} an_eta;

typedef struct an_fact {
    int64_t order_id;
    char depot[33], channel[33], vehicle[33], driver[65];
    int64_t t_received, t_allocated, t_planned, t_ready, t_out, t_delivered, t_failed,
        t_cancelled;      /* ms */
    int64_t failed_stops; /* stop.failed events before delivery */
    bool window_checked, has_window, on_time;
    bool has_eta60, has_eta15;
    double eta60_err_s, eta15_err_s;
    int64_t arrived_ms, arrived_stop; /* last stop.arrived */
    an_eta *etas; /* the order's ETA changes (any of its stops, re-plans and retries
                   included), oldest dropped past AN_ETAS_MAX; freed once delivered */
    size_t n_etas;
} an_fact;

/* One vehicle's route of a day, from route.started to its last stop outcome. */
typedef struct an_route {
    char vehicle[33], driver[65];
    int64_t started_ms, last_ms; /* route.started, the last stop delivered/failed/picked up */
    int64_t stops, planned_m;    /* stop outcomes, planned legs to them (store_stop.leg_m) */
    int64_t cost_fixed, cost_per_hour, cost_per_km; /* the vehicle's settings (store_vehicle) */
    bool costs_known;
} an_route;

/* A stop outcome whose planned leg is still to be read, and the route it belongs to. */
typedef struct an_pstop {
    int64_t stop_id;
    size_t route;
} an_pstop;

typedef struct an_vdriver {
    char vehicle[33], driver[65];
} an_vdriver;

struct analytics_kpi {
    int64_t cursor;
    an_fact *facts; /* sorted by order_id */
    size_t n, cap;
    an_vdriver *vd; /* last driver seen starting each vehicle's route */
    size_t n_vd, cap_vd;
    int64_t *pending; /* orders delivered since the last window check */
    size_t n_pending, cap_pending;
    an_route *routes; /* in route.started order */
    size_t n_routes, cap_routes;
    an_pstop *pstops; /* stop outcomes since the last sync, for their planned legs */
    size_t n_pstops, cap_pstops;
    size_t routes_costed; /* routes before this index have their vehicle costs */
};

/* routes.c: route.started and stop outcomes into route records; the store lookups at sync. */
lm_status an_route_started(analytics_kpi *a, const char *vehicle, const char *driver, int64_t t);
lm_status an_route_stop(analytics_kpi *a, const char *vehicle, int64_t stop_id, int64_t t);
lm_status an_routes_sync(analytics_kpi *a, store_read *r, lm_errinfo *err);
void an_routes_free(analytics_kpi *a);

/* Nearest-rank quantiles of v[0..n) (sorted in place). */
analytics_q an_quantiles(double *v, size_t n);

#endif
