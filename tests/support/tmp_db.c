/* tests/support/tmp_db.c: temporary databases for the suites (tests/support/tmp_db.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "tests/support/tmp_db.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

int tmp_db_create(tmp_db *t, const char *prefix) {
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/%.40sXXXXXX", prefix);
    if (!mkdtemp(t->dir)) return -1;
    snprintf(t->path, sizeof t->path, "%s/t.db", t->dir);
    return 0;
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
