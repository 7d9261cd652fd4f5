/* The request log's redaction (common/redact.h): tracking tokens in paths and device ids, keys
 * and tokens in query strings never reach a log line whole; everything else is kept as it was. */
#include "common/redact.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void test_table(void **state) {
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"/v1/track/Zq3xK9vT2mLp8rWs4nYb", "/v1/track/Zq3x***"},
        {"/v1/track/Zq3xK9vT2mLp8rWs4nYb/extra", "/v1/track/Zq3x***/extra"},
        {"/v1/track/short", "/v1/track/***"},
        {"/v1/track/", "/v1/track/"},
        {"/track/Zq3xK9vT2mLp8rWs4nYb", "/track/Zq3x***"},
        {"/v1/orders/42", "/v1/orders/42"},
        {"/v1/trackers/abc", "/v1/trackers/abc"},
        {"/?id=phone-8f2c9d3e4a5b6c7d8e9f&lat=45.1&lon=4.8", "/?id=phon***&lat=45.1&lon=4.8"},
        {"/v1/osmand?deviceid=123456&timestamp=1700000000",
         "/v1/osmand?deviceid=***&timestamp=1700000000"},
        {"/x?API_KEY=lm_abcdefghijklmnopqrstuvwxyz&a=1", "/x?API_KEY=lm_a***&a=1"},
        {"/track.html?t=Zq3xK9vT2mLp8rWs4nYb", "/track.html?t=Zq3x***"},
        {"/x?token=&b=2", "/x?token=&b=2"},
        {"/x?a=1;secret=hunter2hunter2hunter2", "/x?a=1;secret=hunt***"},
        {"/x?novalue&password=pw", "/x?novalue&password=***"},
        {"/x?identity=keep-me-please-1234", "/x?identity=keep-me-please-1234"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[256];
        size_t n = lm_redact_path(cases[i].in, out, sizeof out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("%s -> %s, want %s", cases[i].in, out, cases[i].want);
        assert_int_equal(n, strlen(out));
    }
}

/* A small buffer cuts the line but never shows more of the secret. */
static void test_cut(void **state) {
    (void)state;
    const char *token = "Zq3xK9vT2mLp8rWs4nYb";
    char in[64], out[64];
    snprintf(in, sizeof in, "/v1/track/%s", token);
    for (size_t size = 1; size < sizeof out; size++) {
        memset(out, 'X', sizeof out);
        size_t n = lm_redact_path(in, out, size);
        assert_true(n < size);
        assert_int_equal(out[n], '\0');
        assert_null(strstr(out, "Zq3xK")); /* never more than the 4 kept characters */
    }
    assert_int_equal(lm_redact_path(in, out, 0), 0);
    assert_int_equal(lm_redact_path(NULL, out, sizeof out), 0);
    assert_string_equal(out, "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
