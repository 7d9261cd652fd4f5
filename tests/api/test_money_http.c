/* Money over real HTTP (docs/money.md): an in-process server on a free loopback port with a
 * temporary SQLite file, talked to with libcurl. Priced orders with automatic promotions and a
 * coupon give the documented totals; every promotion kind; the coupon limit under 50 concurrent
 * clients (exactly the limit discounted, in warn and in refuse mode); the payment transitions
 * with illegal ones refused 409; refunds capped; units cancelled and totals recomputed; bad
 * amounts and currencies refused with the field named and nothing stored; a restart of the
 * store keeps totals, payments and coupon usage. On a committed plan: the driver's route shows
 * the cash to collect, "delivered" requires it, a short amount is flagged, and the depot's count
 * reconciles the driver's cash with the discrepancy recorded. */
#include "api/api.h"
#include "orders/orders.h"
#include "store/store.h"
#include "tests/support/http_test.h"
#include "tests/support/plan_world.h"
#include "tests/support/server_env.h"
#include "tests/support/tmp_db.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct world {
    tmp_db tmp;
    store *s;
    api_server *srv;
    uint16_t port;
    char admin[STORE_KEY_MAX], disp[STORE_KEY_MAX], wh[STORE_KEY_MAX];
} world;

static world W;
static plan_world P; /* the COD tests */
static uint16_t port_now;

typedef http_test_resp resp;

static void http(resp *out, const char *method, const char *path, const char *key,
                 const char *body) {
    http_test_req q = {.method = method, .path = path, .key = key, .body = body};
    http_test_request(port_now, &q, out);
    if (!out->complete) out->status = 0;
}

static void expect_status(resp *r, long status) {
    if (r->status != status)
        fail_msg("status %ld (expected %ld), body %s", r->status, status,
                 r->body.data ? r->body.data : "");
}

static const cJSON *jget(const cJSON *j, const char *key) {
    return cJSON_GetObjectItemCaseSensitive(j, key);
}

static const char *jstr(const cJSON *j, const char *key) {
    const char *s = cJSON_GetStringValue(jget(j, key));
    return s ? s : "";
}

static long long jint(const cJSON *j, const char *key) {
    const cJSON *v = jget(j, key);
    if (!cJSON_IsNumber(v)) fail_msg("no number '%s'", key);
    return (long long)v->valuedouble;
}

static void expect_error(resp *r, long status, const char *field) {
    expect_status(r, status);
    const cJSON *e = jget(r->json, "error");
    if (!e) fail_msg("no error object in %s", r->body.data ? r->body.data : "");
    if (strcmp(jstr(e, "field"), field))
        fail_msg("error field '%s' (expected '%s'): %s", jstr(e, "field"), field, r->body.data);
}

static void call(const char *method, const char *path, const char *key, const char *body,
                 long status) {
    resp r;
    http(&r, method, path, key, body);
    expect_status(&r, status);
    http_test_resp_free(&r);
}

/* The reply's totals member as five numbers, checked against the identity the database keeps. */
typedef struct totals {
    long long subtotal, discount, shipping, tax, total;
} totals;

static totals totals_of(const cJSON *j) {
    const cJSON *t = jget(j, "totals");
    if (!cJSON_IsObject(t)) fail_msg("no totals");
    totals x = {jint(t, "subtotal"), jint(t, "discount"), jint(t, "shipping"), jint(t, "tax"),
                jint(t, "total")};
    assert_int_equal(x.total, x.subtotal - x.discount + x.shipping + x.tax);
    return x;
}

/* ---- the shop world ---- */

static void server_start(void) {
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.threads = 4;
    o.log_fd = -1;
    lm_errinfo err = {0};
    if (api_server_start(&o, W.s, &W.srv, &err) != LM_OK) fail_msg("start: %s", err.message);
    W.port = port_now = api_server_port(W.srv);
}

static int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    if (tmp_db_create(&W.tmp, "lm_money_http_") != 0 || tmp_db_store_open(&W.tmp, 6, &W.s) != 0)
        return -1;
    lm_errinfo err = {0};
    if (store_key_create(W.s, "admin", NULL, W.admin, NULL, &err) != LM_OK ||
        store_key_create(W.s, "dispatcher", NULL, W.disp, NULL, &err) != LM_OK ||
        store_key_create(W.s, "warehouse", NULL, W.wh, NULL, &err) != LM_OK)
        return -1;
    server_start();
    call("POST", "/v1/depots", W.admin,
         "{\"id\":\"north\",\"name\":\"North\",\"location\":[4.85,45.80]}", 201);
    call("POST", "/v1/products", W.admin, "{\"sku\":\"tea\",\"name\":\"Tea\",\"weight_g\":250}",
         201);
    call("POST", "/v1/products", W.admin, "{\"sku\":\"mug\",\"name\":\"Mug\",\"weight_g\":400}",
         201);
    call("PUT", "/v1/stock/north/tea", W.wh, "{\"on_hand\":1000}", 200);
    call("PUT", "/v1/stock/north/mug", W.wh, "{\"on_hand\":1000}", 200);
    /* net prices, 20 % tax: tea 10.00 EUR (category drinks), mug 25.00 EUR */
    call("PUT", "/v1/prices/tea/EUR", W.admin,
         "{\"unit_price\":1000,\"tax_rate_bp\":2000,\"category\":\"drinks\"}", 200);
    call("PUT", "/v1/prices/mug/EUR", W.admin,
         "{\"unit_price\":2500,\"tax_rate_bp\":2000,\"category\":\"ware\"}", 200);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    api_server_stop(W.srv, 2000);
    store_close(W.s);
    tmp_db_remove(&W.tmp);
    return 0;
}

static int n_customer; /* distinct customers, so the duplicate rule never holds an order */

/* POST /v1/orders with the given lines JSON and extra members; the reply is the caller's. */
static void order(resp *r, const char *lines, const char *extra) {
    char body[2048];
    int n = __atomic_add_fetch(&n_customer, 1, __ATOMIC_SEQ_CST);
    snprintf(body, sizeof body,
             "{\"customer\":{\"name\":\"C%d\",\"phone\":\"+3360%07d\",\"address\":\"%d Rue "
             "Haute\",\"location\":[4.85,45.78]},\"lines\":%s%s%s}",
             n, n, n, lines, extra && extra[0] ? "," : "", extra ? extra : "");
    http(r, "POST", "/v1/orders", W.disp, body);
}

static long long order_id(resp *r) {
    return jint(r->json, "id");
}

static size_t array_size(const cJSON *j, const char *key) {
    const cJSON *a = jget(j, key);
    return cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
}

static long long count_orders(void) {
    resp r;
    http(&r, "GET", "/v1/orders?limit=1000", W.disp, NULL);
    expect_status(&r, 200);
    long long n = (long long)array_size(r.json, "orders");
    http_test_resp_free(&r);
    return n;
}

/* ---- totals: an automatic promotion, a coupon, a threshold not reached ---- */

static void test_priced_order_totals(void **state) {
    (void)state;
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"drinks10\",\"kind\":\"percent\",\"scope\":\"category\",\"target\":\"drinks\","
         "\"percent_bp\":1000}",
         201);
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"save5\",\"kind\":\"fixed\",\"scope\":\"order\",\"currency\":\"EUR\","
         "\"amount\":500,\"code\":\"save5\",\"min_order\":1000}",
         201);
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"ship50\",\"kind\":\"free_shipping\",\"currency\":\"EUR\",\"min_order\":5000}",
         201);
    resp r;
    order(&r, "[{\"sku\":\"tea\",\"qty\":3},{\"sku\":\"mug\",\"qty\":1}]",
          "\"currency\":\"EUR\",\"shipping_fee\":490,\"coupons\":[\"Save5\"],"
          "\"payment\":{\"method\":\"card\"}");
    expect_status(&r, 201);
    /* subtotal 5500; drinks10 takes 300 off the tea; save5 takes 500 shared 260 / 240 over what is
     * left of the lines (2700 / 2500, largest remainder to the tea); tax 20 % per line on
     * 2440 and 2260 = 488 + 452; ship50 needs 5000 after discounts (4700): not applied */
    totals t = totals_of(r.json);
    assert_int_equal(t.subtotal, 5500);
    assert_int_equal(t.discount, 800);
    assert_int_equal(t.shipping, 490);
    assert_int_equal(t.tax, 940);
    assert_int_equal(t.total, 6130);
    assert_int_equal(array_size(r.json, "adjustments"), 2);
    const cJSON *pl = jget(r.json, "priced_lines");
    assert_int_equal(jint(cJSON_GetArrayItem(pl, 0), "discount"), 560);
    assert_int_equal(jint(cJSON_GetArrayItem(pl, 1), "discount"), 240);
    const cJSON *pay = jget(r.json, "payment");
    assert_string_equal(jstr(pay, "status"), "pending");
    assert_int_equal(jint(pay, "amount_due"), 6130);
    assert_string_equal(jstr(r.json, "status"), "held"); /* unpaid prepaid: held */
    long long id = order_id(&r);
    http_test_resp_free(&r);
    char path[96];
    snprintf(path, sizeof path, "/v1/orders/%lld", id);
    http(&r, "GET", path, W.disp, NULL);
    expect_status(&r, 200);
    assert_int_equal(totals_of(r.json).total, 6130);
    http_test_resp_free(&r);
}

/* ---- each promotion kind, each on its own channel ---- */

static long long discount_of(const char *channel, const char *lines, const char *extra) {
    char more[256];
    snprintf(more, sizeof more, "\"channel\":\"%s\",\"currency\":\"EUR\"%s%s", channel,
             extra ? "," : "", extra ? extra : "");
    resp r;
    order(&r, lines, more);
    expect_status(&r, 201);
    long long d = totals_of(r.json).discount;
    http_test_resp_free(&r);
    return d;
}

static void test_every_promotion_kind(void **state) {
    (void)state;
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"b2g1\",\"kind\":\"buy_x_get_y\",\"scope\":\"product\",\"target\":\"tea\","
         "\"buy_qty\":2,\"get_qty\":1,\"channel\":\"bxgy\"}",
         201);
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"mug3\",\"kind\":\"fixed\",\"scope\":\"product\",\"target\":\"mug\","
         "\"currency\":\"EUR\",\"amount\":300,\"channel\":\"fixed\"}",
         201);
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"all10\",\"kind\":\"percent\",\"scope\":\"order\",\"percent_bp\":1000,"
         "\"channel\":\"pct\"}",
         201);
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"shipfree\",\"kind\":\"free_shipping\",\"channel\":\"ship\"}", 201);
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"ware20\",\"kind\":\"percent\",\"scope\":\"category\",\"target\":\"ware\","
         "\"percent_bp\":2000,\"channel\":\"cat\"}",
         201);
    /* 6 teas: 2 of them free */
    assert_int_equal(discount_of("bxgy", "[{\"sku\":\"tea\",\"qty\":6}]", NULL), 2000);
    /* 300 off each of 2 mugs */
    assert_int_equal(discount_of("fixed", "[{\"sku\":\"mug\",\"qty\":2}]", NULL), 600);
    /* 10 % of 3500 */
    assert_int_equal(
        discount_of("pct", "[{\"sku\":\"tea\",\"qty\":1},{\"sku\":\"mug\",\"qty\":1}]", NULL), 350);
    /* the 490 fee waived (counted as discount, shipping still shows the fee asked) */
    assert_int_equal(discount_of("ship", "[{\"sku\":\"tea\",\"qty\":1}]", "\"shipping_fee\":490"),
                     490);
    /* 20 % of the mug only */
    assert_int_equal(
        discount_of("cat", "[{\"sku\":\"tea\",\"qty\":1},{\"sku\":\"mug\",\"qty\":1}]", NULL), 500);
    /* none of them on another channel */
    assert_int_equal(discount_of("web", "[{\"sku\":\"tea\",\"qty\":6}]", "\"shipping_fee\":490"),
                     0);
    /* the promotions report counts each use */
    resp r;
    http(&r, "GET", "/v1/reports/money/promotions", W.disp, NULL);
    expect_status(&r, 200);
    assert_int_equal(array_size(r.json, "rows"), 5);
    http_test_resp_free(&r);
}

/* ---- the coupon race: 50 concurrent clients, a limit of 10 ---- */

typedef struct racer {
    long status;
    size_t n_adj, n_warn;
} racer;

static void *race_one(void *arg) {
    racer *x = arg;
    resp r;
    order(&r, "[{\"sku\":\"tea\",\"qty\":1}]", "\"currency\":\"EUR\",\"coupons\":[\"RACE\"]");
    x->status = r.status;
    x->n_adj = array_size(r.json, "adjustments");
    x->n_warn = array_size(r.json, "coupon_warnings");
    http_test_resp_free(&r);
    return NULL;
}

static void race(racer *x, size_t n) {
    pthread_t th[50];
    assert_true(n <= 50);
    memset(x, 0, n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_one, &x[i]), 0);
    for (size_t i = 0; i < n; i++)
        pthread_join(th[i], NULL);
}

static void test_coupon_race_exactly_limit(void **state) {
    (void)state;
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"race\",\"kind\":\"fixed\",\"scope\":\"order\",\"currency\":\"EUR\","
         "\"amount\":100,\"code\":\"RACE\",\"limit_total\":10}",
         201);
    /* warn mode (set through the orders configuration's "money"): every order accepted, exactly
     * 10 discounted, 40 warned "limit" */
    resp c;
    http(&c, "PUT", "/v1/config/orders", W.admin, "{\"money\":{\"coupon_refuse\":7}}");
    expect_error(&c, 400, "money.coupon_refuse");
    http_test_resp_free(&c);
    http(&c, "PUT", "/v1/config/orders", W.admin, "{\"money\":{\"coupon_refuse\":false}}");
    expect_status(&c, 200);
    assert_false(cJSON_IsTrue(jget(jget(c.json, "money"), "coupon_refuse")));
    http_test_resp_free(&c);
    http(&c, "GET", "/v1/config/money", W.disp, NULL);
    assert_false(cJSON_IsTrue(jget(c.json, "coupon_refuse")));
    http_test_resp_free(&c);
    racer x[50];
    race(x, 50);
    size_t discounted = 0, warned = 0;
    for (size_t i = 0; i < 50; i++) {
        assert_int_equal(x[i].status, 201);
        discounted += x[i].n_adj == 1;
        warned += x[i].n_warn == 1;
    }
    assert_int_equal(discounted, 10);
    assert_int_equal(warned, 40);
    /* refuse mode with a fresh limit of 10: 10 created, 40 refused 409 on coupons[0] */
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"race\",\"kind\":\"fixed\",\"scope\":\"order\",\"currency\":\"EUR\","
         "\"amount\":100,\"code\":\"RACE\",\"limit_total\":20}",
         201);
    call("PUT", "/v1/config/money", W.admin, "{\"coupon_refuse\":true}", 200);
    long long before = count_orders();
    race(x, 50);
    size_t created = 0, refused = 0;
    for (size_t i = 0; i < 50; i++) {
        created += x[i].status == 201 && x[i].n_adj == 1;
        refused += x[i].status == 409;
    }
    assert_int_equal(created, 10);
    assert_int_equal(refused, 40);
    assert_int_equal(count_orders(), before + 10);
    resp r;
    order(&r, "[{\"sku\":\"tea\",\"qty\":1}]", "\"currency\":\"EUR\",\"coupons\":[\"race\"]");
    expect_error(&r, 409, "coupons[0]");
    assert_non_null(strstr(jstr(jget(r.json, "error"), "message"), "(limit)"));
    http_test_resp_free(&r);
}

/* ---- payments: the provider's reports, illegal moves, refunds capped ---- */

static void pay(long long id, const char *body, long status, const char *want) {
    char path[96];
    snprintf(path, sizeof path, "/v1/orders/%lld/payments", id);
    resp r;
    http(&r, "POST", path, W.admin, body);
    expect_status(&r, status);
    if (want) assert_string_equal(jstr(jget(r.json, "payment"), "status"), want);
    http_test_resp_free(&r);
}

static void refund(long long id, const char *body, long status, const char *field) {
    char path[96];
    snprintf(path, sizeof path, "/v1/orders/%lld/refunds", id);
    resp r;
    http(&r, "POST", path, W.disp, body);
    if (field)
        expect_error(&r, status, field);
    else
        expect_status(&r, status);
    http_test_resp_free(&r);
}

static void test_payments_and_refunds(void **state) {
    (void)state;
    resp r;
    order(&r, "[{\"sku\":\"tea\",\"qty\":2}]", "\"currency\":\"EUR\"");
    expect_status(&r, 201);
    long long id = order_id(&r);
    assert_int_equal(totals_of(r.json).total, 2400);
    http_test_resp_free(&r);
    /* a driver or dispatcher key cannot report payments */
    char path[96];
    snprintf(path, sizeof path, "/v1/orders/%lld/payments", id);
    call("POST", path, W.disp, "{\"status\":\"paid\",\"amount\":2400}", 403);
    /* wrong amount, unknown status, then authorised; illegal: back to pending */
    pay(id, "{\"status\":\"paid\",\"amount\":2300}", 400, NULL);
    pay(id, "{\"status\":\"settled\"}", 400, NULL);
    pay(id, "{\"status\":\"authorized\",\"amount\":2400,\"reference\":\"psp-a\"}", 200,
        "authorized");
    pay(id, "{\"status\":\"pending\"}", 409, NULL);
    pay(id, "{\"status\":\"paid\",\"amount\":2400,\"reference\":\"psp-p\"}", 200, "paid");
    /* the provider retries its notification: no change */
    pay(id, "{\"status\":\"paid\",\"amount\":2400,\"reference\":\"psp-p\"}", 200, "paid");
    pay(id, "{\"status\":\"failed\"}", 409, NULL);
    /* paid: the unpaid hold is resolved and the order allocated */
    snprintf(path, sizeof path, "/v1/orders/%lld", id);
    http(&r, "GET", path, W.disp, NULL);
    assert_string_equal(jstr(r.json, "status"), "allocated");
    http_test_resp_free(&r);
    /* refunds: at most what was paid minus earlier refunds */
    refund(id, "{\"amount\":2401,\"reason\":\"damaged\"}", 400, "amount");
    refund(id, "{\"amount\":400}", 400, "reason");
    refund(id, "{\"amount\":400,\"reason\":\"damaged\",\"method\":\"bitcoin\"}", 400, "method");
    refund(id, "{\"amount\":400,\"reason\":\"damaged\"}", 201, NULL);
    refund(id, "{\"amount\":2001,\"reason\":\"returned\"}", 400, "amount");
    refund(id, "{\"amount\":2000,\"reason\":\"returned\",\"method\":\"transfer\"}", 201, NULL);
    refund(id, "{\"amount\":1,\"reason\":\"again\"}", 409, "payment.status");
    snprintf(path, sizeof path, "/v1/orders/%lld/payments", id);
    http(&r, "GET", path, W.disp, NULL);
    expect_status(&r, 200);
    const cJSON *p = jget(r.json, "payment");
    assert_string_equal(jstr(p, "status"), "refunded");
    assert_int_equal(jint(p, "paid"), 2400);
    assert_int_equal(jint(p, "refunded"), 2400);
    /* authorize, capture, refund, refund: the retry added nothing */
    assert_int_equal(array_size(r.json, "history"), 4);
    http_test_resp_free(&r);
    http(&r, "GET", "/v1/reports/money/refunds", W.disp, NULL);
    expect_status(&r, 200);
    assert_int_equal(array_size(r.json, "rows"), 2); /* original, transfer */
    http_test_resp_free(&r);
    /* the shop's payment side learns of each move from the events (and so the webhooks) */
    http(&r, "GET", "/v1/events?limit=1000", W.disp, NULL);
    expect_status(&r, 200);
    size_t partial = 0, refunded = 0, paid_ev = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, jget(r.json, "events")) {
        partial += !strcmp(jstr(ev, "type"), "payment.partially_refunded");
        refunded += !strcmp(jstr(ev, "type"), "payment.refunded");
        paid_ev += !strcmp(jstr(ev, "type"), "payment.paid");
    }
    assert_int_equal(partial, 1);
    assert_int_equal(refunded, 1);
    assert_int_equal(paid_ev, 1); /* the provider's retry added none */
    http_test_resp_free(&r);
}

/* ---- the server's housekeeping cancels an order left unpaid past the timeout ---- */

static void test_payment_timeout_sweep(void **state) {
    (void)state;
    call("PUT", "/v1/config/money", W.admin, "{\"payment_timeout_s\":1}", 200);
    resp r;
    order(&r, "[{\"sku\":\"tea\",\"qty\":1}]", "\"currency\":\"EUR\"");
    expect_status(&r, 201);
    assert_string_equal(jstr(r.json, "status"), "held");
    long long id = order_id(&r);
    http_test_resp_free(&r);
    /* paid in time: never swept */
    order(&r, "[{\"sku\":\"tea\",\"qty\":1}]", "\"currency\":\"EUR\"");
    long long paid = order_id(&r);
    http_test_resp_free(&r);
    pay(paid, "{\"status\":\"paid\",\"amount\":1200}", 200, "paid");
    char path[96];
    snprintf(path, sizeof path, "/v1/orders/%lld", id);
    bool cancelled = false;
    for (int i = 0; i < 300 && !cancelled; i++) { /* the sweep runs every 50 ms (main) */
        http(&r, "GET", path, W.disp, NULL);
        cancelled = !strcmp(jstr(r.json, "status"), "cancelled");
        if (cancelled) assert_string_equal(jstr(jget(r.json, "payment"), "status"), "failed");
        http_test_resp_free(&r);
        if (!cancelled) usleep(50 * 1000); /* timing-ok: poll, 15 s deadline */
    }
    assert_true(cancelled);
    snprintf(path, sizeof path, "/v1/orders/%lld", paid);
    http(&r, "GET", path, W.disp, NULL);
    assert_string_equal(jstr(r.json, "status"), "allocated");
    http_test_resp_free(&r);
}

/* ---- units cancelled: the totals follow, with the promotion's stored terms ---- */

static void test_cancel_units_recomputes(void **state) {
    (void)state;
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"tea10\",\"kind\":\"percent\",\"scope\":\"product\",\"target\":\"tea\","
         "\"percent_bp\":1000}",
         201);
    resp r;
    order(&r, "[{\"sku\":\"tea\",\"qty\":3},{\"sku\":\"mug\",\"qty\":1}]",
          "\"currency\":\"EUR\",\"payment\":{\"method\":\"cod\"}");
    expect_status(&r, 201);
    long long id = order_id(&r);
    totals t = totals_of(r.json);
    assert_int_equal(t.subtotal, 5500);
    assert_int_equal(t.discount, 300);
    http_test_resp_free(&r);
    /* the promotion changes today: the order keeps the terms it got */
    call("PUT", "/v1/promotions/tea10", W.disp,
         "{\"id\":\"tea10\",\"kind\":\"percent\",\"scope\":\"product\",\"target\":\"tea\","
         "\"percent_bp\":5000}",
         200);
    char path[96];
    snprintf(path, sizeof path, "/v1/orders/%lld/cancel-units", id);
    http(&r, "POST", path, W.disp, "{\"line\":0,\"qty\":1}");
    expect_status(&r, 200);
    t = totals_of(r.json);
    assert_int_equal(t.subtotal, 4500);
    assert_int_equal(t.discount, 200);
    assert_int_equal(t.tax, (2000 - 200 + 2500) * 2 / 10);
    assert_int_equal(jint(cJSON_GetArrayItem(jget(r.json, "priced_lines"), 0), "cancelled_qty"), 1);
    http_test_resp_free(&r);
    http(&r, "POST", path, W.disp, "{\"line\":0,\"qty\":3}");
    expect_error(&r, 400, "qty");
    http_test_resp_free(&r);
    http(&r, "POST", path, W.disp, "{\"line\":7,\"qty\":1}");
    expect_error(&r, 400, "line");
    http_test_resp_free(&r);
}

/* ---- substitution: delivered at the price ordered; a partial cancellation frees the substitute
 * ---- */

static long long reserved(const char *sku) {
    resp r;
    http(&r, "GET", "/v1/stock", W.wh, NULL);
    expect_status(&r, 200);
    long long n = -1;
    const cJSON *row;
    cJSON_ArrayForEach(row, jget(r.json, "stock")) if (!strcmp(jstr(row, "sku"), sku)) n =
        jint(row, "reserved");
    http_test_resp_free(&r);
    return n;
}

static void test_substitution_keeps_price(void **state) {
    (void)state;
    call("POST", "/v1/products", W.admin,
         "{\"sku\":\"green\",\"name\":\"Green tea\",\"weight_g\":250}", 201);
    call("POST", "/v1/products", W.admin,
         "{\"sku\":\"tea\",\"name\":\"Tea\",\"weight_g\":250,\"substitute_sku\":\"green\"}", 201);
    call("PUT", "/v1/stock/north/tea", W.wh, "{\"on_hand\":0}", 200);
    call("PUT", "/v1/stock/north/green", W.wh, "{\"on_hand\":10}", 200);
    call("PUT", "/v1/prices/green/EUR", W.admin, "{\"unit_price\":1800,\"tax_rate_bp\":2000}", 200);
    resp r;
    order(&r, "[{\"sku\":\"tea\",\"qty\":3}]",
          "\"currency\":\"EUR\",\"out_of_stock\":\"substitute\",\"payment\":{\"method\":\"cod\"}");
    expect_status(&r, 201);
    long long id = order_id(&r);
    const cJSON *line = cJSON_GetArrayItem(jget(r.json, "lines"), 0);
    assert_string_equal(jstr(line, "sku"), "green");
    assert_string_equal(jstr(line, "substitute_for"), "tea");
    /* priced as ordered: 3 teas at 1000, not 3 green teas at 1800 */
    assert_string_equal(jstr(cJSON_GetArrayItem(jget(r.json, "priced_lines"), 0), "sku"), "tea");
    totals t = totals_of(r.json);
    assert_int_equal(t.subtotal, 3000);
    assert_int_equal(t.total, 3600);
    http_test_resp_free(&r);
    assert_int_equal(reserved("green"), 3);
    char path[96];
    snprintf(path, sizeof path, "/v1/orders/%lld/cancel-units", id);
    http(&r, "POST", path, W.disp, "{\"line\":0,\"qty\":2}");
    expect_status(&r, 200);
    t = totals_of(r.json);
    assert_int_equal(t.subtotal, 1000);
    assert_int_equal(t.total, 1200);
    assert_int_equal(jint(jget(r.json, "payment"), "amount_due"), 1200);
    http_test_resp_free(&r);
    assert_int_equal(reserved("green"), 1);
}

/* ---- bad input: refused with the field named, nothing stored ---- */

static void bad_order(const char *lines, const char *extra, const char *field) {
    resp r;
    order(&r, lines, extra);
    expect_error(&r, 400, field);
    http_test_resp_free(&r);
}

static void test_bad_money_refused(void **state) {
    (void)state;
    long long before = count_orders();
    const char *tea = "[{\"sku\":\"tea\",\"qty\":1}]";
    bad_order("[{\"sku\":\"tea\",\"qty\":1,\"unit_price\":12.5}]", "\"currency\":\"EUR\"",
              "lines[0].unit_price");
    bad_order("[{\"sku\":\"tea\",\"qty\":1,\"unit_price\":-1}]", "\"currency\":\"EUR\"",
              "lines[0].unit_price");
    bad_order("[{\"sku\":\"tea\",\"qty\":1,\"unit_price\":\"1000\"}]", "\"currency\":\"EUR\"",
              "lines[0].unit_price");
    bad_order("[{\"sku\":\"tea\",\"qty\":1,\"unit_price\":100000000000}]", "\"currency\":\"EUR\"",
              "lines[0].unit_price");
    bad_order(tea, "\"currency\":\"eur\"", "currency");
    bad_order(tea, "\"currency\":\"XYZ\"", "currency");
    bad_order("[{\"sku\":\"tea\",\"qty\":1,\"unit_price\":100}]", NULL, "currency");
    bad_order(tea, "\"currency\":\"EUR\",\"total\":100", "total");
    bad_order(tea, "\"currency\":\"EUR\",\"totals\":{\"total\":1}", "totals");
    bad_order(tea, "\"currency\":\"EUR\",\"discount\":100", "discount");
    bad_order(tea, "\"currency\":\"EUR\",\"coupon\":\"X\"", "coupon");
    bad_order(tea, "\"currency\":\"EUR\",\"shipping_fee\":-5", "shipping_fee");
    bad_order(tea, "\"currency\":\"EUR\",\"payment\":{\"method\":\"iou\"}", "payment.method");
    bad_order(tea, "\"currency\":\"EUR\",\"coupons\":[\"NOPE\"]", "coupons[0]");
    bad_order(tea, "\"currency\":\"EUR\",\"coupons\":[\"A\",\"B\\u0007\"]", "coupons[1]");
    /* a rejected coupon says why */
    resp u;
    order(&u, tea, "\"currency\":\"EUR\",\"coupons\":[\"NOPE\"]");
    assert_non_null(strstr(jstr(jget(u.json, "error"), "message"), "(unknown)"));
    http_test_resp_free(&u);
    bad_order("[{\"sku\":\"tea\",\"qty\":1}]", "\"currency\":\"JPY\"", "lines[0].unit_price");
    /* the order codec's own refusals hold with money (a window ending before it starts: found by
     * fuzz_orders_json) */
    bad_order(tea, "\"currency\":\"EUR\",\"time_windows\":[[1795000000,1794990000]]",
              "time_windows[0]");
    assert_int_equal(count_orders(), before);
    /* the catalogue refuses bad amounts and currencies too */
    resp r;
    http(&r, "PUT", "/v1/prices/tea/euro", W.admin, "{\"unit_price\":100}");
    expect_error(&r, 400, "currency");
    http_test_resp_free(&r);
    http(&r, "PUT", "/v1/prices/tea/EUR", W.admin, "{\"unit_price\":1.5}");
    expect_error(&r, 400, "unit_price");
    http_test_resp_free(&r);
    http(&r, "POST", "/v1/promotions", W.disp, "{\"id\":\"p\",\"kind\":\"gift\"}");
    expect_error(&r, 400, "kind");
    http_test_resp_free(&r);
    http(&r, "POST", "/v1/promotions", W.disp,
         "{\"id\":\"p\",\"kind\":\"fixed\",\"amount\":100,\"currency\":\"usd\"}");
    expect_error(&r, 400, "currency");
    http_test_resp_free(&r);
    http(&r, "GET", "/v1/promotions", W.disp, NULL);
    assert_int_equal(array_size(r.json, "promotions"), 0);
    http_test_resp_free(&r);
    http(&r, "GET", "/v1/prices", W.disp, NULL);
    const cJSON *tp = cJSON_GetArrayItem(jget(r.json, "prices"), 1);
    assert_string_equal(jstr(tp, "sku"), "tea");
    assert_int_equal(jint(tp, "unit_price"), 1000);
    http_test_resp_free(&r);
}

/* ---- CSV import: money columns in decimal, priced like any order ---- */

static void test_csv_import_priced(void **state) {
    (void)state;
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"csv5\",\"kind\":\"fixed\",\"scope\":\"order\",\"currency\":\"EUR\","
         "\"amount\":500,\"code\":\"CSV5\",\"limit_total\":1}",
         201);
    call("PUT", "/v1/config/money", W.admin, "{\"coupon_refuse\":false}", 200);
    const char *csv =
        "external_ref,customer_name,customer_phone,customer_address,lon,lat,lines,currency,"
        "unit_prices,shipping_fee,coupons,payment_method\r\n"
        "I-1,Ann,+33111,1 rue,4.85,45.78,tea:2;mug:1,EUR,12.50;,3.90,CSV5,cod\r\n"
        "I-2,Bob,+33222,2 rue,4.85,45.78,tea:1,EUR,,,CSV5,cod\r\n"
        "I-3,Cid,+33333,3 rue,4.85,45.78,tea:1,EUR,12.345,,,\r\n"
        "I-4,Dan,+33444,4 rue,4.85,45.78,tea:1,,,,,\r\n";
    long long before = count_orders();
    resp r;
    http(&r, "POST", "/v1/orders/import", W.wh, csv);
    expect_status(&r, 200);
    assert_int_equal(jint(r.json, "created"), 3);
    assert_int_equal(jint(r.json, "failed"), 1);
    const cJSON *res = jget(r.json, "results");
    /* 2 x 1250 + 2500 = 5000, coupon 500, tax 20 % of 4500 = 900, fee 390: 5790 */
    const cJSON *a = cJSON_GetArrayItem(res, 0);
    assert_string_equal(jstr(a, "currency"), "EUR");
    assert_int_equal(jint(a, "total"), 5790);
    assert_string_equal(jstr(a, "payment_status"), "cod_due");
    /* the coupon's one use went to the first row: the second is warned, at list price 1000+200 */
    const cJSON *b = cJSON_GetArrayItem(res, 1);
    assert_int_equal(jint(b, "total"), 1200);
    assert_int_equal(jint(b, "coupon_warnings"), 1);
    const cJSON *e = jget(cJSON_GetArrayItem(res, 2), "error");
    assert_string_equal(jstr(e, "field"), "unit_prices");
    assert_null(jget(cJSON_GetArrayItem(res, 3), "currency")); /* no money: none */
    http_test_resp_free(&r);
    assert_int_equal(count_orders(), before + 3);
    /* the same file again: nothing new */
    http(&r, "POST", "/v1/orders/import", W.wh, csv);
    expect_status(&r, 200);
    assert_int_equal(jint(r.json, "created"), 0);
    http_test_resp_free(&r);
    assert_int_equal(count_orders(), before + 3);
}

/* ---- a restart keeps totals, payments and coupon usage ---- */

static void test_restart_keeps_money(void **state) {
    (void)state;
    call("POST", "/v1/promotions", W.disp,
         "{\"id\":\"once\",\"kind\":\"percent\",\"scope\":\"order\",\"percent_bp\":2500,"
         "\"code\":\"ONCE\",\"limit_total\":1}",
         201);
    resp r;
    order(&r, "[{\"sku\":\"mug\",\"qty\":2}]", "\"currency\":\"EUR\",\"coupons\":[\"ONCE\"]");
    expect_status(&r, 201);
    long long id = order_id(&r);
    http_test_resp_free(&r);
    pay(id, "{\"status\":\"paid\",\"amount\":4500,\"reference\":\"r1\"}", 200, "paid");
    char path[96];
    snprintf(path, sizeof path, "/v1/orders/%lld/payments", id);
    resp before;
    http(&before, "GET", path, W.disp, NULL);
    expect_status(&before, 200);
    api_server_stop(W.srv, 2000);
    store_close(W.s);
    W.s = NULL;
    assert_int_equal(tmp_db_store_open(&W.tmp, 6, &W.s), 0);
    server_start();
    resp after;
    http(&after, "GET", path, W.disp, NULL);
    expect_status(&after, 200);
    assert_string_equal(before.body.data, after.body.data);
    http_test_resp_free(&before);
    http_test_resp_free(&after);
    /* the coupon's one use is still counted */
    order(&r, "[{\"sku\":\"mug\",\"qty\":1}]", "\"currency\":\"EUR\",\"coupons\":[\"ONCE\"]");
    expect_error(&r, 409, "coupons[0]");
    http_test_resp_free(&r);
}

/* ---- cash on delivery through the driver API, reconciled at the depot ---- */

static int setup_cod(void **state) {
    (void)state;
    plan_world_setup_priced(&P, "lm-money-cod-");
    port_now = P.port;
    return 0;
}

static int teardown_cod(void **state) {
    (void)state;
    plan_world_teardown(&P);
    return 0;
}

typedef struct route_stop {
    long long id, order_id, collect; /* collect -1: null */
} route_stop;

static size_t route(const char *key, route_stop *out, size_t cap) {
    resp r;
    http(&r, "GET", "/v1/driver/route", key, NULL);
    expect_status(&r, 200);
    size_t n = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, jget(r.json, "stops")) {
        if (strcmp(jstr(s, "kind"), "delivery") || n >= cap) continue;
        const cJSON *c = jget(s, "collect");
        out[n].id = jint(s, "id");
        out[n].order_id = jint(s, "order_id");
        out[n].collect = cJSON_IsObject(c) ? jint(c, "amount") : -1;
        if (cJSON_IsObject(c)) assert_string_equal(jstr(c, "currency"), "EUR");
        n++;
    }
    http_test_resp_free(&r);
    return n;
}

static void delivered(const char *key, long long stop, const char *body, long status,
                      const char *field) {
    char path[96];
    snprintf(path, sizeof path, "/v1/driver/stops/%lld/delivered", stop);
    resp r;
    http(&r, "POST", path, key, body);
    if (field)
        expect_error(&r, status, field);
    else
        expect_status(&r, status);
    http_test_resp_free(&r);
}

static void test_cod_collected_and_reconciled(void **state) {
    (void)state;
    char wh[STORE_KEY_MAX];
    lm_errinfo err = {0};
    store_key_info info;
    OKE(store_key_create(P.s, "warehouse", NULL, wh, &info, &err), err);
    route_stop s1[8], s2[8];
    size_t n1 = route(P.d1, s1, 8), n2 = route(P.d2, s2, 8);
    assert_int_equal(n1 + n2, 6);
    /* one order is free (paid), the five others ask for 1500 */
    size_t cod = 0, free_stops = 0;
    for (size_t i = 0; i < n1; i++)
        cod += s1[i].collect == 1500, free_stops += s1[i].collect == -1;
    for (size_t i = 0; i < n2; i++)
        cod += s2[i].collect == 1500, free_stops += s2[i].collect == -1;
    assert_int_equal(cod, 5);
    assert_int_equal(free_stops, 1);
    /* driver 1 delivers everything: the amount is required for COD, refused for the free one */
    long long expected_cash = 0, short_order = 0;
    bool terminal = false;
    for (size_t i = 0; i < n1; i++) {
        if (s1[i].collect < 0) {
            delivered(P.d1, s1[i].id, "{\"collected\":{\"amount\":0}}", 409, "collected");
            delivered(P.d1, s1[i].id, "{\"recipient\":\"A\"}", 200, NULL);
            continue;
        }
        delivered(P.d1, s1[i].id, "{\"recipient\":\"A\"}", 400, "collected");
        delivered(P.d1, s1[i].id, "{\"collected\":{\"amount\":1.5}}", 400, "collected.amount");
        delivered(P.d1, s1[i].id, "{\"collected\":{\"amount\":1500,\"method\":\"iou\"}}", 400,
                  "collected.method");
        if (!short_order) { /* the first one short by 2.00 EUR, in cash */
            delivered(P.d1, s1[i].id, "{\"collected\":{\"amount\":1300}}", 200, NULL);
            short_order = s1[i].order_id;
            expected_cash += 1300;
        } else if (!terminal) { /* one on the card terminal: not in the cash box */
            delivered(P.d1, s1[i].id,
                      "{\"collected\":{\"amount\":1500,\"method\":\"card_terminal\"}}", 200, NULL);
            terminal = true;
        } else {
            delivered(P.d1, s1[i].id, "{\"collected\":{\"amount\":1500,\"method\":\"cash\"}}", 200,
                      NULL);
            expected_cash += 1500;
        }
    }
    assert_true(short_order > 0);
    /* the short collection: recorded as collected, flagged on the order */
    route_stop again[8];
    assert_int_equal(route(P.d1, again, 8), n1);
    for (size_t i = 0; i < n1; i++)
        assert_int_equal(again[i].collect, -1); /* nothing left to collect */
    char path[96];
    snprintf(path, sizeof path, "/v1/orders/%lld", short_order);
    resp r;
    http(&r, "GET", path, P.disp, NULL);
    expect_status(&r, 200);
    assert_string_equal(jstr(r.json, "status"), "delivered");
    assert_string_equal(jstr(jget(r.json, "payment"), "status"), "cod_collected");
    assert_int_equal(jint(jget(r.json, "payment"), "paid"), 1300);
    bool flagged = false;
    const cJSON *e;
    cJSON_ArrayForEach(e, jget(r.json, "exceptions")) flagged |=
        !strcmp(jstr(e, "rule"), "cod_discrepancy");
    assert_true(flagged);
    http_test_resp_free(&r);
    /* the driver's cash: what was taken in cash, not the terminal's */
    http(&r, "GET", "/v1/drivers/D1/cash", P.disp, NULL);
    expect_status(&r, 200);
    const cJSON *row = cJSON_GetArrayItem(jget(r.json, "cash"), 0);
    assert_int_equal(jint(row, "outstanding"), expected_cash);
    http_test_resp_free(&r);
    /* only the warehouse counts; 1.00 EUR missing */
    char body[128];
    snprintf(body, sizeof body, "{\"currency\":\"EUR\",\"handed_in\":%lld}", expected_cash - 100);
    http(&r, "POST", "/v1/drivers/D1/cash", P.disp, body);
    expect_status(&r, 403);
    http_test_resp_free(&r);
    http(&r, "POST", "/v1/drivers/D1/cash", wh, "{\"currency\":\"EUR\",\"handed_in\":1.5}");
    expect_error(&r, 400, "handed_in");
    http_test_resp_free(&r);
    http(&r, "POST", "/v1/drivers/D1/cash", wh, "{\"currency\":\"eur\",\"handed_in\":1}");
    expect_error(&r, 400, "currency");
    http_test_resp_free(&r);
    http(&r, "POST", "/v1/drivers/D1/cash", wh, body);
    expect_status(&r, 201);
    assert_int_equal(jint(r.json, "expected"), expected_cash);
    assert_int_equal(jint(r.json, "discrepancy"), -100);
    assert_true(strlen(jstr(r.json, "key_id")) > 0);
    http_test_resp_free(&r);
    /* handed in: nothing outstanding, and nothing more to hand in */
    http(&r, "POST", "/v1/drivers/D1/cash", wh, "{\"currency\":\"EUR\",\"handed_in\":0}");
    expect_status(&r, 409);
    http_test_resp_free(&r);
    http(&r, "GET", "/v1/reports/money/cod", P.disp, NULL);
    expect_status(&r, 200);
    bool seen = false;
    cJSON_ArrayForEach(row, jget(r.json, "rows")) {
        if (strcmp(jstr(row, "driver_id"), "D1")) continue;
        seen = true;
        assert_int_equal(jint(row, "outstanding"), 0);
        assert_int_equal(jint(row, "handed_in"), expected_cash - 100);
        assert_int_equal(jint(row, "discrepancy"), -100);
    }
    assert_true(seen);
    http_test_resp_free(&r);
    /* driver 2 still owes what its route shows */
    long long owed = 0;
    for (size_t i = 0; i < n2; i++)
        owed += s2[i].collect > 0 ? s2[i].collect : 0;
    assert_int_equal(route(P.d2, again, 8), n2);
    long long still = 0;
    for (size_t i = 0; i < n2; i++)
        still += again[i].collect > 0 ? again[i].collect : 0;
    assert_int_equal(still, owed);
}

/* A malformed LASTMILE_PAYMENT_SWEEP_MS refuses to start (naming the variable) rather than
 * sweeping on the default behind the operator's back. */
static void test_sweep_setting_malformed(void **state) {
    (void)state;
    const char *bad[] = {"", "x", "50ms", "-1", "86400001", " 50"};
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.threads = 1;
    o.log_fd = -1;
    server_env_refused(&o, W.s, "LASTMILE_PAYMENT_SWEEP_MS", bad, sizeof bad / sizeof *bad,
                       "0-86400000", "50");
}

int main(void) {
    /* the payment-timeout sweep of the server under test runs often (test_payment_timeout_sweep) */
    setenv("LASTMILE_PAYMENT_SWEEP_MS", "50", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_priced_order_totals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_promotion_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coupon_race_exactly_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payments_and_refunds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payment_timeout_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_units_recomputes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_substitution_keeps_price, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_money_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_import_priced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_keeps_money, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cod_collected_and_reconciled, setup_cod, teardown_cod),
        cmocka_unit_test_setup_teardown(test_sweep_setting_malformed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
