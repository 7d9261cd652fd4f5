/* api/http/http.h: lastmile's HTTP framework (lm_http): libmicrohttpd daemons, the declarative
 * route table type, the request context with its arena, replies and JSON errors, the auth hook,
 * streamed replies (SSE), deferred replies (group commit), a plain listener (OsmAnd), per-address
 * rate limits, request metrics and OpenAPI assembly. It knows nothing of the store, orders,
 * dispatch or events: the app (api/) hands it a route table, role names and an auth callback.
 * This folder is the only code that includes <microhttpd.h>.
 *
 * Ownership: the route table, role names and strings of http_app are borrowed and must outlive
 * the server; everything a request hands out (params, headers, body, arena memory) lives until
 * the request completes.
 *
 * HOW TO WRITE A HANDLER (the app's routes are listed in api/routes.c)
 *   - Input: http_param(r, "id") for {id} in the path, http_query(r, "status") for ?status=,
 *     http_header(r, "Idempotency-Key"), r->json for the parsed body (NULL when the request had
 *     no body or the route has HTTP_RAW_BODY), r->body/r->body_len for the raw bytes.
 *   - Memory: take request-scoped memory from r->arena (lm_arena_alloc); it is freed in one place
 *     when the request completes, so handlers have no cleanup for it.
 *   - Who is calling: r->role (one role bit; 0 on public routes), r->key_id (safe to log),
 *     r->subject (what the key is bound to, e.g. a driver id; "" when nothing).
 *   - Reply: http_reply_json(r, 201, obj) (takes obj) or http_reply_text(...), then return LM_OK.
 *     To fail, return http_error(r, LM_INVALID, "customer.phone", "phone must be ...") or return
 *     an lm_status with r->err already filled; the server writes
 *     {"error": {"code", "field", "message"}} with status lm_status_http(code).
 *     Returning LM_OK without a reply sends 204.
 *   - Handlers run on the server's worker threads, several at once: no unguarded shared state,
 *     and nothing long in a handler (hand it to a worker and reply 202, or defer the reply). */
#ifndef LASTMILE_HTTP_H
#define LASTMILE_HTTP_H

#include "api/http/log.h"
#include "common/common.h"
#include "common/http_request.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Version of the HTTP library (a static string). */
const char *http_mhd_version(void);

/* ---- Routes ---- */

#define HTTP_PUBLIC    0u /* roles of a route anyone may call without a key */
#define HTTP_MAX_ROLES 8  /* role bits 0..7 */

typedef struct http_req http_req;
typedef struct http_shared_reply http_shared_reply; /* "Shared replies" below */
typedef lm_status (*http_handler)(http_req *r);

enum {
    HTTP_RAW_BODY = 1u << 0, /* do not parse the body as JSON (CSV import, OsmAnd form bodies) */
};

typedef struct http_route {
    const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern; /* "/v1/orders/{id}/cancel": literal segments and {name} segments */
    unsigned roles;      /* HTTP_PUBLIC, or the role bits allowed (the superuser always is) */
    http_handler handler;
    unsigned flags; /* HTTP_RAW_BODY ... */
    /* OpenAPI documentation, kept beside the row so they change together */
    const char *summary;         /* one line */
    const char *request_schema;  /* JSON Schema as JSON text, NULL when no body is taken */
    const char *response_schema; /* JSON Schema of the success body, NULL for none */
    int success_status;          /* 200, 201, 202 or 204 */
    const char *success_type;    /* content type of the success body; NULL = application/json */
} http_route;

/* ---- Auth ---- */

#define HTTP_KEY_ID_MAX  24 /* bytes of a key's public id, NUL included */
#define HTTP_SUBJECT_MAX 64 /* bytes of what a key is bound to (a driver id), NUL included */

/* Who a key belongs to, filled by the app's auth callback. */
typedef struct http_identity {
    unsigned role; /* exactly one role bit */
    char key_id[HTTP_KEY_ID_MAX];
    char subject[HTTP_SUBJECT_MAX];
} http_identity;

/* Checks the bearer key of a request to a keyed route: LM_OK with *who filled, LM_UNAUTHORIZED
 * for an unknown or revoked key, another code when the check itself failed (err says why). */
typedef lm_status (*http_auth_fn)(void *ctx, const char *key, http_identity *who, lm_errinfo *err);

/* What the app hands the framework: its routes, roles and auth, and the context handlers get. */
/* A route whose errors may also come in a shape of its own (a compatibility endpoint speaking a
 * peer's error format): its OpenAPI error response is oneOf [Error, schema]. */
typedef struct http_route_errors {
    const char *method, *pattern; /* as in the route table */
    const char *schema;           /* JSON Schema text of the other shape */
} http_route_errors;

typedef struct http_app {
    const http_route *routes; /* matched in order */
    size_t n_routes;
    const http_route_errors *route_errors; /* OpenAPI only; may be NULL */
    size_t n_route_errors;
    const char *role_names[HTTP_MAX_ROLES]; /* name of role bit i (messages, OpenAPI) */
    unsigned superuser;                     /* role bits allowed on every keyed route */
    http_auth_fn auth;                      /* required when a route is keyed */
    void *ctx;                              /* r->app and the auth callback's ctx */
    /* OpenAPI info */
    const char *title, *version, *description;
} http_app;

/* ---- The request context ---- */

#define HTTP_MAX_PARAMS 8

typedef struct http_path_param {
    const char *name, *value;
} http_path_param;

typedef struct http_conn http_conn; /* a connection, for streams that suspend themselves */

struct http_req {
    lm_arena *arena; /* request-scoped memory, freed when the request completes */
    void *app;       /* http_app.ctx */
    const http_route *route;
    const char *method, *path; /* path without the query string, percent-decoded */
    http_path_param params[HTTP_MAX_PARAMS];
    size_t n_params;
    const char *body; /* raw body, NUL-terminated; NULL when the request had none */
    size_t body_len;
    cJSON *json;   /* body parsed at the edge; NULL without a body or with HTTP_RAW_BODY */
    unsigned role; /* one role bit; 0 on public routes */
    char key_id[HTTP_KEY_ID_MAX];
    char subject[HTTP_SUBJECT_MAX];
    lm_errinfo err;  /* filled by http_error or by module calls; read when a handler fails */
    void *defer_ctx; /* the handler's own state for its http_defer_then finish; NULL otherwise */

    /* the reply, set through http_reply_*; private to the server */
    int status;
    const char *resp_body;
    size_t resp_len;
    const char *resp_type;
    const char *resp_headers[4][2];
    size_t n_resp_headers;
    bool replied;
    ssize_t (*stream_reader)(void *cls, uint64_t pos, char *buf, size_t max);
    void (*stream_free)(void *cls);
    void *stream_cls;
    http_shared_reply *shared; /* http_reply_shared: sent instead of resp_* when set */
    struct http__conn *conn;   /* server-private per-request state */
};

/* Path parameter {name}, or NULL. */
const char *http_param(const http_req *r, const char *name);
/* Query parameter (?name=value, decoded), or NULL. */
const char *http_query(const http_req *r, const char *name);
/* Request header (case-insensitive name), or NULL. */
const char *http_header(const http_req *r, const char *name);
/* The client's address as text ("127.0.0.1"); false if unknown. */
bool http_client_addr(const http_req *r, char *out, size_t size);

/* Sets a JSON reply and takes ownership of body (deletes it, also on failure). */
LM_MUST_USE lm_status http_reply_json(http_req *r, int status, cJSON *body);
/* Sets a reply with a copy of len bytes of text and the given content type. */
LM_MUST_USE lm_status http_reply_text(http_req *r, int status, const char *content_type,
                                      const char *text, size_t len);
/* ---- JSON written directly (api/http/json_print.c) ----
 * The very bytes cJSON_PrintUnformatted writes for the same members in the same order, without
 * building a tree (an order's 201 reply: bench/results/perf-intake.md, round 4). Start from
 * http_json j = {0}; a failed allocation sets failed and the rest is skipped. */
typedef struct http_json {
    char *p;
    size_t n, cap;
    bool failed;
} http_json;
/* Appends s as is: punctuation and keys, e.g. ",\"id\":". */
void http_json_raw(http_json *j, const char *s);
/* Appends s as a JSON string, escaped as cJSON does (NULL as ""). */
void http_json_str(http_json *j, const char *s);
/* Appends a number as cJSON prints it. */
void http_json_num(http_json *j, double d);
/* Replies with j's text (application/json) and frees it; a failed j replies 500. */
LM_MUST_USE lm_status http_reply_json_text(http_req *r, int status, http_json *j);
/* Adds a response header (name and value are copied); at most 4. */
LM_MUST_USE lm_status http_reply_header(http_req *r, const char *name, const char *value);
/* Records an error for the reply and returns code: `return http_error(r, LM_INVALID, ...)`. */
lm_status http_error(http_req *r, lm_status code, const char *field, const char *fmt, ...)
    LM_PRINTF(4, 5);

/* ---- Shared replies (the tracking snapshot) ----
 * A reply made once (status, content type, up to 4 headers, body) and sent as it is to many
 * requests: no per-request response, header copies or body copy. Counted references: the owner
 * drops its own with http_shared_reply_unref while requests may still be sending it. */
LM_MUST_USE lm_status http_shared_reply_new(int status, const char *content_type, const char *body,
                                            size_t len, const char *const headers[][2],
                                            size_t n_headers, http_shared_reply **out);
void http_shared_reply_ref(http_shared_reply *s);
void http_shared_reply_unref(http_shared_reply *s); /* NULL is fine */
/* r's reply is s (r takes a reference of its own); headers set on r do not apply. */
void http_reply_shared(http_req *r, http_shared_reply *s);

/* ---- Streamed replies (Server-Sent Events) ----
 * The handler hands over a pull callback: the framework calls it for more bytes; it returns the
 * count, 0 after suspending its connection (http_conn_suspend) when it has nothing yet, or
 * HTTP_STREAM_END / HTTP_STREAM_ERROR. Whoever later has bytes calls http_conn_resume, and the
 * framework pulls again. free_fn(cls) runs once at the end, also when the reply is never sent. */
#define HTTP_STREAM_END   ((ssize_t)-1)
#define HTTP_STREAM_ERROR ((ssize_t)-2)
typedef ssize_t (*http_stream_pull)(void *cls, uint64_t pos, char *buf, size_t max);
typedef void (*http_stream_free)(void *cls);
/* Takes cls (frees it through free_fn also on failure). */
LM_MUST_USE lm_status http_reply_stream(http_req *r, const char *content_type,
                                        http_stream_pull pull, http_stream_free free_fn, void *cls);
/* The connection of r, valid until the stream's free_fn has run. */
http_conn *http_req_conn(const http_req *r);
void http_conn_suspend(http_conn *c);
void http_conn_resume(http_conn *c);

/* ---- Deferred replies (group commit, solves on a worker) ----
 * The handler sets its success reply, calls http_defer(r), hands r to another thread and returns
 * LM_OK; the connection is suspended (no worker thread waits) until that thread calls
 * http_defer_done(r, status, err) exactly once, after which it must not touch r. LM_OK sends the
 * reply set before; any other status an error reply with err. */
void http_defer(http_req *r);
void http_defer_done(http_req *r, lm_status st, const lm_errinfo *err);
/* http_defer whose reply is made after the other thread's outcome: once http_defer_done(r, LM_OK,
 * ..) arrives, finish(r) runs on a server thread and sets the reply (or fails like a handler),
 * so that the other thread (a commit queue's writer) only records what happened. */
void http_defer_then(http_req *r, http_handler finish);

/* ---- The server ---- */

typedef struct http_server http_server;

typedef struct http_server_opts {
    const char *bind_addr;    /* IPv4 address to listen on; default "127.0.0.1" */
    uint16_t port;            /* 0 = any free port; default 8080 */
    unsigned threads;         /* worker threads (1 = the polling thread itself); default 2 */
    size_t max_body_bytes;    /* larger request bodies get 413; default 1 MiB */
    const char *web_root;     /* directory served under / for GET; NULL = none */
    int log_fd;               /* one JSON line per request is written here; -1 = none; default 2 */
    http_log_level log_level; /* access lines below this are not written; default info */
    const char *log_routes;   /* per-route levels (api/http/log.h); NULL = none */
    unsigned log_sample;      /* one in N info access lines per route; default 1 (all) */
    bool epoll;               /* epoll instead of poll() (http/server.c says why poll is default) */
    /* connection limits (api/http/guard.h, docs/security.md "Connections") */
    unsigned max_conns;        /* open connections at most; default 1024 */
    unsigned reserve_conns;    /* of those, slots idle unkeyed connections may not hold; 64 */
    unsigned max_conns_per_ip; /* open connections per client address; 0 = no limit; 128 */
    unsigned header_timeout_s; /* a request head must be complete this long after the connection
                                  opened or the previous reply ended; 0 = none; default 10 */
    unsigned body_timeout_s;   /* a body must be complete this long after its head; default 30 */
    unsigned idle_timeout_s;   /* no byte either way for this long closes it; default 60 */
} http_server_opts;

void http_server_opts_init(http_server_opts *o);
/* Starts serving app's routes. On failure *out is untouched and err says why. */
LM_MUST_USE lm_status http_server_start(const http_server_opts *o, const http_app *app,
                                        http_server **out, lm_errinfo *err);
uint16_t http_server_port(const http_server *srv);

/* What the connection guard has seen and done since start (docs/security.md "Connections"). */
typedef struct http_conn_stats {
    int64_t open;          /* connections open now (not being closed) */
    int64_t peak;          /* most open at once */
    int64_t accepted;      /* connections accepted */
    int64_t closed_header; /* closed because their request head was not complete in time */
    int64_t closed_body;   /* closed because their body was not complete in time */
    int64_t shed;          /* idle unkeyed connections closed to keep the reserve free */
} http_conn_stats;
void http_server_conn_stats(const http_server *srv, http_conn_stats *out);
/* Stops accepting new connections; requests in flight go on. NULL-safe. */
void http_server_quiesce(http_server *srv);
/* Quiesces, waits up to drain_ms for requests in flight to finish, then closes every connection
 * and frees the server. NULL-safe. */
void http_server_stop(http_server *srv, int drain_ms);

/* ---- Request metrics (Prometheus text) ---- */

/* Appends lastmile_http_requests_total and lastmile_http_request_duration_seconds of the server
 * handling r, per route and status, to out. */
LM_MUST_USE lm_status http_metrics_write(const http_req *r, lm_buf *out);

/* ---- OpenAPI ---- */

/* The OpenAPI 3.1 document of app's route table; caller deletes it. NULL on failure (a schema
 * text that does not parse). */
cJSON *http_openapi_build(const http_app *app);
/* The http_app of the server handling r. */
const http_app *http_req_app(const http_req *r);

/* ---- Per-client-address rate limits (token buckets) ---- */

typedef struct http_ratelimit http_ratelimit;
LM_MUST_USE lm_status http_ratelimit_create(double rate_per_s, double burst, http_ratelimit **out);
void http_ratelimit_destroy(http_ratelimit *rl);
/* Takes one token for addr: true if allowed; else *retry_after_s is how long until one is. */
bool http_ratelimit_take(http_ratelimit *rl, const char *addr, int64_t now_ms,
                         int64_t *retry_after_s);

/* ---- A plain listener (OsmAnd): any path, GET, POST or HEAD, on its own port ----
 * No routes, no auth, no JSON: the handler gets the query arguments and the body and answers
 * with a status and plain text exactly once, from any thread, before or after it returns (the
 * connection is not read from meanwhile). Served by an epoll loop of its own (api/http/plain.c,
 * not libmicrohttpd); the handler runs on that loop's thread, so it must not block. */

#define HTTP_PLAIN_MAX_ARGS LM_HREQ_MAX_ARGS

typedef lm_hreq_kv http_kv; /* {key, value} (common/http_request.h) */

typedef struct http_plain http_plain;
typedef void (*http_plain_handler)(void *ctx, http_plain *q);

typedef struct http_plain_opts {
    const char *bind_addr;     /* IPv4 address; default "127.0.0.1" */
    int port;                  /* 0 = any free port */
    size_t max_body_bytes;     /* larger bodies get 413 "body: larger than N bytes"; 256 KiB */
    unsigned max_conns;        /* connection limit; default 1024 */
    unsigned max_conns_per_ip; /* per client address; 0 = no limit; default 256 */
    unsigned header_timeout_s; /* as in http_server_opts; default 10 */
    unsigned body_timeout_s;   /* as in http_server_opts; default 30 */
    const char *port_field;    /* field named in the error when the port cannot be bound */
    /* called on the listener's thread with true before and false after each round of ready
     * sockets (the handler calls of one epoll_wait); NULL = none */
    void (*round)(void *ctx, bool begin);
    const char *what; /* "OsmAnd": named in that error */
} http_plain_opts;

void http_plain_opts_init(http_plain_opts *o);
typedef struct http_plain_listener http_plain_listener;
LM_MUST_USE lm_status http_plain_listen(const http_plain_opts *o, http_plain_handler handler,
                                        void *ctx, http_plain_listener **out, lm_errinfo *err);
/* Query arguments in order (at most HTTP_PLAIN_MAX_ARGS). */
const http_kv *http_plain_args(const http_plain *q, size_t *n);
const char *http_plain_header(const http_plain *q, const char *name);
const char *http_plain_body(const http_plain *q, size_t *len);
/* A Retry-After header (seconds, > 0) on the answer still to come (a 429 or 503). */
void http_plain_retry_after(http_plain *q, int64_t seconds);
/* The ctx the listener's handler is called with (http_plain_listen). */
void *http_plain_handler_ctx(const http_plain *q);
/* The client's address as text ("127.0.0.1"); false if unknown. */
bool http_plain_client_addr(const http_plain *q, char *out, size_t size);
/* Answers q: status and text (copied; "" for an empty body). Exactly once per request. */
void http_plain_answer(http_plain *q, int status, const char *text);
/* Holds (on) the answers the calling thread gives from outside a handler until released (off):
 * then they reach their listener's loop together, with one lock and one wake-up instead of one
 * each (the ingest's syncer answering a committed batch). Nothing is answered while held. */
void http_plain_answers_hold(bool on);
/* Stops accepting connections (those open go on). NULL-safe. */
void http_plain_quiesce(http_plain_listener *ls);
/* Stops and frees; call once every request has been answered. NULL-safe. */
void http_plain_close(http_plain_listener *ls);
uint16_t http_plain_port(const http_plain_listener *ls);
/* What the listener answered since it started: by_class[k] counts statuses k00..k99 (index 0:
 * anything else), latency_us_sum the time from the request head to the queued answer. */
typedef struct http_plain_stats {
    uint64_t by_class[6];
    uint64_t latency_us_sum;
} http_plain_stats;
void http_plain_stats_get(const http_plain_listener *ls, http_plain_stats *out);

#endif
