/* The route pool of a search: distinct good routes (per vehicle class) as task sequences, hashed
 * so that a route met again is not stored twice. */
#include "solver/route_pool.h"

#include <string.h>

void solver__pool_free(solver__pool *pl) {
    for (size_t i = 0; i < pl->n; i++)
        lm_free(pl->seqs[i].tasks);
    lm_free(pl->seqs);
    lm_free(pl->hash);
    lm_free(pl->table);
    memset(pl, 0, sizeof *pl);
}

lm_status solver__pool_init(solver__pool *pl, size_t n_vehicles) {
    memset(pl, 0, sizeof *pl);
    pl->cap = POOL_CAP + n_vehicles;
    pl->tcap = 65536;
    while (pl->tcap < 2 * pl->cap)
        pl->tcap *= 2;
    pl->seqs = lm_calloc(pl->cap, sizeof *pl->seqs);
    pl->hash = lm_calloc(pl->cap, sizeof *pl->hash);
    pl->table = lm_calloc(pl->tcap, sizeof *pl->table);
    if (!pl->seqs || !pl->hash || !pl->table) {
        solver__pool_free(pl);
        return LM_NOMEM;
    }
    return LM_OK;
}

solver_task_ref solver__node_ref(const solver__model *m, uint32_t node) {
    const solver__node *nd = &m->nodes[node];
    solver_step_type t = nd->kind == SOLVER__JOB        ? SOLVER_STEP_JOB
                         : nd->kind == SOLVER__PICKUP   ? SOLVER_STEP_PICKUP
                         : nd->kind == SOLVER__DELIVERY ? SOLVER_STEP_DELIVERY
                                                        : SOLVER_STEP_BREAK;
    return (solver_task_ref){t, nd->index};
}

/* Adds route rt (non-empty) unless an identical one (same vehicle class) is already there or
 * the pool holds `limit` routes. */
static void pool_add(const solver__model *m, solver__pool *pl, const solver__route *rt,
                     size_t limit) {
    if (pl->n >= limit || rt->n == 0) return;
    uint64_t h = 1469598103934665603ULL ^ m->vclass[rt->vehicle];
    for (uint32_t i = 0; i < rt->n; i++)
        h = (h ^ rt->nodes[i]) * 1099511628211ULL;
    size_t mask = pl->tcap - 1, at = (size_t)h & mask;
    while (pl->table[at]) {
        const solver__seq *q = &pl->seqs[pl->table[at] - 1];
        if (pl->hash[pl->table[at] - 1] == h && q->n_tasks == rt->n &&
            m->vclass[q->vehicle] == m->vclass[rt->vehicle]) {
            bool same = true;
            for (uint32_t i = 0; i < rt->n && same; i++) {
                solver_task_ref r = solver__node_ref(m, rt->nodes[i]);
                same = q->tasks[i].type == r.type && q->tasks[i].index == r.index;
            }
            if (same) return;
        }
        at = (at + 1) & mask;
    }
    solver_task_ref *t = lm_reallocarray(NULL, rt->n, sizeof *t);
    if (!t) return; /* the pool is an optimisation: skip the route */
    for (uint32_t i = 0; i < rt->n; i++)
        t[i] = solver__node_ref(m, rt->nodes[i]);
    pl->seqs[pl->n] = (solver__seq){rt->vehicle, t, rt->n, rt->cost};
    pl->hash[pl->n] = h;
    pl->table[at] = ++pl->n;
}

/* Empties the pool (its memory is kept). */
static void pool_clear(solver__pool *pl) {
    for (size_t i = 0; i < pl->n; i++)
        lm_free(pl->seqs[i].tasks);
    pl->n = 0;
    memset(pl->table, 0, pl->tcap * sizeof *pl->table);
}

/* Routes met during the search fill the pool up to POOL_CAP; the incumbent's routes may always
 * go in (the rest of the capacity), so that set partitioning can start from it. A recycling pool
 * that is full starts over instead of ignoring what comes: the routes of the end of an anneal,
 * the good ones, would otherwise never reach the final recombination (on X-n261 the pool was
 * full at 60 % of a 10 s search). */
void solver__pool_add_sol(const solver__model *m, solver__pool *pl, const solver__sol *s,
                          bool incumbent) {
    if (!incumbent && pl->recycle && pl->n >= POOL_CAP) pool_clear(pl);
    for (size_t r = 0; r < s->n_routes; r++)
        if (s->routes[r].n > 0 && (incumbent || s->routes[r].n > s->routes[r].n_fixed))
            pool_add(m, pl, &s->routes[r], incumbent ? pl->cap : POOL_CAP);
}
