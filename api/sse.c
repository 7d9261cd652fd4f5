/* api/sse.c: GET /v1/events as Server-Sent Events (Accept: text/event-stream): each event of the
 * log is sent as `id: <seq>`, `event: <type>`, `data: <JSON>`; a reconnecting client's
 * Last-Event-ID (or ?after=) resumes after that seq, so nothing committed is missed.
 *
 * A stream with nothing to send suspends its connection (libmicrohttpd's content-reader pattern)
 * and is resumed by the store's commit hook or by the hub's 15-second keep-alive tick, so idle
 * streams cost no thread and no polling. */
#include "api/live.h"
#include "api/route.h"
#include "api/routes_driver.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SSE_PING_MS   15000
#define SSE_BATCH     200
#define SSE_CHUNK_MAX ((size_t)4 << 20)

typedef struct sse_stream {
    api__sse *hub;
    store *st;
    struct MHD_Connection *mhd;
    int64_t cursor; /* last seq sent */
    lm_buf out;     /* formatted, not yet handed to libmicrohttpd */
    size_t out_off;
    uint64_t ping_seen;
    bool waiting, hello_sent;
    struct sse_stream *next; /* in hub->waiting while suspended */
} sse_stream;

struct api__sse {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t gen;      /* bumped on every commit with events */
    uint64_t ping_gen; /* bumped every SSE_PING_MS */
    bool shutdown;
    sse_stream *waiting;
    pthread_t ticker;
    bool ticker_started;
};

/* Resumes every suspended stream; hub->mu held. */
static void wake_all(api__sse *h) {
    for (sse_stream *s = h->waiting; s; s = s->next) {
        s->waiting = false;
        MHD_resume_connection(s->mhd);
    }
    h->waiting = NULL;
}

static void *ticker_main(void *arg) {
    api__sse *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->shutdown) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += SSE_PING_MS / 1000;
        int rc = pthread_cond_timedwait(&h->cv, &h->mu, &ts);
        if (rc != 0 && !h->shutdown) {
            h->ping_gen++;
            wake_all(h);
        }
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

lm_status api__sse_create(api__sse **out) {
    api__sse *h = lm_calloc(1, sizeof *h);
    if (!h) return LM_NOMEM;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    if (pthread_create(&h->ticker, NULL, ticker_main, h) != 0) {
        pthread_cond_destroy(&h->cv);
        pthread_mutex_destroy(&h->mu);
        lm_free(h);
        return LM_INTERNAL;
    }
    h->ticker_started = true;
    *out = h;
    return LM_OK;
}

void api__sse_notify(api__sse *h, int64_t last_seq) {
    (void)last_seq;
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    h->gen++;
    wake_all(h);
    pthread_mutex_unlock(&h->mu);
}

void api__sse_shutdown(api__sse *h) {
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    h->shutdown = true;
    wake_all(h);
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    if (h->ticker_started) {
        pthread_join(h->ticker, NULL);
        h->ticker_started = false;
    }
}

void api__sse_destroy(api__sse *h) {
    if (!h) return;
    api__sse_shutdown(h);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    lm_free(h);
}

/* ---- One stream ---- */

/* Appends the events after s->cursor (at most SSE_BATCH) to s->out; how many in *n. */
static lm_status stream_fill(sse_stream *s, size_t *n_out) {
    store_read *rd = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    lm_status rc = store_read_begin(s->st, &rd);
    if (rc != LM_OK) return rc;
    rc = store_events_since(rd, s->cursor, SSE_BATCH, &ev, &n);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        char *data = api__event_json(&ev[i]);
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
    api__sse *h = s->hub;
    if (s->out.len > s->out_off) return stream_take(s, buf, max);
    pthread_mutex_lock(&h->mu);
    bool shutdown = h->shutdown;
    uint64_t gen = h->gen, ping = h->ping_gen;
    pthread_mutex_unlock(&h->mu);
    if (shutdown) return MHD_CONTENT_READER_END_OF_STREAM;
    if (!s->hello_sent) {
        s->hello_sent = true;
        if (lm_buf_printf(&s->out, "retry: 2000\n: lastmile events after %lld\n\n",
                          (long long)s->cursor) != LM_OK)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t n = 0;
    if (stream_fill(s, &n) != LM_OK) return MHD_CONTENT_READER_END_WITH_ERROR;
    if (ping != s->ping_seen) {
        s->ping_seen = ping;
        if (s->out.len == 0 && lm_buf_printf(&s->out, ": ping\n\n") != LM_OK)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (s->out.len > s->out_off) return stream_take(s, buf, max);
    /* nothing to send: park the connection until the next commit or tick, unless one came in
     * while we were reading (then just ask again) */
    pthread_mutex_lock(&h->mu);
    if (h->gen == gen && h->ping_gen == ping && !h->shutdown) {
        s->waiting = true;
        s->next = h->waiting;
        h->waiting = s;
        MHD_suspend_connection(s->mhd);
    }
    pthread_mutex_unlock(&h->mu);
    return 0;
}

static void stream_free(void *cls) {
    sse_stream *s = cls;
    api__sse *h = s->hub;
    pthread_mutex_lock(&h->mu);
    if (s->waiting) {
        for (sse_stream **p = &h->waiting; *p; p = &(*p)->next)
            if (*p == s) {
                *p = s->next;
                break;
            }
    }
    pthread_mutex_unlock(&h->mu);
    lm_buf_free(&s->out);
    lm_free(s);
}

bool api__wants_event_stream(const api_req *r) {
    const char *a = api__header(r, "Accept");
    static const char want[] = "text/event-stream";
    for (; a && *a; a++)
        if (!strncasecmp(a, want, sizeof want - 1)) return true;
    return false;
}

lm_status api__events_stream(api_req *r) {
    api__sse *h = api__live_sse(api__req_live(r));
    if (!h) return api__error(r, LM_UNAVAILABLE, "", "event streams are not available");
    int64_t after = 0;
    const char *q = api__header(r, "Last-Event-ID");
    const char *field = "Last-Event-ID";
    if (!q) {
        q = api__query(r, "after");
        field = "after";
    }
    if (q && !lm_parse_i64(q, 0, INT64_MAX, &after))
        return api__error(r, LM_INVALID, field, "%s must be an event seq >= 0", field);
    sse_stream *s = lm_calloc(1, sizeof *s);
    if (!s) return api__error(r, LM_NOMEM, "", "out of memory");
    s->hub = h;
    s->st = r->store;
    s->mhd = api__req_connection(r);
    s->cursor = after;
    lm_buf_init(&s->out, SSE_CHUNK_MAX);
    pthread_mutex_lock(&h->mu);
    s->ping_seen = h->ping_gen;
    pthread_mutex_unlock(&h->mu);
    lm_status rc = api__reply_header(r, "Cache-Control", "no-store");
    if (rc == LM_OK) rc = api__reply_header(r, "X-Accel-Buffering", "no");
    if (rc != LM_OK) {
        stream_free(s);
        return api__error(r, rc, "", "out of memory");
    }
    return api__reply_stream(r, "text/event-stream", stream_read, stream_free, s);
}
