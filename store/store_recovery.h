/* store: persistence of failed-delivery recovery (the policy per failure reason, each order's
 * attempts and recovery state) and of the customer's delivery instructions. Plain data; orders/
 * (orders/recovery.h) owns the rules. Ownership as in store/store_orders.h: writes take a
 * store_tx (the caller commits with its events), reads a store_read. */
#ifndef LASTMILE_STORE_RECOVERY_H
#define LASTMILE_STORE_RECOVERY_H

#include "store/store_orders.h"

#define STORE_RECOVERY_REASONS 5   /* not_home, refused, address_not_found, damaged, other */
#define STORE_INSTRUCTIONS_MAX 500 /* delivery instructions, bytes */
#define STORE_SAFE_PLACE_MAX   120 /* safe place, bytes */

/* What to do after a failed delivery for one reason. */
typedef struct store_recovery_rule {
    char reason[24];      /* "not_home" | "refused" | "address_not_found" | "damaged" | "other" */
    char action[24];      /* "reschedule" | "return_to_stock" | "case" */
    char reschedule[16];  /* reschedule only: "next_day" | "customer"; "" otherwise */
    int64_t max_attempts; /* 1..10: failed attempts after which a reschedule returns to stock */
} store_recovery_rule;

/* The whole policy with its version (bumped by every change) and who changed it last. */
typedef struct store_recovery_policy {
    store_recovery_rule rules[STORE_RECOVERY_REASONS];
    size_t n_rules;
    int64_t version;
    int64_t updated_ms;
    char actor[64];
} store_recovery_policy;

/* One order's recovery after failed attempts. */
typedef struct store_order_recovery {
    int64_t order_id;
    int64_t attempts;     /* failed delivery attempts so far */
    char last_reason[24]; /* reason of the last failure */
    char action[24];      /* "retry_today" | "reschedule" | "return_to_stock" | "case" */
    char mode[16];        /* reschedule: "next_day" | "customer"; "" otherwise */
    char state[24];       /* see orders/recovery.h */
    int64_t next_start_s; /* the next attempt's window (epoch s); 0 when not chosen yet */
    int64_t next_end_s;
    int64_t checked_in_ms; /* the parcel back at the depot; 0 before */
    int64_t updated_ms;
} store_order_recovery;

typedef struct store_instructions {
    int64_t order_id;
    char instructions[STORE_INSTRUCTIONS_MAX + 1];
    char safe_place[STORE_SAFE_PLACE_MAX + 1];
    int64_t updated_ms;
} store_instructions;

/* The stored policy; NOT_FOUND before the first put (orders/ then uses its defaults). */
LM_MUST_USE lm_status store_recovery_policy_get(store_read *r, store_recovery_policy *out,
                                                lm_errinfo *err);
/* Replaces the policy rows and records version/actor/updated_ms as given. */
LM_MUST_USE lm_status store_recovery_policy_put(store_tx *tx, const store_recovery_policy *p,
                                                lm_errinfo *err);

/* NOT_FOUND when the order never failed. */
LM_MUST_USE lm_status store_order_recovery_get(store_read *r, int64_t order_id,
                                               store_order_recovery *out, lm_errinfo *err);
LM_MUST_USE lm_status store_order_recovery_put(store_tx *tx, const store_order_recovery *rec,
                                               lm_errinfo *err);

/* Replaces the order's delivery windows with w[0..n) (n <= STORE_WINDOWS_MAX). */
LM_MUST_USE lm_status store_order_windows_set(store_tx *tx, int64_t order_id, const store_window *w,
                                              size_t n, lm_errinfo *err);

/* NOT_FOUND when the customer left none. */
LM_MUST_USE lm_status store_instructions_get(store_read *r, int64_t order_id,
                                             store_instructions *out, lm_errinfo *err);
LM_MUST_USE lm_status store_instructions_put(store_tx *tx, const store_instructions *in,
                                             lm_errinfo *err);

#endif
