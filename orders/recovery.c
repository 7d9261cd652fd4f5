/* orders/recovery.c: failed-delivery recovery (orders/recovery.h): the policy per failure reason,
 * the decision after each failed attempt, the parcel's check-in at the depot with its stock
 * change, and the customer's choice of the next window. */
#include "orders/recovery.h"
#include "orders/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const reasons[STORE_RECOVERY_REASONS] = {
    "not_home", "refused", "address_not_found", "damaged", "other"};

/* ---- Policy ---- */

static void rule_set(orders_recovery_rule *r, const char *reason, const char *action,
                     const char *mode) {
    memset(r, 0, sizeof *r);
    lm_strlcpy(r->reason, reason, sizeof r->reason);
    lm_strlcpy(r->action, action, sizeof r->action);
    lm_strlcpy(r->reschedule, mode, sizeof r->reschedule);
    r->max_attempts = 3;
}

void orders_recovery_defaults(orders_recovery_policy *p) {
    memset(p, 0, sizeof *p);
    rule_set(&p->rules[0], "not_home", "reschedule", "next_day");
    rule_set(&p->rules[1], "refused", "return_to_stock", "");
    rule_set(&p->rules[2], "address_not_found", "reschedule", "customer");
    rule_set(&p->rules[3], "damaged", "case", "");
    rule_set(&p->rules[4], "other", "reschedule", "next_day");
    p->n_rules = STORE_RECOVERY_REASONS;
}

lm_status orders_recovery_policy_check(const orders_recovery_policy *p, lm_errinfo *err) {
    if (p->n_rules != STORE_RECOVERY_REASONS)
        return lm_errinfo_set(err, LM_INVALID, "rules",
                              "one rule for each reason: not_home, refused, address_not_found, "
                              "damaged, other");
    for (size_t i = 0; i < p->n_rules; i++) {
        const orders_recovery_rule *r = &p->rules[i];
        char f[64];
        bool known = false;
        for (size_t k = 0; k < STORE_RECOVERY_REASONS; k++)
            known |= !strcmp(r->reason, reasons[k]);
        snprintf(f, sizeof f, "rules[%zu].reason", i);
        if (!known)
            return lm_errinfo_set(err, LM_INVALID, f,
                                  "must be not_home, refused, address_not_found, damaged or "
                                  "other");
        for (size_t k = 0; k < i; k++)
            if (!strcmp(p->rules[k].reason, r->reason))
                return lm_errinfo_set(err, LM_INVALID, f, "reason '%s' is given twice", r->reason);
        bool resched = !strcmp(r->action, "reschedule");
        snprintf(f, sizeof f, "rules[%zu].action", i);
        if (!resched && strcmp(r->action, "return_to_stock") && strcmp(r->action, "case"))
            return lm_errinfo_set(err, LM_INVALID, f,
                                  "must be reschedule, return_to_stock or case");
        snprintf(f, sizeof f, "rules[%zu].reschedule", i);
        if (resched && strcmp(r->reschedule, "next_day") && strcmp(r->reschedule, "customer"))
            return lm_errinfo_set(err, LM_INVALID, f,
                                  "a reschedule needs reschedule next_day or customer");
        if (!resched && r->reschedule[0])
            return lm_errinfo_set(err, LM_INVALID, f, "only a reschedule action takes a mode");
        snprintf(f, sizeof f, "rules[%zu].max_attempts", i);
        if (r->max_attempts < 1 || r->max_attempts > 10)
            return lm_errinfo_set(err, LM_INVALID, f, "must be 1..10");
    }
    return LM_OK;
}

lm_status orders_recovery_policy_get(store_read *r, orders_recovery_policy *out, lm_errinfo *err) {
    lm_status rc = store_recovery_policy_get(r, out, err);
    if (rc == LM_NOT_FOUND) {
        lm_errinfo_clear(err);
        orders_recovery_defaults(out);
        return LM_OK;
    }
    return rc;
}

lm_status orders_recovery_policy_put_tx(store_tx *tx, orders_recovery_policy *p, const char *actor,
                                        int64_t now_ms, lm_errinfo *err) {
    lm_status rc = orders_recovery_policy_check(p, err);
    if (rc != LM_OK) return rc;
    orders_recovery_policy cur;
    if ((rc = orders_recovery_policy_get(store_tx_read(tx), &cur, err)) != LM_OK) return rc;
    p->version = cur.version + 1;
    p->updated_ms = now_ms;
    lm_strlcpy(p->actor, actor ? actor : "", sizeof p->actor);
    if ((rc = store_recovery_policy_put(tx, p, err)) != LM_OK) return rc;
    lm_buf b;
    lm_buf_init(&b, 2048);
    rc = lm_buf_printf(&b, "{\"version\":%" PRId64 ",\"actor\":", p->version);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, p->actor);
    if (rc == LM_OK) rc = lm_buf_append(&b, ",\"rules\":[", 10);
    for (size_t i = 0; i < p->n_rules && rc == LM_OK; i++)
        rc = lm_buf_printf(&b,
                           "%s{\"reason\":\"%s\",\"action\":\"%s\",\"reschedule\":\"%s\","
                           "\"max_attempts\":%" PRId64 "}",
                           i ? "," : "", p->rules[i].reason, p->rules[i].action,
                           p->rules[i].reschedule, p->rules[i].max_attempts);
    if (rc == LM_OK) rc = lm_buf_append(&b, "]}", 2);
    if (rc == LM_OK)
        rc = store_event_append(tx, "recovery.policy_changed", "recovery_policy", "1", b.data);
    lm_buf_free(&b);
    return rc;
}

const orders_recovery_rule *orders_recovery_rule_for(const orders_recovery_policy *p,
                                                     const char *reason) {
    for (size_t i = 0; reason && i < p->n_rules; i++)
        if (!strcmp(p->rules[i].reason, reason)) return &p->rules[i];
    return NULL;
}

/* ---- After a failed attempt ---- */

static lm_status recovery_event(store_tx *tx, const orders_recovery *rec) {
    char id[24], body[512];
    snprintf(id, sizeof id, "%" PRId64, rec->order_id);
    int n = snprintf(body, sizeof body,
                     "{\"order_id\":%" PRId64 ",\"attempts\":%" PRId64
                     ",\"reason\":\"%s\",\"action\":\"%s\",\"mode\":\"%s\",\"state\":\"%s\","
                     "\"next_start_s\":%" PRId64 ",\"next_end_s\":%" PRId64
                     ",\"checked_in_ms\":%" PRId64 "}",
                     rec->order_id, rec->attempts, rec->last_reason, rec->action, rec->mode,
                     rec->state, rec->next_start_s, rec->next_end_s, rec->checked_in_ms);
    if (n < 0 || (size_t)n >= sizeof body) return LM_TOO_BIG;
    return store_event_append(tx, "order.recovery", "order", id, body);
}

/* The next day's window: the order's first window moved by whole days to the first local day
 * after now; without windows, the depot's opening hours that day. Local days are those of the
 * offset the server runs with (store meta utc_offset_s, UTC when none was stored): a parcel that
 * failed at 23:30 in Paris comes back tomorrow in Paris, not on the UTC day after. */
static lm_status next_day_window(store_read *r, const orders_order *ord, int64_t now_s,
                                 store_window *out, lm_errinfo *err) {
    int64_t off = 0;
    bool found = false;
    lm_status rc = store_meta_get(r, "utc_offset_s", &off, &found);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, NULL, "reading the local clock");
    if (!found) off = 0;
    int64_t local = now_s + off;
    int64_t tomorrow = ((local >= 0 ? local / 86400 : (local - 86399) / 86400) + 1) * 86400 - off;
    if (ord->n_windows) {
        store_window w = ord->windows[0];
        int64_t days = w.start_s >= tomorrow ? 0 : (tomorrow - w.start_s + 86399) / 86400;
        out->start_s = w.start_s + days * 86400;
        out->end_s = w.end_s + days * 86400;
        return LM_OK;
    }
    store_depot d;
    rc = store_depot_get(r, ord->depot_id, &d, err);
    if (rc != LM_OK) return rc;
    out->start_s = tomorrow + d.open_s;
    out->end_s = tomorrow + d.close_s;
    return LM_OK;
}

lm_status orders_recovery_on_failure_tx(store_tx *tx, int64_t order_id, const char *reason,
                                        int64_t now_ms, orders_recovery *out, lm_errinfo *err) {
    store_read *r = store_tx_read(tx);
    orders_recovery rec = {0};
    lm_status rc = store_order_recovery_get(r, order_id, &rec, err);
    if (rc == LM_NOT_FOUND) {
        lm_errinfo_clear(err);
        memset(&rec, 0, sizeof rec);
        rec.order_id = order_id;
    } else if (rc != LM_OK) {
        return rc;
    }
    orders_order ord = {0};
    if ((rc = store_order_get(r, order_id, &ord, err)) != LM_OK) return rc;
    rec.attempts++;
    lm_strlcpy(rec.last_reason, reason, sizeof rec.last_reason);
    rec.next_start_s = rec.next_end_s = 0;
    rec.checked_in_ms = 0;
    rec.updated_ms = now_ms;
    rec.mode[0] = '\0';
    if (strcmp(ord.status, "failed")) { /* dispatch retries later today */
        lm_strlcpy(rec.action, "retry_today", sizeof rec.action);
        lm_strlcpy(rec.state, "retry_today", sizeof rec.state);
    } else {
        orders_recovery_policy p;
        if ((rc = orders_recovery_policy_get(r, &p, err)) != LM_OK) goto done;
        const orders_recovery_rule *rule = orders_recovery_rule_for(&p, reason);
        const char *action = rule ? rule->action : "return_to_stock";
        if (!strcmp(action, "reschedule") && rec.attempts >= rule->max_attempts)
            action = "return_to_stock"; /* enough tries: the goods go back on sale */
        lm_strlcpy(rec.action, action, sizeof rec.action);
        lm_strlcpy(rec.state, "awaiting_checkin", sizeof rec.state);
        if (!strcmp(action, "reschedule")) {
            lm_strlcpy(rec.mode, rule->reschedule, sizeof rec.mode);
            store_window w = {0};
            if (!strcmp(rule->reschedule, "next_day") &&
                (rc = next_day_window(r, &ord, now_ms / 1000, &w, err)) != LM_OK)
                goto done;
            rec.next_start_s = w.start_s;
            rec.next_end_s = w.end_s;
        } else if (!strcmp(action, "case")) {
            /* the after-sales case itself is the returns module's (api/recovery_case.c opens it
             * in this transaction): orders/ does not call its side modules */
            lm_strlcpy(rec.state, "case_needed", sizeof rec.state);
        }
    }
    if ((rc = store_order_recovery_put(tx, &rec, err)) == LM_OK) rc = recovery_event(tx, &rec);
    if (rc == LM_OK && out) *out = rec;
done:
    store_order_clear(&ord);
    return rc;
}

/* ---- Check-in and the customer's choice ---- */

/* Holds the parcel's units for the order again: back on hand and reserved, so that the next
 * departure (out_for_delivery) takes them off exactly once more. */
static lm_status units_hold(store_tx *tx, const orders_order *ord, lm_errinfo *err) {
    lm_status rc = LM_OK;
    for (size_t i = 0; i < ord->n_lines && rc == LM_OK; i++)
        rc = store_stock_adjust(tx, ord->depot_id, ord->lines[i].sku, ord->lines[i].qty,
                                ord->lines[i].qty, err);
    return rc;
}

/* The order back in the planning pool for rec's window. */
static lm_status reattempt(orders_svc *o, store_tx *tx, orders_order *ord, orders_recovery *rec,
                           lm_errinfo *err) {
    store_window w = {rec->next_start_s, rec->next_end_s};
    lm_status rc = store_order_windows_set(tx, ord->id, &w, 1, err);
    if (rc != LM_OK) return rc;
    char extra[96];
    snprintf(extra, sizeof extra, "\"attempt\":%" PRId64, rec->attempts + 1);
    if ((rc = orders__order_move(o, tx, ord, ORDERS_READY, extra)) != LM_OK) return rc;
    if ((rc = store_order_update(tx, ord, err)) != LM_OK) return rc;
    lm_strlcpy(rec->state, "rescheduled", sizeof rec->state);
    return LM_OK;
}

static lm_status load_failed(store_tx *tx, int64_t order_id, orders_order *ord,
                             orders_recovery *rec, lm_errinfo *err) {
    store_read *r = store_tx_read(tx);
    lm_status rc = store_order_get(r, order_id, ord, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, rc, "id", "order %" PRId64 " not found", order_id);
    if (rc != LM_OK) return rc;
    rc = store_order_recovery_get(r, order_id, rec, err);
    if (rc == LM_NOT_FOUND || (rc == LM_OK && strcmp(ord->status, "failed")))
        return lm_errinfo_set(err, LM_CONFLICT, "status",
                              "order %" PRId64 " is %s; only a failed delivery is recovered",
                              order_id, ord->status);
    return rc;
}

lm_status orders_recovery_checkin_tx(orders_svc *o, store_tx *tx, int64_t order_id, int64_t now_ms,
                                     orders_recovery *out, lm_errinfo *err) {
    orders_order ord = {0};
    orders_recovery rec;
    lm_status rc = load_failed(tx, order_id, &ord, &rec, err);
    if (rc != LM_OK) goto done;
    if (rec.checked_in_ms) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "id",
                            "the parcel of order %" PRId64 " was checked in already", order_id);
        goto done;
    }
    rec.checked_in_ms = rec.updated_ms = now_ms;
    if (!strcmp(rec.action, "return_to_stock")) {
        for (size_t i = 0; i < ord.n_lines && rc == LM_OK; i++)
            rc = orders_stock_return_tx(o, tx, ord.depot_id, ord.lines[i].sku, ord.lines[i].qty,
                                        err);
        lm_strlcpy(rec.state, "returned_to_stock", sizeof rec.state);
    } else if (!strcmp(rec.action, "reschedule")) {
        rc = units_hold(tx, &ord, err);
        if (rc == LM_OK && rec.next_start_s)
            rc = reattempt(o, tx, &ord, &rec, err);
        else
            lm_strlcpy(rec.state, "awaiting_customer", sizeof rec.state);
    } /* a case: the damaged or refused parcel waits for the case's decision, off sale */
    if (rc == LM_OK) rc = store_order_recovery_put(tx, &rec, err);
    if (rc == LM_OK) rc = recovery_event(tx, &rec);
    if (rc == LM_OK && out) *out = rec;
done:
    store_order_clear(&ord);
    return rc;
}

lm_status orders_recovery_choose_tx(orders_svc *o, store_tx *tx, int64_t order_id, store_window w,
                                    int64_t now_ms, orders_recovery *out, lm_errinfo *err) {
    orders_order ord = {0};
    orders_recovery rec;
    lm_status rc = load_failed(tx, order_id, &ord, &rec, err);
    if (rc != LM_OK) goto done;
    bool open = !strcmp(rec.action, "reschedule") && !strcmp(rec.mode, "customer") &&
                (!strcmp(rec.state, "awaiting_checkin") || !strcmp(rec.state, "awaiting_customer"));
    if (!open) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "state",
                            "no choice of window is open for this order (%s)", rec.state);
        goto done;
    }
    rec.next_start_s = w.start_s;
    rec.next_end_s = w.end_s;
    rec.updated_ms = now_ms;
    if (rec.checked_in_ms) rc = reattempt(o, tx, &ord, &rec, err);
    if (rc == LM_OK) rc = store_order_recovery_put(tx, &rec, err);
    if (rc == LM_OK) rc = recovery_event(tx, &rec);
    if (rc == LM_OK && out) *out = rec;
done:
    store_order_clear(&ord);
    return rc;
}

lm_status orders_recovery_get(store_read *r, int64_t order_id, orders_recovery *out,
                              lm_errinfo *err) {
    return store_order_recovery_get(r, order_id, out, err);
}
