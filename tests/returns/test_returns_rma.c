/* tests/returns/test_returns_rma.c: the RMA lifecycle on a real SQLite file: every move tried in
 * every state (only the table's moves pass, the others get CONFLICT naming the state and change
 * nothing), quantity and window bounds, restock with the backorder retry, the quality threshold
 * that blocks a SKU until cleared, the refund cap, a restart, and two inspections racing. */
#include "rt_world.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

enum {
    OP_APPROVE,
    OP_REFUSE,
    OP_SCHEDULE,
    OP_COLLECT,
    OP_RECEIVE,
    OP_INSPECT,
    OP_REFUND,
    OP_CLOSE,
    OP_COUNT
};

static lm_status op_run(rt_world *w, int op, int64_t id, size_t line, lm_errinfo *err) {
    returns_rma m;
    switch (op) {
    case OP_APPROVE: return returns_rma_approve(w->r, id, "support", &m, err);
    case OP_REFUSE: return returns_rma_refuse(w->r, id, "support", "worn", &m, err);
    case OP_SCHEDULE: return returns_rma_schedule(w->r, id, "dispatcher", &m, err);
    case OP_COLLECT: return returns_rma_collect(w->r, id, "driver-1", &m, err);
    case OP_RECEIVE: return returns_rma_receive(w->r, id, "warehouse", &m, err);
    case OP_INSPECT:
        return returns_rma_inspect(w->r, id, line, "resellable", "ok", "warehouse", &m, err);
    case OP_REFUND: return returns_rma_refund(w->r, id, 0, "support", &m, err);
    default: return returns_rma_close(w->r, id, "support", &m, err);
    }
}

static void status_is(rt_world *w, int64_t id, const char *want) {
    returns_rma m;
    lm_errinfo err = {0};
    RT_OK(returns_rma_get(w->r, id, &m, &err));
    assert_string_equal(m.status, want);
}

/* The op that is legal in state besides the one a walk takes (the branches of the table). */
static int other_legal(const char *state, int legal) {
    if (!strcmp(state, "requested")) return legal == OP_APPROVE ? OP_REFUSE : OP_APPROVE;
    if (!strcmp(state, "inspected")) return legal == OP_REFUND ? OP_CLOSE : OP_REFUND;
    return -1;
}

/* In the RMA's current state, every op the table does not allow is refused naming the state,
 * and changes nothing; then `legal` moves it to `next`. */
static void walk(rt_world *w, int64_t id, const char *state, int legal, const char *next) {
    int64_t events = rt_events(w, NULL);
    for (int op = 0; op < OP_COUNT; op++) {
        if (op == legal || op == other_legal(state, legal)) continue;
        lm_errinfo err = {0};
        lm_status rc = op_run(w, op, id, 0, &err);
        if (rc != LM_CONFLICT) fail_msg("op %d in %s gave %s", op, state, lm_status_name(rc));
        assert_string_equal(err.field, "status");
        assert_non_null(strstr(err.message, state));
        status_is(w, id, state);
    }
    assert_int_equal(rt_events(w, NULL), events);
    if (legal < 0) return;
    lm_errinfo err = {0};
    assert_int_equal(op_run(w, legal, id, 0, &err), LM_OK);
    if (legal == OP_INSPECT) /* the second line finishes the inspection */
        assert_int_equal(op_run(w, OP_INSPECT, id, 1, &err), LM_OK);
    status_is(w, id, next);
}

static void manual_approval(rt_world *w) {
    returns_policy p;
    returns_policy_defaults(&p);
    p.rules.auto_approve_mask = 0;
    rt_policy(w, &p);
}

static void test_every_move_in_every_state(void **state) {
    rt_world *w = *state;
    manual_approval(w);
    int64_t order = rt_delivered(w, "A:2,B:1", "web");
    returns_rma m = rt_rma(w, order, "A:1,B:1", "changed_mind");
    assert_string_equal(m.status, "requested");
    assert_string_equal(m.method, "pickup");
    assert_int_equal(m.value, 1200 + 356); /* A 10.00 + 20 %, B 3.33 + 7 % */
    walk(w, m.id, "requested", OP_APPROVE, "approved");
    walk(w, m.id, "approved", OP_SCHEDULE, "pickup_scheduled");
    walk(w, m.id, "pickup_scheduled", OP_COLLECT, "collected");
    walk(w, m.id, "collected", OP_RECEIVE, "received");
    walk(w, m.id, "received", OP_INSPECT, "inspected");
    walk(w, m.id, "inspected", OP_REFUND, "refunded");
    walk(w, m.id, "refunded", OP_CLOSE, "closed");
    walk(w, m.id, "closed", -1, "closed");
    /* every step an event with its actor and time */
    assert_int_equal(rt_events(w, "return.requested"), 1);
    assert_int_equal(rt_events(w, "return.collected"), 1);
    assert_int_equal(rt_events(w, "return.line_inspected"), 2);
    assert_int_equal(rt_events(w, "return.refund_recorded"), 1);
    assert_int_equal(rt_events(w, "return.closed"), 1);
    store_read *rd = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    RT_OK(store_read_begin(w->fx->s, &rd));
    RT_OK(store_events_since(rd, 0, 10000, &ev, &n));
    store_read_end(rd);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ev[i].type, "return.collected")) {
            assert_non_null(strstr(ev[i].payload_json, "\"actor\":\"driver-1\""));
            assert_non_null(strstr(ev[i].payload_json, "\"at_ms\":"));
            found = true;
        }
    store_events_free(ev, n);
    assert_true(found);

    /* the drop-off branch and the refusal branch */
    int64_t order2 = rt_delivered(w, "A:2", "web");
    returns_request q = rt_request(order2, "A:1", "changed_mind", "dropoff");
    lm_errinfo err = {0};
    RT_OK(returns_rma_request(w->r, &q, &m, &err));
    walk(w, m.id, "requested", OP_APPROVE, "approved");
    walk(w, m.id, "approved", OP_SCHEDULE, "dropoff_expected");
    walk(w, m.id, "dropoff_expected", OP_RECEIVE, "received");
    returns_rma x = rt_rma(w, order2, "A:1", "changed_mind");
    walk(w, x.id, "requested", OP_REFUSE, "refused");
    RT_OK(returns_rma_get(w->r, x.id, &x, &err));
    assert_string_equal(x.note, "worn");
    walk(w, x.id, "refused", -1, "refused");
    /* a refused return gives its units back to what may still be returned */
    returns_rma again = rt_rma(w, order2, "A:1", "changed_mind");
    assert_string_equal(again.status, "requested");
}

static void expect_bad(rt_world *w, const returns_request *q, lm_status want, const char *field) {
    returns_rma m;
    lm_errinfo err = {0};
    lm_status rc = returns_rma_request(w->r, q, &m, &err);
    if (rc != want) fail_msg("%s: got %s (%s)", field, lm_status_name(rc), err.message);
    assert_string_equal(err.field, field);
}

static void test_request_bounds(void **state) {
    rt_world *w = *state;
    returns_policy p;
    returns_policy_defaults(&p);
    p.rules.reasons_mask &= ~(1u << RETURNS_REASON_LATE_DELIVERY);
    p.rules.offer_dropoff = false;
    p.n_windows = 1;
    lm_strlcpy(p.windows[0].kind, "product", 8);
    lm_strlcpy(p.windows[0].key, "C", sizeof p.windows[0].key);
    rt_policy(w, &p);
    int64_t order = rt_delivered(w, "A:2,C:1", "web");
    int64_t before = rt_events(w, "return.requested");
    returns_request q = rt_request(order, "A:3", "damaged", "");
    expect_bad(w, &q, LM_INVALID, "lines[0].qty");
    q = rt_request(order, "A:1,A:2", "damaged", "");
    expect_bad(w, &q, LM_INVALID, "lines[1].qty");
    q = rt_request(order, "B:1", "damaged", "");
    expect_bad(w, &q, LM_INVALID, "lines[0].sku");
    q = rt_request(order, "C:1", "damaged", "");
    expect_bad(w, &q, LM_INVALID, "lines[0].sku"); /* window 0: not returnable */
    q = rt_request(order, "A:0", "damaged", "");
    expect_bad(w, &q, LM_INVALID, "lines[0].qty");
    q = rt_request(order, "", "damaged", "");
    expect_bad(w, &q, LM_INVALID, "lines");
    q = rt_request(order, "A:1", "late_delivery", "");
    expect_bad(w, &q, LM_INVALID, "reason");
    q = rt_request(order, "A:1", "bored", "");
    expect_bad(w, &q, LM_INVALID, "reason");
    q = rt_request(order, "A:1", "damaged", "dropoff");
    expect_bad(w, &q, LM_INVALID, "method");
    q = rt_request(order, "A:1", "damaged", "");
    q.actor[0] = '\0';
    expect_bad(w, &q, LM_INVALID, "actor");
    q = rt_request(order + 100, "A:1", "damaged", "");
    expect_bad(w, &q, LM_NOT_FOUND, "order_id");
    /* an order not yet delivered */
    orders_money_in mi = money_fx_in("EUR", "", 0, NULL, NULL);
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t fresh = 0;
    RT_OK(money_fx_order(w->fx, "A:1", NULL, "web", &mi, &fresh, &res, &err));
    orders_money_clear(&res.money);
    q = rt_request(fresh, "A:1", "damaged", "");
    expect_bad(w, &q, LM_CONFLICT, "order_id");
    assert_int_equal(rt_events(w, "return.requested"), before); /* nothing changed */
    /* delivered minus already returned */
    rt_rma(w, order, "A:2", "damaged");
    q = rt_request(order, "A:1", "damaged", "");
    expect_bad(w, &q, LM_INVALID, "lines[0].qty");
    /* the window closes 30 days after delivery */
    int64_t late = rt_delivered(w, "A:1", "web");
    money_fx_now += 31 * 86400000LL;
    q = rt_request(late, "A:1", "damaged", "");
    expect_bad(w, &q, LM_CONFLICT, "lines[0].sku");
}

static void test_auto_approval_by_reason_and_value(void **state) {
    rt_world *w = *state;
    returns_policy p;
    returns_policy_defaults(&p);
    p.rules.auto_approve_mask = 1u << RETURNS_REASON_CHANGED_MIND;
    p.rules.auto_approve_max_value = 1500;
    rt_policy(w, &p);
    int64_t order = rt_delivered(w, "A:2,B:1", "");
    returns_rma cheap = rt_rma(w, order, "A:1", "changed_mind"); /* 1200 <= 1500 */
    assert_string_equal(cheap.status, "approved");
    returns_rma dear = rt_rma(w, order, "A:1,B:1", "changed_mind"); /* 1556 > 1500 */
    assert_string_equal(dear.status, "requested");
    int64_t o2 = rt_delivered(w, "A:1", "");
    returns_rma other = rt_rma(w, o2, "A:1", "damaged"); /* reason not auto-approved */
    assert_string_equal(other.status, "requested");
    assert_int_equal(rt_events(w, "return.approved"), 1);
}

static void test_restock_runs_backorders(void **state) {
    rt_world *w = *state;
    int64_t order = rt_delivered(w, "C:2", "");
    orders_stock st;
    lm_errinfo err = {0};
    RT_OK(orders_stock_set(w->fx->o, "d1", "C", 0, -1, &st, &err));
    orders_money_in mi = money_fx_in("EUR", "", 0, NULL, NULL);
    orders_money_result res;
    int64_t waiting = 0;
    RT_OK(money_fx_order(w->fx, "C:1", NULL, "", &mi, &waiting, &res, &err));
    orders_money_clear(&res.money);
    char status[24];
    money_fx_status(w->fx, waiting, status);
    assert_string_equal(status, "backordered");
    returns_rma m = rt_rma(w, order, "C:2", "damaged");
    assert_string_equal(m.status, "approved"); /* damaged: auto-approved by default */
    rt_to_received(w, m.id);
    RT_OK(returns_rma_inspect(w->r, m.id, 0, "resellable", "sealed", "warehouse", &m, &err));
    assert_string_equal(m.status, "inspected");
    assert_string_equal(m.lines[0].disposition, "restocked");
    st = rt_stock(w, "C");
    assert_int_equal(st.on_hand, 2);
    assert_int_equal(st.reserved, 1); /* the backordered order got its unit */
    money_fx_status(w->fx, waiting, status);
    assert_string_equal(status, "allocated");
    assert_int_equal(rt_events(w, "stock.returned"), 1);
}

static void test_quality_threshold_blocks_sales(void **state) {
    rt_world *w = *state;
    returns_policy p;
    returns_policy_defaults(&p);
    p.rules.quality_threshold = 2;
    rt_policy(w, &p);
    int64_t order = rt_delivered(w, "A:3", "");
    int64_t on_hand = rt_stock(w, "A").on_hand;
    lm_errinfo err = {0};
    returns_rma m1 = rt_rma(w, order, "A:1", "defective");
    rt_to_received(w, m1.id);
    RT_OK(returns_rma_inspect(w->r, m1.id, 0, "defective", "no power", "warehouse", &m1, &err));
    assert_string_equal(m1.lines[0].disposition, "quarantined");
    bool blocked = true;
    char why[160];
    RT_OK(returns_sales_block_get(w->r, "A", &blocked, why, &err));
    assert_false(blocked);
    returns_rma m2 = rt_rma(w, order, "A:1", "defective");
    rt_to_received(w, m2.id);
    RT_OK(returns_rma_inspect(w->r, m2.id, 0, "defective", "", "warehouse", &m2, &err));
    RT_OK(returns_sales_block_get(w->r, "A", &blocked, why, &err));
    assert_true(blocked);
    assert_non_null(strstr(why, "2 defective returns"));
    assert_int_equal(rt_events(w, "product.sales_blocked"), 1);
    assert_int_equal(rt_stock(w, "A").on_hand, on_hand); /* quarantined: not restocked */
    /* the next order for A is held with the reason; one for B is not */
    orders_money_in mi = money_fx_in("EUR", "", 0, NULL, NULL);
    orders_money_result res;
    int64_t held = 0, other = 0;
    RT_OK(money_fx_order(w->fx, "A:1", NULL, "", &mi, &held, &res, &err));
    orders_money_clear(&res.money);
    RT_OK(money_fx_order(w->fx, "B:1", NULL, "", &mi, &other, &res, &err));
    orders_money_clear(&res.money);
    char status[24];
    money_fx_status(w->fx, held, status);
    assert_string_equal(status, "held");
    money_fx_status(w->fx, other, status);
    assert_string_not_equal(status, "held");
    orders_exception *ex = NULL;
    size_t n = 0;
    RT_OK(orders_exception_list(w->fx->o, true, held, &ex, &n, &err));
    assert_int_equal(n, 1);
    assert_string_equal(ex[0].rule, "sales_blocked");
    assert_string_equal(ex[0].field, "lines[0].sku");
    lm_free(ex);
    /* a person clears it: orders flow again */
    assert_int_equal(returns_sales_block_clear(w->r, "A", "", &err), LM_INVALID);
    RT_OK(returns_sales_block_clear(w->r, "A", "quality-lead", &err));
    assert_int_equal(returns_sales_block_clear(w->r, "A", "quality-lead", &err), LM_NOT_FOUND);
    int64_t after = 0;
    RT_OK(money_fx_order(w->fx, "A:1", NULL, "", &mi, &after, &res, &err));
    orders_money_clear(&res.money);
    money_fx_status(w->fx, after, status);
    assert_string_equal(status, "allocated");
    assert_int_equal(rt_events(w, "product.sales_cleared"), 1);
}

static void test_refund_is_capped(void **state) {
    rt_world *w = *state;
    int64_t order = rt_delivered(w, "A:1", "");
    lm_errinfo err = {0};
    orders_refund rf = {.amount = 500};
    lm_strlcpy(rf.reason, "goodwill", sizeof rf.reason);
    orders_money mo;
    RT_OK(orders_refund_create(w->fx->o, order, &rf, &mo, &err));
    orders_money_clear(&mo);
    returns_rma m = rt_rma(w, order, "A:1", "damaged");
    rt_to_received(w, m.id);
    RT_OK(returns_rma_inspect(w->r, m.id, 0, "damaged", "", "warehouse", &m, &err));
    assert_int_equal(returns_rma_refund(w->r, m.id, 1201, "support", &m, &err), LM_INVALID);
    assert_string_equal(err.field, "amount");
    assert_int_equal(returns_rma_refund(w->r, m.id, 900, "support", &m, &err), LM_INVALID);
    assert_string_equal(err.field, "amount"); /* within the rule, beyond what is left */
    status_is(w, m.id, "inspected");
    RT_OK(returns_rma_refund(w->r, m.id, 0, "support", &m, &err));
    assert_int_equal(m.refund_amount, 700); /* full rule 1200, capped by 1200 - 500 */
    orders_money now = money_fx_get(w->fx, order);
    assert_int_equal(now.refunded, 1200);
    assert_string_equal(now.payment_status, "refunded");
    orders_money_clear(&now);
    /* minus_shipping keeps the return fee */
    returns_policy p;
    returns_policy_defaults(&p);
    lm_strlcpy(p.rules.refund_rule, "minus_shipping", 16);
    p.rules.return_shipping_fee = 200;
    rt_policy(w, &p);
    int64_t o2 = rt_delivered(w, "A:1", "");
    m = rt_rma(w, o2, "A:1", "damaged");
    rt_to_received(w, m.id);
    RT_OK(returns_rma_inspect(w->r, m.id, 0, "resellable", "", "warehouse", &m, &err));
    RT_OK(returns_rma_refund(w->r, m.id, 0, "support", &m, &err));
    assert_int_equal(m.refund_amount, 1000);
}

static void test_restart_keeps_everything(void **state) {
    rt_world *w = *state;
    int64_t order = rt_delivered(w, "A:1,B:2", "");
    returns_rma m = rt_rma(w, order, "A:1,B:2", "wrong_item");
    rt_to_received(w, m.id);
    lm_errinfo err = {0};
    RT_OK(returns_rma_inspect(w->r, m.id, 1, "resellable", "", "warehouse", &m, &err));
    rt_reopen(w);
    returns_rma got;
    RT_OK(returns_rma_get(w->r, m.id, &got, &err));
    assert_string_equal(got.status, "received");
    assert_int_equal(got.n_lines, 2);
    assert_string_equal(got.lines[1].condition, "resellable");
    assert_string_equal(got.lines[0].condition, "");
    assert_int_equal(got.value, m.value);
    /* the inspected line stays inspected; the other one finishes the RMA */
    assert_int_equal(returns_rma_inspect(w->r, m.id, 1, "damaged", "", "warehouse", &got, &err),
                     LM_CONFLICT);
    RT_OK(returns_rma_inspect(w->r, m.id, 0, "resellable", "", "warehouse", &got, &err));
    assert_string_equal(got.status, "inspected");
    int64_t *ids = NULL;
    size_t n = 0;
    RT_OK(returns_rma_ids(w->r, "inspected", &ids, &n, &err));
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], m.id);
    lm_free(ids);
    assert_int_equal(rt_events(w, "return.received"), 1);
}

typedef struct racer {
    rt_world *w;
    int64_t id;
    pthread_barrier_t *go;
    lm_status rc;
    lm_errinfo err;
} racer;

static void *race(void *arg) {
    racer *x = arg;
    returns_rma m;
    pthread_barrier_wait(x->go);
    x->rc = returns_rma_inspect(x->w->r, x->id, 0, "resellable", "", "warehouse", &m, &x->err);
    return NULL;
}

static void test_two_inspections_one_wins(void **state) {
    rt_world *w = *state;
    int64_t order = rt_delivered(w, "A:1,B:1", "");
    returns_rma m = rt_rma(w, order, "A:1,B:1", "damaged");
    rt_to_received(w, m.id);
    int64_t on_hand = rt_stock(w, "A").on_hand;
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    racer a = {.w = w, .id = m.id, .go = &go}, b = a;
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, race, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, race, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&go);
    assert_int_equal((a.rc == LM_OK) + (b.rc == LM_OK), 1);
    racer *loser = a.rc == LM_OK ? &b : &a;
    assert_int_equal(loser->rc, LM_CONFLICT);
    assert_string_equal(loser->err.field, "line");
    assert_int_equal(rt_stock(w, "A").on_hand, on_hand + 1); /* restocked once */
    assert_int_equal(rt_events(w, "return.line_inspected"), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_move_in_every_state, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(test_request_bounds, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(test_auto_approval_by_reason_and_value, rt_setup,
                                        rt_teardown),
        cmocka_unit_test_setup_teardown(test_restock_runs_backorders, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(test_quality_threshold_blocks_sales, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(test_refund_is_capped, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(test_restart_keeps_everything, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(test_two_inspections_one_wins, rt_setup, rt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
