/* The plain (OsmAnd) listener over real loopback sockets (api/http/plain.c): pipelined requests
 * answered in order whether the handler answers at once or later from another thread, HEAD
 * without a body, HTTP/1.0 closing after its answer, "100 Continue" and chunked bodies, refusals
 * (405, 413, malformed) closing the connection, the per-address cap, the status counters, and a
 * graceful close that still delivers an answer given after the listener was quiesced, answers
 * held by the answering thread going out at its release. */
#include "api/http/http.h"
#include "tests/support/http_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

static http_plain_listener *L;
static atomic_int handled;
static http_plain *_Atomic parked[2]; /* ?mode=park: left unanswered for the test to answer */

static void *answer_later(void *arg) {
    http_plain *q = arg;
    usleep(50000);
    http_plain_answer(q, 400, "late: answered from another thread\n");
    return NULL;
}

/* ?mode=now: 200 at once; late: 400 from a thread 50 ms later; park: kept for the test; retry: 429
 * with Retry-After; echo: 400 whose text is the body and the X-Echo header. */
static void handler(void *ctx, http_plain *q) {
    (void)ctx;
    atomic_fetch_add(&handled, 1);
    size_t n = 0;
    const http_kv *a = http_plain_args(q, &n);
    const char *mode = n && !strcmp(a[0].key, "mode") ? a[0].value : "now";
    if (!strcmp(mode, "late")) {
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, answer_later, q), 0);
        pthread_detach(th);
    } else if (!strcmp(mode, "park")) {
        http_plain *none = NULL;
        if (!atomic_compare_exchange_strong(&parked[0], &none, q)) atomic_store(&parked[1], q);
    } else if (!strcmp(mode, "retry")) {
        http_plain_retry_after(q, 7);
        http_plain_answer(q, 429, "id: slow down\n");
    } else if (!strcmp(mode, "echo")) {
        size_t len = 0;
        const char *body = http_plain_body(q, &len);
        const char *h = http_plain_header(q, "x-echo");
        char msg[300];
        snprintf(msg, sizeof msg, "%.*s|%s\n", (int)len, body ? body : "", h ? h : "-");
        http_plain_answer(q, 400, msg);
    } else {
        http_plain_answer(q, 200, "");
    }
}

static int start(unsigned per_ip) {
    http_plain_opts o;
    http_plain_opts_init(&o);
    o.max_body_bytes = 64;
    o.max_conns_per_ip = per_ip;
    lm_errinfo err;
    return http_plain_listen(&o, handler, NULL, &L, &err) == LM_OK ? 0 : -1;
}

static int setup(void **state) {
    (void)state;
    return start(4);
}

static int teardown(void **state) {
    (void)state;
    http_plain_close(L);
    L = NULL;
    return 0;
}

static int dial(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(http_plain_port(L))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void say(int fd, const char *s) {
    assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

static int count_of(const char *s, const char *what) {
    int n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* Reads until at least `answers` status lines other than "100 Continue" came and then nothing for
 * 300 ms, or the peer closes, or 5 s pass; *closed tells whether the peer closed. */
static void hear(int fd, char *buf, size_t size, int answers, bool *closed) {
    size_t got = 0;
    int quiet = 0;
    *closed = false;
    buf[0] = '\0';
    for (int polls = 0; polls < 50 && got + 1 < size; polls++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0) {
            int done = count_of(buf, "HTTP/1.1 ") - count_of(buf, "HTTP/1.1 100 ");
            if (done >= answers && ++quiet == 3) break;
            continue;
        }
        quiet = 0;
        ssize_t n = recv(fd, buf + got, size - 1 - got, 0);
        if (n <= 0) {
            *closed = true;
            break;
        }
        got += (size_t)n;
        buf[got] = '\0';
    }
}

static void test_pipelined_in_order(void **state) {
    (void)state;
    int fd = dial();
    say(fd, "GET /?mode=late HTTP/1.1\r\nHost: x\r\n\r\n"
            "POST /?mode=echo HTTP/1.1\r\nHost: x\r\nX-Echo: hi\r\nContent-Length: 5\r\n\r\nhello"
            "GET /?mode=now HTTP/1.1\r\nHost: x\r\n\r\n"
            "HEAD /?mode=retry HTTP/1.1\r\nHost: x\r\n\r\n");
    char buf[4096];
    bool closed = false;
    hear(fd, buf, sizeof buf, 4, &closed);
    assert_false(closed);
    const char *a = strstr(buf, "HTTP/1.1 400 Bad Request\r\n");
    assert_non_null(a);
    assert_non_null(strstr(a, "late: answered from another thread\n"));
    const char *b = strstr(a + 1, "HTTP/1.1 400 ");
    assert_non_null(b);
    assert_non_null(strstr(b, "hello|hi\n"));
    const char *c = strstr(b, "HTTP/1.1 200 OK\r\n");
    assert_non_null(c);
    assert_non_null(strstr(c, "Content-Length: 0\r\n"));
    const char *d = strstr(c, "HTTP/1.1 429 ");
    assert_non_null(d);
    assert_non_null(strstr(d, "Retry-After: 7\r\n"));
    assert_null(strstr(d, "slow down")); /* HEAD: no body */
    close(fd);
}

static void test_http10_and_refusals(void **state) {
    (void)state;
    char buf[2048];
    bool closed = false;
    int fd = dial();
    say(fd, "GET /?mode=now HTTP/1.0\r\n\r\n");
    hear(fd, buf, sizeof buf, 1, &closed);
    assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(buf, "Connection: close\r\n"));
    hear(fd, buf, sizeof buf, 1, &closed);
    assert_true(closed);
    close(fd);
    const char *bad[][2] = {
        {"PUT / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 405 "},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n", "HTTP/1.1 413 "},
        {"GET /?id=%zz HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 "},
        {"GET / HTTP/3.0\r\nHost: x\r\n\r\n", "HTTP/1.1 505 "},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n", "HTTP/1.1 413 "},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fd = dial();
        say(fd, bad[i][0]);
        hear(fd, buf, sizeof buf, 1, &closed);
        assert_non_null(strstr(buf, bad[i][1]));
        assert_non_null(strstr(buf, "Connection: close\r\n"));
        hear(fd, buf, sizeof buf, 1, &closed);
        assert_true(closed);
        close(fd);
    }
}

static void test_continue_and_chunked(void **state) {
    (void)state;
    char buf[2048];
    bool closed = false;
    int fd = dial();
    say(fd, "POST /?mode=echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            "Content-Length: 3\r\n\r\n");
    hear(fd, buf, sizeof buf, 0, &closed);
    assert_non_null(strstr(buf, "HTTP/1.1 100 Continue\r\n\r\n"));
    say(fd, "abc");
    say(fd, "POST /?mode=echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            "2\r\nde\r\n");
    usleep(20000);
    say(fd, "1;x=y\r\nf\r\n0\r\n\r\n");
    hear(fd, buf, sizeof buf, 2, &closed);
    assert_non_null(strstr(buf, "abc|-\n"));
    assert_non_null(strstr(buf, "def|-\n"));
    close(fd);
}

static void test_per_address_cap_and_stats(void **state) {
    (void)state;
    http_plain_stats before, after;
    http_plain_stats_get(L, &before);
    int fds[5];
    for (int i = 0; i < 5; i++)
        fds[i] = dial();
    char buf[1024];
    bool closed = false;
    hear(fds[4], buf, sizeof buf, 1, &closed); /* the fifth from this address: closed unanswered */
    assert_true(closed);
    assert_int_equal(buf[0], '\0');
    for (int i = 0; i < 4; i++) {
        say(fds[i], "GET /?mode=now HTTP/1.1\r\nHost: x\r\n\r\n");
        hear(fds[i], buf, sizeof buf, 1, &closed);
        assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
    }
    for (int i = 0; i < 5; i++)
        close(fds[i]);
    http_plain_stats_get(L, &after);
    assert_int_equal(after.by_class[2] - before.by_class[2], 4);
}

/* An answer given after quiesce, just before close, still reaches its client; new connections
 * are refused from quiesce on. */
static void test_graceful_close(void **state) {
    (void)state;
    int fd = dial();
    int before = atomic_load(&handled);
    say(fd, "GET /?mode=late HTTP/1.1\r\nHost: x\r\n\r\n");
    while (atomic_load(&handled) == before)
        usleep(1000);
    uint16_t port = http_plain_port(L);
    http_plain_quiesce(L);
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_not_equal(connect(probe, (struct sockaddr *)&a, sizeof a), 0);
    close(probe);
    usleep(150000); /* the late answer (50 ms) is queued by now */
    http_plain_close(L);
    L = NULL;
    char buf[1024];
    bool closed = false;
    hear(fd, buf, sizeof buf, 1, &closed);
    assert_non_null(strstr(buf, "late: answered from another thread\n"));
    close(fd);
    assert_int_equal(start(4), 0); /* for teardown */
}

/* Answers given while the answering thread holds them (http_plain_answers_hold) go out only at
 * the release, together, each to its own connection. */
static void test_answers_held(void **state) {
    (void)state;
    atomic_store(&parked[0], NULL);
    atomic_store(&parked[1], NULL);
    int fd[2] = {dial(), dial()};
    int before = atomic_load(&handled);
    say(fd[0], "GET /?mode=park HTTP/1.1\r\nHost: x\r\n\r\n");
    say(fd[1], "GET /?mode=park HTTP/1.1\r\nHost: x\r\n\r\n");
    for (int i = 0; i < 5000 && atomic_load(&handled) - before < 2; i++)
        usleep(1000); /* timing-ok: poll, 5 s deadline */
    assert_int_equal(atomic_load(&handled) - before, 2);
    http_plain *q0 = atomic_load(&parked[0]), *q1 = atomic_load(&parked[1]);
    assert_non_null(q0);
    assert_non_null(q1);
    http_plain_answers_hold(true);
    http_plain_answer(q0, 200, "");
    http_plain_answer(q1, 400, "held: second\n");
    struct pollfd p[2] = {{.fd = fd[0], .events = POLLIN}, {.fd = fd[1], .events = POLLIN}};
    assert_int_equal(poll(p, 2, 200), 0); /* timing-ok: nothing may arrive while held */
    http_plain_answers_hold(false);
    char buf[1024];
    bool closed = false;
    hear(fd[0], buf, sizeof buf, 1, &closed);
    assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
    hear(fd[1], buf, sizeof buf, 1, &closed);
    assert_non_null(strstr(buf, "held: second\n"));
    close(fd[0]);
    close(fd[1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pipelined_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http10_and_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_continue_and_chunked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_per_address_cap_and_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graceful_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answers_held, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
