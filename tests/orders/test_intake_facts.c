/* The facts an intake batch reads once and keeps for its transaction (orders/facts.c): orders in
 * one batch see the same catalogue, depots and configuration as orders created one by one, and a
 * change committed between two batches (a quarantined product, a new nearer depot, a service
 * area, a sales block) is seen by the very next order. Also: allocation tries depots nearest
 * first and the order is stored with exactly its lines. On a real SQLite file. */
#include "orders/orders.h"
#include "store/store.h"
#include "store/store_orders.h"
#include "store/store_returns.h"
#include "orders_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int setup(void **state) {
    if (orders_fx_setup(state, "lm_facts_") != 0) return -1;
    orders_fx *f = *state;
    orders_fx_depot(f, "near", 4.85, 45.75); /* the customers are next to it */
    orders_fx_depot(f, "far", 5.20, 45.95);
    orders_fx_product(f, "tea", 250, 400);
    orders_fx_product(f, "cup", 300, 900);
    return 0;
}

/* One order near depot "near" for qty of sku; distinct customers keep the duplicate rule out. */
static orders_order order_in(orders_line *l, const char *sku, int64_t qty) {
    static int seq;
    memset(l, 0, sizeof *l);
    lm_strlcpy(l->sku, sku, sizeof l->sku);
    l->qty = qty;
    orders_order in = {.has_location = true, .lon = 4.851, .lat = 45.751, .lines = l, .n_lines = 1};
    snprintf(in.customer_name, sizeof in.customer_name, "Customer %d", ++seq);
    snprintf(in.customer_phone, sizeof in.customer_phone, "+3361%08d", seq);
    lm_strlcpy(in.customer_address, "1 place Bellecour, Lyon", sizeof in.customer_address);
    return in;
}

static lm_status create(orders_fx *f, const char *sku, int64_t qty, orders_order *out,
                        lm_errinfo *err) {
    orders_line l;
    orders_order in = order_in(&l, sku, qty);
    bool replayed = false;
    return orders_order_create(f->o, &in, NULL, out, &replayed, err);
}

static void set_active(orders_fx *f, const char *sku, bool active) {
    orders_product p = {.weight_g = 250, .volume_cm3 = 400, .active = active};
    lm_strlcpy(p.sku, sku, sizeof p.sku);
    lm_strlcpy(p.name, sku, sizeof p.name);
    ORDERS_FX_OK(orders_product_put(f->o, &p, &e_));
}

/* The stored order's depot and its lines as the store holds them. */
static void stored(orders_fx *f, int64_t id, store_order *out) {
    store_read *rd = NULL;
    assert_int_equal(store_read_begin(f->s, &rd), LM_OK);
    ORDERS_FX_OK(store_order_get(rd, id, out, &e_));
    store_read_end(rd);
}

static void test_batch_matches_one_by_one(void **state) {
    orders_fx *f = *state;
    orders_fx_stock(f, "near", "tea", 2);
    orders_fx_stock(f, "far", "tea", 10);
    orders_fx_stock(f, "far", "cup", 10);
    /* one batch: tea, an unknown SKU, cup (only far has it), tea, tea (near runs out) */
    const char *skus[] = {"tea", "nope", "cup", "tea", "tea"};
    const char *want_status[] = {"allocated", "", "allocated", "allocated", "allocated"};
    const char *want_depot[] = {"near", "", "far", "near", "far"};
    orders_line l[5];
    orders_order in[5];
    for (size_t i = 0; i < 5; i++)
        in[i] = order_in(&l[i], skus[i], 1);
    orders_create_result res[5];
    assert_int_equal(orders_order_create_many(f->o, in, NULL, 5, res), LM_OK);
    for (size_t i = 0; i < 5; i++) {
        if (i == 1) {
            assert_int_equal(res[i].rc, LM_INVALID);
            assert_string_equal(res[i].err.field, "lines[0].sku");
            continue;
        }
        assert_int_equal(res[i].rc, LM_OK);
        assert_string_equal(res[i].status, want_status[i]);
        store_order o;
        stored(f, res[i].id, &o);
        assert_string_equal(o.depot_id, want_depot[i]);
        assert_int_equal(o.n_lines, 1);
        assert_string_equal(o.lines[0].sku, skus[i]);
        assert_string_equal(o.lines[0].ordered_sku, "");
        store_order_clear(&o);
    }
}

static void test_changes_between_batches_are_seen(void **state) {
    orders_fx *f = *state;
    orders_fx_stock(f, "far", "tea", 10);
    orders_order out;
    lm_errinfo err = {0};
    assert_int_equal(create(f, "tea", 1, &out, &err), LM_OK);
    assert_string_equal(out.depot_id, "far");
    orders_order_clear(&out);
    /* a quarantine committed after that batch refuses the next order */
    set_active(f, "tea", false);
    assert_int_equal(create(f, "tea", 1, &out, &err), LM_CONFLICT);
    assert_string_equal(err.field, "lines[0].sku");
    set_active(f, "tea", true);
    /* a new depot next to the customer, with stock, serves the next order */
    orders_fx_depot(f, "corner", 4.852, 45.752);
    orders_fx_stock(f, "corner", "tea", 10);
    assert_int_equal(create(f, "tea", 1, &out, &err), LM_OK);
    assert_string_equal(out.depot_id, "corner");
    orders_order_clear(&out);
    /* a sales block set after that holds the next one */
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    ORDERS_FX_OK(store_sales_block_set(tx, "tea", "quality returns", 1, &e_));
    assert_int_equal(store_tx_commit(tx), LM_OK);
    assert_int_equal(create(f, "tea", 1, &out, &err), LM_OK);
    assert_string_equal(out.status, "held");
    orders_order_clear(&out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_matches_one_by_one, setup, orders_fx_teardown),
        cmocka_unit_test_setup_teardown(test_changes_between_batches_are_seen, setup,
                                        orders_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
