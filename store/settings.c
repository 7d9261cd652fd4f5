/* store/settings.c: the SQL behind store/store_settings.h: versioned settings snapshots, fleet
 * record versions and required skills (migration 800). */
#include "store/internal.h"
#include "store/store_settings.h"

#include <string.h>

/* A version is a whole snapshot (settings_values holds every value of it), so reading one never
 * replays a chain of changes, and the history is the list of versions with who saved them. */
const char store__settings_schema_v800[] =
    "CREATE TABLE settings_versions ("
    "  version INTEGER PRIMARY KEY CHECK (version > 0),"
    "  created_ms INTEGER NOT NULL,"
    "  actor TEXT NOT NULL);"
    "CREATE TABLE settings_values ("
    "  version INTEGER NOT NULL REFERENCES settings_versions(version),"
    "  scope TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  value INTEGER NOT NULL,"
    "  PRIMARY KEY (version, scope, key)) WITHOUT ROWID;"
    "CREATE TABLE record_versions ("
    "  entity TEXT NOT NULL CHECK (entity IN ('vehicle','driver','depot')),"
    "  id TEXT NOT NULL,"
    "  version INTEGER NOT NULL CHECK (version > 0),"
    "  created_ms INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  doc TEXT NOT NULL CHECK (json_valid(doc)),"
    "  PRIMARY KEY (entity, id, version)) WITHOUT ROWID;"
    "CREATE TABLE requirements ("
    "  kind TEXT NOT NULL CHECK (kind IN ('product','order','driver')),"
    "  ref TEXT NOT NULL,"
    "  skill TEXT NOT NULL,"
    "  PRIMARY KEY (kind, ref, skill)) WITHOUT ROWID;";

#define BIND(expr)                                                                                 \
    do {                                                                                           \
        if ((rc = (expr)) != LM_OK) goto fail;                                                     \
    } while (0)

/* One integer from a single-row, single-column query (0 for SQL NULL). */
static lm_status scalar(db_conn *db, db_stmt *st, int64_t *out, lm_errinfo *err) {
    lm_status rc = store__step_row(db, st, "value", err);
    if (rc == LM_OK) *out = db_column_i64(st, 0);
    return rc;
}

/* ---- Settings ---- */

lm_status store_settings_version(store_read *r, int64_t *version, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT coalesce(max(version), 0) FROM settings_versions", &st, err);
    if (rc != LM_OK) return rc;
    rc = scalar(db, st, version, err);
    db_finish(st);
    return rc;
}

static void setting_row(db_stmt *st, void *elem) {
    store_setting *s = elem;
    store__column_copy(st, 0, s->scope, sizeof s->scope);
    store__column_copy(st, 1, s->key, sizeof s->key);
    s->value = db_column_i64(st, 2);
}

lm_status store_settings_values(store_read *r, int64_t version, store_setting **out, size_t *n,
                                lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT scope, key, value FROM settings_values WHERE version = ? "
                              "ORDER BY scope, key",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, version));
    rc = store__collect(db, st, sizeof **out, setting_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_settings_insert(store_tx *tx, const store_settings_rev *rev,
                                const store_setting *vals, size_t n, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    int64_t newest = 0;
    lm_status rc = store_settings_version(store_tx_read(tx), &newest, err);
    if (rc != LM_OK) return rc;
    if (rev->version != newest + 1)
        return lm_errinfo_set(err, LM_CONFLICT, "version",
                              "settings version %lld is not the next one (newest is %lld)",
                              (long long)rev->version, (long long)newest);
    db_stmt *st = NULL;
    rc = db_prepare(
        db, "INSERT INTO settings_versions(version, created_ms, actor) VALUES (?, ?, ?)", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, rev->version));
    BIND(db_bind_i64(st, 2, rev->created_ms));
    BIND(db_bind_text(st, 3, rev->actor));
    BIND(store__step_done(st, err));
    db_finish(st);
    st = NULL;
    for (size_t i = 0; i < n; i++) {
        rc = db_prepare(
            db, "INSERT INTO settings_values(version, scope, key, value) VALUES (?, ?, ?, ?)", &st,
            err);
        if (rc != LM_OK) return rc;
        BIND(db_bind_i64(st, 1, rev->version));
        BIND(db_bind_text(st, 2, vals[i].scope));
        BIND(db_bind_text(st, 3, vals[i].key));
        BIND(db_bind_i64(st, 4, vals[i].value));
        BIND(store__step_done(st, err));
        db_finish(st);
        st = NULL;
    }
fail:
    db_finish(st);
    return rc;
}

static void rev_row(db_stmt *st, void *elem) {
    store_settings_rev *v = elem;
    v->version = db_column_i64(st, 0);
    v->created_ms = db_column_i64(st, 1);
    store__column_copy(st, 2, v->actor, sizeof v->actor);
}

lm_status store_settings_history(store_read *r, int64_t before, size_t limit,
                                 store_settings_rev **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT version, created_ms, actor FROM settings_versions "
                              "WHERE ? = 0 OR version < ? ORDER BY version DESC LIMIT ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, before));
    BIND(db_bind_i64(st, 2, before));
    BIND(db_bind_i64(st, 3, (int64_t)limit));
    rc = store__collect(db, st, sizeof **out, rev_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

/* ---- Fleet record versions ---- */

lm_status store_record_version(store_read *r, const char *entity, const char *id, int64_t *version,
                               lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT coalesce(max(version), 0) FROM record_versions "
                              "WHERE entity = ? AND id = ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, entity));
    BIND(db_bind_text(st, 2, id));
    rc = scalar(db, st, version, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_record_version_add(store_tx *tx, const store_record_rev *rev, lm_errinfo *err) {
    int64_t newest = 0;
    lm_status rc = store_record_version(store_tx_read(tx), rev->entity, rev->id, &newest, err);
    if (rc != LM_OK) return rc;
    if (rev->version != newest + 1)
        return lm_errinfo_set(err, LM_CONFLICT, "version",
                              "%s '%s' version %lld is not the next one (newest is %lld)",
                              rev->entity, rev->id, (long long)rev->version, (long long)newest);
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    rc = db_prepare(db,
                    "INSERT INTO record_versions(entity, id, version, created_ms, actor, doc) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, rev->entity));
    BIND(db_bind_text(st, 2, rev->id));
    BIND(db_bind_i64(st, 3, rev->version));
    BIND(db_bind_i64(st, 4, rev->created_ms));
    BIND(db_bind_text(st, 5, rev->actor));
    BIND(db_bind_text(st, 6, rev->doc ? rev->doc : "{}"));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

void store_record_revs_free(store_record_rev *revs, size_t n) {
    for (size_t i = 0; revs && i < n; i++)
        lm_free(revs[i].doc);
    lm_free(revs);
}

lm_status store_record_history(store_read *r, const char *entity, const char *id, size_t limit,
                               store_record_rev **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    store_record_rev *list = NULL;
    size_t count = 0;
    lm_status rc = db_prepare(db,
                              "SELECT version, created_ms, actor, doc FROM record_versions "
                              "WHERE entity = ? AND id = ? ORDER BY version DESC LIMIT ?",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, entity));
    BIND(db_bind_text(st, 2, id));
    BIND(db_bind_i64(st, 3, (int64_t)limit));
    list = lm_calloc(limit ? limit : 1, sizeof *list);
    if (!list) {
        rc = LM_NOMEM;
        goto fail;
    }
    int s;
    while (count < limit && (s = db_step(st)) == DB_ROW) {
        store_record_rev *v = &list[count++];
        lm_strlcpy(v->entity, entity, sizeof v->entity);
        lm_strlcpy(v->id, id, sizeof v->id);
        v->version = db_column_i64(st, 0);
        v->created_ms = db_column_i64(st, 1);
        store__column_copy(st, 2, v->actor, sizeof v->actor);
        BIND(store__column_dup(st, 3, &v->doc));
    }
    if (count < limit && s != DB_DONE) rc = db_fail(db, s, err);
fail:
    db_finish(st);
    if (rc != LM_OK) {
        store_record_revs_free(list, count);
        return rc;
    }
    *out = list;
    *n = count;
    return LM_OK;
}

/* ---- Requirements ---- */

lm_status store_requirements_get(store_read *r, const char *kind, const char *ref, store_skill *out,
                                 size_t cap, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT skill FROM requirements WHERE kind = ? AND ref = ? ORDER BY skill", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, kind));
    BIND(db_bind_text(st, 2, ref));
    size_t count = 0;
    int s;
    while ((s = db_step(st)) == DB_ROW)
        if (count < cap) store__column_copy(st, 0, out[count++], sizeof out[0]);
    if (s != DB_DONE) rc = db_fail(db, s, err);
    if (rc == LM_OK) *n = count;
fail:
    db_finish(st);
    return rc;
}

lm_status store_requirements_set(store_tx *tx, const char *kind, const char *ref,
                                 const store_skill *skills, size_t n, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "DELETE FROM requirements WHERE kind = ? AND ref = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, kind));
    BIND(db_bind_text(st, 2, ref));
    BIND(store__step_done(st, err));
    db_finish(st);
    st = NULL;
    for (size_t i = 0; i < n; i++) {
        rc = db_prepare(db, "INSERT OR IGNORE INTO requirements(kind, ref, skill) VALUES (?, ?, ?)",
                        &st, err);
        if (rc != LM_OK) return rc;
        BIND(db_bind_text(st, 1, kind));
        BIND(db_bind_text(st, 2, ref));
        BIND(db_bind_text(st, 3, skills[i]));
        BIND(store__step_done(st, err));
        db_finish(st);
        st = NULL;
    }
fail:
    db_finish(st);
    return rc;
}
