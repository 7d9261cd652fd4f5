/* store/commit_queue.h: the group-commit engine. Callers submit units of work; many units share
 * one write transaction and one fsync, each inside its own savepoint (a unit that fails undoes
 * only itself), and every submitter hears back only after the COMMIT that holds its unit.
 *
 * Two ways to run the batches:
 *   - a writer thread of the queue's own (opts.thread): submissions may be asynchronous, with a
 *     completion callback run by that thread after the commit (an HTTP connection suspended
 *     until its positions are durable);
 *   - no thread: a submitter that waits leads. The first waiting submitter runs a batch of what
 *     is queued (its own unit among it) on its own thread, and hands the lead to the oldest
 *     submitter still waiting, so no thread is spent while nothing is queued.
 *
 * Ownership: the store is borrowed and must outlive the queue; a unit's arg is the caller's and
 * must stay valid until its outcome is delivered (done called, or the wait returned). */
#ifndef LASTMILE_STORE_COMMIT_QUEUE_H
#define LASTMILE_STORE_COMMIT_QUEUE_H

#include "store/store.h"

typedef struct store_cq store_cq;

/* A unit of work, run inside the batch's transaction and the unit's savepoint, on the thread
 * running the batch. LM_OK keeps its changes; any other status rolls back to the savepoint and
 * becomes the unit's outcome, err saying why. It must not begin a store tx or a store read. */
typedef lm_status (*store_cq_work_fn)(store_tx *tx, void *arg, lm_errinfo *err);

/* Called once per asynchronous unit, after the transaction holding it committed (st LM_OK: the
 * unit is durable) or failed (st and err say why: the unit's own failure, the store not
 * available, or the commit failed). Runs on the writer thread: must be quick. */
typedef void (*store_cq_done_fn)(void *arg, lm_status st, const lm_errinfo *err);

/* Called by the writer thread when it has nothing queued, at most every idle_ms (housekeeping
 * such as pruning old rows, which may begin its own store tx and should check
 * store_cq_pending between chunks). */
typedef void (*store_cq_idle_fn)(void *ctx);

typedef struct store_cq_opts {
    bool thread;             /* run batches on a writer thread of the queue's own */
    size_t batch_max_units;  /* units in one transaction at most (>= 1) */
    size_t batch_max_weight; /* total weight in one transaction (0 = no limit; one unit always) */
    size_t queue_max_weight; /* weight queued beyond which submissions are refused (0 = none) */
    long linger_us;          /* writer thread: wait up to this for more work when the queued */
    size_t linger_below;     /*   weight is below linger_below (0 = never linger) */
    store_cq_idle_fn idle;   /* writer thread only; NULL = none */
    void *idle_ctx;
    int64_t idle_ms; /* how often idle runs while nothing is queued */
    /* writer thread: a batch without events is committed before its fsync
     * (store_tx_commit_behind) and a second thread syncs and delivers it, while the writer
     * already runs the next batch; outcomes still only after the fsync */
    bool sync_behind;
    /* with sync_behind: batches with events too; their events are read (store_events_since)
     * and published (the event hook) only after the fsync */
    bool sync_behind_events;
    /* SQLite: a unit's savepoint is opened only when the unit asks (store_cq_savepoint), before
     * its first write; a unit that writes nothing (or one statement, as its last step: a failed
     * statement undoes itself) then costs no SAVEPOINT / RELEASE. A RELEASE that fails, or a unit
     * that fails after a completed write without its savepoint (db_total_changes moved) or with
     * one it opened only after writing, fails the whole batch: rolled back, the other units
     * LM_UNAVAILABLE. PostgreSQL, where a failed
     * statement breaks the transaction, always opens it. */
    bool lazy_savepoints;
    /* called once per batch after its units ran, with the batch's tx before the commit (what it
     * writes commits with the units; its failure fails every unit of the batch), or with tx NULL
     * when the batch will not commit (nothing kept, or broken): for work gathered by the units
     * and done once per batch, such as one multi-row INSERT; with it, a unit whose work succeeded
     * but whose savepoint cannot be released fails the whole batch */
    lm_status (*batch_end)(store_tx *tx, void *ctx, lm_errinfo *err);
    void *batch_end_ctx;
    /* called with true before and false after a batch's asynchronous outcomes are delivered
     * (done), on the delivering thread: lets the receivers answer them together; NULL = none */
    void (*deliver_hold)(bool on);
    const char *unavailable_msg;   /* err message when the tx cannot begin */
    const char *commit_failed_msg; /* err message when the commit fails */
} store_cq_opts;

/* Defaults: no thread, 64 units per batch, no weight limits, no linger, no idle hook (every
 * 1000 ms if one is set), messages "store unavailable" and "commit failed". */
void store_cq_opts_init(store_cq_opts *o);

/* Creates a queue on s (and starts its writer thread with opts->thread). LM_INVALID for bad
 * options, LM_NOMEM, LM_INTERNAL when the thread cannot start; *out untouched on failure. */
LM_MUST_USE lm_status store_cq_create(store *s, const store_cq_opts *opts, store_cq **out);

/* Queues one unit of weight >= 1 and returns at once; done(arg, ...) is called exactly once
 * after its commit, unless this returns an error: LM_UNAVAILABLE when the queue is stopping or
 * its weight limit is reached, LM_INVALID on a queue without a writer thread, LM_NOMEM. */
LM_MUST_USE lm_status store_cq_submit(store_cq *q, store_cq_work_fn work, store_cq_done_fn done,
                                      void *arg, size_t weight);

/* Memory for an asynchronous unit's arg of size bytes in one allocation with the queue's own
 * record of the unit (one malloc per unit instead of two): submit it with store_cq_submit_unit,
 * after which the queue frees it once done has returned (done must not free it); free it with
 * store_cq_unit_free when it is not submitted or its submit failed. NULL when out of memory. */
void *store_cq_unit_alloc(size_t size);
void store_cq_unit_free(void *arg);
/* store_cq_submit of an arg from store_cq_unit_alloc (see there for who frees it). */
LM_MUST_USE lm_status store_cq_submit_unit(store_cq *q, store_cq_work_fn work,
                                           store_cq_done_fn done, void *arg, size_t weight);

/* One unit of a synchronous submission: work(tx, arg) with weight; st and err are its outcome. */
typedef struct store_cq_unit {
    store_cq_work_fn work;
    void *arg;
    size_t weight;  /* 0 counts as 1 */
    lm_status st;   /* out */
    lm_errinfo err; /* out, when st != LM_OK */
} store_cq_unit;

/* Queues units[0..n) together (in order; they may share a transaction with other submitters'
 * units, or span several when n exceeds the batch limits) and returns once every one of them
 * has its outcome. LM_OK then (each unit's own st says how it went); LM_UNAVAILABLE when the
 * queue is stopping or full (nothing ran, every st is set to it), LM_NOMEM likewise. */
LM_MUST_USE lm_status store_cq_run(store_cq *q, store_cq_unit *units, size_t n);

/* store_cq_run of one unit: its outcome in the return and err. */
LM_MUST_USE lm_status store_cq_submit_wait(store_cq *q, store_cq_work_fn work, void *arg,
                                           size_t weight, lm_errinfo *err);

/* Inside a unit's work, with opts.lazy_savepoints: opens the unit's savepoint if it is not open
 * yet (a no-op otherwise, and outside a unit), so that the unit's writes after it are undone if
 * the unit fails. */
LM_MUST_USE lm_status store_cq_savepoint(lm_errinfo *err);

/* Holds (on) or releases (off) the writer's wake-up for the calling thread's submits: while held,
 * store_cq_submit from this thread queues without waking the writer; the release wakes it once
 * if anything is queued. A listener holds it over one round of ready sockets, so that the round's
 * requests share a batch instead of the first one waking the writer (which, on the same core,
 * preempts the listener and commits it alone). */
void store_cq_hold(store_cq *q, bool on);
/* Whether the writer thread is waiting for units (asleep). */
bool store_cq_waiting(store_cq *q);

/* Whether units are waiting to run (for an idle hook deciding to yield). */
bool store_cq_pending(store_cq *q);

/* Refuses new submissions, runs everything already queued (delivering each outcome) and stops
 * the writer thread. Idempotent. */
void store_cq_stop(store_cq *q);
/* Stops (if not yet) and frees. No submission may be in progress. NULL-safe. */
void store_cq_destroy(store_cq *q);

#endif
