/* tests/support/http_test.c: libcurl requests, free ports and the spawned server for the HTTP
 * suites (tests/support/http_test.h). */
#include "tests/support/http_test.h"

#include <curl/curl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
/* after the standard headers it expects */
#include <cmocka.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

size_t http_test_on_data(char *p, size_t sz, size_t n, void *buf) {
    lm_buf *b = buf;
    return lm_buf_append(b, p, sz * n) == LM_OK ? sz * n : 0;
}

void http_test_request(uint16_t port, const http_test_req *req, http_test_resp *out) {
    memset(out, 0, sizeof *out);
    lm_buf_init(&out->body, (size_t)16 << 20);
    lm_buf_init(&out->headers, 1 << 16);
    CURL *c = curl_easy_init();
    if (!c) {
        out->error = "curl_easy_init failed";
        return;
    }
    char url[512], auth[160], ctype[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)port, req->path);
    struct curl_slist *h =
        curl_slist_append(NULL, req->expect_continue ? "Expect: 100-continue" : "Expect:");
    if (req->expect_continue) /* wait for 100 or the final answer, however loaded the machine */
        curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 60000L);
    if (req->key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", req->key);
        h = curl_slist_append(h, auth);
    }
    if (req->content_type) {
        snprintf(ctype, sizeof ctype, "Content-Type: %s", req->content_type);
        h = curl_slist_append(h, ctype);
    }
    if (req->header) h = curl_slist_append(h, req->header);
    if (req->chunked) h = curl_slist_append(h, "Transfer-Encoding: chunked");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method ? req->method : "GET");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_test_on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_test_on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout_s > 0 ? req->timeout_s : 30L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    if (req->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
        if (!req->chunked)
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)(req->body_len ? req->body_len : strlen(req->body)));
    }
    CURLcode rc = curl_easy_perform(c);
    out->complete = rc == CURLE_OK;
    if (!out->complete) out->error = curl_easy_strerror(rc);
    /* a status may have come before a transport error (an early 413 resetting the upload) */
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (out->body.data) out->json = cJSON_Parse(out->body.data);
}

void http_test_resp_free(http_test_resp *r) {
    lm_buf_free(&r->body);
    lm_buf_free(&r->headers);
    cJSON_Delete(r->json);
    r->json = NULL;
}

/* The kernel may hand the same ephemeral port to two binds in a row once the first socket is
 * closed, so a test asking for two ports (API and OsmAnd) could get one twice: the ports handed
 * out by this process are remembered and never given again. */
uint16_t http_test_free_port(void) {
    static uint16_t given[64];
    static size_t n_given;
    for (int attempt = 0; attempt < 32; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        uint16_t port = 0;
        if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
            getsockname(fd, (struct sockaddr *)&a, &len) == 0)
            port = ntohs(a.sin_port);
        if (fd >= 0) close(fd);
        if (port == 0) return 0;
        bool seen = false;
        for (size_t i = 0; i < n_given && i < 64; i++)
            seen = seen || given[i] == port;
        if (seen) continue;
        given[n_given++ % 64] = port;
        return port;
    }
    return 0;
}

pid_t http_test_serve_spawn(const char *db, uint16_t port, const char *const *extra_args,
                            uint16_t ready_port, const char *ready_path) {
    const char *bin_dir = getenv("LASTMILE_BINARY_DIR");
    char bin[512], port_s[16];
    snprintf(bin, sizeof bin, "%s/cli/lastmile", bin_dir ? bin_dir : ".");
    snprintf(port_s, sizeof port_s, "%u", (unsigned)port);
    const char *argv[32] = {bin, "serve", "--port", port_s, "--db", db};
    size_t n = 6;
    for (size_t i = 0; extra_args && extra_args[i] && n < 29; i++)
        argv[n++] = extra_args[i];
    argv[n++] = "--threads";
    argv[n++] = "2";
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 300; i++) {
        http_test_resp r;
        http_test_request(ready_port, &(http_test_req){.path = ready_path}, &r);
        long st = r.status;
        http_test_resp_free(&r);
        if (st == 200) return pid;
        usleep(50 * 1000); /* timing-ok: poll, 15 s deadline */
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

void http_test_serve_stop(pid_t pid) {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* An SSE reader that stops once it has seen `want` in the stream. */
typedef struct sse_read {
    lm_buf buf;
    const char *want;
} sse_read;

static size_t on_sse(char *p, size_t sz, size_t n, void *arg) {
    sse_read *s = arg;
    if (lm_buf_append(&s->buf, p, sz * n) != LM_OK) return 0;
    if (lm_buf_append(&s->buf, "", 1) != LM_OK) return 0; /* keep it a C string */
    s->buf.len--;
    return strstr(s->buf.data, s->want) ? 0 : sz * n; /* 0 ends the transfer */
}

bool http_test_sse_has(uint16_t port, const char *path, const char *key, int64_t after_seq,
                       const char *want) {
    sse_read s = {.want = want};
    lm_buf_init(&s.buf, 1 << 20);
    CURL *c = curl_easy_init();
    char url[128], auth[160], lei[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)port, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    snprintf(lei, sizeof lei, "Last-Event-ID: %lld", (long long)after_seq);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Accept: text/event-stream");
    h = curl_slist_append(h, lei);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_perform(c);
    bool got = s.buf.data && strstr(s.buf.data, want);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    lm_buf_free(&s.buf);
    return got;
}

void http_test_call(uint16_t port, const char *method, const char *path, const char *key,
                    const char *body, http_test_resp *out) {
    http_test_req q = {.method = method,
                       .path = path,
                       .key = key,
                       .body = body,
                       .content_type = body ? "application/json" : NULL,
                       .timeout_s = 20};
    http_test_request(port, &q, out);
    if (!out->complete) fail_msg("%s %s: transport error", method, path);
}

static http_test_resp last; /* http_test_call_last's */

const http_test_resp *http_test_call_last(uint16_t port, const char *method, const char *path,
                                          const char *key, const char *body) {
    http_test_last_free();
    http_test_call(port, method, path, key, body, &last);
    return &last;
}

void http_test_last_free(void) {
    http_test_resp_free(&last);
}

const char *http_test_body(const http_test_resp *r) {
    return r->body.data ? r->body.data : "";
}

void http_test_expect(const http_test_resp *r, long status) {
    if (r->status != status)
        fail_msg("expected %ld, got %ld: %s", status, r->status, http_test_body(r));
}

void http_test_has(const http_test_resp *r, const char *text) {
    if (!strstr(http_test_body(r), text)) fail_msg("'%s' not in: %s", text, http_test_body(r));
}

int64_t http_test_num(const cJSON *o, const char *k) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(x)) fail_msg("member %s is not a number", k);
    return (int64_t)x->valuedouble;
}
