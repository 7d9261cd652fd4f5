/* orders/recovery on a real SQLite file: attempts are counted across re-attempts, a reschedule
 * past max_attempts returns the parcel to stock, and the stock adds up over two departures (the
 * held units are taken off once per departure, never twice), with every change in the
 * transaction of its check-in. */
#include "orders/orders.h"
#include "orders/recovery.h"
#include "store/store.h"
#include "tests/support/tmp_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct fixture {
    tmp_db db;
    store *s;
    orders_svc *o;
} fixture;

#define OKE(expr)                                                                                  \
    do {                                                                                           \
        lm_errinfo e_ = {0};                                                                       \
        lm_status rc_ = (expr);                                                                    \
        if (rc_ != LM_OK)                                                                          \
            fail_msg("%s -> %s: %s %s", #expr, lm_status_name(rc_), e_.field, e_.message);         \
    } while (0)

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    if (!f || tmp_db_create(&f->db, "lm_recovery_") != 0 || tmp_db_store_open(&f->db, 4, &f->s))
        return -1;
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = f->s;
    if (orders_create(&oo, &f->o) != LM_OK) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    orders_destroy(f->o);
    store_close(f->s);
    tmp_db_remove(&f->db);
    free(f);
    return 0;
}

static int64_t order_ready(fixture *f) {
    lm_errinfo e = {0};
    orders_depot d = {.lon = 4.85, .lat = 45.75, .open_s = 8 * 3600, .close_s = 18 * 3600};
    lm_strlcpy(d.id, "DEP", sizeof d.id);
    lm_strlcpy(d.name, "Depot", sizeof d.name);
    OKE(orders_depot_put(f->o, &d, &e_));
    orders_product p = {.weight_g = 1000, .volume_cm3 = 1000, .active = true};
    lm_strlcpy(p.sku, "SKU", sizeof p.sku);
    lm_strlcpy(p.name, "Thing", sizeof p.name);
    OKE(orders_product_put(f->o, &p, &e_));
    orders_stock st;
    OKE(orders_stock_set(f->o, "DEP", "SKU", 10, 0, &st, &e_));
    orders_line l = {.qty = 2};
    lm_strlcpy(l.sku, "SKU", sizeof l.sku);
    orders_order in = {.has_location = true, .lon = 4.86, .lat = 45.76, .lines = &l, .n_lines = 1};
    lm_strlcpy(in.customer_name, "Ann", sizeof in.customer_name);
    lm_strlcpy(in.customer_address, "1 rue A", sizeof in.customer_address);
    in.windows[0] = (store_window){1800000000, 1800003600};
    in.n_windows = 1;
    orders_order out = {0};
    bool replayed = false;
    OKE(orders_order_create(f->o, &in, NULL, &out, &replayed, &e_));
    int64_t id = out.id;
    orders_order_clear(&out);
    OKE(orders_order_picking(f->o, id, NULL, &e_));
    OKE(orders_order_ready(f->o, id, 2000, 2000, 1, NULL, &e_));
    (void)e;
    return id;
}

static store_stock stock(fixture *f) {
    store_read *rd = NULL;
    store_stock st = {0};
    assert_int_equal(store_read_begin(f->s, &rd), LM_OK);
    OKE(store_stock_get(rd, "DEP", "SKU", &st, &e_));
    store_read_end(rd);
    return st;
}

/* ready -> planned -> out for delivery -> failed, then the failure recorded, in one tx. */
static orders_recovery fail_once(fixture *f, int64_t id, const char *reason) {
    OKE(orders_order_advance(f->o, id, ORDERS_PLANNED, NULL, &e_));
    OKE(orders_order_advance(f->o, id, ORDERS_OUT_FOR_DELIVERY, NULL, &e_));
    OKE(orders_order_advance(f->o, id, ORDERS_FAILED, NULL, &e_));
    store_tx *tx = NULL;
    orders_recovery rec = {0};
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    OKE(orders_recovery_on_failure_tx(tx, id, reason, 1800001000000, &rec, &e_));
    assert_int_equal(store_tx_commit(tx), LM_OK);
    return rec;
}

static orders_recovery checkin(fixture *f, int64_t id) {
    store_tx *tx = NULL;
    orders_recovery rec = {0};
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    OKE(orders_recovery_checkin_tx(f->o, tx, id, 1800002000000, &rec, &e_));
    assert_int_equal(store_tx_commit(tx), LM_OK);
    return rec;
}

static void test_attempts_counted_until_the_goods_go_back(void **state) {
    fixture *f = *state;
    orders_recovery_policy p;
    orders_recovery_defaults(&p);
    orders_recovery_rule *nh = (orders_recovery_rule *)orders_recovery_rule_for(&p, "not_home");
    nh->max_attempts = 2;
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    OKE(orders_recovery_policy_put_tx(tx, &p, "test", 1, &e_));
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
    OKE(orders_order_get(f->o, id, &ord, &e_));
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
    fixture *f = *state;
    int64_t id = order_ready(f);
    orders_recovery rec = fail_once(f, id, "address_not_found"); /* default: the customer picks */
    assert_string_equal(rec.mode, "customer");
    assert_int_equal(rec.next_start_s, 0);
    rec = checkin(f, id);
    assert_string_equal(rec.state, "awaiting_customer");
    orders_order ord;
    OKE(orders_order_get(f->o, id, &ord, &e_));
    assert_string_equal(ord.status, "failed"); /* no window yet: not planned */
    orders_order_clear(&ord);
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    store_window w = {1800200000, 1800207200};
    OKE(orders_recovery_choose_tx(f->o, tx, id, w, 1800003000000, &rec, &e_));
    assert_int_equal(store_tx_commit(tx), LM_OK);
    assert_string_equal(rec.state, "rescheduled");
    OKE(orders_order_get(f->o, id, &ord, &e_));
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
                                        teardown),
        cmocka_unit_test_setup_teardown(test_customer_choice_before_and_after_checkin, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
