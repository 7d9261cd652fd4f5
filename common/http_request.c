/* common/http_request.c: the plain listener's bounded HTTP/1.1 request parser (reqparse.h). */
#include "common/http_request.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int fail(lm_hreq_head *h, int status, const char *msg) {
    h->status = status;
    lm_strlcpy(h->msg, msg, sizeof h->msg);
    return LM_HREQ_ERROR;
}

/* RFC 9110 tchar */
static bool is_tchar(unsigned char c) {
    if (c >= '0' && c <= '9') return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
    return -1;
}

/* The strings of a head go into h->store through this cursor. */
typedef struct rp_out {
    char *w, *end;
} rp_out;

/* A NUL-terminated copy of s[0..n) in the store, or NULL when it does not fit. */
static const char *put(rp_out *o, const char *s, size_t n) {
    if ((size_t)(o->end - o->w) < n + 1) return NULL;
    char *r = o->w;
    memcpy(r, s, n);
    r[n] = '\0';
    o->w += n + 1;
    return r;
}

/* Percent-decodes s[0..n) ('+' a space) into the store; NULL with *bad set when a '%' lacks two
 * hex digits or the result is not UTF-8 without control characters. */
static const char *put_decoded(rp_out *o, const char *s, size_t n, bool *bad) {
    if ((size_t)(o->end - o->w) < n + 1) return NULL;
    char *r = o->w, *w = o->w;
    bool ctl = false, high = false; /* a control character; a byte past ASCII */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                *bad = true;
                return NULL;
            }
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        ctl |= c < 0x20 || c == 0x7f;
        high |= c >= 0x80;
        *w++ = (char)c;
    }
    *w = '\0';
    /* ASCII needs only the control check; anything else the whole UTF-8 one */
    if (ctl || (high && !lm_utf8_valid(r, (size_t)(w - r), ""))) {
        *bad = true;
        return NULL;
    }
    o->w = w + 1;
    return r;
}

/* Splits and decodes the query q[0..n) into h->args. */
static int parse_query(lm_hreq_head *h, rp_out *o, const char *q, size_t n) {
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(q + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - q) : n;
        if (end > i) {
            if (h->n_args == LM_HREQ_MAX_ARGS)
                return fail(h, 400, "query: more than 64 arguments\n");
            const char *eq = memchr(q + i, '=', end - i);
            size_t klen = eq ? (size_t)(eq - (q + i)) : end - i;
            bool bad = false;
            const char *k = put_decoded(o, q + i, klen, &bad);
            const char *v = "";
            if (k && eq) v = put_decoded(o, eq + 1, end - (size_t)(eq + 1 - q), &bad);
            if (bad)
                return fail(h, 400,
                            "query: a '%' without two hex digits after it, or an argument that "
                            "is not UTF-8 text without control characters\n");
            if (!k || !v) return fail(h, 431, "head: larger than 8192 bytes\n");
            h->args[h->n_args].key = k;
            h->args[h->n_args].value = v;
            h->n_args++;
        }
        i = end + 1;
    }
    return LM_HREQ_DONE;
}

/* "METHOD SP /target SP HTTP/1.x" in line[0..n). */
static int parse_request_line(lm_hreq_head *h, rp_out *o, const char *line, size_t n) {
    const char *sp1 = memchr(line, ' ', n);
    if (!sp1 || sp1 == line) return fail(h, 400, "request: malformed request line\n");
    size_t mlen = (size_t)(sp1 - line);
    for (size_t i = 0; i < mlen; i++)
        if (!is_tchar((unsigned char)line[i]))
            return fail(h, 400, "request: malformed request line\n");
    const char *t = sp1 + 1, *end = line + n;
    const char *sp2 = memchr(t, ' ', (size_t)(end - t));
    if (!sp2 || sp2 == t || *t != '/') return fail(h, 400, "request: malformed request line\n");
    for (const char *p = t; p < sp2; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return fail(h, 400, "request: a control character in the target\n");
    const char *v = sp2 + 1;
    size_t vlen = (size_t)(end - v);
    if (vlen != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
        v[7] < '0' || v[7] > '9')
        return fail(h, 400, "request: malformed request line\n");
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
        return fail(h, 505, "request: only HTTP/1.0 and HTTP/1.1 are served here\n");
    h->http10 = v[7] == '0';
    if (mlen == 3 && !memcmp(line, "GET", 3))
        h->method = LM_HREQ_GET;
    else if (mlen == 4 && !memcmp(line, "POST", 4))
        h->method = LM_HREQ_POST;
    else if (mlen == 4 && !memcmp(line, "HEAD", 4))
        h->method = LM_HREQ_HEAD;
    else
        return fail(h, 405, "method: only GET, POST and HEAD are served here\n");
    const char *qm = memchr(t, '?', (size_t)(sp2 - t));
    if (!qm) return LM_HREQ_DONE;
    return parse_query(h, o, qm + 1, (size_t)(sp2 - qm - 1));
}

/* What the headers the parser itself reads said. */
typedef struct rp_flags {
    bool host, te, close, keep_alive;
} rp_flags;

static bool token_in(const char *v, const char *tok) {
    size_t tl = strlen(tok);
    for (const char *p = v; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *s = p;
        while (*p && *p != ',')
            p++;
        const char *e = p;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - s) == tl && !strncasecmp(s, tok, tl)) return true;
    }
    return false;
}

static int read_header(lm_hreq_head *h, rp_flags *f, const char *name, const char *v) {
    if (!strcasecmp(name, "Content-Length")) {
        size_t len = 0, nd = 0;
        for (const char *p = v; *p; p++, nd++) {
            if (*p < '0' || *p > '9' || nd == 15)
                return fail(h, 400, "Content-Length: not a byte count\n");
            len = len * 10 + (size_t)(*p - '0');
        }
        if (nd == 0) return fail(h, 400, "Content-Length: not a byte count\n");
        if (h->has_length && len != h->content_length)
            return fail(h, 400, "Content-Length: given twice with different values\n");
        h->has_length = true;
        h->content_length = len;
    } else if (!strcasecmp(name, "Transfer-Encoding")) {
        if (f->te) return fail(h, 400, "Transfer-Encoding: given twice\n");
        f->te = true;
        if (strcasecmp(v, "chunked"))
            return fail(h, 501, "Transfer-Encoding: only chunked is supported\n");
        h->chunked = true;
    } else if (!strcasecmp(name, "Host")) {
        f->host = true;
    } else if (!strcasecmp(name, "Connection")) {
        f->close = f->close || token_in(v, "close");
        f->keep_alive = f->keep_alive || token_in(v, "keep-alive");
    } else if (!strcasecmp(name, "Expect")) {
        h->expect_continue = !strcasecmp(v, "100-continue");
    }
    return LM_HREQ_DONE;
}

/* One "Name: value" line[0..n). */
static int parse_header_line(lm_hreq_head *h, rp_out *o, rp_flags *f, const char *line, size_t n) {
    if (line[0] == ' ' || line[0] == '\t') return fail(h, 400, "header: a folded header line\n");
    const char *colon = memchr(line, ':', n);
    if (!colon || colon == line) return fail(h, 400, "header: a line without 'name:'\n");
    for (const char *p = line; p < colon; p++)
        if (!is_tchar((unsigned char)*p)) return fail(h, 400, "header: a malformed name\n");
    const char *v = colon + 1, *e = line + n;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    for (const char *p = v; p < e; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return fail(h, 400, "header: a control character in a value\n");
    }
    if (h->n_headers == LM_HREQ_MAX_HEADERS) return fail(h, 431, "header: more than 64 headers\n");
    const char *name = put(o, line, (size_t)(colon - line));
    const char *value = name ? put(o, v, (size_t)(e - v)) : NULL;
    if (!value) return fail(h, 431, "head: larger than 8192 bytes\n");
    h->headers[h->n_headers].key = name;
    h->headers[h->n_headers].value = value;
    h->n_headers++;
    return read_header(h, f, name, value);
}

/* Where the head ends (just past its blank line), 0 when it is not complete; *first_line set
 * when the first line has ended. Leading blank lines are skipped into *skip. */
static size_t head_end(const char *data, size_t len, size_t *skip, bool *first_line) {
    size_t i = 0;
    while (i < len && (data[i] == '\r' || data[i] == '\n'))
        i++;
    *skip = i;
    size_t line_start = i;
    *first_line = false;
    while (i < len) {
        const char *nl = memchr(data + i, '\n', len - i);
        if (!nl) return 0;
        size_t at = (size_t)(nl - data);
        *first_line = true;
        size_t llen = at - line_start;
        if (llen && data[at - 1] == '\r') llen--;
        if (llen == 0 && at > *skip) return at + 1;
        line_start = i = at + 1;
    }
    return 0;
}

int lm_hreq_parse_head(const char *data, size_t len, lm_hreq_head *h) {
    h->method = 0;
    h->http10 = h->keep_alive = h->expect_continue = h->chunked = h->has_length = false;
    h->content_length = h->head_len = h->n_args = h->n_headers = 0;
    h->status = 0;
    h->msg[0] = '\0';
    size_t skip = 0;
    bool first_line = false;
    size_t scan = len < LM_HREQ_MAX_HEAD ? len : LM_HREQ_MAX_HEAD;
    size_t end = head_end(data, scan, &skip, &first_line);
    if (!end) {
        if (len < LM_HREQ_MAX_HEAD) return LM_HREQ_MORE;
        if (!first_line)
            return fail(h, 414, "request: the request line is longer than 8192 bytes\n");
        return fail(h, 431, "head: larger than 8192 bytes\n");
    }
    rp_out o = {h->store, h->store + sizeof h->store};
    rp_flags f = {0};
    size_t i = skip;
    bool first = true;
    while (i < end) {
        const char *nl = memchr(data + i, '\n', end - i);
        size_t at = (size_t)(nl - data), n = at - i;
        if (n && data[at - 1] == '\r') n--;
        if (memchr(data + i, '\r', n)) return fail(h, 400, "request: a CR inside a line\n");
        if (n == 0) break;
        int rc = first ? parse_request_line(h, &o, data + i, n)
                       : parse_header_line(h, &o, &f, data + i, n);
        if (rc != LM_HREQ_DONE) return rc;
        first = false;
        i = at + 1;
    }
    if (h->chunked && h->has_length)
        return fail(h, 400, "Content-Length: not allowed with Transfer-Encoding\n");
    if (!h->http10 && !f.host) return fail(h, 400, "Host: missing (HTTP/1.1 requires it)\n");
    h->keep_alive = h->http10 ? f.keep_alive && !f.close : !f.close;
    if (h->http10) h->expect_continue = false;
    h->head_len = end;
    return LM_HREQ_DONE;
}

static int chunk_fail(int *status, char *msg, size_t msg_size, int st, const char *m) {
    *status = st;
    lm_strlcpy(msg, m, msg_size);
    return LM_HREQ_ERROR;
}

/* The line at data[*pos..len) without its CR LF: its length, or -1 when it has not ended yet
 * (-2 when it is longer than cap). *pos moves past it. */
static long take_line(const char *data, size_t len, size_t *pos, size_t cap, const char **line) {
    const char *nl = memchr(data + *pos, '\n', len - *pos);
    if (!nl) return len - *pos > cap ? -2 : -1;
    size_t at = (size_t)(nl - data), n = at - *pos;
    if (n > cap) return -2;
    *line = data + *pos;
    if (n && (*line)[n - 1] == '\r') n--;
    *pos = at + 1;
    return (long)n;
}

int lm_hreq_chunked(const char *data, size_t len, char *out, size_t max, size_t *out_len,
                    size_t *consumed, int *status, char *msg, size_t msg_size) {
    size_t pos = 0, total = 0;
    for (;;) {
        const char *line = NULL;
        long n = take_line(data, len, &pos, 256, &line);
        if (n == -1) return LM_HREQ_MORE;
        size_t size = 0;
        long d = 0;
        while (d < n && hexval((unsigned char)line[d]) >= 0 && d < 15)
            size = size * 16 + (size_t)hexval((unsigned char)line[d++]);
        if (n < 0 || d == 0 || (d < n && line[d] != ';' && line[d] != ' ' && line[d] != '\t'))
            return chunk_fail(status, msg, msg_size, 400, "body: a malformed chunk size\n");
        if (size == 0) break;
        if (size > max - total) {
            char m[96];
            snprintf(m, sizeof m, "body: larger than %zu bytes\n", max);
            return chunk_fail(status, msg, msg_size, 413, m);
        }
        if (len - pos < size + 1) return LM_HREQ_MORE;
        memcpy(out + total, data + pos, size);
        total += size;
        pos += size;
        if (data[pos] == '\r') {
            if (pos + 1 == len) return LM_HREQ_MORE;
            pos++;
        }
        if (data[pos] != '\n')
            return chunk_fail(status, msg, msg_size, 400, "body: a chunk without CRLF after it\n");
        pos++;
    }
    for (size_t trailer_bytes = 0;;) { /* trailers, ignored, up to the blank line */
        const char *line = NULL;
        size_t before = pos;
        long n = take_line(data, len, &pos, 4096, &line);
        if (n == -1) return LM_HREQ_MORE;
        trailer_bytes += pos - before;
        if (n == -2 || trailer_bytes > 4096)
            return chunk_fail(status, msg, msg_size, 431, "body: trailers over 4096 bytes\n");
        if (n == 0) break;
    }
    *out_len = total;
    *consumed = pos;
    return LM_HREQ_DONE;
}

const char *lm_hreq_header(const lm_hreq_head *h, const char *name) {
    for (size_t i = 0; i < h->n_headers; i++)
        if (!strcasecmp(h->headers[i].key, name)) return h->headers[i].value;
    return NULL;
}
