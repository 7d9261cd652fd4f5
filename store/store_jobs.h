/* store/store_jobs.h: the dispatch worker's durable job queue. Any node records a job (a plan to
 * solve, a re-plan to run) in the transaction that asks for it; the leader's worker reads the
 * pending ones and marks each done in the transaction that stores its result, so a job is never
 * lost with a node and never done twice: a second finish of the same job changes no row, and its
 * transaction is rolled back (the fence against a leader that lost the lead mid-solve).
 *
 * Ownership: arrays from store_jobs_pending belong to the caller (store_jobs_free). */
#ifndef LASTMILE_STORE_JOBS_H
#define LASTMILE_STORE_JOBS_H

#include "store/store.h"

#define STORE_JOB_REQUEST_MAX (4 * 1024 * 1024) /* bytes of a serialized plan request */

typedef struct store_job {
    int64_t id;
    char kind[8];     /* "plan" or "replan" */
    int64_t plan_id;  /* plan: the plan row its solve fills; 0 for a re-plan */
    char trigger[32]; /* replan: what asked for it (dispatch_trigger_name) */
    char vehicle[72]; /* replan: the vehicle it concerns, "" for none */
    char *request;    /* plan: the request as dispatch/ serialized it (owned; "" if none) */
    int64_t created_ms;
} store_job;

/* Records a pending job inside tx; *id (may be NULL) is its id. LM_CONFLICT when plan_id already
 * has a job. */
LM_MUST_USE lm_status store_job_add(store_tx *tx, const char *kind, int64_t plan_id,
                                    const char *trigger, const char *vehicle, const char *request,
                                    int64_t now_ms, int64_t *id, lm_errinfo *err);
/* Pending jobs with id > after_id, oldest first, at most max (1..1000), in *out (caller frees
 * with store_jobs_free; NULL when none) and *n. */
LM_MUST_USE lm_status store_jobs_pending(store_read *r, int64_t after_id, size_t max,
                                         store_job **out, size_t *n, lm_errinfo *err);
void store_jobs_free(store_job *jobs, size_t n);
/* Marks job id done inside tx. *claimed is true when this call did it, false when it was done
 * already (by this node earlier or by another leader): then the caller must roll back. */
LM_MUST_USE lm_status store_job_finish(store_tx *tx, int64_t id, int64_t now_ms, bool *claimed,
                                       lm_errinfo *err);
/* Marks every pending re-plan with id <= upto_id done inside tx (one re-plan covers those queued
 * before it ran); *n (may be NULL) is how many. */
LM_MUST_USE lm_status store_jobs_finish_replans(store_tx *tx, int64_t upto_id, int64_t now_ms,
                                                int64_t *n, lm_errinfo *err);

#endif
