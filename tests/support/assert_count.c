/* tests/support/assert_count.c: makes a test that checked nothing fail. Linked into every cmocka
 * suite with -Wl,--wrap (lm_add_test), so the test sources stay plain cmocka: each assertion
 * macro's call is counted here before cmocka's own function runs. A passing test that ran no
 * assertion, or that called skip(), turns its suite red; and every assertion site reached (file
 * and line) is written to $LASTMILE_BINARY_DIR/assert-sites/<program>.sites, where the ctest
 * entry assertions_reached (check_assertions.py) finds the sites that no suite ever reached:
 * an assertion in a branch that never runs proves nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#define MAX_SITES 8192 /* distinct assertion sites per program (the largest suite has ~250) */
#define MAX_TESTS 512  /* tests per group */

typedef struct site {
    const char *file; /* __FILE__ of the call (a string literal: lives as long as the program) */
    int line;
} site;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static site sites[MAX_SITES];
static size_t n_sites;
static bool sites_overflow;
static uint64_t n_asserts; /* assertions run by this program so far */
static bool skipped;       /* skip() called in the current test */

static void note(const char *file, int line) {
    pthread_mutex_lock(&mu);
    n_asserts++;
    size_t h = ((uintptr_t)file * 31u + (size_t)line) % MAX_SITES;
    for (size_t k = 0; k < MAX_SITES; k++, h = (h + 1) % MAX_SITES) {
        if (!sites[h].file) {
            if (n_sites + 1 >= MAX_SITES) {
                sites_overflow = true;
                break;
            }
            sites[h] = (site){file, line};
            n_sites++;
            break;
        }
        if (sites[h].file == file && sites[h].line == line) break;
    }
    pthread_mutex_unlock(&mu);
}

static uint64_t asserts_now(void) {
    pthread_mutex_lock(&mu);
    uint64_t n = n_asserts;
    pthread_mutex_unlock(&mu);
    return n;
}

/* ---- The wrapped assertion functions (declared in cmocka.h; see -Wl,--wrap in lm_add_test) ----
 */

void __real__assert_true(const LargestIntegralType result, const char *const expression,
                         const char *const file, const int line);
void __wrap__assert_true(const LargestIntegralType result, const char *const expression,
                         const char *const file, const int line) {
    note(file, line);
    __real__assert_true(result, expression, file, line);
}

void __real__assert_return_code(const LargestIntegralType result, size_t rlen,
                                const LargestIntegralType error, const char *const expression,
                                const char *const file, const int line);
void __wrap__assert_return_code(const LargestIntegralType result, size_t rlen,
                                const LargestIntegralType error, const char *const expression,
                                const char *const file, const int line) {
    note(file, line);
    __real__assert_return_code(result, rlen, error, expression, file, line);
}

void __real__assert_int_equal(const LargestIntegralType a, const LargestIntegralType b,
                              const char *const file, const int line);
void __wrap__assert_int_equal(const LargestIntegralType a, const LargestIntegralType b,
                              const char *const file, const int line) {
    note(file, line);
    __real__assert_int_equal(a, b, file, line);
}

void __real__assert_int_not_equal(const LargestIntegralType a, const LargestIntegralType b,
                                  const char *const file, const int line);
void __wrap__assert_int_not_equal(const LargestIntegralType a, const LargestIntegralType b,
                                  const char *const file, const int line) {
    note(file, line);
    __real__assert_int_not_equal(a, b, file, line);
}

void __real__assert_float_equal(const float a, const float b, const float epsilon,
                                const char *const file, const int line);
void __wrap__assert_float_equal(const float a, const float b, const float epsilon,
                                const char *const file, const int line) {
    note(file, line);
    __real__assert_float_equal(a, b, epsilon, file, line);
}

void __real__assert_float_not_equal(const float a, const float b, const float epsilon,
                                    const char *const file, const int line);
void __wrap__assert_float_not_equal(const float a, const float b, const float epsilon,
                                    const char *const file, const int line) {
    note(file, line);
    __real__assert_float_not_equal(a, b, epsilon, file, line);
}

void __real__assert_string_equal(const char *const a, const char *const b, const char *const file,
                                 const int line);
void __wrap__assert_string_equal(const char *const a, const char *const b, const char *const file,
                                 const int line) {
    note(file, line);
    __real__assert_string_equal(a, b, file, line);
}

void __real__assert_string_not_equal(const char *const a, const char *const b, const char *file,
                                     const int line);
void __wrap__assert_string_not_equal(const char *const a, const char *const b, const char *file,
                                     const int line) {
    note(file, line);
    __real__assert_string_not_equal(a, b, file, line);
}

void __real__assert_memory_equal(const void *const a, const void *const b, const size_t size,
                                 const char *const file, const int line);
void __wrap__assert_memory_equal(const void *const a, const void *const b, const size_t size,
                                 const char *const file, const int line) {
    note(file, line);
    __real__assert_memory_equal(a, b, size, file, line);
}

void __real__assert_memory_not_equal(const void *const a, const void *const b, const size_t size,
                                     const char *const file, const int line);
void __wrap__assert_memory_not_equal(const void *const a, const void *const b, const size_t size,
                                     const char *const file, const int line) {
    note(file, line);
    __real__assert_memory_not_equal(a, b, size, file, line);
}

void __real__assert_in_range(const LargestIntegralType value, const LargestIntegralType minimum,
                             const LargestIntegralType maximum, const char *const file,
                             const int line);
void __wrap__assert_in_range(const LargestIntegralType value, const LargestIntegralType minimum,
                             const LargestIntegralType maximum, const char *const file,
                             const int line) {
    note(file, line);
    __real__assert_in_range(value, minimum, maximum, file, line);
}

void __real__assert_not_in_range(const LargestIntegralType value, const LargestIntegralType minimum,
                                 const LargestIntegralType maximum, const char *const file,
                                 const int line);
void __wrap__assert_not_in_range(const LargestIntegralType value, const LargestIntegralType minimum,
                                 const LargestIntegralType maximum, const char *const file,
                                 const int line) {
    note(file, line);
    __real__assert_not_in_range(value, minimum, maximum, file, line);
}

void __real__assert_in_set(const LargestIntegralType value, const LargestIntegralType values[],
                           const size_t number_of_values, const char *const file, const int line);
void __wrap__assert_in_set(const LargestIntegralType value, const LargestIntegralType values[],
                           const size_t number_of_values, const char *const file, const int line) {
    note(file, line);
    __real__assert_in_set(value, values, number_of_values, file, line);
}

void __real__assert_not_in_set(const LargestIntegralType value, const LargestIntegralType values[],
                               const size_t number_of_values, const char *const file,
                               const int line);
void __wrap__assert_not_in_set(const LargestIntegralType value, const LargestIntegralType values[],
                               const size_t number_of_values, const char *const file,
                               const int line) {
    note(file, line);
    __real__assert_not_in_set(value, values, number_of_values, file, line);
}

void __real__skip(const char *const file, const int line);
void __wrap__skip(const char *const file, const int line) {
    pthread_mutex_lock(&mu);
    skipped = true;
    pthread_mutex_unlock(&mu);
    __real__skip(file, line);
}

/* ---- Per-test counts: each test's setup and teardown are wrapped to read the counter ---- */

typedef struct test_count {
    const char *name;
    CMFixtureFunction setup, teardown; /* the test's own, called from ours */
    uint64_t at_start, ran;
    bool finished, skipped;
} test_count;

static test_count counts[MAX_TESTS];
static size_t next_test; /* cmocka runs a group's tests in order, each setup before its test */
static size_t current;   /* index of the running test */

static int count_setup(void **state) {
    current = next_test++;
    test_count *c = &counts[current];
    c->at_start = asserts_now();
    pthread_mutex_lock(&mu);
    skipped = false;
    pthread_mutex_unlock(&mu);
    return c->setup ? c->setup(state) : 0;
}

static int count_teardown(void **state) {
    test_count *c = &counts[current];
    c->ran = asserts_now() - c->at_start;
    pthread_mutex_lock(&mu);
    c->skipped = skipped;
    pthread_mutex_unlock(&mu);
    c->finished = true;
    return c->teardown ? c->teardown(state) : 0;
}

/* The reached sites, one "file:line" a line, for check_assertions.py (rewritten at the end of
 * each group, so the file holds everything this program reached). */
static void write_sites(void) {
    const char *dir = getenv("LASTMILE_BINARY_DIR");
    if (!dir) return; /* run by hand: nothing to compare with */
    char path[4096];
    snprintf(path, sizeof path, "%s/assert-sites", dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) return;
    /* a suite run again on PostgreSQL (lm_add_pg_test) keeps its own file: the two runs reach
     * different sites (each backend's branch), and neither may overwrite the other's */
    const char *suffix = getenv("LASTMILE_TEST_PG_FILE") ? "_pg" : "";
    snprintf(path, sizeof path, "%s/assert-sites/%s%s.sites", dir, program_invocation_short_name,
             suffix);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return;
    /* when this program was built: a source edited since has moved its line numbers */
    struct stat exe;
    if (stat("/proc/self/exe", &exe) == 0) fprintf(f, "built:%lld\n", (long long)exe.st_mtime);
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < MAX_SITES; i++)
        if (sites[i].file) fprintf(f, "%s:%d\n", sites[i].file, sites[i].line);
    if (sites_overflow) fprintf(f, "overflow:0\n");
    pthread_mutex_unlock(&mu);
    if (fclose(f) == 0) rename(tmp, path);
}

int __real__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
                                   const size_t num_tests, CMFixtureFunction group_setup,
                                   CMFixtureFunction group_teardown);
int __wrap__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
                                   const size_t num_tests, CMFixtureFunction group_setup,
                                   CMFixtureFunction group_teardown) {
    if (num_tests > MAX_TESTS) {
        print_error("assert_count: %zu tests in group %s, at most %d\n", num_tests, group_name,
                    MAX_TESTS);
        return 1;
    }
    struct CMUnitTest *wrapped = calloc(num_tests + 1, sizeof *wrapped);
    if (!wrapped) return 1;
    for (size_t i = 0; i < num_tests; i++) {
        counts[i] = (test_count){.name = tests[i].name,
                                 .setup = tests[i].setup_func,
                                 .teardown = tests[i].teardown_func};
        wrapped[i] = tests[i];
        wrapped[i].setup_func = count_setup;
        wrapped[i].teardown_func = count_teardown;
    }
    next_test = current = 0;
    int failed =
        __real__cmocka_run_group_tests(group_name, wrapped, num_tests, group_setup, group_teardown);
    free(wrapped);
    write_sites();
    int empty = 0;
    for (size_t i = 0; i < num_tests; i++) {
        if (!counts[i].finished) continue; /* did not run: cmocka reported it already */
        if (counts[i].skipped) {
            print_error("[  CHECK   ] %s called skip(): a test that does not run proves nothing\n",
                        counts[i].name);
            empty++;
        } else if (counts[i].ran == 0) {
            print_error("[  CHECK   ] %s passed without running a single assertion\n",
                        counts[i].name);
            empty++;
        } else {
            print_message("[  CHECK   ] %s ran %llu assertions\n", counts[i].name,
                          (unsigned long long)counts[i].ran);
        }
    }
    return failed + empty;
}
