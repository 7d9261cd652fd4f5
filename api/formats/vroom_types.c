/* api/formats/vroom_types.c: VROOM's vehicle types: a task's setup_per_type / service_per_type
 * give its setup and service on vehicles of that `type`. The solver takes one value per task,
 * so a value the whole fleet shares is handed to it; values that differ between the fleet's
 * types are honoured in plan mode (per step) and refused when solving. */
#include "api/formats/vroom_internal.h"

#include <string.h>

static int64_t lookup(const vroom_typed *pt, size_t n, const char *type, int64_t def) {
    if (!type || !*type) return def; /* the default type is never overridden (VROOM) */
    for (size_t i = 0; i < n; i++)
        if (!strcmp(pt[i].type, type)) return pt[i].value_s;
    return def;
}

int64_t fmt__vroom_task_setup(const vroom_task *t, const char *type) {
    return lookup(t->setup_pt, t->n_setup_pt, type, t->setup_s);
}

int64_t fmt__vroom_task_service(const vroom_task *t, const char *type) {
    return lookup(t->service_pt, t->n_service_pt, type, t->service_s);
}

/* The value every vehicle sees, or false when two vehicle types see different ones. */
static bool fleet_value(const fmt_vroom_input *in, const vroom_task *t, bool setup, int64_t *out) {
    for (size_t v = 0; v < in->n_vehicles; v++) {
        const char *type = in->vehicles[v].type;
        int64_t x = setup ? fmt__vroom_task_setup(t, type) : fmt__vroom_task_service(t, type);
        if (v == 0)
            *out = x;
        else if (x != *out)
            return false;
    }
    return true;
}

static void resolve(fmt_vroom_input *in, const vroom_task *t, int64_t *setup, int64_t *service) {
    if (!t->n_setup_pt && !t->n_service_pt) return;
    int64_t a = *setup, b = *service;
    bool same = fleet_value(in, t, true, &a) && fleet_value(in, t, false, &b);
    if (!same) {
        in->per_type_varies = true;
        return;
    }
    *setup = a;
    *service = b;
}

void fmt__vroom_resolve_per_type(fmt_vroom_input *in, solver_job *jobs, solver_shipment *ships) {
    for (size_t i = 0; i < in->n_jobs; i++)
        resolve(in, &in->jobs[i], &jobs[i].setup_s, &jobs[i].service_s);
    for (size_t i = 0; i < in->n_shipments; i++) {
        resolve(in, &in->pickups[i], &ships[i].pickup.setup_s, &ships[i].pickup.service_s);
        resolve(in, &in->deliveries[i], &ships[i].delivery.setup_s, &ships[i].delivery.service_s);
    }
}
