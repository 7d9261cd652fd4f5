/* common/leader.c: the process's leadership flag (common/leader.h). */
#include "common/leader.h"

#include <stdatomic.h>

static atomic_bool g_leading = true;

void lm_leader_set(bool leading) {
    atomic_store(&g_leading, leading);
}

bool lm_leader(void) {
    return atomic_load(&g_leading);
}
