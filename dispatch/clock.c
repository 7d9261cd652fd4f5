/* dispatch/clock.c: dispatch's notion of now (the injectable clock of dispatch_opts, so tests
 * run on a test clock) and of the local day a time belongs to. */
#include "dispatch/internal.h"

int64_t dispatch__now_ms(const dispatch *d) {
    return d->o.now_ms();
}

int64_t dispatch__day_start(const dispatch *d, int64_t t_s) {
    int64_t local = t_s + d->o.utc_offset_s;
    int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    return day * 86400 - d->o.utc_offset_s;
}

int64_t dispatch_day_start(const dispatch *d, int64_t t_s) {
    return dispatch__day_start(d, t_s);
}
