/* feedback/tick.c: the periodic work: SLA events and escalation, surveys after deliveries read
 * from the event log, closing resolved tickets after the reopen window, and retention. Each
 * event is raised in the transaction that records it was raised, so a crash or restart can
 * neither lose nor repeat one. */
#include "feedback/internal.h"
#include "store/store_orders.h"

#include <stdio.h>
#include <string.h>

#define SLA_BATCH    100
#define SURVEY_BATCH 1000
#define CLOSE_BATCH  200
#define BATCHES_MAX  50 /* per part and tick: a backlog is worked off over several ticks */
#define CURSOR_KEY   "feedback.event_cursor"

/* ---- SLA events and escalation ---- */

static lm_status sla_event(store_tx *tx, const feedback_complaint *c, const char *type,
                           const char *clock, int64_t due_ms) {
    feedback__ev e;
    feedback__ev_begin(&e);
    feedback__ev_complaint(&e, c);
    lm_jw_str(&e.w, "clock", clock);
    lm_jw_int(&e.w, "due_ms", due_ms);
    return feedback__ev_append(&e, tx, type, "complaint", c->id);
}

/* The escalation rule of a breach: one priority step up, the escalation assignee, an entry in
 * the order's exception queue for the dispatcher. */
static lm_status escalate(store_tx *tx, int64_t now_ms, const feedback_settings *set,
                          feedback_complaint *c, const char *clock, lm_errinfo *err) {
    int from = c->priority;
    if (c->priority < FEEDBACK_PRIO_URGENT) c->priority++;
    if (set->escalate_to[0]) lm_strlcpy(c->assignee, set->escalate_to, sizeof c->assignee);
    c->escalations++;
    c->updated_ms = now_ms;
    feedback__ev e;
    feedback__ev_begin(&e);
    feedback__ev_complaint(&e, c);
    lm_jw_str(&e.w, "clock", clock);
    lm_jw_str(&e.w, "from_priority", feedback_priority_name((feedback_priority)from));
    lm_jw_int(&e.w, "escalations", c->escalations);
    lm_status rc = feedback__ev_append(&e, tx, "complaint.escalated", "complaint", c->id);
    if (rc != LM_OK || c->order_id <= 0) return rc;
    store_exception x;
    memset(&x, 0, sizeof x);
    x.order_id = c->order_id;
    snprintf(x.rule, sizeof x.rule, "sla.%s", clock);
    snprintf(x.field, sizeof x.field, "complaint.%lld", (long long)c->id);
    snprintf(x.message, sizeof x.message,
             "complaint %lld (%s) missed its %s target; now %s priority", (long long)c->id,
             feedback_category_name((feedback_category)c->category),
             !strcmp(clock, "first_response") ? "first-response" : "resolution",
             feedback_priority_name((feedback_priority)c->priority));
    x.created_ms = now_ms;
    return store_exception_add(tx, &x, err);
}

/* Raises what is due on one clock: the breach (with escalation) once its due time has come,
 * else the imminent warning once its moment has come. A warning whose breach is already due is
 * marked raised without an event: it would arrive after the fact. */
static lm_status clock_due(store_tx *tx, int64_t now_ms, const feedback_settings *set,
                           feedback_complaint *c, bool running, uint32_t imm_bit, uint32_t br_bit,
                           int64_t imm_ms, int64_t due_ms, const char *clock,
                           feedback_tick_result *res, lm_errinfo *err) {
    if (!running) return LM_OK;
    lm_status rc = LM_OK;
    if (!(c->sla_sent & br_bit) && due_ms <= now_ms) {
        c->sla_sent |= imm_bit | br_bit;
        if ((rc = sla_event(tx, c, "sla.breached", clock, due_ms)) != LM_OK) return rc;
        res->breached++;
        if ((rc = escalate(tx, now_ms, set, c, clock, err)) != LM_OK) return rc;
        res->escalated++;
    } else if (!(c->sla_sent & imm_bit) && imm_ms > 0 && imm_ms <= now_ms) {
        c->sla_sent |= imm_bit;
        if ((rc = sla_event(tx, c, "sla.breach_imminent", clock, due_ms)) != LM_OK) return rc;
        res->imminent++;
    }
    return rc;
}

static lm_status sla_batch(feedback *fb, int64_t now_ms, feedback_tick_result *res, bool *more,
                           lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(fb->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot begin a transaction");
    store_read *r = store_tx_read(tx);
    int64_t *ids = NULL;
    size_t n = 0;
    feedback_settings set;
    if ((rc = feedback_settings_get(r, &set, err)) != LM_OK ||
        (rc = store_complaint_sla_due(r, now_ms, SLA_BATCH, &ids, &n, err)) != LM_OK)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        feedback_complaint c;
        if ((rc = store_complaint_get(r, ids[i], &c, err)) != LM_OK) goto fail;
        if ((rc = clock_due(tx, now_ms, &set, &c, feedback__fr_running(&c),
                            FEEDBACK_SLA_FR_IMMINENT, FEEDBACK_SLA_FR_BREACHED, c.fr_imminent_ms,
                            c.fr_due_ms, "first_response", res, err)) != LM_OK ||
            (rc = clock_due(tx, now_ms, &set, &c, feedback__res_running(&c),
                            FEEDBACK_SLA_RES_IMMINENT, FEEDBACK_SLA_RES_BREACHED, c.res_imminent_ms,
                            c.res_due_ms, "resolution", res, err)) != LM_OK)
            goto fail;
        feedback__sla_next(&c);
        if ((rc = store_complaint_update(tx, &c, err)) != LM_OK) goto fail;
    }
    lm_free(ids);
    *more = n == SLA_BATCH;
    if (n == 0) {
        store_tx_rollback(tx);
        return LM_OK;
    }
    rc = store_tx_commit(tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "commit failed");
    return LM_OK;
fail:
    lm_free(ids);
    store_tx_rollback(tx);
    return rc;
}

/* ---- Surveys from the event log ---- */

static lm_status survey_batch(feedback *fb, int64_t now_ms, feedback_tick_result *res, bool *more,
                              lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(fb->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot begin a transaction");
    store_read *r = store_tx_read(tx);
    store_event *ev = NULL;
    size_t n = 0;
    int64_t cursor = 0;
    bool found = false;
    feedback_settings set;
    if ((rc = feedback_settings_get(r, &set, err)) != LM_OK ||
        (rc = store_meta_get(r, CURSOR_KEY, &cursor, &found)) != LM_OK ||
        (rc = store_events_since(r, cursor, SURVEY_BATCH, &ev, &n)) != LM_OK)
        goto fail;
    /* the cursor moves while surveys are off too: switching them on never surveys the past */
    for (size_t i = 0; i < n; i++) {
        int64_t stop_id = 0;
        bool asked = false;
        if (!strcmp(ev[i].type, "stop.delivered") && ev[i].entity_id &&
            lm_parse_i64(ev[i].entity_id, 1, INT64_MAX, &stop_id)) {
            if ((rc = feedback__survey_ask(tx, now_ms, &set, stop_id, &asked, err)) != LM_OK)
                goto fail;
            res->surveys += asked;
        }
        cursor = ev[i].seq;
    }
    *more = n == SURVEY_BATCH;
    store_events_free(ev, n);
    ev = NULL;
    if (n == 0) {
        store_tx_rollback(tx);
        return LM_OK;
    }
    if ((rc = store_meta_put(tx, CURSOR_KEY, cursor)) != LM_OK) goto fail;
    rc = store_tx_commit(tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "commit failed");
    return LM_OK;
fail:
    store_events_free(ev, n);
    store_tx_rollback(tx);
    return rc;
}

/* ---- Closing after the reopen window; retention ---- */

static lm_status close_batch(feedback *fb, int64_t now_ms, feedback_tick_result *res, bool *more,
                             lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(fb->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot begin a transaction");
    store_read *r = store_tx_read(tx);
    int64_t *ids = NULL;
    size_t n = 0;
    int64_t erased = 0;
    feedback_settings set;
    if ((rc = feedback_settings_get(r, &set, err)) != LM_OK ||
        (rc = store_complaint_resolved_before(r, FEEDBACK_STATUS_RESOLVED,
                                              now_ms - set.reopen_window_s * 1000, CLOSE_BATCH,
                                              &ids, &n, err)) != LM_OK)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        feedback_complaint c;
        if ((rc = store_complaint_get(r, ids[i], &c, err)) != LM_OK ||
            (rc = feedback__complaint_expire(tx, now_ms, &c, err)) != LM_OK)
            goto fail;
    }
    if (set.retention_days > 0 &&
        (rc = store_complaint_msgs_erase(tx, FEEDBACK_STATUS_CLOSED,
                                         now_ms - set.retention_days * 86400 * 1000, &erased,
                                         err)) != LM_OK)
        goto fail;
    lm_free(ids);
    *more = n == CLOSE_BATCH;
    if (n == 0 && erased == 0) {
        store_tx_rollback(tx);
        return LM_OK;
    }
    rc = store_tx_commit(tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "commit failed");
    res->closed += n;
    res->erased += erased;
    return LM_OK;
fail:
    lm_free(ids);
    store_tx_rollback(tx);
    return rc;
}

lm_status feedback_tick(feedback *fb, int64_t now_ms, feedback_tick_result *out, lm_errinfo *err) {
    typedef lm_status (*part_fn)(feedback *, int64_t, feedback_tick_result *, bool *, lm_errinfo *);
    static const part_fn parts[] = {sla_batch, survey_batch, close_batch};
    feedback_tick_result res;
    memset(&res, 0, sizeof res);
    for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
        bool more = true;
        for (int b = 0; b < BATCHES_MAX && more; b++) {
            more = false;
            lm_status rc = parts[p](fb, now_ms, &res, &more, err);
            if (rc != LM_OK) return rc;
        }
    }
    if (out) *out = res;
    return LM_OK;
}
