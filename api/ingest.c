/* api/ingest.c: the HTTP side of position ingest: OsmAnd records handed to dispatch's ingest
 * (dispatch/ingest.h), and the OsmAnd listener on its own port.
 *
 * The listener suspends each connection until its positions have committed and resumes it from
 * the ingest writer's completion (libmicrohttpd with MHD_ALLOW_SUSPEND_RESUME; the reply is
 * queued on a later access call, never the first: reference/http-ingest-notes.md). */
#include "api/live.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define OSMAND_BODY_MAX  ((size_t)256 << 10)
#define OSMAND_MAX_PAIRS 64

/* ---- OsmAnd records to dispatch ingest ---- */

static void pos_convert(const fmt_osmand_pos *in, size_t n, dispatch_position *out) {
    for (size_t i = 0; i < n; i++) {
        lm_strlcpy(out[i].device_id, in[i].device_id, sizeof out[i].device_id);
        out[i].lat = in[i].lat;
        out[i].lon = in[i].lon;
        out[i].time_ms = in[i].time_ms;
        out[i].speed_mps = in[i].speed_mps;
        out[i].heading_deg = in[i].heading_deg;
        out[i].altitude_m = in[i].altitude_m;
        out[i].accuracy_m = in[i].accuracy_m;
        out[i].battery_pct = in[i].battery_pct;
        out[i].charging = in[i].charging;
    }
}

lm_status api__ingest_submit(api__ingest *g, const fmt_osmand_pos *pos, size_t n,
                             const char *driver_id, dispatch_ingest_done done, void *ctx) {
    if (n == 0 || n > DISPATCH_INGEST_MAX_BATCH) return LM_INVALID;
    dispatch_position few[16], *dp = few;
    if (n > 16 && !(dp = lm_calloc(n, sizeof *dp))) return LM_NOMEM;
    pos_convert(pos, n, dp);
    lm_status rc = dispatch_ingest_submit(g, dp, n, driver_id, done, ctx);
    if (dp != few) lm_free(dp);
    return rc;
}

/* ---- The OsmAnd listener (any path, GET or POST) ---- */

struct api__osmand_listener {
    dispatch_ingest *ingest;
    struct MHD_Daemon *daemon;
    uint16_t port;
};

typedef struct osm_req {
    api__osmand_listener *ls;
    struct MHD_Connection *mhd;
    lm_buf body;
    bool too_big;
    pthread_mutex_t mu; /* guards submitted/suspended/done against the writer's callback */
    bool submitted, suspended, done;
    int status;
    char msg[400];
} osm_req;

static void osm_done(void *ctx, lm_status st, const lm_errinfo *err) {
    osm_req *r = ctx;
    pthread_mutex_lock(&r->mu);
    r->done = true;
    r->status = st == LM_OK ? 200 : lm_status_http(st);
    if (st != LM_OK)
        snprintf(r->msg, sizeof r->msg, "%s: %s\n", err && err->field[0] ? err->field : "error",
                 err && err->message[0] ? err->message : lm_strerror(st));
    if (r->suspended) MHD_resume_connection(r->mhd);
    pthread_mutex_unlock(&r->mu);
}

static enum MHD_Result osm_queue(osm_req *r) {
    /* 200 has an empty body (the apps read nothing); errors say why in plain text */
    size_t len = r->status == 200 ? 0 : strlen(r->msg);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, r->msg, MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    if (len) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    enum MHD_Result ok = MHD_queue_response(r->mhd, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

typedef struct kv_list {
    fmt_osmand_kv kv[OSMAND_MAX_PAIRS];
    size_t n;
} kv_list;

static enum MHD_Result kv_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value) {
    (void)kind;
    kv_list *l = cls;
    if (l->n == OSMAND_MAX_PAIRS) return MHD_NO;
    l->kv[l->n].key = key;
    l->kv[l->n].value = value ? value : "";
    l->n++;
    return MHD_YES;
}

/* Parses and submits; on an immediate answer sets status/msg and returns false. */
static bool osm_submit(osm_req *r) {
    kv_list kv;
    kv.n = 0;
    MHD_get_connection_values(r->mhd, MHD_GET_ARGUMENT_KIND, kv_collect, &kv);
    const char *ct =
        MHD_lookup_connection_value(r->mhd, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    fmt_osmand_pos pos[16];
    fmt_osmand_pos *many = NULL;
    size_t n = 0;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status rc = fmt_osmand_parse(kv.kv, kv.n, ct, r->body.data, r->body.len, pos, 16, &n, &err);
    if (rc == LM_TOO_BIG) { /* a big JSON batch: parse again with room for the largest */
        many = lm_calloc(FMT_OSMAND_MAX_BATCH, sizeof *many);
        if (!many) {
            rc = LM_NOMEM;
        } else {
            lm_errinfo_clear(&err);
            rc = fmt_osmand_parse(kv.kv, kv.n, ct, r->body.data, r->body.len, many,
                                  FMT_OSMAND_MAX_BATCH, &n, &err);
        }
    }
    if (rc == LM_OK) {
        pthread_mutex_lock(&r->mu);
        r->submitted = true;
        pthread_mutex_unlock(&r->mu);
        rc = api__ingest_submit(r->ls->ingest, many ? many : pos, n, NULL, osm_done, r);
        if (rc != LM_OK) {
            r->submitted = false;
            lm_errinfo_set(&err, rc, "", "the position queue is full or stopping; retry");
        }
    }
    lm_free(many);
    if (rc == LM_OK) return true;
    r->status = lm_status_http(rc);
    snprintf(r->msg, sizeof r->msg, "%s: %s\n", err.field[0] ? err.field : "error",
             err.message[0] ? err.message : lm_strerror(rc));
    return false;
}

static enum MHD_Result osm_access(void *cls, struct MHD_Connection *mhd, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    (void)url;
    (void)version;
    osm_req *r = *con_cls;
    if (!r) {
        if (strcmp(method, "GET") && strcmp(method, "POST") && strcmp(method, "HEAD"))
            return MHD_NO;
        r = lm_calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        r->ls = cls;
        r->mhd = mhd;
        lm_buf_init(&r->body, OSMAND_BODY_MAX);
        pthread_mutex_init(&r->mu, NULL);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->too_big && lm_buf_append(&r->body, upload_data, *upload_data_size) != LM_OK) {
            r->too_big = true;
            lm_buf_free(&r->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&r->mu);
    bool done = r->done, submitted = r->submitted;
    pthread_mutex_unlock(&r->mu);
    if (done) return osm_queue(r);
    if (submitted) return MHD_YES; /* still waiting for the commit */
    if (r->too_big) {
        r->status = 413;
        snprintf(r->msg, sizeof r->msg, "body: larger than %zu bytes\n", OSMAND_BODY_MAX);
        return osm_queue(r);
    }
    if (!osm_submit(r)) return osm_queue(r);
    pthread_mutex_lock(&r->mu);
    if (!r->done) {
        MHD_suspend_connection(mhd);
        r->suspended = true;
        pthread_mutex_unlock(&r->mu);
        return MHD_YES;
    }
    pthread_mutex_unlock(&r->mu);
    return osm_queue(r);
}

static void osm_completed(void *cls, struct MHD_Connection *mhd, void **con_cls,
                          enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)mhd;
    (void)toe;
    osm_req *r = *con_cls;
    if (!r) return;
    *con_cls = NULL;
    /* the writer may still be inside osm_done after resuming us: wait for it to leave */
    pthread_mutex_lock(&r->mu);
    pthread_mutex_unlock(&r->mu);
    pthread_mutex_destroy(&r->mu);
    lm_buf_free(&r->body);
    lm_free(r);
}

lm_status api__osmand_listen(dispatch_ingest *g, const char *bind_addr, int port,
                             api__osmand_listener **out, lm_errinfo *err) {
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (!bind_addr || inet_pton(AF_INET, bind_addr, &addr.sin_addr) != 1)
        return lm_errinfo_set(err, LM_INVALID, "bind", "'%s' is not an IPv4 address",
                              bind_addr ? bind_addr : "");
    api__osmand_listener *ls = lm_calloc(1, sizeof *ls);
    if (!ls) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    ls->ingest = g;
    /* one polling thread: on a shared core it beats a pool (http-ingest-notes.md); poll(), not
     * epoll: libmicrohttpd 0.9.75's epoll loop stalls once 128 connections are ready at once
     * (api/server.c), and the ingest benchmark runs 128 */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
    ls->daemon = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, osm_access, ls, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, osm_completed, ls,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned int)1024, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4000, MHD_OPTION_END);
    if (!ls->daemon) {
        lm_free(ls);
        return lm_errinfo_set(err, LM_UNAVAILABLE, "osmand_port",
                              "cannot listen for OsmAnd on %s:%d (in use, or not allowed)",
                              bind_addr, port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(ls->daemon, MHD_DAEMON_INFO_BIND_PORT);
    ls->port = info ? info->port : (uint16_t)port;
    *out = ls;
    return LM_OK;
}

void api__osmand_quiesce(api__osmand_listener *ls) {
    if (!ls) return;
    MHD_socket fd = MHD_quiesce_daemon(ls->daemon);
    if (fd != MHD_INVALID_SOCKET) close(fd);
}

void api__osmand_close(api__osmand_listener *ls) {
    if (!ls) return;
    MHD_stop_daemon(ls->daemon);
    lm_free(ls);
}

uint16_t api__osmand_listener_port(const api__osmand_listener *ls) {
    return ls ? ls->port : 0;
}
