/* dispatch/pd.c: pickup-and-delivery orders in planning: a ready order whose goods wait at the
 * sender (store/store_pd.h) is one shipment, collected in its pickup window and delivered in one
 * of its windows by the same van, its load on board in between (VROOM shipment semantics, as
 * return pickups: dispatch_pickup_task). Once collected (a failed delivery brought back), it is
 * an ordinary delivery from its depot again. */
#include "dispatch/internal.h"

#include "store/store_pd.h"

bool dispatch__pd_pickup(store_read *r, int64_t order_id, store_pickup *out) {
    lm_errinfo e;
    return store_pickup_get(r, order_id, out, &e) == LM_OK && !out->collected_ms;
}

bool dispatch__pd_task(dispatch *d, store_read *r, int64_t order_id, dispatch__task *t) {
    store_pickup pk;
    if (!dispatch__pd_pickup(r, order_id, &pk)) return false;
    t->shipment = true;
    t->from = (geo_point){pk.lat, pk.lon};
    t->pickup_service_s = d->o.default_service_s;
    t->pick_tws[0] = (solver_tw){pk.window_start_s, pk.window_end_s};
    t->n_pick_tws = 1;
    return true;
}
