/* api/formats/instance.h: benchmark instance readers (Solomon VRPTW text, TSPLIB / CVRPLIB .vrp)
 * into the solver's integer problem, and the literature's cost conventions (datasets/README.md).
 *
 * Both readers build the solver's integer problem (owned by the instance) and keep the original
 * data (coordinates, demands, windows) for the benchmark, which recomputes every cost from the
 * coordinates in the literature's convention (datasets/README.md).
 *
 * Node i of the instance is matrix location i, in file order (Solomon: customer 0 = the depot
 * first; TSPLIB: node id i + 1). Jobs are the non-depot nodes in file order, one job per node,
 * job id = the customer number in the file (Solomon CUST NO., TSPLIB node id; a CVRPLIB .sol
 * customer c is TSPLIB node c + 1 = location c when the depot is node 1). Vehicle ids are 1..k,
 * all starting and ending at the depot. One capacity dimension.
 *
 * Integer model:
 * - CVRPLIB (EUC_2D): durations = distances = costs = nint(euclid) (TSPLIB: (int)(d + 0.5));
 *   EXPLICIT: the given weights. No time windows, no service times, shift unbounded. Fleet:
 *   names starting "X-" get a free fleet; otherwise k from "-kN" in NAME, else the VEHICLES
 *   keyword, else a free fleet. A free fleet is one vehicle per customer (always enough when every
 *   demand fits a vehicle; identical unused vehicles cost nothing).
 * - Solomon: scale FMT_SOLOMON_SCALE = 10000: durations = ceil(euclid * 10000) (conservative:
 *   integer-feasible implies feasible in reals), costs = distances = round(euclid * 10000); ready
 *   times x 10000 rounded up, due dates x 10000 rounded down, service x 10000 rounded up (all
 *   exact for the integer data of the classic files); shift = the depot's window; vehicle count
 *   and capacity from the file.
 * A demand larger than the capacity is accepted (the solver reports that job unassigned).
 * NAME loses a trailing ".vrp" (P-n40-k5 has one) so names match the bks.csv tables.
 * Memory: the problem holds n_nodes^2 int32 matrices (about 1.6 GB each at 20000 nodes).
 *
 * Errors: every malformed input gives LM_INVALID; err->field names the section or keyword and
 * err->message starts with "line N: " and says why. */
#ifndef LASTMILE_FORMATS_INSTANCE_H
#define LASTMILE_FORMATS_INSTANCE_H

#include "common/common.h"
#include "solver/solver.h"

#define FMT_SOLOMON_SCALE      10000
#define FMT_INSTANCE_MAX_NODES 20000       /* depot + customers */
#define FMT_INSTANCE_MAX_FILE  (16u << 20) /* fmt_instance_read_file's size cap */

typedef enum fmt_instance_format {
    FMT_INSTANCE_AUTO,    /* detect: a TSPLIB "KEY :" header or section, else Solomon */
    FMT_INSTANCE_SOLOMON, /* Solomon VRPTW text */
    FMT_INSTANCE_CVRPLIB, /* TSPLIB / CVRPLIB .vrp */
} fmt_instance_format;

/* A parsed instance. Read-only for callers; everything is owned by the instance. */
typedef struct fmt_instance {
    char name[64];
    fmt_instance_format format; /* SOLOMON or CVRPLIB, never AUTO */
    size_t n_nodes;             /* depot + customers = matrix side */
    uint32_t depot;             /* location of the depot */
    size_t n_customers;         /* = jobs in the problem */
    double *x, *y;              /* [n_nodes] coordinates; NULL for EXPLICIT without coordinates */
    uint64_t *node_id;          /* [n_nodes] number in the file (Solomon CUST NO., TSPLIB id) */
    int64_t *demand;            /* [n_nodes] in file units (depot: 0) */
    double *ready, *due, *service; /* [n_nodes] Solomon time data in file units; NULL for CVRPLIB */
    int32_t *weights;              /* [n_nodes^2] EXPLICIT edge weights, NULL otherwise */
    int64_t capacity;              /* per vehicle, file units */
    size_t n_vehicles;             /* vehicles in the problem */
    size_t fleet_limit;            /* at most this many routes count as valid; 0 = free fleet */
    int64_t scale;                 /* file time/distance unit -> integer model (10000 or 1) */
    solver_problem *problem;       /* the integer model above */
} fmt_instance;

/* Parses len bytes of buf (no NUL needed) as fmt. On success *out is a new instance to free with
 * fmt_instance_destroy; on failure *out is untouched and err says which line and why. */
LM_MUST_USE lm_status fmt_instance_parse(const char *buf, size_t len, fmt_instance_format fmt,
                                         fmt_instance **out, lm_errinfo *err);
/* Reads the file at path (at most FMT_INSTANCE_MAX_FILE bytes: LM_TOO_BIG beyond, LM_IO if it
 * cannot be read) and parses it. The instance name defaults to the file's base name without
 * extension when the file has none. */
LM_MUST_USE lm_status fmt_instance_read_file(const char *path, fmt_instance_format fmt,
                                             fmt_instance **out, lm_errinfo *err);
void fmt_instance_destroy(fmt_instance *inst);

/* Cost of one edge between locations a and b in the benchmark convention: Solomon the double
 * Euclidean distance, CVRPLIB nint(euclid) (or the EXPLICIT weight). */
double fmt_instance_edge_cost(const fmt_instance *inst, uint32_t a, uint32_t b);
/* Cost of the closed route depot -> locations[0] -> ... -> depot (n == 0: 0). */
double fmt_instance_route_cost(const fmt_instance *inst, const uint32_t *locations, size_t n);
/* Total cost of s in the benchmark convention: the sum over routes of the edge costs between
 * consecutive located steps (start, jobs, end). Ignores the solution's own integer costs. */
double fmt_instance_cost(const fmt_instance *inst, const solver_solution *s);

#endif
