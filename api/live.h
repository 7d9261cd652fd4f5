/* api/live.h (api-internal): the app wiring of the server's live services: dispatch's position
 * ingest (dispatch/ingest.h), the OsmAnd listener on its own port (api/osmand.c), the events hub
 * that wakes SSE streams and the webhook sender (events/events.h), all fed by the store's commit
 * hook. api/server.c starts them with the daemon and stops them after it has drained.
 *
 * Ownership: api__live_start copies what it needs from the options; the store and the dispatch
 * handle are borrowed and must outlive api__live_stop. */
#ifndef LASTMILE_API_LIVE_H
#define LASTMILE_API_LIVE_H

#include "api/api.h"
#include "api/http/http.h"
#include "api/formats/osmand.h"
#include "dispatch/ingest.h"
#include "events/events.h"

typedef struct api__live api__live;
typedef dispatch_ingest api__ingest;

/* Starts the ingest, the OsmAnd listener (opts->osmand_port >= 0), the events hub, the webhook
 * sender and the commit hook. On failure nothing is left running and err says why. */
LM_MUST_USE lm_status api__live_start(store *s, const api_server_opts *opts, api__live **out,
                                      lm_errinfo *err);
/* Stops the OsmAnd listener, commits what is queued (answering every waiting request), stops the
 * webhook sender and wakes every SSE stream so that it ends. NULL-safe. */
void api__live_stop(api__live *lv);
/* Stops (if not yet) and frees; call after the main daemon has stopped, since event streams
 * still being torn down use the hub. NULL-safe. */
void api__live_free(api__live *lv);
uint16_t api__live_osmand_port(const api__live *lv);
api__ingest *api__live_ingest(api__live *lv);
struct dispatch *api__live_dispatch(api__live *lv);
const char *api__live_data_dir(const api__live *lv);
events_hub *api__live_hub(api__live *lv);
store *api__live_store(const api__live *lv);
/* The webhook sender (its policy checks new webhooks: api/webhooks.c). */
events_webhooks *api__live_hooks(api__live *lv);
/* The tracking polls' per-address limiter (api/routes_driver.c). */
http_ratelimit *api__live_ratelimit(api__live *lv);

/* ---- OsmAnd records to the ingest, and the OsmAnd listener (api/osmand.c) ---- */

/* dispatch_ingest_submit for records the OsmAnd parser produced. */
LM_MUST_USE lm_status api__ingest_submit(api__ingest *g, const fmt_osmand_pos *pos, size_t n,
                                         const char *driver_id, dispatch_ingest_done done,
                                         void *ctx);

/* Listens for OsmAnd (any path, GET or POST) on bind_addr:port (0 = any free port) through the
 * framework's plain listener, handing positions to g and answering each request after its
 * commit. */
LM_MUST_USE lm_status api__osmand_listen(dispatch_ingest *g, const char *bind_addr, int port,
                                         http_plain_listener **out, lm_errinfo *err);

#endif
