/* tests/dispatch/fixture.h: the dispatch suites' shared world (see fixture.c). The clock is
 * fake_now_ms, read by dispatch/ and orders/ through clock_fake. Helpers fail the running cmocka
 * test on any error. */
#ifndef LASTMILE_TESTS_DISPATCH_FIXTURE_H
#define LASTMILE_TESTS_DISPATCH_FIXTURE_H

#include "dispatch/dispatch.h"
#include "orders/orders.h"
#include "tests/support/tmp_db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DAY       INT64_C(1773705600) /* 2026-03-17 00:00 UTC */
#define DEPOT_LAT 45.75
#define DEPOT_LON 4.85

extern int64_t fake_now_ms;
int64_t clock_fake(void);
/* setup() makes the next world learn speeds (dispatch_opts.learn_speeds) when set. */
extern bool fixture_learn_speeds;
/* setup() turns the next world's free re-plan pass off (replan_polish_ms 0: a re-plan is the
 * repair alone) when set. */
extern bool fixture_repair_only;

typedef struct fixture {
    tmp_db db;
    store *s;
    orders_svc *o;
    dispatch *d;
    int64_t order_ids[32];
    size_t n_orders;
} fixture;

#define OK(expr)                                                                                   \
    do {                                                                                           \
        lm_status rc_ = (expr);                                                                    \
        if (rc_ != LM_OK) fail_msg("%s -> %s", #expr, lm_status_name(rc_));                        \
    } while (0)
#define OKE(expr, err)                                                                             \
    do {                                                                                           \
        lm_status rc_ = (expr);                                                                    \
        if (rc_ != LM_OK)                                                                          \
            fail_msg("%s -> %s: %s: %s", #expr, lm_status_name(rc_), (err).field, (err).message);  \
    } while (0)

/* cmocka setup/teardown: a fresh world at 07:00 of DAY (short solve budgets). */
int setup(void **state);
int teardown(void **state);
/* A depot, a product, stock, n ready orders on a ring around the depot (2-6 km), window
 * [from_h, to_h] of the day, and vehicles V1..Vk with drivers D1..Dk (capacity `parcels`). */
void scenario(fixture *f, size_t n, int64_t from_h, int64_t to_h, size_t k, int64_t parcels);
/* One ready order (1 parcel, 2 kg) at (lat, lon) with window [from_s, to_s] and priority, after
 * scenario made the depot and product; its id (also appended to f->order_ids). */
int64_t add_order(fixture *f, double lat, double lon, int64_t from_s, int64_t to_s, int priority);
/* Plans every ready order and waits for the solve; the plan's id. */
int64_t plan_now(fixture *f);
/* plan_now, then commits it. */
void commit_plan(fixture *f);
dispatch_plan get_plan(fixture *f, int64_t id);
/* The order's status (a static buffer, valid until the next call). */
const char *order_status(fixture *f, int64_t id);
dispatch_driver_route route_of(fixture *f, const char *driver);
/* Pending (planned or arrived) stops of rt, breaks included. */
size_t pending_of(const dispatch_driver_route *rt);
/* Posts one position of driver at (lat, lon) at the fake clock. */
dispatch_obs_result observe(fixture *f, const char *driver, double lat, double lon, double speed);
/* The newest proposed re-plan, 0 when none. */
int64_t latest_replan(fixture *f);
/* Every order pending on the live routes appears exactly once as a live pending delivery. */
void check_live_consistent(fixture *f, const char *const *drivers, size_t nd);
/* A position away from the depot at speed: the route starts. */
void start_vehicle(fixture *f, const char *driver);
/* Delivers driver's first planned stop now; *out (may be NULL) receives it. */
void deliver_first(fixture *f, const char *driver, dispatch_stop *out);

#endif
