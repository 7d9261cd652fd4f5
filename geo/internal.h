/* geo/'s cross-file internals: the provider and matrix structs, the geodesic estimator shared by
 * the geodesic provider and the engines' fallback, the pair cache and the HTTP engine entry. */
#ifndef LASTMILE_GEO_INTERNAL_H
#define LASTMILE_GEO_INTERNAL_H

#include "geo/geo.h"

#include <geodesic.h>
#include <pthread.h>

/* ---- Geodesic estimate of travel between points ---- */

typedef struct geo__estimator {
    const geo_point *pts;
    size_t n;
    double *x_m, *y_m; /* projected coordinates; NULL in long-distance mode */
    bool long_mode;    /* per-pair geodesics instead of Euclidean in one projection */
    struct geod_geodesic g;
    double detour, speed_mps;
} geo__estimator;

/* Projects pts once (or chooses long-distance mode when the set is wider than max_extent_m). */
LM_MUST_USE lm_status geo__estimator_init(geo__estimator *e, const geo_point *pts, size_t n,
                                          double detour, double speed_mps, double max_extent_m,
                                          lm_errinfo *err);
void geo__estimator_free(geo__estimator *e);
/* Estimated duration (s) and distance (m) from point i to point j. */
void geo__estimate(const geo__estimator *e, size_t i, size_t j, int32_t *duration_s,
                   int32_t *distance_m);
/* Rounds a non-negative metric value to int32 (halves away from zero, as lround), saturating.
 * Inline and without lround: the geodesic matrix rounds two values per cell, and the libm call
 * was 11 % of a 2,000-stop re-plan's CPU (bench/results/perf-replan.md). v - trunc(v) is exact
 * below 2^31, so the result equals lround's for every v. */
static inline int32_t geo__round_i32(double v) {
    if (!(v > 0)) return 0;
    if (v >= (double)INT32_MAX) return INT32_MAX;
    int32_t i = (int32_t)v;
    return v - (double)i >= 0.5 ? i + 1 : i;
}

/* ---- Pair cache keyed by coordinates rounded to 1e-5 degree ---- */

typedef struct geo__cache geo__cache;

LM_MUST_USE lm_status geo__cache_create(size_t max_cells, geo__cache **out);
void geo__cache_destroy(geo__cache *c);
/* For every cell (i, j), i != j, not yet have[i*n+j]: copy a cached value into dur/dist and set
 * have. Returns the number of cells found. One lock for the whole pass. */
size_t geo__cache_fill(geo__cache *c, const geo_point *pts, size_t n, int32_t *dur, int32_t *dist,
                       bool *have);
/* Remembers the cells rows[a] x cols[b] whose ok[a*nc+b] is set, values in vd/vs (nr x nc). */
void geo__cache_put_block(geo__cache *c, const geo_point *pts, const uint32_t *rows, size_t nr,
                          const uint32_t *cols, size_t nc, const int32_t *vd, const int32_t *vs,
                          const bool *ok);
size_t geo__cache_count(geo__cache *c);

/* ---- Providers ---- */

struct geo_matrix_provider {
    geo_matrix_opts o; /* base_url, profile and given_* point at the copies below */
    char *base_url, *profile;
    int32_t *given_dur, *given_dist;
    geo__cache *cache; /* NULL when disabled or not an HTTP engine */
    /* the circuit breaker (geo/http.c), under lock */
    pthread_mutex_t lock;
    geo_engine_health health;
    int64_t open_until_ms; /* OPEN until this time of o.now_ms */
    bool probing;          /* HALF_OPEN: one request is out deciding */
};

/* ---- HTTP to an engine with retries and the breaker (geo/http.c) ---- */

typedef enum geo__fetch {
    GEO__FETCH_OK,      /* a reply came: status and body in the session */
    GEO__FETCH_FAILED,  /* transport error / 5xx / 429 after the retries, or an oversized reply */
    GEO__FETCH_SKIPPED, /* the breaker is open: nothing was sent */
} geo__fetch;

typedef struct geo__http {
    geo_matrix_provider *p;
    void *curl;                 /* CURL * */
    struct curl_slist *headers; /* Content-Type for POSTs */
    lm_buf url, body, resp;     /* body empty: GET */
    long status;                /* HTTP status of the last reply */
    uint32_t requests, retries; /* sent, and of which repeats */
    char error[200];            /* the last problem, "" if none */
} geo__http;

/* A session on p's engine (curl handle with p's timeouts). LM_NOMEM. */
LM_MUST_USE lm_status geo__http_init(geo__http *h, geo_matrix_provider *p, long timeout_ms);
void geo__http_free(geo__http *h);
/* Sends the prepared url (GET, or POST of body when body.len > 0), retrying transport errors,
 * 5xx and 429 with doubling pauses, unless the breaker forbids it. A transport failure counts
 * against the breaker here; a reply counts only once the caller judged it (geo__breaker_report):
 * an engine's own error answer (NoSegment, 171) is a healthy engine, a garbled reply is not. */
geo__fetch geo__http_send(geo__http *h);
/* The caller's verdict on a reply: ok = the engine's JSON came back. */
void geo__breaker_report(geo_matrix_provider *p, bool ok, const char *why);
void geo__http_note(geo__http *h, const char *fmt, ...) LM_PRINTF(2, 3);

struct geo_matrix {
    size_t n;
    int32_t *dur, *dist;
    geo_matrix_stats stats;
};

/* Fills dur/dist (n x n, diagonal already 0) from the provider's engine, the cache and, for the
 * rest, the estimator; records what happened in st. Fails only on LM_NOMEM. */
LM_MUST_USE lm_status geo__engine_fill(geo_matrix_provider *p, const geo__estimator *est,
                                       int32_t *dur, int32_t *dist, geo_matrix_stats *st,
                                       lm_errinfo *err);

#endif
