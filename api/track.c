/* api/track.c: GET /v1/track/{token}: the customer's tracking page data, rate-limited per client
 * address. */
#include "api/app.h"
#include "api/formats/rfc3339.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"
#include "store/store_orders.h"
#include "store/store_ratelimit.h"

#include <stdio.h>
#include <string.h>

static void iso_time(int64_t epoch_s, char out[32]) {
    fmt_time_format_rfc3339(epoch_s, out);
}

bool api__track_allow(http_req *r, lm_status *rc) {
    char addr[64] = "?";
    http_client_addr(r, addr, sizeof addr);
    api_app *app = api_app_of(r);
    http_ratelimit *rl = app->track_rl;
    int64_t retry = 1, now = lm_now_ms();
    bool allowed = false;
    lm_errinfo err;
    /* several nodes: one bucket per address for the whole deployment; this node's own bucket
     * when alone, or when the database cannot answer (each node then holds the limit alone) */
    if (!rl) return true;
    if (!store_rate_shared(app->st) ||
        store_rate_take(app->st, "track", addr, app->track_rate, app->track_burst, now, &allowed,
                        &retry, &err) != LM_OK)
        allowed = http_ratelimit_take(rl, addr, now, &retry);
    if (allowed) return true;
    char ra[24];
    snprintf(ra, sizeof ra, "%lld", (long long)retry);
    if (http_reply_header(r, "Retry-After", ra) != LM_OK) {
        *rc = LM_NOMEM;
        return false;
    }
    /* an error reply drops headers, so answer 429 directly */
    char msg[200];
    int n = snprintf(msg, sizeof msg,
                     "{\"error\":{\"code\":\"rate_limited\",\"field\":null,\"message\":\"too "
                     "many tracking requests from this address; retry in %lld s\"}}",
                     (long long)retry);
    *rc = http_reply_text(r, 429, "application/json", msg, (size_t)n);
    return false;
}

lm_status api__track_order(http_req *r, store_read *rd, store_order *out) {
    const char *token = http_param(r, "token");
    size_t tl = token ? strlen(token) : 0;
    bool shape = tl == 32;
    for (size_t i = 0; shape && i < tl; i++)
        shape = (token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f');
    if (!shape) return http_error(r, LM_NOT_FOUND, "token", "unknown tracking link");
    lm_errinfo e;
    lm_status rc = store_order_get_by_token(rd, token, out, &e);
    if (rc == LM_NOT_FOUND) return http_error(r, LM_NOT_FOUND, "token", "unknown tracking link");
    if (rc != LM_OK) return http_error(r, rc, "", "the order could not be read");
    return LM_OK;
}

/* Builds the reply of a poll from the store: *out the JSON, *live whether it shows what positions
 * change (an ETA, the driver's position). */
static lm_status track_build(http_req *r, cJSON **out, bool *live) {
    store_read *rd = NULL;
    store_order ord;
    memset(&ord, 0, sizeof ord);
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    lm_errinfo e;
    if ((rc = api__track_order(r, rd, &ord)) != LM_OK) {
        store_read_end(rd);
        return rc;
    }
    dispatch_tracking t;
    memset(&t, 0, sizeof t);
    bool has_t = dispatch_tracking_get(rd, ord.id, &t, &e) == LM_OK;
    cJSON *o = cJSON_CreateObject();
    /* attempts, the recovery of a failed one and the proof files (api/recovery.c) */
    rc = api__recovery_into(o, rd, ord.id, ord.tracking_token);
    api__pd_track_into(o, rd, &ord); /* collect-and-deliver: both stops */
    store_read_end(rd);
    if (rc != LM_OK) {
        store_order_clear(&ord);
        cJSON_Delete(o);
        return http_error(r, rc, "", "the order could not be read");
    }
    cJSON_AddStringToObject(o, "status", ord.status);
    cJSON_AddStringToObject(o, "status_text",
                            orders_customer_status(ord.status, ord.stock_outcome));
    /* the customer's own address: where the tracking map puts the parcel */
    if (ord.has_location) {
        cJSON *dst = cJSON_AddObjectToObject(o, "destination");
        cJSON_AddNumberToObject(dst, "lat", ord.lat);
        cJSON_AddNumberToObject(dst, "lon", ord.lon);
    } else {
        cJSON_AddNullToObject(o, "destination");
    }
    cJSON *tws = cJSON_AddArrayToObject(o, "time_windows");
    for (size_t i = 0; i < ord.n_windows; i++) {
        char a[32], b[32];
        iso_time(ord.windows[i].start_s, a);
        iso_time(ord.windows[i].end_s, b);
        cJSON *w = cJSON_CreateObject();
        cJSON_AddStringToObject(w, "from", a);
        cJSON_AddStringToObject(w, "to", b);
        cJSON_AddItemToArray(tws, w);
    }
    store_order_clear(&ord);
    bool pending = has_t && t.on_route && !t.delivered && !t.failed;
    *live = pending;
    if (pending && t.eta_s > 0) {
        char a[32], b[32], c[32];
        iso_time(t.eta_s, c);
        iso_time(t.eta_from_s ? t.eta_from_s : t.eta_s, a);
        iso_time(t.eta_to_s ? t.eta_to_s : t.eta_s, b);
        cJSON *eta = cJSON_AddObjectToObject(o, "eta");
        cJSON_AddStringToObject(eta, "expected", c);
        cJSON_AddStringToObject(eta, "from", a);
        cJSON_AddStringToObject(eta, "to", b);
    } else {
        cJSON_AddNullToObject(o, "eta");
    }
    if (pending)
        cJSON_AddNumberToObject(o, "stops_before", (double)t.stops_before);
    else
        cJSON_AddNullToObject(o, "stops_before");
    if (pending && t.driver_visible) {
        cJSON *dp = cJSON_AddObjectToObject(o, "driver_position");
        cJSON_AddNumberToObject(dp, "lat", t.driver_lat);
        cJSON_AddNumberToObject(dp, "lon", t.driver_lon);
        cJSON_AddNumberToObject(dp, "seen_ms", (double)t.driver_seen_ms);
    } else {
        cJSON_AddNullToObject(o, "driver_position");
    }
    if (has_t && t.delivered) {
        cJSON *dl = cJSON_AddObjectToObject(o, "delivery");
        char a[32];
        iso_time(t.delivered_ms / 1000, a);
        cJSON_AddStringToObject(dl, "delivered_at", a);
        /* a summary, not the files: the customer sees who signed, not the picture paths */
        const char *semi = strchr(t.proof, ';');
        if (semi) t.proof[semi - t.proof] = '\0';
        cJSON_AddStringToObject(dl, "proof", t.proof);
        cJSON_AddBoolToObject(dl, "signature", semi && strstr(semi + 1, "signature") != NULL);
    } else {
        cJSON_AddNullToObject(o, "delivery");
    }
    if (has_t && t.failed) {
        cJSON *fl = cJSON_AddObjectToObject(o, "failure");
        cJSON_AddStringToObject(fl, "reason", t.failed_reason);
    } else {
        cJSON_AddNullToObject(o, "failure");
    }
    *out = o;
    return LM_OK;
}

/* Whether the request's If-None-Match names etag (or is "*"). */
static bool etag_matches(http_req *r, const char *etag) {
    const char *inm = http_header(r, "If-None-Match");
    if (!inm) return false;
    if (!strcmp(inm, "*")) return true;
    size_t el = strlen(etag);
    for (const char *p = strstr(inm, etag); p; p = strstr(p + 1, etag)) {
        bool start = p == inm || p[-1] == ' ' || p[-1] == ',' || (p >= inm + 2 && p[-1] == '/');
        bool end = p[el] == '\0' || p[el] == ',' || p[el] == ' ';
        if (start && end) return true;
    }
    return false;
}

/* A poll: from the snapshot when nothing it shows changed since it was built (api/track_cache.c),
 * else rebuilt from the store and kept. Either way the reply carries the body's ETag, and a poll
 * whose If-None-Match names it gets 304 without a body. no-cache (not no-store): a browser keeps
 * the body and revalidates it with If-None-Match, which is what makes a repeated poll cheap. */
lm_status api__track(http_req *r) {
    lm_status rc = LM_OK;
    if (!api__track_allow(r, &rc)) return rc;
    api_track_cache *cache = api_app_of(r)->track_cache;
    const char *token = http_param(r, "token");
    api_track_mark mark = api__track_cache_mark(cache);
    char etag[24];
    http_shared_reply *ok = NULL, *not_modified = NULL;
    if (token && api__track_cache_get(cache, token, mark, &ok, &not_modified, etag)) {
        http_reply_shared(r, etag_matches(r, etag) ? not_modified : ok);
        http_shared_reply_unref(ok);
        http_shared_reply_unref(not_modified);
        return LM_OK;
    }
    cJSON *o = NULL;
    bool live = false;
    if ((rc = track_build(r, &o, &live)) != LM_OK) return rc;
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text) return http_error(r, LM_NOMEM, "", "could not serialise the reply");
    size_t len = strlen(text);
    api__track_etag(text, len, etag);
    api__track_cache_put(cache, token, mark, live, text, len, etag);
    rc = http_reply_text(r, 200, "application/json", text, len);
    cJSON_free(text);
    if (rc != LM_OK) return rc;
    if ((rc = http_reply_header(r, "ETag", etag)) != LM_OK ||
        (rc = http_reply_header(r, "Cache-Control", "no-cache")) != LM_OK)
        return rc;
    if (etag_matches(r, etag)) return http_reply_text(r, 304, NULL, "", 0);
    return LM_OK;
}
