/* api/http/server.c: the libmicrohttpd front: per-request state, routing over the app's route
 * table, the auth check through the app's callback, body limits, JSON parsing at the edge,
 * replies, the request log, static files and graceful stop.
 *
 * One request goes: first access call (headers known: match the route, check the key and the
 * declared body size) -> body chunks (appended to a capped buffer) -> final call (parse JSON, run
 * the handler, queue the reply) -> completion callback (log, metrics, free everything).
 * Replies are queued on the second or later call: queuing on the first call makes libmicrohttpd
 * close keep-alive connections. Only errors found before a body arrives are queued early, so that
 * a 401 or 413 does not first read the whole body. */
#include "api/http/internal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REQ_ARENA_CAP ((size_t)64 << 20) /* per-request scratch memory */
#define MAX_STATIC    ((off_t)16 << 20)  /* largest static file served */

/* The final call of a deferred request: MHD_YES with the connection suspended while the other
 * thread has not finished, else the outcome applied and the reply queued. */
static enum MHD_Result defer_reply(http__conn *c);

/* ---- Routing ---- */

/* Matches path against pattern, filling params (arena copies); false if it does not match. */
static bool route_match(const char *pattern, const char *path, http_req *r, bool fill) {
    const char *p = pattern, *u = path;
    size_t n = 0;
    while (*p && *u) {
        if (*p != '/' || *u != '/') return false;
        p++;
        u++;
        const char *pe = strchr(p, '/'), *ue = strchr(u, '/');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p), ul = ue ? (size_t)(ue - u) : strlen(u);
        if (pl >= 2 && p[0] == '{' && p[pl - 1] == '}') {
            if (ul == 0 || n >= HTTP_MAX_PARAMS) return false;
            if (fill) {
                r->params[n].name = lm_arena_strndup(r->arena, p + 1, pl - 2);
                r->params[n].value = lm_arena_strndup(r->arena, u, ul);
                if (!r->params[n].name || !r->params[n].value) return false;
            }
            n++;
        } else if (pl != ul || memcmp(p, u, pl)) {
            return false;
        }
        p += pl;
        u += ul;
    }
    if (*p || *u) return false;
    if (fill) r->n_params = n;
    return true;
}

/* What every route's pattern needs of a path before route_match is worth calling: the same
 * number of '/' (route_match consumes one of each per segment) and the pattern's literal text up
 * to its first {param}. Computed once at start; checking them is a byte compare, where calling
 * route_match on every row cost 16 % of a tracking poll (bench/results/perf-positions.md). */
typedef struct http__route_key {
    unsigned slashes;
    size_t prefix_len;
} http__route_key;

static unsigned count_slashes(const char *s) {
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '/';
    return n;
}

static lm_status route_keys_make(http_server *srv) {
    srv->route_keys = lm_calloc(srv->app.n_routes ? srv->app.n_routes : 1, sizeof *srv->route_keys);
    if (!srv->route_keys) return LM_NOMEM;
    for (size_t i = 0; i < srv->app.n_routes; i++) {
        const char *pat = srv->app.routes[i].pattern, *brace = strchr(pat, '{');
        srv->route_keys[i].slashes = count_slashes(pat);
        srv->route_keys[i].prefix_len = brace ? (size_t)(brace - pat) : strlen(pat);
    }
    return LM_OK;
}

/* Finds the route for method+path: LM_OK with its index, LM_NOT_FOUND, or LM_INVALID when the
 * path exists under other methods (405; *allow lists them). */
static lm_status route_find(const http_server *srv, http_req *r, const char *method,
                            const char *path, size_t *index, char *allow, size_t allow_size) {
    const http_app *app = &srv->app;
    bool path_known = false;
    allow[0] = '\0';
    unsigned slashes = count_slashes(path);
    size_t path_len = strlen(path);
    for (size_t i = 0; i < app->n_routes; i++) {
        const http__route_key *k = &srv->route_keys[i];
        if (k->slashes != slashes || k->prefix_len > path_len ||
            memcmp(app->routes[i].pattern, path, k->prefix_len) != 0)
            continue;
        if (!route_match(app->routes[i].pattern, path, r, false)) continue;
        if (!strcmp(app->routes[i].method, method)) {
            if (!route_match(app->routes[i].pattern, path, r, true)) return LM_NOMEM;
            *index = i;
            return LM_OK;
        }
        if (!strstr(allow, app->routes[i].method)) {
            size_t used = strlen(allow);
            snprintf(allow + used, allow_size - used, "%s%s", used ? ", " : "",
                     app->routes[i].method);
        }
        path_known = true;
    }
    return path_known ? LM_INVALID : LM_NOT_FOUND;
}

/* ---- Replies ---- */

static enum MHD_Result queue_reply(http__conn *c) {
    if (c->queued) return MHD_YES;
    http_req *r = &c->req;
    lm_status failed = r->replied ? LM_OK : c->early != LM_OK ? c->early : c->outcome;
    if (failed != LM_OK) {
        cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");
        if (e) {
            cJSON_AddStringToObject(e, "code", lm_status_name(failed));
            if (r->err.field[0])
                cJSON_AddStringToObject(e, "field", r->err.field);
            else
                cJSON_AddNullToObject(e, "field");
            cJSON_AddStringToObject(e, "message",
                                    r->err.message[0] ? r->err.message : lm_strerror(failed));
        }
        r->n_resp_headers = 0; /* a failed handler's headers (Location...) do not apply */
        if (failed == LM_UNAUTHORIZED &&
            http_reply_header(r, "WWW-Authenticate", "Bearer") != LM_OK)
            r->n_resp_headers = 0;
        if (http_reply_json(r, lm_status_http(failed), root) != LM_OK) {
            r->status = 500;
            r->resp_body = "{\"error\":{\"code\":\"nomem\",\"field\":null,\"message\":\"out of "
                           "memory\"}}";
            r->resp_len = strlen(r->resp_body);
            r->resp_type = "application/json";
        }
    } else if (!r->replied) {
        r->status = 204;
        r->resp_body = "";
        r->resp_len = 0;
        r->resp_type = NULL;
    }
    if (failed == LM_OK && r->shared) {
        enum MHD_Result ok = http__queue_shared(c->mhd, r->shared);
        c->queued = true;
        c->sent_status = r->status;
        return ok;
    }
    struct MHD_Response *resp = NULL;
    if (failed == LM_OK && r->stream_reader) {
        /* the reader owns its closure from here: libmicrohttpd calls stream_free at the end */
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, r->stream_reader,
                                                 r->stream_cls, r->stream_free);
        if (!resp) r->stream_free(r->stream_cls);
        r->stream_reader = NULL;
    } else {
        if (r->stream_reader) r->stream_free(r->stream_cls); /* a stream that became an error */
        r->stream_reader = NULL;
        resp = MHD_create_response_from_buffer(r->resp_len, (void *)r->resp_body,
                                               MHD_RESPMEM_MUST_COPY);
    }
    if (!resp) return MHD_NO;
    if (r->resp_type) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->resp_type);
    for (size_t i = 0; i < r->n_resp_headers; i++)
        MHD_add_response_header(resp, r->resp_headers[i][0], r->resp_headers[i][1]);
    enum MHD_Result ok = MHD_queue_response(c->mhd, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    c->queued = true;
    c->sent_status = r->status;
    return ok;
}

/* ---- Static files ---- */

static const char *content_type_for(const char *path) {
    static const char *const map[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".geojson", "application/geo+json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(dot, map[i][0])) return map[i][1];
    return "application/octet-stream";
}

/* True when path is one the static server may look up: absolute, no "..", no segment starting
 * with '.', no backslash, no empty segment, no control or non-ASCII byte (MHD has already
 * decoded %xx, so "%2e%2e" arrives as ".." and "%00" as 0x01, see unescape below). */
static bool static_path_ok(const char *path) {
    if (path[0] != '/') return false;
    for (const char *p = path; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch < 0x20 || ch >= 0x7f || ch == '\\') return false;
        if (ch == '/' && (p[1] == '/' || p[1] == '.')) return false;
    }
    return true;
}

/* Opens root/rel one component at a time with O_NOFOLLOW, so that no symlink anywhere under the
 * root is followed (a link to /etc/passwd or out of the tree is "not found"). -1 on any failure. */
static int open_beneath(const char *root, const char *rel) {
    int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return -1;
    char comp[256];
    const char *p = rel;
    while (*p == '/')
        p++;
    for (int depth = 0; *p && depth < 32; depth++) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || len >= sizeof comp) break;
        memcpy(comp, p, len);
        comp[len] = '\0';
        /* O_NONBLOCK: opening a FIFO planted in the root must not hang the worker */
        int fd =
            openat(dir, comp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (end ? O_DIRECTORY : O_NONBLOCK));
        close(dir);
        if (fd < 0 || !end) return fd;
        dir = fd;
        p = end + 1;
    }
    close(dir);
    return -1;
}

/* Serves GET path from the web root; LM_NOT_FOUND unless it names a regular file under the root
 * reached without following a symlink. */
static lm_status serve_static(http__conn *c, const char *path) {
    const char *root = c->srv->web_root;
    if (!root || !static_path_ok(path)) return LM_NOT_FOUND;
    /* a directory's page is its index.html ("/" the dashboard, "/driver/" the driver app) */
    char index_path[512];
    const char *rel = path;
    size_t len = strlen(path);
    if (path[len - 1] == '/') {
        if (len + sizeof "index.html" > sizeof index_path) return LM_NOT_FOUND;
        memcpy(index_path, path, len);
        memcpy(index_path + len, "index.html", sizeof "index.html");
        rel = index_path;
    }
    int fd = open_beneath(root, rel);
    if (fd < 0) return LM_NOT_FOUND;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_STATIC) {
        close(fd);
        return LM_NOT_FOUND;
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((size_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return LM_NOMEM;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type_for(rel));
    MHD_queue_response(c->mhd, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    c->queued = true;
    c->sent_status = 200;
    return LM_OK;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* libmicrohttpd's %xx decoding, except that a decoded NUL becomes 0x01: a "%00" must not end a
 * path or a query value early (".../index.html%00.png" read as ".../index.html"); as a control
 * byte it is refused like any other. Used for paths and query arguments. */
static size_t unescape(void *cls, struct MHD_Connection *mhd, char *s) {
    (void)cls;
    (void)mhd;
    char *w = s;
    for (const char *r = s; *r;) {
        int hi, lo;
        if (r[0] == '%' && (hi = hex_digit(r[1])) >= 0 && (lo = hex_digit(r[2])) >= 0) {
            unsigned char ch = (unsigned char)(hi * 16 + lo);
            *w++ = (char)(ch ? ch : 0x01);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* ---- The request ---- */

static bool has_body(struct MHD_Connection *mhd) {
    const char *cl = MHD_lookup_connection_value(mhd, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(mhd, MHD_HEADER_KIND, "Transfer-Encoding");
    return te || (cl && strcmp(cl, "0"));
}

/* The name of the role bits in roles (the first set), for messages. */
static const char *role_name(const http_app *app, unsigned roles) {
    for (unsigned i = 0; i < HTTP_MAX_ROLES; i++)
        if (roles & (1u << i)) return app->role_names[i] ? app->role_names[i] : "?";
    return "?";
}

/* Authenticates the request against the route's roles through the app's callback; sets
 * r->role, key_id, subject. */
static lm_status authenticate(http__conn *c) {
    http_req *r = &c->req;
    const http_app *app = &c->srv->app;
    if (r->route->roles == HTTP_PUBLIC) return LM_OK;
    const char *h = http_header(r, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7))
        return http_error(r, LM_UNAUTHORIZED, "Authorization",
                          "send the API key as 'Authorization: Bearer <key>'");
    const char *key = h + 7;
    while (*key == ' ')
        key++;
    http_identity who;
    memset(&who, 0, sizeof who);
    lm_status rc = app->auth ? app->auth(app->ctx, key, &who, &r->err) : LM_UNAUTHORIZED;
    if (rc == LM_UNAUTHORIZED)
        return http_error(r, LM_UNAUTHORIZED, "Authorization", "unknown or revoked API key");
    if (rc != LM_OK) {
        if (!r->err.message[0]) http_error(r, rc, "", "could not check the API key");
        return rc;
    }
    r->role = who.role;
    lm_strlcpy(r->key_id, who.key_id, sizeof r->key_id);
    lm_strlcpy(r->subject, who.subject, sizeof r->subject);
    if (!(r->role & app->superuser) && !(r->route->roles & r->role))
        return http_error(r, LM_FORBIDDEN, "", "a %s key may not call %s %s",
                          role_name(app, r->role), r->route->method, r->route->pattern);
    return LM_OK;
}

static http__conn *conn_new(http_server *srv, struct MHD_Connection *mhd, const char *url,
                            const char *method) {
    http__conn *c = http__conn_get(srv, REQ_ARENA_CAP);
    if (!c) return NULL;
    c->srv = srv;
    c->mhd = mhd;
    c->t0_ns = lm_mono_ns();
    c->route_index = srv->app.n_routes;
    lm_buf_init(&c->body, srv->opts.max_body_bytes);
    http_req *r = &c->req;
    r->conn = c;
    r->app = srv->app.ctx;
    r->method = lm_arena_strndup(r->arena, method, strlen(method));
    r->path = lm_arena_strndup(r->arena, url, strlen(url));
    if (!r->method || !r->path) {
        c->early = http_error(r, LM_NOMEM, "", "out of memory");
        return c;
    }

    for (const char *p = url; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            c->early = http_error(r, LM_INVALID, "path", "the path contains a control byte");
            return c;
        }
    char allow[64];
    lm_status rc = route_find(srv, r, method, url, &c->route_index, allow, sizeof allow);
    /* "/" may have a POST route (the vroom-express endpoint) and still be the web root's page */
    if (rc == LM_INVALID && !strcmp(url, "/") &&
        (!strcmp(method, "GET") || !strcmp(method, "HEAD")))
        rc = LM_NOT_FOUND;
    if (rc == LM_NOT_FOUND) {
        c->early = http_error(r, LM_NOT_FOUND, "path", "no route for %s %s", method, url);
        return c;
    }
    if (rc == LM_INVALID) {
        /* 405 has no code of its own in the error table: reply it directly */
        if (http_reply_header(r, "Allow", allow) != LM_OK) {
            c->early = http_error(r, LM_NOMEM, "", "out of memory");
            return c;
        }
        char msg[160];
        int n = snprintf(msg, sizeof msg,
                         "{\"error\":{\"code\":\"method_not_allowed\",\"field\":\"method\","
                         "\"message\":\"%s is not allowed here; use %s\"}}",
                         strcmp(method, "GET") && strcmp(method, "POST") && strcmp(method, "PUT") &&
                                 strcmp(method, "PATCH") && strcmp(method, "DELETE")
                             ? "this method"
                             : method,
                         allow);
        if (n < 0 || (size_t)n >= sizeof msg ||
            http_reply_text(r, 405, "application/json", msg, (size_t)n) != LM_OK)
            c->early = http_error(r, LM_NOMEM, "", "out of memory");
        else
            c->early = LM_INVALID; /* marks "reply is ready" */
        return c;
    }
    if (rc != LM_OK) {
        c->early = http_error(r, rc, "", "out of memory");
        return c;
    }
    r->route = &srv->app.routes[c->route_index];
    if ((c->early = authenticate(c)) != LM_OK) return c;

    const char *cl = MHD_lookup_connection_value(mhd, MHD_HEADER_KIND, "Content-Length");
    int64_t declared = 0;
    if (cl && lm_parse_i64(cl, 0, INT64_MAX, &declared) &&
        (uint64_t)declared > srv->opts.max_body_bytes)
        c->early = http_error(r, LM_TOO_BIG, "body", "request body of %lld bytes exceeds %zu",
                              (long long)declared, srv->opts.max_body_bytes);
    return c;
}

/* The offset of the first "\u0000" escape in a JSON text, or len. cJSON decodes it into a NUL
 * that cuts the string short without a word ("a\u0000b" would be stored as "a"), so the edge
 * refuses it before parsing, as fmt_json_parse does for the codecs. */
static size_t nul_escape_at(const char *s, size_t len) {
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] != '\\') continue;
        if (s[i + 1] == 'u' && i + 5 < len && !memcmp(s + i + 2, "0000", 4)) return i;
        i++; /* skip the escaped character: in "\\u0000" the escape is a backslash, then text */
    }
    return len;
}

/* Final call: parse the body at the edge and run the handler. */
static void conn_run(http__conn *c) {
    http_req *r = &c->req;
    if (c->body.len) {
        r->body = c->body.data;
        r->body_len = c->body.len;
    }
    if (r->body && !(r->route->flags & HTTP_RAW_BODY)) {
        size_t nul = nul_escape_at(r->body, r->body_len);
        if (nul < r->body_len) {
            c->outcome = http_error(r, LM_INVALID, "body",
                                    "a string holds a \\u0000 (NUL) escape at byte %zu", nul);
            return;
        }
        const char *end = NULL;
        r->json = cJSON_ParseWithLengthOpts(r->body, r->body_len, &end, false);
        if (r->json && end) {
            while (end < r->body + r->body_len &&
                   (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
                end++;
        }
        if (!r->json || !end || end != r->body + r->body_len) {
            size_t at = end ? (size_t)(end - r->body) : 0;
            if (!r->json) {
                const char *e = cJSON_GetErrorPtr();
                at = e && e >= r->body && e <= r->body + r->body_len ? (size_t)(e - r->body) : 0;
            }
            c->outcome = http_error(r, LM_INVALID, "body", "malformed JSON near byte %zu", at);
            return;
        }
    }
    lm_status rc = r->route->handler(r);
    if (rc != LM_OK) {
        /* the returned code decides the status; the details stay if the handler gave some */
        r->replied = false;
        r->err.code = rc;
        c->outcome = rc;
        if (!r->err.message[0]) lm_strlcpy(r->err.message, lm_strerror(rc), sizeof r->err.message);
    }
}

/* The guard's slot of a connection (its socket context), NULL when untracked. */
static void *guard_slot(struct MHD_Connection *mhd) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *mhd, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls) {
    (void)version;
    http_server *srv = cls;
    http__conn *c = *con_cls;
    if (!c) {
        atomic_fetch_add(&srv->in_flight, 1);
        c = conn_new(srv, mhd, url, method);
        if (!c) {
            atomic_fetch_sub(&srv->in_flight, 1);
            return MHD_NO;
        }
        *con_cls = c;
        /* the head is complete: from here the body's deadline runs */
        http__guard_phase(srv->guard, guard_slot(mhd), HTTP__PHASE_BODY, false, c->t0_ns);
        if (c->early != LM_OK && has_body(mhd)) return queue_reply(c);
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* a slow body is cut off as soon as its deadline passes, not only at the reaper's tick */
        if (http__guard_body_late(srv->guard, guard_slot(mhd), lm_mono_ns())) return MHD_NO;
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        c->bytes_in += n;
        if (c->early != LM_OK || c->queued) {
            /* libmicrohttpd 0.9.75 drops a reply queued mid-upload, so an oversize body is read
             * and discarded up to a bound, then answered; past the bound the peer is cut off */
            return c->bytes_in > 4 * srv->opts.max_body_bytes + 65536 ? MHD_NO : MHD_YES;
        }
        lm_status rc = lm_buf_append(&c->body, upload_data, n);
        if (rc != LM_OK) {
            c->early = http_error(&c->req, rc, "body", "request body exceeds %zu bytes",
                                  srv->opts.max_body_bytes);
            lm_buf_free(&c->body);
        }
        return MHD_YES;
    }
    if (c->queued) return MHD_YES;
    if (c->deferred) return defer_reply(c); /* resumed after the other thread finished */
    http__guard_phase(srv->guard, guard_slot(mhd), HTTP__PHASE_BUSY, false, lm_mono_ns());
    if (c->early == LM_NOT_FOUND && (!strcmp(method, "GET") || !strcmp(method, "HEAD")) &&
        serve_static(c, url) == LM_OK)
        return MHD_YES;
    if (c->early == LM_OK) conn_run(c);
    if (c->deferred && c->outcome == LM_OK) return defer_reply(c);
    return queue_reply(c);
}

static enum MHD_Result defer_reply(http__conn *c) {
    pthread_mutex_lock(&c->srv->defer_mu);
    if (!c->defer_done) {
        MHD_suspend_connection(c->mhd);
        c->suspended = true;
        pthread_mutex_unlock(&c->srv->defer_mu);
        return MHD_YES;
    }
    lm_status st = c->defer_st;
    pthread_mutex_unlock(&c->srv->defer_mu);
    if (st == LM_OK && c->defer_finish) {
        http_req *r = &c->req;
        lm_status rc = c->defer_finish(r);
        c->defer_finish = NULL;
        if (rc != LM_OK) {
            r->replied = false;
            r->err.code = rc;
            c->outcome = rc;
            if (!r->err.message[0])
                lm_strlcpy(r->err.message, lm_strerror(rc), sizeof r->err.message);
        }
        return queue_reply(c);
    }
    if (st != LM_OK) {
        http_req *r = &c->req;
        r->replied = false;
        r->err = c->defer_err;
        r->err.code = st;
        if (!r->err.message[0]) lm_strlcpy(r->err.message, lm_strerror(st), sizeof r->err.message);
        c->outcome = st;
    }
    return queue_reply(c);
}

/* ---- Completion: log, metrics, free ---- */

/* The access line of a finished request: its level from the status, dropped below its route's
 * threshold, info lines sampled one in N per route (decided here, so that the ring only ever
 * holds lines that will be written). */
static void log_request(http__conn *c, int64_t end_ns, bool aborted) {
    http_server *srv = c->srv;
    if (!srv->log) return;
    http_log_level level = aborted || c->sent_status >= 500 ? HTTP_LOG_ERROR
                           : c->sent_status >= 400          ? HTTP_LOG_WARN
                                                            : HTTP_LOG_INFO;
    size_t ri = c->route_index <= srv->app.n_routes ? c->route_index : srv->app.n_routes;
    if (level < srv->log_level[ri]) return;
    unsigned sample = http_log_sample(srv->log);
    if (level == HTTP_LOG_INFO && sample > 1 &&
        atomic_fetch_add(&srv->log_seen[ri], 1) % sample != 0)
        return;
    http_req *r = &c->req;
    http_log_access_rec a = {.method = r->method,
                             .path = r->path,
                             .route = r->route ? r->route->pattern : NULL,
                             .key_id = r->key_id,
                             .status = c->sent_status,
                             .duration_us = (end_ns - c->t0_ns) / 1000,
                             .end_ns = end_ns,
                             .bytes_in = c->bytes_in,
                             .aborted = aborted,
                             .sample = level == HTTP_LOG_INFO ? sample : 1};
    http_log_access(srv->log, level, &a);
}

static void on_completed(void *cls, struct MHD_Connection *mhd, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    http_server *srv = cls;
    http__conn *c = *con_cls;
    if (!c) return;
    *con_cls = NULL;
    /* back to waiting for a head (keep-alive); a valid key protects the connection from shedding
     * (r->key_id is set only once the key checked out) */
    int64_t end_ns = lm_mono_ns();
    http__guard_phase(srv->guard, guard_slot(mhd), HTTP__PHASE_HEAD, c->req.key_id[0] != '\0',
                      end_ns);
    if (c->deferred) { /* the thread that resumed us may still hold the lock: let it leave */
        pthread_mutex_lock(&srv->defer_mu);
        pthread_mutex_unlock(&srv->defer_mu);
    }
    http__stats_observe(srv->metrics, c->route_index, c->sent_status, (end_ns - c->t0_ns) / 1000);
    log_request(c, end_ns, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
    cJSON_Delete(c->req.json);
    http_shared_reply_unref(c->req.shared);
    http__conn_put(srv, c);
    atomic_fetch_sub(&srv->in_flight, 1);
}

/* ---- Start / stop ---- */

static void on_connection(void *cls, struct MHD_Connection *mhd, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
    http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&srv->open_conns, 1);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = NULL;
        if (ci) http__guard_opened(srv->guard, ci->connect_fd, lm_mono_ns(), socket_context);
    } else {
        atomic_fetch_sub(&srv->open_conns, 1);
        http__guard_closed(srv->guard, *socket_context);
        *socket_context = NULL;
    }
}

void http_server_conn_stats(const http_server *srv, http_conn_stats *out) {
    http__guard_stats g;
    http__guard_stats_get(srv->guard, &g);
    *out = (http_conn_stats){.open = g.live,
                             .peak = g.peak,
                             .accepted = g.accepted,
                             .closed_header = g.closed_head,
                             .closed_body = g.closed_body,
                             .shed = g.shed};
}

void http_server_opts_init(http_server_opts *o) {
    o->bind_addr = "127.0.0.1";
    o->port = 8080;
    o->threads = 2;
    o->max_body_bytes = (size_t)1 << 20;
    o->web_root = NULL;
    o->log_fd = 2;
    o->log_level = HTTP_LOG_INFO;
    o->log_routes = NULL;
    o->log_sample = 1;
    o->epoll = false;
    o->max_conns = 1024;
    o->reserve_conns = 64;
    o->max_conns_per_ip = 128;
    o->header_timeout_s = 10;
    o->body_timeout_s = 30;
    o->idle_timeout_s = 60;
}

static void server_free(http_server *srv) {
    http_log_destroy(srv->log); /* after the daemon: every completed request's line is queued */
    lm_free(srv->log_level);
    lm_free(srv->log_seen);
    lm_free(srv->route_keys);
    http__guard_destroy(srv->guard);
    pthread_mutex_destroy(&srv->defer_mu);
    http__conn_pool_drain(srv);
    pthread_mutex_destroy(&srv->pool_mu);
    http__stats_destroy(srv->metrics);
    lm_free(srv->bind_addr);
    lm_free(srv->web_root);
    lm_free(srv);
}

/* The request log and each route's threshold, resolved once here so that a request reads one
 * array entry. No log at all when log_fd < 0. */
static lm_status log_start(http_server *srv, lm_errinfo *err) {
    const http_server_opts *o = &srv->opts;
    if (o->log_fd < 0) return LM_OK;
    http_log_opts lo;
    http_log_opts_init(&lo);
    lo.fd = o->log_fd;
    lo.level = o->log_level;
    lo.routes = o->log_routes;
    lo.sample = o->log_sample;
    lm_status rc = http_log_create(&lo, &srv->log, err);
    if (rc != LM_OK) return rc;
    size_t n = srv->app.n_routes + 1;
    srv->log_level = lm_calloc(n, sizeof *srv->log_level);
    srv->log_seen = lm_calloc(n, sizeof *srv->log_seen);
    if (!srv->log_level || !srv->log_seen)
        return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    for (size_t i = 0; i < srv->app.n_routes; i++)
        srv->log_level[i] =
            http_log_route_level(srv->log, srv->app.routes[i].method, srv->app.routes[i].pattern);
    srv->log_level[n - 1] = o->log_level;
    return LM_OK;
}

lm_status http_server_start(const http_server_opts *o, const http_app *app, http_server **out,
                            lm_errinfo *err) {
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(o->port);
    if (!o->bind_addr || inet_pton(AF_INET, o->bind_addr, &addr.sin_addr) != 1)
        return lm_errinfo_set(err, LM_INVALID, "bind", "'%s' is not an IPv4 address",
                              o->bind_addr ? o->bind_addr : "");
    if (o->threads < 1 || o->threads > 256)
        return lm_errinfo_set(err, LM_INVALID, "threads", "threads must be 1..256");
    if (o->max_body_bytes < 1)
        return lm_errinfo_set(err, LM_INVALID, "max_body_bytes", "body limit must be > 0");
    if (o->max_conns < 1 || o->reserve_conns >= o->max_conns)
        return lm_errinfo_set(err, LM_INVALID, "reserve_conns",
                              "max_conns must be > 0 and reserve_conns below it (%u, %u)",
                              o->max_conns, o->reserve_conns);
    http_server *srv = lm_calloc(1, sizeof *srv);
    if (!srv) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    srv->app = *app;
    srv->opts = *o;
    atomic_init(&srv->in_flight, 0);
    atomic_init(&srv->open_conns, 0);
    pthread_mutex_init(&srv->defer_mu, NULL);
    pthread_mutex_init(&srv->pool_mu, NULL);
    lm_status rc = LM_NOMEM;
    if (!(srv->bind_addr = lm_strdup(o->bind_addr))) goto fail;
    if (o->web_root && !(srv->web_root = lm_strdup(o->web_root))) goto fail;
    srv->opts.bind_addr = srv->bind_addr;
    srv->opts.web_root = srv->web_root;
    if ((rc = http__stats_create(app->n_routes, &srv->metrics)) != LM_OK) goto fail;
    if ((rc = route_keys_make(srv)) != LM_OK) goto fail;
    if ((rc = log_start(srv, err)) != LM_OK) {
        server_free(srv);
        return rc;
    }
    http__guard_opts go = {.max_conns = o->max_conns,
                           .reserve = o->reserve_conns,
                           .header_timeout_s = o->header_timeout_s,
                           .body_timeout_s = o->body_timeout_s,
                           .tick_ms = 200};
    if ((rc = http__guard_create(&go, &srv->guard)) != LM_OK) goto fail;

    /* epoll is libmicrohttpd's fastest loop, but 0.9.75 stalls for seconds whenever 128 or more
     * connections of one thread are ready at once (its epoll batch is 128 events, edge-triggered:
     * measured here, 30k req/s at 127 wrk connections, ~100 req/s at 128). poll() has no such
     * cliff and costs little at these connection counts, so it is the default. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME |
                     (srv->opts.epoll ? MHD_USE_EPOLL : MHD_USE_POLL);
    srv->daemon = MHD_start_daemon(
        flags, o->port, NULL, NULL, on_access, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        srv, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)o->threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)o->idle_timeout_s, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)o->max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)o->max_conns_per_ip,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024, MHD_OPTION_UNESCAPE_CALLBACK, unescape,
        NULL, MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP__CONN_MEMORY_BYTES, MHD_OPTION_END);
    if (!srv->daemon) {
        rc = lm_errinfo_set(err, LM_UNAVAILABLE, "port",
                            "cannot listen on %s:%u (in use, or not allowed)", o->bind_addr,
                            (unsigned)o->port);
        server_free(srv);
        return rc;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : o->port;
    *out = srv;
    return LM_OK;
fail:
    lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    server_free(srv);
    return rc;
}

uint16_t http_server_port(const http_server *srv) {
    return srv->port;
}

void http_server_quiesce(http_server *srv) {
    if (!srv || srv->quiesced) return;
    srv->quiesced = true;
    /* stop accepting: new connections are refused while in-flight requests finish */
    MHD_socket ls = MHD_quiesce_daemon(srv->daemon);
    if (ls != MHD_INVALID_SOCKET) close(ls);
}

void http_server_stop(http_server *srv, int drain_ms) {
    if (!srv) return;
    http_server_quiesce(srv);
    int64_t t0 = lm_mono_ns(), deadline = t0 + (int64_t)drain_ms * 1000000;
    /* done when nothing is in flight and either no connection is open or the open ones had
     * 200 ms to start a request (a connection accepted just before the quiesce is served; idle
     * keep-alive connections do not hold the shutdown) */
    for (int64_t now = t0; now < deadline; now = lm_mono_ns()) {
        if (atomic_load(&srv->in_flight) == 0 &&
            (atomic_load(&srv->open_conns) == 0 || now - t0 >= 200 * 1000000LL))
            break;
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(srv->daemon);
    server_free(srv);
}
