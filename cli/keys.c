/* `lastmile keys create`: makes an API key in the database; the key is printed once, as the last
 * line of output, and only its salted hash is kept. */
#include "cli/cli.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void keys_usage(FILE *out) {
    fprintf(out, "usage: lastmile keys create --role admin|dispatcher|warehouse|driver "
                 "[--driver ID] [--db PATH|URL]\n"
                 "The database defaults to $LASTMILE_DB, else var/lastmile.db. The new key is the\n"
                 "last line of the output; it cannot be shown again.\n");
}

int cli_keys(int argc, char **argv) {
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        keys_usage(stdout);
        return CLI_OK;
    }
    if (argc < 2 || strcmp(argv[1], "create")) {
        keys_usage(stderr);
        return CLI_USAGE;
    }
    const char *role = NULL, *driver = NULL, *db = getenv("LASTMILE_DB");
    if (!db || !*db) db = "var/lastmile.db";
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc) {
            fprintf(stderr, "lastmile keys: '%s' needs a value\n", argv[i]);
            return CLI_USAGE;
        }
        if (!strcmp(argv[i], "--role"))
            role = argv[++i];
        else if (!strcmp(argv[i], "--driver"))
            driver = argv[++i];
        else if (!strcmp(argv[i], "--db"))
            db = argv[++i];
        else {
            fprintf(stderr, "lastmile keys: unknown option '%s'\n", argv[i]);
            keys_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (!role) {
        fprintf(stderr, "lastmile keys: --role is required\n");
        return CLI_USAGE;
    }

    store_opts so;
    store_opts_init(&so);
    so.path = db;
    so.read_conns = 1;
    store *s = NULL;
    lm_errinfo err = {0};
    if (store_open(&so, &s, &err) != LM_OK) {
        fprintf(stderr, "lastmile keys: store %s: %s\n", db, err.message);
        return CLI_FAILED;
    }
    char key[STORE_KEY_MAX];
    store_key_info info;
    lm_status rc = store_key_create(s, role, driver, key, &info, &err);
    store_close(s);
    if (rc != LM_OK) {
        fprintf(stderr, "lastmile keys: %s%s%s\n", err.field[0] ? err.field : "",
                err.field[0] ? ": " : "", err.message);
        return rc == LM_INVALID ? CLI_USAGE : CLI_FAILED;
    }
    printf("created key %s with role %s%s%s in %s; store it now, it is not shown again:\n%s\n",
           info.id, info.role, info.driver_id[0] ? " for driver " : "", info.driver_id, db, key);
    return CLI_OK;
}
