/* tests/api/test_settings_http.c: issue 13's settings through the real server (in-process,
 * 127.0.0.1): GET/PUT /v1/settings validated (unknown keys, ranges, names, the field named, the
 * event log unchanged on refusal), versioned (If-Match or body version, 412 stale, 428 missing,
 * history with who changed what), audited (settings.changed), effective without a restart (a
 * wider geofence turns the same positions into an arrival), and the per-depot re-plan auto-apply
 * policy (never / eta_within N minutes / always) decided where proposals are made. */
#include "tests/support/http_test.h"
#include "tests/support/plan_world.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static plan_world W;

typedef struct resp {
    long status;
    cJSON *json;
    char body[32768];
    char headers[2048];
} resp;

/* One request; header is one more "Name: value" line or NULL. */
static resp *call(const char *method, const char *path, const char *key, const char *body,
                  const char *header) {
    static resp r;
    cJSON_Delete(r.json);
    memset(&r, 0, sizeof r);
    http_test_req q = {.method = method,
                       .path = path,
                       .key = key,
                       .body = body,
                       .content_type = body ? "application/json" : NULL,
                       .header = header};
    http_test_resp hr;
    http_test_request(W.port, &q, &hr);
    if (!hr.complete) fail_msg("%s %s: transport error %s", method, path, hr.error);
    r.status = hr.status;
    if (hr.body.data) lm_strlcpy(r.body, hr.body.data, sizeof r.body);
    if (hr.headers.data) lm_strlcpy(r.headers, hr.headers.data, sizeof r.headers);
    r.json = hr.json;
    hr.json = NULL;
    http_test_resp_free(&hr);
    return &r;
}

#define EXPECT(r, code)                                                                            \
    do {                                                                                           \
        if ((r)->status != (code))                                                                 \
            fail_msg("expected %d, got %ld: %s", (int)(code), (r)->status, (r)->body);             \
    } while (0)

/* A refused change: status, the field named, and nothing appended to the event log. */
static int64_t last_seq(void);

static void refused(const char *path, const char *body, const char *header, int status,
                    const char *field) {
    int64_t before = last_seq();
    resp *r = call("PUT", path, W.admin, body, header);
    EXPECT(r, status);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(e, "field");
    if (!cJSON_IsString(f) || strcmp(f->valuestring, field))
        fail_msg("%s: expected field %s in %s", body, field, r->body);
    assert_int_equal(last_seq(), before); /* nothing appended to the event log */
}

/* The member at a dotted path ("settings.replan.auto_apply"), or NULL. */
static const cJSON *at(const cJSON *o, const char *path) {
    const cJSON *it = o;
    while (it && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        char key[64];
        lm_strlcpy(key, path, n + 1 < sizeof key ? n + 1 : sizeof key);
        it = cJSON_GetObjectItemCaseSensitive(it, key);
        path += n + (dot ? 1 : 0);
    }
    return it;
}

static int64_t num(const cJSON *o, const char *path) {
    const cJSON *it = at(o, path);
    if (!cJSON_IsNumber(it)) fail_msg("%s is not a number", path);
    return (int64_t)it->valuedouble;
}

static const char *str(const cJSON *o, const char *path) {
    const cJSON *it = at(o, path);
    if (!cJSON_IsString(it)) fail_msg("%s is not a string", path);
    return it->valuestring;
}

/* Events of type after seq (count), the last one's payload copied into payload (may be NULL). */
static size_t events_of(const char *type, int64_t after, char *payload, size_t size) {
    store_read *rd = NULL;
    store_event *ev = NULL;
    size_t n = 0, hits = 0;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(store_events_since(rd, after, 10000, &ev, &n), LM_OK);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ev[i].type, type)) {
            hits++;
            if (payload) lm_strlcpy(payload, ev[i].payload_json, size);
        }
    store_events_free(ev, n);
    store_read_end(rd);
    return hits;
}

static int64_t last_seq(void) {
    store_read *rd = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(store_events_since(rd, 0, 10000, &ev, &n), LM_OK);
    int64_t s = n ? ev[n - 1].seq : 0;
    store_events_free(ev, n);
    store_read_end(rd);
    return s;
}

static int setup(void **state) {
    (void)state;
    plan_world_setup(&W, "lm_settings_http_");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    plan_world_teardown(&W);
    return 0;
}

/* ---- Validated, versioned, audited ---- */

static void test_validated_versioned_audited(void **state) {
    (void)state;
    resp *r = call("GET", "/v1/settings", W.disp, NULL, NULL);
    EXPECT(r, 200);
    assert_int_equal(num(r->json, "version"), 0);
    assert_int_equal(num(r->json, "settings.geofence_radius_m"), 60); /* the server default */
    assert_int_equal(num(r->json, "settings.late_threshold_s"), 300);
    assert_string_equal(str(r->json, "settings.replan.auto_apply"), "never");
    assert_string_equal(str(r->json, "settings.working_hours.end"), "24:00");
    assert_non_null(strstr(r->headers, "ETag: \"0\""));

    /* refused, each naming its field, nothing saved */
    refused("/v1/settings", "{\"settings\":{\"geofence_radius_m\":80}}", NULL, 428, "version");
    refused("/v1/settings", "{\"version\":0,\"settings\":{\"geofence\":80}}", NULL, 400,
            "settings.geofence");
    refused("/v1/settings", "{\"version\":0,\"settings\":{\"geofence_radius_m\":1}}", NULL, 400,
            "settings.geofence_radius_m");
    refused("/v1/settings", "{\"version\":0,\"settings\":{\"geofence_radius_m\":\"80\"}}", NULL,
            400, "settings.geofence_radius_m");
    refused("/v1/settings", "{\"version\":0,\"settings\":{\"replan\":{\"auto_apply\":\"often\"}}}",
            NULL, 400, "settings.replan.auto_apply");
    refused("/v1/settings", "{\"version\":0,\"settings\":{\"replan\":{\"max_eta_shift_min\":-1}}}",
            NULL, 400, "settings.replan.max_eta_shift_min");
    refused("/v1/settings", "{\"version\":0,\"settings\":{\"working_hours\":{\"start\":\"7h\"}}}",
            NULL, 400, "settings.working_hours.start");
    refused("/v1/settings",
            "{\"version\":0,\"settings\":{\"working_hours\":{\"start\":\"19:00\",\"end\":"
            "\"08:00\"}}}",
            NULL, 400, "settings.working_hours.start");
    refused("/v1/settings", "{\"version\":0,\"depots\":{\"NOPE\":{\"late_threshold_s\":60}}}", NULL,
            400, "depots.NOPE.late_threshold_s");
    refused("/v1/settings", "{\"version\":0,\"depots\":{\"DEP\":{\"silent_after_s\":60}}}", NULL,
            400, "depots.DEP.silent_after_s");
    refused("/v1/settings", "{\"version\":0,\"service_s_by_product\":{\"NOSKU\":60}}", NULL, 400,
            "service_s_by_product.NOSKU");
    refused("/v1/settings", "{\"version\":0,\"colour\":\"red\"}", NULL, 400, "colour");
    refused("/v1/settings", "{\"settings\":{\"late_threshold_s\":60}}", "If-Match: 0", 400,
            "If-Match");
    r = call("PUT", "/v1/settings", W.disp, "{\"version\":0,\"settings\":{\"eta_change_s\":60}}",
             NULL);
    EXPECT(r, 403); /* changing settings is the admin's */

    /* version 1 by body version, version 2 by If-Match; a stale one is a 412 */
    r = call("PUT", "/v1/settings", W.admin,
             "{\"version\":0,\"settings\":{\"late_threshold_s\":600,\"replan\":{\"auto_apply\":"
             "\"eta_within\",\"max_eta_shift_min\":15},\"working_hours\":{\"start\":\"07:00\"}},"
             "\"depots\":{\"DEP\":{\"late_threshold_s\":120}},\"service_s_by_product\":{\"SKU1\":"
             "240}}",
             NULL);
    EXPECT(r, 200);
    assert_int_equal(num(r->json, "version"), 1);
    assert_int_equal(num(r->json, "settings.late_threshold_s"), 600);
    assert_int_equal(num(r->json, "settings.replan.max_eta_shift_min"), 15);
    assert_string_equal(str(r->json, "settings.working_hours.start"), "07:00");
    assert_int_equal(num(r->json, "depots.DEP.late_threshold_s"), 120);
    assert_int_equal(num(r->json, "service_s_by_product.SKU1"), 240);
    assert_non_null(strstr(r->headers, "ETag: \"1\""));
    refused("/v1/settings", "{\"version\":0,\"settings\":{\"late_threshold_s\":60}}", NULL, 412,
            "version");
    refused("/v1/settings", "{\"settings\":{\"late_threshold_s\":60}}", "If-Match: \"0\"", 412,
            "version");
    r = call("PUT", "/v1/settings", W.admin,
             "{\"settings\":{\"late_threshold_s\":null},\"service_s_by_product\":{\"SKU1\":null}}",
             "If-Match: \"1\"");
    EXPECT(r, 200);
    assert_int_equal(num(r->json, "version"), 2);
    assert_int_equal(num(r->json, "settings.late_threshold_s"), 300); /* back to the default */
    assert_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r->json, "service_s_by_product"), "SKU1"));
    /* a change that changes nothing saves no version */
    r = call("PUT", "/v1/settings", W.admin,
             "{\"version\":2,\"settings\":{\"late_threshold_s\":null}}", NULL);
    EXPECT(r, 200);
    assert_int_equal(num(r->json, "version"), 2);

    /* one depot's section: effective values and its own overrides */
    r = call("GET", "/v1/settings/depots/DEP", W.disp, NULL, NULL);
    EXPECT(r, 200);
    assert_int_equal(num(r->json, "settings.late_threshold_s"), 120);
    assert_int_equal(num(r->json, "settings.replan.max_eta_shift_min"), 15); /* from global */
    assert_int_equal(num(r->json, "overrides.late_threshold_s"), 120);
    assert_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r->json, "overrides"), "replan"));
    EXPECT(call("GET", "/v1/settings/depots/NOPE", W.disp, NULL, NULL), 404);
    refused("/v1/settings/depots/DEP", "{\"version\":2,\"settings\":{\"silent_after_s\":60}}", NULL,
            400, "settings.silent_after_s");
    r = call("PUT", "/v1/settings/depots/DEP", W.admin,
             "{\"version\":2,\"settings\":{\"geofence_radius_m\":90}}", NULL);
    EXPECT(r, 200);
    assert_int_equal(num(r->json, "version"), 3);
    assert_int_equal(num(r->json, "overrides.geofence_radius_m"), 90);

    /* history: who changed what, newest first; an old version stays readable */
    r = call("GET", "/v1/settings/history?limit=2", W.disp, NULL, NULL);
    EXPECT(r, 200);
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(r->json, "versions");
    assert_int_equal(cJSON_GetArraySize(vs), 2);
    const cJSON *v3 = cJSON_GetArrayItem(vs, 0);
    assert_int_equal(num(v3, "version"), 3);
    char actor[64];
    snprintf(actor, sizeof actor, "key:%.16s", W.admin + 3);
    assert_string_equal(str(v3, "actor"), actor);
    const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(v3, "changes"), 0);
    assert_string_equal(str(c0, "scope"), "depot:DEP");
    assert_string_equal(str(c0, "key"), "arrival_radius_m");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(c0, "from")));
    assert_int_equal(num(c0, "to"), 90);
    assert_int_equal(num(r->json, "next_before"), 2);
    r = call("GET", "/v1/settings/versions/1", W.disp, NULL, NULL);
    EXPECT(r, 200);
    assert_int_equal(num(r->json, "settings.late_threshold_s"), 600);
    EXPECT(call("GET", "/v1/settings/versions/9", W.disp, NULL, NULL), 404);
    /* audit: one settings.changed per version, with the actor */
    char payload[2048];
    assert_int_equal(events_of("settings.changed", 0, payload, sizeof payload), 3);
    assert_non_null(strstr(payload, actor));
    assert_non_null(strstr(payload, "\"key\":\"arrival_radius_m\",\"from\":null,\"to\":90"));
    /* back to the defaults for the next tests */
    r = call("PUT", "/v1/settings", W.admin,
             "{\"version\":3,\"settings\":{\"replan\":null,\"working_hours\":null},\"depots\":{"
             "\"DEP\":null}}",
             NULL);
    EXPECT(r, 200);
    assert_int_equal(num(r->json, "version"), 4);
    assert_string_equal(str(r->json, "settings.replan.auto_apply"), "never");
    assert_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r->json, "depots"), "DEP"));
}

/* ---- Effective without a restart ---- */

/* The first pending stop of D1's route: id and location. */
static void first_stop(int64_t *id, double *lat, double *lon, char *status, size_t size) {
    resp *r = call("GET", "/v1/driver/route", W.d1, NULL, NULL);
    EXPECT(r, 200);
    const cJSON *stops = cJSON_GetObjectItemCaseSensitive(r->json, "stops");
    const cJSON *s = cJSON_GetArrayItem(stops, 0);
    assert_non_null(s);
    *id = num(s, "id");
    const cJSON *loc = cJSON_GetObjectItemCaseSensitive(s, "location");
    *lon = cJSON_GetArrayItem(loc, 0)->valuedouble;
    *lat = cJSON_GetArrayItem(loc, 1)->valuedouble;
    lm_strlcpy(status, str(s, "status"), size);
}

static void position(double lat, double lon, int64_t t_s, double speed) {
    char body[256];
    snprintf(body, sizeof body,
             "{\"positions\":[{\"lat\":%.6f,\"lon\":%.6f,\"timestamp\":%" PRId64
             ",\"speed\":%.1f,\"accuracy\":5}]}",
             lat, lon, t_s, speed);
    EXPECT(call("POST", "/v1/driver/positions", W.d1, body, NULL), 200);
}

static void test_geofence_change_takes_effect_at_once(void **state) {
    (void)state;
    int64_t stop = 0;
    double lat = 0, lon = 0;
    char status[32];
    first_stop(&stop, &lat, &lon, status, sizeof status);
    assert_string_equal(status, "planned");
    int64_t now = (int64_t)time(NULL); /* timing-ok: device timestamps, no bound */
    /* leaves the depot, then waits 110 m from the stop: outside the default 60 m */
    position(PLAN_WORLD_DEPOT_LAT, PLAN_WORLD_DEPOT_LON, now - 600, 10);
    double near = lat + 0.001;
    position(near, lon, now - 300, 0);
    position(near, lon, now - 250, 0);
    first_stop(&stop, &lat, &lon, status, sizeof status);
    assert_string_equal(status, "planned");
    /* a wider geofence, saved while the server runs: the same wait is now an arrival */
    resp *r = call("GET", "/v1/settings", W.disp, NULL, NULL);
    char body[128];
    snprintf(body, sizeof body,
             "{\"version\":%" PRId64 ",\"settings\":{\"geofence_radius_m\":200}}",
             num(r->json, "version"));
    EXPECT(call("PUT", "/v1/settings", W.admin, body, NULL), 200);
    int64_t seq = last_seq();
    position(near, lon, now - 200, 0);
    position(near, lon, now - 150, 0);
    first_stop(&stop, &lat, &lon, status, sizeof status);
    assert_string_equal(status, "arrived");
    assert_int_equal(events_of("stop.arrived", seq, NULL, 0), 1);
}

/* ---- The per-depot auto-apply policy of re-plan proposals ---- */

static void put_depot_policy(const char *policy_json) {
    resp *r = call("GET", "/v1/settings", W.disp, NULL, NULL);
    char body[256];
    snprintf(body, sizeof body, "{\"version\":%" PRId64 ",\"settings\":{\"replan\":%s}}",
             num(r->json, "version"), policy_json);
    r = call("PUT", "/v1/settings/depots/DEP", W.admin, body, NULL);
    EXPECT(r, 200);
}

/* Asks for a re-plan and waits for the worker: how many plan.replanned and held events came. */
static void replan(size_t *applied, size_t *held, char *why, size_t size) {
    int64_t seq = last_seq();
    EXPECT(call("POST", "/v1/replans", W.disp, "{}", NULL), 202);
    dispatch_wait_idle(W.d);
    assert_int_equal(events_of("plan.replan_proposed", seq, NULL, 0), 1);
    *applied = events_of("plan.replanned", seq, NULL, 0);
    *held = events_of("plan.auto_apply_held", seq, why, size);
}

static void test_auto_apply_policy_per_depot(void **state) {
    (void)state;
    size_t applied = 0, held = 0;
    char why[1024] = "";
    /* never (the default): proposed, waiting for the dispatcher, no event about it */
    replan(&applied, &held, why, sizeof why);
    assert_int_equal(applied, 0);
    assert_int_equal(held, 0);
    /* eta_within 0 minutes: the plan's ETAs were set from the shift start, a re-plan from now
     * moves them by far more: held, and the event says why */
    put_depot_policy("{\"auto_apply\":\"eta_within\",\"max_eta_shift_min\":0}");
    replan(&applied, &held, why, sizeof why);
    assert_int_equal(applied, 0);
    assert_int_equal(held, 1);
    assert_non_null(strstr(why, "\"depot_id\":\"DEP\""));
    assert_non_null(strstr(why, "\"policy\":\"eta_within\""));
    assert_non_null(strstr(why, "ETA would move"));
    /* eta_within a whole day: applied at once */
    put_depot_policy("{\"max_eta_shift_min\":1440}");
    replan(&applied, &held, why, sizeof why);
    assert_int_equal(applied, 1);
    assert_int_equal(held, 0);
    /* always: applied */
    put_depot_policy("{\"auto_apply\":\"always\"}");
    replan(&applied, &held, why, sizeof why);
    assert_int_equal(applied, 1);
    /* never again: stays proposed */
    put_depot_policy("{\"auto_apply\":\"never\"}");
    replan(&applied, &held, why, sizeof why);
    assert_int_equal(applied, 0);
}

/* ---- Fleet records: validated, versioned, audited ---- */

static void test_fleet_records_versioned(void **state) {
    (void)state;
    resp *r = call("GET", "/v1/vehicles/V2", W.disp, NULL, NULL);
    EXPECT(r, 200);
    int64_t v0 = num(r->json, "version");
    char body[512], hdr[64];
    const char *van = "\"name\":\"Van 2\",\"start_depot\":\"DEP\",\"capacity_parcels\":3,"
                      "\"cost_fixed\":1000,\"cost_per_hour\":3000,"
                      "\"cost_per_km\":200,\"time_window\":[0,86399],\"breaks\":[{"
                      "\"time_windows\":[[43200,46800]],\"service\":1800}]";
    snprintf(body, sizeof body, "{%s,\"capacity_kg\":800}", van);
    refused("/v1/vehicles/V2", body, NULL, 428, "version");
    snprintf(body, sizeof body, "{\"version\":%" PRId64 ",%s,\"capacity_kg\":-1}", v0, van);
    refused("/v1/vehicles/V2", body, NULL, 400, "capacity_kg");
    snprintf(body, sizeof body, "{\"version\":%" PRId64 ",%s,\"capacity_kg\":800,\"wheels\":4}", v0,
             van);
    refused("/v1/vehicles/V2", body, NULL, 400, "wheels");
    snprintf(body, sizeof body, "{\"version\":%" PRId64 ",\"id\":\"V9\",%s}", v0, van);
    refused("/v1/vehicles/V2", body, NULL, 400, "id");
    snprintf(body, sizeof body,
             "{\"version\":%" PRId64 ",%s,\"capacity_kg\":800,\"skills\":[\"refrigerated\"]}", v0,
             van);
    r = call("PUT", "/v1/vehicles/V2", W.disp, body, NULL);
    EXPECT(r, 200);
    assert_int_equal(num(r->json, "version"), v0 + 1);
    assert_int_equal(num(r->json, "cost_per_km"), 200);
    assert_string_equal(cJSON_GetArrayItem(at(r->json, "skills"), 0)->valuestring, "refrigerated");
    snprintf(hdr, sizeof hdr, "ETag: \"%" PRId64 "\"", v0 + 1);
    assert_non_null(strstr(r->headers, hdr));
    /* the same stale version again: 412, nothing changed */
    snprintf(body, sizeof body, "{%s,\"skills\":[]}", van);
    snprintf(hdr, sizeof hdr, "If-Match: \"%" PRId64 "\"", v0);
    refused("/v1/vehicles/V2", body, hdr, 412, "version");
    r = call("GET", "/v1/vehicles/V2/history", W.disp, NULL, NULL);
    EXPECT(r, 200);
    const cJSON *h0 = cJSON_GetArrayItem(at(r->json, "versions"), 0);
    assert_int_equal(num(h0, "version"), v0 + 1);
    char actor[64];
    snprintf(actor, sizeof actor, "key:%.16s", W.disp + 3);
    assert_string_equal(str(h0, "actor"), actor);
    assert_int_equal(num(h0, "record.capacity_kg"), 800);
    char payload[512];
    assert_true(events_of("vehicle.versioned", 0, payload, sizeof payload) >= 1);
    assert_non_null(strstr(payload, actor));
    /* drivers and depots the same way */
    r = call("GET", "/v1/drivers/D1", W.disp, NULL, NULL);
    EXPECT(r, 200);
    assert_null(cJSON_GetObjectItemCaseSensitive(r->json, "device_id"));
    snprintf(body, sizeof body,
             "{\"version\":%" PRId64 ",\"name\":\"Driver One\",\"phone\":\"+33600000001\","
             "\"vehicle_id\":\"V1\"}",
             num(r->json, "version"));
    r = call("PUT", "/v1/drivers/D1", W.disp, body, NULL);
    EXPECT(r, 200);
    assert_string_equal(str(r->json, "name"), "Driver One");
    assert_null(cJSON_GetObjectItemCaseSensitive(r->json, "device_id")); /* kept, not shown */
    refused("/v1/drivers/D1", body, NULL, 412, "version");
    r = call("GET", "/v1/depots/DEP", W.disp, NULL, NULL);
    EXPECT(r, 200);
    snprintf(body, sizeof body,
             "{\"version\":%" PRId64 ",\"name\":\"Depot Lyon\",\"location\":[%.2f,%.2f],"
             "\"opening_hours\":{\"open\":\"00:00\",\"close\":\"23:59\"}}",
             num(r->json, "version"), PLAN_WORLD_DEPOT_LON, PLAN_WORLD_DEPOT_LAT);
    r = call("PUT", "/v1/depots/DEP", W.admin, body, NULL);
    EXPECT(r, 200);
    assert_string_equal(str(r->json, "name"), "Depot Lyon");
    EXPECT(call("GET", "/v1/depots/DEP/history", W.disp, NULL, NULL), 200);
}

/* ---- Skills: an order's and its products' requirements matched to vans and drivers ---- */

/* A new order at the depot (requires: JSON array or NULL), picked and ready; its id. */
static int64_t ready_order(const char *requires, double dlat) {
    char body[768];
    snprintf(body, sizeof body,
             "{\"customer\":{\"name\":\"Skill Test %d\",\"phone\":\"+3361234%04d\",\"address\":"
             "\"%d rue Froide\",\"location\":[%.5f,%.5f]},\"lines\":[{\"sku\":\"SKU1\",\"qty\":1}]"
             "%s%s}",
             (int)(dlat * 1e4 + 50), (int)(dlat * 1e4 + 50), (int)(dlat * 1e4 + 50),
             PLAN_WORLD_DEPOT_LON + 0.01, PLAN_WORLD_DEPOT_LAT + dlat,
             requires ? ",\"requires\":" : "", requires ? requires : "");
    resp *r = call("POST", "/v1/orders", W.admin, body, NULL);
    EXPECT(r, 201);
    int64_t id = num(r->json, "id");
    char path[64];
    snprintf(path, sizeof path, "/v1/orders/%" PRId64 "/picking", id);
    EXPECT(call("POST", path, W.admin, NULL, NULL), 200);
    snprintf(path, sizeof path, "/v1/orders/%" PRId64 "/ready", id);
    EXPECT(
        call("POST", path, W.admin, "{\"weight_g\":1000,\"volume_cm3\":1000,\"parcels\":1}", NULL),
        200);
    return id;
}

/* Plans the ready packages and waits for the worker; the plan as JSON (the reply's). */
static resp *plan_ready(void) {
    resp *r = call("POST", "/v1/plans", W.disp, "{}", NULL);
    EXPECT(r, 202);
    int64_t id = num(r->json, "id");
    dispatch_wait_idle(W.d);
    char path[64];
    snprintf(path, sizeof path, "/v1/plans/%" PRId64, id);
    r = call("GET", path, W.disp, NULL, NULL);
    EXPECT(r, 200);
    assert_string_equal(str(r->json, "status"), "proposed");
    return r;
}

/* The stop of order_id in plan and the route holding it (NULL, NULL when unplanned). */
static const cJSON *stop_of(const cJSON *plan, int64_t order_id, const cJSON **route) {
    const cJSON *rt, *st;
    cJSON_ArrayForEach(rt, cJSON_GetObjectItemCaseSensitive(plan, "routes")) {
        cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(rt, "stops")) {
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(st, "order_id");
            if (!cJSON_IsNumber(o) || (int64_t)o->valuedouble != order_id) continue;
            if (route) *route = rt;
            return st;
        }
    }
    if (route) *route = NULL;
    return NULL;
}

/* The vehicle whose route in plan holds order_id, or "" when none does. */
static void vehicle_of(const cJSON *plan, int64_t order_id, char *out, size_t size) {
    const cJSON *rt = NULL;
    stop_of(plan, order_id, &rt);
    lm_strlcpy(out, rt ? str(rt, "vehicle_id") : "", size);
}

static void test_skills_matched_in_planning(void **state) {
    (void)state;
    /* V2 is refrigerated (test_fleet_records_versioned gave it the skill), V1 is not */
    resp *r = call("GET", "/v1/vehicles/V2", W.disp, NULL, NULL);
    assert_string_equal(cJSON_GetArrayItem(at(r->json, "skills"), 0)->valuestring, "refrigerated");
    refused("/v1/orders/1/requires", "{\"skills\":[\"cold room\"]}", NULL, 400, "skills[0]");
    int64_t cold = ready_order("[\"refrigerated\"]", 0.002);
    int64_t plain = ready_order(NULL, -0.002);
    char path[64], van[32];
    snprintf(path, sizeof path, "/v1/orders/%" PRId64 "/requires", cold);
    r = call("GET", path, W.disp, NULL, NULL);
    EXPECT(r, 200);
    assert_string_equal(cJSON_GetArrayItem(at(r->json, "requires"), 0)->valuestring,
                        "refrigerated");
    r = plan_ready();
    int64_t plan = num(r->json, "id");
    vehicle_of(r->json, cold, van, sizeof van);
    assert_string_equal(van, "V2");
    vehicle_of(r->json, plain, van, sizeof van);
    assert_true(van[0] != '\0');
    /* a product's requirement holds for every order of it; nobody has two_person: unassigned
     * with the reason */
    EXPECT(
        call("PUT", "/v1/products/SKU1/requires", W.admin, "{\"skills\":[\"two_person\"]}", NULL),
        200);
    snprintf(path, sizeof path, "/v1/plans/%" PRId64 "/discard", plan);
    EXPECT(call("POST", path, W.disp, NULL, NULL), 200);
    r = plan_ready();
    plan = num(r->json, "id");
    vehicle_of(r->json, cold, van, sizeof van);
    assert_string_equal(van, "");
    const cJSON *u = cJSON_GetArrayItem(at(r->json, "unassigned"), 0);
    assert_non_null(u);
    assert_non_null(strstr(str(u, "reason"), "two_person"));
    /* a driver's skill counts with their van's: D1 (on V1) does two-person lifts */
    EXPECT(call("PUT", "/v1/drivers/D1/skills", W.disp, "{\"skills\":[\"two_person\"]}", NULL),
           200);
    snprintf(path, sizeof path, "/v1/plans/%" PRId64 "/discard", plan);
    EXPECT(call("POST", path, W.disp, NULL, NULL), 200);
    r = plan_ready();
    vehicle_of(r->json, plain, van, sizeof van);
    assert_string_equal(van, "V1");
    vehicle_of(r->json, cold, van, sizeof van);
    assert_string_equal(van, ""); /* refrigerated (V2) and two_person (D1 on V1): nobody */
    EXPECT(call("PUT", "/v1/products/SKU1/requires", W.admin, "{\"skills\":[]}", NULL), 200);
}

/* A product's service time and a depot's working hours reach the next plan. */
static void test_service_time_and_working_hours(void **state) {
    (void)state;
    resp *r = call("GET", "/v1/settings", W.disp, NULL, NULL);
    char body[512];
    snprintf(body, sizeof body,
             "{\"version\":%" PRId64 ",\"service_s_by_product\":{\"SKU1\":420},\"depots\":{\"DEP\":"
             "{\"working_hours\":{\"start\":\"10:00\"}}}}",
             num(r->json, "version"));
    r = call("PUT", "/v1/settings", W.admin, body, NULL);
    EXPECT(r, 200);
    int64_t version = num(r->json, "version");
    int64_t id = ready_order(NULL, 0.003);
    r = plan_ready();
    const cJSON *st = stop_of(r->json, id, NULL);
    assert_non_null(st);
    assert_int_equal(num(st, "service"), 420); /* not the default 180 */
    /* no van leaves before 10:00, local time */
    assert_true(num(st, "eta") - W.day >= 10 * 3600);
    char path[64];
    snprintf(path, sizeof path, "/v1/plans/%" PRId64 "/discard", num(r->json, "id"));
    EXPECT(call("POST", path, W.disp, NULL, NULL), 200);
    snprintf(body, sizeof body,
             "{\"version\":%" PRId64
             ",\"service_s_by_product\":{\"SKU1\":null},\"depots\":{\"DEP\":"
             "null}}",
             version);
    EXPECT(call("PUT", "/v1/settings", W.admin, body, NULL), 200);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validated_versioned_audited),
        cmocka_unit_test(test_auto_apply_policy_per_depot),
        cmocka_unit_test(test_geofence_change_takes_effect_at_once),
        cmocka_unit_test(test_fleet_records_versioned),
        cmocka_unit_test(test_skills_matched_in_planning),
        cmocka_unit_test(test_service_time_and_working_hours),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
