/* api/routes.c: THE route table: every HTTP endpoint of lastmile is one row here, with the roles
 * allowed to call it and its OpenAPI documentation beside it. The server matches rows in order.
 *
 * HOW TO ADD A ROUTE: see the top of api/app.h. In short, add a row
 *   {"POST", "/v1/orders/{id}/cancel", API_ROLE_DISPATCHER, api__orders_cancel, 0,
 *    "Cancel an order", NULL, API_ORDER_SCHEMA, 200, NULL},
 * with the handler in its resource's file (declared in api/handlers.h) and the JSON Schemas (as
 * JSON text) in api/schemas.h, kept accurate: /openapi.json is generated from them and a test
 * checks every row is documented. Each group of rows names the file of its handlers. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/schemas.h"
#include "api/schemas_feedback.h"
#include "api/schemas_money.h"

const http_route api__routes[] = {
    /* method, pattern, roles, handler, flags,
     * summary, request schema, response schema, success status, success content type */
    /* ---- health, metrics, OpenAPI (api/health.c, api/metrics.c) ---- */
    {"GET", "/healthz", HTTP_PUBLIC, api__healthz, 0,
     "Liveness: the server and its store answer; the routing engines and whether they answer", NULL,
     HEALTH_SCHEMA, 200, NULL},
    {"GET", "/v1/map/config", HTTP_PUBLIC, api__map_config, 0,
     "The basemap the dashboard and tracking page draw (tile URL, attribution) and the router",
     NULL, MAP_CONFIG_SCHEMA, 200, NULL},
    {"GET", "/metrics", HTTP_PUBLIC, api__metrics, 0,
     "Prometheus metrics: requests by route and status, latencies, store commits", NULL,
     TEXT_SCHEMA, 200, "text/plain"},
    {"GET", "/openapi.json", HTTP_PUBLIC, api__openapi, 0,
     "This API described as OpenAPI 3.1, generated from the route table", NULL, OPENAPI_SCHEMA, 200,
     NULL},

    /* ---- keys and identity (api/keys.c) ---- */
    {"GET", "/v1/whoami", API_ANY_KEY, api__whoami, 0, "The role and driver bound to the key used",
     NULL, WHOAMI_SCHEMA, 200, NULL},
    {"POST", "/v1/keys", API_ROLE_ADMIN, api__keys_create, 0,
     "Create an API key (the key is shown only in this reply)", KEY_CREATE_SCHEMA, KEY_SCHEMA, 201,
     NULL},
    /* ---- key listing and revocation (api/keys.c; docs/security.md "API keys and roles") ---- */
    {"GET", "/v1/keys", API_ROLE_ADMIN, api__keys_list, 0,
     "List API keys by id and prefix with role and dates (never the secret nor its hash)", NULL,
     KEYS_LIST_SCHEMA, 200, NULL},
    {"DELETE", "/v1/keys/{id}", API_ROLE_ADMIN, api__keys_revoke, 0,
     "Revoke an API key: refused from the next request on (409 for the last admin key)", NULL, NULL,
     204, NULL},

    /* ---- event log (api/events.c) ---- */
    {"GET", "/v1/events", API_ROLE_DISPATCHER, api__events_list, 0,
     "Events after a sequence number, oldest first (?after=SEQ&limit=1..1000); with Accept: "
     "text/event-stream a live Server-Sent Events stream resuming after Last-Event-ID",
     NULL, EVENTS_SCHEMA, 200, NULL},
    /* ---- depots, products, stock (api/depots.c, api/products.c, api/stock.c) ---- */
    {"POST", "/v1/depots", API_ROLE_ADMIN, api__depots_create, 0,
     "Create or replace a depot (id, name, location [lon, lat], opening hours)", API_DEPOT_SCHEMA,
     API_DEPOT_SCHEMA, 201, NULL},
    {"GET", "/v1/depots", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__depots_list, 0,
     "List depots", NULL, API_DEPOTS_SCHEMA, 200, NULL},
    {"POST", "/v1/products", API_ROLE_ADMIN, api__products_create, 0,
     "Create or replace a product (active=false quarantines the SKU)", API_PRODUCT_SCHEMA,
     API_PRODUCT_SCHEMA, 201, NULL},
    {"GET", "/v1/products", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__products_list, 0,
     "List products", NULL, API_PRODUCTS_SCHEMA, 200, NULL},
    {"PUT", "/v1/stock/{depot}/{sku}", API_ROLE_WAREHOUSE, api__stock_put, 0,
     "Set on-hand units (and reorder point); allocates backorders oldest first",
     API_STOCK_PUT_SCHEMA, API_STOCK_SCHEMA, 200, NULL},
    {"GET", "/v1/stock", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__stock_list, 0,
     "Stock per depot and SKU (?low=true: available below the reorder point)", NULL,
     API_STOCK_LIST_SCHEMA, 200, NULL},

    /* ---- orders (api/orders.c, api/imports.c, api/exceptions.c, api/order_config.c) ---- */
    {"POST", "/v1/orders", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__orders_create, 0,
     "Take in an order: audit, allocate or apply the out-of-stock policy (Idempotency-Key "
     "honoured)",
     API_ORDER_IN_SCHEMA, API_ORDER_SCHEMA, 201, NULL},
    {"POST", "/v1/orders/import", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__orders_import,
     HTTP_RAW_BODY, "Import orders from CSV (text/csv); each row reported with its line number",
     "{\"type\":\"string\",\"description\":\"CSV, see README\"}", API_IMPORT_SCHEMA, 200, NULL},
    {"GET", "/v1/orders", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__orders_list, 0,
     "List orders (?status=&channel=&since=&after=&limit=)", NULL, API_ORDERS_SCHEMA, 200, NULL},
    {"GET", "/v1/orders/{id}", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__orders_get, 0,
     "One order with its customer-facing status and exception reasons", NULL, API_ORDER_SCHEMA, 200,
     NULL},
    {"POST", "/v1/orders/{id}/cancel", API_ROLE_DISPATCHER, api__orders_cancel, 0,
     "Cancel an order before it is out for delivery (releases its stock)", NULL, API_ORDER_SCHEMA,
     200, NULL},
    {"POST", "/v1/orders/{id}/release", API_ROLE_DISPATCHER, api__orders_release, 0,
     "Release a held order: resolve its exceptions and allocate it", NULL, API_ORDER_SCHEMA, 200,
     NULL},
    {"POST", "/v1/orders/{id}/picking", API_ROLE_WAREHOUSE, api__orders_picking, 0,
     "Warehouse: picking started", NULL, API_ORDER_SCHEMA, 200, NULL},
    {"POST", "/v1/orders/{id}/ready", API_ROLE_WAREHOUSE, api__orders_ready, 0,
     "Warehouse: package ready with its weight, volume and parcel count", API_READY_IN_SCHEMA,
     API_ORDER_SCHEMA, 200, NULL},
    {"POST", "/v1/orders/{id}/status", API_ROLE_DISPATCHER, api__orders_status, 0,
     "Dispatch side of the lifecycle: planned, out_for_delivery, delivered, failed",
     API_STATUS_IN_SCHEMA, API_ORDER_SCHEMA, 200, NULL},
    {"GET", "/v1/exceptions", API_ROLE_DISPATCHER, api__exceptions_list, 0,
     "Held orders and their reasons (?open=false includes resolved ones)", NULL,
     API_EXCEPTIONS_SCHEMA, 200, NULL},
    {"GET", "/v1/packages/ready", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__packages_ready, 0,
     "Packages ready for dispatch (?depot=)", NULL, API_PACKAGES_SCHEMA, 200, NULL},
    {"GET", "/v1/config/orders", API_ROLE_DISPATCHER, api__orders_config_get, 0,
     "Order intake rules: audit rules, out-of-stock policies, blacklist, service area", NULL,
     API_ORDERS_CONFIG_SCHEMA, 200, NULL},
    {"PUT", "/v1/config/orders", API_ROLE_ADMIN, api__orders_config_put, 0,
     "Change the order intake rules (keys given replace the current ones)",
     API_ORDERS_CONFIG_SCHEMA, API_ORDERS_CONFIG_SCHEMA, 200, NULL},

    /* ---- money: prices, promotions, payments, refunds, cash on delivery, reports
     * (api/promotions.c, api/payments.c, api/cash.c; docs/money.md) ---- */
    {"PUT", "/v1/prices/{sku}/{currency}", API_ROLE_ADMIN, api__prices_put, 0,
     "Set a product's net unit price (minor units) and tax rate in one currency",
     MONEY_PRICE_IN_SCHEMA, MONEY_PRICE_SCHEMA, 200, NULL},
    {"GET", "/v1/prices", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__prices_list, 0,
     "Product prices per currency", NULL, MONEY_PRICES_SCHEMA, 200, NULL},
    {"POST", "/v1/promotions", API_ROLE_DISPATCHER, api__promotions_put, 0,
     "Create or replace a promotion (percent, fixed, buy_x_get_y, free_shipping; a code makes it "
     "a coupon)",
     MONEY_PROMOTION_SCHEMA, MONEY_PROMOTION_SCHEMA, 201, NULL},
    {"PUT", "/v1/promotions/{id}", API_ROLE_DISPATCHER, api__promotions_put, 0,
     "Replace a promotion (active=false retires it; its uses stay counted)", MONEY_PROMOTION_SCHEMA,
     MONEY_PROMOTION_SCHEMA, 200, NULL},
    {"GET", "/v1/promotions", API_ROLE_DISPATCHER, api__promotions_list, 0, "All promotions", NULL,
     MONEY_PROMOTIONS_SCHEMA, 200, NULL},
    {"GET", "/v1/promotions/{id}", API_ROLE_DISPATCHER, api__promotions_get, 0, "One promotion",
     NULL, MONEY_PROMOTION_SCHEMA, 200, NULL},
    {"GET", "/v1/config/money", API_ROLE_DISPATCHER, api__money_config_get, 0,
     "Money settings: coupon refusal or warning, holding unpaid orders, payment timeout", NULL,
     MONEY_CONFIG_SCHEMA, 200, NULL},
    {"PUT", "/v1/config/money", API_ROLE_ADMIN, api__money_config_put, 0,
     "Change the money settings (members given replace the current ones)", MONEY_CONFIG_SCHEMA,
     MONEY_CONFIG_SCHEMA, 200, NULL},
    {"POST", "/v1/orders/{id}/payments", API_ROLE_ADMIN, api__payments_report, 0,
     "The payment provider reports a change (authorized, paid, failed, pending); an admin key is "
     "the provider integration's credential; illegal moves 409",
     MONEY_PAYMENT_IN_SCHEMA, MONEY_ORDER_SCHEMA, 200, NULL},
    {"GET", "/v1/orders/{id}/payments", API_ROLE_DISPATCHER, api__payments_list, 0,
     "An order's payment and its history", NULL, MONEY_HISTORY_SCHEMA, 200, NULL},
    {"POST", "/v1/orders/{id}/refunds", API_ROLE_DISPATCHER, api__refunds_create, 0,
     "Refund part or all of what was paid (never more than paid minus earlier refunds)",
     MONEY_REFUND_IN_SCHEMA, MONEY_ORDER_SCHEMA, 201, NULL},
    {"POST", "/v1/orders/{id}/cancel-units", API_ROLE_DISPATCHER, api__orders_cancel_units, 0,
     "Cancel units of a priced line before the order is ready; totals are recomputed",
     MONEY_CANCEL_UNITS_SCHEMA, MONEY_ORDER_SCHEMA, 200, NULL},
    {"GET", "/v1/drivers/{id}/cash", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__cash_get, 0,
     "A driver's cash on delivery: outstanding, handed in and discrepancies (?from=&to= ms)", NULL,
     MONEY_CASH_SCHEMA, 200, NULL},
    {"POST", "/v1/drivers/{id}/cash", API_ROLE_WAREHOUSE, api__cash_reconcile, 0,
     "The depot counts a driver's cash: expected vs handed in, recorded under the warehouse key; "
     "a difference raises cash.discrepancy",
     MONEY_HANDIN_IN_SCHEMA, MONEY_HANDIN_SCHEMA, 201, NULL},
    {"GET", "/v1/reports/money/{report}", API_ROLE_DISPATCHER, api__money_report, 0,
     "Money reports for analytics: revenue, promotions (coupon usage), cod, refunds (?from=&to= "
     "ms, per currency)",
     NULL, MONEY_REPORT_SCHEMA, 200, NULL},

    /* ---- VROOM-compatible solving (api/solve.c) ---- */
    {"POST", "/v1/solve", API_ROLE_DISPATCHER, api__solve, HTTP_RAW_BODY,
     "Solve a VROOM problem (jobs, shipments, vehicles, matrices or [lon, lat] locations) and "
     "answer with VROOM's solution; ?time_limit=S (default 5, at most 60), ?seed=K; errors in "
     "VROOM's shape {code, error}; 503 while 2 solves run; body options.iterations: reproducible",
     VROOM_PROBLEM_SCHEMA, VROOM_SOLUTION_SCHEMA, 200, NULL},

    /* ---- fleet, plans, re-plans (api/fleet.c, api/plans.c, api/replans.c) ---- */
    {"POST", "/v1/vehicles", API_ROLE_DISPATCHER, api__vehicles_put, 0,
     "Create or replace a vehicle (capacity kg / litres / parcels, costs, skills, depots, shift, "
     "breaks)",
     API_VEHICLE_SCHEMA, API_VEHICLE_SCHEMA, 201, NULL},
    {"GET", "/v1/vehicles", API_ROLE_DISPATCHER, api__vehicles_list, 0, "The fleet's vehicles",
     NULL, API_VEHICLES_SCHEMA, 200, NULL},
    {"POST", "/v1/drivers", API_ROLE_DISPATCHER, api__drivers_put, 0,
     "Create or replace a driver (name, phone, vehicle today); a new driver without device_id gets "
     "a generated OsmAnd device id, answered in this reply only",
     API_DRIVER_IN_SCHEMA, API_DRIVER_SCHEMA, 201, NULL},
    {"GET", "/v1/drivers", API_ROLE_DISPATCHER, api__drivers_list, 0,
     "The drivers (has_device, never the device id)", NULL, API_DRIVERS_SCHEMA, 200, NULL},
    {"GET", "/v1/fleet/state", API_ROLE_DISPATCHER, api__fleet_state, 0,
     "Live state of every vehicle: position, pace, started / broken / silent / full, next stop",
     NULL, API_FLEET_STATE_SCHEMA, 200, NULL},
    {"POST", "/v1/plans", API_ROLE_DISPATCHER, api__plans_create, 0,
     "Plan the ready packages with the available vehicles; solved on a worker (202, then "
     "plan.progress and plan.proposed events)",
     API_PLAN_REQ_SCHEMA, API_PLAN_ACCEPTED_SCHEMA, 202, NULL},
    {"GET", "/v1/plans", API_ROLE_DISPATCHER, api__plans_list, 0,
     "Plans and re-plans, newest first (?limit=1..1000), without their routes", NULL,
     API_PLANS_SCHEMA, 200, NULL},
    {"GET", "/v1/plans/{id}", API_ROLE_DISPATCHER, api__plans_get, 0,
     "A plan: routes (stops with ETAs, load, distance, duration, cost, polyline), unassigned "
     "packages with reasons, GeoJSON geometry, and a re-plan's effect",
     NULL, API_PLAN_SCHEMA, 200, NULL},
    {"GET", "/v1/plans/{id}/geojson", API_ROLE_DISPATCHER, api__plans_geojson, 0,
     "A plan's routes as a GeoJSON FeatureCollection of LineStrings", NULL, API_GEOJSON_SCHEMA, 200,
     "application/geo+json"},
    {"POST", "/v1/plans/{id}/commit", API_ROLE_DISPATCHER, api__plans_commit, 0,
     "Commit a proposed plan: its orders become planned and each driver gets a route", NULL,
     API_PLAN_SCHEMA, 200, NULL},
    {"POST", "/v1/plans/{id}/discard", API_ROLE_DISPATCHER, api__plans_discard, 0,
     "Discard a solving or proposed plan", NULL, API_PLAN_SCHEMA, 200, NULL},
    {"POST", "/v1/plans/{id}/move", API_ROLE_DISPATCHER, api__plans_move, 0,
     "Move a stop of a proposed plan to a vehicle and position; refused (409 with violations) "
     "when the feasibility checker finds a broken constraint",
     API_MOVE_SCHEMA, API_PLAN_SCHEMA, 200, NULL},
    {"POST", "/v1/replans", API_ROLE_DISPATCHER, api__replans_create, 0,
     "Re-plan the remaining work now (the proposal arrives as plan.replan_proposed)",
     API_REPLAN_REQ_SCHEMA, API_QUEUED_SCHEMA, 202, NULL},
    {"POST", "/v1/replans/{id}/apply", API_ROLE_DISPATCHER, api__replans_apply, 0,
     "Apply a proposed re-plan to the live routes (409 when they changed since)", NULL,
     API_PLAN_SCHEMA, 200, NULL},

    /* ---- OsmAnd, driver app, customer tracking (api/osmand.c, api/driver.c, api/exceptions.c,
     * api/track.c) ---- */
    {"GET", "/v1/osmand", HTTP_PUBLIC, api__osmand_http, HTTP_RAW_BODY, API_OSMAND_DOC, NULL, NULL,
     200, "text/plain"},
    {"POST", "/v1/osmand", HTTP_PUBLIC, api__osmand_http, HTTP_RAW_BODY, API_OSMAND_DOC,
     "{\"description\":\"form fields, or the JSON object or array forms\"}", NULL, 200,
     "text/plain"},
    {"GET", "/v1/driver/route", API_ROLE_DRIVER, api__driver_route, 0,
     "The calling driver's route today: stops in order with customer, address, window, ETA", NULL,
     API_DRIVER_ROUTE_SCHEMA, 200, NULL},
    {"POST", "/v1/driver/positions", API_ROLE_DRIVER, api__driver_positions, 0,
     "A batch of queued positions (device timestamps; duplicates ignored), answered once durable",
     API_DRIVER_POSITIONS_SCHEMA, API_POSITIONS_RESULT_SCHEMA, 200, NULL},
    {"POST", "/v1/driver/stops/{id}/arrived", API_ROLE_DRIVER, api__driver_arrived, 0,
     "Arrived at one of the driver's stops", NULL, API_STOP_RESULT_SCHEMA, 200, NULL},
    {"POST", "/v1/driver/stops/{id}/delivered", API_ROLE_DRIVER, api__driver_delivered, 0,
     "Delivered: recipient name, optional signature / photo (PNG or JPEG, 512 KiB each)",
     API_DELIVERED_SCHEMA, API_STOP_RESULT_SCHEMA, 200, NULL},
    {"POST", "/v1/driver/stops/{id}/failed", API_ROLE_DRIVER, api__driver_failed, 0,
     "Delivery failed: not_home, refused, address_not_found, damaged or other, with a note",
     API_FAILED_SCHEMA, API_STOP_RESULT_SCHEMA, 200, NULL},
    {"POST", "/v1/driver/exceptions", API_ROLE_DRIVER, api__driver_exception, 0,
     "Report a breakdown, delay, accident or full vehicle (may trigger a re-plan)",
     API_EXCEPTION_SCHEMA, API_STOP_RESULT_SCHEMA, 202, NULL},
    {"GET", "/v1/track/{token}", HTTP_PUBLIC, api__track, 0,
     "Customer tracking by token: status, ETA window, stops before, driver when next, proof "
     "(rate-limited per address: 429 with Retry-After)",
     NULL, API_TRACK_SCHEMA, 200, NULL},

    /* ---- feedback: ratings, complaints, surveys (api/feedback.c by tracking token, public and
     * rate-limited like tracking; api/complaints.c and api/feedback_config.c for staff) ---- */
    {"GET", "/v1/track/{token}/rating", HTTP_PUBLIC, api__track_rating_get, 0,
     "The customer's rating of this delivery, and whether it can still be edited", NULL,
     FB_RATING_SCHEMA, 200, NULL},
    {"POST", "/v1/track/{token}/rating", HTTP_PUBLIC, api__track_rating_create, 0,
     "Rate a delivered or failed stop 1-5 with tags and a comment; a low score opens a ticket",
     FB_RATING_IN_SCHEMA, FB_RATING_SCHEMA, 201, NULL},
    {"PATCH", "/v1/track/{token}/rating/{id}", HTTP_PUBLIC, api__track_rating_edit, 0,
     "Change the rating within the edit window (409 once frozen)", FB_RATING_EDIT_SCHEMA,
     FB_RATING_SCHEMA, 200, NULL},
    {"GET", "/v1/track/{token}/complaints", HTTP_PUBLIC, api__track_complaints_list, 0,
     "The customer's tickets about this order", NULL, FB_COMPLAINTS_SCHEMA, 200, NULL},
    {"POST", "/v1/track/{token}/complaints", HTTP_PUBLIC, api__track_complaints_open, 0,
     "Open a ticket (source dispute: a failed attempt was not the customer's fault)",
     FB_TRACK_COMPLAINT_IN_SCHEMA, FB_COMPLAINT_SCHEMA, 201, NULL},
    {"GET", "/v1/track/{token}/complaints/{id}", HTTP_PUBLIC, api__track_complaints_get, 0,
     "One of the customer's tickets with its public thread (never internal notes)", NULL,
     FB_COMPLAINT_SCHEMA, 200, NULL},
    {"POST", "/v1/track/{token}/complaints/{id}/reply", HTTP_PUBLIC, api__track_complaints_reply, 0,
     "The customer replies on their ticket", FB_TRACK_REPLY_SCHEMA, FB_COMPLAINT_SCHEMA, 201, NULL},
    {"POST", "/v1/track/{token}/complaints/{id}/close", HTTP_PUBLIC, api__track_complaints_close, 0,
     "The customer closes their resolved ticket", FB_ACTION_SCHEMA, FB_COMPLAINT_SCHEMA, 200, NULL},
    {"POST", "/v1/track/{token}/complaints/{id}/reopen", HTTP_PUBLIC, api__track_complaints_reopen,
     0, "The customer reopens their ticket within the reopen window", FB_ACTION_SCHEMA,
     FB_COMPLAINT_SCHEMA, 200, NULL},
    {"GET", "/v1/track/{token}/survey", HTTP_PUBLIC, api__track_survey_get, 0,
     "The satisfaction survey asked after delivery (404 when none)", NULL, FB_SURVEY_SCHEMA, 200,
     NULL},
    {"POST", "/v1/track/{token}/survey", HTTP_PUBLIC, api__track_survey_answer, 0,
     "Answer the survey once, before it expires", FB_SURVEY_IN_SCHEMA, FB_SURVEY_SCHEMA, 200, NULL},
    {"GET", "/v1/complaints", API_ROLE_DISPATCHER, api__complaints_list, 0,
     "The complaints queue, nearest SLA deadline first, with countdowns (?status=new,... "
     "&assignee=&driver_id=&order_id=&limit=; ?after=ID pages by id)",
     NULL, FB_COMPLAINTS_SCHEMA, 200, NULL},
    {"POST", "/v1/complaints", API_ROLE_DISPATCHER, api__complaints_create, 0,
     "Open a ticket as staff (source staff, or after_sales with case_ref)", FB_COMPLAINT_IN_SCHEMA,
     FB_COMPLAINT_SCHEMA, 201, NULL},
    {"GET", "/v1/complaints/{id}", API_ROLE_DISPATCHER | API_ROLE_DRIVER, api__complaints_get, 0,
     "A ticket: staff see everything and the order's timeline; a driver only a ticket about "
     "them that was shared, its public thread",
     NULL, FB_COMPLAINT_SCHEMA, 200, NULL},
    {"PATCH", "/v1/complaints/{id}", API_ROLE_DISPATCHER, api__complaints_patch, 0,
     "Change assignee, priority, category or driver_shared (due times follow priority and "
     "category)",
     FB_PATCH_SCHEMA, FB_COMPLAINT_SCHEMA, 200, NULL},
    {"POST", "/v1/complaints/{id}/reply", API_ROLE_DISPATCHER, api__complaints_reply, 0,
     "A public reply (the first one is the first response) or an internal note", FB_REPLY_SCHEMA,
     FB_COMPLAINT_SCHEMA, 201, NULL},
    {"POST", "/v1/complaints/{id}/assign", API_ROLE_DISPATCHER, api__complaints_assign, 0,
     "Assign the ticket (\"\" unassigns)", FB_ASSIGN_SCHEMA, FB_COMPLAINT_SCHEMA, 200, NULL},
    {"POST", "/v1/complaints/{id}/acknowledge", API_ROLE_DISPATCHER, api__complaints_act, 0,
     "new -> acknowledged", FB_ACTION_SCHEMA, FB_COMPLAINT_SCHEMA, 200, NULL},
    {"POST", "/v1/complaints/{id}/start", API_ROLE_DISPATCHER, api__complaints_act, 0,
     "acknowledged -> in_progress", FB_ACTION_SCHEMA, FB_COMPLAINT_SCHEMA, 200, NULL},
    {"POST", "/v1/complaints/{id}/resolve", API_ROLE_DISPATCHER, api__complaints_act, 0,
     "acknowledged or in_progress -> resolved (stops the SLA clocks)", FB_ACTION_SCHEMA,
     FB_COMPLAINT_SCHEMA, 200, NULL},
    {"POST", "/v1/complaints/{id}/close", API_ROLE_DISPATCHER, api__complaints_act, 0,
     "resolved -> closed", FB_ACTION_SCHEMA, FB_COMPLAINT_SCHEMA, 200, NULL},
    {"POST", "/v1/complaints/{id}/reopen", API_ROLE_DISPATCHER, api__complaints_act, 0,
     "resolved or closed -> in_progress within the reopen window", FB_ACTION_SCHEMA,
     FB_COMPLAINT_SCHEMA, 200, NULL},
    {"GET", "/v1/ratings/summary", API_ROLE_DISPATCHER, api__ratings_summary, 0,
     "Ratings per driver, vehicle or depot (?group_by=driver_id|vehicle_id|depot_id&since=&"
     "until=)",
     NULL, FB_RATINGS_SUMMARY_SCHEMA, 200, NULL},
    {"GET", "/v1/feedback/stats", API_ROLE_DISPATCHER, api__feedback_stats, 0,
     "Complaints by category and status, SLA breaches, first responses; NPS and CSAT "
     "(?since=&until=)",
     NULL, FB_STATS_SCHEMA, 200, NULL},
    {"GET", "/v1/config/feedback", API_ROLE_ADMIN, api__feedback_config_get, 0,
     "Feedback settings, the SLA table and the business calendars", NULL, FB_CONFIG_SCHEMA, 200,
     NULL},
    {"PUT", "/v1/config/feedback", API_ROLE_ADMIN, api__feedback_config_put, 0,
     "Change settings (keys given), replace the SLA table, put or remove calendars: all or "
     "nothing",
     FB_CONFIG_IN_SCHEMA, FB_CONFIG_SCHEMA, 200, NULL},

    /* ---- drivers' devices (api/fleet.c; docs/devices.md) ---- */
    {"POST", "/v1/drivers/{id}/device", API_ROLE_DISPATCHER, api__drivers_device_rotate, 0,
     "Give the driver a new generated OsmAnd device id, answered here once; the old id is "
     "refused from now on",
     NULL, API_DEVICE_SCHEMA, 200, NULL},
    {"GET", "/v1/drivers/{id}/refusals", API_ROLE_DISPATCHER, api__drivers_refusals, 0,
     "Positions the filters refused for the driver (future, jump, zero, invalid ...): counts per "
     "reason and the last ?last=1..1000 (20), newest first",
     NULL, API_REFUSALS_SCHEMA, 200, NULL},

    /* ---- webhooks (api/webhooks.c) ---- */
    {"POST", "/v1/webhooks", API_ROLE_DISPATCHER, api__webhooks_create, 0,
     "Register a URL: every event is POSTed signed with X-Lastmile-Signature: sha256=HMAC",
     API_WEBHOOK_IN_SCHEMA, API_WEBHOOK_SCHEMA, 201, NULL},
    {"GET", "/v1/webhooks", API_ROLE_DISPATCHER, api__webhooks_list, 0,
     "Webhooks with their delivery state", NULL, API_WEBHOOKS_SCHEMA, 200, NULL},
    {"DELETE", "/v1/webhooks/{id}", API_ROLE_DISPATCHER, api__webhooks_delete, 0,
     "Remove a webhook", NULL, NULL, 204, NULL},
};
const size_t api__route_count = sizeof api__routes / sizeof api__routes[0];

/* Routes that answer some errors in a peer's shape (OpenAPI lists both). */
const http_route_errors api__route_errors[] = {
    {"POST", "/v1/solve", VROOM_ERROR_SCHEMA}, /* the problem's errors, as VROOM words them */
};
const size_t api__route_errors_count = sizeof api__route_errors / sizeof api__route_errors[0];
