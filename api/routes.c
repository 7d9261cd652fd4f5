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
#include "api/schemas_analytics.h"
#include "api/schemas_driver_app.h"
#include "api/schemas_feedback.h"
#include "api/schemas_hand.h"
#include "api/schemas_money.h"
#include "api/schemas_recovery.h"
#include "api/schemas_returns.h"
#include "api/schemas_settings.h"
#include "api/schemas_notify.h"

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
    {"GET", "/v1/depots/{id}", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__depot_get, 0,
     "One depot with its version (ETag)", NULL, API_DEPOT_VERSIONED_SCHEMA, 200, NULL},
    {"PUT", "/v1/depots/{id}", API_ROLE_ADMIN, api__depot_put, 0,
     "Change a depot under a version precondition (If-Match or body version: 412 stale, 428 "
     "missing); event depot.versioned",
     API_DEPOT_SCHEMA, API_DEPOT_VERSIONED_SCHEMA, 200, NULL},
    {"GET", "/v1/depots/{id}/history", API_ROLE_DISPATCHER, api__depot_history, 0,
     "A depot's saved versions, newest first, with who saved each (?limit=1..100)", NULL,
     API_RECORD_HISTORY_SCHEMA, 200, NULL},
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
     "honoured); with \"type\": \"pickup_delivery\", a collect-here-deliver-there order, ready "
     "at once and planned as one shipment",
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

    /* ---- analytics: KPI reports, forecasts, replenishment (api/reports.c, api/forecast.c;
     * docs/analytics.md) ---- */
    {"GET", "/v1/reports/{family}", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__reports_get, 0,
     "Delivery KPIs from the analytics rollups: family deliveries, eta, cycle-times, costs, "
     "fleet, exceptions, promise (windows per zone: how much later to promise), kpis "
     "(?from=&to= YYYY-MM-DD, to exclusive, default the last 30 days; ?period=day|week|month; "
     "?group=all|depot|channel|vehicle|driver|zone), or quality (complaint rate, SLA compliance, "
     "ratings per driver and depot, return rates); CSV with Accept: text/csv",
     NULL, ANALYTICS_REPORT_SCHEMA, 200, NULL},
    {"GET", "/v1/forecast/{depot}/{sku}", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE,
     api__forecast_get, 0,
     "Daily demand forecast of a SKU at a depot (?days=28..730 of history, default 182; ?h=1..90 "
     "days ahead, default 14; ?service=0.5..0.999 for the interval): the method chosen by "
     "backtest, its MASE and sMAPE against seasonal-naive, history and forecast with lo/hi; CSV "
     "with Accept: text/csv",
     NULL, ANALYTICS_FORECAST_SCHEMA, 200, NULL},
    {"GET", "/v1/replenishment/{depot}", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE,
     api__replenishment_get, 0,
     "Replenishment advice per SKU stocked at the depot: reorder point and order-up-to level from "
     "the forecast over the lead time (?lead_days=, ?review_days=, ?service=, ?days=), quantity "
     "to order, days of cover, stock-out risk; CSV with Accept: text/csv",
     NULL, ANALYTICS_REPLENISH_SCHEMA, 200, NULL},
    {"POST", "/v1/replenishment/{depot}", API_ROLE_WAREHOUSE, api__replenishment_apply, 0,
     "Refit now: each SKU with demand history gets the advised reorder point (rounded up) as its "
     "stock row's reorder point, so the stock.low alert uses it; SKUs without history keep theirs",
     NULL, ANALYTICS_REPLENISH_SCHEMA, 200, NULL},

    /* ---- VROOM-compatible solving (api/solve.c) ---- */
    {"POST", "/v1/solve", API_ROLE_DISPATCHER, api__solve, HTTP_RAW_BODY,
     "Solve a VROOM problem (jobs, shipments, vehicles, matrices or [lon, lat] locations) and "
     "answer with VROOM's solution; ?time_limit=S (default 5, at most 60), ?seed=K; errors in "
     "VROOM's shape {code, error}; 503 while 2 solves run; body options: c (VROOM's plan mode, "
     "violations), g, t, l, x (vroom-express), iterations (reproducible)",
     VROOM_PROBLEM_SCHEMA, VROOM_SOLUTION_SCHEMA, 200, NULL},
    /* vroom-express's two routes, so its clients need only the base URL (and a key) */
    {"POST", "/", API_ROLE_DISPATCHER, api__solve, HTTP_RAW_BODY,
     "vroom-express compatible solve: the same body, answer and statuses as POST /v1/solve "
     "(VROOM's {code, error}: 2 -> 400, 1 and 3 -> 500, too big -> 413)",
     VROOM_PROBLEM_SCHEMA, VROOM_SOLUTION_SCHEMA, 200, NULL},
    {"GET", "/health", HTTP_PUBLIC, api__vroom_health, 0,
     "vroom-express health: solves a fixed two-job problem; 200 {\"status\": \"ok\"}, or 500 "
     "with VROOM's error",
     NULL, "{\"type\":\"object\",\"properties\":{\"status\":{\"const\":\"ok\"}}}", 200, NULL},

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
    {"GET", "/v1/vehicles/{id}", API_ROLE_DISPATCHER, api__vehicle_get, 0,
     "One vehicle with its version (ETag)", NULL, API_VEHICLE_VERSIONED_SCHEMA, 200, NULL},
    {"PUT", "/v1/vehicles/{id}", API_ROLE_DISPATCHER, api__vehicle_put, 0,
     "Change a vehicle (capacity, skills, costs, shift, breaks) under a version precondition "
     "(If-Match or body version: 412 stale, 428 missing); event vehicle.versioned",
     API_VEHICLE_SCHEMA, API_VEHICLE_VERSIONED_SCHEMA, 200, NULL},
    {"GET", "/v1/vehicles/{id}/history", API_ROLE_DISPATCHER, api__vehicle_history, 0,
     "A vehicle's saved versions, newest first, with who saved each (?limit=1..100)", NULL,
     API_RECORD_HISTORY_SCHEMA, 200, NULL},
    {"GET", "/v1/drivers/{id}", API_ROLE_DISPATCHER, api__driver_get, 0,
     "One driver with its version (ETag; never the device id)", NULL, API_DRIVER_VERSIONED_SCHEMA,
     200, NULL},
    {"PUT", "/v1/drivers/{id}", API_ROLE_DISPATCHER, api__driver_put, 0,
     "Change a driver under a version precondition (If-Match or body version: 412 stale, 428 "
     "missing); event driver.versioned",
     API_DRIVER_IN_SCHEMA, API_DRIVER_VERSIONED_SCHEMA, 200, NULL},
    {"GET", "/v1/drivers/{id}/history", API_ROLE_DISPATCHER, api__driver_history, 0,
     "A driver's saved versions, newest first, with who saved each (never the device id)", NULL,
     API_RECORD_HISTORY_SCHEMA, 200, NULL},
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
    /* ---- hand dispatch on live routes (api/hand.c): each edit is checked from the vans' live
     * state before it is stored; "dry_run" answers the verdict and stores nothing; an
     * infeasible edit is 409 with its violations and changes nothing ---- */
    {"POST", "/v1/plans/{id}/assign", API_ROLE_DISPATCHER, api__plans_assign, 0,
     "Assign a ready order to a van of a committed plan's live routes, at the cheapest feasible "
     "position or at the given index (a van on the road fetches it at its depot first)",
     API_HAND_ASSIGN_SCHEMA, API_HAND_RESULT_SCHEMA, 200, NULL},
    {"GET", "/v1/routes/{vehicle}/stops", API_ROLE_DISPATCHER, api__routes_stops_get, 0,
     "A van's live route: its pending stops in order (breaks included) with locks", NULL,
     API_HAND_ROUTE_SCHEMA, 200, NULL},
    {"PUT", "/v1/routes/{vehicle}/stops", API_ROLE_DISPATCHER, api__routes_stops_put, 0,
     "Reorder a van's pending stops (every one listed once; the stop the driver is at stays "
     "first)",
     API_HAND_ORDER_SCHEMA, API_HAND_RESULT_SCHEMA, 200, NULL},
    {"POST", "/v1/routes/{vehicle}/stops", API_ROLE_DISPATCHER, api__routes_stops_post, 0,
     "Put a ready order (order_id) or a pending stop of another route (stop_id; never a parcel "
     "on board a started van) onto this route, at the cheapest feasible position or an index",
     API_HAND_INSERT_SCHEMA, API_HAND_RESULT_SCHEMA, 200, NULL},
    {"DELETE", "/v1/routes/{vehicle}/stops/{stop}", API_ROLE_DISPATCHER, api__routes_stops_delete,
     0,
     "Take a planned delivery off the route: its order goes back to ready (?dry_run=true only "
     "evaluates)",
     NULL, API_HAND_RESULT_SCHEMA, 200, NULL},
    {"PUT", "/v1/routes/{vehicle}/lock", API_ROLE_DISPATCHER, api__routes_lock, 0,
     "Lock (or unlock) a van's live route: re-plans leave it exactly as it is",
     API_HAND_LOCK_SCHEMA, API_HAND_LOCKED_SCHEMA, 200, NULL},
    {"PUT", "/v1/routes/{vehicle}/stops/{stop}/lock", API_ROLE_DISPATCHER, api__routes_stop_lock, 0,
     "Lock (or unlock) a stop: re-plans keep it on its van", API_HAND_LOCK_SCHEMA,
     API_HAND_LOCKED_SCHEMA, 200, NULL},

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
    {"POST", "/v1/driver/stops/{id}/collected", API_ROLE_DRIVER, api__driver_delivered, 0,
     "A return collected at its pickup stop (the same proof options as delivered); the return "
     "becomes collected in the same transaction",
     API_DELIVERED_SCHEMA, API_STOP_RESULT_SCHEMA, 200, NULL},
    {"POST", "/v1/driver/stops/{id}/failed", API_ROLE_DRIVER, api__driver_failed, 0,
     "Delivery failed: not_home, refused, address_not_found, damaged or other, with a note",
     API_FAILED_SCHEMA, API_STOP_RESULT_SCHEMA, 200, NULL},
    {"POST", "/v1/driver/exceptions", API_ROLE_DRIVER, api__driver_exception, 0,
     "Report a breakdown, delay, accident or full vehicle (may trigger a re-plan)",
     API_EXCEPTION_SCHEMA, API_STOP_RESULT_SCHEMA, 202, NULL},
    {"GET", "/v1/track/{token}", HTTP_PUBLIC, api__track, 0,
     "Customer tracking by token: status, ETA window, stops before, driver when next, proof "
     "(rate-limited per address: 429 with Retry-After); ETag on every reply, 304 without a body "
     "when If-None-Match names the current one (served from a snapshot kept current by events)",
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

    /* ---- returns and after-sales (api/returns.c, api/cases.c, api/returns_config.c;
     * docs/returns.md). Dispatcher keys act as support; receipt and inspection at the depot take
     * a warehouse key; the customer acts through the tracking token (rate-limited). ---- */
    {"POST", "/v1/returns", API_ROLE_DISPATCHER, api__returns_create, 0,
     "Open a return on the customer's behalf (lines within what was delivered and not yet "
     "returned, inside the window); auto-approved when the policy says so",
     RET_REQUEST_IN_SCHEMA, RET_RMA_SCHEMA, 201, NULL},
    {"GET", "/v1/returns", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__returns_list, 0,
     "Returns, oldest first (?status=&order_id=&after=ID&limit=1..1000)", NULL, RET_RMAS_SCHEMA,
     200, NULL},
    {"GET", "/v1/returns/{id}", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE, api__returns_get, 0,
     "One return with its lines, inspection and refund", NULL, RET_RMA_SCHEMA, 200, NULL},
    {"GET", "/v1/returns/{id}/pickup", API_ROLE_DISPATCHER, api__returns_pickup, 0,
     "The pickup task of an approved or scheduled pickup return: location, window, load, depot",
     NULL, RET_PICKUP_SCHEMA, 200, NULL},
    {"POST", "/v1/returns/{id}/approve", API_ROLE_DISPATCHER, api__returns_move, 0,
     "requested -> approved (409 naming the current state otherwise)", NULL, RET_RMA_SCHEMA, 200,
     NULL},
    {"POST", "/v1/returns/{id}/refuse", API_ROLE_DISPATCHER, api__returns_move, 0,
     "requested -> refused with a reason (final; the units may be asked for again)",
     RET_REFUSE_SCHEMA, RET_RMA_SCHEMA, 200, NULL},
    {"POST", "/v1/returns/{id}/schedule", API_ROLE_DISPATCHER, api__returns_move, 0,
     "approved -> pickup_scheduled (pickup) or dropoff_expected (drop-off)", NULL, RET_RMA_SCHEMA,
     200, NULL},
    {"POST", "/v1/returns/{id}/collect", API_ROLE_DISPATCHER, api__returns_move, 0,
     "pickup_scheduled -> collected (the driver app does this from its pickup stop)", NULL,
     RET_RMA_SCHEMA, 200, NULL},
    {"POST", "/v1/returns/{id}/receive", API_ROLE_WAREHOUSE, api__returns_move, 0,
     "collected or dropoff_expected -> received at the depot", NULL, RET_RMA_SCHEMA, 200, NULL},
    {"POST", "/v1/returns/{id}/inspect", API_ROLE_WAREHOUSE, api__returns_move, 0,
     "Inspect one line of a received return: resellable (restocked, backorders allocated), "
     "damaged (written off), defective (quarantined; may block the SKU's sales); the last line "
     "makes it inspected",
     RET_INSPECT_SCHEMA, RET_RMA_SCHEMA, 200, NULL},
    {"POST", "/v1/returns/{id}/refund", API_ROLE_DISPATCHER, api__returns_move, 0,
     "inspected -> refunded through the order's refunds (capped by paid minus earlier refunds)",
     RET_REFUND_SCHEMA, RET_RMA_SCHEMA, 200, NULL},
    {"POST", "/v1/returns/{id}/close", API_ROLE_DISPATCHER, api__returns_move, 0,
     "inspected or refunded -> closed", NULL, RET_RMA_SCHEMA, 200, NULL},
    {"GET", "/v1/track/{token}/returns", HTTP_PUBLIC, api__track_returns_list, 0,
     "What the customer may still return (per SKU, until when) and their returns with the "
     "pickup's ETA",
     NULL, RET_TRACK_SCHEMA, 200, NULL},
    {"POST", "/v1/track/{token}/returns", HTTP_PUBLIC, api__track_returns_create, 0,
     "The customer asks for a return of delivered lines within the window",
     RET_TRACK_REQUEST_IN_SCHEMA, RET_RMA_SCHEMA, 201, NULL},
    {"POST", "/v1/cases", API_ROLE_DISPATCHER, api__cases_create, 0,
     "Open an after-sales case (missing, wrong_item, damaged) resolved by policy at once (reship, "
     "refund, return pickup) or left pending",
     RET_CASE_IN_SCHEMA, RET_CASE_SCHEMA, 201, NULL},
    {"GET", "/v1/cases", API_ROLE_DISPATCHER, api__cases_list, 0,
     "The after-sales queue, oldest first (?status=open|resolved&order_id=&after=ID&limit=)", NULL,
     RET_CASES_SCHEMA, 200, NULL},
    {"GET", "/v1/cases/{id}", API_ROLE_DISPATCHER, api__cases_get, 0,
     "One case with its resolution, reship order and return", NULL, RET_CASE_SCHEMA, 200, NULL},
    {"POST", "/v1/cases/{id}/reship", API_ROLE_DISPATCHER, api__cases_resolve, 0,
     "Resolve a pending case by a reship order (wrong item: of the right lines, plus a pickup "
     "of the wrong ones when the policy says so); 409 once resolved",
     NULL, RET_CASE_SCHEMA, 200, NULL},
    {"POST", "/v1/cases/{id}/resolve", API_ROLE_DISPATCHER, api__cases_resolve, 0,
     "Resolve a pending case: reship, refund or return (absent: the policy's)", RET_RESOLVE_SCHEMA,
     RET_CASE_SCHEMA, 200, NULL},
    {"GET", "/v1/config/returns", API_ROLE_DISPATCHER, api__returns_config_get, 0,
     "The return policy: windows, reasons, auto-approval, payer, pickup / drop-off, refund rule, "
     "quality threshold, after-sales choices",
     NULL, RET_POLICY_SCHEMA, 200, NULL},
    {"PUT", "/v1/config/returns", API_ROLE_ADMIN, api__returns_config_put, 0,
     "Change the return policy (members given replace the current ones; windows as a whole)",
     RET_POLICY_SCHEMA, RET_POLICY_SCHEMA, 200, NULL},
    {"GET", "/v1/products/{sku}/sales-block", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE,
     api__sales_block_get, 0,
     "Whether quality returns stopped the SKU's sales, and why (404 for an unknown SKU)", NULL,
     RET_SALES_BLOCK_SCHEMA, 200, NULL},
    {"DELETE", "/v1/products/{sku}/sales-block", API_ROLE_DISPATCHER, api__sales_block_clear, 0,
     "A person lifts the SKU's sales block (404 when not blocked)", NULL, NULL, 204, NULL},
    {"GET", "/v1/reports/returns/{report}", API_ROLE_DISPATCHER, api__returns_report, 0,
     "Return reports for analytics: rates (?by=product|reason|channel|depot) and refund-times "
     "(request to refund), over returns created in ?from=&to= ms",
     NULL, RET_REPORT_SCHEMA, 200, NULL},
    /* ---- settings without a rebuild (api/settings.c; docs/settings.md) ---- */
    {"GET", "/v1/settings", API_ROLE_DISPATCHER, api__settings_get, 0,
     "The settings in effect (geofence, dwell, lateness, service times, working hours, re-plan "
     "auto-apply), each depot's overrides, service times per product; ETag is the version",
     NULL, API_SETTINGS_SCHEMA, 200, NULL},
    {"PUT", "/v1/settings", API_ROLE_ADMIN, api__settings_put, 0,
     "Change settings (members given replace, null removes) as a new version; needs If-Match: "
     "\"<version>\" or body version (412 when stale, 428 when missing); event settings.changed",
     API_SETTINGS_IN_SCHEMA, API_SETTINGS_SCHEMA, 200, NULL},
    {"GET", "/v1/settings/history", API_ROLE_DISPATCHER, api__settings_history, 0,
     "Settings versions newest first with who saved each and what it changed (?before=&limit=)",
     NULL, API_SETTINGS_HISTORY_SCHEMA, 200, NULL},
    {"GET", "/v1/settings/versions/{version}", API_ROLE_DISPATCHER, api__settings_version_get, 0,
     "The settings as they were at one version", NULL, API_SETTINGS_SCHEMA, 200, NULL},
    {"GET", "/v1/settings/depots/{id}", API_ROLE_DISPATCHER, api__settings_depot_get, 0,
     "One depot's settings in effect and its own overrides", NULL, API_SETTINGS_DEPOT_SCHEMA, 200,
     NULL},
    {"PUT", "/v1/settings/depots/{id}", API_ROLE_ADMIN, api__settings_depot_put, 0,
     "Change one depot's overrides (same precondition and event as PUT /v1/settings)",
     API_SETTINGS_DEPOT_IN_SCHEMA, API_SETTINGS_DEPOT_SCHEMA, 200, NULL},

    /* ---- skills matched in planning (api/requirements.c; docs/settings.md) ---- */
    {"GET", "/v1/products/{sku}/requires", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE,
     api__product_requires_get, 0, "The skills a product requires of the van and driver", NULL,
     API_REQUIRES_SCHEMA, 200, NULL},
    {"PUT", "/v1/products/{sku}/requires", API_ROLE_ADMIN, api__product_requires_put, 0,
     "Set the skills a product requires (refrigerated, two_person, id_check ...); every order "
     "holding it needs them",
     API_SKILLS_IN_SCHEMA, API_REQUIRES_SCHEMA, 200, NULL},
    {"GET", "/v1/orders/{id}/requires", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE,
     api__order_requires_get, 0, "The skills an order requires (besides its products')", NULL,
     API_REQUIRES_SCHEMA, 200, NULL},
    {"PUT", "/v1/orders/{id}/requires", API_ROLE_DISPATCHER | API_ROLE_WAREHOUSE,
     api__order_requires_put, 0,
     "Set the skills an order requires; the next plan or re-plan gives it only to a van whose "
     "and whose driver's skills cover them",
     API_SKILLS_IN_SCHEMA, API_REQUIRES_SCHEMA, 200, NULL},
    {"GET", "/v1/drivers/{id}/skills", API_ROLE_DISPATCHER, api__driver_skills_get, 0,
     "The skills a driver has (added to their van's)", NULL, API_REQUIRES_SCHEMA, 200, NULL},
    {"PUT", "/v1/drivers/{id}/skills", API_ROLE_DISPATCHER, api__driver_skills_put, 0,
     "Set the skills a driver has (id_check, two_person ...)", API_SKILLS_IN_SCHEMA,
     API_REQUIRES_SCHEMA, 200, NULL},

    /* ---- drivers' devices (api/fleet.c; docs/devices.md) ---- */
    {"POST", "/v1/drivers/{id}/device", API_ROLE_DISPATCHER, api__drivers_device_rotate, 0,
     "Give the driver a new generated OsmAnd device id, answered here once; the old id is "
     "refused from now on",
     NULL, API_DEVICE_SCHEMA, 200, NULL},
    {"GET", "/v1/drivers/{id}/refusals", API_ROLE_DISPATCHER, api__drivers_refusals, 0,
     "Positions the filters refused for the driver (future, jump, zero, invalid ...): counts per "
     "reason and the last ?last=1..1000 (20), newest first",
     NULL, API_REFUSALS_SCHEMA, 200, NULL},

    /* ---- failed-delivery recovery, proof files (api/recovery.c; docs/workflows.md) ---- */
    {"GET", "/v1/config/recovery", API_ROLE_DISPATCHER, api__recovery_policy_get, 0,
     "The failed-delivery recovery policy: per reason reschedule (next day or the customer's "
     "choice), return to stock or an after-sales case, and the attempts allowed",
     NULL, RC_POLICY_SCHEMA, 200, NULL},
    {"PUT", "/v1/config/recovery", API_ROLE_ADMIN, api__recovery_policy_put, 0,
     "Replace the recovery policy (one rule per reason, validated; versioned, recorded as "
     "recovery.policy_changed with the key id)",
     RC_POLICY_IN_SCHEMA, RC_POLICY_SCHEMA, 200, NULL},
    {"POST", "/v1/orders/{id}/checkin", API_ROLE_WAREHOUSE, api__orders_checkin, 0,
     "Warehouse: the parcel of a failed delivery is back at its depot; by the policy its units "
     "go back on hand (return to stock) or are held for the next attempt, in the same "
     "transaction (409 when the order awaits no check-in)",
     NULL, RC_ORDER_RECOVERY_SCHEMA, 200, NULL},
    {"GET", "/v1/proofs/{id}", API_ROLE_DISPATCHER, api__proofs_get, 0,
     "A proof-of-delivery file (signature or photo) by the id listed in an order's proofs", NULL,
     RC_PROOF_FILE_SCHEMA, 200, "image/png"},
    {"GET", "/v1/track/{token}/proofs/{id}", HTTP_PUBLIC, api__track_proof_get, 0,
     "The customer's own proof-of-delivery file by tracking token (rate-limited like tracking)",
     NULL, RC_PROOF_FILE_SCHEMA, 200, "image/png"},

    {"GET", "/v1/config/split", API_ROLE_DISPATCHER, api__split_policy_get, 0,
     "The split-shipment policy: an order whose lines sit at different depots is split by depot "
     "(mode split, at most max_parts shipments) or waits for stock (mode off)",
     NULL, SP_POLICY_SCHEMA, 200, NULL},
    {"PUT", "/v1/config/split", API_ROLE_ADMIN, api__split_policy_put, 0,
     "Change the split-shipment policy (members given replace; versioned, split.policy_changed)",
     SP_POLICY_IN_SCHEMA, SP_POLICY_SCHEMA, 200, NULL},

    /* ---- customer self-service by tracking token (api/selfservice.c; docs/workflows.md) ---- */
    {"GET", "/v1/track/{token}/reschedule", HTTP_PUBLIC, api__track_reschedule_get, 0,
     "Whether the delivery window may change, and the windows offered: 2-hour slots of the next "
     "3 days where the planner finds room (each checked by planning that day with this order)",
     NULL, SS_RESCHEDULE_SCHEMA, 200, NULL},
    {"POST", "/v1/track/{token}/reschedule", HTTP_PUBLIC, api__track_reschedule, 0,
     "Choose one of the offered windows (checked again): a confirmed order not yet on a route, "
     "or a failed delivery whose policy lets the customer choose (409 otherwise or when full)",
     SS_WINDOW_IN_SCHEMA, RC_ORDER_RECOVERY_SCHEMA, 200, NULL},
    {"GET", "/v1/track/{token}/instructions", HTTP_PUBLIC, api__track_instructions_get, 0,
     "The customer's delivery instructions and safe place", NULL, SS_INSTRUCTIONS_SCHEMA, 200,
     NULL},
    {"PUT", "/v1/track/{token}/instructions", HTTP_PUBLIC, api__track_instructions_put, 0,
     "Leave delivery instructions (text, 500 bytes) and a safe place (120 bytes), shown to the "
     "driver on their route; members given replace (409 once delivered or cancelled)",
     SS_INSTRUCTIONS_IN_SCHEMA, SS_INSTRUCTIONS_SCHEMA, 200, NULL},
    {"POST", "/v1/track/{token}/cancel", HTTP_PUBLIC, api__track_cancel, 0,
     "Cancel before the van leaves: the stock reserved for it is released and a planned stop "
     "leaves its route; 409 once out for delivery or closed",
     NULL, RC_ORDER_RECOVERY_SCHEMA, 200, NULL},
    /* ---- the driver app: enrolment by link / QR code, route change notices (api/enrol.c,
     * api/events.c; docs/driver-app.md) ---- */
    {"POST", "/v1/drivers/{id}/enrolments", API_ROLE_DISPATCHER, api__enrol_create, 0,
     "A single-use enrolment link for the driver's phone (token answered once, stored hashed; "
     "ttl_s 60..86400, 900)",
     API_ENROL_IN_SCHEMA, API_ENROLMENT_SCHEMA, 201, NULL},
    {"GET", "/v1/drivers/{id}/enrolments", API_ROLE_DISPATCHER, api__enrol_list, 0,
     "The driver's enrolments, newest first: pending, expired, active (key in use) or revoked",
     NULL, API_ENROLMENTS_SCHEMA, 200, NULL},
    {"DELETE", "/v1/drivers/{id}/enrolments/{enrolment}", API_ROLE_DISPATCHER, api__enrol_revoke, 0,
     "Revoke an enrolment: its link and the key it gave the phone stop working at once", NULL, NULL,
     204, NULL},
    {"POST", "/v1/driver/enrol", HTTP_PUBLIC, api__enrol_exchange, 0,
     "Exchange an enrolment token (once, before it expires) for the driver's key",
     API_ENROL_EXCHANGE_IN_SCHEMA, API_ENROL_EXCHANGE_SCHEMA, 201, NULL},
    {"POST", "/v1/driver/route/start", API_ROLE_DRIVER, api__driver_start, 0,
     "Start the route now (orders on board go out for delivery; idempotent, Idempotency-Key kept)",
     NULL, API_DRIVER_START_SCHEMA, 200, NULL},
    {"GET", "/v1/driver/events", API_ROLE_DRIVER, api__driver_events, 0,
     "Server-Sent Events for the driver app: route.changed {seq, cause} when a plan, re-plan, "
     "hand edit or cancellation may have changed the route",
     NULL, API_DRIVER_EVENTS_SCHEMA, 200, "text/event-stream"},

    /* ---- webhooks (api/webhooks.c) ---- */
    {"POST", "/v1/webhooks", API_ROLE_DISPATCHER, api__webhooks_create, 0,
     "Register a URL: every event is POSTed signed with X-Lastmile-Signature: sha256=HMAC",
     API_WEBHOOK_IN_SCHEMA, API_WEBHOOK_SCHEMA, 201, NULL},
    {"GET", "/v1/webhooks", API_ROLE_DISPATCHER, api__webhooks_list, 0,
     "Webhooks with their delivery state", NULL, API_WEBHOOKS_SCHEMA, 200, NULL},
    {"DELETE", "/v1/webhooks/{id}", API_ROLE_DISPATCHER, api__webhooks_delete, 0,
     "Remove a webhook", NULL, NULL, 204, NULL},
    /* ---- customer notifications (api/notifications.c; docs/notifications.md) ---- */
    {"GET", "/v1/notifications", API_ROLE_DISPATCHER, api__notifications_list, 0,
     "The notification log: every message with its status (queued, deferred, retrying, sent, "
     "failed, suppressed), attempts and error (?order_id=&kind=&channel=&status=&after=&limit=)",
     NULL, NT_MESSAGES_SCHEMA, 200, NULL},
    {"GET", "/v1/templates", API_ROLE_DISPATCHER, api__templates_list, 0,
     "Message templates in force for every kind and channel (stored or built in)", NULL,
     NT_TEMPLATES_SCHEMA, 200, NULL},
    {"PUT", "/v1/templates", API_ROLE_ADMIN, api__templates_put, 0,
     "Save several templates at once, all or nothing (placeholders checked, tracking link "
     "required)",
     NT_TEMPLATES_IN_SCHEMA, NT_TEMPLATES_SCHEMA, 200, NULL},
    {"GET", "/v1/templates/{kind}/{channel}", API_ROLE_DISPATCHER, api__templates_get, 0,
     "The template in force for one kind and channel", NULL, NT_TEMPLATE_SCHEMA, 200, NULL},
    {"PUT", "/v1/templates/{kind}/{channel}", API_ROLE_ADMIN, api__templates_put_one, 0,
     "Save one template (unknown placeholders refused naming the field)", NT_TEMPLATE_IN_SCHEMA,
     NT_TEMPLATE_SCHEMA, 200, NULL},
    {"GET", "/v1/config/notifications", API_ROLE_ADMIN, api__notify_config_get, 0,
     "Notification settings: ETA-change threshold and quiet hours per depot", NULL,
     NT_CONFIG_SCHEMA, 200, NULL},
    {"PUT", "/v1/config/notifications", API_ROLE_ADMIN, api__notify_config_put, 0,
     "Change the ETA threshold and/or replace the quiet hours (messages in quiet hours wait)",
     NT_CONFIG_SCHEMA, NT_CONFIG_SCHEMA, 200, NULL},
    {"GET", "/v1/track/{token}/notifications", HTTP_PUBLIC, api__track_notifications_get, 0,
     "The customer's channels: true = messages come, false = opted out, null = no address", NULL,
     NT_PREFS_SCHEMA, 200, NULL},
    {"PUT", "/v1/track/{token}/notifications", HTTP_PUBLIC, api__track_notifications_put, 0,
     "Opt out of (false) or back into (true) e-mail and/or SMS for this customer's address",
     NT_PREFS_IN_SCHEMA, NT_PREFS_SCHEMA, 200, NULL},
};
const size_t api__route_count = sizeof api__routes / sizeof api__routes[0];

/* Routes that answer some errors in a peer's shape (OpenAPI lists both). */
const http_route_errors api__route_errors[] = {
    {"POST", "/v1/solve", VROOM_ERROR_SCHEMA}, /* the problem's errors, as VROOM words them */
    {"POST", "/", VROOM_ERROR_SCHEMA},
    {"GET", "/health", VROOM_ERROR_SCHEMA},
};
const size_t api__route_errors_count = sizeof api__route_errors / sizeof api__route_errors[0];
