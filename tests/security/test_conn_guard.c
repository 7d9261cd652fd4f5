/* The connection guard's policy (api/http/guard.h) on a test clock, without libmicrohttpd: socket
 * pairs stand in for connections (the guard shuts the server end; the test reads end-of-file on
 * the other). Header and body deadlines fire exactly at their bound and not before; a connection
 * being handled is never closed; shedding takes the longest-waiting unkeyed connection in HEAD
 * and never a keyed one, a BODY one or a BUSY one. */
#include "api/http/guard.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#define S (1000000000LL) /* one second in ns */

typedef struct conn {
    int fd[2]; /* [0] the server's end (handed to the guard), [1] the client's */
    void *slot;
} conn;

static void open_conn(http__guard *g, conn *c, int64_t now) {
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, c->fd), 0);
    http__guard_opened(g, c->fd[0], now, &c->slot);
    assert_non_null(c->slot);
}

/* True once the guard has shut the server end (the client reads end-of-file). */
static bool shut(const conn *c) {
    char b;
    ssize_t n = recv(c->fd[1], &b, 1, MSG_DONTWAIT);
    return n == 0;
}

static void close_conn(http__guard *g, conn *c) {
    http__guard_closed(g, c->slot);
    close(c->fd[0]);
    close(c->fd[1]);
}

static http__guard *make(unsigned max, unsigned reserve) {
    http__guard_opts o = {.max_conns = max,
                          .reserve = reserve,
                          .header_timeout_s = 5,
                          .body_timeout_s = 7,
                          .tick_ms = 0};
    http__guard *g = NULL;
    assert_int_equal(http__guard_create(&o, &g), LM_OK);
    return g;
}

static void test_deadlines(void **state) {
    (void)state;
    http__guard *g = make(100, 10);
    conn head, body, busy, keepalive;
    open_conn(g, &head, 0);
    open_conn(g, &body, 0);
    open_conn(g, &busy, 0);
    open_conn(g, &keepalive, 0);
    http__guard_phase(g, body.slot, HTTP__PHASE_BODY, false, 1 * S);
    http__guard_phase(g, busy.slot, HTTP__PHASE_BUSY, false, 1 * S);
    /* a reply finished at 3 s: the keep-alive connection waits for its next head from then */
    http__guard_phase(g, keepalive.slot, HTTP__PHASE_HEAD, true, 3 * S);

    http__guard_sweep(g, 5 * S - 1);
    assert_false(shut(&head));
    http__guard_sweep(g, 5 * S);
    assert_true(shut(&head));
    assert_false(shut(&keepalive));
    assert_false(http__guard_body_late(g, body.slot, 8 * S - 1));
    http__guard_sweep(g, 8 * S - 1);
    assert_false(shut(&body));
    assert_false(shut(&keepalive));
    http__guard_sweep(g, 8 * S); /* the body at 1 + 7 s, the keep-alive wait at 3 + 5 s */
    assert_true(shut(&body));
    assert_true(shut(&keepalive));
    http__guard_sweep(g, 3600 * S);
    assert_false(shut(&busy));

    http__guard_stats st;
    http__guard_stats_get(g, &st);
    assert_int_equal(st.closed_head, 2);
    assert_int_equal(st.closed_body, 1);
    assert_int_equal(st.shed, 0);
    assert_int_equal(st.live, 1);
    close_conn(g, &head);
    close_conn(g, &body);
    close_conn(g, &busy);
    close_conn(g, &keepalive);
    http__guard_stats_get(g, &st);
    assert_int_equal(st.live, 0);
    http__guard_destroy(g);
}

/* body_late marks the connection closed at once (the access handler then drops it). */
static void test_body_late(void **state) {
    (void)state;
    http__guard *g = make(100, 10);
    conn c;
    open_conn(g, &c, 0);
    http__guard_phase(g, c.slot, HTTP__PHASE_BODY, false, 2 * S);
    assert_false(http__guard_body_late(g, c.slot, 9 * S - 1));
    assert_true(http__guard_body_late(g, c.slot, 9 * S));
    http__guard_stats st;
    http__guard_stats_get(g, &st);
    assert_int_equal(st.closed_body, 1);
    assert_int_equal(st.live, 0);
    close_conn(g, &c);
    http__guard_destroy(g);
}

/* max 10, reserve 4: at 6 live connections the longest-waiting unkeyed HEAD one goes. */
static void test_shedding_order(void **state) {
    (void)state;
    http__guard *g = make(10, 4);
    conn keyed, in_body, busy, a, b, c, fresh;
    open_conn(g, &keyed, 0);
    http__guard_phase(g, keyed.slot, HTTP__PHASE_HEAD, true, 0); /* oldest, but keyed */
    open_conn(g, &in_body, 1);
    http__guard_phase(g, in_body.slot, HTTP__PHASE_BODY, false, 1);
    open_conn(g, &busy, 2);
    http__guard_phase(g, busy.slot, HTTP__PHASE_BUSY, false, 2);
    open_conn(g, &a, 3);
    open_conn(g, &b, 4);
    http__guard_stats st;
    http__guard_stats_get(g, &st);
    assert_int_equal(st.shed, 0);
    open_conn(g, &c, 5); /* the 6th: a goes, the oldest unkeyed one waiting for a head */
    assert_true(shut(&a));
    assert_false(shut(&keyed));
    assert_false(shut(&in_body));
    assert_false(shut(&busy));
    assert_false(shut(&b));
    assert_false(shut(&c));
    open_conn(g, &fresh, 6); /* then b */
    assert_true(shut(&b));
    assert_false(shut(&c));
    assert_false(shut(&fresh));
    http__guard_stats_get(g, &st);
    assert_int_equal(st.shed, 2);
    assert_int_equal(st.live, 5);
    assert_int_equal(st.peak, 6);
    assert_int_equal(st.accepted, 7);
    /* the next one takes c, the longest-waiting candidate left */
    conn more;
    open_conn(g, &more, 7);
    assert_true(shut(&c));
    assert_false(shut(&fresh));
    assert_false(shut(&more));
    close_conn(g, &keyed);
    close_conn(g, &in_body);
    close_conn(g, &busy);
    close_conn(g, &a);
    close_conn(g, &b);
    close_conn(g, &c);
    close_conn(g, &fresh);
    close_conn(g, &more);
    http__guard_destroy(g);
}

static void test_bad_options(void **state) {
    (void)state;
    http__guard_opts o = {.max_conns = 10, .reserve = 10};
    http__guard *g = NULL;
    assert_int_equal(http__guard_create(&o, &g), LM_INVALID);
    o.max_conns = 0;
    o.reserve = 0;
    assert_int_equal(http__guard_create(&o, &g), LM_INVALID);
    assert_null(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_body_late),
        cmocka_unit_test(test_shedding_order),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
