/* The problem builder: validates and copies jobs, shipments, vehicles and matrices. */
#include "solver/internal.h"

#include <glpk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void solver_problem_opts_init(solver_problem_opts *o) {
    memset(o, 0, sizeof *o);
    o->n_dims = 1;
}

void solver_opts_init(solver_opts *o) {
    memset(o, 0, sizeof *o);
    o->time_limit_ms = 5000;
    o->threads = 1;
    o->seed = 1;
    o->use_set_partitioning = true;
    o->stop_when_converged = true;
}

void solver_job_init(solver_job *j) {
    memset(j, 0, sizeof *j);
    j->only_vehicle = SOLVER_NONE;
}

void solver_shipment_init(solver_shipment *s) {
    memset(s, 0, sizeof *s);
    s->only_vehicle = SOLVER_NONE;
}

void solver_vehicle_init(solver_vehicle *v) {
    memset(v, 0, sizeof *v);
    v->start = v->end = SOLVER_NONE;
    v->shift.start_s = 0;
    v->shift.end_s = SOLVER_TIME_INF;
    v->cost_per_hour = 3600;
    v->speed_factor = 1.0;
}

const char *solver_glpk_version(void) {
    return glp_version();
}

const char *solver_reason_text(solver_reason r) {
    switch (r) {
    case SOLVER_REASON_NONE: return "assigned";
    case SOLVER_REASON_SKILLS: return "no vehicle has the required skills";
    case SOLVER_REASON_CAPACITY: return "larger than the capacity of every suitable vehicle";
    case SOLVER_REASON_TIME_WINDOW:
        return "no suitable vehicle can reach it within its time windows and shift";
    case SOLVER_REASON_ROUTE_LIMIT: return "exceeds a route limit (tasks, travel time, distance)";
    case SOLVER_REASON_NO_ROOM: return "no room left alongside higher-priority work";
    }
    return "unknown";
}

lm_status solver_problem_create(const solver_problem_opts *o, solver_problem **out) {
    solver_problem_opts def;
    if (!o) {
        solver_problem_opts_init(&def);
        o = &def;
    }
    if (o->n_dims > SOLVER_MAX_DIMS) return LM_INVALID;
    solver_problem *p = lm_calloc(1, sizeof *p);
    if (!p) return LM_NOMEM;
    p->n_dims = o->n_dims;
    p->cost_unit = 1;
    *out = p;
    return LM_OK;
}

static void idset_free(solver__idset *set);

static void tws_free(solver__tws *t) {
    lm_free(t->w);
}

/* The matrices, unless borrowed (solver_problem_share_matrix). */
static void free_matrices(solver_problem *p) {
    if (!p->matrix_borrowed) {
        lm_free(p->durations);
        lm_free(p->distances);
        lm_free(p->costs);
    }
    p->durations = p->distances = p->costs = NULL;
}

void solver_problem_destroy(solver_problem *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n_jobs; i++) {
        tws_free(&p->jobs[i].tws);
        lm_free(p->jobs[i].skills.s);
    }
    for (size_t i = 0; i < p->n_shipments; i++) {
        tws_free(&p->shipments[i].pickup_tws);
        tws_free(&p->shipments[i].delivery_tws);
        lm_free(p->shipments[i].skills.s);
    }
    for (size_t i = 0; i < p->n_vehicles; i++) {
        solver__vehicle *v = &p->vehicles[i];
        for (size_t b = 0; b < v->pub.n_breaks; b++)
            tws_free(&v->breaks[b].tws);
        lm_free(v->breaks);
        lm_free(v->skills.s);
        lm_free(v->fixed_steps);
        lm_free(v->durations);
    }
    idset_free(&p->job_ids);
    idset_free(&p->pickup_ids);
    idset_free(&p->delivery_ids);
    idset_free(&p->vehicle_ids);
    lm_free(p->jobs);
    lm_free(p->shipments);
    lm_free(p->vehicles);
    free_matrices(p);
    lm_free(p);
}

size_t solver_problem_n_jobs(const solver_problem *p) {
    return p->n_jobs;
}
size_t solver_problem_n_shipments(const solver_problem *p) {
    return p->n_shipments;
}
size_t solver_problem_n_vehicles(const solver_problem *p) {
    return p->n_vehicles;
}
uint32_t solver_problem_n_dims(const solver_problem *p) {
    return p->n_dims;
}

/* Validates src (every cell >= 0) into *out: a copy, or src itself when borrowed (the problem
 * never writes to its matrices; the cast only lets one field hold both kinds). */
static lm_status copy_matrix(const int32_t *src, size_t n, const char *field, bool borrow,
                             int32_t **out, lm_errinfo *err) {
    if (!src) {
        *out = NULL;
        return LM_OK;
    }
    for (size_t i = 0; i < n * n; i++)
        if (src[i] < 0)
            return lm_errinfo_set(err, LM_INVALID, field, "cell [%zu][%zu] is negative", i / n,
                                  i % n);
    if (borrow) {
        *out = (int32_t *)(uintptr_t)src;
        return LM_OK;
    }
    int32_t *m = lm_reallocarray(NULL, n * n, sizeof *m);
    if (!m) return LM_NOMEM;
    memcpy(m, src, n * n * sizeof *m);
    *out = m;
    return LM_OK;
}

static lm_status set_matrix(solver_problem *p, size_t n, const int32_t *durations,
                            const int32_t *distances, const int32_t *costs, bool borrow,
                            solver_memo *memo, lm_errinfo *err) {
    if (n == 0 || n > SOLVER_MAX_LOCATIONS)
        return lm_errinfo_set(err, n ? LM_TOO_BIG : LM_INVALID, "matrices",
                              "matrix size %zu is outside 1..%d", n, SOLVER_MAX_LOCATIONS);
    if (!durations) return lm_errinfo_set(err, LM_INVALID, "matrices.durations", "missing");
    if (p->n_jobs || p->n_shipments || p->n_vehicles)
        return lm_errinfo_set(err, LM_CONFLICT, "matrices", "set the matrix before adding tasks");
    int32_t *d = NULL, *m = NULL, *c = NULL;
    lm_status st = LM_OK;
    if (memo && solver__memo_matrix_valid(memo, n, durations, distances, costs)) {
        /* borrowed arrays the memo has scanned: they may not have changed since */
        d = (int32_t *)(uintptr_t)durations;
        m = (int32_t *)(uintptr_t)distances;
        c = (int32_t *)(uintptr_t)costs;
    } else {
        st = copy_matrix(durations, n, "matrices.durations", borrow, &d, err);
        if (st == LM_OK) st = copy_matrix(distances, n, "matrices.distances", borrow, &m, err);
        if (st == LM_OK) st = copy_matrix(costs, n, "matrices.costs", borrow, &c, err);
        if (st == LM_OK && memo)
            solver__memo_matrix_validated(memo, n, durations, distances, costs);
    }
    if (st != LM_OK) {
        if (!borrow) {
            lm_free(d);
            lm_free(m);
            lm_free(c);
        }
        return st;
    }
    free_matrices(p);
    p->n = n;
    p->durations = d;
    p->distances = m;
    p->costs = c;
    /* Compared here, O(n^2) like the validation scan; not with a memo, which spares its solves
     * such scans (and keys its neighbour lists on the cost mode this decides). */
    p->costs_are_durations = c && (c == d || (!memo && !memcmp(c, d, n * n * sizeof *c)));
    p->matrix_borrowed = borrow;
    p->memo = memo;
    return LM_OK;
}

lm_status solver_problem_set_matrix(solver_problem *p, size_t n, const int32_t *durations,
                                    const int32_t *distances, const int32_t *costs,
                                    lm_errinfo *err) {
    return set_matrix(p, n, durations, distances, costs, false, NULL, err);
}

lm_status solver_problem_share_matrix(solver_problem *p, size_t n, const int32_t *durations,
                                      const int32_t *distances, const int32_t *costs,
                                      lm_errinfo *err) {
    return set_matrix(p, n, durations, distances, costs, true, NULL, err);
}

lm_status solver_problem_share_matrix_memo(solver_problem *p, size_t n, const int32_t *durations,
                                           const int32_t *distances, const int32_t *costs,
                                           solver_memo *memo, lm_errinfo *err) {
    if (!memo) return lm_errinfo_set(err, LM_INVALID, "memo", "missing");
    return set_matrix(p, n, durations, distances, costs, true, memo, err);
}

/* ---- Validation helpers ---- */

static int cmp_tw(const void *a, const void *b) {
    const solver_tw *x = a, *y = b;
    return (x->start_s > y->start_s) - (x->start_s < y->start_s);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static lm_status copy_tws(const solver_tw *src, size_t n, const char *field, solver__tws *out,
                          lm_errinfo *err) {
    out->w = NULL;
    out->n = 0;
    if (n == 0) return LM_OK;
    if (!src) return lm_errinfo_set(err, LM_INVALID, field, "time windows missing");
    if (n > SOLVER_MAX_TWS)
        return lm_errinfo_set(err, LM_TOO_BIG, field, "more than %d time windows", SOLVER_MAX_TWS);
    for (size_t i = 0; i < n; i++) {
        /* SOLVER_TIME_INF itself marks "no window left" in solver__tws_earliest. */
        if (src[i].start_s < 0 || src[i].end_s >= SOLVER_TIME_INF)
            return lm_errinfo_set(err, LM_INVALID, field, "window %zu is out of range", i);
        if (src[i].start_s > src[i].end_s)
            return lm_errinfo_set(err, LM_INVALID, field,
                                  "window %zu starts (%lld) after it ends (%lld)", i,
                                  (long long)src[i].start_s, (long long)src[i].end_s);
    }
    solver_tw *w = lm_reallocarray(NULL, n, sizeof *w);
    if (!w) return LM_NOMEM;
    memcpy(w, src, n * sizeof *w);
    qsort(w, n, sizeof *w, cmp_tw);
    for (size_t i = 1; i < n; i++)
        if (w[i].start_s <= w[i - 1].end_s) {
            lm_free(w);
            return lm_errinfo_set(err, LM_INVALID, field, "time windows overlap");
        }
    out->w = w;
    out->n = n;
    return LM_OK;
}

static lm_status copy_skills(const uint32_t *src, size_t n, const char *field, solver__skills *out,
                             lm_errinfo *err) {
    out->s = NULL;
    out->n = 0;
    if (n == 0) return LM_OK;
    if (!src) return lm_errinfo_set(err, LM_INVALID, field, "skills missing");
    if (n > SOLVER_MAX_SKILLS)
        return lm_errinfo_set(err, LM_TOO_BIG, field, "more than %d skills", SOLVER_MAX_SKILLS);
    uint32_t *s = lm_reallocarray(NULL, n, sizeof *s);
    if (!s) return LM_NOMEM;
    memcpy(s, src, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_u32);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || s[k - 1] != s[i]) s[k++] = s[i];
    out->s = s;
    out->n = k;
    return LM_OK;
}

static lm_status check_amounts(const solver_problem *p, const int64_t *a, const char *field,
                               lm_errinfo *err) {
    for (uint32_t d = 0; d < SOLVER_MAX_DIMS; d++) {
        if (a[d] < 0) return lm_errinfo_set(err, LM_INVALID, field, "dimension %u is negative", d);
        if (d >= p->n_dims && a[d] != 0)
            return lm_errinfo_set(err, LM_INVALID, field,
                                  "has more dimensions than the problem's %u", p->n_dims);
        if (a[d] > (INT64_C(1) << 40))
            return lm_errinfo_set(err, LM_INVALID, field, "dimension %u is too large", d);
    }
    return LM_OK;
}

static lm_status check_location(const solver_problem *p, uint32_t loc, const char *field,
                                lm_errinfo *err) {
    if (p->n == 0) return lm_errinfo_set(err, LM_CONFLICT, "matrices", "no matrix set yet");
    if (loc >= p->n)
        return lm_errinfo_set(err, LM_INVALID, field,
                              "location index %u is outside the %zu x %zu matrix", loc, p->n, p->n);
    return LM_OK;
}

static lm_status check_durations(int64_t setup, int64_t service, const char *field,
                                 lm_errinfo *err) {
    if (setup < 0 || service < 0 || setup > SOLVER_TIME_INF || service > SOLVER_TIME_INF)
        return lm_errinfo_set(err, LM_INVALID, field, "setup and service must be in 0..2^50 s");
    return LM_OK;
}

static bool grow(void **arr, size_t *cap, size_t n, size_t elem) {
    if (n < *cap) return true;
    size_t nc = *cap ? *cap * 2 : 16;
    void *a = lm_reallocarray(*arr, nc, elem);
    if (!a) return false;
    *arr = a;
    *cap = nc;
    return true;
}

/* ---- Id sets ---- */

static size_t idset_slot(const solver__idset *set, uint64_t id) {
    uint64_t h = id * UINT64_C(0x9E3779B97F4A7C15);
    size_t i = (size_t)(h >> 17) & (set->cap - 1);
    while (set->used[i] && set->keys[i] != id)
        i = (i + 1) & (set->cap - 1);
    return i;
}

static bool idset_has(const solver__idset *set, uint64_t id) {
    return set->cap && set->used[idset_slot(set, id)];
}

/* Makes room for one more id, so that the following idset_put cannot fail. */
static lm_status idset_reserve(solver__idset *set) {
    if (set->cap && (set->n + 1) * 2 <= set->cap) return LM_OK;
    solver__idset grown = {.cap = set->cap ? set->cap * 2 : 64};
    grown.keys = lm_calloc(grown.cap, sizeof *grown.keys);
    grown.used = lm_calloc(grown.cap, sizeof *grown.used);
    if (!grown.keys || !grown.used) {
        lm_free(grown.keys);
        lm_free(grown.used);
        return LM_NOMEM;
    }
    for (size_t i = 0; i < set->cap; i++)
        if (set->used[i]) {
            size_t k = idset_slot(&grown, set->keys[i]);
            grown.used[k] = true;
            grown.keys[k] = set->keys[i];
            grown.n++;
        }
    lm_free(set->keys);
    lm_free(set->used);
    *set = grown;
    return LM_OK;
}

static void idset_put(solver__idset *set, uint64_t id) {
    size_t k = idset_slot(set, id);
    if (!set->used[k]) {
        set->used[k] = true;
        set->keys[k] = id;
        set->n++;
    }
}

static void idset_free(solver__idset *set) {
    lm_free(set->keys);
    lm_free(set->used);
}

/* ---- Adding tasks and vehicles ---- */

lm_status solver_problem_add_job(solver_problem *p, const solver_job *j, lm_errinfo *err) {
    lm_status st;
    if ((st = check_location(p, j->location, "location_index", err)) != LM_OK) return st;
    if ((st = check_durations(j->setup_s, j->service_s, "service", err)) != LM_OK) return st;
    if ((st = check_amounts(p, j->delivery, "delivery", err)) != LM_OK) return st;
    if ((st = check_amounts(p, j->pickup, "pickup", err)) != LM_OK) return st;
    if (j->priority > 100)
        return lm_errinfo_set(err, LM_INVALID, "priority", "%u is outside 0..100", j->priority);
    /* only_vehicle may name a vehicle added later: solver_problem_validate checks it. */
    if (idset_has(&p->job_ids, j->id))
        return lm_errinfo_set(err, LM_INVALID, "id", "duplicate job id %llu",
                              (unsigned long long)j->id);
    if (idset_reserve(&p->job_ids) != LM_OK) return LM_NOMEM;
    if (!grow((void **)&p->jobs, &p->cap_jobs, p->n_jobs, sizeof *p->jobs)) return LM_NOMEM;
    solver__job *dst = &p->jobs[p->n_jobs];
    memset(dst, 0, sizeof *dst);
    if ((st = copy_tws(j->tws, j->n_tws, "time_windows", &dst->tws, err)) != LM_OK) return st;
    if ((st = copy_skills(j->skills, j->n_skills, "skills", &dst->skills, err)) != LM_OK) {
        tws_free(&dst->tws);
        return st;
    }
    dst->pub = *j;
    dst->pub.tws = dst->tws.w;
    dst->pub.n_tws = dst->tws.n;
    dst->pub.skills = dst->skills.s;
    dst->pub.n_skills = dst->skills.n;
    idset_put(&p->job_ids, j->id);
    p->n_jobs++;
    return LM_OK;
}

static lm_status check_task(const solver_problem *p, const solver_task *t, const char *which,
                            lm_errinfo *err) {
    char field[64];
    snprintf(field, sizeof field, "%s.location_index", which);
    lm_status st = check_location(p, t->location, field, err);
    if (st != LM_OK) return st;
    snprintf(field, sizeof field, "%s.service", which);
    return check_durations(t->setup_s, t->service_s, field, err);
}

lm_status solver_problem_add_shipment(solver_problem *p, const solver_shipment *s,
                                      lm_errinfo *err) {
    lm_status st;
    if ((st = check_task(p, &s->pickup, "pickup", err)) != LM_OK) return st;
    if ((st = check_task(p, &s->delivery, "delivery", err)) != LM_OK) return st;
    if ((st = check_amounts(p, s->amount, "amount", err)) != LM_OK) return st;
    if (s->priority > 100)
        return lm_errinfo_set(err, LM_INVALID, "priority", "%u is outside 0..100", s->priority);
    /* only_vehicle may name a vehicle added later: solver_problem_validate checks it. */
    if (idset_has(&p->pickup_ids, s->pickup.id))
        return lm_errinfo_set(err, LM_INVALID, "pickup.id", "duplicate pickup id %llu",
                              (unsigned long long)s->pickup.id);
    if (idset_has(&p->delivery_ids, s->delivery.id))
        return lm_errinfo_set(err, LM_INVALID, "delivery.id", "duplicate delivery id %llu",
                              (unsigned long long)s->delivery.id);
    if (idset_reserve(&p->pickup_ids) != LM_OK || idset_reserve(&p->delivery_ids) != LM_OK)
        return LM_NOMEM;
    if (!grow((void **)&p->shipments, &p->cap_shipments, p->n_shipments, sizeof *p->shipments))
        return LM_NOMEM;
    solver__shipment *dst = &p->shipments[p->n_shipments];
    memset(dst, 0, sizeof *dst);
    st = copy_tws(s->pickup.tws, s->pickup.n_tws, "pickup.time_windows", &dst->pickup_tws, err);
    if (st == LM_OK)
        st = copy_tws(s->delivery.tws, s->delivery.n_tws, "delivery.time_windows",
                      &dst->delivery_tws, err);
    if (st == LM_OK) st = copy_skills(s->skills, s->n_skills, "skills", &dst->skills, err);
    if (st != LM_OK) {
        tws_free(&dst->pickup_tws);
        tws_free(&dst->delivery_tws);
        return st;
    }
    dst->pub = *s;
    dst->pub.pickup.tws = dst->pickup_tws.w;
    dst->pub.pickup.n_tws = dst->pickup_tws.n;
    dst->pub.delivery.tws = dst->delivery_tws.w;
    dst->pub.delivery.n_tws = dst->delivery_tws.n;
    dst->pub.skills = dst->skills.s;
    dst->pub.n_skills = dst->skills.n;
    idset_put(&p->pickup_ids, s->pickup.id);
    idset_put(&p->delivery_ids, s->delivery.id);
    p->n_shipments++;
    return LM_OK;
}

static lm_status check_fixed_step(const solver_problem *p, const solver_vehicle *v,
                                  const solver_task_ref *r, size_t i, lm_errinfo *err) {
    char field[64];
    snprintf(field, sizeof field, "steps[%zu]", i);
    /* Tasks may be added after the vehicle (a parcel on board names its vehicle in only_vehicle
     * while the vehicle's fixed steps name the parcel): solver_problem_validate checks them. */
    (void)p;
    switch (r->type) {
    case SOLVER_STEP_JOB:
    case SOLVER_STEP_PICKUP:
    case SOLVER_STEP_DELIVERY: return LM_OK;
    case SOLVER_STEP_BREAK:
        if (r->index >= v->n_breaks)
            return lm_errinfo_set(err, LM_INVALID, field, "refers to unknown break index %u",
                                  r->index);
        return LM_OK;
    default: return lm_errinfo_set(err, LM_INVALID, field, "only tasks and breaks can be fixed");
    }
}

lm_status solver_problem_add_vehicle(solver_problem *p, const solver_vehicle *v, lm_errinfo *err) {
    lm_status st;
    if (v->start == SOLVER_NONE && v->end == SOLVER_NONE)
        return lm_errinfo_set(err, LM_INVALID, "start", "a vehicle needs a start or an end");
    if (v->start != SOLVER_NONE && (st = check_location(p, v->start, "start_index", err)) != LM_OK)
        return st;
    if (v->end != SOLVER_NONE && (st = check_location(p, v->end, "end_index", err)) != LM_OK)
        return st;
    if ((st = check_amounts(p, v->capacity, "capacity", err)) != LM_OK) return st;
    if ((st = check_amounts(p, v->initial_load, "initial_load", err)) != LM_OK) return st;
    if (v->shift.start_s < 0 || v->shift.start_s > v->shift.end_s ||
        v->shift.end_s > SOLVER_TIME_INF)
        return lm_errinfo_set(err, LM_INVALID, "time_window",
                              "shift starts (%lld) after it ends (%lld) or is out of range",
                              (long long)v->shift.start_s, (long long)v->shift.end_s);
    if (!(v->speed_factor > 0.0 && v->speed_factor <= 5.0))
        return lm_errinfo_set(err, LM_INVALID, "speed_factor", "must be in (0, 5]");
    if (v->cost_fixed < 0 || v->cost_per_hour < 0 || v->cost_per_km < 0 ||
        v->cost_per_task_hour < 0 || v->cost_fixed > (INT64_C(1) << 40) ||
        v->cost_per_hour > (1 << 24) || v->cost_per_km > (1 << 24) ||
        v->cost_per_task_hour > (1 << 24))
        return lm_errinfo_set(err, LM_INVALID, "costs", "costs must be non-negative and bounded");
    if (v->max_travel_time_s < 0 || v->max_distance_m < 0)
        return lm_errinfo_set(err, LM_INVALID, "max_travel_time", "limits must be >= 0");
    if (v->n_breaks > 64) return lm_errinfo_set(err, LM_TOO_BIG, "breaks", "more than 64 breaks");
    if (v->n_breaks && !v->breaks) return lm_errinfo_set(err, LM_INVALID, "breaks", "missing");
    for (size_t i = 0; i < v->n_fixed_steps; i++)
        if ((st = check_fixed_step(p, v, &v->fixed_steps[i], i, err)) != LM_OK) return st;
    if (idset_has(&p->vehicle_ids, v->id))
        return lm_errinfo_set(err, LM_INVALID, "id", "duplicate vehicle id %llu",
                              (unsigned long long)v->id);
    if (idset_reserve(&p->vehicle_ids) != LM_OK) return LM_NOMEM;
    for (size_t i = 0; i < v->n_breaks; i++) {
        char field[48];
        snprintf(field, sizeof field, "breaks[%zu].max_load", i);
        if ((st = check_amounts(p, v->breaks[i].max_load, field, err)) != LM_OK) return st;
        if (v->breaks[i].service_s < 0 || v->breaks[i].service_s > SOLVER_TIME_INF)
            return lm_errinfo_set(err, LM_INVALID, "breaks", "break %zu service out of range", i);
        for (size_t k = 0; k < i; k++)
            if (v->breaks[k].id == v->breaks[i].id)
                return lm_errinfo_set(err, LM_INVALID, "breaks", "duplicate break id %llu",
                                      (unsigned long long)v->breaks[i].id);
    }
    if (!grow((void **)&p->vehicles, &p->cap_vehicles, p->n_vehicles, sizeof *p->vehicles))
        return LM_NOMEM;
    solver__vehicle *dst = &p->vehicles[p->n_vehicles];
    memset(dst, 0, sizeof *dst);
    dst->pub = *v;
    st = copy_skills(v->skills, v->n_skills, "skills", &dst->skills, err);
    if (st == LM_OK && v->n_breaks) {
        dst->breaks = lm_calloc(v->n_breaks, sizeof *dst->breaks);
        if (!dst->breaks) st = LM_NOMEM;
        for (size_t i = 0; st == LM_OK && i < v->n_breaks; i++) {
            char field[48];
            snprintf(field, sizeof field, "breaks[%zu].time_windows", i);
            st = copy_tws(v->breaks[i].tws, v->breaks[i].n_tws, field, &dst->breaks[i].tws, err);
            dst->breaks[i].pub = v->breaks[i];
            dst->breaks[i].pub.tws = dst->breaks[i].tws.w;
            dst->breaks[i].pub.n_tws = dst->breaks[i].tws.n;
        }
    }
    if (st == LM_OK && v->n_fixed_steps) {
        dst->fixed_steps = lm_reallocarray(NULL, v->n_fixed_steps, sizeof *dst->fixed_steps);
        if (!dst->fixed_steps)
            st = LM_NOMEM;
        else
            memcpy(dst->fixed_steps, v->fixed_steps, v->n_fixed_steps * sizeof *dst->fixed_steps);
    }
    if (st == LM_OK && v->speed_factor != 1.0) {
        dst->durations = lm_reallocarray(NULL, p->n * p->n, sizeof *dst->durations);
        if (!dst->durations) st = LM_NOMEM;
        for (size_t i = 0; st == LM_OK && i < p->n * p->n; i++) {
            double d = round((double)p->durations[i] / v->speed_factor);
            dst->durations[i] = d > INT32_MAX ? INT32_MAX : (int32_t)d;
        }
    }
    if (st != LM_OK) {
        for (size_t i = 0; dst->breaks && i < v->n_breaks; i++)
            tws_free(&dst->breaks[i].tws);
        lm_free(dst->breaks);
        lm_free(dst->skills.s);
        lm_free(dst->fixed_steps);
        lm_free(dst->durations);
        return st;
    }
    /* Any vehicle whose cost is not simply its travel seconds (or the costs matrix) puts the whole
     * search on exact fractional costs (internal.h), so that vehicles stay comparable. */
    if (v->cost_per_hour != 3600 || v->cost_per_km != 0 || v->cost_per_task_hour != 0)
        p->cost_unit = SOLVER__COST_UNIT;
    dst->pub.breaks = NULL; /* use dst->breaks */
    dst->pub.skills = dst->skills.s;
    dst->pub.n_skills = dst->skills.n;
    dst->pub.fixed_steps = dst->fixed_steps;
    idset_put(&p->vehicle_ids, v->id);
    p->n_vehicles++;
    return LM_OK;
}

/* ---- Whole-problem validation ---- */

/* The task a fixed step names, as a slot in one array: jobs, then pickups, then deliveries. */
static size_t fixed_slot(const solver_problem *p, const solver_task_ref *r) {
    switch (r->type) {
    case SOLVER_STEP_JOB: return r->index;
    case SOLVER_STEP_PICKUP: return p->n_jobs + r->index;
    case SOLVER_STEP_DELIVERY: return p->n_jobs + p->n_shipments + r->index;
    default: return SIZE_MAX;
    }
}

lm_status solver_problem_validate(const solver_problem *p, lm_errinfo *err) {
    if (p->n == 0) return lm_errinfo_set(err, LM_INVALID, "matrices", "no matrix was set");
    char field[64];
    for (size_t i = 0; i < p->n_jobs; i++) {
        uint32_t v = p->jobs[i].pub.only_vehicle;
        if (v != SOLVER_NONE && v >= p->n_vehicles) {
            snprintf(field, sizeof field, "jobs[%zu].only_vehicle", i);
            return lm_errinfo_set(err, LM_INVALID, field, "vehicle index %u does not exist", v);
        }
    }
    for (size_t i = 0; i < p->n_shipments; i++) {
        uint32_t v = p->shipments[i].pub.only_vehicle;
        if (v != SOLVER_NONE && v >= p->n_vehicles) {
            snprintf(field, sizeof field, "shipments[%zu].only_vehicle", i);
            return lm_errinfo_set(err, LM_INVALID, field, "vehicle index %u does not exist", v);
        }
    }
    size_t n_slots = p->n_jobs + 2 * p->n_shipments;
    uint32_t *owner = n_slots ? lm_reallocarray(NULL, n_slots, sizeof *owner) : NULL;
    if (n_slots && !owner) return LM_NOMEM;
    for (size_t i = 0; i < n_slots; i++)
        owner[i] = SOLVER_NONE;
    lm_status st = LM_OK;
    for (size_t v = 0; v < p->n_vehicles && st == LM_OK; v++) {
        const solver__vehicle *veh = &p->vehicles[v];
        for (size_t k = 0; k < veh->pub.n_fixed_steps && st == LM_OK; k++) {
            const solver_task_ref *r = &veh->fixed_steps[k];
            snprintf(field, sizeof field, "vehicles[%zu].steps[%zu]", v, k);
            if (r->type == SOLVER_STEP_BREAK) continue;
            size_t limit = r->type == SOLVER_STEP_JOB ? p->n_jobs : p->n_shipments;
            if (r->index >= limit) {
                st = lm_errinfo_set(err, LM_INVALID, field, "refers to unknown task index %u",
                                    r->index);
                break;
            }
            size_t slot = fixed_slot(p, r);
            uint32_t only = r->type == SOLVER_STEP_JOB ? p->jobs[r->index].pub.only_vehicle
                                                       : p->shipments[r->index].pub.only_vehicle;
            if (owner[slot] != SOLVER_NONE)
                st = lm_errinfo_set(err, LM_INVALID, field, "task is fixed twice");
            else if (only != SOLVER_NONE && only != v)
                st = lm_errinfo_set(err, LM_INVALID, field,
                                    "task is fixed on a vehicle its only_vehicle forbids");
            owner[slot] = (uint32_t)v;
        }
    }
    lm_free(owner);
    return st;
}

/* ---- Shared helpers ---- */

bool solver__skills_cover(const solver__skills *have, const solver__skills *need) {
    size_t i = 0;
    for (size_t k = 0; k < need->n; k++) {
        while (i < have->n && have->s[i] < need->s[k])
            i++;
        if (i == have->n || have->s[i] != need->s[k]) return false;
    }
    return true;
}

int64_t solver__tws_earliest(const solver__tws *tws, int64_t t) {
    if (tws->n == 0) return t;
    for (size_t i = 0; i < tws->n; i++) {
        if (t <= tws->w[i].end_s) return t > tws->w[i].start_s ? t : tws->w[i].start_s;
    }
    return SOLVER_TIME_INF;
}

void solver_solution_destroy(solver_solution *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n_routes; i++)
        lm_free(s->routes[i].steps);
    lm_free(s->routes);
    lm_free(s->unassigned);
    lm_free(s);
}
