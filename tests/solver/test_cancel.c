/* solver_opts.cancel: a search asked to stop returns its best solution long before its limit. */
#include "solver/solver.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <time.h>

#define N_JOBS 120

static atomic_bool cancel_flag;

static void *cancel_later(void *arg) {
    (void)arg;
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    atomic_store(&cancel_flag, true);
    return NULL;
}

static void test_cancel_stops_search(void **state) {
    (void)state;
    solver_problem_opts po;
    solver_problem_opts_init(&po);
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&po, &p), LM_OK);
    size_t n = N_JOBS + 1;
    int32_t *m = calloc(n * n, sizeof *m);
    int32_t xs[N_JOBS + 1], ys[N_JOBS + 1];
    uint64_t rng = 7;
    for (size_t i = 0; i < n; i++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        xs[i] = (int32_t)(rng >> 33) % 1000;
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        ys[i] = (int32_t)(rng >> 33) % 1000;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            m[i * n + j] = abs(xs[i] - xs[j]) + abs(ys[i] - ys[j]);
    assert_int_equal(solver_problem_set_matrix(p, n, m, m, NULL, NULL), LM_OK);
    free(m);
    for (uint64_t v = 0; v < 10; v++) {
        solver_vehicle veh;
        solver_vehicle_init(&veh);
        veh.id = v + 1;
        veh.start = veh.end = 0;
        veh.capacity[0] = 15;
        assert_int_equal(solver_problem_add_vehicle(p, &veh, NULL), LM_OK);
    }
    for (uint32_t i = 1; i <= N_JOBS; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i;
        j.location = i;
        j.delivery[0] = 1;
        assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    }
    solver_opts o;
    solver_opts_init(&o);
    o.time_limit_ms = 120000; /* far longer than the test may take */
    o.use_set_partitioning = false;
    o.cancel = &cancel_flag;
    atomic_store(&cancel_flag, false);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, cancel_later, NULL), 0);
    solver_solution *s = NULL;
    lm_errinfo err;
    int64_t t0 = lm_mono_ns();
    assert_int_equal(solver_solve(p, &o, &s, &err), LM_OK);
    int64_t ms = (lm_mono_ns() - t0) / 1000000;
    pthread_join(t, NULL);
    /* a stop, not the limit: generous bound so that a loaded machine cannot fail it */
    assert_true(ms < 60000);
    assert_int_equal(s->n_unassigned, 0);
    solver_check_report rep;
    assert_int_equal(solver_check(p, s, &rep), LM_OK);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cancel_stops_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
