/* store/sql.c: the statement helpers every store file uses (store/internal.h) on top of
 * store/db.h: stepping, reading text columns and collecting rows. They hold no store state, so the
 * handle (store.c) and the migrations build on them. */
#include "store/internal.h"

#include <string.h>

lm_status store__step_done(db_stmt *st, lm_errinfo *err) {
    int rc = db_step(st);
    if (rc == DB_DONE) return LM_OK;
    if (rc == DB_ROW) return lm_errinfo_set(err, LM_INTERNAL, "", "statement returned rows");
    return db_fail(db_stmt_conn(st), rc, err);
}

bool store__column_copy(db_stmt *st, int col, char *dst, size_t dst_size) {
    const char *t = db_column_text(st, col);
    return lm_strlcpy(dst, t ? t : "", dst_size);
}

lm_status store__column_dup(db_stmt *st, int col, char **out) {
    const char *t = db_column_text(st, col);
    if (!t) {
        *out = NULL;
        return LM_OK;
    }
    char *d = lm_strndup(t, (size_t)db_column_bytes(st, col));
    if (!d) return LM_NOMEM;
    *out = d;
    return LM_OK;
}

lm_status store__step_row(db_conn *db, db_stmt *st, const char *what, lm_errinfo *err) {
    int s = db_step(st);
    if (s == DB_ROW) return LM_OK;
    if (s == DB_DONE) return lm_errinfo_set(err, LM_NOT_FOUND, "", "%s not found", what);
    return db_fail(db, s, err);
}

lm_status store__collect(db_conn *db, db_stmt *st, size_t elem_size, store__row_fn row, void **out,
                         size_t *n, lm_errinfo *err) {
    char *arr = NULL;
    size_t cap = 0, len = 0;
    lm_status rc = LM_OK;
    int s;
    while ((s = db_step(st)) == DB_ROW) {
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
    if (s != DB_DONE) {
        rc = db_fail(db, s, err);
        goto fail;
    }
    *out = arr;
    *n = len;
    return LM_OK;
fail:
    lm_free(arr);
    return rc;
}

void store__id_row(db_stmt *st, void *elem) {
    *(int64_t *)elem = db_column_i64(st, 0);
}
