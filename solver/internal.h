/* solver internals shared by the solver's files (never included outside solver/).
 * The problem as stored after validation: flat arrays, owned by solver_problem. */
#ifndef LASTMILE_SOLVER_INTERNAL_H
#define LASTMILE_SOLVER_INTERNAL_H

#include "solver/solver.h"

/* A stored time-window list (sorted, disjoint, start <= end); n == 0 means "any time". */
typedef struct solver__tws {
    solver_tw *w;
    size_t n;
} solver__tws;

typedef struct solver__skills {
    uint32_t *s; /* sorted ascending, unique */
    size_t n;
} solver__skills;

typedef struct solver__job {
    solver_job pub; /* tws / skills pointers point into the fields below */
    solver__tws tws;
    solver__skills skills;
} solver__job;

typedef struct solver__shipment {
    solver_shipment pub;
    solver__tws pickup_tws, delivery_tws;
    solver__skills skills;
} solver__shipment;

typedef struct solver__break {
    solver_break pub;
    solver__tws tws;
} solver__break;

typedef struct solver__vehicle {
    solver_vehicle pub;
    solver__break *breaks;
    solver__skills skills;
    solver_task_ref *fixed_steps;
    int32_t *durations; /* n x n, matrix durations scaled by 1/speed_factor (NULL if factor 1) */
} solver__vehicle;

/* Open-addressing set of ids, so duplicate checks stay O(1) per add (problem.c). */
typedef struct solver__idset {
    uint64_t *keys;
    bool *used;
    size_t cap, n; /* cap is a power of two, n <= cap / 2 */
} solver__idset;

struct solver_problem {
    uint32_t n_dims;
    size_t n;                               /* matrix side */
    int32_t *durations, *distances, *costs; /* distances/costs may be NULL */
    bool matrix_borrowed; /* solver_problem_share_matrix: the caller's, never freed here */
    solver_memo *memo;    /* solver_problem_share_matrix_memo: the caller's, or NULL */
    solver__job *jobs;
    size_t n_jobs, cap_jobs;
    solver__shipment *shipments;
    size_t n_shipments, cap_shipments;
    solver__vehicle *vehicles;
    size_t n_vehicles, cap_vehicles;
    solver__idset job_ids, pickup_ids, delivery_ids, vehicle_ids;
    int64_t cost_unit; /* 1 or SOLVER__COST_UNIT: see solver__edge_cost */
    bool
        costs_are_durations; /* costs holds the durations' values (CVRPLIB): the search reads one */
};

/* Travel time of vehicle v from location a to b (speed factor applied). */
static inline int64_t solver__duration(const solver_problem *p, const solver__vehicle *v,
                                       uint32_t a, uint32_t b) {
    const int32_t *m = v->durations ? v->durations : p->durations;
    return m[(size_t)a * p->n + b];
}

static inline int64_t solver__distance(const solver_problem *p, uint32_t a, uint32_t b) {
    return p->distances ? p->distances[(size_t)a * p->n + b] : 0;
}

/* Search costs. While every vehicle costs its travel seconds (VROOM's default per_hour 3600,
 * per_km 0, per_task_hour 0), an edge costs its seconds (or its costs-matrix cell): the common case
 * stays exact in unit 1. Otherwise (p->cost_unit == SOLVER__COST_UNIT) every cost is kept exactly
 * in 1/36000ths of a user cost unit: per_hour x s x 10 + per_km x m x 36 per edge, so that per_km 1
 * over a 300 m leg is 10800, not a rounded 0, and rounding happens once per route on output
 * (solver__route_user_cost), as in VROOM. */
#define SOLVER__COST_UNIT 36000

/* Cost of vehicle v driving a -> b, in p->cost_unit. */
static inline int64_t solver__edge_cost(const solver_problem *p, const solver__vehicle *v,
                                        uint32_t a, uint32_t b) {
    if (p->costs) return p->costs[(size_t)a * p->n + b] * p->cost_unit;
    if (p->cost_unit == 1) return solver__duration(p, v, a, b);
    return v->pub.cost_per_hour * solver__duration(p, v, a, b) * 10 +
           v->pub.cost_per_km * solver__distance(p, a, b) * 36;
}

/* Fixed cost of using v, in p->cost_unit. */
static inline int64_t solver__fixed_cost(const solver_problem *p, const solver__vehicle *v) {
    return v->pub.cost_fixed * p->cost_unit;
}

/* Cost of task_s seconds of setup and service on v, in p->cost_unit (0 unless per_task_hour). */
static inline int64_t solver__task_cost(const solver__vehicle *v, int64_t task_s) {
    return v->pub.cost_per_task_hour * task_s * 10;
}

/* The route cost VROOM reports (solver/cost.c): fixed + per_hour/per_km on the route's totals
 * (or its costs-matrix cells summed in matrix_cost), rounded once, + per_task_hour on
 * setup + service, truncated. */
int64_t solver__route_user_cost(const solver_problem *p, const solver__vehicle *v, int64_t travel_s,
                                int64_t distance_m, int64_t matrix_cost, int64_t task_s);

/* True if every skill in need is in have (both sorted). */
bool solver__skills_cover(const solver__skills *have, const solver__skills *need);

/* Earliest service start >= t inside one of tws; SOLVER_TIME_INF if none is left. */
int64_t solver__tws_earliest(const solver__tws *tws, int64_t t);

/* ---- Route semantics: the one definition the search, the builder and the checker all follow ----
 *
 * A route of vehicle v is a sequence of task refs (jobs, shipment pickups/deliveries, breaks).
 * Time: the route starts at t = shift.start_s at location `start` (no start: at the first task,
 *   with no travel before it). For each task in order:
 *   - travel: arrival = t + duration(prev_location, location) (prev_location = the last located
 *     step; a route without start has no travel before its first located task);
 *   - the task begins at b = the earliest time >= arrival inside one of its windows (no windows:
 *     b = arrival); no such window => infeasible. waiting = b - arrival;
 *   - setup_s is paid only when the location differs from the previous located step's location;
 *   - t = b + setup + service.
 *   A break has no location and is taken on the way to the next located step: it starts at
 *   bs = the earliest time >= t inside its windows (none left => infeasible); it costs its
 *   service_s; the travel to the next located step L is then arrival(L) = max(t + travel, bs) +
 *   break.service_s, i.e. driving may happen before the break starts. A break after the last
 *   task (before the end) works the same with the end as L (or with no travel for an open route).
 *   The route ends at the arrival at `end`, or at t after the last step for an open route;
 *   that end time must be <= shift.end_s, and every task must begin <= its window's end.
 * Load: start load = initial_load + sum of the deliveries of the route's jobs. A job subtracts
 *   its delivery and adds its pickup; a shipment pickup adds amount, its delivery subtracts it.
 *   Load <= capacity in every dimension at the start and after every step; during a break the
 *   load (after the previous step) must be <= the break's max_load if it has one.
 * Shipments: pickup and delivery on the same route, pickup first.
 * Skills: the vehicle's skills cover the task's. only_vehicle: the task may only go on that
 * vehicle. Limits: max_tasks counts job, pickup and delivery steps (not breaks); max_travel_time_s
 * the sum of travel durations; max_distance_m the sum of distances. 0 = no limit. Breaks: every
 * break of the vehicle appears exactly once on a used route. fixed_steps: a route's first steps are
 * exactly the vehicle's fixed_steps, in order (a vehicle with fixed steps is always used). Cost of
 * a route in the search: solver__fixed_cost + the sum of solver__edge_cost over its travelled edges
 * + solver__task_cost of its setup and service (breaks included); in the output:
 * solver__route_user_cost. An unused vehicle costs nothing. Objective (lexicographic): maximise the
 * sum of priorities served, then the number of tasks served (a shipment counts 2), then minimise
 * total cost.
 */

/* A route as a bare task sequence: the unit of the route pool and of the solution builder. */
typedef struct solver__seq {
    uint32_t vehicle;
    solver_task_ref *tasks; /* owned by whoever built the seq */
    size_t n_tasks;
    int64_t cost; /* filled by whoever evaluated it */
} solver__seq;

/* Builds a full solver_solution (steps with arrivals, waiting, loads, cumulative travel; route and
 * summary totals; unassigned = every task not on a route, with reason `reason_for_unassigned`
 * computed by solver__unassigned_reason) from n_seqs task sequences (empty ones are skipped).
 * Follows the semantics above; returns LM_INVALID with err if a sequence breaks a constraint.
 * (solver/solution.c) */
LM_MUST_USE lm_status solver__solution_build(const solver_problem *p, const solver__seq *seqs,
                                             size_t n_seqs, solver_solution **out, lm_errinfo *err);

/* Why a task that no route serves could not be served: checks skills, capacity, and whether any
 * vehicle could serve it alone on an empty route (time windows, limits); else NO_ROOM. */
solver_reason solver__unassigned_reason(const solver_problem *p, solver_step_type type,
                                        uint32_t index);

/* GLPK set partitioning over a pool of routes (solver/glpk_sp.c): chooses routes so that every
 * task is served at most once, every vehicle is used at most once, and the objective above is
 * best; `incumbent` (indices into pool, may be empty) is a feasible start. Writes the chosen
 * indices into chosen (capacity n_pool) and their count into *n_chosen. LM_TIMEOUT if GLPK found
 * nothing better than the incumbent in time_limit_ms (chosen then holds the incumbent). */
LM_MUST_USE lm_status solver__set_partition(const solver_problem *p, const solver__seq *pool,
                                            size_t n_pool, const size_t *incumbent,
                                            size_t n_incumbent, int64_t time_limit_ms,
                                            size_t *chosen, size_t *n_chosen);

/* The memo's internals (solver/memo.c). matrix_valid: true (and counted) when memo has
 * validated exactly these arrays; matrix_validated records that it has now. */
bool solver__memo_matrix_valid(solver_memo *m, size_t n, const int32_t *durations,
                               const int32_t *distances, const int32_t *costs);
void solver__memo_matrix_validated(solver_memo *m, size_t n, const int32_t *durations,
                                   const int32_t *distances, const int32_t *costs);

#endif
