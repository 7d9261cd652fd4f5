/* 2-opt*: exchanges the tails of two routes, joining a node to a near neighbour in another route.
 * The gain is estimated from four edges; candidates are verified by simulating both routes. */
#include "solver/route.h"

static uint32_t loc_of(const solver__model *m, const solver__route *rt, int64_t i) {
    const solver_vehicle *pv = &m->p->vehicles[rt->vehicle].pub;
    if (i < 0) return pv->start;
    if (i >= rt->n) return pv->end;
    return m->nodes[rt->nodes[i]].loc;
}

/* New routes: r1[0..i] + r2[j..] and r2[0..j) + r1(i..]. */
static bool try_move(const solver__model *m, solver__sol *s, uint32_t r1, int64_t i, uint32_t r2,
                     int64_t j, uint32_t *scratch) {
    solver__route *a = &s->routes[r1], *b = &s->routes[r2];
    if (i + 1 < (int64_t)a->n_fixed || j < (int64_t)b->n_fixed) return false;
    uint32_t v1 = a->vehicle, v2 = b->vehicle;
    /* Estimate with each route's own vehicle costs. */
    int64_t before = solver__cost(m, v1, loc_of(m, a, i), loc_of(m, a, i + 1)) +
                     solver__cost(m, v2, loc_of(m, b, j - 1), loc_of(m, b, j));
    int64_t after = solver__cost(m, v1, loc_of(m, a, i), loc_of(m, b, j)) +
                    solver__cost(m, v2, loc_of(m, b, j - 1), loc_of(m, a, i + 1));
    if (after >= before) return false;
    size_t n1 = 0;
    uint32_t *s1 = scratch;
    for (int64_t k = 0; k <= i; k++)
        s1[n1++] = a->nodes[k];
    for (uint32_t k = (uint32_t)j; k < b->n; k++)
        s1[n1++] = b->nodes[k];
    uint32_t *s2 = scratch + n1;
    size_t n2 = 0;
    for (int64_t k = 0; k < j; k++)
        s2[n2++] = b->nodes[k];
    for (uint32_t k = (uint32_t)(i + 1); k < a->n; k++)
        s2[n2++] = a->nodes[k];
    for (size_t k = 0; k < n1; k++)
        if (!solver__unit_fits(m, m->nodes[s1[k]].unit, v1)) return false;
    for (size_t k = 0; k < n2; k++)
        if (!solver__unit_fits(m, m->nodes[s2[k]].unit, v2)) return false;
    int64_t c1, c2;
    if (!solver__seq_ok(m, v1, s1, n1, a->n_fixed, &c1)) return false;
    if (!solver__seq_ok(m, v2, s2, n2, b->n_fixed, &c2)) return false;
    if (n1 == 0 && a->n_fixed == 0 && m->p->vehicles[v1].pub.n_fixed_steps == 0) c1 = 0;
    if (n2 == 0 && b->n_fixed == 0 && m->p->vehicles[v2].pub.n_fixed_steps == 0) c2 = 0;
    if (c1 + c2 >= a->cost + b->cost) return false;
    /* s2 lives after s1 in scratch; set r2 first from a copy point that r1's update won't touch. */
    bool ok = solver__sol_set_route(m, s, r1, s1, n1);
    ok &= solver__sol_set_route(m, s, r2, s2, n2);
    return ok;
}

bool solver__op_two_opt_star(const solver__model *m, solver__sol *s, uint32_t *scratch) {
    bool improved = false;
    for (uint32_t x = 0; x < m->n_task_nodes && !solver__ls_timeout(m, x); x++) {
        uint32_t r1 = s->at_route[x];
        if (r1 == SOLVER_NONE) continue;
        for (uint32_t k = 0; k < m->k_ls; k++) {
            uint32_t y = m->nbr[(size_t)x * m->k_ls + k];
            uint32_t r2 = s->at_route[y];
            if (r2 == SOLVER_NONE || r2 == r1) continue;
            /* x then y: r1 keeps up to x and continues with y's tail. */
            if (try_move(m, s, r1, s->at_pos[x], r2, s->at_pos[y], scratch)) {
                improved = true;
                break;
            }
            /* y then x: r2 keeps up to y and continues with x's tail. */
            if (try_move(m, s, r2, s->at_pos[y], r1, s->at_pos[x], scratch)) {
                improved = true;
                break;
            }
        }
    }
    if (improved) solver__sol_totals(m, s);
    return improved;
}
