/* api/http/internal.h (lm_http-internal): the server and per-request state shared by the
 * framework's files: server.c (daemon, routing, auth, completion), request.c (what handlers call),
 * metrics.c. Nothing outside api/http/ includes this. */
#ifndef LASTMILE_HTTP_INTERNAL_H
#define LASTMILE_HTTP_INTERNAL_H

#include "api/http/guard.h"
#include "api/http/http.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>

typedef struct http__stats http__stats;
typedef struct http__route_key http__route_key;

#define HTTP__CONN_POOL                                                                            \
    64 /* finished request states kept: enough for a burst's keep-alive turns                      \
        */

struct http_server {
    struct MHD_Daemon *daemon;
    http_app app;
    http_server_opts opts;
    char *bind_addr, *web_root;
    uint16_t port;
    http__stats *metrics;
    http__guard *guard;          /* connection deadlines and shedding */
    atomic_int in_flight;        /* requests between their first access call and completion */
    atomic_int open_conns;       /* TCP connections currently open */
    pthread_mutex_t defer_mu;    /* deferred replies: guards the defer_* fields of every conn */
    http_log *log;               /* the request log; NULL when log_fd < 0 */
    http_log_level *log_level;   /* threshold per route index (n_routes + 1: the last "no route") */
    atomic_uint *log_seen;       /* info lines seen per route index, for sampling */
    http__route_key *route_keys; /* per route: what a path must have to match (server.c) */
    bool quiesced;
    /* finished request states kept for reuse (conn_pool.c) */
    pthread_mutex_t pool_mu;
    size_t n_pooled;
    struct http__conn *pooled[HTTP__CONN_POOL];
};

typedef struct http__conn {
    http_server *srv;
    struct MHD_Connection *mhd;
    http_req req;
    size_t route_index; /* app.n_routes when none matched */
    lm_buf body;
    int64_t t0_ns;
    lm_status early;   /* an error found before the body (404, 405, 401, 403, 413), else LM_OK */
    lm_status outcome; /* what the body parse or the handler returned */
    bool queued;
    int sent_status;
    size_t bytes_in;
    /* a deferred reply (http_defer): under srv->defer_mu */
    bool deferred, suspended, defer_done;
    http_handler defer_finish; /* http_defer_then: makes the reply after an LM_OK outcome */
    lm_status defer_st;
    lm_errinfo defer_err;
} http__conn;

/* ---- request.c ---- */
/* in as inet_ntop writes it ("192.0.2.1"), NUL-terminated; false when size is too small. */
bool http__ipv4_text(const struct in_addr *in, char *out, size_t size);

/* ---- shared_reply.c ---- */
/* Queues s on mhd (libmicrohttpd takes its own use of the response). */
enum MHD_Result http__queue_shared(struct MHD_Connection *mhd, http_shared_reply *s);

/* ---- conn_pool.c ---- */
/* A zeroed request state with an empty arena of arena_cap bytes (a pooled one when there is
 * one); NULL when out of memory. */
http__conn *http__conn_get(http_server *srv, size_t arena_cap);
/* Frees c's body and arena contents and keeps c for reuse (or frees it when the pool is full). */
void http__conn_put(http_server *srv, http__conn *c);
/* Frees every pooled state; when the daemon has stopped. */
void http__conn_pool_drain(http_server *srv);

/* ---- json_print.c ---- */
/* j as cJSON_PrintUnformatted prints it, NUL-terminated, its length in *len; NULL when out of
 * memory or j cannot be printed. The caller lm_frees it. */
char *http__json_print(const cJSON *j, size_t *len);

/* ---- metrics.c ---- */
LM_MUST_USE lm_status http__stats_create(size_t n_routes, http__stats **out);
void http__stats_destroy(http__stats *m);
/* Counts one finished request; route_index == n_routes means "no route matched". */
void http__stats_observe(http__stats *m, size_t route_index, int status, int64_t duration_us);

#endif
