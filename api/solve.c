/* api/solve.c: POST /v1/solve, the VROOM-compatible solve endpoint (solved on a worker thread, the
 * reply deferred), also served as vroom-express's POST / so that its clients (vroom-frontend,
 * the openrouteservice optimisation clients) can point at lastmile; and vroom-express's GET
 * /health, which solves a small fixed problem. */
#include "api/app.h"
#include "api/formats/vroom.h"
#include "api/handlers.h"
#include "api/input.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define API_SOLVE_MAX_CONCURRENT 2  /* solves running at once; more get 503 */
#define API_SOLVE_MAX_TIME_S     60 /* ?time_limit= cap */
#define API_SOLVE_DEFAULT_TIME_S 5
#define API_SOLVE_MAX_THREADS    2 /* options.t cap: the server keeps cores for the others */

static atomic_int solves_running;

typedef struct solve_job {
    http_req *r;
    fmt_vroom_input *in;
    solver_opts opts;
    struct geo_router *router; /* borrowed from the app: options.g's geometry */
} solve_job;

/* VROOM's error shape ({"code": 2, "error": "field: reason"}) with our status mapping. */
static lm_status reply_vroom_error(http_req *r, lm_status st, const lm_errinfo *err) {
    char *text = fmt_vroom_error_write(st, err);
    if (!text) return http_error(r, LM_NOMEM, "", "out of memory");
    lm_status rc = http_reply_text(r, lm_status_http(st), "application/json", text, strlen(text));
    lm_free(text);
    return rc;
}

static void *solve_thread(void *arg) {
    solve_job *job = arg;
    http_req *r = job->r;
    solver_solution *sol = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    char *text = NULL;
    size_t len = 0;
    char **geometry = NULL;
    solver_plan_report *report = NULL;
    lm_status st = fmt_vroom_input_wants_plan(job->in)
                       ? fmt_vroom_plan_ex(job->in, &sol, &report, &err)
                       : fmt_vroom_solve(job->in, &job->opts, &sol, &err);
    if (st == LM_OK && fmt_vroom_input_wants_geometry(job->in))
        st = fmt_vroom_geometry(job->in, sol, fmt_vroom_provider(job->in, job->router), &geometry,
                                &err);
    if (st == LM_OK)
        st = fmt_vroom_write_plan(job->in, sol, report, false, geometry, &text, &len, &err);
    if (sol) fmt_vroom_geometry_free(geometry, sol->n_routes);
    /* r belongs to this thread until http_defer_done */
    lm_status rc = st == LM_OK ? http_reply_text(r, 200, "application/json", text, len)
                               : reply_vroom_error(r, st, &err);
    lm_free(text);
    solver_solution_destroy(sol);
    solver_plan_report_destroy(report);
    fmt_vroom_input_destroy(job->in);
    lm_free(job);
    atomic_fetch_sub(&solves_running, 1);
    http_defer_done(r, rc, &r->err);
    return NULL;
}

lm_status api__solve(http_req *r) {
    solver_opts o;
    solver_opts_init(&o);
    o.threads = 1; /* one core per request: the server keeps answering others */
    o.time_limit_ms = API_SOLVE_DEFAULT_TIME_S * 1000;
    const char *tl = http_query(r, "time_limit");
    if (tl) {
        double s = 0;
        if (!lm_parse_double(tl, &s) || !(s > 0) || s > API_SOLVE_MAX_TIME_S)
            return http_error(r, LM_INVALID, "time_limit", "must be seconds in (0, %d]",
                              API_SOLVE_MAX_TIME_S);
        o.time_limit_ms = (int64_t)(s * 1000.0);
        if (o.time_limit_ms < 1) o.time_limit_ms = 1;
    }
    const char *seed = http_query(r, "seed");
    if (seed) {
        int64_t v = 0;
        if (!lm_parse_i64(seed, 0, INT64_MAX, &v))
            return http_error(r, LM_INVALID, "seed", "must be a non-negative integer");
        o.seed = (uint64_t)v;
    }
    if (!r->body || r->body_len == 0)
        return http_error(r, LM_INVALID, "body", "a VROOM problem is required");
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    fmt_vroom_opts po;
    fmt_vroom_opts_init(&po);
    po.router = api_app_of(r)->router;
    lm_status st = fmt_vroom_parse(r->body, r->body_len, &po, &in, &err);
    if (st != LM_OK) return reply_vroom_error(r, st, &err);
    /* vroom-express's options.t / l / x, within this server's caps (a ?time_limit= wins) */
    int64_t asked_ms = o.time_limit_ms;
    fmt_vroom_apply_options(in, &o, API_SOLVE_MAX_THREADS, API_SOLVE_MAX_TIME_S * 1000);
    if (tl) o.time_limit_ms = asked_ms;
    if (atomic_fetch_add(&solves_running, 1) >= API_SOLVE_MAX_CONCURRENT) {
        atomic_fetch_sub(&solves_running, 1);
        fmt_vroom_input_destroy(in);
        (void)!http_reply_header(r, "Retry-After", "1"); /* best effort: the 503 stands alone */
        return http_error(r, LM_UNAVAILABLE, "", "%d solves are running; retry shortly",
                          API_SOLVE_MAX_CONCURRENT);
    }
    solve_job *job = lm_calloc(1, sizeof *job);
    pthread_t t;
    pthread_attr_t attr;
    bool started = false;
    if (job && pthread_attr_init(&attr) == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        job->r = r;
        job->in = in;
        job->opts = o;
        job->router = api_app_of(r)->router;
        /* set before the thread may finish: the server reads the deferred state afterwards */
        http_defer(r);
        started = pthread_create(&t, &attr, solve_thread, job) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!started) {
        atomic_fetch_sub(&solves_running, 1);
        fmt_vroom_input_destroy(in);
        lm_free(job);
        return http_error(r, LM_NOMEM, "", "could not start the solve");
    }
    return LM_OK;
}

/* ---- GET /health (vroom-express): a fixed two-job problem on a custom matrix, solved with an
 * iteration budget; 200 when the solver answers, VROOM's error with 500 otherwise ---- */

static const char health_problem[] =
    "{\"vehicles\":[{\"id\":1,\"start_index\":0,\"end_index\":0,\"capacity\":[2]}],"
    "\"jobs\":[{\"id\":1,\"location_index\":1,\"delivery\":[1]},{\"id\":2,"
    "\"location_index\":2,\"delivery\":[1]}],\"matrices\":{\"car\":{\"durations\":[[0,60,"
    "90],[60,0,40],[90,40,0]]}},\"options\":{\"iterations\":20}}";

lm_status api__vroom_health(http_req *r) {
    fmt_vroom_input *in = NULL;
    solver_solution *sol = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    solver_opts o;
    solver_opts_init(&o);
    o.threads = 1;
    o.time_limit_ms = 1000; /* a cap only: the iteration budget ends it first */
    lm_status st = fmt_vroom_parse(health_problem, sizeof health_problem - 1, NULL, &in, &err);
    if (st == LM_OK) st = fmt_vroom_solve(in, &o, &sol, &err);
    bool served = st == LM_OK && sol && sol->n_unassigned == 0;
    solver_solution_destroy(sol);
    fmt_vroom_input_destroy(in);
    if (!served) {
        if (st == LM_OK) lm_errinfo_set(&err, LM_INTERNAL, "", "the health problem was not solved");
        return reply_vroom_error(r, LM_INTERNAL, &err);
    }
    static const char ok[] = "{\"status\":\"ok\"}";
    return http_reply_text(r, 200, "application/json", ok, sizeof ok - 1);
}
