/* tests/api/orders_http_world.h: what the orders HTTP suite's files share (test_orders_http.c,
 * orders_http_binary.c): an in-process server on a free loopback port over a temporary database
 * with admin / dispatcher / warehouse / driver keys and a catalogue (depots north and south,
 * products tea, green and coffee, coffee substituted by green), and the requests the tests make.
 * Every helper fails the running cmocka test when the answer is not the one it expects. */
#ifndef LASTMILE_TESTS_ORDERS_HTTP_WORLD_H
#define LASTMILE_TESTS_ORDERS_HTTP_WORLD_H

#include "api/api.h"
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

typedef struct world {
    tmp_db tmp;
    store *s;
    api_server *srv;
    uint16_t port;
    char admin[STORE_KEY_MAX], dispatcher[STORE_KEY_MAX], warehouse[STORE_KEY_MAX],
        driver[STORE_KEY_MAX];
} world;

/* The world of the running test (setup / teardown). */
extern world W;

typedef http_test_resp resp;

/* cmocka setup and teardown of W. */
int setup(void **state);
int teardown(void **state);

/* One request to port; extra_header may be NULL. A transport error reads as status 0. */
void request_to(uint16_t port, resp *out, const char *method, const char *path, const char *key,
                const char *body, const char *extra_header);
/* One request to W's server. */
void request(resp *out, const char *method, const char *path, const char *key, const char *body);
void expect_status(resp *r, long status);
/* An error reply with status, code and field (NULL: any) and a message; r stays owned. */
void expect_error(resp *r, long status, const char *code, const char *field);
/* Sends, expects status, frees the reply. */
void call(const char *method, const char *path, const char *key, const char *body, long status);
/* Member key of j as text ("" when absent) or as a number. */
const char *jstr(const cJSON *j, const char *key);
double jnum(const cJSON *j, const char *key);

/* POSTs an order for qty x sku (a new customer each time; policy: the out-of-stock policy or
 * NULL); the reply in *r. */
void order(resp *r, const char *key, const char *sku, int qty, const char *policy,
           const char *extra_header);
int64_t order_id(resp *r);
/* GET /v1/orders/{id} as the dispatcher, expecting 200. */
void get_order(resp *r, int64_t id);
/* PUT /v1/stock/{depot}/{sku} as the warehouse, expecting 200. */
void stock_put(const char *depot, const char *sku, int on_hand, int reorder);
/* POST /v1/orders/{id}/{what} with body as key, expecting status and then (when not NULL) the
 * order's status_after. */
void op(int64_t id, const char *what, const char *key, const char *body, long status,
        const char *status_after);

/* The suite's tests of the real binary (orders_http_binary.c). */
void test_cli_import(void **state);
void test_sigkill_restart_keeps_every_acknowledged_order(void **state);

#endif
