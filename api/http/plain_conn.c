/* api/http/plain_conn.c: the plain listener's connections (plain_conn.h): reading, parsing,
 * handing the request to the handler, writing its answer, closing. All on the loop thread. */
#include "api/http/plain_conn.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PLAIN_IN_MIN  4096
#define PLAIN_IDLE_NS (60 * 1000000000LL) /* no byte either way for this long closes */

_Thread_local http_plain *plain_tl_in_handler;

/* ---- Connections per client address ---- */

static plain_ip *ip_find(const http_plain_listener *ls, uint32_t ip) {
    for (unsigned i = 0; i < ls->n_ips; i++)
        if (ls->ips[i].ip == ip) return &ls->ips[i];
    return NULL;
}

unsigned plain_ip_count(const http_plain_listener *ls, uint32_t ip) {
    const plain_ip *p = ip_find(ls, ip);
    return p ? p->n : 0;
}

/* ---- Open, close ---- */

bool plain_conn_open(http_plain_listener *ls, int fd, const struct sockaddr_in *sa) {
    plain_conn *c = lm_calloc(1, sizeof *c);
    if (!c) return false;
    c->fd = fd;
    c->ip = sa->sin_addr.s_addr;
    if (!inet_ntop(AF_INET, &sa->sin_addr, c->addr, sizeof c->addr)) c->addr[0] = '\0';
    c->q.ls = ls;
    c->q.c = c;
    c->last_ns = lm_mono_ns();
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(ls->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        lm_free(c);
        return false;
    }
    c->next = ls->conns;
    if (ls->conns) ls->conns->prev = c;
    ls->conns = c;
    ls->n_conns++;
    plain_ip *p = ip_find(ls, c->ip);
    if (p)
        p->n++;
    else
        ls->ips[ls->n_ips++] = (plain_ip){.ip = c->ip, .n = 1};
    http__guard_opened(ls->guard, fd, c->last_ns, &c->slot);
    return true;
}

void plain_conn_close(http_plain_listener *ls, plain_conn *c) {
    http__guard_closed(ls->guard, c->slot); /* before close: the reaper never hits a reused fd */
    plain_ip *p = ip_find(ls, c->ip);
    if (p && --p->n == 0) *p = ls->ips[--ls->n_ips];
    if (c->prev)
        c->prev->next = c->next;
    else
        ls->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    ls->n_conns--;
    close(c->fd);
    lm_free(c->in);
    lm_free(c->chunk_body);
    lm_free(c);
}

/* ---- Answers ---- */

static const char *reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
    }
}

/* "Date: ...\r\n" for now, formatted once a second. */
static const char *date_line(http_plain_listener *ls, size_t *len) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if ((int64_t)ts.tv_sec != ls->date_s || !ls->date[0]) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        strftime(ls->date, sizeof ls->date, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        ls->date_s = (int64_t)ts.tv_sec;
    }
    *len = strlen(ls->date);
    return ls->date;
}

static void out_add(plain_conn *c, const char *s, size_t n) {
    size_t room = sizeof c->out - c->out_len;
    if (n > room) n = room;
    memcpy(c->out + c->out_len, s, n);
    c->out_len += n;
}

/* Appends the answer to c->out: 200 without a body (the apps read nothing), anything else with
 * msg as text/plain; HEAD gets the headers only. */
static void put_answer(http_plain_listener *ls, plain_conn *c, int status, const char *msg,
                       int64_t retry_s, bool close) {
    size_t dlen = 0;
    const char *date = date_line(ls, &dlen);
    if (status == 200 && retry_s <= 0) {
        out_add(c, "HTTP/1.1 200 OK\r\n", 17);
        out_add(c, date, dlen);
        if (close) out_add(c, "Connection: close\r\n", 19);
        out_add(c, "Content-Length: 0\r\n\r\n", 21);
        return;
    }
    size_t len = status == 200 ? 0 : strlen(msg);
    char ra[48] = "";
    if (retry_s > 0) snprintf(ra, sizeof ra, "Retry-After: %lld\r\n", (long long)retry_s);
    size_t room = sizeof c->out - c->out_len;
    int n =
        snprintf(c->out + c->out_len, room, "HTTP/1.1 %d %s\r\n%s%s%s%sContent-Length: %zu\r\n\r\n",
                 status, reason(status), date, close ? "Connection: close\r\n" : "",
                 len ? "Content-Type: text/plain\r\n" : "", ra, len);
    if (n > 0) c->out_len += (size_t)n < room ? (size_t)n : room - 1;
    if (c->q.h.method != LM_HREQ_HEAD) out_add(c, msg, len);
}

static void count(http_plain_listener *ls, int status, int64_t start_ns, int64_t now_ns) {
    unsigned cls = status >= 100 && status < 600 ? (unsigned)status / 100 : 0;
    atomic_fetch_add_explicit(&ls->by_class[cls], 1, memory_order_relaxed);
    int64_t us = start_ns ? (now_ns - start_ns) / 1000 : 0;
    atomic_fetch_add_explicit(&ls->latency_us_sum, us > 0 ? (uint_fast64_t)us : 0,
                              memory_order_relaxed);
}

/* A request refused before the handler: answered, then the connection closes (what follows it
 * on the connection cannot be trusted to start a request). */
static void refuse(http_plain_listener *ls, plain_conn *c, int status, const char *msg) {
    count(ls, status, 0, 0);
    put_answer(ls, c, status, msg, 0, true);
    c->close_after = true;
}

void plain_conn_complete(http_plain_listener *ls, plain_conn *c) {
    http_plain *q = &c->q;
    int64_t now = lm_mono_ns();
    count(ls, q->status, q->start_ns, now);
    bool close = !q->h.keep_alive || c->eof || atomic_load(&ls->stopping);
    put_answer(ls, c, q->status, q->msg, q->retry_after_s, close);
    c->close_after = c->close_after || close;
    c->in[c->req_len] = c->saved; /* the request is done with: the next one's bytes move up */
    memmove(c->in, c->in + c->req_len, c->in_len - c->req_len);
    c->in_len -= c->req_len;
    c->req_len = 0;
    lm_free(c->chunk_body);
    c->chunk_body = NULL;
    q->body = NULL;
    q->body_len = 0;
    c->state = PLAIN_READ;
    c->body_phase = c->continue_sent = false;
    http__guard_phase(ls->guard, c->slot, HTTP__PHASE_HEAD, false, now);
}

/* ---- Requests ---- */

/* Runs the handler on the connection's complete request (its body NUL-terminated in place). */
static void dispatch(http_plain_listener *ls, plain_conn *c, const char *body, size_t body_len,
                     size_t req_len) {
    http_plain *q = &c->q;
    c->req_len = req_len;
    c->saved = c->in[req_len];
    c->in[req_len] = '\0';
    q->body = body;
    q->body_len = body_len;
    q->start_ns = lm_mono_ns();
    q->answered = false;
    q->status = 0;
    q->retry_after_s = 0;
    q->msg[0] = '\0';
    c->state = PLAIN_WAIT;
    http__guard_phase(ls->guard, c->slot, HTTP__PHASE_BUSY, false, q->start_ns);
    plain_tl_in_handler = q;
    ls->handler(ls->ctx, q);
    plain_tl_in_handler = NULL;
    if (q->answered) plain_conn_complete(ls, c);
}

/* The head is in, the body not yet: the body deadline runs, "100 Continue" goes out once. */
static void await_body(http_plain_listener *ls, plain_conn *c) {
    int64_t now = lm_mono_ns();
    if (!c->body_phase) {
        c->body_phase = true;
        http__guard_phase(ls->guard, c->slot, HTTP__PHASE_BODY, false, now);
    } else if (http__guard_body_late(ls->guard, c->slot, now)) {
        return; /* shut down by the guard: end-of-file follows */
    }
    if (c->q.h.expect_continue && !c->continue_sent) {
        c->continue_sent = true;
        out_add(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    }
}

static bool chunked_request(http_plain_listener *ls, plain_conn *c) {
    size_t hl = c->q.h.head_len, blen = 0, used = 0;
    if (!c->chunk_body && !(c->chunk_body = lm_alloc(ls->max_body + 1))) {
        refuse(ls, c, 500, "error: out of memory\n");
        return true;
    }
    int st = 0;
    char m[160];
    int rc = lm_hreq_chunked(c->in + hl, c->in_len - hl, c->chunk_body, ls->max_body, &blen, &used,
                             &st, m, sizeof m);
    if (rc == LM_HREQ_ERROR) {
        refuse(ls, c, st, m);
        return true;
    }
    if (rc == LM_HREQ_MORE) {
        if (c->in_len - hl > 2 * ls->max_body + 4096) { /* framing far beyond any real body */
            snprintf(m, sizeof m, "body: larger than %zu bytes\n", ls->max_body);
            refuse(ls, c, 413, m);
            return true;
        }
        await_body(ls, c);
        return false;
    }
    c->chunk_body[blen] = '\0';
    dispatch(ls, c, c->chunk_body, blen, hl + used);
    return true;
}

/* Parses what is buffered: true when a request was handed on or refused, false when more bytes
 * are needed. */
static bool next_request(http_plain_listener *ls, plain_conn *c) {
    lm_hreq_head *h = &c->q.h;
    if (!c->in_len) return false;
    int rc = lm_hreq_parse_head(c->in, c->in_len, h);
    if (rc == LM_HREQ_MORE) return false;
    if (rc == LM_HREQ_ERROR) {
        refuse(ls, c, h->status, h->msg);
        return true;
    }
    if (h->chunked) return chunked_request(ls, c);
    size_t cl = h->has_length ? h->content_length : 0;
    if (cl > ls->max_body) {
        char m[96];
        snprintf(m, sizeof m, "body: larger than %zu bytes\n", ls->max_body);
        refuse(ls, c, 413, m);
        return true;
    }
    if (c->in_len - h->head_len < cl) {
        await_body(ls, c);
        return false;
    }
    dispatch(ls, c, cl ? c->in + h->head_len : NULL, cl, h->head_len + cl);
    return true;
}

/* ---- Bytes ---- */

/* Reads what the socket holds (until it is drained, short of the buffer's limit): true when
 * bytes were added. One byte of the buffer always stays free for a body's NUL. */
static bool read_some(http_plain_listener *ls, plain_conn *c) {
    size_t limit = LM_HREQ_MAX_HEAD + 2 * ls->max_body + 4096 + 1;
    bool got = false;
    while (c->readable) {
        if (c->in_cap - c->in_len < 1025 && c->in_cap < limit) {
            size_t cap = c->in_cap ? c->in_cap * 2 : PLAIN_IN_MIN;
            if (cap > limit) cap = limit;
            char *in = lm_reallocarray(c->in, cap, 1);
            if (!in) break;
            c->in = in;
            c->in_cap = cap;
        }
        size_t room = c->in_cap - c->in_len - 1;
        if (!room) break;
        ssize_t n = recv(c->fd, c->in + c->in_len, room, 0);
        if (n > 0) {
            c->in_len += (size_t)n;
            got = true;
            /* a short read drained the socket: the next byte to arrive raises a new edge */
            if ((size_t)n < room) c->readable = false;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            c->readable = false;
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) c->eof = true;
        }
    }
    if (got) c->last_ns = ls->round_ns; /* idle limit: the round's time is close enough */
    return got;
}

/* Writes c->out: 1 when all of it went, 0 when the socket is full, -1 when it failed. */
static int flush(plain_conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n >= 0) {
            c->out_off += (size_t)n;
        } else if (errno != EINTR) {
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
    }
    c->out_off = c->out_len = 0;
    c->last_ns = c->q.ls->round_ns;
    return 1;
}

void plain_conn_step(http_plain_listener *ls, plain_conn *c) {
    for (;;) {
        if (c->out_off < c->out_len) {
            int r = flush(c);
            if (r < 0) {
                plain_conn_close(ls, c);
                return;
            }
            if (r == 0) return; /* EPOLLOUT brings us back */
        }
        if (c->state == PLAIN_WAIT) return;
        if (c->close_after || atomic_load_explicit(&ls->stopping, memory_order_relaxed)) {
            plain_conn_close(ls, c);
            return;
        }
        if (next_request(ls, c)) continue;
        if (c->out_len) continue; /* a "100 Continue" to write first */
        if (c->readable && read_some(ls, c)) continue;
        if (c->eof) plain_conn_close(ls, c);
        return;
    }
}

void plain_conn_event(http_plain_listener *ls, plain_conn *c, uint32_t events) {
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->readable = true;
    plain_conn_step(ls, c);
}

void plain_conn_sweep_idle(http_plain_listener *ls, int64_t now_ns) {
    for (plain_conn *c = ls->conns, *next; c; c = next) {
        next = c->next;
        if (c->state == PLAIN_READ && now_ns - c->last_ns >= PLAIN_IDLE_NS) plain_conn_close(ls, c);
    }
}

void plain_conn_close_idle(http_plain_listener *ls) {
    for (plain_conn *c = ls->conns, *next; c; c = next) {
        next = c->next;
        if (c->state == PLAIN_READ) plain_conn_step(ls, c);
    }
}
