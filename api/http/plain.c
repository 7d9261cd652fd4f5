/* api/http/plain.c: the plain listener on its own port (the OsmAnd one): any path, GET, POST or
 * HEAD, no routes, no auth; the app's handler gets the query arguments and the body and answers
 * once, possibly later from another thread (the ingest's writer or syncer).
 *
 * One thread runs an edge-triggered epoll loop over non-blocking sockets; no epoll_ctl per
 * request. A connection whose request is with the handler is simply not read from (bytes a client
 * pipelines stay buffered, in the socket or in ours) until the answer comes back: from the
 * handler itself (written at once), or from another thread through a mutex-guarded completion
 * list and an eventfd that wakes the loop, which then writes the answer with send(2). Requests
 * are parsed by common/http_request.c. libmicrohttpd served this port before; its per-request
 * suspend/resume and poll() over every socket were half of the port's CPU per position
 * (bench/results/perf-positions.md, round 4).
 *
 * Guards as on the API port (api/http/guard.h): per-address and total connection caps (a
 * connection over either is closed at once), the head and body deadlines (the guard's reaper
 * shuts the socket down; the loop then reads end-of-file and frees it), an idle limit of 60 s. */
#define _GNU_SOURCE /* accept4 */
#include "api/http/guard.h"
#include "api/http/http.h"
#include "api/http/plain_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define PLAIN_TICK_MS    1000
#define PLAIN_STOP_NS    (2 * 1000000000LL) /* close: time answers in flight get to go out */
#define PLAIN_MAX_EVENTS 256

void http_plain_opts_init(http_plain_opts *o) {
    o->bind_addr = "127.0.0.1";
    o->port = 0;
    o->max_body_bytes = (size_t)256 << 10;
    o->max_conns = 1024;
    o->max_conns_per_ip = 256;
    o->header_timeout_s = 10;
    o->body_timeout_s = 30;
    o->port_field = "port";
    o->round = NULL;
    o->what = "HTTP";
}

const http_kv *http_plain_args(const http_plain *q, size_t *n) {
    *n = q->h.n_args;
    return q->h.args;
}

const char *http_plain_header(const http_plain *q, const char *name) {
    return lm_hreq_header(&q->h, name);
}

const char *http_plain_body(const http_plain *q, size_t *len) {
    *len = q->body_len;
    return q->body;
}

void http_plain_retry_after(http_plain *q, int64_t seconds) {
    q->retry_after_s = seconds;
}

void *http_plain_handler_ctx(const http_plain *q) {
    return q->ls->ctx;
}

bool http_plain_client_addr(const http_plain *q, char *out, size_t size) {
    if (size == 0 || !q->c->addr[0]) return false;
    return lm_strlcpy(out, q->c->addr, size);
}

/* Answers this thread gives while it holds them (http_plain_answers_hold): one listener's, in
 * order, handed to its loop together. */
static _Thread_local struct {
    bool on;
    http_plain_listener *ls;
    http_plain *head, *tail;
} tl_held;

/* Appends the chain head..tail to ls's completion list, waking the loop if the list was empty. */
static void answers_publish(http_plain_listener *ls, http_plain *head, http_plain *tail) {
    pthread_mutex_lock(&ls->mu);
    bool wake = !ls->done_head;
    tail->next_done = NULL;
    if (ls->done_tail)
        ls->done_tail->next_done = head;
    else
        ls->done_head = head;
    ls->done_tail = tail;
    pthread_mutex_unlock(&ls->mu);
    /* the answers may be freed by the loop from here on */
    if (wake) {
        uint64_t one = 1;
        ssize_t w = write(ls->efd, &one, sizeof one);
        (void)w; /* EAGAIN: the counter is already non-zero, the loop wakes anyway */
    }
}

static void held_publish(void) {
    if (tl_held.head) answers_publish(tl_held.ls, tl_held.head, tl_held.tail);
    tl_held.head = tl_held.tail = NULL;
    tl_held.ls = NULL;
}

void http_plain_answers_hold(bool on) {
    if (!on) held_publish();
    tl_held.on = on;
}

void http_plain_answer(http_plain *q, int status, const char *text) {
    q->status = status;
    lm_strlcpy(q->msg, text ? text : "", sizeof q->msg);
    if (plain_tl_in_handler ==
        q) { /* from inside the handler: the loop writes it when it returns */
        q->answered = true;
        return;
    }
    if (!tl_held.on) {
        answers_publish(q->ls, q, q);
        return;
    }
    if (tl_held.ls != q->ls) held_publish(); /* another listener's: its own wake-up */
    tl_held.ls = q->ls;
    q->next_done = NULL;
    if (tl_held.tail)
        tl_held.tail->next_done = q;
    else
        tl_held.head = q;
    tl_held.tail = q;
}

void http_plain_stats_get(const http_plain_listener *ls, http_plain_stats *out) {
    for (int i = 0; i < 6; i++)
        out->by_class[i] = atomic_load(&ls->by_class[i]);
    out->latency_us_sum = atomic_load(&ls->latency_us_sum);
}

/* Accepts every pending connection, closing at once those over a cap. Out of descriptors or
 * memory, the listening socket leaves the set until the next tick (level-triggered, it would
 * otherwise wake the loop at once, again and again). */
static void plain_accept(http_plain_listener *ls) {
    for (;;) {
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        int fd = accept4(ls->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                epoll_ctl(ls->ep, EPOLL_CTL_DEL, ls->lfd, NULL);
                ls->accept_paused = true;
            }
            return;
        }
        uint32_t ip = sl >= sizeof sa && sa.sin_family == AF_INET ? sa.sin_addr.s_addr : 0;
        if (ls->n_conns >= ls->max_conns ||
            (ls->max_per_ip && plain_ip_count(ls, ip) >= ls->max_per_ip)) {
            close(fd);
            continue;
        }
        if (!plain_conn_open(ls, fd, &sa)) close(fd);
    }
}

/* Hands every answer the other threads queued to its connection. */
static void plain_drain(http_plain_listener *ls) {
    uint64_t v;
    ssize_t r = read(ls->efd, &v, sizeof v);
    (void)r;
    pthread_mutex_lock(&ls->mu);
    http_plain *q = ls->done_head;
    ls->done_head = ls->done_tail = NULL;
    pthread_mutex_unlock(&ls->mu);
    while (q) {
        http_plain *next = q->next_done;
        plain_conn *c = q->c;
        plain_conn_complete(ls, c);
        plain_conn_step(ls, c);
        q = next;
    }
}

static void *plain_loop(void *arg) {
    http_plain_listener *ls = arg;
    struct epoll_event evs[PLAIN_MAX_EVENTS];
    ls->round_ns = lm_mono_ns();
    int64_t next_tick = ls->round_ns + PLAIN_TICK_MS * 1000000LL, stop_by = 0;
    bool listening = true;
    for (;;) {
        bool stopping = atomic_load(&ls->stopping);
        if ((stopping || atomic_load(&ls->quiesced)) && listening) {
            if (!ls->accept_paused) epoll_ctl(ls->ep, EPOLL_CTL_DEL, ls->lfd, NULL);
            listening = false;
        }
        if (stopping) {
            int64_t now = lm_mono_ns();
            if (!stop_by) {
                stop_by = now + PLAIN_STOP_NS;
                plain_conn_close_idle(ls);
            }
            if (!ls->conns || now >= stop_by) break;
        }
        int n = epoll_wait(ls->ep, evs, PLAIN_MAX_EVENTS, stopping ? 20 : PLAIN_TICK_MS);
        int64_t now = ls->round_ns = lm_mono_ns();
        if (n > 0 && ls->round) ls->round(ls->ctx, true);
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &ls->lfd)
                plain_accept(ls);
            else if (p == &ls->efd)
                plain_drain(ls);
            else
                plain_conn_event(ls, p, evs[i].events);
        }
        if (n > 0 && ls->round) ls->round(ls->ctx, false);
        if (now >= next_tick) {
            next_tick = now + PLAIN_TICK_MS * 1000000LL;
            plain_conn_sweep_idle(ls, now);
            if (ls->accept_paused && listening) {
                struct epoll_event le = {.events = EPOLLIN, .data.ptr = &ls->lfd};
                if (epoll_ctl(ls->ep, EPOLL_CTL_ADD, ls->lfd, &le) == 0) ls->accept_paused = false;
            }
        }
    }
    return NULL;
}

/* The listening socket on addr, or -1. */
static int plain_socket(const struct sockaddr_in *addr, uint16_t *port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in got;
    socklen_t gl = sizeof got;
    if (bind(fd, (const struct sockaddr *)addr, sizeof *addr) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&got, &gl) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(got.sin_port);
    return fd;
}

static void plain_free(http_plain_listener *ls) {
    if (ls->ep >= 0) close(ls->ep);
    if (ls->efd >= 0) close(ls->efd);
    if (ls->lfd >= 0) close(ls->lfd);
    http__guard_destroy(ls->guard);
    pthread_mutex_destroy(&ls->mu);
    lm_free(ls->ips);
    lm_free(ls);
}

/* The descriptors and the loop thread of a listener whose options are set. */
static lm_status plain_start(http_plain_listener *ls, const struct sockaddr_in *addr) {
    if ((ls->lfd = plain_socket(addr, &ls->port)) < 0) return LM_UNAVAILABLE;
    ls->ep = epoll_create1(EPOLL_CLOEXEC);
    ls->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ls->ep < 0 || ls->efd < 0) return LM_NOMEM;
    struct epoll_event le = {.events = EPOLLIN, .data.ptr = &ls->lfd};
    struct epoll_event ee = {.events = EPOLLIN, .data.ptr = &ls->efd};
    if (epoll_ctl(ls->ep, EPOLL_CTL_ADD, ls->lfd, &le) != 0 ||
        epoll_ctl(ls->ep, EPOLL_CTL_ADD, ls->efd, &ee) != 0)
        return LM_NOMEM;
    if (pthread_create(&ls->thread, NULL, plain_loop, ls) != 0) return LM_NOMEM;
    (void)pthread_setname_np(ls->thread, "lm-osmand"); /* per-thread CPU in benchmarks */
    return LM_OK;
}

lm_status http_plain_listen(const http_plain_opts *o, http_plain_handler handler, void *ctx,
                            http_plain_listener **out, lm_errinfo *err) {
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)o->port);
    if (!o->bind_addr || inet_pton(AF_INET, o->bind_addr, &addr.sin_addr) != 1)
        return lm_errinfo_set(err, LM_INVALID, "bind", "'%s' is not an IPv4 address",
                              o->bind_addr ? o->bind_addr : "");
    http_plain_listener *ls = lm_calloc(1, sizeof *ls);
    if (!ls) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    ls->handler = handler;
    ls->ctx = ctx;
    ls->max_body = o->max_body_bytes;
    ls->max_conns = o->max_conns ? o->max_conns : 1;
    ls->max_per_ip = o->max_conns_per_ip;
    ls->round = o->round;
    ls->lfd = ls->ep = ls->efd = -1;
    pthread_mutex_init(&ls->mu, NULL);
    /* no keys on this port, so no reserve: the cap and deadlines are its own */
    http__guard_opts go = {.max_conns = ls->max_conns,
                           .reserve = 0,
                           .header_timeout_s = o->header_timeout_s,
                           .body_timeout_s = o->body_timeout_s,
                           .tick_ms = 200};
    ls->ips = lm_calloc(ls->max_conns, sizeof *ls->ips);
    if (!ls->ips || http__guard_create(&go, &ls->guard) != LM_OK) {
        plain_free(ls);
        return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    }
    lm_status rc = plain_start(ls, &addr);
    if (rc != LM_OK) {
        plain_free(ls);
        if (rc == LM_NOMEM) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
        return lm_errinfo_set(err, LM_UNAVAILABLE, o->port_field,
                              "cannot listen for %s on %s:%d (in use, or not allowed)", o->what,
                              o->bind_addr, o->port);
    }
    *out = ls;
    return LM_OK;
}

void http_plain_quiesce(http_plain_listener *ls) {
    if (!ls || atomic_exchange(&ls->quiesced, true)) return;
    /* a shut-down listening socket refuses new connections at once; the loop then drops it
     * from its set (the descriptor is closed only in http_plain_close, after the loop ended) */
    (void)shutdown(ls->lfd, SHUT_RDWR);
    uint64_t one = 1;
    ssize_t w = write(ls->efd, &one, sizeof one);
    (void)w;
}

void http_plain_close(http_plain_listener *ls) {
    if (!ls) return;
    http_plain_quiesce(ls);
    atomic_store(&ls->stopping, true);
    uint64_t one = 1;
    ssize_t w = write(ls->efd, &one, sizeof one);
    (void)w;
    pthread_join(ls->thread, NULL);
    while (ls->conns)
        plain_conn_close(ls, ls->conns);
    plain_free(ls);
}

uint16_t http_plain_port(const http_plain_listener *ls) {
    return ls ? ls->port : 0;
}
