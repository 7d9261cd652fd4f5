/* OsmAnd as an attacker tries it, against the real server on 127.0.0.1 (the committed plan of
 * tests/support/plan_world.h, both OsmAnd entry points: /v1/osmand and the OsmAnd port):
 *   - guessing device ids: 2,000 random ids from 100 loopback addresses are all refused and
 *     store nothing; one address that keeps guessing gets 429 with Retry-After right after the
 *     limiter's threshold, on both entry points, while another address is still served;
 *   - far-future, teleporting and valid=false positions of a real device are answered like any
 *     other (a phone must not resend them) but move nothing, mark nothing arrived, and show up
 *     in GET /v1/drivers/{id}/refusals (with a hint, never the id);
 *   - a rotated device id is refused from the very next request.
 * The client's source address is chosen with CURLOPT_INTERFACE: Linux routes all of 127/8 to the
 * loopback interface, so 127.0.1.7 is a distinct client of a server on 127.0.0.1. */
#include "api/api.h"
#include "dispatch/dispatch.h"
#include "dispatch/guard.h"
#include "tests/support/plan_world.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cmocka.h>

#define GUESSES       2000
#define GUESS_ADDRS   100 /* 20 guesses each: the limiter's threshold, so none is refused 429 */
#define MAX_FAILURES  20  /* dispatch_guard_opts_init's max_failures */
#define KEEP_GUESSING 200 /* requests of the address that keeps going after its block */
#define DEPOT_LAT     PLAN_WORLD_DEPOT_LAT
#define DEPOT_LON     PLAN_WORLD_DEPOT_LON

static plan_world W;

static int setup(void **state) {
    (void)state;
    plan_world_setup(&W, "lm-sec-dev-");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    plan_world_teardown(&W);
    return 0;
}

/* ---- HTTP from a chosen loopback address ---- */

typedef struct reply {
    long status;
    long retry_after; /* the Retry-After header's seconds, -1 when absent */
    lm_buf body;
} reply;

static size_t on_data(char *p, size_t sz, size_t n, void *ud) {
    return lm_buf_append(ud, p, sz * n) == LM_OK ? sz * n : 0;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud) {
    reply *r = ud;
    if (sz * n > 12 && !strncasecmp(p, "Retry-After:", 12)) r->retry_after = atol(p + 12);
    return sz * n;
}

/* One request from source address `from` to port; key may be NULL. Free with reply_free. */
static reply request(const char *from, uint16_t port, const char *method, const char *path,
                     const char *key) {
    reply r = {.status = 0, .retry_after = -1};
    lm_buf_init(&r.body, 1u << 20);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char url[1200], auth[200];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)port, path);
    struct curl_slist *h = NULL;
    if (key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        h = curl_slist_append(h, auth);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "POST")) curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_INTERFACE, from);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) fail_msg("%s %s from %s: %s", method, path, from, curl_easy_strerror(cc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (lm_buf_append(&r.body, "", 1) != LM_OK) fail_msg("reply too big");
    return r;
}

static void reply_free(reply *r) {
    lm_buf_free(&r->body);
}

/* An OsmAnd position on the OsmAnd port (osmand_port true) or /v1/osmand; returns the status. */
static long osmand(const char *from, bool osmand_port, const char *device, double lat, double lon,
                   int64_t t_ms, const char *extra, long *retry_after) {
    char path[600];
    snprintf(path, sizeof path, "%s?id=%s&lat=%.6f&lon=%.6f&timestamp=%lld%s",
             osmand_port ? "/" : "/v1/osmand", device, lat, lon, (long long)(t_ms / 1000),
             extra ? extra : "");
    reply r = request(from, osmand_port ? W.osmand_port : W.port, "GET", path, NULL);
    long st = r.status;
    if (retry_after) *retry_after = r.retry_after;
    reply_free(&r);
    return st;
}

/* A random id shaped like the generated ones (24 characters of Crockford's base32). */
static void random_id(char out[DISPATCH_DEVICE_ID_LEN + 1]) {
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned char raw[DISPATCH_DEVICE_ID_LEN];
    assert_int_equal(getrandom(raw, sizeof raw, 0), (ssize_t)sizeof raw);
    for (size_t i = 0; i < sizeof raw; i++)
        out[i] = alphabet[raw[i] & 31];
    out[DISPATCH_DEVICE_ID_LEN] = '\0';
}

/* A counter of GET /metrics, -1 when absent. */
static long long metric(const char *name) {
    reply r = request("127.0.0.1", W.port, "GET", "/metrics", NULL);
    assert_int_equal(r.status, 200);
    char pat[120];
    snprintf(pat, sizeof pat, "\n%s ", name);
    const char *p = strstr(r.body.data, pat);
    long long v = p ? atoll(p + strlen(pat)) : -1;
    reply_free(&r);
    return v;
}

/* The vehicle of driver D1 in GET /v1/fleet/state: its location (lat, lon) if it has one. */
static bool d1_location(double *lat, double *lon) {
    reply r = request("127.0.0.1", W.port, "GET", "/v1/fleet/state", W.disp);
    assert_int_equal(r.status, 200);
    cJSON *j = cJSON_Parse(r.body.data);
    reply_free(&r);
    bool found = false;
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(j, "vehicles")) {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(v, "driver_id");
        const cJSON *loc = cJSON_GetObjectItemCaseSensitive(v, "location");
        if (!cJSON_IsString(d) || strcmp(d->valuestring, "D1") || !cJSON_IsArray(loc)) continue;
        *lon = cJSON_GetArrayItem(loc, 0)->valuedouble;
        *lat = cJSON_GetArrayItem(loc, 1)->valuedouble;
        found = true;
    }
    cJSON_Delete(j);
    return found;
}

/* The count of reason in GET /v1/drivers/D1/refusals (whose body goes to body_out, may be NULL,
 * caller frees). */
static long long refused(const char *reason, char **body_out) {
    reply r = request("127.0.0.1", W.port, "GET", "/v1/drivers/D1/refusals?last=50", W.disp);
    assert_int_equal(r.status, 200);
    cJSON *j = cJSON_Parse(r.body.data);
    long long n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "counts")) {
        const cJSON *why = cJSON_GetObjectItemCaseSensitive(c, "reason");
        if (cJSON_IsString(why) && !strcmp(why->valuestring, reason))
            n = (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "count"));
    }
    cJSON_Delete(j);
    if (body_out) *body_out = strdup(r.body.data);
    reply_free(&r);
    return n;
}

/* ---- The attacks ---- */

static void test_guessing_device_ids(void **state) {
    (void)state;
    int answered[600] = {0};
    int64_t now = lm_now_ms(); /* timing-ok: positions are stamped near the server's real clock
                                  (data, not a bound); the limiter's 60 s window holds 20 requests
                                  of one address with room to spare */
    /* 2,000 random ids, 20 from each of 100 addresses, alternating the two entry points */
    for (int i = 0; i < GUESSES; i++) {
        char id[DISPATCH_DEVICE_ID_LEN + 1], from[32];
        random_id(id);
        snprintf(from, sizeof from, "127.0.1.%d", 1 + i / (GUESSES / GUESS_ADDRS));
        long st = osmand(from, i % 2 == 0, id, DEPOT_LAT, DEPOT_LON, now, NULL, NULL);
        answered[st >= 0 && st < 600 ? st : 0]++;
    }
    fprintf(stderr, "# %d guesses: %d answered 400, %d 200, %d 429\n", GUESSES, answered[400],
            answered[200], answered[429]);
    assert_int_equal(answered[200], 0);
    assert_int_equal(answered[400], GUESSES); /* unknown device, each of them */
    assert_int_equal(metric("lastmile_osmand_unknown_device_total"), GUESSES);
    assert_int_equal(metric("lastmile_osmand_blocks_total"), GUESS_ADDRS);
    double lat, lon;
    assert_false(d1_location(&lat, &lon)); /* nothing moved */

    /* one address keeps guessing: its 21st request is refused before it is even parsed */
    const char *guesser = "127.0.0.2", *phone = "127.0.0.3";
    int before_block = 0, blocked = 0;
    long ra = -1;
    for (int i = 0; i < MAX_FAILURES + KEEP_GUESSING; i++) {
        char id[DISPATCH_DEVICE_ID_LEN + 1];
        random_id(id);
        long st = osmand(guesser, i % 2 == 1, id, DEPOT_LAT, DEPOT_LON, now, NULL, &ra);
        if (st == 400 && blocked == 0) before_block++;
        if (st == 429) {
            blocked++;
            assert_true(ra >= 1 && ra <= 300); /* Retry-After: at most the block time */
        }
        assert_int_not_equal(st, 200);
    }
    assert_int_equal(before_block, MAX_FAILURES);
    assert_int_equal(blocked, KEEP_GUESSING);
    /* blocked on both entry points, even with a real id; another address is served */
    assert_int_equal(osmand(guesser, true, "phone1", DEPOT_LAT, DEPOT_LON, now, NULL, NULL), 429);
    assert_int_equal(osmand(guesser, false, "phone1", DEPOT_LAT, DEPOT_LON, now, NULL, NULL), 429);
    assert_int_equal(osmand(phone, true, "phone1", DEPOT_LAT, DEPOT_LON, now - 2000, NULL, NULL),
                     200);
    assert_int_equal(osmand(phone, false, "phone2", DEPOT_LAT, DEPOT_LON, now - 2000, NULL, NULL),
                     200);
    assert_true(d1_location(&lat, &lon));
    assert_true(metric("lastmile_osmand_refused_total") >= KEEP_GUESSING + 2);
}

static void test_future_teleport_and_no_fix_refused(void **state) {
    (void)state;
    const char *from = "127.0.0.4";
    int64_t now =
        lm_now_ms(); /* timing-ok: timestamps as data, for the server's real-clock filters */
    double lat = 0, lon = 0;
    /* an honest fix near the depot */
    assert_int_equal(osmand(from, true, "phone1", DEPOT_LAT, DEPOT_LON, now - 60000, NULL, NULL),
                     200);
    assert_true(d1_location(&lat, &lon));
    assert_float_equal(lat, DEPOT_LAT, 1e-6);
    int64_t arrived = tmp_db_count_events(W.s, "stop.arrived");
    int64_t started = tmp_db_count_events(W.s, "route.started");
    /* where D1's first stop is: positions there that the filters refuse must not arrive it */
    store_read *rd = NULL;
    dispatch_driver_route rt;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(dispatch_driver_route_get(rd, "D1", &rt, &err), LM_OK);
    store_read_end(rd);
    assert_true(rt.has_route);
    double slat = NAN, slon = NAN;
    for (size_t i = 0; i < rt.n_stops && isnan(slat); i++)
        if (rt.stops[i].stop.kind == DISPATCH_STOP_DELIVERY) {
            slat = rt.stops[i].stop.lat;
            slon = rt.stops[i].stop.lon;
        }
    assert_false(isnan(slat));
    dispatch_driver_route_clear(&rt);
    /* a year ahead, on the stop, twice (standing still there is what arrival needs) */
    int64_t year = INT64_C(365) * 86400 * 1000;
    for (int i = 0; i < 2; i++)
        assert_int_equal(
            osmand(from, i == 0, "phone1", slat, slon, now + year + i * 60000, NULL, NULL), 200);
    assert_int_equal(refused("future", NULL), 2);
    /* a teleport to Paris 20 s later, then valid=false on the stop */
    assert_int_equal(osmand(from, true, "phone1", 48.8566, 2.3522, now - 40000, NULL, NULL), 200);
    assert_int_equal(refused("jump", NULL), 1);
    assert_int_equal(
        osmand(from, false, "phone1", slat, slon, now - 30000, "&valid=false&speed=0", NULL), 200);
    assert_int_equal(
        osmand(from, true, "phone1", slat, slon, now - 20000, "&valid=false&speed=0", NULL), 200);
    char *body = NULL;
    assert_int_equal(refused("no_fix", &body), 2);
    /* the dispatcher sees them with a hint of the device, never its id */
    assert_non_null(strstr(body, "\"reason\":\"future\""));
    assert_non_null(strstr(body, "\"device_hint\":\"p\""));
    assert_null(strstr(body, "phone1"));
    free(body);
    /* none of them moved the van, started its route or arrived a stop */
    assert_true(d1_location(&lat, &lon));
    assert_float_equal(lat, DEPOT_LAT, 1e-6);
    assert_float_equal(lon, DEPOT_LON, 1e-6);
    assert_int_equal(tmp_db_count_events(W.s, "stop.arrived"), arrived);
    assert_int_equal(tmp_db_count_events(W.s, "route.started"), started);
    /* the far-future fix froze nothing: the next honest one moves the van */
    assert_int_equal(
        osmand(from, false, "phone1", DEPOT_LAT + 0.001, DEPOT_LON, now - 10000, NULL, NULL), 200);
    assert_true(d1_location(&lat, &lon));
    assert_float_equal(lat, DEPOT_LAT + 0.001, 1e-6);
    /* and the refusals are events the dispatcher's feed carries */
    assert_true(tmp_db_count_events(W.s, "position.refused") >= 1);
}

static void test_rotated_id_refused_at_once(void **state) {
    (void)state;
    const char *from = "127.0.0.5";
    int64_t now = lm_now_ms(); /* timing-ok: timestamps as data */
    assert_int_equal(osmand(from, true, "phone1", DEPOT_LAT, DEPOT_LON, now - 9000, NULL, NULL),
                     200);
    reply r = request("127.0.0.1", W.port, "POST", "/v1/drivers/D1/device", W.disp);
    assert_int_equal(r.status, 200);
    cJSON *j = cJSON_Parse(r.body.data);
    reply_free(&r);
    char fresh[DISPATCH_DEVICE_ID_LEN + 1];
    lm_strlcpy(fresh, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "device_id")),
               sizeof fresh);
    cJSON_Delete(j);
    assert_int_equal(strlen(fresh), DISPATCH_DEVICE_ID_LEN);
    /* the old id, on both entry points, from the very next request */
    assert_int_equal(osmand(from, true, "phone1", DEPOT_LAT, DEPOT_LON, now - 8000, NULL, NULL),
                     400);
    assert_int_equal(osmand(from, false, "phone1", DEPOT_LAT, DEPOT_LON, now - 7000, NULL, NULL),
                     400);
    assert_int_equal(osmand(from, true, fresh, DEPOT_LAT, DEPOT_LON, now - 6000, NULL, NULL), 200);
    /* the listing shows neither */
    r = request("127.0.0.1", W.port, "GET", "/v1/drivers", W.disp);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body.data, fresh));
    assert_null(strstr(r.body.data, "phone1"));
    assert_non_null(strstr(r.body.data, "\"has_device\":true"));
    reply_free(&r);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_guessing_device_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_future_teleport_and_no_fix_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotated_id_refused_at_once, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
