/* Routers against the loopback fake engine (tests/support/fake_router.py, a real HTTP server in
 * its own process speaking OSRM's and Valhalla's APIs): block splitting, per-cell fallback for
 * refused points and pairs (OSRM NoSegment, nulls, Valhalla 171 / 154), the circuit breaker
 * opening and closing on a pinned clock, --router specs per profile, route geometry and the
 * health probe. */
#include "geo/geo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ---- The fake engine process ---- */

#define UNSNAP_LAT 45.8
#define UNSNAP_LON 4.85
#define ISLAND_LAT 46.5
#define FAR_KM     50

static pid_t fake_pid;
static unsigned fake_port;
static char fake_url[64];

static int fake_start(void **state) {
    (void)state;
    const char *src = getenv("LASTMILE_SOURCE_DIR");
    char script[1024];
    snprintf(script, sizeof script, "%s/tests/support/fake_router.py", src ? src : ".");
    int fds[2];
    if (pipe(fds) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char unsnap[64], island[32], far[32];
    snprintf(unsnap, sizeof unsnap, "%.6f,%.6f", UNSNAP_LAT, UNSNAP_LON);
    snprintf(island, sizeof island, "%.6f", ISLAND_LAT);
    snprintf(far, sizeof far, "%d", FAR_KM);
    char *argv[] = {"python3",
                    script,
                    "--max-table-size",
                    "100",
                    "--max-pairs",
                    "2500",
                    "--unsnappable",
                    unsnap,
                    "--island-lat",
                    island,
                    "--far-km",
                    far,
                    NULL};
    int rc = posix_spawnp(&fake_pid, "python3", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) return -1;
    FILE *f = fdopen(fds[0], "r");
    char line[64] = "";
    /* the fake prints its port once listening; a dead fake closes the pipe (EOF): bounded */
    if (!f || !fgets(line, sizeof line, f) || sscanf(line, "port %u", &fake_port) != 1) {
        if (f) fclose(f);
        return -1;
    }
    fclose(f);
    snprintf(fake_url, sizeof fake_url, "http://127.0.0.1:%u", fake_port);
    return 0;
}

static int fake_stop(void **state) {
    (void)state;
    if (fake_pid > 0) {
        kill(fake_pid, SIGTERM);
        waitpid(fake_pid, NULL, 0);
    }
    return 0;
}

static size_t sink(char *d, size_t s, size_t n, void *ud) {
    char *buf = ud;
    size_t have = strlen(buf), len = s * n;
    if (have + len < 4096) {
        memcpy(buf + have, d, len);
        buf[have + len] = '\0';
    }
    return len;
}

/* GET or POST (body non-NULL) to the fake's control routes; returns the reply text. */
static void fake_call(const char *path, const char *body, char out[4096]) {
    char url[128];
    snprintf(url, sizeof url, "%s%s", fake_url, path);
    out[0] = '\0';
    CURL *c = curl_easy_init();
    assert_non_null(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
}

static long fake_stat(const char *key) {
    char out[4096], pat[64];
    fake_call("/_fake/stats", NULL, out);
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(out, pat);
    assert_non_null(p);
    return strtol(p + strlen(pat), NULL, 10);
}

static void fake_mode(const char *mode) {
    char out[4096];
    fake_call("/_fake/mode", mode, out);
    assert_non_null(strstr(out, mode));
}

/* ---- Helpers ---- */

static int64_t test_now_ms;
static int64_t test_clock(void) {
    return test_now_ms;
}

static geo_matrix_provider *engine(geo_matrix_kind kind, unsigned breaker) {
    geo_matrix_opts o;
    geo_matrix_opts_init(&o);
    o.kind = kind;
    o.base_url = fake_url;
    o.retry_backoff_ms = 1;
    o.max_retries = 1;
    o.cache_max_cells = 0;
    o.breaker_failures = breaker;
    o.breaker_cooldown_ms = 30000;
    o.now_ms = test_clock;
    geo_matrix_provider *p = NULL;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    if (geo_matrix_provider_create(&o, &p, &e) != LM_OK) fail_msg("provider: %s", e.message);
    return p;
}

/* n points in Lyon on whole micro-degrees (so "%.6f" round-trips exactly). */
static geo_point *city(size_t n) {
    geo_point *pts = calloc(n, sizeof *pts);
    assert_non_null(pts);
    for (size_t i = 0; i < n; i++) {
        pts[i].lat = (double)(45700000 + 917 * (long)(i % 89)) / 1e6;
        pts[i].lon = (double)(4780000 + 1301 * (long)(i / 89) + 37 * (long)(i % 11)) / 1e6;
    }
    return pts;
}

/* The fake's road network (fake_router.py): what an engine cell must hold. */
static int32_t road_s(geo_point a, geo_point b) {
    double d = 1.0 + (fabs(a.lat - b.lat) + fabs(a.lon - b.lon)) * 12345.6;
    return (int32_t)lround(round(d * 10) / 10);
}

static geo_matrix *compute(geo_matrix_provider *p, const geo_point *pts, size_t n) {
    geo_matrix *m = NULL;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    if (geo_matrix_compute(p, pts, n, &m, &e) != LM_OK) fail_msg("compute: %s", e.message);
    return m;
}

/* Counts the cells holding the fake's value; those that do not must be the estimate. */
static size_t engine_cells(const geo_matrix *m, const geo_point *pts, size_t n) {
    const int32_t *d = geo_matrix_durations(m);
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (i != j && d[i * n + j] == road_s(pts[i], pts[j])) hits++;
    return hits;
}

/* ---- Tests ---- */

static void test_blocks_of_at_most_100(void **state) {
    (void)state;
    size_t n = 230;
    geo_point *pts = city(n);
    geo_matrix_provider *p = engine(GEO_MATRIX_OSRM, 5);
    long before = fake_stat("table");
    geo_matrix *m = compute(p, pts, n);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->cells_engine, n * (n - 1));
    assert_int_equal(st->cells_fallback, 0);
    assert_int_equal(engine_cells(m, pts, n), n * (n - 1));
    assert_true(fake_stat("largest") <= 100);
    /* 230 points in blocks of 50 x 50: 5 x 5 blocks */
    assert_int_equal(fake_stat("table") - before, (long)st->requests);
    assert_true(st->requests >= 21 && st->requests <= 30);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

/* One point the engine cannot snap (OSRM NoSegment names it): only its row and column are
 * estimated; every other cell of the same blocks comes from the engine. */
static void test_osrm_nosegment_one_point(void **state) {
    (void)state;
    size_t n = 150;
    geo_point *pts = city(n);
    pts[77] = (geo_point){UNSNAP_LAT, UNSNAP_LON};
    geo_matrix_provider *p = engine(GEO_MATRIX_OSRM, 5);
    geo_matrix *m = compute(p, pts, n);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->cells_fallback, 2 * (n - 1));
    assert_int_equal(st->cells_engine, (n - 1) * (n - 2));
    assert_int_equal(st->points_unroutable, 1);
    assert_int_equal(engine_cells(m, pts, n), (n - 1) * (n - 2));
    /* the point is left out of later blocks: one refusal costs one extra request */
    assert_int_equal(st->split_requests, 1);
    assert_non_null(strstr(st->last_error, "NoSegment"));
    /* its cells are the geodesic estimate, not zero */
    assert_true(geo_matrix_durations(m)[77 * n + 3] > 0);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

static void test_osrm_null_cells(void **state) {
    (void)state;
    size_t n = 40;
    geo_point *pts = city(n);
    pts[5] = (geo_point){ISLAND_LAT, 4.81};
    pts[9] = (geo_point){ISLAND_LAT, 4.82};
    geo_matrix_provider *p = engine(GEO_MATRIX_OSRM, 5);
    geo_matrix *m = compute(p, pts, n);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    /* the two island points reach each other, nothing else: 2 x 38 x 2 null cells */
    assert_int_equal(st->cells_fallback, 4 * (n - 2));
    assert_int_equal(st->requests, 1);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

/* Valhalla 171 names no point: the block is halved down to the refused cells. */
static void test_valhalla_171_isolated(void **state) {
    (void)state;
    size_t n = 24;
    geo_point *pts = city(n);
    pts[10] = (geo_point){UNSNAP_LAT, UNSNAP_LON};
    geo_matrix_provider *p = engine(GEO_MATRIX_VALHALLA, 5);
    geo_matrix *m = compute(p, pts, n);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->cells_fallback, 2 * (n - 1));
    assert_int_equal(engine_cells(m, pts, n), (n - 1) * (n - 2));
    assert_true(st->split_requests > 0 && st->split_requests <= 256);
    assert_int_equal(st->failed_requests, 0);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

/* Valhalla 154: a pair beyond the engine's distance limit; only those pairs are estimated. */
static void test_valhalla_154_far_pairs(void **state) {
    (void)state;
    size_t n = 12;
    geo_point *pts = city(n);
    pts[3] = (geo_point){45.70, 5.40}; /* about 0.6 degrees east: > 50 km from all the others */
    geo_matrix_provider *p = engine(GEO_MATRIX_VALHALLA, 5);
    geo_matrix *m = compute(p, pts, n);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->cells_fallback, 2 * (n - 1));
    assert_int_equal(st->cells_engine, (n - 1) * (n - 2));
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

/* The breaker: a dead engine opens it after 2 failed requests; while open nothing is sent;
 * after the cooldown one probe decides: a failure reopens it, a success closes it. */
static void test_breaker_opens_and_closes(void **state) {
    (void)state;
    size_t n = 230;
    geo_point *pts = city(n);
    test_now_ms = 1000000;
    geo_matrix_provider *p = engine(GEO_MATRIX_OSRM, 2);
    fake_mode("down");
    long before = fake_stat("requests");
    geo_matrix *m = compute(p, pts, n);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->cells_fallback, n * (n - 1));
    /* two blocks of two attempts each (max_retries 1), then the breaker skips the rest */
    assert_int_equal(st->requests, 4);
    assert_int_equal(fake_stat("requests") - before, 4);
    assert_true(st->skipped_blocks > 0);
    geo_matrix_destroy(m);
    geo_engine_health h;
    geo_matrix_provider_health(p, &h);
    assert_int_equal(h.state, GEO_BREAKER_OPEN);
    assert_int_equal(h.opened, 1);
    assert_string_equal(geo_breaker_state_name(h.state), "open");
    /* still open: not one request */
    fake_mode("ok");
    before = fake_stat("requests");
    m = compute(p, pts, 10);
    assert_int_equal(geo_matrix_stats_get(m)->requests, 0);
    assert_int_equal(fake_stat("requests") - before, 0);
    geo_matrix_destroy(m);
    /* cooldown over, engine still down: the one probe fails and reopens it */
    fake_mode("down");
    test_now_ms += 30000;
    geo_matrix_provider_health(p, &h);
    assert_int_equal(h.state, GEO_BREAKER_HALF_OPEN);
    m = compute(p, pts, 10);
    assert_int_equal(geo_matrix_stats_get(m)->requests, 2);
    geo_matrix_destroy(m);
    geo_matrix_provider_health(p, &h);
    assert_int_equal(h.state, GEO_BREAKER_OPEN);
    assert_int_equal(h.opened, 2);
    /* engine back, cooldown over: the probe succeeds, the breaker closes, cells are roads */
    fake_mode("ok");
    test_now_ms += 30001;
    m = compute(p, pts, n);
    assert_int_equal(geo_matrix_stats_get(m)->cells_engine, n * (n - 1));
    geo_matrix_destroy(m);
    geo_matrix_provider_health(p, &h);
    assert_int_equal(h.state, GEO_BREAKER_CLOSED);
    assert_int_equal(h.consecutive_failures, 0);
    /* garbage (a proxy's HTML page) counts as a failure too */
    fake_mode("garbage");
    m = compute(p, pts, 10);
    assert_int_equal(geo_matrix_stats_get(m)->cells_fallback, 90);
    geo_matrix_destroy(m);
    geo_matrix_provider_health(p, &h);
    assert_int_equal(h.consecutive_failures, 1);
    fake_mode("ok");
    geo_matrix_provider_destroy(p);
    free(pts);
}

static geo_router *router(const char *spec, lm_errinfo *e) {
    geo_router_opts o;
    geo_router_opts_init(&o);
    o.spec = spec;
    geo_router *r = NULL;
    lm_errinfo_clear(e);
    if (geo_router_create(&o, &r, e) != LM_OK) return NULL;
    return r;
}

static void test_router_specs(void **state) {
    (void)state;
    char spec[512];
    snprintf(spec, sizeof spec, "osrm=%s/, bike:valhalla=%s,foot:geodesic", fake_url, fake_url);
    lm_errinfo e;
    geo_router *r = router(spec, &e);
    if (!r) fail_msg("router: %s", e.message);
    assert_int_equal(geo_router_count(r), 3);
    assert_false(geo_router_is_geodesic(r));
    assert_int_equal(geo_matrix_provider_kind(geo_router_provider(r, NULL)), GEO_MATRIX_OSRM);
    assert_int_equal(geo_matrix_provider_kind(geo_router_provider(r, "truck")), GEO_MATRIX_OSRM);
    assert_int_equal(geo_matrix_provider_kind(geo_router_provider(r, "bike")), GEO_MATRIX_VALHALLA);
    assert_int_equal(geo_matrix_provider_kind(geo_router_provider(r, "foot")), GEO_MATRIX_GEODESIC);
    char want[512];
    snprintf(want, sizeof want, "osrm=%s,bike:valhalla=%s,foot:geodesic", fake_url, fake_url);
    assert_string_equal(geo_router_describe(r), want);
    /* every entry answers: the fake speaks both APIs */
    for (size_t i = 0; i < 3; i++) {
        geo_router_status s;
        geo_router_status_get(r, i, true, 5000, &s);
        assert_true(s.answers);
    }
    geo_router_status s;
    geo_router_status_get(r, 1, true, 5000, &s);
    assert_string_equal(s.kind, "valhalla");
    assert_string_equal(s.profile, "bike");
    assert_non_null(strstr(s.detail, "version 3.4.0"));
    geo_router_destroy(r);
    /* the default and an unprefixed geodesic */
    r = router(NULL, &e);
    assert_non_null(r);
    assert_true(geo_router_is_geodesic(r));
    assert_string_equal(geo_router_describe(r), "geodesic");
    geo_router_destroy(r);
    /* only a profile given: the others get the estimate */
    snprintf(spec, sizeof spec, "truck:osrm=%s", fake_url);
    r = router(spec, &e);
    assert_non_null(r);
    assert_int_equal(geo_matrix_provider_kind(geo_router_provider(r, "car")), GEO_MATRIX_GEODESIC);
    geo_router_destroy(r);
    /* refusals name the router and the reason */
    static const char *const bad[][2] = {
        {"ors=http://x", "expected geodesic"},
        {"osrm", "URL is missing"},
        {"osrm=", "URL is missing"},
        {"osrm=ftp://x", "http"},
        {"car:osrm=http://a,car:geodesic", "given twice"},
        {"osrm=http://a,geodesic", "given twice"},
        {"Car:osrm=http://a", "profile"},
        {"geodesic=x", "expected geodesic"},
        {",,", "no engine"},
        {"osrm=http://a\x1f b", "printable"}, /* fuzz_roads' finding: it went out in /healthz */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(router(bad[i][0], &e));
        assert_string_equal(e.field, "router");
        if (!strstr(e.message, bad[i][1])) fail_msg("'%s': %s", bad[i][0], e.message);
    }
    /* a closed port does not answer */
    r = router("valhalla=http://127.0.0.1:1", &e);
    assert_non_null(r);
    geo_router_status_get(r, 0, true, 2000, &s);
    assert_false(s.answers);
    assert_true(s.detail[0] != '\0');
    geo_router_destroy(r);
}

/* The L-shaped road of the fake between consecutive stops, at precision 5. */
static void expect_l_path(const char *poly, const geo_point *pts, size_t n) {
    geo_point *got = NULL;
    size_t m = 0;
    assert_int_equal(geo_polyline_decode(poly, strlen(poly), 5, &got, &m, NULL), LM_OK);
    assert_int_equal(m, 2 * n - 1);
    for (size_t i = 0; i + 1 < n; i++) {
        assert_float_equal(got[2 * i + 1].lat, pts[i + 1].lat, 1e-5);
        assert_float_equal(got[2 * i + 1].lon, pts[i].lon, 1e-5);
        assert_float_equal(got[2 * i + 2].lon, pts[i + 1].lon, 1e-5);
    }
    free(got);
}

static void test_route_geometry(void **state) {
    (void)state;
    size_t n = 6;
    geo_point *pts = city(n);
    for (int k = 0; k < 2; k++) {
        geo_matrix_provider *p = engine(k ? GEO_MATRIX_VALHALLA : GEO_MATRIX_OSRM, 5);
        char *poly = NULL;
        int64_t du = 0, di = 0;
        bool est = true;
        assert_int_equal(geo_route_geometry(p, pts, n, &poly, &du, &di, &est, NULL), LM_OK);
        assert_false(est);
        expect_l_path(poly, pts, n);
        int64_t want = 0;
        for (size_t i = 0; i + 1 < n; i++)
            want += road_s(pts[i], pts[i + 1]);
        assert_true(llabs(du - want) <= (int64_t)n);
        free(poly);
        /* an unreachable leg: straight lines, said so */
        pts[3] = (geo_point){ISLAND_LAT, 4.8};
        assert_int_equal(geo_route_geometry(p, pts, n, &poly, &du, &di, &est, NULL), LM_OK);
        assert_true(est);
        geo_point *got = NULL;
        size_t m = 0;
        assert_int_equal(geo_polyline_decode(poly, strlen(poly), 5, &got, &m, NULL), LM_OK);
        assert_int_equal(m, n);
        free(got);
        free(poly);
        free(pts);
        pts = city(n);
        geo_matrix_provider_destroy(p);
    }
    /* 450 stops: three pieces joined without a gap */
    free(pts);
    n = 450;
    pts = city(n);
    geo_matrix_provider *p = engine(GEO_MATRIX_OSRM, 5);
    long before = fake_stat("route");
    char *poly = NULL;
    bool est = true;
    assert_int_equal(geo_route_geometry(p, pts, n, &poly, NULL, NULL, &est, NULL), LM_OK);
    assert_false(est);
    assert_int_equal(fake_stat("route") - before, 3);
    expect_l_path(poly, pts, n);
    free(poly);
    geo_matrix_provider_destroy(p);
    free(pts);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_of_at_most_100),
        cmocka_unit_test(test_osrm_nosegment_one_point),
        cmocka_unit_test(test_osrm_null_cells),
        cmocka_unit_test(test_valhalla_171_isolated),
        cmocka_unit_test(test_valhalla_154_far_pairs),
        cmocka_unit_test(test_breaker_opens_and_closes),
        cmocka_unit_test(test_router_specs),
        cmocka_unit_test(test_route_geometry),
    };
    int rc = cmocka_run_group_tests(tests, fake_start, fake_stop);
    curl_global_cleanup();
    return rc;
}
