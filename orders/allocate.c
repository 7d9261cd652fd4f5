/* orders/allocate.c: stock allocation of an order (the nearest depot that can serve every line,
 * substitutes, the out-of-stock policy), reservations and their release, and the retry of
 * backordered orders when stock comes in. Everything runs inside the caller's transaction. */
#include "orders/internal.h"

#include "geo/geo.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- Allocation ---- */

/* Units of sku already claimed by earlier lines of the same order at one depot. */
static int64_t claimed_units(const orders_line *lines, size_t upto, const char *sku) {
    int64_t q = 0;
    for (size_t i = 0; i < upto; i++)
        if (!strcmp(lines[i].sku, sku)) q += lines[i].qty;
    return q;
}

static lm_status available_at(store_read *r, const char *depot, const char *sku, int64_t *avail,
                              lm_errinfo *err) {
    store_stock s;
    lm_status rc = store_stock_get(r, depot, sku, &s, err);
    if (rc == LM_NOT_FOUND) {
        *avail = 0;
        lm_errinfo_clear(err);
        return LM_OK;
    }
    if (rc == LM_OK) *avail = s.on_hand - s.reserved;
    return rc;
}

/* Fills plan[0..n_lines) with the SKU each line would ship from depot: the ordered SKU when
 * enough is available, else (with substitute) the product's active substitute when that is;
 * *ok false when some line cannot be served. */
static lm_status depot_plan(orders_svc *o, store_read *r, const char *depot,
                            const orders_order *ord, bool substitute, orders_line *plan, bool *ok,
                            lm_errinfo *err) {
    *ok = true;
    for (size_t i = 0; i < ord->n_lines; i++) {
        plan[i] = ord->lines[i];
        const char *asked =
            ord->lines[i].ordered_sku[0] ? ord->lines[i].ordered_sku : ord->lines[i].sku;
        lm_strlcpy(plan[i].sku, asked, sizeof plan[i].sku);
        plan[i].ordered_sku[0] = '\0';
        int64_t avail = 0;
        lm_status rc = available_at(r, depot, asked, &avail, err);
        if (rc != LM_OK) return rc;
        if (avail - claimed_units(plan, i, asked) >= plan[i].qty) continue;
        if (substitute) {
            store_product p;
            rc = orders__product(o, r, asked, &p, err);
            if (rc == LM_NOT_FOUND) {
                lm_errinfo_clear(err);
                *ok = false;
                return LM_OK;
            }
            if (rc != LM_OK) return rc;
            store_product sp;
            if (p.substitute_sku[0]) {
                rc = orders__product(o, r, p.substitute_sku, &sp, err);
                if (rc == LM_NOT_FOUND) {
                    lm_errinfo_clear(err);
                } else if (rc != LM_OK) {
                    return rc;
                } else if (sp.active) {
                    if ((rc = available_at(r, depot, sp.sku, &avail, err)) != LM_OK) return rc;
                    if (avail - claimed_units(plan, i, sp.sku) >= plan[i].qty) {
                        lm_strlcpy(plan[i].sku, sp.sku, sizeof plan[i].sku);
                        lm_strlcpy(plan[i].ordered_sku, asked, sizeof plan[i].ordered_sku);
                        continue;
                    }
                }
            }
        }
        *ok = false;
        return LM_OK;
    }
    return LM_OK;
}

/* Travel-time estimates from every depot to the customer (0 for all without a location): geo's
 * geodesic estimate (distance x detour / speed with geo's defaults), per pair, because a handful
 * of depots does not pay for the matrix provider's projection set-up inside the write tx. */
static void depot_travel(orders_svc *o, const orders_order *ord, const orders_depot *depots,
                         size_t n, int64_t *travel_s) {
    for (size_t i = 0; i < n; i++) {
        travel_s[i] = 0;
        if (!ord->has_location) continue;
        double d = geo_distance_m((geo_point){.lat = depots[i].lat, .lon = depots[i].lon},
                                  (geo_point){.lat = ord->lat, .lon = ord->lon});
        /* an invalid pair (NAN) sorts last rather than losing the order */
        travel_s[i] = isfinite(d) ? (int64_t)(d * o->detour / o->speed_mps) : INT64_MAX;
    }
}

/* Allocates ord (status received / held / backordered) inside tx: the nearest depot that can
 * serve every line gets the reservation; otherwise, in APPLY_POLICY mode, the out-of-stock
 * policy decides. Leaves ord unchanged when nothing applies (backorder retry). *moved tells
 * whether ord's status changed. */
lm_status orders__allocate(orders_svc *o, store_tx *tx, orders_order *ord, orders__alloc_mode mode,
                           bool *moved, lm_errinfo *err) {
    store_read *r = store_tx_read(tx);
    orders_depot *depots = NULL;
    size_t n_depots = 0;
    int64_t *travel = NULL;
    orders_depot_option *opt = NULL;
    orders_line *plans = NULL;
    *moved = false;
    lm_status rc = orders__depots(o, r, &depots, &n_depots, err);
    if (rc != LM_OK) return rc;

    orders_oos policy = ORDERS_OOS_UNSET;
    {
        orders_oos own = ORDERS_OOS_UNSET, chan = ORDERS_OOS_UNSET, def = ORDERS_OOS_UNSET;
        char cp[16] = "";
        store_orders_config cfg;
        if ((rc = orders__config(o, r, &cfg, err)) != LM_OK) goto fail;
        if (ord->channel[0] && (rc = orders__channel_policy(o, r, ord->channel, cp, err)) != LM_OK)
            goto fail;
        (void)orders_oos_parse(ord->oos_policy, &own);
        (void)orders_oos_parse(cp, &chan);
        (void)orders_oos_parse(cfg.default_oos, &def);
        policy = orders_oos_resolve(own, chan, def);
    }

    size_t nl = ord->n_lines ? ord->n_lines : 1;
    if (n_depots) {
        travel = lm_calloc(n_depots, sizeof *travel);
        opt = lm_calloc(n_depots, sizeof *opt);
        plans = lm_calloc(n_depots * nl, sizeof *plans);
        if (!travel || !opt || !plans) {
            rc = LM_NOMEM;
            goto fail;
        }
        depot_travel(o, ord, depots, n_depots, travel);
    }
    /* First pass: exactly what was ordered; second pass (substitute policy): with substitutes.
     * Depots are tried nearest first (orders_allocation_choose's order: travel, then index) and
     * the first that can serve every line is the one it would choose: the farther ones' stock
     * is not read. */
    long best = -1;
    bool substituted = false;
    for (int pass = 0; pass < 2 && best < 0; pass++) {
        if (pass == 1 && policy != ORDERS_OOS_SUBSTITUTE) break;
        for (size_t d = 0; d < n_depots; d++)
            opt[d] = (orders_depot_option){.travel_s = travel[d], .can_fulfil = true};
        for (long d; best < 0 && (d = orders_allocation_choose(opt, n_depots)) >= 0;) {
            bool ok = false;
            rc = depot_plan(o, r, depots[d].id, ord, pass == 1, &plans[(size_t)d * nl], &ok, err);
            if (rc != LM_OK) goto fail;
            if (ok) best = d;
            opt[d].can_fulfil = false; /* tried: the next nearest is next */
        }
        substituted = pass == 1;
    }

    /* no depot has it all: each part from the depot that has it, when the split policy allows */
    int split_main = -1;
    if (best < 0 &&
        (rc = orders__split_try(o, tx, ord, depots, travel, n_depots, &split_main, err)) != LM_OK)
        goto fail;
    orders_status to;
    const char *policy_name = orders_oos_name(policy);
    if (split_main >= 0) {
        lm_strlcpy(ord->depot_id, depots[split_main].id, sizeof ord->depot_id);
        lm_strlcpy(ord->stock_outcome, "in_stock", sizeof ord->stock_outcome);
        policy_name = "split";
        to = ORDERS_ALLOCATED;
    } else if (best >= 0) {
        const orders_line *plan = &plans[(size_t)best * nl];
        for (size_t i = 0; i < ord->n_lines; i++) {
            rc = orders__stock_reserve(tx, depots[best].id, plan[i].sku, plan[i].qty, err);
            if (rc != LM_OK) goto fail;
        }
        if (ord->n_lines) memcpy(ord->lines, plan, ord->n_lines * sizeof *plan);
        bool any_sub = false;
        for (size_t i = 0; i < ord->n_lines; i++)
            any_sub |= plan[i].ordered_sku[0] != '\0';
        (void)substituted;
        lm_strlcpy(ord->depot_id, depots[best].id, sizeof ord->depot_id);
        lm_strlcpy(ord->stock_outcome, any_sub ? "substituted" : "in_stock",
                   sizeof ord->stock_outcome);
        to = ORDERS_ALLOCATED;
    } else if (mode == ORDERS__ALLOC_ONLY_IN_STOCK) {
        goto done;
    } else if (policy == ORDERS_OOS_CANCEL) {
        lm_strlcpy(ord->stock_outcome, "out_of_stock", sizeof ord->stock_outcome);
        to = ORDERS_CANCELLED;
    } else {
        /* backorder, and substitute when no substitute is available either */
        lm_strlcpy(ord->stock_outcome, "backordered", sizeof ord->stock_outcome);
        to = ORDERS_BACKORDERED;
    }
    orders_status from;
    if (!orders_status_parse(ord->status, &from) || !orders_transition_allowed(from, to)) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "status", "order %" PRId64 " is %s", ord->id,
                            ord->status);
        goto fail;
    }
    char extra[64];
    snprintf(extra, sizeof extra, "\"policy\":\"%s\"", policy_name);
    if ((rc = orders__order_move(o, tx, ord, to, extra)) != LM_OK) goto fail;
    *moved = true;
done:
fail:
    lm_free(plans);
    lm_free(opt);
    lm_free(travel);
    lm_free(depots);
    return rc;
}

/* Releases the reservation of an order that holds stock; out_for_delivery additionally takes
 * the units off on_hand (consume). */
lm_status orders__stock_release(store_tx *tx, const orders_order *ord, bool consume,
                                lm_errinfo *err) {
    for (size_t i = 0; i < ord->n_lines; i++) {
        int64_t q = ord->lines[i].qty;
        lm_status rc =
            store_stock_adjust(tx, ord->depot_id, ord->lines[i].sku, -q, consume ? -q : 0, err);
        if (rc != LM_OK) return rc;
    }
    return LM_OK;
}

/* Retries backordered orders oldest first (skipping those still short) inside tx. */
lm_status orders__backorders_retry(orders_svc *o, store_tx *tx, lm_errinfo *err) {
    int64_t *ids = NULL;
    size_t n = 0;
    lm_status rc = store_order_ids_by_status(store_tx_read(tx), "backordered", o->backorder_batch,
                                             &ids, &n, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        orders_order ord;
        if ((rc = store_order_get(store_tx_read(tx), ids[i], &ord, err)) != LM_OK) break;
        bool moved = false;
        rc = orders__allocate(o, tx, &ord, ORDERS__ALLOC_ONLY_IN_STOCK, &moved, err);
        if (rc == LM_OK && moved) rc = store_order_update(tx, &ord, err);
        store_order_clear(&ord);
    }
    lm_free(ids);
    return rc;
}
