/* api/http/shared_reply.c: a reply made once and sent to many requests (http.h, "Shared
 * replies"). libmicrohttpd counts the queued uses of a response itself; the count here is the
 * holders' (the tracking snapshot's slot, each request between its handler and its queueing), so
 * the slot can replace its reply while a request still holds the old one. */
#include "api/http/internal.h"

#include <stdatomic.h>

struct http_shared_reply {
    atomic_int refs;
    int status;
    size_t len;
    struct MHD_Response *resp;
};

lm_status http_shared_reply_new(int status, const char *content_type, const char *body, size_t len,
                                const char *const headers[][2], size_t n_headers,
                                http_shared_reply **out) {
    *out = NULL;
    http_shared_reply *s = lm_calloc(1, sizeof *s);
    if (!s) return LM_NOMEM;
    s->resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!s->resp) {
        lm_free(s);
        return LM_NOMEM;
    }
    bool ok = !content_type || MHD_add_response_header(s->resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                                       content_type) == MHD_YES;
    for (size_t i = 0; ok && i < n_headers; i++)
        ok = MHD_add_response_header(s->resp, headers[i][0], headers[i][1]) == MHD_YES;
    if (!ok) {
        MHD_destroy_response(s->resp);
        lm_free(s);
        return LM_NOMEM;
    }
    atomic_init(&s->refs, 1);
    s->status = status;
    s->len = len;
    *out = s;
    return LM_OK;
}

void http_shared_reply_ref(http_shared_reply *s) {
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void http_shared_reply_unref(http_shared_reply *s) {
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
    MHD_destroy_response(s->resp); /* libmicrohttpd frees it once no connection sends it */
    lm_free(s);
}

void http_reply_shared(http_req *r, http_shared_reply *s) {
    http_shared_reply_ref(s);
    http_shared_reply_unref(r->shared);
    r->shared = s;
    r->status = s->status;
    r->resp_len = s->len;
    r->replied = true;
}

enum MHD_Result http__queue_shared(struct MHD_Connection *mhd, http_shared_reply *s) {
    return MHD_queue_response(mhd, (unsigned)s->status, s->resp);
}
