/* Seeded generator of tiny VRP instances (CVRP and VRPTW, jobs only) for the exact-solver and
 * oracle tests; the same seed always gives the same instance. */
#ifndef LASTMILE_TESTS_SOLVER_TINY_GEN_H
#define LASTMILE_TESTS_SOLVER_TINY_GEN_H

#include "solver/solver.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct tiny_rng {
    uint64_t s;
} tiny_rng;

static inline uint32_t tiny_next(tiny_rng *r, uint32_t n) {
    /* splitmix64: good enough spread for small seeds */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return (uint32_t)(z % n);
}

typedef struct tiny_spec {
    uint32_t min_jobs, max_jobs;
    uint32_t min_vehicles, max_vehicles;
    bool vrptw;         /* time windows and shifts, else capacity only */
    bool extras;        /* sometimes: priorities, pickups, skills, a break, open routes */
    bool heterogeneous; /* vehicles differ in capacity */
} tiny_spec;

/* Builds instance `seed`; returns NULL only on allocation failure. */
static inline solver_problem *tiny_instance(uint64_t seed, const tiny_spec *ts) {
    tiny_rng r = {seed * 7919u + 17u};
    uint32_t n_jobs = ts->min_jobs + tiny_next(&r, ts->max_jobs - ts->min_jobs + 1);
    uint32_t n_veh = ts->min_vehicles + tiny_next(&r, ts->max_vehicles - ts->min_vehicles + 1);
    uint32_t n = n_jobs + 1;
    int32_t x[16], y[16], dur[256], dist[256];
    for (uint32_t i = 0; i < n; i++) {
        x[i] = (int32_t)tiny_next(&r, 100);
        y[i] = (int32_t)tiny_next(&r, 100);
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) {
            double dx = x[i] - x[j], dy = y[i] - y[j];
            dur[i * n + j] = (int32_t)lround(sqrt(dx * dx + dy * dy));
            dist[i * n + j] = dur[i * n + j] * 10;
        }
    solver_problem_opts po;
    solver_problem_opts_init(&po);
    po.n_dims = 1;
    solver_problem *p = NULL;
    if (solver_problem_create(&po, &p) != LM_OK) return NULL;
    if (solver_problem_set_matrix(p, n, dur, dist, NULL, NULL) != LM_OK) goto fail;
    int64_t cap = 10 + tiny_next(&r, 10);
    uint32_t skill = 1;
    bool with_break = ts->extras && tiny_next(&r, 4) == 0;
    bool open_route = ts->extras && tiny_next(&r, 5) == 0;
    for (uint32_t k = 0; k < n_veh; k++) {
        solver_vehicle v;
        solver_vehicle_init(&v);
        v.id = 1000 + k;
        v.start = 0;
        v.end = open_route && k == 0 ? SOLVER_NONE : 0;
        v.capacity[0] = ts->heterogeneous ? cap + 5 * (int64_t)k : cap;
        if (ts->vrptw) {
            v.shift.start_s = 0;
            v.shift.end_s = 400;
        }
        if (ts->extras && k == 0) {
            v.skills = &skill;
            v.n_skills = 1;
        }
        solver_tw btw = {100, 200};
        solver_break b = {.id = 1, .tws = &btw, .n_tws = 1, .service_s = 20};
        if (with_break && k == 0) {
            v.breaks = &b;
            v.n_breaks = 1;
        }
        if (solver_problem_add_vehicle(p, &v, NULL) != LM_OK) goto fail;
    }
    for (uint32_t i = 0; i < n_jobs; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i + 1;
        j.location = i + 1;
        j.delivery[0] = 1 + tiny_next(&r, (uint32_t)cap / 2);
        solver_tw tw;
        if (ts->vrptw) {
            j.service_s = 10;
            int64_t start = tiny_next(&r, 250);
            tw.start_s = start;
            tw.end_s = start + 30 + tiny_next(&r, 120);
            j.tws = &tw;
            j.n_tws = 1;
        }
        if (ts->extras) {
            if (tiny_next(&r, 3) == 0) j.priority = tiny_next(&r, 5);
            if (tiny_next(&r, 4) == 0) {
                j.pickup[0] = j.delivery[0];
                j.delivery[0] = 0;
            }
            if (tiny_next(&r, 6) == 0) {
                j.skills = &skill;
                j.n_skills = 1;
            }
        }
        if (solver_problem_add_job(p, &j, NULL) != LM_OK) goto fail;
    }
    return p;
fail:
    solver_problem_destroy(p);
    return NULL;
}

#endif
