/* api/formats/vroom.h: VROOM JSON, the problem format of `lastmile solve` and POST /v1/solve.
 *
 * fmt_vroom_parse reads a VROOM problem (jobs, shipments, vehicles, matrices; docs/api-vroom.md
 * lists what is supported) into an fmt_vroom_input that owns the solver_problem it builds;
 * fmt_vroom_solve / fmt_vroom_plan solve or evaluate it; fmt_vroom_write turns a solution into
 * VROOM's output JSON (code, summary, unassigned, routes[].steps[]).
 *
 * Ownership: fmt_vroom_parse and fmt_vroom_input_from_instance hand the caller an input to free
 * with fmt_vroom_input_destroy (NULL-safe). An input from an instance borrows the instance, which
 * must outlive it. fmt_vroom_write and fmt_vroom_error_write hand the caller a NUL-terminated
 * string to free with lm_free. Solutions are the caller's (solver_solution_destroy). An input is
 * read-only after parsing: several threads may solve and write it at once.
 *
 * Errors: bad input gives LM_INVALID (or LM_TOO_BIG past a limit) with err->field the JSON path
 * ("jobs[3].time_windows[0]") and err->message the reason; fmt_vroom_code maps any lm_status to
 * VROOM's code (0 ok, 1 internal, 2 input, 3 routing). */
#ifndef LASTMILE_FORMATS_VROOM_H
#define LASTMILE_FORMATS_VROOM_H

#include "api/formats/instance.h"
#include "common/common.h"
#include "solver/solver.h"

enum fmt_vroom_codes {
    FMT_VROOM_OK = 0,
    FMT_VROOM_INTERNAL = 1,
    FMT_VROOM_INPUT = 2,
    FMT_VROOM_ROUTING = 3,
};

struct geo_matrix_provider;
struct geo_router;

typedef struct fmt_vroom_opts {
    size_t max_bytes;     /* whole document; default 32 MiB */
    size_t max_jobs;      /* default 20000 */
    size_t max_shipments; /* default 10000 */
    size_t max_vehicles;  /* default 2000 */
    size_t max_locations; /* matrix side; default 10000 */
    size_t max_string;    /* description bytes; default 1024 */
    /* Routes coordinates when no matrix is given; borrowed. NULL: a geodesic estimate. */
    struct geo_matrix_provider *matrix_provider;
    /* Routes by the vehicles' profile instead (wins over matrix_provider); borrowed. */
    struct geo_router *router;
} fmt_vroom_opts;

typedef struct fmt_vroom_input fmt_vroom_input;

void fmt_vroom_opts_init(fmt_vroom_opts *o);
/* Parses json[0..len) (no NUL needed). On success *out is the new input; on failure *out is
 * untouched and err names the field and the reason. o may be NULL (defaults). */
LM_MUST_USE lm_status fmt_vroom_parse(const char *json, size_t len, const fmt_vroom_opts *o,
                                      fmt_vroom_input **out, lm_errinfo *err);
/* A view of a Solomon / CVRPLIB instance (borrowed) so that its solutions can be written in
 * VROOM's shape: job ids are the file's customer numbers, locations are matrix indices. */
LM_MUST_USE lm_status fmt_vroom_input_from_instance(const fmt_instance *inst, fmt_vroom_input **out,
                                                    lm_errinfo *err);
void fmt_vroom_input_destroy(fmt_vroom_input *in);
/* The problem the input built (owned by the input). */
const solver_problem *fmt_vroom_input_problem(const fmt_vroom_input *in);
/* True if some vehicle has `steps` (then fmt_vroom_plan can evaluate them as whole routes). */
bool fmt_vroom_input_has_steps(const fmt_vroom_input *in);

/* The document's "options": {"iterations": N} (a lastmile extension; 0 when absent), at most: */
#define FMT_VROOM_MAX_ITERATIONS INT64_C(1000000000)
uint64_t fmt_vroom_input_iterations(const fmt_vroom_input *in);

/* Solves the input with solver_solve; the vehicles' steps are its starting point (VROOM's
 * solving mode: the search may change them; LM_INVALID if they are not valid routes).
 * o->iterations, when set, wins over the document's options.iterations; o may be NULL. */
LM_MUST_USE lm_status fmt_vroom_solve(const fmt_vroom_input *in, const solver_opts *o,
                                      solver_solution **out, lm_errinfo *err);
/* VROOM's plan mode (-c): every vehicle's `steps` are its whole route, in order; chooses the
 * times with solver_plan (violations reported, not refused; see fmt_vroom_plan_ex). */
LM_MUST_USE lm_status fmt_vroom_plan(const fmt_vroom_input *in, solver_solution **out,
                                     lm_errinfo *err);

/* VROOM's plan mode with its report: per-step, per-route and summary violations (free with
 * solver_plan_report_destroy); every constraint is soft. LM_INVALID only for an infeasible
 * service_at/after/before. fmt_vroom_plan is the same without the report. */
LM_MUST_USE lm_status fmt_vroom_plan_ex(const fmt_vroom_input *in, solver_solution **out,
                                        solver_plan_report **report, lm_errinfo *err);
/* options.c (vroom-express) or -c: the caller should plan (fmt_vroom_plan_ex), not solve. */
bool fmt_vroom_input_wants_plan(const fmt_vroom_input *in);
void fmt_vroom_input_set_plan(fmt_vroom_input *in, bool on);
/* options.t (threads), options.l (seconds) and options.x (exploration 0..5: 1/6 .. all of the
 * time limit when l is absent) applied to o, capped by the caller's limits. */
void fmt_vroom_apply_options(const fmt_vroom_input *in, solver_opts *o, unsigned max_threads,
                             int64_t max_time_limit_ms);
/* fmt_vroom_write_geometry for a plan: the report's violations are written (report may be
 * NULL: empty violations). */
LM_MUST_USE lm_status fmt_vroom_write_plan(const fmt_vroom_input *in, const solver_solution *s,
                                           const solver_plan_report *report, bool pretty,
                                           char *const *geometry, char **out, size_t *out_len,
                                           lm_errinfo *err);

/* options.g: the caller should fetch road geometry (fmt_vroom_geometry) before writing. */
bool fmt_vroom_input_wants_geometry(const fmt_vroom_input *in);
/* -g on the command line: the same as options.g. */
void fmt_vroom_input_set_geometry(fmt_vroom_input *in, bool on);
/* The road path of each of s's routes through the coordinates its steps visit, from p's route
 * service (geo_route_geometry; the geodesic provider draws straight lines): *out holds
 * s->n_routes encoded polylines (precision 5, VROOM's "geometry"), NULL for a route whose steps
 * have no coordinates (matrix input); free with fmt_vroom_geometry_free. */
LM_MUST_USE lm_status fmt_vroom_geometry(const fmt_vroom_input *in, const solver_solution *s,
                                         struct geo_matrix_provider *p, char ***out,
                                         lm_errinfo *err);
void fmt_vroom_geometry_free(char **g, size_t n);
/* The provider that routed in (or routes its geometry): router's for in's profile. */
struct geo_matrix_provider *fmt_vroom_provider(const fmt_vroom_input *in,
                                               struct geo_router *router);
/* fmt_vroom_write with each route's "geometry" (geometry[r], may be NULL or hold NULLs). */
LM_MUST_USE lm_status fmt_vroom_write_geometry(const fmt_vroom_input *in, const solver_solution *s,
                                               bool pretty, char *const *geometry, char **out,
                                               size_t *out_len, lm_errinfo *err);
/* Writes s (a solution of in's problem) as VROOM output JSON: pretty adds newlines and indents.
 * A searched solution's summary also carries lastmile's "search": {"iterations", "reproducible"}.
 * *out_len is the length without the NUL. LM_INTERNAL if s refers to tasks in doesn't have. */
LM_MUST_USE lm_status fmt_vroom_write(const fmt_vroom_input *in, const solver_solution *s,
                                      bool pretty, char **out, size_t *out_len, lm_errinfo *err);
/* {"code": fmt_vroom_code(st), "error": "<field>: <message>"}; NULL only when out of memory. */
LM_MUST_USE char *fmt_vroom_error_write(lm_status st, const lm_errinfo *err);
/* VROOM's error code for a status: OK 0; INVALID, TOO_BIG, NOT_FOUND, CONFLICT 2; ROUTING,
 * UNAVAILABLE 3; anything else 1. */
int fmt_vroom_code(lm_status st);

#endif
