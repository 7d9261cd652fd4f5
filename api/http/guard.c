/* api/http/guard.c: the connection guard (api/http/guard.h): per-connection phase deadlines and
 * shedding of idle unauthenticated connections near the cap, enforced by a reaper thread. */
#include "api/http/guard.h"

#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

typedef struct guard_slot {
    int fd;
    bool used, closing, authed;
    int phase;
    int64_t since_ns; /* when the current phase began */
} guard_slot;

struct http__guard {
    http__guard_opts o;
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t cv;  /* wakes the reaper to stop */
    guard_slot *slots;
    size_t n_slots;
    size_t *free_idx; /* stack of free slot indices */
    size_t n_free;
    http__guard_stats st;
    bool stopping, has_thread;
    pthread_t thread;
};

/* Closes the slot's connection (the caller holds mu). shutdown(), not close(): the descriptor
 * stays libmicrohttpd's, which reads end-of-file and frees the connection on its own thread. */
static void slot_close(http__guard *g, guard_slot *s) {
    if (s->closing) return;
    s->closing = true;
    g->st.live--;
    (void)shutdown(s->fd, SHUT_RDWR);
}

/* Sheds while at or over the soft cap: the longest-waiting HEAD connection without a key first. */
static void shed(http__guard *g) {
    int64_t soft = (int64_t)g->o.max_conns - (int64_t)g->o.reserve;
    while (g->st.live >= soft) {
        guard_slot *victim = NULL;
        for (size_t i = 0; i < g->n_slots; i++) {
            guard_slot *s = &g->slots[i];
            if (!s->used || s->closing || s->authed || s->phase != HTTP__PHASE_HEAD) continue;
            if (!victim || s->since_ns < victim->since_ns) victim = s;
        }
        if (!victim) return; /* everything open is working or keyed: the hard cap decides */
        slot_close(g, victim);
        g->st.shed++;
    }
}

void http__guard_sweep(http__guard *g, int64_t now_ns) {
    int64_t head_ns = (int64_t)g->o.header_timeout_s * 1000000000LL;
    int64_t body_ns = (int64_t)g->o.body_timeout_s * 1000000000LL;
    pthread_mutex_lock(&g->mu);
    for (size_t i = 0; i < g->n_slots; i++) {
        guard_slot *s = &g->slots[i];
        if (!s->used || s->closing) continue;
        if (s->phase == HTTP__PHASE_HEAD && head_ns && now_ns - s->since_ns >= head_ns) {
            slot_close(g, s);
            g->st.closed_head++;
        } else if (s->phase == HTTP__PHASE_BODY && body_ns && now_ns - s->since_ns >= body_ns) {
            slot_close(g, s);
            g->st.closed_body++;
        }
    }
    shed(g);
    pthread_mutex_unlock(&g->mu);
}

static void *reaper(void *arg) {
    http__guard *g = arg;
    pthread_mutex_lock(&g->mu);
    while (!g->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = (int64_t)ts.tv_nsec + (int64_t)g->o.tick_ms * 1000000LL;
        ts.tv_sec += (time_t)(ns / 1000000000LL);
        ts.tv_nsec = (long)(ns % 1000000000LL);
        int rc = pthread_cond_timedwait(&g->cv, &g->mu, &ts);
        if (g->stopping) break;
        if (rc == ETIMEDOUT) {
            pthread_mutex_unlock(&g->mu);
            http__guard_sweep(g, lm_mono_ns());
            pthread_mutex_lock(&g->mu);
        }
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

lm_status http__guard_create(const http__guard_opts *o, http__guard **out) {
    if (o->max_conns < 1 || o->reserve >= o->max_conns) return LM_INVALID;
    http__guard *g = lm_calloc(1, sizeof *g);
    if (!g) return LM_NOMEM;
    g->o = *o;
    /* libmicrohttpd splits its limit over the pool's threads rounding up, and a slot is freed
     * only at CLOSED: keep headroom so that a live connection always finds one */
    g->n_slots = (size_t)o->max_conns * 2 + 64;
    g->slots = lm_calloc(g->n_slots, sizeof *g->slots);
    g->free_idx = lm_calloc(g->n_slots, sizeof *g->free_idx);
    pthread_mutex_init(&g->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!g->slots || !g->free_idx) {
        http__guard_destroy(g);
        return LM_NOMEM;
    }
    for (size_t i = 0; i < g->n_slots; i++)
        g->free_idx[i] = g->n_slots - 1 - i;
    g->n_free = g->n_slots;
    if (o->tick_ms) {
        if (pthread_create(&g->thread, NULL, reaper, g) != 0) {
            http__guard_destroy(g);
            return LM_NOMEM;
        }
        g->has_thread = true;
    }
    *out = g;
    return LM_OK;
}

void http__guard_destroy(http__guard *g) {
    if (!g) return;
    if (g->has_thread) {
        pthread_mutex_lock(&g->mu);
        g->stopping = true;
        pthread_cond_signal(&g->cv);
        pthread_mutex_unlock(&g->mu);
        pthread_join(g->thread, NULL);
    }
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    lm_free(g->slots);
    lm_free(g->free_idx);
    lm_free(g);
}

void http__guard_opened(http__guard *g, int fd, int64_t now_ns, void **slot) {
    *slot = NULL;
    pthread_mutex_lock(&g->mu);
    g->st.accepted++;
    if (!g->n_free) { /* cannot happen with the headroom above; never leave one unguarded */
        (void)shutdown(fd, SHUT_RDWR);
        pthread_mutex_unlock(&g->mu);
        return;
    }
    guard_slot *s = &g->slots[g->free_idx[--g->n_free]];
    *s = (guard_slot){.fd = fd, .used = true, .phase = HTTP__PHASE_HEAD, .since_ns = now_ns};
    g->st.live++;
    if (g->st.live > g->st.peak) g->st.peak = g->st.live;
    shed(g);
    *slot = s;
    pthread_mutex_unlock(&g->mu);
}

void http__guard_closed(http__guard *g, void *slot) {
    guard_slot *s = slot;
    if (!s) return;
    pthread_mutex_lock(&g->mu);
    if (!s->closing) g->st.live--;
    s->used = false;
    g->free_idx[g->n_free++] = (size_t)(s - g->slots);
    pthread_mutex_unlock(&g->mu);
}

void http__guard_phase(http__guard *g, void *slot, int phase, bool authed, int64_t now_ns) {
    guard_slot *s = slot;
    if (!s) return;
    pthread_mutex_lock(&g->mu);
    s->phase = phase;
    s->since_ns = now_ns;
    s->authed = s->authed || authed;
    pthread_mutex_unlock(&g->mu);
}

bool http__guard_body_late(http__guard *g, void *slot, int64_t now_ns) {
    guard_slot *s = slot;
    if (!s || !g->o.body_timeout_s) return false;
    pthread_mutex_lock(&g->mu);
    bool late = s->phase == HTTP__PHASE_BODY &&
                now_ns - s->since_ns >= (int64_t)g->o.body_timeout_s * 1000000000LL;
    if (late && !s->closing) {
        slot_close(g, s);
        g->st.closed_body++;
    }
    pthread_mutex_unlock(&g->mu);
    return late;
}

void http__guard_stats_get(http__guard *g, http__guard_stats *out) {
    pthread_mutex_lock(&g->mu);
    *out = g->st;
    pthread_mutex_unlock(&g->mu);
}
