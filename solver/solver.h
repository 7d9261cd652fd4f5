/* solver: the VRP engine. Pure C with GLPK as its only dependency: no I/O, JSON, HTTP or SQL.
 *
 * Units are integers everywhere: seconds, metres, amounts, and integer costs.
 * Locations are indices into the problem's matrices; turning coordinates into a matrix is geo/'s
 * job. Tasks and vehicles are referred to by their index in the order they were added.
 *
 * Ownership: solver_problem_add_* and solver_problem_set_matrix copy what they are given; the
 * caller keeps its own memory. solver_solve and solver_solve_exact hand the caller a solution to
 * free with solver_solution_destroy. All destroy functions accept NULL. */
#ifndef LASTMILE_SOLVER_H
#define LASTMILE_SOLVER_H

#include "common/common.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOLVER_MAX_DIMS      8     /* capacity / amount dimensions */
#define SOLVER_MAX_TWS       64    /* time windows per task or break */
#define SOLVER_MAX_SKILLS    64    /* skills per job or vehicle */
#define SOLVER_MAX_LOCATIONS 20000 /* matrix side */
#define SOLVER_TIME_INF      (INT64_C(1) << 50)
#define SOLVER_NONE          UINT32_MAX

/* ---- The problem ---- */

typedef struct solver_tw {
    int64_t start_s, end_s; /* service may start in [start_s, end_s] */
} solver_tw;

/* A single job: a delivery and/or pickup at one place, served by any suitable vehicle. */
typedef struct solver_job {
    uint64_t id;
    uint32_t location;
    int64_t setup_s, service_s;
    int64_t delivery[SOLVER_MAX_DIMS]; /* loaded at the depot, dropped here */
    int64_t pickup[SOLVER_MAX_DIMS];   /* collected here, carried to the route end */
    const solver_tw *tws;              /* n_tws == 0: any time */
    size_t n_tws;
    const uint32_t *skills; /* all required */
    size_t n_skills;
    uint32_t priority;     /* 0..100 */
    uint32_t only_vehicle; /* SOLVER_NONE, or the one vehicle allowed (a parcel on board) */
} solver_job;

/* One end of a shipment. */
typedef struct solver_task {
    uint64_t id;
    uint32_t location;
    int64_t setup_s, service_s;
    const solver_tw *tws;
    size_t n_tws;
} solver_task;

/* A pickup and a delivery served by the same vehicle, pickup first (returns are shipments). */
typedef struct solver_shipment {
    solver_task pickup, delivery;
    int64_t amount[SOLVER_MAX_DIMS];
    const uint32_t *skills;
    size_t n_skills;
    uint32_t priority;
    uint32_t only_vehicle; /* SOLVER_NONE or a vehicle index */
} solver_shipment;

/* VROOM's break: no location; taken on the way to the next task, so driving may go on first. */
typedef struct solver_break {
    uint64_t id;
    const solver_tw *tws; /* for the break's start */
    size_t n_tws;
    int64_t service_s;
    bool has_max_load;
    int64_t max_load[SOLVER_MAX_DIMS]; /* load on board must not exceed this during the break */
} solver_break;

typedef enum solver_step_type {
    SOLVER_STEP_START,
    SOLVER_STEP_JOB,
    SOLVER_STEP_PICKUP,   /* a shipment's pickup */
    SOLVER_STEP_DELIVERY, /* a shipment's delivery */
    SOLVER_STEP_BREAK,
    SOLVER_STEP_END,
} solver_step_type;

/* A reference to a task: job index, shipment index (pickup or delivery end) or break index. */
typedef struct solver_task_ref {
    solver_step_type type;
    uint32_t index;
} solver_task_ref;

typedef struct solver_vehicle {
    uint64_t id;
    uint32_t start, end; /* location indices, SOLVER_NONE when absent (at least one is set) */
    int64_t capacity[SOLVER_MAX_DIMS];
    solver_tw shift; /* working hours; {0, SOLVER_TIME_INF} when unset */
    const solver_break *breaks;
    size_t n_breaks;
    const uint32_t *skills;
    size_t n_skills;
    /* VROOM's vehicle costs. A route costs cost_fixed + per_hour x travel hours + per_km x km
     * travelled + per_task_hour x hours of setup and service (breaks included); the travel part
     * is rounded once per route and the task part truncated, as VROOM's output does
     * (solver/cost.c). The search works on the unrounded sum. */
    int64_t cost_fixed;         /* paid once if the vehicle is used */
    int64_t cost_per_hour;      /* per hour of travel (VROOM default 3600: cost == seconds) */
    int64_t cost_per_km;        /* per km travelled */
    int64_t cost_per_task_hour; /* per hour of setup + service (default 0) */
    uint32_t max_tasks;         /* 0: no limit */
    bool no_tasks;              /* serves nothing (VROOM's max_tasks 0) */
    int64_t max_travel_time_s;  /* 0: no limit */
    int64_t max_distance_m;     /* 0: no limit */
    double speed_factor;        /* travel time = matrix duration / speed_factor; (0, 5] */
    /* Live state for re-planning. */
    int64_t initial_load[SOLVER_MAX_DIMS]; /* on board at start, besides its deliveries */
    const solver_task_ref *fixed_steps;    /* must stay the route's first tasks, in this order */
    size_t n_fixed_steps;
} solver_vehicle;

typedef struct solver_problem solver_problem;

typedef struct solver_problem_opts {
    uint32_t n_dims; /* amount dimensions used, 0..SOLVER_MAX_DIMS */
} solver_problem_opts;

void solver_problem_opts_init(solver_problem_opts *o);
LM_MUST_USE lm_status solver_problem_create(const solver_problem_opts *o, solver_problem **out);
void solver_problem_destroy(solver_problem *p);

/* Sets the n x n matrices, row-major, durations in seconds and distances in metres (may be NULL:
 * then distances are zero). costs may be NULL: cost then follows the vehicles' cost_per_hour and
 * cost_per_km. Values must be >= 0. */
LM_MUST_USE lm_status solver_problem_set_matrix(solver_problem *p, size_t n,
                                                const int32_t *durations, const int32_t *distances,
                                                const int32_t *costs, lm_errinfo *err);
/* The same, but the problem borrows the caller's matrices instead of copying them: they must
 * stay unchanged and alive until the problem is destroyed or given another matrix. For a caller
 * that builds several problems over one matrix (a re-plan solves two to four times): on 2,000
 * stops each copy was 11 MB written and page-faulted per solve (bench/results/perf-replan.md). */
LM_MUST_USE lm_status solver_problem_share_matrix(solver_problem *p, size_t n,
                                                  const int32_t *durations,
                                                  const int32_t *distances, const int32_t *costs,
                                                  lm_errinfo *err);
/* A memo of work that solves over one shared matrix can share (solver/memo.c): the matrices'
 * validation scan and the search's neighbour lists, both O(n^2) and both the same for every
 * problem a re-plan builds over its day. A problem given a memo by
 * solver_problem_share_matrix_memo skips the scan when the memo has validated the same arrays
 * and reuses the neighbour lists when its task locations and cost basis equal those of the last
 * model built with the memo (compared in full; otherwise it builds and remembers its own). The
 * answer of a solve is the same with or without a memo. The memo must outlive every problem
 * given it, and be destroyed (or no longer given) once its matrices change or are freed.
 * Solves may share it from several threads (it locks). */
typedef struct solver_memo solver_memo;
typedef struct solver_memo_stats {
    uint64_t validations;         /* matrix sets scanned */
    uint64_t validations_skipped; /* matrix sets the memo had scanned already */
    uint64_t neighbours_built;    /* neighbour lists built and remembered */
    uint64_t neighbours_reused;   /* models that took the remembered lists */
} solver_memo_stats;
LM_MUST_USE lm_status solver_memo_create(solver_memo **out);
void solver_memo_destroy(solver_memo *m); /* NULL-safe */
void solver_memo_stats_get(solver_memo *m, solver_memo_stats *out);
/* solver_problem_share_matrix, with memo (not NULL) remembering the validation and the neighbour
 * lists for the problems that follow. */
LM_MUST_USE lm_status solver_problem_share_matrix_memo(solver_problem *p, size_t n,
                                                       const int32_t *durations,
                                                       const int32_t *distances,
                                                       const int32_t *costs, solver_memo *memo,
                                                       lm_errinfo *err);
/* Each add validates its argument (indices, windows sorted and start <= end, amounts >= 0,
 * duplicate ids) and reports the offending field in err. The matrix must be set first. */
LM_MUST_USE lm_status solver_problem_add_job(solver_problem *p, const solver_job *j,
                                             lm_errinfo *err);
LM_MUST_USE lm_status solver_problem_add_shipment(solver_problem *p, const solver_shipment *s,
                                                  lm_errinfo *err);
LM_MUST_USE lm_status solver_problem_add_vehicle(solver_problem *p, const solver_vehicle *v,
                                                 lm_errinfo *err);
/* Default fields for a job / shipment / vehicle (no windows, priority 0, speed 1, cost = time). */
void solver_job_init(solver_job *j);
void solver_shipment_init(solver_shipment *s);
void solver_vehicle_init(solver_vehicle *v);

/* Checks what can only be checked once everything is added: only_vehicle indices, fixed steps
 * task indices (each task fixed at most once, on a vehicle its only_vehicle allows). Every solve,
 * evaluate and check calls it; callers may call it early for a better error. */
LM_MUST_USE lm_status solver_problem_validate(const solver_problem *p, lm_errinfo *err);

size_t solver_problem_n_jobs(const solver_problem *p);
size_t solver_problem_n_shipments(const solver_problem *p);
size_t solver_problem_n_vehicles(const solver_problem *p);
uint32_t solver_problem_n_dims(const solver_problem *p);

/* ---- The solution ---- */

typedef struct solver_step {
    solver_step_type type;
    uint32_t index;    /* job, shipment or break index (SOLVER_NONE for start/end) */
    uint32_t location; /* SOLVER_NONE for breaks */
    int64_t arrival_s; /* arrival at the step (breaks: when the break starts) */
    int64_t waiting_s; /* waiting before service can start */
    int64_t setup_s, service_s;
    int64_t duration_s;            /* cumulative travel time from the route start */
    int64_t distance_m;            /* cumulative distance from the route start */
    int64_t load[SOLVER_MAX_DIMS]; /* on board after the step */
} solver_step;

typedef enum solver_reason {
    SOLVER_REASON_NONE,
    SOLVER_REASON_SKILLS,      /* no vehicle has the required skills */
    SOLVER_REASON_CAPACITY,    /* bigger than any vehicle that could take it */
    SOLVER_REASON_TIME_WINDOW, /* no vehicle can reach it inside a window and its shift */
    SOLVER_REASON_ROUTE_LIMIT, /* max_tasks / max_travel_time / max_distance */
    SOLVER_REASON_NO_ROOM,     /* feasible alone, but not together with better-priority work */
} solver_reason;

const char *solver_reason_text(solver_reason r);

typedef struct solver_route {
    uint32_t vehicle;
    solver_step *steps; /* start, tasks and breaks in order, end */
    size_t n_steps;
    int64_t cost;
    int64_t duration_s; /* travel */
    int64_t distance_m;
    int64_t setup_s, service_s, waiting_s;
    uint32_t priority; /* sum of served priorities */
} solver_route;

typedef struct solver_unassigned {
    solver_step_type type; /* SOLVER_STEP_JOB, or SOLVER_STEP_PICKUP for a whole shipment */
    uint32_t index;
    solver_reason reason;
} solver_unassigned;

/* Why the search ended (solver_solution.stop). */
typedef enum solver_stop {
    SOLVER_STOP_NONE,       /* no search: plan mode, exact solve, or nothing to move */
    SOLVER_STOP_CONVERGED,  /* no better solution for opts' patience (solver_patience) */
    SOLVER_STOP_TIME_LIMIT, /* opts.time_limit_ms ran out */
    SOLVER_STOP_ITERATIONS, /* opts.iterations done */
    SOLVER_STOP_CANCELLED,  /* opts.cancel became true */
} solver_stop;

/* "converged", "time_limit", "iterations", "cancelled" or "none". */
const char *solver_stop_text(solver_stop s);

typedef struct solver_solution {
    solver_route *routes; /* only vehicles that are used */
    size_t n_routes;
    solver_unassigned *unassigned;
    size_t n_unassigned;
    int64_t cost; /* sum of route costs */
    int64_t duration_s, distance_m, setup_s, service_s, waiting_s;
    uint32_t priority;    /* sum of served priorities */
    int64_t computing_ms; /* wall time of the solve */
    bool searched;        /* made by solver_solve (false for solver_evaluate, solve_exact) */
    uint64_t iterations;  /* ruin-and-recreate iterations of each search thread */
    /* True when the search ran its full opts.iterations budget (the clock never stopped it, no
     * cancel), or had nothing to search: the same input, seed and threads give this answer again
     * on any machine. False for time-limited and cut-short runs. */
    bool reproducible;
    solver_stop stop;     /* why the search ended */
    size_t seeds_dropped; /* seed routes left out as invalid (opts.seed_lenient) */
} solver_solution;

void solver_solution_destroy(solver_solution *s);

/* ---- Solving ---- */

typedef struct solver_progress {
    int64_t elapsed_ms;
    int64_t best_cost;
    size_t unassigned;
    uint64_t iterations;
} solver_progress;

/* What is reproducible. With iterations > 0 and the same problem, seed, threads and
 * use_set_partitioning, a build gives the same routes and cost on any machine, however fast or
 * loaded: every decision of the search (its annealing schedule, when searches exchange their
 * best, how long GLPK recombines) is taken on iteration and node counts, never on the clock; the
 * threads meet at barriers between fixed blocks of iterations and the best of them is picked by
 * index on ties; the random numbers come from a generator seeded per thread; the float
 * arithmetic uses no library functions (its own exp/log) and no fused multiply-add, so it
 * is the same on any IEEE-754 machine. solution->reproducible says whether a run was such a run.
 *
 * What is not: a time-limited run (iterations == 0). There the clock decides when the search
 * stops, how far its anneal has cooled, how long the first local search may polish and how long
 * each GLPK recombination may take; all of these depend on the machine and its load, so the same
 * seed can give a different answer from one run to the next (R101, 1 s, 1 thread, seed 1 gave
 * 16448152 twice and then 16428766). The seed still fixes every random choice along the way. Also
 * not reproducible: an iteration-budgeted run that time_limit_ms (then a safety stop) or cancel cut
 * short. computing_ms and progress reports are wall-clock figures in every mode. */
typedef struct solver_opts {
    int64_t time_limit_ms; /* always set: the search stops by then (default 5000) */
    /* 0 (default): the search is budgeted by time_limit_ms. > 0: every search thread runs
     * exactly this many ruin-and-recreate iterations and GLPK gets fixed node budgets, so the
     * answer is reproducible (above); time_limit_ms is then only a safety stop. */
    uint64_t iterations;
    unsigned threads;          /* parallel searches sharing the best solution (default 1) */
    uint64_t seed;             /* random seed (default 1); see above for what it reproduces */
    bool use_set_partitioning; /* GLPK recombination of the route pool (default true) */
    uint32_t move_penalty;     /* cost per task moved off its fixed_steps vehicle (re-planning) */
    /* Return the first feasible answer, the constructed start after its local search, instead
     * of searching until time_limit_ms (which then only caps the local search). Tasks the
     * construction leaves out stay out: a re-plan wants a feasible answer at once and takes a
     * searching solve's answer when it is better (default false). */
    bool stop_at_feasible;
    /* A starting point (VROOM's steps in solving mode), not a constraint: NULL, or per vehicle
     * seed_lens[v] task refs that start its route after its fixed steps (breaks are skipped).
     * LM_INVALID if one is not a valid route. Borrowed for the call. */
    const solver_task_ref *const *seed_routes;
    const size_t *seed_lens;
    /* With seed_routes: a vehicle's seed that is not a valid route (a window a delay made
     * unreachable, ...) is dropped, its route left to the construction, instead of LM_INVALID;
     * the number dropped is in the solution's seeds_dropped (re-plan repair, default false). */
    bool seed_lenient;
    /* With stop_at_feasible: answer with the constructed start as it is, without the local
     * search that polishes it (the re-plan's repair of its live routes, default false). */
    bool start_unpolished;
    /* Called from the search roughly every 100 ms with the best so far; may be NULL. */
    void (*on_progress)(const solver_progress *p, void *ud);
    void *progress_ud;
    /* When set and it becomes true, the search stops at its next check (within milliseconds)
     * and returns the best solution so far: a server shutting down need not wait out the time
     * limit. May be NULL. */
    const atomic_bool *cancel;
    /* true (default): a time-limited search also ends once it has converged, i.e. its anneal is
     * cold (by the time limit, or after 20 x solver_patience() iterations, whichever comes first)
     * and it found nothing better for solver_patience() iterations, so a settled answer does not
     * wait out the limit. Ignored with iterations > 0 (that budget is exact). */
    bool stop_when_converged;
    /* false (default): time_limit_ms is wall-clock time. true, with threads == 1: it counts the
     * CPU time of the solving thread (CLOCK_THREAD_CPUTIME_ID), for benchmarks on a shared machine
     * where builds compared in one run must get equal work whatever their share of a core. GLPK's
     * own limits (set partitioning) stay wall-clock: under load it gets at most its share. Ignored
     * with more threads. */
    bool cpu_time;
} solver_opts;

void solver_opts_init(solver_opts *o);

/* Iterations without a better solution after which a time-limited search counts as converged,
 * for a problem of n_tasks tasks: 2,000 + 10 n^2 (10 tasks: 3,000 iterations, tens of
 * milliseconds; 100 tasks: 102,000, about 2.5 s here; 300 tasks: minutes, i.e. the time limit
 * decides). Quadratic because the number of distinct moves grows with n^2; large enough that the
 * 1 s benchmark runs of 100+ tasks are never cut short by it. */
uint64_t solver_patience(size_t n_tasks);

/* Solves p heuristically within o->time_limit_ms (or o->iterations). On success *out is a solution
 * that passes solver_check. Returns LM_INVALID (with err) for an inconsistent problem. */
LM_MUST_USE lm_status solver_solve(const solver_problem *p, const solver_opts *o,
                                   solver_solution **out, lm_errinfo *err);

/* Proves the optimum with a GLPK MIP; for tiny instances (jobs only, <= ~10). LM_TOO_BIG beyond
 * the supported size, LM_TIMEOUT if GLPK did not prove optimality in the time limit. */
LM_MUST_USE lm_status solver_solve_exact(const solver_problem *p, const solver_opts *o,
                                         solver_solution **out, lm_errinfo *err);

/* Evaluates the given routes exactly as they are (plan mode / hand edits): computes arrivals,
 * loads and costs, and reports every violated constraint in err (first one) and the checker. */
LM_MUST_USE lm_status solver_evaluate(const solver_problem *p, const solver_task_ref *const *routes,
                                      const size_t *route_lens, const uint32_t *vehicles,
                                      size_t n_routes, solver_solution **out, lm_errinfo *err);

/* ---- Plan mode: given routes, chosen times, reported violations (solver/plan.c) ----
 * VROOM's -c: every constraint becomes soft. Each route keeps its steps in the given order; the
 * start times minimise the total lead time and delay, then the makespan, then the starts (a GLPK
 * MIP, VROOM's choose_ETA). Violations are reported per step, per route and in total. */

typedef enum solver_violation {
    SOLVER_VIOL_LEAD_TIME, /* service starts before its window (duration: how early) */
    SOLVER_VIOL_DELAY,     /* ... after it (duration: how late) */
    SOLVER_VIOL_LOAD,
    SOLVER_VIOL_MAX_TASKS,
    SOLVER_VIOL_SKILLS,
    SOLVER_VIOL_PRECEDENCE,
    SOLVER_VIOL_MISSING_BREAK,
    SOLVER_VIOL_MAX_TRAVEL_TIME,
    SOLVER_VIOL_MAX_LOAD,
    SOLVER_VIOL_MAX_DISTANCE,
    SOLVER_VIOL_COUNT
} solver_violation;

typedef struct solver_violations {
    uint8_t causes[SOLVER_VIOL_COUNT]; /* solver_violation values, each once, in report order */
    uint8_t n;
    int64_t lead_time_s, delay_s;
} solver_violations;

/* A step of a planned route; service_* are hard bounds on its start (VROOM's vehicle_step). */
typedef struct solver_plan_step {
    solver_step_type type; /* START / END may be omitted (they are added) */
    uint32_t index;        /* task, shipment or break index */
    bool has_at, has_after, has_before;
    int64_t at_s, after_s, before_s;
    /* A task's setup and service on this vehicle when they differ from the task's own (VROOM's
     * setup_per_type / service_per_type for the vehicle's type). */
    bool has_setup, has_service;
    int64_t setup_s, service_s;
} solver_plan_step;

typedef struct solver_plan_route {
    uint32_t vehicle;
    const solver_plan_step *steps;
    size_t n_steps;
} solver_plan_route;

typedef struct solver_plan_report {
    solver_violations summary;
    solver_violations *route; /* per route of the solution */
    solver_violations **step; /* step[r][k]: step k of route r */
    size_t n_routes;
} solver_plan_report;

/* Evaluates the routes (one per vehicle, each task at most once overall) as VROOM's plan mode
 * does: every route has start and end steps (located at the first / last task when the vehicle
 * has none), unassigned is empty (the caller knows which tasks no step names). LM_INVALID for a
 * malformed route or "Infeasible route for vehicle N" when service_* bounds conflict. *out and
 * *report are the caller's (solver_solution_destroy, solver_plan_report_destroy). */
LM_MUST_USE lm_status solver_plan(const solver_problem *p, const solver_plan_route *routes,
                                  size_t n_routes, solver_solution **out,
                                  solver_plan_report **report, lm_errinfo *err);
void solver_plan_report_destroy(solver_plan_report *r);

/* ---- Independent feasibility checker (solver/check.c) ---- */

typedef struct solver_check_report {
    size_t n_violations;
    char first[256]; /* a sentence describing the first violation */
    int64_t recomputed_cost;
} solver_check_report;

/* Verifies every constraint of s against p and recomputes its cost without using any of the
 * search's data structures. LM_OK if s is feasible and its numbers are right. */
LM_MUST_USE lm_status solver_check(const solver_problem *p, const solver_solution *s,
                                   solver_check_report *report);

const char *solver_glpk_version(void);

#endif
