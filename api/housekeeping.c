/* api/housekeeping.c: the server's housekeeping: a small thread that, every interval, cancels the
 * orders held unpaid past the configured payment timeout (orders_payment_timeouts, docs/money.md)
 * and, once a day after 02:00 UTC, refits the replenishment advice of every depot (the reorder
 * points the stock.low alert uses, docs/analytics.md). It runs off the HTTP threads, takes its own
 * orders service for each sweep, and stops promptly: the wait is on a condition variable that
 * stop signals. */
#include "api/app.h"
#include "orders/money.h"
#include "store/store_orders.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define SWEEP_BATCH  100 /* orders cancelled per transaction */
#define SWEEP_ROUNDS 100 /* batches per sweep at most: a sweep never runs unbounded */
#define DAY_MS       86400000LL
#define REFIT_AFTER  (2 * 3600000LL) /* the nightly refit runs after 02:00 UTC */
#define REFIT_DEPOTS 1000            /* depots refitted per night at most */

struct api_housekeeping {
    store *st;
    int64_t every_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    int64_t refit_day; /* the UTC day of the last nightly refit (the start day: none on start) */
};

/* The nightly refit: the advice with the default query (182 days, lead and review 7 days, 95 %)
 * for each depot, its reorder points applied to SKUs with history. */
static void refit(api_housekeeping *h, orders_svc *o) {
    store_read *rd = NULL;
    store_depot *ds = NULL;
    size_t nd = 0;
    lm_errinfo err = {0};
    if (store_read_begin(h->st, &rd) != LM_OK) return;
    lm_status rc = store_depot_list(rd, &ds, &nd, &err);
    store_read_end(rd);
    analytics_replenish_in in = {.lead_time_days = 7, .review_days = 7, .z = 1.6448536269514722};
    for (size_t i = 0; rc == LM_OK && i < nd && i < REFIT_DEPOTS; i++) {
        analytics_sku_advice *rows = NULL;
        size_t n = 0;
        if ((rc = store_read_begin(h->st, &rd)) != LM_OK) break;
        rc = analytics_replenish_depot(rd, ds[i].id, lm_now_ms() / DAY_MS, 182, &in, &rows, &n,
                                       &err);
        store_read_end(rd);
        if (rc == LM_OK) rc = api__replenish_refit(o, ds[i].id, rows, n, &err);
        lm_free(rows);
    }
    if (rc != LM_OK) fprintf(stderr, "lastmile: nightly replenishment refit: %s\n", err.message);
    lm_free(ds);
}

static void sweep(api_housekeeping *h) {
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = h->st;
    orders_svc *o = NULL;
    if (orders_create(&oo, &o) != LM_OK) return;
    for (int round = 0; round < SWEEP_ROUNDS; round++) {
        size_t n = 0;
        lm_errinfo err = {0};
        if (orders_payment_timeouts(o, SWEEP_BATCH, &n, &err) != LM_OK) {
            fprintf(stderr, "lastmile: payment timeouts: %s: %s\n", err.field, err.message);
            break;
        }
        if (n < SWEEP_BATCH) break;
    }
    int64_t now = lm_now_ms();
    if (now / DAY_MS > h->refit_day && now % DAY_MS >= REFIT_AFTER) {
        h->refit_day = now / DAY_MS;
        refit(h, o);
    }
    orders_destroy(o);
}

static void *housekeeping_main(void *arg) {
    api_housekeeping *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (h->every_ms % 1000) * 1000000;
        ts.tv_sec += (time_t)(h->every_ms / 1000 + ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        int rc = pthread_cond_timedwait(&h->cv, &h->mu, &ts);
        if (rc != ETIMEDOUT || h->stopping) continue;
        pthread_mutex_unlock(&h->mu);
        sweep(h);
        pthread_mutex_lock(&h->mu);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

lm_status api__housekeeping_start(store *s, int64_t every_ms, api_housekeeping **out) {
    *out = NULL;
    if (every_ms <= 0) return LM_OK; /* off */
    api_housekeeping *h = lm_calloc(1, sizeof *h);
    if (!h) return LM_NOMEM;
    h->st = s;
    h->every_ms = every_ms;
    h->refit_day = lm_now_ms() / DAY_MS;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    if (pthread_create(&h->thread, NULL, housekeeping_main, h) != 0) {
        pthread_mutex_destroy(&h->mu);
        pthread_cond_destroy(&h->cv);
        lm_free(h);
        return LM_INTERNAL;
    }
    *out = h;
    return LM_OK;
}

void api__housekeeping_stop(api_housekeeping *h) {
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    h->stopping = true;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    lm_free(h);
}
