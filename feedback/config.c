/* feedback/config.c: feedback's run-time configuration: settings (edit and reopen windows,
 * imminent threshold, automatic tickets, surveys, retention, escalation target), business
 * calendars per depot, and the SLA table; validated here, stored through store/. */
#include "feedback/internal.h"

#include <stdio.h>
#include <string.h>

#define DAY_S  INT64_C(86400)
#define YEAR_S (365 * DAY_S)

/* ---- Settings ---- */

void feedback_settings_defaults(feedback_settings *s) {
    memset(s, 0, sizeof *s);
    s->edit_window_s = DAY_S;
    s->reopen_window_s = 7 * DAY_S;
    s->imminent_pct = 80;
    s->auto_ticket_max = 2;
    lm_strlcpy(s->survey_kind, "off", sizeof s->survey_kind);
    s->survey_expiry_s = 7 * DAY_S;
    s->retention_days = 365;
}

lm_status feedback_settings_get(store_read *r, feedback_settings *out, lm_errinfo *err) {
    feedback_settings s;
    feedback_settings_defaults(&s);
    lm_status rc = store_fb_settings_get(r, &s, err);
    if (rc == LM_OK) *out = s;
    return rc;
}

static lm_status range(const char *field, int64_t v, int64_t lo, int64_t hi, lm_errinfo *err) {
    if (v >= lo && v <= hi) return LM_OK;
    return lm_errinfo_set(err, LM_INVALID, field, "%s must be %lld..%lld", field, (long long)lo,
                          (long long)hi);
}

static lm_status configured(store_tx *tx, const char *part, const char *depot_id) {
    feedback__ev e;
    feedback__ev_begin(&e);
    lm_jw_str(&e.w, "part", part);
    if (depot_id) lm_jw_str(&e.w, "depot_id", depot_id);
    return feedback__ev_append(&e, tx, "feedback.configured", "feedback", 0);
}

lm_status feedback_settings_put(store_tx *tx, const feedback_settings *s, lm_errinfo *err) {
    lm_status rc;
    if ((rc = range("edit_window_s", s->edit_window_s, 0, YEAR_S, err)) != LM_OK ||
        (rc = range("reopen_window_s", s->reopen_window_s, 0, YEAR_S, err)) != LM_OK ||
        (rc = range("imminent_pct", s->imminent_pct, 0, 99, err)) != LM_OK ||
        (rc = range("auto_ticket_max", s->auto_ticket_max, 0, 4, err)) != LM_OK ||
        (rc = range("survey_expiry_s", s->survey_expiry_s, 3600, 90 * DAY_S, err)) != LM_OK ||
        (rc = range("retention_days", s->retention_days, 0, 3650, err)) != LM_OK)
        return rc;
    if (strcmp(s->survey_kind, "off") && strcmp(s->survey_kind, "nps") &&
        strcmp(s->survey_kind, "csat"))
        return lm_errinfo_set(err, LM_INVALID, "survey_kind",
                              "survey_kind must be off, nps or csat");
    if ((rc = feedback_text_check(s->escalate_to, STORE_FB_ID_MAX, false, "escalate_to", err)) !=
        LM_OK)
        return rc;
    if ((rc = store_fb_settings_put(tx, s, err)) != LM_OK) return rc;
    return configured(tx, "settings", NULL);
}

/* ---- Calendars ---- */

void feedback_calendar_text_defaults(feedback_calendar_text *c) {
    memset(c, 0, sizeof *c);
    lm_strlcpy(c->tz, "UTC0", sizeof c->tz);
    lm_strlcpy(c->hours, "mon-fri 09:00-18:00", sizeof c->hours);
}

lm_status feedback_calendar_put(store_tx *tx, const feedback_calendar_text *c, lm_errinfo *err) {
    lm_status rc = feedback_text_check(c->depot_id, STORE_FB_ID_MAX, false, "depot_id", err);
    if (rc != LM_OK) return rc;
    if (strnlen(c->tz, sizeof c->tz) == sizeof c->tz ||
        strnlen(c->hours, sizeof c->hours) == sizeof c->hours ||
        strnlen(c->holidays, sizeof c->holidays) == sizeof c->holidays)
        return lm_errinfo_set(err, LM_TOO_BIG, "calendar", "calendar text is not terminated");
    feedback_calendar *cal = lm_alloc(sizeof *cal);
    if (!cal) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    rc = feedback_calendar_parse(c->tz, c->hours, c->holidays, cal, err);
    lm_free(cal);
    if (rc == LM_OK) rc = store_fb_calendar_put(tx, c, err);
    if (rc == LM_OK) rc = configured(tx, "calendar", c->depot_id);
    return rc;
}

lm_status feedback_calendar_delete(store_tx *tx, const char *depot_id, lm_errinfo *err) {
    lm_status rc = store_fb_calendar_delete(tx, depot_id, err);
    if (rc == LM_OK) rc = configured(tx, "calendar", depot_id ? depot_id : "");
    return rc;
}

lm_status feedback_calendar_for(store_read *r, const char *depot_id, feedback_calendar_text *text,
                                feedback_calendar *out, lm_errinfo *err) {
    feedback_calendar_text *t = lm_alloc(sizeof *t);
    if (!t) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lm_status rc = LM_NOT_FOUND;
    if (depot_id && *depot_id) rc = store_fb_calendar_get(r, depot_id, t, err);
    if (rc == LM_NOT_FOUND) rc = store_fb_calendar_get(r, "", t, err);
    if (rc == LM_NOT_FOUND) {
        feedback_calendar_text_defaults(t);
        rc = LM_OK;
    }
    if (rc == LM_OK) lm_errinfo_clear(err);
    if (rc == LM_OK) rc = feedback_calendar_parse(t->tz, t->hours, t->holidays, out, err);
    if (rc == LM_OK && text) *text = *t;
    lm_free(t);
    return rc;
}

/* ---- The SLA table ---- */

size_t feedback_sla_defaults(feedback_sla_rule *rows, size_t cap) {
    static const feedback_sla_rule defaults[] = {
        {-1, -1, 8 * 3600, 24 * 3600},
        {-1, FEEDBACK_PRIO_LOW, 16 * 3600, 40 * 3600},
        {-1, FEEDBACK_PRIO_NORMAL, 8 * 3600, 24 * 3600},
        {-1, FEEDBACK_PRIO_HIGH, 4 * 3600, 16 * 3600},
        {-1, FEEDBACK_PRIO_URGENT, 1 * 3600, 8 * 3600},
    };
    size_t n = sizeof defaults / sizeof defaults[0];
    for (size_t i = 0; i < n && i < cap; i++)
        rows[i] = defaults[i];
    return n;
}

lm_status feedback_sla_list(store_read *r, feedback_sla_rule **out, size_t *n, lm_errinfo *err) {
    feedback_sla_rule *rows = NULL;
    size_t count = 0;
    lm_status rc = store_fb_sla_list(r, &rows, &count, err);
    if (rc != LM_OK) return rc;
    if (count == 0) {
        lm_free(rows);
        count = feedback_sla_defaults(NULL, 0);
        if (!(rows = lm_calloc(count, sizeof *rows)))
            return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
        feedback_sla_defaults(rows, count);
    }
    *out = rows;
    *n = count;
    return LM_OK;
}

lm_status feedback_sla_replace(store_tx *tx, const feedback_sla_rule *rows, size_t n,
                               lm_errinfo *err) {
    if (n == 0 || n > 256)
        return lm_errinfo_set(err, LM_INVALID, "sla", "the SLA table needs 1..256 rows");
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        char field[48];
        const feedback_sla_rule *s = &rows[i];
        if (s->category < -1 || s->category >= FEEDBACK__CAT_COUNT) {
            snprintf(field, sizeof field, "sla[%zu].category", i);
            return lm_errinfo_set(err, LM_INVALID, field, "unknown category");
        }
        if (s->priority < -1 || s->priority >= FEEDBACK__PRIO_COUNT) {
            snprintf(field, sizeof field, "sla[%zu].priority", i);
            return lm_errinfo_set(err, LM_INVALID, field, "unknown priority");
        }
        snprintf(field, sizeof field, "sla[%zu].first_response_s", i);
        lm_status rc = range(field, s->first_response_s, 0, YEAR_S, err);
        if (rc != LM_OK) return rc;
        snprintf(field, sizeof field, "sla[%zu].resolution_s", i);
        if ((rc = range(field, s->resolution_s, 0, YEAR_S, err)) != LM_OK) return rc;
        for (size_t j = 0; j < i; j++)
            if (rows[j].category == s->category && rows[j].priority == s->priority) {
                snprintf(field, sizeof field, "sla[%zu]", i);
                return lm_errinfo_set(err, LM_INVALID, field,
                                      "the same category and priority as sla[%zu]", j);
            }
        any = any || (s->category == -1 && s->priority == -1);
    }
    if (!any)
        return lm_errinfo_set(err, LM_INVALID, "sla",
                              "the SLA table needs a row for any category and any priority");
    lm_status rc = store_fb_sla_replace(tx, rows, n, err);
    if (rc == LM_OK) rc = configured(tx, "sla", NULL);
    return rc;
}

bool feedback_sla_lookup(const feedback_sla_rule *rows, size_t n, feedback_category category,
                         feedback_priority priority, int64_t *first_response_s,
                         int64_t *resolution_s) {
    int best = -1;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        bool cat = rows[i].category == (int)category, prio = rows[i].priority == (int)priority;
        if ((!cat && rows[i].category != -1) || (!prio && rows[i].priority != -1)) continue;
        int score = (cat ? 2 : 0) + (prio ? 1 : 0); /* category before priority */
        if (score > best) best = score, at = i;
    }
    if (best < 0) return false;
    *first_response_s = rows[at].first_response_s;
    *resolution_s = rows[at].resolution_s;
    return true;
}
