/* api/schemas_pd.h: the members a pickup-and-delivery order adds to the order schemas
 * (api/schemas.h): its body (api/formats/pd_json.h) and what the order then shows (api/pd.c). */
#ifndef LASTMILE_API_SCHEMAS_PD_H
#define LASTMILE_API_SCHEMAS_PD_H

#define API_PD_WINDOW_SCHEMA                                                                       \
    "{\"description\":\"[start, end] or {start, end}: epoch seconds or RFC 3339 with a zone\"}"
#define API_PD_IN_PROPS                                                                            \
    "\"type\":{\"enum\":[\"pickup_delivery\"],\"description\":\"collect here, deliver there: "     \
    "no lines and no money; pickup and package required, customer.location and time_windows "      \
    "are the delivery end\"},\"depot\":{\"type\":\"string\",\"description\":\"whose vans do it; "  \
    "default the depot nearest the pickup\"},\"pickup\":{\"type\":\"object\",\"required\":["       \
    "\"location\",\"window\"],\"properties\":{\"address\":{\"type\":\"string\"},\"location\":"     \
    "{\"type\":\"array\",\"items\":{\"type\":\"number\"},\"minItems\":2,\"maxItems\":3},"          \
    "\"window\":" API_PD_WINDOW_SCHEMA ",\"contact\":{\"type\":\"object\",\"properties\":{"        \
    "\"name\":{\"type\":\"string\"},\"phone\":{\"type\":\"string\"}}},\"notes\":{\"type\":"        \
    "\"string\",\"maxLength\":500}}},\"package\":{\"type\":\"object\",\"required\":["              \
    "\"weight_g\"],\"properties\":{\"weight_g\":{\"type\":\"integer\",\"minimum\":0},"             \
    "\"volume_cm3\":{\"type\":\"integer\",\"minimum\":0},\"parcels\":{\"type\":\"integer\","       \
    "\"minimum\":1,\"maximum\":1000}}}"
#define API_PD_OUT_PROPS                                                                           \
    "\"type\":{\"enum\":[\"pickup_delivery\"],\"description\":\"only on a pickup-and-delivery "    \
    "order\"},\"pickup\":{\"type\":\"object\",\"properties\":{\"address\":{\"type\":\"string\"},"  \
    "\"window\":{\"type\":\"object\"},\"contact\":{\"type\":\"object\"},\"notes\":{\"type\":"      \
    "\"string\"},\"collected_at\":{\"type\":[\"string\",\"null\"]}}}"

#endif
