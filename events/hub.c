/* events/hub.c: the fan-out hub (events/events.h): a generation bumped on every commit with
 * events, a keep-alive tick every 15 s, and the list of parked streams woken by either. Idle
 * streams cost no thread and no polling. */
#include "events/events.h"

#include <pthread.h>
#include <time.h>

#define TICK_MS 15000

struct events_hub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t gen;  /* bumped on every commit with events */
    uint64_t tick; /* bumped every TICK_MS */
    bool shutdown;
    events_sub *parked;
    pthread_t ticker;
    bool ticker_started;
};

/* Wakes every parked stream; h->mu held. */
static void wake_all(events_hub *h) {
    events_sub *s = h->parked;
    h->parked = NULL;
    while (s) {
        events_sub *next = s->next; /* the stream may be gone once woken */
        s->parked = false;
        s->next = NULL;
        s->wake(s);
        s = next;
    }
}

static void *ticker_main(void *arg) {
    events_hub *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->shutdown) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += TICK_MS / 1000;
        int rc = pthread_cond_timedwait(&h->cv, &h->mu, &ts);
        if (rc != 0 && !h->shutdown) {
            h->tick++;
            wake_all(h);
        }
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

lm_status events_hub_create(events_hub **out) {
    events_hub *h = lm_calloc(1, sizeof *h);
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

void events_hub_notify(events_hub *h, int64_t last_seq) {
    (void)last_seq;
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    h->gen++;
    wake_all(h);
    pthread_mutex_unlock(&h->mu);
}

void events_hub_shutdown(events_hub *h) {
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

void events_hub_destroy(events_hub *h) {
    if (!h) return;
    events_hub_shutdown(h);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    lm_free(h);
}

events_mark events_hub_mark(events_hub *h) {
    pthread_mutex_lock(&h->mu);
    events_mark m = {.gen = h->gen, .tick = h->tick, .shutdown = h->shutdown};
    pthread_mutex_unlock(&h->mu);
    return m;
}

bool events_hub_park(events_hub *h, events_sub *s, const events_mark *seen,
                     void (*park)(events_sub *s)) {
    pthread_mutex_lock(&h->mu);
    bool parked = h->gen == seen->gen && h->tick == seen->tick && !h->shutdown;
    if (parked) {
        s->parked = true;
        s->next = h->parked;
        h->parked = s;
        park(s);
    }
    pthread_mutex_unlock(&h->mu);
    return parked;
}

void events_hub_unpark(events_hub *h, events_sub *s) {
    pthread_mutex_lock(&h->mu);
    if (s->parked) {
        for (events_sub **p = &h->parked; *p; p = &(*p)->next)
            if (*p == s) {
                *p = s->next;
                break;
            }
        s->parked = false;
    }
    pthread_mutex_unlock(&h->mu);
}
