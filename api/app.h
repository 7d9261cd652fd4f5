/* api/app.h (api-internal): what lastmile's handlers share on top of the HTTP framework
 * (api/http/http.h): the role bits, the route table of api/routes.c, and the app context every
 * request carries (r->app): the store, dispatch, and the live services started with the server
 * (position ingest, the OsmAnd listener, the events hub that wakes SSE streams, the webhook
 * sender, the tracking rate limit).
 *
 * HOW TO ADD A ROUTE
 *   1. Write a handler `lm_status my_handler(http_req *r)` in the resource's file under api/
 *      (api/orders.c, api/plans.c ...; a new resource gets a new file) and declare it in
 *      api/handlers.h. How to read input and reply: the top of api/http/http.h; the JSON field
 *      readers that name the field they reject: api/input.h.
 *   2. Add one row to api__routes[] in api/routes.c: method, path pattern with {params}, the roles
 *      allowed (admin is always allowed on keyed routes; HTTP_PUBLIC = no key), the handler, flags,
 *      and the OpenAPI text kept next to it: a summary, and the request/response JSON Schemas
 *      (api/schemas.h). tests/api checks every row is documented and that the schemas parse.
 *   - Changing state: api__tx_begin(r, &tx) ... store_event_append(tx, ...) ...
 *     api__tx_end(r, tx, rc), and reply only after the commit returned LM_OK.
 *   - Replies after a group commit: set the reply, http_defer(r), hand r to the committer, whose
 *     completion calls http_defer_done (api__submit_deferred in api/osmand.c).
 *
 * Ownership: api__app_start copies what it needs from the options; the store and the dispatch
 * handle are borrowed and must outlive api__app_stop. */
#ifndef LASTMILE_API_APP_H
#define LASTMILE_API_APP_H

#include "analytics/analytics.h"
#include "api/api.h"
#include "api/formats/osmand.h"
#include "api/http/http.h"
#include "dispatch/guard.h"
#include "dispatch/ingest.h"
#include "events/events.h"
#include "orders/orders.h"
#include "store/store.h"
#include "store/store_settings.h"

/* ---- Roles: bits of the framework's role mask ---- */

enum {
    API_ROLE_ADMIN = 1u << 0,
    API_ROLE_DISPATCHER = 1u << 1,
    API_ROLE_WAREHOUSE = 1u << 2,
    API_ROLE_DRIVER = 1u << 3,
    API_ANY_KEY = API_ROLE_ADMIN | API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE | API_ROLE_DRIVER,
};

/* ---- The route table (api/routes.c) ---- */

extern const http_route api__routes[];
extern const size_t api__route_count;
extern const http_route_errors api__route_errors[];
extern const size_t api__route_errors_count;

/* ---- The app context (api/app.c) ---- */

typedef struct api_housekeeping api_housekeeping; /* api/housekeeping.c */

/* ---- Tracking snapshot (api/track_cache.c) ----
 * The rendered reply of GET /v1/track/{token} per token, valid while no event and (for a reply
 * that shows positions or ETAs) no position batch has committed since it was built. */
typedef struct api_track_cache api_track_cache;
typedef struct api_track_mark {
    int64_t event_seq; /* the last event committed */
    int64_t pos_gen;   /* position batches committed */
} api_track_mark;
LM_MUST_USE lm_status api__track_cache_create(api_track_cache **out);
void api__track_cache_destroy(api_track_cache *c); /* NULL-safe */
/* After a commit that appended events up to last_seq (the store's event hook). */
void api__track_cache_events(api_track_cache *c, int64_t last_seq);
/* After a position batch committed. */
void api__track_cache_positions(api_track_cache *c);
/* The marks now: read before the store read that builds a reply. */
api_track_mark api__track_cache_mark(api_track_cache *c);
/* The replies for token if ones built at marks still current are kept: the 200 (body, ETag,
 * Cache-Control) and the 304 (ETag, Cache-Control), a reference to each for the caller to drop,
 * and the ETag; false otherwise. */
bool api__track_cache_get(api_track_cache *c, const char *token, api_track_mark now,
                          http_shared_reply **ok, http_shared_reply **not_modified, char etag[24]);
/* Keeps body as token's reply built at built_at (both replies made from it); live: it depends
 * on positions. */
void api__track_cache_put(api_track_cache *c, const char *token, api_track_mark built_at, bool live,
                          const char *body, size_t len, const char etag[24]);
/* The strong ETag of a body ("\"<16 hex>\"", NUL-terminated). */
void api__track_etag(const char *body, size_t len, char out[24]);

typedef struct api_app {
    store *st;                 /* borrowed */
    struct dispatch *dispatch; /* borrowed; NULL = routes that need it answer 503 */
    struct feedback *feedback; /* borrowed; NULL = the feedback routes answer 503 */
    struct geo_router *router; /* borrowed; NULL = geodesic */
    char *tiles_url;           /* the basemap's tile template ("" = none) */
    char *tiles_attribution;
    char *data_dir;              /* delivery proofs go under <data_dir>/proofs */
    dispatch_ingest *ingest;     /* positions' group commit */
    http_plain_listener *osmand; /* the OsmAnd port; NULL when off */
    events_hub *hub;             /* wakes SSE streams on commits */
    events_webhooks *hooks;      /* webhook sender */
    http_ratelimit *track_rl;    /* tracking polls per client address */
    dispatch_guard *osm_guard;   /* unknown OsmAnd device ids per client address (both ports) */
    dispatch_guard_opts osm_guard_opts; /* its limits (shared by the nodes on PostgreSQL) */
    double track_rate, track_burst;     /* track_rl's: refill per s, bucket (ditto) */
    api_housekeeping *housekeeping;     /* payment timeouts; NULL when off */
    orders_svc *orders;                 /* one for every request: its intake group-commits them */
    api_track_cache *track_cache;       /* tracking replies kept current by events and positions */
    struct store_cluster *cluster;      /* told of this node's commits; NULL when alone */
    bool stopped;
} api_app;

/* Wakes the event streams and the webhook sender: events up to last_seq are committed. */
void api__app_events(api_app *lv, int64_t last_seq);

/* The app context of the server handling r, and its store. */
static inline api_app *api_app_of(const http_req *r) {
    return r->app;
}
static inline store *api_store(const http_req *r) {
    return api_app_of(r)->st;
}

/* A read snapshot / a transaction on r's store for a handler (api/tx.c). LM_OK with *out set;
 * otherwise the error reply ("the store is not available") is set and its code returned, which
 * the handler returns. */
LM_MUST_USE lm_status api__read_begin(http_req *r, store_read **out);
LM_MUST_USE lm_status api__tx_begin(http_req *r, store_tx **out);
/* Ends a transaction from api__tx_begin: commits when rc is LM_OK (returning the commit's status,
 * with the error reply set when it failed), else rolls back and returns rc. */
LM_MUST_USE lm_status api__tx_end(http_req *r, store_tx *tx, lm_status rc);

/* Starts the ingest, the OsmAnd listener (opts->osmand_port >= 0), the events hub, the webhook
 * sender and the commit hook. On failure nothing is left running and err says why. */
LM_MUST_USE lm_status api__app_start(store *s, const api_server_opts *opts, api_app **out,
                                     lm_errinfo *err);
/* Stops the OsmAnd listener, commits what is queued (answering every waiting request), stops the
 * webhook sender and wakes every SSE stream so that it ends. NULL-safe. */
void api__app_stop(api_app *app);
/* Stops (if not yet) and frees; call after the HTTP server has stopped, since event streams
 * still being torn down use the hub. NULL-safe. */
void api__app_free(api_app *app);

/* r's dispatch, or NULL after setting a 503 error ("<what> is not configured on this server"). */
struct dispatch *api__need_dispatch(http_req *r, const char *what);
/* r's feedback handle, or NULL after setting a 503 error. */
struct feedback *api__need_feedback(http_req *r);
/* Runs fn with an orders service of its own (a thin handle over the store: nothing is shared
 * between worker threads but the store) and returns what fn returned. */
lm_status api__with_orders(http_req *r, lm_status (*fn)(http_req *r, orders_svc *o));

/* ---- Housekeeping (api/housekeeping.c) ---- */

/* Starts the thread that cancels orders held unpaid past the payment timeout, every every_ms
 * (<= 0: off, *out NULL). */
LM_MUST_USE lm_status api__housekeeping_start(store *s, int64_t every_ms, api_housekeeping **out);
/* Stops and joins it; NULL-safe. */
void api__housekeeping_stop(api_housekeeping *h);

/* ---- Replenishment refit (api/replenish.c) ---- */

/* Makes ceil(advised reorder point) the stock row's reorder point for every row of rows (advice
 * for depot, analytics_replenish_depot) with demand history, and records it in the row. */
LM_MUST_USE lm_status api__replenish_refit(orders_svc *o, const char *depot,
                                           analytics_sku_advice *rows, size_t n, lm_errinfo *err);

/* ---- Auth (api/auth.c) ---- */

/* The role bit for a stored role name ("admin" ...), 0 if unknown. */
unsigned api__role_from_name(const char *name);
/* The framework's auth hook (http_auth_fn): the key against the store's salted hashes; ctx is
 * the api_app. */
lm_status api__auth_key(void *ctx, const char *key, http_identity *who, lm_errinfo *err);

/* ---- OsmAnd positions to the ingest (api/osmand.c) ---- */

/* dispatch_ingest_submit for records the OsmAnd parser produced. */
LM_MUST_USE lm_status api__ingest_submit(dispatch_ingest *g, const fmt_osmand_pos *pos, size_t n,
                                         const char *driver_id, dispatch_ingest_done done,
                                         void *ctx);
/* Submits pos for driver_id (NULL: by device id) and defers r's reply (already set) until the
 * commit; always returns LM_OK: from here the ingest owns the outcome. */
lm_status api__submit_deferred(http_req *r, dispatch_ingest *g, const fmt_osmand_pos *pos, size_t n,
                               const char *driver_id);
/* Listens for OsmAnd (any path, GET or POST) on so->bind_addr:so->osmand_port (0 = any free port)
 * with the OsmAnd connection limits of so, through the framework's plain listener, handing
 * positions to app's ingest (refusing addresses app's osm_guard blocks) and answering each
 * request after its commit. */
LM_MUST_USE lm_status api__osmand_listen(api_app *app, const api_server_opts *so,
                                         http_plain_listener **out, lm_errinfo *err);

/* ---- Versions of changeable resources (api/versions.c; docs/settings.md) ---- */

/* "key:<key id>": who made a change (never the secret). */
void api__actor(const http_req *r, char *out, size_t size);
/* Adds the header ETag: "<version>". */
LM_MUST_USE lm_status api__etag(http_req *r, int64_t version);
/* The version a change was made against: If-Match: "<n>" wins over the body's version; neither
 * is a 428 naming "version". */
LM_MUST_USE lm_status api__precondition(http_req *r, bool has_body_version, int64_t body_version,
                                        int64_t *out);
/* The same, taking "version" out of r->json first (so the resource's codec never sees it). */
LM_MUST_USE lm_status api__precondition_take(http_req *r, int64_t *out);
/* Records doc as the next version of (entity "vehicle" | "driver" | "depot", id) inside tx with
 * r's key as actor and an <entity>.versioned event; expected >= 0 must be the current version
 * (412 naming "version" otherwise), -1 skips the check (POST create-or-replace). */
LM_MUST_USE lm_status api__record_version(http_req *r, store_tx *tx, const char *entity,
                                          const char *id, const cJSON *doc, int64_t expected,
                                          int64_t *version);
/* The current version of (entity, id) (0 when never saved through the API). */
LM_MUST_USE lm_status api__record_version_get(http_req *r, const char *entity, const char *id,
                                              int64_t *version);
/* Replies doc with "version" and the ETag. */
LM_MUST_USE lm_status api__reply_versioned(http_req *r, int status, cJSON *doc, int64_t version);
/* GET .../{id}/history: the versions of (entity, id) newest first (?limit=1..100). */
lm_status api__record_history(http_req *r, const char *entity, const char *id);

/* How one kind of fleet record is decoded, saved, read back and shown. */
typedef struct api_record_kind {
    const char *entity; /* "vehicle", "driver", "depot" */
    size_t size;        /* bytes of the record */
    lm_status (*decode)(const cJSON *j, void *rec, lm_errinfo *err);
    /* saves rec inside tx; may write a generated device id into extra[64] */
    lm_status (*save)(store_tx *tx, void *rec, char *extra, lm_errinfo *err);
    lm_status (*get)(store_read *r, const char *id, void *rec, lm_errinfo *err);
    cJSON *(*json)(const void *rec);
    const char *(*id_of)(const void *rec);
} api_record_kind;
/* POST (create or replace: 201) or PUT .../{id} (versioned: the precondition, the path's id;
 * 200): decodes, saves, records the version, commits, answers the record as stored with its
 * version. */
lm_status api__record_save(http_req *r, const api_record_kind *k, bool versioned);
/* GET .../{id}: the record with its version (ETag); 404 naming "id". */
lm_status api__record_get(http_req *r, const api_record_kind *k);

/* ---- Required skills (api/requirements.c) ---- */

#define API_REQUIRES_MAX 8
/* The server's commits fold their events into the analytics rollups at most this often
 * (store_set_fold_lag); reports fold the rest before reading (api__rollups_fresh). */
#define API_FOLD_LAG_MS 100
typedef struct api_requires {
    bool present; /* the body had the member */
    store_skill skills[API_REQUIRES_MAX];
    size_t n;
} api_requires;

/* arr as a list of skill names (ids' characters, at most API_REQUIRES_MAX, duplicates dropped),
 * errors naming path[i]. */
LM_MUST_USE lm_status api__requires_read(http_req *r, const cJSON *arr, const char *path,
                                         api_requires *out);
/* Takes member key out of r->json (so the resource's codec never sees it) and reads it. */
LM_MUST_USE lm_status api__requires_take(http_req *r, const char *key, api_requires *out);
/* Replaces what (kind, ref) requires inside tx, with a requirements.changed event. */
LM_MUST_USE lm_status api__requires_save(store_tx *tx, const char *kind, const char *ref,
                                         const api_requires *req, lm_errinfo *err);
cJSON *api__requires_json(const api_requires *req);

/* ---- Metrics (api/metrics.c) ---- */

/* A metrics writer appends Prometheus text (with its # HELP / # TYPE lines) to out. Add yours to
 * the writers[] table in api/metrics.c. */
typedef lm_status (*api_metrics_writer)(http_req *r, lm_buf *out);

#endif
