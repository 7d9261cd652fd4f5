/* Tests for the VROOM JSON codec that need code: limits on generated inputs, valid inputs, the
 * writer's output shape, plan mode, hostile inputs and the documented example (golden file). The
 * bad-input catalogue is data: tests/data/vroom/, run by test_vroom_cases.c. */
#include "api/formats/vroom.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* JSON in the tables is written with ' for " to stay readable; this swaps them back. */
static char *dq(const char *s) {
    char *d = lm_strdup(s);
    assert_non_null(d);
    for (char *p = d; *p; p++)
        if (*p == '\'') *p = '"';
    return d;
}

#define MATRIX3 "'matrices':{'car':{'durations':[[0,5,7],[5,0,3],[7,3,0]]}}"
#define VEHICLE "{'id':1,'start_index':0,'end_index':0,'capacity':[10]}"
#define JOB1    "{'id':1,'location_index':1,'delivery':[2]}"
#define JOB2    "{'id':2,'location_index':2}"
#define BASE    "{'vehicles':[" VEHICLE "],'jobs':[" JOB1 "," JOB2 "]," MATRIX3 "}"

static lm_status parse(const char *tjson, const fmt_vroom_opts *o, fmt_vroom_input **out,
                       lm_errinfo *err) {
    char *json = dq(tjson);
    lm_status st = fmt_vroom_parse(json, strlen(json), o, out, err);
    lm_free(json);
    return st;
}

/* Array caps: past max_jobs (or the body cap) the input is refused before anything is built. */
static void test_caps(void **state) {
    (void)state;
    fmt_vroom_opts o;
    fmt_vroom_opts_init(&o);
    assert_int_equal(o.max_jobs, 20000);
    /* 20001 jobs against the default cap. */
    lm_buf b;
    lm_buf_init(&b, 1u << 24);
    assert_int_equal(lm_buf_printf(&b, "{\"vehicles\":[{\"id\":1,\"start_index\":0}],\"jobs\":["),
                     LM_OK);
    for (int i = 0; i <= 20000; i++)
        assert_int_equal(lm_buf_printf(&b, "%s{\"id\":%d,\"location_index\":0}", i ? "," : "", i),
                         LM_OK);
    assert_int_equal(lm_buf_printf(&b, "],\"matrix\":[[0]]}"), LM_OK);
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    lm_status st = fmt_vroom_parse(b.data, b.len, &o, &in, &err);
    assert_int_equal(st, LM_TOO_BIG);
    assert_int_equal(fmt_vroom_code(st), FMT_VROOM_INPUT);
    assert_string_equal(err.field, "jobs");
    /* The body cap. */
    o.max_bytes = 100;
    st = fmt_vroom_parse(b.data, b.len, &o, &in, &err);
    assert_int_equal(st, LM_TOO_BIG);
    lm_buf_free(&b);
    /* Strings and vehicles. */
    fmt_vroom_opts_init(&o);
    o.max_string = 4;
    st = parse("{'vehicles':[" VEHICLE "],'jobs':[{'id':1,'location_index':1,'description':"
               "'hello'}]," MATRIX3 "}",
               &o, &in, &err);
    assert_int_equal(st, LM_TOO_BIG);
    assert_string_equal(err.field, "jobs[0].description");
    o.max_vehicles = 1;
    st = parse("{'vehicles':[" VEHICLE ",{'id':2,'start_index':0,'capacity':[1]}],'jobs':[" JOB1
               "]," MATRIX3 "}",
               &o, &in, &err);
    assert_int_equal(st, LM_TOO_BIG);
    assert_string_equal(err.field, "vehicles");
    o.max_locations = 2;
    st = parse(BASE, &o, &in, &err);
    assert_int_equal(st, LM_TOO_BIG);
    assert_string_equal(err.field, "matrices.car.durations");
    assert_null(in);
}

/* ---- Valid inputs and the writer ---- */

static void test_valid_input(void **state) {
    (void)state;
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    lm_status st =
        parse("{'vehicles':[{'id':7,'start_index':0,'capacity':[10,5],'time_window':[0,1000],"
              "'breaks':[{'id':3,'time_windows':[[100,200]],'service':30,'max_load':[10,5]}],"
              "'skills':[1,2],'costs':{'fixed':100,'per_hour':3600,'per_km':1},'speed_factor':1.5,"
              "'max_tasks':4,'max_travel_time':900,'max_distance':9000,'description':'van',"
              "'steps':[{'type':'start'},{'type':'job','id':1},{'type':'break','id':3}]},"
              "{'id':8,'end_index':2,'capacity':[3,3],'profile':'car'}],"
              "'jobs':[{'id':1,'location_index':1,'amount':[2,1],'skills':[1],'priority':10,"
              "'setup':5,'service':60,'time_windows':[[300,400],[0,100]],'description':'A'},"
              "{'id':2,'location':[2.35,48.85],'location_index':2,'pickup':[1,0]}],"
              "'shipments':[{'pickup':{'id':1,'location_index':2},'delivery':{'id':1,"
              "'location_index':1},'amount':[1,1],'priority':100}],"
              "'matrices':{'car':{'durations':[[0,5,7],[5,0,3],[7,3,0]],'distances':[[0,50,70],"
              "[50,0,30],[70,30,0]]},'bike':{'durations':'ignored: no vehicle uses it'}}}",
              NULL, &in, &err);
    if (st != LM_OK) print_error("%s: %s\n", err.field, err.message);
    assert_int_equal(st, LM_OK);
    const solver_problem *p = fmt_vroom_input_problem(in);
    assert_int_equal(solver_problem_n_jobs(p), 2);
    assert_int_equal(solver_problem_n_shipments(p), 1);
    assert_int_equal(solver_problem_n_vehicles(p), 2);
    assert_int_equal(solver_problem_n_dims(p), 2);
    assert_true(fmt_vroom_input_has_steps(in));
    fmt_vroom_input_destroy(in);

    /* Legacy top-level matrix, no amounts anywhere. */
    st = parse("{'vehicles':[{'id':1,'start_index':0}],'jobs':[{'id':5,'location_index':1}],"
               "'matrix':[[0,1],[1,0]]}",
               NULL, &in, &err);
    assert_int_equal(st, LM_OK);
    assert_int_equal(solver_problem_n_dims(fmt_vroom_input_problem(in)), 0);
    assert_false(fmt_vroom_input_has_steps(in));
    fmt_vroom_input_destroy(in);
}

/* Coordinates without a matrix: geo/ computes one location per distinct coordinate, and the
 * output echoes coordinates (no location_index, which the input never used). */
static void test_coordinates(void **state) {
    (void)state;
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    lm_status st = parse("{'vehicles':[{'id':1,'start':[2.35,48.85],'end':[2.35,48.85]}],"
                         "'jobs':[{'id':1,'location':[2.36,48.86]},{'id':2,'location':[2.35,48.85]"
                         "},{'id':3,'location':[2.36,48.86]}]}",
                         NULL, &in, &err);
    if (st != LM_OK) print_error("%s: %s\n", err.field, err.message);
    assert_int_equal(st, LM_OK);
    solver_unassigned un = {.type = SOLVER_STEP_JOB, .index = 0, .reason = SOLVER_REASON_NO_ROOM};
    solver_solution sol = {.unassigned = &un, .n_unassigned = 1};
    char *out = NULL;
    size_t len;
    assert_int_equal(fmt_vroom_write(in, &sol, false, &out, &len, &err), LM_OK);
    assert_non_null(strstr(out, "\"location\":[2.36,48.86]"));
    assert_null(strstr(out, "location_index"));
    assert_non_null(strstr(out, "\"distance\":0")); /* geo/ gives distances */
    lm_free(out);
    fmt_vroom_input_destroy(in);
    /* Mixed: a location_index with no matrix is an input error. */
    st = parse("{'vehicles':[{'id':1,'start':[2.35,48.85]}],'jobs':[{'id':1,'location':[2.36,"
               "48.86]},{'id':2,'location_index':0}]}",
               NULL, &in, &err);
    assert_int_equal(st, LM_INVALID);
    assert_string_equal(err.field, "jobs[1].location_index");
}

static const cJSON *item(const cJSON *o, const char *k) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!it) print_error("missing key '%s'\n", k);
    assert_non_null(it);
    return it;
}

static int64_t num(const cJSON *o, const char *k) {
    const cJSON *it = item(o, k);
    assert_true(cJSON_IsNumber(it));
    return (int64_t)it->valuedouble;
}

/* A hand-made solution of BASE plus a shipment: the writer maps indices back to ids, sums the
 * amounts per route, and lists an unassigned shipment as its two tasks. */
static void test_write_shape(void **state) {
    (void)state;
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    lm_status st = parse(
        "{'vehicles':[{'id':11,'start_index':0,'end_index':0,'capacity':[10],'description':"
        "'van \\'1\\''}],'jobs':[{'id':21,'location_index':1,'delivery':[2],'description':'a\\\\b'"
        "},{'id':22,'location':[2.5,48.5],'location_index':2,'pickup':[3]}],'shipments':[{"
        "'pickup':{'id':31,'location_index':1},'delivery':{'id':32,'location_index':2},'amount':"
        "[1]}],'matrices':{'car':{'durations':[[0,5,7],[5,0,3],[7,3,0]],'distances':[[0,50,70],"
        "[50,0,30],[70,30,0]]}}}",
        NULL, &in, &err);
    if (st != LM_OK) print_error("%s: %s\n", err.field, err.message);
    assert_int_equal(st, LM_OK);

    solver_step steps[4] = {
        {.type = SOLVER_STEP_START, .index = SOLVER_NONE, .location = 0, .load = {2}},
        {.type = SOLVER_STEP_JOB,
         .index = 0,
         .location = 1,
         .arrival_s = 5,
         .duration_s = 5,
         .distance_m = 50,
         .load = {0}},
        {.type = SOLVER_STEP_JOB,
         .index = 1,
         .location = 2,
         .arrival_s = 8,
         .duration_s = 8,
         .distance_m = 80,
         .load = {3}},
        {.type = SOLVER_STEP_END,
         .index = SOLVER_NONE,
         .location = 0,
         .arrival_s = 15,
         .duration_s = 15,
         .distance_m = 150,
         .load = {3}},
    };
    solver_route route = {.vehicle = 0,
                          .steps = steps,
                          .n_steps = 4,
                          .cost = 15,
                          .duration_s = 15,
                          .distance_m = 150};
    solver_unassigned un = {
        .type = SOLVER_STEP_PICKUP, .index = 0, .reason = SOLVER_REASON_CAPACITY};
    solver_solution sol = {.routes = &route,
                           .n_routes = 1,
                           .unassigned = &un,
                           .n_unassigned = 1,
                           .cost = 15,
                           .duration_s = 15,
                           .distance_m = 150};
    char *out = NULL;
    size_t len = 0;
    for (int pretty = 0; pretty <= 1; pretty++) {
        assert_int_equal(fmt_vroom_write(in, &sol, pretty, &out, &len, &err), LM_OK);
        assert_int_equal(strlen(out), len);
        cJSON *doc = cJSON_Parse(out);
        assert_non_null(doc);
        assert_int_equal(num(doc, "code"), 0);
        const cJSON *sum = item(doc, "summary");
        assert_int_equal(num(sum, "cost"), 15);
        assert_int_equal(num(sum, "routes"), 1);
        assert_int_equal(num(sum, "unassigned"), 2);
        assert_int_equal(num(sum, "distance"), 150);
        assert_int_equal(cJSON_GetArrayItem(item(sum, "delivery"), 0)->valueint, 2);
        assert_int_equal(cJSON_GetArrayItem(item(sum, "pickup"), 0)->valueint, 3);
        assert_true(cJSON_IsObject(item(sum, "computing_times")));
        const cJSON *una = item(doc, "unassigned");
        assert_int_equal(cJSON_GetArraySize(una), 2);
        assert_int_equal(num(cJSON_GetArrayItem(una, 0), "id"), 31);
        assert_string_equal(item(cJSON_GetArrayItem(una, 0), "type")->valuestring, "pickup");
        assert_int_equal(num(cJSON_GetArrayItem(una, 1), "id"), 32);
        assert_string_equal(item(cJSON_GetArrayItem(una, 1), "type")->valuestring, "delivery");
        assert_non_null(strstr(item(cJSON_GetArrayItem(una, 0), "reason")->valuestring, "capac"));
        const cJSON *r = cJSON_GetArrayItem(item(doc, "routes"), 0);
        assert_int_equal(num(r, "vehicle"), 11);
        assert_string_equal(item(r, "description")->valuestring, "van \"1\"");
        const cJSON *s = item(r, "steps");
        assert_int_equal(cJSON_GetArraySize(s), 4);
        assert_string_equal(item(cJSON_GetArrayItem(s, 0), "type")->valuestring, "start");
        assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(s, 0), "id"));
        const cJSON *s1 = cJSON_GetArrayItem(s, 1), *s2 = cJSON_GetArrayItem(s, 2);
        assert_string_equal(item(s1, "type")->valuestring, "job");
        assert_int_equal(num(s1, "id"), 21);
        assert_string_equal(item(s1, "description")->valuestring, "a\\b");
        assert_int_equal(num(s1, "location_index"), 1);
        assert_int_equal(num(s1, "arrival"), 5);
        assert_int_equal(num(s1, "distance"), 50);
        assert_int_equal(num(s2, "id"), 22);
        assert_true(item(s2, "location")->child->valuedouble == 2.5);
        assert_int_equal(cJSON_GetArrayItem(item(s2, "load"), 0)->valueint, 3);
        cJSON_Delete(doc);
        lm_free(out);
    }
    /* A solution that refers to a task the input lacks is an internal error, not a crash. */
    steps[1].index = 9;
    assert_int_equal(fmt_vroom_write(in, &sol, false, &out, &len, &err), LM_INTERNAL);
    steps[1].index = 0;
    route.vehicle = 3;
    assert_int_equal(fmt_vroom_write(in, &sol, false, &out, &len, &err), LM_INTERNAL);
    fmt_vroom_input_destroy(in);
}

/* Plan mode: a hand-made route that breaks a constraint is an input error on that vehicle's
 * steps; a feasible one gets its arrivals computed. */
static void test_plan(void **state) {
    (void)state;
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    solver_solution *sol = NULL;
    assert_int_equal(parse("{'vehicles':[{'id':1,'start_index':0},{'id':5,'start_index':0,"
                           "'steps':[{'type':'job','id':2},{'type':'job','id':1}]}],'jobs':[{"
                           "'id':1,'location_index':1,'time_windows':[[0,9]]},{'id':2,"
                           "'location_index':2}]," MATRIX3 "}",
                           NULL, &in, &err),
                     LM_OK);
    /* 0 -> 2 -> 1 arrives at 10, after [0, 9]: VROOM's plan mode reports a delay of 1 */
    solver_plan_report *rep = NULL;
    assert_int_equal(fmt_vroom_plan_ex(in, &sol, &rep, &err), LM_OK);
    assert_int_equal(sol->n_routes, 1);
    assert_int_equal(rep->summary.delay_s, 1);
    assert_int_equal(rep->summary.n, 1);
    assert_int_equal(rep->summary.causes[0], SOLVER_VIOL_DELAY);
    assert_int_equal(rep->step[0][2].delay_s, 1); /* start, job 2, job 1, end */
    solver_plan_report_destroy(rep);
    solver_solution_destroy(sol);
    fmt_vroom_input_destroy(in);

    assert_int_equal(parse("{'vehicles':[{'id':5,'start_index':0,'steps':[{'type':'start'},{"
                           "'type':'job','id':1},{'type':'job','id':2},{'type':'end'}]}],'jobs':"
                           "[{'id':1,'location_index':1,'time_windows':[[0,9]]},{'id':2,"
                           "'location_index':2}]," MATRIX3 "}",
                           NULL, &in, &err),
                     LM_OK);
    assert_int_equal(fmt_vroom_plan(in, &sol, &err), LM_OK);
    assert_int_equal(sol->n_routes, 1);
    assert_int_equal(sol->routes[0].n_steps, 4); /* VROOM's plan: an open route ends at job 2 */
    assert_int_equal(sol->routes[0].steps[3].location, 2);
    solver_solution_destroy(sol);
    fmt_vroom_input_destroy(in);
}

/* Hostile but well-formed inputs: deep nesting, bytes that are not UTF-8, extreme integers,
 * long plans with huge service times. Each is refused with code 2 or handled, never a crash. */
static void test_hostile(void **state) {
    (void)state;
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    char deep[4100];
    memset(deep, '[', 4000);
    deep[4000] = '\0';
    lm_status st = fmt_vroom_parse(deep, 4000, NULL, &in, &err);
    assert_int_equal(fmt_vroom_code(st), FMT_VROOM_INPUT);

    const char bad_utf8[] = "{\"vehicles\":[{\"id\":1,\"start_index\":0}],\"jobs\":[{\"id\":1,"
                            "\"location_index\":0,\"description\":\"caf\xff\"}],\"matrix\":[[0]]}";
    st = fmt_vroom_parse(bad_utf8, sizeof bad_utf8 - 1, NULL, &in, &err);
    assert_int_equal(st, LM_INVALID);
    assert_string_equal(err.field, "jobs[0].description");

    /* A NUL escape would cut the description short: refused before anything is read. */
    assert_int_equal(parse("{'vehicles':[{'id':1,'start_index':0}],'jobs':[{'id':1,"
                           "'location_index':0,'description':'a\\u0000b'}],'matrix':[[0]]}",
                           NULL, &in, &err),
                     LM_INVALID);
    assert_non_null(strstr(err.message, "NUL"));

    /* The largest id and time accepted come back exactly. */
    assert_int_equal(parse("{'vehicles':[{'id':9007199254740992,'start_index':0,'time_window':"
                           "[0,1125899906842624]}],'jobs':[{'id':9007199254740991,"
                           "'location_index':0,'description':'a\\\\u0000b'}],'matrix':[[0]]}",
                           NULL, &in, &err),
                     LM_OK);
    solver_unassigned un = {.type = SOLVER_STEP_JOB, .index = 0};
    solver_solution sol = {.unassigned = &un, .n_unassigned = 1};
    char *out = NULL;
    size_t len;
    assert_int_equal(fmt_vroom_write(in, &sol, false, &out, &len, &err), LM_OK);
    assert_non_null(strstr(out, "\"id\":9007199254740991"));
    lm_free(out);
    fmt_vroom_input_destroy(in);

    /* 1000 fixed steps, each with 2^50 s of setup and service: refused in plan mode (times
     * past 2^52 s). */
    lm_buf b;
    lm_buf_init(&b, 1u << 20);
    assert_int_equal(lm_buf_printf(&b, "{\"vehicles\":[{\"id\":1,\"start_index\":0,\"steps\":["),
                     LM_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(lm_buf_printf(&b, "%s{\"type\":\"job\",\"id\":%d}", i ? "," : "", i),
                         LM_OK);
    assert_int_equal(lm_buf_printf(&b, "]}],\"jobs\":["), LM_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(lm_buf_printf(&b,
                                       "%s{\"id\":%d,\"location_index\":%d,\"setup\":"
                                       "1125899906842624,\"service\":1125899906842624}",
                                       i ? "," : "", i, i % 2),
                         LM_OK);
    assert_int_equal(lm_buf_printf(&b, "],\"matrix\":[[0,2147483647],[2147483647,0]]}"), LM_OK);
    assert_int_equal(fmt_vroom_parse(b.data, b.len, NULL, &in, &err), LM_OK);
    solver_solution *planned = NULL;
    st = fmt_vroom_plan(in, &planned, &err);
    assert_int_equal(st, LM_INVALID);
    assert_string_equal(err.field, "vehicles[0].steps");
    assert_null(planned);
    fmt_vroom_input_destroy(in);
    lm_buf_free(&b);
}

/* ---- The documented example (golden file) ---- */

static char *read_doc(const char *name, size_t *len) {
    const char *src = getenv("LASTMILE_SOURCE_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/docs/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) print_error("cannot open %s\n", path);
    assert_non_null(f);
    lm_buf b;
    lm_buf_init(&b, 1u << 22);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(lm_buf_append(&b, chunk, n), LM_OK);
    fclose(f);
    *len = b.len;
    return lm_buf_take(&b);
}

/* Equal as JSON once the wall-clock computing_times are dropped; prints both when not. */
static void assert_same_output(const char *got, const char *want) {
    cJSON *a = cJSON_Parse(got), *b = cJSON_Parse(want);
    assert_non_null(a);
    assert_non_null(b);
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(a, "summary"), "computing_times");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(b, "summary"), "computing_times");
    if (!cJSON_Compare(a, b, true)) {
        char *x = cJSON_PrintUnformatted(a), *y = cJSON_PrintUnformatted(b);
        print_error("got:  %s\nwant: %s\n", x, y);
        cJSON_free(x);
        cJSON_free(y);
        fail();
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static char *solve_text(const char *json, size_t len, bool plan) {
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    lm_status st = fmt_vroom_parse(json, len, NULL, &in, &err);
    if (st != LM_OK) print_error("%s: %s\n", err.field, err.message);
    assert_int_equal(st, LM_OK);
    solver_solution *sol = NULL;
    if (plan) {
        st = fmt_vroom_plan(in, &sol, &err);
    } else {
        solver_opts o;
        solver_opts_init(&o);
        o.time_limit_ms = 600000; /* a safety stop: the document asks for 1000 iterations */
        o.threads = 1;
        o.seed = 1;
        st = fmt_vroom_solve(in, &o, &sol, &err);
        assert_true(!sol || sol->reproducible);
    }
    if (st != LM_OK) print_error("%s: %s\n", err.field, err.message);
    assert_int_equal(st, LM_OK);
    char *out = NULL;
    size_t out_len;
    assert_int_equal(fmt_vroom_write(in, sol, true, &out, &out_len, &err), LM_OK);
    solver_solution_destroy(sol);
    fmt_vroom_input_destroy(in);
    return out;
}

/* Solving docs/vroom-example.json (its options ask for 1000 iterations) with seed 1 on one thread
 * gives docs/vroom-example.out.json. */
static void test_golden_example(void **state) {
    (void)state;
    size_t in_len, want_len;
    char *input = read_doc("vroom-example.json", &in_len);
    char *want = read_doc("vroom-example.out.json", &want_len);
    char *got = solve_text(input, in_len, false);
    assert_same_output(got, want);
    lm_free(got);
    lm_free(input);
    lm_free(want);
}

/* Round trip: the golden routes written back as the vehicles' steps and evaluated in plan mode
 * are feasible (no violation) with the same routes, costs and totals. */
static void test_round_trip(void **state) {
    (void)state;
    size_t in_len, out_len;
    char *input = read_doc("vroom-example.json", &in_len);
    char *golden = read_doc("vroom-example.out.json", &out_len);
    cJSON *doc = cJSON_Parse(input), *sol = cJSON_Parse(golden);
    assert_non_null(doc);
    assert_non_null(sol);
    const cJSON *route;
    cJSON_ArrayForEach(route, cJSON_GetObjectItem(sol, "routes")) {
        int vid = cJSON_GetObjectItem(route, "vehicle")->valueint;
        cJSON *veh = NULL, *v;
        cJSON_ArrayForEach(v, cJSON_GetObjectItem(doc, "vehicles")) {
            if (cJSON_GetObjectItem(v, "id")->valueint == vid) veh = v;
        }
        assert_non_null(veh);
        cJSON *steps = cJSON_AddArrayToObject(veh, "steps");
        const cJSON *s;
        cJSON_ArrayForEach(s, cJSON_GetObjectItem(route, "steps")) {
            cJSON *step = cJSON_CreateObject();
            cJSON_AddStringToObject(step, "type", cJSON_GetObjectItem(s, "type")->valuestring);
            const cJSON *id = cJSON_GetObjectItem(s, "id");
            if (id) cJSON_AddNumberToObject(step, "id", id->valuedouble);
            cJSON_AddItemToArray(steps, step);
        }
    }
    char *planned_in = cJSON_PrintUnformatted(doc);
    char *got = solve_text(planned_in, strlen(planned_in), true);
    /* plan mode evaluates, it does not search: its summary has no "search"; it reports no
     * violation, and the same routes, costs, travel and totals (its start times may differ:
     * VROOM's plan mode starts as late as lets the route end soonest) */
    cJSON *got_doc = cJSON_Parse(got);
    assert_non_null(got_doc);
    const cJSON *gs = cJSON_GetObjectItem(got_doc, "summary"),
                *ws = cJSON_GetObjectItem(sol, "summary");
    assert_null(cJSON_GetObjectItem(gs, "search"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(gs, "violations")), 0);
    static const char *const same[] = {"cost",    "routes",   "unassigned", "setup",
                                       "service", "duration", "priority",   "distance"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        assert_int_equal(cJSON_GetObjectItem(gs, same[i])->valueint,
                         cJSON_GetObjectItem(ws, same[i])->valueint);
    const cJSON *gr = cJSON_GetObjectItem(got_doc, "routes")->child;
    cJSON_ArrayForEach(route, cJSON_GetObjectItem(sol, "routes")) {
        assert_non_null(gr);
        assert_int_equal(cJSON_GetObjectItem(gr, "cost")->valueint,
                         cJSON_GetObjectItem(route, "cost")->valueint);
        const cJSON *a = cJSON_GetObjectItem(gr, "steps")->child, *b;
        cJSON_ArrayForEach(b, cJSON_GetObjectItem(route, "steps")) {
            assert_non_null(a);
            assert_string_equal(cJSON_GetObjectItem(a, "type")->valuestring,
                                cJSON_GetObjectItem(b, "type")->valuestring);
            assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(a, "violations")), 0);
            a = a->next;
        }
        gr = gr->next;
    }
    cJSON_Delete(got_doc);
    lm_free(got);
    cJSON_free(planned_in);
    cJSON_Delete(doc);
    cJSON_Delete(sol);
    lm_free(input);
    lm_free(golden);
}

static void test_codes(void **state) {
    (void)state;
    assert_int_equal(fmt_vroom_code(LM_OK), 0);
    assert_int_equal(fmt_vroom_code(LM_INVALID), 2);
    assert_int_equal(fmt_vroom_code(LM_TOO_BIG), 2);
    assert_int_equal(fmt_vroom_code(LM_ROUTING), 3);
    assert_int_equal(fmt_vroom_code(LM_NOMEM), 1);
    assert_int_equal(fmt_vroom_code(LM_INTERNAL), 1);
    char *e = fmt_vroom_error_write(LM_INTERNAL, NULL);
    assert_non_null(e);
    assert_string_equal(e, "{\"code\":1,\"error\":\"internal error\"}");
    lm_free(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps),        cmocka_unit_test(test_valid_input),
        cmocka_unit_test(test_coordinates), cmocka_unit_test(test_write_shape),
        cmocka_unit_test(test_codes),       cmocka_unit_test(test_golden_example),
        cmocka_unit_test(test_round_trip),  cmocka_unit_test(test_plan),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
