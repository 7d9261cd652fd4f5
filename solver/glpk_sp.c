/* GLPK recombination of the search's route pool: a set-packing MIP that picks the best set of
 * disjoint routes (most priority served, then most tasks, then least cost).
 *
 * Identical vehicles (solver__vehicle_classes) share one "at most as many routes as vehicles"
 * row, so a route found for one of them may be chosen for another: two chosen routes can then
 * name the same vehicle, and the caller gives them distinct ones with
 * solver__assign_class_vehicles (glpk_util.h) before building the solution. */
#include "solver/glpk_util.h"

#include <string.h>

/* Task numbering for coverage rows: jobs first, then shipments (one row per shipment). */
typedef struct sp_model {
    size_t n_tasks;
    int64_t *weight; /* per task: priority * M + tasks served (1 or 2), M > all tasks */
    uint32_t *class_of;
    uint32_t *class_size; /* per class representative */
    size_t n_cols;        /* distinct usable pool routes */
    size_t *col_route;    /* column -> pool index (the cheapest of its duplicates) */
    int64_t *col_weight;  /* sum of weights of the route's tasks */
    size_t *route_col;    /* pool index -> column, SIZE_MAX if unused */
    size_t *col_rows;     /* the sorted task rows of each column, flat */
    size_t *col_rows_at;  /* column -> offset into col_rows (n_cols + 1 entries) */
    size_t *hash;         /* open-addressing table of columns, SIZE_MAX = empty */
    size_t hash_mask;
} sp_model;

static void sp_model_free(sp_model *m) {
    lm_free(m->weight);
    lm_free(m->class_of);
    lm_free(m->class_size);
    lm_free(m->col_route);
    lm_free(m->col_weight);
    lm_free(m->route_col);
    lm_free(m->col_rows);
    lm_free(m->col_rows_at);
    lm_free(m->hash);
}

static lm_status task_row(const solver_problem *p, solver_task_ref r, size_t *row) {
    switch (r.type) {
    case SOLVER_STEP_JOB:
        if (r.index >= p->n_jobs) return LM_INVALID;
        *row = r.index;
        return LM_OK;
    case SOLVER_STEP_PICKUP:
    case SOLVER_STEP_DELIVERY:
        if (r.index >= p->n_shipments) return LM_INVALID;
        *row = p->n_jobs + r.index;
        return LM_OK;
    default: return LM_INVALID;
    }
}

/* ---- Scoring and verifying a set of routes, in exact integers ---- */

typedef struct score {
    int64_t weight, cost;
} score;

static bool score_better(score a, score b) {
    return a.weight > b.weight || (a.weight == b.weight && a.cost < b.cost);
}

/* True if the routes (pool indices) are disjoint in tasks and fit the vehicle classes, and the
 * fixed-step vehicles in `must` are all used; fills its score. */
static bool set_feasible(const solver_problem *p, const sp_model *m, const solver__seq *pool,
                         const size_t *set, size_t n, const bool *must, score *out) {
    bool ok = true;
    unsigned char *covered = lm_calloc(m->n_tasks + 1, 1);
    uint32_t *used = lm_calloc(p->n_vehicles + 1, sizeof *used);
    bool *vehicle_seen = lm_calloc(p->n_vehicles + 1, sizeof *vehicle_seen);
    score s = {0, 0};
    if (!covered || !used || !vehicle_seen) {
        ok = false;
        goto done;
    }
    for (size_t i = 0; i < n && ok; i++) {
        const solver__seq *q = &pool[set[i]];
        uint32_t c = m->class_of[q->vehicle];
        if (++used[c] > m->class_size[c]) ok = false;
        vehicle_seen[q->vehicle] = true;
        s.cost += q->cost;
        for (size_t k = 0; k < q->n_tasks && ok; k++) {
            size_t row;
            if (q->tasks[k].type == SOLVER_STEP_BREAK || q->tasks[k].type == SOLVER_STEP_DELIVERY)
                continue;
            if (task_row(p, q->tasks[k], &row) != LM_OK || covered[row]) {
                ok = false;
                break;
            }
            covered[row] = 1;
            s.weight += m->weight[row];
        }
    }
    for (uint32_t v = 0; ok && v < p->n_vehicles; v++)
        if (must[v] && !vehicle_seen[v]) ok = false;
done:
    lm_free(covered);
    lm_free(used);
    lm_free(vehicle_seen);
    *out = s;
    return ok;
}

/* ---- The model ---- */

/* Looks the just-staged column (rows at col_rows_at[n_cols]..) up among the columns of the same
 * class; returns its column or SIZE_MAX, and the hash slot where it is or would go. */
static size_t find_column(const sp_model *m, const solver__seq *pool, uint32_t cls, size_t *slot) {
    const size_t *rows = m->col_rows + m->col_rows_at[m->n_cols];
    size_t n = m->col_rows_at[m->n_cols + 1] - m->col_rows_at[m->n_cols];
    uint64_t h = 1469598103934665603u ^ cls;
    for (size_t k = 0; k < n; k++)
        h = (h ^ rows[k]) * 1099511628211u;
    size_t at = (size_t)h & m->hash_mask;
    for (;; at = (at + 1) & m->hash_mask) {
        size_t c = m->hash[at];
        if (c == SIZE_MAX) break;
        size_t cn = m->col_rows_at[c + 1] - m->col_rows_at[c];
        if (cn == n && m->class_of[pool[m->col_route[c]].vehicle] == cls &&
            memcmp(m->col_rows + m->col_rows_at[c], rows, n * sizeof *rows) == 0) {
            *slot = at;
            return c;
        }
    }
    *slot = at;
    return SIZE_MAX;
}

static lm_status sp_model_init(const solver_problem *p, const solver__seq *pool, size_t n_pool,
                               sp_model *m) {
    memset(m, 0, sizeof *m);
    m->n_tasks = p->n_jobs + p->n_shipments;
    size_t total_rows = 0;
    for (size_t i = 0; i < n_pool; i++) {
        if (pool[i].n_tasks > m->n_tasks * 2 + 64) return LM_INVALID; /* cannot be a route */
        total_rows += pool[i].n_tasks;
    }
    size_t table = 16;
    while (table < 2 * n_pool + 2)
        table *= 2;
    m->hash_mask = table - 1;
    m->weight = lm_calloc(m->n_tasks + 1, sizeof *m->weight);
    m->class_of = lm_calloc(p->n_vehicles + 1, sizeof *m->class_of);
    m->class_size = lm_calloc(p->n_vehicles + 1, sizeof *m->class_size);
    m->col_route = lm_calloc(n_pool + 1, sizeof *m->col_route);
    m->col_weight = lm_calloc(n_pool + 1, sizeof *m->col_weight);
    m->route_col = lm_calloc(n_pool + 1, sizeof *m->route_col);
    m->col_rows = lm_calloc(total_rows + 1, sizeof *m->col_rows);
    m->col_rows_at = lm_calloc(n_pool + 2, sizeof *m->col_rows_at);
    m->hash = lm_calloc(table, sizeof *m->hash);
    if (!m->weight || !m->class_of || !m->class_size || !m->col_route || !m->col_weight ||
        !m->route_col || !m->col_rows || !m->col_rows_at || !m->hash)
        return LM_NOMEM;
    memset(m->hash, 0xff, table * sizeof *m->hash);
    int64_t big = (int64_t)(p->n_jobs + 2 * p->n_shipments) + 1;
    for (size_t j = 0; j < p->n_jobs; j++)
        m->weight[j] = (int64_t)p->jobs[j].pub.priority * big + 1;
    for (size_t s = 0; s < p->n_shipments; s++)
        m->weight[p->n_jobs + s] = (int64_t)p->shipments[s].pub.priority * big + 2;
    solver__vehicle_classes(p, m->class_of);
    for (uint32_t v = 0; v < p->n_vehicles; v++)
        m->class_size[m->class_of[v]]++;
    for (size_t i = 0; i < n_pool; i++) {
        const solver__seq *q = &pool[i];
        m->route_col[i] = SIZE_MAX;
        if (q->vehicle >= p->n_vehicles || (q->n_tasks && !q->tasks) || q->cost < 0)
            return LM_INVALID;
        /* Stage the route's rows (jobs and shipment pickups) sorted, as column n_cols. */
        size_t *rows = m->col_rows + m->col_rows_at[m->n_cols], n = 0;
        int64_t w = 0;
        for (size_t k = 0; k < q->n_tasks; k++) {
            size_t row;
            if (q->tasks[k].type == SOLVER_STEP_BREAK) {
                if (q->tasks[k].index >= p->vehicles[q->vehicle].pub.n_breaks) return LM_INVALID;
                continue;
            }
            if (task_row(p, q->tasks[k], &row) != LM_OK) return LM_INVALID;
            if (q->tasks[k].type == SOLVER_STEP_DELIVERY) continue;
            size_t at = n++;
            while (at > 0 && rows[at - 1] > row) {
                rows[at] = rows[at - 1];
                at--;
            }
            rows[at] = row;
            w += m->weight[row];
        }
        for (size_t k = 1; k < n; k++)
            if (rows[k] == rows[k - 1]) return LM_INVALID; /* a task twice in one route */
        if (n == 0) continue;                              /* a route serving nothing never helps */
        m->col_rows_at[m->n_cols + 1] = m->col_rows_at[m->n_cols] + n;
        /* The same tasks on the same class of vehicle: keep only the cheapest order. */
        size_t slot, c = find_column(m, pool, m->class_of[q->vehicle], &slot);
        if (c != SIZE_MAX) {
            if (q->cost < pool[m->col_route[c]].cost) m->col_route[c] = i;
            m->route_col[i] = c;
            continue;
        }
        m->hash[slot] = m->n_cols;
        m->col_route[m->n_cols] = i;
        m->col_weight[m->n_cols] = w;
        m->route_col[i] = m->n_cols;
        m->n_cols++;
    }
    return LM_OK;
}

/* Arrays of one MIP over the model's columns; rows: tasks, then one per vehicle class, then
 * optionally the "weight at least" row. */
typedef struct sp_arrays {
    double *obj, *col_lo, *col_hi, *row_lo, *row_hi, *ar, *x0, *x;
    int *ia, *ja;
    size_t nnz;
    int n_rows;
} sp_arrays;

static void sp_arrays_free(sp_arrays *a) {
    lm_free(a->obj);
    lm_free(a->col_lo);
    lm_free(a->col_hi);
    lm_free(a->row_lo);
    lm_free(a->row_hi);
    lm_free(a->ar);
    lm_free(a->x0);
    lm_free(a->x);
    lm_free(a->ia);
    lm_free(a->ja);
}

typedef enum stage { STAGE_WEIGHT, STAGE_COST } stage;

static lm_status sp_arrays_build(const solver_problem *p, const sp_model *m,
                                 const solver__seq *pool, const bool *must, stage which,
                                 int64_t min_weight, bool partition, sp_arrays *a) {
    memset(a, 0, sizeof *a);
    size_t nnz = 0;
    for (size_t c = 0; c < m->n_cols; c++)
        nnz += pool[m->col_route[c]].n_tasks + 2;
    int n_rows = (int)m->n_tasks + (int)p->n_vehicles + 1;
    a->obj = lm_calloc(m->n_cols + 1, sizeof *a->obj);
    a->col_lo = lm_calloc(m->n_cols + 1, sizeof *a->col_lo);
    a->col_hi = lm_calloc(m->n_cols + 1, sizeof *a->col_hi);
    a->x0 = lm_calloc(m->n_cols + 1, sizeof *a->x0);
    a->x = lm_calloc(m->n_cols + 1, sizeof *a->x);
    a->row_lo = lm_calloc((size_t)n_rows + 1, sizeof *a->row_lo);
    a->row_hi = lm_calloc((size_t)n_rows + 1, sizeof *a->row_hi);
    a->ar = lm_calloc(nnz + 1, sizeof *a->ar);
    a->ia = lm_calloc(nnz + 1, sizeof *a->ia);
    a->ja = lm_calloc(nnz + 1, sizeof *a->ja);
    if (!a->obj || !a->col_lo || !a->col_hi || !a->x0 || !a->x || !a->row_lo || !a->row_hi ||
        !a->ar || !a->ia || !a->ja)
        return LM_NOMEM;
    /* Task rows: covered at most once (exactly once when every task can be and must be). */
    for (size_t t = 0; t < m->n_tasks; t++) {
        a->row_lo[t] = partition ? 1.0 : -INFINITY;
        a->row_hi[t] = 1.0;
    }
    /* Class rows (row n_tasks + representative): at most the class size; a fixed-step
     * vehicle the incumbent uses must stay used. */
    for (uint32_t v = 0; v < p->n_vehicles; v++) {
        int r = (int)m->n_tasks + (int)v;
        a->row_lo[r] = must[v] ? 1.0 : -INFINITY;
        a->row_hi[r] = m->class_of[v] == v ? (double)m->class_size[v] : INFINITY;
    }
    int weight_row = (int)m->n_tasks + (int)p->n_vehicles;
    a->row_lo[weight_row] = which == STAGE_COST ? (double)min_weight - 0.5 : -INFINITY;
    a->row_hi[weight_row] = INFINITY;
    for (size_t c = 0; c < m->n_cols; c++) {
        const solver__seq *q = &pool[m->col_route[c]];
        a->col_lo[c] = 0.0;
        a->col_hi[c] = 1.0;
        a->obj[c] = which == STAGE_WEIGHT ? -(double)m->col_weight[c] : (double)q->cost;
        for (size_t k = 0; k < q->n_tasks; k++) {
            size_t row;
            if (q->tasks[k].type == SOLVER_STEP_BREAK || q->tasks[k].type == SOLVER_STEP_DELIVERY)
                continue;
            if (task_row(p, q->tasks[k], &row) != LM_OK) return LM_INVALID;
            a->ia[a->nnz] = (int)row;
            a->ja[a->nnz] = (int)c;
            a->ar[a->nnz++] = 1.0;
        }
        a->ia[a->nnz] = (int)m->n_tasks + (int)m->class_of[q->vehicle];
        a->ja[a->nnz] = (int)c;
        a->ar[a->nnz++] = 1.0;
        if (which == STAGE_COST && min_weight > 0) {
            a->ia[a->nnz] = weight_row;
            a->ja[a->nnz] = (int)c;
            a->ar[a->nnz++] = (double)m->col_weight[c];
        }
    }
    a->n_rows = n_rows;
    return LM_OK;
}

/* Solves one stage, warm-started from `start` (pool indices); on success writes the chosen pool
 * indices into out/n_out. *timed_out says whether GLPK hit its limit, *proven whether the
 * answer is proven optimal for the stage. */
static lm_status sp_stage(const solver_problem *p, const sp_model *m, const solver__seq *pool,
                          const bool *must, stage which, int64_t min_weight, bool partition,
                          const size_t *start, size_t n_start, int64_t time_ms, int nodes,
                          size_t *out, size_t *n_out, bool *timed_out, bool *proven) {
    sp_arrays a;
    lm_status st = sp_arrays_build(p, m, pool, must, which, min_weight, partition, &a);
    if (st != LM_OK) goto done;
    for (size_t i = 0; i < n_start; i++)
        if (m->route_col[start[i]] != SIZE_MAX) a.x0[m->route_col[start[i]]] = 1.0;
    solver__mip mip = {.n_rows = a.n_rows,
                       .n_cols = (int)m->n_cols,
                       .row_lo = a.row_lo,
                       .row_hi = a.row_hi,
                       .obj = a.obj,
                       .col_lo = a.col_lo,
                       .col_hi = a.col_hi,
                       .nnz = a.nnz,
                       .ia = a.ia,
                       .ja = a.ja,
                       .ar = a.ar,
                       .node_limit = nodes,
                       /* root LP: generous for pools of up to 20000 routes, yet bounded */
                       .lp_iter_limit = nodes > 0 ? 50 * nodes + 20000 : 0};
    solver__mip_result res = {.x = a.x};
    lm_errinfo err;
    st = solver__mip_solve(&mip, a.x0, time_ms, &res, &err);
    *timed_out = st == LM_TIMEOUT;
    if (st != LM_OK && st != LM_TIMEOUT) goto done;
    st = LM_OK;
    *proven = res.optimal;
    *n_out = 0;
    if (res.has_solution)
        for (size_t c = 0; c < m->n_cols; c++)
            if (a.x[c] > 0.5) out[(*n_out)++] = m->col_route[c];
    if (!res.has_solution) st = LM_NOT_FOUND;
done:
    sp_arrays_free(&a);
    return st;
}

lm_status solver__set_partition(const solver_problem *p, const solver__seq *pool, size_t n_pool,
                                const size_t *incumbent, size_t n_incumbent, int64_t time_limit_ms,
                                size_t *chosen, size_t *n_chosen) {
    bool proven = false;
    solver__sp_limit lim = {.ms = time_limit_ms};
    return solver__set_partition_ex(p, pool, n_pool, incumbent, n_incumbent, lim, chosen, n_chosen,
                                    &proven);
}

lm_status solver__set_partition_ex(const solver_problem *p, const solver__seq *pool, size_t n_pool,
                                   const size_t *incumbent, size_t n_incumbent,
                                   solver__sp_limit limit, size_t *chosen, size_t *n_chosen,
                                   bool *proven_optimal) {
    int64_t time_limit_ms = limit.ms;
    bool by_nodes = limit.nodes > 0; /* then the clock decides nothing */
    *proven_optimal = false;
    if (!p || (n_pool && !pool) || (n_incumbent && !incumbent) || !chosen || !n_chosen)
        return LM_INVALID;
    for (size_t i = 0; i < n_incumbent; i++)
        if (incumbent[i] >= n_pool) return LM_INVALID;
    int64_t deadline_ns =
        by_nodes ? 0 : lm_mono_ns() + (time_limit_ms > 0 ? time_limit_ms : 0) * 1000000;
    sp_model m;
    bool *must = lm_calloc(p->n_vehicles + 1, sizeof *must);
    size_t *best = lm_calloc(n_pool + 1, sizeof *best);
    size_t *cand = lm_calloc(n_pool + 1, sizeof *cand);
    lm_status st = sp_model_init(p, pool, n_pool, &m);
    if (st == LM_OK && (!must || !best || !cand)) st = LM_NOMEM;
    if (st != LM_OK) goto done;
    for (size_t i = 0; i < n_incumbent; i++)
        if (p->vehicles[pool[incumbent[i]].vehicle].pub.n_fixed_steps)
            must[pool[incumbent[i]].vehicle] = true;
    score inc_score;
    if (!set_feasible(p, &m, pool, incumbent, n_incumbent, must, &inc_score)) {
        st = LM_INVALID; /* routes overlap or overfill a class: not a solution */
        goto done;
    }
    size_t n_best = n_incumbent;
    if (n_incumbent) memcpy(best, incumbent, n_incumbent * sizeof *best);
    score best_score = inc_score;
    bool improved = false, all_proven = true, any_timeout = false;
    if (m.n_cols == 0) { /* nothing to choose from: the incumbent is all there is */
        *proven_optimal = true;
        goto finish;
    }
    if (!by_nodes && time_limit_ms <= 0) {
        st = LM_TIMEOUT;
        goto finish;
    }

    /* Which tasks the pool can cover at all: if the incumbent already serves each of them, the
     * served weight cannot grow and stage 1 is skipped. */
    int64_t coverable = 0;
    {
        unsigned char *can = lm_calloc(m.n_tasks + 1, 1);
        if (!can) {
            st = LM_NOMEM;
            goto done;
        }
        for (size_t c = 0; c < m.n_cols; c++) {
            const solver__seq *q = &pool[m.col_route[c]];
            for (size_t k = 0; k < q->n_tasks; k++) {
                size_t row;
                if (task_row(p, q->tasks[k], &row) == LM_OK) can[row] = 1;
            }
        }
        for (size_t t = 0; t < m.n_tasks; t++)
            if (can[t]) coverable += m.weight[t];
        lm_free(can);
    }
    int64_t target_weight = best_score.weight;
    if (coverable > best_score.weight) {
        /* Stage 1: serve as much weight (priority, then tasks) as the pool allows. */
        int64_t left_ms = by_nodes ? 0 : (deadline_ns - lm_mono_ns()) / 1000000;
        size_t n_cand = 0;
        bool tmo = false, proven = false;
        st = sp_stage(p, &m, pool, must, STAGE_WEIGHT, 0, false, best, n_best, left_ms / 2,
                      limit.nodes, cand, &n_cand, &tmo, &proven);
        any_timeout |= tmo;
        all_proven &= proven;
        if (st != LM_OK && st != LM_NOT_FOUND) goto done;
        score s;
        if (st == LM_OK && set_feasible(p, &m, pool, cand, n_cand, must, &s) &&
            s.weight > best_score.weight) {
            memcpy(best, cand, n_cand * sizeof *best);
            n_best = n_cand;
            best_score = s;
            improved = true;
        }
        target_weight = best_score.weight;
    }
    /* Stage 2: least cost at that weight. When every task is served, coverage rows become
     * equalities (a set partitioning, tighter for GLPK) and the weight row is not needed. */
    {
        int64_t left_ms = by_nodes ? 0 : (deadline_ns - lm_mono_ns()) / 1000000;
        int64_t all_weight = 0;
        for (size_t t = 0; t < m.n_tasks; t++)
            all_weight += m.weight[t];
        bool partition = target_weight == all_weight;
        size_t n_cand = 0;
        bool tmo = false, proven = false;
        st = sp_stage(p, &m, pool, must, STAGE_COST, partition ? 0 : target_weight, partition, best,
                      n_best, left_ms, limit.nodes, cand, &n_cand, &tmo, &proven);
        any_timeout |= tmo;
        all_proven &= proven;
        if (st != LM_OK && st != LM_NOT_FOUND) goto done;
        score s;
        /* GLPK's tolerances are relative: re-verify in integers before trusting the answer. */
        if (st == LM_OK && set_feasible(p, &m, pool, cand, n_cand, must, &s) &&
            score_better(s, best_score)) {
            memcpy(best, cand, n_cand * sizeof *best);
            n_best = n_cand;
            best_score = s;
            improved = true;
        }
    }
    *proven_optimal = all_proven && !any_timeout;
    st = improved || *proven_optimal ? LM_OK : LM_TIMEOUT;
finish:
    memcpy(chosen, best, n_best * sizeof *chosen);
    *n_chosen = n_best;
done:
    sp_model_free(&m);
    lm_free(must);
    lm_free(best);
    lm_free(cand);
    return st;
}
