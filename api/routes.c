/* api/routes.c: THE route table: every HTTP endpoint of lastmile is one row here, with the roles
 * allowed to call it and its OpenAPI documentation beside it. The server matches rows in order.
 *
 * HOW TO ADD A ROUTE: see the top of api/route.h. In short, add a row
 *   {"POST", "/v1/orders/{id}/cancel", API_ROLE_DISPATCHER, orders_cancel, 0,
 *    "Cancel an order", NULL, ORDER_SCHEMA, 200, NULL},
 * declare the handler in your own header (e.g. api/routes_orders.h, included below), keep the
 * summary and JSON Schemas (as JSON text) accurate: /openapi.json is generated from them and a test
 * checks every row is documented. Keep rows of one area together. */
#include "api/route.h"

#include <string.h>

/* Handlers of other areas: #include "api/routes_orders.h" etc. here. */

/* ---- Built-in handlers ---- */

lm_status api__healthz(api_req *r) {
    /* healthy = the store answers a read */
    store_read *rd = NULL;
    int64_t keys = 0;
    lm_status rc = store_read_begin(r->store, &rd);
    if (rc == LM_OK) rc = store_keys_count(rd, &keys);
    store_read_end(rd);
    if (rc != LM_OK) return api__error(r, LM_UNAVAILABLE, "store", "the store does not answer");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddStringToObject(o, "version", LASTMILE_VERSION);
    return api__reply_json(r, 200, o);
}

#define HEALTH_SCHEMA                                                                              \
    "{\"type\":\"object\",\"required\":[\"status\",\"version\"],\"properties\":{\"status\":{"      \
    "\"const\":\"ok\"},\"version\":{\"type\":\"string\"}}}"
#define TEXT_SCHEMA    "{\"type\":\"string\"}"
#define OPENAPI_SCHEMA "{\"type\":\"object\",\"description\":\"an OpenAPI 3.1 document\"}"

#define ROLE_ENUM "{\"enum\":[\"admin\",\"dispatcher\",\"warehouse\",\"driver\"]}"
#define WHOAMI_SCHEMA                                                                              \
    "{\"type\":\"object\",\"properties\":{\"key_id\":{\"type\":\"string\"},\"role\":" ROLE_ENUM    \
    ",\"driver_id\":{\"type\":[\"string\",\"null\"]}}}"
#define KEY_CREATE_SCHEMA                                                                          \
    "{\"type\":\"object\",\"required\":[\"role\"],\"properties\":{\"role\":" ROLE_ENUM             \
    ",\"driver_id\":{\"type\":\"string\",\"description\":\"required for, and only for, role "      \
    "driver\"}}}"
#define KEY_SCHEMA                                                                                 \
    "{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\",\"description\":\"shown "   \
    "once; only a salted hash is stored\"},\"key_id\":{\"type\":\"string\"},\"role\":" ROLE_ENUM   \
    ",\"driver_id\":{\"type\":[\"string\",\"null\"]}}}"
#define EVENTS_SCHEMA                                                                              \
    "{\"type\":\"object\",\"properties\":{\"events\":{\"type\":\"array\",\"items\":{\"type\":"     \
    "\"object\",\"properties\":{\"seq\":{\"type\":\"integer\"},\"time_ms\":{\"type\":\"integer\"}" \
    ","                                                                                            \
    "\"type\":{\"type\":\"string\"},\"entity\":{\"type\":\"string\"},\"entity_id\":{\"type\":["    \
    "\"string\",\"null\"]},\"payload\":{\"type\":\"object\"}}}},\"next_after\":{\"type\":"         \
    "\"integer\"}}}"

/* ---- The table ---- */

const api_route api__routes[] = {
    /* method, pattern, roles, handler, flags,
     * summary, request schema, response schema, success status, success content type */
    {"GET", "/healthz", API_PUBLIC, api__healthz, 0, "Liveness: the server and its store answer",
     NULL, HEALTH_SCHEMA, 200, NULL},
    {"GET", "/metrics", API_PUBLIC, api__metrics, 0,
     "Prometheus metrics: requests by route and status, latencies, store commits", NULL,
     TEXT_SCHEMA, 200, "text/plain"},
    {"GET", "/openapi.json", API_PUBLIC, api__openapi, 0,
     "This API described as OpenAPI 3.1, generated from the route table", NULL, OPENAPI_SCHEMA, 200,
     NULL},

    /* ---- keys and identity ---- */
    {"GET", "/v1/whoami", API_ANY_KEY, api__whoami, 0, "The role and driver bound to the key used",
     NULL, WHOAMI_SCHEMA, 200, NULL},
    {"POST", "/v1/keys", API_ROLE_ADMIN, api__keys_create, 0,
     "Create an API key (the key is shown only in this reply)", KEY_CREATE_SCHEMA, KEY_SCHEMA, 201,
     NULL},

    /* ---- event log ---- */
    {"GET", "/v1/events", API_ROLE_DISPATCHER, api__events_list, 0,
     "Events after a sequence number, oldest first (?after=SEQ&limit=1..1000)", NULL, EVENTS_SCHEMA,
     200, NULL},
};
const size_t api__route_count = sizeof api__routes / sizeof api__routes[0];
