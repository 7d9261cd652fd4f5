/* events/internal.h (events-internal): what the webhook sender's files share: a delivery
 * target as checked for one turn of a lane, and the one-POST function. */
#ifndef LASTMILE_EVENTS_INTERNAL_H
#define LASTMILE_EVENTS_INTERNAL_H

#include "events/events.h"

#include <curl/curl.h>
#include <stdatomic.h>

/* One webhook ready to be sent to: the URL parsed, the address checked (the only one curl may
 * connect to), the secret and credentials unsealed. Lives on a worker's stack for one turn. */
typedef struct events__target {
    events_url url;
    char userinfo[STORE_SECRET_MAX];
    char secret[STORE_SECRET_MAX];
    struct sockaddr_storage addr;
} events__target;

typedef struct events__post_opts {
    int64_t timeout_ms, connect_ms;
    const atomic_bool *stop; /* set: the transfer in flight is aborted */
} events__post_opts;

/* POSTs ev to t, signed; LM_OK on a 2xx. Otherwise why says what happened: LM_INVALID when the
 * connection would not have gone to the checked address, LM_UNAVAILABLE when stopped, LM_IO for
 * anything the receiver or the network did (3xx included: redirects are not followed). */
LM_MUST_USE lm_status events__post(CURL *c, const events__target *t, int64_t hook_id,
                                   const store_event *ev, const events__post_opts *o, char *why,
                                   size_t why_size);

#endif
