/* Tests for VROOM's modes and keys beyond the basic codec: steps as the search's starting point
 * in solving mode, vroom-express's options (c, t, x, l), 64-bit ids end to end. */
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
static lm_status parse(const char *tjson, fmt_vroom_input **out, lm_errinfo *err) {
    char *json = lm_strdup(tjson);
    assert_non_null(json);
    for (char *p = json; *p; p++)
        if (*p == '\'') *p = '"';
    lm_errinfo_clear(err);
    lm_status st = fmt_vroom_parse(json, strlen(json), NULL, out, err);
    lm_free(json);
    return st;
}

static solver_opts budget(void) {
    solver_opts o;
    solver_opts_init(&o);
    o.iterations = 20;
    o.time_limit_ms = 600000;
    o.threads = 1;
    return o;
}

/* One way round is cheap (0 -> 1 -> 2 -> 0 costs 3), the other dear (30). */
#define ONE_WAY "'matrices':{'car':{'durations':[[0,1,10],[10,0,1],[1,10,0]]}}"

/* Solving mode: steps are where the search starts, not a constraint (VROOM's API.md). */
static void test_steps_seed_the_search(void **state) {
    (void)state;
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    assert_int_equal(
        parse("{'vehicles':[{'id':1,'start_index':0,'end_index':0,'steps':[{'type':"
              "'start'},{'type':'job','id':2},{'type':'job','id':1},{'type':'end'}]"
              "}],'jobs':[{'id':1,'location_index':1},{'id':2,'location_index':2}]," ONE_WAY "}",
              &in, &err),
        LM_OK);
    solver_opts o = budget();
    solver_solution *sol = NULL;
    assert_int_equal(fmt_vroom_solve(in, &o, &sol, &err), LM_OK);
    assert_int_equal(sol->cost, 3); /* the seed (2 then 1) costs 30: the search reordered it */
    assert_int_equal(sol->routes[0].steps[1].index, 0);
    assert_int_equal(sol->routes[0].steps[2].index, 1);
    solver_solution_destroy(sol);
    /* the same steps in plan mode are kept as given */
    solver_plan_report *rep = NULL;
    assert_int_equal(fmt_vroom_plan_ex(in, &sol, &rep, &err), LM_OK);
    assert_int_equal(sol->cost, 30);
    assert_int_equal(rep->summary.n, 0);
    solver_plan_report_destroy(rep);
    solver_solution_destroy(sol);
    fmt_vroom_input_destroy(in);

    /* A starting point that is not a valid route is an input error, as in VROOM. */
    assert_int_equal(parse("{'vehicles':[{'id':7,'start_index':0,'capacity':[1],'steps':[{'type':"
                           "'job','id':1},{'type':'job','id':2}]}],'jobs':[{'id':1,"
                           "'location_index':1,'delivery':[1]},{'id':2,'location_index':2,"
                           "'delivery':[1]}]," ONE_WAY "}",
                           &in, &err),
                     LM_OK);
    o = budget();
    sol = NULL;
    lm_status st = fmt_vroom_solve(in, &o, &sol, &err);
    assert_int_equal(st, LM_INVALID);
    assert_int_equal(fmt_vroom_code(st), FMT_VROOM_INPUT);
    assert_non_null(strstr(err.message, "vehicle 7"));
    assert_null(sol);
    /* in plan mode it is evaluated, its overload reported */
    solver_plan_report *rep2 = NULL;
    assert_int_equal(fmt_vroom_plan_ex(in, &sol, &rep2, &err), LM_OK);
    assert_int_equal(rep2->summary.n, 1);
    assert_int_equal(rep2->summary.causes[0], SOLVER_VIOL_LOAD);
    solver_plan_report_destroy(rep2);
    solver_solution_destroy(sol);
    fmt_vroom_input_destroy(in);
}

/* vroom-express's options: c plans, t / l / x shape the search within the caller's caps. */
static void test_express_options(void **state) {
    (void)state;
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    assert_int_equal(parse("{'vehicles':[{'id':1,'start_index':0}],'jobs':[{'id':1,"
                           "'location_index':1}],'options':{'c':true,'t':8,'l':2.5}," ONE_WAY "}",
                           &in, &err),
                     LM_OK);
    assert_true(fmt_vroom_input_wants_plan(in));
    solver_opts o;
    solver_opts_init(&o);
    fmt_vroom_apply_options(in, &o, 2, 60000);
    assert_int_equal(o.threads, 2);          /* capped */
    assert_int_equal(o.time_limit_ms, 2500); /* l in seconds */
    fmt_vroom_input_destroy(in);
    assert_int_equal(parse("{'vehicles':[{'id':1,'start_index':0}],'jobs':[{'id':1,"
                           "'location_index':1}],'options':{'x':2}," ONE_WAY "}",
                           &in, &err),
                     LM_OK);
    solver_opts_init(&o);
    o.time_limit_ms = 6000;
    fmt_vroom_apply_options(in, &o, 2, 60000);
    assert_int_equal(o.time_limit_ms, 3000); /* x = 2: half the time limit */
    assert_false(fmt_vroom_input_wants_plan(in));
    fmt_vroom_input_destroy(in);
    static const char *const bad[] = {"'x':6", "'t':0", "'l':-1", "'c':1", "'z':1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char doc[512];
        snprintf(doc, sizeof doc,
                 "{'vehicles':[{'id':1,'start_index':0}],'jobs':[{'id':1,'location_index':1}],"
                 "'options':{%s}," ONE_WAY "}",
                 bad[i]);
        assert_int_equal(parse(doc, &in, &err), LM_INVALID);
        assert_non_null(strstr(err.field, "options"));
    }
}

/* Ids are 64-bit unsigned end to end: above 2^53 (where a double rounds) they come back exactly. */
static void test_u64_ids(void **state) {
    (void)state;
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    assert_int_equal(parse("{'vehicles':[{'id':18446744073709551615,'start_index':0,'breaks':[{"
                           "'id':18446744073709551614,'service':1}],'steps':[{'type':'job','id':"
                           "9007199254740993},{'type':'break','id':18446744073709551614}]}],"
                           "'jobs':[{'id':9007199254740993,'location_index':1},{'id':"
                           "9007199254740992,'location_index':2}],'shipments':[{'pickup':{'id':"
                           "12345678901234567890,'location_index':1},'delivery':{'id':"
                           "12345678901234567891,'location_index':2}}]," ONE_WAY "}",
                           &in, &err),
                     LM_OK);
    solver_solution *sol = NULL;
    solver_plan_report *rep = NULL;
    assert_int_equal(fmt_vroom_plan_ex(in, &sol, &rep, &err), LM_OK);
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(fmt_vroom_write_plan(in, sol, rep, false, NULL, &out, &len, &err), LM_OK);
    static const char *const want[] = {
        "\"vehicle\":18446744073709551615", "\"id\":18446744073709551614",
        "\"id\":9007199254740993,",         "\"id\":9007199254740992,",
        "\"id\":12345678901234567890,",     "\"id\":12345678901234567891,"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(out, want[i])) print_error("%s not in %s\n", want[i], out);
        assert_non_null(strstr(out, want[i]));
    }
    lm_free(out);
    solver_plan_report_destroy(rep);
    solver_solution_destroy(sol);
    fmt_vroom_input_destroy(in);
    /* Two ids a double cannot tell apart are still two ids; one past 2^64, negative, written
     * with an exponent or a fraction is refused, naming the field. */
    assert_int_equal(parse("{'vehicles':[{'id':1,'start_index':0}],'jobs':[{'id':"
                           "9007199254740993,'location_index':1},{'id':9007199254740992,"
                           "'location_index':2}]," ONE_WAY "}",
                           &in, &err),
                     LM_OK);
    fmt_vroom_input_destroy(in);
    static const char *const bad[] = {"18446744073709551616", "-9007199254740993", "1e19",
                                      "9007199254740993.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char doc[512];
        snprintf(
            doc, sizeof doc,
            "{'vehicles':[{'id':1,'start_index':0}],'jobs':[{'id':%s,'location_index':1}]," ONE_WAY
            "}",
            bad[i]);
        assert_int_equal(parse(doc, &in, &err), LM_INVALID);
        assert_string_equal(err.field, "jobs[0].id");
    }
    /* a description holding digits does not shift the pairing of literals and numbers */
    assert_int_equal(parse("{'vehicles':[{'id':1,'start_index':0,'description':'12345678901234567"
                           "\\\"'}],'jobs':[{'id':18446744073709551615,'location_index':1,"
                           "'description':'9007199254740993'}]," ONE_WAY "}",
                           &in, &err),
                     LM_OK);
    const solver_problem *p = fmt_vroom_input_problem(in);
    assert_int_equal(solver_problem_n_jobs(p), 1);
    solver_unassigned un = {SOLVER_STEP_JOB, 0, SOLVER_REASON_NO_ROOM};
    solver_solution empty = {.unassigned = &un, .n_unassigned = 1};
    assert_int_equal(fmt_vroom_write(in, &empty, false, &out, &len, &err), LM_OK);
    assert_non_null(strstr(out, "\"id\":18446744073709551615"));
    lm_free(out);
    fmt_vroom_input_destroy(in);
}

/* max_tasks 0: the vehicle serves nothing when solving (the other one does all). */
static void test_max_tasks_zero(void **state) {
    (void)state;
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    assert_int_equal(parse("{'vehicles':[{'id':1,'start_index':0,'max_tasks':0},{'id':2,"
                           "'start_index':2,'max_tasks':2}],'jobs':[{'id':1,'location_index':0},"
                           "{'id':2,'location_index':1}]," ONE_WAY "}",
                           &in, &err),
                     LM_OK);
    solver_opts o = budget();
    solver_solution *sol = NULL;
    assert_int_equal(fmt_vroom_solve(in, &o, &sol, &err), LM_OK);
    assert_int_equal(sol->n_unassigned, 0);
    assert_int_equal(sol->n_routes, 1);
    assert_int_equal(sol->routes[0].vehicle, 1); /* job 1 sits at vehicle 1's start, yet not it */
    solver_solution_destroy(sol);
    fmt_vroom_input_destroy(in);
}

/* Vehicle types: a task's setup_per_type / service_per_type apply on vehicles of that type. */
static void test_per_type(void **state) {
    (void)state;
    fmt_vroom_input *in = NULL;
    lm_errinfo err;
    /* the whole fleet is of one type: its values are the task's */
    assert_int_equal(parse("{'vehicles':[{'id':1,'start_index':0,'type':'van'}],'jobs':[{'id':1,"
                           "'location_index':1,'setup':5,'service':300,'setup_per_type':{'van':"
                           "7},'service_per_type':{'van':600,'bike':60}}]," ONE_WAY "}",
                           &in, &err),
                     LM_OK);
    solver_opts o = budget();
    solver_solution *sol = NULL;
    assert_int_equal(fmt_vroom_solve(in, &o, &sol, &err), LM_OK);
    assert_int_equal(sol->routes[0].steps[1].service_s, 600);
    assert_int_equal(sol->routes[0].steps[1].setup_s, 7);
    solver_solution_destroy(sol);
    fmt_vroom_input_destroy(in);
    /* two types that differ: plan mode gives each vehicle its own; solving refuses (code 2) */
    assert_int_equal(parse("{'vehicles':[{'id':1,'start_index':0,'type':'van','steps':[{'type':"
                           "'job','id':1}]},{'id':2,'start_index':0,'type':'bike','steps':[{"
                           "'type':'job','id':2}]},{'id':3,'start_index':0,'steps':[{'type':"
                           "'job','id':3}]}],'jobs':[{'id':1,'location_index':1,'service':300,"
                           "'service_per_type':{'bike':60}},{'id':2,'location_index':1,"
                           "'service':300,'service_per_type':{'bike':60}},{'id':3,"
                           "'location_index':2,'service':300,'service_per_type':{'':1}}]," ONE_WAY
                           "}",
                           &in, &err),
                     LM_OK);
    solver_plan_report *rep = NULL;
    assert_int_equal(fmt_vroom_plan_ex(in, &sol, &rep, &err), LM_OK);
    assert_int_equal(sol->routes[0].steps[1].service_s, 300); /* van: the default */
    assert_int_equal(sol->routes[1].steps[1].service_s, 60);  /* bike */
    assert_int_equal(sol->routes[2].steps[1].service_s, 300); /* no type: never overridden */
    solver_plan_report_destroy(rep);
    solver_solution_destroy(sol);
    o = budget();
    sol = NULL;
    lm_status st = fmt_vroom_solve(in, &o, &sol, &err);
    assert_int_equal(fmt_vroom_code(st), FMT_VROOM_INPUT);
    assert_non_null(strstr(err.message, "plan mode"));
    assert_null(sol);
    fmt_vroom_input_destroy(in);
    /* a value that is not a duration is refused, naming the type */
    assert_int_equal(parse("{'vehicles':[{'id':1,'start_index':0,'type':'van'}],'jobs':[{'id':1,"
                           "'location_index':1,'service_per_type':{'van':-1}}]," ONE_WAY "}",
                           &in, &err),
                     LM_INVALID);
    assert_string_equal(err.field, "jobs[0].service_per_type.van");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps_seed_the_search),
        cmocka_unit_test(test_express_options),
        cmocka_unit_test(test_u64_ids),
        cmocka_unit_test(test_max_tasks_zero),
        cmocka_unit_test(test_per_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
