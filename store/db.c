/* store/db.c: store/db.h's entry points below the statement cache: each hands the call to the
 * connection's backend (db_sqlite.c or db_pg.c). The cache (stmt_cache.c) and transactions
 * (db_tx.c) build on these. */
#include "store/db_impl.h"

#include <stdlib.h>
#include <string.h>

#define PG(c) ((c)->kind == DB_POSTGRES)

db_backend db_backend_of(const char *target) {
    if (target && (!strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11)))
        return DB_POSTGRES;
    return DB_SQLITE;
}

lm_status db_open(const db_open_opts *o, db_conn **out, lm_errinfo *err) {
    db_conn *c = lm_calloc(1, sizeof *c);
    if (!c) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    c->kind = db_backend_of(o->target);
    lm_status st = PG(c) ? db_pg__open(o, c, err) : db_sq__open(o, c, err);
    if (st != LM_OK) {
        db__close_backend(c);
        return st;
    }
    *out = c;
    return LM_OK;
}

void db__close_backend(db_conn *c) {
    if (PG(c))
        db_pg__close(c);
    else
        db_sq__close(c);
    lm_free(c);
}

db_backend db_kind(const db_conn *c) {
    return c->kind;
}

const char *db_errmsg(db_conn *c) {
    if (!c) return "no connection";
    return PG(c) ? db_pg__errmsg(c) : db_sq__errmsg(c);
}

lm_status db_fail(db_conn *c, int rc, lm_errinfo *err) {
    return lm_errinfo_set(err, db__status(rc), "", "%s", db_errmsg(c));
}

/* ---- Statements ---- */

lm_status db__stmt_new(db_conn *c, const char *sql, bool persistent, db_stmt **out,
                       lm_errinfo *err) {
    db_stmt *w = lm_calloc(1, sizeof *w);
    if (!w) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    w->conn = c;
    lm_status st =
        PG(c) ? db_pg__stmt_new(c, sql, w, err) : db_sq__stmt_new(c, sql, persistent, w, err);
    if (st != LM_OK) {
        lm_free(w);
        return st;
    }
    *out = w;
    return LM_OK;
}

void db__stmt_free(db_stmt *st) {
    if (!st) return;
    if (PG(st->conn))
        db_pg__stmt_free(st);
    else
        db_sq__stmt_free(st);
    lm_free(st);
}

void db__stmt_recycle(db_stmt *st) {
    if (PG(st->conn))
        db_pg__stmt_recycle(st);
    else
        db_sq__stmt_recycle(st);
}

db_conn *db_stmt_conn(db_stmt *st) {
    return st->conn;
}

lm_status db_bind_text(db_stmt *st, int idx, const char *text) {
    if (!PG(st->conn)) return db_sq__bind_text(st, idx, text);
    /* type 0: the server infers it from the context, as SQLite's affinity would */
    return db_pg__bind(st, idx, 0, text, text ? strlen(text) : 0, false);
}

lm_status db_bind_text_ref(db_stmt *st, int idx, const char *text) {
    if (!PG(st->conn)) return db_sq__bind_text_ref(st, idx, text);
    return db_bind_text(st, idx, text);
}

lm_status db_bind_i64(db_stmt *st, int idx, int64_t v) {
    if (!PG(st->conn)) return db_sq__bind_i64(st, idx, v);
    char b[24];
    int n = snprintf(b, sizeof b, "%lld", (long long)v);
    return db_pg__bind(st, idx, 20 /* int8 */, b, (size_t)n, false);
}

lm_status db_bind_double(db_stmt *st, int idx, double v) {
    if (!PG(st->conn)) return db_sq__bind_double(st, idx, v);
    char b[40];
    int n = snprintf(b, sizeof b, "%.17g", v);
    return db_pg__bind(st, idx, 701 /* float8 */, b, (size_t)n, false);
}

lm_status db_bind_blob(db_stmt *st, int idx, const void *data, size_t n) {
    if (!PG(st->conn)) return db_sq__bind_blob(st, idx, data, n);
    return db_pg__bind(st, idx, 17 /* bytea */, data ? data : "", n, true);
}

lm_status db_bind_null(db_stmt *st, int idx) {
    if (!PG(st->conn)) return db_sq__bind_null(st, idx);
    return db_pg__bind(st, idx, 0, NULL, 0, false);
}

int db_bind_count(db_stmt *st) {
    return PG(st->conn) ? db_pg__bind_count(st) : db_sq__bind_count(st);
}

int db_step(db_stmt *st) {
    return PG(st->conn) ? db_pg__step(st) : db_sq__step(st);
}

void db_reset(db_stmt *st) {
    if (PG(st->conn))
        db_pg__reset(st);
    else
        db_sq__reset(st);
}

/* ---- Columns: PostgreSQL's come as text (t/f for booleans), SQLite's natively ---- */

int64_t db_column_i64(db_stmt *st, int col) {
    if (!PG(st->conn)) return db_sq__column_i64(st, col);
    const char *v = db_pg__value(st, col);
    if (!v) return 0;
    if (v[0] == 't' || v[0] == 'f') return v[0] == 't';
    /* a numeric with a fraction (avg) truncates, as SQLite's integer read of a REAL does */
    if (strpbrk(v, ".eE")) return (int64_t)strtod(v, NULL);
    return strtoll(v, NULL, 10);
}

int db_column_int(db_stmt *st, int col) {
    return (int)db_column_i64(st, col);
}

double db_column_double(db_stmt *st, int col) {
    if (!PG(st->conn)) return db_sq__column_double(st, col);
    const char *v = db_pg__value(st, col);
    if (!v) return 0;
    if (v[0] == 't' || v[0] == 'f') return v[0] == 't';
    return strtod(v, NULL);
}

const char *db_column_text(db_stmt *st, int col) {
    return PG(st->conn) ? db_pg__value(st, col) : db_sq__column_text(st, col);
}

const void *db_column_blob(db_stmt *st, int col) {
    return PG(st->conn) ? db_pg__column_blob(st, col) : db_sq__column_blob(st, col);
}

int db_column_bytes(db_stmt *st, int col) {
    return PG(st->conn) ? db_pg__column_bytes(st, col) : db_sq__column_bytes(st, col);
}

int db_column_type(db_stmt *st, int col) {
    return PG(st->conn) ? db_pg__column_type(st, col) : db_sq__column_type(st, col);
}

int db_column_count(db_stmt *st) {
    return PG(st->conn) ? db_pg__column_count(st) : db_sq__column_count(st);
}

bool db_column_is_null(db_stmt *st, int col) {
    return db_column_type(st, col) == DB_NULL;
}

int64_t db_changes(db_conn *c) {
    return PG(c) ? db_pg__changes(c) : db_sq__changes(c);
}

int64_t db_total_changes(db_conn *c) {
    return PG(c) ? db_pg__total_changes(c) : db_sq__total_changes(c);
}

int64_t db_last_insert_id(db_conn *c) {
    return PG(c) ? db_pg__last_insert_id(c) : db_sq__last_insert_id(c);
}

/* ---- Whole statements ---- */

lm_status db_exec(db_conn *c, const char *sql, lm_errinfo *err) {
    return PG(c) ? db_pg__exec(c, sql, err) : db_sq__exec(c, sql, err);
}

bool db_in_tx(db_conn *c) {
    return PG(c) ? db_pg__in_tx(c) : db_sq__in_tx(c);
}
