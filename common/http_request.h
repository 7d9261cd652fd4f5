/* common/http_request.h: a small, bounded HTTP/1.1 request parser, for the plain (OsmAnd)
 * listener of api/http/plain.c (kept below the HTTP layer so that its fuzz target links no HTTP
 * library). Pure: it reads bytes the caller received and writes only into the caller's
 * lm_hreq_head; it allocates nothing, keeps nothing and never reads past len.
 *
 * The head: "METHOD SP origin-form SP HTTP/1.x" then header lines, each ending in CRLF (a bare LF
 * is accepted, a bare CR is not), then an empty line. Caps: LM_HREQ_MAX_HEAD bytes for the whole
 * head (414 when the request line alone does not fit, else 431), LM_HREQ_MAX_HEADERS headers
 * (431), LM_HREQ_MAX_ARGS query arguments (400). Refused with 400: a malformed request line or
 * header line, a header name that is not a token, a control character in a value (HTAB allowed),
 * a folded header line, a bad or repeated Content-Length, Content-Length beside chunked, an
 * HTTP/1.1 request without Host, and a query whose '%' lacks two hex digits or that decodes to a
 * control character or invalid UTF-8. 405 for a method other than GET, POST and HEAD, 501 for a
 * transfer coding other than chunked, 505 for a version other than 1.0 and 1.1.
 *
 * The query (after the first '?') splits at '&' (empty pairs skipped), the first '=' splits key
 * from value (value "" without one), '+' is a space and %XX a byte: as api/formats/form.c. */
#ifndef LASTMILE_COMMON_HTTP_REQUEST_H
#define LASTMILE_COMMON_HTTP_REQUEST_H

#include "common/common.h"

#include <stdbool.h>
#include <stddef.h>

#define LM_HREQ_MAX_HEAD    8192 /* request line and headers, blank line included */
#define LM_HREQ_MAX_HEADERS 64
#define LM_HREQ_MAX_ARGS    64 /* HTTP_PLAIN_MAX_ARGS */

enum { LM_HREQ_MORE = 0, LM_HREQ_DONE = 1, LM_HREQ_ERROR = -1 };
enum { LM_HREQ_GET = 1, LM_HREQ_POST, LM_HREQ_HEAD };

/* A decoded name and value, NUL-terminated (http_kv of api/http/http.h). */
typedef struct lm_hreq_kv {
    const char *key, *value;
} lm_hreq_kv;

typedef struct lm_hreq_head {
    int method;           /* LM_HREQ_GET ... */
    bool http10;          /* an HTTP/1.0 request */
    bool keep_alive;      /* the connection stays open after the answer */
    bool expect_continue; /* "Expect: 100-continue" on an HTTP/1.1 request */
    bool chunked;         /* Transfer-Encoding: chunked */
    bool has_length;      /* a Content-Length header */
    size_t content_length;
    size_t head_len; /* bytes of the head, its blank line included */
    lm_hreq_kv args[LM_HREQ_MAX_ARGS];
    size_t n_args;
    lm_hreq_kv headers[LM_HREQ_MAX_HEADERS]; /* names as sent; values without surrounding blanks */
    size_t n_headers;
    char store[LM_HREQ_MAX_HEAD + 2 * LM_HREQ_MAX_HEADERS]; /* the strings above point here */
    /* on LM_HREQ_ERROR: the status to answer and why, "field: message\n" */
    int status;
    char msg[160];
} lm_hreq_head;

/* Parses the head at data[0..len): LM_HREQ_MORE when it is not complete yet (and still within
 * the caps), LM_HREQ_DONE with *h filled, LM_HREQ_ERROR with h->status and h->msg. */
int lm_hreq_parse_head(const char *data, size_t len, lm_hreq_head *h);

/* Decodes a chunked body at data[0..len) (the bytes after the head) into out[0..max): MORE,
 * DONE with *out_len the body's length and *consumed the bytes it took (trailers included), or
 * ERROR with *status (400 malformed, 413 over max) and msg filled (msg_size bytes). */
int lm_hreq_chunked(const char *data, size_t len, char *out, size_t max, size_t *out_len,
                    size_t *consumed, int *status, char *msg, size_t msg_size);

/* The value of header name (ASCII case-insensitive), or NULL. */
const char *lm_hreq_header(const lm_hreq_head *h, const char *name);

#endif
