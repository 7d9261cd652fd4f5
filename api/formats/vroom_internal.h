/* api/formats/vroom_internal.h: what the VROOM codec's files share (vroom_read.c reads fields,
 * tasks and vehicles; vroom_parse.c the matrices, locations and the whole document; vroom_plan.c
 * and vroom_write.c use the parsed input). Only api/formats/vroom_*.c include this. */
#ifndef LASTMILE_FORMATS_VROOM_INTERNAL_H
#define LASTMILE_FORMATS_VROOM_INTERNAL_H

#include "api/formats/json.h"
#include "api/formats/vroom.h"

#define MAX_ID                                                                                     \
    (INT64_C(1) << 53)                   /* cJSON's doubles are exact up to here; beyond, ids are  \
                                          * read from their literal (vroom_ids.c) */
#define MAX_AMOUNT    (INT64_C(1) << 40) /* the builder's bound on amounts and capacities */
#define MAX_STEPS     1000               /* vehicle steps */
#define PATH_LEN      FMT_JSON_PATH_MAX  /* = sizeof(lm_errinfo.field) */
#define DEFAULT_PROF  "car"
#define PROFILE_CHARS 64

/* ---- The parsed input ---- */

/* Where a task or vehicle end is: a matrix index and, when given, its coordinates. */
typedef struct vroom_loc {
    bool present;
    bool has_coord;
    bool has_index;
    uint32_t index; /* matrix index once resolved */
    double lon, lat;
} vroom_loc;

/* One entry of setup_per_type / service_per_type: a vehicle type and its duration. */
typedef struct vroom_typed {
    const char *type;
    int64_t value_s;
} vroom_typed;

typedef struct vroom_task {
    uint64_t id;
    const char *description; /* NULL when absent; arena memory */
    vroom_loc loc;
    int64_t delivery[SOLVER_MAX_DIMS]; /* what the route's delivery/pickup totals add up */
    int64_t pickup[SOLVER_MAX_DIMS];
    uint32_t priority;          /* a shipment's, on both its steps (VROOM counts it at each) */
    int64_t setup_s, service_s; /* the defaults */
    const vroom_typed *setup_pt, *service_pt; /* per vehicle type (arena), NULL when absent */
    size_t n_setup_pt, n_service_pt;
} vroom_task;

typedef struct vroom_break {
    uint64_t id;
    const char *description;
} vroom_break;

typedef struct vroom_vehicle {
    uint64_t id;
    const char *description;
    const char *type; /* VROOM's vehicle type; NULL or "" for the default type */
    vroom_loc start, end;
    vroom_break *breaks;
    size_t n_breaks;
    solver_task_ref *steps; /* the vehicle's job/pickup/delivery/break steps, in order */
    size_t n_steps;
    solver_plan_step *plan; /* every step as given (start/end too, service_*), for plan mode */
    size_t n_plan;
} vroom_vehicle;

struct fmt_vroom_input {
    lm_arena *arena; /* every pointer below lives here */
    solver_problem *problem;
    bool borrowed; /* problem belongs to an fmt_instance */
    uint32_t n_dims;
    vroom_task *jobs;
    size_t n_jobs;
    vroom_task *pickups, *deliveries; /* per shipment */
    size_t n_shipments;
    vroom_vehicle *vehicles;
    size_t n_vehicles;
    size_t n_locations;    /* matrix side */
    vroom_loc *index_loc;  /* per matrix index: its coordinates when some input gave them */
    bool index_based;      /* locations came as matrix indices (echo location_index) */
    bool has_distances;    /* distances known: report them */
    uint64_t iterations;   /* options.iterations; 0 when absent */
    bool geometry;         /* options.g (vroom-express) or the caller's -g: routes' road paths */
    bool plan;             /* options.c (vroom-express) or the caller's -c: plan mode */
    unsigned threads;      /* options.t; 0 when absent */
    int exploration;       /* options.x (0..5); -1 when absent */
    int64_t time_limit_ms; /* options.l in ms; 0 when absent */
    bool per_type_varies;  /* some task's setup/service differs between the fleet's types */
    const char *profile;   /* the vehicles' routing profile (arena copy) */
    int64_t loading_ms;    /* parse and build */
    int64_t routing_ms;    /* matrix computation */
};

/* An integer literal of 16 digits or more, read exactly (vroom_ids.c). */
typedef struct fmt_vroom_big {
    const cJSON *node;
    uint64_t value;
    bool ok; /* fits in a uint64_t */
} fmt_vroom_big;

/* The parse context: options, the input being built, and what the readers learn on the way. */
typedef struct pctx {
    const fmt_vroom_opts *o;
    fmt_vroom_input *in;
    lm_errinfo *err;
    int dims;            /* amount dimensions, fixed by vehicles[0].capacity */
    const char *profile; /* the one routing profile */
    size_t n_matrix;     /* side of the given matrix, 0 when none */
    bool costs_matrix;   /* a costs matrix was given */
    /* Per task: 1 + the vehicle whose steps hold it, 0 when none (a task is fixed once). */
    uint32_t *fixed_job, *fixed_pickup, *fixed_delivery;
    fmt_vroom_big *big; /* long integer literals in document order (ids beyond 2^53) */
    size_t n_big;
} pctx;

/* A task id and its index in the input, sorted by id for lookups. */
typedef struct id_entry {
    uint64_t id;
    uint32_t index;
} id_entry;

typedef struct id_tables {
    id_entry *jobs, *pickups, *deliveries;
} id_tables;

/* snprintf where cutting a long path or message is acceptable. */
void fmt__vroom_printf(char *dst, size_t size, const char *fmt, ...) LM_PRINTF(3, 4);
/* n zeroed elements of size bytes from the input's arena; NULL when n is 0 or out of memory. */
void *fmt__vroom_array(pctx *c, size_t n, size_t size);
/* LM_NOMEM with a message. */
lm_status fmt__vroom_nomem(pctx *c);

/* jobs[i] into j (the solver's job) and t (what the writer echoes). */
lm_status fmt__vroom_read_job(pctx *c, const cJSON *obj, size_t i, solver_job *j, vroom_task *t);
/* shipments[i] into s, its pickup pt and delivery dt. */
lm_status fmt__vroom_read_shipment(pctx *c, const cJSON *obj, size_t i, solver_shipment *s,
                                   vroom_task *pt, vroom_task *dt);
/* Sorted (id, index) table over tasks; reports the first duplicate as "<what>[i].<sub>id". */
lm_status fmt__vroom_id_table(pctx *c, const vroom_task *tasks, size_t n, const char *what,
                              const char *sub, id_entry **out);
/* vehicles[i] into v and m; ids resolve the vehicle's steps. */
lm_status fmt__vroom_read_vehicle(pctx *c, const cJSON *obj, size_t i, const id_tables *ids,
                                  solver_vehicle *v, vroom_vehicle *m);
/* A task's setup and service for vehicle type `type` (VROOM: the per-type value if the type
 * is named there, else the default; the default type "" is never overridden). */
int64_t fmt__vroom_task_setup(const vroom_task *t, const char *type);
int64_t fmt__vroom_task_service(const vroom_task *t, const char *type);
/* After vehicles are read: the solver's setup/service of every task (the per-type value when it
 * is the same for the whole fleet; otherwise in->per_type_varies, for plan mode only). */
void fmt__vroom_resolve_per_type(fmt_vroom_input *in, solver_job *jobs, solver_shipment *ships);
/* Pairs the long integer literals of json with root's number nodes (ids beyond 2^53). */
lm_status fmt__vroom_big_numbers(pctx *c, const char *json, size_t len, const cJSON *root);
/* The exact value of number node `node` when its literal was long; false otherwise (or when it
 * does not fit in 64 bits). */
bool fmt__vroom_exact_u64(const pctx *c, const cJSON *node, uint64_t *out);
/* The single routing profile: every vehicle's `profile` (default "car") must be the same. */
lm_status fmt__vroom_read_profile(pctx *c, const cJSON *vehicles);

#endif
