/* api/formats/config_json.h: the body of PUT /v1/config/orders merged onto the orders
 * configuration: audit rules, required fields, duplicate window, oversize limits, out-of-stock
 * policies (default and per channel), blacklist, service area ("money", the money settings, is
 * left to fmt_money_config_from_json). Unknown keys (at the top, in
 * "rules" and in "blacklist") are refused with the key named; names and values are UTF-8
 * without control characters; numbers are range-checked before any cast. orders_config_put
 * still judges the meaning (policy names, field names, polygons). No store, no HTTP. */
#ifndef LASTMILE_FORMATS_CONFIG_JSON_H
#define LASTMILE_FORMATS_CONFIG_JSON_H

#include "common/common.h"
#include "orders/orders.h"

#include <cjson/cJSON.h>

#define FMT_CONFIG_MAX_LIST 10000 /* channels, and blacklist entries in all */

/* Merges the keys present in j onto *c (absent keys keep their current value). Lists replace the
 * ones in *c, allocated with lm_alloc (orders_config_clear frees them). On failure *c holds a
 * partial merge, still safe to clear. */
LM_MUST_USE lm_status fmt_orders_config_merge(const cJSON *j, orders_config *c, lm_errinfo *err);

#endif
