/* solver internals of plan mode (solver/plan.c, solver/plan_mip.c): one route of given steps,
 * normalised, its bounds, and the times the MIP chose. Only those two files include this. */
#ifndef LASTMILE_SOLVER_PLAN_INTERNAL_H
#define LASTMILE_SOLVER_PLAN_INTERNAL_H

#include "solver/internal.h"

/* One step of the route: start, task, break or end. */
typedef struct plan__step {
    solver_step_type type;
    uint32_t index;
    const solver_plan_step *in; /* the caller's step (service_at/after/before); NULL if added */
    uint32_t loc;               /* a task's location; SOLVER_NONE for the others */
    int64_t setup_s, service_s; /* a task's own values; a break's service */
    const solver_tw *tws;       /* a task's or break's windows (one default window if none) */
    size_t n_tws;
    bool tw_default; /* no windows given: any time */
} plan__step;

/* VROOM's choose_ETA model for one route (src/algorithms/validation/mip.tex there). */
typedef struct plan__route {
    const solver_problem *p;
    const solver__vehicle *v;
    plan__step *st; /* ns = n + 2 steps: start, n tasks and breaks, end */
    size_t ns, n;
    /* J: the start and every non-break task, in order: step J[r] (its rank among steps without
     * the end), B[r] breaks follow it, ev_*[r] the travel to the next non-break step, act[r] the
     * action time (setup when the location changes, plus service) of step J[r]. */
    size_t nJ;
    size_t *J;
    unsigned *B;
    int64_t *ev_dur, *ev_dist, *act;
    int64_t *rel_eta; /* per step: start time relative to a start at 0, without waiting */
    size_t K;         /* time windows of all tasks and breaks */
    int64_t hs, he;   /* planning horizon start and end */
    int64_t makespan_est, sample_viol;
    bool tw_vehicle_default;
    int64_t *lb, *ub;             /* per step: bounds of its start time (absolute) */
    unsigned *first_tw, *last_tw; /* per task or break (n): the window ranks worth choosing */
    /* What the MIP chose. */
    int64_t *t;        /* per step: start of service (absolute) */
    int64_t *delta;    /* n + 1 travel parts, delta[i] driven after step i */
    unsigned *tw_rank; /* per task or break: the window it is measured against */
    int64_t ev_sum_dur, ev_sum_dist;
} plan__route;

/* Solves the two-stage MIP (violations and makespan, then earliest starts and travel done
 * early) and fills r->t, r->delta and r->tw_rank. LM_INVALID "Infeasible route" when the
 * service_at/after/before constraints cannot be met. */
LM_MUST_USE lm_status solver__plan_mip(plan__route *r, lm_errinfo *err);

#endif
