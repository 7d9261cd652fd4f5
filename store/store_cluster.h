/* store/store_cluster.h: what several `lastmile serve` nodes sharing one PostgreSQL need besides
 * the tables: which node leads (runs the dispatch worker and the senders that read the event log
 * once for everybody) and a wake-up when another node committed events.
 *
 * Leadership is a session-level PostgreSQL advisory lock held on a connection of its own: the
 * server releases it the moment that session ends, so a node that dies (SIGKILL, power, lost
 * network once TCP keepalive gives up) frees the lead for the next node within one poll period.
 * The lock is a hint, not a fence: a leader that lost its connection may still be finishing a
 * transaction on another connection, so whatever must happen once (a plan's result, a job marked
 * done) is also guarded by a conditional update in its own transaction.
 *
 * Events: the event table is the truth; NOTIFY only says "look again". A node announces the seq
 * of each commit with events (store_cluster_announce, from the store's event hook), every node
 * LISTENs and calls its wake function on each notification, and also once a second and after a
 * reconnect, so a notification lost with a connection delays a stream by at most a second and
 * never loses an event (streams read the table from their own cursor).
 *
 * With a SQLite store (a path, not a postgresql:// URL) there is nobody else: the node leads from
 * the start, and the wake function is never called (the store's own hook wakes the streams).
 *
 * Ownership: the cluster handle owns its connection and its thread; the callbacks' ctx is
 * borrowed and must outlive store_cluster_destroy. */
#ifndef LASTMILE_STORE_CLUSTER_H
#define LASTMILE_STORE_CLUSTER_H

#include "common/common.h"

typedef struct store_cluster store_cluster;

typedef struct store_cluster_opts {
    const char *db; /* the --db value: "postgresql://..." or "postgres://..." joins a cluster;
                       anything else is a SQLite path (always leader) */
    int64_t key;    /* advisory lock key (one per deployment sharing the database) */
    int poll_ms;    /* how often a follower tries the lock and a leader checks its session
                       (100..60000) */
    /* leadership changed (called from the cluster thread; first call when it is known) */
    void (*on_leader)(void *ctx, bool leading);
    /* another node (or this one) committed events up to seq; 0 = look again anyway */
    void (*on_events)(void *ctx, int64_t seq);
    void *ctx;
} store_cluster_opts;

/* Defaults: key 0x6c6d6c6561646572 ("lmleader"), poll_ms 500, no callbacks. */
void store_cluster_opts_init(store_cluster_opts *o);
/* True when db names a PostgreSQL database (a URL this module and the store connect to). */
bool store_cluster_is_pg(const char *db);

/* Starts the cluster thread (PostgreSQL) or records sole leadership (SQLite: on_leader(ctx,
 * true) is called before this returns). Never waits for the lock: a node that cannot reach the
 * database yet keeps trying and leads once it can. LM_INVALID on bad options, LM_NOMEM. */
LM_MUST_USE lm_status store_cluster_start(const store_cluster_opts *o, store_cluster **out,
                                          lm_errinfo *err);
/* Whether this node leads now. */
bool store_cluster_leading(const store_cluster *c);
/* Tells the other nodes that events up to seq are committed (NOTIFY, sent by the cluster thread:
 * this only records seq and returns, so it is safe from the store's event hook). NULL-safe. */
void store_cluster_announce(store_cluster *c, int64_t seq);
/* Steps down (the lock is released with the session), stops the thread, frees. NULL-safe. */
void store_cluster_stop(store_cluster *c);

#endif
