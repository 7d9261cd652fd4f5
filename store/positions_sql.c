/* store/positions_sql.c: the multi-row INSERT of positions shared by the SQLite and PostgreSQL
 * paths (store/positions.c, store/positions_pg.c): its text for n rows and one row's binds. */
#include "store/internal.h"
#include "store/store_positions.h"

#include <math.h>
#include <stdio.h>

/* NAN is stored as NULL. */
static lm_status bind_opt(db_stmt *st, int idx, double v) {
    return isfinite(v) ? db_bind_double(st, idx, v) : db_bind_null(st, idx);
}

void store__positions_insert_sql(char *buf, size_t size, size_t n, bool returning) {
    size_t at = (size_t)snprintf(
        buf, size,
        "INSERT OR IGNORE INTO positions(device_id, driver_id, time_ms, recv_ms, lat, lon, "
        "speed_mps, heading_deg, altitude_m, accuracy_m, battery_pct, charging, attributes) "
        "VALUES ");
    for (size_t i = 0; i < n && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%s(?,?,?,?,?,?,?,?,?,?,?,?,?)", i ? "," : "");
    if (returning && at < size) snprintf(buf + at, size - at, " RETURNING time_ms, device_id");
}

lm_status store__positions_bind_row(db_stmt *st, int base, const store_position *p) {
    lm_status rc;
    /* the rows outlive the statement's use in every caller: their texts are not copied */
    if ((rc = db_bind_text_ref(st, base + 1, p->device_id)) != LM_OK ||
        (rc = db_bind_text_ref(st, base + 2, p->driver_id)) != LM_OK ||
        (rc = db_bind_i64(st, base + 3, p->time_ms)) != LM_OK ||
        (rc = db_bind_i64(st, base + 4, p->recv_ms)) != LM_OK ||
        (rc = db_bind_double(st, base + 5, p->lat)) != LM_OK ||
        (rc = db_bind_double(st, base + 6, p->lon)) != LM_OK ||
        (rc = bind_opt(st, base + 7, p->speed_mps)) != LM_OK ||
        (rc = bind_opt(st, base + 8, p->heading_deg)) != LM_OK ||
        (rc = bind_opt(st, base + 9, p->altitude_m)) != LM_OK ||
        (rc = bind_opt(st, base + 10, p->accuracy_m)) != LM_OK ||
        (rc = bind_opt(st, base + 11, p->battery_pct)) != LM_OK)
        return rc;
    rc = p->charging < 0 ? db_bind_null(st, base + 12) : db_bind_i64(st, base + 12, p->charging);
    if (rc != LM_OK) return rc;
    return p->attributes[0] ? db_bind_text_ref(st, base + 13, p->attributes)
                            : db_bind_null(st, base + 13);
}
