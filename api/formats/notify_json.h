/* api/formats/notify_json.h: JSON bodies <-> notify/ records: message templates (one, or a set
 * saved all or nothing), the notification settings (ETA threshold, quiet hours per depot), a
 * customer's channel choices, and the log's messages. Readers refuse unknown keys with the key
 * named, check strings (UTF-8, control characters) and run notify/'s own template check, so an
 * unknown placeholder or a body without {{tracking_link}} is refused here with the field named
 * ("templates[2].body"). Writers build cJSON objects the caller deletes. No store, no HTTP. */
#ifndef LASTMILE_FORMATS_NOTIFY_JSON_H
#define LASTMILE_FORMATS_NOTIFY_JSON_H

#include "common/common.h"
#include "notify/notify.h"

#include <cjson/cJSON.h>

#define FMT_NT_TEMPLATES_MAX (NOTIFY__KIND_COUNT * NOTIFY__CHANNEL_COUNT)

/* PUT /v1/templates/{kind}/{channel}: {"subject"? (e-mail), "body"}; out->kind / channel are
 * the caller's (from the path) and stay as given. */
LM_MUST_USE lm_status fmt_nt_template_from_json(const cJSON *j, notify_template *out,
                                                lm_errinfo *err);
/* PUT /v1/templates: {"templates": [{"kind", "channel", "subject"?, "body"}, ...]}, 1..14
 * entries, each (kind, channel) at most once. out holds FMT_NT_TEMPLATES_MAX entries. */
LM_MUST_USE lm_status fmt_nt_templates_from_json(const cJSON *j, notify_template *out, size_t *n,
                                                 lm_errinfo *err);
/* PUT /v1/config/notifications: {"eta_threshold_min"?: 1..1440, "quiet_hours"?: [{"depot" ("*"
 * = every other depot), "tz", "from": "HH:MM", "to": "HH:MM"}]}; out starts as *base and takes
 * the keys given (quiet_hours replaces the whole list). At least one key. */
LM_MUST_USE lm_status fmt_nt_settings_from_json(const cJSON *j, const notify_settings *base,
                                                notify_settings *out, lm_errinfo *err);
/* PUT /v1/track/{token}/notifications: {"email"?: bool, "sms"?: bool} (false = opted out), at
 * least one. */
LM_MUST_USE lm_status fmt_nt_prefs_from_json(const cJSON *j, notify_prefs_change *out,
                                             lm_errinfo *err);

/* ---- Writers (NULL when out of memory) ---- */

cJSON *fmt_nt_template_json(const notify_template *t);
cJSON *fmt_nt_settings_json(const notify_settings *s);
/* {"email": true|false|null, "sms": ...}: null when the order has no such address. */
cJSON *fmt_nt_prefs_json(const notify_prefs *p);
cJSON *fmt_nt_message_json(const store_nt_message *m);

#endif
