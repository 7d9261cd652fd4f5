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
    const char *dir = getenv("LASTMILE_TEST_PGDIR");
    char path[512], port[16] = "";
    snprintf(path, sizeof path, "%s/port", dir ? dir : "");
    FILE *f = dir ? fopen(path, "r") : NULL;
    if (!f || !fgets(port, sizeof port, f)) {
        fprintf(stderr,
                "pg_test: no cluster (LASTMILE_TEST_PGDIR=%s): run under ctest's pg "
                "fixture\n",
                dir ? dir : "");
        if (f) fclose(f);
        return -1;
    }
    fclose(f);
    port[strcspn(port, "\r\n")] = 0;
    char admin[128], sql[256];
    snprintf(admin, sizeof admin, "postgresql://lastmile@127.0.0.1:%s/postgres", port);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    if (pg_test_exec(admin, sql) != 0) return -1;
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    if (pg_test_exec(admin, sql) != 0) return -1;
    snprintf(url, cap, "postgresql://lastmile@127.0.0.1:%s/%s", port, name);
    return 0;
}
