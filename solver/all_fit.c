/* Whether every task unit fits every vehicle (solver__unit_fits always true): then the recreate,
 * which asks it for every candidate route of every unit it inserts, need not (measured 5 % of a
 * CVRP search, perf-solver.md round 3). Decided in O(units + vehicles) from the conditions
 * solver__unit_fits checks: no skills, no only_vehicle, no vehicle barred from tasks, and every
 * unit's amounts within the room of the smallest vehicle in each dimension. */
#include "solver/route.h"

bool solver__all_units_fit(const solver__model *m) {
    const solver_problem *p = m->p;
    int64_t room[SOLVER_MAX_DIMS];
    for (uint32_t d = 0; d < m->dims; d++)
        room[d] = INT64_MAX;
    for (size_t v = 0; v < p->n_vehicles; v++) {
        const solver_vehicle *pv = &p->vehicles[v].pub;
        if (pv->no_tasks) return false;
        for (uint32_t d = 0; d < m->dims; d++)
            if (pv->capacity[d] - pv->initial_load[d] < room[d])
                room[d] = pv->capacity[d] - pv->initial_load[d];
    }
    for (size_t u = 0; u < m->n_units; u++) {
        const solver__unit *un = &m->units[u];
        if (un->only_vehicle != SOLVER_NONE || un->skills->n) return false;
        const solver__node *a = &m->nodes[un->first];
        for (uint32_t d = 0; d < m->dims; d++) {
            if (a->kind == SOLVER__JOB) {
                if (a->start_add[d] > room[d] || a->start_add[d] + a->delta[d] > room[d])
                    return false;
            } else if (a->delta[d] > room[d]) {
                return false;
            }
        }
    }
    return true;
}
