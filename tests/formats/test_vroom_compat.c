/* tests/formats/test_vroom_compat.c: the VROOM compatibility suite. Each case of
 * tests/data/vroom_compat/ is a problem VROOM ships (its docs' examples, vroom-scripts'
 * conversions of the benchmark classes), with headers:
 *   status: ok                (every case is a problem VROOM solves)
 *   mode: solve | plan        solve (default) searches; plan is VROOM's -c
 *   iterations: N             the search budget (reproducible; default 30)
 *   answer: FILE              VROOM's own answer (tests/data/vroom_compat/answers/FILE): summary
 *                             cost and unassigned must match, and in plan mode every route's
 *                             cost and every step's type, id, arrival, waiting and violations;
 *                             the keys both answers have come in the same order
 *   check: cost = N | max_cost = N | unassigned = N | routes = N | violations = a,b | none
 * Every solved answer is replayed in plan mode (its routes as the vehicles' steps): it must show
 * no violation and the same route costs (up to per-leg rounding), which checks its feasibility
 * independently of the search. */
#include "api/formats/json.h"
#include "api/formats/vroom.h"
#include "case_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cause_names[SOLVER_VIOL_COUNT] = {
    "lead_time",     "delay",           "load",     "max_tasks",   "skills", "precedence",
    "missing_break", "max_travel_time", "max_load", "max_distance"};

typedef struct answer {
    char *json; /* lastmile's answer */
    cJSON *doc;
    const solver_solution *sol;
    const solver_plan_report *rep;
} answer;

static void causes_text(const solver_violations *v, char *out, size_t size) {
    snprintf(out, size, "none");
    for (uint8_t i = 0; i < v->n; i++) {
        size_t at = i ? strlen(out) : 0;
        snprintf(out + at, size - at, "%s%s", i ? "," : "", cause_names[v->causes[i] % 10]);
    }
}

static int64_t num(const cJSON *obj, const char *key) {
    const cJSON *it = cJSON_GetObjectItem(obj, key);
    return cJSON_IsNumber(it) ? (int64_t)it->valuedouble : INT64_MIN;
}

/* The plan-mode replay of a solved answer: every route as its vehicle's steps. */
static bool replay(const fmt_vroom_input *in, const solver_solution *s, char *why, size_t size) {
    size_t total = 0;
    for (size_t r = 0; r < s->n_routes; r++)
        total += s->routes[r].n_steps;
    solver_plan_route *routes = lm_calloc(s->n_routes + 1, sizeof *routes);
    solver_plan_step *steps = lm_calloc(total + 1, sizeof *steps);
    bool ok = routes && steps;
    size_t at = 0;
    for (size_t r = 0; ok && r < s->n_routes; r++) {
        routes[r] = (solver_plan_route){s->routes[r].vehicle, steps + at, 0};
        for (size_t k = 0; k < s->routes[r].n_steps; k++) {
            const solver_step *st = &s->routes[r].steps[k];
            if (st->type == SOLVER_STEP_START || st->type == SOLVER_STEP_END) continue;
            steps[at++] = (solver_plan_step){.type = st->type, .index = st->index};
            routes[r].n_steps++;
        }
    }
    solver_solution *plan = NULL;
    solver_plan_report *rep = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st =
        ok ? solver_plan(fmt_vroom_input_problem(in), routes, s->n_routes, &plan, &rep, &err)
           : LM_NOMEM;
    if (st != LM_OK) {
        snprintf(why, size, "replay: %s: %s", err.field, err.message);
        ok = false;
    } else if (rep->summary.n) {
        char c[128];
        causes_text(&rep->summary, c, sizeof c);
        snprintf(why, size, "replay in plan mode reports violations: %s", c);
        ok = false;
    }
    /* The search rounds per_hour / per_km costs leg by leg, plan mode (as VROOM's) the route's
     * total: they may differ by half a unit per leg. */
    for (size_t r = 0; ok && r < s->n_routes; r++) {
        int64_t d = plan->routes[r].cost - s->routes[r].cost;
        if (d < 0) d = -d;
        if ((size_t)d > s->routes[r].n_steps) {
            snprintf(why, size, "replay: route %zu costs %lld in plan mode, %lld solved", r,
                     (long long)plan->routes[r].cost, (long long)s->routes[r].cost);
            ok = false;
        }
    }
    solver_solution_destroy(plan);
    solver_plan_report_destroy(rep);
    lm_free(routes);
    lm_free(steps);
    return ok;
}

static char *read_answer(const char *name, size_t *len) {
    const char *src = getenv("LASTMILE_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/vroom_compat/answers/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    lm_buf b;
    lm_buf_init(&b, 64u << 20);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (lm_buf_append(&b, chunk, n) != LM_OK) break;
    fclose(f);
    *len = b.len;
    return lm_buf_take(&b);
}

static bool same_num(const cJSON *a, const cJSON *b, const char *key, const char *where, char *why,
                     size_t size) {
    if (num(a, key) == num(b, key)) return true;
    snprintf(why, size, "%s.%s is %lld, VROOM says %lld", where, key, (long long)num(a, key),
             (long long)num(b, key));
    return false;
}

static bool same_json(const cJSON *a, const cJSON *b, const char *key, const char *where, char *why,
                      size_t size) {
    const cJSON *x0 = cJSON_GetObjectItem(a, key), *y0 = cJSON_GetObjectItem(b, key);
    if ((!x0 && !y0) || cJSON_Compare(x0, y0, true)) return true;
    char *x = cJSON_PrintUnformatted(cJSON_GetObjectItem(a, key));
    char *y = cJSON_PrintUnformatted(cJSON_GetObjectItem(b, key));
    snprintf(why, size, "%s.%s is %s, VROOM says %s", where, key, x ? x : "?", y ? y : "?");
    cJSON_free(x);
    cJSON_free(y);
    return false;
}

/* The keys both objects have come in the same order (clients may read them in order). */
static bool same_order(const cJSON *a, const cJSON *b, const char *where, char *why, size_t size) {
    const cJSON *x = a ? a->child : NULL;
    for (const cJSON *y = b ? b->child : NULL; y; y = y->next) {
        if (!cJSON_GetObjectItem(a, y->string)) continue;
        while (x && strcmp(x->string, y->string) && !cJSON_GetObjectItem(b, x->string))
            x = x->next;
        if (!x || strcmp(x->string, y->string)) {
            snprintf(why, size, "%s: key '%s' is out of VROOM's order", where, y->string);
            return false;
        }
        x = x->next;
    }
    return true;
}

/* Our answer against VROOM's: totals always, every route and step in plan mode. */
static bool against_vroom(const answer *a, const char *file, bool plan, char *why, size_t size) {
    size_t len = 0;
    char *text = read_answer(file, &len);
    cJSON *v = text ? cJSON_ParseWithLength(text, len) : NULL;
    lm_free(text);
    if (!v) {
        snprintf(why, size, "cannot read answers/%s", file);
        return false;
    }
    const cJSON *gs = cJSON_GetObjectItem(a->doc, "summary"),
                *vs = cJSON_GetObjectItem(v, "summary");
    bool ok = same_num(gs, vs, "cost", "summary", why, size) &&
              same_num(gs, vs, "unassigned", "summary", why, size) &&
              same_order(a->doc, v, "top", why, size) && same_order(gs, vs, "summary", why, size);
    if (ok && plan) ok = same_json(gs, vs, "violations", "summary", why, size);
    const cJSON *gr = cJSON_GetObjectItem(a->doc, "routes")->child, *vr;
    const cJSON *vroutes = plan ? cJSON_GetObjectItem(v, "routes") : NULL;
    cJSON_ArrayForEach(vr, vroutes) {
        if (!ok) break;
        char where[64];
        snprintf(where, sizeof where, "vehicle %lld", (long long)num(vr, "vehicle"));
        ok = gr && same_order(gr, vr, where, why, size) &&
             same_num(gr, vr, "vehicle", where, why, size) &&
             same_num(gr, vr, "cost", where, why, size) &&
             same_json(gr, vr, "violations", where, why, size);
        const cJSON *gst = ok ? cJSON_GetObjectItem(gr, "steps")->child : NULL, *vst;
        const cJSON *vsteps = ok ? cJSON_GetObjectItem(vr, "steps") : NULL;
        size_t k = 0;
        cJSON_ArrayForEach(vst, vsteps) {
            snprintf(where, sizeof where, "vehicle %lld step %zu", (long long)num(vr, "vehicle"),
                     k++);
            static const char *const keys[] = {"id", "arrival", "waiting_time", "load",
                                               "violations"};
            ok = ok && gst && same_json(gst, vst, "type", where, why, size) &&
                 same_order(gst, vst, where, why, size);
            for (size_t i = 0; ok && i < sizeof keys / sizeof keys[0]; i++)
                ok = same_json(gst, vst, keys[i], where, why, size);
            gst = gst ? gst->next : NULL;
        }
        gr = gr ? gr->next : NULL;
    }
    if (ok && !plan && !same_num(gs, vs, "routes", "summary", why, size)) ok = false;
    cJSON_Delete(v);
    return ok;
}

static bool check_one(const answer *a, const char *lhs, const char *rhs, char *why, size_t size) {
    const cJSON *s = cJSON_GetObjectItem(a->doc, "summary");
    char got[128];
    int64_t want = 0;
    if (!strcmp(lhs, "violations")) {
        if (a->rep)
            causes_text(&a->rep->summary, got, sizeof got);
        else
            snprintf(got, sizeof got, "none");
    } else if (!strcmp(lhs, "max_cost")) {
        if (!lm_parse_i64(rhs, 0, INT64_MAX, &want)) return false;
        if (num(s, "cost") <= want) return true;
        snprintf(why, size, "cost %lld is above %s", (long long)num(s, "cost"), rhs);
        return false;
    } else if (!strcmp(lhs, "cost") || !strcmp(lhs, "unassigned") || !strcmp(lhs, "routes")) {
        snprintf(got, sizeof got, "%lld", (long long)num(s, lhs));
    } else {
        snprintf(why, size, "unknown check '%s'", lhs);
        return false;
    }
    if (!strcmp(got, rhs)) return true;
    snprintf(why, size, "%s is %s, want %s", lhs, got, rhs);
    return false;
}

static lm_status run_mode(const tc_case *c, const fmt_vroom_input *in, bool plan,
                          solver_solution **sol, solver_plan_report **rep, lm_errinfo *err) {
    if (plan) return fmt_vroom_plan_ex(in, sol, rep, err);
    solver_opts o;
    solver_opts_init(&o);
    int64_t n = 30;
    const char *it = tc_get(c, "iterations");
    if (it && !lm_parse_i64(it, 1, 100000, &n))
        return lm_errinfo_set(err, LM_INVALID, "iterations", "bad header");
    o.iterations = (uint64_t)n;
    o.time_limit_ms = 600000; /* a safety stop only */
    o.threads = 1;
    o.seed = 1;
    return fmt_vroom_solve(in, &o, sol, err);
}

static bool run_case(const tc_case *c, char *why, size_t size) {
    const char *mode = tc_get(c, "mode");
    bool plan = mode && !strcmp(mode, "plan");
    fmt_vroom_opts o;
    fmt_vroom_opts_init(&o);
    fmt_vroom_input *in = NULL;
    solver_solution *sol = NULL;
    solver_plan_report *rep = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    answer a = {0};
    lm_status st = fmt_vroom_parse(c->input, c->input_len, &o, &in, &err);
    if (st == LM_OK) st = run_mode(c, in, plan, &sol, &rep, &err);
    size_t len = 0;
    if (st == LM_OK) st = fmt_vroom_write_plan(in, sol, rep, false, NULL, &a.json, &len, &err);
    bool ok = st == LM_OK;
    if (!ok) snprintf(why, size, "%s: %s: %s", lm_status_name(st), err.field, err.message);
    if (ok && !(a.doc = cJSON_ParseWithLength(a.json, len))) {
        snprintf(why, size, "the answer is not JSON");
        ok = false;
    }
    a.sol = sol;
    a.rep = rep;
    if (ok && !plan) ok = replay(in, sol, why, size);
    const char *file = tc_get(c, "answer");
    if (ok && file) ok = against_vroom(&a, file, plan, why, size);
    for (size_t i = 0; ok && i < c->n_hdr; i++) {
        const char *lhs, *rhs;
        char buf[256];
        if (strcmp(c->hdr[i].key, "check")) continue;
        ok = tc_split_check(c->hdr[i].value, buf, sizeof buf, &lhs, &rhs) &&
             check_one(&a, lhs, rhs, why, size);
    }
    cJSON_Delete(a.doc);
    lm_free(a.json);
    solver_plan_report_destroy(rep);
    solver_solution_destroy(sol);
    fmt_vroom_input_destroy(in);
    return ok;
}

int main(void) {
    return tc_main("vroom_compat", run_case);
}
