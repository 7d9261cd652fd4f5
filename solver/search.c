/* The metaheuristic driver and solver_solve: ruin-and-recreate with SISR string removals
 * (Christiaens & Vanden Berghe 2020), simulated-annealing acceptance, local search on new bests,
 * parallel searches sharing the best solution at deterministic checkpoints, GLPK recombination. */
#include "solver/glpk_util.h"
#include "solver/route.h"
#include "solver/route_pool.h"

#include <math.h>
#ifdef LM_SEARCH_TRACE
#include <stdio.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ---- Shared state of one solve ---- */

typedef struct shared {
    const solver__model *m;
    const solver__params *prm;
    const solver_opts *o;
    uint64_t max_iters;    /* opts.iterations: 0 = time-limited; else each worker's exact count */
    uint64_t budget;       /* iterations of one anneal, from the time limit (never the clock) */
    atomic_bool cut;       /* the clock or a cancel stopped an iteration-budgeted search */
    uint64_t patience;     /* iterations without a new best that end the search (0: never) */
    uint64_t cool_iters;   /* with patience: the time-limited anneal is cold by this many */
    atomic_bool converged; /* a worker ran out of patience */
    int64_t t_start_ns, deadline_ns;
    unsigned n_workers;
    pthread_barrier_t barrier;
    pthread_mutex_t gate_lock; /* workers start once gate_open is set */
    pthread_cond_t gate_cond;
    bool gate_open;
    atomic_bool stop;
    atomic_uint_fast64_t iters;
    pthread_mutex_t lock; /* guards best_cost / best_unassigned for progress */
    int64_t best_cost;
    size_t best_unassigned;
    struct worker *workers;
    int winner;        /* worker whose best everyone adopts at a checkpoint */
    bool all_stop;     /* the checkpoint's decision */
    solver__pool pool; /* filled by worker 0 when set partitioning is on */
    bool mid_sp;       /* recombine during the search too, not only at its end */
    int64_t last_sp_ns, search_end_ns;
} shared;

typedef struct worker {
    shared *sh;
    unsigned id;
    solver__rng rng;
    solver__sol cur, tmp, best;
    uint32_t *scratch; /* n_nodes + 4 */
    uint32_t *removed; /* units removed by the current ruin */
    uint8_t *ruined;   /* per route */
    uint32_t *ruined_list;
    int64_t *sort_key; /* per unit */
    lm_status status;
    int64_t next_progress_ns;
    uint64_t last_ls; /* iteration when the local search last ran */
    uint64_t anneal_start, anneal_len;
    int64_t anneal_t0_ns; /* clock at the anneal's start (time-limited runs cool on the clock) */
    double t0, tf;        /* the current anneal's temperatures */
    double log_ratio;     /* solver__det_log(tf / t0), for the schedule */
    uint64_t iters;       /* this worker's iterations so far */
    bool want_stop;       /* this worker's vote at a checkpoint */
    uint64_t last_gain;   /* iteration of the last new best (found or adopted) */
    int64_t now_ns;       /* clock at the last check */
    uint64_t pool_mark;   /* pool.clears + 1 while all of cur's routes are in the pool, else 0 */
} worker;

static bool out_of_time(worker *w) {
    shared *sh = w->sh;
    if (atomic_load_explicit(&sh->stop, memory_order_relaxed)) return true;
    if (sh->o->cancel && atomic_load(sh->o->cancel)) {
        atomic_store(&sh->cut, true);
        atomic_store(&sh->stop, true);
        return true;
    }
    int64_t now = solver__now_ns(sh->m);
    w->now_ns = now;
    if (w->id == 0 && sh->o->on_progress && now >= w->next_progress_ns) {
        w->next_progress_ns = now + 100 * 1000000LL;
        solver_progress pr;
        pthread_mutex_lock(&sh->lock);
        pr.best_cost = sh->best_cost;
        pr.unassigned = sh->best_unassigned;
        pthread_mutex_unlock(&sh->lock);
        pr.elapsed_ms = (now - sh->t_start_ns) / 1000000;
        pr.iterations = atomic_load(&sh->iters);
        sh->o->on_progress(&pr, sh->o->progress_ud);
    }
    if (sh->max_iters && w->iters >= sh->max_iters) return true; /* own count: deterministic */
    if (now >= sh->search_end_ns) {
        /* With an iteration budget the time limit is a safety stop: the answer then depends on
         * the machine, and the solution says so. */
        if (sh->max_iters) atomic_store(&sh->cut, true);
        atomic_store(&sh->stop, true);
        return true;
    }
    return false;
}

static void publish(worker *w) {
    shared *sh = w->sh;
    size_t un = 0;
    for (size_t u = 0; u < sh->m->n_units; u++)
        un += !w->best.assigned[u];
    pthread_mutex_lock(&sh->lock);
    if (sh->best_cost < 0 || w->best.cost < sh->best_cost || un < sh->best_unassigned) {
        sh->best_cost = w->best.cost;
        sh->best_unassigned = un;
    }
    pthread_mutex_unlock(&sh->lock);
}

/* ---- Ruin: SISR adjacent string removal ---- */

static void remove_node(const solver__model *m, solver__sol *s, uint32_t node) {
    uint32_t r = s->at_route[node];
    solver__route *rt = &s->routes[r];
    uint32_t pos = s->at_pos[node];
    solver__route_remove_raw(rt, pos);
    for (uint32_t i = pos; i < rt->n; i++)
        s->at_pos[rt->nodes[i]] = i;
    s->at_route[node] = SOLVER_NONE;
    (void)m;
}

/* Removes unit u from its route (both ends of a shipment); records it in w->removed. */
static void remove_unit(worker *w, solver__sol *s, uint32_t u, size_t *n_removed) {
    const solver__model *m = w->sh->m;
    const solver__unit *un = &m->units[u];
    remove_node(m, s, un->first);
    if (un->second != SOLVER_NONE) remove_node(m, s, un->second);
    s->assigned[u] = 0;
    w->removed[(*n_removed)++] = u;
}

static bool node_free(const solver__model *m, const solver__sol *s, uint32_t node) {
    if (node >= m->n_task_nodes || s->at_route[node] == SOLVER_NONE) return false;
    uint32_t u = m->nodes[node].unit;
    return !m->units[u].fixed && s->at_pos[node] >= s->routes[s->at_route[node]].n_fixed;
}

/* Removes a string (or split string) of about l free nodes around node c in its route. */
static void ruin_route(worker *w, solver__sol *s, uint32_t c, uint32_t l, size_t *n_removed) {
    const solver__model *m = w->sh->m;
    uint32_t r = s->at_route[c];
    solver__route *rt = &s->routes[r];
    uint32_t lo = rt->n_fixed, n_free = rt->n - lo, pos = s->at_pos[c];
    if (l > n_free) l = n_free;
    uint32_t keep = 0, len = l;
    if (l < n_free && solver__rng_unit(&w->rng) < 0.5) {
        /* Split string: a longer string of which m consecutive nodes stay. */
        keep = 1;
        while (l + keep < n_free && solver__rng_unit(&w->rng) > 0.01)
            keep++;
        len = l + keep;
    }
    uint32_t first_min = pos + 1 >= len ? pos + 1 - len : 0;
    if (first_min < lo) first_min = lo;
    uint32_t first_max = pos;
    if (first_max + len > rt->n) first_max = rt->n - len;
    if (first_max < first_min) first_max = first_min;
    uint32_t first = first_min + solver__rng_below(&w->rng, first_max - first_min + 1);
    uint32_t keep_at = keep ? first + solver__rng_below(&w->rng, len - keep + 1) : 0;
    /* Collect the units first: removing shifts positions. */
    uint32_t units[256];
    uint32_t nu = 0;
    for (uint32_t i = first; i < first + len && i < rt->n && nu < 256; i++) {
        if (keep && i >= keep_at && i < keep_at + keep) continue;
        uint32_t node = rt->nodes[i];
        if (!node_free(m, s, node)) continue;
        uint32_t u = m->nodes[node].unit;
        bool dup = false;
        for (uint32_t k = 0; k < nu && !dup; k++)
            dup = units[k] == u;
        if (!dup) units[nu++] = u;
    }
    for (uint32_t k = 0; k < nu; k++)
        remove_unit(w, s, units[k], n_removed);
}

/* Returns false if the ruined solution is not feasible (possible with a non-metric matrix). */
static bool ruin(worker *w, solver__sol *s, size_t *n_removed) {
    const solver__model *m = w->sh->m;
    const solver__params *prm = w->sh->prm;
    *n_removed = 0;
    size_t n_assigned_free = 0, n_used = 0;
    for (size_t r = 0; r < s->n_routes; r++) {
        const solver__route *rt = &s->routes[r];
        if (rt->n > rt->n_fixed) {
            n_used++;
            n_assigned_free += rt->n - rt->n_fixed;
        }
    }
    if (n_assigned_free == 0) return true;
    double avg = (double)n_assigned_free / (double)n_used;
    double ls_max = prm->max_string < avg ? prm->max_string : avg;
    /* On tiny instances c-bar = 10 would ruin nearly everything: keep it under a third. */
    double cbar = prm->avg_removed;
    if (cbar > 0.3 * (double)n_assigned_free + 1.0) cbar = 0.3 * (double)n_assigned_free + 1.0;
    double ks_max = 4.0 * cbar / (1.0 + ls_max) - 1.0;
    uint32_t ks = (uint32_t)(solver__rng_unit(&w->rng) * ks_max) + 1;
    /* Seed: a random served free node. */
    uint32_t seed = SOLVER_NONE;
    for (int tries = 0; tries < 64 && seed == SOLVER_NONE; tries++) {
        uint32_t c = solver__rng_below(&w->rng, (uint32_t)m->n_task_nodes);
        if (node_free(m, s, c)) seed = c;
    }
    if (seed == SOLVER_NONE) return true;
    size_t n_ruined = 0;
    uint32_t k = m->k_nbr;
    for (uint32_t i = 0; i <= k && n_ruined < ks; i++) {
        uint32_t c = i == 0 ? seed : m->nbr[(size_t)seed * k + i - 1];
        if (!node_free(m, s, c)) continue;
        uint32_t r = s->at_route[c];
        if (w->ruined[r]) continue;
        const solver__route *rt = &s->routes[r];
        double lmax = ls_max < (double)(rt->n - rt->n_fixed) ? ls_max : rt->n - rt->n_fixed;
        uint32_t l = (uint32_t)(solver__rng_unit(&w->rng) * lmax) + 1;
        ruin_route(w, s, c, l, n_removed);
        w->ruined[r] = 1;
        w->ruined_list[n_ruined++] = r;
    }
    bool ok = true;
    for (size_t i = 0; i < n_ruined; i++) {
        uint32_t r = w->ruined_list[i];
        w->ruined[r] = 0;
        if (!solver__sol_update_route(m, s, r)) ok = false;
    }
    return ok;
}

/* SISR's recreate orders: random, largest first, farthest first, closest first (4:4:2:1);
 * higher priority always first. */
static void sort_removed(worker *w, size_t n) {
    const solver__model *m = w->sh->m;
    uint32_t *a = w->removed;
    uint32_t pick = solver__rng_below(&w->rng, 11);
    const solver_problem *p = m->p;
    uint32_t depot =
        p->vehicles[0].pub.start != SOLVER_NONE ? p->vehicles[0].pub.start : p->vehicles[0].pub.end;
    for (size_t i = 0; i < n; i++) {
        const solver__unit *u = &m->units[a[i]];
        int64_t key;
        if (pick < 4)
            key = (int64_t)(solver__rng_next(&w->rng) >> 2);
        else if (pick < 8)
            key = u->size;
        else {
            int64_t d = solver__cost(m, 0, depot, m->nodes[u->first].loc);
            key = pick < 10 ? d : -d;
        }
        w->sort_key[a[i]] = key;
    }
    /* Insertion sort: n is small (tens). Descending key, priority first. */
    for (size_t i = 1; i < n; i++) {
        uint32_t x = a[i];
        size_t j = i;
        while (j > 0) {
            uint32_t y = a[j - 1];
            const solver__unit *ux = &m->units[x], *uy = &m->units[y];
            bool before = ux->priority != uy->priority ? ux->priority > uy->priority
                                                       : w->sort_key[x] > w->sort_key[y];
            if (!before) break;
            a[j] = y;
            j--;
        }
        a[j] = x;
    }
}

/* ---- Local search on a solution ---- */

static void local_search(worker *w, solver__sol *s, bool deep) {
    const solver__model *m = w->sh->m;
    for (int round = 0; round < 50 && solver__now_ns(m) < m->ls_deadline_ns; round++) {
        bool any = false;
        any |= solver__op_relocate(m, s, w->scratch);
        any |= solver__op_swap(m, s, w->scratch);
        any |= solver__op_two_opt_star(m, s, w->scratch);
        any |= solver__op_or_opt(m, s, w->scratch);
        any |= solver__op_two_opt(m, s, w->scratch);
        any |= solver__op_cross(m, s, w->scratch);
        any |= solver__op_fleet(m, s, w->scratch); /* nothing to do unless the fleet is mixed */
        /* SWAP* measured no better per iteration inside the search (X n101-n303, 3 seeds):
         * it polishes the constructed start only. */
        if (!any && deep) any |= solver__op_swap_star(m, s, w->scratch);
        if (!any) break;
    }
    solver__sol_totals(m, s);
}

/* ---- One worker's search ---- */

static double mean_cost_per_task(const solver__model *m, const solver__sol *s) {
    int64_t served = m->total_weight - s->unserved_weight;
    if (served <= 0) return 1.0;
    double c = (double)s->cost / (double)served;
    return c > 1.0 ? c : 1.0;
}

/* Accepts tmp as the new current solution? Unserved work first, then SA on cost. */
static bool accept(worker *w, double temp) {
    const solver__sol *a = &w->tmp, *b = &w->cur;
    if (a->unserved_priority != b->unserved_priority)
        return a->unserved_priority < b->unserved_priority;
    if (a->unserved_weight != b->unserved_weight) return a->unserved_weight < b->unserved_weight;
    double u = solver__rng_unit(&w->rng);
    if (u <= 0) u = 1e-12;
    return (double)a->cost < (double)b->cost - temp * solver__det_log(u);
}

/* A search that may stop converged counts as converged only once its anneal is cold: measured
 * (perf-solver.md, round 3), the anneal cooled on the clock is still hot when 10 n^2 iterations
 * have passed without a new best on a 100-customer instance (X-n106-k14 at 1.2 s of 10 s CPU:
 * stopped at 2.36 % above the best known, the constructed start never beaten). Its anneal then
 * ends by the clock or after COOL_PATIENCES x the patience in iterations, whichever comes first,
 * so that a small problem still settles (and stops) long before a generous time limit. */
#define COOL_PATIENCES 20

/* How far the current anneal is, in [0, 1]. Budgeted by iterations, only iteration counts enter
 * the schedule, so that a seed reproduces a run whatever the machine's speed. Time-limited, one
 * anneal cools over the whole search time on the clock (w->now_ns, read every iteration): the
 * iteration budget estimated from the problem was 5x short on X (53k iterations/s measured on
 * X-n367 against 11k estimated), so the search restarted five hotter anneals of a fifth of the
 * length, and one long anneal is better at equal iterations (X n204/n261/n308/n351, 300k
 * iterations: 1.00 % against 1.17 % mean, perf-solver.md); a loaded machine still cools fully. */
static double progress(const worker *w) {
    const shared *sh = w->sh;
    if (!sh->max_iters) {
        double span = (double)(sh->search_end_ns - w->anneal_t0_ns);
        double t = span > 0 ? (double)(w->now_ns - w->anneal_t0_ns) / span : 1.0;
        if (sh->cool_iters) {
            double f = (double)(w->iters - w->anneal_start) / (double)sh->cool_iters;
            if (f > t) t = f;
        }
        return t < 0 ? 0 : t > 1 ? 1 : t;
    }
    double f = (double)(w->iters - w->anneal_start) / (double)w->anneal_len;
    return f < 0 ? 0 : f > 1 ? 1 : f;
}

#ifdef LM_SEARCH_PARANOID
/* Debugging aid: the incremental bookkeeping matches a recount. */
static void sol_consistent(const solver__model *m, const solver__sol *s) {
    int64_t cost = 0;
    for (size_t r = 0; r < s->n_routes; r++) {
        const solver__route *rt = &s->routes[r];
        int64_t c;
        if (!solver__route_sim(m, rt->vehicle, rt->nodes, rt->n, rt->n_fixed, NULL, NULL, &c))
            abort();
        if (c != rt->cost && rt->n) abort();
        cost += rt->n ? c : 0;
        for (uint32_t k = 0; k < rt->n; k++)
            if (s->at_route[rt->nodes[k]] != r || s->at_pos[rt->nodes[k]] != k) abort();
    }
    if (cost != s->cost) abort();
    int64_t up = 0, uw = 0;
    for (size_t u = 0; u < m->n_units; u++)
        if (!s->assigned[u]) up += m->units[u].priority, uw += m->units[u].weight;
    if (up != s->unserved_priority || uw != s->unserved_weight) abort();
    for (size_t u = 0; u < m->n_units; u++)
        if (s->assigned[u] != (s->at_route[m->units[u].first] != SOLVER_NONE)) abort();
}
#define CONSISTENT(m, s) sol_consistent(m, s)
#else
#define CONSISTENT(m, s) ((void)0)
#endif

static bool fail_nomem(worker *w) {
    w->status = LM_NOMEM;
    return false;
}

/* One cycle of ruin and recreate. cur and tmp are equal on entry and on exit: an iteration
 * changes tmp, then either cur takes tmp's touched routes (accepted) or tmp takes them back. */
/* Starts an anneal from the best solution. A search runs one: an iteration-budgeted anneal
 * lasts the whole budget and a time-limited one the whole time (progress); the re-heat to a
 * quarter of T0 only serves a restart, which run_epoch no longer needs. */
static void anneal_start(worker *w) {
    const shared *sh = w->sh;
    double unit = mean_cost_per_task(sh->m, &w->best);
    double reheat = w->iters == 0 ? 1.0 : 0.25;
    w->anneal_start = w->iters;
    w->anneal_len = sh->budget;
    w->anneal_t0_ns = solver__now_ns(sh->m);
    w->t0 = sh->prm->t0 * unit * reheat;
    w->tf = sh->prm->tf * unit;
    if (w->tf > w->t0) w->tf = w->t0;
    w->log_ratio = solver__det_log(w->tf / w->t0);
    w->last_ls = w->iters;
}

static bool run_epoch(worker *w, uint64_t len) {
    shared *sh = w->sh;
    const solver__model *m = sh->m;
    if (solver__sol_copy(&w->tmp, &w->cur) != LM_OK) return fail_nomem(w);
    for (uint64_t e = 0; e < len; e++) {
        if (out_of_time(w)) return false;
        if (sh->patience && w->iters - w->last_gain >= sh->patience && progress(w) >= 1.0) {
            /* Counted in iterations, not time: a converged run is still reproducible. */
            atomic_store(&sh->converged, true);
            return false;
        }
        if (sh->max_iters && w->iters - w->anneal_start >= w->anneal_len) {
            if (solver__sol_copy(&w->cur, &w->best) != LM_OK ||
                solver__sol_copy(&w->tmp, &w->best) != LM_OK)
                return fail_nomem(w);
            w->pool_mark = 0;
            anneal_start(w);
        }
        atomic_fetch_add_explicit(&sh->iters, 1, memory_order_relaxed);
        uint64_t it = w->iters++;
        double temp = w->t0 * solver__det_exp(progress(w) * w->log_ratio); /* t0 (tf/t0)^f */
        size_t n_removed;
        bool ok = ruin(w, &w->tmp, &n_removed);
        if (ok && w->cur.unserved_weight > 0) {
            /* Units left out earlier get a new chance with every recreate: otherwise a choice
             * of which tasks to serve, once made, could never be revised. */
            n_removed = 0;
            for (uint32_t u = 0; u < m->n_units; u++)
                if (!w->tmp.assigned[u] && !m->units[u].fixed) w->removed[n_removed++] = u;
        }
        if (ok) {
            sort_removed(w, n_removed);
            if (solver__recreate_raw(m, &w->tmp, w->removed, n_removed, sh->prm->blink, &w->rng,
                                     w->scratch) != LM_OK)
                return fail_nomem(w);
            /* tmp is cur but for its touched routes and the units removed: O(those), not
             * O(fleet + units) (a free fleet has as many routes as customers) */
            solver__sol_totals_from(m, &w->tmp, &w->cur, w->removed, n_removed);
            ok = accept(w, temp);
        }
        if (!ok) {
            if (solver__sol_sync(&w->tmp, &w->cur, &w->tmp) != LM_OK) return fail_nomem(w);
            CONSISTENT(m, &w->tmp);
            continue;
        }
        bool new_best = solver__sol_compare(&w->tmp, &w->best) < 0;
        if (new_best && (m->n_units <= 300 || it >= w->last_ls + m->n_units)) {
            /* A full local search costs O(n k) simulations: on big instances only now and then. */
            local_search(w, &w->tmp, false);
            w->last_ls = it;
        }
        bool pooled = false;
        if (sh->o->use_set_partitioning && w->id == 0 &&
            (double)w->tmp.cost <= 1.02 * (double)w->best.cost &&
            w->tmp.unserved_weight <= w->best.unserved_weight)
            /* cur's routes in the pool already: only tmp's changed ones can be new */
            pooled = w->pool_mark
                         ? solver__pool_add_touched(m, &sh->pool, &w->tmp, w->pool_mark - 1,
                                                    w->scratch, m->n_nodes + 8)
                         : solver__pool_add_sol(m, &sh->pool, &w->tmp, false);
        w->pool_mark = pooled ? sh->pool.clears + 1 : 0;
        if (solver__sol_sync(&w->cur, &w->tmp, &w->tmp) != LM_OK) return fail_nomem(w);
        CONSISTENT(m, &w->cur);
        CONSISTENT(m, &w->tmp);
        if (new_best) {
            w->last_gain = w->iters;
            if (solver__sol_copy(&w->best, &w->cur) != LM_OK) return fail_nomem(w);
            publish(w);
        }
    }
    return true;
}

/* Recombines the pool's routes with GLPK; adopts the result into w->best if it is better. */
static void set_partition(worker *w, solver__sp_limit lim) {
    shared *sh = w->sh;
    const solver__model *m = sh->m;
    solver__pool *pl = &sh->pool;
    if (lim.nodes == 0 && lim.ms < 20) return;
    solver__pool_add_sol(m, pl, &w->best, true);
    if (pl->n == 0) return;
    size_t *inc = lm_calloc(pl->n + 1, sizeof *inc), *chosen = lm_calloc(pl->n + 1, sizeof *chosen);
    solver__seq *seqs = lm_calloc(pl->n + 1, sizeof *seqs);
    solver__sol cand;
    memset(&cand, 0, sizeof cand);
    if (!inc || !chosen || !seqs) goto done;
    /* The incumbent: the pool entries of w->best's routes (pool_add put them there, possibly
     * under another vehicle of the same class). */
    size_t n_inc = 0;
    for (size_t r = 0; r < w->best.n_routes; r++) {
        const solver__route *rt = &w->best.routes[r];
        if (rt->n == 0) continue;
        for (size_t i = pl->n; i-- > 0;) {
            const solver__seq *q = &pl->seqs[i];
            if (m->vclass[q->vehicle] != m->vclass[rt->vehicle] || q->n_tasks != rt->n) continue;
            bool same = true;
            for (uint32_t k = 0; k < rt->n && same; k++) {
                solver_task_ref x = solver__node_ref(m, rt->nodes[k]);
                same = q->tasks[k].type == x.type && q->tasks[k].index == x.index;
            }
            if (same) {
                inc[n_inc++] = i;
                break;
            }
        }
    }
    size_t n_used = 0;
    for (size_t r = 0; r < w->best.n_routes; r++)
        n_used += w->best.routes[r].n > 0;
    if (n_inc != n_used) goto done; /* no full incumbent: nothing safe to start from */
    size_t n_chosen = 0;
    bool proven = false;
    lm_status st = solver__set_partition_ex(m->p, pl->seqs, pl->n, inc, n_inc, lim, chosen,
                                            &n_chosen, &proven);
    if (st != LM_OK && st != LM_TIMEOUT) goto done;
    for (size_t i = 0; i < n_chosen; i++)
        seqs[i] = pl->seqs[chosen[i]];
    if (solver__assign_class_vehicles(m->p, seqs, n_chosen) != LM_OK) goto done;
    if (solver__sol_init(m, &cand) != LM_OK) goto done;
    for (size_t i = 0; i < n_chosen; i++) {
        solver__route *rt = &cand.routes[seqs[i].vehicle];
        uint32_t *nodes = w->scratch;
        size_t n = 0;
        for (size_t k = 0; k < seqs[i].n_tasks; k++) {
            solver_task_ref r = seqs[i].tasks[k];
            if (k < rt->n_fixed) {
                nodes[n] = rt->nodes[n];
                n++;
                continue;
            }
            uint32_t nj = (uint32_t)m->p->n_jobs;
            nodes[n++] = r.type == SOLVER_STEP_JOB      ? r.index
                         : r.type == SOLVER_STEP_PICKUP ? nj + 2 * r.index
                                                        : nj + 2 * r.index + 1;
        }
        if (!solver__sol_set_route(m, &cand, seqs[i].vehicle, nodes, n)) goto done;
        for (size_t k = 0; k < n; k++)
            if (m->nodes[nodes[k]].unit != SOLVER_NONE) cand.assigned[m->nodes[nodes[k]].unit] = 1;
    }
    solver__sol_totals(m, &cand);
#ifdef LM_SEARCH_TRACE
    fprintf(stderr, "sp: pool %zu, chosen %zu, cost %lld vs best %lld (unserved %lld vs %lld)\n",
            pl->n, n_chosen, (long long)cand.cost, (long long)w->best.cost,
            (long long)cand.unserved_weight, (long long)w->best.unserved_weight);
#endif
    if (solver__sol_compare(&cand, &w->best) < 0) {
        if (solver__sol_copy(&w->best, &cand) == LM_OK) publish(w);
    }
done:
    solver__sol_free(&cand);
    lm_free(inc);
    lm_free(chosen);
    lm_free(seqs);
}

/* Checkpoint between cycles: every worker adopts the best of all (lowest index on ties). */
static void sync_best(worker *w, bool *stop) {
    shared *sh = w->sh;
    w->want_stop = *stop;
    if (sh->n_workers == 1) {
        *stop = *stop || atomic_load(&sh->stop);
        return;
    }
    pthread_barrier_wait(&sh->barrier);
    if (w->id == 0) {
        /* One decision for all, taken here between barriers, so that every worker leaves (or
         * stays) together. */
        int win = 0;
        bool all_stop = atomic_load(&sh->stop);
        for (unsigned i = 0; i < sh->n_workers; i++) {
            all_stop = all_stop || sh->workers[i].want_stop;
            if (solver__sol_compare(&sh->workers[i].best, &sh->workers[win].best) < 0) win = (int)i;
        }
        sh->winner = win;
        sh->all_stop = all_stop;
    }
    pthread_barrier_wait(&sh->barrier);
    if ((int)w->id != sh->winner &&
        solver__sol_compare(&sh->workers[sh->winner].best, &w->best) < 0) {
        /* Behind the leader: continue from its best (news to this worker's patience too). */
        w->last_gain = w->iters;
        w->pool_mark = 0;
        if (solver__sol_copy(&w->best, &sh->workers[sh->winner].best) != LM_OK ||
            solver__sol_copy(&w->cur, &w->best) != LM_OK)
            w->status = LM_NOMEM;
    }
    *stop = sh->all_stop;
    pthread_barrier_wait(&sh->barrier);
}

/* GLPK's share of the search. Iteration-budgeted runs give it branch-and-cut nodes instead of
 * milliseconds, so that its answers, too, are the same on any machine. The counts are fixed, not
 * tuned against what the time-limited runs get. */
#define SP_NODES_MID   200
#define SP_NODES_FINAL 1000

static solver__sp_limit sp_limit(const shared *sh, bool final) {
    if (sh->max_iters && !atomic_load(&sh->cut))
        return (solver__sp_limit){.nodes = final ? SP_NODES_FINAL : SP_NODES_MID};
    if (final) { /* the final recombination gets the time kept aside for it */
        int64_t b = (sh->deadline_ns - solver__now_ns(sh->m)) / 1000000;
        return (solver__sp_limit){.ms = b > 2000 ? 2000 : b};
    }
    int64_t b = sh->o->time_limit_ms / 20;
    return (solver__sp_limit){.ms = b > 1000 ? 1000 : b};
}

static void *worker_main(void *arg) {
    worker *w = arg;
    shared *sh = w->sh;
    pthread_mutex_lock(&sh->gate_lock);
    while (!sh->gate_open)
        pthread_cond_wait(&sh->gate_cond, &sh->gate_lock);
    pthread_mutex_unlock(&sh->gate_lock);
    /* Epochs of a fixed number of iterations: after each, the searches compare bests (a
     * deterministic checkpoint) and worker 0 may recombine the route pool with GLPK. */
    uint64_t epoch = sh->budget / 16 > 200 ? sh->budget / 16 : 200;
    bool stop = false;
    anneal_start(w);
    for (uint64_t k = 1; !stop; k++) {
        stop = !run_epoch(w, epoch);
        if (w->status != LM_OK) atomic_store(&sh->stop, true);
        if (w->id == 0 && sh->o->use_set_partitioning && (stop || (k % 4 == 0 && sh->mid_sp)))
            set_partition(w, sp_limit(sh, stop));
        sync_best(w, &stop);
    }
    return NULL;
}

/* ---- Output ---- */

static lm_status build_output(const solver__model *m, const solver__sol *s, solver_solution **out,
                              lm_errinfo *err) {
    const solver_problem *p = m->p;
    size_t total = 0;
    for (size_t r = 0; r < s->n_routes; r++)
        total += s->routes[r].n + p->vehicles[s->routes[r].vehicle].pub.n_breaks;
    solver__seq *seqs = lm_calloc(s->n_routes ? s->n_routes : 1, sizeof *seqs);
    solver_task_ref *refs = lm_calloc(total ? total : 1, sizeof *refs);
    lm_status st = LM_NOMEM;
    if (!seqs || !refs) goto done;
    size_t off = 0, n_seqs = 0;
    for (size_t r = 0; r < s->n_routes; r++) {
        const solver__route *rt = &s->routes[r];
        if (rt->n == 0 && p->vehicles[rt->vehicle].pub.n_fixed_steps == 0) continue;
        solver__trace tr = {refs + off, 0};
        int64_t c;
        if (!solver__route_sim(m, rt->vehicle, rt->nodes, rt->n, rt->n_fixed, NULL, &tr, &c)) {
            st = lm_errinfo_set(err, LM_INTERNAL, "routes", "search produced an infeasible route");
            goto done;
        }
        seqs[n_seqs++] = (solver__seq){rt->vehicle, tr.refs, tr.n, c};
        off += tr.n;
    }
    st = solver__solution_build(p, seqs, n_seqs, out, err);
done:
    lm_free(seqs);
    lm_free(refs);
    return st;
}

/* ---- Entry points ---- */

/* Iterations one anneal should last to fill the search time on this machine class, estimated
 * from the problem alone (measured: ~5M / n iterations per second for jobs without breaks). An
 * estimate that is too long only cuts the anneal short; too short starts another one. It depends
 * on the time limit, not on the clock, so the same input and seed give the same search. */
static uint64_t iteration_budget(const solver__model *m, int64_t search_ns) {
    double n = m->n_units > 50 ? (double)m->n_units : 50.0;
    double rate = 4e6 / n;
    for (size_t v = 0; v < m->p->n_vehicles; v++)
        if (m->p->vehicles[v].pub.n_breaks) {
            rate /= 3; /* routes with breaks are simulated */
            break;
        }
    if (m->any_shipment) rate /= 2;
    double b = rate * (double)search_ns / 1e9;
    return b < 1000 ? 1000 : b > 1e12 ? (uint64_t)1e12 : (uint64_t)b;
}

static void worker_free(worker *w) {
    solver__sol_free(&w->cur);
    solver__sol_free(&w->tmp);
    solver__sol_free(&w->best);
    lm_free(w->scratch);
    lm_free(w->removed);
    lm_free(w->ruined);
    lm_free(w->ruined_list);
    lm_free(w->sort_key);
}

static lm_status worker_init(worker *w, shared *sh, unsigned id, const solver__sol *start) {
    const solver__model *m = sh->m;
    memset(w, 0, sizeof *w);
    w->sh = sh;
    w->id = id;
    /* SplitMix-style seed derivation: distinct, never zero. */
    uint64_t z = sh->o->seed + UINT64_C(0x9E3779B97F4A7C15) * (id + 1);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    w->rng.s = (z ^ (z >> 31)) | 1;
    size_t nr = m->p->n_vehicles;
    w->scratch = lm_reallocarray(NULL, m->n_nodes + 8, sizeof *w->scratch);
    w->removed = lm_reallocarray(NULL, m->n_units + 1, sizeof *w->removed);
    w->ruined = lm_calloc(nr + 1, 1);
    w->ruined_list = lm_reallocarray(NULL, nr + 1, sizeof *w->ruined_list);
    w->sort_key = lm_calloc(m->n_units + 1, sizeof *w->sort_key);
    if (!w->scratch || !w->removed || !w->ruined || !w->ruined_list || !w->sort_key)
        return LM_NOMEM;
    if (solver__sol_init(m, &w->cur) != LM_OK || solver__sol_init(m, &w->tmp) != LM_OK ||
        solver__sol_init(m, &w->best) != LM_OK)
        return LM_NOMEM;
    if (solver__sol_copy(&w->cur, start) != LM_OK || solver__sol_copy(&w->best, start) != LM_OK)
        return LM_NOMEM;
    return LM_OK;
}

/* Fixed steps must name tasks the problem has (solver_problem_validate does not look at them). */
static lm_status fixed_steps_check(const solver_problem *p, lm_errinfo *err) {
    for (size_t v = 0; v < p->n_vehicles; v++) {
        const solver__vehicle *veh = &p->vehicles[v];
        for (size_t i = 0; i < veh->pub.n_fixed_steps; i++) {
            const solver_task_ref *r = &veh->fixed_steps[i];
            bool bad = (r->type == SOLVER_STEP_JOB && r->index >= p->n_jobs) ||
                       ((r->type == SOLVER_STEP_PICKUP || r->type == SOLVER_STEP_DELIVERY) &&
                        r->index >= p->n_shipments);
            if (bad)
                return lm_errinfo_set(err, LM_INVALID, "vehicles.steps",
                                      "vehicle %llu has a fixed step with an unknown task",
                                      (unsigned long long)veh->pub.id);
        }
    }
    return LM_OK;
}

/* The start solution: every vehicle's fixed steps (which must be servable as given), the seed
 * routes, then the construction the variant picks. */
static lm_status start_build(solver__model *m, const solver__params *prm, const solver_opts *o,
                             solver__sol *start, size_t *seeds_dropped, lm_errinfo *err) {
    const solver_problem *p = m->p;
    lm_status st = solver__sol_init(m, start);
    if (st != LM_OK) return st;
    for (size_t v = 0; v < p->n_vehicles; v++)
        if (!start->routes[v].feasible)
            return lm_errinfo_set(err, LM_INVALID, "vehicles.steps",
                                  "the fixed steps of vehicle %llu cannot be served as given",
                                  (unsigned long long)p->vehicles[v].pub.id);
    if ((st = solver__sol_seed(m, start, o, seeds_dropped, err)) != LM_OK) return st;
    if (!m->nbr && (st = solver__build_neighbour_rows(m, start)) != LM_OK) return st;
    /* savings builds every route from scratch: with seeds, insertion completes them instead */
    return prm->use_savings && !o->seed_routes
               ? solver__construct_savings(m, start)
               : solver__construct_insertion(m, start, prm->use_regret);
}

static bool any_free_unit(const solver__model *m) {
    for (size_t u = 0; u < m->n_units; u++)
        if (!m->units[u].fixed) return true;
    return false;
}

/* The search's clock (deadlines from t0), iteration budget and route pool; the locks are the
 * caller's. */
static lm_status shared_init(shared *sh, solver__model *m, const solver__params *prm,
                             const solver_opts *o, int64_t t0, unsigned n_workers) {
    sh->m = m;
    sh->prm = prm;
    sh->o = o;
    sh->max_iters = o->iterations;
    sh->t_start_ns = t0;
    sh->deadline_ns = t0 + o->time_limit_ms * 1000000LL;
    sh->search_end_ns = sh->deadline_ns;
    /* Budgeted by iterations, local search runs its rounds out: a clock here would make the
     * answer depend on the machine. */
    m->ls_deadline_ns = sh->max_iters ? INT64_MAX : sh->deadline_ns;
    sh->last_sp_ns = t0;
    if (o->use_set_partitioning) {
        /* Keep a slice of the time for the final recombination (node-budgeted without one). */
        int64_t keep = o->time_limit_ms / 10;
        if (keep > 2000) keep = 2000;
        if (!sh->max_iters) sh->search_end_ns -= keep * 1000000LL;
        lm_status st = solver__pool_init(&sh->pool, m->p->n_vehicles);
        if (st != LM_OK) return st;
        /* A recombination during a search only changes its best, which the final one (over the
         * same routes and more) can find again; with one thread it does not steer the search
         * (no other worker adopts the best), so a time-limited single search only recombines
         * at its end: measured on X (perf-solver.md, round 3), GLPK took 25-37 % of the CPU of
         * a 10 s solve and never improved the best during it. Iteration-budgeted runs keep their
         * node-budgeted recombinations (their answers stay those of earlier builds). */
        sh->mid_sp = sh->max_iters || n_workers > 1;
        sh->pool.recycle = !sh->mid_sp;
    }
    sh->budget = sh->max_iters ? sh->max_iters : iteration_budget(m, sh->search_end_ns - t0);
    sh->n_workers = n_workers;
    sh->patience =
        !sh->max_iters && o->stop_when_converged ? solver_patience((size_t)m->total_weight) : 0;
    sh->cool_iters = sh->patience * COOL_PATIENCES;
    sh->best_cost = -1;
    atomic_init(&sh->stop, false);
    atomic_init(&sh->cut, false);
    atomic_init(&sh->converged, false);
    atomic_init(&sh->iters, 0);
    return LM_OK;
}

/* Polishes the start with worker 0, leaving most of the time to the search itself, and hands
 * the result to every worker. */
static lm_status start_polish(shared *sh, solver__model *m, worker *ws, unsigned n_workers,
                              bool polish) {
    lm_status st;
    int64_t ls_deadline = m->ls_deadline_ns;
    if (!sh->max_iters)
        m->ls_deadline_ns = sh->t_start_ns + (sh->search_end_ns - sh->t_start_ns) / 4;
    if (polish) local_search(&ws[0], &ws[0].best, true);
    m->ls_deadline_ns = ls_deadline;
    for (unsigned i = 0; i < n_workers; i++) {
        if ((st = solver__sol_copy(&ws[i].best, &ws[0].best)) != LM_OK) return st;
        if ((st = solver__sol_copy(&ws[i].cur, &ws[0].best)) != LM_OK) return st;
    }
    publish(&ws[0]);
    return LM_OK;
}

/* Runs worker 0 on this thread and the others on threads of their own until the search ends;
 * returns how many ran (threads that could not be started are left out). */
static unsigned workers_run(shared *sh, worker *ws, unsigned n_workers) {
    pthread_t tids[64];
    unsigned started = 1;
    /* Workers wait at the gate until we know how many threads really started: the barrier
     * counts only those. */
    pthread_mutex_lock(&sh->gate_lock);
    for (unsigned i = 1; i < n_workers; i++) {
        if (pthread_create(&tids[i], NULL, worker_main, &ws[i]) != 0) break;
        started++;
    }
    sh->n_workers = started;
    pthread_barrier_init(&sh->barrier, NULL, started);
    sh->gate_open = true;
    pthread_cond_broadcast(&sh->gate_cond);
    pthread_mutex_unlock(&sh->gate_lock);
    worker_main(&ws[0]);
    for (unsigned i = 1; i < started; i++)
        pthread_join(tids[i], NULL);
    pthread_barrier_destroy(&sh->barrier);
    return started;
}

lm_status solver_solve(const solver_problem *p, const solver_opts *o, solver_solution **out,
                       lm_errinfo *err) {
    solver_opts def;
    if (!o) {
        solver_opts_init(&def);
        o = &def;
    }
    int64_t t0 = lm_mono_ns();
    /* The search's clock starts with the call, setup included (solver_opts.cpu_time). */
    unsigned n_workers = o->threads ? o->threads : 1;
    bool cpu_clock = o->cpu_time && n_workers == 1;
    int64_t clock0 = cpu_clock ? solver__thread_cpu_ns() : t0;
    if (p->n == 0) return lm_errinfo_set(err, LM_INVALID, "matrices", "no matrix was set");
    if (o->time_limit_ms <= 0)
        return lm_errinfo_set(err, LM_INVALID, "time_limit", "must be positive");
    lm_status vst = solver_problem_validate(p, err);
    if (vst != LM_OK) return vst;
    if ((vst = fixed_steps_check(p, err)) != LM_OK) return vst;
    solver__model *m = NULL;
    solver__params prm;
    shared sh;
    memset(&sh, 0, sizeof sh);
    worker *ws = NULL;
    solver__sol start;
    memset(&start, 0, sizeof start);
    if (n_workers > 64) n_workers = 64;
    /* a seeded repair answered as constructed reads neighbours only for what it inserts */
    bool repair = o->stop_at_feasible && o->start_unpolished && o->seed_routes;
    lm_status st = solver__model_create_nbr(p, repair, &m);
    if (st != LM_OK) return st;
    m->cpu_clock = cpu_clock;
    if (p->n_vehicles == 0) {
        solver__sol empty;
        st = solver__sol_init(m, &empty);
        if (st == LM_OK) st = build_output(m, &empty, out, err);
        if (st == LM_OK) (*out)->reproducible = (*out)->searched = true;
        solver__sol_free(&empty);
        solver__model_destroy(m);
        return st;
    }
    solver__variant_params(m, &prm);
    m->granular_routes = prm.granular_routes;
    size_t seeds_dropped = 0;
    if ((st = start_build(m, &prm, o, &start, &seeds_dropped, err)) != LM_OK) goto done;
    if (!any_free_unit(m)) { /* nothing to move (no tasks, or all fixed): the start is the answer */
        st = build_output(m, &start, out, err);
        if (st == LM_OK) {
            (*out)->seeds_dropped = seeds_dropped;
            (*out)->computing_ms = (lm_mono_ns() - t0) / 1000000;
            (*out)->reproducible = (*out)->searched = true; /* nothing to search: no clock */
        }
        goto done;
    }
    if ((st = shared_init(&sh, m, &prm, o, clock0, n_workers)) != LM_OK) goto done;
    pthread_mutex_init(&sh.lock, NULL);
    pthread_mutex_init(&sh.gate_lock, NULL);
    pthread_cond_init(&sh.gate_cond, NULL);
    ws = lm_calloc(n_workers, sizeof *ws);
    if (!ws) {
        st = LM_NOMEM;
        goto destroy_sync;
    }
    sh.workers = ws;
    for (unsigned i = 0; i < n_workers; i++)
        if ((st = worker_init(&ws[i], &sh, i, &start)) != LM_OK) goto destroy_sync;
    if ((st = start_polish(&sh, m, ws, n_workers, !(o->stop_at_feasible && o->start_unpolished))) !=
        LM_OK)
        goto destroy_sync;
    /* Asked for the first feasible answer: the polished start is one (the search only ever
     * holds feasible solutions); tasks it leaves out are left for a searching solve. */
    bool done_at_start = o->stop_at_feasible;
    unsigned started = done_at_start ? 1 : workers_run(&sh, ws, n_workers);
    {
        int win = 0;
        for (unsigned i = 0; i < started; i++) {
            if (ws[i].status != LM_OK) st = ws[i].status;
            if (solver__sol_compare(&ws[i].best, &ws[win].best) < 0) win = (int)i;
        }
        if (st == LM_OK) st = build_output(m, &ws[win].best, out, err);
    }
    if (st == LM_OK) {
        (*out)->computing_ms = (lm_mono_ns() - t0) / 1000000;
        (*out)->seeds_dropped = seeds_dropped;
        (*out)->searched = true;
        (*out)->iterations = ws[0].iters;
        (*out)->reproducible = sh.max_iters && !atomic_load(&sh.cut);
        (*out)->stop = o->cancel && atomic_load(o->cancel)     ? SOLVER_STOP_CANCELLED
                       : atomic_load(&sh.converged)            ? SOLVER_STOP_CONVERGED
                       : sh.max_iters && !atomic_load(&sh.cut) ? SOLVER_STOP_ITERATIONS
                                                               : SOLVER_STOP_TIME_LIMIT;
#ifndef NDEBUG
        solver_check_report rep;
        if (solver_check(p, *out, &rep) != LM_OK) {
            lm_errinfo_set(err, LM_INTERNAL, "solution", "checker rejected the solution: %s",
                           rep.first);
            abort();
        }
#endif
    }
destroy_sync:
    for (unsigned i = 0; ws && i < n_workers; i++)
        worker_free(&ws[i]);
    lm_free(ws);
    pthread_mutex_destroy(&sh.lock);
    pthread_mutex_destroy(&sh.gate_lock);
    pthread_cond_destroy(&sh.gate_cond);
done:
    solver__pool_free(&sh.pool);
    solver__sol_free(&start);
    solver__model_destroy(m);
    return st;
}
