/* store/ratelimit.c: token buckets shared by the nodes of a PostgreSQL deployment
 * (store/store_ratelimit.h), and their table (migration 61). */
#include "store/internal.h"
#include "store/store_ratelimit.h"

#include <string.h>

/* SQLite: the table exists (one schema for both) and stays empty. */
const char store__ratelimit_schema_v61[] =
    "CREATE TABLE rate_buckets ("
    "  scope TEXT NOT NULL, k TEXT NOT NULL, tokens REAL NOT NULL, at_ms INTEGER NOT NULL,"
    "  full_ms INTEGER NOT NULL, PRIMARY KEY (scope, k));";

/* PostgreSQL: UNLOGGED (a bucket is not worth a WAL record and an fsync per request) and the take
 * as one function, so a request costs one round trip. The INSERT ... ON CONFLICT locks the
 * bucket's row until the function's statement ends, so concurrent takes from any node queue on
 * that row, one after the other, and never spend the same token twice. A row idle long enough to
 * be full again is as good as absent: one take in a thousand deletes such rows. */
const char store__ratelimit_schema_v61_pg[] =
    "CREATE UNLOGGED TABLE rate_buckets ("
    "  scope TEXT NOT NULL, k TEXT NOT NULL, tokens DOUBLE PRECISION NOT NULL,"
    "  at_ms BIGINT NOT NULL, full_ms BIGINT NOT NULL, PRIMARY KEY (scope, k));"
    "CREATE INDEX rate_buckets_full ON rate_buckets(full_ms);"
    "CREATE OR REPLACE FUNCTION lm_rate_take(p_scope text, p_k text, p_rate double precision,"
    " p_burst double precision, p_now bigint, OUT ok boolean, OUT left_tokens double precision)"
    " LANGUAGE plpgsql AS $$"
    " DECLARE t double precision;"
    " BEGIN"
    "  INSERT INTO rate_buckets AS b (scope, k, tokens, at_ms, full_ms)"
    "   VALUES (p_scope, p_k, p_burst, p_now, p_now)"
    "   ON CONFLICT (scope, k) DO UPDATE SET tokens = LEAST(p_burst, b.tokens +"
    "    GREATEST(0, p_now - b.at_ms) * p_rate / 1000.0), at_ms = GREATEST(b.at_ms, p_now)"
    "   RETURNING b.tokens INTO t;"
    "  ok := t >= 1;"
    "  IF ok THEN t := t - 1; END IF;"
    "  UPDATE rate_buckets SET tokens = t,"
    "   full_ms = at_ms + ceil((p_burst - t) / p_rate * 1000.0)::bigint"
    "   WHERE scope = p_scope AND k = p_k;"
    "  left_tokens := t;"
    "  IF random() < 0.001 THEN"
    "   DELETE FROM rate_buckets WHERE scope = p_scope AND full_ms < p_now; END IF;"
    " END $$;"
    /* the failure limiter (dispatch/guard.h's rules, shared): tokens counts the failures of the
     * window that started at at_ms, full_ms is the end of the block (0: none) */
    "CREATE OR REPLACE FUNCTION lm_guard_fail(p_scope text, p_k text, p_max bigint,"
    " p_window bigint, p_block bigint, p_now bigint, OUT blocked_until bigint)"
    " LANGUAGE plpgsql AS $$"
    " DECLARE n double precision; w bigint; b bigint;"
    " BEGIN"
    "  INSERT INTO rate_buckets AS r (scope, k, tokens, at_ms, full_ms)"
    "   VALUES (p_scope, p_k, 0, p_now, 0)"
    "   ON CONFLICT (scope, k) DO UPDATE SET tokens = r.tokens"
    "   RETURNING r.tokens, r.at_ms, r.full_ms INTO n, w, b;"
    "  IF p_now < b THEN blocked_until := b; RETURN; END IF;"
    "  IF p_now - w >= p_window THEN w := p_now; n := 0; END IF;"
    "  n := n + 1;"
    "  IF n >= p_max THEN b := p_now + p_block; n := 0; w := b; END IF;"
    "  UPDATE rate_buckets SET tokens = n, at_ms = w, full_ms = b"
    "   WHERE scope = p_scope AND k = p_k;"
    "  blocked_until := b;"
    "  IF random() < 0.001 THEN DELETE FROM rate_buckets WHERE scope = p_scope"
    "   AND full_ms < p_now AND at_ms < p_now - p_window; END IF;"
    " END $$;";

bool store_rate_shared(const store *s) {
    return s && db_backend_of(store_path(s)) == DB_POSTGRES;
}

static lm_status args_check(const store *s, const char *scope, const char *key, lm_errinfo *err) {
    if (!store_rate_shared(s))
        return lm_errinfo_set(err, LM_INVALID, "db", "shared rate limits need PostgreSQL");
    if (!scope || !*scope || strlen(scope) >= STORE_RATE_KEY_MAX || !key ||
        strlen(key) >= STORE_RATE_KEY_MAX)
        return lm_errinfo_set(err, LM_INVALID, "key", "scope and key must be 1..%d bytes",
                              STORE_RATE_KEY_MAX - 1);
    return LM_OK;
}

lm_status store_guard_fail(store *s, const char *scope, const char *key, int64_t max_failures,
                           int64_t window_ms, int64_t block_ms, int64_t now_ms,
                           int64_t *blocked_until_ms, lm_errinfo *err) {
    lm_status rc = args_check(s, scope, key, err);
    if (rc != LM_OK) return rc;
    if (max_failures < 1 || window_ms < 1 || block_ms < 1)
        return lm_errinfo_set(err, LM_INVALID, "max_failures", "counts and times must be > 0");
    store_read *r = NULL;
    if ((rc = store__conn_take(s, &r)) != LM_OK)
        return lm_errinfo_set(err, rc, "", "the store is not available");
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    if ((rc = db_prepare(db, "SELECT blocked_until FROM lm_guard_fail(?, ?, ?, ?, ?, ?)", &st,
                         err)) != LM_OK)
        goto fail;
    if ((rc = db_bind_text(st, 1, scope)) != LM_OK || (rc = db_bind_text(st, 2, key)) != LM_OK ||
        (rc = db_bind_i64(st, 3, max_failures)) != LM_OK ||
        (rc = db_bind_i64(st, 4, window_ms)) != LM_OK ||
        (rc = db_bind_i64(st, 5, block_ms)) != LM_OK || (rc = db_bind_i64(st, 6, now_ms)) != LM_OK)
        goto fail;
    if ((rc = store__step_row(db, st, "guard", err)) != LM_OK) goto fail;
    *blocked_until_ms = db_column_i64(st, 0);
fail:
    db_finish(st);
    store_read_end(r);
    return rc;
}

lm_status store_rate_take(store *s, const char *scope, const char *key, double rate_per_s,
                          double burst, int64_t now_ms, bool *allowed, int64_t *retry_after_s,
                          lm_errinfo *err) {
    lm_status rc = args_check(s, scope, key, err);
    if (rc != LM_OK) return rc;
    if (!(rate_per_s > 0) || !(burst >= 1))
        return lm_errinfo_set(err, LM_INVALID, "rate", "rate must be > 0 and burst >= 1");
    store_read *r = NULL;
    if ((rc = store__conn_take(s, &r)) != LM_OK)
        return lm_errinfo_set(err, rc, "", "the store is not available");
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    if ((rc = db_prepare(db, "SELECT ok, left_tokens FROM lm_rate_take(?, ?, ?, ?, ?)", &st,
                         err)) != LM_OK)
        goto fail;
    if ((rc = db_bind_text(st, 1, scope)) != LM_OK || (rc = db_bind_text(st, 2, key)) != LM_OK ||
        (rc = db_bind_double(st, 3, rate_per_s)) != LM_OK ||
        (rc = db_bind_double(st, 4, burst)) != LM_OK || (rc = db_bind_i64(st, 5, now_ms)) != LM_OK)
        goto fail;
    if ((rc = store__step_row(db, st, "bucket", err)) != LM_OK) goto fail;
    const char *ok = db_column_text(st, 0);
    double left = db_column_double(st, 1);
    *allowed = ok && (ok[0] == 't' || ok[0] == '1');
    if (!*allowed) *retry_after_s = (int64_t)((1.0 - left) / rate_per_s) + 1;
fail:
    db_finish(st);
    store_read_end(r);
    return rc;
}
