/* api/osmand.c: OsmAnd positions to dispatch's ingest (dispatch/ingest.h): the conversion of
 * decoded records, replies deferred until their group commit, GET/POST /v1/osmand on the main
 * port, and the handler of the OsmAnd listener on its own port (the framework's plain listener).
 * Every request is answered once its positions have committed. */
#include "api/app.h"
#include "api/handlers.h"
#include "store/store_ratelimit.h"

#include <stdio.h>
#include <string.h>

#define OSMAND_BODY_MAX ((size_t)256 << 10)

/* ---- OsmAnd records to dispatch ingest ---- */

static void pos_convert(const fmt_osmand_pos *in, size_t n, dispatch_position *out) {
    for (size_t i = 0; i < n; i++) {
        lm_strlcpy(out[i].device_id, in[i].device_id, sizeof out[i].device_id);
        out[i].lat = in[i].lat;
        out[i].lon = in[i].lon;
        out[i].time_ms = in[i].time_ms;
        out[i].speed_mps = in[i].speed_mps;
        out[i].heading_deg = in[i].heading_deg;
        out[i].altitude_m = in[i].altitude_m;
        out[i].accuracy_m = in[i].accuracy_m;
        out[i].battery_pct = in[i].battery_pct;
        out[i].charging = in[i].charging;
        out[i].no_fix = in[i].no_fix;
        out[i].no_location = in[i].no_location;
        /* borrowed: dispatch_ingest_submit copies them before this request's buffers go */
        out[i].alarm = in[i].alarm;
        out[i].token = in[i].token;
        out[i].attrs = in[i].attrs;
    }
}

lm_status api__ingest_submit(dispatch_ingest *g, const fmt_osmand_pos *pos, size_t n,
                             const char *driver_id, dispatch_ingest_done done, void *ctx) {
    if (n == 0 || n > DISPATCH_INGEST_MAX_BATCH) return LM_INVALID;
    dispatch_position few[16], *dp = few;
    if (n > 16 && !(dp = lm_calloc(n, sizeof *dp))) return LM_NOMEM;
    pos_convert(pos, n, dp);
    lm_status rc = dispatch_ingest_submit(g, dp, n, driver_id, done, ctx);
    if (dp != few) lm_free(dp);
    return rc;
}

/* ---- Deferred replies: the request waits for its group commit without holding a thread ---- */

static void ingest_done(void *ctx, lm_status st, const lm_errinfo *err) {
    http_req *r = ctx;
    if (st == LM_OK) api__track_cache_positions(api_app_of(r)->track_cache);
    http_defer_done(r, st, err);
}

/* Sets nothing on r after the hand-off: the writer thread owns the outcome from there. */
lm_status api__submit_deferred(http_req *r, dispatch_ingest *g, const fmt_osmand_pos *pos, size_t n,
                               const char *driver_id) {
    http_defer(r);
    lm_status rc = api__ingest_submit(g, pos, n, driver_id, ingest_done, r);
    if (rc != LM_OK) {
        lm_errinfo e;
        lm_errinfo_set(&e, rc, "", "the position queue is full or stopping; retry");
        http_defer_done(r, rc, &e);
    }
    return LM_OK;
}

/* ---- Guessing device ids: one limiter for both OsmAnd entry points (docs/devices.md) ---- */

/* Whether addr may be served now; when not, *retry_s is how long until it may (Retry-After). */
static bool guard_allows(api_app *app, const char *addr, int64_t *retry_s) {
    int64_t ms = 0;
    if (!app->osm_guard || dispatch_guard_allowed(app->osm_guard, addr, lm_now_ms(), &ms))
        return true;
    *retry_s = ms > 1000 ? (ms + 999) / 1000 : 1;
    return false;
}

/* After an ingest outcome: an unknown device id is a failed guess from addr. The address is
 * logged once, when it becomes blocked, not on every request refused after that. */
static void guard_outcome(api_app *app, const char *addr, lm_status st, const lm_errinfo *err) {
    if (st != LM_INVALID || !err || strcmp(err->field, "id") != 0 || !app->osm_guard) return;
    int64_t now = lm_now_ms(), until = 0;
    const dispatch_guard_opts *go = &app->osm_guard_opts;
    lm_errinfo serr;
    /* several nodes: the failures are counted for the whole deployment and a block decided
     * there is mirrored here (a guesser moving to another node is blocked at its first failure
     * there); this node counts alone when alone or when the database cannot answer */
    bool blocked =
        store_rate_shared(app->st) &&
                store_guard_fail(app->st, "osmand_guess", addr, (int64_t)go->max_failures,
                                 go->window_ms, go->block_ms, now, &until, &serr) == LM_OK
            ? dispatch_guard_block_until(app->osm_guard, addr, now, until)
            : dispatch_guard_fail(app->osm_guard, addr, now);
    if (blocked)
        fprintf(stderr,
                "lastmile osmand: %s blocked: too many unknown device ids (guessing?); "
                "its OsmAnd requests get 429 for a while\n",
                addr);
}

/* ---- OsmAnd on the main port ---- */

typedef struct osm_http_ctx {
    http_req *r;
    api_app *app;
    char addr[DISPATCH_GUARD_ADDR_MAX];
} osm_http_ctx;

static void osm_http_done(void *ctx, lm_status st, const lm_errinfo *err) {
    osm_http_ctx *c = ctx; /* in r's arena: read it before r is handed back */
    guard_outcome(c->app, c->addr, st, err);
    if (st == LM_OK) api__track_cache_positions(c->app->track_cache);
    http_defer_done(c->r, st, err);
}

/* 429 with Retry-After (an error reply drops headers, so it is answered directly). */
static lm_status answer_blocked(http_req *r, int64_t retry_s) {
    char ra[24], msg[240];
    snprintf(ra, sizeof ra, "%lld", (long long)retry_s);
    if (http_reply_header(r, "Retry-After", ra) != LM_OK) return LM_NOMEM;
    int n = snprintf(msg, sizeof msg,
                     "{\"error\":{\"code\":\"rate_limited\",\"field\":\"id\",\"message\":\"too "
                     "many unknown device ids from this address; retry in %lld s\"}}",
                     (long long)retry_s);
    return http_reply_text(r, 429, "application/json", msg, (size_t)n);
}

lm_status api__osmand_http(http_req *r) {
    api_app *app = api_app_of(r);
    osm_http_ctx *c = lm_arena_alloc(r->arena, sizeof *c);
    if (!c) return http_error(r, LM_NOMEM, "", "out of memory");
    c->r = r;
    c->app = app;
    if (!http_client_addr(r, c->addr, sizeof c->addr)) lm_strlcpy(c->addr, "?", sizeof c->addr);
    int64_t retry_s = 0;
    if (!guard_allows(app, c->addr, &retry_s)) return answer_blocked(r, retry_s);
    static const char *const keys[] = {"id",        "deviceid", "lat",     "lon",     "location",
                                       "timestamp", "speed",    "bearing", "heading", "altitude",
                                       "accuracy",  "batt",     "charge",  "valid"};
    fmt_osmand_kv kv[sizeof keys / sizeof keys[0]];
    size_t n_kv = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = http_query(r, keys[i]);
        if (v) {
            kv[n_kv].key = keys[i];
            kv[n_kv].value = v;
            n_kv++;
        }
    }
    dispatch_ingest *g = app->ingest;
    if (!g) return http_error(r, LM_UNAVAILABLE, "", "position ingest is not running");
    fmt_osmand_pos *pos = lm_arena_alloc(r->arena, FMT_OSMAND_MAX_BATCH * sizeof *pos);
    if (!pos) return http_error(r, LM_NOMEM, "", "out of memory");
    size_t n = 0;
    lm_status rc = fmt_osmand_parse(kv, n_kv, http_header(r, "Content-Type"), r->body, r->body_len,
                                    pos, FMT_OSMAND_MAX_BATCH, &n, &r->err);
    if (rc != LM_OK) return rc;
    /* the apps read nothing: 200 with an empty body, sent once the batch has committed */
    if ((rc = http_reply_text(r, 200, NULL, "", 0)) != LM_OK) return rc;
    http_defer(r);
    if ((rc = api__ingest_submit(g, pos, n, NULL, osm_http_done, c)) != LM_OK) {
        lm_errinfo e;
        lm_errinfo_set(&e, rc, "", "the position queue is full or stopping; retry");
        http_defer_done(r, rc, &e);
    }
    return LM_OK;
}

/* ---- The OsmAnd listener's handler ---- */

/* The plain-text answer the apps get on an error: "field: message\n". */
static void answer_error(http_plain *q, lm_status st, const lm_errinfo *err) {
    char msg[400];
    snprintf(msg, sizeof msg, "%s: %s\n", err && err->field[0] ? err->field : "error",
             err && err->message[0] ? err->message : lm_strerror(st));
    http_plain_answer(q, lm_status_http(st), msg);
}

/* The client's address for the guessing limiter ("?" when unknown). */
static void plain_addr(const http_plain *q, char *out, size_t size) {
    if (!http_plain_client_addr(q, out, size)) lm_strlcpy(out, "?", size);
}

/* After the commit: q itself is the context (it waits, with its connection, for this answer). */
static void osm_done(void *ctx, lm_status st, const lm_errinfo *err) {
    http_plain *q = ctx;
    api_app *app = http_plain_handler_ctx(q);
    if (st == LM_OK) {
        api__track_cache_positions(app->track_cache);
        http_plain_answer(q, 200, "");
        return;
    }
    char addr[DISPATCH_GUARD_ADDR_MAX];
    plain_addr(q, addr, sizeof addr);
    guard_outcome(app, addr, st, err);
    answer_error(q, st, err);
}

/* Decodes the request (query, form, or JSON body) and submits it; answers at once when it
 * cannot be submitted (or its address is blocked), else from osm_done after the commit. */
static void osm_handle(void *ctx, http_plain *q) {
    api_app *app = ctx;
    char addr[DISPATCH_GUARD_ADDR_MAX];
    plain_addr(q, addr, sizeof addr);
    int64_t retry_s = 0;
    if (!guard_allows(app, addr, &retry_s)) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "id: too many unknown device ids from this address; retry in %lld s\n",
                 (long long)retry_s);
        http_plain_retry_after(q, retry_s);
        http_plain_answer(q, 429, msg);
        return;
    }
    size_t n_args = 0, body_len = 0;
    const http_kv *args = http_plain_args(q, &n_args);
    fmt_osmand_kv kv[HTTP_PLAIN_MAX_ARGS];
    for (size_t i = 0; i < n_args; i++) {
        kv[i].key = args[i].key;
        kv[i].value = args[i].value;
    }
    const char *ct = http_plain_header(q, "Content-Type");
    const char *body = http_plain_body(q, &body_len);
    fmt_osmand_pos pos[16];
    fmt_osmand_pos *many = NULL;
    size_t n = 0;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status rc = fmt_osmand_parse(kv, n_args, ct, body, body_len, pos, 16, &n, &err);
    if (rc == LM_TOO_BIG) { /* a big JSON batch: parse again with room for the largest */
        many = lm_calloc(FMT_OSMAND_MAX_BATCH, sizeof *many);
        if (!many) {
            rc = LM_NOMEM;
        } else {
            lm_errinfo_clear(&err);
            rc = fmt_osmand_parse(kv, n_args, ct, body, body_len, many, FMT_OSMAND_MAX_BATCH, &n,
                                  &err);
        }
    }
    if (rc == LM_OK) {
        rc = api__ingest_submit(app->ingest, many ? many : pos, n, NULL, osm_done, q);
        if (rc != LM_OK)
            lm_errinfo_set(&err, rc, "", "the position queue is full or stopping; retry");
    }
    lm_free(many);
    if (rc != LM_OK) answer_error(q, rc, &err); /* not submitted: osm_done will not run */
}

/* One round of the OsmAnd port's ready sockets: its positions wake the writer once, at its end. */
static void osm_round(void *ctx, bool begin) {
    api_app *app = ctx;
    dispatch_ingest_hold(app->ingest, begin);
}

lm_status api__osmand_listen(api_app *app, const api_server_opts *so, http_plain_listener **out,
                             lm_errinfo *err) {
    http_plain_opts o;
    http_plain_opts_init(&o);
    o.bind_addr = so->bind_addr;
    o.port = so->osmand_port;
    o.max_body_bytes = OSMAND_BODY_MAX;
    o.max_conns = so->osmand_max_conns;
    o.max_conns_per_ip = so->osmand_max_conns_per_ip;
    o.header_timeout_s = so->header_timeout_s;
    o.body_timeout_s = so->body_timeout_s;
    o.port_field = "osmand_port";
    o.what = "OsmAnd";
    o.round = osm_round;
    return http_plain_listen(&o, osm_handle, app, out, err);
}
