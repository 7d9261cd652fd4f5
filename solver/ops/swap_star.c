/* SWAP* (Vidal 2022): exchanges a job of one route with a job of another, each going to its best
 * position in the other route rather than into the partner's place. Per route pair, the three
 * cheapest insertion gaps of every job into the other route are precomputed, so a pair (x, y) is
 * priced in O(1); the best candidate is verified by simulating both routes. */
#include "solver/route.h"

#include <string.h>

typedef struct top3 {
    int64_t cost[3]; /* insertion cost into the other route, ascending */
    uint32_t pos[3]; /* gap: insert before this position */
} top3;

static void top3_add(top3 *t, int64_t c, uint32_t pos) {
    for (int i = 0; i < 3; i++)
        if (c < t->cost[i]) {
            for (int k = 2; k > i; k--) {
                t->cost[k] = t->cost[k - 1];
                t->pos[k] = t->pos[k - 1];
            }
            t->cost[i] = c;
            t->pos[i] = pos;
            return;
        }
}

static bool free_job(const solver__model *m, const solver__route *rt, uint32_t i) {
    const solver__node *nd = &m->nodes[rt->nodes[i]];
    return i >= rt->n_fixed && nd->kind == SOLVER__JOB && !m->units[nd->unit].fixed;
}

/* Top three gaps of every free job of a into route b. out has a->n entries. */
static void fill_top3(const solver__model *m, const solver__route *a, const solver__route *b,
                      top3 *out) {
    uint32_t v = b->vehicle;
    for (uint32_t i = 0; i < a->n; i++) {
        top3 *t = &out[i];
        for (int k = 0; k < 3; k++) {
            t->cost[k] = INT64_MAX / 4;
            t->pos[k] = SOLVER_NONE;
        }
        if (!free_job(m, a, i) || !solver__unit_fits(m, m->nodes[a->nodes[i]].unit, v)) continue;
        uint32_t x = m->nodes[a->nodes[i]].loc;
        for (uint32_t pos = b->n_fixed; pos <= b->n; pos++) {
            uint32_t p = solver__loc_at(m, b, (int64_t)pos - 1), q = solver__loc_at(m, b, pos);
            top3_add(t,
                     solver__cost(m, v, p, x) + solver__cost(m, v, x, q) - solver__cost(m, v, p, q),
                     pos);
        }
    }
}

/* Cheapest insertion of the job at a[i] into b without b[j]: a precomputed gap not touching j,
 * or j's own place. *pos gets the gap in b's numbering (j meaning "in j's place"). */
static int64_t best_without(const solver__model *m, const solver__route *a, uint32_t i,
                            const solver__route *b, uint32_t j, const top3 *t, uint32_t *pos) {
    uint32_t v = b->vehicle, x = m->nodes[a->nodes[i]].loc;
    uint32_t p = solver__loc_at(m, b, (int64_t)j - 1), q = solver__loc_at(m, b, (int64_t)j + 1);
    int64_t best = solver__cost(m, v, p, x) + solver__cost(m, v, x, q) - solver__cost(m, v, p, q);
    *pos = j;
    for (int k = 0; k < 3; k++) {
        if (t->pos[k] == SOLVER_NONE || t->pos[k] == j || t->pos[k] == j + 1) continue;
        if (t->cost[k] < best) {
            best = t->cost[k];
            *pos = t->pos[k];
        }
        break; /* ascending: the first usable one is the best */
    }
    return best;
}

/* Route b without position j and with node x inserted at gap pos (j: in j's place). */
static size_t build(const solver__route *b, uint32_t j, uint32_t x, uint32_t pos, uint32_t *out) {
    size_t n = 0;
    for (uint32_t t = 0; t <= b->n; t++) {
        if (t == pos && pos != j) out[n++] = x;
        if (t < b->n) {
            if (t == j) {
                if (pos == j) out[n++] = x;
                continue;
            }
            out[n++] = b->nodes[t];
        }
    }
    return n;
}

static bool routes_close(const solver__model *m, const solver__sol *s, uint32_t r1, uint32_t r2) {
    const solver__route *a = &s->routes[r1];
    for (uint32_t i = 0; i < a->n; i++) {
        uint32_t x = a->nodes[i];
        if (x >= m->n_task_nodes) continue;
        for (uint32_t k = 0; k < m->k_ls; k++)
            if (s->at_route[m->nbr[(size_t)x * m->k_nbr + k]] == r2) return true;
    }
    return false;
}

static bool try_pair(const solver__model *m, solver__sol *s, uint32_t r1, uint32_t r2,
                     uint32_t *scratch, top3 *ta, top3 *tb) {
    const solver__route *a = &s->routes[r1], *b = &s->routes[r2];
    fill_top3(m, a, b, ta);
    fill_top3(m, b, a, tb);
    int64_t best = 0;
    uint32_t bi = 0, bj = 0, bpa = 0, bpb = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        if (ta[i].pos[0] == SOLVER_NONE) continue;
        int64_t ra = solver__remove_delta(m, a, i);
        for (uint32_t j = 0; j < b->n; j++) {
            if (tb[j].pos[0] == SOLVER_NONE) continue;
            int64_t rb = solver__remove_delta(m, b, j);
            if (ra + rb + ta[i].cost[0] + tb[j].cost[0] >= best) continue; /* lower bound */
            uint32_t pa, pb;
            int64_t ia = best_without(m, a, i, b, j, &ta[i], &pb); /* x into b */
            int64_t ib = best_without(m, b, j, a, i, &tb[j], &pa); /* y into a */
            int64_t d = ra + rb + ia + ib;
            if (d < best) {
                best = d;
                bi = i;
                bj = j;
                bpa = pa;
                bpb = pb;
            }
        }
    }
    if (best >= 0) return false;
    uint32_t x = a->nodes[bi], y = b->nodes[bj];
    uint32_t *sa = scratch;
    size_t na = build(a, bi, y, bpa, sa);
    uint32_t *sb = scratch + na;
    size_t nb = build(b, bj, x, bpb, sb);
    return solver__try_routes(m, s, r1, sa, na, r2, sb, nb);
}

bool solver__op_swap_star(const solver__model *m, solver__sol *s, uint32_t *scratch) {
    size_t maxn = 0;
    for (size_t r = 0; r < s->n_routes; r++)
        if (s->routes[r].n > maxn) maxn = s->routes[r].n;
    if (maxn == 0) return false;
    top3 *ta = lm_reallocarray(NULL, maxn + 2, sizeof *ta);
    top3 *tb = lm_reallocarray(NULL, maxn + 2, sizeof *tb);
    bool improved = false;
    if (!ta || !tb) goto done;
    for (uint32_t r1 = 0; r1 < s->n_routes; r1++) {
        if (solver__ls_timeout(m, 0)) break;
        if (s->routes[r1].n < 2) continue;
        for (uint32_t r2 = r1 + 1; r2 < s->n_routes; r2++) {
            /* One-job routes would be priced as emptied: the plain swap covers them. */
            if (s->routes[r1].n < 2 || s->routes[r2].n < 2 || !routes_close(m, s, r1, r2)) continue;
            /* Routes only grow by one node per move here: the buffers stay large enough. */
            if (s->routes[r1].n > maxn || s->routes[r2].n > maxn) continue;
            if (try_pair(m, s, r1, r2, scratch, ta, tb)) improved = true;
        }
    }
done:
    lm_free(ta);
    lm_free(tb);
    if (improved) solver__sol_totals(m, s);
    return improved;
}
