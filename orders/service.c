/* orders: the persistent operations. Each public function is one store transaction: checks,
 * changes and the events recording them commit together, and the caller hears back only after
 * the commit. The single-writer store serialises these transactions, which is what makes the
 * stock check-then-reserve atomic (no oversell) and idempotency keys race-free. */
#include "orders/internal.h"

#include "geo/geo.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

struct orders_svc {
    store *st;
    int64_t (*now_ms)(void);
    size_t backorder_batch;
    double detour, speed_mps; /* geo's travel-time estimate parameters (geo_matrix_opts_init) */
    pthread_mutex_t area_mu;  /* guards the parsed service-area cache below */
    char *area_text;          /* the GeoJSON the cache was parsed from */
    geo_area *area;           /* NULL when no area is configured */
};

void orders_opts_init(orders_opts *o) {
    memset(o, 0, sizeof *o);
    o->now_ms = lm_now_ms;
    o->backorder_batch = 500;
}

lm_status orders_create(const orders_opts *opts, orders_svc **out) {
    if (!opts || !opts->st) return LM_INVALID;
    orders_svc *o = lm_calloc(1, sizeof *o);
    if (!o) return LM_NOMEM;
    o->st = opts->st;
    o->now_ms = opts->now_ms ? opts->now_ms : lm_now_ms;
    o->backorder_batch = opts->backorder_batch ? opts->backorder_batch : 500;
    geo_matrix_opts gopts;
    geo_matrix_opts_init(&gopts);
    o->detour = gopts.detour_factor;
    o->speed_mps = gopts.speed_mps;
    pthread_mutex_init(&o->area_mu, NULL);
    *out = o;
    return LM_OK;
}

void orders_destroy(orders_svc *o) {
    if (!o) return;
    geo_area_destroy(o->area);
    lm_free(o->area_text);
    pthread_mutex_destroy(&o->area_mu);
    lm_free(o);
}

void orders_order_clear(orders_order *ord) {
    store_order_clear(ord);
}

void orders_order_list_free(orders_order *list, size_t n) {
    store_order_list_free(list, n);
}

/* ---- Helpers ---- */

static bool id_valid(const char *s) {
    if (!s[0]) return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

static lm_status event_order(store_tx *tx, const orders_order *ord, const char *from,
                             const char *extra_json) {
    lm_buf b;
    lm_buf_init(&b, 8192);
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, ord->id);
    char type[48];
    snprintf(type, sizeof type, "order.%s", ord->status);
    lm_status rc = lm_buf_printf(&b, "{\"id\":%" PRId64 ",\"from\":", ord->id);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, from);
    if (rc == LM_OK) rc = lm_buf_printf(&b, ",\"to\":\"%s\",\"channel\":", ord->status);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, ord->channel);
    if (rc == LM_OK) rc = lm_buf_printf(&b, ",\"depot\":");
    if (rc == LM_OK) rc = lm_buf_json_str(&b, ord->depot_id);
    if (rc == LM_OK && ord->stock_outcome[0])
        rc = lm_buf_printf(&b, ",\"stock_outcome\":\"%s\"", ord->stock_outcome);
    if (rc == LM_OK && extra_json) rc = lm_buf_printf(&b, ",%s", extra_json);
    if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
    if (rc == LM_OK) rc = store_event_append(tx, type, "order", id, b.data);
    lm_buf_free(&b);
    return rc;
}

/* Sets ord's status to `to` (which the caller checked) and records the event. */
static lm_status order_move(orders_svc *o, store_tx *tx, orders_order *ord, orders_status to,
                            const char *extra_json) {
    char from[24];
    lm_strlcpy(from, ord->status, sizeof from);
    lm_strlcpy(ord->status, orders_status_name(to), sizeof ord->status);
    ord->updated_ms = o->now_ms();
    return event_order(tx, ord, from, extra_json);
}

/* Adds qty to reserved at (depot, sku) and raises stock.low when available crosses below the
 * reorder point. */
static lm_status stock_reserve(store_tx *tx, const char *depot, const char *sku, int64_t qty,
                               lm_errinfo *err) {
    store_stock before;
    lm_status rc = store_stock_get(store_tx_read(tx), depot, sku, &before, err);
    if (rc != LM_OK) return rc;
    if ((rc = store_stock_adjust(tx, depot, sku, qty, 0, err)) != LM_OK) return rc;
    int64_t avail_before = before.on_hand - before.reserved;
    int64_t avail_after = avail_before - qty;
    if (avail_before >= before.reorder_point && avail_after < before.reorder_point)
        rc = orders__event_stock_low(tx, depot, sku, before.on_hand, before.reserved + qty,
                                     before.reorder_point);
    return rc;
}

lm_status orders__event_stock_low(store_tx *tx, const char *depot, const char *sku, int64_t on_hand,
                                  int64_t reserved, int64_t reorder_point) {
    lm_buf b;
    lm_buf_init(&b, 1024);
    char key[2 * STORE_ID_MAX + 2];
    snprintf(key, sizeof key, "%s/%s", depot, sku);
    lm_status rc = lm_buf_append(&b, "{\"depot\":", 9);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, depot);
    if (rc == LM_OK) rc = lm_buf_append(&b, ",\"sku\":", 7);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, sku);
    if (rc == LM_OK)
        rc = lm_buf_printf(&b,
                           ",\"on_hand\":%" PRId64 ",\"reserved\":%" PRId64
                           ",\"available\":%" PRId64 ",\"reorder_point\":%" PRId64 "}",
                           on_hand, reserved, on_hand - reserved, reorder_point);
    if (rc == LM_OK) rc = store_event_append(tx, "stock.low", "stock", key, b.data);
    lm_buf_free(&b);
    return rc;
}

/* ---- Allocation ---- */

/* What allocation may do when no depot has every line. */
typedef enum alloc_mode {
    ALLOC_ONLY_IN_STOCK, /* backorder retry: allocate or leave as is */
    ALLOC_APPLY_POLICY,  /* intake / release: apply the out-of-stock policy */
} alloc_mode;

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
static lm_status depot_plan(store_read *r, const char *depot, const orders_order *ord,
                            bool substitute, orders_line *plan, bool *ok, lm_errinfo *err) {
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
            rc = store_product_get(r, asked, &p, err);
            if (rc == LM_NOT_FOUND) {
                lm_errinfo_clear(err);
                *ok = false;
                return LM_OK;
            }
            if (rc != LM_OK) return rc;
            store_product sp;
            if (p.substitute_sku[0]) {
                rc = store_product_get(r, p.substitute_sku, &sp, err);
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
static lm_status allocate(orders_svc *o, store_tx *tx, orders_order *ord, alloc_mode mode,
                          bool *moved, lm_errinfo *err) {
    store_read *r = store_tx_read(tx);
    orders_depot *depots = NULL;
    size_t n_depots = 0;
    int64_t *travel = NULL;
    orders_depot_option *opt = NULL;
    orders_line *plans = NULL;
    *moved = false;
    lm_status rc = store_depot_list(r, &depots, &n_depots, err);
    if (rc != LM_OK) return rc;

    orders_oos policy = ORDERS_OOS_UNSET;
    {
        orders_oos own = ORDERS_OOS_UNSET, chan = ORDERS_OOS_UNSET, def = ORDERS_OOS_UNSET;
        char cp[16] = "";
        store_orders_config cfg;
        orders_config_defaults(&cfg);
        if ((rc = store_orders_config_get(r, &cfg, err)) != LM_OK) goto fail;
        if (ord->channel[0] && (rc = store_channel_policy_get(r, ord->channel, cp, err)) != LM_OK)
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
    /* First pass: exactly what was ordered; second pass (substitute policy): with substitutes. */
    long best = -1;
    bool substituted = false;
    for (int pass = 0; pass < 2 && best < 0; pass++) {
        if (pass == 1 && policy != ORDERS_OOS_SUBSTITUTE) break;
        for (size_t d = 0; d < n_depots; d++) {
            bool ok = false;
            rc = depot_plan(r, depots[d].id, ord, pass == 1, &plans[d * nl], &ok, err);
            if (rc != LM_OK) goto fail;
            opt[d] = (orders_depot_option){.travel_s = travel[d], .can_fulfil = ok};
        }
        best = orders_allocation_choose(opt, n_depots);
        substituted = pass == 1;
    }

    orders_status to;
    if (best >= 0) {
        const orders_line *plan = &plans[(size_t)best * nl];
        for (size_t i = 0; i < ord->n_lines; i++) {
            rc = stock_reserve(tx, depots[best].id, plan[i].sku, plan[i].qty, err);
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
    } else if (mode == ALLOC_ONLY_IN_STOCK) {
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
    snprintf(extra, sizeof extra, "\"policy\":\"%s\"", orders_oos_name(policy));
    if ((rc = order_move(o, tx, ord, to, extra)) != LM_OK) goto fail;
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
static lm_status stock_release(store_tx *tx, const orders_order *ord, bool consume,
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
static lm_status backorders_retry(orders_svc *o, store_tx *tx, lm_errinfo *err) {
    int64_t *ids = NULL;
    size_t n = 0;
    lm_status rc = store_order_ids_by_status(store_tx_read(tx), "backordered", o->backorder_batch,
                                             &ids, &n, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        orders_order ord;
        if ((rc = store_order_get(store_tx_read(tx), ids[i], &ord, err)) != LM_OK) break;
        bool moved = false;
        rc = allocate(o, tx, &ord, ALLOC_ONLY_IN_STOCK, &moved, err);
        if (rc == LM_OK && moved) rc = store_order_update(tx, &ord, err);
        store_order_clear(&ord);
    }
    lm_free(ids);
    return rc;
}

/* ---- Depots, products, stock ---- */

static lm_status depot_check(const orders_depot *d, lm_errinfo *err) {
    if (!id_valid(d->id))
        return lm_errinfo_set(err, LM_INVALID, "id",
                              "depot id must be 1-64 characters of A-Z a-z 0-9 . _ -");
    if (!d->name[0]) return lm_errinfo_set(err, LM_INVALID, "name", "name is required");
    lm_status rc = geo_point_check((geo_point){.lat = d->lat, .lon = d->lon}, "location", err);
    if (rc != LM_OK) return rc;
    if (d->open_s < 0 || d->open_s >= 86400)
        return lm_errinfo_set(err, LM_INVALID, "opening_hours.open",
                              "opening time must be within the day (00:00-23:59)");
    if (d->close_s <= d->open_s || d->close_s > 2 * 86400)
        return lm_errinfo_set(err, LM_INVALID, "opening_hours.close",
                              "closing time must be after the opening time");
    return LM_OK;
}

/* Appends event `type` for entity/id with the payload {"<key>":<id as a JSON string><rest>, rest
 * closing the object. */
static lm_status event_keyed(store_tx *tx, const char *type, const char *entity, const char *key,
                             const char *id, const char *rest) {
    lm_buf b;
    lm_buf_init(&b, 4096);
    lm_status rc = lm_buf_printf(&b, "{\"%s\":", key);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, id);
    if (rc == LM_OK) rc = lm_buf_append(&b, rest, strlen(rest));
    if (rc == LM_OK) rc = store_event_append(tx, type, entity, id, b.data);
    lm_buf_free(&b);
    return rc;
}

/* Commits tx (consumed either way), naming a failure. */
static lm_status commit(store_tx *tx, lm_errinfo *err) {
    lm_status rc = store_tx_commit(tx);
    if (rc != LM_OK) lm_errinfo_set(err, rc, "", "commit failed");
    return rc;
}

lm_status orders_depot_put(orders_svc *o, const orders_depot *d, lm_errinfo *err) {
    lm_status rc = depot_check(d, err);
    if (rc != LM_OK) return rc;
    char rest[96];
    snprintf(rest, sizeof rest, ",\"location\":[%.7f,%.7f]}", d->lon, d->lat);
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(o->st, &tx)) != LM_OK)
        return lm_errinfo_set(err, rc, "", "store unavailable");
    if ((rc = store_depot_put(tx, d, err)) != LM_OK ||
        (rc = event_keyed(tx, "depot.put", "depot", "id", d->id, rest)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    return commit(tx, err);
}

lm_status orders_depot_list(orders_svc *o, orders_depot **out, size_t *n, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_depot_list(r, out, n, err);
    store_read_end(r);
    return rc;
}

lm_status orders_product_put(orders_svc *o, const orders_product *p, lm_errinfo *err) {
    if (!id_valid(p->sku))
        return lm_errinfo_set(err, LM_INVALID, "sku",
                              "SKU must be 1-64 characters of A-Z a-z 0-9 . _ -");
    if (!p->name[0]) return lm_errinfo_set(err, LM_INVALID, "name", "name is required");
    if (p->weight_g < 0 || p->weight_g > 10000000)
        return lm_errinfo_set(err, LM_INVALID, "weight_g", "weight must be 0..10000000 g");
    if (p->volume_cm3 < 0 || p->volume_cm3 > 100000000)
        return lm_errinfo_set(err, LM_INVALID, "volume_cm3", "volume must be 0..100000000 cm3");
    if (p->substitute_sku[0] && !strcmp(p->substitute_sku, p->sku))
        return lm_errinfo_set(err, LM_INVALID, "substitute_sku",
                              "a product cannot substitute itself");
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    if (p->substitute_sku[0]) {
        store_product sp;
        rc = store_product_get(store_tx_read(tx), p->substitute_sku, &sp, err);
        if (rc == LM_NOT_FOUND)
            rc = lm_errinfo_set(err, LM_INVALID, "substitute_sku", "unknown SKU '%s'",
                                p->substitute_sku);
        if (rc != LM_OK) goto fail;
    }
    if ((rc = store_product_put(tx, p, err)) != LM_OK ||
        (rc = event_keyed(tx, p->active ? "product.put" : "product.quarantined", "product", "sku",
                          p->sku, p->active ? ",\"active\":true}" : ",\"active\":false}")) != LM_OK)
        goto fail;
    return commit(tx, err);
fail:
    store_tx_rollback(tx);
    return rc;
}

lm_status orders_product_list(orders_svc *o, orders_product **out, size_t *n, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_product_list(r, out, n, err);
    store_read_end(r);
    return rc;
}

lm_status orders_stock_set(orders_svc *o, const char *depot_id, const char *sku, int64_t on_hand,
                           int64_t reorder_point, orders_stock *out, lm_errinfo *err) {
    if (on_hand < 0 || on_hand > INT32_MAX)
        return lm_errinfo_set(err, LM_INVALID, "on_hand", "on_hand must be 0..%d", INT32_MAX);
    if (reorder_point < -1 || reorder_point > INT32_MAX)
        return lm_errinfo_set(err, LM_INVALID, "reorder_point", "reorder_point must be 0..%d",
                              INT32_MAX);
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    store_read *r = store_tx_read(tx);
    store_depot d;
    store_product p;
    if ((rc = store_depot_get(r, depot_id, &d, err)) != LM_OK) {
        if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "depot", "unknown depot '%s'", depot_id);
        goto fail;
    }
    if ((rc = store_product_get(r, sku, &p, err)) != LM_OK) {
        if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "sku", "unknown SKU '%s'", sku);
        goto fail;
    }
    store_stock before = {0};
    bool existed = true;
    rc = store_stock_get(r, depot_id, sku, &before, err);
    if (rc == LM_NOT_FOUND) {
        existed = false;
        lm_errinfo_clear(err);
        rc = LM_OK;
    }
    if (rc != LM_OK) goto fail;
    if (on_hand < before.reserved) {
        rc =
            lm_errinfo_set(err, LM_CONFLICT, "on_hand",
                           "on_hand %" PRId64 " is below the %" PRId64 " units reserved for orders",
                           on_hand, before.reserved);
        goto fail;
    }
    store_stock row = before;
    lm_strlcpy(row.depot_id, depot_id, sizeof row.depot_id);
    lm_strlcpy(row.sku, sku, sizeof row.sku);
    row.on_hand = on_hand;
    if (reorder_point >= 0) row.reorder_point = reorder_point;
    if ((rc = store_stock_put(tx, &row, err)) != LM_OK) goto fail;
    {
        lm_buf b;
        lm_buf_init(&b, 1024);
        char key[2 * STORE_ID_MAX + 2];
        snprintf(key, sizeof key, "%s/%s", depot_id, sku);
        rc = lm_buf_append(&b, "{\"depot\":", 9);
        if (rc == LM_OK) rc = lm_buf_json_str(&b, depot_id);
        if (rc == LM_OK) rc = lm_buf_append(&b, ",\"sku\":", 7);
        if (rc == LM_OK) rc = lm_buf_json_str(&b, sku);
        if (rc == LM_OK)
            rc = lm_buf_printf(&b, ",\"on_hand\":%" PRId64 ",\"previous\":%" PRId64 "}", on_hand,
                               before.on_hand);
        if (rc == LM_OK) rc = store_event_append(tx, "stock.set", "stock", key, b.data);
        lm_buf_free(&b);
        if (rc != LM_OK) goto fail;
    }
    int64_t avail_before = before.on_hand - before.reserved;
    int64_t avail_after = row.on_hand - row.reserved;
    if (avail_after < row.reorder_point && (!existed || avail_before >= before.reorder_point)) {
        rc = orders__event_stock_low(tx, depot_id, sku, row.on_hand, row.reserved,
                                     row.reorder_point);
        if (rc != LM_OK) goto fail;
    }
    if (avail_after > avail_before && (rc = backorders_retry(o, tx, err)) != LM_OK) goto fail;
    store_stock after;
    if ((rc = store_stock_get(r, depot_id, sku, &after, err)) != LM_OK) goto fail;
    if ((rc = commit(tx, err)) != LM_OK) return rc;
    if (out) *out = after;
    return LM_OK;
fail:
    store_tx_rollback(tx);
    return rc;
}

lm_status orders_stock_list(orders_svc *o, bool only_low, orders_stock **out, size_t *n,
                            lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_stock_list(r, only_low, out, n, err);
    store_read_end(r);
    return rc;
}

/* ---- Intake ---- */

static lm_status order_check(const orders_order *in, lm_errinfo *err) {
    if (in->n_lines > STORE_LINES_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "lines", "at most %d lines", STORE_LINES_MAX);
    for (size_t i = 0; i < in->n_lines; i++) {
        char f[48];
        if (!in->lines[i].sku[0]) {
            snprintf(f, sizeof f, "lines[%zu].sku", i);
            return lm_errinfo_set(err, LM_INVALID, f, "SKU is required");
        }
        if (in->lines[i].qty < 1 || in->lines[i].qty > 1000000) {
            snprintf(f, sizeof f, "lines[%zu].qty", i);
            return lm_errinfo_set(err, LM_INVALID, f, "quantity must be 1..1000000");
        }
    }
    if (in->n_windows > STORE_WINDOWS_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "time_windows", "at most %d windows",
                              STORE_WINDOWS_MAX);
    for (size_t i = 0; i < in->n_windows; i++) {
        if (in->windows[i].start_s >= in->windows[i].end_s) {
            char f[48];
            snprintf(f, sizeof f, "time_windows[%zu]", i);
            return lm_errinfo_set(err, LM_INVALID, f, "a window must end after it starts");
        }
    }
    if (in->priority < 0 || in->priority > 100)
        return lm_errinfo_set(err, LM_INVALID, "priority", "priority must be 0..100");
    orders_oos pol;
    if (!orders_oos_parse(in->oos_policy, &pol))
        return lm_errinfo_set(err, LM_INVALID, "out_of_stock",
                              "must be one of cancel, backorder, substitute");
    if (in->has_location) {
        lm_status rc =
            geo_point_check((geo_point){.lat = in->lat, .lon = in->lon}, "customer.location", err);
        if (rc != LM_OK) return rc;
    }
    return LM_OK;
}

/* Whether the configured service area contains the order's location (parsing the GeoJSON only
 * when it changed). */
static lm_status area_facts(orders_svc *o, store_read *r, const orders_order *ord,
                            orders_audit_facts *f, lm_errinfo *err) {
    char *text = NULL;
    lm_status rc = store_area_get(r, &text, err);
    if (rc != LM_OK) return rc;
    pthread_mutex_lock(&o->area_mu);
    if (!o->area_text || strcmp(o->area_text, text) != 0) {
        geo_area_destroy(o->area);
        o->area = NULL;
        lm_free(o->area_text);
        o->area_text = NULL;
        if (text[0] && geo_area_from_geojson(text, strlen(text), &o->area, NULL) != LM_OK)
            o->area = NULL; /* validated when stored; treat an unreadable one as none */
        o->area_text = text;
        text = NULL;
    }
    f->area_configured = o->area != NULL;
    f->in_area = o->area && ord->has_location &&
                 geo_area_contains(o->area, (geo_point){.lat = ord->lat, .lon = ord->lon});
    pthread_mutex_unlock(&o->area_mu);
    lm_free(text);
    return LM_OK;
}

static lm_status blacklist_facts(store_read *r, const orders_order *ord, orders_audit_facts *f,
                                 lm_errinfo *err) {
    char buf[STORE_ADDRESS_MAX + 1];
    static const char *const kinds[] = {"phone", "email", "address"};
    for (int k = 0; k < 3 && !f->blacklisted_by; k++) {
        if (k == 0) orders_phone_normalize(ord->customer_phone, buf, sizeof buf);
        if (k == 1) orders_email_normalize(ord->customer_email, buf, sizeof buf);
        if (k == 2) orders_address_normalize(ord->customer_address, buf, sizeof buf);
        if (!buf[0]) continue;
        bool hit = false;
        lm_status rc = store_blacklist_has(r, kinds[k], buf, &hit, err);
        if (rc != LM_OK) return rc;
        if (hit) f->blacklisted_by = kinds[k];
    }
    return LM_OK;
}

static void token_make(char out[33]) {
    unsigned char raw[16];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t k = getrandom(raw + got, sizeof raw - got, 0);
        if (k > 0) got += (size_t)k;
    }
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static lm_status order_read(orders_svc *o, int64_t id, orders_order *out, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_order_get(r, id, out, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "order %" PRId64 " not found", id);
    store_read_end(r);
    return rc;
}

/* Takes one prepared order in inside tx: idempotency, product checks, audit, insert, allocation.
 * On LM_OK *ord is the stored order (or, with *replayed, the one first created under idem_key). */
static lm_status create_in_tx(orders_svc *o, store_tx *tx, orders_order *ordp, const char *idem_key,
                              bool *replayed, lm_errinfo *err) {
    orders_order ord = *ordp;
    store_read *r = store_tx_read(tx);
    lm_status rc = LM_OK;
    *replayed = false;
    if (idem_key && idem_key[0]) {
        int64_t existing = 0;
        if ((rc = store_idem_get(r, idem_key, &existing, err)) != LM_OK) return rc;
        if (existing) {
            orders_order prev;
            if ((rc = store_order_get(r, existing, &prev, err)) != LM_OK) return rc;
            store_order_clear(ordp);
            *ordp = prev;
            *replayed = true;
            return LM_OK;
        }
    }
    ord.weight_g = ord.volume_cm3 = 0;
    for (size_t i = 0; i < ord.n_lines; i++) {
        store_product p;
        char f[48];
        snprintf(f, sizeof f, "lines[%zu].sku", i);
        rc = store_product_get(r, ord.lines[i].sku, &p, err);
        if (rc == LM_NOT_FOUND)
            return lm_errinfo_set(err, LM_INVALID, f, "unknown SKU '%s'", ord.lines[i].sku);
        if (rc != LM_OK) return rc;
        if (!p.active)
            return lm_errinfo_set(err, LM_CONFLICT, f,
                                  "SKU '%s' is quarantined and cannot be ordered", p.sku);
        ord.weight_g += p.weight_g * ord.lines[i].qty;
        ord.volume_cm3 += p.volume_cm3 * ord.lines[i].qty;
    }

    store_orders_config cfg;
    orders_config_defaults(&cfg);
    if ((rc = store_orders_config_get(r, &cfg, err)) != LM_OK) return rc;
    orders_audit_facts facts = {0};
    if (cfg.rule_service_area && (rc = area_facts(o, r, &ord, &facts, err)) != LM_OK) return rc;
    if (cfg.rule_duplicate) {
        int64_t since = ord.created_ms - cfg.duplicate_window_s * 1000;
        rc = store_order_find_duplicate(r, ord.customer_key, ord.lines_sig, since,
                                        &facts.duplicate_of, err);
        if (rc != LM_OK) return rc;
    }
    if (cfg.rule_blacklist && (rc = blacklist_facts(r, &ord, &facts, err)) != LM_OK) return rc;
    if (cfg.rule_oversize) {
        store_fleet_fit_info fit;
        if ((rc = store_fleet_fit(r, ord.weight_g, ord.volume_cm3, &fit, err)) != LM_OK) return rc;
        facts.fleet_vehicles = fit.vehicles;
        facts.fleet_fitting = fit.fitting;
        facts.fleet_max_g = fit.max_g;
        facts.fleet_max_cm3 = fit.max_cm3;
    }

    if ((rc = store_order_insert(tx, &ord, &ord.id, err)) != LM_OK) return rc;
    if ((rc = event_order(tx, &ord, "", NULL)) != LM_OK) return rc;
    if (idem_key && idem_key[0] && (rc = store_idem_put(tx, idem_key, ord.id, err)) != LM_OK)
        return rc;

    orders_reason reasons[ORDERS_REASONS_MAX];
    size_t nr = orders_audit_eval(&cfg, &ord, &facts, reasons, ORDERS_REASONS_MAX);
    if (nr > ORDERS_REASONS_MAX) nr = ORDERS_REASONS_MAX;
    if (nr > 0) {
        lm_buf b;
        lm_buf_init(&b, 16384);
        rc = lm_buf_append(&b, "\"reasons\":[", 11);
        for (size_t i = 0; i < nr && rc == LM_OK; i++) {
            store_exception e = {.order_id = ord.id, .created_ms = ord.created_ms};
            lm_strlcpy(e.rule, reasons[i].rule, sizeof e.rule);
            lm_strlcpy(e.field, reasons[i].field, sizeof e.field);
            lm_strlcpy(e.message, reasons[i].message, sizeof e.message);
            rc = store_exception_add(tx, &e, err);
            if (rc == LM_OK)
                rc = lm_buf_printf(&b, "%s{\"rule\":\"%s\",\"message\":", i ? "," : "", e.rule);
            if (rc == LM_OK) rc = lm_buf_json_str(&b, e.message);
            if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
        }
        if (rc == LM_OK) rc = lm_buf_append(&b, "]", 1);
        if (rc == LM_OK) rc = order_move(o, tx, &ord, ORDERS_HELD, b.data);
        lm_buf_free(&b);
        if (rc != LM_OK) return rc;
    } else {
        bool moved = false;
        if ((rc = allocate(o, tx, &ord, ALLOC_APPLY_POLICY, &moved, err)) != LM_OK) return rc;
    }
    if ((rc = store_order_update(tx, &ord, err)) != LM_OK) return rc;
    *ordp = ord;
    return LM_OK;
}

/* ---- Group commit of order intake ----
 * Concurrent creations on one store queue up; one of them (the leader) runs up to BATCH_MAX of
 * them in a single write transaction, each inside its own savepoint (a rejected order undoes only
 * itself), commits once, and wakes the others with their results. Each caller still hears back
 * only after the commit that holds its order; an order is still checked against the stock left
 * by the ones before it in the same transaction, so no oversell and idempotency keys stay exact.
 * One fsync and one set of prepared statements serve the whole batch. */

#define BATCH_MAX   64
#define BATCH_SLOTS 32

typedef struct create_job {
    orders_svc *o;
    orders_order ord; /* in: prepared order (owns its lines); out: the stored one */
    const char *idem_key;
    bool replayed;
    lm_status rc;
    lm_errinfo err;
    bool done, lead;
    struct create_job *next;
} create_job;

typedef struct batch_slot {
    store *st;    /* bound while it has queued or running work, NULL when free */
    bool leading; /* a leader is running (or about to run) a batch */
    create_job *head, *tail;
    pthread_cond_t cv; /* jobs wait here for done / lead */
} batch_slot;

static pthread_mutex_t batch_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t batch_once = PTHREAD_ONCE_INIT;
static batch_slot batch_slots[BATCH_SLOTS];

static void batch_init(void) {
    for (int i = 0; i < BATCH_SLOTS; i++)
        pthread_cond_init(&batch_slots[i].cv, NULL);
}

/* Runs jobs[0..n) in one transaction; sets every job's rc (and err). */
static void batch_run(store *st, create_job **jobs, size_t n) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(st, &tx);
    if (rc != LM_OK) {
        for (size_t i = 0; i < n; i++) {
            jobs[i]->rc = lm_errinfo_set(&jobs[i]->err, rc, "", "store unavailable");
        }
        return;
    }
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        create_job *j = jobs[i];
        if ((j->rc = store_savepoint_begin(tx, &j->err)) != LM_OK) continue;
        j->rc = create_in_tx(j->o, tx, &j->ord, j->idem_key, &j->replayed, &j->err);
        if (j->rc == LM_OK) j->rc = store_savepoint_release(tx, &j->err);
        if (j->rc != LM_OK)
            store_savepoint_rollback(tx);
        else
            ok++;
    }
    if (ok == 0) {
        store_tx_rollback(tx);
    } else if ((rc = store_tx_commit(tx)) != LM_OK) {
        for (size_t i = 0; i < n; i++) {
            if (jobs[i]->rc != LM_OK) continue;
            jobs[i]->rc = lm_errinfo_set(&jobs[i]->err, rc, "", "commit failed");
        }
    }
}

/* Queues job on its store's slot and returns once a committed (or failed) result is in it. */
static void batch_submit(create_job *job) {
    pthread_once(&batch_once, batch_init);
    store *st = job->o->st;
    pthread_mutex_lock(&batch_mu);
    batch_slot *slot = NULL;
    for (int i = 0; i < BATCH_SLOTS && !slot; i++)
        if (batch_slots[i].st == st) slot = &batch_slots[i];
    for (int i = 0; i < BATCH_SLOTS && !slot; i++)
        if (!batch_slots[i].st) slot = &batch_slots[i];
    if (!slot) { /* more stores busy at once than slots: no batching for this one */
        pthread_mutex_unlock(&batch_mu);
        create_job *one = job;
        batch_run(st, &one, 1);
        return;
    }
    slot->st = st;
    if (slot->tail)
        slot->tail->next = job;
    else
        slot->head = job;
    slot->tail = job;
    if (!slot->leading) {
        slot->leading = true;
        job->lead = true;
    }
    while (!job->done && !job->lead)
        pthread_cond_wait(&slot->cv, &batch_mu);
    if (job->done) {
        pthread_mutex_unlock(&batch_mu);
        return;
    }
    /* leader: take what is queued (its own job is among it), run it, hand over */
    create_job *batch[BATCH_MAX];
    size_t n = 0;
    while (slot->head && n < BATCH_MAX) {
        batch[n++] = slot->head;
        slot->head = slot->head->next;
    }
    if (!slot->head) slot->tail = NULL;
    pthread_mutex_unlock(&batch_mu);
    batch_run(st, batch, n);
    pthread_mutex_lock(&batch_mu);
    for (size_t i = 0; i < n; i++)
        batch[i]->done = true;
    if (slot->head) {
        slot->head->lead = true; /* the next batch is led by the oldest waiting job */
    } else {
        slot->leading = false;
        slot->st = NULL;
    }
    pthread_cond_broadcast(&slot->cv);
    pthread_mutex_unlock(&batch_mu);
}

/* Validates in and fills job with a private copy ready for create_in_tx. */
static lm_status job_prepare(orders_svc *o, const orders_order *in, const char *idem_key,
                             create_job *job, lm_errinfo *err) {
    lm_status rc = order_check(in, err);
    if (rc != LM_OK) return rc;
    if (idem_key && strlen(idem_key) > STORE_REF_MAX)
        return lm_errinfo_set(err, LM_INVALID, "Idempotency-Key", "at most %d characters",
                              STORE_REF_MAX);
    memset(job, 0, sizeof *job);
    job->o = o;
    job->idem_key = idem_key;
    orders_order *ord = &job->ord;
    *ord = *in;
    ord->lines = NULL;
    if (in->n_lines) {
        ord->lines = lm_calloc(in->n_lines, sizeof *ord->lines);
        if (!ord->lines) return lm_errinfo_set(err, LM_NOMEM, "lines", "out of memory");
        memcpy(ord->lines, in->lines, in->n_lines * sizeof *ord->lines);
    }
    for (size_t i = 0; i < ord->n_lines; i++)
        ord->lines[i].ordered_sku[0] = '\0';
    ord->id = 0;
    ord->depot_id[0] = ord->stock_outcome[0] = '\0';
    ord->pkg_weight_g = ord->pkg_volume_cm3 = ord->pkg_parcels = 0;
    token_make(ord->tracking_token);
    lm_strlcpy(ord->status, "received", sizeof ord->status);
    ord->created_ms = ord->updated_ms = o->now_ms();
    orders_customer_key(ord, ord->customer_key, sizeof ord->customer_key);
    if ((rc = orders_lines_signature(ord->lines, ord->n_lines, ord->lines_sig,
                                     sizeof ord->lines_sig)) != LM_OK) {
        store_order_clear(ord);
        return lm_errinfo_set(err, rc, "lines", "lines too long to compare");
    }
    return LM_OK;
}

lm_status orders_order_create(orders_svc *o, const orders_order *in, const char *idem_key,
                              orders_order *out, bool *replayed, lm_errinfo *err) {
    create_job job;
    lm_status rc = job_prepare(o, in, idem_key, &job, err);
    if (rc != LM_OK) return rc;
    batch_submit(&job);
    if (job.rc != LM_OK) {
        store_order_clear(&job.ord);
        if (err) *err = job.err;
        return job.rc;
    }
    if (replayed) *replayed = job.replayed;
    *out = job.ord;
    return LM_OK;
}

lm_status orders_order_create_many(orders_svc *o, const orders_order *in,
                                   const char *const *idem_keys, size_t n,
                                   orders_create_result *results) {
    create_job *jobs = lm_calloc(BATCH_MAX, sizeof *jobs);
    create_job *run[BATCH_MAX];
    if (!jobs) return LM_NOMEM;
    for (size_t start = 0; start < n; start += BATCH_MAX) {
        size_t end = start + BATCH_MAX < n ? start + BATCH_MAX : n, k = 0;
        for (size_t i = start; i < end; i++) {
            orders_create_result *res = &results[i];
            memset(res, 0, sizeof *res);
            res->rc = job_prepare(o, &in[i], idem_keys ? idem_keys[i] : NULL, &jobs[k], &res->err);
            if (res->rc == LM_OK) {
                run[k] = &jobs[k];
                k++;
            }
        }
        if (k) batch_run(o->st, run, k);
        size_t j = 0;
        for (size_t i = start; i < end; i++) {
            orders_create_result *res = &results[i];
            if (res->rc != LM_OK) continue; /* rejected before the transaction */
            create_job *job = run[j++];
            res->rc = job->rc;
            if (job->rc == LM_OK) {
                res->id = job->ord.id;
                res->replayed = job->replayed;
                lm_strlcpy(res->status, job->ord.status, sizeof res->status);
            } else {
                res->err = job->err;
            }
            store_order_clear(&job->ord);
        }
    }
    lm_free(jobs);
    return LM_OK;
}

lm_status orders_order_get(orders_svc *o, int64_t id, orders_order *out, lm_errinfo *err) {
    return order_read(o, id, out, err);
}

lm_status orders_order_list(orders_svc *o, const orders_filter *f, orders_order **out, size_t *n,
                            lm_errinfo *err) {
    if (f->status && f->status[0]) {
        orders_status s;
        if (!orders_status_parse(f->status, &s))
            return lm_errinfo_set(err, LM_INVALID, "status", "unknown status '%.40s'", f->status);
    }
    if (f->limit > 1000) return lm_errinfo_set(err, LM_INVALID, "limit", "limit must be 1..1000");
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_order_list(r, f, out, n, err);
    store_read_end(r);
    return rc;
}

/* ---- Lifecycle operations ---- */

typedef enum op_kind { OP_CANCEL, OP_RELEASE, OP_PICKING, OP_READY, OP_ADVANCE } op_kind;

typedef struct op_args {
    op_kind kind;
    orders_status to; /* OP_ADVANCE */
    int64_t weight_g, volume_cm3, parcels;
} op_args;

static lm_status conflict(const orders_order *ord, const char *action, lm_errinfo *err) {
    return lm_errinfo_set(err, LM_CONFLICT, "status",
                          "order %" PRId64 " is %s; it cannot be %s from that state", ord->id,
                          ord->status, action);
}

/* The dispatch side of the lifecycle on ord (currently cur) inside tx: checks the move, takes the
 * goods off on_hand at out_for_delivery, records the event; the caller writes ord back. */
static lm_status advance_in_tx(store_tx *tx, orders_order *ord, orders_status cur, orders_status to,
                               int64_t now_ms, lm_errinfo *err) {
    if (!orders_transition_allowed(cur, to) ||
        (to != ORDERS_PLANNED && to != ORDERS_OUT_FOR_DELIVERY && to != ORDERS_DELIVERED &&
         to != ORDERS_FAILED && to != ORDERS_READY)) {
        char what[48];
        snprintf(what, sizeof what, "moved to %s", orders_status_name(to));
        return conflict(ord, what, err);
    }
    lm_status rc;
    if (to == ORDERS_OUT_FOR_DELIVERY && (rc = stock_release(tx, ord, true, err)) != LM_OK)
        return rc;
    char from[24];
    lm_strlcpy(from, ord->status, sizeof from);
    lm_strlcpy(ord->status, orders_status_name(to), sizeof ord->status);
    ord->updated_ms = now_ms;
    return event_order(tx, ord, from, NULL);
}

lm_status orders_order_advance_tx(store_tx *tx, int64_t id, orders_status to, int64_t now_ms,
                                  lm_errinfo *err) {
    orders_order ord = {0};
    lm_status rc = store_order_get(store_tx_read(tx), id, &ord, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "order %" PRId64 " not found", id);
    if (rc != LM_OK) return rc;
    orders_status cur;
    if (!orders_status_parse(ord.status, &cur))
        rc = lm_errinfo_set(err, LM_INTERNAL, "status", "stored status '%s' unknown", ord.status);
    if (rc == LM_OK) rc = advance_in_tx(tx, &ord, cur, to, now_ms, err);
    if (rc == LM_OK) rc = store_order_update(tx, &ord, err);
    store_order_clear(&ord);
    return rc;
}

static lm_status order_op(orders_svc *o, int64_t id, const op_args *a, orders_order *out,
                          lm_errinfo *err) {
    store_tx *tx = NULL;
    orders_order ord = {0};
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_order_get(store_tx_read(tx), id, &ord, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "order %" PRId64 " not found", id);
    if (rc != LM_OK) goto fail;
    orders_status cur;
    if (!orders_status_parse(ord.status, &cur)) {
        rc = lm_errinfo_set(err, LM_INTERNAL, "status", "stored status '%s' unknown", ord.status);
        goto fail;
    }
    bool retry_backorders = false;
    switch (a->kind) {
    case OP_CANCEL:
        if (!orders_transition_allowed(cur, ORDERS_CANCELLED)) {
            rc = conflict(&ord, "cancelled", err);
            goto fail;
        }
        if (orders_status_holds_stock(cur)) {
            if ((rc = stock_release(tx, &ord, false, err)) != LM_OK) goto fail;
            retry_backorders = true;
        }
        if (cur == ORDERS_HELD &&
            (rc = store_exception_resolve(tx, id, "cancel", o->now_ms(), err)) != LM_OK)
            goto fail;
        if ((rc = order_move(o, tx, &ord, ORDERS_CANCELLED, NULL)) != LM_OK) goto fail;
        break;
    case OP_RELEASE: {
        if (cur != ORDERS_HELD) {
            rc = conflict(&ord, "released", err);
            goto fail;
        }
        if ((rc = store_exception_resolve(tx, id, "release", o->now_ms(), err)) != LM_OK) goto fail;
        bool moved = false;
        if ((rc = allocate(o, tx, &ord, ALLOC_APPLY_POLICY, &moved, err)) != LM_OK) goto fail;
        break;
    }
    case OP_PICKING:
        if (!orders_transition_allowed(cur, ORDERS_PICKING)) {
            rc = conflict(&ord, "marked picking", err);
            goto fail;
        }
        if ((rc = order_move(o, tx, &ord, ORDERS_PICKING, NULL)) != LM_OK) goto fail;
        break;
    case OP_READY: {
        if (!orders_transition_allowed(cur, ORDERS_READY) || cur == ORDERS_PLANNED) {
            rc = conflict(&ord, "marked ready", err);
            goto fail;
        }
        ord.pkg_weight_g = a->weight_g;
        ord.pkg_volume_cm3 = a->volume_cm3;
        ord.pkg_parcels = a->parcels;
        char extra[128];
        snprintf(extra, sizeof extra,
                 "\"weight_g\":%" PRId64 ",\"volume_cm3\":%" PRId64 ",\"parcels\":%" PRId64,
                 a->weight_g, a->volume_cm3, a->parcels);
        if ((rc = order_move(o, tx, &ord, ORDERS_READY, extra)) != LM_OK) goto fail;
        break;
    }
    case OP_ADVANCE:
        if ((rc = advance_in_tx(tx, &ord, cur, a->to, o->now_ms(), err)) != LM_OK) goto fail;
        break;
    }
    if ((rc = store_order_update(tx, &ord, err)) != LM_OK) goto fail;
    if (retry_backorders && (rc = backorders_retry(o, tx, err)) != LM_OK) goto fail;
    rc = store_tx_commit(tx);
    tx = NULL;
    if (rc != LM_OK) {
        lm_errinfo_set(err, rc, "", "commit failed");
        goto fail;
    }
    if (out)
        *out = ord;
    else
        store_order_clear(&ord);
    return LM_OK;
fail:
    store_tx_rollback(tx);
    store_order_clear(&ord);
    return rc;
}

lm_status orders_order_cancel(orders_svc *o, int64_t id, orders_order *out, lm_errinfo *err) {
    op_args a = {.kind = OP_CANCEL};
    return order_op(o, id, &a, out, err);
}

lm_status orders_order_release(orders_svc *o, int64_t id, orders_order *out, lm_errinfo *err) {
    op_args a = {.kind = OP_RELEASE};
    return order_op(o, id, &a, out, err);
}

lm_status orders_order_picking(orders_svc *o, int64_t id, orders_order *out, lm_errinfo *err) {
    op_args a = {.kind = OP_PICKING};
    return order_op(o, id, &a, out, err);
}

lm_status orders_order_ready(orders_svc *o, int64_t id, int64_t weight_g, int64_t volume_cm3,
                             int64_t parcels, orders_order *out, lm_errinfo *err) {
    if (weight_g < 0 || weight_g > 100000000)
        return lm_errinfo_set(err, LM_INVALID, "weight_g", "weight must be 0..100000000 g");
    if (volume_cm3 < 0 || volume_cm3 > 1000000000)
        return lm_errinfo_set(err, LM_INVALID, "volume_cm3", "volume must be 0..1000000000 cm3");
    if (parcels < 1 || parcels > 1000)
        return lm_errinfo_set(err, LM_INVALID, "parcels", "parcels must be 1..1000");
    op_args a = {
        .kind = OP_READY, .weight_g = weight_g, .volume_cm3 = volume_cm3, .parcels = parcels};
    return order_op(o, id, &a, out, err);
}

lm_status orders_order_advance(orders_svc *o, int64_t id, orders_status to, orders_order *out,
                               lm_errinfo *err) {
    op_args a = {.kind = OP_ADVANCE, .to = to};
    return order_op(o, id, &a, out, err);
}

/* ---- Exceptions and ready packages ---- */

lm_status orders_exception_list(orders_svc *o, bool only_open, int64_t order_id,
                                orders_exception **out, size_t *n, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_exception_list(r, only_open, order_id, out, n, err);
    store_read_end(r);
    return rc;
}

lm_status orders_ready_list(orders_svc *o, const char *depot_id, orders_package **out, size_t *n,
                            lm_errinfo *err) {
    store_read *r = NULL;
    orders_package *arr = NULL;
    size_t len = 0, cap = 0;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    store_order_filter f = {.status = "ready", .limit = 1000};
    for (;;) {
        store_order *page = NULL;
        size_t np = 0;
        if ((rc = store_order_list(r, &f, &page, &np, err)) != LM_OK) goto fail;
        for (size_t i = 0; i < np; i++) {
            f.after_id = page[i].id;
            if (depot_id && depot_id[0] && strcmp(depot_id, page[i].depot_id)) continue;
            if (len == cap) {
                size_t nc = cap ? cap * 2 : 64;
                orders_package *p = lm_reallocarray(arr, nc, sizeof *p);
                if (!p) {
                    store_order_list_free(page, np);
                    rc = LM_NOMEM;
                    goto fail;
                }
                arr = p;
                cap = nc;
            }
            orders_package *pk = &arr[len++];
            memset(pk, 0, sizeof *pk);
            pk->order_id = page[i].id;
            lm_strlcpy(pk->depot_id, page[i].depot_id, sizeof pk->depot_id);
            pk->lon = page[i].lon;
            pk->lat = page[i].lat;
            pk->weight_g = page[i].pkg_weight_g;
            pk->volume_cm3 = page[i].pkg_volume_cm3;
            pk->parcels = page[i].pkg_parcels;
            memcpy(pk->windows, page[i].windows, sizeof pk->windows);
            pk->n_windows = page[i].n_windows;
            pk->priority = page[i].priority;
        }
        store_order_list_free(page, np);
        if (np < f.limit) break;
    }
    store_read_end(r);
    *out = arr;
    *n = len;
    return LM_OK;
fail:
    store_read_end(r);
    lm_free(arr);
    return rc;
}

/* ---- Configuration ---- */

void orders_config_clear(orders_config *cfg) {
    if (!cfg) return;
    lm_free(cfg->channels);
    lm_free(cfg->blacklist);
    lm_free(cfg->service_area);
    memset(cfg, 0, sizeof *cfg);
}

lm_status orders_config_get(orders_svc *o, orders_config *out, lm_errinfo *err) {
    orders_config c = {0};
    orders_config_defaults(&c.rules);
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    if ((rc = store_orders_config_get(r, &c.rules, err)) != LM_OK ||
        (rc = store_channel_policy_list(r, &c.channels, &c.n_channels, err)) != LM_OK ||
        (rc = store_blacklist_list(r, &c.blacklist, &c.n_blacklist, err)) != LM_OK ||
        (rc = store_area_get(r, &c.service_area, err)) != LM_OK) {
        store_read_end(r);
        orders_config_clear(&c);
        return rc;
    }
    store_read_end(r);
    *out = c;
    return LM_OK;
}

lm_status orders_config_put(orders_svc *o, const orders_config *cfg, lm_errinfo *err) {
    uint32_t mask;
    orders_oos pol;
    lm_status rc = orders_fields_parse(cfg->rules.required_fields, &mask, err);
    if (rc != LM_OK) return rc;
    if (!orders_oos_parse(cfg->rules.default_oos, &pol))
        return lm_errinfo_set(err, LM_INVALID, "default_out_of_stock",
                              "must be one of cancel, backorder, substitute");
    if (cfg->rules.duplicate_window_s < 0 || cfg->rules.duplicate_window_s > 30 * 86400)
        return lm_errinfo_set(err, LM_INVALID, "duplicate_window_s", "window must be 0..2592000 s");
    if (cfg->rules.max_weight_g < 0)
        return lm_errinfo_set(err, LM_INVALID, "max_weight_g", "must be >= 0 (0 = no limit)");
    if (cfg->rules.max_volume_cm3 < 0)
        return lm_errinfo_set(err, LM_INVALID, "max_volume_cm3", "must be >= 0 (0 = no limit)");
    for (size_t i = 0; i < cfg->n_channels; i++) {
        char f[96];
        snprintf(f, sizeof f, "channel_out_of_stock.%.30s", cfg->channels[i].channel);
        if (!orders_oos_parse(cfg->channels[i].oos_policy, &pol) || pol == ORDERS_OOS_UNSET)
            return lm_errinfo_set(err, LM_INVALID, f,
                                  "must be one of cancel, backorder, substitute");
    }
    store_blacklist_entry *bl = NULL;
    if (cfg->n_blacklist) {
        bl = lm_calloc(cfg->n_blacklist, sizeof *bl);
        if (!bl) return LM_NOMEM;
    }
    for (size_t i = 0; i < cfg->n_blacklist; i++) {
        const store_blacklist_entry *e = &cfg->blacklist[i];
        bl[i] = *e;
        if (!strcmp(e->kind, "phone"))
            orders_phone_normalize(e->value, bl[i].value, sizeof bl[i].value);
        else if (!strcmp(e->kind, "email"))
            orders_email_normalize(e->value, bl[i].value, sizeof bl[i].value);
        else if (!strcmp(e->kind, "address"))
            orders_address_normalize(e->value, bl[i].value, sizeof bl[i].value);
        else {
            lm_free(bl);
            return lm_errinfo_set(err, LM_INVALID, "blacklist",
                                  "kind must be phone, email or address");
        }
    }
    const char *area = cfg->service_area ? cfg->service_area : "";
    if (area[0]) {
        geo_area *ga = NULL;
        rc = geo_area_from_geojson(area, strlen(area), &ga, err);
        geo_area_destroy(ga);
        if (rc != LM_OK) {
            char f[96];
            snprintf(f, sizeof f, "service_area.%.80s", err ? err->field : "");
            if (err) lm_strlcpy(err->field, f, sizeof err->field);
            lm_free(bl);
            return rc;
        }
    }
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(o->st, &tx)) != LM_OK) {
        lm_free(bl);
        return lm_errinfo_set(err, rc, "", "store unavailable");
    }
    if ((rc = store_orders_config_put(tx, &cfg->rules, err)) != LM_OK ||
        (rc = store_channel_policy_replace(tx, cfg->channels, cfg->n_channels, err)) != LM_OK ||
        (rc = store_blacklist_replace(tx, bl, cfg->n_blacklist, err)) != LM_OK ||
        (rc = store_area_put(tx, area, err)) != LM_OK ||
        (rc = store_event_append(tx, "orders.config", "config", "orders", NULL)) != LM_OK) {
        store_tx_rollback(tx);
        lm_free(bl);
        return rc;
    }
    lm_free(bl);
    return commit(tx, err);
}
