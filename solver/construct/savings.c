/* Clarke-Wright savings (parallel version) for capacity-only problems: start with one route per
 * job, merge route ends in order of decreasing saving c(d,i) + c(d,j) - c(i,j) over the granular
 * neighbour pairs, then give the merged routes to vehicles; leftovers go through insertion. */
#include "solver/route.h"

#include <stdlib.h>
#include <string.h>

typedef struct saving {
    int64_t value;
    uint32_t i, j; /* job nodes */
} saving;

static int cmp_saving(const void *a, const void *b) {
    const saving *x = a, *y = b;
    if (x->value != y->value) return x->value > y->value ? -1 : 1;
    if (x->i != y->i) return x->i < y->i ? -1 : 1;
    return (x->j > y->j) - (x->j < y->j);
}

static uint32_t find(uint32_t *head, uint32_t x) {
    while (head[x] != x) {
        head[x] = head[head[x]];
        x = head[x];
    }
    return x;
}

/* Route (given by its first node) order for handing out vehicles: heaviest first. */
static const int64_t *g_load;
static int cmp_route_load(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (g_load[x] != g_load[y]) return g_load[x] > g_load[y] ? -1 : 1;
    return (x > y) - (x < y);
}

lm_status solver__construct_savings(const solver__model *m, solver__sol *s) {
    const solver_problem *p = m->p;
    size_t n = m->n_task_nodes, nv = p->n_vehicles;
    bool plain = n > 0 && nv > 0 && !m->any_shipment && m->dims == 1;
    for (size_t u = 0; u < m->n_units && plain; u++)
        plain = !m->units[u].fixed && m->units[u].only_vehicle == SOLVER_NONE &&
                m->units[u].skills->n == 0;
    if (!plain) return solver__construct_insertion(m, s, true);
    const solver_vehicle *v0 = &p->vehicles[0].pub;
    uint32_t depot = v0->start != SOLVER_NONE ? v0->start : v0->end;
    int64_t cap = v0->capacity[0];
    for (size_t v = 1; v < nv; v++)
        if (p->vehicles[v].pub.capacity[0] > cap) cap = p->vehicles[v].pub.capacity[0];
    lm_status st = LM_NOMEM;
    saving *sv = lm_reallocarray(NULL, n * (m->k_nbr ? m->k_nbr : 1) + 1, sizeof *sv);
    uint32_t *next = lm_reallocarray(NULL, n, sizeof *next);
    uint32_t *prev = lm_reallocarray(NULL, n, sizeof *prev);
    uint32_t *head = lm_reallocarray(NULL, n, sizeof *head); /* union-find: route id */
    uint32_t *first = lm_reallocarray(NULL, n, sizeof *first), *last = NULL;
    int64_t *load = lm_calloc(n, sizeof *load);
    uint32_t *routes = lm_reallocarray(NULL, n, sizeof *routes);
    last = lm_reallocarray(NULL, n, sizeof *last);
    if (!sv || !next || !prev || !head || !first || !last || !load || !routes) goto done;
    size_t ns = 0;
    for (uint32_t i = 0; i < n; i++) {
        next[i] = prev[i] = SOLVER_NONE;
        head[i] = first[i] = last[i] = i;
        /* delivery + pickup: a safe bound on what the job adds to the peak load. */
        load[i] = 2 * m->nodes[i].start_add[0] + m->nodes[i].delta[0];
        for (uint32_t k = 0; k < m->k_nbr; k++) {
            uint32_t j = m->nbr[(size_t)i * m->k_nbr + k];
            if (j <= i) continue; /* symmetric costs: each pair once */
            uint32_t li = m->nodes[i].loc, lj = m->nodes[j].loc;
            int64_t val = solver__cost(m, 0, depot, li) + solver__cost(m, 0, depot, lj) -
                          solver__cost(m, 0, li, lj);
            sv[ns++] = (saving){val, i, j};
        }
    }
    qsort(sv, ns, sizeof *sv, cmp_saving);
    for (size_t k = 0; k < ns; k++) {
        uint32_t i = sv[k].i, j = sv[k].j;
        if (sv[k].value <= 0) break;
        uint32_t ri = find(head, i), rj = find(head, j);
        if (ri == rj || load[ri] + load[rj] > cap) continue;
        /* i and j must be route ends; orient so that i is a last and j a first. */
        bool i_first = first[ri] == i, i_last = last[ri] == i;
        bool j_first = first[rj] == j, j_last = last[rj] == j;
        if (!(i_first || i_last) || !(j_first || j_last)) continue;
        if (!i_last) { /* reverse route ri */
            for (uint32_t x = first[ri]; x != SOLVER_NONE; x = prev[x]) {
                uint32_t t = next[x];
                next[x] = prev[x];
                prev[x] = t;
            }
            uint32_t t = first[ri];
            first[ri] = last[ri];
            last[ri] = t;
        }
        if (!j_first) {
            for (uint32_t x = first[rj]; x != SOLVER_NONE; x = prev[x]) {
                uint32_t t = next[x];
                next[x] = prev[x];
                prev[x] = t;
            }
            uint32_t t = first[rj];
            first[rj] = last[rj];
            last[rj] = t;
        }
        next[i] = j;
        prev[j] = i;
        head[rj] = ri;
        last[ri] = last[rj];
        load[ri] += load[rj];
    }
    size_t nr = 0;
    for (uint32_t i = 0; i < n; i++)
        if (find(head, i) == i && !m->units[m->nodes[i].unit].fixed) routes[nr++] = i;
    g_load = load;
    qsort(routes, nr, sizeof *routes, cmp_route_load);
    g_load = NULL;
    /* Hand routes to free vehicles (largest capacity first); infeasible ones stay unassigned. */
    uint32_t *nodes = lm_reallocarray(NULL, n + 1, sizeof *nodes);
    if (!nodes) goto done;
    size_t vi = 0;
    for (size_t r = 0; r < nr; r++) {
        size_t len = 0;
        for (uint32_t x = first[routes[r]]; x != SOLVER_NONE; x = next[x])
            nodes[len++] = x;
        bool placed = false;
        for (; vi < nv && !placed; vi++) {
            solver__route *rt = &s->routes[vi];
            if (rt->n > 0 || p->vehicles[vi].pub.n_fixed_steps) continue;
            bool fits = true;
            for (size_t k = 0; k < len && fits; k++)
                fits = solver__unit_fits(m, m->nodes[nodes[k]].unit, (uint32_t)vi);
            if (!fits) continue;
            int64_t c;
            if (!solver__seq_ok(m, (uint32_t)vi, nodes, len, 0, &c)) continue;
            if (!solver__sol_set_route(m, s, (uint32_t)vi, nodes, len)) continue;
            for (size_t k = 0; k < len; k++)
                s->assigned[m->nodes[nodes[k]].unit] = 1;
            placed = true;
        }
    }
    lm_free(nodes);
    solver__sol_totals(m, s);
    st = solver__construct_insertion(m, s, false); /* whatever is left */
done:
    lm_free(sv);
    lm_free(next);
    lm_free(prev);
    lm_free(head);
    lm_free(first);
    lm_free(last);
    lm_free(load);
    lm_free(routes);
    return st;
}
