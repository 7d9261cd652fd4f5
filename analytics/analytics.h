/* analytics: delivery KPIs folded from the event log, and demand forecasts with replenishment
 * advice from order lines. Reads the store through store/ functions only, never HTTP.
 *
 * Ownership: an analytics_kpi state belongs to its creator; it is not thread-safe (one caller at a
 * time, e.g. under the handler's mutex). Row arrays returned through out-params belong to the
 * caller and are freed with lm_free.
 *
 * Incrementality: the state keeps a cursor (the last event seq folded) and one fact record per
 * order; analytics_kpi_sync reads only events after the cursor (in pages of 1000), so a report
 * never rescans the log. Definitions of every figure are in docs/analytics.md. */
#ifndef LASTMILE_ANALYTICS_H
#define LASTMILE_ANALYTICS_H

#include "common/common.h"
#include "store/store.h"

/* ---- KPIs ---- */

typedef enum analytics_period { ANALYTICS_DAY, ANALYTICS_WEEK, ANALYTICS_MONTH } analytics_period;
typedef enum analytics_group {
    ANALYTICS_ALL,
    ANALYTICS_BY_DEPOT,
    ANALYTICS_BY_CHANNEL,
    ANALYTICS_BY_VEHICLE,
    ANALYTICS_BY_DRIVER,
    ANALYTICS_BY_ZONE /* the depot x a geohash-5 cell of the delivery location (docs) */
} analytics_group;
#define ANALYTICS_GROUPS 6

/* Re-plan triggers (dispatch_trigger_name, then "other") and exception kinds (driver.exception's
 * kinds, then stop.late "late" and vehicle.silent "silent"): the columns' order. */
#define ANALYTICS_TRIGGERS  9
#define ANALYTICS_EXC_KINDS 7
const char *analytics_trigger_name(int i);
const char *analytics_exc_name(int i);

/* Stages of an order's cycle time: received→allocated (audit), allocated→ready (pick/pack),
 * ready→out_for_delivery (dispatch), out_for_delivery→delivered (last mile), received→delivered. */
enum {
    ANALYTICS_STAGE_AUDIT,
    ANALYTICS_STAGE_PICK,
    ANALYTICS_STAGE_DISPATCH,
    ANALYTICS_STAGE_DRIVE,
    ANALYTICS_STAGE_TOTAL,
    ANALYTICS_STAGES
};

/* A quantile summary of n values (seconds); median and p90 are nearest-rank, 0 when n == 0. */
typedef struct analytics_q {
    int64_t n;
    double median, p90;
} analytics_q;

typedef struct analytics_kpi_row {
    int64_t period_start_ms; /* UTC midnight starting the day / Monday / first of month */
    char key[72];            /* the group value ("" for ANALYTICS_ALL, "-" when unknown) */
    int64_t received, delivered, failed, cancelled;
    int64_t with_window, on_time;            /* delivered orders with a promised window; on time */
    int64_t first_attempt;                   /* delivered without an earlier failed stop */
    double on_time_rate, first_attempt_rate; /* 0 when the denominator is 0 */
    analytics_q eta60_abs_err_s, eta15_abs_err_s; /* |ETA - arrival| of the ETA held then */
    analytics_q stage_s[ANALYTICS_STAGES];
    /* routes started in the period (groups all, vehicle, driver only; 0 for depot and channel):
     * cost = fixed + per_hour * hours from route.started to the last stop outcome + per_km *
     * planned km to the stops served, in the vehicle's cost units (store_vehicle) */
    int64_t routes, route_stops, route_s, planned_m;
    double cost, cost_per_stop, cost_per_km; /* per stop outcome, per planned km; 0 if none */
    /* (rollup reports only; 0 from analytics_kpi_report) fleet use of those routes: route
     * seconds over the vehicles' shift seconds (vehicles with a shift), load carried out over
     * weight capacity (vehicles with one), driven over planned metres of the legs between stops
     * whose driven distance dispatch measured (stop.arrived's driven_m) */
    int64_t shift_s, shift_route_s, load_g, capacity_g, legs, leg_planned_m, driven_m;
    double time_utilisation, capacity_utilisation, driven_ratio; /* 0 when the base is 0 */
    /* promised windows: delivered after the end of the window; how far past it (0 when not
     * late) over delivered orders with a window: its p90 is how much later a window would have
     * to end for 9 in 10 to be on time */
    int64_t late;
    analytics_q late_s;
    /* re-plans applied by trigger; exceptions raised by kind, those resolved, mean seconds to
     * resolution per kind and the quantiles over all kinds (groups all, vehicle, driver) */
    int64_t replans[ANALYTICS_TRIGGERS];
    int64_t exceptions[ANALYTICS_EXC_KINDS], exc_resolved[ANALYTICS_EXC_KINDS];
    double exc_resolve_mean_s[ANALYTICS_EXC_KINDS];
    analytics_q exc_resolve_s;
} analytics_kpi_row;

typedef struct analytics_kpi analytics_kpi;

LM_MUST_USE analytics_kpi *analytics_kpi_new(void);
void analytics_kpi_free(analytics_kpi *a);
/* The seq of the last event folded (0 before any). */
int64_t analytics_kpi_cursor(const analytics_kpi *a);
/* Folds every event after the cursor (bounded pages of 1000) and looks up the promised windows of
 * newly delivered orders; O(new events + new deliveries), never the whole log. */
LM_MUST_USE lm_status analytics_kpi_sync(analytics_kpi *a, store_read *r, lm_errinfo *err);
/* Rows for [from_ms, to_ms) by period and group, sorted by period then key. O(orders folded). */
LM_MUST_USE lm_status analytics_kpi_report(const analytics_kpi *a, int64_t from_ms, int64_t to_ms,
                                           analytics_period period, analytics_group group,
                                           analytics_kpi_row **out, size_t *n);
/* Start of the period containing t_ms (UTC). */
int64_t analytics_period_start(int64_t t_ms, analytics_period period);

/* ---- Persisted rollups (daily rows per group, kept in the store) ----
 * The rows are maintained in the same transaction as the events: install
 * store_set_fold_hook(s, analytics_rollup_fold, NULL) in every process that writes events (a
 * process without it only delays them: the next fold catches up from the persisted cursor).
 * Quantiles come from per-row histograms: exact below 64 s, else the lower edge of a bucket 3.1%
 * wide. Definitions are those of analytics_kpi_report; docs/analytics.md. */

/* The store fold hook: folds every event after the persisted cursor (at most 10 pages of 10,000
 * per call) into the rollups inside tx. */
LM_MUST_USE lm_status analytics_rollup_fold(void *ctx, store_tx *tx);
/* The same, for at most max_pages pages; *folded (may be NULL) = events folded. */
LM_MUST_USE lm_status analytics_rollup_catch_up(store_tx *tx, size_t max_pages, int64_t *folded,
                                                lm_errinfo *err);
/* Installs the fold hook on s and folds the backlog (events appended by a process without it) in
 * transactions of its own; call once after store_open in a process that writes events.
 * *folded (may be NULL) = events folded. */
LM_MUST_USE lm_status analytics_rollup_attach(store *s, int64_t *folded, lm_errinfo *err);
/* Folds whatever the rollups do not hold yet (events of commits that left it to a later fold:
 * store_set_fold_lag, or of a process without the hook) in transactions of its own, after a
 * read that finds nothing to do in the common case; call before reading the rollups. *folded (may
 * be NULL) = events folded. */
LM_MUST_USE lm_status analytics_rollup_flush(store *s, int64_t *folded, lm_errinfo *err);
/* The seq of the last event the rollups hold (0 before any). */
LM_MUST_USE lm_status analytics_rollup_cursor(store_read *r, int64_t *seq);
/* Deletes the rollups and their fold state and folds the whole log again in one transaction
 * (holding the writer lock throughout); *events (may be NULL) = the cursor reached. */
LM_MUST_USE lm_status analytics_rollup_rebuild(store *s, int64_t *events, lm_errinfo *err);
/* Report rows from the rollups: the days whose UTC midnight lies in [day of from_ms, to_ms),
 * by period and group, sorted by period then key (as analytics_kpi_report). */
LM_MUST_USE lm_status analytics_rollup_report(store_read *r, int64_t from_ms, int64_t to_ms,
                                              analytics_period period, analytics_group group,
                                              analytics_kpi_row **out, size_t *n, lm_errinfo *err);

/* ---- Forecast ---- */

typedef enum analytics_method {
    ANALYTICS_ZERO,           /* no history: forecast 0 */
    ANALYTICS_MEAN,           /* shorter than a season: the mean */
    ANALYTICS_SEASONAL_NAIVE, /* same weekday last week */
    ANALYTICS_HOLT_WINTERS,   /* additive level + trend + weekly season */
    ANALYTICS_HW_YEARLY,      /* Holt-Winters on the series less a yearly Fourier term */
    ANALYTICS_TSB             /* intermittent demand: Teunter-Syntetos-Babai (the mean is the
                                 demand probability times the size, the point forecast the median) */
} analytics_method;

const char *analytics_method_name(analytics_method m);

#define ANALYTICS_SEASON      7   /* days: weekly seasonality */
#define ANALYTICS_YEAR_MIN    365 /* days of training history before a yearly term is tried */
#define ANALYTICS_HORIZON_MAX 366

typedef struct analytics_backtest {
    int64_t holdout;    /* days of each holdout (0: too short to test) */
    int64_t folds;      /* rolling origins the chosen method was measured on: holdouts ending 0, 7,
                           14, ... days before the history's end (1..8) */
    double mase, smape; /* of the chosen method, mean over the folds */
    double naive_mase, naive_smape; /* of seasonal-naive on the same folds */
} analytics_backtest;

typedef struct analytics_forecast {
    analytics_method method;
    double sigma; /* std dev of one-step in-sample errors of the chosen method (units/day) */
    analytics_backtest bt;
    size_t h;
    double f[ANALYTICS_HORIZON_MAX]; /* daily point forecast, >= 0: what MASE and sMAPE judge */
    /* expected daily demand, >= 0: what replenishment sums. The same as f except for TSB, whose
     * point forecast is the median of a day's demand (0 on a series that sells on fewer than
     * half of the days) and whose mean is the demand probability times the mean size */
    double mean[ANALYTICS_HORIZON_MAX];
} analytics_forecast;

/* Forecasts h (1..ANALYTICS_HORIZON_MAX) days after y[0..n) (daily demand, >= 0). stockout (may be
 * NULL) marks days whose demand was censored by an empty shelf: they are imputed from the same
 * weekday before fitting and left out of error measures. The candidates are compared by a
 * rolling-origin backtest (up to 8 origins a week apart, holdouts of min(14, n/4) days), each
 * replacing the simpler one before it when its MASE and sMAPE relative to that one's on the same
 * origins average under 1: regular series try seasonal-naive, Holt-Winters and, once the
 * training part covers ANALYTICS_YEAR_MIN days and the history shows a yearly wave (an F test),
 * Holt-Winters with a yearly term; intermittent series seasonal-naive and TSB. The winner is then
 * refitted on the whole history. LM_INVALID on bad arguments. */
LM_MUST_USE lm_status analytics_forecast_series(const double *y, const bool *stockout, size_t n,
                                                size_t h, analytics_forecast *out);

/* Daily demand (units of sku ordered at depot, by order creation day UTC) for n_days days from
 * from_day (days since the epoch); orders not allocated to a depot count for depot "". */
LM_MUST_USE lm_status analytics_demand_series(store_read *r, const char *depot, const char *sku,
                                              int64_t from_day, size_t n_days, double *out,
                                              lm_errinfo *err);

typedef struct analytics_replenish_in {
    double on_hand, on_order; /* units available now, units already ordered */
    size_t lead_time_days;    /* supplier lead time (>= 1) */
    size_t review_days;       /* days between orders (>= 1) */
    double z;                 /* safety factor for the service level, e.g. 1.645 for 95% */
} analytics_replenish_in;

typedef struct analytics_replenish {
    double days_of_cover; /* days until forecast demand exhausts on_hand (h if never) */
    double reorder_point; /* forecast over lead time + z * sigma * sqrt(lead time) */
    double order_up_to;   /* forecast over lead + review + z * sigma * sqrt(lead + review) */
    double order_qty;     /* order_up_to - position, when position <= reorder point; else 0 */
    bool reorder_now;     /* on_hand + on_order <= reorder_point */
    bool stockout_risk;   /* on_hand runs out before an order placed today arrives */
} analytics_replenish;

/* Replenishment advice from a forecast (whose horizon must cover lead + review days). */
LM_MUST_USE lm_status analytics_replenish_advise(const analytics_forecast *fc,
                                                 const analytics_replenish_in *in,
                                                 analytics_replenish *out);

/* The daily demand of several SKUs at one depot in one pass over the orders:
 * out[s * n_days + d] for skus[s] on day from_day + d. */
LM_MUST_USE lm_status analytics_demand_matrix(store_read *r, const char *depot,
                                              const char *const *skus, size_t n_skus,
                                              int64_t from_day, size_t n_days, double *out,
                                              lm_errinfo *err);

/* One SKU of a depot's replenishment advice. */
typedef struct analytics_sku_advice {
    char sku[65];
    int64_t on_hand, reserved, reorder_point_set; /* the stock row (its fixed reorder point) */
    bool history;          /* some demand in the history: the advice replaces the fixed point */
    analytics_forecast fc; /* over lead + review days */
    analytics_replenish advice; /* with on_hand = available (on hand - reserved) */
} analytics_sku_advice;

/* Advice for every SKU stocked at depot from the history_days days before today_day (days since
 * the epoch); in gives lead time, review period and z (its on_hand/on_order are ignored).
 * *out (lm_free) holds *n rows in the stock table's order. */
LM_MUST_USE lm_status analytics_replenish_depot(store_read *r, const char *depot, int64_t today_day,
                                                size_t history_days,
                                                const analytics_replenish_in *in,
                                                analytics_sku_advice **out, size_t *n,
                                                lm_errinfo *err);

#endif
