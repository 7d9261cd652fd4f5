/* store/db_pg.c: store/db.h's PostgreSQL backend (db_pg__*, called by db.c) on libpq. Statements
 * are translated from the store's SQLite dialect once, at prepare (store/sql_pg.h), and run with
 * PQexecParams; results come back as text and db.c parses them.
 *
 * Two SQLite behaviours the store relies on are rebuilt here:
 *   - a failed statement inside a transaction undoes only itself (PostgreSQL would abort the whole
 *     transaction): every INSERT / UPDATE / DELETE inside one runs inside its own savepoint;
 *   - the id of the last INSERT: an INSERT into a table with an identity column gets a
 *     RETURNING of that column, read here and hidden from the caller.
 * Write transactions take one advisory lock, so writers are serialized as SQLite's single writer
 * is, now across every node sharing the database. */
#include "store/db_impl.h"
#include "store/sql_pg.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The advisory lock every write transaction holds ("lastmile" in ASCII, as a 64-bit key). */
#define WRITE_LOCK_KEY "7809643318625461605"

/* The two ways a transaction begins: a writer takes the one write lock at once (held to its
 * end), a reader sees one snapshot from its first statement on, as SQLite's deferred BEGIN. */
#define BEGIN_WRITE_LOCK "SELECT pg_advisory_xact_lock(" WRITE_LOCK_KEY ")"
#define BEGIN_READ       "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"

/* Per connection: the unique keys and identity columns looked up for INSERTs, kept because the
 * schema only changes through migrations, which run before any of these are asked. */
#define LOOKUPS_MAX 128

/* SAVEPOINTs and RELEASEs held back to go out with the next statement (db_pg__defer). */
#define DEFER_MAX 8

typedef struct lookup {
    char key[1100]; /* "i:table" or "u:table:cols" */
    char val[512];  /* the answer, "" for none */
} lookup;

struct db_pg_conn {
    PGconn *pg;
    /* a BEGIN not sent yet: it goes in one round trip with the transaction's first statement */
    enum { PENDING_NONE, PENDING_READ, PENDING_WRITE } begin_pending;
    char errmsg[512];
    int64_t changes;
    int64_t total_changes; /* the sum of changes (SQLite's total_changes) */
    int64_t last_id;
    uint64_t next_name;           /* names of the server-side prepared statements: lm_<n> */
    char deferred[DEFER_MAX][48]; /* SAVEPOINT / RELEASE not sent yet, in order */
    int n_deferred;
    lookup *lk;
    size_t n_lk;
};

struct db_pg_stmt {
    char *sql;
    int n_params;
    unsigned *types; /* Oid per parameter, 0 = let the server infer it */
    char **vals;     /* own copies, NULL for SQL NULL */
    int *lens, *fmts;
    bool is_dml;   /* INSERT / UPDATE / DELETE: runs in a savepoint, counts changes */
    bool is_end;   /* COMMIT or ROLLBACK (of the whole transaction) */
    char name[24]; /* server-side prepared statement, once a cached statement first ran */
    bool auto_ret; /* we appended RETURNING <identity>: the rows are ours, not the caller's */
    PGresult *res;
    bool executed;
    int row, n_rows;
    unsigned char **blobs; /* per column of the current row, decoded bytea */
    size_t *blob_lens;
    int n_cols;
};

static void set_err(db_pg_conn *p, const char *msg) {
    lm_strlcpy(p->errmsg, msg && *msg ? msg : "PostgreSQL error", sizeof p->errmsg);
    size_t n = strlen(p->errmsg);
    while (n && (p->errmsg[n - 1] == '\n' || p->errmsg[n - 1] == ' '))
        p->errmsg[--n] = '\0';
}

/* The db.h error class of a failed result (SQLSTATE classes), recording its message. */
static int res_class(db_pg_conn *p, PGresult *r) {
    set_err(p, r ? PQresultErrorMessage(r) : PQerrorMessage(p->pg));
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (!state) return DB_ERROR;
    if (!strncmp(state, "23", 2)) return DB_CONSTRAINT;
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
        return DB_BUSY;
    if (!strcmp(state, "53200")) return DB_NOMEM;
    return DB_ERROR;
}

static lm_status fail(db_conn *c, int rc, lm_errinfo *err) {
    return lm_errinfo_set(err, db__status(rc), "", "%s", c->pg->errmsg);
}

static bool res_ok(PGresult *r) {
    ExecStatusType s = PQresultStatus(r);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Runs text without parameters (BEGIN, SAVEPOINT ...): DB_OK or an error class. */
static int simple(db_pg_conn *p, const char *sql) {
    PGresult *r = PQexec(p->pg, sql);
    int rc = res_ok(r) ? DB_OK : res_class(p, r);
    PQclear(r);
    return rc;
}

const char *db_pg__errmsg(db_conn *c) {
    return c->pg->errmsg;
}

/* Server notices (CREATE ... IF NOT EXISTS that exists) are not errors: keep them off stderr. */
static void notice_quiet(void *arg, const char *msg) {
    (void)arg;
    (void)msg;
}

lm_status db_pg__open(const db_open_opts *o, db_conn *c, lm_errinfo *err) {
    db_pg_conn *p = lm_calloc(1, sizeof *p);
    if (!p) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    c->pg = p;
    p->pg = PQconnectdb(o->target);
    if (!p->pg) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    if (PQstatus(p->pg) != CONNECTION_OK) {
        set_err(p, PQerrorMessage(p->pg));
        return lm_errinfo_set(err, LM_STORE, "db", "cannot connect to PostgreSQL: %s", p->errmsg);
    }
    PQsetNoticeProcessor(p->pg, notice_quiet, NULL);
    /* the store keeps times as integers and compares text byte-wise, as SQLite does */
    if (simple(p, "SET TIME ZONE 'UTC'") != DB_OK)
        return lm_errinfo_set(err, LM_STORE, "db", "PostgreSQL: %s", p->errmsg);
    return LM_OK;
}

void db_pg__close(db_conn *c) {
    if (!c->pg) return;
    PQfinish(c->pg->pg);
    lm_free(c->pg->lk);
    lm_free(c->pg);
    c->pg = NULL;
}

/* ---- Catalog look-ups for INSERT rewriting ---- */

static const char *lookup_get(db_pg_conn *p, const char *key) {
    for (size_t i = 0; i < p->n_lk; i++)
        if (!strcmp(p->lk[i].key, key)) return p->lk[i].val;
    return NULL;
}

static void lookup_put(db_pg_conn *p, const char *key, const char *val) {
    if (!p->lk && !(p->lk = lm_calloc(LOOKUPS_MAX, sizeof *p->lk))) return;
    if (p->n_lk == LOOKUPS_MAX) p->n_lk = 0; /* full: start over, the answers are cheap */
    lm_strlcpy(p->lk[p->n_lk].key, key, sizeof p->lk[p->n_lk].key);
    lm_strlcpy(p->lk[p->n_lk].val, val, sizeof p->lk[p->n_lk].val);
    p->n_lk++;
}

/* The identity column of table, or "" (cached). */
static const char *identity_of(db_pg_conn *p, const char *table) {
    char key[1100];
    snprintf(key, sizeof key, "i:%s", table);
    const char *v = lookup_get(p, key);
    if (v) return v;
    const char *args[1] = {table};
    PGresult *r = PQexecParams(p->pg,
                               "SELECT attname FROM pg_attribute WHERE attrelid = "
                               "to_regclass($1) AND attidentity <> '' AND NOT attisdropped",
                               1, NULL, args, NULL, NULL, 0);
    char val[128] = "";
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
        lm_strlcpy(val, PQgetvalue(r, 0, 0), sizeof val);
    PQclear(r);
    lookup_put(p, key, val);
    return lookup_get(p, key) ? lookup_get(p, key) : "";
}

/* Is every column of key (comma-separated) among cols? */
static bool cols_cover(const char *cols, const char *key) {
    char k[512];
    lm_strlcpy(k, key, sizeof k);
    for (char *save = NULL, *c = strtok_r(k, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        bool found = false;
        size_t n = strlen(c);
        for (const char *q = cols; *q && !found;) {
            const char *e = strchr(q, ',');
            size_t m = e ? (size_t)(e - q) : strlen(q);
            found = m == n && !strncasecmp(q, c, n);
            q += m + (e ? 1 : 0);
        }
        if (!found) return false;
    }
    return true;
}

static bool conflict_target(void *ctx, const char *table, const char *cols, char *out,
                            size_t out_size) {
    db_pg_conn *p = ctx;
    char key[1100];
    snprintf(key, sizeof key, "u:%s:%s", table, cols);
    const char *v = lookup_get(p, key);
    if (!v) {
        const char *args[1] = {table};
        PGresult *r = PQexecParams(
            p->pg,
            "SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM pg_index i CROSS JOIN LATERAL "
            "unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) JOIN pg_attribute a ON "
            "a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE i.indrelid = to_regclass($1) "
            "AND i.indisunique AND i.indpred IS NULL GROUP BY i.indexrelid, i.indisprimary "
            "ORDER BY i.indisprimary DESC, i.indexrelid",
            1, NULL, args, NULL, NULL, 0);
        char val[512] = "";
        for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r) && !*val; i++)
            if (cols_cover(cols, PQgetvalue(r, i, 0)))
                lm_strlcpy(val, PQgetvalue(r, i, 0), sizeof val);
        PQclear(r);
        lookup_put(p, key, val);
        v = lookup_get(p, key);
        if (!v) v = "";
    }
    if (!*v) return false;
    lm_strlcpy(out, v, out_size);
    return true;
}

/* ---- Statements ---- */

static bool starts_with_word(const char *s, const char *w) {
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '(')
        s++;
    size_t n = strlen(w);
    return !strncasecmp(s, w, n) && (s[n] == ' ' || s[n] == '\n' || s[n] == '\t' || !s[n]);
}

lm_status db_pg__stmt_new(db_conn *c, const char *sql, db_stmt *st, lm_errinfo *err) {
    db_pg_conn *p = c->pg;
    sql_pg_hooks h = {.ctx = p, .conflict_target = conflict_target};
    sql_pg_out o;
    lm_status rc = sql_pg_translate(sql, &h, &o);
    if (rc == LM_INVALID)
        return lm_errinfo_set(err, LM_INTERNAL, "", "no unique key for INSERT OR REPLACE: %s", sql);
    if (rc != LM_OK) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    db_pg_stmt *s = lm_calloc(1, sizeof *s);
    if (!s) goto nomem;
    st->pg = s;
    s->n_params = o.n_params;
    s->is_dml = starts_with_word(o.text, "INSERT") || starts_with_word(o.text, "UPDATE") ||
                starts_with_word(o.text, "DELETE");
    s->is_end = starts_with_word(o.text, "COMMIT") ||
                (starts_with_word(o.text, "ROLLBACK") && !strstr(o.text, " TO "));
    if (o.is_insert && !o.has_returning) {
        const char *id = identity_of(p, o.insert_table);
        if (*id) {
            char tail[600];
            snprintf(tail, sizeof tail, " RETURNING %s", id);
            size_t n = strlen(o.text);
            while (n && (o.text[n - 1] == ';' || o.text[n - 1] == ' '))
                o.text[--n] = '\0';
            char *g = lm_reallocarray(o.text, n + strlen(tail) + 1, 1);
            if (!g) goto nomem;
            o.text = g;
            memcpy(o.text + n, tail, strlen(tail) + 1);
            s->auto_ret = true;
        }
    }
    s->sql = o.text;
    o.text = NULL;
    size_t np = (size_t)(s->n_params > 0 ? s->n_params : 1);
    s->types = lm_calloc(np, sizeof *s->types);
    s->vals = lm_calloc(np, sizeof *s->vals);
    s->lens = lm_calloc(np, sizeof *s->lens);
    s->fmts = lm_calloc(np, sizeof *s->fmts);
    if (!s->types || !s->vals || !s->lens || !s->fmts) goto nomem;
    return LM_OK;
nomem:
    sql_pg_out_free(&o);
    db_pg__stmt_free(st);
    return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
}

static void row_free(db_pg_stmt *s) {
    for (int i = 0; s->blobs && i < s->n_cols; i++) {
        PQfreemem(s->blobs[i]);
        s->blobs[i] = NULL;
    }
}

void db_pg__reset(db_stmt *st) {
    db_pg_stmt *s = st->pg;
    row_free(s);
    PQclear(s->res);
    s->res = NULL;
    s->executed = false;
    s->row = s->n_rows = 0;
}

static void params_clear(db_pg_stmt *s) {
    for (int i = 0; i < s->n_params; i++) {
        lm_free(s->vals[i]);
        s->vals[i] = NULL;
        s->types[i] = 0;
        s->lens[i] = s->fmts[i] = 0;
    }
}

void db_pg__stmt_free(db_stmt *st) {
    db_pg_stmt *s = st->pg;
    if (!s) return;
    /* an evicted statement leaves the server too (skipped in a failed transaction, where the
     * server would refuse; the connection's end frees it then) */
    db_pg_conn *p = st->conn->pg;
    if (s->name[0] && p && PQtransactionStatus(p->pg) != PQTRANS_INERROR) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
        (void)simple(p, sql);
    }
    db_pg__reset(st);
    if (s->vals) params_clear(s);
    lm_free(s->blobs);
    lm_free(s->blob_lens);
    lm_free(s->sql);
    lm_free(s->types);
    lm_free(s->vals);
    lm_free(s->lens);
    lm_free(s->fmts);
    lm_free(s);
    st->pg = NULL;
}

void db_pg__stmt_recycle(db_stmt *st) {
    db_pg__reset(st);
    params_clear(st->pg);
}

lm_status db_pg__bind(db_stmt *st, int idx, unsigned type_oid, const void *v, size_t n,
                      bool binary) {
    db_pg_stmt *s = st->pg;
    if (idx < 1 || idx > s->n_params) return LM_STORE; /* SQLite's SQLITE_RANGE */
    int i = idx - 1;
    lm_free(s->vals[i]);
    s->vals[i] = NULL;
    s->types[i] = type_oid;
    s->fmts[i] = binary;
    s->lens[i] = (int)n;
    if (!v) return LM_OK;
    if (!(s->vals[i] = lm_alloc(n + 1))) return LM_NOMEM;
    memcpy(s->vals[i], v, n);
    s->vals[i][n] = '\0';
    return LM_OK;
}

int db_pg__bind_count(db_stmt *st) {
    return st->pg->n_params;
}

/* Sends pre[0..n_pre), the statement (prepared on the server first when it will be reused:
 * PostgreSQL then parses and plans it once per connection, as SQLite's cached statements) and
 * post (if any) as one pipeline: one round trip. The statement's result is returned (NULL if it
 * never ran); *ok_around says whether every other command succeeded. */
static PGresult *pipeline(db_pg_conn *p, db_pg_stmt *s, bool reuse, const char *const *pre,
                          int n_pre, const char *post, bool *ok_around) {
    *ok_around = true;
    if (!PQenterPipelineMode(p->pg)) return NULL;
    int sent = 0, n = n_pre + 1 + (post != NULL);
    for (int i = 0; i < n_pre; i++)
        sent += PQsendQueryParams(p->pg, pre[i], 0, NULL, NULL, NULL, NULL, 0);
    bool prepare = reuse && !s->name[0];
    if (prepare) {
        snprintf(s->name, sizeof s->name, "lm_%llu", (unsigned long long)++p->next_name);
        sent += PQsendPrepare(p->pg, s->name, s->sql, s->n_params, (const Oid *)s->types);
        n++;
    }
    if (s->name[0])
        sent += PQsendQueryPrepared(p->pg, s->name, s->n_params, (const char *const *)s->vals,
                                    s->lens, s->fmts, 0);
    else
        sent += PQsendQueryParams(p->pg, s->sql, s->n_params, (const Oid *)s->types,
                                  (const char *const *)s->vals, s->lens, s->fmts, 0);
    if (post) sent += PQsendQueryParams(p->pg, post, 0, NULL, NULL, NULL, NULL, 0);
    PQpipelineSync(p->pg);
    PGresult *mine = NULL;
    int at = n_pre + prepare;
    for (int q = 0; q < n; q++) {
        PGresult *r = PQgetResult(p->pg);
        if (q == at) {
            mine = r;
        } else {
            if (!res_ok(r)) {
                *ok_around = false;
                if (PQresultStatus(r) != PGRES_PIPELINE_ABORTED) (void)res_class(p, r);
                if (prepare && q == at - 1) s->name[0] = '\0'; /* not prepared after all */
            }
            PQclear(r);
        }
        for (PGresult *rest; (rest = PQgetResult(p->pg));) /* the NULL ending each query */
            PQclear(rest);
    }
    for (PGresult *r; (r = PQgetResult(p->pg));) { /* the sync */
        bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (sync) break;
    }
    PQexitPipelineMode(p->pg);
    if (sent != n) *ok_around = false;
    return mine;
}

/* Runs the statement once, in one round trip with what must go before and after it: a pending
 * BEGIN, and around a DML statement inside a transaction its own savepoint, so that its failure
 * leaves the transaction usable (as SQLite's statement rollback does). */
static int execute(db_conn *c, db_pg_stmt *s, bool reuse) {
    db_pg_conn *p = c->pg;
    const char *pre[3 + DEFER_MAX];
    int n_pre = 0;
    if (s->is_end) p->n_deferred = 0; /* the whole transaction ends: its savepoints with it */
    if (p->begin_pending) {
        if (s->is_end) { /* nothing was sent: nothing to end */
            p->begin_pending = PENDING_NONE;
            s->executed = true;
            s->row = s->n_rows = 0;
            return DB_OK;
        }
        pre[n_pre++] = p->begin_pending == PENDING_WRITE ? "BEGIN" : BEGIN_READ;
        if (p->begin_pending == PENDING_WRITE) pre[n_pre++] = BEGIN_WRITE_LOCK;
        p->begin_pending = PENDING_NONE;
    }
    for (int i = 0; i < p->n_deferred; i++)
        pre[n_pre++] = p->deferred[i];
    p->n_deferred = 0;
    bool in_tx = n_pre > 0 || PQtransactionStatus(p->pg) == PQTRANS_INTRANS;
    bool sp = s->is_dml && in_tx;
    if (sp) pre[n_pre++] = "SAVEPOINT lm_stmt";
    bool ok_around = true;
    s->res = pipeline(p, s, reuse, pre, n_pre, sp ? "RELEASE SAVEPOINT lm_stmt" : NULL, &ok_around);
    if (!res_ok(s->res)) {
        int rc = PQresultStatus(s->res) == PGRES_PIPELINE_ABORTED ? DB_ERROR : res_class(p, s->res);
        /* LASTMILE_PG_TRACE=1: each failing statement on stderr, for porting store SQL */
        if (getenv("LASTMILE_PG_TRACE")) fprintf(stderr, "pg: %s\n  in: %s\n", p->errmsg, s->sql);
        PQclear(s->res);
        s->res = NULL;
        if (sp && simple(p, "ROLLBACK TO SAVEPOINT lm_stmt; RELEASE SAVEPOINT lm_stmt") != DB_OK)
            return DB_ERROR;
        return rc;
    }
    if (!ok_around) {
        PQclear(s->res);
        s->res = NULL;
        return DB_ERROR;
    }
    s->executed = true;
    s->row = -1;
    s->n_rows = PQresultStatus(s->res) == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
    s->n_cols = PQnfields(s->res);
    if (s->is_dml) {
        const char *t = PQcmdTuples(s->res);
        p->changes = *t ? strtoll(t, NULL, 10) : 0;
        p->total_changes += p->changes;
    }
    if (s->auto_ret) {
        if (s->n_rows > 0) p->last_id = strtoll(PQgetvalue(s->res, s->n_rows - 1, 0), NULL, 10);
        s->n_rows = 0; /* the caller asked for no rows */
    }
    if (s->n_cols > 0) {
        lm_free(s->blobs);
        lm_free(s->blob_lens);
        s->blobs = lm_calloc((size_t)s->n_cols, sizeof *s->blobs);
        s->blob_lens = lm_calloc((size_t)s->n_cols, sizeof *s->blob_lens);
        if (!s->blobs || !s->blob_lens) return DB_NOMEM;
    }
    return DB_OK;
}

int db_pg__step(db_stmt *st) {
    db_pg_stmt *s = st->pg;
    if (!s->executed) {
        int rc = execute(st->conn, s, st->cached);
        if (rc != DB_OK) return rc;
    }
    row_free(s);
    if (s->row + 1 >= s->n_rows) {
        s->row = s->n_rows;
        return DB_DONE;
    }
    s->row++;
    return DB_ROW;
}

static bool has_value(db_pg_stmt *s, int col) {
    return s->res && s->row >= 0 && s->row < s->n_rows && col >= 0 && col < s->n_cols &&
           !PQgetisnull(s->res, s->row, col);
}

const char *db_pg__value(db_stmt *st, int col) {
    db_pg_stmt *s = st->pg;
    return has_value(s, col) ? PQgetvalue(s->res, s->row, col) : NULL;
}

const void *db_pg__column_blob(db_stmt *st, int col) {
    db_pg_stmt *s = st->pg;
    if (!has_value(s, col)) return NULL;
    if (PQftype(s->res, col) != 17) return PQgetvalue(s->res, s->row, col);
    if (!s->blobs[col])
        s->blobs[col] = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, col),
                                        &s->blob_lens[col]);
    return s->blobs[col];
}

int db_pg__column_bytes(db_stmt *st, int col) {
    db_pg_stmt *s = st->pg;
    if (!has_value(s, col)) return 0;
    if (PQftype(s->res, col) != 17) return PQgetlength(s->res, s->row, col);
    return db_pg__column_blob(st, col) ? (int)s->blob_lens[col] : 0;
}

int db_pg__column_type(db_stmt *st, int col) {
    db_pg_stmt *s = st->pg;
    if (!has_value(s, col)) return DB_NULL;
    switch (PQftype(s->res, col)) {
    case 16: /* bool */
    case 20: /* int8 */
    case 21: /* int2 */
    case 23: return DB_INTEGER;
    case 700:
    case 701:
    case 1700: return DB_FLOAT;
    case 17: return DB_BLOB;
    default: return DB_TEXT;
    }
}

int db_pg__column_count(db_stmt *st) {
    db_pg_stmt *s = st->pg;
    if (!s->executed && execute(st->conn, s, st->cached) != DB_OK) return 0;
    return s->n_cols;
}

int64_t db_pg__changes(db_conn *c) {
    return c->pg->changes;
}

int64_t db_pg__total_changes(db_conn *c) {
    return c->pg->total_changes;
}

int64_t db_pg__last_insert_id(db_conn *c) {
    return c->pg->last_id;
}

/* ---- Whole statements and transactions ---- */

/* Sends held-back SAVEPOINTs and RELEASEs on their own (before SQL that does not go through
 * execute). */
static int deferred_flush(db_pg_conn *p) {
    int rc = DB_OK;
    for (int i = 0; i < p->n_deferred && rc == DB_OK; i++)
        rc = simple(p, p->deferred[i]);
    p->n_deferred = 0;
    return rc;
}

bool db_pg__defer(db_conn *c, const char *sql) {
    db_pg_conn *p = c->pg;
    bool sp = !strncmp(sql, "SAVEPOINT ", 10), rel = !strncmp(sql, "RELEASE ", 8);
    if ((!sp && !rel) || strlen(sql) >= sizeof p->deferred[0] || strchr(sql, ';')) return false;
    if (!p->begin_pending && PQtransactionStatus(p->pg) != PQTRANS_INTRANS) return false;
    if (p->n_deferred == DEFER_MAX && deferred_flush(p) != DB_OK) return false;
    lm_strlcpy(p->deferred[p->n_deferred++], sql, sizeof p->deferred[0]);
    return true;
}

/* Sends a pending BEGIN on its own (before SQL that does not go through execute). */
static int begin_flush(db_pg_conn *p) {
    int b = p->begin_pending;
    p->begin_pending = PENDING_NONE;
    if (b == PENDING_NONE) return deferred_flush(p);
    int rc = simple(p, b == PENDING_WRITE ? "BEGIN; " BEGIN_WRITE_LOCK : BEGIN_READ);
    if (rc != DB_OK && PQtransactionStatus(p->pg) != PQTRANS_IDLE) {
        char keep[sizeof p->errmsg];
        lm_strlcpy(keep, p->errmsg, sizeof keep);
        (void)simple(p, "ROLLBACK");
        lm_strlcpy(p->errmsg, keep, sizeof p->errmsg);
        p->n_deferred = 0;
    }
    return rc == DB_OK ? deferred_flush(p) : rc;
}

lm_status db_pg__exec(db_conn *c, const char *sql, lm_errinfo *err) {
    db_pg_conn *p = c->pg;
    sql_pg_hooks h = {.ctx = p, .conflict_target = conflict_target};
    sql_pg_out o;
    lm_status rc = sql_pg_translate(sql, &h, &o);
    if (rc != LM_OK)
        return lm_errinfo_set(err, rc == LM_NOMEM ? LM_NOMEM : LM_INTERNAL, "",
                              "cannot translate SQL for PostgreSQL: %s", sql);
    int s = begin_flush(p);
    if (s == DB_OK) s = simple(p, o.text);
    sql_pg_out_free(&o);
    return s == DB_OK ? LM_OK : fail(c, s, err);
}

lm_status db_pg__begin(db_conn *c, bool write, lm_errinfo *err) {
    (void)err;
    /* sent with the first statement (execute): a round trip fewer per transaction */
    c->pg->begin_pending = write ? PENDING_WRITE : PENDING_READ;
    return LM_OK;
}

lm_status db_pg__commit(db_conn *c, lm_errinfo *err) {
    db_pg_conn *p = c->pg;
    p->n_deferred = 0;      /* COMMIT ends every savepoint: nothing held back needs sending */
    if (p->begin_pending) { /* nothing was sent: nothing to commit */
        p->begin_pending = PENDING_NONE;
        return LM_OK;
    }
    PGresult *r = PQexec(p->pg, "COMMIT");
    int s = res_ok(r) ? DB_OK : res_class(p, r);
    /* COMMIT of a transaction a failed statement aborted answers ROLLBACK, not an error */
    if (s == DB_OK && strcmp(PQcmdStatus(r), "COMMIT")) {
        set_err(p, "the transaction was rolled back after an error");
        s = DB_ERROR;
    }
    PQclear(r);
    return s == DB_OK ? LM_OK : fail(c, s, err);
}

bool db_pg__in_tx(db_conn *c) {
    if (c->pg->begin_pending) return true;
    PGTransactionStatusType t = PQtransactionStatus(c->pg->pg);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}
