/* store/keys_cache.c: the key cache behind store_key_check (store/keys.c), the key check of every
 * request without a read of the key table each time. It holds what the table holds for keys
 * verified lately (id, salt, salted hash, role, driver), never a secret: a presented key is
 * hashed and compared exactly as store_key_verify does, only the row comes from memory.
 *
 * Freshness: a commit of this process that revokes a key empties the cache before the commit
 * returns (store__tx_keys_changed, store.c), and a generation counter keeps a check that read
 * the table before that commit from putting its stale row back. Changes made by another process
 * are seen when the entry expires (STORE_KEY_CACHE_TTL_MS). */
#include "store/internal.h"

#include <pthread.h>
#include <string.h>

#define KC_SLOTS 256 /* direct-mapped by key id; a collision replaces the older entry */

typedef struct kc_entry {
    bool used;
    int64_t until_ns; /* monotonic: read again after this */
    store__key_secret k;
} kc_entry;

struct store__keycache {
    pthread_mutex_t mu;
    uint64_t gen; /* bumped by every clear */
    kc_entry e[KC_SLOTS];
};

store__keycache *store__keycache_new(void) {
    store__keycache *c = lm_calloc(1, sizeof *c);
    if (c) pthread_mutex_init(&c->mu, NULL);
    return c;
}

void store__keycache_free(store__keycache *c) {
    if (!c) return;
    pthread_mutex_destroy(&c->mu);
    memset(c->e, 0, sizeof c->e);
    lm_free(c);
}

void store__keycache_clear(store__keycache *c) {
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->gen++;
    memset(c->e, 0, sizeof c->e);
    pthread_mutex_unlock(&c->mu);
}

static size_t slot_of(const char *id) {
    uint32_t h = 2166136261u; /* FNV-1a of the id */
    for (const char *p = id; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return h % KC_SLOTS;
}

bool store__keycache_get(store__keycache *c, const char *id, store__key_secret *out,
                         uint64_t *gen) {
    kc_entry *e = &c->e[slot_of(id)];
    pthread_mutex_lock(&c->mu);
    bool hit = e->used && !strcmp(e->k.info.id, id) && lm_mono_ns() < e->until_ns;
    if (hit) *out = e->k;
    *gen = c->gen;
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void store__keycache_put(store__keycache *c, const store__key_secret *k, uint64_t gen) {
    kc_entry *e = &c->e[slot_of(k->info.id)];
    pthread_mutex_lock(&c->mu);
    if (c->gen == gen) {
        e->used = true;
        e->until_ns = lm_mono_ns() + (int64_t)STORE_KEY_CACHE_TTL_MS * 1000000;
        e->k = *k;
    }
    pthread_mutex_unlock(&c->mu);
}
