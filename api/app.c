/* api/app.c: the app context (api/app.h): the live services that start with the server, in
 * which order, and what stops before what; and the per-request access to dispatch and orders. */
#include "api/app.h"
#include "analytics/analytics.h"
#include "dispatch/dispatch.h"
#include "store/store_cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void api__app_events(api_app *lv, int64_t last_seq) {
    if (lv->stopped) return;
    api__track_cache_events(lv->track_cache, last_seq);
    events_hub_notify(lv->hub, last_seq);
    events_webhooks_notify(lv->hooks, last_seq);
}

static void on_events(void *ctx, int64_t last_seq) {
    api_app *lv = ctx;
    api__app_events(lv, last_seq);
    store_cluster_announce(lv->cluster, last_seq); /* the other nodes' streams look again */
}

static lm_status ingest_start(api_app *lv, const api_server_opts *o, lm_errinfo *err) {
    dispatch_ingest_opts io;
    dispatch_ingest_opts_init(&io);
    io.retention_s = o->positions_retention_s;
    /* a linger for benchmarks on busy machines; off by default (bench/results/http-ingest.md);
     * a malformed value refuses to start, as LASTMILE_INTAKE_LINGER's does */
    const char *lg = getenv("LASTMILE_INGEST_LINGER_US");
    int64_t linger = 0;
    if (lg && !lm_parse_i64(lg, 0, 20000, &linger))
        return lm_errinfo_set(err, LM_INVALID, "LASTMILE_INGEST_LINGER_US",
                              "LASTMILE_INGEST_LINGER_US must be microseconds 0-20000, not "
                              "\"%.40s\"",
                              lg);
    io.linger_us = (long)linger;
    /* a batch's answers on the OsmAnd port reach its loop with one wake-up */
    io.deliver_hold = http_plain_answers_hold;
    return dispatch_ingest_start(lv->st, o->dispatch, &io, &lv->ingest);
}

/* LASTMILE_INTAKE_LINGER=US,BELOW: the intake's writer waits up to US microseconds for more
 * orders while fewer than BELOW are queued; off by default (bench/results/perf-intake.md). A
 * malformed value refuses to start (a benchmark must not run without the linger it asked for). */
static lm_status intake_linger(orders_opts *oo, lm_errinfo *err) {
    const char *e = getenv("LASTMILE_INTAKE_LINGER");
    if (!e) return LM_OK;
    const char *comma = strchr(e, ',');
    int64_t us = 0, below = 0;
    char head[16];
    bool ok = comma && (size_t)(comma - e) < sizeof head;
    if (ok) {
        memcpy(head, e, (size_t)(comma - e));
        head[comma - e] = '\0';
        ok = lm_parse_i64(head, 0, 20000, &us) && lm_parse_i64(comma + 1, 0, 2000, &below);
    }
    if (!ok)
        return lm_errinfo_set(err, LM_INVALID, "LASTMILE_INTAKE_LINGER",
                              "LASTMILE_INTAKE_LINGER must be US,BELOW (US microseconds 0-20000, "
                              "BELOW orders 0-2000), not \"%.40s\"",
                              e);
    oo->intake_linger_us = (long)us;
    oo->intake_linger_below = (size_t)below;
    return LM_OK;
}

/* Payment timeouts are swept every 30 s; LASTMILE_PAYMENT_SWEEP_MS changes that (tests make it
 * short), 0 turns it off. A malformed value refuses to start: running on the default would
 * leave an operator's "0" or "5000" silently not in force. */
static lm_status housekeeping_start(api_app *lv, lm_errinfo *err) {
    const char *e = getenv("LASTMILE_PAYMENT_SWEEP_MS");
    int64_t every = 30000;
    if (e && !lm_parse_i64(e, 0, 86400000, &every))
        return lm_errinfo_set(err, LM_INVALID, "LASTMILE_PAYMENT_SWEEP_MS",
                              "LASTMILE_PAYMENT_SWEEP_MS must be milliseconds 0-86400000 (0: off), "
                              "not \"%.40s\"",
                              e);
    return api__housekeeping_start(lv->st, every, &lv->housekeeping);
}

lm_status api__app_start(store *s, const api_server_opts *o, api_app **out, lm_errinfo *err) {
    api_app *lv = lm_calloc(1, sizeof *lv);
    if (!lv) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lv->st = s;
    lv->dispatch = o->dispatch;
    lv->feedback = o->feedback;
    lv->router = o->router;
    lv->cluster = o->cluster;
    lm_status rc = LM_NOMEM;
    if (!(lv->data_dir = lm_strdup(o->data_dir && *o->data_dir ? o->data_dir : "var"))) goto fail;
    if (!(lv->tiles_url = lm_strdup(o->tiles_url ? o->tiles_url : API_TILES_DEFAULT)) ||
        !(lv->tiles_attribution =
              lm_strdup(o->tiles_attribution ? o->tiles_attribution : API_TILES_ATTRIBUTION)))
        goto fail;
    if ((rc = events_hub_create(&lv->hub)) != LM_OK) goto fail;
    if ((rc = api__track_cache_create(&lv->track_cache)) != LM_OK) goto fail;
    if ((rc = http_ratelimit_create(o->track_rate_per_s, o->track_burst, &lv->track_rl)) != LM_OK) {
        lm_errinfo_set(err, rc, "track_rate", "tracking rate limit must be > 0 with burst >= 1");
        goto fail;
    }
    dispatch_guard_opts go;
    dispatch_guard_opts_init(&go);
    if ((rc = dispatch_guard_create(&go, &lv->osm_guard)) != LM_OK) goto fail;
    lv->osm_guard_opts = go;
    lv->track_rate = o->track_rate_per_s;
    lv->track_burst = o->track_burst;
    if ((rc = ingest_start(lv, o, err)) != LM_OK) goto fail;
    if ((rc = housekeeping_start(lv, err)) != LM_OK) goto fail;
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = s;
    oo.intake_thread = true; /* POST /v1/orders waits for its commit without a server thread */
    if ((rc = intake_linger(&oo, err)) != LM_OK) goto fail;
    if ((rc = orders_create(&oo, &lv->orders)) != LM_OK) goto fail;
    events_webhooks_opts wo;
    events_webhooks_opts_init(&wo);
    /* a database URL names no file to keep the sealing key beside: it goes in the data
     * directory, which every node of a PostgreSQL deployment shares (docs/deploy.md) */
    char key_path[1100];
    if (store_cluster_is_pg(store_path(s))) {
        if (mkdir(lv->data_dir, 0700) != 0 && errno != EEXIST) {
            rc = lm_errinfo_set(err, LM_IO, "data_dir", "cannot create %s", lv->data_dir);
            goto fail;
        }
        snprintf(key_path, sizeof key_path, "%s/webhooks.key", lv->data_dir);
        wo.key_path = key_path;
    }
    if ((rc = events_netguard_allow(&wo.guard, o->webhook_allow, err)) != LM_OK) goto fail;
    if ((rc = events_webhooks_start(s, &wo, &lv->hooks, err)) != LM_OK) goto fail;
    /* the analytics rollups follow every commit (same transaction); a lag they cannot fold now
     * (a rollup of another layout) leaves the server up: `lastmile analytics rebuild` mends it */
    lm_errinfo aerr = {0};
    if (analytics_rollup_attach(s, NULL, &aerr) != LM_OK)
        fprintf(stderr, "lastmile: analytics rollups lag: %s\n", aerr.message);
    /* many commits' events folded at once (the fold's cost is mostly per batch: 14 % of the
     * order intake's writer when it ran in every commit, bench/results/perf-intake.md); reports
     * fold the rest before they read (api__rollups_fresh) */
    store_set_fold_lag(s, API_FOLD_LAG_MS);
    store_set_event_hook(s, on_events, lv);
    if (o->osmand_port >= 0 && (rc = api__osmand_listen(lv, o, &lv->osmand, err)) != LM_OK)
        goto fail;
    *out = lv;
    return LM_OK;
fail:
    if (rc == LM_NOMEM)
        lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    else if (!err || !err->message[0])
        lm_errinfo_set(err, rc, "", "live services failed to start");
    api__app_stop(lv);
    api__app_free(lv);
    return rc;
}

void api__app_stop(api_app *lv) {
    if (!lv || lv->stopped) return;
    lv->stopped = true;
    api__housekeeping_stop(lv->housekeeping);
    lv->housekeeping = NULL;
    http_plain_quiesce(lv->osmand);
    dispatch_ingest_stop(lv->ingest); /* answers (resumes) everything queued */
    orders_intake_stop(lv->orders);   /* likewise the order creations waiting for their commit */
    http_plain_close(lv->osmand);
    lv->osmand = NULL;
    store_set_event_hook(lv->st, NULL, NULL);
    store_set_fold_hook(lv->st, NULL, NULL);
    events_webhooks_stop(lv->hooks);
    lv->hooks = NULL;
    events_hub_shutdown(lv->hub);
}

void api__app_free(api_app *lv) {
    if (!lv) return;
    api__app_stop(lv);
    dispatch_ingest_free(lv->ingest);
    orders_destroy(lv->orders);
    events_hub_destroy(lv->hub);
    api__track_cache_destroy(lv->track_cache);
    http_ratelimit_destroy(lv->track_rl);
    dispatch_guard_destroy(lv->osm_guard);
    lm_free(lv->data_dir);
    lm_free(lv->tiles_url);
    lm_free(lv->tiles_attribution);
    lm_free(lv);
}

dispatch *api__need_dispatch(http_req *r, const char *what) {
    dispatch *d = api_app_of(r)->dispatch;
    if (!d) http_error(r, LM_UNAVAILABLE, "", "%s is not configured on this server", what);
    return d;
}

struct feedback *api__need_feedback(http_req *r) {
    struct feedback *fb = api_app_of(r)->feedback;
    if (!fb) http_error(r, LM_UNAVAILABLE, "", "feedback is not configured on this server");
    return fb;
}

/* Every request shares the app's orders service: its intake's writer thread puts concurrent
 * creations in one transaction (a service per request would give each its own transaction and
 * fsync). The service is safe to share: its only mutable state (the parsed service area) has a
 * lock. Without an app service (never in the server) a request takes its own. */
lm_status api__with_orders(http_req *r, lm_status (*fn)(http_req *r, orders_svc *o)) {
    if (api_app_of(r)->orders) return fn(r, api_app_of(r)->orders);
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = api_store(r);
    orders_svc *o = NULL;
    lm_status rc = orders_create(&oo, &o);
    if (rc != LM_OK) return http_error(r, rc, "", "the orders service could not start");
    rc = fn(r, o);
    orders_destroy(o);
    return rc;
}
