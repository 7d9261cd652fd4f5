/* The engines' pair cache: (from, to) coordinates rounded to 1e-5 degree (about a metre) map to
 * the engine's duration and distance, so re-planning refetches only pairs that changed. */
#include "geo/internal.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

typedef struct cache_entry {
    int32_t k[4]; /* from lat, from lon, to lat, to lon in 1e-5 degree */
    int32_t dur, dist;
    bool used;
} cache_entry;

struct geo__cache {
    pthread_mutex_t lock;
    cache_entry *slots; /* open addressing, linear probing; NULL until the first put */
    size_t n_slots;     /* power of two */
    size_t count;
    size_t max_cells;
};

lm_status geo__cache_create(size_t max_cells, geo__cache **out) {
    geo__cache *c = lm_calloc(1, sizeof *c);
    if (!c) return LM_NOMEM;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        lm_free(c);
        return LM_INTERNAL;
    }
    c->max_cells = max_cells;
    *out = c;
    return LM_OK;
}

void geo__cache_destroy(geo__cache *c) {
    if (!c) return;
    pthread_mutex_destroy(&c->lock);
    lm_free(c->slots);
    lm_free(c);
}

static int32_t q5(double deg) {
    return (int32_t)lround(deg * 1e5);
}

static void key_make(const geo_point *a, const geo_point *b, int32_t k[4]) {
    k[0] = q5(a->lat);
    k[1] = q5(a->lon);
    k[2] = q5(b->lat);
    k[3] = q5(b->lon);
}

static size_t key_hash(const int32_t k[4]) {
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < 4; i++) {
        h ^= (uint32_t)k[i];
        h *= 1099511628211ULL;
        h ^= h >> 29;
    }
    return (size_t)h;
}

static cache_entry *slot_find(cache_entry *slots, size_t n_slots, const int32_t k[4]) {
    size_t mask = n_slots - 1;
    for (size_t i = key_hash(k) & mask;; i = (i + 1) & mask) {
        cache_entry *e = &slots[i];
        if (!e->used || memcmp(e->k, k, sizeof e->k) == 0) return e;
    }
}

/* Keeps the load factor under 1/2. Called with the lock held; false on no memory. */
static bool grow(geo__cache *c) {
    size_t want = c->n_slots ? c->n_slots * 2 : 1024;
    cache_entry *ns = lm_calloc(want, sizeof *ns);
    if (!ns) return false;
    for (size_t i = 0; i < c->n_slots; i++) {
        if (!c->slots[i].used) continue;
        *slot_find(ns, want, c->slots[i].k) = c->slots[i];
    }
    lm_free(c->slots);
    c->slots = ns;
    c->n_slots = want;
    return true;
}

size_t geo__cache_fill(geo__cache *c, const geo_point *pts, size_t n, int32_t *dur, int32_t *dist,
                       bool *have) {
    size_t found = 0;
    pthread_mutex_lock(&c->lock);
    if (c->count > 0) {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++) {
                size_t cell = i * n + j;
                if (i == j || have[cell]) continue;
                int32_t k[4];
                key_make(&pts[i], &pts[j], k);
                cache_entry *e = slot_find(c->slots, c->n_slots, k);
                if (!e->used) continue;
                dur[cell] = e->dur;
                dist[cell] = e->dist;
                have[cell] = true;
                found++;
            }
        }
    }
    pthread_mutex_unlock(&c->lock);
    return found;
}

void geo__cache_put_block(geo__cache *c, const geo_point *pts, const uint32_t *rows, size_t nr,
                          const uint32_t *cols, size_t nc, const int32_t *vd, const int32_t *vs,
                          const bool *ok) {
    pthread_mutex_lock(&c->lock);
    for (size_t a = 0; a < nr; a++) {
        for (size_t b = 0; b < nc; b++) {
            if (!ok[a * nc + b] || rows[a] == cols[b]) continue;
            /* Bounded: once full, start over rather than track recency; a re-plan refills the
             * pairs it still needs in one pass. */
            if (c->count >= c->max_cells) {
                memset(c->slots, 0, c->n_slots * sizeof *c->slots);
                c->count = 0;
            }
            if ((c->count + 1) * 2 > c->n_slots && !grow(c)) goto done;
            int32_t k[4];
            key_make(&pts[rows[a]], &pts[cols[b]], k);
            cache_entry *e = slot_find(c->slots, c->n_slots, k);
            if (!e->used) c->count++;
            memcpy(e->k, k, sizeof k);
            e->dur = vd[a * nc + b];
            e->dist = vs[a * nc + b];
            e->used = true;
        }
    }
done:
    pthread_mutex_unlock(&c->lock);
}

size_t geo__cache_count(geo__cache *c) {
    pthread_mutex_lock(&c->lock);
    size_t n = c->count;
    pthread_mutex_unlock(&c->lock);
    return n;
}
