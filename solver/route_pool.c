/* The route pool of a search: distinct good routes (per vehicle class) as task sequences, hashed
 * so that a route met again is not stored twice. */
#include "solver/route_pool.h"

#ifdef LM_SEARCH_PARANOID
#include <stdlib.h>
#endif
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

/* Does the stored sequence hold rt's tasks in rt's order? A job's node is its index (model.c),
 * so jobs compare without reading the node table (the routes met again are most of the calls). */
static bool same_tasks(const solver__model *m, const solver_task_ref *t, const solver__route *rt) {
    uint32_t nj = (uint32_t)m->p->n_jobs;
    for (uint32_t i = 0; i < rt->n; i++) {
        uint32_t x = rt->nodes[i];
        solver_task_ref r = x < nj ? (solver_task_ref){SOLVER_STEP_JOB, x} : solver__node_ref(m, x);
        if (t[i].type != r.type || t[i].index != r.index) return false;
    }
    return true;
}

/* Adds route rt (non-empty) unless an identical one (same vehicle class) is already there or
 * the pool holds `limit` routes; false if it had to skip the route for room or memory. */
static bool pool_add(const solver__model *m, solver__pool *pl, const solver__route *rt,
                     size_t limit) {
    if (rt->n == 0) return true;
    if (pl->n >= limit) return false;
    uint64_t h = 1469598103934665603ULL ^ m->vclass[rt->vehicle];
    for (uint32_t i = 0; i < rt->n; i++)
        h = (h ^ rt->nodes[i]) * 1099511628211ULL;
    size_t mask = pl->tcap - 1, at = (size_t)h & mask;
    while (pl->table[at]) {
        const solver__seq *q = &pl->seqs[pl->table[at] - 1];
        if (pl->hash[pl->table[at] - 1] == h && q->n_tasks == rt->n &&
            m->vclass[q->vehicle] == m->vclass[rt->vehicle]) {
            if (same_tasks(m, q->tasks, rt)) return true;
        }
        at = (at + 1) & mask;
    }
    solver_task_ref *t = lm_reallocarray(NULL, rt->n, sizeof *t);
    if (!t) return false; /* the pool is an optimisation: skip the route */
    for (uint32_t i = 0; i < rt->n; i++)
        t[i] = solver__node_ref(m, rt->nodes[i]);
    pl->seqs[pl->n] = (solver__seq){rt->vehicle, t, rt->n, rt->cost};
    pl->hash[pl->n] = h;
    pl->table[at] = ++pl->n;
    return true;
}

/* Empties the pool (its memory is kept). */
static void pool_clear(solver__pool *pl) {
    for (size_t i = 0; i < pl->n; i++)
        lm_free(pl->seqs[i].tasks);
    pl->n = 0;
    pl->clears++;
    memset(pl->table, 0, pl->tcap * sizeof *pl->table);
}

/* Routes met during the search fill the pool up to POOL_CAP; the incumbent's routes may always
 * go in (the rest of the capacity), so that set partitioning can start from it. A recycling pool
 * that is full starts over instead of ignoring what comes: the routes of the end of an anneal,
 * the good ones, would otherwise never reach the final recombination (on X-n261 the pool was
 * full at 60 % of a 10 s search). */
static bool pool_add_route(const solver__model *m, solver__pool *pl, const solver__sol *s,
                           uint32_t r, bool incumbent) {
    const solver__route *rt = &s->routes[r];
    if (rt->n == 0 || (!incumbent && rt->n <= rt->n_fixed)) return true;
    return pool_add(m, pl, rt, incumbent ? pl->cap : POOL_CAP);
}

bool solver__pool_add_sol(const solver__model *m, solver__pool *pl, const solver__sol *s,
                          bool incumbent) {
    if (!incumbent && pl->recycle && pl->n >= POOL_CAP) pool_clear(pl);
    bool all = true;
    for (size_t r = 0; r < s->n_routes; r++)
        all &= pool_add_route(m, pl, s, (uint32_t)r, incumbent);
    return all;
}

bool solver__pool_add_touched(const solver__model *m, solver__pool *pl, const solver__sol *s,
                              uint64_t clears, uint32_t *scratch, size_t n_scratch) {
    if (pl->clears != clears || (pl->recycle && pl->n >= POOL_CAP) || s->n_touched > n_scratch)
        return solver__pool_add_sol(m, pl, s, false);
    /* In route order, as the full call would meet them (the others are there already). */
    size_t n = s->n_touched;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = s->touched[i];
        size_t j = i;
        for (; j > 0 && scratch[j - 1] > x; j--)
            scratch[j] = scratch[j - 1];
        scratch[j] = x;
    }
    bool all = true;
    for (size_t i = 0; i < n; i++)
        all &= pool_add_route(m, pl, s, scratch[i], false);
#ifdef LM_SEARCH_PARANOID
    size_t had = pl->n; /* the full call finds nothing more */
    if (all && (!solver__pool_add_sol(m, pl, s, false) || pl->n != had)) abort();
#endif
    return all;
}
