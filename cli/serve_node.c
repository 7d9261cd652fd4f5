/* cli/serve_node.c: the cluster thread of `serve` (cli/serve_node.h) and what its callbacks
 * reach: the process's leadership flag and the API server's event wake-up. */
#include "cli/serve_node.h"
#include "cli/cli.h"

#include "common/leader.h"
#include "store/store_cluster.h"

#include <pthread.h>
#include <stdio.h>

struct serve_node {
    store_cluster *cluster;
    pthread_mutex_t mu; /* guards srv and disp against serve_node_stop */
    api_server *srv;
    dispatch *disp;
};

static void on_leader(void *ctx, bool leading) {
    serve_node *n = ctx;
    lm_leader_set(leading);
    pthread_mutex_lock(&n->mu);
    dispatch_lead_changed(n->disp); /* resume the pending jobs now, not at the next tick */
    pthread_mutex_unlock(&n->mu);
}

static void on_events(void *ctx, int64_t seq) {
    serve_node *n = ctx;
    pthread_mutex_lock(&n->mu);
    api_server_events_committed(n->srv, seq);
    pthread_mutex_unlock(&n->mu);
}

int serve_node_start(const char *db, serve_node **out) {
    serve_node *n = lm_calloc(1, sizeof *n);
    if (!n) return CLI_FAILED;
    pthread_mutex_init(&n->mu, NULL);
    store_cluster_opts o;
    store_cluster_opts_init(&o);
    o.db = db;
    o.on_leader = on_leader;
    o.on_events = on_events;
    o.ctx = n;
    if (store_cluster_is_pg(db)) lm_leader_set(false);
    lm_errinfo err = {0};
    if (store_cluster_start(&o, &n->cluster, &err) != LM_OK) {
        fprintf(stderr, "lastmile serve: cluster: %s\n", err.message);
        pthread_mutex_destroy(&n->mu);
        lm_free(n);
        return CLI_FAILED;
    }
    *out = n;
    return CLI_OK;
}

struct store_cluster *serve_node_cluster(serve_node *n) {
    return n ? n->cluster : NULL; /* a SQLite node's announces are no-ops */
}

void serve_node_attach(serve_node *n, api_server *srv, dispatch *disp) {
    pthread_mutex_lock(&n->mu);
    n->srv = srv;
    n->disp = disp;
    pthread_mutex_unlock(&n->mu);
}

void serve_node_stop(serve_node *n) {
    if (!n) return;
    pthread_mutex_lock(&n->mu);
    n->srv = NULL;
    n->disp = NULL;
    pthread_mutex_unlock(&n->mu);
    store_cluster_stop(n->cluster);
    pthread_mutex_destroy(&n->mu);
    lm_free(n);
}
