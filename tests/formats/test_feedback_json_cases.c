/* tests/formats/test_feedback_json_cases.c: runs every case of tests/data/feedback_json/
 * (case_file.h) through the feedback JSON codec (api/formats/feedback_json.h), without a server.
 * Headers: kind (rating, rating_edit, complaint_staff, complaint_customer, reply_staff,
 * reply_customer, action, patch, assign, survey, config), status / field / reason; checks: a few
 * fields of the decoded record (score, tags as a bit set, comment, stop_id, category, priority,
 * source, text, internal, assignee, patch_priority, driver_shared, imminent_pct, survey_kind, sla,
 * calendars, remove). */
#include "api/formats/feedback_json.h"
#include "api/formats/json.h"
#include "json_case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct decoded {
    fmt_fb_rating rating;
    feedback_complaint_in complaint;
    const char *text;
    bool internal;
    feedback_complaint_patch patch;
    int32_t score;
    fmt_fb_config config;
} decoded;

static const char *or_none(const char *s) {
    return s ? s : "(none)";
}

static bool field_text(const decoded *d, const char *f, char *buf, size_t size) {
    if (!strcmp(f, "score"))
        snprintf(buf, size, "%d", (int)(d->rating.in.score ? d->rating.in.score : d->score));
    else if (!strcmp(f, "tags"))
        snprintf(buf, size, "%u", (unsigned)d->rating.in.tags);
    else if (!strcmp(f, "comment"))
        snprintf(buf, size, "%s", or_none(d->rating.in.comment ? d->rating.in.comment : d->text));
    else if (!strcmp(f, "stop_id"))
        snprintf(buf, size, "%lld", (long long)d->rating.in.stop_id);
    else if (!strcmp(f, "category"))
        snprintf(buf, size, "%s", feedback_category_name(d->complaint.category));
    else if (!strcmp(f, "priority"))
        snprintf(buf, size, "%d", d->complaint.priority);
    else if (!strcmp(f, "patch_priority"))
        snprintf(buf, size, "%d", d->patch.priority);
    else if (!strcmp(f, "source"))
        snprintf(buf, size, "%s", feedback_source_name(d->complaint.source));
    else if (!strcmp(f, "text"))
        snprintf(buf, size, "%s", or_none(d->text ? d->text : d->complaint.text));
    else if (!strcmp(f, "internal"))
        snprintf(buf, size, "%s", d->internal ? "true" : "false");
    else if (!strcmp(f, "assignee"))
        snprintf(buf, size, "%s", or_none(d->patch.assignee));
    else if (!strcmp(f, "driver_shared"))
        snprintf(buf, size, "%d", d->patch.driver_shared);
    else if (!strcmp(f, "imminent_pct"))
        snprintf(buf, size, "%lld", (long long)d->config.settings.imminent_pct);
    else if (!strcmp(f, "survey_kind"))
        snprintf(buf, size, "%s", d->config.settings.survey_kind);
    else if (!strcmp(f, "sla"))
        snprintf(buf, size, "%zu", d->config.n_sla);
    else if (!strcmp(f, "calendars"))
        snprintf(buf, size, "%zu", d->config.n_calendars);
    else if (!strcmp(f, "remove"))
        snprintf(buf, size, "%zu", d->config.n_remove);
    else
        return false;
    return true;
}

static lm_status decode(const char *kind, const cJSON *j, lm_arena *arena, void *out,
                        lm_errinfo *err, bool *known) {
    decoded *d = out;
    d->complaint.priority = -1; /* "not given" */
    *known = true;
    if (!strcmp(kind, "rating") || !strcmp(kind, "rating_edit"))
        return fmt_fb_rating_from_json(j, !strcmp(kind, "rating"), &d->rating, err);
    if (!strcmp(kind, "complaint_staff") || !strcmp(kind, "complaint_customer"))
        return fmt_fb_complaint_from_json(j, !strcmp(kind, "complaint_staff"), &d->complaint, err);
    if (!strcmp(kind, "reply_staff") || !strcmp(kind, "reply_customer"))
        return fmt_fb_reply_from_json(j, !strcmp(kind, "reply_staff"), &d->text, &d->internal, err);
    if (!strcmp(kind, "action")) return fmt_fb_action_from_json(j, &d->text, err);
    if (!strcmp(kind, "patch") || !strcmp(kind, "assign"))
        return fmt_fb_patch_from_json(j, !strcmp(kind, "assign"), &d->patch, err);
    if (!strcmp(kind, "survey")) return fmt_fb_survey_from_json(j, &d->score, &d->text, err);
    if (!strcmp(kind, "config")) {
        feedback_settings base;
        feedback_settings_defaults(&base);
        return fmt_fb_config_from_json(j, arena, &base, &d->config, err);
    }
    *known = false;
    return LM_OK;
}

static bool field_text_of(const void *d, const char *f, char *buf, size_t size) {
    return field_text(d, f, buf, size);
}

static bool run_case(const tc_case *c, char *why, size_t size) {
    static const tc_json_codec codec = {
        .size = sizeof(decoded), .decode = decode, .text = field_text_of};
    return tc_json_run(c, &codec, why, size);
}

int main(void) {
    return tc_main("feedback_json", run_case);
}
