/* dispatch/slots.c: whether the planner has room for one more delivery in a window: the customer's
 * self-service offers only the windows this check accepts (docs/workflows.md). A candidate's day
 * is planned as the day's plan would be (the active vehicles with a driver, the orders of the same
 * depot already waiting for that day), once per day; a window has room when the order can be put
 * into one of that plan's routes (or an idle van's) in that window with every constraint kept,
 * as the solver's evaluator and checker judge it. */
#include "dispatch/internal.h"

#include <inttypes.h>
#include <string.h>

/* ruin-and-recreate iterations per candidate: a day of a few hundred stops in well under a second
 */
#define SLOT_ITERATIONS 200

/* An order competing for the same day, copied once for every candidate. */
typedef struct slot_order {
    int64_t id;
    geo_point at;
    store_window w[STORE_WINDOWS_MAX];
    size_t n_w;
    int64_t amount[DISPATCH__DIMS];
    uint32_t priority;
} slot_order;

typedef struct slot_ctx {
    const char *depot;
    int64_t self;
    slot_order *list;
    size_t n, cap;
} slot_ctx;

static void slot_order_fill(slot_order *so, const store_order *o) {
    memset(so, 0, sizeof *so);
    so->id = o->id;
    so->at = (geo_point){o->lat, o->lon};
    so->n_w = o->n_windows;
    memcpy(so->w, o->windows, o->n_windows * sizeof o->windows[0]);
    /* measured once packed; until then what the catalogue says the lines weigh */
    so->amount[0] = o->pkg_weight_g > 0 ? o->pkg_weight_g : o->weight_g;
    so->amount[1] = o->pkg_volume_cm3 > 0 ? o->pkg_volume_cm3 : o->volume_cm3;
    so->amount[2] = o->pkg_parcels > 0 ? o->pkg_parcels : 1;
    so->priority = o->priority > 0 ? (uint32_t)o->priority : 0;
}

static lm_status collect(void *ctx, const store_order *o) {
    slot_ctx *c = ctx;
    if (o->id == c->self || !o->has_location || strcmp(o->depot_id, c->depot)) return LM_OK;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        slot_order *p = lm_reallocarray(c->list, nc, sizeof *p);
        if (!p) return LM_NOMEM;
        c->list = p;
        c->cap = nc;
    }
    slot_order_fill(&c->list[c->n++], o);
    return LM_OK;
}

static bool overlaps_day(const slot_order *o, int64_t day) {
    for (size_t i = 0; i < o->n_w; i++)
        if (o->w[i].start_s < day + 86400 && o->w[i].end_s > day) return true;
    return false;
}

static lm_status task_add(dispatch *d, dispatch__model *m, const slot_order *o, uint32_t skill) {
    dispatch__task *t = NULL;
    lm_status rc = dispatch__model_add_task(m, &t);
    if (rc != LM_OK) return rc;
    t->order_id = o->id;
    t->at = o->at;
    t->n_tws = o->n_w;
    for (size_t i = 0; i < o->n_w; i++)
        t->tws[i] = (solver_tw){o->w[i].start_s, o->w[i].end_s};
    t->service_s = d->o.default_service_s;
    memcpy(t->amount, o->amount, sizeof t->amount);
    t->priority = o->priority;
    t->skill = skill;
    return LM_OK;
}

/* The model of day: the fleet, then the competitors of that day, then (when self is given) one
 * copy of self per window in w[0..n_w): the competitors' solver indices are the same with and
 * without the copies. *skill_ok false when no van starts at the order's depot. */
static lm_status day_model(dispatch *d, store_read *r, const slot_ctx *c, int64_t day,
                           const slot_order *self, const dispatch_slot *w, size_t n_w,
                           dispatch__model *m, bool *skill_ok, lm_errinfo *err) {
    char depots[64][DISPATCH_ID_MAX + 1];
    size_t n_depots = 0;
    dispatch_plan_req req = {0};
    lm_status rc = dispatch__fleet_load(r, &req, day, m, depots, &n_depots, 64, err);
    uint32_t skill = SOLVER_NONE;
    for (size_t i = 0; i < n_depots; i++)
        if (!strcmp(depots[i], c->depot)) skill = (uint32_t)i + 1;
    *skill_ok = rc == LM_OK && skill != SOLVER_NONE && m->n_veh > 0;
    if (!*skill_ok) return rc;
    for (size_t i = 0; i < c->n && rc == LM_OK; i++)
        if (overlaps_day(&c->list[i], day)) rc = task_add(d, m, &c->list[i], skill);
    for (size_t k = 0; self && k < n_w && rc == LM_OK; k++) {
        slot_order me = *self;
        me.w[0] = (store_window){w[k].start_s, w[k].end_s};
        me.n_w = 1;
        rc = task_add(d, m, &me, skill);
    }
    if (rc == LM_OK && m->n_tasks) rc = dispatch__model_problem(d, m, err);
    return rc;
}

/* Whether job `copy` of m fits into vehicle v's route of base (m0's solution; NULL = empty) at
 * some position, the route's breaks kept after its tasks for the evaluator to place. */
static bool fits(const dispatch__model *m0, const solver_solution *base, const dispatch__model *m,
                 uint32_t v, uint32_t copy) {
    const solver_route *rt = NULL;
    for (size_t i = 0; base && i < base->n_routes; i++)
        if (base->routes[i].vehicle == v) rt = &base->routes[i];
    size_t n_tasks = 0;
    for (size_t i = 0; rt && i < rt->n_steps; i++)
        n_tasks += rt->steps[i].type == SOLVER_STEP_JOB;
    size_t n_breaks = m->veh[v].n_breaks, len = n_tasks + 1 + n_breaks;
    solver_task_ref *seq = lm_calloc(len, sizeof *seq);
    if (!seq) return false;
    bool ok = false;
    for (size_t pos = 0; pos <= n_tasks && !ok; pos++) {
        size_t k = 0, t = 0;
        for (size_t i = 0; rt && i < rt->n_steps; i++) {
            if (rt->steps[i].type != SOLVER_STEP_JOB) continue;
            if (t++ == pos) seq[k++] = (solver_task_ref){SOLVER_STEP_JOB, copy};
            int task = dispatch__model_task_of(m0, &rt->steps[i]);
            seq[k++] = (solver_task_ref){SOLVER_STEP_JOB, m->tasks[task].index};
        }
        if (t == pos) seq[k++] = (solver_task_ref){SOLVER_STEP_JOB, copy};
        for (size_t b = 0; b < n_breaks; b++)
            seq[k++] = (solver_task_ref){SOLVER_STEP_BREAK, (uint32_t)b};
        const solver_task_ref *routes[1] = {seq};
        solver_solution *sol = NULL;
        lm_errinfo e = {0};
        solver_check_report rep;
        if (solver_evaluate(m->problem, routes, &k, &v, 1, &sol, &e) == LM_OK)
            ok = solver_check(m->problem, sol, &rep) == LM_OK;
        solver_solution_destroy(sol);
    }
    lm_free(seq);
    return ok;
}

/* The candidates w[0..n) of one day: the day's competitors planned once (a day that already
 * leaves one of them out has no room), then each window where self can be inserted into a
 * van's route of that plan without breaking a constraint. */
static lm_status check_day(dispatch *d, store_read *r, const slot_ctx *c, const slot_order *self,
                           int64_t day, dispatch_slot *w, size_t n, lm_errinfo *err) {
    dispatch__model m0 = {0}, m = {0};
    solver_solution *base = NULL;
    bool skill_ok = false;
    lm_status rc = day_model(d, r, c, day, NULL, NULL, 0, &m0, &skill_ok, err);
    if (rc != LM_OK || !skill_ok) goto done; /* no van from the depot: no room */
    if (m0.n_tasks) {
        solver_opts so;
        solver_opts_init(&so);
        /* a fixed budget: the same answer for the same day, a bounded cost per request */
        so.iterations = SLOT_ITERATIONS;
        so.time_limit_ms = 5000;
        so.use_set_partitioning = false;
        so.cancel = &d->cancel;
        if ((rc = solver_solve(m0.problem, &so, &base, err)) != LM_OK) goto done;
        if (base->n_unassigned) goto done; /* the day is full already */
    }
    if ((rc = day_model(d, r, c, day, self, w, n, &m, &skill_ok, err)) != LM_OK) goto done;
    for (size_t k = 0; k < n; k++) {
        uint32_t copy = m.tasks[m0.n_tasks + k].index;
        for (uint32_t v = 0; v < m.n_veh && !w[k].room; v++)
            w[k].room = fits(&m0, base, &m, v, copy);
    }
done:
    solver_solution_destroy(base);
    dispatch__model_free(&m0);
    dispatch__model_free(&m);
    return rc;
}

lm_status dispatch_slots_check(dispatch *d, int64_t order_id, dispatch_slot *slots, size_t n,
                               lm_errinfo *err) {
    store_read *r = NULL;
    store_order o = {0};
    slot_ctx c = {.self = order_id};
    lm_status rc = store_read_begin(d->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    if ((rc = store_order_get(r, order_id, &o, err)) != LM_OK) goto done;
    c.depot = o.depot_id;
    for (size_t i = 0; i < n; i++)
        slots[i].room = false;
    if (!o.has_location || !o.depot_id[0]) goto done; /* nothing the planner could place */
    static const char *const waiting[] = {"allocated", "picking", "ready", "planned"};
    for (size_t i = 0; i < 4 && rc == LM_OK; i++)
        rc = dispatch__orders_each(r, waiting[i], collect, &c, err);
    slot_order self;
    slot_order_fill(&self, &o);
    /* candidates of one day together: one plan of the day, then an insertion check each */
    for (size_t i = 0; i < n && rc == LM_OK;) {
        int64_t day = dispatch__day_start(d, slots[i].start_s);
        size_t k = i + 1;
        while (k < n && dispatch__day_start(d, slots[k].start_s) == day)
            k++;
        rc = check_day(d, r, &c, &self, day, &slots[i], k - i, err);
        i = k;
    }
done:
    store_order_clear(&o);
    store_read_end(r);
    lm_free(c.list);
    return rc;
}
