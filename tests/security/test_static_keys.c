/* The static file server and API key management against the real `lastmile serve` on 127.0.0.1
 * (docs/security.md "Static files", "API keys and roles"): every path of
 * tests/data/security/static_paths.txt gets its expected status (symlinks, "..", "%2e%2e", "%00",
 * control bytes refused; regular files served), raw control bytes on the request line are refused,
 * and the file beside the root is never served; GET /v1/keys shows ids and prefixes but no secret,
 * DELETE /v1/keys/{id} makes the key fail on the very next request, ends the event stream it had
 * open, and logs "key.revoked". */
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define SECRET_TEXT "TOPSECRET-never-served"
#define INDEX_TEXT  "<h1>lastmile</h1>"

typedef struct world {
    tmp_db tmp;
    pid_t pid;
    uint16_t port;
    char admin[STORE_KEY_MAX], admin2[STORE_KEY_MAX], disp[STORE_KEY_MAX];
    store_key_info admin_i, admin2_i, disp_i;
} world;

static world W;

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    assert_int_equal(tmp_db_create(&W.tmp, "lm-sec-static-"), 0);
    char p[256], q[256];
    snprintf(p, sizeof p, "%s/web", W.tmp.dir);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/web/sub", W.tmp.dir);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/secret.txt", W.tmp.dir);
    write_file(p, SECRET_TEXT);
    snprintf(p, sizeof p, "%s/web/index.html", W.tmp.dir);
    write_file(p, INDEX_TEXT);
    snprintf(p, sizeof p, "%s/web/sub/page.txt", W.tmp.dir);
    write_file(p, "page");
    snprintf(p, sizeof p, "%s/web/.hidden", W.tmp.dir);
    write_file(p, SECRET_TEXT);
    snprintf(p, sizeof p, "%s/web/fifo", W.tmp.dir);
    assert_int_equal(mkfifo(p, 0600), 0);
    snprintf(p, sizeof p, "%s/web/link.txt", W.tmp.dir);
    assert_int_equal(symlink("../secret.txt", p), 0);
    snprintf(p, sizeof p, "%s/web/linkdir", W.tmp.dir);
    assert_int_equal(symlink("..", p), 0);
    snprintf(p, sizeof p, "%s/web/sub/abs", W.tmp.dir);
    snprintf(q, sizeof q, "%s/secret.txt", W.tmp.dir);
    assert_int_equal(symlink(q, p), 0);
    snprintf(p, sizeof p, "%s/web/sub/inner", W.tmp.dir);
    assert_int_equal(symlink("../index.html", p), 0);

    store *s = NULL;
    assert_int_equal(tmp_db_store_open(&W.tmp, 1, &s), 0);
    lm_errinfo err;
    assert_int_equal(store_key_create(s, "admin", NULL, W.admin, &W.admin_i, &err), LM_OK);
    assert_int_equal(store_key_create(s, "admin", NULL, W.admin2, &W.admin2_i, &err), LM_OK);
    assert_int_equal(store_key_create(s, "dispatcher", NULL, W.disp, &W.disp_i, &err), LM_OK);
    store_close(s);
    W.port = http_test_free_port();
    assert_true(W.port > 0);
    snprintf(p, sizeof p, "%s/web", W.tmp.dir);
    const char *args[] = {"--web-root", p, "--osmand-port", "0", NULL};
    W.pid = http_test_serve_spawn(W.tmp.path, W.port, args, W.port, "/healthz");
    assert_true(W.pid > 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    http_test_serve_stop(W.pid);
    tmp_db_remove(&W.tmp);
    return 0;
}

static long get(const char *path, const char *key, http_test_resp *out) {
    http_test_req rq = {.path = path, .key = key, .timeout_s = 10};
    http_test_request(W.port, &rq, out);
    return out->status;
}

static void test_static_paths(void **state) {
    (void)state;
    char file[512];
    snprintf(file, sizeof file, "%s/tests/data/security/static_paths.txt",
             getenv("LASTMILE_SOURCE_DIR"));
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    char line[512];
    int cases = 0, wrong = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#') continue;
        long want = strtol(line, NULL, 10);
        const char *path = strchr(line, ' ');
        assert_non_null(path);
        path++;
        http_test_resp r;
        long got = get(path, NULL, &r);
        bool leaked = r.body.data && strstr(r.body.data, SECRET_TEXT);
        if (got != want || leaked) {
            printf("# %s: got %ld, want %ld%s\n", path, got, want,
                   leaked ? " (SECRET SERVED)" : "");
            wrong++;
        }
        if (got == 200 && !strcmp(path, "/")) assert_string_equal(r.body.data, INDEX_TEXT);
        http_test_resp_free(&r);
        cases++;
    }
    fclose(f);
    printf("# static paths: %d cases, %d wrong\n", cases, wrong);
    assert_true(cases >= 30);
    assert_int_equal(wrong, 0);
}

/* Raw bytes on the request line: what a client that does not percent-encode sends. */
static void test_static_raw_bytes(void **state) {
    (void)state;
    static const char *const reqs[] = {
        "GET /index.html\x01 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /sub\x7f/page.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /sub/\x1b[2J HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(W.port)};
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
        ssize_t w = send(fd, reqs[i], strlen(reqs[i]), MSG_NOSIGNAL);
        assert_int_equal(w, (ssize_t)strlen(reqs[i]));
        char buf[1024];
        size_t got = 0;
        for (int k = 0; k < 100 && got + 1 < sizeof buf; k++) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, 100) <= 0) continue;
            ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
            if (n <= 0) break;
            got += (size_t)n;
        }
        buf[got] = '\0';
        close(fd);
        printf("# raw request %zu: %.12s\n", i, got ? buf : "(closed without a reply)");
        /* refused: a 400, or the connection closed by libmicrohttpd's own parser */
        assert_true(got == 0 || !strncmp(buf, "HTTP/1.1 400", 12));
        assert_null(strstr(buf, "page"));
    }
}

/* Reads fd into buf (appending at *got) until want appears, the peer closes, or 10 s pass;
 * true when want was seen (or, with want NULL, when the peer closed). */
static bool read_until(int fd, char *buf, size_t size, size_t *got, const char *want) {
    for (int k = 0; k < 100 && *got + 1 < size; k++) {
        buf[*got] = '\0';
        if (want && strstr(buf, want)) return true;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0) continue;
        ssize_t n = recv(fd, buf + *got, size - 1 - *got, 0);
        if (n <= 0) return want == NULL;
        *got += (size_t)n;
    }
    buf[*got] = '\0';
    return want && strstr(buf, want);
}

/* An event stream opened with key, established (its hello read); the socket. */
static int open_stream(const char *key) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(W.port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char req[512];
    snprintf(req, sizeof req,
             "GET /v1/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
             "Authorization: Bearer %s\r\nConnection: close\r\n\r\n",
             key);
    assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
    char buf[4096];
    size_t got = 0;
    assert_true(read_until(fd, buf, sizeof buf, &got, "retry: 2000"));
    assert_memory_equal(buf, "HTTP/1.1 200", 12);
    return fd;
}

/* The secret part of a key (after "lm_<id>_"). */
static const char *secret_of(const char *key) {
    return key + 3 + STORE_KEY_ID_LEN + 1;
}

static void test_keys_list_and_revoke(void **state) {
    (void)state;
    http_test_resp r;
    assert_int_equal(get("/v1/keys", W.admin, &r), 200);
    const char *body = r.body.data;
    assert_non_null(body);
    const char *keys[] = {W.admin, W.admin2, W.disp};
    for (size_t i = 0; i < 3; i++) {
        assert_null(strstr(body, keys[i]));
        assert_null(strstr(body, secret_of(keys[i])));
    }
    assert_null(strstr(body, "hash"));
    assert_null(strstr(body, "salt"));
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(r.json, "keys");
    assert_int_equal(cJSON_GetArraySize(list), 3);
    int seen_disp = 0;
    const cJSON *k;
    cJSON_ArrayForEach(k, list) {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "key_id"));
        const char *prefix = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "prefix"));
        assert_non_null(id);
        assert_non_null(prefix);
        char want[64];
        snprintf(want, sizeof want, "lm_%s_", id);
        assert_string_equal(prefix, want);
        if (!strcmp(id, W.disp_i.id)) {
            seen_disp++;
            assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "role")),
                                "dispatcher");
            assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(k, "revoked_ms")));
        }
    }
    assert_int_equal(seen_disp, 1);
    http_test_resp_free(&r);

    /* only an admin lists or revokes */
    assert_int_equal(get("/v1/keys", W.disp, &r), 403);
    http_test_resp_free(&r);

    /* the dispatcher works, is revoked, and the very next request fails; its open event stream
     * ends (the stream of a key still live goes on) */
    assert_int_equal(get("/v1/whoami", W.disp, &r), 200);
    http_test_resp_free(&r);
    int disp_stream = open_stream(W.disp), admin_stream = open_stream(W.admin);
    char path[64];
    snprintf(path, sizeof path, "/v1/keys/%s", W.disp_i.id);
    http_test_req del = {.method = "DELETE", .path = path, .key = W.admin, .timeout_s = 10};
    http_test_request(W.port, &del, &r);
    assert_int_equal(r.status, 204);
    http_test_resp_free(&r);
    assert_int_equal(get("/v1/whoami", W.disp, &r), 401);
    http_test_resp_free(&r);
    char sbuf[8192];
    size_t sgot = 0;
    bool ended = read_until(disp_stream, sbuf, sizeof sbuf, &sgot, NULL);
    close(disp_stream);
    sgot = 0;
    bool admin_saw = read_until(admin_stream, sbuf, sizeof sbuf, &sgot, "event: key.revoked");
    close(admin_stream);
    assert_true(ended);
    assert_true(admin_saw);
    http_test_request(W.port, &del, &r); /* again: already revoked */
    assert_int_equal(r.status, 409);
    http_test_resp_free(&r);
    http_test_req del_as_revoked = {.method = "DELETE", .path = path, .key = W.disp};
    http_test_request(W.port, &del_as_revoked, &r);
    assert_int_equal(r.status, 401);
    http_test_resp_free(&r);
    http_test_req unknown = {
        .method = "DELETE", .path = "/v1/keys/0123456789abcdef", .key = W.admin};
    http_test_request(W.port, &unknown, &r);
    assert_int_equal(r.status, 404);
    http_test_resp_free(&r);

    /* listed as revoked */
    assert_int_equal(get("/v1/keys", W.admin, &r), 200);
    int revoked = 0;
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(r.json, "keys")) {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "key_id"));
        if (id && !strcmp(id, W.disp_i.id))
            revoked += cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(k, "revoked_ms"));
    }
    assert_int_equal(revoked, 1);
    http_test_resp_free(&r);

    /* an admin may revoke another admin, but not the last live one */
    snprintf(path, sizeof path, "/v1/keys/%s", W.admin2_i.id);
    http_test_req del2 = {.method = "DELETE", .path = path, .key = W.admin};
    http_test_request(W.port, &del2, &r);
    assert_int_equal(r.status, 204);
    http_test_resp_free(&r);
    snprintf(path, sizeof path, "/v1/keys/%s", W.admin_i.id);
    http_test_req del_last = {.method = "DELETE", .path = path, .key = W.admin};
    http_test_request(W.port, &del_last, &r);
    assert_int_equal(r.status, 409);
    http_test_resp_free(&r);
    assert_int_equal(get("/v1/whoami", W.admin, &r), 200);
    http_test_resp_free(&r);

    /* each revocation is an event, in the same transaction */
    http_test_serve_stop(W.pid);
    W.pid = -1;
    store *s = NULL;
    assert_int_equal(tmp_db_store_open(&W.tmp, 1, &s), 0);
    int64_t events = tmp_db_count_events(s, "key.revoked");
    store_close(s);
    assert_int_equal(events, 2);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_paths),
        cmocka_unit_test(test_static_raw_bytes),
        cmocka_unit_test(test_keys_list_and_revoke),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
