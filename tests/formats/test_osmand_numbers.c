/* The OsmAnd codec's numbers: the query's decimals are read without strtod on the common form
 * (api/formats/osmand.c, num_parse), so every value must come out bit for bit as strtod reads
 * it: latitudes, longitudes and speeds of many digit counts, signs, leading zeros, and the forms
 * that go to strtod (exponents, a bare point, too many digits) all through fmt_osmand_parse. */
#include "api/formats/osmand.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Parses id=x&lat=LAT&lon=LON&speed=SPEED; the status. */
static lm_status parse3(const char *lat, const char *lon, const char *speed, fmt_osmand_pos *p) {
    fmt_osmand_kv kv[] = {{"id", "x"}, {"lat", lat}, {"lon", lon}, {"speed", speed}};
    size_t n = 0;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    return fmt_osmand_parse(kv, 4, NULL, NULL, 0, p, 1, &n, &err);
}

/* The bits of strtod(text) against what the parser made of it as lat, lon and speed (knots). */
static void same_as_strtod(const char *lat, const char *lon, const char *speed) {
    fmt_osmand_pos p;
    assert_int_equal(parse3(lat, lon, speed, &p), LM_OK);
    double want_lat = strtod(lat, NULL), want_lon = strtod(lon, NULL);
    double want_speed = strtod(speed, NULL);
    assert_memory_equal(&p.lat, &want_lat, sizeof(double));
    assert_memory_equal(&p.lon, &want_lon, sizeof(double));
    fmt_osmand_pos q; /* the speed's conversion to m/s is the codec's, so compare with itself */
    char exp_form[64];
    snprintf(exp_form, sizeof exp_form, "%.17e", want_speed); /* strtod's path */
    assert_int_equal(parse3(lat, lon, exp_form, &q), LM_OK);
    assert_memory_equal(&p.speed_mps, &q.speed_mps, sizeof(double));
}

static void test_random_decimals(void **state) {
    (void)state;
    srand(17);
    char lat[48], lon[48], speed[48];
    for (int i = 0; i < 20000; i++) {
        int frac = rand() % 17, ilat = rand() % 90, ilon = rand() % 180;
        unsigned long long f1 = ((unsigned long long)rand() << 31 | (unsigned)rand());
        unsigned long long f2 = ((unsigned long long)rand() << 31 | (unsigned)rand());
        const char *sign = rand() % 3 == 0 ? "-" : "";
        if (frac == 0) {
            snprintf(lat, sizeof lat, "%s%d", sign, ilat);
            snprintf(lon, sizeof lon, "%d", ilon);
        } else {
            snprintf(lat, sizeof lat, "%s%d.%0*llu", sign, ilat, frac, f1 % 10000000000000000ull);
            snprintf(lon, sizeof lon, "%s%d.%0*llu", sign, ilon, frac, f2 % 10000000000000000ull);
            lat[strlen(sign) + (ilat > 9 ? 2 : 1) + 1 + (size_t)frac] = '\0';
            lon[strlen(sign) + (ilon > 99 ? 3 : ilon > 9 ? 2 : 1) + 1 + (size_t)frac] = '\0';
        }
        snprintf(speed, sizeof speed, "%d.%d", rand() % 200, rand() % 1000);
        same_as_strtod(lat, lon, speed);
    }
}

static void test_edge_forms(void **state) {
    (void)state;
    /* exact at the limits, past them to strtod, and forms only strtod reads */
    const char *ok[] = {"0",
                        "-0",
                        "+12.5",
                        "007.25",
                        "1.",
                        "89.99999999999999999999",
                        "0.9007199254740993",
                        "1e1",
                        "0.1e1",
                        "45.1234567890123456789",
                        " 45.5",
                        "12.0000000000000000000001",
                        "0x10",
                        "-89.9"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        same_as_strtod(ok[i], "4.5", "10");
    fmt_osmand_pos p;
    /* junk is refused as before: the field named, nothing kept */
    const char *bad[] = {"", "-", ".", "1.2.3", "45,5", "4 5", "nan", "inf", "1e400", "45.5x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fmt_osmand_kv kv[] = {{"id", "x"}, {"lat", bad[i]}, {"lon", "4.5"}};
        size_t n = 0;
        lm_errinfo err;
        lm_errinfo_clear(&err);
        assert_int_equal(fmt_osmand_parse(kv, 3, NULL, NULL, 0, &p, 1, &n, &err), LM_INVALID);
        assert_string_equal(err.field, "lat");
        assert_int_equal(n, 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_decimals),
        cmocka_unit_test(test_edge_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
