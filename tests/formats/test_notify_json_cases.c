/* tests/formats/test_notify_json_cases.c: runs every case of tests/data/notify_json/
 * (case_file.h) through the notification codec (api/formats/notify_json.h) and, for an accepted
 * template, notify/'s renderer, without a server.
 * Headers: kind (template_email, template_sms, templates, settings, prefs), status / field /
 * reason; for templates "vars: name|ref|eta|link|reason" to render with; checks: subject, body
 * (rendered when vars: is given, else as stored), n (templates), eta_threshold_min, quiet
 * (rows), quiet0 ("depot tz from-to" in minutes), email / sms (the choice: on, off, unset). */
#include "api/formats/json.h"
#include "api/formats/notify_json.h"
#include "json_case.h"

#include <stdio.h>
#include <string.h>

typedef struct decoded {
    notify_template t[FMT_NT_TEMPLATES_MAX];
    size_t n;
    notify_settings settings;
    notify_prefs_change prefs;
    char subject[STORE_NT_SUBJECT_MAX * 2 + 1], body[STORE_NT_TEXT_MAX + 1];
} decoded;

static const char *choice(bool set, bool off) {
    return !set ? "unset" : off ? "off" : "on";
}

static bool field_text(const decoded *d, const char *f, char *buf, size_t size) {
    if (!strcmp(f, "subject"))
        snprintf(buf, size, "%s", d->subject);
    else if (!strcmp(f, "body"))
        snprintf(buf, size, "%s", d->body);
    else if (!strcmp(f, "n"))
        snprintf(buf, size, "%zu", d->n);
    else if (!strcmp(f, "eta_threshold_min"))
        snprintf(buf, size, "%lld", (long long)(d->settings.eta_threshold_s / 60));
    else if (!strcmp(f, "quiet"))
        snprintf(buf, size, "%zu", d->settings.n_quiet);
    else if (!strcmp(f, "quiet0"))
        snprintf(buf, size, "%s %s %d-%d", d->settings.quiet[0].depot_id, d->settings.quiet[0].tz,
                 (int)d->settings.quiet[0].start_min, (int)d->settings.quiet[0].end_min);
    else if (!strcmp(f, "email"))
        snprintf(buf, size, "%s", choice(d->prefs.email_set, d->prefs.email_off));
    else if (!strcmp(f, "sms"))
        snprintf(buf, size, "%s", choice(d->prefs.sms_set, d->prefs.sms_off));
    else
        return false;
    return true;
}

/* Renders the first template with the "vars:" header's values (| separated) into d, or copies
 * it as stored when the case gives none. Control characters in values are written \r and \n. */
static lm_status render(const tc_case *c, decoded *d) {
    const char *vars = tc_get(c, "vars");
    if (!vars) {
        lm_strlcpy(d->subject, d->t[0].subject, sizeof d->subject);
        lm_strlcpy(d->body, d->t[0].body, sizeof d->body);
        return LM_OK;
    }
    /* "\r" / "\n" written in the header stand for the control characters themselves */
    char buf[1024], *part[5] = {"", "", "", "", ""};
    size_t k = 0;
    for (size_t i = 0; vars[i] && k + 1 < sizeof buf; i++) {
        bool esc = vars[i] == '\\' && (vars[i + 1] == 'r' || vars[i + 1] == 'n');
        buf[k++] = esc ? (vars[i + 1] == 'r' ? '\r' : '\n') : vars[i];
        i += esc;
    }
    buf[k] = '\0';
    size_t np = 0;
    part[np++] = buf;
    for (char *p = buf; *p && np < 5; p++)
        if (*p == '|') {
            *p = '\0';
            part[np++] = p + 1;
        }
    notify_vars v = {part[0], part[1], part[2], part[3], part[4]};
    lm_status st = notify_render(d->t[0].subject, &v, true, d->subject, sizeof d->subject);
    return st == LM_OK ? notify_render(d->t[0].body, &v, false, d->body, sizeof d->body) : st;
}

static lm_status decode(const char *kind, const cJSON *j, lm_arena *arena, void *out,
                        lm_errinfo *err, bool *known) {
    (void)arena;
    decoded *d = out;
    *known = true;
    if (!strcmp(kind, "template_email") || !strcmp(kind, "template_sms")) {
        d->t[0].kind = NOTIFY_DELIVERED;
        d->t[0].channel = !strcmp(kind, "template_sms") ? NOTIFY_SMS : NOTIFY_EMAIL;
        d->n = 1;
        return fmt_nt_template_from_json(j, &d->t[0], err);
    }
    if (!strcmp(kind, "templates")) return fmt_nt_templates_from_json(j, d->t, &d->n, err);
    if (!strcmp(kind, "settings")) {
        notify_settings base = {.eta_threshold_s = 900};
        return fmt_nt_settings_from_json(j, &base, &d->settings, err);
    }
    if (!strcmp(kind, "prefs")) return fmt_nt_prefs_from_json(j, &d->prefs, err);
    *known = false;
    return LM_OK;
}

static bool field_text_of(const void *d, const char *f, char *buf, size_t size) {
    return field_text(d, f, buf, size);
}

/* A decoded template is rendered before the checks look at it. */
static bool rendered(const tc_case *c, void *d, char *why, size_t size) {
    decoded *dd = d;
    if (dd->n == 0 || render(c, dd) == LM_OK) return true;
    snprintf(why, size, "rendering failed");
    return false;
}

static bool run_case(const tc_case *c, char *why, size_t size) {
    static const tc_json_codec codec = {
        .size = sizeof(decoded), .decode = decode, .after = rendered, .text = field_text_of};
    return tc_json_run(c, &codec, why, size);
}

int main(void) {
    return tc_main("notify_json", run_case);
}
