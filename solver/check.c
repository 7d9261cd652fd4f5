/* The independent feasibility checker: re-derives every route of a solution from the route
 * semantics in internal.h alone (no builder or search code) and compares it with what it says. */
#include "solver/internal.h"

#include <stdio.h>
#include <string.h>

typedef struct checker {
    const solver_problem *p;
    const solver_solution *s;
    solver_check_report *rep;
    /* Where each task is served: route number + 1 and step position, 0 if nowhere. */
    size_t *job_at, *pick_at, *del_at;
    size_t *job_pos, *pick_pos, *del_pos;
    size_t *vehicle_route; /* route number + 1 using vehicle i */
} checker;

static void violation(checker *c, const char *fmt, ...) LM_PRINTF(2, 3);

static void violation(checker *c, const char *fmt, ...) {
    if (c->rep->n_violations++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->rep->first, sizeof c->rep->first, fmt, ap);
        va_end(ap);
    }
}

static const char *kind(solver_step_type t) {
    static const char *names[] = {"start", "job", "pickup", "delivery", "break", "end"};
    return (unsigned)t <= SOLVER_STEP_END ? names[t] : "unknown step";
}

/* The located data of a task step, looked up straight from the problem. */
static bool step_site(const solver_problem *p, const solver_step *st, uint32_t *loc, int64_t *setup,
                      int64_t *service, const solver__tws **tws, uint64_t *id) {
    switch (st->type) {
    case SOLVER_STEP_JOB: {
        if (st->index >= p->n_jobs) return false;
        const solver__job *j = p->jobs + st->index;
        *loc = j->pub.location;
        *setup = j->pub.setup_s;
        *service = j->pub.service_s;
        *tws = &j->tws;
        *id = j->pub.id;
        return true;
    }
    case SOLVER_STEP_PICKUP:
    case SOLVER_STEP_DELIVERY: {
        if (st->index >= p->n_shipments) return false;
        const solver__shipment *sh = p->shipments + st->index;
        bool is_pick = st->type == SOLVER_STEP_PICKUP;
        *loc = is_pick ? sh->pub.pickup.location : sh->pub.delivery.location;
        *setup = is_pick ? sh->pub.pickup.setup_s : sh->pub.delivery.setup_s;
        *service = is_pick ? sh->pub.pickup.service_s : sh->pub.delivery.service_s;
        *tws = is_pick ? &sh->pickup_tws : &sh->delivery_tws;
        *id = is_pick ? sh->pub.pickup.id : sh->pub.delivery.id;
        return true;
    }
    default: return false;
    }
}

/* ---- Pass 1: structure (which tasks go where) ---- */

static void check_structure(checker *c, size_t ri) {
    const solver_problem *p = c->p;
    const solver_route *r = &c->s->routes[ri];
    if (r->vehicle >= p->n_vehicles) {
        violation(c, "Route %zu names vehicle index %u, but there are %zu vehicles.", ri,
                  r->vehicle, p->n_vehicles);
        return;
    }
    const solver__vehicle *v = &p->vehicles[r->vehicle];
    unsigned long long vid = (unsigned long long)v->pub.id;
    if (c->vehicle_route[r->vehicle]) {
        violation(c, "Vehicle %llu has two routes (%zu and %zu).", vid,
                  c->vehicle_route[r->vehicle] - 1, ri);
        return;
    }
    c->vehicle_route[r->vehicle] = ri + 1;
    bool has_start = v->pub.start != SOLVER_NONE, has_end = v->pub.end != SOLVER_NONE;
    size_t first = has_start ? 1 : 0;
    size_t min_steps = first + (has_end ? 1 : 0);
    if (r->n_steps < min_steps || !r->steps) {
        violation(c, "The route of vehicle %llu lacks its start or end step.", vid);
        return;
    }
    size_t last = r->n_steps - (has_end ? 1 : 0); /* tasks and breaks are steps [first, last) */
    if (has_start &&
        (r->steps[0].type != SOLVER_STEP_START || r->steps[0].location != v->pub.start))
        violation(c, "The route of vehicle %llu does not begin with a start step at location %u.",
                  vid, v->pub.start);
    if (has_end && (r->steps[r->n_steps - 1].type != SOLVER_STEP_END ||
                    r->steps[r->n_steps - 1].location != v->pub.end))
        violation(c, "The route of vehicle %llu does not finish with an end step at location %u.",
                  vid, v->pub.end);

    unsigned break_count[64] = {0};
    uint32_t n_tasks = 0;
    for (size_t k = first; k < last; k++) {
        const solver_step *st = &r->steps[k];
        if (st->type == SOLVER_STEP_BREAK) {
            if (st->index >= v->pub.n_breaks) {
                violation(c, "Vehicle %llu step %zu is a break index %u it does not have.", vid, k,
                          st->index);
                continue;
            }
            break_count[st->index]++;
            if (st->location != SOLVER_NONE)
                violation(c, "Vehicle %llu step %zu: a break has no location.", vid, k);
            continue;
        }
        uint32_t loc;
        int64_t setup, service;
        const solver__tws *tws;
        uint64_t id;
        if (!step_site(p, st, &loc, &setup, &service, &tws, &id)) {
            if (st->type == SOLVER_STEP_START || st->type == SOLVER_STEP_END)
                violation(c, "Vehicle %llu step %zu: a %s step inside the route.", vid, k,
                          kind(st->type));
            else
                violation(c, "Vehicle %llu step %zu is a %s with an invalid index %u.", vid, k,
                          kind(st->type), st->index);
            continue;
        }
        n_tasks++;
        if (st->location != loc)
            violation(c, "Vehicle %llu step %zu (%s %llu) claims location %u, the task is at %u.",
                      vid, k, kind(st->type), (unsigned long long)id, st->location, loc);
        size_t *at, *pos;
        const solver__skills *need;
        uint32_t only;
        if (st->type == SOLVER_STEP_JOB) {
            at = &c->job_at[st->index];
            pos = &c->job_pos[st->index];
            need = &p->jobs[st->index].skills;
            only = p->jobs[st->index].pub.only_vehicle;
        } else {
            bool is_pick = st->type == SOLVER_STEP_PICKUP;
            at = is_pick ? &c->pick_at[st->index] : &c->del_at[st->index];
            pos = is_pick ? &c->pick_pos[st->index] : &c->del_pos[st->index];
            need = &p->shipments[st->index].skills;
            only = p->shipments[st->index].pub.only_vehicle;
        }
        if (*at) {
            violation(c, "%s %llu is served more than once (vehicle %llu step %zu).",
                      kind(st->type), (unsigned long long)id, vid, k);
        } else {
            *at = ri + 1;
            *pos = k;
        }
        if (!solver__skills_cover(&v->skills, need))
            violation(c, "Vehicle %llu lacks the skills that %s %llu requires.", vid,
                      kind(st->type), (unsigned long long)id);
        if (only != SOLVER_NONE && only != r->vehicle)
            violation(c, "%s %llu is restricted to vehicle %llu (only_vehicle) but rides on %llu.",
                      kind(st->type), (unsigned long long)id,
                      (unsigned long long)p->vehicles[only].pub.id, vid);
    }
    for (size_t b = 0; b < v->pub.n_breaks; b++)
        if (break_count[b] != 1)
            violation(c, "Break %llu of vehicle %llu is taken %u times instead of exactly once.",
                      (unsigned long long)v->breaks[b].pub.id, vid, break_count[b]);
    if (v->pub.no_tasks && n_tasks)
        violation(c, "Vehicle %llu serves %u tasks but may serve none.", vid, n_tasks);
    if (v->pub.max_tasks && n_tasks > v->pub.max_tasks)
        violation(c, "Vehicle %llu serves %u tasks, more than its max_tasks of %u.", vid, n_tasks,
                  v->pub.max_tasks);
    for (size_t f = 0; f < v->pub.n_fixed_steps; f++) {
        size_t k = first + f;
        const solver_task_ref *want = &v->fixed_steps[f];
        if (k >= last || r->steps[k].type != want->type || r->steps[k].index != want->index) {
            violation(c,
                      "Vehicle %llu must begin with its fixed steps; fixed step %zu (%s %u) "
                      "is not step %zu.",
                      vid, f, kind(want->type), want->index, k);
            break;
        }
    }
}

/* ---- Pass 2: clock, loads and money, recomputed step by step ---- */

typedef struct expect {
    int64_t arrival, waiting, setup, service, duration, distance;
} expect;

static void compare_step(checker *c, unsigned long long vid, size_t k, const solver_step *st,
                         const expect *e) {
    const struct {
        const char *what;
        int64_t have, want;
    } f[] = {{"arrival", st->arrival_s, e->arrival},    {"waiting", st->waiting_s, e->waiting},
             {"setup", st->setup_s, e->setup},          {"service", st->service_s, e->service},
             {"duration", st->duration_s, e->duration}, {"distance", st->distance_m, e->distance}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].have != f[i].want) {
            violation(c, "Vehicle %llu step %zu (%s): %s is %lld but recomputes to %lld.", vid, k,
                      kind(st->type), f[i].what, (long long)f[i].have, (long long)f[i].want);
            return;
        }
}

static void compare_load(checker *c, unsigned long long vid, size_t k, const solver_step *st,
                         const int64_t *load) {
    for (uint32_t d = 0; d < c->p->n_dims; d++)
        if (st->load[d] != load[d]) {
            violation(c, "Vehicle %llu step %zu (%s): load[%u] is %lld but recomputes to %lld.",
                      vid, k, kind(st->type), d, (long long)st->load[d], (long long)load[d]);
            return;
        }
}

static void capacity_check(checker *c, unsigned long long vid, size_t k, const int64_t *load,
                           const int64_t *cap, const char *where) {
    for (uint32_t d = 0; d < c->p->n_dims; d++)
        if (load[d] > cap[d]) {
            violation(c, "Vehicle %llu exceeds its capacity %s (step %zu): load[%u] = %lld > %lld.",
                      vid, where, k, d, (long long)load[d], (long long)cap[d]);
            return;
        }
}

static bool step_known(const solver_problem *p, const solver__vehicle *v, const solver_step *st) {
    switch (st->type) {
    case SOLVER_STEP_BREAK: return st->index < v->pub.n_breaks;
    case SOLVER_STEP_JOB: return st->index < p->n_jobs;
    case SOLVER_STEP_PICKUP:
    case SOLVER_STEP_DELIVERY: return st->index < p->n_shipments;
    default: return false;
    }
}

/* The running state of pass 2 on one route: what has been recomputed so far. */
typedef struct replay {
    const solver_route *r;
    const solver__vehicle *v;
    unsigned long long vid;
    int64_t load[SOLVER_MAX_DIMS];
    int64_t cost, travel, distance;
    int64_t setup_sum, service_sum, waiting_sum;
    uint32_t priority;
    int64_t done;  /* when the last located step (or the start) is done */
    uint32_t here; /* last located step's location, NONE before any */
} replay;

/* Breaks steps[b0, b1) on the leg that leaves at rp->done and drives leg seconds: each starts at
 * its earliest window time after the previous one (or the last task) ends; driving fills the
 * gaps, so the leg's arrival (returned) is the later of "all driving and all breaks back to back"
 * and "the last break over". */
static int64_t replay_breaks(checker *c, replay *rp, size_t b0, size_t b1, int64_t leg) {
    const solver_problem *p = c->p;
    const solver_route *r = rp->r;
    int64_t ends = rp->done, breaks_total = 0;
    for (size_t q = b0; q < b1; q++) {
        const solver__break *b = &rp->v->breaks[r->steps[q].index];
        int64_t starts = solver__tws_earliest(&b->tws, ends);
        if (starts >= SOLVER_TIME_INF) {
            violation(c, "Vehicle %llu cannot start break %llu within its time windows.", rp->vid,
                      (unsigned long long)b->pub.id);
            starts = ends;
        }
        int64_t before = rp->done + leg + breaks_total; /* arrival without this break ... */
        if (ends > before) before = ends;               /* ... or the previous break's end */
        expect e = {starts,     starts > before ? starts - before : 0,
                    0,          b->pub.service_s,
                    rp->travel, rp->distance};
        compare_step(c, rp->vid, q, &r->steps[q], &e);
        compare_load(c, rp->vid, q, &r->steps[q], rp->load);
        if (b->pub.has_max_load)
            for (uint32_t d = 0; d < p->n_dims; d++)
                if (rp->load[d] > b->pub.max_load[d]) {
                    violation(c,
                              "Vehicle %llu carries %lld in dimension %u during break %llu, "
                              "over its max_load %lld.",
                              rp->vid, (long long)rp->load[d], d, (unsigned long long)b->pub.id,
                              (long long)b->pub.max_load[d]);
                    break;
                }
        rp->waiting_sum += e.waiting;
        rp->service_sum += b->pub.service_s;
        breaks_total += b->pub.service_s;
        ends = starts + b->pub.service_s;
    }
    int64_t arrive = rp->done + leg + breaks_total;
    return ends > arrive ? ends : arrive;
}

/* The located step k, reached at arrive: its window, setup and service, and the load after it. */
static void replay_task(checker *c, replay *rp, size_t k, int64_t arrive) {
    const solver_problem *p = c->p;
    const solver_step *st = &rp->r->steps[k];
    uint32_t loc;
    int64_t su, sv;
    const solver__tws *tw;
    uint64_t id;
    (void)step_site(p, st, &loc, &su, &sv, &tw, &id);
    int64_t begin = arrive;
    if (tw->n) {
        size_t w = 0;
        while (w < tw->n && tw->w[w].end_s < arrive)
            w++;
        if (w == tw->n) {
            violation(c,
                      "Vehicle %llu reaches %s %llu at %lld, after the end of its last time "
                      "window (%lld).",
                      rp->vid, kind(st->type), (unsigned long long)id, (long long)arrive,
                      (long long)tw->w[tw->n - 1].end_s);
        } else if (tw->w[w].start_s > arrive) {
            begin = tw->w[w].start_s;
        }
    }
    int64_t paid_setup = loc == rp->here ? 0 : su;
    expect e = {arrive, begin - arrive, paid_setup, sv, rp->travel, rp->distance};
    compare_step(c, rp->vid, k, st, &e);
    rp->waiting_sum += begin - arrive;
    rp->setup_sum += paid_setup;
    rp->service_sum += sv;
    rp->done = begin + paid_setup + sv;
    rp->here = loc;
    for (uint32_t d = 0; d < p->n_dims; d++) {
        if (st->type == SOLVER_STEP_JOB) {
            rp->load[d] -= p->jobs[st->index].pub.delivery[d];
            rp->load[d] += p->jobs[st->index].pub.pickup[d];
        } else if (st->type == SOLVER_STEP_PICKUP) {
            rp->load[d] += p->shipments[st->index].pub.amount[d];
        } else {
            rp->load[d] -= p->shipments[st->index].pub.amount[d];
        }
    }
    compare_load(c, rp->vid, k, st, rp->load);
    capacity_check(c, rp->vid, k, rp->load, rp->v->pub.capacity, "after a step");
    if (st->type == SOLVER_STEP_JOB) rp->priority += p->jobs[st->index].pub.priority;
    if (st->type == SOLVER_STEP_PICKUP) rp->priority += p->shipments[st->index].pub.priority;
}

/* The route's limits (shift end, max travel time and distance) and its stated totals. */
static void replay_totals(checker *c, const replay *rp, int64_t route_end) {
    const solver__vehicle *v = rp->v;
    const solver_route *r = rp->r;
    unsigned long long vid = rp->vid;
    if (route_end > v->pub.shift.end_s)
        violation(c, "Vehicle %llu finishes at %lld, after its shift ends at %lld.", vid,
                  (long long)route_end, (long long)v->pub.shift.end_s);
    if (v->pub.max_travel_time_s && rp->travel > v->pub.max_travel_time_s)
        violation(c, "Vehicle %llu drives %lld s, more than its max_travel_time of %lld s.", vid,
                  (long long)rp->travel, (long long)v->pub.max_travel_time_s);
    if (v->pub.max_distance_m && rp->distance > v->pub.max_distance_m)
        violation(c, "Vehicle %llu drives %lld m, more than its max_distance of %lld m.", vid,
                  (long long)rp->distance, (long long)v->pub.max_distance_m);
    const struct {
        const char *what;
        int64_t have, want;
    } tot[] = {{"cost", r->cost, rp->cost},
               {"duration", r->duration_s, rp->travel},
               {"distance", r->distance_m, rp->distance},
               {"setup", r->setup_s, rp->setup_sum},
               {"service", r->service_s, rp->service_sum},
               {"waiting", r->waiting_s, rp->waiting_sum},
               {"priority", r->priority, rp->priority}};
    for (size_t i = 0; i < sizeof tot / sizeof tot[0]; i++)
        if (tot[i].have != tot[i].want)
            violation(c, "The route of vehicle %llu states %s %lld, but it recomputes to %lld.",
                      vid, tot[i].what, (long long)tot[i].have, (long long)tot[i].want);
}

static void check_route_numbers(checker *c, size_t ri, int64_t *cost_out) {
    const solver_problem *p = c->p;
    const solver_route *r = &c->s->routes[ri];
    *cost_out = 0;
    if (r->vehicle >= p->n_vehicles || c->vehicle_route[r->vehicle] != ri + 1) return;
    const solver__vehicle *v = &p->vehicles[r->vehicle];
    bool has_start = v->pub.start != SOLVER_NONE, has_end = v->pub.end != SOLVER_NONE;
    size_t first = has_start ? 1 : 0;
    if (r->n_steps < first + (has_end ? 1 : 0)) return;
    size_t last = r->n_steps - (has_end ? 1 : 0);
    for (size_t k = first; k < last; k++) /* pass 1 reported bad steps; skip such routes */
        if (!step_known(p, v, &r->steps[k])) return;

    replay rp = {.r = r, .v = v, .vid = (unsigned long long)v->pub.id};
    /* Load on board at the start: what is already there plus every delivery job's goods. */
    for (uint32_t d = 0; d < p->n_dims; d++) {
        rp.load[d] = v->pub.initial_load[d];
        for (size_t k = first; k < last; k++)
            if (r->steps[k].type == SOLVER_STEP_JOB)
                rp.load[d] += p->jobs[r->steps[k].index].pub.delivery[d];
    }
    capacity_check(c, rp.vid, 0, rp.load, v->pub.capacity, "at the start");

    rp.cost = 0; /* the costs-matrix cells driven; the route's cost is computed at the end */
    rp.done = v->pub.shift.start_s;
    rp.here = v->pub.start;
    if (has_start) {
        expect e = {rp.done, 0, 0, 0, 0, 0};
        compare_step(c, rp.vid, 0, &r->steps[0], &e);
        compare_load(c, rp.vid, 0, &r->steps[0], rp.load);
    }
    size_t k = first;
    int64_t route_end = rp.done;
    for (;;) {
        /* Gather the breaks in front of the next located step (or the route end). */
        size_t b0 = k;
        while (k < last && r->steps[k].type == SOLVER_STEP_BREAK)
            k++;
        size_t b1 = k;
        bool to_end = k == last;
        uint32_t dest = to_end ? v->pub.end : r->steps[k].location;
        if (!to_end) {
            uint32_t loc;
            int64_t su, sv;
            const solver__tws *tw;
            uint64_t id;
            (void)step_site(p, &r->steps[k], &loc, &su, &sv, &tw, &id);
            dest = loc;
        }
        int64_t leg = 0, leg_m = 0;
        if (rp.here != SOLVER_NONE && dest != SOLVER_NONE) {
            leg = solver__duration(p, v, rp.here, dest);
            leg_m = solver__distance(p, rp.here, dest);
            if (p->costs) rp.cost += p->costs[(size_t)rp.here * p->n + dest];
        }
        int64_t arrive = replay_breaks(c, &rp, b0, b1, leg);
        rp.travel += leg;
        rp.distance += leg_m;
        if (to_end) {
            route_end = dest == SOLVER_NONE ? (b1 > b0 ? arrive : rp.done) : arrive;
            if (has_end) {
                expect e = {arrive, 0, 0, 0, rp.travel, rp.distance};
                compare_step(c, rp.vid, r->n_steps - 1, &r->steps[r->n_steps - 1], &e);
                compare_load(c, rp.vid, r->n_steps - 1, &r->steps[r->n_steps - 1], rp.load);
            }
            break;
        }
        replay_task(c, &rp, k, arrive);
        k++;
    }
    rp.cost = solver__route_user_cost(p, v, rp.travel, rp.distance, rp.cost,
                                      rp.setup_sum + rp.service_sum);
    replay_totals(c, &rp, route_end);
    *cost_out = rp.cost;
}

/* ---- Across routes: shipments, fixed-step vehicles, the unassigned list; then the summary ---- */

static void check_tasks(checker *c) {
    const solver_problem *p = c->p;
    const solver_solution *s = c->s;
    for (size_t i = 0; i < p->n_shipments; i++) {
        unsigned long long pid = (unsigned long long)p->shipments[i].pub.pickup.id;
        if (!c->pick_at[i] && !c->del_at[i]) continue;
        if (c->pick_at[i] != c->del_at[i])
            violation(c, "Shipment with pickup %llu is not picked up and delivered on one route.",
                      pid);
        else if (c->pick_pos[i] > c->del_pos[i])
            violation(c, "Shipment with pickup %llu is delivered before it is picked up.", pid);
    }
    for (size_t vi = 0; vi < p->n_vehicles; vi++)
        if (p->vehicles[vi].pub.n_fixed_steps && !c->vehicle_route[vi])
            violation(c, "Vehicle %llu has fixed steps, so it must have a route.",
                      (unsigned long long)p->vehicles[vi].pub.id);

    /* Unassigned must list exactly the jobs and shipments that no route serves, once each. */
    unsigned char *listed_job = lm_calloc(p->n_jobs + 1, 1);
    unsigned char *listed_ship = lm_calloc(p->n_shipments + 1, 1);
    if (!listed_job || !listed_ship) {
        violation(c, "Out of memory while checking the unassigned list.");
        goto done;
    }
    if (s->n_unassigned && !s->unassigned) {
        violation(c, "The solution counts %zu unassigned tasks but lists none.", s->n_unassigned);
        goto done;
    }
    for (size_t u = 0; u < s->n_unassigned; u++) {
        const solver_unassigned *un = &s->unassigned[u];
        bool job = un->type == SOLVER_STEP_JOB;
        if ((!job && un->type != SOLVER_STEP_PICKUP) ||
            un->index >= (job ? p->n_jobs : p->n_shipments)) {
            violation(c, "Unassigned entry %zu refers to no job or shipment.", u);
            continue;
        }
        unsigned char *mark = job ? &listed_job[un->index] : &listed_ship[un->index];
        bool served = job ? c->job_at[un->index] != 0
                          : (c->pick_at[un->index] != 0 || c->del_at[un->index] != 0);
        unsigned long long id = (unsigned long long)(job ? p->jobs[un->index].pub.id
                                                         : p->shipments[un->index].pub.pickup.id);
        if (*mark) violation(c, "%s %llu is listed as unassigned twice.", kind(un->type), id);
        if (served)
            violation(c, "%s %llu is listed as unassigned but a route serves it.", kind(un->type),
                      id);
        if (un->reason == SOLVER_REASON_NONE)
            violation(c, "%s %llu is unassigned without a reason.", kind(un->type), id);
        *mark = 1;
    }
    for (size_t j = 0; j < p->n_jobs; j++)
        if (!c->job_at[j] && !listed_job[j])
            violation(c, "Job %llu is neither served nor listed as unassigned.",
                      (unsigned long long)p->jobs[j].pub.id);
    for (size_t i = 0; i < p->n_shipments; i++)
        if (!c->pick_at[i] && !c->del_at[i] && !listed_ship[i])
            violation(c, "Shipment with pickup %llu is neither served nor listed as unassigned.",
                      (unsigned long long)p->shipments[i].pub.pickup.id);
done:
    lm_free(listed_job);
    lm_free(listed_ship);
}

static void check_summary(checker *c, int64_t cost) {
    const solver_solution *s = c->s;
    int64_t dur = 0, dist = 0, setup = 0, service = 0, waiting = 0;
    uint32_t prio = 0;
    for (size_t i = 0; i < s->n_routes; i++) {
        dur += s->routes[i].duration_s;
        dist += s->routes[i].distance_m;
        setup += s->routes[i].setup_s;
        service += s->routes[i].service_s;
        waiting += s->routes[i].waiting_s;
        prio += s->routes[i].priority;
    }
    if (s->cost != cost)
        violation(c, "The solution states a total cost of %lld, but it recomputes to %lld.",
                  (long long)s->cost, (long long)cost);
    if (s->duration_s != dur || s->distance_m != dist || s->setup_s != setup ||
        s->service_s != service || s->waiting_s != waiting || s->priority != prio)
        violation(c, "The solution's summary totals do not add up to its routes' totals.");
}

lm_status solver_check(const solver_problem *p, const solver_solution *s,
                       solver_check_report *report) {
    solver_check_report rep;
    memset(&rep, 0, sizeof rep);
    if (!p || !s) {
        rep.n_violations = 1;
        snprintf(rep.first, sizeof rep.first, "No problem or no solution to check.");
        if (report) *report = rep;
        return LM_INVALID;
    }
    checker c = {.p = p, .s = s, .rep = &rep};
    lm_status st = LM_OK;
    c.job_at = lm_calloc(p->n_jobs + 1, sizeof(size_t));
    c.job_pos = lm_calloc(p->n_jobs + 1, sizeof(size_t));
    c.pick_at = lm_calloc(p->n_shipments + 1, sizeof(size_t));
    c.pick_pos = lm_calloc(p->n_shipments + 1, sizeof(size_t));
    c.del_at = lm_calloc(p->n_shipments + 1, sizeof(size_t));
    c.del_pos = lm_calloc(p->n_shipments + 1, sizeof(size_t));
    c.vehicle_route = lm_calloc(p->n_vehicles + 1, sizeof(size_t));
    if (!c.job_at || !c.job_pos || !c.pick_at || !c.pick_pos || !c.del_at || !c.del_pos ||
        !c.vehicle_route) {
        st = LM_NOMEM;
        goto fail;
    }
    if (s->n_routes && !s->routes) {
        violation(&c, "The solution counts %zu routes but holds none.", s->n_routes);
    } else {
        /* Structure first, so that the first violation names the cause, not its echoes in
         * the recomputed times. */
        for (size_t i = 0; i < s->n_routes; i++)
            check_structure(&c, i);
        check_tasks(&c);
        int64_t total = 0;
        for (size_t i = 0; i < s->n_routes; i++) {
            int64_t rc = 0;
            check_route_numbers(&c, i, &rc);
            total += rc;
        }
        rep.recomputed_cost = total;
        check_summary(&c, total);
    }
    st = rep.n_violations ? LM_INVALID : LM_OK;
fail:
    lm_free(c.job_at);
    lm_free(c.job_pos);
    lm_free(c.pick_at);
    lm_free(c.pick_pos);
    lm_free(c.del_at);
    lm_free(c.del_pos);
    lm_free(c.vehicle_route);
    if (report && st != LM_NOMEM) *report = rep;
    return st;
}
