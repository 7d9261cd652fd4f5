/* Mixed fleets (vehicle types of different capacities and costs): how the search treats them
 * differently from a fleet of one type. */
#include "solver/route.h"

bool solver__mixed_fleet(const solver__model *m) {
    const solver_problem *p = m->p;
    const solver_vehicle *a = &p->vehicles[0].pub;
    for (size_t v = 1; v < p->n_vehicles; v++) {
        const solver_vehicle *b = &p->vehicles[v].pub;
        if (a->capacity[0] != b->capacity[0] || a->cost_fixed != b->cost_fixed ||
            a->cost_per_hour != b->cost_per_hour || a->cost_per_km != b->cost_per_km ||
            a->cost_per_task_hour != b->cost_per_task_hour)
            return true;
    }
    return false;
}

/* Do the types differ in what a kilometre or an hour costs? */
static bool variable_costs_differ(const solver_problem *p) {
    const solver_vehicle *a = &p->vehicles[0].pub;
    for (size_t v = 1; v < p->n_vehicles; v++) {
        const solver_vehicle *b = &p->vehicles[v].pub;
        if (a->cost_per_km != b->cost_per_km || a->cost_per_hour != b->cost_per_hour) return true;
    }
    return false;
}

/* A free choice of vehicle types (fleet size and mix: the vehicles hold at least twice the
 * demand) whose types differ in per-km or per-hour cost anneals 30 times cooler than one type
 * does. The hot start that suits a single type (3 x the mean cost per task) kept accepting moves
 * onto bigger, costlier vehicles, and the search ended on fleets of too few, too big ones:
 * PyVRP's FSMD/FSMFD instances at 20,000 iterations, seed 1 (X106, X129, X153, X162, X176, X209,
 * X228), mean gap to the best-known solutions with T0 = 0.3, 0.1, 0.03 x the mean cost per task:
 * 2.76, 2.61, 2.95 % (T0 = 3: X129 6.18, X162 9.95, X209 4.96, X228 7.56 %). Where the types
 * differ only in fixed cost and capacity (FSMF) the hot start is better (X120, X143, X167, X237:
 * 1.16 % mean at 3 against 3.59 % at 0.1), and so it is for a tight fleet (HD, HVRP: capacity
 * about the demand; X139-HD 4.26 % at 3 against 11.70 % at 0.1, 10,000 iterations). */
void solver__mixed_fleet_params(const solver__model *m, solver__params *o) {
    if (o->variant != SOLVER__CVRP || !m->spare_fleet || !variable_costs_differ(m->p)) return;
    o->t0 = 0.1;
    o->tf = 0.001;
}
