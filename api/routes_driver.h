/* api/routes_driver.h (api-internal): handlers of the driver app API, the OsmAnd endpoint on the
 * main port, customer tracking, webhooks and the event stream, with their OpenAPI schemas. */
#ifndef LASTMILE_API_ROUTES_DRIVER_H
#define LASTMILE_API_ROUTES_DRIVER_H

#include "api/app.h"

lm_status api__osmand_http(http_req *r);
lm_status api__driver_route(http_req *r);
lm_status api__driver_positions(http_req *r);
lm_status api__driver_arrived(http_req *r);
lm_status api__driver_delivered(http_req *r);
lm_status api__driver_failed(http_req *r);
lm_status api__driver_exception(http_req *r);
lm_status api__track(http_req *r);
lm_status api__webhooks_create(http_req *r);
lm_status api__webhooks_list(http_req *r);
lm_status api__webhooks_delete(http_req *r);

/* GET /v1/events with Accept: text/event-stream (api/sse.c). */
bool api__wants_event_stream(const http_req *r);
lm_status api__events_stream(http_req *r);

#define API_OSMAND_DOC                                                                             \
    "OsmAnd / Traccar Client position (query or form fields id, lat, lon, timestamp, speed in "    \
    "knots ...; or the JSON object / array forms): 200 with an empty body once durable"
#define API_DRIVER_ROUTE_SCHEMA                                                                    \
    "{\"type\":\"object\",\"properties\":{\"driver_id\":{\"type\":\"string\"},\"vehicle_id\":{"    \
    "\"type\":[\"string\",\"null\"]},\"started\":{\"type\":\"boolean\"},\"stops\":{\"type\":"      \
    "\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"      \
    "\"seq\":{\"type\":\"integer\"},\"kind\":{\"type\":\"string\"},\"status\":{\"type\":"          \
    "\"string\"},\"order_id\":{\"type\":\"integer\"},\"customer_name\":{\"type\":\"string\"},"     \
    "\"customer_phone\":{\"type\":\"string\"},\"address\":{\"type\":\"string\"},"                  \
    "\"instructions\":{\"type\":\"string\"},\"location\":{\"type\":\"array\"},\"time_window\":{"   \
    "\"type\":[\"array\",\"null\"]},\"eta_s\":{\"type\":\"integer\"},\"parcels\":{\"type\":"       \
    "\"integer\"}}}}}}"
#define API_DRIVER_POSITIONS_SCHEMA                                                                \
    "{\"type\":\"object\",\"required\":[\"positions\"],\"properties\":{\"positions\":{\"type\":"   \
    "\"array\",\"maxItems\":1000,\"items\":{\"type\":\"object\",\"required\":[\"lat\",\"lon\","    \
    "\"timestamp\"],\"properties\":{\"lat\":{\"type\":\"number\"},\"lon\":{\"type\":\"number\"},"  \
    "\"timestamp\":{\"description\":\"device time: epoch s, epoch ms or ISO-8601\"},\"speed\":{"   \
    "\"type\":\"number\",\"description\":\"m/s\"},\"heading\":{\"type\":\"number\"},"              \
    "\"accuracy\":{\"type\":\"number\"},\"battery\":{\"type\":\"number\",\"description\":\"0-"     \
    "100\"}}}}}}"
#define API_POSITIONS_RESULT_SCHEMA                                                                \
    "{\"type\":\"object\",\"properties\":{\"accepted\":{\"type\":\"integer\"}}}"
#define API_STOP_RESULT_SCHEMA                                                                     \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"status\":{\"type\":"     \
    "\"string\"}}}"
#define API_DELIVERED_SCHEMA                                                                       \
    "{\"type\":\"object\",\"properties\":{\"recipient\":{\"type\":\"string\",\"maxLength\":200},"  \
    "\"signature\":{\"$ref\":\"#/$defs/file\"},\"photo\":{\"$ref\":\"#/$defs/file\"}},\"$defs\":{" \
    "\"file\":{\"type\":\"object\",\"required\":[\"content_type\",\"data_base64\"],"               \
    "\"properties\":{\"content_type\":{\"enum\":[\"image/png\",\"image/jpeg\"]},"                  \
    "\"data_base64\":{\"type\":\"string\",\"description\":\"at most 512 KiB decoded\"}}}}}"
#define API_FAILED_SCHEMA                                                                          \
    "{\"type\":\"object\",\"required\":[\"reason\"],\"properties\":{\"reason\":{\"enum\":["        \
    "\"not_home\",\"refused\",\"address_not_found\",\"damaged\",\"other\"]},\"note\":{\"type\":"   \
    "\"string\",\"maxLength\":500}}}"
#define API_EXCEPTION_SCHEMA                                                                       \
    "{\"type\":\"object\",\"required\":[\"kind\"],\"properties\":{\"kind\":{\"enum\":["            \
    "\"breakdown\",\"delay\",\"accident\",\"vehicle_full\"]},\"delay_min\":{\"type\":\"integer\"," \
    "\"minimum\":0,\"maximum\":1440},\"note\":{\"type\":\"string\",\"maxLength\":500}}}"
#define API_TRACK_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\"},\"status_text\":{"      \
    "\"type\":\"string\"},\"time_windows\":{\"type\":\"array\"},\"eta\":{\"type\":[\"object\","    \
    "\"null\"]},\"stops_before\":{\"type\":[\"integer\",\"null\"]},\"driver_position\":{\"type\":" \
    "[\"object\",\"null\"]},\"delivery\":{\"type\":[\"object\",\"null\"]},\"failure\":{\"type\":"  \
    "[\"object\",\"null\"]}}}"
#define API_WEBHOOK_IN_SCHEMA                                                                      \
    "{\"type\":\"object\",\"required\":[\"url\",\"secret\"],\"properties\":{\"url\":{\"type\":"    \
    "\"string\",\"format\":\"uri\"},\"secret\":{\"type\":\"string\",\"minLength\":8}}}"
#define API_WEBHOOK_SCHEMA                                                                         \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"url\":{\"type\":"        \
    "\"string\"},\"delivered_seq\":{\"type\":\"integer\"},\"failed_attempts\":{\"type\":"          \
    "\"integer\"},\"last_error\":{\"type\":[\"string\",\"null\"]}}}"
#define API_WEBHOOKS_SCHEMA                                                                        \
    "{\"type\":\"object\",\"properties\":{\"webhooks\":{\"type\":\"array\",\"items\":"             \
    "" API_WEBHOOK_SCHEMA "}}}"

#endif
