/* feedback/internal.h: what feedback's own .c files share (the handle, date helpers, event
 * payloads, links of a delivery attempt, SLA clocks, opening a ticket). Only feedback/ includes
 * it; everyone else uses feedback/feedback.h. */
#ifndef LASTMILE_FEEDBACK_INTERNAL_H
#define LASTMILE_FEEDBACK_INTERNAL_H

#include "common/json.h"
#include "feedback/feedback.h"

#include <pthread.h>

struct feedback {
    store *st;
    int64_t (*now_ms)(void);
    int64_t tick_ms;
    bool has_worker, stopping; /* stopping: under mu, wakes the worker through cv */
    pthread_t worker;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* ---- Dates (feedback/tz.c) ---- */

int64_t feedback__days_from_civil(int64_t y, int m, int d); /* epoch day of a civil date */
void feedback__civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int feedback__weekday(int64_t days); /* 0 = Sunday */
int feedback__month_days(int64_t y, int m);
int64_t feedback__floor_div(int64_t a, int64_t b);

/* ---- Event payloads (feedback/event.c) ---- */

/* A JSON object under construction for one event: begin, add members through w, then append. */
typedef struct feedback__ev {
    lm_buf b;
    lm_jw w;
} feedback__ev;

void feedback__ev_begin(feedback__ev *e);
/* Closes the object, appends it as event `type` about (entity, id) in tx, frees the buffer. */
LM_MUST_USE lm_status feedback__ev_append(feedback__ev *e, store_tx *tx, const char *type,
                                          const char *entity, int64_t id);
/* Members every complaint event carries: ids, links, status, priority, category, assignee. */
void feedback__ev_complaint(feedback__ev *e, const feedback_complaint *c);
/* "customer", "staff", "driver" or "system". */
const char *feedback__actor_name(feedback_actor_kind k);

/* ---- Links of a delivery attempt (feedback/links.c) ---- */

typedef struct feedback__links {
    bool has_stop;
    int64_t stop_id, plan_id;
    int stop_status; /* dispatch_stop_status */
    char driver_id[STORE_FB_ID_MAX + 1];
    char vehicle_id[STORE_FB_ID_MAX + 1];
    char depot_id[STORE_FB_ID_MAX + 1];
    char external_ref[STORE_FB_REF_MAX + 1];
} feedback__links;

/* The order's links: its depot, and its delivery attempt stop_id (which must be a finished
 * delivery of that order: NOT_FOUND / CONFLICT naming "stop_id"), or with stop_id 0 the latest
 * finished one (has_stop false when none). NOT_FOUND naming "order_id" for an unknown order. */
LM_MUST_USE lm_status feedback__links_get(store_read *r, int64_t order_id, int64_t stop_id,
                                          feedback__links *out, lm_errinfo *err);

/* ---- SLA clocks (feedback/sla.c) ---- */

/* Whether a clock still counts: first response until the first public staff reply, resolution
 * until resolved; neither once resolved or closed. */
static inline bool feedback__fr_running(const feedback_complaint *c) {
    return c->status < FEEDBACK_STATUS_RESOLVED && c->first_response_ms == 0;
}
static inline bool feedback__res_running(const feedback_complaint *c) {
    return c->status < FEEDBACK_STATUS_RESOLVED;
}
/* Sets the first-response clock (from created_ms) when fr and the resolution clock (from
 * clock_start_ms) when res, from the SLA table and the calendar of c's depot, then next_sla_ms. */
LM_MUST_USE lm_status feedback__sla_arm(store_read *r, const feedback_settings *set,
                                        feedback_complaint *c, bool fr, bool res, lm_errinfo *err);
/* The earliest SLA moment not yet raised on a running clock (INT64_MAX when none). */
void feedback__sla_next(feedback_complaint *c);

/* ---- Tickets (feedback/complaint.c) ---- */

/* Opens a ticket with no role check (callers check who may): validates in, links it to the
 * order's latest attempt, arms its clocks, stores it with its first message and appends
 * complaint.opened. rating_id links a ticket a rating opened. */
LM_MUST_USE lm_status feedback__complaint_open(store_tx *tx, int64_t now_ms,
                                               const feedback_actor *who,
                                               const feedback_complaint_in *in, int64_t rating_id,
                                               feedback_complaint *out, lm_errinfo *err);
/* Closes a resolved ticket whose reopen window has passed (by "system"), with its event. */
LM_MUST_USE lm_status feedback__complaint_expire(store_tx *tx, int64_t now_ms,
                                                 feedback_complaint *c, lm_errinfo *err);

/* ---- Surveys (feedback/survey.c) ---- */

/* Asks the survey of a delivered stop (survey.requested) unless surveys are off, the stop is not
 * a delivered delivery, or it already has one; *asked says whether it did. */
LM_MUST_USE lm_status feedback__survey_ask(store_tx *tx, int64_t now_ms,
                                           const feedback_settings *set, int64_t stop_id,
                                           bool *asked, lm_errinfo *err);

#endif
