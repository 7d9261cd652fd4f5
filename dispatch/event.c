/* dispatch/event.c: appends a dispatch event (plan.*, route.*, stop.*, ...) to the store's event
 * log inside the caller's transaction, its payload formatted in place. */
#include "dispatch/internal.h"

#include <inttypes.h>
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

lm_status dispatch__event_eta_set(store_tx *tx, const store_stop *st, int64_t now_ms) {
    char sid[24];
    snprintf(sid, sizeof sid, "%" PRId64, st->id);
    return dispatch__event(tx, "stop.eta_set", "stop", sid,
                           "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64
                           ",\"vehicle_id\":\"%s\",\"eta_s\":%" PRId64 ",\"t_ms\":%" PRId64 "}",
                           st->id, st->order_id, st->vehicle_id, st->eta_s, now_ms);
}
