/* api/http/plain.c: a plain listener on its own port (the OsmAnd one): any path, GET, POST or
 * HEAD, no routes, no auth; the app's handler gets the query arguments and the body and answers
 * once, possibly later from another thread.
 *
 * Each connection is suspended until its answer arrives and resumed by http_plain_answer
 * (libmicrohttpd with MHD_ALLOW_SUSPEND_RESUME); the reply is queued on a later access call,
 * never the first, which would make libmicrohttpd close keep-alive connections. */
#include "api/http/guard.h"
#include "api/http/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct http_plain_listener {
    http_plain_handler handler;
    void *ctx;
    size_t max_body;
    struct MHD_Daemon *daemon;
    struct MHD_Response *ok_empty; /* every 200: no body, no header; shared, never changed */
    http__guard *guard; /* its own deadlines and cap: an OsmAnd flood never touches the API's */
    uint16_t port;
    /* /metrics: answers by status class and their latency, counted when queued */
    atomic_uint_fast64_t by_class[6];
    atomic_uint_fast64_t latency_us_sum;
};

struct http_plain {
    http_plain_listener *ls;
    struct MHD_Connection *mhd;
    lm_buf body;
    bool too_big;
    http_kv args[HTTP_PLAIN_MAX_ARGS];
    size_t n_args;
    pthread_mutex_t mu; /* guards handled/suspended/answered against http_plain_answer */
    bool handled, suspended, answered;
    int status;
    int64_t retry_after_s; /* > 0: a Retry-After header */
    int64_t start_ns;      /* when the request's head was read (lm_mono_ns) */
    char msg[400];
};

void http_plain_opts_init(http_plain_opts *o) {
    o->bind_addr = "127.0.0.1";
    o->port = 0;
    o->max_body_bytes = (size_t)256 << 10;
    o->max_conns = 1024;
    o->max_conns_per_ip = 256;
    o->header_timeout_s = 10;
    o->body_timeout_s = 30;
    o->port_field = "port";
    o->what = "HTTP";
}

const http_kv *http_plain_args(const http_plain *q, size_t *n) {
    *n = q->n_args;
    return q->args;
}

const char *http_plain_header(const http_plain *q, const char *name) {
    return MHD_lookup_connection_value(q->mhd, MHD_HEADER_KIND, name);
}

const char *http_plain_body(const http_plain *q, size_t *len) {
    *len = q->body.len;
    return q->body.data;
}

void http_plain_retry_after(http_plain *q, int64_t seconds) {
    q->retry_after_s = seconds;
}

bool http_plain_client_addr(const http_plain *q, char *out, size_t size) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(q->mhd, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr || size == 0) return false;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        return inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                         (socklen_t)size) != NULL;
    if (sa->sa_family == AF_INET6)
        return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                         (socklen_t)size) != NULL;
    return false;
}

void http_plain_answer(http_plain *q, int status, const char *text) {
    pthread_mutex_lock(&q->mu);
    q->answered = true;
    q->status = status;
    lm_strlcpy(q->msg, text ? text : "", sizeof q->msg);
    if (q->suspended) {
        q->suspended = false;
        MHD_resume_connection(q->mhd);
    }
    pthread_mutex_unlock(&q->mu);
}

void http_plain_stats_get(const http_plain_listener *ls, http_plain_stats *out) {
    for (int i = 0; i < 6; i++)
        out->by_class[i] = atomic_load(&ls->by_class[i]);
    out->latency_us_sum = atomic_load(&ls->latency_us_sum);
}

static enum MHD_Result plain_queue(http_plain *q) {
    unsigned cls = q->status >= 100 && q->status < 600 ? (unsigned)q->status / 100 : 0;
    atomic_fetch_add(&q->ls->by_class[cls], 1);
    int64_t us = (lm_mono_ns() - q->start_ns) / 1000;
    atomic_fetch_add(&q->ls->latency_us_sum, us > 0 ? (uint_fast64_t)us : 0);
    /* 200 has an empty body (the apps read nothing): one response made at the start serves
     * them all; errors say why in plain text */
    if (q->status == 200 && q->retry_after_s <= 0)
        return MHD_queue_response(q->mhd, MHD_HTTP_OK, q->ls->ok_empty);
    size_t len = q->status == 200 ? 0 : strlen(q->msg);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, q->msg, MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    if (len) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    if (q->retry_after_s > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)q->retry_after_s);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    enum MHD_Result ok = MHD_queue_response(q->mhd, (unsigned)q->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static enum MHD_Result arg_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value) {
    (void)kind;
    http_plain *q = cls;
    if (q->n_args == HTTP_PLAIN_MAX_ARGS) return MHD_NO;
    q->args[q->n_args].key = key;
    q->args[q->n_args].value = value ? value : "";
    q->n_args++;
    return MHD_YES;
}

static http_plain *plain_new(http_plain_listener *ls, struct MHD_Connection *mhd) {
    http_plain *q = lm_calloc(1, sizeof *q);
    if (!q) return NULL;
    q->ls = ls;
    q->mhd = mhd;
    q->start_ns = lm_mono_ns();
    lm_buf_init(&q->body, ls->max_body);
    pthread_mutex_init(&q->mu, NULL);
    return q;
}

/* The final call: run the handler once, then queue its answer or wait suspended for it. */
static enum MHD_Result plain_final(http_plain *q) {
    pthread_mutex_lock(&q->mu);
    bool answered = q->answered, handled = q->handled;
    pthread_mutex_unlock(&q->mu);
    if (answered) return plain_queue(q);
    if (handled) return MHD_YES; /* still waiting for the answer */
    if (q->too_big) {
        q->status = 413;
        snprintf(q->msg, sizeof q->msg, "body: larger than %zu bytes\n", q->ls->max_body);
        return plain_queue(q);
    }
    MHD_get_connection_values(q->mhd, MHD_GET_ARGUMENT_KIND, arg_collect, q);
    q->handled = true;
    q->ls->handler(q->ls->ctx, q);
    pthread_mutex_lock(&q->mu);
    if (!q->answered) {
        MHD_suspend_connection(q->mhd);
        q->suspended = true;
        pthread_mutex_unlock(&q->mu);
        return MHD_YES;
    }
    pthread_mutex_unlock(&q->mu);
    return plain_queue(q);
}

static void *plain_slot(struct MHD_Connection *mhd) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static enum MHD_Result plain_access(void *cls, struct MHD_Connection *mhd, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls) {
    (void)url;
    (void)version;
    http_plain *q = *con_cls;
    if (!q) {
        if (strcmp(method, "GET") && strcmp(method, "POST") && strcmp(method, "HEAD"))
            return MHD_NO;
        if (!(q = plain_new(cls, mhd))) return MHD_NO;
        *con_cls = q;
        http__guard_phase(q->ls->guard, plain_slot(mhd), HTTP__PHASE_BODY, false, lm_mono_ns());
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (http__guard_body_late(q->ls->guard, plain_slot(mhd), lm_mono_ns())) return MHD_NO;
        if (!q->too_big && lm_buf_append(&q->body, upload_data, *upload_data_size) != LM_OK) {
            q->too_big = true;
            lm_buf_free(&q->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    http__guard_phase(q->ls->guard, plain_slot(mhd), HTTP__PHASE_BUSY, false, lm_mono_ns());
    return plain_final(q);
}

static void plain_completed(void *cls, struct MHD_Connection *mhd, void **con_cls,
                            enum MHD_RequestTerminationCode toe) {
    (void)toe;
    http_plain_listener *ls = cls;
    http__guard_phase(ls->guard, plain_slot(mhd), HTTP__PHASE_HEAD, false, lm_mono_ns());
    http_plain *q = *con_cls;
    if (!q) return;
    *con_cls = NULL;
    /* the answering thread may still be inside http_plain_answer after resuming us */
    pthread_mutex_lock(&q->mu);
    pthread_mutex_unlock(&q->mu);
    pthread_mutex_destroy(&q->mu);
    lm_buf_free(&q->body);
    lm_free(q);
}

static void plain_connection(void *cls, struct MHD_Connection *mhd, void **socket_context,
                             enum MHD_ConnectionNotificationCode toe) {
    http_plain_listener *ls = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = NULL;
        if (ci) http__guard_opened(ls->guard, ci->connect_fd, lm_mono_ns(), socket_context);
    } else {
        http__guard_closed(ls->guard, *socket_context);
        *socket_context = NULL;
    }
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
    /* no keys on this port, so no reserve: the cap and deadlines are its own */
    http__guard_opts go = {.max_conns = o->max_conns ? o->max_conns : 1,
                           .reserve = 0,
                           .header_timeout_s = o->header_timeout_s,
                           .body_timeout_s = o->body_timeout_s,
                           .tick_ms = 200};
    if (http__guard_create(&go, &ls->guard) != LM_OK) {
        lm_free(ls);
        return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    }
    /* one polling thread: on a shared core it beats a pool; poll(), not epoll: libmicrohttpd
     * 0.9.75's epoll loop stalls once 128 connections are ready at once (api/http/server.c),
     * and run from a loop of our own (MHD_run never blocks, so no stall) its epoll costs more
     * than poll: two epoll_ctl calls per request, to suspend and resume the connection
     * (bench/results/perf-positions.md, round 3) */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
    static char no_body[1];
    ls->ok_empty = MHD_create_response_from_buffer(0, no_body, MHD_RESPMEM_PERSISTENT);
    if (!ls->ok_empty) {
        http__guard_destroy(ls->guard);
        lm_free(ls);
        return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    }
    ls->daemon = MHD_start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, plain_access, ls, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, plain_completed, ls,
        MHD_OPTION_NOTIFY_CONNECTION, plain_connection, ls, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)60, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)o->max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned int)o->max_conns_per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        HTTP__CONN_MEMORY_BYTES, MHD_OPTION_END);
    if (!ls->daemon) {
        MHD_destroy_response(ls->ok_empty);
        http__guard_destroy(ls->guard);
        lm_free(ls);
        return lm_errinfo_set(err, LM_UNAVAILABLE, o->port_field,
                              "cannot listen for %s on %s:%d (in use, or not allowed)", o->what,
                              o->bind_addr, o->port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(ls->daemon, MHD_DAEMON_INFO_BIND_PORT);
    ls->port = info ? info->port : (uint16_t)o->port;
    *out = ls;
    return LM_OK;
}

void http_plain_quiesce(http_plain_listener *ls) {
    if (!ls) return;
    MHD_socket fd = MHD_quiesce_daemon(ls->daemon);
    if (fd != MHD_INVALID_SOCKET) close(fd);
}

void http_plain_close(http_plain_listener *ls) {
    if (!ls) return;
    MHD_stop_daemon(ls->daemon);
    MHD_destroy_response(ls->ok_empty);
    http__guard_destroy(ls->guard);
    lm_free(ls);
}

uint16_t http_plain_port(const http_plain_listener *ls) {
    return ls ? ls->port : 0;
}
