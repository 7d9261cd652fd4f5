/* Plan mode's GLPK model (VROOM's choose_ETA, src/algorithms/validation/mip.tex there): start
 * times t_i, violations Y_i, window choices X_ik and travel parts delta_i of one fixed route.
 * Stage 1 minimises violations x makespan estimate + makespan; stage 2 keeps both and minimises
 * the starts, then drives before breaks rather than after. */
#include "solver/glpk_util.h"
#include "solver/plan_internal.h"

#include <math.h>

/* Column layout: t_0..t_{n+1}, Y_0..Y_{n+1}, X (K), delta_0..delta_n. */
typedef struct layout {
    int n, K, col_y, col_x, col_d, n_cols;
    int row_l0, row_d, row_s, row_delta, row_makespan, row_sigma, n_rows;
} layout;

typedef struct model {
    layout L;
    double *row_lo, *row_hi, *obj, *col_lo, *col_hi, *ar, *x;
    bool *col_int;
    int *ia, *ja;
    size_t nnz, cap;
} model;

static void add(model *m, int row, int col, double v) {
    if (v == 0.0 || m->nnz >= m->cap) return;
    m->ia[m->nnz] = row;
    m->ja[m->nnz] = col;
    m->ar[m->nnz++] = v;
}

static void model_free(model *m) {
    lm_free(m->row_lo);
    lm_free(m->row_hi);
    lm_free(m->obj);
    lm_free(m->col_lo);
    lm_free(m->col_hi);
    lm_free(m->ar);
    lm_free(m->x);
    lm_free(m->col_int);
    lm_free(m->ia);
    lm_free(m->ja);
}

static lm_status model_alloc(model *m, const plan__route *r) {
    layout *L = &m->L;
    L->n = (int)r->n;
    L->K = (int)r->K;
    L->col_y = L->n + 2;
    L->col_x = 2 * L->n + 4;
    L->col_d = L->col_x + L->K;
    L->n_cols = L->col_d + L->n + 1;
    L->row_l0 = L->n + 1;
    L->row_d = 2 * L->n + 2;
    L->row_s = 3 * L->n + 3;
    L->row_delta = 4 * L->n + 3;
    L->row_makespan = L->row_delta + (int)r->nJ;
    L->row_sigma = L->row_makespan + 1;
    L->n_rows = L->row_sigma + 1;
    size_t rows = (size_t)L->n_rows, cols = (size_t)L->n_cols;
    m->cap = 6 * (size_t)(L->n + 2) + 3 * (size_t)L->K + cols + 8;
    m->row_lo = lm_calloc(rows, sizeof *m->row_lo);
    m->row_hi = lm_calloc(rows, sizeof *m->row_hi);
    m->obj = lm_calloc(cols, sizeof *m->obj);
    m->col_lo = lm_calloc(cols, sizeof *m->col_lo);
    m->col_hi = lm_calloc(cols, sizeof *m->col_hi);
    m->x = lm_calloc(cols, sizeof *m->x);
    m->col_int = lm_calloc(cols, sizeof *m->col_int);
    m->ar = lm_calloc(m->cap, sizeof *m->ar);
    m->ia = lm_calloc(m->cap, sizeof *m->ia);
    m->ja = lm_calloc(m->cap, sizeof *m->ja);
    if (!m->row_lo || !m->row_hi || !m->obj || !m->col_lo || !m->col_hi || !m->x || !m->col_int ||
        !m->ar || !m->ia || !m->ja)
        return LM_NOMEM;
    return LM_OK;
}

static void set_row(model *m, int row, double lo, double hi) {
    m->row_lo[row] = lo;
    m->row_hi[row] = hi;
}

/* Rows: precedence P_i, lead L_i, delay D_i, window choice S_i, travel split Delta, makespan,
 * sum of Y. */
static void build_rows(model *m, const plan__route *r) {
    const layout *L = &m->L;
    int n = L->n;
    double hs = (double)r->hs;
    size_t rank = 1;
    for (int i = 0; i <= n; i++) { /* P_i: t_{i+1} - t_i - delta_i >= action of step i */
        double action = 0;
        if (i > 0) {
            const plan__step *st = &r->st[i];
            action = st->type == SOLVER_STEP_BREAK ? (double)st->service_s : (double)r->act[rank++];
        }
        set_row(m, i, action, INFINITY);
        add(m, i, i, -1);
        add(m, i, i + 1, 1);
        add(m, i, L->col_d + i, -1);
    }
    const solver__vehicle *v = r->v;
    set_row(m, L->row_l0, r->tw_vehicle_default ? 0 : (double)v->pub.shift.start_s - hs, INFINITY);
    add(m, L->row_l0, 0, 1);
    add(m, L->row_l0, L->col_y, 1);
    int x = L->col_x;
    for (int i = 0; i < n; i++) {
        const plan__step *st = &r->st[i + 1];
        int rl = L->row_l0 + 1 + i, rd = L->row_d + i, rs = L->row_s + i;
        set_row(m, rl, 0, INFINITY);
        set_row(m, rd, -INFINITY, 0);
        set_row(m, rs, 1, 1);
        add(m, rl, i + 1, 1);
        add(m, rl, L->col_y + i + 1, 1);
        add(m, rd, i + 1, 1);
        add(m, rd, L->col_y + i + 1, -1);
        for (size_t k = 0; k < st->n_tws; k++, x++) {
            add(m, rs, x, 1);
            if (st->tw_default) { /* always met with Y = 0: VROOM's -horizon_end coefficient, */
                set_row(m, rd, -INFINITY, INFINITY); /* free here (GLPK misjudges 1e9 factors) */
                continue;
            }
            add(m, rl, x, -((double)st->tws[k].start_s - hs));
            add(m, rd, x, -((double)st->tws[k].end_s - hs));
        }
    }
    int rd_end = L->row_d + n;
    set_row(m, rd_end, -INFINITY,
            r->tw_vehicle_default ? INFINITY : (double)v->pub.shift.end_s - hs);
    add(m, rd_end, n + 1, 1);
    add(m, rd_end, L->col_y + n + 1, -1);
    int d = L->col_d;
    for (size_t j = 0; j < r->nJ; j++) {
        int row = L->row_delta + (int)j;
        set_row(m, row, (double)r->ev_dur[j], (double)r->ev_dur[j]);
        for (unsigned b = 0; b <= r->B[j]; b++)
            add(m, row, d++, 1);
    }
    set_row(m, L->row_makespan, 0, INFINITY);
    add(m, L->row_makespan, 0, -1);
    add(m, L->row_makespan, n + 1, 1);
    set_row(m, L->row_sigma, 0, (double)r->sample_viol);
    for (int i = 0; i <= n + 1; i++)
        add(m, L->row_sigma, L->col_y + i, 1);
}

static void build_cols(model *m, const plan__route *r) {
    const layout *L = &m->L;
    int n = L->n;
    for (int i = 0; i <= n + 1; i++) {
        m->col_lo[i] = (double)(r->lb[i] - r->hs);
        m->col_hi[i] = (double)(r->ub[i] - r->hs);
        m->col_lo[L->col_y + i] = 0;
        m->col_hi[L->col_y + i] = (double)r->sample_viol;
        m->obj[L->col_y + i] = (double)r->makespan_est;
    }
    m->obj[n + 1] = 1;
    m->obj[0] = -1;
    int x = L->col_x;
    for (int i = 0; i < n; i++) {
        const plan__step *st = &r->st[i + 1];
        for (size_t k = 0; k < st->n_tws; k++, x++) {
            m->col_int[x] = true;
            bool off = k < r->first_tw[i] || k > r->last_tw[i];
            m->col_hi[x] = off ? 0 : 1;
        }
    }
    int d = L->col_d;
    for (size_t j = 0; j < r->nJ; j++)
        for (unsigned b = 0; b <= r->B[j]; b++, d++)
            m->col_hi[d] = (double)r->ev_dur[j];
}

static int64_t val(const model *m, int col) {
    return (int64_t)llround(m->x[col]);
}

static lm_status solve(model *m, const plan__route *r, lm_errinfo *err) {
    solver__mip mip = {.n_rows = m->L.n_rows,
                       .n_cols = m->L.n_cols,
                       .row_lo = m->row_lo,
                       .row_hi = m->row_hi,
                       .obj = m->obj,
                       .col_lo = m->col_lo,
                       .col_hi = m->col_hi,
                       .col_int = m->col_int,
                       .nnz = m->nnz,
                       .ia = m->ia,
                       .ja = m->ja,
                       .ar = m->ar};
    solver__mip_result res = {.x = m->x};
    lm_status st = solver__mip_solve(&mip, NULL, 10000, &res, err);
    if (st == LM_OK && !res.has_solution)
        return lm_errinfo_set(err, LM_INVALID, "steps", "Infeasible route for vehicle %llu.",
                              (unsigned long long)r->v->pub.id);
    if (st == LM_TIMEOUT || (st == LM_OK && !res.optimal))
        return lm_errinfo_set(err, LM_INTERNAL, "steps",
                              "the timing of vehicle %llu's route was not settled in 10 s",
                              (unsigned long long)r->v->pub.id);
    return st;
}

lm_status solver__plan_mip(plan__route *r, lm_errinfo *err) {
    for (size_t s = 0; s < r->ns; s++)
        if (r->ub[s] < r->lb[s])
            return lm_errinfo_set(err, LM_INVALID, "steps", "Infeasible route for vehicle %llu.",
                                  (unsigned long long)r->v->pub.id);
    model m = {0};
    lm_status st = model_alloc(&m, r);
    if (st != LM_OK) {
        model_free(&m);
        return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    }
    build_rows(&m, r);
    build_cols(&m, r);
    const layout *L = &m.L;
    int n = L->n;
    if ((st = solve(&m, r, err)) != LM_OK) goto done;
    /* Stage 2: pin the violations and the makespan; earliest starts, travel before breaks. */
    int64_t makespan = val(&m, n + 1) - val(&m, 0), sum_y = 0, majorant = 0;
    for (int i = 0; i <= n + 1; i++) {
        sum_y += val(&m, L->col_y + i);
        m.obj[L->col_y + i] = 0;
    }
    m.obj[0] = m.obj[n + 1] = 0;
    int d = L->col_d;
    for (size_t j = 0; j < r->nJ; j++) {
        for (unsigned b = 1; b <= r->B[j]; b++)
            m.obj[d + (int)b] = b;
        d += (int)r->B[j] + 1;
        majorant += (int64_t)r->B[j] * r->ev_dur[j];
    }
    for (int i = 1; i <= n; i++)
        m.obj[i] = (double)(majorant ? majorant : 1);
    set_row(&m, L->row_makespan, (double)makespan, (double)makespan);
    set_row(&m, L->row_sigma, (double)sum_y, (double)sum_y);
    if ((st = solve(&m, r, err)) != LM_OK) goto done;
    for (int i = 0; i <= n + 1; i++)
        r->t[i] = r->hs + val(&m, i);
    for (int i = 0; i <= n; i++)
        r->delta[i] = val(&m, L->col_d + i);
    int x = L->col_x;
    for (int i = 0; i < n; i++) {
        const plan__step *ps = &r->st[i + 1];
        for (size_t k = 0; k < ps->n_tws; k++, x++)
            if (val(&m, x) == 1) r->tw_rank[i] = (unsigned)k;
    }
done:
    model_free(&m);
    return st;
}
