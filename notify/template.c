/* notify/template.c: the message templates: the one placeholder syntax ({{name}}), its check at
 * save time, rendering with plain-text values, and the built-in texts. */
#include "notify/notify.h"

#include <stdio.h>
#include <string.h>

static const char *const placeholders[] = {"customer_name", "order_ref", "eta_window",
                                           "tracking_link", "reason"};
#define N_PLACEHOLDERS (sizeof placeholders / sizeof placeholders[0])

/* Index of the placeholder named by s[0..n), or -1. */
static int placeholder_index(const char *s, size_t n) {
    for (size_t i = 0; i < N_PLACEHOLDERS; i++)
        if (strlen(placeholders[i]) == n && !memcmp(placeholders[i], s, n)) return (int)i;
    return -1;
}

/* Walks text's placeholders: each {{...}} must close and name a known one. *has_link says
 * whether {{tracking_link}} is there. */
static lm_status placeholders_check(const char *text, const char *field, bool *has_link,
                                    lm_errinfo *err) {
    *has_link = false;
    for (const char *p = strstr(text, "{{"); p; p = strstr(p, "{{")) {
        const char *name = p + 2;
        const char *close = strstr(name, "}}");
        size_t n = close ? (size_t)(close - name) : 0;
        if (!close || memchr(name, '{', n))
            return lm_errinfo_set(err, LM_INVALID, field,
                                  "'{{' at byte %zu is not closed by '}}' (placeholders are "
                                  "{{name}} with name one of: " NOTIFY_PLACEHOLDERS ")",
                                  (size_t)(p - text));
        int k = placeholder_index(name, n);
        if (k < 0) {
            char shown[40];
            snprintf(shown, sizeof shown, "%.*s", (int)(n < 32 ? n : 32), name);
            lm_utf8_scrub(shown);
            return lm_errinfo_set(
                err, LM_INVALID, field,
                "unknown placeholder {{%s}} at byte %zu; known: " NOTIFY_PLACEHOLDERS, shown,
                (size_t)(p - text));
        }
        *has_link |= !strcmp(placeholders[k], "tracking_link");
        p = close + 2;
    }
    return LM_OK;
}

lm_status notify_template_check(const notify_template *t, lm_errinfo *err) {
    size_t sl = strlen(t->subject), bl = strlen(t->body);
    bool link = false;
    if (t->channel == NOTIFY_SMS && sl)
        return lm_errinfo_set(err, LM_INVALID, "subject", "an SMS template has no subject");
    if (t->channel == NOTIFY_EMAIL) {
        if (sl == 0)
            return lm_errinfo_set(err, LM_INVALID, "subject", "an e-mail template needs a subject");
        if (sl > STORE_NT_SUBJECT_MAX)
            return lm_errinfo_set(err, LM_TOO_BIG, "subject", "subject is longer than %d bytes",
                                  STORE_NT_SUBJECT_MAX);
        if (!lm_utf8_valid(t->subject, sl, ""))
            return lm_errinfo_set(err, LM_INVALID, "subject",
                                  "subject must be UTF-8 on one line, without control characters");
        lm_status rc = placeholders_check(t->subject, "subject", &link, err);
        if (rc != LM_OK) return rc;
    }
    size_t max = t->channel == NOTIFY_SMS ? NOTIFY_SMS_BODY_MAX : STORE_NT_BODY_MAX;
    if (bl == 0) return lm_errinfo_set(err, LM_INVALID, "body", "body is required");
    if (bl > max)
        return lm_errinfo_set(err, LM_TOO_BIG, "body", "body is longer than %zu bytes", max);
    if (!lm_utf8_valid(t->body, bl, "\n"))
        return lm_errinfo_set(err, LM_INVALID, "body",
                              "body must be UTF-8 without control characters other than line "
                              "breaks");
    lm_status rc = placeholders_check(t->body, "body", &link, err);
    if (rc != LM_OK) return rc;
    if (!link)
        return lm_errinfo_set(err, LM_INVALID, "body",
                              "body must contain {{tracking_link}}: every message carries the "
                              "order's tracking link");
    return LM_OK;
}

/* ---- Rendering ---- */

static const char *var_value(const notify_vars *v, int k) {
    const char *vals[N_PLACEHOLDERS] = {v->customer_name, v->order_ref, v->eta_window,
                                        v->tracking_link, v->reason};
    return vals[k] ? vals[k] : "";
}

lm_status notify_render(const char *tmpl, const notify_vars *v, bool one_line, char *out,
                        size_t cap) {
    size_t k = 0;
    for (const char *p = tmpl; *p;) {
        const char *val = NULL;
        size_t adv = 1;
        if (p[0] == '{' && p[1] == '{') {
            const char *close = strstr(p + 2, "}}");
            int idx = close ? placeholder_index(p + 2, (size_t)(close - p - 2)) : -1;
            if (idx >= 0) {
                val = var_value(v, idx);
                adv = (size_t)(close + 2 - p);
            }
        }
        if (val) {
            for (const char *q = val; *q; q++) {
                unsigned char c = (unsigned char)*q;
                /* values are text: no control character of theirs reaches a header or a line */
                if (k + 1 >= cap) return LM_TOO_BIG;
                out[k++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
            }
        } else {
            if (k + 1 >= cap) return LM_TOO_BIG;
            out[k++] = one_line && *p == '\n' ? ' ' : *p;
        }
        p += adv;
    }
    out[k] = '\0';
    return LM_OK;
}

/* ---- Built-in texts ---- */

typedef struct default_text {
    const char *subject, *email, *sms;
} default_text;

static const default_text defaults[NOTIFY__KIND_COUNT] = {
    [NOTIFY_ORDER_CONFIRMED] = {"Order {{order_ref}} confirmed",
                                "Hello {{customer_name}},\n\nwe have your order {{order_ref}} "
                                "and will deliver it {{eta_window}}.\n\nFollow it here: "
                                "{{tracking_link}}\n",
                                "Order {{order_ref}} confirmed, delivery {{eta_window}}. "
                                "Track: {{tracking_link}}"},
    [NOTIFY_OUT_FOR_DELIVERY] = {"Order {{order_ref}} is out for delivery",
                                 "Hello {{customer_name}},\n\nyour order {{order_ref}} is on "
                                 "the van today; expected {{eta_window}}.\n\nFollow it here: "
                                 "{{tracking_link}}\n",
                                 "Your order {{order_ref}} is out for delivery, expected "
                                 "{{eta_window}}. Track: {{tracking_link}}"},
    [NOTIFY_NEXT_STOP] = {"You are the next stop",
                          "Hello {{customer_name}},\n\nthe driver is on the way to you with order "
                          "{{order_ref}}: you are the next stop ({{eta_window}}).\n\nSee the van: "
                          "{{tracking_link}}\n",
                          "You are the next stop for order {{order_ref}} ({{eta_window}}). "
                          "{{tracking_link}}"},
    [NOTIFY_ETA_CHANGED] = {"New delivery time for order {{order_ref}}",
                            "Hello {{customer_name}},\n\nthe delivery of order {{order_ref}} is "
                            "now expected {{eta_window}}.\n\nFollow it here: {{tracking_link}}\n",
                            "Order {{order_ref}} now expected {{eta_window}}. "
                            "{{tracking_link}}"},
    [NOTIFY_DELIVERED] = {"Order {{order_ref}} delivered",
                          "Hello {{customer_name}},\n\norder {{order_ref}} has been delivered. "
                          "Tell us how it went: {{tracking_link}}\n",
                          "Order {{order_ref}} delivered. Rate it: {{tracking_link}}"},
    [NOTIFY_FAILED] = {"We could not deliver order {{order_ref}}",
                       "Hello {{customer_name}},\n\nwe could not deliver order {{order_ref}} "
                       "({{reason}}).\n\nSee what happens next: {{tracking_link}}\n",
                       "We could not deliver order {{order_ref}} ({{reason}}). "
                       "{{tracking_link}}"},
    [NOTIFY_RETURN_REQUESTED] = {"Return for order {{order_ref}} received",
                                 "Hello {{customer_name}},\n\nwe have your return request for "
                                 "order {{order_ref}}.\n\nFollow it here: {{tracking_link}}\n",
                                 "Return for order {{order_ref}} received. {{tracking_link}}"},
};

void notify_template_default(notify_kind kind, notify_channel channel, notify_template *out) {
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->channel = channel;
    if ((unsigned)kind >= NOTIFY__KIND_COUNT) return;
    const default_text *d = &defaults[kind];
    if (channel == NOTIFY_EMAIL) {
        lm_strlcpy(out->subject, d->subject, sizeof out->subject);
        lm_strlcpy(out->body, d->email, sizeof out->body);
    } else {
        lm_strlcpy(out->body, d->sms, sizeof out->body);
    }
}
