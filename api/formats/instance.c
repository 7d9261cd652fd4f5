/* api/formats/instance.c: benchmark instance readers, Solomon VRPTW text and TSPLIB/CVRPLIB .vrp
 * files, into the solver's integer problem, and the literature's cost conventions
 * (datasets/README.md, api/formats/instance.h). */
#include "api/formats/instance.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Bounds that keep the integer model inside int32 matrix cells and the solver's time range. */
#define SOLOMON_MAX_COORD   50000.0 /* scaled distance <= 1.42e9 < INT32_MAX */
#define SOLOMON_MAX_TIME    1e9     /* file units; x10000 stays far below SOLVER_TIME_INF */
#define CVRP_MAX_COORD      1e8     /* nint distance <= 2.9e8 */
#define CVRP_MAX_WEIGHT     1000000000
#define INSTANCE_MAX_DEMAND (INT64_C(1) << 40) /* the solver's amount bound */

/* ---- Line and token cursor over a buffer that need not be NUL-terminated ---- */

typedef struct text_line {
    const char *p;
    size_t len;
    size_t no; /* 1-based line number */
} text_line;

typedef struct text_cursor {
    const char *p, *end;
    size_t line_no; /* number of the last line returned */
} text_cursor;

static bool is_space(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f';
}

/* Next line (\n, \r\n or \r endings); false at the end of the buffer. */
static bool cursor_line(text_cursor *c, text_line *out) {
    if (c->p >= c->end) return false;
    const char *s = c->p, *e = s;
    while (e < c->end && *e != '\n' && *e != '\r')
        e++;
    out->p = s;
    out->len = (size_t)(e - s);
    out->no = ++c->line_no;
    if (e < c->end && *e == '\r') e++;
    if (e < c->end && *e == '\n' && (e == s || e[-1] != '\n')) e++;
    c->p = e;
    return true;
}

static bool line_blank(const text_line *l) {
    for (size_t i = 0; i < l->len; i++)
        if (!is_space(l->p[i])) return false;
    return true;
}

/* Next non-blank line; false at the end of the buffer. */
static bool cursor_content_line(text_cursor *c, text_line *out) {
    while (cursor_line(c, out))
        if (!line_blank(out)) return true;
    return false;
}

/* Next whitespace-separated token of l starting at *pos; false when none is left. */
static bool line_token(const text_line *l, size_t *pos, const char **tok, size_t *tok_len) {
    size_t i = *pos;
    while (i < l->len && is_space(l->p[i]))
        i++;
    if (i >= l->len) {
        *pos = i;
        return false;
    }
    size_t s = i;
    while (i < l->len && !is_space(l->p[i]))
        i++;
    *tok = l->p + s;
    *tok_len = i - s;
    *pos = i;
    return true;
}

static size_t line_count_tokens(const text_line *l) {
    size_t pos = 0, n = 0, tl;
    const char *t;
    while (line_token(l, &pos, &t, &tl))
        n++;
    return n;
}

static bool tok_copy(const char *t, size_t n, char *buf, size_t size) {
    if (n == 0 || n >= size || memchr(t, '\0', n)) return false;
    memcpy(buf, t, n);
    buf[n] = '\0';
    return true;
}

static bool tok_double(const char *t, size_t n, double *out) {
    char b[64];
    return tok_copy(t, n, b, sizeof b) && lm_parse_double(b, out);
}

static bool tok_i64(const char *t, size_t n, int64_t *out) {
    char b[32];
    return tok_copy(t, n, b, sizeof b) && lm_parse_i64(b, INT64_MIN, INT64_MAX, out);
}

static bool tok_is(const char *t, size_t n, const char *word) {
    return strlen(word) == n && strncasecmp(t, word, n) == 0;
}

/* Tokens are quoted in messages, shortened so the sentence stays readable. */
static int tok_show_len(size_t n) {
    return n > 24 ? 24 : (int)n;
}

LM_PRINTF(4, 5)
static lm_status fail_at(lm_errinfo *err, const char *field, size_t line, const char *fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lm_errinfo_set(err, LM_INVALID, field, "line %zu: %s", line ? line : 1, msg);
}

/* ---- Instance storage ---- */

void fmt_instance_destroy(fmt_instance *inst) {
    if (!inst) return;
    lm_free(inst->x);
    lm_free(inst->y);
    lm_free(inst->node_id);
    lm_free(inst->demand);
    lm_free(inst->ready);
    lm_free(inst->due);
    lm_free(inst->service);
    lm_free(inst->weights);
    solver_problem_destroy(inst->problem);
    lm_free(inst);
}

/* Allocates the per-node arrays for n nodes (times only for Solomon). */
static lm_status instance_alloc_nodes(fmt_instance *inst, size_t n, bool times) {
    inst->n_nodes = n;
    inst->x = lm_calloc(n, sizeof *inst->x);
    inst->y = lm_calloc(n, sizeof *inst->y);
    inst->node_id = lm_calloc(n, sizeof *inst->node_id);
    inst->demand = lm_calloc(n, sizeof *inst->demand);
    if (!inst->x || !inst->y || !inst->node_id || !inst->demand) return LM_NOMEM;
    if (times) {
        inst->ready = lm_calloc(n, sizeof *inst->ready);
        inst->due = lm_calloc(n, sizeof *inst->due);
        inst->service = lm_calloc(n, sizeof *inst->service);
        if (!inst->ready || !inst->due || !inst->service) return LM_NOMEM;
    }
    return LM_OK;
}

static double euclid(const fmt_instance *inst, uint32_t a, uint32_t b) {
    double dx = inst->x[a] - inst->x[b], dy = inst->y[a] - inst->y[b];
    return sqrt(dx * dx + dy * dy);
}

/* TSPLIB's nint: (int)(d + 0.5) for d >= 0. */
static int32_t tsplib_nint(double d) {
    return (int32_t)(d + 0.5);
}

/* Adds the fleet (ids 1..k at the depot) and one job per customer to inst->problem. */
static lm_status instance_add_fleet_and_jobs(fmt_instance *inst, solver_tw shift, lm_errinfo *err) {
    lm_status st;
    for (size_t k = 0; k < inst->n_vehicles; k++) {
        solver_vehicle v;
        solver_vehicle_init(&v);
        v.id = (uint64_t)k + 1;
        v.start = v.end = inst->depot;
        v.capacity[0] = inst->capacity;
        v.shift = shift;
        if ((st = solver_problem_add_vehicle(inst->problem, &v, err)) != LM_OK) return st;
    }
    for (uint32_t i = 0; i < inst->n_nodes; i++) {
        if (i == inst->depot) continue;
        solver_job j;
        solver_job_init(&j);
        solver_tw tw;
        j.id = inst->node_id[i];
        j.location = i;
        j.delivery[0] = inst->demand[i];
        if (inst->ready) {
            double s = (double)inst->scale;
            tw.start_s = (int64_t)ceil(inst->ready[i] * s);
            tw.end_s = (int64_t)floor(inst->due[i] * s);
            if (tw.start_s > tw.end_s)
                return lm_errinfo_set(err, LM_INVALID, "CUSTOMER",
                                      "customer %llu: window [%g, %g] is narrower than 1/%lld",
                                      (unsigned long long)j.id, inst->ready[i], inst->due[i],
                                      (long long)inst->scale);
            j.tws = &tw;
            j.n_tws = 1;
            j.service_s = (int64_t)ceil(inst->service[i] * s);
        }
        if ((st = solver_problem_add_job(inst->problem, &j, err)) != LM_OK) return st;
    }
    return LM_OK;
}

/* Builds the solver problem from the parsed data, per the integer model in instance.h. */
static lm_status instance_build_problem(fmt_instance *inst, lm_errinfo *err) {
    size_t n = inst->n_nodes;
    int32_t *dur = NULL, *dist = NULL;
    solver_problem_opts o;
    solver_problem_opts_init(&o);
    o.n_dims = 1;
    lm_status st = solver_problem_create(&o, &inst->problem);
    if (st != LM_OK) goto fail;
    st = LM_NOMEM;
    dur = lm_reallocarray(NULL, n * n, sizeof *dur);
    if (!dur) goto fail;
    if (inst->format == FMT_INSTANCE_SOLOMON) {
        dist = lm_reallocarray(NULL, n * n, sizeof *dist);
        if (!dist) goto fail;
        double s = (double)inst->scale;
        for (uint32_t a = 0; a < n; a++)
            for (uint32_t b = 0; b < n; b++) {
                double e = euclid(inst, a, b) * s;
                dur[(size_t)a * n + b] = (int32_t)ceil(e);
                dist[(size_t)a * n + b] = (int32_t)llround(e);
            }
    } else if (inst->weights) {
        memcpy(dur, inst->weights, n * n * sizeof *dur);
    } else {
        for (uint32_t a = 0; a < n; a++)
            for (uint32_t b = 0; b < n; b++)
                dur[(size_t)a * n + b] = tsplib_nint(euclid(inst, a, b));
    }
    /* Solomon: costs = distances; CVRPLIB: all three are the same matrix. */
    const int32_t *d2 = dist ? dist : dur;
    st = solver_problem_set_matrix(inst->problem, n, dur, d2, d2, err);
    if (st != LM_OK) goto fail;
    solver_tw shift = {0, SOLVER_TIME_INF};
    if (inst->ready) {
        shift.start_s = (int64_t)ceil(inst->ready[inst->depot] * (double)inst->scale);
        shift.end_s = (int64_t)floor(inst->due[inst->depot] * (double)inst->scale);
    }
    st = instance_add_fleet_and_jobs(inst, shift, err);
fail:
    lm_free(dur);
    lm_free(dist);
    return st;
}

/* ---- Solomon ---- */

/* Reads the next non-blank line and checks that its first token is `word`. */
static lm_status solomon_expect(text_cursor *c, const char *word, const char *what, text_line *l,
                                lm_errinfo *err) {
    if (!cursor_content_line(c, l))
        return fail_at(err, word, c->line_no, "file ends before the %s", what);
    size_t pos = 0, tl;
    const char *t;
    if (!line_token(l, &pos, &t, &tl) || !tok_is(t, tl, word))
        return fail_at(err, word, l->no, "expected the %s (a line starting with %s)", what, word);
    return LM_OK;
}

/* One customer row: CUST NO., XCOORD., YCOORD., DEMAND, READY TIME, DUE DATE, SERVICE TIME. */
static lm_status solomon_row(fmt_instance *inst, size_t i, const text_line *l, lm_errinfo *err) {
    static const char *const names[7] = {"customer number", "x coordinate", "y coordinate",
                                         "demand",          "ready time",   "due date",
                                         "service time"};
    const char *t[7];
    size_t tl[7];
    size_t pos = 0, count = line_count_tokens(l);
    if (count != 7)
        return fail_at(err, "CUSTOMER", l->no,
                       "expected 7 numbers (CUST NO. to SERVICE TIME), found %zu", count);
    double v[7];
    for (int k = 0; k < 7; k++) {
        (void)line_token(l, &pos, &t[k], &tl[k]);
        if (!tok_double(t[k], tl[k], &v[k]))
            return fail_at(err, "CUSTOMER", l->no, "bad number '%.*s' for the %s",
                           tok_show_len(tl[k]), t[k], names[k]);
    }
    int64_t no, demand;
    if (!tok_i64(t[0], tl[0], &no) || no < 0)
        return fail_at(err, "CUSTOMER", l->no, "customer number '%.*s' is not a whole number >= 0",
                       tok_show_len(tl[0]), t[0]);
    if ((uint64_t)no != i)
        return fail_at(err, "CUSTOMER", l->no,
                       "customer number %lld out of sequence (expected %zu)", (long long)no, i);
    for (int k = 1; k <= 2; k++)
        if (fabs(v[k]) > SOLOMON_MAX_COORD)
            return fail_at(err, "CUSTOMER", l->no, "%s %g is outside +-%g", names[k], v[k],
                           SOLOMON_MAX_COORD);
    if (!tok_i64(t[3], tl[3], &demand))
        return fail_at(err, "CUSTOMER", l->no, "demand '%.*s' is not a whole number",
                       tok_show_len(tl[3]), t[3]);
    if (demand < 0)
        return fail_at(err, "CUSTOMER", l->no, "negative demand %lld", (long long)demand);
    if (demand > INSTANCE_MAX_DEMAND)
        return fail_at(err, "CUSTOMER", l->no, "demand %lld is too large", (long long)demand);
    if (i == 0 && demand != 0)
        return fail_at(err, "CUSTOMER", l->no, "the depot (customer 0) has demand %lld, not 0",
                       (long long)demand);
    for (int k = 4; k < 7; k++) {
        if (v[k] < 0) return fail_at(err, "CUSTOMER", l->no, "negative %s %g", names[k], v[k]);
        if (v[k] > SOLOMON_MAX_TIME)
            return fail_at(err, "CUSTOMER", l->no, "%s %g exceeds %g", names[k], v[k],
                           SOLOMON_MAX_TIME);
    }
    if (v[4] > v[5])
        return fail_at(err, "CUSTOMER", l->no, "ready time %g is after the due date %g", v[4],
                       v[5]);
    inst->node_id[i] = (uint64_t)no;
    inst->x[i] = v[1];
    inst->y[i] = v[2];
    inst->demand[i] = demand;
    inst->ready[i] = v[4];
    inst->due[i] = v[5];
    inst->service[i] = v[6];
    return LM_OK;
}

static lm_status solomon_parse(const char *buf, size_t len, fmt_instance *inst, lm_errinfo *err) {
    text_cursor c = {buf, buf + len, 0};
    text_line l;
    lm_status st;
    if (!cursor_content_line(&c, &l)) return fail_at(err, "name", 1, "empty file");
    /* The name line: trimmed, kept whole up to the name's size. */
    size_t s = 0, e = l.len;
    while (s < e && is_space(l.p[s]))
        s++;
    while (e > s && is_space(l.p[e - 1]))
        e--;
    size_t n = e - s < sizeof inst->name ? e - s : sizeof inst->name - 1;
    if (memchr(l.p + s, '\0', n)) return fail_at(err, "name", l.no, "NUL byte in the name");
    memcpy(inst->name, l.p + s, n);
    inst->name[n] = '\0';

    if ((st = solomon_expect(&c, "VEHICLE", "VEHICLE section", &l, err)) != LM_OK) return st;
    if ((st = solomon_expect(&c, "NUMBER", "NUMBER CAPACITY header", &l, err)) != LM_OK) return st;
    if (!cursor_content_line(&c, &l))
        return fail_at(err, "VEHICLE", c.line_no,
                       "file ends before the vehicle number and capacity");
    size_t pos = 0, tl;
    const char *t;
    int64_t vehicles, capacity;
    if (line_count_tokens(&l) != 2)
        return fail_at(err, "VEHICLE", l.no, "expected 2 numbers (vehicle NUMBER and CAPACITY)");
    (void)line_token(&l, &pos, &t, &tl);
    if (!tok_i64(t, tl, &vehicles))
        return fail_at(err, "VEHICLE", l.no, "bad number '%.*s' for the vehicle number",
                       tok_show_len(tl), t);
    if (vehicles < 1 || vehicles > FMT_INSTANCE_MAX_NODES)
        return fail_at(err, "VEHICLE", l.no, "vehicle number %lld is outside 1..%d",
                       (long long)vehicles, FMT_INSTANCE_MAX_NODES);
    (void)line_token(&l, &pos, &t, &tl);
    if (!tok_i64(t, tl, &capacity))
        return fail_at(err, "VEHICLE", l.no, "bad number '%.*s' for the capacity", tok_show_len(tl),
                       t);
    if (capacity < 0 || capacity > INSTANCE_MAX_DEMAND)
        return fail_at(err, "VEHICLE", l.no, "capacity %lld is negative or too large",
                       (long long)capacity);
    if ((st = solomon_expect(&c, "CUSTOMER", "CUSTOMER section", &l, err)) != LM_OK) return st;
    if ((st = solomon_expect(&c, "CUST", "customer header (CUST NO. ...)", &l, err)) != LM_OK)
        return st;

    /* Count the rows first so the arrays are allocated once, within the node limit. */
    text_cursor probe = c;
    size_t rows = 0;
    while (cursor_content_line(&probe, &l))
        if (++rows > FMT_INSTANCE_MAX_NODES)
            return fail_at(err, "CUSTOMER", l.no, "more than %d nodes (depot + customers)",
                           FMT_INSTANCE_MAX_NODES);
    if (rows < 2)
        return fail_at(err, "CUSTOMER", probe.line_no,
                       "expected the depot (customer 0) and at least one customer, found %zu rows",
                       rows);
    if ((st = instance_alloc_nodes(inst, rows, true)) != LM_OK) return st;
    for (size_t i = 0; i < rows; i++) {
        (void)cursor_content_line(&c, &l);
        if ((st = solomon_row(inst, i, &l, err)) != LM_OK) return st;
    }
    inst->format = FMT_INSTANCE_SOLOMON;
    inst->depot = 0;
    inst->n_customers = rows - 1;
    inst->capacity = capacity;
    inst->n_vehicles = (size_t)vehicles;
    inst->fleet_limit = (size_t)vehicles;
    inst->scale = FMT_SOLOMON_SCALE;
    return LM_OK;
}

/* ---- TSPLIB / CVRPLIB ---- */

typedef enum { EW_NONE, EW_EUC_2D, EW_EXPLICIT } edge_weight_type;
typedef enum {
    EWF_NONE,
    EWF_FULL_MATRIX,
    EWF_LOWER_ROW,
    EWF_LOWER_DIAG_ROW,
    EWF_UPPER_ROW,
    EWF_UPPER_DIAG_ROW,
} edge_weight_format;

typedef struct tsplib_state {
    size_t dim; /* 0 until DIMENSION */
    bool have_capacity;
    int64_t capacity, vehicles_kw;
    edge_weight_type ewt;
    edge_weight_format ewf;
    bool have_coords, have_demands, have_depot, have_weights, coords_from_display;
    uint32_t depot;
    size_t dim_line;
} tsplib_state;

/* Splits a "KEY : VALUE" or "KEY VALUE" or "KEY" line into key and trimmed value. */
static void tsplib_split(const text_line *l, const char **key, size_t *key_len, const char **val,
                         size_t *val_len) {
    size_t i = 0;
    while (i < l->len && is_space(l->p[i]))
        i++;
    size_t ks = i;
    while (i < l->len && !is_space(l->p[i]) && l->p[i] != ':')
        i++;
    *key = l->p + ks;
    *key_len = i - ks;
    while (i < l->len && is_space(l->p[i]))
        i++;
    if (i < l->len && l->p[i] == ':') i++;
    while (i < l->len && is_space(l->p[i]))
        i++;
    size_t e = l->len;
    while (e > i && is_space(l->p[e - 1]))
        e--;
    *val = l->p + i;
    *val_len = e - i;
}

/* Reads a keyword's value as one whole number in [min, max]. */
static lm_status tsplib_int_value(const text_line *l, const char *key, const char *val,
                                  size_t val_len, int64_t min, int64_t max, int64_t *out,
                                  lm_errinfo *err) {
    int64_t v;
    if (!tok_i64(val, val_len, &v))
        return fail_at(err, key, l->no, "bad number '%.*s' for %s", tok_show_len(val_len), val,
                       key);
    if (v < min || v > max)
        return fail_at(err, key, l->no, "%s %lld is outside %lld..%lld", key, (long long)v,
                       (long long)min, (long long)max);
    *out = v;
    return LM_OK;
}

/* Reads a node id token, 1..dim. */
static lm_status tsplib_node_id(const text_line *l, const char *section, const char *t, size_t tl,
                                size_t dim, size_t *out, lm_errinfo *err) {
    int64_t id;
    if (!tok_i64(t, tl, &id))
        return fail_at(err, section, l->no, "bad node number '%.*s'", tok_show_len(tl), t);
    if (id < 1 || (uint64_t)id > dim)
        return fail_at(err, section, l->no, "node %lld is outside 1..%zu (DIMENSION)",
                       (long long)id, dim);
    *out = (size_t)id;
    return LM_OK;
}

/* True if a line starts with a number (section data) rather than a keyword. */
static bool line_is_data(const text_line *l) {
    size_t pos = 0, tl;
    const char *t;
    double v;
    return line_token(l, &pos, &t, &tl) && tok_double(t, tl, &v);
}

/* Reads the next data line of a section of `total` items; a keyword line or the end of the
 * file before that means the section was cut short. */
static lm_status tsplib_data_line(text_cursor *c, const char *section, size_t got, size_t total,
                                  const char *what, text_line *l, lm_errinfo *err) {
    if (!cursor_content_line(c, l))
        return fail_at(err, section, c->line_no, "file ends after %zu of %zu %s", got, total, what);
    if (!line_is_data(l))
        return fail_at(err, section, l->no, "%s ends after %zu of %zu %s (DIMENSION)", section, got,
                       total, what);
    return LM_OK;
}

/* One line of a section of DIMENSION lines "id value...". */
typedef struct node_line {
    text_line l;
    size_t pos; /* line_token position after the node id */
    size_t id;  /* 1-based, checked against DIMENSION */
} node_line;

/* Reads item k of a section of DIMENSION lines of `want` tokens (`shape` names them, e.g.
 * "node x y") whose first token is a node id not seen before in the section (marked in seen). */
static lm_status tsplib_node_line(text_cursor *c, const char *section, const tsplib_state *ts,
                                  size_t k, const char *what, size_t want, const char *shape,
                                  bool *seen, node_line *nl, lm_errinfo *err) {
    lm_status st = tsplib_data_line(c, section, k, ts->dim, what, &nl->l, err);
    if (st != LM_OK) return st;
    size_t n = line_count_tokens(&nl->l);
    if (n != want)
        return fail_at(err, section, nl->l.no, "expected %zu numbers (%s), found %zu", want, shape,
                       n);
    size_t tl;
    const char *t;
    nl->pos = 0;
    (void)line_token(&nl->l, &nl->pos, &t, &tl);
    if ((st = tsplib_node_id(&nl->l, section, t, tl, ts->dim, &nl->id, err)) != LM_OK) return st;
    if (seen[nl->id - 1]) return fail_at(err, section, nl->l.no, "node %zu appears twice", nl->id);
    seen[nl->id - 1] = true;
    return LM_OK;
}

/* NODE_COORD_SECTION / DISPLAY_DATA_SECTION: DIMENSION lines "id x y". */
static lm_status tsplib_coords(text_cursor *c, const char *section, tsplib_state *ts,
                               fmt_instance *inst, lm_errinfo *err) {
    bool *seen = lm_calloc(ts->dim, sizeof *seen);
    if (!seen) return LM_NOMEM;
    lm_status st = LM_OK;
    node_line nl;
    for (size_t k = 0; k < ts->dim && st == LM_OK; k++) {
        st = tsplib_node_line(c, section, ts, k, "nodes", 3, "node x y", seen, &nl, err);
        if (st != LM_OK) break;
        size_t tl, id = nl.id;
        const char *t;
        double xy[2];
        for (int a = 0; a < 2 && st == LM_OK; a++) {
            (void)line_token(&nl.l, &nl.pos, &t, &tl);
            if (!tok_double(t, tl, &xy[a]))
                st =
                    fail_at(err, section, nl.l.no, "bad number '%.*s' for node %zu's %c coordinate",
                            tok_show_len(tl), t, id, a ? 'y' : 'x');
            else if (fabs(xy[a]) > CVRP_MAX_COORD)
                st = fail_at(err, section, nl.l.no, "coordinate %g of node %zu is outside +-%g",
                             xy[a], id, CVRP_MAX_COORD);
        }
        if (st != LM_OK) break;
        inst->x[id - 1] = xy[0];
        inst->y[id - 1] = xy[1];
    }
    lm_free(seen);
    return st;
}

/* DEMAND_SECTION: DIMENSION lines "id demand". */
static lm_status tsplib_demands(text_cursor *c, tsplib_state *ts, fmt_instance *inst,
                                lm_errinfo *err) {
    const char *section = "DEMAND_SECTION";
    bool *seen = lm_calloc(ts->dim, sizeof *seen);
    if (!seen) return LM_NOMEM;
    lm_status st = LM_OK;
    node_line nl;
    for (size_t k = 0; k < ts->dim && st == LM_OK; k++) {
        st = tsplib_node_line(c, section, ts, k, "demands", 2, "node demand", seen, &nl, err);
        if (st != LM_OK) break;
        size_t tl, id = nl.id;
        const char *t;
        int64_t d;
        (void)line_token(&nl.l, &nl.pos, &t, &tl);
        if (!tok_i64(t, tl, &d))
            st = fail_at(err, section, nl.l.no, "bad number '%.*s' for node %zu's demand",
                         tok_show_len(tl), t, id);
        else if (d < 0)
            st = fail_at(err, section, nl.l.no, "negative demand %lld for node %zu", (long long)d,
                         id);
        else if (d > INSTANCE_MAX_DEMAND)
            st = fail_at(err, section, nl.l.no, "demand %lld of node %zu is too large",
                         (long long)d, id);
        else
            inst->demand[id - 1] = d;
    }
    lm_free(seen);
    return st;
}

/* DEPOT_SECTION: depot ids terminated by -1; exactly one depot is supported. */
static lm_status tsplib_depot(text_cursor *c, tsplib_state *ts, lm_errinfo *err) {
    const char *section = "DEPOT_SECTION";
    size_t n = 0;
    text_line l;
    while (cursor_content_line(c, &l)) {
        size_t pos = 0, tl;
        const char *t;
        while (line_token(&l, &pos, &t, &tl)) {
            int64_t v;
            if (!tok_i64(t, tl, &v))
                return fail_at(err, section, l.no,
                               "'%.*s' is not a node number (the section must end with -1)",
                               tok_show_len(tl), t);
            if (v == -1) {
                if (line_token(&l, &pos, &t, &tl))
                    return fail_at(err, section, l.no, "unexpected '%.*s' after -1",
                                   tok_show_len(tl), t);
                if (n == 0) return fail_at(err, section, l.no, "no depot before -1");
                return LM_OK;
            }
            size_t id = 0;
            lm_status st = tsplib_node_id(&l, section, t, tl, ts->dim, &id, err);
            if (st != LM_OK) return st;
            if (++n > 1) return fail_at(err, section, l.no, "more than one depot is not supported");
            ts->depot = (uint32_t)(id - 1);
        }
    }
    return fail_at(err, section, c->line_no, "file ends before the -1 that closes DEPOT_SECTION");
}

/* EDGE_WEIGHT_SECTION: the EDGE_WEIGHT_FORMAT's numbers, possibly spread over many lines. */
static lm_status tsplib_weights(text_cursor *c, tsplib_state *ts, fmt_instance *inst,
                                size_t section_line, lm_errinfo *err) {
    const char *section = "EDGE_WEIGHT_SECTION";
    size_t n = ts->dim, total;
    lm_status st;
    bool diag = ts->ewf == EWF_LOWER_DIAG_ROW || ts->ewf == EWF_UPPER_DIAG_ROW;
    switch (ts->ewf) {
    case EWF_FULL_MATRIX: total = n * n; break;
    case EWF_LOWER_ROW:
    case EWF_UPPER_ROW: total = n * (n - 1) / 2; break;
    case EWF_LOWER_DIAG_ROW:
    case EWF_UPPER_DIAG_ROW: total = n * (n + 1) / 2; break;
    default:
        return fail_at(err, section, section_line,
                       "EDGE_WEIGHT_FORMAT (FULL_MATRIX, LOWER_ROW, LOWER_DIAG_ROW, UPPER_ROW or "
                       "UPPER_DIAG_ROW) must come before EDGE_WEIGHT_SECTION");
    }
    inst->weights = lm_calloc(n * n, sizeof *inst->weights);
    if (!inst->weights) return LM_NOMEM;
    /* Walk the cells in the format's order: row r, column from col_first(r). */
    size_t r = 0, col = 0, got = 0;
    bool upper = ts->ewf == EWF_UPPER_ROW || ts->ewf == EWF_UPPER_DIAG_ROW;
    if (ts->ewf == EWF_UPPER_ROW) col = 1;
    if (ts->ewf == EWF_LOWER_ROW) r = 1; /* row 0 of a strict lower triangle is empty */
    text_line l;
    while (got < total) {
        if ((st = tsplib_data_line(c, section, got, total, "weights", &l, err)) != LM_OK) return st;
        size_t pos = 0, tl;
        const char *t;
        while (got < total && line_token(&l, &pos, &t, &tl)) {
            int64_t w;
            if (!tok_i64(t, tl, &w))
                return fail_at(err, section, l.no, "bad number '%.*s' (weight %zu of %zu)",
                               tok_show_len(tl), t, got + 1, total);
            if (w < 0 || w > CVRP_MAX_WEIGHT)
                return fail_at(err, section, l.no, "weight %lld is outside 0..%d", (long long)w,
                               CVRP_MAX_WEIGHT);
            inst->weights[r * n + col] = (int32_t)w;
            if (ts->ewf != EWF_FULL_MATRIX) inst->weights[col * n + r] = (int32_t)w;
            got++;
            col++;
            size_t row_end = (ts->ewf == EWF_FULL_MATRIX || upper) ? n : (diag ? r + 1 : r);
            if (col >= row_end) {
                r++;
                col = (ts->ewf == EWF_FULL_MATRIX || !upper) ? 0 : (diag ? r : r + 1);
            }
        }
        if (got == total && line_token(&l, &pos, &t, &tl))
            return fail_at(err, section, l.no,
                           "more than the %zu weights EDGE_WEIGHT_FORMAT implies", total);
    }
    return LM_OK;
}

/* The fleet rule of instance.h: "X-" names are free; else "-kN" in the name; else VEHICLES. */
static size_t tsplib_fleet(const fmt_instance *inst, int64_t vehicles_kw) {
    if (strncmp(inst->name, "X-", 2) != 0) {
        for (const char *p = strstr(inst->name, "-k"); p; p = strstr(p + 1, "-k")) {
            size_t k = 0, digits = 0;
            for (const char *q = p + 2; *q >= '0' && *q <= '9' && digits < 6; q++, digits++)
                k = k * 10 + (size_t)(*q - '0');
            if (digits > 0 && k > 0) return k;
        }
        if (vehicles_kw > 0) return (size_t)vehicles_kw;
    }
    return 0;
}

static const struct {
    const char *name;
    edge_weight_format f;
} tsplib_formats[] = {
    {"FULL_MATRIX", EWF_FULL_MATRIX},       {"LOWER_ROW", EWF_LOWER_ROW},
    {"LOWER_DIAG_ROW", EWF_LOWER_DIAG_ROW}, {"UPPER_ROW", EWF_UPPER_ROW},
    {"UPPER_DIAG_ROW", EWF_UPPER_DIAG_ROW},
};

/* One "KEY : VALUE" header line. */
static lm_status tsplib_header(const text_line *l, const char *key, size_t key_len, const char *val,
                               size_t val_len, tsplib_state *ts, fmt_instance *inst,
                               lm_errinfo *err) {
    if (tok_is(key, key_len, "NAME")) {
        size_t n = val_len < sizeof inst->name ? val_len : sizeof inst->name - 1;
        if (memchr(val, '\0', n)) return fail_at(err, "NAME", l->no, "NUL byte in the name");
        /* P-n40-k5 says "NAME : P-n40-k5.vrp"; names are matched against bks.csv without it. */
        if (n > 4 && strncasecmp(val + n - 4, ".vrp", 4) == 0) n -= 4;
        memcpy(inst->name, val, n);
        inst->name[n] = '\0';
        return LM_OK;
    }
    if (tok_is(key, key_len, "COMMENT") || tok_is(key, key_len, "DISPLAY_DATA_TYPE")) return LM_OK;
    if (tok_is(key, key_len, "TYPE")) {
        if (!tok_is(val, val_len, "CVRP"))
            return fail_at(err, "TYPE", l->no, "TYPE '%.*s' is not supported (only CVRP)",
                           tok_show_len(val_len), val);
        return LM_OK;
    }
    if (tok_is(key, key_len, "DIMENSION")) {
        int64_t d;
        if (ts->dim) return fail_at(err, "DIMENSION", l->no, "DIMENSION given twice");
        if (!tok_i64(val, val_len, &d))
            return fail_at(err, "DIMENSION", l->no, "bad number '%.*s' for DIMENSION",
                           tok_show_len(val_len), val);
        if (d > FMT_INSTANCE_MAX_NODES)
            return fail_at(err, "DIMENSION", l->no, "DIMENSION %lld is too large (limit %d)",
                           (long long)d, FMT_INSTANCE_MAX_NODES);
        if (d < 2)
            return fail_at(err, "DIMENSION", l->no,
                           "DIMENSION %lld is too small (a depot and at least one customer)",
                           (long long)d);
        ts->dim = (size_t)d;
        ts->dim_line = l->no;
        return instance_alloc_nodes(inst, ts->dim, false);
    }
    if (tok_is(key, key_len, "CAPACITY")) {
        lm_status st = tsplib_int_value(l, "CAPACITY", val, val_len, 0, INSTANCE_MAX_DEMAND,
                                        &ts->capacity, err);
        ts->have_capacity = st == LM_OK;
        return st;
    }
    if (tok_is(key, key_len, "VEHICLES"))
        return tsplib_int_value(l, "VEHICLES", val, val_len, 1, FMT_INSTANCE_MAX_NODES,
                                &ts->vehicles_kw, err);
    if (tok_is(key, key_len, "EDGE_WEIGHT_TYPE")) {
        if (tok_is(val, val_len, "EUC_2D"))
            ts->ewt = EW_EUC_2D;
        else if (tok_is(val, val_len, "EXPLICIT"))
            ts->ewt = EW_EXPLICIT;
        else
            return fail_at(err, "EDGE_WEIGHT_TYPE", l->no,
                           "EDGE_WEIGHT_TYPE '%.*s' is not supported (EUC_2D or EXPLICIT)",
                           tok_show_len(val_len), val);
        return LM_OK;
    }
    if (tok_is(key, key_len, "EDGE_WEIGHT_FORMAT")) {
        if (tok_is(val, val_len, "FUNCTION")) return LM_OK;
        for (size_t i = 0; i < sizeof tsplib_formats / sizeof tsplib_formats[0]; i++)
            if (tok_is(val, val_len, tsplib_formats[i].name)) {
                ts->ewf = tsplib_formats[i].f;
                return LM_OK;
            }
        return fail_at(err, "EDGE_WEIGHT_FORMAT", l->no,
                       "EDGE_WEIGHT_FORMAT '%.*s' is not supported", tok_show_len(val_len), val);
    }
    if (tok_is(key, key_len, "NODE_COORD_TYPE")) {
        if (!tok_is(val, val_len, "TWOD_COORDS"))
            return fail_at(err, "NODE_COORD_TYPE", l->no,
                           "NODE_COORD_TYPE '%.*s' is not supported (TWOD_COORDS)",
                           tok_show_len(val_len), val);
        return LM_OK;
    }
    return fail_at(err, "header", l->no, "unknown or unsupported keyword '%.*s'",
                   tok_show_len(key_len), key);
}

static lm_status tsplib_parse(const char *buf, size_t len, fmt_instance *inst, lm_errinfo *err) {
    text_cursor c = {buf, buf + len, 0};
    tsplib_state ts = {0};
    text_line l;
    lm_status st = LM_OK;
    bool saw_eof = false;
    while (!saw_eof && cursor_content_line(&c, &l)) {
        const char *key, *val;
        size_t key_len, val_len;
        tsplib_split(&l, &key, &key_len, &val, &val_len);
        if (tok_is(key, key_len, "EOF")) {
            saw_eof = true;
            break;
        }
        bool coords = tok_is(key, key_len, "NODE_COORD_SECTION");
        bool display = tok_is(key, key_len, "DISPLAY_DATA_SECTION");
        bool demand = tok_is(key, key_len, "DEMAND_SECTION");
        bool depot = tok_is(key, key_len, "DEPOT_SECTION");
        bool weights = tok_is(key, key_len, "EDGE_WEIGHT_SECTION");
        if (!(coords || display || demand || depot || weights)) {
            if (line_is_data(&l))
                return fail_at(err, "header", l.no, "numbers outside of any section");
            if ((st = tsplib_header(&l, key, key_len, val, val_len, &ts, inst, err)) != LM_OK)
                return st;
            continue;
        }
        char section[32];
        (void)tok_copy(key, key_len, section, sizeof section);
        if (!ts.dim) return fail_at(err, section, l.no, "DIMENSION must come before %s", section);
        if ((coords && ts.have_coords && !ts.coords_from_display) || (demand && ts.have_demands) ||
            (depot && ts.have_depot) || (weights && ts.have_weights))
            return fail_at(err, section, l.no, "%s given twice", section);
        if (coords || display) {
            /* Display coordinates only stand in when there are no node coordinates. */
            if (display && ts.have_coords) {
                double *x = inst->x, *y = inst->y;
                inst->x = lm_calloc(ts.dim, sizeof *x);
                inst->y = lm_calloc(ts.dim, sizeof *y);
                st = inst->x && inst->y ? tsplib_coords(&c, section, &ts, inst, err) : LM_NOMEM;
                lm_free(inst->x);
                lm_free(inst->y);
                inst->x = x;
                inst->y = y;
            } else {
                st = tsplib_coords(&c, section, &ts, inst, err);
                ts.coords_from_display = display;
                ts.have_coords = true;
            }
        } else if (demand) {
            st = tsplib_demands(&c, &ts, inst, err);
            ts.have_demands = true;
        } else if (depot) {
            st = tsplib_depot(&c, &ts, err);
            ts.have_depot = true;
        } else {
            if (ts.ewt != EW_EXPLICIT)
                return fail_at(err, section, l.no,
                               "EDGE_WEIGHT_SECTION needs EDGE_WEIGHT_TYPE : EXPLICIT before it");
            st = tsplib_weights(&c, &ts, inst, l.no, err);
            ts.have_weights = true;
        }
        if (st != LM_OK) return st;
    }
    size_t last = c.line_no;
    if (!ts.dim) return fail_at(err, "DIMENSION", last, "missing DIMENSION");
    if (!ts.have_capacity) return fail_at(err, "CAPACITY", last, "missing CAPACITY");
    if (ts.ewt == EW_NONE)
        return fail_at(err, "EDGE_WEIGHT_TYPE", last, "missing EDGE_WEIGHT_TYPE");
    if (ts.ewt == EW_EUC_2D && (!ts.have_coords || ts.coords_from_display))
        return fail_at(err, "NODE_COORD_SECTION", last, "missing NODE_COORD_SECTION");
    if (ts.ewt == EW_EXPLICIT && !ts.have_weights)
        return fail_at(err, "EDGE_WEIGHT_SECTION", last, "missing EDGE_WEIGHT_SECTION");
    if (!ts.have_demands) return fail_at(err, "DEMAND_SECTION", last, "missing DEMAND_SECTION");
    if (!ts.have_depot) return fail_at(err, "DEPOT_SECTION", last, "missing DEPOT_SECTION");
    if (inst->demand[ts.depot] != 0)
        return fail_at(err, "DEMAND_SECTION", last, "the depot (node %u) has demand %lld, not 0",
                       ts.depot + 1, (long long)inst->demand[ts.depot]);
    if (ts.ewt == EW_EXPLICIT && !ts.have_coords) {
        /* No coordinates at all: the weights are the whole geometry. */
        lm_free(inst->x);
        lm_free(inst->y);
        inst->x = inst->y = NULL;
    }
    for (size_t i = 0; i < ts.dim; i++)
        inst->node_id[i] = (uint64_t)i + 1;
    inst->format = FMT_INSTANCE_CVRPLIB;
    inst->depot = ts.depot;
    inst->n_customers = ts.dim - 1;
    inst->capacity = ts.capacity;
    inst->fleet_limit = tsplib_fleet(inst, ts.vehicles_kw);
    inst->n_vehicles = inst->fleet_limit ? inst->fleet_limit : inst->n_customers;
    inst->scale = 1;
    return LM_OK;
}

/* ---- Public entry points ---- */

/* AUTO: TSPLIB files start with "KEY :" headers or a known keyword; Solomon with a bare name. */
static fmt_instance_format detect_format(const char *buf, size_t len) {
    text_cursor c = {buf, buf + len, 0};
    text_line l;
    if (!cursor_content_line(&c, &l)) return FMT_INSTANCE_SOLOMON;
    const char *key, *val;
    size_t key_len, val_len;
    tsplib_split(&l, &key, &key_len, &val, &val_len);
    static const char *const keys[] = {"NAME",      "TYPE",     "COMMENT",
                                       "DIMENSION", "CAPACITY", "EDGE_WEIGHT_TYPE"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (tok_is(key, key_len, keys[i])) return FMT_INSTANCE_CVRPLIB;
    return memchr(l.p, ':', l.len) ? FMT_INSTANCE_CVRPLIB : FMT_INSTANCE_SOLOMON;
}

lm_status fmt_instance_parse(const char *buf, size_t len, fmt_instance_format fmt,
                             fmt_instance **out, lm_errinfo *err) {
    if (!buf) len = 0;
    if (len > FMT_INSTANCE_MAX_FILE)
        return lm_errinfo_set(err, LM_TOO_BIG, "file", "instance is larger than %u bytes",
                              FMT_INSTANCE_MAX_FILE);
    if (fmt == FMT_INSTANCE_AUTO) fmt = detect_format(buf, len);
    if (fmt != FMT_INSTANCE_SOLOMON && fmt != FMT_INSTANCE_CVRPLIB)
        return lm_errinfo_set(err, LM_INVALID, "format", "unknown instance format %d", (int)fmt);
    fmt_instance *inst = lm_calloc(1, sizeof *inst);
    if (!inst) return LM_NOMEM;
    lm_status st = fmt == FMT_INSTANCE_SOLOMON ? solomon_parse(buf, len, inst, err)
                                               : tsplib_parse(buf, len, inst, err);
    if (st == LM_OK) st = instance_build_problem(inst, err);
    if (st != LM_OK) goto fail;
    *out = inst;
    return LM_OK;
fail:
    if (st == LM_NOMEM) lm_errinfo_set(err, LM_NOMEM, "", "out of memory reading the instance");
    fmt_instance_destroy(inst);
    return st;
}

lm_status fmt_instance_read_file(const char *path, fmt_instance_format fmt, fmt_instance **out,
                                 lm_errinfo *err) {
    char *text = NULL;
    size_t len = 0;
    fmt_instance *inst = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return lm_errinfo_set(err, LM_IO, "path", "cannot open %s: %s", path, strerror(errno));
    lm_status st = lm_buf_read_stream(f, FMT_INSTANCE_MAX_FILE, &text, &len);
    fclose(f);
    if (st == LM_TOO_BIG)
        return lm_errinfo_set(err, st, "path", "%s is larger than %u bytes", path,
                              FMT_INSTANCE_MAX_FILE);
    if (st == LM_IO) return lm_errinfo_set(err, LM_IO, "path", "cannot read %s", path);
    if (st != LM_OK) return st;
    if ((st = fmt_instance_parse(text, len, fmt, &inst, err)) != LM_OK) goto fail;
    if (inst->name[0] == '\0') {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        const char *dot = strrchr(base, '.');
        size_t bl = dot && dot != base ? (size_t)(dot - base) : strlen(base);
        if (bl >= sizeof inst->name) bl = sizeof inst->name - 1;
        memcpy(inst->name, base, bl);
        inst->name[bl] = '\0';
    }
    *out = inst;
fail:
    lm_free(text);
    return st;
}

/* ---- Costs in the benchmark convention ---- */

double fmt_instance_edge_cost(const fmt_instance *inst, uint32_t a, uint32_t b) {
    if (a >= inst->n_nodes || b >= inst->n_nodes) return NAN;
    if (inst->weights) return inst->weights[(size_t)a * inst->n_nodes + b];
    double d = euclid(inst, a, b);
    return inst->format == FMT_INSTANCE_SOLOMON ? d : (double)tsplib_nint(d);
}

double fmt_instance_route_cost(const fmt_instance *inst, const uint32_t *locations, size_t n) {
    if (n == 0) return 0.0;
    double sum = fmt_instance_edge_cost(inst, inst->depot, locations[0]);
    for (size_t i = 1; i < n; i++)
        sum += fmt_instance_edge_cost(inst, locations[i - 1], locations[i]);
    return sum + fmt_instance_edge_cost(inst, locations[n - 1], inst->depot);
}

double fmt_instance_cost(const fmt_instance *inst, const solver_solution *s) {
    double sum = 0.0;
    for (size_t r = 0; r < s->n_routes; r++) {
        uint32_t prev = SOLVER_NONE;
        for (size_t k = 0; k < s->routes[r].n_steps; k++) {
            uint32_t loc = s->routes[r].steps[k].location;
            if (loc == SOLVER_NONE) continue;
            if (prev != SOLVER_NONE) sum += fmt_instance_edge_cost(inst, prev, loc);
            prev = loc;
        }
    }
    return sum;
}
