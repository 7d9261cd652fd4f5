/* store: persistence behind one interface (SQLite in WAL mode today), migrations, the event log,
 * API keys. Nothing here names SQLite, so a PostgreSQL backend can be added behind it later.
 *
 * Ownership: a store owns its connections; a store_tx / store_read belongs to the thread that
 * began it until commit/rollback/end, which free it. Arrays returned through out-params (events)
 * belong to the caller and are freed with the matching *_free function.
 *
 * Concurrency: one writer at a time (store_tx_begin waits for the previous tx to finish), any
 * number of threads reading concurrently through a pool of read connections (store_read_begin);
 * a read sees one consistent snapshot for its whole life. A thread holds at most one store_read at
 * a time: the pool is sized for one per server thread, so nesting two can wait forever. */
#ifndef LASTMILE_STORE_H
#define LASTMILE_STORE_H

#include "common/common.h"

typedef struct store store;
typedef struct store_tx store_tx;     /* a write transaction */
typedef struct store_read store_read; /* a read snapshot (also obtainable from a store_tx) */

/* Version of the storage engine store/ runs with (static string). */
const char *store_engine_version(void);

/* ---- Open / close ---- */

typedef struct store_opts {
    const char *path;    /* database file; created 0600 (and its parent directory 0700) if
                            missing, tightened to owner-only if it exists */
    int busy_timeout_ms; /* how long to wait for a lock held by another process */
    int read_conns;      /* size of the read-connection pool (>= 1) */
} store_opts;

/* Defaults: path "var/lastmile.db", busy_timeout_ms 5000, read_conns 8. */
void store_opts_init(store_opts *o);

/* Opens (creating if needed) the database: WAL, foreign_keys=ON, synchronous=FULL, and applies
 * every migration this build knows that the file lacks, each in its own transaction.
 * A file carrying a migration this build does not know is refused (LM_CONFLICT): it was written
 * by a newer lastmile. On failure *out is untouched and err says why. */
LM_MUST_USE lm_status store_open(const store_opts *o, store **out, lm_errinfo *err);
/* The database as opened: a file path, or a postgresql:// URL. */
const char *store_path(const store *s);
/* Where local files that belong with this database start (a sealing key goes at
 * "<stem>-webhooks.key"): the SQLite file's path, or for PostgreSQL "var/<database name>" under
 * the working directory (each node keeps its own copy of such files). */
const char *store_local_stem(const store *s);
/* Closes every connection (checkpointing the WAL). No tx or read may be open. NULL-safe. */
void store_close(store *s);

/* ---- Write transactions ---- */

/* Starts a write transaction (BEGIN IMMEDIATE): blocks while another thread's tx is open.
 * LM_UNAVAILABLE once the store is closing, LM_STORE on a database error. */
LM_MUST_USE lm_status store_tx_begin(store *s, store_tx **out);
/* Commits durably (the fsync has happened when this returns LM_OK) and frees tx whatever the
 * outcome; on failure everything in tx is rolled back. A request that changed state is answered
 * only after this returned LM_OK. */
LM_MUST_USE lm_status store_tx_commit(store_tx *tx);
/* store_tx_begin for a transaction whose fsync may come after its commit (store_tx_commit_behind):
 * on SQLite it runs at synchronous=NORMAL (set before BEGIN: SQLite refuses it inside). Its
 * store_tx_commit still syncs before returning; PostgreSQL and a store without fsync begin as
 * store_tx_begin. Lets a group commit write its next batch while the last one's fsync runs
 * (store/commit_queue.h, sync_behind). */
LM_MUST_USE lm_status store_tx_begin_behind(store *s, store_tx **out);
/* Commits a transaction of store_tx_begin_behind like store_tx_commit, except that on SQLite one
 * without events (or, with with_events, any) comes back before its fsync: then *sync_after is
 * true, its WAL frames are written but not yet synced, and it is durable (and may be reported
 * so) only once a later store_wal_sync has returned LM_OK. Meanwhile other connections may
 * already read its rows, but not its events: an event is never read (store_events_since,
 * store_events_last_seq outside the writer's tx) nor published (the event hook, called by that
 * store_wal_sync) before it is durable. *sync_after is false when it was synced here (events
 * without with_events, a tx of store_tx_begin, PostgreSQL: hook called here). */
LM_MUST_USE lm_status store_tx_commit_behind(store_tx *tx, bool with_events, bool *sync_after);
/* fdatasync of the SQLite WAL: every commit that returned before this call is durable once it
 * returns LM_OK (LM_IO otherwise), and the events committed behind before it are then readable
 * and passed to the event hook (on the calling thread). Any thread, also while another commits.
 * LM_OK at once where nothing commits behind (PostgreSQL, a store without fsync). */
LM_MUST_USE lm_status store_wal_sync(store *s);
/* Rolls back and frees tx. NULL-safe. */
void store_tx_rollback(store_tx *tx);
/* A read view of the tx's own uncommitted state, valid until commit/rollback; do not end it.
 * Lets the same read functions serve both a request's checks inside its tx and plain reads. */
store_read *store_tx_read(store_tx *tx);
/* Tells this transaction from every other of the same store (never repeats while it is open):
 * lets a caller keep facts it read in one transaction for the rest of that transaction only. */
uint64_t store_tx_serial(const store_tx *tx);

/* ---- Reads ---- */

/* Takes a read connection from the pool (waiting if all are busy) and opens a snapshot. */
LM_MUST_USE lm_status store_read_begin(store *s, store_read **out);
/* Ends the snapshot and returns the connection to the pool. NULL-safe; a no-op on a tx view. */
void store_read_end(store_read *r);

/* ---- Event log ---- */

/* Appends an event to the log inside tx, so it commits or vanishes with the change it records.
 * type like "order.created"; entity like "order"; entity_id may be NULL; payload_json must be a
 * JSON text (NULL means "{}"). */
LM_MUST_USE lm_status store_event_append(store_tx *tx, const char *type, const char *entity,
                                         const char *entity_id, const char *payload_json);

typedef struct store_event {
    int64_t seq;     /* strictly increasing, never reused */
    int64_t time_ms; /* epoch milliseconds at append */
    char *type, *entity, *entity_id /* NULL if none */, *payload_json;
} store_event;

/* Events with seq > after_seq, oldest first, at most max (1..10000). *out (caller frees with
 * store_events_free) and *n_out are set on LM_OK; *out is NULL when there are none. Outside the
 * writer's tx, only durable events (store_tx_commit_behind). */
LM_MUST_USE lm_status store_events_since(store_read *r, int64_t after_seq, size_t max,
                                         store_event **out, size_t *n_out);
void store_events_free(store_event *ev, size_t n);
/* The seq of the newest event (0 for an empty log): where a stream that wants no history starts. */
LM_MUST_USE lm_status store_events_last_seq(store_read *r, int64_t *out);

/* Called after every commit that appended events, once it is durable, from the committing
 * thread (or the one whose store_wal_sync made it durable), with the seq of the last event; for the
 * live event stream and webhooks (which then read store_events_since). Must be quick and must not
 * begin a store tx. Set before serving. Setting another hook (or NULL) returns once no call of the
 * previous one is running, so its context may then be freed. */
typedef void (*store_event_hook)(void *ctx, int64_t last_seq);
void store_set_event_hook(store *s, store_event_hook fn, void *ctx);

/* Called inside every write transaction that appended events, just before its COMMIT, with the
 * tx still open and the writer lock held: what it writes commits atomically with the events (the
 * analytics rollups, analytics/rollup.c). It runs inside a savepoint; when it returns an error its
 * own writes are undone and the transaction commits without them. It must not commit, roll back
 * or begin a tx. Setting NULL removes it; set it while no tx is open (before serving). */
typedef lm_status (*store_fold_hook)(void *ctx, store_tx *tx);
void store_set_fold_hook(store *s, store_fold_hook fn, void *ctx);
/* With lag_ms > 0 the fold hook runs in a commit only when its last run is at least lag_ms old:
 * the commits in between leave their events to the next fold (the hook must catch up from a
 * cursor, as analytics/rollup.c does), which then folds many events at once; whoever reads what
 * it maintains folds the rest first (analytics_rollup_flush). 0 (the default): every commit. */
void store_set_fold_lag(store *s, int64_t lag_ms);

/* ---- API keys (only a salted SHA-256 of the secret is stored) ---- */

#define STORE_KEY_ID_LEN 16 /* hex characters of the public key id */
#define STORE_KEY_MAX    96 /* buffer size for a whole key: "lm_<id>_<secret>" + NUL */
#define STORE_DRIVER_MAX 64 /* bytes for a driver id, NUL included */

typedef struct store_key_info {
    char id[STORE_KEY_ID_LEN + 1];    /* public; safe to log */
    char role[16];                    /* "admin", "dispatcher", "warehouse" or "driver" */
    char driver_id[STORE_DRIVER_MAX]; /* "" unless role is driver */
    int64_t created_ms;
} store_key_info;

/* Creates a key for role (one of the four above; a driver key needs driver_id, others must not
 * have one) in its own transaction with a "key.created" event. Writes the whole key (shown once,
 * never stored) to key_out and its description to *info (may be NULL). */
LM_MUST_USE lm_status store_key_create(store *s, const char *role, const char *driver_id,
                                       char key_out[STORE_KEY_MAX], store_key_info *info,
                                       lm_errinfo *err);
/* Checks a presented key: LM_OK and *info filled if it is a live key, LM_UNAUTHORIZED if not. */
LM_MUST_USE lm_status store_key_verify(store_read *r, const char *key, store_key_info *info);
/* store_key_verify for every request. On SQLite through an in-memory cache of the keys verified
 * lately (their salted hashes, never a secret; unknown and wrong keys are not cached and read
 * the table each time): a key revoked by this process (store_key_revoke, enrolment) is refused
 * from the moment its commit returns; a change by another process on the same file (nothing in
 * lastmile does that: the CLI only creates keys) is seen within STORE_KEY_CACHE_TTL_MS. On
 * PostgreSQL, where nodes revoke for one another, every check reads the table. */
#define STORE_KEY_CACHE_TTL_MS 1000
LM_MUST_USE lm_status store_key_check(store *s, const char *key, store_key_info *info);
/* Number of keys stored. */
LM_MUST_USE lm_status store_keys_count(store_read *r, int64_t *out);

/* One key as listed: never its secret nor its hash. */
typedef struct store_key_row {
    store_key_info info;
    int64_t revoked_ms; /* 0 while live */
} store_key_row;
/* Every key, oldest first, revoked ones included, in *out (caller lm_frees; NULL when none) and
 * their count in *n; both untouched on failure. */
LM_MUST_USE lm_status store_keys_list(store_read *r, store_key_row **out, size_t *n,
                                      lm_errinfo *err);
/* Revokes key id in its own transaction with a "key.revoked" event; the next verify or check of
 * that key fails (the commit empties the key cache). LM_NOT_FOUND when there is no such key,
 * LM_CONFLICT when it is already revoked or is the last live admin key (which would lock every
 * admin out). */
LM_MUST_USE lm_status store_key_revoke(store *s, const char *id, lm_errinfo *err);
/* *live = key id exists and is not revoked (long-lived replies, e.g. event streams, re-check). */
LM_MUST_USE lm_status store_key_live(store_read *r, const char *id, bool *live);

/* ---- Settings kept with the data ---- */

/* Reads the integer setting key; *found says whether it exists (*out untouched if not). */
LM_MUST_USE lm_status store_meta_get(store_read *r, const char *key, int64_t *out, bool *found);
/* Sets the integer setting key inside tx (created or replaced). */
LM_MUST_USE lm_status store_meta_put(store_tx *tx, const char *key, int64_t value);

/* ---- Statistics (for /metrics) ---- */

#define STORE_COMMIT_BUCKETS 10
/* Upper bounds in microseconds of the commit-latency histogram buckets (the last is +Inf). */
extern const int64_t store_commit_bucket_le_us[STORE_COMMIT_BUCKETS];

typedef struct store_stats {
    uint64_t commits, commit_failures, rollbacks;
    uint64_t commit_us_sum;
    uint64_t commit_buckets[STORE_COMMIT_BUCKETS]; /* non-cumulative counts */
} store_stats;
void store_stats_get(store *s, store_stats *out);

#endif
