/* api/formats/notify_json.c: the notification bodies (api/formats/notify_json.h). */
#include "api/formats/notify_json.h"
#include "api/formats/json.h"
#include "api/formats/rfc3339.h"

#include <stdio.h>
#include <string.h>

/* ---- Readers ---- */

/* subject / body of one template object at parent into out (kind and channel already set), then
 * notify/'s check with the field under parent. */
static lm_status template_fields(const cJSON *j, const char *parent, notify_template *out,
                                 lm_errinfo *err) {
    out->subject[0] = out->body[0] = '\0';
    lm_status rc = fmt_json_string_into(j, "subject", parent, FMT_JSON_OPTIONAL, false,
                                        out->subject, sizeof out->subject, err);
    if (rc == LM_OK)
        rc = fmt_json_string_into(j, "body", parent, FMT_JSON_REQUIRED, true, out->body,
                                  sizeof out->body, err);
    if (rc != LM_OK) return rc;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    if ((rc = notify_template_check(out, &e)) != LM_OK) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_key(path, parent, e.field);
        return lm_errinfo_set(err, rc, path, "%s", e.message);
    }
    return LM_OK;
}

lm_status fmt_nt_template_from_json(const cJSON *j, notify_template *out, lm_errinfo *err) {
    static const char *const keys[] = {"subject", "body", NULL};
    lm_status rc = fmt_json_require_object(j, "", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc != LM_OK) return rc;
    notify_template t = *out;
    if ((rc = template_fields(j, "", &t, err)) != LM_OK) return rc;
    *out = t;
    return LM_OK;
}

lm_status fmt_nt_templates_from_json(const cJSON *j, notify_template *out, size_t *n,
                                     lm_errinfo *err) {
    static const char *const top[] = {"templates", NULL};
    static const char *const keys[] = {"kind", "channel", "subject", "body", NULL};
    const cJSON *arr = NULL;
    size_t k = 0;
    lm_status rc = fmt_json_require_object(j, "", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", top, err);
    if (rc == LM_OK)
        rc = fmt_json_array(j, "templates", "", FMT_JSON_REQUIRED, FMT_NT_TEMPLATES_MAX, &arr, &k,
                            err);
    if (rc != LM_OK) return rc;
    if (k == 0) return lm_errinfo_set(err, LM_INVALID, "templates", "at least one template");
    notify_template *tmp = lm_calloc(k, sizeof *tmp);
    if (!tmp) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    for (size_t i = 0; i < k && rc == LM_OK; i++) {
        char path[FMT_JSON_PATH_MAX], f[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "templates", i);
        const cJSON *it = cJSON_GetArrayItem(arr, (int)i);
        const char *kind = NULL, *ch = NULL;
        if ((rc = fmt_json_require_object(it, path, err)) != LM_OK ||
            (rc = fmt_json_only_keys(it, path, keys, err)) != LM_OK ||
            (rc = fmt_json_string(it, "kind", path, FMT_JSON_REQUIRED, 32, &kind, err)) != LM_OK ||
            (rc = fmt_json_string(it, "channel", path, FMT_JSON_REQUIRED, 8, &ch, err)) != LM_OK)
            break;
        if (!notify_kind_parse(kind, &tmp[i].kind)) {
            fmt_json_path_key(f, path, "kind");
            rc = lm_errinfo_set(err, LM_INVALID, f, "unknown kind '%s'", kind);
        } else if (!notify_channel_parse(ch, &tmp[i].channel)) {
            fmt_json_path_key(f, path, "channel");
            rc = lm_errinfo_set(err, LM_INVALID, f, "channel must be email or sms");
        } else {
            for (size_t p = 0; p < i && rc == LM_OK; p++)
                if (tmp[p].kind == tmp[i].kind && tmp[p].channel == tmp[i].channel) {
                    fmt_json_path_key(f, path, "kind");
                    rc = lm_errinfo_set(err, LM_INVALID, f, "%s/%s is listed twice", kind, ch);
                }
        }
        if (rc == LM_OK) rc = template_fields(it, path, &tmp[i], err);
    }
    if (rc == LM_OK) {
        memcpy(out, tmp, k * sizeof *tmp);
        *n = k;
    }
    lm_free(tmp);
    return rc;
}

/* "HH:MM" -> minutes after midnight. */
static bool clock_parse(const char *s, int32_t *out) {
    if (!s || strlen(s) != 5 || s[2] != ':') return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9')) return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59) return false;
    *out = h * 60 + m;
    return true;
}

static lm_status quiet_from_json(const cJSON *it, const char *path, store_nt_quiet *q,
                                 lm_errinfo *err) {
    static const char *const keys[] = {"depot", "tz", "from", "to", NULL};
    const char *from = NULL, *to = NULL;
    lm_status rc = fmt_json_require_object(it, path, err);
    if (rc == LM_OK) rc = fmt_json_only_keys(it, path, keys, err);
    if (rc == LM_OK)
        rc = fmt_json_string_into(it, "depot", path, FMT_JSON_REQUIRED, false, q->depot_id,
                                  sizeof q->depot_id, err);
    if (rc == LM_OK)
        rc = fmt_json_string_into(it, "tz", path, FMT_JSON_REQUIRED, false, q->tz, sizeof q->tz,
                                  err);
    if (rc == LM_OK) rc = fmt_json_string(it, "from", path, FMT_JSON_REQUIRED, 5, &from, err);
    if (rc == LM_OK) rc = fmt_json_string(it, "to", path, FMT_JSON_REQUIRED, 5, &to, err);
    if (rc != LM_OK) return rc;
    char f[FMT_JSON_PATH_MAX];
    if (!q->depot_id[0]) {
        fmt_json_path_key(f, path, "depot");
        return lm_errinfo_set(err, LM_INVALID, f, "a depot id, or \"*\" for every other depot");
    }
    bool from_ok = clock_parse(from, &q->start_min);
    if (!from_ok || !clock_parse(to, &q->end_min)) {
        fmt_json_path_key(f, path, from_ok ? "to" : "from");
        return lm_errinfo_set(err, LM_INVALID, f, "must be a time of day HH:MM (00:00..23:59)");
    }
    return notify_quiet_check(q, path, err);
}

lm_status fmt_nt_settings_from_json(const cJSON *j, const notify_settings *base,
                                    notify_settings *out, lm_errinfo *err) {
    static const char *const keys[] = {"eta_threshold_min", "quiet_hours", NULL};
    lm_status rc = fmt_json_require_object(j, "", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc != LM_OK) return rc;
    if (!fmt_json_get(j, "eta_threshold_min") && !fmt_json_get(j, "quiet_hours"))
        return lm_errinfo_set(err, LM_INVALID, "", "give eta_threshold_min, quiet_hours or both");
    notify_settings *s = lm_alloc(sizeof *s);
    if (!s) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    *s = *base;
    int64_t minutes = s->eta_threshold_s / 60;
    const cJSON *arr = NULL;
    size_t k = 0;
    rc = fmt_json_int(j, "eta_threshold_min", "", FMT_JSON_OPTIONAL, 1, 1440, &minutes, err);
    if (rc == LM_OK)
        rc = fmt_json_array(j, "quiet_hours", "", FMT_JSON_OPTIONAL, NOTIFY_QUIET_MAX, &arr, &k,
                            err);
    s->eta_threshold_s = minutes * 60;
    if (rc == LM_OK && arr) {
        s->n_quiet = k;
        for (size_t i = 0; i < k && rc == LM_OK; i++) {
            char path[FMT_JSON_PATH_MAX];
            fmt_json_path_index(path, "quiet_hours", i);
            memset(&s->quiet[i], 0, sizeof s->quiet[i]);
            rc = quiet_from_json(cJSON_GetArrayItem(arr, (int)i), path, &s->quiet[i], err);
            for (size_t p = 0; p < i && rc == LM_OK; p++)
                if (!strcmp(s->quiet[p].depot_id, s->quiet[i].depot_id)) {
                    char f[FMT_JSON_PATH_MAX];
                    fmt_json_path_key(f, path, "depot");
                    rc = lm_errinfo_set(err, LM_INVALID, f, "depot '%s' is listed twice",
                                        s->quiet[i].depot_id);
                }
        }
    }
    if (rc == LM_OK) *out = *s;
    lm_free(s);
    return rc;
}

lm_status fmt_nt_prefs_from_json(const cJSON *j, notify_prefs_change *out, lm_errinfo *err) {
    static const char *const keys[] = {"email", "sms", NULL};
    notify_prefs_change c = {0};
    bool email = true, sms = true;
    lm_status rc = fmt_json_require_object(j, "", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc == LM_OK) rc = fmt_json_bool(j, "email", "", FMT_JSON_OPTIONAL, &email, err);
    if (rc == LM_OK) rc = fmt_json_bool(j, "sms", "", FMT_JSON_OPTIONAL, &sms, err);
    if (rc != LM_OK) return rc;
    c.email_set = fmt_json_get(j, "email") != NULL;
    c.sms_set = fmt_json_get(j, "sms") != NULL;
    if (!c.email_set && !c.sms_set)
        return lm_errinfo_set(err, LM_INVALID, "", "give email, sms or both (true or false)");
    c.email_off = !email;
    c.sms_off = !sms;
    *out = c;
    return LM_OK;
}

/* ---- Writers ---- */

static void add_time(cJSON *o, const char *key, int64_t ms) {
    char t[FMT_TIME_RFC3339_LEN];
    if (ms > 0)
        cJSON_AddStringToObject(o, key, fmt_time_format_rfc3339(ms / 1000, t));
    else
        cJSON_AddNullToObject(o, key);
}

cJSON *fmt_nt_template_json(const notify_template *t) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "kind", notify_kind_name(t->kind));
    cJSON_AddStringToObject(o, "channel", notify_channel_name(t->channel));
    if (t->channel == NOTIFY_EMAIL) cJSON_AddStringToObject(o, "subject", t->subject);
    cJSON_AddStringToObject(o, "body", t->body);
    cJSON_AddBoolToObject(o, "custom", t->custom);
    add_time(o, "updated_at", t->updated_ms);
    return o;
}

static void clock_text(int32_t min, char out[8]) {
    snprintf(out, 8, "%02d:%02d", (int)(min / 60 % 24), (int)(min % 60));
}

cJSON *fmt_nt_settings_json(const notify_settings *s) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "eta_threshold_min", (double)(s->eta_threshold_s / 60));
    cJSON *a = cJSON_AddArrayToObject(o, "quiet_hours");
    for (size_t i = 0; a && i < s->n_quiet; i++) {
        cJSON *q = cJSON_CreateObject();
        char from[8], to[8];
        clock_text(s->quiet[i].start_min, from);
        clock_text(s->quiet[i].end_min, to);
        cJSON_AddStringToObject(q, "depot", s->quiet[i].depot_id);
        cJSON_AddStringToObject(q, "tz", s->quiet[i].tz);
        cJSON_AddStringToObject(q, "from", from);
        cJSON_AddStringToObject(q, "to", to);
        cJSON_AddItemToArray(a, q);
    }
    return o;
}

cJSON *fmt_nt_prefs_json(const notify_prefs *p) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    if (p->has_email)
        cJSON_AddBoolToObject(o, "email", !p->email_off);
    else
        cJSON_AddNullToObject(o, "email");
    if (p->has_sms)
        cJSON_AddBoolToObject(o, "sms", !p->sms_off);
    else
        cJSON_AddNullToObject(o, "sms");
    return o;
}

cJSON *fmt_nt_message_json(const store_nt_message *m) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "id", (double)m->id);
    cJSON_AddNumberToObject(o, "order_id", (double)m->order_id);
    cJSON_AddStringToObject(o, "kind", m->kind);
    cJSON_AddStringToObject(o, "channel", m->channel);
    cJSON_AddStringToObject(o, "to", m->address);
    if (!strcmp(m->channel, "email"))
        cJSON_AddStringToObject(o, "subject", m->subject);
    else
        cJSON_AddNullToObject(o, "subject");
    cJSON_AddStringToObject(o, "body", m->body);
    cJSON_AddStringToObject(o, "status", m->status);
    cJSON_AddNumberToObject(o, "attempts", m->attempts);
    add_time(o, "created_at", m->created_ms);
    add_time(o, "due_at", m->due_ms);
    add_time(o, "sent_at", m->sent_ms);
    if (m->last_error[0])
        cJSON_AddStringToObject(o, "error", m->last_error);
    else
        cJSON_AddNullToObject(o, "error");
    cJSON_AddNumberToObject(o, "event_seq", (double)m->event_seq);
    return o;
}
