/* tests/support/plan_world.h: the committed-plan scenario the driver API and simulate suites run
 * on: 6 ready orders around one depot, 2 vans with drivers D1/D2 (devices phone1/phone2), a
 * committed plan, admin/dispatcher/driver keys and the in-process server on a free port. */
#ifndef LASTMILE_TESTS_PLAN_WORLD_H
#define LASTMILE_TESTS_PLAN_WORLD_H

#include "api/api.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

#define PLAN_WORLD_DEPOT_LAT 45.75
#define PLAN_WORLD_DEPOT_LON 4.85

/* Fails the running cmocka test (cmocka.h included) unless expr is LM_OK, with err's field and
 * message. */
#define OKE(expr, err)                                                                             \
    do {                                                                                           \
        lm_status rc_ = (expr);                                                                    \
        if (rc_ != LM_OK)                                                                          \
            fail_msg("%s -> %s: %s: %s", #expr, lm_status_name(rc_), (err).field, (err).message);  \
    } while (0)

typedef struct plan_world {
    tmp_db tmp;     /* the database is tmp.path */
    char data[128]; /* the server's data dir (proof uploads), under tmp.dir */
    store *s;
    orders_svc *o;
    dispatch *d;
    api_server *srv;
    uint16_t port;
    uint16_t osmand_port; /* the OsmAnd listener, on a free port */
    char admin[STORE_KEY_MAX], disp[STORE_KEY_MAX], d1[STORE_KEY_MAX], d2[STORE_KEY_MAX];
    int64_t order_ids[8]; /* the 6 orders, in creation order */
    /* dispatch's utc_offset_s and the local day the scenario plans on (windows and shifts
     * 00:00-23:59 local), noon at setup: tests/support/test_day.h */
    int64_t utc_offset_s;
    int64_t day;
} plan_world;

/* Builds the scenario in a fresh /tmp/<prefix>XXXXXX (tracking rate 0.2/s, burst 6, so a test
 * reaches the limit quickly); fails the running cmocka test on any error. */
void plan_world_setup(plan_world *w, const char *prefix);
/* The same with money: orders 1..5 cash on delivery at 1500 EUR minor units, order 6 free
 * (total 0, paid). */
void plan_world_setup_priced(plan_world *w, const char *prefix);
/* The same with a tracking rate of per_s requests a second and a burst of 1000 (suites that
 * act as the customer many times). */
void plan_world_setup_track_rate(plan_world *w, const char *prefix, double per_s);
/* Stops the server, closes everything and removes the directory. */
void plan_world_teardown(plan_world *w);

/* One request to w's server as the apps send it: body as JSON (NULL: none, but an empty body on
 * a POST), a 30 s timeout; the reply in *out (http_test_resp_free), !out->complete on a transport
 * error. */
void plan_world_http(const plan_world *w, http_test_resp *out, const char *method, const char *path,
                     const char *key, const char *body);
/* The status of that request; with VERBOSE set, a status >= 400 is printed with its body. */
long plan_world_status(const plan_world *w, const char *method, const char *path, const char *key,
                       const char *body);

#endif
