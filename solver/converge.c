/* When a search may stop before its time limit: the patience rule and the stop reasons' names
 * (the driver in search.c applies them). */
#include "solver/solver.h"

uint64_t solver_patience(size_t n_tasks) {
    uint64_t n = n_tasks;
    if (n > 1000000) n = 1000000; /* keep 10 n^2 far from overflow */
    return 2000 + 10 * n * n;
}

const char *solver_stop_text(solver_stop s) {
    switch (s) {
    case SOLVER_STOP_NONE: return "none";
    case SOLVER_STOP_CONVERGED: return "converged";
    case SOLVER_STOP_TIME_LIMIT: return "time_limit";
    case SOLVER_STOP_ITERATIONS: return "iterations";
    case SOLVER_STOP_CANCELLED: return "cancelled";
    }
    return "none";
}
