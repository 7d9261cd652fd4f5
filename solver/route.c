/* The route simulation that follows internal.h's route semantics, per-route caches and O(1)
 * insertion checks (the search model they run on is built in solver/model.c). */
#include "solver/route.h"

#include <string.h>

#define NEG_INF (-(INT64_C(1) << 60))

/* ---- Unit fit (here, beside its callers on the hot path, so it can be inlined) ---- */

bool solver__unit_fits(const solver__model *m, uint32_t u, uint32_t v) {
    const solver__unit *un = &m->units[u];
    const solver__vehicle *veh = &m->p->vehicles[v];
    if (veh->pub.no_tasks) return false;
    if (un->only_vehicle != SOLVER_NONE && un->only_vehicle != v) return false;
    if (un->skills->n && !solver__skills_cover(&veh->skills, un->skills)) return false;
    const solver__node *a = &m->nodes[un->first];
    for (uint32_t d = 0; d < m->dims; d++) {
        int64_t cap = veh->pub.capacity[d] - veh->pub.initial_load[d];
        if (a->kind == SOLVER__JOB) {
            if (a->start_add[d] > cap || a->start_add[d] + a->delta[d] > cap) return false;
        } else if (a->delta[d] > cap) {
            return false;
        }
    }
    return true;
}

/* ---- Costs and times ---- */

static inline int64_t dur(const solver__model *m, const solver__vehicle *veh, uint32_t a,
                          uint32_t b) {
    if (a == SOLVER_NONE || b == SOLVER_NONE) return 0;
    return solver__duration(m->p, veh, a, b);
}

static inline int64_t dist(const solver__model *m, uint32_t a, uint32_t b) {
    if (a == SOLVER_NONE || b == SOLVER_NONE) return 0;
    return solver__distance(m->p, a, b);
}

/* Latest time <= lim inside tws; NEG_INF if none. */
static int64_t tws_latest(const solver__tws *tws, int64_t lim) {
    if (tws->n == 0) return lim;
    for (size_t i = tws->n; i-- > 0;)
        if (tws->w[i].start_s <= lim) return tws->w[i].end_s < lim ? tws->w[i].end_s : lim;
    return NEG_INF;
}

/* ---- Route simulation ---- */

static bool load_fits(const int64_t *load, const int64_t *cap, uint32_t dims) {
    for (uint32_t d = 0; d < dims; d++)
        if (load[d] > cap[d]) return false;
    return true;
}

static bool break_load_ok(const solver__break *b, const int64_t *load, uint32_t dims) {
    return !b->pub.has_max_load || load_fits(load, b->pub.max_load, dims);
}

/* Precedence of shipments inside one route: every delivery after its pickup. A pickup whose
 * delivery is not on the route yet is allowed: the search moves shipments as pairs, and the one
 * exception, a pickup among a vehicle's fixed steps, waits for its delivery to be inserted. */
static bool pairs_ok(const solver__model *m, const uint32_t *nodes, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const solver__node *nd = &m->nodes[nodes[i]];
        if (nd->kind != SOLVER__DELIVERY) continue;
        bool found = false;
        for (size_t k = 0; k < i && !found; k++)
            found = nodes[k] == nd->partner;
        if (!found) return false;
    }
    return true;
}

typedef struct sim_state {
    int64_t t;        /* departure from the last located step */
    int64_t cur;      /* end of the last break taken since then (or t) */
    int64_t pend_svc; /* break service taken since the last located step */
    uint32_t prev_loc;
} sim_state;

static int64_t sim_arrival(const sim_state *s, int64_t travel) {
    if (s->pend_svc == 0 && s->cur == s->t) return s->t + travel;
    int64_t a = s->t + travel + s->pend_svc;
    return a > s->cur ? a : s->cur;
}

/* Takes break b now; false if its windows are over. */
static bool take_break(sim_state *s, const solver__break *b) {
    int64_t bs = solver__tws_earliest(&b->tws, s->cur);
    if (bs >= SOLVER_TIME_INF) return false;
    s->cur = bs + b->pub.service_s;
    s->pend_svc += b->pub.service_s;
    return true;
}

/* For a route with breaks: departures and latest starts as if it had none. Breaks only delay, so
 * an insertion that fails against these fails with the breaks too: a cheap filter before the
 * full simulation. Break nodes get the values of the last located step. */
static void relax_times(const solver__model *m, const solver__vehicle *veh, const uint32_t *nodes,
                        size_t n, solver__route *rt) {
    const solver_vehicle *pv = &veh->pub;
    int64_t t = pv->shift.start_s;
    uint32_t prev = pv->start;
    for (size_t i = 0; i < n; i++) {
        const solver__node *nd = &m->nodes[nodes[i]];
        if (nd->kind != SOLVER__BREAK) {
            int64_t setup = (prev != SOLVER_NONE && prev == nd->loc) ? 0 : nd->setup;
            int64_t b = solver__tws_earliest(nd->tws, t + dur(m, veh, prev, nd->loc));
            t = b + setup + nd->service;
            prev = nd->loc;
        }
        rt->dep[i] = t;
    }
    int64_t lim_next = pv->shift.end_s;
    uint32_t next_loc = pv->end;
    for (size_t i = n; i-- > 0;) {
        const solver__node *nd = &m->nodes[nodes[i]];
        if (nd->kind == SOLVER__BREAK) {
            rt->latest[i] = lim_next;
            continue;
        }
        uint32_t before = pv->start;
        for (size_t k = i; k-- > 0;)
            if (m->nodes[nodes[k]].loc != SOLVER_NONE) {
                before = m->nodes[nodes[k]].loc;
                break;
            }
        int64_t setup = (before != SOLVER_NONE && before == nd->loc) ? 0 : nd->setup;
        int64_t lim = lim_next - dur(m, veh, nd->loc, next_loc) - nd->service - setup;
        rt->latest[i] = tws_latest(nd->tws, lim);
        lim_next = rt->latest[i];
        next_loc = nd->loc;
    }
}

/* The vehicle's free breaks (those not among the first n_fixed nodes) in order of their first
 * window's start, into order; returns their count. */
static inline size_t free_breaks_in_order(const solver__model *m, const solver__vehicle *veh,
                                          const uint32_t *nodes, size_t n_fixed,
                                          uint8_t order[64]) {
    size_t n_free = 0;
    for (size_t b = 0; b < veh->pub.n_breaks; b++) {
        bool fixed = false;
        for (size_t i = 0; i < n_fixed && !fixed; i++)
            fixed = m->nodes[nodes[i]].kind == SOLVER__BREAK && m->nodes[nodes[i]].index == b;
        if (fixed) continue;
        size_t k = n_free++;
        int64_t sb = veh->breaks[b].tws.n ? veh->breaks[b].tws.w[0].start_s : 0;
        while (k > 0) {
            const solver__tws *w = &veh->breaks[order[k - 1]].tws;
            if ((w->n ? w->w[0].start_s : 0) <= sb) break;
            order[k] = order[k - 1];
            k--;
        }
        order[k] = (uint8_t)b;
    }
    return n_free;
}

/* The leg to the next located step (or to the route end) as place_free_breaks sees it. */
typedef struct sim_leg {
    bool at_end;
    const solver__tws *tws; /* the step's windows (NULL at the end) */
    int64_t travel, setup, service;
} sim_leg;

/* Places free breaks order[*next_free ..] greedily before the leg's step: a break is taken when
 * it cannot wait past this step, or costs no time here (it fits in the waiting). False if a break
 * that had to be taken here cannot be (its windows are over or the load is too high). */
static inline bool place_free_breaks(const solver__vehicle *veh, const uint8_t *order,
                                     size_t n_free, size_t *next_free, sim_state *s,
                                     const sim_leg *leg, const int64_t *load, uint32_t dims,
                                     solver__trace *tr) {
    while (*next_free < n_free) {
        const solver__break *b = &veh->breaks[order[*next_free]];
        int64_t arr_wo = sim_arrival(s, leg->travel);
        int64_t b_wo = leg->at_end ? arr_wo : solver__tws_earliest(leg->tws, arr_wo);
        bool must = leg->at_end;
        if (!must) {
            int64_t after =
                b_wo >= SOLVER_TIME_INF ? SOLVER_TIME_INF : b_wo + leg->setup + leg->service;
            must =
                after >= SOLVER_TIME_INF || solver__tws_earliest(&b->tws, after) >= SOLVER_TIME_INF;
        }
        bool load_ok = break_load_ok(b, load, dims);
        sim_state tmp = *s;
        bool can = load_ok && take_break(&tmp, b);
        bool free_take = false;
        if (can && !must) {
            int64_t arr_w = sim_arrival(&tmp, leg->travel);
            free_take = solver__tws_earliest(leg->tws, arr_w) == b_wo;
        }
        if (can && (must || free_take)) {
            *s = tmp;
            (*next_free)++;
            if (tr) tr->refs[tr->n++] = (solver_task_ref){SOLVER_STEP_BREAK, order[*next_free - 1]};
            continue;
        }
        return !must;
    }
    return true;
}

void solver__load_maxima(solver__route *rt, size_t n, uint32_t dims) {
    const int64_t *ld = rt->load;
    if (dims == 1) {
        int64_t f = ld[0], b = ld[n];
        for (size_t i = 0; i <= n; i++) {
            f = ld[i] > f ? ld[i] : f;
            rt->fmax[i] = f;
        }
        for (size_t i = n + 1; i-- > 0;) {
            b = ld[i] > b ? ld[i] : b;
            rt->bmax[i] = b;
        }
        return;
    }
    for (uint32_t d = 0; d < dims; d++)
        rt->fmax[d] = ld[d];
    for (size_t i = 1; i <= n; i++)
        for (uint32_t d = 0; d < dims; d++) {
            int64_t a = rt->fmax[(i - 1) * dims + d], b = ld[i * dims + d];
            rt->fmax[i * dims + d] = a > b ? a : b;
        }
    for (uint32_t d = 0; d < dims; d++)
        rt->bmax[n * dims + d] = ld[n * dims + d];
    for (size_t i = n; i-- > 0;)
        for (uint32_t d = 0; d < dims; d++) {
            int64_t a = rt->bmax[(i + 1) * dims + d], b = ld[i * dims + d];
            rt->bmax[i * dims + d] = a > b ? a : b;
        }
}

/* The caches of a feasible route: prefix/suffix maxima of the load, then latest begin times
 * backwards (relax_times for a route with breaks). */
static void route_caches_fill(const solver__model *m, const solver__vehicle *veh,
                              const uint32_t *nodes, size_t n, solver__route *rt) {
    const solver_vehicle *pv = &veh->pub;
    uint32_t dims = m->dims;
    solver__load_maxima(rt, n, dims);
    if (rt->complex) {
        relax_times(m, veh, nodes, n, rt);
        return;
    }
    int64_t lim_next = pv->shift.end_s;
    uint32_t next_loc = pv->end;
    for (size_t i = n; i-- > 0;) {
        const solver__node *nd = &m->nodes[nodes[i]];
        uint32_t prev = i > 0 ? m->nodes[nodes[i - 1]].loc : pv->start;
        int64_t setup = (prev != SOLVER_NONE && prev == nd->loc) ? 0 : nd->setup;
        int64_t lim = lim_next - dur(m, veh, nd->loc, next_loc) - nd->service - setup;
        rt->latest[i] = tws_latest(nd->tws, lim);
        lim_next = rt->latest[i];
        next_loc = nd->loc;
    }
}

/* route_sim for a plain vehicle (solver__vehicle_plain): no breaks, windows, setups, shipments
 * or per-task cost, so a step begins on arrival and one matrix row lookup per leg gives its
 * travel and (cost_mode DURATION) its cost. The same caches, cost and verdict as the general
 * simulation, including its partial cost when a step overloads the vehicle; distances are summed
 * only for a vehicle with max_distance_m (the only reader of dist_m). */
static bool route_sim_plain(const solver__model *m, uint32_t v, const uint32_t *nodes, size_t n,
                            solver__route *rt, int64_t *cost) {
    const solver_problem *p = m->p;
    const solver__vehicle *veh = &p->vehicles[v];
    const solver_vehicle *pv = &veh->pub;
    uint32_t dims = m->dims;
    bool by_dur = m->cost_mode[v] == SOLVER__COST_DURATION, want_dist = pv->max_distance_m > 0;
    int64_t load[SOLVER_MAX_DIMS];
    for (uint32_t d = 0; d < dims; d++)
        load[d] = pv->initial_load[d];
    for (size_t i = 0; i < n; i++)
        for (uint32_t d = 0; d < dims; d++)
            load[d] += m->nodes[nodes[i]].start_add[d];
    bool ok = load_fits(load, pv->capacity, dims);
    memcpy(rt->load, load, dims * sizeof *load);
    int64_t t = pv->shift.start_s, c = solver__fixed_cost(p, veh), travel_sum = 0, dist_sum = 0;
    int64_t end_arr = 0;
    uint32_t prev = pv->start, n_tasks = 0;
    for (size_t i = 0; i <= n && ok; i++) {
        const solver__node *nd = i < n ? &m->nodes[nodes[i]] : NULL;
        uint32_t loc = nd ? nd->loc : pv->end;
        int64_t travel = dur(m, veh, prev, loc), arr = t + travel;
        if (nd && arr >= SOLVER_TIME_INF) {
            ok = false;
            break;
        }
        travel_sum += travel;
        if (want_dist) dist_sum += dist(m, prev, loc);
        c += by_dur ? travel : solver__cost(m, v, prev, loc);
        if (!nd) {
            if (arr > pv->shift.end_s) ok = false;
            end_arr = arr;
            break;
        }
        rt->begin[i] = arr;
        t = rt->dep[i] = arr + nd->service;
        prev = loc;
        n_tasks++;
        for (uint32_t d = 0; d < dims; d++)
            load[d] += nd->delta[d];
        if (!load_fits(load, pv->capacity, dims)) ok = false;
        memcpy(&rt->load[(i + 1) * dims], load, dims * sizeof *load);
    }
    if (ok && pv->max_tasks && n_tasks > pv->max_tasks) ok = false;
    if (ok && pv->no_tasks && n_tasks) ok = false;
    if (ok && pv->max_travel_time_s && travel_sum > pv->max_travel_time_s) ok = false;
    if (ok && pv->max_distance_m && dist_sum > pv->max_distance_m) ok = false;
    *cost = rt->cost = c;
    rt->travel_s = travel_sum;
    rt->dist_m = dist_sum;
    rt->n_tasks = n_tasks;
    rt->feasible = ok;
    if (!ok) return false;
    solver__load_maxima(rt, n, dims);
    /* Latest begins backwards; the travel of leg i -> i + 1 is begin[i + 1] - dep[i] (no waiting),
     * of the last leg the end arrival minus dep[n - 1]. */
    int64_t lim_next = pv->shift.end_s, next_begin = end_arr;
    for (size_t i = n; i-- > 0;) {
        rt->latest[i] = lim_next - (next_begin - rt->dep[i]) - m->nodes[nodes[i]].service;
        lim_next = rt->latest[i];
        next_begin = rt->begin[i];
    }
    return true;
}

bool solver__route_sim(const solver__model *m, uint32_t v, const uint32_t *nodes, size_t n,
                       size_t n_fixed, solver__route *rt, solver__trace *tr, int64_t *cost) {
    const solver_problem *p = m->p;
    const solver__vehicle *veh = &p->vehicles[v];
    const solver_vehicle *pv = &veh->pub;
    uint32_t dims = m->dims;
    if (tr) tr->n = 0;
    if (rt && n > 0 && solver__vehicle_plain(m, v)) {
        rt->complex = false;
        return route_sim_plain(m, v, nodes, n, rt, cost);
    }
    if (rt) {
        rt->complex = pv->n_breaks > 0;
        rt->cost = rt->travel_s = rt->dist_m = 0;
        rt->n_tasks = 0;
    }
    int64_t load[SOLVER_MAX_DIMS];
    for (uint32_t d = 0; d < dims; d++)
        load[d] = pv->initial_load[d];
    if (n == 0 && pv->n_fixed_steps == 0) {
        if (rt) {
            memcpy(rt->load, load, dims * sizeof *load);
            memcpy(rt->fmax, load, dims * sizeof *load);
            memcpy(rt->bmax, load, dims * sizeof *load);
            rt->feasible = true;
        }
        *cost = 0;
        return load_fits(load, pv->capacity, dims);
    }
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        for (uint32_t d = 0; d < dims; d++)
            load[d] += m->nodes[nodes[i]].start_add[d];
    if (!load_fits(load, pv->capacity, dims)) ok = false;
    if (m->any_shipment && !pairs_ok(m, nodes, n)) ok = false;

    uint8_t order[64];
    size_t n_free = free_breaks_in_order(m, veh, nodes, n_fixed, order);
    size_t next_free = 0;

    sim_state s = {pv->shift.start_s, pv->shift.start_s, 0, pv->start};
    int64_t c = solver__fixed_cost(p, veh), travel_sum = 0, dist_sum = 0, task_s = 0;
    uint32_t n_tasks = 0;
    if (rt) {
        memcpy(rt->load, load, dims * sizeof *load);
    }
    for (size_t i = 0; i <= n && ok; i++) {
        bool at_end = i == n;
        const solver__node *nd = at_end ? NULL : &m->nodes[nodes[i]];
        if (nd && nd->kind == SOLVER__BREAK) {
            const solver__break *b = &veh->breaks[nd->index];
            if (!break_load_ok(b, load, dims) || !take_break(&s, b)) {
                ok = false;
                break;
            }
            if (tr) tr->refs[tr->n++] = (solver_task_ref){SOLVER_STEP_BREAK, nd->index};
            if (rt) {
                rt->begin[i] = s.cur - b->pub.service_s;
                rt->dep[i] = s.cur;
                memcpy(&rt->load[(i + 1) * dims], load, dims * sizeof *load);
            }
            continue;
        }
        uint32_t loc = at_end ? pv->end : nd->loc;
        int64_t travel = dur(m, veh, s.prev_loc, loc);
        const solver__tws *tws = at_end ? NULL : nd->tws;
        int64_t service = at_end ? 0 : nd->service;
        int64_t setup =
            (at_end || (s.prev_loc != SOLVER_NONE && s.prev_loc == loc)) ? 0 : nd->setup;
        if (i >= n_fixed) {
            const sim_leg leg = {at_end, tws, travel, setup, service};
            if (!place_free_breaks(veh, order, n_free, &next_free, &s, &leg, load, dims, tr)) {
                ok = false;
                break;
            }
        }
        int64_t arr = sim_arrival(&s, travel);
        if (at_end) {
            if (arr > pv->shift.end_s) ok = false;
            travel_sum += travel;
            dist_sum += dist(m, s.prev_loc, loc);
            c += solver__cost(m, v, s.prev_loc, loc);
            break;
        }
        int64_t b = solver__tws_earliest(tws, arr);
        if (b >= SOLVER_TIME_INF) {
            ok = false;
            break;
        }
        travel_sum += travel;
        dist_sum += dist(m, s.prev_loc, loc);
        c += solver__cost(m, v, s.prev_loc, loc);
        s.t = s.cur = b + setup + service;
        task_s += setup + service;
        s.pend_svc = 0;
        s.prev_loc = loc;
        n_tasks++;
        for (uint32_t d = 0; d < dims; d++)
            load[d] += nd->delta[d];
        if (!load_fits(load, pv->capacity, dims)) ok = false;
        if (tr) {
            solver_step_type ty = nd->kind == SOLVER__JOB      ? SOLVER_STEP_JOB
                                  : nd->kind == SOLVER__PICKUP ? SOLVER_STEP_PICKUP
                                                               : SOLVER_STEP_DELIVERY;
            tr->refs[tr->n++] = (solver_task_ref){ty, nd->index};
        }
        if (rt) {
            rt->begin[i] = b;
            rt->dep[i] = s.t;
            memcpy(&rt->load[(i + 1) * dims], load, dims * sizeof *load);
        }
    }
    if (ok && pv->max_tasks && n_tasks > pv->max_tasks) ok = false;
    if (ok && pv->no_tasks && n_tasks) ok = false;
    if (ok && pv->max_travel_time_s && travel_sum > pv->max_travel_time_s) ok = false;
    if (ok && pv->max_distance_m && dist_sum > pv->max_distance_m) ok = false;
    if (pv->cost_per_task_hour) {
        /* VROOM's task time counts every break's service too (a used route takes all of them). */
        for (size_t k = 0; k < pv->n_breaks; k++)
            task_s += veh->breaks[k].pub.service_s;
        c += solver__task_cost(veh, task_s);
    }
    *cost = c;
    if (rt) {
        rt->cost = c;
        rt->travel_s = travel_sum;
        rt->dist_m = dist_sum;
        rt->n_tasks = n_tasks;
        rt->feasible = ok;
        if (ok) route_caches_fill(m, veh, nodes, n, rt);
    }
    return ok;
}

bool solver__seq_ok(const solver__model *m, uint32_t v, const uint32_t *nodes, size_t n,
                    size_t n_fixed, int64_t *cost) {
    return solver__route_sim(m, v, nodes, n, n_fixed, NULL, NULL, cost);
}

/* ---- Insertion checks ---- */

static uint32_t loc_before(const solver__model *m, const solver__route *rt, uint32_t pos) {
    for (uint32_t i = pos; i-- > 0;) {
        uint32_t l = m->nodes[rt->nodes[i]].loc;
        if (l != SOLVER_NONE) return l;
    }
    return m->p->vehicles[rt->vehicle].pub.start;
}

static uint32_t loc_from(const solver__model *m, const solver__route *rt, uint32_t pos) {
    for (uint32_t i = pos; i < rt->n; i++) {
        uint32_t l = m->nodes[rt->nodes[i]].loc;
        if (l != SOLVER_NONE) return l;
    }
    return m->p->vehicles[rt->vehicle].pub.end;
}

int64_t solver__insert_delta(const solver__model *m, const solver__route *rt, uint32_t pos,
                             uint32_t x) {
    uint32_t v = rt->vehicle;
    uint32_t a = loc_before(m, rt, pos), b = loc_from(m, rt, pos), l = m->nodes[x].loc;
    const solver__vehicle *veh = &m->p->vehicles[v];
    int64_t d = solver__cost(m, v, a, l) + solver__cost(m, v, l, b) +
                solver__task_cost(veh, m->nodes[x].setup + m->nodes[x].service);
    if (rt->n == 0)
        d += solver__fixed_cost(m->p, veh);
    else
        d -= solver__cost(m, v, a, b);
    return d;
}

int64_t solver__remove_delta(const solver__model *m, const solver__route *rt, uint32_t pos) {
    if (rt->n == 1 && rt->n_fixed == 0) return -rt->cost;
    uint32_t v = rt->vehicle;
    uint32_t a = loc_before(m, rt, pos), b = loc_from(m, rt, pos + 1);
    const solver__node *nd = &m->nodes[rt->nodes[pos]];
    uint32_t l = nd->loc;
    return solver__cost(m, v, a, b) - solver__cost(m, v, a, l) - solver__cost(m, v, l, b) -
           solver__task_cost(&m->p->vehicles[v], nd->setup + nd->service);
}

static bool insert_full(const solver__model *m, const solver__route *rt, uint32_t pos, uint32_t x,
                        uint32_t *scratch) {
    memcpy(scratch, rt->nodes, pos * sizeof *scratch);
    scratch[pos] = x;
    memcpy(scratch + pos + 1, rt->nodes + pos, (rt->n - pos) * sizeof *scratch);
    int64_t c;
    return solver__seq_ok(m, rt->vehicle, scratch, rt->n + 1, rt->n_fixed, &c);
}

bool solver__insert_ok(const solver__model *m, const solver__route *rt, uint32_t pos, uint32_t x,
                       uint32_t *scratch) {
    return solver__insert_screen(m, rt, pos, x, scratch, true);
}

bool solver__insert_screen(const solver__model *m, const solver__route *rt, uint32_t pos,
                           uint32_t x, uint32_t *scratch, bool decide) {
    const solver__vehicle *veh = &m->p->vehicles[rt->vehicle];
    const solver_vehicle *pv = &veh->pub;
    const solver__node *nx = &m->nodes[x];
    uint32_t dims = m->dims;
    /* Capacity from the cached load profile. */
    for (uint32_t d = 0; d < dims; d++) {
        int64_t cap = pv->capacity[d], sa = nx->start_add[d];
        if (rt->fmax[pos * dims + d] + sa > cap) return false;
        if (rt->load[pos * dims + d] + sa + nx->delta[d] > cap) return false;
        if (pos < rt->n && rt->bmax[(pos + 1) * dims + d] + sa + nx->delta[d] > cap) return false;
    }
    if (pv->max_tasks && rt->n_tasks + 1 > pv->max_tasks) return false;
    if (nx->kind != SOLVER__JOB) return !decide || insert_full(m, rt, pos, x, scratch);
    /* With breaks the caches hold break-free times: the checks below are then necessary
     * conditions only, and a full simulation decides. */
    uint32_t prev = rt->complex ? loc_before(m, rt, pos)
                    : pos > 0   ? m->nodes[rt->nodes[pos - 1]].loc
                                : pv->start;
    uint32_t next = pos < rt->n ? m->nodes[rt->nodes[pos]].loc : pv->end;
    if (pv->max_travel_time_s || pv->max_distance_m) {
        int64_t dt = dur(m, veh, prev, nx->loc) + dur(m, veh, nx->loc, next);
        int64_t dd = dist(m, prev, nx->loc) + dist(m, nx->loc, next);
        if (rt->n) {
            dt -= dur(m, veh, prev, next);
            dd -= dist(m, prev, next);
        }
        if (pv->max_travel_time_s && rt->travel_s + dt > pv->max_travel_time_s) return false;
        if (pv->max_distance_m && rt->dist_m + dd > pv->max_distance_m) return false;
    }
    if (pos < rt->n && m->any_setup && m->nodes[rt->nodes[pos]].setup > 0 && prev == next &&
        nx->loc != next)
        return !decide || insert_full(m, rt, pos, x, scratch); /* next step pays its setup now */
    int64_t t = pos > 0 ? rt->dep[pos - 1] : pv->shift.start_s;
    int64_t arr = t + dur(m, veh, prev, nx->loc);
    int64_t b = solver__tws_earliest(nx->tws, arr);
    if (b >= SOLVER_TIME_INF) return false;
    int64_t setup = (prev != SOLVER_NONE && prev == nx->loc) ? 0 : nx->setup;
    int64_t tx = b + setup + nx->service;
    int64_t arr2 = tx + dur(m, veh, nx->loc, next);
    bool ok = pos < rt->n ? arr2 <= rt->latest[pos] : arr2 <= pv->shift.end_s;
    if (ok && rt->complex && decide) return insert_full(m, rt, pos, x, scratch);
    return ok;
}

bool solver__insert_pair_ok(const solver__model *m, const solver__route *rt, uint32_t pos1,
                            uint32_t px, uint32_t pos2, uint32_t dx, uint32_t *scratch) {
    const solver_vehicle *pv = &m->p->vehicles[rt->vehicle].pub;
    uint32_t dims = m->dims;
    const solver__node *a = &m->nodes[px];
    for (uint32_t d = 0; d < dims; d++) {
        int64_t cap = pv->capacity[d];
        if (rt->load[pos1 * dims + d] + a->delta[d] > cap) return false;
    }
    if (pv->max_tasks && rt->n_tasks + 2 > pv->max_tasks) return false;
    size_t k = 0;
    for (uint32_t i = 0; i <= rt->n; i++) {
        if (i == pos1) scratch[k++] = px;
        if (i == pos2) scratch[k++] = dx;
        if (i < rt->n) scratch[k++] = rt->nodes[i];
    }
    int64_t c;
    return solver__seq_ok(m, rt->vehicle, scratch, k, rt->n_fixed, &c);
}

/* ---- Routes and solutions ---- */

lm_status solver__route_reserve(solver__route *rt, uint32_t n, uint32_t dims) {
    if (n <= rt->cap) return LM_OK;
    uint32_t cap = rt->cap ? rt->cap : 8;
    while (cap < n)
        cap *= 2;
    size_t ld = (size_t)(cap + 1) * (dims ? dims : 1);
    uint32_t *nodes = lm_reallocarray(rt->nodes, cap, sizeof *nodes);
    if (!nodes) return LM_NOMEM;
    rt->nodes = nodes;
    int64_t **arr3[3] = {&rt->begin, &rt->dep, &rt->latest};
    for (int i = 0; i < 3; i++) {
        int64_t *a = lm_reallocarray(*arr3[i], cap, sizeof *a);
        if (!a) return LM_NOMEM;
        *arr3[i] = a;
    }
    int64_t **arrl[3] = {&rt->load, &rt->fmax, &rt->bmax};
    for (int i = 0; i < 3; i++) {
        int64_t *a = lm_reallocarray(*arrl[i], ld, sizeof *a);
        if (!a) return LM_NOMEM;
        *arrl[i] = a;
    }
    rt->cap = cap;
    return LM_OK;
}

void solver__route_insert_raw(solver__route *rt, uint32_t pos, uint32_t x) {
    memmove(rt->nodes + pos + 1, rt->nodes + pos, (rt->n - pos) * sizeof *rt->nodes);
    rt->nodes[pos] = x;
    rt->n++;
}

void solver__route_remove_raw(solver__route *rt, uint32_t pos) {
    memmove(rt->nodes + pos, rt->nodes + pos + 1, (rt->n - pos - 1) * sizeof *rt->nodes);
    rt->n--;
}

static void route_free(solver__route *rt) {
    lm_free(rt->nodes);
    lm_free(rt->begin);
    lm_free(rt->dep);
    lm_free(rt->latest);
    lm_free(rt->load);
    lm_free(rt->fmax);
    lm_free(rt->bmax);
}

void solver__sol_free(solver__sol *s) {
    if (!s) return;
    for (size_t r = 0; s->routes && r < s->n_routes; r++)
        route_free(&s->routes[r]);
    lm_free(s->routes);
    lm_free(s->assigned);
    lm_free(s->at_route);
    lm_free(s->at_pos);
    lm_free(s->touched);
    lm_free(s->is_touched);
    memset(s, 0, sizeof *s);
}

lm_status solver__sol_init(const solver__model *m, solver__sol *s) {
    memset(s, 0, sizeof *s);
    const solver_problem *p = m->p;
    size_t nv = p->n_vehicles;
    s->n_routes = nv;
    s->n_units = m->n_units;
    s->n_nodes = m->n_nodes;
    s->dims = m->dims;
    s->routes = lm_calloc(nv ? nv : 1, sizeof *s->routes);
    s->assigned = lm_calloc(m->n_units ? m->n_units : 1, 1);
    s->at_route = lm_reallocarray(NULL, m->n_nodes ? m->n_nodes : 1, sizeof *s->at_route);
    s->at_pos = lm_calloc(m->n_nodes ? m->n_nodes : 1, sizeof *s->at_pos);
    s->touched = lm_calloc(nv ? nv : 1, sizeof *s->touched);
    s->is_touched = lm_calloc(nv ? nv : 1, 1);
    if (!s->routes || !s->assigned || !s->at_route || !s->at_pos || !s->touched || !s->is_touched)
        goto fail;
    for (size_t i = 0; i < m->n_nodes; i++)
        s->at_route[i] = SOLVER_NONE;
    size_t bn = m->n_task_nodes;
    for (size_t v = 0; v < nv; v++) {
        solver__route *rt = &s->routes[v];
        rt->vehicle = (uint32_t)v;
        const solver__vehicle *veh = &p->vehicles[v];
        if (solver__route_reserve(rt, (uint32_t)veh->pub.n_fixed_steps + 2, m->dims) != LM_OK)
            goto fail;
        for (size_t i = 0; i < veh->pub.n_fixed_steps; i++) {
            const solver_task_ref *r = &veh->fixed_steps[i];
            uint32_t node;
            switch (r->type) {
            case SOLVER_STEP_JOB: node = r->index; break;
            case SOLVER_STEP_PICKUP: node = (uint32_t)(p->n_jobs + 2 * r->index); break;
            case SOLVER_STEP_DELIVERY: node = (uint32_t)(p->n_jobs + 2 * r->index + 1); break;
            default: node = (uint32_t)bn++; break;
            }
            rt->nodes[rt->n++] = node;
            if (m->nodes[node].unit != SOLVER_NONE && m->units[m->nodes[node].unit].fixed)
                s->assigned[m->nodes[node].unit] = 1;
        }
        rt->n_fixed = rt->n;
        solver__sol_update_route(m, s, (uint32_t)v);
    }
    solver__sol_totals(m, s);
    return LM_OK;
fail:
    solver__sol_free(s);
    return LM_NOMEM;
}

static lm_status route_copy(solver__route *dst, const solver__route *src, uint32_t dims) {
    if (solver__route_reserve(dst, src->n + 1, dims) != LM_OK) return LM_NOMEM;
    uint32_t cap = dst->cap;
    int64_t *ptrs[6] = {dst->begin, dst->dep, dst->latest, dst->load, dst->fmax, dst->bmax};
    uint32_t *nodes = dst->nodes;
    *dst = *src;
    dst->cap = cap;
    dst->nodes = nodes;
    dst->begin = ptrs[0];
    dst->dep = ptrs[1];
    dst->latest = ptrs[2];
    dst->load = ptrs[3];
    dst->fmax = ptrs[4];
    dst->bmax = ptrs[5];
    size_t n = src->n;
    size_t ld = (n + 1) * (dims ? dims : 1);
    memcpy(dst->nodes, src->nodes, n * sizeof *src->nodes);
    memcpy(dst->begin, src->begin, n * sizeof(int64_t));
    memcpy(dst->dep, src->dep, n * sizeof(int64_t));
    memcpy(dst->latest, src->latest, n * sizeof(int64_t));
    memcpy(dst->load, src->load, ld * sizeof(int64_t));
    memcpy(dst->fmax, src->fmax, ld * sizeof(int64_t));
    memcpy(dst->bmax, src->bmax, ld * sizeof(int64_t));
    return LM_OK;
}

lm_status solver__sol_copy(solver__sol *dst, const solver__sol *src) {
    /* dst must have been initialised for the same model (same route count). */
    for (size_t r = 0; r < src->n_routes; r++)
        if (route_copy(&dst->routes[r], &src->routes[r], src->dims) != LM_OK) return LM_NOMEM;
    memcpy(dst->assigned, src->assigned, src->n_units);
    memcpy(dst->at_route, src->at_route, src->n_nodes * sizeof *src->at_route);
    memcpy(dst->at_pos, src->at_pos, src->n_nodes * sizeof *src->at_pos);
    solver__sol_untouch(dst);
    dst->cost = src->cost;
    dst->unserved_priority = src->unserved_priority;
    dst->unserved_weight = src->unserved_weight;
    return LM_OK;
}

void solver__sol_untouch(solver__sol *s) {
    for (size_t i = 0; i < s->n_touched; i++)
        s->is_touched[s->touched[i]] = 0;
    s->n_touched = 0;
}

lm_status solver__sol_sync(solver__sol *dst, const solver__sol *src, solver__sol *changed) {
    for (size_t i = 0; i < changed->n_touched; i++) {
        uint32_t r = changed->touched[i];
        const solver__route *sr = &src->routes[r];
        /* Units that left the route (possibly unassigned now) take src's state. */
        for (uint32_t k = 0; k < dst->routes[r].n; k++) {
            uint32_t x = dst->routes[r].nodes[k];
            dst->at_route[x] = src->at_route[x];
            dst->at_pos[x] = src->at_pos[x];
        }
        if (route_copy(&dst->routes[r], sr, src->dims) != LM_OK) return LM_NOMEM;
        for (uint32_t k = 0; k < sr->n; k++) {
            dst->at_route[sr->nodes[k]] = r;
            dst->at_pos[sr->nodes[k]] = k;
        }
    }
    memcpy(dst->assigned, src->assigned, src->n_units);
    dst->cost = src->cost;
    dst->unserved_priority = src->unserved_priority;
    dst->unserved_weight = src->unserved_weight;
    solver__sol_untouch(changed);
    return LM_OK;
}

bool solver__sol_update_route(const solver__model *m, solver__sol *s, uint32_t r) {
    solver__route *rt = &s->routes[r];
    if (!s->is_touched[r]) {
        s->is_touched[r] = 1;
        s->touched[s->n_touched++] = r;
    }
    if (solver__route_reserve(rt, rt->n + 2, m->dims) != LM_OK) return false;
    int64_t c;
    bool ok = solver__route_sim(m, rt->vehicle, rt->nodes, rt->n, rt->n_fixed, rt, NULL, &c);
    for (uint32_t i = 0; i < rt->n; i++) {
        s->at_route[rt->nodes[i]] = r;
        s->at_pos[rt->nodes[i]] = i;
    }
    return ok;
}

bool solver__sol_set_route(const solver__model *m, solver__sol *s, uint32_t r,
                           const uint32_t *nodes, size_t n) {
    solver__route *rt = &s->routes[r];
    if (solver__route_reserve(rt, (uint32_t)n + 2, m->dims) != LM_OK) return false;
    for (uint32_t i = 0; i < rt->n; i++)
        if (s->at_route[rt->nodes[i]] == r) s->at_route[rt->nodes[i]] = SOLVER_NONE;
    memmove(rt->nodes, nodes, n * sizeof *nodes);
    rt->n = (uint32_t)n;
    return solver__sol_update_route(m, s, r);
}

static bool seq_fits(const solver__model *m, uint32_t v, const uint32_t *a, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u = m->nodes[a[i]].unit;
        if (u != SOLVER_NONE && !solver__unit_fits(m, u, v)) return false;
    }
    return true;
}

bool solver__try_routes(const solver__model *m, solver__sol *s, uint32_t r1, const uint32_t *a,
                        size_t na, uint32_t r2, const uint32_t *b, size_t nb) {
    solver__route *x = &s->routes[r1];
    int64_t before = x->cost, after = 0, c;
    if (!seq_fits(m, x->vehicle, a, na)) return false;
    if (!solver__seq_ok(m, x->vehicle, a, na, x->n_fixed, &c)) return false;
    after += c;
    if (r2 != SOLVER_NONE) {
        solver__route *y = &s->routes[r2];
        before += y->cost;
        if (after >= before) return false;
        if (!seq_fits(m, y->vehicle, b, nb)) return false;
        if (!solver__seq_ok(m, y->vehicle, b, nb, y->n_fixed, &c)) return false;
        after += c;
    }
    if (after >= before) return false;
    bool ok = solver__sol_set_route(m, s, r1, a, na);
    if (r2 != SOLVER_NONE) ok &= solver__sol_set_route(m, s, r2, b, nb);
    return ok;
}

void solver__sol_totals(const solver__model *m, solver__sol *s) {
    s->cost = 0;
    for (size_t r = 0; r < s->n_routes; r++)
        s->cost += s->routes[r].cost;
    s->unserved_priority = s->unserved_weight = 0;
    for (size_t u = 0; u < m->n_units; u++)
        if (!s->assigned[u]) {
            s->unserved_priority += m->units[u].priority;
            s->unserved_weight += m->units[u].weight;
        }
}

void solver__sol_totals_from(const solver__model *m, solver__sol *s, const solver__sol *ref,
                             const uint32_t *units, size_t n) {
    s->cost = ref->cost;
    for (size_t i = 0; i < s->n_touched; i++) {
        uint32_t r = s->touched[i];
        s->cost += s->routes[r].cost - ref->routes[r].cost;
    }
    s->unserved_priority = ref->unserved_priority;
    s->unserved_weight = ref->unserved_weight;
    for (size_t i = 0; i < n; i++) {
        const solver__unit *un = &m->units[units[i]];
        int sign = (int)!s->assigned[units[i]] - (int)!ref->assigned[units[i]];
        s->unserved_priority += (int64_t)sign * un->priority;
        s->unserved_weight += (int64_t)sign * un->weight;
    }
}

int solver__sol_compare(const solver__sol *a, const solver__sol *b) {
    if (a->unserved_priority != b->unserved_priority)
        return a->unserved_priority < b->unserved_priority ? -1 : 1;
    if (a->unserved_weight != b->unserved_weight)
        return a->unserved_weight < b->unserved_weight ? -1 : 1;
    if (a->cost != b->cost) return a->cost < b->cost ? -1 : 1;
    return 0;
}
