/* api/routes_dispatch.h: HTTP handlers of the fleet (vehicles, drivers), plans (create, read with
 * GeoJSON geometry, commit, discard, hand moves) and re-plans (request, apply) over dispatch/
 * (api/routes_dispatch.c), with their OpenAPI schemas. Only api/ .c files include this. */
#ifndef LASTMILE_API_ROUTES_DISPATCH_H
#define LASTMILE_API_ROUTES_DISPATCH_H

#include "api/app.h"

lm_status api__vehicles_put(http_req *r);
lm_status api__vehicles_list(http_req *r);
lm_status api__drivers_put(http_req *r);
lm_status api__drivers_list(http_req *r);
lm_status api__fleet_state(http_req *r);
lm_status api__plans_create(http_req *r);
lm_status api__plans_list(http_req *r);
lm_status api__plans_get(http_req *r);
lm_status api__plans_geojson(http_req *r);
lm_status api__plans_commit(http_req *r);
lm_status api__plans_discard(http_req *r);
lm_status api__plans_move(http_req *r);
lm_status api__replans_create(http_req *r);
lm_status api__replans_apply(http_req *r);

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
#define API_DRIVER_SCHEMA                                                                          \
    "{\"type\":\"object\",\"required\":[\"id\",\"name\"],\"properties\":{\"id\":{\"type\":"        \
    "\"string\"},\"name\":{\"type\":\"string\"},\"phone\":{\"type\":\"string\"},\"device_id\":{"   \
    "\"type\":\"string\",\"description\":\"OsmAnd id\"},\"vehicle_id\":{\"type\":\"string\"}}}"
#define API_DRIVERS_SCHEMA                                                                         \
    "{\"type\":\"object\",\"properties\":{\"drivers\":{\"type\":\"array\","                        \
    "\"items\":" API_DRIVER_SCHEMA "}}}"
#define API_FLEET_STATE_SCHEMA                                                                     \
    "{\"type\":\"object\",\"properties\":{\"vehicles\":{\"type\":\"array\",\"items\":{\"type\":"   \
    "\"object\"}}}}"
#define API_PLAN_REQ_SCHEMA                                                                        \
    "{\"type\":\"object\",\"properties\":{\"depot\":{\"type\":\"string\"},\"time_limit_ms\":{"     \
    "\"type\":\"integer\",\"minimum\":0,\"maximum\":600000},\"day_start\":{\"type\":\"integer\","  \
    "\"description\":\"epoch seconds of local midnight\"},\"vehicles\":{\"type\":\"array\","       \
    "\"items\":{\"type\":\"string\"}}}}"
#define API_PLAN_ACCEPTED_SCHEMA                                                                   \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"status\":{\"type\":"     \
    "\"string\"}}}"
#define API_PLAN_SCHEMA                                                                            \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"status\":{\"enum\":["    \
    "\"solving\",\"proposed\",\"committed\",\"discarded\",\"failed\",\"superseded\"]},"            \
    "\"is_replan\":{\"type\":\"boolean\"},\"cost\":{\"type\":\"integer\"},\"routes\":{\"type\":"   \
    "\"array\"},\"unassigned\":{\"type\":\"array\"},\"effect\":{\"type\":\"object\"},"             \
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

#endif
