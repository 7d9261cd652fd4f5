/* store/jobs.c: the SQL behind the dispatch worker's durable job queue (store/store_jobs.h). */
#include "store/internal.h"
#include "store/store_jobs.h"

#include <string.h>

/* A plan has at most one job (UNIQUE plan_id; re-plans leave it NULL). Pending jobs are found by
 * the partial index, which stays as small as the queue. */
const char store__jobs_schema_v59[] =
    "CREATE TABLE dispatch_jobs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  kind TEXT NOT NULL CHECK (kind IN ('plan','replan')),"
    "  plan_id INTEGER UNIQUE,"
    "  trigger_name TEXT NOT NULL DEFAULT '',"
    "  vehicle TEXT NOT NULL DEFAULT '',"
    "  request TEXT NOT NULL DEFAULT '',"
    "  created_ms INTEGER NOT NULL,"
    "  done_ms INTEGER);"
    "CREATE INDEX dispatch_jobs_pending ON dispatch_jobs(id) WHERE done_ms IS NULL;";

lm_status store_job_add(store_tx *tx, const char *kind, int64_t plan_id, const char *trigger,
                        const char *vehicle, const char *request, int64_t now_ms, int64_t *id,
                        lm_errinfo *err) {
    if (request && strlen(request) > STORE_JOB_REQUEST_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "request", "plan request too large to queue");
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO dispatch_jobs(kind, plan_id, trigger_name, vehicle, "
                              "request, created_ms) VALUES (?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_text(st, 1, kind)) == LM_OK &&
        (rc = plan_id > 0 ? db_bind_i64(st, 2, plan_id) : db_bind_text(st, 2, NULL)) == LM_OK &&
        (rc = db_bind_text(st, 3, trigger ? trigger : "")) == LM_OK &&
        (rc = db_bind_text(st, 4, vehicle ? vehicle : "")) == LM_OK &&
        (rc = db_bind_text(st, 5, request ? request : "")) == LM_OK &&
        (rc = db_bind_i64(st, 6, now_ms)) == LM_OK && (rc = store__step_done(st, err)) == LM_OK &&
        id)
        *id = db_last_insert_id(db);
    db_finish(st);
    return rc;
}

void store_jobs_free(store_job *jobs, size_t n) {
    for (size_t i = 0; jobs && i < n; i++)
        lm_free(jobs[i].request);
    lm_free(jobs);
}

lm_status store_jobs_pending(store_read *r, int64_t after_id, size_t max, store_job **out,
                             size_t *n, lm_errinfo *err) {
    if (max < 1 || max > 1000) return lm_errinfo_set(err, LM_INVALID, "max", "must be 1..1000");
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT id, kind, plan_id, trigger_name, vehicle, request, "
                              "created_ms FROM dispatch_jobs WHERE done_ms IS NULL AND id > ? "
                              "ORDER BY id LIMIT ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    store_job *jobs = NULL;
    size_t k = 0;
    if ((rc = db_bind_i64(st, 1, after_id)) != LM_OK ||
        (rc = db_bind_i64(st, 2, (int64_t)max)) != LM_OK)
        goto fail;
    if (!(jobs = lm_calloc(max, sizeof *jobs))) {
        rc = LM_NOMEM;
        goto fail;
    }
    int s;
    while ((s = db_step(st)) == DB_ROW && k < max) {
        store_job *j = &jobs[k++];
        j->id = db_column_i64(st, 0);
        store__column_copy(st, 1, j->kind, sizeof j->kind);
        j->plan_id = db_column_i64(st, 2);
        store__column_copy(st, 3, j->trigger, sizeof j->trigger);
        store__column_copy(st, 4, j->vehicle, sizeof j->vehicle);
        if ((rc = store__column_dup(st, 5, &j->request)) != LM_OK) goto fail;
        j->created_ms = db_column_i64(st, 6);
    }
    if (s != DB_ROW && s != DB_DONE) {
        rc = db_fail(db, s, err);
        goto fail;
    }
    db_finish(st);
    if (k == 0) {
        lm_free(jobs);
        jobs = NULL;
    }
    *out = jobs;
    *n = k;
    return LM_OK;
fail:
    db_finish(st);
    store_jobs_free(jobs, k);
    return rc;
}

lm_status store_job_finish(store_tx *tx, int64_t id, int64_t now_ms, bool *claimed,
                           lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "UPDATE dispatch_jobs SET done_ms = ? WHERE id = ? AND done_ms IS NULL", &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, now_ms)) == LM_OK && (rc = db_bind_i64(st, 2, id)) == LM_OK &&
        (rc = store__step_done(st, err)) == LM_OK)
        *claimed = db_changes(db) == 1;
    db_finish(st);
    return rc;
}

lm_status store_jobs_finish_replans(store_tx *tx, int64_t upto_id, int64_t now_ms, int64_t *n,
                                    lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "UPDATE dispatch_jobs SET done_ms = ? WHERE kind = 'replan' AND "
                              "id <= ? AND done_ms IS NULL",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, now_ms)) == LM_OK && (rc = db_bind_i64(st, 2, upto_id)) == LM_OK &&
        (rc = store__step_done(st, err)) == LM_OK && n)
        *n = db_changes(db);
    db_finish(st);
    return rc;
}
