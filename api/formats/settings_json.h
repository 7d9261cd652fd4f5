/* api/formats/settings_json.h: the settings document of /v1/settings as JSON <-> dispatch/'s
 * settings (scope, key, value). A section (the global one, or one depot's) reads:
 *   {"geofence_radius_m", "arrival_dwell_s", "late_threshold_s", "eta_change_s",
 *    "silent_after_s" (global only), "service_s",
 *    "replan": {"auto_apply": "never" | "eta_within" | "always", "max_eta_shift_min"},
 *    "working_hours": {"start": "HH:MM", "end": "HH:MM"}}
 * and the whole document {"version", "settings": section, "depots": {"<id>": section | null},
 * "service_s_by_product": {"<sku>": seconds | null}}. In a change, a member given replaces the
 * saved value, null removes it (back to the global value or the server default), a member left
 * out is kept. Unknown keys are refused with their JSON path; numbers are range-checked with the
 * units of the field (minutes for max_eta_shift_min). Whether depots and products exist is
 * dispatch/'s check. No store, no HTTP, no globals.
 * Ownership: *out arrays are lm_free'd by the caller; cJSON trees returned belong to the caller. */
#ifndef LASTMILE_FORMATS_SETTINGS_JSON_H
#define LASTMILE_FORMATS_SETTINGS_JSON_H

#include "common/common.h"
#include "dispatch/dispatch.h"

#include <cjson/cJSON.h>

/* A change request. depot_id NULL: the whole document; else the body of one depot's section
 * ({"version", "settings": section}). *version / *has_version: the body's "version" member. */
LM_MUST_USE lm_status fmt_settings_changes(const cJSON *body, const char *depot_id,
                                           dispatch_setting_change **out, size_t *n,
                                           int64_t *version, bool *has_version, lm_errinfo *err);

/* A section of values v[] (all of them, or only those with have[i] when have is not NULL;
 * global false leaves out what cannot be set per depot). */
cJSON *fmt_settings_section_json(const int64_t v[DISPATCH_SET__COUNT], const bool *have,
                                 bool global);
/* The whole document: "version", "updated_ms", "updated_by", "settings" (effective[], the global
 * values in effect), "depots" (each depot's saved overrides), "service_s_by_product". */
cJSON *fmt_settings_json(const dispatch_settings_doc *doc,
                         const int64_t effective[DISPATCH_SET__COUNT]);
/* What changed from prev to cur: [{"scope", "key", "from", "to"}] (null where absent). */
cJSON *fmt_settings_diff_json(const dispatch_settings_doc *prev, const dispatch_settings_doc *cur);
/* The saved values of scope in doc into v[] / have[] (have cleared first). */
void fmt_settings_scope_values(const dispatch_settings_doc *doc, const char *scope,
                               int64_t v[DISPATCH_SET__COUNT], bool have[DISPATCH_SET__COUNT]);

#endif
