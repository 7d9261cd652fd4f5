/* feedback: delivery ratings, satisfaction surveys, complaint tickets, their response SLAs counted
 * in business hours, and escalation when an SLA breaks. A side module: it reads orders and stops
 * through the store and dispatch/'s read functions and learns about deliveries from the event
 * log; the core never calls it. docs/feedback.md describes the model, the states and the rules.
 *
 * Transactions: functions taking a store_tx do their reads, writes and event appends inside it
 * and never commit: the caller commits, then answers. feedback_tick runs its own transactions.
 *
 * Time: every record carries epoch milliseconds from the handle's clock (feedback_opts.now_ms),
 * so tests drive it with a test clock. Business-hour arithmetic is in feedback_calendar.
 *
 * Ownership: records passed in are only read; lists filled here are lm_free'd by the caller.
 * Out-params are untouched on failure and err names the field and the reason. Bad input is
 * LM_INVALID / LM_TOO_BIG, a step the current state does not allow LM_CONFLICT, a record the
 * actor may not see LM_NOT_FOUND (never "exists but forbidden" to a customer), an action the
 * actor's role may not take LM_FORBIDDEN. */
#ifndef LASTMILE_FEEDBACK_H
#define LASTMILE_FEEDBACK_H

#include "common/common.h"
#include "store/store.h"
#include "store/store_feedback.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Vocabulary (each list's names are its JSON spelling) ---- */

#define FEEDBACK_TAG_MAP(X)                                                                        \
    X(LATE, "late")                                                                                \
    X(ON_TIME, "on_time")                                                                          \
    X(RUDE, "rude")                                                                                \
    X(FRIENDLY, "friendly")                                                                        \
    X(DAMAGED, "damaged")                                                                          \
    X(CAREFUL, "careful")                                                                          \
    X(MISSING_ITEM, "missing_item")                                                                \
    X(WRONG_ITEM, "wrong_item")                                                                    \
    X(INSTRUCTIONS_IGNORED, "instructions_ignored")                                                \
    X(GREAT, "great")

#define FEEDBACK_CATEGORY_MAP(X)                                                                   \
    X(LATENESS, "lateness")                                                                        \
    X(DAMAGE, "damage")                                                                            \
    X(MISSING_ITEM, "missing_item")                                                                \
    X(WRONG_ITEM, "wrong_item")                                                                    \
    X(DRIVER_CONDUCT, "driver_conduct")                                                            \
    X(BILLING, "billing")                                                                          \
    X(OTHER, "other")

#define FEEDBACK_PRIORITY_MAP(X)                                                                   \
    X(LOW, "low")                                                                                  \
    X(NORMAL, "normal")                                                                            \
    X(HIGH, "high")                                                                                \
    X(URGENT, "urgent")

#define FEEDBACK_STATUS_MAP(X)                                                                     \
    X(NEW, "new")                                                                                  \
    X(ACKNOWLEDGED, "acknowledged")                                                                \
    X(IN_PROGRESS, "in_progress")                                                                  \
    X(RESOLVED, "resolved")                                                                        \
    X(CLOSED, "closed")

/* Who opened a ticket. */
#define FEEDBACK_SOURCE_MAP(X)                                                                     \
    X(CUSTOMER, "customer")       /* the customer, through the tracking token */                   \
    X(STAFF, "staff")             /* support or a dispatcher */                                    \
    X(RATING, "rating")           /* opened automatically by a low rating */                       \
    X(DISPUTE, "dispute")         /* the customer disputes a failed delivery attempt */            \
    X(AFTER_SALES, "after_sales") /* an after-sales (returns) case links here */

/* What a ticket's handler does next. */
#define FEEDBACK_ACTION_MAP(X)                                                                     \
    X(ACKNOWLEDGE, "acknowledge") /* new -> acknowledged */                                        \
    X(START, "start")             /* acknowledged -> in_progress */                                \
    X(RESOLVE, "resolve")         /* acknowledged | in_progress -> resolved */                     \
    X(CLOSE, "close")             /* resolved -> closed */                                         \
    X(REOPEN, "reopen")           /* resolved | closed -> in_progress, within the window */

#define FEEDBACK_X_ENUM(prefix, name, text) prefix##name,
#define FEEDBACK_TAG_ENUM(name, text)       FEEDBACK_X_ENUM(FEEDBACK_TAG_, name, text)
#define FEEDBACK_CAT_ENUM(name, text)       FEEDBACK_X_ENUM(FEEDBACK_CAT_, name, text)
#define FEEDBACK_PRIO_ENUM(name, text)      FEEDBACK_X_ENUM(FEEDBACK_PRIO_, name, text)
#define FEEDBACK_STATUS_ENUM(name, text)    FEEDBACK_X_ENUM(FEEDBACK_STATUS_, name, text)
#define FEEDBACK_SOURCE_ENUM(name, text)    FEEDBACK_X_ENUM(FEEDBACK_SOURCE_, name, text)
#define FEEDBACK_ACTION_ENUM(name, text)    FEEDBACK_X_ENUM(FEEDBACK_ACTION_, name, text)

typedef enum feedback_tag { FEEDBACK_TAG_MAP(FEEDBACK_TAG_ENUM) FEEDBACK__TAG_COUNT } feedback_tag;
typedef enum feedback_category {
    FEEDBACK_CATEGORY_MAP(FEEDBACK_CAT_ENUM) FEEDBACK__CAT_COUNT
} feedback_category;
typedef enum feedback_priority {
    FEEDBACK_PRIORITY_MAP(FEEDBACK_PRIO_ENUM) FEEDBACK__PRIO_COUNT
} feedback_priority;
typedef enum feedback_status {
    FEEDBACK_STATUS_MAP(FEEDBACK_STATUS_ENUM) FEEDBACK__STATUS_COUNT
} feedback_status;
typedef enum feedback_source {
    FEEDBACK_SOURCE_MAP(FEEDBACK_SOURCE_ENUM) FEEDBACK__SOURCE_COUNT
} feedback_source;
typedef enum feedback_action {
    FEEDBACK_ACTION_MAP(FEEDBACK_ACTION_ENUM) FEEDBACK__ACTION_COUNT
} feedback_action;

/* Names of the values above ("unknown" outside the enum) and their parsers (false when the name
 * is not one). */
const char *feedback_tag_name(feedback_tag t);
bool feedback_tag_parse(const char *name, feedback_tag *out);
const char *feedback_category_name(feedback_category c);
bool feedback_category_parse(const char *name, feedback_category *out);
const char *feedback_priority_name(feedback_priority p);
bool feedback_priority_parse(const char *name, feedback_priority *out);
const char *feedback_status_name(feedback_status s);
bool feedback_status_parse(const char *name, feedback_status *out);
const char *feedback_source_name(feedback_source s);
bool feedback_source_parse(const char *name, feedback_source *out);
const char *feedback_action_name(feedback_action a);
bool feedback_action_parse(const char *name, feedback_action *out);

/* Whether a ticket in `from` may take action a (the one transition table); the status it then
 * has in *to (may be NULL). Time windows (reopen) are checked by feedback_complaint_act. */
bool feedback_action_allowed(feedback_status from, feedback_action a, feedback_status *to);

/* ---- Text rules ---- */

/* Checks free text: at most max_bytes bytes of valid UTF-8 (no overlong forms, no surrogates),
 * no control character (C0, DEL, C1) except '\n' and '\t' when multiline. Markup is not
 * interpreted or stripped: "<b>" is stored as those three characters and every reader escapes.
 * field names the input in err. */
LM_MUST_USE lm_status feedback_text_check(const char *text, size_t max_bytes, bool multiline,
                                          const char *field, lm_errinfo *err);

/* ---- Business calendars ---- */

/* A time zone rule as POSIX TZ describes it ("CET-1CEST,M3.5.0,M10.5.0/3"): a standard offset
 * and optionally a summer offset with its start and end rules. */
typedef struct feedback_tz_rule {
    char kind;       /* 'M' (month.week.day), 'J' (Julian 1..365, no Feb 29) or 'n' (0..365) */
    int month, week; /* M: 1..12, 1..5 (5 = last) */
    int day;         /* M: weekday 0 = Sunday; J / n: the day number */
    int32_t time_s;  /* local time of the switch (default 02:00) */
} feedback_tz_rule;

typedef struct feedback_tz {
    int32_t std_off_s, dst_off_s; /* local = UTC + offset (east positive, unlike POSIX) */
    bool has_dst;
    feedback_tz_rule start, end; /* summer time from start (in standard time) to end (summer) */
} feedback_tz;

/* Parses a POSIX TZ rule, or an IANA zone name ("Europe/Paris") whose current rule is read from
 * the zone file's footer under /usr/share/zoneinfo. LM_INVALID naming field when neither. */
LM_MUST_USE lm_status feedback_tz_parse(const char *spec, const char *field, feedback_tz *out,
                                        lm_errinfo *err);
/* The offset in force at utc_s. */
int32_t feedback_tz_offset(const feedback_tz *tz, int64_t utc_s);
/* The UTC instant of a local wall-clock time. Ambiguous times (the hour repeated in autumn) take
 * the first; times that do not exist (the hour skipped in spring) move forward by the gap. */
int64_t feedback_tz_to_utc(const feedback_tz *tz, int64_t local_s);

#define FEEDBACK_SPANS_MAX    4   /* opening spans per weekday */
#define FEEDBACK_HOLIDAYS_MAX 400 /* holidays per calendar */

typedef struct feedback_calendar {
    feedback_tz tz;
    int32_t open_s[7][FEEDBACK_SPANS_MAX]; /* weekday 0 = Sunday; seconds after local midnight */
    int32_t close_s[7][FEEDBACK_SPANS_MAX];
    int n_spans[7];
    int32_t holidays[FEEDBACK_HOLIDAYS_MAX]; /* local dates as days since 1970-01-01, sorted */
    size_t n_holidays;
} feedback_calendar;

/* Compiles a calendar: tz as feedback_tz_parse; hours like "mon-fri 09:00-12:30 13:30-18:00;
 * sat 09:00-13:00" (days sun..sat, ranges wrap, "24:00" closes at midnight, spans of one day
 * sorted and disjoint, at least one span in the week); holidays "2026-12-25, 2027-01-01" (real
 * dates, "" = none). Errors name the field ("tz", "hours", "holidays") and the bad piece. */
LM_MUST_USE lm_status feedback_calendar_parse(const char *tz, const char *hours,
                                              const char *holidays, feedback_calendar *out,
                                              lm_errinfo *err);
/* The instant business_ms of opening time after from_ms (from_ms itself when business_ms is 0).
 * LM_INVALID if the calendar has no opening in the ten years after from_ms. */
LM_MUST_USE lm_status feedback_calendar_add(const feedback_calendar *cal, int64_t from_ms,
                                            int64_t business_ms, int64_t *out);
/* Opening time between from_ms and to_ms (0 when to_ms <= from_ms), counted for at most ten
 * years. */
int64_t feedback_calendar_elapsed(const feedback_calendar *cal, int64_t from_ms, int64_t to_ms);

/* ---- Configuration (stored; changed at run time) ---- */

/* Settings: edit_window_s (rating editable, default 86400), reopen_window_s (7 days),
 * imminent_pct (80), auto_ticket_max (2: ratings 1..2 open a ticket; 0 = never), survey_kind
 * ("off" | "nps" | "csat", default "off"), survey_expiry_s (7 days), retention_days (365; 0 =
 * keep forever), escalate_to ("" = breached tickets keep their assignee). */
typedef store_fb_settings feedback_settings;
void feedback_settings_defaults(feedback_settings *s);
/* The defaults overlaid with what is stored. */
LM_MUST_USE lm_status feedback_settings_get(store_read *r, feedback_settings *out, lm_errinfo *err);
/* Validates (ranges, survey_kind, escalate_to as text) and stores; event feedback.configured. */
LM_MUST_USE lm_status feedback_settings_put(store_tx *tx, const feedback_settings *s,
                                            lm_errinfo *err);

/* The calendar texts as stored (depot_id "" = the default calendar). */
typedef store_fb_calendar feedback_calendar_text;
/* The default calendar when nothing is stored: UTC, Monday to Friday 09:00-18:00, no holiday. */
void feedback_calendar_text_defaults(feedback_calendar_text *c);
/* Validates with feedback_calendar_parse and stores under c->depot_id; event feedback.configured.
 * A depot's calendar applies to tickets about that depot's orders, the default to all others. */
LM_MUST_USE lm_status feedback_calendar_put(store_tx *tx, const feedback_calendar_text *c,
                                            lm_errinfo *err);
/* Removes a depot's calendar (its tickets fall back to the default); NOT_FOUND when none. */
LM_MUST_USE lm_status feedback_calendar_delete(store_tx *tx, const char *depot_id, lm_errinfo *err);
/* The calendar that applies to depot_id: its own, else the stored default, else the built-in. */
LM_MUST_USE lm_status feedback_calendar_for(store_read *r, const char *depot_id,
                                            feedback_calendar_text *text, feedback_calendar *out,
                                            lm_errinfo *err);

/* One SLA rule: budgets in business seconds for a category and priority (-1 = any). The most
 * specific matching row applies (both given, then category, then priority, then any). */
typedef store_fb_sla feedback_sla_rule;
/* The built-in table: urgent 1 h / 8 h, high 4 h / 16 h, normal 8 h / 24 h, low 16 h / 40 h. */
size_t feedback_sla_defaults(feedback_sla_rule *rows, size_t cap);
/* The stored table, or the built-in one when none is stored. *out lm_free'd by the caller. */
LM_MUST_USE lm_status feedback_sla_list(store_read *r, feedback_sla_rule **out, size_t *n,
                                        lm_errinfo *err);
/* Validates (known category / priority or -1, no duplicate pair, budgets 0..1 year, the any/any
 * row present so every ticket has budgets) and replaces the table; event feedback.configured.
 * Tickets already open keep the due times they had. */
LM_MUST_USE lm_status feedback_sla_replace(store_tx *tx, const feedback_sla_rule *rows, size_t n,
                                           lm_errinfo *err);
/* The budgets of (category, priority) in rows; false when no row matches. */
bool feedback_sla_lookup(const feedback_sla_rule *rows, size_t n, feedback_category category,
                         feedback_priority priority, int64_t *first_response_s,
                         int64_t *resolution_s);

/* ---- The handle ---- */

typedef struct feedback feedback;

typedef struct feedback_opts {
    store *st;               /* required; borrowed, must outlive the handle */
    int64_t (*now_ms)(void); /* clock; lm_now_ms by default (tests pin it) */
    int64_t tick_ms;         /* a worker thread calls feedback_tick this often; 0 = none (the
                                default: the caller ticks) */
} feedback_opts;

void feedback_opts_init(feedback_opts *o);
/* Validates o and starts the worker thread when tick_ms > 0. */
LM_MUST_USE lm_status feedback_create(const feedback_opts *o, feedback **out, lm_errinfo *err);
/* Stops the worker (waiting for a tick in progress) and frees the handle. NULL-safe. */
void feedback_destroy(feedback *fb);
/* The handle's clock now (epoch ms): what editable windows and SLA countdowns are measured at. */
int64_t feedback_now_ms(const feedback *fb);

/* Who acts: a customer holding the tracking token of order_id, a staff key (support, dispatcher,
 * admin: id is the key id or name recorded as the author), a driver (id = driver id), or the
 * server itself (automatic tickets, the tick). */
typedef enum feedback_actor_kind {
    FEEDBACK_ACTOR_CUSTOMER,
    FEEDBACK_ACTOR_STAFF,
    FEEDBACK_ACTOR_DRIVER,
    FEEDBACK_ACTOR_SYSTEM,
} feedback_actor_kind;

typedef struct feedback_actor {
    feedback_actor_kind kind;
    const char *id;   /* staff / driver id ("" allowed for staff) */
    int64_t order_id; /* customer: the order their token resolves to */
} feedback_actor;

/* The order a tracking token shows; NOT_FOUND when no order has it. */
LM_MUST_USE lm_status feedback_order_by_token(store_read *r, const char *token, int64_t *order_id,
                                              lm_errinfo *err);

/* ---- Ratings ---- */

#define FEEDBACK_COMMENT_MAX STORE_FB_COMMENT_MAX

typedef store_rating feedback_rating;

typedef struct feedback_rating_in {
    int64_t stop_id;     /* create: the delivery attempt rated; 0 = the order's latest one */
    int32_t score;       /* 1..5 */
    uint32_t tags;       /* bits (1u << feedback_tag) */
    const char *comment; /* NULL = none; one line, at most FEEDBACK_COMMENT_MAX bytes */
} feedback_rating_in;

/* Rates a delivery attempt of order_id (delivered or failed): one rating per stop, CONFLICT when
 * the stop already has one (the loser of two concurrent submissions gets this) or the order has
 * no finished attempt yet. Takes the driver, vehicle, depot and route (plan, vehicle) from the
 * stop and the order at this moment. A score at or below settings.auto_ticket_max opens a ticket
 * (source rating) in the same tx, linked both ways. Events rating.created (+ complaint.opened). */
LM_MUST_USE lm_status feedback_rating_create(feedback *fb, store_tx *tx, int64_t order_id,
                                             const feedback_rating_in *in, feedback_rating *out,
                                             lm_errinfo *err);
/* Changes score, tags and comment of rating_id (which must belong to order_id: NOT_FOUND
 * otherwise) until settings.edit_window_s after its creation, then CONFLICT ("frozen"). An edit
 * down to the threshold opens a ticket if the rating has none. Event rating.updated. */
LM_MUST_USE lm_status feedback_rating_edit(feedback *fb, store_tx *tx, int64_t order_id,
                                           int64_t rating_id, const feedback_rating_in *in,
                                           feedback_rating *out, lm_errinfo *err);
/* The newest rating of an order; NOT_FOUND when none. */
LM_MUST_USE lm_status feedback_rating_of_order(store_read *r, int64_t order_id,
                                               feedback_rating *out, lm_errinfo *err);
/* Whether the rating can still be edited at now_ms. */
bool feedback_rating_editable(const feedback_rating *rt, int64_t now_ms);

/* ---- Complaints ---- */

#define FEEDBACK_TEXT_MAX    STORE_FB_TEXT_MAX
#define FEEDBACK_SUBJECT_MAX STORE_FB_SUBJECT_MAX

typedef store_complaint feedback_complaint;
typedef store_complaint_msg feedback_msg;

/* SLA event bits of feedback_complaint.sla_sent. */
#define FEEDBACK_SLA_FR_IMMINENT  1u
#define FEEDBACK_SLA_FR_BREACHED  2u
#define FEEDBACK_SLA_RES_IMMINENT 4u
#define FEEDBACK_SLA_RES_BREACHED 8u

typedef struct feedback_complaint_in {
    feedback_source source; /* CUSTOMER / DISPUTE for customers; STAFF / AFTER_SALES for staff */
    int64_t order_id;       /* staff: the order it is about (0 = none); customers: ignored */
    feedback_category category;
    int priority;         /* feedback_priority, or -1 for normal; customers cannot set it */
    const char *subject;  /* one line, at most FEEDBACK_SUBJECT_MAX bytes ("" allowed) */
    const char *text;     /* the first message (public); required from customers */
    const char *case_ref; /* AFTER_SALES: the case reference (required) */
} feedback_complaint_in;

/* Opens a ticket: status new, due times from the SLA table and the calendar of the order's depot,
 * linked to the order's latest delivery attempt (driver, vehicle, depot, route) when it has one.
 * DISPUTE requires that attempt to have failed (CONFLICT otherwise). Event complaint.opened. */
LM_MUST_USE lm_status feedback_complaint_open(feedback *fb, store_tx *tx, const feedback_actor *who,
                                              const feedback_complaint_in *in,
                                              feedback_complaint *out, lm_errinfo *err);
/* Moves a ticket (see FEEDBACK_ACTION_MAP). Staff may take every action; a customer only close
 * and reopen their own ticket (FORBIDDEN otherwise). A step the status does not allow is
 * CONFLICT naming the status and the actions it allows; reopen after settings.reopen_window_s
 * from the resolution is CONFLICT. text (NULL = none) is added as a public message. Resolving
 * stops the SLA clocks; reopening restarts the resolution clock from now with the full budget.
 * Event complaint.<acknowledged|in_progress|resolved|closed|reopened>. */
LM_MUST_USE lm_status feedback_complaint_act(feedback *fb, store_tx *tx, const feedback_actor *who,
                                             int64_t id, feedback_action action, const char *text,
                                             feedback_complaint *out, lm_errinfo *err);
/* Adds a message. Staff write public replies or internal notes; customers public replies only.
 * The first public staff reply is the first response (it stops that SLA clock) and acknowledges
 * a new ticket. Nothing but internal notes on a closed ticket (CONFLICT: reopen it first).
 * Events complaint.replied / complaint.noted (ids only, never the text). */
LM_MUST_USE lm_status feedback_complaint_reply(feedback *fb, store_tx *tx,
                                               const feedback_actor *who, int64_t id, bool internal,
                                               const char *text, feedback_msg *out,
                                               lm_errinfo *err);

/* A staff change to a ticket: NULL / -1 fields stay as they are. */
typedef struct feedback_complaint_patch {
    const char *assignee; /* "" = unassign */
    int priority;         /* feedback_priority */
    int category;         /* feedback_category */
    int driver_shared;    /* 0 / 1: the driver may read the ticket's public thread */
} feedback_complaint_patch;

/* Applies p (staff only). A new priority or category re-computes the due times of the clocks
 * still running from their start. Event complaint.updated naming what changed. */
LM_MUST_USE lm_status feedback_complaint_update(feedback *fb, store_tx *tx,
                                                const feedback_actor *who, int64_t id,
                                                const feedback_complaint_patch *p,
                                                feedback_complaint *out, lm_errinfo *err);
/* One ticket as who may see it, with its messages (*msgs lm_free'd; may be NULL to skip): staff
 * everything; a customer only a ticket of their order, without internal notes; a driver only a
 * ticket about them that a dispatcher shared, its public thread. NOT_FOUND otherwise. */
LM_MUST_USE lm_status feedback_complaint_get(store_read *r, const feedback_actor *who, int64_t id,
                                             feedback_complaint *out, feedback_msg **msgs,
                                             size_t *n_msgs, lm_errinfo *err);

/* ---- The dispatcher's queue and analytics ---- */

typedef struct feedback_queue_entry {
    feedback_complaint c;
    bool fr_running, res_running;    /* the clock is still counting */
    int64_t fr_left_ms, res_left_ms; /* due - now (negative once breached); 0 when not running */
} feedback_queue_entry;

/* Tickets matching f (store_complaint_filter; by_due puts the nearest deadline first) with their
 * SLA countdowns at now_ms. *out lm_free'd by the caller. */
LM_MUST_USE lm_status feedback_queue(store_read *r, const store_complaint_filter *f, int64_t now_ms,
                                     feedback_queue_entry **out, size_t *n, lm_errinfo *err);

/* The order's timeline for the ticket view: events about the order, its stops (dispatch), its
 * ratings, surveys and tickets after after_seq, oldest first, at most max (1..10000). Free with
 * store_events_free. Events of modules that key them by order id (returns) join as they come. */
LM_MUST_USE lm_status feedback_order_timeline(store_read *r, int64_t order_id, int64_t after_seq,
                                              size_t max, store_event **out, size_t *n,
                                              lm_errinfo *err);

/* Per driver / vehicle / depot ratings in [since_ms, until_ms): group_by "driver_id",
 * "vehicle_id" or "depot_id". */
typedef store_rating_group feedback_rating_group;
LM_MUST_USE lm_status feedback_rating_groups(store_read *r, const char *group_by, int64_t since_ms,
                                             int64_t until_ms, feedback_rating_group **out,
                                             size_t *n, lm_errinfo *err);

typedef struct feedback_complaint_stats {
    int64_t opened; /* tickets opened in the range */
    int64_t by_category[FEEDBACK__CAT_COUNT];
    int64_t by_status[FEEDBACK__STATUS_COUNT];
    int64_t fr_breached, res_breached; /* tickets whose SLA broke */
    int64_t answered, fr_met;          /* with a first response / before its due time */
    int64_t avg_first_response_ms;     /* wall time, over answered tickets (0 when none) */
} feedback_complaint_stats;
LM_MUST_USE lm_status feedback_complaint_stats_get(store_read *r, int64_t since_ms,
                                                   int64_t until_ms, feedback_complaint_stats *out,
                                                   lm_errinfo *err);

/* ---- Satisfaction surveys ---- */

typedef store_survey feedback_survey;

/* The newest survey of an order (NOT_FOUND when none was asked). */
LM_MUST_USE lm_status feedback_survey_of_order(store_read *r, int64_t order_id,
                                               feedback_survey *out, lm_errinfo *err);
/* Records the answer to the order's survey: score 0..10 (nps) or 1..5 (csat), comment as a
 * rating's. CONFLICT when already answered or expired; NOT_FOUND when none. Event
 * survey.answered. */
LM_MUST_USE lm_status feedback_survey_answer(feedback *fb, store_tx *tx, int64_t order_id,
                                             int32_t score, const char *comment,
                                             feedback_survey *out, lm_errinfo *err);

typedef struct feedback_survey_stats {
    int64_t asked, answered;
    int64_t hist[11]; /* answers per score */
    int64_t nps;      /* nps: % promoters (9-10) - % detractors (0-6), -100..100 */
    int64_t csat_pct; /* csat: % of answers 4-5 */
} feedback_survey_stats;
LM_MUST_USE lm_status feedback_survey_stats_get(store_read *r, const char *kind, int64_t since_ms,
                                                int64_t until_ms, feedback_survey_stats *out,
                                                lm_errinfo *err);

/* ---- Periodic work ---- */

typedef struct feedback_tick_result {
    size_t imminent, breached, escalated; /* SLA events raised */
    size_t surveys;                       /* surveys asked (survey.requested) */
    size_t closed;                        /* resolved tickets closed after the reopen window */
    int64_t erased;                       /* messages erased by retention */
} feedback_tick_result;

/* Does what is due at now_ms, each part in its own transactions, each event exactly once even
 * across restarts (the record of what was raised commits with the event):
 *  - sla.breach_imminent when imminent_pct of a running clock's budget is used, sla.breached at
 *    its due time, with escalation on a breach (priority one step up, reassigned to
 *    settings.escalate_to when set, event complaint.escalated, an entry in the order's
 *    exception queue); an imminent moment already past its due time is skipped silently;
 *  - survey.requested for each delivery (stop.delivered in the event log) when surveys are on;
 *  - resolved tickets past the reopen window are closed (complaint.closed, by "system");
 *  - message text of tickets closed more than retention_days ago is erased.
 * out may be NULL. */
LM_MUST_USE lm_status feedback_tick(feedback *fb, int64_t now_ms, feedback_tick_result *out,
                                    lm_errinfo *err);

#endif
