/* tests/support/server_env.c: see server_env.h. */
#include "tests/support/server_env.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void server_env_refused(const api_server_opts *o, store *s, const char *name,
                        const char *const *bad, size_t n, const char *want, const char *good) {
    for (size_t i = 0; i < n; i++) {
        setenv(name, bad[i], 1);
        api_server *srv = NULL;
        lm_errinfo err = {0};
        assert_int_equal(api_server_start(o, s, &srv, &err), LM_INVALID);
        assert_null(srv);
        assert_string_equal(err.field, name);
        assert_true(!want || strstr(err.message, want));
    }
    setenv(name, good, 1);
    api_server *srv = NULL;
    lm_errinfo err = {0};
    assert_int_equal(api_server_start(o, s, &srv, &err), LM_OK);
    api_server_stop(srv, 5000);
}
