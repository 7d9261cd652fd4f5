/* tests/returns/rt_world.h: the world of the returns suites: the money fixture's real SQLite file
 * and priced catalogue (tests/orders/money_fixture.h, test clock money_fx_now), plus the returns
 * service, and helpers that make delivered, paid orders and walk RMAs along. */
#ifndef LASTMILE_TESTS_RT_WORLD_H
#define LASTMILE_TESTS_RT_WORLD_H

#include "money_fixture.h"
#include "returns/returns.h"

typedef struct rt_world {
    money_fx *fx;
    returns_svc *r;
} rt_world;

int rt_setup(void **state);
int rt_teardown(void **state);
/* Restart: closes both services and the store, reopens them on the same file. */
void rt_reopen(rt_world *w);

/* A priced order of "SKU:qty,..." on channel, paid in full, walked to delivered. */
int64_t rt_delivered(rt_world *w, const char *lines, const char *channel);
/* A request for order_id of "SKU:qty,..." with reason and method ("" = policy's). */
returns_request rt_request(int64_t order_id, const char *lines, const char *reason,
                           const char *method);
/* Requests and fails the test unless it is accepted; returns the RMA. */
returns_rma rt_rma(rt_world *w, int64_t order_id, const char *lines, const char *reason);
/* Moves an approved pickup RMA to received (schedule, collect, receive). */
void rt_to_received(rt_world *w, int64_t rma_id);
/* Stores the policy, failing the test on error. */
void rt_policy(rt_world *w, const returns_policy *p);
/* Stock row of sku at d1 (zeros when none). */
orders_stock rt_stock(rt_world *w, const char *sku);
/* Number of events of type in the log (NULL: all events). */
int64_t rt_events(rt_world *w, const char *type);

#define RT_OK(expr)                                                                                \
    do {                                                                                           \
        lm_errinfo e_ = {0};                                                                       \
        (void)e_;                                                                                  \
        lm_status rc_ = (expr);                                                                    \
        if (rc_ != LM_OK) fail_msg("%s -> %s", #expr, lm_status_name(rc_));                        \
    } while (0)

#endif
