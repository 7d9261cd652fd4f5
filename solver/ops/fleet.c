/* Fleet: hands a whole route to another vehicle when that is cheaper: an idle vehicle of another
 * class, or the vehicle of another route (the two swap). With a mixed fleet (fixed and per-km
 * costs by vehicle type) the task moves alone cannot do this: moving a route's customers one by
 * one into an empty cheaper vehicle pays its fixed cost first and never looks improving. */
#include "solver/route.h"

#include <string.h>

/* Routes above this many used ones skip the pairwise swaps (O(routes^2) simulations). */
#define FLEET_MAX_SWAP_ROUTES 150

static bool movable(const solver__model *m, const solver__route *rt) {
    return rt->n > 0 && rt->n_fixed == 0 && m->p->vehicles[rt->vehicle].pub.n_fixed_steps == 0;
}

/* Per class, an idle route whose vehicle has no fixed steps (or SOLVER_NONE), into idle. Found
 * once per pass and after each change: scanning a fleet of 1,000+ idle vehicles per tried move
 * made the operator the search's bottleneck. */
static void idle_scan(const solver__model *m, const solver__sol *s, uint32_t *idle) {
    for (uint32_t cl = 0; cl < m->n_classes; cl++)
        idle[cl] = SOLVER_NONE;
    for (uint32_t r = s->n_routes; r-- > 0;) {
        const solver__route *rt = &s->routes[r];
        if (rt->n == 0 && m->p->vehicles[rt->vehicle].pub.n_fixed_steps == 0)
            idle[m->vclass[rt->vehicle]] = r;
    }
}

/* Moves route r to an idle vehicle of another class if cheaper; true if moved. */
static bool to_idle(const solver__model *m, solver__sol *s, uint32_t r, const uint32_t *idle,
                    uint32_t *scratch) {
    const solver__route *rt = &s->routes[r];
    uint32_t own = m->vclass[rt->vehicle];
    for (uint32_t cl = 0; cl < m->n_classes; cl++) {
        if (cl == own) continue;
        uint32_t e = idle[cl];
        if (e == SOLVER_NONE) continue;
        rt = &s->routes[r];
        size_t n = rt->n;
        memcpy(scratch, rt->nodes, n * sizeof *scratch); /* try_routes wants foreign arrays */
        if (solver__try_routes(m, s, e, scratch, n, r, scratch + n, 0)) return true;
    }
    return false;
}

/* Swaps the vehicles of routes a and b if cheaper; true if swapped. */
static bool swap_vehicles(const solver__model *m, solver__sol *s, uint32_t a, uint32_t b,
                          uint32_t *scratch) {
    const solver__route *ra = &s->routes[a], *rb = &s->routes[b];
    size_t na = ra->n, nb = rb->n;
    memcpy(scratch, rb->nodes, nb * sizeof *scratch);
    memcpy(scratch + nb, ra->nodes, na * sizeof *scratch);
    return solver__try_routes(m, s, a, scratch, nb, b, scratch + nb, na);
}

/* Peak load of a route (first dimension): the merge's capacity prefilter. */
static int64_t route_load(const solver__model *m, const solver__route *rt) {
    return rt->fmax[(size_t)rt->n * m->dims];
}

/* scratch[0..) = x's nodes then y's. */
static size_t concat(const solver__route *x, const solver__route *y, uint32_t *scratch) {
    memcpy(scratch, x->nodes, x->n * sizeof *scratch);
    memcpy(scratch + x->n, y->nodes, y->n * sizeof *scratch);
    return (size_t)x->n + y->n;
}

/* Merges routes a and b (a then b, or b then a) onto one vehicle, of any class, when that is
 * cheaper than both: what a fleet of small vehicles needs to become one of bigger ones, since
 * capacity stops every task move from emptying a route into another. */
static bool merge_pair(const solver__model *m, solver__sol *s, uint32_t a, uint32_t b,
                       const uint32_t *idle, uint32_t *scratch) {
    const solver__route *ra = &s->routes[a], *rb = &s->routes[b];
    int64_t before = ra->cost + rb->cost;
    size_t n = (size_t)ra->n + rb->n;
    uint32_t best_r = SOLVER_NONE;
    int64_t best_c = before;
    int best_order = 0;
    for (int order = 0; order < 2; order++) {
        concat(order ? rb : ra, order ? ra : rb, scratch);
        for (uint32_t cl = 0; cl < m->n_classes; cl++) {
            uint32_t r = m->vclass[ra->vehicle] == cl   ? a
                         : m->vclass[rb->vehicle] == cl ? b
                                                        : idle[cl];
            if (r == SOLVER_NONE) continue;
            uint32_t v = s->routes[r].vehicle;
            bool fits = true;
            for (size_t i = 0; i < n && fits; i++)
                fits = solver__unit_fits(m, m->nodes[scratch[i]].unit, v);
            int64_t c;
            if (!fits || !solver__seq_ok(m, v, scratch, n, 0, &c) || c >= best_c) continue;
            best_c = c;
            best_r = r;
            best_order = order;
        }
    }
    if (best_r == SOLVER_NONE) return false;
    concat(best_order ? rb : ra, best_order ? ra : rb, scratch);
    bool ok = true;
    if (best_r != a) ok &= solver__sol_set_route(m, s, a, scratch + n, 0);
    if (best_r != b) ok &= solver__sol_set_route(m, s, b, scratch + n, 0);
    ok &= solver__sol_set_route(m, s, best_r, scratch, n);
    return ok;
}

/* Tries merge_pair on r and every other used route whose load would fit the biggest vehicle. */
static bool merge_any(const solver__model *m, solver__sol *s, uint32_t r, int64_t max_cap,
                      const uint32_t *idle, uint32_t *scratch) {
    int64_t lr = route_load(m, &s->routes[r]);
    for (uint32_t q = 0; q < s->n_routes; q++) {
        if (q == r || !movable(m, &s->routes[q])) continue;
        if (lr + route_load(m, &s->routes[q]) > max_cap) continue;
        if (merge_pair(m, s, r, q, idle, scratch)) return true;
    }
    return false;
}

/* Cheapest of route `own` (its own vehicle; SOLVER_NONE: none) and the idle vehicles (other than
 * route `not`) for nodes[0..n); writes the route to *best_r and returns its cost (INT64_MAX if
 * none can serve them). */
static int64_t cheapest_home(const solver__model *m, const solver__sol *s, const uint32_t *nodes,
                             size_t n, uint32_t own, const uint32_t *idle, uint32_t not,
                             uint32_t *best_r) {
    int64_t best = INT64_MAX;
    *best_r = SOLVER_NONE;
    for (uint32_t k = 0; k <= m->n_classes; k++) {
        uint32_t r = k == m->n_classes ? own : idle[k];
        if (r == SOLVER_NONE || r == not ) continue;
        uint32_t v = s->routes[r].vehicle;
        bool fits = true;
        for (size_t i = 0; i < n && fits; i++)
            fits = solver__unit_fits(m, m->nodes[nodes[i]].unit, v);
        int64_t c;
        if (fits && solver__seq_ok(m, v, nodes, n, 0, &c) && c < best) {
            best = c;
            *best_r = r;
        }
    }
    return best;
}

/* Splits route r in two (at any position) onto its own vehicle and idle ones, if cheaper: the
 * way back from a vehicle grown too big, which merges and upgrades can only make bigger. */
static bool split_route(const solver__model *m, solver__sol *s, uint32_t r, const uint32_t *idle,
                        uint32_t *scratch) {
    const solver__route *rt = &s->routes[r];
    size_t n = rt->n;
    if (n < 2) return false;
    memcpy(scratch, rt->nodes, n * sizeof *scratch);
    int64_t best = rt->cost;
    size_t best_k = 0;
    uint32_t best_a = SOLVER_NONE, best_b = SOLVER_NONE;
    for (size_t k = 1; k < n; k++) {
        uint32_t ra, rb;
        int64_t ca = cheapest_home(m, s, scratch, k, r, idle, SOLVER_NONE, &ra);
        if (ca >= best) continue;
        int64_t cb = cheapest_home(m, s, scratch + k, n - k, SOLVER_NONE, idle, ra, &rb);
        if (cb == INT64_MAX || ca + cb >= best) continue;
        best = ca + cb;
        best_k = k;
        best_a = ra;
        best_b = rb;
    }
    if (best_a == SOLVER_NONE) return false;
    bool ok = true;
    if (best_a != r && best_b != r) ok &= solver__sol_set_route(m, s, r, scratch + n, 0);
    ok &= solver__sol_set_route(m, s, best_b, scratch + best_k, n - best_k);
    ok &= solver__sol_set_route(m, s, best_a, scratch, best_k);
    return ok;
}

bool solver__op_fleet(const solver__model *m, solver__sol *s, uint32_t *scratch) {
    if (m->n_classes < 2) return false;
    uint32_t *idle = lm_reallocarray(NULL, m->n_classes, sizeof *idle);
    if (!idle) return false; /* an optimisation only: skip it */
    idle_scan(m, s, idle);
    bool improved = false;
    size_t n_used = 0;
    int64_t max_cap = 0;
    for (uint32_t r = 0; r < s->n_routes; r++) {
        n_used += s->routes[r].n > 0;
        int64_t c = m->p->vehicles[s->routes[r].vehicle].pub.capacity[0];
        if (c > max_cap) max_cap = c;
    }
    for (uint32_t r = 0; r < s->n_routes && !solver__ls_timeout(m, r); r++) {
        if (!movable(m, &s->routes[r])) continue;
        bool moved = to_idle(m, s, r, idle, scratch);
        if (!moved && n_used <= FLEET_MAX_SWAP_ROUTES && m->dims == 1 &&
            merge_any(m, s, r, max_cap, idle, scratch)) {
            moved = true;
            n_used--;
        }
        if (!moved && n_used <= FLEET_MAX_SWAP_ROUTES && split_route(m, s, r, idle, scratch)) {
            moved = true;
            n_used++;
        }
        for (uint32_t q = r + 1; !moved && n_used <= FLEET_MAX_SWAP_ROUTES && q < s->n_routes;
             q++) {
            if (!movable(m, &s->routes[q]) ||
                m->vclass[s->routes[q].vehicle] == m->vclass[s->routes[r].vehicle])
                continue;
            moved = swap_vehicles(m, s, r, q, scratch);
        }
        if (moved) {
            improved = true;
            idle_scan(m, s, idle);
        }
    }
    lm_free(idle);
    if (improved) solver__sol_totals(m, s);
    return improved;
}
