/* tests/api/test_feedback_http.c: issue 11's acceptance through the real server on 127.0.0.1
 * (in-process, free port, real SQLite file) with feedback/ on a test clock: a delivery, a rating
 * of 2 by tracking token, the ticket it opens automatically, the first-response SLA warning and
 * breach raised by the tick at the configured moments across a restart of the whole server (and
 * delivered to a signed webhook on 127.0.0.1, the live SSE stream and the exception queue), a
 * dispatcher's answer, the customer's reply, resolve, reopen, close. Every bad input is refused
 * with its field named and changes nothing (no event appended, the record as it was); roles are
 * enforced: the token never shows internal notes or another order's ticket, a driver sees only a
 * ticket shared with them, no key reaches no staff route. */
#include "api/api.h"
#include "dispatch/dispatch.h"
#include "feedback/feedback.h"
#include "orders/orders.h"
#include "store/store_orders.h"
#include "tests/support/hook_receiver.h"
#include "tests/support/http_test.h"
#include "tests/support/plan_world.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Tuesday 2026-03-17 10:00 UTC: inside the default calendar (UTC, Mon-Fri 09:00-18:00). */
#define T0_MS     (INT64_C(1773705600) * 1000 + 10 * 3600 * 1000)
#define HOUR_MS   (INT64_C(3600) * 1000)
#define FR_DUE_MS (T0_MS + 8 * HOUR_MS) /* normal priority: 8 business hours, Tue 18:00 */

static plan_world W;
static feedback *FB;
static hook_receiver H;        /* the shop's webhook endpoint on 127.0.0.1 */
static int64_t now_ms = T0_MS; /* the test clock feedback/ reads */
static int64_t test_clock(void) {
    return now_ms;
}

/* The delivered order, its token, another order's token, the ticket. */
static int64_t ORDER, STOP, TICKET;
static char TOKEN[33], OTHER_TOKEN[33];

typedef http_test_resp resp;

static void http(resp *out, const char *method, const char *path, const char *key,
                 const char *body) {
    plan_world_http(&W, out, method, path, key, body);
}

/* ---- The server with feedback/ on the test clock, and its restart ---- */

static void start_server(void) {
    feedback_opts fo;
    feedback_opts_init(&fo);
    fo.st = W.s;
    fo.now_ms = test_clock;
    fo.tick_ms = 0; /* the test ticks */
    lm_errinfo err = {0};
    OKE(feedback_create(&fo, &FB, &err), err);
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.dispatch = W.d;
    o.feedback = FB;
    o.log_fd = -1;
    o.data_dir = W.data;
    o.track_rate_per_s = 1000; /* this suite polls a lot; the limit is test_driver_http's */
    o.track_burst = 1000;
    o.webhook_allow = "127.0.0.1/32"; /* H, the test's receiver */
    OKE(api_server_start(&o, W.s, &W.srv, &err), err);
    W.port = api_server_port(W.srv);
}

static void stop_server(void) {
    api_server_stop(W.srv, 2000);
    W.srv = NULL;
    feedback_destroy(FB);
    FB = NULL;
}

/* Everything down (server, feedback, dispatch, orders, store) and up again on the same file. */
static void restart(void) {
    stop_server();
    dispatch_destroy(W.d);
    orders_destroy(W.o);
    store_close(W.s);
    store_opts so;
    store_opts_init(&so);
    so.path = W.tmp.path;
    lm_errinfo err = {0};
    OKE(store_open(&so, &W.s, &err), err);
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = W.s;
    assert_int_equal(orders_create(&oo, &W.o), LM_OK);
    dispatch_opts d;
    dispatch_opts_init(&d);
    d.st = W.s;
    d.tick_ms = 0;
    OKE(dispatch_create(&d, &W.d, &err), err);
    start_server();
}

static void tick(void) {
    lm_errinfo err = {0};
    OKE(feedback_tick(FB, now_ms, NULL, &err), err);
}

/* Events of a type in the log ("" = all). */
static int64_t events(const char *type) {
    store_read *rd = NULL;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    int64_t n = 0, after = 0;
    for (int page = 0; page < 1000; page++) {
        store_event *ev = NULL;
        size_t k = 0;
        assert_int_equal(store_events_since(rd, after, 1000, &ev, &k), LM_OK);
        for (size_t i = 0; i < k; i++)
            if (!*type || !strcmp(ev[i].type, type)) n++;
        if (k) after = ev[k - 1].seq;
        store_events_free(ev, k);
        if (k < 1000) break;
    }
    store_read_end(rd);
    return n;
}

/* The seq of the last event of a type (0 when none). */
static int64_t last_of(const char *type) {
    store_read *rd = NULL;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    int64_t found = 0, after = 0;
    for (int page = 0; page < 1000; page++) {
        store_event *ev = NULL;
        size_t k = 0;
        assert_int_equal(store_events_since(rd, after, 1000, &ev, &k), LM_OK);
        for (size_t i = 0; i < k; i++)
            if (!strcmp(ev[i].type, type)) found = ev[i].seq;
        if (k) after = ev[k - 1].seq;
        store_events_free(ev, k);
        if (k < 1000) break;
    }
    store_read_end(rd);
    return found;
}

static int setup(void **state) {
    (void)state;
    plan_world_setup(&W, "lm-feedback-http-");
    assert_int_equal(hook_receiver_start(&H, "feedback-hook-secret"), 0);
    api_server_stop(W.srv, 2000); /* plan_world's server has no feedback: ours replaces it */
    start_server();
    lm_errinfo err = {0};
    store_read *rd = NULL;
    store_order o;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    OKE(store_order_get(rd, W.order_ids[5], &o, &err), err);
    lm_strlcpy(OTHER_TOKEN, o.tracking_token, sizeof OTHER_TOKEN);
    store_order_clear(&o);
    store_read_end(rd);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    stop_server();
    plan_world_teardown(&W);
    hook_receiver_stop(&H);
    return 0;
}

/* ---- Helpers on replies ---- */

static const cJSON *get(const cJSON *o, const char *k) {
    return cJSON_GetObjectItemCaseSensitive(o, k);
}
static int64_t num(const cJSON *o, const char *k) {
    const cJSON *v = get(o, k);
    if (!cJSON_IsNumber(v)) fail_msg("%s is not a number", k);
    return (int64_t)v->valuedouble;
}
static const char *str(const cJSON *o, const char *k) {
    const cJSON *v = get(o, k);
    if (!cJSON_IsString(v)) fail_msg("%s is not a string", k);
    return v->valuestring;
}

/* Sends a request that must be refused with status and field, and checks no event was
 * appended. */
static void refused(const char *method, const char *path, const char *key, const char *body,
                    long status, const char *field) {
    int64_t before = events("");
    resp r;
    http(&r, method, path, key, body);
    const cJSON *e = get(r.json, "error");
    const cJSON *f = get(e, "field");
    const char *got = cJSON_IsString(f) ? f->valuestring : "(null)";
    if (r.status != status || (field && strcmp(got, field)))
        fail_msg("%s %s %s -> %ld field %s (%s), want %ld field %s", method, path, body ? body : "",
                 r.status, got, r.body.data ? r.body.data : "", status, field ? field : "-");
    http_test_resp_free(&r);
    assert_int_equal(events(""), before);
}

/* A request that must answer want; its JSON is handed back in *out (free it). */
static void ok(resp *out, const char *method, const char *path, const char *key, const char *body,
               long want) {
    http(out, method, path, key, body);
    if (out->status != want)
        fail_msg("%s %s -> %ld %s, want %ld", method, path, out->status,
                 out->body.data ? out->body.data : "", want);
}

static void track_path(char *out, size_t size, const char *token, const char *rest) {
    snprintf(out, size, "/v1/track/%s%s", token, rest);
}

/* ---- The delivery ---- */

static void deliver_one(void) {
    resp r;
    ok(&r, "GET", "/v1/driver/route", W.d1, NULL, 200);
    const cJSON *s;
    cJSON_ArrayForEach(s, get(r.json, "stops")) {
        if (strcmp(str(s, "kind"), "delivery")) continue;
        STOP = num(s, "id");
        ORDER = num(s, "order_id");
        break;
    }
    http_test_resp_free(&r);
    assert_true(STOP > 0);
    char p[128];
    store_read *rd = NULL;
    store_order o;
    lm_errinfo err = {0};
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    OKE(store_order_get(rd, ORDER, &o, &err), err);
    lm_strlcpy(TOKEN, o.tracking_token, sizeof TOKEN);
    store_order_clear(&o);
    store_read_end(rd);
    /* before the delivery there is nothing to rate: refused, nothing written */
    track_path(p, sizeof p, TOKEN, "/rating");
    refused("POST", p, NULL, "{\"score\":4}", 409, "order_id");
    snprintf(p, sizeof p, "/v1/driver/stops/%lld/arrived", (long long)STOP);
    ok(&r, "POST", p, W.d1, NULL, 200);
    http_test_resp_free(&r);
    snprintf(p, sizeof p, "/v1/driver/stops/%lld/delivered", (long long)STOP);
    ok(&r, "POST", p, W.d1, "{\"recipient\":\"J. Doe\"}", 200);
    http_test_resp_free(&r);
}

/* ---- Tests ---- */

static void test_rating_bad_inputs_change_nothing(void **state) {
    (void)state;
    deliver_one();
    char p[128];
    track_path(p, sizeof p, TOKEN, "/rating");
    refused("POST", p, NULL, "{\"score\":0}", 400, "score");
    refused("POST", p, NULL, "{\"score\":6}", 400, "score");
    refused("POST", p, NULL, "{\"score\":\"5\"}", 400, "score");
    refused("POST", p, NULL, "{}", 400, "score");
    refused("POST", p, NULL, "[1]", 400, "body");
    refused("POST", p, NULL, "{\"score\":3,\"stars\":3}", 400, "stars");
    refused("POST", p, NULL, "{\"score\":3,\"tags\":[\"bogus\"]}", 400, "tags[0]");
    refused("POST", p, NULL, "{\"score\":3,\"tags\":[\"late\",\"late\"]}", 400, "tags[1]");
    refused("POST", p, NULL, "{\"score\":3,\"tags\":\"late\"}", 400, "tags");
    refused("POST", p, NULL, "{\"score\":3,\"comment\":\"a\\u0001b\"}", 400, "comment");
    refused("POST", p, NULL, "{\"score\":3,\"comment\":\"\xff\xfe\"}", 400, "comment");
    refused("POST", p, NULL, "{\"score\":3,\"stop_id\":0}", 400, "stop_id");
    char big[1200];
    int k = snprintf(big, sizeof big, "{\"score\":3,\"comment\":\"");
    memset(big + k, 'x', 1001);
    snprintf(big + k + 1001, sizeof big - (size_t)k - 1001, "\"}");
    refused("POST", p, NULL, big, 413, "comment");
    /* unknown or malformed tokens: 404 on token */
    refused("POST", "/v1/track/0123456789abcdef0123456789abcdef/rating", NULL, "{\"score\":3}", 404,
            "token");
    refused("POST", "/v1/track/nope/rating", NULL, "{\"score\":3}", 404, "token");
    /* nothing was stored */
    track_path(p, sizeof p, TOKEN, "/rating");
    refused("GET", p, NULL, NULL, 404, NULL);
    assert_int_equal(events("rating.created"), 0);
}

static void test_acceptance_low_rating_to_closed_ticket(void **state) {
    (void)state;
    char p[160];
    resp r;
    /* the shop listens for events by webhook (it delivers surveys, watches SLAs) */
    char hook[160];
    snprintf(hook, sizeof hook,
             "{\"url\":\"http://127.0.0.1:%u/hook\",\"secret\":\"feedback-hook-secret\"}",
             (unsigned)H.port);
    ok(&r, "POST", "/v1/webhooks", W.disp, hook, 201);
    http_test_resp_free(&r);
    /* rating 2 by token: a ticket opens in the same transaction */
    track_path(p, sizeof p, TOKEN, "/rating");
    ok(&r, "POST", p, NULL, "{\"score\":2,\"tags\":[\"late\"],\"comment\":\"<b>late</b> again\"}",
       201);
    assert_int_equal(num(r.json, "score"), 2);
    assert_true(cJSON_IsTrue(get(r.json, "editable")));
    TICKET = num(r.json, "complaint_id");
    int64_t rating = num(r.json, "id");
    http_test_resp_free(&r);
    assert_true(TICKET > 0);
    assert_int_equal(events("rating.created"), 1);
    assert_int_equal(events("complaint.opened"), 1);
    /* a second rating of the stop is refused; an edit with a bad score changes nothing */
    refused("POST", p, NULL, "{\"score\":5}", 409, "stop_id");
    track_path(p, sizeof p, TOKEN, "");
    snprintf(p + strlen(p), sizeof p - strlen(p), "/rating/%lld", (long long)rating);
    refused("PATCH", p, NULL, "{\"score\":9}", 400, "score");
    refused("PATCH", p, NULL, "{}", 400, "body");
    /* the customer sees the ticket: the comment as typed (markup is text), no staff fields */
    track_path(p, sizeof p, TOKEN, "");
    snprintf(p + strlen(p), sizeof p - strlen(p), "/complaints/%lld", (long long)TICKET);
    ok(&r, "GET", p, NULL, NULL, 200);
    assert_string_equal(str(r.json, "status"), "new");
    assert_string_equal(str(r.json, "source"), "rating");
    assert_string_equal(str(r.json, "category"), "lateness");
    assert_null(get(r.json, "assignee"));
    assert_null(get(r.json, "priority"));
    const cJSON *m0 = cJSON_GetArrayItem(get(r.json, "messages"), 0);
    assert_string_equal(str(m0, "text"), "<b>late</b> again");
    assert_string_equal(str(m0, "author"), "customer");
    http_test_resp_free(&r);
    /* the queue: the ticket, its first-response countdown of 8 business hours */
    ok(&r, "GET", "/v1/complaints?status=new", W.disp, NULL, 200);
    const cJSON *row = cJSON_GetArrayItem(get(r.json, "complaints"), 0);
    assert_int_equal(num(row, "id"), TICKET);
    assert_int_equal(num(row, "first_response_left_ms"), FR_DUE_MS - T0_MS);
    assert_string_equal(str(row, "priority"), "normal");
    http_test_resp_free(&r);

    /* the test clock moves: 80 % of the budget used -> the warning, once */
    now_ms = T0_MS + 6 * HOUR_MS + 30 * 60 * 1000;
    tick();
    tick();
    assert_int_equal(events("sla.breach_imminent"), 1);
    assert_int_equal(events("sla.breached"), 0);
    /* the whole server restarts before the due time */
    restart();
    now_ms = FR_DUE_MS - 1;
    tick();
    assert_int_equal(events("sla.breached"), 0);
    now_ms = FR_DUE_MS;
    tick();
    tick();
    assert_int_equal(events("sla.breached"), 1);
    assert_int_equal(events("complaint.escalated"), 1);
    assert_int_equal(events("sla.breach_imminent"), 1);
    /* the breach is visible to staff: flags, escalated priority, negative countdown; in the log */
    now_ms = FR_DUE_MS + 60 * 1000;
    ok(&r, "GET", "/v1/complaints", W.disp, NULL, 200);
    row = cJSON_GetArrayItem(get(r.json, "complaints"), 0);
    assert_int_equal(num(row, "id"), TICKET);
    assert_true(cJSON_IsTrue(get(get(row, "sla"), "first_response_breached")));
    assert_string_equal(str(row, "priority"), "high");
    assert_int_equal(num(row, "first_response_left_ms"), -60 * 1000);
    http_test_resp_free(&r);
    ok(&r, "GET", "/v1/events?limit=1000", W.disp, NULL, 200);
    assert_non_null(strstr(r.body.data, "\"sla.breached\""));
    http_test_resp_free(&r);
    /* ... reaches the shop's webhook (signed) and the live stream, after the restart */
    int64_t breach_seq = last_of("sla.breached");
    assert_true(hook_receiver_wait(&H, breach_seq));
    pthread_mutex_lock(&H.mu);
    bool hooked = false;
    for (int i = 0; i < H.n_got; i++)
        if (H.got[i].seq == breach_seq)
            hooked = !strcmp(H.got[i].type, "sla.breached") && H.got[i].sig_ok;
    pthread_mutex_unlock(&H.mu);
    assert_true(hooked);
    assert_true(
        http_test_sse_has(W.port, "/v1/events", W.disp, breach_seq - 1, "event: sla.breached\n"));
    /* and an entry in the exception queue of the order */
    ok(&r, "GET", "/v1/exceptions", W.disp, NULL, 200);
    assert_non_null(strstr(r.body.data, "sla.first_response"));
    http_test_resp_free(&r);

    /* the dispatcher answers: first response, acknowledged */
    snprintf(p, sizeof p, "/v1/complaints/%lld/reply", (long long)TICKET);
    refused("POST", p, W.disp, "{}", 400, "text");
    refused("POST", p, W.disp, "{\"text\":\"\"}", 400, "text");
    refused("POST", p, W.disp, "{\"text\":\"hi\",\"internal\":\"yes\"}", 400, "internal");
    refused("POST", p, W.disp, "{\"text\":\"hi\",\"to\":\"x\"}", 400, "to");
    ok(&r, "POST", p, W.disp, "{\"text\":\"Internal: driver was stuck\",\"internal\":true}", 201);
    assert_string_equal(str(r.json, "status"), "new"); /* a note is not a response */
    http_test_resp_free(&r);
    ok(&r, "POST", p, W.disp, "{\"text\":\"Sorry, we are looking into it.\"}", 201);
    assert_string_equal(str(r.json, "status"), "acknowledged");
    assert_true(cJSON_IsNumber(get(r.json, "first_response_ms")));
    assert_non_null(get(r.json, "timeline"));
    http_test_resp_free(&r);
    /* the customer replies; the internal note is not in what they see */
    track_path(p, sizeof p, TOKEN, "");
    snprintf(p + strlen(p), sizeof p - strlen(p), "/complaints/%lld/reply", (long long)TICKET);
    refused("POST", p, NULL, "{\"text\":\"x\",\"internal\":true}", 400, "internal");
    ok(&r, "POST", p, NULL, "{\"text\":\"Thanks.\\nIt was 2 hours late.\"}", 201);
    assert_null(strstr(r.body.data, "driver was stuck"));
    assert_null(strstr(r.body.data, "key_id"));
    assert_int_equal(cJSON_GetArraySize(get(r.json, "messages")), 3);
    http_test_resp_free(&r);

    /* resolve; a step the state does not allow is 409 on action and changes nothing */
    snprintf(p, sizeof p, "/v1/complaints/%lld/close", (long long)TICKET);
    refused("POST", p, W.disp, NULL, 409, "action");
    snprintf(p, sizeof p, "/v1/complaints/%lld/resolve", (long long)TICKET);
    ok(&r, "POST", p, W.disp, "{\"text\":\"A voucher is on its way.\"}", 200);
    assert_string_equal(str(r.json, "status"), "resolved");
    http_test_resp_free(&r);
    /* the customer reopens, staff resolve again, the customer closes */
    now_ms += HOUR_MS;
    track_path(p, sizeof p, TOKEN, "");
    snprintf(p + strlen(p), sizeof p - strlen(p), "/complaints/%lld/reopen", (long long)TICKET);
    ok(&r, "POST", p, NULL, "{\"text\":\"The voucher did not come.\"}", 200);
    assert_string_equal(str(r.json, "status"), "in_progress");
    http_test_resp_free(&r);
    snprintf(p, sizeof p, "/v1/complaints/%lld/resolve", (long long)TICKET);
    ok(&r, "POST", p, W.disp, NULL, 200);
    http_test_resp_free(&r);
    track_path(p, sizeof p, TOKEN, "");
    snprintf(p + strlen(p), sizeof p - strlen(p), "/complaints/%lld/close", (long long)TICKET);
    ok(&r, "POST", p, NULL, NULL, 200);
    assert_string_equal(str(r.json, "status"), "closed");
    http_test_resp_free(&r);
    assert_int_equal(events("complaint.reopened"), 1);
    assert_int_equal(events("complaint.closed"), 1);
    /* closed: staff may still note internally, nobody may reply in public */
    snprintf(p, sizeof p, "/v1/complaints/%lld/reply", (long long)TICKET);
    refused("POST", p, W.disp, "{\"text\":\"late reply\"}", 409, NULL);
}

static void test_roles(void **state) {
    (void)state;
    char p[160];
    resp r;
    /* another order's token cannot see or touch the ticket: 404, as if it did not exist */
    track_path(p, sizeof p, OTHER_TOKEN, "");
    snprintf(p + strlen(p), sizeof p - strlen(p), "/complaints/%lld", (long long)TICKET);
    refused("GET", p, NULL, NULL, 404, NULL);
    strncat(p, "/reply", sizeof p - strlen(p) - 1);
    refused("POST", p, NULL, "{\"text\":\"hello\"}", 404, NULL);
    /* no key reaches no staff route; a driver key is not staff */
    refused("GET", "/v1/complaints", NULL, NULL, 401, NULL);
    refused("POST", "/v1/complaints", NULL, "{\"category\":\"other\"}", 401, NULL);
    refused("GET", "/v1/complaints", W.d1, NULL, 403, NULL);
    snprintf(p, sizeof p, "/v1/complaints/%lld/reply", (long long)TICKET);
    refused("POST", p, W.d1, "{\"text\":\"not me\"}", 403, NULL);
    refused("GET", "/v1/config/feedback", W.disp, NULL, 403, NULL);
    /* the driver of the stop sees the ticket only once shared, and only its public thread */
    snprintf(p, sizeof p, "/v1/complaints/%lld", (long long)TICKET);
    refused("GET", p, W.d1, NULL, 404, NULL);
    refused("PATCH", p, W.disp, "{\"driver_shared\":\"yes\"}", 400, "driver_shared");
    refused("PATCH", p, W.disp, "{\"priority\":\"asap\"}", 400, "priority");
    ok(&r, "PATCH", p, W.disp, "{\"driver_shared\":true}", 200);
    http_test_resp_free(&r);
    ok(&r, "GET", p, W.d1, NULL, 200);
    assert_null(strstr(r.body.data, "driver was stuck"));
    assert_null(get(r.json, "assignee"));
    assert_null(get(r.json, "timeline"));
    assert_true(cJSON_GetArraySize(get(r.json, "messages")) >= 3);
    http_test_resp_free(&r);
    refused("GET", p, W.d2, NULL, 404, NULL);
    /* staff see the note */
    ok(&r, "GET", p, W.disp, NULL, 200);
    assert_non_null(strstr(r.body.data, "driver was stuck"));
    http_test_resp_free(&r);
}

static void test_staff_bad_inputs_and_config(void **state) {
    (void)state;
    resp r;
    refused("POST", "/v1/complaints", W.disp, "{\"category\":\"bogus\"}", 400, "category");
    refused("POST", "/v1/complaints", W.disp, "{}", 400, "category");
    refused("POST", "/v1/complaints", W.disp, "{\"category\":\"other\",\"priority\":\"asap\"}", 400,
            "priority");
    refused("POST", "/v1/complaints", W.disp, "{\"category\":\"other\",\"source\":\"customer\"}",
            400, "source");
    refused("POST", "/v1/complaints", W.disp, "{\"category\":\"other\",\"order_id\":-1}", 400,
            "order_id");
    refused("POST", "/v1/complaints", W.disp, "{\"category\":\"other\",\"subject\":\"a\\nb\"}", 400,
            "subject");
    refused("GET", "/v1/complaints?status=open", W.disp, NULL, 400, "status");
    refused("GET", "/v1/complaints?limit=0", W.disp, NULL, 400, "limit");
    refused("GET", "/v1/ratings/summary?group_by=customer", W.disp, NULL, 400, "group_by");
    refused("GET", "/v1/feedback/stats?since=yesterday", W.disp, NULL, 400, "since");
    refused("POST", "/v1/complaints/0/resolve", W.disp, NULL, 400, "id");
    refused("POST", "/v1/complaints/99999/resolve", W.disp, NULL, 404, NULL);
    /* config: each bad part named; the stored configuration stays as it was */
    ok(&r, "GET", "/v1/config/feedback", W.admin, NULL, 200);
    char *before = cJSON_PrintUnformatted(r.json);
    http_test_resp_free(&r);
    refused("PUT", "/v1/config/feedback", W.admin, "{}", 400, "body");
    refused("PUT", "/v1/config/feedback", W.admin, "{\"settings\":{\"imminent_pct\":150}}", 400,
            "settings.imminent_pct");
    refused("PUT", "/v1/config/feedback", W.admin, "{\"settings\":{\"colour\":1}}", 400,
            "settings.colour");
    refused("PUT", "/v1/config/feedback", W.admin,
            "{\"settings\":{\"edit_window_s\":60},\"sla\":[{\"category\":\"any\",\"priority\":"
            "\"soon\",\"first_response_s\":60,\"resolution_s\":600}]}",
            400, "sla[0].priority");
    refused("PUT", "/v1/config/feedback", W.admin,
            "{\"settings\":{\"edit_window_s\":60},\"calendars\":[{\"depot_id\":\"\",\"tz\":"
            "\"Mars/Olympus\",\"hours\":\"mon-fri 09:00-18:00\"}]}",
            400, "tz");
    ok(&r, "GET", "/v1/config/feedback", W.admin, NULL, 200);
    char *after = cJSON_PrintUnformatted(r.json);
    http_test_resp_free(&r);
    assert_string_equal(before, after);
    cJSON_free(before);
    cJSON_free(after);
    /* a good change: settings, the SLA table and a depot calendar in one PUT */
    ok(&r, "PUT", "/v1/config/feedback", W.admin,
       "{\"settings\":{\"imminent_pct\":50},\"sla\":[{\"category\":\"any\",\"priority\":\"any\","
       "\"first_response_s\":3600,\"resolution_s\":7200}],\"calendars\":[{\"depot_id\":\"DEP\","
       "\"tz\":\"Europe/Paris\",\"hours\":\"mon-sat 08:00-20:00\",\"holidays\":\"2026-12-25\"}]}",
       200);
    assert_int_equal(num(get(r.json, "settings"), "imminent_pct"), 50);
    assert_int_equal(num(get(r.json, "settings"), "edit_window_s"), 86400);
    assert_int_equal(cJSON_GetArraySize(get(r.json, "sla")), 1);
    assert_string_equal(str(cJSON_GetArrayItem(get(r.json, "depot_calendars"), 0), "tz"),
                        "Europe/Paris");
    http_test_resp_free(&r);
    /* the analytics see the rating and the ticket */
    ok(&r, "GET", "/v1/ratings/summary?group_by=driver_id", W.disp, NULL, 200);
    const cJSON *g = cJSON_GetArrayItem(get(r.json, "groups"), 0);
    assert_string_equal(str(g, "key"), "D1");
    assert_int_equal(num(g, "count"), 1);
    assert_int_equal(num(g, "low"), 1);
    http_test_resp_free(&r);
    ok(&r, "GET", "/v1/feedback/stats", W.disp, NULL, 200);
    const cJSON *c = get(r.json, "complaints");
    assert_int_equal(num(c, "opened"), 1);
    assert_int_equal(num(c, "first_response_breached"), 1);
    http_test_resp_free(&r);
}

/* D1 delivers its next planned stop; its order's tracking token in token. */
static void deliver_next(char token[33]) {
    resp r;
    ok(&r, "GET", "/v1/driver/route", W.d1, NULL, 200);
    int64_t stop = 0, order = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, get(r.json, "stops")) {
        if (strcmp(str(s, "kind"), "delivery") || strcmp(str(s, "status"), "planned")) continue;
        stop = num(s, "id");
        order = num(s, "order_id");
        break;
    }
    http_test_resp_free(&r);
    assert_true(stop > 0);
    char p[128];
    snprintf(p, sizeof p, "/v1/driver/stops/%lld/arrived", (long long)stop);
    ok(&r, "POST", p, W.d1, NULL, 200);
    http_test_resp_free(&r);
    snprintf(p, sizeof p, "/v1/driver/stops/%lld/delivered", (long long)stop);
    ok(&r, "POST", p, W.d1, "{\"recipient\":\"A. N. Other\"}", 200);
    http_test_resp_free(&r);
    store_read *rd = NULL;
    store_order o;
    lm_errinfo err = {0};
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    OKE(store_order_get(rd, order, &o, &err), err);
    lm_strlcpy(token, o.tracking_token, 33);
    store_order_clear(&o);
    store_read_end(rd);
}

static void test_rating_edit_window_and_survey(void **state) {
    (void)state;
    char p[160], tok[33];
    resp r;
    /* the rating of the acceptance test: editable for 24 h after it was made, then frozen */
    snprintf(p, sizeof p, "/v1/track/%s/rating", TOKEN);
    ok(&r, "GET", p, NULL, NULL, 200);
    int64_t rating = num(r.json, "id");
    assert_true(cJSON_IsTrue(get(r.json, "editable")));
    http_test_resp_free(&r);
    snprintf(p, sizeof p, "/v1/track/%s/rating/%lld", TOKEN, (long long)rating);
    ok(&r, "PATCH", p, NULL, "{\"comment\":\"late, but the driver was kind\"}", 200);
    assert_int_equal(num(r.json, "score"), 2); /* kept: the PATCH did not name it */
    assert_int_equal(num(r.json, "edits"), 1);
    const cJSON *tag0 = cJSON_GetArrayItem(get(r.json, "tags"), 0);
    assert_true(cJSON_IsString(tag0));
    assert_string_equal(tag0->valuestring, "late");
    http_test_resp_free(&r);
    snprintf(p, sizeof p, "/v1/track/%s/rating/%lld", OTHER_TOKEN, (long long)rating);
    refused("PATCH", p, NULL, "{\"score\":5}", 404, "rating_id");
    now_ms = T0_MS + 24 * HOUR_MS;
    snprintf(p, sizeof p, "/v1/track/%s/rating/%lld", TOKEN, (long long)rating);
    refused("PATCH", p, NULL, "{\"score\":5}", 409, "rating_id");

    /* surveys on (NPS): the next delivery is asked one by the tick, by webhook */
    ok(&r, "PUT", "/v1/config/feedback", W.admin, "{\"settings\":{\"survey_kind\":\"nps\"}}", 200);
    http_test_resp_free(&r);
    int64_t asked = events("survey.requested");
    deliver_next(tok);
    snprintf(p, sizeof p, "/v1/track/%s/survey", tok);
    refused("GET", p, NULL, NULL, 404, "survey");
    tick();
    assert_int_equal(events("survey.requested"), asked + 1);
    assert_true(hook_receiver_wait(&H, last_of("survey.requested")));
    ok(&r, "GET", p, NULL, NULL, 200);
    assert_string_equal(str(r.json, "kind"), "nps");
    assert_int_equal(num(r.json, "max"), 10);
    assert_true(cJSON_IsNull(get(r.json, "score")));
    http_test_resp_free(&r);
    refused("POST", p, NULL, "{\"score\":11}", 400, "score");
    refused("POST", p, NULL, "{\"score\":9,\"stars\":1}", 400, "stars");
    /* a \u0000 escape would cut the comment short: refused at the edge, on "body" */
    refused("POST", p, NULL, "{\"score\":9,\"comment\":\"ok\\u0000\"}", 400, "body");
    ok(&r, "POST", p, NULL, "{\"score\":9,\"comment\":\"great\"}", 200);
    assert_int_equal(num(r.json, "score"), 9);
    http_test_resp_free(&r);
    refused("POST", p, NULL, "{\"score\":3}", 409, "survey");
    ok(&r, "GET", "/v1/feedback/stats", W.disp, NULL, 200);
    const cJSON *nps = get(get(r.json, "surveys"), "nps");
    assert_int_equal(num(nps, "answered"), 1);
    assert_int_equal(num(nps, "nps"), 100);
    http_test_resp_free(&r);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rating_bad_inputs_change_nothing),
        cmocka_unit_test(test_acceptance_low_rating_to_closed_ticket),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_staff_bad_inputs_and_config),
        cmocka_unit_test(test_rating_edit_window_and_survey),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
