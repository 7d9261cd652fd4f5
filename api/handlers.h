/* api/handlers.h (api-internal): every handler of the route table (api/routes.c), by file, and
 * the few functions one resource's file lends another (a driver's exception reuses the driver
 * check, a re-plan's apply the plan reply, the demo loader the JSON readers). */
#ifndef LASTMILE_API_HANDLERS_H
#define LASTMILE_API_HANDLERS_H

#include "api/app.h"
#include "dispatch/dispatch.h"
#include "orders/money.h"

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

/* ---- api/fleet.c: vehicles, drivers, live fleet state ---- */
lm_status api__vehicles_put(http_req *r);
lm_status api__drivers_put(http_req *r);
lm_status api__vehicles_list(http_req *r);
lm_status api__drivers_list(http_req *r);
lm_status api__drivers_device_rotate(http_req *r);
lm_status api__drivers_refusals(http_req *r);
lm_status api__fleet_state(http_req *r);

/* ---- api/plans.c: plans ---- */
lm_status api__plans_create(http_req *r);
lm_status api__plans_get(http_req *r);
lm_status api__plans_geojson(http_req *r);
lm_status api__plans_list(http_req *r);
lm_status api__plan_action(http_req *r, lm_status (*fn)(dispatch *, int64_t, lm_errinfo *));
lm_status api__plans_commit(http_req *r);
lm_status api__plans_discard(http_req *r);
lm_status api__plans_move(http_req *r);

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
/* A feedback change's transaction: begin (503 when the store cannot), and end: commit when rc is
 * LM_OK (returning the commit's status), else roll back and return rc. */
lm_status api__fb_begin(http_req *r, store_tx **tx);
lm_status api__fb_end(http_req *r, store_tx *tx, lm_status rc);

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

/* ---- api/webhooks.c: webhook subscriptions ---- */
lm_status api__webhooks_create(http_req *r);
lm_status api__webhooks_list(http_req *r);
lm_status api__webhooks_delete(http_req *r);

#endif
