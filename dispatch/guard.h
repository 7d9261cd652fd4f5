/* dispatch/guard.h: a limiter of failed attempts per client address, for the entry points whose
 * only credential is guessable in principle (OsmAnd: an unknown device id is a failed guess).
 * After max_failures failures within window_ms an address is refused for block_ms; success does
 * not reset it (a guesser holding one valid id must not buy more guesses with it). Memory only,
 * a mutex, and no clock of its own: each call takes now_ms, so tests drive it with a test clock.
 * Nothing here knows HTTP.
 *
 * Ownership: the guard owns its table; addresses passed in are copied. */
#ifndef LASTMILE_DISPATCH_GUARD_H
#define LASTMILE_DISPATCH_GUARD_H

#include "common/common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISPATCH_GUARD_ADDR_MAX 64 /* bytes of an address kept, NUL included (IPv6 fits) */

typedef struct dispatch_guard dispatch_guard;

typedef struct dispatch_guard_opts {
    size_t max_failures; /* failures within window_ms that block the address (20) */
    int64_t window_ms;   /* (60000) */
    int64_t block_ms;    /* how long a blocked address is refused (300000) */
    size_t slots;        /* addresses tracked at once (4096); when full, the one idle longest
                            among those its hash may use gives way */
} dispatch_guard_opts;

typedef struct dispatch_guard_stats {
    uint64_t failures; /* recorded */
    uint64_t blocks;   /* times an address became blocked */
    uint64_t refused;  /* dispatch_guard_allowed answers of false */
} dispatch_guard_stats;

void dispatch_guard_opts_init(dispatch_guard_opts *o);
/* LM_INVALID for zero counts or times; LM_NOMEM. */
LM_MUST_USE lm_status dispatch_guard_create(const dispatch_guard_opts *o, dispatch_guard **out);
void dispatch_guard_destroy(dispatch_guard *g); /* NULL-safe */

/* Whether a request from addr may be served at now_ms; when not, *retry_after_ms (may be NULL)
 * says in how long it may (for a Retry-After header). */
bool dispatch_guard_allowed(dispatch_guard *g, const char *addr, int64_t now_ms,
                            int64_t *retry_after_ms);
/* Records a failure from addr at now_ms. True when this failure blocked the address: the caller
 * logs that once, rather than every refused request after it. */
bool dispatch_guard_fail(dispatch_guard *g, const char *addr, int64_t now_ms);
/* Blocks addr until until_ms (a block decided elsewhere: the failure limiter shared by several
 * nodes, store/store_ratelimit.h), unless it is blocked longer already. True when this blocked an
 * address that was not blocked at now_ms (the caller logs that once). */
bool dispatch_guard_block_until(dispatch_guard *g, const char *addr, int64_t now_ms,
                                int64_t until_ms);
/* The counters since creation (for /metrics). */
void dispatch_guard_stats_get(dispatch_guard *g, dispatch_guard_stats *out);

#endif
