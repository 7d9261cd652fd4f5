/* libFuzzer target for the plain (OsmAnd) listener's request parser (common/http_request.c). The
 * input is the bytes a client sent: a head that parses lies within them and parses the same
 * from exactly its own bytes; its arguments and refusals are UTF-8 without control characters;
 * a refusal carries a status the listener knows and a "field: message\n" text; whatever follows
 * the head also goes through the chunked body decoder, whose output stays within its bound. */
#include "common/http_request.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <string.h>

static lm_hreq_head H, H2;

static void check_refusal(int status, const char *msg) {
    static const int known[] = {400, 405, 413, 414, 431, 501, 505};
    bool ok = false;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        ok = ok || status == known[i];
    size_t n = strlen(msg);
    if (!ok || n < 3 || msg[n - 1] != '\n' || !strchr(msg, ':')) abort();
    if (!lm_utf8_valid(msg, n, "\n")) abort();
}

static void check_head(const char *data, size_t size) {
    if (H.head_len == 0 || H.head_len > size || H.head_len > LM_HREQ_MAX_HEAD) abort();
    if (H.method < LM_HREQ_GET || H.method > LM_HREQ_HEAD) abort();
    if (H.chunked && H.has_length) abort();
    if (H.n_args > LM_HREQ_MAX_ARGS || H.n_headers > LM_HREQ_MAX_HEADERS) abort();
    for (size_t i = 0; i < H.n_args; i++) {
        fuzz_check_text(H.args[i].key);
        fuzz_check_text(H.args[i].value);
    }
    for (size_t i = 0; i < H.n_headers; i++)
        if (lm_hreq_header(&H, H.headers[i].key) == NULL) abort();
    /* the head alone parses the same */
    if (lm_hreq_parse_head(data, H.head_len, &H2) != LM_HREQ_DONE) abort();
    if (H2.head_len != H.head_len || H2.n_args != H.n_args || H2.n_headers != H.n_headers ||
        H2.keep_alive != H.keep_alive || H2.content_length != H.content_length)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    int rc = lm_hreq_parse_head(s, size, &H);
    size_t body_at = 0;
    if (rc == LM_HREQ_ERROR) {
        check_refusal(H.status, H.msg);
    } else if (rc == LM_HREQ_DONE) {
        check_head(s, size);
        body_at = H.head_len;
    } else if (size >= LM_HREQ_MAX_HEAD) {
        abort(); /* "more" past the cap would let a client hold a buffer forever */
    }
    char out[256], msg[160];
    size_t blen = 0, used = 0;
    int st = 0;
    rc = lm_hreq_chunked(s + body_at, size - body_at, out, sizeof out - 1, &blen, &used, &st, msg,
                         sizeof msg);
    if (rc == LM_HREQ_ERROR) check_refusal(st, msg);
    if (rc == LM_HREQ_DONE && (blen >= sizeof out || used > size - body_at)) abort();
    return 0;
}
