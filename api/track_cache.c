/* api/track_cache.c: the tracking snapshot (api/app.h, "Tracking snapshot"): the rendered reply
 * of GET /v1/track/{token} per token, with its ETag, kept while nothing it depends on changed.
 *
 * Why: a customer's phone polls every few seconds and almost every poll finds what the last one
 * found; rebuilding the answer costs a read transaction and ~6 queries, the snapshot a hash and a
 * copy (bench/results/perf-positions.md). What "changed" means: every state change of an order
 * or a stop appends an event (DESIGN.md, "Every state change is an event"), so a reply stays
 * valid while the event log has not grown; a reply that shows the driver's position or an ETA
 * also depends on positions, which are not events, so it is valid only while no position batch
 * has committed either. As a net under a change recorded without an event, no reply is kept
 * longer than API_TRACK_MAX_AGE_MS.
 *
 * Race: the marks are read before the store read that builds a reply, so a reply is filed under
 * marks no newer than its data; a commit that lands in between makes it stale at once, never
 * wrongly fresh. */
#include "api/app.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define API_TRACK_SLOTS      8192 /* tokens remembered (a collision evicts the older) */
#define API_TRACK_MAX_AGE_MS 1000

typedef struct track_slot {
    pthread_mutex_t mu;
    char token[33];
    /* the 200 and the 304, made once and sent as they are (api/http/shared_reply.c); NULL when
     * the slot is empty */
    http_shared_reply *ok, *not_modified;
    char etag[24];
    api_track_mark mark;
    bool live; /* depends on positions */
    int64_t built_ms;
} track_slot;

struct api_track_cache {
    atomic_int_fast64_t event_seq; /* the last event committed (store's event hook) */
    atomic_int_fast64_t pos_gen;   /* position batches committed */
    track_slot slots[API_TRACK_SLOTS];
};

lm_status api__track_cache_create(api_track_cache **out) {
    api_track_cache *c = lm_calloc(1, sizeof *c);
    if (!c) return LM_NOMEM;
    atomic_init(&c->event_seq, 0);
    atomic_init(&c->pos_gen, 0);
    for (size_t i = 0; i < API_TRACK_SLOTS; i++)
        pthread_mutex_init(&c->slots[i].mu, NULL);
    *out = c;
    return LM_OK;
}

void api__track_cache_destroy(api_track_cache *c) {
    if (!c) return;
    for (size_t i = 0; i < API_TRACK_SLOTS; i++) {
        http_shared_reply_unref(c->slots[i].ok);
        http_shared_reply_unref(c->slots[i].not_modified);
        pthread_mutex_destroy(&c->slots[i].mu);
    }
    lm_free(c);
}

void api__track_cache_events(api_track_cache *c, int64_t last_seq) {
    if (!c) return;
    int64_t cur = atomic_load(&c->event_seq);
    while (cur < last_seq && !atomic_compare_exchange_weak(&c->event_seq, &cur, last_seq)) {
    }
}

void api__track_cache_positions(api_track_cache *c) {
    if (c) atomic_fetch_add(&c->pos_gen, 1);
}

api_track_mark api__track_cache_mark(api_track_cache *c) {
    api_track_mark m = {0, 0};
    if (c) {
        m.event_seq = atomic_load(&c->event_seq);
        m.pos_gen = atomic_load(&c->pos_gen);
    }
    return m;
}

/* FNV-1a, 64 bits: the slot of a token, and (over a body) its ETag. */
static uint64_t fnv1a(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

void api__track_etag(const char *body, size_t len, char out[24]) {
    snprintf(out, 24, "\"%016llx\"", (unsigned long long)fnv1a(body, len));
}

static track_slot *slot_of(api_track_cache *c, const char *token) {
    return &c->slots[fnv1a(token, strlen(token)) % API_TRACK_SLOTS];
}

bool api__track_cache_get(api_track_cache *c, const char *token, api_track_mark now,
                          http_shared_reply **ok, http_shared_reply **not_modified, char etag[24]) {
    if (!c) return false;
    track_slot *s = slot_of(c, token);
    bool hit = false;
    pthread_mutex_lock(&s->mu);
    if (s->ok && !strcmp(s->token, token) && s->mark.event_seq == now.event_seq &&
        (!s->live || s->mark.pos_gen == now.pos_gen) &&
        lm_now_ms() - s->built_ms < API_TRACK_MAX_AGE_MS) {
        http_shared_reply_ref(s->ok);
        http_shared_reply_ref(s->not_modified);
        *ok = s->ok;
        *not_modified = s->not_modified;
        memcpy(etag, s->etag, 24);
        hit = true;
    }
    pthread_mutex_unlock(&s->mu);
    return hit;
}

void api__track_cache_put(api_track_cache *c, const char *token, api_track_mark built_at, bool live,
                          const char *body, size_t len, const char etag[24]) {
    if (!c || strlen(token) >= sizeof c->slots[0].token) return;
    const char *const headers[][2] = {{"ETag", etag}, {"Cache-Control", "no-cache"}};
    http_shared_reply *ok = NULL, *not_modified = NULL;
    /* the snapshot is an optimisation: without memory, no entry */
    if (http_shared_reply_new(200, "application/json", body, len, headers, 2, &ok) != LM_OK ||
        http_shared_reply_new(304, NULL, "", 0, headers, 2, &not_modified) != LM_OK) {
        http_shared_reply_unref(ok);
        return;
    }
    track_slot *s = slot_of(c, token);
    pthread_mutex_lock(&s->mu);
    http_shared_reply *old_ok = s->ok, *old_nm = s->not_modified;
    lm_strlcpy(s->token, token, sizeof s->token);
    s->ok = ok;
    s->not_modified = not_modified;
    memcpy(s->etag, etag, 24);
    s->mark = built_at;
    s->live = live;
    s->built_ms = lm_now_ms();
    pthread_mutex_unlock(&s->mu);
    http_shared_reply_unref(old_ok); /* a request sending them keeps its own reference */
    http_shared_reply_unref(old_nm);
}
