/* The solver memo: work that several problems over one shared matrix would otherwise redo per
 * problem (the matrices' validation scan, the search's neighbour lists), kept for the next one.
 *
 * Why: a re-plan builds its problem two to four times over the same matrix and the same tasks
 * (the minimal-change pass, the free pass, the fallbacks); on a 2,000-stop day the n^2 validation
 * was 12 % of the re-plan's CPU and the neighbour lists 48 % (bench/results/perf-replan.md).
 *
 * Keys. The validation is remembered for one (side, durations, distances, costs) tuple of
 * pointers: the borrowed matrices must not change while borrowed (solver_problem_share_matrix),
 * and a memo is never kept past its matrices (solver.h). The neighbour lists are remembered for
 * one key compared in full (the arrays, the cost basis of vehicle 0, the task-node locations in
 * node order), so a problem with other tasks, other locations or another cost basis builds its
 * own lists (and replaces the remembered ones); the lists depend on nothing else
 * (solver/neighbours.c). */
#include "solver/route.h"

#include <pthread.h>
#include <string.h>

/* What vehicle 0's solver__cost reads, which is all the lists depend on besides the task
 * locations: the arrays (borrowed, unchanged while borrowed), the cost mode and unit, and, for a
 * cost formula, vehicle 0's rates and speed factor. */
typedef struct nbr_basis {
    const int32_t *durations, *distances, *costs;
    size_t side;
    uint8_t mode;
    int64_t unit, per_hour, per_km;
    double speed_factor;
} nbr_basis;

struct solver_memo {
    pthread_mutex_t lock;
    /* the matrices known to be valid */
    bool valid_set;
    size_t valid_n;
    const int32_t *valid_durations, *valid_distances, *valid_costs;
    /* the neighbour lists of the last model built with this memo */
    nbr_basis basis;    /* the costs the lists were built from */
    uint32_t *nbr_locs; /* per task node: its location (the key) */
    size_t nbr_nodes;
    uint32_t nbr_k, nbr_k_ls;
    uint32_t *nbr; /* nbr_nodes x nbr_k */
    solver_memo_stats stats;
};

lm_status solver_memo_create(solver_memo **out) {
    solver_memo *m = lm_calloc(1, sizeof *m);
    if (!m) return LM_NOMEM;
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        lm_free(m);
        return LM_NOMEM;
    }
    *out = m;
    return LM_OK;
}

static void nbr_forget(solver_memo *m) {
    lm_free(m->nbr_locs);
    lm_free(m->nbr);
    m->nbr_locs = m->nbr = NULL;
    m->nbr_nodes = 0;
}

void solver_memo_destroy(solver_memo *m) {
    if (!m) return;
    nbr_forget(m);
    pthread_mutex_destroy(&m->lock);
    lm_free(m);
}

void solver_memo_stats_get(solver_memo *m, solver_memo_stats *out) {
    pthread_mutex_lock(&m->lock);
    *out = m->stats;
    pthread_mutex_unlock(&m->lock);
}

bool solver__memo_matrix_valid(solver_memo *m, size_t n, const int32_t *durations,
                               const int32_t *distances, const int32_t *costs) {
    pthread_mutex_lock(&m->lock);
    bool known = m->valid_set && m->valid_n == n && m->valid_durations == durations &&
                 m->valid_distances == distances && m->valid_costs == costs;
    if (known) m->stats.validations_skipped++;
    pthread_mutex_unlock(&m->lock);
    return known;
}

void solver__memo_matrix_validated(solver_memo *m, size_t n, const int32_t *durations,
                                   const int32_t *distances, const int32_t *costs) {
    pthread_mutex_lock(&m->lock);
    m->stats.validations++;
    if (m->valid_set && (m->valid_n != n || m->valid_durations != durations ||
                         m->valid_distances != distances || m->valid_costs != costs))
        nbr_forget(m); /* other matrices: nothing built on the old ones applies */
    m->valid_set = true;
    m->valid_n = n;
    m->valid_durations = durations;
    m->valid_distances = distances;
    m->valid_costs = costs;
    pthread_mutex_unlock(&m->lock);
}

static nbr_basis basis_of(const solver__model *md) {
    const solver_problem *p = md->p;
    const solver_vehicle *v = &p->vehicles[0].pub;
    nbr_basis b;
    memset(&b, 0, sizeof b); /* compared with memcmp: no stray padding bytes */
    b.durations = p->durations;
    b.distances = p->distances;
    b.costs = p->costs;
    b.side = p->n;
    b.mode = md->cost_mode[0];
    b.unit = p->cost_unit;
    b.per_hour = v->cost_per_hour;
    b.per_km = v->cost_per_km;
    b.speed_factor = v->speed_factor;
    return b;
}

static bool nbr_key_equal(const solver_memo *m, const solver__model *md, const nbr_basis *b) {
    if (m->nbr == NULL || memcmp(&m->basis, b, sizeof *b) != 0 || m->nbr_nodes != md->n_task_nodes)
        return false;
    for (size_t i = 0; i < md->n_task_nodes; i++)
        if (m->nbr_locs[i] != md->nodes[i].loc) return false;
    return true;
}

bool solver__memo_nbr_get(solver_memo *m, solver__model *md) {
    if (md->p->n_vehicles == 0) return false;
    nbr_basis b = basis_of(md);
    pthread_mutex_lock(&m->lock);
    bool hit = nbr_key_equal(m, md, &b);
    if (hit) {
        size_t cells = md->n_task_nodes * m->nbr_k;
        md->nbr = lm_reallocarray(NULL, cells ? cells : 1, sizeof *md->nbr);
        if (!md->nbr) {
            hit = false; /* the caller builds them: the memo is only an optimisation */
        } else {
            memcpy(md->nbr, m->nbr, cells * sizeof *md->nbr);
            md->k_nbr = m->nbr_k;
            md->k_ls = m->nbr_k_ls;
            m->stats.neighbours_reused++;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return hit;
}

void solver__memo_nbr_put(solver_memo *m, const solver__model *md) {
    if (md->p->n_vehicles == 0 || !md->nbr) return;
    nbr_basis b = basis_of(md);
    size_t n = md->n_task_nodes, cells = n * md->k_nbr;
    uint32_t *locs = lm_reallocarray(NULL, n ? n : 1, sizeof *locs);
    uint32_t *nbr = lm_reallocarray(NULL, cells ? cells : 1, sizeof *nbr);
    if (!locs || !nbr) { /* not remembered: the next model builds its own */
        lm_free(locs);
        lm_free(nbr);
        return;
    }
    for (size_t i = 0; i < n; i++)
        locs[i] = md->nodes[i].loc;
    memcpy(nbr, md->nbr, cells * sizeof *nbr);
    pthread_mutex_lock(&m->lock);
    nbr_forget(m);
    m->basis = b;
    m->nbr_locs = locs;
    m->nbr_nodes = n;
    m->nbr_k = md->k_nbr;
    m->nbr_k_ls = md->k_ls;
    m->nbr = nbr;
    m->stats.neighbours_built++;
    pthread_mutex_unlock(&m->lock);
}
