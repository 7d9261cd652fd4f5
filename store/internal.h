/* store/internal.h: what the store's own .c files share (the connection behind a tx or a read,
 * statement helpers, the migration table). Only the store/ .c files include this; everyone else
 * uses store/store.h. Store code talks SQL through store/db.h only, never a backend's own API.
 *
 * How to write a store function for your module (e.g. store/orders.c):
 *   - writes take a store_tx *tx:   db_conn *db = store__tx_db(tx);
 *   - reads take a store_read *r:   db_conn *db = store__db(r);
 *     (store_tx_read(tx) gives a store_read for reads inside a tx, so one read function serves
 * both)
 *   - prepare with db_prepare (SQL text that holds one statement, `?` placeholders), bind with
 *     db_bind_*, step, and always give it back with db_finish (the statement may be the
 *     connection's cached one) in the single `fail:` cleanup; turn db_step's error classes into
 *     lm_status with db_fail, which maps constraint violations to LM_CONFLICT and records the
 *     backend's message in err.
 *   - one row: store__step_row; a list: a row function and store__collect.
 *   - append an event with store_event_append(tx, ...) in the same tx as the change.
 *   - register your tables as a migration (see store/migrations.c). */
#ifndef LASTMILE_STORE_INTERNAL_H
#define LASTMILE_STORE_INTERNAL_H

#include "store/db.h"
#include "store/store.h"

/* The connection of a read (or of the tx a view belongs to). */
db_conn *store__db(store_read *r);
/* The last event seq r may read: every one inside the writer's tx, else those known durable
 * (events committed behind their fsync are hidden until it: store_tx_commit_behind). */
int64_t store__events_visible(const store_read *r);
/* The connection of a write tx. */
db_conn *store__tx_db(store_tx *tx);
/* A connection of the read pool without a transaction (each statement commits on its own: the
 * shared rate limits' UPSERTs); given back with store_read_end. */
LM_MUST_USE lm_status store__conn_take(store *s, store_read **out);

/* ---- Statement helpers (store/sql.c), on top of store/db.h ---- */

/* Steps a statement that returns no rows; LM_OK on DB_DONE. */
LM_MUST_USE lm_status store__step_done(db_stmt *st, lm_errinfo *err);
/* Copies column col of the current row into dst (dst_size > 0), "" for NULL; false if truncated. */
bool store__column_copy(db_stmt *st, int col, char *dst, size_t dst_size);
/* lm_strdup of a text column; *out is NULL for SQL NULL. LM_NOMEM on allocation failure. */
LM_MUST_USE lm_status store__column_dup(db_stmt *st, int col, char **out);

/* Steps once expecting a row: LM_OK with the row current, LM_NOT_FOUND ("<what> not found") when
 * the statement is done, a db_fail code otherwise. */
LM_MUST_USE lm_status store__step_row(db_conn *db, db_stmt *st, const char *what, lm_errinfo *err);

/* Fills one element (zeroed beforehand) from the statement's current row. */
typedef void (*store__row_fn)(db_stmt *st, void *elem);
/* Steps a prepared, bound SELECT to its end and hands back one elem_size element per row, filled
 * by row, in *out (the caller lm_frees it; NULL when there are no rows) and their count in *n;
 * both untouched on failure. st is neither reset nor finalized: the caller owns it. */
LM_MUST_USE lm_status store__collect(db_conn *db, db_stmt *st, size_t elem_size, store__row_fn row,
                                     void **out, size_t *n, lm_errinfo *err);
/* A store__row_fn for an int64_t element from column 0 (lists of ids). */
void store__id_row(db_stmt *st, void *elem);

/* ---- Keys inside a caller's tx (store/keys.c; the driver app's enrolment uses them) ---- */

/* store_key_create's checks, row and "key.created" event inside tx. */
LM_MUST_USE lm_status store__key_insert(store_tx *tx, const char *role, const char *driver_id,
                                        char key_out[STORE_KEY_MAX], store_key_info *info,
                                        lm_errinfo *err);
/* store_key_revoke's checks, update and "key.revoked" event inside tx. */
LM_MUST_USE lm_status store__key_revoke_tx(store_tx *tx, const char *id, lm_errinfo *err);

/* A live key's row as the check needs it (store/keys.c). */
typedef struct store__key_secret {
    uint8_t salt[16];
    uint8_t hash[32]; /* SHA-256(salt || secret) */
    store_key_info info;
} store__key_secret;

/* ---- The key cache (store/keys_cache.c) ---- */

typedef struct store__keycache store__keycache;
store__keycache *store__keycache_new(void);
void store__keycache_free(store__keycache *c);
/* The store's cache (store.c). */
store__keycache *store__keycache_of(store *s);
/* tx changed a key (store/keys.c): every cached key is dropped once tx commits (store.c). */
void store__tx_keys_changed(store_tx *tx);
/* Drops every cached key; entries read before this call are not cached afterwards. */
void store__keycache_clear(store__keycache *c);
/* The cached row of id if it is there and fresh; *gen = the generation seen (for a put). */
bool store__keycache_get(store__keycache *c, const char *id, store__key_secret *out, uint64_t *gen);
/* Caches k unless a clear happened since gen was read (k may then be stale). */
void store__keycache_put(store__keycache *c, const store__key_secret *k, uint64_t gen);

/* ---- Analytics rollup rows (store/analytics.c) ---- */

struct store_an_row;
/* Reads the current row (columns grp, day_ms, key, counts, hist) into *row (blobs copied). */
LM_MUST_USE lm_status store__an_row_read(db_stmt *st, struct store_an_row *row);

/* ---- Migrations (store/migrations.c) ---- */

typedef struct store__migration {
    int version;      /* unique, increasing down the table; applied-set semantics (see .c) */
    const char *name; /* short, for the schema_migrations table */
    const char *sql;  /* one or more statements, run in one transaction */
} store__migration;

extern const store__migration store__migrations[];
extern const size_t store__migration_count;

/* ---- PostgreSQL's schema extras (store/schema_pg.c) ---- */

/* A migration whose PostgreSQL text is written out instead of translated from its SQLite text. */
typedef struct store__pg_override {
    int version;
    const char *sql;
} store__pg_override;

extern const store__pg_override store__pg_overrides[];
extern const size_t store__pg_override_count;
/* SQL run before the migrations on PostgreSQL: functions the shared SQL calls. */
extern const char store__pg_prelude[];
/* Makes the day partitions of positions from yesterday to a week ahead (inside a write tx). */
LM_MUST_USE lm_status store__pg_positions_ensure(db_conn *db, int64_t now_ms, lm_errinfo *err);
struct store_position;
/* The INSERT OR IGNORE of n position rows (13 parameters each, store__positions_bind_row) into
 * buf; with returning, the new rows' (time_ms, device_id) come back (store/positions_sql.c). */
void store__positions_insert_sql(char *buf, size_t size, size_t n, bool returning);
/* Binds one position to parameters base + 1 .. base + 13 of such an INSERT; its texts are not
 * copied (p must outlive the statement's use). */
LM_MUST_USE lm_status store__positions_bind_row(db_stmt *st, int base,
                                                const struct store_position *p);
/* store_positions_insert on PostgreSQL: multi-row INSERTs (store/positions_pg.c). */
LM_MUST_USE lm_status store__pg_positions_insert(db_conn *db, const struct store_position *pos,
                                                 size_t n, bool *inserted, lm_errinfo *err);
/* Drops whole day partitions of positions that end at or before before_ms, oldest first, while
 * their rows fit in limit; *dropped counts the rows they held. */
LM_MUST_USE lm_status store__pg_positions_drop_days(db_conn *db, int64_t before_ms, int64_t limit,
                                                    int64_t *dropped, lm_errinfo *err);

/* Applies every migration the database lacks; refuses a database with unknown versions. */
LM_MUST_USE lm_status store__migrate(db_conn *db, lm_errinfo *err);

#endif
