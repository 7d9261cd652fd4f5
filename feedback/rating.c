/* feedback/rating.c: one rating per delivery attempt, 1..5 with tags and a comment, editable for
 * a configured window then frozen; a low score opens a ticket in the same transaction. */
#include "feedback/internal.h"

#include <stdio.h>
#include <string.h>

#define TAGS_ALL ((1u << FEEDBACK__TAG_COUNT) - 1u)

static lm_status check_in(const feedback_rating_in *in, lm_errinfo *err) {
    if (in->score < 1 || in->score > 5)
        return lm_errinfo_set(err, LM_INVALID, "score", "score must be 1..5, not %d",
                              (int)in->score);
    if (in->tags & ~TAGS_ALL) return lm_errinfo_set(err, LM_INVALID, "tags", "unknown tag");
    return feedback_text_check(in->comment, FEEDBACK_COMMENT_MAX, false, "comment", err);
}

/* The category a low rating's ticket is filed under: the most serious tag wins. */
static feedback_category category_of(uint32_t tags) {
    static const struct {
        feedback_tag tag;
        feedback_category cat;
    } order[] = {
        {FEEDBACK_TAG_DAMAGED, FEEDBACK_CAT_DAMAGE},
        {FEEDBACK_TAG_MISSING_ITEM, FEEDBACK_CAT_MISSING_ITEM},
        {FEEDBACK_TAG_WRONG_ITEM, FEEDBACK_CAT_WRONG_ITEM},
        {FEEDBACK_TAG_RUDE, FEEDBACK_CAT_DRIVER_CONDUCT},
        {FEEDBACK_TAG_INSTRUCTIONS_IGNORED, FEEDBACK_CAT_DRIVER_CONDUCT},
        {FEEDBACK_TAG_LATE, FEEDBACK_CAT_LATENESS},
    };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (tags & (1u << order[i].tag)) return order[i].cat;
    return FEEDBACK_CAT_OTHER;
}

/* Opens the ticket of a low rating and links it; no-op when the score is above the threshold or
 * the rating has a ticket already. */
static lm_status auto_ticket(store_tx *tx, int64_t now_ms, const feedback_settings *set,
                             feedback_rating *rt, lm_errinfo *err) {
    if (rt->complaint_id || rt->score > set->auto_ticket_max) return LM_OK;
    char subject[64];
    snprintf(subject, sizeof subject, "Delivery rated %d of 5", (int)rt->score);
    feedback_complaint_in in = {
        .source = FEEDBACK_SOURCE_RATING,
        .category = category_of(rt->tags),
        .priority = rt->score == 1 ? FEEDBACK_PRIO_HIGH : FEEDBACK_PRIO_NORMAL,
        .subject = subject,
        .text = rt->comment,
    };
    feedback_actor sys = {.kind = FEEDBACK_ACTOR_SYSTEM, .id = "system", .order_id = rt->order_id};
    in.order_id = rt->order_id;
    feedback_complaint c;
    lm_status rc = feedback__complaint_open(tx, now_ms, &sys, &in, rt->id, &c, err);
    if (rc != LM_OK) return rc;
    rt->complaint_id = c.id;
    return store_rating_update(tx, rt, err);
}

static lm_status rating_event(store_tx *tx, const char *type, const feedback_rating *rt) {
    feedback__ev e;
    feedback__ev_begin(&e);
    lm_jw *w = &e.w;
    lm_jw_int(w, "rating_id", rt->id);
    lm_jw_int(w, "order_id", rt->order_id);
    lm_jw_int(w, "stop_id", rt->stop_id);
    lm_jw_int(w, "score", rt->score);
    lm_jw_open(w, "tags", "[");
    for (int t = 0; t < FEEDBACK__TAG_COUNT; t++)
        if (rt->tags & (1u << t)) lm_jw_str(w, NULL, feedback_tag_name((feedback_tag)t));
    lm_jw_close(w, "]");
    lm_jw_str(w, "driver_id", rt->driver_id);
    lm_jw_str(w, "vehicle_id", rt->vehicle_id);
    lm_jw_str(w, "depot_id", rt->depot_id);
    lm_jw_int(w, "plan_id", rt->plan_id);
    if (rt->complaint_id) lm_jw_int(w, "complaint_id", rt->complaint_id);
    return feedback__ev_append(&e, tx, type, "rating", rt->id);
}

lm_status feedback_rating_create(feedback *fb, store_tx *tx, int64_t order_id,
                                 const feedback_rating_in *in, feedback_rating *out,
                                 lm_errinfo *err) {
    lm_status rc = check_in(in, err);
    if (rc != LM_OK) return rc;
    store_read *r = store_tx_read(tx);
    feedback__links l;
    if ((rc = feedback__links_get(r, order_id, in->stop_id, &l, err)) != LM_OK) return rc;
    if (!l.has_stop)
        return lm_errinfo_set(err, LM_CONFLICT, "order_id",
                              "order %lld has no delivered or failed attempt to rate yet",
                              (long long)order_id);
    feedback_rating *rt = lm_calloc(1, sizeof *rt);
    if (!rt) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    rc = store_rating_by_stop(r, l.stop_id, rt, err);
    if (rc == LM_OK) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "stop_id",
                            "this delivery attempt is already rated (rating %lld): edit it",
                            (long long)rt->id);
        goto done;
    }
    if (rc != LM_NOT_FOUND) goto done;
    lm_errinfo_clear(err);
    feedback_settings set;
    if ((rc = feedback_settings_get(r, &set, err)) != LM_OK) goto done;
    int64_t now = fb->now_ms();
    memset(rt, 0, sizeof *rt);
    rt->order_id = order_id;
    rt->stop_id = l.stop_id;
    rt->plan_id = l.plan_id;
    lm_strlcpy(rt->driver_id, l.driver_id, sizeof rt->driver_id);
    lm_strlcpy(rt->vehicle_id, l.vehicle_id, sizeof rt->vehicle_id);
    lm_strlcpy(rt->depot_id, l.depot_id, sizeof rt->depot_id);
    rt->score = in->score;
    rt->tags = in->tags;
    lm_strlcpy(rt->comment, in->comment ? in->comment : "", sizeof rt->comment);
    rt->created_ms = rt->updated_ms = now;
    rt->frozen_ms = now + set.edit_window_s * 1000;
    /* the UNIQUE stop_id settles a race the read above cannot see: the loser gets CONFLICT */
    if ((rc = store_rating_insert(tx, rt, &rt->id, err)) != LM_OK) {
        if (rc == LM_CONFLICT)
            lm_errinfo_set(err, LM_CONFLICT, "stop_id", "this delivery attempt is already rated");
        goto done;
    }
    if ((rc = rating_event(tx, "rating.created", rt)) != LM_OK) goto done;
    if ((rc = auto_ticket(tx, now, &set, rt, err)) != LM_OK) goto done;
    if (out) *out = *rt;
done:
    lm_free(rt);
    return rc;
}

bool feedback_rating_editable(const feedback_rating *rt, int64_t now_ms) {
    return now_ms < rt->frozen_ms;
}

lm_status feedback_rating_edit(feedback *fb, store_tx *tx, int64_t order_id, int64_t rating_id,
                               const feedback_rating_in *in, feedback_rating *out,
                               lm_errinfo *err) {
    lm_status rc = check_in(in, err);
    if (rc != LM_OK) return rc;
    store_read *r = store_tx_read(tx);
    feedback_rating *rt = lm_calloc(1, sizeof *rt);
    if (!rt) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    rc = store_rating_get(r, rating_id, rt, err);
    if (rc == LM_NOT_FOUND || (rc == LM_OK && rt->order_id != order_id)) {
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "rating_id", "no rating %lld for this order",
                            (long long)rating_id);
        goto done;
    }
    if (rc != LM_OK) goto done;
    int64_t now = fb->now_ms();
    if (!feedback_rating_editable(rt, now)) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "rating_id",
                            "rating %lld is frozen: ratings can be changed for a limited time "
                            "after they are given",
                            (long long)rating_id);
        goto done;
    }
    feedback_settings set;
    if ((rc = feedback_settings_get(r, &set, err)) != LM_OK) goto done;
    rt->score = in->score;
    rt->tags = in->tags;
    lm_strlcpy(rt->comment, in->comment ? in->comment : "", sizeof rt->comment);
    rt->edits++;
    rt->updated_ms = now;
    if ((rc = store_rating_update(tx, rt, err)) != LM_OK) goto done;
    if ((rc = auto_ticket(tx, now, &set, rt, err)) != LM_OK) goto done;
    if ((rc = rating_event(tx, "rating.updated", rt)) != LM_OK) goto done;
    if (out) *out = *rt;
done:
    lm_free(rt);
    return rc;
}

lm_status feedback_rating_of_order(store_read *r, int64_t order_id, feedback_rating *out,
                                   lm_errinfo *err) {
    store_rating_filter f = {.order_id = order_id, .limit = 1000};
    feedback_rating *list = NULL;
    size_t n = 0;
    lm_status rc = store_rating_list(r, &f, &list, &n, err);
    if (rc != LM_OK) return rc;
    if (n == 0) rc = lm_errinfo_set(err, LM_NOT_FOUND, "rating", "the order has no rating");
    if (n > 0) *out = list[n - 1];
    lm_free(list);
    return rc;
}
