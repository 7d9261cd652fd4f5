/* store: persistence of dispatch/'s fleet (vehicles, drivers), plans with their routes, stops and
 * unassigned packages, and each vehicle's live state. Plain records; dispatch/ owns the rules.
 * Ownership: lists are allocated here and lm_free'd by the caller; records passed in are only
 * read. Writes take a store_tx (the caller commits and appends its events in the same tx); reads
 * take a store_read (store_tx_read(tx) inside a tx). */
#ifndef LASTMILE_STORE_DISPATCH_H
#define LASTMILE_STORE_DISPATCH_H

#include "store/store.h"

#define STORE_D_ID_MAX     64
#define STORE_D_NAME_MAX   200
#define STORE_D_PHONE_MAX  32
#define STORE_D_SKILLS_MAX 16
#define STORE_D_BREAKS_MAX 4
#define STORE_D_NOTE_MAX   500

typedef struct store_break {
    int64_t start_s, end_s; /* window for the break's start, seconds after local midnight */
    int64_t service_s;      /* duration */
} store_break;

typedef struct store_vehicle {
    char id[STORE_D_ID_MAX + 1];
    char name[STORE_D_NAME_MAX + 1];
    int64_t capacity_g, capacity_cm3, capacity_parcels; /* 0 = unlimited in that dimension */
    int64_t cost_fixed, cost_per_hour, cost_per_km;     /* solver units; per_hour 3600 default */
    char skills[STORE_D_SKILLS_MAX][STORE_D_ID_MAX + 1];
    size_t n_skills;
    char start_depot[STORE_D_ID_MAX + 1]; /* depot ids (orders/ depots) */
    char end_depot[STORE_D_ID_MAX + 1];   /* "" = open route */
    int64_t shift_start_s, shift_end_s;   /* seconds after local midnight */
    store_break breaks[STORE_D_BREAKS_MAX];
    size_t n_breaks;
    double speed_factor; /* (0, 5], 1 default */
    bool active;         /* false: never planned */
} store_vehicle;

typedef struct store_driver {
    char id[STORE_D_ID_MAX + 1];
    char name[STORE_D_NAME_MAX + 1];
    char phone[STORE_D_PHONE_MAX + 1];
    char device_id[STORE_D_ID_MAX + 1];  /* OsmAnd `id`; unique; "" = none */
    char vehicle_id[STORE_D_ID_MAX + 1]; /* the vehicle driven today, "" = none */
    bool allow_short_device_id;          /* the operator accepted a device id shorter than the
                                            generated ones (migration 201) */
} store_driver;

/* A stop of a plan's route. kind and status hold dispatch/'s enum values. */
typedef struct store_stop {
    int64_t id;
    int64_t plan_id;
    char vehicle_id[STORE_D_ID_MAX + 1];
    char driver_id[STORE_D_ID_MAX + 1];
    int32_t seq; /* position on the vehicle's route of the day, increasing */
    int kind;    /* dispatch_stop_kind */
    int status;  /* dispatch_stop_status */
    int64_t order_id;
    double lat, lon;
    int64_t tw_start_s, tw_end_s; /* epoch seconds; 0/0 = any time */
    int64_t service_s;
    int64_t leg_s, leg_m; /* planned travel from the previous stop (or the start) */
    int64_t eta_s;        /* latest estimate of the arrival, epoch seconds */
    int64_t planned_s;    /* arrival as planned */
    int64_t weight_g, volume_cm3, parcels;
    bool late; /* stop.late raised */
    int64_t arrived_ms, done_ms;
    char reason[32]; /* failed: not_home | refused | address_not_found | damaged | other */
    char note[STORE_D_NOTE_MAX + 1];
    char proof[STORE_D_NOTE_MAX + 1]; /* delivered: proof reference (file id, recipient) */
    bool live;                        /* on a route drivers follow (committed / applied) */
    int64_t transfer_from;            /* pickup from a broken vehicle: the stop it replaces */
    int64_t source_stop;              /* re-plans: the live stop this one replaces (0 = new) */
    int64_t return_id; /* the RMA this stop collects (pickup) or brings back (depot drop); 0 =
                          none (migration 610) */
    bool locked;       /* a dispatcher locked it: re-plans keep it on its vehicle (migration 260) */
} store_stop;

typedef struct store_plan_route {
    int64_t plan_id;
    char vehicle_id[STORE_D_ID_MAX + 1];
    char driver_id[STORE_D_ID_MAX + 1];
    double start_lat, start_lon;
    bool has_end;
    double end_lat, end_lon;
    int64_t start_s, end_s;
    int64_t cost, distance_m, duration_s;
    int64_t load_g, load_cm3, load_parcels;
} store_plan_route;

typedef struct store_plan {
    int64_t id;
    bool is_replan;
    int status; /* dispatch_plan_status */
    int64_t created_ms, updated_ms;
    int64_t day_start_s;
    int64_t best_cost;
    int64_t cost, distance_m, duration_s;
    char error[256];
    char request[512]; /* the request as text (depot filter, vehicles, time limit) */
    int64_t based_on;  /* re-plans: the live version they were computed from */
    int64_t cost_before, late_before, late_after, unassigned_before, unassigned_after;
    int64_t routes_changed, stops_moved;
    char trigger[32];
    char trigger_vehicle[STORE_D_ID_MAX + 1];
    /* how its travel times were found (migration 210) */
    char router[16];         /* "geodesic" | "osrm" | "valhalla" | "" (not solved yet) */
    int64_t matrix_cells;    /* off-diagonal cells of its travel-time matrix */
    int64_t cells_estimated; /* of which estimated (all of them for the geodesic router) */
} store_plan;

typedef struct store_unassigned {
    int64_t order_id;
    char reason[64];
} store_unassigned;

typedef struct store_vstate {
    char vehicle_id[STORE_D_ID_MAX + 1];
    char driver_id[STORE_D_ID_MAX + 1];
    bool has_position;
    double lat, lon, speed_mps;
    int64_t seen_ms;
    double pace;
    bool started, broken, silent, full;
    int64_t arrive_stop, arrive_since_ms; /* arrival dwell in progress */
    int64_t delay_s;                      /* reported by the driver, added to ETAs */
    bool route_locked;   /* a dispatcher locked the route: re-plans leave it as it is (260) */
    int64_t started_ms;  /* device time of the route's route.started, 0 = none (740) */
    int64_t returned_ms; /* device time of its route.returned, 0 = not back yet (740) */
} store_vstate;

/* ---- Fleet ---- */

LM_MUST_USE lm_status store_vehicle_put(store_tx *tx, const store_vehicle *v, lm_errinfo *err);
LM_MUST_USE lm_status store_vehicle_get(store_read *r, const char *id, store_vehicle *out,
                                        lm_errinfo *err);
LM_MUST_USE lm_status store_vehicle_list(store_read *r, store_vehicle **out, size_t *n,
                                         lm_errinfo *err);
/* Device ids are unique: CONFLICT when another driver holds it. */
LM_MUST_USE lm_status store_driver_put(store_tx *tx, const store_driver *d, lm_errinfo *err);
LM_MUST_USE lm_status store_driver_get(store_read *r, const char *id, store_driver *out,
                                       lm_errinfo *err);
LM_MUST_USE lm_status store_driver_by_device(store_read *r, const char *device_id,
                                             store_driver *out, lm_errinfo *err);
/* The driver of a vehicle today ("" in out->id when none). */
LM_MUST_USE lm_status store_driver_by_vehicle(store_read *r, const char *vehicle_id,
                                              store_driver *out, lm_errinfo *err);
LM_MUST_USE lm_status store_driver_list(store_read *r, store_driver **out, size_t *n,
                                        lm_errinfo *err);

/* ---- Plans ---- */

/* Inserts p (its id is ignored) and writes the new id. */
LM_MUST_USE lm_status store_plan_insert(store_tx *tx, const store_plan *p, int64_t *id,
                                        lm_errinfo *err);
LM_MUST_USE lm_status store_plan_update(store_tx *tx, const store_plan *p, lm_errinfo *err);
LM_MUST_USE lm_status store_plan_get(store_read *r, int64_t id, store_plan *out, lm_errinfo *err);
/* Newest first, at most limit. */
LM_MUST_USE lm_status store_plan_list(store_read *r, size_t limit, store_plan **out, size_t *n,
                                      lm_errinfo *err);
/* Replaces the route row (plan_id, vehicle_id). */
LM_MUST_USE lm_status store_plan_route_put(store_tx *tx, const store_plan_route *rt,
                                           lm_errinfo *err);
LM_MUST_USE lm_status store_plan_route_delete(store_tx *tx, int64_t plan_id, const char *vehicle_id,
                                              lm_errinfo *err);
LM_MUST_USE lm_status store_plan_routes(store_read *r, int64_t plan_id, store_plan_route **out,
                                        size_t *n, lm_errinfo *err);
LM_MUST_USE lm_status store_unassigned_add(store_tx *tx, int64_t plan_id, const store_unassigned *u,
                                           lm_errinfo *err);
LM_MUST_USE lm_status store_unassigned_list(store_read *r, int64_t plan_id, store_unassigned **out,
                                            size_t *n, lm_errinfo *err);

/* ---- Route geometry (migration 210, store/roads.c) ---- */

/* Stores the road path of (plan_id, vehicle_id), an encoded polyline (precision 5), replacing
 * any; estimated = some of it is straight lines (engine down, no road). */
LM_MUST_USE lm_status store_route_geometry_put(store_tx *tx, int64_t plan_id,
                                               const char *vehicle_id, const char *polyline,
                                               bool estimated, int64_t now_ms, lm_errinfo *err);
/* *polyline (lm_free) and *estimated of (plan_id, vehicle_id); NOT_FOUND when none yet. */
LM_MUST_USE lm_status store_route_geometry_get(store_read *r, int64_t plan_id,
                                               const char *vehicle_id, char **polyline,
                                               bool *estimated, lm_errinfo *err);

typedef struct store_route_ref {
    int64_t plan_id;
    char vehicle_id[STORE_D_ID_MAX + 1];
} store_route_ref;

/* Routes of committed plans updated at or after since_ms that have no geometry yet, newest plan
 * first, at most limit; *out lm_free'd by the caller. */
LM_MUST_USE lm_status store_route_geometry_missing(store_read *r, int64_t since_ms, size_t limit,
                                                   store_route_ref **out, size_t *n,
                                                   lm_errinfo *err);

/* ---- Stops ---- */

LM_MUST_USE lm_status store_stop_insert(store_tx *tx, const store_stop *s, int64_t *id,
                                        lm_errinfo *err);
/* Writes every field of s but its id and plan. */
LM_MUST_USE lm_status store_stop_update(store_tx *tx, const store_stop *s, lm_errinfo *err);
LM_MUST_USE lm_status store_stop_get(store_read *r, int64_t id, store_stop *out, lm_errinfo *err);

/* Which stops store_stop_query returns (ordered by vehicle, seq, id). */
typedef struct store_stop_filter {
    int64_t plan_id;        /* > 0: stops of this plan */
    const char *vehicle_id; /* non-NULL: of this vehicle */
    int64_t order_id;       /* > 0: of this order */
    bool live_only;         /* only stops on live routes */
    bool pending_only;      /* only planned / arrived */
} store_stop_filter;

LM_MUST_USE lm_status store_stop_query(store_read *r, const store_stop_filter *f, store_stop **out,
                                       size_t *n, lm_errinfo *err);

/* Ids of pending live stops whose order has been cancelled. *out lm_free'd by the caller. */
LM_MUST_USE lm_status store_stops_cancelled(store_read *r, int64_t **out, size_t *n,
                                            lm_errinfo *err);

/* ---- Live state ---- */

/* NOT_FOUND when the vehicle has none yet. */
LM_MUST_USE lm_status store_vstate_get(store_read *r, const char *vehicle_id, store_vstate *out,
                                       lm_errinfo *err);
LM_MUST_USE lm_status store_vstate_put(store_tx *tx, const store_vstate *s, lm_errinfo *err);
LM_MUST_USE lm_status store_vstate_list(store_read *r, store_vstate **out, size_t *n,
                                        lm_errinfo *err);

/* A counter bumped by every change to live routes (re-plans check it before applying). */
LM_MUST_USE lm_status store_live_version(store_read *r, int64_t *out, lm_errinfo *err);
LM_MUST_USE lm_status store_live_version_bump(store_tx *tx, lm_errinfo *err);

#endif
