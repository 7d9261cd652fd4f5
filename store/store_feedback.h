/* store: persistence of feedback/'s ratings, satisfaction surveys, complaint tickets with their
 * messages and SLA clocks, and the feedback configuration (settings, business calendars, the SLA
 * table). Plain records; feedback/ owns every rule around them (ranges, windows, transitions).
 * Ownership: lists are allocated here and lm_free'd by the caller; records passed in are only
 * read. Writes take a store_tx (the caller commits and appends its events in the same tx); reads
 * take a store_read (store_tx_read(tx) inside a tx). */
#ifndef LASTMILE_STORE_FEEDBACK_H
#define LASTMILE_STORE_FEEDBACK_H

#include "store/store.h"

#define STORE_FB_ID_MAX       64   /* driver / vehicle / depot / assignee ids, bytes without NUL */
#define STORE_FB_COMMENT_MAX  1000 /* rating and survey comments, bytes */
#define STORE_FB_TEXT_MAX     4000 /* one complaint message, bytes */
#define STORE_FB_SUBJECT_MAX  200  /* complaint subject, bytes */
#define STORE_FB_REF_MAX      128  /* after-sales case reference, bytes */
#define STORE_FB_TZ_MAX       128  /* POSIX TZ rule or IANA zone name, bytes */
#define STORE_FB_HOURS_MAX    512  /* opening hours text, bytes */
#define STORE_FB_HOLIDAYS_MAX 4096 /* holiday list text, bytes */

/* One rating per delivery stop (UNIQUE stop_id), with the links read at rating time. */
typedef struct store_rating {
    int64_t id;
    int64_t order_id, stop_id;
    int64_t plan_id; /* the route is (plan_id, vehicle_id) */
    char driver_id[STORE_FB_ID_MAX + 1];
    char vehicle_id[STORE_FB_ID_MAX + 1];
    char depot_id[STORE_FB_ID_MAX + 1];
    int32_t score;        /* 1..5 */
    uint32_t tags;        /* bit set of feedback_tag */
    int32_t edits;        /* times changed after creation */
    int64_t frozen_ms;    /* no edit at or after this moment */
    int64_t complaint_id; /* ticket opened automatically from it, 0 = none */
    char comment[STORE_FB_COMMENT_MAX + 1];
    int64_t created_ms, updated_ms;
} store_rating;

typedef struct store_rating_filter {
    int64_t order_id;      /* > 0: of this order */
    const char *driver_id; /* non-NULL: of this driver */
    const char *depot_id;  /* non-NULL: of this depot */
    int64_t after_id;      /* keyset pagination */
    size_t limit;          /* 1..1000 */
} store_rating_filter;

/* One group of store_rating_groups: the ratings of one driver / vehicle / depot. */
typedef struct store_rating_group {
    char key[STORE_FB_ID_MAX + 1];
    int64_t count, sum;  /* number of ratings and sum of their scores */
    int64_t by_score[5]; /* count of 1s .. 5s */
    int64_t low;         /* scores <= 2 */
} store_rating_group;

/* A satisfaction survey, one per delivery stop, asked once the stop is delivered. */
typedef struct store_survey {
    int64_t id;
    int64_t order_id, stop_id, plan_id;
    char driver_id[STORE_FB_ID_MAX + 1];
    char vehicle_id[STORE_FB_ID_MAX + 1];
    char depot_id[STORE_FB_ID_MAX + 1];
    char kind[8]; /* "nps" (0..10) | "csat" (1..5) */
    int64_t requested_ms, expires_ms;
    int64_t answered_ms; /* 0 while unanswered */
    int32_t score;       /* -1 while unanswered */
    char comment[STORE_FB_COMMENT_MAX + 1];
} store_survey;

/* A complaint ticket. Enumerations are feedback/'s (stored as their numbers). Times in epoch ms;
 * 0 = not happened. The four SLA moments say when each event fires; `sla_sent` has a bit per
 * event already raised, so every one fires exactly once; next_sla_ms is the earliest moment of an
 * event not yet raised (INT64_MAX when none): the tick's index. */
typedef struct store_complaint {
    int64_t id;
    int64_t order_id;  /* 0 = not about one order (staff-opened) */
    int64_t stop_id;   /* the delivery attempt it is about, 0 = none */
    int64_t rating_id; /* the rating that opened it, 0 = none */
    int64_t plan_id;
    char driver_id[STORE_FB_ID_MAX + 1];
    char vehicle_id[STORE_FB_ID_MAX + 1];
    char depot_id[STORE_FB_ID_MAX + 1];
    int source, category, priority, status;
    char assignee[STORE_FB_ID_MAX + 1]; /* "" = unassigned */
    char subject[STORE_FB_SUBJECT_MAX + 1];
    char case_ref[STORE_FB_REF_MAX + 1]; /* after-sales case it came from, "" = none */
    bool driver_shared;                  /* the driver may read the public thread */
    int32_t reopens, escalations;
    int64_t created_ms, updated_ms;
    int64_t first_response_ms, resolved_ms, closed_ms;
    int64_t clock_start_ms; /* resolution clock start: opening, or the last reopen */
    int64_t fr_imminent_ms, fr_due_ms, res_imminent_ms, res_due_ms;
    uint32_t sla_sent;
    int64_t next_sla_ms;
} store_complaint;

typedef struct store_complaint_filter {
    int64_t order_id;      /* > 0: of this order */
    uint32_t status_mask;  /* bit (1 << status) per status wanted; 0 = all */
    const char *assignee;  /* non-NULL: assigned to (""= unassigned) */
    const char *driver_id; /* non-NULL: about this driver */
    bool by_due;           /* order by next SLA moment (the queue) instead of id */
    int64_t after_id;      /* keyset pagination (by id only) */
    size_t limit;          /* 1..1000 */
} store_complaint_filter;

typedef struct store_complaint_msg {
    int64_t id;
    int64_t complaint_id;
    int author_kind; /* feedback_actor_kind */
    char author_id[STORE_FB_ID_MAX + 1];
    bool internal; /* a note the customer never sees */
    char text[STORE_FB_TEXT_MAX + 1];
    int64_t created_ms;
} store_complaint_msg;

/* Counts of complaints per (category, status), and of SLA events raised, in a time range. */
typedef struct store_complaint_count {
    int category, status;
    int64_t count;
    int64_t fr_breached, res_breached; /* tickets whose first-response / resolution SLA broke */
    int64_t fr_met;                    /* answered before the due time */
    int64_t fr_response_ms_sum;        /* sum of (first response - opening) over answered */
    int64_t answered;
} store_complaint_count;

/* The settings of feedback/, one row. */
typedef struct store_fb_settings {
    int64_t edit_window_s;   /* a rating is editable this long after creation */
    int64_t reopen_window_s; /* a resolved ticket may be reopened this long after resolution */
    int64_t imminent_pct;    /* sla.breach_imminent once this % of an SLA budget is used */
    int64_t auto_ticket_max; /* ratings at or below this open a ticket (0 = never) */
    char survey_kind[8];     /* "off" | "nps" | "csat" */
    int64_t survey_expiry_s; /* a survey accepts answers this long after it was asked */
    int64_t retention_days;  /* message text of closed tickets is erased after (0 = never) */
    char escalate_to[STORE_FB_ID_MAX + 1]; /* assignee on breach, "" = keep */
} store_fb_settings;

/* A business calendar: the default one (depot_id "") or a depot's. Text as feedback/ writes it. */
typedef struct store_fb_calendar {
    char depot_id[STORE_FB_ID_MAX + 1];
    char tz[STORE_FB_TZ_MAX + 1];
    char hours[STORE_FB_HOURS_MAX + 1];
    char holidays[STORE_FB_HOLIDAYS_MAX + 1];
} store_fb_calendar;

/* One row of the SLA table: budgets in business seconds; category / priority -1 = any. */
typedef struct store_fb_sla {
    int category, priority;
    int64_t first_response_s, resolution_s;
} store_fb_sla;

/* ---- Ratings ---- */

/* Inserts r (its id is ignored): CONFLICT when the stop already has a rating. */
LM_MUST_USE lm_status store_rating_insert(store_tx *tx, const store_rating *r, int64_t *id,
                                          lm_errinfo *err);
/* Writes score, tags, comment, edits, complaint_id and updated_ms of r->id. */
LM_MUST_USE lm_status store_rating_update(store_tx *tx, const store_rating *r, lm_errinfo *err);
LM_MUST_USE lm_status store_rating_get(store_read *r, int64_t id, store_rating *out,
                                       lm_errinfo *err);
/* NOT_FOUND when the stop has no rating. */
LM_MUST_USE lm_status store_rating_by_stop(store_read *r, int64_t stop_id, store_rating *out,
                                           lm_errinfo *err);
LM_MUST_USE lm_status store_rating_list(store_read *r, const store_rating_filter *f,
                                        store_rating **out, size_t *n, lm_errinfo *err);
/* Ratings created in [since_ms, until_ms) grouped by column "driver_id", "vehicle_id" or
 * "depot_id", ordered by key; *out lm_free'd by the caller. */
LM_MUST_USE lm_status store_rating_groups(store_read *r, const char *column, int64_t since_ms,
                                          int64_t until_ms, store_rating_group **out, size_t *n,
                                          lm_errinfo *err);

/* ---- Surveys ---- */

/* Inserts s: CONFLICT when the stop already has a survey. */
LM_MUST_USE lm_status store_survey_insert(store_tx *tx, const store_survey *s, int64_t *id,
                                          lm_errinfo *err);
/* Writes answered_ms, score and comment of s->id. */
LM_MUST_USE lm_status store_survey_answer(store_tx *tx, const store_survey *s, lm_errinfo *err);
/* The newest survey of an order; NOT_FOUND when none. */
LM_MUST_USE lm_status store_survey_by_order(store_read *r, int64_t order_id, store_survey *out,
                                            lm_errinfo *err);
/* Answered surveys of kind in [since_ms, until_ms): count and the score histogram (0..10). */
LM_MUST_USE lm_status store_survey_histogram(store_read *r, const char *kind, int64_t since_ms,
                                             int64_t until_ms, int64_t hist[11], int64_t *asked,
                                             lm_errinfo *err);

/* ---- Complaints ---- */

LM_MUST_USE lm_status store_complaint_insert(store_tx *tx, const store_complaint *c, int64_t *id,
                                             lm_errinfo *err);
/* Writes every field of c but its id, order, stop, rating, links and created_ms. */
LM_MUST_USE lm_status store_complaint_update(store_tx *tx, const store_complaint *c,
                                             lm_errinfo *err);
LM_MUST_USE lm_status store_complaint_get(store_read *r, int64_t id, store_complaint *out,
                                          lm_errinfo *err);
LM_MUST_USE lm_status store_complaint_list(store_read *r, const store_complaint_filter *f,
                                           store_complaint **out, size_t *n, lm_errinfo *err);
/* Ids of tickets with an SLA event due at or before now_ms, earliest first, at most limit. */
LM_MUST_USE lm_status store_complaint_sla_due(store_read *r, int64_t now_ms, size_t limit,
                                              int64_t **out, size_t *n, lm_errinfo *err);
/* Ids of tickets in status `status` whose resolved_ms is before before_ms, at most limit. */
LM_MUST_USE lm_status store_complaint_resolved_before(store_read *r, int status, int64_t before_ms,
                                                      size_t limit, int64_t **out, size_t *n,
                                                      lm_errinfo *err);
/* Counts of tickets created in [since_ms, until_ms) per (category, status); fr_breached and
 * res_breached count the tickets whose sla_sent has fr_bit / res_bit. */
LM_MUST_USE lm_status store_complaint_counts(store_read *r, int64_t since_ms, int64_t until_ms,
                                             uint32_t fr_bit, uint32_t res_bit,
                                             store_complaint_count **out, size_t *n,
                                             lm_errinfo *err);

LM_MUST_USE lm_status store_complaint_msg_insert(store_tx *tx, const store_complaint_msg *m,
                                                 int64_t *id, lm_errinfo *err);
/* A ticket's messages oldest first (internal notes only when with_internal), at most 500. */
LM_MUST_USE lm_status store_complaint_msgs(store_read *r, int64_t complaint_id, bool with_internal,
                                           store_complaint_msg **out, size_t *n, lm_errinfo *err);
/* Replaces the text of every message of tickets in `status` closed before before_ms with "" and
 * writes how many messages changed. */
LM_MUST_USE lm_status store_complaint_msgs_erase(store_tx *tx, int status, int64_t before_ms,
                                                 int64_t *erased, lm_errinfo *err);

/* ---- The order's timeline ---- */

/* Events about one order after after_seq, oldest first, at most max (1..10000): its own (entity
 * "order"), its stops', and its ratings', surveys' and tickets'. *out (free with
 * store_events_free) is NULL when there are none. */
LM_MUST_USE lm_status store_order_timeline(store_read *r, int64_t order_id, int64_t after_seq,
                                           size_t max, store_event **out, size_t *n,
                                           lm_errinfo *err);

/* ---- Configuration ---- */

/* The settings row; fields never written keep what the caller put in *out (its defaults). */
LM_MUST_USE lm_status store_fb_settings_get(store_read *r, store_fb_settings *out, lm_errinfo *err);
LM_MUST_USE lm_status store_fb_settings_put(store_tx *tx, const store_fb_settings *s,
                                            lm_errinfo *err);
/* NOT_FOUND when no calendar is stored under depot_id ("" = the default one). */
LM_MUST_USE lm_status store_fb_calendar_get(store_read *r, const char *depot_id,
                                            store_fb_calendar *out, lm_errinfo *err);
LM_MUST_USE lm_status store_fb_calendar_put(store_tx *tx, const store_fb_calendar *c,
                                            lm_errinfo *err);
LM_MUST_USE lm_status store_fb_calendar_delete(store_tx *tx, const char *depot_id, lm_errinfo *err);
LM_MUST_USE lm_status store_fb_calendar_list(store_read *r, store_fb_calendar **out, size_t *n,
                                             lm_errinfo *err);
/* The SLA table (at most 256 rows); replace writes the whole table. */
LM_MUST_USE lm_status store_fb_sla_list(store_read *r, store_fb_sla **out, size_t *n,
                                        lm_errinfo *err);
LM_MUST_USE lm_status store_fb_sla_replace(store_tx *tx, const store_fb_sla *rows, size_t n,
                                           lm_errinfo *err);

#endif
