/* dispatch/guard.c: the per-address failure limiter (dispatch/guard.h): a fixed table of
 * addresses, each slot found by hash with a short linear probe, under one mutex. */
#include "dispatch/guard.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define PROBE 8 /* slots an address may occupy, from its hash on */

typedef struct slot {
    char addr[DISPATCH_GUARD_ADDR_MAX]; /* "" = free */
    int64_t window_start_ms;
    size_t failures; /* in the window that started at window_start_ms */
    int64_t blocked_until_ms;
    int64_t last_ms; /* last touched: the idle-longest gives way when the table is full */
} slot;

struct dispatch_guard {
    dispatch_guard_opts o;
    pthread_mutex_t mu;
    slot *slots;
    dispatch_guard_stats stats;
    /* the latest blocked_until_ms ever set: from then on no address is blocked, and
     * dispatch_guard_allowed answers without the mutex (every request asks) */
    _Atomic int64_t latest_block_ms;
};

void dispatch_guard_opts_init(dispatch_guard_opts *o) {
    o->max_failures = 20;
    o->window_ms = 60000;
    o->block_ms = 300000;
    o->slots = 4096;
}

lm_status dispatch_guard_create(const dispatch_guard_opts *o, dispatch_guard **out) {
    if (!o || o->max_failures == 0 || o->window_ms <= 0 || o->block_ms <= 0 || o->slots == 0 ||
        o->slots > ((size_t)1 << 24))
        return LM_INVALID;
    dispatch_guard *g = lm_calloc(1, sizeof *g);
    if (!g) return LM_NOMEM;
    g->o = *o;
    if (!(g->slots = lm_calloc(o->slots, sizeof *g->slots))) {
        lm_free(g);
        return LM_NOMEM;
    }
    pthread_mutex_init(&g->mu, NULL);
    *out = g;
    return LM_OK;
}

void dispatch_guard_destroy(dispatch_guard *g) {
    if (!g) return;
    pthread_mutex_destroy(&g->mu);
    lm_free(g->slots);
    lm_free(g);
}

/* The slot of addr; with create, a new one (evicting the idle-longest probed) when absent.
 * NULL when absent and !create. Called with the mutex held. */
static slot *find(dispatch_guard *g, const char *addr, int64_t now_ms, bool create) {
    uint64_t h = 1469598103934665603ull;
    for (const char *p = addr; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    slot *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < PROBE && i < g->o.slots; i++) {
        slot *s = &g->slots[(h + i) % g->o.slots];
        if (s->addr[0] && !strncmp(s->addr, addr, sizeof s->addr - 1)) return s;
        if (!s->addr[0]) {
            if (!free_slot) free_slot = s;
        } else if (!oldest || s->last_ms < oldest->last_ms) {
            oldest = s;
        }
    }
    if (!create) return NULL;
    slot *s = free_slot ? free_slot : oldest;
    memset(s, 0, sizeof *s);
    lm_strlcpy(s->addr, addr, sizeof s->addr);
    s->window_start_ms = now_ms;
    s->last_ms = now_ms;
    return s;
}

/* A block until until_ms was set (mutex held). */
static void note_block(dispatch_guard *g, int64_t until_ms) {
    if (until_ms > atomic_load_explicit(&g->latest_block_ms, memory_order_relaxed))
        atomic_store_explicit(&g->latest_block_ms, until_ms, memory_order_release);
}

bool dispatch_guard_allowed(dispatch_guard *g, const char *addr, int64_t now_ms,
                            int64_t *retry_after_ms) {
    if (!addr || !*addr ||
        now_ms >= atomic_load_explicit(&g->latest_block_ms, memory_order_acquire))
        return true;
    pthread_mutex_lock(&g->mu);
    slot *s = find(g, addr, now_ms, false);
    bool ok = !s || now_ms >= s->blocked_until_ms;
    if (!ok) {
        g->stats.refused++;
        if (retry_after_ms) *retry_after_ms = s->blocked_until_ms - now_ms;
    }
    pthread_mutex_unlock(&g->mu);
    return ok;
}

bool dispatch_guard_fail(dispatch_guard *g, const char *addr, int64_t now_ms) {
    if (!addr || !*addr) return false;
    pthread_mutex_lock(&g->mu);
    slot *s = find(g, addr, now_ms, true);
    g->stats.failures++;
    s->last_ms = now_ms;
    bool blocked_now = false;
    if (now_ms < s->blocked_until_ms) {
        /* failures while blocked do not extend the block: the refusals already cost nothing */
    } else {
        if (now_ms - s->window_start_ms >= g->o.window_ms) {
            s->window_start_ms = now_ms;
            s->failures = 0;
        }
        if (++s->failures >= g->o.max_failures) {
            s->blocked_until_ms = now_ms + g->o.block_ms;
            note_block(g, s->blocked_until_ms);
            s->failures = 0;
            s->window_start_ms = s->blocked_until_ms;
            g->stats.blocks++;
            blocked_now = true;
        }
    }
    pthread_mutex_unlock(&g->mu);
    return blocked_now;
}

bool dispatch_guard_block_until(dispatch_guard *g, const char *addr, int64_t now_ms,
                                int64_t until_ms) {
    if (!addr || !*addr || until_ms <= now_ms) return false;
    pthread_mutex_lock(&g->mu);
    slot *s = find(g, addr, now_ms, true);
    s->last_ms = now_ms;
    bool blocked_now = now_ms >= s->blocked_until_ms;
    if (until_ms > s->blocked_until_ms) s->blocked_until_ms = until_ms;
    note_block(g, s->blocked_until_ms);
    if (blocked_now) g->stats.blocks++;
    pthread_mutex_unlock(&g->mu);
    return blocked_now;
}

void dispatch_guard_stats_get(dispatch_guard *g, dispatch_guard_stats *out) {
    pthread_mutex_lock(&g->mu);
    *out = g->stats;
    pthread_mutex_unlock(&g->mu);
}
