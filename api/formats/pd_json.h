/* api/formats/pd_json.h: the body of a pickup-and-delivery order (POST /v1/orders with
 * "type": "pickup_delivery") -> an orders/ record for the delivery end and orders_pd_in for the
 * collection end. No store, no HTTP. Errors name the field by its JSON path. */
#ifndef LASTMILE_FORMATS_PD_JSON_H
#define LASTMILE_FORMATS_PD_JSON_H

#include "common/common.h"
#include "orders/pd.h"

#include <cjson/cJSON.h>

/* {"type": "pickup_delivery", "depot"?, "pickup": {"address", "location": [lon, lat],
 * "window": [start, end] | {"start", "end"}, "contact": {"name", "phone"}, "notes"},
 * "package": {"weight_g", "volume_cm3", "parcels"}, and the delivery members of an order body
 * (external_ref, channel, notes, priority, customer, time_windows; no lines, no money)}.
 * Times are epoch seconds or RFC 3339 with a zone on a real date. The rules of orders_pd_check
 * are applied here too, so a bad body is refused before it reaches the service. */
LM_MUST_USE lm_status fmt_pd_order_from_json(const cJSON *j, lm_arena *arena, orders_order *o,
                                             orders_pd_in *pd, lm_errinfo *err);

#endif
