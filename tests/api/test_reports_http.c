/* Analytics over real HTTP (docs/analytics.md): an in-process server on a free loopback port with
 * a temporary SQLite file. A hand-built day of events (written after the server started, so the
 * rollups fold them in their own commits) answers GET /v1/reports/{family} with the figures worked
 * out by hand, in JSON and CSV; roles and bad queries are refused with the field named; the
 * quality family counts the deliveries; a demand history gives a forecast whose interval and
 * replenishment advice agree, and POST /v1/replenishment makes the advised reorder point the one
 * the stock.low alert fires on. */
#include "analytics/analytics.h"
#include "api/api.h"
#include "store/store.h"
#include "store/store_feedback.h"
#include "store/store_orders.h"
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* |a - b| <= eps in double precision (cmocka's assert_float_equal rounds to float). */
static void assert_near(double a, double b, double eps) {
    if (!(fabs(a - b) <= eps)) fail_msg("%.17g != %.17g (within %g)", a, b, eps);
    assert_true(fabs(a - b) <= eps);
}

#define MIN_MS ((int64_t)60000)
#define H_MS   ((int64_t)3600000)
#define D_MS   ((int64_t)86400000)
#define MON    (20514 * D_MS) /* 2026-03-02, a Monday */

static struct {
    tmp_db tmp;
    store *s;
    api_server *srv;
    uint16_t port;
    char admin[STORE_KEY_MAX], disp[STORE_KEY_MAX], wh[STORE_KEY_MAX], drv[STORE_KEY_MAX];
} W;

typedef http_test_resp resp;

static void get(resp *out, const char *method, const char *path, const char *key,
                const char *header, const char *body) {
    http_test_req q = {.method = method, .path = path, .key = key, .header = header, .body = body};
    http_test_request(W.port, &q, out);
}

static void expect_status(const resp *r, long status) {
    assert_true(r->status > 0); /* an answer came */
    if (r->status != status)
        fail_msg("status %ld (expected %ld), body %s", r->status, status,
                 r->body.data ? r->body.data : "");
}

static const cJSON *jget(const cJSON *j, const char *key) {
    return cJSON_GetObjectItemCaseSensitive(j, key);
}

static double jnum(const cJSON *j, const char *key) {
    const cJSON *v = jget(j, key);
    if (!cJSON_IsNumber(v)) fail_msg("no number '%s'", key);
    return v->valuedouble;
}

static void expect_error(const char *method, const char *path, const char *key, long status,
                         const char *field) {
    resp r;
    get(&r, method, path, key, NULL, NULL);
    expect_status(&r, status);
    const cJSON *e = jget(r.json, "error");
    const char *f = cJSON_GetStringValue(jget(e, "field"));
    if (!f || strcmp(f, field))
        fail_msg("%s: error field '%s', want '%s'", path, f ? f : "", field);
    http_test_resp_free(&r);
}

static int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    lm_errinfo err = {0};
    if (tmp_db_create(&W.tmp, "lm_reports_http_") != 0 || tmp_db_store_open(&W.tmp, 6, &W.s) != 0 ||
        store_key_create(W.s, "admin", NULL, W.admin, NULL, &err) != LM_OK ||
        store_key_create(W.s, "dispatcher", NULL, W.disp, NULL, &err) != LM_OK ||
        store_key_create(W.s, "warehouse", NULL, W.wh, NULL, &err) != LM_OK ||
        store_key_create(W.s, "driver", "drv1", W.drv, NULL, &err) != LM_OK)
        return -1;
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.threads = 2;
    o.log_fd = -1;
    if (api_server_start(&o, W.s, &W.srv, &err) != LM_OK) return -1;
    W.port = api_server_port(W.srv);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    api_server_stop(W.srv, 2000);
    store_close(W.s);
    tmp_db_remove(&W.tmp);
    return 0;
}

/* An order row (depot d1, one line of sku) created at created_ms, with a window or none. */
static int64_t order(const char *sku, int64_t qty, int64_t created_ms, int64_t ws, int64_t we) {
    static int n;
    store_order o = {0};
    lm_strlcpy(o.channel, "web", sizeof o.channel);
    lm_strlcpy(o.depot_id, "d1", sizeof o.depot_id);
    lm_strlcpy(o.status, "received", sizeof o.status);
    snprintf(o.external_ref, sizeof o.external_ref, "r%d", ++n);
    snprintf(o.tracking_token, sizeof o.tracking_token, "t%d", n);
    store_line l = {.qty = qty};
    lm_strlcpy(l.sku, sku, sizeof l.sku);
    o.lines = &l;
    o.n_lines = 1;
    if (we) {
        o.windows[0] = (store_window){ws / 1000, we / 1000};
        o.n_windows = 1;
    }
    o.created_ms = o.updated_ms = created_ms;
    store_tx *tx = NULL;
    int64_t id = 0;
    lm_errinfo err = {0};
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    assert_int_equal(store_order_insert(tx, &o, &id, &err), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    return id;
}

static store_tx *tx_;

static void ev(const char *type, const char *entity, const char *fmt, ...) {
    char p[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p, sizeof p, fmt, ap);
    va_end(ap);
    assert_int_equal(store_event_append(tx_, type, entity, "x", p), LM_OK);
}

static void oev(int64_t id, const char *to, int64_t t) {
    char type[48];
    snprintf(type, sizeof type, "order.%s", to);
    ev(type, "order",
       "{\"id\":%" PRId64 ",\"to\":\"%s\",\"channel\":\"web\",\"depot\":\"d1\",\"t_ms\":%" PRId64
       "}",
       id, to, t);
}

/* Monday: order a on time (window 10-12, delivered 11:05), order b late (window 10-11, a failed
 * stop then delivered 12:00), order c cancelled. */
static void monday(void) {
    int64_t m = MON;
    int64_t a = order("p0", 1, m, m + 10 * H_MS, m + 12 * H_MS);
    int64_t b = order("p0", 1, m, m + 10 * H_MS, m + 11 * H_MS);
    int64_t c = order("p0", 1, m, 0, 0);
    assert_int_equal(store_tx_begin(W.s, &tx_), LM_OK);
    ev("route.started", "vehicle",
       "{\"vehicle_id\":\"v1\",\"driver_id\":\"drv1\",\"t_ms\":%" PRId64 "}", m + 9 * H_MS);
    oev(a, "received", m + 8 * H_MS);
    oev(a, "allocated", m + 8 * H_MS + 10 * MIN_MS);
    oev(a, "ready", m + 9 * H_MS);
    oev(a, "out_for_delivery", m + 9 * H_MS + 30 * MIN_MS);
    ev("stop.delivered", "stop",
       "{\"stop_id\":1,\"order_id\":%" PRId64 ",\"vehicle_id\":\"v1\",\"t_ms\":%" PRId64 "}", a,
       m + 11 * H_MS + 5 * MIN_MS);
    oev(a, "delivered", m + 11 * H_MS + 5 * MIN_MS);
    oev(b, "received", m + 8 * H_MS + 30 * MIN_MS);
    ev("stop.failed", "stop",
       "{\"stop_id\":2,\"order_id\":%" PRId64 ",\"vehicle_id\":\"v1\",\"t_ms\":%" PRId64 "}", b,
       m + 10 * H_MS);
    oev(b, "delivered", m + 12 * H_MS);
    oev(c, "received", m + 9 * H_MS);
    oev(c, "cancelled", m + 9 * H_MS + 20 * MIN_MS);
    assert_int_equal(store_tx_commit(tx_), LM_OK);
}

static const char *DAYS = "from=2026-03-01&to=2026-03-08";

static void test_kpi_reports(void **state) {
    (void)state;
    monday();
    char path[256];
    snprintf(path, sizeof path, "/v1/reports/deliveries?%s", DAYS);
    resp r;
    get(&r, "GET", path, W.disp, NULL, NULL);
    expect_status(&r, 200);
    const cJSON *rows = jget(r.json, "rows");
    assert_int_equal(cJSON_GetArraySize(rows), 1);
    const cJSON *row = cJSON_GetArrayItem(rows, 0);
    assert_string_equal(cJSON_GetStringValue(jget(row, "period_start")), "2026-03-02");
    assert_int_equal((int)jnum(row, "received"), 3);
    assert_int_equal((int)jnum(row, "delivered"), 2);
    assert_int_equal((int)jnum(row, "cancelled"), 1);
    assert_int_equal((int)jnum(row, "with_window"), 2);
    assert_near(jnum(row, "on_time_rate"), 0.5, 1e-12);       /* b came an hour late */
    assert_near(jnum(row, "first_attempt_rate"), 0.5, 1e-12); /* b failed once */
    http_test_resp_free(&r);

    /* cycle times: a took 3h05 (11100 s), b 3h30; the median is a's, to the histogram bucket */
    snprintf(path, sizeof path, "/v1/reports/cycle-times?%s&period=week", DAYS);
    get(&r, "GET", path, W.wh, NULL, NULL);
    expect_status(&r, 200);
    row = cJSON_GetArrayItem(jget(r.json, "rows"), 0);
    assert_string_equal(cJSON_GetStringValue(jget(row, "period_start")), "2026-03-02");
    assert_int_equal((int)jnum(row, "total_n"), 2);
    double med = jnum(row, "total_median_s");
    assert_true(med <= 11100 && med >= 11100 * 31.0 / 32);
    double audit = jnum(row, "audit_median_s"); /* a: 10 min, to the bucket (16 s wide there) */
    assert_true(audit <= 600 && audit >= 600 * 31.0 / 32);
    http_test_resp_free(&r);

    /* CSV: the same figures, one header line then one line per row */
    snprintf(path, sizeof path, "/v1/reports/deliveries?%s&group=depot", DAYS);
    get(&r, "GET", path, W.admin, "Accept: text/csv", NULL);
    expect_status(&r, 200);
    assert_non_null(strstr(r.headers.data, "text/csv"));
    assert_non_null(strstr(r.body.data, "period_start,key,received,delivered,failed,cancelled"));
    assert_non_null(strstr(r.body.data, "\r\n2026-03-02,d1,3,2,0,1,2,1,0.5,1,0.5\r\n"));
    http_test_resp_free(&r);

    /* routes by driver: v1's route from 09:00 to its last outcome 11:05 */
    snprintf(path, sizeof path, "/v1/reports/costs?%s&group=driver", DAYS);
    get(&r, "GET", path, W.disp, NULL, NULL);
    expect_status(&r, 200);
    row = NULL;
    for (int i = 0; i < cJSON_GetArraySize(jget(r.json, "rows")); i++) {
        const cJSON *e = cJSON_GetArrayItem(jget(r.json, "rows"), i);
        if (!strcmp(cJSON_GetStringValue(jget(e, "key")), "drv1")) row = e;
    }
    assert_non_null(row); /* order c had no driver: its row is "-", without routes */
    assert_int_equal((int)jnum(row, "routes"), 1);
    assert_int_equal((int)jnum(row, "route_stops"), 2);
    assert_int_equal((int)jnum(row, "route_s"), 7500); /* 2h05 */
    http_test_resp_free(&r);

    /* quality: the two deliveries rated 5 and 2 by their customers, one ticket opened and
     * answered 30 min after opening, before its 2 h first-response due time */
    store_tx *tx = NULL;
    lm_errinfo qerr = {0};
    int64_t qid = 0;
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    for (int k = 0; k < 2; k++) {
        store_rating rt = {.order_id = k + 1,
                           .stop_id = k + 1,
                           .score = k ? 2 : 5,
                           .created_ms = MON + 13 * H_MS,
                           .updated_ms = MON + 13 * H_MS};
        lm_strlcpy(rt.driver_id, "drv1", sizeof rt.driver_id);
        lm_strlcpy(rt.depot_id, "d1", sizeof rt.depot_id);
        assert_int_equal(store_rating_insert(tx, &rt, &qid, &qerr), LM_OK);
    }
    store_complaint cp = {.order_id = 2,
                          .created_ms = MON + 13 * H_MS,
                          .updated_ms = MON + 13 * H_MS,
                          .clock_start_ms = MON + 13 * H_MS,
                          .first_response_ms = MON + 13 * H_MS + 30 * MIN_MS,
                          .fr_due_ms = MON + 15 * H_MS,
                          .res_due_ms = MON + 3 * D_MS};
    assert_int_equal(store_complaint_insert(tx, &cp, &qid, &qerr), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    snprintf(path, sizeof path, "/v1/reports/quality?%s", DAYS);
    get(&r, "GET", path, W.disp, NULL, NULL);
    expect_status(&r, 200);
    assert_int_equal((int)jnum(r.json, "delivered"), 2);
    assert_int_equal((int)jnum(r.json, "complaints"), 1);
    assert_near(jnum(r.json, "complaint_rate"), 0.5, 1e-12);
    assert_near(jnum(r.json, "sla_first_response_compliance"), 1, 1e-12);
    assert_near(jnum(r.json, "sla_resolution_compliance"), 1, 1e-12);
    const cJSON *drv = cJSON_GetArrayItem(jget(jget(r.json, "ratings"), "driver"), 0);
    assert_string_equal(cJSON_GetStringValue(jget(drv, "key")), "drv1");
    assert_int_equal((int)jnum(drv, "count"), 2);
    assert_near(jnum(drv, "mean"), 3.5, 1e-12);
    const cJSON *dep = cJSON_GetArrayItem(jget(jget(r.json, "ratings"), "depot"), 0);
    assert_string_equal(cJSON_GetStringValue(jget(dep, "key")), "d1");
    assert_near(jnum(dep, "mean"), 3.5, 1e-12);
    http_test_resp_free(&r);
    get(&r, "GET", path, W.disp, "Accept: text/csv", NULL);
    expect_status(&r, 200);
    assert_non_null(strstr(r.body.data, "\r\nsummary,complaint_rate,1,0.5\r\n"));
    assert_non_null(strstr(r.body.data, "\r\nrating_driver,drv1,2,3.5\r\n"));
    http_test_resp_free(&r);

    /* the rollups the server kept equal a rebuild from the log */
    store_read *rd = NULL;
    analytics_kpi_row *before = NULL, *after = NULL;
    size_t nb = 0, na = 0;
    lm_errinfo err = {0};
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(analytics_rollup_report(rd, MON - D_MS, MON + 6 * D_MS, ANALYTICS_DAY,
                                             ANALYTICS_BY_DRIVER, &before, &nb, &err),
                     LM_OK);
    store_read_end(rd);
    assert_int_equal(analytics_rollup_rebuild(W.s, NULL, &err), LM_OK);
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(analytics_rollup_report(rd, MON - D_MS, MON + 6 * D_MS, ANALYTICS_DAY,
                                             ANALYTICS_BY_DRIVER, &after, &na, &err),
                     LM_OK);
    store_read_end(rd);
    assert_int_equal(nb, na);
    assert_memory_equal(before, after, nb * sizeof *before);
    lm_free(before);
    lm_free(after);
}

static void test_roles_and_bad_queries(void **state) {
    (void)state;
    resp r;
    get(&r, "GET", "/v1/reports/deliveries", W.drv, NULL, NULL);
    expect_status(&r, 403);
    http_test_resp_free(&r);
    get(&r, "GET", "/v1/reports/deliveries", NULL, NULL, NULL);
    expect_status(&r, 401);
    http_test_resp_free(&r);
    get(&r, "GET", "/v1/forecast/d1/p1", W.drv, NULL, NULL);
    expect_status(&r, 403);
    http_test_resp_free(&r);
    get(&r, "POST", "/v1/replenishment/d1", W.disp, NULL, NULL);
    expect_status(&r, 403);
    http_test_resp_free(&r);
    expect_error("GET", "/v1/reports/revenue", W.disp, 404, "family");
    expect_error("GET", "/v1/reports/eta?period=year", W.disp, 400, "period");
    expect_error("GET", "/v1/reports/eta?group=region", W.disp, 400, "group");
    expect_error("GET", "/v1/reports/eta?from=2026-02-30", W.disp, 400, "from");
    expect_error("GET", "/v1/reports/eta?from=2026-03-08&to=2026-03-01", W.disp, 400, "to");
    expect_error("GET", "/v1/forecast/nowhere/p1", W.wh, 404, "depot");
    expect_error("GET", "/v1/forecast/d1/p1?h=0", W.wh, 400, "h");
    expect_error("GET", "/v1/replenishment/d1?service=1.5", W.wh, 400, "service");
}

/* 70 days of demand for p1 ending yesterday: 10 + weekday units, plus a trend. */
static double demand_history(int64_t today) {
    double last56 = 0;
    for (int k = 0; k < 70; k++) {
        int64_t day = today - 70 + k;
        int64_t qty = 10 + (day + 3) % 7 + k / 10;
        order("p1", qty, day * D_MS + 12 * H_MS, 0, 0);
        if (k >= 14) last56 += (double)qty;
    }
    return last56;
}

static void test_forecast_and_replenishment(void **state) {
    (void)state;
    resp r;
    get(&r, "POST", "/v1/depots", W.admin, NULL,
        "{\"id\":\"d1\",\"name\":\"D1\",\"location\":[4.85,45.80]}");
    expect_status(&r, 201);
    http_test_resp_free(&r);
    get(&r, "POST", "/v1/products", W.admin, NULL, "{\"sku\":\"p1\",\"name\":\"P1\"}");
    expect_status(&r, 201);
    http_test_resp_free(&r);
    expect_error("GET", "/v1/forecast/d1/nosuch", W.wh, 404, "sku");
    get(&r, "PUT", "/v1/stock/d1/p1", W.wh, NULL, "{\"on_hand\":500,\"reorder_point\":3}");
    expect_status(&r, 200);
    http_test_resp_free(&r);
    int64_t today = lm_now_ms() / D_MS;
    double sum56 = demand_history(today);

    get(&r, "GET", "/v1/forecast/d1/p1?days=56&h=14", W.disp, NULL, NULL);
    expect_status(&r, 200);
    const cJSON *hist = jget(r.json, "history"), *fc = jget(r.json, "forecast");
    assert_int_equal(cJSON_GetArraySize(hist), 56);
    assert_int_equal(cJSON_GetArraySize(fc), 14);
    double got = 0, f7 = 0, sigma = jnum(r.json, "sigma"), z = jnum(r.json, "z");
    for (int i = 0; i < 56; i++)
        got += jnum(cJSON_GetArrayItem(hist, i), "units");
    assert_near(got, sum56, 1e-9);
    for (int i = 0; i < 14; i++) {
        const cJSON *e = cJSON_GetArrayItem(fc, i);
        double u = jnum(e, "units");
        assert_true(jnum(e, "lo") <= u && u <= jnum(e, "hi"));
        assert_near(jnum(e, "hi") - u, z * sigma, 1e-9);
        if (i < 7) f7 += u;
    }
    assert_near(z, 1.6448536, 1e-6);
    http_test_resp_free(&r);

    /* the reorder point is the forecast over the 7-day lead time plus z sigma sqrt(7) */
    get(&r, "GET", "/v1/replenishment/d1?days=56", W.wh, NULL, NULL);
    expect_status(&r, 200);
    const cJSON *sku = cJSON_GetArrayItem(jget(r.json, "skus"), 0);
    assert_string_equal(cJSON_GetStringValue(jget(sku, "sku")), "p1");
    assert_true(cJSON_IsTrue(jget(sku, "history")));
    double rp = jnum(sku, "reorder_point");
    assert_near(rp, f7 + z * sigma * sqrt(7.0), 1e-6);
    assert_int_equal((int)jnum(sku, "reorder_point_set"), 3);
    http_test_resp_free(&r);

    /* refit: the advised point replaces the hand-set 3, and stock.low fires on it */
    get(&r, "POST", "/v1/replenishment/d1?days=56", W.wh, NULL, NULL);
    expect_status(&r, 200);
    sku = cJSON_GetArrayItem(jget(r.json, "skus"), 0);
    int64_t point = (int64_t)ceil(rp);
    assert_int_equal((int64_t)jnum(sku, "reorder_point_set"), point);
    http_test_resp_free(&r);
    int64_t lows = tmp_db_count_events(W.s, "stock.low");
    char body[96];
    snprintf(body, sizeof body, "{\"on_hand\":%" PRId64 "}", point - 1);
    get(&r, "PUT", "/v1/stock/d1/p1", W.wh, NULL, body);
    expect_status(&r, 200);
    assert_true(cJSON_IsTrue(jget(r.json, "low")));
    http_test_resp_free(&r);
    assert_int_equal(tmp_db_count_events(W.s, "stock.low"), lows + 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kpi_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_and_bad_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forecast_and_replenishment, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
