/* api/schemas_hand.h (api-internal): JSON Schemas of the hand dispatch routes (api/hand.c), as
 * JSON text for the route table's OpenAPI document. */
#ifndef LASTMILE_API_SCHEMAS_HAND_H
#define LASTMILE_API_SCHEMAS_HAND_H

#define API_HAND_DRY_RUN                                                                           \
    "\"dry_run\":{\"type\":\"boolean\",\"description\":\"evaluate and answer; store nothing\"}"
#define API_HAND_POSITION                                                                          \
    "\"position\":{\"type\":\"integer\",\"minimum\":-1,\"description\":\"0-based index among the " \
    "route's pending stops; omitted or -1 = the cheapest feasible position\"}"
#define API_HAND_ASSIGN_SCHEMA                                                                     \
    "{\"type\":\"object\",\"required\":[\"order_id\",\"vehicle_id\"],\"additionalProperties\":"    \
    "false,\"properties\":{\"order_id\":{\"type\":\"integer\",\"description\":\"a ready order\"}," \
    "\"vehicle_id\":{\"type\":\"string\"}," API_HAND_POSITION "," API_HAND_DRY_RUN "}}"
#define API_HAND_INSERT_SCHEMA                                                                     \
    "{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"exactly one of "        \
    "order_id (assign a ready order) and stop_id (move a pending stop of another live route or "   \
    "of this one)\",\"properties\":{\"order_id\":{\"type\":\"integer\"},\"stop_id\":{\"type\":"    \
    "\"integer\"}," API_HAND_POSITION "," API_HAND_DRY_RUN "}}"
#define API_HAND_ORDER_SCHEMA                                                                      \
    "{\"type\":\"object\",\"required\":[\"stop_ids\"],\"additionalProperties\":false,"             \
    "\"properties\":{\"stop_ids\":{\"type\":\"array\",\"maxItems\":300,\"items\":{\"type\":"       \
    "\"integer\"},\"description\":\"every pending stop of the route once, breaks included, in "    \
    "the new order\"}," API_HAND_DRY_RUN "}}"
#define API_HAND_LOCK_SCHEMA                                                                       \
    "{\"type\":\"object\",\"required\":[\"locked\"],\"additionalProperties\":false,"               \
    "\"properties\":{\"locked\":{\"type\":\"boolean\"}}}"
#define API_HAND_LOCKED_SCHEMA                                                                     \
    "{\"type\":\"object\",\"properties\":{\"vehicle_id\":{\"type\":\"string\"},\"stop_id\":{"      \
    "\"type\":\"integer\"},\"locked\":{\"type\":\"boolean\"}}}"
#define API_HAND_STOP_ITEM                                                                         \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"seq\":{\"type\":"        \
    "\"integer\"},\"kind\":{\"enum\":[\"delivery\",\"pickup\",\"break\"]},\"status\":{\"type\":"   \
    "\"string\"},\"order_id\":{\"type\":\"integer\"},\"eta\":{\"type\":\"integer\"},"              \
    "\"time_window\":{\"type\":\"array\"},\"locked\":{\"type\":\"boolean\"},\"late\":{\"type\":"   \
    "\"boolean\"}}}"
#define API_HAND_ROUTE_SCHEMA                                                                      \
    "{\"type\":\"object\",\"properties\":{\"vehicle_id\":{\"type\":\"string\"},\"driver_id\":{"    \
    "\"type\":\"string\"},\"locked\":{\"type\":\"boolean\"},\"started\":{\"type\":\"boolean\"},"   \
    "\"broken\":{\"type\":\"boolean\"},\"stops\":{\"type\":\"array\","                             \
    "\"items\":" API_HAND_STOP_ITEM "}}}"
#define API_HAND_RESULT_SCHEMA                                                                     \
    "{\"type\":\"object\",\"properties\":{\"feasible\":{\"type\":\"boolean\"},\"dry_run\":{"       \
    "\"type\":\"boolean\"},\"violations\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"   \
    "\"cost_before\":{\"type\":\"integer\"},\"cost_after\":{\"type\":\"integer\"},\"cost_delta\":" \
    "{"                                                                                            \
    "\"type\":\"integer\"},\"position\":{\"type\":\"integer\"},\"stop_id\":{\"type\":"             \
    "\"integer\"},\"routes\":{\"type\":\"array\",\"items\":" API_HAND_ROUTE_SCHEMA "}}}"

#endif
