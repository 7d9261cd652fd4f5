/* libFuzzer target for the VROOM JSON edge: parse, then (when it parses) plan-mode evaluation of
 * the vehicles' steps (violations reported) and the writer, on an all-unassigned solution and on
 * the planned one (whose answer must read back as JSON), and the error writer on refusals. */
#include "api/formats/json.h"
#include "api/formats/vroom.h"
#include "fuzz_common.h"
#include "solver/solver.h"

#include <stdint.h>
#include <string.h>

/* Writes s; the answer must be one JSON document of valid UTF-8 that fmt_json_parse accepts (no
 * raw control byte or NUL in a string, nothing after the document). */
static void write_and_free(const fmt_vroom_input *in, const solver_solution *s, bool pretty) {
    char *out = NULL;
    size_t len = 0;
    lm_errinfo err;
    if (fmt_vroom_write(in, s, pretty, &out, &len, &err) != LM_OK) return;
    cJSON *back = NULL;
    if (!lm_utf8_valid(out, len, LM_UTF8_LINES) ||
        fmt_json_parse(out, len, SIZE_MAX, &back, &err) != LM_OK || !cJSON_IsObject(back))
        abort();
    cJSON_Delete(back);
    lm_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fmt_vroom_opts o;
    fmt_vroom_opts_init(&o);
    /* Smaller caps keep one input fast; the limits themselves are tested in tests/api. */
    o.max_bytes = 1u << 20;
    o.max_jobs = 500;
    o.max_shipments = 250;
    o.max_vehicles = 50;
    o.max_locations = 300;
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_vroom_parse((const char *)data, size, &o, &in, &err);
    fuzz_check_err(st, &err);
    if (st != LM_OK) {
        char *e = fmt_vroom_error_write(st, &err);
        cJSON *back = NULL;
        lm_errinfo perr;
        if (e && (fmt_json_parse(e, strlen(e), SIZE_MAX, &back, &perr) != LM_OK ||
                  !cJSON_IsObject(back)))
            abort();
        cJSON_Delete(back);
        lm_free(e);
        return 0;
    }
    const solver_problem *p = fmt_vroom_input_problem(in);
    size_t nj = solver_problem_n_jobs(p), ns = solver_problem_n_shipments(p);
    solver_unassigned *un = lm_calloc(nj + ns + 1, sizeof *un);
    if (un) {
        for (size_t i = 0; i < nj; i++)
            un[i] = (solver_unassigned){SOLVER_STEP_JOB, (uint32_t)i, SOLVER_REASON_NO_ROOM};
        for (size_t i = 0; i < ns; i++)
            un[nj + i] = (solver_unassigned){SOLVER_STEP_PICKUP, (uint32_t)i, SOLVER_REASON_SKILLS};
        solver_solution empty = {.unassigned = un, .n_unassigned = nj + ns};
        write_and_free(in, &empty, size & 1);
        lm_free(un);
    }
    if (fmt_vroom_input_has_steps(in)) {
        /* Plan mode reports violations instead of refusing: its answer, with them, must write
         * as one JSON document, and the report must match the routes. */
        solver_solution *sol = NULL;
        solver_plan_report *rep = NULL;
        if (fmt_vroom_plan_ex(in, &sol, &rep, &err) == LM_OK) {
            if (rep->n_routes != sol->n_routes) __builtin_trap();
            char *out = NULL;
            size_t len = 0;
            if (fmt_vroom_write_plan(in, sol, rep, size & 1, NULL, &out, &len, &err) == LM_OK) {
                cJSON *back = NULL;
                if (fmt_json_parse(out, len, SIZE_MAX, &back, &err) != LM_OK) abort();
                cJSON_Delete(back);
                lm_free(out);
            }
            solver_plan_report_destroy(rep);
            solver_solution_destroy(sol);
        }
    }
    fmt_vroom_input_destroy(in);
    return 0;
}
