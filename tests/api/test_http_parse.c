/* The plain listener's request parser (common/http_request.c): request lines and headers as the
 * OsmAnd apps and wrk send them, keep-alive and HTTP/1.0, the query decoded as the apps'
 * arguments, and every refusal with its status: malformed lines, oversized heads, too many
 * headers or arguments, bad percent-encoding, control characters, smuggling-prone lengths;
 * pipelined requests one after the other; every split of a request and of a chunked body at
 * every byte boundary. */
#include "common/http_request.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static lm_hreq_head H;

static int parse(const char *s) {
    return lm_hreq_parse_head(s, strlen(s), &H);
}

/* The request refused with status; its message names a field ("field: ...\n"). */
static void refused(const char *s, int status) {
    int rc = parse(s);
    if (rc != LM_HREQ_ERROR || H.status != status)
        fprintf(stderr, "want %d for [%s]: rc %d status %d\n", status, s, rc, H.status);
    assert_int_equal(rc, LM_HREQ_ERROR);
    assert_int_equal(H.status, status);
    assert_non_null(strchr(H.msg, ':'));
    assert_int_equal(H.msg[strlen(H.msg) - 1], '\n');
}

static const char *arg(const char *key) {
    for (size_t i = 0; i < H.n_args; i++)
        if (!strcmp(H.args[i].key, key)) return H.args[i].value;
    return NULL;
}

static void test_osmand_get(void **state) {
    (void)state;
    const char *req =
        "GET /?id=902064&lat=42.06288&lon=-88.23412&timestamp=2016-01-27T18%3A55%3A47Z"
        "&note=a+b%20c&flag HTTP/1.1\r\nHost: x\r\nUser-Agent: wrk\r\n\r\n";
    assert_int_equal(parse(req), LM_HREQ_DONE);
    assert_int_equal(H.method, LM_HREQ_GET);
    assert_int_equal(H.head_len, strlen(req));
    assert_false(H.http10);
    assert_true(H.keep_alive);
    assert_false(H.has_length);
    assert_int_equal(H.n_args, 6);
    assert_string_equal(H.args[0].key, "id");
    assert_string_equal(H.args[0].value, "902064");
    assert_string_equal(arg("timestamp"), "2016-01-27T18:55:47Z");
    assert_string_equal(arg("note"), "a b c");
    assert_string_equal(arg("flag"), "");
    assert_string_equal(lm_hreq_header(&H, "user-agent"), "wrk");
    assert_string_equal(lm_hreq_header(&H, "HOST"), "x");
    assert_null(lm_hreq_header(&H, "Content-Type"));
    /* empty pairs are skipped; "=v" has an empty key; a UTF-8 value decodes */
    assert_int_equal(parse("GET /p?&&a=1&&=v&b=%C3%A9& HTTP/1.1\r\nHost: x\r\n\r\n"), LM_HREQ_DONE);
    assert_int_equal(H.n_args, 3);
    assert_string_equal(arg(""), "v");
    assert_string_equal(arg("b"), "\xc3\xa9");
    /* no query at all */
    assert_int_equal(parse("POST /some/path HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n"),
                     LM_HREQ_DONE);
    assert_int_equal(H.method, LM_HREQ_POST);
    assert_int_equal(H.n_args, 0);
    assert_true(H.has_length);
    assert_int_equal(H.content_length, 12);
}

static void test_versions_and_connection(void **state) {
    (void)state;
    assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n"), LM_HREQ_DONE); /* 1.0: Host optional */
    assert_true(H.http10);
    assert_false(H.keep_alive);
    assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), LM_HREQ_DONE);
    assert_true(H.keep_alive);
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: TE, close\r\n\r\n"),
                     LM_HREQ_DONE);
    assert_false(H.keep_alive);
    assert_int_equal(parse("HEAD / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n"),
                     LM_HREQ_DONE);
    assert_int_equal(H.method, LM_HREQ_HEAD);
    assert_true(H.expect_continue);
    assert_int_equal(parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n"), LM_HREQ_DONE);
    assert_false(H.expect_continue);
    /* bare LF line ends and a leading blank line are tolerated */
    assert_int_equal(parse("\r\nGET /?a=1 HTTP/1.1\nHost: x\n\n"), LM_HREQ_DONE);
    assert_string_equal(arg("a"), "1");
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"),
                     LM_HREQ_DONE);
    assert_true(H.chunked);
    /* the same length twice is one length */
    assert_int_equal(
        parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"),
        LM_HREQ_DONE);
    assert_int_equal(H.content_length, 3);
}

static void test_malformed(void **state) {
    (void)state;
    refused("GET / HTTP/2.0\r\n\r\n", 505);
    refused("GET / HTTP/1.2\r\n\r\n", 505);
    refused("GET / HTTP/1.10\r\n\r\n", 400);
    refused("GET / http/1.1\r\n\r\n", 400);
    refused("GET /\r\n\r\n", 400);
    refused("GET  / HTTP/1.1\r\n\r\n", 400);
    refused("GET x HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    refused(" GET / HTTP/1.1\r\n\r\n", 400);
    refused("G(T / HTTP/1.1\r\n\r\n", 400);
    refused("PUT / HTTP/1.1\r\nHost: x\r\n\r\n", 405);
    refused("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", 405);
    refused("GET / HTTP/1.1\r\n\r\n", 400); /* no Host */
    refused("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400);
    refused("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400);
    refused("GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400);
    refused("GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", 400);
    refused("GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", 400);
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400);
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n", 400);
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", 400);
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999999999999\r\n\r\n", 400);
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400);
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            400);
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "Transfer-Encoding: chunked\r\n\r\n",
            400);
}

static void test_control_characters(void **state) {
    (void)state;
    refused("GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    refused("GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01z\r\n\r\n", 400);
    refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7fz\r\n\r\n", 400);
    /* a tab inside a value is allowed; blanks around it are trimmed */
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\nX-A: \t a\tb \t\r\n\r\n"), LM_HREQ_DONE);
    assert_string_equal(lm_hreq_header(&H, "X-A"), "a\tb");
    /* decoded control characters and invalid UTF-8 in the query */
    refused("GET /?id=a%00b HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    refused("GET /?id=a%0Ab HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    refused("GET /?i%7Fd=1 HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    refused("GET /?id=%C3%28 HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    refused("GET /?id=\xff HTTP/1.1\r\nHost: x\r\n\r\n", 400);
}

static void test_bad_percent(void **state) {
    (void)state;
    refused("GET /?id=%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    refused("GET /?id=%4 HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    refused("GET /?id=% HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    refused("GET /?id=%4&x=1 HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    refused("GET /?%g1=2 HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    assert_int_equal(parse("GET /?id=%41%62%2B HTTP/1.1\r\nHost: x\r\n\r\n"), LM_HREQ_DONE);
    assert_string_equal(arg("id"), "Ab+");
}

static void test_caps(void **state) {
    (void)state;
    size_t big = LM_HREQ_MAX_HEAD + 100;
    char *s = malloc(big + 64);
    assert_non_null(s);
    /* a request line that never ends within the cap: 414; still within it: more */
    memset(s, 'a', big);
    memcpy(s, "GET /", 5);
    assert_int_equal(lm_hreq_parse_head(s, LM_HREQ_MAX_HEAD - 1, &H), LM_HREQ_MORE);
    assert_int_equal(lm_hreq_parse_head(s, big, &H), LM_HREQ_ERROR);
    assert_int_equal(H.status, 414);
    /* headers that never end within the cap: 431 */
    int n = snprintf(s, big, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(s + n, 'b', big - (size_t)n);
    assert_int_equal(lm_hreq_parse_head(s, big, &H), LM_HREQ_ERROR);
    assert_int_equal(H.status, 431);
    free(s);
    /* 64 headers pass, 65 do not; 64 arguments pass, 65 do not */
    char buf[4096];
    for (int extra = 0; extra < 2; extra++) {
        size_t o = (size_t)snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < LM_HREQ_MAX_HEADERS - 1 + extra; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "X-%d: %d\r\n", i, i);
        snprintf(buf + o, sizeof buf - o, "\r\n");
        if (extra) {
            refused(buf, 431);
        } else {
            assert_int_equal(parse(buf), LM_HREQ_DONE);
            assert_int_equal(H.n_headers, LM_HREQ_MAX_HEADERS);
        }
        o = (size_t)snprintf(buf, sizeof buf, "GET /?");
        for (int i = 0; i < LM_HREQ_MAX_ARGS + extra; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "k%d=%d&", i, i);
        snprintf(buf + o, sizeof buf - o, " HTTP/1.1\r\nHost: x\r\n\r\n");
        if (extra) {
            refused(buf, 400);
        } else {
            assert_int_equal(parse(buf), LM_HREQ_DONE);
            assert_int_equal(H.n_args, LM_HREQ_MAX_ARGS);
        }
    }
}

static void test_pipelined(void **state) {
    (void)state;
    const char *two = "GET /?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                      "POST /?n=2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab"
                      "HEAD /?n=3 HTTP/1.1\r\nHost: x\r\n\r\n";
    size_t len = strlen(two), off = 0;
    assert_int_equal(lm_hreq_parse_head(two, len, &H), LM_HREQ_DONE);
    assert_string_equal(arg("n"), "1");
    off += H.head_len;
    assert_int_equal(lm_hreq_parse_head(two + off, len - off, &H), LM_HREQ_DONE);
    assert_string_equal(arg("n"), "2");
    assert_int_equal(H.content_length, 2);
    assert_memory_equal(two + off + H.head_len, "ab", 2);
    off += H.head_len + H.content_length;
    assert_int_equal(lm_hreq_parse_head(two + off, len - off, &H), LM_HREQ_DONE);
    assert_string_equal(arg("n"), "3");
    assert_int_equal(H.method, LM_HREQ_HEAD);
    assert_int_equal(off + H.head_len, len);
}

/* Every prefix of a request is "more", the whole of it done; as the listener sees split reads. */
static void test_split_everywhere(void **state) {
    (void)state;
    const char *reqs[] = {
        "GET /?id=1&lat=45.1&lon=4.8&timestamp=1700000000 HTTP/1.1\r\nHost: 127.0.0.1:5055\r\n"
        "Connection: keep-alive\r\n\r\n",
        "\r\nPOST / HTTP/1.0\nContent-Type: application/json\nContent-Length: 2\n\n",
    };
    for (size_t r = 0; r < 2; r++) {
        size_t len = strlen(reqs[r]);
        for (size_t k = 0; k < len; k++)
            assert_int_equal(lm_hreq_parse_head(reqs[r], k, &H), LM_HREQ_MORE);
        assert_int_equal(lm_hreq_parse_head(reqs[r], len, &H), LM_HREQ_DONE);
        assert_int_equal(H.head_len, len);
    }
    const char *chunked = "4\r\nWiki\r\n5;name=v\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n"
                          "Trailer: x\r\n\r\n";
    size_t len = strlen(chunked), blen = 0, used = 0;
    char out[64];
    int st = 0;
    char msg[160];
    for (size_t k = 0; k < len; k++)
        assert_int_equal(
            lm_hreq_chunked(chunked, k, out, sizeof out, &blen, &used, &st, msg, sizeof msg),
            LM_HREQ_MORE);
    assert_int_equal(
        lm_hreq_chunked(chunked, len, out, sizeof out, &blen, &used, &st, msg, sizeof msg),
        LM_HREQ_DONE);
    assert_int_equal(used, len);
    assert_int_equal(blen, 23);
    assert_memory_equal(out, "Wikipedia in\r\n\r\nchunks.", 23);
}

static void chunk_refused(const char *body, size_t max, int status) {
    char out[64], msg[160];
    size_t blen = 0, used = 0;
    int st = 0;
    assert_int_equal(
        lm_hreq_chunked(body, strlen(body), out, max, &blen, &used, &st, msg, sizeof msg),
        LM_HREQ_ERROR);
    assert_int_equal(st, status);
    assert_non_null(strstr(msg, "body: "));
}

static void test_chunked_refusals(void **state) {
    (void)state;
    chunk_refused("zz\r\nab\r\n0\r\n\r\n", 64, 400);
    chunk_refused("\r\n", 64, 400);
    chunk_refused("2\r\nabc\r\n0\r\n\r\n", 64, 400);
    chunk_refused("2x\r\nab\r\n0\r\n\r\n", 64, 400);
    chunk_refused("10\r\n0123456789abcdef\r\n0\r\n\r\n", 8, 413);
    chunk_refused("4\r\nabcd\r\n8\r\n", 8, 413);
    chunk_refused("fffffffffffffffff\r\n", 64, 400);
    /* a chunk-size line that never ends */
    char line[400];
    memset(line, '1', sizeof line - 1);
    line[sizeof line - 1] = '\0';
    chunk_refused(line, 64, 400);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_osmand_get),       cmocka_unit_test(test_versions_and_connection),
        cmocka_unit_test(test_malformed),        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_bad_percent),      cmocka_unit_test(test_caps),
        cmocka_unit_test(test_pipelined),        cmocka_unit_test(test_split_everywhere),
        cmocka_unit_test(test_chunked_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
