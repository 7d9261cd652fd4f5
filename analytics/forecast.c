/* analytics/forecast.c: daily demand forecasts. For regular demand, candidates are compared on up
 * to three holdouts and the best (by mean MASE, scaled by the in-sample seasonal-naive error) is
 * refitted on the whole history: seasonal-naive (same weekday last week), additive Holt-Winters
 * with a weekly season (parameters by grid search on one-step in-sample error), and the same on
 * the series less a yearly Fourier term (forecast_models.c) once a year of history is there.
 * Intermittent demand gets TSB (Teunter-Syntetos-Babai). */
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

/* The candidate's mean MASE and sMAPE over the folds it can be fitted on (false: none). A fold
 * k = 0, 1, 2 holds out the hold days ending k * hold days before n; f has room for hold days. */
static bool backtest(const double *x, size_t n, size_t hold, size_t folds, analytics_method m,
                     double *f, double *mase, double *smape) {
    size_t used = 0;
    *mase = *smape = 0;
    for (size_t k = 0; k < folds; k++) {
        size_t tn = n - (k + 1) * hold;
        if ((m == ANALYTICS_HOLT_WINTERS && tn < 2 * M) ||
            (m == ANALYTICS_HW_YEARLY && tn < ANALYTICS_YEAR_MIN))
            continue;
        an_fit ft;
        model(m)(x, tn, hold, f, &ft);
        double a, b;
        if (m == ANALYTICS_TSB) an_tsb_point(x, tn, hold, f);
        errors(x, tn, x + tn, f, hold, &a, &b);
        *mase += a;
        *smape += b;
        used++;
    }
    if (!used) return false;
    *mase /= (double)used;
    *smape /= (double)used;
    return true;
}

/* Picks out->method and fills out->bt: TSB for intermittent series, else the lowest mean MASE
 * over the folds (seasonal-naive keeps ties; a candidate must be measured on every fold
 * seasonal-naive was, so a yearly term never wins on fewer, more recent folds). */
static void select_method(const double *x, size_t n, size_t hold, bool intermittent, double *f,
                          analytics_forecast *out) {
    static const analytics_method regular[] = {ANALYTICS_SEASONAL_NAIVE, ANALYTICS_HOLT_WINTERS,
                                               ANALYTICS_HW_YEARLY};
    /* three folds when the history has room for them after two seasons, else one */
    size_t folds = n >= 2 * M + 3 * hold ? 3 : 1;
    double mase, smape, best = INFINITY;
    out->bt.holdout = (int64_t)hold;
    out->bt.folds = (int64_t)folds;
    backtest(x, n, hold, folds, ANALYTICS_SEASONAL_NAIVE, f, &out->bt.naive_mase,
             &out->bt.naive_smape);
    out->method = ANALYTICS_SEASONAL_NAIVE;
    if (intermittent) {
        backtest(x, n, hold, folds, ANALYTICS_TSB, f, &mase, &smape);
        out->method = ANALYTICS_TSB;
        out->bt.mase = mase;
        out->bt.smape = smape;
        return;
    }
    for (size_t c = 0; c < sizeof regular / sizeof *regular; c++) {
        size_t need = regular[c] == ANALYTICS_HW_YEARLY      ? ANALYTICS_YEAR_MIN
                      : regular[c] == ANALYTICS_HOLT_WINTERS ? 2 * M
                                                             : 0;
        if (n < folds * hold + need) continue; /* not measurable on every fold */
        if (!backtest(x, n, hold, folds, regular[c], f, &mase, &smape) || !(mase < best)) continue;
        best = mase;
        out->method = regular[c];
        out->bt.mase = mase;
        out->bt.smape = smape;
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
