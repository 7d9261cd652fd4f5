/* tests/support/pg_test.c: fresh databases in the fixture's PostgreSQL cluster (pg_test.h). */
#include "tests/support/pg_test.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pg_test_exec(const char *url, const char *sql) {
    PGconn *c = PQconnectdb(url);
    int rc = -1;
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "pg_test: %s: %s", url, PQerrorMessage(c));
    } else {
        PGresult *r = PQexec(c, sql);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
            rc = 0;
        else
            fprintf(stderr, "pg_test: %s: %s", sql, PQerrorMessage(c));
        PQclear(r);
    }
    PQfinish(c);
    return rc;
}

int pg_test_db(const char *name, char *url, size_t cap) {
    /* the fixture's server: DIR/url holds postgresql://lastmile@127.0.0.1:PORT/postgres */
    const char *dir = getenv("LASTMILE_TEST_PGDIR");
    char path[512], admin[256] = "";
    snprintf(path, sizeof path, "%s/url", dir ? dir : "");
    FILE *f = dir ? fopen(path, "r") : NULL;
    if (!f || !fgets(admin, sizeof admin, f)) {
        fprintf(stderr,
                "pg_test: no cluster (LASTMILE_TEST_PGDIR=%s): run under ctest's "
                "pg_cluster fixture\n",
                dir ? dir : "");
        if (f) fclose(f);
        return -1;
    }
    fclose(f);
    admin[strcspn(admin, "\r\n")] = 0;
    const char *slash = strrchr(admin, '/');
    if (!slash || strncmp(admin, "postgresql://", 13)) {
        fprintf(stderr, "pg_test: %s: not a postgresql:// URL\n", path);
        return -1;
    }
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    if (pg_test_exec(admin, sql) != 0) return -1;
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    if (pg_test_exec(admin, sql) != 0) return -1;
    snprintf(url, cap, "%.*s/%s", (int)(slash - admin), admin, name);
    return 0;
}
