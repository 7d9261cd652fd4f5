/* tests/support/http_test.h: HTTP to a lastmile server on 127.0.0.1 from a test: one libcurl
 * request and its reply, a free loopback port, the real `lastmile serve` as a child process. */
#ifndef LASTMILE_TESTS_HTTP_TEST_H
#define LASTMILE_TESTS_HTTP_TEST_H

#include "common/common.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* One request; only path is required. */
typedef struct http_test_req {
    const char *method;       /* NULL: GET */
    const char *path;         /* from "/", sent as written (no dot-segment squashing) */
    const char *key;          /* sent as "Authorization: Bearer <key>", or NULL */
    const char *body;         /* NULL: none */
    size_t body_len;          /* 0: strlen(body) */
    const char *content_type; /* a Content-Type header, or NULL for none of ours */
    const char *header;       /* one more "Name: value" line, or NULL */
    bool chunked;             /* Transfer-Encoding: chunked (body_len not announced) */
    /* Send "Expect: 100-continue" and wait for the server's answer before the body (without it,
     * a body the server refuses on its declared length races the server's early reply). */
    bool expect_continue;
    long timeout_s; /* 0: 30 */
} http_test_req;

/* The reply; free with http_test_resp_free. */
typedef struct http_test_resp {
    long status;       /* 0 when no status line came */
    bool complete;     /* the transfer ended without a transport error */
    const char *error; /* curl's static message when !complete */
    lm_buf body;       /* up to 16 MiB, NUL-terminated; data is NULL when empty */
    lm_buf headers;    /* the raw header lines */
    cJSON *json;       /* the body parsed, NULL when it is not JSON */
} http_test_resp;

/* Whether the live event stream at path (GET /v1/events or /v1/driver/events, text/event-stream,
 * resumed after after_seq) carries `want`, read until it does or curl's 10 s timeout. */
bool http_test_sse_has(uint16_t port, const char *path, const char *key, int64_t after_seq,
                       const char *want);

/* Sends req to http://127.0.0.1:port and fills *out (also on failure: see status/complete). */
void http_test_request(uint16_t port, const http_test_req *req, http_test_resp *out);
void http_test_resp_free(http_test_resp *r);
/* A CURLOPT_WRITEFUNCTION / HEADERFUNCTION appending to the lm_buf given as its data (for tests
 * driving libcurl themselves, e.g. with curl_multi). */
size_t http_test_on_data(char *p, size_t sz, size_t n, void *buf);

/* The JSON call most suites make: req with body (Content-Type application/json when given) and
 * a 20 s timeout; the running test fails on a transport error. */
void http_test_call(uint16_t port, const char *method, const char *path, const char *key,
                    const char *body, http_test_resp *out);
/* http_test_call into the reply this module keeps, after freeing the one it kept: for suites
 * that look at one reply at a time. Valid until the next call or http_test_last_free. */
const http_test_resp *http_test_call_last(uint16_t port, const char *method, const char *path,
                                          const char *key, const char *body);
void http_test_last_free(void);
/* r's body as text, "" when it is empty. */
const char *http_test_body(const http_test_resp *r);
/* Fails the running test unless r answered status (the body in the message). */
void http_test_expect(const http_test_resp *r, long status);
/* Fails the running test unless r's body contains text (the body in the message). */
void http_test_has(const http_test_resp *r, const char *text);
/* Member k of o as an integer; fails the running test when it is not a number. */
int64_t http_test_num(const cJSON *o, const char *k);

/* A loopback port free right now (0 if none could be had). */
uint16_t http_test_free_port(void);

/* Runs $LASTMILE_BINARY_DIR/cli/lastmile serve --port port --db db [extra_args...] --threads 2
 * (extra_args NULL-terminated, may be NULL), its output to /dev/null, and waits up to 15 s for
 * GET ready_path on ready_port to answer 200. Returns its pid, or -1 (the child is killed). */
pid_t http_test_serve_spawn(const char *db, uint16_t port, const char *const *extra_args,
                            uint16_t ready_port, const char *ready_path);
/* Stops a server from http_test_serve_spawn (SIGTERM: a clean shutdown) and reaps it; nothing for
 * pid <= 0. */
void http_test_serve_stop(pid_t pid);

#endif
