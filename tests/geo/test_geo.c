/* Tests for geo/ without the network: points, geodesics against GeographicLib's published test
 * set, the local projection, the geodesic and given matrix providers, polylines and geofences. */
#include "geo/geo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Points ---- */

static void test_point_check(void **state) {
    (void)state;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    assert_int_equal(geo_point_check((geo_point){45.76, 4.84}, "depot", &e), LM_OK);
    assert_int_equal(geo_point_check((geo_point){90, 180}, "depot", &e), LM_OK);
    assert_int_equal(geo_point_check((geo_point){-90, -180}, "depot", &e), LM_OK);
    assert_int_equal(geo_point_check((geo_point){NAN, 4}, "depot", &e), LM_INVALID);
    assert_string_equal(e.field, "depot.lat");
    assert_int_equal(geo_point_check((geo_point){4, INFINITY}, "", &e), LM_INVALID);
    assert_string_equal(e.field, "lon");
    assert_int_equal(geo_point_check((geo_point){90.0001, 4}, "jobs[2].location", &e), LM_INVALID);
    assert_string_equal(e.field, "jobs[2].location.lat");
    assert_non_null(strstr(e.message, "swapped"));
    assert_int_equal(geo_point_check((geo_point){10, -180.5}, NULL, &e), LM_INVALID);
    assert_string_equal(e.field, "lon");
}

static void test_point_parse_latlon(void **state) {
    (void)state;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    geo_point p = {0, 0};
    assert_int_equal(geo_point_parse_latlon("60.0,30.0", "location", &p, &e), LM_OK);
    assert_true(p.lat == 60.0 && p.lon == 30.0);
    assert_int_equal(geo_point_parse_latlon(" 42.06288 , -88.23412 ", "location", &p, &e), LM_OK);
    assert_true(p.lat == 42.06288 && p.lon == -88.23412);
    geo_point keep = p;
    const char *bad[] = {"",       "60.0",     "60.0;30.0", "abc,30",  "60,",
                         "nan,30", "60,inf",   "0x10,30",   "60,30,5", "91,30",
                         "60,181", "1e999,30", ",30"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        lm_errinfo_clear(&e);
        assert_int_equal(geo_point_parse_latlon(bad[i], "location", &p, &e), LM_INVALID);
        assert_int_equal(e.code, LM_INVALID);
        assert_true(strncmp(e.field, "location", 8) == 0);
        assert_true(e.message[0] != '\0');
        assert_true(p.lat == keep.lat && p.lon == keep.lon); /* untouched on failure */
    }
    assert_int_equal(geo_point_parse_latlon("abc,30", "location", &p, &e), LM_INVALID);
    assert_string_equal(e.field, "location.lat");
    assert_int_equal(geo_point_parse_latlon("60,181", "location", &p, &e), LM_INVALID);
    assert_string_equal(e.field, "location.lon");
    assert_int_equal(geo_point_parse_latlon(NULL, "location", &p, &e), LM_INVALID);
}

static void test_point_parse_lonlat(void **state) {
    (void)state;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    geo_point p = {0, 0};
    assert_int_equal(geo_point_parse_lonlat("[1.98935, 48.701]", "jobs[0].location", &p, &e),
                     LM_OK);
    assert_true(p.lat == 48.701 && p.lon == 1.98935);
    assert_int_equal(geo_point_parse_lonlat("[13.3888,52.517033,34.5]", NULL, &p, &e), LM_OK);
    assert_true(p.lat == 52.517033 && p.lon == 13.3888);
    /* A [lat, lon] pair where lat fits neither is reported, not swapped. */
    assert_int_equal(geo_point_parse_lonlat("[48.701, 121.5]", "loc", &p, &e), LM_INVALID);
    assert_string_equal(e.field, "loc.lat");
    assert_non_null(strstr(e.message, "swapped"));
    const char *bad[] = {"1,2",   "[1,2",      "1,2]",    "[]",      "[1]",    "[a,2]",
                         "[1,b]", "[1,2,3,4]", "[1,2,x]", "[200,2]", "[nan,2]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        lm_errinfo_clear(&e);
        assert_int_equal(geo_point_parse_lonlat(bad[i], "loc", &p, &e), LM_INVALID);
        assert_true(strncmp(e.field, "loc", 3) == 0);
    }
    assert_int_equal(geo_point_parse_lonlat("[200,2]", "loc", &p, &e), LM_INVALID);
    assert_string_equal(e.field, "loc.lon");
}

/* ---- Geodesics ---- */

/* Lines of GeodTest.dat (GeographicLib's published WGS84 test set, as quoted in its geodtest.c):
 * lat1 lon1 azi1 lat2 lon2 azi2 s12. Chosen with longitudes already in [-180, 180]. */
static const double geodtest[][7] = {
    {35.60777, -139.44815, 111.098748429560326, -11.17491, -69.95921, 129.289270889708762,
     8935244.5604818305},
    {-21.97856, 142.59065, -32.44456876433189, 41.84138, 98.56635, -41.84359951440466,
     8394328.894657671},
    {-50.56724, -16.30485, -105.439679907590164, -33.56571, -94.97412, -47.348547835650331,
     6455670.5118668696},
    {-68.82867, -74.28391, 93.774347763114881, -50.63005, -8.36685, 34.65564085411343,
     3956936.926063544},
    {-19.79938, -174.47484, 71.167275780171533, -11.99349, -154.35109, 65.589099775199228,
     2319004.8601169389},
    {-41.22777, 122.32875, 14.285113402275739, -7.57291, 130.37946, 10.805303085187369,
     3812686.035106021},
};

static void test_geodesic_reference(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof geodtest / sizeof *geodtest; i++) {
        const double *t = geodtest[i];
        double s12 = 0, azi1 = 0, azi2 = 0;
        assert_int_equal(geo_geodesic_inverse((geo_point){t[0], t[1]}, (geo_point){t[3], t[4]},
                                              &s12, &azi1, &azi2, NULL),
                         LM_OK);
        if (fabs(s12 - t[6]) > 1e-3 || fabs(azi1 - t[2]) > 1e-9 || fabs(azi2 - t[5]) > 1e-9)
            fail_msg("GeodTest line %zu: s12 %.6f vs %.6f, azi1 %.12f vs %.12f, azi2 %.12f vs "
                     "%.12f",
                     i, s12, t[6], azi1, t[2], azi2, t[5]);
        assert_true(fabs(geo_distance_m((geo_point){t[0], t[1]}, (geo_point){t[3], t[4]}) - t[6]) <=
                    1e-3);
    }
    /* JFK to CDG (GeographicLib's GeodSolve0): 5853226 m, azimuths 53.47022 and 111.59367. */
    double s12, azi1, azi2;
    assert_int_equal(geo_geodesic_inverse((geo_point){40.6, -73.8}, (geo_point){49.01666667, 2.55},
                                          &s12, &azi1, &azi2, NULL),
                     LM_OK);
    assert_true(fabs(s12 - 5853226) <= 0.5);
    assert_true(fabs(azi1 - 53.47022) <= 0.5e-5 && fabs(azi2 - 111.59367) <= 0.5e-5);
    /* A 7 cm line (GeodSolve4) must not collapse to zero. */
    assert_int_equal(geo_geodesic_inverse((geo_point){36.493349428792, 0},
                                          (geo_point){36.49334942879201, .0000008}, &s12, NULL,
                                          NULL, NULL),
                     LM_OK);
    assert_true(fabs(s12 - 0.072) <= 0.5e-3);
    lm_errinfo e;
    lm_errinfo_clear(&e);
    assert_int_equal(
        geo_geodesic_inverse((geo_point){0, 0}, (geo_point){100, 0}, &s12, NULL, NULL, &e),
        LM_INVALID);
    assert_string_equal(e.field, "to.lat");
    assert_true(isnan(geo_distance_m((geo_point){NAN, 0}, (geo_point){0, 0})));
}

/* The sphere's distance stays within GEO_SPHERE_ERR of the geodesic's: random pairs anywhere,
 * short hops (what the position filters compare) and near-antipodal ones. */
static void test_sphere_within_err(void **state) {
    (void)state;
    srand(17);
    double worst = 0;
    for (int i = 0; i < 60000; i++) {
        double u = (double)rand() / RAND_MAX, v = (double)rand() / RAND_MAX;
        geo_point a = {asin(2 * u - 1) * 180 / M_PI, 360 * v - 180};
        geo_point b;
        double w = (double)rand() / RAND_MAX, z = (double)rand() / RAND_MAX;
        if (i % 3 == 0) { /* a hop of up to ~2 km */
            b = (geo_point){a.lat + (w - 0.5) * 0.04, a.lon + (z - 0.5) * 0.04};
            if (fabs(b.lat) > 90 || fabs(b.lon) > 180) continue;
        } else if (i % 3 == 1) { /* near the antipode */
            b = (geo_point){-a.lat + (w - 0.5), a.lon > 0 ? a.lon - 179.5 + z : a.lon + 179.5 - z};
        } else {
            b = (geo_point){asin(2 * w - 1) * 180 / M_PI, 360 * z - 180};
        }
        double g = geo_distance_m(a, b), h = geo_sphere_distance_m(a, b);
        if (!(g > 1)) continue;
        double rel = fabs(h - g) / g;
        if (rel > worst) worst = rel;
    }
    printf("# sphere vs geodesic: worst relative difference %.5f\n", worst);
    assert_true(worst <= GEO_SPHERE_ERR);
}

static void test_projection(void **state) {
    (void)state;
    /* Lyon: points up to ~25 km from each other. */
    geo_point pts[] = {{45.7640, 4.8357},
                       {45.7500, 4.8500},
                       {45.8500, 4.9500},
                       {45.6600, 4.7000},
                       {45.7800, 5.0000}};
    size_t n = sizeof pts / sizeof *pts;
    geo_projection *p = NULL;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    assert_int_equal(geo_projection_create(pts, n, &p, &e), LM_OK);
    geo_point c = geo_projection_centre(p);
    assert_true(c.lat > 45.66 && c.lat < 45.85 && c.lon > 4.70 && c.lon < 5.0);
    double x[5], y[5];
    assert_int_equal(geo_projection_forward(p, pts, n, x, y, &e), LM_OK);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double eu = hypot(x[i] - x[j], y[i] - y[j]);
            double gd = geo_distance_m(pts[i], pts[j]);
            if (fabs(eu - gd) > 1e-4 * gd)
                fail_msg("pair %zu-%zu: projected %.3f m vs geodesic %.3f m", i, j, eu, gd);
        }
    /* East is +x, north is +y. */
    assert_true(x[4] > x[0] && y[2] > y[0]);
    geo_projection_destroy(p);
    geo_projection_destroy(NULL);
    geo_point bad[] = {{45, 4}, {45, 400}};
    assert_int_equal(geo_projection_create(bad, 2, &p, &e), LM_INVALID);
    assert_string_equal(e.field, "points[1].lon");
    assert_int_equal(geo_projection_create(bad, 0, &p, &e), LM_INVALID);
    /* Across the antimeridian the centre stays near +-180, not near 0. */
    geo_point fiji[] = {{-17.0, 179.9}, {-17.1, -179.9}};
    assert_int_equal(geo_projection_create(fiji, 2, &p, &e), LM_OK);
    assert_true(fabs(fabs(geo_projection_centre(p).lon) - 180.0) < 0.01);
    assert_int_equal(geo_projection_forward(p, fiji, 2, x, y, &e), LM_OK);
    assert_true(fabs(hypot(x[0] - x[1], y[0] - y[1]) - geo_distance_m(fiji[0], fiji[1])) < 1.0);
    geo_projection_destroy(p);
}

/* ---- Matrix providers ---- */

static void test_geodesic_provider_city(void **state) {
    (void)state;
    geo_point pts[] = {{45.7640, 4.8357}, {45.7500, 4.8500}, {45.8500, 4.9500}, {45.6600, 4.7000}};
    size_t n = 4;
    geo_matrix_opts o;
    geo_matrix_opts_init(&o);
    o.detour_factor = 1.3;
    o.speed_mps = 10.0;
    geo_matrix_provider *p = NULL;
    geo_matrix *m = NULL;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    assert_int_equal(geo_matrix_provider_create(&o, &p, &e), LM_OK);
    assert_int_equal(geo_matrix_compute(p, pts, n, &m, &e), LM_OK);
    assert_int_equal(geo_matrix_size(m), n);
    const int32_t *d = geo_matrix_durations(m), *s = geo_matrix_distances(m);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_false(st->long_distance);
    assert_int_equal(st->cells_estimated, n * (n - 1));
    assert_int_equal(st->requests, 0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (i == j) {
                assert_int_equal(d[i * n + j], 0);
                assert_int_equal(s[i * n + j], 0);
                continue;
            }
            double want = geo_distance_m(pts[i], pts[j]) * 1.3;
            /* The projection is within 1e-4 of the geodesic inside a city. */
            if (fabs(s[i * n + j] - want) > 1e-4 * want + 1)
                fail_msg("cell %zu,%zu: %d m, want %.1f m", i, j, s[i * n + j], want);
            assert_true(abs(d[i * n + j] - (int32_t)lround(want / 10.0)) <= 1);
            assert_int_equal(s[i * n + j], s[j * n + i]);
        }
    geo_matrix_destroy(m);
    geo_matrix_destroy(NULL);
    geo_matrix_provider_destroy(p);
    geo_matrix_provider_destroy(NULL);
}

static void test_geodesic_provider_long(void **state) {
    (void)state;
    geo_point pts[] = {
        {48.8566, 2.3522}, {45.7640, 4.8357}, {43.2965, 5.3698}}; /* Paris..Marseille */
    geo_matrix_opts o;
    geo_matrix_opts_init(&o);
    geo_matrix_provider *p = NULL;
    geo_matrix *m = NULL;
    assert_int_equal(geo_matrix_provider_create(&o, &p, NULL), LM_OK);
    assert_int_equal(geo_matrix_compute(p, pts, 3, &m, NULL), LM_OK);
    assert_true(geo_matrix_stats_get(m)->long_distance);
    const int32_t *s = geo_matrix_distances(m), *d = geo_matrix_durations(m);
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++) {
            if (i == j) continue;
            double want = geo_distance_m(pts[i], pts[j]) * 1.3;
            assert_int_equal(s[i * 3 + j], (int32_t)lround(want));
            assert_int_equal(d[i * 3 + j], (int32_t)lround(want / (30.0 / 3.6)));
        }
    geo_matrix_destroy(m);
    /* Bad input: named point, nothing allocated. */
    lm_errinfo e;
    lm_errinfo_clear(&e);
    m = NULL;
    geo_point bad[] = {{48.8, 2.3}, {NAN, 2.3}};
    assert_int_equal(geo_matrix_compute(p, bad, 2, &m, &e), LM_INVALID);
    assert_string_equal(e.field, "locations[1].lat");
    assert_null(m);
    assert_int_equal(geo_matrix_compute(p, bad, 0, &m, &e), LM_INVALID);
    assert_int_equal(geo_matrix_compute(p, bad, GEO_MATRIX_MAX_POINTS + 1, &m, &e), LM_TOO_BIG);
    geo_matrix_provider_destroy(p);
}

static void test_provider_opts_invalid(void **state) {
    (void)state;
    geo_matrix_opts o;
    geo_matrix_provider *p = NULL;
    lm_errinfo e;
    geo_matrix_opts_init(&o);
    o.detour_factor = 0.5;
    assert_int_equal(geo_matrix_provider_create(&o, &p, &e), LM_INVALID);
    assert_string_equal(e.field, "detour_factor");
    geo_matrix_opts_init(&o);
    o.speed_mps = 0;
    assert_int_equal(geo_matrix_provider_create(&o, &p, &e), LM_INVALID);
    assert_string_equal(e.field, "speed_mps");
    geo_matrix_opts_init(&o);
    o.kind = GEO_MATRIX_OSRM;
    assert_int_equal(geo_matrix_provider_create(&o, &p, &e), LM_INVALID);
    assert_string_equal(e.field, "base_url");
    o.base_url = "http://127.0.0.1:5000";
    o.profile = "car/../x";
    assert_int_equal(geo_matrix_provider_create(&o, &p, &e), LM_INVALID);
    assert_string_equal(e.field, "profile");
    o.profile = NULL;
    o.max_locations = 1;
    assert_int_equal(geo_matrix_provider_create(&o, &p, &e), LM_INVALID);
    assert_string_equal(e.field, "max_locations");
    assert_null(p);
}

static void test_given_provider(void **state) {
    (void)state;
    const int32_t dur[9] = {0, 10, 20, 11, 0, 30, 21, 31, 0};
    const int32_t dist[9] = {0, 100, 200, 110, 0, 300, 210, 310, 0};
    geo_matrix_opts o;
    geo_matrix_opts_init(&o);
    o.kind = GEO_MATRIX_GIVEN;
    o.given_n = 3;
    o.given_durations = dur;
    o.given_distances = dist;
    geo_matrix_provider *p = NULL;
    geo_matrix *m = NULL;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    assert_int_equal(geo_matrix_provider_create(&o, &p, &e), LM_OK);
    assert_int_equal(geo_matrix_compute(p, NULL, 3, &m, &e), LM_OK);
    assert_memory_equal(geo_matrix_durations(m), dur, sizeof dur);
    assert_memory_equal(geo_matrix_distances(m), dist, sizeof dist);
    assert_int_equal(geo_matrix_stats_get(m)->cells_engine, 6);
    geo_matrix_destroy(m);
    m = NULL;
    assert_int_equal(geo_matrix_compute(p, NULL, 4, &m, &e), LM_INVALID);
    assert_string_equal(e.field, "matrices.durations");
    geo_matrix_provider_destroy(p);
    /* Without distances: zeros. Negative values: rejected with the cell. */
    o.given_distances = NULL;
    assert_int_equal(geo_matrix_provider_create(&o, &p, &e), LM_OK);
    assert_int_equal(geo_matrix_compute(p, NULL, 3, &m, &e), LM_OK);
    assert_int_equal(geo_matrix_distances(m)[1], 0);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    const int32_t neg[4] = {0, -5, 1, 0};
    o.given_n = 2;
    o.given_durations = neg;
    assert_int_equal(geo_matrix_provider_create(&o, &p, &e), LM_INVALID);
    assert_string_equal(e.field, "matrices.durations");
    assert_non_null(strstr(e.message, "[0][1]"));
}

/* ---- Polylines ---- */

static void test_polyline_standard_vector(void **state) {
    (void)state;
    const geo_point pts[] = {{38.5, -120.2}, {40.7, -120.95}, {43.252, -126.453}};
    const char *want = "_p~iF~ps|U_ulLnnqC_mqNvxq`@";
    char *s = NULL;
    assert_int_equal(geo_polyline_encode(pts, 3, 5, &s, NULL), LM_OK);
    assert_string_equal(s, want);
    lm_free(s);
    geo_point *got = NULL;
    size_t n = 0;
    assert_int_equal(geo_polyline_decode(want, strlen(want), 5, &got, &n, NULL), LM_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_true(fabs(got[i].lat - pts[i].lat) < 1e-9 && fabs(got[i].lon - pts[i].lon) < 1e-9);
    lm_free(got);
    /* The single value -179.9832104 encodes to "`~oia@" (Google's worked example). */
    const geo_point one[] = {{-179.9832104 / 2, -179.9832104}};
    assert_int_equal(geo_polyline_encode(one, 1, 5, &s, NULL), LM_OK);
    assert_true(strlen(s) > 6 && strcmp(s + strlen(s) - 6, "`~oia@") == 0);
    lm_free(s);
    assert_int_equal(geo_polyline_encode(NULL, 0, 5, &s, NULL), LM_OK);
    assert_string_equal(s, "");
    lm_free(s);
}

static void test_polyline_precision6_roundtrip(void **state) {
    (void)state;
    geo_point pts[50];
    for (size_t i = 0; i < 50; i++) {
        pts[i].lat = 45.7 + 0.0123457 * (double)i - (i % 3 ? 0.5 : 0.0);
        pts[i].lon = 4.8 - 0.0345671 * (double)i;
    }
    pts[7] = (geo_point){-89.999999, 179.999999};
    pts[8] = (geo_point){89.999999, -179.999999};
    for (unsigned prec = 5; prec <= 6; prec++) {
        char *s = NULL;
        assert_int_equal(geo_polyline_encode(pts, 50, prec, &s, NULL), LM_OK);
        geo_point *got = NULL;
        size_t n = 0;
        assert_int_equal(geo_polyline_decode(s, strlen(s), prec, &got, &n, NULL), LM_OK);
        assert_int_equal(n, 50);
        double tol = prec == 5 ? 0.5e-5 + 1e-12 : 0.5e-6 + 1e-12;
        for (size_t i = 0; i < n; i++)
            if (fabs(got[i].lat - pts[i].lat) > tol || fabs(got[i].lon - pts[i].lon) > tol)
                fail_msg("precision %u point %zu: %.7f,%.7f vs %.7f,%.7f", prec, i, got[i].lat,
                         got[i].lon, pts[i].lat, pts[i].lon);
        /* Re-encoding the decoded points is exact. */
        char *again = NULL;
        assert_int_equal(geo_polyline_encode(got, n, prec, &again, NULL), LM_OK);
        assert_string_equal(again, s);
        lm_free(again);
        lm_free(got);
        lm_free(s);
    }
}

static void test_polyline_garbage(void **state) {
    (void)state;
    const char *bad[] = {
        "_p~iF",                      /* latitude without longitude */
        "_p~i",                       /* value cut inside its continuation chunks */
        "_p~iF~ps|U_ulLnnqC_mqNvxq`", /* last value truncated */
        "ab\x01",                     /* control character */
        "_p~iF~ps|U \x7f",            /* DEL and a space */
        "~~~~~~~~~~~~~~~~~~~~?",      /* a value far too long */
        "__hgN?__hgN?",               /* (80, 0) then (160, 0): beyond 90 latitude */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        geo_point *got = (geo_point *)0x1;
        size_t n = 77;
        lm_errinfo e;
        lm_errinfo_clear(&e);
        lm_status st = geo_polyline_decode(bad[i], strlen(bad[i]), 5, &got, &n, &e);
        if (st != LM_INVALID) fail_msg("garbage %zu decoded with status %d", i, (int)st);
        assert_true(got == (geo_point *)0x1 && n == 77); /* untouched */
        assert_true(strncmp(e.field, "polyline", 8) == 0);
    }
    geo_point *got = NULL;
    size_t n = 0;
    assert_int_equal(geo_polyline_decode("", 0, 5, &got, &n, NULL), LM_OK);
    assert_null(got);
    assert_int_equal(n, 0);
    lm_errinfo e;
    assert_int_equal(geo_polyline_decode("??", 2, 7, &got, &n, &e), LM_INVALID);
    assert_string_equal(e.field, "precision");
    char *s = NULL;
    const geo_point badpt[] = {{0, 0}, {95, 0}};
    assert_int_equal(geo_polyline_encode(badpt, 2, 5, &s, &e), LM_INVALID);
    assert_string_equal(e.field, "points[1].lat");
    assert_null(s);
}

/* ---- Geofences ---- */

static void test_within_radius(void **state) {
    (void)state;
    geo_point c = {45.7640, 4.8357};
    /* 0.001 degree of latitude is about 111 m here. */
    assert_true(geo_within_radius(c, 150, (geo_point){45.7650, 4.8357}));
    assert_false(geo_within_radius(c, 100, (geo_point){45.7650, 4.8357}));
    assert_true(geo_within_radius(c, 0, c));
    assert_false(geo_within_radius(c, -1, c));
    assert_false(geo_within_radius(c, NAN, c));
    assert_false(geo_within_radius(c, 1e9, (geo_point){NAN, 0}));
}

static void test_area_polygon_with_hole(void **state) {
    (void)state;
    /* A 1 x 1 degree square around Lyon with a 0.2 degree hole in the middle. */
    const char *json = "{\"type\":\"Polygon\",\"coordinates\":["
                       "[[4.3,45.3],[5.3,45.3],[5.3,46.3],[4.3,46.3],[4.3,45.3]],"
                       "[[4.7,45.7],[4.7,45.9],[4.9,45.9],[4.9,45.7],[4.7,45.7]]]}";
    geo_area *a = NULL;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    assert_int_equal(geo_area_from_geojson(json, strlen(json), &a, &e), LM_OK);
    assert_true(geo_area_contains(a, (geo_point){45.5, 4.5}));
    assert_true(geo_area_contains(a, (geo_point){46.2, 5.2}));
    assert_false(geo_area_contains(a, (geo_point){45.8, 4.8})); /* in the hole */
    assert_false(geo_area_contains(a, (geo_point){45.2, 4.5})); /* south of it */
    assert_false(geo_area_contains(a, (geo_point){45.5, 5.4})); /* east of it */
    assert_false(geo_area_contains(a, (geo_point){NAN, 4.5}));
    assert_false(geo_area_contains(NULL, (geo_point){45.5, 4.5}));
    geo_area_destroy(a);
    geo_area_destroy(NULL);
}

static void test_area_multipolygon_feature(void **state) {
    (void)state;
    /* Two triangles, given as a Feature. */
    const char *json = "{\"type\":\"Feature\",\"properties\":{\"name\":\"zones\"},\"geometry\":"
                       "{\"type\":\"MultiPolygon\",\"coordinates\":["
                       "[[[0,0],[10,0],[0,10],[0,0]]],"
                       "[[[20,20],[30,20],[20,30],[20,20]]]]}}";
    geo_area *a = NULL;
    assert_int_equal(geo_area_from_geojson(json, strlen(json), &a, NULL), LM_OK);
    assert_true(geo_area_contains(a, (geo_point){1, 1}));
    assert_true(geo_area_contains(a, (geo_point){21, 21}));
    assert_false(geo_area_contains(a, (geo_point){9, 9}));   /* beyond the hypotenuse */
    assert_false(geo_area_contains(a, (geo_point){15, 15})); /* between them */
    geo_area_destroy(a);
}

static void test_area_errors(void **state) {
    (void)state;
    struct {
        const char *json, *field;
    } cases[] = {
        {"not json", "geometry"},
        {"{\"type\":\"Point\",\"coordinates\":[1,2]}", "type"},
        {"{\"coordinates\":[]}", "type"},
        {"{\"type\":\"Polygon\",\"coordinates\":[]}", "coordinates"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}", "coordinates[0]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}", "coordinates[0]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,\"x\"],[0,0]]]}",
         "coordinates[0][2]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,95],[0,0]]]}",
         "coordinates[0][2][1]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[190,0],[1,1],[0,0]]]}",
         "coordinates[0][1][0]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1],[1,1],[0,0]]]}", "coordinates[0][1]"},
        {"{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]],5]}",
         "coordinates[1]"},
        {"{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[]}}",
         "geometry.type"},
        {"{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0]]]}}",
         "geometry.coordinates[0]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        geo_area *a = (geo_area *)0x1;
        lm_errinfo e;
        lm_errinfo_clear(&e);
        lm_status st = geo_area_from_geojson(cases[i].json, strlen(cases[i].json), &a, &e);
        if (st != LM_INVALID || strcmp(e.field, cases[i].field) != 0)
            fail_msg("case %zu: status %d field \"%s\" (want \"%s\"): %s", i, (int)st, e.field,
                     cases[i].field, e.message);
        assert_true(a == (geo_area *)0x1);
    }
}

/* ---- Garbage in: errors, never crashes (ASan/UBSan watch every call) ---- */

static uint64_t rng_next(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_parsers_survive_garbage(void **state) {
    (void)state;
    /* Random bytes, and mutations of valid inputs, through every text parser in geo/. */
    const char *seeds[] = {
        "45.76,4.83",
        "[4.83, 45.76]",
        "_p~iF~ps|U_ulLnnqC_mqNvxq`@",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}",
        "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]]]}",
    };
    uint64_t s = 0x12345678abcdefULL;
    char buf[160];
    size_t accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        size_t len;
        if (iter % 2) {
            len = rng_next(&s) % (sizeof buf - 1);
            for (size_t k = 0; k < len; k++)
                buf[k] = (char)(rng_next(&s) % 256);
        } else {
            const char *seed = seeds[rng_next(&s) % (sizeof seeds / sizeof *seeds)];
            len = strlen(seed);
            memcpy(buf, seed, len);
            for (int flips = 1 + (int)(rng_next(&s) % 3); flips > 0; flips--) {
                size_t at = rng_next(&s) % len;
                const char alphabet[] = "0123456789-.,[]{}\":eE~?_` \x01\xff";
                buf[at] = alphabet[rng_next(&s) % (sizeof alphabet - 1)];
            }
            if (rng_next(&s) % 4 == 0) len = rng_next(&s) % (len + 1); /* truncate */
        }
        buf[len] = '\0';
        lm_errinfo e;
        lm_errinfo_clear(&e);
        geo_point p;
        if (geo_point_parse_latlon(buf, "location", &p, &e) == LM_OK) {
            assert_int_equal(geo_point_check(p, NULL, NULL), LM_OK);
            accepted++;
        } else {
            assert_int_equal(e.code, LM_INVALID);
        }
        if (geo_point_parse_lonlat(buf, "location", &p, &e) == LM_OK) {
            assert_int_equal(geo_point_check(p, NULL, NULL), LM_OK);
            accepted++;
        }
        geo_point *pts = NULL;
        size_t n = 0;
        for (unsigned prec = 5; prec <= 6; prec++) {
            if (geo_polyline_decode(buf, len, prec, &pts, &n, &e) == LM_OK) {
                for (size_t k = 0; k < n; k++)
                    assert_int_equal(geo_point_check(pts[k], NULL, NULL), LM_OK);
                lm_free(pts);
                accepted++;
            }
        }
        geo_area *a = NULL;
        if (geo_area_from_geojson(buf, len, &a, &e) == LM_OK) {
            (void)geo_area_contains(a, (geo_point){0.5, 0.25});
            geo_area_destroy(a);
            accepted++;
        } else {
            assert_true(e.field[0] != '\0' && e.message[0] != '\0');
        }
    }
    /* Some mutations stay valid, most do not: both paths ran. */
    assert_true(accepted > 0 && accepted < 20000 * 5);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_point_check),
        cmocka_unit_test(test_point_parse_latlon),
        cmocka_unit_test(test_point_parse_lonlat),
        cmocka_unit_test(test_geodesic_reference),
        cmocka_unit_test(test_sphere_within_err),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_geodesic_provider_city),
        cmocka_unit_test(test_geodesic_provider_long),
        cmocka_unit_test(test_provider_opts_invalid),
        cmocka_unit_test(test_given_provider),
        cmocka_unit_test(test_polyline_standard_vector),
        cmocka_unit_test(test_polyline_precision6_roundtrip),
        cmocka_unit_test(test_polyline_garbage),
        cmocka_unit_test(test_within_radius),
        cmocka_unit_test(test_area_polygon_with_hole),
        cmocka_unit_test(test_area_multipolygon_feature),
        cmocka_unit_test(test_area_errors),
        cmocka_unit_test(test_parsers_survive_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
