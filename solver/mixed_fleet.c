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

/* A free choice of vehicle types (fleet size and mix: the vehicles hold at least twice the
 * demand) anneals 30 times cooler than one type does. The hot start that suits a single type
 * (3 x the mean cost per task) kept accepting moves onto bigger, costlier vehicles, and the
 * search ended on fleets of too few, too big ones: PyVRP's FSM instances at 20,000 iterations,
 * seed 1 (X106, X129, X153, X162, X176, X209, X228), mean gap to the best-known solutions with
 * T0 = 3, 0.3, 0.1, 0.03 x the mean cost per task: about 6, 2.76, 2.61, 2.95 %. A tight fleet
 * (HD, HVRP: capacity about the demand) is the other way round: HD X110..X219 at 10,000
 * iterations were worse cooler (X139-HD 11.7 % against less than half that), so it keeps the
 * single-type setting. */
void solver__mixed_fleet_params(const solver__model *m, solver__params *o) {
    if (o->variant != SOLVER__CVRP || !m->spare_fleet) return;
    o->t0 = 0.1;
    o->tf = 0.001;
}
