/* analytics/routes.c: one record per vehicle route (route.started to its last stop outcome) for
 * cost per stop and per km and the fleet's utilisation; the planned legs, stop weights and
 * vehicle settings (costs, shift, capacity) are read from the store at sync, once per stop
 * outcome and once per route. */
#include "analytics/internal.h"
#include "store/store_dispatch.h"

#include <string.h>

void an_routes_free(analytics_kpi *a) {
    lm_free(a->routes);
    lm_free(a->pstops);
}

lm_status an_route_started(analytics_kpi *a, const char *vehicle, const char *driver, int64_t t) {
    if (a->n_routes == a->cap_routes) {
        size_t cap = a->cap_routes ? a->cap_routes * 2 : 64;
        an_route *r = lm_reallocarray(a->routes, cap, sizeof *r);
        if (!r) return LM_NOMEM;
        a->routes = r;
        a->cap_routes = cap;
    }
    an_route *r = &a->routes[a->n_routes++];
    memset(r, 0, sizeof *r);
    lm_strlcpy(r->vehicle, vehicle, sizeof r->vehicle);
    lm_strlcpy(r->driver, driver, sizeof r->driver);
    r->started_ms = r->last_ms = t;
    return LM_OK;
}

an_route *an_route_at(analytics_kpi *a, const char *vehicle, int64_t t, size_t *index) {
    /* the vehicle's latest route, if it started by t (an outcome timed before its vehicle's
     * latest start belongs to no route: the persisted rollups keep only each vehicle's latest
     * route, and the two must fold alike); the search from the end stops after the routes started
     * since (a day's worth at most) */
    size_t i = a->n_routes;
    while (i > 0 && strcmp(a->routes[i - 1].vehicle, vehicle))
        i--;
    if (i == 0 || a->routes[i - 1].started_ms > t) return NULL;
    if (index) *index = i - 1;
    return &a->routes[i - 1];
}

lm_status an_route_stop(analytics_kpi *a, const char *vehicle, int64_t stop_id, int64_t t,
                        bool delivery) {
    size_t i = 0;
    an_route *r = an_route_at(a, vehicle, t, &i);
    if (!r) return LM_OK; /* no route to cost */
    r->stops++;
    if (t > r->last_ms) r->last_ms = t;
    if (a->n_pstops == a->cap_pstops) {
        size_t cap = a->cap_pstops ? a->cap_pstops * 2 : 64;
        an_pstop *p = lm_reallocarray(a->pstops, cap, sizeof *p);
        if (!p) return LM_NOMEM;
        a->pstops = p;
        a->cap_pstops = cap;
    }
    a->pstops[a->n_pstops++] = (an_pstop){stop_id, i, delivery};
    return LM_OK;
}

lm_status an_routes_sync(analytics_kpi *a, store_read *r, lm_errinfo *err) {
    lm_status rc;
    while (a->n_pstops > 0) {
        an_pstop *p = &a->pstops[a->n_pstops - 1];
        store_stop st;
        if ((rc = store_stop_get(r, p->stop_id, &st, err)) == LM_OK) {
            a->routes[p->route].planned_m += st.leg_m;
            if (p->delivery) a->routes[p->route].load_g += st.weight_g;
        } else if (rc != LM_NOT_FOUND)
            return rc;
        a->n_pstops--;
    }
    for (; a->routes_costed < a->n_routes; a->routes_costed++) {
        an_route *rt = &a->routes[a->routes_costed];
        store_vehicle v;
        if ((rc = store_vehicle_get(r, rt->vehicle, &v, err)) == LM_OK) {
            rt->cost_fixed = v.cost_fixed;
            rt->cost_per_hour = v.cost_per_hour;
            rt->cost_per_km = v.cost_per_km;
            rt->costs_known = true;
            rt->shift_s = v.shift_end_s > v.shift_start_s ? v.shift_end_s - v.shift_start_s : 0;
            rt->capacity_g = v.capacity_g > 0 ? v.capacity_g : 0;
        } else if (rc != LM_NOT_FOUND) {
            return rc;
        }
    }
    return LM_OK;
}
