/* tests/support/depot_world.h: the world the dispatch HTTP suites (test_dispatch_http,
 * test_pd_http, test_replan_http) start from: a fresh store, the orders and dispatch services on
 * the suite's clock, one depot with stock, dispatcher / warehouse / driver D1 keys and the
 * in-process server on a free port. No fleet and no orders: each suite adds its own. */
#ifndef LASTMILE_TESTS_DEPOT_WORLD_H
#define LASTMILE_TESTS_DEPOT_WORLD_H

#include "api/api.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"
#include "tests/support/tmp_db.h"

/* Depot "DEP", open 06:00-20:00, holds 100 units of "SKU1" (1 kg, 1,000 cm3 each). */
#define DEPOT_WORLD_LAT 45.75
#define DEPOT_WORLD_LON 4.85

typedef struct depot_world {
    tmp_db tmp;
    store *s;
    orders_svc *o;
    dispatch *d;
    api_server *srv;
    uint16_t port;
    char disp[STORE_KEY_MAX], wh[STORE_KEY_MAX], d1[STORE_KEY_MAX]; /* d1: bound to driver D1 */
} depot_world;

/* Starts the world in /tmp/<prefix>XXXXXX with libcurl initialised; every service reads now_ms;
 * plans are solved within plan_time_limit_ms, re-plans within 50 ms to a first feasible plan and
 * 100 ms of polish. LM_OK, or the failure with *err set (depot_world_stop still cleans up). */
lm_status depot_world_start(depot_world *w, const char *prefix, int64_t (*now_ms)(void),
                            int64_t plan_time_limit_ms, lm_errinfo *err);
/* Stops the server, closes everything, removes the directory. */
void depot_world_stop(depot_world *w);

/* Takes in *in (its customer, location and windows; its lines are set here to one SKU1) and
 * walks it to ready (1 kg, 1,000 cm3, 1 parcel); its id in *id. */
lm_status depot_world_ready_order(depot_world *w, orders_order *in, int64_t *id, lm_errinfo *err);
/* Saves van vid at DEP (capacity in parcels, shift 06:00 to shift_end_s) driven by driver_id. */
lm_status depot_world_van(depot_world *w, const char *vid, const char *driver_id,
                          int64_t capacity_parcels, int64_t shift_end_s, lm_errinfo *err);

#endif
