/* store: persistence of depots, products, stock, orders, idempotency keys, the exception queue and
 * the order-intake configuration. The records are plain data; orders/ owns the rules around them.
 * Ownership: every function that fills a list allocates it (free with the matching *_free); records
 * passed in are only read. Writes take a store_tx (the caller commits, appending its events in the
 * same tx); reads take a store_read (store_tx_read(tx) for reads inside a tx). */
#ifndef LASTMILE_STORE_ORDERS_H
#define LASTMILE_STORE_ORDERS_H

#include "store/store.h"

/* ---- Limits of the stored strings (bytes, without the NUL) ---- */
#define STORE_ID_MAX      64   /* depot ids, SKUs, channel names */
#define STORE_NAME_MAX    200  /* depot, product and customer names */
#define STORE_PHONE_MAX   32   /* customer phone */
#define STORE_EMAIL_MAX   254  /* customer e-mail */
#define STORE_ADDRESS_MAX 500  /* customer address text */
#define STORE_REF_MAX     128  /* external_ref, idempotency key */
#define STORE_NOTES_MAX   1000 /* order notes */
#define STORE_WINDOWS_MAX 8    /* delivery time windows per order */
#define STORE_LINES_MAX   200  /* lines per order */

typedef struct store_depot {
    char id[STORE_ID_MAX + 1];
    char name[STORE_NAME_MAX + 1];
    double lon, lat; /* WGS84 degrees */
    int32_t open_s;  /* opening time, seconds after local midnight */
    int32_t close_s; /* closing time, seconds after local midnight (> open_s) */
} store_depot;

typedef struct store_product {
    char sku[STORE_ID_MAX + 1];
    char name[STORE_NAME_MAX + 1];
    int64_t weight_g;                      /* grams per unit */
    int64_t volume_cm3;                    /* cubic centimetres per unit */
    bool active;                           /* false: quarantined, cannot be ordered */
    char substitute_sku[STORE_ID_MAX + 1]; /* "" when none */
} store_product;

typedef struct store_stock {
    char depot_id[STORE_ID_MAX + 1];
    char sku[STORE_ID_MAX + 1];
    int64_t on_hand;       /* units physically in the depot */
    int64_t reserved;      /* units promised to allocated orders */
    int64_t reorder_point; /* available below this raises stock.low */
} store_stock;

typedef struct store_line {
    char sku[STORE_ID_MAX + 1];         /* the SKU that is (or will be) delivered */
    char ordered_sku[STORE_ID_MAX + 1]; /* the SKU the customer asked for ("" = same as sku) */
    int64_t qty;                        /* units, > 0 */
} store_line;

typedef struct store_window {
    int64_t start_s, end_s; /* epoch seconds, start < end */
} store_window;

typedef struct store_order {
    int64_t id; /* server id, assigned on insert */
    char external_ref[STORE_REF_MAX + 1];
    char channel[STORE_ID_MAX + 1];
    char customer_name[STORE_NAME_MAX + 1];
    char customer_phone[STORE_PHONE_MAX + 1];
    char customer_email[STORE_EMAIL_MAX + 1];
    char customer_address[STORE_ADDRESS_MAX + 1];
    bool has_location;
    double lon, lat;   /* customer location, WGS84 degrees, when has_location */
    store_line *lines; /* n_lines entries; owned by whoever built the record */
    size_t n_lines;
    store_window windows[STORE_WINDOWS_MAX];
    size_t n_windows;
    int32_t priority; /* higher is more urgent, 0..100 */
    char notes[STORE_NOTES_MAX + 1];
    char oos_policy[16];    /* "cancel" | "backorder" | "substitute" | "" (channel default) */
    char status[24];        /* lifecycle state name, see orders/orders.h */
    char stock_outcome[24]; /* "in_stock" | "substituted" | "backordered" | "out_of_stock" | "" */
    char depot_id[STORE_ID_MAX + 1];          /* allocated depot, "" when none */
    char tracking_token[33];                  /* 128-bit hex token for the customer page */
    char customer_key[STORE_ADDRESS_MAX + 1]; /* normalised customer identity (duplicate rule) */
    char lines_sig[1024];                     /* canonical lines signature (duplicate rule) */
    int64_t weight_g, volume_cm3;             /* ordered totals from the product table */
    int64_t pkg_weight_g, pkg_volume_cm3, pkg_parcels; /* measured at "ready", 0 before */
    int64_t created_ms, updated_ms;                    /* epoch milliseconds */
} store_order;

/* One reason an order was held; one row per failed audit rule. */
typedef struct store_exception {
    int64_t id;
    int64_t order_id;
    char rule[32];     /* audit rule name */
    char field[96];    /* order field the rule is about, "" when none */
    char message[256]; /* sentence for the dispatcher */
    int64_t created_ms;
    int64_t resolved_ms; /* 0 while open */
    char resolution[16]; /* "release" | "cancel" | "" */
} store_exception;

/* Filter for store_order_list; zero/empty fields do not filter. */
typedef struct store_order_filter {
    const char *status;
    const char *channel;
    int64_t since_ms; /* created at or after */
    int64_t after_id; /* keyset pagination: ids greater than this */
    size_t limit;     /* at most this many (1..1000) */
} store_order_filter;

/* The intake configuration, stored as rows so that it can be changed at run time. */
typedef struct store_orders_config {
    bool rule_required, rule_service_area, rule_duplicate, rule_blacklist, rule_oversize;
    char required_fields[512]; /* comma-separated field names, see orders/orders.h */
    int64_t duplicate_window_s;
    int64_t max_weight_g, max_volume_cm3; /* oversize limits (0 = no limit) */
    char default_oos[16]; /* out-of-stock policy when neither order nor channel says */
} store_orders_config;

typedef struct store_channel_policy {
    char channel[STORE_ID_MAX + 1];
    char oos_policy[16];
} store_channel_policy;

typedef struct store_blacklist_entry {
    char kind[8];                      /* "phone" | "email" | "address" */
    char value[STORE_ADDRESS_MAX + 1]; /* normalised */
} store_blacklist_entry;

/* ---- Depots and products ---- */

/* Inserts or replaces the depot with d->id. */
LM_MUST_USE lm_status store_depot_put(store_tx *tx, const store_depot *d, lm_errinfo *err);
/* NOT_FOUND when there is no depot with that id. */
LM_MUST_USE lm_status store_depot_get(store_read *r, const char *id, store_depot *out,
                                      lm_errinfo *err);
/* All depots ordered by id; *out is lm_free'd by the caller (NULL when none). */
LM_MUST_USE lm_status store_depot_list(store_read *r, store_depot **out, size_t *n,
                                       lm_errinfo *err);

/* Inserts or replaces the product with p->sku. */
LM_MUST_USE lm_status store_product_put(store_tx *tx, const store_product *p, lm_errinfo *err);
LM_MUST_USE lm_status store_product_get(store_read *r, const char *sku, store_product *out,
                                        lm_errinfo *err);
LM_MUST_USE lm_status store_product_list(store_read *r, store_product **out, size_t *n,
                                         lm_errinfo *err);

/* ---- Stock ---- */

/* NOT_FOUND when the depot holds no row for that SKU. */
LM_MUST_USE lm_status store_stock_get(store_read *r, const char *depot_id, const char *sku,
                                      store_stock *out, lm_errinfo *err);
/* Inserts or replaces on_hand and reorder_point; reserved is kept (0 for a new row). */
LM_MUST_USE lm_status store_stock_put(store_tx *tx, const store_stock *st, lm_errinfo *err);
/* Adds delta (may be negative) to reserved and on_hand of one row. */
LM_MUST_USE lm_status store_stock_adjust(store_tx *tx, const char *depot_id, const char *sku,
                                         int64_t reserved_delta, int64_t on_hand_delta,
                                         lm_errinfo *err);
/* Stock rows ordered by depot and SKU; only_low keeps rows whose available units
 * (on_hand - reserved) are below their reorder point. *out is lm_free'd by the caller. */
LM_MUST_USE lm_status store_stock_list(store_read *r, bool only_low, store_stock **out, size_t *n,
                                       lm_errinfo *err);

/* ---- Orders ---- */

/* Inserts o (its lines and windows) and writes the new id to *id. */
LM_MUST_USE lm_status store_order_insert(store_tx *tx, const store_order *o, int64_t *id,
                                         lm_errinfo *err);
/* Fills *out with a heap copy of the lines (free with store_order_clear). NOT_FOUND if absent. */
LM_MUST_USE lm_status store_order_get(store_read *r, int64_t id, store_order *out, lm_errinfo *err);
/* Looks an order up by its tracking token. */
LM_MUST_USE lm_status store_order_get_by_token(store_read *r, const char *token, store_order *out,
                                               lm_errinfo *err);
/* Writes status, stock outcome, depot, lines (after substitution) and package measures of o. */
LM_MUST_USE lm_status store_order_update(store_tx *tx, const store_order *o, lm_errinfo *err);
/* store_order_update without the lines (when they are as stored). */
LM_MUST_USE lm_status store_order_update_row(store_tx *tx, const store_order *o, lm_errinfo *err);
/* Orders matching f ordered by id; each entry owns its lines (free with store_order_list_free). */
LM_MUST_USE lm_status store_order_list(store_read *r, const store_order_filter *f,
                                       store_order **out, size_t *n, lm_errinfo *err);
/* Ids of orders in one status, oldest first, at most limit. *out is lm_free'd by the caller. */
LM_MUST_USE lm_status store_order_ids_by_status(store_read *r, const char *status, size_t limit,
                                                int64_t **out, size_t *n, lm_errinfo *err);
/* The id of a non-cancelled order with the same customer key and lines signature created at or
 * after since_ms, or 0 in *id when none. */
LM_MUST_USE lm_status store_order_find_duplicate(store_read *r, const char *customer_key,
                                                 const char *lines_sig, int64_t since_ms,
                                                 int64_t *id, lm_errinfo *err);
/* Number of orders per status name, for metrics: calls fn once per status present. */
LM_MUST_USE lm_status store_order_count_by_status(store_read *r,
                                                  void (*fn)(void *ctx, const char *status,
                                                             int64_t count),
                                                  void *ctx, lm_errinfo *err);
/* Frees the lines of one record (not the record itself) and empties them. */
void store_order_clear(store_order *o);
/* Frees a list from store_order_list. */
void store_order_list_free(store_order *list, size_t n);

/* ---- Idempotency keys ---- */

/* The order id created under key, or 0 in *order_id when the key is new. */
LM_MUST_USE lm_status store_idem_get(store_read *r, const char *key, int64_t *order_id,
                                     lm_errinfo *err);
LM_MUST_USE lm_status store_idem_put(store_tx *tx, const char *key, int64_t order_id,
                                     lm_errinfo *err);

/* ---- Exception queue ---- */

LM_MUST_USE lm_status store_exception_add(store_tx *tx, const store_exception *e, lm_errinfo *err);
/* Exceptions ordered by id (open ones only when only_open); *out lm_free'd by the caller. */
LM_MUST_USE lm_status store_exception_list(store_read *r, bool only_open, int64_t order_id,
                                           store_exception **out, size_t *n, lm_errinfo *err);
/* Marks every open exception of an order resolved with resolution at now_ms. */
LM_MUST_USE lm_status store_exception_resolve(store_tx *tx, int64_t order_id,
                                              const char *resolution, int64_t now_ms,
                                              lm_errinfo *err);

/* ---- Intake configuration ---- */

/* Reads the configuration; rows never written keep the defaults the caller put in *cfg. */
LM_MUST_USE lm_status store_orders_config_get(store_read *r, store_orders_config *cfg,
                                              lm_errinfo *err);
LM_MUST_USE lm_status store_orders_config_put(store_tx *tx, const store_orders_config *cfg,
                                              lm_errinfo *err);
/* The out-of-stock policy of a channel into out[16] ("" when the channel has none). */
LM_MUST_USE lm_status store_channel_policy_get(store_read *r, const char *channel, char out[16],
                                               lm_errinfo *err);
/* Replaces all channel policies. */
LM_MUST_USE lm_status store_channel_policy_replace(store_tx *tx, const store_channel_policy *p,
                                                   size_t n, lm_errinfo *err);
LM_MUST_USE lm_status store_channel_policy_list(store_read *r, store_channel_policy **out,
                                                size_t *n, lm_errinfo *err);
/* True in *hit when (kind, value) is blacklisted. */
LM_MUST_USE lm_status store_blacklist_has(store_read *r, const char *kind, const char *value,
                                          bool *hit, lm_errinfo *err);
/* True in *any when the blacklist holds at least one entry (orders_intake.c). */
LM_MUST_USE lm_status store_blacklist_any(store_read *r, bool *any, lm_errinfo *err);
LM_MUST_USE lm_status store_blacklist_replace(store_tx *tx, const store_blacklist_entry *e,
                                              size_t n, lm_errinfo *err);
LM_MUST_USE lm_status store_blacklist_list(store_read *r, store_blacklist_entry **out, size_t *n,
                                           lm_errinfo *err);
/* The service area as GeoJSON text (Polygon, MultiPolygon or Feature; "" when none). *out is
 * lm_free'd by the caller. */
LM_MUST_USE lm_status store_area_get(store_read *r, char **out, lm_errinfo *err);
LM_MUST_USE lm_status store_area_put(store_tx *tx, const char *geojson, lm_errinfo *err);

/* ---- The fleet (dispatch's vehicles table), for the oversize rule ---- */

typedef struct store_fleet_fit_info {
    int64_t vehicles;       /* active vehicles */
    int64_t fitting;        /* of which can carry the given weight and volume */
    int64_t max_g, max_cm3; /* largest capacities (0 = unlimited) */
} store_fleet_fit_info;

LM_MUST_USE lm_status store_fleet_fit(store_read *r, int64_t weight_g, int64_t volume_cm3,
                                      store_fleet_fit_info *out, lm_errinfo *err);

#endif
