/* analytics/fleet.c: the fleet figures events add once — re-plans by trigger, exceptions by kind
 * and the time until each is resolved, legs driven against planned — and the delivery zone of a
 * location (depot x geohash cell), which promised windows are calibrated per. */
#include "analytics/internal.h"

#include <string.h>

static const char *const trigger_names[AN_TRIGGERS] = {"manual", "late",         "breakdown",
                                                       "failed", "urgent",       "cancelled",
                                                       "silent", "vehicle_full", "other"};
static const char *const exc_names[AN_EXC_KINDS] = {
    "breakdown", "delay", "accident", "vehicle_full", "alarm", "late", "silent"};

/* The kinds after driver.exception's own five (exc_names' order). */
enum { EXC_DRIVER_KINDS = 5, EXC_LATE = 5, EXC_SILENT = 6 };

const char *analytics_trigger_name(int i) {
    return i >= 0 && i < AN_TRIGGERS ? trigger_names[i] : "";
}

const char *analytics_exc_name(int i) {
    return i >= 0 && i < AN_EXC_KINDS ? exc_names[i] : "";
}

static int name_index(const char *s, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

static lm_status evc_add(analytics_kpi *a, int64_t t_ms, const char *vehicle, const char *driver,
                         int counter, int64_t value, int hist, double hist_s) {
    if (a->n_evc == a->cap_evc) {
        size_t cap = a->cap_evc ? a->cap_evc * 2 : 32;
        an_evc *e = lm_reallocarray(a->evc, cap, sizeof *e);
        if (!e) return LM_NOMEM;
        a->evc = e;
        a->cap_evc = cap;
    }
    an_evc *e = &a->evc[a->n_evc++];
    memset(e, 0, sizeof *e);
    e->t_ms = t_ms;
    lm_strlcpy(e->vehicle, vehicle, sizeof e->vehicle);
    lm_strlcpy(e->driver, driver, sizeof e->driver);
    e->counter = counter;
    e->value = value;
    e->hist = hist;
    e->hist_s = hist_s;
    return LM_OK;
}

/* The driver a vehicle-only event is charged to: the one of its last route.started. */
static const char *driver_of(analytics_kpi *a, const char *vehicle) {
    an_vdriver *vd = vehicle[0] ? an_vd_get(a, vehicle, false) : NULL;
    return vd ? vd->driver : "";
}

/* Raises an exception of kind k: counted at t, and left open on the vehicle until resolved. */
static lm_status exc_raise(analytics_kpi *a, int k, const char *vehicle, const char *driver,
                           int64_t t) {
    lm_status rc = evc_add(a, t, vehicle, driver, AN_C_EXC0 + k, 1, -1, 0);
    if (rc != LM_OK || !vehicle[0]) return rc; /* an alarm names no vehicle: never resolved */
    an_vdriver *vd = an_vd_get(a, vehicle, true);
    if (!vd) return LM_NOMEM;
    if (vd->n_open == AN_EXC_OPEN_MAX) { /* the oldest is forgotten, unresolved */
        memmove(vd->open, vd->open + 1, (AN_EXC_OPEN_MAX - 1) * sizeof *vd->open);
        vd->n_open--;
    }
    an_exc *x = &vd->open[vd->n_open++];
    x->kind = k;
    x->t_ms = t;
    lm_strlcpy(x->driver, driver, sizeof x->driver);
    return LM_OK;
}

/* The vehicle's open exceptions are resolved at t: work resumed (a stop reached or served) or a
 * re-plan for it was applied. Each adds its resolution to the rows of the exception's time. */
static lm_status exc_resolve(analytics_kpi *a, const char *vehicle, int64_t t) {
    an_vdriver *vd = vehicle[0] ? an_vd_get(a, vehicle, false) : NULL;
    lm_status rc = LM_OK;
    for (size_t i = 0; vd && i < vd->n_open && rc == LM_OK; i++) {
        const an_exc *x = &vd->open[i];
        int64_t secs = t > x->t_ms ? (t - x->t_ms) / 1000 : 0;
        rc = evc_add(a, x->t_ms, vehicle, x->driver, AN_C_EXC_RESOLVED0 + x->kind, 1, AN_H_RESOLVE,
                     (double)secs);
        if (rc == LM_OK)
            rc =
                evc_add(a, x->t_ms, vehicle, x->driver, AN_C_EXC_RESOLVE_S0 + x->kind, secs, -1, 0);
    }
    if (vd && rc == LM_OK) vd->n_open = 0;
    return rc;
}

/* stop.arrived (a leg to a stop, the first one from the depot included) or route.returned (the
 * drive back to the depot) with the driven distance dispatch measured: a leg of the vehicle's
 * route. */
static void leg_driven(analytics_kpi *a, const char *vehicle, const char *p, int64_t t) {
    int64_t driven = 0, planned = 0;
    if (!an_field_i64(p, "driven_m", &driven) || !an_field_i64(p, "leg_m", &planned)) return;
    an_route *rt = an_route_at(a, vehicle, t, NULL);
    if (!rt || driven < 0 || planned < 0) return;
    rt->legs++;
    rt->leg_planned_m += planned;
    rt->driven_m += driven;
}

lm_status an_fold_fleet(analytics_kpi *a, const store_event *e, int64_t t) {
    const char *p = e->payload_json, *type = e->type;
    char v[33] = "", d[65] = "", name[33] = "";
    an_field_str(p, "vehicle_id", v, sizeof v);
    if (!strcmp(type, "plan.replanned")) {
        int k = an_field_str(p, "trigger", name, sizeof name)
                    ? name_index(name, trigger_names, AN_TRIGGERS - 1)
                    : -1;
        lm_status rc = evc_add(a, t, v, driver_of(a, v),
                               AN_C_REPLAN0 + (k < 0 ? AN_TRIGGERS - 1 : k), 1, -1, 0);
        return rc == LM_OK ? exc_resolve(a, v, t) : rc;
    }
    if (!strcmp(type, "driver.exception")) {
        an_field_str(p, "driver_id", d, sizeof d);
        int k = an_field_str(p, "kind", name, sizeof name)
                    ? name_index(name, exc_names, EXC_DRIVER_KINDS)
                    : -1;
        return k < 0 ? LM_OK : exc_raise(a, k, v, d[0] ? d : driver_of(a, v), t);
    }
    if (!strcmp(type, "stop.late")) return exc_raise(a, EXC_LATE, v, driver_of(a, v), t);
    if (!strcmp(type, "vehicle.silent")) {
        an_field_str(p, "driver_id", d, sizeof d);
        return exc_raise(a, EXC_SILENT, v, d[0] ? d : driver_of(a, v), t);
    }
    if (v[0] && !strcmp(type, "route.returned")) {
        leg_driven(a, v, p, t);
        return LM_OK;
    }
    if (!v[0] || strncmp(type, "stop.", 5)) return LM_OK;
    bool arrived = !strcmp(type, "stop.arrived");
    if (arrived) leg_driven(a, v, p, t);
    if (arrived || !strcmp(type, "stop.delivered") || !strcmp(type, "stop.failed") ||
        !strcmp(type, "stop.picked_up"))
        return exc_resolve(a, v, t);
    return LM_OK;
}

/* ---- Zones ---- */

void an_zone_of(const char *depot, double lat, double lon, char *out, size_t cap) {
    static const char b32[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    char gh[AN_ZONE_PRECISION + 1];
    double la[2] = {-90, 90}, lo[2] = {-180, 180};
    /* geohash: bits alternate longitude, latitude, each halving its interval */
    for (int i = 0, bit = 0; i < AN_ZONE_PRECISION; i++) {
        int c = 0;
        for (int k = 0; k < 5; k++, bit++) {
            double *iv = bit % 2 ? la : lo, x = bit % 2 ? lat : lon, mid = (iv[0] + iv[1]) / 2;
            c <<= 1;
            if (x >= mid) {
                c |= 1;
                iv[0] = mid;
            } else {
                iv[1] = mid;
            }
        }
        gh[i] = b32[c];
    }
    gh[AN_ZONE_PRECISION] = '\0';
    size_t n = strlen(depot);
    if (cap == 0) return;
    lm_strlcpy(out, depot[0] ? depot : "-", cap);
    if (!depot[0]) n = 1;
    if (n + 1 < cap) {
        out[n] = '/';
        lm_strlcpy(out + n + 1, gh, cap - n - 1);
    }
}
