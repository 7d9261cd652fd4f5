/* orders/recovery on a real SQLite file: attempts are counted across re-attempts, a reschedule
 * past max_attempts returns the parcel to stock, and the stock adds up over two departures (the
 * held units are taken off once per departure, never twice), with every change in the
 * transaction of its check-in. */
#include "orders/orders.h"
#include "orders/recovery.h"
#include "store/store.h"
#include "orders_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int setup(void **state) {
    return orders_fx_setup(state, "lm_recovery_");
}

static int64_t order_ready(orders_fx *f) {
    orders_fx_depot(f, "DEP", 4.85, 45.75);
    orders_fx_product(f, "SKU", 1000, 1000);
    orders_fx_stock(f, "DEP", "SKU", 10);
    orders_line l = {.qty = 2};
    lm_strlcpy(l.sku, "SKU", sizeof l.sku);
    orders_order in = {.has_location = true, .lon = 4.86, .lat = 45.76, .lines = &l, .n_lines = 1};
    lm_strlcpy(in.customer_name, "Ann", sizeof in.customer_name);
    lm_strlcpy(in.customer_address, "1 rue A", sizeof in.customer_address);
    in.windows[0] = (store_window){1800000000, 1800003600};
    in.n_windows = 1;
    orders_order out = {0};
    bool replayed = false;
    ORDERS_FX_OK(orders_order_create(f->o, &in, NULL, &out, &replayed, &e_));
    int64_t id = out.id;
    orders_order_clear(&out);
    ORDERS_FX_OK(orders_order_picking(f->o, id, NULL, &e_));
    ORDERS_FX_OK(orders_order_ready(f->o, id, 2000, 2000, 1, NULL, &e_));
    return id;
}

static store_stock stock(orders_fx *f) {
    store_read *rd = NULL;
    store_stock st = {0};
    assert_int_equal(store_read_begin(f->s, &rd), LM_OK);
    ORDERS_FX_OK(store_stock_get(rd, "DEP", "SKU", &st, &e_));
    store_read_end(rd);
    return st;
}

/* ready -> planned -> out for delivery -> failed, then the failure recorded, in one tx. */
static orders_recovery fail_once(orders_fx *f, int64_t id, const char *reason) {
    ORDERS_FX_OK(orders_order_advance(f->o, id, ORDERS_PLANNED, NULL, &e_));
    ORDERS_FX_OK(orders_order_advance(f->o, id, ORDERS_OUT_FOR_DELIVERY, NULL, &e_));
    ORDERS_FX_OK(orders_order_advance(f->o, id, ORDERS_FAILED, NULL, &e_));
    store_tx *tx = NULL;
    orders_recovery rec = {0};
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    ORDERS_FX_OK(orders_recovery_on_failure_tx(tx, id, reason, 1800001000000, &rec, &e_));
    assert_int_equal(store_tx_commit(tx), LM_OK);
    return rec;
}

static orders_recovery checkin(orders_fx *f, int64_t id) {
    store_tx *tx = NULL;
    orders_recovery rec = {0};
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    ORDERS_FX_OK(orders_recovery_checkin_tx(f->o, tx, id, 1800002000000, &rec, &e_));
    assert_int_equal(store_tx_commit(tx), LM_OK);
    return rec;
}

static void test_attempts_counted_until_the_goods_go_back(void **state) {
    orders_fx *f = *state;
    orders_recovery_policy p;
    orders_recovery_defaults(&p);
    orders_recovery_rule *nh = (orders_recovery_rule *)orders_recovery_rule_for(&p, "not_home");
    nh->max_attempts = 2;
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    ORDERS_FX_OK(orders_recovery_policy_put_tx(tx, &p, "test", 1, &e_));
    assert_int_equal(store_tx_commit(tx), LM_OK);
    int64_t id = order_ready(f);
    assert_int_equal(stock(f).reserved, 2);

    orders_recovery rec = fail_once(f, id, "not_home");
    assert_int_equal(rec.attempts, 1);
    assert_string_equal(rec.action, "reschedule");
    /* the next day at the same time of day */
    assert_int_equal(rec.next_start_s, 1800000000 + 86400);
    assert_int_equal(stock(f).on_hand, 8); /* the two units left with the van */
    rec = checkin(f, id);
    assert_string_equal(rec.state, "rescheduled");
    store_stock st = stock(f);
    assert_int_equal(st.on_hand, 10);
    assert_int_equal(st.reserved, 2);
    orders_order ord;
    ORDERS_FX_OK(orders_order_get(f->o, id, &ord, &e_));
    assert_string_equal(ord.status, "ready");
    assert_int_equal(ord.windows[0].start_s, 1800000000 + 86400);
    orders_order_clear(&ord);

    /* the second attempt fails too: that was the last one the policy allows */
    rec = fail_once(f, id, "not_home");
    assert_int_equal(rec.attempts, 2);
    assert_string_equal(rec.action, "return_to_stock");
    st = stock(f);
    assert_int_equal(st.on_hand, 8); /* taken off once more, not twice */
    assert_int_equal(st.reserved, 0);
    rec = checkin(f, id);
    assert_string_equal(rec.state, "returned_to_stock");
    st = stock(f);
    assert_int_equal(st.on_hand, 10);
    assert_int_equal(st.reserved, 0);
    /* a second check-in changes nothing */
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    lm_errinfo err = {0};
    assert_int_equal(orders_recovery_checkin_tx(f->o, tx, id, 1, NULL, &err), LM_CONFLICT);
    store_tx_rollback(tx);
    assert_int_equal(stock(f).on_hand, 10);
}

static void test_customer_choice_before_and_after_checkin(void **state) {
    orders_fx *f = *state;
    int64_t id = order_ready(f);
    orders_recovery rec = fail_once(f, id, "address_not_found"); /* default: the customer picks */
    assert_string_equal(rec.mode, "customer");
    assert_int_equal(rec.next_start_s, 0);
    rec = checkin(f, id);
    assert_string_equal(rec.state, "awaiting_customer");
    orders_order ord;
    ORDERS_FX_OK(orders_order_get(f->o, id, &ord, &e_));
    assert_string_equal(ord.status, "failed"); /* no window yet: not planned */
    orders_order_clear(&ord);
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    store_window w = {1800200000, 1800207200};
    ORDERS_FX_OK(orders_recovery_choose_tx(f->o, tx, id, w, 1800003000000, &rec, &e_));
    assert_int_equal(store_tx_commit(tx), LM_OK);
    assert_string_equal(rec.state, "rescheduled");
    ORDERS_FX_OK(orders_order_get(f->o, id, &ord, &e_));
    assert_string_equal(ord.status, "ready");
    assert_int_equal(ord.windows[0].start_s, 1800200000);
    assert_int_equal(ord.windows[0].end_s, 1800207200);
    orders_order_clear(&ord);
    /* chosen once: the choice is closed now */
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    lm_errinfo err = {0};
    assert_int_equal(orders_recovery_choose_tx(f->o, tx, id, w, 1, NULL, &err), LM_CONFLICT);
    store_tx_rollback(tx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attempts_counted_until_the_goods_go_back, setup,
                                        orders_fx_teardown),
        cmocka_unit_test_setup_teardown(test_customer_choice_before_and_after_checkin, setup,
                                        orders_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
