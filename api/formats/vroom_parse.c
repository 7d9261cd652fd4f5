/* api/formats/vroom_parse.c: VROOM JSON in: the whole document (limits, matrices, locations routed
 * by geo/ when no matrix is given) into a solver_problem; field readers are in vroom_read.c. */
#include "api/formats/vroom_internal.h"
#include "geo/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fmt_vroom_opts_init(fmt_vroom_opts *o) {
    memset(o, 0, sizeof *o);
    o->max_bytes = 32u << 20;
    o->max_jobs = 20000;
    o->max_shipments = 10000;
    o->max_vehicles = 2000;
    o->max_locations = 10000;
    o->max_string = 1024;
}

void fmt_vroom_input_destroy(fmt_vroom_input *in) {
    if (!in) return;
    if (!in->borrowed) solver_problem_destroy(in->problem);
    lm_arena_destroy(in->arena);
    lm_free(in);
}

const solver_problem *fmt_vroom_input_problem(const fmt_vroom_input *in) {
    return in->problem;
}

bool fmt_vroom_input_has_steps(const fmt_vroom_input *in) {
    for (size_t i = 0; i < in->n_vehicles; i++)
        if (in->vehicles[i].n_steps) return true;
    return false;
}

int fmt_vroom_code(lm_status st) {
    switch (st) {
    case LM_OK: return FMT_VROOM_OK;
    case LM_INVALID:
    case LM_TOO_BIG:
    case LM_NOT_FOUND:
    case LM_CONFLICT: return FMT_VROOM_INPUT;
    case LM_ROUTING:
    case LM_UNAVAILABLE: return FMT_VROOM_ROUTING;
    default: return FMT_VROOM_INTERNAL;
    }
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
        fmt_json_path_index(rpath, path, i);
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
    if (!cells) return fmt__vroom_nomem(c);
    lm_status st = LM_OK;
    i = 0;
    for (const cJSON *r = m->child; r && st == LM_OK; r = r->next, i++) {
        fmt_json_path_index(rpath, path, i);
        size_t j = 0;
        for (const cJSON *e = r->child; e && st == LM_OK; e = e->next, j++) {
            /* The common case without formatting a path per cell. */
            double d = cJSON_IsNumber(e) ? e->valuedouble : -1.0;
            if (d >= 0.0 && d <= (double)INT32_MAX && d == floor(d)) {
                cells[i * rows + j] = (int32_t)d;
                continue;
            }
            int64_t v = 0;
            fmt_json_path_index(cpath, rpath, j);
            st = fmt_json_int_item(e, cpath, 0, INT32_MAX, &v, c->err);
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
    const cJSON *all = fmt_json_get(root, "matrices"), *legacy = fmt_json_get(root, "matrix");
    char path[PATH_LEN];
    lm_status st;
    memset(m, 0, sizeof *m);
    if (all && legacy)
        return lm_errinfo_set(c->err, LM_INVALID, "matrix", "give matrices or matrix, not both");
    if (legacy) return read_matrix(c, legacy, "matrix", &m->n, &m->durations);
    if (!all) return LM_OK;
    if ((st = fmt_json_require_object(all, "matrices", c->err)) != LM_OK) return st;
    fmt_json_path_key(path, "matrices", c->profile);
    const cJSON *prof = fmt_json_get(all, c->profile);
    if (!prof)
        return lm_errinfo_set(c->err, LM_INVALID, path, "missing: the vehicles use profile '%s'",
                              c->profile);
    static const char *const profile_keys[] = {"durations", "distances", "costs", NULL};
    if ((st = fmt_json_require_object(prof, path, c->err)) != LM_OK ||
        (st = fmt_json_only_keys(prof, path, profile_keys, c->err)) != LM_OK)
        return st;
    char sub[PATH_LEN];
    const cJSON *d = fmt_json_get(prof, "durations"), *dist = fmt_json_get(prof, "distances"),
                *cost = fmt_json_get(prof, "costs");
    fmt_json_path_key(sub, path, "durations");
    if (!d) return lm_errinfo_set(c->err, LM_INVALID, sub, "is required");
    st = read_matrix(c, d, sub, &m->n, &m->durations);
    if (st == LM_OK && dist) {
        fmt_json_path_key(sub, path, "distances");
        st = read_matrix(c, dist, sub, &m->n, &m->distances);
    }
    if (st == LM_OK && cost) {
        fmt_json_path_key(sub, path, "costs");
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
        fmt_json_path_key(p, path, index_key);
        if (!l->has_index)
            return lm_errinfo_set(c->err, LM_INVALID, p, "is required when matrices are given");
        if (l->index >= c->n_matrix)
            return lm_errinfo_set(c->err, LM_INVALID, p, "%u is outside the %zu x %zu matrix",
                                  l->index, c->n_matrix, c->n_matrix);
        return LM_OK;
    }
    if (l->has_index) {
        fmt_json_path_key(p, path, index_key);
        return lm_errinfo_set(c->err, LM_INVALID, p, "needs matrices (no matrix was given)");
    }
    fmt_json_path_key(p, path, key);
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
    fmt_vroom_input *in = c->in;
    int64_t t0 = lm_mono_ns();
    geo_matrix_provider *own = NULL, *prov = c->o->matrix_provider;
    if (c->o->router) prov = geo_router_provider(c->o->router, c->profile);
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
    in->index_loc = fmt__vroom_array(c, u, sizeof *in->index_loc);
    pts = lm_calloc(u, sizeof *pts);
    if (!in->index_loc || !pts) {
        st = fmt__vroom_nomem(c);
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
        st = fmt__vroom_nomem(c);
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
    fmt_vroom_input *in = c->in;
    char path[PATH_LEN], sub[PATH_LEN];
    lm_status st = LM_OK;
    size_t cap = in->n_jobs + 2 * in->n_shipments + 2 * in->n_vehicles, n = 0;
    vroom_loc **locs = fmt__vroom_array(c, cap, sizeof *locs);
    if (!locs) return fmt__vroom_nomem(c);
#define RESOLVE(loc, p, key, index_key)                                                            \
    do {                                                                                           \
        if (!(loc)->present) break;                                                                \
        if ((st = check_loc(c, (loc), (p), (key), (index_key))) != LM_OK) return st;               \
        locs[n++] = (loc);                                                                         \
    } while (0)
    for (size_t i = 0; i < in->n_jobs; i++) {
        fmt_json_path_index(path, "jobs", i);
        RESOLVE(&in->jobs[i].loc, path, "location", "location_index");
    }
    for (size_t i = 0; i < in->n_shipments; i++) {
        fmt_json_path_index(path, "shipments", i);
        fmt_json_path_key(sub, path, "pickup");
        RESOLVE(&in->pickups[i].loc, sub, "location", "location_index");
        fmt_json_path_key(sub, path, "delivery");
        RESOLVE(&in->deliveries[i].loc, sub, "location", "location_index");
    }
    for (size_t i = 0; i < in->n_vehicles; i++) {
        fmt_json_path_index(path, "vehicles", i);
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
    in->index_loc = fmt__vroom_array(c, c->n_matrix, sizeof *in->index_loc);
    if (!in->index_loc) return fmt__vroom_nomem(c);
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
        fmt__vroom_printf(field, sizeof field, "%s%s%s", prefix, c->err->field[0] ? "." : "",
                          c->err->field);
        lm_strlcpy(c->err->field, field, sizeof c->err->field);
    } else if (st == LM_NOMEM) {
        fmt__vroom_nomem(c);
    }
    return st;
}

/* "options": vroom-express's g (geometry), c (plan mode), t (threads), x (exploration level),
 * l (time limit, s); lastmile's {"iterations": N} for an iteration-budgeted, reproducible search
 * (solver.h says what that guarantees). Unknown option names are refused, not ignored. */
static lm_status read_options(pctx *c, const cJSON *root) {
    static const char *const known[] = {"iterations", "g", "c", "t", "x", "l", NULL};
    fmt_vroom_input *in = c->in;
    in->exploration = -1;
    const cJSON *opt = fmt_json_get(root, "options");
    if (!opt) return LM_OK;
    lm_status st = fmt_json_require_object(opt, "options", c->err);
    if (st == LM_OK) st = fmt_json_only_keys(opt, "options", known, c->err);
    int64_t n = 0, t = 0, x = -1;
    if (st == LM_OK)
        st = fmt_json_int(opt, "iterations", "options", FMT_JSON_OPTIONAL, 1,
                          FMT_VROOM_MAX_ITERATIONS, &n, c->err);
    if (st == LM_OK) st = fmt_json_int(opt, "t", "options", FMT_JSON_OPTIONAL, 1, 256, &t, c->err);
    if (st == LM_OK) st = fmt_json_int(opt, "x", "options", FMT_JSON_OPTIONAL, 0, 5, &x, c->err);
    bool g = false, plan = false;
    if (st == LM_OK) st = fmt_json_bool(opt, "g", "options", FMT_JSON_OPTIONAL, &g, c->err);
    if (st == LM_OK) st = fmt_json_bool(opt, "c", "options", FMT_JSON_OPTIONAL, &plan, c->err);
    const cJSON *l = fmt_json_get(opt, "l");
    if (st == LM_OK && l) {
        if (!cJSON_IsNumber(l) || !(l->valuedouble > 0.0 && l->valuedouble <= 86400.0))
            st = lm_errinfo_set(c->err, LM_INVALID, "options.l", "must be seconds in (0, 86400]");
        else
            in->time_limit_ms = (int64_t)(l->valuedouble * 1000.0) + 0;
        if (st == LM_OK && in->time_limit_ms < 1) in->time_limit_ms = 1;
    }
    if (st != LM_OK) return st;
    in->iterations = (uint64_t)n;
    in->threads = (unsigned)t;
    in->exploration = (int)x;
    in->geometry = g;
    in->plan = plan;
    return LM_OK;
}

/* The solver's problem from what parse_doc read (the tasks' and vehicles' locations resolved). */
static lm_status build_problem(pctx *c, const matrices *mx, solver_job *sjobs,
                               solver_shipment *sships, solver_vehicle *svehs) {
    fmt_vroom_input *in = c->in;
    size_t nj = in->n_jobs, ns = in->n_shipments, nv = in->n_vehicles, i;
    lm_status st;
    solver_problem_opts po;
    solver_problem_opts_init(&po);
    po.n_dims = in->n_dims;
    if ((st = solver_problem_create(&po, &in->problem)) != LM_OK) return builder_error(c, st, "");
    st = solver_problem_set_matrix(in->problem, mx->n, mx->durations, mx->distances, mx->costs,
                                   c->err);
    if (st != LM_OK) return builder_error(c, st, "");
    char path[PATH_LEN];
    for (i = 0; i < nj; i++) {
        sjobs[i].location = in->jobs[i].loc.index;
        if ((st = solver_problem_add_job(in->problem, &sjobs[i], c->err)) != LM_OK) {
            fmt_json_path_index(path, "jobs", i);
            return builder_error(c, st, path);
        }
    }
    for (i = 0; i < ns; i++) {
        sships[i].pickup.location = in->pickups[i].loc.index;
        sships[i].delivery.location = in->deliveries[i].loc.index;
        if ((st = solver_problem_add_shipment(in->problem, &sships[i], c->err)) != LM_OK) {
            fmt_json_path_index(path, "shipments", i);
            return builder_error(c, st, path);
        }
    }
    for (i = 0; i < nv; i++) {
        const vroom_vehicle *m = &in->vehicles[i];
        svehs[i].start = m->start.present ? m->start.index : SOLVER_NONE;
        svehs[i].end = m->end.present ? m->end.index : SOLVER_NONE;
        if ((st = solver_problem_add_vehicle(in->problem, &svehs[i], c->err)) != LM_OK) {
            fmt_json_path_index(path, "vehicles", i);
            return builder_error(c, st, path);
        }
    }
    return LM_OK;
}

static lm_status parse_doc(pctx *c, const cJSON *root) {
    fmt_vroom_input *in = c->in;
    lm_status st;
    matrices mx = {0};
    solver_job *sjobs = NULL;
    solver_shipment *sships = NULL;
    solver_vehicle *svehs = NULL;
    if (!cJSON_IsObject(root))
        return lm_errinfo_set(c->err, LM_INVALID, "", "the problem must be a JSON object");
    /* "options" is vroom-express's / openrouteservice's ({"g": true}) and lastmile's; "meta"
     * describes the instance in vroom-scripts' benchmark conversions (VROOM ignores it too) */
    static const char *const root_keys[] = {"jobs",   "shipments", "vehicles", "matrices",
                                            "matrix", "options",   "meta",     NULL};
    if ((st = fmt_json_only_keys(root, "", root_keys, c->err)) != LM_OK) return st;

    const cJSON *jobs, *ships, *vehs;
    size_t nj, ns, nv;
    if ((st = fmt_json_array(root, "jobs", "", FMT_JSON_OPTIONAL, c->o->max_jobs, &jobs, &nj,
                             c->err)) != LM_OK)
        return st;
    if ((st = fmt_json_array(root, "shipments", "", FMT_JSON_OPTIONAL, c->o->max_shipments, &ships,
                             &ns, c->err)) != LM_OK)
        return st;
    if ((st = fmt_json_array(root, "vehicles", "", FMT_JSON_OPTIONAL, c->o->max_vehicles, &vehs,
                             &nv, c->err)) != LM_OK)
        return st;
    if (!vehs || nv == 0)
        return lm_errinfo_set(c->err, LM_INVALID, "vehicles", "at least one vehicle is required");
    if (!jobs && !ships)
        return lm_errinfo_set(c->err, LM_INVALID, "jobs", "give jobs, shipments or both");
    if ((st = read_options(c, root)) != LM_OK) return st;

    /* Dimensions come from vehicles[0].capacity; everything else must match it. */
    const cJSON *cap0 = cJSON_IsObject(vehs->child) ? fmt_json_get(vehs->child, "capacity") : NULL;
    c->dims = cJSON_IsArray(cap0) ? cJSON_GetArraySize(cap0) : 0;
    if (c->dims > SOLVER_MAX_DIMS)
        return lm_errinfo_set(c->err, LM_INVALID, "vehicles[0].capacity",
                              "has %d dimensions; at most %d are supported", c->dims,
                              SOLVER_MAX_DIMS);
    in->n_dims = (uint32_t)c->dims;
    if ((st = fmt__vroom_read_profile(c, vehs)) != LM_OK) return st;
    if (!(in->profile = lm_arena_strndup(in->arena, c->profile, strlen(c->profile))))
        return fmt__vroom_nomem(c);
    if ((st = read_matrices(c, root, &mx)) != LM_OK) return st;
    c->n_matrix = mx.n;
    c->costs_matrix = mx.costs != NULL;
    in->has_distances = mx.distances != NULL;

    in->n_jobs = nj;
    in->n_shipments = ns;
    in->n_vehicles = nv;
    in->jobs = fmt__vroom_array(c, nj, sizeof *in->jobs);
    in->pickups = fmt__vroom_array(c, ns, sizeof *in->pickups);
    in->deliveries = fmt__vroom_array(c, ns, sizeof *in->deliveries);
    in->vehicles = fmt__vroom_array(c, nv, sizeof *in->vehicles);
    if (nj) sjobs = lm_calloc(nj, sizeof *sjobs);
    if (ns) sships = lm_calloc(ns, sizeof *sships);
    svehs = lm_calloc(nv, sizeof *svehs);
    if ((nj && (!in->jobs || !sjobs)) || (ns && (!in->pickups || !in->deliveries || !sships)) ||
        !in->vehicles || !svehs) {
        st = fmt__vroom_nomem(c);
        goto fail;
    }
    size_t i = 0;
    for (const cJSON *e = jobs ? jobs->child : NULL; e; e = e->next, i++)
        if ((st = fmt__vroom_read_job(c, e, i, &sjobs[i], &in->jobs[i])) != LM_OK) goto fail;
    i = 0;
    for (const cJSON *e = ships ? ships->child : NULL; e; e = e->next, i++)
        if ((st = fmt__vroom_read_shipment(c, e, i, &sships[i], &in->pickups[i],
                                           &in->deliveries[i])) != LM_OK)
            goto fail;
    c->fixed_job = fmt__vroom_array(c, nj, sizeof *c->fixed_job);
    c->fixed_pickup = fmt__vroom_array(c, ns, sizeof *c->fixed_pickup);
    c->fixed_delivery = fmt__vroom_array(c, ns, sizeof *c->fixed_delivery);
    if ((nj && !c->fixed_job) || (ns && (!c->fixed_pickup || !c->fixed_delivery))) {
        st = fmt__vroom_nomem(c);
        goto fail;
    }
    id_tables ids;
    if ((st = fmt__vroom_id_table(c, in->jobs, nj, "jobs", "", &ids.jobs)) != LM_OK) goto fail;
    if ((st = fmt__vroom_id_table(c, in->pickups, ns, "shipments", "pickup.", &ids.pickups)) !=
        LM_OK)
        goto fail;
    if ((st = fmt__vroom_id_table(c, in->deliveries, ns, "shipments", "delivery.",
                                  &ids.deliveries)) != LM_OK)
        goto fail;
    i = 0;
    for (const cJSON *e = vehs->child; e; e = e->next, i++) {
        if ((st = fmt__vroom_read_vehicle(c, e, i, &ids, &svehs[i], &in->vehicles[i])) != LM_OK)
            goto fail;
        for (size_t k = 0; k < i; k++)
            if (in->vehicles[k].id == in->vehicles[i].id) {
                char path[PATH_LEN];
                fmt__vroom_printf(path, sizeof path, "vehicles[%zu].id", i);
                st = lm_errinfo_set(c->err, LM_INVALID, path,
                                    "duplicate id %llu (also vehicles[%zu])",
                                    (unsigned long long)in->vehicles[i].id, k);
                goto fail;
            }
    }
    if ((st = resolve_locations(c, &mx)) != LM_OK) goto fail;
    fmt__vroom_resolve_per_type(in, sjobs, sships);

    /* Everything is read and consistent: hand it to the solver's builder. */
    st = build_problem(c, &mx, sjobs, sships, svehs);
fail:
    matrices_free(&mx);
    lm_free(sjobs);
    lm_free(sships);
    lm_free(svehs);
    return st;
}

lm_status fmt_vroom_parse(const char *json, size_t len, const fmt_vroom_opts *o,
                          fmt_vroom_input **out, lm_errinfo *err) {
    fmt_vroom_opts def;
    if (!o) {
        fmt_vroom_opts_init(&def);
        o = &def;
    }
    int64_t t0 = lm_mono_ns();
    if (!json) return lm_errinfo_set(err, LM_INVALID, "", "no problem given");
    if (len > o->max_bytes)
        return lm_errinfo_set(err, LM_TOO_BIG, "", "the problem is %zu bytes; the limit is %zu",
                              len, o->max_bytes);
    fmt_vroom_input *in = lm_calloc(1, sizeof *in);
    if (!in) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lm_status st = lm_arena_create(64 * len + (1u << 20), &in->arena);
    if (st != LM_OK) {
        lm_free(in);
        return lm_errinfo_set(err, st, "", "out of memory");
    }
    cJSON *root = NULL;
    if ((st = fmt_json_parse(json, len, o->max_bytes, &root, err)) != LM_OK) goto fail;
    pctx c = {.o = o, .in = in, .err = err};
    if ((st = fmt__vroom_big_numbers(&c, json, len, root)) != LM_OK) goto fail;
    if ((st = parse_doc(&c, root)) != LM_OK) goto fail;
    cJSON_Delete(root);
    in->loading_ms = (lm_mono_ns() - t0) / 1000000;
    *out = in;
    return LM_OK;
fail:
    cJSON_Delete(root);
    fmt_vroom_input_destroy(in);
    return st;
}
