/* tests/notify/test_notify_delivery.c: notifications end to end against real servers on
 * 127.0.0.1: Debian's aiosmtpd (mails land in a maildir) and a loopback HTTP SMS gateway. Orders
 * go in through orders/, a van's day through dispatch/; notify/ ticks on a test clock, so quiet
 * hours and backoff are exact without sleeping. */
#include "returns/returns.h"
#include "tests/notify/nt_world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

static nt_proc smtp, gw, gw_down;
static char dir[64];

static int servers_up(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/lm-notify-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    nt_smtp_start(&smtp, dir);
    nt_gateway_start(&gw, dir, "gateway", 200);
    nt_gateway_start(&gw_down, dir, "gateway-down", 503);
    return 0;
}

static int servers_down(void **state) {
    (void)state;
    nt_proc_stop(&smtp);
    nt_proc_stop(&gw);
    nt_proc_stop(&gw_down);
    char cmd[128];
    snprintf(cmd, sizeof cmd, getenv("NT_KEEP") ? "true %s" : "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void link_of(const nt_world *w, int64_t order_id, char *out, size_t cap) {
    for (int i = 0; i < NT_ORDERS; i++)
        if (w->order_ids[i] == order_id)
            snprintf(out, cap, "https://track.test/t#%.*s", (int)sizeof w->tokens[i] - 1,
                     w->tokens[i]);
}

/* The status of order_id's message of kind on channel, "" when there is none. */
static const char *status_of(nt_world *w, int64_t order_id, const char *kind, const char *ch) {
    static char status[16];
    store_nt_message *m = NULL;
    size_t n = nt_messages(w, order_id, &m);
    status[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!strcmp(m[i].kind, kind) && !strcmp(m[i].channel, ch))
            lm_strlcpy(status, m[i].status, sizeof status);
    lm_free(m);
    return status;
}

/* An order's day: confirmed, out for delivery, next stop, delivered, by e-mail through the SMTP
 * server and by SMS through the gateway, each with the order's tracking link; a restart sends
 * nothing twice. */
static void test_order_journey(void **state) {
    (void)state;
    notify_opts o;
    nt_opts(&o, &smtp, &gw);
    nt_world w;
    nt_world_setup(&w, "ntjourney", &o);
    size_t mails0 = nt_mail_count(&smtp, NULL), sms0 = nt_gateway_count(&gw, NULL);
    size_t subjects0 = nt_mail_count(&smtp, "Subject: Order shop-");
    notify_tick_result res = nt_tick(&w);
    assert_int_equal(res.queued, 2 * NT_ORDERS); /* order_confirmed, both channels */
    assert_int_equal(res.sent, 2 * NT_ORDERS);
    assert_int_equal(nt_mail_count(&smtp, NULL) - mails0, NT_ORDERS);
    assert_int_equal(nt_gateway_count(&gw, NULL) - sms0, NT_ORDERS);
    for (int i = 0; i < NT_ORDERS; i++) {
        char link[96], to[64];
        snprintf(link, sizeof link, "https://track.test/t#%s", w.tokens[i]);
        snprintf(to, sizeof to, "To: customer%d@example.test", i);
        assert_int_equal(nt_mail_count(&smtp, link), 1);
        assert_int_equal(nt_mail_count(&smtp, to), 1);
        assert_int_equal(nt_gateway_count(&gw, w.tokens[i]), 1); /* the link, form-encoded */
    }
    /* the gateway got Twilio's form shape with the configured Authorization header */
    assert_int_equal(nt_gateway_count(&gw, "To=%2B3361000000"), NT_ORDERS);
    assert_int_equal(nt_gateway_count(&gw, "\"authorization\": \"Bearer gateway-token-1\""),
                     NT_ORDERS);
    assert_int_equal(nt_mail_count(&smtp, "Subject: Order shop-") - subjects0, NT_ORDERS);

    nt_deliver(&w, 0); /* starts the route: every order out for delivery, stop 0 delivered */
    res = nt_tick(&w);
    assert_int_equal(res.sent, 2 * (NT_ORDERS + 2)); /* out for delivery x4, delivered, next */
    int64_t first = w.stop_orders[0], second = w.stop_orders[1];
    assert_string_equal(status_of(&w, first, "out_for_delivery", "email"), "sent");
    assert_string_equal(status_of(&w, first, "delivered", "email"), "sent");
    assert_string_equal(status_of(&w, first, "delivered", "sms"), "sent");
    assert_string_equal(status_of(&w, second, "next_stop", "sms"), "sent");
    assert_string_equal(status_of(&w, second, "next_stop", "email"), "sent");
    assert_string_equal(status_of(&w, first, "next_stop", "email"), ""); /* already served */
    char link[96];
    link_of(&w, first, link, sizeof link);
    assert_int_equal(nt_mail_count(&smtp, link), 3);
    assert_int_equal(nt_gateway_count(&gw, strchr(link, '#') + 1), 3);
    /* every message in the log carries its order's tracking link */
    store_nt_message *m = NULL;
    size_t n = nt_messages(&w, 0, &m);
    assert_int_equal(n, 2 * (2 * NT_ORDERS + 2));
    for (size_t i = 0; i < n; i++) {
        link_of(&w, m[i].order_id, link, sizeof link);
        assert_non_null(strstr(m[i].body, link));
    }
    lm_free(m);

    /* a restart reads on from its cursor: nothing is queued or sent twice */
    size_t mails = nt_mail_count(&smtp, NULL), sms = nt_gateway_count(&gw, NULL);
    nt_world_restart(&w);
    res = nt_tick(&w);
    assert_int_equal(res.queued + res.sent, 0);
    assert_int_equal(nt_messages(&w, 0, &m), n);
    lm_free(m);
    assert_int_equal(nt_mail_count(&smtp, NULL), mails);
    assert_int_equal(nt_gateway_count(&gw, NULL), sms);
    nt_world_teardown(&w);
}

/* An opt-out through the customer's choice suppresses that channel (logged as suppressed), for
 * every later message, while the other channel still goes out. */
static void test_optout_suppresses(void **state) {
    (void)state;
    notify_opts o;
    nt_opts(&o, &smtp, &gw);
    nt_world w;
    nt_world_setup(&w, "ntoptout", &o);
    nt_tick(&w);
    int64_t second = w.stop_orders[1];
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    assert_int_equal(store_tx_begin(w.s, &tx), LM_OK);
    notify_prefs_change c = {.email_set = true, .email_off = true};
    NT_OK(notify_prefs_put(tx, second, &c, nt_now_ms, &err), err);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    store_read *r = NULL;
    assert_int_equal(store_read_begin(w.s, &r), LM_OK);
    notify_prefs p;
    NT_OK(notify_prefs_get(r, second, &p, &err), err);
    store_read_end(r);
    assert_true(p.has_email && p.email_off && p.has_sms && !p.sms_off);

    char link[96];
    link_of(&w, second, link, sizeof link);
    const char *token = strchr(link, '#') + 1;
    size_t mails = nt_mail_count(&smtp, link), sms = nt_gateway_count(&gw, token);
    nt_deliver(&w, 0);
    nt_deliver(&w, 1);
    /* read after both deliveries: the second customer is past being "next" (no such message) */
    notify_tick_result res = nt_tick(&w);
    assert_int_equal(res.suppressed, 2); /* out for delivery, delivered */
    assert_string_equal(status_of(&w, second, "delivered", "email"), "suppressed");
    assert_string_equal(status_of(&w, second, "delivered", "sms"), "sent");
    assert_int_equal(nt_mail_count(&smtp, link), mails);
    assert_int_equal(nt_gateway_count(&gw, token), sms + 2);
    assert_string_equal(status_of(&w, second, "next_stop", "sms"), "");
    nt_world_teardown(&w);
}

/* Quiet hours in the depot's own zone (Paris, UTC+1 in March) hold messages written at night
 * until the span ends there, 07:00 UTC, then send them: deferred, never dropped. */
static void test_quiet_hours_defer(void **state) {
    (void)state;
    notify_opts o;
    nt_opts(&o, &smtp, &gw);
    nt_world w;
    nt_world_setup(&w, "ntquiet", &o);
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    notify_settings set = {.eta_threshold_s = 900, .n_quiet = 1};
    set.quiet[0] = (store_nt_quiet){.depot_id = "DEP", .start_min = 21 * 60, .end_min = 8 * 60};
    lm_strlcpy(set.quiet[0].tz, "Europe/Paris", sizeof set.quiet[0].tz);
    assert_int_equal(store_tx_begin(w.s, &tx), LM_OK);
    NT_OK(notify_settings_put(tx, &set, &err), err);
    assert_int_equal(store_tx_commit(tx), LM_OK);

    int64_t night = INT64_C(1773784800) * 1000;   /* Tue 2026-03-17 22:00 UTC = 23:00 Paris */
    int64_t release = INT64_C(1773817200) * 1000; /* Wed 07:00 UTC = 08:00 Paris */
    nt_now_ms = night;
    size_t mails = nt_mail_count(&smtp, NULL), sms = nt_gateway_count(&gw, NULL);
    notify_tick_result res = nt_tick(&w);
    assert_int_equal(res.queued, 2 * NT_ORDERS);
    assert_int_equal(res.sent, 0);
    store_nt_message *m = NULL;
    size_t n = nt_messages(&w, 0, &m);
    assert_int_equal(n, 2 * NT_ORDERS);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(m[i].status, "deferred");
        assert_int_equal(m[i].due_ms, release);
        assert_int_equal(m[i].attempts, 0);
    }
    lm_free(m);
    nt_now_ms = release - 1000;
    res = nt_tick(&w);
    assert_int_equal(res.sent, 0);
    assert_int_equal(nt_mail_count(&smtp, NULL), mails);
    assert_int_equal(nt_gateway_count(&gw, NULL), sms);
    nt_now_ms = release;
    res = nt_tick(&w);
    assert_int_equal(res.sent, 2 * NT_ORDERS);
    assert_int_equal(nt_mail_count(&smtp, NULL), mails + NT_ORDERS);
    assert_int_equal(nt_gateway_count(&gw, NULL), sms + NT_ORDERS);
    nt_world_teardown(&w);
}

/* A dead SMTP server and a gateway answering 503: each message is tried max_attempts times,
 * backing off (1 s, then 2 s), then logged as failed with the reason and an event. */
static void test_failures_retried_then_failed(void **state) {
    (void)state;
    nt_proc dead = {0};
    nt_gateway_start(&dead, dir, "gateway-dead", 200);
    nt_proc_stop(&dead); /* its port is now closed: connections are refused */
    notify_opts o;
    nt_opts(&o, &dead, &gw_down);
    nt_world w;
    nt_world_setup(&w, "ntfail", &o);
    size_t sms = nt_gateway_count(&gw_down, NULL);
    notify_tick_result res = nt_tick(&w);
    assert_int_equal(res.retried, 2 * NT_ORDERS);
    assert_int_equal(nt_gateway_count(&gw_down, NULL), sms + NT_ORDERS);
    nt_now_ms += 999; /* before the first backoff ends: nothing is tried */
    res = nt_tick(&w);
    assert_int_equal(res.retried + res.failed + res.sent, 0);
    assert_int_equal(nt_gateway_count(&gw_down, NULL), sms + NT_ORDERS);
    nt_now_ms += 1;
    res = nt_tick(&w);
    assert_int_equal(res.retried, 2 * NT_ORDERS);
    nt_now_ms += 1999;
    res = nt_tick(&w);
    assert_int_equal(res.retried + res.failed, 0);
    nt_now_ms += 1;
    res = nt_tick(&w);
    assert_int_equal(res.failed, 2 * NT_ORDERS);
    assert_int_equal(nt_gateway_count(&gw_down, NULL), sms + 3 * NT_ORDERS);
    store_nt_message *m = NULL;
    size_t n = nt_messages(&w, 0, &m);
    assert_int_equal(n, 2 * NT_ORDERS);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(m[i].status, "failed");
        assert_int_equal(m[i].attempts, 3);
        assert_non_null(
            strstr(m[i].last_error, !strcmp(m[i].channel, "sms") ? "HTTP 503" : "SMTP"));
    }
    lm_free(m);
    assert_int_equal(tmp_db_count_events(w.s, "notification.failed"), 2 * NT_ORDERS);
    /* failed is final: later ticks try nothing */
    nt_now_ms += 3600 * 1000;
    res = nt_tick(&w);
    assert_int_equal(res.retried + res.failed + res.sent, 0);
    nt_world_teardown(&w);
}

/* The driver's delay moves every pending ETA: a move of at least the threshold (15 min) since
 * the ETA last told is sent; smaller moves are not, but they add up against what was told. */
static void delay(nt_world *w, int64_t t_ms, int64_t delay_s) {
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    assert_int_equal(store_tx_begin(w->s, &tx), LM_OK);
    lm_status rc =
        dispatch_driver_exception(w->d, tx, "D1", DISPATCH_EXC_DELAY, delay_s, "", t_ms, &err);
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        fail_msg("delay: %s: %s", err.field, err.message);
    }
    assert_int_equal(store_tx_commit(tx), LM_OK);
}

static size_t count_kind(nt_world *w, int64_t order_id, const char *kind) {
    store_nt_message *m = NULL;
    size_t n = nt_messages(w, order_id, &m), k = 0;
    for (size_t i = 0; i < n; i++)
        k += !strcmp(m[i].kind, kind) && !strcmp(m[i].status, "sent");
    lm_free(m);
    return k;
}

static void test_eta_threshold(void **state) {
    (void)state;
    notify_opts o;
    nt_opts(&o, &smtp, &gw);
    nt_world w;
    nt_world_setup(&w, "nteta", &o);
    nt_deliver(&w, 0); /* the route starts: out for delivery tells each customer an ETA */
    nt_tick(&w);
    int64_t last = w.stop_orders[NT_ORDERS - 1], t = lm_now_ms();
    assert_int_equal(count_kind(&w, last, "eta_changed"), 0);
    delay(&w, t, 7200); /* two hours: every pending customer hears it */
    notify_tick_result res = nt_tick(&w);
    assert_int_equal(res.sent, 2 * (NT_ORDERS - 1));
    assert_int_equal(count_kind(&w, last, "eta_changed"), 2);
    int64_t moves = tmp_db_count_events(w.s, "stop.eta_changed");
    delay(&w, t, 300); /* 5 minutes: dispatch records the move, nobody is told */
    assert_true(tmp_db_count_events(w.s, "stop.eta_changed") > moves);
    res = nt_tick(&w);
    assert_int_equal(res.queued + res.sent, 0);
    delay(&w, t, 660); /* 11 more: 16 minutes since the ETA told */
    res = nt_tick(&w);
    assert_int_equal(res.sent, 2 * (NT_ORDERS - 1));
    assert_int_equal(count_kind(&w, last, "eta_changed"), 4);
    assert_int_equal(count_kind(&w, w.stop_orders[0], "eta_changed"), 0); /* delivered already */
    nt_world_teardown(&w);
}

/* A return requested on a delivered order (returns/, the RMA lifecycle's first step) is
 * acknowledged by e-mail and SMS with the tracking link. */
static void test_return_requested(void **state) {
    (void)state;
    notify_opts o;
    nt_opts(&o, &smtp, &gw);
    nt_world w;
    nt_world_setup(&w, "ntreturn", &o);
    nt_deliver(&w, 0);
    nt_tick(&w);
    returns_opts ro;
    returns_opts_init(&ro);
    ro.st = w.s;
    ro.orders = w.o;
    returns_svc *rs = NULL;
    assert_int_equal(returns_create(&ro, &rs), LM_OK);
    returns_request q = {.order_id = w.stop_orders[0], .n_lines = 1};
    lm_strlcpy(q.reason, "changed_mind", sizeof q.reason);
    lm_strlcpy(q.actor, "customer", sizeof q.actor);
    lm_strlcpy(q.lines[0].sku, "SKU1", sizeof q.lines[0].sku);
    q.lines[0].qty = 1;
    returns_rma rma;
    lm_errinfo err = {0};
    NT_OK(returns_rma_request(rs, &q, &rma, &err), err);
    returns_destroy(rs);
    notify_tick_result res = nt_tick(&w);
    assert_int_equal(res.sent, 2);
    assert_string_equal(status_of(&w, w.stop_orders[0], "return_requested", "email"), "sent");
    assert_string_equal(status_of(&w, w.stop_orders[0], "return_requested", "sms"), "sent");
    char link[96];
    link_of(&w, w.stop_orders[0], link, sizeof link);
    char subject[96];
    snprintf(subject, sizeof subject, "Subject: Return for order shop-");
    assert_true(nt_mail_count(&smtp, subject) >= 1);
    store_nt_message *m = NULL;
    size_t n = nt_messages(&w, w.stop_orders[0], &m), seen = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(m[i].kind, "return_requested")) {
            assert_non_null(strstr(m[i].body, link));
            seen++;
        }
    lm_free(m);
    assert_int_equal(seen, 2);
    nt_world_teardown(&w);
}

/* Stopping the notifier aborts a send in flight: an SMTP server that accepts the connection and
 * never greets would hold the worker for its 10-minute timeout; notify_destroy returns at once
 * (or the suite's ctest timeout fails it), the message is left to retry and nothing else is
 * tried. */
static void test_stop_aborts_a_send_in_flight(void **state) {
    (void)state;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 4), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
    fcntl(lfd, F_SETFL, O_NONBLOCK);
    nt_proc silent = {.port = ntohs(a.sin_port)};
    notify_opts o;
    nt_opts(&o, &silent, NULL);
    o.tick_ms = 10; /* the worker sends on its own */
    o.timeout_ms = 600000;
    nt_world w;
    nt_world_setup(&w, "ntstop", &o);
    int cfd = -1;
    for (int i = 0; i < 300 && cfd < 0; i++) {
        cfd = accept(lfd, NULL, NULL);
        if (cfd < 0) usleep(50 * 1000); /* timing-ok: poll for the worker's connection, 15 s */
    }
    assert_true(cfd >= 0); /* a send is in flight, waiting for a greeting that never comes */
    notify_destroy(w.n);
    w.n = NULL;
    store_nt_message *m = NULL;
    size_t n = nt_messages(&w, 0, &m), retrying = 0, done = 0;
    assert_true(n >= 1);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(m[i].channel, "email"); /* no gateway: no SMS written at all */
        if (!strcmp(m[i].status, "retrying")) {
            retrying++;
            assert_non_null(strstr(m[i].last_error, "abort"));
        }
        done += !strcmp(m[i].status, "sent") || !strcmp(m[i].status, "failed");
    }
    lm_free(m);
    /* the one in flight waits for its retry; no other was tried after the stop */
    assert_int_equal(retrying, 1);
    assert_int_equal(done, 0);
    close(cfd);
    close(lfd);
    nt_world_teardown(&w);
}

/* The SMTP host and the gateway are held to the operator's allow-list: on loopback without it,
 * the handle is refused naming the setting, and nothing reaches the gateway. */
static void test_unallowed_address_refused(void **state) {
    (void)state;
    tmp_db db;
    store *s = NULL;
    assert_int_equal(tmp_db_create(&db, "ntguard"), 0);
    assert_int_equal(tmp_db_store_open(&db, 2, &s), 0);
    size_t sms = nt_gateway_count(&gw, NULL);
    const char *fields[] = {"sms_url", "smtp_url"};
    for (int k = 0; k < 2; k++) {
        notify_opts o;
        nt_opts(&o, k ? &smtp : NULL, k ? NULL : &gw);
        events_netguard_init(&o.guard); /* nothing allowed beyond public addresses */
        o.st = s;
        notify *n = NULL;
        lm_errinfo err = {0};
        assert_int_equal(notify_create(&o, &n, &err), LM_INVALID);
        assert_null(n);
        assert_string_equal(err.field, fields[k]);
        assert_non_null(strstr(err.message, "not an address the operator allowed"));
    }
    assert_int_equal(nt_gateway_count(&gw, NULL), sms);
    store_close(s);
    tmp_db_remove(&db);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_journey),
        cmocka_unit_test(test_optout_suppresses),
        cmocka_unit_test(test_quiet_hours_defer),
        cmocka_unit_test(test_eta_threshold),
        cmocka_unit_test(test_return_requested),
        cmocka_unit_test(test_stop_aborts_a_send_in_flight),
        cmocka_unit_test(test_failures_retried_then_failed),
        cmocka_unit_test(test_unallowed_address_refused),
    };
    return cmocka_run_group_tests(tests, servers_up, servers_down);
}
