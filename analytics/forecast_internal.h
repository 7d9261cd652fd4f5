/* analytics/forecast_internal.h: the forecast models shared by forecast.c (selection) and
 * forecast_models.c (Holt-Winters, the yearly term, TSB). Private to analytics/. */
#ifndef LASTMILE_ANALYTICS_FORECAST_INTERNAL_H
#define LASTMILE_ANALYTICS_FORECAST_INTERNAL_H

#include "analytics/analytics.h"

/* A fitted model's one-step in-sample squared errors (their sum and count). */
typedef struct an_fit {
    double sse;
    size_t n_err;
} an_fit;

/* Each model fits y[0..n) and writes its h-day forecast into f[0..h) (f may be NULL when h is 0).
 * Holt-Winters: additive, weekly season, parameters by grid search (n >= 2 seasons). */
void an_holt_winters(const double *y, size_t n, size_t h, double *f, an_fit *ft);
/* Holt-Winters on y less a yearly Fourier term (one harmonic of 365.25 days, fitted with a
 * linear trend on the weekly moving average); the term is added back to the forecast. n >= 365. */
void an_hw_yearly(const double *y, size_t n, size_t h, double *f, an_fit *ft);
/* Whether y[0..n) has a yearly wave: the yearly harmonic explains its weekly moving average
 * significantly (F test at 0.1 %) better than a straight line. */
bool an_yearly_significant(const double *y, size_t n);
/* TSB: demand probability and size smoothed apart; f = their product, the expected demand. */
void an_tsb(const double *y, size_t n, size_t h, double *f, an_fit *ft);
/* TSB's point forecast into f[0..h): the median of a day's demand, 0 when the demand probability
 * is under one half, else the smoothed size. */
void an_tsb_point(const double *y, size_t n, size_t h, double *f);

#endif
