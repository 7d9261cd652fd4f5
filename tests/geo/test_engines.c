/* Tests for the OSRM and Valhalla matrix clients against a libmicrohttpd server on 127.0.0.1 that
 * replays the engines' reply shapes: success, 400 NoSegment / TooBig, null cells, malformed JSON,
 * 5xx, a slow answer, a dropped connection; blocks of <= 100 locations and the pair cache. */
#include "geo/geo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- The replaying engine ---- */

typedef enum mode {
    MODE_OK,
    MODE_NOSEGMENT, /* 400 {"code":"NoSegment"} / Valhalla error_code 171 */
    MODE_NULLS,     /* null for every cell towards the "island" at latitude 45.0 */
    MODE_MALFORMED, /* 200 with truncated JSON */
    MODE_BAD_SHAPE, /* 200, valid JSON, one row short */
    MODE_SLOW,      /* holds every answer while the mode stays MODE_SLOW (at most 30 s) */
    MODE_DROP,      /* closes the connection without a reply */
    MODE_FLAKY,     /* 503 for the first request, then OK */
    MODE_COMPACT,   /* Valhalla verbose=false: {"sources_to_targets":{"durations":..}} */
} mode;

typedef struct server {
    struct MHD_Daemon *d;
    unsigned port;
    pthread_mutex_t lock;
    mode mode;
    size_t max_coords; /* OSRM --max-table-size: more coordinates -> 400 TooBig */
    size_t max_pairs;  /* Valhalla max_matrix_location_pairs */
    int requests;
    size_t largest; /* most coordinates seen in one request */
    char first_url[512];
    int slow_answered; /* MODE_SLOW answers sent (once released) */
} server;

static server srv;

#define ISLAND_LAT 45.0

/* The engine's "road network": deterministic in the coordinates, so the test knows every cell. */
static double fake_duration(double lat1, double lon1, double lat2, double lon2) {
    return 1.0 + (fabs(lat1 - lat2) + fabs(lon1 - lon2)) * 12345.6;
}

static double fake_distance(double lat1, double lon1, double lat2, double lon2) {
    return floor(fake_duration(lat1, lon1, lat2, lon2) * 9.25);
}

typedef struct upload {
    char *data;
    size_t len;
} upload;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, cJSON *j) {
    char *s = cJSON_PrintUnformatted(j);
    enum MHD_Result ret = reply(c, status, s);
    cJSON_free(s);
    cJSON_Delete(j);
    return ret;
}

static cJSON *number_or_null(bool null, double v) {
    return null ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

/* Parses "a;b;c" index lists; NULL means all. */
static size_t index_list(const char *s, size_t all, size_t *out) {
    if (!s || strcmp(s, "all") == 0) {
        for (size_t k = 0; k < all; k++)
            out[k] = k;
        return all;
    }
    size_t n = 0;
    while (*s) {
        char *end;
        out[n++] = strtoul(s, &end, 10);
        s = *end == ';' ? end + 1 : end;
        if (end == s && *s) break;
    }
    return n;
}

static enum MHD_Result osrm_table(struct MHD_Connection *c, const char *url, mode m) {
    const char *prefix = "/table/v1/driving/";
    if (strncmp(url, prefix, strlen(prefix)) != 0)
        return reply(c, 400, "{\"code\":\"InvalidUrl\",\"message\":\"URL string malformed\"}");
    static _Thread_local double lat[2000], lon[2000];
    static _Thread_local size_t src[2000], dst[2000];
    size_t n = 0;
    const char *p = url + strlen(prefix);
    while (*p && n < 2000) {
        char *end;
        lon[n] = strtod(p, &end);
        if (*end != ',') return reply(c, 400, "{\"code\":\"InvalidQuery\",\"message\":\"bad\"}");
        lat[n] = strtod(end + 1, &end);
        n++;
        p = *end == ';' ? end + 1 : end;
    }
    pthread_mutex_lock(&srv.lock);
    if (n > srv.largest) srv.largest = n;
    size_t limit = srv.max_coords;
    pthread_mutex_unlock(&srv.lock);
    if (n > limit)
        return reply(c, 400, "{\"code\":\"TooBig\",\"message\":\"Too many table coordinates\"}");
    if (m == MODE_NOSEGMENT)
        return reply(c, 400,
                     "{\"code\":\"NoSegment\",\"message\":\"Could not find a matching segment "
                     "for coordinate 0\"}");
    if (m == MODE_MALFORMED) return reply(c, 200, "{\"code\":\"Ok\",\"durations\":[[0,1");
    const char *ann = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "annotations");
    if (!ann || strcmp(ann, "duration,distance") != 0)
        return reply(c, 400, "{\"code\":\"InvalidOptions\",\"message\":\"annotations\"}");
    size_t ns =
        index_list(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sources"), n, src);
    size_t nd =
        index_list(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "destinations"), n, dst);
    for (size_t k = 0; k < ns; k++)
        if (src[k] >= n) return reply(c, 400, "{\"code\":\"InvalidOptions\",\"message\":\"src\"}");
    for (size_t k = 0; k < nd; k++)
        if (dst[k] >= n) return reply(c, 400, "{\"code\":\"InvalidOptions\",\"message\":\"dst\"}");
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "code", "Ok");
    cJSON *durs = cJSON_AddArrayToObject(root, "durations");
    cJSON *dists = cJSON_AddArrayToObject(root, "distances");
    size_t rows = m == MODE_BAD_SHAPE && ns > 1 ? ns - 1 : ns;
    for (size_t a = 0; a < rows; a++) {
        cJSON *dr = cJSON_CreateArray(), *sr = cJSON_CreateArray();
        for (size_t b = 0; b < nd; b++) {
            size_t i = src[a], j = dst[b];
            bool null = m == MODE_NULLS && lat[j] == ISLAND_LAT && i != j;
            double du = i == j ? 0 : fake_duration(lat[i], lon[i], lat[j], lon[j]);
            double di = i == j ? 0 : fake_distance(lat[i], lon[i], lat[j], lon[j]);
            cJSON_AddItemToArray(dr, number_or_null(null, du));
            cJSON_AddItemToArray(sr, number_or_null(null, di));
        }
        cJSON_AddItemToArray(durs, dr);
        cJSON_AddItemToArray(dists, sr);
    }
    /* Waypoints as OSRM sends them (the client ignores them). */
    cJSON *wps = cJSON_AddArrayToObject(root, "sources");
    for (size_t a = 0; a < ns; a++) {
        cJSON *w = cJSON_CreateObject();
        double loc[2] = {lon[src[a]], lat[src[a]]};
        cJSON_AddItemToObject(w, "location", cJSON_CreateDoubleArray(loc, 2));
        cJSON_AddStringToObject(w, "name", "Rue de la République");
        cJSON_AddNumberToObject(w, "distance", 4.15);
        cJSON_AddStringToObject(w, "hint", "KSoKADRYroqUBAEAEAAAABkAAAAGAAAAAAAAABAAAAAZAAAABgAA");
        cJSON_AddItemToArray(wps, w);
    }
    return reply_json(c, 200, root);
}

static enum MHD_Result valhalla_matrix(struct MHD_Connection *c, const upload *up, mode m) {
    cJSON *req = cJSON_ParseWithLength(up->data ? up->data : "", up->len);
    const cJSON *sources = cJSON_GetObjectItemCaseSensitive(req, "sources");
    const cJSON *targets = cJSON_GetObjectItemCaseSensitive(req, "targets");
    const cJSON *costing = cJSON_GetObjectItemCaseSensitive(req, "costing");
    if (!cJSON_IsArray(sources) || !cJSON_IsArray(targets) || !cJSON_IsString(costing)) {
        cJSON_Delete(req);
        return reply(c, 400,
                     "{\"error_code\":100,\"error\":\"Failed to parse json request\","
                     "\"status_code\":400,\"status\":\"Bad Request\"}");
    }
    size_t ns = (size_t)cJSON_GetArraySize(sources), nt = (size_t)cJSON_GetArraySize(targets);
    pthread_mutex_lock(&srv.lock);
    if (ns + nt > srv.largest) srv.largest = ns + nt;
    size_t limit = srv.max_pairs;
    pthread_mutex_unlock(&srv.lock);
    if (ns * nt > limit || m == MODE_NOSEGMENT) {
        cJSON_Delete(req);
        if (m == MODE_NOSEGMENT)
            return reply(c, 400,
                         "{\"error_code\":171,\"error\":\"No suitable edges near location\","
                         "\"status_code\":400,\"status\":\"Bad Request\"}");
        return reply(c, 400,
                     "{\"error_code\":154,\"error\":\"Path distance exceeds the max distance "
                     "limit\",\"status_code\":400,\"status\":\"Bad Request\"}");
    }
    if (m == MODE_MALFORMED) {
        cJSON_Delete(req);
        return reply(c, 200, "{\"sources_to_targets\":[[{\"from_index\":0,");
    }
    cJSON *root = cJSON_CreateObject();
    if (m == MODE_COMPACT) {
        cJSON *obj = cJSON_AddObjectToObject(root, "sources_to_targets");
        cJSON *durs = cJSON_AddArrayToObject(obj, "durations");
        cJSON *dists = cJSON_AddArrayToObject(obj, "distances");
        for (size_t a = 0; a < ns; a++) {
            const cJSON *s = cJSON_GetArrayItem(sources, (int)a);
            double la1 = cJSON_GetObjectItemCaseSensitive(s, "lat")->valuedouble;
            double lo1 = cJSON_GetObjectItemCaseSensitive(s, "lon")->valuedouble;
            cJSON *dr = cJSON_CreateArray(), *sr = cJSON_CreateArray();
            for (size_t b = 0; b < nt; b++) {
                const cJSON *t = cJSON_GetArrayItem(targets, (int)b);
                double la2 = cJSON_GetObjectItemCaseSensitive(t, "lat")->valuedouble;
                double lo2 = cJSON_GetObjectItemCaseSensitive(t, "lon")->valuedouble;
                bool same = la1 == la2 && lo1 == lo2;
                double du = same ? 0 : lround(fake_duration(la1, lo1, la2, lo2));
                double km = same ? 0 : fake_distance(la1, lo1, la2, lo2) / 1000.0;
                cJSON_AddItemToArray(dr, cJSON_CreateNumber(du));
                cJSON_AddItemToArray(sr, cJSON_CreateNumber(km));
            }
            cJSON_AddItemToArray(durs, dr);
            cJSON_AddItemToArray(dists, sr);
        }
        cJSON_AddStringToObject(root, "units", "kilometers");
        cJSON_Delete(req);
        return reply_json(c, 200, root);
    }
    cJSON *stt = cJSON_AddArrayToObject(root, "sources_to_targets");
    for (size_t a = 0; a < ns; a++) {
        const cJSON *s = cJSON_GetArrayItem(sources, (int)a);
        double la1 = cJSON_GetObjectItemCaseSensitive(s, "lat")->valuedouble;
        double lo1 = cJSON_GetObjectItemCaseSensitive(s, "lon")->valuedouble;
        cJSON *row = cJSON_CreateArray();
        for (size_t b = 0; b < nt; b++) {
            const cJSON *t = cJSON_GetArrayItem(targets, (int)b);
            double la2 = cJSON_GetObjectItemCaseSensitive(t, "lat")->valuedouble;
            double lo2 = cJSON_GetObjectItemCaseSensitive(t, "lon")->valuedouble;
            bool same = la1 == la2 && lo1 == lo2;
            bool null = m == MODE_NULLS && la2 == ISLAND_LAT && !same;
            cJSON *cell = cJSON_CreateObject();
            cJSON_AddNumberToObject(cell, "from_index", (double)a);
            cJSON_AddNumberToObject(cell, "to_index", (double)b);
            /* Valhalla: whole seconds, kilometres. */
            double du = same ? 0 : lround(fake_duration(la1, lo1, la2, lo2));
            double km = same ? 0 : fake_distance(la1, lo1, la2, lo2) / 1000.0;
            cJSON_AddItemToObject(cell, "time", number_or_null(null, du));
            cJSON_AddItemToObject(cell, "distance", number_or_null(null, km));
            cJSON_AddItemToArray(row, cell);
        }
        cJSON_AddItemToArray(stt, row);
    }
    cJSON_AddStringToObject(root, "units", "kilometers");
    cJSON_AddArrayToObject(root, "warnings");
    cJSON_Delete(req);
    return reply_json(c, 200, root);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *data_size, void **con_cls) {
    (void)cls;
    (void)version;
    if (!*con_cls) {
        upload *up = calloc(1, sizeof *up);
        if (!up) return MHD_NO;
        *con_cls = up;
        return MHD_YES;
    }
    upload *up = *con_cls;
    if (*data_size) {
        char *grown = realloc(up->data, up->len + *data_size + 1);
        if (!grown) return MHD_NO;
        memcpy(grown + up->len, data, *data_size);
        up->data = grown;
        up->len += *data_size;
        up->data[up->len] = '\0';
        *data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&srv.lock);
    int nth = ++srv.requests;
    if (nth == 1) snprintf(srv.first_url, sizeof srv.first_url, "%s %s", method, url);
    mode m = srv.mode;
    pthread_mutex_unlock(&srv.lock);
    if (m == MODE_DROP) return MHD_NO;
    if (m == MODE_FLAKY && nth == 1)
        return reply(c, 503, "<html><body>503 Service Unavailable</body></html>");
    if (m == MODE_SLOW) {
        /* a server that does not answer until the test moves on (bounded: 30 s): a client that
         * returns meanwhile can only have given up on its own timeout */
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000000L};
        bool held = true;
        for (int k = 0; k < 1500 && held; k++) {
            nanosleep(&ts, NULL); /* timing-ok: a server holding its answer */
            pthread_mutex_lock(&srv.lock);
            held = srv.mode == MODE_SLOW;
            pthread_mutex_unlock(&srv.lock);
        }
        pthread_mutex_lock(&srv.lock);
        srv.slow_answered++;
        pthread_mutex_unlock(&srv.lock);
    }
    if (strcmp(method, "GET") == 0) return osrm_table(c, url, m);
    if (strcmp(method, "POST") == 0 && strcmp(url, "/sources_to_targets") == 0)
        return valhalla_matrix(c, up, m);
    return reply(c, 404, "{\"code\":\"InvalidUrl\"}");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    upload *up = *con_cls;
    if (up) {
        free(up->data);
        free(up);
    }
    *con_cls = NULL;
}

static void server_reset(mode m) {
    pthread_mutex_lock(&srv.lock);
    srv.mode = m;
    srv.max_coords = 100;
    srv.max_pairs = 2500;
    srv.requests = 0;
    srv.largest = 0;
    srv.first_url[0] = '\0';
    srv.slow_answered = 0;
    pthread_mutex_unlock(&srv.lock);
}

static int server_start(void **state) {
    (void)state;
    pthread_mutex_init(&srv.lock, NULL);
    server_reset(MODE_OK);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = 0; /* a free port, read back below */
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                             NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &addr,
                             MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
    if (!srv.d) return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || info->port == 0) return -1;
    srv.port = info->port;
    return 0;
}

static int server_stop(void **state) {
    (void)state;
    MHD_stop_daemon(srv.d);
    pthread_mutex_destroy(&srv.lock);
    return 0;
}

/* ---- Helpers ---- */

static char base_url[64];

static geo_matrix_provider *provider(geo_matrix_kind kind, void (*tweak)(geo_matrix_opts *)) {
    geo_matrix_opts o;
    geo_matrix_opts_init(&o);
    o.kind = kind;
    snprintf(base_url, sizeof base_url, "http://127.0.0.1:%u/", srv.port);
    o.base_url = base_url;
    o.retry_backoff_ms = 5;
    if (tweak) tweak(&o);
    geo_matrix_provider *p = NULL;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    if (geo_matrix_provider_create(&o, &p, &e) != LM_OK) fail_msg("provider: %s", e.message);
    return p;
}

/* n points on a grid in Lyon. Built from whole micro-degrees so that the "%.6f" in a request
 * parses back to exactly the same double on the server side. */
static geo_point *city_points(size_t n) {
    geo_point *pts = calloc(n, sizeof *pts);
    assert_non_null(pts);
    for (size_t i = 0; i < n; i++) {
        pts[i].lat = (double)(45700000 + 1370 * (long)(i % 97)) / 1e6;
        pts[i].lon = (double)(4780000 + 2110 * (long)(i / 97) + 30 * (long)(i % 7)) / 1e6;
    }
    return pts;
}

static geo_matrix *compute(geo_matrix_provider *p, const geo_point *pts, size_t n) {
    geo_matrix *m = NULL;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    if (geo_matrix_compute(p, pts, n, &m, &e) != LM_OK) fail_msg("compute: %s", e.message);
    return m;
}

/* Every cell equals the fake engine's answer (Valhalla: whole seconds). */
static void expect_engine_cells(const geo_matrix *m, const geo_point *pts, bool valhalla) {
    size_t n = geo_matrix_size(m);
    const int32_t *d = geo_matrix_durations(m), *s = geo_matrix_distances(m);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int32_t wd = 0, ws = 0;
            if (i != j) {
                double du = fake_duration(pts[i].lat, pts[i].lon, pts[j].lat, pts[j].lon);
                wd = (int32_t)lround(valhalla ? (double)lround(du) : du);
                ws = (int32_t)fake_distance(pts[i].lat, pts[i].lon, pts[j].lat, pts[j].lon);
            }
            if (d[i * n + j] != wd || s[i * n + j] != ws)
                fail_msg("cell %zu,%zu: %d s %d m, engine said %d s %d m", i, j, d[i * n + j],
                         s[i * n + j], wd, ws);
        }
}

/* Every cell equals the geodesic provider's estimate with the same options. */
static void expect_fallback_cells(const geo_matrix *m, const geo_point *pts) {
    size_t n = geo_matrix_size(m);
    geo_matrix_provider *g = provider(GEO_MATRIX_GEODESIC, NULL);
    geo_matrix *ref = compute(g, pts, n);
    assert_memory_equal(geo_matrix_durations(m), geo_matrix_durations(ref),
                        n * n * sizeof(int32_t));
    assert_memory_equal(geo_matrix_distances(m), geo_matrix_distances(ref),
                        n * n * sizeof(int32_t));
    geo_matrix_destroy(ref);
    geo_matrix_provider_destroy(g);
}

/* ---- OSRM ---- */

static void test_osrm_success(void **state) {
    (void)state;
    server_reset(MODE_OK);
    geo_point pts[] = {{45.764, 4.8357}, {45.75, 4.85}, {45.85, 4.95}, {45.66, 4.7}, {45.78, 5.0}};
    geo_matrix_provider *p = provider(GEO_MATRIX_OSRM, NULL);
    geo_matrix *m = compute(p, pts, 5);
    expect_engine_cells(m, pts, false);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->cells_engine, 20);
    assert_int_equal(st->cells_fallback, 0);
    assert_int_equal(st->requests, 1);
    assert_int_equal(st->retries, 0);
    assert_string_equal(st->last_error, "");
    /* lon,lat order in the URL, 6 decimals, all five points, no index lists. */
    assert_string_equal(srv.first_url, "GET /table/v1/driving/4.835700,45.764000;4.850000,"
                                       "45.750000;4.950000,45.850000;4.700000,45.660000;"
                                       "5.000000,45.780000");
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
}

static void test_osrm_blocks_and_cache(void **state) {
    (void)state;
    server_reset(MODE_OK);
    size_t n = 250;
    geo_point *pts = city_points(n);
    geo_matrix_provider *p = provider(GEO_MATRIX_OSRM, NULL);
    geo_matrix *m = compute(p, pts, n);
    expect_engine_cells(m, pts, false);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->cells_engine, n * (n - 1));
    assert_int_equal(st->cells_fallback, 0);
    /* 50 sources + 50 destinations per request: 5 x 5 blocks, none above OSRM's 100. */
    assert_int_equal(st->requests, 25);
    assert_int_equal(srv.requests, 25);
    assert_true(srv.largest <= 100);
    geo_matrix_destroy(m);

    /* Same points again: all from the cache, no request. */
    server_reset(MODE_OK);
    m = compute(p, pts, n);
    expect_engine_cells(m, pts, false);
    st = geo_matrix_stats_get(m);
    assert_int_equal(st->requests, 0);
    assert_int_equal(srv.requests, 0);
    assert_int_equal(st->cells_cached, n * (n - 1));
    geo_matrix_destroy(m);

    /* One driver moved: only its row and column are fetched. */
    server_reset(MODE_OK);
    pts[17].lat = (double)(lround(pts[17].lat * 1e6) + 10000) / 1e6;
    m = compute(p, pts, n);
    expect_engine_cells(m, pts, false);
    st = geo_matrix_stats_get(m);
    assert_int_equal(st->cells_engine, 2 * (n - 1));
    assert_int_equal(st->cells_cached, (n - 1) * (n - 2));
    assert_true(st->requests <= 6);
    assert_true(srv.largest <= 100);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

static void limit_10(geo_matrix_opts *o) {
    o->max_locations = 10;
    o->cache_max_cells = 0;
}

static void test_osrm_custom_block_size(void **state) {
    (void)state;
    server_reset(MODE_OK);
    size_t n = 23;
    geo_point *pts = city_points(n);
    geo_matrix_provider *p = provider(GEO_MATRIX_OSRM, limit_10);
    geo_matrix *m = compute(p, pts, n);
    expect_engine_cells(m, pts, false);
    assert_true(srv.largest <= 10);
    assert_int_equal(geo_matrix_stats_get(m)->requests, 25); /* 5 x 5 blocks of 5 + 5 */
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

static void test_osrm_toobig_splits(void **state) {
    (void)state;
    /* A server started with --max-table-size 12 while the client assumes 100. */
    server_reset(MODE_OK);
    srv.max_coords = 12;
    size_t n = 30;
    geo_point *pts = city_points(n);
    geo_matrix_provider *p = provider(GEO_MATRIX_OSRM, NULL);
    geo_matrix *m = compute(p, pts, n);
    expect_engine_cells(m, pts, false);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->cells_fallback, 0);
    assert_true(st->requests > 1);
    assert_non_null(strstr(st->last_error, "TooBig"));
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);

    /* A server that refuses everything with more than one location: all estimated. */
    server_reset(MODE_OK);
    srv.max_coords = 1;
    p = provider(GEO_MATRIX_OSRM, NULL);
    m = compute(p, pts, 4);
    expect_fallback_cells(m, pts);
    assert_int_equal(geo_matrix_stats_get(m)->cells_fallback, 12);
    assert_int_equal(geo_matrix_stats_get(m)->cells_engine, 0);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

/* No splitting: a refused block is estimated whole (what max_split_requests = 0 asks for). */
static void no_split(geo_matrix_opts *o) {
    o->max_split_requests = 0;
}

static void test_osrm_nosegment(void **state) {
    (void)state;
    server_reset(MODE_NOSEGMENT);
    geo_point *pts = city_points(6);
    geo_matrix_provider *p = provider(GEO_MATRIX_OSRM, no_split);
    geo_matrix *m = compute(p, pts, 6);
    expect_fallback_cells(m, pts);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->cells_fallback, 30);
    assert_int_equal(st->cells_engine, 0);
    assert_int_equal(st->requests, 1);        /* a 400 is not retried */
    assert_int_equal(st->failed_requests, 0); /* refused by a healthy engine, not failed */
    assert_non_null(strstr(st->last_error, "HTTP 400 NoSegment"));
    geo_matrix_destroy(m);
    /* Failures are not cached: the next call asks again. */
    server_reset(MODE_OK);
    m = compute(p, pts, 6);
    expect_engine_cells(m, pts, false);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

static void test_osrm_null_cells(void **state) {
    (void)state;
    server_reset(MODE_NULLS);
    size_t n = 8;
    geo_point *pts = city_points(n);
    pts[3] = (geo_point){ISLAND_LAT, 4.9};
    geo_matrix_provider *p = provider(GEO_MATRIX_OSRM, NULL);
    geo_matrix *m = compute(p, pts, n);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->cells_fallback, n - 1);
    assert_int_equal(st->cells_engine, n * (n - 1) - (n - 1));
    /* Cells towards the island are the geodesic estimate, the rest the engine's. */
    geo_matrix_provider *g = provider(GEO_MATRIX_GEODESIC, NULL);
    geo_matrix *ref = compute(g, pts, n);
    const int32_t *d = geo_matrix_durations(m), *rd = geo_matrix_durations(ref);
    for (size_t i = 0; i < n; i++) {
        if (i == 3) continue;
        assert_int_equal(d[i * n + 3], rd[i * n + 3]);
        assert_int_equal(d[3 * n + i], (int32_t)lround(fake_duration(pts[3].lat, pts[3].lon,
                                                                     pts[i].lat, pts[i].lon)));
    }
    geo_matrix_destroy(ref);
    geo_matrix_provider_destroy(g);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

static void test_osrm_malformed(void **state) {
    (void)state;
    mode modes[] = {MODE_MALFORMED, MODE_BAD_SHAPE};
    for (size_t k = 0; k < 2; k++) {
        server_reset(modes[k]);
        geo_point *pts = city_points(5);
        geo_matrix_provider *p = provider(GEO_MATRIX_OSRM, NULL);
        geo_matrix *m = compute(p, pts, 5);
        expect_fallback_cells(m, pts);
        const geo_matrix_stats *st = geo_matrix_stats_get(m);
        assert_int_equal(st->cells_fallback, 20);
        assert_int_equal(st->requests, 1);
        assert_int_equal(st->failed_requests, 1);
        assert_true(st->last_error[0] != '\0');
        geo_matrix_destroy(m);
        geo_matrix_provider_destroy(p);
        free(pts);
    }
}

static void short_timeout(geo_matrix_opts *o) {
    o->timeout_ms = 300;
    o->connect_timeout_ms = 300;
    o->max_retries = 1;
}

static void test_osrm_slow_answer_times_out(void **state) {
    (void)state;
    server_reset(MODE_SLOW);
    geo_point *pts = city_points(4);
    geo_matrix_provider *p = provider(GEO_MATRIX_OSRM, short_timeout);
    geo_matrix *m = compute(p, pts, 4);
    /* the client gave up on its own clock: the server had not answered either request yet */
    pthread_mutex_lock(&srv.lock);
    int answered = srv.slow_answered;
    pthread_mutex_unlock(&srv.lock);
    assert_int_equal(answered, 0);
    server_reset(MODE_OK); /* releases the held handlers */
    expect_fallback_cells(m, pts);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->requests, 2);
    assert_int_equal(st->retries, 1);
    assert_int_equal(st->failed_requests, 1);
    assert_int_equal(st->cells_fallback, 12);
    assert_non_null(strstr(st->last_error, "imeout"));
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

static void test_osrm_dropped_connection(void **state) {
    (void)state;
    server_reset(MODE_DROP);
    geo_point *pts = city_points(4);
    geo_matrix_provider *p = provider(GEO_MATRIX_OSRM, NULL); /* 2 retries by default */
    geo_matrix *m = compute(p, pts, 4);
    expect_fallback_cells(m, pts);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->requests, 3);
    assert_int_equal(st->retries, 2);
    assert_int_equal(st->failed_requests, 1);
    assert_int_equal(st->cells_fallback, 12);
    assert_true(st->last_error[0] != '\0');
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

static void test_osrm_retry_after_503(void **state) {
    (void)state;
    server_reset(MODE_FLAKY);
    geo_point *pts = city_points(4);
    geo_matrix_provider *p = provider(GEO_MATRIX_OSRM, NULL);
    geo_matrix *m = compute(p, pts, 4);
    expect_engine_cells(m, pts, false);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->requests, 2);
    assert_int_equal(st->retries, 1);
    assert_int_equal(st->failed_requests, 0);
    assert_int_equal(st->cells_fallback, 0);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

static void test_engine_unreachable(void **state) {
    (void)state;
    /* Nothing listens on port 9 of loopback (discard service is not run here). */
    geo_matrix_opts o;
    geo_matrix_opts_init(&o);
    o.kind = GEO_MATRIX_OSRM;
    o.base_url = "http://127.0.0.1:9";
    o.max_retries = 1;
    o.retry_backoff_ms = 1;
    geo_matrix_provider *p = NULL;
    assert_int_equal(geo_matrix_provider_create(&o, &p, NULL), LM_OK);
    geo_point *pts = city_points(3);
    geo_matrix *m = compute(p, pts, 3);
    expect_fallback_cells(m, pts);
    assert_int_equal(geo_matrix_stats_get(m)->requests, 2);
    assert_int_equal(geo_matrix_stats_get(m)->cells_fallback, 6);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

/* Two threads share one provider and its cache. */
typedef struct job {
    geo_matrix_provider *p;
    geo_point *pts;
    size_t n;
    lm_status st;
    geo_matrix *m;
} job;

static void *job_run(void *arg) {
    job *j = arg;
    j->st = geo_matrix_compute(j->p, j->pts, j->n, &j->m, NULL);
    return NULL;
}

static void test_provider_shared_by_threads(void **state) {
    (void)state;
    server_reset(MODE_OK);
    size_t n = 120;
    geo_point *pts = city_points(n);
    geo_matrix_provider *p = provider(GEO_MATRIX_OSRM, NULL);
    job jobs[2] = {{p, pts, n, LM_INTERNAL, NULL}, {p, pts, n, LM_INTERNAL, NULL}};
    pthread_t t[2];
    for (int k = 0; k < 2; k++)
        assert_int_equal(pthread_create(&t[k], NULL, job_run, &jobs[k]), 0);
    for (int k = 0; k < 2; k++) {
        pthread_join(t[k], NULL);
        assert_int_equal(jobs[k].st, LM_OK);
        expect_engine_cells(jobs[k].m, pts, false);
        geo_matrix_destroy(jobs[k].m);
    }
    geo_matrix_provider_destroy(p);
    free(pts);
}

/* ---- Valhalla ---- */

static void test_valhalla_success_blocks(void **state) {
    (void)state;
    server_reset(MODE_OK);
    size_t n = 60;
    geo_point *pts = city_points(n);
    geo_matrix_provider *p = provider(GEO_MATRIX_VALHALLA, NULL);
    geo_matrix *m = compute(p, pts, n);
    expect_engine_cells(m, pts, true);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->cells_engine, n * (n - 1));
    assert_int_equal(st->cells_fallback, 0);
    /* 2500 pairs per request: 50 x 50 blocks, so 2 x 2 of them. */
    assert_int_equal(st->requests, 4);
    assert_string_equal(srv.first_url, "POST /sources_to_targets");
    geo_matrix_destroy(m);
    server_reset(MODE_OK);
    m = compute(p, pts, n);
    assert_int_equal(geo_matrix_stats_get(m)->requests, 0);
    expect_engine_cells(m, pts, true);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

static void test_valhalla_errors(void **state) {
    (void)state;
    geo_point *pts = city_points(5);
    /* 400 with Valhalla's error object. */
    server_reset(MODE_NOSEGMENT);
    geo_matrix_provider *p = provider(GEO_MATRIX_VALHALLA, no_split);
    geo_matrix *m = compute(p, pts, 5);
    expect_fallback_cells(m, pts);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_int_equal(st->requests, 1);
    assert_non_null(strstr(st->last_error, "171"));
    assert_non_null(strstr(st->last_error, "No suitable edges"));
    geo_matrix_destroy(m);
    /* Malformed reply. */
    server_reset(MODE_MALFORMED);
    m = compute(p, pts, 5);
    expect_fallback_cells(m, pts);
    assert_int_equal(geo_matrix_stats_get(m)->cells_fallback, 20);
    geo_matrix_destroy(m);
    /* Null cells. */
    server_reset(MODE_NULLS);
    pts[2] = (geo_point){ISLAND_LAT, 4.9};
    m = compute(p, pts, 5);
    assert_int_equal(geo_matrix_stats_get(m)->cells_fallback, 4);
    assert_int_equal(geo_matrix_stats_get(m)->cells_engine, 16);
    geo_matrix_destroy(m);
    /* Dropped connection; a fresh provider, since the last call cached 16 good cells. */
    geo_matrix_provider_destroy(p);
    p = provider(GEO_MATRIX_VALHALLA, no_split);
    server_reset(MODE_DROP);
    pts[2] = (geo_point){45.9, 4.9};
    m = compute(p, pts, 5);
    expect_fallback_cells(m, pts);
    assert_int_equal(geo_matrix_stats_get(m)->requests, 3);
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

static void test_valhalla_compact_shape(void **state) {
    (void)state;
    server_reset(MODE_COMPACT);
    size_t n = 7;
    geo_point *pts = city_points(n);
    geo_matrix_provider *p = provider(GEO_MATRIX_VALHALLA, NULL);
    geo_matrix *m = compute(p, pts, n);
    expect_engine_cells(m, pts, true);
    assert_int_equal(geo_matrix_stats_get(m)->cells_engine, n * (n - 1));
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

static void tiny_cache(geo_matrix_opts *o) {
    o->cache_max_cells = 30;
}

static void test_cache_is_bounded(void **state) {
    (void)state;
    /* 8 points = 56 cells, more than the cache holds: answers stay right, and the second call
     * has to refetch part of the matrix. */
    server_reset(MODE_OK);
    size_t n = 8;
    geo_point *pts = city_points(n);
    geo_matrix_provider *p = provider(GEO_MATRIX_OSRM, tiny_cache);
    geo_matrix *m = compute(p, pts, n);
    expect_engine_cells(m, pts, false);
    geo_matrix_destroy(m);
    server_reset(MODE_OK);
    m = compute(p, pts, n);
    expect_engine_cells(m, pts, false);
    const geo_matrix_stats *st = geo_matrix_stats_get(m);
    assert_true(st->cells_cached <= 30);
    assert_true(st->requests >= 1);
    assert_int_equal(st->cells_cached + st->cells_engine, n * (n - 1));
    geo_matrix_destroy(m);
    geo_matrix_provider_destroy(p);
    free(pts);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_osrm_success),
        cmocka_unit_test(test_osrm_blocks_and_cache),
        cmocka_unit_test(test_osrm_custom_block_size),
        cmocka_unit_test(test_osrm_toobig_splits),
        cmocka_unit_test(test_osrm_nosegment),
        cmocka_unit_test(test_osrm_null_cells),
        cmocka_unit_test(test_osrm_malformed),
        cmocka_unit_test(test_osrm_slow_answer_times_out),
        cmocka_unit_test(test_osrm_dropped_connection),
        cmocka_unit_test(test_osrm_retry_after_503),
        cmocka_unit_test(test_engine_unreachable),
        cmocka_unit_test(test_provider_shared_by_threads),
        cmocka_unit_test(test_valhalla_success_blocks),
        cmocka_unit_test(test_valhalla_errors),
        cmocka_unit_test(test_valhalla_compact_shape),
        cmocka_unit_test(test_cache_is_bounded),
    };
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
