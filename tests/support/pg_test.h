/* tests/support/pg_test.h: a fresh database for one test in the throwaway PostgreSQL cluster that
 * the ctest fixture `pg_cluster` starts (scripts/pg-cluster.sh; its directory, with the server's
 * URL in DIR/url, in LASTMILE_TEST_PGDIR). */
#ifndef LASTMILE_TESTS_PG_TEST_H
#define LASTMILE_TESTS_PG_TEST_H

#include <stddef.h>

/* (Re)creates database `name` (letters, digits, _) in the fixture's cluster and writes its URL
 * (the server's URL with the database name replaced) to url; 0, or -1 after printing why. */
int pg_test_db(const char *name, char *url, size_t cap);
/* Runs one SQL statement on url; 0, or -1 after printing why. */
int pg_test_exec(const char *url, const char *sql);

#endif
