/* Swap: exchanges two jobs of different routes, each taking the other's place, for a job and one
 * of its nearest neighbours. Gain from the four touched edges of each route; verified by
 * simulating both routes. */
#include "solver/route.h"

static bool movable(const solver__model *m, const solver__sol *s, uint32_t x) {
    uint32_t r = s->at_route[x];
    return r != SOLVER_NONE && m->nodes[x].kind == SOLVER__JOB &&
           !m->units[m->nodes[x].unit].fixed && s->at_pos[x] >= s->routes[r].n_fixed;
}

/* Cost change in route rt when the node at i is replaced by a node at location l. */
static int64_t replace_delta(const solver__model *m, const solver__route *rt, uint32_t i,
                             uint32_t l) {
    uint32_t v = rt->vehicle;
    uint32_t a = solver__loc_at(m, rt, (int64_t)i - 1), b = solver__loc_at(m, rt, (int64_t)i + 1);
    uint32_t o = m->nodes[rt->nodes[i]].loc;
    return solver__cost(m, v, a, l) + solver__cost(m, v, l, b) - solver__cost(m, v, a, o) -
           solver__cost(m, v, o, b);
}

bool solver__op_swap(const solver__model *m, solver__sol *s, uint32_t *scratch) {
    bool improved = false;
    for (uint32_t x = 0; x < m->n_task_nodes && !solver__ls_timeout(m, x); x++) {
        if (!movable(m, s, x)) continue;
        for (uint32_t k = 0; k < m->k_ls; k++) {
            uint32_t y = m->nbr[(size_t)x * m->k_ls + k];
            if (!movable(m, s, y)) continue;
            uint32_t r1 = s->at_route[x], r2 = s->at_route[y];
            if (r1 == r2) continue;
            const solver__route *a = &s->routes[r1], *b = &s->routes[r2];
            uint32_t i = s->at_pos[x], j = s->at_pos[y];
            int64_t d =
                replace_delta(m, a, i, m->nodes[y].loc) + replace_delta(m, b, j, m->nodes[x].loc);
            if (d >= 0) continue;
            uint32_t *sa = scratch, *sb = scratch + a->n;
            for (uint32_t t = 0; t < a->n; t++)
                sa[t] = t == i ? y : a->nodes[t];
            for (uint32_t t = 0; t < b->n; t++)
                sb[t] = t == j ? x : b->nodes[t];
            if (solver__try_routes(m, s, r1, sa, a->n, r2, sb, b->n)) {
                improved = true;
                break;
            }
        }
    }
    if (improved) solver__sol_totals(m, s);
    return improved;
}
