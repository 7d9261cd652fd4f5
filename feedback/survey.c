/* feedback/survey.c: the satisfaction survey asked after a delivery (NPS 0..10 or CSAT 1..5):
 * survey.requested goes out through webhooks for the shop to deliver, the answer comes back with
 * the tracking token, and is stored with the same links as a rating. */
#include "dispatch/dispatch.h"
#include "feedback/internal.h"

#include <string.h>

lm_status feedback__survey_ask(store_tx *tx, int64_t now_ms, const feedback_settings *set,
                               int64_t stop_id, bool *asked, lm_errinfo *err) {
    *asked = false;
    if (!strcmp(set->survey_kind, "off")) return LM_OK;
    store_read *r = store_tx_read(tx);
    store_stop s;
    lm_status rc = dispatch_stop_get(r, stop_id, &s, err);
    if (rc == LM_NOT_FOUND) { /* pruned since: nothing to ask about */
        lm_errinfo_clear(err);
        return LM_OK;
    }
    if (rc != LM_OK) return rc;
    if (s.kind != DISPATCH_STOP_DELIVERY || s.status != DISPATCH_STOP_DONE) return LM_OK;
    feedback__links l;
    if ((rc = feedback__links_get(r, s.order_id, stop_id, &l, err)) != LM_OK) return rc;
    feedback_survey sv;
    memset(&sv, 0, sizeof sv);
    sv.order_id = s.order_id;
    sv.stop_id = stop_id;
    sv.plan_id = l.plan_id;
    lm_strlcpy(sv.driver_id, l.driver_id, sizeof sv.driver_id);
    lm_strlcpy(sv.vehicle_id, l.vehicle_id, sizeof sv.vehicle_id);
    lm_strlcpy(sv.depot_id, l.depot_id, sizeof sv.depot_id);
    lm_strlcpy(sv.kind, set->survey_kind, sizeof sv.kind);
    sv.requested_ms = now_ms;
    sv.expires_ms = now_ms + set->survey_expiry_s * 1000;
    sv.score = -1;
    rc = store_survey_insert(tx, &sv, &sv.id, err);
    if (rc == LM_CONFLICT) { /* asked already (a replayed event): once is enough */
        lm_errinfo_clear(err);
        return LM_OK;
    }
    if (rc != LM_OK) return rc;
    feedback__ev e;
    feedback__ev_begin(&e);
    lm_jw_int(&e.w, "survey_id", sv.id);
    lm_jw_int(&e.w, "order_id", sv.order_id);
    lm_jw_str(&e.w, "external_ref", l.external_ref);
    lm_jw_str(&e.w, "kind", sv.kind);
    lm_jw_int(&e.w, "expires_ms", sv.expires_ms);
    if ((rc = feedback__ev_append(&e, tx, "survey.requested", "survey", sv.id)) != LM_OK) return rc;
    *asked = true;
    return LM_OK;
}

lm_status feedback_survey_of_order(store_read *r, int64_t order_id, feedback_survey *out,
                                   lm_errinfo *err) {
    lm_status rc = store_survey_by_order(r, order_id, out, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_NOT_FOUND, "survey", "no survey was asked for this order");
    return rc;
}

lm_status feedback_survey_answer(feedback *fb, store_tx *tx, int64_t order_id, int32_t score,
                                 const char *comment, feedback_survey *out, lm_errinfo *err) {
    lm_status rc = feedback_text_check(comment, FEEDBACK_COMMENT_MAX, false, "comment", err);
    if (rc != LM_OK) return rc;
    feedback_survey sv;
    if ((rc = feedback_survey_of_order(store_tx_read(tx), order_id, &sv, err)) != LM_OK) return rc;
    bool nps = !strcmp(sv.kind, "nps");
    if (score < (nps ? 0 : 1) || score > (nps ? 10 : 5))
        return lm_errinfo_set(err, LM_INVALID, "score", "score must be %s for this survey",
                              nps ? "0..10" : "1..5");
    int64_t now = fb->now_ms();
    if (sv.answered_ms)
        return lm_errinfo_set(err, LM_CONFLICT, "survey", "this survey was already answered");
    if (now >= sv.expires_ms)
        return lm_errinfo_set(err, LM_CONFLICT, "survey", "this survey has expired");
    sv.answered_ms = now;
    sv.score = score;
    lm_strlcpy(sv.comment, comment ? comment : "", sizeof sv.comment);
    if ((rc = store_survey_answer(tx, &sv, err)) != LM_OK) return rc;
    feedback__ev e;
    feedback__ev_begin(&e);
    lm_jw_int(&e.w, "survey_id", sv.id);
    lm_jw_int(&e.w, "order_id", sv.order_id);
    lm_jw_str(&e.w, "kind", sv.kind);
    lm_jw_int(&e.w, "score", sv.score);
    lm_jw_str(&e.w, "driver_id", sv.driver_id);
    lm_jw_str(&e.w, "depot_id", sv.depot_id);
    if ((rc = feedback__ev_append(&e, tx, "survey.answered", "survey", sv.id)) != LM_OK) return rc;
    if (out) *out = sv;
    return LM_OK;
}
