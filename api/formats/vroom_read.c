/* api/formats/vroom_read.c: the VROOM reader's field, task and vehicle readers (over the JSON
 * helper family of json.h), each naming the failing field by its JSON path. */
#include "api/formats/vroom_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fmt__vroom_printf(char *dst, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

void *fmt__vroom_array(pctx *c, size_t n, size_t size) {
    if (n == 0) return NULL;
    if (n > SIZE_MAX / size) return NULL;
    return lm_arena_alloc(c->in->arena, n * size);
}

lm_status fmt__vroom_nomem(pctx *c) {
    return lm_errinfo_set(c->err, LM_NOMEM, "", "out of memory while reading the problem");
}

static lm_status read_int_item(pctx *c, const cJSON *it, const char *path, int64_t min, int64_t max,
                               int64_t *out) {
    return fmt_json_int_item(it, path, min, max, out, c->err);
}

/* Optional integer field: *out keeps its default when the key is absent. */
static lm_status read_int(pctx *c, const cJSON *obj, const char *key, const char *parent,
                          int64_t min, int64_t max, int64_t *out) {
    return fmt_json_int(obj, key, parent, FMT_JSON_OPTIONAL, min, max, out, c->err);
}

/* An id: an integer in 0..2^64-1, exact beyond 2^53 (vroom_ids.c reads its literal). */
static lm_status read_id(pctx *c, const cJSON *obj, const char *parent, uint64_t *out) {
    const cJSON *it = fmt_json_get(obj, "id");
    if (it && cJSON_IsNumber(it) && it->valuedouble >= 0x1p53) {
        if (fmt__vroom_exact_u64(c, it, out)) return LM_OK;
        char path[PATH_LEN];
        fmt_json_path_key(path, parent, "id");
        return lm_errinfo_set(c->err, LM_INVALID, path,
                              "must be an integer in 0..18446744073709551615, written out");
    }
    int64_t v = 0;
    lm_status st = fmt_json_int(obj, "id", parent, FMT_JSON_REQUIRED, 0, MAX_ID, &v, c->err);
    if (st == LM_OK) *out = (uint64_t)v;
    return st;
}

/* Optional free-text field copied into the arena (*out NULL when absent). */
static lm_status read_string(pctx *c, const cJSON *obj, const char *key, const char *parent,
                             const char **out) {
    const char *text = NULL;
    *out = NULL;
    lm_status st =
        fmt_json_text(obj, key, parent, FMT_JSON_OPTIONAL, c->o->max_string, &text, c->err);
    if (st != LM_OK || !text) return st;
    char *s = lm_arena_strndup(c->in->arena, text, strlen(text));
    if (!s) return fmt__vroom_nomem(c);
    *out = s;
    return LM_OK;
}

/* An optional array field: *arr NULL when absent, else an array of at most max items. */
static lm_status read_array(pctx *c, const cJSON *obj, const char *key, const char *parent,
                            size_t max, const cJSON **arr, size_t *n) {
    *arr = NULL;
    *n = 0;
    return fmt_json_array(obj, key, parent, FMT_JSON_OPTIONAL, max, arr, n, c->err);
}

/* An amount array (delivery, pickup, capacity, ...): dims entries in 0..2^40. */
static lm_status read_amount(pctx *c, const cJSON *obj, const char *key, const char *parent,
                             int64_t out[SOLVER_MAX_DIMS]) {
    const cJSON *arr;
    size_t n;
    lm_status st = read_array(c, obj, key, parent, SOLVER_MAX_DIMS * 4, &arr, &n);
    if (st != LM_OK || !arr) return st;
    char path[PATH_LEN], ipath[PATH_LEN];
    fmt_json_path_key(path, parent, key);
    if ((int)n != c->dims)
        return lm_errinfo_set(c->err, LM_INVALID, path,
                              "has %zu dimensions but vehicles[0].capacity has %d", n, c->dims);
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        fmt_json_path_index(ipath, path, i);
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
    uint32_t *s = fmt__vroom_array(c, n, sizeof *s);
    if (!s) return fmt__vroom_nomem(c);
    char path[PATH_LEN], ipath[PATH_LEN];
    fmt_json_path_key(path, parent, "skills");
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        int64_t v = 0;
        fmt_json_path_index(ipath, path, i);
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
    fmt_json_path_key(path, parent, "time_windows");
    if (n == 0) return lm_errinfo_set(c->err, LM_INVALID, path, "must not be empty");
    solver_tw *w = fmt__vroom_array(c, n, sizeof *w);
    if (!w) return fmt__vroom_nomem(c);
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        fmt_json_path_index(ipath, path, i);
        if ((st = read_tw(c, e, ipath, &w[i])) != LM_OK) return st;
    }
    *out = w;
    *n_out = n;
    return LM_OK;
}

/* `location` ([lon, lat]) and/or `index_key` (a matrix index); *loc untouched if both absent.
 * Beside an index the location is a label (VROOM uses the matrices and echoes the location in
 * its output): any finite pair, as VROOM's own example problems with custom matrices carry
 * (projected or made-up coordinates). Alone it routes, so it must be degrees. */
static lm_status read_loc(pctx *c, const cJSON *obj, const char *key, const char *index_key,
                          const char *parent, vroom_loc *loc) {
    char path[PATH_LEN];
    const cJSON *it = fmt_json_get(obj, key);
    memset(loc, 0, sizeof *loc);
    if (it) {
        fmt_json_path_key(path, parent, key);
        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 || !cJSON_IsNumber(it->child) ||
            !cJSON_IsNumber(it->child->next))
            return lm_errinfo_set(c->err, LM_INVALID, path, "must be a [lon, lat] array");
        double lon = it->child->valuedouble, lat = it->child->next->valuedouble;
        bool label = fmt_json_get(obj, index_key) != NULL;
        if (label && !(isfinite(lon) && isfinite(lat)))
            return lm_errinfo_set(c->err, LM_INVALID, path, "must be two finite numbers");
        if (!label && !(lon >= -180.0 && lon <= 180.0 && lat >= -90.0 && lat <= 90.0))
            return lm_errinfo_set(c->err, LM_INVALID, path,
                                  "[%g, %g] is not a [lon, lat] in degrees", lon, lat);
        loc->present = loc->has_coord = true;
        loc->lon = lon;
        loc->lat = lat;
    }
    it = fmt_json_get(obj, index_key);
    if (it) {
        int64_t v = 0;
        fmt_json_path_key(path, parent, index_key);
        lm_status st = read_int_item(c, it, path, 0, (int64_t)c->o->max_locations - 1, &v);
        if (st != LM_OK) return st;
        loc->present = loc->has_index = true;
        loc->index = (uint32_t)v;
    }
    return LM_OK;
}

static lm_status require_object(pctx *c, const cJSON *it, const char *path) {
    return fmt_json_require_object(it, path, c->err);
}

/* The members each object of the format may hold (docs/api-vroom.md); any other key is refused
 * with its path, so that a misspelt "time_window" on a job is an error and not a job without a
 * window. */
static const char *const job_keys[] = {
    "id",       "description",  "location",       "location_index",   "setup",
    "service",  "delivery",     "pickup",         "amount",           "skills",
    "priority", "time_windows", "setup_per_type", "service_per_type", NULL};
static const char *const shipment_keys[] = {"pickup", "delivery", "amount",
                                            "skills", "priority", NULL};
static const char *const shipment_step_keys[] = {
    "id",      "description",  "location",       "location_index",   "setup",
    "service", "time_windows", "setup_per_type", "service_per_type", NULL};
static const char *const vehicle_keys[] = {
    "id",           "profile",   "description",  "start",     "start_index",
    "end",          "end_index", "capacity",     "costs",     "skills",
    "time_window",  "breaks",    "speed_factor", "max_tasks", "max_travel_time",
    "max_distance", "steps",     "type",         NULL};
static const char *const costs_keys[] = {"fixed", "per_hour", "per_km", "per_task_hour", NULL};
static const char *const break_keys[] = {"id",          "time_windows", "service",
                                         "description", "max_load",     NULL};
static const char *const step_keys[] = {"type",           "id", "service_at", "service_after",
                                        "service_before", NULL};

static lm_status only_keys(pctx *c, const cJSON *obj, const char *path,
                           const char *const *allowed) {
    return fmt_json_only_keys(obj, path, allowed, c->err);
}

/* ---- Tasks ---- */

/* setup_per_type / service_per_type: {"<vehicle type>": seconds, ...}. */
static lm_status read_per_type(pctx *c, const cJSON *obj, const char *key, const char *parent,
                               const vroom_typed **out, size_t *n_out) {
    const cJSON *m = fmt_json_get(obj, key);
    char path[PATH_LEN], epath[PATH_LEN];
    *out = NULL;
    *n_out = 0;
    if (!m) return LM_OK;
    fmt_json_path_key(path, parent, key);
    lm_status st = require_object(c, m, path);
    if (st != LM_OK) return st;
    size_t n = 0;
    for (const cJSON *e = m->child; e; e = e->next)
        if (++n > SOLVER_MAX_SKILLS)
            return lm_errinfo_set(c->err, LM_TOO_BIG, path, "names more than %d vehicle types",
                                  SOLVER_MAX_SKILLS);
    vroom_typed *t = fmt__vroom_array(c, n, sizeof *t);
    if (n && !t) return fmt__vroom_nomem(c);
    size_t i = 0;
    for (const cJSON *e = m->child; e; e = e->next, i++) {
        fmt_json_path_key(epath, path, e->string);
        if ((st = read_int_item(c, e, epath, 0, SOLVER_TIME_INF, &t[i].value_s)) != LM_OK)
            return st;
        if (strlen(e->string) > c->o->max_string)
            return lm_errinfo_set(c->err, LM_INVALID, epath, "the type name is too long");
        if (!(t[i].type = lm_arena_strndup(c->in->arena, e->string, strlen(e->string))))
            return fmt__vroom_nomem(c);
    }
    *out = t;
    *n_out = n;
    return LM_OK;
}

/* Fields shared by a job and a shipment step. */
static lm_status read_task_common(pctx *c, const cJSON *obj, const char *path,
                                  const char *const *keys, vroom_task *t, int64_t *setup,
                                  int64_t *service, const solver_tw **tws, size_t *n_tws) {
    lm_status st = require_object(c, obj, path);
    if (st == LM_OK) st = only_keys(c, obj, path, keys);
    if (st == LM_OK) st = read_id(c, obj, path, &t->id);
    if (st == LM_OK) st = read_string(c, obj, "description", path, &t->description);
    if (st == LM_OK) st = read_loc(c, obj, "location", "location_index", path, &t->loc);
    if (st == LM_OK && !t->loc.present)
        st = lm_errinfo_set(c->err, LM_INVALID, path, "needs a location or a location_index");
    if (st == LM_OK) st = read_int(c, obj, "setup", path, 0, SOLVER_TIME_INF, setup);
    if (st == LM_OK) st = read_int(c, obj, "service", path, 0, SOLVER_TIME_INF, service);
    if (st == LM_OK) st = read_tws(c, obj, path, tws, n_tws);
    if (st == LM_OK)
        st = read_per_type(c, obj, "setup_per_type", path, &t->setup_pt, &t->n_setup_pt);
    if (st == LM_OK)
        st = read_per_type(c, obj, "service_per_type", path, &t->service_pt, &t->n_service_pt);
    t->setup_s = *setup;
    t->service_s = *service;
    return st;
}

static lm_status read_priority(pctx *c, const cJSON *obj, const char *path, uint32_t *out) {
    int64_t v = 0;
    lm_status st = read_int(c, obj, "priority", path, 0, 100, &v);
    if (st == LM_OK) *out = (uint32_t)v;
    return st;
}

lm_status fmt__vroom_read_job(pctx *c, const cJSON *obj, size_t i, solver_job *j, vroom_task *t) {
    char path[PATH_LEN];
    fmt_json_path_index(path, "jobs", i);
    solver_job_init(j);
    lm_status st =
        read_task_common(c, obj, path, job_keys, t, &j->setup_s, &j->service_s, &j->tws, &j->n_tws);
    if (st != LM_OK) return st;
    j->id = t->id;
    if (fmt_json_get(obj, "amount") && fmt_json_get(obj, "delivery")) {
        char p2[PATH_LEN];
        fmt_json_path_key(p2, path, "amount");
        return lm_errinfo_set(c->err, LM_INVALID, p2, "give either amount or delivery, not both");
    }
    if ((st = read_amount(c, obj, "amount", path, j->delivery)) != LM_OK) return st;
    if ((st = read_amount(c, obj, "delivery", path, j->delivery)) != LM_OK) return st;
    if ((st = read_amount(c, obj, "pickup", path, j->pickup)) != LM_OK) return st;
    if ((st = read_skills(c, obj, path, &j->skills, &j->n_skills)) != LM_OK) return st;
    if ((st = read_priority(c, obj, path, &j->priority)) != LM_OK) return st;
    memcpy(t->delivery, j->delivery, sizeof t->delivery);
    memcpy(t->pickup, j->pickup, sizeof t->pickup);
    t->priority = j->priority;
    return LM_OK;
}

lm_status fmt__vroom_read_shipment(pctx *c, const cJSON *obj, size_t i, solver_shipment *s,
                                   vroom_task *pt, vroom_task *dt) {
    char path[PATH_LEN], sub[PATH_LEN];
    fmt_json_path_index(path, "shipments", i);
    solver_shipment_init(s);
    lm_status st = require_object(c, obj, path);
    if (st == LM_OK) st = only_keys(c, obj, path, shipment_keys);
    if (st != LM_OK) return st;
    fmt_json_path_key(sub, path, "pickup");
    const cJSON *p = fmt_json_get(obj, "pickup"), *d = fmt_json_get(obj, "delivery");
    if (!p) return lm_errinfo_set(c->err, LM_INVALID, sub, "is required");
    st = read_task_common(c, p, sub, shipment_step_keys, pt, &s->pickup.setup_s,
                          &s->pickup.service_s, &s->pickup.tws, &s->pickup.n_tws);
    if (st != LM_OK) return st;
    fmt_json_path_key(sub, path, "delivery");
    if (!d) return lm_errinfo_set(c->err, LM_INVALID, sub, "is required");
    st = read_task_common(c, d, sub, shipment_step_keys, dt, &s->delivery.setup_s,
                          &s->delivery.service_s, &s->delivery.tws, &s->delivery.n_tws);
    if (st != LM_OK) return st;
    s->pickup.id = pt->id;
    s->delivery.id = dt->id;
    if ((st = read_amount(c, obj, "amount", path, s->amount)) != LM_OK) return st;
    if ((st = read_skills(c, obj, path, &s->skills, &s->n_skills)) != LM_OK) return st;
    if ((st = read_priority(c, obj, path, &s->priority)) != LM_OK) return st;
    memcpy(pt->pickup, s->amount, sizeof pt->pickup);
    memcpy(dt->delivery, s->amount, sizeof dt->delivery);
    pt->priority = dt->priority = s->priority;
    return LM_OK;
}

/* ---- Ids: duplicates and lookups ---- */

static int cmp_id_entry(const void *a, const void *b) {
    const id_entry *x = a, *y = b;
    if (x->id != y->id) return x->id < y->id ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

lm_status fmt__vroom_id_table(pctx *c, const vroom_task *tasks, size_t n, const char *what,
                              const char *sub, id_entry **out) {
    *out = NULL;
    if (n == 0) return LM_OK;
    id_entry *t = fmt__vroom_array(c, n, sizeof *t);
    if (!t) return fmt__vroom_nomem(c);
    for (size_t i = 0; i < n; i++) {
        t[i].id = tasks[i].id;
        t[i].index = (uint32_t)i;
    }
    qsort(t, n, sizeof *t, cmp_id_entry);
    for (size_t i = 1; i < n; i++)
        if (t[i].id == t[i - 1].id) {
            char path[PATH_LEN];
            fmt__vroom_printf(path, sizeof path, "%s[%u].%sid", what, t[i].index, sub);
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

/* ---- Vehicles ---- */

static lm_status read_break(pctx *c, const cJSON *obj, const char *path, solver_break *b,
                            vroom_break *m) {
    memset(b, 0, sizeof *b);
    lm_status st = require_object(c, obj, path);
    if (st == LM_OK) st = only_keys(c, obj, path, break_keys);
    if (st == LM_OK) st = read_id(c, obj, path, &b->id);
    if (st == LM_OK) st = read_string(c, obj, "description", path, &m->description);
    if (st == LM_OK) st = read_tws(c, obj, path, &b->tws, &b->n_tws);
    if (st == LM_OK) st = read_int(c, obj, "service", path, 0, SOLVER_TIME_INF, &b->service_s);
    if (st == LM_OK && fmt_json_get(obj, "max_load")) {
        b->has_max_load = true;
        st = read_amount(c, obj, "max_load", path, b->max_load);
    }
    m->id = b->id;
    return st;
}

/* service_at / service_after / service_before of a step (hard bounds in plan mode). */
static lm_status read_service_bounds(pctx *c, const cJSON *e, const char *ipath,
                                     solver_plan_step *ps) {
    static const char *const keys[] = {"service_at", "service_after", "service_before"};
    int64_t *vals[] = {&ps->at_s, &ps->after_s, &ps->before_s};
    bool *has[] = {&ps->has_at, &ps->has_after, &ps->has_before};
    for (size_t k = 0; k < 3; k++) {
        if (!fmt_json_get(e, keys[k])) continue;
        lm_status st = read_int(c, e, keys[k], ipath, 0, SOLVER_TIME_INF, vals[k]);
        if (st != LM_OK) return st;
        *has[k] = true;
    }
    return LM_OK;
}

/* Resolves one job/pickup/delivery/break step to r; a task may be a step of one vehicle once. */
static lm_status resolve_step(pctx *c, const char *ty, uint64_t id, const char *ipath,
                              uint32_t vehicle, const id_tables *ids, const solver_break *breaks,
                              size_t n_breaks, solver_task_ref *r) {
    char tpath[PATH_LEN];
    bool found = false;
    *r = (solver_task_ref){SOLVER_STEP_JOB, 0};
    if (!strcmp(ty, "job")) {
        found = id_find(ids->jobs, c->in->n_jobs, id, &r->index);
    } else if (!strcmp(ty, "pickup")) {
        r->type = SOLVER_STEP_PICKUP;
        found = id_find(ids->pickups, c->in->n_shipments, id, &r->index);
    } else if (!strcmp(ty, "delivery")) {
        r->type = SOLVER_STEP_DELIVERY;
        found = id_find(ids->deliveries, c->in->n_shipments, id, &r->index);
    } else {
        r->type = SOLVER_STEP_BREAK;
        for (size_t b = 0; b < n_breaks && !found; b++)
            if (breaks[b].id == id) {
                r->index = (uint32_t)b;
                found = true;
            }
    }
    if (!found) {
        fmt_json_path_key(tpath, ipath, "id");
        return lm_errinfo_set(c->err, LM_INVALID, tpath, "no %s has id %llu", ty,
                              (unsigned long long)id);
    }
    uint32_t *owner = r->type == SOLVER_STEP_JOB        ? &c->fixed_job[r->index]
                      : r->type == SOLVER_STEP_PICKUP   ? &c->fixed_pickup[r->index]
                      : r->type == SOLVER_STEP_DELIVERY ? &c->fixed_delivery[r->index]
                                                        : NULL;
    if (owner && *owner)
        return lm_errinfo_set(c->err, LM_INVALID, ipath,
                              "%s %llu is already a step of vehicles[%u]", ty,
                              (unsigned long long)id, *owner - 1);
    if (owner) *owner = vehicle + 1;
    return LM_OK;
}

/* `steps`: kept whole for plan mode (m->plan) and as tasks for solving (m->steps). As in VROOM,
 * a start may only come first, an end only last, and a break once. */
static lm_status read_steps(pctx *c, const cJSON *obj, const char *path, uint32_t vehicle,
                            const id_tables *ids, const solver_break *breaks, size_t n_breaks,
                            vroom_vehicle *m) {
    uint64_t breaks_seen = 0; /* at most 64 breaks */
    const cJSON *arr;
    size_t n;
    lm_status st = read_array(c, obj, "steps", path, MAX_STEPS, &arr, &n);
    if (st != LM_OK || !arr || n == 0) return st;
    m->steps = fmt__vroom_array(c, n, sizeof *m->steps);
    m->plan = fmt__vroom_array(c, n, sizeof *m->plan);
    if (!m->steps || !m->plan) return fmt__vroom_nomem(c);
    char spath[PATH_LEN], ipath[PATH_LEN], tpath[PATH_LEN];
    fmt_json_path_key(spath, path, "steps");
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        fmt_json_path_index(ipath, spath, i);
        fmt_json_path_key(tpath, ipath, "type");
        if ((st = require_object(c, e, ipath)) != LM_OK ||
            (st = only_keys(c, e, ipath, step_keys)) != LM_OK)
            return st;
        const cJSON *type = fmt_json_get(e, "type");
        if (!cJSON_IsString(type) || !type->valuestring)
            return lm_errinfo_set(c->err, LM_INVALID, tpath, "must be a string");
        const char *ty = type->valuestring;
        solver_plan_step *ps = &m->plan[m->n_plan];
        memset(ps, 0, sizeof *ps);
        if ((st = read_service_bounds(c, e, ipath, ps)) != LM_OK) return st;
        bool is_start = !strcmp(ty, "start"), is_end = !strcmp(ty, "end");
        if (is_start || is_end) {
            if ((is_start && i != 0) || (is_end && e->next))
                return lm_errinfo_set(c->err, LM_INVALID, tpath, "unexpected %s step", ty);
            ps->type = is_start ? SOLVER_STEP_START : SOLVER_STEP_END;
            m->n_plan++;
            continue;
        }
        if (strcmp(ty, "job") && strcmp(ty, "pickup") && strcmp(ty, "delivery") &&
            strcmp(ty, "break"))
            return lm_errinfo_set(c->err, LM_INVALID, tpath,
                                  "must be start, job, pickup, delivery, break or end");
        uint64_t id = 0;
        solver_task_ref r;
        if ((st = read_id(c, e, ipath, &id)) != LM_OK ||
            (st = resolve_step(c, ty, id, ipath, vehicle, ids, breaks, n_breaks, &r)) != LM_OK)
            return st;
        if (r.type == SOLVER_STEP_BREAK && (breaks_seen >> r.index & 1u))
            return lm_errinfo_set(c->err, LM_INVALID, ipath, "repeats break %llu",
                                  (unsigned long long)id);
        if (r.type == SOLVER_STEP_BREAK) breaks_seen |= UINT64_C(1) << r.index;
        ps->type = r.type;
        ps->index = r.index;
        m->n_plan++;
        m->steps[m->n_steps++] = r;
    }
    return LM_OK;
}

static lm_status read_costs(pctx *c, const cJSON *obj, const char *path, solver_vehicle *v) {
    const cJSON *costs = fmt_json_get(obj, "costs");
    if (!costs) return LM_OK;
    char cpath[PATH_LEN];
    fmt_json_path_key(cpath, path, "costs");
    lm_status st = require_object(c, costs, cpath);
    if (st == LM_OK) st = only_keys(c, costs, cpath, costs_keys);
    if (st == LM_OK) st = read_int(c, costs, "fixed", cpath, 0, MAX_AMOUNT, &v->cost_fixed);
    if (st == LM_OK) st = read_int(c, costs, "per_hour", cpath, 0, 1 << 24, &v->cost_per_hour);
    if (st == LM_OK) st = read_int(c, costs, "per_km", cpath, 0, 1 << 24, &v->cost_per_km);
    if (st == LM_OK)
        st = read_int(c, costs, "per_task_hour", cpath, 0, 1 << 24, &v->cost_per_task_hour);
    if (st == LM_OK && c->costs_matrix && (v->cost_per_hour != 3600 || v->cost_per_km != 0))
        st = lm_errinfo_set(c->err, LM_INVALID, cpath,
                            "per_hour and per_km cannot be combined with a costs matrix");
    return st;
}

static lm_status read_limit(pctx *c, const cJSON *obj, const char *key, const char *path,
                            int64_t max, int64_t *out) {
    if (!fmt_json_get(obj, key)) return LM_OK;
    /* VROOM's 0 means "nothing allowed"; the solver's 0 means "no limit": refuse the ambiguity. */
    return read_int(c, obj, key, path, 1, max, out);
}

lm_status fmt__vroom_read_vehicle(pctx *c, const cJSON *obj, size_t i, const id_tables *ids,
                                  solver_vehicle *v, vroom_vehicle *m) {
    char path[PATH_LEN], sub[PATH_LEN];
    fmt_json_path_index(path, "vehicles", i);
    solver_vehicle_init(v);
    lm_status st = require_object(c, obj, path);
    if (st == LM_OK) st = only_keys(c, obj, path, vehicle_keys);
    if (st == LM_OK) st = read_id(c, obj, path, &m->id);
    if (st == LM_OK) st = read_string(c, obj, "description", path, &m->description);
    if (st == LM_OK) st = read_string(c, obj, "type", path, &m->type);
    if (st == LM_OK) st = read_loc(c, obj, "start", "start_index", path, &m->start);
    if (st == LM_OK) st = read_loc(c, obj, "end", "end_index", path, &m->end);
    if (st != LM_OK) return st;
    if (!m->start.present && !m->end.present)
        return lm_errinfo_set(c->err, LM_INVALID, path, "needs a start or an end (or both)");
    v->id = m->id;
    const cJSON *cap = fmt_json_get(obj, "capacity");
    if (cap || c->dims > 0) {
        fmt_json_path_key(sub, path, "capacity");
        if (!cap) return lm_errinfo_set(c->err, LM_INVALID, sub, "is required: amounts are used");
        if ((st = read_amount(c, obj, "capacity", path, v->capacity)) != LM_OK) return st;
    }
    if ((st = read_skills(c, obj, path, &v->skills, &v->n_skills)) != LM_OK) return st;
    const cJSON *tw = fmt_json_get(obj, "time_window");
    if (tw) {
        fmt_json_path_key(sub, path, "time_window");
        if ((st = read_tw(c, tw, sub, &v->shift)) != LM_OK) return st;
    }
    if ((st = read_costs(c, obj, path, v)) != LM_OK) return st;
    const cJSON *sf = fmt_json_get(obj, "speed_factor");
    if (sf) {
        fmt_json_path_key(sub, path, "speed_factor");
        if (!cJSON_IsNumber(sf) || !(sf->valuedouble > 0.0 && sf->valuedouble <= 5.0))
            return lm_errinfo_set(c->err, LM_INVALID, sub, "must be a number in (0, 5]");
        v->speed_factor = sf->valuedouble;
    }
    int64_t max_tasks = 0;
    if ((st = read_int(c, obj, "max_tasks", path, 0, UINT32_MAX, &max_tasks)) != LM_OK) return st;
    v->max_tasks = (uint32_t)max_tasks;
    v->no_tasks = fmt_json_get(obj, "max_tasks") && max_tasks == 0; /* VROOM: serves nothing */
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
        solver_break *b = fmt__vroom_array(c, n, sizeof *b);
        m->breaks = fmt__vroom_array(c, n, sizeof *m->breaks);
        if (!b || !m->breaks) return fmt__vroom_nomem(c);
        char bpath[PATH_LEN], ipath[PATH_LEN];
        fmt_json_path_key(bpath, path, "breaks");
        size_t k = 0;
        for (const cJSON *e = arr->child; e; e = e->next, k++) {
            fmt_json_path_index(ipath, bpath, k);
            if ((st = read_break(c, e, ipath, &b[k], &m->breaks[k])) != LM_OK) return st;
            for (size_t q = 0; q < k; q++)
                if (b[q].id == b[k].id) {
                    fmt_json_path_key(sub, ipath, "id");
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
    /* Steps are not fixed: they seed the search (fmt_vroom_solve) or are the plan. */
    return LM_OK;
}

lm_status fmt__vroom_read_profile(pctx *c, const cJSON *vehicles) {
    size_t i = 0;
    c->profile = DEFAULT_PROF;
    for (const cJSON *e = vehicles->child; e; e = e->next, i++) {
        const cJSON *p = cJSON_IsObject(e) ? fmt_json_get(e, "profile") : NULL;
        char path[PATH_LEN];
        fmt__vroom_printf(path, sizeof path, "vehicles[%zu].profile", i);
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
