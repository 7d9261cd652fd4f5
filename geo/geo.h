/* geo: coordinates, PROJ projections and geodesics, travel-time matrices (geodesic, OSRM, Valhalla,
 * caller-given), geofences and encoded polylines.
 *
 * Coordinates are WGS84 degrees in a geo_point {lat, lon}; matrices are integers (int32 seconds
 * and metres, row-major n x n, exactly what solver_problem_set_matrix takes).
 *
 * Coordinate order, the one rule: a geo_point is always {lat, lon}. Text in "lat,lon" order
 * comes from OsmAnd `location=` (geo_point_parse_latlon); "[lon, lat]" comes from VROOM and
 * GeoJSON (geo_point_parse_lonlat); OSRM URLs are written lon,lat. Values are never swapped
 * silently: an out-of-range pair is an error whose message says when the order looks reversed.
 *
 * Ownership: every *_create / *_from_* / *_compute / *_encode / *_decode hands the caller an
 * object or buffer to release with the matching *_destroy (or lm_free for plain buffers). Options
 * and input arrays are copied; the caller keeps its own memory. All destroy functions accept NULL.
 *
 * Dependencies: PROJ (projections, <geodesic.h>) and libcurl (routing engines). The engines' JSON
 * replies and GeoJSON service areas are decoded with cJSON inside geo/ .c files only (a private
 * link dependency in geo/CMakeLists.txt): DESIGN.md otherwise gives cJSON to api/ alone, but
 * those bytes come from outside, not through api/. cJSON never appears in this header. */
#ifndef LASTMILE_GEO_H
#define LASTMILE_GEO_H

#include "common/common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Versions of the libraries geo/ runs with (static strings). */
const char *geo_proj_version(void);
const char *geo_curl_version(void);

/* ---- Points ---- */

typedef struct geo_point {
    double lat; /* degrees, [-90, 90] */
    double lon; /* degrees, [-180, 180] */
} geo_point;

/* LM_OK if p is finite and in range; otherwise LM_INVALID with err naming "<field>.lat" or
 * "<field>.lon" (field may be NULL or "": then "lat" / "lon"). */
LM_MUST_USE lm_status geo_point_check(geo_point p, const char *field, lm_errinfo *err);
/* Parses "lat,lon" (OsmAnd `location=`; spaces around numbers allowed) into *out. LM_INVALID
 * with the field and the reason on anything else (missing comma, junk, NaN, out of range). */
LM_MUST_USE lm_status geo_point_parse_latlon(const char *s, const char *field, geo_point *out,
                                             lm_errinfo *err);
/* Parses "[lon, lat]" (VROOM / GeoJSON position; brackets required, a third altitude value is
 * accepted and ignored) into *out. Same error rules. */
LM_MUST_USE lm_status geo_point_parse_lonlat(const char *s, const char *field, geo_point *out,
                                             lm_errinfo *err);

/* ---- Geodesics (PROJ's <geodesic.h>, WGS84) ---- */

/* Ellipsoidal distance from a to b in metres and the forward azimuths at a and at b in degrees
 * clockwise from north, (-180, 180]. Any out-pointer may be NULL. LM_INVALID for bad points. */
LM_MUST_USE lm_status geo_geodesic_inverse(geo_point a, geo_point b, double *distance_m,
                                           double *azi1_deg, double *azi2_deg, lm_errinfo *err);
/* Shortcut: geodesic distance in metres between two valid points; NAN if either is invalid. */
double geo_distance_m(geo_point a, geo_point b);

/* ---- Local metric projection (PROJ) ---- */

/* A transverse Mercator on the WGS84 ellipsoid centred on a set of points, so that Euclidean
 * distances in its metres match geodesic ones to ~1e-4 within 100 km of the centre. One object
 * must not be used by two threads at once (it owns a PROJ context); create one per thread. */
typedef struct geo_projection geo_projection;

/* Chooses the projection for pts[0..n) (n >= 1, all valid) centred on their centroid (mean of
 * unit vectors, so sets straddling the antimeridian work). */
LM_MUST_USE lm_status geo_projection_create(const geo_point *pts, size_t n, geo_projection **out,
                                            lm_errinfo *err);
void geo_projection_destroy(geo_projection *p);
geo_point geo_projection_centre(const geo_projection *p);
/* Projects pts[0..n) in one proj_trans_generic pass into x_m[i] (east) and y_m[i] (north),
 * metres from the centre. On failure the outputs are unspecified. */
LM_MUST_USE lm_status geo_projection_forward(geo_projection *p, const geo_point *pts, size_t n,
                                             double *x_m, double *y_m, lm_errinfo *err);

/* ---- Travel-time matrices ---- */

#define GEO_MATRIX_MAX_POINTS 20000 /* matrix side; matches SOLVER_MAX_LOCATIONS */

typedef enum geo_matrix_kind {
    GEO_MATRIX_GEODESIC = 0, /* embedded estimate: geodesic distance x detour / speed */
    GEO_MATRIX_OSRM,         /* OSRM /table/v1 over HTTP */
    GEO_MATRIX_VALHALLA,     /* Valhalla /sources_to_targets over HTTP */
    GEO_MATRIX_GIVEN,        /* the caller's matrix (VROOM `matrices`) */
} geo_matrix_kind;

typedef struct geo_matrix_opts {
    geo_matrix_kind kind;
    /* Geodesic estimate, also the fallback of the HTTP providers. */
    double detour_factor;      /* road / geodesic distance, [1, 10]; default 1.3 */
    double speed_mps;          /* average speed, (0, 100]; default 8.33 (30 km/h) */
    double local_max_extent_m; /* set diameter (twice the farthest point from the centroid)
                                  above which per-pair geodesics replace the one projection
                                  pass; default 100000 */
    /* HTTP engines. */
    const char *base_url;      /* "http://127.0.0.1:5000" (OSRM) / ":8002" (Valhalla); copied */
    const char *profile;       /* OSRM profile ("driving") / Valhalla costing ("auto"); copied */
    size_t max_locations;      /* sources + destinations per request; 0 = the engine's default
                                  (OSRM 100, Valhalla none); SIZE_MAX = no limit */
    size_t max_pairs;          /* sources x destinations per request; 0 = the engine's default
                                  (OSRM none, Valhalla 2500 = max_matrix_location_pairs) */
    long connect_timeout_ms;   /* default 2000 */
    long timeout_ms;           /* whole request; default 30000 */
    unsigned max_retries;      /* extra attempts after a transport error or 5xx/429; default 2 */
    long retry_backoff_ms;     /* first pause between attempts, doubled each time; default 100 */
    size_t max_response_bytes; /* cap on one reply; default 64 MiB */
    size_t cache_max_cells;    /* engine cells remembered across calls; 0 disables; default 1M */
    /* GEO_MATRIX_GIVEN: copied at create. distances may be NULL (then zero). */
    size_t given_n;
    const int32_t *given_durations; /* given_n x given_n seconds, row-major, >= 0 */
    const int32_t *given_distances; /* given_n x given_n metres, row-major, >= 0, or NULL */
} geo_matrix_opts;

/* What one geo_matrix_compute did. Off-diagonal cells only (the diagonal is always 0). */
typedef struct geo_matrix_stats {
    uint64_t cells_engine;    /* answered by the routing engine (or given) in this call */
    uint64_t cells_cached;    /* taken from the provider's cache, not refetched */
    uint64_t cells_fallback;  /* estimated geodesically: engine `null`, error or failure */
    uint64_t cells_estimated; /* geodesic provider: all of them */
    uint32_t requests;        /* HTTP requests sent, retries included */
    uint32_t retries;         /* of which repeats after a transient failure */
    uint32_t failed_requests; /* blocks given up on (after retries, or a 4xx / bad reply) */
    bool long_distance;       /* the estimate used per-pair geodesics, not one projection */
    char last_error[200];     /* last engine problem, e.g. "HTTP 400 NoSegment: ...", or "" */
} geo_matrix_stats;

typedef struct geo_matrix_provider geo_matrix_provider;
typedef struct geo_matrix geo_matrix;

/* Defaults above for every field; kind = GEO_MATRIX_GEODESIC. */
void geo_matrix_opts_init(geo_matrix_opts *o);
/* Validates o (LM_INVALID naming the option) and builds a provider. A provider may be used by
 * several threads at once; its cache is shared and locked. */
LM_MUST_USE lm_status geo_matrix_provider_create(const geo_matrix_opts *o,
                                                 geo_matrix_provider **out, lm_errinfo *err);
void geo_matrix_provider_destroy(geo_matrix_provider *p);
/* Travel times and distances between pts[0..n) (n in [1, GEO_MATRIX_MAX_POINTS], points valid;
 * pts may be NULL for GEO_MATRIX_GIVEN). Engine failures do not fail the call: those cells fall
 * back to the geodesic estimate and are counted in the stats. Returns LM_INVALID (bad point,
 * n mismatching a given matrix), LM_TOO_BIG or LM_NOMEM otherwise. */
LM_MUST_USE lm_status geo_matrix_compute(geo_matrix_provider *p, const geo_point *pts, size_t n,
                                         geo_matrix **out, lm_errinfo *err);
void geo_matrix_destroy(geo_matrix *m);
size_t geo_matrix_size(const geo_matrix *m);
/* n x n row-major arrays owned by m: durations in seconds, distances in metres. */
const int32_t *geo_matrix_durations(const geo_matrix *m);
const int32_t *geo_matrix_distances(const geo_matrix *m);
const geo_matrix_stats *geo_matrix_stats_get(const geo_matrix *m);

/* ---- Geofences ---- */

/* True if p lies within radius_m metres (geodesic) of centre. False for invalid input. */
bool geo_within_radius(geo_point centre, double radius_m, geo_point p);

/* A service area: a GeoJSON Polygon or MultiPolygon, holes included. */
typedef struct geo_area geo_area;

/* Parses json[0..len) holding a GeoJSON Polygon, MultiPolygon, or a Feature whose geometry is
 * one. Rings need >= 4 positions, closed (first == last), each [lon, lat] valid. LM_INVALID with
 * the JSON path of the offending field ("coordinates[0][2][1]") and why. */
LM_MUST_USE lm_status geo_area_from_geojson(const char *json, size_t len, geo_area **out,
                                            lm_errinfo *err);
void geo_area_destroy(geo_area *a);
/* True if p is inside an outer ring and outside that polygon's holes (even-odd rule in
 * lon/lat degrees). Points exactly on an edge may fall either way. */
bool geo_area_contains(const geo_area *a, geo_point p);

/* ---- Encoded polyline (Google's algorithm; precision 5 = OSRM / VROOM, 6 = Valhalla) ---- */

/* Encodes pts[0..n) (valid points) at precision 5 or 6 into a NUL-terminated string the caller
 * frees with lm_free. */
LM_MUST_USE lm_status geo_polyline_encode(const geo_point *pts, size_t n, unsigned precision,
                                          char **out, lm_errinfo *err);
/* Decodes s[0..len) at precision 5 or 6 into an array the caller frees with lm_free (*out NULL
 * and *n_out 0 for an empty string). LM_INVALID for a character outside '?'..'~', a truncated
 * value, an odd number of values, overflow or a decoded point out of range. */
LM_MUST_USE lm_status geo_polyline_decode(const char *s, size_t len, unsigned precision,
                                          geo_point **out, size_t *n_out, lm_errinfo *err);

#endif
