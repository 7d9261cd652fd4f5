/* dispatch/service.c: the dispatch handle: options, and the worker thread that runs solves,
 * re-plans and the periodic tick off the HTTP threads. It sits on top of dispatch/: it calls
 * plan.c, replan.c and live.c, which never call back into it. */
#include "dispatch/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void dispatch_opts_init(dispatch_opts *o) {
    memset(o, 0, sizeof *o);
    geo_matrix_opts_init(&o->matrix);
    o->now_ms = lm_now_ms;
    o->plan_time_limit_ms = 5000;
    o->replan_feasible_ms = 120;
    o->replan_polish_ms = 350;
    o->move_penalty = 600;
    dispatch__settings_opts_defaults(o); /* radius, dwell, ETA change, lateness, silence, service */
    o->arrival_speed_mps = 2;
    o->tick_ms = 1000;
    o->solver_threads = 1;
    o->transfer_service_s = 300;
    o->urgent_priority = 80;
    o->urgent_within_s = 7200;
    dispatch_filter_opts_init(&o->positions);
}

static void run_job(dispatch *d, dispatch__job *j, int64_t replan_upto) {
    if (j->kind == DISPATCH__JOB_PLAN) {
        dispatch__plan_run(d, j);
    } else {
        lm_errinfo err = {0};
        int64_t id = 0;
        if (dispatch__replan_run(d, j->trigger, j->vehicle, &id, &err) != LM_OK)
            fprintf(stderr, "lastmile dispatch: re-plan (%s) failed: %s: %s\n",
                    dispatch_trigger_name(j->trigger), err.field, err.message);
        dispatch__replans_done(d, replan_upto);
    }
}

/* Waits for work or the next tick (d->mu held); on the tick, a leader checks the live day and
 * reads the durable queue (jobs recorded by other nodes wake nobody here). */
static void worker_idle(dispatch *d, bool leading) {
    d->busy = false;
    pthread_cond_broadcast(&d->idle_cv);
    if (d->o.tick_ms <= 0) {
        pthread_cond_wait(&d->cv, &d->mu);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + (d->o.tick_ms % 1000) * 1000000;
    ts.tv_sec += (time_t)(d->o.tick_ms / 1000 + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    int rc = pthread_cond_timedwait(&d->cv, &d->mu, &ts);
    if (rc == ETIMEDOUT && !d->stopping && !d->head && leading) {
        d->busy = true;
        d->feed = true;
        pthread_mutex_unlock(&d->mu);
        lm_errinfo err = {0};
        if (dispatch_tick(d, dispatch__now_ms(d), &err) != LM_OK)
            fprintf(stderr, "lastmile dispatch: tick: %s\n", err.message);
        dispatch__geometry_pass(d);
        pthread_mutex_lock(&d->mu);
    }
}

static void *worker_main(void *arg) {
    dispatch *d = arg;
    bool led = false; /* what the queue was fed for: a change of lead refeeds or drops it */
    pthread_mutex_lock(&d->mu);
    while (!d->stopping) {
        bool leading = dispatch__leading();
        if (leading != led || (leading && d->feed)) {
            d->feed = false;
            d->busy = true;
            pthread_mutex_unlock(&d->mu);
            if (leading)
                dispatch__feed(d);
            else
                dispatch__unfeed(d);
            led = leading;
            pthread_mutex_lock(&d->mu);
            continue;
        }
        if (!d->head || !leading) {
            worker_idle(d, leading);
            continue;
        }
        dispatch__job *j = d->head;
        d->head = j->next;
        if (!d->head) d->tail = NULL;
        int64_t upto = 0;
        if (j->kind == DISPATCH__JOB_REPLAN) {
            d->replan_queued = false;
            upto = d->replan_upto; /* rows fed after this point wait for the next re-plan */
        }
        d->busy = true;
        pthread_mutex_unlock(&d->mu);
        run_job(d, j, upto);
        dispatch__job_free(j);
        pthread_mutex_lock(&d->mu);
    }
    d->busy = false;
    pthread_cond_broadcast(&d->idle_cv);
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

lm_status dispatch_create(const dispatch_opts *o, dispatch **out, lm_errinfo *err) {
    if (!o || !o->st) return lm_errinfo_set(err, LM_INVALID, "store", "a store is required");
    if (o->plan_time_limit_ms <= 0 || o->plan_time_limit_ms > 3600000)
        return lm_errinfo_set(err, LM_INVALID, "plan_time_limit_ms", "must be 1..3600000");
    if (o->replan_feasible_ms <= 0 || o->replan_polish_ms < 0)
        return lm_errinfo_set(err, LM_INVALID, "replan_feasible_ms",
                              "re-plan budgets must be positive");
    if (!(o->arrival_radius_m > 0) || o->arrival_dwell_ms < 0 || o->silent_after_ms <= 0)
        return lm_errinfo_set(err, LM_INVALID, "arrival_radius_m",
                              "arrival radius and silence delay must be positive");
    const dispatch_filter_opts *f = &o->positions;
    if (f->future_skew_ms < 0 || f->max_backwards_ms < 0 || !(f->max_speed_mps >= 0) ||
        !(f->max_accuracy_m >= 0) || f->event_every_ms < 0 || f->keep_refused > 1000 ||
        f->jump_confirm < 0 || f->jump_confirm == 1)
        return lm_errinfo_set(err, LM_INVALID, "positions",
                              "position filters must be >= 0, keep_refused <= 1000, "
                              "jump_confirm 0 or >= 2");
    if (f->max_backwards_ms && f->max_backwards_ms < f->future_skew_ms)
        return lm_errinfo_set(err, LM_INVALID, "positions.max_backwards_ms",
                              "positions.max_backwards_ms must be 0 or at least "
                              "positions.future_skew_ms");
    dispatch *d = lm_calloc(1, sizeof *d);
    if (!d) return LM_NOMEM;
    atomic_init(&d->cancel, false);
    d->o = *o;
    if (!d->o.now_ms) d->o.now_ms = lm_now_ms;
    if (d->o.solver_threads == 0) d->o.solver_threads = 1;
    d->st = o->st;
    lm_status rc = LM_OK;
    if (o->router) {
        d->geo = geo_router_provider(o->router, o->profile[0] ? o->profile : NULL);
    } else {
        rc = geo_matrix_provider_create(&o->matrix, &d->geo, err);
        d->own_geo = true;
    }
    if (rc != LM_OK) {
        lm_free(d);
        return rc;
    }
    /* the provider copied its strings: do not keep pointers to the caller's */
    d->o.matrix.base_url = NULL;
    d->o.matrix.profile = NULL;
    d->o.matrix.given_durations = NULL;
    d->o.matrix.given_distances = NULL;
    if (o->learn_speeds) {
        geo_speeds_opts so;
        geo_speeds_opts_init(&so);
        if ((rc = geo_speeds_create(&so, &d->speeds, err)) != LM_OK) {
            if (d->own_geo) geo_matrix_provider_destroy(d->geo);
            lm_free(d);
            return rc;
        }
    }
    pthread_mutex_init(&d->mu, NULL);
    dispatch__settings_init(d);
    d->feed = true; /* jobs left pending by a stopped worker run first (if this node leads) */
    pthread_cond_init(&d->cv, NULL);
    pthread_cond_init(&d->idle_cv, NULL);
    if (pthread_create(&d->worker, NULL, worker_main, d) != 0) {
        if (d->own_geo) geo_matrix_provider_destroy(d->geo);
        geo_speeds_destroy(d->speeds);
        dispatch__settings_free(d);
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cv);
        pthread_cond_destroy(&d->idle_cv);
        lm_free(d);
        return lm_errinfo_set(err, LM_INTERNAL, "", "could not start the dispatch worker");
    }
    *out = d;
    return LM_OK;
}

void dispatch_wait_idle(dispatch *d) {
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    while (d->head || d->busy || (d->feed && dispatch__leading()))
        pthread_cond_wait(&d->idle_cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
}

void dispatch_destroy(dispatch *d) {
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    d->stopping = true;
    atomic_store(&d->cancel, true);
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->worker, NULL);
    /* jobs still queued never ran: their rows stay pending, and the next leader (this node
     * after a restart, or another) runs them */
    for (dispatch__job *j = d->head, *next; j; j = next) {
        next = j->next;
        dispatch__job_free(j);
    }
    if (d->own_geo) geo_matrix_provider_destroy(d->geo);
    geo_speeds_destroy(d->speeds);
    dispatch__settings_free(d);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    pthread_cond_destroy(&d->idle_cv);
    lm_free(d);
}
