/* The search's clock: wall time (monotonic), or with solver_opts.cpu_time the solving thread's
 * CPU time, so that a benchmark on a loaded machine gives every solve the same work. */
#include "solver/route.h"

#include <time.h>

int64_t solver__thread_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t solver__now_ns(const solver__model *m) {
    return m->cpu_clock ? solver__thread_cpu_ns() : lm_mono_ns();
}
