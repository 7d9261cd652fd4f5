/* tests/solver/search_fixture.h: what the solver search suite's files share (test_search.c,
 * search_random.c): Euclidean instances over points, vehicles and jobs with one capacity, and a
 * solve whose answer the checker must accept. Each helper fails the running cmocka test on an
 * error. */
#ifndef LASTMILE_TESTS_SEARCH_FIXTURE_H
#define LASTMILE_TESTS_SEARCH_FIXTURE_H

#include "solver/route.h"
#include "solver/solver.h"

#include <stdint.h>

#define MAXP 256

typedef struct pts {
    double x[MAXP], y[MAXP];
    size_t n;
} pts;

/* A problem over points (index 0 is the depot) with Euclidean travel times and distances. */
solver_problem *make_problem(const pts *pt, uint32_t dims);
void add_vehicle(solver_problem *p, uint64_t id, uint32_t start, uint32_t end, int64_t cap);
void add_job(solver_problem *p, uint64_t id, uint32_t loc, int64_t delivery);
/* Solves within ms (and iters iterations when not 0) without set partitioning; the checker must
 * accept the answer and agree on its cost. */
solver_solution *solve(const solver_problem *p, int64_t ms, uint64_t iters);
/* Route of the vehicle with index v, or NULL. */
const solver_route *route_of(const solver_solution *s, uint32_t v);
/* The next number of the generator whose state is *st. */
uint64_t lcg(uint64_t *st);
/* n points, the depot at (50, 50), the others drawn in [0, 100) from seed. */
void random_points(pts *pt, size_t n, uint64_t seed);
/* A line: depot at 0, points at x = 10, 20, ... */
solver_problem *line_problem(size_t n, uint32_t dims);
/* n jobs with one window each and n_veh vehicles of capacity 100, shift [0, 1000], from seed. */
solver_problem *random_vrptw(size_t n, uint64_t seed, size_t n_veh);

/* The suite's tests on random instances (search_random.c). */
void test_random_vrptw_200(void **state);
void test_determinism(void **state);
void test_reproducible_flag(void **state);
void test_det_math(void **state);
void test_many_identical_vehicles(void **state);
void test_random_mixed_stress(void **state);

#endif
