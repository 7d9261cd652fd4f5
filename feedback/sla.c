/* feedback/sla.c: a ticket's two SLA clocks (first response, resolution): their due and
 * "imminent" moments in business time, and which moment the tick must look at next. */
#include "feedback/internal.h"

static void consider(int64_t *next, uint32_t sent, uint32_t bit, int64_t at) {
    if (!(sent & bit) && at > 0 && at < *next) *next = at;
}

void feedback__sla_next(feedback_complaint *c) {
    int64_t next = INT64_MAX;
    if (feedback__fr_running(c)) {
        consider(&next, c->sla_sent, FEEDBACK_SLA_FR_IMMINENT, c->fr_imminent_ms);
        consider(&next, c->sla_sent, FEEDBACK_SLA_FR_BREACHED, c->fr_due_ms);
    }
    if (feedback__res_running(c)) {
        consider(&next, c->sla_sent, FEEDBACK_SLA_RES_IMMINENT, c->res_imminent_ms);
        consider(&next, c->sla_sent, FEEDBACK_SLA_RES_BREACHED, c->res_due_ms);
    }
    c->next_sla_ms = next;
}

/* The imminent and due moments of a budget of budget_s business seconds from start_ms. A zero
 * imminent_pct (or budget) leaves no imminent moment (0). */
static lm_status clock_moments(const feedback_calendar *cal, int64_t start_ms, int64_t budget_s,
                               int64_t pct, int64_t *imminent, int64_t *due, lm_errinfo *err) {
    int64_t budget_ms = budget_s * 1000, at = 0;
    if (feedback_calendar_add(cal, start_ms, budget_ms, due) != LM_OK)
        return lm_errinfo_set(err, LM_INVALID, "calendar",
                              "the business calendar has no opening in the next ten years");
    if (pct > 0 && budget_ms > 0 &&
        feedback_calendar_add(cal, start_ms, budget_ms / 100 * pct + budget_ms % 100 * pct / 100,
                              &at) != LM_OK)
        at = 0;
    *imminent = at;
    return LM_OK;
}

lm_status feedback__sla_arm(store_read *r, const feedback_settings *set, feedback_complaint *c,
                            bool fr, bool res, lm_errinfo *err) {
    feedback_calendar *cal = lm_alloc(sizeof *cal);
    feedback_sla_rule *rows = NULL;
    size_t n = 0;
    if (!cal) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lm_status rc = feedback_calendar_for(r, c->depot_id, NULL, cal, err);
    if (rc == LM_OK) rc = feedback_sla_list(r, &rows, &n, err);
    int64_t fr_s = 0, res_s = 0;
    if (rc == LM_OK && !feedback_sla_lookup(rows, n, (feedback_category)c->category,
                                            (feedback_priority)c->priority, &fr_s, &res_s))
        rc = lm_errinfo_set(err, LM_INTERNAL, "sla", "no SLA row matches the ticket");
    if (rc == LM_OK && fr)
        rc = clock_moments(cal, c->created_ms, fr_s, set->imminent_pct, &c->fr_imminent_ms,
                           &c->fr_due_ms, err);
    if (rc == LM_OK && res)
        rc = clock_moments(cal, c->clock_start_ms, res_s, set->imminent_pct, &c->res_imminent_ms,
                           &c->res_due_ms, err);
    if (rc == LM_OK) feedback__sla_next(c);
    lm_free(rows);
    lm_free(cal);
    return rc;
}
