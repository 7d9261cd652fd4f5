/* dispatch/replan_repair.c: the live routes of a re-plan's model as solver sequences. The
 * minimal-change pass starts its solve from them (solver_opts.seed_routes): every stop stays on
 * its van in its order and only the work without a van (a broken van's parcels, new orders) is
 * inserted, cheapest feasible place first among the routes near it; what fits nowhere stays
 * unassigned with the solver's reason. The cost before a re-plan evaluates the same sequences, and
 * the free pass starts its search from the repaired answer.
 * Linear in the stops and tasks (sorted look-ups), not stops x tasks per van. */
#include "dispatch/internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct stop_key {
    int64_t stop_id;
    uint32_t task;
    bool pickup;
} stop_key;

static int cmp_key(const void *a, const void *b) {
    const stop_key *x = a, *y = b;
    return (x->stop_id > y->stop_id) - (x->stop_id < y->stop_id);
}

/* The stops of one vehicle: stops sorted by vehicle id, then by their place in the query. */
static const store_stop *sort_stops;
static int cmp_stop_at(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(sort_stops[x].vehicle_id, sort_stops[y].vehicle_id);
    return c ? c : (x > y) - (x < y);
}

/* The task whose delivery (pickup) stop is stop_id, or -1. */
static int task_of_stop(const stop_key *keys, size_t n, int64_t stop_id, bool pickup) {
    stop_key want = {.stop_id = stop_id};
    const stop_key *k = bsearch(&want, keys, n, sizeof *keys, cmp_key);
    if (!k) return -1;
    /* ids are unique per stop, but be exact about the kind */
    while (k > keys && k[-1].stop_id == stop_id)
        k--;
    for (; k < keys + n && k->stop_id == stop_id; k++)
        if (k->pickup == pickup) return (int)k->task;
    return -1;
}

int dispatch__break_of(const dispatch__vehicle *mv, int64_t a, int64_t b) {
    for (size_t i = 0; i < mv->n_breaks; i++)
        if (mv->break_tws[i].start_s == a && mv->break_tws[i].end_s == b) return (int)i;
    return -1;
}

/* Vehicle v's fixed first step (the model's fixed_task) as a task ref; type START when none. */
static solver_task_ref fixed_ref(const dispatch__model *m, size_t v) {
    const dispatch__vehicle *mv = &m->veh[v];
    if (mv->fixed_task < 0) return (solver_task_ref){SOLVER_STEP_START, 0};
    const dispatch__task *t = &m->tasks[mv->fixed_task];
    solver_step_type ty = !t->shipment       ? SOLVER_STEP_JOB
                          : mv->fixed_pickup ? SOLVER_STEP_PICKUP
                                             : SOLVER_STEP_DELIVERY;
    return (solver_task_ref){ty, t->index};
}

/* One vehicle's sequence into out (room for every ref it can have); returns its length. */
static size_t vehicle_route(const dispatch__model *m, size_t v, const store_stop *stops,
                            const size_t *at, size_t n_at, const stop_key *keys, size_t n_keys,
                            bool skip_fixed, solver_task_ref *out) {
    const dispatch__vehicle *mv = &m->veh[v];
    size_t len = 0;
    /* a depot pickup has no stop of its own: it comes first */
    for (size_t t = 0; t < m->n_tasks; t++) {
        const dispatch__task *tk = &m->tasks[t];
        if (tk->shipment && !tk->pickup_stop && !tk->transfer_from && tk->home_vehicle == (int)v)
            out[len++] = (solver_task_ref){SOLVER_STEP_PICKUP, tk->index};
    }
    bool placed[DISPATCH_BREAKS_MAX] = {false};
    for (size_t i = 0; i < n_at; i++) {
        const store_stop *s = &stops[at[i]];
        if (s->kind == DISPATCH_STOP_BREAK) {
            int b = dispatch__break_of(mv, s->tw_start_s, s->tw_end_s);
            if (b >= 0 && !placed[b]) {
                placed[b] = true;
                out[len++] = (solver_task_ref){SOLVER_STEP_BREAK, (uint32_t)b};
            }
            continue;
        }
        bool pickup = s->kind == DISPATCH_STOP_PICKUP;
        if (!pickup && s->kind != DISPATCH_STOP_DELIVERY) continue;
        int ti = task_of_stop(keys, n_keys, s->id, pickup);
        if (ti < 0) continue;
        const dispatch__task *tk = &m->tasks[ti];
        out[len++] = (solver_task_ref){pickup         ? SOLVER_STEP_PICKUP
                                       : tk->shipment ? SOLVER_STEP_DELIVERY
                                                      : SOLVER_STEP_JOB,
                                       tk->index};
    }
    if (!len) return 0;
    for (size_t b = 0; b < mv->n_breaks; b++)
        if (!placed[b]) out[len++] = (solver_task_ref){SOLVER_STEP_BREAK, (uint32_t)b};
    if (skip_fixed) { /* the solver places the fixed step itself: a seed must not repeat it */
        solver_task_ref f = fixed_ref(m, v);
        size_t kept = 0;
        for (size_t i = 0; i < len; i++)
            if (!(f.type != SOLVER_STEP_START && out[i].type == f.type && out[i].index == f.index))
                out[kept++] = out[i];
        len = kept;
    }
    return len;
}

lm_status dispatch__live_routes(const dispatch__model *m, const store_stop *stops, size_t n_stops,
                                bool skip_fixed, solver_task_ref ***seqs_out, size_t **lens_out) {
    size_t nv = m->n_veh;
    solver_task_ref **seqs = lm_calloc(nv + 1, sizeof *seqs);
    size_t *lens = lm_calloc(nv + 1, sizeof *lens);
    stop_key *keys = lm_calloc(2 * m->n_tasks + 1, sizeof *keys);
    size_t *at = lm_calloc(n_stops + 1, sizeof *at);
    size_t *homed = lm_calloc(nv + 1, sizeof *homed);
    lm_status rc = seqs && lens && keys && at && homed ? LM_OK : LM_NOMEM;
    size_t n_keys = 0;
    for (size_t t = 0; rc == LM_OK && t < m->n_tasks; t++) {
        const dispatch__task *tk = &m->tasks[t];
        if (tk->stop_id) keys[n_keys++] = (stop_key){tk->stop_id, (uint32_t)t, false};
        if (tk->pickup_stop) keys[n_keys++] = (stop_key){tk->pickup_stop, (uint32_t)t, true};
        if (tk->home_vehicle >= 0 && (size_t)tk->home_vehicle < nv) homed[tk->home_vehicle]++;
    }
    if (rc == LM_OK) {
        qsort(keys, n_keys, sizeof *keys, cmp_key);
        for (size_t i = 0; i < n_stops; i++)
            at[i] = i;
        sort_stops = stops;
        qsort(at, n_stops, sizeof *at, cmp_stop_at);
        sort_stops = NULL;
    }
    /* each vehicle's stops in at[], found by binary search on the vehicle id */
    for (size_t v = 0; rc == LM_OK && v < nv; v++) {
        const char *id = m->veh[v].v.id;
        size_t lo = 0, hi = n_stops;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(stops[at[mid]].vehicle_id, id) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t first = lo, n_at = 0;
        while (first + n_at < n_stops && !strcmp(stops[at[first + n_at]].vehicle_id, id))
            n_at++;
        if (!(seqs[v] = lm_calloc(n_at + homed[v] + DISPATCH_BREAKS_MAX + 1, sizeof **seqs))) {
            rc = LM_NOMEM;
            break;
        }
        lens[v] = vehicle_route(m, v, stops, at + first, n_at, keys, n_keys, skip_fixed, seqs[v]);
    }
    lm_free(keys);
    lm_free(at);
    lm_free(homed);
    if (rc != LM_OK) {
        dispatch__live_routes_free(seqs, nv, lens);
        return rc;
    }
    *seqs_out = seqs;
    *lens_out = lens;
    return LM_OK;
}

void dispatch__live_routes_free(solver_task_ref **seqs, size_t n_veh, size_t *lens) {
    for (size_t v = 0; seqs && v < n_veh; v++)
        lm_free(seqs[v]);
    lm_free(seqs);
    lm_free(lens);
}

lm_status dispatch__solution_seeds(const dispatch__model *m, const solver_solution *s,
                                   solver_task_ref ***seqs_out, size_t **lens_out) {
    size_t nv = m->n_veh;
    solver_task_ref **seqs = lm_calloc(nv + 1, sizeof *seqs);
    size_t *lens = lm_calloc(nv + 1, sizeof *lens);
    lm_status rc = seqs && lens ? LM_OK : LM_NOMEM;
    for (size_t ri = 0; rc == LM_OK && ri < s->n_routes; ri++) {
        const solver_route *r = &s->routes[ri];
        size_t v = r->vehicle;
        if (v >= nv || seqs[v]) continue;
        if (!(seqs[v] = lm_calloc(r->n_steps + 1, sizeof **seqs))) {
            rc = LM_NOMEM;
            break;
        }
        solver_task_ref f = fixed_ref(m, v);
        for (size_t k = 0; k < r->n_steps; k++) {
            const solver_step *st = &r->steps[k];
            if (st->type != SOLVER_STEP_JOB && st->type != SOLVER_STEP_PICKUP &&
                st->type != SOLVER_STEP_DELIVERY)
                continue;
            if (f.type != SOLVER_STEP_START && st->type == f.type && st->index == f.index) continue;
            seqs[v][lens[v]++] = (solver_task_ref){st->type, st->index};
        }
    }
    if (rc != LM_OK) {
        dispatch__live_routes_free(seqs, nv, lens);
        return rc;
    }
    *seqs_out = seqs;
    *lens_out = lens;
    return LM_OK;
}

lm_status dispatch__live_pending(store_read *r, store_stop **out, size_t *n, lm_errinfo *err) {
    store_vehicle *vs = NULL;
    size_t nv = 0, cap = 0;
    *out = NULL;
    *n = 0;
    lm_status rc = store_vehicle_list(r, &vs, &nv, err);
    for (size_t i = 0; i < nv && rc == LM_OK; i++) {
        store_stop_filter f = {.vehicle_id = vs[i].id, .live_only = true, .pending_only = true};
        store_stop *mine = NULL;
        size_t k = 0;
        if ((rc = store_stop_query(r, &f, &mine, &k, err)) != LM_OK) break;
        if (*n + k > cap) {
            size_t nc = cap * 2 > *n + k ? cap * 2 : *n + k + 64;
            store_stop *g = lm_reallocarray(*out, nc, sizeof *g);
            if (g) {
                *out = g;
                cap = nc;
            } else {
                rc = LM_NOMEM;
            }
        }
        if (rc == LM_OK && k) {
            memcpy(*out + *n, mine, k * sizeof *mine);
            *n += k;
        }
        lm_free(mine);
    }
    lm_free(vs);
    if (rc != LM_OK) {
        lm_free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
