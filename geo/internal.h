/* geo/'s cross-file internals: the provider and matrix structs, the geodesic estimator shared by
 * the geodesic provider and the engines' fallback, the pair cache and the HTTP engine entry. */
#ifndef LASTMILE_GEO_INTERNAL_H
#define LASTMILE_GEO_INTERNAL_H

#include "geo/geo.h"

#include <geodesic.h>

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
/* Rounds a non-negative metric value to int32, saturating. */
int32_t geo__round_i32(double v);

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
};

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
