/* events/events.h: carrying the event log out: each event as the JSON object streams and
 * webhooks send, the fan-out hub that wakes live event streams when events commit, and webhook
 * delivery (events/webhooks.h: the event log is the outbox; libcurl, signed, SSRF-checked). Nothing
 * here knows HTTP serving: the streaming reply itself belongs to the HTTP layer.
 *
 * Ownership: events_json's text is the caller's (lm_free); the store is borrowed by the webhook
 * sender and must outlive it; a subscriber is the caller's memory, registered with the hub only
 * while parked. */
#ifndef LASTMILE_EVENTS_H
#define LASTMILE_EVENTS_H

#include "store/store.h"

/* ---- Event JSON (events/json.c) ---- */

/* One event as {seq, time_ms, type, entity, entity_id (null when none), payload (the stored
 * JSON text as it is, {} when none)}. Caller lm_frees; NULL when out of memory. */
LM_MUST_USE char *events_json(const store_event *ev);

/* ---- Fan-out hub (events/hub.c) ----
 * Streams read the log themselves (store_events_since from their cursor); the hub only tells
 * them when to look again: a commit with events, a keep-alive tick every 15 s, or shutdown. A
 * stream with nothing to send parks until then instead of polling. */

typedef struct events_hub events_hub;

/* What a stream saw when it last looked; compare with a later mark to know what moved. */
typedef struct events_mark {
    uint64_t gen;  /* commits with events so far */
    uint64_t tick; /* keep-alive ticks so far */
    bool shutdown;
} events_mark;

/* A parked stream. wake is called once, with the hub's lock held, when the hub moves on (it
 * must be quick and must not call the hub); the hub has unparked it by then. */
typedef struct events_sub events_sub;
struct events_sub {
    void (*wake)(events_sub *s);
    void *ctx;
    bool parked;      /* the hub's */
    events_sub *next; /* the hub's */
};

/* Creates a hub and starts its keep-alive ticker. LM_NOMEM / LM_INTERNAL. */
LM_MUST_USE lm_status events_hub_create(events_hub **out);
/* Events up to last_seq are committed: wakes every parked stream. NULL-safe. */
void events_hub_notify(events_hub *h, int64_t last_seq);
/* Wakes every stream for good (their marks show shutdown) and stops the ticker. NULL-safe. */
void events_hub_shutdown(events_hub *h);
/* Shuts down (if not yet) and frees; no stream may still use it. NULL-safe. */
void events_hub_destroy(events_hub *h);
/* The hub's current mark. */
events_mark events_hub_mark(events_hub *h);
/* Parks s if the hub has not moved past seen: park(s) (suspending the stream's connection) is
 * called under the hub's lock, so that no wake-up slips in between; true then. False when it
 * has moved (look again at once). */
bool events_hub_park(events_hub *h, events_sub *s, const events_mark *seen,
                     void (*park)(events_sub *s));
/* Removes s if it is parked (a stream ending). */
void events_hub_unpark(events_hub *h, events_sub *s);

/* ---- Webhooks: policy, signature, sealed secrets, delivery: events/webhooks.h ---- */

#include "events/webhooks.h"

#endif
