/* store/store_analytics.h: the tables analytics/ keeps its persisted state in (migration 700):
 * per-order fold state, small keyed states (a vehicle's current route, its driver), and the
 * rollup rows reports read. The store keeps these as opaque bytes plus the keys it indexes by;
 * what they mean is analytics/'s business (analytics/rollup.c), so the store never includes it.
 *
 * Ownership: blobs returned through out-params belong to the caller (lm_free); row arrays are
 * freed with store_an_rows_free. */
#ifndef LASTMILE_STORE_ANALYTICS_H
#define LASTMILE_STORE_ANALYTICS_H

#include "store/store.h"

/* A byte string read from the store (the caller lm_frees data). */
typedef struct store_an_blob {
    void *data;
    size_t n;
} store_an_blob;

/* The fold state of one order; LM_NOT_FOUND when there is none (out untouched). */
LM_MUST_USE lm_status store_an_fact_get(store_read *r, int64_t order_id, store_an_blob *out);
LM_MUST_USE lm_status store_an_fact_put(store_tx *tx, int64_t order_id, const void *data, size_t n);
/* A keyed state (kind like "route" or "driver", key a vehicle id); LM_NOT_FOUND when none. */
LM_MUST_USE lm_status store_an_state_get(store_read *r, const char *kind, const char *key,
                                         store_an_blob *out);
LM_MUST_USE lm_status store_an_state_put(store_tx *tx, const char *kind, const char *key,
                                         const void *data, size_t n);

/* One rollup row: the figures of one UTC day for one group value. */
typedef struct store_an_row {
    int64_t day_ms; /* UTC midnight */
    int grp;        /* analytics_group */
    char key[72];   /* the group value */
    store_an_blob counts, hist;
} store_an_row;

/* The row (day_ms, grp, key); LM_NOT_FOUND when there is none (out untouched). */
LM_MUST_USE lm_status store_an_row_get(store_read *r, int64_t day_ms, int grp, const char *key,
                                       store_an_row *out);
/* Creates or replaces the row. */
LM_MUST_USE lm_status store_an_row_put(store_tx *tx, const store_an_row *row);
/* The rows of keys[0..n) (day_ms, grp and key read from each) in a few statements: out[i] is
 * keys[i]'s row when found[i] (its blobs the caller's: store_an_rows_free_one), zeroed
 * otherwise. On failure nothing is left allocated. */
LM_MUST_USE lm_status store_an_rows_get_many(store_read *r, const store_an_row *keys, size_t n,
                                             store_an_row *out, bool *found);
/* Creates or replaces rows[0..n) (distinct keys) in a few statements. */
LM_MUST_USE lm_status store_an_rows_put_many(store_tx *tx, const store_an_row *rows, size_t n);
/* Deletes the row (a row whose figures all returned to zero: a rebuild would not have it). */
LM_MUST_USE lm_status store_an_row_delete(store_tx *tx, int64_t day_ms, int grp, const char *key);
/* Rows of group grp with from_ms <= day_ms < to_ms, by day then key, in *out (free with
 * store_an_rows_free; NULL when none) and their count in *n. */
LM_MUST_USE lm_status store_an_rows(store_read *r, int grp, int64_t from_ms, int64_t to_ms,
                                    store_an_row **out, size_t *n, lm_errinfo *err);
/* Every row of every group (for comparing a rollup with a rebuild), ordered by group, day, key. */
LM_MUST_USE lm_status store_an_rows_all(store_read *r, store_an_row **out, size_t *n,
                                        lm_errinfo *err);
void store_an_rows_free(store_an_row *rows, size_t n);
/* Frees one row's blobs (the row itself is the caller's). */
void store_an_rows_free_one(store_an_row *row);

/* Deletes every fact, state and rollup row (before a rebuild from the log). */
LM_MUST_USE lm_status store_an_clear(store_tx *tx, lm_errinfo *err);

#endif
