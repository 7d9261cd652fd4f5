/* tests/support/server_env.h: the check every environment setting read at server start shares
 * (LASTMILE_INTAKE_LINGER, LASTMILE_INGEST_LINGER_US, LASTMILE_PAYMENT_SWEEP_MS): a malformed
 * value refuses to start, naming the variable, and a good one starts. */
#ifndef LASTMILE_TESTS_SERVER_ENV_H
#define LASTMILE_TESTS_SERVER_ENV_H

#include "api/api.h"

#include <stddef.h>

/* Starts a server with o on s once per value in bad[0..n) of the environment variable name: each
 * start must fail with LM_INVALID, no server, err.field = name and, unless want is NULL, want in
 * the message. Then starts once with good, stops that server, and leaves name set to good. */
void server_env_refused(const api_server_opts *o, store *s, const char *name,
                        const char *const *bad, size_t n, const char *want, const char *good);

#endif
