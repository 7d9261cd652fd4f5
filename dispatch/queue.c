/* dispatch/queue.c: the worker's job queue: plan.c and replan.c queue solves here, the worker
 * thread in service.c takes them off in order (re-plans coalesce while one is waiting). Only the
 * leading node's worker has jobs here, fed from the durable queue (dispatch/jobs.c). */
#include "dispatch/internal.h"

void dispatch__job_free(dispatch__job *j) {
    if (!j) return;
    for (size_t i = 0; i < j->req.n_vehicle_ids; i++)
        lm_free((void *)j->req.vehicle_ids[i]);
    lm_free((void *)j->req.vehicle_ids);
    lm_free(j->depot_id);
    lm_free(j->pickups);
    lm_free(j);
}

void dispatch__enqueue_locked(dispatch *d, dispatch__job *job) {
    job->next = NULL;
    if (d->tail)
        d->tail->next = job;
    else
        d->head = job;
    d->tail = job;
    if (job->kind == DISPATCH__JOB_REPLAN) d->replan_queued = true;
    pthread_cond_signal(&d->cv);
}
