/* store: persistence of returns/ (return policy, RMAs and their lines, after-sales cases, the
 * report queries) and of product sales blocks, which returns/ sets and orders/ intake reads.
 *
 * Ownership: every record here is plain fixed-size data (lines included, at most
 * STORE_RMA_LINES_MAX), so nothing needs freeing except the arrays of the list/report functions,
 * which the caller lm_frees. Writes take the caller's tx; reads a store_read (or store_tx_read). */
#ifndef LASTMILE_STORE_RETURNS_H
#define LASTMILE_STORE_RETURNS_H

#include "store/store.h"
#include "store/store_orders.h"

#define STORE_RMA_LINES_MAX      32
#define STORE_RETURN_WINDOWS_MAX 256
#define STORE_RMA_NOTE_MAX       255

/* The return policy's scalar part (returns/ gives the fields their meaning and validates them). */
typedef struct store_return_config {
    int64_t default_window_days;    /* window when neither product nor channel has one */
    uint32_t reasons_mask;          /* accepted reasons, one bit per returns_reason */
    uint32_t auto_approve_mask;     /* reasons approved without a person ... */
    int64_t auto_approve_max_value; /* ... when the returned lines are worth at most this (minor
                                       units; 0 = whatever the value) */
    char payer[16];                 /* "customer" | "merchant": who pays the way back */
    bool offer_pickup, offer_dropoff;
    char refund_rule[16];        /* "full" | "minus_shipping" | "store_credit" */
    int64_t return_shipping_fee; /* minor units kept by minus_shipping */
    int64_t quality_threshold;   /* defective returns of one SKU in the window that block it */
    int64_t quality_window_days;
    char wrong_item[16]; /* after-sales wrong item: "pickup" (collect it) | "keep" */
    char damaged[16];    /* after-sales damaged: "reship" | "refund" | "return" */
} store_return_config;

/* A return window override: kind "channel" or "product", key the channel name or SKU. */
typedef struct store_return_window {
    char kind[8];
    char key[STORE_ID_MAX + 1];
    int64_t days; /* 0 = not returnable */
} store_return_window;

typedef struct store_rma_line {
    int64_t line_no; /* 0-based, in request order */
    char sku[STORE_ID_MAX + 1];
    int64_t qty;
    char condition[16];   /* "" until inspected; "resellable" | "damaged" | "defective" */
    char disposition[16]; /* "" | "restocked" | "quarantined" | "written_off" */
    char note[STORE_RMA_NOTE_MAX + 1];
    int64_t inspected_ms;
} store_rma_line;

typedef struct store_rma {
    int64_t id;
    int64_t order_id;
    char status[24];                   /* returns/ lifecycle state name */
    char reason[24];                   /* returns reason name */
    char channel[STORE_ID_MAX + 1];    /* the order's channel, for the reports */
    char depot_id[STORE_ID_MAX + 1];   /* where it goes back to */
    char method[12];                   /* "pickup" | "dropoff" */
    char actor[64];                    /* who requested it */
    char note[STORE_RMA_NOTE_MAX + 1]; /* refusal reason, or the customer's words */
    int64_t value;                     /* the lines' worth in minor units (0 without money) */
    int64_t refund_amount;             /* recorded refund, minor units */
    char refund_method[16];
    int64_t case_id;            /* after-sales case that opened it, 0 if none */
    store_window pickup_window; /* customer's pickup window, epoch s; 0/0 = any time */
    int64_t created_ms, updated_ms, refunded_ms, closed_ms;
    store_rma_line lines[STORE_RMA_LINES_MAX];
    size_t n_lines;
} store_rma;

/* After-sales case: kind "missing" | "wrong_item" | "damaged". */
typedef struct store_case {
    int64_t id, order_id;
    char kind[16];
    char resolution[16]; /* "reship" | "refund" | "return" | "" while open */
    char status[16];     /* "open" | "resolved" */
    int64_t reship_order_id, rma_id;
    char actor[64];
    char note[STORE_RMA_NOTE_MAX + 1];
    store_line lines[STORE_RMA_LINES_MAX]; /* what was missing / wrong / damaged */
    store_line right[STORE_RMA_LINES_MAX]; /* wrong item: what should have come */
    size_t n_lines, n_right;
    int64_t created_ms, resolved_ms;
} store_case;

/* ---- Policy ---- */
/* Reads the policy; LM_NOT_FOUND before one was stored (cfg untouched). *windows (lm_free) and
 * *n get the overrides. */
LM_MUST_USE lm_status store_return_config_get(store_read *r, store_return_config *cfg,
                                              store_return_window **windows, size_t *n,
                                              lm_errinfo *err);
/* Replaces the whole policy. */
LM_MUST_USE lm_status store_return_config_put(store_tx *tx, const store_return_config *cfg,
                                              const store_return_window *windows, size_t n,
                                              lm_errinfo *err);

/* ---- RMAs ---- */
LM_MUST_USE lm_status store_rma_insert(store_tx *tx, const store_rma *rma, int64_t *id_out,
                                       lm_errinfo *err);
LM_MUST_USE lm_status store_rma_get(store_read *r, int64_t id, store_rma *out, lm_errinfo *err);
/* Writes every mutable field of rma and of its lines (condition, disposition, note, time). */
LM_MUST_USE lm_status store_rma_update(store_tx *tx, const store_rma *rma, lm_errinfo *err);
/* Units of sku of order_id in RMAs that were not refused (what is already being returned). */
LM_MUST_USE lm_status store_rma_returned_qty(store_read *r, int64_t order_id, const char *sku,
                                             int64_t *out, lm_errinfo *err);
/* Ids of the RMAs in status (NULL/"" = any), oldest first, at most 1000. */
LM_MUST_USE lm_status store_rma_ids(store_read *r, const char *status, int64_t **out, size_t *n,
                                    lm_errinfo *err);
/* Ids of the RMAs in status (NULL/"" = any) of order_id (0 = any) with id > after_id, oldest
 * first, at most limit (0 or > 1000: 1000). */
LM_MUST_USE lm_status store_rma_find(store_read *r, const char *status, int64_t order_id,
                                     int64_t after_id, size_t limit, int64_t **out, size_t *n,
                                     lm_errinfo *err);
/* Units of sku inspected "defective" since since_ms. */
LM_MUST_USE lm_status store_rma_defective_count(store_read *r, const char *sku, int64_t since_ms,
                                                int64_t *out, lm_errinfo *err);

/* ---- Sales blocks (set by returns/, read by orders/ intake) ---- */
/* *blocked says whether sku is blocked now; reason (cap bytes, may be NULL) why. */
LM_MUST_USE lm_status store_sales_block_get(store_read *r, const char *sku, bool *blocked,
                                            char *reason, size_t cap, lm_errinfo *err);
/* Blocks sku (replacing an earlier, cleared block). */
LM_MUST_USE lm_status store_sales_block_set(store_tx *tx, const char *sku, const char *reason,
                                            int64_t now_ms, lm_errinfo *err);
/* Clears the block; LM_NOT_FOUND when sku is not blocked. */
LM_MUST_USE lm_status store_sales_block_clear(store_tx *tx, const char *sku, const char *actor,
                                              int64_t now_ms, lm_errinfo *err);

/* ---- After-sales cases ---- */
LM_MUST_USE lm_status store_case_insert(store_tx *tx, const store_case *c, int64_t *id_out,
                                        lm_errinfo *err);
LM_MUST_USE lm_status store_case_get(store_read *r, int64_t id, store_case *out, lm_errinfo *err);
/* Writes resolution, status, reship_order_id, rma_id, note, resolved_ms. */
LM_MUST_USE lm_status store_case_update(store_tx *tx, const store_case *c, lm_errinfo *err);

/* Ids of the cases in status ("open" | "resolved"; NULL/"" = any) of order_id (0 = any) with
 * id > after_id, oldest first, at most limit (0 or > 1000: 1000). */
LM_MUST_USE lm_status store_case_find(store_read *r, const char *status, int64_t order_id,
                                      int64_t after_id, size_t limit, int64_t **out, size_t *n,
                                      lm_errinfo *err);

/* ---- Reports ---- */
/* One group of a return-rate report. */
typedef struct store_return_rate {
    char key[STORE_ID_MAX + 1]; /* SKU, reason, channel or depot */
    int64_t returned;           /* units (product) or RMAs (reason, channel, depot) */
    int64_t base;               /* delivered units (product) or delivered orders (channel, depot);
                                   all RMAs for reason */
} store_return_rate;
/* by: "product" | "reason" | "channel" | "depot"; RMAs created in [from_ms, to_ms) that were not
 * refused; the base counts delivered orders created before to_ms (what those returns come out
 * of; all RMAs of the span for reason). Sorted by key. */
LM_MUST_USE lm_status store_return_rates(store_read *r, const char *by, int64_t from_ms,
                                         int64_t to_ms, store_return_rate **out, size_t *n,
                                         lm_errinfo *err);
/* Refunded RMAs created in [from_ms, to_ms): count, mean and max of refunded_ms - created_ms. */
LM_MUST_USE lm_status store_return_refund_times(store_read *r, int64_t from_ms, int64_t to_ms,
                                                int64_t *count, int64_t *mean_ms, int64_t *max_ms,
                                                lm_errinfo *err);

#endif
