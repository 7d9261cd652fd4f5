/* api/schemas.h (api-internal): the OpenAPI text of the route table (api/routes.c): JSON
 * Schemas as JSON text, and longer summaries. /openapi.json is assembled from them by the
 * framework; tests/api checks that every one parses. Only api/routes.c includes this. */
#ifndef LASTMILE_API_SCHEMAS_H
#define LASTMILE_API_SCHEMAS_H

#include "api/schemas_money.h" /* MONEY_ORDER_PROPS in the order schemas */
#include "api/schemas_pd.h"    /* pickup-and-delivery members of the order schemas */

/* ---- core: health, metrics, OpenAPI, keys, events, solve ---- */

#define HEALTH_SCHEMA                                                                              \
    "{\"type\":\"object\",\"required\":[\"status\",\"version\",\"router\"],\"properties\":{"       \
    "\"status\":{\"const\":\"ok\"},\"version\":{\"type\":\"string\"},\"router\":{\"type\":"        \
    "\"object\",\"description\":\"the routing engines (--router) and whether each answers a "      \
    "probe now; one that does not leaves the server healthy, its cells "                           \
    "estimated\",\"properties\":"                                                                  \
    "{\"spec\":{\"type\":\"string\"},\"answers\":{\"type\":\"boolean\"},\"engines\":{\"type\":"    \
    "\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"profile\":{\"type\":\"string\"},"  \
    "\"kind\":{\"enum\":[\"geodesic\",\"osrm\",\"valhalla\"]},\"url\":{\"type\":\"string\"},"      \
    "\"answers\":{\"type\":\"boolean\"},\"detail\":{\"type\":\"string\"},\"breaker\":{\"enum\":"   \
    "[\"closed\",\"open\",\"half_open\"]}}}}}}}}"
#define MAP_CONFIG_SCHEMA                                                                          \
    "{\"type\":\"object\",\"required\":[\"tiles\",\"attribution\",\"router\",\"roads\"],"          \
    "\"properties\":{\"tiles\":{\"type\":\"string\",\"description\":\"tile URL template "          \
    "({z}/{x}/{y}); empty: no basemap\"},\"attribution\":{\"type\":\"string\"},\"router\":{"       \
    "\"type\":\"string\"},\"roads\":{\"type\":\"boolean\",\"description\":\"plans use a routing "  \
    "engine (not the geodesic estimate)\"}}}"
#define TEXT_SCHEMA    "{\"type\":\"string\"}"
#define OPENAPI_SCHEMA "{\"type\":\"object\",\"description\":\"an OpenAPI 3.1 document\"}"
#define ROLE_ENUM      "{\"enum\":[\"admin\",\"dispatcher\",\"warehouse\",\"driver\"]}"
#define WHOAMI_SCHEMA                                                                              \
    "{\"type\":\"object\",\"properties\":{\"key_id\":{\"type\":\"string\"},\"role\":" ROLE_ENUM    \
    ",\"driver_id\":{\"type\":[\"string\",\"null\"]}}}"
#define KEY_CREATE_SCHEMA                                                                          \
    "{\"type\":\"object\",\"required\":[\"role\"],\"properties\":{\"role\":" ROLE_ENUM             \
    ",\"driver_id\":{\"type\":\"string\",\"description\":\"required for, and only for, role "      \
    "driver\"}}}"
#define KEY_SCHEMA                                                                                 \
    "{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\",\"description\":\"shown "   \
    "once; only a salted hash is stored\"},\"key_id\":{\"type\":\"string\"},\"role\":" ROLE_ENUM   \
    ",\"driver_id\":{\"type\":[\"string\",\"null\"]}}}"
#define KEYS_LIST_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"keys\":{\"type\":\"array\",\"items\":{\"type\":"       \
    "\"object\",\"properties\":{\"key_id\":{\"type\":\"string\"},\"prefix\":{\"type\":\"string\"," \
    "\"description\":\"what every copy of the key starts with; the secret is never shown\"},"      \
    "\"role\":" ROLE_ENUM ",\"driver_id\":{\"type\":[\"string\",\"null\"]},\"created_ms\":{"       \
    "\"type\":\"integer\"},\"revoked_ms\":{\"type\":[\"integer\",\"null\"]},\"last_used_ms\":{"    \
    "\"type\":\"null\",\"description\":\"not recorded: the key check stays read-only\"}}}}}}"
#define EVENTS_SCHEMA                                                                              \
    "{\"type\":\"object\",\"properties\":{\"events\":{\"type\":\"array\",\"items\":{\"type\":"     \
    "\"object\",\"properties\":{\"seq\":{\"type\":\"integer\"},\"time_ms\":{\"type\":\"integer\"}" \
    ","                                                                                            \
    "\"type\":{\"type\":\"string\"},\"entity\":{\"type\":\"string\"},\"entity_id\":{\"type\":["    \
    "\"string\",\"null\"]},\"payload\":{\"type\":\"object\"}}}},\"next_after\":{\"type\":"         \
    "\"integer\"}}}"
#define VROOM_PROBLEM_SCHEMA                                                                       \
    "{\"type\":\"object\",\"required\":[\"vehicles\"],\"description\":\"VROOM input "              \
    "(docs/api-vroom.md)\",\"properties\":{\"jobs\":{\"type\":\"array\"},\"shipments\":{"          \
    "\"type\":\"array\"},\"vehicles\":{\"type\":\"array\"},\"matrices\":{\"type\":"                \
    "\"object\"}}}"
/* VROOM's error body: code 1 internal, 2 input, 3 routing (VROOM docs/API.md). */
#define VROOM_ERROR_SCHEMA                                                                         \
    "{\"type\":\"object\",\"required\":[\"code\",\"error\"],\"properties\":{\"code\":{"            \
    "\"enum\":[1,2,3]},\"error\":{\"type\":\"string\"}}}"
#define VROOM_SOLUTION_SCHEMA                                                                      \
    "{\"type\":\"object\",\"required\":[\"code\"],\"properties\":{\"code\":{\"type\":"             \
    "\"integer\"},\"summary\":{\"type\":\"object\"},\"unassigned\":{\"type\":\"array\"},"          \
    "\"routes\":{\"type\":\"array\"}}}"

/* ---- depots, products, stock, orders, exceptions, intake configuration, CSV import ---- */

#define LASTMILE_API_ROUTES_ORDERS_H
/* ---- OpenAPI schemas (JSON text) ---- */

#define API_LONLAT_SCHEMA                                                                          \
    "{\"type\":\"array\",\"description\":\"[lon, lat] WGS84 degrees\",\"items\":{\"type\":"        \
    "\"number\"},\"minItems\":2,\"maxItems\":2}"
#define API_DEPOT_SCHEMA                                                                           \
    "{\"type\":\"object\",\"required\":[\"id\",\"name\",\"location\"],\"properties\":{\"id\":{"    \
    "\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9._-]{1,64}$\"},\"name\":{\"type\":\"string\","   \
    "\"maxLength\":200},\"location\":" API_LONLAT_SCHEMA                                           \
    ",\"opening_hours\":{\"type\":\"object\","                                                     \
    "\"properties\":{\"open\":{\"type\":\"string\",\"description\":\"HH:MM\"},\"close\":{"         \
    "\"type\":\"string\",\"description\":\"HH:MM\"}}}}}"
#define API_DEPOTS_SCHEMA                                                                          \
    "{\"type\":\"object\",\"properties\":{\"depots\":{\"type\":\"array\","                         \
    "\"items\":" API_DEPOT_SCHEMA "}}}"
#define API_PRODUCT_SCHEMA                                                                         \
    "{\"type\":\"object\",\"required\":[\"sku\",\"name\"],\"properties\":{\"sku\":{\"type\":"      \
    "\"string\",\"pattern\":\"^[A-Za-z0-9._-]{1,64}$\"},\"name\":{\"type\":\"string\"},"           \
    "\"weight_g\":{\"type\":\"integer\",\"minimum\":0},\"volume_cm3\":{\"type\":\"integer\","      \
    "\"minimum\":0},\"active\":{\"type\":\"boolean\",\"description\":\"false = quarantined: "      \
    "cannot be ordered\"},\"substitute_sku\":{\"type\":[\"string\",\"null\"]}}}"
#define API_PRODUCTS_SCHEMA                                                                        \
    "{\"type\":\"object\",\"properties\":{\"products\":{\"type\":\"array\","                       \
    "\"items\":" API_PRODUCT_SCHEMA "}}}"
#define API_STOCK_PUT_SCHEMA                                                                       \
    "{\"type\":\"object\",\"required\":[\"on_hand\"],\"properties\":{\"on_hand\":{\"type\":"       \
    "\"integer\",\"minimum\":0},\"reorder_point\":{\"type\":\"integer\",\"minimum\":0}}}"
#define API_STOCK_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"depot\":{\"type\":\"string\"},\"sku\":{\"type\":"      \
    "\"string\"},\"on_hand\":{\"type\":\"integer\"},\"reserved\":{\"type\":\"integer\"},"          \
    "\"available\":{\"type\":\"integer\"},\"reorder_point\":{\"type\":\"integer\"},\"low\":{"      \
    "\"type\":\"boolean\"}}}"
#define API_STOCK_LIST_SCHEMA                                                                      \
    "{\"type\":\"object\",\"properties\":{\"stock\":{\"type\":\"array\","                          \
    "\"items\":" API_STOCK_SCHEMA "}}}"
#define API_ORDER_IN_SCHEMA                                                                        \
    "{\"type\":\"object\",\"properties\":{\"external_ref\":{\"type\":\"string\",\"maxLength\":"    \
    "128},\"channel\":{\"type\":\"string\",\"maxLength\":64},\"customer\":{\"type\":\"object\","   \
    "\"properties\":{\"name\":{\"type\":\"string\"},\"phone\":{\"type\":\"string\"},\"email\":{"   \
    "\"type\":\"string\"},\"address\":{\"type\":\"string\"},\"location\":" API_LONLAT_SCHEMA "}}," \
    "\"lines\":{\"type\":\"array\",\"maxItems\":200,\"items\":{\"type\":\"object\",\"required\":"  \
    "[\"sku\",\"qty\"],\"properties\":{\"sku\":{\"type\":\"string\"},\"qty\":{\"type\":"           \
    "\"integer\",\"minimum\":1}}}},\"time_windows\":{\"type\":\"array\",\"maxItems\":8,"           \
    "\"description\":\"[start, end] as epoch seconds or ISO-8601 strings\"},\"priority\":{"        \
    "\"type\":\"integer\",\"minimum\":0,\"maximum\":100},\"notes\":{\"type\":\"string\"},"         \
    "\"out_of_stock\":{\"enum\":[\"cancel\",\"backorder\",\"substitute\"]},"                       \
    "\"currency\":{\"type\":\"string\",\"description\":\"ISO 4217; required with any money "       \
    "member; lines[].unit_price (minor units) and tax_rate_bp override the product's price\"},"    \
    "\"shipping_fee\":{\"type\":\"integer\",\"minimum\":0},\"coupons\":{\"type\":\"array\","       \
    "\"maxItems\":8,\"items\":{\"type\":\"string\"}},\"payment\":{\"type\":\"object\","            \
    "\"properties\":{\"method\":{\"enum\":[\"card\",\"transfer\",\"wallet\",\"cod\"]}}}"           \
    "," API_PD_IN_PROPS "},"                                                                       \
    "\"description\":\"totals, subtotal, discount, tax and total are the server's: sending one "   \
    "is refused\"}"
#define API_ORDER_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"status\":{\"enum\":["    \
    "\"received\",\"held\",\"allocated\",\"backordered\",\"picking\",\"ready\",\"planned\","       \
    "\"out_for_delivery\",\"delivered\",\"failed\",\"cancelled\"]},\"customer_status\":{"          \
    "\"type\":\"string\"},\"stock_outcome\":{\"type\":\"string\"},\"depot\":{\"type\":["           \
    "\"string\",\"null\"]},\"lines\":{\"type\":\"array\"},\"tracking_token\":{\"type\":"           \
    "\"string\"},\"package\":{\"type\":[\"object\",\"null\"]},\"exceptions\":{\"type\":"           \
    "\"array\"},\"coupon_warnings\":{\"type\":\"array\"}," MONEY_ORDER_PROPS "," API_PD_OUT_PROPS  \
    "}}"
#define API_ORDERS_SCHEMA                                                                          \
    "{\"type\":\"object\",\"properties\":{\"orders\":{\"type\":\"array\","                         \
    "\"items\":" API_ORDER_SCHEMA "},\"next_after\":{\"type\":\"integer\"}}}"
#define API_READY_IN_SCHEMA                                                                        \
    "{\"type\":\"object\",\"required\":[\"weight_g\",\"volume_cm3\",\"parcels\"],\"properties\":{" \
    "\"weight_g\":{\"type\":\"integer\",\"minimum\":0},\"volume_cm3\":{\"type\":\"integer\","      \
    "\"minimum\":0},\"parcels\":{\"type\":\"integer\",\"minimum\":1}}}"
#define API_STATUS_IN_SCHEMA                                                                       \
    "{\"type\":\"object\",\"required\":[\"status\"],\"properties\":{\"status\":{\"enum\":["        \
    "\"planned\",\"out_for_delivery\",\"delivered\",\"failed\",\"ready\"]}}}"
#define API_EXCEPTIONS_SCHEMA                                                                      \
    "{\"type\":\"object\",\"properties\":{\"exceptions\":{\"type\":\"array\",\"items\":{\"type\":" \
    "\"object\",\"properties\":{\"order_id\":{\"type\":\"integer\"},\"status\":{\"type\":"         \
    "\"string\"},\"reasons\":{\"type\":\"array\"},\"resolution\":{\"type\":[\"string\","           \
    "\"null\"]}}}}}}"
#define API_PACKAGES_SCHEMA                                                                        \
    "{\"type\":\"object\",\"properties\":{\"packages\":{\"type\":\"array\",\"items\":{\"type\":"   \
    "\"object\",\"properties\":{\"order_id\":{\"type\":\"integer\"},\"depot\":{\"type\":"          \
    "\"string\"},\"location\":" API_LONLAT_SCHEMA ",\"weight_g\":{\"type\":\"integer\"},"          \
    "\"volume_cm3\":{\"type\":\"integer\"},\"parcels\":{\"type\":\"integer\"}}}}}}"
#define API_IMPORT_SCHEMA                                                                          \
    "{\"type\":\"object\",\"properties\":{\"created\":{\"type\":\"integer\"},\"failed\":{"         \
    "\"type\":\"integer\"},\"results\":{\"type\":\"array\",\"items\":{\"type\":\"object\","        \
    "\"properties\":{\"line\":{\"type\":\"integer\"},\"id\":{\"type\":\"integer\"},\"status\":{"   \
    "\"type\":\"string\"},\"error\":{\"type\":\"object\"}}}}}}"
#define API_ORDERS_CONFIG_SCHEMA                                                                   \
    "{\"type\":\"object\",\"properties\":{\"rules\":{\"type\":\"object\",\"properties\":{"         \
    "\"required_fields\":{\"type\":\"boolean\"},\"service_area\":{\"type\":\"boolean\"},"          \
    "\"duplicate\":{\"type\":\"boolean\"},\"blacklist\":{\"type\":\"boolean\"},\"oversize\":{"     \
    "\"type\":\"boolean\"}}},\"required_fields\":{\"type\":\"array\",\"items\":{\"type\":"         \
    "\"string\"}},\"duplicate_window_s\":{\"type\":\"integer\"},\"max_weight_g\":{\"type\":"       \
    "\"integer\"},\"max_volume_cm3\":{\"type\":\"integer\"},\"default_out_of_stock\":{\"enum\":["  \
    "\"cancel\",\"backorder\",\"substitute\"]},\"channel_out_of_stock\":{\"type\":\"object\"},"    \
    "\"blacklist\":{\"type\":\"object\",\"properties\":{\"phone\":{\"type\":\"array\"},\"email\":" \
    "{"                                                                                            \
    "\"type\":\"array\"},\"address\":{\"type\":\"array\"}}},\"service_area\":{\"type\":["          \
    "\"object\",\"null\"],\"description\":\"GeoJSON Polygon, MultiPolygon or Feature\"},"          \
    "\"money\":" MONEY_CONFIG_SCHEMA "}}"

/* ---- fleet, plans, re-plans ---- */

#define LASTMILE_API_ROUTES_DISPATCH_H
#define API_VEHICLE_SCHEMA                                                                         \
    "{\"type\":\"object\",\"required\":[\"id\",\"start_depot\"],\"properties\":{\"id\":{\"type\":" \
    "\"string\"},\"name\":{\"type\":\"string\"},\"capacity_kg\":{\"type\":\"number\"},"            \
    "\"capacity_l\":{\"type\":\"number\"},\"capacity_parcels\":{\"type\":\"integer\"},"            \
    "\"cost_fixed\":{\"type\":\"integer\"},\"cost_per_hour\":{\"type\":\"integer\"},"              \
    "\"cost_per_km\":{\"type\":\"integer\"},\"skills\":{\"type\":\"array\",\"items\":{\"type\":"   \
    "\"string\"}},\"start_depot\":{\"type\":\"string\"},\"end_depot\":{\"type\":\"string\"},"      \
    "\"time_window\":{\"type\":\"array\",\"description\":\"[start, end] seconds after local "      \
    "midnight\"},\"breaks\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"   \
    "\"time_windows\":{\"type\":\"array\"},\"service\":{\"type\":\"integer\"}}}},"                 \
    "\"speed_factor\":{\"type\":\"number\"},\"active\":{\"type\":\"boolean\"}}}"
#define API_VEHICLES_SCHEMA                                                                        \
    "{\"type\":\"object\",\"properties\":{\"vehicles\":{\"type\":\"array\","                       \
    "\"items\":" API_VEHICLE_SCHEMA "}}}"
#define API_DRIVER_IN_SCHEMA                                                                       \
    "{\"type\":\"object\",\"required\":[\"id\",\"name\"],\"properties\":{\"id\":{\"type\":"        \
    "\"string\"},\"name\":{\"type\":\"string\"},\"phone\":{\"type\":\"string\"},\"device_id\":{"   \
    "\"type\":\"string\",\"description\":\"OsmAnd id; leave it out to get a generated one "        \
    "(24 characters); at least 20 characters unless allow_short_device_id\"},"                     \
    "\"allow_short_device_id\":{\"type\":\"boolean\",\"description\":\"accept a shorter, "         \
    "guessable device id for this driver\"},\"vehicle_id\":{\"type\":\"string\"}}}"
#define API_DRIVER_SCHEMA                                                                          \
    "{\"type\":\"object\",\"required\":[\"id\",\"name\",\"has_device\"],\"properties\":{\"id\":{"  \
    "\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"phone\":{\"type\":\"string\"},"         \
    "\"has_device\":{\"type\":\"boolean\"},\"allow_short_device_id\":{\"type\":\"boolean\"},"      \
    "\"device_id\":{\"type\":\"string\",\"description\":\"only in the 201 that generated it\"},"   \
    "\"vehicle_id\":{\"type\":[\"string\",\"null\"]}}}"
#define API_DRIVERS_SCHEMA                                                                         \
    "{\"type\":\"object\",\"properties\":{\"drivers\":{\"type\":\"array\","                        \
    "\"items\":" API_DRIVER_SCHEMA "}}}"
#define API_DEVICE_SCHEMA                                                                          \
    "{\"type\":\"object\",\"required\":[\"driver_id\",\"device_id\"],\"properties\":{"             \
    "\"driver_id\":{\"type\":\"string\"},\"device_id\":{\"type\":\"string\",\"description\":"      \
    "\"the new id, shown only here\"}}}"
#define API_REFUSALS_SCHEMA                                                                        \
    "{\"type\":\"object\",\"required\":[\"driver_id\",\"counts\",\"total\",\"last\"],"             \
    "\"properties\":{\"driver_id\":{\"type\":\"string\"},\"total\":{\"type\":\"integer\"},"        \
    "\"counts\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"reason\":{"   \
    "\"type\":\"string\"},\"count\":{\"type\":\"integer\"},\"last_ms\":{\"type\":\"integer\"}}}}," \
    "\"last\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"reason\":{"     \
    "\"type\":\"string\"},\"device_hint\":{\"type\":\"string\"},\"recv_ms\":{\"type\":"            \
    "\"integer\"},\"time_ms\":{\"type\":\"integer\"},\"lat\":{\"type\":[\"number\",\"null\"]},"    \
    "\"lon\":{\"type\":[\"number\",\"null\"]},\"accuracy_m\":{\"type\":[\"number\",\"null\"]}}}}}" \
    "}"
#define API_FLEET_STATE_SCHEMA                                                                     \
    "{\"type\":\"object\",\"properties\":{\"vehicles\":{\"type\":\"array\",\"items\":{\"type\":"   \
    "\"object\"}}}}"
#define API_PLAN_REQ_SCHEMA                                                                        \
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"depot\":{\"type\":"     \
    "\"string\"},\"time_limit_ms\":{"                                                              \
    "\"type\":\"integer\",\"minimum\":0,\"maximum\":600000},\"day_start\":{\"type\":[\"integer\"," \
    "\"string\"],\"description\":\"local midnight: epoch seconds or an RFC 3339 "                  \
    "time\"},\"vehicles\":{\"type\":\"array\","                                                    \
    "\"items\":{\"type\":\"string\"}}}}"
#define API_PLAN_ACCEPTED_SCHEMA                                                                   \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"status\":{\"type\":"     \
    "\"string\"}}}"
#define API_PLAN_SCHEMA                                                                            \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"status\":{\"enum\":["    \
    "\"solving\",\"proposed\",\"committed\",\"discarded\",\"failed\",\"superseded\"]},"            \
    "\"is_replan\":{\"type\":\"boolean\"},\"cost\":{\"type\":\"integer\"},\"routes\":{\"type\":"   \
    "\"array\",\"description\":\"each with stops, polyline (straight, through the stops) and "     \
    "geometry: the road path of a committed route (encoded polyline, precision 5) once fetched "   \
    "from the router, else null; geometry_estimated when part of it is straight\"},"               \
    "\"unassigned\":{\"type\":\"array\"},\"effect\":{\"type\":\"object\"},"                        \
    "\"routing\":{\"type\":\"object\",\"description\":\"how the travel times were found: router "  \
    "(geodesic, osrm, valhalla), cells of the matrix, cells_estimated (cells the engine could "    \
    "not "                                                                                         \
    "route, estimated geodesically; all of them for the geodesic router), estimated_pct\"},"       \
    "\"geometry\":{\"type\":\"object\",\"description\":\"GeoJSON FeatureCollection\"}}}"
#define API_PLANS_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"plans\":{\"type\":\"array\","                          \
    "\"items\":" API_PLAN_SCHEMA "}}}"
#define API_GEOJSON_SCHEMA                                                                         \
    "{\"type\":\"object\",\"description\":\"GeoJSON FeatureCollection of LineStrings [lon, "       \
    "lat]\"}"
#define API_MOVE_SCHEMA                                                                            \
    "{\"type\":\"object\",\"required\":[\"stop\",\"to_vehicle\"],\"properties\":{\"stop\":{"       \
    "\"type\":\"integer\"},\"to_vehicle\":{\"type\":\"string\"},\"position\":{\"type\":"           \
    "\"integer\",\"description\":\"0-based; omitted or -1 = the end\"}}}"
#define API_REPLAN_REQ_SCHEMA                                                                      \
    "{\"type\":\"object\",\"properties\":{\"vehicle_id\":{\"type\":\"string\"}}}"
#define API_QUEUED_SCHEMA "{\"type\":\"object\",\"properties\":{\"queued\":{\"type\":\"boolean\"}}}"

/* ---- driver app, OsmAnd, tracking, webhooks ---- */

#define LASTMILE_API_ROUTES_DRIVER_H
#define API_OSMAND_DOC                                                                             \
    "OsmAnd / Traccar Client position (query or form fields id, lat, lon, timestamp, speed in "    \
    "knots, valid ...; or the JSON object / array forms): 200 with an empty body once handled "    \
    "(also when the position filters refuse it); 429 with Retry-After for an address after 20 "    \
    "unknown device ids within a minute"
#define API_DRIVER_ROUTE_SCHEMA                                                                    \
    "{\"type\":\"object\",\"properties\":{\"driver_id\":{\"type\":\"string\"},\"vehicle_id\":{"    \
    "\"type\":[\"string\",\"null\"]},\"started\":{\"type\":\"boolean\"},\"stops\":{\"type\":"      \
    "\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"      \
    "\"seq\":{\"type\":\"integer\"},\"kind\":{\"type\":\"string\"},\"status\":{\"type\":"          \
    "\"string\"},\"order_id\":{\"type\":\"integer\"},\"customer_name\":{\"type\":\"string\"},"     \
    "\"customer_phone\":{\"type\":\"string\"},\"address\":{\"type\":\"string\"},"                  \
    "\"instructions\":{\"type\":\"string\"},\"collect\":{\"type\":[\"object\",\"null\"],"          \
    "\"description\":\"cash on delivery: {amount (minor units), currency} to collect\"},"          \
    "\"location\":{\"type\":\"array\"},\"time_window\":{"                                          \
    "\"type\":[\"array\",\"null\"]},\"eta_s\":{\"type\":\"integer\"},\"parcels\":{\"type\":"       \
    "\"integer\"},\"navigation\":{\"type\":\"object\",\"description\":\"links that open the "      \
    "phone's navigation app on the stop: geo (RFC 5870 geo: URI), osmand, google_maps\"},"         \
    "\"lines\":{\"type\":\"array\",\"description\":\"what to hand over: {sku, name, "              \
    "qty}\"},\"note\":{\"type\":\"string\"},\"proof\":{\"type\":\"string\"}}}},\"breaks\":{"       \
    "\"type\":\"array\",\"description\":\"the vehicle's breaks: {start_s, end_s (seconds after "   \
    "local midnight), service_s}\"},\"planned_breaks\":{\"type\":\"array\",\"description\":"       \
    "\"where the plan put each break: {stop_id, seq, status, eta_s, time_window, service_s}; "     \
    "arrived / delivered on stop_id start and end it\"},"                                          \
    "\"geometry\":{\"type\":[\"string\",\"null\"],\"description\":\"the road path (encoded "       \
    "polyline, precision 5) of the newest plan on the route, null until fetched\"},"               \
    "\"geometry_estimated\":{\"type\":\"boolean\"}}}"
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
/* A photo or signature as the driver app sends it. Inlined where used: a "$ref" to "#/$defs/..."
 * inside a request schema resolves against the whole OpenAPI document, which has no $defs. */
#define API_FILE_SCHEMA                                                                            \
    "{\"type\":\"object\",\"required\":[\"content_type\",\"data_base64\"],"                        \
    "\"properties\":{\"content_type\":{\"enum\":[\"image/png\",\"image/jpeg\"]},"                  \
    "\"data_base64\":{\"type\":\"string\",\"description\":\"at most 512 KiB decoded\"}}}"
#define API_DELIVERED_SCHEMA                                                                       \
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"recipient_name\":{"     \
    "\"type\":\"string\",\"maxLength\":200,\"description\":\"the name the driver typed: text, "    \
    "not a signature\"},\"recipient\":{\"type\":\"string\",\"maxLength\":200,\"deprecated\":true," \
    "\"description\":\"old name of "                                                               \
    "recipient_name\"},\"collected\":{\"type\":\"object\",\"required\":["                          \
    "\"amount\"],\"description\":\"required for a cash-on-delivery order (collect in the "         \
    "route): minor units taken\",\"properties\":{\"amount\":{\"type\":\"integer\",\"minimum\""     \
    ":0},\"method\":{\"enum\":[\"cash\",\"card_terminal\"]}}},"                                    \
    "\"signature\":" API_FILE_SCHEMA ",\"photo\":" API_FILE_SCHEMA "}}"
#define API_FAILED_SCHEMA                                                                          \
    "{\"type\":\"object\",\"required\":[\"reason\"],\"properties\":{\"reason\":{\"enum\":["        \
    "\"not_home\",\"refused\",\"address_not_found\",\"damaged\",\"other\"]},\"note\":{\"type\":"   \
    "\"string\",\"maxLength\":500},\"photo\":{\"type\":\"object\",\"description\":\"optional "     \
    "photo of the attempt {content_type: image/png|image/jpeg, data_base64}, 512 KiB\"}}}"
#define API_EXCEPTION_SCHEMA                                                                       \
    "{\"type\":\"object\",\"required\":[\"kind\"],\"properties\":{\"kind\":{\"enum\":["            \
    "\"breakdown\",\"delay\",\"accident\",\"vehicle_full\"]},\"delay_min\":{\"type\":\"integer\"," \
    "\"minimum\":0,\"maximum\":1440},\"note\":{\"type\":\"string\",\"maxLength\":500}}}"
#define API_TRACK_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\"},\"status_text\":{"      \
    "\"type\":\"string\"},\"time_windows\":{\"type\":\"array\"},\"eta\":{\"type\":[\"object\","    \
    "\"null\"]},\"stops_before\":{\"type\":[\"integer\",\"null\"]},\"driver_position\":{\"type\":" \
    "[\"object\",\"null\"]},\"delivery\":{\"type\":[\"object\",\"null\"]},\"failure\":{\"type\":"  \
    "[\"object\",\"null\"]},\"destination\":{\"type\":[\"object\",\"null\"],\"description\":"      \
    "\"the delivery address {lat, lon}, for the map\"}}}"
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
