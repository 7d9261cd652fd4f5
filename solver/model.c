/* The search model: nodes, units, vehicle classes and neighbour lists, built once per solve from
 * the problem (solver/route.h); the route simulation in route.c and the search run on it. */
#include "solver/route.h"

#include <string.h>

static bool tws_equal(const solver__tws *a, const solver__tws *b) {
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->w[i].start_s != b->w[i].start_s || a->w[i].end_s != b->w[i].end_s) return false;
    return true;
}

/* Vehicles that could swap routes without anyone noticing: same places, hours, costs, limits. */
static bool vehicles_alike(const solver_problem *p, const solver__vehicle *a,
                           const solver__vehicle *b) {
    const solver_vehicle *x = &a->pub, *y = &b->pub;
    if (x->n_fixed_steps || y->n_fixed_steps) return false;
    if (x->start != y->start || x->end != y->end) return false;
    if (memcmp(x->capacity, y->capacity, sizeof x->capacity) != 0) return false;
    if (memcmp(x->initial_load, y->initial_load, sizeof x->initial_load) != 0) return false;
    if (x->shift.start_s != y->shift.start_s || x->shift.end_s != y->shift.end_s) return false;
    if (x->cost_fixed != y->cost_fixed || x->cost_per_hour != y->cost_per_hour ||
        x->cost_per_km != y->cost_per_km || x->cost_per_task_hour != y->cost_per_task_hour)
        return false;
    if (x->max_tasks != y->max_tasks || x->no_tasks != y->no_tasks ||
        x->max_travel_time_s != y->max_travel_time_s || x->max_distance_m != y->max_distance_m ||
        x->speed_factor != y->speed_factor)
        return false;
    if (a->skills.n != b->skills.n ||
        (a->skills.n && memcmp(a->skills.s, b->skills.s, a->skills.n * sizeof *a->skills.s)))
        return false;
    if (x->n_breaks != y->n_breaks) return false;
    for (size_t i = 0; i < x->n_breaks; i++) {
        const solver__break *ba = &a->breaks[i], *bb = &b->breaks[i];
        if (ba->pub.service_s != bb->pub.service_s ||
            ba->pub.has_max_load != bb->pub.has_max_load ||
            memcmp(ba->pub.max_load, bb->pub.max_load, sizeof ba->pub.max_load) != 0 ||
            !tws_equal(&ba->tws, &bb->tws))
            return false;
    }
    (void)p;
    return true;
}

static int64_t first_span(const solver__tws *t) {
    if (t->n == 0) return SOLVER_TIME_INF;
    return t->w[0].end_s - t->w[0].start_s;
}

void solver__model_destroy(solver__model *m) {
    if (!m) return;
    lm_free(m->nodes);
    lm_free(m->node_loc);
    lm_free(m->units);
    lm_free(m->vclass);
    lm_free(m->cost_mode);
    lm_free(m->nbr);
    lm_free(m);
}

/* One node and one unit per job. */
static void model_job_nodes(solver__model *m) {
    const solver_problem *p = m->p;
    size_t nj = p->n_jobs;
    for (size_t j = 0; j < nj; j++) {
        const solver__job *job = &p->jobs[j];
        solver__node *nd = &m->nodes[j];
        nd->loc = job->pub.location;
        nd->setup = job->pub.setup_s;
        nd->service = job->pub.service_s;
        nd->tws = &job->tws;
        nd->unit = (uint32_t)j;
        nd->partner = SOLVER_NONE;
        nd->kind = SOLVER__JOB;
        nd->index = (uint32_t)j;
        solver__unit *u = &m->units[j];
        u->first = (uint32_t)j;
        u->second = SOLVER_NONE;
        u->priority = job->pub.priority;
        u->weight = 1;
        u->skills = &job->skills;
        u->only_vehicle = job->pub.only_vehicle;
        u->tw_span = first_span(&job->tws);
        for (uint32_t d = 0; d < m->dims; d++) {
            nd->start_add[d] = job->pub.delivery[d];
            nd->delta[d] = job->pub.pickup[d] - job->pub.delivery[d];
            int64_t a = job->pub.delivery[d] > job->pub.pickup[d] ? job->pub.delivery[d]
                                                                  : job->pub.pickup[d];
            if (a > u->size) u->size = a;
        }
        if (job->pub.setup_s) m->any_setup = true;
        if (job->tws.n) m->any_tw = true;
    }
}

/* Two nodes (pickup, delivery) and one unit per shipment. */
static void model_shipment_nodes(solver__model *m) {
    const solver_problem *p = m->p;
    size_t nj = p->n_jobs, ns = p->n_shipments;
    for (size_t s = 0; s < ns; s++) {
        const solver__shipment *sh = &p->shipments[s];
        uint32_t pn = (uint32_t)(nj + 2 * s), dn = pn + 1;
        solver__node *a = &m->nodes[pn], *b = &m->nodes[dn];
        a->loc = sh->pub.pickup.location;
        a->setup = sh->pub.pickup.setup_s;
        a->service = sh->pub.pickup.service_s;
        a->tws = &sh->pickup_tws;
        a->kind = SOLVER__PICKUP;
        b->loc = sh->pub.delivery.location;
        b->setup = sh->pub.delivery.setup_s;
        b->service = sh->pub.delivery.service_s;
        b->tws = &sh->delivery_tws;
        b->kind = SOLVER__DELIVERY;
        a->index = b->index = (uint32_t)s;
        a->unit = b->unit = (uint32_t)(nj + s);
        a->partner = dn;
        b->partner = pn;
        solver__unit *u = &m->units[nj + s];
        u->first = pn;
        u->second = dn;
        u->priority = sh->pub.priority;
        u->weight = 2;
        u->skills = &sh->skills;
        u->only_vehicle = sh->pub.only_vehicle;
        u->tw_span = first_span(&sh->pickup_tws);
        for (uint32_t d = 0; d < m->dims; d++) {
            a->delta[d] = sh->pub.amount[d];
            b->delta[d] = -sh->pub.amount[d];
            if (sh->pub.amount[d] > u->size) u->size = sh->pub.amount[d];
        }
        if (a->setup || b->setup) m->any_setup = true;
        if (sh->pickup_tws.n || sh->delivery_tws.n) m->any_tw = true;
        m->any_shipment = true;
    }
}

/* Fixed steps: their units never move; a shipment fixed by its pickup only keeps its delivery
 * free but bound to that vehicle. Fixed breaks get their nodes after the task nodes. */
static void model_fixed_steps(solver__model *m) {
    const solver_problem *p = m->p;
    size_t nj = p->n_jobs, nv = p->n_vehicles;
    size_t bn = m->n_task_nodes;
    for (size_t v = 0; v < nv; v++) {
        const solver__vehicle *veh = &p->vehicles[v];
        for (size_t i = 0; i < veh->pub.n_fixed_steps; i++) {
            const solver_task_ref *r = &veh->fixed_steps[i];
            if (r->type == SOLVER_STEP_BREAK) {
                solver__node *nd = &m->nodes[bn++];
                nd->loc = SOLVER_NONE;
                nd->kind = SOLVER__BREAK;
                nd->index = r->index;
                nd->unit = nd->partner = SOLVER_NONE;
                nd->tws = &veh->breaks[r->index].tws;
                nd->service = veh->breaks[r->index].pub.service_s;
            } else if (r->type == SOLVER_STEP_JOB) {
                m->units[r->index].fixed = true;
            } else if (r->type == SOLVER_STEP_PICKUP) {
                solver__unit *u = &m->units[nj + r->index];
                u->fixed = true; /* undone below if the delivery is not fixed too */
                bool both = false;
                for (size_t k = 0; k < veh->pub.n_fixed_steps; k++)
                    if (veh->fixed_steps[k].type == SOLVER_STEP_DELIVERY &&
                        veh->fixed_steps[k].index == r->index)
                        both = true;
                if (!both) {
                    u->fixed = false;
                    u->first = u->second;
                    u->second = SOLVER_NONE;
                    u->only_vehicle = (uint32_t)v;
                }
            }
        }
    }
}

/* Vehicle classes: compare each vehicle with the first vehicle of every class so far. LM_NOMEM
 * if the scratch arrays cannot be had. */
static lm_status model_vehicle_classes(solver__model *m) {
    const solver_problem *p = m->p;
    size_t nv = p->n_vehicles;
    uint32_t *reps = lm_calloc(2 * (nv ? nv : 1), sizeof *reps);
    if (!reps) return LM_NOMEM;
    uint32_t *named = reps + nv; /* per vehicle */
    /* A vehicle named by an only_vehicle task is its own class: nobody else may take it. */
    for (size_t u = 0; u < m->n_units; u++)
        if (m->units[u].only_vehicle != SOLVER_NONE) named[m->units[u].only_vehicle] = 1;
    for (size_t v = 0; v < nv; v++) {
        m->vclass[v] = (uint32_t)m->n_classes;
        if (named[v]) {
            reps[m->n_classes++] = (uint32_t)v;
            continue;
        }
        for (size_t c = 0; c < m->n_classes; c++)
            if (!named[reps[c]] && vehicles_alike(p, &p->vehicles[v], &p->vehicles[reps[c]])) {
                m->vclass[v] = (uint32_t)c;
                break;
            }
        if (m->vclass[v] == m->n_classes) reps[m->n_classes++] = (uint32_t)v;
    }
    lm_free(reps);
    return LM_OK;
}

lm_status solver__model_create(const solver_problem *p, solver__model **out) {
    return solver__model_create_nbr(p, false, out);
}

lm_status solver__model_create_nbr(const solver_problem *p, bool defer_nbr, solver__model **out) {
    lm_status st = LM_NOMEM;
    solver__model *m = lm_calloc(1, sizeof *m);
    if (!m) return LM_NOMEM;
    m->p = p;
    m->dims = p->n_dims;
    m->ls_deadline_ns = INT64_MAX;
    m->granular_routes = 12;
    size_t nj = p->n_jobs, ns = p->n_shipments, nv = p->n_vehicles;
    size_t n_fixed_breaks = 0;
    for (size_t v = 0; v < nv; v++)
        for (size_t i = 0; i < p->vehicles[v].pub.n_fixed_steps; i++)
            if (p->vehicles[v].fixed_steps[i].type == SOLVER_STEP_BREAK) n_fixed_breaks++;
    m->n_task_nodes = nj + 2 * ns;
    m->n_nodes = m->n_task_nodes + n_fixed_breaks;
    m->n_units = nj + ns;
    m->nodes = lm_calloc(m->n_nodes ? m->n_nodes : 1, sizeof *m->nodes);
    m->units = lm_calloc(m->n_units ? m->n_units : 1, sizeof *m->units);
    m->vclass = lm_calloc(nv ? nv : 1, sizeof *m->vclass);
    m->cost_mode = lm_calloc(nv ? nv : 1, 1);
    if (!m->nodes || !m->units || !m->vclass || !m->cost_mode) goto fail;
    for (size_t v = 0; v < nv; v++) {
        const solver__vehicle *veh = &p->vehicles[v];
        /* cost_unit 1: every vehicle costs its travel seconds or the matrix cells (internal.h). */
        if (p->costs && p->cost_unit == 1)
            m->cost_mode[v] = p->costs_are_durations && !veh->durations ? SOLVER__COST_DURATION
                                                                        : SOLVER__COST_MATRIX;
        else if (!p->costs && !veh->durations && p->cost_unit == 1)
            m->cost_mode[v] = SOLVER__COST_DURATION;
        else
            m->cost_mode[v] = SOLVER__COST_FORMULA;
    }

    model_job_nodes(m);
    model_shipment_nodes(m);
    model_fixed_steps(m);
    m->node_loc = lm_reallocarray(NULL, m->n_nodes + 1, sizeof *m->node_loc);
    if (!m->node_loc) goto fail;
    for (size_t i = 0; i < m->n_nodes; i++)
        m->node_loc[i] = m->nodes[i].loc;
    int64_t demand = 0, capacity = 0;
    for (size_t u = 0; u < m->n_units; u++) {
        m->total_priority += m->units[u].priority;
        m->total_weight += m->units[u].weight;
        demand += m->units[u].size;
    }
    for (size_t v = 0; v < nv && capacity < (INT64_C(1) << 60); v++)
        capacity += p->vehicles[v].pub.capacity[0];
    m->spare_fleet = capacity >= 2 * demand;
    m->all_fit = solver__all_units_fit(m);
    if (model_vehicle_classes(m) != LM_OK) goto fail;
    if (!defer_nbr && (st = solver__build_neighbours(m)) != LM_OK) goto fail;
    *out = m;
    return LM_OK;
fail:
    solver__model_destroy(m);
    return st;
}
