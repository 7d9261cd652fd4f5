/* api/schemas_returns.h (api-internal): the OpenAPI text of the returns rows of the route table
 * (api/routes.c): RMAs, the customer's returns by tracking token, after-sales cases, the return
 * policy, sales blocks and the return reports (docs/returns.md). Only api/routes.c includes this.
 */
#ifndef LASTMILE_API_SCHEMAS_RETURNS_H
#define LASTMILE_API_SCHEMAS_RETURNS_H

#define RET_REASON_ENUM                                                                            \
    "{\"enum\":[\"changed_mind\",\"damaged\",\"defective\",\"wrong_item\",\"missing_item\","       \
    "\"late_delivery\"]}"
#define RET_STATUS_ENUM                                                                            \
    "{\"enum\":[\"requested\",\"approved\",\"refused\",\"pickup_scheduled\",\"dropoff_expected\"," \
    "\"collected\",\"received\",\"inspected\",\"refunded\",\"closed\"]}"
#define RET_LINES_SCHEMA                                                                           \
    "{\"type\":\"array\",\"minItems\":1,\"maxItems\":32,\"items\":{\"type\":\"object\","           \
    "\"additionalProperties\":false,\"required\":[\"sku\",\"qty\"],\"properties\":{\"sku\":{"      \
    "\"type\":\"string\",\"maxLength\":64},\"qty\":{\"type\":\"integer\",\"minimum\":1}}}}"
#define RET_WINDOW_SCHEMA                                                                          \
    "{\"type\":[\"object\",\"null\"],\"additionalProperties\":false,\"required\":[\"start\","      \
    "\"end\"],\"properties\":{\"start\":{\"type\":[\"integer\",\"string\"],\"description\":"       \
    "\"epoch seconds or RFC 3339\"},\"end\":{\"type\":[\"integer\",\"string\"]}}}"

#define RET_REQUEST_PROPS                                                                          \
    "\"reason\":" RET_REASON_ENUM ",\"method\":{\"enum\":[\"pickup\",\"dropoff\"]},\"note\":{"     \
    "\"type\":\"string\",\"maxLength\":255},\"lines\":" RET_LINES_SCHEMA                           \
    ",\"pickup_window\":" RET_WINDOW_SCHEMA
#define RET_REQUEST_IN_SCHEMA                                                                      \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"order_id\",\"reason\","   \
    "\"lines\"],\"properties\":{\"order_id\":{\"type\":\"integer\",\"minimum\":1}"                 \
    "," RET_REQUEST_PROPS "}}"
#define RET_TRACK_REQUEST_IN_SCHEMA                                                                \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"reason\",\"lines\"],"     \
    "\"properties\":{" RET_REQUEST_PROPS "}}"
#define RET_RMA_SCHEMA                                                                             \
    "{\"type\":\"object\",\"description\":\"the customer's view leaves out channel, actor, note, " \
    "case_id and the lines' disposition, note and inspection time\",\"properties\":{\"id\":{"      \
    "\"type\":\"integer\"},\"order_id\":{\"type\":\"integer\"},\"status\":" RET_STATUS_ENUM        \
    ",\"reason\":" RET_REASON_ENUM ",\"method\":{\"enum\":[\"pickup\",\"dropoff\"]},\"depot_id\":" \
    "{\"type\":\"string\"},\"channel\":{\"type\":\"string\"},\"actor\":{\"type\":\"string\"},"     \
    "\"note\":{\"type\":\"string\"},\"case_id\":{\"type\":[\"integer\",\"null\"]},\"value\":{"     \
    "\"type\":\"integer\",\"description\":\"minor units\"},\"refund_amount\":{\"type\":"           \
    "\"integer\"},\"refund_method\":{\"type\":\"string\"},\"pickup_window\":" RET_WINDOW_SCHEMA    \
    ",\"lines\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"line\":{"     \
    "\"type\":\"integer\"},\"sku\":{\"type\":\"string\"},\"qty\":{\"type\":\"integer\"},"          \
    "\"condition\":{\"type\":\"string\"},\"disposition\":{\"type\":\"string\"}}}},\"pickup\":{"    \
    "\"type\":[\"object\",\"null\"],\"description\":\"the planned pickup stop: status, eta_s "     \
    "(staff also stop_id, vehicle_id)\"},\"created_ms\":{\"type\":\"integer\"},\"updated_ms\":{"   \
    "\"type\":\"integer\"},\"refunded_ms\":{\"type\":[\"integer\",\"null\"]},\"closed_ms\":{"      \
    "\"type\":[\"integer\",\"null\"]}}}"
#define RET_RMAS_SCHEMA                                                                            \
    "{\"type\":\"object\",\"properties\":{\"returns\":{\"type\":\"array\","                        \
    "\"items\":" RET_RMA_SCHEMA "}}}"
#define RET_TRACK_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"returns\":{\"type\":\"array\","                        \
    "\"items\":" RET_RMA_SCHEMA                                                                    \
    "},\"eligibility\":{\"type\":\"object\",\"properties\":{\"delivered\":{"                       \
    "\"type\":\"boolean\"},\"can_return\":{\"type\":\"boolean\"},\"lines\":{\"type\":\"array\","   \
    "\"items\":{\"type\":\"object\",\"properties\":{\"sku\":{\"type\":\"string\"},\"delivered\":"  \
    "{\"type\":\"integer\"},\"returnable\":{\"type\":\"integer\"},\"window_days\":{\"type\":"      \
    "\"integer\"},\"until_ms\":{\"type\":\"integer\"}}}},\"reasons\":{\"type\":\"array\"},"        \
    "\"methods\":{\"type\":\"array\"}}}}}"
#define RET_REFUSE_SCHEMA                                                                          \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"reason\"],"               \
    "\"properties\":{\"reason\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":255}}}"
#define RET_INSPECT_SCHEMA                                                                         \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"line\",\"condition\"],"   \
    "\"properties\":{\"line\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":31},\"condition\":{" \
    "\"enum\":[\"resellable\",\"damaged\",\"defective\"]},\"note\":{\"type\":\"string\","          \
    "\"maxLength\":255}}}"
#define RET_REFUND_SCHEMA                                                                          \
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"amount\":{\"type\":"    \
    "\"integer\",\"minimum\":1,\"description\":\"minor units; absent = the policy's refund "       \
    "rule\"}}}"
#define RET_PICKUP_SCHEMA                                                                          \
    "{\"type\":\"object\",\"properties\":{\"rma_id\":{\"type\":\"integer\"},\"order_id\":{"        \
    "\"type\":\"integer\"},\"location\":{\"type\":\"array\"},\"window\":" RET_WINDOW_SCHEMA        \
    ",\"weight_g\":{\"type\":\"integer\"},\"volume_cm3\":{\"type\":\"integer\"},\"lines\":{"       \
    "\"type\":\"array\"},\"depot_id\":{\"type\":\"string\"},\"depot_location\":{\"type\":"         \
    "\"array\"}}}"

#define RET_CASE_IN_SCHEMA                                                                         \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"order_id\",\"kind\","     \
    "\"lines\"],\"properties\":{\"order_id\":{\"type\":\"integer\",\"minimum\":1},\"kind\":{"      \
    "\"enum\":[\"missing\",\"wrong_item\",\"damaged\"]},\"resolution\":{\"enum\":[\"reship\","     \
    "\"refund\",\"return\",\"pending\"],\"description\":\"absent = the policy's; pending leaves "  \
    "it open\"},\"note\":{\"type\":\"string\",\"maxLength\":255},\"lines\":" RET_LINES_SCHEMA      \
    ",\"right\":" RET_LINES_SCHEMA "}}"
#define RET_CASE_SCHEMA                                                                            \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"ref\":{\"type\":"        \
    "\"string\",\"description\":\"case:<id>, the case_ref of a complaint about it\"},"             \
    "\"order_id\":{\"type\":\"integer\"},\"kind\":{\"type\":\"string\"},\"status\":{\"enum\":["    \
    "\"open\",\"resolved\"]},"                                                                     \
    "\"resolution\":{\"type\":[\"string\",\"null\"]},\"reship_order_id\":{\"type\":[\"integer\","  \
    "\"null\"]},\"rma_id\":{\"type\":[\"integer\",\"null\"]},\"actor\":{\"type\":\"string\"},"     \
    "\"note\":{\"type\":\"string\"},\"lines\":{\"type\":\"array\"},\"right\":{\"type\":"           \
    "\"array\"},\"created_ms\":{\"type\":\"integer\"},\"resolved_ms\":{\"type\":[\"integer\","     \
    "\"null\"]}}}"
#define RET_CASES_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"cases\":{\"type\":\"array\","                          \
    "\"items\":" RET_CASE_SCHEMA "}}}"
#define RET_RESOLVE_SCHEMA                                                                         \
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"resolution\":{"         \
    "\"enum\":[\"reship\",\"refund\",\"return\"],\"description\":\"absent = the policy's\"}}}"

#define RET_POLICY_SCHEMA                                                                          \
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"                         \
    "\"default_window_days\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":3650},\"windows\":{"  \
    "\"type\":\"array\",\"maxItems\":256,\"items\":{\"type\":\"object\",\"required\":[\"kind\","   \
    "\"key\",\"days\"],\"properties\":{\"kind\":{\"enum\":[\"channel\",\"product\"]},\"key\":{"    \
    "\"type\":\"string\"},\"days\":{\"type\":\"integer\",\"minimum\":0}}}},\"reasons\":{\"type\":" \
    "\"array\",\"items\":" RET_REASON_ENUM "},\"auto_approve\":{\"type\":\"object\","              \
    "\"properties\":{\"reasons\":{\"type\":\"array\",\"items\":" RET_REASON_ENUM "},"              \
    "\"max_value\":{\"type\":\"integer\",\"minimum\":0}}},\"payer\":{\"enum\":[\"customer\","      \
    "\"merchant\"]},\"offer_pickup\":{\"type\":\"boolean\"},\"offer_dropoff\":{\"type\":"          \
    "\"boolean\"},\"refund_rule\":{\"enum\":[\"full\",\"minus_shipping\",\"store_credit\"]},"      \
    "\"return_shipping_fee\":{\"type\":\"integer\",\"minimum\":0},\"quality_threshold\":{"         \
    "\"type\":\"integer\",\"minimum\":0},\"quality_window_days\":{\"type\":\"integer\","           \
    "\"minimum\":1},\"wrong_item\":{\"enum\":[\"pickup\",\"keep\"]},\"damaged\":{\"enum\":["       \
    "\"reship\",\"refund\",\"return\"]}}}"
#define RET_SALES_BLOCK_SCHEMA                                                                     \
    "{\"type\":\"object\",\"properties\":{\"sku\":{\"type\":\"string\"},\"sales_blocked\":{"       \
    "\"type\":\"boolean\"},\"reason\":{\"type\":[\"string\",\"null\"]}}}"
#define RET_REPORT_SCHEMA                                                                          \
    "{\"type\":\"object\",\"description\":\"rates: by, from_ms, to_ms, groups [{key, returned, "   \
    "base, rate}]; refund-times: from_ms, to_ms, count, mean_ms, max_ms\"}"

#endif
