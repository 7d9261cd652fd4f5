/* api/routes_orders.h: HTTP handlers of depots, products, stock, orders, exceptions, the intake
 * configuration and CSV import (api/routes_orders.c), their OpenAPI schemas, and the metrics
 * writer for orders by status. Only api/ .c files include this. */
#ifndef LASTMILE_API_ROUTES_ORDERS_H
#define LASTMILE_API_ROUTES_ORDERS_H

#include "api/app.h"

lm_status api__depots_create(http_req *r);
lm_status api__depots_list(http_req *r);
lm_status api__products_create(http_req *r);
lm_status api__products_list(http_req *r);
lm_status api__stock_put(http_req *r);
lm_status api__stock_list(http_req *r);
lm_status api__orders_create(http_req *r);
lm_status api__orders_get(http_req *r);
lm_status api__orders_list(http_req *r);
lm_status api__orders_cancel(http_req *r);
lm_status api__orders_release(http_req *r);
lm_status api__orders_picking(http_req *r);
lm_status api__orders_ready(http_req *r);
lm_status api__orders_status(http_req *r);
lm_status api__orders_import(http_req *r);
lm_status api__exceptions_list(http_req *r);
lm_status api__packages_ready(http_req *r);
lm_status api__orders_config_get(http_req *r);
lm_status api__orders_config_put(http_req *r);

/* Prometheus gauge lastmile_orders{status="..."} read from the store. */
lm_status api__metrics_orders(http_req *r, lm_buf *out);

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
    "\"out_of_stock\":{\"enum\":[\"cancel\",\"backorder\",\"substitute\"]}}}"
#define API_ORDER_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"status\":{\"enum\":["    \
    "\"received\",\"held\",\"allocated\",\"backordered\",\"picking\",\"ready\",\"planned\","       \
    "\"out_for_delivery\",\"delivered\",\"failed\",\"cancelled\"]},\"customer_status\":{"          \
    "\"type\":\"string\"},\"stock_outcome\":{\"type\":\"string\"},\"depot\":{\"type\":["           \
    "\"string\",\"null\"]},\"lines\":{\"type\":\"array\"},\"tracking_token\":{\"type\":"           \
    "\"string\"},\"package\":{\"type\":[\"object\",\"null\"]},\"exceptions\":{\"type\":"           \
    "\"array\"}}}"
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
    "\"object\",\"null\"],\"description\":\"GeoJSON Polygon, MultiPolygon or Feature\"}}}"

#endif
