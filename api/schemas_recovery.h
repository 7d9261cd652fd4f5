/* api/schemas_recovery.h (api-internal): OpenAPI text of failed-delivery recovery and customer
 * self-service routes (api/recovery.c, api/selfservice.c). Only api/routes.c includes this. */
#ifndef LASTMILE_API_SCHEMAS_RECOVERY_H
#define LASTMILE_API_SCHEMAS_RECOVERY_H

#define RC_REASON_ENUM                                                                             \
    "{\"enum\":[\"not_home\",\"refused\",\"address_not_found\",\"damaged\",\"other\"]}"
#define RC_RULE_SCHEMA                                                                             \
    "{\"type\":\"object\",\"required\":[\"reason\",\"action\"],\"additionalProperties\":false,"    \
    "\"properties\":{\"reason\":" RC_REASON_ENUM ",\"action\":{\"enum\":[\"reschedule\","          \
    "\"return_to_stock\",\"case\"]},\"reschedule\":{\"enum\":[\"next_day\",\"customer\",null],"    \
    "\"description\":\"only for action reschedule: the next day, or a window the customer "        \
    "chooses through the tracking link\"},\"max_attempts\":{\"type\":\"integer\",\"minimum\":1,"   \
    "\"maximum\":10,\"default\":3,\"description\":\"failed attempts after which a reschedule "     \
    "returns the parcel to stock\"}}}"
#define RC_POLICY_IN_SCHEMA                                                                        \
    "{\"type\":\"object\",\"required\":[\"rules\"],\"additionalProperties\":false,\"properties\":" \
    "{\"rules\":{\"type\":\"array\",\"minItems\":5,\"maxItems\":5,\"description\":\"one rule per " \
    "failure reason\",\"items\":" RC_RULE_SCHEMA "}}}"
#define RC_POLICY_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"version\":{\"type\":\"integer\",\"description\":\"0 "  \
    "= the defaults, never changed\"},\"updated_ms\":{\"type\":\"integer\"},\"actor\":{\"type\":"  \
    "\"string\",\"description\":\"key id of the last change\"},\"rules\":{\"type\":\"array\","     \
    "\"items\":" RC_RULE_SCHEMA "}}}"
#define RC_RECOVERY_SCHEMA                                                                         \
    "{\"type\":[\"object\",\"null\"],\"properties\":{\"reason\":" RC_REASON_ENUM ",\"action\":{"   \
    "\"enum\":[\"retry_today\",\"reschedule\",\"return_to_stock\",\"case\"]},\"reschedule\":{"     \
    "\"enum\":[\"next_day\",\"customer\",null]},\"state\":{\"enum\":[\"retry_today\","             \
    "\"awaiting_checkin\",\"awaiting_customer\",\"rescheduled\",\"returned_to_stock\","            \
    "\"case_needed\",\"case_opened\"]},\"case_id\":{\"type\":[\"integer\",\"null\"],"              \
    "\"description\":\"staff only: the failed delivery's after-sales case (GET "                   \
    "/v1/cases/{id})\"},"                                                                          \
    "\"next_window\":{\"type\":[\"object\",\"null\"],\"properties\":{\"from\":{"                   \
    "\"type\":\"string\"},\"to\":{\"type\":\"string\"}}},\"checked_in_at\":{\"type\":[\"string\"," \
    "\"null\"]},\"customer_may_choose\":{\"type\":\"boolean\"}}}"
#define RC_PROOFS_SCHEMA                                                                           \
    "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":"         \
    "\"string\"},\"kind\":{\"enum\":[\"signature\",\"photo\"]},\"content_type\":{\"enum\":["       \
    "\"image/png\",\"image/jpeg\"]},\"url\":{\"type\":\"string\"}}}}"
#define RC_ORDER_RECOVERY_SCHEMA                                                                   \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"status\":{\"type\":"     \
    "\"string\"},\"attempts\":{\"type\":\"integer\",\"description\":\"failed delivery "            \
    "attempts\"},"                                                                                 \
    "\"recovery\":" RC_RECOVERY_SCHEMA ",\"proofs\":" RC_PROOFS_SCHEMA                             \
    ",\"split_into\":{\"type\":"                                                                   \
    "\"array\",\"items\":{\"type\":\"integer\"},\"description\":\"orders split off this one\"}}}"
#define RC_PROOF_FILE_SCHEMA                                                                       \
    "{\"type\":\"string\",\"format\":\"binary\",\"description\":\"the PNG or JPEG as uploaded "    \
    "(Content-Type image/png or image/jpeg, at most 512 KiB)\"}"

#define SS_WINDOW_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"from\":{\"type\":\"string\",\"format\":"               \
    "\"date-time\"},\"to\":{\"type\":\"string\",\"format\":\"date-time\"}}}"
#define SS_WINDOW_IN_SCHEMA                                                                        \
    "{\"type\":\"object\",\"required\":[\"from\",\"to\"],\"additionalProperties\":false,"          \
    "\"properties\":{\"from\":{\"type\":\"string\",\"format\":\"date-time\"},\"to\":{\"type\":"    \
    "\"string\",\"format\":\"date-time\",\"description\":\"one of the offered windows\"}}}"
#define SS_RESCHEDULE_SCHEMA                                                                       \
    "{\"type\":\"object\",\"properties\":{\"can_reschedule\":{\"type\":\"boolean\"},"              \
    "\"why_not\":{\"type\":[\"string\",\"null\"]},\"time_windows\":{\"type\":\"array\","           \
    "\"items\":" SS_WINDOW_SCHEMA "},\"offered\":{\"type\":\"array\",\"items\":" SS_WINDOW_SCHEMA  \
    "}}}"
#define SS_INSTRUCTIONS_IN_SCHEMA                                                                  \
    "{\"type\":\"object\",\"minProperties\":1,\"additionalProperties\":false,\"properties\":{"     \
    "\"instructions\":{\"type\":\"string\",\"maxLength\":500},\"safe_place\":{\"type\":"           \
    "\"string\",\"maxLength\":120}}}"
#define SS_INSTRUCTIONS_SCHEMA                                                                     \
    "{\"type\":\"object\",\"properties\":{\"instructions\":{\"type\":\"string\"},\"safe_place\""   \
    ":{\"type\":\"string\"},\"updated_at\":{\"type\":[\"string\",\"null\"]}}}"

#define SP_POLICY_IN_SCHEMA                                                                        \
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"mode\":{\"enum\":["     \
    "\"split\",\"off\"]},\"max_parts\":{\"type\":\"integer\",\"minimum\":2,\"maximum\":4}}}"
#define SP_POLICY_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"mode\":{\"enum\":[\"split\",\"off\"]},"                \
    "\"max_parts\":{\"type\":\"integer\"},\"version\":{\"type\":\"integer\"},\"updated_ms\":{"     \
    "\"type\":\"integer\"},\"actor\":{\"type\":\"string\"}}}"

#endif
