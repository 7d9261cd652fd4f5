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
#define DISPATCH_ALARM_MAX        32   /* bytes of an alarm name, NUL included */
#define DISPATCH_TOKEN_MAX        256  /* bytes of a push token, NUL included */
#define DISPATCH_ATTRS_MAX        512  /* bytes of a position's attributes JSON, NUL included */

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
    bool no_fix;        /* the device flagged it as not from a fix (OsmAnd valid=false):
                           refused ("no_fix"); false = a fix, so zero-initialised is one */
    bool no_location;   /* no coordinates at all (cell/Wi-Fi only, a token, an alarm): lat and
                           lon are meaningless; refused as a position ("no_location"), while its
                           alarm and token still count */
    /* Texts (NULL or "" when none), borrowed: submitting copies them with the position. */
    const char *alarm; /* "sos" ...: raises driver.exception kind "alarm"; < DISPATCH_ALARM_MAX */
    const char *token; /* the device's push token (notificationToken); < DISPATCH_TOKEN_MAX */
    const char *attrs; /* other reported keys as one JSON object text; < DISPATCH_ATTRS_MAX */
} dispatch_position;

/* ---- Filters (dispatch/filter.c): pure, no clock, no store ---- */

typedef enum dispatch_refusal {
    DISPATCH_ACCEPTED,
    DISPATCH_REFUSED_INVALID,     /* coordinates not finite or out of range, accuracy < 0 */
    DISPATCH_REFUSED_ZERO,        /* exactly 0, 0: a phone without a fix yet */
    DISPATCH_REFUSED_ACCURACY,    /* accuracy worse than max_accuracy_m */
    DISPATCH_REFUSED_FUTURE,      /* device time ahead of the receive time beyond the skew */
    DISPATCH_REFUSED_STALE,       /* older than the newest accepted fix beyond max_backwards_ms */
    DISPATCH_REFUSED_DUPLICATE,   /* same time and place as the newest accepted fix */
    DISPATCH_REFUSED_JUMP,        /* impossible speed from the newest accepted fix */
    DISPATCH_REFUSED_NO_FIX,      /* the device said it had no fix (OsmAnd valid=false) */
    DISPATCH_REFUSED_NO_LOCATION, /* no coordinates at all (cell/Wi-Fi only, a token, an alarm) */
} dispatch_refusal;
#define DISPATCH_REFUSAL_COUNT 10

/* "accepted", "invalid", "zero", "accuracy", "future", "stale", "duplicate", "jump", "no_fix",
 * "no_location". */
const char *dispatch_refusal_name(dispatch_refusal r);

/* One fix as the filters remember it. */
typedef struct dispatch_fix {
    int64_t time_ms;   /* device time, epoch ms */
    double lat, lon;   /* degrees */
    double accuracy_m; /* NAN when unknown (then no slack is granted) */
} dispatch_fix;

/* What the filters know of one driver: zero-initialised = nothing yet. */
typedef struct dispatch_filter_state {
    bool has_last;
    dispatch_fix last;    /* the newest accepted fix */
    int run;              /* refused jumps in a row that agree with each other */
    dispatch_fix run_end; /* the last of them */
} dispatch_filter_state;

/* Checks p, whose effective device time is time_ms (the receive time when the device sent none)
 * and which arrived at recv_ms, against o and the driver's state st. Accepted: st->last moves to
 * p when p is newer. A jump may be accepted as a re-anchor (see jump_confirm). */
dispatch_refusal dispatch_filter_check(const dispatch_filter_opts *o, dispatch_filter_state *st,
                                       const dispatch_position *p, int64_t time_ms,
                                       int64_t recv_ms);

typedef struct dispatch_ingest dispatch_ingest;

typedef struct dispatch_ingest_opts {
    int64_t retention_s;     /* positions older than this (device time) are pruned; 0 = kept */
    long linger_us;          /* wait up to this for more requests when fewer than 16 positions are
                                queued, so they share the next fsync (0 = commit at once) */
    int64_t (*now_ms)(void); /* receive time (filters, event clock, retention): lm_now_ms by
                                default; real time, not dispatch's clock, because device times
                                are compared with it (tests pin it) */
    /* called with true before and false after a committed batch's requests are answered (done),
     * on the thread answering them, so that their answers go out together; NULL = none */
    void (*deliver_hold)(bool on);
} dispatch_ingest_opts;

/* Defaults: positions kept, no linger, lm_now_ms. The filters are dispatch_opts.positions of the
 * dispatch handle (defaults without one). */
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

/* A refused position is not an error of the submission: it is answered like a stored one (a
 * phone told otherwise would resend it forever), kept among the driver's last refused ones,
 * counted per driver and reason, and reported by a position.refused event at most once per
 * driver per positions.event_every_ms (the event counts the refusals it covers). */

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
/* store_cq_hold of the ingest's queue: a listener's round of submits shares one wake-up. */
void dispatch_ingest_hold(dispatch_ingest *g, bool on);
/* Submits and waits for the commit; the outcome in the return and err. */
LM_MUST_USE lm_status dispatch_ingest_submit_wait(dispatch_ingest *g, const dispatch_position *pos,
                                                  size_t n, const char *driver_id, lm_errinfo *err);

/* ---- What the dispatcher sees of refused positions ---- */

typedef struct dispatch_refusal_count {
    char driver_id[DISPATCH_ID_MAX + 1];
    char reason[16]; /* dispatch_refusal_name */
    int64_t count;
    int64_t last_ms; /* receive time of the latest */
} dispatch_refusal_count;

typedef struct dispatch_refused_position {
    char driver_id[DISPATCH_ID_MAX + 1];
    char device_hint[8]; /* first characters of the device id (never all: it is a secret) */
    char reason[16];
    int64_t recv_ms, time_ms;
    double lat, lon, accuracy_m; /* as sent; NAN when not a number */
} dispatch_refused_position;

typedef struct dispatch_refusals {
    dispatch_refusal_count *counts; /* ordered by driver, reason */
    size_t n_counts;
    dispatch_refused_position *last; /* newest first */
    size_t n_last;
} dispatch_refusals;

/* Refusal counts and the last `last_n` (1..1000) refused positions of driver_id (NULL: every
 * driver). Release with dispatch_refusals_clear. */
LM_MUST_USE lm_status dispatch_position_refusals(store_read *r, const char *driver_id,
                                                 size_t last_n, dispatch_refusals *out,
                                                 lm_errinfo *err);
void dispatch_refusals_clear(dispatch_refusals *x);

#endif
