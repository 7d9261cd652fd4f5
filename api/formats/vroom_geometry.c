/* api/formats/vroom_geometry.c: VROOM's -g / options.g: each route's road path through the
 * coordinates its steps visit, from the routing engine that gave the matrix (geo/), as the
 * precision-5 polyline VROOM writes in routes[].geometry. */
#include "api/formats/vroom_internal.h"
#include "geo/geo.h"

#include <string.h>

bool fmt_vroom_input_wants_geometry(const fmt_vroom_input *in) {
    return in->geometry;
}

void fmt_vroom_input_set_geometry(fmt_vroom_input *in, bool on) {
    in->geometry = on;
}

geo_matrix_provider *fmt_vroom_provider(const fmt_vroom_input *in, geo_router *router) {
    return router ? geo_router_provider(router, in->profile) : NULL;
}

void fmt_vroom_geometry_free(char **g, size_t n) {
    for (size_t i = 0; g && i < n; i++)
        lm_free(g[i]);
    lm_free(g);
}

/* The coordinates route r visits; false when a step has only a matrix index. */
static bool route_points(const fmt_vroom_input *in, const solver_route *r, geo_point *pts,
                         size_t *n) {
    size_t k = 0;
    for (size_t i = 0; i < r->n_steps; i++) {
        uint32_t loc = r->steps[i].location;
        if (r->steps[i].type == SOLVER_STEP_BREAK || loc == SOLVER_NONE) continue;
        const vroom_loc *l = loc < in->n_locations && in->index_loc ? &in->index_loc[loc] : NULL;
        if (!l || !l->has_coord) return false;
        pts[k++] = (geo_point){l->lat, l->lon};
    }
    *n = k;
    return true;
}

lm_status fmt_vroom_geometry(const fmt_vroom_input *in, const solver_solution *s,
                             geo_matrix_provider *p, char ***out, lm_errinfo *err) {
    geo_matrix_provider *own = NULL;
    lm_status st = LM_OK;
    char **g = lm_calloc(s->n_routes + 1, sizeof *g);
    if (!g) return lm_errinfo_set(err, LM_NOMEM, "", "no memory for route geometry");
    if (!p) {
        geo_matrix_opts go;
        geo_matrix_opts_init(&go);
        if ((st = geo_matrix_provider_create(&go, &own, err)) != LM_OK) goto fail;
        p = own;
    }
    for (size_t r = 0; r < s->n_routes && st == LM_OK; r++) {
        const solver_route *rt = &s->routes[r];
        geo_point *pts = lm_calloc(rt->n_steps + 1, sizeof *pts);
        size_t n = 0;
        if (!pts) {
            st = lm_errinfo_set(err, LM_NOMEM, "", "no memory for route geometry");
            break;
        }
        if (route_points(in, rt, pts, &n)) {
            if (n >= 2)
                st = geo_route_geometry(p, pts, n, &g[r], NULL, NULL, NULL, err);
            else if (n == 1)
                st = geo_polyline_encode(pts, 1, 5, &g[r], err);
        }
        lm_free(pts);
    }
    if (st != LM_OK) goto fail;
    geo_matrix_provider_destroy(own);
    *out = g;
    return LM_OK;
fail:
    geo_matrix_provider_destroy(own);
    fmt_vroom_geometry_free(g, s->n_routes);
    return st;
}
