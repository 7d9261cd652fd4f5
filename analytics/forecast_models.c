/* analytics/forecast_models.c: the fitted models forecast.c chooses among: additive Holt-Winters,
 * Holt-Winters with a yearly term (a yearly season cannot be a Holt-Winters season of 365 values
 * from one or two years of history, but one Fourier harmonic is two numbers), and TSB for
 * intermittent demand, whose demand probability decays between sales where Croston's estimate
 * stays put. */
#include "analytics/forecast_internal.h"

#include <math.h>
#include <string.h>

#define M ANALYTICS_SEASON

/* ---- Holt-Winters ---- */

/* Additive Holt-Winters with the given smoothing parameters (n >= 2M). */
static void hw_run(const double *y, size_t n, double al, double be, double ga, size_t h, double *f,
                   an_fit *ft) {
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

void an_holt_winters(const double *y, size_t n, size_t h, double *f, an_fit *ft) {
    static const double A[] = {0.05, 0.1, 0.2, 0.3, 0.5}, B[] = {0, 0.01, 0.05, 0.1},
                        G[] = {0.05, 0.1, 0.2, 0.3};
    double best = INFINITY, ba = 0.1, bb = 0, bg = 0.1;
    for (size_t i = 0; i < sizeof A / sizeof *A; i++)
        for (size_t j = 0; j < sizeof B / sizeof *B; j++)
            for (size_t k = 0; k < sizeof G / sizeof *G; k++) {
                an_fit t;
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

/* ---- The yearly term ---- */

#define YEAR_DAYS    365.25
#define HARMONICS    1
#define YEARLY_ALPHA 0.001               /* significance level of the yearly term's F test */
#define NCOEF        (2 + 2 * HARMONICS) /* intercept, trend, sin and cos per harmonic */

/* The regressors of day t: 1, t, then sin and cos of each harmonic. */
static void regressors(double t, double *r) {
    r[0] = 1;
    r[1] = t / YEAR_DAYS; /* in years, so the normal equations stay well scaled */
    for (int k = 0; k < HARMONICS; k++) {
        double w = 2 * M_PI * (k + 1) * t / YEAR_DAYS;
        r[2 + 2 * k] = sin(w);
        r[3 + 2 * k] = cos(w);
    }
}

/* Solves the NCOEF x NCOEF system a x = b in place (Gaussian elimination with partial pivoting);
 * false when singular. */
static bool solve(double a[NCOEF][NCOEF], double b[NCOEF]) {
    for (int c = 0; c < NCOEF; c++) {
        int p = c;
        for (int r = c + 1; r < NCOEF; r++)
            if (fabs(a[r][c]) > fabs(a[p][c])) p = r;
        if (fabs(a[p][c]) < 1e-12) return false;
        for (int k = 0; k < NCOEF; k++) {
            double t = a[c][k];
            a[c][k] = a[p][k];
            a[p][k] = t;
        }
        double t = b[c];
        b[c] = b[p];
        b[p] = t;
        for (int r = c + 1; r < NCOEF; r++) {
            double m = a[r][c] / a[c][c];
            for (int k = c; k < NCOEF; k++)
                a[r][k] -= m * a[c][k];
            b[r] -= m * b[c];
        }
    }
    for (int c = NCOEF - 1; c >= 0; c--) {
        for (int k = c + 1; k < NCOEF; k++)
            b[c] -= a[c][k] * b[k];
        b[c] /= a[c][c];
    }
    return true;
}

/* The yearly term's coefficients (the Fourier ones; intercept and trend are left to
 * Holt-Winters): least squares on the centred 7-day moving average, which has no weekly
 * pattern left to leak into the yearly term. */
static bool yearly_fit(const double *y, size_t n, double coef[NCOEF]) {
    double a[NCOEF][NCOEF] = {{0}}, r[NCOEF], sum = 0;
    memset(coef, 0, NCOEF * sizeof *coef);
    for (size_t t = 0; t < 7 && t < n; t++)
        sum += y[t];
    for (size_t t = 3; t + 4 <= n; t++) {
        if (t > 3) sum += y[t + 3] - y[t - 4];
        regressors((double)t, r);
        for (int i = 0; i < NCOEF; i++) {
            for (int k = 0; k < NCOEF; k++)
                a[i][k] += r[i] * r[k];
            coef[i] += r[i] * sum / 7;
        }
    }
    return solve(a, coef);
}

/* Whether the yearly harmonic explains the weekly moving average beyond a straight line: the F
 * test of its two Fourier coefficients at significance YEARLY_ALPHA, with the residual degrees of
 * freedom d counted per week (consecutive moving averages share six of their seven days, so a
 * week is about one independent observation). F(2, d) has the closed-form tail
 * P(F > x) = (1 + 2x/d)^(-d/2), so the critical value is d/2 * (alpha^(-2/d) - 1). */
bool an_yearly_significant(const double *y, size_t n) {
    double coef[NCOEF];
    if (n < 2 * 7 * NCOEF || !yearly_fit(y, n, coef)) return false;
    /* the straight line alone: least squares of the moving average on t */
    double st = 0, sv = 0, stt = 0, stv = 0, cnt = 0, sum = 0;
    for (size_t t = 0; t < 7; t++)
        sum += y[t];
    for (size_t t = 3; t + 4 <= n; t++) {
        if (t > 3) sum += y[t + 3] - y[t - 4];
        double v = sum / 7, tt = (double)t / YEAR_DAYS;
        st += tt;
        sv += v;
        stt += tt * tt;
        stv += tt * v;
        cnt++;
    }
    double den = cnt * stt - st * st;
    if (den <= 0) return false;
    double b = (cnt * stv - st * sv) / den, a = (sv - b * st) / cnt;
    double rss_line = 0, rss_full = 0, r[NCOEF];
    sum = 0;
    for (size_t t = 0; t < 7; t++)
        sum += y[t];
    for (size_t t = 3; t + 4 <= n; t++) {
        if (t > 3) sum += y[t + 3] - y[t - 4];
        double v = sum / 7, full = 0;
        regressors((double)t, r);
        for (int i = 0; i < NCOEF; i++)
            full += coef[i] * r[i];
        rss_line += (v - a - b * r[1]) * (v - a - b * r[1]);
        rss_full += (v - full) * (v - full);
    }
    double df = cnt / 7 - NCOEF;
    if (df < 1) return false;
    if (rss_full <= 0) return rss_line > 0; /* an exact fit: significant if the line is not */
    double f = ((rss_line - rss_full) / 2) / (rss_full / df);
    return f > df / 2 * (pow(YEARLY_ALPHA, -2 / df) - 1);
}

static double yearly_at(const double coef[NCOEF], double t) {
    double r[NCOEF], v = 0;
    regressors(t, r);
    for (int i = 2; i < NCOEF; i++)
        v += coef[i] * r[i];
    return v;
}

void an_hw_yearly(const double *y, size_t n, size_t h, double *f, an_fit *ft) {
    double coef[NCOEF];
    double *z = lm_calloc(n ? n : 1, sizeof *z);
    if (!z || !yearly_fit(y, n, coef)) memset(coef, 0, sizeof coef); /* no term: plain HW */
    if (!z) { /* out of memory: the weekly model on the raw series */
        an_holt_winters(y, n, h, f, ft);
        return;
    }
    for (size_t t = 0; t < n; t++)
        z[t] = y[t] - yearly_at(coef, (double)t);
    an_holt_winters(z, n, h, f, ft);
    for (size_t k = 0; f && k < h; k++)
        f[k] += yearly_at(coef, (double)(n + k));
    lm_free(z);
}

/* ---- TSB ---- */

#define TSB_ALPHA_P 0.05 /* demand probability, updated every day */
#define TSB_ALPHA_Z 0.1  /* demand size, updated on demand days */

/* Runs TSB over y[0..n): the final probability and size; *ft (may be NULL) gets the one-step
 * errors of the expected demand p * z. */
static void tsb_run(const double *y, size_t n, double *p_out, double *z_out, an_fit *ft) {
    double p = 0, z = 0;
    size_t first = 0, demand = 0;
    /* start from the first four weeks (or the whole history when shorter) */
    size_t init = n < 28 ? n : 28;
    for (size_t t = 0; t < init; t++)
        if (y[t] > 0) {
            z += y[t];
            demand++;
        }
    p = init ? (double)demand / (double)init : 0;
    z = demand ? z / (double)demand : 0;
    if (ft) ft->sse = 0, ft->n_err = 0;
    for (size_t t = first; t < n; t++) {
        if (ft && t >= init) {
            double e = y[t] - p * z;
            ft->sse += e * e;
            ft->n_err++;
        }
        p += TSB_ALPHA_P * ((y[t] > 0) - p);
        if (y[t] > 0) z += TSB_ALPHA_Z * (y[t] - z);
    }
    *p_out = p;
    *z_out = z;
}

void an_tsb(const double *y, size_t n, size_t h, double *f, an_fit *ft) {
    double p, z;
    tsb_run(y, n, &p, &z, ft);
    for (size_t k = 0; f && k < h; k++)
        f[k] = p * z;
}

void an_tsb_point(const double *y, size_t n, size_t h, double *f) {
    double p, z;
    tsb_run(y, n, &p, &z, NULL);
    for (size_t k = 0; k < h; k++)
        f[k] = p < 0.5 ? 0 : z;
}
