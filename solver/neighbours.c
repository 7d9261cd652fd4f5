/* Neighbour lists of the search model: each task node's k nearest task nodes by the symmetric
 * travel cost min(c(a, b), c(b, a)) of vehicle 0, nearest first (ties: lower node index first).
 *
 * Why a file of its own: the plain O(n^2) scan read the matrix column c(b, a) with a stride of a
 * whole row, a cache miss per pair once the matrix outgrows the cache; on a 2,000-stop re-plan
 * this scan was 40 % of the re-plan's CPU (bench/results/perf-replan.md). The costs between the
 * distinct task locations are first gathered into a compact matrix and made symmetric block by
 * block, so that the scan then reads one contiguous row per node. */
#include "solver/route.h"

#include <string.h>

#define BLOCK 64 /* side of the tiles the compact matrix is made symmetric in */

/* Cost a -> b clamped to int32: the compact matrix is half the size of int64 entries, and a cost
 * beyond 2^31 only ever ties with another such one, which is harmless for a neighbour order. */
static int32_t cost32(const solver__model *m, uint32_t a, uint32_t b) {
    int64_t c = solver__cost(m, 0, a, b);
    return c > INT32_MAX ? INT32_MAX : (int32_t)c;
}

/* The distinct locations of the task nodes: ci[node] = compact index, locs[0..*n_locs). */
static lm_status compact_locations(const solver__model *m, uint32_t *ci, uint32_t **locs_out,
                                   size_t *n_locs) {
    size_t n = m->n_task_nodes, side = m->p->n;
    uint32_t *of_loc = lm_reallocarray(NULL, side, sizeof *of_loc);
    uint32_t *locs = lm_reallocarray(NULL, n, sizeof *locs);
    if (!of_loc || !locs) {
        lm_free(of_loc);
        lm_free(locs);
        return LM_NOMEM;
    }
    memset(of_loc, 0xff, side * sizeof *of_loc); /* SOLVER_NONE */
    size_t L = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t l = m->nodes[i].loc;
        if (of_loc[l] == SOLVER_NONE) {
            of_loc[l] = (uint32_t)L;
            locs[L++] = l;
        }
        ci[i] = of_loc[l];
    }
    lm_free(of_loc);
    *locs_out = locs;
    *n_locs = L;
    return LM_OK;
}

/* sym[a * L + b] = min(c(a, b), c(b, a)) over the compact locations. */
static void symmetric_costs(const solver__model *m, const uint32_t *locs, size_t L, int32_t *sym) {
    /* A plain matrix read when vehicle 0's cost is one: through solver__cost, each cell reloaded
     * the cost mode and the matrix pointer (a uint8_t store may alias them, so the compiler
     * could not hoist them), twice as slow on a re-plan's 1,000-location gather. */
    const int32_t *src = m->cost_mode[0] == SOLVER__COST_DURATION ? m->p->durations
                         : m->cost_mode[0] == SOLVER__COST_MATRIX ? m->p->costs
                                                                  : NULL;
    size_t side = m->p->n;
    for (size_t a = 0; a < L; a++) {
        int32_t *out = &sym[a * L];
        if (src) {
            const int32_t *row = &src[(size_t)locs[a] * side];
            for (size_t b = 0; b < L; b++)
                out[b] = row[locs[b]];
        } else {
            for (size_t b = 0; b < L; b++)
                out[b] = cost32(m, locs[a], locs[b]);
        }
    }
    for (size_t a0 = 0; a0 < L; a0 += BLOCK)
        for (size_t b0 = a0; b0 < L; b0 += BLOCK)
            for (size_t a = a0; a < a0 + BLOCK && a < L; a++)
                for (size_t b = b0 > a ? b0 : a + 1; b < b0 + BLOCK && b < L; b++) {
                    int32_t x = sym[a * L + b], y = sym[b * L + a];
                    int32_t c = x < y ? x : y;
                    sym[a * L + b] = sym[b * L + a] = c;
                }
}

/* Offers node j at cost c to row[0..*cnt) (at most k, cheapest first, their costs in d): kept
 * when the row has room or c is below its dearest; of equal costs the earlier node stays first. */
static inline void keep_cheapest(uint32_t *row, int64_t *d, uint32_t *cnt, uint32_t k, uint32_t j,
                                 int64_t c) {
    if (*cnt == k && c >= d[k - 1]) return;
    uint32_t pos = *cnt < k ? (*cnt)++ : k - 1;
    while (pos > 0 && d[pos - 1] > c) {
        d[pos] = d[pos - 1];
        row[pos] = row[pos - 1];
        pos--;
    }
    d[pos] = c;
    row[pos] = j;
}

/* Sets the lists' sizes (40 neighbours, 12 of them for local search, fewer on small problems)
 * and returns k_nbr. */
static uint32_t nbr_sizes(solver__model *m) {
    size_t n = m->n_task_nodes;
    uint32_t k = n - 1 < 40 ? (uint32_t)(n - 1) : 40;
    m->k_nbr = k;
    m->k_ls = k < 12 ? k : 12;
    return k;
}

/* Keeps row[0..k) the k cheapest of the nodes scanned so far, as the plain scan did. */
static void scan_row(const solver__model *m, size_t i, const uint32_t *ci, const int32_t *srow,
                     uint32_t k, uint32_t *row, int64_t *d) {
    uint32_t cnt = 0;
    for (size_t j = 0; j < m->n_task_nodes; j++) {
        if (j == i) continue;
        int64_t c = srow[ci[j]];
        keep_cheapest(row, d, &cnt, k, (uint32_t)j, c);
    }
}

lm_status solver__build_neighbours(solver__model *m) {
    size_t n = m->n_task_nodes;
    if (n == 0) return LM_OK;
    uint32_t k = nbr_sizes(m);
    if (k == 0) return LM_OK;
    if (m->p->memo && solver__memo_nbr_get(m->p->memo, m)) return LM_OK;
    m->nbr = lm_reallocarray(NULL, n * k, sizeof *m->nbr);
    int64_t *d = lm_reallocarray(NULL, k, sizeof *d);
    uint32_t *ci = lm_reallocarray(NULL, n, sizeof *ci), *locs = NULL;
    int32_t *sym = NULL;
    size_t L = 0;
    lm_status st = LM_NOMEM;
    if (!m->nbr || !d || !ci || compact_locations(m, ci, &locs, &L) != LM_OK) goto done;
    if (!(sym = lm_reallocarray(NULL, L * L, sizeof *sym))) goto done;
    symmetric_costs(m, locs, L, sym);
    for (size_t i = 0; i < n; i++)
        scan_row(m, i, ci, &sym[(size_t)ci[i] * L], k, &m->nbr[i * k], d);
    st = LM_OK;
    if (m->p->memo) solver__memo_nbr_put(m->p->memo, m);
done:
    lm_free(d);
    lm_free(ci);
    lm_free(locs);
    lm_free(sym);
    return st;
}

/* Row i of the neighbour lists from the symmetric costs of node i to every task node. */
static void direct_row(const solver__model *m, size_t i, uint32_t k, uint32_t *row, int64_t *d) {
    uint32_t cnt = 0, a = m->nodes[i].loc;
    for (size_t j = 0; j < m->n_task_nodes; j++) {
        if (j == i) continue;
        uint32_t b = m->nodes[j].loc;
        int32_t x = cost32(m, a, b), y = cost32(m, b, a);
        int64_t c = x < y ? x : y;
        keep_cheapest(row, d, &cnt, k, (uint32_t)j, c);
    }
}

lm_status solver__build_neighbour_rows(solver__model *m, const solver__sol *s) {
    size_t n = m->n_task_nodes;
    if (n == 0) return LM_OK;
    uint32_t k = nbr_sizes(m);
    if (k == 0) return LM_OK;
    if (m->p->memo && solver__memo_nbr_get(m->p->memo, m)) return LM_OK;
    m->nbr = lm_reallocarray(NULL, n * k, sizeof *m->nbr);
    int64_t *d = lm_reallocarray(NULL, k, sizeof *d);
    if (!m->nbr || !d) {
        lm_free(d);
        return LM_NOMEM;
    }
    for (size_t i = 0; i < n; i++) /* valid node indices everywhere, searched or not */
        for (uint32_t c = 0; c < k; c++)
            m->nbr[i * k + c] = (uint32_t)((i + 1 + c) % n);
    for (size_t u = 0; u < m->n_units; u++)
        if (!s->assigned[u] && !m->units[u].fixed && m->units[u].first < n)
            direct_row(m, m->units[u].first, k, &m->nbr[(size_t)m->units[u].first * k], d);
    lm_free(d);
    return LM_OK;
}
