/* orders/pd.c: intake of pickup-and-delivery orders (orders/pd.h): the checks, the depot whose
 * vans collect, and the walk to `ready` without stock. */
#include "orders/pd.h"

#include "orders/internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

lm_status orders_pd_check(const orders_order *in, const orders_pd_in *pd, lm_errinfo *err) {
    if (in->n_lines)
        return lm_errinfo_set(err, LM_INVALID, "lines",
                              "a pickup-and-delivery order carries the customer's goods, not "
                              "stock: describe them in package, without lines");
    if (!in->has_location)
        return lm_errinfo_set(err, LM_INVALID, "customer.location",
                              "the delivery location is required");
    lm_status rc =
        geo_point_check((geo_point){.lat = in->lat, .lon = in->lon}, "customer.location", err);
    if (rc != LM_OK) return rc;
    if ((rc = geo_point_check((geo_point){.lat = pd->pickup.lat, .lon = pd->pickup.lon},
                              "pickup.location", err)) != LM_OK)
        return rc;
    const store_pickup *pk = &pd->pickup;
    if (pk->window_start_s <= 0 || pk->window_end_s <= pk->window_start_s)
        return lm_errinfo_set(err, LM_INVALID, "pickup.window",
                              "the pickup window is required and must end after it starts");
    if (in->n_windows == 0)
        return lm_errinfo_set(err, LM_INVALID, "time_windows",
                              "at least one delivery window is required");
    if (in->n_windows > STORE_WINDOWS_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "time_windows", "at most %d windows",
                              STORE_WINDOWS_MAX);
    for (size_t i = 0; i < in->n_windows; i++) {
        char f[48];
        snprintf(f, sizeof f, "time_windows[%zu]", i);
        if (in->windows[i].start_s >= in->windows[i].end_s)
            return lm_errinfo_set(err, LM_INVALID, f, "a window must end after it starts");
        /* the goods cannot be delivered before they can be collected */
        if (in->windows[i].end_s <= pk->window_start_s)
            return lm_errinfo_set(err, LM_INVALID, f,
                                  "the delivery window ends before the pickup window opens");
    }
    if (in->priority < 0 || in->priority > 100)
        return lm_errinfo_set(err, LM_INVALID, "priority", "priority must be 0..100");
    if (pd->parcels < 1 || pd->parcels > 1000)
        return lm_errinfo_set(err, LM_INVALID, "package.parcels", "parcels must be 1..1000");
    if (pd->weight_g < 0 || pd->weight_g > 100000000)
        return lm_errinfo_set(err, LM_INVALID, "package.weight_g", "weight_g must be 0..100000000");
    if (pd->volume_cm3 < 0 || pd->volume_cm3 > 1000000000)
        return lm_errinfo_set(err, LM_INVALID, "package.volume_cm3",
                              "volume_cm3 must be 0..1000000000");
    return LM_OK;
}

/* The given depot (must exist), else the one nearest the pickup: its vans start there. */
static lm_status depot_choose(store_read *r, const orders_pd_in *pd, char *out, size_t cap,
                              lm_errinfo *err) {
    if (pd->depot_id[0]) {
        store_depot d;
        lm_status rc = store_depot_get(r, pd->depot_id, &d, err);
        if (rc == LM_NOT_FOUND)
            return lm_errinfo_set(err, LM_INVALID, "depot", "unknown depot '%s'", pd->depot_id);
        if (rc == LM_OK) lm_strlcpy(out, d.id, cap);
        return rc;
    }
    store_depot *all = NULL;
    size_t n = 0;
    lm_status rc = store_depot_list(r, &all, &n, err);
    if (rc != LM_OK) return rc;
    double best = INFINITY;
    geo_point at = {.lat = pd->pickup.lat, .lon = pd->pickup.lon};
    for (size_t i = 0; i < n; i++) {
        double m = geo_distance_m(at, (geo_point){.lat = all[i].lat, .lon = all[i].lon});
        if (isfinite(m) && m < best) {
            best = m;
            lm_strlcpy(out, all[i].id, cap);
        }
    }
    lm_free(all);
    if (!isfinite(best))
        return lm_errinfo_set(err, LM_CONFLICT, "depot", "no depot is configured to serve it");
    return LM_OK;
}

/* The order row and its pickup, then received -> allocated -> picking -> ready inside tx. */
static lm_status pd_insert(orders_svc *o, store_tx *tx, orders_order *ord, const orders_pd_in *pd,
                           const char *idem_key, lm_errinfo *err) {
    static const orders_status walk[] = {ORDERS_ALLOCATED, ORDERS_PICKING, ORDERS_READY};
    const char *kind = "\"kind\":\"pickup_delivery\"";
    lm_status rc = depot_choose(store_tx_read(tx), pd, ord->depot_id, sizeof ord->depot_id, err);
    if (rc != LM_OK) return rc;
    if ((rc = store_order_insert(tx, ord, &ord->id, err)) != LM_OK) return rc;
    if ((rc = orders__event_order(tx, ord, "", kind)) != LM_OK) return rc;
    if (idem_key && idem_key[0] && (rc = store_idem_put(tx, idem_key, ord->id, err)) != LM_OK)
        return rc;
    store_pickup pk = pd->pickup;
    pk.order_id = ord->id;
    pk.collected_ms = 0;
    if ((rc = store_pickup_put(tx, &pk, err)) != LM_OK) return rc;
    if (pd->in_tx && (rc = pd->in_tx(tx, ord->id, pd->in_tx_ctx, err)) != LM_OK) return rc;
    ord->pkg_weight_g = ord->weight_g = pd->weight_g;
    ord->pkg_volume_cm3 = ord->volume_cm3 = pd->volume_cm3;
    ord->pkg_parcels = pd->parcels;
    for (size_t i = 0; i < sizeof walk / sizeof walk[0] && rc == LM_OK; i++)
        rc = orders__order_move(o, tx, ord, walk[i], kind);
    if (rc == LM_OK) rc = store_order_update(tx, ord, err);
    return rc;
}

lm_status orders_pd_create(orders_svc *o, const orders_order *in, const orders_pd_in *pd,
                           const char *idem_key, orders_order *out, bool *replayed,
                           lm_errinfo *err) {
    lm_status rc = orders_pd_check(in, pd, err);
    if (rc != LM_OK) return rc;
    if (idem_key && strlen(idem_key) > STORE_REF_MAX)
        return lm_errinfo_set(err, LM_INVALID, "Idempotency-Key", "at most %d characters",
                              STORE_REF_MAX);
    orders_order ord = *in;
    ord.lines = NULL;
    ord.n_lines = 0;
    ord.id = 0;
    ord.depot_id[0] = ord.stock_outcome[0] = ord.lines_sig[0] = ord.oos_policy[0] = '\0';
    orders__token_make(ord.tracking_token);
    lm_strlcpy(ord.status, "received", sizeof ord.status);
    ord.created_ms = ord.updated_ms = o->now_ms();
    orders_customer_key(&ord, ord.customer_key, sizeof ord.customer_key);
    *replayed = false;
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(o->st, &tx)) != LM_OK)
        return lm_errinfo_set(err, rc, "", "the store is not available");
    int64_t existing = 0;
    if (idem_key && idem_key[0] &&
        (rc = store_idem_get(store_tx_read(tx), idem_key, &existing, err)) != LM_OK)
        goto fail;
    if (existing) { /* a retry: the order first created under this key, nothing new */
        store_tx_rollback(tx);
        *replayed = true;
        return orders_order_get(o, existing, out, err);
    }
    if ((rc = pd_insert(o, tx, &ord, pd, idem_key, err)) != LM_OK) goto fail;
    if ((rc = orders__commit(tx, err)) != LM_OK) return rc;
    *out = ord;
    return LM_OK;
fail:
    store_tx_rollback(tx);
    return rc;
}
