/* store: what position ingest keeps about refused positions (migration 201): a count per driver
 * and reason, the last few refused fixes of each driver, and the clock of the rate-limited
 * position.refused event. The opt-in for short device ids is a column of drivers
 * (store_driver.allow_short_device_id), added by the same migration.
 * Ownership: lists are allocated here and lm_free'd by the caller. Writes take a store_tx (the
 * caller commits); reads take a store_read. */
#ifndef LASTMILE_STORE_DEVICES_H
#define LASTMILE_STORE_DEVICES_H

#include "store/store.h"

#define STORE_REASON_MAX      16 /* bytes of a refusal reason, NUL included */
#define STORE_DEVICE_HINT_MAX 8  /* bytes of a device id prefix, NUL included */

/* One refused position. */
typedef struct store_refused {
    char driver_id[STORE_DRIVER_MAX];
    char device_hint[STORE_DEVICE_HINT_MAX]; /* the device id's first characters, never all */
    char reason[STORE_REASON_MAX];
    int64_t recv_ms, time_ms; /* server receive time, device time (epoch ms) */
    double lat, lon;          /* as sent (NAN stored as NULL) */
    double accuracy_m;        /* NAN when unknown */
} store_refused;

/* Refusals of one driver for one reason. */
typedef struct store_refusal_count {
    char driver_id[STORE_DRIVER_MAX];
    char reason[STORE_REASON_MAX];
    int64_t count;
    int64_t last_ms; /* receive time of the latest */
} store_refusal_count;

/* Counts r (count + 1, last_ms = r->recv_ms), keeps it among the driver's last keep_last refused
 * positions (older ones are deleted), and says whether the rate-limited event is due: *due true
 * when the driver's previous position.refused event is at least every_ms before now_ms (or there
 * was none); *since then holds how many refusals that event covers (this one included) and the
 * event clock restarts at now_ms. */
LM_MUST_USE lm_status store_refusal_add(store_tx *tx, const store_refused *r, size_t keep_last,
                                        int64_t now_ms, int64_t every_ms, bool *due, int64_t *since,
                                        lm_errinfo *err);
/* Counts of driver_id (NULL: every driver), ordered by driver and reason. */
LM_MUST_USE lm_status store_refusal_counts(store_read *r, const char *driver_id,
                                           store_refusal_count **out, size_t *n, lm_errinfo *err);
/* The last refused positions of driver_id (NULL: every driver), newest first, at most limit
 * (1..1000). */
LM_MUST_USE lm_status store_refused_recent(store_read *r, const char *driver_id, size_t limit,
                                           store_refused **out, size_t *n, lm_errinfo *err);

#endif
