/* dispatch/slots.c: whether the planner has room for one more delivery in a window: the customer's
 * self-service offers only the windows this check accepts (docs/workflows.md). Each candidate is
 * planned as the day's plan would be: the active vehicles with a driver, the orders of the same
 * depot already waiting for that day, and this order in the candidate window. */
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

/* Plans the day of w with the competitors and self in w: *room when every task is served. */
static lm_status check_one(dispatch *d, store_read *r, const slot_ctx *c, const slot_order *self,
                           store_window w, bool *room, lm_errinfo *err) {
    dispatch__model m = {0};
    solver_solution *sol = NULL;
    char depots[64][DISPATCH_ID_MAX + 1];
    size_t n_depots = 0;
    int64_t day = dispatch__day_start(d, w.start_s);
    dispatch_plan_req req = {0};
    *room = false;
    lm_status rc = dispatch__fleet_load(r, &req, day, &m, depots, &n_depots, 64, err);
    uint32_t skill = SOLVER_NONE;
    for (size_t i = 0; i < n_depots; i++)
        if (!strcmp(depots[i], c->depot)) skill = (uint32_t)i + 1;
    if (rc != LM_OK || skill == SOLVER_NONE || m.n_veh == 0) goto done; /* no van: no room */
    slot_order me = *self;
    me.w[0] = w;
    me.n_w = 1;
    if ((rc = task_add(d, &m, &me, skill)) != LM_OK) goto done;
    for (size_t i = 0; i < c->n && rc == LM_OK; i++)
        if (overlaps_day(&c->list[i], day)) rc = task_add(d, &m, &c->list[i], skill);
    if (rc != LM_OK || (rc = dispatch__model_problem(d, &m, err)) != LM_OK) goto done;
    solver_opts so;
    solver_opts_init(&so);
    /* a fixed budget: the same answer for the same day, and a bounded cost per candidate */
    so.iterations = SLOT_ITERATIONS;
    so.time_limit_ms = 2000;
    so.use_set_partitioning = false;
    so.cancel = &d->cancel;
    if ((rc = solver_solve(m.problem, &so, &sol, err)) != LM_OK) goto done;
    *room = sol->n_unassigned == 0;
done:
    solver_solution_destroy(sol);
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
    for (size_t i = 0; i < n && rc == LM_OK; i++)
        rc = check_one(d, r, &c, &self, (store_window){slots[i].start_s, slots[i].end_s},
                       &slots[i].room, err);
done:
    store_order_clear(&o);
    store_read_end(r);
    lm_free(c.list);
    return rc;
}
