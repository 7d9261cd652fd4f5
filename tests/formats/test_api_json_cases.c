/* tests/formats/test_api_json_cases.c: runs every case of tests/data/api_json/ (case_file.h)
 * through the request-body codecs other than orders_json: fleet_json (kind vehicle, driver),
 * plan_json (plan, move, replan), config_json (config) and driver_json (positions, exception,
 * failed, delivered). The input is the JSON body, parsed with fmt_json_parse as the server does;
 * status / field / reason are the codec's outcome. Delivery cases hold the proof images, so the
 * image checks (fmt_image_ok: a whole PNG or JPEG, not just its magic number) are cases too. */
#include "api/formats/config_json.h"
#include "api/formats/driver_json.h"
#include "api/formats/fleet_json.h"
#include "api/formats/json.h"
#include "api/formats/plan_json.h"
#include "json_case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lm_status decode(const char *kind, const cJSON *j, lm_arena *arena, void *unused,
                        lm_errinfo *err, bool *known) {
    (void)unused;
    *known = true;
    static dispatch_vehicle v;
    static dispatch_driver d;
    static fmt_plan_body pb;
    static fmt_plan_move mv;
    char vehicle[DISPATCH_ID_MAX + 1];
    if (!strcmp(kind, "vehicle")) return fmt_vehicle_from_json(j, &v, err);
    if (!strcmp(kind, "driver")) return fmt_driver_from_json(j, &d, err);
    if (!strcmp(kind, "plan")) return fmt_plan_from_json(j, &pb, err);
    if (!strcmp(kind, "move")) return fmt_plan_move_from_json(j, &mv, err);
    if (!strcmp(kind, "replan")) return fmt_replan_from_json(j, vehicle, err);
    if (!strcmp(kind, "config")) {
        orders_config c;
        memset(&c, 0, sizeof c);
        lm_status st = fmt_orders_config_merge(j, &c, err);
        orders_config_clear(&c);
        return st;
    }
    if (!strcmp(kind, "positions")) {
        fmt_osmand_pos *pos = NULL;
        size_t n = 0;
        return fmt_positions_from_json(j, "dev", arena, &pos, &n, err);
    }
    if (!strcmp(kind, "exception")) {
        fmt_driver_exception x;
        return fmt_driver_exception_from_json(j, &x, err);
    }
    if (!strcmp(kind, "failed")) {
        fmt_stop_failed f;
        return fmt_stop_failed_from_json(j, &f, err);
    }
    if (!strcmp(kind, "delivered")) {
        fmt_delivery dv;
        return fmt_delivery_from_json(j, NULL, arena, &dv, err);
    }
    *known = false;
    return LM_OK;
}

static bool run_case(const tc_case *c, char *why, size_t size) {
    static const tc_json_codec codec = {.decode = decode, .parse_empty = true};
    return tc_json_run(c, &codec, why, size);
}

int main(void) {
    return tc_main("api_json", run_case);
}
