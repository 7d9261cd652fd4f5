/* orders: depots, products, stock, orders and their lifecycle, intake audit, the exception queue
 * and the out-of-stock policy. Persistence goes through store/ (store/store_orders.h).
 * Ownership: records passed in are only read; an orders_order filled by this module owns its
 * `lines` (release with orders_order_clear), and every list is freed with its *_free function. */
#ifndef LASTMILE_ORDERS_H
#define LASTMILE_ORDERS_H

#include "common/common.h"
#include "store/store_orders.h"

/* The records are the store's plain data; orders/ owns the rules around them. */
typedef store_depot orders_depot;
typedef store_product orders_product;
typedef store_stock orders_stock;
typedef store_order orders_order;
typedef store_line orders_line;
typedef store_window orders_window;
typedef store_exception orders_exception;
typedef store_order_filter orders_filter;

/* ---- Lifecycle ---- */

#define ORDERS_STATUS_MAP(X)                                                                       \
    X(RECEIVED, "received")                                                                        \
    X(HELD, "held")                                                                                \
    X(ALLOCATED, "allocated")                                                                      \
    X(BACKORDERED, "backordered")                                                                  \
    X(PICKING, "picking")                                                                          \
    X(READY, "ready")                                                                              \
    X(PLANNED, "planned")                                                                          \
    X(OUT_FOR_DELIVERY, "out_for_delivery")                                                        \
    X(DELIVERED, "delivered")                                                                      \
    X(FAILED, "failed")                                                                            \
    X(CANCELLED, "cancelled")

typedef enum orders_status {
#define ORDERS_X_ENUM(name, text) ORDERS_##name,
    ORDERS_STATUS_MAP(ORDERS_X_ENUM)
#undef ORDERS_X_ENUM
        ORDERS__STATUS_COUNT
} orders_status;

/* Lower-case name of a status ("out_for_delivery"); "unknown" for a value outside the enum. */
const char *orders_status_name(orders_status s);
/* Parses a status name; false when it is not one. */
bool orders_status_parse(const char *name, orders_status *out);
/* Whether the lifecycle allows from -> to (the one transition table). */
bool orders_transition_allowed(orders_status from, orders_status to);
/* The customer-facing sentence for an order's state, saying which out-of-stock outcome applied
 * ("Waiting for stock (backordered)", "Cancelled: out of stock", ...). Static string. */
const char *orders_customer_status(const char *status, const char *stock_outcome);
/* Whether an order in s holds a stock reservation (cancelling it releases stock). */
bool orders_status_holds_stock(orders_status s);

/* ---- Out-of-stock policy ---- */

typedef enum orders_oos {
    ORDERS_OOS_UNSET,     /* not given: fall back to the channel, then the default */
    ORDERS_OOS_CANCEL,    /* cancel the order */
    ORDERS_OOS_BACKORDER, /* wait; allocated oldest first when stock arrives */
    ORDERS_OOS_SUBSTITUTE /* deliver the product's configured substitute SKU instead */
} orders_oos;

const char *orders_oos_name(orders_oos p);                /* "" for UNSET */
bool orders_oos_parse(const char *name, orders_oos *out); /* "" parses as UNSET */
/* The policy that applies: the order's own, else the channel's, else the default (else backorder).
 */
orders_oos orders_oos_resolve(orders_oos order, orders_oos channel, orders_oos fallback);

/* ---- Intake audit (pure) ---- */

/* Fields the required-fields rule can ask for, with their names in configuration. */
#define ORDERS_FIELD_MAP(X)                                                                        \
    X(EXTERNAL_REF, "external_ref")                                                                \
    X(CHANNEL, "channel")                                                                          \
    X(CUSTOMER_NAME, "customer.name")                                                              \
    X(CUSTOMER_PHONE, "customer.phone")                                                            \
    X(CUSTOMER_EMAIL, "customer.email")                                                            \
    X(CUSTOMER_ADDRESS, "customer.address")                                                        \
    X(CUSTOMER_LOCATION, "customer.location")                                                      \
    X(LINES, "lines")                                                                              \
    X(TIME_WINDOWS, "time_windows")

typedef enum orders_field {
#define ORDERS_X_FIELD(name, text) ORDERS_FIELD_##name,
    ORDERS_FIELD_MAP(ORDERS_X_FIELD)
#undef ORDERS_X_FIELD
        ORDERS__FIELD_COUNT
} orders_field;

/* Parses a comma-separated list of field names into a bit mask (1u << orders_field).
 * INVALID naming the unknown field otherwise; *mask untouched on failure. */
LM_MUST_USE lm_status orders_fields_parse(const char *csv, uint32_t *mask, lm_errinfo *err);

/* What the audit needs to know beyond the order itself, looked up by the caller. */
typedef struct orders_audit_facts {
    bool area_configured;       /* at least one service-area polygon exists */
    bool in_area;               /* the customer location lies inside one */
    int64_t duplicate_of;       /* id of an earlier identical order in the window, 0 if none */
    const char *blacklisted_by; /* "phone" | "email" | "address", NULL when not blacklisted */
    int64_t fleet_vehicles;     /* active vehicles; 0 = none yet: the configured maximum applies */
    int64_t fleet_fitting;      /* of which can carry the order's weight and volume */
    int64_t fleet_max_g, fleet_max_cm3; /* largest capacities (0 = unlimited), for the message */
} orders_audit_facts;

typedef struct orders_reason {
    char rule[32]; /* "required_fields" | "service_area" | "duplicate" | "blacklist" | "oversize" */
    char field[96];    /* the order field concerned */
    char message[256]; /* sentence for the dispatcher */
} orders_reason;

#define ORDERS_REASONS_MAX 16

/* Applies the enabled rules of cfg to o (whose weight_g/volume_cm3 totals are filled) and writes
 * at most cap reasons to out; returns how many rules failed (0 = the order passes). Oversize:
 * with active vehicles, an order no vehicle can carry; without, cfg's max_weight_g/max_volume_cm3.
 */
size_t orders_audit_eval(const store_orders_config *cfg, const orders_order *o,
                         const orders_audit_facts *facts, orders_reason *out, size_t cap);

/* The configuration a fresh database starts with (every rule on, 15-minute duplicate window,
 * required: customer.name, customer.address, customer.location, lines; default policy backorder).
 */
void orders_config_defaults(store_orders_config *cfg);

/* ---- Normalisation (pure) ---- */

/* Phone: keeps digits and a leading '+'. E-mail: trimmed, lower case. Address: lower case with
 * runs of blanks and commas collapsed to one space. out always NUL-terminated. */
void orders_phone_normalize(const char *in, char *out, size_t cap);
void orders_email_normalize(const char *in, char *out, size_t cap);
void orders_address_normalize(const char *in, char *out, size_t cap);
/* Customer identity for the duplicate rule: phone, else e-mail, else name + address. */
void orders_customer_key(const orders_order *o, char *out, size_t cap);
/* Canonical "SKU:qty;..." of the lines sorted by SKU (quantities of repeated SKUs summed). */
LM_MUST_USE lm_status orders_lines_signature(const orders_line *lines, size_t n, char *out,
                                             size_t cap);

/* ---- Allocation choice (pure) ---- */

typedef struct orders_depot_option {
    int64_t travel_s; /* estimated travel time depot -> customer */
    bool can_fulfil;  /* every line available at this depot */
} orders_depot_option;

/* Index of the option that can fulfil with the smallest travel time (ties: lowest index), or -1. */
long orders_allocation_choose(const orders_depot_option *opts, size_t n);

/* ---- The service (persistent operations) ---- */

typedef struct orders_svc orders_svc;

typedef struct orders_opts {
    store *st;                  /* required; not owned */
    int64_t (*now_ms)(void);    /* clock, lm_now_ms by default (tests pin it) */
    size_t backorder_batch;     /* backordered orders retried per stock update (default 500) */
    bool intake_thread;         /* group-commit creations on a writer thread of the service's own
                                   (needed by orders_order_create_submit); default false: a waiting
                                   creator leads its batch, and an idle service costs no thread */
    long intake_linger_us;      /* the writer thread waits up to this for more creations when */
    size_t intake_linger_below; /*   fewer than linger_below are queued (0: never waits) */
} orders_opts;

void orders_opts_init(orders_opts *o);
LM_MUST_USE lm_status orders_create(const orders_opts *opts, orders_svc **out);
/* Refuses new creations (LM_UNAVAILABLE) and finishes every queued one, delivering its outcome.
 * Idempotent; orders_destroy does it too. */
void orders_intake_stop(orders_svc *o);
void orders_destroy(orders_svc *o);

/* Each function below runs in its own store transaction, appends its events there, and returns
 * only after the commit. On failure nothing is changed and *err says which field and why. */

/* Depots and products: insert or replace (events depot.put / product.put). */
LM_MUST_USE lm_status orders_depot_put(orders_svc *o, const orders_depot *d, lm_errinfo *err);
/* The same inside the caller's tx (which commits): a change recorded with other writes, such as
 * the depot's version (api/versions.c). */
LM_MUST_USE lm_status orders_depot_put_tx(store_tx *tx, const orders_depot *d, lm_errinfo *err);
LM_MUST_USE lm_status orders_depot_list(orders_svc *o, orders_depot **out, size_t *n,
                                        lm_errinfo *err);
LM_MUST_USE lm_status orders_product_put(orders_svc *o, const orders_product *p, lm_errinfo *err);
LM_MUST_USE lm_status orders_product_list(orders_svc *o, orders_product **out, size_t *n,
                                          lm_errinfo *err);

/* Sets the on-hand units (and reorder point, when reorder_point >= 0) of one SKU at one depot.
 * CONFLICT when on_hand would fall below the reserved units. Raises stock.low when available
 * falls below the reorder point, then allocates backordered orders oldest first. *out gets the
 * row after the update. */
LM_MUST_USE lm_status orders_stock_set(orders_svc *o, const char *depot_id, const char *sku,
                                       int64_t on_hand, int64_t reorder_point, orders_stock *out,
                                       lm_errinfo *err);
/* Puts qty (>= 1) units of sku back on hand at depot_id inside the caller's transaction (a
 * resellable return), with a stock.returned event, then retries backordered orders oldest first
 * there too, exactly as a restock does. The caller commits. */
LM_MUST_USE lm_status orders_stock_return_tx(orders_svc *o, store_tx *tx, const char *depot_id,
                                             const char *sku, int64_t qty, lm_errinfo *err);
LM_MUST_USE lm_status orders_stock_list(orders_svc *o, bool only_low, orders_stock **out, size_t *n,
                                        lm_errinfo *err);

/* Takes in an order: validates it against the product table (unknown SKU: INVALID; quarantined
 * SKU: CONFLICT), audits it (failures: status held plus exception rows), else allocates the
 * nearest depot that can fulfil every line (atomic reservation) or applies the out-of-stock
 * policy. With a non-empty idem_key a retry returns the order first created under that key and
 * sets *replayed. *out owns its lines (orders_order_clear). */
LM_MUST_USE lm_status orders_order_create(orders_svc *o, const orders_order *in,
                                          const char *idem_key, orders_order *out, bool *replayed,
                                          lm_errinfo *err);
/* Takes in an order without money inside the caller's transaction (returns/' reships: no payment,
 * but the same product checks, audit and stock allocation). *out owns its lines
 * (orders_order_clear); the caller commits. */
LM_MUST_USE lm_status orders_order_create_tx(orders_svc *o, store_tx *tx, const orders_order *in,
                                             orders_order *out, lm_errinfo *err);
/* What orders_order_create_many did with one order. */
typedef struct orders_create_result {
    lm_status rc; /* LM_OK: created (or replayed); otherwise err says why */
    lm_errinfo err;
    int64_t id;
    char status[24]; /* its status after intake */
    bool replayed;   /* an earlier order under the same idempotency key */
    /* with money (orders_order_create_many_priced): */
    bool priced;      /* the order has money */
    char currency[4]; /* ISO 4217 */
    char payment_status[24];
    int64_t total;     /* minor units */
    size_t n_warnings; /* coupons left out (warn mode) */
} orders_create_result;

/* Takes in in[0..n) in order, as orders_order_create would one by one, but up to 2,000 per
 * transaction (imports, the demo day): results[i] says what happened to in[i]; a rejected order
 * does not affect the others. idem_keys may be NULL, or hold NULL / "" entries. Returns LM_OK
 * unless memory ran out before anything was tried. */
LM_MUST_USE lm_status orders_order_create_many(orders_svc *o, const orders_order *in,
                                               const char *const *idem_keys, size_t n,
                                               orders_create_result *results);
LM_MUST_USE lm_status orders_order_get(orders_svc *o, int64_t id, orders_order *out,
                                       lm_errinfo *err);
LM_MUST_USE lm_status orders_order_list(orders_svc *o, const orders_filter *f, orders_order **out,
                                        size_t *n, lm_errinfo *err);

/* Lifecycle operations; CONFLICT naming the current state when the transition is not allowed. */
LM_MUST_USE lm_status orders_order_cancel(orders_svc *o, int64_t id, orders_order *out,
                                          lm_errinfo *err);
/* Held order: re-runs allocation without the audit and resolves its exceptions. */
LM_MUST_USE lm_status orders_order_release(orders_svc *o, int64_t id, orders_order *out,
                                           lm_errinfo *err);
LM_MUST_USE lm_status orders_order_picking(orders_svc *o, int64_t id, orders_order *out,
                                           lm_errinfo *err);
/* Measured package: weight_g and volume_cm3 >= 0, parcels >= 1. */
LM_MUST_USE lm_status orders_order_ready(orders_svc *o, int64_t id, int64_t weight_g,
                                         int64_t volume_cm3, int64_t parcels, orders_order *out,
                                         lm_errinfo *err);
/* The dispatch side of the lifecycle: planned, out_for_delivery, delivered, failed (and ready
 * again from planned when a plan is dropped). out_for_delivery takes the goods off on_hand. */
LM_MUST_USE lm_status orders_order_advance(orders_svc *o, int64_t id, orders_status to,
                                           orders_order *out, lm_errinfo *err);

/* The same move inside the caller's transaction (dispatch commits a stop action, its order's new
 * status and their events together). CONFLICT naming the current state; the caller commits. */
LM_MUST_USE lm_status orders_order_advance_tx(store_tx *tx, int64_t id, orders_status to,
                                              int64_t now_ms, lm_errinfo *err);

/* Releases the lines of one order record; NULL-safe. */
void orders_order_clear(orders_order *ord);
void orders_order_list_free(orders_order *list, size_t n);

/* The exception queue (held orders' reasons), oldest first; order_id > 0 keeps one order's. */
LM_MUST_USE lm_status orders_exception_list(orders_svc *o, bool only_open, int64_t order_id,
                                            orders_exception **out, size_t *n, lm_errinfo *err);

/* A package ready for dispatch. */
typedef struct orders_package {
    int64_t order_id;
    char depot_id[STORE_ID_MAX + 1];
    double lon, lat; /* delivery location */
    int64_t weight_g, volume_cm3, parcels;
    orders_window windows[STORE_WINDOWS_MAX];
    size_t n_windows;
    int32_t priority;
} orders_package;

/* Orders in status ready (optionally of one depot when depot_id is not NULL/""), oldest first.
 * *out is lm_free'd by the caller. */
LM_MUST_USE lm_status orders_ready_list(orders_svc *o, const char *depot_id, orders_package **out,
                                        size_t *n, lm_errinfo *err);

/* ---- Configuration (rules as data) ---- */

typedef struct orders_config {
    store_orders_config rules;
    store_channel_policy *channels; /* per-channel out-of-stock policy */
    size_t n_channels;
    store_blacklist_entry *blacklist; /* normalised values */
    size_t n_blacklist;
    char *service_area; /* GeoJSON Polygon / MultiPolygon / Feature, "" or NULL = none (the area
                           rule then passes) */
} orders_config;

/* Reads the whole configuration; free with orders_config_clear. */
LM_MUST_USE lm_status orders_config_get(orders_svc *o, orders_config *out, lm_errinfo *err);
/* Replaces the whole configuration after validating it (policies, field names, polygons). */
LM_MUST_USE lm_status orders_config_put(orders_svc *o, const orders_config *cfg, lm_errinfo *err);
void orders_config_clear(orders_config *cfg);

#endif
