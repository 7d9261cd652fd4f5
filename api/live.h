/* api/live.h (api-internal): the server's live services for issue 5 — position ingest with group
 * commit (api/ingest.c), the OsmAnd listener on its own port (api/ingest.c), the event fan-out to
 * SSE streams (api/sse.c) and webhook delivery (api/webhooks.c). api/server.c starts them with
 * the daemon and stops them after it has drained.
 *
 * Ownership: api__live_start copies what it needs from the options; the store and the dispatch
 * handle are borrowed and must outlive api__live_stop. */
#ifndef LASTMILE_API_LIVE_H
#define LASTMILE_API_LIVE_H

#include "api/api.h"
#include "api/formats/osmand.h"

struct dispatch;
typedef struct api__live api__live;
typedef struct api__ingest api__ingest;

/* Starts the ingest writer, the OsmAnd listener (opts->osmand_port >= 0), the webhook sender and
 * the event hook. On failure nothing is left running and err says why. */
LM_MUST_USE lm_status api__live_start(store *s, const api_server_opts *opts, api__live **out,
                                      lm_errinfo *err);
/* Stops the OsmAnd listener, commits what is queued (answering every waiting request), stops the
 * webhook sender and wakes every SSE stream so that it ends. NULL-safe. */
void api__live_stop(api__live *lv);
/* Stops (if not yet) and frees; call after the main daemon has stopped, since event streams
 * still being torn down use the SSE hub. NULL-safe. */
void api__live_free(api__live *lv);
uint16_t api__live_osmand_port(const api__live *lv);
api__ingest *api__live_ingest(api__live *lv);
struct dispatch *api__live_dispatch(api__live *lv);
const char *api__live_data_dir(const api__live *lv);

/* ---- Ingest (api/ingest.c) ---- */

/* Called once per submission from the writer thread after its batch committed (st LM_OK) or
 * failed; err says why (unknown device: LM_INVALID, field "id"). Must be quick. */
typedef void (*api__ingest_done)(void *ctx, lm_status st, const lm_errinfo *err);

/* Queues pos[0..n) (copied). driver_id non-NULL: positions of that driver (driver API; the
 * device id is then informative); NULL: each device id must belong to a driver. done is always
 * called exactly once unless this returns an error (queue full: LM_UNAVAILABLE). */
LM_MUST_USE lm_status api__ingest_submit(api__ingest *g, const fmt_osmand_pos *pos, size_t n,
                                         const char *driver_id, api__ingest_done done, void *ctx);
/* Submits and waits for the commit; the outcome in the return and err. */
LM_MUST_USE lm_status api__ingest_submit_wait(api__ingest *g, const fmt_osmand_pos *pos, size_t n,
                                              const char *driver_id, lm_errinfo *err);

/* ---- SSE (api/sse.c) and webhooks (api/webhooks.c) ---- */

typedef struct api__sse api__sse;
LM_MUST_USE lm_status api__sse_create(api__sse **out);
/* Wakes every stream: events up to last_seq are committed. */
void api__sse_notify(api__sse *h, int64_t last_seq);
/* Wakes every stream for good: they end. */
void api__sse_shutdown(api__sse *h);
void api__sse_destroy(api__sse *h);
api__sse *api__live_sse(api__live *lv);
/* The tracking polls' per-address limiter (api/routes_driver.c). */
struct api__ratelimit *api__live_ratelimit(api__live *lv);

/* One event as the JSON object SSE streams and webhooks send: {seq, time_ms, type, entity,
 * entity_id, payload}. Caller lm_frees; NULL when out of memory. */
LM_MUST_USE char *api__event_json(const store_event *ev);

typedef struct api__webhooks api__webhooks;
LM_MUST_USE lm_status api__webhooks_start(store *s, api__webhooks **out, lm_errinfo *err);
void api__webhooks_notify(api__webhooks *w, int64_t last_seq);
void api__webhooks_stop(api__webhooks *w);

#endif
