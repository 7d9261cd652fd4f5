/* tests/returns/test_returns_policy.c: the return policy's validation (each bad field named), the
 * window resolution, the RMA transition table pair by pair, and the policy stored across a
 * restart. */
#include "rt_world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* The legal moves, written out independently of returns/policy.c's table. */
static const char *const legal[][2] = {
    {"requested", "approved"},
    {"requested", "refused"},
    {"approved", "pickup_scheduled"},
    {"approved", "dropoff_expected"},
    {"pickup_scheduled", "collected"},
    {"dropoff_expected", "received"},
    {"collected", "received"},
    {"received", "inspected"},
    {"inspected", "refunded"},
    {"inspected", "closed"},
    {"refunded", "closed"},
};

static void test_transition_table(void **state) {
    (void)state;
    size_t n_legal = sizeof legal / sizeof legal[0], seen = 0;
    for (int f = 0; f < RETURNS_STATE_COUNT; f++)
        for (int t = 0; t < RETURNS_STATE_COUNT; t++) {
            bool want = false;
            for (size_t i = 0; i < n_legal; i++)
                if (!strcmp(legal[i][0], returns_state_name((returns_state)f)) &&
                    !strcmp(legal[i][1], returns_state_name((returns_state)t)))
                    want = true;
            seen += want;
            assert_int_equal(returns_transition_allowed((returns_state)f, (returns_state)t), want);
        }
    assert_int_equal(seen, n_legal); /* every listed pair names real states */
    assert_false(returns_transition_allowed(RETURNS_STATE_COUNT, RETURNS_CLOSED));
    returns_state s;
    assert_true(returns_state_parse("pickup_scheduled", &s));
    assert_int_equal(s, RETURNS_PICKUP_SCHEDULED);
    assert_false(returns_state_parse("lost", &s));
    returns_reason r;
    assert_true(returns_reason_parse("late_delivery", &r));
    assert_string_equal(returns_reason_name(r), "late_delivery");
    assert_false(returns_reason_parse("bored", &r));
}

/* Applies one change to the defaults and expects INVALID naming field. */
static void bad(void (*change)(returns_policy *), const char *field) {
    returns_policy p;
    returns_policy_defaults(&p);
    change(&p);
    lm_errinfo err = {0};
    assert_int_equal(returns_policy_check(&p, &err), LM_INVALID);
    assert_string_equal(err.field, field);
}

static void c_window(returns_policy *p) {
    p->rules.default_window_days = -1;
}
static void c_reasons(returns_policy *p) {
    p->rules.reasons_mask = 0;
}
static void c_reasons_unknown(returns_policy *p) {
    p->rules.reasons_mask |= 1u << 20;
}
static void c_auto(returns_policy *p) {
    p->rules.reasons_mask = 1u << RETURNS_REASON_CHANGED_MIND;
    p->rules.auto_approve_mask = 1u << RETURNS_REASON_DAMAGED;
}
static void c_auto_value(returns_policy *p) {
    p->rules.auto_approve_max_value = -5;
}
static void c_payer(returns_policy *p) {
    lm_strlcpy(p->rules.payer, "nobody", 16);
}
static void c_offer(returns_policy *p) {
    p->rules.offer_pickup = p->rules.offer_dropoff = false;
}
static void c_rule(returns_policy *p) {
    lm_strlcpy(p->rules.refund_rule, "double", 16);
}
static void c_fee(returns_policy *p) {
    p->rules.return_shipping_fee = -1;
}
static void c_threshold(returns_policy *p) {
    p->rules.quality_threshold = -1;
}
static void c_qwindow(returns_policy *p) {
    p->rules.quality_window_days = 0;
}
static void c_wrong(returns_policy *p) {
    lm_strlcpy(p->rules.wrong_item, "burn", 16);
}
static void c_damaged(returns_policy *p) {
    lm_strlcpy(p->rules.damaged, "", 16);
}
static void c_wkind(returns_policy *p) {
    p->n_windows = 1;
    lm_strlcpy(p->windows[0].kind, "country", 8);
    lm_strlcpy(p->windows[0].key, "x", sizeof p->windows[0].key);
}
static void c_wkey(returns_policy *p) {
    p->n_windows = 1;
    lm_strlcpy(p->windows[0].kind, "product", 8);
}
static void c_wdays(returns_policy *p) {
    p->n_windows = 2;
    lm_strlcpy(p->windows[0].kind, "product", 8);
    lm_strlcpy(p->windows[0].key, "A", sizeof p->windows[0].key);
    lm_strlcpy(p->windows[1].kind, "channel", 8);
    lm_strlcpy(p->windows[1].key, "web", sizeof p->windows[1].key);
    p->windows[1].days = 9999;
}
static void c_wdup(returns_policy *p) {
    p->n_windows = 2;
    for (int i = 0; i < 2; i++) {
        lm_strlcpy(p->windows[i].kind, "product", 8);
        lm_strlcpy(p->windows[i].key, "A", sizeof p->windows[i].key);
    }
}

static void test_policy_validation(void **state) {
    (void)state;
    returns_policy p;
    returns_policy_defaults(&p);
    lm_errinfo err = {0};
    assert_int_equal(returns_policy_check(&p, &err), LM_OK);
    bad(c_window, "default_window_days");
    bad(c_reasons, "reasons");
    bad(c_reasons_unknown, "reasons");
    bad(c_auto, "auto_approve.reasons");
    bad(c_auto_value, "auto_approve.max_value");
    bad(c_payer, "payer");
    bad(c_offer, "offer_pickup");
    bad(c_rule, "refund_rule");
    bad(c_fee, "return_shipping_fee");
    bad(c_threshold, "quality_threshold");
    bad(c_qwindow, "quality_window_days");
    bad(c_wrong, "wrong_item");
    bad(c_damaged, "damaged");
    bad(c_wkind, "windows[0].kind");
    bad(c_wkey, "windows[0].key");
    bad(c_wdays, "windows[1].days");
    bad(c_wdup, "windows[1].key");
}

static void test_window_resolution(void **state) {
    (void)state;
    returns_policy p;
    returns_policy_defaults(&p);
    p.n_windows = 2;
    lm_strlcpy(p.windows[0].kind, "channel", 8);
    lm_strlcpy(p.windows[0].key, "web", sizeof p.windows[0].key);
    p.windows[0].days = 14;
    lm_strlcpy(p.windows[1].kind, "product", 8);
    lm_strlcpy(p.windows[1].key, "food", sizeof p.windows[1].key);
    p.windows[1].days = 0;
    assert_int_equal(returns_policy_window_days(&p, "web", "A"), 14);
    assert_int_equal(returns_policy_window_days(&p, "shop", "A"), 30);
    assert_int_equal(returns_policy_window_days(&p, "web", "food"), 0); /* product wins */
}

static void test_policy_stored(void **state) {
    rt_world *w = *state;
    returns_policy p, got;
    lm_errinfo err = {0};
    RT_OK(returns_policy_get(w->r, &got, &err));
    assert_int_equal(got.rules.default_window_days, 30); /* defaults before any put */
    returns_policy_defaults(&p);
    p.rules.default_window_days = 10;
    lm_strlcpy(p.rules.refund_rule, "minus_shipping", 16);
    p.rules.return_shipping_fee = 495;
    p.n_windows = 1;
    lm_strlcpy(p.windows[0].kind, "product", 8);
    lm_strlcpy(p.windows[0].key, "C", sizeof p.windows[0].key);
    rt_policy(w, &p);
    /* a bad policy changes nothing */
    returns_policy worse = p;
    worse.rules.quality_window_days = 0;
    assert_int_equal(returns_policy_put(w->r, &worse, "admin", &err), LM_INVALID);
    assert_string_equal(err.field, "quality_window_days");
    assert_int_equal(returns_policy_put(w->r, &p, "", &err), LM_INVALID);
    assert_string_equal(err.field, "actor");
    rt_reopen(w);
    RT_OK(returns_policy_get(w->r, &got, &err));
    assert_int_equal(got.rules.default_window_days, 10);
    assert_string_equal(got.rules.refund_rule, "minus_shipping");
    assert_int_equal(got.rules.return_shipping_fee, 495);
    assert_int_equal(got.n_windows, 1);
    assert_string_equal(got.windows[0].key, "C");
    assert_int_equal(got.windows[0].days, 0);
    assert_int_equal(rt_events(w, "returns.policy_put"), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test(test_policy_validation),
        cmocka_unit_test(test_window_resolution),
        cmocka_unit_test_setup_teardown(test_policy_stored, rt_setup, rt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
