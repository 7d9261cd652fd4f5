/* Plan mode: evaluates routes exactly as a dispatcher arranged them by hand, and says which
 * constraint the first broken step violates. */
#include "solver/internal.h"

#include <string.h>

lm_status solver_evaluate(const solver_problem *p, const solver_task_ref *const *routes,
                          const size_t *route_lens, const uint32_t *vehicles, size_t n_routes,
                          solver_solution **out, lm_errinfo *err) {
    if (!p || !out || (n_routes && (!routes || !route_lens || !vehicles)))
        return lm_errinfo_set(err, LM_INVALID, "routes", "routes, lengths and vehicles are needed");
    if (n_routes > p->n_vehicles)
        return lm_errinfo_set(err, LM_INVALID, "routes",
                              "%zu routes for %zu vehicles: a vehicle drives at most one route",
                              n_routes, p->n_vehicles);
    lm_status st = solver_problem_validate(p, err);
    if (st != LM_OK) return st;
    solver_solution *sol = NULL;
    size_t total = 0;
    for (size_t i = 0; i < n_routes; i++) {
        if (route_lens[i] && !routes[i])
            return lm_errinfo_set(err, LM_INVALID, "routes", "route %zu has no steps array", i);
        if (route_lens[i] > p->n_jobs + 2 * p->n_shipments + 64)
            return lm_errinfo_set(err, LM_TOO_BIG, "routes",
                                  "route %zu has more steps than the problem has tasks", i);
        total += route_lens[i];
    }
    /* The builder works on owned task arrays; copy the caller's, which stay untouched. */
    solver__seq *seqs = lm_calloc(n_routes + 1, sizeof *seqs);
    solver_task_ref *tasks = lm_calloc(total + 1, sizeof *tasks);
    if (!seqs || !tasks) {
        st = LM_NOMEM;
        goto fail;
    }
    size_t at = 0;
    for (size_t i = 0; i < n_routes; i++) {
        seqs[i].vehicle = vehicles[i];
        seqs[i].tasks = tasks + at;
        seqs[i].n_tasks = route_lens[i];
        if (route_lens[i]) memcpy(tasks + at, routes[i], route_lens[i] * sizeof *tasks);
        at += route_lens[i];
    }
    if ((st = solver__solution_build(p, seqs, n_routes, &sol, err)) != LM_OK) goto fail;
    /* The checker is written independently of the builder: if they disagree, that is our bug,
     * not the dispatcher's, so say so instead of returning numbers nobody vouches for. */
    solver_check_report rep;
    st = solver_check(p, sol, &rep);
    if (st == LM_INVALID) {
        st =
            lm_errinfo_set(err, LM_INTERNAL, "routes", "internal checker disagrees: %s", rep.first);
        goto fail;
    }
    if (st != LM_OK) goto fail;
    lm_free(seqs);
    lm_free(tasks);
    *out = sol;
    return LM_OK;
fail:
    solver_solution_destroy(sol);
    lm_free(seqs);
    lm_free(tasks);
    return st;
}
