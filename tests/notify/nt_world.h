/* tests/notify/nt_world.h: what the notify suites run on: a real SMTP server (Debian's
 * python3-aiosmtpd, storing each mail in a maildir) and a loopback SMS gateway
 * (tests/notify/sms_gateway.py) as child processes on free 127.0.0.1 ports, and a world of four
 * orders with e-mail and phone taken in through orders/, planned and committed by dispatch/ on
 * one van (driver D1), with notify/ created before the first order on a test clock. */
#ifndef LASTMILE_TESTS_NT_WORLD_H
#define LASTMILE_TESTS_NT_WORLD_H

#include "dispatch/dispatch.h"
#include "notify/notify.h"
#include "orders/orders.h"
#include "tests/support/tmp_db.h"

#include <sys/types.h>

#define NT_ORDERS 4

/* Fails the running cmocka test unless expr is LM_OK, printing err. */
#define NT_OK(expr, err)                                                                           \
    do {                                                                                           \
        lm_status rc_ = (expr);                                                                    \
        if (rc_ != LM_OK)                                                                          \
            fail_msg("%s -> %s: %s: %s", #expr, lm_status_name(rc_), (err).field, (err).message);  \
    } while (0)

/* A child process listening on a loopback port. */
typedef struct nt_proc {
    pid_t pid;
    uint16_t port;
    char dir[128]; /* maildir (SMTP) or the request log file (gateway) */
} nt_proc;

/* Starts aiosmtpd storing mails under <dir>/maildir / the gateway answering status and logging
 * to <dir>/<name>.jsonl, and waits (bounded) until the port accepts. Fails the test otherwise. */
void nt_smtp_start(nt_proc *p, const char *dir);
void nt_gateway_start(nt_proc *p, const char *dir, const char *name, int status);
void nt_proc_stop(nt_proc *p);
/* Mails in the maildir (new/), and how many contain needle (NULL: all). */
size_t nt_mail_count(const nt_proc *smtp, const char *needle);
/* Requests the gateway logged, and how many contain needle (NULL: all). */
size_t nt_gateway_count(const nt_proc *gw, const char *needle);

/* The test clock notify/ reads. */
extern int64_t nt_now_ms;

typedef struct nt_world {
    tmp_db db;
    store *s;
    orders_svc *o;
    dispatch *d;
    notify *n;
    notify_opts nopts; /* as created (for a restart) */
    int64_t order_ids[NT_ORDERS];
    int64_t day,
        utc_offset_s; /* the local day planned on, noon at setup (tests/support/test_day.h) */
    char tokens[NT_ORDERS][33];
    int64_t stop_ids[NT_ORDERS];    /* the van's delivery stops in route order */
    int64_t stop_orders[NT_ORDERS]; /* the order of each of those stops */
} nt_world;

/* Options pointing at smtp and gw (either NULL: that channel off), 127.0.0.1 allowed, the test
 * clock, the tracking prefix "https://track.test/t#", 3 attempts 1 s apart. */
void nt_opts(notify_opts *o, const nt_proc *smtp, const nt_proc *gw);
/* Builds the world in a fresh temp dir with notify/ created from o (o->st is set here). */
void nt_world_setup(nt_world *w, const char *prefix, const notify_opts *o);
/* notify/ closed and created again on the same store: a restart. */
void nt_world_restart(nt_world *w);
void nt_world_teardown(nt_world *w);
/* The van's stop i delivered / failed (reason "not_home" ... ) by D1 now, committed. */
void nt_deliver(nt_world *w, int i);
void nt_fail(nt_world *w, int i, const char *reason);
/* One notify tick at the test clock; fails the test on an error. */
notify_tick_result nt_tick(nt_world *w);
/* The log's messages of order_id (all when 0); *out lm_free'd by the caller. */
size_t nt_messages(nt_world *w, int64_t order_id, store_nt_message **out);

#endif
