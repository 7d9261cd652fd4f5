/* Cross-exchange: swaps a string of 1-3 nodes of one route with a string of 0-3 nodes of another,
 * the strings starting at a node and one of its nearest neighbours. Gain from the four boundary
 * edges; verified by simulating both routes. */
#include "solver/route.h"

static bool free_node(const solver__model *m, const solver__sol *s, uint32_t x) {
    uint32_t r = s->at_route[x];
    return r != SOLVER_NONE && m->nodes[x].kind == SOLVER__JOB &&
           !m->units[m->nodes[x].unit].fixed && s->at_pos[x] >= s->routes[r].n_fixed;
}

static bool strings_free(const solver__model *m, const solver__sol *s, const solver__route *rt,
                         uint32_t i, uint32_t len) {
    if (i + len > rt->n) return false;
    for (uint32_t t = 0; t < len; t++)
        if (!free_node(m, s, rt->nodes[i + t])) return false;
    return true;
}

static bool try_cross(const solver__model *m, solver__sol *s, uint32_t r1, uint32_t i, uint32_t l1,
                      uint32_t r2, uint32_t j, uint32_t l2, uint32_t *scratch) {
    const solver__route *a = &s->routes[r1], *b = &s->routes[r2];
    uint32_t v1 = a->vehicle, v2 = b->vehicle;
    uint32_t pa = solver__loc_at(m, a, (int64_t)i - 1), na = solver__loc_at(m, a, i + l1);
    uint32_t pb = solver__loc_at(m, b, (int64_t)j - 1), nb = solver__loc_at(m, b, j + l2);
    uint32_t fa = solver__loc_at(m, a, i), la = solver__loc_at(m, a, i + l1 - 1);
    uint32_t fb = l2 ? solver__loc_at(m, b, j) : SOLVER_NONE;
    uint32_t lb = l2 ? solver__loc_at(m, b, j + l2 - 1) : SOLVER_NONE;
    int64_t d = -solver__cost(m, v1, pa, fa) - solver__cost(m, v1, la, na) -
                solver__cost(m, v2, pb, l2 ? fb : nb);
    if (l2) d -= solver__cost(m, v2, lb, nb);
    d += solver__cost(m, v2, pb, fa) + solver__cost(m, v2, la, nb);
    d += l2 ? solver__cost(m, v1, pa, fb) + solver__cost(m, v1, lb, na)
            : solver__cost(m, v1, pa, na);
    if (d >= 0) return false;
    uint32_t *sa = scratch;
    size_t n1 = 0;
    for (uint32_t t = 0; t < i; t++)
        sa[n1++] = a->nodes[t];
    for (uint32_t t = 0; t < l2; t++)
        sa[n1++] = b->nodes[j + t];
    for (uint32_t t = i + l1; t < a->n; t++)
        sa[n1++] = a->nodes[t];
    uint32_t *sb = scratch + n1;
    size_t n2 = 0;
    for (uint32_t t = 0; t < j; t++)
        sb[n2++] = b->nodes[t];
    for (uint32_t t = 0; t < l1; t++)
        sb[n2++] = a->nodes[i + t];
    for (uint32_t t = j + l2; t < b->n; t++)
        sb[n2++] = b->nodes[t];
    return solver__try_routes(m, s, r1, sa, n1, r2, sb, n2);
}

bool solver__op_cross(const solver__model *m, solver__sol *s, uint32_t *scratch) {
    bool improved = false;
    for (uint32_t x = 0; x < m->n_task_nodes && !solver__ls_timeout(m, x); x++) {
        if (!free_node(m, s, x)) continue;
        bool done = false;
        for (uint32_t k = 0; k < m->k_ls && !done; k++) {
            uint32_t y = m->nbr[(size_t)x * m->k_ls + k];
            if (!free_node(m, s, y) || s->at_route[y] == s->at_route[x]) continue;
            uint32_t r1 = s->at_route[x], r2 = s->at_route[y];
            /* x's string goes where y's string was: y's predecessor is followed by x. */
            uint32_t i = s->at_pos[x], j = s->at_pos[y];
            for (uint32_t l1 = 1; l1 <= 3 && !done; l1++) {
                if (!strings_free(m, s, &s->routes[r1], i, l1)) break;
                for (uint32_t l2 = 0; l2 <= 3 && !done; l2++) {
                    if (l2 && !strings_free(m, s, &s->routes[r2], j, l2)) break;
                    if (l1 == 1 && l2 <= 1) continue; /* relocate / swap cover these */
                    done = try_cross(m, s, r1, i, l1, r2, j, l2, scratch);
                }
            }
        }
        if (done) improved = true;
    }
    if (improved) solver__sol_totals(m, s);
    return improved;
}
