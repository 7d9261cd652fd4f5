/* feedback/links.c: what a rating or a ticket is tied to, read when it is made: the order's
 * depot and its delivery attempt (stop) with the driver, vehicle and route (plan, vehicle). */
#include "dispatch/dispatch.h"
#include "feedback/internal.h"
#include "store/store_orders.h"

#include <string.h>

static bool finished_delivery(const store_stop *s) {
    return s->kind == DISPATCH_STOP_DELIVERY &&
           (s->status == DISPATCH_STOP_DONE || s->status == DISPATCH_STOP_FAILED);
}

static void take_stop(feedback__links *l, const store_stop *s) {
    l->has_stop = true;
    l->stop_id = s->id;
    l->plan_id = s->plan_id;
    l->stop_status = s->status;
    lm_strlcpy(l->driver_id, s->driver_id, sizeof l->driver_id);
    lm_strlcpy(l->vehicle_id, s->vehicle_id, sizeof l->vehicle_id);
}

lm_status feedback__links_get(store_read *r, int64_t order_id, int64_t stop_id,
                              feedback__links *out, lm_errinfo *err) {
    feedback__links l;
    memset(&l, 0, sizeof l);
    store_order o;
    memset(&o, 0, sizeof o);
    lm_status rc = store_order_get(r, order_id, &o, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_NOT_FOUND, "order_id", "no order %lld", (long long)order_id);
    if (rc != LM_OK) return rc;
    lm_strlcpy(l.depot_id, o.depot_id, sizeof l.depot_id);
    lm_strlcpy(l.external_ref, o.external_ref, sizeof l.external_ref);
    store_order_clear(&o);
    if (stop_id > 0) {
        store_stop s;
        rc = dispatch_stop_get(r, stop_id, &s, err);
        if (rc == LM_NOT_FOUND || (rc == LM_OK && s.order_id != order_id))
            return lm_errinfo_set(err, LM_NOT_FOUND, "stop_id", "order %lld has no stop %lld",
                                  (long long)order_id, (long long)stop_id);
        if (rc != LM_OK) return rc;
        if (!finished_delivery(&s))
            return lm_errinfo_set(err, LM_CONFLICT, "stop_id",
                                  "stop %lld is not a delivered or failed delivery (it is %s)",
                                  (long long)stop_id,
                                  dispatch_stop_status_name((dispatch_stop_status)s.status));
        take_stop(&l, &s);
    } else {
        store_stop_filter f = {.order_id = order_id};
        store_stop *stops = NULL;
        size_t n = 0;
        if ((rc = store_stop_query(r, &f, &stops, &n, err)) != LM_OK) return rc;
        const store_stop *best = NULL;
        for (size_t i = 0; i < n; i++) /* the latest finished attempt; ids break ties */
            if (finished_delivery(&stops[i]) &&
                (!best || stops[i].done_ms > best->done_ms ||
                 (stops[i].done_ms == best->done_ms && stops[i].id > best->id)))
                best = &stops[i];
        if (best) take_stop(&l, best);
        lm_free(stops);
    }
    *out = l;
    return LM_OK;
}
