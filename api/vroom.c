/* VROOM JSON at the edge: parses a VROOM problem (jobs, shipments, vehicles, matrices) into a
 * solver_problem, and writes a solver_solution back in VROOM's output shape. */
#include "api/api.h"
#include "geo/geo.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ID        (INT64_C(1) << 53) /* ids travel as JSON numbers: exact up to 2^53 */
#define MAX_AMOUNT    (INT64_C(1) << 40) /* the builder's bound on amounts and capacities */
#define MAX_STEPS     1000               /* vehicle steps */
#define PATH_LEN      96                 /* = sizeof(lm_errinfo.field) */
#define DEFAULT_PROF  "car"
#define PROFILE_CHARS 64

/* ---- The parsed input ---- */

/* Where a task or vehicle end is: a matrix index and, when given, its coordinates. */
typedef struct vroom_loc {
    bool present;
    bool has_coord;
    bool has_index;
    uint32_t index; /* matrix index once resolved */
    double lon, lat;
} vroom_loc;

typedef struct vroom_task {
    uint64_t id;
    const char *description; /* NULL when absent; arena memory */
    vroom_loc loc;
    int64_t delivery[SOLVER_MAX_DIMS]; /* what the route's delivery/pickup totals add up */
    int64_t pickup[SOLVER_MAX_DIMS];
} vroom_task;

typedef struct vroom_break {
    uint64_t id;
    const char *description;
} vroom_break;

typedef struct vroom_vehicle {
    uint64_t id;
    const char *description;
    vroom_loc start, end;
    vroom_break *breaks;
    size_t n_breaks;
    solver_task_ref *steps; /* the vehicle's job/pickup/delivery/break steps, in order */
    size_t n_steps;
} vroom_vehicle;

struct api_vroom_input {
    lm_arena *arena; /* every pointer below lives here */
    solver_problem *problem;
    bool borrowed; /* problem belongs to an api_instance */
    uint32_t n_dims;
    vroom_task *jobs;
    size_t n_jobs;
    vroom_task *pickups, *deliveries; /* per shipment */
    size_t n_shipments;
    vroom_vehicle *vehicles;
    size_t n_vehicles;
    size_t n_locations;   /* matrix side */
    vroom_loc *index_loc; /* per matrix index: its coordinates when some input gave them */
    bool index_based;     /* locations came as matrix indices (echo location_index) */
    bool has_distances;   /* distances known: report them */
    int64_t loading_ms;   /* parse and build */
    int64_t routing_ms;   /* matrix computation */
};

void api_vroom_opts_init(api_vroom_opts *o) {
    memset(o, 0, sizeof *o);
    o->max_bytes = 32u << 20;
    o->max_jobs = 20000;
    o->max_shipments = 10000;
    o->max_vehicles = 2000;
    o->max_locations = 10000;
    o->max_string = 1024;
}

void api_vroom_input_destroy(api_vroom_input *in) {
    if (!in) return;
    if (!in->borrowed) solver_problem_destroy(in->problem);
    lm_arena_destroy(in->arena);
    lm_free(in);
}

const solver_problem *api_vroom_input_problem(const api_vroom_input *in) {
    return in->problem;
}

bool api_vroom_input_has_steps(const api_vroom_input *in) {
    for (size_t i = 0; i < in->n_vehicles; i++)
        if (in->vehicles[i].n_steps) return true;
    return false;
}

int api_vroom_code(lm_status st) {
    switch (st) {
    case LM_OK: return API_VROOM_OK;
    case LM_INVALID:
    case LM_TOO_BIG:
    case LM_NOT_FOUND:
    case LM_CONFLICT: return API_VROOM_INPUT;
    case LM_ROUTING:
    case LM_UNAVAILABLE: return API_VROOM_ROUTING;
    default: return API_VROOM_INTERNAL;
    }
}

/* ---- Parse context and typed field readers ---- */

typedef struct pctx {
    const api_vroom_opts *o;
    api_vroom_input *in;
    lm_errinfo *err;
    int dims;            /* amount dimensions, fixed by vehicles[0].capacity */
    const char *profile; /* the one routing profile */
    size_t n_matrix;     /* side of the given matrix, 0 when none */
    bool costs_matrix;   /* a costs matrix was given */
    /* Per task: 1 + the vehicle whose steps hold it, 0 when none (a task is fixed once). */
    uint32_t *fixed_job, *fixed_pickup, *fixed_delivery;
} pctx;

/* snprintf for paths and messages, where truncating a long path is acceptable (and -O2's
 * -Wformat-truncation would otherwise flag every call). */
static void fmt_bounded(char *dst, size_t size, const char *fmt, ...) LM_PRINTF(3, 4);
static void fmt_bounded(char *dst, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

static void path_key(char *dst, const char *parent, const char *key) {
    fmt_bounded(dst, PATH_LEN, "%s%s%s", parent, *parent ? "." : "", key);
}

static void path_idx(char *dst, const char *parent, size_t i) {
    fmt_bounded(dst, PATH_LEN, "%s[%zu]", parent, i);
}

static void *arena_array(pctx *c, size_t n, size_t size) {
    if (n == 0) return NULL;
    if (n > SIZE_MAX / size) return NULL;
    return lm_arena_alloc(c->in->arena, n * size);
}

static lm_status nomem(pctx *c) {
    return lm_errinfo_set(c->err, LM_NOMEM, "", "out of memory while reading the problem");
}

static const cJSON *get(const cJSON *obj, const char *key) {
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Reads an integer-valued JSON number in [min, max]. */
static lm_status read_int_item(pctx *c, const cJSON *it, const char *path, int64_t min, int64_t max,
                               int64_t *out) {
    if (!cJSON_IsNumber(it)) return lm_errinfo_set(c->err, LM_INVALID, path, "must be a number");
    double d = it->valuedouble;
    if (!isfinite(d)) return lm_errinfo_set(c->err, LM_INVALID, path, "must be a finite number");
    if (d != floor(d)) return lm_errinfo_set(c->err, LM_INVALID, path, "must be an integer");
    if (d < (double)min || d > (double)max)
        return lm_errinfo_set(c->err, LM_INVALID, path, "%.17g is outside %lld..%lld", d,
                              (long long)min, (long long)max);
    *out = (int64_t)d;
    return LM_OK;
}

/* Optional integer field: *out keeps its default when the key is absent. */
static lm_status read_int(pctx *c, const cJSON *obj, const char *key, const char *parent,
                          int64_t min, int64_t max, int64_t *out) {
    const cJSON *it = get(obj, key);
    if (!it) return LM_OK;
    char path[PATH_LEN];
    path_key(path, parent, key);
    return read_int_item(c, it, path, min, max, out);
}

static lm_status read_id(pctx *c, const cJSON *obj, const char *parent, uint64_t *out) {
    const cJSON *it = get(obj, "id");
    char path[PATH_LEN];
    path_key(path, parent, "id");
    if (!it) return lm_errinfo_set(c->err, LM_INVALID, path, "is required");
    int64_t v = 0;
    lm_status st = read_int_item(c, it, path, 0, MAX_ID, &v);
    if (st == LM_OK) *out = (uint64_t)v;
    return st;
}

static bool utf8_valid(const unsigned char *s) {
    while (*s) {
        if (*s < 0x80) {
            s++;
            continue;
        }
        size_t n = (*s & 0xE0) == 0xC0 ? 1 : (*s & 0xF0) == 0xE0 ? 2 : (*s & 0xF8) == 0xF0 ? 3 : 0;
        if (n == 0 || (n == 1 && *s < 0xC2) || (n == 3 && *s > 0xF4)) return false;
        for (size_t k = 1; k <= n; k++)
            if ((s[k] & 0xC0) != 0x80) return false;
        s += n + 1;
    }
    return true;
}

/* Optional string field copied into the arena (*out NULL when absent). */
static lm_status read_string(pctx *c, const cJSON *obj, const char *key, const char *parent,
                             const char **out) {
    const cJSON *it = get(obj, key);
    *out = NULL;
    if (!it) return LM_OK;
    char path[PATH_LEN];
    path_key(path, parent, key);
    if (!cJSON_IsString(it) || !it->valuestring)
        return lm_errinfo_set(c->err, LM_INVALID, path, "must be a string");
    size_t len = strlen(it->valuestring);
    if (len > c->o->max_string)
        return lm_errinfo_set(c->err, LM_TOO_BIG, path, "is longer than %zu bytes",
                              c->o->max_string);
    if (!utf8_valid((const unsigned char *)it->valuestring))
        return lm_errinfo_set(c->err, LM_INVALID, path, "is not valid UTF-8");
    char *s = lm_arena_strndup(c->in->arena, it->valuestring, len);
    if (!s) return nomem(c);
    *out = s;
    return LM_OK;
}

/* An optional array field: *arr NULL when absent, else an array of at most max items. */
static lm_status read_array(pctx *c, const cJSON *obj, const char *key, const char *parent,
                            size_t max, const cJSON **arr, size_t *n) {
    const cJSON *it = get(obj, key);
    *arr = NULL;
    *n = 0;
    if (!it) return LM_OK;
    char path[PATH_LEN];
    path_key(path, parent, key);
    if (!cJSON_IsArray(it)) return lm_errinfo_set(c->err, LM_INVALID, path, "must be an array");
    size_t k = 0;
    for (const cJSON *e = it->child; e; e = e->next)
        if (++k > max)
            return lm_errinfo_set(c->err, LM_TOO_BIG, path, "has more than %zu entries", max);
    *arr = it;
    *n = k;
    return LM_OK;
}

/* An amount array (delivery, pickup, capacity, ...): dims entries in 0..2^40. */
static lm_status read_amount(pctx *c, const cJSON *obj, const char *key, const char *parent,
                             int64_t out[SOLVER_MAX_DIMS]) {
    const cJSON *arr;
    size_t n;
    lm_status st = read_array(c, obj, key, parent, SOLVER_MAX_DIMS * 4, &arr, &n);
    if (st != LM_OK || !arr) return st;
    char path[PATH_LEN], ipath[PATH_LEN];
    path_key(path, parent, key);
    if ((int)n != c->dims)
        return lm_errinfo_set(c->err, LM_INVALID, path,
                              "has %zu dimensions but vehicles[0].capacity has %d", n, c->dims);
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        path_idx(ipath, path, i);
        if ((st = read_int_item(c, e, ipath, 0, MAX_AMOUNT, &out[i])) != LM_OK) {
            if (cJSON_IsNumber(e) && e->valuedouble < 0)
                lm_errinfo_set(c->err, LM_INVALID, ipath, "amounts must be >= 0");
            return st;
        }
    }
    return LM_OK;
}

static lm_status read_skills(pctx *c, const cJSON *obj, const char *parent, const uint32_t **out,
                             size_t *n_out) {
    const cJSON *arr;
    size_t n;
    lm_status st = read_array(c, obj, "skills", parent, SOLVER_MAX_SKILLS, &arr, &n);
    *out = NULL;
    *n_out = 0;
    if (st != LM_OK || !arr || n == 0) return st;
    uint32_t *s = arena_array(c, n, sizeof *s);
    if (!s) return nomem(c);
    char path[PATH_LEN], ipath[PATH_LEN];
    path_key(path, parent, "skills");
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        int64_t v = 0;
        path_idx(ipath, path, i);
        if ((st = read_int_item(c, e, ipath, 0, UINT32_MAX, &v)) != LM_OK) return st;
        s[i] = (uint32_t)v;
    }
    *out = s;
    *n_out = n;
    return LM_OK;
}

/* One [start, end] pair. */
static lm_status read_tw(pctx *c, const cJSON *it, const char *path, solver_tw *out) {
    if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2)
        return lm_errinfo_set(c->err, LM_INVALID, path, "must be a [start, end] array");
    int64_t a = 0, b = 0;
    lm_status st = read_int_item(c, it->child, path, 0, SOLVER_TIME_INF, &a);
    if (st == LM_OK) st = read_int_item(c, it->child->next, path, 0, SOLVER_TIME_INF, &b);
    if (st != LM_OK) return st;
    if (a > b)
        return lm_errinfo_set(c->err, LM_INVALID, path, "starts (%lld) after it ends (%lld)",
                              (long long)a, (long long)b);
    out->start_s = a;
    out->end_s = b;
    return LM_OK;
}

static lm_status read_tws(pctx *c, const cJSON *obj, const char *parent, const solver_tw **out,
                          size_t *n_out) {
    const cJSON *arr;
    size_t n;
    lm_status st = read_array(c, obj, "time_windows", parent, SOLVER_MAX_TWS, &arr, &n);
    *out = NULL;
    *n_out = 0;
    if (st != LM_OK || !arr) return st;
    char path[PATH_LEN], ipath[PATH_LEN];
    path_key(path, parent, "time_windows");
    if (n == 0) return lm_errinfo_set(c->err, LM_INVALID, path, "must not be empty");
    solver_tw *w = arena_array(c, n, sizeof *w);
    if (!w) return nomem(c);
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        path_idx(ipath, path, i);
        if ((st = read_tw(c, e, ipath, &w[i])) != LM_OK) return st;
    }
    *out = w;
    *n_out = n;
    return LM_OK;
}

/* `location` ([lon, lat]) and/or `index_key` (a matrix index); *loc untouched if both absent. */
static lm_status read_loc(pctx *c, const cJSON *obj, const char *key, const char *index_key,
                          const char *parent, vroom_loc *loc) {
    char path[PATH_LEN];
    const cJSON *it = get(obj, key);
    memset(loc, 0, sizeof *loc);
    if (it) {
        path_key(path, parent, key);
        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 || !cJSON_IsNumber(it->child) ||
            !cJSON_IsNumber(it->child->next))
            return lm_errinfo_set(c->err, LM_INVALID, path, "must be a [lon, lat] array");
        double lon = it->child->valuedouble, lat = it->child->next->valuedouble;
        if (!(lon >= -180.0 && lon <= 180.0 && lat >= -90.0 && lat <= 90.0))
            return lm_errinfo_set(c->err, LM_INVALID, path,
                                  "[%g, %g] is not a [lon, lat] in degrees", lon, lat);
        loc->present = loc->has_coord = true;
        loc->lon = lon;
        loc->lat = lat;
    }
    it = get(obj, index_key);
    if (it) {
        int64_t v = 0;
        path_key(path, parent, index_key);
        lm_status st = read_int_item(c, it, path, 0, (int64_t)c->o->max_locations - 1, &v);
        if (st != LM_OK) return st;
        loc->present = loc->has_index = true;
        loc->index = (uint32_t)v;
    }
    return LM_OK;
}

static lm_status require_object(pctx *c, const cJSON *it, const char *path) {
    if (!cJSON_IsObject(it)) return lm_errinfo_set(c->err, LM_INVALID, path, "must be an object");
    return LM_OK;
}

/* Keys we know but cannot honour are refused rather than silently ignored. */
static lm_status refuse(pctx *c, const cJSON *obj, const char *key, const char *parent) {
    if (!get(obj, key)) return LM_OK;
    char path[PATH_LEN];
    path_key(path, parent, key);
    return lm_errinfo_set(c->err, LM_INVALID, path, "is not supported by lastmile");
}

/* ---- Tasks ---- */

/* Fields shared by a job and a shipment step. */
static lm_status read_task_common(pctx *c, const cJSON *obj, const char *path, vroom_task *t,
                                  int64_t *setup, int64_t *service, const solver_tw **tws,
                                  size_t *n_tws) {
    lm_status st = require_object(c, obj, path);
    if (st == LM_OK) st = read_id(c, obj, path, &t->id);
    if (st == LM_OK) st = read_string(c, obj, "description", path, &t->description);
    if (st == LM_OK) st = read_loc(c, obj, "location", "location_index", path, &t->loc);
    if (st == LM_OK && !t->loc.present)
        st = lm_errinfo_set(c->err, LM_INVALID, path, "needs a location or a location_index");
    if (st == LM_OK) st = read_int(c, obj, "setup", path, 0, SOLVER_TIME_INF, setup);
    if (st == LM_OK) st = read_int(c, obj, "service", path, 0, SOLVER_TIME_INF, service);
    if (st == LM_OK) st = read_tws(c, obj, path, tws, n_tws);
    if (st == LM_OK) st = refuse(c, obj, "setup_per_type", path);
    if (st == LM_OK) st = refuse(c, obj, "service_per_type", path);
    return st;
}

static lm_status read_priority(pctx *c, const cJSON *obj, const char *path, uint32_t *out) {
    int64_t v = 0;
    lm_status st = read_int(c, obj, "priority", path, 0, 100, &v);
    if (st == LM_OK) *out = (uint32_t)v;
    return st;
}

static lm_status read_job(pctx *c, const cJSON *obj, size_t i, solver_job *j, vroom_task *t) {
    char path[PATH_LEN];
    path_idx(path, "jobs", i);
    solver_job_init(j);
    lm_status st =
        read_task_common(c, obj, path, t, &j->setup_s, &j->service_s, &j->tws, &j->n_tws);
    if (st != LM_OK) return st;
    j->id = t->id;
    if (get(obj, "amount") && get(obj, "delivery")) {
        char p2[PATH_LEN];
        path_key(p2, path, "amount");
        return lm_errinfo_set(c->err, LM_INVALID, p2, "give either amount or delivery, not both");
    }
    if ((st = read_amount(c, obj, "amount", path, j->delivery)) != LM_OK) return st;
    if ((st = read_amount(c, obj, "delivery", path, j->delivery)) != LM_OK) return st;
    if ((st = read_amount(c, obj, "pickup", path, j->pickup)) != LM_OK) return st;
    if ((st = read_skills(c, obj, path, &j->skills, &j->n_skills)) != LM_OK) return st;
    if ((st = read_priority(c, obj, path, &j->priority)) != LM_OK) return st;
    memcpy(t->delivery, j->delivery, sizeof t->delivery);
    memcpy(t->pickup, j->pickup, sizeof t->pickup);
    return LM_OK;
}

static lm_status read_shipment(pctx *c, const cJSON *obj, size_t i, solver_shipment *s,
                               vroom_task *pt, vroom_task *dt) {
    char path[PATH_LEN], sub[PATH_LEN];
    path_idx(path, "shipments", i);
    solver_shipment_init(s);
    lm_status st = require_object(c, obj, path);
    if (st != LM_OK) return st;
    path_key(sub, path, "pickup");
    const cJSON *p = get(obj, "pickup"), *d = get(obj, "delivery");
    if (!p) return lm_errinfo_set(c->err, LM_INVALID, sub, "is required");
    st = read_task_common(c, p, sub, pt, &s->pickup.setup_s, &s->pickup.service_s, &s->pickup.tws,
                          &s->pickup.n_tws);
    if (st != LM_OK) return st;
    path_key(sub, path, "delivery");
    if (!d) return lm_errinfo_set(c->err, LM_INVALID, sub, "is required");
    st = read_task_common(c, d, sub, dt, &s->delivery.setup_s, &s->delivery.service_s,
                          &s->delivery.tws, &s->delivery.n_tws);
    if (st != LM_OK) return st;
    s->pickup.id = pt->id;
    s->delivery.id = dt->id;
    if ((st = read_amount(c, obj, "amount", path, s->amount)) != LM_OK) return st;
    if ((st = read_skills(c, obj, path, &s->skills, &s->n_skills)) != LM_OK) return st;
    if ((st = read_priority(c, obj, path, &s->priority)) != LM_OK) return st;
    memcpy(pt->pickup, s->amount, sizeof pt->pickup);
    memcpy(dt->delivery, s->amount, sizeof dt->delivery);
    return LM_OK;
}

/* ---- Ids: duplicates and lookups ---- */

typedef struct id_entry {
    uint64_t id;
    uint32_t index;
} id_entry;

static int cmp_id_entry(const void *a, const void *b) {
    const id_entry *x = a, *y = b;
    if (x->id != y->id) return x->id < y->id ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Sorted (id, index) table over tasks; reports the first duplicate as "<what>[i].<sub>id". */
static lm_status id_table(pctx *c, const vroom_task *tasks, size_t n, const char *what,
                          const char *sub, id_entry **out) {
    *out = NULL;
    if (n == 0) return LM_OK;
    id_entry *t = arena_array(c, n, sizeof *t);
    if (!t) return nomem(c);
    for (size_t i = 0; i < n; i++) {
        t[i].id = tasks[i].id;
        t[i].index = (uint32_t)i;
    }
    qsort(t, n, sizeof *t, cmp_id_entry);
    for (size_t i = 1; i < n; i++)
        if (t[i].id == t[i - 1].id) {
            char path[PATH_LEN];
            fmt_bounded(path, sizeof path, "%s[%u].%sid", what, t[i].index, sub);
            return lm_errinfo_set(c->err, LM_INVALID, path, "duplicate id %llu (also %s[%u])",
                                  (unsigned long long)t[i].id, what, t[i - 1].index);
        }
    *out = t;
    return LM_OK;
}

static bool id_find(const id_entry *t, size_t n, uint64_t id, uint32_t *index) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].id == id) {
            *index = t[mid].index;
            return true;
        }
        if (t[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

typedef struct id_tables {
    id_entry *jobs, *pickups, *deliveries;
} id_tables;

/* ---- Vehicles ---- */

static lm_status read_break(pctx *c, const cJSON *obj, const char *path, solver_break *b,
                            vroom_break *m) {
    memset(b, 0, sizeof *b);
    lm_status st = require_object(c, obj, path);
    if (st == LM_OK) st = read_id(c, obj, path, &b->id);
    if (st == LM_OK) st = read_string(c, obj, "description", path, &m->description);
    if (st == LM_OK) st = read_tws(c, obj, path, &b->tws, &b->n_tws);
    if (st == LM_OK) st = read_int(c, obj, "service", path, 0, SOLVER_TIME_INF, &b->service_s);
    if (st == LM_OK && get(obj, "max_load")) {
        b->has_max_load = true;
        st = read_amount(c, obj, "max_load", path, b->max_load);
    }
    m->id = b->id;
    return st;
}

static lm_status read_steps(pctx *c, const cJSON *obj, const char *path, uint32_t vehicle,
                            const id_tables *ids, const solver_break *breaks, size_t n_breaks,
                            vroom_vehicle *m) {
    uint64_t breaks_seen = 0; /* at most 64 breaks */
    const cJSON *arr;
    size_t n;
    lm_status st = read_array(c, obj, "steps", path, MAX_STEPS, &arr, &n);
    if (st != LM_OK || !arr || n == 0) return st;
    m->steps = arena_array(c, n, sizeof *m->steps);
    if (!m->steps) return nomem(c);
    char spath[PATH_LEN], ipath[PATH_LEN], tpath[PATH_LEN];
    path_key(spath, path, "steps");
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        path_idx(ipath, spath, i);
        path_key(tpath, ipath, "type");
        if ((st = require_object(c, e, ipath)) != LM_OK) return st;
        const cJSON *type = get(e, "type");
        if (!cJSON_IsString(type) || !type->valuestring)
            return lm_errinfo_set(c->err, LM_INVALID, tpath, "must be a string");
        const char *ty = type->valuestring;
        if (!strcmp(ty, "start") || !strcmp(ty, "end")) continue;
        uint64_t id = 0;
        if ((st = read_id(c, e, ipath, &id)) != LM_OK) return st;
        solver_task_ref r = {SOLVER_STEP_JOB, 0};
        bool found = false;
        if (!strcmp(ty, "job")) {
            found = id_find(ids->jobs, c->in->n_jobs, id, &r.index);
        } else if (!strcmp(ty, "pickup")) {
            r.type = SOLVER_STEP_PICKUP;
            found = id_find(ids->pickups, c->in->n_shipments, id, &r.index);
        } else if (!strcmp(ty, "delivery")) {
            r.type = SOLVER_STEP_DELIVERY;
            found = id_find(ids->deliveries, c->in->n_shipments, id, &r.index);
        } else if (!strcmp(ty, "break")) {
            r.type = SOLVER_STEP_BREAK;
            for (size_t b = 0; b < n_breaks && !found; b++)
                if (breaks[b].id == id) {
                    r.index = (uint32_t)b;
                    found = true;
                }
        } else {
            return lm_errinfo_set(c->err, LM_INVALID, tpath,
                                  "must be start, job, pickup, delivery, break or end");
        }
        if (!found) {
            path_key(tpath, ipath, "id");
            return lm_errinfo_set(c->err, LM_INVALID, tpath, "no %s has id %llu", ty,
                                  (unsigned long long)id);
        }
        uint32_t *owner = r.type == SOLVER_STEP_JOB        ? &c->fixed_job[r.index]
                          : r.type == SOLVER_STEP_PICKUP   ? &c->fixed_pickup[r.index]
                          : r.type == SOLVER_STEP_DELIVERY ? &c->fixed_delivery[r.index]
                                                           : NULL;
        if (owner && *owner)
            return lm_errinfo_set(c->err, LM_INVALID, ipath,
                                  "%s %llu is already a step of "
                                  "vehicles[%u]",
                                  ty, (unsigned long long)id, *owner - 1);
        if (r.type == SOLVER_STEP_BREAK && (breaks_seen >> r.index & 1u))
            return lm_errinfo_set(c->err, LM_INVALID, ipath, "repeats break %llu",
                                  (unsigned long long)id);
        if (r.type == SOLVER_STEP_DELIVERY && c->fixed_pickup[r.index] != vehicle + 1)
            return lm_errinfo_set(c->err, LM_INVALID, ipath,
                                  "delivery %llu comes before its pickup in this vehicle's steps",
                                  (unsigned long long)id);
        if (owner) *owner = vehicle + 1;
        if (r.type == SOLVER_STEP_BREAK) breaks_seen |= UINT64_C(1) << r.index;
        m->steps[m->n_steps++] = r;
    }
    return LM_OK;
}

static lm_status read_costs(pctx *c, const cJSON *obj, const char *path, solver_vehicle *v) {
    const cJSON *costs = get(obj, "costs");
    if (!costs) return LM_OK;
    char cpath[PATH_LEN];
    path_key(cpath, path, "costs");
    lm_status st = require_object(c, costs, cpath);
    if (st == LM_OK) st = read_int(c, costs, "fixed", cpath, 0, MAX_AMOUNT, &v->cost_fixed);
    if (st == LM_OK) st = read_int(c, costs, "per_hour", cpath, 0, 1 << 24, &v->cost_per_hour);
    if (st == LM_OK) st = read_int(c, costs, "per_km", cpath, 0, 1 << 24, &v->cost_per_km);
    const cJSON *pth = get(costs, "per_task_hour");
    if (st == LM_OK && pth && !(cJSON_IsNumber(pth) && pth->valuedouble == 0.0)) {
        char p2[PATH_LEN];
        path_key(p2, cpath, "per_task_hour");
        st = lm_errinfo_set(c->err, LM_INVALID, p2, "is not supported by lastmile (only 0)");
    }
    if (st == LM_OK && c->costs_matrix && (v->cost_per_hour != 3600 || v->cost_per_km != 0))
        st = lm_errinfo_set(c->err, LM_INVALID, cpath,
                            "per_hour and per_km cannot be combined with a costs matrix");
    return st;
}

static lm_status read_limit(pctx *c, const cJSON *obj, const char *key, const char *path,
                            int64_t max, int64_t *out) {
    if (!get(obj, key)) return LM_OK;
    /* VROOM's 0 means "nothing allowed"; the solver's 0 means "no limit": refuse the ambiguity. */
    return read_int(c, obj, key, path, 1, max, out);
}

static lm_status read_vehicle(pctx *c, const cJSON *obj, size_t i, const id_tables *ids,
                              solver_vehicle *v, vroom_vehicle *m) {
    char path[PATH_LEN], sub[PATH_LEN];
    path_idx(path, "vehicles", i);
    solver_vehicle_init(v);
    lm_status st = require_object(c, obj, path);
    if (st == LM_OK) st = read_id(c, obj, path, &m->id);
    if (st == LM_OK) st = read_string(c, obj, "description", path, &m->description);
    if (st == LM_OK) st = read_loc(c, obj, "start", "start_index", path, &m->start);
    if (st == LM_OK) st = read_loc(c, obj, "end", "end_index", path, &m->end);
    if (st != LM_OK) return st;
    if (!m->start.present && !m->end.present)
        return lm_errinfo_set(c->err, LM_INVALID, path, "needs a start or an end (or both)");
    v->id = m->id;
    const cJSON *cap = get(obj, "capacity");
    if (cap || c->dims > 0) {
        path_key(sub, path, "capacity");
        if (!cap) return lm_errinfo_set(c->err, LM_INVALID, sub, "is required: amounts are used");
        if ((st = read_amount(c, obj, "capacity", path, v->capacity)) != LM_OK) return st;
    }
    if ((st = read_skills(c, obj, path, &v->skills, &v->n_skills)) != LM_OK) return st;
    const cJSON *tw = get(obj, "time_window");
    if (tw) {
        path_key(sub, path, "time_window");
        if ((st = read_tw(c, tw, sub, &v->shift)) != LM_OK) return st;
    }
    if ((st = read_costs(c, obj, path, v)) != LM_OK) return st;
    const cJSON *sf = get(obj, "speed_factor");
    if (sf) {
        path_key(sub, path, "speed_factor");
        if (!cJSON_IsNumber(sf) || !(sf->valuedouble > 0.0 && sf->valuedouble <= 5.0))
            return lm_errinfo_set(c->err, LM_INVALID, sub, "must be a number in (0, 5]");
        v->speed_factor = sf->valuedouble;
    }
    int64_t max_tasks = 0;
    if ((st = read_limit(c, obj, "max_tasks", path, UINT32_MAX, &max_tasks)) != LM_OK) return st;
    v->max_tasks = (uint32_t)max_tasks;
    if ((st = read_limit(c, obj, "max_travel_time", path, SOLVER_TIME_INF,
                         &v->max_travel_time_s)) != LM_OK)
        return st;
    if ((st = read_limit(c, obj, "max_distance", path, SOLVER_TIME_INF, &v->max_distance_m)) !=
        LM_OK)
        return st;

    const cJSON *arr;
    size_t n;
    if ((st = read_array(c, obj, "breaks", path, 64, &arr, &n)) != LM_OK) return st;
    if (n) {
        solver_break *b = arena_array(c, n, sizeof *b);
        m->breaks = arena_array(c, n, sizeof *m->breaks);
        if (!b || !m->breaks) return nomem(c);
        char bpath[PATH_LEN], ipath[PATH_LEN];
        path_key(bpath, path, "breaks");
        size_t k = 0;
        for (const cJSON *e = arr->child; e; e = e->next, k++) {
            path_idx(ipath, bpath, k);
            if ((st = read_break(c, e, ipath, &b[k], &m->breaks[k])) != LM_OK) return st;
            for (size_t q = 0; q < k; q++)
                if (b[q].id == b[k].id) {
                    path_key(sub, ipath, "id");
                    return lm_errinfo_set(c->err, LM_INVALID, sub, "duplicate break id %llu",
                                          (unsigned long long)b[k].id);
                }
        }
        v->breaks = b;
        v->n_breaks = n;
        m->n_breaks = n;
    }
    if ((st = read_steps(c, obj, path, (uint32_t)i, ids, v->breaks, v->n_breaks, m)) != LM_OK)
        return st;
    v->fixed_steps = m->steps;
    v->n_fixed_steps = m->n_steps;
    return LM_OK;
}

/* The single routing profile: every vehicle's `profile` (default "car") must be the same. */
static lm_status read_profile(pctx *c, const cJSON *vehicles) {
    size_t i = 0;
    c->profile = DEFAULT_PROF;
    for (const cJSON *e = vehicles->child; e; e = e->next, i++) {
        const cJSON *p = cJSON_IsObject(e) ? get(e, "profile") : NULL;
        char path[PATH_LEN];
        fmt_bounded(path, sizeof path, "vehicles[%zu].profile", i);
        const char *name = DEFAULT_PROF;
        if (p) {
            if (!cJSON_IsString(p) || !p->valuestring || !*p->valuestring ||
                strlen(p->valuestring) > PROFILE_CHARS)
                return lm_errinfo_set(c->err, LM_INVALID, path, "must be a short string");
            name = p->valuestring;
        }
        if (i == 0)
            c->profile = name;
        else if (strcmp(name, c->profile))
            return lm_errinfo_set(c->err, LM_INVALID, path,
                                  "'%s' differs from vehicles[0]'s '%s': lastmile solves one "
                                  "profile per problem",
                                  name, c->profile);
    }
    return LM_OK;
}

/* ---- Matrices ---- */

/* Reads an n x n matrix of non-negative int32 into *out (lm_alloc'd; caller frees). n == 0
 * on entry means "any size", else the side must be n. */
static lm_status read_matrix(pctx *c, const cJSON *m, const char *path, size_t *n, int32_t **out) {
    char rpath[PATH_LEN], cpath[PATH_LEN];
    if (!cJSON_IsArray(m)) return lm_errinfo_set(c->err, LM_INVALID, path, "must be an array");
    size_t rows = 0;
    for (const cJSON *r = m->child; r; r = r->next)
        if (++rows > c->o->max_locations)
            return lm_errinfo_set(c->err, LM_TOO_BIG, path, "has more than %zu rows",
                                  c->o->max_locations);
    if (rows == 0) return lm_errinfo_set(c->err, LM_INVALID, path, "must not be empty");
    if (*n && rows != *n)
        return lm_errinfo_set(c->err, LM_INVALID, path, "has %zu rows, expected %zu like durations",
                              rows, *n);
    /* Check the shape first so that memory follows what the body really holds. */
    size_t i = 0;
    for (const cJSON *r = m->child; r; r = r->next, i++) {
        path_idx(rpath, path, i);
        if (!cJSON_IsArray(r)) return lm_errinfo_set(c->err, LM_INVALID, rpath, "must be an array");
        size_t k = 0;
        for (const cJSON *e = r->child; e && k <= rows; e = e->next)
            k++;
        if (k != rows)
            return lm_errinfo_set(c->err, LM_INVALID, rpath,
                                  "has %s%zu entries but the matrix has %zu rows (it must be "
                                  "square)",
                                  k > rows ? "more than " : "", k > rows ? rows : k, rows);
    }
    int32_t *cells = lm_reallocarray(NULL, rows * rows, sizeof *cells);
    if (!cells) return nomem(c);
    lm_status st = LM_OK;
    i = 0;
    for (const cJSON *r = m->child; r && st == LM_OK; r = r->next, i++) {
        path_idx(rpath, path, i);
        size_t j = 0;
        for (const cJSON *e = r->child; e && st == LM_OK; e = e->next, j++) {
            /* The common case without formatting a path per cell. */
            double d = cJSON_IsNumber(e) ? e->valuedouble : -1.0;
            if (d >= 0.0 && d <= (double)INT32_MAX && d == floor(d)) {
                cells[i * rows + j] = (int32_t)d;
                continue;
            }
            int64_t v = 0;
            path_idx(cpath, rpath, j);
            st = read_int_item(c, e, cpath, 0, INT32_MAX, &v);
            if (st == LM_OK) cells[i * rows + j] = (int32_t)v;
        }
    }
    if (st != LM_OK) {
        lm_free(cells);
        return st;
    }
    *n = rows;
    *out = cells;
    return LM_OK;
}

typedef struct matrices {
    size_t n;
    int32_t *durations, *distances, *costs;
} matrices;

static void matrices_free(matrices *m) {
    lm_free(m->durations);
    lm_free(m->distances);
    lm_free(m->costs);
}

static lm_status read_matrices(pctx *c, const cJSON *root, matrices *m) {
    const cJSON *all = get(root, "matrices"), *legacy = get(root, "matrix");
    char path[PATH_LEN];
    lm_status st;
    memset(m, 0, sizeof *m);
    if (all && legacy)
        return lm_errinfo_set(c->err, LM_INVALID, "matrix", "give matrices or matrix, not both");
    if (legacy) return read_matrix(c, legacy, "matrix", &m->n, &m->durations);
    if (!all) return LM_OK;
    if ((st = require_object(c, all, "matrices")) != LM_OK) return st;
    path_key(path, "matrices", c->profile);
    const cJSON *prof = get(all, c->profile);
    if (!prof)
        return lm_errinfo_set(c->err, LM_INVALID, path, "missing: the vehicles use profile '%s'",
                              c->profile);
    if ((st = require_object(c, prof, path)) != LM_OK) return st;
    char sub[PATH_LEN];
    const cJSON *d = get(prof, "durations"), *dist = get(prof, "distances"),
                *cost = get(prof, "costs");
    path_key(sub, path, "durations");
    if (!d) return lm_errinfo_set(c->err, LM_INVALID, sub, "is required");
    st = read_matrix(c, d, sub, &m->n, &m->durations);
    if (st == LM_OK && dist) {
        path_key(sub, path, "distances");
        st = read_matrix(c, dist, sub, &m->n, &m->distances);
    }
    if (st == LM_OK && cost) {
        path_key(sub, path, "costs");
        st = read_matrix(c, cost, sub, &m->n, &m->costs);
    }
    if (st != LM_OK) matrices_free(m);
    return st;
}

/* ---- Locations ---- */

/* With a matrix, every location needs an index inside it; without one, coordinates. */
static lm_status check_loc(pctx *c, const vroom_loc *l, const char *path, const char *key,
                           const char *index_key) {
    char p[PATH_LEN];
    if (c->n_matrix) {
        path_key(p, path, index_key);
        if (!l->has_index)
            return lm_errinfo_set(c->err, LM_INVALID, p, "is required when matrices are given");
        if (l->index >= c->n_matrix)
            return lm_errinfo_set(c->err, LM_INVALID, p, "%u is outside the %zu x %zu matrix",
                                  l->index, c->n_matrix, c->n_matrix);
        return LM_OK;
    }
    if (l->has_index) {
        path_key(p, path, index_key);
        return lm_errinfo_set(c->err, LM_INVALID, p, "needs matrices (no matrix was given)");
    }
    path_key(p, path, key);
    if (!l->has_coord) return lm_errinfo_set(c->err, LM_INVALID, p, "is required");
    return LM_OK;
}

static int cmp_loc_ptr(const void *a, const void *b) {
    const vroom_loc *x = *(const vroom_loc *const *)a, *y = *(const vroom_loc *const *)b;
    if (x->lon != y->lon) return x->lon < y->lon ? -1 : 1;
    if (x->lat != y->lat) return x->lat < y->lat ? -1 : 1;
    return 0;
}

/* No matrix given: one matrix location per distinct coordinate, routed by geo/. */
static lm_status route_coordinates(pctx *c, vroom_loc **locs, size_t n, matrices *mx) {
    api_vroom_input *in = c->in;
    int64_t t0 = lm_mono_ns();
    geo_matrix_provider *own = NULL, *prov = c->o->matrix_provider;
    geo_matrix *gm = NULL;
    geo_point *pts = NULL;
    lm_status st;
    qsort(locs, n, sizeof *locs, cmp_loc_ptr);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && cmp_loc_ptr(&locs[i - 1], &locs[i]) != 0) u++;
        locs[i]->index = (uint32_t)u;
    }
    u++;
    if (u > c->o->max_locations || u > GEO_MATRIX_MAX_POINTS)
        return lm_errinfo_set(c->err, LM_TOO_BIG, "", "%zu distinct locations; the limit is %zu", u,
                              c->o->max_locations);
    in->index_loc = arena_array(c, u, sizeof *in->index_loc);
    pts = lm_calloc(u, sizeof *pts);
    if (!in->index_loc || !pts) {
        st = nomem(c);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        in->index_loc[locs[i]->index] = *locs[i];
        pts[locs[i]->index] = (geo_point){.lat = locs[i]->lat, .lon = locs[i]->lon};
    }
    if (!prov) {
        geo_matrix_opts go;
        geo_matrix_opts_init(&go);
        if ((st = geo_matrix_provider_create(&go, &own, c->err)) != LM_OK) goto done;
        prov = own;
    }
    if ((st = geo_matrix_compute(prov, pts, u, &gm, c->err)) != LM_OK) {
        if (st != LM_NOMEM && st != LM_TOO_BIG) {
            char why[sizeof c->err->message] = "";
            if (c->err) lm_strlcpy(why, c->err->message, sizeof why);
            st = lm_errinfo_set(c->err, LM_ROUTING, "matrices",
                                "the travel-time matrix could not be computed: %s", why);
        }
        goto done;
    }
    mx->n = u;
    mx->durations = lm_reallocarray(NULL, u * u, sizeof *mx->durations);
    mx->distances = lm_reallocarray(NULL, u * u, sizeof *mx->distances);
    if (!mx->durations || !mx->distances) {
        st = nomem(c);
        goto done;
    }
    memcpy(mx->durations, geo_matrix_durations(gm), u * u * sizeof *mx->durations);
    memcpy(mx->distances, geo_matrix_distances(gm), u * u * sizeof *mx->distances);
    in->has_distances = true;
    st = LM_OK;
done:
    geo_matrix_destroy(gm);
    geo_matrix_provider_destroy(own);
    lm_free(pts);
    in->routing_ms = (lm_mono_ns() - t0) / 1000000;
    return st;
}

/* Checks every location, then maps it to a matrix index: the given one, or one per distinct
 * coordinate when the matrix is computed here (into *mx). */
static lm_status resolve_locations(pctx *c, matrices *mx) {
    api_vroom_input *in = c->in;
    char path[PATH_LEN], sub[PATH_LEN];
    lm_status st = LM_OK;
    size_t cap = in->n_jobs + 2 * in->n_shipments + 2 * in->n_vehicles, n = 0;
    vroom_loc **locs = arena_array(c, cap, sizeof *locs);
    if (!locs) return nomem(c);
#define RESOLVE(loc, p, key, index_key)                                                            \
    do {                                                                                           \
        if (!(loc)->present) break;                                                                \
        if ((st = check_loc(c, (loc), (p), (key), (index_key))) != LM_OK) return st;               \
        locs[n++] = (loc);                                                                         \
    } while (0)
    for (size_t i = 0; i < in->n_jobs; i++) {
        path_idx(path, "jobs", i);
        RESOLVE(&in->jobs[i].loc, path, "location", "location_index");
    }
    for (size_t i = 0; i < in->n_shipments; i++) {
        path_idx(path, "shipments", i);
        path_key(sub, path, "pickup");
        RESOLVE(&in->pickups[i].loc, sub, "location", "location_index");
        path_key(sub, path, "delivery");
        RESOLVE(&in->deliveries[i].loc, sub, "location", "location_index");
    }
    for (size_t i = 0; i < in->n_vehicles; i++) {
        path_idx(path, "vehicles", i);
        RESOLVE(&in->vehicles[i].start, path, "start", "start_index");
        RESOLVE(&in->vehicles[i].end, path, "end", "end_index");
    }
#undef RESOLVE
    if (!c->n_matrix) {
        if ((st = route_coordinates(c, locs, n, mx)) != LM_OK) return st;
        in->n_locations = mx->n;
        return LM_OK;
    }
    /* Given matrix: remember coordinates per index to echo them in the output. */
    in->index_loc = arena_array(c, c->n_matrix, sizeof *in->index_loc);
    if (!in->index_loc) return nomem(c);
    for (size_t i = 0; i < n; i++)
        if (locs[i]->has_coord) in->index_loc[locs[i]->index] = *locs[i];
    in->n_locations = c->n_matrix;
    in->index_based = true;
    return LM_OK;
}

/* ---- The whole document ---- */

/* Builder errors name a field relative to the task; prefix it with the task's path. */
static lm_status builder_error(pctx *c, lm_status st, const char *prefix) {
    if (c->err && st != LM_NOMEM) {
        char field[PATH_LEN];
        fmt_bounded(field, sizeof field, "%s%s%s", prefix, c->err->field[0] ? "." : "",
                    c->err->field);
        lm_strlcpy(c->err->field, field, sizeof c->err->field);
    } else if (st == LM_NOMEM) {
        nomem(c);
    }
    return st;
}

static lm_status parse_doc(pctx *c, const cJSON *root) {
    api_vroom_input *in = c->in;
    lm_status st;
    matrices mx = {0};
    solver_job *sjobs = NULL;
    solver_shipment *sships = NULL;
    solver_vehicle *svehs = NULL;
    if (!cJSON_IsObject(root))
        return lm_errinfo_set(c->err, LM_INVALID, "", "the problem must be a JSON object");

    const cJSON *jobs, *ships, *vehs;
    size_t nj, ns, nv;
    if ((st = read_array(c, root, "jobs", "", c->o->max_jobs, &jobs, &nj)) != LM_OK) return st;
    if ((st = read_array(c, root, "shipments", "", c->o->max_shipments, &ships, &ns)) != LM_OK)
        return st;
    if ((st = read_array(c, root, "vehicles", "", c->o->max_vehicles, &vehs, &nv)) != LM_OK)
        return st;
    if (!vehs || nv == 0)
        return lm_errinfo_set(c->err, LM_INVALID, "vehicles", "at least one vehicle is required");
    if (!jobs && !ships)
        return lm_errinfo_set(c->err, LM_INVALID, "jobs", "give jobs, shipments or both");

    /* Dimensions come from vehicles[0].capacity; everything else must match it. */
    const cJSON *cap0 = cJSON_IsObject(vehs->child) ? get(vehs->child, "capacity") : NULL;
    c->dims = cJSON_IsArray(cap0) ? cJSON_GetArraySize(cap0) : 0;
    if (c->dims > SOLVER_MAX_DIMS)
        return lm_errinfo_set(c->err, LM_INVALID, "vehicles[0].capacity",
                              "has %d dimensions; at most %d are supported", c->dims,
                              SOLVER_MAX_DIMS);
    in->n_dims = (uint32_t)c->dims;
    if ((st = read_profile(c, vehs)) != LM_OK) return st;
    if ((st = read_matrices(c, root, &mx)) != LM_OK) return st;
    c->n_matrix = mx.n;
    c->costs_matrix = mx.costs != NULL;
    in->has_distances = mx.distances != NULL;

    in->n_jobs = nj;
    in->n_shipments = ns;
    in->n_vehicles = nv;
    in->jobs = arena_array(c, nj, sizeof *in->jobs);
    in->pickups = arena_array(c, ns, sizeof *in->pickups);
    in->deliveries = arena_array(c, ns, sizeof *in->deliveries);
    in->vehicles = arena_array(c, nv, sizeof *in->vehicles);
    if (nj) sjobs = lm_calloc(nj, sizeof *sjobs);
    if (ns) sships = lm_calloc(ns, sizeof *sships);
    svehs = lm_calloc(nv, sizeof *svehs);
    if ((nj && (!in->jobs || !sjobs)) || (ns && (!in->pickups || !in->deliveries || !sships)) ||
        !in->vehicles || !svehs) {
        st = nomem(c);
        goto fail;
    }
    size_t i = 0;
    for (const cJSON *e = jobs ? jobs->child : NULL; e; e = e->next, i++)
        if ((st = read_job(c, e, i, &sjobs[i], &in->jobs[i])) != LM_OK) goto fail;
    i = 0;
    for (const cJSON *e = ships ? ships->child : NULL; e; e = e->next, i++)
        if ((st = read_shipment(c, e, i, &sships[i], &in->pickups[i], &in->deliveries[i])) != LM_OK)
            goto fail;
    c->fixed_job = arena_array(c, nj, sizeof *c->fixed_job);
    c->fixed_pickup = arena_array(c, ns, sizeof *c->fixed_pickup);
    c->fixed_delivery = arena_array(c, ns, sizeof *c->fixed_delivery);
    if ((nj && !c->fixed_job) || (ns && (!c->fixed_pickup || !c->fixed_delivery))) {
        st = nomem(c);
        goto fail;
    }
    id_tables ids;
    if ((st = id_table(c, in->jobs, nj, "jobs", "", &ids.jobs)) != LM_OK) goto fail;
    if ((st = id_table(c, in->pickups, ns, "shipments", "pickup.", &ids.pickups)) != LM_OK)
        goto fail;
    if ((st = id_table(c, in->deliveries, ns, "shipments", "delivery.", &ids.deliveries)) != LM_OK)
        goto fail;
    i = 0;
    for (const cJSON *e = vehs->child; e; e = e->next, i++) {
        if ((st = read_vehicle(c, e, i, &ids, &svehs[i], &in->vehicles[i])) != LM_OK) goto fail;
        for (size_t k = 0; k < i; k++)
            if (in->vehicles[k].id == in->vehicles[i].id) {
                char path[PATH_LEN];
                fmt_bounded(path, sizeof path, "vehicles[%zu].id", i);
                st = lm_errinfo_set(c->err, LM_INVALID, path,
                                    "duplicate id %llu (also vehicles[%zu])",
                                    (unsigned long long)in->vehicles[i].id, k);
                goto fail;
            }
    }
    if ((st = resolve_locations(c, &mx)) != LM_OK) goto fail;

    /* Everything is read and consistent: hand it to the solver's builder. */
    solver_problem_opts po;
    solver_problem_opts_init(&po);
    po.n_dims = in->n_dims;
    if ((st = solver_problem_create(&po, &in->problem)) != LM_OK) {
        st = builder_error(c, st, "");
        goto fail;
    }
    st = solver_problem_set_matrix(in->problem, mx.n, mx.durations, mx.distances, mx.costs, c->err);
    if (st != LM_OK) {
        st = builder_error(c, st, "");
        goto fail;
    }
    char path[PATH_LEN];
    for (i = 0; i < nj; i++) {
        sjobs[i].location = in->jobs[i].loc.index;
        if ((st = solver_problem_add_job(in->problem, &sjobs[i], c->err)) != LM_OK) {
            path_idx(path, "jobs", i);
            st = builder_error(c, st, path);
            goto fail;
        }
    }
    for (i = 0; i < ns; i++) {
        sships[i].pickup.location = in->pickups[i].loc.index;
        sships[i].delivery.location = in->deliveries[i].loc.index;
        if ((st = solver_problem_add_shipment(in->problem, &sships[i], c->err)) != LM_OK) {
            path_idx(path, "shipments", i);
            st = builder_error(c, st, path);
            goto fail;
        }
    }
    for (i = 0; i < nv; i++) {
        const vroom_vehicle *m = &in->vehicles[i];
        svehs[i].start = m->start.present ? m->start.index : SOLVER_NONE;
        svehs[i].end = m->end.present ? m->end.index : SOLVER_NONE;
        if ((st = solver_problem_add_vehicle(in->problem, &svehs[i], c->err)) != LM_OK) {
            path_idx(path, "vehicles", i);
            st = builder_error(c, st, path);
            goto fail;
        }
    }
    st = LM_OK;
fail:
    matrices_free(&mx);
    lm_free(sjobs);
    lm_free(sships);
    lm_free(svehs);
    return st;
}

lm_status api_vroom_parse(const char *json, size_t len, const api_vroom_opts *o,
                          api_vroom_input **out, lm_errinfo *err) {
    api_vroom_opts def;
    if (!o) {
        api_vroom_opts_init(&def);
        o = &def;
    }
    int64_t t0 = lm_mono_ns();
    if (!json) return lm_errinfo_set(err, LM_INVALID, "", "no problem given");
    if (len > o->max_bytes)
        return lm_errinfo_set(err, LM_TOO_BIG, "", "the problem is %zu bytes; the limit is %zu",
                              len, o->max_bytes);
    api_vroom_input *in = lm_calloc(1, sizeof *in);
    if (!in) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lm_status st = lm_arena_create(64 * len + (1u << 20), &in->arena);
    if (st != LM_OK) {
        lm_free(in);
        return lm_errinfo_set(err, st, "", "out of memory");
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
    if (!root) {
        size_t at = end && end >= json ? (size_t)(end - json) : 0;
        st = lm_errinfo_set(err, LM_INVALID, "", "malformed JSON near byte %zu", at);
        goto fail;
    }
    /* Only whitespace may follow the document. */
    for (const char *p = end; p && p < json + len && *p; p++)
        if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') {
            st = lm_errinfo_set(err, LM_INVALID, "",
                                "unexpected data after the JSON document "
                                "at byte %zu",
                                (size_t)(p - json));
            goto fail;
        }
    pctx c = {.o = o, .in = in, .err = err};
    if ((st = parse_doc(&c, root)) != LM_OK) goto fail;
    cJSON_Delete(root);
    in->loading_ms = (lm_mono_ns() - t0) / 1000000;
    *out = in;
    return LM_OK;
fail:
    cJSON_Delete(root);
    api_vroom_input_destroy(in);
    return st;
}

/* ---- Solving and plan mode ---- */

lm_status api_vroom_solve(const api_vroom_input *in, const solver_opts *o, solver_solution **out,
                          lm_errinfo *err) {
    return solver_solve(in->problem, o, out, err);
}

lm_status api_vroom_plan(const api_vroom_input *in, solver_solution **out, lm_errinfo *err) {
    size_t n = 0;
    for (size_t v = 0; v < in->n_vehicles; v++)
        n += in->vehicles[v].n_steps > 0;
    const solver_task_ref **routes = lm_calloc(n + 1, sizeof *routes);
    size_t *lens = lm_calloc(n + 1, sizeof *lens);
    uint32_t *vehicles = lm_calloc(n + 1, sizeof *vehicles);
    lm_status st;
    if (!routes || !lens || !vehicles) {
        st = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
        goto done;
    }
    size_t k = 0;
    for (size_t v = 0; v < in->n_vehicles; v++) {
        if (!in->vehicles[v].n_steps) continue;
        routes[k] = in->vehicles[v].steps;
        lens[k] = in->vehicles[v].n_steps;
        vehicles[k++] = (uint32_t)v;
    }
    st = solver_evaluate(in->problem, routes, lens, vehicles, n, out, err);
    /* The evaluator names "routes[k]..." (its step numbers count the start step too); the
     * caller wrote that route as vehicles[v].steps, and the message says which task. */
    unsigned long rk;
    if (st != LM_OK && err && sscanf(err->field, "routes[%lu]", &rk) == 1 && rk < n)
        fmt_bounded(err->field, sizeof err->field, "vehicles[%u].steps", vehicles[rk]);
done:
    lm_free(routes);
    lm_free(lens);
    lm_free(vehicles);
    return st;
}

/* ---- Benchmark instances as VROOM inputs ---- */

lm_status api_vroom_input_from_instance(const api_instance *inst, api_vroom_input **out,
                                        lm_errinfo *err) {
    const solver_problem *p = inst->problem;
    if (!p || solver_problem_n_jobs(p) != inst->n_customers ||
        solver_problem_n_vehicles(p) != inst->n_vehicles ||
        inst->n_customers + 1 != inst->n_nodes || inst->depot >= inst->n_nodes)
        return lm_errinfo_set(err, LM_INTERNAL, "", "instance '%s' is inconsistent", inst->name);
    api_vroom_input *in = lm_calloc(1, sizeof *in);
    lm_status st = in ? lm_arena_create(SIZE_MAX, &in->arena) : LM_NOMEM;
    if (st != LM_OK) goto fail;
    st = LM_NOMEM;
    in->problem = (solver_problem *)p; /* borrowed: never destroyed nor changed through in */
    in->borrowed = true;
    in->n_dims = solver_problem_n_dims(p);
    in->n_jobs = inst->n_customers;
    in->n_vehicles = inst->n_vehicles;
    in->n_locations = inst->n_nodes;
    in->index_based = true;
    in->has_distances = true;
    in->jobs = lm_arena_alloc(in->arena, in->n_jobs * sizeof *in->jobs);
    in->vehicles = lm_arena_alloc(in->arena, in->n_vehicles * sizeof *in->vehicles);
    if ((in->n_jobs && !in->jobs) || (in->n_vehicles && !in->vehicles)) goto fail;
    /* Jobs are the non-depot nodes in file order (api.h's instance contract). */
    size_t k = 0;
    for (uint32_t l = 0; l < inst->n_nodes; l++) {
        if (l == inst->depot) continue;
        vroom_task *t = &in->jobs[k++];
        t->id = inst->node_id[l];
        t->loc.present = t->loc.has_index = true;
        t->loc.index = l;
        if (in->n_dims) t->delivery[0] = inst->demand[l];
    }
    for (size_t v = 0; v < in->n_vehicles; v++) {
        vroom_vehicle *m = &in->vehicles[v];
        m->id = v + 1;
        m->start.present = m->start.has_index = m->end.present = m->end.has_index = true;
        m->start.index = m->end.index = inst->depot;
    }
    *out = in;
    return LM_OK;
fail:
    api_vroom_input_destroy(in);
    return lm_errinfo_set(err, st, "", "%s", lm_strerror(st));
}

/* ---- Writing: a small JSON emitter into a capped buffer ---- */

typedef struct jw {
    lm_buf *b;
    lm_status st;
    bool pretty;
    int depth;
    bool need_comma;
} jw;

static void jw_raw(jw *w, const char *s, size_t n) {
    if (w->st == LM_OK) w->st = lm_buf_append(w->b, s, n);
}

static void jw_lit(jw *w, const char *s) {
    jw_raw(w, s, strlen(s));
}

static void jw_fmt(jw *w, const char *fmt, ...) LM_PRINTF(2, 3);
static void jw_fmt(jw *w, const char *fmt, ...) {
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        if (w->st == LM_OK) w->st = LM_INTERNAL;
        return;
    }
    jw_raw(w, tmp, (size_t)n);
}

static void jw_quoted(jw *w, const char *s) {
    jw_lit(w, "\"");
    const char *run = s;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
        jw_raw(w, run, (size_t)(s - run));
        if (ch == '"')
            jw_lit(w, "\\\"");
        else if (ch == '\\')
            jw_lit(w, "\\\\");
        else if (ch == '\n')
            jw_lit(w, "\\n");
        else if (ch == '\t')
            jw_lit(w, "\\t");
        else
            jw_fmt(w, "\\u%04x", ch);
        run = s + 1;
    }
    jw_raw(w, run, (size_t)(s - run));
    jw_lit(w, "\"");
}

static void jw_newline(jw *w) {
    if (!w->pretty) return;
    jw_lit(w, "\n");
    for (int i = 0; i < w->depth; i++)
        jw_lit(w, "  ");
}

/* Separator, indentation and "key": before a value. */
static void jw_key(jw *w, const char *key) {
    if (w->need_comma) jw_lit(w, ",");
    if (w->depth > 0) jw_newline(w);
    if (key) {
        jw_quoted(w, key);
        jw_lit(w, w->pretty ? ": " : ":");
    }
    w->need_comma = true;
}

static void jw_open(jw *w, const char *key, const char *bracket) {
    jw_key(w, key);
    jw_lit(w, bracket);
    w->depth++;
    w->need_comma = false;
}

static void jw_close(jw *w, const char *bracket) {
    w->depth--;
    if (w->need_comma) jw_newline(w);
    jw_lit(w, bracket);
    w->need_comma = true;
}

static void jw_int(jw *w, const char *key, int64_t v) {
    jw_key(w, key);
    jw_fmt(w, "%lld", (long long)v);
}

static void jw_uint(jw *w, const char *key, uint64_t v) {
    jw_key(w, key);
    jw_fmt(w, "%llu", (unsigned long long)v);
}

static void jw_str(jw *w, const char *key, const char *s) {
    jw_key(w, key);
    jw_quoted(w, s);
}

/* The shortest %g form that reads back to the same double. */
static void jw_double_raw(jw *w, double d) {
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d) break;
    }
    jw_lit(w, tmp);
}

/* An inline array of amounts: [1,2] even when pretty-printing. */
static void jw_amounts(jw *w, const char *key, const int64_t *a, uint32_t n) {
    jw_key(w, key);
    jw_lit(w, "[");
    for (uint32_t i = 0; i < n; i++)
        jw_fmt(w, i ? ",%lld" : "%lld", (long long)a[i]);
    jw_lit(w, "]");
}

static void jw_coord(jw *w, const char *key, double lon, double lat) {
    jw_key(w, key);
    jw_lit(w, "[");
    jw_double_raw(w, lon);
    jw_lit(w, ",");
    jw_double_raw(w, lat);
    jw_lit(w, "]");
}

/* ---- Writing the solution ---- */

static const char *step_type_name(solver_step_type t) {
    switch (t) {
    case SOLVER_STEP_START: return "start";
    case SOLVER_STEP_JOB: return "job";
    case SOLVER_STEP_PICKUP: return "pickup";
    case SOLVER_STEP_DELIVERY: return "delivery";
    case SOLVER_STEP_BREAK: return "break";
    case SOLVER_STEP_END: return "end";
    }
    return "unknown";
}

/* location / location_index of a matrix index, as the input gave them. */
static void write_location(jw *w, const api_vroom_input *in, uint32_t index) {
    if (index == SOLVER_NONE || index >= in->n_locations) return;
    const vroom_loc *l = in->index_loc ? &in->index_loc[index] : NULL;
    if (l && l->has_coord) jw_coord(w, "location", l->lon, l->lat);
    if (in->index_based) jw_uint(w, "location_index", index);
}

/* The task behind a step or unassigned entry; NULL for start/end or an index out of range. */
static const vroom_task *task_of(const api_vroom_input *in, solver_step_type type, uint32_t i) {
    switch (type) {
    case SOLVER_STEP_JOB: return i < in->n_jobs ? &in->jobs[i] : NULL;
    case SOLVER_STEP_PICKUP: return i < in->n_shipments ? &in->pickups[i] : NULL;
    case SOLVER_STEP_DELIVERY: return i < in->n_shipments ? &in->deliveries[i] : NULL;
    default: return NULL;
    }
}

static void add_amounts(int64_t *acc, const int64_t *a, uint32_t n) {
    for (uint32_t d = 0; d < n; d++)
        acc[d] += a[d];
}

static lm_status check_solution(const api_vroom_input *in, const solver_solution *s,
                                lm_errinfo *err) {
    for (size_t r = 0; r < s->n_routes; r++) {
        const solver_route *rt = &s->routes[r];
        if (rt->vehicle >= in->n_vehicles)
            return lm_errinfo_set(err, LM_INTERNAL, "routes", "route %zu has vehicle %u", r,
                                  rt->vehicle);
        for (size_t k = 0; k < rt->n_steps; k++) {
            const solver_step *st = &rt->steps[k];
            bool ok =
                st->type == SOLVER_STEP_START || st->type == SOLVER_STEP_END ||
                (st->type == SOLVER_STEP_BREAK && st->index < in->vehicles[rt->vehicle].n_breaks) ||
                task_of(in, st->type, st->index) != NULL;
            if (!ok)
                return lm_errinfo_set(err, LM_INTERNAL, "routes",
                                      "route %zu step %zu refers to an unknown task", r, k);
        }
    }
    for (size_t u = 0; u < s->n_unassigned; u++)
        if (!task_of(in, s->unassigned[u].type, s->unassigned[u].index))
            return lm_errinfo_set(err, LM_INTERNAL, "unassigned",
                                  "entry %zu refers to an unknown task", u);
    return LM_OK;
}

static void write_step(jw *w, const api_vroom_input *in, const vroom_vehicle *veh,
                       const solver_step *st) {
    jw_open(w, NULL, "{");
    jw_str(w, "type", step_type_name(st->type));
    const vroom_task *t = task_of(in, st->type, st->index);
    const char *description = t ? t->description : NULL;
    if (t) jw_uint(w, "id", t->id);
    if (st->type == SOLVER_STEP_BREAK) {
        jw_uint(w, "id", veh->breaks[st->index].id);
        description = veh->breaks[st->index].description;
    }
    if (st->type == SOLVER_STEP_JOB) jw_uint(w, "job", t->id); /* VROOM's deprecated alias */
    if (description) jw_str(w, "description", description);
    write_location(w, in, st->location);
    jw_int(w, "setup", st->setup_s);
    jw_int(w, "service", st->service_s);
    jw_int(w, "waiting_time", st->waiting_s);
    jw_amounts(w, "load", st->load, in->n_dims);
    jw_int(w, "arrival", st->arrival_s);
    jw_int(w, "duration", st->duration_s);
    if (in->has_distances) jw_int(w, "distance", st->distance_m);
    jw_open(w, "violations", "[");
    jw_close(w, "]");
    jw_close(w, "}");
}

static void write_route(jw *w, const api_vroom_input *in, const solver_route *r, int64_t *delivery,
                        int64_t *pickup) {
    const vroom_vehicle *veh = &in->vehicles[r->vehicle];
    int64_t del[SOLVER_MAX_DIMS] = {0}, pick[SOLVER_MAX_DIMS] = {0};
    for (size_t k = 0; k < r->n_steps; k++) {
        const vroom_task *t = task_of(in, r->steps[k].type, r->steps[k].index);
        if (!t) continue;
        add_amounts(del, t->delivery, in->n_dims);
        add_amounts(pick, t->pickup, in->n_dims);
    }
    add_amounts(delivery, del, in->n_dims);
    add_amounts(pickup, pick, in->n_dims);
    jw_open(w, NULL, "{");
    jw_uint(w, "vehicle", veh->id);
    if (veh->description) jw_str(w, "description", veh->description);
    jw_int(w, "cost", r->cost);
    jw_int(w, "setup", r->setup_s);
    jw_int(w, "service", r->service_s);
    jw_int(w, "duration", r->duration_s);
    jw_int(w, "waiting_time", r->waiting_s);
    jw_uint(w, "priority", r->priority);
    if (in->has_distances) jw_int(w, "distance", r->distance_m);
    jw_amounts(w, "delivery", del, in->n_dims);
    jw_amounts(w, "pickup", pick, in->n_dims);
    jw_amounts(w, "amount", del, in->n_dims);
    jw_open(w, "violations", "[");
    jw_close(w, "]");
    jw_open(w, "steps", "[");
    for (size_t k = 0; k < r->n_steps; k++)
        write_step(w, in, veh, &r->steps[k]);
    jw_close(w, "]");
    jw_close(w, "}");
}

static void write_unassigned_task(jw *w, const api_vroom_input *in, const vroom_task *t,
                                  const char *type, solver_reason reason) {
    jw_open(w, NULL, "{");
    jw_uint(w, "id", t->id);
    jw_str(w, "type", type);
    if (t->description) jw_str(w, "description", t->description);
    write_location(w, in, t->loc.index);
    jw_str(w, "reason", solver_reason_text(reason));
    jw_close(w, "}");
}

lm_status api_vroom_write(const api_vroom_input *in, const solver_solution *s, bool pretty,
                          char **out, size_t *out_len, lm_errinfo *err) {
    lm_status st = check_solution(in, s, err);
    if (st != LM_OK) return st;
    lm_buf b;
    lm_buf_init(&b, (size_t)1 << 31);
    jw w = {.b = &b, .pretty = pretty};
    int64_t delivery[SOLVER_MAX_DIMS] = {0}, pickup[SOLVER_MAX_DIMS] = {0};
    size_t n_unassigned = 0;
    for (size_t u = 0; u < s->n_unassigned; u++)
        n_unassigned += s->unassigned[u].type == SOLVER_STEP_JOB ? 1 : 2;
    /* Route totals first: the summary needs them and comes before the routes in VROOM's order. */
    lm_buf routes;
    lm_buf_init(&routes, (size_t)1 << 31);
    jw rw = {.b = &routes, .pretty = pretty, .depth = 1};
    jw_open(&rw, "routes", "[");
    for (size_t r = 0; r < s->n_routes; r++)
        write_route(&rw, in, &s->routes[r], delivery, pickup);
    jw_close(&rw, "]");

    jw_open(&w, NULL, "{");
    jw_int(&w, "code", 0);
    jw_open(&w, "summary", "{");
    jw_int(&w, "cost", s->cost);
    jw_uint(&w, "routes", s->n_routes);
    jw_uint(&w, "unassigned", n_unassigned);
    jw_int(&w, "setup", s->setup_s);
    jw_int(&w, "service", s->service_s);
    jw_int(&w, "duration", s->duration_s);
    jw_int(&w, "waiting_time", s->waiting_s);
    jw_uint(&w, "priority", s->priority);
    if (in->has_distances) jw_int(&w, "distance", s->distance_m);
    jw_amounts(&w, "delivery", delivery, in->n_dims);
    jw_amounts(&w, "pickup", pickup, in->n_dims);
    jw_amounts(&w, "amount", delivery, in->n_dims);
    jw_open(&w, "violations", "[");
    jw_close(&w, "]");
    jw_open(&w, "computing_times", "{");
    jw_int(&w, "loading", in->loading_ms);
    jw_int(&w, "solving", s->computing_ms);
    jw_int(&w, "routing", in->routing_ms);
    jw_close(&w, "}");
    jw_close(&w, "}");
    jw_open(&w, "unassigned", "[");
    for (size_t u = 0; u < s->n_unassigned; u++) {
        const solver_unassigned *un = &s->unassigned[u];
        if (un->type == SOLVER_STEP_JOB) {
            write_unassigned_task(&w, in, &in->jobs[un->index], "job", un->reason);
        } else {
            write_unassigned_task(&w, in, &in->pickups[un->index], "pickup", un->reason);
            write_unassigned_task(&w, in, &in->deliveries[un->index], "delivery", un->reason);
        }
    }
    jw_close(&w, "]");
    if (w.st == LM_OK && rw.st == LM_OK) {
        jw_lit(&w, ",");
        jw_raw(&w, routes.data, routes.len);
    }
    if (rw.st != LM_OK) w.st = rw.st;
    w.need_comma = true;
    jw_close(&w, "}");
    if (pretty) jw_lit(&w, "\n");
    lm_buf_free(&routes);
    if (w.st != LM_OK) {
        lm_buf_free(&b);
        return lm_errinfo_set(err, w.st, "", "could not write the solution: %s", lm_strerror(w.st));
    }
    *out_len = b.len;
    *out = lm_buf_take(&b);
    return LM_OK;
}

char *api_vroom_error_write(lm_status st, const lm_errinfo *err) {
    lm_buf b;
    lm_buf_init(&b, 4096);
    jw w = {.b = &b};
    char msg[PATH_LEN + sizeof err->message + 8];
    if (err && err->field[0])
        fmt_bounded(msg, sizeof msg, "%s: %s", err->field, err->message);
    else
        fmt_bounded(msg, sizeof msg, "%s", err && err->message[0] ? err->message : lm_strerror(st));
    jw_open(&w, NULL, "{");
    jw_int(&w, "code", api_vroom_code(st));
    jw_str(&w, "error", msg);
    jw_close(&w, "}");
    if (w.st != LM_OK) {
        lm_buf_free(&b);
        return NULL;
    }
    return lm_buf_take(&b);
}
