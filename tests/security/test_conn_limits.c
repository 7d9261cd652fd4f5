/* Connection attacks against the real `lastmile serve` on 127.0.0.1 (docs/security.md
 * "Connections"): the per-address limit refuses the connection past it; a slowloris of 300
 * connections trickling one header byte every 2 s (sources spread over 127.0.0.2-11, reconnecting
 * when closed, for 12 s) is closed by the header deadline and shedding while a keyed client
 * opening a fresh connection per request keeps getting answers; a flood of the OsmAnd port does
 * not stop the API answering. The figures (connections held, the keyed client's latency) are
 * printed; only outcomes are asserted. A head-complete request whose body trickles in is closed at
 * the body deadline. */
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define PER_IP         32 /* --max-conns-per-ip */
#define HEAD_TIMEOUT_S 5  /* --header-timeout-s */
#define N_SLOW         300
#define N_SRC          10 /* slow connections come from 127.0.0.2 .. 127.0.0.(1 + N_SRC) */
#define TRICKLE_MS     2000
#define ATTACK_MS      12000
#define DRAIN_MS       9000 /* after the attack: every slow connection must be closed by then */
/* The keyed client gives up on a request after this: less than the header deadline, so an answer
 * means it got in beside the slow connections, not after the server closed them. timing-ok: tied
 * to the server's deadline, not to the machine's speed (answered requests took 25 ms at most
 * under ASan on 2 shared cores; with shedding off some wait the full 5 s and fail). */
#define CLIENT_TIMEOUT_S (HEAD_TIMEOUT_S - 1)

typedef struct world {
    tmp_db tmp;
    pid_t pid;
    uint16_t port, osm_port;
    char key[STORE_KEY_MAX];
} world;

static world W;

static int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    assert_int_equal(tmp_db_create(&W.tmp, "lm-sec-conn-"), 0);
    store *s = NULL;
    assert_int_equal(tmp_db_store_open(&W.tmp, 1, &s), 0);
    store_key_info info;
    lm_errinfo err;
    assert_int_equal(store_key_create(s, "dispatcher", NULL, W.key, &info, &err), LM_OK);
    store_close(s);
    W.port = http_test_free_port();
    W.osm_port = http_test_free_port();
    assert_true(W.port > 0 && W.osm_port > 0 && W.port != W.osm_port);
    char osm[16], per_ip[16], head[16];
    snprintf(osm, sizeof osm, "%u", (unsigned)W.osm_port);
    snprintf(per_ip, sizeof per_ip, "%d", PER_IP);
    snprintf(head, sizeof head, "%d", HEAD_TIMEOUT_S);
    const char *args[] = {"--max-conns",
                          "200",
                          "--reserve-conns",
                          "40",
                          "--max-conns-per-ip",
                          per_ip,
                          "--header-timeout-s",
                          head,
                          "--body-timeout-s",
                          head,
                          "--osmand-port",
                          osm,
                          "--osmand-max-conns",
                          "100",
                          "--osmand-max-conns-per-ip",
                          "200",
                          NULL};
    W.pid = http_test_serve_spawn(W.tmp.path, W.port, args, W.port, "/healthz");
    assert_true(W.pid > 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    http_test_serve_stop(W.pid);
    tmp_db_remove(&W.tmp);
    return 0;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* timing-ok: bounds the attack's length and polls */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A TCP connection from src (a 127/8 address) to port, non-blocking once connected; -1 if the
 * connect itself failed. */
static int connect_from(const char *src, uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &a.sin_addr);
    struct sockaddr_in b = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &b.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        connect(fd, (struct sockaddr *)&b, sizeof b) != 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

/* Sends a whole request on fd and reads until the peer closes or wait_ms pass; returns the
 * bytes read (0: closed without a reply), the start of the reply in buf. */
static ssize_t exchange(int fd, const char *req, char *buf, size_t size, int wait_ms) {
    ssize_t w = send(fd, req, strlen(req), MSG_NOSIGNAL);
    (void)w;
    size_t got = 0;
    int64_t end = now_ms() + wait_ms;
    while (got + 1 < size && now_ms() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0) continue;
        ssize_t n = recv(fd, buf + got, size - 1 - got, 0);
        if (n <= 0) break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return (ssize_t)got;
}

static const char *HEALTH = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

/* The per-address limit: PER_IP connections from one address are served, the next one is closed
 * without a reply, and another address is still served. */
static void test_per_address_limit(void **state) {
    (void)state;
    int held[PER_IP];
    for (int i = 0; i < PER_IP; i++) {
        held[i] = connect_from("127.0.0.40", W.port);
        assert_true(held[i] >= 0);
    }
    char buf[512];
    int extra = connect_from("127.0.0.40", W.port);
    assert_true(extra >= 0);
    ssize_t n_extra = exchange(extra, HEALTH, buf, sizeof buf, 5000);
    printf("# connection %d from one address: %zd reply bytes (refused)\n", PER_IP + 1, n_extra);
    assert_int_equal(n_extra, 0);
    close(extra);
    ssize_t n_first = exchange(held[0], HEALTH, buf, sizeof buf, 5000);
    assert_true(n_first > 0);
    assert_memory_equal(buf, "HTTP/1.1 200", 12);
    int other = connect_from("127.0.0.41", W.port);
    assert_true(other >= 0);
    assert_true(exchange(other, HEALTH, buf, sizeof buf, 5000) > 0);
    assert_memory_equal(buf, "HTTP/1.1 200", 12);
    close(other);
    for (int i = 0; i < PER_IP; i++)
        close(held[i]);
}

/* One value of the server's /metrics. */
static long long metric(const char *name) {
    http_test_req rq = {.path = "/metrics"};
    http_test_resp rs;
    http_test_request(W.port, &rq, &rs);
    long long v = -1;
    const char *p = rs.body.data ? strstr(rs.body.data, name) : NULL;
    if (p) v = strtoll(p + strlen(name), NULL, 10);
    http_test_resp_free(&rs);
    return v;
}

/* A slow body: a complete head announcing 1,000 bytes, then one byte a second. The server closes
 * the connection once the body deadline (HEAD_TIMEOUT_S, the same value here) has passed, with no
 * reply; the wait is bounded at three times the deadline. */
static void test_slow_body(void **state) {
    (void)state;
    long long before = metric("lastmile_http_connections_closed_total{reason=\"body_timeout\"} ");
    int fd = connect_from("127.0.0.42", W.port);
    assert_true(fd >= 0);
    char head[512];
    snprintf(head, sizeof head,
             "POST /v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
             "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
             W.key);
    assert_int_equal(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    int64_t t0 = now_ms();
    int sent = 1, replied = 0;
    bool closed = false;
    while (!closed && now_ms() - t0 < 3 * HEAD_TIMEOUT_S * 1000) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 1000) > 0) {
            char buf[256];
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n > 0) replied++;
            closed = n == 0 || (n < 0 && errno != EAGAIN);
            continue;
        }
        if (send(fd, " ", 1, MSG_NOSIGNAL) == 1) sent++;
    }
    close(fd);
    long long after = metric("lastmile_http_connections_closed_total{reason=\"body_timeout\"} ");
    printf("# slow body: %d of 1000 body bytes sent in %.1f s before the server closed it; "
           "body-deadline closures %lld -> %lld\n",
           sent, (double)(now_ms() - t0) / 1000.0, before, after);
    assert_true(closed);
    assert_int_equal(replied, 0);
    assert_true(after > before);
}

/* ---- the keyed client running beside an attack ---- */

typedef struct legit {
    uint16_t port;
    const char *key;
    volatile int stop;
    int n, ok;
    double lat_ms[4096];
} legit;

static void *legit_run(void *arg) {
    legit *L = arg;
    while (!L->stop && L->n < 4096) {
        /* a fresh connection for every request: the hard case, it must get past the slow ones */
        http_test_req rq = {.path = "/v1/whoami",
                            .key = L->key,
                            .header = "Connection: close",
                            .timeout_s = CLIENT_TIMEOUT_S};
        http_test_resp rs;
        int64_t t0 = lm_mono_ns(); /* timing-ok: latency printed, never asserted */
        http_test_request(L->port, &rq, &rs);
        L->lat_ms[L->n] = (double)(lm_mono_ns() - t0) / 1e6; /* timing-ok: printed only */
        if (rs.status == 200) L->ok++;
        L->n++;
        http_test_resp_free(&rs);
        struct timespec pace = {0, 100 * 1000 * 1000}; /* pacing, not synchronisation */
        nanosleep(&pace, NULL); /* timing-ok: pacing of the client, not synchronisation */
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void legit_report(legit *L, const char *what) {
    qsort(L->lat_ms, (size_t)L->n, sizeof L->lat_ms[0], cmp_double);
    printf("# keyed client during %s: %d/%d requests answered 200, latency median %.1f ms, max "
           "%.1f ms\n",
           what, L->ok, L->n, L->n ? L->lat_ms[L->n / 2] : 0.0, L->n ? L->lat_ms[L->n - 1] : 0.0);
}

/* ---- slow connections ---- */

typedef struct slow {
    int fd[N_SLOW];
    int sent[N_SLOW];
    bool reopen[N_SLOW]; /* closed by the server: reconnect at the next trickle */
    int opened, refused, closed, answered, peak;
} slow;

static const char SLOW_HEAD[] = "GET /v1/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Wait: ";

static void slow_open(slow *S, int i, uint16_t port) {
    char src[32];
    snprintf(src, sizeof src, "127.0.0.%d", 2 + i % N_SRC);
    S->fd[i] = connect_from(src, port);
    S->sent[i] = 0;
    if (S->fd[i] < 0) {
        S->refused++;
        return;
    }
    S->opened++;
}

static int slow_live(const slow *S) {
    int n = 0;
    for (int i = 0; i < N_SLOW; i++)
        n += S->fd[i] >= 0;
    return n;
}

/* Reconnects the slots the server closed (while reopen is set, as a slowloris does, once per
 * trickle), then sends the next header byte on each open connection (the head never ends: after
 * the fixed part, 'a' forever). */
static void slow_trickle(slow *S, bool reopen, uint16_t port) {
    for (int i = 0; i < N_SLOW; i++) {
        if (S->reopen[i] && reopen) slow_open(S, i, port);
        S->reopen[i] = false;
        if (S->fd[i] < 0) continue;
        char ch = S->sent[i] < (int)sizeof SLOW_HEAD - 1 ? SLOW_HEAD[S->sent[i]] : 'a';
        if (send(S->fd[i], &ch, 1, MSG_NOSIGNAL) == 1) S->sent[i]++;
    }
}

/* Notes connections the server closed (end of file or reset) for up to wait_ms. */
static void slow_watch(slow *S, int wait_ms) {
    struct pollfd p[N_SLOW];
    int idx[N_SLOW], n = 0;
    for (int i = 0; i < N_SLOW; i++)
        if (S->fd[i] >= 0) {
            p[n] = (struct pollfd){.fd = S->fd[i], .events = POLLIN};
            idx[n++] = i;
        }
    if (n == 0 || poll(p, (nfds_t)n, wait_ms) <= 0) return;
    for (int k = 0; k < n; k++) {
        if (!p[k].revents) continue;
        int i = idx[k];
        char buf[256];
        ssize_t r = recv(S->fd[i], buf, sizeof buf, 0);
        if (r > 0) S->answered++;
        if (r > 0 || (r < 0 && errno == EAGAIN)) continue;
        close(S->fd[i]);
        S->fd[i] = -1;
        S->closed++;
        S->reopen[i] = true;
    }
}

/* Runs the slow connections against port for ATTACK_MS, then waits up to DRAIN_MS for the
 * server to close every one left. */
static void slowloris(slow *S, uint16_t port) {
    memset(S, 0, sizeof *S);
    for (int i = 0; i < N_SLOW; i++)
        slow_open(S, i, port);
    int64_t t0 = now_ms(), next = t0;
    while (now_ms() - t0 < ATTACK_MS) {
        if (now_ms() >= next) {
            slow_trickle(S, true, port);
            next += TRICKLE_MS;
        }
        slow_watch(S, 100);
        int live = slow_live(S);
        if (live > S->peak) S->peak = live;
    }
    int64_t t1 = now_ms();
    while (slow_live(S) > 0 && now_ms() - t1 < DRAIN_MS) {
        if (now_ms() >= next) {
            slow_trickle(S, false, port);
            next += TRICKLE_MS;
        }
        slow_watch(S, 100);
    }
}

static void test_slowloris(void **state) {
    (void)state;
    static legit L;
    memset(&L, 0, sizeof L);
    L.port = W.port;
    L.key = W.key;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, legit_run, &L), 0);
    static slow S;
    slowloris(&S, W.port);
    L.stop = 1;
    pthread_join(th, NULL);
    int left = slow_live(&S);
    printf("# slowloris: %d slow connections opened (%d refused at connect), at most %d held at "
           "once, %d closed by the server, %d still open after the drain, %d got a reply\n",
           S.opened, S.refused, S.peak, S.closed, left, S.answered);
    printf("# server: peak %lld connections open; closed %lld at the header deadline, %lld shed\n",
           metric("\nlastmile_http_connections_peak "),
           metric("lastmile_http_connections_closed_total{reason=\"header_timeout\"} "),
           metric("lastmile_http_connections_closed_total{reason=\"shed\"} "));
    legit_report(&L, "the slowloris");
    for (int i = 0; i < N_SLOW; i++)
        if (S.fd[i] >= 0) close(S.fd[i]);
    assert_true(L.n >= 10); /* the client really ran beside the attack */
    assert_int_equal(L.ok, L.n);
    assert_int_equal(left, 0);
    assert_int_equal(S.closed, S.opened);
    assert_int_equal(S.answered, 0);
}

/* 300 slow connections on the OsmAnd port (its own cap of 100) while the keyed client uses the
 * API: every API request is answered, and the OsmAnd port closes its slow connections itself. */
static void test_osmand_flood(void **state) {
    (void)state;
    static legit L;
    memset(&L, 0, sizeof L);
    L.port = W.port;
    L.key = W.key;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, legit_run, &L), 0);
    static slow S;
    slowloris(&S, W.osm_port);
    L.stop = 1;
    pthread_join(th, NULL);
    int left = slow_live(&S);
    printf("# OsmAnd flood: %d connections opened, at most %d held at once, %d closed by the "
           "OsmAnd port, %d left\n",
           S.opened, S.peak, S.closed, left);
    legit_report(&L, "the OsmAnd flood");
    for (int i = 0; i < N_SLOW; i++)
        if (S.fd[i] >= 0) close(S.fd[i]);
    /* the OsmAnd port answers again once the flood is gone (400: no such device) */
    char buf[512];
    int fd = connect_from("127.0.0.60", W.osm_port);
    assert_true(fd >= 0);
    ssize_t n = exchange(fd,
                         "GET /?id=nosuchdevice&lat=1&lon=1 HTTP/1.1\r\nHost: x\r\n"
                         "Connection: close\r\n\r\n",
                         buf, sizeof buf, 5000);
    close(fd);
    assert_true(n > 0);
    assert_memory_equal(buf, "HTTP/1.1 ", 9);
    assert_true(L.n >= 10);
    assert_int_equal(L.ok, L.n);
    assert_int_equal(left, 0);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_address_limit),
        cmocka_unit_test(test_slow_body),
        cmocka_unit_test(test_slowloris),
        cmocka_unit_test(test_osmand_flood),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
