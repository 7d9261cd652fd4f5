/* api/route.h: the contract between the HTTP server (api/server.c) and route handlers: the route
 * table row, the request context a handler receives, and the helpers to read input and reply.
 * Only api/ .c files include this.
 *
 * HOW TO ADD A ROUTE
 *   1. Write a handler `lm_status my_handler(api_req *r)` (in your api/routes_<area>.c, declared in
 *      a header of yours, e.g. api/routes_orders.h, included at the top of api/routes.c).
 *   2. Add one row to api__routes[] in api/routes.c: method, path pattern with {params}, the roles
 *      allowed (admin is always allowed on keyed routes; API_PUBLIC = no key), the handler, flags,
 *      and the OpenAPI text kept next to it: a summary, and the request/response JSON Schemas as
 *      JSON text (NULL when there is no body). tests/api checks every row is documented and that
 *      the schema texts parse.
 *
 * HOW TO WRITE A HANDLER
 *   - Input: api__param(r, "id") for {id} in the path, api__query(r, "status") for ?status=,
 *     api__header(r, "Idempotency-Key"), r->json for the parsed body (NULL when the request had no
 *     body), r->body/r->body_len for the raw bytes. All strings live until the request ends.
 *   - Memory: take request-scoped memory from r->arena (lm_arena_alloc); it is freed in one place
 *     when the request completes, so handlers have no cleanup for it.
 *   - Who is calling: r->role (one API_ROLE_* bit; 0 on public routes), r->key_id (public id, safe
 *     to log), r->driver_id ("" unless role is API_ROLE_DRIVER).
 *   - Reply: api__reply_json(r, 201, obj) (takes obj) or api__reply_text(...), then return LM_OK.
 *     To fail, return api__error(r, LM_INVALID, "customer.phone", "phone must be ...") or return an
 *     lm_status with r->err already filled (e.g. passed as the lm_errinfo of a module call); the
 *     server writes {"error": {"code", "field", "message"}} with status lm_status_http(code).
 *     Returning LM_OK without a reply sends 204.
 *   - Changing state: store_tx_begin(r->store, &tx) ... store_event_append(tx, ...) ...
 *     store_tx_commit(tx), and reply only after the commit returned LM_OK.
 *   - Handlers run on the server's worker threads, several at once: no unguarded shared state, and
 *     nothing long (a solve) in a handler - hand it to a worker and reply 202.
 *
 * REPLIES AFTER A GROUP COMMIT (positions, issue 5) fit this shape without changing handlers'
 * contract: the daemon already runs with MHD_ALLOW_SUSPEND_RESUME in epoll mode, and the reply is
 * only queued from the access handler's final call (queue_reply in api/server.c). The planned
 * addition is api__suspend(r) (handler hands r to the committer thread, returns LM_OK, the server
 * calls MHD_suspend_connection instead of queuing) and api__resume(r, status) (the committer sets
 * the reply after its COMMIT and calls MHD_resume_connection; libmicrohttpd calls the access
 * handler again, which queues it). r and its arena stay valid until the completion callback. */
#ifndef LASTMILE_API_ROUTE_H
#define LASTMILE_API_ROUTE_H

#include "api/api.h"
#include "store/store.h"

#include <cjson/cJSON.h>
#include <sys/types.h>

/* ---- Roles ---- */

enum {
    API_PUBLIC = 0, /* no key needed */
    API_ROLE_ADMIN = 1u << 0,
    API_ROLE_DISPATCHER = 1u << 1,
    API_ROLE_WAREHOUSE = 1u << 2,
    API_ROLE_DRIVER = 1u << 3,
    API_ANY_KEY = API_ROLE_ADMIN | API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE | API_ROLE_DRIVER,
};

/* The role bit for a stored role name ("admin" ...), 0 if unknown. */
unsigned api__role_from_name(const char *name);

/* ---- The route table ---- */

typedef struct api_req api_req;
typedef lm_status (*api_handler)(api_req *r);

enum {
    API_RAW_BODY = 1u << 0, /* do not parse the body as JSON (CSV import, OsmAnd form bodies) */
};

typedef struct api_route {
    const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern; /* "/v1/orders/{id}/cancel": literal segments and {name} segments */
    unsigned roles;      /* API_PUBLIC, or API_ROLE_* bits allowed (admin always is) */
    api_handler handler;
    unsigned flags; /* API_RAW_BODY ... */
    /* OpenAPI documentation, kept beside the row so they change together */
    const char *summary;         /* one line */
    const char *request_schema;  /* JSON Schema as JSON text, NULL when no body is taken */
    const char *response_schema; /* JSON Schema of the success body, NULL for none */
    int success_status;          /* 200, 201, 202 or 204 */
    const char *success_type;    /* content type of the success body; NULL = application/json */
} api_route;

extern const api_route api__routes[];
extern const size_t api__route_count;

/* ---- The request context ---- */

#define API_MAX_PARAMS 8

typedef struct api_param {
    const char *name, *value;
} api_param;

struct api_req {
    lm_arena *arena; /* request-scoped memory, freed when the request completes */
    store *store;
    const api_route *route;
    const char *method, *path; /* path without the query string, percent-decoded */
    api_param params[API_MAX_PARAMS];
    size_t n_params;
    const char *body; /* raw body, NUL-terminated; NULL when the request had none */
    size_t body_len;
    cJSON *json;   /* body parsed at the edge; NULL without a body or with API_RAW_BODY */
    unsigned role; /* one API_ROLE_* bit; 0 on public routes */
    char key_id[STORE_KEY_ID_LEN + 1];
    char driver_id[STORE_DRIVER_MAX];
    lm_errinfo err; /* filled by api__error or by module calls; read when a handler fails */

    /* the reply, set through api__reply_*; private to the server */
    int status;
    const char *resp_body;
    size_t resp_len;
    const char *resp_type;
    const char *resp_headers[4][2];
    size_t n_resp_headers;
    bool replied;
    /* a streamed reply (SSE), set through api__reply_stream */
    ssize_t (*stream_reader)(void *cls, uint64_t pos, char *buf, size_t max);
    void (*stream_free)(void *cls);
    void *stream_cls;
    struct api__conn *conn; /* server-private per-request state */
};

/* Path parameter {name}, or NULL. */
const char *api__param(const api_req *r, const char *name);
/* Query parameter (?name=value, decoded), or NULL. */
const char *api__query(const api_req *r, const char *name);
/* Request header (case-insensitive name), or NULL. */
const char *api__header(const api_req *r, const char *name);

/* Sets a JSON reply and takes ownership of body (deletes it, also on failure). */
LM_MUST_USE lm_status api__reply_json(api_req *r, int status, cJSON *body);
/* Sets a reply with a copy of len bytes of text and the given content type. */
LM_MUST_USE lm_status api__reply_text(api_req *r, int status, const char *content_type,
                                      const char *text, size_t len);
/* Adds a response header (name and value are copied); at most 4. */
LM_MUST_USE lm_status api__reply_header(api_req *r, const char *name, const char *value);
/* A streamed reply (Server-Sent Events): libmicrohttpd calls reader for more bytes (it returns
 * the count, 0 after suspending the connection when it has nothing yet, or -1 at the end) and
 * free_fn(cls) once at the end, also when the reply is never sent. Takes cls. */
typedef ssize_t (*api_stream_reader)(void *cls, uint64_t pos, char *buf, size_t max);
typedef void (*api_stream_free)(void *cls);
LM_MUST_USE lm_status api__reply_stream(api_req *r, const char *content_type,
                                        api_stream_reader reader, api_stream_free free_fn,
                                        void *cls);
/* Deferred reply (group commit): the handler sets its success reply, calls api__defer(r), hands
 * r to another thread and returns LM_OK; the connection is suspended (no worker thread waits)
 * until that thread calls api__defer_done(r, status, err) exactly once, after which it must not
 * touch r. LM_OK sends the reply set before; any other status an error reply with err. */
void api__defer(api_req *r);
void api__defer_done(api_req *r, lm_status st, const lm_errinfo *err);
/* The live services of the server handling r (api/live.h), and its libmicrohttpd connection. */
struct api__live *api__req_live(const api_req *r);
struct MHD_Connection *api__req_connection(const api_req *r);
/* The client's address as text ("127.0.0.1"); false if unknown. */
bool api__client_addr(const api_req *r, char *out, size_t size);
/* Records an error for the reply and returns code: `return api__error(r, LM_INVALID, ...)`. */
lm_status api__error(api_req *r, lm_status code, const char *field, const char *fmt, ...)
    LM_PRINTF(4, 5);

/* ---- Built-in handlers (api/routes.c, routes_core.c, metrics.c, openapi.c) ---- */

lm_status api__healthz(api_req *r);
lm_status api__metrics(api_req *r);
lm_status api__openapi(api_req *r);
lm_status api__whoami(api_req *r);
lm_status api__keys_create(api_req *r);
lm_status api__events_list(api_req *r);

/* Builds the OpenAPI 3.1 document of the route table; caller deletes it. NULL on failure. */
cJSON *api__openapi_build(void);

/* ---- Metrics (api/metrics.c) ---- */

/* A metrics writer appends Prometheus text (with its # HELP / # TYPE lines) to out. Add yours to
 * the writers[] table in api/metrics.c (e.g. an orders-by-status gauge reading the store). */
typedef lm_status (*api_metrics_writer)(api_req *r, lm_buf *out);

typedef struct api__stats api__stats;
LM_MUST_USE lm_status api__stats_create(api__stats **out);
void api__stats_destroy(api__stats *m);
/* Counts one finished request; route_index == api__route_count means "no route matched". */
void api__stats_observe(api__stats *m, size_t route_index, int status, int64_t duration_us);
/* The metrics of the server handling r (for the /metrics handler). */
api__stats *api__req_stats(const api_req *r);

#endif
