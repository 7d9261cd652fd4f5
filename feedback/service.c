/* feedback/service.c: the feedback handle (store, clock, optional tick worker) and the tracking
 * token lookup customers come in through. */
#include "feedback/internal.h"
#include "store/store_orders.h"

#include "common/leader.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void feedback_opts_init(feedback_opts *o) {
    memset(o, 0, sizeof *o);
    o->now_ms = lm_now_ms;
}

/* Ticks every tick_ms until stopping; waits on the condition variable so destroy wakes it at
 * once. A failed tick is reported and retried at the next one. */
static void *worker_main(void *arg) {
    feedback *fb = arg;
    pthread_mutex_lock(&fb->mu);
    while (!fb->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        int64_t ns = (int64_t)until.tv_nsec + (fb->tick_ms % 1000) * 1000000;
        until.tv_sec += (time_t)(fb->tick_ms / 1000 + ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        while (!fb->stopping && pthread_cond_timedwait(&fb->cv, &fb->mu, &until) == 0) {
        }
        if (fb->stopping) break;
        pthread_mutex_unlock(&fb->mu);
        lm_errinfo err = {0};
        /* SLA events and surveys are raised once per deployment: by the leading node */
        if (lm_leader() && feedback_tick(fb, fb->now_ms(), NULL, &err) != LM_OK)
            fprintf(stderr, "feedback: tick failed: %s %s\n", err.field, err.message);
        pthread_mutex_lock(&fb->mu);
    }
    pthread_mutex_unlock(&fb->mu);
    return NULL;
}

lm_status feedback_create(const feedback_opts *o, feedback **out, lm_errinfo *err) {
    if (!o || !o->st) return lm_errinfo_set(err, LM_INVALID, "st", "a store is required");
    if (o->tick_ms < 0 || o->tick_ms > 86400000)
        return lm_errinfo_set(err, LM_INVALID, "tick_ms", "tick_ms must be 0..86400000");
    feedback *fb = lm_calloc(1, sizeof *fb);
    if (!fb) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    fb->st = o->st;
    fb->now_ms = o->now_ms ? o->now_ms : lm_now_ms;
    fb->tick_ms = o->tick_ms;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&fb->mu, NULL);
    pthread_cond_init(&fb->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (fb->tick_ms > 0) {
        if (pthread_create(&fb->worker, NULL, worker_main, fb) != 0) {
            feedback_destroy(fb);
            return lm_errinfo_set(err, LM_INTERNAL, "", "cannot start the feedback worker");
        }
        fb->has_worker = true;
    }
    *out = fb;
    return LM_OK;
}

void feedback_destroy(feedback *fb) {
    if (!fb) return;
    if (fb->has_worker) {
        pthread_mutex_lock(&fb->mu);
        fb->stopping = true;
        pthread_cond_signal(&fb->cv);
        pthread_mutex_unlock(&fb->mu);
        pthread_join(fb->worker, NULL);
    }
    pthread_cond_destroy(&fb->cv);
    pthread_mutex_destroy(&fb->mu);
    lm_free(fb);
}

int64_t feedback_now_ms(const feedback *fb) {
    return fb->now_ms();
}

lm_status feedback_order_by_token(store_read *r, const char *token, int64_t *order_id,
                                  lm_errinfo *err) {
    if (!token || strlen(token) != 32)
        return lm_errinfo_set(err, LM_NOT_FOUND, "token", "unknown tracking token");
    store_order o;
    memset(&o, 0, sizeof o);
    lm_status rc = store_order_get_by_token(r, token, &o, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_NOT_FOUND, "token", "unknown tracking token");
    if (rc != LM_OK) return rc;
    *order_id = o.id;
    store_order_clear(&o);
    return LM_OK;
}
