/* api/formats/feedback_json.c: JSON bodies -> feedback/ records (api/formats/feedback_json.h), on
 * the project's one family of JSON readers (api/formats/json.h). */
#include "api/formats/feedback_json.h"

#include "api/formats/json.h"

#include <string.h>

static lm_status need_object(const cJSON *j, const char *what, lm_errinfo *err) {
    if (cJSON_IsObject(j)) return LM_OK;
    return lm_errinfo_set(err, LM_INVALID, "body", "expected a JSON object (%s)", what);
}

/* obj[key] as one of a vocabulary's names, parsed by parse into *out; "any" (or null) gives -1
 * when any_ok. Absent: *out untouched. */
static lm_status name_of(const cJSON *obj, const char *key, const char *parent, fmt_json_need need,
                         bool any_ok, bool (*parse)(const char *, int *), const char *list,
                         int *out, lm_errinfo *err) {
    char path[FMT_JSON_PATH_MAX];
    fmt_json_path_key(path, parent, key);
    if (any_ok && cJSON_IsNull(fmt_json_get(obj, key))) {
        *out = -1;
        return LM_OK;
    }
    const char *s = NULL;
    lm_status rc = fmt_json_string(obj, key, parent, need, 32, &s, err);
    if (rc != LM_OK || !s) return rc;
    if (any_ok && !strcmp(s, "any")) {
        *out = -1;
        return LM_OK;
    }
    if (!parse(s, out))
        return lm_errinfo_set(err, LM_INVALID, path, "'%s' is not one of %s%s", s, list,
                              any_ok ? ", any" : "");
    return LM_OK;
}

/* The vocabularies' parsers with an int out-parameter, for name_of. */
static bool parse_category(const char *s, int *out) {
    feedback_category c;
    if (!feedback_category_parse(s, &c)) return false;
    *out = (int)c;
    return true;
}
static bool parse_priority(const char *s, int *out) {
    feedback_priority p;
    if (!feedback_priority_parse(s, &p)) return false;
    *out = (int)p;
    return true;
}
static bool parse_source(const char *s, int *out) {
    feedback_source p;
    if (!feedback_source_parse(s, &p)) return false;
    *out = (int)p;
    return true;
}

#define CATEGORIES "lateness, damage, missing_item, wrong_item, driver_conduct, billing, other"
#define PRIORITIES "low, normal, high, urgent"

/* tags: an array of distinct tag names into a bit set. */
static lm_status tags_of(const cJSON *j, uint32_t *out, bool *has, lm_errinfo *err) {
    const cJSON *arr = NULL;
    size_t n = 0;
    lm_status rc =
        fmt_json_array(j, "tags", "", FMT_JSON_OPTIONAL, FEEDBACK__TAG_COUNT, &arr, &n, err);
    if (rc != LM_OK || !arr) return rc;
    uint32_t bits = 0;
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "tags", i);
        feedback_tag t;
        if (!cJSON_IsString(e) || !feedback_tag_parse(e->valuestring, &t))
            return lm_errinfo_set(err, LM_INVALID, path,
                                  "must be one of late, on_time, rude, friendly, damaged, careful, "
                                  "missing_item, wrong_item, instructions_ignored, great");
        if (bits & (1u << t)) return lm_errinfo_set(err, LM_INVALID, path, "is listed twice");
        bits |= 1u << t;
    }
    *out = bits;
    *has = true;
    return LM_OK;
}

lm_status fmt_fb_rating_from_json(const cJSON *j, bool create, fmt_fb_rating *out,
                                  lm_errinfo *err) {
    static const char *const keys_create[] = {"score", "tags", "comment", "stop_id", NULL};
    static const char *const keys_edit[] = {"score", "tags", "comment", NULL};
    fmt_fb_rating v;
    memset(&v, 0, sizeof v);
    lm_status rc = need_object(j, "a rating", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", create ? keys_create : keys_edit, err);
    int64_t score = -1, stop = 0;
    if (rc == LM_OK)
        rc = fmt_json_int(j, "score", "", create ? FMT_JSON_REQUIRED : FMT_JSON_OPTIONAL, 1, 5,
                          &score, err);
    if (rc == LM_OK && create)
        rc = fmt_json_int(j, "stop_id", "", FMT_JSON_OPTIONAL, 1, INT64_MAX / 2, &stop, err);
    if (rc == LM_OK) rc = tags_of(j, &v.in.tags, &v.has_tags, err);
    if (rc == LM_OK)
        rc = fmt_json_string(j, "comment", "", FMT_JSON_OPTIONAL, FEEDBACK_COMMENT_MAX,
                             &v.in.comment, err);
    if (rc != LM_OK) return rc;
    v.has_score = score >= 0;
    v.in.score = v.has_score ? (int32_t)score : 0;
    v.in.stop_id = stop;
    v.has_comment = v.in.comment != NULL;
    if (!create && !v.has_score && !v.has_tags && !v.has_comment)
        return lm_errinfo_set(err, LM_INVALID, "body", "give at least one of score, tags, comment");
    *out = v;
    return LM_OK;
}

lm_status fmt_fb_complaint_from_json(const cJSON *j, bool staff, feedback_complaint_in *out,
                                     lm_errinfo *err) {
    static const char *const keys_customer[] = {"category", "text", "subject", "source", NULL};
    static const char *const keys_staff[] = {"category", "text",     "subject",  "source",
                                             "order_id", "priority", "case_ref", NULL};
    feedback_complaint_in v;
    memset(&v, 0, sizeof v);
    v.source = staff ? FEEDBACK_SOURCE_STAFF : FEEDBACK_SOURCE_CUSTOMER;
    v.priority = -1;
    int cat = -1, prio = -1, src = (int)v.source;
    int64_t order = 0;
    lm_status rc = need_object(j, "a complaint", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", staff ? keys_staff : keys_customer, err);
    if (rc == LM_OK)
        rc = name_of(j, "category", "", FMT_JSON_REQUIRED, false, parse_category, CATEGORIES, &cat,
                     err);
    if (rc == LM_OK)
        rc = name_of(j, "source", "", FMT_JSON_OPTIONAL, false, parse_source,
                     staff ? "staff, after_sales" : "customer, dispute", &src, err);
    if (rc == LM_OK && staff)
        rc = name_of(j, "priority", "", FMT_JSON_OPTIONAL, false, parse_priority, PRIORITIES, &prio,
                     err);
    if (rc == LM_OK && staff)
        rc = fmt_json_int(j, "order_id", "", FMT_JSON_OPTIONAL, 0, INT64_MAX / 2, &order, err);
    if (rc == LM_OK)
        rc = fmt_json_string(j, "subject", "", FMT_JSON_OPTIONAL, FEEDBACK_SUBJECT_MAX, &v.subject,
                             err);
    if (rc == LM_OK)
        rc = fmt_json_text(j, "text", "", staff ? FMT_JSON_OPTIONAL : FMT_JSON_REQUIRED,
                           FEEDBACK_TEXT_MAX, &v.text, err);
    if (rc == LM_OK && staff)
        rc = fmt_json_string(j, "case_ref", "", FMT_JSON_OPTIONAL, STORE_FB_REF_MAX, &v.case_ref,
                             err);
    if (rc != LM_OK) return rc;
    bool src_ok = staff ? (src == FEEDBACK_SOURCE_STAFF || src == FEEDBACK_SOURCE_AFTER_SALES)
                        : (src == FEEDBACK_SOURCE_CUSTOMER || src == FEEDBACK_SOURCE_DISPUTE);
    if (!src_ok)
        return lm_errinfo_set(err, LM_INVALID, "source", "must be %s",
                              staff ? "staff or after_sales" : "customer or dispute");
    v.source = (feedback_source)src;
    v.category = (feedback_category)cat;
    v.priority = prio;
    v.order_id = order;
    *out = v;
    return LM_OK;
}

lm_status fmt_fb_reply_from_json(const cJSON *j, bool staff, const char **text, bool *internal,
                                 lm_errinfo *err) {
    static const char *const keys_customer[] = {"text", NULL};
    static const char *const keys_staff[] = {"text", "internal", NULL};
    const char *t = NULL;
    bool in = false;
    lm_status rc = need_object(j, "a message", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", staff ? keys_staff : keys_customer, err);
    if (rc == LM_OK)
        rc = fmt_json_text(j, "text", "", FMT_JSON_REQUIRED, FEEDBACK_TEXT_MAX, &t, err);
    if (rc == LM_OK && staff) rc = fmt_json_bool(j, "internal", "", FMT_JSON_OPTIONAL, &in, err);
    if (rc != LM_OK) return rc;
    if (!*t) return lm_errinfo_set(err, LM_INVALID, "text", "must not be empty");
    *text = t;
    *internal = in;
    return LM_OK;
}

lm_status fmt_fb_action_from_json(const cJSON *j, const char **text, lm_errinfo *err) {
    static const char *const keys[] = {"text", NULL};
    const char *t = NULL;
    if (!j) {
        *text = NULL;
        return LM_OK;
    }
    lm_status rc = need_object(j, "an action", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc == LM_OK)
        rc = fmt_json_text(j, "text", "", FMT_JSON_OPTIONAL, FEEDBACK_TEXT_MAX, &t, err);
    if (rc != LM_OK) return rc;
    *text = t && *t ? t : NULL;
    return LM_OK;
}

lm_status fmt_fb_patch_from_json(const cJSON *j, bool assign_only, feedback_complaint_patch *out,
                                 lm_errinfo *err) {
    static const char *const keys_all[] = {"assignee", "priority", "category", "driver_shared",
                                           NULL};
    static const char *const keys_assign[] = {"assignee", NULL};
    feedback_complaint_patch p = {
        .assignee = NULL, .priority = -1, .category = -1, .driver_shared = -1};
    bool shared = false, has_shared = fmt_json_get(j, "driver_shared") != NULL;
    lm_status rc = need_object(j, "a change", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", assign_only ? keys_assign : keys_all, err);
    if (rc == LM_OK)
        rc = fmt_json_string(j, "assignee", "", assign_only ? FMT_JSON_REQUIRED : FMT_JSON_OPTIONAL,
                             STORE_FB_ID_MAX, &p.assignee, err);
    if (rc == LM_OK)
        rc = name_of(j, "priority", "", FMT_JSON_OPTIONAL, false, parse_priority, PRIORITIES,
                     &p.priority, err);
    if (rc == LM_OK)
        rc = name_of(j, "category", "", FMT_JSON_OPTIONAL, false, parse_category, CATEGORIES,
                     &p.category, err);
    if (rc == LM_OK) rc = fmt_json_bool(j, "driver_shared", "", FMT_JSON_OPTIONAL, &shared, err);
    if (rc != LM_OK) return rc;
    if (has_shared) p.driver_shared = shared ? 1 : 0;
    if (!p.assignee && p.priority < 0 && p.category < 0 && p.driver_shared < 0)
        return lm_errinfo_set(err, LM_INVALID, "body",
                              "give at least one of assignee, priority, category, driver_shared");
    *out = p;
    return LM_OK;
}

lm_status fmt_fb_survey_from_json(const cJSON *j, int32_t *score, const char **comment,
                                  lm_errinfo *err) {
    static const char *const keys[] = {"score", "comment", NULL};
    int64_t s = 0;
    const char *c = NULL;
    lm_status rc = need_object(j, "a survey answer", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc == LM_OK) rc = fmt_json_int(j, "score", "", FMT_JSON_REQUIRED, 0, 10, &s, err);
    if (rc == LM_OK)
        rc = fmt_json_string(j, "comment", "", FMT_JSON_OPTIONAL, FEEDBACK_COMMENT_MAX, &c, err);
    if (rc != LM_OK) return rc;
    *score = (int32_t)s;
    *comment = c;
    return LM_OK;
}

/* ---- Configuration ---- */

static lm_status settings_of(const cJSON *o, feedback_settings *s, lm_errinfo *err) {
    static const char *const keys[] = {"edit_window_s",   "reopen_window_s", "imminent_pct",
                                       "auto_ticket_max", "survey_kind",     "survey_expiry_s",
                                       "retention_days",  "escalate_to",     NULL};
    const char *p = "settings";
    lm_status rc = fmt_json_require_object(o, p, err);
    if (rc == LM_OK) rc = fmt_json_only_keys(o, p, keys, err);
    /* wide ranges here; feedback_settings_put checks each setting's own range */
    const int64_t big = INT64_C(10) * 366 * 86400;
    if (rc == LM_OK)
        rc = fmt_json_int(o, "edit_window_s", p, FMT_JSON_OPTIONAL, 0, big, &s->edit_window_s, err);
    if (rc == LM_OK)
        rc = fmt_json_int(o, "reopen_window_s", p, FMT_JSON_OPTIONAL, 0, big, &s->reopen_window_s,
                          err);
    if (rc == LM_OK)
        rc = fmt_json_int(o, "imminent_pct", p, FMT_JSON_OPTIONAL, 0, 100, &s->imminent_pct, err);
    if (rc == LM_OK)
        rc = fmt_json_int(o, "auto_ticket_max", p, FMT_JSON_OPTIONAL, 0, 5, &s->auto_ticket_max,
                          err);
    if (rc == LM_OK)
        rc = fmt_json_int(o, "survey_expiry_s", p, FMT_JSON_OPTIONAL, 0, big, &s->survey_expiry_s,
                          err);
    if (rc == LM_OK)
        rc = fmt_json_int(o, "retention_days", p, FMT_JSON_OPTIONAL, 0, 100000, &s->retention_days,
                          err);
    const char *kind = NULL, *esc = NULL;
    if (rc == LM_OK)
        rc = fmt_json_string(o, "survey_kind", p, FMT_JSON_OPTIONAL, sizeof s->survey_kind - 1,
                             &kind, err);
    if (rc == LM_OK)
        rc = fmt_json_string(o, "escalate_to", p, FMT_JSON_OPTIONAL, STORE_FB_ID_MAX, &esc, err);
    if (rc != LM_OK) return rc;
    if (kind) lm_strlcpy(s->survey_kind, kind, sizeof s->survey_kind);
    if (esc) lm_strlcpy(s->escalate_to, esc, sizeof s->escalate_to);
    return LM_OK;
}

static lm_status sla_row_of(const cJSON *o, const char *p, feedback_sla_rule *row,
                            lm_errinfo *err) {
    static const char *const keys[] = {"category", "priority", "first_response_s", "resolution_s",
                                       NULL};
    const int64_t year = INT64_C(366) * 86400;
    lm_status rc = fmt_json_require_object(o, p, err);
    if (rc == LM_OK) rc = fmt_json_only_keys(o, p, keys, err);
    if (rc == LM_OK)
        rc = name_of(o, "category", p, FMT_JSON_REQUIRED, true, parse_category, CATEGORIES,
                     &row->category, err);
    if (rc == LM_OK)
        rc = name_of(o, "priority", p, FMT_JSON_REQUIRED, true, parse_priority, PRIORITIES,
                     &row->priority, err);
    if (rc == LM_OK)
        rc = fmt_json_int(o, "first_response_s", p, FMT_JSON_REQUIRED, 0, year,
                          &row->first_response_s, err);
    if (rc == LM_OK)
        rc =
            fmt_json_int(o, "resolution_s", p, FMT_JSON_REQUIRED, 0, year, &row->resolution_s, err);
    return rc;
}

static lm_status calendar_of(const cJSON *o, const char *p, feedback_calendar_text *c,
                             lm_errinfo *err) {
    static const char *const keys[] = {"depot_id", "tz", "hours", "holidays", NULL};
    const char *dep = NULL, *tz = NULL, *hours = NULL, *hol = "";
    lm_status rc = fmt_json_require_object(o, p, err);
    if (rc == LM_OK) rc = fmt_json_only_keys(o, p, keys, err);
    if (rc == LM_OK)
        rc = fmt_json_string(o, "depot_id", p, FMT_JSON_REQUIRED, STORE_FB_ID_MAX, &dep, err);
    if (rc == LM_OK) rc = fmt_json_string(o, "tz", p, FMT_JSON_REQUIRED, STORE_FB_TZ_MAX, &tz, err);
    if (rc == LM_OK)
        rc = fmt_json_string(o, "hours", p, FMT_JSON_REQUIRED, STORE_FB_HOURS_MAX, &hours, err);
    if (rc == LM_OK)
        rc = fmt_json_string(o, "holidays", p, FMT_JSON_OPTIONAL, STORE_FB_HOLIDAYS_MAX, &hol, err);
    if (rc != LM_OK) return rc;
    lm_strlcpy(c->depot_id, dep, sizeof c->depot_id);
    lm_strlcpy(c->tz, tz, sizeof c->tz);
    lm_strlcpy(c->hours, hours, sizeof c->hours);
    lm_strlcpy(c->holidays, hol, sizeof c->holidays);
    return LM_OK;
}

/* Each element of key's array through one of the readers above, into arena memory. */
static lm_status list_of(const cJSON *j, const char *key, size_t max, size_t elem, lm_arena *arena,
                         lm_status (*read)(const cJSON *, const char *, void *, lm_errinfo *),
                         void **out, size_t *n, lm_errinfo *err) {
    const cJSON *arr = NULL;
    lm_status rc = fmt_json_array(j, key, "", FMT_JSON_OPTIONAL, max, &arr, n, err);
    if (rc != LM_OK || !arr) return rc;
    char *mem = *n ? lm_arena_alloc(arena, *n * elem) : NULL;
    if (*n && !mem) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    size_t i = 0;
    for (const cJSON *e = arr->child; e && rc == LM_OK; e = e->next, i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, key, i);
        rc = read(e, path, mem + i * elem, err);
    }
    *out = mem;
    return rc;
}
static lm_status read_sla(const cJSON *o, const char *p, void *row, lm_errinfo *err) {
    return sla_row_of(o, p, row, err);
}
static lm_status read_cal(const cJSON *o, const char *p, void *c, lm_errinfo *err) {
    return calendar_of(o, p, c, err);
}
static lm_status read_id(const cJSON *o, const char *p, void *dst, lm_errinfo *err) {
    if (!cJSON_IsString(o) || strlen(o->valuestring) > STORE_FB_ID_MAX ||
        !fmt_json_utf8_ok(o->valuestring, strlen(o->valuestring), false))
        return lm_errinfo_set(err, LM_INVALID, p, "must be a depot id (at most %d bytes)",
                              STORE_FB_ID_MAX);
    *(const char **)dst = o->valuestring;
    return LM_OK;
}

lm_status fmt_fb_config_from_json(const cJSON *j, lm_arena *arena, const feedback_settings *base,
                                  fmt_fb_config *out, lm_errinfo *err) {
    static const char *const keys[] = {"settings", "sla", "calendars", "remove_calendars", NULL};
    fmt_fb_config v;
    memset(&v, 0, sizeof v);
    v.settings = *base;
    lm_status rc = need_object(j, "the feedback configuration", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc != LM_OK) return rc;
    if (!j->child)
        return lm_errinfo_set(err, LM_INVALID, "body",
                              "give at least one of settings, sla, calendars, remove_calendars");
    const cJSON *s = fmt_json_get(j, "settings");
    if (s && (rc = settings_of(s, &v.settings, err)) != LM_OK) return rc;
    v.has_settings = s != NULL;
    v.has_sla = fmt_json_get(j, "sla") != NULL;
    void *mem = NULL;
    rc = list_of(j, "sla", FMT_FB_SLA_MAX, sizeof *v.sla, arena, read_sla, &mem, &v.n_sla, err);
    v.sla = mem;
    if (rc == LM_OK)
        rc = list_of(j, "calendars", FMT_FB_CALENDARS_MAX, sizeof *v.calendars, arena, read_cal,
                     &mem, &v.n_calendars, err);
    if (rc == LM_OK) v.calendars = mem;
    if (rc == LM_OK)
        rc = list_of(j, "remove_calendars", FMT_FB_CALENDARS_MAX, sizeof *v.remove, arena, read_id,
                     &mem, &v.n_remove, err);
    if (rc != LM_OK) return rc;
    v.remove = mem;
    *out = v;
    return LM_OK;
}
