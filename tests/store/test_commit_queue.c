/* The group-commit engine (store/commit_queue.c) on real SQLite files: N threads x M submissions
 * in both modes (writer thread, leader) and with the fsync behind the commit (sync_behind: units
 * with and without events), every acknowledged unit present after reopening; a
 * failing unit rolls back alone (with lazy_savepoints: before writing, or inside the savepoint it
 * opened; after writing without one it fails its batch); units queued together share one commit;
 * a batch of failures commits nothing; stop drains the queue; full and stopped queues refuse;
 * the batch_end hook. */
#include "store/commit_queue.h"
#include "tests/support/tmp_db.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define THREADS    8
#define PER_THREAD 40

static int setup(void **state) {
    return tmp_store_setup(state, "lm_commit_queue_", 2);
}

/* ---- Units ---- */

typedef struct put_arg {
    char key[48];
    int64_t value;
    bool fail;     /* write, then fail: the write must vanish */
    bool no_event; /* write without an event (a sync_behind batch may commit before its fsync) */
    bool early;    /* fail before writing anything */
    bool sp;       /* open the unit's savepoint first (store_cq_savepoint) */
    bool sp_late;  /* open it only after writing the value (before the event) */
    atomic_int *entered; /* when set: raised as the unit starts */
    atomic_int *gate;    /* when set: wait (bounded) until *gate is non-zero before returning */
    /* asynchronous outcome */
    pthread_mutex_t *mu;
    int *done_count;
    lm_status st;
} put_arg;

static lm_status put_work(store_tx *tx, void *arg, lm_errinfo *err) {
    put_arg *a = arg;
    if (a->entered) atomic_store(a->entered, 1);
    if (a->early) return lm_errinfo_set(err, LM_INVALID, "key", "refused early");
    lm_status rc = a->sp ? store_cq_savepoint(err) : LM_OK;
    if (rc == LM_OK) rc = store_meta_put(tx, a->key, a->value);
    if (rc == LM_OK && a->sp_late) rc = store_cq_savepoint(err);
    if (rc == LM_OK && !a->no_event) rc = store_event_append(tx, "test.put", "meta", a->key, NULL);
    for (int i = 0; a->gate && !atomic_load(a->gate) && i < 150000; i++) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL); /* timing-ok: poll, 15 s deadline */
    }
    if (rc == LM_OK && a->fail) return lm_errinfo_set(err, LM_CONFLICT, "key", "refused");
    return rc;
}

static void put_done(void *arg, lm_status st, const lm_errinfo *err) {
    put_arg *a = arg;
    if (st != LM_OK) assert_non_null(err);
    pthread_mutex_lock(a->mu);
    a->st = st;
    (*a->done_count)++;
    pthread_mutex_unlock(a->mu);
}

/* The value stored under key after reopening the file, or -1 when absent. */
static int64_t meta_value(store *s, const char *key) {
    store_read *r = NULL;
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    int64_t v = -1;
    bool found = false;
    assert_int_equal(store_meta_get(r, key, &v, &found), LM_OK);
    store_read_end(r);
    return found ? v : -1;
}

static void reopen(tmp_store *f) {
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(tmp_db_store_open(&f->db, 2, &f->s), 0);
}

static uint64_t commits(store *s) {
    store_stats st;
    store_stats_get(s, &st);
    return st.commits;
}

/* ---- N threads x M submissions ---- */

typedef struct worker {
    store_cq *q;
    int id;
    bool async;
    bool behind; /* the queue syncs behind its commits: most units without an event */
    put_arg args[PER_THREAD];
    pthread_mutex_t mu;
    int done_count;
    int acked; /* units answered LM_OK */
} worker;

static void *worker_main(void *p) {
    worker *w = p;
    for (int i = 0; i < PER_THREAD; i++) {
        put_arg *a = &w->args[i];
        snprintf(a->key, sizeof a->key, "w%d.%d", w->id, i);
        a->value = w->id * 1000 + i;
        a->fail = i % 7 == 3; /* some units fail: they must not spoil their batch */
        a->no_event = w->behind && i % 5 != 0;
        a->mu = &w->mu;
        a->done_count = &w->done_count;
        if (w->async && i % 2 == 0) {
            if (store_cq_submit(w->q, put_work, put_done, a, 1) != LM_OK) a->st = LM_INTERNAL;
        } else {
            lm_errinfo err;
            a->st = store_cq_submit_wait(w->q, put_work, a, 1, &err);
            pthread_mutex_lock(&w->mu);
            w->done_count++;
            pthread_mutex_unlock(&w->mu);
        }
    }
    return NULL;
}

static void run_workers(void **state, bool thread, bool behind) {
    tmp_store *f = *state;
    store_cq_opts o;
    store_cq_opts_init(&o);
    o.thread = thread;
    o.sync_behind = behind;
    o.batch_max_units = 16;
    store_cq *q = NULL;
    assert_int_equal(store_cq_create(f->s, &o, &q), LM_OK);
    static worker ws[THREADS];
    pthread_t th[THREADS];
    memset(ws, 0, sizeof ws);
    for (int t = 0; t < THREADS; t++) {
        ws[t].q = q;
        ws[t].id = t;
        ws[t].async = thread;
        ws[t].behind = behind;
        pthread_mutex_init(&ws[t].mu, NULL);
        assert_int_equal(pthread_create(&th[t], NULL, worker_main, &ws[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    store_cq_destroy(q); /* drains the asynchronous ones */
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(ws[t].done_count, PER_THREAD);
        pthread_mutex_destroy(&ws[t].mu);
    }
    reopen(f);
    for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i < PER_THREAD; i++) {
            const put_arg *a = &ws[t].args[i];
            if (a->fail) {
                assert_int_equal(a->st, LM_CONFLICT);
                assert_int_equal(meta_value(f->s, a->key), -1);
            } else {
                assert_int_equal(a->st, LM_OK);
                assert_int_equal(meta_value(f->s, a->key), a->value);
            }
        }
    }
}

static void test_threads_writer(void **state) {
    run_workers(state, true, false);
}

static void test_threads_leader(void **state) {
    run_workers(state, false, false);
}

static void test_threads_sync_behind(void **state) {
    run_workers(state, true, true);
}

/* After batches committed behind their fsync the writer connection syncs again: a plain
 * transaction commits (durably, as its contract says), and everything is there after reopening. */
static void test_sync_behind_then_plain(void **state) {
    tmp_store *f = *state;
    store_cq_opts o;
    store_cq_opts_init(&o);
    o.thread = true;
    o.sync_behind = true;
    store_cq *q = NULL;
    assert_int_equal(store_cq_create(f->s, &o, &q), LM_OK);
    put_arg quiet = {.key = "quiet", .value = 7, .no_event = true};
    put_arg loud = {.key = "loud", .value = 8};
    lm_errinfo err;
    assert_int_equal(store_cq_submit_wait(q, put_work, &quiet, 1, &err), LM_OK);
    assert_int_equal(store_cq_submit_wait(q, put_work, &loud, 1, &err), LM_OK);
    store_cq_destroy(q);
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(store_meta_put(tx, "plain", 9), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    bool sync_after = true;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK); /* not behind: never deferred */
    assert_int_equal(store_meta_put(tx, "plain2", 10), LM_OK);
    assert_int_equal(store_tx_commit_behind(tx, false, &sync_after), LM_OK);
    assert_false(sync_after);
    assert_int_equal(store_wal_sync(f->s), LM_OK);
    reopen(f);
    assert_int_equal(meta_value(f->s, "quiet"), 7);
    assert_int_equal(meta_value(f->s, "loud"), 8);
    assert_int_equal(meta_value(f->s, "plain"), 9);
    assert_int_equal(meta_value(f->s, "plain2"), 10);
    assert_int_equal(tmp_db_count_events(f->s, "test.put"), 1);
}

/* ---- One batch ---- */

/* Runs a[0..n) as one submission (outcomes in u) on a new queue with options o (NULL: the
 * defaults), then reopens the store; returns how many commits it took. */
static uint64_t run_once(tmp_store *f, const store_cq_opts *o, put_arg *a, store_cq_unit *u,
                         size_t n) {
    store_cq *q = NULL;
    assert_int_equal(store_cq_create(f->s, o, &q), LM_OK);
    for (size_t i = 0; i < n; i++)
        u[i] = (store_cq_unit){.work = put_work, .arg = &a[i]};
    uint64_t before = commits(f->s);
    assert_int_equal(store_cq_run(q, u, n), LM_OK);
    uint64_t made = commits(f->s) - before;
    store_cq_destroy(q);
    reopen(f);
    return made;
}

/* A failing unit between two good ones: one commit, the failure alone rolled back. */
static void test_failing_unit_alone(void **state) {
    tmp_store *f = *state;
    put_arg a[3] = {
        {.key = "a", .value = 1}, {.key = "b", .value = 2, .fail = true}, {.key = "c", .value = 3}};
    store_cq_unit u[3];
    assert_int_equal(run_once(f, NULL, a, u, 3), 1);
    assert_int_equal(u[0].st, LM_OK);
    assert_int_equal(u[1].st, LM_CONFLICT);
    assert_int_equal(u[1].err.code, LM_CONFLICT);
    assert_string_equal(u[1].err.field, "key");
    assert_int_equal(u[2].st, LM_OK);
    assert_int_equal(meta_value(f->s, "a"), 1);
    assert_int_equal(meta_value(f->s, "b"), -1);
    assert_int_equal(meta_value(f->s, "c"), 3);
    assert_int_equal(tmp_db_count_events(f->s, "test.put"), 2);
}

/* Units queued while a batch runs share the next commit: 1 + 20 units, 2 commits. */
static void test_units_share_commit(void **state) {
    tmp_store *f = *state;
    store_cq_opts o;
    store_cq_opts_init(&o);
    o.thread = true;
    store_cq *q = NULL;
    assert_int_equal(store_cq_create(f->s, &o, &q), LM_OK);
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    int done = 0;
    atomic_int gate = 0, entered = 0;
    put_arg first = {.key = "first",
                     .value = 1,
                     .entered = &entered,
                     .gate = &gate,
                     .mu = &mu,
                     .done_count = &done};
    put_arg rest[20];
    uint64_t before = commits(f->s);
    assert_int_equal(store_cq_submit(q, put_work, put_done, &first, 1), LM_OK);
    /* the writer is inside first's unit: what comes now queues behind it */
    for (int i = 0; i < 150000 && !atomic_load(&entered); i++) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL); /* timing-ok: poll, 15 s deadline */
    }
    assert_true(atomic_load(&entered));
    for (int i = 0; i < 20; i++) {
        rest[i] = (put_arg){.value = i, .mu = &mu, .done_count = &done};
        snprintf(rest[i].key, sizeof rest[i].key, "rest%d", i);
        assert_int_equal(store_cq_submit(q, put_work, put_done, &rest[i], 1), LM_OK);
    }
    atomic_store(&gate, 1);
    store_cq_stop(q);
    assert_int_equal(done, 21);
    assert_int_equal(first.st, LM_OK);
    for (int i = 0; i < 20; i++)
        assert_int_equal(rest[i].st, LM_OK);
    assert_int_equal(commits(f->s) - before, 2);
    store_cq_destroy(q);
    reopen(f);
    for (int i = 0; i < 20; i++)
        assert_int_equal(meta_value(f->s, rest[i].key), i);
}

/* Submits made while the thread holds the wake (store_cq_hold) wait for its release, then share
 * one commit: a listener's round of requests goes to the writer as one batch. */
static void test_hold_shares_commit(void **state) {
    tmp_store *f = *state;
    store_cq_opts o;
    store_cq_opts_init(&o);
    o.thread = true;
    store_cq *q = NULL;
    assert_int_equal(store_cq_create(f->s, &o, &q), LM_OK);
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    int done = 0;
    atomic_int entered = 0;
    put_arg units[10];
    uint64_t before = commits(f->s);
    for (int i = 0; i < 150000 && !store_cq_waiting(q); i++) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL); /* timing-ok: poll, 15 s deadline */
    }
    assert_true(store_cq_waiting(q));
    store_cq_hold(q, true);
    for (int i = 0; i < 10; i++) {
        units[i] = (put_arg){.value = i, .mu = &mu, .done_count = &done, .entered = &entered};
        snprintf(units[i].key, sizeof units[i].key, "held%d", i);
        assert_int_equal(store_cq_submit(q, put_work, put_done, &units[i], 1), LM_OK);
    }
    struct timespec pause = {0, 50000000};
    nanosleep(&pause, NULL); /* timing-ok: the writer would have started by now if woken */
    assert_false(atomic_load(&entered));
    store_cq_hold(q, false);
    for (int i = 0; i < 150000; i++) {
        pthread_mutex_lock(&mu);
        int d = done;
        pthread_mutex_unlock(&mu);
        if (d == 10) break;
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL); /* timing-ok: poll, 15 s deadline */
    }
    store_cq_stop(q);
    assert_int_equal(done, 10);
    assert_int_equal(commits(f->s) - before, 1);
    store_cq_destroy(q);
}

/* A batch whose units all fail commits nothing. */
static void test_all_failed_no_commit(void **state) {
    tmp_store *f = *state;
    store_cq *q = NULL;
    assert_int_equal(store_cq_create(f->s, NULL, &q), LM_OK);
    put_arg a = {.key = "x", .value = 1, .fail = true};
    uint64_t before = commits(f->s);
    lm_errinfo err;
    assert_int_equal(store_cq_submit_wait(q, put_work, &a, 1, &err), LM_CONFLICT);
    assert_string_equal(err.message, "refused");
    assert_int_equal(commits(f->s), before);
    store_cq_destroy(q);
    assert_int_equal(meta_value(f->s, "x"), -1);
}

/* lazy_savepoints: a unit failing before it writes, and one failing after writing inside the
 * savepoint it opened, each undo only themselves; the others share the commit. */
static void test_lazy_savepoint(void **state) {
    tmp_store *f = *state;
    store_cq_opts o;
    store_cq_opts_init(&o);
    o.lazy_savepoints = true;
    put_arg a[4] = {{.key = "a", .value = 1},
                    {.key = "b", .value = 2, .early = true},
                    {.key = "c", .value = 3, .sp = true, .fail = true},
                    {.key = "d", .value = 4, .sp = true}};
    store_cq_unit u[4];
    assert_int_equal(run_once(f, &o, a, u, 4), 1);
    assert_int_equal(u[0].st, LM_OK);
    assert_int_equal(u[1].st, LM_INVALID);
    assert_int_equal(u[2].st, LM_CONFLICT);
    assert_int_equal(u[3].st, LM_OK);
    assert_int_equal(meta_value(f->s, "a"), 1);
    assert_int_equal(meta_value(f->s, "b"), -1);
    assert_int_equal(meta_value(f->s, "c"), -1);
    assert_int_equal(meta_value(f->s, "d"), 4);
    assert_int_equal(tmp_db_count_events(f->s, "test.put"), 2);
}

/* lazy_savepoints: a unit that fails after writing without a savepoint, or with one opened only
 * after a write, takes its whole batch with it: nothing committed, the others told to retry
 * (LM_UNAVAILABLE), its own error kept. On PostgreSQL every unit has its savepoint from the
 * start: the failure undoes only itself. */
static void test_lazy_tainted_batch(void **state) {
    tmp_store *f = *state;
    store_cq_opts o;
    store_cq_opts_init(&o);
    o.lazy_savepoints = true;
    bool lazy = !tmp_db_is_pg();
    for (int late = 0; late < 2; late++) {
        put_arg a[3] = {{.value = 1}, {.value = 2, .fail = true, .sp_late = late}, {.value = 3}};
        for (int i = 0; i < 3; i++)
            snprintf(a[i].key, sizeof a[i].key, "%c%d", 'a' + i, late);
        store_cq_unit u[3];
        assert_int_equal(run_once(f, &o, a, u, 3), lazy ? 0 : 1);
        assert_int_equal(u[0].st, lazy ? LM_UNAVAILABLE : LM_OK);
        assert_int_equal(u[1].st, LM_CONFLICT);
        assert_string_equal(u[1].err.field, "key");
        assert_int_equal(u[2].st, lazy ? LM_UNAVAILABLE : LM_OK);
        assert_int_equal(meta_value(f->s, a[0].key), lazy ? -1 : 1);
        assert_int_equal(meta_value(f->s, a[1].key), -1);
        assert_int_equal(tmp_db_count_events(f->s, "test.put"), lazy ? 0 : 2 * (late + 1));
    }
}

/* Weight limits, stop and a leader-mode queue refuse what they cannot take. */
static void test_refusals(void **state) {
    tmp_store *f = *state;
    store_cq_opts o;
    store_cq_opts_init(&o);
    o.thread = true;
    o.queue_max_weight = 10;
    store_cq *q = NULL;
    assert_int_equal(store_cq_create(f->s, &o, &q), LM_OK);
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    int done = 0;
    put_arg big = {.key = "big", .value = 1, .mu = &mu, .done_count = &done};
    assert_int_equal(store_cq_submit(q, put_work, put_done, &big, 11), LM_UNAVAILABLE);
    lm_errinfo err;
    put_arg ok = {.key = "ok", .value = 2};
    assert_int_equal(store_cq_submit_wait(q, put_work, &ok, 10, &err), LM_OK);
    store_cq_stop(q);
    assert_int_equal(store_cq_submit(q, put_work, put_done, &big, 1), LM_UNAVAILABLE);
    assert_int_equal(store_cq_submit_wait(q, put_work, &ok, 1, &err), LM_UNAVAILABLE);
    assert_int_equal(err.code, LM_UNAVAILABLE);
    assert_int_equal(done, 0);
    store_cq_destroy(q);

    store_cq *lq = NULL;
    assert_int_equal(store_cq_create(f->s, NULL, &lq), LM_OK);
    assert_int_equal(store_cq_submit(lq, put_work, put_done, &big, 1), LM_INVALID);
    store_cq_destroy(lq);
    o.batch_max_units = 0;
    assert_int_equal(store_cq_create(f->s, &o, &lq), LM_INVALID);
    assert_int_equal(meta_value(f->s, "ok"), 2);
}

/* The idle hook runs on the writer thread while nothing is queued. */
static void count_idle(void *ctx) {
    atomic_fetch_add((atomic_int *)ctx, 1);
}

static void test_idle_hook(void **state) {
    tmp_store *f = *state;
    store_cq_opts o;
    store_cq_opts_init(&o);
    o.thread = true;
    atomic_int idle = 0;
    o.idle = count_idle;
    o.idle_ctx = &idle;
    o.idle_ms = 1;
    store_cq *q = NULL;
    assert_int_equal(store_cq_create(f->s, &o, &q), LM_OK);
    for (int i = 0; i < 15000 && atomic_load(&idle) < 2; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL); /* timing-ok: poll, 15 s deadline */
    }
    assert_false(store_cq_pending(q));
    store_cq_destroy(q);
    assert_true(atomic_load(&idle) >= 2);
}

/* An event committed behind its fsync is neither read outside the writer's tx nor published
 * until store_wal_sync; then both (on SQLite; PostgreSQL syncs at the commit). */
static int64_t hooked_seq;
static void seq_hook(void *ctx, int64_t last_seq) {
    (void)ctx;
    hooked_seq = last_seq;
}

static size_t events_readable(store *s, int64_t *last) {
    store_read *r = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    assert_int_equal(store_events_since(r, 0, 100, &ev, &n), LM_OK);
    assert_int_equal(store_events_last_seq(r, last), LM_OK);
    store_read_end(r);
    store_events_free(ev, n);
    return n;
}

static void test_events_behind_wait_for_sync(void **state) {
    tmp_store *f = *state;
    hooked_seq = 0;
    store_set_event_hook(f->s, seq_hook, NULL);
    int64_t first = tmp_db_append_event(f->s, "test.before"), last = 0;
    assert_int_equal(hooked_seq, first);
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin_behind(f->s, &tx), LM_OK);
    assert_int_equal(store_event_append(tx, "test.behind", "x", "1", "{}"), LM_OK);
    assert_int_equal(store_event_append(tx, "test.behind", "x", "2", "{}"), LM_OK);
    bool sync_after = false;
    assert_int_equal(store_tx_commit_behind(tx, true, &sync_after), LM_OK);
    if (sync_after) { /* SQLite: committed, not yet durable */
        assert_int_equal(events_readable(f->s, &last), 1);
        assert_int_equal(last, first);
        assert_int_equal(hooked_seq, first);
        assert_int_equal(tmp_db_count_events(f->s, "test.behind"), 0);
    }
    assert_int_equal(store_wal_sync(f->s), LM_OK);
    assert_int_equal(events_readable(f->s, &last), 3);
    assert_int_equal(last, first + 2);
    assert_int_equal(hooked_seq, first + 2);
    /* a plain commit makes everything before it durable, and readable, at once */
    assert_int_equal(store_tx_begin_behind(f->s, &tx), LM_OK);
    assert_int_equal(store_event_append(tx, "test.behind", "x", "3", "{}"), LM_OK);
    assert_int_equal(store_tx_commit_behind(tx, true, &sync_after), LM_OK);
    int64_t plain = tmp_db_append_event(f->s, "test.plain");
    assert_int_equal(events_readable(f->s, &last), 5);
    assert_int_equal(last, plain);
    assert_int_equal(store_wal_sync(f->s), LM_OK);
    store_set_event_hook(f->s, NULL, NULL);
}

/* ---- Lazy savepoints and the batch's end ---- */

/* What the lazy units gathered for batch_end, and how batch_end was called. */
typedef struct lazy_end {
    const char *gathered[8];
    int n, with_tx, without_tx;
    bool fail; /* batch_end fails */
} lazy_end;
static lazy_end lz;

enum { LZ_GATHER, LZ_SAVEPOINT_WRITE_FAIL, LZ_ONE_WRITE, LZ_FAIL_NO_WRITE };

typedef struct lazy_arg {
    const char *key;
    int mode;
} lazy_arg;

static lm_status lazy_work(store_tx *tx, void *arg, lm_errinfo *err) {
    lazy_arg *a = arg;
    lm_status rc = LM_OK;
    switch (a->mode) {
    case LZ_GATHER: lz.gathered[lz.n++] = a->key; return LM_OK;
    case LZ_SAVEPOINT_WRITE_FAIL:
        if ((rc = store_cq_savepoint(err)) == LM_OK) rc = store_meta_put(tx, a->key, 1);
        return rc == LM_OK ? lm_errinfo_set(err, LM_CONFLICT, "key", "refused") : rc;
    case LZ_ONE_WRITE: return store_meta_put(tx, a->key, 2);
    default: return lm_errinfo_set(err, LM_CONFLICT, "key", "refused");
    }
}

static lm_status lazy_batch_end(store_tx *tx, void *ctx, lm_errinfo *err) {
    assert_ptr_equal(ctx, &lz);
    int n = lz.n;
    lz.n = 0;
    if (!tx) {
        lz.without_tx++;
        return LM_OK;
    }
    lz.with_tx++;
    if (lz.fail) return lm_errinfo_set(err, LM_STORE, "", "batch_end failed");
    lm_status rc = LM_OK;
    for (int i = 0; i < n && rc == LM_OK; i++)
        rc = store_meta_put(tx, lz.gathered[i], 3);
    return rc;
}

/* Units that open their savepoint only when they write: one that fails after its savepoint is
 * undone, one whose single write is its last step is kept without one, what they gathered is
 * written by batch_end in the same commit; a failing batch_end fails the whole batch, and a
 * batch that will not commit hands batch_end no tx. */
static void test_lazy_savepoints(void **state) {
    tmp_store *f = *state;
    store_cq_opts o;
    store_cq_opts_init(&o);
    o.lazy_savepoints = true;
    o.batch_end = lazy_batch_end;
    o.batch_end_ctx = &lz;
    store_cq *q = NULL;
    assert_int_equal(store_cq_create(f->s, &o, &q), LM_OK);
    memset(&lz, 0, sizeof lz);
    lazy_arg a[4] = {{"lz_gathered", LZ_GATHER},
                     {"lz_undone", LZ_SAVEPOINT_WRITE_FAIL},
                     {"lz_one", LZ_ONE_WRITE},
                     {"lz_nothing", LZ_FAIL_NO_WRITE}};
    store_cq_unit u[4];
    for (int i = 0; i < 4; i++)
        u[i] = (store_cq_unit){.work = lazy_work, .arg = &a[i]};
    uint64_t before = commits(f->s);
    assert_int_equal(store_cq_run(q, u, 4), LM_OK);
    assert_int_equal(u[0].st, LM_OK);
    assert_int_equal(u[1].st, LM_CONFLICT);
    assert_int_equal(u[2].st, LM_OK);
    assert_int_equal(u[3].st, LM_CONFLICT);
    assert_int_equal(commits(f->s) - before, 1);
    assert_int_equal(lz.with_tx, 1);
    /* batch_end fails: every unit fails, nothing of the batch is kept */
    lz.fail = true;
    lazy_arg b[2] = {{"lz_lost", LZ_GATHER}, {"lz_lost_write", LZ_ONE_WRITE}};
    store_cq_unit v[2];
    for (int i = 0; i < 2; i++)
        v[i] = (store_cq_unit){.work = lazy_work, .arg = &b[i]};
    assert_int_equal(store_cq_run(q, v, 2), LM_OK);
    assert_int_equal(v[0].st, LM_STORE);
    assert_int_equal(v[1].st, LM_STORE);
    assert_int_equal(lz.with_tx, 2);
    assert_int_equal(lz.without_tx, 1);
    /* every unit fails: no commit, batch_end without a tx */
    lz.fail = false;
    lazy_arg c = {"lz_none", LZ_FAIL_NO_WRITE};
    lm_errinfo err;
    assert_int_equal(store_cq_submit_wait(q, lazy_work, &c, 1, &err), LM_CONFLICT);
    assert_int_equal(lz.without_tx, 2);
    assert_int_equal(commits(f->s) - before, 1);
    store_cq_destroy(q);
    reopen(f);
    assert_int_equal(meta_value(f->s, "lz_gathered"), 3);
    assert_int_equal(meta_value(f->s, "lz_undone"), -1);
    assert_int_equal(meta_value(f->s, "lz_one"), 2);
    assert_int_equal(meta_value(f->s, "lz_nothing"), -1);
    assert_int_equal(meta_value(f->s, "lz_lost"), -1);
    assert_int_equal(meta_value(f->s, "lz_lost_write"), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_threads_writer, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_hold_shares_commit, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_threads_leader, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_threads_sync_behind, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_sync_behind_then_plain, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_events_behind_wait_for_sync, setup,
                                        tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_failing_unit_alone, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_units_share_commit, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_all_failed_no_commit, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_lazy_savepoint, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_lazy_tainted_batch, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_idle_hook, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_lazy_savepoints, setup, tmp_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
