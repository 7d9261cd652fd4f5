/* `lastmile simulate` (the real binary) against the real server on a committed plan: it drives
 * both routes to the end through OsmAnd and the driver API, fails some stops with valid reasons at
 * --failure-rate, injects a breakdown (driver.exception + vehicle.breakdown events) and a late
 * driver, and every position it sent is stored under the device ids it got by rotating the
 * drivers' ones. */
#include "api/api.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"
#include "store/store_positions.h"
#include "tests/support/plan_world.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static plan_world W;

/* ---- Fixture: the committed plan of tests/support/plan_world.h ---- */

static int setup(void **state) {
    (void)state;
    plan_world_setup_priced(&W, "lm-sim-"); /* cash on delivery: simulate must collect */
    return 0;
}

static int teardown(void **state) {
    (void)state;
    plan_world_teardown(&W);
    return 0;
}

/* Runs the binary; returns its exit status and its stdout in out. */
static int run_sim(const char *args, char *out, size_t cap) {
    const char *bin_dir = getenv("LASTMILE_BINARY_DIR");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/cli/lastmile simulate --server http://127.0.0.1:%u --key %s %s",
             bin_dir ? bin_dir : ".", (unsigned)W.port, W.admin, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int64_t count_events(const char *type) {
    return tmp_db_count_events(W.s, type);
}

static void test_simulate_drives_the_day(void **state) {
    (void)state;
    char out[4096];
    assert_int_equal(run_sim("--bogus 1", out, sizeof out), 64);
    assert_int_equal(
        run_sim("--speed-up 400 --seed 7 --failure-rate 0.5 --duration 25", out, sizeof out), 0);
    fprintf(stderr, "%s", out);
    assert_non_null(strstr(out, "simulate: 2 drivers:"));
    assert_non_null(strstr(out, " 0 errors"));
    /* every stop of the van that did not break down is served; outcomes are valid */
    int64_t done = count_events("stop.delivered"), failed = count_events("stop.failed");
    assert_true(done + failed >= 3);
    assert_true(failed >= 1); /* at a 50 % failure rate over 3+ stops, for this seed */
    /* every delivery but the free order's collected the cash the route showed (a delivered
     * without it is refused, which " 0 errors" above would have caught) */
    assert_true(done >= 1);
    assert_true(count_events("payment.cod_collected") >= done - 1);
    assert_int_equal(count_events("cod.discrepancy"), 0);
    assert_int_equal(count_events("vehicle.breakdown"), 1);
    assert_true(count_events("driver.exception") >= 2); /* the breakdown and the delay */
    assert_true(count_events("stop.arrived") >= done + failed);
    /* positions went through OsmAnd with the device ids the simulator got by rotating the
     * drivers' ones (GET /v1/drivers no longer shows them); the old ids got none */
    for (int d = 1; d <= 2; d++) {
        char id[16], old[16];
        snprintf(id, sizeof id, "D%d", d);
        snprintf(old, sizeof old, "phone%d", d);
        store_read *rd = NULL;
        store_position *p = NULL;
        size_t n = 0;
        lm_errinfo err;
        dispatch_driver dr;
        assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
        assert_int_equal(dispatch_driver_get(rd, id, &dr, &err), LM_OK);
        assert_int_equal(strlen(dr.device_id), DISPATCH_DEVICE_ID_LEN);
        assert_int_equal(
            store_positions_list(rd, dr.device_id, NULL, 0, INT64_MAX, 100000, &p, &n, &err),
            LM_OK);
        assert_true(n >= 2);
        lm_free(p);
        p = NULL;
        assert_int_equal(store_positions_list(rd, old, NULL, 0, INT64_MAX, 100000, &p, &n, &err),
                         LM_OK);
        assert_int_equal(n, 0);
        lm_free(p);
        store_read_end(rd);
    }
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simulate_drives_the_day),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
