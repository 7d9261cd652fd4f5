/* Upgrade on insert: a job that no nearby route has room for may still join one if that route
 * moves to an idle vehicle of a bigger type. Without it, a mixed fleet's recreate opens the
 * cheapest small vehicle for every job that does not fit, and routes never grow past the smallest
 * capacity (FSM instances ended with 15 % more routes than their best-known solutions). */
#include "solver/route.h"

#include <string.h>

/* Nearest neighbours whose routes are considered. */
#define UPGRADE_NEIGHBOURS 6

/* Cheapest place for node x in route rt's nodes, as driven by vehicle v. */
static uint32_t cheapest_gap(const solver__model *m, const solver__route *rt, uint32_t v,
                             uint32_t x) {
    const solver_vehicle *pv = &m->p->vehicles[v].pub;
    uint32_t lx = m->nodes[x].loc, best_pos = 0;
    int64_t best = INT64_MAX;
    for (uint32_t pos = 0; pos <= rt->n; pos++) {
        uint32_t a = pos ? m->nodes[rt->nodes[pos - 1]].loc : pv->start;
        uint32_t b = pos < rt->n ? m->nodes[rt->nodes[pos]].loc : pv->end;
        int64_t d =
            solver__cost(m, v, a, lx) + solver__cost(m, v, lx, b) - solver__cost(m, v, a, b);
        if (d < best) {
            best = d;
            best_pos = pos;
        }
    }
    return best_pos;
}

/* rt's nodes with x at pos, into out. */
static size_t with_node(const solver__route *rt, uint32_t pos, uint32_t x, uint32_t *out) {
    memcpy(out, rt->nodes, pos * sizeof *out);
    out[pos] = x;
    memcpy(out + pos + 1, rt->nodes + pos, (rt->n - pos) * sizeof *out);
    return (size_t)rt->n + 1;
}

/* Tries route r for job node x on each bigger class's idle vehicle; improves *best. */
static void try_route(const solver__model *m, const solver__sol *s, uint32_t r, uint32_t x,
                      const uint32_t *idle, uint32_t *scratch, solver__upgrade *best) {
    const solver__route *rt = &s->routes[r];
    uint32_t own = m->vclass[rt->vehicle];
    int64_t need = rt->fmax[(size_t)rt->n * m->dims] + m->units[m->nodes[x].unit].size;
    if (need <= m->p->vehicles[rt->vehicle].pub.capacity[0]) return; /* plain insertion's job */
    /* Only the smallest type that fits: a choice among all of them drifted whole fleets onto the
     * biggest vehicles, whose per-km cost then no move could shed (FSMD instances 20-30 % worse).
     */
    int64_t smallest = INT64_MAX;
    for (uint32_t cl = 0; cl < m->n_classes; cl++) {
        if (cl == own || idle[cl] == SOLVER_NONE) continue;
        int64_t c = m->p->vehicles[s->routes[idle[cl]].vehicle].pub.capacity[0];
        if (c >= need && c < smallest) smallest = c;
    }
    for (uint32_t cl = 0; cl < m->n_classes; cl++) {
        uint32_t e = idle[cl];
        if (cl == own || e == SOLVER_NONE) continue;
        uint32_t v = s->routes[e].vehicle;
        if (m->p->vehicles[v].pub.capacity[0] != smallest) continue;
        if (!solver__unit_fits(m, m->nodes[x].unit, v)) continue;
        bool fits = true;
        for (uint32_t i = 0; i < rt->n && fits; i++)
            fits = solver__unit_fits(m, m->nodes[rt->nodes[i]].unit, v);
        if (!fits) continue;
        size_t n = with_node(rt, cheapest_gap(m, rt, v, x), x, scratch);
        int64_t c;
        if (!solver__seq_ok(m, v, scratch, n, 0, &c) || c - rt->cost >= best->delta) continue;
        *best = (solver__upgrade){c - rt->cost, r, e};
    }
}

void solver__upgrade_best(const solver__model *m, const solver__sol *s, uint32_t u,
                          const uint32_t *idle, uint32_t *scratch, solver__upgrade *best) {
    const solver__unit *un = &m->units[u];
    /* A tight fleet (HVRP: capacity 1.2 x demand) needs its big vehicles for a tight packing;
     * upgrades spent them on whoever asked first and left a task unserved (X115-HVRP). */
    if (m->n_classes < 2 || m->dims != 1 || un->second != SOLVER_NONE || !m->k_nbr ||
        !m->spare_fleet)
        return;
    uint32_t x = un->first, seen[UPGRADE_NEIGHBOURS];
    size_t n_seen = 0;
    for (uint32_t k = 0; k < m->k_nbr && n_seen < UPGRADE_NEIGHBOURS; k++) {
        uint32_t r = s->at_route[m->nbr[(size_t)x * m->k_nbr + k]];
        if (r == SOLVER_NONE || s->routes[r].n_fixed ||
            m->p->vehicles[s->routes[r].vehicle].pub.n_fixed_steps)
            continue;
        bool dup = false;
        for (size_t i = 0; i < n_seen && !dup; i++)
            dup = seen[i] == r;
        if (dup) continue;
        seen[n_seen++] = r;
        try_route(m, s, r, x, idle, scratch, best);
    }
}

bool solver__upgrade_apply(const solver__model *m, solver__sol *s, uint32_t u,
                           const solver__upgrade *up, uint32_t *scratch) {
    const solver__route *rt = &s->routes[up->from];
    uint32_t x = m->units[u].first, v = s->routes[up->to].vehicle;
    size_t n = with_node(rt, cheapest_gap(m, rt, v, x), x, scratch);
    if (!solver__sol_set_route(m, s, up->to, scratch, n)) return false;
    if (!solver__sol_set_route(m, s, up->from, scratch + n, 0)) return false;
    s->assigned[u] = 1;
    return true;
}
