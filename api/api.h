/* api: the edge. HTTP server, JSON <-> struct conversion, benchmark file readers. */
#ifndef LASTMILE_API_H
#define LASTMILE_API_H

#include "common/common.h"

/* Versions of the edge libraries (static strings). */
const char *api_cjson_version(void);
const char *api_mhd_version(void);

/* ==== Benchmark instances (api/instance.c): Solomon and TSPLIB/CVRPLIB readers ====
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
 * - Solomon: scale API_SOLOMON_SCALE = 10000: durations = ceil(euclid * 10000) (conservative:
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

#include "solver/solver.h"

#define API_SOLOMON_SCALE      10000
#define API_INSTANCE_MAX_NODES 20000       /* depot + customers */
#define API_INSTANCE_MAX_FILE  (16u << 20) /* api_instance_read_file's size cap */

typedef enum api_instance_format {
    API_INSTANCE_AUTO,    /* detect: a TSPLIB "KEY :" header or section, else Solomon */
    API_INSTANCE_SOLOMON, /* Solomon VRPTW text */
    API_INSTANCE_CVRPLIB, /* TSPLIB / CVRPLIB .vrp */
} api_instance_format;

/* A parsed instance. Read-only for callers; everything is owned by the instance. */
typedef struct api_instance {
    char name[64];
    api_instance_format format; /* SOLOMON or CVRPLIB, never AUTO */
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
} api_instance;

/* Parses len bytes of buf (no NUL needed) as fmt. On success *out is a new instance to free with
 * api_instance_destroy; on failure *out is untouched and err says which line and why. */
LM_MUST_USE lm_status api_instance_parse(const char *buf, size_t len, api_instance_format fmt,
                                         api_instance **out, lm_errinfo *err);
/* Reads the file at path (at most API_INSTANCE_MAX_FILE bytes: LM_TOO_BIG beyond, LM_IO if it
 * cannot be read) and parses it. The instance name defaults to the file's base name without
 * extension when the file has none. */
LM_MUST_USE lm_status api_instance_read_file(const char *path, api_instance_format fmt,
                                             api_instance **out, lm_errinfo *err);
void api_instance_destroy(api_instance *inst);

/* Cost of one edge between locations a and b in the benchmark convention: Solomon the double
 * Euclidean distance, CVRPLIB nint(euclid) (or the EXPLICIT weight). */
double api_instance_edge_cost(const api_instance *inst, uint32_t a, uint32_t b);
/* Cost of the closed route depot -> locations[0] -> ... -> depot (n == 0: 0). */
double api_instance_route_cost(const api_instance *inst, const uint32_t *locations, size_t n);
/* Total cost of s in the benchmark convention: the sum over routes of the edge costs between
 * consecutive located steps (start, jobs, end). Ignores the solution's own integer costs. */
double api_instance_cost(const api_instance *inst, const solver_solution *s);

/* ==== end of benchmark instances ==== */

/* ==== VROOM JSON (api/vroom.c): the problem format of `lastmile solve` and POST /v1/solve ====
 *
 * api_vroom_parse reads a VROOM problem (jobs, shipments, vehicles, matrices; docs/api-vroom.md
 * lists what is supported) into an api_vroom_input that owns the solver_problem it builds;
 * api_vroom_solve / api_vroom_plan solve or evaluate it; api_vroom_write turns a solution into
 * VROOM's output JSON (code, summary, unassigned, routes[].steps[]).
 *
 * Ownership: api_vroom_parse and api_vroom_input_from_instance hand the caller an input to free
 * with api_vroom_input_destroy (NULL-safe). An input from an instance borrows the instance, which
 * must outlive it. api_vroom_write and api_vroom_error_write hand the caller a NUL-terminated
 * string to free with lm_free. Solutions are the caller's (solver_solution_destroy). An input is
 * read-only after parsing: several threads may solve and write it at once.
 *
 * Errors: bad input gives LM_INVALID (or LM_TOO_BIG past a limit) with err->field the JSON path
 * ("jobs[3].time_windows[0]") and err->message the reason; api_vroom_code maps any lm_status to
 * VROOM's code (0 ok, 1 internal, 2 input, 3 routing). */

enum api_vroom_codes {
    API_VROOM_OK = 0,
    API_VROOM_INTERNAL = 1,
    API_VROOM_INPUT = 2,
    API_VROOM_ROUTING = 3,
};

struct geo_matrix_provider;

typedef struct api_vroom_opts {
    size_t max_bytes;     /* whole document; default 32 MiB */
    size_t max_jobs;      /* default 20000 */
    size_t max_shipments; /* default 10000 */
    size_t max_vehicles;  /* default 2000 */
    size_t max_locations; /* matrix side; default 10000 */
    size_t max_string;    /* description bytes; default 1024 */
    /* Routes coordinates when no matrix is given; borrowed. NULL: a geodesic estimate. */
    struct geo_matrix_provider *matrix_provider;
} api_vroom_opts;

typedef struct api_vroom_input api_vroom_input;

void api_vroom_opts_init(api_vroom_opts *o);
/* Parses json[0..len) (no NUL needed). On success *out is the new input; on failure *out is
 * untouched and err names the field and the reason. o may be NULL (defaults). */
LM_MUST_USE lm_status api_vroom_parse(const char *json, size_t len, const api_vroom_opts *o,
                                      api_vroom_input **out, lm_errinfo *err);
/* A view of a Solomon / CVRPLIB instance (borrowed) so that its solutions can be written in
 * VROOM's shape: job ids are the file's customer numbers, locations are matrix indices. */
LM_MUST_USE lm_status api_vroom_input_from_instance(const api_instance *inst, api_vroom_input **out,
                                                    lm_errinfo *err);
void api_vroom_input_destroy(api_vroom_input *in);
/* The problem the input built (owned by the input). */
const solver_problem *api_vroom_input_problem(const api_vroom_input *in);
/* True if some vehicle has `steps` (then api_vroom_plan can evaluate them as whole routes). */
bool api_vroom_input_has_steps(const api_vroom_input *in);

/* Solves the input with solver_solve (vehicle steps are kept as each route's first tasks). */
LM_MUST_USE lm_status api_vroom_solve(const api_vroom_input *in, const solver_opts *o,
                                      solver_solution **out, lm_errinfo *err);
/* VROOM's plan mode (-c): every vehicle's `steps` are its whole route, in order; computes
 * arrivals, loads and costs with solver_evaluate. LM_INVALID if a route breaks a constraint. */
LM_MUST_USE lm_status api_vroom_plan(const api_vroom_input *in, solver_solution **out,
                                     lm_errinfo *err);

/* Writes s (a solution of in's problem) as VROOM output JSON: pretty adds newlines and indents.
 * *out_len is the length without the NUL. LM_INTERNAL if s refers to tasks in doesn't have. */
LM_MUST_USE lm_status api_vroom_write(const api_vroom_input *in, const solver_solution *s,
                                      bool pretty, char **out, size_t *out_len, lm_errinfo *err);
/* {"code": api_vroom_code(st), "error": "<field>: <message>"}; NULL only when out of memory. */
LM_MUST_USE char *api_vroom_error_write(lm_status st, const lm_errinfo *err);
/* VROOM's error code for a status: OK 0; INVALID, TOO_BIG, NOT_FOUND, CONFLICT 2; ROUTING,
 * UNAVAILABLE 3; anything else 1. */
int api_vroom_code(lm_status st);

/* ==== end of VROOM JSON ==== */

/* ==== HTTP server (api/server.c): libmicrohttpd, the route table of api/routes.c ====
 *
 * api_server_start serves the route table on a libmicrohttpd daemon (internal polling thread with
 * epoll, optionally a thread pool) until api_server_stop. The store is borrowed: it must outlive
 * the server, and the caller closes it after api_server_stop. */

#include "store/store.h"

typedef struct api_server api_server;

typedef struct api_server_opts {
    const char *bind_addr; /* IPv4 address to listen on; default "127.0.0.1" */
    uint16_t port;         /* 0 = any free port (see api_server_port); default 8080 */
    unsigned threads;      /* worker threads (1 = the polling thread itself); default 2 */
    size_t max_body_bytes; /* larger request bodies get 413; default 1 MiB */
    const char *web_root;  /* directory served under / for GET; NULL = none; default NULL */
    int log_fd;            /* one JSON line per request is written here; -1 = none; default 2 */
    enum {
        API_LOOP_POLL,  /* poll(): the default (api/server.c says why not epoll) */
        API_LOOP_EPOLL, /* epoll: faster below 128 connections per thread, stalls at 128+ */
    } event_loop;
    /* Live tracking (issue 5): the driver API, OsmAnd, tracking pages, SSE and webhooks. */
    struct dispatch *dispatch;     /* borrowed; NULL = routes that need it answer 503 */
    int osmand_port;               /* OsmAnd listener: -1 none (default), 0 any free port */
    int64_t positions_retention_s; /* positions older are pruned; 0 = keep; default 30 days */
    const char *data_dir;          /* delivery proofs go under <data_dir>/proofs; default "var" */
    double track_rate_per_s;       /* tracking polls per client address: refill rate (default 2) */
    double track_burst;            /* ... and bucket size (default 20) */
} api_server_opts;

void api_server_opts_init(api_server_opts *o);
/* Starts serving. On failure *out is untouched and err says why (e.g. the port is taken). */
LM_MUST_USE lm_status api_server_start(const api_server_opts *o, store *s, api_server **out,
                                       lm_errinfo *err);
/* The port actually bound (useful with port 0). */
uint16_t api_server_port(const api_server *srv);
/* The OsmAnd listener's port (0 when it is off). */
uint16_t api_server_osmand_port(const api_server *srv);
/* Graceful stop: stops accepting at once, waits up to drain_ms for requests in flight to finish,
 * then closes every connection and frees the server. NULL-safe. */
void api_server_stop(api_server *srv, int drain_ms);

/* ==== end of HTTP server ==== */

/* ==== Demo scenario (api/demo.c): a seeded delivery day in Lyon, France ====
 *
 * The JSON the HTTP API accepts, in one document: scenario (date, timezone, seed), service_area
 * (GeoJSON Polygon), depots (2), products (40), stock (per depot and SKU, with reorder points;
 * some SKUs short or out), vehicles (25, capacity in kg and litres, shift and lunch break),
 * drivers (25: name, phone, device id), orders (600: external_ref, channel, customer with
 * address and location, lines, one 2-4 h time window, priority, notes). Coordinates are
 * [lon, lat]; times are seconds since local midnight of scenario.date. Field by field:
 * datasets/demo/README.md; seed 1 is committed as datasets/demo/lyon-seed1.json. */

/* Generates the day for seed: the same seed gives byte-identical JSON (own PRNG, no clock, no
 * locale). On success *out_json is a NUL-terminated string to free with lm_free; LM_NOMEM
 * otherwise (*out_json untouched). */
LM_MUST_USE lm_status api_demo_json(uint64_t seed, char **out_json);

/* ==== end of demo scenario ==== */

/* ==== Orders CSV (api/orders_csv.c) ====
 *
 * One order per row; a header row names the columns (any order, case-insensitive): external_ref,
 * channel, customer_name, customer_phone, customer_email, customer_address, lon, lat, lines
 * (required: "SKU:qty;SKU:qty"), window_start, window_end (epoch seconds or ISO-8601 with a zone),
 * priority (0..100), notes, out_of_stock (cancel | backorder | substitute). RFC 4180 quoting.
 * A row with an external_ref is imported under the idempotency key "csv:<channel>:<ref>", so
 * importing the same file twice creates nothing new. */

#include "store/store_orders.h"

#define API_ORDERS_CSV_MAX_ROWS 100000

typedef struct api_orders_csv api_orders_csv;

/* Splits text[0..len) into rows and checks the header. LM_INVALID (err says the line and why)
 * for an unknown column, a missing 'lines' column or broken quoting; LM_TOO_BIG past the row cap.
 */
LM_MUST_USE lm_status api_orders_csv_parse(const char *text, size_t len, api_orders_csv **out,
                                           lm_errinfo *err);
void api_orders_csv_destroy(api_orders_csv *c);
/* Number of data rows, and the 1-based line of the file where row i starts. */
size_t api_orders_csv_count(const api_orders_csv *c);
size_t api_orders_csv_line(const api_orders_csv *c, size_t i);
/* Where row i's bytes are in the parsed text (without its line break), and how many bytes the
 * header takes (line break included): to send a file in chunks. */
void api_orders_csv_span(const api_orders_csv *c, size_t i, size_t *off, size_t *len);
size_t api_orders_csv_header_len(const api_orders_csv *c);
/* Row i as an order (lines allocated: orders_order_clear) and its idempotency key ("" without an
 * external_ref; store_order is orders/'s orders_order). On failure err names the column and says
 * "line N: why". */
LM_MUST_USE lm_status api_orders_csv_order(const api_orders_csv *c, size_t i, store_order *out,
                                           char idem_key[STORE_REF_MAX + 1], lm_errinfo *err);

/* Loads the demo day of api_demo_json(seed) through orders/ (service area, depots, products,
 * stock, then every order: audited and allocated like any other) when the database has no depot
 * yet; otherwise changes nothing and sets sum->loaded false. Call before serving: it briefly sets
 * the process time zone to the scenario's to turn its local windows into epoch seconds. Vehicles
 * and drivers are dispatch's. */
typedef struct api_demo_summary {
    bool loaded;
    size_t depots, products, stock_rows, orders;
    size_t allocated, held, backordered, cancelled;
} api_demo_summary;
/* day_midnight_s: epoch seconds of the local midnight the demo's windows (seconds after
 * midnight) are placed on; negative: the scenario's own date in its own time zone. */
LM_MUST_USE lm_status api_demo_load(store *s, uint64_t seed, int64_t day_midnight_s,
                                    api_demo_summary *sum, lm_errinfo *err);

/* ==== end of orders CSV ==== */

/* ==== Solver benchmark (api/bench.c): bench/bench_solver and `lastmile bench` ====
 *
 * Reads every .txt / .vrp file of a directory (sorted by name, at most 256) with
 * api_instance_read_file, solves those with a row in the best-known table (one thread, the given
 * time limit and seed), verifies each solution with solver_check, re-costs it with
 * api_instance_cost and prints one line per instance to out, then a markdown table per group
 * (Solomon "RC2", CVRPLIB "A") and overall. Infeasible, failed or partly unassigned solutions are
 * printed but left out of the table. Diagnostics go to stderr. Table files are CSV with a header,
 * then instance,vehicles,cost[,...]. */

typedef struct api_bench_opts {
    const char *dir;               /* instance directory (required) */
    const char *bks_path;          /* best-known costs and vehicles (required) */
    const char *vehicles_bks_path; /* NULL, or a table whose vehicles column wins */
    int64_t time_limit_ms;         /* per instance, >= 1 (default 1000) */
    uint64_t seed;                 /* default 1 */
    bool use_set_partitioning;     /* GLPK set partitioning in the solver (default on) */
    size_t max_customers;          /* skip larger instances (default 100000) */
    const char *only;              /* NULL, or the one instance name to run */
    const char *csv_path;          /* NULL, or a file to write one row per instance to */
    const char *md_path;           /* NULL: the table goes to out; else appended to this file */
    const char *title;             /* the table's heading (default "results") */
} api_bench_opts;

void api_bench_opts_init(api_bench_opts *o);
/* Runs the benchmark described by o. LM_INVALID (err->field "bks", "dir" or "time_limit_ms") for
 * missing options or a table without rows, LM_IO (field "dir", "bks" or "csv") for an unreadable
 * directory or table or an unwritable CSV,
 * LM_NOT_FOUND when o->only names no instance of the directory with a best-known row. Instance
 * lines already printed stay printed when a later step fails. */
LM_MUST_USE lm_status api_bench_run(const api_bench_opts *o, FILE *out, lm_errinfo *err);

/* ==== end of solver benchmark ==== */

#endif
