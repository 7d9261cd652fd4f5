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
/* The great-circle distance on a sphere of the mean radius (haversine): within GEO_SPHERE_ERR of
 * geo_distance_m everywhere (the ellipsoid's radii of curvature lie within 0.6 % of the mean),
 * and far cheaper: for a bound decided far from its threshold. No validity check (NAN in, NAN
 * out). */
#define GEO_SPHERE_ERR 0.006
double geo_sphere_distance_m(geo_point a, geo_point b);

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
    /* Circuit breaker, shared by every thread using the provider: this many failed requests in a
       row (transport error, 5xx/429 after the retries, a reply that is not the engine's JSON)
       open it; while open no request is sent and every cell is estimated; after the cooldown
       one request probes the engine (half-open) and its success closes the breaker. */
    unsigned breaker_failures;   /* default 5; 0 = never open */
    long breaker_cooldown_ms;    /* default 30000 */
    int64_t (*now_ms)(void);     /* the breaker's clock; NULL = monotonic (tests pin it) */
    unsigned max_split_requests; /* requests one compute may spend isolating the points or
                                    pairs an engine refuses (NoSegment, Valhalla 154/171), so
                                    that only those cells are estimated; default 256 */
    /* GEO_MATRIX_GIVEN: copied at create. distances may be NULL (then zero). */
    size_t given_n;
    const int32_t *given_durations; /* given_n x given_n seconds, row-major, >= 0 */
    const int32_t *given_distances; /* given_n x given_n metres, row-major, >= 0, or NULL */
} geo_matrix_opts;

/* What one geo_matrix_compute did. Off-diagonal cells only (the diagonal is always 0). */
typedef struct geo_matrix_stats {
    uint64_t cells_engine;      /* answered by the routing engine (or given) in this call */
    uint64_t cells_cached;      /* taken from the provider's cache, not refetched */
    uint64_t cells_fallback;    /* estimated geodesically: engine `null`, error or failure */
    uint64_t cells_estimated;   /* geodesic provider: all of them */
    uint32_t requests;          /* HTTP requests sent, retries included */
    uint32_t retries;           /* of which repeats after a transient failure */
    uint32_t failed_requests;   /* blocks given up on (after retries, an error, a bad reply);
                                   not the cells a healthy engine refused (estimated too) */
    uint32_t split_requests;    /* of which spent isolating refused points / pairs */
    uint32_t points_unroutable; /* points the engine could not snap (OSRM NoSegment) */
    uint32_t skipped_blocks;    /* blocks not requested because the breaker was open */
    bool long_distance;         /* the estimate used per-pair geodesics, not one projection */
    char last_error[200];       /* last engine problem, e.g. "HTTP 400 NoSegment: ...", or "" */
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

/* ---- Engine health (the circuit breaker of an HTTP provider) ---- */

typedef enum geo_breaker_state {
    GEO_BREAKER_CLOSED = 0, /* requests flow */
    GEO_BREAKER_OPEN,       /* the engine failed breaker_failures times in a row: cells estimated */
    GEO_BREAKER_HALF_OPEN,  /* cooldown over: the next request decides */
} geo_breaker_state;

typedef struct geo_engine_health {
    geo_breaker_state state;
    unsigned consecutive_failures;
    uint64_t opened; /* times the breaker opened since the provider was created */
    uint64_t requests, failures;
    char last_error[200]; /* the last failure, "" if none */
} geo_engine_health;

/* "closed" | "open" | "half_open". */
const char *geo_breaker_state_name(geo_breaker_state s);
/* A snapshot of p's breaker (all zero for the geodesic and given providers). */
void geo_matrix_provider_health(geo_matrix_provider *p, geo_engine_health *out);
/* The provider's kind and base URL ("" for geodesic / given). */
geo_matrix_kind geo_matrix_provider_kind(const geo_matrix_provider *p);
const char *geo_matrix_provider_url(const geo_matrix_provider *p);

/* ---- Routers: which engine serves which vehicle profile ----
 * A router is what `--router` names: "geodesic", "osrm=URL" or "valhalla=URL", optionally
 * several separated by ',' each prefixed "PROFILE:" (VROOM's vehicle profiles car, bike, foot,
 * truck, or any other name), e.g. "osrm=http://h:5000,bike:osrm=http://h:5001,
 * truck:valhalla=http://h:8002". The entry without a prefix serves every profile not named
 * (geodesic when there is none). Each profile's engine gets its native profile name: OSRM
 * driving / cycling / walking (truck: driving), Valhalla costing auto / bicycle / pedestrian /
 * truck; other names pass through. */

#define GEO_ROUTER_MAX_ENTRIES 8
#define GEO_ROUTER_SPEC_MAX    2048

typedef struct geo_router geo_router;

typedef struct geo_router_opts {
    const char *spec;     /* as above; NULL or "" = geodesic; copied */
    geo_matrix_opts base; /* estimate, timeouts, retries, breaker and cache of every entry */
} geo_router_opts;

/* spec NULL and base from geo_matrix_opts_init. */
void geo_router_opts_init(geo_router_opts *o);
/* Parses the spec (LM_INVALID with field "router" and what is wrong: unknown engine, missing
 * URL, a profile named twice, too many entries) and creates one provider per entry. */
LM_MUST_USE lm_status geo_router_create(const geo_router_opts *o, geo_router **out,
                                        lm_errinfo *err);
void geo_router_destroy(geo_router *r);
/* The provider serving `profile` (NULL = "car"); owned by r, never NULL. */
geo_matrix_provider *geo_router_provider(geo_router *r, const char *profile);
/* The normalised spec, e.g. "osrm=http://127.0.0.1:5000" or "geodesic". */
const char *geo_router_describe(const geo_router *r);
/* True when every entry is the geodesic estimate. */
bool geo_router_is_geodesic(const geo_router *r);
size_t geo_router_count(const geo_router *r);

/* What one entry is and whether its engine answers. */
typedef struct geo_router_status {
    char profile[32]; /* "" for the default entry */
    const char *kind; /* "geodesic" | "osrm" | "valhalla" */
    char url[513];    /* "" for geodesic */
    bool answers;     /* geodesic: always; engines: an HTTP reply in the engine's JSON */
    long http_status; /* of the probe, 0 if none came */
    char detail[200]; /* why it does not answer, or the engine's version when it says */
    geo_engine_health health;
} geo_router_status;

/* Describes entry i (< geo_router_count) in *out; with probe, asks the engine (OSRM: a
 * two-point /table, Valhalla: /status) with the provider's connect timeout and at most
 * probe_timeout_ms in all. Never fails: a dead engine is answers = false with the reason. */
void geo_router_status_get(geo_router *r, size_t i, bool probe, long probe_timeout_ms,
                           geo_router_status *out);

/* ---- Route geometry ---- */

/* The road path through pts[0..n) (n >= 2) in order from p's engine (OSRM /route/v1 with
 * overview=full, Valhalla /route; the geodesic provider and a failing engine give the straight
 * segments, with *estimated true), encoded at precision 5 into *polyline (lm_free). duration_s /
 * distance_m (may be NULL) receive the engine's totals (the estimate's for straight lines).
 * Long routes are requested in pieces of at most 200 points. LM_INVALID for bad points,
 * LM_NOMEM. */
/* Decodes one route service reply (reply[0..len), OSRM /route/v1 JSON when osrm, else Valhalla
 * /route JSON) into *polyline (precision 5, lm_free) and its totals. LM_INVALID when it is an
 * error answer or not the expected shape (what geo_route_geometry then draws straight). */
LM_MUST_USE lm_status geo_route_reply_decode(bool osrm, const char *reply, size_t len,
                                             char **polyline, int64_t *duration_s,
                                             int64_t *distance_m, lm_errinfo *err);
LM_MUST_USE lm_status geo_route_geometry(geo_matrix_provider *p, const geo_point *pts, size_t n,
                                         char **polyline, int64_t *duration_s, int64_t *distance_m,
                                         bool *estimated, lm_errinfo *err);

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

/* ---- Learned speeds (geo/speeds.c) ----
 * Per-zone, per-hour-of-day correction factors of planned travel times, learned from the legs
 * drivers drove: actual / planned, in log space, bounded, robust to outliers. A provider's
 * matrix is what the roads should take; these say what they take at that hour. Thread-safe. */

typedef struct geo_speeds geo_speeds;

typedef struct geo_speeds_opts {
    double cell_deg;      /* zone: grid cell of the leg's midpoint, degrees (0.02, ~2 km) */
    double min_factor;    /* bounds of a factor: 0.5 */
    double max_factor;    /* ... and 2.0 */
    double outlier_ratio; /* a leg beyond [1/r, r] x planned is dropped (4: a glitch, a stop) */
    double step;          /* weight of one leg in log space (0.2) */
    double clip;          /* one leg moves the log factor by at most step x clip (0.25) */
    uint32_t min_obs;     /* a factor applies after this many legs (3); before: 1 */
    double min_planned_s; /* shorter planned legs teach nothing (60 s: noise) */
    size_t max_cells;     /* zones x hours kept at most (100000) */
} geo_speeds_opts;

typedef struct geo_speeds_stats {
    size_t cells, active;          /* zone-hours seen; of which applied (min_obs reached) */
    uint64_t taken, dropped;       /* legs learned from; legs dropped as outliers */
    double min_factor, max_factor; /* among the applied ones (1 when none) */
} geo_speeds_stats;

void geo_speeds_opts_init(geo_speeds_opts *o);
/* LM_INVALID naming "speeds" for options out of range. */
LM_MUST_USE lm_status geo_speeds_create(const geo_speeds_opts *o, geo_speeds **out,
                                        lm_errinfo *err);
void geo_speeds_destroy(geo_speeds *s);
/* One leg driven from `from` to `to`, leaving at local hour (0..23): planned and actual seconds.
 * True if it was learned from (false: too short, an outlier, bad input, table full). */
bool geo_speeds_observe(geo_speeds *s, geo_point from, geo_point to, int hour, double planned_s,
                        double actual_s);
/* The factor for a leg from `from` to `to` at local hour: 1 until learned. s may be NULL. */
double geo_speeds_factor(geo_speeds *s, geo_point from, geo_point to, int hour);
void geo_speeds_stats_get(geo_speeds *s, geo_speeds_stats *out);

#endif
