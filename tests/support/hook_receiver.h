/* tests/support/hook_receiver.h: an in-test webhook receiver on 127.0.0.1 (libmicrohttpd, a
 * thread per connection) that records each delivery's seq and type and whether its
 * X-Lastmile-Signature passes events_signature_verify; it can fail the next N deliveries (500)
 * or be down (503). Deliveries to the path /other are answered 200 and not recorded. Paths
 * /slow... are held (not answered) while `hold` is set: a receiver that does not answer. Paths
 * /n/<k> (k < HOOK_RECEIVER_PATHS) are only counted, per k (many webhooks, one receiver).
 * /redirect answers 302 to /hook. Every recorded delivery keeps its raw signature header, body and
 * Authorization header in last_* (replays in tests). */
#ifndef LASTMILE_TESTS_HOOK_RECEIVER_H
#define LASTMILE_TESTS_HOOK_RECEIVER_H

#include "common/common.h"

#include <pthread.h>

#define HOOK_RECEIVER_MAX   256
#define HOOK_RECEIVER_PATHS 2000

typedef struct hook_got {
    int64_t seq;
    char type[64];
    bool sig_ok;
} hook_got;

typedef struct hook_receiver {
    struct MHD_Daemon *d;
    uint16_t port;
    char secret[64];
    pthread_mutex_t mu; /* guards everything below */
    int fail_next;      /* answer 500 to this many more deliveries */
    bool down;          /* answer 503 to everything */
    int attempts;       /* deliveries seen, failed ones included */
    hook_got got[HOOK_RECEIVER_MAX];
    int n_got;         /* accepted deliveries */
    pthread_cond_t cv; /* signalled when hold is cleared */
    bool hold;         /* /slow... requests wait (up to 60 s) while set */
    int held;          /* /slow... requests waiting now */
    hook_got slow_got[HOOK_RECEIVER_MAX];
    int n_slow;                          /* /slow... deliveries accepted */
    int path_count[HOOK_RECEIVER_PATHS]; /* /n/<k> deliveries with a valid signature */
    int path_bad;                        /* /n/<k> deliveries with a bad signature */
    int redirects;                       /* /redirect requests answered 302 */
    char last_sig[160], last_auth[256];  /* of the last delivery recorded */
    char last_body[4096];
} hook_receiver;

/* Starts r (zeroed by the call) on a free port; 0, or -1 on failure. */
int hook_receiver_start(hook_receiver *r, const char *secret);
void hook_receiver_stop(hook_receiver *r);
/* Waits up to 15 s until r accepted an event with seq; true if it did. */
bool hook_receiver_wait(hook_receiver *r, int64_t seq);
/* Sets or clears the hold on /slow... requests (clearing releases those waiting). */
void hook_receiver_hold(hook_receiver *r, bool hold);

#endif
