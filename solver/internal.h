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

struct solver_problem {
    uint32_t n_dims;
    size_t n;                               /* matrix side */
    int32_t *durations, *distances, *costs; /* distances/costs may be NULL */
    solver__job *jobs;
    size_t n_jobs, cap_jobs;
    solver__shipment *shipments;
    size_t n_shipments, cap_shipments;
    solver__vehicle *vehicles;
    size_t n_vehicles, cap_vehicles;
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

/* Cost of vehicle v driving a -> b. With a costs matrix it is that cell; otherwise
 * (per_hour * seconds + per_km * metres * 3.6) / 3600, rounded to nearest per edge, so the
 * defaults (per_hour 3600, per_km 0) make cost equal to travel seconds. */
static inline int64_t solver__edge_cost(const solver_problem *p, const solver__vehicle *v,
                                        uint32_t a, uint32_t b) {
    if (p->costs) return p->costs[(size_t)a * p->n + b];
    int64_t num = v->pub.cost_per_hour * solver__duration(p, v, a, b) * 10 +
                  v->pub.cost_per_km * solver__distance(p, a, b) * 36;
    return (num + 18000) / 36000;
}

/* True if every skill in need is in have (both sorted). */
bool solver__skills_cover(const solver__skills *have, const solver__skills *need);

/* Earliest service start >= t inside one of tws; SOLVER_TIME_INF if none is left. */
int64_t solver__tws_earliest(const solver__tws *tws, int64_t t);

#endif
