/* store/dispatch.c: the SQL behind dispatch/'s fleet, plans, routes, stops, unassigned packages
 * and live vehicle state (store/store_dispatch.h). Only this file knows these tables. */
#include "store/internal.h"
#include "store/store_dispatch.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Analytics: when the vehicle's route started and when it came back to its end depot, so the
 * first leg (depot to first stop) and the drive back can be measured from positions. */
const char store__dispatch_schema_v740[] =
    "ALTER TABLE vehicle_state ADD COLUMN started_ms INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE vehicle_state ADD COLUMN returned_ms INTEGER NOT NULL DEFAULT 0;";

/* Migration 200: registered in store/migrations.c. */
/* Hand dispatch: a stop or a whole route locked by a dispatcher against re-optimisation. */
const char store__dispatch_schema_v260[] =
    "ALTER TABLE stops ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE vehicle_state ADD COLUMN route_locked INTEGER NOT NULL DEFAULT 0;";

const char store__dispatch_schema_v200[] =
    "CREATE TABLE vehicles ("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    "  capacity_g INTEGER NOT NULL CHECK (capacity_g >= 0),"
    "  capacity_cm3 INTEGER NOT NULL CHECK (capacity_cm3 >= 0),"
    "  capacity_parcels INTEGER NOT NULL CHECK (capacity_parcels >= 0),"
    "  cost_fixed INTEGER NOT NULL, cost_per_hour INTEGER NOT NULL, cost_per_km INTEGER NOT NULL,"
    "  skills TEXT NOT NULL, start_depot TEXT NOT NULL, end_depot TEXT NOT NULL,"
    "  shift_start_s INTEGER NOT NULL, shift_end_s INTEGER NOT NULL, breaks TEXT NOT NULL,"
    "  speed_factor REAL NOT NULL, active INTEGER NOT NULL);"
    "CREATE TABLE drivers ("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, phone TEXT NOT NULL,"
    "  device_id TEXT UNIQUE, vehicle_id TEXT REFERENCES vehicles(id));"
    "CREATE TABLE plans ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, is_replan INTEGER NOT NULL,"
    "  status INTEGER NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    "  day_start_s INTEGER NOT NULL, best_cost INTEGER NOT NULL, cost INTEGER NOT NULL,"
    "  distance_m INTEGER NOT NULL, duration_s INTEGER NOT NULL, error TEXT NOT NULL,"
    "  request TEXT NOT NULL, based_on INTEGER NOT NULL, cost_before INTEGER NOT NULL,"
    "  late_before INTEGER NOT NULL, late_after INTEGER NOT NULL,"
    "  unassigned_before INTEGER NOT NULL, unassigned_after INTEGER NOT NULL,"
    "  routes_changed INTEGER NOT NULL, stops_moved INTEGER NOT NULL,"
    "  trigger TEXT NOT NULL, trigger_vehicle TEXT NOT NULL);"
    "CREATE TABLE plan_routes ("
    "  plan_id INTEGER NOT NULL REFERENCES plans(id), vehicle_id TEXT NOT NULL,"
    "  driver_id TEXT NOT NULL, start_lat REAL NOT NULL, start_lon REAL NOT NULL,"
    "  has_end INTEGER NOT NULL, end_lat REAL NOT NULL, end_lon REAL NOT NULL,"
    "  start_s INTEGER NOT NULL, end_s INTEGER NOT NULL, cost INTEGER NOT NULL,"
    "  distance_m INTEGER NOT NULL, duration_s INTEGER NOT NULL, load_g INTEGER NOT NULL,"
    "  load_cm3 INTEGER NOT NULL, load_parcels INTEGER NOT NULL,"
    "  PRIMARY KEY (plan_id, vehicle_id)) WITHOUT ROWID;"
    "CREATE TABLE plan_unassigned ("
    "  plan_id INTEGER NOT NULL REFERENCES plans(id), order_id INTEGER NOT NULL,"
    "  reason TEXT NOT NULL);"
    "CREATE INDEX plan_unassigned_by_plan ON plan_unassigned(plan_id);"
    "CREATE TABLE stops ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, plan_id INTEGER NOT NULL REFERENCES plans(id),"
    "  vehicle_id TEXT NOT NULL, driver_id TEXT NOT NULL, seq INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL, status INTEGER NOT NULL, order_id INTEGER NOT NULL,"
    "  lat REAL NOT NULL, lon REAL NOT NULL, tw_start_s INTEGER NOT NULL,"
    "  tw_end_s INTEGER NOT NULL, service_s INTEGER NOT NULL, leg_s INTEGER NOT NULL,"
    "  leg_m INTEGER NOT NULL, eta_s INTEGER NOT NULL, planned_s INTEGER NOT NULL,"
    "  weight_g INTEGER NOT NULL, volume_cm3 INTEGER NOT NULL, parcels INTEGER NOT NULL,"
    "  late INTEGER NOT NULL, arrived_ms INTEGER NOT NULL, done_ms INTEGER NOT NULL,"
    "  reason TEXT NOT NULL, note TEXT NOT NULL, proof TEXT NOT NULL, live INTEGER NOT NULL,"
    "  transfer_from INTEGER NOT NULL, source_stop INTEGER NOT NULL);"
    "CREATE INDEX stops_by_plan ON stops(plan_id);"
    "CREATE INDEX stops_live ON stops(vehicle_id, live, seq);"
    "CREATE INDEX stops_by_order ON stops(order_id);"
    "CREATE TABLE vehicle_state ("
    "  vehicle_id TEXT PRIMARY KEY, driver_id TEXT NOT NULL, has_position INTEGER NOT NULL,"
    "  lat REAL NOT NULL, lon REAL NOT NULL, speed_mps REAL NOT NULL, seen_ms INTEGER NOT NULL,"
    "  pace REAL NOT NULL, started INTEGER NOT NULL, broken INTEGER NOT NULL,"
    "  silent INTEGER NOT NULL, full INTEGER NOT NULL, arrive_stop INTEGER NOT NULL,"
    "  arrive_since_ms INTEGER NOT NULL, delay_s INTEGER NOT NULL);"
    "CREATE TABLE dispatch_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT INTO dispatch_meta(key, value) VALUES ('live_version', 0);";

/* ---- Helpers ---- */

#define BIND(call)                                                                                 \
    do {                                                                                           \
        if ((rc = (call)) != LM_OK) goto fail;                                                     \
    } while (0)

/* ---- Vehicles ---- */

#define VEHICLE_COLS                                                                               \
    "id, name, capacity_g, capacity_cm3, capacity_parcels, cost_fixed, cost_per_hour, "            \
    "cost_per_km, skills, start_depot, end_depot, shift_start_s, shift_end_s, breaks, "            \
    "speed_factor, active"

lm_status store_vehicle_put(store_tx *tx, const store_vehicle *v, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    char skills[STORE_D_SKILLS_MAX * (STORE_D_ID_MAX + 1) + 1] = "";
    char breaks[STORE_D_BREAKS_MAX * 64 + 1] = "";
    size_t off = 0;
    for (size_t i = 0; i < v->n_skills && i < STORE_D_SKILLS_MAX; i++) {
        int k = snprintf(skills + off, sizeof skills - off, "%s%s", i ? "," : "", v->skills[i]);
        if (k > 0) off += (size_t)k;
    }
    off = 0;
    for (size_t i = 0; i < v->n_breaks && i < STORE_D_BREAKS_MAX; i++) {
        int k = snprintf(breaks + off, sizeof breaks - off, "%s%" PRId64 ",%" PRId64 ",%" PRId64,
                         i ? ";" : "", v->breaks[i].start_s, v->breaks[i].end_s,
                         v->breaks[i].service_s);
        if (k > 0) off += (size_t)k;
    }
    lm_status rc = db_prepare(db,
                              "INSERT OR REPLACE INTO vehicles(" VEHICLE_COLS
                              ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, v->id));
    BIND(db_bind_text(st, 2, v->name));
    BIND(db_bind_i64(st, 3, v->capacity_g));
    BIND(db_bind_i64(st, 4, v->capacity_cm3));
    BIND(db_bind_i64(st, 5, v->capacity_parcels));
    BIND(db_bind_i64(st, 6, v->cost_fixed));
    BIND(db_bind_i64(st, 7, v->cost_per_hour));
    BIND(db_bind_i64(st, 8, v->cost_per_km));
    BIND(db_bind_text(st, 9, skills));
    BIND(db_bind_text(st, 10, v->start_depot));
    BIND(db_bind_text(st, 11, v->end_depot));
    BIND(db_bind_i64(st, 12, v->shift_start_s));
    BIND(db_bind_i64(st, 13, v->shift_end_s));
    BIND(db_bind_text(st, 14, breaks));
    BIND(db_bind_double(st, 15, v->speed_factor));
    BIND(db_bind_i64(st, 16, v->active ? 1 : 0));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

static void vehicle_row(db_stmt *st, void *elem) {
    store_vehicle *v = elem;
    memset(v, 0, sizeof *v);
    store__column_copy(st, 0, v->id, sizeof v->id);
    store__column_copy(st, 1, v->name, sizeof v->name);
    v->capacity_g = db_column_i64(st, 2);
    v->capacity_cm3 = db_column_i64(st, 3);
    v->capacity_parcels = db_column_i64(st, 4);
    v->cost_fixed = db_column_i64(st, 5);
    v->cost_per_hour = db_column_i64(st, 6);
    v->cost_per_km = db_column_i64(st, 7);
    const char *sk = db_column_text(st, 8);
    while (sk && *sk && v->n_skills < STORE_D_SKILLS_MAX) {
        const char *comma = strchr(sk, ',');
        size_t len = comma ? (size_t)(comma - sk) : strlen(sk);
        if (len > STORE_D_ID_MAX) len = STORE_D_ID_MAX;
        memcpy(v->skills[v->n_skills], sk, len);
        v->skills[v->n_skills++][len] = '\0';
        sk = comma ? comma + 1 : NULL;
    }
    store__column_copy(st, 9, v->start_depot, sizeof v->start_depot);
    store__column_copy(st, 10, v->end_depot, sizeof v->end_depot);
    v->shift_start_s = db_column_i64(st, 11);
    v->shift_end_s = db_column_i64(st, 12);
    const char *br = db_column_text(st, 13);
    while (br && *br && v->n_breaks < STORE_D_BREAKS_MAX) {
        long long a, b, c;
        int used = 0;
        if (sscanf(br, "%lld,%lld,%lld%n", &a, &b, &c, &used) != 3) break;
        v->breaks[v->n_breaks++] = (store_break){a, b, c};
        br += used;
        if (*br == ';') br++;
    }
    v->speed_factor = db_column_double(st, 14);
    v->active = db_column_int(st, 15) != 0;
}

lm_status store_vehicle_get(store_read *r, const char *id, store_vehicle *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT " VEHICLE_COLS " FROM vehicles WHERE id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, id));
    if ((rc = store__step_row(db, st, "vehicle", err)) != LM_OK) goto fail;
    vehicle_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_vehicle_list(store_read *r, store_vehicle **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT " VEHICLE_COLS " FROM vehicles ORDER BY id", &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, vehicle_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}

/* ---- Drivers ---- */

#define DRIVER_COLS "id, name, phone, device_id, vehicle_id, allow_short_device_id"

lm_status store_driver_put(store_tx *tx, const store_driver *d, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "INSERT OR REPLACE INTO drivers(" DRIVER_COLS ") VALUES (?,?,?,?,?,?)", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, d->id));
    BIND(db_bind_text(st, 2, d->name));
    BIND(db_bind_text(st, 3, d->phone));
    BIND(db_bind_text(st, 4, d->device_id[0] ? d->device_id : NULL));
    BIND(db_bind_text(st, 5, d->vehicle_id[0] ? d->vehicle_id : NULL));
    BIND(db_bind_i64(st, 6, d->allow_short_device_id));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

static void driver_row(db_stmt *st, void *elem) {
    store_driver *d = elem;
    memset(d, 0, sizeof *d);
    store__column_copy(st, 0, d->id, sizeof d->id);
    store__column_copy(st, 1, d->name, sizeof d->name);
    store__column_copy(st, 2, d->phone, sizeof d->phone);
    store__column_copy(st, 3, d->device_id, sizeof d->device_id);
    store__column_copy(st, 4, d->vehicle_id, sizeof d->vehicle_id);
    d->allow_short_device_id = db_column_int(st, 5) != 0;
}

static lm_status driver_one(store_read *r, const char *sql, const char *key, store_driver *out,
                            lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, key));
    if ((rc = store__step_row(db, st, "driver", err)) != LM_OK) goto fail;
    driver_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_driver_get(store_read *r, const char *id, store_driver *out, lm_errinfo *err) {
    return driver_one(r, "SELECT " DRIVER_COLS " FROM drivers WHERE id = ?", id, out, err);
}

lm_status store_driver_by_device(store_read *r, const char *device_id, store_driver *out,
                                 lm_errinfo *err) {
    return driver_one(r, "SELECT " DRIVER_COLS " FROM drivers WHERE device_id = ?", device_id, out,
                      err);
}

lm_status store_driver_by_vehicle(store_read *r, const char *vehicle_id, store_driver *out,
                                  lm_errinfo *err) {
    lm_status rc = driver_one(
        r, "SELECT " DRIVER_COLS " FROM drivers WHERE vehicle_id = ? ORDER BY id LIMIT 1",
        vehicle_id, out, err);
    if (rc == LM_NOT_FOUND) {
        memset(out, 0, sizeof *out);
        if (err) lm_errinfo_clear(err);
        return LM_OK;
    }
    return rc;
}

lm_status store_driver_list(store_read *r, store_driver **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT " DRIVER_COLS " FROM drivers ORDER BY id", &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, driver_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}

/* ---- Plans ---- */

#define PLAN_COLS                                                                                  \
    "is_replan, status, created_ms, updated_ms, day_start_s, best_cost, cost, distance_m, "        \
    "duration_s, error, request, based_on, cost_before, late_before, late_after, "                 \
    "unassigned_before, unassigned_after, routes_changed, stops_moved, trigger, trigger_vehicle, " \
    "router, matrix_cells, cells_estimated"

static lm_status plan_bind(db_stmt *st, const store_plan *p) {
    lm_status rc = LM_OK;
    BIND(db_bind_i64(st, 1, p->is_replan ? 1 : 0));
    BIND(db_bind_i64(st, 2, p->status));
    BIND(db_bind_i64(st, 3, p->created_ms));
    BIND(db_bind_i64(st, 4, p->updated_ms));
    BIND(db_bind_i64(st, 5, p->day_start_s));
    BIND(db_bind_i64(st, 6, p->best_cost));
    BIND(db_bind_i64(st, 7, p->cost));
    BIND(db_bind_i64(st, 8, p->distance_m));
    BIND(db_bind_i64(st, 9, p->duration_s));
    BIND(db_bind_text(st, 10, p->error));
    BIND(db_bind_text(st, 11, p->request));
    BIND(db_bind_i64(st, 12, p->based_on));
    BIND(db_bind_i64(st, 13, p->cost_before));
    BIND(db_bind_i64(st, 14, p->late_before));
    BIND(db_bind_i64(st, 15, p->late_after));
    BIND(db_bind_i64(st, 16, p->unassigned_before));
    BIND(db_bind_i64(st, 17, p->unassigned_after));
    BIND(db_bind_i64(st, 18, p->routes_changed));
    BIND(db_bind_i64(st, 19, p->stops_moved));
    BIND(db_bind_text(st, 20, p->trigger));
    BIND(db_bind_text(st, 21, p->trigger_vehicle));
    BIND(db_bind_text(st, 22, p->router));
    BIND(db_bind_i64(st, 23, p->matrix_cells));
    BIND(db_bind_i64(st, 24, p->cells_estimated));
fail:
    return rc;
}

lm_status store_plan_insert(store_tx *tx, const store_plan *p, int64_t *id, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO plans(" PLAN_COLS ") VALUES "
                              "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = plan_bind(st, p)) != LM_OK || (rc = store__step_done(st, err)) != LM_OK) goto fail;
    *id = db_last_insert_id(db);
fail:
    db_finish(st);
    return rc;
}

lm_status store_plan_update(store_tx *tx, const store_plan *p, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "UPDATE plans SET is_replan=?1, status=?2, created_ms=?3, updated_ms=?4, day_start_s=?5,"
        " best_cost=?6, cost=?7, distance_m=?8, duration_s=?9, error=?10, request=?11,"
        " based_on=?12, cost_before=?13, late_before=?14, late_after=?15, unassigned_before=?16,"
        " unassigned_after=?17, routes_changed=?18, stops_moved=?19, trigger=?20,"
        " trigger_vehicle=?21, router=?22, matrix_cells=?23, cells_estimated=?24 WHERE id=?25",
        &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = plan_bind(st, p)) != LM_OK) goto fail;
    BIND(db_bind_i64(st, 25, p->id));
    rc = store__step_done(st, err);
    if (rc == LM_OK && db_changes(db) == 0)
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "plan", "plan %" PRId64 " not found", p->id);
fail:
    db_finish(st);
    return rc;
}

static void plan_row(db_stmt *st, void *elem) {
    store_plan *p = elem;
    memset(p, 0, sizeof *p);
    p->id = db_column_i64(st, 0);
    p->is_replan = db_column_int(st, 1) != 0;
    p->status = db_column_int(st, 2);
    p->created_ms = db_column_i64(st, 3);
    p->updated_ms = db_column_i64(st, 4);
    p->day_start_s = db_column_i64(st, 5);
    p->best_cost = db_column_i64(st, 6);
    p->cost = db_column_i64(st, 7);
    p->distance_m = db_column_i64(st, 8);
    p->duration_s = db_column_i64(st, 9);
    store__column_copy(st, 10, p->error, sizeof p->error);
    store__column_copy(st, 11, p->request, sizeof p->request);
    p->based_on = db_column_i64(st, 12);
    p->cost_before = db_column_i64(st, 13);
    p->late_before = db_column_i64(st, 14);
    p->late_after = db_column_i64(st, 15);
    p->unassigned_before = db_column_i64(st, 16);
    p->unassigned_after = db_column_i64(st, 17);
    p->routes_changed = db_column_i64(st, 18);
    p->stops_moved = db_column_i64(st, 19);
    store__column_copy(st, 20, p->trigger, sizeof p->trigger);
    store__column_copy(st, 21, p->trigger_vehicle, sizeof p->trigger_vehicle);
    store__column_copy(st, 22, p->router, sizeof p->router);
    p->matrix_cells = db_column_i64(st, 23);
    p->cells_estimated = db_column_i64(st, 24);
}

lm_status store_plan_get(store_read *r, int64_t id, store_plan *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT id, " PLAN_COLS " FROM plans WHERE id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, id));
    if ((rc = store__step_row(db, st, "plan", err)) != LM_OK) goto fail;
    plan_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_plan_list(store_read *r, size_t limit, store_plan **out, size_t *n,
                          lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT id, " PLAN_COLS " FROM plans ORDER BY id DESC LIMIT ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, (int64_t)limit));
    rc = store__collect(db, st, sizeof **out, plan_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

#define ROUTE_COLS                                                                                 \
    "plan_id, vehicle_id, driver_id, start_lat, start_lon, has_end, end_lat, end_lon, start_s, "   \
    "end_s, cost, distance_m, duration_s, load_g, load_cm3, load_parcels"

lm_status store_plan_route_put(store_tx *tx, const store_plan_route *rt, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT OR REPLACE INTO plan_routes(" ROUTE_COLS
                              ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, rt->plan_id));
    BIND(db_bind_text(st, 2, rt->vehicle_id));
    BIND(db_bind_text(st, 3, rt->driver_id));
    BIND(db_bind_double(st, 4, rt->start_lat));
    BIND(db_bind_double(st, 5, rt->start_lon));
    BIND(db_bind_i64(st, 6, rt->has_end ? 1 : 0));
    BIND(db_bind_double(st, 7, rt->end_lat));
    BIND(db_bind_double(st, 8, rt->end_lon));
    BIND(db_bind_i64(st, 9, rt->start_s));
    BIND(db_bind_i64(st, 10, rt->end_s));
    BIND(db_bind_i64(st, 11, rt->cost));
    BIND(db_bind_i64(st, 12, rt->distance_m));
    BIND(db_bind_i64(st, 13, rt->duration_s));
    BIND(db_bind_i64(st, 14, rt->load_g));
    BIND(db_bind_i64(st, 15, rt->load_cm3));
    BIND(db_bind_i64(st, 16, rt->load_parcels));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_plan_route_delete(store_tx *tx, int64_t plan_id, const char *vehicle_id,
                                  lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "DELETE FROM plan_routes WHERE plan_id = ? AND vehicle_id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, plan_id));
    BIND(db_bind_text(st, 2, vehicle_id));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

static void route_row(db_stmt *st, void *elem) {
    store_plan_route *rt = elem;
    rt->plan_id = db_column_i64(st, 0);
    store__column_copy(st, 1, rt->vehicle_id, sizeof rt->vehicle_id);
    store__column_copy(st, 2, rt->driver_id, sizeof rt->driver_id);
    rt->start_lat = db_column_double(st, 3);
    rt->start_lon = db_column_double(st, 4);
    rt->has_end = db_column_int(st, 5) != 0;
    rt->end_lat = db_column_double(st, 6);
    rt->end_lon = db_column_double(st, 7);
    rt->start_s = db_column_i64(st, 8);
    rt->end_s = db_column_i64(st, 9);
    rt->cost = db_column_i64(st, 10);
    rt->distance_m = db_column_i64(st, 11);
    rt->duration_s = db_column_i64(st, 12);
    rt->load_g = db_column_i64(st, 13);
    rt->load_cm3 = db_column_i64(st, 14);
    rt->load_parcels = db_column_i64(st, 15);
}

lm_status store_plan_routes(store_read *r, int64_t plan_id, store_plan_route **out, size_t *n,
                            lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT " ROUTE_COLS " FROM plan_routes WHERE plan_id = ? ORDER BY vehicle_id", &st,
        err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, plan_id));
    rc = store__collect(db, st, sizeof **out, route_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_unassigned_add(store_tx *tx, int64_t plan_id, const store_unassigned *u,
                               lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "INSERT INTO plan_unassigned(plan_id, order_id, reason) VALUES (?,?,?)", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, plan_id));
    BIND(db_bind_i64(st, 2, u->order_id));
    BIND(db_bind_text(st, 3, u->reason));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

static void unassigned_row(db_stmt *st, void *elem) {
    store_unassigned *u = elem;
    u->order_id = db_column_i64(st, 0);
    store__column_copy(st, 1, u->reason, sizeof u->reason);
}

lm_status store_unassigned_list(store_read *r, int64_t plan_id, store_unassigned **out, size_t *n,
                                lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT order_id, reason FROM plan_unassigned WHERE plan_id = ? ORDER BY order_id", &st,
        err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, plan_id));
    rc = store__collect(db, st, sizeof **out, unassigned_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

/* ---- Stops ---- */

#define STOP_COLS                                                                                  \
    "plan_id, vehicle_id, driver_id, seq, kind, status, order_id, lat, lon, tw_start_s, "          \
    "tw_end_s, service_s, leg_s, leg_m, eta_s, planned_s, weight_g, volume_cm3, parcels, late, "   \
    "arrived_ms, done_ms, reason, note, proof, live, transfer_from, source_stop, return_id, "      \
    "locked"

static lm_status stop_bind(db_stmt *st, const store_stop *s) {
    lm_status rc = LM_OK;
    BIND(db_bind_i64(st, 1, s->plan_id));
    BIND(db_bind_text(st, 2, s->vehicle_id));
    BIND(db_bind_text(st, 3, s->driver_id));
    BIND(db_bind_i64(st, 4, s->seq));
    BIND(db_bind_i64(st, 5, s->kind));
    BIND(db_bind_i64(st, 6, s->status));
    BIND(db_bind_i64(st, 7, s->order_id));
    BIND(db_bind_double(st, 8, s->lat));
    BIND(db_bind_double(st, 9, s->lon));
    BIND(db_bind_i64(st, 10, s->tw_start_s));
    BIND(db_bind_i64(st, 11, s->tw_end_s));
    BIND(db_bind_i64(st, 12, s->service_s));
    BIND(db_bind_i64(st, 13, s->leg_s));
    BIND(db_bind_i64(st, 14, s->leg_m));
    BIND(db_bind_i64(st, 15, s->eta_s));
    BIND(db_bind_i64(st, 16, s->planned_s));
    BIND(db_bind_i64(st, 17, s->weight_g));
    BIND(db_bind_i64(st, 18, s->volume_cm3));
    BIND(db_bind_i64(st, 19, s->parcels));
    BIND(db_bind_i64(st, 20, s->late ? 1 : 0));
    BIND(db_bind_i64(st, 21, s->arrived_ms));
    BIND(db_bind_i64(st, 22, s->done_ms));
    BIND(db_bind_text(st, 23, s->reason));
    BIND(db_bind_text(st, 24, s->note));
    BIND(db_bind_text(st, 25, s->proof));
    BIND(db_bind_i64(st, 26, s->live ? 1 : 0));
    BIND(db_bind_i64(st, 27, s->transfer_from));
    BIND(db_bind_i64(st, 28, s->source_stop));
    BIND(db_bind_i64(st, 29, s->return_id));
    BIND(db_bind_i64(st, 30, s->locked ? 1 : 0));
fail:
    return rc;
}

lm_status store_stop_insert(store_tx *tx, const store_stop *s, int64_t *id, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO stops(" STOP_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,"
                              "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = stop_bind(st, s)) != LM_OK || (rc = store__step_done(st, err)) != LM_OK) goto fail;
    *id = db_last_insert_id(db);
fail:
    db_finish(st);
    return rc;
}

lm_status store_stop_update(store_tx *tx, const store_stop *s, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "UPDATE stops SET plan_id=?1, vehicle_id=?2, driver_id=?3, seq=?4, kind=?5, status=?6,"
        " order_id=?7, lat=?8, lon=?9, tw_start_s=?10, tw_end_s=?11, service_s=?12, leg_s=?13,"
        " leg_m=?14, eta_s=?15, planned_s=?16, weight_g=?17, volume_cm3=?18, parcels=?19,"
        " late=?20, arrived_ms=?21, done_ms=?22, reason=?23, note=?24, proof=?25, live=?26,"
        " transfer_from=?27, source_stop=?28, return_id=?29, locked=?30 WHERE id=?31",
        &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = stop_bind(st, s)) != LM_OK) goto fail;
    BIND(db_bind_i64(st, 31, s->id));
    rc = store__step_done(st, err);
    if (rc == LM_OK && db_changes(db) == 0)
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "stop", "stop %" PRId64 " not found", s->id);
fail:
    db_finish(st);
    return rc;
}

static void stop_row(db_stmt *st, void *elem) {
    store_stop *s = elem;
    memset(s, 0, sizeof *s);
    s->id = db_column_i64(st, 0);
    s->plan_id = db_column_i64(st, 1);
    store__column_copy(st, 2, s->vehicle_id, sizeof s->vehicle_id);
    store__column_copy(st, 3, s->driver_id, sizeof s->driver_id);
    s->seq = db_column_int(st, 4);
    s->kind = db_column_int(st, 5);
    s->status = db_column_int(st, 6);
    s->order_id = db_column_i64(st, 7);
    s->lat = db_column_double(st, 8);
    s->lon = db_column_double(st, 9);
    s->tw_start_s = db_column_i64(st, 10);
    s->tw_end_s = db_column_i64(st, 11);
    s->service_s = db_column_i64(st, 12);
    s->leg_s = db_column_i64(st, 13);
    s->leg_m = db_column_i64(st, 14);
    s->eta_s = db_column_i64(st, 15);
    s->planned_s = db_column_i64(st, 16);
    s->weight_g = db_column_i64(st, 17);
    s->volume_cm3 = db_column_i64(st, 18);
    s->parcels = db_column_i64(st, 19);
    s->late = db_column_int(st, 20) != 0;
    s->arrived_ms = db_column_i64(st, 21);
    s->done_ms = db_column_i64(st, 22);
    store__column_copy(st, 23, s->reason, sizeof s->reason);
    store__column_copy(st, 24, s->note, sizeof s->note);
    store__column_copy(st, 25, s->proof, sizeof s->proof);
    s->live = db_column_int(st, 26) != 0;
    s->transfer_from = db_column_i64(st, 27);
    s->source_stop = db_column_i64(st, 28);
    s->return_id = db_column_i64(st, 29);
    s->locked = db_column_int(st, 30) != 0;
}

lm_status store_stop_get(store_read *r, int64_t id, store_stop *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT id, " STOP_COLS " FROM stops WHERE id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, id));
    if ((rc = store__step_row(db, st, "stop", err)) != LM_OK) goto fail;
    stop_row(st, out);
fail:
    db_finish(st);
    return rc;
}

/* Status values 0 and 1 are dispatch's PLANNED and ARRIVED (dispatch/dispatch.h). */
lm_status store_stop_query(store_read *r, const store_stop_filter *f, store_stop **out, size_t *n,
                           lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    /* The filter set leads as plain terms, so that an index serves it (stops_live for a
     * vehicle's live stops, stops_by_order, stops_by_plan): the generic "?2 IS NULL OR ..." terms
     * alone made every query scan the whole history of stops. */
    const char *lead = f->vehicle_id && f->live_only ? " vehicle_id = ?2 AND live = 1 AND"
                       : f->vehicle_id               ? " vehicle_id = ?2 AND"
                       : f->order_id > 0             ? " order_id = ?3 AND"
                       : f->plan_id > 0              ? " plan_id = ?1 AND"
                                                     : "";
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT id, " STOP_COLS " FROM stops WHERE%s"
             " (?1 <= 0 OR plan_id = ?1) AND (?2 IS NULL OR vehicle_id = ?2)"
             " AND (?3 <= 0 OR order_id = ?3) AND (?4 = 0 OR live = 1)"
             " AND (?5 = 0 OR status IN (0, 1))"
             " ORDER BY vehicle_id, seq, id",
             lead);
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, f->plan_id));
    BIND(db_bind_text(st, 2, f->vehicle_id));
    BIND(db_bind_i64(st, 3, f->order_id));
    BIND(db_bind_i64(st, 4, f->live_only ? 1 : 0));
    BIND(db_bind_i64(st, 5, f->pending_only ? 1 : 0));
    rc = store__collect(db, st, sizeof **out, stop_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

/* ---- Live state ---- */

#define VSTATE_COLS                                                                                \
    "vehicle_id, driver_id, has_position, lat, lon, speed_mps, seen_ms, pace, started, broken, "   \
    "silent, full, arrive_stop, arrive_since_ms, delay_s, route_locked, started_ms, returned_ms"

static void vstate_row(db_stmt *st, void *elem) {
    store_vstate *s = elem;
    memset(s, 0, sizeof *s);
    store__column_copy(st, 0, s->vehicle_id, sizeof s->vehicle_id);
    store__column_copy(st, 1, s->driver_id, sizeof s->driver_id);
    s->has_position = db_column_int(st, 2) != 0;
    s->lat = db_column_double(st, 3);
    s->lon = db_column_double(st, 4);
    s->speed_mps = db_column_double(st, 5);
    s->seen_ms = db_column_i64(st, 6);
    s->pace = db_column_double(st, 7);
    s->started = db_column_int(st, 8) != 0;
    s->broken = db_column_int(st, 9) != 0;
    s->silent = db_column_int(st, 10) != 0;
    s->full = db_column_int(st, 11) != 0;
    s->arrive_stop = db_column_i64(st, 12);
    s->arrive_since_ms = db_column_i64(st, 13);
    s->delay_s = db_column_i64(st, 14);
    s->route_locked = db_column_int(st, 15) != 0;
    s->started_ms = db_column_i64(st, 16);
    s->returned_ms = db_column_i64(st, 17);
}

lm_status store_vstate_get(store_read *r, const char *vehicle_id, store_vstate *out,
                           lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT " VSTATE_COLS " FROM vehicle_state WHERE vehicle_id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, vehicle_id));
    if ((rc = store__step_row(db, st, "vehicle state", err)) != LM_OK) goto fail;
    vstate_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_vstate_put(store_tx *tx, const store_vstate *s, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT OR REPLACE INTO vehicle_state(" VSTATE_COLS
                              ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, s->vehicle_id));
    BIND(db_bind_text(st, 2, s->driver_id));
    BIND(db_bind_i64(st, 3, s->has_position ? 1 : 0));
    BIND(db_bind_double(st, 4, s->lat));
    BIND(db_bind_double(st, 5, s->lon));
    BIND(db_bind_double(st, 6, s->speed_mps));
    BIND(db_bind_i64(st, 7, s->seen_ms));
    BIND(db_bind_double(st, 8, s->pace));
    BIND(db_bind_i64(st, 9, s->started ? 1 : 0));
    BIND(db_bind_i64(st, 10, s->broken ? 1 : 0));
    BIND(db_bind_i64(st, 11, s->silent ? 1 : 0));
    BIND(db_bind_i64(st, 12, s->full ? 1 : 0));
    BIND(db_bind_i64(st, 13, s->arrive_stop));
    BIND(db_bind_i64(st, 14, s->arrive_since_ms));
    BIND(db_bind_i64(st, 15, s->delay_s));
    BIND(db_bind_i64(st, 16, s->route_locked ? 1 : 0));
    BIND(db_bind_i64(st, 17, s->started_ms));
    BIND(db_bind_i64(st, 18, s->returned_ms));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_vstate_list(store_read *r, store_vstate **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT " VSTATE_COLS " FROM vehicle_state ORDER BY vehicle_id", &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, vstate_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}

lm_status store_live_version(store_read *r, int64_t *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT value FROM dispatch_meta WHERE key = 'live_version'", &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = store__step_row(db, st, "live version", err)) != LM_OK) goto fail;
    *out = db_column_i64(st, 0);
fail:
    db_finish(st);
    return rc;
}

lm_status store_live_version_bump(store_tx *tx, lm_errinfo *err) {
    return db_exec(store__tx_db(tx),
                   "UPDATE dispatch_meta SET value = value + 1 WHERE key = 'live_version'", err);
}

lm_status store_stops_cancelled(store_read *r, int64_t **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT s.id FROM stops s JOIN orders o ON o.id = s.order_id"
                              " WHERE s.live = 1 AND s.status IN (0, 1)"
                              " AND o.status = 'cancelled' ORDER BY s.id",
                              &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, store__id_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}
