/* api/formats/reports.h: the analytics reports' codec: the query of GET /v1/reports/{family},
 * /v1/forecast/{depot}/{sku} and /v1/replenishment/{depot} (and `lastmile report`) into a typed
 * query with field-named errors, and report rows into JSON or CSV. Pure: no HTTP, no store, no
 * clock (the caller passes now_ms). Column lists are tables, so JSON and CSV carry the same
 * figures under the same names (docs/analytics.md defines them). */
#ifndef LASTMILE_FORMATS_REPORTS_H
#define LASTMILE_FORMATS_REPORTS_H

#include "analytics/analytics.h"
#include "store/store_feedback.h"
#include "store/store_returns.h"

typedef enum fmt_report_family {
    FMT_REPORT_DELIVERIES, /* received, delivered, failed, cancelled, on-time, first attempt */
    FMT_REPORT_ETA,        /* ETA accuracy 60 and 15 min before arrival */
    FMT_REPORT_CYCLE,      /* cycle time per stage */
    FMT_REPORT_COSTS,      /* routes, cost per stop and per km */
    FMT_REPORT_FLEET,      /* utilisation (time, capacity), driven against planned distance */
    FMT_REPORT_EXCEPTIONS, /* re-plans by trigger, exceptions by kind, resolution times */
    FMT_REPORT_PROMISE,    /* on time and lateness against promised windows (group zone) */
    FMT_REPORT_KPIS,       /* all of the above */
    FMT_REPORT_QUALITY,    /* complaints, SLA, ratings, returns (fmt_quality) */
    FMT_REPORT_FAMILIES
} fmt_report_family;

#define FMT_REPORT_MAX_DAYS 3700 /* longest span a report may cover (about ten years) */

typedef struct fmt_report_query {
    fmt_report_family family;
    int64_t from_ms, to_ms; /* [from, to): UTC midnights */
    analytics_period period;
    analytics_group group;
} fmt_report_query;

/* The family name in a path segment ("deliveries", "eta", "cycle-times", "costs", "fleet",
 * "exceptions", "promise", "kpis", "quality"). */
const char *fmt_report_family_name(fmt_report_family f);

/* Reads a report query. Each text may be NULL for its default: from/to are dates "YYYY-MM-DD"
 * (UTC, calendar-checked; to exclusive) or epoch milliseconds at a UTC midnight; default to = the
 * day after now_ms's day, from = 30 days before to; period day|week|month (day); group
 * all|depot|channel|vehicle|driver|zone (all). LM_NOT_FOUND for an unknown family (field "family"),
 * LM_INVALID naming the field otherwise (from >= to, more than FMT_REPORT_MAX_DAYS days). */
LM_MUST_USE lm_status fmt_report_query_read(const char *family, const char *from, const char *to,
                                            const char *period, const char *group, int64_t now_ms,
                                            fmt_report_query *q, lm_errinfo *err);

/* The rows as {"family","period","group","from","to","rows":[{"period_start":"YYYY-MM-DD",
 * "key", <the family's columns>}]} (key absent for group all). */
LM_MUST_USE lm_status fmt_report_json(lm_buf *b, const fmt_report_query *q,
                                      const analytics_kpi_row *rows, size_t n);
/* The same as CSV (RFC 4180): a header line period_start[,key],<columns>, then one line per row. */
LM_MUST_USE lm_status fmt_report_csv(lm_buf *b, const fmt_report_query *q,
                                     const analytics_kpi_row *rows, size_t n);

/* ---- Service quality: feedback and returns against deliveries ---- */

typedef struct fmt_quality {
    int64_t delivered;                 /* orders delivered in the range (the rollups) */
    int64_t complaints;                /* tickets opened in the range */
    int64_t answered, fr_met;          /* with a first response; before its due time */
    int64_t fr_breached, res_breached; /* tickets whose first-response / resolution SLA broke */
    const store_rating_group *by_driver, *by_depot; /* ratings created in the range */
    size_t n_driver, n_depot;
    const store_return_rate *by_product, *by_reason; /* RMAs created in the range */
    size_t n_product, n_reason;
} fmt_quality;

/* {"family":"quality","from","to","delivered","complaints","complaint_rate",
 * "sla_first_response_compliance","sla_resolution_compliance","ratings":{"driver":[{"key",
 * "count","mean"}],"depot":[..]},"returns":{"product":[{"key","returned","base","rate"}],
 * "reason":[..]}}; rates are 0 when their base is 0. */
LM_MUST_USE lm_status fmt_quality_json(lm_buf *b, const fmt_report_query *q, const fmt_quality *x);
/* The same as CSV lines section,key,count,value (section: summary, rating_driver, rating_depot,
 * return_product, return_reason; value: the rate or mean). */
LM_MUST_USE lm_status fmt_quality_csv(lm_buf *b, const fmt_quality *x);

/* ---- Forecast and replenishment ---- */

typedef struct fmt_forecast_query {
    int64_t history_days; /* days of history read before today: 28..730 (182) */
    int64_t horizon_days; /* days forecast from today: 1..90 (14) */
    int64_t lead_days;    /* supplier lead time: 1..60 (7) */
    int64_t review_days;  /* days between orders: 1..60 (7) */
    double service;       /* target cycle service level: 0.5..0.999 (0.95) */
    double z;             /* its safety factor (normal quantile) */
} fmt_forecast_query;

/* Reads ?days=&h=&lead_days=&review_days=&service= (each may be NULL for its default);
 * LM_INVALID naming the field. */
LM_MUST_USE lm_status fmt_forecast_query_read(const char *days, const char *h,
                                              const char *lead_days, const char *review_days,
                                              const char *service, fmt_forecast_query *q,
                                              lm_errinfo *err);

/* A forecast with its history: {"depot","sku","method","sigma","backtest":{..},"history":
 * [{"date","units"}],"forecast":[{"date","units","lo","hi"}]} where lo/hi = units -/+ z * sigma
 * (the one-step interval at the service level, floored at 0). first_day: days since the epoch of
 * history[0]; the forecast starts the day after the history. */
LM_MUST_USE lm_status fmt_forecast_json(lm_buf *b, const char *depot, const char *sku,
                                        int64_t first_day, const double *history, size_t n,
                                        const analytics_forecast *fc, double z);
/* The same as CSV: date,actual,forecast,mean,lo,hi (actual empty on forecast days). */
LM_MUST_USE lm_status fmt_forecast_csv(lm_buf *b, int64_t first_day, const double *history,
                                       size_t n, const analytics_forecast *fc, double z);

/* One SKU of a replenishment report (analytics/analytics.h). */
typedef analytics_sku_advice fmt_replenish_row;

LM_MUST_USE lm_status fmt_replenish_json(lm_buf *b, const char *depot, const fmt_forecast_query *q,
                                         const fmt_replenish_row *rows, size_t n);
LM_MUST_USE lm_status fmt_replenish_csv(lm_buf *b, const fmt_replenish_row *rows, size_t n);

#endif
