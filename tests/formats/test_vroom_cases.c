/* tests/formats/test_vroom_cases.c: runs every VROOM case of tests/data/vroom/ (case_file.h)
 * through fmt_vroom_parse. Headers: max_bytes, max_jobs, max_vehicles, max_locations, max_string
 * (limits), code (VROOM's error code); checks on success: jobs, shipments, vehicles, dims,
 * has_steps (= true | false), plan (= a status name: fmt_vroom_plan's outcome), violations
 * (= plan mode's summary causes in VROOM's order, comma-separated, or none). A refused case
 * also proves that *out stays untouched and that fmt_vroom_error_write names the field. */
#include "api/formats/vroom.h"
#include "case_file.h"

#include <stdio.h>
#include <string.h>

static bool opt_size(const tc_case *c, const char *key, size_t *out) {
    const char *v = tc_get(c, key);
    int64_t n;
    if (!v) return true;
    if (!lm_parse_i64(v, 0, INT64_MAX, &n)) return false;
    *out = (size_t)n;
    return true;
}

/* The error body must carry VROOM's code and name the field. */
static bool check_error_body(const tc_case *c, lm_status st, const lm_errinfo *err, char *why,
                             size_t size) {
    const char *code = tc_get(c, "code");
    char want[64];
    snprintf(want, sizeof want, "{\"code\":%s,", code ? code : "2");
    char *body = fmt_vroom_error_write(st, err);
    bool ok = body && !strncmp(body, want, strlen(want)) && strstr(body, err->field);
    if (!ok) snprintf(why, size, "error body '%s' lacks '%s' or the field", body ? body : "", want);
    lm_free(body);
    return ok;
}

static bool check_one(const fmt_vroom_input *in, const char *lhs, const char *rhs, char *why,
                      size_t size) {
    const solver_problem *p = fmt_vroom_input_problem(in);
    char got[64] = "";
    if (!strcmp(lhs, "jobs"))
        snprintf(got, sizeof got, "%zu", solver_problem_n_jobs(p));
    else if (!strcmp(lhs, "shipments"))
        snprintf(got, sizeof got, "%zu", solver_problem_n_shipments(p));
    else if (!strcmp(lhs, "vehicles"))
        snprintf(got, sizeof got, "%zu", solver_problem_n_vehicles(p));
    else if (!strcmp(lhs, "dims"))
        snprintf(got, sizeof got, "%u", (unsigned)solver_problem_n_dims(p));
    else if (!strcmp(lhs, "has_steps"))
        snprintf(got, sizeof got, "%s", fmt_vroom_input_has_steps(in) ? "true" : "false");
    else if (!strcmp(lhs, "plan")) {
        solver_solution *sol = NULL;
        lm_errinfo err;
        lm_errinfo_clear(&err);
        lm_status st = fmt_vroom_plan(in, &sol, &err);
        snprintf(got, sizeof got, "%s", lm_status_name(st));
        solver_solution_destroy(sol);
    } else if (!strcmp(lhs, "violations")) { /* plan mode's summary causes, "a,b" or "none" */
        static const char *const names[SOLVER_VIOL_COUNT] = {
            "lead_time",     "delay",           "load",     "max_tasks",   "skills", "precedence",
            "missing_break", "max_travel_time", "max_load", "max_distance"};
        solver_solution *sol = NULL;
        solver_plan_report *rep = NULL;
        lm_errinfo err;
        lm_errinfo_clear(&err);
        lm_status st = fmt_vroom_plan_ex(in, &sol, &rep, &err);
        snprintf(got, sizeof got, "%s", st == LM_OK ? "none" : lm_status_name(st));
        for (uint8_t i = 0; st == LM_OK && i < rep->summary.n; i++) {
            size_t at = i ? strlen(got) : 0;
            snprintf(got + at, sizeof got - at, "%s%s", i ? "," : "",
                     names[rep->summary.causes[i] % SOLVER_VIOL_COUNT]);
        }
        solver_plan_report_destroy(rep);
        solver_solution_destroy(sol);
    } else {
        snprintf(why, size, "unknown check '%s'", lhs);
        return false;
    }
    if (strcmp(got, rhs)) {
        snprintf(why, size, "%s is %s, want %s", lhs, got, rhs);
        return false;
    }
    return true;
}

static bool run_case(const tc_case *c, char *why, size_t size) {
    fmt_vroom_opts o;
    fmt_vroom_opts_init(&o);
    if (!opt_size(c, "max_bytes", &o.max_bytes) || !opt_size(c, "max_jobs", &o.max_jobs) ||
        !opt_size(c, "max_vehicles", &o.max_vehicles) ||
        !opt_size(c, "max_locations", &o.max_locations) ||
        !opt_size(c, "max_string", &o.max_string)) {
        snprintf(why, size, "a limit header is not a number");
        return false;
    }
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_vroom_parse(c->input, c->input_len, &o, &in, &err);
    bool ok = tc_check_error(c, st, &err, why, size);
    if (ok && st != LM_OK) {
        if (in) {
            snprintf(why, size, "*out was set on failure");
            ok = false;
        } else {
            ok = check_error_body(c, st, &err, why, size);
        }
    }
    for (size_t i = 0; ok && st == LM_OK && i < c->n_hdr; i++) {
        const char *lhs, *rhs;
        char buf[256];
        if (strcmp(c->hdr[i].key, "check")) continue;
        if (!tc_split_check(c->hdr[i].value, buf, sizeof buf, &lhs, &rhs)) {
            snprintf(why, size, "check '%s' has no ' = '", c->hdr[i].value);
            ok = false;
        } else {
            ok = check_one(in, lhs, rhs, why, size);
        }
    }
    fmt_vroom_input_destroy(in);
    return ok;
}

int main(void) {
    return tc_main("vroom", run_case);
}
