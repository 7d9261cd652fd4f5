/* api/formats/vroom_write.c: VROOM JSON out: a solver_solution in VROOM's output shape (code,
 * summary, unassigned, routes[].steps[]) and the {"code", "error"} body, with common/json.h. */
#include "api/formats/vroom_internal.h"
#include "common/json.h"

#include <string.h>

/* ---- Writing the solution ---- */

static const char *step_type_name(solver_step_type t) {
    switch (t) {
    case SOLVER_STEP_START: return "start";
    case SOLVER_STEP_JOB: return "job";
    case SOLVER_STEP_PICKUP: return "pickup";
    case SOLVER_STEP_DELIVERY: return "delivery";
    case SOLVER_STEP_BREAK: return "break";
    case SOLVER_STEP_END: return "end";
    }
    return "unknown";
}

/* location / location_index of a matrix index, as the input gave them. */
static void write_location(lm_jw *w, const fmt_vroom_input *in, uint32_t index) {
    if (index == SOLVER_NONE || index >= in->n_locations) return;
    const vroom_loc *l = in->index_loc ? &in->index_loc[index] : NULL;
    if (l && l->has_coord) lm_jw_lonlat(w, "location", l->lon, l->lat);
    if (in->index_based) lm_jw_uint(w, "location_index", index);
}

/* The task behind a step or unassigned entry; NULL for start/end or an index out of range. */
static const vroom_task *task_of(const fmt_vroom_input *in, solver_step_type type, uint32_t i) {
    switch (type) {
    case SOLVER_STEP_JOB: return i < in->n_jobs ? &in->jobs[i] : NULL;
    case SOLVER_STEP_PICKUP: return i < in->n_shipments ? &in->pickups[i] : NULL;
    case SOLVER_STEP_DELIVERY: return i < in->n_shipments ? &in->deliveries[i] : NULL;
    default: return NULL;
    }
}

static void add_amounts(int64_t *acc, const int64_t *a, uint32_t n) {
    for (uint32_t d = 0; d < n; d++)
        acc[d] += a[d];
}

static lm_status check_solution(const fmt_vroom_input *in, const solver_solution *s,
                                lm_errinfo *err) {
    for (size_t r = 0; r < s->n_routes; r++) {
        const solver_route *rt = &s->routes[r];
        if (rt->vehicle >= in->n_vehicles)
            return lm_errinfo_set(err, LM_INTERNAL, "routes", "route %zu has vehicle %u", r,
                                  rt->vehicle);
        for (size_t k = 0; k < rt->n_steps; k++) {
            const solver_step *st = &rt->steps[k];
            bool ok =
                st->type == SOLVER_STEP_START || st->type == SOLVER_STEP_END ||
                (st->type == SOLVER_STEP_BREAK && st->index < in->vehicles[rt->vehicle].n_breaks) ||
                task_of(in, st->type, st->index) != NULL;
            if (!ok)
                return lm_errinfo_set(err, LM_INTERNAL, "routes",
                                      "route %zu step %zu refers to an unknown task", r, k);
        }
    }
    for (size_t u = 0; u < s->n_unassigned; u++)
        if (!task_of(in, s->unassigned[u].type, s->unassigned[u].index))
            return lm_errinfo_set(err, LM_INTERNAL, "unassigned",
                                  "entry %zu refers to an unknown task", u);
    return LM_OK;
}

static const char *const cause_names[SOLVER_VIOL_COUNT] = {
    "lead_time",     "delay",           "load",     "max_tasks",   "skills", "precedence",
    "missing_break", "max_travel_time", "max_load", "max_distance"};

/* VROOM's violation objects: {"duration": N, "cause": "delay"} for lead_time and delay,
 * {"cause": ...} otherwise; v NULL writes []. */
static void write_violations(lm_jw *w, const solver_violations *v) {
    lm_jw_open(w, "violations", "[");
    for (uint8_t i = 0; v && i < v->n; i++) {
        uint8_t c = v->causes[i];
        if (c >= SOLVER_VIOL_COUNT) continue;
        lm_jw_open(w, NULL, "{");
        if (c == SOLVER_VIOL_LEAD_TIME) lm_jw_int(w, "duration", v->lead_time_s);
        if (c == SOLVER_VIOL_DELAY) lm_jw_int(w, "duration", v->delay_s);
        lm_jw_str(w, "cause", cause_names[c]);
        lm_jw_close(w, "}");
    }
    lm_jw_close(w, "]");
}

/* Keys in VROOM's order (src/utils/output_json.cpp), so that parsers keyed on order work. */
static void write_step(lm_jw *w, const fmt_vroom_input *in, const vroom_vehicle *veh,
                       const solver_step *st, const solver_violations *viol) {
    lm_jw_open(w, NULL, "{");
    lm_jw_str(w, "type", step_type_name(st->type));
    const vroom_task *t = task_of(in, st->type, st->index);
    const char *description = t ? t->description : NULL;
    uint64_t id = t ? t->id : 0;
    if (st->type == SOLVER_STEP_BREAK) {
        id = veh->breaks[st->index].id;
        description = veh->breaks[st->index].description;
    }
    if (description) lm_jw_str(w, "description", description);
    write_location(w, in, st->location);
    if (t || st->type == SOLVER_STEP_BREAK) lm_jw_uint(w, "id", id);
    lm_jw_int(w, "setup", st->setup_s);
    lm_jw_int(w, "service", st->service_s);
    lm_jw_int(w, "waiting_time", st->waiting_s);
    if (st->type == SOLVER_STEP_JOB) lm_jw_uint(w, "job", id); /* VROOM's deprecated alias */
    if (in->n_dims) lm_jw_int_array(w, "load", st->load, in->n_dims);
    lm_jw_int(w, "arrival", st->arrival_s);
    lm_jw_int(w, "duration", st->duration_s);
    write_violations(w, viol);
    if (in->has_distances) lm_jw_int(w, "distance", st->distance_m);
    lm_jw_close(w, "}");
}

/* delivery, amount (its deprecated alias) and pickup, when amounts are used. */
static void write_amounts(lm_jw *w, const fmt_vroom_input *in, const int64_t *del,
                          const int64_t *pick) {
    if (!in->n_dims) return;
    lm_jw_int_array(w, "delivery", del, in->n_dims);
    lm_jw_int_array(w, "amount", del, in->n_dims);
    lm_jw_int_array(w, "pickup", pick, in->n_dims);
}

/* Route totals as VROOM sums them: amounts, and priorities per step (a shipment counts at its
 * pickup and at its delivery). */
typedef struct totals {
    int64_t delivery[SOLVER_MAX_DIMS], pickup[SOLVER_MAX_DIMS];
    uint64_t priority;
} totals;

static void write_route(lm_jw *w, const fmt_vroom_input *in, const solver_route *r,
                        const char *geometry, const solver_violations *rv,
                        solver_violations *const *sv, totals *sum) {
    const vroom_vehicle *veh = &in->vehicles[r->vehicle];
    int64_t del[SOLVER_MAX_DIMS] = {0}, pick[SOLVER_MAX_DIMS] = {0};
    uint64_t priority = 0;
    for (size_t k = 0; k < r->n_steps; k++) {
        const vroom_task *t = task_of(in, r->steps[k].type, r->steps[k].index);
        if (!t) continue;
        add_amounts(del, t->delivery, in->n_dims);
        add_amounts(pick, t->pickup, in->n_dims);
        priority += t->priority;
    }
    int64_t *delivery = sum->delivery, *pickup = sum->pickup;
    sum->priority += priority;
    add_amounts(delivery, del, in->n_dims);
    add_amounts(pickup, pick, in->n_dims);
    lm_jw_open(w, NULL, "{");
    lm_jw_uint(w, "vehicle", veh->id);
    lm_jw_int(w, "cost", r->cost);
    if (veh->description) lm_jw_str(w, "description", veh->description);
    write_amounts(w, in, del, pick);
    lm_jw_int(w, "setup", r->setup_s);
    lm_jw_int(w, "service", r->service_s);
    lm_jw_int(w, "duration", r->duration_s);
    lm_jw_int(w, "waiting_time", r->waiting_s);
    lm_jw_uint(w, "priority", priority);
    if (in->has_distances) lm_jw_int(w, "distance", r->distance_m);
    lm_jw_open(w, "steps", "[");
    for (size_t k = 0; k < r->n_steps; k++)
        write_step(w, in, veh, &r->steps[k], sv ? &(*sv)[k] : NULL);
    lm_jw_close(w, "]");
    write_violations(w, rv);
    if (geometry) lm_jw_str(w, "geometry", geometry);
    lm_jw_close(w, "}");
}

static void write_unassigned_task(lm_jw *w, const fmt_vroom_input *in, const vroom_task *t,
                                  const char *type, const char *reason) {
    lm_jw_open(w, NULL, "{");
    lm_jw_uint(w, "id", t->id);
    write_location(w, in, t->loc.index);
    lm_jw_str(w, "type", type);
    if (t->description) lm_jw_str(w, "description", t->description);
    if (reason) lm_jw_str(w, "reason", reason);
    lm_jw_close(w, "}");
}

/* Plan mode: the tasks no vehicle's steps name, one entry per job, pickup and delivery, in
 * VROOM's order (jobs, then each shipment's pickup and delivery). With w NULL, only counts. */
static size_t write_unplanned(lm_jw *w, const fmt_vroom_input *in) {
    size_t n = 0, nt = in->n_jobs + 2 * in->n_shipments;
    bool *named = lm_calloc(nt + 1, sizeof *named);
    if (!named) return 0;
    for (size_t v = 0; v < in->n_vehicles; v++)
        for (size_t k = 0; k < in->vehicles[v].n_steps; k++) {
            solver_task_ref r = in->vehicles[v].steps[k];
            if (r.type == SOLVER_STEP_JOB) named[r.index] = true;
            if (r.type == SOLVER_STEP_PICKUP) named[in->n_jobs + 2 * r.index] = true;
            if (r.type == SOLVER_STEP_DELIVERY) named[in->n_jobs + 2 * r.index + 1] = true;
        }
    for (size_t i = 0; i < nt; i++) {
        if (named[i]) continue;
        n++;
        if (!w) continue;
        if (i < in->n_jobs) {
            write_unassigned_task(w, in, &in->jobs[i], "job", NULL);
        } else {
            size_t s = (i - in->n_jobs) / 2;
            bool pick = (i - in->n_jobs) % 2 == 0;
            write_unassigned_task(w, in, pick ? &in->pickups[s] : &in->deliveries[s],
                                  pick ? "pickup" : "delivery", NULL);
        }
    }
    lm_free(named);
    return n;
}

static void write_summary(lm_jw *w, const fmt_vroom_input *in, const solver_solution *s,
                          size_t n_unassigned, const totals *sum,
                          const solver_violations *violations) {
    lm_jw_open(w, "summary", "{");
    lm_jw_int(w, "cost", s->cost);
    lm_jw_uint(w, "routes", s->n_routes);
    lm_jw_uint(w, "unassigned", n_unassigned);
    write_amounts(w, in, sum->delivery, sum->pickup);
    lm_jw_int(w, "setup", s->setup_s);
    lm_jw_int(w, "service", s->service_s);
    lm_jw_int(w, "duration", s->duration_s);
    lm_jw_int(w, "waiting_time", s->waiting_s);
    lm_jw_uint(w, "priority", sum->priority);
    if (in->has_distances) lm_jw_int(w, "distance", s->distance_m);
    write_violations(w, violations);
    lm_jw_open(w, "computing_times", "{");
    lm_jw_int(w, "loading", in->loading_ms);
    lm_jw_int(w, "solving", s->computing_ms);
    lm_jw_int(w, "routing", in->routing_ms);
    lm_jw_close(w, "}");
    if (s->searched) { /* plan mode evaluates: no search to describe */
        lm_jw_open(w, "search", "{");
        lm_jw_uint(w, "iterations", s->iterations);
        lm_jw_key(w, "reproducible");
        lm_jw_raw(w, s->reproducible ? "true" : "false", s->reproducible ? 4 : 5);
        lm_jw_str(w, "stop", solver_stop_text(s->stop));
        lm_jw_close(w, "}");
    }
    lm_jw_close(w, "}");
}

lm_status fmt_vroom_write(const fmt_vroom_input *in, const solver_solution *s, bool pretty,
                          char **out, size_t *out_len, lm_errinfo *err) {
    return fmt_vroom_write_plan(in, s, NULL, pretty, NULL, out, out_len, err);
}

lm_status fmt_vroom_write_geometry(const fmt_vroom_input *in, const solver_solution *s, bool pretty,
                                   char *const *geometry, char **out, size_t *out_len,
                                   lm_errinfo *err) {
    return fmt_vroom_write_plan(in, s, NULL, pretty, geometry, out, out_len, err);
}

lm_status fmt_vroom_write_plan(const fmt_vroom_input *in, const solver_solution *s,
                               const solver_plan_report *report, bool pretty, char *const *geometry,
                               char **out, size_t *out_len, lm_errinfo *err) {
    lm_status st = check_solution(in, s, err);
    if (st != LM_OK) return st;
    if (report && report->n_routes != s->n_routes)
        return lm_errinfo_set(err, LM_INTERNAL, "routes", "the plan report does not match");
    lm_buf b;
    lm_buf_init(&b, (size_t)1 << 31);
    lm_jw w;
    lm_jw_init(&w, &b, pretty);
    totals sum = {0};
    size_t n_unassigned = 0;
    if (report)
        n_unassigned = write_unplanned(NULL, in);
    else
        for (size_t u = 0; u < s->n_unassigned; u++)
            n_unassigned += s->unassigned[u].type == SOLVER_STEP_JOB ? 1 : 2;
    /* Route totals first: the summary needs them and comes before the routes in VROOM's order. */
    lm_buf routes;
    lm_buf_init(&routes, (size_t)1 << 31);
    lm_jw rw;
    lm_jw_init(&rw, &routes, pretty);
    rw.depth = 1; /* the routes are spliced in one level deep */
    lm_jw_open(&rw, "routes", "[");
    for (size_t r = 0; r < s->n_routes; r++)
        write_route(&rw, in, &s->routes[r], geometry ? geometry[r] : NULL,
                    report ? &report->route[r] : NULL, report ? &report->step[r] : NULL, &sum);
    lm_jw_close(&rw, "]");

    lm_jw_open(&w, NULL, "{");
    lm_jw_int(&w, "code", 0);
    write_summary(&w, in, s, n_unassigned, &sum, report ? &report->summary : NULL);
    lm_jw_open(&w, "unassigned", "[");
    if (report) (void)write_unplanned(&w, in);
    for (size_t u = 0; !report && u < s->n_unassigned; u++) {
        const solver_unassigned *un = &s->unassigned[u];
        const char *why = solver_reason_text(un->reason);
        if (un->type == SOLVER_STEP_JOB) {
            write_unassigned_task(&w, in, &in->jobs[un->index], "job", why);
        } else {
            write_unassigned_task(&w, in, &in->pickups[un->index], "pickup", why);
            write_unassigned_task(&w, in, &in->deliveries[un->index], "delivery", why);
        }
    }
    lm_jw_close(&w, "]");
    if (w.st == LM_OK && rw.st == LM_OK) {
        lm_jw_raw(&w, ",", 1);
        lm_jw_raw(&w, routes.data, routes.len);
    }
    if (rw.st != LM_OK) w.st = rw.st;
    w.need_comma = true;
    lm_jw_close(&w, "}");
    if (pretty) lm_jw_raw(&w, "\n", 1);
    lm_buf_free(&routes);
    if (w.st != LM_OK) {
        lm_buf_free(&b);
        return lm_errinfo_set(err, w.st, "", "could not write the solution: %s", lm_strerror(w.st));
    }
    *out_len = b.len;
    *out = lm_buf_take(&b);
    return LM_OK;
}

char *fmt_vroom_error_write(lm_status st, const lm_errinfo *err) {
    lm_buf b;
    lm_buf_init(&b, 4096);
    lm_jw w;
    lm_jw_init(&w, &b, false);
    char msg[PATH_LEN + sizeof err->message + 8];
    if (err && err->field[0])
        fmt__vroom_printf(msg, sizeof msg, "%s: %s", err->field, err->message);
    else
        fmt__vroom_printf(msg, sizeof msg, "%s",
                          err && err->message[0] ? err->message : lm_strerror(st));
    lm_jw_open(&w, NULL, "{");
    lm_jw_int(&w, "code", fmt_vroom_code(st));
    lm_jw_str(&w, "error", msg);
    lm_jw_close(&w, "}");
    if (w.st != LM_OK) {
        lm_buf_free(&b);
        return NULL;
    }
    return lm_buf_take(&b);
}
