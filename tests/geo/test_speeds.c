/* Learned speeds (geo/speeds.c) on a synthetic city whose true travel times depend on the zone
 * and the hour (a slow centre, slower at rush hours, a fast ring), with noisy legs and 5 %
 * outliers (a lunch break on the way, a GPS jump): bounded factors, outliers dropped, one leg's
 * weight clipped, and the ETA accuracy before and after learning, printed and checked. */
#include "geo/geo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng = 88172645463325252ull;
static double urand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}
static double gauss(void) {
    double u = urand(), v = urand();
    return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

/* What the roads really take, as a multiple of the plan, by place and hour. */
static double true_factor(geo_point p, int hour) {
    bool centre = fabs(p.lat - 45.75) < 0.03 && fabs(p.lon - 4.85) < 0.03;
    bool rush = hour == 8 || hour == 17 || hour == 18;
    if (centre) return rush ? 1.6 : hour == 12 ? 1.3 : 1.15;
    return rush ? 1.1 : 0.85;
}

static geo_point rand_point(void) {
    return (geo_point){45.69 + urand() * 0.12, 4.77 + urand() * 0.16};
}

/* A leg near `from`, 0.5 to 3 km away. */
static geo_point near(geo_point from) {
    double a = urand() * 2 * M_PI, d = 0.005 + urand() * 0.02;
    geo_point p = {from.lat + d * sin(a), from.lon + d * cos(a) / 0.7};
    if (p.lat < 45.69 || p.lat > 45.81 || p.lon < 4.77 || p.lon > 4.93) return rand_point();
    return p;
}

static double planned_s(geo_point a, geo_point b) {
    return geo_distance_m(a, b) * 1.3 / 8.33;
}

/* Actual seconds of a leg: truth x noise, 5 % outliers. */
static double drive(geo_point a, geo_point b, int hour) {
    geo_point mid = {(a.lat + b.lat) / 2, (a.lon + b.lon) / 2};
    double t = planned_s(a, b) * true_factor(mid, hour) * exp(0.15 * gauss());
    double u = urand();
    if (u < 0.025)
        t *= 6; /* stopped on the way */
    else if (u < 0.05)
        t *= 0.1; /* a jump of the GPS */
    return t;
}

static geo_speeds *make(void) {
    geo_speeds_opts o;
    geo_speeds_opts_init(&o);
    geo_speeds *s = NULL;
    assert_int_equal(geo_speeds_create(&o, &s, NULL), LM_OK);
    return s;
}

static void test_eta_accuracy_before_after(void **state) {
    (void)state;
    geo_speeds *s = make();
    /* a fortnight of a 20-van fleet: 16 000 legs between 07:00 and 19:59 */
    for (int i = 0; i < 16000; i++) {
        geo_point a = rand_point(), b = near(a);
        int hour = 7 + (int)(urand() * 13);
        geo_speeds_observe(s, a, b, hour, planned_s(a, b), drive(a, b, hour));
    }
    geo_speeds_stats st;
    geo_speeds_stats_get(s, &st);
    assert_true(st.active > 100);
    assert_true(st.dropped > 400 && st.dropped < 1200); /* about 5 % of 16 000, minus the short */
    assert_true(st.min_factor >= 0.5 && st.max_factor <= 2.0);
    /* the next day: 300 routes of 12 stops from 07:00 to 19:00, 3 min at each door; the ETA of
     * every stop as known at the start, against when the van really got there */
    double leg_before = 0, leg_after = 0, eta_before = 0, eta_after = 0;
    size_t legs = 0, etas = 0;
    for (int r = 0; r < 300; r++) {
        int hour0 = 7 + r % 12;
        geo_point at = rand_point();
        double real = 0, pred0 = 0, pred1 = 0;
        for (int k = 0; k < 12; k++) {
            geo_point to = near(at);
            int hour = hour0 + (int)(real / 3600);
            hour = hour > 23 ? 23 : hour;
            double plan = planned_s(at, to), act = drive(at, to, hour);
            int hour1 = hour0 + (int)(pred1 / 3600);
            double f = geo_speeds_factor(s, at, to, hour1 > 23 ? 23 : hour1);
            leg_before += fabs(plan - act);
            leg_after += fabs(plan * f - act);
            legs++;
            real += act;
            pred0 += plan;
            pred1 += plan * f;
            eta_before += fabs(pred0 - real);
            eta_after += fabs(pred1 - real);
            etas++;
            real += 180;
            pred0 += 180;
            pred1 += 180;
            at = to;
        }
    }
    leg_before /= (double)legs;
    leg_after /= (double)legs;
    eta_before /= (double)etas;
    eta_after /= (double)etas;
    printf("learned speeds: %zu zone-hours (%zu applied), %llu legs learned, %llu dropped as "
           "outliers, factors %.2f..%.2f\n",
           st.cells, st.active, (unsigned long long)st.taken, (unsigned long long)st.dropped,
           st.min_factor, st.max_factor);
    printf("learned speeds: leg time mean abs error %.0f s -> %.0f s; stop ETA (known at the "
           "start of a 12-stop route) mean abs error %.0f s -> %.0f s\n",
           leg_before, leg_after, eta_before, eta_after);
    assert_true(leg_after < 0.9 * leg_before);
    assert_true(eta_after < 0.8 * eta_before);
    geo_speeds_destroy(s);
}

static void test_bounded_and_robust(void **state) {
    (void)state;
    geo_speeds *s = make();
    geo_point a = {45.75, 4.85}, b = {45.76, 4.86};
    /* nothing learned: 1 */
    assert_float_equal(geo_speeds_factor(s, a, b, 9), 1.0, 1e-12);
    /* outliers (x10, x0.1) teach nothing */
    for (int i = 0; i < 100; i++) {
        assert_false(geo_speeds_observe(s, a, b, 9, 600, 6000));
        assert_false(geo_speeds_observe(s, a, b, 9, 600, 60));
    }
    assert_float_equal(geo_speeds_factor(s, a, b, 9), 1.0, 1e-12);
    /* too short, bad hour, bad point */
    assert_false(geo_speeds_observe(s, a, b, 9, 30, 60));
    assert_false(geo_speeds_observe(s, a, b, 24, 600, 700));
    assert_false(geo_speeds_observe(s, (geo_point){95, 0}, b, 9, 600, 700));
    /* two legs: not yet applied (min_obs 3); the third applies; one leg moves it at most
     * step x clip in log space */
    assert_true(geo_speeds_observe(s, a, b, 9, 600, 2300));
    assert_true(geo_speeds_observe(s, a, b, 9, 600, 2300));
    assert_float_equal(geo_speeds_factor(s, a, b, 9), 1.0, 1e-12);
    assert_true(geo_speeds_observe(s, a, b, 9, 600, 2300));
    assert_float_equal(geo_speeds_factor(s, a, b, 9), exp(3 * 0.2 * 0.25), 1e-9);
    /* a slow road for ever: the factor stops at max_factor */
    for (int i = 0; i < 500; i++)
        geo_speeds_observe(s, a, b, 9, 600, 2300);
    assert_float_equal(geo_speeds_factor(s, a, b, 9), 2.0, 1e-9);
    /* other hours and zones are untouched */
    assert_float_equal(geo_speeds_factor(s, a, b, 10), 1.0, 1e-12);
    assert_float_equal(geo_speeds_factor(s, (geo_point){45.6, 4.6}, (geo_point){45.6, 4.61}, 9),
                       1.0, 1e-12);
    /* and a fast one stops at min_factor */
    for (int i = 0; i < 500; i++)
        geo_speeds_observe(s, a, b, 14, 600, 160);
    assert_float_equal(geo_speeds_factor(s, a, b, 14), 0.5, 1e-9);
    geo_speeds_destroy(s);
    /* options out of range */
    geo_speeds_opts o;
    geo_speeds_opts_init(&o);
    o.max_factor = 0.4;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    assert_int_equal(geo_speeds_create(&o, &s, &e), LM_INVALID);
    assert_string_equal(e.field, "speeds");
    assert_float_equal(geo_speeds_factor(NULL, a, b, 9), 1.0, 1e-12);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eta_accuracy_before_after),
        cmocka_unit_test(test_bounded_and_robust),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
