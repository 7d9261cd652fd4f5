/* The driver app API, customer tracking and the SSE event stream over HTTP against the real
 * server (in-process, free 127.0.0.1 port) on a committed plan: a driver sees and changes only
 * its own route (another driver's stops are 404), stop actions with proof uploads (type, size and
 * magic checked, file written under the data dir), failures with reasons, position batches,
 * exceptions; a tracking token shows its order and nothing else, unknown tokens are 404, polls
 * are rate-limited (429 + Retry-After); SSE resumes after Last-Event-ID and pushes new events. */
#include "api/api.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"
#include "store/store_positions.h"
#include "tests/support/http_test.h"
#include "tests/support/plan_world.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static plan_world W;

typedef http_test_resp resp;

/* A JSON request as the driver app sends it: a POST without a body still sends an empty one. */
static void http(resp *out, const char *method, const char *path, const char *key,
                 const char *body) {
    plan_world_http(&W, out, method, path, key, body);
}

static void resp_free(resp *r) {
    http_test_resp_free(r);
}

static long status_of(const char *method, const char *path, const char *key, const char *body) {
    return plan_world_status(&W, method, path, key, body);
}

/* ---- Fixture: the committed plan of tests/support/plan_world.h ---- */

static int setup(void **state) {
    (void)state;
    plan_world_setup(&W, "lm-driver-");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    plan_world_teardown(&W);
    return 0;
}

/* The stop ids of a driver's route (via the API), pending ones first in route order. */
static size_t route_stops(const char *key, int64_t *ids, int64_t *orders, size_t cap) {
    resp r;
    http(&r, "GET", "/v1/driver/route", key, NULL);
    assert_int_equal(r.status, 200);
    const cJSON *stops = cJSON_GetObjectItemCaseSensitive(r.json, "stops");
    size_t n = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, stops) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(s, "kind");
        if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "delivery")) continue;
        if (n < cap) {
            ids[n] = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "id")->valuedouble;
            orders[n] = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "order_id")->valuedouble;
            /* the driver app gets the customer details */
            assert_non_null(strstr(
                cJSON_GetObjectItemCaseSensitive(s, "customer_name")->valuestring, "Customer"));
        }
        n++;
    }
    resp_free(&r);
    return n;
}

static void path_for(char *out, size_t size, int64_t stop, const char *action) {
    snprintf(out, size, "/v1/driver/stops/%lld/%s", (long long)stop, action);
}

/* ---- Driver isolation ---- */

static void test_driver_sees_and_changes_only_own_route(void **state) {
    (void)state;
    int64_t s1[8], o1[8], s2[8], o2[8];
    size_t n1 = route_stops(W.d1, s1, o1, 8), n2 = route_stops(W.d2, s2, o2, 8);
    assert_true(n1 >= 1 && n2 >= 1);
    assert_int_equal(n1 + n2, 6);
    for (size_t i = 0; i < n1; i++)
        for (size_t k = 0; k < n2; k++)
            assert_true(s1[i] != s2[k]);
    char p[128];
    /* D2 acting on D1's stop: 404, and nothing changes */
    const char *actions[] = {"arrived", "delivered", "failed"};
    for (size_t a = 0; a < 3; a++) {
        path_for(p, sizeof p, s1[0], actions[a]);
        assert_int_equal(status_of("POST", p, W.d2, a == 2 ? "{\"reason\":\"refused\"}" : "{}"),
                         404);
    }
    path_for(p, sizeof p, 999999, "arrived");
    assert_int_equal(status_of("POST", p, W.d1, NULL), 404);
    path_for(p, sizeof p, 0, "arrived");
    assert_int_equal(status_of("POST", p, W.d1, NULL), 400);
    store_read *rd = NULL;
    dispatch_stop st;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(dispatch_stop_get(rd, s1[0], &st, &err), LM_OK);
    store_read_end(rd);
    assert_int_equal(st.status, DISPATCH_STOP_PLANNED);
    /* other roles: no driver route for them */
    assert_int_equal(status_of("GET", "/v1/driver/route", W.disp, NULL), 403);
    assert_int_equal(status_of("GET", "/v1/driver/route", W.admin, NULL), 403);
    assert_int_equal(status_of("GET", "/v1/driver/route", NULL, NULL), 401);
    /* D2's route does not contain D1's customers' stops */
    resp r;
    http(&r, "GET", "/v1/driver/route", W.d2, NULL);
    char needle[64];
    snprintf(needle, sizeof needle, "\"id\":%lld,", (long long)s1[0]);
    assert_null(strstr(r.body.data, needle));
    resp_free(&r);
}

/* A minimal valid PNG header followed by filler. */
static const char PNG_B64[] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9Q"
                              "DwADhgGAWjR9awAAAABJRU5ErkJggg==";

static void test_stop_actions_and_proof(void **state) {
    (void)state;
    int64_t s1[8], o1[8];
    size_t n1 = route_stops(W.d1, s1, o1, 8);
    assert_true(n1 >= 2);
    char p[128], body[1024];
    path_for(p, sizeof p, s1[0], "arrived");
    assert_int_equal(status_of("POST", p, W.d1, NULL), 200);
    path_for(p, sizeof p, s1[0], "delivered");
    /* refused uploads first: wrong type, bytes that are not the declared type, bad base64 */
    snprintf(body, sizeof body,
             "{\"recipient\":\"J. Doe\",\"signature\":{\"content_type\":\"text/html\","
             "\"data_base64\":\"%s\"}}",
             PNG_B64);
    assert_int_equal(status_of("POST", p, W.d1, body), 400);
    assert_int_equal(status_of("POST", p, W.d1,
                               "{\"signature\":{\"content_type\":\"image/png\",\"data_base64\":"
                               "\"PGh0bWw+PHNjcmlwdD48L3NjcmlwdD4=\"}}"),
                     400);
    assert_int_equal(status_of("POST", p, W.d1,
                               "{\"photo\":{\"content_type\":\"image/jpeg\",\"data_base64\":\"!!"
                               "\"}}"),
                     400);
    /* too big: 700 KiB of base64 'A's */
    size_t big = 700 * 1024;
    char *huge = malloc(big + 200);
    assert_non_null(huge);
    int k = snprintf(huge, 200, "{\"photo\":{\"content_type\":\"image/jpeg\",\"data_base64\":\"");
    memset(huge + k, 'A', big);
    snprintf(huge + k + big, 200, "\"}}");
    assert_int_equal(status_of("POST", p, W.d1, huge), 413);
    free(huge);
    /* nothing was delivered by the refused attempts */
    store_read *rd = NULL;
    dispatch_stop st;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(dispatch_stop_get(rd, s1[0], &st, &err), LM_OK);
    store_read_end(rd);
    assert_int_equal(st.status, DISPATCH_STOP_ARRIVED);
    /* the typed name is recipient_name (test_file_modes still sends its old name, recipient) */
    snprintf(body, sizeof body,
             "{\"recipient_name\":\"J. Doe\",\"signature\":{\"content_type\":\"image/png\","
             "\"data_base64\":\"%s\"}}",
             PNG_B64);
    resp r;
    http(&r, "POST", p, W.d1, body);
    assert_int_equal(r.status, 200);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r.json, "status")->valuestring, "done");
    resp_free(&r);
    /* the signature is a file under the data dir, recorded in the stop's proof */
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(dispatch_stop_get(rd, s1[0], &st, &err), LM_OK);
    store_read_end(rd);
    assert_non_null(strstr(st.proof, "received by J. Doe"));
    const char *rel = strstr(st.proof, "proofs/");
    assert_non_null(rel);
    char file[512];
    snprintf(file, sizeof file, "%s/%.*s", W.data, (int)strcspn(rel, ";"), rel);
    struct stat sb;
    assert_int_equal(stat(file, &sb), 0);
    assert_true(sb.st_size >= 8);
    /* delivering twice is a conflict */
    assert_int_equal(status_of("POST", p, W.d1, "{}"), 409);

    /* a failed delivery: reason checked */
    path_for(p, sizeof p, s1[1], "failed");
    assert_int_equal(status_of("POST", p, W.d1, "{\"reason\":\"bored\"}"), 400);
    assert_int_equal(status_of("POST", p, W.d1, "{\"note\":\"no reason\"}"), 400);
    assert_int_equal(
        status_of("POST", p, W.d1, "{\"reason\":\"not_home\",\"note\":\"rang twice\"}"), 200);
}

static void test_positions_and_exceptions(void **state) {
    (void)state;
    int64_t now = (int64_t)time(NULL); /* timing-ok: timestamps, no bound */
    char body[1024];
    snprintf(body, sizeof body,
             "{\"positions\":[{\"lat\":45.751,\"lon\":4.851,\"timestamp\":%lld,\"speed\":8.5,"
             "\"heading\":90,\"accuracy\":4,\"battery\":77},{\"lat\":45.752,\"lon\":4.852,"
             "\"timestamp\":%lld}]}",
             (long long)(now - 20), (long long)(now - 10));
    resp r;
    http(&r, "POST", "/v1/driver/positions", W.d1, body);
    assert_int_equal(r.status, 200);
    assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(r.json, "accepted")->valuedouble, 2);
    resp_free(&r);
    /* the same batch again (an app retrying): stored once */
    assert_int_equal(status_of("POST", "/v1/driver/positions", W.d1, body), 200);
    store_read *rd = NULL;
    store_position *p = NULL;
    size_t n = 0;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(store_positions_list(rd, NULL, "D1", 0, INT64_MAX, 1000, &p, &n, &err), LM_OK);
    store_read_end(rd);
    assert_int_equal(n, 2);
    assert_true(p[0].speed_mps == 8.5); /* m/s in the driver API */
    assert_string_equal(p[0].device_id, "phone1");
    lm_free(p);
    assert_int_equal(status_of("POST", "/v1/driver/positions", W.d1,
                               "{\"positions\":[{\"lat\":95,\"lon\":4,\"timestamp\":1}]}"),
                     400);
    assert_int_equal(
        status_of("POST", "/v1/driver/positions", W.d1, "{\"positions\":[{\"lat\":45,\"lon\":4}]}"),
        400);
    assert_int_equal(status_of("POST", "/v1/driver/positions", W.d1, "{\"positions\":[]}"), 400);
    /* more than 1000 in one batch */
    lm_buf b;
    lm_buf_init(&b, 1 << 20);
    assert_int_equal(lm_buf_printf(&b, "{\"positions\":["), LM_OK);
    for (int i = 0; i < 1001; i++)
        assert_int_equal(lm_buf_printf(&b, "%s{\"lat\":45,\"lon\":4,\"timestamp\":%d}",
                                       i ? "," : "", 1000000000 + i),
                         LM_OK);
    assert_int_equal(lm_buf_printf(&b, "]}"), LM_OK);
    assert_int_equal(status_of("POST", "/v1/driver/positions", W.d1, b.data), 413);
    lm_buf_free(&b);

    assert_int_equal(status_of("POST", "/v1/driver/exceptions", W.d2, "{\"kind\":\"flat_tyre\"}"),
                     400);
    assert_int_equal(status_of("POST", "/v1/driver/exceptions", W.d2,
                               "{\"kind\":\"delay\",\"delay_min\":20,\"note\":\"traffic\"}"),
                     202);
    assert_int_equal(status_of("POST", "/v1/driver/exceptions", W.disp, "{\"kind\":\"delay\"}"),
                     403);
}

/* ---- Customer tracking ---- */

static void test_tracking(void **state) {
    (void)state;
    /* the order delivered above (D1's first stop) and one still pending */
    int64_t s1[8], o1[8];
    route_stops(W.d1, s1, o1, 8);
    store_read *rd = NULL;
    store_order done, other;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(store_order_get(rd, o1[0], &done, &err), LM_OK);
    int64_t other_id = W.order_ids[0] == o1[0] ? W.order_ids[1] : W.order_ids[0];
    assert_int_equal(store_order_get(rd, other_id, &other, &err), LM_OK);
    store_read_end(rd);
    assert_int_equal(strlen(done.tracking_token), 32);
    char path[128];
    snprintf(path, sizeof path, "/v1/track/%s", done.tracking_token);
    resp r;
    http(&r, "GET", path, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r.json, "status")->valuestring,
                        "delivered");
    const cJSON *dl = cJSON_GetObjectItemCaseSensitive(r.json, "delivery");
    assert_true(cJSON_IsObject(dl));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(dl, "proof")->valuestring,
                        "received by J. Doe");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dl, "signature")));
    /* nothing about any other order, nor file paths, names or addresses */
    assert_null(strstr(r.body.data, other.tracking_token));
    assert_null(strstr(r.body.data, "Customer"));
    assert_null(strstr(r.body.data, "Secrete"));
    /* stored file paths ("signature proofs/...") never; the proofs' token URLs are the way in */
    assert_null(strstr(r.body.data, " proofs/"));
    assert_null(strstr(r.body.data, "\"proofs/"));
    assert_non_null(strstr(r.body.data, "/proofs/stop"));
    resp_free(&r);
    /* a pending order: ETA window and the stops before it */
    snprintf(path, sizeof path, "/v1/track/%s", other.tracking_token);
    http(&r, "GET", path, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r.json, "status")->valuestring, "planned");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r.json, "stops_before")));
    resp_free(&r);
    store_order_clear(&done);
    store_order_clear(&other);
    assert_int_equal(status_of("GET", "/v1/track/00000000000000000000000000000000", NULL, NULL),
                     404);
    assert_int_equal(status_of("GET", "/v1/track/not-a-token", NULL, NULL), 404);
    /* burst 6, refill 0.2/s: within a moment the bucket runs dry */
    long last = 0;
    int i = 0;
    for (; i < 20 && last != 429; i++) {
        http(&r, "GET", path, NULL, NULL);
        last = r.status;
        if (last == 429) assert_non_null(strstr(r.headers.data, "Retry-After: "));
        resp_free(&r);
    }
    assert_int_equal(last, 429);
    assert_true(i <= 8);
}

/* ---- SSE ---- */

typedef struct sse_read {
    lm_buf buf;
    int64_t want_seq;      /* stop once an event with this seq (or later) arrived */
    const char *want_type; /* ... or, when set, once an event of this type arrived */
    bool got;
    atomic_bool open;    /* the server's hello (sent with the replayed events) arrived */
    size_t replayed_len; /* bytes received up to and with the hello chunk */
} sse_read;

static size_t on_sse(char *p, size_t sz, size_t n, void *ud) {
    sse_read *s = ud;
    if (lm_buf_append(&s->buf, p, sz * n) != LM_OK) return 0;
    if (!atomic_load(&s->open) && strstr(s->buf.data, ": lastmile events after ")) {
        s->replayed_len = s->buf.len;
        atomic_store(&s->open, true);
    }
    const char *at = s->buf.data;
    if (s->want_type) {
        char line[96];
        snprintf(line, sizeof line, "event: %s\n", s->want_type);
        s->got = strstr(s->buf.data, line) != NULL;
        return s->got ? 0 : sz * n;
    }
    while ((at = strstr(at, "id: ")) != NULL) {
        int64_t seq = strtoll(at + 4, NULL, 10);
        if (seq >= s->want_seq) s->got = true;
        at += 4;
    }
    return s->got ? 0 : sz * n; /* returning short ends the transfer */
}

/* Commits a test.ping event once the stream s is open (polled, 10 s deadline): by then the
 * server has sent its hello with the replay, so the event can only come as a push. */
static void *make_event_later(void *arg) {
    sse_read *s = arg;
    for (int i = 0; i < 200 && !atomic_load(&s->open); i++)
        usleep(50 * 1000); /* timing-ok: poll, 10 s deadline */
    store_tx *tx = NULL;
    if (store_tx_begin(W.s, &tx) == LM_OK) {
        if (store_event_append(tx, "test.ping", "test", "1", "{\"n\":1}") != LM_OK)
            store_tx_rollback(tx);
        else if (store_tx_commit(tx) != LM_OK)
            fprintf(stderr, "commit failed\n");
    }
    return NULL;
}

static int64_t last_seq(void) {
    store_read *rd = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    int64_t last = 0, after = 0;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    for (;;) {
        assert_int_equal(store_events_since(rd, after, 10000, &ev, &n), LM_OK);
        if (n == 0) break;
        last = after = ev[n - 1].seq;
        store_events_free(ev, n);
    }
    store_read_end(rd);
    return last;
}

static void sse_get(sse_read *s, const char *last_event_id, long *status) {
    CURL *c = curl_easy_init();
    char url[256], auth[160], lei[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/v1/events", (unsigned)W.port);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", W.disp);
    snprintf(lei, sizeof lei, "Last-Event-ID: %s", last_event_id);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Accept: text/event-stream");
    h = curl_slist_append(h, lei);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

static void test_sse_resume_and_push(void **state) {
    (void)state;
    int64_t last = last_seq();
    assert_true(last > 5);
    /* resume: everything after Last-Event-ID arrives, oldest first */
    sse_read s;
    memset(&s, 0, sizeof s);
    lm_buf_init(&s.buf, 8 << 20);
    s.want_seq = last;
    char lei[32];
    snprintf(lei, sizeof lei, "%lld", (long long)(last - 3));
    long status = 0;
    sse_get(&s, lei, &status);
    assert_int_equal(status, 200);
    assert_true(s.got);
    char want[64];
    snprintf(want, sizeof want, "id: %lld\n", (long long)(last - 2));
    assert_non_null(strstr(s.buf.data, want));
    snprintf(want, sizeof want, "id: %lld\n", (long long)(last - 3));
    assert_null(strstr(s.buf.data, want)); /* not the one already seen */
    assert_non_null(strstr(s.buf.data, "event: "));
    assert_non_null(strstr(s.buf.data, "data: {\"seq\":"));
    lm_buf_free(&s.buf);
    /* push: a stream waiting at the end gets an event committed later */
    memset(&s, 0, sizeof s);
    lm_buf_init(&s.buf, 1 << 20);
    s.want_type = "test.ping";
    snprintf(lei, sizeof lei, "%lld", (long long)last);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, make_event_later, &s), 0);
    sse_get(&s, lei, &status);
    pthread_join(t, NULL);
    /* pushed: committed after the hello (so not in the replay) and delivered before the
     * transfer's 10 s timeout, which is shorter than the hub's 15 s keep-alive tick */
    assert_true(atomic_load(&s.open));
    assert_true(s.got);
    const char *ping = strstr(s.buf.data, "event: test.ping\n");
    assert_non_null(ping);
    assert_true(ping >= s.buf.data + s.replayed_len);
    lm_buf_free(&s.buf);
    /* without the Accept header the JSON listing stays */
    resp r;
    http(&r, "GET", "/v1/events?limit=2", W.disp, NULL);
    assert_int_equal(r.status, 200);
    assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r.json, "events")));
    resp_free(&r);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driver_sees_and_changes_only_own_route),
        cmocka_unit_test(test_stop_actions_and_proof),
        cmocka_unit_test(test_positions_and_exceptions),
        cmocka_unit_test(test_tracking),
        cmocka_unit_test(test_sse_resume_and_push),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
