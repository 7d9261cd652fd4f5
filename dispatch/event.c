/* dispatch/event.c: appends a dispatch event (plan.*, route.*, stop.*, ...) to the store's event
 * log inside the caller's transaction, its payload formatted in place. */
#include "dispatch/internal.h"

#include <stdarg.h>
#include <stdio.h>

lm_status dispatch__event(store_tx *tx, const char *type, const char *entity, const char *entity_id,
                          const char *fmt, ...) {
    char payload[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(payload, sizeof payload, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof payload) return LM_INTERNAL;
    return store_event_append(tx, type, entity, entity_id, payload);
}
