/* tests/returns/test_returns_cases.c: after-sales cases on a real SQLite file (missing -> reship
 * with stock but no payment, wrong item -> reship plus a pickup of the wrong one or keep it,
 * damaged -> refund or return by policy, bad cases change nothing), the pickup a planner reads,
 * and the return reports. */
#include "rt_world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static returns_case_in case_in(int64_t order, const char *kind, const char *sku, int64_t qty) {
    returns_case_in c;
    memset(&c, 0, sizeof c);
    c.order_id = order;
    lm_strlcpy(c.kind, kind, sizeof c.kind);
    lm_strlcpy(c.actor, "support-7", sizeof c.actor);
    lm_strlcpy(c.lines[0].sku, sku, sizeof c.lines[0].sku);
    c.lines[0].qty = qty;
    c.n_lines = 1;
    return c;
}

static void test_missing_item_reship(void **state) {
    rt_world *w = *state;
    int64_t order = rt_delivered(w, "A:2,B:1", "web");
    int64_t reserved = rt_stock(w, "B").reserved;
    returns_case_in in = case_in(order, "missing", "B", 1);
    returns_case c;
    lm_errinfo err = {0};
    RT_OK(returns_case_open(w->r, &in, &c, &err));
    assert_string_equal(c.status, "resolved");
    assert_string_equal(c.resolution, "reship");
    assert_true(c.reship_order_id > order);
    assert_int_equal(c.rma_id, 0);
    orders_order re;
    RT_OK(orders_order_get(w->fx->o, c.reship_order_id, &re, &err));
    assert_string_equal(re.status, "allocated"); /* stock taken like any order */
    assert_int_equal(re.n_lines, 1);
    assert_string_equal(re.lines[0].sku, "B");
    assert_string_equal(re.channel, "reship");
    assert_non_null(strstr(re.external_ref, "reship:"));
    assert_string_equal(re.customer_name, "Grace Hopper");
    orders_order_clear(&re);
    assert_int_equal(rt_stock(w, "B").reserved, reserved + 1);
    orders_money m;
    assert_int_equal(orders_money_get(w->fx->o, c.reship_order_id, &m, &err), LM_NOT_FOUND);
    /* nothing to pay: the reship has no money */
    returns_case got;
    RT_OK(returns_case_get(w->r, c.id, &got, &err));
    assert_int_equal(got.reship_order_id, c.reship_order_id);
    assert_int_equal(got.n_lines, 1);
    assert_int_equal(rt_events(w, "case.opened"), 1);
    assert_int_equal(rt_events(w, "case.resolved"), 1);
    /* a reship does not bypass stock: none left, it waits as a backorder */
    orders_stock st;
    RT_OK(orders_stock_set(w->fx->o, "d1", "C", 5, -1, &st, &err));
    int64_t food = rt_delivered(w, "C:1", "");
    RT_OK(orders_stock_set(w->fx->o, "d1", "C", 0, -1, &st, &err));
    /* the customer reports it after the duplicate-order window of the audit (15 minutes from the
     * original order): a reship of the whole order is otherwise held as its duplicate */
    money_fx_now += 3600000;
    in = case_in(food, "missing", "C", 1);
    RT_OK(returns_case_open(w->r, &in, &c, &err));
    RT_OK(orders_order_get(w->fx->o, c.reship_order_id, &re, &err));
    assert_string_equal(re.status, "backordered");
    orders_order_clear(&re);
}

static void test_wrong_item_reship_and_pickup(void **state) {
    rt_world *w = *state;
    int64_t order = rt_delivered(w, "A:1", "web");
    returns_case_in in = case_in(order, "wrong_item", "A", 1);
    lm_strlcpy(in.right[0].sku, "B", sizeof in.right[0].sku);
    in.right[0].qty = 1;
    in.n_right = 1;
    returns_case c;
    lm_errinfo err = {0};
    RT_OK(returns_case_open(w->r, &in, &c, &err));
    assert_string_equal(c.resolution, "reship");
    assert_true(c.reship_order_id > 0);
    assert_true(c.rma_id > 0);
    orders_order re;
    RT_OK(orders_order_get(w->fx->o, c.reship_order_id, &re, &err));
    assert_string_equal(re.lines[0].sku, "B");
    orders_order_clear(&re);
    returns_rma m;
    RT_OK(returns_rma_get(w->r, c.rma_id, &m, &err));
    assert_string_equal(m.status, "approved");
    assert_string_equal(m.method, "pickup");
    assert_string_equal(m.reason, "wrong_item");
    assert_int_equal(m.case_id, c.id);
    /* what the planner needs to collect it */
    returns_pickup p;
    RT_OK(returns_pickup_get(w->r, m.id, &p, &err));
    assert_int_equal(p.order_id, order);
    assert_true(p.lon > 13.40 && p.lon < 13.42);
    assert_int_equal(p.n_lines, 1);
    assert_string_equal(p.lines[0].sku, "A");
    assert_int_equal(p.weight_g, 100);
    assert_int_equal(p.volume_cm3, 100);
    assert_string_equal(p.depot_id, "d1");
    assert_true(p.depot_lat > 52.49 && p.depot_lat < 52.51);
    /* policy "keep": no pickup */
    returns_policy pol;
    returns_policy_defaults(&pol);
    lm_strlcpy(pol.rules.wrong_item, "keep", sizeof pol.rules.wrong_item);
    rt_policy(w, &pol);
    int64_t o2 = rt_delivered(w, "A:1", "web");
    in.order_id = o2;
    RT_OK(returns_case_open(w->r, &in, &c, &err));
    assert_true(c.reship_order_id > 0);
    assert_int_equal(c.rma_id, 0);
}

static void test_damaged_by_policy(void **state) {
    rt_world *w = *state;
    returns_policy pol;
    returns_policy_defaults(&pol);
    lm_strlcpy(pol.rules.damaged, "refund", sizeof pol.rules.damaged);
    rt_policy(w, &pol);
    int64_t order = rt_delivered(w, "A:2", "");
    returns_case_in in = case_in(order, "damaged", "A", 1);
    returns_case c;
    lm_errinfo err = {0};
    RT_OK(returns_case_open(w->r, &in, &c, &err));
    assert_string_equal(c.resolution, "refund");
    orders_money m = money_fx_get(w->fx, order);
    assert_int_equal(m.refunded, 1200);
    assert_string_equal(m.payment_status, "partially_refunded");
    orders_money_clear(&m);
    /* the caller may pick: a return (pickup RMA, approved) */
    in = case_in(order, "damaged", "A", 1);
    lm_strlcpy(in.resolution, "return", sizeof in.resolution);
    RT_OK(returns_case_open(w->r, &in, &c, &err));
    returns_rma r;
    RT_OK(returns_rma_get(w->r, c.rma_id, &r, &err));
    assert_string_equal(r.reason, "damaged");
    assert_string_equal(r.status, "approved");
}

static void expect_bad(rt_world *w, const returns_case_in *in, lm_status want, const char *field) {
    returns_case c;
    lm_errinfo err = {0};
    lm_status rc = returns_case_open(w->r, in, &c, &err);
    if (rc != want) fail_msg("%s: got %s (%s)", field, lm_status_name(rc), err.message);
    assert_string_equal(err.field, field);
}

static void test_bad_cases_change_nothing(void **state) {
    rt_world *w = *state;
    int64_t order = rt_delivered(w, "A:1", "");
    int64_t events = rt_events(w, NULL);
    returns_case_in in = case_in(order, "lost", "A", 1);
    expect_bad(w, &in, LM_INVALID, "kind");
    in = case_in(order, "missing", "A", 2);
    expect_bad(w, &in, LM_INVALID, "lines[0].qty");
    in = case_in(order, "missing", "B", 1);
    expect_bad(w, &in, LM_INVALID, "lines[0].sku");
    in = case_in(order, "missing", "A", 1);
    lm_strlcpy(in.resolution, "return", sizeof in.resolution);
    expect_bad(w, &in, LM_INVALID, "resolution");
    lm_strlcpy(in.resolution, "shrug", sizeof in.resolution);
    expect_bad(w, &in, LM_INVALID, "resolution");
    in = case_in(order, "wrong_item", "A", 1);
    expect_bad(w, &in, LM_INVALID, "right");
    in = case_in(order, "missing", "A", 1);
    in.actor[0] = '\0';
    expect_bad(w, &in, LM_INVALID, "actor");
    in = case_in(order, "missing", "A", 1);
    in.n_lines = 0;
    expect_bad(w, &in, LM_INVALID, "lines");
    in = case_in(order + 50, "missing", "A", 1);
    expect_bad(w, &in, LM_NOT_FOUND, "order_id");
    /* a reship of an unknown SKU fails inside and rolls the whole case back */
    in = case_in(order, "wrong_item", "A", 1);
    lm_strlcpy(in.right[0].sku, "nope", sizeof in.right[0].sku);
    in.right[0].qty = 1;
    in.n_right = 1;
    expect_bad(w, &in, LM_INVALID, "lines[0].sku");
    assert_int_equal(rt_events(w, NULL), events);
    /* a drop-off return has no pickup */
    returns_request q = rt_request(order, "A:1", "damaged", "dropoff");
    returns_rma m;
    lm_errinfo err = {0};
    RT_OK(returns_rma_request(w->r, &q, &m, &err));
    returns_pickup p;
    assert_int_equal(returns_pickup_get(w->r, m.id, &p, &err), LM_CONFLICT);
    assert_string_equal(err.field, "status");
}

static const returns_rate *find(const returns_rate *rows, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].key, key)) return &rows[i];
    fail_msg("no row %s", key);
    return NULL;
}

static void test_reports(void **state) {
    rt_world *w = *state;
    int64_t t0 = money_fx_now;
    int64_t o1 = rt_delivered(w, "A:2,B:1", "web");
    rt_delivered(w, "A:2", "web");
    int64_t o3 = rt_delivered(w, "B:4", "shop");
    lm_errinfo err = {0};
    returns_rma m1 = rt_rma(w, o1, "A:1", "damaged");
    rt_rma(w, o3, "B:2", "defective");
    rt_to_received(w, m1.id);
    RT_OK(returns_rma_inspect(w->r, m1.id, 0, "resellable", "", "warehouse", &m1, &err));
    money_fx_now += 3600000; /* refunded an hour after the request */
    RT_OK(returns_rma_refund(w->r, m1.id, 0, "support", &m1, &err));
    returns_rate *rows = NULL;
    size_t n = 0;
    int64_t t1 = money_fx_now + 1;
    RT_OK(returns_report_rates(w->r, "product", t0, t1, &rows, &n, &err));
    assert_int_equal(n, 2);
    assert_int_equal(find(rows, n, "A")->returned, 1);
    assert_int_equal(find(rows, n, "A")->base, 4);
    assert_int_equal(find(rows, n, "B")->returned, 2);
    assert_int_equal(find(rows, n, "B")->base, 5);
    lm_free(rows);
    RT_OK(returns_report_rates(w->r, "channel", t0, t1, &rows, &n, &err));
    assert_int_equal(find(rows, n, "web")->returned, 1);
    assert_int_equal(find(rows, n, "web")->base, 2);
    assert_int_equal(find(rows, n, "shop")->base, 1);
    lm_free(rows);
    RT_OK(returns_report_rates(w->r, "reason", t0, t1, &rows, &n, &err));
    assert_int_equal(find(rows, n, "defective")->returned, 1);
    assert_int_equal(find(rows, n, "defective")->base, 2);
    lm_free(rows);
    RT_OK(returns_report_rates(w->r, "depot", t0, t1, &rows, &n, &err));
    assert_int_equal(find(rows, n, "d1")->returned, 2);
    assert_int_equal(find(rows, n, "d1")->base, 3);
    lm_free(rows);
    assert_int_equal(returns_report_rates(w->r, "colour", t0, t1, &rows, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "by");
    int64_t count = 0, mean = 0, max = 0;
    RT_OK(returns_report_refund_times(w->r, t0, t1, &count, &mean, &max, &err));
    assert_int_equal(count, 1);
    assert_int_equal(mean, 3600000);
    assert_int_equal(max, 3600000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_missing_item_reship, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_item_reship_and_pickup, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_by_policy, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(test_bad_cases_change_nothing, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(test_reports, rt_setup, rt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
