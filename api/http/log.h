/* api/http/log.h: the request log (docs/logging.md): structured (one JSON object per line),
 * levelled, buffered and written by a thread of its own, so that a request only copies a few
 * fields into its thread's own ring (no lock, no atomic read-modify-write, no allocation after
 * the thread's first line, no formatting) and never waits on the log's file descriptor.
 *
 * Levels: an access line is "info" for 1xx-3xx, "warn" for 4xx, "error" for 5xx and for a
 * request the client abandoned. A line is written when its level is at least the threshold of
 * its route (the log's level, or a per-route override); info lines may also be sampled, one in N
 * per route (each sampled line says "sample": N, so counts scale back). Lines the ring has no room
 * for are dropped and counted, never waited for; the log thread then writes one line saying how
 * many were lost.
 *
 * Ownership: the log owns its ring and thread; the fd is borrowed (never closed here). Route
 * patterns handed to http_log_access must outlive the log (they come from the route table). */
#ifndef LASTMILE_HTTP_LOG_H
#define LASTMILE_HTTP_LOG_H

#include "common/common.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum http_log_level {
    HTTP_LOG_DEBUG = 0,
    HTTP_LOG_INFO = 1,
    HTTP_LOG_WARN = 2,
    HTTP_LOG_ERROR = 3,
    HTTP_LOG_OFF = 4, /* as a threshold: nothing */
} http_log_level;

typedef struct http_log http_log;

typedef struct http_log_opts {
    int fd;               /* where lines go; -1 = nowhere (the log then costs nothing); default 2 */
    http_log_level level; /* threshold of every route without an override; default info */
    const char *routes;   /* per-route thresholds: "PATTERN=LEVEL,..." where PATTERN is a route
                             pattern, optionally after its method ("GET /v1/track/{token}=warn,
                             /v1/osmand=off"); NULL or "" = none */
    unsigned sample;      /* keep one in this many info access lines per route; 0 or 1 = all */
    size_t ring_bytes;    /* the size of each ring (one per thread writing access lines, up to 16,
                             and one shared): lines beyond it are dropped, and so is a line larger
                             than half of it; default 1 MiB (~10,000 tracking-poll records:
                             http_log_access_bytes); at least 256 */
    int flush_ms;         /* the thread writes at least this often; default 50 */
} http_log_opts;

void http_log_opts_init(http_log_opts *o);

/* Parses "debug", "info", "warn", "error" or "off"; false for anything else. */
bool http_log_level_parse(const char *text, http_log_level *out);
const char *http_log_level_name(http_log_level l);

/* Checks a per-route spec without creating a log: LM_INVALID naming field with the first bad
 * entry. */
LM_MUST_USE lm_status http_log_routes_check(const char *routes, const char *field, lm_errinfo *err);

/* Creates the log and starts its thread. LM_INVALID (err names "log_routes", "log_sample") for a
 * bad spec, LM_NOMEM, LM_INTERNAL when the thread cannot start; *out untouched on failure. */
LM_MUST_USE lm_status http_log_create(const http_log_opts *o, http_log **out, lm_errinfo *err);

/* Writes everything queued and waits until it is written (shutdown, tests). NULL-safe. */
void http_log_flush(http_log *lg);
/* Flushes, stops the thread and frees. NULL-safe. */
void http_log_destroy(http_log *lg);

/* The threshold of a route ("GET", "/v1/orders/{id}"): its override, else the log's level. */
http_log_level http_log_route_level(const http_log *lg, const char *method, const char *pattern);
unsigned http_log_sample(const http_log *lg);

/* One finished request, as the server saw it. Strings are copied (method cut at 15 bytes, key id
 * at 63, path at 2,048). */
typedef struct http_log_access_rec {
    const char *method, *path; /* path: as requested; the log thread redacts it */
    const char *route;         /* the route's pattern (borrowed, static), NULL when none matched */
    const char *key_id;        /* "" when none */
    int status;                /* 0: no reply was sent */
    int64_t duration_us;
    int64_t end_ns; /* when it ended, lm_mono_ns(); 0 = now (the log reads the clock) */
    size_t bytes_in;
    bool aborted;    /* the client went away before the reply was complete */
    unsigned sample; /* > 1: this line stands for that many (sampling) */
} http_log_access_rec;

/* The ring bytes one access record takes (sizing a ring in tests and benchmarks). */
size_t http_log_access_bytes(const http_log_access_rec *a);

/* Queues an access line at level into the calling thread's ring (created on its first line):
 * lock-free, never blocks; drops (and counts) when the ring has no room. */
void http_log_access(http_log *lg, http_log_level level, const http_log_access_rec *a);
/* Queues a free-form line {"ts_ms", "level", "component", "msg"}. */
void http_log_message(http_log *lg, http_log_level level, const char *component, const char *msg);

/* Lines dropped because the ring was full, and lines written, since the log started. */
void http_log_counts(const http_log *lg, uint64_t *written, uint64_t *dropped);

#endif
