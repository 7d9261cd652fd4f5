/* tests/feedback/test_feedback_calendar.c: the pure parts of feedback/: time zones (POSIX rules,
 * IANA names, DST edges), business calendars and SLA deadline arithmetic across nights,
 * weekends, holidays and DST switches, the text rule, the transition table, SLA lookup. Expected
 * instants were computed independently (Python's zoneinfo) and are written out here. */
#include "feedback/feedback.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define PARIS "CET-1CEST,M3.5.0,M10.5.0/3"
#define HOURS "mon-fri 09:00-18:00"

static feedback_calendar paris_cal(const char *hours, const char *holidays) {
    feedback_calendar cal;
    lm_errinfo err = {0};
    lm_status rc = feedback_calendar_parse(PARIS, hours, holidays, &cal, &err);
    if (rc != LM_OK) fail_msg("calendar: %s: %s", err.field, err.message);
    return cal;
}

static int64_t due_s(const feedback_calendar *cal, int64_t from_s, int64_t business_s) {
    int64_t out = -1;
    assert_int_equal(feedback_calendar_add(cal, from_s * 1000, business_s * 1000, &out), LM_OK);
    return out / 1000;
}

static void test_tz_offsets_and_dst_edges(void **state) {
    (void)state;
    feedback_tz tz;
    lm_errinfo err = {0};
    assert_int_equal(feedback_tz_parse(PARIS, "tz", &tz, &err), LM_OK);
    assert_int_equal(tz.std_off_s, 3600);
    assert_int_equal(tz.dst_off_s, 7200);
    /* spring forward at 2026-03-29 01:00 UTC, back at 2026-10-25 01:00 UTC */
    assert_int_equal(feedback_tz_offset(&tz, 1774746000 - 1), 3600);
    assert_int_equal(feedback_tz_offset(&tz, 1774746000), 7200);
    assert_int_equal(feedback_tz_offset(&tz, 1792890000 - 1), 7200);
    assert_int_equal(feedback_tz_offset(&tz, 1792890000), 3600);
    /* 02:30 does not exist on 2026-03-29 (moves to 03:30 CEST); it exists twice on 10-25 */
    assert_int_equal(feedback_tz_to_utc(&tz, 1774751400), 1774747800);
    assert_int_equal(feedback_tz_to_utc(&tz, 1792895400), 1792888200);

    /* southern hemisphere: summer time spans the new year */
    assert_int_equal(feedback_tz_parse("AEST-10AEDT,M10.1.0,M4.1.0/3", "tz", &tz, &err), LM_OK);
    assert_int_equal(feedback_tz_offset(&tz, 1768435200), 11 * 3600); /* 2026-01-15 */
    assert_int_equal(feedback_tz_offset(&tz, 1784073600), 10 * 3600); /* 2026-07-15 */

    /* IANA names read the zone file's rule: same answers as the POSIX text */
    feedback_tz paris;
    assert_int_equal(feedback_tz_parse("Europe/Paris", "tz", &paris, &err), LM_OK);
    assert_int_equal(feedback_tz_offset(&paris, 1774746000), 7200);
    assert_int_equal(feedback_tz_offset(&paris, 1792890000), 3600);
    assert_int_equal(feedback_tz_parse("UTC", "tz", &tz, &err), LM_OK);
    assert_int_equal(feedback_tz_offset(&tz, 1774746000), 0);
    assert_int_equal(feedback_tz_parse("<+0530>-5:30", "tz", &tz, &err), LM_OK);
    assert_int_equal(feedback_tz_offset(&tz, 0), 5 * 3600 + 1800);

    const char *bad[] = {"",
                         "Mars/Olympus",
                         "../../etc/passwd",
                         "XYZ",
                         "CET-1CEST,M13.5.0,M10.5.0",
                         "CET-1CEST,M3.5.0",
                         "CET-99"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lm_errinfo_clear(&err);
        lm_status rc = feedback_tz_parse(bad[i], "tz", &tz, &err);
        if (rc != LM_INVALID) fail_msg("\"%s\" -> %s, want invalid", bad[i], lm_status_name(rc));
        assert_string_equal(err.field, "tz");
    }
}

static void test_calendar_parse_errors_name_the_field(void **state) {
    (void)state;
    static const struct {
        const char *tz, *hours, *holidays, *field;
    } cases[] = {
        {PARIS, "mon-fri 09:00-08:00", "", "hours"},
        {PARIS, "xyz 09:00-10:00", "", "hours"},
        {PARIS, "mon 09:00-12:00 11:00-13:00", "", "hours"},
        {PARIS, "mon 09:00-12:00; mon 11:30-13:00", "", "hours"},
        {PARIS, "mon 25:00-26:00", "", "hours"},
        {PARIS, "mon 09:00-24:01", "", "hours"},
        {PARIS, "mon 9:00-12:00", "", "hours"},
        {PARIS, "", "", "hours"},
        {PARIS, "mon 01:00-02:00 03:00-04:00 05:00-06:00 07:00-08:00 09:00-10:00", "", "hours"},
        {PARIS, HOURS, "2026-02-30", "holidays"},
        {PARIS, HOURS, "2026-13-01", "holidays"},
        {PARIS, HOURS, "tomorrow", "holidays"},
        {PARIS, HOURS, "2026-12-25x", "holidays"},
        {"Nowhere/Town", HOURS, "", "tz"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        feedback_calendar cal;
        lm_errinfo err = {0};
        lm_status rc =
            feedback_calendar_parse(cases[i].tz, cases[i].hours, cases[i].holidays, &cal, &err);
        if (rc == LM_OK)
            fail_msg("case %zu (%s / %s) accepted", i, cases[i].hours, cases[i].holidays);
        if (strcmp(err.field, cases[i].field))
            fail_msg("case %zu: field \"%s\", want \"%s\" (%s)", i, err.field, cases[i].field,
                     err.message);
    }
    /* accepted forms: wrapping ranges, lists, 24:00, several groups, duplicates of a holiday */
    feedback_calendar cal;
    lm_errinfo err = {0};
    assert_int_equal(feedback_calendar_parse(PARIS,
                                             "fri-mon 08:00-12:00; wed,thu 13:00-24:00; "
                                             "tue 07:00-08:00 09:00-10:00",
                                             "2026-12-25, 2026-12-25 2027-01-01", &cal, &err),
                     LM_OK);
    assert_int_equal(cal.n_spans[5], 1); /* fri */
    assert_int_equal(cal.n_spans[0], 1); /* sun, inside fri-mon */
    assert_int_equal(cal.n_spans[1], 1); /* mon */
    assert_int_equal(cal.n_spans[2], 2); /* tue */
    assert_int_equal(cal.n_spans[6], 1); /* sat */
    assert_int_equal(cal.close_s[3][0], 86400);
    assert_int_equal(cal.n_holidays, 2);
}

static void test_deadlines_across_nights_weekends_holidays_dst(void **state) {
    (void)state;
    feedback_calendar cal = paris_cal(HOURS, "2026-12-25, 2027-01-01");
    /* Tue 17:00 + 4 h: one hour today, three tomorrow -> Wed 12:00 CET */
    assert_int_equal(due_s(&cal, 1773763200, 4 * 3600), 1773831600);
    /* Fri 27 March 17:00 CET + 4 h: the weekend and the spring switch -> Mon 12:00 CEST */
    assert_int_equal(due_s(&cal, 1774627200, 4 * 3600), 1774864800);
    /* Thu 24 December 16:00 + 4 h: Christmas Friday and the weekend skipped -> Mon 11:00 */
    assert_int_equal(due_s(&cal, 1798124400, 4 * 3600), 1798452000);
    /* Fri 23 October 17:00 CEST + 2 h: the autumn switch -> Mon 10:00 CET */
    assert_int_equal(due_s(&cal, 1792767600, 2 * 3600), 1793005200);
    /* opened on a Saturday: the clock starts Monday 09:00 */
    assert_int_equal(due_s(&cal, 1774083600, 3600), 1774256400);
    /* a budget that ends exactly at closing time ends at closing time */
    assert_int_equal(due_s(&cal, 1773734400, 9 * 3600), 1773766800);
    assert_int_equal(due_s(&cal, 1773734400, 0), 1773734400);

    /* round the clock: the 23-hour spring Sunday still counts real hours */
    feedback_calendar always = paris_cal("sun-sat 00:00-24:00", "");
    assert_int_equal(due_s(&always, 1774695600, 24 * 3600), 1774782000);

    /* elapsed is add's inverse, at any start and budget on a grid */
    for (int64_t from = 1774560000; from < 1774560000 + 8 * 86400; from += 5 * 3600 + 17 * 60)
        for (int64_t b = 0; b <= 30 * 3600; b += 7 * 3600 + 60) {
            int64_t due = due_s(&cal, from, b);
            int64_t el = feedback_calendar_elapsed(&cal, from * 1000, due * 1000) / 1000;
            if (el != b)
                fail_msg("from %lld budget %lld: due %lld, elapsed %lld", (long long)from,
                         (long long)b, (long long)due, (long long)el);
        }
    /* no opening at all within ten years: refused, not a loop */
    feedback_calendar none = paris_cal("mon 09:00-10:00", "");
    int64_t out = 0;
    assert_int_equal(feedback_calendar_add(&none, 0, INT64_C(600) * 86400 * 1000, &out),
                     LM_INVALID);
}

static void test_text_rule(void **state) {
    (void)state;
    lm_errinfo err = {0};
    assert_int_equal(feedback_text_check("<b>bold</b> & \"quotes\" — été", 100, false, "c", &err),
                     LM_OK);
    assert_int_equal(feedback_text_check("two\nlines\tok", 100, true, "c", &err), LM_OK);
    assert_int_equal(feedback_text_check("two\nlines", 100, false, "comment", &err), LM_INVALID);
    assert_string_equal(err.field, "comment");
    assert_int_equal(feedback_text_check("bell\a", 100, true, "c", &err), LM_INVALID);
    assert_int_equal(feedback_text_check("cr\r\n", 100, true, "c", &err), LM_INVALID);
    assert_int_equal(feedback_text_check("c1 \xc2\x85", 100, true, "c", &err), LM_INVALID);
    assert_int_equal(feedback_text_check("nbsp\xc2\xa0 \xe2\x80\x94 ok", 100, false, "c", &err),
                     LM_OK); /* continuation bytes 80..9F are not C1 controls */
    assert_int_equal(feedback_text_check("bad \xc3\x28", 100, false, "c", &err), LM_INVALID);
    assert_int_equal(feedback_text_check("overlong \xc0\xaf", 100, false, "c", &err), LM_INVALID);
    assert_int_equal(feedback_text_check("surrogate \xed\xa0\x80", 100, false, "c", &err),
                     LM_INVALID);
    assert_int_equal(feedback_text_check("cut \xe2\x82", 100, false, "c", &err), LM_INVALID);
    assert_int_equal(feedback_text_check("12345", 4, false, "c", &err), LM_TOO_BIG);
    assert_int_equal(feedback_text_check("1234", 4, false, "c", &err), LM_OK);
}

static void test_transition_table(void **state) {
    (void)state;
    /* the whole table: allowed[status][action] and where it leads */
    static const int want[FEEDBACK__STATUS_COUNT][FEEDBACK__ACTION_COUNT] = {
        /* ack, start, resolve, close, reopen; -1 refused, else the status reached */
        [FEEDBACK_STATUS_NEW] = {FEEDBACK_STATUS_ACKNOWLEDGED, -1, -1, -1, -1},
        [FEEDBACK_STATUS_ACKNOWLEDGED] = {-1, FEEDBACK_STATUS_IN_PROGRESS, FEEDBACK_STATUS_RESOLVED,
                                          -1, -1},
        [FEEDBACK_STATUS_IN_PROGRESS] = {-1, -1, FEEDBACK_STATUS_RESOLVED, -1, -1},
        [FEEDBACK_STATUS_RESOLVED] = {-1, -1, -1, FEEDBACK_STATUS_CLOSED,
                                      FEEDBACK_STATUS_IN_PROGRESS},
        [FEEDBACK_STATUS_CLOSED] = {-1, -1, -1, -1, FEEDBACK_STATUS_IN_PROGRESS},
    };
    for (int s = 0; s < FEEDBACK__STATUS_COUNT; s++)
        for (int a = 0; a < FEEDBACK__ACTION_COUNT; a++) {
            feedback_status to = FEEDBACK__STATUS_COUNT;
            bool ok = feedback_action_allowed((feedback_status)s, (feedback_action)a, &to);
            int got = ok ? (int)to : -1;
            if (got != want[s][a])
                fail_msg("%s + %s -> %d, want %d", feedback_status_name((feedback_status)s),
                         feedback_action_name((feedback_action)a), got, want[s][a]);
        }
    feedback_category c;
    assert_true(feedback_category_parse("driver_conduct", &c));
    assert_int_equal(c, FEEDBACK_CAT_DRIVER_CONDUCT);
    assert_false(feedback_category_parse("Driver_Conduct", &c));
    feedback_tag t;
    assert_true(feedback_tag_parse("damaged", &t));
    assert_false(feedback_tag_parse("nice", &t));
    assert_string_equal(feedback_status_name((feedback_status)99), "unknown");
}

static void test_sla_lookup_most_specific_row(void **state) {
    (void)state;
    feedback_sla_rule rows[8];
    size_t n = feedback_sla_defaults(rows, 8);
    assert_int_equal(n, 5);
    rows[n++] = (feedback_sla_rule){FEEDBACK_CAT_DAMAGE, -1, 600, 7200};
    rows[n++] = (feedback_sla_rule){FEEDBACK_CAT_DAMAGE, FEEDBACK_PRIO_URGENT, 60, 3600};
    int64_t fr = 0, res = 0;
    assert_true(feedback_sla_lookup(rows, n, FEEDBACK_CAT_DAMAGE, FEEDBACK_PRIO_URGENT, &fr, &res));
    assert_int_equal(fr, 60);
    assert_true(feedback_sla_lookup(rows, n, FEEDBACK_CAT_DAMAGE, FEEDBACK_PRIO_LOW, &fr, &res));
    assert_int_equal(fr, 600); /* the category row beats the priority row */
    assert_true(feedback_sla_lookup(rows, n, FEEDBACK_CAT_BILLING, FEEDBACK_PRIO_HIGH, &fr, &res));
    assert_int_equal(fr, 4 * 3600);
    assert_int_equal(res, 16 * 3600);
    assert_false(
        feedback_sla_lookup(rows + 1, 1, FEEDBACK_CAT_BILLING, FEEDBACK_PRIO_HIGH, &fr, &res));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tz_offsets_and_dst_edges),
        cmocka_unit_test(test_calendar_parse_errors_name_the_field),
        cmocka_unit_test(test_deadlines_across_nights_weekends_holidays_dst),
        cmocka_unit_test(test_text_rule),
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test(test_sla_lookup_most_specific_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
