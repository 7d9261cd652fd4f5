/* analytics/forecast.c: daily demand forecasts. Candidates are compared by a rolling-origin
 * backtest, simplest first, and the one kept is refitted on the whole history: for regular demand
 * seasonal-naive (same weekday last week), additive Holt-Winters with a weekly season (parameters
 * by grid search on one-step in-sample error), and the same on the series less a yearly Fourier
 * term (forecast_models.c) once a year of history shows a yearly wave; for intermittent demand
 * seasonal-naive and TSB (Teunter-Syntetos-Babai). */
#include "analytics/forecast_internal.h"

#include <math.h>
#include <string.h>

#define M ANALYTICS_SEASON

const char *analytics_method_name(analytics_method m) {
    static const char *const names[] = {
        "zero", "mean", "seasonal_naive", "holt_winters", "holt_winters_yearly", "tsb"};
    return (int)m >= 0 && m <= ANALYTICS_TSB ? names[m] : "unknown";
}

static void seasonal_naive(const double *y, size_t n, size_t h, double *f, an_fit *ft) {
    ft->sse = 0;
    ft->n_err = 0;
    for (size_t t = M; t < n; t++) {
        double e = y[t] - y[t - M];
        ft->sse += e * e;
        ft->n_err++;
    }
    for (size_t k = 0; k < h; k++)
        f[k] = y[n - M + k % M];
}

typedef void (*model_fn)(const double *, size_t, size_t, double *, an_fit *);

static model_fn model(analytics_method m) {
    return m == ANALYTICS_HOLT_WINTERS ? an_holt_winters
           : m == ANALYTICS_HW_YEARLY  ? an_hw_yearly
           : m == ANALYTICS_TSB        ? an_tsb
                                       : seasonal_naive;
}

/* MASE and sMAPE of f against a[0..h), scaled by the training series' seasonal-naive MAE. */
static void errors(const double *train, size_t n, const double *a, const double *f, size_t h,
                   double *mase, double *smape) {
    double scale = 0, mae = 0, sm = 0;
    for (size_t t = M; t < n; t++)
        scale += fabs(train[t] - train[t - M]);
    scale /= (double)(n - M);
    for (size_t k = 0; k < h; k++) {
        double fk = f[k] < 0 ? 0 : f[k], d = fabs(fk - a[k]), s = fabs(fk) + fabs(a[k]);
        mae += d;
        sm += s > 0 ? 2 * d / s : 0; /* 0/0: a perfect zero forecast of zero demand */
    }
    mae /= (double)h;
    /* a flat training history has no naive error to scale by: any error is then infinitely worse */
    *mase = scale > 0 ? mae / scale : mae > 0 ? INFINITY : 0;
    *smape = sm / (double)h;
}

/* Same-weekday imputation of censored (stock-out) days: the mean of the uncensored same
 * weekdays, or 0 when there are none. */
static void impute(const double *y, const bool *so, size_t n, double *out) {
    for (size_t t = 0; t < n; t++) {
        out[t] = y[t] < 0 ? 0 : y[t];
        if (!so || !so[t]) continue;
        double sum = 0;
        size_t c = 0;
        for (size_t u = t % M; u < n; u += M)
            if (!so[u]) {
                sum += y[u];
                c++;
            }
        out[t] = c ? sum / (double)c : 0;
    }
}

#define ROLL_FOLDS_MAX 8 /* origins of the rolling backtest */
#define ROLL_STRIDE    7 /* days between two origins: every weekday starts as many holdouts */

/* A candidate's errors against a reference's on the same folds (sums of MASE and sMAPE): the mean
 * of the two ratios, under 1 when the candidate is better. */
static double rel_score(const double sum[2], const double ref[2]) {
    double rm = ref[0] > 0 ? sum[0] / ref[0] : sum[0] > 0 ? INFINITY : 1;
    double rs = ref[1] > 0 ? sum[1] / ref[1] : sum[1] > 0 ? INFINITY : 1;
    return (rm + rs) / 2;
}

/* Fold k of the rolling origin holds out the hold days ending k * ROLL_STRIDE days before n and
 * fits on everything before them; false when m cannot be fitted on that little. */
static bool fold_errors(const double *x, size_t n, size_t hold, size_t k, analytics_method m,
                        double *f, double e[2]) {
    size_t tn = n - hold - k * ROLL_STRIDE;
    if ((m == ANALYTICS_HOLT_WINTERS && tn < 2 * M) ||
        (m == ANALYTICS_HW_YEARLY && tn < ANALYTICS_YEAR_MIN))
        return false;
    an_fit ft;
    model(m)(x, tn, hold, f, &ft);
    if (m == ANALYTICS_TSB) an_tsb_point(x, tn, hold, f);
    errors(x, tn, x + tn, f, hold, &e[0], &e[1]);
    return true;
}

/* Picks out->method and fills out->bt by rolling-origin backtest. The candidates come in order of
 * complexity (seasonal-naive; then Holt-Winters and Holt-Winters with the yearly term, or TSB for
 * intermittent series), and each replaces the best so far only when it is better on the origins
 * both can be fitted on: the mean of its MASE and sMAPE relative to the best's there is under 1.
 * So a yearly term must earn its place against the weekly model it extends, origin for origin. */
static void select_method(const double *x, size_t n, size_t hold, bool intermittent, double *f,
                          analytics_forecast *out) {
    static const analytics_method regular[] = {ANALYTICS_SEASONAL_NAIVE, ANALYTICS_HOLT_WINTERS,
                                               ANALYTICS_HW_YEARLY},
                                  sparse[] = {ANALYTICS_SEASONAL_NAIVE, ANALYTICS_TSB};
    const analytics_method *cand = intermittent ? sparse : regular;
    size_t n_cand = intermittent ? 2 : 3;
    /* the yearly term is a candidate only when the history shows a yearly wave at all (tested on
     * the part before the last holdout, the most any fold trains on) */
    if (!intermittent && !an_yearly_significant(x, n - hold)) n_cand = 2;
    /* origins a week apart, as many as leave two seasons to fit on (at least one) */
    size_t folds = 1;
    while (folds < ROLL_FOLDS_MAX && n >= 2 * M + hold + folds * ROLL_STRIDE)
        folds++;
    double err[3][ROLL_FOLDS_MAX][2];
    bool ok[3][ROLL_FOLDS_MAX];
    size_t best = 0;
    for (size_t c = 0; c < n_cand; c++)
        for (size_t k = 0; k < folds; k++)
            ok[c][k] = fold_errors(x, n, hold, k, cand[c], f, err[c][k]);
    for (size_t c = 1; c < n_cand; c++) {
        double sum[2] = {0}, ref[2] = {0};
        size_t both = 0;
        for (size_t k = 0; k < folds; k++)
            if (ok[c][k] && ok[best][k]) {
                both++;
                for (int i = 0; i < 2; i++) {
                    sum[i] += err[c][k][i];
                    ref[i] += err[best][k][i];
                }
            }
        if (both > 0 && rel_score(sum, ref) < 1) best = c;
    }
    out->method = cand[best];
    out->bt.holdout = (int64_t)hold;
    out->bt.folds = 0;
    out->bt.mase = out->bt.smape = out->bt.naive_mase = out->bt.naive_smape = 0;
    for (size_t k = 0; k < folds; k++) {
        if (!ok[best][k]) continue;
        out->bt.folds++;
        out->bt.mase += err[best][k][0];
        out->bt.smape += err[best][k][1];
        out->bt.naive_mase += err[0][k][0];
        out->bt.naive_smape += err[0][k][1];
    }
    if (out->bt.folds > 0) {
        double d = (double)out->bt.folds;
        out->bt.mase /= d;
        out->bt.smape /= d;
        out->bt.naive_mase /= d;
        out->bt.naive_smape /= d;
    }
}

lm_status analytics_forecast_series(const double *y, const bool *stockout, size_t n, size_t h,
                                    analytics_forecast *out) {
    if (!out || h < 1 || h > ANALYTICS_HORIZON_MAX || (n > 0 && !y)) return LM_INVALID;
    memset(out, 0, sizeof *out);
    out->h = h;
    if (n == 0) return LM_OK; /* ANALYTICS_ZERO */
    double *x = lm_calloc(n, sizeof *x), *f = lm_calloc(n + h, sizeof *f);
    if (!x || !f) {
        lm_free(x);
        lm_free(f);
        return LM_NOMEM;
    }
    impute(y, stockout, n, x);
    if (n < 2 * M) {
        /* too short for a season and a holdout: the mean (or last week when there is one) */
        double sum = 0;
        for (size_t t = 0; t < n; t++)
            sum += x[t];
        an_fit ft;
        if (n >= M) {
            out->method = ANALYTICS_SEASONAL_NAIVE;
            seasonal_naive(x, n, h, out->f, &ft);
        } else {
            out->method = ANALYTICS_MEAN;
            for (size_t k = 0; k < h; k++)
                out->f[k] = sum / (double)n;
            ft.sse = 0;
            ft.n_err = 0;
            for (size_t t = 0; t < n; t++)
                ft.sse += (x[t] - sum / n) * (x[t] - sum / n);
            ft.n_err = n > 1 ? n - 1 : 1;
        }
        out->sigma = ft.n_err ? sqrt(ft.sse / (double)ft.n_err) : 0;
        memcpy(out->mean, out->f, h * sizeof *out->f);
        lm_free(x);
        lm_free(f);
        return LM_OK;
    }
    size_t hold = n / 4 < 14 ? n / 4 : 14;
    /* Syntetos-Boylan classification: an average inter-demand interval of 1.32 days or more is
     * intermittent, and TSB is used whatever the holdout says: its mean is the demand rate
     * replenishment needs, its point forecast the median that MASE and sMAPE reward */
    size_t nonzero = 0;
    for (size_t t = 0; t < n; t++)
        nonzero += x[t] > 0;
    bool intermittent = nonzero == 0 || (double)n / (double)nonzero >= 1.32;
    select_method(x, n, hold, intermittent, f, out);
    an_fit ft;
    model_fn fn = model(out->method);
    fn(x, n, h, f, &ft);
    for (size_t k = 0; k < h; k++)
        out->f[k] = out->mean[k] = f[k] < 0 ? 0 : f[k];
    if (out->method == ANALYTICS_TSB) an_tsb_point(x, n, h, out->f);
    out->sigma = ft.n_err ? sqrt(ft.sse / (double)ft.n_err) : 0;
    lm_free(x);
    lm_free(f);
    return LM_OK;
}
