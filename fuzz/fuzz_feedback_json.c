/* libFuzzer target for the feedback JSON bodies (api/formats/feedback_json.c). The first byte
 * picks the reader: rating (create, edit), complaint (staff, customer), reply (staff, customer),
 * action, change (all, assign only), survey answer, configuration; the rest is the JSON body,
 * parsed with fmt_json_parse as the server does. An accepted body holds valid UTF-8 text within
 * its bounds, scores and enumerations in range, and at least one change where one is required. */
#include "api/formats/feedback_json.h"
#include "api/formats/json.h"
#include "fuzz_json_body.h"

#include <stdint.h>
#include <string.h>

static void check_opt(const char *s, size_t max) {
    if (!s) return;
    fuzz_check_text(s);
    if (strlen(s) > max) abort();
}

static void check_text(const char *s, size_t max) {
    if (!s) return;
    if (!lm_utf8_valid(s, strlen(s), LM_UTF8_LINES) || strlen(s) > max) abort();
}

static void read_one(int kind, const cJSON *j, lm_arena *arena) {
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = LM_OK;
    if (kind <= 1) {
        fmt_fb_rating v;
        st = fmt_fb_rating_from_json(j, kind == 0, &v, &err);
        if (st == LM_OK) {
            if ((kind == 0 || v.has_score) && (v.in.score < 1 || v.in.score > 5)) abort();
            if (v.in.tags >> FEEDBACK__TAG_COUNT) abort();
            if (kind == 1 && !v.has_score && !v.has_tags && !v.has_comment) abort();
            check_opt(v.in.comment, FEEDBACK_COMMENT_MAX);
        }
    } else if (kind <= 3) {
        feedback_complaint_in v;
        st = fmt_fb_complaint_from_json(j, kind == 2, &v, &err);
        if (st == LM_OK) {
            if ((int)v.category < 0 || v.category >= FEEDBACK__CAT_COUNT) abort();
            if (v.priority < -1 || v.priority >= FEEDBACK__PRIO_COUNT) abort();
            if (kind == 3 && (v.priority != -1 || !v.text)) abort();
            check_opt(v.subject, FEEDBACK_SUBJECT_MAX);
            check_text(v.text, FEEDBACK_TEXT_MAX);
            check_opt(v.case_ref, STORE_FB_REF_MAX);
        }
    } else if (kind <= 5) {
        const char *text = NULL;
        bool internal = false;
        st = fmt_fb_reply_from_json(j, kind == 4, &text, &internal, &err);
        if (st == LM_OK && (!text || !*text || (kind == 5 && internal))) abort();
        if (st == LM_OK) check_text(text, FEEDBACK_TEXT_MAX);
    } else if (kind == 6) {
        const char *text = NULL;
        st = fmt_fb_action_from_json(j, &text, &err);
        if (st == LM_OK) check_text(text, FEEDBACK_TEXT_MAX);
    } else if (kind <= 8) {
        feedback_complaint_patch p;
        st = fmt_fb_patch_from_json(j, kind == 8, &p, &err);
        if (st == LM_OK) {
            if (!p.assignee && p.priority < 0 && p.category < 0 && p.driver_shared < 0) abort();
            if (kind == 8 && !p.assignee) abort();
            check_opt(p.assignee, STORE_FB_ID_MAX);
        }
    } else if (kind == 9) {
        int32_t score = -1;
        const char *comment = NULL;
        st = fmt_fb_survey_from_json(j, &score, &comment, &err);
        if (st == LM_OK && (score < 0 || score > 10)) abort();
        if (st == LM_OK) check_opt(comment, FEEDBACK_COMMENT_MAX);
    } else {
        feedback_settings base;
        feedback_settings_defaults(&base);
        fmt_fb_config c;
        st = fmt_fb_config_from_json(j, arena, &base, &c, &err);
        if (st == LM_OK) {
            if (c.n_sla > FMT_FB_SLA_MAX || c.n_calendars > FMT_FB_CALENDARS_MAX) abort();
            fuzz_check_text(c.settings.survey_kind);
            fuzz_check_text(c.settings.escalate_to);
            for (size_t i = 0; i < c.n_calendars; i++) {
                fuzz_check_text(c.calendars[i].depot_id);
                fuzz_check_text(c.calendars[i].tz);
                fuzz_check_text(c.calendars[i].hours);
            }
            for (size_t i = 0; i < c.n_remove; i++)
                check_opt(c.remove[i], STORE_FB_ID_MAX);
        }
    }
    fuzz_check_err(st, &err);
}

static void read_body(uint8_t selector, const cJSON *j, lm_arena *arena) {
    read_one(selector % 11, j, arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_json_body(data, size, read_body);
}
