/* orders money after intake, on a real SQLite file with a test clock: prepaid orders held until
 * the provider reports payment (and cancelled when it never comes), illegal payment moves
 * refused, refunds capped at what was paid, cash on delivery collected (a short amount flagged)
 * and reconciled per driver at the depot, and partial cancellation (with a substitution)
 * recomputing the totals with the terms the order got. */
#include "money_fixture.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int64_t order_card(money_fx *f, const char *lines, const char *phone, int64_t shipping) {
    orders_money_in mi = money_fx_in("EUR", "card", shipping, NULL, NULL);
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t id = 0;
    if (money_fx_order(f, lines, phone, "", &mi, &id, &res, &err) != LM_OK)
        fail_msg("order: %s %s", err.field, err.message);
    orders_money_clear(&res.money);
    return id;
}

static lm_status report_ref(money_fx *f, int64_t id, const char *status, int64_t amount,
                            const char *ref, lm_errinfo *err) {
    orders_payment_report r = {.amount = amount};
    lm_strlcpy(r.status, status, sizeof r.status);
    lm_strlcpy(r.reference, ref, sizeof r.reference);
    orders_money m;
    lm_status rc = orders_payment_report_apply(f->o, id, &r, &m, err);
    if (rc == LM_OK) orders_money_clear(&m);
    return rc;
}

static lm_status report(money_fx *f, int64_t id, const char *status, int64_t amount,
                        lm_errinfo *err) {
    return report_ref(f, id, status, amount, "psp-123", err);
}

static size_t open_exceptions(money_fx *f, int64_t id, const char *rule) {
    orders_exception *ex = NULL;
    size_t n = 0, hits = 0;
    lm_errinfo err = {0};
    MONEY_OK(orders_exception_list(f->o, true, id, &ex, &n, &err));
    for (size_t i = 0; i < n; i++)
        hits += !strcmp(ex[i].rule, rule);
    lm_free(ex);
    return hits;
}

static void test_prepaid_held_until_paid(void **state) {
    money_fx *f = *state;
    int64_t id = order_card(f, "A:2,B:1", "+49301", 500); /* total 3256 */
    char st[24];
    money_fx_status(f, id, st);
    assert_string_equal(st, "held");
    assert_int_equal(open_exceptions(f, id, "unpaid"), 1);
    lm_errinfo err = {0};
    assert_int_equal(report(f, id, "authorized", 3000, &err), LM_INVALID);
    assert_string_equal(err.field, "amount");
    assert_non_null(strstr(err.message, "3256"));
    assert_int_equal(report(f, id, "refunded", 0, &err), LM_INVALID);
    assert_string_equal(err.field, "status");
    MONEY_OK(report(f, id, "authorized", 3256, &err));
    money_fx_status(f, id, st);
    assert_string_equal(st, "allocated"); /* released in the same transaction */
    assert_int_equal(open_exceptions(f, id, "unpaid"), 0);
    MONEY_OK(report(f, id, "paid", 3256, &err));
    MONEY_OK(report(f, id, "paid", 3256, &err)); /* the provider's retry: no second capture */
    assert_int_equal(report(f, id, "authorized", 3256, &err), LM_CONFLICT);
    assert_non_null(strstr(err.message, "is paid"));
    orders_money m = money_fx_get(f, id);
    assert_string_equal(m.payment_status, "paid");
    assert_int_equal(m.paid, 3256);
    assert_int_equal(orders_money_amount_due(&m), 0);
    orders_money_clear(&m);
    orders_payment_event *h = NULL;
    size_t n = 0;
    MONEY_OK(orders_payment_history(f->o, id, &h, &n, &err));
    assert_int_equal(n, 2);
    assert_string_equal(h[0].kind, "authorize");
    assert_string_equal(h[1].kind, "capture");
    assert_string_equal(h[1].reference, "psp-123");
    lm_free(h);
    assert_int_equal(tmp_db_count_events(f->s, "payment.authorized"), 1);
    assert_int_equal(tmp_db_count_events(f->s, "payment.paid"), 1);

    /* failed, retried, paid; a duplicate stays held for the dispatcher after payment */
    int64_t dup = order_card(f, "A:2,B:1", "+49301", 500);
    assert_int_equal(report(f, dup, "failed", 5, &err), LM_INVALID);
    assert_string_equal(err.field, "amount");
    MONEY_OK(report(f, dup, "failed", 0, &err));
    MONEY_OK(report(f, dup, "failed", 0, &err)); /* the same report again */
    assert_int_equal(report_ref(f, dup, "failed", 0, "psp-other", &err), LM_CONFLICT);
    MONEY_OK(report(f, dup, "pending", 0, &err));
    MONEY_OK(report(f, dup, "paid", 3256, &err));
    money_fx_status(f, dup, st);
    assert_string_equal(st, "held");
    assert_int_equal(open_exceptions(f, dup, "unpaid"), 0);
    assert_int_equal(open_exceptions(f, dup, "duplicate"), 1);

    /* a zero total is paid at once and not held */
    orders_promotion p = money_fx_promo_make("free", "percent", "order", "");
    p.percent_bp = 10000;
    lm_strlcpy(p.code, "FREE", sizeof p.code);
    money_fx_promo(f, &p);
    orders_money_in mi = money_fx_in("EUR", "card", 0, "FREE", NULL);
    orders_money_result res;
    int64_t zero = 0;
    MONEY_OK(money_fx_order(f, "B:3", NULL, "", &mi, &zero, &res, &err));
    assert_int_equal(res.money.total, 0);
    assert_string_equal(res.money.payment_status, "paid");
    orders_money_clear(&res.money);
    money_fx_status(f, zero, st);
    assert_string_equal(st, "allocated");
}

static void test_unpaid_times_out(void **state) {
    money_fx *f = *state;
    int64_t id = order_card(f, "A:1", NULL, 0);
    int64_t paid = order_card(f, "B:1", NULL, 0);
    lm_errinfo err = {0};
    MONEY_OK(report(f, paid, "paid", 356, &err));
    size_t n = 99;
    money_fx_now += 3599 * 1000;
    MONEY_OK(orders_payment_timeouts(f->o, 100, &n, &err));
    assert_int_equal(n, 0);
    money_fx_now += 2 * 1000;
    MONEY_OK(orders_payment_timeouts(f->o, 100, &n, &err));
    assert_int_equal(n, 1);
    char st[24];
    money_fx_status(f, id, st);
    assert_string_equal(st, "cancelled");
    money_fx_status(f, paid, st);
    assert_string_equal(st, "allocated");
    orders_money m = money_fx_get(f, id);
    assert_string_equal(m.payment_status, "failed");
    orders_money_clear(&m);
    assert_int_equal(tmp_db_count_events(f->s, "payment.failed"), 1);
    MONEY_OK(orders_payment_timeouts(f->o, 100, &n, &err));
    assert_int_equal(n, 0); /* done once */
}

static lm_status refund(money_fx *f, int64_t id, int64_t amount, const char *reason,
                        const char *method, lm_errinfo *err) {
    orders_refund r = {.amount = amount};
    lm_strlcpy(r.reason, reason, sizeof r.reason);
    lm_strlcpy(r.method, method, sizeof r.method);
    orders_money m;
    lm_status rc = orders_refund_create(f->o, id, &r, &m, err);
    if (rc == LM_OK) orders_money_clear(&m);
    return rc;
}

static void test_refunds_capped(void **state) {
    money_fx *f = *state;
    int64_t id = order_card(f, "A:2,B:1", NULL, 500);
    lm_errinfo err = {0};
    assert_int_equal(refund(f, id, 100, "damaged", "", &err), LM_CONFLICT); /* nothing paid */
    MONEY_OK(report(f, id, "paid", 3256, &err));
    assert_int_equal(refund(f, id, 0, "damaged", "", &err), LM_INVALID);
    assert_string_equal(err.field, "amount");
    assert_int_equal(refund(f, id, 10, "", "", &err), LM_INVALID);
    assert_string_equal(err.field, "reason");
    assert_int_equal(refund(f, id, 10, "damaged", "bitcoin", &err), LM_INVALID);
    assert_string_equal(err.field, "method");
    MONEY_OK(refund(f, id, 1000, "one item damaged", "", &err));
    orders_money m = money_fx_get(f, id);
    assert_string_equal(m.payment_status, "partially_refunded");
    assert_int_equal(m.refunded, 1000);
    orders_money_clear(&m);
    assert_int_equal(refund(f, id, 3000, "rest", "", &err), LM_INVALID);
    assert_string_equal(err.field, "amount");
    assert_non_null(strstr(err.message, "2256"));
    m = money_fx_get(f, id);
    assert_int_equal(m.refunded, 1000); /* the refused refund changed nothing */
    orders_money_clear(&m);
    MONEY_OK(refund(f, id, 2256, "returned", "transfer", &err));
    m = money_fx_get(f, id);
    assert_string_equal(m.payment_status, "refunded");
    assert_int_equal(m.refunded, m.paid);
    orders_money_clear(&m);
    assert_int_equal(refund(f, id, 1, "more", "", &err), LM_CONFLICT);
    assert_int_equal(tmp_db_count_events(f->s, "payment.partially_refunded"), 1);
    assert_int_equal(tmp_db_count_events(f->s, "payment.refunded"), 1);
    orders_refund_row *rows = NULL;
    size_t n = 0;
    MONEY_OK(orders_report_refunds(f->o, 0, money_fx_now + 1, &rows, &n, &err));
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].method, "original");
    assert_int_equal(rows[0].amount, 1000);
    assert_string_equal(rows[1].method, "transfer");
    assert_int_equal(rows[1].amount, 2256);
    lm_free(rows);
}

typedef struct refund_race {
    money_fx *f;
    int64_t id;
    pthread_barrier_t go;
    pthread_mutex_t mu;
    int ok, refused;
} refund_race;

static void *refund_worker(void *arg) {
    refund_race *r = arg;
    lm_errinfo err = {0};
    pthread_barrier_wait(&r->go);
    lm_status rc = refund(r->f, r->id, 300, "race", "", &err);
    pthread_mutex_lock(&r->mu);
    if (rc == LM_OK) r->ok++;
    if (rc == LM_INVALID && !strcmp(err.field, "amount")) r->refused++;
    if (rc == LM_CONFLICT) r->refused++; /* fully refunded by then */
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void test_refunds_never_exceed_paid_under_threads(void **state) {
    money_fx *f = *state;
    refund_race r = {.f = f, .id = order_card(f, "A:2,B:1", NULL, 500)};
    lm_errinfo err = {0};
    MONEY_OK(report(f, r.id, "paid", 3256, &err));
    pthread_mutex_init(&r.mu, NULL);
    pthread_barrier_init(&r.go, NULL, 20);
    pthread_t th[20];
    for (int i = 0; i < 20; i++)
        assert_int_equal(pthread_create(&th[i], NULL, refund_worker, &r), 0);
    for (int i = 0; i < 20; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&r.go);
    pthread_mutex_destroy(&r.mu);
    /* 3256 paid: ten refunds of 300 fit, the eleventh would pass it */
    assert_int_equal(r.ok, 10);
    assert_int_equal(r.refused, 10);
    orders_money m = money_fx_get(f, r.id);
    assert_int_equal(m.refunded, 3000);
    assert_string_equal(m.payment_status, "partially_refunded");
    orders_money_clear(&m);
}

static lm_status collect(money_fx *f, int64_t id, int64_t amount, const char *method,
                         lm_errinfo *err) {
    orders_cod_collection c = {.amount = amount};
    lm_strlcpy(c.driver_id, "drv1", sizeof c.driver_id);
    lm_strlcpy(c.method, method, sizeof c.method);
    return orders_cod_collect(f->o, id, &c, NULL, err);
}

static void test_cod_collected_and_reconciled(void **state) {
    money_fx *f = *state;
    orders_money_in mi = money_fx_in("EUR", "cod", 0, NULL, NULL);
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t id[3];
    const char *lines[3] = {"A:1", "B:1", "C:2"}; /* due 1200, 356, 600 */
    for (int i = 0; i < 3; i++) {
        MONEY_OK(money_fx_order(f, lines[i], NULL, "", &mi, &id[i], &res, &err));
        orders_money_clear(&res.money);
    }
    assert_int_equal(collect(f, id[0], 1200, "cash", &err), LM_CONFLICT); /* not at the door */
    for (int i = 0; i < 3; i++)
        money_fx_to_door(f, id[i]);
    int64_t due = 0;
    char cur[4];
    MONEY_OK(orders_cod_due(f->o, id[1], &due, cur, &err));
    assert_int_equal(due, 356);
    assert_string_equal(cur, "EUR");
    /* delivered needs the collection */
    orders_order o = {0};
    assert_int_equal(orders_order_advance(f->o, id[0], ORDERS_DELIVERED, &o, &err), LM_CONFLICT);
    assert_string_equal(err.field, "collected");
    assert_non_null(strstr(err.message, "12.00 EUR"));
    assert_int_equal(collect(f, id[0], 1200, "cheque", &err), LM_INVALID);
    assert_string_equal(err.field, "collected.method");
    assert_int_equal(collect(f, id[0], -1, "cash", &err), LM_INVALID);
    store_tx *tx = NULL;
    MONEY_OK(store_tx_begin(f->s, &tx));
    orders_cod_collection c = {.amount = 1200, .driver_id = "drv1", .method = "cash"};
    if (orders_order_deliver_cod_tx(tx, id[0], &c, money_fx_now, &err) != LM_OK)
        fail_msg("deliver: %s", err.message);
    MONEY_OK(store_tx_commit(tx));
    money_fx_status(f, id[0], o.status);
    assert_string_equal(o.status, "delivered");
    MONEY_OK(collect(f, id[1], 300, "cash", &err)); /* 56 short */
    MONEY_OK(collect(f, id[2], 600, "card_terminal", &err));
    assert_int_equal(collect(f, id[0], 1200, "cash", &err), LM_CONFLICT); /* once */
    assert_int_equal(tmp_db_count_events(f->s, "cod.discrepancy"), 1);
    assert_int_equal(open_exceptions(f, id[1], "cod_discrepancy"), 1);
    assert_int_equal(open_exceptions(f, id[0], "cod_discrepancy"), 0);
    orders_money m = money_fx_get(f, id[1]);
    assert_string_equal(m.payment_status, "cod_collected");
    assert_int_equal(m.paid, 300);
    assert_int_equal(orders_money_amount_due(&m), 56);
    orders_money_clear(&m);
    MONEY_OK(orders_cod_due(f->o, id[0], &due, cur, &err));
    assert_int_equal(due, 0);

    /* the depot counts the driver's cash: card-terminal money is not cash */
    int64_t amount = 0, count = 0;
    MONEY_OK(orders_cash_outstanding(f->o, "drv1", "EUR", &amount, &count, &err));
    assert_int_equal(amount, 1500);
    assert_int_equal(count, 2);
    orders_cash_handin h;
    MONEY_OK(orders_cash_reconcile(f->o, "drv1", "EUR", 1450, "wh-key-1", &h, &err));
    assert_int_equal(h.expected, 1500);
    assert_int_equal(h.handed_in, 1450);
    assert_int_equal(h.orders, 2);
    assert_int_equal(tmp_db_count_events(f->s, "cash.reconciled"), 1);
    assert_int_equal(tmp_db_count_events(f->s, "cash.discrepancy"), 1);
    MONEY_OK(orders_cash_outstanding(f->o, "drv1", "EUR", &amount, &count, &err));
    assert_int_equal(amount, 0);
    assert_int_equal(orders_cash_reconcile(f->o, "drv1", "EUR", 0, "wh-key-1", &h, &err),
                     LM_CONFLICT);
    assert_int_equal(orders_cash_reconcile(f->o, "drv1", "EURO", 0, "k", &h, &err), LM_INVALID);
    orders_cod_row *rows = NULL;
    size_t n = 0;
    MONEY_OK(orders_report_cod(f->o, 0, money_fx_now + 1, &rows, &n, &err));
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].driver_id, "drv1");
    assert_int_equal(rows[0].outstanding, 0);
    assert_int_equal(rows[0].handed_in, 1450);
    assert_int_equal(rows[0].discrepancy, -50);
    lm_free(rows);
    /* collected money can be refunded, up to what was collected */
    orders_refund r = {.amount = 1201};
    lm_strlcpy(r.reason, "returned", sizeof r.reason);
    assert_int_equal(orders_refund_create(f->o, id[0], &r, &m, &err), LM_INVALID);
    r.amount = 1200;
    MONEY_OK(orders_refund_create(f->o, id[0], &r, &m, &err));
    assert_string_equal(m.payment_status, "refunded");
    orders_money_clear(&m);
}

static void test_partial_cancellation(void **state) {
    money_fx *f = *state;
    orders_promotion p = money_fx_promo_make("ten", "percent", "order", "");
    p.percent_bp = 1000;
    money_fx_promo(f, &p);
    orders_money_in mi = money_fx_in("EUR", "cod", 500, NULL, NULL);
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t id = 0;
    MONEY_OK(money_fx_order(f, "A:2,B:1", NULL, "", &mi, &id, &res, &err));
    /* 10 % of 2333 = 233 over A 2000 : B 333 -> A 200, B 33; tax 360 + 21 */
    assert_int_equal(res.money.total, 2333 - 233 + 500 + 381);
    orders_money_clear(&res.money);
    assert_int_equal(money_fx_reserved(f, "A"), 2);

    orders_money m;
    MONEY_OK(orders_order_cancel_units(f->o, id, 0, 1, &m, &err));
    /* A 1000 + B 333 = 1333; 10 % = 133 -> A 100, B 33; tax 180 + 21; + 500 shipping */
    assert_int_equal(m.subtotal, 1333);
    assert_int_equal(m.discount, 133);
    assert_int_equal(m.tax, 201);
    assert_int_equal(m.total, 1901);
    assert_int_equal(m.lines[0].qty, 1);
    assert_int_equal(m.lines[0].cancelled_qty, 1);
    orders_money_clear(&m);
    assert_int_equal(money_fx_reserved(f, "A"), 1);
    assert_int_equal(tmp_db_count_events(f->s, "order.repriced"), 1);
    assert_int_equal(orders_order_cancel_units(f->o, id, 1, 5, &m, &err), LM_INVALID);
    assert_string_equal(err.field, "qty");
    assert_int_equal(orders_order_cancel_units(f->o, id, 9, 1, &m, &err), LM_INVALID);
    assert_string_equal(err.field, "line");
    MONEY_OK(orders_order_cancel_units(f->o, id, 1, 1, &m, &err));
    assert_int_equal(m.total, 1000 - 100 + 500 + 180);
    orders_money_clear(&m);
    assert_int_equal(money_fx_reserved(f, "B"), 0);
    orders_order o;
    MONEY_OK(orders_order_get(f->o, id, &o, &err));
    assert_int_equal(o.n_lines, 1);
    orders_order_clear(&o);
    MONEY_OK(orders_order_picking(f->o, id, &o, &err));
    orders_order_clear(&o);
    MONEY_OK(orders_order_ready(f->o, id, 10, 10, 1, &o, &err));
    orders_order_clear(&o);
    assert_int_equal(orders_order_cancel_units(f->o, id, 0, 1, &m, &err), LM_CONFLICT);

    /* substituted: priced as ordered (coffee), stock taken of the substitute */
    orders_config cfg;
    MONEY_OK(orders_config_get(f->o, &cfg, &err));
    lm_strlcpy(cfg.rules.default_oos, "substitute", sizeof cfg.rules.default_oos);
    MONEY_OK(orders_config_put(f->o, &cfg, &err));
    orders_config_clear(&cfg);
    mi = money_fx_in("EUR", "cod", 0, NULL, NULL);
    MONEY_OK(money_fx_order(f, "coffee:2", NULL, "", &mi, &id, &res, &err));
    /* 800 - 10 % = 720, tax 7 % = 50.4 -> 50 */
    assert_int_equal(res.money.total, 770);
    orders_money_clear(&res.money);
    MONEY_OK(orders_order_get(f->o, id, &o, &err));
    assert_string_equal(o.lines[0].sku, "tea-green");
    assert_string_equal(o.lines[0].ordered_sku, "coffee");
    orders_order_clear(&o);
    assert_int_equal(money_fx_reserved(f, "tea-green"), 2);
    MONEY_OK(orders_order_cancel_units(f->o, id, 0, 1, &m, &err));
    assert_int_equal(m.total, 400 - 40 + 25); /* 360 taxed 25.2 */
    orders_money_clear(&m);
    assert_int_equal(money_fx_reserved(f, "tea-green"), 1);
    MONEY_OK(orders_order_cancel_units(f->o, id, 0, 1, &m, &err));
    assert_int_equal(m.total, 0);
    orders_money_clear(&m);
    char st[24];
    money_fx_status(f, id, st);
    assert_string_equal(st, "cancelled"); /* nothing left */
    assert_int_equal(money_fx_reserved(f, "tea-green"), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prepaid_held_until_paid, money_fx_setup,
                                        money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_unpaid_times_out, money_fx_setup, money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_refunds_capped, money_fx_setup, money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_refunds_never_exceed_paid_under_threads,
                                        money_fx_setup, money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_cod_collected_and_reconciled, money_fx_setup,
                                        money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_partial_cancellation, money_fx_setup,
                                        money_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
