/* dispatch/internal.h: what dispatch/'s .c files share: the service struct and its worker queue,
 * the routing model built from the store (shared by plans and re-plans), the order lifecycle step
 * done inside a caller's tx, and the clock and the event helper. Only dispatch/ .c files include
 * it. */
#ifndef LASTMILE_DISPATCH_INTERNAL_H
#define LASTMILE_DISPATCH_INTERNAL_H

#include "dispatch/dispatch.h"
#include "solver/solver.h"
#include "store/store_orders.h"
#include "store/store_pd.h"

#include <pthread.h>

/* ---- The service ---- */

typedef enum dispatch__job_kind {
    DISPATCH__JOB_PLAN,
    DISPATCH__JOB_REPLAN,
} dispatch__job_kind;

typedef struct dispatch__job {
    dispatch__job_kind kind;
    int64_t plan_id;               /* PLAN: the plan row to fill */
    dispatch_plan_req req;         /* PLAN: copied request (vehicle ids owned) */
    char *depot_id;                /* PLAN: owned copy of req.depot_id */
    dispatch_pickup_task *pickups; /* PLAN: owned copy of req.pickups */
    dispatch_trigger trigger;      /* REPLAN */
    char vehicle[DISPATCH_ID_MAX + 1];
    int64_t job_id; /* its row in the durable queue (dispatch/jobs.c); 0 = none */
    struct dispatch__job *next;
} dispatch__job;

#define DISPATCH__URGENT_SEEN_MAX 4096

struct dispatch {
    dispatch_opts o;
    store *st;
    geo_matrix_provider *geo; /* the router's provider for o.profile, or owned (own_geo) */
    bool own_geo;
    geo_speeds *speeds;       /* learned speeds (o.learn_speeds), else NULL: factor 1 */
    int64_t last_geometry_ms; /* the worker's last route geometry pass */
    pthread_t worker;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* queue changed / stop requested */
    pthread_cond_t idle_cv; /* worker became idle */
    dispatch__job *head, *tail;
    bool replan_queued;  /* a REPLAN job is waiting (coalescing) */
    bool feed;           /* jobs may have been recorded: read the durable queue (dispatch/jobs.c) */
    int64_t fed_after;   /* the newest queue row fed into head..tail */
    int64_t replan_upto; /* the newest re-plan row fed: the queued re-plan covers it */
    bool busy, stopping;
    atomic_bool cancel; /* set by dispatch_destroy: a running solve stops with what it has */
    int64_t last_tick_ms;
    /* urgent ready orders that already triggered a re-plan */
    int64_t urgent_seen[DISPATCH__URGENT_SEEN_MAX];
    size_t n_urgent_seen;
    /* the settings version last read (dispatch/settings.c), swapped under set_mu */
    pthread_mutex_t set_mu;
    int64_t set_version; /* -1: never read */
    store_setting *set_vals;
    size_t set_n;
};

/* ---- Fleet and devices (dispatch/fleet.c, dispatch/devices.c) ---- */

/* 1-64 characters of A-Z a-z 0-9 . _ - (vehicle, driver, skill and device ids). */
bool dispatch__id_ok(const char *s);
/* Bumped by every change of a device id: position ingest drops its device cache when it moves,
 * so an id rotated away stops working at once. Writers are serialised by the store, so a
 * change made in a tx is seen by the next ingest batch, which can only begin after it. */
uint64_t dispatch__device_epoch(void);

/* ---- Clock (dispatch/clock.c) ---- */

/* Now, from dispatch_opts.now_ms (a test clock in tests). */
int64_t dispatch__now_ms(const dispatch *d);
/* Local midnight (epoch s) of the day holding epoch second t. */
int64_t dispatch__day_start(const dispatch *d, int64_t t_s);

/* ---- The worker's job queue (dispatch/queue.c) ---- */

/* Queues a job (takes it) with d->mu held. */
void dispatch__enqueue_locked(dispatch *d, dispatch__job *job);
void dispatch__job_free(dispatch__job *j);

/* ---- The durable job queue (dispatch/jobs.c) ----
 * Requests record jobs in their own tx on any node and kick the local worker; the leading node's
 * worker feeds its in-memory queue from the table and marks each job done with its result. */

/* Records the solve of plan_id (with its whole request) inside tx. */
LM_MUST_USE lm_status dispatch__plan_job_add(dispatch *d, store_tx *tx, int64_t plan_id,
                                             const dispatch_plan_req *req, lm_errinfo *err);
/* Records a re-plan request inside tx (it commits or vanishes with what caused it). */
LM_MUST_USE lm_status dispatch__replan_job_add(dispatch *d, store_tx *tx, dispatch_trigger why,
                                               const char *vehicle, lm_errinfo *err);
/* Tells the worker that jobs may have been recorded (call after the commit). */
void dispatch__kick(dispatch *d);
/* Worker: queues the pending rows not fed yet. */
void dispatch__feed(dispatch *d);
/* Worker, on losing the lead: drops the in-memory queue (the rows stay pending for the leader). */
void dispatch__unfeed(dispatch *d);
/* Inside the tx that stores j's result: marks its row done. *claimed false means another leader
 * did it first: roll back. */
LM_MUST_USE lm_status dispatch__job_claim(dispatch *d, store_tx *tx, const dispatch__job *j,
                                          bool *claimed, lm_errinfo *err);
/* Marks j's row done in a tx of its own (a job whose plan was discarded while it was solved). */
void dispatch__job_done_alone(dispatch *d, const dispatch__job *j);
/* After a re-plan ran: every re-plan row up to upto is done (own tx). */
void dispatch__replans_done(dispatch *d, int64_t upto);
/* Whether this process leads (common/leader.h): only then does the worker run jobs and ticks. */
bool dispatch__leading(void);

/* ---- Pickup tasks' stops (dispatch/pickups.c) ---- */

/* After pick (a return's pickup stop) failed: its pending drop at the depot is cancelled. A
 * pickup-and-delivery order's pickup: its pending delivery is cancelled and the order fails. A
 * stop of any other kind: nothing to do. */
LM_MUST_USE lm_status dispatch__pickup_failed(store_tx *tx, const store_stop *pick, int64_t t_ms,
                                              lm_errinfo *err);

/* ---- Routing model (dispatch/model.c) ----
 * One model serves both plans and re-plans: vehicles with their start state, and tasks that are
 * either jobs (a delivery loaded at the start: plans, and parcels already on board) or shipments
 * (pickup somewhere, then deliver: depot pickups during the day, transfers from a broken van). */

#define DISPATCH__DIMS    3  /* grams, cm3, parcels */
#define DISPATCH__REQ_MAX 16 /* skills a task may require (its own and its products') */
/* skills a model vehicle may have: its depot's, "takes new work" (re-plans), the vehicle's own
 * and its driver's */
#define DISPATCH__VSKILLS_MAX (2 + STORE_D_SKILLS_MAX + DISPATCH__REQ_MAX)

typedef struct dispatch__task {
    bool shipment;
    int64_t order_id;
    geo_point at;   /* delivery location */
    geo_point from; /* shipment: pickup location */
    int64_t pickup_service_s;
    solver_tw tws[STORE_WINDOWS_MAX];
    size_t n_tws;
    int64_t service_s;
    int64_t amount[DISPATCH__DIMS];
    uint32_t priority;
    uint32_t only_vehicle; /* index in the model, or SOLVER_NONE */
    uint32_t skill;        /* required skill index, SOLVER_NONE for none */
    /* skills the order and its products require (refrigerated, two_person, id_check ...), as
     * dispatch__skill_id values; need names them for an unassigned reason */
    uint32_t req[DISPATCH__REQ_MAX];
    size_t n_req;
    char need[64];
    int home_vehicle;      /* vehicle it is on now (re-plans), -1 if none */
    int64_t pickup_stop;   /* the existing pickup stop it came from (0 if none) */
    int64_t stop_id;       /* the existing delivery stop it came from (0 if none) */
    int64_t transfer_from; /* transfer from a broken vehicle: the stop it replaces */
    bool was_late;         /* its window had to be dropped: it cannot be met any more */
    bool locked;           /* a dispatcher locked its stop: it stays on its vehicle */
    bool urgent;           /* re-plans: tws narrowed to a deadline; own_tws are the order's */
    solver_tw own_tws[STORE_WINDOWS_MAX];
    size_t n_own_tws;
    int64_t return_id;     /* the RMA a pickup task collects (0 = none) */
    solver_tw pick_tws[1]; /* shipment: window of the pickup step */
    size_t n_pick_tws;
    uint32_t index; /* solver job or shipment index, filled by dispatch__model_problem */
} dispatch__task;

typedef struct dispatch__vehicle {
    store_vehicle v;
    store_driver drv;
    geo_point start;
    bool has_end;
    geo_point end;
    int64_t start_s, end_s;
    solver_break breaks[DISPATCH_BREAKS_MAX];
    solver_tw break_tws[DISPATCH_BREAKS_MAX];
    size_t n_breaks;
    int64_t initial_load[DISPATCH__DIMS];
    uint32_t skills[DISPATCH__VSKILLS_MAX];
    size_t n_skills;
    int fixed_task;                          /* task index that must come first, -1 none */
    bool fixed_pickup;                       /* the fixed step is the task's pickup (shipment) */
    int64_t seq_base;                        /* re-plans: seq after the last done stop */
    int64_t break_stop[DISPATCH_BREAKS_MAX]; /* hand edits (update_in_place): the stop that holds
                                                break b already, 0 = none (a new one is made) */
} dispatch__vehicle;

typedef struct dispatch__model {
    int64_t day_start_s;
    dispatch__vehicle *veh;
    size_t n_veh, cap_veh;
    dispatch__task *tasks;
    size_t n_tasks, cap_tasks;
    /* built by dispatch__model_problem */
    geo_point *pts;
    size_t n_pts;
    geo_matrix *matrix;
    solver_memo *memo; /* with the matrix: validation and neighbour lists kept across rebuilds */
    solver_problem *problem;
    uint32_t *task_loc, *task_from_loc; /* per task */
    uint32_t *job_task, *ship_task;     /* solver job / shipment index -> task index */
    size_t n_jobs, n_ships;
    bool update_in_place; /* dispatch__store_solution rewrites tasks' existing stops (hand edits) */
    const char *router;   /* kind of the provider that gave the matrix ("geodesic", "osrm", ..) */
} dispatch__model;

void dispatch__model_free(dispatch__model *m);
LM_MUST_USE lm_status dispatch__model_add_vehicle(dispatch__model *m, dispatch__vehicle **out);
LM_MUST_USE lm_status dispatch__model_add_task(dispatch__model *m, dispatch__task **out);
/* Fills a model vehicle from the fleet records: start/end at its depots, shift and breaks placed
 * on day_start_s, capacity dims; depot_skill is the index of its start depot's skill. */
LM_MUST_USE lm_status dispatch__vehicle_fill(store_read *r, int64_t day_start_s,
                                             const store_vehicle *v, const store_driver *drv,
                                             dispatch__vehicle *mv, lm_errinfo *err);
/* A named skill (a vehicle's, a driver's, one an order requires) as a solver skill id: a hash
 * kept clear of the small ids depots use (1..64) and 0 ("takes new work"). */
uint32_t dispatch__skill_id(const char *name);
/* Loads what order_id and the products on its lines require into t->req / t->need. */
LM_MUST_USE lm_status dispatch__task_requires(store_read *r, int64_t order_id, dispatch__task *t,
                                              lm_errinfo *err);
/* Computes the matrix over every point and builds the solver problem. */
LM_MUST_USE lm_status dispatch__model_problem(dispatch *d, dispatch__model *m, lm_errinfo *err);
/* The task a solver step refers to (-1 for start/end/break). */
int dispatch__model_task_of(const dispatch__model *m, const solver_step *st);

/* The live routes of m's vehicles as solver sequences (dispatch/replan_repair.c): each van's
 * stops of stops[0..n_stops) in their order, a depot pickup first, breaks where their stops are
 * and the others at the end; with skip_fixed without the van's fixed first step (a seed for
 * solver_opts.seed_routes). Free with dispatch__live_routes_free. */
LM_MUST_USE lm_status dispatch__live_routes(const dispatch__model *m, const store_stop *stops,
                                            size_t n_stops, bool skip_fixed,
                                            solver_task_ref ***seqs, size_t **lens);
void dispatch__live_routes_free(solver_task_ref **seqs, size_t n_veh, size_t *lens);
/* The routes of solution s of m's problem as seeds for another problem of the same model (the
 * free pass starts from the repaired answer): task steps only, without each van's fixed first
 * step. Free with dispatch__live_routes_free. */
LM_MUST_USE lm_status dispatch__solution_seeds(const dispatch__model *m, const solver_solution *s,
                                               solver_task_ref ***seqs, size_t **lens);
/* Every pending (planned, arrived) live stop, grouped by vehicle in seq order: one indexed query
 * per vehicle (a query of every live stop scans the whole history of stops). */
LM_MUST_USE lm_status dispatch__live_pending(store_read *r, store_stop **out, size_t *n,
                                             lm_errinfo *err);
/* The index of mv's break whose window is [a, b], or -1. */
int dispatch__break_of(const dispatch__vehicle *mv, int64_t a, int64_t b);

/* Stores a solution as plan_id's routes and stops (not live) and unassigned packages; fills the
 * plan's totals in *p. seq of each vehicle's stops starts at its seq_base. */
LM_MUST_USE lm_status dispatch__store_solution(store_tx *tx, const dispatch__model *m,
                                               const solver_solution *s, store_plan *p,
                                               lm_errinfo *err);

/* ---- Settings in effect (dispatch/settings.c) ---- */

/* The settings where dispatch/ uses them, resolved for one depot, in the units the code uses. */
typedef struct dispatch__cfg {
    double arrival_radius_m;
    int64_t arrival_dwell_ms, late_threshold_s, eta_change_s, silent_after_ms, service_s;
    dispatch_auto_apply auto_apply;
    int64_t max_eta_shift_s;
    int64_t work_start_s, work_end_s; /* seconds after local midnight */
} dispatch__cfg;

/* Called by dispatch_create / dispatch_destroy. */
void dispatch__settings_init(dispatch *d);
void dispatch__settings_free(dispatch *d);
/* The settings in effect for depot_id ("" / NULL: global) as of r's snapshot: a newer version
 * saved by anyone is picked up here, so no restart is needed. On a store error the server's
 * options are used (the hot path never fails on settings). */
void dispatch__cfg_get(dispatch *d, store_read *r, const char *depot_id, dispatch__cfg *out);
/* The same for the start depot of vehicle_id. */
void dispatch__cfg_vehicle(dispatch *d, store_read *r, const char *vehicle_id, dispatch__cfg *out);
/* Narrows each vehicle's shift in m to its start depot's working hours on the day starting at
 * day_start_s (a van whose shift lies outside them gets an empty one and takes no work). */
void dispatch__work_hours(dispatch *d, store_read *r, int64_t day_start_s, dispatch__model *m);
/* Service time of a delivery of o: the longest of its products' own service times, else the
 * depot's (or global) one. */
int64_t dispatch__service_s(dispatch *d, store_read *r, const store_order *o);

/* Pickup-and-delivery orders (pd.c). Whether order_id's goods still wait at its sender (*out
 * the pickup then); and, when they do, t becomes the shipment from there (its window, the default
 * service time): true. */
bool dispatch__pd_pickup(store_read *r, int64_t order_id, store_pickup *out);
bool dispatch__pd_task(dispatch *d, store_read *r, int64_t order_id, dispatch__task *t);
/* After a re-plan proposal was stored: *apply says whether the auto-apply policy of every depot
 * it touches allows applying it now; when a policy that could have applied it holds it, a
 * plan.auto_apply_held event (own tx) says which depot and why. */
LM_MUST_USE lm_status dispatch__replan_auto(dispatch *d, int64_t replan_id, bool *apply,
                                            lm_errinfo *err);
/* The built-in defaults of the settings' server options (arrival radius and dwell, ETA change,
 * lateness, silence, service time), for dispatch_opts_init. */
void dispatch__settings_opts_defaults(dispatch_opts *o);

/* ---- Plans and orders shared by plan.c and replan.c (dispatch/plan.c) ---- */

/* Calls fn(ctx, order) for each order in `status`, in id order, a page at a time; stops at the
 * first failure of fn and returns it. */
LM_MUST_USE lm_status dispatch__orders_each(store_read *r, const char *status,
                                            lm_status (*fn)(void *ctx, const store_order *o),
                                            void *ctx, lm_errinfo *err);
/* The model's vehicles for a plan on day_start_s: every active vehicle with a driver (in req's
 * list when it has one); depots[0..*n_depots) gets their start depots, whose index + 1 is the
 * skill a task of that depot requires (dispatch/slots.c builds its models the same way). */
LM_MUST_USE lm_status dispatch__fleet_load(store_read *r, const dispatch_plan_req *req,
                                           int64_t day_start_s, dispatch__model *m,
                                           char (*depots)[DISPATCH_ID_MAX + 1], size_t *n_depots,
                                           size_t cap_depots, lm_errinfo *err);
/* Begins a write tx in *tx and reads plan plan_id into *p; NOT_FOUND names "id" ("<what> N not
 * found"). *tx is set once begun, also on failure: the caller rolls it back. */
LM_MUST_USE lm_status dispatch__plan_begin(dispatch *d, int64_t plan_id, const char *what,
                                           store_tx **tx, store_plan *p, lm_errinfo *err);

/* Sets p's cost, distance and duration to the sums of its stored routes (after any change to
 * them: hand edits included). */
LM_MUST_USE lm_status dispatch__plan_totals(store_read *r, store_plan *p, lm_errinfo *err);
/* CONFLICT naming "to_vehicle" when order_id ships from another depot than vehicle_id loads at
 * (INVALID when the vehicle does not exist). */
LM_MUST_USE lm_status dispatch__same_depot(store_read *r, int64_t order_id, const char *vehicle_id,
                                           lm_errinfo *err);

/* ---- Orders inside a caller's tx (dispatch/orders_link.c) ---- */

/* Moves an order along the lifecycle within tx with orders_order_advance_tx (its rules, stock and
 * order.<status> events). Already in `to`: no-op. delivered/failed from planned pass through
 * out_for_delivery. CONFLICT if not allowed. */
LM_MUST_USE lm_status dispatch__order_move(store_tx *tx, int64_t order_id, const char *to,
                                           int64_t now_ms, lm_errinfo *err);

/* ---- Events (dispatch/event.c) ---- */

/* store_event_append with a payload built by printf. */
LM_MUST_USE lm_status dispatch__event(store_tx *tx, const char *type, const char *entity,
                                      const char *entity_id, const char *fmt, ...) LM_PRINTF(5, 6);
/* The metres driver_id drove in [from_ms, to_ms]: the geodesic length of its accepted fixes
 * (dispatch/driven.c); *out = -1 when fewer than two fixes fall in the span. */
LM_MUST_USE lm_status dispatch__driven_m(store_read *r, const char *driver_id, int64_t from_ms,
                                         int64_t to_ms, int64_t *out, lm_errinfo *err);
/* The van of vs is at `here` (slow) at t_ms with no stop left: when that is within radius_m of its
 * end depot, appends route.returned {vehicle_id, driver_id, t_ms, leg_m (the planned drive back),
 * driven_m (measured from the last stop's completion, when two fixes or more)} and sets
 * vs->returned_ms. Nothing for an open route (no end depot) or a route that served no stop. */
LM_MUST_USE lm_status dispatch__route_return(store_tx *tx, store_vstate *vs, geo_point here,
                                             double radius_m, int64_t t_ms, lm_errinfo *err);
/* stop.eta_set: the ETA a committed plan or an applied re-plan gives the stop at now_ms, which
 * analytics measures ETA accuracy against (docs/analytics.md). */
LM_MUST_USE lm_status dispatch__event_eta_set(store_tx *tx, const store_stop *st, int64_t now_ms);

/* ---- What the worker runs: live.c (ETAs), replan.c and plan.c ---- */

/* Recomputes the ETAs of vehicle_id's pending live stops from state s at now_s; appends
 * stop.eta_changed / stop.late; counts in *changed / *late. */
LM_MUST_USE lm_status dispatch__etas_update(dispatch *d, store_tx *tx, const store_vstate *s,
                                            int64_t now_s, size_t *changed, size_t *late,
                                            lm_errinfo *err);
/* dispatch_observe_position for ingest: a vehicle whose last position is dated after
 * thaw_after_ms (a far-future fix stored before the filters existed) takes the new one even
 * though it is older, instead of staying frozen. */
LM_MUST_USE lm_status dispatch__observe(dispatch *d, store_tx *tx, const char *driver_id,
                                        double lat, double lon, int64_t t_ms, double speed_mps,
                                        int64_t thaw_after_ms, dispatch_obs_result *out,
                                        lm_errinfo *err);
/* The worker's re-plan: computes (and with auto_apply applies) a proposal. */
LM_MUST_USE lm_status dispatch__replan_run(dispatch *d, dispatch_trigger why, const char *vehicle,
                                           int64_t *replan_id, lm_errinfo *err);
/* The worker's plan solve. */
void dispatch__plan_run(dispatch *d, dispatch__job *job);
/* The worker's road geometry pass (dispatch/geometry.c): fetches the geometry of up to a few
 * committed routes of the last day that have none yet and stores it. */
void dispatch__geometry_pass(dispatch *d);

#endif
