/* dispatch/hand.h: what dispatch/hand.c (the hand edits) and dispatch/hand_eval.c (their
 * evaluation) share. Only those two files include it. */
#ifndef LASTMILE_DISPATCH_HAND_H
#define LASTMILE_DISPATCH_HAND_H

#include "dispatch/internal.h"

#define DISPATCH__HAND_ROUTES    2   /* an edit touches at most two routes (a move) */
#define DISPATCH__HAND_STOPS_MAX 300 /* pending stops of one route an edit may hold */
#define DISPATCH__HAND_TRIES_MAX 400 /* evaluations when looking for the cheapest position */

typedef struct dispatch__hand_stop {
    store_stop s;
    solver_tw tws[STORE_WINDOWS_MAX]; /* the windows it must meet (a new stop: its order's) */
    size_t n_tws;
    bool window_dropped; /* already missed (late): not held against the edit */
    bool is_new;         /* made by this edit (not stored yet) */
} dispatch__hand_stop;

typedef struct dispatch__hand_route {
    store_vehicle v;
    store_driver drv;
    store_vstate vs;
    bool started;
    geo_point start, end; /* where the van is now (or its depot); its end depot */
    bool has_end;
    int64_t start_s, end_s; /* free from (now + delay, or its shift start) until its shift end */
    dispatch__hand_stop *stops; /* pending stops in driving order */
    size_t n;
    int32_t seq_base; /* seq of the first pending stop */
    int64_t plan_id;  /* plan new stops join */
    /* filled by the evaluation */
    size_t brk0, n_breaks, stop0;
    int64_t cost, distance_m, duration_s;
} dispatch__hand_route;

/* CONFLICT naming field when order_id requires skills (its own, its products') that vehicle_id
 * and its driver do not have together, the sentence naming what is missing; LM_OK otherwise. */
LM_MUST_USE lm_status dispatch__hand_skills(store_read *r, int64_t order_id, const char *vehicle_id,
                                            const char *field, lm_errinfo *err);

/* Evaluates rts[0..nr) exactly in their order (relaxed: without windows or shift end, to cost a
 * route that is late already). LM_CONFLICT / LM_INVALID with the broken constraint in err. */
LM_MUST_USE lm_status dispatch__hand_eval(dispatch *d, dispatch__hand_route *rts, size_t nr,
                                          bool relaxed, solver_solution **out, lm_errinfo *err);
/* Copies s's times, legs and served windows into the routes' stops, and route totals. */
void dispatch__hand_apply_times(dispatch__hand_route *rts, size_t nr, const solver_solution *s);

#endif
