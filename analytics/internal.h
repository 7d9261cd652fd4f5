/* analytics/internal.h: the per-order fact records kpi.c folds from events and kpi_report.c
 * aggregates. Private to analytics/. */
#ifndef LASTMILE_ANALYTICS_INTERNAL_H
#define LASTMILE_ANALYTICS_INTERNAL_H

#include "analytics/analytics.h"
#include "store/store_analytics.h"

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
    int64_t late_s; /* delivered this long after the end of its last window that had ended (0
                       when on time or early; set with the window check) */
    char zone[48];  /* depot/geohash-5 cell of the delivery location (an_zone_of), "" unknown */
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
    int64_t shift_s;    /* the vehicle's shift length (store_vehicle), 0 unknown */
    int64_t capacity_g; /* its weight capacity, 0 unlimited or unknown */
    int64_t load_g;     /* weight of the delivery stops delivered or failed (store_stop) */
    int64_t legs, leg_planned_m, driven_m; /* stop.arrived legs with a measured driven_m */
} an_route;

/* A stop outcome whose planned leg is still to be read, and the route it belongs to. */
typedef struct an_pstop {
    int64_t stop_id;
    size_t route;
    bool delivery; /* stop.delivered or stop.failed (a pickup's weight is not load carried out) */
} an_pstop;

/* An exception still open on a vehicle: its kind (AN_EXC_*), time and driver. */
typedef struct an_exc {
    int kind;
    int64_t t_ms;
    char driver[65];
} an_exc;
#define AN_EXC_OPEN_MAX 8 /* open exceptions remembered per vehicle (oldest dropped) */

typedef struct an_vdriver {
    char vehicle[33], driver[65];
    an_exc open[AN_EXC_OPEN_MAX]; /* exceptions not yet resolved, oldest first */
    size_t n_open;
} an_vdriver;

/* A figure an event adds once (a re-plan, an exception, its resolution), not a function of a
 * fact's state: the fold lists them, the rollups add them (fleet.c). */
typedef struct an_evc {
    int64_t t_ms; /* the row's time (an exception's own time, also for its resolution) */
    char vehicle[33], driver[65];
    int counter; /* AN_C_* */
    int64_t value;
    int hist; /* AN_H_* metric of hist_s, -1 none */
    double hist_s;
} an_evc;

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
    an_evc *evc;          /* event figures folded and not yet added to rollups (fleet.c) */
    size_t n_evc, cap_evc;
};

/* kpi.c: the fold of one event into the state (facts, vehicle drivers, routes), and the store
 * lookups a fold leaves pending (promised windows of delivered orders, planned legs, vehicle
 * costs). The in-memory sync and the persisted rollups (rollup.c) share both. */
lm_status an_fold(analytics_kpi *a, const store_event *e);
lm_status an_lookups(analytics_kpi *a, store_read *r, lm_errinfo *err);
/* The order's fact (binary search); created zeroed when create is set (NULL on NOMEM/absent). */
an_fact *an_fact_get(analytics_kpi *a, int64_t id, bool create);
/* payload.c: the vehicle's entry (driver, open exceptions), created empty when create is set;
 * a field of a flat JSON payload: an integer, or a string copied up to cap (escapes as written). */
an_vdriver *an_vd_get(analytics_kpi *a, const char *vehicle, bool create);
bool an_field_i64(const char *json, const char *key, int64_t *out);
bool an_field_str(const char *json, const char *key, char *out, size_t cap);

/* routes.c: route.started and stop outcomes into route records; the store lookups at sync. */
lm_status an_route_started(analytics_kpi *a, const char *vehicle, const char *driver, int64_t t);
lm_status an_route_stop(analytics_kpi *a, const char *vehicle, int64_t stop_id, int64_t t,
                        bool delivery);
/* The vehicle's route holding an outcome at t (its latest, started by t), NULL when none. */
an_route *an_route_at(analytics_kpi *a, const char *vehicle, int64_t t, size_t *index);
lm_status an_routes_sync(analytics_kpi *a, store_read *r, lm_errinfo *err);
void an_routes_free(analytics_kpi *a);

/* fleet.c: re-plans, exceptions and their resolution, and driven legs (events whose figures are
 * added once: a->evc); the zone of a location. */
lm_status an_fold_fleet(analytics_kpi *a, const store_event *e, int64_t t);
/* "depot/" + the geohash of (lat, lon) at AN_ZONE_PRECISION characters into out. */
#define AN_ZONE_PRECISION 5 /* a cell of about 4.9 x 4.9 km at the equator */
void an_zone_of(const char *depot, double lat, double lon, char *out, size_t cap);

/* The order's value of group g ("" for all, "-" when unknown). */
const char *an_key_of(const an_fact *f, analytics_group g);

/* ---- Persisted rollups (rollup.c, rollup_io.c, rollup_report.c) ---- */

/* The additive figures of one rollup row (int64 each; costs as integer products so that any
 * order of additions gives the same sums). */
/* Re-plan triggers (plan.replanned's trigger, dispatch_trigger_name) and exception kinds
 * (driver.exception's kind, then stop.late and vehicle.silent), in column order. */
#define AN_TRIGGERS  ANALYTICS_TRIGGERS
#define AN_EXC_KINDS ANALYTICS_EXC_KINDS

enum {
    AN_C_RECEIVED,
    AN_C_DELIVERED,
    AN_C_FAILED,
    AN_C_CANCELLED,
    AN_C_WITH_WINDOW,
    AN_C_ON_TIME,
    AN_C_FIRST_ATTEMPT,
    AN_C_ROUTES,
    AN_C_ROUTE_STOPS,
    AN_C_ROUTE_S,
    AN_C_PLANNED_M,
    AN_C_COST_FIXED,    /* sum of cost_fixed */
    AN_C_COST_HOUR_S,   /* sum of cost_per_hour * route seconds (cost = this / 3600) */
    AN_C_COST_KM_M,     /* sum of cost_per_km * planned metres (cost = this / 1000) */
    AN_C_SHIFT_S,       /* routes' shift seconds (routes of vehicles with a shift) */
    AN_C_SHIFT_ROUTE_S, /* route seconds of those routes */
    AN_C_LOAD_G,        /* load of routes of vehicles with a weight capacity */
    AN_C_CAPACITY_G,    /* those capacities */
    AN_C_LEGS,          /* legs driven with a measured distance */
    AN_C_LEG_PLANNED_M,
    AN_C_DRIVEN_M,
    AN_C_LATE,                              /* delivered after the end of the promised window */
    AN_C_REPLAN0,                           /* + trigger */
    AN_C_EXC0 = AN_C_REPLAN0 + AN_TRIGGERS, /* + kind: raised */
    AN_C_EXC_RESOLVED0 = AN_C_EXC0 + AN_EXC_KINDS,           /* + kind: resolved */
    AN_C_EXC_RESOLVE_S0 = AN_C_EXC_RESOLVED0 + AN_EXC_KINDS, /* + kind: seconds to resolution */
    AN_C_COUNT = AN_C_EXC_RESOLVE_S0 + AN_EXC_KINDS
};
/* Histogram metrics: ETA errors at 60 and 15 min, the stages, exception resolution times and the
 * lateness of late deliveries past their window's end. */
enum {
    AN_H_ETA60,
    AN_H_ETA15,
    AN_H_STAGE0,
    AN_H_RESOLVE = AN_H_STAGE0 + ANALYTICS_STAGES,
    AN_H_LATE,
    AN_H_METRICS
};
/* The stored row kind of (period, group): day rows keep the plain group number, week and month
 * rows sit at 8 and 16 above it. A week or month row holds the sum of its days' rows, kept by
 * the same fold, so a report over whole periods reads one row per period and key. */
#define AN_GRP_PERIOD_STRIDE 8
static inline int an_row_grp(analytics_period p, analytics_group g) {
    return (int)p * AN_GRP_PERIOD_STRIDE + (int)g;
}

/* Buckets over whole seconds: exact below 64 s, then 32 per power of two (3.1% wide) up to
 * 2^27 s; a quantile is reported as its bucket's lower edge. */
#define AN_H_BUCKETS 736
int an_hist_bucket(double seconds);
double an_hist_edge(int bucket);

/* A dense histogram of one row: counts[metric * AN_H_BUCKETS + bucket]. */
typedef int64_t an_hist[AN_H_METRICS * AN_H_BUCKETS];
/* Row blobs <-> figures: counts is int64[AN_C_COUNT]; the histogram blob is sorted (key, count)
 * pairs of uint32 with key = metric << 16 | bucket. Decoding adds into c and h (h NULL: the
 * histogram is skipped); encoding with h NULL leaves the histogram blob empty. */
lm_status an_row_decode(const store_an_blob *counts, const store_an_blob *hist,
                        int64_t c[AN_C_COUNT], int64_t *h);
lm_status an_row_encode(const int64_t c[AN_C_COUNT], const int64_t *h, store_an_blob *counts,
                        store_an_blob *hist);

/* Nearest-rank quantiles of v[0..n) (sorted in place). */
analytics_q an_quantiles(double *v, size_t n);

#endif
