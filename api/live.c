/* api/live.c: the app wiring of the live services (api/live.h): what starts with the server,
 * in which order, and what stops before what. */
#include "api/live.h"

#include "api/app.h"

#include <stdlib.h>

struct api__live {
    store *st;
    struct dispatch *d;
    char *data_dir;
    dispatch_ingest *ingest;
    http_plain_listener *osmand;
    events_hub *hub;
    events_webhooks *hooks;
    http_ratelimit *track_rl;
    bool stopped;
};

static void on_events(void *ctx, int64_t last_seq) {
    api__live *lv = ctx;
    events_hub_notify(lv->hub, last_seq);
    events_webhooks_notify(lv->hooks, last_seq);
}

static lm_status ingest_start(api__live *lv, const api_server_opts *o) {
    dispatch_ingest_opts io;
    dispatch_ingest_opts_init(&io);
    io.retention_s = o->positions_retention_s;
    /* a linger for benchmarks on busy machines; off by default (bench/results/http-ingest.md) */
    const char *lg = getenv("LASTMILE_INGEST_LINGER_US");
    int64_t linger = 0;
    if (lg && lm_parse_i64(lg, 0, 20000, &linger)) io.linger_us = (long)linger;
    return dispatch_ingest_start(lv->st, o->dispatch, &io, &lv->ingest);
}

lm_status api__live_start(store *s, const api_server_opts *o, api__live **out, lm_errinfo *err) {
    api__live *lv = lm_calloc(1, sizeof *lv);
    if (!lv) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lv->st = s;
    lv->d = o->dispatch;
    lm_status rc = LM_NOMEM;
    if (!(lv->data_dir = lm_strdup(o->data_dir && *o->data_dir ? o->data_dir : "var"))) goto fail;
    if ((rc = events_hub_create(&lv->hub)) != LM_OK) goto fail;
    if ((rc = http_ratelimit_create(o->track_rate_per_s, o->track_burst, &lv->track_rl)) != LM_OK) {
        lm_errinfo_set(err, rc, "track_rate", "tracking rate limit must be > 0 with burst >= 1");
        goto fail;
    }
    if ((rc = ingest_start(lv, o)) != LM_OK) goto fail;
    events_webhooks_opts wo;
    events_webhooks_opts_init(&wo);
    if ((rc = events_netguard_allow(&wo.guard, o->webhook_allow, err)) != LM_OK) goto fail;
    if ((rc = events_webhooks_start(s, &wo, &lv->hooks, err)) != LM_OK) goto fail;
    store_set_event_hook(s, on_events, lv);
    if (o->osmand_port >= 0 && (rc = api__osmand_listen(lv->ingest, o->bind_addr, o->osmand_port,
                                                        &lv->osmand, err)) != LM_OK)
        goto fail;
    *out = lv;
    return LM_OK;
fail:
    if (rc == LM_NOMEM)
        lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    else if (!err || !err->message[0])
        lm_errinfo_set(err, rc, "", "live services failed to start");
    api__live_stop(lv);
    api__live_free(lv);
    return rc;
}

void api__live_stop(api__live *lv) {
    if (!lv || lv->stopped) return;
    lv->stopped = true;
    http_plain_quiesce(lv->osmand);
    dispatch_ingest_stop(lv->ingest); /* answers (resumes) everything queued */
    http_plain_close(lv->osmand);
    lv->osmand = NULL;
    store_set_event_hook(lv->st, NULL, NULL);
    events_webhooks_stop(lv->hooks);
    lv->hooks = NULL;
    events_hub_shutdown(lv->hub);
}

void api__live_free(api__live *lv) {
    if (!lv) return;
    api__live_stop(lv);
    dispatch_ingest_free(lv->ingest);
    events_hub_destroy(lv->hub);
    http_ratelimit_destroy(lv->track_rl);
    lm_free(lv->data_dir);
    lm_free(lv);
}

uint16_t api__live_osmand_port(const api__live *lv) {
    return lv ? http_plain_port(lv->osmand) : 0;
}
api__ingest *api__live_ingest(api__live *lv) {
    return lv ? lv->ingest : NULL;
}
store *api__live_store(const api__live *lv) {
    return lv->st;
}
store *api_store(const http_req *r) {
    return api__live_store(r->app);
}
api__live *api_live(const http_req *r) {
    return r->app;
}
struct dispatch *api__live_dispatch(api__live *lv) {
    return lv ? lv->d : NULL;
}
const char *api__live_data_dir(const api__live *lv) {
    return lv ? lv->data_dir : "var";
}
events_webhooks *api__live_hooks(api__live *lv) {
    return lv ? lv->hooks : NULL;
}

events_hub *api__live_hub(api__live *lv) {
    return lv ? lv->hub : NULL;
}
http_ratelimit *api__live_ratelimit(api__live *lv) {
    return lv ? lv->track_rl : NULL;
}
