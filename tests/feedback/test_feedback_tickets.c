/* tests/feedback/test_feedback_tickets.c: complaint tickets on a real SQLite file with a test
 * clock: the status machine with roles, illegal transitions and the reopen window, who sees what
 * (customer, staff, driver), bad input named by field, SLA events in business hours raised
 * exactly once across restarts with escalation, closing after the reopen window, retention, the
 * queue's countdowns and the configuration's validation. */
#include "store/store_orders.h"
#include "tests/feedback/fb_world.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const feedback_actor staff = {.kind = FEEDBACK_ACTOR_STAFF, .id = "key-ops"};

static int setup(void **state) {
    fb_world *w = calloc(1, sizeof *w);
    if (!w || fb_world_setup(w, "lm_fb_tickets_") != 0) return -1;
    *state = w;
    return 0;
}

static int teardown(void **state) {
    fb_world *w = *state;
    fb_world_teardown(w);
    free(w);
    return 0;
}

static feedback_actor customer(fb_world *w, int i) {
    return (feedback_actor){.kind = FEEDBACK_ACTOR_CUSTOMER, .order_id = w->order_ids[i]};
}

static lm_status open_ticket(fb_world *w, const feedback_actor *who,
                             const feedback_complaint_in *in, feedback_complaint *out,
                             lm_errinfo *err) {
    store_tx *tx = fb_begin(w);
    return fb_end(tx, feedback_complaint_open(w->fb, tx, who, in, out, err));
}

static lm_status act(fb_world *w, const feedback_actor *who, int64_t id, feedback_action a,
                     feedback_complaint *out, lm_errinfo *err) {
    store_tx *tx = fb_begin(w);
    return fb_end(tx, feedback_complaint_act(w->fb, tx, who, id, a, NULL, out, err));
}

static lm_status reply(fb_world *w, const feedback_actor *who, int64_t id, bool internal,
                       const char *text, lm_errinfo *err) {
    store_tx *tx = fb_begin(w);
    return fb_end(tx, feedback_complaint_reply(w->fb, tx, who, id, internal, text, NULL, err));
}

static lm_status view(fb_world *w, const feedback_actor *who, int64_t id, feedback_complaint *c,
                      feedback_msg **msgs, size_t *n, lm_errinfo *err) {
    store_read *r = NULL;
    if (store_read_begin(w->s, &r) != LM_OK) fail_msg("store_read_begin");
    lm_status rc = feedback_complaint_get(r, who, id, c, msgs, n, err);
    store_read_end(r);
    return rc;
}

static feedback_complaint staff_ticket(fb_world *w, int order, feedback_category cat, int prio) {
    feedback_complaint_in in = {.source = FEEDBACK_SOURCE_STAFF,
                                .order_id = w->order_ids[order],
                                .category = cat,
                                .priority = prio,
                                .subject = "Phone call",
                                .text = "Customer called about the parcel"};
    feedback_complaint c;
    lm_errinfo err = {0};
    OKE(open_ticket(w, &staff, &in, &c, &err), err);
    return c;
}

static feedback_tick_result tick_at(fb_world *w, int64_t at_ms) {
    fb_now_ms = at_ms;
    feedback_tick_result res;
    lm_errinfo err = {0};
    OKE(feedback_tick(w->fb, at_ms, &res, &err), err);
    return res;
}

/* ---- The status machine ---- */

static void test_status_machine_roles_and_reopen_window(void **state) {
    fb_world *w = *state;
    lm_errinfo err = {0};
    feedback_complaint c = staff_ticket(w, 0, FEEDBACK_CAT_DAMAGE, -1);
    assert_int_equal(c.status, FEEDBACK_STATUS_NEW);
    assert_int_equal(c.priority, FEEDBACK_PRIO_NORMAL);
    feedback_actor cust = customer(w, 0);
    REFUSED(act(w, &cust, c.id, FEEDBACK_ACTION_ACKNOWLEDGE, &c, &err), LM_FORBIDDEN, "action",
            err);
    /* every step the table refuses from new, with a sentence naming the status and the way on */
    const feedback_action refused_from_new[] = {FEEDBACK_ACTION_START, FEEDBACK_ACTION_RESOLVE,
                                                FEEDBACK_ACTION_CLOSE, FEEDBACK_ACTION_REOPEN};
    for (size_t i = 0; i < 4; i++) {
        REFUSED(act(w, &staff, c.id, refused_from_new[i], NULL, &err), LM_CONFLICT, "action", err);
        assert_non_null(strstr(err.message, "it is new"));
        assert_non_null(strstr(err.message, "acknowledge"));
    }
    REFUSED(act(w, &staff, c.id, (feedback_action)99, NULL, &err), LM_INVALID, "action", err);
    OKE(act(w, &staff, c.id, FEEDBACK_ACTION_ACKNOWLEDGE, &c, &err), err);
    REFUSED(act(w, &staff, c.id, FEEDBACK_ACTION_ACKNOWLEDGE, NULL, &err), LM_CONFLICT, "action",
            err);
    OKE(act(w, &staff, c.id, FEEDBACK_ACTION_START, &c, &err), err);
    assert_int_equal(c.status, FEEDBACK_STATUS_IN_PROGRESS);
    REFUSED(act(w, &staff, c.id, FEEDBACK_ACTION_CLOSE, NULL, &err), LM_CONFLICT, "action", err);
    fb_now_ms += 3600 * 1000;
    OKE(act(w, &staff, c.id, FEEDBACK_ACTION_RESOLVE, &c, &err), err);
    assert_int_equal(c.status, FEEDBACK_STATUS_RESOLVED);
    assert_int_equal(c.resolved_ms, fb_now_ms);
    assert_int_equal(c.next_sla_ms, INT64_MAX); /* clocks stopped */
    OKE(reply(w, &cust, c.id, false, "Thanks, but the box was crushed", &err), err);
    OKE(act(w, &cust, c.id, FEEDBACK_ACTION_CLOSE, &c, &err), err);
    assert_int_equal(c.status, FEEDBACK_STATUS_CLOSED);
    REFUSED(reply(w, &cust, c.id, false, "hello?", &err), LM_CONFLICT, "id", err);
    OKE(reply(w, &staff, c.id, true, "closed by the customer", &err), err); /* notes still go */

    /* reopened within the window: a new resolution clock from now, full budget */
    int64_t old_due = c.res_due_ms;
    fb_now_ms += 86400 * 1000;
    OKE(act(w, &cust, c.id, FEEDBACK_ACTION_REOPEN, &c, &err), err);
    assert_int_equal(c.status, FEEDBACK_STATUS_IN_PROGRESS);
    assert_int_equal(c.reopens, 1);
    assert_int_equal(c.clock_start_ms, fb_now_ms);
    assert_true(c.res_due_ms > old_due);
    assert_int_equal(c.resolved_ms, 0);
    OKE(act(w, &staff, c.id, FEEDBACK_ACTION_RESOLVE, &c, &err), err);
    fb_now_ms += 7 * 86400 * 1000 + 1;
    REFUSED(act(w, &cust, c.id, FEEDBACK_ACTION_REOPEN, NULL, &err), LM_CONFLICT, "action", err);

    assert_int_equal(fb_events(w, "complaint.opened"), 1);
    assert_int_equal(fb_events(w, "complaint.acknowledged"), 1);
    assert_int_equal(fb_events(w, "complaint.in_progress"), 1);
    assert_int_equal(fb_events(w, "complaint.resolved"), 2);
    assert_int_equal(fb_events(w, "complaint.closed"), 1);
    assert_int_equal(fb_events(w, "complaint.reopened"), 1);
    assert_int_equal(fb_events(w, "complaint.replied"), 1);
    assert_int_equal(fb_events(w, "complaint.noted"), 1);
}

/* ---- Who sees what; bad input ---- */

static void test_privacy_and_bad_input(void **state) {
    fb_world *w = *state;
    lm_errinfo err = {0};
    fb_deliver(w, 0);
    feedback_actor cust = customer(w, 0), other = customer(w, 1);
    feedback_complaint_in in = {.source = FEEDBACK_SOURCE_CUSTOMER,
                                .category = FEEDBACK_CAT_MISSING_ITEM,
                                .priority = -1,
                                .subject = "Missing <i>item</i>",
                                .text = "Where is my second parcel?\nThanks"};
    feedback_complaint c;
    OKE(open_ticket(w, &cust, &in, &c, &err), err);
    assert_int_equal(c.source, FEEDBACK_SOURCE_CUSTOMER);
    assert_string_equal(c.driver_id, "D1");
    assert_string_equal(c.subject, "Missing <i>item</i>");

    feedback_complaint seen;
    feedback_msg *msgs = NULL;
    size_t n = 0;
    REFUSED(view(w, &other, c.id, &seen, NULL, NULL, &err), LM_NOT_FOUND, "id", err);
    REFUSED(reply(w, &other, c.id, false, "me too", &err), LM_NOT_FOUND, "id", err);
    REFUSED(reply(w, &cust, c.id, true, "secret", &err), LM_FORBIDDEN, "internal", err);

    feedback_complaint_patch assign = {
        .assignee = "agent-7", .priority = -1, .category = -1, .driver_shared = -1};
    store_tx *tx = fb_begin(w);
    OKE(fb_end(tx, feedback_complaint_update(w->fb, tx, &staff, c.id, &assign, NULL, &err)), err);
    OKE(reply(w, &staff, c.id, true, "Driver says he left it with a neighbour", &err), err);
    OKE(reply(w, &staff, c.id, false, "We are checking with the driver", &err), err);

    OKE(view(w, &cust, c.id, &seen, &msgs, &n, &err), err);
    assert_int_equal(n, 2); /* their message and the public reply, not the note */
    for (size_t i = 0; i < n; i++)
        assert_false(msgs[i].internal);
    assert_string_equal(seen.assignee, "");
    assert_int_equal(seen.status, FEEDBACK_STATUS_ACKNOWLEDGED); /* a public reply acknowledges */
    assert_int_equal(seen.first_response_ms, fb_now_ms);
    lm_free(msgs);
    OKE(view(w, &staff, c.id, &seen, &msgs, &n, &err), err);
    assert_int_equal(n, 3);
    assert_string_equal(seen.assignee, "agent-7");
    lm_free(msgs);

    /* the driver sees nothing until a dispatcher shares it, then the public thread only */
    feedback_actor d1 = {.kind = FEEDBACK_ACTOR_DRIVER, .id = "D1"};
    feedback_actor d2 = {.kind = FEEDBACK_ACTOR_DRIVER, .id = "D2"};
    REFUSED(view(w, &d1, c.id, &seen, NULL, NULL, &err), LM_NOT_FOUND, "id", err);
    feedback_complaint_patch share = {.priority = -1, .category = -1, .driver_shared = 1};
    tx = fb_begin(w);
    OKE(fb_end(tx, feedback_complaint_update(w->fb, tx, &staff, c.id, &share, NULL, &err)), err);
    OKE(view(w, &d1, c.id, &seen, &msgs, &n, &err), err);
    assert_int_equal(n, 2);
    lm_free(msgs);
    REFUSED(view(w, &d2, c.id, &seen, NULL, NULL, &err), LM_NOT_FOUND, "id", err);
    REFUSED(reply(w, &d1, c.id, false, "not my fault", &err), LM_FORBIDDEN, "text", err);

    /* no event carries what people typed */
    store_read *r = NULL;
    assert_int_equal(store_read_begin(w->s, &r), LM_OK);
    store_event *ev = NULL;
    size_t nev = 0;
    assert_int_equal(store_events_since(r, 0, 10000, &ev, &nev), LM_OK);
    store_read_end(r);
    for (size_t i = 0; i < nev; i++)
        if (strstr(ev[i].payload_json, "parcel") || strstr(ev[i].payload_json, "neighbour"))
            fail_msg("event %s carries typed text: %s", ev[i].type, ev[i].payload_json);
    store_events_free(ev, nev);

    /* bad input, each named, nothing written */
    int64_t opened = fb_events(w, "complaint.opened");
    char big[FEEDBACK_TEXT_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    feedback_complaint_in bad = in;
    bad.subject = "two\nlines";
    REFUSED(open_ticket(w, &cust, &bad, &c, &err), LM_INVALID, "subject", err);
    bad = in;
    bad.text = big;
    REFUSED(open_ticket(w, &cust, &bad, &c, &err), LM_TOO_BIG, "text", err);
    bad = in;
    bad.text = "";
    REFUSED(open_ticket(w, &cust, &bad, &c, &err), LM_INVALID, "text", err);
    bad = in;
    bad.priority = FEEDBACK_PRIO_URGENT;
    REFUSED(open_ticket(w, &cust, &bad, &c, &err), LM_INVALID, "priority", err);
    bad = in;
    bad.category = (feedback_category)42;
    REFUSED(open_ticket(w, &cust, &bad, &c, &err), LM_INVALID, "category", err);
    bad = in;
    bad.source = FEEDBACK_SOURCE_STAFF;
    REFUSED(open_ticket(w, &cust, &bad, &c, &err), LM_INVALID, "source", err);
    REFUSED(open_ticket(w, &d1, &in, &c, &err), LM_FORBIDDEN, "source", err);
    feedback_complaint_in as = {.source = FEEDBACK_SOURCE_AFTER_SALES,
                                .order_id = w->order_ids[0],
                                .category = FEEDBACK_CAT_WRONG_ITEM,
                                .priority = -1};
    REFUSED(open_ticket(w, &staff, &as, &c, &err), LM_INVALID, "case_ref", err);
    as.order_id = 4242;
    as.case_ref = "RMA-17";
    REFUSED(open_ticket(w, &staff, &as, &c, &err), LM_NOT_FOUND, "order_id", err);
    assert_int_equal(fb_events(w, "complaint.opened"), opened);
    as.order_id = w->order_ids[0];
    OKE(open_ticket(w, &staff, &as, &c, &err), err);
    assert_string_equal(c.case_ref, "RMA-17");

    /* a token cannot flood: at most 10 unresolved tickets per order */
    for (int i = 2; i < 10; i++)
        OKE(open_ticket(w, &cust, &in, &c, &err), err);
    REFUSED(open_ticket(w, &cust, &in, &c, &err), LM_CONFLICT, "order_id", err);
}

/* ---- SLA events across restarts ---- */

static void paris_office(fb_world *w) {
    lm_errinfo err = {0};
    store_tx *tx = fb_begin(w);
    feedback_calendar_text cal;
    feedback_calendar_text_defaults(&cal);
    lm_strlcpy(cal.tz, "Europe/Paris", sizeof cal.tz);
    lm_strlcpy(cal.hours, "mon-fri 09:00-18:00", sizeof cal.hours);
    OKE(feedback_calendar_put(tx, &cal, &err), err);
    /* one budget for every ticket: escalation raises the priority, not the reopened clock */
    feedback_sla_rule rows[] = {{-1, -1, 2 * 3600, 16 * 3600},
                                {FEEDBACK_CAT_BILLING, FEEDBACK_PRIO_URGENT, 600, 3600}};
    OKE(feedback_sla_replace(tx, rows, 2, &err), err);
    feedback_settings s;
    OKE(feedback_settings_get(store_tx_read(tx), &s, &err), err);
    s.imminent_pct = 50;
    lm_strlcpy(s.escalate_to, "lead-1", sizeof s.escalate_to);
    OKE(fb_end(tx, feedback_settings_put(tx, &s, &err)), err);
}

#define MS(s) (INT64_C(s) * 1000)

static void test_sla_events_once_across_restarts(void **state) {
    fb_world *w = *state;
    lm_errinfo err = {0};
    paris_office(w);
    fb_now_ms = MS(1774627200); /* Friday 27 March 2026, 17:00 CET */
    fb_deliver(w, 0);
    feedback_rating_in low = {.score = 2, .comment = "Parcel soaked"};
    feedback_rating rt;
    store_tx *tx = fb_begin(w);
    OKE(fb_end(tx, feedback_rating_create(w->fb, tx, w->order_ids[0], &low, &rt, &err)), err);
    feedback_complaint c;
    OKE(view(w, &staff, rt.complaint_id, &c, NULL, NULL, &err), err);
    /* first response: 2 business hours = Friday 17-18 and Monday 09-10 (CEST after the switch) */
    assert_int_equal(c.fr_imminent_ms, MS(1774630800));  /* Friday 18:00 CET, 50 % used */
    assert_int_equal(c.fr_due_ms, MS(1774857600));       /* Monday 10:00 CEST */
    assert_int_equal(c.res_imminent_ms, MS(1774879200)); /* Monday 16:00 CEST */
    assert_int_equal(c.res_due_ms, MS(1774962000));      /* Tuesday 15:00 CEST */

    assert_int_equal(tick_at(w, MS(1774630800) - 1).imminent, 0);
    assert_int_equal(tick_at(w, MS(1774630800)).imminent, 1);
    assert_int_equal(tick_at(w, MS(1774630800)).imminent, 0);
    fb_world_restart(w);
    feedback_tick_result res = tick_at(w, MS(1774695600)); /* Saturday noon: nothing is due */
    assert_int_equal(res.imminent + res.breached, 0);
    assert_int_equal(tick_at(w, MS(1774857600) - 1).breached, 0);
    fb_world_restart(w);
    res = tick_at(w, MS(1774857600));
    assert_int_equal(res.breached, 1);
    assert_int_equal(res.escalated, 1);
    fb_world_restart(w);
    res = tick_at(w, MS(1774857600) + 3600 * 1000);
    assert_int_equal(res.imminent + res.breached, 0);
    assert_int_equal(fb_events(w, "sla.breach_imminent"), 1);
    assert_int_equal(fb_events(w, "sla.breached"), 1);
    assert_int_equal(fb_events(w, "complaint.escalated"), 1);

    OKE(view(w, &staff, c.id, &c, NULL, NULL, &err), err);
    assert_int_equal(c.priority, FEEDBACK_PRIO_HIGH); /* one step up */
    assert_string_equal(c.assignee, "lead-1");
    assert_int_equal(c.escalations, 1);
    assert_int_equal(c.sla_sent, FEEDBACK_SLA_FR_IMMINENT | FEEDBACK_SLA_FR_BREACHED);
    store_read *r = NULL;
    assert_int_equal(store_read_begin(w->s, &r), LM_OK);
    store_exception *ex = NULL;
    size_t nex = 0;
    lm_status rc = store_exception_list(r, true, w->order_ids[0], &ex, &nex, &err);
    store_read_end(r);
    OKE(rc, err);
    assert_int_equal(nex, 1);
    assert_string_equal(ex[0].rule, "sla.first_response");
    lm_free(ex);

    /* answered, the customer replies, resolved before its due time: no resolution event */
    OKE(reply(w, &staff, c.id, false, "Sorry: a replacement leaves today", &err), err);
    feedback_actor cust = customer(w, 0);
    OKE(reply(w, &cust, c.id, false, "Thank you", &err), err);
    OKE(act(w, &staff, c.id, FEEDBACK_ACTION_RESOLVE, &c, &err), err);
    res = tick_at(w, MS(1774962000) + 86400 * 1000);
    assert_int_equal(res.imminent + res.breached, 0);

    /* reopened Wednesday 10:00: 16 business hours again -> Thursday 17:00, warned at 50 % */
    fb_now_ms = MS(1775030400);
    OKE(act(w, &cust, c.id, FEEDBACK_ACTION_REOPEN, &c, &err), err);
    assert_int_equal(c.res_imminent_ms, MS(1775059200));
    assert_int_equal(c.res_due_ms, MS(1775142000));
    assert_int_equal(tick_at(w, MS(1775059200)).imminent, 1);
    fb_world_restart(w);
    res = tick_at(w, MS(1775142000));
    assert_int_equal(res.breached, 1);
    assert_int_equal(tick_at(w, MS(1775142000) + 1000).breached, 0);
    OKE(view(w, &staff, c.id, &c, NULL, NULL, &err), err);
    assert_int_equal(c.priority, FEEDBACK_PRIO_URGENT);
    assert_int_equal(c.escalations, 2);
    OKE(act(w, &staff, c.id, FEEDBACK_ACTION_RESOLVE, &c, &err), err);
    OKE(act(w, &cust, c.id, FEEDBACK_ACTION_CLOSE, &c, &err), err);
    assert_int_equal(fb_events(w, "sla.breach_imminent"), 2);
    assert_int_equal(fb_events(w, "sla.breached"), 2);
}

static void test_late_tick_skips_stale_warning(void **state) {
    fb_world *w = *state;
    feedback_complaint c = staff_ticket(w, 1, FEEDBACK_CAT_BILLING, FEEDBACK_PRIO_URGENT);
    /* default calendar (UTC 09-18 weekdays), urgent: first response 1 h, so due 11:00 */
    assert_int_equal(c.fr_due_ms, FB_T0_MS + 3600 * 1000);
    feedback_tick_result res = tick_at(w, FB_T0_MS + 5 * 3600 * 1000); /* the server was down */
    assert_int_equal(res.breached, 1);
    assert_int_equal(res.imminent, 0);
    assert_int_equal(fb_events(w, "sla.breach_imminent"), 0);
}

/* Two servers on one database file tick at the same moment: each breach is raised once. */
typedef struct ticker {
    feedback *fb;
    int64_t at_ms;
    pthread_barrier_t *start;
    lm_status rc;
    feedback_tick_result res;
} ticker;

static void *tick_thread(void *arg) {
    ticker *t = arg;
    lm_errinfo err = {0};
    pthread_barrier_wait(t->start);
    t->rc = feedback_tick(t->fb, t->at_ms, &t->res, &err);
    return NULL;
}

static void test_two_nodes_tick_once(void **state) {
    fb_world *w = *state;
    for (int i = 0; i < FB_ORDERS; i++)
        staff_ticket(w, i, FEEDBACK_CAT_OTHER, FEEDBACK_PRIO_URGENT);
    store *s2 = NULL;
    assert_int_equal(tmp_db_store_open(&w->db, 2, &s2), 0);
    feedback_opts o;
    feedback_opts_init(&o);
    o.st = s2;
    feedback *fb2 = NULL;
    lm_errinfo err = {0};
    OKE(feedback_create(&o, &fb2, &err), err);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 2);
    int64_t at = FB_T0_MS + 2 * 3600 * 1000; /* past every urgent first-response due time */
    ticker a = {w->fb, at, &start, LM_INTERNAL, {0}}, b = {fb2, at, &start, LM_INTERNAL, {0}};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, tick_thread, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, tick_thread, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start);
    feedback_destroy(fb2);
    store_close(s2);
    assert_int_equal(a.rc, LM_OK);
    assert_int_equal(b.rc, LM_OK);
    assert_int_equal(a.res.breached + b.res.breached, FB_ORDERS);
    assert_int_equal(fb_events(w, "sla.breached"), FB_ORDERS);
    assert_int_equal(fb_events(w, "complaint.escalated"), FB_ORDERS);
}

/* ---- Closing after the window; retention ---- */

static void short_retention(feedback_settings *s) {
    s->retention_days = 30;
}

static void test_tick_closes_and_erases(void **state) {
    fb_world *w = *state;
    lm_errinfo err = {0};
    feedback_complaint c = staff_ticket(w, 0, FEEDBACK_CAT_OTHER, -1);
    OKE(act(w, &staff, c.id, FEEDBACK_ACTION_ACKNOWLEDGE, &c, &err), err);
    OKE(act(w, &staff, c.id, FEEDBACK_ACTION_RESOLVE, &c, &err), err);
    int64_t resolved = c.resolved_ms, week = INT64_C(7) * 86400 * 1000;
    assert_int_equal(tick_at(w, resolved + week).closed, 0);
    assert_int_equal(tick_at(w, resolved + week + 1).closed, 1);
    assert_int_equal(tick_at(w, resolved + week + 2).closed, 0);
    OKE(view(w, &staff, c.id, &c, NULL, NULL, &err), err);
    assert_int_equal(c.status, FEEDBACK_STATUS_CLOSED);
    assert_int_equal(fb_events(w, "complaint.closed"), 1);

    store_tx *tx = fb_begin(w);
    feedback_settings s;
    OKE(feedback_settings_get(store_tx_read(tx), &s, &err), err);
    short_retention(&s);
    OKE(fb_end(tx, feedback_settings_put(tx, &s, &err)), err);
    int64_t closed = c.closed_ms, month = INT64_C(30) * 86400 * 1000;
    assert_int_equal(tick_at(w, closed + month).erased, 0);
    assert_int_equal(tick_at(w, closed + month + 1).erased, 1);
    feedback_msg *msgs = NULL;
    size_t n = 0;
    OKE(view(w, &staff, c.id, &c, &msgs, &n, &err), err);
    assert_int_equal(n, 1);
    assert_string_equal(msgs[0].text, "");
    lm_free(msgs);
}

/* ---- Changes, the queue, configuration ---- */

static void test_update_queue_and_config(void **state) {
    fb_world *w = *state;
    lm_errinfo err = {0};
    /* low: 16 business hours from Tuesday 10:00 UTC -> Wednesday 17:00 */
    feedback_complaint low = staff_ticket(w, 0, FEEDBACK_CAT_LATENESS, FEEDBACK_PRIO_LOW);
    assert_int_equal(low.fr_due_ms, FB_T0_MS + (24 + 7) * 3600 * INT64_C(1000));
    feedback_complaint normal = staff_ticket(w, 1, FEEDBACK_CAT_LATENESS, FEEDBACK_PRIO_NORMAL);
    fb_now_ms = FB_T0_MS + 600 * 1000;
    store_read *r = NULL;
    assert_int_equal(store_read_begin(w->s, &r), LM_OK);
    store_complaint_filter f = {.by_due = true, .limit = 10};
    feedback_queue_entry *q = NULL;
    size_t n = 0;
    lm_status rc = feedback_queue(r, &f, fb_now_ms, &q, &n, &err);
    store_read_end(r);
    OKE(rc, err);
    assert_int_equal(n, 2);
    assert_int_equal(q[0].c.id, normal.id); /* the nearest deadline first */
    assert_true(q[0].fr_running);
    assert_int_equal(q[0].fr_left_ms, normal.fr_due_ms - fb_now_ms);
    lm_free(q);

    /* raised to urgent: its first response is now due one business hour after opening */
    feedback_complaint_patch p = {
        .priority = FEEDBACK_PRIO_URGENT, .category = -1, .driver_shared = -1};
    store_tx *tx = fb_begin(w);
    OKE(fb_end(tx, feedback_complaint_update(w->fb, tx, &staff, low.id, &p, &low, &err)), err);
    assert_int_equal(low.fr_due_ms, FB_T0_MS + 3600 * 1000);
    assert_int_equal(fb_events(w, "complaint.updated"), 1);
    feedback_actor cust = customer(w, 0);
    tx = fb_begin(w);
    REFUSED(feedback_complaint_update(w->fb, tx, &cust, low.id, &p, NULL, &err), LM_FORBIDDEN, "id",
            err);
    p.priority = 9;
    REFUSED(feedback_complaint_update(w->fb, tx, &staff, low.id, &p, NULL, &err), LM_INVALID,
            "priority", err);

    /* configuration refusals name the field */
    feedback_settings s;
    OKE(feedback_settings_get(store_tx_read(tx), &s, &err), err);
    s.imminent_pct = 100;
    REFUSED(feedback_settings_put(tx, &s, &err), LM_INVALID, "imminent_pct", err);
    feedback_settings_defaults(&s);
    lm_strlcpy(s.survey_kind, "sms", sizeof s.survey_kind);
    REFUSED(feedback_settings_put(tx, &s, &err), LM_INVALID, "survey_kind", err);
    feedback_sla_rule no_default[] = {{FEEDBACK_CAT_DAMAGE, -1, 60, 60}};
    REFUSED(feedback_sla_replace(tx, no_default, 1, &err), LM_INVALID, "sla", err);
    feedback_sla_rule dup[] = {{-1, -1, 60, 60}, {-1, -1, 60, 60}};
    REFUSED(feedback_sla_replace(tx, dup, 2, &err), LM_INVALID, "sla[1]", err);
    feedback_sla_rule neg[] = {{-1, -1, -5, 60}};
    REFUSED(feedback_sla_replace(tx, neg, 1, &err), LM_INVALID, "sla[0].first_response_s", err);
    feedback_calendar_text cal;
    feedback_calendar_text_defaults(&cal);
    lm_strlcpy(cal.hours, "mon-fri 18:00-09:00", sizeof cal.hours);
    REFUSED(feedback_calendar_put(tx, &cal, &err), LM_INVALID, "hours", err);
    REFUSED(feedback_calendar_delete(tx, "NOPE", &err), LM_NOT_FOUND, "depot_id", err);
    /* a depot's own calendar: its orders' tickets count its hours (weekdays 06:00-22:00) */
    lm_strlcpy(cal.depot_id, "DEP", sizeof cal.depot_id);
    lm_strlcpy(cal.hours, "mon-fri 06:00-22:00", sizeof cal.hours);
    OKE(fb_end(tx, feedback_calendar_put(tx, &cal, &err)), err);
    feedback_complaint late = staff_ticket(w, 2, FEEDBACK_CAT_OTHER, FEEDBACK_PRIO_LOW);
    /* Tuesday 10:10 + 16 h of 06:00-22:00 opening = Wednesday 10:10 (the default: Thursday) */
    assert_int_equal(late.fr_due_ms, fb_now_ms + 24 * 3600 * INT64_C(1000));

    assert_int_equal(store_read_begin(w->s, &r), LM_OK);
    feedback_complaint_stats st;
    rc = feedback_complaint_stats_get(r, 0, INT64_MAX, &st, &err);
    store_read_end(r);
    OKE(rc, err);
    assert_int_equal(st.opened, 3);
    assert_int_equal(st.by_category[FEEDBACK_CAT_LATENESS], 2);
    assert_int_equal(st.by_status[FEEDBACK_STATUS_NEW], 3);
}

/* ---- The order's timeline ---- */

static void test_order_timeline(void **state) {
    fb_world *w = *state;
    lm_errinfo err = {0};
    fb_deliver(w, 0);
    fb_deliver(w, 1);
    feedback_rating_in low = {.score = 1};
    feedback_rating rt;
    store_tx *tx = fb_begin(w);
    OKE(fb_end(tx, feedback_rating_create(w->fb, tx, w->order_ids[0], &low, &rt, &err)), err);
    tx = fb_begin(w);
    OKE(fb_end(tx, feedback_rating_create(w->fb, tx, w->order_ids[1], &low, &rt, &err)), err);
    store_read *r = NULL;
    assert_int_equal(store_read_begin(w->s, &r), LM_OK);
    store_event *ev = NULL;
    size_t n = 0;
    lm_status rc = feedback_order_timeline(r, w->order_ids[0], 0, 100, &ev, &n, &err);
    store_read_end(r);
    OKE(rc, err);
    char stop0[24], order0[24];
    snprintf(stop0, sizeof stop0, "%lld", (long long)w->stop_ids[0]);
    snprintf(order0, sizeof order0, "%lld", (long long)w->order_ids[0]);
    int delivered = 0, rated = 0, opened = 0, order_events = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0) assert_true(ev[i].seq > ev[i - 1].seq);
        delivered += !strcmp(ev[i].type, "stop.delivered");
        rated += !strcmp(ev[i].type, "rating.created");
        opened += !strcmp(ev[i].type, "complaint.opened");
        order_events += !strcmp(ev[i].entity, "order");
        if (!strcmp(ev[i].entity, "stop") && strcmp(ev[i].entity_id, stop0))
            fail_msg("%s about stop %s in order %s's timeline", ev[i].type, ev[i].entity_id,
                     order0);
        if (!strcmp(ev[i].entity, "order") && strcmp(ev[i].entity_id, order0))
            fail_msg("%s about order %s in order %s's timeline", ev[i].type, ev[i].entity_id,
                     order0);
    }
    store_events_free(ev, n);
    assert_int_equal(delivered, 1);
    assert_int_equal(rated, 1);
    assert_int_equal(opened, 1);
    assert_true(order_events >= 2); /* out for delivery, delivered */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_machine_roles_and_reopen_window, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_privacy_and_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sla_events_once_across_restarts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_tick_skips_stale_warning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_nodes_tick_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tick_closes_and_erases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_queue_and_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_timeline, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
