/* store/store_ratelimit.h: rate limits shared by every node of a deployment on PostgreSQL. A
 * limit kept in each node's memory gives a client N times its budget behind N nodes; these
 * buckets live in the database instead (an UNLOGGED table: no WAL, no fsync, emptied by a crash,
 * which only refills every bucket), one UPSERT per take on a connection of the read pool, outside
 * any write transaction and without the write lock.
 *
 * On SQLite there is one process, which keeps its limits in memory: store_rate_shared is false
 * and store_rate_take refuses (LM_INVALID).
 *
 * Ownership: nothing is kept; scope and key are copied into the statement. */
#ifndef LASTMILE_STORE_RATELIMIT_H
#define LASTMILE_STORE_RATELIMIT_H

#include "store/store.h"

#define STORE_RATE_KEY_MAX 128 /* bytes of a scope or key, NUL included */

/* True when s is shared by several nodes (PostgreSQL): limits must go through store_rate_take. */
bool store_rate_shared(const store *s);

/* Takes one token from the token bucket (scope, key) shared by every node: burst tokens at most,
 * refilled at rate_per_s, as measured by now_ms (the calling node's clock; a node whose clock is
 * behind refills nothing). *allowed says whether a token was there; when not, *retry_after_s is
 * how long until one is (>= 1). LM_INVALID on SQLite or bad arguments (field names which),
 * LM_STORE / LM_UNAVAILABLE when the database cannot answer (the caller decides whether to fall
 * back to its own limit); *allowed and *retry_after_s are untouched then. */
LM_MUST_USE lm_status store_rate_take(store *s, const char *scope, const char *key,
                                      double rate_per_s, double burst, int64_t now_ms,
                                      bool *allowed, int64_t *retry_after_s, lm_errinfo *err);

/* Records a failure of key (a client address) in the failure limiter scope shared by every node,
 * with dispatch/guard.h's rules: max_failures within window_ms block the key for block_ms, and
 * failures while blocked do not extend the block. *blocked_until_ms is when the key's block ends
 * (0 or a past time: not blocked), for the node to mirror in its own guard. Errors as
 * store_rate_take. */
LM_MUST_USE lm_status store_guard_fail(store *s, const char *scope, const char *key,
                                       int64_t max_failures, int64_t window_ms, int64_t block_ms,
                                       int64_t now_ms, int64_t *blocked_until_ms, lm_errinfo *err);

#endif
