/* store/complaints.c: the SQL behind feedback/'s complaint tickets and their messages (tables of
 * migration 500, see store/feedback.c). See store/store_feedback.h. */
#include "store/internal.h"
#include "store/store_feedback.h"

#include <string.h>

#define BIND(expr)                                                                                 \
    do {                                                                                           \
        if ((rc = (expr)) != LM_OK) goto fail;                                                     \
    } while (0)

/* Column order shared by the SELECTs, the row reader and the INSERT. */
#define COMPLAINT_COLS                                                                             \
    "id, order_id, stop_id, rating_id, plan_id, driver_id, vehicle_id, depot_id, source, "         \
    "category, priority, status, assignee, subject, case_ref, driver_shared, reopens, "            \
    "escalations, created_ms, updated_ms, first_response_ms, resolved_ms, closed_ms, "             \
    "clock_start_ms, fr_imminent_ms, fr_due_ms, res_imminent_ms, res_due_ms, sla_sent, "           \
    "next_sla_ms"

static void complaint_row(db_stmt *st, void *elem) {
    store_complaint *c = elem;
    int i = 0;
    c->id = db_column_i64(st, i++);
    c->order_id = db_column_i64(st, i++);
    c->stop_id = db_column_i64(st, i++);
    c->rating_id = db_column_i64(st, i++);
    c->plan_id = db_column_i64(st, i++);
    store__column_copy(st, i++, c->driver_id, sizeof c->driver_id);
    store__column_copy(st, i++, c->vehicle_id, sizeof c->vehicle_id);
    store__column_copy(st, i++, c->depot_id, sizeof c->depot_id);
    c->source = db_column_int(st, i++);
    c->category = db_column_int(st, i++);
    c->priority = db_column_int(st, i++);
    c->status = db_column_int(st, i++);
    store__column_copy(st, i++, c->assignee, sizeof c->assignee);
    store__column_copy(st, i++, c->subject, sizeof c->subject);
    store__column_copy(st, i++, c->case_ref, sizeof c->case_ref);
    c->driver_shared = db_column_int(st, i++) != 0;
    c->reopens = db_column_int(st, i++);
    c->escalations = db_column_int(st, i++);
    c->created_ms = db_column_i64(st, i++);
    c->updated_ms = db_column_i64(st, i++);
    c->first_response_ms = db_column_i64(st, i++);
    c->resolved_ms = db_column_i64(st, i++);
    c->closed_ms = db_column_i64(st, i++);
    c->clock_start_ms = db_column_i64(st, i++);
    c->fr_imminent_ms = db_column_i64(st, i++);
    c->fr_due_ms = db_column_i64(st, i++);
    c->res_imminent_ms = db_column_i64(st, i++);
    c->res_due_ms = db_column_i64(st, i++);
    c->sla_sent = (uint32_t)db_column_i64(st, i++);
    c->next_sla_ms = db_column_i64(st, i++);
}

/* Binds the mutable fields (source .. next_sla_ms) from index `at` on; returns the next index. */
static lm_status bind_mutable(db_stmt *st, int at, const store_complaint *c, int *next) {
    lm_status rc = LM_OK;
    BIND(db_bind_i64(st, at++, c->source));
    BIND(db_bind_i64(st, at++, c->category));
    BIND(db_bind_i64(st, at++, c->priority));
    BIND(db_bind_i64(st, at++, c->status));
    BIND(db_bind_text(st, at++, c->assignee));
    BIND(db_bind_text(st, at++, c->subject));
    BIND(db_bind_text(st, at++, c->case_ref));
    BIND(db_bind_i64(st, at++, c->driver_shared ? 1 : 0));
    BIND(db_bind_i64(st, at++, c->reopens));
    BIND(db_bind_i64(st, at++, c->escalations));
    BIND(db_bind_i64(st, at++, c->updated_ms));
    BIND(db_bind_i64(st, at++, c->first_response_ms));
    BIND(db_bind_i64(st, at++, c->resolved_ms));
    BIND(db_bind_i64(st, at++, c->closed_ms));
    BIND(db_bind_i64(st, at++, c->clock_start_ms));
    BIND(db_bind_i64(st, at++, c->fr_imminent_ms));
    BIND(db_bind_i64(st, at++, c->fr_due_ms));
    BIND(db_bind_i64(st, at++, c->res_imminent_ms));
    BIND(db_bind_i64(st, at++, c->res_due_ms));
    BIND(db_bind_i64(st, at++, c->sla_sent));
    BIND(db_bind_i64(st, at++, c->next_sla_ms));
    *next = at;
fail:
    return rc;
}

lm_status store_complaint_insert(store_tx *tx, const store_complaint *c, int64_t *id,
                                 lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "INSERT INTO feedback_complaints(source, category, priority, status, assignee, subject, "
        "case_ref, driver_shared, reopens, escalations, updated_ms, first_response_ms, "
        "resolved_ms, closed_ms, clock_start_ms, fr_imminent_ms, fr_due_ms, res_imminent_ms, "
        "res_due_ms, sla_sent, next_sla_ms, order_id, stop_id, rating_id, plan_id, driver_id, "
        "vehicle_id, depot_id, created_ms) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        &st, err);
    if (rc != LM_OK) return rc;
    int at = 1;
    BIND(bind_mutable(st, 1, c, &at));
    BIND(db_bind_i64(st, at++, c->order_id));
    BIND(db_bind_i64(st, at++, c->stop_id));
    BIND(db_bind_i64(st, at++, c->rating_id));
    BIND(db_bind_i64(st, at++, c->plan_id));
    BIND(db_bind_text(st, at++, c->driver_id));
    BIND(db_bind_text(st, at++, c->vehicle_id));
    BIND(db_bind_text(st, at++, c->depot_id));
    BIND(db_bind_i64(st, at++, c->created_ms));
    BIND(store__step_done(st, err));
    *id = db_last_insert_id(db);
fail:
    db_finish(st);
    return rc;
}

lm_status store_complaint_update(store_tx *tx, const store_complaint *c, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "UPDATE feedback_complaints SET source = ?, category = ?, priority = ?, status = ?, "
        "assignee = ?, subject = ?, case_ref = ?, driver_shared = ?, reopens = ?, "
        "escalations = ?, updated_ms = ?, first_response_ms = ?, resolved_ms = ?, closed_ms = ?, "
        "clock_start_ms = ?, fr_imminent_ms = ?, fr_due_ms = ?, res_imminent_ms = ?, "
        "res_due_ms = ?, sla_sent = ?, next_sla_ms = ? WHERE id = ?",
        &st, err);
    if (rc != LM_OK) return rc;
    int at = 1;
    BIND(bind_mutable(st, 1, c, &at));
    BIND(db_bind_i64(st, at, c->id));
    BIND(store__step_done(st, err));
    if (db_changes(db) == 0) rc = lm_errinfo_set(err, LM_NOT_FOUND, "id", "no such complaint");
fail:
    db_finish(st);
    return rc;
}

lm_status store_complaint_get(store_read *r, int64_t id, store_complaint *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT " COMPLAINT_COLS " FROM feedback_complaints WHERE id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, id));
    BIND(store__step_row(db, st, "complaint", err));
    memset(out, 0, sizeof *out);
    complaint_row(st, out);
fail:
    db_finish(st);
    return rc;
}

lm_status store_complaint_list(store_read *r, const store_complaint_filter *f,
                               store_complaint **out, size_t *n, lm_errinfo *err) {
    /* two texts rather than a spliced ORDER BY: statements stay cacheable literals */
#define LIST_WHERE                                                                                 \
    "SELECT " COMPLAINT_COLS " FROM feedback_complaints WHERE id > ? AND (? = 0 OR order_id = ?) " \
    "AND (? = 0 OR ((1 << status) & ?) != 0) AND (? IS NULL OR assignee = ?) "                     \
    "AND (? IS NULL OR driver_id = ?) "
    const char *sql = f->by_due ? LIST_WHERE "ORDER BY next_sla_ms, id LIMIT ?"
                                : LIST_WHERE "ORDER BY id LIMIT ?";
#undef LIST_WHERE
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    size_t limit = f->limit == 0 || f->limit > 1000 ? 1000 : f->limit;
    BIND(db_bind_i64(st, 1, f->by_due ? 0 : f->after_id));
    BIND(db_bind_i64(st, 2, f->order_id));
    BIND(db_bind_i64(st, 3, f->order_id));
    BIND(db_bind_i64(st, 4, f->status_mask));
    BIND(db_bind_i64(st, 5, f->status_mask));
    BIND(db_bind_text(st, 6, f->assignee));
    BIND(db_bind_text(st, 7, f->assignee));
    BIND(db_bind_text(st, 8, f->driver_id));
    BIND(db_bind_text(st, 9, f->driver_id));
    BIND(db_bind_i64(st, 10, (int64_t)limit));
    rc = store__collect(db, st, sizeof **out, complaint_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

static lm_status id_query(store_read *r, const char *sql, int64_t a, int64_t b, size_t limit,
                          int64_t **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    /* the SQL takes (a, limit) or (a, b, limit) */
    int at = 1, params = db_bind_count(st);
    BIND(db_bind_i64(st, at++, a));
    if (params == 3) BIND(db_bind_i64(st, at++, b));
    BIND(db_bind_i64(st, at, (int64_t)(limit == 0 || limit > 10000 ? 10000 : limit)));
    rc = store__collect(db, st, sizeof **out, store__id_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_complaint_sla_due(store_read *r, int64_t now_ms, size_t limit, int64_t **out,
                                  size_t *n, lm_errinfo *err) {
    return id_query(r,
                    "SELECT id FROM feedback_complaints WHERE next_sla_ms <= ? "
                    "ORDER BY next_sla_ms, id LIMIT ?",
                    now_ms, 0, limit, out, n, err);
}

lm_status store_complaint_resolved_before(store_read *r, int status, int64_t before_ms,
                                          size_t limit, int64_t **out, size_t *n, lm_errinfo *err) {
    return id_query(r,
                    "SELECT id FROM feedback_complaints WHERE status = ? AND resolved_ms < ? "
                    "ORDER BY id LIMIT ?",
                    status, before_ms, limit, out, n, err);
}

static void count_row(db_stmt *st, void *elem) {
    store_complaint_count *c = elem;
    c->category = db_column_int(st, 0);
    c->status = db_column_int(st, 1);
    c->count = db_column_i64(st, 2);
    c->fr_breached = db_column_i64(st, 3);
    c->res_breached = db_column_i64(st, 4);
    c->fr_met = db_column_i64(st, 5);
    c->fr_response_ms_sum = db_column_i64(st, 6);
    c->answered = db_column_i64(st, 7);
}

lm_status store_complaint_counts(store_read *r, int64_t since_ms, int64_t until_ms, uint32_t fr_bit,
                                 uint32_t res_bit, store_complaint_count **out, size_t *n,
                                 lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "SELECT category, status, count(*), sum((sla_sent & ?) != 0), sum((sla_sent & ?) != 0), "
        "sum(first_response_ms > 0 AND first_response_ms <= fr_due_ms), "
        "coalesce(sum(CASE WHEN first_response_ms > 0 THEN first_response_ms - created_ms END), "
        "0), sum(first_response_ms > 0) FROM feedback_complaints "
        "WHERE created_ms >= ? AND created_ms < ? GROUP BY category, status "
        "ORDER BY category, status",
        &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, fr_bit));
    BIND(db_bind_i64(st, 2, res_bit));
    BIND(db_bind_i64(st, 3, since_ms));
    BIND(db_bind_i64(st, 4, until_ms));
    rc = store__collect(db, st, sizeof **out, count_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

/* ---- Messages ---- */

lm_status store_complaint_msg_insert(store_tx *tx, const store_complaint_msg *m, int64_t *id,
                                     lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO feedback_complaint_msgs(complaint_id, author_kind, "
                              "author_id, internal, text, created_ms) VALUES (?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, m->complaint_id));
    BIND(db_bind_i64(st, 2, m->author_kind));
    BIND(db_bind_text(st, 3, m->author_id));
    BIND(db_bind_i64(st, 4, m->internal ? 1 : 0));
    BIND(db_bind_text(st, 5, m->text));
    BIND(db_bind_i64(st, 6, m->created_ms));
    BIND(store__step_done(st, err));
    *id = db_last_insert_id(db);
fail:
    db_finish(st);
    return rc;
}

static void msg_row(db_stmt *st, void *elem) {
    store_complaint_msg *m = elem;
    m->id = db_column_i64(st, 0);
    m->complaint_id = db_column_i64(st, 1);
    m->author_kind = db_column_int(st, 2);
    store__column_copy(st, 3, m->author_id, sizeof m->author_id);
    m->internal = db_column_int(st, 4) != 0;
    store__column_copy(st, 5, m->text, sizeof m->text);
    m->created_ms = db_column_i64(st, 6);
}

lm_status store_complaint_msgs(store_read *r, int64_t complaint_id, bool with_internal,
                               store_complaint_msg **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT id, complaint_id, author_kind, author_id, internal, text, "
                              "created_ms FROM feedback_complaint_msgs WHERE complaint_id = ? "
                              "AND (? OR internal = 0) ORDER BY id LIMIT 500",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, complaint_id));
    BIND(db_bind_i64(st, 2, with_internal ? 1 : 0));
    rc = store__collect(db, st, sizeof **out, msg_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_complaint_msgs_erase(store_tx *tx, int status, int64_t before_ms, int64_t *erased,
                                     lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "UPDATE feedback_complaint_msgs SET text = '' WHERE text != '' AND complaint_id IN "
        "(SELECT id FROM feedback_complaints WHERE status = ? AND closed_ms > 0 AND closed_ms < ?)",
        &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, status));
    BIND(db_bind_i64(st, 2, before_ms));
    BIND(store__step_done(st, err));
    *erased = db_changes(db);
fail:
    db_finish(st);
    return rc;
}

/* ---- The order's timeline ---- */

lm_status store_order_timeline(store_read *r, int64_t order_id, int64_t after_seq, size_t max,
                               store_event **out, size_t *n_out, lm_errinfo *err) {
    if (max < 1 || max > 10000)
        return lm_errinfo_set(err, LM_INVALID, "limit", "limit must be 1..10000");
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    store_event *ev = NULL;
    size_t n = 0, cap = 0;
    /* each branch is a lookup on events(entity, entity_id): no scan of the log */
    lm_status rc = db_prepare(
        db,
        "SELECT seq, time_ms, type, entity, entity_id, payload FROM events WHERE seq > ?2 AND ("
        "(entity = 'order' AND entity_id = CAST(?1 AS TEXT)) OR "
        "(entity = 'stop' AND entity_id IN (SELECT CAST(id AS TEXT) FROM stops "
        "WHERE order_id = ?1)) OR "
        "(entity = 'rating' AND entity_id IN (SELECT CAST(id AS TEXT) FROM feedback_ratings "
        "WHERE order_id = ?1)) OR "
        "(entity = 'survey' AND entity_id IN (SELECT CAST(id AS TEXT) FROM feedback_surveys "
        "WHERE order_id = ?1)) OR "
        "(entity = 'complaint' AND entity_id IN (SELECT CAST(id AS TEXT) FROM "
        "feedback_complaints WHERE order_id = ?1))) ORDER BY seq LIMIT ?3",
        &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, order_id));
    BIND(db_bind_i64(st, 2, after_seq));
    BIND(db_bind_i64(st, 3, (int64_t)max));
    int s;
    while ((s = db_step(st)) == DB_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            store_event *g = lm_reallocarray(ev, ncap, sizeof *ev);
            if (!g) {
                rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
                goto fail;
            }
            ev = g;
            cap = ncap;
        }
        store_event *e = &ev[n++];
        memset(e, 0, sizeof *e);
        e->seq = db_column_i64(st, 0);
        e->time_ms = db_column_i64(st, 1);
        if ((rc = store__column_dup(st, 2, &e->type)) != LM_OK ||
            (rc = store__column_dup(st, 3, &e->entity)) != LM_OK ||
            (rc = store__column_dup(st, 4, &e->entity_id)) != LM_OK ||
            (rc = store__column_dup(st, 5, &e->payload_json)) != LM_OK)
            goto fail;
    }
    if (s != DB_DONE) {
        rc = db_fail(db, s, err);
        goto fail;
    }
    db_finish(st);
    *out = ev;
    *n_out = n;
    return LM_OK;
fail:
    db_finish(st);
    store_events_free(ev, n);
    return rc;
}
