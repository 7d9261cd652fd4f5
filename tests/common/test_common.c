/* Tests for common/: the error table, the arena, the capped buffer and the parsers. */
#include "common/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

static void test_error_table(void **state) {
    (void)state;
    assert_string_equal(lm_status_name(LM_NOT_FOUND), "not_found");
    assert_int_equal(lm_status_http(LM_NOT_FOUND), 404);
    assert_int_equal(lm_status_http(LM_TOO_BIG), 413);
    assert_string_equal(lm_strerror(LM_OK), "success");
    assert_string_equal(lm_strerror((lm_status)999), "unknown error");
    lm_errinfo e;
    lm_errinfo_clear(&e);
    assert_int_equal(lm_errinfo_set(&e, LM_INVALID, "jobs[2].id", "duplicate id %d", 7),
                     LM_INVALID);
    assert_string_equal(e.field, "jobs[2].id");
    assert_string_equal(e.message, "duplicate id 7");
    assert_int_equal(lm_errinfo_set(NULL, LM_IO, "x", "y"), LM_IO);
}

static void test_arena_cap(void **state) {
    (void)state;
    lm_arena *a = NULL;
    assert_int_equal(lm_arena_create(10000, &a), LM_OK);
    char *s = lm_arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    void *big = lm_arena_alloc(a, 6000);
    assert_non_null(big);
    assert_null(lm_arena_alloc(a, 6000)); /* over the cap */
    assert_true(lm_arena_used(a) <= 10000);
    lm_arena_destroy(a);
    lm_arena_destroy(NULL);
}

/* A reset arena is empty again, its cap counts from zero, and what it hands out next is zeroed
 * even where the previous use wrote. */
static void test_arena_reset(void **state) {
    (void)state;
    lm_arena *a = NULL;
    assert_int_equal(lm_arena_create(10000, &a), LM_OK);
    unsigned char *p = lm_arena_alloc(a, 1000);
    assert_non_null(p);
    memset(p, 0xab, 1000);
    assert_non_null(lm_arena_alloc(a, 6000)); /* a second block */
    assert_null(lm_arena_alloc(a, 6000));     /* over the cap */
    lm_arena_reset(a);
    assert_int_equal(lm_arena_used(a), 0);
    unsigned char *q = lm_arena_alloc(a, 1000);
    assert_non_null(q);
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(q[i], 0);
    assert_non_null(lm_arena_alloc(a, 6000)); /* the cap counts from the reset */
    lm_arena_reset(a);
    lm_arena_reset(a); /* twice is harmless */
    lm_arena_destroy(a);
}

static void test_buf_cap(void **state) {
    (void)state;
    lm_buf b;
    lm_buf_init(&b, 8);
    assert_int_equal(lm_buf_append(&b, "abcd", 4), LM_OK);
    assert_int_equal(lm_buf_printf(&b, "%d", 123), LM_OK);
    assert_string_equal(b.data, "abcd123");
    assert_int_equal(lm_buf_append(&b, "xy", 2), LM_TOO_BIG);
    assert_string_equal(b.data, "abcd123"); /* unchanged on failure */
    char *taken = lm_buf_take(&b);
    assert_string_equal(taken, "abcd123");
    assert_null(b.data);
    lm_free(taken);
    lm_buf_free(&b);
}

static void test_buf_json_str(void **state) {
    (void)state;
    lm_buf b;
    lm_buf_init(&b, 64);
    assert_int_equal(lm_buf_json_str(&b, "a\"b\\c\n\x01é"), LM_OK);
    assert_int_equal(lm_buf_json_str(&b, NULL), LM_OK);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\u000a\\u0001é\"\"\"");
    lm_buf_free(&b);
    lm_buf_init(&b, 4);
    assert_int_equal(lm_buf_json_str(&b, "abcdef"), LM_TOO_BIG);
    lm_buf_free(&b);
}

/* lm_i64_text writes what "%" PRId64 prints, both ends of the range included. */
static void test_i64_text(void **state) {
    (void)state;
    const int64_t v[] = {0, 7, -7, 1234567890123, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char want[24], got[24];
        int n = snprintf(want, sizeof want, "%" PRId64, v[i]);
        assert_int_equal(lm_i64_text(got, v[i]), (size_t)n);
        assert_string_equal(got, want);
    }
}

static void test_buf_read_stream(void **state) {
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    char *text = NULL;
    size_t len = 99;
    assert_int_equal(lm_buf_read_stream(f, 16, &text, &len), LM_OK);
    assert_string_equal(text, ""); /* an empty file reads as "" */
    assert_int_equal(len, 0);
    lm_free(text);
    fwrite("abc\0def", 1, 7, f);
    rewind(f);
    assert_int_equal(lm_buf_read_stream(f, 16, &text, &len), LM_OK);
    assert_int_equal(len, 7);
    assert_memory_equal(text, "abc\0def", 8);
    lm_free(text);
    rewind(f);
    text = NULL;
    assert_int_equal(lm_buf_read_stream(f, 6, &text, &len), LM_TOO_BIG);
    assert_null(text); /* untouched */
    fclose(f);
}

static void test_parsers(void **state) {
    (void)state;
    int64_t v = 0;
    assert_true(lm_parse_i64("42", 0, 100, &v));
    assert_int_equal(v, 42);
    assert_false(lm_parse_i64("42x", 0, 100, &v));
    assert_false(lm_parse_i64("", 0, 100, &v));
    assert_false(lm_parse_i64(" 42", 0, 100, &v));
    assert_false(lm_parse_i64("+42", 0, 100, &v));
    assert_false(lm_parse_i64("\t42", 0, 100, &v));
    assert_true(lm_parse_i64("-42", -100, 100, &v));
    assert_int_equal(v, -42);
    assert_false(lm_parse_i64("101", 0, 100, &v));
    assert_false(lm_parse_i64("99999999999999999999999", INT64_MIN, INT64_MAX, &v));
    double d = 0;
    assert_true(lm_parse_double("-1.5e2", &d));
    assert_true(d == -150.0);
    assert_false(lm_parse_double("nan", &d));
    assert_false(lm_parse_double("1e999", &d));
    char small[4];
    assert_false(lm_strlcpy(small, "abcdef", sizeof small));
    assert_string_equal(small, "abc");
    assert_int_equal(lm_calloc(SIZE_MAX / 2, 4), NULL);
    assert_int_equal(lm_reallocarray(NULL, SIZE_MAX / 2, 4), NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_table),     cmocka_unit_test(test_arena_cap),
        cmocka_unit_test(test_arena_reset),     cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_json_str),    cmocka_unit_test(test_i64_text),
        cmocka_unit_test(test_buf_read_stream), cmocka_unit_test(test_parsers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
