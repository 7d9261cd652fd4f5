/* The solution builder: turns bare task sequences into full routes (arrivals, waiting, loads,
 * cumulative travel, totals) by the route semantics of internal.h, and explains unserved tasks. */
#include "solver/internal.h"

#include <stdio.h>
#include <string.h>

/* What the builder needs to know about one located task. */
typedef struct task_view {
    uint32_t location;
    int64_t setup_s, service_s;
    const solver__tws *tws;
} task_view;

static task_view view_of(const solver_problem *p, solver_task_ref r) {
    task_view tv = {0};
    if (r.type == SOLVER_STEP_JOB) {
        const solver__job *j = &p->jobs[r.index];
        tv.location = j->pub.location;
        tv.setup_s = j->pub.setup_s;
        tv.service_s = j->pub.service_s;
        tv.tws = &j->tws;
    } else {
        const solver__shipment *s = &p->shipments[r.index];
        const solver_task *t = r.type == SOLVER_STEP_PICKUP ? &s->pub.pickup : &s->pub.delivery;
        tv.location = t->location;
        tv.setup_s = t->setup_s;
        tv.service_s = t->service_s;
        tv.tws = r.type == SOLVER_STEP_PICKUP ? &s->pickup_tws : &s->delivery_tws;
    }
    return tv;
}

static const char *type_name(solver_step_type t) {
    switch (t) {
    case SOLVER_STEP_START: return "start";
    case SOLVER_STEP_JOB: return "job";
    case SOLVER_STEP_PICKUP: return "pickup";
    case SOLVER_STEP_DELIVERY: return "delivery";
    case SOLVER_STEP_BREAK: return "break";
    case SOLVER_STEP_END: return "end";
    }
    return "step";
}

/* Per-build bookkeeping of which tasks are already on a route (tasks at most once overall). */
typedef struct seen_sets {
    uint32_t *job_route;      /* route number + 1 that serves job i, 0 if none */
    uint32_t *pickup_route;   /* same for shipment pickups */
    uint32_t *delivery_route; /* and deliveries */
    bool *vehicle_used;
} seen_sets;

/* ---- One route ---- */

typedef struct route_ctx {
    const solver_problem *p;
    const solver__vehicle *v;
    const solver__seq *seq;
    size_t route_no;   /* position in the input, for messages */
    size_t step_shift; /* 1 if the route has a start step: task i is step i + step_shift */
    lm_errinfo *err;
} route_ctx;

/* Reports a violation at output step `step` (the start step, when there is one, is step 0). */
static lm_status route_fail(const route_ctx *c, size_t step, const char *fmt, ...) LM_PRINTF(3, 4);

static lm_status route_fail(const route_ctx *c, size_t step, const char *fmt, ...) {
    char field[64], msg[200];
    snprintf(field, sizeof field, "routes[%zu].steps[%zu]", c->route_no, step);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lm_errinfo_set(c->err, LM_INVALID, field, "vehicle %llu, step %zu: %s",
                          (unsigned long long)c->v->pub.id, step, msg);
}

static uint64_t task_id(const solver_problem *p, solver_task_ref r, const solver__vehicle *v) {
    switch (r.type) {
    case SOLVER_STEP_JOB: return p->jobs[r.index].pub.id;
    case SOLVER_STEP_PICKUP: return p->shipments[r.index].pub.pickup.id;
    case SOLVER_STEP_DELIVERY: return p->shipments[r.index].pub.delivery.id;
    case SOLVER_STEP_BREAK: return v->breaks[r.index].pub.id;
    default: return 0;
    }
}

/* Checks everything about a sequence that does not need the clock: indices, at-most-once,
 * skills, only_vehicle, shipment order, breaks exactly once, fixed prefix, max_tasks. */
static lm_status route_check_static(const route_ctx *c, seen_sets *seen) {
    const solver_problem *p = c->p;
    const solver__vehicle *v = c->v;
    const solver__seq *q = c->seq;
    uint32_t mark = (uint32_t)c->route_no + 1;
    uint64_t breaks_seen = 0;
    uint32_t n_tasks = 0;
    for (size_t i = 0; i < q->n_tasks; i++) {
        solver_task_ref r = q->tasks[i];
        const solver__skills *need = NULL;
        uint32_t only = SOLVER_NONE;
        switch (r.type) {
        case SOLVER_STEP_JOB:
            if (r.index >= p->n_jobs)
                return route_fail(c, i + c->step_shift, "job index %u is unknown", r.index);
            if (seen->job_route[r.index])
                return route_fail(c, i + c->step_shift, "job %llu is served twice",
                                  (unsigned long long)task_id(p, r, v));
            seen->job_route[r.index] = mark;
            need = &p->jobs[r.index].skills;
            only = p->jobs[r.index].pub.only_vehicle;
            n_tasks++;
            break;
        case SOLVER_STEP_PICKUP:
        case SOLVER_STEP_DELIVERY: {
            if (r.index >= p->n_shipments)
                return route_fail(c, i + c->step_shift, "shipment index %u is unknown", r.index);
            bool pick = r.type == SOLVER_STEP_PICKUP;
            uint32_t *slot = pick ? &seen->pickup_route[r.index] : &seen->delivery_route[r.index];
            if (*slot)
                return route_fail(c, i + c->step_shift, "%s %llu is served twice",
                                  type_name(r.type), (unsigned long long)task_id(p, r, v));
            if (!pick && seen->pickup_route[r.index] != mark)
                return route_fail(c, i + c->step_shift,
                                  "delivery %llu comes before its pickup on this route",
                                  (unsigned long long)task_id(p, r, v));
            *slot = mark;
            need = &p->shipments[r.index].skills;
            only = p->shipments[r.index].pub.only_vehicle;
            n_tasks++;
            break;
        }
        case SOLVER_STEP_BREAK:
            if (r.index >= v->pub.n_breaks)
                return route_fail(c, i + c->step_shift,
                                  "break index %u is not one of this vehicle's breaks", r.index);
            if (breaks_seen & (UINT64_C(1) << r.index))
                return route_fail(c, i + c->step_shift, "break %llu is taken twice",
                                  (unsigned long long)task_id(p, r, v));
            breaks_seen |= UINT64_C(1) << r.index;
            break;
        default:
            return route_fail(c, i + c->step_shift, "a %s cannot appear inside a route",
                              type_name(r.type));
        }
        if (need && !solver__skills_cover(&v->skills, need))
            return route_fail(c, i + c->step_shift, "lacks the skills %s %llu needs",
                              type_name(r.type), (unsigned long long)task_id(p, r, v));
        if (only != SOLVER_NONE && only != q->vehicle)
            return route_fail(c, i + c->step_shift, "%s %llu may only be served by vehicle %llu",
                              type_name(r.type), (unsigned long long)task_id(p, r, v),
                              (unsigned long long)p->vehicles[only].pub.id);
    }
    for (size_t i = 0; i < q->n_tasks; i++) {
        solver_task_ref r = q->tasks[i];
        if (r.type == SOLVER_STEP_PICKUP && seen->delivery_route[r.index] != mark)
            return route_fail(c, i + c->step_shift,
                              "pickup %llu has no delivery after it on this route",
                              (unsigned long long)task_id(p, r, v));
    }
    for (size_t b = 0; b < v->pub.n_breaks; b++)
        if (!(breaks_seen & (UINT64_C(1) << b)))
            return route_fail(c, q->n_tasks + c->step_shift, "break %llu is missing from the route",
                              (unsigned long long)v->breaks[b].pub.id);
    for (size_t i = 0; i < v->pub.n_fixed_steps; i++) {
        solver_task_ref f = v->fixed_steps[i];
        if (i >= q->n_tasks || q->tasks[i].type != f.type || q->tasks[i].index != f.index)
            return route_fail(c, i + c->step_shift,
                              "the route must begin with its fixed step %zu (%s %llu)", i,
                              type_name(f.type), (unsigned long long)task_id(p, f, v));
    }
    if (v->pub.no_tasks && n_tasks)
        return route_fail(c, c->step_shift, "the vehicle may serve no task (max_tasks 0)");
    if (v->pub.max_tasks && n_tasks > v->pub.max_tasks)
        return route_fail(c, q->n_tasks + c->step_shift, "%u tasks exceed max_tasks %u", n_tasks,
                          v->pub.max_tasks);
    return LM_OK;
}

static void load_apply(const solver_problem *p, solver_task_ref r, int64_t *load) {
    for (uint32_t d = 0; d < p->n_dims; d++) {
        if (r.type == SOLVER_STEP_JOB)
            load[d] += p->jobs[r.index].pub.pickup[d] - p->jobs[r.index].pub.delivery[d];
        else if (r.type == SOLVER_STEP_PICKUP)
            load[d] += p->shipments[r.index].pub.amount[d];
        else if (r.type == SOLVER_STEP_DELIVERY)
            load[d] -= p->shipments[r.index].pub.amount[d];
    }
}

static int over_capacity(const solver_problem *p, const int64_t *load, const int64_t *cap) {
    for (uint32_t d = 0; d < p->n_dims; d++)
        if (load[d] > cap[d]) return (int)d;
    return -1;
}

/* The running state of route_simulate: the steps written so far and the totals behind them. */
typedef struct route_sim {
    solver_step *steps;
    size_t k;             /* steps written */
    size_t first_pending; /* breaks in steps[first_pending, k) await their leg */
    int64_t t;            /* time when the previous step is done */
    uint32_t prev_loc;
    int64_t travel, dist, cost; /* cost: the costs-matrix cells driven (none without one) */
    int64_t setup_sum, service_sum, waiting_sum;
    uint32_t priority;
    int64_t load[SOLVER_MAX_DIMS];
} route_sim;

/* The load at the start (initial load plus every job's delivery) within capacity, and the start
 * step. */
static lm_status sim_begin(const route_ctx *c, route_sim *sim) {
    const solver_problem *p = c->p;
    const solver__vehicle *v = c->v;
    const solver__seq *q = c->seq;
    for (uint32_t d = 0; d < p->n_dims; d++)
        sim->load[d] = v->pub.initial_load[d];
    for (size_t i = 0; i < q->n_tasks; i++)
        if (q->tasks[i].type == SOLVER_STEP_JOB)
            for (uint32_t d = 0; d < p->n_dims; d++)
                sim->load[d] += p->jobs[q->tasks[i].index].pub.delivery[d];
    int dim = over_capacity(p, sim->load, v->pub.capacity);
    if (dim >= 0)
        return route_fail(c, 0, "load at start %lld exceeds capacity %lld in dimension %d",
                          (long long)sim->load[dim], (long long)v->pub.capacity[dim], dim);
    sim->t = v->pub.shift.start_s;
    sim->prev_loc = v->pub.start;
    if (v->pub.start != SOLVER_NONE) {
        solver_step *s = &sim->steps[sim->k++];
        s->type = SOLVER_STEP_START;
        s->index = SOLVER_NONE;
        s->location = v->pub.start;
        s->arrival_s = sim->t;
        memcpy(s->load, sim->load, sizeof sim->load);
    }
    sim->first_pending = sim->k;
    return LM_OK;
}

/* A break in the sequence: checked against its max_load and written as pending (its timing is
 * known once the leg it sits on is). */
static lm_status sim_break(const route_ctx *c, route_sim *sim, uint32_t index) {
    const solver__break *b = &c->v->breaks[index];
    if (b->pub.has_max_load) {
        for (uint32_t d = 0; d < c->p->n_dims; d++)
            if (sim->load[d] > b->pub.max_load[d])
                return route_fail(c, sim->k,
                                  "load %lld exceeds break %llu's max_load %lld in dimension %u",
                                  (long long)sim->load[d], (unsigned long long)b->pub.id,
                                  (long long)b->pub.max_load[d], d);
    }
    solver_step *s = &sim->steps[sim->k++];
    s->type = SOLVER_STEP_BREAK;
    s->index = index;
    s->location = SOLVER_NONE;
    s->service_s = b->pub.service_s;
    s->duration_s = sim->travel;
    s->distance_m = sim->dist;
    memcpy(s->load, sim->load, sizeof sim->load);
    return LM_OK;
}

/* Times the pending breaks on the leg that leaves at sim->t and takes leg seconds; *arrival is
 * when the leg's destination is reached, breaks included. */
static lm_status sim_leg_breaks(const route_ctx *c, route_sim *sim, int64_t leg, int64_t *arrival) {
    int64_t arr = sim->t + leg, e = sim->t;
    for (size_t bi = sim->first_pending; bi < sim->k; bi++) {
        solver_step *s = &sim->steps[bi];
        int64_t bs = solver__tws_earliest(&c->v->breaks[s->index].tws, e);
        if (bs >= SOLVER_TIME_INF)
            return route_fail(c, bi, "break %llu cannot start within its time windows",
                              (unsigned long long)c->v->breaks[s->index].pub.id);
        s->arrival_s = bs;
        s->waiting_s = bs > arr ? bs - arr : 0;
        e = bs + s->service_s;
        arr = (arr > bs ? arr : bs) + s->service_s;
        sim->service_sum += s->service_s;
        sim->waiting_sum += s->waiting_s;
    }
    *arrival = arr;
    return LM_OK;
}

/* The task step s (already located, reached at arrival): its window, setup, service and the
 * load after it. */
static lm_status sim_task(const route_ctx *c, route_sim *sim, solver_step *s, solver_task_ref r,
                          const task_view *tv, int64_t arrival) {
    const solver_problem *p = c->p;
    const solver__vehicle *v = c->v;
    s->type = r.type;
    s->index = r.index;
    int64_t begin = solver__tws_earliest(tv->tws, arrival);
    if (begin >= SOLVER_TIME_INF)
        return route_fail(c, sim->k - 1, "%s %llu is reached at %lld, after its last time window",
                          type_name(r.type), (unsigned long long)task_id(p, r, v),
                          (long long)arrival);
    s->waiting_s = begin - arrival;
    s->setup_s = tv->location != sim->prev_loc ? tv->setup_s : 0;
    s->service_s = tv->service_s;
    sim->waiting_sum += s->waiting_s;
    sim->setup_sum += s->setup_s;
    sim->service_sum += s->service_s;
    sim->t = begin + s->setup_s + s->service_s;
    load_apply(p, r, sim->load);
    memcpy(s->load, sim->load, sizeof sim->load);
    int dim = over_capacity(p, sim->load, v->pub.capacity);
    if (dim >= 0)
        return route_fail(
            c, sim->k - 1, "load %lld after %s %llu exceeds capacity %lld in dimension %d",
            (long long)sim->load[dim], type_name(r.type), (unsigned long long)task_id(p, r, v),
            (long long)v->pub.capacity[dim], dim);
    if (r.type == SOLVER_STEP_JOB) sim->priority += p->jobs[r.index].pub.priority;
    if (r.type == SOLVER_STEP_PICKUP) sim->priority += p->shipments[r.index].pub.priority;
    sim->prev_loc = tv->location;
    return LM_OK;
}

/* The leg from the previous located step to task i (i == n_tasks: to the route end), the breaks
 * on it, and the step at its end. *done when the route is complete. */
static lm_status sim_leg(const route_ctx *c, route_sim *sim, size_t i, bool *done) {
    const solver_problem *p = c->p;
    const solver__vehicle *v = c->v;
    bool at_end = i == c->seq->n_tasks;
    *done = false;
    if (at_end && v->pub.end == SOLVER_NONE && sim->first_pending == sim->k) {
        *done = true;
        return LM_OK;
    }
    uint32_t loc = SOLVER_NONE;
    task_view tv = {0};
    if (!at_end) {
        tv = view_of(p, c->seq->tasks[i]);
        loc = tv.location;
    } else {
        loc = v->pub.end;
    }
    int64_t leg = 0, leg_dist = 0;
    if (sim->prev_loc != SOLVER_NONE && loc != SOLVER_NONE) {
        leg = solver__duration(p, v, sim->prev_loc, loc);
        leg_dist = solver__distance(p, sim->prev_loc, loc);
        if (p->costs) sim->cost += p->costs[(size_t)sim->prev_loc * p->n + loc];
    }
    int64_t arrival = 0; /* set by sim_leg_breaks on LM_OK (gcc -O2 cannot tell) */
    lm_status st = sim_leg_breaks(c, sim, leg, &arrival);
    if (st != LM_OK) return st;
    sim->travel += leg;
    sim->dist += leg_dist;
    if (at_end && loc == SOLVER_NONE) { /* open route: last breaks end it */
        sim->t = arrival;
        *done = true;
        return LM_OK;
    }
    solver_step *s = &sim->steps[sim->k++];
    sim->first_pending = sim->k;
    s->location = loc;
    s->arrival_s = arrival;
    s->duration_s = sim->travel;
    s->distance_m = sim->dist;
    if (at_end) {
        s->type = SOLVER_STEP_END;
        s->index = SOLVER_NONE;
        memcpy(s->load, sim->load, sizeof sim->load);
        sim->t = arrival;
        *done = true;
        return LM_OK;
    }
    return sim_task(c, sim, s, c->seq->tasks[i], &tv, arrival);
}

/* The whole route against the vehicle's shift end, max_travel_time and max_distance. */
static lm_status sim_limits(const route_ctx *c, const route_sim *sim) {
    const solver__vehicle *v = c->v;
    size_t last = sim->k ? sim->k - 1 : 0;
    if (sim->t > v->pub.shift.end_s)
        return route_fail(c, last, "the route ends at %lld, after the shift end %lld",
                          (long long)sim->t, (long long)v->pub.shift.end_s);
    if (v->pub.max_travel_time_s && sim->travel > v->pub.max_travel_time_s)
        return route_fail(c, last, "travel time %lld s exceeds max_travel_time %lld s",
                          (long long)sim->travel, (long long)v->pub.max_travel_time_s);
    if (v->pub.max_distance_m && sim->dist > v->pub.max_distance_m)
        return route_fail(c, last, "distance %lld m exceeds max_distance %lld m",
                          (long long)sim->dist, (long long)v->pub.max_distance_m);
    return LM_OK;
}

/* Simulates the sequence and fills r (steps allocated here). Breaks are resolved when the next
 * located step (or the route end) is known, since their timing depends on that leg's travel:
 * with breaks k = 1..m on the leg from time t with travel T, break k starts at
 * bs_k = earliest(tws_k, e_{k-1}) (e_0 = t, e_k = bs_k + service_k) and the leg arrives at
 * max(t + T + sum service, e_m); break k's waiting is the idle time it adds to that arrival. */
static lm_status route_simulate(const route_ctx *c, solver_route *out) {
    const solver__vehicle *v = c->v;
    const solver__seq *q = c->seq;
    size_t n_steps = q->n_tasks + (v->pub.start != SOLVER_NONE) + (v->pub.end != SOLVER_NONE);
    route_sim sim = {0};
    sim.steps = lm_calloc(n_steps, sizeof *sim.steps);
    if (!sim.steps) return LM_NOMEM;
    lm_status st = sim_begin(c, &sim);
    if (st != LM_OK) goto fail;
    /* One extra iteration (i == n_tasks) handles the leg to the end. */
    for (size_t i = 0; i <= q->n_tasks; i++) {
        if (i < q->n_tasks && q->tasks[i].type == SOLVER_STEP_BREAK) {
            if ((st = sim_break(c, &sim, q->tasks[i].index)) != LM_OK) goto fail;
            continue;
        }
        bool done;
        if ((st = sim_leg(c, &sim, i, &done)) != LM_OK) goto fail;
        if (done) break;
    }
    if ((st = sim_limits(c, &sim)) != LM_OK) goto fail;
    out->vehicle = q->vehicle;
    out->steps = sim.steps;
    out->n_steps = sim.k;
    out->cost = solver__route_user_cost(c->p, v, sim.travel, sim.dist, sim.cost,
                                        sim.setup_sum + sim.service_sum);
    out->duration_s = sim.travel;
    out->distance_m = sim.dist;
    out->setup_s = sim.setup_sum;
    out->service_s = sim.service_sum;
    out->waiting_s = sim.waiting_sum;
    out->priority = sim.priority;
    return LM_OK;
fail:
    lm_free(sim.steps);
    return st;
}

/* ---- The whole solution ---- */

lm_status solver__solution_build(const solver_problem *p, const solver__seq *seqs, size_t n_seqs,
                                 solver_solution **out, lm_errinfo *err) {
    lm_status st = LM_OK;
    seen_sets seen = {0};
    solver_solution *sol = lm_calloc(1, sizeof *sol);
    if (!sol) return LM_NOMEM;
    seen.job_route = lm_calloc(p->n_jobs + 1, sizeof *seen.job_route);
    seen.pickup_route = lm_calloc(p->n_shipments + 1, sizeof *seen.pickup_route);
    seen.delivery_route = lm_calloc(p->n_shipments + 1, sizeof *seen.delivery_route);
    seen.vehicle_used = lm_calloc(p->n_vehicles + 1, sizeof *seen.vehicle_used);
    sol->routes = lm_calloc(n_seqs + 1, sizeof *sol->routes);
    sol->unassigned = lm_calloc(p->n_jobs + p->n_shipments + 1, sizeof *sol->unassigned);
    if (!seen.job_route || !seen.pickup_route || !seen.delivery_route || !seen.vehicle_used ||
        !sol->routes || !sol->unassigned) {
        st = LM_NOMEM;
        goto fail;
    }
    for (size_t i = 0; i < n_seqs; i++) {
        const solver__seq *q = &seqs[i];
        if (q->n_tasks == 0) continue;
        if (q->vehicle >= p->n_vehicles) {
            st = lm_errinfo_set(err, LM_INVALID, "routes.vehicle",
                                "route %zu uses vehicle index %u, beyond the %zu vehicles", i,
                                q->vehicle, p->n_vehicles);
            goto fail;
        }
        if (seen.vehicle_used[q->vehicle]) {
            st = lm_errinfo_set(err, LM_INVALID, "routes.vehicle",
                                "vehicle %llu has more than one route",
                                (unsigned long long)p->vehicles[q->vehicle].pub.id);
            goto fail;
        }
        seen.vehicle_used[q->vehicle] = true;
        route_ctx c = {
            p,  &p->vehicles[q->vehicle], q, i, p->vehicles[q->vehicle].pub.start != SOLVER_NONE,
            err};
        if ((st = route_check_static(&c, &seen)) != LM_OK) goto fail;
        solver_route *r = &sol->routes[sol->n_routes];
        if ((st = route_simulate(&c, r)) != LM_OK) goto fail;
        sol->n_routes++;
        sol->cost += r->cost;
        sol->duration_s += r->duration_s;
        sol->distance_m += r->distance_m;
        sol->setup_s += r->setup_s;
        sol->service_s += r->service_s;
        sol->waiting_s += r->waiting_s;
        sol->priority += r->priority;
    }
    for (size_t vi = 0; vi < p->n_vehicles; vi++)
        if (p->vehicles[vi].pub.n_fixed_steps && !seen.vehicle_used[vi]) {
            st = lm_errinfo_set(err, LM_INVALID, "routes",
                                "vehicle %llu has fixed steps but no route",
                                (unsigned long long)p->vehicles[vi].pub.id);
            goto fail;
        }
    for (uint32_t j = 0; j < p->n_jobs; j++)
        if (!seen.job_route[j]) {
            solver_unassigned *u = &sol->unassigned[sol->n_unassigned++];
            u->type = SOLVER_STEP_JOB;
            u->index = j;
            u->reason = solver__unassigned_reason(p, SOLVER_STEP_JOB, j);
        }
    for (uint32_t s = 0; s < p->n_shipments; s++)
        if (!seen.pickup_route[s]) {
            solver_unassigned *u = &sol->unassigned[sol->n_unassigned++];
            u->type = SOLVER_STEP_PICKUP;
            u->index = s;
            u->reason = solver__unassigned_reason(p, SOLVER_STEP_PICKUP, s);
        }
    lm_free(seen.job_route);
    lm_free(seen.pickup_route);
    lm_free(seen.delivery_route);
    lm_free(seen.vehicle_used);
    *out = sol;
    return LM_OK;
fail:
    lm_free(seen.job_route);
    lm_free(seen.pickup_route);
    lm_free(seen.delivery_route);
    lm_free(seen.vehicle_used);
    solver_solution_destroy(sol);
    return st;
}

/* ---- Why a task is unassigned ---- */

/* Simulates the task (a job, or a shipment's pickup then delivery) alone on vehicle v, without
 * breaks; reports whether its windows and the shift can be met, and the travel and distance. */
static bool alone_timing(const solver_problem *p, const solver__vehicle *v,
                         const solver_task_ref *refs, size_t n, int64_t *travel_out,
                         int64_t *dist_out) {
    int64_t t = v->pub.shift.start_s, travel = 0, dist = 0;
    uint32_t prev = v->pub.start;
    for (size_t i = 0; i < n; i++) {
        task_view tv = view_of(p, refs[i]);
        if (prev != SOLVER_NONE) {
            travel += solver__duration(p, v, prev, tv.location);
            dist += solver__distance(p, prev, tv.location);
            t += solver__duration(p, v, prev, tv.location);
        }
        int64_t b = solver__tws_earliest(tv.tws, t);
        if (b >= SOLVER_TIME_INF) return false;
        t = b + (tv.location != prev ? tv.setup_s : 0) + tv.service_s;
        prev = tv.location;
    }
    if (v->pub.end != SOLVER_NONE) {
        travel += solver__duration(p, v, prev, v->pub.end);
        dist += solver__distance(p, prev, v->pub.end);
        t += solver__duration(p, v, prev, v->pub.end);
    }
    *travel_out = travel;
    *dist_out = dist;
    return t <= v->pub.shift.end_s;
}

solver_reason solver__unassigned_reason(const solver_problem *p, solver_step_type type,
                                        uint32_t index) {
    const solver__skills *need;
    uint32_t only;
    solver_task_ref refs[2];
    size_t n_refs;
    int64_t up[SOLVER_MAX_DIMS] = {0}, after[SOLVER_MAX_DIMS] = {0};
    if (type == SOLVER_STEP_JOB) {
        if (index >= p->n_jobs) return SOLVER_REASON_NONE;
        const solver__job *j = &p->jobs[index];
        need = &j->skills;
        only = j->pub.only_vehicle;
        refs[0] = (solver_task_ref){SOLVER_STEP_JOB, index};
        n_refs = 1;
        memcpy(up, j->pub.delivery, sizeof up);
        memcpy(after, j->pub.pickup, sizeof after);
    } else {
        if (index >= p->n_shipments) return SOLVER_REASON_NONE;
        const solver__shipment *s = &p->shipments[index];
        need = &s->skills;
        only = s->pub.only_vehicle;
        refs[0] = (solver_task_ref){SOLVER_STEP_PICKUP, index};
        refs[1] = (solver_task_ref){SOLVER_STEP_DELIVERY, index};
        n_refs = 2;
        memcpy(after, s->pub.amount, sizeof after); /* on board between pickup and delivery */
    }
    /* Each stage narrows the set of vehicles; the first stage that empties it is the reason. */
    bool skills_ok = false, cap_ok = false, time_ok = false;
    for (size_t vi = 0; vi < p->n_vehicles; vi++) {
        const solver__vehicle *v = &p->vehicles[vi];
        if (only != SOLVER_NONE && only != vi) continue;
        if (!solver__skills_cover(&v->skills, need)) continue;
        skills_ok = true;
        bool fits = true;
        for (uint32_t d = 0; d < p->n_dims; d++)
            if (v->pub.initial_load[d] + up[d] > v->pub.capacity[d] ||
                v->pub.initial_load[d] + after[d] > v->pub.capacity[d])
                fits = false;
        if (!fits) continue;
        cap_ok = true;
        int64_t travel = 0, dist = 0;
        if (!alone_timing(p, v, refs, n_refs, &travel, &dist)) continue;
        time_ok = true;
        if ((v->pub.max_tasks && n_refs > v->pub.max_tasks) || v->pub.no_tasks) continue;
        if (v->pub.max_travel_time_s && travel > v->pub.max_travel_time_s) continue;
        if (v->pub.max_distance_m && dist > v->pub.max_distance_m) continue;
        return SOLVER_REASON_NO_ROOM;
    }
    if (!skills_ok) return SOLVER_REASON_SKILLS;
    if (!cap_ok) return SOLVER_REASON_CAPACITY;
    if (!time_ok) return SOLVER_REASON_TIME_WINDOW;
    return SOLVER_REASON_ROUTE_LIMIT;
}
