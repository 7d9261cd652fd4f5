/* returns: the after-sales side module. Return policy as configuration, RMAs through a transition
 * table (requested -> approved/refused -> pickup scheduled / drop-off expected -> collected ->
 * received -> inspected -> refunded -> closed), inspection per line (restock, quarantine, write
 * off, quality returns that block a SKU's sales), after-sales cases (missing / wrong / damaged
 * items: reship, return pickup or refund), what a pickup stop needs, and the return reports.
 * Model and rules: docs/returns.md.
 *
 * It talks to the core only through orders/'s public headers (stock, refunds, order intake) and
 * the event log; the core never includes it (orders/ intake reads the sales blocks from store/).
 *
 * Every operation runs in one store transaction that holds the change and its event (payload
 * carries the actor and the time), answering after the commit; on failure nothing changed and
 * *err names the field. Records are plain fixed-size data: nothing to free except the arrays of
 * the report functions (lm_free). */
#ifndef LASTMILE_RETURNS_H
#define LASTMILE_RETURNS_H

#include "orders/money.h"
#include "orders/orders.h"
#include "store/store_returns.h"

typedef store_rma returns_rma;
typedef store_rma_line returns_rma_line;
typedef store_case returns_case;
typedef store_return_rate returns_rate;

/* ---- Names (pure) ---- */

#define RETURNS_REASON_MAP(X)                                                                      \
    X(CHANGED_MIND, "changed_mind")                                                                \
    X(DAMAGED, "damaged")                                                                          \
    X(DEFECTIVE, "defective")                                                                      \
    X(WRONG_ITEM, "wrong_item")                                                                    \
    X(MISSING_ITEM, "missing_item")                                                                \
    X(LATE_DELIVERY, "late_delivery")

typedef enum returns_reason {
#define RETURNS_X(n, s) RETURNS_REASON_##n,
    RETURNS_REASON_MAP(RETURNS_X)
#undef RETURNS_X
        RETURNS_REASON_COUNT
} returns_reason;

#define RETURNS_STATE_MAP(X)                                                                       \
    X(REQUESTED, "requested")                                                                      \
    X(APPROVED, "approved")                                                                        \
    X(REFUSED, "refused")                                                                          \
    X(PICKUP_SCHEDULED, "pickup_scheduled")                                                        \
    X(DROPOFF_EXPECTED, "dropoff_expected")                                                        \
    X(COLLECTED, "collected")                                                                      \
    X(RECEIVED, "received")                                                                        \
    X(INSPECTED, "inspected")                                                                      \
    X(REFUNDED, "refunded")                                                                        \
    X(CLOSED, "closed")

typedef enum returns_state {
#define RETURNS_X(n, s) RETURNS_##n,
    RETURNS_STATE_MAP(RETURNS_X)
#undef RETURNS_X
        RETURNS_STATE_COUNT
} returns_state;

const char *returns_reason_name(returns_reason r); /* "unknown" outside the enum */
bool returns_reason_parse(const char *name, returns_reason *out);
const char *returns_state_name(returns_state s); /* "unknown" outside the enum */
bool returns_state_parse(const char *name, returns_state *out);
/* The one transition table: whether an RMA may move from -> to. */
bool returns_transition_allowed(returns_state from, returns_state to);

/* ---- Policy (configuration) ---- */

typedef struct returns_policy {
    store_return_config rules;
    store_return_window windows[STORE_RETURN_WINDOWS_MAX]; /* per channel / per product */
    size_t n_windows;
} returns_policy;

/* What a fresh database starts with: 30 days everywhere, every reason accepted, auto-approve
 * damaged / defective / wrong_item / missing_item up to any value, merchant pays, pickup and
 * drop-off offered, full refund, quality threshold 3 in 30 days, wrong item picked up, damaged
 * reshipped. */
void returns_policy_defaults(returns_policy *p);
/* Validates p: LM_INVALID naming the field ("windows[2].days", "refund_rule", ...). Pure. */
LM_MUST_USE lm_status returns_policy_check(const returns_policy *p, lm_errinfo *err);
/* Window in days for sku bought on channel: the product's override, else the channel's, else the
 * default. Pure. */
int64_t returns_policy_window_days(const returns_policy *p, const char *channel, const char *sku);

/* ---- The service ---- */

typedef struct returns_svc returns_svc;

typedef struct returns_opts {
    store *st;               /* required; not owned */
    orders_svc *orders;      /* required; not owned: stock, refunds, reships go through it */
    int64_t (*now_ms)(void); /* clock, lm_now_ms by default (tests pin it) */
} returns_opts;

void returns_opts_init(returns_opts *o);
LM_MUST_USE lm_status returns_create(const returns_opts *opts, returns_svc **out);
void returns_destroy(returns_svc *r); /* NULL-safe */

/* The stored policy (the defaults until one was put). */
LM_MUST_USE lm_status returns_policy_get(returns_svc *r, returns_policy *out, lm_errinfo *err);
/* Validates and replaces the policy (event returns.policy_put). */
LM_MUST_USE lm_status returns_policy_put(returns_svc *r, const returns_policy *p, const char *actor,
                                         lm_errinfo *err);

/* ---- RMAs ---- */

typedef struct returns_request {
    int64_t order_id;
    char reason[24]; /* a returns_reason name the policy accepts */
    char method[12]; /* "pickup" | "dropoff" | "" (pickup when offered, else drop-off) */
    char actor[64];  /* "customer" (tracking token) or the key id acting for them */
    char note[STORE_RMA_NOTE_MAX + 1];
    store_line lines[STORE_RMA_LINES_MAX]; /* sku + qty (ordered_sku unused) */
    size_t n_lines;
    store_window pickup_window; /* when the customer is home for a pickup; 0/0 = any time */
} returns_request;

/* Opens an RMA for a delivered order: every line's SKU delivered on it, qty <= delivered minus
 * already returned (not refused), inside the window of its product / channel (0 days = not
 * returnable). Auto-approves in the same transaction when the policy's rules say so. */
LM_MUST_USE lm_status returns_rma_request(returns_svc *r, const returns_request *req,
                                          returns_rma *out, lm_errinfo *err);
LM_MUST_USE lm_status returns_rma_get(returns_svc *r, int64_t id, returns_rma *out,
                                      lm_errinfo *err);
/* The moves of the lifecycle; CONFLICT naming the current state when the table forbids it. */
LM_MUST_USE lm_status returns_rma_approve(returns_svc *r, int64_t id, const char *actor,
                                          returns_rma *out, lm_errinfo *err);
LM_MUST_USE lm_status returns_rma_refuse(returns_svc *r, int64_t id, const char *actor,
                                         const char *reason, returns_rma *out, lm_errinfo *err);
/* approved -> pickup_scheduled (method pickup) or dropoff_expected (method dropoff). */
LM_MUST_USE lm_status returns_rma_schedule(returns_svc *r, int64_t id, const char *actor,
                                           returns_rma *out, lm_errinfo *err);
LM_MUST_USE lm_status returns_rma_collect(returns_svc *r, int64_t id, const char *actor,
                                          returns_rma *out, lm_errinfo *err);
LM_MUST_USE lm_status returns_rma_receive(returns_svc *r, int64_t id, const char *actor,
                                          returns_rma *out, lm_errinfo *err);
/* Inspects one line of a received RMA: condition "resellable" (stock back at the RMA's depot and
 * the backorder retry, same transaction), "damaged" (written off) or "defective" (quarantined,
 * counted against the SKU's quality threshold: reaching it blocks the SKU's sales). A line is
 * inspected once (CONFLICT after). The last line moves the RMA to inspected. */
LM_MUST_USE lm_status returns_rma_inspect(returns_svc *r, int64_t id, size_t line_no,
                                          const char *condition, const char *note,
                                          const char *actor, returns_rma *out, lm_errinfo *err);
/* Records the refund of an inspected RMA through orders' refund (capped by paid minus earlier
 * refunds): amount 0 = what the policy's refund rule gives; a larger amount than the rule is
 * INVALID. store_credit refunds with method "wallet"; an order without money records 0. */
LM_MUST_USE lm_status returns_rma_refund(returns_svc *r, int64_t id, int64_t amount,
                                         const char *actor, returns_rma *out, lm_errinfo *err);
/* A move inside the caller's tx (the driver's "collected" commits with its stop): the same table
 * and event as the moves above; to = pickup_scheduled becomes dropoff_expected for a drop-off. */
LM_MUST_USE lm_status returns_rma_move_tx(returns_svc *r, store_tx *tx, int64_t id,
                                          returns_state to, const char *actor, returns_rma *out,
                                          lm_errinfo *err);
/* A pickup of a pickup_scheduled (or approved) RMA failed (reason: a driver's failure reason such
 * as not_home or refused) inside tx: event return.pickup_failed; its state stays (CONFLICT in any
 * other state). */
LM_MUST_USE lm_status returns_pickup_failed_tx(returns_svc *r, store_tx *tx, int64_t id,
                                               const char *reason, const char *actor,
                                               lm_errinfo *err);
/* refunded / inspected -> closed (refused is final already). */
LM_MUST_USE lm_status returns_rma_close(returns_svc *r, int64_t id, const char *actor,
                                        returns_rma *out, lm_errinfo *err);
/* Ids of the RMAs in state status ("" any), oldest first; *out lm_free'd by the caller. */
LM_MUST_USE lm_status returns_rma_ids(returns_svc *r, const char *status, int64_t **out, size_t *n,
                                      lm_errinfo *err);
/* Ids of the RMAs in status ("" any) of order_id (0 any) after after_id, oldest first, at most
 * limit (0: 1000); *out lm_free'd by the caller. */
LM_MUST_USE lm_status returns_rma_find(returns_svc *r, const char *status, int64_t order_id,
                                       int64_t after_id, size_t limit, int64_t **out, size_t *n,
                                       lm_errinfo *err);

/* What the customer may still return from an order: per delivered SKU, how many units and until
 * when (its window from the delivery); the reasons and methods the policy offers. */
typedef struct returns_eligible_line {
    char sku[STORE_ID_MAX + 1];
    int64_t delivered, returnable; /* units delivered; of those, not yet in a non-refused RMA */
    int64_t window_days;           /* 0 = not returnable */
    int64_t until_ms;              /* the window's end (delivery + window_days) */
} returns_eligible_line;

typedef struct returns_eligibility {
    int64_t order_id;
    bool delivered; /* false: nothing below is filled */
    bool open;      /* some unit may be asked for now */
    returns_eligible_line lines[STORE_RMA_LINES_MAX];
    size_t n_lines;
    uint32_t reasons_mask; /* the reasons the policy accepts */
    bool offer_pickup, offer_dropoff;
} returns_eligibility;

/* Fills *out for order_id (NOT_FOUND "order_id" when there is no such order). Reads only. */
LM_MUST_USE lm_status returns_eligibility_get(returns_svc *r, int64_t order_id,
                                              returns_eligibility *out, lm_errinfo *err);

/* ---- Sales blocks ---- */

LM_MUST_USE lm_status returns_sales_block_get(returns_svc *r, const char *sku, bool *blocked,
                                              char reason[160], lm_errinfo *err);
/* A person clears a block (event product.sales_cleared); NOT_FOUND when sku is not blocked. */
LM_MUST_USE lm_status returns_sales_block_clear(returns_svc *r, const char *sku, const char *actor,
                                                lm_errinfo *err);

/* ---- After-sales cases ---- */

typedef struct returns_case_in {
    int64_t order_id;    /* a delivered order */
    char kind[16];       /* "missing" | "wrong_item" | "damaged" */
    char resolution[16]; /* "" = by policy; else "reship" | "refund" | "return", or "pending":
                            left open for returns_case_resolve */
    char actor[64];
    char note[STORE_RMA_NOTE_MAX + 1];
    store_line lines[STORE_RMA_LINES_MAX]; /* the missing / wrong / damaged units (delivered) */
    size_t n_lines;
    store_line right[STORE_RMA_LINES_MAX]; /* wrong_item: what should have come (reshipped) */
    size_t n_right;
} returns_case_in;

/* Opens a case and resolves it in the same transaction: missing -> a reship order of the lines;
 * wrong_item -> a reship of the right lines plus, when the policy says pickup, an approved
 * pickup RMA of the wrong ones; damaged -> the policy's reship / refund / return. A reship is a
 * new order for the customer (channel "reship", external_ref "reship:<order>") without money,
 * allocated like any order (no stock, no reship). */
LM_MUST_USE lm_status returns_case_open(returns_svc *r, const returns_case_in *in,
                                        returns_case *out, lm_errinfo *err);
/* The kind of the case a failed delivery opens (recovery policy action "case"). */
#define RETURNS_CASE_FAILED_DELIVERY "failed_delivery"
/* Opens, inside the caller's tx (which commits), an open case of kind failed_delivery over the
 * lines of failed order order_id, its note naming the failure's reason (event case.opened with
 * "reason"); CONFLICT "order_id" unless the order is failed. An open failed_delivery case of the
 * order already there is returned instead (a retried request). Resolved by returns_case_resolve
 * with reship or refund (default: the policy's for damaged, reship when that is return). */
LM_MUST_USE lm_status returns_case_open_failed_tx(returns_svc *r, store_tx *tx, int64_t order_id,
                                                  const char *reason, const char *actor,
                                                  returns_case *out, lm_errinfo *err);
LM_MUST_USE lm_status returns_case_get(returns_svc *r, int64_t id, returns_case *out,
                                       lm_errinfo *err);
/* Resolves an open case (opened with resolution "pending"): resolution "" = the policy's, else
 * reship | refund | return, carried out as returns_case_open would. CONFLICT "status" when the
 * case is resolved already; NOT_FOUND "id". */
LM_MUST_USE lm_status returns_case_resolve(returns_svc *r, int64_t id, const char *resolution,
                                           const char *actor, returns_case *out, lm_errinfo *err);
/* Ids of cases in status ("open" | "resolved" | "" any) of order_id (0 any) after after_id, oldest
 * first, at most limit (0: 1000); *out lm_free'd by the caller. */
LM_MUST_USE lm_status returns_case_find(returns_svc *r, const char *status, int64_t order_id,
                                        int64_t after_id, size_t limit, int64_t **out, size_t *n,
                                        lm_errinfo *err);

/* ---- Pickup tasks (what the planner needs) ---- */

typedef struct returns_pickup_line {
    char sku[STORE_ID_MAX + 1];
    int64_t qty;
    int64_t weight_g, volume_cm3; /* for qty units */
} returns_pickup_line;

typedef struct returns_pickup {
    int64_t rma_id, order_id;
    double lon, lat;              /* customer location (the order's) */
    store_window window;          /* when to collect; 0/0 = any time */
    int64_t weight_g, volume_cm3; /* totals: the load the van takes on at the pickup */
    returns_pickup_line lines[STORE_RMA_LINES_MAX];
    size_t n_lines;
    char depot_id[STORE_ID_MAX + 1]; /* where it goes */
    double depot_lon, depot_lat;
} returns_pickup;

/* The pickup of an RMA in approved or pickup_scheduled with method pickup (CONFLICT otherwise). */
LM_MUST_USE lm_status returns_pickup_get(returns_svc *r, int64_t id, returns_pickup *out,
                                         lm_errinfo *err);

/* ---- Reports ---- */

/* Return rates grouped by "product" | "reason" | "channel" | "depot" over RMAs created in
 * [from_ms, to_ms); *out lm_free'd by the caller. */
LM_MUST_USE lm_status returns_report_rates(returns_svc *r, const char *by, int64_t from_ms,
                                           int64_t to_ms, returns_rate **out, size_t *n,
                                           lm_errinfo *err);
/* Time from request to refund over refunded RMAs created in [from_ms, to_ms). */
LM_MUST_USE lm_status returns_report_refund_times(returns_svc *r, int64_t from_ms, int64_t to_ms,
                                                  int64_t *count, int64_t *mean_ms, int64_t *max_ms,
                                                  lm_errinfo *err);

#endif
