/* Safe GLPK: validates models before any glp_* call, always sets time limits, silences GLPK's
 * terminal, and turns GLPK's fatal errors into LM_INTERNAL instead of an abort(). */
#include "solver/glpk_util.h"

#include <glpk.h>
#include <setjmp.h>
#include <string.h>

/* ---- The guarded session ----
 * GLPK keeps its environment per thread (built with _Thread_local) and, on a fatal error, calls
 * the hook installed in that environment and then abort()s. Our hook longjmp()s back into the
 * session that is running on this thread; the environment is then inconsistent, so the session
 * frees it whole with glp_free_env() (which also frees every GLPK object of this thread: only
 * objects created inside the session exist, by construction). Sessions always end with
 * glp_free_env() too, so GLPK memory never outlives a solve and threads never leak it. */

typedef struct glpk_session {
    jmp_buf jump;
} glpk_session;

static _Thread_local glpk_session *current_session;

static void on_glpk_error(void *info) {
    glpk_session *s = info;
    longjmp(s->jump, 1);
}

static int swallow_terminal(void *info, const char *text) {
    (void)info;
    (void)text;
    return 1; /* non-zero: GLPK prints nothing */
}

static void session_open(glpk_session *s) {
    current_session = s;
    glp_term_hook(swallow_terminal, NULL);
    glp_term_out(GLP_OFF);
    glp_error_hook(on_glpk_error, s);
}

static void session_close(void) {
    glp_error_hook(NULL, NULL);
    glp_free_env();
    current_session = NULL;
}

/* ---- Validation ---- */

lm_status solver__mip_validate(const solver__mip *m, lm_errinfo *err) {
    if (!m || m->n_cols <= 0 || m->n_rows < 0)
        return lm_errinfo_set(err, LM_INVALID, "mip", "a model needs columns");
    if (m->n_cols > 5000000 || m->n_rows > 5000000 || m->nnz > (size_t)INT32_MAX - 1)
        return lm_errinfo_set(err, LM_TOO_BIG, "mip", "model too large for GLPK");
    if (!m->obj || !m->col_lo || !m->col_hi || (m->n_rows && (!m->row_lo || !m->row_hi)) ||
        (m->nnz && (!m->ia || !m->ja || !m->ar)))
        return lm_errinfo_set(err, LM_INVALID, "mip", "missing arrays");
    for (int j = 0; j < m->n_cols; j++) {
        if (!isfinite(m->obj[j]) || !isfinite(m->col_lo[j]) || !isfinite(m->col_hi[j]) ||
            m->col_lo[j] > m->col_hi[j])
            return lm_errinfo_set(err, LM_INVALID, "mip.cols",
                                  "column %d has a non-finite value or crossed bounds", j);
    }
    for (int i = 0; i < m->n_rows; i++) {
        if (isnan(m->row_lo[i]) || isnan(m->row_hi[i]) || m->row_lo[i] > m->row_hi[i] ||
            m->row_lo[i] == INFINITY || m->row_hi[i] == -INFINITY)
            return lm_errinfo_set(err, LM_INVALID, "mip.rows", "row %d has crossed bounds", i);
    }
    /* Duplicates: sort-free check with a per-row stamp of the last column seen, after
     * bucketing entries by row. */
    lm_status st = LM_OK;
    size_t *start = lm_calloc((size_t)m->n_rows + 1, sizeof *start);
    int *cols = lm_calloc(m->nnz + 1, sizeof *cols);
    int *stamp = lm_calloc((size_t)m->n_cols, sizeof *stamp);
    if (!start || !cols || !stamp) {
        st = LM_NOMEM;
        goto done;
    }
    for (size_t k = 0; k < m->nnz; k++) {
        if (m->ia[k] < 0 || m->ia[k] >= m->n_rows || m->ja[k] < 0 || m->ja[k] >= m->n_cols) {
            st = lm_errinfo_set(err, LM_INVALID, "mip.matrix",
                                "entry %zu (%d, %d) is outside the %d x %d model", k, m->ia[k],
                                m->ja[k], m->n_rows, m->n_cols);
            goto done;
        }
        if (!isfinite(m->ar[k])) {
            st = lm_errinfo_set(err, LM_INVALID, "mip.matrix", "entry %zu is not finite", k);
            goto done;
        }
        start[m->ia[k]]++;
    }
    size_t acc = 0;
    for (int i = 0; i < m->n_rows; i++) {
        size_t c = start[i];
        start[i] = acc;
        acc += c;
    }
    start[m->n_rows] = acc;
    {
        size_t *fill = lm_calloc((size_t)m->n_rows + 1, sizeof *fill);
        if (!fill) {
            st = LM_NOMEM;
            goto done;
        }
        for (size_t k = 0; k < m->nnz; k++)
            cols[start[m->ia[k]] + fill[m->ia[k]]++] = m->ja[k];
        lm_free(fill);
    }
    for (int i = 0; i < m->n_rows; i++)
        for (size_t k = start[i]; k < start[i + 1]; k++) {
            if (stamp[cols[k]] == i + 1) {
                st = lm_errinfo_set(err, LM_INVALID, "mip.matrix", "row %d has column %d twice", i,
                                    cols[k]);
                goto done;
            }
            stamp[cols[k]] = i + 1;
        }
done:
    lm_free(start);
    lm_free(cols);
    lm_free(stamp);
    return st;
}

/* ---- Solving ---- */

typedef struct warm_start {
    const double *x1; /* 1-based copy of x0, or NULL */
    bool offered;
    int node_limit; /* > 0: stop branch and cut once it has created more nodes */
} warm_start;

static void on_branch_and_cut(glp_tree *tree, void *info) {
    warm_start *w = info;
    if (glp_ios_reason(tree) == GLP_IHEUR && w->x1 && !w->offered) {
        w->offered = true;
        (void)glp_ios_heur_sol(tree, w->x1); /* rejected if not better: fine */
    }
    if (w->node_limit > 0) {
        /* Counting nodes, unlike reading the clock, stops GLPK at the same point on every run. */
        int active = 0, current = 0, total = 0;
        glp_ios_tree_size(tree, &active, &current, &total);
        if (total > w->node_limit) glp_ios_terminate(tree);
    }
}

static int glpk_ms(int64_t ms) {
    if (ms < 1) return 1;
    if (ms > INT32_MAX) return INT32_MAX;
    return (int)ms;
}

static int row_type(double lo, double hi) {
    bool l = lo != -INFINITY, h = hi != INFINITY;
    if (l && h) return lo == hi ? GLP_FX : GLP_DB;
    if (l) return GLP_LO;
    if (h) return GLP_UP;
    return GLP_FR;
}

/* Everything touched after setjmp and read after a longjmp lives here, reached through a
 * pointer that does not change, so no local needs to be volatile. */
typedef struct solve_state {
    int *ia1, *ja1;
    double *ar1, *x1;
    warm_start warm;
    int lp_ret, mip_ret, lp_status, mip_status;
    double obj;
} solve_state;

static void solve_in_session(const solver__mip *m, int64_t time_limit_ms, solve_state *s,
                             double *x_out) {
    int64_t t0 = lm_mono_ns();
    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    if (m->n_rows) glp_add_rows(lp, m->n_rows);
    glp_add_cols(lp, m->n_cols);
    for (int i = 0; i < m->n_rows; i++) {
        int type = row_type(m->row_lo[i], m->row_hi[i]);
        glp_set_row_bnds(lp, i + 1, type, type == GLP_UP || type == GLP_FR ? 0.0 : m->row_lo[i],
                         type == GLP_LO || type == GLP_FR ? 0.0 : m->row_hi[i]);
    }
    for (int j = 0; j < m->n_cols; j++) {
        glp_set_col_kind(lp, j + 1, (!m->col_int || m->col_int[j]) ? GLP_IV : GLP_CV);
        glp_set_col_bnds(lp, j + 1, m->col_lo[j] == m->col_hi[j] ? GLP_FX : GLP_DB, m->col_lo[j],
                         m->col_hi[j]);
        glp_set_obj_coef(lp, j + 1, m->obj[j]);
    }
    if (m->nnz) glp_load_matrix(lp, (int)m->nnz, s->ia1, s->ja1, s->ar1);

    glp_smcp smcp;
    glp_init_smcp(&smcp);
    smcp.msg_lev = GLP_MSG_OFF;
    bool by_work = m->node_limit > 0;
    if (by_work) {
        if (m->lp_iter_limit > 0) smcp.it_lim = m->lp_iter_limit;
    } else {
        smcp.tm_lim = glpk_ms(time_limit_ms);
    }
    s->lp_ret = glp_simplex(lp, &smcp);
    s->lp_status = glp_get_status(lp);
    s->mip_ret = -1;
    if (s->lp_ret == 0 && s->lp_status == GLP_OPT) {
        int64_t spent_ms = (lm_mono_ns() - t0) / 1000000;
        glp_iocp iocp;
        glp_init_iocp(&iocp);
        iocp.msg_lev = GLP_MSG_OFF;
        if (!by_work) iocp.tm_lim = glpk_ms(time_limit_ms - spent_ms);
        s->warm.node_limit = m->node_limit;
        iocp.presolve = GLP_OFF; /* the warm start refers to our columns, not presolved ones */
        iocp.clq_cuts = GLP_ON;  /* set packing rows: clique cuts pay */
        iocp.br_tech = GLP_BR_DTH;
        iocp.bt_tech = GLP_BT_BLB;
        iocp.mip_gap = 0.0;
        iocp.cb_func = on_branch_and_cut;
        iocp.cb_info = &s->warm;
        s->mip_ret = glp_intopt(lp, &iocp);
        s->mip_status = glp_mip_status(lp);
        if (s->mip_status == GLP_OPT || s->mip_status == GLP_FEAS) {
            s->obj = glp_mip_obj_val(lp);
            for (int j = 0; j < m->n_cols; j++)
                x_out[j] = glp_mip_col_val(lp, j + 1);
        }
    }
    glp_delete_prob(lp);
}

lm_status solver__mip_solve(const solver__mip *m, const double *x0, int64_t time_limit_ms,
                            solver__mip_result *res, lm_errinfo *err) {
    lm_status st = solver__mip_validate(m, err);
    if (st != LM_OK) return st;
    if (current_session)
        return lm_errinfo_set(err, LM_INTERNAL, "mip", "GLPK sessions cannot nest on a thread");
    solve_state *s = lm_calloc(1, sizeof *s);
    double *x = lm_calloc((size_t)m->n_cols, sizeof *x);
    if (!s || !x) {
        st = LM_NOMEM;
        goto fail;
    }
    /* GLPK's arrays are 1-based: element 0 is ignored. */
    s->ia1 = lm_calloc(m->nnz + 1, sizeof *s->ia1);
    s->ja1 = lm_calloc(m->nnz + 1, sizeof *s->ja1);
    s->ar1 = lm_calloc(m->nnz + 1, sizeof *s->ar1);
    if (!s->ia1 || !s->ja1 || !s->ar1) {
        st = LM_NOMEM;
        goto fail;
    }
    for (size_t k = 0; k < m->nnz; k++) {
        s->ia1[k + 1] = m->ia[k] + 1;
        s->ja1[k + 1] = m->ja[k] + 1;
        s->ar1[k + 1] = m->ar[k];
    }
    if (x0) {
        s->x1 = lm_calloc((size_t)m->n_cols + 1, sizeof *s->x1);
        if (!s->x1) {
            st = LM_NOMEM;
            goto fail;
        }
        memcpy(s->x1 + 1, x0, (size_t)m->n_cols * sizeof *x0);
        s->warm.x1 = s->x1;
    }

    glpk_session session;
    session_open(&session);
    if (setjmp(session.jump) != 0) {
        session_close();
        st = lm_errinfo_set(err, LM_INTERNAL, "mip", "GLPK stopped on an internal error");
        goto fail;
    }
    solve_in_session(m, time_limit_ms, s, x);
    session_close();

    solver__mip_result r = {.x = res->x};
    /* Out of time, or of the work budget (simplex iterations, nodes: GLP_ESTOP is our stop). */
    if (s->lp_ret == GLP_ETMLIM || s->mip_ret == GLP_ETMLIM || s->lp_ret == GLP_EITLIM ||
        s->mip_ret == GLP_ESTOP)
        st = LM_TIMEOUT;
    else if (s->lp_ret != 0 && s->lp_ret != GLP_ENOPFS && s->lp_ret != GLP_ENODFS)
        st = lm_errinfo_set(err, LM_INTERNAL, "mip", "GLPK simplex failed (code %d)", s->lp_ret);
    else if (s->mip_ret != -1 && s->mip_ret != 0 && s->mip_ret != GLP_ENOPFS &&
             s->mip_ret != GLP_ENODFS)
        st = lm_errinfo_set(err, LM_INTERNAL, "mip", "GLPK branch and cut failed (code %d)",
                            s->mip_ret);
    if (st != LM_OK && st != LM_TIMEOUT) goto fail;
    if (s->mip_ret != -1 && (s->mip_status == GLP_OPT || s->mip_status == GLP_FEAS)) {
        r.has_solution = true;
        r.optimal = s->mip_status == GLP_OPT && st == LM_OK;
        r.obj = s->obj;
        memcpy(r.x, x, (size_t)m->n_cols * sizeof *x);
    }
    *res = r;
fail:
    if (s) {
        lm_free(s->ia1);
        lm_free(s->ja1);
        lm_free(s->ar1);
        lm_free(s->x1);
    }
    lm_free(s);
    lm_free(x);
    return st;
}

lm_status solver__glpk_provoke_error(lm_errinfo *err) {
    if (current_session)
        return lm_errinfo_set(err, LM_INTERNAL, "mip", "GLPK sessions cannot nest on a thread");
    glpk_session session;
    session_open(&session);
    if (setjmp(session.jump) != 0) {
        session_close();
        return lm_errinfo_set(err, LM_INTERNAL, "mip", "GLPK stopped on an internal error");
    }
    glp_prob *lp = glp_create_prob();
    glp_add_cols(lp, -1); /* invalid on purpose: GLPK calls its fatal error path */
    glp_delete_prob(lp);
    session_close();
    return LM_OK;
}

/* ---- Vehicle classes ---- */

static bool same_tws(const solver__tws *a, const solver__tws *b) {
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->w[i].start_s != b->w[i].start_s || a->w[i].end_s != b->w[i].end_s) return false;
    return true;
}

static bool vehicles_identical(const solver_problem *p, const solver__vehicle *a,
                               const solver__vehicle *b) {
    const solver_vehicle *x = &a->pub, *y = &b->pub;
    if (x->start != y->start || x->end != y->end || x->shift.start_s != y->shift.start_s ||
        x->shift.end_s != y->shift.end_s || x->cost_fixed != y->cost_fixed ||
        x->cost_per_hour != y->cost_per_hour || x->cost_per_km != y->cost_per_km ||
        x->cost_per_task_hour != y->cost_per_task_hour || x->max_tasks != y->max_tasks ||
        x->no_tasks != y->no_tasks || x->max_travel_time_s != y->max_travel_time_s ||
        x->max_distance_m != y->max_distance_m || x->speed_factor != y->speed_factor ||
        x->n_breaks != y->n_breaks || x->n_fixed_steps || y->n_fixed_steps)
        return false;
    for (uint32_t d = 0; d < p->n_dims; d++)
        if (x->capacity[d] != y->capacity[d] || x->initial_load[d] != y->initial_load[d])
            return false;
    if (a->skills.n != b->skills.n ||
        (a->skills.n && memcmp(a->skills.s, b->skills.s, a->skills.n * sizeof *a->skills.s)))
        return false;
    for (size_t i = 0; i < x->n_breaks; i++) {
        const solver_break *u = &a->breaks[i].pub, *w = &b->breaks[i].pub;
        if (u->service_s != w->service_s || u->has_max_load != w->has_max_load ||
            !same_tws(&a->breaks[i].tws, &b->breaks[i].tws))
            return false;
        for (uint32_t d = 0; u->has_max_load && d < p->n_dims; d++)
            if (u->max_load[d] != w->max_load[d]) return false;
    }
    return true;
}

void solver__vehicle_classes(const solver_problem *p, uint32_t *class_of) {
    /* Vehicles named by an only_vehicle task are their own class: nobody else may serve it. */
    bool *named = lm_calloc(p->n_vehicles + 1, sizeof *named);
    for (size_t i = 0; named && i < p->n_jobs; i++)
        if (p->jobs[i].pub.only_vehicle != SOLVER_NONE) named[p->jobs[i].pub.only_vehicle] = true;
    for (size_t i = 0; named && i < p->n_shipments; i++)
        if (p->shipments[i].pub.only_vehicle != SOLVER_NONE)
            named[p->shipments[i].pub.only_vehicle] = true;
    for (uint32_t v = 0; v < p->n_vehicles; v++) {
        class_of[v] = v;
        if (!named || named[v]) continue; /* out of memory: no merging, still correct */
        for (uint32_t u = 0; u < v; u++)
            if (class_of[u] == u && !named[u] &&
                vehicles_identical(p, &p->vehicles[u], &p->vehicles[v])) {
                class_of[v] = u;
                break;
            }
    }
    lm_free(named);
}

lm_status solver__assign_class_vehicles(const solver_problem *p, solver__seq *seqs, size_t n) {
    uint32_t *class_of = lm_calloc(p->n_vehicles + 1, sizeof *class_of);
    bool *taken = lm_calloc(p->n_vehicles + 1, sizeof *taken);
    bool *settled = lm_calloc(n + 1, sizeof *settled);
    lm_status st = LM_OK;
    if (!class_of || !taken || !settled) {
        st = LM_NOMEM;
        goto done;
    }
    solver__vehicle_classes(p, class_of);
    /* Routes keep their own vehicle when they can (fixed steps and breaks match it exactly);
     * the others take a free vehicle of the same class. */
    for (size_t i = 0; i < n; i++) {
        if (seqs[i].vehicle >= p->n_vehicles) {
            st = LM_INVALID;
            goto done;
        }
        if (!taken[seqs[i].vehicle]) {
            taken[seqs[i].vehicle] = true;
            settled[i] = true;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (settled[i]) continue;
        uint32_t c = class_of[seqs[i].vehicle];
        uint32_t v = 0;
        while (v < p->n_vehicles && (taken[v] || class_of[v] != c))
            v++;
        if (v == p->n_vehicles) {
            st = LM_INVALID;
            goto done;
        }
        taken[v] = true;
        seqs[i].vehicle = v;
    }
done:
    lm_free(class_of);
    lm_free(taken);
    lm_free(settled);
    return st;
}
