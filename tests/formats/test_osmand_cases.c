/* tests/formats/test_osmand_cases.c: runs every OsmAnd / Traccar Client case of
 * tests/data/osmand/ (case_file.h) through fmt_osmand_parse. Headers: query (decoded pairs
 * "a=1&b=2", as libmicrohttpd hands them), content-type, cap (room for positions, default 8); the
 * input is the request body. Checks: n, and [i].device_id, time_ms, lat, lon, speed_mps,
 * heading_deg, altitude_m, accuracy_m, battery_pct (a number or nan), charging, no_fix and
 * no_location (0/1), and the texts alarm, token and attrs (the attributes JSON, exactly). A
 * refused case
 * also proves that *n_out stays untouched. */
#include "api/formats/osmand.h"
#include "case_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CAP 16

/* Splits "a=1&b=2" in place into pairs. */
static size_t split_query(char *q, fmt_osmand_kv *kv, size_t cap) {
    size_t n = 0;
    for (char *p = q; p && *p && n < cap;) {
        char *amp = strchr(p, '&');
        if (amp) *amp = '\0';
        char *eq = strchr(p, '=');
        if (eq) *eq = '\0';
        kv[n].key = p;
        kv[n].value = eq ? eq + 1 : "";
        n++;
        p = amp ? amp + 1 : NULL;
    }
    return n;
}

static bool check_pos(const fmt_osmand_pos *p, const char *field, const char *want, char *why,
                      size_t size) {
    double d = NAN;
    const char *text = !strcmp(field, "device_id") ? p->device_id
                       : !strcmp(field, "alarm")   ? p->alarm
                       : !strcmp(field, "token")   ? p->token
                       : !strcmp(field, "attrs")   ? p->attrs
                                                   : NULL;
    if (text) {
        if (!strcmp(text, want)) return true;
        snprintf(why, size, "%s '%s', want '%s'", field, text, want);
        return false;
    }
    if (!strcmp(field, "time_ms") || !strcmp(field, "charging") || !strcmp(field, "no_fix") ||
        !strcmp(field, "no_location")) {
        int64_t w, got = !strcmp(field, "time_ms")    ? p->time_ms
                         : !strcmp(field, "charging") ? p->charging
                         : !strcmp(field, "no_fix")   ? (int64_t)p->no_fix
                                                      : (int64_t)p->no_location;
        if (lm_parse_i64(want, INT64_MIN, INT64_MAX, &w) && w == got) return true;
        snprintf(why, size, "%s %lld, want %s", field, (long long)got, want);
        return false;
    }
    if (!strcmp(field, "lat"))
        d = p->lat;
    else if (!strcmp(field, "lon"))
        d = p->lon;
    else if (!strcmp(field, "speed_mps"))
        d = p->speed_mps;
    else if (!strcmp(field, "heading_deg"))
        d = p->heading_deg;
    else if (!strcmp(field, "altitude_m"))
        d = p->altitude_m;
    else if (!strcmp(field, "accuracy_m"))
        d = p->accuracy_m;
    else if (!strcmp(field, "battery_pct"))
        d = p->battery_pct;
    else {
        snprintf(why, size, "unknown field '%s'", field);
        return false;
    }
    if (tc_same_double(d, want)) return true;
    snprintf(why, size, "%s %.17g, want %s", field, d, want);
    return false;
}

static bool check_one(const fmt_osmand_pos *pos, size_t n, const char *lhs, const char *rhs,
                      char *why, size_t size) {
    if (!strcmp(lhs, "n")) {
        char got[32];
        snprintf(got, sizeof got, "%zu", n);
        if (!strcmp(got, rhs)) return true;
        snprintf(why, size, "n %zu, want %s", n, rhs);
        return false;
    }
    unsigned long i;
    int used = 0;
    if (sscanf(lhs, "[%lu].%n", &i, &used) != 1 || used == 0 || i >= n) {
        snprintf(why, size, "check '%s' names no position of %zu", lhs, n);
        return false;
    }
    return check_pos(&pos[i], lhs + used, rhs, why, size);
}

static bool run_case(const tc_case *c, char *why, size_t size) {
    char query[4096] = "";
    fmt_osmand_kv kv[64];
    size_t n_kv = 0;
    int64_t cap = 8;
    const char *q = tc_get(c, "query"), *cap_text = tc_get(c, "cap");
    if (q) {
        lm_strlcpy(query, q, sizeof query);
        n_kv = split_query(query, kv, 64);
    }
    if (cap_text && !lm_parse_i64(cap_text, 1, MAX_CAP, &cap)) {
        snprintf(why, size, "cap must be 1..%d", MAX_CAP);
        return false;
    }
    fmt_osmand_pos pos[MAX_CAP];
    size_t n = 77;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st =
        fmt_osmand_parse(kv, n_kv, tc_get(c, "content-type"), c->input_len ? c->input : NULL,
                         c->input_len, pos, (size_t)cap, &n, &err);
    if (getenv("LASTMILE_CASES_PRINT"))
        printf("%s: %s '%s' %s\n", c->name, lm_status_name(st), err.field, err.message);
    if (!tc_check_error(c, st, &err, why, size)) return false;
    if (st != LM_OK) {
        if (n == 77) return true;
        snprintf(why, size, "*n_out changed on failure");
        return false;
    }
    for (size_t i = 0; i < c->n_hdr; i++) {
        const char *lhs, *rhs;
        char buf[256];
        if (strcmp(c->hdr[i].key, "check")) continue;
        if (!tc_split_check(c->hdr[i].value, buf, sizeof buf, &lhs, &rhs)) {
            snprintf(why, size, "check '%s' has no ' = '", c->hdr[i].value);
            return false;
        }
        if (!check_one(pos, n, lhs, rhs, why, size)) return false;
    }
    return true;
}

int main(void) {
    return tc_main("osmand", run_case);
}
