/* api/formats/recovery_json.h: JSON bodies of failed-delivery recovery and customer self-service
 * -> plain records: the recovery policy, the customer's choice of window, delivery instructions,
 * the split-shipment policy.
 * Unknown keys are refused with the key named; text is UTF-8 without control characters (the
 * instructions may hold line breaks); times are RFC 3339 with real dates. Errors name the field
 * by its JSON path; *out is undefined on failure. */
#ifndef LASTMILE_FORMATS_RECOVERY_JSON_H
#define LASTMILE_FORMATS_RECOVERY_JSON_H

#include "common/common.h"
#include "store/store_recovery.h"
#include "store/store_split.h"

#include <cjson/cJSON.h>

/* {"rules": [{"reason", "action", "reschedule" (optional), "max_attempts" 1..10 (default 3)}]}:
 * the shape only; orders_recovery_policy_check judges the rules. */
LM_MUST_USE lm_status fmt_recovery_policy_from_json(const cJSON *j, store_recovery_policy *out,
                                                    lm_errinfo *err);

/* {"from": RFC 3339, "to": RFC 3339} with from < to and at most 24 h apart. */
LM_MUST_USE lm_status fmt_window_from_json(const cJSON *j, store_window *out, lm_errinfo *err);

/* {"instructions": text <= 500 bytes, "safe_place": string <= 120 bytes}: at least one given;
 * "" clears. order_id and updated_ms are left 0. */
LM_MUST_USE lm_status fmt_instructions_from_json(const cJSON *j, store_instructions *out,
                                                 lm_errinfo *err);

/* {"mode": "split" | "off", "max_parts": 2..4}: members given replace those of *out (the current
 * policy); the values are judged by orders_split_policy_check. */
LM_MUST_USE lm_status fmt_split_policy_from_json(const cJSON *j, store_split_policy *out,
                                                 lm_errinfo *err);

#endif
