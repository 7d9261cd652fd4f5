/* tests/api/test_json_print.c: the replies' JSON serialiser (api/http/json_print.c) writes the
 * very bytes cJSON_PrintUnformatted writes, for every kind of value and the numbers where
 * cJSON's printf paths differ (int range, large integers, fractions that need 17 digits). */
#include "api/http/internal.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* Both printers on j: equal bytes and length. Takes j. */
static void same_as_cjson(cJSON *j) {
    char *want = cJSON_PrintUnformatted(j);
    size_t len = 0;
    char *got = http__json_print(j, &len);
    assert_non_null(want);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
    cJSON_free(want);
    lm_free(got);
    cJSON_Delete(j);
}

static void test_numbers(void **state) {
    (void)state;
    static const double values[] = {0,
                                    -0.0,
                                    1,
                                    -1,
                                    42,
                                    2147483647.0,
                                    -2147483648.0,
                                    2147483648.0,
                                    -2147483649.0,
                                    1733600000000.0,
                                    -1733600000000.0,
                                    999999999999999.0,
                                    1e15,
                                    1e16,
                                    123456789012345678.0,
                                    4.83,
                                    45.74,
                                    -0.5,
                                    0.1,
                                    1.0 / 3.0,
                                    2.0 / 3.0 * 1e10,
                                    1e-7,
                                    1e300,
                                    -1e-300,
                                    5e-324,
                                    NAN,
                                    INFINITY,
                                    -INFINITY};
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        cJSON_AddItemToArray(arr, cJSON_CreateNumber(values[i]));
        same_as_cjson(cJSON_CreateNumber(values[i]));
    }
    same_as_cjson(arr);
    /* valuedouble changed behind cJSON_SetNumberValue's back: the double is what prints */
    cJSON *odd = cJSON_CreateNumber(7);
    odd->valuedouble = 7.5;
    same_as_cjson(odd);
}

static void test_strings_and_structure(void **state) {
    (void)state;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "plain", "Tea and cup");
    cJSON_AddStringToObject(o, "escapes", "q\" b\\ \b\f\n\r\t \x01\x1f end");
    cJSON_AddStringToObject(o, "utf8", "caf\xc3\xa9 \xe2\x82\xac \x7f");
    cJSON_AddStringToObject(o, "", "empty key");
    cJSON_AddStringToObject(o, "k\"ey\n", "escaped key");
    cJSON_AddNullToObject(o, "none");
    cJSON_AddTrueToObject(o, "yes");
    cJSON_AddFalseToObject(o, "no");
    cJSON_AddItemToObject(o, "raw", cJSON_CreateRaw("{\"r\":1}"));
    cJSON_AddArrayToObject(o, "empty_array");
    cJSON_AddObjectToObject(o, "empty_object");
    cJSON *nested = cJSON_AddArrayToObject(o, "nested");
    cJSON *inner = cJSON_CreateObject();
    cJSON_AddNumberToObject(inner, "qty", 2);
    cJSON_AddItemToArray(inner, cJSON_CreateString("ignored key"));
    cJSON_AddItemToArray(nested, inner);
    cJSON_AddItemToArray(nested, cJSON_CreateArray());
    cJSON_AddItemToArray(nested, cJSON_CreateString(""));
    same_as_cjson(o);
    cJSON *s = cJSON_CreateString("x");
    cJSON_free(s->valuestring);
    s->valuestring = NULL; /* printed as "" by both */
    same_as_cjson(s);
}

static void test_unprintable(void **state) {
    (void)state;
    size_t len = 0;
    assert_null(http__json_print(NULL, &len));
    cJSON *raw = cJSON_CreateRaw("x");
    cJSON_free(raw->valuestring);
    raw->valuestring = NULL;
    assert_null(http__json_print(raw, &len));
    assert_null(cJSON_PrintUnformatted(raw));
    cJSON_Delete(raw);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_strings_and_structure),
        cmocka_unit_test(test_unprintable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
