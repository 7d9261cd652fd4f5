/* tests/support/hook_receiver.h: an in-test webhook receiver on 127.0.0.1 (libmicrohttpd) that
 * records each delivery's seq and type and whether its X-Lastmile-Signature matches
 * HMAC-SHA256(secret, body); it can fail the next N deliveries (500) or be down (503). Deliveries
 * to the path /other are answered 200 and not recorded. */
#ifndef LASTMILE_TESTS_HOOK_RECEIVER_H
#define LASTMILE_TESTS_HOOK_RECEIVER_H

#include "common/common.h"

#include <pthread.h>

#define HOOK_RECEIVER_MAX 256

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
    int n_got; /* accepted deliveries */
} hook_receiver;

/* Starts r (zeroed by the call) on a free port; 0, or -1 on failure. */
int hook_receiver_start(hook_receiver *r, const char *secret);
void hook_receiver_stop(hook_receiver *r);
/* Waits up to 15 s until r accepted an event with seq; true if it did. */
bool hook_receiver_wait(hook_receiver *r, int64_t seq);

#endif
