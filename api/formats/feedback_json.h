/* api/formats/feedback_json.h: JSON bodies <-> feedback/ records: ratings, complaint tickets,
 * replies, staff changes, survey answers and the feedback configuration, the codec behind the
 * /v1/track/{token}/... and /v1/complaints routes (docs/feedback.md). Readers refuse unknown keys
 * with the key named, check strings as UTF-8 without control characters (messages may hold line
 * breaks and tabs) and range-check numbers before any cast; errors name the field by its JSON path
 * ("sla[2].priority") in err. Writers build cJSON objects the caller deletes; a customer's or a
 * driver's view leaves out what staff alone may see (assignee, internal notes, authors' ids).
 * Strings handed out by readers are borrowed from the cJSON tree. No store, no HTTP, no globals. */
#ifndef LASTMILE_FORMATS_FEEDBACK_JSON_H
#define LASTMILE_FORMATS_FEEDBACK_JSON_H

#include "common/common.h"
#include "feedback/feedback.h"

#include <cjson/cJSON.h>

/* ---- Readers ---- */

/* A rating: {"score": 1..5, "tags": ["late", ...], "comment": "...", "stop_id": N}. create: score
 * required, stop_id allowed; an edit takes at least one of score, tags, comment (absent ones keep
 * their value: has_* say which came). */
typedef struct fmt_fb_rating {
    feedback_rating_in in;
    bool has_score, has_tags, has_comment;
} fmt_fb_rating;
LM_MUST_USE lm_status fmt_fb_rating_from_json(const cJSON *j, bool create, fmt_fb_rating *out,
                                              lm_errinfo *err);

/* A new ticket. Customer: {"category", "text", "subject"?, "source"?: customer | dispute}. Staff:
 * {"category", "order_id"?, "priority"?, "subject"?, "text"?, "source"?: staff | after_sales,
 * "case_ref"?}. */
LM_MUST_USE lm_status fmt_fb_complaint_from_json(const cJSON *j, bool staff,
                                                 feedback_complaint_in *out, lm_errinfo *err);

/* A message: {"text", "internal"?: bool (staff only)}. */
LM_MUST_USE lm_status fmt_fb_reply_from_json(const cJSON *j, bool staff, const char **text,
                                             bool *internal, lm_errinfo *err);

/* An action's optional body: NULL or {"text"?}: *text NULL when none. */
LM_MUST_USE lm_status fmt_fb_action_from_json(const cJSON *j, const char **text, lm_errinfo *err);

/* A staff change: {"assignee"?, "priority"?, "category"?, "driver_shared"?}, at least one;
 * assign_only: exactly {"assignee"} (the /assign route). */
LM_MUST_USE lm_status fmt_fb_patch_from_json(const cJSON *j, bool assign_only,
                                             feedback_complaint_patch *out, lm_errinfo *err);

/* A survey answer: {"score": 0..10, "comment"?}. */
LM_MUST_USE lm_status fmt_fb_survey_from_json(const cJSON *j, int32_t *score, const char **comment,
                                              lm_errinfo *err);

#define FMT_FB_CALENDARS_MAX 64  /* calendars in one PUT */
#define FMT_FB_SLA_MAX       256 /* rows of the SLA table */

/* PUT /v1/config/feedback: {"settings"?: {some of the settings}, "sla"?: [{"category", "priority"
 * (a name or "any"), "first_response_s", "resolution_s"}], "calendars"?: [{"depot_id" ("" = the
 * default), "tz", "hours", "holidays"?}], "remove_calendars"?: ["depot id", ...]}. settings starts
 * as *base and takes the keys given; sla and calendars come from arena. At least one key. */
typedef struct fmt_fb_config {
    bool has_settings, has_sla;
    feedback_settings settings;
    feedback_sla_rule *sla;
    size_t n_sla;
    feedback_calendar_text *calendars;
    size_t n_calendars;
    const char **remove; /* depot ids whose calendar goes */
    size_t n_remove;
} fmt_fb_config;
LM_MUST_USE lm_status fmt_fb_config_from_json(const cJSON *j, lm_arena *arena,
                                              const feedback_settings *base, fmt_fb_config *out,
                                              lm_errinfo *err);

/* ---- Writers (NULL when out of memory) ---- */

/* Who a ticket is shown to. */
typedef enum fmt_fb_view { FMT_FB_STAFF, FMT_FB_CUSTOMER, FMT_FB_DRIVER } fmt_fb_view;

cJSON *fmt_fb_rating_json(const feedback_rating *rt, bool editable, fmt_fb_view view);
/* A ticket with its thread (msgs may be NULL): staff see every field, the others the ticket's
 * status, category, subject and public messages with the author's kind only. */
cJSON *fmt_fb_complaint_json(const feedback_complaint *c, const feedback_msg *msgs, size_t n_msgs,
                             fmt_fb_view view);
cJSON *fmt_fb_msg_json(const feedback_msg *m, fmt_fb_view view);
/* A queue row: the ticket (staff view) and its countdowns. */
cJSON *fmt_fb_queue_entry_json(const feedback_queue_entry *e);
cJSON *fmt_fb_survey_json(const feedback_survey *s);
cJSON *fmt_fb_settings_json(const feedback_settings *s);
cJSON *fmt_fb_sla_json(const feedback_sla_rule *rows, size_t n);
cJSON *fmt_fb_calendar_json(const feedback_calendar_text *c);
cJSON *fmt_fb_rating_group_json(const feedback_rating_group *g);
cJSON *fmt_fb_complaint_stats_json(const feedback_complaint_stats *s);
cJSON *fmt_fb_survey_stats_json(const feedback_survey_stats *s);

#endif
