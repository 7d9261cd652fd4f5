/* api/http/ratelimit.c: per-client-address token buckets (the public tracking page's limit), in
 * a fixed table so that memory stays bounded whatever the number of addresses. */
#include "api/http/http.h"

#include <pthread.h>
#include <string.h>

#define RL_SLOTS 4096

typedef struct rl_slot {
    char addr[48];
    double tokens;
    int64_t at_ms;
} rl_slot;

struct http_ratelimit {
    pthread_mutex_t mu;
    double rate, burst;
    rl_slot slots[RL_SLOTS];
};

lm_status http_ratelimit_create(double rate_per_s, double burst, http_ratelimit **out) {
    if (!(rate_per_s > 0) || !(burst >= 1)) return LM_INVALID;
    http_ratelimit *rl = lm_calloc(1, sizeof *rl);
    if (!rl) return LM_NOMEM;
    pthread_mutex_init(&rl->mu, NULL);
    rl->rate = rate_per_s;
    rl->burst = burst;
    *out = rl;
    return LM_OK;
}

void http_ratelimit_destroy(http_ratelimit *rl) {
    if (!rl) return;
    pthread_mutex_destroy(&rl->mu);
    lm_free(rl);
}

bool http_ratelimit_take(http_ratelimit *rl, const char *addr, int64_t now_ms,
                         int64_t *retry_after_s) {
    /* open addressing over a fixed table: an address maps to a slot by hash; a slot idle long
     * enough to be full again is as good as empty and is reused, so memory stays bounded */
    uint64_t h = 1469598103934665603ull;
    for (const char *p = addr; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    int64_t refill_ms = (int64_t)(rl->burst / rl->rate * 1000.0) + 1;
    pthread_mutex_lock(&rl->mu);
    rl_slot *s = NULL, *reuse = NULL;
    for (size_t k = 0; k < 16; k++) {
        rl_slot *c = &rl->slots[(h + k) % RL_SLOTS];
        if (!strcmp(c->addr, addr)) {
            s = c;
            break;
        }
        if (!reuse && (!c->addr[0] || now_ms - c->at_ms > refill_ms)) reuse = c;
    }
    if (!s) {
        s = reuse ? reuse : &rl->slots[h % RL_SLOTS];
        lm_strlcpy(s->addr, addr, sizeof s->addr);
        s->tokens = rl->burst;
        s->at_ms = now_ms;
    }
    double t = s->tokens + (double)(now_ms - s->at_ms) / 1000.0 * rl->rate;
    if (t > rl->burst) t = rl->burst;
    s->at_ms = now_ms;
    bool ok = t >= 1.0;
    if (ok) t -= 1.0;
    s->tokens = t;
    if (!ok) *retry_after_s = (int64_t)((1.0 - t) / rl->rate) + 1;
    pthread_mutex_unlock(&rl->mu);
    return ok;
}
