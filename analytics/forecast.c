/* analytics/forecast.c: daily demand forecasts. Three candidates are compared on a holdout and the
 * best (by MASE, scaled by the in-sample seasonal-naive error) is refitted on the whole history:
 * seasonal-naive (same weekday last week), additive Holt-Winters with a weekly season (parameters
 * by grid search on one-step in-sample error), and Croston's method with the Syntetos-Boylan
 * correction for intermittent demand. */
#include "analytics/analytics.h"

#include <math.h>
#include <string.h>

#define M ANALYTICS_SEASON

const char *analytics_method_name(analytics_method m) {
    static const char *const names[] = {"zero", "mean", "seasonal_naive", "holt_winters",
                                        "croston_sba"};
    return (int)m >= 0 && m <= ANALYTICS_CROSTON_SBA ? names[m] : "unknown";
}

/* A fitted model: its h-step forecast and one-step in-sample error sum of squares. */
typedef struct fit {
    double sse;
    size_t n_err;
} fit;

static void seasonal_naive(const double *y, size_t n, size_t h, double *f, fit *ft) {
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

/* Additive Holt-Winters with the given smoothing parameters (n >= 2M). */
static void hw_run(const double *y, size_t n, double al, double be, double ga, size_t h, double *f,
                   fit *ft) {
    double l0 = 0, l1 = 0, s[M];
    for (size_t i = 0; i < M; i++) {
        l0 += y[i] / M;
        l1 += y[M + i] / M;
    }
    double level = l0, trend = (l1 - l0) / M;
    for (size_t i = 0; i < M; i++)
        s[i] = y[i] - l0;
    ft->sse = 0;
    ft->n_err = 0;
    for (size_t t = M; t < n; t++) {
        double si = s[t % M], pred = level + trend + si;
        double e = y[t] - pred;
        ft->sse += e * e;
        ft->n_err++;
        double prev = level;
        level = al * (y[t] - si) + (1 - al) * (level + trend);
        trend = be * (level - prev) + (1 - be) * trend;
        s[t % M] = ga * (y[t] - level) + (1 - ga) * si;
    }
    if (f)
        for (size_t k = 0; k < h; k++)
            f[k] = level + (double)(k + 1) * trend + s[(n + k) % M];
}

static void holt_winters(const double *y, size_t n, size_t h, double *f, fit *ft) {
    static const double A[] = {0.05, 0.1, 0.2, 0.3, 0.5}, B[] = {0, 0.01, 0.05, 0.1},
                        G[] = {0.05, 0.1, 0.2, 0.3};
    double best = INFINITY, ba = 0.1, bb = 0, bg = 0.1;
    for (size_t i = 0; i < sizeof A / sizeof *A; i++)
        for (size_t j = 0; j < sizeof B / sizeof *B; j++)
            for (size_t k = 0; k < sizeof G / sizeof *G; k++) {
                fit t;
                hw_run(y, n, A[i], B[j], G[k], 0, NULL, &t);
                if (t.sse < best) {
                    best = t.sse;
                    ba = A[i];
                    bb = B[j];
                    bg = G[k];
                }
            }
    hw_run(y, n, ba, bb, bg, h, f, ft);
}

/* Croston with the SBA bias correction: smoothed size over smoothed interval, times 1 - a/2. */
static void croston_sba(const double *y, size_t n, size_t h, double *f, fit *ft) {
    const double a = 0.1;
    double z = 0, p = 0, q = 1;
    bool seen = false;
    ft->sse = 0;
    ft->n_err = 0;
    for (size_t t = 0; t < n; t++) {
        if (seen) {
            double e = y[t] - (1 - a / 2) * z / p;
            ft->sse += e * e;
            ft->n_err++;
        }
        if (y[t] > 0) {
            z = seen ? a * y[t] + (1 - a) * z : y[t];
            p = seen ? a * q + (1 - a) * p : q;
            seen = true;
            q = 1;
        } else {
            q++;
        }
    }
    double v = seen ? (1 - a / 2) * z / p : 0;
    for (size_t k = 0; k < h; k++)
        f[k] = v;
}

typedef void (*model_fn)(const double *, size_t, size_t, double *, fit *);

static model_fn model(analytics_method m) {
    return m == ANALYTICS_HOLT_WINTERS  ? holt_winters
           : m == ANALYTICS_CROSTON_SBA ? croston_sba
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
        fit ft;
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
        lm_free(x);
        lm_free(f);
        return LM_OK;
    }
    size_t hold = n / 4 < 14 ? n / 4 : 14, tn = n - hold;
    static const analytics_method cands[] = {ANALYTICS_SEASONAL_NAIVE, ANALYTICS_HOLT_WINTERS,
                                             ANALYTICS_CROSTON_SBA};
    /* Syntetos-Boylan classification: an average inter-demand interval of 1.32 days or more is
     * intermittent, and Croston-SBA is used whatever the holdout says, because on such series
     * MASE rewards the all-zero forecast a week of zeros gives seasonal-naive */
    size_t nonzero = 0;
    for (size_t t = 0; t < n; t++)
        nonzero += x[t] > 0;
    bool intermittent = nonzero == 0 || (double)n / (double)nonzero >= 1.32;
    double best = INFINITY;
    out->method = ANALYTICS_SEASONAL_NAIVE;
    out->bt.holdout = (int64_t)hold;
    for (size_t c = 0; c < sizeof cands / sizeof *cands; c++) {
        fit ft;
        if (cands[c] == ANALYTICS_HOLT_WINTERS && tn < 2 * M) continue;
        if (intermittent && cands[c] == ANALYTICS_HOLT_WINTERS) continue;
        model(cands[c])(x, tn, hold, f, &ft);
        double mase, smape;
        errors(x, tn, x + tn, f, hold, &mase, &smape);
        if (cands[c] == ANALYTICS_SEASONAL_NAIVE) {
            out->bt.naive_mase = mase;
            out->bt.naive_smape = smape;
        }
        /* strictly better than what came before, so seasonal-naive wins ties */
        if ((intermittent && cands[c] == ANALYTICS_CROSTON_SBA) || (!intermittent && mase < best)) {
            best = mase;
            out->method = cands[c];
            out->bt.mase = mase;
            out->bt.smape = smape;
        }
    }
    fit ft;
    model(out->method)(x, n, h, f, &ft);
    for (size_t k = 0; k < h; k++)
        out->f[k] = f[k] < 0 ? 0 : f[k];
    out->sigma = ft.n_err ? sqrt(ft.sse / (double)ft.n_err) : 0;
    lm_free(x);
    lm_free(f);
    return LM_OK;
}
