/* The search's view of a problem (nodes, units, vehicle classes, neighbours) and its routes with
 * cached per-route data (loads, earliest/latest times) for O(1) insertion checks. Internal.
 * Ownership: a model borrows its problem (which must outlive it); a solution owns its routes'
 * arrays; functions taking scratch buffers never keep them. */
#ifndef LASTMILE_SOLVER_ROUTE_H
#define LASTMILE_SOLVER_ROUTE_H

#include "solver/internal.h"

/* Node kinds: what the search moves around. */
enum { SOLVER__JOB, SOLVER__PICKUP, SOLVER__DELIVERY, SOLVER__BREAK };

/* One step the search can place: a job, one end of a shipment, or a fixed break. */
typedef struct solver__node {
    uint32_t loc; /* SOLVER_NONE for a break */
    int64_t setup, service;
    const solver__tws *tws;
    int64_t start_add[SOLVER_MAX_DIMS]; /* added to the route's start load (job deliveries) */
    int64_t delta[SOLVER_MAX_DIMS];     /* load change at the step */
    uint32_t unit;                      /* the unit it belongs to (SOLVER_NONE for a break) */
    uint32_t partner;                   /* the other end of a shipment, else SOLVER_NONE */
    uint8_t kind;
    uint32_t index; /* job, shipment or break index */
} solver__node;

/* What is assigned or not: a job, or a whole shipment (two nodes). */
typedef struct solver__unit {
    uint32_t first, second; /* node ids; second is SOLVER_NONE for a job */
    uint32_t priority;
    uint32_t weight; /* tasks it counts for (1 or 2) */
    const solver__skills *skills;
    uint32_t only_vehicle;
    bool fixed;      /* part of some vehicle's fixed steps: never moved */
    int64_t size;    /* largest amount, for ordering */
    int64_t tw_span; /* width of its first window (SOLVER_TIME_INF if none), for ordering */
} solver__unit;

typedef struct solver__model {
    const solver_problem *p;
    uint32_t dims;
    solver__node *nodes;
    uint32_t *node_loc;           /* per node: nodes[i].loc, packed for the insertion scans */
    size_t n_nodes, n_task_nodes; /* task nodes first, then fixed-break nodes */
    solver__unit *units;
    size_t n_units;
    uint32_t *vclass; /* per vehicle: its class (interchangeable vehicles share one) */
    size_t n_classes;
    uint32_t *nbr; /* n_task_nodes x k_nbr nearest task nodes (by travel cost) */
    uint32_t k_nbr;
    uint32_t k_ls;            /* neighbours the local-search operators look at (<= k_nbr) */
    int64_t ls_deadline_ns;   /* operators stop scanning after this (solver__now_ns) */
    bool cpu_clock;           /* solver_opts.cpu_time: the search's clock is thread CPU time */
    uint32_t granular_routes; /* recreate tries only nearby routes beyond this many used */
    uint8_t *cost_mode;       /* per vehicle: COST_DURATION, COST_MATRIX or COST_FORMULA */
    bool any_setup;
    bool any_shipment;
    bool any_tw;
    bool spare_fleet; /* the vehicles hold twice the tasks' largest amounts (construct/upgrade.c) */
    bool all_fit;     /* solver__unit_fits holds for every unit and vehicle (solver/all_fit.c) */
    int64_t total_priority, total_weight;
} solver__model;

/* ---- The model (solver/model.c) ---- */

struct solver__sol;
LM_MUST_USE lm_status solver__model_create(const solver_problem *p, solver__model **out);
/* The same; defer_nbr: no neighbour lists yet (a seeded repair builds the rows it needs after
 * seeding, solver__build_neighbour_rows). */
LM_MUST_USE lm_status solver__model_create_nbr(const solver_problem *p, bool defer_nbr,
                                               solver__model **out);
void solver__model_destroy(solver__model *m);
/* Fills m->nbr / k_nbr / k_ls from the task nodes' locations (solver/neighbours.c). */
LM_MUST_USE lm_status solver__build_neighbours(solver__model *m);
/* The same for a seeded start s that is only completed by insertion: the memo's lists when it
 * holds them, else only the rows of the units s leaves unassigned (the ones insertion reads),
 * O(units to insert x task nodes) instead of the O(n^2) build; the other rows list arbitrary
 * nodes and must not be searched (no local search runs on such a model). */
LM_MUST_USE lm_status solver__build_neighbour_rows(solver__model *m, const struct solver__sol *s);
/* The memo's neighbour lists (solver/memo.c): get fills m->nbr / k_nbr / k_ls and returns true
 * when the memo holds lists for m's key; put remembers m's lists. */
bool solver__memo_nbr_get(solver_memo *memo, solver__model *m);
void solver__memo_nbr_put(solver_memo *memo, const solver__model *m);
/* Can unit u go on vehicle v at all (skills, only_vehicle, its amounts alone vs capacity)?
 * (solver/route.c) */
bool solver__unit_fits(const solver__model *m, uint32_t u, uint32_t v);
/* True when solver__unit_fits holds for every unit and vehicle (solver/all_fit.c). */
bool solver__all_units_fit(const solver__model *m);

/* A route with its caches. Index arrays have n entries (loads n+1: load[0] is the start load). */
typedef struct solver__route {
    uint32_t vehicle;
    uint32_t n_fixed; /* leading nodes that never move */
    uint32_t n, cap;
    uint32_t *nodes;
    int64_t *begin;   /* service begin time */
    int64_t *dep;     /* departure: begin + setup + service */
    int64_t *latest;  /* latest begin keeping the rest feasible (valid when !complex) */
    int64_t *load;    /* (n+1) x dims */
    int64_t *fmax;    /* (n+1) x dims: max of load[0..i] */
    int64_t *bmax;    /* (n+1) x dims: max of load[i..n] */
    int64_t cost;     /* 0 when unused */
    int64_t travel_s; /* sum of travel durations */
    int64_t dist_m;   /* sum of distances (0 on a plain route without max_distance_m) */
    uint32_t n_tasks; /* task steps (not breaks) */
    bool complex;     /* breaks: checks need a full simulation */
    bool feasible;
} solver__route;

/* A full solution: one route per vehicle (possibly empty). */
typedef struct solver__sol {
    solver__route *routes;
    size_t n_routes;
    size_t n_units, n_nodes;
    uint32_t dims;
    uint8_t *assigned;  /* per unit */
    uint32_t *at_route; /* per node: route index or SOLVER_NONE */
    uint32_t *at_pos;   /* per node: position in its route */
    int64_t cost;
    int64_t unserved_priority, unserved_weight;
    uint32_t *touched; /* routes changed since the last solver__sol_untouch */
    size_t n_touched;
    uint8_t *is_touched;
} solver__sol;

LM_MUST_USE lm_status solver__sol_init(const solver__model *m, solver__sol *s);
void solver__sol_free(solver__sol *s);
LM_MUST_USE lm_status solver__sol_copy(solver__sol *dst, const solver__sol *src);
/* Makes dst equal to src on the routes `changed` has touched (and on the totals): the cheap way
 * to accept (dst = cur, src = changed = tmp) or undo (dst = changed = tmp, src = cur) an
 * iteration when the two differ only there. Then clears changed's list. */
LM_MUST_USE lm_status solver__sol_sync(solver__sol *dst, const solver__sol *src,
                                       solver__sol *changed);
/* Forgets the touched list. */
void solver__sol_untouch(solver__sol *s);
/* Recomputes a route's caches, positions and the solution totals; false if infeasible. */
bool solver__sol_update_route(const solver__model *m, solver__sol *s, uint32_t r);
void solver__sol_totals(const solver__model *m, solver__sol *s);
/* The same in O(touched routes + n) when s is ref changed only on s's touched routes and in the
 * assignment of units[0..n) (distinct): the totals of a ruin and recreate of ref. */
void solver__sol_totals_from(const solver__model *m, solver__sol *s, const solver__sol *ref,
                             const uint32_t *units, size_t n);
/* Lexicographic objective: < 0 if a is better than b. */
int solver__sol_compare(const solver__sol *a, const solver__sol *b);

/* Appends o->seed_routes (VROOM's steps in solving mode) to the start solution s after the fixed
 * steps, as movable tasks; LM_INVALID naming the vehicle if a seed is not a valid route.
 * (solver/seed.c) */
LM_MUST_USE lm_status solver__sol_seed(const solver__model *m, solver__sol *s, const solver_opts *o,
                                       size_t *dropped, lm_errinfo *err);

/* Makes room for extra nodes in route r. */
LM_MUST_USE lm_status solver__route_reserve(solver__route *rt, uint32_t n, uint32_t dims);
/* Inserts node x at position pos of rt's node list (no cache update). */
void solver__route_insert_raw(solver__route *rt, uint32_t pos, uint32_t x);
void solver__route_remove_raw(solver__route *rt, uint32_t pos);

/* The break placement the simulation chose (for building the output). */
typedef struct solver__trace {
    solver_task_ref *refs; /* capacity: n + n_breaks */
    size_t n;
} solver__trace;

/* Simulates vehicle v on nodes[0..n) (the route semantics of internal.h, breaks placed greedily).
 * Fills rt's caches when rt != NULL (rt->nodes must then be nodes), the task sequence with breaks
 * when tr != NULL. Returns feasibility; *cost gets the route cost (0 for an unused vehicle). */
bool solver__route_sim(const solver__model *m, uint32_t v, const uint32_t *nodes, size_t n,
                       size_t n_fixed, solver__route *rt, solver__trace *tr, int64_t *cost);

enum { SOLVER__COST_DURATION, SOLVER__COST_MATRIX, SOLVER__COST_FORMULA };

/* A plain vehicle: no breaks and no per-task cost on it, no windows, setups or shipments in the
 * model, and a search cost read from one matrix. Its routes take solver/route.c's short
 * simulation (a step begins on arrival). */
static inline bool solver__vehicle_plain(const solver__model *m, uint32_t v) {
    const solver_vehicle *pv = &m->p->vehicles[v].pub;
    return !m->any_tw && !m->any_setup && !m->any_shipment && pv->n_breaks == 0 &&
           !pv->cost_per_task_hour && m->cost_mode[v] != SOLVER__COST_FORMULA;
}

/* Edge cost for vehicle v; SOLVER_NONE on either side costs 0. The hot path of the search: the
 * common cases (cost == travel seconds, or a costs matrix) avoid the per-edge division. */
static inline int64_t solver__cost(const solver__model *m, uint32_t v, uint32_t a, uint32_t b) {
    if (a == SOLVER_NONE || b == SOLVER_NONE) return 0;
    const solver_problem *p = m->p;
    switch (m->cost_mode[v]) {
    case SOLVER__COST_DURATION: return p->durations[(size_t)a * p->n + b];
    case SOLVER__COST_MATRIX: return p->costs[(size_t)a * p->n + b];
    default: return solver__edge_cost(p, &p->vehicles[v], a, b);
    }
}

/* Cost change of inserting node x before position pos of rt (pos == n: at the end). */
int64_t solver__insert_delta(const solver__model *m, const solver__route *rt, uint32_t pos,
                             uint32_t x);
/* Is inserting job node x before pos feasible? O(1) when the route is simple. scratch holds
 * rt->n + 2 entries. */
bool solver__insert_ok(const solver__model *m, const solver__route *rt, uint32_t pos, uint32_t x,
                       uint32_t *scratch);
/* insert_ok's O(1) part alone when !decide: false means infeasible for sure, true means a
 * simulation must still decide for routes with breaks (or setups next to the gap). */
bool solver__insert_screen(const solver__model *m, const solver__route *rt, uint32_t pos,
                           uint32_t x, uint32_t *scratch, bool decide);
/* Is inserting a shipment (pickup px before pos1, delivery dx before pos2 of the original route,
 * pos1 <= pos2) feasible? */
bool solver__insert_pair_ok(const solver__model *m, const solver__route *rt, uint32_t pos1,
                            uint32_t px, uint32_t pos2, uint32_t dx, uint32_t *scratch);
/* Cost change of removing the node at pos from rt (the whole route cost if it empties it). */
int64_t solver__remove_delta(const solver__model *m, const solver__route *rt, uint32_t pos);
/* Fills rt's fmax / bmax from its load[0..n] (one dimension, the common case, apart). */
void solver__load_maxima(solver__route *rt, size_t n, uint32_t dims);
/* solver__sol_update_route after job node rt->nodes[pos] went in by solver__route_insert_raw,
 * for a feasible plain route staying feasible: the caches follow in O(n) additions from three
 * matrix cells instead of a simulation (solver/route_insert.c); otherwise the simulation. */
bool solver__sol_insert_update(const solver__model *m, solver__sol *s, uint32_t r, uint32_t pos);
/* Replaces rt's nodes by nodes[0..n) and recomputes s's caches; false if infeasible. */
LM_MUST_USE bool solver__sol_set_route(const solver__model *m, solver__sol *s, uint32_t r,
                                       const uint32_t *nodes, size_t n);
/* Replaces route r1 by a[0..na) and, if r2 != SOLVER_NONE, route r2 by b[0..nb), when every node
 * fits its vehicle, both routes are feasible and the total cost drops. a and b must not overlap
 * the routes' own arrays. Returns true if applied. */
bool solver__try_routes(const solver__model *m, solver__sol *s, uint32_t r1, const uint32_t *a,
                        size_t na, uint32_t r2, const uint32_t *b, size_t nb);
/* Location of the node at position i of rt, the start for i < 0 and the end for i >= n. */
static inline uint32_t solver__loc_at(const solver__model *m, const solver__route *rt, int64_t i) {
    if (i < 0) return m->p->vehicles[rt->vehicle].pub.start;
    if (i >= rt->n) return m->p->vehicles[rt->vehicle].pub.end;
    return m->nodes[rt->nodes[i]].loc;
}
/* Full check of an arbitrary node sequence for vehicle v. */
bool solver__seq_ok(const solver__model *m, uint32_t v, const uint32_t *nodes, size_t n,
                    size_t n_fixed, int64_t *cost);

/* ---- Insertion (construct/insertion.c) ---- */

/* Deterministic xorshift generator. */
typedef struct solver__rng {
    uint64_t s;
} solver__rng;
uint64_t solver__rng_next(solver__rng *r);
double solver__rng_unit(solver__rng *r); /* [0, 1) */
uint32_t solver__rng_below(solver__rng *r, uint32_t n);

/* exp and log from basic arithmetic only (detmath.c): bit-identical on every IEEE-754 machine,
 * unlike libm's, so that a seed reproduces a search anywhere. det_log(x <= 0) is -inf. */
double solver__det_log(double x);
double solver__det_exp(double x);

/* Inserts units[0..n) one by one at their cheapest feasible place (each position skipped with
 * probability blink); units that fit nowhere stay unassigned. scratch: n_nodes + 2 entries. */
LM_MUST_USE lm_status solver__recreate(const solver__model *m, solver__sol *s,
                                       const uint32_t *units, size_t n, double blink,
                                       solver__rng *rng, uint32_t *scratch);
/* The same without the solution totals (s->cost, unserved): the caller updates them, e.g. with
 * solver__sol_totals_from. */
LM_MUST_USE lm_status solver__recreate_raw(const solver__model *m, solver__sol *s,
                                           const uint32_t *units, size_t n, double blink,
                                           solver__rng *rng, uint32_t *scratch);
/* Builds a first solution by parallel cheapest insertion (regret-2 for small instances). */
LM_MUST_USE lm_status solver__construct_insertion(const solver__model *m, solver__sol *s,
                                                  bool regret);
/* Upgrade on insert (construct/upgrade.c): job unit u joins a nearby route whose load leaves it
 * no room, that route moving to idle[class] (per class: an idle route, or SOLVER_NONE) of a
 * bigger type. *best (delta = cost change) is improved when such a move beats best->delta.
 * scratch: n_nodes + 2 entries. */
typedef struct solver__upgrade {
    int64_t delta;
    uint32_t from, to; /* routes: from is emptied, to takes its tasks and the job */
} solver__upgrade;
void solver__upgrade_best(const solver__model *m, const solver__sol *s, uint32_t u,
                          const uint32_t *idle, uint32_t *scratch, solver__upgrade *best);
/* Applies it (cheapest place on the new vehicle); false only if a route cannot be stored. */
LM_MUST_USE bool solver__upgrade_apply(const solver__model *m, solver__sol *s, uint32_t u,
                                       const solver__upgrade *up, uint32_t *scratch);
/* Clarke-Wright savings for capacity-only problems; falls back to insertion for leftovers. */
LM_MUST_USE lm_status solver__construct_savings(const solver__model *m, solver__sol *s);

/* The search's clock (solver/clock.c): lm_mono_ns, or the thread's CPU time when m->cpu_clock. */
int64_t solver__now_ns(const solver__model *m);
int64_t solver__thread_cpu_ns(void);

/* True once the local search should stop (checked every 64 nodes by the operators). */
static inline bool solver__ls_timeout(const solver__model *m, uint32_t x) {
    return (x & 63) == 0 && solver__now_ns(m) > m->ls_deadline_ns;
}

/* ---- Local search (one file per operator in ops/): each applies improving moves until none; true
 * if improved ---- */
bool solver__op_relocate(const solver__model *m, solver__sol *s, uint32_t *scratch);
bool solver__op_swap(const solver__model *m, solver__sol *s, uint32_t *scratch);
bool solver__op_or_opt(const solver__model *m, solver__sol *s, uint32_t *scratch);
bool solver__op_two_opt(const solver__model *m, solver__sol *s, uint32_t *scratch);
bool solver__op_two_opt_star(const solver__model *m, solver__sol *s, uint32_t *scratch);
bool solver__op_cross(const solver__model *m, solver__sol *s, uint32_t *scratch);
bool solver__op_swap_star(const solver__model *m, solver__sol *s, uint32_t *scratch);
/* ops/fleet.c: whole routes to cheaper vehicles (idle ones, or swapped with another route). */
bool solver__op_fleet(const solver__model *m, solver__sol *s, uint32_t *scratch);

/* ---- The driver (search.c) ---- */

/* ---- Variant (variant.c) ---- */
typedef enum solver__variant {
    SOLVER__CVRP,  /* capacity only */
    SOLVER__VRPTW, /* time windows / shifts / limits */
    SOLVER__PDP,   /* shipments */
} solver__variant;

typedef struct solver__params {
    solver__variant variant;
    bool use_savings;         /* construction */
    bool use_regret;          /* construction */
    double avg_removed;       /* SISR c-bar */
    uint32_t max_string;      /* SISR L_max */
    double t0, tf;            /* SA temperatures, relative to the mean cost per task */
    double blink;             /* recreate blink rate */
    uint32_t granular_routes; /* see solver__model */
} solver__params;

void solver__variant_params(const solver__model *m, solver__params *out);

/* ---- Mixed fleets (mixed_fleet.c) ---- */
/* Vehicles of different capacities or costs? */
bool solver__mixed_fleet(const solver__model *m);
/* The search parameters a mixed fleet changes (called by solver__variant_params last). */
void solver__mixed_fleet_params(const solver__model *m, solver__params *o);

#endif
