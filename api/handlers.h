/* api/handlers.h (api-internal): every handler of the route table (api/routes.c), by file, and
 * the few functions one resource's file lends another (a driver's exception reuses the driver
 * check, a re-plan's apply the plan reply, the demo loader the JSON readers). */
#ifndef LASTMILE_API_HANDLERS_H
#define LASTMILE_API_HANDLERS_H

#include "api/app.h"
#include "dispatch/dispatch.h"
#include "orders/money.h"
#include "store/store_recovery.h"

/* ---- api/health.c: GET /healthz, GET /openapi.json ---- */
lm_status api__healthz(http_req *r);
lm_status api__map_config(http_req *r);
lm_status api__openapi(http_req *r);

/* ---- api/metrics.c: GET /metrics ---- */
lm_status api__metrics(http_req *r);

/* ---- api/keys.c: whoami, API keys ---- */
lm_status api__whoami(http_req *r);
lm_status api__keys_create(http_req *r);
lm_status api__keys_list(http_req *r);
lm_status api__keys_revoke(http_req *r);

/* ---- api/events.c: the event log, as a page or a live stream ---- */
lm_status api__events_list(http_req *r);

/* ---- api/depots.c: depots ---- */
lm_status api__depots_create(http_req *r);
lm_status api__depots_list(http_req *r);

/* ---- api/products.c: products ---- */
lm_status api__products_create(http_req *r);
lm_status api__products_list(http_req *r);

/* ---- api/stock.c: stock ---- */
lm_status api__stock_put(http_req *r);
lm_status api__stock_list(http_req *r);

/* ---- api/orders.c: orders and their lifecycle ---- */
lm_status api__orders_create(http_req *r);
lm_status api__orders_get(http_req *r);
lm_status api__orders_list(http_req *r);
lm_status api__orders_cancel(http_req *r);
lm_status api__orders_release(http_req *r);
lm_status api__orders_picking(http_req *r);
lm_status api__orders_ready(http_req *r);
lm_status api__orders_status(http_req *r);
lm_status api__packages_ready(http_req *r);

/* ---- api/payments.c: an order's money, payments, refunds, cancelled units ---- */
/* Adds the money members of m to an order's JSON j: currency, priced_lines, totals,
 * adjustments, payment. */
lm_status api__money_into(cJSON *j, const orders_money *m);
lm_status api__payments_report(http_req *r);
lm_status api__payments_list(http_req *r);
lm_status api__refunds_create(http_req *r);
lm_status api__orders_cancel_units(http_req *r);

/* ---- api/promotions.c: prices, promotions, money settings ---- */
lm_status api__prices_put(http_req *r);
lm_status api__prices_list(http_req *r);
lm_status api__promotions_put(http_req *r);
lm_status api__promotions_get(http_req *r);
lm_status api__promotions_list(http_req *r);
lm_status api__money_config_get(http_req *r);
lm_status api__money_config_put(http_req *r);

/* ---- api/cash.c: drivers' cash on delivery, money reports ---- */
lm_status api__cash_get(http_req *r);
lm_status api__cash_reconcile(http_req *r);
lm_status api__money_report(http_req *r);
/* ?from=&to= epoch milliseconds, [from, to) (defaults: everything up to now); 400 naming the
 * parameter otherwise. Shared by the report routes. */
lm_status api__window_params(http_req *r, int64_t *from, int64_t *to);

/* ---- analytics reports, forecasts, replenishment (api/reports.c, api/forecast.c) ---- */
lm_status api__reports_get(http_req *r);
lm_status api__forecast_get(http_req *r);
lm_status api__replenishment_get(http_req *r);
lm_status api__replenishment_apply(http_req *r);
/* Folds the events the analytics rollups do not hold yet (API_FOLD_LAG_MS), before a report. */
void api__rollups_fresh(store *s);
/* Accept: text/csv asked for. */
bool api__wants_csv(const http_req *r);
/* Replies b (JSON or CSV by csv) when rc is LM_OK, a 500 otherwise; frees b. */
lm_status api__reply_buf(http_req *r, bool csv, lm_buf *b, lm_status rc);
/* What a stop's order asks the driver to collect: {"amount", "currency"} while its payment is
 * cod_due, else JSON null (prepaid, collected, or no money). */
cJSON *api__cod_collect_json(store_read *rd, int64_t order_id);
/* "collected": {"amount", "method": cash | card_terminal} of a driver's delivered body. */
typedef struct api_cod_in {
    bool given;
    orders_cod_collection c; /* driver_id: the calling driver */
} api_cod_in;
lm_status api__cod_read(http_req *r, const cJSON *body, api_cod_in *out);
/* In the delivered transaction, before dispatch marks the stop: a cod_due order needs the
 * collected amount (400 on "collected" without it), which is recorded (a short amount is flagged
 * by orders/); an order with nothing to collect refuses one (409). */
lm_status api__cod_deliver_tx(store_tx *tx, http_req *r, int64_t stop_id, const api_cod_in *in,
                              int64_t now_ms);

/* ---- api/imports.c: CSV import ---- */
lm_status api__orders_import(http_req *r);

/* ---- api/exceptions.c: held orders; drivers' exceptions ---- */
lm_status api__exceptions_list(http_req *r);
lm_status api__driver_exception(http_req *r);

/* ---- api/order_config.c: order intake rules ---- */
lm_status api__orders_config_get(http_req *r);
lm_status api__orders_config_put(http_req *r);

/* ---- api/solve.c: VROOM-compatible solve ---- */
lm_status api__solve(http_req *r);
lm_status api__vroom_health(http_req *r);

/* ---- api/fleet.c: vehicles, drivers, live fleet state ---- */
lm_status api__vehicles_put(http_req *r);
lm_status api__drivers_put(http_req *r);
lm_status api__vehicles_list(http_req *r);
lm_status api__drivers_list(http_req *r);
lm_status api__drivers_device_rotate(http_req *r);
lm_status api__drivers_refusals(http_req *r);
lm_status api__fleet_state(http_req *r);
lm_status api__depot_get(http_req *r);
lm_status api__depot_put(http_req *r);
lm_status api__depot_history(http_req *r);
lm_status api__vehicle_get(http_req *r);
lm_status api__vehicle_put(http_req *r);
lm_status api__vehicle_history(http_req *r);
lm_status api__driver_get(http_req *r);
lm_status api__driver_put(http_req *r);
lm_status api__driver_history(http_req *r);

/* ---- api/settings.c: the operator's settings, versioned (docs/settings.md) ---- */
lm_status api__settings_get(http_req *r);
lm_status api__settings_put(http_req *r);
lm_status api__settings_history(http_req *r);
lm_status api__settings_version_get(http_req *r);
lm_status api__settings_depot_get(http_req *r);
lm_status api__settings_depot_put(http_req *r);

/* ---- api/requirements.c: skills products and orders require, drivers have ---- */
lm_status api__product_requires_get(http_req *r);
lm_status api__product_requires_put(http_req *r);
lm_status api__order_requires_get(http_req *r);
lm_status api__order_requires_put(http_req *r);
lm_status api__driver_skills_get(http_req *r);
lm_status api__driver_skills_put(http_req *r);

/* ---- api/plans.c: plans ---- */
lm_status api__plans_create(http_req *r);
lm_status api__plans_get(http_req *r);
lm_status api__plans_geojson(http_req *r);
lm_status api__plans_list(http_req *r);
lm_status api__plan_action(http_req *r, lm_status (*fn)(dispatch *, int64_t, lm_errinfo *));
lm_status api__plans_commit(http_req *r);
lm_status api__plans_discard(http_req *r);
lm_status api__plans_move(http_req *r);
/* A stop as the plan and route replies show it (api/plans.c; hand dispatch replies too). */
cJSON *api__stop_json(const dispatch_stop *s);

/* ---- api/hand.c: hand dispatch on live routes ---- */
lm_status api__plans_assign(http_req *r);
lm_status api__routes_stops_get(http_req *r);
lm_status api__routes_stops_put(http_req *r);
lm_status api__routes_stops_post(http_req *r);
lm_status api__routes_stops_delete(http_req *r);
lm_status api__routes_lock(http_req *r);
lm_status api__routes_stop_lock(http_req *r);

/* ---- api/replans.c: re-plans ---- */
lm_status api__replans_create(http_req *r);
lm_status api__replans_apply(http_req *r);

/* ---- api/osmand.c: OsmAnd on the main port ---- */
lm_status api__osmand_http(http_req *r);

/* ---- api/driver.c: the driver app ---- */
lm_status api__need_driver(http_req *r);
lm_status api__driver_route(http_req *r);
lm_status api__driver_positions(http_req *r);
lm_status api__driver_arrived(http_req *r);
lm_status api__driver_delivered(http_req *r);
lm_status api__driver_failed(http_req *r);
/* api/driver_day.c: adds each stop's lines and the vehicle's breaks to the route reply. */
void api__driver_day_extras(store_read *rd, const dispatch_driver_route *rt, cJSON *route);
/* api/driver_start.c: POST /v1/driver/route/start. */
lm_status api__driver_start(http_req *r);

/* ---- api/idem.c: Idempotency-Key on driver actions (the app's offline queue) ---- */
/* The request's Idempotency-Key, NULL when none; *rc is the 400 when it is malformed. */
const char *api__idem_key(http_req *r, lm_status *rc);
/* Answers the reply kept for this key and request (*done = true); 409 for a key used on another
 * request; nothing when the key is new or absent. */
lm_status api__idem_replay(http_req *r, bool *done);
/* Keeps body (not taken) as the reply of this key inside the action's tx. */
lm_status api__idem_keep(http_req *r, store_tx *tx, int status, const cJSON *body);
/* After a failed action: the kept reply when a copy of this request committed meanwhile, else
 * failed. */
lm_status api__idem_after_failure(http_req *r, lm_status failed);

/* api/events.c: the driver's stream of route.changed notices (Server-Sent Events). */
lm_status api__driver_events(http_req *r);

/* ---- api/enrol.c: driver app enrolment ---- */
lm_status api__enrol_create(http_req *r);
lm_status api__enrol_list(http_req *r);
lm_status api__enrol_revoke(http_req *r);
lm_status api__enrol_exchange(http_req *r);

/* ---- api/proofs.c: delivery proofs ---- */
struct fmt_image;
/* Writes an image checked by the codec (api/formats/driver_json.h) durably under
 * <data_dir>/proofs; *rel_out gets "proofs/<name>". */
lm_status api__proof_save(http_req *r, const struct fmt_image *img, const char *what,
                          int64_t stop_id, char *rel_out, size_t rel_size);

/* ---- api/track.c: customer tracking ---- */
lm_status api__track(http_req *r);
/* Takes one token of the tracking rate limit for r's client address: true when allowed; else the
 * 429 reply (with Retry-After) is set and *rc is what the handler returns. */
bool api__track_allow(http_req *r, lm_status *rc);
/* The order of the path's {token} (shape checked, 404 "unknown tracking link" otherwise) read
 * with rd; *out owns its lines (store_order_clear). On failure r's error is set. */
lm_status api__track_order(http_req *r, store_read *rd, store_order *out);

/* ---- api/recovery.c: failed-delivery recovery, proof files ---- */
/* Counts a failed delivery attempt of stop_id and applies the recovery policy, inside tx. */
lm_status api__recovery_after_failed(http_req *r, store_tx *tx, int64_t stop_id,
                                     const char *reason);
/* Adds "attempts", "recovery", "proofs", "split_into" and the customer's instructions of order_id
 * to o; proof URLs go through token when
 * given (the customer's), else /v1/proofs. */
lm_status api__recovery_into(cJSON *o, store_read *rd, int64_t order_id, const char *token);
/* api/recovery_case.c: a failed delivery whose recovery is "case" (state case_needed) gets a real
 * after-sales case from the returns module in tx; rec's state becomes case_opened (stored). */
lm_status api__recovery_case_tx(http_req *r, store_tx *tx, int64_t order_id, const char *reason,
                                store_order_recovery *rec);
/* Adds "case_id" (the failed delivery's case, or null) to an order's recovery JSON (staff). */
void api__recovery_case_into(cJSON *recovery, store_read *rd, int64_t order_id);
/* Replies 200 with {id, status, attempts, recovery, proofs} of order_id read after a commit. */
lm_status api__recovery_order_reply(http_req *r, int64_t order_id);
/* Answers the proof file {id} of the path; order_id > 0 requires it to be of that order. */
lm_status api__proof_send(http_req *r, store_read *rd, int64_t order_id);
/* The customer's delivery instructions of order_id (empty ones when none were left). */
void api__instructions_read(store_read *rd, int64_t order_id, store_instructions *out);
/* Adds "customer_instructions" and "safe_place" of order_id to o ("" when none). */
void api__instructions_into(cJSON *o, store_read *rd, int64_t order_id);
lm_status api__proofs_get(http_req *r);
lm_status api__recovery_policy_get(http_req *r);
lm_status api__recovery_policy_put(http_req *r);
lm_status api__orders_checkin(http_req *r);
lm_status api__split_policy_get(http_req *r);
lm_status api__split_policy_put(http_req *r);

/* ---- api/selfservice.c: the customer's reschedule, instructions, proofs and cancel by token */
lm_status api__track_proof_get(http_req *r);
lm_status api__track_reschedule_get(http_req *r);
lm_status api__track_reschedule(http_req *r);
lm_status api__track_instructions_get(http_req *r);
lm_status api__track_instructions_put(http_req *r);
lm_status api__track_cancel(http_req *r);

/* ---- api/feedback.c: the customer's ratings, complaints and survey by tracking token ---- */
lm_status api__track_rating_get(http_req *r);
lm_status api__track_rating_create(http_req *r);
lm_status api__track_rating_edit(http_req *r);
lm_status api__track_complaints_list(http_req *r);
lm_status api__track_complaints_open(http_req *r);
lm_status api__track_complaints_get(http_req *r);
lm_status api__track_complaints_reply(http_req *r);
lm_status api__track_complaints_close(http_req *r);
lm_status api__track_complaints_reopen(http_req *r);
lm_status api__track_survey_get(http_req *r);
lm_status api__track_survey_answer(http_req *r);

/* ---- api/complaints.c: the staff's complaints queue, tickets, ratings and stats ---- */
lm_status api__complaints_list(http_req *r);
lm_status api__complaints_create(http_req *r);
lm_status api__complaints_get(http_req *r);
lm_status api__complaints_patch(http_req *r);
lm_status api__complaints_assign(http_req *r);
lm_status api__complaints_reply(http_req *r);
lm_status api__complaints_act(http_req *r);
lm_status api__ratings_summary(http_req *r);
lm_status api__feedback_stats(http_req *r);

/* ---- api/feedback_config.c: the feedback configuration ---- */
lm_status api__feedback_config_get(http_req *r);
lm_status api__feedback_config_put(http_req *r);

/* ---- api/returns.c: RMAs for staff and for the customer by tracking token ---- */
struct returns_svc;
/* A returns service for one request (with its own orders service: nothing is shared between
 * worker threads but the store). */
typedef struct api_returns {
    orders_svc *orders;
    struct returns_svc *svc;
} api_returns;
/* Opens rt (503 set on failure); close it with api__returns_close (api/returns_svc.c). */
lm_status api__returns_open(http_req *r, api_returns *rt);
void api__returns_close(api_returns *rt);
/* A reply of j (NULL: out of memory) with status, never cached (it is one customer's). */
lm_status api__reply_private(http_req *r, int status, cJSON *j);
lm_status api__returns_create(http_req *r);
lm_status api__returns_list(http_req *r);
lm_status api__returns_get(http_req *r);
lm_status api__returns_move(http_req *r);
lm_status api__returns_pickup(http_req *r);
lm_status api__track_returns_list(http_req *r);
lm_status api__track_returns_create(http_req *r);

/* ---- api/cases.c: after-sales cases ---- */
lm_status api__cases_create(http_req *r);
lm_status api__cases_list(http_req *r);
lm_status api__cases_get(http_req *r);
lm_status api__cases_resolve(http_req *r);

/* ---- api/returns_config.c: the return policy, sales blocks, return reports ---- */
lm_status api__returns_config_get(http_req *r);
lm_status api__returns_config_put(http_req *r);
lm_status api__sales_block_get(http_req *r);
lm_status api__sales_block_clear(http_req *r);
lm_status api__returns_report(http_req *r);

/* ---- api/returns_dispatch.c: return pickups as routing work ---- */
/* The pickup tasks of approved pickup returns (and scheduled ones with no pending stop), from
 * r's arena, for a plan request. */
lm_status api__returns_pickup_tasks(http_req *r, dispatch_pickup_task **out, size_t *n);
/* After plan_id was committed: its return pickups become pickup_scheduled (errors are logged: the
 * plan stands). */
void api__returns_plan_committed(http_req *r, int64_t plan_id);
/* A driver's stop JSON sj gets "return": {id, reason, depot_id, lines} when s collects or drops
 * a return. */
void api__returns_stop_into(store_read *rd, const dispatch_stop *s, cJSON *sj);

/* ---- api/pd.c: pickup-and-delivery orders (POST /v1/orders with "type") ---- */
/* Takes in the request's pickup-and-delivery order body (its "requires" already taken into req,
 * saved in the intake transaction; Idempotency-Key honoured): *out the order (its lines freed
 * with orders_order_clear), *replayed for a retry. The caller (api/orders.c) answers. */
lm_status api__pd_take(http_req *r, orders_svc *o, const api_requires *req, orders_order *out,
                       bool *replayed);
/* Adds "type" and "pickup" to an order's JSON when it is a pickup-and-delivery order. */
void api__pd_order_into(cJSON *j, store_read *rd, int64_t order_id);
/* A driver's stop of such an order: "order_type"; at the pickup, the sender's contact and address
 * and "pickup" (window, notes, goods to collect). */
void api__pd_stop_into(store_read *rd, const dispatch_stop *s, cJSON *sj);
/* The tracking page's "type", "pickup" and "stops" (pickup, then delivery) of such an order. */
void api__pd_track_into(cJSON *o, store_read *rd, const store_order *ord);
/* In the transaction of a driver's action on stop_id: a return's pickup stop collected moves its
 * RMA to collected; failed records return.pickup_failed with reason. Other stops: nothing. */
lm_status api__returns_stop_done_tx(store_tx *tx, http_req *r, int64_t stop_id, bool collected,
                                    const char *reason);

/* ---- api/webhooks.c: webhook subscriptions ---- */
lm_status api__webhooks_create(http_req *r);
lm_status api__webhooks_list(http_req *r);
lm_status api__webhooks_delete(http_req *r);

/* ---- api/notifications.c: the notification log, templates, settings, a customer's choices ---- */
lm_status api__notifications_list(http_req *r);
lm_status api__templates_list(http_req *r);
lm_status api__templates_put(http_req *r);
lm_status api__templates_get(http_req *r);
lm_status api__templates_put_one(http_req *r);
lm_status api__notify_config_get(http_req *r);
lm_status api__notify_config_put(http_req *r);
lm_status api__track_notifications_get(http_req *r);
lm_status api__track_notifications_put(http_req *r);

#endif
