/* api/events.c: GET /v1/events: a page of the event log after a seq, or, with Accept:
 * text/event-stream, Server-Sent Events: each event as `id: <seq>`, `event: <type>`,
 * `data: <JSON>`; a reconnecting client's Last-Event-ID (or ?after=) resumes after that seq.
 *
 * A stream with nothing to send suspends its connection (the framework's stream API) and parks
 * on the events hub (events/events.h), which resumes it on a commit with events or at its
 * 15-second keep-alive tick, so idle streams cost no thread and no polling. */
#include "events/events.h"

#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SSE_BATCH 200

#define SSE_CHUNK_MAX ((size_t)4 << 20)

typedef struct sse_stream {
    events_hub *hub;
    events_sub sub; /* parked on the hub while suspended */
    store *st;
    http_conn *conn;
    int64_t cursor; /* last seq sent */
    lm_buf out;     /* formatted, not yet handed to the framework */
    size_t out_off;
    uint64_t tick_seen;
    bool hello_sent;
    char key_id[HTTP_KEY_ID_MAX]; /* the key that opened it: a revocation ends the stream */
    bool driver;                  /* a driver app's stream: only route.changed notices (below) */
} sse_stream;

/* Events after which a driver's live route may differ. A driver's stream says only that and the
 * cause ("route.changed", {seq, cause}), never the event itself (which may be about other drivers'
 * customers): the app fetches its own route again and shows what moved. */
static bool changes_routes(const char *type) {
    static const char *const types[] = {"plan.committed",    "plan.replanned",
                                        "route.assigned",    "stop.cancelled",
                                        "route.changed", /* hand dispatch */
                                        "vehicle.breakdown", NULL};
    for (size_t i = 0; types[i]; i++)
        if (!strcmp(type, types[i])) return true;
    return false;
}

/* The hub's wake-up: resume the suspended connection. */
static void stream_wake(events_sub *sub) {
    sse_stream *s = sub->ctx;
    http_conn_resume(s->conn);
}

static void stream_park(events_sub *sub) {
    sse_stream *s = sub->ctx;
    http_conn_suspend(s->conn);
}

/* ---- One stream ---- */

/* Appends the events after s->cursor (at most SSE_BATCH) to s->out; how many in *n. */
static lm_status stream_fill(sse_stream *s, size_t *n_out) {
    store_read *rd = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    lm_status rc = store_read_begin(s->st, &rd);
    if (rc != LM_OK) return rc;
    /* a revocation commits an event, which wakes every stream: the revoked key's end here */
    bool live = true;
    if (s->key_id[0] && (rc = store_key_live(rd, s->key_id, &live)) == LM_OK && !live)
        rc = LM_UNAUTHORIZED;
    if (rc == LM_OK) rc = store_events_since(rd, s->cursor, SSE_BATCH, &ev, &n);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        if (s->driver) {
            if (changes_routes(ev[i].type))
                rc = lm_buf_printf(&s->out,
                                   "id: %lld\nevent: route.changed\ndata: "
                                   "{\"seq\":%lld,\"cause\":\"%s\"}\n\n",
                                   (long long)ev[i].seq, (long long)ev[i].seq, ev[i].type);
            if (rc == LM_OK) s->cursor = ev[i].seq;
            continue;
        }
        char *data = events_json(&ev[i]);
        if (!data) {
            rc = LM_NOMEM;
            break;
        }
        /* event names are the log's type ("stop.arrived"): no newline can be in them */
        rc = lm_buf_printf(&s->out, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)ev[i].seq,
                           ev[i].type, data);
        lm_free(data);
        if (rc == LM_OK) s->cursor = ev[i].seq;
    }
    store_events_free(ev, n);
    *n_out = n;
    return rc;
}

static ssize_t stream_take(sse_stream *s, char *buf, size_t max) {
    size_t left = s->out.len - s->out_off;
    size_t k = left < max ? left : max;
    memcpy(buf, s->out.data + s->out_off, k);
    s->out_off += k;
    if (s->out_off == s->out.len) {
        lm_buf_reset(&s->out);
        s->out_off = 0;
    }
    return (ssize_t)k;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)pos;
    sse_stream *s = cls;
    if (s->out.len > s->out_off) return stream_take(s, buf, max);
    events_mark seen = events_hub_mark(s->hub);
    if (seen.shutdown) return HTTP_STREAM_END;
    if (!s->hello_sent) {
        s->hello_sent = true;
        if (lm_buf_printf(&s->out, "retry: 2000\n: lastmile events after %lld\n\n",
                          (long long)s->cursor) != LM_OK)
            return HTTP_STREAM_ERROR;
    }
    size_t n = 0;
    lm_status rc = stream_fill(s, &n);
    if (rc == LM_UNAUTHORIZED) return HTTP_STREAM_END;
    if (rc != LM_OK) return HTTP_STREAM_ERROR;
    if (seen.tick != s->tick_seen) {
        s->tick_seen = seen.tick;
        if (s->out.len == 0 && lm_buf_printf(&s->out, ": ping\n\n") != LM_OK)
            return HTTP_STREAM_ERROR;
    }
    if (s->out.len > s->out_off) return stream_take(s, buf, max);
    /* nothing to send: park the connection until the next commit or tick, unless one came in
     * while we were reading (then just ask again) */
    (void)events_hub_park(s->hub, &s->sub, &seen, stream_park);
    return 0;
}

static void stream_free(void *cls) {
    sse_stream *s = cls;
    events_hub_unpark(s->hub, &s->sub);
    lm_buf_free(&s->out);
    lm_free(s);
}

static bool wants_event_stream(const http_req *r) {
    const char *a = http_header(r, "Accept");
    static const char want[] = "text/event-stream";
    for (; a && *a; a++)
        if (!strncasecmp(a, want, sizeof want - 1)) return true;
    return false;
}

static lm_status events_stream(http_req *r, bool driver) {
    events_hub *h = api_app_of(r)->hub;
    if (!h) return http_error(r, LM_UNAVAILABLE, "", "event streams are not available");
    int64_t after = 0;
    const char *q = http_header(r, "Last-Event-ID");
    const char *field = "Last-Event-ID";
    if (!q) {
        q = http_query(r, "after");
        field = "after";
    }
    if (q && !lm_parse_i64(q, 0, INT64_MAX, &after))
        return http_error(r, LM_INVALID, field, "%s must be an event seq >= 0", field);
    if (!q && driver) { /* a driver wants what changes from now on, not the history */
        store_read *rd = NULL;
        lm_status rc = store_read_begin(api_store(r), &rd);
        if (rc == LM_OK) {
            rc = store_events_last_seq(rd, &after);
            store_read_end(rd);
        }
        if (rc != LM_OK) return http_error(r, rc, "", "the store is not available");
    }
    sse_stream *s = lm_calloc(1, sizeof *s);
    if (!s) return http_error(r, LM_NOMEM, "", "out of memory");
    s->hub = h;
    s->sub.wake = stream_wake;
    s->sub.ctx = s;
    s->st = api_store(r);
    s->conn = http_req_conn(r);
    s->cursor = after;
    s->driver = driver;
    lm_strlcpy(s->key_id, r->key_id, sizeof s->key_id);
    lm_buf_init(&s->out, SSE_CHUNK_MAX);
    s->tick_seen = events_hub_mark(h).tick;
    lm_status rc = http_reply_header(r, "Cache-Control", "no-store");
    if (rc == LM_OK) rc = http_reply_header(r, "X-Accel-Buffering", "no");
    if (rc != LM_OK) {
        stream_free(s);
        return http_error(r, rc, "", "out of memory");
    }
    return http_reply_stream(r, "text/event-stream", stream_read, stream_free, s);
}

lm_status api__events_list(http_req *r) {
    /* dashboards ask for a live stream (above); anything else gets the JSON page */
    if (wants_event_stream(r)) return events_stream(r, false);
    int64_t after = 0, limit = 100;
    const char *q = http_query(r, "after");
    if (q && !lm_parse_i64(q, 0, INT64_MAX, &after))
        return http_error(r, LM_INVALID, "after", "after must be an event seq >= 0");
    q = http_query(r, "limit");
    if (q && !lm_parse_i64(q, 1, 1000, &limit))
        return http_error(r, LM_INVALID, "limit", "limit must be 1..1000");
    store_read *rd = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    rc = store_events_since(rd, after, (size_t)limit, &ev, &n);
    store_read_end(rd);
    if (rc != LM_OK) return http_error(r, rc, "", "could not read the event log");
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "events");
    int64_t last = after;
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "seq", (double)ev[i].seq);
        cJSON_AddNumberToObject(e, "time_ms", (double)ev[i].time_ms);
        cJSON_AddStringToObject(e, "type", ev[i].type);
        cJSON_AddStringToObject(e, "entity", ev[i].entity);
        if (ev[i].entity_id)
            cJSON_AddStringToObject(e, "entity_id", ev[i].entity_id);
        else
            cJSON_AddNullToObject(e, "entity_id");
        /* payloads were checked as JSON on the way in */
        cJSON *payload = cJSON_Parse(ev[i].payload_json);
        cJSON_AddItemToObject(e, "payload", payload ? payload : cJSON_CreateObject());
        cJSON_AddItemToArray(arr, e);
        last = ev[i].seq;
    }
    cJSON_AddNumberToObject(o, "next_after", (double)last);
    store_events_free(ev, n);
    return http_reply_json(r, 200, o);
}

lm_status api__driver_events(http_req *r) {
    lm_status rc = api__need_driver(r);
    if (rc != LM_OK) return rc;
    return events_stream(r, true);
}
