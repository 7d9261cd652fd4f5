/* returns/policy.c: the names, the RMA transition table, and the return policy (defaults,
 * validation, storage). */
#include "returns/internal.h"

#include <stdio.h>
#include <string.h>

static const char *const reason_names[] = {
#define RETURNS_X(n, s) s,
    RETURNS_REASON_MAP(RETURNS_X)
#undef RETURNS_X
};

static const char *const state_names[] = {
#define RETURNS_X(n, s) s,
    RETURNS_STATE_MAP(RETURNS_X)
#undef RETURNS_X
};

const char *returns_reason_name(returns_reason r) {
    return (unsigned)r < RETURNS_REASON_COUNT ? reason_names[r] : "unknown";
}

bool returns_reason_parse(const char *name, returns_reason *out) {
    for (int i = 0; name && i < RETURNS_REASON_COUNT; i++)
        if (!strcmp(name, reason_names[i])) {
            *out = (returns_reason)i;
            return true;
        }
    return false;
}

const char *returns_state_name(returns_state s) {
    return (unsigned)s < RETURNS_STATE_COUNT ? state_names[s] : "unknown";
}

bool returns_state_parse(const char *name, returns_state *out) {
    for (int i = 0; name && i < RETURNS_STATE_COUNT; i++)
        if (!strcmp(name, state_names[i])) {
            *out = (returns_state)i;
            return true;
        }
    return false;
}

#define BIT(s) (1u << RETURNS_##s)
/* allowed[from] = the states it may move to. Refunding needs an inspection first (the refund
 * depends on what came back); an inspected RMA may be closed without a refund. Refused is final,
 * so the quantity bound can leave refused RMAs out by their state alone. */
static const uint32_t allowed[RETURNS_STATE_COUNT] = {
    [RETURNS_REQUESTED] = BIT(APPROVED) | BIT(REFUSED),
    [RETURNS_APPROVED] = BIT(PICKUP_SCHEDULED) | BIT(DROPOFF_EXPECTED),
    [RETURNS_REFUSED] = 0, /* final: its units may be asked for again */
    [RETURNS_PICKUP_SCHEDULED] = BIT(COLLECTED),
    [RETURNS_DROPOFF_EXPECTED] = BIT(RECEIVED),
    [RETURNS_COLLECTED] = BIT(RECEIVED),
    [RETURNS_RECEIVED] = BIT(INSPECTED),
    [RETURNS_INSPECTED] = BIT(REFUNDED) | BIT(CLOSED),
    [RETURNS_REFUNDED] = BIT(CLOSED),
    [RETURNS_CLOSED] = 0,
};
#undef BIT

bool returns_transition_allowed(returns_state from, returns_state to) {
    if ((unsigned)from >= RETURNS_STATE_COUNT || (unsigned)to >= RETURNS_STATE_COUNT) return false;
    return (allowed[from] >> to) & 1u;
}

void returns_policy_defaults(returns_policy *p) {
    memset(p, 0, sizeof *p);
    store_return_config *c = &p->rules;
    c->default_window_days = 30;
    c->reasons_mask = (1u << RETURNS_REASON_COUNT) - 1;
    c->auto_approve_mask = (1u << RETURNS_REASON_DAMAGED) | (1u << RETURNS_REASON_DEFECTIVE) |
                           (1u << RETURNS_REASON_WRONG_ITEM) | (1u << RETURNS_REASON_MISSING_ITEM);
    lm_strlcpy(c->payer, "merchant", sizeof c->payer);
    c->offer_pickup = c->offer_dropoff = true;
    lm_strlcpy(c->refund_rule, "full", sizeof c->refund_rule);
    c->quality_threshold = 3;
    c->quality_window_days = 30;
    lm_strlcpy(c->wrong_item, "pickup", sizeof c->wrong_item);
    lm_strlcpy(c->damaged, "reship", sizeof c->damaged);
}

static bool one_of(const char *v, const char *const *set) {
    for (; *set; set++)
        if (!strcmp(v, *set)) return true;
    return false;
}

static lm_status windows_check(const returns_policy *p, lm_errinfo *err) {
    if (p->n_windows > STORE_RETURN_WINDOWS_MAX)
        return lm_errinfo_set(err, LM_INVALID, "windows", "at most %d windows",
                              STORE_RETURN_WINDOWS_MAX);
    for (size_t i = 0; i < p->n_windows; i++) {
        const store_return_window *w = &p->windows[i];
        char f[40];
        snprintf(f, sizeof f, "windows[%zu].kind", i);
        if (strcmp(w->kind, "channel") && strcmp(w->kind, "product"))
            return lm_errinfo_set(err, LM_INVALID, f, "must be channel or product");
        snprintf(f, sizeof f, "windows[%zu].key", i);
        if (!w->key[0] || strnlen(w->key, sizeof w->key) >= sizeof w->key)
            return lm_errinfo_set(err, LM_INVALID, f, "a channel name or SKU of 1..%d characters",
                                  STORE_ID_MAX);
        snprintf(f, sizeof f, "windows[%zu].days", i);
        if (w->days < 0 || w->days > 3650)
            return lm_errinfo_set(err, LM_INVALID, f, "0 (not returnable) ..3650 days");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(p->windows[j].kind, w->kind) && !strcmp(p->windows[j].key, w->key)) {
                snprintf(f, sizeof f, "windows[%zu].key", i);
                return lm_errinfo_set(err, LM_INVALID, f, "duplicate of windows[%zu]", j);
            }
    }
    return LM_OK;
}

lm_status returns_policy_check(const returns_policy *p, lm_errinfo *err) {
    static const char *const payers[] = {"customer", "merchant", NULL};
    static const char *const rules[] = {"full", "minus_shipping", "store_credit", NULL};
    static const char *const wrong[] = {"pickup", "keep", NULL};
    static const char *const damaged[] = {"reship", "refund", "return", NULL};
    const store_return_config *c = &p->rules;
    const uint32_t all = (1u << RETURNS_REASON_COUNT) - 1;
    if (c->default_window_days < 0 || c->default_window_days > 3650)
        return lm_errinfo_set(err, LM_INVALID, "default_window_days", "0..3650 days");
    if (!c->reasons_mask || (c->reasons_mask & ~all))
        return lm_errinfo_set(err, LM_INVALID, "reasons", "at least one known reason");
    if (c->auto_approve_mask & ~c->reasons_mask)
        return lm_errinfo_set(err, LM_INVALID, "auto_approve.reasons",
                              "only accepted reasons can be auto-approved");
    if (c->auto_approve_max_value < 0 || c->auto_approve_max_value > ORDERS_AMOUNT_MAX)
        return lm_errinfo_set(err, LM_INVALID, "auto_approve.max_value",
                              "a minor-unit amount, 0 = any value");
    if (!one_of(c->payer, payers))
        return lm_errinfo_set(err, LM_INVALID, "payer", "must be customer or merchant");
    if (!c->offer_pickup && !c->offer_dropoff)
        return lm_errinfo_set(err, LM_INVALID, "offer_pickup",
                              "offer a pickup, a drop-off, or both");
    if (!one_of(c->refund_rule, rules))
        return lm_errinfo_set(err, LM_INVALID, "refund_rule",
                              "must be full, minus_shipping or store_credit");
    if (c->return_shipping_fee < 0 || c->return_shipping_fee > ORDERS_AMOUNT_MAX)
        return lm_errinfo_set(err, LM_INVALID, "return_shipping_fee", "a minor-unit amount >= 0");
    if (c->quality_threshold < 0 || c->quality_threshold > 100000)
        return lm_errinfo_set(err, LM_INVALID, "quality_threshold",
                              "0 (never block) ..100000 defective units");
    if (c->quality_window_days < 1 || c->quality_window_days > 3650)
        return lm_errinfo_set(err, LM_INVALID, "quality_window_days", "1..3650 days");
    if (!one_of(c->wrong_item, wrong))
        return lm_errinfo_set(err, LM_INVALID, "wrong_item", "must be pickup or keep");
    if (!one_of(c->damaged, damaged))
        return lm_errinfo_set(err, LM_INVALID, "damaged", "must be reship, refund or return");
    return windows_check(p, err);
}

int64_t returns_policy_window_days(const returns_policy *p, const char *channel, const char *sku) {
    int64_t by_channel = -1;
    for (size_t i = 0; i < p->n_windows; i++) {
        const store_return_window *w = &p->windows[i];
        if (!strcmp(w->kind, "product") && !strcmp(w->key, sku)) return w->days;
        if (!strcmp(w->kind, "channel") && channel && !strcmp(w->key, channel))
            by_channel = w->days;
    }
    return by_channel >= 0 ? by_channel : p->rules.default_window_days;
}

lm_status returns__policy_load(store_read *rd, returns_policy *out, lm_errinfo *err) {
    returns_policy_defaults(out);
    store_return_window *w = NULL;
    size_t n = 0;
    lm_status rc = store_return_config_get(rd, &out->rules, &w, &n, err);
    if (rc == LM_NOT_FOUND) {
        lm_errinfo_clear(err);
        return LM_OK;
    }
    if (rc != LM_OK) return rc;
    out->n_windows = n < STORE_RETURN_WINDOWS_MAX ? n : STORE_RETURN_WINDOWS_MAX;
    if (out->n_windows) memcpy(out->windows, w, out->n_windows * sizeof *w);
    lm_free(w);
    return LM_OK;
}

lm_status returns_policy_get(returns_svc *r, returns_policy *out, lm_errinfo *err) {
    store_read *rd = NULL;
    lm_status rc = store_read_begin(r->st, &rd);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = returns__policy_load(rd, out, err);
    store_read_end(rd);
    return rc;
}

lm_status returns_policy_put(returns_svc *r, const returns_policy *p, const char *actor,
                             lm_errinfo *err) {
    lm_status rc = returns_policy_check(p, err);
    if (rc == LM_OK) rc = returns__actor_check(actor, err);
    if (rc != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(r->st, &tx)) != LM_OK)
        return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_return_config_put(tx, &p->rules, p->windows, p->n_windows, err);
    if (rc == LM_OK)
        rc = returns__event(r, tx, "returns.policy_put", "returns", "policy", 1, actor, "");
    return returns__finish(tx, rc, err);
}
