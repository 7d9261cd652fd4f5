/* dispatch/ingest.h: position ingest. Positions from the phones (OsmAnd, the driver API) are
 * checked against the known devices, stored (deduplicated by device and device time) and fed to
 * dispatch's live state, many requests sharing one transaction and one fsync through the store
 * commit queue (store/commit_queue.h); each request hears back only after its commit. Old
 * positions are pruned while the queue is idle. Nothing here knows HTTP.
 *
 * Ownership: the store and the dispatch handle are borrowed and must outlive the ingest;
 * submitted positions are copied. */
#ifndef LASTMILE_DISPATCH_INGEST_H
#define LASTMILE_DISPATCH_INGEST_H

#include "dispatch/dispatch.h"

#define DISPATCH_DEVICE_MAX       64   /* bytes of a device id, NUL included */
#define DISPATCH_INGEST_MAX_BATCH 1000 /* positions in one submission at most */

/* One position as a phone reported it. */
typedef struct dispatch_position {
    char device_id[DISPATCH_DEVICE_MAX];
    double lat, lon;    /* WGS84 degrees, valid */
    int64_t time_ms;    /* device time, epoch ms; 0 when the request gave none (receive time) */
    double speed_mps;   /* NAN when unknown */
    double heading_deg; /* [0, 360), NAN when unknown */
    double altitude_m;  /* NAN when unknown */
    double accuracy_m;  /* >= 0, NAN when unknown */
    double battery_pct; /* [0, 100], NAN when unknown */
    int charging;       /* 1 charging, 0 not, -1 unknown */
} dispatch_position;

typedef struct dispatch_ingest dispatch_ingest;

typedef struct dispatch_ingest_opts {
    int64_t retention_s; /* positions older than this (device time) are pruned; 0 = kept */
    long linger_us;      /* wait up to this for more requests when fewer than 16 positions are
                            queued, so they share the next fsync (0 = commit at once) */
} dispatch_ingest_opts;

/* Defaults: positions kept, no linger. */
void dispatch_ingest_opts_init(dispatch_ingest_opts *o);

/* Starts the ingest writer on s. d may be NULL (no live tracking: positions of drivers given by
 * the caller are stored, device positions are refused). LM_NOMEM / LM_INTERNAL on failure. */
LM_MUST_USE lm_status dispatch_ingest_start(store *s, dispatch *d, const dispatch_ingest_opts *o,
                                            dispatch_ingest **out);
/* Commits what is queued (answering every submission) and stops the writer; later submissions
 * are refused (LM_UNAVAILABLE). NULL-safe, idempotent. */
void dispatch_ingest_stop(dispatch_ingest *g);
/* Stops (if not yet) and frees; later than the stop, because a request that read the pointer
 * just before the stop may still submit (and be refused). NULL-safe. */
void dispatch_ingest_free(dispatch_ingest *g);

/* Called once per submission from the writer thread after its batch committed (st LM_OK) or
 * failed; err says why (unknown device: LM_INVALID, field "id"; a store failure:
 * LM_UNAVAILABLE, retry). Must be quick. */
typedef void (*dispatch_ingest_done)(void *ctx, lm_status st, const lm_errinfo *err);

/* Queues pos[0..n) (copied; 1 <= n <= DISPATCH_INGEST_MAX_BATCH). driver_id non-NULL: positions
 * of that driver (driver API; the device id is then informative); NULL: each device id must
 * belong to a driver, or the whole submission is refused. done is called exactly once unless
 * this returns an error (queue full or stopping: LM_UNAVAILABLE; LM_INVALID; LM_NOMEM). */
LM_MUST_USE lm_status dispatch_ingest_submit(dispatch_ingest *g, const dispatch_position *pos,
                                             size_t n, const char *driver_id,
                                             dispatch_ingest_done done, void *ctx);
/* Submits and waits for the commit; the outcome in the return and err. */
LM_MUST_USE lm_status dispatch_ingest_submit_wait(dispatch_ingest *g, const dispatch_position *pos,
                                                  size_t n, const char *driver_id, lm_errinfo *err);

#endif
