/* orders money at intake, on a real SQLite file: totals computed and stored (not rewritten by a
 * later price change, kept across a restart), bad amounts and currencies refused with the field
 * named and nothing stored, coupons refused or turned into warnings by configuration, every
 * promotion kind applied automatically, coupon limits exact under 50 concurrent orders, and the
 * reports. */
#include "money_fixture.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_totals_stored_and_kept(void **state) {
    money_fx *f = *state;
    orders_money_in mi = money_fx_in("EUR", "cod", 500, NULL, NULL);
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t id = 0;
    MONEY_OK(money_fx_order(f, "A:2,B:1", NULL, "", &mi, &id, &res, &err));
    /* 2000 + 333; tax 400 + 23 (23.31); shipping 500 */
    assert_int_equal(res.money.subtotal, 2333);
    assert_int_equal(res.money.tax, 423);
    assert_int_equal(res.money.total, 3256);
    assert_string_equal(res.money.payment_status, "cod_due");
    assert_int_equal(res.money.n_lines, 2);
    assert_int_equal(res.money.lines[0].gross, 2000);
    assert_int_equal(res.money.lines[1].tax, 23);
    assert_int_equal(res.n_warnings, 0);
    orders_money_clear(&res.money);
    char st[24];
    money_fx_status(f, id, st);
    assert_string_equal(st, "allocated"); /* COD is not held for payment */
    assert_int_equal(tmp_db_count_events(f->s, "order.priced"), 1);

    /* a later price change does not rewrite the order */
    orders_price pr = {.unit_price = 5000, .tax_rate_bp = 2000};
    lm_strlcpy(pr.sku, "A", sizeof pr.sku);
    lm_strlcpy(pr.currency, "EUR", sizeof pr.currency);
    MONEY_OK(orders_price_put(f->o, &pr, &err));
    orders_money m = money_fx_get(f, id);
    assert_int_equal(m.total, 3256);
    assert_int_equal(m.lines[0].unit_price, 1000);
    orders_money_clear(&m);
    int64_t id2 = 0;
    MONEY_OK(money_fx_order(f, "A:2", NULL, "", &mi, &id2, &res, &err));
    assert_int_equal(res.money.subtotal, 10000);
    assert_int_equal(res.money.total, 10000 + 2000 + 500);
    orders_money_clear(&res.money);

    /* the shop's own line price wins over the list price; totals are always computed here */
    orders_money_line_in li[1] = {{.has_unit_price = true, .unit_price = 900}};
    mi.lines = li;
    MONEY_OK(money_fx_order(f, "A:1", NULL, "", &mi, &id2, &res, &err));
    assert_int_equal(res.money.subtotal, 900);
    assert_int_equal(res.money.tax, 180);
    orders_money_clear(&res.money);

    /* restart: the same file answers the same */
    money_fx_reopen(f);
    m = money_fx_get(f, id);
    assert_int_equal(m.total, 3256);
    assert_int_equal(m.n_lines, 2);
    assert_string_equal(m.lines[1].sku, "B");
    assert_string_equal(m.currency, "EUR");
    orders_money_clear(&m);
}

static void expect_refused(money_fx *f, const char *lines, const orders_money_in *mi,
                           lm_status code, const char *field) {
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t id = 0, before = tmp_db_count_events(f->s, "order.received");
    lm_status rc = money_fx_order(f, lines, NULL, "", mi, &id, &res, &err);
    if (rc != code || strcmp(err.field, field))
        fail_msg("expected %s on %s, got %s on '%s' (%s)", lm_status_name(code), field,
                 lm_status_name(rc), err.field, err.message);
    assert_int_equal(tmp_db_count_events(f->s, "order.received"), before); /* nothing stored */
}

static void test_bad_money_refused(void **state) {
    money_fx *f = *state;
    orders_money_in mi = money_fx_in("eur", "cod", 0, NULL, NULL);
    expect_refused(f, "A:1", &mi, LM_INVALID, "currency");
    mi = money_fx_in("XXX", "cod", 0, NULL, NULL);
    expect_refused(f, "A:1", &mi, LM_INVALID, "currency");
    mi = money_fx_in("EUR", "cod", -1, NULL, NULL);
    expect_refused(f, "A:1", &mi, LM_INVALID, "shipping_fee");
    mi = money_fx_in("EUR", "cash", 0, NULL, NULL);
    expect_refused(f, "A:1", &mi, LM_INVALID, "payment.method");
    orders_money_line_in li[2] = {{0}, {.has_unit_price = true, .unit_price = -5}};
    mi = money_fx_in("EUR", "cod", 0, NULL, NULL);
    mi.lines = li;
    expect_refused(f, "A:1,B:1", &mi, LM_INVALID, "lines[1].unit_price");
    li[1] = (orders_money_line_in){.has_tax_rate = true, .tax_rate_bp = 10001};
    expect_refused(f, "A:1,B:1", &mi, LM_INVALID, "lines[1].tax_rate_bp");
    li[1] = (orders_money_line_in){.has_unit_price = true, .unit_price = ORDERS_AMOUNT_MAX + 1};
    expect_refused(f, "A:1,B:1", &mi, LM_INVALID, "lines[1].unit_price");
    /* B has no USD price: the line must carry one */
    mi = money_fx_in("USD", "cod", 0, NULL, NULL);
    expect_refused(f, "B:1", &mi, LM_INVALID, "lines[0].unit_price");
    mi = money_fx_in("EUR", "cod", 0, "bad code!", NULL);
    expect_refused(f, "A:1", &mi, LM_INVALID, "coupons[0]");
    /* JPY has no minor unit: the yen price is used as is */
    mi = money_fx_in("JPY", "cod", 0, NULL, NULL);
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t id = 0;
    MONEY_OK(money_fx_order(f, "A:3", NULL, "", &mi, &id, &res, &err));
    assert_int_equal(res.money.subtotal, 4500);
    assert_int_equal(res.money.tax, 450);
    orders_money_clear(&res.money);
}

static void coupons_catalogue(money_fx *f) {
    orders_promotion p = money_fx_promo_make("welcome", "percent", "order", "");
    p.percent_bp = 1000;
    lm_strlcpy(p.code, "WELCOME", sizeof p.code);
    p.limit_per_customer = 1;
    money_fx_promo(f, &p);
    p = money_fx_promo_make("web5", "fixed", "order", "");
    p.amount = 500;
    lm_strlcpy(p.code, "WEB5", sizeof p.code);
    lm_strlcpy(p.channel, "web", sizeof p.channel);
    money_fx_promo(f, &p);
    p = money_fx_promo_make("late", "percent", "order", "");
    p.percent_bp = 500;
    lm_strlcpy(p.code, "LATE", sizeof p.code);
    p.valid_from_ms = money_fx_now + 3600000;
    money_fx_promo(f, &p);
    p = money_fx_promo_make("old", "percent", "order", "");
    p.percent_bp = 500;
    lm_strlcpy(p.code, "OLD", sizeof p.code);
    p.valid_from_ms = 1;
    p.valid_until_ms = money_fx_now;
    money_fx_promo(f, &p);
    p = money_fx_promo_make("big-spender", "fixed", "order", "");
    p.amount = 100;
    p.min_order = 5000;
    lm_strlcpy(p.code, "MIN50", sizeof p.code);
    money_fx_promo(f, &p);
}

static void expect_coupon_refused(money_fx *f, const char *phone, const char *channel,
                                  const char *c1, const char *c2, lm_status code, const char *field,
                                  const char *reason) {
    orders_money_in mi = money_fx_in("EUR", "cod", 0, c1, c2);
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t id = 0;
    lm_status rc = money_fx_order(f, "A:2,B:1", phone, channel, &mi, &id, &res, &err);
    if (rc != code || strcmp(err.field, field) || !strstr(err.message, reason))
        fail_msg("coupon %s: expected %s %s (%s), got %s '%s' %s", c1, lm_status_name(code), field,
                 reason, lm_status_name(rc), err.field, err.message);
}

static void test_coupons_refused_or_warned(void **state) {
    money_fx *f = *state;
    coupons_catalogue(f);
    expect_coupon_refused(f, NULL, "", "NOPE", NULL, LM_INVALID, "coupons[0]", "unknown");
    expect_coupon_refused(f, NULL, "", "LATE", NULL, LM_INVALID, "coupons[0]", "not_yet_valid");
    expect_coupon_refused(f, NULL, "", "OLD", NULL, LM_INVALID, "coupons[0]", "expired");
    expect_coupon_refused(f, NULL, "shop", "WEB5", NULL, LM_INVALID, "coupons[0]", "channel");
    expect_coupon_refused(f, NULL, "", "MIN50", NULL, LM_INVALID, "coupons[0]", "min_order");
    expect_coupon_refused(f, NULL, "", "WELCOME", "welcome", LM_INVALID, "coupons[1]", "duplicate");
    assert_int_equal(tmp_db_count_events(f->s, "order.received"), 0);

    /* accepted: lower case is the same code; on the web channel both stack */
    orders_money_in mi = money_fx_in("EUR", "cod", 0, "welcome", "WEB5");
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t id = 0;
    MONEY_OK(money_fx_order(f, "A:2,B:1", "+491701", "web", &mi, &id, &res, &err));
    /* same stage and priority: by id, web5 first: 500 off 2333, then 10 % of 1833 = 183.3 */
    assert_int_equal(res.money.discount, 683);
    assert_int_equal(res.money.n_adj, 2);
    assert_string_equal(res.money.adj[0].code, "WEB5");
    assert_string_equal(res.money.adj[1].code, "WELCOME");
    orders_money_clear(&res.money);
    /* the same customer again: the per-customer limit */
    expect_coupon_refused(f, "+491701", "", "WELCOME", NULL, LM_CONFLICT, "coupons[0]",
                          "customer_limit");

    /* warn mode: the order goes through without the coupon, and says why */
    money_fx_config(f, false, true);
    mi = money_fx_in("EUR", "cod", 0, "NOPE", "WELCOME");
    MONEY_OK(money_fx_order(f, "A:2,B:1", "+491701", "", &mi, &id, &res, &err));
    assert_int_equal(res.money.discount, 0);
    assert_int_equal(res.n_warnings, 2);
    assert_string_equal(res.warnings[0].field, "coupons[0]");
    assert_string_equal(res.warnings[0].reason, "unknown");
    assert_string_equal(res.warnings[1].reason, "customer_limit");
    orders_money_clear(&res.money);
    assert_int_equal(tmp_db_count_events(f->s, "order.priced"), 2);
}

static void test_every_promotion_kind_automatic(void **state) {
    money_fx *f = *state;
    orders_promotion p = money_fx_promo_make("food-b2g1", "buy_x_get_y", "category", "food");
    p.currency[0] = '\0';
    p.buy_qty = 2;
    p.get_qty = 1;
    money_fx_promo(f, &p);
    p = money_fx_promo_make("a-50c", "fixed", "product", "A");
    p.amount = 50;
    money_fx_promo(f, &p);
    p = money_fx_promo_make("b-pct", "percent", "product", "B");
    p.percent_bp = 5000;
    money_fx_promo(f, &p);
    p = money_fx_promo_make("ship30", "free_shipping", "order", "");
    p.min_order = 3000;
    money_fx_promo(f, &p);
    p = money_fx_promo_make("switched-off", "percent", "order", "");
    p.percent_bp = 9000;
    p.active = false;
    money_fx_promo(f, &p);
    p = money_fx_promo_make("yen-only", "fixed", "order", "");
    lm_strlcpy(p.currency, "JPY", sizeof p.currency);
    p.amount = 100;
    money_fx_promo(f, &p);

    orders_money_in mi = money_fx_in("EUR", "cod", 490, NULL, NULL);
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t id = 0;
    MONEY_OK(money_fx_order(f, "A:2,B:2,C:6", NULL, "", &mi, &id, &res, &err));
    /* A: 2000 - 2 x 50 = 1900; B: 666 - 333 = 333; C: 1800, 2 of 6 free = 600 off -> 1200.
     * Left 3433 >= 3000: shipping 490 waived. Tax: A 380, B 23.31 -> 23, C 0. */
    assert_int_equal(res.money.subtotal, 2000 + 666 + 1800);
    assert_int_equal(res.money.discount, 100 + 333 + 600 + 490);
    assert_int_equal(res.money.tax, 380 + 23);
    assert_int_equal(res.money.total, 4466 - 1523 + 490 + 403);
    assert_int_equal(res.money.n_adj, 4);
    orders_money_clear(&res.money);

    orders_promotion_row *rows = NULL;
    size_t n = 0;
    MONEY_OK(orders_report_promotions(f->o, 0, money_fx_now + 1, &rows, &n, &err));
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].promotion_id, "ship30")) assert_int_equal(rows[i].amount, 490);
    lm_free(rows);
}

/* ---- The coupon race ---- */

typedef struct race {
    money_fx *f;
    pthread_barrier_t go;
    pthread_mutex_t mu;
    const char *phone; /* NULL: a customer per order */
    int ok, conflict, other, discounted, warned;
} race;

static void *race_worker(void *arg) {
    race *r = arg;
    orders_money_in mi = money_fx_in("EUR", "cod", 0, "RACE", NULL);
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t id = 0;
    pthread_barrier_wait(&r->go);
    lm_status rc = money_fx_order(r->f, "A:1", r->phone, "", &mi, &id, &res, &err);
    pthread_mutex_lock(&r->mu);
    if (rc == LM_OK) {
        r->ok++;
        r->discounted += res.money.discount > 0;
        r->warned += res.n_warnings == 1 && !strcmp(res.warnings[0].reason, "limit");
        orders_money_clear(&res.money);
    } else if (rc == LM_CONFLICT) {
        r->conflict++;
    } else {
        r->other++;
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void run_race(money_fx *f, race *r, int threads, const char *phone) {
    memset(r, 0, sizeof *r);
    r->f = f;
    r->phone = phone;
    pthread_mutex_init(&r->mu, NULL);
    pthread_barrier_init(&r->go, NULL, (unsigned)threads);
    pthread_t th[64];
    for (int i = 0; i < threads; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_worker, r), 0);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&r->go);
    pthread_mutex_destroy(&r->mu);
}

static int64_t uses_of(money_fx *f, const char *id) {
    orders_promotion_row *rows = NULL;
    size_t n = 0;
    int64_t uses = 0;
    lm_errinfo err = {0};
    MONEY_OK(orders_report_promotions(f->o, 0, money_fx_now + 1, &rows, &n, &err));
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].promotion_id, id)) uses += rows[i].uses;
    lm_free(rows);
    return uses;
}

static void test_coupon_race_warn(void **state) {
    money_fx *f = *state;
    orders_promotion p = money_fx_promo_make("race", "percent", "order", "");
    p.percent_bp = 2000;
    lm_strlcpy(p.code, "RACE", sizeof p.code);
    p.limit_total = 10;
    money_fx_promo(f, &p);
    money_fx_config(f, false, true); /* a used-up coupon is a warning: every order is taken */
    race r;
    run_race(f, &r, 50, NULL);
    assert_int_equal(r.other, 0);
    assert_int_equal(r.ok, 50);
    assert_int_equal(r.discounted, 10);
    assert_int_equal(r.warned, 40);
    assert_int_equal(uses_of(f, "race"), 10);
}

static void test_coupon_race_refuse(void **state) {
    money_fx *f = *state;
    orders_promotion p = money_fx_promo_make("race", "fixed", "order", "");
    p.amount = 100;
    lm_strlcpy(p.code, "RACE", sizeof p.code);
    p.limit_total = 10;
    money_fx_promo(f, &p);
    race r;
    run_race(f, &r, 50, NULL);
    assert_int_equal(r.other, 0);
    assert_int_equal(r.ok, 10);
    assert_int_equal(r.discounted, 10);
    assert_int_equal(r.conflict, 40);
    assert_int_equal(uses_of(f, "race"), 10);
    assert_int_equal(tmp_db_count_events(f->s, "order.received"), 10);
    /* the limit is stored: after a restart it still holds */
    money_fx_reopen(f);
    run_race(f, &r, 3, NULL);
    assert_int_equal(r.conflict, 3);
}

static void test_coupon_race_per_customer(void **state) {
    money_fx *f = *state;
    orders_promotion p = money_fx_promo_make("race", "fixed", "order", "");
    p.amount = 100;
    lm_strlcpy(p.code, "RACE", sizeof p.code);
    p.limit_per_customer = 2;
    money_fx_promo(f, &p);
    race r;
    run_race(f, &r, 20, "+4915550001"); /* one customer, 20 tries at once */
    assert_int_equal(r.other, 0);
    assert_int_equal(r.ok, 2);
    assert_int_equal(r.conflict, 18);
    run_race(f, &r, 4, NULL); /* other customers are not affected */
    assert_int_equal(r.ok, 4);
}

static void test_idempotent_replay_keeps_money(void **state) {
    money_fx *f = *state;
    orders_line l = {.sku = "A", .qty = 1};
    orders_order in = {.customer_name = "Ida",
                       .customer_phone = "+4930111",
                       .customer_address = "1 Replay Road",
                       .has_location = true,
                       .lon = 13.41,
                       .lat = 52.51,
                       .lines = &l,
                       .n_lines = 1};
    orders_money_in mi = money_fx_in("EUR", "cod", 500, NULL, NULL);
    orders_order out;
    orders_money_result res;
    bool replayed = true;
    lm_errinfo err = {0};
    MONEY_OK(orders_order_create_priced(f->o, &in, &mi, "idem-1", &out, &res, &replayed, &err));
    assert_false(replayed);
    int64_t id = out.id, total = res.money.total;
    orders_order_clear(&out);
    orders_money_clear(&res.money);
    /* the retry, even with other money, answers the first order's */
    mi.shipping_fee = 0;
    MONEY_OK(orders_order_create_priced(f->o, &in, &mi, "idem-1", &out, &res, &replayed, &err));
    assert_true(replayed);
    assert_int_equal(out.id, id);
    assert_int_equal(res.money.total, total);
    assert_int_equal(res.money.order_id, id);
    orders_order_clear(&out);
    orders_money_clear(&res.money);
    assert_int_equal(tmp_db_count_events(f->s, "order.priced"), 1);
}

static void test_bulk_intake_priced(void **state) {
    money_fx *f = *state;
    orders_promotion p = money_fx_promo_make("bulk", "fixed", "order", "");
    p.amount = 100;
    lm_strlcpy(p.code, "BULK", sizeof p.code);
    p.limit_total = 50;
    money_fx_promo(f, &p);
    enum { N = 150 };
    orders_order *in = calloc(N, sizeof *in);
    orders_money_in *mi = calloc(N, sizeof *mi);
    orders_create_result *res = calloc(N, sizeof *res);
    orders_line l = {.sku = "B", .qty = 1};
    assert_non_null(in);
    assert_non_null(mi);
    assert_non_null(res);
    for (int i = 0; i < N; i++) {
        lm_strlcpy(in[i].customer_name, "Bulk", sizeof in[i].customer_name);
        snprintf(in[i].customer_phone, sizeof in[i].customer_phone, "+4940%06d", i);
        snprintf(in[i].customer_address, sizeof in[i].customer_address, "%d Bulk Lane", i);
        in[i].has_location = true;
        in[i].lon = 13.41;
        in[i].lat = 52.51;
        in[i].lines = &l;
        in[i].n_lines = 1;
        /* every third without money; the others with the coupon */
        if (i % 3) mi[i] = money_fx_in("EUR", "cod", 0, "BULK", NULL);
    }
    mi[1].shipping_fee = -1; /* refused alone, before the transaction */
    MONEY_OK(orders_order_create_many_priced(f->o, in, mi, NULL, N, res));
    int priced = 0, discounted = 0, plain = 0, used_up = 0;
    for (int i = 0; i < N; i++) {
        if (i == 1) {
            assert_int_equal(res[i].rc, LM_INVALID);
            assert_string_equal(res[i].err.field, "shipping_fee");
            continue;
        }
        if (res[i].rc == LM_CONFLICT && !strcmp(res[i].err.field, "coupons[0]")) {
            used_up++; /* refuse mode: past the limit the order is refused, alone */
            continue;
        }
        if (res[i].rc != LM_OK) fail_msg("order %d: %s", i, res[i].err.message);
        if (!res[i].priced) {
            plain++;
            continue;
        }
        priced++;
        assert_string_equal(res[i].payment_status, "cod_due");
        discounted += res[i].total == 333 - 100 + 16; /* 233 net, 7 % = 16.31 */
    }
    assert_int_equal(plain, N / 3);
    assert_int_equal(priced, 50);
    assert_int_equal(discounted, 50); /* the limit holds across batches of 64 */
    assert_int_equal(used_up, N - N / 3 - 1 - 50);
    free(in);
    free(mi);
    free(res);
}

static void test_reports(void **state) {
    money_fx *f = *state;
    orders_money_in eur = money_fx_in("EUR", "cod", 500, NULL, NULL);
    orders_money_in jpy = money_fx_in("JPY", "cod", 0, NULL, NULL);
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t id1 = 0, id2 = 0, id3 = 0;
    MONEY_OK(money_fx_order(f, "A:2,B:1", NULL, "", &eur, &id1, &res, &err)); /* 3256 */
    orders_money_clear(&res.money);
    MONEY_OK(money_fx_order(f, "B:1", NULL, "", &eur, &id2, &res, &err)); /* 333+23+500 */
    orders_money_clear(&res.money);
    MONEY_OK(money_fx_order(f, "A:1", NULL, "", &jpy, &id3, &res, &err)); /* 1500 + 150 */
    orders_money_clear(&res.money);
    orders_order o;
    MONEY_OK(orders_order_cancel(f->o, id2, &o, &err));
    orders_order_clear(&o);
    orders_revenue_row *rows = NULL;
    size_t n = 0;
    MONEY_OK(orders_report_revenue(f->o, 0, money_fx_now + 1, &rows, &n, &err));
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].currency, "EUR");
    assert_int_equal(rows[0].orders, 2);
    assert_int_equal(rows[0].cancelled, 1);
    assert_int_equal(rows[0].total, 3256);
    assert_int_equal(rows[0].tax, 423);
    assert_string_equal(rows[1].currency, "JPY");
    assert_int_equal(rows[1].total, 1650);
    lm_free(rows);
    /* an empty window, and a bad one */
    MONEY_OK(orders_report_revenue(f->o, money_fx_now + 1, money_fx_now + 2, &rows, &n, &err));
    assert_int_equal(n, 0);
    lm_free(rows);
    assert_int_equal(orders_report_revenue(f->o, 5, 5, &rows, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "to");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_totals_stored_and_kept, money_fx_setup,
                                        money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_money_refused, money_fx_setup, money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_coupons_refused_or_warned, money_fx_setup,
                                        money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_every_promotion_kind_automatic, money_fx_setup,
                                        money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_coupon_race_warn, money_fx_setup, money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_coupon_race_refuse, money_fx_setup, money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_coupon_race_per_customer, money_fx_setup,
                                        money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_idempotent_replay_keeps_money, money_fx_setup,
                                        money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_bulk_intake_priced, money_fx_setup, money_fx_teardown),
        cmocka_unit_test_setup_teardown(test_reports, money_fx_setup, money_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
