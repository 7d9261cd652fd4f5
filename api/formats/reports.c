/* api/formats/reports.c: analytics report queries and rows <-> JSON / CSV
 * (api/formats/reports.h). */
#include "api/formats/reports.h"
#include "api/formats/rfc3339.h"
#include "common/json.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define DAY_MS 86400000LL

/* ---- Columns ---- */

typedef struct column {
    const char *name;
    bool is_double;
    size_t off;        /* into analytics_kpi_row */
    unsigned families; /* bit per fmt_report_family (KPIS takes every column) */
} column;

#define FAM(x) (1u << FMT_REPORT_##x)
#define CI(name, member, fam)                                                                      \
    { name, false, offsetof(analytics_kpi_row, member), fam }
#define CD(name, member, fam)                                                                      \
    { name, true, offsetof(analytics_kpi_row, member), fam }
#define CQ(name, member, fam)                                                                      \
    CI(name "_n", member.n, fam), CD(name "_median_s", member.median, fam),                        \
        CD(name "_p90_s", member.p90, fam)
/* An exception kind's three columns: raised, resolved, mean seconds to resolution. */
#define CX(kind, i)                                                                                \
    CI("exc_" kind, exceptions[i], FAM(EXCEPTIONS)),                                               \
        CI("exc_" kind "_resolved", exc_resolved[i], FAM(EXCEPTIONS)),                             \
        CD("exc_" kind "_resolve_mean_s", exc_resolve_mean_s[i], FAM(EXCEPTIONS))

static const column columns[] = {
    CI("received", received, FAM(DELIVERIES)),
    CI("delivered", delivered, FAM(DELIVERIES)),
    CI("failed", failed, FAM(DELIVERIES)),
    CI("cancelled", cancelled, FAM(DELIVERIES)),
    CI("with_window", with_window, FAM(DELIVERIES)),
    CI("on_time", on_time, FAM(DELIVERIES)),
    CD("on_time_rate", on_time_rate, FAM(DELIVERIES)),
    CI("first_attempt", first_attempt, FAM(DELIVERIES)),
    CD("first_attempt_rate", first_attempt_rate, FAM(DELIVERIES)),
    CQ("eta60_abs_err", eta60_abs_err_s, FAM(ETA)),
    CQ("eta15_abs_err", eta15_abs_err_s, FAM(ETA)),
    CQ("audit", stage_s[ANALYTICS_STAGE_AUDIT], FAM(CYCLE)),
    CQ("pick", stage_s[ANALYTICS_STAGE_PICK], FAM(CYCLE)),
    CQ("dispatch", stage_s[ANALYTICS_STAGE_DISPATCH], FAM(CYCLE)),
    CQ("drive", stage_s[ANALYTICS_STAGE_DRIVE], FAM(CYCLE)),
    CQ("total", stage_s[ANALYTICS_STAGE_TOTAL], FAM(CYCLE)),
    CI("routes", routes, FAM(COSTS)),
    CI("route_stops", route_stops, FAM(COSTS)),
    CI("route_s", route_s, FAM(COSTS)),
    CI("planned_m", planned_m, FAM(COSTS)),
    CD("cost", cost, FAM(COSTS)),
    CD("cost_per_stop", cost_per_stop, FAM(COSTS)),
    CD("cost_per_km", cost_per_km, FAM(COSTS)),
    CI("shift_s", shift_s, FAM(FLEET)),
    CI("shift_route_s", shift_route_s, FAM(FLEET)),
    CD("time_utilisation", time_utilisation, FAM(FLEET)),
    CI("load_g", load_g, FAM(FLEET)),
    CI("capacity_g", capacity_g, FAM(FLEET)),
    CD("capacity_utilisation", capacity_utilisation, FAM(FLEET)),
    CI("legs_driven", legs, FAM(FLEET)),
    CI("leg_planned_m", leg_planned_m, FAM(FLEET)),
    CI("driven_m", driven_m, FAM(FLEET)),
    CD("driven_ratio", driven_ratio, FAM(FLEET)),
    CI("replans_manual", replans[0], FAM(EXCEPTIONS)),
    CI("replans_late", replans[1], FAM(EXCEPTIONS)),
    CI("replans_breakdown", replans[2], FAM(EXCEPTIONS)),
    CI("replans_failed", replans[3], FAM(EXCEPTIONS)),
    CI("replans_urgent", replans[4], FAM(EXCEPTIONS)),
    CI("replans_cancelled", replans[5], FAM(EXCEPTIONS)),
    CI("replans_silent", replans[6], FAM(EXCEPTIONS)),
    CI("replans_vehicle_full", replans[7], FAM(EXCEPTIONS)),
    CI("replans_other", replans[8], FAM(EXCEPTIONS)),
    CX("breakdown", 0),
    CX("delay", 1),
    CX("accident", 2),
    CX("vehicle_full", 3),
    CX("alarm", 4),
    CX("late", 5),
    CX("silent", 6),
    CQ("exc_resolve", exc_resolve_s, FAM(EXCEPTIONS)),
    CI("with_window", with_window, FAM(PROMISE)),
    CI("on_time", on_time, FAM(PROMISE)),
    CD("on_time_rate", on_time_rate, FAM(PROMISE)),
    CI("late", late, FAM(PROMISE)),
    CQ("late", late_s, FAM(PROMISE)),
};

static bool in_family(const column *c, fmt_report_family f) {
    return f == FMT_REPORT_KPIS || (c->families & (1u << f));
}

static const char *const family_names[] = {"deliveries", "eta",   "cycle-times",
                                           "costs",      "fleet", "exceptions",
                                           "promise",    "kpis",  "quality"};
static const char *const period_names[] = {"day", "week", "month"};
static const char *const group_names[] = {"all", "depot", "channel", "vehicle", "driver", "zone"};

const char *fmt_report_family_name(fmt_report_family f) {
    return (unsigned)f < FMT_REPORT_FAMILIES ? family_names[f] : "";
}

/* ---- Query ---- */

static int name_index(const char *s, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

/* A day "YYYY-MM-DD" or epoch ms at a UTC midnight into *ms. */
static bool read_day(const char *s, int64_t *ms) {
    size_t len = strlen(s);
    if (len == 10 && s[4] == '-' && s[7] == '-') {
        char t[32];
        snprintf(t, sizeof t, "%sT00:00:00Z", s);
        int64_t secs;
        if (!fmt_time_parse_rfc3339(t, &secs)) return false;
        *ms = secs * 1000;
        return true;
    }
    int64_t v;
    if (!lm_parse_i64(s, 0, 253402300799999LL, &v) || v % DAY_MS) return false;
    *ms = v;
    return true;
}

lm_status fmt_report_query_read(const char *family, const char *from, const char *to,
                                const char *period, const char *group, int64_t now_ms,
                                fmt_report_query *q, lm_errinfo *err) {
    fmt_report_query r = {.period = ANALYTICS_DAY, .group = ANALYTICS_ALL};
    int k = family ? name_index(family, family_names, FMT_REPORT_FAMILIES) : -1;
    if (k < 0)
        return lm_errinfo_set(
            err, LM_NOT_FOUND, "family",
            "report family must be deliveries, eta, cycle-times, costs, fleet, exceptions, "
            "promise, kpis or quality");
    r.family = (fmt_report_family)k;
    if (period && (k = name_index(period, period_names, 3)) < 0)
        return lm_errinfo_set(err, LM_INVALID, "period", "period must be day, week or month");
    if (period) r.period = (analytics_period)k;
    if (group && (k = name_index(group, group_names, ANALYTICS_GROUPS)) < 0)
        return lm_errinfo_set(err, LM_INVALID, "group",
                              "group must be all, depot, channel, vehicle, driver or zone");
    if (group) r.group = (analytics_group)k;
    r.to_ms = (now_ms / DAY_MS + 1) * DAY_MS;
    if (to && !read_day(to, &r.to_ms))
        return lm_errinfo_set(err, LM_INVALID, "to",
                              "to must be a date YYYY-MM-DD or epoch ms at a UTC midnight");
    r.from_ms = r.to_ms - 30 * DAY_MS;
    if (from && !read_day(from, &r.from_ms))
        return lm_errinfo_set(err, LM_INVALID, "from",
                              "from must be a date YYYY-MM-DD or epoch ms at a UTC midnight");
    if (r.from_ms >= r.to_ms) return lm_errinfo_set(err, LM_INVALID, "to", "to must be after from");
    if ((r.to_ms - r.from_ms) / DAY_MS > FMT_REPORT_MAX_DAYS)
        return lm_errinfo_set(err, LM_INVALID, "from", "a report covers at most %d days",
                              FMT_REPORT_MAX_DAYS);
    *q = r;
    return LM_OK;
}

/* ---- Rows ---- */

static void day_text(int64_t ms, char out[FMT_TIME_RFC3339_LEN]) {
    fmt_time_format_rfc3339(ms / 1000, out);
    out[10] = '\0';
}

static double col_double(const analytics_kpi_row *r, const column *c) {
    double d;
    memcpy(&d, (const char *)r + c->off, sizeof d);
    return isfinite(d) ? d : 0;
}

static int64_t col_int(const analytics_kpi_row *r, const column *c) {
    int64_t v;
    memcpy(&v, (const char *)r + c->off, sizeof v);
    return v;
}

/* ---- JSON rows, streamed ----
 * A year's weekly report per van is 5,000 rows x 100 columns: each row is written into a stack
 * buffer with its keys pre-quoted and its numbers formatted by hand, then appended once, so the
 * general writer's per-value printf, key escaping and bounds checks are paid once per row. The
 * bytes are the general writer's (lm_jw, common/json.c), which the codec's cases pin. */

#define KEY_JSON_MAX (6 * sizeof(((analytics_kpi_row *)0)->key) + 16) /* "key":"\u00xx"... */
#define NUM_JSON_MAX 32 /* an int64 or a double at 17 significant digits */
#define ROW_JSON_MAX                                                                               \
    (KEY_JSON_MAX + 64 + (sizeof columns / sizeof columns[0]) * (40 + NUM_JSON_MAX))

/* v in decimal at p; returns the end. */
static char *put_i64(char *p, int64_t v) {
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *p++ = '-';
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* d as lm_jw_double writes it: a whole number as an integer, else the shortest of %.15g, %.16g,
 * %.17g that reads back as d. */
static char *put_double(char *p, double d) {
    if (d >= -1e15 && d <= 1e15 && d == (double)(long long)d && !(d == 0 && signbit(d)))
        return put_i64(p, (int64_t)d);
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(p, NUM_JSON_MAX, "%.*g", prec, d);
        if (strtod(p, NULL) == d) break;
    }
    return p + (n > 0 && n < NUM_JSON_MAX ? n : 0);
}

/* s quoted and escaped as lm_jw_quoted does. */
static char *put_quoted(char *p, const char *s) {
    static const char hex[] = "0123456789abcdef";
    *p++ = '"';
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x20 && ch != '"' && ch != '\\') {
            *p++ = (char)ch;
        } else if (ch == '"' || ch == '\\') {
            *p++ = '\\';
            *p++ = (char)ch;
        } else if (ch == '\n' || ch == '\t') {
            *p++ = '\\';
            *p++ = ch == '\n' ? 'n' : 't';
        } else {
            memcpy(p, "\\u00", 4);
            p[4] = hex[ch >> 4];
            p[5] = hex[ch & 15];
            p += 6;
        }
    }
    *p++ = '"';
    return p;
}

/* The columns of a family with their JSON keys (,"name":) written once per report. */
typedef struct json_cols {
    const column *col[sizeof columns / sizeof columns[0]];
    char key[sizeof columns / sizeof columns[0]][40];
    size_t key_len[sizeof columns / sizeof columns[0]];
    size_t n;
} json_cols;

static void json_cols_init(json_cols *jc, fmt_report_family f) {
    jc->n = 0;
    for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++) {
        if (!in_family(&columns[c], f)) continue;
        int len = snprintf(jc->key[jc->n], sizeof jc->key[0], ",\"%s\":", columns[c].name);
        jc->col[jc->n] = &columns[c];
        jc->key_len[jc->n++] = len > 0 && (size_t)len < sizeof jc->key[0] ? (size_t)len : 0;
    }
}

/* One row's object, with a leading comma unless it is the first; returns the end. */
static char *json_row(char *p, const json_cols *jc, const analytics_kpi_row *r, bool keyed,
                      bool first, const char day[FMT_TIME_RFC3339_LEN]) {
    if (!first) *p++ = ',';
    memcpy(p, "{\"period_start\":\"", 17);
    p += 17;
    memcpy(p, day, 10);
    p += 10;
    *p++ = '"';
    if (keyed) {
        memcpy(p, ",\"key\":", 7);
        p = put_quoted(p + 7, r->key);
    }
    for (size_t c = 0; c < jc->n; c++) {
        memcpy(p, jc->key[c], jc->key_len[c]);
        p += jc->key_len[c];
        p = jc->col[c]->is_double ? put_double(p, col_double(r, jc->col[c]))
                                  : put_i64(p, col_int(r, jc->col[c]));
    }
    *p++ = '}';
    return p;
}

lm_status fmt_report_json(lm_buf *b, const fmt_report_query *q, const analytics_kpi_row *rows,
                          size_t n) {
    lm_jw w;
    char day[FMT_TIME_RFC3339_LEN];
    lm_jw_init(&w, b, false);
    lm_jw_open(&w, NULL, "{");
    lm_jw_str(&w, "family", fmt_report_family_name(q->family));
    lm_jw_str(&w, "period", period_names[q->period]);
    lm_jw_str(&w, "group", group_names[q->group]);
    day_text(q->from_ms, day);
    lm_jw_str(&w, "from", day);
    day_text(q->to_ms, day);
    lm_jw_str(&w, "to", day);
    lm_jw_open(&w, "rows", "[");
    json_cols jc;
    json_cols_init(&jc, q->family);
    char line[ROW_JSON_MAX];
    int64_t day_ms = INT64_MIN; /* rows come period by period: each day's text is made once */
    for (size_t i = 0; i < n && w.st == LM_OK; i++) {
        if (rows[i].period_start_ms != day_ms) {
            day_ms = rows[i].period_start_ms;
            day_text(day_ms, day);
        }
        char *end = json_row(line, &jc, &rows[i], q->group != ANALYTICS_ALL, i == 0, day);
        lm_jw_raw(&w, line, (size_t)(end - line));
    }
    lm_jw_close(&w, "]");
    lm_jw_close(&w, "}");
    return w.st;
}

/* A CSV field: quoted (quotes doubled) when it holds a comma, quote or line break. */
static lm_status csv_field(lm_buf *b, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) return lm_buf_append(b, s, strlen(s));
    lm_status rc = lm_buf_append(b, "\"", 1);
    for (const char *p = s; *p && rc == LM_OK; p++)
        rc = *p == '"' ? lm_buf_append(b, "\"\"", 2) : lm_buf_append(b, p, 1);
    return rc == LM_OK ? lm_buf_append(b, "\"", 1) : rc;
}

lm_status fmt_report_csv(lm_buf *b, const fmt_report_query *q, const analytics_kpi_row *rows,
                         size_t n) {
    bool keyed = q->group != ANALYTICS_ALL;
    lm_status rc = lm_buf_printf(b, "period_start%s", keyed ? ",key" : "");
    for (size_t c = 0; c < sizeof columns / sizeof columns[0] && rc == LM_OK; c++)
        if (in_family(&columns[c], q->family)) rc = lm_buf_printf(b, ",%s", columns[c].name);
    if (rc == LM_OK) rc = lm_buf_append(b, "\r\n", 2);
    char day[FMT_TIME_RFC3339_LEN], line[ROW_JSON_MAX];
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        day_text(rows[i].period_start_ms, day);
        rc = lm_buf_append(b, day, strlen(day));
        if (rc == LM_OK && keyed && (rc = lm_buf_append(b, ",", 1)) == LM_OK)
            rc = csv_field(b, rows[i].key);
        /* the numbers of a row into one buffer, appended once (as the JSON rows) */
        char *p = line;
        for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++) {
            if (!in_family(&columns[c], q->family)) continue;
            *p++ = ',';
            if (!columns[c].is_double) {
                p = put_i64(p, col_int(&rows[i], &columns[c]));
                continue;
            }
            double d = col_double(&rows[i], &columns[c]);
            if (d > -1e10 && d < 1e10 && d == (double)(long long)d && !(d == 0 && signbit(d))) {
                p = put_i64(p, (int64_t)d); /* what %.10g writes for a whole number this small */
            } else {
                int len = snprintf(p, NUM_JSON_MAX, "%.10g", d);
                p += len > 0 && len < NUM_JSON_MAX ? len : 0;
            }
        }
        memcpy(p, "\r\n", 2);
        p += 2;
        if (rc == LM_OK) rc = lm_buf_append(b, line, (size_t)(p - line));
    }
    return rc;
}

/* ---- Quality ---- */

static double rate(int64_t num, int64_t den) {
    return den > 0 ? (double)num / (double)den : 0;
}

static void ratings_json(lm_jw *w, const char *key, const store_rating_group *g, size_t n) {
    lm_jw_open(w, key, "[");
    for (size_t i = 0; i < n; i++) {
        lm_jw_open(w, NULL, "{");
        lm_jw_str(w, "key", g[i].key);
        lm_jw_int(w, "count", g[i].count);
        lm_jw_double(w, "mean", rate(g[i].sum, g[i].count));
        lm_jw_close(w, "}");
    }
    lm_jw_close(w, "]");
}

static void returns_json(lm_jw *w, const char *key, const store_return_rate *g, size_t n) {
    lm_jw_open(w, key, "[");
    for (size_t i = 0; i < n; i++) {
        lm_jw_open(w, NULL, "{");
        lm_jw_str(w, "key", g[i].key);
        lm_jw_int(w, "returned", g[i].returned);
        lm_jw_int(w, "base", g[i].base);
        lm_jw_double(w, "rate", rate(g[i].returned, g[i].base));
        lm_jw_close(w, "}");
    }
    lm_jw_close(w, "]");
}

lm_status fmt_quality_json(lm_buf *b, const fmt_report_query *q, const fmt_quality *x) {
    lm_jw w;
    char day[FMT_TIME_RFC3339_LEN];
    lm_jw_init(&w, b, false);
    lm_jw_open(&w, NULL, "{");
    lm_jw_str(&w, "family", "quality");
    day_text(q->from_ms, day);
    lm_jw_str(&w, "from", day);
    day_text(q->to_ms, day);
    lm_jw_str(&w, "to", day);
    lm_jw_int(&w, "delivered", x->delivered);
    lm_jw_int(&w, "complaints", x->complaints);
    lm_jw_double(&w, "complaint_rate", rate(x->complaints, x->delivered));
    lm_jw_double(&w, "sla_first_response_compliance", rate(x->fr_met, x->answered));
    lm_jw_double(&w, "sla_resolution_compliance",
                 x->complaints ? 1 - rate(x->res_breached, x->complaints) : 0);
    lm_jw_open(&w, "ratings", "{");
    ratings_json(&w, "driver", x->by_driver, x->n_driver);
    ratings_json(&w, "depot", x->by_depot, x->n_depot);
    lm_jw_close(&w, "}");
    lm_jw_open(&w, "returns", "{");
    returns_json(&w, "product", x->by_product, x->n_product);
    returns_json(&w, "reason", x->by_reason, x->n_reason);
    lm_jw_close(&w, "}");
    lm_jw_close(&w, "}");
    return w.st;
}

static lm_status csv_line(lm_buf *b, const char *section, const char *key, int64_t count,
                          double value) {
    lm_status rc = lm_buf_printf(b, "%s,", section);
    if (rc == LM_OK) rc = csv_field(b, key);
    return rc == LM_OK ? lm_buf_printf(b, ",%lld,%.10g\r\n", (long long)count, value) : rc;
}

lm_status fmt_quality_csv(lm_buf *b, const fmt_quality *x) {
    lm_status rc = lm_buf_printf(b, "section,key,count,value\r\n");
    if (rc == LM_OK) rc = csv_line(b, "summary", "delivered", x->delivered, 0);
    if (rc == LM_OK)
        rc = csv_line(b, "summary", "complaint_rate", x->complaints,
                      rate(x->complaints, x->delivered));
    if (rc == LM_OK)
        rc = csv_line(b, "summary", "sla_first_response_compliance", x->answered,
                      rate(x->fr_met, x->answered));
    if (rc == LM_OK)
        rc = csv_line(b, "summary", "sla_resolution_compliance", x->complaints,
                      x->complaints ? 1 - rate(x->res_breached, x->complaints) : 0);
    for (size_t i = 0; i < x->n_driver && rc == LM_OK; i++)
        rc = csv_line(b, "rating_driver", x->by_driver[i].key, x->by_driver[i].count,
                      rate(x->by_driver[i].sum, x->by_driver[i].count));
    for (size_t i = 0; i < x->n_depot && rc == LM_OK; i++)
        rc = csv_line(b, "rating_depot", x->by_depot[i].key, x->by_depot[i].count,
                      rate(x->by_depot[i].sum, x->by_depot[i].count));
    for (size_t i = 0; i < x->n_product && rc == LM_OK; i++)
        rc = csv_line(b, "return_product", x->by_product[i].key, x->by_product[i].returned,
                      rate(x->by_product[i].returned, x->by_product[i].base));
    for (size_t i = 0; i < x->n_reason && rc == LM_OK; i++)
        rc = csv_line(b, "return_reason", x->by_reason[i].key, x->by_reason[i].returned,
                      rate(x->by_reason[i].returned, x->by_reason[i].base));
    return rc;
}
