/* tests/support/tmp_db.c: temporary databases for the suites (tests/support/tmp_db.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "tests/support/tmp_db.h"

#include <ctype.h>
#include <ftw.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

/* The server of the _pg runs: $LASTMILE_TEST_PG, or the first line of $LASTMILE_TEST_PG_FILE
 * (written by scripts/pg-cluster.sh when ctest's fixture starts the cluster). */
static bool pg_server(char *url, size_t size) {
    const char *u = getenv("LASTMILE_TEST_PG");
    const char *file = getenv("LASTMILE_TEST_PG_FILE");
    if (u && *u) return snprintf(url, size, "%s", u) < (int)size;
    if (!file || !*file) return false;
    FILE *f = fopen(file, "r");
    if (!f) return false;
    bool ok = fgets(url, (int)size, f) != NULL;
    fclose(f);
    url[strcspn(url, "\r\n")] = '\0';
    return ok && *url;
}

bool tmp_db_is_pg(void) {
    char url[256];
    return pg_server(url, sizeof url);
}

/* Runs one statement on the server's maintenance database; 0 on success. */
static int pg_admin(const char *server_url, const char *sql) {
    PGconn *c = PQconnectdb(server_url);
    int rc = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, sql);
        rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
        if (rc) fprintf(stderr, "tmp_db: %s: %s", sql, PQresultErrorMessage(r));
        PQclear(r);
    } else {
        fprintf(stderr, "tmp_db: %s", PQerrorMessage(c));
    }
    PQfinish(c);
    return rc;
}

int tmp_db_create(tmp_db *t, const char *prefix) {
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/%.40sXXXXXX", prefix);
    if (!mkdtemp(t->dir)) return -1;
    snprintf(t->path, sizeof t->path, "%s/t.db", t->dir);
    char url[256];
    if (!pg_server(url, sizeof url)) return 0;
    /* the database is named after the directory, unique on this machine */
    char *slash = strrchr(url, '/');
    if (!slash) return -1;
    snprintf(t->pg_db, sizeof t->pg_db, "lmt_%s", strrchr(t->dir, '/') + 1);
    for (char *p = t->pg_db; *p; p++)
        *p = (char)(isalnum((unsigned char)*p) ? tolower((unsigned char)*p) : '_');
    char sql[160];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", t->pg_db);
    if (pg_admin(url, sql) != 0) return -1;
    int n = snprintf(t->path, sizeof t->path, "%.*s/%s", (int)(slash - url), url, t->pg_db);
    return n < (int)sizeof t->path ? 0 : -1;
}

int tmp_db_store_open(const tmp_db *t, int read_conns, store **out) {
    store_opts so;
    store_opts_init(&so);
    so.path = t->path;
    so.read_conns = read_conns;
    lm_errinfo err = {0};
    if (store_open(&so, out, &err) != LM_OK) {
        fprintf(stderr, "store_open %s: %s %s\n", t->path, err.field, err.message);
        return -1;
    }
    return 0;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void tmp_db_remove(const tmp_db *t) {
    /* depth first, links not followed: only what lies under the directory goes */
    if (t->dir[0]) nftw(t->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    char url[256], sql[160];
    if (!t->pg_db[0] || !pg_server(url, sizeof url)) return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->pg_db);
    if (pg_admin(url, sql) != 0) fprintf(stderr, "tmp_db: %s left behind\n", t->pg_db);
}

int tmp_store_setup(void **state, const char *prefix, int read_conns) {
    tmp_store *f = calloc(1, sizeof *f);
    if (!f) return -1;
    *state = f; /* tmp_store_teardown frees it whatever happens next */
    if (tmp_db_create(&f->db, prefix) != 0 || tmp_db_store_open(&f->db, read_conns, &f->s) != 0)
        return -1;
    return 0;
}

int tmp_store_teardown(void **state) {
    tmp_store *f = *state;
    if (!f) return 0;
    store_close(f->s);
    tmp_db_remove(&f->db);
    free(f);
    return 0;
}

int64_t tmp_db_append_event(store *s, const char *type) {
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(s, &tx), LM_OK);
    assert_int_equal(store_event_append(tx, type, "test", NULL, "{\"k\":1}"), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    store_read *r = NULL;
    int64_t last = 0, after = 0;
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    for (;;) {
        store_event *ev = NULL;
        size_t n = 0;
        assert_int_equal(store_events_since(r, after, 10000, &ev, &n), LM_OK);
        if (!n) break;
        last = after = ev[n - 1].seq;
        store_events_free(ev, n);
    }
    store_read_end(r);
    return last;
}

int64_t tmp_db_count_events(store *s, const char *type) {
    store_read *r = NULL;
    if (store_read_begin(s, &r) != LM_OK) fail_msg("store_read_begin failed");
    int64_t count = 0, after = 0;
    for (;;) {
        store_event *ev = NULL;
        size_t n = 0;
        lm_status rc = store_events_since(r, after, 10000, &ev, &n);
        if (rc != LM_OK) {
            store_read_end(r);
            fail_msg("store_events_since: %s", lm_status_name(rc));
        }
        for (size_t i = 0; i < n; i++) {
            if (!strcmp(ev[i].type, type)) count++;
            after = ev[i].seq;
        }
        store_events_free(ev, n);
        if (n < 10000) break;
    }
    store_read_end(r);
    return count;
}
