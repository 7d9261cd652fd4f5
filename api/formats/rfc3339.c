/* api/formats/rfc3339.c: RFC 3339 / ISO-8601 time parsing and formatting (rfc3339.h), with the
 * calendar arithmetic done here so that no time zone database or locale is involved. */
#include "api/formats/rfc3339.h"

#define MIN_EPOCH_S INT64_C(-62167219200) /* 0000-01-01T00:00:00Z */
#define MAX_EPOCH_S INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse (Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Reads exactly n decimal digits at *p into *v and advances. */
static bool digits(const char **p, int n, int64_t *v) {
    int64_t x = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') return false;
        x = x * 10 + (c - '0');
    }
    *p += n;
    *v = x;
    return true;
}

static bool date_ok(int64_t y, int64_t mo, int64_t d) {
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(mo == 2 && d == 29 && !leap);
}

/* "[.,]fff..." (at most 9 digits): the first three as milliseconds. */
static bool fraction(const char **pp, int64_t *ms) {
    const char *p = *pp + 1;
    int n = 0;
    int64_t f = 0;
    while (*p >= '0' && *p <= '9') {
        if (n < 3) f = f * 10 + (*p - '0');
        n++;
        p++;
    }
    if (n == 0 || n > 9) return false;
    for (; n < 3; n++)
        f *= 10;
    *pp = p;
    *ms = f;
    return true;
}

/* The zone at *pp: Z, +HH:MM, and when lenient +HH, +HHMM or nothing (UTC). */
static bool zone(const char **pp, bool lenient, int64_t *offset_s) {
    const char *p = *pp;
    *offset_s = 0;
    if (*p == 'Z' || *p == 'z') {
        *pp = p + 1;
        return true;
    }
    if (*p != '+' && *p != '-') return lenient; /* no zone: UTC for the clients, else ambiguous */
    int sign = *p++ == '-' ? -1 : 1;
    int64_t oh, om = 0;
    if (!digits(&p, 2, &oh)) return false;
    if (lenient) {
        if (*p == ':') { /* +HH:MM: the minutes must follow */
            p++;
            if (!digits(&p, 2, &om)) return false;
        } else if (*p && !digits(&p, 2, &om)) {
            return false;
        }
    } else if (*p++ != ':' || !digits(&p, 2, &om)) {
        return false;
    }
    if (oh > 23 || om > 59) return false;
    *offset_s = sign * (oh * 3600 + om * 60);
    *pp = p;
    return true;
}

/* The one parser behind both entry points; ms_out in epoch milliseconds. */
static bool parse(const char *s, bool lenient, int64_t *ms_out) {
    const char *p = s;
    int64_t y, mo, d, h, mi, sec = 0, frac_ms = 0, offset_s;
    if (!s || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return false;
    bool sep = *p == 'T' || *p == 't' || (lenient && (*p == ' ' || *p == '+'));
    if (!sep) return false;
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi)) return false;
    if (*p == ':') {
        p++;
        if (!digits(&p, 2, &sec)) return false;
        if ((*p == '.' || (lenient && *p == ',')) && !fraction(&p, &frac_ms)) return false;
    }
    if (!zone(&p, lenient, &offset_s) || *p) return false;
    if (!date_ok(y, mo, d) || h > 23 || mi > 59 || sec > 60) return false;
    if (lenient && y < 1970) return false;
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    if (lenient && (t < 0 || t > MAX_EPOCH_S)) return false; /* the offset can cross either end */
    *ms_out = t * 1000 + frac_ms;
    return true;
}

bool fmt_time_parse_rfc3339(const char *s, int64_t *out) {
    int64_t ms;
    if (!parse(s, false, &ms)) return false;
    *out = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    return true;
}

bool fmt_time_parse_lenient_ms(const char *s, int64_t *out) {
    return parse(s, true, out);
}

/* Writes v as exactly n decimal digits at p (v in [0, 10^n)). */
static char *put_digits(char *p, int64_t v, int n) {
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

char *fmt_time_format_rfc3339(int64_t epoch_s, char buf[FMT_TIME_RFC3339_LEN]) {
    /* outside RFC 3339's four-digit years: the first or last second that has a text (and no
     * overflow in the arithmetic below) */
    if (epoch_s < MIN_EPOCH_S) epoch_s = MIN_EPOCH_S;
    if (epoch_s > MAX_EPOCH_S) epoch_s = MAX_EPOCH_S;
    int64_t days = epoch_s >= 0 ? epoch_s / 86400 : -((-epoch_s + 86399) / 86400);
    int64_t rem = epoch_s - days * 86400, y, m, d;
    civil_from_days(days, &y, &m, &d);
    char *p = buf;
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, rem / 3600, 2);
    *p++ = ':';
    p = put_digits(p, rem / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, rem % 60, 2);
    *p++ = 'Z';
    *p = '\0';
    return buf;
}
