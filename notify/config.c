/* notify/config.c: what operators and customers set in the database: templates (stored or the
 * built-in default), the ETA threshold and quiet hours, and each customer's opt-outs (kept per
 * channel and normalised address, so one opt-out covers every order of that customer). */
#include "notify/internal.h"
#include "orders/orders.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

lm_status notify_template_get(store_read *r, notify_kind kind, notify_channel channel,
                              notify_template *out, lm_errinfo *err) {
    store_nt_template t;
    lm_status rc =
        store_nt_template_get(r, notify_kind_name(kind), notify_channel_name(channel), &t, err);
    if (rc == LM_NOT_FOUND) {
        notify_template_default(kind, channel, out);
        return LM_OK;
    }
    if (rc != LM_OK) return rc;
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->channel = channel;
    lm_strlcpy(out->subject, t.subject, sizeof out->subject);
    lm_strlcpy(out->body, t.body, sizeof out->body);
    out->custom = true;
    out->updated_ms = t.updated_ms;
    return LM_OK;
}

lm_status notify_template_put(store_tx *tx, const notify_template *t, int64_t now_ms,
                              lm_errinfo *err) {
    if ((unsigned)t->kind >= NOTIFY__KIND_COUNT || (unsigned)t->channel >= NOTIFY__CHANNEL_COUNT)
        return lm_errinfo_set(err, LM_INVALID, "kind", "unknown kind or channel");
    lm_status rc = notify_template_check(t, err);
    if (rc != LM_OK) return rc;
    store_nt_template s;
    memset(&s, 0, sizeof s);
    lm_strlcpy(s.kind, notify_kind_name(t->kind), sizeof s.kind);
    lm_strlcpy(s.channel, notify_channel_name(t->channel), sizeof s.channel);
    lm_strlcpy(s.subject, t->subject, sizeof s.subject);
    lm_strlcpy(s.body, t->body, sizeof s.body);
    s.updated_ms = now_ms;
    if ((rc = store_nt_template_put(tx, &s, err)) != LM_OK) return rc;
    char payload[96];
    snprintf(payload, sizeof payload, "{\"kind\":\"%s\",\"channel\":\"%s\"}", s.kind, s.channel);
    return store_event_append(tx, "notify.template_saved", "template", NULL, payload);
}

lm_status notify_settings_get(store_read *r, notify_settings *out, lm_errinfo *err) {
    memset(out, 0, sizeof *out);
    bool found = false;
    int64_t v = 0;
    lm_status rc = store_meta_get(r, NOTIFY_ETA_KEY, &v, &found);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot read the settings");
    out->eta_threshold_s = found ? v : NOTIFY_ETA_DEFAULT_S;
    store_nt_quiet *q = NULL;
    size_t n = 0;
    if ((rc = store_nt_quiet_list(r, &q, &n, err)) != LM_OK) return rc;
    for (size_t i = 0; i < n && i < NOTIFY_QUIET_MAX; i++)
        out->quiet[out->n_quiet++] = q[i];
    lm_free(q);
    return LM_OK;
}

lm_status notify_settings_put(store_tx *tx, const notify_settings *s, lm_errinfo *err) {
    if (s->eta_threshold_s < 60 || s->eta_threshold_s > 86400)
        return lm_errinfo_set(err, LM_INVALID, "eta_threshold_min",
                              "eta_threshold_min must be 1..1440");
    if (s->n_quiet > NOTIFY_QUIET_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "quiet_hours", "at most %d quiet-hours rows",
                              NOTIFY_QUIET_MAX);
    for (size_t i = 0; i < s->n_quiet; i++) {
        char field[48];
        snprintf(field, sizeof field, "quiet_hours[%zu]", i);
        lm_status rc = notify_quiet_check(&s->quiet[i], field, err);
        if (rc != LM_OK) return rc;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s->quiet[j].depot_id, s->quiet[i].depot_id)) {
                snprintf(field, sizeof field, "quiet_hours[%zu].depot", i);
                return lm_errinfo_set(err, LM_INVALID, field, "depot '%s' is listed twice",
                                      s->quiet[i].depot_id);
            }
    }
    lm_status rc = store_meta_put(tx, NOTIFY_ETA_KEY, s->eta_threshold_s);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot store the settings");
    if ((rc = store_nt_quiet_replace(tx, s->quiet, s->n_quiet, err)) != LM_OK) return rc;
    char payload[96];
    snprintf(payload, sizeof payload, "{\"eta_threshold_s\":%" PRId64 ",\"quiet_hours\":%zu}",
             s->eta_threshold_s, s->n_quiet);
    return store_event_append(tx, "notify.settings_saved", "notify", NULL, payload);
}

/* ---- Opt-outs ---- */

/* The order's normalised addresses: "" where it has none. */
static lm_status order_addresses(store_read *r, int64_t order_id, char *email, size_t es,
                                 char *phone, size_t ps, lm_errinfo *err) {
    store_order o;
    memset(&o, 0, sizeof o);
    lm_status rc = store_order_get(r, order_id, &o, err);
    if (rc != LM_OK) return rc;
    orders_email_normalize(o.customer_email, email, es);
    orders_phone_normalize(o.customer_phone, phone, ps);
    store_order_clear(&o);
    return LM_OK;
}

lm_status notify_prefs_get(store_read *r, int64_t order_id, notify_prefs *out, lm_errinfo *err) {
    char email[STORE_NT_ADDR_MAX + 1], phone[STORE_NT_ADDR_MAX + 1];
    lm_status rc = order_addresses(r, order_id, email, sizeof email, phone, sizeof phone, err);
    if (rc != LM_OK) return rc;
    memset(out, 0, sizeof *out);
    out->has_email = email[0] != '\0';
    out->has_sms = phone[0] != '\0';
    if (out->has_email && (rc = store_nt_optout_has(r, "email", email, &out->email_off, err)))
        return rc;
    if (out->has_sms && (rc = store_nt_optout_has(r, "sms", phone, &out->sms_off, err))) return rc;
    return LM_OK;
}

lm_status notify_prefs_put(store_tx *tx, int64_t order_id, const notify_prefs_change *c,
                           int64_t now_ms, lm_errinfo *err) {
    char email[STORE_NT_ADDR_MAX + 1], phone[STORE_NT_ADDR_MAX + 1];
    lm_status rc =
        order_addresses(store_tx_read(tx), order_id, email, sizeof email, phone, sizeof phone, err);
    if (rc != LM_OK) return rc;
    if (c->email_set && !email[0])
        return lm_errinfo_set(err, LM_INVALID, "email", "this order has no e-mail address");
    if (c->sms_set && !phone[0])
        return lm_errinfo_set(err, LM_INVALID, "sms", "this order has no phone number");
    if (c->email_set && (rc = store_nt_optout_set(tx, "email", email, c->email_off, now_ms, err)))
        return rc;
    if (c->sms_set && (rc = store_nt_optout_set(tx, "sms", phone, c->sms_off, now_ms, err)))
        return rc;
    /* the event names the order and the choice, never the address */
    char payload[160], id[24];
    snprintf(id, sizeof id, "%" PRId64, order_id);
    snprintf(payload, sizeof payload, "{\"order_id\":%" PRId64 ",\"email\":%s,\"sms\":%s}",
             order_id,
             !c->email_set  ? "null"
             : c->email_off ? "\"off\""
                            : "\"on\"",
             !c->sms_set  ? "null"
             : c->sms_off ? "\"off\""
                          : "\"on\"");
    return store_event_append(tx, "notify.optout_changed", "order", id, payload);
}
