/* api/formats/returns_json.h: JSON bodies <-> returns/ records: return requests (staff or the
 * customer by tracking token), refusals, inspections, refunds, after-sales cases and their
 * resolution, the return policy; and the JSON of an RMA, a case, the policy and the reports
 * (docs/returns.md). Readers refuse unknown keys with the key named, check strings as UTF-8
 * without control characters (notes may hold line breaks and tabs), range-check numbers before any
 * cast and name the failing field by its JSON path ("lines[1].qty") in err; they only shape the
 * input: the rules that need the store (delivered quantities, windows, transitions) are returns/'s.
 * Writers build cJSON objects the caller deletes (NULL when out of memory); the customer's view of
 * an RMA leaves out who acted and the staff note. No store, no HTTP, no globals. */
#ifndef LASTMILE_FORMATS_RETURNS_JSON_H
#define LASTMILE_FORMATS_RETURNS_JSON_H

#include "common/common.h"
#include "returns/returns.h"

#include <cjson/cJSON.h>

/* ---- Readers (out untouched on failure) ---- */

/* A return request: {"order_id" (staff only, required), "reason", "method"?: pickup | dropoff,
 * "note"?, "lines": [{"sku", "qty"}], "pickup_window"?: {"start", "end"} (epoch seconds or
 * RFC 3339)}. The actor is the caller's to set. */
LM_MUST_USE lm_status fmt_ret_request_from_json(const cJSON *j, bool staff, returns_request *out,
                                                lm_errinfo *err);
/* A refusal: {"reason": text of 1..255 bytes}. */
LM_MUST_USE lm_status fmt_ret_refuse_from_json(const cJSON *j, char reason[STORE_RMA_NOTE_MAX + 1],
                                               lm_errinfo *err);
/* One line's inspection: {"line": 0-based index, "condition": resellable | damaged | defective,
 * "note"?}. */
typedef struct fmt_ret_inspection {
    size_t line;
    char condition[16];
    char note[STORE_RMA_NOTE_MAX + 1];
} fmt_ret_inspection;
LM_MUST_USE lm_status fmt_ret_inspect_from_json(const cJSON *j, fmt_ret_inspection *out,
                                                lm_errinfo *err);
/* A refund's optional body: NULL or {"amount"?: minor units >= 1}; *amount 0 = the policy's. */
LM_MUST_USE lm_status fmt_ret_refund_from_json(const cJSON *j, int64_t *amount, lm_errinfo *err);
/* An after-sales case: {"order_id", "kind": missing | wrong_item | damaged, "resolution"?: reship |
 * refund | return | pending, "note"?, "lines": [{"sku", "qty"}], "right"?: [{"sku", "qty"}]}. */
LM_MUST_USE lm_status fmt_ret_case_from_json(const cJSON *j, returns_case_in *out, lm_errinfo *err);
/* A case resolution's optional body: NULL or {"resolution"?: reship | refund | return}; "" = the
 * policy's. */
LM_MUST_USE lm_status fmt_ret_resolve_from_json(const cJSON *j, char resolution[16],
                                                lm_errinfo *err);
/* PUT /v1/config/returns: the members given replace those of *base (the current policy), the
 * windows as a whole list: {"default_window_days", "windows": [{"kind", "key", "days"}],
 * "reasons": [names], "auto_approve": {"reasons": [names], "max_value"}, "payer",
 * "offer_pickup", "offer_dropoff", "refund_rule", "return_shipping_fee", "quality_threshold",
 * "quality_window_days", "wrong_item", "damaged"}. At least one member; the rules between fields
 * are returns_policy_check's. */
LM_MUST_USE lm_status fmt_ret_policy_from_json(const cJSON *j, const returns_policy *base,
                                               returns_policy *out, lm_errinfo *err);

/* ---- Writers ---- */

/* Who an RMA is shown to. */
typedef enum fmt_ret_view { FMT_RET_STAFF, FMT_RET_CUSTOMER } fmt_ret_view;

cJSON *fmt_ret_rma_json(const returns_rma *m, fmt_ret_view view);
cJSON *fmt_ret_case_json(const returns_case *c);
cJSON *fmt_ret_policy_json(const returns_policy *p);
/* {"by", "from_ms", "to_ms", "groups": [{"key", "returned", "base", "rate"}]}. */
cJSON *fmt_ret_rates_json(const char *by, int64_t from_ms, int64_t to_ms, const returns_rate *g,
                          size_t n);
/* The pickup task of an RMA: where, when, what and how heavy. */
cJSON *fmt_ret_pickup_json(const returns_pickup *p);

#endif
