/* feedback/tz.c: time zones for business calendars without touching the process's TZ: a POSIX TZ
 * rule parser ("CET-1CEST,M3.5.0,M10.5.0/3"), the offset in force at an instant, local time to
 * UTC, and IANA names resolved through the POSIX rule every TZif v2+ zone file ends with. The
 * footer rule describes the zone's current practice, which is what SLA deadlines need. */
#include "feedback/internal.h"

#include <stdio.h>
#include <string.h>

/* ---- Civil dates (Howard Hinnant's algorithms, proleptic Gregorian) ---- */

int64_t feedback__days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void feedback__civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int feedback__weekday(int64_t days) {
    return (int)(((days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
}

int64_t feedback__floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool leap(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int feedback__month_days(int64_t y, int m) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* ---- POSIX TZ parsing ---- */

typedef struct cursor {
    const char *p;
} cursor;

static bool parse_name(cursor *c) {
    const char *p = c->p;
    if (*p == '<') { /* quoted: <+03>, <-0330> */
        const char *q = strchr(p, '>');
        if (!q || q - p < 4) return false;
        c->p = q + 1;
        return true;
    }
    size_t n = 0;
    while ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' && p[n] <= 'z'))
        n++;
    if (n < 3) return false;
    c->p = p + n;
    return true;
}

static bool parse_num(cursor *c, int max, int *out) {
    int v = 0, digits = 0;
    while (*c->p >= '0' && *c->p <= '9' && digits < 4) {
        v = v * 10 + (*c->p - '0');
        c->p++, digits++;
    }
    if (!digits || v > max) return false;
    *out = v;
    return true;
}

/* [+-]hh[:mm[:ss]], hours up to max_h; seconds into *out. */
static bool parse_hms(cursor *c, int max_h, int32_t *out) {
    int sign = 1, h = 0, m = 0, s = 0;
    if (*c->p == '+' || *c->p == '-') sign = *c->p++ == '-' ? -1 : 1;
    if (!parse_num(c, max_h, &h)) return false;
    if (*c->p == ':') {
        c->p++;
        if (!parse_num(c, 59, &m)) return false;
        if (*c->p == ':') {
            c->p++;
            if (!parse_num(c, 59, &s)) return false;
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return true;
}

static bool parse_rule(cursor *c, feedback_tz_rule *r) {
    memset(r, 0, sizeof *r);
    if (*c->p == 'M') {
        c->p++;
        r->kind = 'M';
        if (!parse_num(c, 12, &r->month) || r->month < 1 || *c->p++ != '.' ||
            !parse_num(c, 5, &r->week) || r->week < 1 || *c->p++ != '.' ||
            !parse_num(c, 6, &r->day))
            return false;
    } else if (*c->p == 'J') {
        c->p++;
        r->kind = 'J';
        if (!parse_num(c, 365, &r->day) || r->day < 1) return false;
    } else {
        r->kind = 'n';
        if (!parse_num(c, 365, &r->day)) return false;
    }
    r->time_s = 2 * 3600;
    if (*c->p == '/') {
        c->p++;
        if (!parse_hms(c, 167, &r->time_s)) return false;
    }
    return true;
}

static bool parse_posix(const char *spec, feedback_tz *out) {
    feedback_tz tz = {0};
    cursor c = {spec};
    int32_t off = 0;
    if (!parse_name(&c) || !parse_hms(&c, 24, &off)) return false;
    tz.std_off_s = tz.dst_off_s = -off; /* POSIX counts west positive */
    if (*c.p) {
        if (!parse_name(&c)) return false;
        tz.has_dst = true;
        tz.dst_off_s = tz.std_off_s + 3600;
        if (*c.p && *c.p != ',') {
            if (!parse_hms(&c, 24, &off)) return false;
            tz.dst_off_s = -off;
        }
        if (*c.p == ',') {
            c.p++;
            if (!parse_rule(&c, &tz.start) || *c.p++ != ',' || !parse_rule(&c, &tz.end))
                return false;
        } else { /* no rule: the US one, as POSIX implementations assume */
            tz.start = (feedback_tz_rule){'M', 3, 2, 0, 7200};
            tz.end = (feedback_tz_rule){'M', 11, 1, 0, 7200};
        }
    }
    if (*c.p) return false;
    *out = tz;
    return true;
}

/* The footer rule of an IANA zone file: "\n<rule>\n" at the end of a TZif version 2+ file. */
static bool iana_rule(const char *name, char *rule, size_t cap) {
    if (!*name || *name == '/' || strstr(name, "..") || strlen(name) > 100) return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '/' || *p == '_' || *p == '-' || *p == '+'))
            return false;
    char path[160];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char head[5] = {0};
    char tail[256];
    bool ok = fread(head, 1, 5, f) == 5 && !memcmp(head, "TZif", 4) && head[4] >= '2' &&
              fseek(f, 0, SEEK_END) == 0;
    long size = ok ? ftell(f) : -1;
    size_t n = 0;
    if (ok && size > 0) {
        long from = size > (long)sizeof tail ? size - (long)sizeof tail : 0;
        ok = fseek(f, from, SEEK_SET) == 0;
        if (ok) n = fread(tail, 1, (size_t)(size - from), f);
    }
    fclose(f);
    if (!ok || n < 2 || tail[n - 1] != '\n') return false;
    size_t start = n - 1;
    while (start > 0 && tail[start - 1] != '\n')
        start--;
    size_t len = n - 1 - start;
    if (start == 0 || len == 0 || len >= cap) return false;
    memcpy(rule, tail + start, len);
    rule[len] = '\0';
    return true;
}

lm_status feedback_tz_parse(const char *spec, const char *field, feedback_tz *out,
                            lm_errinfo *err) {
    if (!spec || !*spec) return lm_errinfo_set(err, LM_INVALID, field, "%s is required", field);
    if (parse_posix(spec, out)) return LM_OK;
    char rule[128];
    if (iana_rule(spec, rule, sizeof rule) && parse_posix(rule, out)) return LM_OK;
    return lm_errinfo_set(err, LM_INVALID, field,
                          "%s \"%.64s\" is neither a POSIX TZ rule (e.g. CET-1CEST,M3.5.0,"
                          "M10.5.0/3) nor a known IANA zone (e.g. Europe/Paris)",
                          field, spec);
}

/* ---- Offsets ---- */

/* Day of year's epoch day of a rule in year y. */
static int64_t rule_day(const feedback_tz_rule *r, int64_t y) {
    int64_t jan1 = feedback__days_from_civil(y, 1, 1);
    if (r->kind == 'J') return jan1 + r->day - 1 + (leap(y) && r->day >= 60 ? 1 : 0);
    if (r->kind == 'n') return jan1 + r->day;
    int64_t first = feedback__days_from_civil(y, r->month, 1);
    int wd = feedback__weekday(first);
    int64_t day = 1 + (r->day - wd + 7) % 7 + (int64_t)(r->week - 1) * 7;
    while (day > feedback__month_days(y, r->month))
        day -= 7;
    return first + day - 1;
}

int32_t feedback_tz_offset(const feedback_tz *tz, int64_t utc_s) {
    if (!tz->has_dst) return tz->std_off_s;
    int64_t y;
    int m, d;
    feedback__civil_from_days(feedback__floor_div(utc_s + tz->std_off_s, 86400), &y, &m, &d);
    /* start is given in standard local time, end in summer local time */
    int64_t start = rule_day(&tz->start, y) * 86400 + tz->start.time_s - tz->std_off_s;
    int64_t end = rule_day(&tz->end, y) * 86400 + tz->end.time_s - tz->dst_off_s;
    bool dst = start < end ? (utc_s >= start && utc_s < end) : !(utc_s >= end && utc_s < start);
    return dst ? tz->dst_off_s : tz->std_off_s;
}

int64_t feedback_tz_to_utc(const feedback_tz *tz, int64_t local_s) {
    int64_t a = local_s - tz->std_off_s, b = local_s - tz->dst_off_s;
    bool a_ok = feedback_tz_offset(tz, a) == tz->std_off_s;
    bool b_ok = feedback_tz_offset(tz, b) == tz->dst_off_s;
    if (a_ok && b_ok) return a < b ? a : b; /* repeated hour: the first */
    if (a_ok) return a;
    if (b_ok) return b;
    return a > b ? a : b; /* skipped hour: read with the offset before the jump, i.e. later */
}
