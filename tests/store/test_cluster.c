/* The leader lease and the cross-node wake-up (store/cluster.c) against a real throwaway
 * PostgreSQL: two nodes never lead at once, the lead moves when the leader stops, a leader whose
 * session the server killed steps down (and one node leads again), an announced seq reaches the
 * other node, and an event committed without any NOTIFY is still found by the once-a-second read of
 * the table. SQLite leads alone. */
#include "store/store_cluster.h"
#include "tests/support/pg_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define WAIT_STEPS 800 /* x 25 ms: an iteration budget, far above the 0.5 s poll period */

typedef struct node {
    store_cluster *c;
    atomic_int leading;
    atomic_int downs; /* how many times it stepped down */
    atomic_llong seen;
} node;

static char g_url[256];

static void on_leader(void *ctx, bool on) {
    node *n = ctx;
    atomic_store(&n->leading, on ? 1 : 0);
    if (!on) atomic_fetch_add(&n->downs, 1);
}

static void on_events(void *ctx, int64_t seq) {
    node *n = ctx;
    long long cur = atomic_load(&n->seen);
    while (seq > cur && !atomic_compare_exchange_weak(&n->seen, &cur, seq)) {
    }
}

static void nap(void) {
    struct timespec ts = {0, 25 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static void node_start(node *n, const char *db, int64_t key) {
    atomic_init(&n->leading, 0);
    atomic_init(&n->downs, 0);
    atomic_init(&n->seen, 0);
    store_cluster_opts o;
    store_cluster_opts_init(&o);
    o.db = db;
    o.key = key;
    o.poll_ms = 100;
    o.on_leader = on_leader;
    o.on_events = on_events;
    o.ctx = n;
    lm_errinfo err = {0};
    assert_int_equal(store_cluster_start(&o, &n->c, &err), LM_OK);
}

/* Waits until exactly one of a, b leads; returns it. */
static node *one_leader(node *a, node *b) {
    for (int i = 0; i < WAIT_STEPS; i++) {
        int la = atomic_load(&a->leading), lb = atomic_load(&b->leading);
        assert_false(la && lb);
        if (la || lb) return la ? a : b;
        nap();
    }
    fail_msg("no node took the lead");
    return NULL;
}

static int setup(void **state) {
    (void)state;
    return pg_test_db("lm_test_cluster", g_url, sizeof g_url) == 0 &&
                   pg_test_exec(g_url, "CREATE TABLE events (seq bigint PRIMARY KEY)") == 0
               ? 0
               : -1;
}

static void sqlite_leads_alone(void **state) {
    (void)state;
    node n;
    node_start(&n, "/tmp/never-opened.db", 1);
    assert_int_equal(atomic_load(&n.leading), 1);
    assert_true(store_cluster_leading(n.c));
    store_cluster_announce(n.c, 5); /* nobody to tell: a no-op */
    store_cluster_stop(n.c);
    assert_int_equal(atomic_load(&n.seen), 0);
}

static void lead_moves_when_leader_stops(void **state) {
    (void)state;
    node a, b;
    node_start(&a, g_url, 101);
    node_start(&b, g_url, 101);
    node *l = one_leader(&a, &b);
    node *f = l == &a ? &b : &a;
    /* the follower keeps trying and must keep failing while the leader lives */
    for (int i = 0; i < 20; i++) {
        nap();
        assert_int_equal(atomic_load(&f->leading), 0);
        assert_int_equal(atomic_load(&l->leading), 1);
    }
    store_cluster_stop(l->c);
    int i = 0;
    while (i < WAIT_STEPS && !atomic_load(&f->leading)) {
        nap();
        i++;
    }
    assert_int_equal(atomic_load(&f->leading), 1);
    store_cluster_stop(f->c);
}

static void killed_session_steps_down(void **state) {
    (void)state;
    node a, b;
    node_start(&a, g_url, 202);
    node_start(&b, g_url, 202);
    node *l = one_leader(&a, &b);
    /* what a dead network or an operator's pg_terminate_backend does to the leader's session */
    assert_int_equal(pg_test_exec(g_url, "SELECT pg_terminate_backend(pid) FROM pg_locks "
                                         "WHERE locktype = 'advisory' AND granted AND objid = 202"),
                     0);
    /* the killed leader steps down; then one node leads again: the other, or the old leader
     * when its new session wins the lock first (both are right under load), never both; the
     * never-both check runs before the first wait, as the step down can beat this loop to it and
     * every assertion must be reached on every run (tests/support/check_assertions.py) */
    for (int i = 0; i < WAIT_STEPS; i++) {
        assert_false(atomic_load(&a.leading) && atomic_load(&b.leading));
        if (atomic_load(&l->downs)) break;
        nap();
    }
    assert_int_equal(atomic_load(&l->downs), 1);
    node *now = one_leader(&a, &b);
    /* and keeps the lead: the other keeps trying and failing */
    for (int k = 0; k < 20; k++) {
        nap();
        assert_int_equal(atomic_load(&now->leading), 1);
        assert_int_equal(atomic_load(&(now == &a ? &b : &a)->leading), 0);
    }
    store_cluster_stop(a.c);
    store_cluster_stop(b.c);
}

static void events_reach_the_other_node(void **state) {
    (void)state;
    node a, b;
    node_start(&a, g_url, 303);
    node_start(&b, g_url, 303);
    /* NOTIFY carries the seq announced after a commit; the table is still empty, so only a
     * notification can tell b. b may not be listening yet when the first goes out (a NOTIFY
     * nobody listens to is gone), so a commits again until b heard one. */
    int i = 0;
    while (i < WAIT_STEPS && atomic_load(&b.seen) < 7) {
        store_cluster_announce(a.c, 7 + i);
        nap();
        i++;
    }
    assert_in_range(atomic_load(&b.seen), 7, 7 + WAIT_STEPS);
    /* a commit whose NOTIFY never came (its node died right after COMMIT) is found in the table */
    assert_int_equal(pg_test_exec(g_url, "INSERT INTO events VALUES (42)"), 0);
    i = 0;
    while (i < WAIT_STEPS && atomic_load(&b.seen) < 42) {
        nap();
        i++;
    }
    assert_int_equal(atomic_load(&b.seen), 42);
    store_cluster_stop(a.c);
    store_cluster_stop(b.c);
}

static void bad_options_refused(void **state) {
    (void)state;
    store_cluster_opts o;
    store_cluster_opts_init(&o);
    store_cluster *c = NULL;
    lm_errinfo err = {0};
    assert_int_equal(store_cluster_start(&o, &c, &err), LM_INVALID);
    assert_string_equal(err.field, "db");
    o.db = g_url;
    o.poll_ms = 5;
    assert_int_equal(store_cluster_start(&o, &c, &err), LM_INVALID);
    assert_string_equal(err.field, "poll_ms");
    assert_null(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_leads_alone),        cmocka_unit_test(lead_moves_when_leader_stops),
        cmocka_unit_test(killed_session_steps_down), cmocka_unit_test(events_reach_the_other_node),
        cmocka_unit_test(bad_options_refused),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
