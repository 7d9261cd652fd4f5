/* returns/rma.c: opening an RMA (quantity bounds, windows, auto-approval) and the moves of its
 * lifecycle up to receipt; the refund and closing. Inspection is in inspect.c. */
#include "returns/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

lm_status returns__rma_move(returns_svc *r, store_tx *tx, store_rma *m, returns_state to,
                            const char *actor, lm_errinfo *err) {
    returns_state from;
    if (!returns_state_parse(m->status, &from) || !returns_transition_allowed(from, to))
        return lm_errinfo_set(err, LM_CONFLICT, "status",
                              "return %" PRId64 " is %s: it cannot become %s", m->id, m->status,
                              returns_state_name(to));
    lm_strlcpy(m->status, returns_state_name(to), sizeof m->status);
    m->updated_ms = r->now_ms();
    if (to == RETURNS_CLOSED) m->closed_ms = m->updated_ms;
    lm_status rc = store_rma_update(tx, m, err);
    if (rc != LM_OK) return rc;
    char type[48], extra[160];
    snprintf(type, sizeof type, "return.%s", m->status);
    snprintf(extra, sizeof extra, ",\"order_id\":%" PRId64 ",\"status\":\"%s\",\"from\":\"%s\"",
             m->order_id, m->status, returns_state_name(from));
    return returns__event(r, tx, type, "return", NULL, m->id, actor, extra);
}

/* Checks the request's own fields (no store needed). */
static lm_status request_check(const returns_request *q, const returns_policy *p,
                               returns_reason *reason, lm_errinfo *err) {
    lm_status rc = returns__actor_check(q->actor, err);
    if (rc != LM_OK) return rc;
    if (!returns_reason_parse(q->reason, reason))
        return lm_errinfo_set(err, LM_INVALID, "reason",
                              "must be changed_mind, damaged, defective, wrong_item, "
                              "missing_item or late_delivery");
    if (!((p->rules.reasons_mask >> *reason) & 1u))
        return lm_errinfo_set(err, LM_INVALID, "reason", "'%s' is not accepted by the policy",
                              q->reason);
    if (q->method[0] && strcmp(q->method, "pickup") && strcmp(q->method, "dropoff"))
        return lm_errinfo_set(err, LM_INVALID, "method", "must be pickup or dropoff");
    if ((!strcmp(q->method, "pickup") && !p->rules.offer_pickup) ||
        (!strcmp(q->method, "dropoff") && !p->rules.offer_dropoff))
        return lm_errinfo_set(err, LM_INVALID, "method", "the policy does not offer a %s",
                              q->method);
    if (strnlen(q->note, sizeof q->note) >= sizeof q->note)
        return lm_errinfo_set(err, LM_INVALID, "note", "at most %d bytes", STORE_RMA_NOTE_MAX);
    if ((q->pickup_window.start_s || q->pickup_window.end_s) &&
        (q->pickup_window.start_s < 0 || q->pickup_window.start_s >= q->pickup_window.end_s))
        return lm_errinfo_set(err, LM_INVALID, "pickup_window", "start must be before end");
    if (q->n_lines < 1 || q->n_lines > STORE_RMA_LINES_MAX)
        return lm_errinfo_set(err, LM_INVALID, "lines", "1..%d lines", STORE_RMA_LINES_MAX);
    for (size_t i = 0; i < q->n_lines; i++)
        if (q->lines[i].qty < 1 || q->lines[i].qty > INT32_MAX) {
            char f[32];
            snprintf(f, sizeof f, "lines[%zu].qty", i);
            return lm_errinfo_set(err, LM_INVALID, f, "at least 1 unit");
        }
    return LM_OK;
}

/* Checks one line against what the order delivered, what is already being returned (plus the
 * lines before it in this request) and its return window. */
static lm_status line_check(returns_svc *r, store_read *rd, const returns_request *q, size_t i,
                            const store_order *ord, const returns_policy *p, bool from_case,
                            lm_errinfo *err) {
    const store_line *l = &q->lines[i];
    char f[32];
    snprintf(f, sizeof f, "lines[%zu].sku", i);
    int64_t delivered = returns__delivered_qty(ord, l->sku);
    if (!delivered)
        return lm_errinfo_set(err, LM_INVALID, f, "SKU '%s' was not delivered on order %" PRId64,
                              l->sku, ord->id);
    int64_t already = 0;
    lm_status rc = store_rma_returned_qty(rd, ord->id, l->sku, &already, err);
    if (rc != LM_OK) return rc;
    for (size_t j = 0; j < i; j++)
        if (!strcmp(q->lines[j].sku, l->sku)) already += q->lines[j].qty;
    if (l->qty > delivered - already) {
        snprintf(f, sizeof f, "lines[%zu].qty", i);
        return lm_errinfo_set(err, LM_INVALID, f,
                              "at most %" PRId64 " of SKU '%s' can be returned: delivered %" PRId64
                              ", already returned %" PRId64,
                              delivered - already > 0 ? delivered - already : 0, l->sku, delivered,
                              already);
    }
    if (from_case) return LM_OK;
    int64_t days = returns_policy_window_days(p, ord->channel, l->sku);
    if (days == 0) return lm_errinfo_set(err, LM_INVALID, f, "SKU '%s' is not returnable", l->sku);
    /* the order's last change is its delivery: a delivered order does not move any more */
    if (r->now_ms() > ord->updated_ms + days * RETURNS_DAY_MS)
        return lm_errinfo_set(err, LM_CONFLICT, f,
                              "the %" PRId64 "-day return window of SKU '%s' has closed", days,
                              l->sku);
    return LM_OK;
}

lm_status returns__rma_open(returns_svc *r, store_tx *tx, const returns_request *q, int64_t case_id,
                            store_rma *out, lm_errinfo *err) {
    store_read *rd = store_tx_read(tx);
    returns_policy *p = lm_calloc(1, sizeof *p);
    store_rma *m = lm_calloc(1, sizeof *m);
    store_order ord = {0};
    returns_reason reason;
    lm_status rc = p && m ? LM_OK : lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK) rc = returns__policy_load(rd, p, err);
    if (rc == LM_OK) rc = request_check(q, p, &reason, err);
    if (rc == LM_OK) rc = returns__delivered_order(rd, q->order_id, &ord, err);
    for (size_t i = 0; rc == LM_OK && i < q->n_lines; i++)
        rc = line_check(r, rd, q, i, &ord, p, case_id != 0, err);
    if (rc != LM_OK) goto done;
    m->order_id = ord.id;
    lm_strlcpy(m->status, "requested", sizeof m->status);
    lm_strlcpy(m->reason, q->reason, sizeof m->reason);
    lm_strlcpy(m->channel, ord.channel, sizeof m->channel);
    lm_strlcpy(m->depot_id, ord.depot_id, sizeof m->depot_id);
    lm_strlcpy(m->method,
               q->method[0]            ? q->method
               : p->rules.offer_pickup ? "pickup"
                                       : "dropoff",
               sizeof m->method);
    lm_strlcpy(m->actor, q->actor, sizeof m->actor);
    lm_strlcpy(m->note, q->note, sizeof m->note);
    m->case_id = case_id;
    m->pickup_window = q->pickup_window;
    m->created_ms = m->updated_ms = r->now_ms();
    m->n_lines = q->n_lines;
    for (size_t i = 0; i < q->n_lines && rc == LM_OK; i++) {
        m->lines[i].line_no = (int64_t)i;
        lm_strlcpy(m->lines[i].sku, q->lines[i].sku, sizeof m->lines[i].sku);
        m->lines[i].qty = q->lines[i].qty;
        int64_t v = 0;
        rc = returns__value(rd, &ord, q->lines[i].sku, q->lines[i].qty, &v, err);
        m->value += v;
    }
    if (rc == LM_OK) rc = store_rma_insert(tx, m, &m->id, err);
    if (rc == LM_OK) {
        char extra[320];
        snprintf(extra, sizeof extra,
                 ",\"order_id\":%" PRId64 ",\"status\":\"requested\",\"reason\":\"%s\","
                 "\"method\":\"%s\",\"value\":%" PRId64 ",\"case_id\":%" PRId64,
                 m->order_id, m->reason, m->method, m->value, case_id);
        rc = returns__event(r, tx, "return.requested", "return", NULL, m->id, q->actor, extra);
    }
    bool auto_ok =
        ((p->rules.auto_approve_mask >> reason) & 1u) &&
        (!p->rules.auto_approve_max_value || m->value <= p->rules.auto_approve_max_value);
    if (rc == LM_OK && (auto_ok || case_id))
        rc = returns__rma_move(r, tx, m, RETURNS_APPROVED, "policy", err);
    if (rc == LM_OK) *out = *m;
done:
    store_order_clear(&ord);
    lm_free(p);
    lm_free(m);
    return rc;
}

lm_status returns_rma_request(returns_svc *r, const returns_request *req, returns_rma *out,
                              lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(r->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    return returns__finish(tx, returns__rma_open(r, tx, req, 0, out, err), err);
}

lm_status returns_rma_get(returns_svc *r, int64_t id, returns_rma *out, lm_errinfo *err) {
    store_read *rd = NULL;
    lm_status rc = store_read_begin(r->st, &rd);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_rma_get(rd, id, out, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "return %" PRId64 " not found", id);
    store_read_end(rd);
    return rc;
}

lm_status returns_rma_ids(returns_svc *r, const char *status, int64_t **out, size_t *n,
                          lm_errinfo *err) {
    return returns_rma_find(r, status, 0, 0, 1000, out, n, err);
}

lm_status returns_rma_find(returns_svc *r, const char *status, int64_t order_id, int64_t after_id,
                           size_t limit, int64_t **out, size_t *n, lm_errinfo *err) {
    returns_state s;
    if (status && status[0] && !returns_state_parse(status, &s))
        return lm_errinfo_set(err, LM_INVALID, "status", "not a return state");
    store_read *rd = NULL;
    lm_status rc = store_read_begin(r->st, &rd);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_rma_find(rd, status, order_id, after_id, limit, out, n, err);
    store_read_end(rd);
    return rc;
}

/* Loads RMA id inside tx into *m (NOT_FOUND naming "id"). */
static lm_status rma_load(store_tx *tx, int64_t id, store_rma *m, lm_errinfo *err) {
    lm_status rc = store_rma_get(store_tx_read(tx), id, m, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "return %" PRId64 " not found", id);
    return rc;
}

/* One plain move inside tx; note (may be NULL) replaces the RMA's note. */
static lm_status step_tx(returns_svc *r, store_tx *tx, int64_t id, returns_state to,
                         const char *actor, const char *note, returns_rma *out, lm_errinfo *err) {
    lm_status rc = returns__actor_check(actor, err);
    if (rc != LM_OK) return rc;
    store_rma *m = lm_calloc(1, sizeof *m);
    if (!m) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    rc = rma_load(tx, id, m, err);
    if (rc == LM_OK && to == RETURNS_PICKUP_SCHEDULED && strcmp(m->method, "pickup"))
        to = RETURNS_DROPOFF_EXPECTED;
    if (rc == LM_OK && note) lm_strlcpy(m->note, note, sizeof m->note);
    if (rc == LM_OK) rc = returns__rma_move(r, tx, m, to, actor, err);
    if (rc == LM_OK && out) *out = *m;
    lm_free(m);
    return rc;
}

/* One plain move in its own transaction. */
static lm_status step(returns_svc *r, int64_t id, returns_state to, const char *actor,
                      const char *note, returns_rma *out, lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(r->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = step_tx(r, tx, id, to, actor, note, out, err);
    return returns__finish(tx, rc, err);
}

lm_status returns_rma_move_tx(returns_svc *r, store_tx *tx, int64_t id, returns_state to,
                              const char *actor, returns_rma *out, lm_errinfo *err) {
    return step_tx(r, tx, id, to, actor, NULL, out, err);
}

lm_status returns_pickup_failed_tx(returns_svc *r, store_tx *tx, int64_t id, const char *reason,
                                   const char *actor, lm_errinfo *err) {
    lm_status rc = returns__actor_check(actor, err);
    if (rc != LM_OK) return rc;
    store_rma *m = lm_calloc(1, sizeof *m);
    if (!m) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    rc = rma_load(tx, id, m, err);
    /* approved too: the commit's scheduling runs after the plan's own commit and may have
     * failed; the driver at the door must still be able to close the stop */
    if (rc == LM_OK && strcmp(m->status, "pickup_scheduled") && strcmp(m->status, "approved"))
        rc = lm_errinfo_set(err, LM_CONFLICT, "status",
                            "return %" PRId64 " is %s: no pickup to fail", id, m->status);
    for (const char *c = reason ? reason : ""; rc == LM_OK && (*c || c == reason); c++)
        if (!*c || !((*c >= 'a' && *c <= 'z') || *c == '_') || c - reason > 31)
            rc = lm_errinfo_set(err, LM_INVALID, "reason", "a reason name (a-z, _), 1..32 bytes");
    if (rc == LM_OK) {
        /* it stays scheduled: the next plan takes the pickup again, or support refuses it */
        char extra[160];
        snprintf(extra, sizeof extra, ",\"order_id\":%" PRId64 ",\"reason\":\"%s\"", m->order_id,
                 reason);
        rc = returns__event(r, tx, "return.pickup_failed", "return", NULL, id, actor, extra);
    }
    lm_free(m);
    return rc;
}

lm_status returns_rma_approve(returns_svc *r, int64_t id, const char *actor, returns_rma *out,
                              lm_errinfo *err) {
    return step(r, id, RETURNS_APPROVED, actor, NULL, out, err);
}

lm_status returns_rma_refuse(returns_svc *r, int64_t id, const char *actor, const char *reason,
                             returns_rma *out, lm_errinfo *err) {
    if (!reason || !reason[0] || strlen(reason) > STORE_RMA_NOTE_MAX)
        return lm_errinfo_set(err, LM_INVALID, "reason", "a reason of 1..%d bytes",
                              STORE_RMA_NOTE_MAX);
    return step(r, id, RETURNS_REFUSED, actor, reason, out, err);
}

lm_status returns_rma_schedule(returns_svc *r, int64_t id, const char *actor, returns_rma *out,
                               lm_errinfo *err) {
    return step(r, id, RETURNS_PICKUP_SCHEDULED, actor, NULL, out, err);
}

lm_status returns_rma_collect(returns_svc *r, int64_t id, const char *actor, returns_rma *out,
                              lm_errinfo *err) {
    return step(r, id, RETURNS_COLLECTED, actor, NULL, out, err);
}

lm_status returns_rma_receive(returns_svc *r, int64_t id, const char *actor, returns_rma *out,
                              lm_errinfo *err) {
    return step(r, id, RETURNS_RECEIVED, actor, NULL, out, err);
}

lm_status returns_rma_close(returns_svc *r, int64_t id, const char *actor, returns_rma *out,
                            lm_errinfo *err) {
    return step(r, id, RETURNS_CLOSED, actor, NULL, out, err);
}

/* What the policy's refund rule gives for m, and the refund method it implies. */
static int64_t rule_amount(const returns_policy *p, const store_rma *m, const char **method) {
    *method = "original";
    if (!strcmp(p->rules.refund_rule, "store_credit")) *method = "wallet";
    if (!strcmp(p->rules.refund_rule, "minus_shipping"))
        return m->value > p->rules.return_shipping_fee ? m->value - p->rules.return_shipping_fee
                                                       : 0;
    return m->value;
}

lm_status returns_rma_refund(returns_svc *r, int64_t id, int64_t amount, const char *actor,
                             returns_rma *out, lm_errinfo *err) {
    lm_status rc = returns__actor_check(actor, err);
    if (rc != LM_OK) return rc;
    if (amount < 0) return lm_errinfo_set(err, LM_INVALID, "amount", "0 (by policy) or more");
    store_rma *m = lm_calloc(1, sizeof *m);
    returns_policy *p = lm_calloc(1, sizeof *p);
    store_tx *tx = NULL;
    if (!m || !p) rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK && (rc = store_tx_begin(r->st, &tx)) != LM_OK)
        lm_errinfo_set(err, rc, "", "store unavailable");
    if (rc != LM_OK) goto done;
    rc = rma_load(tx, id, m, err);
    if (rc == LM_OK) rc = returns__policy_load(store_tx_read(tx), p, err);
    const char *method = "original";
    int64_t due = rc == LM_OK ? rule_amount(p, m, &method) : 0;
    if (rc == LM_OK && amount > due)
        rc = lm_errinfo_set(err, LM_INVALID, "amount", "at most %" PRId64 " by the %s refund rule",
                            due, p->rules.refund_rule);
    /* the state check first, so a refund is never paid for an RMA that cannot take it */
    if (rc == LM_OK) rc = returns__rma_move(r, tx, m, RETURNS_REFUNDED, actor, err);
    int64_t give = amount ? amount : due;
    if (rc == LM_OK && give > 0) {
        orders_money now = {0};
        rc = store_order_money_get(store_tx_read(tx), m->order_id, &now, err);
        if (rc == LM_OK && !amount && give > now.paid - now.refunded)
            give = now.paid - now.refunded; /* the rule's amount, capped by what is left */
        if (rc == LM_OK) store_order_money_clear(&now);
        orders_refund rf = {.amount = give};
        snprintf(rf.reason, sizeof rf.reason, "return %" PRId64, m->id);
        lm_strlcpy(rf.method, method, sizeof rf.method);
        if (rc == LM_OK && give > 0)
            rc = orders_refund_create_tx(r->orders, tx, m->order_id, &rf, NULL, err);
    }
    if (rc == LM_OK) {
        m->refund_amount = give > 0 ? give : 0;
        lm_strlcpy(m->refund_method, method, sizeof m->refund_method);
        m->refunded_ms = r->now_ms();
        rc = store_rma_update(tx, m, err);
    }
    if (rc == LM_OK) {
        char extra[96];
        snprintf(extra, sizeof extra, ",\"amount\":%" PRId64 ",\"method\":\"%s\"", m->refund_amount,
                 method);
        rc = returns__event(r, tx, "return.refund_recorded", "return", NULL, m->id, actor, extra);
    }
    rc = returns__finish(tx, rc, err);
    if (rc == LM_OK && out) *out = *m;
done:
    lm_free(m);
    lm_free(p);
    return rc;
}

/* Adds the delivered SKU of line i of ord to e (once per SKU). */
static lm_status eligible_line(returns_svc *r, store_read *rd, const store_order *ord,
                               const returns_policy *p, size_t i, returns_eligibility *e,
                               lm_errinfo *err) {
    const char *sku = ord->lines[i].sku;
    for (size_t k = 0; k < e->n_lines; k++)
        if (!strcmp(e->lines[k].sku, sku)) return LM_OK;
    if (e->n_lines >= STORE_RMA_LINES_MAX) return LM_OK;
    returns_eligible_line *l = &e->lines[e->n_lines];
    memset(l, 0, sizeof *l);
    lm_strlcpy(l->sku, sku, sizeof l->sku);
    l->delivered = returns__delivered_qty(ord, sku);
    int64_t already = 0;
    lm_status rc = store_rma_returned_qty(rd, ord->id, sku, &already, err);
    if (rc != LM_OK) return rc;
    l->window_days = returns_policy_window_days(p, ord->channel, sku);
    /* the same clock as returns_rma_request: the order's last change is its delivery */
    l->until_ms = ord->updated_ms + l->window_days * RETURNS_DAY_MS;
    bool in_window = l->window_days > 0 && r->now_ms() <= l->until_ms;
    l->returnable = in_window && l->delivered > already ? l->delivered - already : 0;
    if (l->returnable > 0) e->open = true;
    e->n_lines++;
    return LM_OK;
}

lm_status returns_eligibility_get(returns_svc *r, int64_t order_id, returns_eligibility *out,
                                  lm_errinfo *err) {
    returns_policy *p = lm_calloc(1, sizeof *p);
    returns_eligibility *e = lm_calloc(1, sizeof *e);
    store_read *rd = NULL;
    store_order ord = {0};
    lm_status rc = p && e ? LM_OK : lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK && (rc = store_read_begin(r->st, &rd)) != LM_OK)
        lm_errinfo_set(err, rc, "", "store unavailable");
    if (rc == LM_OK) rc = returns__policy_load(rd, p, err);
    if (rc == LM_OK) rc = store_order_get(rd, order_id, &ord, err);
    if (rc == LM_NOT_FOUND)
        lm_errinfo_set(err, rc, "order_id", "order %" PRId64 " not found", order_id);
    if (rc == LM_OK) {
        e->order_id = order_id;
        e->delivered = !strcmp(ord.status, "delivered");
        e->reasons_mask = p->rules.reasons_mask;
        e->offer_pickup = p->rules.offer_pickup;
        e->offer_dropoff = p->rules.offer_dropoff;
    }
    for (size_t i = 0; rc == LM_OK && e->delivered && i < ord.n_lines; i++)
        rc = eligible_line(r, rd, &ord, p, i, e, err);
    if (rd) store_read_end(rd);
    if (rc == LM_OK) *out = *e;
    store_order_clear(&ord);
    lm_free(p);
    lm_free(e);
    return rc;
}
