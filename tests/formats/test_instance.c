/* Tests for the benchmark instance readers (api/formats/instance.c): real Solomon and CVRPLIB files
 * from datasets/, their BKS solutions re-costed through the reader, explicit weights, file errors.
 * Malformed inputs are data: tests/data/instance/ (test_instance_cases.c). */
#include "api/formats/vroom.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Helpers ---- */

static void dataset_path(char *buf, size_t size, const char *rel) {
    const char *root = getenv("LASTMILE_SOURCE_DIR");
    int n = snprintf(buf, size, "%s/datasets/%s", root ? root : ".", rel);
    assert_true(n > 0 && (size_t)n < size);
}

static fmt_instance *load(const char *rel) {
    char path[1024];
    dataset_path(path, sizeof path, rel);
    fmt_instance *inst = NULL;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    lm_status st = fmt_instance_read_file(path, FMT_INSTANCE_AUTO, &inst, &e);
    if (st != LM_OK) print_error("%s: %s (%s: %s)\n", path, lm_strerror(st), e.field, e.message);
    assert_int_equal(st, LM_OK);
    assert_non_null(inst);
    return inst;
}

/* A CVRPLIB .sol file: routes of customer numbers (= locations when the depot is location 0). */
typedef struct sol_file {
    uint32_t *loc; /* all routes back to back */
    size_t n_loc;
    size_t starts[512], lens[512];
    size_t n_routes;
    double cost;
} sol_file;

static void sol_read(const char *rel, sol_file *s) {
    char path[1024], line[8192];
    dataset_path(path, sizeof path, rel);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    memset(s, 0, sizeof *s);
    s->loc = lm_calloc(20000, sizeof *s->loc);
    assert_non_null(s->loc);
    s->cost = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "Route", 5) == 0) {
            char *p = strchr(line, ':');
            assert_non_null(p);
            assert_true(s->n_routes < 512);
            s->starts[s->n_routes] = s->n_loc;
            for (p++;;) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p) break;
                assert_true(s->n_loc < 20000);
                s->loc[s->n_loc++] = (uint32_t)v;
                p = end;
            }
            s->lens[s->n_routes] = s->n_loc - s->starts[s->n_routes];
            s->n_routes++;
        } else if (strncmp(line, "Cost", 4) == 0) {
            s->cost = strtod(line + 4, NULL);
        }
    }
    fclose(f);
    assert_true(s->n_routes > 0);
}

/* Builds the solver_solution a solver would return for the .sol routes (start, jobs, end). */
static solver_solution *sol_to_solution(const fmt_instance *inst, const sol_file *s) {
    solver_solution *sol = lm_calloc(1, sizeof *sol);
    assert_non_null(sol);
    sol->routes = lm_calloc(s->n_routes, sizeof *sol->routes);
    assert_non_null(sol->routes);
    sol->n_routes = s->n_routes;
    for (size_t r = 0; r < s->n_routes; r++) {
        solver_route *rt = &sol->routes[r];
        rt->vehicle = (uint32_t)r;
        rt->n_steps = s->lens[r] + 2;
        rt->steps = lm_calloc(rt->n_steps, sizeof *rt->steps);
        assert_non_null(rt->steps);
        rt->steps[0].type = SOLVER_STEP_START;
        rt->steps[0].location = inst->depot;
        for (size_t k = 0; k < s->lens[r]; k++) {
            rt->steps[k + 1].type = SOLVER_STEP_JOB;
            rt->steps[k + 1].location = s->loc[s->starts[r] + k];
            rt->steps[k + 1].index = s->loc[s->starts[r] + k] - 1;
        }
        rt->steps[rt->n_steps - 1].type = SOLVER_STEP_END;
        rt->steps[rt->n_steps - 1].location = inst->depot;
    }
    return sol;
}

/* Looks up `name`'s cost in a bks.csv (instance,vehicles,cost,source). */
static double bks_cost(const char *csv_rel, const char *name) {
    char path[1024], line[1024];
    dataset_path(path, sizeof path, csv_rel);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    double cost = -1;
    size_t nl = strlen(name);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, nl) == 0 && line[nl] == ',') {
            char *p = strchr(line + nl + 1, ',');
            assert_non_null(p);
            cost = strtod(p + 1, NULL);
            break;
        }
    fclose(f);
    if (cost < 0) print_error("%s not in %s\n", name, csv_rel);
    assert_true(cost >= 0);
    return cost;
}

/* ---- Real files ---- */

static void test_solomon_c101(void **state) {
    (void)state;
    fmt_instance *inst = load("solomon/C101.txt");
    assert_string_equal(inst->name, "C101");
    assert_int_equal(inst->format, FMT_INSTANCE_SOLOMON);
    assert_int_equal(inst->n_nodes, 101);
    assert_int_equal(inst->n_customers, 100);
    assert_int_equal(inst->depot, 0);
    assert_int_equal(inst->n_vehicles, 25);
    assert_int_equal(inst->fleet_limit, 25);
    assert_int_equal(inst->capacity, 200);
    assert_int_equal(inst->scale, 10000);
    /* depot: 0 40 50 0 0 1236 0; customer 1: 45 68 10 912 967 90; customer 100: 55 85 20 647 726 90
     */
    assert_true(inst->x[0] == 40.0 && inst->y[0] == 50.0);
    assert_true(inst->due[0] == 1236.0);
    assert_true(inst->x[1] == 45.0 && inst->y[1] == 68.0);
    assert_int_equal(inst->demand[1], 10);
    assert_true(inst->ready[1] == 912.0 && inst->due[1] == 967.0 && inst->service[1] == 90.0);
    assert_int_equal(inst->node_id[100], 100);
    assert_true(inst->x[100] == 55.0 && inst->y[100] == 85.0);
    assert_int_equal(inst->demand[100], 20);
    assert_true(inst->ready[100] == 647.0 && inst->due[100] == 726.0);
    assert_int_equal(solver_problem_n_jobs(inst->problem), 100);
    assert_int_equal(solver_problem_n_vehicles(inst->problem), 25);
    assert_int_equal(solver_problem_n_dims(inst->problem), 1);
    /* Edge 0 -> 1: sqrt(25 + 324) in full precision. */
    assert_true(fmt_instance_edge_cost(inst, 0, 1) == sqrt(349.0));
    assert_true(isnan(fmt_instance_edge_cost(inst, 0, 101)));

    /* The DIMACS BKS routes re-costed with real distances give bks_distance_real's 828.94. */
    sol_file s;
    sol_read("solomon/dimacs_solutions/C101.sol", &s);
    solver_solution *sol = sol_to_solution(inst, &s);
    double cost = fmt_instance_cost(inst, sol);
    double bks = bks_cost("solomon/bks_distance_real.csv", "C101");
    if (fabs(cost - bks) > 0.005) print_error("C101 cost %.6f, BKS %.2f\n", cost, bks);
    assert_true(fabs(cost - bks) <= 0.005);
    assert_true(cost > s.cost); /* DIMACS truncates to one decimal: 827.3 */
    solver_solution_destroy(sol);
    lm_free(s.loc);
    fmt_instance_destroy(inst);
}

static void test_solomon_r201(void **state) {
    (void)state;
    fmt_instance *inst = load("solomon/R201.txt");
    assert_string_equal(inst->name, "R201");
    assert_int_equal(inst->n_customers, 100);
    assert_int_equal(inst->n_vehicles, 25);
    assert_int_equal(inst->capacity, 1000);
    /* depot: 0 35 35 0 0 1000 0; customer 1: 41 49 10 707 848 10 */
    assert_true(inst->x[0] == 35.0 && inst->y[0] == 35.0 && inst->due[0] == 1000.0);
    assert_true(inst->x[1] == 41.0 && inst->y[1] == 49.0);
    assert_int_equal(inst->demand[1], 10);
    assert_true(inst->ready[1] == 707.0 && inst->due[1] == 848.0 && inst->service[1] == 10.0);
    sol_file s;
    sol_read("solomon/dimacs_solutions/R201.sol", &s);
    solver_solution *sol = sol_to_solution(inst, &s);
    double cost = fmt_instance_cost(inst, sol);
    double bks = bks_cost("solomon/bks_distance_real.csv", "R201");
    if (fabs(cost - bks) > 0.005) print_error("R201 cost %.6f, BKS %.2f\n", cost, bks);
    assert_true(fabs(cost - bks) <= 0.005);
    solver_solution_destroy(sol);
    lm_free(s.loc);
    fmt_instance_destroy(inst);
}

static void test_cvrplib_a_n32_k5(void **state) {
    (void)state;
    fmt_instance *inst = load("cvrplib/A/A-n32-k5.vrp");
    assert_string_equal(inst->name, "A-n32-k5");
    assert_int_equal(inst->format, FMT_INSTANCE_CVRPLIB);
    assert_int_equal(inst->n_nodes, 32);
    assert_int_equal(inst->n_customers, 31);
    assert_int_equal(inst->depot, 0);
    assert_int_equal(inst->capacity, 100);
    assert_int_equal(inst->fleet_limit, 5);
    assert_int_equal(inst->n_vehicles, 5);
    assert_int_equal(inst->scale, 1);
    assert_null(inst->ready);
    /* node 1: 82 76 (depot); node 2: 96 44, demand 19; node 32: 98 5 demand 9 */
    assert_true(inst->x[0] == 82.0 && inst->y[0] == 76.0);
    assert_true(inst->x[1] == 96.0 && inst->y[1] == 44.0);
    assert_int_equal(inst->node_id[1], 2);
    assert_int_equal(inst->demand[0], 0);
    assert_int_equal(inst->demand[1], 19);
    assert_int_equal(inst->demand[31], 9);
    /* nint(sqrt(14^2 + 32^2)) = nint(34.93) = 35 */
    assert_true(fmt_instance_edge_cost(inst, 0, 1) == 35.0);
    assert_int_equal(solver_problem_n_jobs(inst->problem), 31);
    assert_int_equal(solver_problem_n_vehicles(inst->problem), 5);
    fmt_instance_destroy(inst);
}

static void test_cvrplib_x_n101_k25(void **state) {
    (void)state;
    fmt_instance *inst = load("cvrplib/X/X-n101-k25.vrp");
    assert_string_equal(inst->name, "X-n101-k25");
    assert_int_equal(inst->n_nodes, 101);
    assert_int_equal(inst->n_customers, 100);
    assert_int_equal(inst->capacity, 206);
    assert_int_equal(inst->fleet_limit, 0); /* X: free fleet */
    assert_int_equal(inst->n_vehicles, 100);
    assert_true(inst->x[0] == 365.0 && inst->y[0] == 689.0);
    assert_true(inst->x[1] == 146.0 && inst->y[1] == 180.0);

    sol_file s;
    sol_read("cvrplib/X/X-n101-k25.sol", &s);
    assert_int_equal(s.n_routes, 26);
    assert_true(s.cost == 27591.0);
    solver_solution *sol = sol_to_solution(inst, &s);
    assert_true(fmt_instance_cost(inst, sol) == 27591.0);
    double by_route = 0;
    for (size_t r = 0; r < s.n_routes; r++)
        by_route += fmt_instance_route_cost(inst, s.loc + s.starts[r], s.lens[r]);
    assert_true(by_route == 27591.0);
    assert_true(bks_cost("cvrplib/X/bks.csv", "X-n101-k25") == 27591.0);
    /* Every customer is served exactly once, and route loads fit. */
    int seen[101] = {0};
    for (size_t r = 0; r < s.n_routes; r++) {
        int64_t load = 0;
        for (size_t k = 0; k < s.lens[r]; k++) {
            uint32_t c = s.loc[s.starts[r] + k];
            assert_true(c >= 1 && c <= 100);
            seen[c]++;
            load += inst->demand[c];
        }
        assert_true(load <= inst->capacity);
    }
    for (int c = 1; c <= 100; c++)
        assert_int_equal(seen[c], 1);
    solver_solution_destroy(sol);
    lm_free(s.loc);
    fmt_instance_destroy(inst);
}

/* " NAME " for a whole-word search in a list. */
static const char *stem_padded(const char *stem) {
    static char buf[300];
    snprintf(buf, sizeof buf, " %s ", stem);
    return buf;
}

/* Every shipped instance parses; every X .sol re-costs to its bks.csv value exactly; every
 * Solomon DIMACS solution costs at least bks_distance_real (it is one of that minimum's inputs). */
static void test_every_dataset_file(void **state) {
    (void)state;
    static const char *const dirs[] = {"solomon", "cvrplib/A", "cvrplib/B", "cvrplib/P",
                                       "cvrplib/X"};
    size_t parsed = 0, sols = 0;
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        char path[1024];
        dataset_path(path, sizeof path, dirs[d]);
        DIR *dir = opendir(path);
        assert_non_null(dir);
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            size_t nl = strlen(de->d_name);
            bool txt = nl > 4 && strcmp(de->d_name + nl - 4, ".txt") == 0;
            bool vrp = nl > 4 && strcmp(de->d_name + nl - 4, ".vrp") == 0;
            if (!txt && !vrp) continue;
            char rel[512], stem[256];
            snprintf(rel, sizeof rel, "%s/%s", dirs[d], de->d_name);
            snprintf(stem, sizeof stem, "%.*s", (int)(nl - 4), de->d_name);
            fmt_instance *inst = load(rel);
            assert_string_equal(inst->name, stem);
            assert_int_equal(solver_problem_n_jobs(inst->problem), inst->n_customers);
            parsed++;
            char csv[512], sol_rel[512];
            snprintf(csv, sizeof csv, "%s/%s", dirs[d], txt ? "bks_distance_real.csv" : "bks.csv");
            double bks = bks_cost(csv, stem);
            if (d == 0 || d == 4) {
                if (txt)
                    snprintf(sol_rel, sizeof sol_rel, "solomon/dimacs_solutions/%s.sol", stem);
                else
                    snprintf(sol_rel, sizeof sol_rel, "cvrplib/X/%s.sol", stem);
                sol_file s;
                sol_read(sol_rel, &s);
                solver_solution *sol = sol_to_solution(inst, &s);
                double cost = fmt_instance_cost(inst, sol);
                /* datasets/README.md: these DIMACS routes break windows with real travel
                 * times, so they are not part of that minimum and may cost less. */
                bool dimacs_feasible = txt && !strstr(" R102 R105 R107 R108 R112 R211 RC101 RC105 ",
                                                      stem_padded(stem));
                if ((vrp && cost != bks) || (dimacs_feasible && cost < bks - 0.005))
                    print_error("%s: cost %.3f, BKS %.3f\n", stem, cost, bks);
                if (vrp)
                    assert_true(cost == bks);
                else if (dimacs_feasible)
                    assert_true(cost >= bks - 0.005);
                else
                    assert_true(cost > s.cost); /* above the 1-decimal truncated cost */
                solver_solution_destroy(sol);
                lm_free(s.loc);
                sols++;
            }
            fmt_instance_destroy(inst);
        }
        closedir(dir);
    }
    assert_int_equal(parsed, 56 + 27 + 23 + 24 + 58);
    assert_int_equal(sols, 56 + 58);
}

/* Evaluates the .sol routes through the solver's plan mode (solver_evaluate, which also runs the
 * independent checker): the integer model must accept the known solutions. Returns the status. */
static lm_status evaluate_sol(const fmt_instance *inst, const sol_file *s, solver_solution **out,
                              lm_errinfo *e) {
    solver_task_ref *refs = lm_calloc(s->n_loc + 1, sizeof *refs);
    const solver_task_ref **routes = lm_calloc(s->n_routes, sizeof *routes);
    uint32_t *vehicles = lm_calloc(s->n_routes, sizeof *vehicles);
    assert_true(refs && routes && vehicles);
    for (size_t k = 0; k < s->n_loc; k++) {
        refs[k].type = SOLVER_STEP_JOB;
        refs[k].index = s->loc[k] - 1; /* jobs are the non-depot nodes, depot at location 0 */
    }
    for (size_t r = 0; r < s->n_routes; r++) {
        routes[r] = refs + s->starts[r];
        vehicles[r] = (uint32_t)r;
    }
    lm_status st = solver_evaluate(inst->problem, routes, s->lens, vehicles, s->n_routes, out, e);
    lm_free(refs);
    lm_free(routes);
    lm_free(vehicles);
    return st;
}

/* The BKS routes are feasible in the integer model and their costs agree with the reals:
 * CVRPLIB exactly, Solomon within half a unit of 1/10000 per edge. */
static void test_bks_routes_in_integer_model(void **state) {
    (void)state;
    static const char *const cases[] = {"cvrplib/X/X-n101-k25", "cvrplib/X/X-n153-k22",
                                        "cvrplib/X/X-n393-k38", "solomon/C101",
                                        "solomon/R201",         "solomon/RC208"};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        bool solomon = strncmp(cases[c], "solomon", 7) == 0;
        char rel[256], sol_rel[256];
        snprintf(rel, sizeof rel, "%s.%s", cases[c], solomon ? "txt" : "vrp");
        if (solomon)
            snprintf(sol_rel, sizeof sol_rel, "solomon/dimacs_solutions/%s.sol", cases[c] + 8);
        else
            snprintf(sol_rel, sizeof sol_rel, "%s.sol", cases[c]);
        fmt_instance *inst = load(rel);
        sol_file s;
        sol_read(sol_rel, &s);
        solver_solution *sol = NULL;
        lm_errinfo e;
        lm_errinfo_clear(&e);
        lm_status st = evaluate_sol(inst, &s, &sol, &e);
        if (st != LM_OK) print_error("%s: %s: %s\n", cases[c], e.field, e.message);
        assert_int_equal(st, LM_OK);
        assert_int_equal(sol->n_unassigned, 0);
        assert_int_equal(sol->n_routes, s.n_routes);
        double real = fmt_instance_cost(inst, sol);
        size_t edges = s.n_loc + s.n_routes;
        if (solomon) {
            double scaled = real * FMT_SOLOMON_SCALE;
            assert_true(fabs((double)sol->cost - scaled) <= 0.5 * (double)edges);
            assert_true((double)sol->distance_m == (double)sol->cost);
            assert_true((double)sol->duration_s >= scaled - 1e-6);
        } else {
            assert_true((double)sol->cost == real);
            assert_true(real == s.cost);
        }
        solver_solution_destroy(sol);
        lm_free(s.loc);
        fmt_instance_destroy(inst);
    }
}

/* ---- Small inputs ---- */

static fmt_instance *parse_ok(const char *text) {
    fmt_instance *inst = NULL;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    lm_status st = fmt_instance_parse(text, strlen(text), FMT_INSTANCE_AUTO, &inst, &e);
    if (st != LM_OK) print_error("%s: %s\n", e.field, e.message);
    assert_int_equal(st, LM_OK);
    return inst;
}

static void test_demand_over_capacity_is_accepted(void **state) {
    (void)state;
    fmt_instance *inst =
        parse_ok("NAME : tiny-k2\nTYPE : CVRP\nDIMENSION : 3\nCAPACITY : 10\n"
                 "EDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 4\n"
                 "3 6 8\nDEMAND_SECTION\n1 0\n2 5\n3 50\nDEPOT_SECTION\n1\n-1\nEOF\n");
    assert_int_equal(inst->demand[2], 50);
    assert_int_equal(inst->fleet_limit, 2);
    assert_int_equal(solver_problem_n_jobs(inst->problem), 2);
    uint32_t route[2] = {1, 2};
    assert_true(fmt_instance_route_cost(inst, route, 2) == 5.0 + 5.0 + 10.0);
    fmt_instance_destroy(inst);
}

static void test_explicit_weights(void **state) {
    (void)state;
    /* Depot is node 2, weights as a strict lower triangle spread over lines, no NAME:
     * d(2,1)=4, d(3,1)=7, d(3,2)=5, d(4,1)=9, d(4,2)=6, d(4,3)=2. */
    fmt_instance *inst =
        parse_ok("TYPE: CVRP\nDIMENSION: 4\nCAPACITY: 30\nVEHICLES: 3\nEDGE_WEIGHT_TYPE: "
                 "EXPLICIT\nEDGE_WEIGHT_FORMAT: LOWER_ROW\nEDGE_WEIGHT_SECTION\n4\n7 5\n9 6\n2\n"
                 "DEMAND_SECTION\n1 3\n2 0\n3 4\n4 5\nDEPOT_SECTION\n 2 -1\nEOF\n");
    assert_null(inst->x);
    assert_int_equal(inst->depot, 1);
    assert_int_equal(inst->fleet_limit, 3);
    assert_true(fmt_instance_edge_cost(inst, 0, 1) == 4.0 &&
                fmt_instance_edge_cost(inst, 1, 0) == 4.0);
    assert_true(fmt_instance_edge_cost(inst, 2, 3) == 2.0 &&
                fmt_instance_edge_cost(inst, 3, 0) == 9.0);
    uint32_t route[3] = {0, 3, 2}; /* 2 -> 1 -> 4 -> 3 -> 2 */
    assert_true(fmt_instance_route_cost(inst, route, 3) == 4.0 + 9.0 + 2.0 + 5.0);
    fmt_instance_destroy(inst);

    /* The same 4-node matrix in every supported EDGE_WEIGHT_FORMAT. */
    static const struct {
        const char *format, *numbers;
    } formats[] = {
        {"FULL_MATRIX", "0 4 7 9\n4 0 5 6\n7 5 0 2\n9 6 2 0"},
        {"LOWER_ROW", "4\n7 5\n9 6 2"},
        {"LOWER_DIAG_ROW", "0\n4 0\n7 5 0\n9 6 2 0"},
        {"UPPER_ROW", "4 7 9\n5 6\n2"},
        {"UPPER_DIAG_ROW", "0 4 7 9 0 5 6\n0 2 0"},
    };
    static const int32_t want[16] = {0, 4, 7, 9, 4, 0, 5, 6, 7, 5, 0, 2, 9, 6, 2, 0};
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        char text[512];
        snprintf(text, sizeof text,
                 "NAME: m\nTYPE: CVRP\nDIMENSION: 4\nCAPACITY: 9\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
                 "EDGE_WEIGHT_FORMAT: %s\nEDGE_WEIGHT_SECTION\n%s\nDEMAND_SECTION\n1 0\n2 1\n3 "
                 "1\n4 1\nDEPOT_SECTION\n1\n-1\nEOF\n",
                 formats[f].format, formats[f].numbers);
        inst = parse_ok(text);
        for (int k = 0; k < 16; k++)
            if (inst->weights[k] != want[k]) {
                print_error("%s: cell %d is %d, want %d\n", formats[f].format, k, inst->weights[k],
                            want[k]);
                fail();
            }
        fmt_instance_destroy(inst);
    }

    /* The same weights as a full matrix. */
    inst = parse_ok("NAME: full\nTYPE: CVRP\nDIMENSION: 3\nCAPACITY: 30\nEDGE_WEIGHT_TYPE: "
                    "EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 4 7\n4 0 "
                    "5\n7 5 0\nDEMAND_SECTION\n1 0\n2 4\n3 5\nDEPOT_SECTION\n1\n-1\n");
    assert_int_equal(inst->fleet_limit, 0);
    assert_int_equal(inst->n_vehicles, 2);
    assert_true(fmt_instance_edge_cost(inst, 2, 1) == 5.0);
    fmt_instance_destroy(inst);
}

/* Malformed inputs are data: tests/data/instance/, run by test_instance_cases.c. */

#define TSP_HEAD                                                                                   \
    "NAME : bad-k2\nTYPE : CVRP\nDIMENSION : 3\nCAPACITY : 10\nEDGE_WEIGHT_TYPE : EUC_2D\n"

static void test_file_errors(void **state) {
    (void)state;
    fmt_instance *out = NULL;
    lm_errinfo e;
    assert_int_equal(fmt_instance_read_file("/nonexistent/x.vrp", FMT_INSTANCE_AUTO, &out, &e),
                     LM_IO);
    assert_null(out);
    assert_string_equal(e.field, "path");
    /* Forcing the wrong format is an error too, not a silent misread. */
    char path[1024];
    dataset_path(path, sizeof path, "solomon/C101.txt");
    assert_int_equal(fmt_instance_read_file(path, FMT_INSTANCE_CVRPLIB, &out, &e), LM_INVALID);
    assert_null(out);
    /* A buffer with a NUL inside a number. */
    static const char nul[] = TSP_HEAD "NODE_COORD_SECTION\n1 0 0\n2 3\0 4\n";
    assert_int_equal(fmt_instance_parse(nul, sizeof nul - 1, FMT_INSTANCE_AUTO, &out, &e),
                     LM_INVALID);
    assert_null(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_solomon_c101),
        cmocka_unit_test(test_solomon_r201),
        cmocka_unit_test(test_cvrplib_a_n32_k5),
        cmocka_unit_test(test_cvrplib_x_n101_k25),
        cmocka_unit_test(test_every_dataset_file),
        cmocka_unit_test(test_bks_routes_in_integer_model),
        cmocka_unit_test(test_demand_over_capacity_is_accepted),
        cmocka_unit_test(test_explicit_weights),
        cmocka_unit_test(test_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
