/* Relocate: moves one job to another place (same or other route) next to one of its nearest
 * neighbours. Gain from cached edge costs in O(1); feasibility from the route caches. */
#include "solver/route.h"

#include <string.h>

/* Tries to move node x next to its neighbours; applies the first improving move. */
static bool relocate_node(const solver__model *m, solver__sol *s, uint32_t x, uint32_t *scratch) {
    uint32_t r1 = s->at_route[x];
    solver__route *rt1 = &s->routes[r1];
    uint32_t p1 = s->at_pos[x];
    int64_t gain_remove = solver__remove_delta(m, rt1, p1);
    for (uint32_t k = 0; k < m->k_ls; k++) {
        uint32_t y = m->nbr[(size_t)x * m->k_ls + k];
        uint32_t r2 = s->at_route[y];
        if (r2 == SOLVER_NONE) continue;
        solver__route *rt2 = &s->routes[r2];
        if (!solver__unit_fits(m, m->nodes[x].unit, rt2->vehicle)) continue;
        for (int side = 0; side < 2; side++) {
            uint32_t pos = s->at_pos[y] + (uint32_t)side;
            if (pos < rt2->n_fixed) continue;
            if (r2 == r1) {
                if (pos == p1 || pos == p1 + 1) continue;
                /* Same route: evaluate the whole new sequence. */
                size_t n = 0;
                for (uint32_t i = 0; i <= rt1->n; i++) {
                    if (i == pos) scratch[n++] = x;
                    if (i < rt1->n && i != p1) scratch[n++] = rt1->nodes[i];
                }
                int64_t c;
                if (!solver__seq_ok(m, rt1->vehicle, scratch, n, rt1->n_fixed, &c)) continue;
                if (c >= rt1->cost) continue;
                if (!solver__sol_set_route(m, s, r1, scratch, n)) return false;
                return true;
            }
            int64_t d = gain_remove + solver__insert_delta(m, rt2, pos, x);
            if (d >= 0) continue;
            if (!solver__insert_ok(m, rt2, pos, x, scratch)) continue;
            /* Removal can break a route only with a non-metric matrix: check it. */
            size_t n = 0;
            for (uint32_t i = 0; i < rt1->n; i++)
                if (i != p1) scratch[n++] = rt1->nodes[i];
            int64_t c;
            if (!solver__seq_ok(m, rt1->vehicle, scratch, n, rt1->n_fixed, &c)) continue;
            if (solver__route_reserve(rt2, rt2->n + 2, m->dims) != LM_OK) return false;
            bool ok = solver__sol_set_route(m, s, r1, scratch, n);
            solver__route_insert_raw(rt2, pos, x);
            ok &= solver__sol_update_route(m, s, r2);
            return ok;
        }
    }
    return false;
}

bool solver__op_relocate(const solver__model *m, solver__sol *s, uint32_t *scratch) {
    bool improved = false;
    for (uint32_t x = 0; x < m->n_task_nodes && !solver__ls_timeout(m, x); x++) {
        if (m->nodes[x].kind != SOLVER__JOB) continue; /* shipments move as pairs in R&R */
        uint32_t r = s->at_route[x];
        if (r == SOLVER_NONE || m->units[m->nodes[x].unit].fixed) continue;
        if (s->at_pos[x] < s->routes[r].n_fixed) continue;
        if (relocate_node(m, s, x, scratch)) improved = true;
    }
    if (improved) solver__sol_totals(m, s);
    return improved;
}
