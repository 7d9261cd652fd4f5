/* feedback/stats.c: the read models of the dispatcher's dashboard and of analytics: the ticket
 * queue with SLA countdowns, ratings per driver / vehicle / depot, complaint and survey figures. */
#include "feedback/internal.h"

#include <string.h>

lm_status feedback_queue(store_read *r, const store_complaint_filter *f, int64_t now_ms,
                         feedback_queue_entry **out, size_t *n, lm_errinfo *err) {
    feedback_complaint *list = NULL;
    size_t count = 0;
    lm_status rc = store_complaint_list(r, f, &list, &count, err);
    if (rc != LM_OK) return rc;
    feedback_queue_entry *q = count ? lm_calloc(count, sizeof *q) : NULL;
    if (count && !q) {
        lm_free(list);
        return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    }
    for (size_t i = 0; i < count; i++) {
        q[i].c = list[i];
        q[i].fr_running = feedback__fr_running(&list[i]);
        q[i].res_running = feedback__res_running(&list[i]);
        if (q[i].fr_running) q[i].fr_left_ms = list[i].fr_due_ms - now_ms;
        if (q[i].res_running) q[i].res_left_ms = list[i].res_due_ms - now_ms;
    }
    lm_free(list);
    *out = q;
    *n = count;
    return LM_OK;
}

lm_status feedback_rating_groups(store_read *r, const char *group_by, int64_t since_ms,
                                 int64_t until_ms, feedback_rating_group **out, size_t *n,
                                 lm_errinfo *err) {
    return store_rating_groups(r, group_by, since_ms, until_ms, out, n, err);
}

lm_status feedback_complaint_stats_get(store_read *r, int64_t since_ms, int64_t until_ms,
                                       feedback_complaint_stats *out, lm_errinfo *err) {
    store_complaint_count *rows = NULL;
    size_t n = 0;
    lm_status rc = store_complaint_counts(r, since_ms, until_ms, FEEDBACK_SLA_FR_BREACHED,
                                          FEEDBACK_SLA_RES_BREACHED, &rows, &n, err);
    if (rc != LM_OK) return rc;
    feedback_complaint_stats s;
    memset(&s, 0, sizeof s);
    int64_t response_sum = 0;
    for (size_t i = 0; i < n; i++) {
        s.opened += rows[i].count;
        if (rows[i].category >= 0 && rows[i].category < FEEDBACK__CAT_COUNT)
            s.by_category[rows[i].category] += rows[i].count;
        if (rows[i].status >= 0 && rows[i].status < FEEDBACK__STATUS_COUNT)
            s.by_status[rows[i].status] += rows[i].count;
        s.fr_breached += rows[i].fr_breached;
        s.res_breached += rows[i].res_breached;
        s.fr_met += rows[i].fr_met;
        s.answered += rows[i].answered;
        response_sum += rows[i].fr_response_ms_sum;
    }
    s.avg_first_response_ms = s.answered ? response_sum / s.answered : 0;
    lm_free(rows);
    *out = s;
    return LM_OK;
}

lm_status feedback_survey_stats_get(store_read *r, const char *kind, int64_t since_ms,
                                    int64_t until_ms, feedback_survey_stats *out, lm_errinfo *err) {
    if (!kind || (strcmp(kind, "nps") && strcmp(kind, "csat")))
        return lm_errinfo_set(err, LM_INVALID, "kind", "kind must be nps or csat");
    feedback_survey_stats s;
    memset(&s, 0, sizeof s);
    lm_status rc = store_survey_histogram(r, kind, since_ms, until_ms, s.hist, &s.asked, err);
    if (rc != LM_OK) return rc;
    int64_t good = 0, bad = 0;
    for (int i = 0; i <= 10; i++) {
        s.answered += s.hist[i];
        if (!strcmp(kind, "nps")) {
            good += i >= 9 ? s.hist[i] : 0;
            bad += i <= 6 ? s.hist[i] : 0;
        } else {
            good += i >= 4 ? s.hist[i] : 0;
        }
    }
    if (s.answered) {
        s.nps = !strcmp(kind, "nps") ? (good - bad) * 100 / s.answered : 0;
        s.csat_pct = strcmp(kind, "nps") ? good * 100 / s.answered : 0;
    }
    *out = s;
    return LM_OK;
}

lm_status feedback_order_timeline(store_read *r, int64_t order_id, int64_t after_seq, size_t max,
                                  store_event **out, size_t *n, lm_errinfo *err) {
    return store_order_timeline(r, order_id, after_seq, max, out, n, err);
}
