/* The exact solver for tiny instances (the oracle of the heuristics): enumerates, per vehicle
 * class, the cheapest feasible route for every subset of jobs by a dominance-pruned labelling,
 * then lets GLPK choose the best disjoint set of those routes (set packing, lexicographic). */
#include "solver/glpk_util.h"

#include <string.h>

#define EXACT_MAX_JOBS     10
#define EXACT_MAX_VEHICLES 8
#define EXACT_MAX_BREAKS   2
#define EXACT_MAX_LABELS   400000

/* A partial route: jobs `mask` served, the last one `last`, breaks `bmask` taken; the breaks
 * taken right before `last` are recorded to rebuild the sequence. */
typedef struct label {
    uint32_t mask;
    uint8_t last, bmask, n_before, before[EXACT_MAX_BREAKS];
    bool dead;
    int32_t parent, next; /* previous label (-1: none), next label in the same bucket */
    int64_t t;            /* when the last job is done */
    int64_t cost, travel, dist;
    int64_t m[SOLVER_MAX_DIMS]; /* max over prefixes of (pickups - deliveries) so far, >= 0 */
} label;

typedef struct enum_ctx {
    const solver_problem *p;
    const solver__vehicle *v;
    uint32_t vi;
    size_t n_jobs;
    bool job_ok[EXACT_MAX_JOBS]; /* skills and only_vehicle allow the job on this vehicle */
    bool dominance;              /* off when a break has max_load: then load is path-dependent */
    int64_t (*mask_d)[SOLVER_MAX_DIMS], (*mask_p)[SOLVER_MAX_DIMS];
    label *labels;
    size_t n_labels, cap_labels;
    int32_t *bucket; /* (mask, last, bmask) -> first label, -1 if none */
    /* Best route per job subset. */
    int64_t *best_cost;
    int32_t *best_label;
    uint8_t (*best_close)[EXACT_MAX_BREAKS + 1]; /* count, then break order */
    int64_t deadline_ns;
} enum_ctx;

/* ---- Break orders ---- */

typedef struct break_order {
    uint8_t n, b[EXACT_MAX_BREAKS];
} break_order;

/* Every ordered selection of breaks from `avail` (bitmask over n_breaks). */
static size_t break_orders(size_t n_breaks, uint8_t avail, break_order *out) {
    size_t k = 0;
    out[k++] = (break_order){0, {0}};
    for (uint8_t a = 0; a < n_breaks; a++) {
        if (!(avail & (1u << a))) continue;
        out[k++] = (break_order){1, {a}};
        for (uint8_t b = 0; b < n_breaks; b++)
            if (b != a && (avail & (1u << b))) out[k++] = (break_order){2, {a, b}};
    }
    return k;
}

/* Time of arrival at the end of a leg from `t` with `leg` driving and breaks `o` on the way
 * (internal.h's semantics); false if a break finds no window. */
static bool leg_arrival(const solver__vehicle *v, int64_t t, int64_t leg, const break_order *o,
                        int64_t *arrival) {
    int64_t e = t, s = 0;
    for (uint8_t i = 0; i < o->n; i++) {
        const solver__break *b = &v->breaks[o->b[i]];
        int64_t bs = solver__tws_earliest(&b->tws, e);
        if (bs >= SOLVER_TIME_INF) return false;
        e = bs + b->pub.service_s;
        s += b->pub.service_s;
    }
    int64_t a = t + leg + s;
    *arrival = a > e ? a : e;
    return true;
}

/* ---- Labels ---- */

static bool dominates(const enum_ctx *c, const label *a, const label *b) {
    if (a->t > b->t || a->cost > b->cost || a->travel > b->travel || a->dist > b->dist)
        return false;
    for (uint32_t d = 0; d < c->p->n_dims; d++)
        if (a->m[d] > b->m[d]) return false;
    return true;
}

static size_t bucket_of(const enum_ctx *c, uint32_t mask, uint8_t last, uint8_t bmask) {
    return ((size_t)mask * c->n_jobs + last) * (1u << EXACT_MAX_BREAKS) + bmask;
}

/* Adds l unless an existing label dominates it; retires the labels it dominates. */
static lm_status label_insert(enum_ctx *c, const label *l) {
    size_t b = bucket_of(c, l->mask, l->last, l->bmask);
    if (c->dominance) {
        for (int32_t i = c->bucket[b]; i >= 0; i = c->labels[i].next)
            if (!c->labels[i].dead && dominates(c, &c->labels[i], l)) return LM_OK;
        for (int32_t i = c->bucket[b]; i >= 0; i = c->labels[i].next)
            if (!c->labels[i].dead && dominates(c, l, &c->labels[i])) c->labels[i].dead = true;
    }
    if (c->n_labels == c->cap_labels) {
        if (c->cap_labels >= EXACT_MAX_LABELS) return LM_TOO_BIG;
        size_t nc = c->cap_labels ? c->cap_labels * 2 : 1024;
        label *nl = lm_reallocarray(c->labels, nc, sizeof *nl);
        if (!nl) return LM_NOMEM;
        c->labels = nl;
        c->cap_labels = nc;
    }
    label *dst = &c->labels[c->n_labels];
    *dst = *l;
    dst->next = c->bucket[b];
    c->bucket[b] = (int32_t)c->n_labels++;
    return LM_OK;
}

/* Extends `from` (NULL: the empty route) with breaks `o` then job j; false if infeasible. */
static bool extend(const enum_ctx *c, const label *from, int32_t from_idx, const break_order *o,
                   uint8_t j, label *out) {
    const solver_problem *p = c->p;
    const solver__vehicle *v = c->v;
    const solver__job *job = &p->jobs[j];
    int64_t t = from ? from->t : v->pub.shift.start_s;
    uint32_t here = from ? p->jobs[from->last].pub.location : v->pub.start;
    uint32_t loc = job->pub.location;
    int64_t leg = 0, dist = 0, cost = 0;
    if (here != SOLVER_NONE) {
        leg = solver__duration(p, v, here, loc);
        dist = solver__distance(p, here, loc);
        cost = solver__edge_cost(p, v, here, loc);
    }
    int64_t arrival;
    if (!leg_arrival(v, t, leg, o, &arrival)) return false;
    int64_t begin = solver__tws_earliest(&job->tws, arrival);
    if (begin >= SOLVER_TIME_INF) return false;
    memset(out, 0, sizeof *out);
    out->mask = (from ? from->mask : 0) | (1u << j);
    out->last = j;
    out->bmask = from ? from->bmask : 0;
    out->n_before = o->n;
    for (uint8_t i = 0; i < o->n; i++) {
        out->before[i] = o->b[i];
        out->bmask |= (uint8_t)(1u << o->b[i]);
    }
    out->parent = from_idx;
    out->t = begin + (loc != here ? job->pub.setup_s : 0) + job->pub.service_s;
    out->travel = (from ? from->travel : 0) + leg;
    out->dist = (from ? from->dist : 0) + dist;
    /* The search's exact cost units (internal.h), task time included, so both optimise alike. */
    out->cost = (from ? from->cost : solver__fixed_cost(p, v)) + cost +
                solver__task_cost(v, (loc != here ? job->pub.setup_s : 0) + job->pub.service_s);
    /* Everything below only grows along a route, so exceeding a bound now is final. */
    if (out->t > v->pub.shift.end_s) return false;
    if (v->pub.max_travel_time_s && out->travel > v->pub.max_travel_time_s) return false;
    if (v->pub.max_distance_m && out->dist > v->pub.max_distance_m) return false;
    if ((v->pub.max_tasks && (uint32_t)__builtin_popcount(out->mask) > v->pub.max_tasks) ||
        (v->pub.no_tasks && out->mask))
        return false;
    /* Load after the prefix V_i is initial + D(T) - D(V_i) + P(V_i) for the final set T; since
     * T contains the current set, initial + D(mask) + max_i(P(V_i) - D(V_i)) must fit already. */
    for (uint32_t d = 0; d < p->n_dims; d++) {
        int64_t pv = c->mask_p[out->mask][d] - c->mask_d[out->mask][d]; /* this prefix */
        int64_t before = from ? from->m[d] : 0; /* earlier prefixes, and the empty one */
        out->m[d] = pv > before ? pv : before;
        if (v->pub.initial_load[d] + c->mask_d[out->mask][d] + out->m[d] > v->pub.capacity[d])
            return false;
    }
    return true;
}

/* Rebuilds the task sequence of label li closed with breaks `close`; returns its length. */
static size_t rebuild(const enum_ctx *c, int32_t li, const uint8_t *close, solver_task_ref *seq) {
    solver_task_ref rev[EXACT_MAX_JOBS * (EXACT_MAX_BREAKS + 1) + EXACT_MAX_BREAKS];
    size_t n = 0;
    for (int32_t i = li; i >= 0; i = c->labels[i].parent) {
        const label *l = &c->labels[i];
        rev[n++] = (solver_task_ref){SOLVER_STEP_JOB, l->last};
        for (int k = l->n_before - 1; k >= 0; k--)
            rev[n++] = (solver_task_ref){SOLVER_STEP_BREAK, l->before[k]};
    }
    for (size_t i = 0; i < n; i++)
        seq[i] = rev[n - 1 - i];
    for (uint8_t k = 0; k < close[0]; k++)
        seq[n++] = (solver_task_ref){SOLVER_STEP_BREAK, close[1 + k]};
    return n;
}

/* With max_load breaks the load during a break depends on the whole route: check it by
 * building the route alone. */
static bool route_valid_alone(const enum_ctx *c, int32_t li, const uint8_t *close) {
    solver_task_ref seq[EXACT_MAX_JOBS * (EXACT_MAX_BREAKS + 1) + EXACT_MAX_BREAKS];
    size_t n = rebuild(c, li, close, seq);
    solver__seq q = {c->vi, seq, n, 0};
    solver_solution *s = NULL;
    if (solver__solution_build(c->p, &q, 1, &s, NULL) != LM_OK) return false;
    solver_solution_destroy(s);
    return true;
}

/* Tries to end label li's route with the remaining breaks in every order. */
static void try_close(enum_ctx *c, int32_t li) {
    const solver_problem *p = c->p;
    const solver__vehicle *v = c->v;
    const label *l = &c->labels[li];
    uint8_t all = (uint8_t)((1u << v->pub.n_breaks) - 1);
    uint8_t rest = (uint8_t)(all & ~l->bmask);
    for (uint32_t d = 0; d < p->n_dims; d++)
        if (v->pub.initial_load[d] + c->mask_d[l->mask][d] + l->m[d] > v->pub.capacity[d]) return;
    break_order orders[8];
    size_t n_orders = break_orders(v->pub.n_breaks, rest, orders);
    uint32_t here = p->jobs[l->last].pub.location;
    int64_t leg = 0, dist = 0, cost = 0;
    if (v->pub.end != SOLVER_NONE) {
        leg = solver__duration(p, v, here, v->pub.end);
        dist = solver__distance(p, here, v->pub.end);
        cost = solver__edge_cost(p, v, here, v->pub.end);
    }
    for (size_t b = 0; b < v->pub.n_breaks; b++) /* every route takes all its breaks */
        cost += solver__task_cost(v, v->breaks[b].pub.service_s);
    if (v->pub.max_travel_time_s && l->travel + leg > v->pub.max_travel_time_s) return;
    if (v->pub.max_distance_m && l->dist + dist > v->pub.max_distance_m) return;
    for (size_t k = 0; k < n_orders; k++) {
        if (orders[k].n != __builtin_popcount(rest)) continue; /* every break, exactly once */
        int64_t end;
        if (!leg_arrival(v, l->t, leg, &orders[k], &end)) continue;
        if (end > v->pub.shift.end_s) continue;
        int64_t total = l->cost + cost;
        if (total >= c->best_cost[l->mask]) continue;
        uint8_t close[EXACT_MAX_BREAKS + 1] = {orders[k].n, orders[k].b[0], orders[k].b[1]};
        if (!c->dominance && !route_valid_alone(c, li, close)) continue;
        c->best_cost[l->mask] = total;
        c->best_label[l->mask] = li;
        memcpy(c->best_close[l->mask], close, sizeof close);
    }
}

/* Labelling by layers of equal subset size: layer k's labels are complete before any of them
 * is extended, so dominance sees every competitor first. */
static lm_status enumerate(enum_ctx *c) {
    const solver__vehicle *v = c->v;
    uint8_t all = (uint8_t)((1u << v->pub.n_breaks) - 1);
    break_order orders[8];
    size_t n0 = break_orders(v->pub.n_breaks, all, orders);
    label l;
    lm_status st;
    for (size_t k = 0; k < n0; k++)
        for (uint8_t j = 0; j < c->n_jobs; j++)
            if (c->job_ok[j] && extend(c, NULL, -1, &orders[k], j, &l))
                if ((st = label_insert(c, &l)) != LM_OK) return st;
    size_t lo = 0;
    while (lo < c->n_labels) {
        size_t hi = c->n_labels;
        for (size_t i = lo; i < hi; i++) {
            if ((i & 255) == 0 && lm_mono_ns() > c->deadline_ns) return LM_TIMEOUT;
            if (c->labels[i].dead) continue;
            try_close(c, (int32_t)i);
            uint8_t rest = (uint8_t)(all & ~c->labels[i].bmask);
            size_t n_orders = break_orders(v->pub.n_breaks, rest, orders);
            for (uint8_t j = 0; j < c->n_jobs; j++) {
                if (!c->job_ok[j] || (c->labels[i].mask & (1u << j))) continue;
                for (size_t k = 0; k < n_orders; k++) {
                    /* labels may move when the array grows: copy the parent first */
                    label from = c->labels[i];
                    if (!extend(c, &from, (int32_t)i, &orders[k], j, &l)) continue;
                    if ((st = label_insert(c, &l)) != LM_OK) return st;
                }
            }
        }
        lo = hi;
    }
    return LM_OK;
}

/* ---- The solver ---- */

static lm_status check_size(const solver_problem *p, lm_errinfo *err) {
    if (p->n_shipments)
        return lm_errinfo_set(err, LM_TOO_BIG, "shipments",
                              "the exact solver takes jobs only, not shipments");
    if (p->n_jobs > EXACT_MAX_JOBS)
        return lm_errinfo_set(err, LM_TOO_BIG, "jobs",
                              "%zu jobs: the exact solver takes at most %d", p->n_jobs,
                              EXACT_MAX_JOBS);
    if (p->n_vehicles > EXACT_MAX_VEHICLES)
        return lm_errinfo_set(err, LM_TOO_BIG, "vehicles",
                              "%zu vehicles: the exact solver takes at most %d", p->n_vehicles,
                              EXACT_MAX_VEHICLES);
    for (size_t v = 0; v < p->n_vehicles; v++) {
        if (p->vehicles[v].pub.n_breaks > EXACT_MAX_BREAKS)
            return lm_errinfo_set(err, LM_TOO_BIG, "vehicles.breaks",
                                  "the exact solver takes at most %d breaks per vehicle",
                                  EXACT_MAX_BREAKS);
        if (p->vehicles[v].pub.n_fixed_steps)
            return lm_errinfo_set(err, LM_TOO_BIG, "vehicles.steps",
                                  "the exact solver does not take fixed steps");
    }
    return LM_OK;
}

lm_status solver_solve_exact(const solver_problem *p, const solver_opts *o, solver_solution **out,
                             lm_errinfo *err) {
    solver_opts def;
    if (!o) {
        solver_opts_init(&def);
        o = &def;
    }
    lm_status st = solver_problem_validate(p, err);
    if (st == LM_OK) st = check_size(p, err);
    if (st != LM_OK) return st;
    int64_t t0 = lm_mono_ns();
    int64_t limit_ms = o->time_limit_ms > 0 ? o->time_limit_ms : 1;
    size_t n_masks = (size_t)1 << p->n_jobs;
    size_t max_pool = p->n_vehicles * n_masks;
    enum_ctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.n_jobs = p->n_jobs;
    c.deadline_ns = t0 + limit_ms * 1000000;
    uint32_t *class_of = lm_calloc(p->n_vehicles + 1, sizeof *class_of);
    solver__seq *pool = lm_calloc(max_pool + 1, sizeof *pool);
    solver_task_ref *pool_tasks =
        lm_calloc((max_pool + 1) * (EXACT_MAX_JOBS * (EXACT_MAX_BREAKS + 1) + EXACT_MAX_BREAKS),
                  sizeof *pool_tasks);
    size_t *chosen = lm_calloc(max_pool + 1, sizeof *chosen);
    c.mask_d = lm_calloc(n_masks, sizeof *c.mask_d);
    c.mask_p = lm_calloc(n_masks, sizeof *c.mask_p);
    c.bucket =
        lm_calloc(n_masks * (p->n_jobs ? p->n_jobs : 1) << EXACT_MAX_BREAKS, sizeof *c.bucket);
    c.best_cost = lm_calloc(n_masks, sizeof *c.best_cost);
    c.best_label = lm_calloc(n_masks, sizeof *c.best_label);
    c.best_close = lm_calloc(n_masks, sizeof *c.best_close);
    solver__seq *seqs = lm_calloc(p->n_vehicles + 1, sizeof *seqs);
    if (!class_of || !pool || !pool_tasks || !chosen || !c.mask_d || !c.mask_p || !c.bucket ||
        !c.best_cost || !c.best_label || !c.best_close || !seqs) {
        st = LM_NOMEM;
        goto done;
    }
    for (size_t mask = 1; mask < n_masks; mask++) {
        uint32_t j = (uint32_t)__builtin_ctzll(mask);
        for (uint32_t d = 0; d < p->n_dims; d++) {
            c.mask_d[mask][d] = c.mask_d[mask & (mask - 1)][d] + p->jobs[j].pub.delivery[d];
            c.mask_p[mask][d] = c.mask_p[mask & (mask - 1)][d] + p->jobs[j].pub.pickup[d];
        }
    }
    solver__vehicle_classes(p, class_of);
    size_t n_pool = 0;
    size_t seq_stride = EXACT_MAX_JOBS * (EXACT_MAX_BREAKS + 1) + EXACT_MAX_BREAKS;
    for (uint32_t vi = 0; vi < p->n_vehicles; vi++) {
        if (class_of[vi] != vi) continue; /* one enumeration per class */
        c.v = &p->vehicles[vi];
        c.vi = vi;
        c.dominance = true;
        for (size_t b = 0; b < c.v->pub.n_breaks; b++)
            if (c.v->breaks[b].pub.has_max_load) c.dominance = false;
        for (size_t j = 0; j < p->n_jobs; j++) {
            const solver__job *job = &p->jobs[j];
            c.job_ok[j] = solver__skills_cover(&c.v->skills, &job->skills) &&
                          (job->pub.only_vehicle == SOLVER_NONE || job->pub.only_vehicle == vi);
        }
        c.n_labels = 0;
        memset(c.bucket, 0xff,
               (n_masks * (p->n_jobs ? p->n_jobs : 1) << EXACT_MAX_BREAKS) * sizeof *c.bucket);
        for (size_t mask = 0; mask < n_masks; mask++) {
            c.best_cost[mask] = INT64_MAX;
            c.best_label[mask] = -1;
        }
        if ((st = enumerate(&c)) != LM_OK) {
            if (st == LM_TIMEOUT)
                lm_errinfo_set(err, LM_TIMEOUT, "time_limit",
                               "route enumeration did not finish in %lld ms", (long long)limit_ms);
            else if (st == LM_TOO_BIG)
                lm_errinfo_set(err, LM_TOO_BIG, "jobs", "too many partial routes to enumerate");
            goto done;
        }
        for (size_t mask = 1; mask < n_masks; mask++) {
            if (c.best_label[mask] < 0) continue;
            solver__seq *q = &pool[n_pool];
            q->vehicle = vi;
            q->tasks = pool_tasks + n_pool * seq_stride;
            q->n_tasks = rebuild(&c, c.best_label[mask], c.best_close[mask], q->tasks);
            q->cost = c.best_cost[mask];
            n_pool++;
        }
    }
    size_t n_chosen = 0;
    bool proven = false;
    int64_t left_ms = limit_ms - (lm_mono_ns() - t0) / 1000000;
    solver__sp_limit lim = {.ms = left_ms > 0 ? left_ms : 1};
    st = solver__set_partition_ex(p, pool, n_pool, NULL, 0, lim, chosen, &n_chosen, &proven);
    if (st != LM_OK && st != LM_TIMEOUT) {
        lm_errinfo_set(err, st == LM_INVALID ? LM_INTERNAL : st, "mip",
                       "set partitioning over %zu routes failed", n_pool);
        if (st == LM_INVALID) st = LM_INTERNAL;
        goto done;
    }
    if (!proven) {
        st = lm_errinfo_set(err, LM_TIMEOUT, "time_limit",
                            "GLPK did not prove optimality in %lld ms", (long long)limit_ms);
        goto done;
    }
    for (size_t i = 0; i < n_chosen; i++)
        seqs[i] = pool[chosen[i]];
    if ((st = solver__assign_class_vehicles(p, seqs, n_chosen)) != LM_OK) {
        st = lm_errinfo_set(err, LM_INTERNAL, "mip", "more routes than vehicles in a class");
        goto done;
    }
    solver_solution *sol = NULL;
    lm_errinfo berr;
    if (solver__solution_build(p, seqs, n_chosen, &sol, &berr) != LM_OK) {
        st = lm_errinfo_set(err, LM_INTERNAL, berr.field, "exact route rejected: %s", berr.message);
        goto done;
    }
    sol->computing_ms = (lm_mono_ns() - t0) / 1000000;
    *out = sol;
    st = LM_OK;
done:
    lm_free(class_of);
    lm_free(pool);
    lm_free(pool_tasks);
    lm_free(chosen);
    lm_free(c.mask_d);
    lm_free(c.mask_p);
    lm_free(c.bucket);
    lm_free(c.best_cost);
    lm_free(c.best_label);
    lm_free(c.best_close);
    lm_free(c.labels);
    lm_free(seqs);
    return st;
}
