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

static void run_job(dispatch *d, dispatch__job *j) {
    if (j->kind == DISPATCH__JOB_PLAN) {
        dispatch__plan_run(d, j);
    } else {
        lm_errinfo err = {0};
        int64_t id = 0;
        if (dispatch__replan_run(d, j->trigger, j->vehicle, &id, &err) != LM_OK)
            fprintf(stderr, "lastmile dispatch: re-plan (%s) failed: %s: %s\n",
                    dispatch_trigger_name(j->trigger), err.field, err.message);
    }
}

static void *worker_main(void *arg) {
    dispatch *d = arg;
    pthread_mutex_lock(&d->mu);
    while (!d->stopping) {
        if (!d->head) {
            d->busy = false;
            pthread_cond_broadcast(&d->idle_cv);
            if (d->o.tick_ms > 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                int64_t ns = ts.tv_nsec + (d->o.tick_ms % 1000) * 1000000;
                ts.tv_sec += (time_t)(d->o.tick_ms / 1000 + ns / 1000000000);
                ts.tv_nsec = (long)(ns % 1000000000);
                int rc = pthread_cond_timedwait(&d->cv, &d->mu, &ts);
                if (rc == ETIMEDOUT && !d->stopping && !d->head) {
                    d->busy = true;
                    pthread_mutex_unlock(&d->mu);
                    lm_errinfo err = {0};
                    if (dispatch_tick(d, dispatch__now_ms(d), &err) != LM_OK)
                        fprintf(stderr, "lastmile dispatch: tick: %s\n", err.message);
                    dispatch__geometry_pass(d);
                    pthread_mutex_lock(&d->mu);
                }
            } else {
                pthread_cond_wait(&d->cv, &d->mu);
            }
            continue;
        }
        dispatch__job *j = d->head;
        d->head = j->next;
        if (!d->head) d->tail = NULL;
        if (j->kind == DISPATCH__JOB_REPLAN) d->replan_queued = false;
        d->busy = true;
        pthread_mutex_unlock(&d->mu);
        run_job(d, j);
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
    while (d->head || d->busy)
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
    /* plans still queued never ran: say so in their rows */
    for (dispatch__job *j = d->head, *next; j; j = next) {
        next = j->next;
        if (j->kind == DISPATCH__JOB_PLAN) {
            store_tx *tx = NULL;
            store_plan p;
            if (store_tx_begin(d->st, &tx) == LM_OK) {
                if (store_plan_get(store_tx_read(tx), j->plan_id, &p, NULL) == LM_OK) {
                    p.status = DISPATCH_PLAN_FAILED;
                    lm_strlcpy(p.error, "the server stopped before the solve ran", sizeof p.error);
                    if (store_plan_update(tx, &p, NULL) == LM_OK) {
                        if (store_tx_commit(tx) != LM_OK) {
                            /* nothing more to do while stopping */
                        }
                        tx = NULL;
                    }
                }
                store_tx_rollback(tx);
            }
        }
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
