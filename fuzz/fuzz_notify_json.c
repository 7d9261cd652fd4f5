/* libFuzzer target for the notification bodies (api/formats/notify_json.c) and the template
 * renderer (notify/template.c). The first byte picks the reader: one template (e-mail, SMS), a
 * set of templates, the settings, a customer's channel choice; the rest is the JSON body, parsed
 * with fmt_json_parse as the server does. An accepted template passes notify/'s own check (so it
 * holds {{tracking_link}}) and renders within its buffer with the link in it, whatever the
 * values; accepted settings are in range. */
#include "api/formats/json.h"
#include "api/formats/notify_json.h"
#include "fuzz_json_body.h"

#include <stdint.h>
#include <string.h>

/* Renders t with values full of what a customer could type, and checks the link is there. */
static void render_check(const notify_template *t) {
    if (notify_template_check(t, NULL) != LM_OK) abort();
    static const char nasty[] = "Eve\r\nBcc: all@x {{tracking_link}} \x7f";
    notify_vars v = {nasty, "#1", "soon", "https://t.test/#abc", nasty};
    char subject[STORE_NT_SUBJECT_MAX * 2 + 1], body[STORE_NT_TEXT_MAX + 1];
    lm_status rs = notify_render(t->subject, &v, true, subject, sizeof subject);
    lm_status rb = notify_render(t->body, &v, false, body, sizeof body);
    if (rs == LM_OK && (strchr(subject, '\r') || strchr(subject, '\n'))) abort();
    if (rb == LM_OK && !strstr(body, "https://t.test/#abc")) abort();
    if (rb == LM_OK && strchr(body, '\r')) abort();
}

static void read_one(int kind, const cJSON *j) {
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = LM_OK;
    if (kind <= 1) {
        notify_template t = {.kind = NOTIFY_DELIVERED, .channel = kind ? NOTIFY_SMS : NOTIFY_EMAIL};
        st = fmt_nt_template_from_json(j, &t, &err);
        if (st == LM_OK) render_check(&t);
    } else if (kind == 2) {
        notify_template t[FMT_NT_TEMPLATES_MAX];
        size_t n = 0;
        st = fmt_nt_templates_from_json(j, t, &n, &err);
        if (st == LM_OK && (n == 0 || n > FMT_NT_TEMPLATES_MAX)) abort();
        for (size_t i = 0; st == LM_OK && i < n; i++)
            render_check(&t[i]);
    } else if (kind == 3) {
        notify_settings base = {.eta_threshold_s = 900}, s;
        st = fmt_nt_settings_from_json(j, &base, &s, &err);
        if (st == LM_OK) {
            if (s.eta_threshold_s < 60 || s.eta_threshold_s > 86400) abort();
            if (s.n_quiet > NOTIFY_QUIET_MAX) abort();
            for (size_t i = 0; i < s.n_quiet; i++) {
                fuzz_check_text(s.quiet[i].depot_id);
                fuzz_check_text(s.quiet[i].tz);
                if (s.quiet[i].start_min == s.quiet[i].end_min) abort();
                if (notify_quiet_release(&s.quiet[i], 1773741600000) < 1773741600000) abort();
            }
        }
    } else {
        notify_prefs_change c;
        st = fmt_nt_prefs_from_json(j, &c, &err);
        if (st == LM_OK && !c.email_set && !c.sms_set) abort();
    }
    fuzz_check_err(st, &err);
}

static void read_body(uint8_t selector, const cJSON *j, lm_arena *arena) {
    (void)arena;
    read_one(selector % 5, j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_json_body(data, size, read_body);
}
