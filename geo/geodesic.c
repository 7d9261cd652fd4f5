/* Ellipsoidal geodesics (PROJ's <geodesic.h>), the local transverse Mercator projection, and the
 * geodesic travel estimate built on them. */
#include "geo/geo.h"
#include "geo/internal.h"

#include <math.h>
#include <proj.h>
#include <pthread.h>
#include <stdio.h>

#define WGS84_A 6378137.0
#define WGS84_F (1.0 / 298.257223563)

static const double deg2rad = 3.14159265358979323846 / 180.0;

/* ---- Geodesics ---- */

/* WGS84's constants, computed once: geod_init costs more than a short inverse (it was a sixth of
 * the position filters' time, bench/results/perf-positions.md). Read-only after the once. */
static struct geod_geodesic wgs84;
static pthread_once_t wgs84_once = PTHREAD_ONCE_INIT;

static void wgs84_init(void) {
    geod_init(&wgs84, WGS84_A, WGS84_F);
}

lm_status geo_geodesic_inverse(geo_point a, geo_point b, double *distance_m, double *azi1_deg,
                               double *azi2_deg, lm_errinfo *err) {
    lm_status st = geo_point_check(a, "from", err);
    if (st != LM_OK) return st;
    st = geo_point_check(b, "to", err);
    if (st != LM_OK) return st;
    pthread_once(&wgs84_once, wgs84_init);
    double s12 = 0, azi1 = 0, azi2 = 0;
    geod_inverse(&wgs84, a.lat, a.lon, b.lat, b.lon, &s12, &azi1, &azi2);
    if (distance_m) *distance_m = s12;
    if (azi1_deg) *azi1_deg = azi1;
    if (azi2_deg) *azi2_deg = azi2;
    return LM_OK;
}

double geo_distance_m(geo_point a, geo_point b) {
    double d = NAN;
    if (geo_geodesic_inverse(a, b, &d, NULL, NULL, NULL) != LM_OK) return NAN;
    return d;
}

double geo_sphere_distance_m(geo_point a, geo_point b) {
    const double r = 6371008.8, k = M_PI / 180; /* IUGG mean radius */
    double s = sin((b.lat - a.lat) * k / 2), t = sin((b.lon - a.lon) * k / 2);
    double h = s * s + cos(a.lat * k) * cos(b.lat * k) * t * t;
    return 2 * r * asin(sqrt(h < 1 ? h : 1));
}

bool geo_within_radius(geo_point centre, double radius_m, geo_point p) {
    if (!isfinite(radius_m) || radius_m < 0) return false;
    double d = geo_distance_m(centre, p);
    return isfinite(d) && d <= radius_m;
}

/* ---- Local projection ---- */

struct geo_projection {
    PJ_CONTEXT *ctx;
    PJ *pj;
    geo_point centre;
};

/* Mean of the points as unit vectors on the sphere: unlike the mean of longitudes it stays right
 * for sets that straddle the antimeridian. */
static geo_point centroid(const geo_point *pts, size_t n) {
    double x = 0, y = 0, z = 0;
    for (size_t i = 0; i < n; i++) {
        double la = pts[i].lat * deg2rad, lo = pts[i].lon * deg2rad;
        x += cos(la) * cos(lo);
        y += cos(la) * sin(lo);
        z += sin(la);
    }
    geo_point c;
    double h = sqrt(x * x + y * y);
    c.lat = atan2(z, h) / deg2rad;
    c.lon = (h > 1e-12) ? atan2(y, x) / deg2rad : pts[0].lon;
    return c;
}

lm_status geo_projection_create(const geo_point *pts, size_t n, geo_projection **out,
                                lm_errinfo *err) {
    geo_projection *p = NULL;
    lm_status st;
    if (!pts || n == 0) return lm_errinfo_set(err, LM_INVALID, "points", "no points to project");
    for (size_t i = 0; i < n; i++) {
        if (geo_point_check(pts[i], NULL, NULL) == LM_OK) continue;
        char f[48];
        snprintf(f, sizeof f, "points[%zu]", i);
        return geo_point_check(pts[i], f, err);
    }
    p = lm_calloc(1, sizeof *p);
    if (!p) return lm_errinfo_set(err, LM_NOMEM, "", "no memory for a projection");
    p->centre = centroid(pts, n);
    p->ctx = proj_context_create();
    if (!p->ctx) {
        st = lm_errinfo_set(err, LM_NOMEM, "", "cannot create a PROJ context");
        goto fail;
    }
    proj_log_level(p->ctx, PJ_LOG_NONE);
    /* Degrees in, metres out: the unitconvert step saves a pass converting to radians. */
    char def[256];
    snprintf(def, sizeof def,
             "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
             "+step +proj=tmerc +lat_0=%.12f +lon_0=%.12f +k_0=1 +x_0=0 +y_0=0 +ellps=WGS84",
             p->centre.lat, p->centre.lon);
    p->pj = proj_create(p->ctx, def);
    if (!p->pj) {
        st = lm_errinfo_set(err, LM_INTERNAL, "", "PROJ rejected the projection: %s",
                            proj_context_errno_string(p->ctx, proj_context_errno(p->ctx)));
        goto fail;
    }
    *out = p;
    return LM_OK;
fail:
    geo_projection_destroy(p);
    return st;
}

void geo_projection_destroy(geo_projection *p) {
    if (!p) return;
    if (p->pj) proj_destroy(p->pj);
    if (p->ctx) proj_context_destroy(p->ctx);
    lm_free(p);
}

geo_point geo_projection_centre(const geo_projection *p) {
    return p->centre;
}

lm_status geo_projection_forward(geo_projection *p, const geo_point *pts, size_t n, double *x_m,
                                 double *y_m, lm_errinfo *err) {
    for (size_t i = 0; i < n; i++) {
        x_m[i] = pts[i].lon;
        y_m[i] = pts[i].lat;
    }
    proj_errno_reset(p->pj);
    size_t done = proj_trans_generic(p->pj, PJ_FWD, x_m, sizeof(double), n, y_m, sizeof(double), n,
                                     NULL, 0, 0, NULL, 0, 0);
    if (done != n || proj_errno(p->pj) != 0)
        return lm_errinfo_set(err, LM_INTERNAL, "points", "PROJ could not project the points: %s",
                              proj_context_errno_string(p->ctx, proj_errno(p->pj)));
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x_m[i]) || !isfinite(y_m[i]) || x_m[i] == HUGE_VAL)
            return lm_errinfo_set(err, LM_INTERNAL, "points", "PROJ gave no position for a point");
    return LM_OK;
}

/* ---- Geodesic travel estimate ---- */

lm_status geo__estimator_init(geo__estimator *e, const geo_point *pts, size_t n, double detour,
                              double speed_mps, double max_extent_m, lm_errinfo *err) {
    geo_projection *proj = NULL;
    *e = (geo__estimator){.pts = pts, .n = n, .detour = detour, .speed_mps = speed_mps};
    geod_init(&e->g, WGS84_A, WGS84_F);
    lm_status st = geo_projection_create(pts, n, &proj, err);
    if (st != LM_OK) return st;
    /* Twice the farthest point from the centre bounds the set's diameter: past max_extent_m the
     * projection's scale error (~d^2 / 8R^2) stops being negligible, so use true geodesics. */
    geo_point c = geo_projection_centre(proj);
    double far = 0;
    for (size_t i = 0; i < n; i++) {
        double s12 = 0;
        geod_inverse(&e->g, c.lat, c.lon, pts[i].lat, pts[i].lon, &s12, NULL, NULL);
        if (s12 > far) far = s12;
    }
    if (2 * far > max_extent_m) {
        e->long_mode = true;
        geo_projection_destroy(proj);
        return LM_OK;
    }
    e->x_m = lm_calloc(n, sizeof(double));
    e->y_m = lm_calloc(n, sizeof(double));
    if (!e->x_m || !e->y_m) {
        st = lm_errinfo_set(err, LM_NOMEM, "", "no memory for %zu projected points", n);
        goto fail;
    }
    st = geo_projection_forward(proj, pts, n, e->x_m, e->y_m, err);
    if (st != LM_OK) goto fail;
    geo_projection_destroy(proj);
    return LM_OK;
fail:
    geo_projection_destroy(proj);
    geo__estimator_free(e);
    return st;
}

void geo__estimator_free(geo__estimator *e) {
    lm_free(e->x_m);
    lm_free(e->y_m);
    e->x_m = e->y_m = NULL;
}

void geo__estimate(const geo__estimator *e, size_t i, size_t j, int32_t *duration_s,
                   int32_t *distance_m) {
    double d;
    if (i == j) {
        d = 0;
    } else if (e->long_mode) {
        d = 0;
        geod_inverse(&e->g, e->pts[i].lat, e->pts[i].lon, e->pts[j].lat, e->pts[j].lon, &d, NULL,
                     NULL);
    } else {
        double dx = e->x_m[i] - e->x_m[j], dy = e->y_m[i] - e->y_m[j];
        d = sqrt(dx * dx + dy * dy);
    }
    d *= e->detour;
    *distance_m = geo__round_i32(d);
    *duration_s = geo__round_i32(d / e->speed_mps);
}
