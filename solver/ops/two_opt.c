/* 2-opt inside one route: reverses the stretch between a node and one of its nearest neighbours
 * in the same route. Gain from the two exchanged edges; verified by simulation (windows, loads,
 * shipment order). */
#include "solver/route.h"

bool solver__op_two_opt(const solver__model *m, solver__sol *s, uint32_t *scratch) {
    bool improved = false;
    for (uint32_t x = 0; x < m->n_task_nodes && !solver__ls_timeout(m, x); x++) {
        uint32_t r = s->at_route[x];
        if (r == SOLVER_NONE) continue;
        for (uint32_t k = 0; k < m->k_ls; k++) {
            uint32_t y = m->nbr[(size_t)x * m->k_ls + k];
            if (s->at_route[y] != r) continue;
            const solver__route *rt = &s->routes[r];
            uint32_t i = s->at_pos[x], j = s->at_pos[y];
            if (j <= i + 1) continue;
            /* New edges x -> y and (i+1) -> (j+1): reverse positions i+1 .. j. */
            if (i + 1 < rt->n_fixed) continue;
            uint32_t v = rt->vehicle;
            uint32_t a = m->nodes[x].loc, b = solver__loc_at(m, rt, i + 1);
            uint32_t c = m->nodes[y].loc, d = solver__loc_at(m, rt, (int64_t)j + 1);
            int64_t delta = solver__cost(m, v, a, c) + solver__cost(m, v, b, d) -
                            solver__cost(m, v, a, b) - solver__cost(m, v, c, d);
            if (delta >= 0) continue;
            for (uint32_t t = 0; t < rt->n; t++)
                scratch[t] = (t > i && t <= j) ? rt->nodes[i + 1 + j - t] : rt->nodes[t];
            if (solver__try_routes(m, s, r, scratch, rt->n, SOLVER_NONE, NULL, 0)) {
                improved = true;
                break;
            }
        }
    }
    if (improved) solver__sol_totals(m, s);
    return improved;
}
