/* tests/feedback/fb_world.h: the world the feedback suites run on: a real SQLite file in a temp
 * dir, a depot, one van V1 driven by D1 on a committed plan with four delivery stops (orders in
 * state planned), the real dispatch/ to deliver or fail them, and feedback/ on a test clock. */
#ifndef LASTMILE_TESTS_FB_WORLD_H
#define LASTMILE_TESTS_FB_WORLD_H

#include "dispatch/dispatch.h"
#include "feedback/feedback.h"
#include "tests/support/tmp_db.h"

#define FB_ORDERS 4
/* Tuesday 2026-03-17 10:00 UTC: inside the default calendar's hours (UTC, Mon-Fri 09-18). */
#define FB_T0_MS (INT64_C(1773705600) * 1000 + 10 * 3600 * 1000)

/* Fails the running cmocka test unless expr is LM_OK, printing err. */
#define OKE(expr, err)                                                                             \
    do {                                                                                           \
        lm_status rc_ = (expr);                                                                    \
        if (rc_ != LM_OK)                                                                          \
            fail_msg("%s -> %s: %s: %s", #expr, lm_status_name(rc_), (err).field, (err).message);  \
    } while (0)
/* Fails unless expr returns want and err names field. */
#define REFUSED(expr, want, fieldname, err)                                                        \
    do {                                                                                           \
        lm_errinfo_clear(&(err));                                                                  \
        lm_status rc_ = (expr);                                                                    \
        if (rc_ != (want) || strcmp((err).field, (fieldname)))                                     \
            fail_msg("%s -> %s (field \"%s\": %s), want %s on \"%s\"", #expr, lm_status_name(rc_), \
                     (err).field, (err).message, lm_status_name(want), fieldname);                 \
    } while (0)

typedef struct fb_world {
    tmp_db db;
    store *s;
    dispatch *d;
    feedback *fb;
    int64_t order_ids[FB_ORDERS], stop_ids[FB_ORDERS];
    char tokens[FB_ORDERS][33];
} fb_world;

/* The test clock every handle of the world reads. */
extern int64_t fb_now_ms;

/* Builds the world in a fresh temp dir; the clock starts at FB_T0_MS. 0 or -1. */
int fb_world_setup(fb_world *w, const char *prefix);
/* Closes feedback, dispatch and the store, then opens them again on the same file: a restart. */
void fb_world_restart(fb_world *w);
void fb_world_teardown(fb_world *w);

/* Stop i delivered / failed ("refused": final) by D1 at the clock's time, committed. */
void fb_deliver(fb_world *w, int i);
void fb_fail(fb_world *w, int i);
/* A write transaction (fails the test when none can begin), and its end: commit when rc is
 * LM_OK (returning the commit's status), else roll back and return rc. The pattern of a
 * handler: begin, call, end, answer. */
store_tx *fb_begin(fb_world *w);
lm_status fb_end(store_tx *tx, lm_status rc);
/* Events of a type in the log. */
int64_t fb_events(fb_world *w, const char *type);

#endif
