/* store/commit_queue.c: the group-commit engine (store/commit_queue.h): one queue of units, a
 * batch runner that puts each unit in its own savepoint of one transaction, and the two ways of
 * driving it (a writer thread, or the waiting submitters taking turns as leader). */
#define _GNU_SOURCE /* pthread_setname_np */
#include "store/commit_queue.h"
#include "store/internal.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

typedef struct cq_waiter {
    size_t remaining; /* units of this submission without an outcome yet */
    bool lead;        /* leader mode: this submitter runs the next batch */
} cq_waiter;

typedef struct cq_node {
    struct cq_node *next;
    store_cq_work_fn work;
    void *arg;
    size_t weight;
    store_cq_done_fn done; /* asynchronous unit (freed after done); NULL for a waited one */
    cq_waiter *waiter;     /* waited unit: its submission ... */
    store_cq_unit *unit;   /* ... and where its outcome goes */
    lm_status st;
    lm_errinfo err;
} cq_node;

/* store_cq_unit_alloc: the caller's arg lives right after its node, in one allocation. */
#define ARG_OFFSET                                                                                 \
    ((sizeof(cq_node) + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) * _Alignof(max_align_t))

struct store_cq {
    store *st;
    store_cq_opts o;
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* the writer thread waits here for units */
    pthread_cond_t done_cv; /* waiting submitters wait here for outcomes (or the lead) */
    cq_node *head, **tail;
    size_t queued_weight;
    bool stop;
    bool idle;    /* the writer sleeps on work_cv: only then is a wake-up (a futex call) needed */
    bool leading; /* leader mode: some submitter is running batches */
    bool started; /* the writer thread runs */
    pthread_t thread;
    /* sync_behind: batches committed and not yet synced, as one list, for the syncer thread */
    cq_node *unsynced, **unsynced_tail;
    pthread_cond_t sync_cv; /* the syncer waits here for batches */
    bool sync_stop;         /* the writer has stopped: sync what is left, then end */
    bool syncer_started;
    pthread_t syncer;
};

void store_cq_opts_init(store_cq_opts *o) {
    memset(o, 0, sizeof *o);
    o->batch_max_units = 64;
    o->idle_ms = 1000;
    o->unavailable_msg = "store unavailable";
    o->commit_failed_msg = "commit failed";
}

/* ---- One batch ---- */

/* Takes the next batch off the queue (at least one unit); q->mu held. */
static cq_node *batch_take(store_cq *q) {
    cq_node *list = q->head, **cut = &q->head;
    size_t units = 0, weight = 0;
    while (*cut && (units == 0 || (units < q->o.batch_max_units &&
                                   (q->o.batch_max_weight == 0 ||
                                    weight + (*cut)->weight <= q->o.batch_max_weight)))) {
        units++;
        weight += (*cut)->weight;
        cut = &(*cut)->next;
    }
    q->head = *cut;
    *cut = NULL;
    if (!q->head) q->tail = &q->head;
    q->queued_weight -= weight;
    return list;
}

/* The unit running on this thread: its connection, whether its savepoint is open
 * (store_cq_savepoint), and whether it had written before it opened it; NULL outside a unit. */
typedef struct cq_unit_sp {
    db_conn *db;
    bool open;
    int64_t changes; /* db_total_changes as the unit started (lazy) */
    bool wrote_before;
} cq_unit_sp;
static _Thread_local cq_unit_sp *cq_unit;

lm_status store_cq_savepoint(lm_errinfo *err) {
    if (!cq_unit || cq_unit->open) return LM_OK;
    cq_unit->wrote_before = db_total_changes(cq_unit->db) != cq_unit->changes;
    lm_status rc = db_run(cq_unit->db, "SAVEPOINT lm_cq", err);
    cq_unit->open = rc == LM_OK;
    return rc;
}

typedef enum { UNIT_KEPT, UNIT_FAILED, UNIT_BROKEN } unit_outcome;

/* Runs one unit inside its savepoint (opened at once, or by the unit with lazy_savepoints).
 * UNIT_BROKEN: the unit's work succeeded but its savepoint could not be released, so what it
 * gathered outside the database (for batch_end) no longer matches; or it failed after writing
 * without a savepoint, so part of it is in the transaction: either way the batch must not commit.
 */
static unit_outcome unit_run(store_cq *q, db_conn *db, store_tx *tx, cq_node *n) {
    lm_errinfo_clear(&n->err);
    bool lazy = q->o.lazy_savepoints && db_kind(db) == DB_SQLITE;
    cq_unit_sp sp = {.db = db, .open = !lazy};
    if (!lazy && (n->st = db_run(db, "SAVEPOINT lm_cq", &n->err)) != LM_OK) return UNIT_FAILED;
    /* rows written before the unit opened its savepoint cannot be undone alone (below) */
    sp.changes = lazy ? db_total_changes(db) : 0;
    cq_unit = &sp;
    n->st = n->work(tx, n->arg, &n->err);
    cq_unit = NULL;
    bool worked = n->st == LM_OK;
    if (worked && (!sp.open || (n->st = db_run(db, "RELEASE lm_cq", &n->err)) == LM_OK))
        return UNIT_KEPT;
    if (n->err.code == LM_OK) n->err.code = n->st;
    if (sp.open) {
        /* if the rollback fails the release still ends the savepoint; if both fail the commit
         * reports the broken transaction to every unit */
        lm_status rolled = db_run(db, "ROLLBACK TO lm_cq", NULL);
        lm_status released = db_run(db, "RELEASE lm_cq", NULL);
        (void)rolled;
        (void)released;
    }
    /* without a savepoint: a unit that wrote nothing, or one statement that undid itself, fails
     * alone; one that failed after a completed write leaves part of itself in the transaction,
     * and a unit whose work succeeded may have gathered something for batch_end: either way the
     * whole batch must not commit */
    if (lazy && !sp.open && db_total_changes(db) != sp.changes) return UNIT_BROKEN;
    if (sp.wrote_before) return UNIT_BROKEN; /* the rollback left what came before the savepoint */
    return worked && (lazy || q->o.batch_end) ? UNIT_BROKEN : UNIT_FAILED;
}

/* Sets rc as the outcome of every unit of list that had none. */
static void batch_fail(store_cq *q, cq_node *list, lm_status rc) {
    for (cq_node *n = list; n; n = n->next)
        if (n->st == LM_OK) n->st = lm_errinfo_set(&n->err, rc, "", "%s", q->o.commit_failed_msg);
}

/* Runs list in one transaction and sets every unit's outcome. A batch whose units all failed is
 * rolled back: nothing to make durable, no fsync; so is a broken one (a unit's savepoint could not
 * be released, or batch_end failed), every unit failing. True when the batch committed behind its
 * fsync (sync_behind): its outcomes hold only once store_wal_sync has succeeded. */
static bool batch_run(store_cq *q, cq_node *list) {
    store_tx *tx = NULL;
    lm_status rc =
        q->o.sync_behind ? store_tx_begin_behind(q->st, &tx) : store_tx_begin(q->st, &tx);
    if (rc != LM_OK) {
        for (cq_node *n = list; n; n = n->next)
            n->st = lm_errinfo_set(&n->err, rc, "", "%s", q->o.unavailable_msg);
        return false;
    }
    db_conn *db = store__tx_db(tx);
    size_t kept = 0;
    bool broken = false;
    for (cq_node *n = list; n && !broken; n = n->next) {
        unit_outcome o = unit_run(q, db, tx, n);
        kept += o == UNIT_KEPT;
        broken = o == UNIT_BROKEN;
    }
    lm_errinfo end_err;
    lm_errinfo_clear(&end_err);
    if (!broken && kept > 0 && q->o.batch_end &&
        (rc = q->o.batch_end(tx, q->o.batch_end_ctx, &end_err)) != LM_OK)
        broken = true;
    if (broken || kept == 0) {
        if (q->o.batch_end) (void)q->o.batch_end(NULL, q->o.batch_end_ctx, NULL);
        store_tx_rollback(tx);
        /* a unit that broke the batch keeps its own error; the others did nothing wrong and may
         * retry (LM_UNAVAILABLE); batch_end's failure is every unit's */
        if (broken) batch_fail(q, list, rc != LM_OK ? rc : LM_UNAVAILABLE);
        return false;
    }
    bool behind = false;
    rc = q->o.sync_behind ? store_tx_commit_behind(tx, q->o.sync_behind_events, &behind)
                          : store_tx_commit(tx);
    if (rc != LM_OK) batch_fail(q, list, rc);
    return behind;
}

/* Hands every outcome of list to its submitter: asynchronous units through done (then freed),
 * both outside the lock; waited ones under it. Returns with q->mu held. */
static void batch_deliver(store_cq *q, cq_node *list) {
    cq_node *waited = NULL, **wtail = &waited;
    if (q->o.deliver_hold) q->o.deliver_hold(true);
    while (list) {
        cq_node *next = list->next;
        if (list->done) {
            list->done(list->arg, list->st, list->st == LM_OK ? NULL : &list->err);
            lm_free(list);
        } else {
            *wtail = list;
            wtail = &list->next;
        }
        list = next;
    }
    *wtail = NULL;
    if (q->o.deliver_hold) q->o.deliver_hold(false);
    pthread_mutex_lock(&q->mu);
    for (cq_node *n = waited; n;) {
        cq_node *next = n->next; /* a waited node is gone once its waiter sees remaining 0 */
        n->unit->st = n->st;
        n->unit->err = n->err;
        n->waiter->remaining--;
        n = next;
    }
    if (waited) pthread_cond_broadcast(&q->done_cv);
}

/* ---- The writer thread ---- */

static void deadline_after_us(struct timespec *ts, long us) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += us / 1000000L;
    ts->tv_nsec += (us % 1000000L) * 1000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Waits for units (q->mu held), running the idle hook between waits. */
static void writer_wait(store_cq *q) {
    while (!q->head && !q->stop) {
        q->idle = true;
        if (q->o.idle) {
            struct timespec ts;
            deadline_after_us(&ts, (long)q->o.idle_ms * 1000L);
            pthread_cond_timedwait(&q->work_cv, &q->mu, &ts);
        } else {
            pthread_cond_wait(&q->work_cv, &q->mu);
        }
        q->idle = false;
        if (!q->head && !q->stop && q->o.idle) {
            pthread_mutex_unlock(&q->mu);
            q->o.idle(q->o.idle_ctx);
            pthread_mutex_lock(&q->mu);
        }
    }
}

/* A short linger when little is queued: more submitters share the next fsync, which costs more
 * than the wait. Never when stopping. q->mu held. */
static void writer_linger(store_cq *q) {
    if (q->o.linger_us <= 0 || q->queued_weight >= q->o.linger_below || q->stop) return;
    struct timespec ts;
    deadline_after_us(&ts, q->o.linger_us);
    q->idle = true;
    while (q->queued_weight < q->o.linger_below && !q->stop &&
           pthread_cond_timedwait(&q->work_cv, &q->mu, &ts) == 0) {
    }
    q->idle = false;
}

static void *writer_main(void *arg) {
    store_cq *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        writer_wait(q);
        if (!q->head) break; /* stopping and drained */
        writer_linger(q);
        cq_node *list = batch_take(q);
        pthread_mutex_unlock(&q->mu);
        if (!batch_run(q, list)) {
            batch_deliver(q, list);
            continue;
        }
        /* committed, not yet durable: the syncer delivers it after the next fsync */
        cq_node *last = list;
        while (last->next)
            last = last->next;
        pthread_mutex_lock(&q->mu);
        *q->unsynced_tail = list;
        q->unsynced_tail = &last->next;
        pthread_cond_signal(&q->sync_cv);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* sync_behind: one fdatasync for every batch committed since the last one, then their
 * outcomes. The writer runs the next batch meanwhile, so one fsync is waited for at a time
 * instead of after each batch's statements. */
static void *syncer_main(void *arg) {
    store_cq *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->unsynced && !q->sync_stop)
            pthread_cond_wait(&q->sync_cv, &q->mu);
        cq_node *list = q->unsynced;
        if (!list) break; /* stopping and drained */
        q->unsynced = NULL;
        q->unsynced_tail = &q->unsynced;
        pthread_mutex_unlock(&q->mu);
        lm_status rc = store_wal_sync(q->st);
        if (rc != LM_OK) batch_fail(q, list, rc);
        batch_deliver(q, list); /* returns with q->mu held */
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* ---- Create / stop ---- */

lm_status store_cq_create(store *s, const store_cq_opts *opts, store_cq **out) {
    store_cq_opts o;
    if (opts)
        o = *opts;
    else
        store_cq_opts_init(&o);
    if (!s || o.batch_max_units == 0 || (o.idle && o.idle_ms <= 0)) return LM_INVALID;
    if (!o.unavailable_msg) o.unavailable_msg = "store unavailable";
    if (!o.commit_failed_msg) o.commit_failed_msg = "commit failed";
    store_cq *q = lm_calloc(1, sizeof *q);
    if (!q) return LM_NOMEM;
    q->st = s;
    q->o = o;
    q->tail = &q->head;
    q->unsynced_tail = &q->unsynced;
    if (!o.thread) q->o.sync_behind = false;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->work_cv, NULL);
    pthread_cond_init(&q->done_cv, NULL);
    pthread_cond_init(&q->sync_cv, NULL);
    if (q->o.sync_behind) {
        if (pthread_create(&q->syncer, NULL, syncer_main, q) != 0) {
            store_cq_destroy(q);
            return LM_INTERNAL;
        }
        q->syncer_started = true;
        (void)pthread_setname_np(q->syncer, "lm-cq-syncer"); /* per-thread CPU in benchmarks */
    }
    if (o.thread) {
        if (pthread_create(&q->thread, NULL, writer_main, q) != 0) {
            store_cq_destroy(q);
            return LM_INTERNAL;
        }
        q->started = true;
        (void)pthread_setname_np(q->thread, "lm-cq-writer");
    }
    *out = q;
    return LM_OK;
}

void store_cq_stop(store_cq *q) {
    if (!q) return;
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_signal(&q->work_cv);
    /* leader mode: queued units belong to waiting submitters, who run them before returning */
    while (!q->o.thread && (q->leading || q->head))
        pthread_cond_wait(&q->done_cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
    if (q->started) pthread_join(q->thread, NULL);
    q->started = false;
    /* after the writer: every batch it committed is synced and delivered before this returns */
    pthread_mutex_lock(&q->mu);
    q->sync_stop = true;
    pthread_cond_signal(&q->sync_cv);
    pthread_mutex_unlock(&q->mu);
    if (q->syncer_started) pthread_join(q->syncer, NULL);
    q->syncer_started = false;
}

void store_cq_destroy(store_cq *q) {
    if (!q) return;
    store_cq_stop(q);
    pthread_cond_destroy(&q->sync_cv);
    pthread_cond_destroy(&q->done_cv);
    pthread_cond_destroy(&q->work_cv);
    pthread_mutex_destroy(&q->mu);
    lm_free(q);
}

bool store_cq_pending(store_cq *q) {
    pthread_mutex_lock(&q->mu);
    bool pending = q->head != NULL || q->stop;
    pthread_mutex_unlock(&q->mu);
    return pending;
}

/* ---- Submitting ---- */

/* The queue whose writer this thread's submits do not wake (store_cq_hold). */
static _Thread_local store_cq *cq_held;

/* Appends nodes[0..n) (a chain) if the queue takes them; q->mu held. */
static lm_status enqueue(store_cq *q, cq_node *first, cq_node *last, size_t weight) {
    if (q->stop || (q->o.queue_max_weight && q->queued_weight + weight > q->o.queue_max_weight))
        return LM_UNAVAILABLE;
    last->next = NULL;
    *q->tail = first;
    q->tail = &last->next;
    q->queued_weight += weight;
    if (q->idle && cq_held != q) pthread_cond_signal(&q->work_cv);
    return LM_OK;
}

bool store_cq_waiting(store_cq *q) {
    pthread_mutex_lock(&q->mu);
    bool waiting = q->idle;
    pthread_mutex_unlock(&q->mu);
    return waiting;
}

void store_cq_hold(store_cq *q, bool on) {
    if (on) {
        cq_held = q;
        return;
    }
    cq_held = NULL;
    pthread_mutex_lock(&q->mu);
    if (q->idle && q->head) pthread_cond_signal(&q->work_cv);
    pthread_mutex_unlock(&q->mu);
}

void *store_cq_unit_alloc(size_t size) {
    if (size > SIZE_MAX - ARG_OFFSET) return NULL;
    char *p = lm_alloc(ARG_OFFSET + size);
    return p ? p + ARG_OFFSET : NULL;
}

void store_cq_unit_free(void *arg) {
    if (arg) lm_free((char *)arg - ARG_OFFSET);
}

/* Fills node n and queues it; when the queue refuses it, n stays the caller's. */
static lm_status submit_node(store_cq *q, cq_node *n, store_cq_work_fn work, store_cq_done_fn done,
                             void *arg, size_t weight) {
    n->next = NULL;
    n->work = work;
    n->arg = arg;
    n->weight = weight ? weight : 1;
    n->done = done;
    n->waiter = NULL;
    n->unit = NULL;
    n->st = LM_OK;
    n->err.code = LM_OK;
    n->err.field[0] = n->err.message[0] = '\0';
    pthread_mutex_lock(&q->mu);
    lm_status rc = enqueue(q, n, n, n->weight);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

lm_status store_cq_submit(store_cq *q, store_cq_work_fn work, store_cq_done_fn done, void *arg,
                          size_t weight) {
    if (!q->o.thread || !work || !done) return LM_INVALID;
    /* not zeroed: err (most of the node) is set when the unit runs or fails */
    cq_node *n = lm_alloc(sizeof *n);
    if (!n) return LM_NOMEM;
    lm_status rc = submit_node(q, n, work, done, arg, weight);
    if (rc != LM_OK) lm_free(n);
    return rc;
}

lm_status store_cq_submit_unit(store_cq *q, store_cq_work_fn work, store_cq_done_fn done, void *arg,
                               size_t weight) {
    if (!q->o.thread || !work || !done || !arg) return LM_INVALID;
    return submit_node(q, (cq_node *)(void *)((char *)arg - ARG_OFFSET), work, done, arg, weight);
}

/* Leader mode: waits for w's outcomes, running batches whenever the lead is w's. q->mu held. */
static void lead_or_wait(store_cq *q, cq_waiter *w) {
    if (!q->leading) {
        q->leading = true;
        w->lead = true;
    }
    for (;;) {
        while (w->remaining && !w->lead)
            pthread_cond_wait(&q->done_cv, &q->mu);
        if (!w->remaining) return;
        cq_node *list = batch_take(q);
        pthread_mutex_unlock(&q->mu);
        batch_run(q, list);
        batch_deliver(q, list);
        if (w->remaining) continue; /* some of ours are still queued: keep the lead */
        w->lead = false;
        /* the next batch is led by the oldest waiting submitter */
        if (q->head)
            q->head->waiter->lead = true;
        else
            q->leading = false;
        pthread_cond_broadcast(&q->done_cv);
        return;
    }
}

lm_status store_cq_run(store_cq *q, store_cq_unit *units, size_t n) {
    if (n == 0) return LM_OK;
    cq_node *nodes = lm_calloc(n, sizeof *nodes);
    lm_status rc = LM_NOMEM;
    if (!nodes) goto refused;
    cq_waiter w = {.remaining = n};
    size_t weight = 0;
    for (size_t i = 0; i < n; i++) {
        nodes[i].work = units[i].work;
        nodes[i].arg = units[i].arg;
        nodes[i].weight = units[i].weight ? units[i].weight : 1;
        nodes[i].waiter = &w;
        nodes[i].unit = &units[i];
        if (i + 1 < n) nodes[i].next = &nodes[i + 1];
        weight += nodes[i].weight;
    }
    pthread_mutex_lock(&q->mu);
    if ((rc = enqueue(q, &nodes[0], &nodes[n - 1], weight)) != LM_OK) {
        pthread_mutex_unlock(&q->mu);
        goto refused;
    }
    if (q->o.thread) {
        while (w.remaining)
            pthread_cond_wait(&q->done_cv, &q->mu);
    } else {
        lead_or_wait(q, &w);
    }
    pthread_mutex_unlock(&q->mu);
    lm_free(nodes);
    return LM_OK;
refused:
    lm_free(nodes);
    for (size_t i = 0; i < n; i++)
        units[i].st =
            lm_errinfo_set(&units[i].err, rc, "", "%s",
                           rc == LM_NOMEM ? "out of memory" : "the queue is full or stopping");
    return rc;
}

lm_status store_cq_submit_wait(store_cq *q, store_cq_work_fn work, void *arg, size_t weight,
                               lm_errinfo *err) {
    store_cq_unit u = {.work = work, .arg = arg, .weight = weight};
    lm_status rc = store_cq_run(q, &u, 1);
    if (rc == LM_OK) rc = u.st;
    if (rc != LM_OK && err) *err = u.err;
    return rc;
}
