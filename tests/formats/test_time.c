/* Time codecs: the OsmAnd / Traccar Client timestamp forms (epoch s, epoch ms, ISO-8601 with or
 * without a zone) and strict RFC 3339 parsing and formatting (real calendar dates, offsets at most
 * +-23:59). The OsmAnd request forms themselves are data: tests/data/osmand/. */
#include "api/formats/osmand.h"
#include "api/formats/rfc3339.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

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

static void test_rfc3339_parse(void **state) {
    (void)state;
    int64_t s = 0;
    assert_true(fmt_time_parse_rfc3339("2026-11-23T09:00:00Z", &s));
    assert_int_equal(s, 1795424400);
    assert_true(fmt_time_parse_rfc3339("2026-11-23T10:30:00+01:30", &s));
    assert_int_equal(s, 1795424400);
    assert_true(fmt_time_parse_rfc3339("2026-11-23T04:00-05:00", &s)); /* seconds optional */
    assert_int_equal(s, 1795424400);
    assert_true(fmt_time_parse_rfc3339("2026-11-23t09:00:00.999z", &s)); /* fraction dropped */
    assert_int_equal(s, 1795424400);
    assert_true(fmt_time_parse_rfc3339("1970-01-01T00:00:00Z", &s));
    assert_int_equal(s, 0);
    assert_true(fmt_time_parse_rfc3339("1969-12-31T23:59:59Z", &s));
    assert_int_equal(s, -1);
    assert_true(fmt_time_parse_rfc3339("2024-02-29T00:00:00Z", &s));
    assert_int_equal(s, 1709164800);
    int64_t keep = 42;
    const char *bad[] = {
        "2026-02-31T09:00:00Z",      /* 31 February */
        "2026-02-29T09:00:00Z",      /* not a leap year */
        "2026-04-31T09:00:00Z",      /* April has 30 days */
        "2026-11-23T09:00:00+99:99", /* no such offset */
        "2026-11-23T09:00:00+24:00",
        "2026-11-23T09:00:00+01:60",
        "2026-11-23T09:00:00",      /* no zone: ambiguous */
        "2026-11-23 09:00:00Z",     /* a space is the clients' form, not RFC 3339 */
        "2026-11-23T09:00:00+0100", /* RFC 3339 offsets have a colon */
        "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-11-00T00:00:00Z",
        "2026-11-23T24:00:00Z",
        "2026-11-23T09:60:00Z",
        "2026-11-23T09:00:61Z",
        "2026-1-5T9:00Z", /* digits are fixed-width */
        " 2026-11-23T09:00:00Z",
        "2026-11-23T09:00:00Zjunk",
        "",
        "tomorrow",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (fmt_time_parse_rfc3339(bad[i], &keep)) print_error("accepted '%s'\n", bad[i]);
        assert_false(fmt_time_parse_rfc3339(bad[i], &keep));
    }
    assert_int_equal(keep, 42); /* untouched on failure */
    assert_false(fmt_time_parse_rfc3339(NULL, &keep));
}

static void test_rfc3339_format(void **state) {
    (void)state;
    char buf[FMT_TIME_RFC3339_LEN];
    assert_string_equal(fmt_time_format_rfc3339(1795424400, buf), "2026-11-23T09:00:00Z");
    assert_string_equal(fmt_time_format_rfc3339(0, buf), "1970-01-01T00:00:00Z");
    assert_string_equal(fmt_time_format_rfc3339(-1, buf), "1969-12-31T23:59:59Z");
    assert_string_equal(fmt_time_format_rfc3339(1709164800 + 86399, buf), "2024-02-29T23:59:59Z");
    assert_string_equal(fmt_time_format_rfc3339(253402300799, buf), "9999-12-31T23:59:59Z");
    /* every formatted time parses back to itself */
    for (int64_t t = -86400 * 400; t < INT64_C(86400) * 366 * 300; t += 86400 * 37 + 3607) {
        int64_t back = 0;
        assert_true(fmt_time_parse_rfc3339(fmt_time_format_rfc3339(t, buf), &back));
        assert_int_equal(back, t);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_rfc3339_parse),
        cmocka_unit_test(test_rfc3339_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
