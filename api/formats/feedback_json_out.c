/* api/formats/feedback_json_out.c: feedback/ records -> JSON replies (api/formats/feedback_json.h).
 * Typed text goes out as JSON strings and is never interpreted: readers (dashboard, tracking
 * page) escape it. A customer's or driver's view never carries the assignee, internal notes,
 * key ids of staff authors or the SLA bookkeeping. */
#include "api/formats/feedback_json.h"

#include <string.h>

static void num(cJSON *o, const char *k, int64_t v) {
    cJSON_AddNumberToObject(o, k, (double)v);
}

/* v as a number, or null when 0 (a moment that has not happened). */
static void ms_or_null(cJSON *o, const char *k, int64_t v) {
    if (v)
        num(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void str_or_null(cJSON *o, const char *k, const char *v) {
    if (v && *v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *tags_json(uint32_t bits) {
    cJSON *a = cJSON_CreateArray();
    for (int t = 0; t < FEEDBACK__TAG_COUNT; t++)
        if (bits & (1u << t))
            cJSON_AddItemToArray(a, cJSON_CreateString(feedback_tag_name((feedback_tag)t)));
    return a;
}

cJSON *fmt_fb_rating_json(const feedback_rating *rt, bool editable, fmt_fb_view view) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    num(o, "id", rt->id);
    num(o, "order_id", rt->order_id);
    num(o, "stop_id", rt->stop_id);
    num(o, "score", rt->score);
    cJSON_AddItemToObject(o, "tags", tags_json(rt->tags));
    cJSON_AddStringToObject(o, "comment", rt->comment);
    cJSON_AddBoolToObject(o, "editable", editable);
    num(o, "editable_until_ms", rt->frozen_ms);
    num(o, "edits", rt->edits);
    ms_or_null(o, "complaint_id", rt->complaint_id);
    num(o, "created_ms", rt->created_ms);
    num(o, "updated_ms", rt->updated_ms);
    if (view == FMT_FB_STAFF) {
        str_or_null(o, "driver_id", rt->driver_id);
        str_or_null(o, "vehicle_id", rt->vehicle_id);
        str_or_null(o, "depot_id", rt->depot_id);
        ms_or_null(o, "plan_id", rt->plan_id);
    }
    return o;
}

static const char *author_kind(int k) {
    switch (k) {
    case FEEDBACK_ACTOR_CUSTOMER: return "customer";
    case FEEDBACK_ACTOR_STAFF: return "staff";
    case FEEDBACK_ACTOR_DRIVER: return "driver";
    default: return "system";
    }
}

cJSON *fmt_fb_msg_json(const feedback_msg *m, fmt_fb_view view) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    num(o, "id", m->id);
    cJSON_AddStringToObject(o, "author", author_kind(m->author_kind));
    if (view == FMT_FB_STAFF) {
        str_or_null(o, "author_id", m->author_id);
        cJSON_AddBoolToObject(o, "internal", m->internal);
    }
    cJSON_AddStringToObject(o, "text", m->text);
    num(o, "created_ms", m->created_ms);
    return o;
}

/* The SLA clocks of a ticket: due times, and which events were raised. */
static cJSON *sla_json(const feedback_complaint *c) {
    cJSON *s = cJSON_CreateObject();
    ms_or_null(s, "first_response_due_ms", c->fr_due_ms);
    ms_or_null(s, "resolution_due_ms", c->res_due_ms);
    cJSON_AddBoolToObject(s, "first_response_breached", c->sla_sent & FEEDBACK_SLA_FR_BREACHED);
    cJSON_AddBoolToObject(s, "resolution_breached", c->sla_sent & FEEDBACK_SLA_RES_BREACHED);
    return s;
}

cJSON *fmt_fb_complaint_json(const feedback_complaint *c, const feedback_msg *msgs, size_t n_msgs,
                             fmt_fb_view view) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    bool staff = view == FMT_FB_STAFF;
    num(o, "id", c->id);
    ms_or_null(o, "order_id", c->order_id);
    cJSON_AddStringToObject(o, "status", feedback_status_name((feedback_status)c->status));
    cJSON_AddStringToObject(o, "category", feedback_category_name((feedback_category)c->category));
    cJSON_AddStringToObject(o, "source", feedback_source_name((feedback_source)c->source));
    cJSON_AddStringToObject(o, "subject", c->subject);
    num(o, "created_ms", c->created_ms);
    ms_or_null(o, "first_response_ms", c->first_response_ms);
    ms_or_null(o, "resolved_ms", c->resolved_ms);
    ms_or_null(o, "closed_ms", c->closed_ms);
    if (staff) {
        cJSON_AddStringToObject(o, "priority",
                                feedback_priority_name((feedback_priority)c->priority));
        str_or_null(o, "assignee", c->assignee);
        ms_or_null(o, "stop_id", c->stop_id);
        ms_or_null(o, "rating_id", c->rating_id);
        ms_or_null(o, "plan_id", c->plan_id);
        str_or_null(o, "driver_id", c->driver_id);
        str_or_null(o, "vehicle_id", c->vehicle_id);
        str_or_null(o, "depot_id", c->depot_id);
        str_or_null(o, "case_ref", c->case_ref);
        cJSON_AddBoolToObject(o, "driver_shared", c->driver_shared);
        num(o, "reopens", c->reopens);
        num(o, "escalations", c->escalations);
        num(o, "updated_ms", c->updated_ms);
        cJSON_AddItemToObject(o, "sla", sla_json(c));
    }
    if (msgs) {
        cJSON *a = cJSON_AddArrayToObject(o, "messages");
        for (size_t i = 0; i < n_msgs; i++)
            if (staff || !msgs[i].internal)
                cJSON_AddItemToArray(a, fmt_fb_msg_json(&msgs[i], view));
    }
    return o;
}

cJSON *fmt_fb_queue_entry_json(const feedback_queue_entry *e) {
    cJSON *o = fmt_fb_complaint_json(&e->c, NULL, 0, FMT_FB_STAFF);
    if (!o) return NULL;
    if (e->fr_running)
        num(o, "first_response_left_ms", e->fr_left_ms);
    else
        cJSON_AddNullToObject(o, "first_response_left_ms");
    if (e->res_running)
        num(o, "resolution_left_ms", e->res_left_ms);
    else
        cJSON_AddNullToObject(o, "resolution_left_ms");
    return o;
}

cJSON *fmt_fb_survey_json(const feedback_survey *s) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    num(o, "id", s->id);
    num(o, "order_id", s->order_id);
    cJSON_AddStringToObject(o, "kind", s->kind);
    cJSON_AddNumberToObject(o, "min", strcmp(s->kind, "nps") ? 1 : 0);
    cJSON_AddNumberToObject(o, "max", strcmp(s->kind, "nps") ? 5 : 10);
    num(o, "requested_ms", s->requested_ms);
    num(o, "expires_ms", s->expires_ms);
    ms_or_null(o, "answered_ms", s->answered_ms);
    if (s->score >= 0)
        num(o, "score", s->score);
    else
        cJSON_AddNullToObject(o, "score");
    cJSON_AddStringToObject(o, "comment", s->comment);
    return o;
}

cJSON *fmt_fb_settings_json(const feedback_settings *s) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    num(o, "edit_window_s", s->edit_window_s);
    num(o, "reopen_window_s", s->reopen_window_s);
    num(o, "imminent_pct", s->imminent_pct);
    num(o, "auto_ticket_max", s->auto_ticket_max);
    cJSON_AddStringToObject(o, "survey_kind", s->survey_kind);
    num(o, "survey_expiry_s", s->survey_expiry_s);
    num(o, "retention_days", s->retention_days);
    cJSON_AddStringToObject(o, "escalate_to", s->escalate_to);
    return o;
}

cJSON *fmt_fb_sla_json(const feedback_sla_rule *rows, size_t n) {
    cJSON *a = cJSON_CreateArray();
    if (!a) return NULL;
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "category",
                                rows[i].category < 0
                                    ? "any"
                                    : feedback_category_name((feedback_category)rows[i].category));
        cJSON_AddStringToObject(o, "priority",
                                rows[i].priority < 0
                                    ? "any"
                                    : feedback_priority_name((feedback_priority)rows[i].priority));
        num(o, "first_response_s", rows[i].first_response_s);
        num(o, "resolution_s", rows[i].resolution_s);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

cJSON *fmt_fb_calendar_json(const feedback_calendar_text *c) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "depot_id", c->depot_id);
    cJSON_AddStringToObject(o, "tz", c->tz);
    cJSON_AddStringToObject(o, "hours", c->hours);
    cJSON_AddStringToObject(o, "holidays", c->holidays);
    return o;
}

cJSON *fmt_fb_rating_group_json(const feedback_rating_group *g) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "key", g->key);
    num(o, "count", g->count);
    cJSON_AddNumberToObject(o, "average", g->count ? (double)g->sum / (double)g->count : 0.0);
    cJSON *h = cJSON_AddArrayToObject(o, "by_score");
    for (int i = 0; i < 5; i++)
        cJSON_AddItemToArray(h, cJSON_CreateNumber((double)g->by_score[i]));
    num(o, "low", g->low);
    return o;
}

cJSON *fmt_fb_complaint_stats_json(const feedback_complaint_stats *s) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    num(o, "opened", s->opened);
    cJSON *c = cJSON_AddObjectToObject(o, "by_category");
    for (int i = 0; i < FEEDBACK__CAT_COUNT; i++)
        num(c, feedback_category_name((feedback_category)i), s->by_category[i]);
    cJSON *st = cJSON_AddObjectToObject(o, "by_status");
    for (int i = 0; i < FEEDBACK__STATUS_COUNT; i++)
        num(st, feedback_status_name((feedback_status)i), s->by_status[i]);
    num(o, "first_response_breached", s->fr_breached);
    num(o, "resolution_breached", s->res_breached);
    num(o, "answered", s->answered);
    num(o, "first_response_met", s->fr_met);
    num(o, "avg_first_response_ms", s->avg_first_response_ms);
    return o;
}

cJSON *fmt_fb_survey_stats_json(const feedback_survey_stats *s) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    num(o, "asked", s->asked);
    num(o, "answered", s->answered);
    cJSON *h = cJSON_AddArrayToObject(o, "by_score");
    for (int i = 0; i < 11; i++)
        cJSON_AddItemToArray(h, cJSON_CreateNumber((double)s->hist[i]));
    num(o, "nps", s->nps);
    num(o, "csat_pct", s->csat_pct);
    return o;
}
