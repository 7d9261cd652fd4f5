/* returns/cases.c: after-sales cases (missing, wrong or damaged items), each opened and resolved
 * in one transaction by policy: a reship order, a return pickup, or a refund. */
#include "returns/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Checks the case's own fields and lines against the delivered order. */
static lm_status case_check(const returns_case_in *in, const store_order *ord, lm_errinfo *err) {
    if (strnlen(in->note, sizeof in->note) >= sizeof in->note)
        return lm_errinfo_set(err, LM_INVALID, "note", "at most %d bytes", STORE_RMA_NOTE_MAX);
    if (in->n_lines < 1 || in->n_lines > STORE_RMA_LINES_MAX)
        return lm_errinfo_set(err, LM_INVALID, "lines", "1..%d lines", STORE_RMA_LINES_MAX);
    for (size_t i = 0; i < in->n_lines; i++) {
        char f[32];
        snprintf(f, sizeof f, "lines[%zu].qty", i);
        int64_t delivered = returns__delivered_qty(ord, in->lines[i].sku);
        int64_t asked = 0;
        for (size_t j = 0; j <= i; j++)
            if (!strcmp(in->lines[j].sku, in->lines[i].sku)) asked += in->lines[j].qty;
        if (in->lines[i].qty < 1) return lm_errinfo_set(err, LM_INVALID, f, "at least 1 unit");
        if (!delivered) {
            snprintf(f, sizeof f, "lines[%zu].sku", i);
            return lm_errinfo_set(err, LM_INVALID, f, "SKU '%s' is not on order %" PRId64,
                                  in->lines[i].sku, ord->id);
        }
        if (asked > delivered)
            return lm_errinfo_set(err, LM_INVALID, f, "order %" PRId64 " had %" PRId64 " of '%s'",
                                  ord->id, delivered, in->lines[i].sku);
    }
    bool wrong = !strcmp(in->kind, "wrong_item");
    if (wrong && (in->n_right < 1 || in->n_right > STORE_RMA_LINES_MAX))
        return lm_errinfo_set(err, LM_INVALID, "right", "1..%d lines of what should have come",
                              STORE_RMA_LINES_MAX);
    if (!wrong && in->n_right)
        return lm_errinfo_set(err, LM_INVALID, "right", "only a wrong_item case has right lines");
    for (size_t i = 0; i < in->n_right; i++)
        if (in->right[i].qty < 1) {
            char f[32];
            snprintf(f, sizeof f, "right[%zu].qty", i);
            return lm_errinfo_set(err, LM_INVALID, f, "at least 1 unit");
        }
    return LM_OK;
}

/* The resolution: the caller's, else the policy's for the kind. */
static lm_status resolution_pick(const returns_case_in *in, const returns_policy *p, char out[16],
                                 lm_errinfo *err) {
    const char *res = in->resolution;
    bool failed = !strcmp(in->kind, RETURNS_CASE_FAILED_DELIVERY);
    if (!res[0] && failed) /* the parcel is back at the depot: nothing to pick up */
        res = strcmp(p->rules.damaged, "return") ? p->rules.damaged : "reship";
    if (!res[0]) res = !strcmp(in->kind, "damaged") ? p->rules.damaged : "reship";
    if (!strcmp(res, "pending")) {
        out[0] = '\0'; /* support decides later (returns_case_resolve) */
        return LM_OK;
    }
    if (strcmp(res, "reship") && strcmp(res, "refund") && strcmp(res, "return"))
        return lm_errinfo_set(err, LM_INVALID, "resolution",
                              "must be reship, refund, return or pending");
    if (failed && !strcmp(res, "return"))
        return lm_errinfo_set(err, LM_INVALID, "resolution",
                              "a failed delivery's parcel comes back to the depot: reship or "
                              "refund");
    if (!strcmp(in->kind, "missing") && !strcmp(res, "return"))
        return lm_errinfo_set(err, LM_INVALID, "resolution",
                              "nothing to return for a missing item");
    lm_strlcpy(out, res, 16);
    return LM_OK;
}

/* A new order for the customer of ord with the given lines: no money (nothing to pay), but the
 * same product checks, audit and allocation as any order. */
static lm_status reship(returns_svc *r, store_tx *tx, const store_order *ord, const store_case *c,
                        const store_line *lines, size_t n, int64_t *id, lm_errinfo *err) {
    store_order in = *ord;
    store_line copy[STORE_RMA_LINES_MAX];
    memset(copy, 0, sizeof copy);
    for (size_t i = 0; i < n; i++) {
        lm_strlcpy(copy[i].sku, lines[i].sku, sizeof copy[i].sku);
        copy[i].qty = lines[i].qty;
    }
    in.lines = copy;
    in.n_lines = n;
    in.n_windows = 0; /* the original windows have passed */
    in.oos_policy[0] = '\0';
    lm_strlcpy(in.channel, "reship", sizeof in.channel);
    snprintf(in.external_ref, sizeof in.external_ref, "reship:%" PRId64 ":case:%" PRId64, ord->id,
             c->id);
    snprintf(in.notes, sizeof in.notes,
             "reship of order %" PRId64 " (after-sales case %" PRId64 ", %s)", ord->id, c->id,
             c->kind);
    store_order made = {0};
    lm_status rc = orders_order_create_tx(r->orders, tx, &in, &made, err);
    if (rc == LM_OK) *id = made.id;
    store_order_clear(&made);
    return rc;
}

/* Refunds what the customer paid for the case's lines (capped by what is left to refund). */
static lm_status case_refund(returns_svc *r, store_tx *tx, const store_order *ord,
                             const store_case *c, lm_errinfo *err) {
    store_read *rd = store_tx_read(tx);
    int64_t value = 0;
    lm_status rc = LM_OK;
    for (size_t i = 0; i < c->n_lines && rc == LM_OK; i++) {
        int64_t v = 0;
        rc = returns__value(rd, ord, c->lines[i].sku, c->lines[i].qty, &v, err);
        value += v;
    }
    if (rc != LM_OK || value <= 0) return rc;
    store_order_money m = {0};
    if ((rc = store_order_money_get(rd, ord->id, &m, err)) != LM_OK) return rc;
    int64_t left = m.paid - m.refunded;
    store_order_money_clear(&m);
    if (value > left) value = left;
    if (value <= 0) return LM_OK;
    orders_refund rf = {.amount = value};
    snprintf(rf.reason, sizeof rf.reason, "after-sales case %" PRId64 " (%s)", c->id, c->kind);
    lm_strlcpy(rf.method, "original", sizeof rf.method);
    return orders_refund_create_tx(r->orders, tx, ord->id, &rf, NULL, err);
}

/* A return of the case's lines, approved at once (support decided), picked up when offered. */
static lm_status case_return(returns_svc *r, store_tx *tx, const returns_case_in *in,
                             const store_case *c, const returns_policy *p, int64_t *rma_id,
                             lm_errinfo *err) {
    returns_request *q = lm_calloc(1, sizeof *q);
    store_rma *m = lm_calloc(1, sizeof *m);
    lm_status rc = q && m ? LM_OK : lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK) {
        q->order_id = in->order_id;
        lm_strlcpy(q->reason, !strcmp(in->kind, "damaged") ? "damaged" : "wrong_item",
                   sizeof q->reason);
        lm_strlcpy(q->method, p->rules.offer_pickup ? "pickup" : "dropoff", sizeof q->method);
        lm_strlcpy(q->actor, in->actor, sizeof q->actor);
        memcpy(q->lines, in->lines, in->n_lines * sizeof *q->lines);
        q->n_lines = in->n_lines;
        rc = returns__rma_open(r, tx, q, c->id, m, err);
    }
    if (rc == LM_OK) *rma_id = m->id;
    lm_free(q);
    lm_free(m);
    return rc;
}

/* Carries out c's resolution inside tx. */
static lm_status resolve(returns_svc *r, store_tx *tx, const returns_case_in *in,
                         const store_order *ord, const returns_policy *p, store_case *c,
                         lm_errinfo *err) {
    lm_status rc = LM_OK;
    bool wrong = !strcmp(c->kind, "wrong_item");
    if (!strcmp(c->resolution, "reship"))
        rc = reship(r, tx, ord, c, wrong ? in->right : in->lines, wrong ? in->n_right : in->n_lines,
                    &c->reship_order_id, err);
    if (rc == LM_OK && !strcmp(c->resolution, "refund")) rc = case_refund(r, tx, ord, c, err);
    bool take_back =
        !strcmp(c->resolution, "return") ||
        (wrong && !strcmp(c->resolution, "reship") && !strcmp(p->rules.wrong_item, "pickup"));
    if (rc == LM_OK && take_back) rc = case_return(r, tx, in, c, p, &c->rma_id, err);
    if (rc != LM_OK) return rc;
    lm_strlcpy(c->status, "resolved", sizeof c->status);
    c->resolved_ms = r->now_ms();
    if ((rc = store_case_update(tx, c, err)) != LM_OK) return rc;
    char extra[200];
    snprintf(extra, sizeof extra,
             ",\"order_id\":%" PRId64 ",\"kind\":\"%s\",\"resolution\":\"%s\","
             "\"reship_order_id\":%" PRId64 ",\"rma_id\":%" PRId64,
             c->order_id, c->kind, c->resolution, c->reship_order_id, c->rma_id);
    return returns__event(r, tx, "case.resolved", "case", NULL, c->id, in->actor, extra);
}

lm_status returns_case_open(returns_svc *r, const returns_case_in *in, returns_case *out,
                            lm_errinfo *err) {
    lm_status rc = returns__actor_check(in->actor, err);
    if (rc != LM_OK) return rc;
    if (strcmp(in->kind, "missing") && strcmp(in->kind, "wrong_item") &&
        strcmp(in->kind, "damaged"))
        return lm_errinfo_set(err, LM_INVALID, "kind", "must be missing, wrong_item or damaged");
    returns_policy *p = lm_calloc(1, sizeof *p);
    store_case *c = lm_calloc(1, sizeof *c);
    store_order ord = {0};
    store_tx *tx = NULL;
    if (!p || !c) rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK && (rc = store_tx_begin(r->st, &tx)) != LM_OK)
        lm_errinfo_set(err, rc, "", "store unavailable");
    if (rc != LM_OK) goto done;
    store_read *rd = store_tx_read(tx);
    rc = returns__policy_load(rd, p, err);
    if (rc == LM_OK) rc = returns__delivered_order(rd, in->order_id, &ord, err);
    if (rc == LM_OK) rc = case_check(in, &ord, err);
    if (rc == LM_OK) rc = resolution_pick(in, p, c->resolution, err);
    if (rc == LM_OK) {
        c->order_id = ord.id;
        lm_strlcpy(c->kind, in->kind, sizeof c->kind);
        lm_strlcpy(c->status, "open", sizeof c->status);
        lm_strlcpy(c->actor, in->actor, sizeof c->actor);
        lm_strlcpy(c->note, in->note, sizeof c->note);
        memcpy(c->lines, in->lines, in->n_lines * sizeof *c->lines);
        c->n_lines = in->n_lines;
        memcpy(c->right, in->right, in->n_right * sizeof *c->right);
        c->n_right = in->n_right;
        c->created_ms = r->now_ms();
        rc = store_case_insert(tx, c, &c->id, err);
    }
    if (rc == LM_OK) {
        char extra[120];
        snprintf(extra, sizeof extra, ",\"order_id\":%" PRId64 ",\"kind\":\"%s\"", c->order_id,
                 c->kind);
        rc = returns__event(r, tx, "case.opened", "case", NULL, c->id, in->actor, extra);
    }
    if (rc == LM_OK && c->resolution[0]) rc = resolve(r, tx, in, &ord, p, c, err);
    rc = returns__finish(tx, rc, err);
    if (rc == LM_OK && out) *out = *c;
done:
    store_order_clear(&ord);
    lm_free(p);
    lm_free(c);
    return rc;
}

lm_status returns_case_get(returns_svc *r, int64_t id, returns_case *out, lm_errinfo *err) {
    store_read *rd = NULL;
    lm_status rc = store_read_begin(r->st, &rd);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_case_get(rd, id, out, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "case %" PRId64 " not found", id);
    store_read_end(rd);
    return rc;
}

lm_status returns_case_resolve(returns_svc *r, int64_t id, const char *resolution,
                               const char *actor, returns_case *out, lm_errinfo *err) {
    lm_status rc = returns__actor_check(actor, err);
    if (rc != LM_OK) return rc;
    returns_policy *p = lm_calloc(1, sizeof *p);
    store_case *c = lm_calloc(1, sizeof *c);
    returns_case_in *in = lm_calloc(1, sizeof *in);
    store_order ord = {0};
    store_tx *tx = NULL;
    if (!p || !c || !in) rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK && (rc = store_tx_begin(r->st, &tx)) != LM_OK)
        lm_errinfo_set(err, rc, "", "store unavailable");
    if (rc != LM_OK) goto done;
    store_read *rd = store_tx_read(tx);
    rc = store_case_get(rd, id, c, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "case %" PRId64 " not found", id);
    if (rc == LM_OK && strcmp(c->status, "open"))
        rc = lm_errinfo_set(err, LM_CONFLICT, "status",
                            "case %" PRId64 " is %s (%s): it cannot be resolved again", id,
                            c->status, c->resolution);
    if (rc == LM_OK) rc = returns__policy_load(rd, p, err);
    if (rc == LM_OK)
        rc = !strcmp(c->kind, RETURNS_CASE_FAILED_DELIVERY)
                 ? returns__failed_order(rd, c->order_id, &ord, err)
                 : returns__delivered_order(rd, c->order_id, &ord, err);
    if (rc == LM_OK) {
        /* the stored case is the request: same lines, the resolver as actor */
        in->order_id = c->order_id;
        lm_strlcpy(in->kind, c->kind, sizeof in->kind);
        lm_strlcpy(in->resolution, resolution ? resolution : "", sizeof in->resolution);
        lm_strlcpy(in->actor, actor, sizeof in->actor);
        memcpy(in->lines, c->lines, sizeof in->lines);
        in->n_lines = c->n_lines;
        memcpy(in->right, c->right, sizeof in->right);
        in->n_right = c->n_right;
        if (!strcmp(in->resolution, "pending"))
            rc = lm_errinfo_set(err, LM_INVALID, "resolution", "must be reship, refund or return");
    }
    if (rc == LM_OK) rc = resolution_pick(in, p, c->resolution, err);
    if (rc == LM_OK) rc = resolve(r, tx, in, &ord, p, c, err);
    rc = returns__finish(tx, rc, err);
    if (rc == LM_OK && out) *out = *c;
done:
    store_order_clear(&ord);
    lm_free(p);
    lm_free(c);
    lm_free(in);
    return rc;
}

lm_status returns_case_find(returns_svc *r, const char *status, int64_t order_id, int64_t after_id,
                            size_t limit, int64_t **out, size_t *n, lm_errinfo *err) {
    store_read *rd = NULL;
    lm_status rc = store_read_begin(r->st, &rd);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_case_find(rd, status, order_id, after_id, limit, out, n, err);
    store_read_end(rd);
    return rc;
}
