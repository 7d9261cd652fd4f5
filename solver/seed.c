/* VROOM's steps in solving mode: given routes start the search (they are not kept fixed). The
 * start solution gets them after the vehicles' fixed steps; the search may change them all. */
#include "solver/route.h"

/* The node of a task step; SOLVER_NONE for anything else. */
static uint32_t task_node(const solver_problem *p, const solver_task_ref *r) {
    switch (r->type) {
    case SOLVER_STEP_JOB: return r->index < p->n_jobs ? r->index : SOLVER_NONE;
    case SOLVER_STEP_PICKUP:
        return r->index < p->n_shipments ? (uint32_t)(p->n_jobs + 2 * r->index) : SOLVER_NONE;
    case SOLVER_STEP_DELIVERY:
        return r->index < p->n_shipments ? (uint32_t)(p->n_jobs + 2 * r->index + 1) : SOLVER_NONE;
    default: return SOLVER_NONE;
    }
}

static lm_status seed_fail(const solver_problem *p, size_t v, lm_errinfo *err, const char *why) {
    return lm_errinfo_set(err, LM_INVALID, "vehicles.steps",
                          "the steps of vehicle %llu are not a valid route: %s",
                          (unsigned long long)p->vehicles[v].pub.id, why);
}

/* Appends vehicle v's seed to its route in s. */
static lm_status seed_vehicle(const solver__model *m, solver__sol *s, size_t v,
                              const solver_task_ref *seed, size_t n, lm_errinfo *err) {
    const solver_problem *p = m->p;
    solver__route *rt = &s->routes[v];
    if (solver__route_reserve(rt, rt->n + (uint32_t)n + 2, m->dims) != LM_OK) return LM_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (seed[i].type == SOLVER_STEP_BREAK) continue; /* breaks are placed by the search */
        uint32_t node = task_node(p, &seed[i]);
        if (node == SOLVER_NONE) return seed_fail(p, v, err, "a step names no task");
        uint32_t u = m->nodes[node].unit;
        if (s->at_route[node] != SOLVER_NONE || m->units[u].fixed)
            return seed_fail(p, v, err, "a task is already on a route");
        if (!solver__unit_fits(m, u, (uint32_t)v))
            return seed_fail(p, v, err, "a task does not fit the vehicle (skills, capacity)");
        uint32_t partner = m->nodes[node].partner;
        if (m->nodes[node].kind == SOLVER__DELIVERY && s->at_route[partner] != v)
            return seed_fail(p, v, err, "a delivery comes before its pickup");
        rt->nodes[rt->n] = node;
        s->at_route[node] = (uint32_t)v;
        s->at_pos[node] = rt->n++;
        if (m->nodes[node].kind != SOLVER__PICKUP) s->assigned[u] = 1;
    }
    for (uint32_t i = rt->n_fixed; i < rt->n; i++) {
        const solver__node *nd = &m->nodes[rt->nodes[i]];
        if (nd->kind == SOLVER__PICKUP && s->at_route[nd->partner] != v)
            return seed_fail(p, v, err, "a pickup has no delivery after it");
    }
    if (!solver__sol_update_route(m, s, (uint32_t)v))
        return seed_fail(p, v, err, "it breaks a time window, the capacity or a route limit");
    return LM_OK;
}

/* Takes vehicle v's seed off again (opts.seed_lenient): the route keeps its fixed steps. */
static void seed_undo(const solver__model *m, solver__sol *s, size_t v) {
    solver__route *rt = &s->routes[v];
    for (uint32_t i = rt->n_fixed; i < rt->n; i++) {
        uint32_t node = rt->nodes[i];
        s->at_route[node] = SOLVER_NONE;
        s->assigned[m->nodes[node].unit] = 0;
    }
    rt->n = rt->n_fixed;
    solver__sol_update_route(m, s, (uint32_t)v);
}

lm_status solver__sol_seed(const solver__model *m, solver__sol *s, const solver_opts *o,
                           size_t *dropped, lm_errinfo *err) {
    *dropped = 0;
    if (!o->seed_routes || !o->seed_lens) return LM_OK;
    for (size_t v = 0; v < m->p->n_vehicles; v++) {
        if (!o->seed_lens[v]) continue;
        if (!o->seed_routes[v]) return seed_fail(m->p, v, err, "no steps array");
        lm_errinfo mine = {0};
        lm_status st = seed_vehicle(m, s, v, o->seed_routes[v], o->seed_lens[v],
                                    o->seed_lenient ? &mine : err);
        if (st == LM_INVALID && o->seed_lenient) {
            seed_undo(m, s, v);
            (*dropped)++;
        } else if (st != LM_OK) {
            return st;
        }
    }
    solver__sol_totals(m, s);
    return LM_OK;
}
