/* The route pool of a search (solver/route_pool.c): distinct good routes met during the search,
 * recombined by GLPK set partitioning (solver/glpk_sp.c). Internal to solver/. */
#ifndef LASTMILE_SOLVER_ROUTE_POOL_H
#define LASTMILE_SOLVER_ROUTE_POOL_H

#include "solver/route.h"

#define POOL_CAP 20000

/* Distinct good routes met during the search (worker 0's), as task sequences. */
typedef struct solver__pool {
    solver__seq *seqs;
    size_t n, cap;   /* cap: POOL_CAP plus room for one solution's routes */
    uint64_t *hash;  /* per seq */
    size_t *table;   /* open addressing over hashes: index + 1, 0 = empty */
    size_t tcap;     /* power of two, >= 2 * cap */
    bool recycle;    /* full: start over with the routes met from now on (pool_add_sol) */
    uint64_t clears; /* times a recycling pool started over */
} solver__pool;

void solver__pool_free(solver__pool *pl);
LM_MUST_USE lm_status solver__pool_init(solver__pool *pl, size_t n_vehicles);
/* The task ref of a search node. */
solver_task_ref solver__node_ref(const solver__model *m, uint32_t node);
/* Adds s's routes: met during the search (up to POOL_CAP; a recycling pool that is full starts
 * over), or the incumbent's (always, into the rest of the capacity). True if every route is in
 * the pool now (none skipped for room or memory). */
bool solver__pool_add_sol(const solver__model *m, solver__pool *pl, const solver__sol *s,
                          bool incumbent);
/* The same as solver__pool_add_sol(m, pl, s, false) for a solution whose routes outside its
 * touched list all went into the pool (a call that returned true) while pl->clears was `clears`:
 * only the touched ones are looked at (all of them if scratch has fewer than n_touched entries). */
bool solver__pool_add_touched(const solver__model *m, solver__pool *pl, const solver__sol *s,
                              uint64_t clears, uint32_t *scratch, size_t n_scratch);

#endif
