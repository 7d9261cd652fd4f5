/* orders/internal.h: what the orders .c files share: the service handle, the event recorders
 * (record.c), allocation and backorders (allocate.c). Only orders/ includes this. */
#ifndef LASTMILE_ORDERS_INTERNAL_H
#define LASTMILE_ORDERS_INTERNAL_H

#include "geo/geo.h"
#include "orders/orders.h"
#include "store/commit_queue.h"
#include "store/store.h"

#include <pthread.h>

/* ---- Facts kept for one intake batch (facts.c) ---- */

#define ORDERS__FACTS_PRODUCTS 64
#define ORDERS__FACTS_CHANNELS 16
#define ORDERS__FACTS_FITS     16

typedef struct orders__fact_product {
    store_product p;
    bool has_block, blocked; /* the sales block, once read */
    char why[160];
} orders__fact_product;

typedef struct orders__fact_fit {
    int64_t weight_g, volume_cm3;
    store_fleet_fit_info info;
} orders__fact_fit;

/* Read-only facts read in the transaction numbered serial (store_tx_serial); used only while on
 * (a creation unit runs inside its batch). Touched only by the thread holding the store's tx. */
typedef struct orders__facts {
    uint64_t serial;
    bool on;
    bool has_cfg, has_depots, area_checked;
    bool has_blacklist, blacklist_any; /* whether the blacklist holds anything, once read */
    store_orders_config cfg;
    orders_depot *depots;
    size_t n_depots, n_products, n_channels, n_fits;
    orders__fact_product products[ORDERS__FACTS_PRODUCTS];
    struct {
        char channel[32], policy[16];
    } channels[ORDERS__FACTS_CHANNELS];
    orders__fact_fit fits[ORDERS__FACTS_FITS];
} orders__facts;

struct orders_svc {
    store *st;
    store_cq *intake; /* order creations share transactions here (intake.c) */
    int64_t (*now_ms)(void);
    size_t backorder_batch;
    double detour, speed_mps; /* geo's travel-time estimate parameters (geo_matrix_opts_init) */
    pthread_mutex_t area_mu;  /* guards the parsed service-area cache below */
    char *area_text;          /* the GeoJSON the cache was parsed from */
    geo_area *area;           /* NULL when no area is configured */
    orders__facts facts;      /* the intake batch's read-only facts (facts.c) */
};

/* Turns the facts on for a creation unit running in tx (forgetting those of an earlier tx) /
 * off after it; frees them when the service goes. */
void orders__facts_begin(orders_svc *o, store_tx *tx);
void orders__facts_end(orders_svc *o);
void orders__facts_free(orders_svc *o);
/* The store's lookups of the same names, answered from the facts while they are on. */
LM_MUST_USE lm_status orders__config(orders_svc *o, store_read *r, store_orders_config *cfg,
                                     lm_errinfo *err);
LM_MUST_USE lm_status orders__product(orders_svc *o, store_read *r, const char *sku,
                                      store_product *out, lm_errinfo *err);
LM_MUST_USE lm_status orders__sales_block(orders_svc *o, store_read *r, const char *sku,
                                          bool *blocked, char *why, size_t cap, lm_errinfo *err);
LM_MUST_USE lm_status orders__channel_policy(orders_svc *o, store_read *r, const char *channel,
                                             char out[16], lm_errinfo *err);
/* A copy of the depot list in *out (the caller frees it). */
LM_MUST_USE lm_status orders__depots(orders_svc *o, store_read *r, orders_depot **out, size_t *n,
                                     lm_errinfo *err);
LM_MUST_USE lm_status orders__fleet_fit(orders_svc *o, store_read *r, int64_t weight_g,
                                        int64_t volume_cm3, store_fleet_fit_info *out,
                                        lm_errinfo *err);
/* Whether the blacklist holds any entry (an empty one needs no lookup per order). */
LM_MUST_USE lm_status orders__blacklist_any(orders_svc *o, store_read *r, bool *any,
                                            lm_errinfo *err);
/* Whether the service area was already read in this batch / note that it was. */
bool orders__area_known(orders_svc *o, store_read *r);
void orders__area_checked(orders_svc *o, store_read *r);

/* A fresh 128-bit tracking token, 32 lower-case hex digits (intake.c). */
void orders__token_make(char out[33]);

/* ---- Events (record.c) ---- */

/* Appends order.<status> for ord (moved from `from`, "" at creation) with extra_json (members
 * without braces, may be NULL) to tx. */
LM_MUST_USE lm_status orders__event_order(store_tx *tx, const orders_order *ord, const char *from,
                                          const char *extra_json);
/* Sets ord's status to `to` (which the caller checked) and records the event. */
LM_MUST_USE lm_status orders__order_move(orders_svc *o, store_tx *tx, orders_order *ord,
                                         orders_status to, const char *extra_json);
/* Appends a stock.low event for (depot, sku) to tx. */
LM_MUST_USE lm_status orders__event_stock_low(store_tx *tx, const char *depot, const char *sku,
                                              int64_t on_hand, int64_t reserved,
                                              int64_t reorder_point);
/* Appends event `type` for entity/id with the payload {"<key>":<id as a JSON string><rest>, rest
 * closing the object. */
LM_MUST_USE lm_status orders__event_keyed(store_tx *tx, const char *type, const char *entity,
                                          const char *key, const char *id, const char *rest);
/* Adds qty to reserved at (depot, sku) and raises stock.low when available crosses below the
 * reorder point. */
LM_MUST_USE lm_status orders__stock_reserve(store_tx *tx, const char *depot, const char *sku,
                                            int64_t qty, lm_errinfo *err);
/* Commits tx (consumed either way), naming a failure. */
LM_MUST_USE lm_status orders__commit(store_tx *tx, lm_errinfo *err);

/* ---- Allocation (allocate.c) ---- */

/* What allocation may do when no depot has every line. */
typedef enum orders__alloc_mode {
    ORDERS__ALLOC_ONLY_IN_STOCK, /* backorder retry: allocate or leave as is */
    ORDERS__ALLOC_APPLY_POLICY,  /* intake / release: apply the out-of-stock policy */
} orders__alloc_mode;

/* Allocates ord (status received / held / backordered) inside tx: the nearest depot that can
 * serve every line gets the reservation; otherwise, in APPLY_POLICY mode, the out-of-stock
 * policy decides. Leaves ord unchanged when nothing applies (backorder retry). *moved tells
 * whether ord's status changed. */
LM_MUST_USE lm_status orders__allocate(orders_svc *o, store_tx *tx, orders_order *ord,
                                       orders__alloc_mode mode, bool *moved, lm_errinfo *err);
/* The nearest depot that can serve every line of ord as it stands, found without writing
 * anything: on *found, ord's lines, depot and stock outcome are set as orders__allocate would set
 * them (nothing reserved yet: orders__reserve_lines) and extra holds the allocation event's extra
 * members. *found false when no single depot can (split, cancel and backorder are
 * orders__allocate's, on the stored order). */
LM_MUST_USE lm_status orders__allocate_pick(orders_svc *o, store_read *r, orders_order *ord,
                                            bool *found, char extra[64], lm_errinfo *err);
/* Reserves every line of ord at ord->depot_id (stock.low events as they cross). */
LM_MUST_USE lm_status orders__reserve_lines(store_tx *tx, const orders_order *ord, lm_errinfo *err);
/* Releases the reservation of an order that holds stock; consume (out for delivery) also takes
 * the units off on_hand. */
LM_MUST_USE lm_status orders__stock_release(store_tx *tx, const orders_order *ord, bool consume,
                                            lm_errinfo *err);
/* ---- Split shipments (split.c) ---- */
/* When the split policy allows and every line of ord sits at some depot (depots[0..n_depots),
 * travel_s from them to the customer), splits ord by depot inside tx: the main depot's lines are
 * reserved and kept in ord (ord->lines shrinks; the caller allocates ord there and writes it
 * back), every other depot's lines become a new order allocated there, and an order.split event
 * is appended. *main_depot is the main depot's index, -1 when ord was not split. */
LM_MUST_USE lm_status orders__split_try(orders_svc *o, store_tx *tx, orders_order *ord,
                                        const orders_depot *depots, const int64_t *travel,
                                        size_t n_depots, int *main_depot, lm_errinfo *err);
/* Retries backordered orders oldest first (skipping those still short) inside tx. */
LM_MUST_USE lm_status orders__backorders_retry(orders_svc *o, store_tx *tx, lm_errinfo *err);

#endif
