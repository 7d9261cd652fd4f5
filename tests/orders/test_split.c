/* Split shipments (orders/split.h) on a real SQLite file with stock at two and three depots: an
 * order whose lines sit at different depots is split by depot instead of backordered (each part
 * reserved where its lines are, the parts linked, an order.split event), waits when the policy
 * is off or it would take more parts than allowed, and is split when the missing stock arrives
 * later at another depot. */
#include "orders/orders.h"
#include "orders/split.h"
#include "store/store.h"
#include "orders_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int64_t reserved(orders_fx *f, const char *dep, const char *sku) {
    store_read *rd = NULL;
    store_stock st = {0};
    assert_int_equal(store_read_begin(f->s, &rd), LM_OK);
    lm_errinfo e;
    if (store_stock_get(rd, dep, sku, &st, &e) != LM_OK) st.reserved = 0;
    store_read_end(rd);
    return st.reserved;
}

static int setup(void **state) {
    if (orders_fx_setup(state, "lm_split_") != 0) return -1;
    orders_fx *f = *state;
    orders_fx_depot(f, "A", 4.85, 45.75); /* the customer is next to A */
    orders_fx_depot(f, "B", 4.95, 45.80);
    orders_fx_depot(f, "C", 5.05, 45.85);
    const char *skus[] = {"X", "Y", "Z"};
    for (size_t i = 0; i < 3; i++)
        orders_fx_product(f, skus[i], 500, 500);
    return 0;
}

/* An order near depot A of one unit of each sku; *out owns its lines. */
static void order(orders_fx *f, const char *const *skus, size_t n, orders_order *out) {
    orders_line l[4] = {0};
    for (size_t i = 0; i < n; i++) {
        lm_strlcpy(l[i].sku, skus[i], sizeof l[i].sku);
        l[i].qty = 1;
    }
    static int seq;
    orders_order in = {.has_location = true, .lon = 4.851, .lat = 45.751, .lines = l, .n_lines = n};
    snprintf(in.customer_name, sizeof in.customer_name, "Customer %d", ++seq);
    lm_strlcpy(in.customer_address, "1 place Bellecour", sizeof in.customer_address);
    in.windows[0] = (store_window){1800000000, 1800007200};
    in.n_windows = 1;
    bool replayed = false;
    ORDERS_FX_OK(orders_order_create(f->o, &in, NULL, out, &replayed, &e_));
}

static void policy(orders_fx *f, const char *mode, int64_t max_parts) {
    orders_split_policy p = {.max_parts = max_parts};
    lm_strlcpy(p.mode, mode, sizeof p.mode);
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    ORDERS_FX_OK(orders_split_policy_put_tx(tx, &p, "test", 1, &e_));
    assert_int_equal(store_tx_commit(tx), LM_OK);
}

static size_t children(orders_fx *f, int64_t id, int64_t *out) {
    store_read *rd = NULL;
    size_t n = 0;
    assert_int_equal(store_read_begin(f->s, &rd), LM_OK);
    ORDERS_FX_OK(store_split_children(rd, id, out, 4, &n, &e_));
    store_read_end(rd);
    return n;
}

static void test_lines_at_two_depots_are_split(void **state) {
    orders_fx *f = *state;
    orders_fx_stock(f, "A", "X", 5);
    orders_fx_stock(f, "B", "Y", 5);
    const char *skus[] = {"X", "Y"};
    orders_order o = {0};
    order(f, skus, 2, &o);
    assert_string_equal(o.status, "allocated");
    assert_string_equal(o.depot_id, "A");
    assert_int_equal(o.n_lines, 1);
    assert_string_equal(o.lines[0].sku, "X");
    int64_t part[4];
    assert_int_equal(children(f, o.id, part), 1);
    orders_order c = {0};
    ORDERS_FX_OK(orders_order_get(f->o, part[0], &c, &e_));
    assert_string_equal(c.status, "allocated");
    assert_string_equal(c.depot_id, "B");
    assert_int_equal(c.n_lines, 1);
    assert_string_equal(c.lines[0].sku, "Y");
    assert_string_equal(c.customer_name, o.customer_name);
    assert_int_equal(c.windows[0].start_s, o.windows[0].start_s);
    char ref[64];
    snprintf(ref, sizeof ref, "split:%lld:B", (long long)o.id);
    assert_string_equal(c.external_ref, ref);
    assert_int_equal(reserved(f, "A", "X"), 1);
    assert_int_equal(reserved(f, "B", "Y"), 1);
    /* the parent as stored (lines included) */
    orders_order again = {0};
    ORDERS_FX_OK(orders_order_get(f->o, o.id, &again, &e_));
    assert_int_equal(again.n_lines, 1);
    orders_order_clear(&again);
    orders_order_clear(&c);
    orders_order_clear(&o);
}

static void test_policy_off_waits(void **state) {
    orders_fx *f = *state;
    policy(f, "off", 2);
    orders_fx_stock(f, "A", "X", 5);
    orders_fx_stock(f, "B", "Y", 5);
    const char *skus[] = {"X", "Y"};
    orders_order o = {0};
    order(f, skus, 2, &o);
    assert_string_equal(o.status, "backordered");
    assert_int_equal(o.n_lines, 2);
    int64_t part[4];
    assert_int_equal(children(f, o.id, part), 0);
    assert_int_equal(reserved(f, "A", "X"), 0);
    assert_int_equal(reserved(f, "B", "Y"), 0);
    orders_order_clear(&o);
    /* bad policies are refused */
    orders_split_policy bad = {.max_parts = 5};
    lm_strlcpy(bad.mode, "split", sizeof bad.mode);
    lm_errinfo err = {0};
    assert_int_equal(orders_split_policy_check(&bad, &err), LM_INVALID);
    assert_string_equal(err.field, "max_parts");
    lm_strlcpy(bad.mode, "maybe", sizeof bad.mode);
    bad.max_parts = 2;
    assert_int_equal(orders_split_policy_check(&bad, &err), LM_INVALID);
    assert_string_equal(err.field, "mode");
}

static void test_parts_bounded_by_policy(void **state) {
    orders_fx *f = *state;
    orders_fx_stock(f, "A", "X", 5);
    orders_fx_stock(f, "B", "Y", 5);
    orders_fx_stock(f, "C", "Z", 5);
    const char *skus[] = {"X", "Y", "Z"};
    orders_order o = {0};
    order(f, skus, 3, &o); /* three depots, two parts allowed: it waits */
    assert_string_equal(o.status, "backordered");
    orders_order_clear(&o);
    policy(f, "split", 3);
    order(f, skus, 3, &o);
    assert_string_equal(o.status, "allocated");
    int64_t part[4];
    assert_int_equal(children(f, o.id, part), 2);
    assert_int_equal(reserved(f, "C", "Z"), 1);
    orders_order_clear(&o);
}

static void test_split_when_stock_arrives_elsewhere(void **state) {
    orders_fx *f = *state;
    orders_fx_stock(f, "A", "X", 5);
    const char *skus[] = {"X", "Y"};
    orders_order o = {0};
    order(f, skus, 2, &o); /* Y nowhere: backordered, as before */
    assert_string_equal(o.status, "backordered");
    orders_fx_stock(f, "B", "Y", 2); /* Y arrives at B: the backorder retry splits it */
    orders_order now = {0};
    ORDERS_FX_OK(orders_order_get(f->o, o.id, &now, &e_));
    assert_string_equal(now.status, "allocated");
    assert_string_equal(now.depot_id, "A");
    int64_t part[4];
    assert_int_equal(children(f, o.id, part), 1);
    assert_int_equal(reserved(f, "B", "Y"), 1);
    orders_order_clear(&now);
    orders_order_clear(&o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lines_at_two_depots_are_split, setup,
                                        orders_fx_teardown),
        cmocka_unit_test_setup_teardown(test_policy_off_waits, setup, orders_fx_teardown),
        cmocka_unit_test_setup_teardown(test_parts_bounded_by_policy, setup, orders_fx_teardown),
        cmocka_unit_test_setup_teardown(test_split_when_stock_arrives_elsewhere, setup,
                                        orders_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
