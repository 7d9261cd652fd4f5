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

/* Seconds for d metres (distance x detour / speed with geo's defaults); an invalid pair (NAN)
 * sorts last rather than losing the order. */
static int64_t travel_of(const orders_svc *o, double d) {
    return isfinite(d) ? (int64_t)(d * o->detour / o->speed_mps) : INT64_MAX;
}

/* Travel-time estimates from every depot to the customer (0 for all without a location): geo's
 * geodesic estimate, per pair, because a handful of depots does not pay for the matrix
 * provider's projection set-up inside the write tx. The times only rank the depots, so the
 * sphere's distance (far cheaper: perf-intake.md, round 5) stands in for a depot whose range of
 * possible times (the sphere's error either way) overlaps no other depot's: every comparison,
 * ties included, comes out as the geodesic's. */
static void depot_travel(orders_svc *o, const orders_order *ord, const orders_depot *depots,
                         size_t n, int64_t *travel_s) {
    int64_t lo[16], hi[16];
    geo_point c = {.lat = ord->lat, .lon = ord->lon};
    if (!ord->has_location) {
        memset(travel_s, 0, n * sizeof *travel_s);
        return;
    }
    bool sphere = n <= 16; /* points are valid here: the depots' and the order's were checked */
    for (size_t i = 0; i < n && sphere; i++) {
        double d =
            geo_sphere_distance_m((geo_point){.lat = depots[i].lat, .lon = depots[i].lon}, c);
        sphere = isfinite(d);
        lo[i] = travel_of(o, d * (1 - 2 * GEO_SPHERE_ERR));
        hi[i] = travel_of(o, d * (1 + 2 * GEO_SPHERE_ERR));
        travel_s[i] = travel_of(o, d);
    }
    for (size_t i = 0; i < n; i++) {
        bool alone = sphere;
        for (size_t j = 0; j < n && alone; j++)
            alone = j == i || hi[i] < lo[j] || hi[j] < lo[i];
        if (!alone)
            travel_s[i] = travel_of(
                o, geo_distance_m((geo_point){.lat = depots[i].lat, .lon = depots[i].lon}, c));
    }
}

/* What allocation found for one order: the depots, their travel times and per-depot line plans,
 * the out-of-stock policy, and the depot that can serve every line (best, -1 when none). */
typedef struct alloc_choice {
    orders_depot *depots;
    size_t n_depots, nl; /* nl: lines per plan (at least 1) */
    int64_t *travel;     /* seconds from each depot to the customer */
    orders_depot_option *opt;
    orders_line *plans; /* n_depots x nl */
    orders_oos policy;
    long best;
} alloc_choice;

static void alloc_choice_free(alloc_choice *c) {
    lm_free(c->plans);
    lm_free(c->opt);
    lm_free(c->travel);
    lm_free(c->depots);
}

/* Reads what allocating ord needs and finds the nearest depot that can serve every line (first
 * exactly what was ordered, then, under the substitute policy, with substitutes): reads only. */
static lm_status alloc_choose(orders_svc *o, store_read *r, const orders_order *ord,
                              alloc_choice *c, lm_errinfo *err) {
    memset(c, 0, sizeof *c);
    c->best = -1;
    lm_status rc = orders__depots(o, r, &c->depots, &c->n_depots, err);
    if (rc != LM_OK) return rc;
    orders_oos own = ORDERS_OOS_UNSET, chan = ORDERS_OOS_UNSET, def = ORDERS_OOS_UNSET;
    char cp[16] = "";
    store_orders_config cfg;
    if ((rc = orders__config(o, r, &cfg, err)) != LM_OK) return rc;
    if (ord->channel[0] && (rc = orders__channel_policy(o, r, ord->channel, cp, err)) != LM_OK)
        return rc;
    (void)orders_oos_parse(ord->oos_policy, &own);
    (void)orders_oos_parse(cp, &chan);
    (void)orders_oos_parse(cfg.default_oos, &def);
    c->policy = orders_oos_resolve(own, chan, def);

    size_t n_depots = c->n_depots, nl = c->nl = ord->n_lines ? ord->n_lines : 1;
    if (!n_depots) return LM_OK;
    c->travel = lm_calloc(n_depots, sizeof *c->travel);
    c->opt = lm_calloc(n_depots, sizeof *c->opt);
    c->plans = lm_calloc(n_depots * nl, sizeof *c->plans);
    if (!c->travel || !c->opt || !c->plans) return LM_NOMEM;
    depot_travel(o, ord, c->depots, n_depots, c->travel);
    /* Depots are tried nearest first (orders_allocation_choose's order: travel, then index) and
     * the first that can serve every line is the one it would choose: the farther ones' stock
     * is not read. */
    for (int pass = 0; pass < 2 && c->best < 0; pass++) {
        if (pass == 1 && c->policy != ORDERS_OOS_SUBSTITUTE) break;
        for (size_t d = 0; d < n_depots; d++)
            c->opt[d] = (orders_depot_option){.travel_s = c->travel[d], .can_fulfil = true};
        for (long d; c->best < 0 && (d = orders_allocation_choose(c->opt, n_depots)) >= 0;) {
            bool ok = false;
            rc = depot_plan(o, r, c->depots[d].id, ord, pass == 1, &c->plans[(size_t)d * nl], &ok,
                            err);
            if (rc != LM_OK) return rc;
            if (ok) c->best = d;
            c->opt[d].can_fulfil = false; /* tried: the next nearest is next */
        }
    }
    return LM_OK;
}

/* Gives ord the lines, depot and stock outcome of c's best depot (reserving nothing). */
static void alloc_take_best(const alloc_choice *c, orders_order *ord) {
    const orders_line *plan = &c->plans[(size_t)c->best * c->nl];
    if (ord->n_lines) memcpy(ord->lines, plan, ord->n_lines * sizeof *plan);
    bool any_sub = false;
    for (size_t i = 0; i < ord->n_lines; i++)
        any_sub |= plan[i].ordered_sku[0] != '\0';
    lm_strlcpy(ord->depot_id, c->depots[c->best].id, sizeof ord->depot_id);
    lm_strlcpy(ord->stock_outcome, any_sub ? "substituted" : "in_stock", sizeof ord->stock_outcome);
}

lm_status orders__reserve_lines(store_tx *tx, const orders_order *ord, lm_errinfo *err) {
    for (size_t i = 0; i < ord->n_lines; i++) {
        lm_status rc =
            orders__stock_reserve(tx, ord->depot_id, ord->lines[i].sku, ord->lines[i].qty, err);
        if (rc != LM_OK) return rc;
    }
    return LM_OK;
}

lm_status orders__allocate_pick(orders_svc *o, store_read *r, orders_order *ord, bool *found,
                                char extra[64], lm_errinfo *err) {
    alloc_choice c;
    *found = false;
    lm_status rc = alloc_choose(o, r, ord, &c, err);
    if (rc == LM_OK && c.best >= 0) {
        alloc_take_best(&c, ord);
        snprintf(extra, 64, "\"policy\":\"%s\"", orders_oos_name(c.policy));
        *found = true;
    }
    alloc_choice_free(&c);
    return rc;
}

/* Allocates ord (status received / held / backordered) inside tx: the nearest depot that can
 * serve every line gets the reservation; otherwise, in APPLY_POLICY mode, the out-of-stock
 * policy decides. Leaves ord unchanged when nothing applies (backorder retry). *moved tells
 * whether ord's status changed. */
lm_status orders__allocate(orders_svc *o, store_tx *tx, orders_order *ord, orders__alloc_mode mode,
                           bool *moved, lm_errinfo *err) {
    alloc_choice c;
    *moved = false;
    lm_status rc = alloc_choose(o, store_tx_read(tx), ord, &c, err);
    if (rc != LM_OK) goto fail;

    /* no depot has it all: each part from the depot that has it, when the split policy allows */
    int split_main = -1;
    if (c.best < 0 && (rc = orders__split_try(o, tx, ord, c.depots, c.travel, c.n_depots,
                                              &split_main, err)) != LM_OK)
        goto fail;
    orders_status to;
    const char *policy_name = orders_oos_name(c.policy);
    if (split_main >= 0) {
        lm_strlcpy(ord->depot_id, c.depots[split_main].id, sizeof ord->depot_id);
        lm_strlcpy(ord->stock_outcome, "in_stock", sizeof ord->stock_outcome);
        policy_name = "split";
        to = ORDERS_ALLOCATED;
    } else if (c.best >= 0) {
        alloc_take_best(&c, ord);
        if ((rc = orders__reserve_lines(tx, ord, err)) != LM_OK) goto fail;
        to = ORDERS_ALLOCATED;
    } else if (mode == ORDERS__ALLOC_ONLY_IN_STOCK) {
        goto done;
    } else if (c.policy == ORDERS_OOS_CANCEL) {
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
    alloc_choice_free(&c);
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
