/* dispatch: the fleet (vehicles, drivers), plans solved on a worker thread, committed routes and
 * their stops, live vehicle state from positions (arrival detection, ETAs scaled by the driver's
 * pace, lateness, silence), stop actions, exceptions and re-planning of the remaining work.
 *
 * Everything persistent lives in store/ (tables of migration 200+, store/dispatch.c); a dispatch
 * handle only owns a worker thread (solves, re-plans, the periodic tick), a matrix provider and
 * its options, so every HTTP worker thread may call any function here at once.
 *
 * Time: positions and actions carry epoch milliseconds; stop ETAs, time windows and shifts in
 * plans are epoch seconds. A vehicle's shift and breaks are stored as seconds after local
 * midnight and placed on a plan's day with dispatch_opts.utc_offset_s.
 *
 * Transactions: functions taking a store_tx do their reads and writes (and append their events)
 * inside it and never commit: the caller commits, then may answer. They never begin a tx of their
 * own, so they may be called from a group commit. Functions taking a dispatch * alone run their
 * own transactions.
 *
 * Ownership: records passed in are only read. Every list or view this module fills is allocated
 * here and released with the matching *_free / *_clear function (NULL-safe). Out-params are
 * untouched on failure; err names the field and the reason. */
#ifndef LASTMILE_DISPATCH_H
#define LASTMILE_DISPATCH_H

#include "common/common.h"
#include "geo/geo.h"
#include "store/store.h"
#include "store/store_dispatch.h"
#include "store/store_settings.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISPATCH_ID_MAX     STORE_D_ID_MAX /* vehicle / driver / depot ids, bytes without the NUL */
#define DISPATCH_NAME_MAX   STORE_D_NAME_MAX
#define DISPATCH_PHONE_MAX  STORE_D_PHONE_MAX
#define DISPATCH_SKILLS_MAX STORE_D_SKILLS_MAX
#define DISPATCH_BREAKS_MAX STORE_D_BREAKS_MAX
#define DISPATCH_NOTE_MAX   STORE_D_NOTE_MAX

/* ---- The service ---- */

typedef struct dispatch dispatch;

/* Position filters (dispatch/filter.c, applied by dispatch/ingest.c): a position that fails one
 * is refused before it changes anything, counted per driver and reason, and never reaches
 * dispatch_observe_position. 0 turns a check off. */
typedef struct dispatch_filter_opts {
    int64_t future_skew_ms;   /* device time ahead of the receive time by more: "future" (300000) */
    int64_t max_backwards_ms; /* older than the driver's newest accepted fix by more: "stale"
                                 (600000); at least future_skew_ms, or one accepted fix a little
                                 ahead would refuse the honest ones after it */
    double max_speed_mps;     /* implied speed from the newest accepted fix, after granting both
                                 fixes their reported accuracy, above this: "jump" (69.4 = 250
                                 km/h) */
    double max_accuracy_m;    /* reported accuracy worse than this: "accuracy" (5000) */
    int jump_confirm;         /* this many fixes in a row that agree with each other but not with
                                 the newest accepted one re-anchor the driver on the last of them:
                                 a wrong anchor cannot freeze a van for good (3; 0 = never) */
    int64_t event_every_ms;   /* position.refused at most once per driver per this (60000) */
    size_t keep_refused;      /* refused positions kept per driver for the dispatcher (20) */
} dispatch_filter_opts;

/* The defaults above. */
void dispatch_filter_opts_init(dispatch_filter_opts *o);

typedef struct dispatch_opts {
    store *st;                  /* required; borrowed, must outlive the handle */
    geo_matrix_opts matrix;     /* provider for plans when router is NULL (geodesic default) */
    geo_router *router;         /* borrowed, may be NULL: plans use its provider for profile
                                   and committed routes get road geometry from it */
    char profile[32];           /* the vehicle profile plans are routed with ("" = "car") */
    int64_t (*now_ms)(void);    /* clock; lm_now_ms by default (tests pin it) */
    int64_t utc_offset_s;       /* local time = UTC + this, for shifts given as time of day */
    int64_t plan_time_limit_ms; /* solve budget of POST /v1/plans (default 5000) */
    int64_t replan_feasible_ms; /* cap on the minimal-change re-plan, which stops at its first
                                   feasible answer (default 120) */
    int64_t replan_polish_ms;   /* budget of the free re-plan that may beat it (default 350:
                                   within 0.5 % of a 10 s one on 500 stops, perf-replan.md;
                                   0 = skip it) */
    uint32_t move_penalty;      /* cost per stop moved to another vehicle (default 600) */
    bool auto_apply;            /* re-plans are applied as soon as computed (default false) */
    bool learn_speeds;          /* learn per-zone, per-hour factors from the legs drivers drive
                                   (geo_speeds) and apply them to ETAs (default false; serve
                                   turns it on unless --learned-speeds off) */
    /* Live tracking. */
    double arrival_radius_m;        /* default 60 */
    double arrival_speed_mps;       /* slower than this counts as stopped (default 2) */
    int64_t arrival_dwell_ms;       /* stopped inside the radius this long = arrived (15000) */
    int64_t eta_change_s;           /* stop.eta_changed when an ETA moves more (default 120) */
    int64_t late_threshold_s;       /* stop.late + re-plan when ETA > window end + this (300) */
    int64_t silent_after_ms;        /* vehicle.silent after this long without position (600000) */
    int64_t tick_ms;                /* worker calls dispatch_tick this often; 0 = never (1000) */
    unsigned solver_threads;        /* default 1 */
    int64_t transfer_service_s;     /* handing parcels over from a broken vehicle (default 300) */
    int64_t default_service_s;      /* service time per delivery stop (default 180) */
    int32_t urgent_priority;        /* a ready order this urgent (order priority, 0..100) while
                                       routes run triggers a re-plan and gets a deadline (80) */
    int64_t urgent_within_s;        /* an urgent order is delivered within this of the re-plan
                                       (7200) when any van can; else within its own windows */
    dispatch_filter_opts positions; /* filters on positions before they move anything */
} dispatch_opts;

void dispatch_opts_init(dispatch_opts *o);
/* Validates o, creates the matrix provider and starts the worker thread. */
LM_MUST_USE lm_status dispatch_create(const dispatch_opts *o, dispatch **out, lm_errinfo *err);
/* Stops the worker (a solve in progress runs to its time limit first; plans still queued are
 * marked `failed`), frees everything. NULL-safe. */
void dispatch_destroy(dispatch *d);
/* Blocks until the worker queue is empty and idle (tests, graceful stop). */
void dispatch_wait_idle(dispatch *d);

/* ---- Fleet ---- */

/* The fleet records are the store's plain data (store/store_dispatch.h, fields documented
 * there); dispatch/ owns the rules around them. */
typedef store_break dispatch_break;     /* start_s, end_s (time of day), service_s */
typedef store_vehicle dispatch_vehicle; /* capacities, costs, skills, depots, shift, breaks */
typedef store_driver dispatch_driver;   /* name, phone, device_id (OsmAnd), vehicle_id,
                                           allow_short_device_id */

/* Device ids. OsmAnd carries no secret, so a device id is one: the server makes it from the
 * system CSPRNG (getrandom), DISPATCH_DEVICE_ID_LEN characters of Crockford's base32 (0-9 and
 * A-Z without I L O U: 120 bits, upper case so a QR code holds it in alphanumeric mode, no
 * characters a person confuses when typing it). It is returned once, where it is made. An id
 * chosen by the operator must be at least DISPATCH_DEVICE_ID_MIN characters unless that driver
 * has allow_short_device_id (the operator's opt-in, recorded with an event). */
#define DISPATCH_DEVICE_ID_MIN 20
#define DISPATCH_DEVICE_ID_LEN 24

/* Writes a fresh id and its NUL to out. LM_INTERNAL if the CSPRNG fails (out untouched). */
LM_MUST_USE lm_status dispatch_device_id_generate(char out[DISPATCH_DEVICE_ID_LEN + 1]);

/* Insert or replace a driver under the device id rules above (events driver.put, and
 * driver.short_device_id_allowed when a short id is stored). dr->device_id "": a new driver (or
 * one without a device) gets a generated id, written to device_out; an existing driver keeps
 * its id (and its opt-in), since whoever saves the record is not shown the id again. Otherwise
 * the given id is checked (characters as for other ids, length, not another driver's: CONFLICT)
 * and device_out is "". device_out may be NULL (then no id is generated: the driver keeps none).
 * A driver's vehicle must exist. */
LM_MUST_USE lm_status dispatch_driver_save(store_tx *tx, const dispatch_driver *dr,
                                           char device_out[DISPATCH_DEVICE_ID_LEN + 1],
                                           lm_errinfo *err);
/* Gives driver_id a freshly generated device id, written to device_out, and clears its opt-in;
 * the old id stops working at once (ingest drops what it cached about it). Event
 * driver.device_rotated (without the id). NOT_FOUND names "id". */
LM_MUST_USE lm_status dispatch_driver_device_rotate(store_tx *tx, const char *driver_id,
                                                    char device_out[DISPATCH_DEVICE_ID_LEN + 1],
                                                    lm_errinfo *err);

/* Defaults: capacities unlimited, cost_per_hour 3600, shift 0..86400, speed 1, active. */
void dispatch_vehicle_init(dispatch_vehicle *v);
/* Insert or replace (event vehicle.put / driver.put). INVALID naming the field: bad id, start
 * depot unknown, shift or break windows reversed. A driver's vehicle must exist; a device id
 * taken by another driver is a CONFLICT. */
LM_MUST_USE lm_status dispatch_vehicle_put(store_tx *tx, const dispatch_vehicle *v,
                                           lm_errinfo *err);
LM_MUST_USE lm_status dispatch_vehicle_get(store_read *r, const char *id, dispatch_vehicle *out,
                                           lm_errinfo *err);
LM_MUST_USE lm_status dispatch_driver_get(store_read *r, const char *id, dispatch_driver *out,
                                          lm_errinfo *err);
/* The driver whose device_id is device_id (OsmAnd): NOT_FOUND for an unknown device. */
LM_MUST_USE lm_status dispatch_driver_by_device(store_read *r, const char *device_id,
                                                dispatch_driver *out, lm_errinfo *err);
/* Lists ordered by id; *out lm_free'd by the caller (NULL when empty). */
LM_MUST_USE lm_status dispatch_vehicle_list(store_read *r, dispatch_vehicle **out, size_t *n,
                                            lm_errinfo *err);
LM_MUST_USE lm_status dispatch_driver_list(store_read *r, dispatch_driver **out, size_t *n,
                                           lm_errinfo *err);

/* ---- Settings without a rebuild (dispatch/settings.c; docs/settings.md) ----
 * The operator's settings are versioned snapshots of integer values, each under a scope: ""
 * (global), "depot:<id>" (overrides for one depot) or "product:<sku>" (service time of one
 * product). dispatch/ reads the current version where it uses a value (arrival detection, ETAs,
 * lateness, service times, working hours, the re-plan auto-apply policy), so a saved change is in
 * effect for the next position, plan or re-plan without a restart. A value never saved falls back
 * to the depot's override, then the global value, then dispatch_opts (the server's flags). */

typedef enum dispatch_setting_id {
    DISPATCH_SET_ARRIVAL_RADIUS_M,       /* the geofence around a stop, metres */
    DISPATCH_SET_ARRIVAL_DWELL_S,        /* stopped inside it this long = arrived */
    DISPATCH_SET_LATE_THRESHOLD_S,       /* stop.late when the ETA passes window end + this */
    DISPATCH_SET_ETA_CHANGE_S,           /* an ETA move beyond this is customer-visible */
    DISPATCH_SET_SILENT_AFTER_S,         /* vehicle.silent after this long without a position */
    DISPATCH_SET_SERVICE_S,              /* time at a delivery stop (global, depot or product) */
    DISPATCH_SET_REPLAN_AUTO_APPLY,      /* dispatch_auto_apply */
    DISPATCH_SET_REPLAN_MAX_ETA_SHIFT_S, /* AUTO_ETA_WITHIN: the largest ETA move applied alone */
    DISPATCH_SET_WORK_START_S, /* working hours: vans start no earlier (s after midnight) */
    DISPATCH_SET_WORK_END_S,   /* ... and end no later */
    DISPATCH_SET__COUNT
} dispatch_setting_id;

/* Re-plan proposals: applied never by themselves, when no customer-visible ETA (a delivery's)
 * moves by more than replan_max_eta_shift_s and no delivery is dropped, or always. */
typedef enum dispatch_auto_apply {
    DISPATCH_AUTO_NEVER = 0,
    DISPATCH_AUTO_ETA_WITHIN = 1,
    DISPATCH_AUTO_ALWAYS = 2,
} dispatch_auto_apply;

enum { DISPATCH_SCOPE_GLOBAL = 1u, DISPATCH_SCOPE_DEPOT = 2u, DISPATCH_SCOPE_PRODUCT = 4u };

typedef struct dispatch_setting_def {
    const char *key;  /* stored name */
    int64_t min, max; /* allowed values, stored units */
    unsigned scopes;  /* DISPATCH_SCOPE_* where it may be set */
} dispatch_setting_def;

/* The definition of setting id (never NULL for id < DISPATCH_SET__COUNT); by_key: NULL when no
 * setting has that name. */
const dispatch_setting_def *dispatch_setting_def_of(dispatch_setting_id id);
const dispatch_setting_def *dispatch_setting_by_key(const char *key, dispatch_setting_id *id);
/* The values used when nothing was saved: from d's options (d NULL: dispatch_opts_init's). */
void dispatch_settings_defaults(const dispatch *d, int64_t out[DISPATCH_SET__COUNT]);

typedef store_setting dispatch_setting; /* scope, key, value */

/* One version of the settings as saved. Free with dispatch_settings_doc_clear. */
typedef struct dispatch_settings_doc {
    store_settings_rev rev; /* version (0: nothing saved yet), created_ms, actor */
    dispatch_setting *values;
    size_t n;
} dispatch_settings_doc;
void dispatch_settings_doc_clear(dispatch_settings_doc *doc);
/* Version `version` (0: the current one). NOT_FOUND names "version" for one never saved. */
LM_MUST_USE lm_status dispatch_settings_get(store_read *r, int64_t version,
                                            dispatch_settings_doc *out, lm_errinfo *err);
/* The values in effect for depot_id ("" or NULL: global) in the current version, defaults from
 * d (may be NULL). */
LM_MUST_USE lm_status dispatch_settings_effective(const dispatch *d, store_read *r,
                                                  const char *depot_id,
                                                  int64_t out[DISPATCH_SET__COUNT],
                                                  lm_errinfo *err);

/* One change: set scope/key to value, or remove the saved value (back to the fallback). field
 * is how the caller names it in errors (the JSON path). */
typedef struct dispatch_setting_change {
    char scope[STORE_SETTING_SCOPE_MAX + 1];
    char key[STORE_SETTING_KEY_MAX + 1];
    int64_t value;
    bool remove;
    char field[96];
} dispatch_setting_change;

/* Saves a new version made of the current one with changes applied, if the current version is
 * expected_version (LM_PRECONDITION otherwise, naming "version", nothing changed). Each change
 * is checked (known key, scope allowed for it, depot or product exists, range, working hours
 * start before end in every scope): INVALID naming its field. Event settings.changed {version,
 * actor, changes: [{scope, key, from, to}]}. A request that changes nothing saves nothing:
 * *new_version is then the current one. */
LM_MUST_USE lm_status dispatch_settings_update(store_tx *tx, int64_t expected_version,
                                               const char *actor,
                                               const dispatch_setting_change *changes, size_t n,
                                               int64_t now_ms, int64_t *new_version,
                                               lm_errinfo *err);
/* Versions newest first below before (0: all), at most limit (1..1000). */
LM_MUST_USE lm_status dispatch_settings_history(store_read *r, int64_t before, size_t limit,
                                                store_settings_rev **out, size_t *n,
                                                lm_errinfo *err);

/* ---- Plans ---- */

typedef enum dispatch_plan_status {
    DISPATCH_PLAN_SOLVING,
    DISPATCH_PLAN_PROPOSED,
    DISPATCH_PLAN_COMMITTED,
    DISPATCH_PLAN_DISCARDED,
    DISPATCH_PLAN_FAILED,     /* the solve could not run (reason in error) */
    DISPATCH_PLAN_SUPERSEDED, /* a proposed re-plan overtaken by newer state */
} dispatch_plan_status;

const char *dispatch_plan_status_name(dispatch_plan_status s);

typedef enum dispatch_stop_kind {
    DISPATCH_STOP_DELIVERY, /* hand the order's parcels to the customer */
    DISPATCH_STOP_PICKUP,   /* load an order's parcels: at a depot or from a broken vehicle */
    DISPATCH_STOP_BREAK,    /* the driver's break (order_id 0): placed by the solver where the
                               van is then, tw = the break's start window, service_s = its
                               length. Taken once the driver reaches a later stop or marks it
                               done; a re-plan never schedules a taken break again. */
} dispatch_stop_kind;

typedef enum dispatch_stop_status {
    DISPATCH_STOP_PLANNED,
    DISPATCH_STOP_ARRIVED,
    DISPATCH_STOP_DONE, /* delivered (delivery) or loaded (pickup) */
    DISPATCH_STOP_FAILED,
    DISPATCH_STOP_CANCELLED,  /* order cancelled */
    DISPATCH_STOP_SUPERSEDED, /* replaced by a re-plan */
} dispatch_stop_status;

const char *dispatch_stop_kind_name(dispatch_stop_kind k);
const char *dispatch_stop_status_name(dispatch_stop_status s);

/* A stop: store/store_dispatch.h's record; kind and status hold the enums above. Fields: id,
 * plan_id, vehicle_id, driver_id, seq, kind, status, order_id, lat, lon, tw_start_s, tw_end_s
 * (epoch s, 0/0 = any time), service_s, leg_s/leg_m (planned travel from the previous stop),
 * eta_s (latest estimate), planned_s, weight_g, volume_cm3, parcels, late, arrived_ms, done_ms,
 * reason, note, proof, live (on a route drivers follow), transfer_from. */
typedef store_stop dispatch_stop;

typedef struct dispatch_route {
    char vehicle_id[DISPATCH_ID_MAX + 1];
    char driver_id[DISPATCH_ID_MAX + 1];
    double start_lat, start_lon; /* where the route starts (depot or current position) */
    bool has_end;
    double end_lat, end_lon;
    int64_t start_s, end_s; /* epoch seconds */
    int64_t cost, distance_m, duration_s;
    int64_t load_g, load_cm3, load_parcels; /* leaving the start */
    dispatch_stop *stops;                   /* in route order */
    size_t n_stops;
    char *geometry;          /* committed routes: the road path from start through the stops to
                                the end, encoded polyline precision 5; NULL until the worker
                                fetched it (dispatch_plan_clear frees it) */
    bool geometry_estimated; /* part of it is straight lines (no road, engine down) */
} dispatch_route;

typedef struct dispatch_unassigned {
    int64_t order_id;
    char reason[64]; /* solver_reason_text, or why the package could not be planned */
} dispatch_unassigned;

/* What a re-plan changes, against the routes it would replace. */
typedef struct dispatch_effect {
    int64_t cost_before, cost_after; /* remaining work */
    int64_t late_before, late_after; /* stops expected after their window end */
    int64_t unassigned_before, unassigned_after;
    int64_t routes_changed, stops_moved; /* stops that change vehicle */
    char trigger[32];                    /* breakdown, late, failed, urgent, cancelled, ... */
    char trigger_vehicle[DISPATCH_ID_MAX + 1];
} dispatch_effect;

typedef struct dispatch_plan {
    int64_t id;
    bool is_replan;
    dispatch_plan_status status;
    int64_t created_ms, updated_ms;
    int64_t day_start_s; /* epoch seconds of local midnight of the plan's day */
    int64_t best_cost;   /* while solving: best so far (-1 before the first) */
    int64_t cost, distance_m, duration_s;
    char error[256]; /* FAILED: why */
    char router[16]; /* what gave its travel times: geodesic | osrm | valhalla */
    int64_t matrix_cells, cells_estimated; /* off-diagonal matrix cells; of which estimated
                                              (every cell under the geodesic router) */
    dispatch_route *routes;
    size_t n_routes;
    dispatch_unassigned *unassigned;
    size_t n_unassigned;
    dispatch_effect effect; /* re-plans only */
} dispatch_plan;

void dispatch_plan_clear(dispatch_plan *p);

/* A pickup task (VROOM shipment semantics): collect at `from` within the window, carry it (the
 * load counts on the van from the pickup on) and drop it at `to`. Planned with the day's
 * deliveries; its two stops carry order_id and return_id. A return pickup is one (from = the
 * customer, to = the return depot); a B2B collect-and-deliver order can be another. */
typedef struct dispatch_pickup_task {
    int64_t order_id;                     /* the order it concerns (stops and tracking) */
    int64_t return_id;                    /* the RMA it collects; 0 = none */
    char depot_id[DISPATCH_ID_MAX + 1];   /* vans starting here take it; "" = any van */
    double from_lat, from_lon;            /* where it is collected */
    double to_lat, to_lon;                /* where it is dropped */
    int64_t window_start_s, window_end_s; /* on the pickup, epoch s; 0/0 = any time */
    int64_t weight_g, volume_cm3, parcels;
    int64_t service_s; /* at the pickup; 0 = opts.default_service_s */
} dispatch_pickup_task;

#define DISPATCH_PICKUPS_MAX 10000 /* pickup tasks in one plan request */

typedef struct dispatch_plan_req {
    const char *depot_id;     /* only ready packages of this depot; NULL/"" = all */
    int64_t day_start_s;      /* 0: local midnight of the earliest ready window (else today) */
    int64_t time_limit_ms;    /* 0: opts.plan_time_limit_ms */
    const char **vehicle_ids; /* NULL: every active vehicle with a driver */
    size_t n_vehicle_ids;
    const dispatch_pickup_task *pickups; /* planned with the ready packages (copied) */
    size_t n_pickups;
} dispatch_plan_req;

/* Records a plan in state `solving` (event plan.created) and queues its solve on the worker;
 * *plan_id is the new plan. The worker reads the ready packages and the fleet, solves, appends
 * plan.progress events (best cost so far) while it runs, then stores the routes as `proposed`
 * (event plan.proposed) or the plan as `failed`. Never blocks on the solve. */
LM_MUST_USE lm_status dispatch_plan_create(dispatch *d, const dispatch_plan_req *req,
                                           int64_t *plan_id, lm_errinfo *err);
/* The plan with its routes, stops and unassigned packages. NOT_FOUND if absent. */
LM_MUST_USE lm_status dispatch_plan_get(store_read *r, int64_t plan_id, dispatch_plan *out,
                                        lm_errinfo *err);
/* Plans newest first, without routes (at most limit). *out freed with dispatch_plan_list_free. */
LM_MUST_USE lm_status dispatch_plan_list(store_read *r, size_t limit, dispatch_plan **out,
                                         size_t *n, lm_errinfo *err);
void dispatch_plan_list_free(dispatch_plan *list, size_t n);
/* Commits a proposed plan: its orders go ready -> planned, each driver gets the route of the
 * vehicle it drives (event plan.committed, route.assigned per route). CONFLICT when the plan is
 * not proposed or an order is no longer ready (field names the order). */
LM_MUST_USE lm_status dispatch_plan_commit(dispatch *d, int64_t plan_id, lm_errinfo *err);
/* Discards a proposed (or solving) plan (event plan.discarded). CONFLICT otherwise. */
LM_MUST_USE lm_status dispatch_plan_discard(dispatch *d, int64_t plan_id, lm_errinfo *err);

/* A hand edit: moves stop_id of a proposed plan to to_vehicle at position (0-based among that
 * route's stops; -1 = the end). The edited routes are evaluated with solver_evaluate and checked
 * with solver_check before anything is stored: LM_OK and the new ETAs/costs are stored (event
 * plan.edited); on a broken constraint LM_CONFLICT, nothing changes, and violations[] (up to
 * cap) hold the sentences (the first also in err). */
typedef struct dispatch_violation {
    char message[256];
} dispatch_violation;
LM_MUST_USE lm_status dispatch_plan_move(dispatch *d, int64_t plan_id, int64_t stop_id,
                                         const char *to_vehicle, int position,
                                         dispatch_violation *violations, size_t cap,
                                         size_t *n_violations, lm_errinfo *err);

/* ---- Hand dispatch on live routes (dispatch/hand.c) ----
 * A dispatcher edits the routes drivers follow. Every edit is evaluated from the vans' live state
 * (where each is, now plus any delay its driver reported, the load on board, its shift, its
 * breaks where their stops are) with solver_evaluate and then solver_check before anything is
 * stored; a dry run gives the same verdict and changes nothing. A window that a stop already on
 * a route can no longer meet is not held against an edit (the stop is late either way); a new or
 * moved stop must meet its window. An applied edit bumps the live version (re-plans computed
 * before it become superseded) and appends, in the same tx, route.changed for each vehicle
 * touched (its driver id and the new stop order: the driver's app learns it from the event
 * stream and GET /v1/driver/route) and the orders' own events (ready -> planned and back).
 * Parcels already on a started van stay on it (only reordered); a stop the driver is at stays
 * first; a break belongs to its van. */

typedef enum dispatch_hand_kind {
    DISPATCH_HAND_ASSIGN,   /* order_id (ready) onto vehicle_id's live route */
    DISPATCH_HAND_MOVE,     /* stop_id (pending on any live route) onto vehicle_id's */
    DISPATCH_HAND_REORDER,  /* vehicle_id's pending stops in the order of stop_ids (all of them) */
    DISPATCH_HAND_UNASSIGN, /* stop_id off its route: its order goes back to ready */
} dispatch_hand_kind;

typedef struct dispatch_hand_req {
    dispatch_hand_kind kind;
    const char *vehicle_id;  /* ASSIGN, MOVE, REORDER: the route edited */
    int64_t order_id;        /* ASSIGN */
    int64_t stop_id;         /* MOVE, UNASSIGN */
    int position;            /* ASSIGN, MOVE: 0-based index among the route's pending stops;
                                -1 = the cheapest feasible position */
    const int64_t *stop_ids; /* REORDER */
    size_t n_stop_ids;
    bool dry_run; /* evaluate and answer, store nothing */
} dispatch_hand_req;

#define DISPATCH_HAND_VIOLATIONS_MAX 8

typedef struct dispatch_hand_result {
    bool feasible;
    dispatch_violation violations[DISPATCH_HAND_VIOLATIONS_MAX];
    size_t n_violations;
    int64_t cost_before, cost_after; /* of the routes touched, as evaluated */
    int position;                    /* ASSIGN, MOVE: where the stop went (its delivery) */
    int64_t stop_id;                 /* ASSIGN, MOVE: its delivery stop (0 on a dry run assign) */
    dispatch_route routes[2];        /* the routes touched: pending stops with their new ETAs */
    size_t n_routes;
} dispatch_hand_result;

void dispatch_hand_result_clear(dispatch_hand_result *r);
/* Applies (or with dry_run only evaluates) req. LM_OK: feasible (and stored unless dry_run);
 * LM_CONFLICT with out->feasible false and out->violations: the edit breaks a constraint and
 * nothing changed; other errors name the field (vehicle_id, order_id, stop_id, stop_ids[i],
 * position) and change nothing. out is filled in both LM_OK and the violation case; clear it
 * with dispatch_hand_result_clear. */
LM_MUST_USE lm_status dispatch_hand_edit(dispatch *d, const dispatch_hand_req *req,
                                         dispatch_hand_result *out, lm_errinfo *err);
/* Locks (or unlocks) a pending live stop: re-plans keep it on its vehicle (event stop.locked /
 * stop.unlocked). NOT_FOUND names "stop_id"; CONFLICT when it is not pending on a live route. */
LM_MUST_USE lm_status dispatch_stop_lock(dispatch *d, int64_t stop_id, bool locked,
                                         lm_errinfo *err);
/* Locks (or unlocks) a vehicle's live route: re-plans leave its pending stops exactly as they
 * are and give it no new work (event route.locked / route.unlocked). */
LM_MUST_USE lm_status dispatch_route_lock(dispatch *d, const char *vehicle_id, bool locked,
                                          lm_errinfo *err);

/* A vehicle's live route for the dispatcher: its pending stops in order (locks on each stop). */
typedef struct dispatch_live_route {
    char vehicle_id[DISPATCH_ID_MAX + 1];
    char driver_id[DISPATCH_ID_MAX + 1];
    bool locked, started, broken;
    dispatch_stop *stops;
    size_t n_stops;
} dispatch_live_route;

/* NOT_FOUND names "vehicle_id". Free with dispatch_live_route_clear. */
LM_MUST_USE lm_status dispatch_live_route_get(store_read *r, const char *vehicle_id,
                                              dispatch_live_route *out, lm_errinfo *err);
void dispatch_live_route_clear(dispatch_live_route *rt);

/* ---- Live tracking ---- */

typedef struct dispatch_obs_result {
    bool known;            /* the driver has a vehicle and a committed route today */
    bool started;          /* this position started the route (route.started) */
    int64_t arrived_stop;  /* stop detected as arrived by this position, 0 if none */
    size_t etas_changed;   /* stops whose ETA moved beyond the threshold */
    size_t late;           /* stops that became late */
    bool replan_requested; /* an exception this position revealed queued a re-plan */
} dispatch_obs_result;

/* A driver's position (from the driver API or OsmAnd; t_ms is the device time), which MUST have
 * passed the position filters: in the server only position ingest (dispatch/ingest.h) calls
 * this, after dispatch_filter_check, so route starts and arrivals come from accepted fixes
 * only. Updates the
 * vehicle's live state; an older position than the last one seen is ignored (LM_OK, nothing
 * changes). Detects the arrival at the next stop (inside arrival_radius_m, slower than
 * arrival_speed_mps, for arrival_dwell_ms), recomputes the ETA of every remaining stop from here
 * (planned legs scaled by the observed pace, service times, windows), and appends route.started,
 * stop.arrived, stop.eta_changed and stop.late in tx. speed_mps < 0 = unknown. A driver with no
 * route is only recorded (out->known false). NOT_FOUND for an unknown driver. */
LM_MUST_USE lm_status dispatch_observe_position(dispatch *d, store_tx *tx, const char *driver_id,
                                                double lat, double lon, int64_t t_ms,
                                                double speed_mps, dispatch_obs_result *out,
                                                lm_errinfo *err);

/* ---- Stop actions (driver API; driver_id NULL = a dispatcher acting) ----
 * Each checks that the stop is on the driver's live route (FORBIDDEN otherwise: a driver only
 * changes its own route), that the transition is allowed (CONFLICT naming the stop's status),
 * applies it with the order's lifecycle change and events in tx. */

LM_MUST_USE lm_status dispatch_stop_arrived(dispatch *d, store_tx *tx, const char *driver_id,
                                            int64_t stop_id, int64_t t_ms, lm_errinfo *err);
/* Delivery done (or pickup loaded): the order goes delivered (event stop.delivered, order.*).
 * proof: recipient / file reference ("" allowed), kept with the stop. */
LM_MUST_USE lm_status dispatch_stop_delivered(dispatch *d, store_tx *tx, const char *driver_id,
                                              int64_t stop_id, const char *proof, int64_t t_ms,
                                              lm_errinfo *err);
/* A failed attempt (reason: not_home, refused, address_not_found, damaged, other). If the order's
 * window still leaves time today the parcel stays on board and a re-plan retries it later;
 * otherwise the order is failed and the parcel goes back to the depot. Event stop.failed. */
LM_MUST_USE lm_status dispatch_stop_failed(dispatch *d, store_tx *tx, const char *driver_id,
                                           int64_t stop_id, const char *reason, const char *note,
                                           int64_t t_ms, lm_errinfo *err);

typedef enum dispatch_exception_kind {
    DISPATCH_EXC_BREAKDOWN,    /* vehicle out: remaining stops and parcels go to others */
    DISPATCH_EXC_DELAY,        /* driver reports a delay (minutes): ETAs shift */
    DISPATCH_EXC_ACCIDENT,     /* handled like a breakdown */
    DISPATCH_EXC_VEHICLE_FULL, /* no new work for this vehicle */
} dispatch_exception_kind;

/* Parses "breakdown" | "delay" | "accident" | "vehicle_full". */
bool dispatch_exception_parse(const char *name, dispatch_exception_kind *out);
/* The driver says the route starts now (the app's "start route"): orders on board go out for
 * delivery and route.started is recorded, as a first position away from the depot would do.
 * *already when it had started (nothing changes). CONFLICT without vehicle, stops, or when broken
 * down. */
LM_MUST_USE lm_status dispatch_driver_start(dispatch *d, store_tx *tx, const char *driver_id,
                                            int64_t t_ms, bool *already, lm_errinfo *err);
/* A driver's exception (event driver.exception, and vehicle.breakdown for breakdown/accident);
 * delay_s is used by DELAY. Breakdowns and full vehicles queue a re-plan. */
LM_MUST_USE lm_status dispatch_driver_exception(dispatch *d, store_tx *tx, const char *driver_id,
                                                dispatch_exception_kind kind, int64_t delay_s,
                                                const char *note, int64_t t_ms, lm_errinfo *err);

/* The learned-speed factor (geo_speeds) of a leg from `from` to `to` leaving at epoch second
 * at_s (local hour by utc_offset_s): what ETAs multiply its planned time by; 1 when nothing is
 * learned there and then, or learn_speeds is off. */
double dispatch_speed_factor(dispatch *d, geo_point from, geo_point to, int64_t at_s);

/* Periodic work: vehicle.silent for started routes without a position for silent_after_ms (each
 * raises a re-plan once). Runs its own tx. The worker calls it every tick_ms. */
LM_MUST_USE lm_status dispatch_tick(dispatch *d, int64_t now_ms, lm_errinfo *err);

/* ---- Re-planning ---- */

/* Triggers for dispatch_replan_request. Position, stop and exception functions queue theirs. */
typedef enum dispatch_trigger {
    DISPATCH_TRIGGER_MANUAL,
    DISPATCH_TRIGGER_LATE,
    DISPATCH_TRIGGER_BREAKDOWN,
    DISPATCH_TRIGGER_FAILED,
    DISPATCH_TRIGGER_URGENT,    /* new ready orders to fit into the day */
    DISPATCH_TRIGGER_CANCELLED, /* a planned order was cancelled */
    DISPATCH_TRIGGER_SILENT,
    DISPATCH_TRIGGER_FULL,
} dispatch_trigger;

const char *dispatch_trigger_name(dispatch_trigger t);

/* Queues a re-plan of the remaining work (coalesced with one already queued). The worker keeps
 * what is done, starts each vehicle from its last known position at the current time with what it
 * carries (parcels on board stay on it unless it broke down: then they become transfers from its
 * position), keeps the stop each vehicle is driving to first, first solves with every unaffected
 * stop kept on its vehicle (the fast feasible answer), then lets the solver move stops with a
 * move_penalty per moved stop and keeps that answer only if it is cheaper. The result is a plan
 * with is_replan, status proposed and its effect (event plan.replan_proposed), or applied at once
 * with auto_apply. *replan_id (may be NULL) always receives 0: the worker creates the re-plan's
 * row, announced by plan.replan_proposed (dispatch_plan_list shows it). */
LM_MUST_USE lm_status dispatch_replan_request(dispatch *d, dispatch_trigger why,
                                              const char *vehicle_id, int64_t *replan_id,
                                              lm_errinfo *err);
/* Applies a proposed re-plan: the replaced pending stops become superseded, the new ones live,
 * new orders ready -> planned, cancelled orders' stops dropped (event plan.replanned). Nothing is
 * dropped silently: a planned order the re-plan left out goes back to ready (the next plan takes
 * it), a parcel on a broken van that no van could take over gets an open exception (rule
 * "unrouted", orders_exception_list) and an order.unrouted event. (A parcel on a running van is
 * never left out: the re-plan frees the van's first stop, then drops windows, to keep it.)
 * CONFLICT if the live routes changed since it was computed (it becomes superseded). */
LM_MUST_USE lm_status dispatch_replan_apply(dispatch *d, int64_t replan_id, lm_errinfo *err);

/* ---- Lookups ---- */

/* A stop with its customer, for the driver app. */
typedef struct dispatch_stop_view {
    dispatch_stop stop;
    char customer_name[DISPATCH_NAME_MAX + 1];
    char customer_phone[DISPATCH_PHONE_MAX + 1];
    char address[501];
    char instructions[1001]; /* the order's notes */
} dispatch_stop_view;

typedef struct dispatch_driver_route {
    dispatch_driver driver;
    bool has_route;
    char vehicle_id[DISPATCH_ID_MAX + 1];
    bool started, broken;
    dispatch_stop_view *stops; /* the day's live stops in order, done ones included */
    size_t n_stops;
} dispatch_driver_route;

/* The live route of a driver today. NOT_FOUND for an unknown driver; has_route false when none.
 * Free with dispatch_driver_route_clear. */
LM_MUST_USE lm_status dispatch_driver_route_get(store_read *r, const char *driver_id,
                                                dispatch_driver_route *out, lm_errinfo *err);
void dispatch_driver_route_clear(dispatch_driver_route *rt);
/* The newest pickup stop of return_id (an RMA of order_id) on a live route; NOT_FOUND when it
 * has none. */
LM_MUST_USE lm_status dispatch_return_stop_get(store_read *r, int64_t order_id, int64_t return_id,
                                               dispatch_stop *out, lm_errinfo *err);
/* One stop (any status). NOT_FOUND if absent. */
LM_MUST_USE lm_status dispatch_stop_get(store_read *r, int64_t stop_id, dispatch_stop *out,
                                        lm_errinfo *err);
/* The driver a live stop belongs to (for "a driver only sees its own route"); driver_out[0] is
 * '\0' when the stop is not on a live route. NOT_FOUND if the stop does not exist. */
LM_MUST_USE lm_status dispatch_stop_owner(store_read *r, int64_t stop_id,
                                          char driver_out[DISPATCH_ID_MAX + 1], lm_errinfo *err);

/* What a customer may see about one order. */
typedef struct dispatch_tracking {
    bool on_route;                /* the order has a live delivery stop */
    char stop_status[16];         /* dispatch_stop_status_name of that stop */
    int64_t eta_s;                /* current estimate, epoch seconds (0 when not on a route) */
    int64_t eta_from_s, eta_to_s; /* a window around it that widens with the stops before */
    int64_t stops_before;         /* pending stops of the vehicle before this one */
    bool driver_visible;          /* only when the order is the vehicle's next stop */
    double driver_lat, driver_lon;
    int64_t driver_seen_ms;
    bool delivered;
    int64_t delivered_ms;
    char proof[DISPATCH_NOTE_MAX + 1]; /* summary, e.g. "signed by J. Doe" */
    bool failed;
    char failed_reason[32];
} dispatch_tracking;

/* Tracking of order_id (the caller resolved the token and shows the order's own status). */
LM_MUST_USE lm_status dispatch_tracking_get(store_read *r, int64_t order_id, dispatch_tracking *out,
                                            lm_errinfo *err);

/* Live state of a vehicle (for the dashboard). */
typedef struct dispatch_vehicle_state {
    char vehicle_id[DISPATCH_ID_MAX + 1];
    char driver_id[DISPATCH_ID_MAX + 1];
    bool has_position;
    double lat, lon, speed_mps;
    int64_t seen_ms;
    double pace; /* observed travel time / planned (1 = as planned) */
    bool started, broken, silent, full;
    int64_t next_stop_id; /* 0 when none */
} dispatch_vehicle_state;

/* Every vehicle's state, ordered by vehicle id; *out lm_free'd by the caller. */
LM_MUST_USE lm_status dispatch_vehicle_states(store_read *r, dispatch_vehicle_state **out,
                                              size_t *n, lm_errinfo *err);

/* ---- Room for a delivery window (dispatch/slots.c) ---- */

typedef struct dispatch_slot {
    int64_t start_s, end_s; /* a candidate window (epoch s) */
    bool room;              /* filled: the planner serves the day with this order in w */
} dispatch_slot;

/* The start (UTC seconds) of the local day t_s falls in, on the clock of utc_offset_s. */
int64_t dispatch_day_start(const dispatch *d, int64_t t_s);

/* Fills slots[i].room for order_id (slots ordered by time): each day of the windows planned once
 * as a plan would be (active vehicles with a driver, the orders of the same depot allocated ..
 * planned with a window that day, on a fixed iteration budget); a window has room when that plan
 * serves all of them and this order can be inserted into one of its routes (or an idle van) in
 * the window with every constraint kept. An order without a location or depot has room nowhere. */
LM_MUST_USE lm_status dispatch_slots_check(dispatch *d, int64_t order_id, dispatch_slot *slots,
                                           size_t n, lm_errinfo *err);

#endif
