/* Webhook delivery under attack, against the real sender (events/webhooks.c), a real store and
 * an in-test receiver on 127.0.0.1:
 *   - a webhook stored without the creation check (older data, or a name that resolved to a
 *     public address then) whose host now resolves to loopback is refused at delivery, the
 *     reason recorded, and the receiver sees nothing; allow-listed, the same name is delivered
 *     (through the pinned address);
 *   - a redirect is not followed; URL credentials go out as Basic auth and are sealed at rest;
 *   - a captured delivery replayed after the tolerance is refused by the verifier;
 *   - a receiver that does not answer holds one worker: another webhook gets all its events
 *     meanwhile;
 *   - 1,500 webhooks each get their delivery. */
#include "events/events.h"
#include "events/internal.h"
#include "store/store_positions.h"
#include "tests/support/hook_receiver.h"
#include "tests/support/tmp_db.h"

#include <curl/curl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cmocka.h>

#define SECRET "delivery-secret-1"

static hook_receiver R;

typedef struct world {
    tmp_db tmp;
    store *s;
    events_webhooks *w;
} world;

static world W;

static void on_events(void *ctx, int64_t last_seq) {
    events_webhooks_notify(ctx, last_seq);
}

/* Starts the sender with allow (NULL: nothing allow-listed), workers and a delivery timeout. */
static void sender_start(const char *allow, unsigned workers, int64_t timeout_ms) {
    events_webhooks_opts o;
    events_webhooks_opts_init(&o);
    o.workers = workers;
    o.timeout_ms = timeout_ms;
    lm_errinfo err;
    assert_int_equal(events_netguard_allow(&o.guard, allow, &err), LM_OK);
    assert_int_equal(events_webhooks_start(W.s, &o, &W.w, &err), LM_OK);
    store_set_event_hook(W.s, on_events, W.w);
}

static int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    assert_int_equal(hook_receiver_start(&R, SECRET), 0);
    assert_int_equal(tmp_db_create(&W.tmp, "lm-sec-hooks-"), 0);
    assert_int_equal(tmp_db_store_open(&W.tmp, 4, &W.s), 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    hook_receiver_hold(&R, false);
    store_set_event_hook(W.s, NULL, NULL);
    events_webhooks_stop(W.w);
    store_close(W.s);
    hook_receiver_stop(&R);
    tmp_db_remove(&W.tmp);
    return 0;
}

/* Stores a webhook as it is, bypassing the creation check; returns its id. */
static int64_t hook_raw(const char *url) {
    store_tx *tx = NULL;
    store_webhook h;
    lm_errinfo err;
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    assert_int_equal(store_webhook_create(tx, url, SECRET, "", &h, &err), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    return h.id;
}

/* Registers a webhook through the checked path (sealed secret); returns its id. */
static int64_t hook_checked(const char *url) {
    store_tx *tx = NULL;
    store_webhook h;
    events_webhook_created info;
    lm_errinfo err;
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    lm_status rc = events_webhook_create(W.w, tx, url, SECRET, &h, &info, &err);
    if (rc != LM_OK) fail_msg("%s: %s %s", url, err.field, err.message);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    return h.id;
}

/* Appends one event straight to the log; returns the log's last seq. */
static int64_t make_event(const char *type) {
    return tmp_db_append_event(W.s, type);
}

static store_webhook hook_get(int64_t id) {
    store_read *r = NULL;
    store_webhook h;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    assert_int_equal(store_webhook_get(r, id, &h, &err), LM_OK);
    store_read_end(r);
    return h;
}

/* Waits (bounded: 300 x 50 ms) until webhook id has recorded a failed attempt. */
static store_webhook wait_failure(int64_t id) {
    for (int i = 0; i < 300; i++) {
        store_webhook h = hook_get(id);
        if (h.attempts > 0) return h;
        usleep(50 * 1000); /* timing-ok: poll, bounded loop */
    }
    fail_msg("webhook %lld recorded no failed attempt", (long long)id);
    return hook_get(id);
}

static int count_locked(int (*get)(void)) {
    pthread_mutex_lock(&R.mu);
    int n = get();
    pthread_mutex_unlock(&R.mu);
    return n;
}
static int n_got(void) {
    return R.n_got;
}
static int n_slow(void) {
    return R.n_slow;
}
static int n_attempts(void) {
    return R.attempts;
}

static void test_resolved_loopback_refused_at_delivery(void **state) {
    (void)state;
    sender_start(NULL, 2, 5000);
    char url[128];
    /* "localhost" is looked up (the resolver, /etc/hosts) at each delivery: loopback */
    snprintf(url, sizeof url, "http://localhost:%u/hook", (unsigned)R.port);
    int64_t id = hook_raw(url);
    make_event("test.ssrf");
    store_webhook h = wait_failure(id);
    if (!strstr(h.last_error, "loopback"))
        fail_msg("last_error \"%s\" does not name loopback", h.last_error);
    assert_true(h.next_attempt_ms > 0); /* backing off, not hammering */
    assert_int_equal(count_locked(n_attempts), 0);
    assert_int_equal(count_locked(n_got), 0);
}

static void test_allow_listed_name_is_delivered(void **state) {
    (void)state;
    sender_start("127.0.0.0/8, ::1", 2, 5000);
    char url[128];
    snprintf(url, sizeof url, "http://localhost:%u/hook", (unsigned)R.port);
    hook_checked(url);
    int64_t s = make_event("test.allowed");
    assert_true(hook_receiver_wait(&R, s));
    pthread_mutex_lock(&R.mu);
    assert_true(R.got[R.n_got - 1].sig_ok);
    pthread_mutex_unlock(&R.mu);
}

static void test_redirect_not_followed(void **state) {
    (void)state;
    sender_start("127.0.0.1", 2, 5000);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/redirect", (unsigned)R.port);
    int64_t id = hook_checked(url);
    make_event("test.redirect");
    store_webhook h = wait_failure(id);
    assert_non_null(strstr(h.last_error, "redirect"));
    pthread_mutex_lock(&R.mu);
    assert_true(R.redirects >= 1);
    assert_int_equal(R.attempts, 0); /* /hook, where the redirect pointed, was never asked */
    pthread_mutex_unlock(&R.mu);
}

static void test_credentials_sent_not_stored(void **state) {
    (void)state;
    sender_start("127.0.0.1", 2, 5000);
    char url[160];
    snprintf(url, sizeof url, "http://hook-user:p%%40ss-w0rd@127.0.0.1:%u/hook", (unsigned)R.port);
    int64_t id = hook_checked(url);
    store_webhook h = hook_get(id);
    assert_null(strstr(h.url, "p%40ss"));
    assert_null(strstr(h.url, "hook-user"));
    assert_null(strstr(h.auth, "p%40ss"));
    assert_null(strstr(h.secret, SECRET));
    int64_t s = make_event("test.auth");
    assert_true(hook_receiver_wait(&R, s));
    pthread_mutex_lock(&R.mu);
    /* base64("hook-user:p@ss-w0rd") */
    assert_string_equal(R.last_auth, "Basic aG9vay11c2VyOnBAc3MtdzByZA==");
    pthread_mutex_unlock(&R.mu);
}

/* A row an older build wrote (secret in clear, password inside the URL) is sealed when the
 * sender starts, and still delivered. */
static void test_legacy_rows_sealed_at_start(void **state) {
    (void)state;
    char url[160];
    snprintf(url, sizeof url, "http://old-user:old-pass@127.0.0.1:%u/hook", (unsigned)R.port);
    int64_t id = hook_raw(url);
    sender_start("127.0.0.1", 2, 5000);
    store_webhook h = hook_get(id);
    assert_null(strstr(h.url, "old-pass"));
    assert_null(strstr(h.auth, "old-pass"));
    assert_null(strstr(h.secret, SECRET));
    assert_non_null(strstr(h.url, "/hook"));
    int64_t s = make_event("test.legacy");
    assert_true(hook_receiver_wait(&R, s));
    pthread_mutex_lock(&R.mu);
    assert_true(R.got[R.n_got - 1].sig_ok);
    assert_string_equal(R.last_auth, "Basic b2xkLXVzZXI6b2xkLXBhc3M="); /* old-user:old-pass */
    pthread_mutex_unlock(&R.mu);
}

static void test_replayed_signature_refused(void **state) {
    (void)state;
    sender_start("127.0.0.1", 2, 5000);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", (unsigned)R.port);
    hook_checked(url);
    int64_t s = make_event("test.captured");
    assert_true(hook_receiver_wait(&R, s));
    char sig[160], body[4096];
    pthread_mutex_lock(&R.mu);
    lm_strlcpy(sig, R.last_sig, sizeof sig);
    lm_strlcpy(body, R.last_body, sizeof body);
    pthread_mutex_unlock(&R.mu);
    int64_t t = 0;
    assert_int_equal(sscanf(sig, "t=%ld,", &t), 1);
    lm_errinfo err;
    /* what the receiver saw verifies at the time it was sent ... */
    assert_int_equal(
        events_signature_verify(SECRET, sig, body, strlen(body), t, EVENTS_SIG_TOLERANCE_S, &err),
        LM_OK);
    /* ... and the same bytes replayed later than the tolerance are refused */
    assert_int_equal(events_signature_verify(SECRET, sig, body, strlen(body),
                                             t + EVENTS_SIG_TOLERANCE_S + 1, EVENTS_SIG_TOLERANCE_S,
                                             &err),
                     LM_UNAUTHORIZED);
    assert_non_null(strstr(err.message, "tolerance"));
    /* a replay with a fresh timestamp pasted in no longer matches the HMAC */
    char forged[200];
    snprintf(forged, sizeof forged, "t=%ld%s", (long)(t + 1000), strchr(sig, ','));
    assert_int_equal(events_signature_verify(SECRET, forged, body, strlen(body), t + 1000,
                                             EVENTS_SIG_TOLERANCE_S, &err),
                     LM_UNAUTHORIZED);
    assert_non_null(strstr(err.message, "does not match"));
}

/* The verifier on its own: formats, tolerance both ways, rotation, tampering. */
static void test_signature_verifier(void **state) {
    (void)state;
    const char *body = "{\"seq\":7}";
    char sig[EVENTS_SIG_HEADER_MAX], two[300];
    events_signature_make("k1-secret", 1000000, body, strlen(body), sig);
    /* known answer, from Python's hmac (the recipe of docs/webhooks.md) */
    assert_string_equal(
        sig, "t=1000000,v1=3c8cac638bd3d890c35d73dc6633089a65ba9b4bca27a2a4d9090399aa96957e");
    lm_errinfo err;
    struct {
        const char *header, *secret, *body;
        int64_t now;
        lm_status want;
    } cases[] = {
        {sig, "k1-secret", body, 1000000, LM_OK},
        {sig, "k1-secret", body, 1000000 + 300, LM_OK},
        {sig, "k1-secret", body, 1000000 + 301, LM_UNAUTHORIZED},
        {sig, "k1-secret", body, 1000000 - 301, LM_UNAUTHORIZED},
        {sig, "other-secret", body, 1000000, LM_UNAUTHORIZED},
        {sig, "k1-secret", "{\"seq\":8}", 1000000, LM_UNAUTHORIZED},
        {"", "k1-secret", body, 1000000, LM_UNAUTHORIZED},
        {"v1=00", "k1-secret", body, 1000000, LM_UNAUTHORIZED},
        {"t=1000000", "k1-secret", body, 1000000, LM_UNAUTHORIZED},
        {"t=abc,v1=00", "k1-secret", body, 1000000, LM_UNAUTHORIZED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lm_status got = events_signature_verify(cases[i].secret, cases[i].header, cases[i].body,
                                                strlen(cases[i].body), cases[i].now, 300, &err);
        if (got != cases[i].want)
            fail_msg("case %zu: got %s want %s (%s)", i, lm_status_name(got),
                     lm_status_name(cases[i].want), err.message);
    }
    /* two v1 entries (a receiver rotating secrets): either matching secret verifies */
    char old[EVENTS_SIG_HEADER_MAX];
    events_signature_make("k0-secret", 1000000, body, strlen(body), old);
    snprintf(two, sizeof two, "%s,%s", sig, strchr(old, ',') + 1);
    assert_int_equal(
        events_signature_verify("k0-secret", two, body, strlen(body), 1000000, 300, &err), LM_OK);
}

/* The connection goes to the checked address, whatever the name resolves to at connect time:
 * "localhost" pinned to 127.0.0.2 (where nothing listens) fails even though the resolver says
 * 127.0.0.1, where the receiver is; and a literal host curl would reach directly is refused by
 * the socket check when it is not the checked address. */
static void test_connection_pinned_to_checked_address(void **state) {
    (void)state;
    CURL *c = curl_easy_init();
    assert_non_null(c);
    atomic_bool stop;
    atomic_init(&stop, false);
    events__post_opts po = {5000, 2000, &stop};
    events__target t;
    memset(&t, 0, sizeof t);
    lm_strlcpy(t.secret, SECRET, sizeof t.secret);
    char url[128], why[256];
    lm_errinfo err;
    store_event ev = {.seq = 1, .time_ms = 1, .type = "test.pin", .entity = "test"};
    struct sockaddr_in *a = (struct sockaddr_in *)(void *)&t.addr;
    a->sin_family = AF_INET;
    a->sin_port = htons(R.port);
    /* a name: resolution is not consulted again, the pin wins */
    snprintf(url, sizeof url, "http://localhost:%u/hook", (unsigned)R.port);
    assert_int_equal(events_url_parse(url, &t.url, &err), LM_OK);
    inet_pton(AF_INET, "127.0.0.2", &a->sin_addr);
    assert_int_not_equal(events__post(c, &t, 1, &ev, &po, why, sizeof why), LM_OK);
    assert_int_equal(count_locked(n_attempts), 0);
    inet_pton(AF_INET, "127.0.0.1", &a->sin_addr);
    assert_int_equal(events__post(c, &t, 1, &ev, &po, why, sizeof why), LM_OK);
    assert_int_equal(count_locked(n_attempts), 1);
    /* a literal that is not the checked address: the socket check refuses it */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", (unsigned)R.port);
    assert_int_equal(events_url_parse(url, &t.url, &err), LM_OK);
    inet_pton(AF_INET, "127.0.0.2", &a->sin_addr);
    assert_int_equal(events__post(c, &t, 1, &ev, &po, why, sizeof why), LM_INVALID);
    assert_non_null(strstr(why, "checked address"));
    assert_int_equal(count_locked(n_attempts), 1);
    curl_easy_cleanup(c);
}

static void test_slow_receiver_does_not_delay_another(void **state) {
    (void)state;
    /* long timeout: the slow receiver is held, not timed out, for as long as the test needs */
    sender_start("127.0.0.1", 2, 60000);
    hook_receiver_hold(&R, true);
    char slow[128], fast[128];
    snprintf(slow, sizeof slow, "http://127.0.0.1:%u/slow", (unsigned)R.port);
    snprintf(fast, sizeof fast, "http://127.0.0.1:%u/hook", (unsigned)R.port);
    hook_checked(slow);
    hook_checked(fast);
    int64_t seqs[5];
    for (int i = 0; i < 5; i++)
        seqs[i] = make_event("test.hol");
    /* every event reaches the fast receiver while the slow one still holds its first */
    for (int i = 0; i < 5; i++)
        assert_true(hook_receiver_wait(&R, seqs[i]));
    pthread_mutex_lock(&R.mu);
    int held = R.held, slow_done = R.n_slow;
    pthread_mutex_unlock(&R.mu);
    assert_int_equal(slow_done, 0);
    assert_true(held <= 1); /* one delivery in flight per webhook, never more */
    /* released, the slow one gets all five, in order, each once */
    hook_receiver_hold(&R, false);
    for (int i = 0; i < 300 && count_locked(n_slow) < 5; i++)
        usleep(50 * 1000); /* timing-ok: poll, bounded loop */
    pthread_mutex_lock(&R.mu);
    assert_int_equal(R.n_slow, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(R.slow_got[i].seq, seqs[i]);
        assert_true(R.slow_got[i].sig_ok);
    }
    pthread_mutex_unlock(&R.mu);
}

/* Many webhooks on one unresponsive receiver (one host and port) hold at most per_endpoint
 * workers: a webhook on another receiver is served meanwhile. With per_endpoint as large as the
 * pool, the six held webhooks would take every worker and this test fails. */
static void test_tarpit_with_many_webhooks_does_not_starve_another(void **state) {
    (void)state;
    hook_receiver other;
    assert_int_equal(hook_receiver_start(&other, SECRET), 0);
    events_webhooks_opts o;
    events_webhooks_opts_init(&o);
    o.workers = 4;
    o.per_endpoint = 2;
    o.timeout_ms = 60000;
    lm_errinfo err;
    assert_int_equal(events_netguard_allow(&o.guard, "127.0.0.1", &err), LM_OK);
    assert_int_equal(events_webhooks_start(W.s, &o, &W.w, &err), LM_OK);
    store_set_event_hook(W.s, on_events, W.w);
    hook_receiver_hold(&R, true);
    char url[128];
    for (int i = 0; i < 6; i++) {
        snprintf(url, sizeof url, "http://127.0.0.1:%u/slow%d", (unsigned)R.port, i);
        hook_checked(url);
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", (unsigned)other.port);
    hook_checked(url);
    int64_t seqs[3];
    for (int i = 0; i < 3; i++)
        seqs[i] = make_event("test.tarpit");
    bool all = true;
    for (int i = 0; i < 3; i++)
        all &= hook_receiver_wait(&other, seqs[i]);
    pthread_mutex_lock(&R.mu);
    int held = R.held, done = R.n_slow;
    pthread_mutex_unlock(&R.mu);
    hook_receiver_hold(&R, false);
    /* the held ones all get their events once released */
    for (int i = 0; i < 600 && count_locked(n_slow) < 18; i++)
        usleep(50 * 1000); /* timing-ok: poll, 30 s deadline */
    int slow_total = count_locked(n_slow);
    store_set_event_hook(W.s, NULL, NULL);
    events_webhooks_stop(W.w);
    W.w = NULL;
    hook_receiver_stop(&other);
    assert_true(all);
    assert_int_equal(done, 0);
    if (held > 2) fail_msg("%d deliveries held at one endpoint, limit 2", held);
    assert_int_equal(slow_total, 18);
}

static void test_many_webhooks_all_served(void **state) {
    (void)state;
    enum { N = 1500 };
    sender_start("127.0.0.1", 8, 5000);
    store_tx *tx = NULL;
    lm_errinfo err;
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    for (int k = 0; k < N; k++) {
        char url[128];
        store_webhook h;
        events_webhook_created info;
        snprintf(url, sizeof url, "http://127.0.0.1:%u/n/%d", (unsigned)R.port, k);
        assert_int_equal(events_webhook_create(W.w, tx, url, SECRET, &h, &info, &err), LM_OK);
    }
    assert_int_equal(store_tx_commit(tx), LM_OK);
    make_event("test.fanout");
    /* bounded: up to 2,400 x 50 ms for all 1,500 */
    int missing = N;
    for (int i = 0; i < 2400 && missing; i++) {
        usleep(50 * 1000); /* timing-ok: poll, bounded loop */
        pthread_mutex_lock(&R.mu);
        missing = 0;
        for (int k = 0; k < N; k++)
            missing += R.path_count[k] == 0;
        pthread_mutex_unlock(&R.mu);
    }
    pthread_mutex_lock(&R.mu);
    int dup = 0;
    for (int k = 0; k < N; k++)
        dup += R.path_count[k] > 1;
    int bad = R.path_bad;
    pthread_mutex_unlock(&R.mu);
    if (missing) fail_msg("%d of %d webhooks got no delivery", missing, N);
    assert_int_equal(bad, 0);
    assert_int_equal(dup, 0);
    /* paging reaches every one of them (the old listing stopped at 1,000) */
    store_read *r = NULL;
    store_webhook *page = NULL;
    size_t n = 0, total = 0;
    int64_t after = 0;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    do {
        assert_int_equal(store_webhook_page(r, after, 1000, &page, &n, &err), LM_OK);
        total += n;
        if (n) after = page[n - 1].id;
        lm_free(page);
        page = NULL;
    } while (n == 1000);
    store_read_end(r);
    assert_int_equal(total, N);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resolved_loopback_refused_at_delivery, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_allow_listed_name_is_delivered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redirect_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials_sent_not_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_rows_sealed_at_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replayed_signature_refused, setup, teardown),
        cmocka_unit_test(test_signature_verifier),
        cmocka_unit_test_setup_teardown(test_connection_pinned_to_checked_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_receiver_does_not_delay_another, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tarpit_with_many_webhooks_does_not_starve_another,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_webhooks_all_served, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
