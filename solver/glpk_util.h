/* solver internals: the one doorway to GLPK. Models are described in plain arrays, validated,
 * and solved inside a guarded GLPK session, so no other solver file calls glp_* directly. */
#ifndef LASTMILE_SOLVER_GLPK_UTIL_H
#define LASTMILE_SOLVER_GLPK_UTIL_H

#include "solver/internal.h"

#include <math.h>

/* A minimisation MIP in plain arrays (0-based indices; the caller owns every array).
 * Rows: row_lo[i] <= sum_j a_ij x_j <= row_hi[i], with -INFINITY / INFINITY for "no bound".
 * Columns: col_lo[j] <= x_j <= col_hi[j] (finite), integer if col_int[j] (NULL: all integer).
 * Matrix: nnz triplets (ia[k], ja[k], ar[k]); a pair (i, j) may appear only once. */
typedef struct solver__mip {
    int n_rows, n_cols;
    const double *row_lo, *row_hi;
    const double *obj, *col_lo, *col_hi;
    const bool *col_int;
    size_t nnz;
    const int *ia, *ja;
    const double *ar;
    /* > 0: a work budget instead of the clock, so that the same model gets the same answer on
     * any machine however loaded: the root simplex stops after lp_iter_limit iterations and
     * branch and cut once it has created node_limit nodes; time_limit_ms is then ignored.
     * 0 (the default): time_limit_ms bounds the run. */
    int node_limit, lp_iter_limit;
} solver__mip;

typedef struct solver__mip_result {
    bool has_solution; /* x and obj hold an integer-feasible point */
    bool optimal;      /* ... proven optimal */
    double obj;
    double *x; /* n_cols values, caller-provided */
} solver__mip_result;

/* Checks sizes, indices, finiteness, bound order and duplicate matrix entries before anything
 * reaches GLPK (which aborts on such misuse). LM_INVALID with err naming the problem. */
LM_MUST_USE lm_status solver__mip_validate(const solver__mip *m, lm_errinfo *err);

/* Solves m with GLPK (root LP by simplex, then branch and cut) within time_limit_ms (values < 1
 * count as 1 ms), or within m's node and simplex-iteration budget when m->node_limit is set. x0
 * (n_cols values or NULL) is a known feasible point handed to the branch and cut as its first
 * incumbent. GLPK's terminal output is off and its fatal errors are intercepted: they end the
 * session and return LM_INTERNAL instead of aborting the process. Returns LM_OK when GLPK finished
 * (res says whether a solution exists and whether it is proven optimal; an infeasible model gives
 * has_solution false), LM_TIMEOUT when the time or the budget ran out (res->has_solution tells
 * whether a point was found). */
LM_MUST_USE lm_status solver__mip_solve(const solver__mip *m, const double *x0,
                                        int64_t time_limit_ms, solver__mip_result *res,
                                        lm_errinfo *err);

/* Test hook: misuses the GLPK API on purpose inside a guarded session, to show that a GLPK
 * fatal error becomes LM_INTERNAL (not an abort) and leaves the thread able to use GLPK. */
LM_MUST_USE lm_status solver__glpk_provoke_error(lm_errinfo *err);

/* What bounds one set partitioning: nodes > 0 is a GLPK work budget (branch-and-cut nodes per
 * stage; the clock is not read, so the answer is reproducible); otherwise ms of wall time. */
typedef struct solver__sp_limit {
    int64_t ms;
    int nodes;
} solver__sp_limit;

/* solver__set_partition (internal.h) under either kind of limit, which also says whether the
 * answer is proven optimal for the pool (both lexicographic stages solved to optimality). */
LM_MUST_USE lm_status solver__set_partition_ex(const solver_problem *p, const solver__seq *pool,
                                               size_t n_pool, const size_t *incumbent,
                                               size_t n_incumbent, solver__sp_limit limit,
                                               size_t *chosen, size_t *n_chosen,
                                               bool *proven_optimal);

/* Identical vehicles form one class (same start, end, capacity, initial load, shift, skills,
 * costs, speed, breaks and limits, no fixed steps, and no only_vehicle task naming them): a
 * route computed for one is valid, at the same cost, for any other. class_of[v] gets the
 * smallest vehicle index of v's class. */
void solver__vehicle_classes(const solver_problem *p, uint32_t *class_of);

/* After set partitioning, chosen routes of one class may name the same vehicle: gives each of
 * seqs[0..n) a distinct vehicle of its class (rewriting seqs[i].vehicle). LM_INVALID if a class
 * has more routes than vehicles. */
LM_MUST_USE lm_status solver__assign_class_vehicles(const solver_problem *p, solver__seq *seqs,
                                                    size_t n);

#endif
