/* Tests for the solver memo (solver_problem_share_matrix_memo): problems over one matrix skip the
 * validation scan and reuse the neighbour lists when their key matches, build their own when the
 * tasks, the arrays or the cost basis differ, and solve exactly as without a memo. */
#include "solver/solver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define N 40

static int32_t dur[N * N], dist[N * N];

static void fill(void) {
    uint64_t s = 12345;
    int32_t x[N], y[N];
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (int32_t)(s >> 33) % 1000;
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        y[i] = (int32_t)(s >> 33) % 1000;
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int32_t dx = x[i] > x[j] ? x[i] - x[j] : x[j] - x[i];
            int32_t dy = y[i] > y[j] ? y[i] - y[j] : y[j] - y[i];
            dur[i * N + j] = dx + dy + (i < j ? 3 : 0); /* a little asymmetric */
            dist[i * N + j] = 2 * (dx + dy);
        }
}

/* Jobs at locations first..N-1 (depot 0); per_km 0 keeps the cost = seconds basis. */
static solver_problem *problem(solver_memo *memo, const int32_t *d, uint32_t first,
                               int64_t per_km) {
    solver_problem_opts o;
    solver_problem_opts_init(&o);
    o.n_dims = 1;
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&o, &p), LM_OK);
    lm_errinfo e;
    lm_status st = memo ? solver_problem_share_matrix_memo(p, N, d, dist, NULL, memo, &e)
                        : solver_problem_set_matrix(p, N, d, dist, NULL, &e);
    assert_int_equal(st, LM_OK);
    for (uint64_t v = 1; v <= 4; v++) {
        solver_vehicle veh;
        solver_vehicle_init(&veh);
        veh.id = v;
        veh.start = veh.end = 0;
        veh.capacity[0] = 12;
        veh.cost_per_km = per_km;
        assert_int_equal(solver_problem_add_vehicle(p, &veh, &e), LM_OK);
    }
    for (uint32_t i = first; i < N; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i;
        j.location = i;
        j.delivery[0] = 1;
        assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);
    }
    return p;
}

/* Solves with an iteration budget (reproducible) and returns the cost; the route sequences go
 * to seq (job indices route by route, -1 between routes). */
static int64_t solve(const solver_problem *p, int64_t *seq, size_t cap) {
    solver_opts o;
    solver_opts_init(&o);
    o.iterations = 400;
    o.time_limit_ms = 60000;
    solver_solution *s = NULL;
    lm_errinfo e;
    assert_int_equal(solver_solve(p, &o, &s, &e), LM_OK);
    assert_int_equal(s->n_unassigned, 0);
    size_t k = 0;
    for (size_t r = 0; r < s->n_routes; r++) {
        for (size_t i = 0; i < s->routes[r].n_steps && k < cap; i++)
            if (s->routes[r].steps[i].type == SOLVER_STEP_JOB)
                seq[k++] = s->routes[r].steps[i].index;
        if (k < cap) seq[k++] = -1;
    }
    int64_t c = s->cost;
    solver_solution_destroy(s);
    return c;
}

static void test_memo_reuses_and_solves_alike(void **state) {
    (void)state;
    fill();
    solver_memo *memo = NULL;
    assert_int_equal(solver_memo_create(&memo), LM_OK);
    int64_t plain[2 * N], first[2 * N], second[2 * N];
    memset(plain, 0, sizeof plain);
    memset(first, 0, sizeof first);
    memset(second, 0, sizeof second);
    solver_problem *c = problem(NULL, dur, 1, 0);
    int64_t cost = solve(c, plain, 2 * N);
    solver_problem_destroy(c);
    solver_problem *a = problem(memo, dur, 1, 0);
    assert_int_equal(solve(a, first, 2 * N), cost);
    solver_problem_destroy(a);
    solver_problem *b = problem(memo, dur, 1, 0);
    assert_int_equal(solve(b, second, 2 * N), cost);
    solver_problem_destroy(b);
    assert_memory_equal(plain, first, sizeof plain);
    assert_memory_equal(plain, second, sizeof plain);
    solver_memo_stats st;
    solver_memo_stats_get(memo, &st);
    assert_int_equal(st.validations, 1);
    assert_int_equal(st.validations_skipped, 1);
    assert_int_equal(st.neighbours_built, 1);
    assert_int_equal(st.neighbours_reused, 1);
    solver_memo_destroy(memo);
}

static void test_memo_rebuilds_on_another_key(void **state) {
    (void)state;
    fill();
    solver_memo *memo = NULL;
    assert_int_equal(solver_memo_create(&memo), LM_OK);
    int64_t seq[2 * N], ref[2 * N];
    solver_problem *a = problem(memo, dur, 1, 0);
    solve(a, seq, 2 * N);
    solver_problem_destroy(a);
    /* other tasks (one job fewer): other lists, and the same answer as without a memo */
    solver_problem *b = problem(memo, dur, 2, 0), *b0 = problem(NULL, dur, 2, 0);
    memset(seq, 0, sizeof seq);
    memset(ref, 0, sizeof ref);
    assert_int_equal(solve(b, seq, 2 * N), solve(b0, ref, 2 * N));
    assert_memory_equal(seq, ref, sizeof seq);
    solver_problem_destroy(b);
    solver_problem_destroy(b0);
    /* another cost basis (per_km: the formula) over the same arrays */
    solver_problem *c = problem(memo, dur, 2, 1);
    solve(c, seq, 2 * N);
    solver_problem_destroy(c);
    solver_memo_stats st;
    solver_memo_stats_get(memo, &st);
    assert_int_equal(st.neighbours_built, 3);
    assert_int_equal(st.neighbours_reused, 0);
    assert_int_equal(st.validations, 1);
    assert_int_equal(st.validations_skipped, 2);
    solver_memo_destroy(memo);
}

static void test_memo_validates_other_arrays(void **state) {
    (void)state;
    fill();
    static int32_t other[N * N];
    memcpy(other, dur, sizeof other);
    other[3 * N + 5] = -1;
    solver_memo *memo = NULL;
    assert_int_equal(solver_memo_create(&memo), LM_OK);
    solver_problem *a = problem(memo, dur, 1, 0);
    solver_problem_destroy(a);
    solver_problem_opts o;
    solver_problem_opts_init(&o);
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&o, &p), LM_OK);
    lm_errinfo e;
    memset(&e, 0, sizeof e);
    assert_int_equal(solver_problem_share_matrix_memo(p, N, other, dist, NULL, memo, &e),
                     LM_INVALID);
    assert_string_equal(e.field, "matrices.durations");
    memset(&e, 0, sizeof e);
    assert_int_equal(solver_problem_share_matrix_memo(p, N, dur, dist, NULL, NULL, &e), LM_INVALID);
    assert_string_equal(e.field, "memo");
    solver_problem_destroy(p);
    solver_memo_stats st;
    solver_memo_stats_get(memo, &st);
    assert_int_equal(st.validations, 1); /* the failed scan is not remembered */
    solver_memo_destroy(memo);
    solver_memo_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memo_reuses_and_solves_alike),
        cmocka_unit_test(test_memo_rebuilds_on_another_key),
        cmocka_unit_test(test_memo_validates_other_arrays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
