/* api/http/request.c: what handlers call on their request (api/http/http.h): path, query and
 * header lookups, the client address, replies (JSON, text, streams), errors and deferred
 * replies. */
#include "api/http/internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *http_param(const http_req *r, const char *name) {
    for (size_t i = 0; i < r->n_params; i++)
        if (!strcmp(r->params[i].name, name)) return r->params[i].value;
    return NULL;
}

const char *http_query(const http_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn->mhd, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(const http_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn->mhd, MHD_HEADER_KIND, name);
}

const http_app *http_req_app(const http_req *r) {
    return &r->conn->srv->app;
}

/* "a.b.c.d" of a network-order IPv4 address: what inet_ntop writes, without its sprintf (which
 * was a sixth of the rate limit's cost on every tracking poll). */
bool http__ipv4_text(const struct in_addr *in, char *out, size_t size) {
    const unsigned char *b = (const unsigned char *)&in->s_addr;
    char text[16];
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (i) text[n++] = '.';
        if (v >= 100) text[n++] = (char)('0' + v / 100);
        if (v >= 10) text[n++] = (char)('0' + v / 10 % 10);
        text[n++] = (char)('0' + v % 10);
    }
    if (n >= size) return false;
    memcpy(out, text, n);
    out[n] = '\0';
    return true;
}

bool http_client_addr(const http_req *r, char *out, size_t size) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn->mhd, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr || size == 0) return false;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        return http__ipv4_text(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                               size);
    if (sa->sa_family == AF_INET6)
        return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                         (socklen_t)size) != NULL;
    return false;
}

/* ---- Deferred replies ---- */

void http_defer(http_req *r) {
    r->conn->deferred = true;
}

void http_defer_then(http_req *r, http_handler finish) {
    r->conn->deferred = true;
    r->conn->defer_finish = finish;
}

void http_defer_done(http_req *r, lm_status st, const lm_errinfo *err) {
    http__conn *c = r->conn;
    pthread_mutex_lock(&c->srv->defer_mu);
    c->defer_done = true;
    c->defer_st = st;
    if (st != LM_OK && err) c->defer_err = *err;
    if (c->suspended) {
        c->suspended = false;
        MHD_resume_connection(c->mhd);
    }
    pthread_mutex_unlock(&c->srv->defer_mu);
}

/* ---- Streams ---- */

_Static_assert(HTTP_STREAM_END == MHD_CONTENT_READER_END_OF_STREAM, "stream end code");
_Static_assert(HTTP_STREAM_ERROR == MHD_CONTENT_READER_END_WITH_ERROR, "stream error code");

http_conn *http_req_conn(const http_req *r) {
    return (http_conn *)(void *)r->conn->mhd;
}

void http_conn_suspend(http_conn *c) {
    MHD_suspend_connection((struct MHD_Connection *)(void *)c);
}

void http_conn_resume(http_conn *c) {
    MHD_resume_connection((struct MHD_Connection *)(void *)c);
}

lm_status http_reply_stream(http_req *r, const char *content_type, http_stream_pull pull,
                            http_stream_free free_fn, void *cls) {
    r->status = 200;
    r->resp_body = "";
    r->resp_len = 0;
    r->resp_type = content_type;
    r->stream_reader = pull;
    r->stream_free = free_fn;
    r->stream_cls = cls;
    r->replied = true;
    http_shared_reply_unref(r->shared); /* the last reply set is the one sent */
    r->shared = NULL;
    return LM_OK;
}

/* ---- Replies ---- */

lm_status http_reply_text(http_req *r, int status, const char *content_type, const char *text,
                          size_t len) {
    char *copy = lm_arena_alloc(r->arena, len + 1);
    if (!copy) return http_error(r, LM_NOMEM, "", "reply too large for the request arena");
    if (len) memcpy(copy, text, len);
    r->status = status;
    r->resp_body = copy;
    r->resp_len = len;
    r->resp_type = content_type;
    r->replied = true;
    http_shared_reply_unref(r->shared); /* the last reply set is the one sent */
    r->shared = NULL;
    return LM_OK;
}

lm_status http_reply_json(http_req *r, int status, cJSON *body) {
    size_t len = 0;
    char *text = body ? http__json_print(body, &len) : NULL;
    cJSON_Delete(body);
    if (!text) return http_error(r, LM_NOMEM, "", "could not serialise the reply");
    lm_status rc = http_reply_text(r, status, "application/json", text, len);
    lm_free(text);
    return rc;
}

lm_status http_reply_json_text(http_req *r, int status, http_json *j) {
    lm_status rc = j->failed || !j->p ? http_error(r, LM_NOMEM, "", "could not serialise the reply")
                                      : http_reply_text(r, status, "application/json", j->p, j->n);
    lm_free(j->p);
    *j = (http_json){0};
    return rc;
}

lm_status http_reply_header(http_req *r, const char *name, const char *value) {
    if (r->n_resp_headers >= sizeof r->resp_headers / sizeof r->resp_headers[0]) return LM_TOO_BIG;
    char *n = lm_arena_strndup(r->arena, name, strlen(name));
    char *v = lm_arena_strndup(r->arena, value, strlen(value));
    if (!n || !v) return LM_NOMEM;
    r->resp_headers[r->n_resp_headers][0] = n;
    r->resp_headers[r->n_resp_headers][1] = v;
    r->n_resp_headers++;
    return LM_OK;
}

lm_status http_error(http_req *r, lm_status code, const char *field, const char *fmt, ...) {
    va_list ap;
    char msg[sizeof r->err.message];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lm_errinfo_set(&r->err, code, field ? field : "", "%s", msg);
}
