/* feedback/calendar.c: business calendars (opening spans per weekday, holidays, a time zone) and
 * the arithmetic SLA deadlines need: "N business hours after this instant" and "business time
 * between two instants", walked local day by local day so nights, weekends, holidays and DST
 * switches fall out of the same loop. */
#include "feedback/internal.h"

#include <stdlib.h>
#include <string.h>

#define WALK_DAYS 3660 /* ten years: the bound of every walk */

static const char *const day_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static const char *skip_ws(const char *p) {
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static bool day_at(const char **pp, int *out) {
    for (int i = 0; i < 7; i++)
        if (!strncmp(*pp, day_names[i], 3)) {
            *out = i;
            *pp += 3;
            return true;
        }
    return false;
}

/* "HH:MM" (00:00..24:00) into seconds after midnight. */
static bool hhmm_at(const char **pp, int32_t *out) {
    const char *p = *pp;
    if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] == ':' && p[3] >= '0' &&
          p[3] <= '9' && p[4] >= '0' && p[4] <= '9'))
        return false;
    int h = (p[0] - '0') * 10 + (p[1] - '0'), m = (p[3] - '0') * 10 + (p[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0)) return false;
    *out = h * 3600 + m * 60;
    *pp = p + 5;
    return true;
}

static lm_status hours_error(lm_errinfo *err, const char *hours, const char *at, const char *why) {
    return lm_errinfo_set(err, LM_INVALID, "hours", "hours: %s at character %d of \"%.80s\"", why,
                          (int)(at - hours), hours);
}

/* One group "mon-fri,sat 09:00-12:00 13:00-18:00" up to ';' or the end. */
static lm_status parse_group(const char *hours, const char **pp, feedback_calendar *cal,
                             lm_errinfo *err) {
    const char *p = skip_ws(*pp);
    bool days[7] = {false};
    for (;;) {
        int a, b;
        if (!day_at(&p, &a)) return hours_error(err, hours, p, "expected a day (sun..sat)");
        b = a;
        if (*p == '-') {
            const char *q = p + 1;
            if (!day_at(&q, &b)) return hours_error(err, hours, q, "expected a day after '-'");
            p = q;
        }
        for (int d = a, guard = 0; guard < 7; d = (d + 1) % 7, guard++) { /* ranges may wrap */
            days[d] = true;
            if (d == b) break;
        }
        if (*p != ',') break;
        p++;
    }
    int32_t open[FEEDBACK_SPANS_MAX], close[FEEDBACK_SPANS_MAX];
    int n = 0;
    for (p = skip_ws(p); *p && *p != ';'; p = skip_ws(p)) {
        int32_t o, c;
        if (!hhmm_at(&p, &o) || *p++ != '-' || !hhmm_at(&p, &c))
            return hours_error(err, hours, p, "expected a span HH:MM-HH:MM");
        if (c <= o) return hours_error(err, hours, p, "a span must close after it opens");
        if (n == FEEDBACK_SPANS_MAX) return hours_error(err, hours, p, "more than 4 spans");
        open[n] = o, close[n] = c, n++;
    }
    if (n == 0) return hours_error(err, hours, p, "a day group needs at least one span");
    for (int d = 0; d < 7; d++) {
        if (!days[d]) continue;
        for (int k = 0; k < n; k++) {
            int at = cal->n_spans[d];
            if (at == FEEDBACK_SPANS_MAX)
                return hours_error(err, hours, p, "more than 4 spans on one day");
            /* insertion keeps the day's spans sorted by opening */
            while (at > 0 && cal->open_s[d][at - 1] > open[k]) {
                cal->open_s[d][at] = cal->open_s[d][at - 1];
                cal->close_s[d][at] = cal->close_s[d][at - 1];
                at--;
            }
            cal->open_s[d][at] = open[k];
            cal->close_s[d][at] = close[k];
            cal->n_spans[d]++;
        }
    }
    *pp = *p == ';' ? p + 1 : p;
    return LM_OK;
}

static lm_status parse_hours(const char *hours, feedback_calendar *cal, lm_errinfo *err) {
    if (!hours) hours = "";
    const char *p = hours;
    for (int guard = 0; *skip_ws(p) && guard < 64; guard++) {
        lm_status rc = parse_group(hours, &p, cal, err);
        if (rc != LM_OK) return rc;
    }
    if (*skip_ws(p)) return hours_error(err, hours, p, "more than 64 day groups");
    int total = 0;
    for (int d = 0; d < 7; d++) {
        total += cal->n_spans[d];
        for (int k = 1; k < cal->n_spans[d]; k++)
            if (cal->open_s[d][k] < cal->close_s[d][k - 1])
                return lm_errinfo_set(err, LM_INVALID, "hours", "hours: spans on %s overlap",
                                      day_names[d]);
    }
    if (total == 0)
        return lm_errinfo_set(err, LM_INVALID, "hours",
                              "hours must open at least once a week, e.g. \"mon-fri 09:00-18:00\"");
    return LM_OK;
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static lm_status parse_holidays(const char *text, feedback_calendar *cal, lm_errinfo *err) {
    const char *p = text ? text : "";
    for (;;) {
        while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n')
            p++;
        if (!*p) break;
        int64_t y = 0;
        int m = 0, d = 0, i = 0;
        for (; i < 10; i++) {
            char c = p[i];
            bool digit = c >= '0' && c <= '9';
            if ((i == 4 || i == 7) ? c != '-' : !digit) break;
        }
        if (i == 10) {
            y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
            m = (p[5] - '0') * 10 + (p[6] - '0');
            d = (p[8] - '0') * 10 + (p[9] - '0');
        }
        bool sep = i == 10 && (p[10] == '\0' || p[10] == ',' || p[10] == ' ' || p[10] == '\t' ||
                               p[10] == '\n');
        if (!sep || y < 1970 || m < 1 || m > 12 || d < 1 || d > feedback__month_days(y, m))
            return lm_errinfo_set(err, LM_INVALID, "holidays",
                                  "holidays: \"%.12s\" is not a real date YYYY-MM-DD", p);
        if (cal->n_holidays == FEEDBACK_HOLIDAYS_MAX)
            return lm_errinfo_set(err, LM_TOO_BIG, "holidays", "at most %d holidays",
                                  FEEDBACK_HOLIDAYS_MAX);
        cal->holidays[cal->n_holidays++] = (int32_t)feedback__days_from_civil(y, m, d);
        p += 10;
    }
    qsort(cal->holidays, cal->n_holidays, sizeof cal->holidays[0], cmp_i32);
    size_t w = 0; /* the same date twice is harmless: keep it once */
    for (size_t i = 0; i < cal->n_holidays; i++)
        if (w == 0 || cal->holidays[w - 1] != cal->holidays[i])
            cal->holidays[w++] = cal->holidays[i];
    cal->n_holidays = w;
    return LM_OK;
}

lm_status feedback_calendar_parse(const char *tz, const char *hours, const char *holidays,
                                  feedback_calendar *out, lm_errinfo *err) {
    feedback_calendar *cal = lm_calloc(1, sizeof *cal);
    if (!cal) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lm_status rc = feedback_tz_parse(tz, "tz", &cal->tz, err);
    if (rc == LM_OK) rc = parse_hours(hours, cal, err);
    if (rc == LM_OK) rc = parse_holidays(holidays, cal, err);
    if (rc == LM_OK) *out = *cal;
    lm_free(cal);
    return rc;
}

/* ---- Arithmetic ---- */

static bool is_holiday(const feedback_calendar *cal, int64_t day) {
    size_t lo = 0, hi = cal->n_holidays;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cal->holidays[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < cal->n_holidays && cal->holidays[lo] == day;
}

/* Calls span(ctx, a_ms, b_ms) for each opening span in time order from the local day holding
 * from_ms on, for at most WALK_DAYS days, until it returns false. Returns whether it stopped. */
static bool walk(const feedback_calendar *cal, int64_t from_ms,
                 bool (*span)(void *ctx, int64_t a_ms, int64_t b_ms), void *ctx) {
    int64_t from_s = feedback__floor_div(from_ms, 1000);
    int64_t first = feedback__floor_div(from_s + feedback_tz_offset(&cal->tz, from_s), 86400);
    for (int64_t day = first - 1; day < first + WALK_DAYS; day++) {
        if (is_holiday(cal, day)) continue;
        int wd = feedback__weekday(day);
        for (int k = 0; k < cal->n_spans[wd]; k++) {
            int64_t a = feedback_tz_to_utc(&cal->tz, day * 86400 + cal->open_s[wd][k]) * 1000;
            int64_t b = feedback_tz_to_utc(&cal->tz, day * 86400 + cal->close_s[wd][k]) * 1000;
            if (!span(ctx, a, b)) return true;
        }
    }
    return false;
}

typedef struct add_ctx {
    int64_t from_ms, left_ms, due_ms;
} add_ctx;

static bool add_span(void *vctx, int64_t a, int64_t b) {
    add_ctx *c = vctx;
    if (b <= c->from_ms) return true;
    if (a < c->from_ms) a = c->from_ms;
    if (c->left_ms <= b - a) {
        c->due_ms = a + c->left_ms;
        return false;
    }
    c->left_ms -= b - a;
    return true;
}

lm_status feedback_calendar_add(const feedback_calendar *cal, int64_t from_ms, int64_t business_ms,
                                int64_t *out) {
    if (business_ms <= 0) {
        *out = from_ms;
        return LM_OK;
    }
    add_ctx c = {from_ms, business_ms, 0};
    if (!walk(cal, from_ms, add_span, &c)) return LM_INVALID;
    *out = c.due_ms;
    return LM_OK;
}

typedef struct elapsed_ctx {
    int64_t from_ms, to_ms, sum_ms;
} elapsed_ctx;

static bool elapsed_span(void *vctx, int64_t a, int64_t b) {
    elapsed_ctx *c = vctx;
    if (a >= c->to_ms) return false;
    if (a < c->from_ms) a = c->from_ms;
    if (b > c->to_ms) b = c->to_ms;
    if (b > a) c->sum_ms += b - a;
    return true;
}

int64_t feedback_calendar_elapsed(const feedback_calendar *cal, int64_t from_ms, int64_t to_ms) {
    if (to_ms <= from_ms) return 0;
    elapsed_ctx c = {from_ms, to_ms, 0};
    walk(cal, from_ms, elapsed_span, &c);
    return c.sum_ms;
}
