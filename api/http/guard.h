/* api/http/guard.h (lm_http-internal): the connection guard shared by the API daemon and the
 * plain (OsmAnd) listener: absolute deadlines for the request head and body, and shedding of
 * idle unauthenticated connections when the server nears its connection cap. libmicrohttpd's own
 * timeout is idle-based (a client sending one byte every few seconds never trips it), so the
 * guard tracks when each connection entered its phase and a reaper thread closes the late ones.
 *
 * A connection is in one of three phases:
 *   HEAD: accepted, or its previous reply finished, and no complete request head yet (this
 *         includes idle keep-alive) — deadline header_timeout_s from the phase start;
 *   BODY: head complete, body being received — deadline body_timeout_s from the head;
 *   BUSY: the request is being handled, deferred, or its reply streamed — no guard deadline
 *         (libmicrohttpd's idle timeout still applies to a peer that stops reading).
 * Closing is shutdown(2) of the socket: libmicrohttpd then sees end-of-file on its own thread and
 * frees the connection the normal way. The slot is removed in the CLOSED notification, which
 * libmicrohttpd sends before it closes the descriptor, and the reaper holds the same mutex while
 * it calls shutdown, so a descriptor number reused by a newer connection is never hit.
 *
 * Shedding: once `soft = max_conns - reserve` connections are live (open and not being closed),
 * each new connection, and each reaper tick while still over, closes the connection that has been
 * in HEAD longest among those that never presented a valid API key. */
#ifndef LASTMILE_HTTP_GUARD_H
#define LASTMILE_HTTP_GUARD_H

#include "common/common.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* libmicrohttpd's memory per connection (its default is 32 KiB): the request head must fit in
 * it (a bigger one is refused), bodies stream through it. 0.9.75 zeroes the whole pool at every
 * request, which at 32 KiB was 19 % of a tracking poll (bench/results/perf-positions.md); 8 KiB
 * holds any head our clients send (nginx's large_client_header_buffers is 8k as well). */
#define HTTP__CONN_MEMORY_BYTES ((size_t)8 << 10)

typedef struct http__guard_opts {
    unsigned max_conns;        /* slots tracked (the daemon's connection limit) */
    unsigned reserve;          /* slots idle unauthenticated connections may not hold; < max */
    unsigned header_timeout_s; /* HEAD deadline; 0 = none */
    unsigned body_timeout_s;   /* BODY deadline; 0 = none */
    unsigned tick_ms;          /* reaper period; 0 = no reaper thread (tests call the sweep) */
} http__guard_opts;

/* What the guard did, for /metrics and tests. */
typedef struct http__guard_stats {
    int64_t live;                     /* connections open and not being closed */
    int64_t peak;                     /* most live at once since start */
    int64_t accepted;                 /* connections seen */
    int64_t closed_head, closed_body; /* closed past their header / body deadline */
    int64_t shed;                     /* closed to keep the reserve free */
} http__guard_stats;

typedef struct http__guard http__guard;

enum { HTTP__PHASE_HEAD, HTTP__PHASE_BODY, HTTP__PHASE_BUSY };

LM_MUST_USE lm_status http__guard_create(const http__guard_opts *o, http__guard **out);
/* Stops the reaper and frees. NULL-safe; call after the daemon has stopped. */
void http__guard_destroy(http__guard *g);
/* A connection opened on fd (libmicrohttpd's STARTED notification); *slot is the handle given
 * to the calls below (the connection's socket context). May shed another connection. */
void http__guard_opened(http__guard *g, int fd, int64_t now_ns, void **slot);
/* The connection closed (CLOSED notification, before its descriptor is closed). */
void http__guard_closed(http__guard *g, void *slot);
/* Moves the connection to phase; authed marks it as having presented a valid key (sticky). */
void http__guard_phase(http__guard *g, void *slot, int phase, bool authed, int64_t now_ns);
/* True when the connection's body deadline has passed (checked as body bytes arrive). */
bool http__guard_body_late(http__guard *g, void *slot, int64_t now_ns);
/* One reaper pass at now_ns (the reaper thread calls it every tick_ms). */
void http__guard_sweep(http__guard *g, int64_t now_ns);
void http__guard_stats_get(http__guard *g, http__guard_stats *out);

#endif
