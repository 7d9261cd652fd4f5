/* store/feedback.c: the SQL behind feedback/'s ratings, surveys and configuration (settings,
 * business calendars, the SLA table); the schema of migration 500, complaints included (their
 * SQL is in store/complaints.c). See store/store_feedback.h. */
#include "store/internal.h"
#include "store/store_feedback.h"

#include <string.h>

/* Migration 500: registered in store/migrations.c. No foreign key to orders or stops: a ticket may
 * be about no order, and the links are copies taken at rating time, kept when plans are pruned. */
const char store__feedback_schema_v500[] =
    "CREATE TABLE feedback_ratings ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL,"
    "  stop_id INTEGER NOT NULL UNIQUE, plan_id INTEGER NOT NULL,"
    "  driver_id TEXT NOT NULL, vehicle_id TEXT NOT NULL, depot_id TEXT NOT NULL,"
    "  score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5), tags INTEGER NOT NULL,"
    "  edits INTEGER NOT NULL DEFAULT 0, frozen_ms INTEGER NOT NULL,"
    "  complaint_id INTEGER NOT NULL DEFAULT 0, comment TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX feedback_ratings_by_order ON feedback_ratings(order_id);"
    "CREATE INDEX feedback_ratings_by_created ON feedback_ratings(created_ms);"
    "CREATE TABLE feedback_surveys ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL,"
    "  stop_id INTEGER NOT NULL UNIQUE, plan_id INTEGER NOT NULL,"
    "  driver_id TEXT NOT NULL, vehicle_id TEXT NOT NULL, depot_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('nps','csat')),"
    "  requested_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,"
    "  answered_ms INTEGER NOT NULL DEFAULT 0, score INTEGER NOT NULL DEFAULT -1,"
    "  comment TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX feedback_surveys_by_order ON feedback_surveys(order_id, id);"
    "CREATE TABLE feedback_complaints ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL, stop_id INTEGER NOT NULL,"
    "  rating_id INTEGER NOT NULL, plan_id INTEGER NOT NULL, driver_id TEXT NOT NULL,"
    "  vehicle_id TEXT NOT NULL, depot_id TEXT NOT NULL,"
    "  source INTEGER NOT NULL, category INTEGER NOT NULL, priority INTEGER NOT NULL,"
    "  status INTEGER NOT NULL, assignee TEXT NOT NULL, subject TEXT NOT NULL,"
    "  case_ref TEXT NOT NULL, driver_shared INTEGER NOT NULL, reopens INTEGER NOT NULL,"
    "  escalations INTEGER NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    "  first_response_ms INTEGER NOT NULL, resolved_ms INTEGER NOT NULL,"
    "  closed_ms INTEGER NOT NULL, clock_start_ms INTEGER NOT NULL,"
    "  fr_imminent_ms INTEGER NOT NULL, fr_due_ms INTEGER NOT NULL,"
    "  res_imminent_ms INTEGER NOT NULL, res_due_ms INTEGER NOT NULL,"
    "  sla_sent INTEGER NOT NULL, next_sla_ms INTEGER NOT NULL);"
    "CREATE INDEX feedback_complaints_by_sla ON feedback_complaints(next_sla_ms);"
    "CREATE INDEX feedback_complaints_by_order ON feedback_complaints(order_id);"
    "CREATE INDEX feedback_complaints_by_status ON feedback_complaints(status, resolved_ms);"
    "CREATE INDEX feedback_complaints_by_created ON feedback_complaints(created_ms);"
    "CREATE TABLE feedback_complaint_msgs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  complaint_id INTEGER NOT NULL REFERENCES feedback_complaints(id),"
    "  author_kind INTEGER NOT NULL, author_id TEXT NOT NULL, internal INTEGER NOT NULL,"
    "  text TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE INDEX feedback_complaint_msgs_by_ticket ON feedback_complaint_msgs(complaint_id, id);"
    "CREATE TABLE feedback_settings ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), edit_window_s INTEGER NOT NULL,"
    "  reopen_window_s INTEGER NOT NULL, imminent_pct INTEGER NOT NULL,"
    "  auto_ticket_max INTEGER NOT NULL, survey_kind TEXT NOT NULL,"
    "  survey_expiry_s INTEGER NOT NULL, retention_days INTEGER NOT NULL,"
    "  escalate_to TEXT NOT NULL);"
    "CREATE TABLE feedback_calendars ("
    "  depot_id TEXT PRIMARY KEY, tz TEXT NOT NULL, hours TEXT NOT NULL, holidays TEXT NOT NULL);"
    "CREATE TABLE feedback_sla ("
    "  category INTEGER NOT NULL, priority INTEGER NOT NULL,"
    "  first_response_s INTEGER NOT NULL CHECK (first_response_s >= 0),"
    "  resolution_s INTEGER NOT NULL CHECK (resolution_s >= 0),"
    "  PRIMARY KEY (category, priority)) WITHOUT ROWID;";

#define BIND(expr)                                                                                 \
    do {                                                                                           \
        if ((rc = (expr)) != LM_OK) goto fail;                                                     \
    } while (0)

/* ---- Ratings ---- */

#define RATING_COLS                                                                                \
    "id, order_id, stop_id, plan_id, driver_id, vehicle_id, depot_id, score, tags, edits, "        \
    "frozen_ms, complaint_id, comment, created_ms, updated_ms"

static void rating_row(db_stmt *st, void *elem) {
    store_rating *r = elem;
    r->id = db_column_i64(st, 0);
    r->order_id = db_column_i64(st, 1);
    r->stop_id = db_column_i64(st, 2);
    r->plan_id = db_column_i64(st, 3);
    store__column_copy(st, 4, r->driver_id, sizeof r->driver_id);
    store__column_copy(st, 5, r->vehicle_id, sizeof r->vehicle_id);
    store__column_copy(st, 6, r->depot_id, sizeof r->depot_id);
    r->score = db_column_int(st, 7);
    r->tags = (uint32_t)db_column_i64(st, 8);
    r->edits = db_column_int(st, 9);
    r->frozen_ms = db_column_i64(st, 10);
    r->complaint_id = db_column_i64(st, 11);
    store__column_copy(st, 12, r->comment, sizeof r->comment);
    r->created_ms = db_column_i64(st, 13);
    r->updated_ms = db_column_i64(st, 14);
}

lm_status store_rating_insert(store_tx *tx, const store_rating *r, int64_t *id, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO feedback_ratings(order_id, stop_id, plan_id, "
                              "driver_id, vehicle_id, depot_id, score, tags, edits, "
                              "frozen_ms, complaint_id, comment, created_ms, updated_ms) "
                              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, r->order_id));
    BIND(db_bind_i64(st, 2, r->stop_id));
    BIND(db_bind_i64(st, 3, r->plan_id));
    BIND(db_bind_text(st, 4, r->driver_id));
    BIND(db_bind_text(st, 5, r->vehicle_id));
    BIND(db_bind_text(st, 6, r->depot_id));
    BIND(db_bind_i64(st, 7, r->score));
    BIND(db_bind_i64(st, 8, r->tags));
    BIND(db_bind_i64(st, 9, r->edits));
    BIND(db_bind_i64(st, 10, r->frozen_ms));
    BIND(db_bind_i64(st, 11, r->complaint_id));
    BIND(db_bind_text(st, 12, r->comment));
    BIND(db_bind_i64(st, 13, r->created_ms));
    BIND(db_bind_i64(st, 14, r->updated_ms));
    BIND(store__step_done(st, err));
    *id = db_last_insert_id(db);
fail:
    db_finish(st);
    return rc;
}

lm_status store_rating_update(store_tx *tx, const store_rating *r, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "UPDATE feedback_ratings SET score = ?, tags = ?, comment = ?, "
                              "edits = ?, complaint_id = ?, updated_ms = ? WHERE id = ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, r->score));
    BIND(db_bind_i64(st, 2, r->tags));
    BIND(db_bind_text(st, 3, r->comment));
    BIND(db_bind_i64(st, 4, r->edits));
    BIND(db_bind_i64(st, 5, r->complaint_id));
    BIND(db_bind_i64(st, 6, r->updated_ms));
    BIND(db_bind_i64(st, 7, r->id));
    BIND(store__step_done(st, err));
    if (db_changes(db) == 0) rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "no such rating");
fail:
    db_finish(st);
    return rc;
}

static lm_status rating_one(store_read *rd, const char *sql, int64_t key, store_rating *out,
                            lm_errinfo *err) {
    db_conn *db = store__db(rd);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, key));
    BIND(store__step_row(db, st, "rating", err));
    memset(out, 0, sizeof *out);
    rating_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_rating_get(store_read *r, int64_t id, store_rating *out, lm_errinfo *err) {
    return rating_one(r, "SELECT " RATING_COLS " FROM feedback_ratings WHERE id = ?", id, out, err);
}

lm_status store_rating_by_stop(store_read *r, int64_t stop_id, store_rating *out, lm_errinfo *err) {
    return rating_one(r, "SELECT " RATING_COLS " FROM feedback_ratings WHERE stop_id = ?", stop_id,
                      out, err);
}

lm_status store_rating_list(store_read *r, const store_rating_filter *f, store_rating **out,
                            size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT " RATING_COLS " FROM feedback_ratings WHERE id > ? "
                              "AND (? = 0 OR order_id = ?) AND (? IS NULL OR driver_id = ?) "
                              "AND (? IS NULL OR depot_id = ?) ORDER BY id LIMIT ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    size_t limit = f->limit == 0 || f->limit > 1000 ? 1000 : f->limit;
    BIND(db_bind_i64(st, 1, f->after_id));
    BIND(db_bind_i64(st, 2, f->order_id));
    BIND(db_bind_i64(st, 3, f->order_id));
    BIND(db_bind_text(st, 4, f->driver_id));
    BIND(db_bind_text(st, 5, f->driver_id));
    BIND(db_bind_text(st, 6, f->depot_id));
    BIND(db_bind_text(st, 7, f->depot_id));
    BIND(db_bind_i64(st, 8, (int64_t)limit));
    rc = store__collect(db, st, sizeof **out, rating_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

static void group_row(db_stmt *st, void *elem) {
    store_rating_group *g = elem;
    store__column_copy(st, 0, g->key, sizeof g->key);
    g->count = db_column_i64(st, 1);
    g->sum = db_column_i64(st, 2);
    for (int i = 0; i < 5; i++)
        g->by_score[i] = db_column_i64(st, 3 + i);
    g->low = g->by_score[0] + g->by_score[1];
}

lm_status store_rating_groups(store_read *r, const char *column, int64_t since_ms, int64_t until_ms,
                              store_rating_group **out, size_t *n, lm_errinfo *err) {
    /* the column name cannot be bound: one fixed statement per allowed column */
#define GROUP_SQL(col)                                                                             \
    "SELECT " col ", count(*), sum(score), sum(score = 1), sum(score = 2), sum(score = 3), "       \
    "sum(score = 4), sum(score = 5) FROM feedback_ratings WHERE created_ms >= ? AND "              \
    "created_ms < ? GROUP BY " col " ORDER BY " col " LIMIT 10000"
    const char *sql = NULL;
    if (column && !strcmp(column, "driver_id"))
        sql = GROUP_SQL("driver_id");
    else if (column && !strcmp(column, "vehicle_id"))
        sql = GROUP_SQL("vehicle_id");
    else if (column && !strcmp(column, "depot_id"))
        sql = GROUP_SQL("depot_id");
#undef GROUP_SQL
    if (!sql)
        return lm_errinfo_set(err, LM_INVALID, "group_by",
                              "group_by must be driver_id, vehicle_id or depot_id");
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, since_ms));
    BIND(db_bind_i64(st, 2, until_ms));
    rc = store__collect(db, st, sizeof **out, group_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

/* ---- Surveys ---- */

#define SURVEY_COLS                                                                                \
    "id, order_id, stop_id, plan_id, driver_id, vehicle_id, depot_id, kind, requested_ms, "        \
    "expires_ms, answered_ms, score, comment"

lm_status store_survey_insert(store_tx *tx, const store_survey *s, int64_t *id, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO feedback_surveys(order_id, stop_id, plan_id, "
                              "driver_id, vehicle_id, depot_id, kind, requested_ms, "
                              "expires_ms) VALUES (?,?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, s->order_id));
    BIND(db_bind_i64(st, 2, s->stop_id));
    BIND(db_bind_i64(st, 3, s->plan_id));
    BIND(db_bind_text(st, 4, s->driver_id));
    BIND(db_bind_text(st, 5, s->vehicle_id));
    BIND(db_bind_text(st, 6, s->depot_id));
    BIND(db_bind_text(st, 7, s->kind));
    BIND(db_bind_i64(st, 8, s->requested_ms));
    BIND(db_bind_i64(st, 9, s->expires_ms));
    BIND(store__step_done(st, err));
    *id = db_last_insert_id(db);
fail:
    db_finish(st);
    return rc;
}

lm_status store_survey_answer(store_tx *tx, const store_survey *s, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "UPDATE feedback_surveys SET answered_ms = ?, score = ?, comment = ? WHERE id = ?", &st,
        err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, s->answered_ms));
    BIND(db_bind_i64(st, 2, s->score));
    BIND(db_bind_text(st, 3, s->comment));
    BIND(db_bind_i64(st, 4, s->id));
    BIND(store__step_done(st, err));
    if (db_changes(db) == 0) rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "no such survey");
fail:
    db_finish(st);
    return rc;
}

lm_status store_survey_by_order(store_read *r, int64_t order_id, store_survey *out,
                                lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT " SURVEY_COLS " FROM feedback_surveys WHERE order_id = ? "
                              "ORDER BY id DESC LIMIT 1",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, order_id));
    BIND(store__step_row(db, st, "survey", err));
    memset(out, 0, sizeof *out);
    out->id = db_column_i64(st, 0);
    out->order_id = db_column_i64(st, 1);
    out->stop_id = db_column_i64(st, 2);
    out->plan_id = db_column_i64(st, 3);
    store__column_copy(st, 4, out->driver_id, sizeof out->driver_id);
    store__column_copy(st, 5, out->vehicle_id, sizeof out->vehicle_id);
    store__column_copy(st, 6, out->depot_id, sizeof out->depot_id);
    store__column_copy(st, 7, out->kind, sizeof out->kind);
    out->requested_ms = db_column_i64(st, 8);
    out->expires_ms = db_column_i64(st, 9);
    out->answered_ms = db_column_i64(st, 10);
    out->score = db_column_int(st, 11);
    store__column_copy(st, 12, out->comment, sizeof out->comment);
fail:
    db_finish(st);
    return rc;
}

lm_status store_survey_histogram(store_read *r, const char *kind, int64_t since_ms,
                                 int64_t until_ms, int64_t hist[11], int64_t *asked,
                                 lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT score, count(*) FROM feedback_surveys WHERE kind = ? AND "
                              "requested_ms >= ? AND requested_ms < ? GROUP BY score",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, kind));
    BIND(db_bind_i64(st, 2, since_ms));
    BIND(db_bind_i64(st, 3, until_ms));
    int64_t h[11] = {0}, total = 0;
    int s;
    while ((s = db_step(st)) == DB_ROW) {
        int score = db_column_int(st, 0);
        int64_t c = db_column_i64(st, 1);
        total += c;
        if (score >= 0 && score <= 10) h[score] += c;
    }
    if (s != DB_DONE) {
        rc = db_fail(db, s, err);
        goto fail;
    }
    memcpy(hist, h, sizeof h);
    *asked = total;
fail:
    db_finish(st);
    return rc;
}

/* ---- Configuration ---- */

lm_status store_fb_settings_get(store_read *r, store_fb_settings *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT edit_window_s, reopen_window_s, imminent_pct, "
                              "auto_ticket_max, survey_kind, survey_expiry_s, retention_days, "
                              "escalate_to FROM feedback_settings WHERE id = 1",
                              &st, err);
    if (rc != LM_OK) return rc;
    rc = store__step_row(db, st, "feedback settings", err);
    if (rc == LM_NOT_FOUND) { /* never written: the caller's defaults stand */
        lm_errinfo_clear(err);
        rc = LM_OK;
        goto fail;
    }
    if (rc != LM_OK) goto fail;
    out->edit_window_s = db_column_i64(st, 0);
    out->reopen_window_s = db_column_i64(st, 1);
    out->imminent_pct = db_column_i64(st, 2);
    out->auto_ticket_max = db_column_i64(st, 3);
    store__column_copy(st, 4, out->survey_kind, sizeof out->survey_kind);
    out->survey_expiry_s = db_column_i64(st, 5);
    out->retention_days = db_column_i64(st, 6);
    store__column_copy(st, 7, out->escalate_to, sizeof out->escalate_to);
fail:
    db_finish(st);
    return rc;
}

lm_status store_fb_settings_put(store_tx *tx, const store_fb_settings *s, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT OR REPLACE INTO feedback_settings(id, edit_window_s, "
                              "reopen_window_s, imminent_pct, auto_ticket_max, survey_kind, "
                              "survey_expiry_s, retention_days, escalate_to) "
                              "VALUES (1,?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, s->edit_window_s));
    BIND(db_bind_i64(st, 2, s->reopen_window_s));
    BIND(db_bind_i64(st, 3, s->imminent_pct));
    BIND(db_bind_i64(st, 4, s->auto_ticket_max));
    BIND(db_bind_text(st, 5, s->survey_kind));
    BIND(db_bind_i64(st, 6, s->survey_expiry_s));
    BIND(db_bind_i64(st, 7, s->retention_days));
    BIND(db_bind_text(st, 8, s->escalate_to));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

static void calendar_row(db_stmt *st, void *elem) {
    store_fb_calendar *c = elem;
    store__column_copy(st, 0, c->depot_id, sizeof c->depot_id);
    store__column_copy(st, 1, c->tz, sizeof c->tz);
    store__column_copy(st, 2, c->hours, sizeof c->hours);
    store__column_copy(st, 3, c->holidays, sizeof c->holidays);
}

lm_status store_fb_calendar_get(store_read *r, const char *depot_id, store_fb_calendar *out,
                                lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT depot_id, tz, hours, holidays FROM feedback_calendars WHERE depot_id = ?", &st,
        err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, depot_id ? depot_id : ""));
    BIND(store__step_row(db, st, "calendar", err));
    memset(out, 0, sizeof *out);
    calendar_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_fb_calendar_put(store_tx *tx, const store_fb_calendar *c, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT OR REPLACE INTO feedback_calendars(depot_id, tz, hours, "
                              "holidays) VALUES (?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, c->depot_id));
    BIND(db_bind_text(st, 2, c->tz));
    BIND(db_bind_text(st, 3, c->hours));
    BIND(db_bind_text(st, 4, c->holidays));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_fb_calendar_delete(store_tx *tx, const char *depot_id, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "DELETE FROM feedback_calendars WHERE depot_id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, depot_id ? depot_id : ""));
    BIND(store__step_done(st, err));
    if (db_changes(db) == 0)
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "depot_id", "no calendar for depot \"%.64s\"",
                            depot_id ? depot_id : "");
fail:
    db_finish(st);
    return rc;
}

lm_status store_fb_calendar_list(store_read *r, store_fb_calendar **out, size_t *n,
                                 lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT depot_id, tz, hours, holidays FROM feedback_calendars "
                              "ORDER BY depot_id LIMIT 1000",
                              &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, calendar_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}

static void sla_row(db_stmt *st, void *elem) {
    store_fb_sla *s = elem;
    s->category = db_column_int(st, 0);
    s->priority = db_column_int(st, 1);
    s->first_response_s = db_column_i64(st, 2);
    s->resolution_s = db_column_i64(st, 3);
}

lm_status store_fb_sla_list(store_read *r, store_fb_sla **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT category, priority, first_response_s, resolution_s "
                              "FROM feedback_sla ORDER BY category, priority LIMIT 256",
                              &st, err);
    if (rc != LM_OK) return rc;
    rc = store__collect(db, st, sizeof **out, sla_row, (void **)out, n, err);
    db_finish(st);
    return rc;
}

lm_status store_fb_sla_replace(store_tx *tx, const store_fb_sla *rows, size_t n, lm_errinfo *err) {
    if (n > 256) return lm_errinfo_set(err, LM_TOO_BIG, "sla", "at most 256 SLA rows");
    db_conn *db = store__tx_db(tx);
    lm_status rc = db_exec(db, "DELETE FROM feedback_sla", err);
    if (rc != LM_OK) return rc;
    db_stmt *st = NULL;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        rc = db_prepare(db,
                        "INSERT INTO feedback_sla(category, priority, first_response_s, "
                        "resolution_s) VALUES (?,?,?,?)",
                        &st, err);
        if (rc != LM_OK) return rc;
        BIND(db_bind_i64(st, 1, rows[i].category));
        BIND(db_bind_i64(st, 2, rows[i].priority));
        BIND(db_bind_i64(st, 3, rows[i].first_response_s));
        BIND(db_bind_i64(st, 4, rows[i].resolution_s));
        rc = store__step_done(st, err);
    fail:
        db_finish(st);
        st = NULL;
    }
    return rc;
}
