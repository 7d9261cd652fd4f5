/* api/app.h (api-internal): what lastmile's handlers share on top of the HTTP framework
 * (api/http/http.h): the role bits, the route table of api/routes.c, the app context a request
 * carries (the store and the live services of api/live.h) and the built-in handlers.
 *
 * HOW TO ADD A ROUTE
 *   1. Write a handler `lm_status my_handler(http_req *r)` in the resource's file under api/
 *      (declared in a header of its area, included at the top of api/routes.c). How to read
 *      input and reply: the top of api/http/http.h.
 *   2. Add one row to api__routes[] in api/routes.c: method, path pattern with {params}, the roles
 *      allowed (admin is always allowed on keyed routes; HTTP_PUBLIC = no key), the handler, flags,
 *      and the OpenAPI text kept next to it: a summary, and the request/response JSON Schemas as
 *      JSON text (NULL when there is no body). tests/api checks every row is documented and that
 *      the schema texts parse.
 *   - Changing state: store_tx_begin(api_store(r), &tx) ... store_event_append(tx, ...) ...
 *     store_tx_commit(tx), and reply only after the commit returned LM_OK.
 *   - Replies after a group commit: set the reply, http_defer(r), hand r to the committer, whose
 *     completion calls http_defer_done (api/osmand.c, api/routes_driver.c). */
#ifndef LASTMILE_API_APP_H
#define LASTMILE_API_APP_H

#include "api/api.h"
#include "api/http/http.h"
#include "store/store.h"

/* ---- Roles: bits of the framework's role mask ---- */

enum {
    API_ROLE_ADMIN = 1u << 0,
    API_ROLE_DISPATCHER = 1u << 1,
    API_ROLE_WAREHOUSE = 1u << 2,
    API_ROLE_DRIVER = 1u << 3,
    API_ANY_KEY = API_ROLE_ADMIN | API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE | API_ROLE_DRIVER,
};

/* The role bit for a stored role name ("admin" ...), 0 if unknown. */
unsigned api__role_from_name(const char *name);

/* ---- The route table (api/routes.c) ---- */

extern const http_route api__routes[];
extern const size_t api__route_count;

/* ---- The app context of a request ---- */

/* The store, and the live services (api/live.h), of the server handling r. */
store *api_store(const http_req *r);
struct api__live *api_live(const http_req *r);

/* ---- Built-in handlers (api/routes.c, routes_core.c, metrics.c) ---- */

lm_status api__healthz(http_req *r);
lm_status api__metrics(http_req *r);
lm_status api__openapi(http_req *r);
lm_status api__whoami(http_req *r);
lm_status api__keys_create(http_req *r);
lm_status api__events_list(http_req *r);

/* ---- Metrics (api/metrics.c) ---- */

/* A metrics writer appends Prometheus text (with its # HELP / # TYPE lines) to out. Add yours to
 * the writers[] table in api/metrics.c (e.g. an orders-by-status gauge reading the store). */
typedef lm_status (*api_metrics_writer)(http_req *r, lm_buf *out);

#endif
