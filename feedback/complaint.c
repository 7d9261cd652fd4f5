/* feedback/complaint.c: complaint tickets: opening (by customers, staff, or automatically), the
 * status machine with its role rules and reopen window, public replies and internal notes,
 * staff changes (assignee, priority, category, sharing with the driver), and who sees what. */
#include "dispatch/dispatch.h"
#include "feedback/internal.h"

#include <stdio.h>
#include <string.h>

#define OPEN_PER_ORDER_MAX 10 /* tickets not yet resolved per order: bounds a flooding token */

static uint32_t open_mask(void) {
    return (1u << FEEDBACK_STATUS_NEW) | (1u << FEEDBACK_STATUS_ACKNOWLEDGED) |
           (1u << FEEDBACK_STATUS_IN_PROGRESS);
}

static lm_status add_msg(store_tx *tx, int64_t now_ms, int64_t complaint_id, int author_kind,
                         const char *author_id, bool internal, const char *text, feedback_msg *out,
                         lm_errinfo *err) {
    feedback_msg *m = lm_calloc(1, sizeof *m);
    if (!m) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    m->complaint_id = complaint_id;
    m->author_kind = author_kind;
    lm_strlcpy(m->author_id, author_id ? author_id : "", sizeof m->author_id);
    m->internal = internal;
    lm_strlcpy(m->text, text, sizeof m->text);
    m->created_ms = now_ms;
    lm_status rc = store_complaint_msg_insert(tx, m, &m->id, err);
    if (rc == LM_OK && out) *out = *m;
    lm_free(m);
    return rc;
}

static lm_status check_in(const feedback_complaint_in *in, lm_errinfo *err) {
    if ((int)in->category < 0 || in->category >= FEEDBACK__CAT_COUNT)
        return lm_errinfo_set(err, LM_INVALID, "category",
                              "category must be lateness, damage, missing_item, wrong_item, "
                              "driver_conduct, billing or other");
    if (in->priority < -1 || in->priority >= FEEDBACK__PRIO_COUNT)
        return lm_errinfo_set(err, LM_INVALID, "priority",
                              "priority must be low, normal, high or urgent");
    lm_status rc;
    if ((rc = feedback_text_check(in->subject, FEEDBACK_SUBJECT_MAX, false, "subject", err)) !=
            LM_OK ||
        (rc = feedback_text_check(in->text, FEEDBACK_TEXT_MAX, true, "text", err)) != LM_OK ||
        (rc = feedback_text_check(in->case_ref, STORE_FB_REF_MAX, false, "case_ref", err)) != LM_OK)
        return rc;
    if (in->source == FEEDBACK_SOURCE_AFTER_SALES && (!in->case_ref || !*in->case_ref))
        return lm_errinfo_set(err, LM_INVALID, "case_ref",
                              "an after_sales ticket needs the case reference");
    return LM_OK;
}

static lm_status count_open(store_read *r, int64_t order_id, size_t *n_open, lm_errinfo *err) {
    store_complaint_filter f = {
        .order_id = order_id, .status_mask = open_mask(), .limit = OPEN_PER_ORDER_MAX + 1};
    feedback_complaint *list = NULL;
    lm_status rc = store_complaint_list(r, &f, &list, n_open, err);
    lm_free(list);
    return rc;
}

lm_status feedback__complaint_open(store_tx *tx, int64_t now_ms, const feedback_actor *who,
                                   const feedback_complaint_in *in, int64_t rating_id,
                                   feedback_complaint *out, lm_errinfo *err) {
    lm_status rc = check_in(in, err);
    if (rc != LM_OK) return rc;
    store_read *r = store_tx_read(tx);
    int64_t order_id = who->kind == FEEDBACK_ACTOR_CUSTOMER ? who->order_id : in->order_id;
    feedback__links links;
    memset(&links, 0, sizeof links);
    if (order_id > 0) {
        if ((rc = feedback__links_get(r, order_id, 0, &links, err)) != LM_OK) return rc;
        size_t n_open = 0;
        if ((rc = count_open(r, order_id, &n_open, err)) != LM_OK) return rc;
        if (n_open >= OPEN_PER_ORDER_MAX)
            return lm_errinfo_set(err, LM_CONFLICT, "order_id",
                                  "order %lld already has %d open tickets", (long long)order_id,
                                  OPEN_PER_ORDER_MAX);
    }
    if (in->source == FEEDBACK_SOURCE_DISPUTE &&
        (!links.has_stop || links.stop_status != DISPATCH_STOP_FAILED))
        return lm_errinfo_set(err, LM_CONFLICT, "source",
                              "a dispute needs a failed delivery attempt, and order %lld's "
                              "latest attempt did not fail",
                              (long long)order_id);
    feedback_settings set;
    if ((rc = feedback_settings_get(r, &set, err)) != LM_OK) return rc;

    feedback_complaint c;
    memset(&c, 0, sizeof c);
    c.order_id = order_id;
    c.stop_id = links.stop_id;
    c.rating_id = rating_id;
    c.plan_id = links.plan_id;
    lm_strlcpy(c.driver_id, links.driver_id, sizeof c.driver_id);
    lm_strlcpy(c.vehicle_id, links.vehicle_id, sizeof c.vehicle_id);
    lm_strlcpy(c.depot_id, links.depot_id, sizeof c.depot_id);
    c.source = in->source;
    c.category = in->category;
    c.priority = in->priority < 0 ? FEEDBACK_PRIO_NORMAL : in->priority;
    c.status = FEEDBACK_STATUS_NEW;
    lm_strlcpy(c.subject, in->subject ? in->subject : "", sizeof c.subject);
    lm_strlcpy(c.case_ref, in->case_ref ? in->case_ref : "", sizeof c.case_ref);
    c.created_ms = c.updated_ms = c.clock_start_ms = now_ms;
    if ((rc = feedback__sla_arm(r, &set, &c, true, true, err)) != LM_OK) return rc;
    if ((rc = store_complaint_insert(tx, &c, &c.id, err)) != LM_OK) return rc;
    if (in->text && *in->text) {
        /* what the customer wrote stays theirs, whoever files it (a rating's comment) */
        bool customer_words = in->source == FEEDBACK_SOURCE_CUSTOMER ||
                              in->source == FEEDBACK_SOURCE_DISPUTE ||
                              in->source == FEEDBACK_SOURCE_RATING;
        int author = customer_words ? FEEDBACK_ACTOR_CUSTOMER : (int)who->kind;
        const char *author_id = customer_words ? "" : who->id;
        if ((rc = add_msg(tx, now_ms, c.id, author, author_id, false, in->text, NULL, err)) !=
            LM_OK)
            return rc;
    }
    feedback__ev e;
    feedback__ev_begin(&e);
    feedback__ev_complaint(&e, &c);
    lm_jw_str(&e.w, "by", feedback__actor_name(who->kind));
    if (c.case_ref[0]) lm_jw_str(&e.w, "case_ref", c.case_ref);
    if ((rc = feedback__ev_append(&e, tx, "complaint.opened", "complaint", c.id)) != LM_OK)
        return rc;
    if (out) *out = c;
    return LM_OK;
}

lm_status feedback_complaint_open(feedback *fb, store_tx *tx, const feedback_actor *who,
                                  const feedback_complaint_in *in, feedback_complaint *out,
                                  lm_errinfo *err) {
    bool ok = false;
    switch (who->kind) {
    case FEEDBACK_ACTOR_CUSTOMER:
        ok = in->source == FEEDBACK_SOURCE_CUSTOMER || in->source == FEEDBACK_SOURCE_DISPUTE;
        if (ok && in->priority != -1)
            return lm_errinfo_set(err, LM_INVALID, "priority",
                                  "customers cannot set a ticket's priority");
        if (ok && (!in->text || !*in->text))
            return lm_errinfo_set(err, LM_INVALID, "text", "text is required: say what happened");
        if (ok && who->order_id <= 0)
            return lm_errinfo_set(err, LM_NOT_FOUND, "token", "unknown tracking token");
        break;
    case FEEDBACK_ACTOR_STAFF:
        ok = in->source == FEEDBACK_SOURCE_STAFF || in->source == FEEDBACK_SOURCE_AFTER_SALES;
        break;
    case FEEDBACK_ACTOR_SYSTEM:
        ok = (int)in->source >= 0 && in->source < FEEDBACK__SOURCE_COUNT;
        break;
    case FEEDBACK_ACTOR_DRIVER: ok = false; break;
    }
    if (!ok)
        return lm_errinfo_set(err, who->kind == FEEDBACK_ACTOR_DRIVER ? LM_FORBIDDEN : LM_INVALID,
                              "source", "a %s cannot open a ticket with source %s",
                              feedback__actor_name(who->kind), feedback_source_name(in->source));
    return feedback__complaint_open(tx, fb->now_ms(), who, in, 0, out, err);
}

/* ---- Reading one ticket, as who may see it ---- */

static bool visible(const feedback_actor *who, const feedback_complaint *c) {
    switch (who->kind) {
    case FEEDBACK_ACTOR_STAFF:
    case FEEDBACK_ACTOR_SYSTEM: return true;
    case FEEDBACK_ACTOR_CUSTOMER: return who->order_id > 0 && c->order_id == who->order_id;
    case FEEDBACK_ACTOR_DRIVER:
        return c->driver_shared && who->id && *who->id && !strcmp(c->driver_id, who->id);
    }
    return false;
}

static lm_status load(store_read *r, const feedback_actor *who, int64_t id, feedback_complaint *c,
                      lm_errinfo *err) {
    lm_status rc = store_complaint_get(r, id, c, err);
    if (rc == LM_OK && !visible(who, c)) rc = LM_NOT_FOUND;
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_NOT_FOUND, "id", "no complaint %lld", (long long)id);
    return rc;
}

lm_status feedback_complaint_get(store_read *r, const feedback_actor *who, int64_t id,
                                 feedback_complaint *out, feedback_msg **msgs, size_t *n_msgs,
                                 lm_errinfo *err) {
    feedback_complaint c;
    lm_status rc = load(r, who, id, &c, err);
    if (rc != LM_OK) return rc;
    if (msgs) {
        bool internal = who->kind == FEEDBACK_ACTOR_STAFF || who->kind == FEEDBACK_ACTOR_SYSTEM;
        if ((rc = store_complaint_msgs(r, id, internal, msgs, n_msgs, err)) != LM_OK) return rc;
    }
    if (who->kind != FEEDBACK_ACTOR_STAFF && who->kind != FEEDBACK_ACTOR_SYSTEM)
        c.assignee[0] = '\0'; /* who handles it inside is nobody else's business */
    *out = c;
    return LM_OK;
}

/* ---- The status machine ---- */

static lm_status refuse_action(const feedback_complaint *c, feedback_action a, lm_errinfo *err) {
    char allowed[128] = "";
    size_t len = 0;
    for (int i = 0; i < FEEDBACK__ACTION_COUNT; i++)
        if (feedback_action_allowed((feedback_status)c->status, (feedback_action)i, NULL)) {
            int w = snprintf(allowed + len, sizeof allowed - len, "%s%s", len ? ", " : "",
                             feedback_action_name((feedback_action)i));
            if (w > 0 && (size_t)w < sizeof allowed - len) len += (size_t)w;
        }
    return lm_errinfo_set(
        err, LM_CONFLICT, "action", "cannot %s complaint %lld: it is %s (allowed from there: %s)",
        feedback_action_name(a), (long long)c->id, feedback_status_name((feedback_status)c->status),
        len ? allowed : "nothing");
}

static const char *action_event(feedback_action a) {
    switch (a) {
    case FEEDBACK_ACTION_ACKNOWLEDGE: return "complaint.acknowledged";
    case FEEDBACK_ACTION_START: return "complaint.in_progress";
    case FEEDBACK_ACTION_RESOLVE: return "complaint.resolved";
    case FEEDBACK_ACTION_CLOSE: return "complaint.closed";
    case FEEDBACK_ACTION_REOPEN: return "complaint.reopened";
    case FEEDBACK__ACTION_COUNT: break;
    }
    return "complaint.updated";
}

static lm_status status_event(store_tx *tx, const feedback_complaint *c, feedback_action a,
                              feedback_status from, const feedback_actor *who) {
    feedback__ev e;
    feedback__ev_begin(&e);
    feedback__ev_complaint(&e, c);
    lm_jw_str(&e.w, "from", feedback_status_name(from));
    lm_jw_str(&e.w, "by", feedback__actor_name(who->kind));
    if (a == FEEDBACK_ACTION_REOPEN) lm_jw_int(&e.w, "reopens", c->reopens);
    return feedback__ev_append(&e, tx, action_event(a), "complaint", c->id);
}

lm_status feedback_complaint_act(feedback *fb, store_tx *tx, const feedback_actor *who, int64_t id,
                                 feedback_action action, const char *text, feedback_complaint *out,
                                 lm_errinfo *err) {
    if ((int)action < 0 || action >= FEEDBACK__ACTION_COUNT)
        return lm_errinfo_set(err, LM_INVALID, "action",
                              "action must be acknowledge, start, resolve, close or reopen");
    lm_status rc = feedback_text_check(text, FEEDBACK_TEXT_MAX, true, "text", err);
    if (rc != LM_OK) return rc;
    store_read *r = store_tx_read(tx);
    feedback_complaint c;
    if ((rc = load(r, who, id, &c, err)) != LM_OK) return rc;
    bool customer = who->kind == FEEDBACK_ACTOR_CUSTOMER;
    if (who->kind == FEEDBACK_ACTOR_DRIVER ||
        (customer && action != FEEDBACK_ACTION_CLOSE && action != FEEDBACK_ACTION_REOPEN))
        return lm_errinfo_set(err, LM_FORBIDDEN, "action", "a %s cannot %s a ticket",
                              feedback__actor_name(who->kind), feedback_action_name(action));
    feedback_status from = (feedback_status)c.status, to;
    if (!feedback_action_allowed(from, action, &to)) return refuse_action(&c, action, err);
    feedback_settings set;
    if ((rc = feedback_settings_get(r, &set, err)) != LM_OK) return rc;
    int64_t now = fb->now_ms();
    if (action == FEEDBACK_ACTION_REOPEN && now - c.resolved_ms > set.reopen_window_s * 1000)
        return lm_errinfo_set(err, LM_CONFLICT, "action",
                              "complaint %lld can no longer be reopened: the window of %lld s "
                              "after its resolution has passed; open a new one",
                              (long long)id, (long long)set.reopen_window_s);
    c.status = to;
    c.updated_ms = now;
    bool rearm = false;
    if (action == FEEDBACK_ACTION_RESOLVE) c.resolved_ms = now;
    if (action == FEEDBACK_ACTION_CLOSE) c.closed_ms = now;
    if (action == FEEDBACK_ACTION_REOPEN) {
        /* a fresh resolution clock with its full budget; its events may fire again, once */
        c.reopens++;
        c.resolved_ms = c.closed_ms = 0;
        c.clock_start_ms = now;
        c.sla_sent &= ~(FEEDBACK_SLA_RES_IMMINENT | FEEDBACK_SLA_RES_BREACHED);
        rearm = true;
    }
    if (rearm && (rc = feedback__sla_arm(r, &set, &c, false, true, err)) != LM_OK) return rc;
    feedback__sla_next(&c);
    if ((rc = store_complaint_update(tx, &c, err)) != LM_OK) return rc;
    if (text && *text &&
        (rc = add_msg(tx, now, c.id, who->kind, who->id, false, text, NULL, err)) != LM_OK)
        return rc;
    if ((rc = status_event(tx, &c, action, from, who)) != LM_OK) return rc;
    if (out) *out = c;
    return LM_OK;
}

lm_status feedback__complaint_expire(store_tx *tx, int64_t now_ms, feedback_complaint *c,
                                     lm_errinfo *err) {
    feedback_actor sys = {.kind = FEEDBACK_ACTOR_SYSTEM, .id = "system"};
    feedback_status from = (feedback_status)c->status;
    if (from != FEEDBACK_STATUS_RESOLVED) return LM_OK;
    c->status = FEEDBACK_STATUS_CLOSED;
    c->closed_ms = c->updated_ms = now_ms;
    feedback__sla_next(c);
    lm_status rc = store_complaint_update(tx, c, err);
    if (rc == LM_OK) rc = status_event(tx, c, FEEDBACK_ACTION_CLOSE, from, &sys);
    return rc;
}

/* ---- Messages ---- */

lm_status feedback_complaint_reply(feedback *fb, store_tx *tx, const feedback_actor *who,
                                   int64_t id, bool internal, const char *text, feedback_msg *out,
                                   lm_errinfo *err) {
    if (!text || !*text) return lm_errinfo_set(err, LM_INVALID, "text", "text is required");
    lm_status rc = feedback_text_check(text, FEEDBACK_TEXT_MAX, true, "text", err);
    if (rc != LM_OK) return rc;
    store_read *r = store_tx_read(tx);
    feedback_complaint c;
    if ((rc = load(r, who, id, &c, err)) != LM_OK) return rc;
    bool staff = who->kind == FEEDBACK_ACTOR_STAFF || who->kind == FEEDBACK_ACTOR_SYSTEM;
    if (who->kind == FEEDBACK_ACTOR_DRIVER)
        return lm_errinfo_set(err, LM_FORBIDDEN, "text", "drivers cannot write on tickets");
    if (internal && !staff)
        return lm_errinfo_set(err, LM_FORBIDDEN, "internal", "only staff write internal notes");
    if (!internal && c.status == FEEDBACK_STATUS_CLOSED)
        return lm_errinfo_set(err, LM_CONFLICT, "id", "complaint %lld is closed: reopen it first",
                              (long long)id);
    int64_t now = fb->now_ms();
    bool first_response = false, acknowledged = false;
    if (staff && !internal) {
        first_response = c.first_response_ms == 0;
        if (first_response) c.first_response_ms = now;
        acknowledged = c.status == FEEDBACK_STATUS_NEW;
        if (acknowledged) c.status = FEEDBACK_STATUS_ACKNOWLEDGED;
    }
    c.updated_ms = now;
    feedback__sla_next(&c);
    feedback_msg m;
    if ((rc = store_complaint_update(tx, &c, err)) != LM_OK ||
        (rc = add_msg(tx, now, id, who->kind, who->id, internal, text, &m, err)) != LM_OK)
        return rc;
    feedback__ev e;
    feedback__ev_begin(&e);
    feedback__ev_complaint(&e, &c);
    lm_jw_int(&e.w, "message_id", m.id);
    lm_jw_str(&e.w, "by", feedback__actor_name(who->kind));
    if (first_response) lm_jw_int(&e.w, "first_response_ms", now);
    if (acknowledged) {
        lm_jw_key(&e.w, "acknowledged");
        lm_jw_raw(&e.w, "true", 4);
    }
    rc = feedback__ev_append(&e, tx, internal ? "complaint.noted" : "complaint.replied",
                             "complaint", id);
    if (rc == LM_OK && out) *out = m;
    return rc;
}

/* ---- Staff changes ---- */

lm_status feedback_complaint_update(feedback *fb, store_tx *tx, const feedback_actor *who,
                                    int64_t id, const feedback_complaint_patch *p,
                                    feedback_complaint *out, lm_errinfo *err) {
    if (who->kind != FEEDBACK_ACTOR_STAFF && who->kind != FEEDBACK_ACTOR_SYSTEM)
        return lm_errinfo_set(err, LM_FORBIDDEN, "id", "only staff change tickets");
    if (p->priority < -1 || p->priority >= FEEDBACK__PRIO_COUNT)
        return lm_errinfo_set(err, LM_INVALID, "priority",
                              "priority must be low, normal, high or urgent");
    if (p->category < -1 || p->category >= FEEDBACK__CAT_COUNT)
        return lm_errinfo_set(err, LM_INVALID, "category", "unknown category");
    if (p->driver_shared < -1 || p->driver_shared > 1)
        return lm_errinfo_set(err, LM_INVALID, "driver_shared", "driver_shared must be a boolean");
    lm_status rc = feedback_text_check(p->assignee, STORE_FB_ID_MAX, false, "assignee", err);
    if (rc != LM_OK) return rc;
    store_read *r = store_tx_read(tx);
    feedback_complaint c;
    if ((rc = load(r, who, id, &c, err)) != LM_OK) return rc;
    feedback__ev e;
    feedback__ev_begin(&e);
    lm_jw_open(&e.w, "changed", "[");
    if (p->assignee && strcmp(p->assignee, c.assignee)) {
        lm_strlcpy(c.assignee, p->assignee, sizeof c.assignee);
        lm_jw_str(&e.w, NULL, "assignee");
    }
    bool budgets = false;
    if (p->priority >= 0 && p->priority != c.priority) {
        c.priority = p->priority;
        budgets = true;
        lm_jw_str(&e.w, NULL, "priority");
    }
    if (p->category >= 0 && p->category != c.category) {
        c.category = p->category;
        budgets = true;
        lm_jw_str(&e.w, NULL, "category");
    }
    if (p->driver_shared >= 0 && (p->driver_shared == 1) != c.driver_shared) {
        c.driver_shared = p->driver_shared == 1;
        lm_jw_str(&e.w, NULL, "driver_shared");
    }
    lm_jw_close(&e.w, "]");
    if (budgets) { /* new budgets for the clocks still counting, from where each started */
        feedback_settings set;
        rc = feedback_settings_get(r, &set, err);
        bool fr = feedback__fr_running(&c) && !(c.sla_sent & FEEDBACK_SLA_FR_BREACHED);
        bool res = feedback__res_running(&c) && !(c.sla_sent & FEEDBACK_SLA_RES_BREACHED);
        if (rc == LM_OK) rc = feedback__sla_arm(r, &set, &c, fr, res, err);
    }
    c.updated_ms = fb->now_ms();
    if (rc == LM_OK) rc = store_complaint_update(tx, &c, err);
    if (rc != LM_OK) {
        lm_buf_free(&e.b);
        return rc;
    }
    feedback__ev_complaint(&e, &c);
    if ((rc = feedback__ev_append(&e, tx, "complaint.updated", "complaint", id)) != LM_OK)
        return rc;
    if (out) *out = c;
    return LM_OK;
}
