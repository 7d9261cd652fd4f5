/* The caches of a plain route after one job insertion, updated instead of re-simulated: on a
 * plain route (solver__vehicle_plain) a step begins on arrival, so the insertion shifts the
 * later begins and the earlier latest begins by one constant each, and the loads by the job's
 * amounts. Integer sums in another order: the same values as solver__route_sim. */
#include "solver/route.h"

#include <string.h>

static inline int64_t cell(const int32_t *mat, size_t side, uint32_t a, uint32_t b) {
    return a == SOLVER_NONE || b == SOLVER_NONE ? 0 : mat[(size_t)a * side + b];
}

/* Loads after inserting nx at pos (n steps now): the prefix carries its start amount, the rest
 * also its own change. False if some load exceeds the capacity. */
static bool insert_loads(const solver__model *m, solver__route *rt, uint32_t pos,
                         const solver__node *nx, const int64_t *cap) {
    uint32_t dims = m->dims, n = rt->n;
    int64_t *ld = rt->load;
    memmove(&ld[(size_t)(pos + 2) * dims], &ld[(size_t)(pos + 1) * dims],
            (size_t)(n - 1 - pos) * dims * sizeof *ld);
    for (uint32_t d = 0; d < dims; d++) {
        int64_t sa = nx->start_add[d], both = sa + nx->delta[d];
        for (uint32_t i = 0; i <= pos; i++)
            ld[(size_t)i * dims + d] += sa;
        ld[(size_t)(pos + 1) * dims + d] = ld[(size_t)pos * dims + d] + nx->delta[d];
        for (uint32_t i = pos + 2; i <= n; i++)
            ld[(size_t)i * dims + d] += both;
    }
    solver__load_maxima(rt, n, dims);
    for (uint32_t d = 0; d < dims; d++)
        if (rt->fmax[(size_t)n * dims + d] > cap[d]) return false;
    return true;
}

#ifdef LM_SEARCH_PARANOID
#include <stdlib.h>
/* Debugging aid: the updated caches equal a fresh simulation's. */
static void paranoid_check(const solver__model *m, solver__sol *s, uint32_t r) {
    solver__route *rt = &s->routes[r];
    size_t n = rt->n, nl = (n + 1) * m->dims, sz = sizeof(int64_t);
    int64_t *keep = malloc((3 * n + 3 * nl) * sz), cost = rt->cost, travel = rt->travel_s;
    if (!keep) abort();
    int64_t *arrs[6] = {rt->begin, rt->dep, rt->latest, rt->load, rt->fmax, rt->bmax};
    size_t lens[6] = {n, n, n, nl, nl, nl}, off = 0;
    for (int i = 0; i < 6; off += lens[i++])
        memcpy(keep + off, arrs[i], lens[i] * sz);
    if (!solver__sol_update_route(m, s, r) || cost != rt->cost || travel != rt->travel_s) abort();
    off = 0;
    for (int i = 0; i < 6; off += lens[i++])
        if (memcmp(keep + off, arrs[i], lens[i] * sz)) abort();
    free(keep);
}
#define PARANOID_CHECK(m, s, r) paranoid_check(m, s, r)
#else
#define PARANOID_CHECK(m, s, r) ((void)0)
#endif

bool solver__sol_insert_update(const solver__model *m, solver__sol *s, uint32_t r, uint32_t pos) {
    solver__route *rt = &s->routes[r];
    uint32_t v = rt->vehicle, n = rt->n;
    const solver_problem *p = m->p;
    const solver__vehicle *veh = &p->vehicles[v];
    const solver_vehicle *pv = &veh->pub;
    /* Distances are not kept on a plain route without max_distance_m (route_sim_plain). */
    if (n < 2 || !rt->feasible || rt->complex || !solver__vehicle_plain(m, v) ||
        pv->max_distance_m || (pv->max_tasks && rt->n_tasks + 1 > pv->max_tasks) ||
        solver__route_reserve(rt, n + 2, m->dims) != LM_OK)
        return solver__sol_update_route(m, s, r);
    const uint32_t *nl = m->node_loc;
    const solver__node *nx = &m->nodes[rt->nodes[pos]];
    uint32_t x = nx->loc, prev = pos > 0 ? nl[rt->nodes[pos - 1]] : pv->start;
    uint32_t next = pos + 1 < n ? nl[rt->nodes[pos + 1]] : pv->end;
    const int32_t *dm = veh->durations ? veh->durations : p->durations;
    int64_t t_px = cell(dm, p->n, prev, x), t_xn = cell(dm, p->n, x, next),
            t_pn = cell(dm, p->n, prev, next);
    int64_t travel = rt->travel_s + t_px + t_xn - t_pn;
    if (pv->max_travel_time_s && travel > pv->max_travel_time_s)
        return solver__sol_update_route(m, s, r);
    if (!insert_loads(m, rt, pos, nx, pv->capacity)) return solver__sol_update_route(m, s, r);
    /* Times: begins after pos move by sh, latest begins before pos by dl. */
    size_t tail = (size_t)(n - 1 - pos) * sizeof *rt->begin;
    memmove(&rt->begin[pos + 1], &rt->begin[pos], tail);
    memmove(&rt->dep[pos + 1], &rt->dep[pos], tail);
    memmove(&rt->latest[pos + 1], &rt->latest[pos], tail);
    int64_t t0 = pos > 0 ? rt->dep[pos - 1] : pv->shift.start_s;
    rt->begin[pos] = t0 + t_px;
    rt->dep[pos] = t0 + t_px + nx->service;
    int64_t sh = rt->dep[pos] + t_xn - (t0 + t_pn);
    for (uint32_t i = pos + 1; i < n; i++) {
        rt->begin[i] += sh;
        rt->dep[i] += sh;
    }
    int64_t lim = pos + 1 < n ? rt->latest[pos + 1] : pv->shift.end_s;
    rt->latest[pos] = lim - t_xn - nx->service;
    int64_t dl = rt->latest[pos] - t_px - (lim - t_pn);
    for (uint32_t i = 0; i < pos; i++)
        rt->latest[i] += dl;
    /* No waiting on a plain route: the slack latest - begin is the same at every step, and the
     * route ends in its shift iff the last step keeps it. */
    if (rt->begin[n - 1] >= SOLVER_TIME_INF || rt->begin[n - 1] > rt->latest[n - 1])
        return solver__sol_update_route(m, s, r);
    const int32_t *cm = m->cost_mode[v] == SOLVER__COST_DURATION ? dm : p->costs;
    rt->cost += cell(cm, p->n, prev, x) + cell(cm, p->n, x, next) - cell(cm, p->n, prev, next);
    rt->travel_s = travel;
    rt->n_tasks++;
    if (!s->is_touched[r]) {
        s->is_touched[r] = 1;
        s->touched[s->n_touched++] = r;
    }
    for (uint32_t i = pos; i < n; i++) {
        s->at_route[rt->nodes[i]] = r;
        s->at_pos[rt->nodes[i]] = i;
    }
    PARANOID_CHECK(m, s, r);
    return true;
}
