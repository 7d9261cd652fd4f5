/* Insertion heuristics: cheapest insertion of a list of units (the "recreate" of ruin-and-recreate,
 * with SISR's blinks) and the first-solution constructions built on it (ordered and regret-2). */
#include "solver/route.h"

#include <stdlib.h>
#include <string.h>

uint64_t solver__rng_next(solver__rng *r) {
    /* xorshift64*: small, fast and deterministic across platforms. */
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * UINT64_C(2685821657736338717);
}

double solver__rng_unit(solver__rng *r) {
    return (double)(solver__rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

uint32_t solver__rng_below(solver__rng *r, uint32_t n) {
    return n ? (uint32_t)(solver__rng_next(r) % n) : 0;
}

typedef struct ins {
    int64_t delta;
    uint32_t route, pos1, pos2;
} ins;

/* Cost change of inserting pickup a before pos1 and delivery b before pos2 (pos1 <= pos2). */
static int64_t pair_delta(const solver__model *m, const solver__route *rt, uint32_t pos1,
                          uint32_t a, uint32_t pos2, uint32_t b) {
    if (pos1 != pos2)
        return solver__insert_delta(m, rt, pos1, a) + solver__insert_delta(m, rt, pos2, b) -
               (rt->n == 0 ? solver__fixed_cost(m->p, &m->p->vehicles[rt->vehicle]) : 0);
    int64_t d1 = solver__insert_delta(m, rt, pos1, a);
    /* a then b at the same gap: prev->a->b->next. */
    uint32_t v = rt->vehicle;
    uint32_t la = m->nodes[a].loc, lb = m->nodes[b].loc;
    uint32_t next = pos1 < rt->n ? m->nodes[rt->nodes[pos1]].loc : m->p->vehicles[v].pub.end;
    return d1 - solver__cost(m, v, la, next) + solver__cost(m, v, la, lb) +
           solver__cost(m, v, lb, next);
}

static inline int64_t dur_of(const solver__model *m, const solver__vehicle *veh, uint32_t a,
                             uint32_t b) {
    return a == SOLVER_NONE || b == SOLVER_NONE ? 0 : solver__duration(m->p, veh, a, b);
}

static inline int64_t dist_of(const solver__model *m, uint32_t a, uint32_t b) {
    return a == SOLVER_NONE || b == SOLVER_NONE ? 0 : solver__distance(m->p, a, b);
}

/* Pair insertion into a route without breaks or setups, from its caches: for each pickup gap i
 * the delivery gap j walks forward, pushing the delay of the pickup through the nodes in
 * between (stopping as soon as one of them would pass its latest start) and keeping the running
 * load maximum, so every (i, j) costs O(1) instead of a simulation. */
static void pair_scan(const solver__model *m, const solver__route *rt, uint32_t r,
                      const solver__unit *un, double blink, solver__rng *rng, uint32_t *scratch,
                      ins *best) {
    const solver__vehicle *veh = &m->p->vehicles[rt->vehicle];
    const solver_vehicle *pv = &veh->pub;
    uint32_t v = rt->vehicle, dims = m->dims, n = rt->n;
    const solver__node *a = &m->nodes[un->first], *b = &m->nodes[un->second];
    uint32_t la = a->loc, lb = b->loc;
    if (pv->max_tasks && rt->n_tasks + 2 > pv->max_tasks) return;
    int64_t fixed = n == 0 ? solver__fixed_cost(m->p, veh) : 0;
    int64_t runmax[SOLVER_MAX_DIMS];
    for (uint32_t i = rt->n_fixed; i <= n; i++) {
        uint32_t prev = solver__loc_at(m, rt, (int64_t)i - 1);
        uint32_t first = solver__loc_at(m, rt, i); /* node i, or the end */
        int64_t t = i > 0 ? rt->dep[i - 1] : pv->shift.start_s;
        int64_t bp = solver__tws_earliest(a->tws, t + dur_of(m, veh, prev, la));
        if (bp >= SOLVER_TIME_INF) continue;
        int64_t dep_p = bp + a->service;
        bool cap_ok = true;
        for (uint32_t d = 0; d < dims; d++) {
            runmax[d] = rt->load[(size_t)i * dims + d];
            if (runmax[d] + a->delta[d] > pv->capacity[d]) cap_ok = false;
        }
        if (!cap_ok) continue;
        /* Pickup part of the cost/travel change (when j > i). */
        int64_t cp = solver__cost(m, v, prev, la) + solver__cost(m, v, la, first) -
                     (n ? solver__cost(m, v, prev, first) : 0);
        int64_t tp = dur_of(m, veh, prev, la) + dur_of(m, veh, la, first) -
                     (n ? dur_of(m, veh, prev, first) : 0);
        int64_t sp =
            dist_of(m, prev, la) + dist_of(m, la, first) - (n ? dist_of(m, prev, first) : 0);
        uint32_t last_loc = la;   /* location before the delivery gap */
        int64_t last_dep = dep_p; /* departure from it, with the pickup in */
        for (uint32_t j = i; j <= n; j++) {
            if (j > i) {
                /* Node j-1 now lies between pickup and delivery. */
                uint32_t k = j - 1;
                const solver__node *nk = &m->nodes[rt->nodes[k]];
                int64_t bk =
                    solver__tws_earliest(nk->tws, last_dep + dur_of(m, veh, last_loc, nk->loc));
                if (bk >= SOLVER_TIME_INF || bk > rt->latest[k]) break;
                last_dep = bk + nk->service;
                last_loc = nk->loc;
                for (uint32_t d = 0; d < dims; d++) {
                    int64_t l = rt->load[(size_t)(k + 1) * dims + d];
                    if (l > runmax[d]) runmax[d] = l;
                }
            }
            uint32_t next = solver__loc_at(m, rt, j);
            int64_t delta, dt, ds;
            if (j == i) {
                delta = solver__cost(m, v, prev, la) + solver__cost(m, v, la, lb) +
                        solver__cost(m, v, lb, next) -
                        (n ? solver__cost(m, v, prev, next) : -fixed);
                dt = dur_of(m, veh, prev, la) + dur_of(m, veh, la, lb) + dur_of(m, veh, lb, next) -
                     (n ? dur_of(m, veh, prev, next) : 0);
                ds = dist_of(m, prev, la) + dist_of(m, la, lb) + dist_of(m, lb, next) -
                     (n ? dist_of(m, prev, next) : 0);
            } else {
                delta = cp + solver__cost(m, v, last_loc, lb) + solver__cost(m, v, lb, next) -
                        solver__cost(m, v, last_loc, next);
                dt = tp + dur_of(m, veh, last_loc, lb) + dur_of(m, veh, lb, next) -
                     dur_of(m, veh, last_loc, next);
                ds = sp + dist_of(m, last_loc, lb) + dist_of(m, lb, next) -
                     dist_of(m, last_loc, next);
            }
            if (delta >= best->delta) continue;
            bool ok = true;
            for (uint32_t d = 0; d < dims && ok; d++)
                ok = runmax[d] + a->delta[d] <= pv->capacity[d];
            if (!ok) break; /* the running maximum only grows */
            if (pv->max_travel_time_s && rt->travel_s + dt > pv->max_travel_time_s) continue;
            if (pv->max_distance_m && rt->dist_m + ds > pv->max_distance_m) continue;
            int64_t bd = solver__tws_earliest(b->tws, last_dep + dur_of(m, veh, last_loc, lb));
            if (bd >= SOLVER_TIME_INF) continue;
            int64_t arr_next = bd + b->service + dur_of(m, veh, lb, next);
            if (j < n ? arr_next > rt->latest[j] : arr_next > pv->shift.end_s) continue;
            if (blink > 0 && solver__rng_unit(rng) < blink) continue;
#ifdef LM_SEARCH_PARANOID
            if (!solver__insert_pair_ok(m, rt, i, un->first, j, un->second, scratch)) abort();
#endif
            (void)scratch;
            *best = (ins){delta, r, i, j};
        }
    }
}

/* Job insertion into a route with breaks: screen every gap in O(1) with the break-free bounds,
 * then simulate the survivors cheapest first and stop at the first feasible one, instead of
 * simulating each gap that improves on the best so far. */
static void complex_scan(const solver__model *m, const solver__route *rt, uint32_t r, uint32_t xn,
                         uint32_t prev, int64_t fixed, int64_t task, int64_t last_end, double blink,
                         solver__rng *rng, uint32_t *scratch, ins *best) {
    int64_t cd[512];
    uint32_t cp[512], nc = 0;
    uint32_t v = rt->vehicle, x = m->nodes[xn].loc;
    for (uint32_t pos = rt->n_fixed; pos <= rt->n; pos++) {
        if (pos > 0 && rt->dep[pos - 1] > last_end) break;
        uint32_t next = solver__loc_at(m, rt, pos);
        int64_t d = solver__cost(m, v, prev, x) + solver__cost(m, v, x, next) + task -
                    (rt->n ? solver__cost(m, v, prev, next) : -fixed);
        prev = next;
        if (d >= best->delta) continue;
        if (blink > 0 && solver__rng_unit(rng) < blink) continue;
        if (!solver__insert_screen(m, rt, pos, xn, scratch, false)) continue;
        cd[nc] = d;
        cp[nc++] = pos;
    }
    while (nc > 0) {
        uint32_t k = 0;
        for (uint32_t i = 1; i < nc; i++)
            if (cd[i] < cd[k]) k = i;
        if (cd[k] >= best->delta) return;
        if (solver__insert_ok(m, rt, cp[k], xn, scratch)) {
            *best = (ins){cd[k], r, cp[k], cp[k]};
            return;
        }
        cd[k] = cd[--nc];
        cp[k] = cp[nc];
    }
}

/* solver__insert_ok for job x before pos of a plain route in one dimension without travel
 * limits: its amounts against the load profile, then its begin (travel `in` after the previous
 * departure) and the arrival after it (service and travel `out`) against the next step's latest
 * begin or the shift's end. */
static inline bool plain_fits(const solver__route *rt, const solver_vehicle *pv, uint32_t pos,
                              int64_t sa, int64_t both, int64_t in, int64_t out) {
    int64_t cap = pv->capacity[0];
    if (rt->fmax[pos] + sa > cap || rt->load[pos] + both > cap) return false;
    if (pos < rt->n && rt->bmax[pos + 1] + both > cap) return false;
    int64_t b = (pos > 0 ? rt->dep[pos - 1] : pv->shift.start_s) + in;
    if (b >= SOLVER_TIME_INF) return false;
    return pos < rt->n ? b + out <= rt->latest[pos] : b + out <= pv->shift.end_s;
}

/* The gap scan of a plain route (solver__vehicle_plain): every step has a location, no window
 * bounds the scan and no per-task cost, so a gap costs three cells of one matrix. */
static void plain_scan(const solver__model *m, const solver__route *rt, uint32_t r, uint32_t xn,
                       uint32_t prev, int64_t fixed, double blink, solver__rng *rng,
                       uint32_t *scratch, ins *best) {
    const solver_problem *p = m->p;
    const int32_t *mat =
        m->cost_mode[rt->vehicle] == SOLVER__COST_DURATION ? p->durations : p->costs;
    const uint32_t *nl = m->node_loc;
    size_t side = p->n;
    uint32_t x = nl[xn], end = p->vehicles[rt->vehicle].pub.end;
#define CELL(a, b)                                                                                 \
    ((a) == SOLVER_NONE || (b) == SOLVER_NONE ? 0 : (int64_t)mat[(size_t)(a)*side + (b)])
    /* One dimension and no travel limits (CVRP): insert_ok's checks inline, times from the
     * matrix read above (plain_fits). */
    const solver_vehicle *pv = &p->vehicles[rt->vehicle].pub;
    const solver__node *nx = &m->nodes[xn];
    bool quick = m->dims == 1 && !pv->max_tasks && !pv->max_travel_time_s && !pv->max_distance_m &&
                 p->vehicles[rt->vehicle].durations == NULL && mat == p->durations;
    int64_t sa = nx->start_add[0], both = sa + nx->delta[0], svc = nx->service;
    for (uint32_t pos = rt->n_fixed; pos <= rt->n; pos++) {
        uint32_t next = pos < rt->n ? nl[rt->nodes[pos]] : end, gap_prev = prev;
        int64_t d = CELL(prev, x) + CELL(x, next) - (rt->n ? CELL(prev, next) : -fixed);
        prev = next;
        if (d >= best->delta) continue;
        if (blink > 0 && solver__rng_unit(rng) < blink) continue;
        if (!(quick ? plain_fits(rt, pv, pos, sa, both, CELL(gap_prev, x), svc + CELL(x, next))
                    : solver__insert_ok(m, rt, pos, xn, scratch)))
            continue;
        *best = (ins){d, r, pos, pos};
    }
#undef CELL
}

/* Best insertion of unit u into route r, improving on *best. */
static void best_in_route(const solver__model *m, const solver__sol *s, uint32_t u, uint32_t r,
                          double blink, solver__rng *rng, uint32_t *scratch, ins *best) {
    const solver__route *rt = &s->routes[r];
    const solver__unit *un = &m->units[u];
    if (un->second == SOLVER_NONE) {
        /* Whole-route capacity screen: the start load grows by the job's delivery and the final
         * load by its pickup wherever it goes. */
        const solver__node *nx = &m->nodes[un->first];
        const int64_t *cap = m->p->vehicles[rt->vehicle].pub.capacity;
        for (uint32_t d = 0; d < m->dims; d++)
            if (rt->load[d] + nx->start_add[d] > cap[d] ||
                rt->load[(size_t)rt->n * m->dims + d] + nx->start_add[d] + nx->delta[d] > cap[d])
                return;
        /* Walk the gaps keeping the neighbouring locations instead of looking them up. */
        uint32_t v = rt->vehicle, x = m->nodes[un->first].loc;
        uint32_t prev = solver__loc_at(m, rt, (int64_t)rt->n_fixed - 1);
        for (uint32_t i = rt->n_fixed; i > 0 && prev == SOLVER_NONE; i--)
            prev = solver__loc_at(m, rt, (int64_t)i - 2); /* skip fixed breaks */
        if (prev == SOLVER_NONE) prev = m->p->vehicles[v].pub.start;
        int64_t fixed = rt->n == 0 ? solver__fixed_cost(m->p, &m->p->vehicles[v]) : 0;
        /* per_task_hour: the same wherever the job goes on v, but not on every vehicle. */
        int64_t task = solver__task_cost(&m->p->vehicles[v], nx->setup + nx->service);
        /* Departures only grow along a route: once one is past the job's last window, no later
         * gap can work either. */
        int64_t last_end = nx->tws->n ? nx->tws->w[nx->tws->n - 1].end_s : SOLVER_TIME_INF;
        if (!rt->complex && solver__vehicle_plain(m, v)) {
            plain_scan(m, rt, r, un->first, prev, fixed, blink, rng, scratch, best);
            return;
        }
        if (rt->complex && rt->n < 512) {
            complex_scan(m, rt, r, un->first, prev, fixed, task, last_end, blink, rng, scratch,
                         best);
            return;
        }
        for (uint32_t pos = rt->n_fixed; pos <= rt->n; pos++) {
            if (pos > 0 && rt->dep[pos - 1] > last_end) break; /* (break-free times: a bound) */
            uint32_t next = solver__loc_at(m, rt, pos);
            int64_t d = solver__cost(m, v, prev, x) + solver__cost(m, v, x, next) + task -
                        (rt->n ? solver__cost(m, v, prev, next) : -fixed);
            prev = next;
            if (d >= best->delta) continue;
            if (blink > 0 && solver__rng_unit(rng) < blink) continue;
            if (!solver__insert_ok(m, rt, pos, un->first, scratch)) continue;
            *best = (ins){d, r, pos, pos};
        }
        return;
    }
    if (!rt->complex && !m->any_setup) {
        pair_scan(m, rt, r, un, blink, rng, scratch, best);
        return;
    }
    for (uint32_t p1 = rt->n_fixed; p1 <= rt->n; p1++) {
        for (uint32_t p2 = p1; p2 <= rt->n; p2++) {
            int64_t d = pair_delta(m, rt, p1, un->first, p2, un->second);
            if (d >= best->delta) continue;
            if (blink > 0 && solver__rng_unit(rng) < blink) continue;
            if (!solver__insert_pair_ok(m, rt, p1, un->first, p2, un->second, scratch)) continue;
            *best = (ins){d, r, p1, p2};
        }
    }
}

/* Where a recreate may insert: the used routes and, per vehicle class, its first empty route
 * (any empty vehicle of a class would do as well as another). Kept up to date as routes open,
 * so that a free fleet of hundreds of identical vehicles costs nothing per insertion. */
typedef struct cands {
    uint32_t *used; /* route indices */
    size_t n_used;
    uint32_t *rep;   /* per class: first empty route, or SOLVER_NONE */
    uint32_t *rseen; /* per route: the stamp of the last unit that looked at it */
    uint32_t stamp;  /* one per unit looked up, so rseen needs no reset */
} cands;

static void rep_next(const solver__model *m, const solver__sol *s, cands *c, uint32_t cls,
                     uint32_t from) {
    c->rep[cls] = SOLVER_NONE;
    for (uint32_t r = from; r < s->n_routes; r++)
        if (s->routes[r].n == 0 && m->vclass[s->routes[r].vehicle] == cls) {
            c->rep[cls] = r;
            return;
        }
}

/* Keeps the candidates right after an upgrade: route `to` is used now, `from` idle. */
static void upgraded(const solver__model *m, const solver__sol *s, cands *c, uint32_t from,
                     uint32_t to) {
    for (size_t i = 0; i < c->n_used; i++)
        if (c->used[i] == from) c->used[i] = to;
    uint32_t cf = m->vclass[s->routes[from].vehicle];
    if (c->rep[cf] == SOLVER_NONE || c->rep[cf] > from) c->rep[cf] = from;
    rep_next(m, s, c, m->vclass[s->routes[to].vehicle], 0);
}

/* Best insertion of u. With many routes only those holding one of u's nearest neighbours are
 * tried (granular insertion); all used routes if none does. */
static void best_insertion(const solver__model *m, const solver__sol *s, uint32_t u, double blink,
                           solver__rng *rng, uint32_t *scratch, cands *c, ins *best) {
    best->delta = INT64_MAX;
    best->route = SOLVER_NONE;
    bool granular = false;
    if (c->n_used > m->granular_routes && m->k_nbr) {
        /* The distinct routes of the neighbours in order of first sight, without a branch per
         * neighbour (unassigned ones land on the spare slot n_routes, stamped beforehand). */
        uint32_t x = m->units[u].first, stamp = ++c->stamp, kn = m->k_nbr, n_list = 0;
        uint32_t spare = (uint32_t)s->n_routes, list[64];
        const uint32_t *nb = &m->nbr[(size_t)x * kn], *at = s->at_route;
        uint32_t *seen = c->rseen;
        seen[spare] = stamp;
        if (kn > 64) kn = 64;
        for (uint32_t k = 0; k < kn; k++) {
            uint32_t r = at[nb[k]];
            r = r == SOLVER_NONE ? spare : r;
            list[n_list] = r;
            n_list += seen[r] != stamp;
            seen[r] = stamp;
        }
        granular = n_list > 0;
        for (uint32_t i = 0; i < n_list; i++) {
            uint32_t r = list[i];
            if (m->all_fit || solver__unit_fits(m, u, s->routes[r].vehicle))
                best_in_route(m, s, u, r, blink, rng, scratch, best);
        }
    }
    if (!granular)
        for (size_t i = 0; i < c->n_used; i++) {
            uint32_t r = c->used[i];
            if (m->all_fit || solver__unit_fits(m, u, s->routes[r].vehicle))
                best_in_route(m, s, u, r, blink, rng, scratch, best);
        }
    for (uint32_t cl = 0; cl < m->n_classes; cl++) {
        uint32_t r = c->rep[cl];
        if (r != SOLVER_NONE && (m->all_fit || solver__unit_fits(m, u, s->routes[r].vehicle)))
            best_in_route(m, s, u, r, blink, rng, scratch, best);
    }
}

static void apply(const solver__model *m, solver__sol *s, uint32_t u, const ins *b) {
    solver__route *rt = &s->routes[b->route];
    const solver__unit *un = &m->units[u];
    s->assigned[u] = 1;
    if (un->second == SOLVER_NONE) {
        solver__route_insert_raw(rt, b->pos1, un->first);
        solver__sol_insert_update(m, s, b->route, b->pos1);
        return;
    }
    solver__route_insert_raw(rt, b->pos2, un->second);
    solver__route_insert_raw(rt, b->pos1, un->first);
    solver__sol_update_route(m, s, b->route);
}

lm_status solver__recreate(const solver__model *m, solver__sol *s, const uint32_t *units, size_t n,
                           double blink, solver__rng *rng, uint32_t *scratch) {
    lm_status st = solver__recreate_raw(m, s, units, n, blink, rng, scratch);
    if (st == LM_OK) solver__sol_totals(m, s);
    return st;
}

lm_status solver__recreate_raw(const solver__model *m, solver__sol *s, const uint32_t *units,
                               size_t n, double blink, solver__rng *rng, uint32_t *scratch) {
    cands c = {0};
    c.used = lm_reallocarray(NULL, s->n_routes + 1, sizeof *c.used);
    c.rep = lm_reallocarray(NULL, m->n_classes + 1, sizeof *c.rep);
    c.rseen = lm_calloc(s->n_routes + 1, sizeof *c.rseen);
    lm_status st = LM_NOMEM;
    if (!c.used || !c.rep || !c.rseen) goto done;
    for (uint32_t cl = 0; cl < m->n_classes; cl++)
        c.rep[cl] = SOLVER_NONE;
    for (uint32_t r = 0; r < s->n_routes; r++) {
        if (s->routes[r].n > 0) {
            c.used[c.n_used++] = r;
        } else {
            uint32_t cl = m->vclass[s->routes[r].vehicle];
            if (c.rep[cl] == SOLVER_NONE) c.rep[cl] = r;
        }
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t u = units[i];
        if (s->assigned[u]) continue;
        ins b;
        best_insertion(m, s, u, blink, rng, scratch, &c, &b);
        solver__upgrade up = {b.delta, SOLVER_NONE, SOLVER_NONE};
        /* Only against opening a vehicle (or nothing): a route that has room is a better home
         * than a bigger vehicle, which a limited fleet may need elsewhere. */
        if (b.route != SOLVER_NONE && s->routes[b.route].n == 0)
            solver__upgrade_best(m, s, u, c.rep, scratch, &up);
        if (up.to != SOLVER_NONE) {
            if (!solver__upgrade_apply(m, s, u, &up, scratch)) goto done;
            upgraded(m, s, &c, up.from, up.to);
            continue;
        }
        if (b.route == SOLVER_NONE) continue;
        if (solver__route_reserve(&s->routes[b.route], s->routes[b.route].n + 3, m->dims) != LM_OK)
            goto done;
        bool opened = s->routes[b.route].n == 0;
        apply(m, s, u, &b);
        if (opened) {
            c.used[c.n_used++] = b.route;
            uint32_t cl = m->vclass[s->routes[b.route].vehicle];
            rep_next(m, s, &c, cl, b.route + 1);
        }
    }
    st = LM_OK;
done:
    lm_free(c.used);
    lm_free(c.rep);
    lm_free(c.rseen);
    return st;
}

/* ---- First solutions ---- */

static const solver__model *sort_model;
static int64_t *sort_key;

static int cmp_units(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const solver__unit *ux = &sort_model->units[x], *uy = &sort_model->units[y];
    if (ux->priority != uy->priority) return ux->priority > uy->priority ? -1 : 1;
    if (sort_key[x] != sort_key[y]) return sort_key[x] > sort_key[y] ? -1 : 1;
    return (x > y) - (x < y);
}

/* Orders units for sequential insertion: priority first, then hardest (tight windows or far from
 * the depots) first. Not thread-safe (file statics): only called before threads start. */
static void order_units(const solver__model *m, uint32_t *units, size_t n) {
    sort_model = m;
    sort_key = lm_calloc(m->n_units ? m->n_units : 1, sizeof *sort_key);
    if (!sort_key) return; /* keeps the index order */
    const solver_problem *p = m->p;
    uint32_t depot =
        p->vehicles[0].pub.start != SOLVER_NONE ? p->vehicles[0].pub.start : p->vehicles[0].pub.end;
    for (size_t i = 0; i < n; i++) {
        const solver__unit *u = &m->units[units[i]];
        int64_t far = solver__cost(m, 0, depot, m->nodes[u->first].loc) +
                      solver__cost(m, 0, m->nodes[u->first].loc, depot);
        /* Tight windows first when windows matter, else far first (as in savings/sweep). */
        sort_key[units[i]] = m->any_tw ? (SOLVER_TIME_INF - u->tw_span) / 4 + far : far;
    }
    qsort(units, n, sizeof *units, cmp_units);
    lm_free(sort_key);
    sort_key = NULL;
}

/* Regret-2 insertion: repeatedly inserts the unit whose best and second-best routes differ most.
 * The per-(unit, route) best insertions are cached and only the changed route is re-evaluated. */
static lm_status regret_insertion(const solver__model *m, solver__sol *s, uint32_t *units, size_t n,
                                  uint32_t *scratch) {
    size_t nr = s->n_routes;
    ins *cache = lm_reallocarray(NULL, n * nr, sizeof *cache);
    uint8_t *done = lm_calloc(n ? n : 1, 1);
    if (!cache || !done) {
        lm_free(cache);
        lm_free(done);
        return LM_NOMEM;
    }
    solver__rng rng = {1};
    for (size_t i = 0; i < n; i++)
        for (uint32_t r = 0; r < nr; r++) {
            ins *c = &cache[i * nr + r];
            c->delta = INT64_MAX;
            c->route = SOLVER_NONE;
            if (solver__unit_fits(m, units[i], s->routes[r].vehicle))
                best_in_route(m, s, units[i], r, 0, &rng, scratch, c);
        }
    uint8_t *seen = lm_alloc(m->n_classes ? m->n_classes : 1);
    if (!seen) {
        lm_free(cache);
        lm_free(done);
        return LM_NOMEM;
    }
    for (;;) {
        size_t pick = SIZE_MAX;
        int64_t pick_regret = -1;
        uint32_t pick_prio = 0;
        ins pick_ins = {0, 0, 0, 0};
        for (size_t i = 0; i < n; i++) {
            if (done[i]) continue;
            int64_t b1 = INT64_MAX, b2 = INT64_MAX;
            ins bi = {INT64_MAX, SOLVER_NONE, 0, 0};
            memset(seen, 0, m->n_classes);
            for (uint32_t r = 0; r < nr; r++) {
                const ins *c = &cache[i * nr + r];
                if (c->route == SOLVER_NONE) continue;
                if (s->routes[r].n == 0) {
                    uint32_t cl = m->vclass[s->routes[r].vehicle];
                    if (seen[cl]) continue;
                    seen[cl] = 1;
                }
                if (c->delta < b1) {
                    b2 = b1;
                    b1 = c->delta;
                    bi = *c;
                } else if (c->delta < b2) {
                    b2 = c->delta;
                }
            }
            if (bi.route == SOLVER_NONE) continue;
            int64_t regret = b2 == INT64_MAX ? INT64_MAX / 4 : b2 - b1;
            uint32_t prio = m->units[units[i]].priority;
            if (pick == SIZE_MAX || prio > pick_prio ||
                (prio == pick_prio && regret > pick_regret)) {
                pick = i;
                pick_regret = regret;
                pick_prio = prio;
                pick_ins = bi;
            }
        }
        if (pick == SIZE_MAX) break;
        done[pick] = 1;
        if (solver__route_reserve(&s->routes[pick_ins.route], s->routes[pick_ins.route].n + 3,
                                  m->dims) != LM_OK)
            break;
        apply(m, s, units[pick], &pick_ins);
        uint32_t r = pick_ins.route;
        for (size_t i = 0; i < n; i++) {
            if (done[i]) continue;
            ins *c = &cache[i * nr + r];
            c->delta = INT64_MAX;
            c->route = SOLVER_NONE;
            if (solver__unit_fits(m, units[i], s->routes[r].vehicle))
                best_in_route(m, s, units[i], r, 0, &rng, scratch, c);
        }
    }
    lm_free(seen);
    lm_free(cache);
    lm_free(done);
    solver__sol_totals(m, s);
    return LM_OK;
}

lm_status solver__construct_insertion(const solver__model *m, solver__sol *s, bool regret) {
    uint32_t *units = lm_reallocarray(NULL, m->n_units ? m->n_units : 1, sizeof *units);
    uint32_t *scratch = lm_reallocarray(NULL, m->n_nodes + 4, sizeof *scratch);
    lm_status st = LM_NOMEM;
    if (!units || !scratch) goto done;
    size_t n = 0;
    for (uint32_t u = 0; u < m->n_units; u++)
        if (!s->assigned[u]) units[n++] = u;
    order_units(m, units, n);
    if (n == 0)
        st = LM_OK;
    else if (regret && n <= 250 && n * s->n_routes <= 100000) {
        st = regret_insertion(m, s, units, n, scratch);
    } else {
        solver__rng rng = {1};
        st = solver__recreate(m, s, units, n, 0, &rng, scratch);
    }
done:
    lm_free(units);
    lm_free(scratch);
    return st;
}
