/* orders/facts.c: the read-only facts an order creation looks up (configuration, products, sales
 * blocks, channel policies, depots, fleet fit), kept for the rest of one intake batch's
 * transaction. Nothing a creation writes changes them, and no other writer runs while the batch
 * holds the transaction, so the second order of a batch reads them from memory instead of SQL
 * (bench/results/perf-intake.md). Outside an intake unit every lookup goes to the store. On
 * PostgreSQL with several nodes, a change another node commits while a batch runs is seen from the
 * next batch on, as if the batch had run just before it. */
#include "orders/internal.h"
#include "store/store_returns.h"

#include <string.h>

/* The facts in use right now: only while a creation unit runs inside its batch's tx. */
static orders__facts *live(orders_svc *o) {
    return o->facts.on ? &o->facts : NULL;
}

static void facts_reset(orders__facts *f) {
    lm_free(f->depots);
    f->depots = NULL;
    f->n_depots = 0;
    f->has_depots = f->has_cfg = f->area_checked = f->has_blacklist = false;
    f->n_products = f->n_channels = f->n_fits = 0;
}

void orders__facts_begin(orders_svc *o, store_tx *tx) {
    uint64_t serial = store_tx_serial(tx);
    if (o->facts.serial != serial) {
        facts_reset(&o->facts);
        o->facts.serial = serial;
    }
    o->facts.on = true;
}

void orders__facts_end(orders_svc *o) {
    o->facts.on = false;
}

void orders__facts_free(orders_svc *o) {
    facts_reset(&o->facts);
}

lm_status orders__config(orders_svc *o, store_read *r, store_orders_config *cfg, lm_errinfo *err) {
    orders__facts *f = live(o);
    if (f && f->has_cfg) {
        *cfg = f->cfg;
        return LM_OK;
    }
    orders_config_defaults(cfg);
    lm_status rc = store_orders_config_get(r, cfg, err);
    if (rc == LM_OK && f) {
        f->cfg = *cfg;
        f->has_cfg = true;
    }
    return rc;
}

/* The product entry of sku, read from the store on first use; NULL when the cache is full or
 * off (the caller then reads the store), *rc the store's answer otherwise. */
static orders__fact_product *product_entry(orders__facts *f, store_read *r, const char *sku,
                                           lm_status *rc, lm_errinfo *err) {
    *rc = LM_OK;
    if (!f) return NULL;
    for (size_t i = 0; i < f->n_products; i++)
        if (!strcmp(f->products[i].p.sku, sku)) return &f->products[i];
    if (f->n_products == ORDERS__FACTS_PRODUCTS) return NULL;
    orders__fact_product *e = &f->products[f->n_products];
    memset(e, 0, sizeof *e);
    if ((*rc = store_product_get(r, sku, &e->p, err)) != LM_OK) return NULL;
    f->n_products++;
    return e;
}

lm_status orders__product(orders_svc *o, store_read *r, const char *sku, store_product *out,
                          lm_errinfo *err) {
    lm_status rc;
    orders__fact_product *e = product_entry(live(o), r, sku, &rc, err);
    if (rc != LM_OK) return rc;
    if (!e) return store_product_get(r, sku, out, err);
    *out = e->p;
    return LM_OK;
}

lm_status orders__sales_block(orders_svc *o, store_read *r, const char *sku, bool *blocked,
                              char *why, size_t cap, lm_errinfo *err) {
    lm_status rc;
    orders__fact_product *e = product_entry(live(o), r, sku, &rc, err);
    if (!e) return store_sales_block_get(r, sku, blocked, why, cap, err);
    if (!e->has_block) {
        rc = store_sales_block_get(r, sku, &e->blocked, e->why, sizeof e->why, err);
        if (rc != LM_OK) return rc;
        e->has_block = true;
    }
    *blocked = e->blocked;
    lm_strlcpy(why, e->why, cap);
    return LM_OK;
}

lm_status orders__channel_policy(orders_svc *o, store_read *r, const char *channel, char out[16],
                                 lm_errinfo *err) {
    orders__facts *f = live(o);
    for (size_t i = 0; f && i < f->n_channels; i++) {
        if (!strcmp(f->channels[i].channel, channel)) {
            lm_strlcpy(out, f->channels[i].policy, 16);
            return LM_OK;
        }
    }
    lm_status rc = store_channel_policy_get(r, channel, out, err);
    if (rc == LM_OK && f && f->n_channels < ORDERS__FACTS_CHANNELS &&
        strlen(channel) < sizeof f->channels[0].channel) {
        lm_strlcpy(f->channels[f->n_channels].channel, channel, sizeof f->channels[0].channel);
        lm_strlcpy(f->channels[f->n_channels].policy, out, sizeof f->channels[0].policy);
        f->n_channels++;
    }
    return rc;
}

lm_status orders__depots(orders_svc *o, store_read *r, orders_depot **out, size_t *n,
                         lm_errinfo *err) {
    orders__facts *f = live(o);
    if (!f || !f->has_depots) {
        lm_status rc = store_depot_list(r, out, n, err);
        if (rc != LM_OK || !f) return rc;
        if (*n) {
            f->depots = lm_calloc(*n, sizeof *f->depots);
            if (!f->depots) return LM_OK; /* not kept: the next order reads them again */
            memcpy(f->depots, *out, *n * sizeof **out);
        }
        f->n_depots = *n;
        f->has_depots = true;
        return LM_OK;
    }
    *out = NULL;
    *n = f->n_depots;
    if (!f->n_depots) return LM_OK;
    if (!(*out = lm_calloc(f->n_depots, sizeof **out)))
        return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    memcpy(*out, f->depots, f->n_depots * sizeof **out);
    return LM_OK;
}

lm_status orders__fleet_fit(orders_svc *o, store_read *r, int64_t weight_g, int64_t volume_cm3,
                            store_fleet_fit_info *out, lm_errinfo *err) {
    orders__facts *f = live(o);
    for (size_t i = 0; f && i < f->n_fits; i++) {
        if (f->fits[i].weight_g == weight_g && f->fits[i].volume_cm3 == volume_cm3) {
            *out = f->fits[i].info;
            return LM_OK;
        }
    }
    lm_status rc = store_fleet_fit(r, weight_g, volume_cm3, out, err);
    if (rc == LM_OK && f && f->n_fits < ORDERS__FACTS_FITS)
        f->fits[f->n_fits++] = (orders__fact_fit){weight_g, volume_cm3, *out};
    return rc;
}

lm_status orders__blacklist_any(orders_svc *o, store_read *r, bool *any, lm_errinfo *err) {
    orders__facts *f = live(o);
    if (f && f->has_blacklist) {
        *any = f->blacklist_any;
        return LM_OK;
    }
    lm_status rc = store_blacklist_any(r, any, err);
    if (rc == LM_OK && f) {
        f->blacklist_any = *any;
        f->has_blacklist = true;
    }
    return rc;
}

bool orders__area_known(orders_svc *o, store_read *r) {
    orders__facts *f = live(o);
    return f && f->area_checked;
}

void orders__area_checked(orders_svc *o, store_read *r) {
    orders__facts *f = live(o);
    if (f) f->area_checked = true;
}
