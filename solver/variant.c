/* The one place that decides which variant a problem is (CVRP / VRPTW / pickup-and-delivery) and
 * which construction and search parameters follow from it. */
#include "solver/route.h"

static bool has_time_constraints(const solver__model *m) {
    const solver_problem *p = m->p;
    if (m->any_tw || m->any_setup) return true;
    for (size_t v = 0; v < p->n_vehicles; v++) {
        const solver_vehicle *pv = &p->vehicles[v].pub;
        if (pv->n_breaks || pv->max_travel_time_s || pv->shift.start_s != 0 ||
            pv->shift.end_s != SOLVER_TIME_INF)
            return true;
    }
    return false;
}

void solver__variant_params(const solver__model *m, solver__params *out) {
    solver__params *o = out;
    if (m->any_shipment)
        o->variant = SOLVER__PDP;
    else if (has_time_constraints(m))
        o->variant = SOLVER__VRPTW;
    else
        o->variant = SOLVER__CVRP;
    /* SISR defaults (Christiaens & Vanden Berghe 2020): c-bar 10, L_max 10, blink 0.01. The
     * temperatures are relative to the mean cost per served task so that any cost scale works. */
    o->avg_removed = 10;
    o->max_string = 10;
    o->blink = 0.01;
    o->granular_routes = 12;
    o->t0 = 3; /* measured on X n101-n303 at a fixed iteration budget: 0.3 .. 10 tried */
    o->tf = 0.03;
    o->use_regret = true;
    o->use_savings = false;
    switch (o->variant) {
    case SOLVER__CVRP: o->use_savings = m->p->n_vehicles > 0 && !solver__mixed_fleet(m); break;
    case SOLVER__VRPTW:
    case SOLVER__PDP:
        /* Windows make the landscape rugged: measured on Solomon at a fixed iteration budget, a
         * hotter start (10x the mean cost per task, cooling 100-fold) beats the CVRP setting. */
        o->t0 = 10;
        o->tf = 0.1;
        /* With windows the best gap is often not next to a near neighbour: stay exhaustive
         * longer (Solomon R1/RC1 at equal iterations: 1.27% against 1.67% with 12). */
        o->granular_routes = 30;
        break;
    }
    if (solver__mixed_fleet(m)) solver__mixed_fleet_params(m, o);
}
