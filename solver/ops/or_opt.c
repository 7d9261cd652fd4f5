/* Or-opt: moves a string of two or three consecutive jobs (possibly reversed) next to a nearest
 * neighbour of its first job, in the same or another route. Verified by simulation. */
#include "solver/route.h"

#include <string.h>

static bool free_job(const solver__model *m, const solver__sol *s, uint32_t x) {
    uint32_t r = s->at_route[x];
    return r != SOLVER_NONE && m->nodes[x].kind == SOLVER__JOB &&
           !m->units[m->nodes[x].unit].fixed && s->at_pos[x] >= s->routes[r].n_fixed;
}

/* Moves rt1[i, i+len) before position pos of route r2 (reversed if rev). */
static bool try_move(const solver__model *m, solver__sol *s, uint32_t r1, uint32_t i, uint32_t len,
                     uint32_t r2, uint32_t pos, bool rev, uint32_t *scratch) {
    const solver__route *a = &s->routes[r1], *b = &s->routes[r2];
    uint32_t v1 = a->vehicle, v2 = b->vehicle;
    uint32_t first = m->nodes[a->nodes[i]].loc, last = m->nodes[a->nodes[i + len - 1]].loc;
    uint32_t in_first = rev ? last : first, in_last = rev ? first : last;
    uint32_t pa = solver__loc_at(m, a, (int64_t)i - 1), na = solver__loc_at(m, a, i + len);
    int64_t d = solver__cost(m, v1, pa, na) - solver__cost(m, v1, pa, first) -
                solver__cost(m, v1, last, na);
    if (r1 == r2 && (pos >= i && pos <= i + len)) return false;
    uint32_t pb = solver__loc_at(m, b, (int64_t)pos - 1), nb = solver__loc_at(m, b, pos);
    d += solver__cost(m, v2, pb, in_first) + solver__cost(m, v2, in_last, nb) -
         solver__cost(m, v2, pb, nb);
    if (d >= 0) return false;
    uint32_t seg[3];
    for (uint32_t t = 0; t < len; t++)
        seg[t] = a->nodes[rev ? i + len - 1 - t : i + t];
    if (r1 == r2) {
        size_t n = 0;
        for (uint32_t t = 0; t <= a->n; t++) {
            if (t == pos)
                for (uint32_t q = 0; q < len; q++)
                    scratch[n++] = seg[q];
            if (t < a->n && (t < i || t >= i + len)) scratch[n++] = a->nodes[t];
        }
        return solver__try_routes(m, s, r1, scratch, n, SOLVER_NONE, NULL, 0);
    }
    uint32_t *sa = scratch;
    size_t n1 = 0;
    for (uint32_t t = 0; t < a->n; t++)
        if (t < i || t >= i + len) sa[n1++] = a->nodes[t];
    uint32_t *sb = scratch + n1;
    size_t n2 = 0;
    for (uint32_t t = 0; t <= b->n; t++) {
        if (t == pos)
            for (uint32_t q = 0; q < len; q++)
                sb[n2++] = seg[q];
        if (t < b->n) sb[n2++] = b->nodes[t];
    }
    return solver__try_routes(m, s, r1, sa, n1, r2, sb, n2);
}

bool solver__op_or_opt(const solver__model *m, solver__sol *s, uint32_t *scratch) {
    bool improved = false;
    for (uint32_t x = 0; x < m->n_task_nodes && !solver__ls_timeout(m, x); x++) {
        if (!free_job(m, s, x)) continue;
        for (uint32_t len = 2; len <= 3; len++) {
            uint32_t r1 = s->at_route[x], i = s->at_pos[x];
            const solver__route *a = &s->routes[r1];
            if (i + len > a->n) continue;
            bool ok = true;
            for (uint32_t t = 0; t < len && ok; t++)
                ok = free_job(m, s, a->nodes[i + t]);
            if (!ok) continue;
            bool done = false;
            for (uint32_t k = 0; k < m->k_ls && !done; k++) {
                uint32_t y = m->nbr[(size_t)x * m->k_ls + k];
                uint32_t r2 = s->at_route[y];
                if (r2 == SOLVER_NONE) continue;
                for (int side = 0; side < 2 && !done; side++) {
                    uint32_t pos = s->at_pos[y] + (uint32_t)side;
                    if (pos < s->routes[r2].n_fixed) continue;
                    for (int rev = 0; rev < 2 && !done; rev++)
                        done = try_move(m, s, r1, i, len, r2, pos, rev, scratch);
                }
            }
            if (done) {
                improved = true;
                break;
            }
        }
    }
    if (improved) solver__sol_totals(m, s);
    return improved;
}
