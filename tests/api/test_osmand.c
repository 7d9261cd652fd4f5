/* OsmAnd ingest against the real server on free 127.0.0.1 ports: every request form the Traccar
 * Client versions send, on the OsmAnd port and on /v1/osmand, answered 200 with an empty body
 * only once the position is stored; unknown devices and bad coordinates refused; duplicates and
 * out-of-order positions; concurrent clients sharing commits; and the real binary SIGKILLed right
 * after a burst of acknowledged positions, every one of which is there after a restart. */
#include "api/api.h"
#include "dispatch/dispatch.h"
#include "dispatch/ingest.h"
#include "store/store_positions.h"
#include "tests/support/http_test.h"
#include "tests/support/server_env.h"
#include "tests/support/tmp_db.h"

#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define KN 0.514444444444444

typedef struct world {
    tmp_db tmp;
    store *s;
    dispatch *d;
    api_server *srv;
    uint16_t port, osm;
} world;

static world W;

typedef http_test_resp resp;

/* One request to 127.0.0.1:port; body NULL = none (a POST still sends an empty one); ct =
 * Content-Type or NULL. */
static void http(resp *out, uint16_t port, const char *method, const char *path, const char *ct,
                 const char *body) {
    http_test_req req = {.method = method,
                         .path = path,
                         .body = body ? body : (strcmp(method, "POST") ? NULL : ""),
                         .content_type = ct,
                         .timeout_s = 20};
    http_test_request(port, &req, out);
}

static void resp_free(resp *r) {
    http_test_resp_free(r);
}

/* Sends and checks the status; for 200 also that the body is empty. */
static void expect(uint16_t port, const char *method, const char *path, const char *ct,
                   const char *body, long status) {
    resp r;
    http(&r, port, method, path, ct, body);
    if (r.status != status)
        fprintf(stderr, "%s %s -> %ld (want %ld): %s\n", method, path, r.status, status,
                r.body.data ? r.body.data : "");
    assert_int_equal(r.status, status);
    if (status == 200) assert_int_equal(r.body.len, 0);
    resp_free(&r);
}

static void put_driver(store *s, const char *id, const char *device) {
    store_tx *tx = NULL;
    lm_errinfo err;
    dispatch_driver dr;
    memset(&dr, 0, sizeof dr);
    lm_strlcpy(dr.id, id, sizeof dr.id);
    snprintf(dr.name, sizeof dr.name, "Driver %s", id);
    lm_strlcpy(dr.device_id, device, sizeof dr.device_id);
    assert_int_equal(store_tx_begin(s, &tx), LM_OK);
    dr.allow_short_device_id = true; /* short test ids, by the operator's choice */
    assert_int_equal(dispatch_driver_save(tx, &dr, NULL, &err), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
}

/* The stored positions of a device (caller frees). */
static store_position *positions_of(const char *device, size_t *n) {
    store_read *r = NULL;
    store_position *p = NULL;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    assert_int_equal(store_positions_list(r, device, NULL, 0, INT64_MAX, 100000, &p, n, &err),
                     LM_OK);
    store_read_end(r);
    return p;
}

static int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    assert_int_equal(tmp_db_create(&W.tmp, "lm-osmand-"), 0);
    store_opts so;
    store_opts_init(&so);
    so.path = W.tmp.path;
    lm_errinfo err;
    assert_int_equal(store_open(&so, &W.s, &err), LM_OK);
    dispatch_opts d;
    dispatch_opts_init(&d);
    d.st = W.s;
    d.tick_ms = 0;
    /* Traccar's own client vectors, reused here for the protocol, jump across the globe and
     * years, backwards and forwards: the time and speed filters are off (tests/dispatch/
     * test_devices.c covers them); the zero, range and duplicate checks stay */
    d.positions.future_skew_ms = 0;
    d.positions.max_backwards_ms = 0;
    d.positions.max_speed_mps = 0;
    assert_int_equal(dispatch_create(&d, &W.d, &err), LM_OK);
    put_driver(W.s, "android", "123456789012345");
    put_driver(W.s, "traccar", "902064");
    put_driver(W.s, "ts9", "48241179");
    put_driver(W.s, "six", "123456");
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.osmand_port = 0;
    o.dispatch = W.d;
    o.log_fd = -1;
    o.threads = 2;
    o.positions_retention_s = 0; /* the client vectors carry old timestamps: keep them */
    if (api_server_start(&o, W.s, &W.srv, &err) != LM_OK) fprintf(stderr, "%s\n", err.message);
    assert_non_null(W.srv);
    W.port = api_server_port(W.srv);
    W.osm = api_server_osmand_port(W.srv);
    assert_true(W.osm > 0 && W.osm != W.port);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    api_server_stop(W.srv, 2000);
    dispatch_destroy(W.d);
    store_close(W.s);
    tmp_db_remove(&W.tmp);
    return 0;
}

/* ---- Every client form ---- */

static void test_legacy_android_and_ios(void **state) {
    (void)state;
    /* POST with everything in the query and an empty body (both legacy apps), any path */
    expect(W.osm, "POST",
           "/?id=123456789012345&timestamp=619315200&lat=0.0&lon=0.0&speed=0.0&bearing=0.0&"
           "altitude=0.0&accuracy=0.0&batt=0.0",
           NULL, NULL, 200);
    expect(W.osm, "POST",
           "/some/path?id=123456789012345&timestamp=619315300&lat=45.764000&lon=4.835700&speed="
           "10&bearing=90&altitude=170&accuracy=5&batt=87&charge=true",
           NULL, NULL, 200);
    /* the first is a phone without a fix (0, 0): answered 200 (or the phone would resend it
     * forever) but refused, so only the second is stored */
    size_t n = 0;
    store_position *p = positions_of("123456789012345", &n);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].driver_id, "android");
    assert_int_equal(p[0].time_ms, 619315300000LL);
    assert_true(fabs(p[0].lat - 45.764) < 1e-9 && fabs(p[0].lon - 4.8357) < 1e-9);
    assert_true(fabs(p[0].speed_mps - 10 * KN) < 1e-9); /* knots converted */
    assert_true(fabs(p[0].battery_pct - 87) < 1e-9);
    assert_int_equal(p[0].charging, 1);
    lm_free(p);
}

static void test_traccar_vectors_get(void **state) {
    (void)state;
    /* GET works too; ISO time percent-encoded; epoch ms; deviceid; location= */
    expect(W.osm, "GET",
           "/?id=902064&lat=42.06288&lon=-88.23412&timestamp=2016-01-27T18%3A55%3A47Z&hdop=6.0&"
           "altitude=224.0&speed=0.0",
           NULL, NULL, 200);
    expect(W.osm, "GET", "/?id=902064&lat=42.06288&lon=-88.23412&timestamp=1442068686579", NULL,
           NULL, 200);
    expect(W.osm, "GET",
           "/?lat=60.0&lon=30.0&speed=0.0&heading=0.0&vacc=0&hacc=0&altitude=0&deviceid=123456&"
           "timestamp=1377177000",
           NULL, NULL, 200);
    expect(W.osm, "GET", "/?id=123456&timestamp=1377177267&location=60.0,30.0", NULL, NULL, 200);
    size_t n = 0;
    store_position *p = positions_of("902064", &n);
    assert_int_equal(n, 2);
    assert_int_equal(p[0].time_ms, 1442068686579LL);
    assert_int_equal(p[1].time_ms, 1453920947000LL);
    lm_free(p);
    p = positions_of("123456", &n);
    assert_int_equal(n, 2);
    assert_true(p[1].lat == 60.0 && p[1].lon == 30.0);
    lm_free(p);
}

static void test_client10_form_and_json_array(void **state) {
    (void)state;
    /* Traccar Client 10: form body, and the uploadJson array */
    expect(W.osm, "POST", "/", "application/x-www-form-urlencoded",
           "id=48241179&lat=45.75&lon=4.85&timestamp=1750000000&accuracy=5.0&altitude=170.0&"
           "speed=19.44&bearing=90.0&batt=55&charge=false",
           200);
    expect(W.osm, "POST", "/", "application/json",
           "[{\"id\":\"48241179\",\"lat\":45.76,\"lon\":4.86,\"timestamp\":1750000010,\"speed\":"
           "5},{\"id\":\"48241179\",\"lat\":45.77,\"lon\":4.87,\"timestamp\":1750000020000}]",
           200);
    /* Traccar Client 9: the transistorsoft object (speed m/s) */
    expect(W.osm, "POST", "/", "application/json",
           "{\"location\":{\"timestamp\":\"2025-06-15T15:30:00.500Z\",\"coords\":{\"latitude\":"
           "45.78,\"longitude\":4.88,\"accuracy\":5,\"speed\":3.5,\"heading\":-1,\"altitude\":5},"
           "\"battery\":{\"level\":0.5,\"is_charging\":false},\"_\":\"&id=48241179&\"},"
           "\"device_id\":\"48241179\"}",
           200);
    size_t n = 0;
    store_position *p = positions_of("48241179", &n);
    assert_int_equal(n, 4);
    assert_true(fabs(p[0].speed_mps - 19.44 * KN) < 1e-9);
    assert_int_equal(p[0].charging, 0);
    assert_int_equal(p[1].time_ms, 1750000010000LL);
    assert_int_equal(p[2].time_ms, 1750000020000LL);
    assert_int_equal(p[3].time_ms, 1750001400500LL);
    assert_true(p[3].speed_mps == 3.5);
    assert_true(fabs(p[3].battery_pct - 50) < 1e-9);
    assert_true(isnan(p[3].heading_deg));
    lm_free(p);
}

static void test_main_port(void **state) {
    (void)state;
    expect(W.port, "GET", "/v1/osmand?id=123456&lat=10&lon=20&timestamp=1600000000", NULL, NULL,
           200);
    expect(W.port, "POST", "/v1/osmand", "application/x-www-form-urlencoded",
           "id=123456&lat=11&lon=21&timestamp=1600000001", 200);
    expect(W.port, "POST", "/v1/osmand", "application/json",
           "[{\"id\":\"123456\",\"lat\":12,\"lon\":22,\"timestamp\":1600000002}]", 200);
    expect(W.port, "GET", "/v1/osmand?id=nobody&lat=10&lon=20", NULL, NULL, 400);
    expect(W.port, "GET", "/v1/osmand?id=123456&lat=100&lon=20", NULL, NULL, 400);
    size_t n = 0;
    store_position *p = positions_of("123456", &n);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        found += p[i].time_ms >= 1600000000000LL && p[i].time_ms <= 1600000002000LL;
    assert_int_equal(found, 3);
    lm_free(p);
}

static void test_refusals(void **state) {
    (void)state;
    expect(W.osm, "GET", "/?id=unknown-phone&lat=45&lon=4&timestamp=1700000000", NULL, NULL, 400);
    expect(W.osm, "POST", "/", "application/json",
           "{\"device_id\":\"unknown\",\"location\":{\"timestamp\":\"2025-06-15T13:45:12Z\","
           "\"coords\":{\"latitude\":1,\"longitude\":2}}}",
           400);
    expect(W.osm, "GET", "/?id=902064&lat=91&lon=4", NULL, NULL, 400);
    expect(W.osm, "GET", "/?id=902064&lat=45&lon=181", NULL, NULL, 400);
    expect(W.osm, "GET", "/?id=902064&lat=abc&lon=4", NULL, NULL, 400);
    expect(W.osm, "GET", "/?lat=45&lon=4", NULL, NULL, 400);
    expect(W.osm, "GET", "/", NULL, NULL, 400);
    expect(W.osm, "POST", "/", "application/json", "{\"device_id\":", 400);
    /* an array with one unknown device is refused whole: nothing of it is stored */
    size_t before = 0, after = 0;
    lm_free(positions_of("902064", &before));
    expect(W.osm, "POST", "/", "application/json",
           "[{\"id\":\"902064\",\"lat\":1,\"lon\":2,\"timestamp\":1500000000},{\"id\":\"ghost\","
           "\"lat\":1,\"lon\":2,\"timestamp\":1500000001}]",
           400);
    lm_free(positions_of("902064", &after));
    assert_int_equal(after, before);
    /* the error says why, in plain text */
    resp r;
    http(&r, W.osm, "GET", "/?id=unknown-phone&lat=45&lon=4", NULL, NULL);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body.data, "unknown device"));
    resp_free(&r);
}

static void test_duplicates_and_out_of_order(void **state) {
    (void)state;
    /* a retried request (same device time) is answered 200 again and stored once */
    for (int i = 0; i < 3; i++)
        expect(W.osm, "GET", "/?id=123456&lat=1.5&lon=2.5&timestamp=1700000100", NULL, NULL, 200);
    /* an older position arriving late is stored (history) */
    expect(W.osm, "GET", "/?id=123456&lat=1.4&lon=2.4&timestamp=1700000050", NULL, NULL, 200);
    size_t n = 0;
    store_position *p = positions_of("123456", &n);
    int dup = 0, old = 0;
    for (size_t i = 0; i < n; i++) {
        dup += p[i].time_ms == 1700000100000LL;
        old += p[i].time_ms == 1700000050000LL;
    }
    assert_int_equal(dup, 1);
    assert_int_equal(old, 1);
    lm_free(p);
}

/* ---- What Traccar Client sends beyond a position (issue 15) ---- */

/* driver.exception events of kind "alarm" for driver, and the last one's payload (caller frees). */
static int alarms_of(const char *driver, char **last_payload) {
    store_read *r = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    int count = 0;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    assert_int_equal(store_events_since(r, 0, 10000, &ev, &n), LM_OK);
    store_read_end(r);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ev[i].type, "driver.exception") || !ev[i].entity_id ||
            strcmp(ev[i].entity_id, driver) || !strstr(ev[i].payload_json, "\"kind\":\"alarm\""))
            continue;
        count++;
        if (last_payload) {
            free(*last_payload);
            *last_payload = strdup(ev[i].payload_json);
        }
    }
    store_events_free(ev, n);
    return count;
}

/* Refusals of driver for reason, from the store. */
static int64_t refusals_of(const char *driver, const char *reason) {
    store_read *r = NULL;
    dispatch_refusals x;
    lm_errinfo err;
    int64_t count = 0;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    assert_int_equal(dispatch_position_refusals(r, driver, 10, &x, &err), LM_OK);
    store_read_end(r);
    for (size_t i = 0; i < x.n_counts; i++)
        if (!strcmp(x.counts[i].reason, reason)) count = x.counts[i].count;
    dispatch_refusals_clear(&x);
    return count;
}

static void test_no_fix_token_and_cells(void **state) {
    (void)state;
    size_t before = 0, after = 0;
    lm_free(positions_of("123456", &before));
    int64_t refused = refusals_of("six", "no_location");
    /* Traccar's cell/Wi-Fi vector, and Traccar Client 10 registering its push token: 200, no
     * position stored (nothing to place on a map), counted as no_location */
    expect(W.osm, "GET",
           "/?id=123456&timestamp=1377177267&cell=257,02,16,2224&cell=257,02,16,2223,-90&wifi=00-"
           "14-22-01-23-45,-80",
           NULL, NULL, 200);
    expect(W.osm, "POST", "/", "application/x-www-form-urlencoded",
           "id=123456&notificationToken=fcm%3AAPA91bHun4MxP5egoKMwt2", 200);
    lm_free(positions_of("123456", &after));
    assert_int_equal(after, before);
    assert_int_equal(refusals_of("six", "no_location"), refused + 2);
    store_read *r = NULL;
    char token[STORE_PUSH_TOKEN_MAX] = "";
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    assert_int_equal(store_push_token_get(r, "123456", token, &err), LM_OK);
    store_read_end(r);
    assert_string_equal(token, "fcm:APA91bHun4MxP5egoKMwt2");
    /* a malformed cell is refused with its name, and changes nothing */
    resp q;
    http(&q, W.osm, "GET", "/?id=123456&cell=beef", NULL, NULL);
    assert_int_equal(q.status, 400);
    assert_non_null(strstr(q.body.data, "cell"));
    resp_free(&q);
    assert_int_equal(refusals_of("six", "no_location"), refused + 2);
}

static void test_attributes_kept(void **state) {
    (void)state;
    expect(W.osm, "GET",
           "/?id=902064&lat=42.06288&lon=-88.23412&timestamp=1442068686&hdop=6.0&ignition=true&"
           "odometer=1200.5&mock=false&battery_health=good",
           NULL, NULL, 200);
    expect(W.osm, "POST", "/", "application/json",
           "{\"device_id\":\"48241179\",\"location\":{\"timestamp\":\"2025-06-15T13:45:12.862Z\","
           "\"coords\":{\"latitude\":37.4219983,\"longitude\":-122.084,\"speed\":0},"
           "\"is_moving\":true,\"odometer\":42,\"event\":\"motionchange\",\"extras\":{\"trip\":"
           "\"T7\"}}}",
           200);
    size_t n = 0;
    store_position *p = positions_of("902064", &n);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].time_ms == 1442068686000LL) {
            assert_string_equal(p[i].attributes, "{\"hdop\":6,\"ignition\":true,\"odometer\":"
                                                 "1200.5,\"mock\":false,\"battery_health\":"
                                                 "\"good\"}");
            seen++;
        }
    assert_int_equal(seen, 1);
    lm_free(p);
    p = positions_of("48241179", &n);
    seen = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].time_ms == 1749995112862LL) {
            assert_string_equal(p[i].attributes, "{\"event\":\"motionchange\",\"motion\":true,"
                                                 "\"odometer\":42,\"trip\":\"T7\"}");
            seen++;
        }
    assert_int_equal(seen, 1);
    lm_free(p);
}

static void test_alarm_raised_once(void **state) {
    (void)state;
    char *payload = NULL;
    int before = alarms_of("traccar", NULL);
    /* an SOS with a fix, sent three times (the phone did not hear the answer): raised once */
    for (int i = 0; i < 3; i++)
        expect(W.osm, "POST", "/?id=902064&lat=45.75&lon=4.85&timestamp=1800000500&alarm=sos", NULL,
               NULL, 200);
    assert_int_equal(alarms_of("traccar", &payload), before + 1);
    assert_non_null(strstr(payload, "\"alarm\":\"sos\""));
    assert_non_null(strstr(payload, "\"position\":[4.850000,45.750000]"));
    /* an SOS before the phone has any fix still reaches the dispatcher, without a position */
    expect(W.osm, "GET", "/?id=902064&timestamp=1800000600&alarm=sos&batt=9", NULL, NULL, 200);
    assert_int_equal(alarms_of("traccar", &payload), before + 2);
    assert_null(strstr(payload, "\"position\""));
    free(payload);
}

static void test_metrics_series(void **state) {
    (void)state;
    expect(W.osm, "GET", "/?id=902064&lat=45.7&lon=4.8&timestamp=1800000700", NULL, NULL, 200);
    expect(W.osm, "GET", "/?id=902064&lat=91&lon=4.8", NULL, NULL, 400);
    resp r;
    http(&r, W.port, "GET", "/metrics", NULL, NULL);
    assert_int_equal(r.status, 200);
    const char *ok = strstr(r.body.data, "lastmile_osmand_requests_total{code=\"2xx\"} ");
    const char *bad = strstr(r.body.data, "lastmile_osmand_requests_total{code=\"4xx\"} ");
    assert_non_null(ok);
    assert_non_null(bad);
    assert_true(atoll(ok + strlen("lastmile_osmand_requests_total{code=\"2xx\"} ")) >= 1);
    assert_true(atoll(bad + strlen("lastmile_osmand_requests_total{code=\"4xx\"} ")) >= 1);
    assert_non_null(strstr(r.body.data, "lastmile_osmand_request_duration_seconds_count "));
    resp_free(&r);
}

typedef struct burst {
    int index, ok;
} burst;

static void *send_burst(void *arg) {
    burst *b = arg;
    for (int i = 0; i < 40; i++) {
        /* half the clients on the OsmAnd port, half on /v1/osmand (deferred replies) */
        bool main_port = b->index % 2;
        char path[256];
        snprintf(path, sizeof path, "%s?id=902064&lat=45.%04d&lon=4.%04d&timestamp=%lld",
                 main_port ? "/v1/osmand" : "/", i, b->index,
                 1800000000000LL + b->index * 1000 + i);
        resp r;
        http(&r, main_port ? W.port : W.osm, "GET", path, NULL, NULL);
        b->ok += r.status == 200 && r.body.len == 0;
        resp_free(&r);
    }
    return NULL;
}

static void test_concurrent_clients(void **state) {
    (void)state;
    size_t before = 0, after = 0;
    lm_free(positions_of("902064", &before));
    pthread_t t[8];
    burst b[8];
    for (int i = 0; i < 8; i++) {
        b[i].index = i;
        b[i].ok = 0;
        assert_int_equal(pthread_create(&t[i], NULL, send_burst, &b[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        ok += b[i].ok;
    }
    assert_int_equal(ok, 320);
    lm_free(positions_of("902064", &after));
    assert_int_equal(after - before, 320);
}

/* ---- The real binary: acknowledged means durable ---- */

/* The real binary with its OsmAnd port, ready once a position for kill-phone is accepted. */
static pid_t spawn(const char *db, uint16_t port, uint16_t osm) {
    char osm_s[16];
    snprintf(osm_s, sizeof osm_s, "%u", (unsigned)osm);
    const char *args[] = {"--osmand-port", osm_s, NULL};
    return http_test_serve_spawn(db, port, args, osm,
                                 "/?id=kill-phone&lat=1&lon=1&timestamp=1000000000");
}

typedef struct killer_load {
    uint16_t osm;
    int index;
    int64_t acked[3000];
    atomic_int n; /* read by the test while the load runs */
    atomic_bool stop;
} killer_load;

static void *load(void *arg) {
    killer_load *l = arg;
    /* the binary runs the default position filters: times in the recent past, each unique and
     * all within milliseconds of each other, one place (no jump, nothing stale or duplicate) */
    int64_t base = lm_now_ms() - 600000; /* timing-ok: timestamps, no bound */
    for (int i = 0; !atomic_load(&l->stop) && atomic_load(&l->n) < 3000; i++) {
        int64_t t = base + (int64_t)i * 4 + l->index;
        char path[256];
        snprintf(path, sizeof path, "/?id=kill-phone&lat=45.1&lon=4.2&timestamp=%lld",
                 (long long)t);
        resp r;
        http(&r, l->osm, "GET", path, NULL, NULL);
        if (r.status == 200) {
            int k = atomic_load(&l->n);
            l->acked[k] = t;
            atomic_store(&l->n, k + 1);
        }
        long st = r.status;
        resp_free(&r);
        if (st == 0) break; /* the server is gone */
    }
    return NULL;
}

static void test_sigkill_keeps_acknowledged(void **state) {
    (void)state;
    char db[160];
    snprintf(db, sizeof db, "%s/kill.db", W.tmp.dir);
    {
        store_opts so;
        store_opts_init(&so);
        so.path = db;
        store *s = NULL;
        lm_errinfo err;
        assert_int_equal(store_open(&so, &s, &err), LM_OK);
        put_driver(s, "killer", "kill-phone");
        store_close(s);
    }
    uint16_t port = http_test_free_port(), osm = http_test_free_port();
    pid_t pid = spawn(db, port, osm);
    assert_true(pid > 0);
    static killer_load l[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        memset(&l[i], 0, sizeof l[i]);
        l[i].osm = osm;
        l[i].index = i;
        assert_int_equal(pthread_create(&t[i], NULL, load, &l[i]), 0);
    }
    /* a burst in flight: killed once 100 positions were acknowledged (polled, 60 s deadline),
     * while the loaders keep sending */
    int acked = 0;
    for (int k = 0; k < 1200 && acked < 100; k++) {
        usleep(50 * 1000); /* timing-ok: poll, 60 s deadline */
        acked = 0;
        for (int i = 0; i < 4; i++)
            acked += atomic_load(&l[i].n);
    }
    kill(pid, SIGKILL);
    for (int i = 0; i < 4; i++) {
        atomic_store(&l[i].stop, true);
        pthread_join(t[i], NULL);
    }
    assert_true(acked >= 100);
    waitpid(pid, NULL, 0);

    store_opts so;
    store_opts_init(&so);
    so.path = db;
    store *s = NULL;
    lm_errinfo err;
    assert_int_equal(store_open(&so, &s, &err), LM_OK);
    store_read *r = NULL;
    store_position *p = NULL;
    size_t n = 0;
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    assert_int_equal(
        store_positions_list(r, "kill-phone", NULL, 0, INT64_MAX, 100000, &p, &n, &err), LM_OK);
    store_read_end(r);
    int total = 0, missing = 0;
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < l[i].n; k++) {
            total++;
            bool there = false;
            for (size_t j = 0; j < n && !there; j++)
                there = p[j].time_ms == l[i].acked[k];
            missing += !there;
        }
    fprintf(stderr, "sigkill: %d acknowledged positions, %d missing, %zu stored\n", total, missing,
            n);
    assert_true(total >= acked);
    assert_int_equal(missing, 0);
    lm_free(p);
    store_close(s);
}

/* ---- Retention ---- */

static bool has_position(const char *device, int64_t t_ms) {
    size_t n = 0;
    store_position *p = positions_of(device, &n);
    bool found = false;
    for (size_t i = 0; i < n && !found; i++)
        found = p[i].time_ms == t_ms;
    lm_free(p);
    return found;
}

static void test_retention_prunes_old_positions(void **state) {
    (void)state;
    int64_t now_s = lm_now_ms() / 1000; /* timing-ok: timestamps, no bound */
    int64_t old_s = now_s - 7200, fresh_s = now_s - 60;
    char path[160];
    snprintf(path, sizeof path, "/?id=123456&lat=5&lon=6&timestamp=%lld", (long long)old_s);
    expect(W.osm, "GET", path, NULL, NULL, 200);
    snprintf(path, sizeof path, "/?id=123456&lat=5&lon=6&timestamp=%lld", (long long)fresh_s);
    expect(W.osm, "GET", path, NULL, NULL, 200);
    assert_true(has_position("123456", old_s * 1000));
    /* the store function: a bounded chunk of what is older than the cut */
    store_tx *tx = NULL;
    int64_t deleted = -1;
    lm_errinfo err;
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    assert_int_equal(store_positions_prune(tx, 1000, 10, &deleted, &err), LM_OK); /* 1970 */
    assert_int_equal(store_tx_commit(tx), LM_OK);
    assert_int_equal(deleted, 0);
    /* a server with a one-hour retention prunes on its own when idle */
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.dispatch = W.d;
    o.log_fd = -1;
    o.positions_retention_s = 3600;
    api_server *srv2 = NULL;
    assert_int_equal(api_server_start(&o, W.s, &srv2, &err), LM_OK);
    bool gone = false;
    for (int i = 0; i < 300 && !gone; i++) {
        usleep(100 * 1000); /* timing-ok: poll, 30 s deadline */
        gone = !has_position("123456", old_s * 1000);
    }
    api_server_stop(srv2, 1000);
    assert_true(gone);
    assert_true(has_position("123456", fresh_s * 1000));
}

/* A malformed LASTMILE_INGEST_LINGER_US refuses to start, naming the variable; a good one starts.
 */
static void test_ingest_linger_malformed(void **state) {
    (void)state;
    const char *bad[] = {"", "x", "300us", "-1", "20001", "1e3"};
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.dispatch = W.d;
    o.log_fd = -1;
    server_env_refused(&o, W.s, "LASTMILE_INGEST_LINGER_US", bad, sizeof bad / sizeof *bad,
                       "0-20000", "300");
    unsetenv("LASTMILE_INGEST_LINGER_US");
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_android_and_ios),
        cmocka_unit_test(test_traccar_vectors_get),
        cmocka_unit_test(test_client10_form_and_json_array),
        cmocka_unit_test(test_main_port),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_duplicates_and_out_of_order),
        cmocka_unit_test(test_no_fix_token_and_cells),
        cmocka_unit_test(test_attributes_kept),
        cmocka_unit_test(test_alarm_raised_once),
        cmocka_unit_test(test_metrics_series),
        cmocka_unit_test(test_concurrent_clients),
        cmocka_unit_test(test_sigkill_keeps_acknowledged),
        cmocka_unit_test(test_retention_prunes_old_positions),
        cmocka_unit_test(test_ingest_linger_malformed),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
