/* The dispatch worker's durable job queue (dispatch/jobs.c, store/jobs.c) on SQLite: a node that
 * does not lead records plans and re-plans without running them; the leader runs them with the
 * request as it was asked (vehicles, pickups); a job finished once cannot be finished again (the
 * fence); re-plans queued together run once; jobs left by a stopped worker run when a worker on
 * the same database leads again (a restart, or another node). */
#include "store/store_jobs.h"
#include "tests/dispatch/fixture.h"

#include "common/leader.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static size_t pending(fixture *f, store_job **rows) {
    store_read *r = NULL;
    OK(store_read_begin(f->s, &r));
    store_job *list = NULL;
    size_t n = 0;
    lm_errinfo err = {0};
    OKE(store_jobs_pending(r, 0, 1000, &list, &n, &err), err);
    store_read_end(r);
    if (rows)
        *rows = list;
    else
        store_jobs_free(list, n);
    return n;
}

static void lead(fixture *f) {
    lm_leader_set(true);
    dispatch_lead_changed(f->d);
    dispatch_wait_idle(f->d);
}

static int follow_setup(void **state) {
    int rc = setup(state);
    lm_leader_set(false);
    return rc;
}

static int lead_teardown(void **state) {
    lm_leader_set(true);
    return teardown(state);
}

static void follower_records_leader_solves(void **state) {
    fixture *f = *state;
    scenario(f, 6, 9, 17, 2, 50);
    const char *only[] = {"V1"};
    dispatch_plan_req req = {.vehicle_ids = only, .n_vehicle_ids = 1};
    int64_t id = 0;
    lm_errinfo err = {0};
    OKE(dispatch_plan_create(f->d, &req, &id, &err), err);
    dispatch_wait_idle(f->d); /* a follower's worker has nothing to do */
    dispatch_plan p = get_plan(f, id);
    assert_int_equal(p.status, DISPATCH_PLAN_SOLVING);
    dispatch_plan_clear(&p);
    store_job *rows = NULL;
    assert_int_equal(pending(f, &rows), 1);
    assert_string_equal(rows[0].kind, "plan");
    assert_int_equal(rows[0].plan_id, id);
    assert_string_equal(rows[0].request, "depot -\nday 0\nlimit 0\nv V1\n");
    store_jobs_free(rows, 1);
    lead(f);
    p = get_plan(f, id);
    assert_int_equal(p.status, DISPATCH_PLAN_PROPOSED);
    /* the vehicle list came through the queue: V2 was not asked for */
    assert_int_equal(p.n_routes, 1);
    assert_string_equal(p.routes[0].vehicle_id, "V1");
    dispatch_plan_clear(&p);
    assert_int_equal(pending(f, NULL), 0);
}

static void request_text_keeps_odd_ids_and_pickups(void **state) {
    fixture *f = *state;
    scenario(f, 2, 9, 17, 1, 50);
    const char *odd[] = {"V 1\n%"};
    dispatch_pickup_task pk = {.order_id = f->order_ids[0],
                               .return_id = 7,
                               .from_lat = 45.5,
                               .from_lon = 4.25,
                               .to_lat = DEPOT_LAT,
                               .to_lon = DEPOT_LON,
                               .weight_g = 1200,
                               .parcels = 1};
    lm_strlcpy(pk.depot_id, "D1", sizeof pk.depot_id);
    dispatch_plan_req req = {
        .depot_id = "D1", .vehicle_ids = odd, .n_vehicle_ids = 1, .pickups = &pk, .n_pickups = 1};
    int64_t id = 0;
    lm_errinfo err = {0};
    OKE(dispatch_plan_create(f->d, &req, &id, &err), err);
    store_job *rows = NULL;
    assert_int_equal(pending(f, &rows), 1);
    char want[256];
    snprintf(want, sizeof want,
             "depot D1\nday 0\nlimit 0\nv V%%201%%0A%%25\np %lld 7 D1 45.5 4.25 45.75 "
             "4.8499999999999996 "
             "0 0 1200 0 1 0\n",
             (long long)f->order_ids[0]);
    assert_string_equal(rows[0].request, want);
    store_jobs_free(rows, 1);
    /* discarded before any node solved it: the leader parses it, finds nothing to store, and the
     * job is done all the same (it is not solved again at the next change of lead) */
    OKE(dispatch_plan_discard(f->d, id, &err), err);
    lead(f);
    dispatch_plan p = get_plan(f, id);
    assert_int_equal(p.status, DISPATCH_PLAN_DISCARDED);
    dispatch_plan_clear(&p);
    assert_int_equal(pending(f, NULL), 0);
}

/* (as a follower: no worker of this test may take the job) */
static void finished_job_is_fenced(void **state) {
    fixture *f = *state;
    store_tx *tx = NULL;
    int64_t job = 0;
    lm_errinfo err = {0};
    OK(store_tx_begin(f->s, &tx));
    OKE(store_job_add(tx, "plan", 99, "", "", "", 1, &job, &err), err);
    OK(store_tx_commit(tx));
    bool claimed = false;
    OK(store_tx_begin(f->s, &tx));
    OKE(store_job_finish(tx, job, 2, &claimed, &err), err);
    assert_true(claimed);
    OK(store_tx_commit(tx));
    /* a leader that lost the lead mid-solve comes to store its result: too late */
    OK(store_tx_begin(f->s, &tx));
    OKE(store_job_finish(tx, job, 3, &claimed, &err), err);
    assert_false(claimed);
    store_tx_rollback(tx);
    /* one job per plan */
    OK(store_tx_begin(f->s, &tx));
    assert_int_equal(store_job_add(tx, "plan", 99, "", "", "", 4, NULL, &err), LM_CONFLICT);
    store_tx_rollback(tx);
}

static void replans_queued_together_run_once(void **state) {
    fixture *f = *state;
    scenario(f, 4, 9, 17, 1, 50);
    lm_leader_set(true);
    commit_plan(f);
    lm_leader_set(false);
    lm_errinfo err = {0};
    for (int i = 0; i < 3; i++)
        OKE(dispatch_replan_request(f->d, DISPATCH_TRIGGER_MANUAL, "V1", NULL, &err), err);
    assert_int_equal(pending(f, NULL), 3);
    assert_int_equal(latest_replan(f), 0);
    lead(f);
    assert_int_equal(pending(f, NULL), 0);
    int64_t first = latest_replan(f);
    assert_true(first > 0);
    /* exactly one re-plan row was made for the three requests */
    store_read *r = NULL;
    OK(store_read_begin(f->s, &r));
    dispatch_plan *list = NULL;
    size_t n = 0;
    OKE(dispatch_plan_list(r, 100, &list, &n, &err), err);
    store_read_end(r);
    size_t replans = 0;
    for (size_t i = 0; i < n; i++)
        replans += list[i].is_replan;
    dispatch_plan_list_free(list, n);
    assert_int_equal(replans, 1);
}

static void stopped_worker_leaves_jobs_for_the_next(void **state) {
    fixture *f = *state;
    scenario(f, 4, 9, 17, 1, 50);
    int64_t id = 0;
    dispatch_plan_req req = {0};
    lm_errinfo err = {0};
    OKE(dispatch_plan_create(f->d, &req, &id, &err), err);
    dispatch_destroy(f->d); /* the node stops (or dies) before any leader solved it */
    f->d = NULL;
    lm_leader_set(true);
    dispatch_opts o;
    dispatch_opts_init(&o);
    o.st = f->s;
    o.now_ms = clock_fake;
    o.tick_ms = 0;
    o.plan_time_limit_ms = 300;
    OKE(dispatch_create(&o, &f->d, &err), err);
    dispatch_wait_idle(f->d);
    dispatch_plan p = get_plan(f, id);
    assert_int_equal(p.status, DISPATCH_PLAN_PROPOSED);
    dispatch_plan_clear(&p);
    assert_int_equal(pending(f, NULL), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(follower_records_leader_solves, follow_setup,
                                        lead_teardown),
        cmocka_unit_test_setup_teardown(request_text_keeps_odd_ids_and_pickups, follow_setup,
                                        lead_teardown),
        cmocka_unit_test_setup_teardown(finished_job_is_fenced, follow_setup, lead_teardown),
        cmocka_unit_test_setup_teardown(replans_queued_together_run_once, follow_setup,
                                        lead_teardown),
        cmocka_unit_test_setup_teardown(stopped_worker_leaves_jobs_for_the_next, follow_setup,
                                        lead_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
