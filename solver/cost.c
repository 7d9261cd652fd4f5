/* The route cost lastmile reports, defined as VROOM 1.14 reports it, so that a client comparing
 * the two servers' `cost` compares like with like. */
#include "solver/internal.h"

/* VROOM solves with time windows (any task or vehicle window, any break) on one code path and
 * without them on another, and the two round the travel cost differently: to nearest
 * (utils::round in CostWrapper::user_cost_from_user_metrics) versus down (scale_to_user_cost of
 * the exact internal sum). */
static bool vroom_has_tw(const solver_problem *p) {
    for (size_t j = 0; j < p->n_jobs; j++)
        if (p->jobs[j].tws.n) return true;
    for (size_t s = 0; s < p->n_shipments; s++)
        if (p->shipments[s].pickup_tws.n || p->shipments[s].delivery_tws.n) return true;
    for (size_t v = 0; v < p->n_vehicles; v++) {
        const solver_vehicle *pv = &p->vehicles[v].pub;
        if (pv->n_breaks || pv->shift.start_s != 0 || pv->shift.end_s != SOLVER_TIME_INF)
            return true;
    }
    return false;
}

int64_t solver__route_user_cost(const solver_problem *p, const solver__vehicle *v, int64_t travel_s,
                                int64_t distance_m, int64_t matrix_cost, int64_t task_s) {
    const solver_vehicle *pv = &v->pub;
    int64_t travel;
    if (p->costs) {
        travel = matrix_cost;
    } else {
        /* per_hour x h + per_km x km, in 1/36000ths: exact in integers. */
        int64_t num = pv->cost_per_hour * travel_s * 10 + pv->cost_per_km * distance_m * 36;
        travel = vroom_has_tw(p) ? (num + SOLVER__COST_UNIT / 2) / SOLVER__COST_UNIT
                                 : num / SOLVER__COST_UNIT;
    }
    return pv->cost_fixed + travel + pv->cost_per_task_hour * task_s / 3600;
}
