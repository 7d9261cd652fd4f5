/* api/http/plain_conn.h (lm_http-internal): the plain listener's state (api/http/plain.c) and
 * its connections (api/http/plain_conn.c). Everything here but the completion list (mu) is the
 * loop thread's alone. */
#ifndef LASTMILE_HTTP_PLAIN_CONN_H
#define LASTMILE_HTTP_PLAIN_CONN_H

#include "api/http/guard.h"
#include "api/http/http.h"
#include "common/http_request.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>

typedef struct plain_conn plain_conn;

struct http_plain {
    http_plain_listener *ls;
    plain_conn *c;
    lm_hreq_head h;
    const char *body; /* NUL-terminated; NULL without a body */
    size_t body_len;
    int status;
    int64_t retry_after_s; /* > 0: a Retry-After header */
    int64_t start_ns;      /* when the request was complete (lm_mono_ns) */
    http_plain *next_done; /* the completion list */
    bool answered;         /* answered from inside the handler */
    char msg[400];
};

enum { PLAIN_READ, PLAIN_WAIT };

struct plain_conn {
    int fd;
    plain_conn *prev, *next;
    void *slot; /* the guard's */
    uint32_t ip;
    char addr[INET_ADDRSTRLEN];
    char *in; /* received bytes: the current request, then whatever was pipelined */
    size_t in_len, in_cap;
    size_t req_len;   /* bytes of the request being handled, consumed once it is answered */
    char saved;       /* the byte at in[req_len], replaced by the body's NUL meanwhile */
    char *chunk_body; /* a chunked request's decoded body */
    char out[1024];   /* the answer being written */
    size_t out_len, out_off;
    int state;
    bool readable;      /* the socket may hold bytes not read yet */
    bool eof;           /* the peer closed its side, or the socket failed */
    bool close_after;   /* close once out is written */
    bool body_phase;    /* the guard knows the body is awaited */
    bool continue_sent; /* "100 Continue" went out for this request */
    int64_t last_ns;    /* last byte either way */
    http_plain q;
};

typedef struct plain_ip {
    uint32_t ip;
    unsigned n;
} plain_ip;

struct http_plain_listener {
    http_plain_handler handler;
    void *ctx;
    void (*round)(void *ctx, bool begin); /* http_plain_opts.round */
    size_t max_body;
    unsigned max_conns, max_per_ip;
    http__guard *guard; /* its own deadlines and cap: an OsmAnd flood never touches the API's */
    uint16_t port;
    int lfd, ep, efd;   /* listening socket, epoll set, eventfd of the completion list */
    bool accept_paused; /* out of descriptors: lfd left the set until the next tick */
    pthread_t thread;
    atomic_bool quiesced, stopping;
    pthread_mutex_t mu; /* guards the completion list */
    http_plain *done_head, *done_tail;
    plain_conn *conns; /* every open connection */
    unsigned n_conns;
    plain_ip *ips; /* open connections per client address (max_conns entries) */
    unsigned n_ips;
    int64_t round_ns; /* lm_mono_ns when the loop's current round began: for idle times */
    char date[64];    /* "Date: ...\r\n" of date_s */
    int64_t date_s;
    /* /metrics: answers by status class and their latency, counted when written */
    atomic_uint_fast64_t by_class[6];
    atomic_uint_fast64_t latency_us_sum;
};

/* The request whose handler runs on this thread right now. */
extern _Thread_local http_plain *plain_tl_in_handler;

unsigned plain_ip_count(const http_plain_listener *ls, uint32_t ip);
/* A new connection on fd (non-blocking): false when it could not be set up (caller closes). */
bool plain_conn_open(http_plain_listener *ls, int fd, const struct sockaddr_in *sa);
void plain_conn_close(http_plain_listener *ls, plain_conn *c);
/* The answer of c's request is set: writes it into c->out, consumes the request. */
void plain_conn_complete(http_plain_listener *ls, plain_conn *c);
/* Moves c on as far as it can: writes, reads, parses, dispatches, closes. */
void plain_conn_step(http_plain_listener *ls, plain_conn *c);
void plain_conn_event(http_plain_listener *ls, plain_conn *c, uint32_t events);
/* Closes the connections past the idle limit. */
void plain_conn_sweep_idle(http_plain_listener *ls, int64_t now_ns);
/* Stopping: closes every connection that has nothing in flight. */
void plain_conn_close_idle(http_plain_listener *ls);

#endif
