/* api/formats/plan_json.h: JSON bodies of the planning routes -> plain requests: POST /v1/plans,
 * POST /v1/plans/{id}/move, POST /v1/replans and the hand dispatch bodies (POST
 * /v1/plans/{id}/assign, /v1/routes/{vehicle}/stops and the locks). Unknown keys are refused with
 * the key named, strings are UTF-8 without control characters, numbers are range-checked before any
 * cast, a day start given as a time is calendar-checked (RFC 3339 with a zone). Whether the depot
 * and the vehicles named exist is the caller's check (it has the store). Errors name the field by
 * its JSON path; *out is undefined on failure. Strings handed out are borrowed from the tree. */
#ifndef LASTMILE_FORMATS_PLAN_JSON_H
#define LASTMILE_FORMATS_PLAN_JSON_H

#include "common/common.h"
#include "dispatch/dispatch.h"

#include <cjson/cJSON.h>

#define FMT_PLAN_VEHICLES_MAX 256 /* vehicle ids one plan request may name */

/* {"depot", "time_limit_ms" (0..600000), "day_start" (epoch seconds or an RFC 3339 time),
 * "vehicles": ["V1", ...]}; j may be NULL (no body: every default). */
typedef struct fmt_plan_body {
    char depot[DISPATCH_ID_MAX + 1]; /* "" = every depot */
    int64_t time_limit_ms;           /* 0 = the server's default */
    int64_t day_start_s;             /* 0 = derived from the ready windows */
    const char *vehicle_ids[FMT_PLAN_VEHICLES_MAX];
    size_t n_vehicle_ids;
    bool has_vehicles; /* "vehicles" was given (even empty) */
} fmt_plan_body;
LM_MUST_USE lm_status fmt_plan_from_json(const cJSON *j, fmt_plan_body *out, lm_errinfo *err);

/* {"stop": id, "to_vehicle": "V2", "position": -1 (append) .. 100000}. */
typedef struct fmt_plan_move {
    int64_t stop_id;
    char to_vehicle[DISPATCH_ID_MAX + 1];
    int64_t position;
} fmt_plan_move;
LM_MUST_USE lm_status fmt_plan_move_from_json(const cJSON *j, fmt_plan_move *out, lm_errinfo *err);

/* {"vehicle_id"}: the vehicle whose trouble asks for the re-plan ("" = none); j may be NULL. */
LM_MUST_USE lm_status fmt_replan_from_json(const cJSON *j, char vehicle_id[DISPATCH_ID_MAX + 1],
                                           lm_errinfo *err);

/* Hand dispatch bodies, one reader for the shapes below; every shape takes "dry_run" (bool). */
#define FMT_HAND_STOPS_MAX 300 /* stop ids one reorder may list */
typedef enum fmt_hand_shape {
    FMT_HAND_ASSIGN, /* {"order_id", "vehicle_id", "position"}: order and vehicle required */
    FMT_HAND_INSERT, /* {"order_id" | "stop_id" (exactly one), "position"} */
    FMT_HAND_ORDER,  /* {"stop_ids": [id, ...]} required */
    FMT_HAND_LOCK,   /* {"locked": bool} required (no dry_run) */
} fmt_hand_shape;
typedef struct fmt_hand_body {
    int64_t order_id, stop_id; /* 0 = absent */
    char vehicle_id[DISPATCH_ID_MAX + 1];
    int64_t position; /* -1 = the cheapest feasible place */
    bool dry_run, locked;
    int64_t stop_ids[FMT_HAND_STOPS_MAX];
    size_t n_stop_ids;
} fmt_hand_body;
LM_MUST_USE lm_status fmt_hand_from_json(const cJSON *j, fmt_hand_shape shape, fmt_hand_body *out,
                                         lm_errinfo *err);

#endif
