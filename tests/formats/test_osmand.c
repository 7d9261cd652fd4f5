/* The OsmAnd / Traccar Client parser on its own: every request form the client versions send
 * (reference/interop-notes.md section 1), timestamps in s / ms / ISO-8601, knots, location=,
 * the JSON object and array forms, and the refusals (no device, bad coordinates, junk). */
#include "api/formats/osmand.h"
#include "api/formats/rfc3339.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define KN 0.514444444444444 /* m/s per knot */

/* Splits "a=1&b=2" (already decoded, as libmicrohttpd hands the query) into pairs. */
typedef struct q {
    char buf[2048];
    fmt_osmand_kv kv[64];
    size_t n;
} q;

static void q_split(q *x, const char *query) {
    x->n = 0;
    lm_strlcpy(x->buf, query, sizeof x->buf);
    char *p = x->buf;
    while (p && *p) {
        char *amp = strchr(p, '&');
        if (amp) *amp = '\0';
        char *eq = strchr(p, '=');
        if (eq) *eq = '\0';
        x->kv[x->n].key = p;
        x->kv[x->n].value = eq ? eq + 1 : "";
        x->n++;
        p = amp ? amp + 1 : NULL;
    }
}

static lm_status parse_query(const char *query, fmt_osmand_pos *out, size_t *n, lm_errinfo *err) {
    q x;
    q_split(&x, query);
    lm_errinfo_clear(err);
    return fmt_osmand_parse(x.kv, x.n, NULL, NULL, 0, out, 8, n, err);
}

static lm_status parse_body(const char *ct, const char *body, fmt_osmand_pos *out, size_t cap,
                            size_t *n, lm_errinfo *err) {
    lm_errinfo_clear(err);
    return fmt_osmand_parse(NULL, 0, ct, body, strlen(body), out, cap, n, err);
}

static void test_legacy_android(void **state) {
    (void)state;
    /* ProtocolFormatterTest.kt, query only, empty body */
    fmt_osmand_pos p[8];
    size_t n = 0;
    lm_errinfo err;
    assert_int_equal(parse_query("id=123456789012345&timestamp=619315200&lat=0.0&lon=0.0&speed="
                                 "0.0&bearing=0.0&altitude=0.0&accuracy=0.0&batt=0.0",
                                 p, &n, &err),
                     LM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].device_id, "123456789012345");
    assert_int_equal(p[0].time_ms, 619315200000LL);
    assert_true(p[0].lat == 0.0 && p[0].lon == 0.0);
    assert_true(p[0].speed_mps == 0.0);
    assert_true(p[0].battery_pct == 0.0);
    /* a moving phone with charge and alarm */
    assert_int_equal(parse_query("id=dev1&timestamp=1700000000&lat=45.764&lon=4.8357&speed=10.0&"
                                 "bearing=271.5&altitude=170&accuracy=4.5&batt=87.0&charge=true&"
                                 "alarm=sos",
                                 p, &n, &err),
                     LM_OK);
    assert_true(fabs(p[0].speed_mps - 10.0 * KN) < 1e-9);
    assert_true(fabs(p[0].heading_deg - 271.5) < 1e-12);
    assert_true(fabs(p[0].altitude_m - 170) < 1e-12);
    assert_true(fabs(p[0].accuracy_m - 4.5) < 1e-12);
    assert_true(fabs(p[0].battery_pct - 87.0) < 1e-12);
    assert_int_equal(p[0].charging, 1);
}

static void test_legacy_ios(void **state) {
    (void)state;
    fmt_osmand_pos p[8];
    size_t n = 0;
    lm_errinfo err;
    assert_int_equal(parse_query("id=123456789012345&timestamp=0&lat=0.000000&lon=0.000000&speed="
                                 "0&bearing=0&altitude=0&accuracy=0&batt=0",
                                 p, &n, &err),
                     LM_OK);
    assert_int_equal(p[0].time_ms, 0); /* epoch 0: the server will use receive time */
}

static void test_traccar_decoder_vectors(void **state) {
    (void)state;
    fmt_osmand_pos p[8];
    size_t n = 0;
    lm_errinfo err;
    /* ISO-8601 with Z (MHD has decoded %3A) */
    assert_int_equal(parse_query("id=902064&lat=42.06288&lon=-88.23412&timestamp=2016-01-27T18:55:"
                                 "47Z&hdop=6.0&altitude=224.0&speed=0.0",
                                 p, &n, &err),
                     LM_OK);
    assert_int_equal(p[0].time_ms, 1453920947000LL);
    assert_true(fabs(p[0].lon + 88.23412) < 1e-12);
    /* epoch milliseconds */
    assert_int_equal(
        parse_query("id=902064&lat=42.06288&lon=-88.23412&timestamp=1442068686579", p, &n, &err),
        LM_OK);
    assert_int_equal(p[0].time_ms, 1442068686579LL);
    /* deviceid and heading */
    assert_int_equal(parse_query("lat=60.0&lon=30.0&speed=0.0&heading=0.0&vacc=0&hacc=0&altitude="
                                 "0&deviceid=123456",
                                 p, &n, &err),
                     LM_OK);
    assert_string_equal(p[0].device_id, "123456");
    assert_true(p[0].heading_deg == 0.0);
    assert_int_equal(p[0].time_ms, 0);
    /* location=lat,lon */
    assert_int_equal(parse_query("id=123456&timestamp=1377177267&location=60.0,30.0", p, &n, &err),
                     LM_OK);
    assert_true(p[0].lat == 60.0 && p[0].lon == 30.0);
    assert_int_equal(p[0].time_ms, 1377177267000LL);
    /* cell and wifi are ignored, not refused */
    assert_int_equal(parse_query("id=123456&timestamp=1377177267&location=60.0,30.0&cell=257,02,16,"
                                 "2224&cell=257,02,16,2223,-90&wifi=00-14-22-01-23-45,-80",
                                 p, &n, &err),
                     LM_OK);
    /* Traccar's local form yyyy-MM-dd HH:mm:ss ('+' left undecoded, or a space), read as UTC */
    assert_int_equal(parse_query("id=1&lat=1&lon=2&timestamp=2014-06-04+09:10:11", p, &n, &err),
                     LM_OK);
    assert_int_equal(p[0].time_ms, 1401873011000LL);
    assert_int_equal(parse_query("id=1&lat=1&lon=2&timestamp=2014-06-04 09:10:11", p, &n, &err),
                     LM_OK);
    assert_int_equal(p[0].time_ms, 1401873011000LL);
}

static void test_timestamps(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_true(fmt_osmand_time_parse("1700000000", &ms));
    assert_int_equal(ms, 1700000000000LL);
    assert_true(fmt_osmand_time_parse("2147483646", &ms)); /* below Integer.MAX_VALUE: seconds */
    assert_int_equal(ms, 2147483646000LL);
    assert_true(fmt_osmand_time_parse("2147483647", &ms)); /* from there on: milliseconds */
    assert_int_equal(ms, 2147483647LL);
    assert_true(fmt_osmand_time_parse("1700000000123", &ms));
    assert_int_equal(ms, 1700000000123LL);
    assert_true(fmt_osmand_time_parse("2025-06-15T13:45:12.862Z", &ms));
    assert_int_equal(ms, 1749995112862LL);
    assert_true(fmt_osmand_time_parse("2025-06-15T15:45:12.862+02:00", &ms));
    assert_int_equal(ms, 1749995112862LL);
    assert_true(fmt_osmand_time_parse("2025-06-15T08:45:12-0500", &ms));
    assert_int_equal(ms, 1749995112000LL);
    assert_true(fmt_osmand_time_parse("2024-02-29T00:00:00Z", &ms));
    assert_false(fmt_osmand_time_parse("2023-02-29T00:00:00Z", &ms));
    assert_false(fmt_osmand_time_parse("2025-13-01T00:00:00Z", &ms));
    assert_false(fmt_osmand_time_parse("2025-06-15T25:00:00Z", &ms));
    assert_false(fmt_osmand_time_parse("yesterday", &ms));
    assert_false(fmt_osmand_time_parse("-5", &ms));
    assert_false(fmt_osmand_time_parse("", &ms));
    assert_false(fmt_osmand_time_parse("2025-06-15T13:45:12Zjunk", &ms));
}

static void test_form_body(void **state) {
    (void)state;
    /* Traccar Client 10: POST with a form body, no query */
    fmt_osmand_pos p[8];
    size_t n = 0;
    lm_errinfo err;
    const char *body = "id=48241179&lat=45.75&lon=4.85&timestamp=1750000000&accuracy=5.0&altitude="
                       "170.0&speed=19.44&bearing=90.0&batt=55&charge=false&battery_health=good";
    assert_int_equal(parse_body("application/x-www-form-urlencoded", body, p, 8, &n, &err), LM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].device_id, "48241179");
    assert_true(fabs(p[0].speed_mps - 19.44 * KN) < 1e-9);
    assert_int_equal(p[0].charging, 0);
    /* percent-encoding and '+' in a form body */
    assert_int_equal(parse_body(NULL, "id=dev%20one&lat=1&lon=2&timestamp=2016-01-27T18%3A55%3A47Z",
                                p, 8, &n, &err),
                     LM_OK);
    assert_string_equal(p[0].device_id, "dev one");
    assert_int_equal(p[0].time_ms, 1453920947000LL);
    /* a query wins over the body */
    q x;
    q_split(&x, "id=fromquery&lat=1&lon=2");
    lm_errinfo_clear(&err);
    assert_int_equal(
        fmt_osmand_parse(x.kv, x.n, NULL, "id=frombody&lat=3&lon=4", 23, p, 8, &n, &err), LM_OK);
    assert_string_equal(p[0].device_id, "fromquery");
}

static void test_json_object(void **state) {
    (void)state;
    /* Traccar Client 9 (transistorsoft template), speed in m/s, battery level 0..1 */
    const char *body =
        "{\"location\":{\"timestamp\":\"2025-06-15T13:45:12.862Z\",\"coords\":{\"latitude\":37."
        "4219983,\"longitude\":-122.084,\"accuracy\":5,\"speed\":3.5,\"heading\":-1,\"altitude\":5}"
        ","
        "\"is_moving\":false,\"odometer\":0,\"event\":\"motionchange\",\"battery\":{\"level\":0.5,"
        "\"is_charging\":true},\"activity\":{\"type\":\"still\"},\"extras\":{},\"_\":\"&id="
        "48241179&"
        "lat=37.4219983&lon=-122.084&timestamp=2025-06-15T13:45:12.862Z&\"},\"device_id\":"
        "\"48241179\"}";
    fmt_osmand_pos p[8];
    size_t n = 0;
    lm_errinfo err;
    assert_int_equal(parse_body("application/json; charset=utf-8", body, p, 8, &n, &err), LM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].device_id, "48241179");
    assert_int_equal(p[0].time_ms, 1749995112862LL);
    assert_true(fabs(p[0].lat - 37.4219983) < 1e-12);
    assert_true(p[0].speed_mps == 3.5); /* m/s here, not knots */
    assert_true(isnan(p[0].heading_deg));
    assert_true(fabs(p[0].battery_pct - 50.0) < 1e-9);
    assert_int_equal(p[0].charging, 1);
    /* coords missing is refused with the field named */
    assert_int_equal(parse_body("application/json",
                                "{\"device_id\":\"1\",\"location\":{\"timestamp\":\"2025-06-15T13:"
                                "45:12Z\"}}",
                                p, 8, &n, &err),
                     LM_INVALID);
    assert_string_equal(err.field, "location.coords");
    assert_int_equal(parse_body("application/json",
                                "{\"device_id\":\"1\",\"location\":{\"coords\":{\"latitude\":91,"
                                "\"longitude\":2}}}",
                                p, 8, &n, &err),
                     LM_INVALID);
    assert_string_equal(err.field, "location.coords.latitude");
    assert_int_equal(parse_body("application/json", "{\"location\":{}}", p, 8, &n, &err),
                     LM_INVALID);
    assert_string_equal(err.field, "device_id");
}

static void test_json_array(void **state) {
    (void)state;
    /* Traccar Client 10 uploadJson: an array of flat objects, speed in knots */
    const char *body = "[{\"id\":\"d1\",\"lat\":45.1,\"lon\":4.1,\"timestamp\":1750000000,\"speed\""
                       ":10,\"bearing\":45,\"batt\":80,\"charge\":true},"
                       "{\"id\":\"d1\",\"lat\":\"45.2\",\"lon\":\"4.2\",\"timestamp\":"
                       "\"1750000005000\"}]";
    fmt_osmand_pos p[8];
    size_t n = 0;
    lm_errinfo err;
    assert_int_equal(parse_body("application/json", body, p, 8, &n, &err), LM_OK);
    assert_int_equal(n, 2);
    assert_true(fabs(p[0].speed_mps - 10 * KN) < 1e-9);
    assert_int_equal(p[0].time_ms, 1750000000000LL);
    assert_int_equal(p[1].time_ms, 1750000005000LL);
    assert_true(fabs(p[1].lat - 45.2) < 1e-12);
    assert_int_equal(p[0].charging, 1);
    /* an error names the element */
    assert_int_equal(parse_body("application/json",
                                "[{\"id\":\"d1\",\"lat\":1,\"lon\":2},{\"id\":\"d1\",\"lat\":100,"
                                "\"lon\":2}]",
                                p, 8, &n, &err),
                     LM_INVALID);
    assert_string_equal(err.field, "[1].lat");
    /* more than cap */
    assert_int_equal(
        parse_body("application/json",
                   "[{\"id\":\"a\",\"lat\":1,\"lon\":2},{\"id\":\"a\",\"lat\":1,\"lon\""
                   ":2},{\"id\":\"a\",\"lat\":1,\"lon\":2}]",
                   p, 2, &n, &err),
        LM_TOO_BIG);
    assert_int_equal(parse_body("application/json", "[]", p, 8, &n, &err), LM_INVALID);
    assert_int_equal(parse_body("application/json", "[1]", p, 8, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "[0]");
    assert_int_equal(parse_body("application/json", "{\"id\":", p, 8, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "body");
}

static void test_refusals(void **state) {
    (void)state;
    fmt_osmand_pos p[8];
    size_t n = 77;
    lm_errinfo err;
    assert_int_equal(parse_query("lat=1&lon=2", p, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "id");
    assert_int_equal(n, 77); /* untouched on failure */
    assert_int_equal(parse_query("id=1&lat=91&lon=2", p, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "lat");
    assert_int_equal(parse_query("id=1&lat=45&lon=-180.5", p, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "lon");
    assert_int_equal(parse_query("id=1&lat=abc&lon=2", p, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "lat");
    assert_int_equal(parse_query("id=1&lat=nan&lon=2", p, &n, &err), LM_INVALID);
    assert_int_equal(parse_query("id=1&lat=1", p, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "lon");
    assert_int_equal(parse_query("id=1", p, &n, &err), LM_INVALID);
    assert_int_equal(parse_query("id=1&location=1;2", p, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "location");
    assert_int_equal(parse_query("id=1&lat=1&lon=2&timestamp=soon", p, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "timestamp");
    assert_int_equal(parse_query("id=1&lat=1&lon=2&speed=fast", p, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "speed");
    char longid[200];
    memset(longid, 'x', 100);
    snprintf(longid + 100, sizeof longid - 100, "&lat=1&lon=2");
    char query[300];
    snprintf(query, sizeof query, "id=%s", longid);
    assert_int_equal(parse_query(query, p, &n, &err), LM_INVALID);
    assert_string_equal(err.field, "id");
    /* nothing at all */
    lm_errinfo_clear(&err);
    assert_int_equal(fmt_osmand_parse(NULL, 0, NULL, NULL, 0, p, 8, &n, &err), LM_INVALID);
    /* negative speed / heading are "unknown", not errors (the apps send -1) */
    assert_int_equal(parse_query("id=1&lat=1&lon=2&speed=-1&heading=-1&batt=150", p, &n, &err),
                     LM_OK);
    assert_true(isnan(p[0].speed_mps) && isnan(p[0].heading_deg) && isnan(p[0].battery_pct));
    assert_int_equal(parse_query("id=1&lat=1&lon=2&bearing=725", p, &n, &err), LM_OK);
    assert_true(fabs(p[0].heading_deg - 5.0) < 1e-12);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_android),
        cmocka_unit_test(test_legacy_ios),
        cmocka_unit_test(test_traccar_decoder_vectors),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_form_body),
        cmocka_unit_test(test_json_object),
        cmocka_unit_test(test_json_array),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
