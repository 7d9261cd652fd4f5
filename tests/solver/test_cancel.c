/* solver_opts.cancel: a search asked to stop returns its best solution at its next check, long
 * before its limit; shown by counting progress reports, not by a clock. */
#include "solver/solver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#define N_JOBS 120

static atomic_bool cancel_flag;
static atomic_int reports_after_cancel; /* progress reports the search sent once cancelled */

/* Cancels at the first progress report with work done: a point in the search, not a sleep. */
static void on_progress(const solver_progress *pr, void *ud) {
    (void)ud;
    if (atomic_load(&cancel_flag)) {
        atomic_fetch_add(&reports_after_cancel, 1);
        return;
    }
    if (pr->iterations > 0) atomic_store(&cancel_flag, true);
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
    o.time_limit_ms = 120000; /* ignoring the cancel would mean ~1200 more progress reports */
    o.use_set_partitioning = false;
    o.cancel = &cancel_flag;
    o.on_progress = on_progress;
    atomic_store(&cancel_flag, false);
    atomic_store(&reports_after_cancel, 0);
    solver_solution *s = NULL;
    lm_errinfo err;
    assert_int_equal(solver_solve(p, &o, &s, &err), LM_OK);
    /* cancelled from inside the search, it stopped at its next check: the thread that reports
     * progress checks the flag before it could report again (a report is due every ~100 ms of
     * a 120 s limit), so no report follows the cancel */
    assert_true(atomic_load(&cancel_flag));
    assert_int_equal(atomic_load(&reports_after_cancel), 0);
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
