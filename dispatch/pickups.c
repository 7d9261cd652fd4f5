/* dispatch/pickups.c: the stops of pickup tasks (dispatch_pickup_task): finding the stop of a
 * return for tracking and the driver, and what a failed pickup (a return's or a
 * pickup-and-delivery order's) means for the rest of its task.
 * Planning them is plan.c's (pickup_add) and model.c's (shipments with a pickup window). */
#include "dispatch/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

lm_status dispatch_return_stop_get(store_read *r, int64_t order_id, int64_t return_id,
                                   dispatch_stop *out, lm_errinfo *err) {
    store_stop_filter f = {.order_id = order_id, .live_only = true};
    store_stop *all = NULL;
    size_t n = 0;
    lm_status rc = store_stop_query(r, &f, &all, &n, err);
    if (rc != LM_OK) return rc;
    const store_stop *sel = NULL;
    /* the newest pickup stop of the return: a re-plan or a new plan replaces older ones */
    for (size_t i = 0; i < n; i++)
        if (all[i].return_id == return_id && all[i].kind == DISPATCH_STOP_PICKUP &&
            (!sel || all[i].id > sel->id))
            sel = &all[i];
    if (sel)
        *out = *sel;
    else
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "return_id",
                            "return %" PRId64 " has no pickup stop on a live route", return_id);
    lm_free(all);
    return rc;
}

lm_status dispatch__pickup_failed(store_tx *tx, const store_stop *pick, int64_t t_ms,
                                  lm_errinfo *err) {
    if (pick->kind != DISPATCH_STOP_PICKUP) return LM_OK;
    store_pickup pk;
    /* collect-and-deliver: nothing collected, so nothing to deliver; the order has failed */
    bool sender = !pick->return_id && !pick->transfer_from &&
                  dispatch__pd_pickup(store_tx_read(tx), pick->order_id, &pk);
    if (!pick->return_id && !sender) return LM_OK;
    store_stop_filter f = {.vehicle_id = pick->vehicle_id, .live_only = true, .pending_only = true};
    store_stop *all = NULL;
    size_t n = 0;
    lm_status rc = store_stop_query(store_tx_read(tx), &f, &all, &n, err);
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        store_stop *s = &all[i];
        if (s->kind != DISPATCH_STOP_DELIVERY || s->return_id != pick->return_id ||
            (sender && s->order_id != pick->order_id))
            continue;
        /* nothing was collected, so there is nothing to drop at the depot (or the receiver) */
        s->status = DISPATCH_STOP_CANCELLED;
        s->done_ms = t_ms;
        lm_strlcpy(s->note, "pickup failed: nothing to drop", sizeof s->note);
        rc = store_stop_update(tx, s, err);
    }
    lm_free(all);
    if (rc == LM_OK && sender) rc = dispatch__order_move(tx, pick->order_id, "failed", t_ms, err);
    return rc;
}
