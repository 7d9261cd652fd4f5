/* tests/feedback/test_feedback_ratings.c: ratings on a real SQLite file with a test clock: one
 * per stop, the range, tags and comment rules, the edit window and freeze, the links read at
 * rating time, automatic tickets on low scores, disputes of failed attempts, two threads rating
 * the same stop, surveys after deliveries (exactly once, across a restart), aggregates. */
#include "tests/feedback/fb_world.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define TAG(t) (1u << FEEDBACK_TAG_##t)

static int setup(void **state) {
    fb_world *w = calloc(1, sizeof *w);
    if (!w || fb_world_setup(w, "lm_fb_ratings_") != 0) return -1;
    *state = w;
    return 0;
}

static int teardown(void **state) {
    fb_world *w = *state;
    fb_world_teardown(w);
    free(w);
    return 0;
}

static lm_status rate(fb_world *w, int i, int32_t score, uint32_t tags, const char *comment,
                      feedback_rating *out, lm_errinfo *err) {
    feedback_rating_in in = {.score = score, .tags = tags, .comment = comment};
    store_tx *tx = fb_begin(w);
    return fb_end(tx, feedback_rating_create(w->fb, tx, w->order_ids[i], &in, out, err));
}

static lm_status edit(fb_world *w, int i, int64_t rating_id, int32_t score, feedback_rating *out,
                      lm_errinfo *err) {
    feedback_rating_in in = {.score = score};
    store_tx *tx = fb_begin(w);
    return fb_end(tx, feedback_rating_edit(w->fb, tx, w->order_ids[i], rating_id, &in, out, err));
}

static void put_settings(fb_world *w, void (*change)(feedback_settings *)) {
    lm_errinfo err = {0};
    store_tx *tx = fb_begin(w);
    feedback_settings s;
    OKE(feedback_settings_get(store_tx_read(tx), &s, &err), err);
    change(&s);
    OKE(fb_end(tx, feedback_settings_put(tx, &s, &err)), err);
}

static feedback_complaint staff_view(fb_world *w, int64_t id, feedback_msg **msgs, size_t *n) {
    feedback_actor staff = {.kind = FEEDBACK_ACTOR_STAFF, .id = "k1"};
    feedback_complaint c;
    lm_errinfo err = {0};
    store_read *r = NULL;
    if (store_read_begin(w->s, &r) != LM_OK) fail_msg("store_read_begin");
    lm_status rc = feedback_complaint_get(r, &staff, id, &c, msgs, n, &err);
    store_read_end(r);
    OKE(rc, err);
    return c;
}

static void window_600(feedback_settings *s) {
    s->edit_window_s = 600;
}

static void test_rating_rules(void **state) {
    fb_world *w = *state;
    lm_errinfo err = {0};
    feedback_rating rt;
    /* nothing to rate before an attempt; no such order */
    REFUSED(rate(w, 0, 4, 0, NULL, &rt, &err), LM_CONFLICT, "order_id", err);
    feedback_rating_in in = {.score = 4};
    store_tx *tx = fb_begin(w);
    REFUSED(feedback_rating_create(w->fb, tx, 9999, &in, &rt, &err), LM_NOT_FOUND, "order_id", err);
    /* another order's stop, and a stop not finished yet */
    in.stop_id = w->stop_ids[1];
    REFUSED(feedback_rating_create(w->fb, tx, w->order_ids[0], &in, &rt, &err), LM_NOT_FOUND,
            "stop_id", err);
    REFUSED(feedback_rating_create(w->fb, tx, w->order_ids[1], &in, &rt, &err), LM_CONFLICT,
            "stop_id", err);
    store_tx_rollback(tx);

    fb_deliver(w, 0);
    char long_comment[FEEDBACK_COMMENT_MAX + 2];
    memset(long_comment, 'a', sizeof long_comment - 1);
    long_comment[sizeof long_comment - 1] = '\0';
    REFUSED(rate(w, 0, 0, 0, NULL, &rt, &err), LM_INVALID, "score", err);
    REFUSED(rate(w, 0, 6, 0, NULL, &rt, &err), LM_INVALID, "score", err);
    REFUSED(rate(w, 0, 4, 1u << 20, NULL, &rt, &err), LM_INVALID, "tags", err);
    REFUSED(rate(w, 0, 4, 0, "line\nbreak", &rt, &err), LM_INVALID, "comment", err);
    REFUSED(rate(w, 0, 4, 0, "bad \xff utf8", &rt, &err), LM_INVALID, "comment", err);
    REFUSED(rate(w, 0, 4, 0, long_comment, &rt, &err), LM_TOO_BIG, "comment", err);
    assert_int_equal(fb_events(w, "rating.created"), 0); /* refusals change nothing */

    const char *comment = "<b>Merci</b> & à bientôt";
    OKE(rate(w, 0, 4, TAG(GREAT) | TAG(CAREFUL), comment, &rt, &err), err);
    assert_int_equal(rt.stop_id, w->stop_ids[0]);
    assert_string_equal(rt.driver_id, "D1");
    assert_string_equal(rt.vehicle_id, "V1");
    assert_string_equal(rt.depot_id, "DEP");
    assert_true(rt.plan_id > 0);
    assert_string_equal(rt.comment, comment); /* markup kept as text */
    assert_int_equal(rt.frozen_ms, FB_T0_MS + 86400 * 1000);
    assert_int_equal(rt.complaint_id, 0);
    assert_int_equal(fb_events(w, "rating.created"), 1);

    /* one per stop */
    feedback_rating again;
    REFUSED(rate(w, 0, 5, 0, NULL, &again, &err), LM_CONFLICT, "stop_id", err);

    /* editable inside the window, by its own order only; frozen at the window's end */
    fb_now_ms = FB_T0_MS + 3600 * 1000;
    feedback_rating ed;
    OKE(edit(w, 0, rt.id, 5, &ed, &err), err);
    assert_int_equal(ed.score, 5);
    assert_int_equal(ed.edits, 1);
    assert_int_equal(fb_events(w, "rating.updated"), 1);
    REFUSED(edit(w, 1, rt.id, 3, &ed, &err), LM_NOT_FOUND, "rating_id", err);
    REFUSED(edit(w, 0, rt.id, 9, &ed, &err), LM_INVALID, "score", err);
    fb_now_ms = rt.frozen_ms;
    REFUSED(edit(w, 0, rt.id, 1, &ed, &err), LM_CONFLICT, "rating_id", err);
    store_read *r = NULL;
    assert_int_equal(store_read_begin(w->s, &r), LM_OK);
    feedback_rating back;
    lm_status rc = feedback_rating_of_order(r, w->order_ids[0], &back, &err);
    store_read_end(r);
    OKE(rc, err);
    assert_int_equal(back.score, 5); /* the frozen rating kept its last value */
    assert_false(feedback_rating_editable(&back, fb_now_ms));

    /* a configured window */
    put_settings(w, window_600);
    fb_deliver(w, 1);
    int64_t t = fb_now_ms;
    OKE(rate(w, 1, 3, 0, NULL, &rt, &err), err);
    fb_now_ms = t + 599 * 1000;
    OKE(edit(w, 1, rt.id, 4, &ed, &err), err);
    fb_now_ms = t + 600 * 1000;
    REFUSED(edit(w, 1, rt.id, 2, &ed, &err), LM_CONFLICT, "rating_id", err);
}

static void no_auto_tickets(feedback_settings *s) {
    s->auto_ticket_max = 0;
}

static void test_low_rating_opens_ticket(void **state) {
    fb_world *w = *state;
    lm_errinfo err = {0};
    feedback_rating rt;
    fb_deliver(w, 0);
    OKE(rate(w, 0, 2, TAG(LATE) | TAG(RUDE), "Very late and rude", &rt, &err), err);
    assert_true(rt.complaint_id > 0);
    feedback_msg *msgs = NULL;
    size_t n = 0;
    feedback_complaint c = staff_view(w, rt.complaint_id, &msgs, &n);
    assert_int_equal(c.source, FEEDBACK_SOURCE_RATING);
    assert_int_equal(c.category, FEEDBACK_CAT_DRIVER_CONDUCT); /* rude outranks late */
    assert_int_equal(c.priority, FEEDBACK_PRIO_NORMAL);
    assert_int_equal(c.status, FEEDBACK_STATUS_NEW);
    assert_int_equal(c.rating_id, rt.id);
    assert_int_equal(c.order_id, w->order_ids[0]);
    assert_int_equal(c.stop_id, w->stop_ids[0]);
    assert_string_equal(c.driver_id, "D1");
    assert_string_equal(c.depot_id, "DEP");
    assert_int_equal(n, 1);
    assert_int_equal(msgs[0].author_kind, FEEDBACK_ACTOR_CUSTOMER); /* their words */
    assert_string_equal(msgs[0].text, "Very late and rude");
    lm_free(msgs);
    assert_int_equal(fb_events(w, "complaint.opened"), 1);

    fb_deliver(w, 1);
    OKE(rate(w, 1, 1, 0, NULL, &rt, &err), err);
    c = staff_view(w, rt.complaint_id, NULL, NULL);
    assert_int_equal(c.category, FEEDBACK_CAT_OTHER);
    assert_int_equal(c.priority, FEEDBACK_PRIO_HIGH);

    /* 3 opens nothing; an edit down to 2 does, once */
    fb_deliver(w, 2);
    OKE(rate(w, 2, 3, TAG(DAMAGED), NULL, &rt, &err), err);
    assert_int_equal(rt.complaint_id, 0);
    assert_int_equal(fb_events(w, "complaint.opened"), 2);
    feedback_rating ed;
    OKE(edit(w, 2, rt.id, 2, &ed, &err), err);
    assert_true(ed.complaint_id > 0);
    OKE(edit(w, 2, rt.id, 1, &ed, &err), err);
    assert_int_equal(fb_events(w, "complaint.opened"), 3);

    put_settings(w, no_auto_tickets);
    fb_deliver(w, 3);
    OKE(rate(w, 3, 1, 0, NULL, &rt, &err), err);
    assert_int_equal(rt.complaint_id, 0);
    assert_int_equal(fb_events(w, "complaint.opened"), 3);
}

static lm_status dispute(fb_world *w, int i, feedback_complaint *out, lm_errinfo *err) {
    feedback_actor cust = {.kind = FEEDBACK_ACTOR_CUSTOMER, .order_id = w->order_ids[i]};
    feedback_complaint_in in = {.source = FEEDBACK_SOURCE_DISPUTE,
                                .category = FEEDBACK_CAT_OTHER,
                                .priority = -1,
                                .text = "I was at home all day"};
    store_tx *tx = fb_begin(w);
    return fb_end(tx, feedback_complaint_open(w->fb, tx, &cust, &in, out, err));
}

static void test_failed_attempt_rating_and_dispute(void **state) {
    fb_world *w = *state;
    lm_errinfo err = {0};
    feedback_complaint c;
    REFUSED(dispute(w, 0, &c, &err), LM_CONFLICT, "source", err); /* no attempt yet */
    fb_fail(w, 0);
    feedback_rating rt;
    OKE(rate(w, 0, 3, TAG(LATE), NULL, &rt, &err), err);
    assert_int_equal(rt.stop_id, w->stop_ids[0]); /* a failed attempt is rated too */
    OKE(dispute(w, 0, &c, &err), err);
    assert_int_equal(c.source, FEEDBACK_SOURCE_DISPUTE);
    assert_int_equal(c.stop_id, w->stop_ids[0]);
    fb_deliver(w, 1);
    REFUSED(dispute(w, 1, &c, &err), LM_CONFLICT, "source",
            err); /* delivered: nothing to dispute */
}

/* ---- Two threads, one stop ---- */

typedef struct racer {
    fb_world *w;
    int order;
    int32_t score;
    pthread_barrier_t *start;
    lm_status rc;
} racer;

static void *race(void *arg) {
    racer *r = arg;
    feedback_rating_in in = {.score = r->score};
    feedback_rating out;
    lm_errinfo err = {0};
    pthread_barrier_wait(r->start);
    store_tx *tx = NULL;
    r->rc = store_tx_begin(r->w->s, &tx);
    if (r->rc == LM_OK)
        r->rc = fb_end(
            tx, feedback_rating_create(r->w->fb, tx, r->w->order_ids[r->order], &in, &out, &err));
    return NULL;
}

static void test_two_threads_rate_the_same_stop(void **state) {
    fb_world *w = *state;
    for (int i = 0; i < FB_ORDERS; i++)
        fb_deliver(w, i);
    for (int i = 0; i < FB_ORDERS; i++) {
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, 2);
        racer a = {w, i, 4, &start, LM_INTERNAL}, b = {w, i, 5, &start, LM_INTERNAL};
        pthread_t ta, tb;
        assert_int_equal(pthread_create(&ta, NULL, race, &a), 0);
        assert_int_equal(pthread_create(&tb, NULL, race, &b), 0);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        pthread_barrier_destroy(&start);
        int wins = (a.rc == LM_OK) + (b.rc == LM_OK);
        int conflicts = (a.rc == LM_CONFLICT) + (b.rc == LM_CONFLICT);
        if (wins != 1 || conflicts != 1)
            fail_msg("stop %d: %s and %s, want one ok and one conflict", i, lm_status_name(a.rc),
                     lm_status_name(b.rc));
    }
    assert_int_equal(fb_events(w, "rating.created"), FB_ORDERS);
    store_read *r = NULL;
    assert_int_equal(store_read_begin(w->s, &r), LM_OK);
    store_rating_filter f = {.limit = 100};
    feedback_rating *list = NULL;
    size_t n = 0;
    lm_errinfo err = {0};
    lm_status rc = store_rating_list(r, &f, &list, &n, &err);
    store_read_end(r);
    OKE(rc, err);
    assert_int_equal(n, FB_ORDERS);
    lm_free(list);
}

/* ---- Surveys ---- */

static void surveys_nps(feedback_settings *s) {
    lm_strlcpy(s->survey_kind, "nps", sizeof s->survey_kind);
}

static feedback_tick_result tick(fb_world *w) {
    feedback_tick_result res;
    lm_errinfo err = {0};
    OKE(feedback_tick(w->fb, fb_now_ms, &res, &err), err);
    return res;
}

static lm_status answer(fb_world *w, int i, int32_t score, lm_errinfo *err) {
    store_tx *tx = fb_begin(w);
    return fb_end(tx,
                  feedback_survey_answer(w->fb, tx, w->order_ids[i], score, "quick", NULL, err));
}

static void test_surveys_follow_deliveries(void **state) {
    fb_world *w = *state;
    lm_errinfo err = {0};
    fb_deliver(w, 0);
    assert_int_equal(tick(w).surveys, 0); /* surveys are off by default */
    put_settings(w, surveys_nps);
    assert_int_equal(tick(w).surveys, 0); /* switching them on does not survey the past */
    fb_deliver(w, 1);
    fb_fail(w, 2);
    assert_int_equal(tick(w).surveys, 1); /* a failed attempt is not surveyed */
    assert_int_equal(tick(w).surveys, 0);
    fb_world_restart(w);
    assert_int_equal(tick(w).surveys, 0);
    assert_int_equal(fb_events(w, "survey.requested"), 1);

    REFUSED(answer(w, 0, 9, &err), LM_NOT_FOUND, "survey", err);
    REFUSED(answer(w, 1, 11, &err), LM_INVALID, "score", err);
    REFUSED(answer(w, 1, -1, &err), LM_INVALID, "score", err);
    OKE(answer(w, 1, 9, &err), err);
    REFUSED(answer(w, 1, 3, &err), LM_CONFLICT, "survey", err);

    fb_deliver(w, 3);
    assert_int_equal(tick(w).surveys, 1);
    fb_now_ms += 8 * 86400 * 1000;
    REFUSED(answer(w, 3, 10, &err), LM_CONFLICT, "survey", err); /* expired after 7 days */

    store_read *r = NULL;
    assert_int_equal(store_read_begin(w->s, &r), LM_OK);
    feedback_survey_stats st;
    lm_status rc = feedback_survey_stats_get(r, "nps", 0, INT64_MAX, &st, &err);
    feedback_survey sv;
    lm_status rc2 = feedback_survey_of_order(r, w->order_ids[1], &sv, &err);
    store_read_end(r);
    OKE(rc, err);
    OKE(rc2, err);
    assert_int_equal(st.asked, 2);
    assert_int_equal(st.answered, 1);
    assert_int_equal(st.hist[9], 1);
    assert_int_equal(st.nps, 100);
    assert_string_equal(sv.driver_id, "D1");
    assert_string_equal(sv.depot_id, "DEP");
    assert_int_equal(sv.score, 9);
}

static void test_rating_groups(void **state) {
    fb_world *w = *state;
    lm_errinfo err = {0};
    static const int32_t scores[] = {5, 4, 1};
    for (int i = 0; i < 3; i++) {
        fb_deliver(w, i);
        feedback_rating rt;
        OKE(rate(w, i, scores[i], 0, NULL, &rt, &err), err);
    }
    store_read *r = NULL;
    assert_int_equal(store_read_begin(w->s, &r), LM_OK);
    feedback_rating_group *g = NULL;
    size_t n = 0;
    lm_status rc = feedback_rating_groups(r, "driver_id", 0, INT64_MAX, &g, &n, &err);
    lm_status bad = feedback_rating_groups(r, "customer_name", 0, INT64_MAX, &g, &n, &err);
    store_read_end(r);
    assert_int_equal(bad, LM_INVALID);
    assert_string_equal(err.field, "group_by");
    OKE(rc, err);
    assert_int_equal(n, 1);
    assert_string_equal(g[0].key, "D1");
    assert_int_equal(g[0].count, 3);
    assert_int_equal(g[0].sum, 10);
    assert_int_equal(g[0].low, 1);
    assert_int_equal(g[0].by_score[4], 1);
    lm_free(g);
}

/* The handle: refused options, and the tick worker started and stopped (destroy wakes it; no
 * assertion on what it did, since that would need the wall clock). */
static void test_handle_options(void **state) {
    fb_world *w = *state;
    feedback_opts o;
    feedback_opts_init(&o);
    feedback *fb = NULL;
    lm_errinfo err = {0};
    REFUSED(feedback_create(&o, &fb, &err), LM_INVALID, "st", err);
    o.st = w->s;
    o.tick_ms = -1;
    REFUSED(feedback_create(&o, &fb, &err), LM_INVALID, "tick_ms", err);
    o.tick_ms = 5;
    OKE(feedback_create(&o, &fb, &err), err);
    feedback_destroy(fb);
    feedback_destroy(NULL);
    int64_t id = 0;
    store_read *r = NULL;
    assert_int_equal(store_read_begin(w->s, &r), LM_OK);
    lm_status found = feedback_order_by_token(r, w->tokens[2], &id, &err);
    lm_status unknown = feedback_order_by_token(r, "00000000000000000000000000000000", &id, &err);
    store_read_end(r);
    OKE(found, err);
    assert_int_equal(id, w->order_ids[2]);
    assert_int_equal(unknown, LM_NOT_FOUND);
    assert_string_equal(err.field, "token");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rating_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_low_rating_opens_ticket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_attempt_rating_and_dispute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_threads_rate_the_same_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_surveys_follow_deliveries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rating_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_options, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
