/* tests/support/pg_test.h: a fresh database for one test in the throwaway PostgreSQL cluster that
 * the ctest fixture `pg` starts (scripts/pg-cluster.sh; its directory in LASTMILE_TEST_PGDIR). */
#ifndef LASTMILE_TESTS_PG_TEST_H
#define LASTMILE_TESTS_PG_TEST_H

#include <stddef.h>

/* (Re)creates database `name` (letters, digits, _) in the fixture's cluster and writes its URL
 * (postgresql://lastmile@127.0.0.1:PORT/name) to url; 0, or -1 after printing why. */
int pg_test_db(const char *name, char *url, size_t cap);
/* Runs one SQL statement on url; 0, or -1 after printing why. */
int pg_test_exec(const char *url, const char *sql);

#endif
