/* analytics forecasts and replenishment: synthetic series with known seasonality and trend
 * (deterministic noise), the edge cases (no data, one day, zero demand, stock-out days,
 * intermittent demand), the demand series read from order lines on a real SQLite file, and the
 * replenishment advice on a case worked out by hand. */
#include "analytics/analytics.h"
#include "store/store_orders.h"
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

static const double week[7] = {-10, -4, 0, 2, 6, 12, -6}; /* weekly pattern, sums to 0 */

/* Deterministic noise in [-amp, amp] (a 32-bit LCG, so every run sees the same series). */
static double noise(uint32_t *s, double amp) {
    *s = *s * 1664525u + 1013904223u;
    return amp * (2.0 * ((double)(*s >> 8) / 16777216.0) - 1.0);
}

static double gen(size_t t, double slope, uint32_t *s, double amp) {
    return 60 + slope * (double)t + week[t % 7] + noise(s, amp);
}

/* Trend + weekly season: Holt-Winters wins the backtest and, on the 14 days that follow (never
 * seen), its error is under half of seasonal-naive's (which lags the trend by a week). */
static void test_trend_and_season_beat_seasonal_naive(void **state) {
    (void)state;
    enum { N = 140, H = 14 };
    double y[N + H];
    uint32_t seed = 7;
    for (size_t t = 0; t < N + H; t++)
        y[t] = gen(t, 0.5, &seed, 2.0);
    analytics_forecast fc;
    assert_int_equal(analytics_forecast_series(y, NULL, N, H, &fc), LM_OK);
    assert_int_equal(fc.method, ANALYTICS_HOLT_WINTERS);
    assert_int_equal(fc.bt.holdout, 14);
    assert_true(fc.bt.mase < fc.bt.naive_mase);
    assert_true(fc.bt.smape < fc.bt.naive_smape);
    double mae = 0, naive = 0;
    for (size_t k = 0; k < H; k++) {
        mae += fabs(fc.f[k] - y[N + k]);
        naive += fabs(y[N - 7 + k % 7] - y[N + k]);
    }
    print_message("holdout MASE %.3f (seasonal-naive %.3f), sMAPE %.4f (%.4f); next 14 days "
                  "MAE %.3f (seasonal-naive %.3f)\n",
                  fc.bt.mase, fc.bt.naive_mase, fc.bt.smape, fc.bt.naive_smape, mae / H, naive / H);
    assert_true(mae < 0.5 * naive);
    assert_true(mae / H < 3.0); /* noise is +-2, so the forecast follows the truth closely */
    assert_true(fc.sigma > 0.5 && fc.sigma < 3.0);
}

/* A pure weekly pattern: both candidates are exact, seasonal-naive keeps the tie, the forecast
 * is the pattern itself. */
static void test_pure_season_is_reproduced(void **state) {
    (void)state;
    double y[56];
    uint32_t seed = 1;
    for (size_t t = 0; t < 56; t++)
        y[t] = gen(t, 0, &seed, 0);
    analytics_forecast fc;
    assert_int_equal(analytics_forecast_series(y, NULL, 56, 21, &fc), LM_OK);
    assert_int_equal(fc.method, ANALYTICS_SEASONAL_NAIVE);
    for (size_t k = 0; k < 21; k++)
        assert_float_equal(fc.f[k], 60 + week[(56 + k) % 7], 1e-9);
    assert_float_equal(fc.bt.mase, 0, 0);
    assert_float_equal(fc.sigma, 0, 1e-12);
}

static void test_edge_cases(void **state) {
    (void)state;
    analytics_forecast fc;
    /* no data: zero */
    assert_int_equal(analytics_forecast_series(NULL, NULL, 0, 7, &fc), LM_OK);
    assert_int_equal(fc.method, ANALYTICS_ZERO);
    assert_float_equal(fc.f[6], 0, 0);
    /* one day: its value */
    double one = 4;
    assert_int_equal(analytics_forecast_series(&one, NULL, 1, 3, &fc), LM_OK);
    assert_int_equal(fc.method, ANALYTICS_MEAN);
    assert_float_equal(fc.f[2], 4, 0);
    assert_float_equal(fc.sigma, 0, 0);
    /* ten days: last week repeated */
    double ten[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assert_int_equal(analytics_forecast_series(ten, NULL, 10, 7, &fc), LM_OK);
    assert_int_equal(fc.method, ANALYTICS_SEASONAL_NAIVE);
    assert_float_equal(fc.f[0], 4, 0); /* day 10 is the weekday of day 3 */
    /* zero demand: zero forecast, finite measures */
    double z[60] = {0};
    assert_int_equal(analytics_forecast_series(z, NULL, 60, 14, &fc), LM_OK);
    for (size_t k = 0; k < 14; k++)
        assert_float_equal(fc.f[k], 0, 0);
    assert_float_equal(fc.bt.mase, 0, 0);
    assert_float_equal(fc.bt.smape, 0, 0);
    /* bad arguments */
    assert_int_equal(analytics_forecast_series(z, NULL, 60, 0, &fc), LM_INVALID);
    assert_int_equal(analytics_forecast_series(z, NULL, 60, ANALYTICS_HORIZON_MAX + 1, &fc),
                     LM_INVALID);
    assert_int_equal(analytics_forecast_series(NULL, NULL, 5, 1, &fc), LM_INVALID);
}

/* Empty shelves on the last three Saturdays (weekday 5, the busiest) recorded 0 sales: marked as
 * stock-outs they do not drag the Saturday forecast down; unmarked they do. */
static void test_stockout_days_are_imputed(void **state) {
    (void)state;
    enum { N = 84 };
    double y[N];
    bool so[N] = {0};
    uint32_t seed = 3;
    for (size_t t = 0; t < N; t++)
        y[t] = gen(t, 0, &seed, 1.0);
    for (size_t t = N - 21; t < N; t++)
        if (t % 7 == 5) {
            y[t] = 0;
            so[t] = true;
        }
    analytics_forecast marked, raw;
    assert_int_equal(analytics_forecast_series(y, so, N, 7, &marked), LM_OK);
    assert_int_equal(analytics_forecast_series(y, NULL, N, 7, &raw), LM_OK);
    size_t sat = (7 + 5 - N % 7) % 7; /* horizon index of the next Saturday */
    assert_true(fabs(marked.f[sat] - 72) < 3);
    assert_true(raw.f[sat] < 60);
}

/* Intermittent demand (4 units on about 4 days in 10, zero otherwise): TSB is chosen; its
 * expected demand is about the mean rate (what replenishment sums), its point forecast the median
 * of a day's demand, 0 (fewer than half the days sell), which beats seasonal-naive's last week on
 * the backtest by MASE and sMAPE alike. */
static void test_intermittent_demand(void **state) {
    (void)state;
    enum { N = 120 };
    double y[N] = {0}, sum = 0;
    uint32_t seed = 11;
    for (size_t t = 0; t < N; t++) {
        if (noise(&seed, 1.0) > 0.2) y[t] = 4;
        sum += y[t];
    }
    analytics_forecast fc;
    assert_int_equal(analytics_forecast_series(y, NULL, N, 14, &fc), LM_OK);
    assert_int_equal(fc.method, ANALYTICS_TSB);
    double mean = sum / N, msum = 0;
    for (size_t k = 0; k < 14; k++) {
        assert_true(fc.mean[k] >= 0 && isfinite(fc.mean[k]));
        assert_float_equal(fc.f[k], 0, 0);
        msum += fc.mean[k];
    }
    print_message("mean rate %.3f, TSB %.3f; backtest MASE %.3f (naive %.3f) sMAPE %.3f (%.3f)\n",
                  mean, msum / 14, fc.bt.mase, fc.bt.naive_mase, fc.bt.smape, fc.bt.naive_smape);
    assert_true(msum / 14 > 0.5 * mean && msum / 14 < 1.5 * mean);
    assert_true(fc.bt.mase < fc.bt.naive_mase && fc.bt.smape < fc.bt.naive_smape);
    /* replenishment sums the expected demand: 10 days of it, not 10 zeros */
    analytics_replenish_in in = {.lead_time_days = 7, .review_days = 3, .z = 0};
    analytics_replenish r;
    assert_int_equal(analytics_replenish_advise(&fc, &in, &r), LM_OK);
    assert_true(fabs(r.reorder_point - 7 * fc.mean[0]) < 1e-9 && r.reorder_point > 0);
}

/* A yearly wave (100 +- 40 units, peak in the spring) over 420 days: with a year of training
 * history the yearly term is chosen by the backtest, and over the next 60 days (never seen) it
 * follows the wave's curvature that a level and trend alone extrapolate as a straight line. */
static void test_yearly_season(void **state) {
    (void)state;
    enum { N = 420, H = 60 };
    double y[N + H];
    uint32_t seed = 5;
    for (size_t t = 0; t < N + H; t++)
        y[t] = 100 + 40 * sin(2 * M_PI * (double)t / 365.25) + week[t % 7] + noise(&seed, 2.0);
    analytics_forecast fc, short_fc;
    assert_int_equal(analytics_forecast_series(y, NULL, N, H, &fc), LM_OK);
    assert_int_equal(fc.method, ANALYTICS_HW_YEARLY);
    /* rolling origins a week apart whose training part still covers a year: 420 - 14 - 7k >= 365
     * for k = 0..5 */
    assert_int_equal(fc.bt.folds, 6);
    /* the same series cut to under a year plus the holdouts: no yearly term is tried */
    assert_int_equal(analytics_forecast_series(y + N - 300, NULL, 300, H, &short_fc), LM_OK);
    assert_true(short_fc.method != ANALYTICS_HW_YEARLY);
    double mae = 0, mae_short = 0;
    for (size_t k = 0; k < H; k++) {
        mae += fabs(fc.f[k] - y[N + k]);
        mae_short += fabs(short_fc.f[k] - y[N + k]);
    }
    print_message("next %d days MAE: yearly term %.2f, without %.2f (%s)\n", H, mae / H,
                  mae_short / H, analytics_method_name(short_fc.method));
    assert_true(mae / H < 4.0);
    assert_true(mae < 0.5 * mae_short);
    /* a trend and no wave over the same 420 days: the yearly term is not even a candidate (its
     * F test finds nothing), so it is not chosen for a backtest's luck */
    for (size_t t = 0; t < N; t++)
        y[t] = 60 + 0.05 * (double)t + week[t % 7] + noise(&seed, 4.0);
    assert_int_equal(analytics_forecast_series(y, NULL, N, 14, &fc), LM_OK);
    assert_int_equal(fc.method, ANALYTICS_HOLT_WINTERS);
}

/* 10 units a day, sigma 2, lead time 3, review 7, z 1.645:
 * reorder point = 30 + 1.645*2*sqrt(3) = 35.698; order-up-to = 100 + 1.645*2*sqrt(10) = 110.404. */
static void test_replenishment_advice(void **state) {
    (void)state;
    analytics_forecast fc = {.method = ANALYTICS_MEAN, .sigma = 2, .h = 30};
    for (size_t k = 0; k < fc.h; k++)
        fc.f[k] = fc.mean[k] = 10;
    analytics_replenish_in in = {
        .on_hand = 25, .on_order = 0, .lead_time_days = 3, .review_days = 7, .z = 1.645};
    analytics_replenish r;
    assert_int_equal(analytics_replenish_advise(&fc, &in, &r), LM_OK);
    assert_float_equal(r.reorder_point, 30 + 1.645 * 2 * sqrt(3.0), 1e-9);
    assert_float_equal(r.order_up_to, 100 + 1.645 * 2 * sqrt(10.0), 1e-9);
    assert_true(r.reorder_now);
    assert_float_equal(r.order_qty, 100 + 1.645 * 2 * sqrt(10.0) - 25, 1e-9);
    assert_float_equal(r.days_of_cover, 2.5, 1e-12);
    assert_true(r.stockout_risk); /* 2.5 days of stock, 3 days to get more */
    /* plenty in stock: 20 days of cover, nothing to order */
    in.on_hand = 200;
    assert_int_equal(analytics_replenish_advise(&fc, &in, &r), LM_OK);
    assert_float_equal(r.days_of_cover, 20, 1e-12);
    assert_false(r.reorder_now);
    assert_float_equal(r.order_qty, 0, 0);
    assert_false(r.stockout_risk);
    /* stock on order counts toward the position, not toward the cover */
    in.on_hand = 20;
    in.on_order = 100;
    assert_int_equal(analytics_replenish_advise(&fc, &in, &r), LM_OK);
    assert_false(r.reorder_now);
    assert_true(r.stockout_risk);
    /* more than the horizon in stock: cover is the horizon */
    in.on_hand = 1000;
    assert_int_equal(analytics_replenish_advise(&fc, &in, &r), LM_OK);
    assert_float_equal(r.days_of_cover, 30, 0);
    /* horizon shorter than lead + review, bad lead time */
    in.review_days = 28;
    assert_int_equal(analytics_replenish_advise(&fc, &in, &r), LM_INVALID);
    in.review_days = 7;
    in.lead_time_days = 0;
    assert_int_equal(analytics_replenish_advise(&fc, &in, &r), LM_INVALID);
}

static void put_order(store *s, const char *depot, int64_t created_ms, const char *sku,
                      const char *ordered, int64_t qty, int i) {
    store_order o = {0};
    lm_strlcpy(o.channel, "web", sizeof o.channel);
    lm_strlcpy(o.depot_id, depot, sizeof o.depot_id);
    lm_strlcpy(o.status, "allocated", sizeof o.status);
    snprintf(o.external_ref, sizeof o.external_ref, "r%d", i);
    snprintf(o.tracking_token, sizeof o.tracking_token, "t%d", i);
    store_line l[2] = {{.qty = qty}, {.sku = "other", .qty = 9}};
    lm_strlcpy(l[0].sku, sku, sizeof l[0].sku);
    lm_strlcpy(l[0].ordered_sku, ordered, sizeof l[0].ordered_sku);
    o.lines = l;
    o.n_lines = 2;
    o.created_ms = o.updated_ms = created_ms;
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(s, &tx), LM_OK);
    int64_t id = 0;
    lm_errinfo err = {0};
    assert_int_equal(store_order_insert(tx, &o, &id, &err), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
}

/* Daily demand from order lines: by creation day, per depot, what was ordered (a substituted
 * line counts for the SKU asked for). */
static void test_demand_series_from_orders(void **state) {
    (void)state;
    tmp_db db;
    store *s = NULL;
    assert_int_equal(tmp_db_create(&db, "lm_analytics_fc_"), 0);
    assert_int_equal(tmp_db_store_open(&db, 2, &s), 0);
    const int64_t day = 86400000, d0 = 20514;
    put_order(s, "d1", d0 * day + 5, "s1", "", 3, 1);
    put_order(s, "d1", d0 * day + day - 1, "s1", "", 2, 2);
    put_order(s, "d1", (d0 + 2) * day, "s2", "s1", 4, 3); /* s2 delivered for s1 */
    put_order(s, "d2", (d0 + 2) * day, "s1", "", 7, 4);   /* other depot */
    put_order(s, "d1", (d0 - 1) * day, "s1", "", 8, 5);   /* before the range */
    put_order(s, "d1", (d0 + 3) * day, "s1", "", 6, 6);   /* after the range */
    store_read *r = NULL;
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    double y[3];
    lm_errinfo err = {0};
    assert_int_equal(analytics_demand_series(r, "d1", "s1", d0, 3, y, &err), LM_OK);
    assert_float_equal(y[0], 5, 0);
    assert_float_equal(y[1], 0, 0);
    assert_float_equal(y[2], 4, 0);
    assert_int_equal(analytics_demand_series(r, "d2", "s1", d0, 3, y, &err), LM_OK);
    assert_float_equal(y[2], 7, 0);
    assert_int_equal(analytics_demand_series(r, "d1", "s1", d0, 0, y, &err), LM_INVALID);
    store_read_end(r);
    store_close(s);
    tmp_db_remove(&db);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trend_and_season_beat_seasonal_naive),
        cmocka_unit_test(test_pure_season_is_reproduced),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_stockout_days_are_imputed),
        cmocka_unit_test(test_intermittent_demand),
        cmocka_unit_test(test_yearly_season),
        cmocka_unit_test(test_replenishment_advice),
        cmocka_unit_test(test_demand_series_from_orders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
