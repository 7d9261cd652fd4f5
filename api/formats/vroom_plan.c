/* api/formats/vroom_plan.c: solving a parsed VROOM input, VROOM's plan mode (the vehicles' steps
 * evaluated as whole routes), and benchmark instances viewed as VROOM inputs. */
#include "api/formats/vroom_internal.h"

#include <stdio.h>
#include <string.h>

lm_status fmt_vroom_solve(const fmt_vroom_input *in, const solver_opts *o, solver_solution **out,
                          lm_errinfo *err) {
    solver_opts with;
    if (o)
        with = *o;
    else
        solver_opts_init(&with);
    if (!with.iterations) with.iterations = in->iterations; /* the caller's choice first */
    if (in->per_type_varies)
        return lm_errinfo_set(err, LM_INVALID, "jobs",
                              "setup_per_type / service_per_type values that differ between the "
                              "fleet's vehicle types are supported in plan mode (-c) only");
    /* VROOM's steps in solving mode: the search starts from them (solver_opts.seed_routes). */
    const solver_task_ref **seeds = NULL;
    size_t *lens = NULL;
    if (fmt_vroom_input_has_steps(in)) {
        seeds = lm_calloc(in->n_vehicles, sizeof *seeds);
        lens = lm_calloc(in->n_vehicles, sizeof *lens);
        if (!seeds || !lens) {
            lm_free(seeds);
            lm_free(lens);
            return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
        }
        for (size_t v = 0; v < in->n_vehicles; v++) {
            seeds[v] = in->vehicles[v].steps;
            lens[v] = in->vehicles[v].n_steps;
        }
        with.seed_routes = seeds;
        with.seed_lens = lens;
    }
    lm_status st = solver_solve(in->problem, &with, out, err);
    lm_free(seeds);
    lm_free(lens);
    return st;
}

uint64_t fmt_vroom_input_iterations(const fmt_vroom_input *in) {
    return in->iterations;
}

/* Every planned vehicle's steps, with the setup and service of its type where a task has
 * *_per_type values, into routes[] (in vehicle order); NULL when out of memory. */
static solver_plan_step *typed_steps(const fmt_vroom_input *in, solver_plan_route *routes) {
    size_t k = 0, total = 0;
    for (size_t v = 0; v < in->n_vehicles; v++)
        total += in->vehicles[v].n_plan;
    solver_plan_step *steps = lm_calloc(total + 1, sizeof *steps), *at = steps;
    for (size_t v = 0; steps && v < in->n_vehicles; v++) {
        const vroom_vehicle *veh = &in->vehicles[v];
        if (!veh->n_plan) continue;
        memcpy(at, veh->plan, veh->n_plan * sizeof *at);
        for (size_t i = 0; i < veh->n_plan; i++) {
            const vroom_task *t = NULL;
            if (at[i].type == SOLVER_STEP_JOB) t = &in->jobs[at[i].index];
            if (at[i].type == SOLVER_STEP_PICKUP) t = &in->pickups[at[i].index];
            if (at[i].type == SOLVER_STEP_DELIVERY) t = &in->deliveries[at[i].index];
            if (!t || (!t->n_setup_pt && !t->n_service_pt)) continue;
            at[i].has_setup = at[i].has_service = true;
            at[i].setup_s = fmt__vroom_task_setup(t, veh->type);
            at[i].service_s = fmt__vroom_task_service(t, veh->type);
        }
        routes[k++] = (solver_plan_route){(uint32_t)v, at, veh->n_plan};
        at += veh->n_plan;
    }
    return steps;
}

lm_status fmt_vroom_plan_ex(const fmt_vroom_input *in, solver_solution **out,
                            solver_plan_report **report, lm_errinfo *err) {
    size_t n = 0;
    for (size_t v = 0; v < in->n_vehicles; v++)
        n += in->vehicles[v].n_plan > 0;
    solver_plan_route *routes = lm_calloc(n + 1, sizeof *routes);
    if (!routes) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    solver_plan_step *steps = typed_steps(in, routes);
    if (!steps) {
        lm_free(routes);
        return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    }
    lm_status st = solver_plan(in->problem, routes, n, out, report, err);
    lm_free(steps);
    /* The planner names "routes[k]"; the caller wrote that route as vehicles[v].steps. */
    unsigned long rk;
    if (st != LM_OK && err && sscanf(err->field, "routes[%lu]", &rk) == 1 && rk < n)
        fmt__vroom_printf(err->field, sizeof err->field, "vehicles[%u].steps", routes[rk].vehicle);
    else if (st == LM_INVALID && err && !strcmp(err->field, "steps"))
        lm_strlcpy(err->field, "vehicles", sizeof err->field);
    lm_free(routes);
    return st;
}

lm_status fmt_vroom_plan(const fmt_vroom_input *in, solver_solution **out, lm_errinfo *err) {
    solver_plan_report *rep = NULL;
    lm_status st = fmt_vroom_plan_ex(in, out, &rep, err);
    solver_plan_report_destroy(rep);
    return st;
}

bool fmt_vroom_input_wants_plan(const fmt_vroom_input *in) {
    return in->plan;
}

void fmt_vroom_input_set_plan(fmt_vroom_input *in, bool on) {
    in->plan = on;
}

void fmt_vroom_apply_options(const fmt_vroom_input *in, solver_opts *o, unsigned max_threads,
                             int64_t max_time_limit_ms) {
    if (in->threads) o->threads = in->threads < max_threads ? in->threads : max_threads;
    if (in->time_limit_ms)
        o->time_limit_ms =
            in->time_limit_ms < max_time_limit_ms ? in->time_limit_ms : max_time_limit_ms;
    else if (in->exploration >= 0) /* x: a share of the time budget, 1/6 (x = 0) to all (5) */
        o->time_limit_ms = o->time_limit_ms * (in->exploration + 1) / 6;
    if (o->time_limit_ms < 1) o->time_limit_ms = 1;
}

/* ---- Benchmark instances as VROOM inputs ---- */

lm_status fmt_vroom_input_from_instance(const fmt_instance *inst, fmt_vroom_input **out,
                                        lm_errinfo *err) {
    const solver_problem *p = inst->problem;
    if (!p || solver_problem_n_jobs(p) != inst->n_customers ||
        solver_problem_n_vehicles(p) != inst->n_vehicles ||
        inst->n_customers + 1 != inst->n_nodes || inst->depot >= inst->n_nodes)
        return lm_errinfo_set(err, LM_INTERNAL, "", "instance '%s' is inconsistent", inst->name);
    fmt_vroom_input *in = lm_calloc(1, sizeof *in);
    lm_status st = in ? lm_arena_create(SIZE_MAX, &in->arena) : LM_NOMEM;
    if (st != LM_OK) goto fail;
    st = LM_NOMEM;
    in->problem = (solver_problem *)p; /* borrowed: never destroyed nor changed through in */
    in->borrowed = true;
    in->n_dims = solver_problem_n_dims(p);
    in->n_jobs = inst->n_customers;
    in->n_vehicles = inst->n_vehicles;
    in->n_locations = inst->n_nodes;
    in->index_based = true;
    in->has_distances = true;
    in->jobs = lm_arena_alloc(in->arena, in->n_jobs * sizeof *in->jobs);
    in->vehicles = lm_arena_alloc(in->arena, in->n_vehicles * sizeof *in->vehicles);
    if ((in->n_jobs && !in->jobs) || (in->n_vehicles && !in->vehicles)) goto fail;
    /* Jobs are the non-depot nodes in file order (api.h's instance contract). */
    size_t k = 0;
    for (uint32_t l = 0; l < inst->n_nodes; l++) {
        if (l == inst->depot) continue;
        vroom_task *t = &in->jobs[k++];
        t->id = inst->node_id[l];
        t->loc.present = t->loc.has_index = true;
        t->loc.index = l;
        if (in->n_dims) t->delivery[0] = inst->demand[l];
    }
    for (size_t v = 0; v < in->n_vehicles; v++) {
        vroom_vehicle *m = &in->vehicles[v];
        m->id = v + 1;
        m->start.present = m->start.has_index = m->end.present = m->end.has_index = true;
        m->start.index = m->end.index = inst->depot;
    }
    *out = in;
    return LM_OK;
fail:
    fmt_vroom_input_destroy(in);
    return lm_errinfo_set(err, st, "", "%s", lm_strerror(st));
}
