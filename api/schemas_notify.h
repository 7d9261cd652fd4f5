/* api/schemas_notify.h (api-internal): the OpenAPI text of the notification rows of the route
 * table (api/routes.c): the message log, templates, settings and the customer's channel choices
 * (docs/notifications.md). Only api/routes.c includes this. */
#ifndef LASTMILE_API_SCHEMAS_NOTIFY_H
#define LASTMILE_API_SCHEMAS_NOTIFY_H

#define NT_KIND_ENUM                                                                               \
    "{\"enum\":[\"order_confirmed\",\"out_for_delivery\",\"next_stop\",\"eta_changed\","           \
    "\"delivered\",\"failed\",\"return_requested\"]}"
#define NT_CHANNEL_ENUM "{\"enum\":[\"email\",\"sms\"]}"
#define NT_TEXT_PROPS                                                                              \
    "\"subject\":{\"type\":\"string\",\"maxLength\":200,\"description\":\"e-mail only, one "       \
    "line\"},\"body\":{\"type\":\"string\",\"maxLength\":2000,\"description\":\"must contain "     \
    "{{tracking_link}}; placeholders {{customer_name}} {{order_ref}} {{eta_window}} "              \
    "{{tracking_link}} {{reason}}; SMS at most 480 bytes\"}"
#define NT_TEMPLATE_IN_SCHEMA                                                                      \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"body\"],\"properties\":"  \
    "{" NT_TEXT_PROPS "}}"
#define NT_TEMPLATE_SCHEMA                                                                         \
    "{\"type\":\"object\",\"properties\":{\"kind\":" NT_KIND_ENUM ",\"channel\":" NT_CHANNEL_ENUM  \
    "," NT_TEXT_PROPS ",\"custom\":{\"type\":\"boolean\"},\"updated_at\":{\"type\":[\"string\","   \
    "\"null\"]}}}"
#define NT_TEMPLATES_IN_SCHEMA                                                                     \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"templates\"],"            \
    "\"properties\":{\"templates\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":14,\"items\":"  \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"kind\",\"channel\","      \
    "\"body\"],\"properties\":{\"kind\":" NT_KIND_ENUM ",\"channel\":" NT_CHANNEL_ENUM             \
    "," NT_TEXT_PROPS "}}}}}"
#define NT_TEMPLATES_SCHEMA                                                                        \
    "{\"type\":\"object\",\"properties\":{\"placeholders\":{\"type\":\"string\"},\"templates\":"   \
    "{\"type\":\"array\",\"items\":" NT_TEMPLATE_SCHEMA "}}}"
#define NT_MESSAGE_SCHEMA                                                                          \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"order_id\":{\"type\":"   \
    "\"integer\"},\"kind\":" NT_KIND_ENUM ",\"channel\":" NT_CHANNEL_ENUM ",\"to\":{\"type\":"     \
    "\"string\"},\"subject\":{\"type\":[\"string\",\"null\"]},\"body\":{\"type\":\"string\"},"     \
    "\"status\":{\"enum\":[\"queued\",\"deferred\",\"retrying\",\"sent\",\"failed\","              \
    "\"suppressed\"]},\"attempts\":{\"type\":\"integer\"},\"created_at\":{\"type\":\"string\"},"   \
    "\"due_at\":{\"type\":\"string\"},\"sent_at\":{\"type\":[\"string\",\"null\"]},\"error\":"     \
    "{\"type\":[\"string\",\"null\"]},\"event_seq\":{\"type\":\"integer\"}}}"
#define NT_MESSAGES_SCHEMA                                                                         \
    "{\"type\":\"object\",\"properties\":{\"notifications\":{\"type\":\"array\","                  \
    "\"items\":" NT_MESSAGE_SCHEMA "},\"next_after\":{\"type\":[\"integer\",\"null\"]}}}"
#define NT_QUIET_SCHEMA                                                                            \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"depot\",\"tz\",\"from\"," \
    "\"to\"],\"properties\":{\"depot\":{\"type\":\"string\",\"description\":\"a depot id, or * "   \
    "for every other depot\"},\"tz\":{\"type\":\"string\",\"description\":\"IANA zone or POSIX "   \
    "TZ rule\"},\"from\":{\"type\":\"string\",\"pattern\":\"^[0-2][0-9]:[0-5][0-9]$\"},\"to\":"    \
    "{\"type\":\"string\",\"pattern\":\"^[0-2][0-9]:[0-5][0-9]$\"}}}"
#define NT_CONFIG_SCHEMA                                                                           \
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"eta_threshold_min\":"   \
    "{\"type\":\"integer\",\"minimum\":1,\"maximum\":1440},\"quiet_hours\":{\"type\":\"array\","   \
    "\"maxItems\":32,\"items\":" NT_QUIET_SCHEMA "}}}"
#define NT_PREFS_IN_SCHEMA                                                                         \
    "{\"type\":\"object\",\"additionalProperties\":false,\"minProperties\":1,\"properties\":{"     \
    "\"email\":{\"type\":\"boolean\",\"description\":\"false: no more e-mail to this address\"},"  \
    "\"sms\":{\"type\":\"boolean\",\"description\":\"false: no more SMS to this number\"}}}"
#define NT_PREFS_SCHEMA                                                                            \
    "{\"type\":\"object\",\"properties\":{\"email\":{\"type\":[\"boolean\",\"null\"]},\"sms\":"    \
    "{\"type\":[\"boolean\",\"null\"]}}}"

#endif
