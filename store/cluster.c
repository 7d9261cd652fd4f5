/* store/cluster.c: the leader lease and the cross-node event wake-up (store/store_cluster.h): one
 * thread per node on one libpq connection of its own that holds the advisory lock, LISTENs, sends
 * this node's NOTIFYs and reads the newest event seq once a second as the fallback. */
#include "store/store_cluster.h"

#include <libpq-fe.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHANNEL       "lastmile_events"
#define FALLBACK_MS   1000 /* newest seq read this often: bounds the delay a lost NOTIFY causes */
#define RETRY_BASE_MS 200  /* first reconnect delay; doubles up to poll_ms */

struct store_cluster {
    store_cluster_opts o;
    char *db;
    bool pg;
    atomic_bool leading;
    atomic_bool stopping;
    atomic_llong announce; /* newest seq this node committed */
    int64_t sent;          /* newest seq announced to the others (thread's) */
    int64_t seen;          /* newest seq read or heard (thread's) */
    int pipefd[2];         /* wakes the thread: announce, stop */
    pthread_t thread;
    bool started;
    PGconn *conn; /* thread's */
};

void store_cluster_opts_init(store_cluster_opts *o) {
    memset(o, 0, sizeof *o);
    /* not "lastmile" (0x6c6173746d696c65): the store's write lock (db_pg.c) has that key, and a
     * session holding it would block every writer of the deployment */
    o->key = 0x6c6d6c6561646572LL;
    o->poll_ms = 500;
}

bool store_cluster_is_pg(const char *db) {
    return db && (!strncmp(db, "postgresql://", 13) || !strncmp(db, "postgres://", 11));
}

static void set_leading(store_cluster *c, bool on) {
    if (atomic_exchange(&c->leading, on) == on) return;
    fprintf(stderr, "lastmile cluster: this node %s the dispatch leader\n",
            on ? "is now" : "is no longer");
    if (c->o.on_leader) c->o.on_leader(c->o.ctx, on);
}

/* Drops the session: the server releases the lock with it, so leadership ends here too. */
static void drop_conn(store_cluster *c) {
    if (c->conn) PQfinish(c->conn);
    c->conn = NULL;
    set_leading(c, false);
}

/* Runs one query with text parameters; true when it gave tuples or a command result, with the
 * first value of the first row in val (if asked). A broken connection is dropped. */
static bool query(store_cluster *c, const char *sql, int n, const char *const *params, char *val,
                  size_t cap) {
    PGresult *res = PQexecParams(c->conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
    if (ok && val && cap) {
        val[0] = 0;
        if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
            snprintf(val, cap, "%s", PQgetvalue(res, 0, 0));
    }
    if (!ok) fprintf(stderr, "lastmile cluster: %s", PQerrorMessage(c->conn));
    PQclear(res);
    if (PQstatus(c->conn) == CONNECTION_BAD) drop_conn(c);
    return ok;
}

static bool connect_db(store_cluster *c) {
    /* keepalives and a TCP user timeout bound how long a dead peer or network holds the lease
     * (a leader whose packets stop being acknowledged gives up within ~5 s) */
    const char *keys[] = {
        "dbname",           "connect_timeout",  "keepalives_idle",  "keepalives_interval",
        "keepalives_count", "tcp_user_timeout", "application_name", NULL};
    const char *vals[] = {c->db, "5", "5", "1", "3", "5000", "lastmile-cluster", NULL};
    c->conn = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(c->conn) != CONNECTION_OK) {
        fprintf(stderr, "lastmile cluster: %s", PQerrorMessage(c->conn));
        PQfinish(c->conn);
        c->conn = NULL;
        return false;
    }
    if (!query(c, "LISTEN " CHANNEL, 0, NULL, NULL, 0)) return false;
    return c->conn != NULL;
}

static void drain_notifies(store_cluster *c) {
    if (!c->conn || !PQconsumeInput(c->conn)) {
        if (c->conn && PQstatus(c->conn) == CONNECTION_BAD) drop_conn(c);
        return;
    }
    int64_t best = -1;
    PGnotify *n;
    while ((n = PQnotifies(c->conn)) != NULL) {
        char *end = NULL;
        long long v = strtoll(n->extra ? n->extra : "", &end, 10);
        if (end && *end == 0 && v > best) best = v;
        PQfreemem(n);
    }
    if (best > c->seen) {
        c->seen = best;
        if (c->o.on_events) c->o.on_events(c->o.ctx, best);
    }
}

/* One round: take or keep the lock, announce, and read the newest seq when due. */
static void round_trip(store_cluster *c, bool fallback_due) {
    char v[32];
    char key[24];
    snprintf(key, sizeof key, "%" PRId64, c->o.key);
    const char *kp[] = {key};
    if (!atomic_load(&c->leading)) {
        if (query(c, "SELECT pg_try_advisory_lock($1::bigint)", 1, kp, v, sizeof v) &&
            !strcmp(v, "t"))
            set_leading(c, true);
    } else if (!query(c, "SELECT 1", 0, NULL, NULL, 0)) {
        return; /* the session is gone, and the lock with it */
    }
    int64_t want = (int64_t)atomic_load(&c->announce);
    if (c->conn && want > c->sent) {
        char s[24];
        snprintf(s, sizeof s, "%" PRId64, want);
        const char *sp[] = {s};
        if (query(c, "SELECT pg_notify('" CHANNEL "', $1)", 1, sp, NULL, 0)) c->sent = want;
    }
    if (c->conn && fallback_due && query(c, "SELECT max(seq) FROM events", 0, NULL, v, sizeof v) &&
        v[0]) {
        int64_t top = strtoll(v, NULL, 10);
        if (top > c->seen) {
            c->seen = top;
            if (c->o.on_events) c->o.on_events(c->o.ctx, top);
        }
    }
    drain_notifies(c);
}

static void *cluster_main(void *arg) {
    store_cluster *c = arg;
    int retry_ms = RETRY_BASE_MS;
    int64_t next_round = 0, next_fallback = 0;
    while (!atomic_load(&c->stopping)) {
        int64_t now = lm_mono_ns() / 1000000;
        if (!c->conn) {
            if (now >= next_round && connect_db(c)) {
                retry_ms = RETRY_BASE_MS;
                next_round = next_fallback = now; /* a reconnect may have missed NOTIFYs */
            } else if (now >= next_round) {
                next_round = now + retry_ms;
                retry_ms = retry_ms * 2 > c->o.poll_ms ? c->o.poll_ms : retry_ms * 2;
            }
        }
        bool announce = (int64_t)atomic_load(&c->announce) > c->sent;
        if (c->conn && (now >= next_round || announce)) {
            bool fb = now >= next_fallback;
            round_trip(c, fb);
            if (now >= next_round) next_round = now + c->o.poll_ms;
            if (fb) next_fallback = now + FALLBACK_MS;
        }
        int64_t wait = next_round - lm_mono_ns() / 1000000;
        if (wait < 0) wait = 0;
        struct pollfd pf[2] = {{.fd = c->pipefd[0], .events = POLLIN},
                               {.fd = c->conn ? PQsocket(c->conn) : -1, .events = POLLIN}};
        if (poll(pf, 2, (int)wait) > 0) {
            if (pf[0].revents & POLLIN) {
                char buf[64];
                while (read(c->pipefd[0], buf, sizeof buf) > 0) {
                }
            }
            if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) drain_notifies(c);
        }
    }
    drop_conn(c);
    return NULL;
}

lm_status store_cluster_start(const store_cluster_opts *o, store_cluster **out, lm_errinfo *err) {
    if (!o || !o->db || !o->db[0]) return lm_errinfo_set(err, LM_INVALID, "db", "no database");
    if (o->poll_ms < 100 || o->poll_ms > 60000)
        return lm_errinfo_set(err, LM_INVALID, "poll_ms", "must be 100..60000");
    store_cluster *c = lm_calloc(1, sizeof *c);
    if (!c) return LM_NOMEM;
    c->o = *o;
    c->pg = store_cluster_is_pg(o->db);
    c->pipefd[0] = c->pipefd[1] = -1;
    atomic_init(&c->leading, false);
    atomic_init(&c->stopping, false);
    atomic_init(&c->announce, 0);
    if (!c->pg) {
        c->o.db = NULL;
        *out = c;
        set_leading(c, true); /* alone on a SQLite file */
        return LM_OK;
    }
    if (!(c->db = lm_strdup(o->db))) goto nomem;
    c->o.db = c->db;
    if (pipe(c->pipefd) != 0) goto internal;
    for (int i = 0; i < 2; i++)
        fcntl(c->pipefd[i], F_SETFL, fcntl(c->pipefd[i], F_GETFL) | O_NONBLOCK);
    if (pthread_create(&c->thread, NULL, cluster_main, c) != 0) goto internal;
    c->started = true;
    *out = c;
    return LM_OK;
internal:
    if (c->pipefd[0] >= 0) close(c->pipefd[0]);
    if (c->pipefd[1] >= 0) close(c->pipefd[1]);
    lm_free(c->db);
    lm_free(c);
    return lm_errinfo_set(err, LM_INTERNAL, "", "could not start the cluster thread");
nomem:
    lm_free(c);
    return LM_NOMEM;
}

bool store_cluster_leading(const store_cluster *c) {
    return c && atomic_load(&((store_cluster *)c)->leading);
}

static void kick(store_cluster *c) {
    char b = 1;
    ssize_t n = write(c->pipefd[1], &b, 1);
    (void)n; /* a full pipe already holds a wake-up */
}

void store_cluster_announce(store_cluster *c, int64_t seq) {
    if (!c || !c->pg) return;
    long long cur = atomic_load(&c->announce);
    while (seq > cur && !atomic_compare_exchange_weak(&c->announce, &cur, seq)) {
    }
    kick(c);
}

void store_cluster_stop(store_cluster *c) {
    if (!c) return;
    if (c->started) {
        atomic_store(&c->stopping, true);
        kick(c);
        pthread_join(c->thread, NULL);
    }
    if (c->pipefd[0] >= 0) close(c->pipefd[0]);
    if (c->pipefd[1] >= 0) close(c->pipefd[1]);
    lm_free(c->db);
    lm_free(c);
}
