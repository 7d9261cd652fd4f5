/* tests/support/hook_receiver.c: the in-test webhook receiver (tests/support/hook_receiver.h). */
#include "tests/support/hook_receiver.h"

#include "events/webhooks.h"

#include <cjson/cJSON.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct rq {
    lm_buf body;
} rq;

static void got_fill(hook_got *g, const lm_buf *body, bool sig_ok) {
    cJSON *j = cJSON_ParseWithLength(body->data, body->len);
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(j, "seq");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
    g->seq = cJSON_IsNumber(seq) ? (int64_t)seq->valuedouble : -1;
    lm_strlcpy(g->type, cJSON_IsString(type) ? type->valuestring : "", sizeof g->type);
    g->sig_ok = sig_ok;
    cJSON_Delete(j);
}

/* Holds a /slow request while r->hold is set, at most 60 s (never forever); r->mu held. */
static void hold_slow(hook_receiver *r) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60;
    r->held++;
    while (r->hold)
        if (pthread_cond_timedwait(&r->cv, &r->mu, &until) != 0) break;
    r->held--;
}

/* Records one complete delivery and picks its status; r->mu held. */
static unsigned record(hook_receiver *r, const char *url, const char *sig, const char *auth,
                       const lm_buf *body) {
    lm_errinfo err;
    bool sig_ok =
        events_signature_verify(r->secret, sig, body->data ? body->data : "", body->len,
                                (int64_t)time(NULL), /* timing-ok: now, as a receiver does */
                                EVENTS_SIG_TOLERANCE_S, &err) == LM_OK;
    if (!strcmp(url, "/other")) return 200; /* the short-lived second webhook: not recorded */
    if (!strcmp(url, "/redirect")) {
        r->redirects++;
        return 302;
    }
    lm_strlcpy(r->last_sig, sig ? sig : "", sizeof r->last_sig);
    lm_strlcpy(r->last_auth, auth ? auth : "", sizeof r->last_auth);
    snprintf(r->last_body, sizeof r->last_body, "%.*s", (int)body->len,
             body->data ? body->data : "");
    if (!strncmp(url, "/n/", 3)) {
        int64_t k = -1;
        if (lm_parse_i64(url + 3, 0, HOOK_RECEIVER_PATHS - 1, &k) && sig_ok)
            r->path_count[k]++;
        else
            r->path_bad++;
        return 200;
    }
    if (!strncmp(url, "/slow", 5)) {
        hold_slow(r);
        if (r->n_slow < HOOK_RECEIVER_MAX) got_fill(&r->slow_got[r->n_slow++], body, sig_ok);
        return 200;
    }
    r->attempts++;
    if (r->down) return 503;
    if (r->fail_next > 0) {
        r->fail_next--;
        return 500;
    }
    if (r->n_got < HOOK_RECEIVER_MAX) got_fill(&r->got[r->n_got++], body, sig_ok);
    return 200;
}

static enum MHD_Result on_req(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **con_cls) {
    (void)method;
    (void)version;
    hook_receiver *r = cls;
    rq *q = *con_cls;
    if (!q) {
        q = calloc(1, sizeof *q);
        if (!q) return MHD_NO;
        lm_buf_init(&q->body, 1 << 20);
        *con_cls = q;
        return MHD_YES;
    }
    if (*size) {
        if (lm_buf_append(&q->body, data, *size) != LM_OK) return MHD_NO;
        *size = 0;
        return MHD_YES;
    }
    const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Lastmile-Signature");
    pthread_mutex_lock(&r->mu);
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    unsigned status = record(r, url, sig, auth, &q->body);
    pthread_mutex_unlock(&r->mu);
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    if (status == 302) MHD_add_response_header(resp, "Location", "/hook");
    enum MHD_Result ok = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    rq *q = *con_cls;
    if (!q) return;
    lm_buf_free(&q->body);
    free(q);
    *con_cls = NULL;
}

int hook_receiver_start(hook_receiver *r, const char *secret) {
    memset(r, 0, sizeof *r);
    lm_strlcpy(r->secret, secret, sizeof r->secret);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    /* 127.0.0.1 only (not every loopback address): a delivery pinned to another address fails,
     * which the pinning test relies on */
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* a thread per connection: a held /slow request must not stop the others being answered */
    r->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL, 0, NULL,
        NULL, on_req, r, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_CONNECTION_LIMIT,
        64u, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
    if (!r->d) return -1;
    r->port = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

void hook_receiver_hold(hook_receiver *r, bool hold) {
    pthread_mutex_lock(&r->mu);
    r->hold = hold;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

void hook_receiver_stop(hook_receiver *r) {
    hook_receiver_hold(r, false);
    if (r->d) MHD_stop_daemon(r->d);
    r->d = NULL;
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
}

bool hook_receiver_wait(hook_receiver *r, int64_t seq) {
    for (int i = 0; i < 300; i++) {
        pthread_mutex_lock(&r->mu);
        bool found = false;
        for (int k = 0; k < r->n_got && !found; k++)
            found = r->got[k].seq == seq;
        pthread_mutex_unlock(&r->mu);
        if (found) return true;
        usleep(50 * 1000); /* timing-ok: poll, 15 s deadline */
    }
    return false;
}
