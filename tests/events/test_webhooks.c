/* Webhook delivery (events/webhooks.c) against an in-test receiver on 127.0.0.1, without the
 * HTTP server: every event POSTed in order with X-Lastmile-Signature = t=<unix>,v1=HMAC(secret,
 * "t.body"), retried with backoff after the receiver fails, and not lost across a sender restart
 * (the cursor is in the store: events committed while no sender ran, or while the receiver was
 * failing, are delivered by the next sender). */
#include "events/events.h"
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
#include <unistd.h>

#include <cmocka.h>

#define SECRET "s3cret-for-tests"

static hook_receiver R;

typedef struct world {
    tmp_db tmp;
    store *s;
    events_webhooks *w;
} world;

static world W;

/* The store's commit hook, as the server wires it: the sender looks for work. */
static void on_events(void *ctx, int64_t last_seq) {
    events_webhooks_notify(ctx, last_seq);
}

static void sender_start(void) {
    lm_errinfo err;
    events_webhooks_opts o;
    events_webhooks_opts_init(&o);
    /* the receiver is on loopback, which only an operator's allow-list opens */
    assert_int_equal(events_netguard_allow(&o.guard, "127.0.0.1/32", &err), LM_OK);
    assert_int_equal(events_webhooks_start(W.s, &o, &W.w, &err), LM_OK);
    store_set_event_hook(W.s, on_events, W.w);
}

static void sender_stop(void) {
    store_set_event_hook(W.s, NULL, NULL);
    events_webhooks_stop(W.w);
    W.w = NULL;
}

/* Appends one event straight to the log; returns the log's last seq. */
static int64_t make_event(const char *type) {
    return tmp_db_append_event(W.s, type);
}

static int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    assert_int_equal(hook_receiver_start(&R, SECRET), 0);
    assert_int_equal(tmp_db_create(&W.tmp, "lm-events-hooks-"), 0);
    assert_int_equal(tmp_db_store_open(&W.tmp, 4, &W.s), 0);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", (unsigned)R.port);
    store_tx *tx = NULL;
    store_webhook h;
    lm_errinfo err;
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    assert_int_equal(store_webhook_create(tx, url, SECRET, "", &h, &err), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    sender_start();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    if (W.w) sender_stop();
    store_close(W.s);
    hook_receiver_stop(&R);
    tmp_db_remove(&W.tmp);
    return 0;
}

static void test_delivered_signed_in_order(void **state) {
    (void)state;
    int64_t a = make_event("test.one"), b = make_event("test.two"), c = make_event("test.three");
    assert_true(hook_receiver_wait(&R, a) && hook_receiver_wait(&R, b) &&
                hook_receiver_wait(&R, c));
    pthread_mutex_lock(&R.mu);
    int64_t prev = 0;
    for (int k = 0; k < R.n_got; k++) {
        assert_true(R.got[k].sig_ok);
        assert_true(R.got[k].seq > prev); /* in order, each once */
        prev = R.got[k].seq;
    }
    assert_string_equal(R.got[R.n_got - 1].type, "test.three");
    pthread_mutex_unlock(&R.mu);
}

static void test_retried_after_failures(void **state) {
    (void)state;
    pthread_mutex_lock(&R.mu);
    R.fail_next = 3;
    int attempts0 = R.attempts;
    pthread_mutex_unlock(&R.mu);
    int64_t s = make_event("test.retry");
    assert_true(hook_receiver_wait(&R, s)); /* backoff 0.5 + 1 + 2 s, then accepted */
    pthread_mutex_lock(&R.mu);
    assert_true(R.attempts - attempts0 >= 4);
    assert_true(R.got[R.n_got - 1].sig_ok);
    pthread_mutex_unlock(&R.mu);
    /* the failures were recorded on the webhook and cleared by the success; the sender stores
     * the cursor after the receiver answered, so poll for it (generous deadline, no fixed sleep) */
    store_webhook *hooks = NULL;
    size_t n = 0;
    for (int tries = 0; tries < 600; tries++) { /* up to 60 s */
        store_read *r = NULL;
        lm_errinfo err;
        lm_free(hooks);
        hooks = NULL;
        assert_int_equal(store_read_begin(W.s, &r), LM_OK);
        assert_int_equal(store_webhook_list(r, &hooks, &n, &err), LM_OK);
        store_read_end(r);
        assert_int_equal(n, 1);
        if (hooks[0].cursor_seq == s && hooks[0].attempts == 0) break;
        usleep(100 * 1000); /* timing-ok: poll, 60 s deadline */
    }
    assert_int_equal(hooks[0].cursor_seq, s);
    assert_int_equal(hooks[0].attempts, 0);
    lm_free(hooks);
}

static void test_not_lost_across_restart(void **state) {
    (void)state;
    /* the receiver is down: events pile up behind the stored cursor */
    pthread_mutex_lock(&R.mu);
    R.down = true;
    pthread_mutex_unlock(&R.mu);
    pthread_mutex_lock(&R.mu);
    int attempts0 = R.attempts;
    pthread_mutex_unlock(&R.mu);
    int64_t a = make_event("test.while_down");
    /* the sender has tried (and been refused) before it stops: polled, 15 s deadline */
    bool tried = false;
    for (int i = 0; i < 300 && !tried; i++) {
        pthread_mutex_lock(&R.mu);
        tried = R.attempts > attempts0;
        pthread_mutex_unlock(&R.mu);
        if (!tried) usleep(50 * 1000); /* timing-ok: poll, 15 s deadline */
    }
    assert_true(tried);
    sender_stop();
    /* committed while no sender runs at all */
    int64_t b = make_event("test.while_stopped");
    pthread_mutex_lock(&R.mu);
    R.down = false;
    pthread_mutex_unlock(&R.mu);
    sender_start();
    assert_true(hook_receiver_wait(&R, a));
    assert_true(hook_receiver_wait(&R, b));
    pthread_mutex_lock(&R.mu);
    for (int k = 0; k < R.n_got; k++)
        assert_true(R.got[k].sig_ok);
    pthread_mutex_unlock(&R.mu);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delivered_signed_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retried_after_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_lost_across_restart, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
