/* store/sql.c: the statement helpers every store file uses (store/internal.h): SQLite result codes
 * to lm_status, binding, stepping, reading columns and collecting rows. They hold no store state,
 * so the handle (store.c), the statement cache and the migrations all build on them. */
#include "store/internal.h"

#include <string.h>

lm_status store__fail(sqlite3 *db, int rc, lm_errinfo *err) {
    lm_status code;
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: code = LM_CONFLICT; break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: code = LM_UNAVAILABLE; break;
    case SQLITE_NOMEM: code = LM_NOMEM; break;
    default: code = LM_STORE; break;
    }
    return lm_errinfo_set(err, code, "", "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static lm_status bind_rc(sqlite3_stmt *st, int rc) {
    (void)st;
    if (rc == SQLITE_OK) return LM_OK;
    return rc == SQLITE_NOMEM ? LM_NOMEM : LM_STORE;
}

lm_status store__bind_text(sqlite3_stmt *st, int idx, const char *text) {
    if (!text) return bind_rc(st, sqlite3_bind_null(st, idx));
    return bind_rc(st, sqlite3_bind_text(st, idx, text, -1, SQLITE_TRANSIENT));
}

lm_status store__bind_i64(sqlite3_stmt *st, int idx, int64_t v) {
    return bind_rc(st, sqlite3_bind_int64(st, idx, v));
}

lm_status store__bind_double(sqlite3_stmt *st, int idx, double v) {
    return bind_rc(st, sqlite3_bind_double(st, idx, v));
}

lm_status store__bind_blob(sqlite3_stmt *st, int idx, const void *data, size_t n) {
    return bind_rc(st, sqlite3_bind_blob64(st, idx, data, n, SQLITE_TRANSIENT));
}

lm_status store__step_done(sqlite3_stmt *st, lm_errinfo *err) {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return LM_OK;
    if (rc == SQLITE_ROW) return lm_errinfo_set(err, LM_INTERNAL, "", "statement returned rows");
    return store__fail(sqlite3_db_handle(st), rc, err);
}

lm_status store__exec(sqlite3 *db, const char *sql, lm_errinfo *err) {
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? LM_OK : store__fail(db, rc, err);
}

bool store__column_copy(sqlite3_stmt *st, int col, char *dst, size_t dst_size) {
    const unsigned char *t = sqlite3_column_text(st, col);
    return lm_strlcpy(dst, t ? (const char *)t : "", dst_size);
}

lm_status store__column_dup(sqlite3_stmt *st, int col, char **out) {
    const unsigned char *t = sqlite3_column_text(st, col);
    if (!t) {
        *out = NULL;
        return LM_OK;
    }
    char *d = lm_strndup((const char *)t, (size_t)sqlite3_column_bytes(st, col));
    if (!d) return LM_NOMEM;
    *out = d;
    return LM_OK;
}

lm_status store__step_row(sqlite3 *db, sqlite3_stmt *st, const char *what, lm_errinfo *err) {
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) return LM_OK;
    if (s == SQLITE_DONE) return lm_errinfo_set(err, LM_NOT_FOUND, "", "%s not found", what);
    return store__fail(db, s, err);
}

lm_status store__collect(sqlite3 *db, sqlite3_stmt *st, size_t elem_size, store__row_fn row,
                         void **out, size_t *n, lm_errinfo *err) {
    char *arr = NULL;
    size_t cap = 0, len = 0;
    lm_status rc = LM_OK;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char *p = lm_reallocarray(arr, nc, elem_size);
            if (!p) {
                rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
                goto fail;
            }
            arr = p;
            cap = nc;
        }
        memset(arr + len * elem_size, 0, elem_size);
        row(st, arr + len * elem_size);
        len++;
    }
    if (s != SQLITE_DONE) {
        rc = store__fail(db, s, err);
        goto fail;
    }
    *out = arr;
    *n = len;
    return LM_OK;
fail:
    lm_free(arr);
    return rc;
}

void store__id_row(sqlite3_stmt *st, void *elem) {
    *(int64_t *)elem = sqlite3_column_int64(st, 0);
}
