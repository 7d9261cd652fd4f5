/* store: persistence of driver positions (OsmAnd and the driver API), deduplicated by device and
 * device time, pruned by age; and of webhook subscriptions with their delivery cursors.
 * Ownership: lists are allocated here and lm_free'd by the caller. Writes take a store_tx (the
 * caller commits); reads take a store_read. */
#ifndef LASTMILE_STORE_POSITIONS_H
#define LASTMILE_STORE_POSITIONS_H

#include "store/store.h"

#define STORE_DEVICE_MAX         64  /* bytes of a device id, NUL included */
#define STORE_POSITION_ATTRS_MAX 512 /* bytes of a position's attributes JSON, NUL included */
#define STORE_PUSH_TOKEN_MAX     256 /* bytes of a device's push token, NUL included */

typedef struct store_position {
    char device_id[STORE_DEVICE_MAX];
    char driver_id[STORE_DRIVER_MAX];
    int64_t time_ms;    /* device time, epoch ms (server receive time when the device sent none) */
    int64_t recv_ms;    /* server receive time, epoch ms */
    double lat, lon;    /* WGS84 degrees */
    double speed_mps;   /* NAN when unknown (stored as NULL) */
    double heading_deg; /* NAN when unknown */
    double altitude_m;  /* NAN when unknown */
    double accuracy_m;  /* NAN when unknown */
    double battery_pct; /* NAN when unknown */
    int charging;       /* 1, 0, or -1 unknown */
    char attributes[STORE_POSITION_ATTRS_MAX]; /* what else the phone reported: a JSON object
                                                  text (alarm, odometer, cell, ...), "" none */
} store_position;

/* Inserts pos[0..n) with one prepared statement. A position whose (device_id, time_ms) is
 * already stored is a duplicate (a retried request) and is skipped: inserted[i] (may be NULL)
 * says which were new. */
LM_MUST_USE lm_status store_positions_insert(store_tx *tx, const store_position *pos, size_t n,
                                             bool *inserted, lm_errinfo *err);
/* Inserts pos[0..n) as store_positions_insert does, several rows per statement, without saying
 * which were new (a batch's positions that move no live state, gathered by the ingest). */
LM_MUST_USE lm_status store_positions_append(store_tx *tx, const store_position *pos, size_t n,
                                             lm_errinfo *err);
/* Positions of one device (device_id) or one driver (driver_id; the other NULL) with device time
 * in [from_ms, to_ms], oldest first, at most limit (1..100000). */
LM_MUST_USE lm_status store_positions_list(store_read *r, const char *device_id,
                                           const char *driver_id, int64_t from_ms, int64_t to_ms,
                                           size_t limit, store_position **out, size_t *n,
                                           lm_errinfo *err);
/* The newest position (by device time) of a driver; NOT_FOUND when it has none. */
LM_MUST_USE lm_status store_position_latest(store_read *r, const char *driver_id,
                                            store_position *out, lm_errinfo *err);
/* Deletes about limit (ties in time may add a few) of the positions whose device time is before
 * before_ms, oldest first; *deleted says how many. */
LM_MUST_USE lm_status store_positions_prune(store_tx *tx, int64_t before_ms, size_t limit,
                                            int64_t *deleted, lm_errinfo *err);
LM_MUST_USE lm_status store_positions_count(store_read *r, int64_t *out, lm_errinfo *err);

/* A device's push token (Traccar Client's notificationToken), the newest one kept, with the
 * driver the device belongs to. */
LM_MUST_USE lm_status store_push_token_put(store_tx *tx, const char *device_id,
                                           const char *driver_id, const char *token, int64_t t_ms,
                                           lm_errinfo *err);
/* Records that device raised alarm at time_ms; *first is false when it was recorded before (a
 * phone retrying the same report), so the alarm is raised once. */
LM_MUST_USE lm_status store_alarm_first(store_tx *tx, const char *device_id, int64_t time_ms,
                                        const char *alarm, bool *first, lm_errinfo *err);
/* The device's token into out[STORE_PUSH_TOKEN_MAX]; NOT_FOUND when it never sent one. */
LM_MUST_USE lm_status store_push_token_get(store_read *r, const char *device_id, char *out,
                                           lm_errinfo *err);

/* ---- Webhooks ---- */

#define STORE_URL_MAX    1024 /* bytes of a webhook URL, NUL included */
#define STORE_SECRET_MAX 256  /* bytes of a webhook secret as given, NUL included */
#define STORE_SEALED_MAX 640  /* bytes of a sealed secret or credential (events/seal.c) */

typedef struct store_webhook {
    int64_t id;
    char url[STORE_URL_MAX];       /* without credentials: may be shown */
    char secret[STORE_SEALED_MAX]; /* sealed (events/seal.c); never shown */
    char auth[STORE_SEALED_MAX];   /* the URL's "user:password", sealed; "" when none */
    int64_t created_ms;
    int64_t cursor_seq;      /* every event with seq <= this was delivered (or predates it) */
    int64_t attempts;        /* failed attempts at the event after the cursor */
    int64_t next_attempt_ms; /* no delivery before this (backoff) */
    char last_error[256];
} store_webhook;

/* Registers a webhook starting after the event log's current end (cursor = last seq). The store
 * keeps url, secret and auth as given: events_webhook_create (events/webhooks.h) checks the URL
 * and seals the secrets first. */
LM_MUST_USE lm_status store_webhook_create(store_tx *tx, const char *url, const char *secret,
                                           const char *auth, store_webhook *out, lm_errinfo *err);
LM_MUST_USE lm_status store_webhook_delete(store_tx *tx, int64_t id, lm_errinfo *err);
/* The first 1000 webhooks ordered by id; *out lm_free'd by the caller (NULL when none). */
LM_MUST_USE lm_status store_webhook_list(store_read *r, store_webhook **out, size_t *n,
                                         lm_errinfo *err);
/* Up to limit (1..1000) webhooks with id > after_id, ordered by id: paging through any number. */
LM_MUST_USE lm_status store_webhook_page(store_read *r, int64_t after_id, size_t limit,
                                         store_webhook **out, size_t *n, lm_errinfo *err);
/* One webhook; LM_NOT_FOUND once deleted. */
LM_MUST_USE lm_status store_webhook_get(store_read *r, int64_t id, store_webhook *out,
                                        lm_errinfo *err);
/* Ids (> after_id, ascending, at most limit) of the webhooks with events to deliver (cursor
 * behind the log's end) whose backoff has run out by now_ms. *ids lm_free'd by the caller. */
LM_MUST_USE lm_status store_webhook_due(store_read *r, int64_t after_id, int64_t now_ms,
                                        size_t limit, int64_t **ids, size_t *n, lm_errinfo *err);
/* Replaces a webhook's url, secret and auth (sealing rows written before sealing existed).
 * NOT_FOUND if the webhook was deleted. */
LM_MUST_USE lm_status store_webhook_rewrite(store_tx *tx, int64_t id, const char *url,
                                            const char *secret, const char *auth, lm_errinfo *err);
/* Records a delivery outcome: cursor_seq moves to cursor (only forward), attempts and
 * next_attempt_ms and last_error are replaced. NOT_FOUND if the webhook was deleted. */
LM_MUST_USE lm_status store_webhook_progress(store_tx *tx, int64_t id, int64_t cursor,
                                             int64_t attempts, int64_t next_attempt_ms,
                                             const char *last_error, lm_errinfo *err);

/* ---- Delivery leases: several nodes share the webhooks (events/webhooks.c) ----
 * One node at a time delivers a webhook: the one holding its lease. The lease names its owner
 * and runs until until_ms on the owner's clock (the nodes' clocks are kept in step by NTP); a
 * node that dies mid-delivery leaves the lease to run out, then another node claims it and goes
 * on from the stored cursor. */

/* Takes webhook id's lease for owner until until_ms when the webhook's backoff is over at now_ms
 * and no other owner's lease is live (on PostgreSQL the webhook row is locked FOR UPDATE SKIP
 * LOCKED: a node claiming it at the same moment is passed by, never waited for). *got says
 * whether; then *out is the webhook's row. */
LM_MUST_USE lm_status store_webhook_claim(store_tx *tx, int64_t id, const char *owner,
                                          int64_t now_ms, int64_t until_ms, store_webhook *out,
                                          bool *got, lm_errinfo *err);
/* Ends owner's lease on webhook id and records the outcome as store_webhook_progress does. When
 * owner no longer holds the lease (it ran out and another node took it), nothing is recorded and
 * *kept is false. */
LM_MUST_USE lm_status store_webhook_release(store_tx *tx, int64_t id, const char *owner,
                                            int64_t cursor, int64_t attempts,
                                            int64_t next_attempt_ms, const char *last_error,
                                            bool *kept, lm_errinfo *err);

#endif
