/* The request log (api/http/log.h) on its own: lines written by several threads at once all come
 * out complete after the log is destroyed (its buffer flushed), none lost and each thread's in
 * its order; under a ring far too small for them, every line is either written whole or counted
 * as dropped; levels and per-route levels decide what is written, sampling keeps one in N, bad
 * settings are refused with the field named, and a full ring drops lines (counted) instead of
 * blocking; paths are redacted as lm_redact_path does, whichever way the log thread takes; the
 * lock-free ring itself (api/http/log_ring.h): wrap-around, a full ring refusing, an uncommitted
 * record holding back the ones after it; and through the real server, the log level and
 * per-route levels configured on api_server_opts. */
#include "api/api.h"
#include "api/http/log.h"
#include "api/http/log_ring.h"
#include "common/redact.h"
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define THREADS    4
#define PER_THREAD 3000

/* A temporary file for the log; its name in path. */
static int log_file(char *path, size_t size) {
    snprintf(path, size, "/tmp/lm_http_log_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    return fd;
}

/* A log writing to a new temporary file (its name in path, its descriptor in *fd, the caller's to
 * close after http_log_destroy), with the ring's size and flush period (0: the defaults). */
static http_log *log_open(char *path, size_t size, int *fd, size_t ring_bytes, int flush_ms) {
    http_log_opts o;
    http_log_opts_init(&o);
    o.fd = *fd = log_file(path, size);
    if (ring_bytes) o.ring_bytes = ring_bytes;
    if (flush_ms) o.flush_ms = flush_ms;
    http_log *lg = NULL;
    assert_int_equal(http_log_create(&o, &lg, NULL), LM_OK);
    return lg;
}

/* Reads path's lines: every one must be complete JSON; counts them, and those whose field equals
 * value when field is given. */
static int count_lines(const char *path, const char *field, const char *value, int *matching) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[2048];
    int n = 0;
    if (matching) *matching = 0;
    while (fgets(line, sizeof line, f)) {
        assert_non_null(strchr(line, '\n'));
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(j, field ? field : "level"));
        if (matching && field && v && !strcmp(v, value)) (*matching)++;
        cJSON_Delete(j);
        n++;
    }
    fclose(f);
    return n;
}

static const char *const TRACK_PATH = "/v1/track/0123456789abcdef0123456789abcdef";

static void log_access(http_log *lg, http_log_level level, const char *route, int status) {
    http_log_access_rec a = {.method = "GET",
                             .path = TRACK_PATH,
                             .route = route,
                             .key_id = "",
                             .status = status,
                             .duration_us = 120,
                             .sample = 1};
    http_log_access(lg, level, &a);
}

/* A writer thread: PER_THREAD lines whose key id names the thread and whose bytes_in counts 0, 1,
 * 2 ... so that the reader can tell each thread's lines and their order. */
typedef struct writer_arg {
    http_log *lg;
    int id, lines;
} writer_arg;

static void *writer(void *arg) {
    writer_arg *w = arg;
    char key[16];
    snprintf(key, sizeof key, "k_t%d", w->id);
    for (int i = 0; i < w->lines; i++) {
        http_log_access_rec a = {.method = "GET",
                                 .path = TRACK_PATH,
                                 .route = "/v1/track/{token}",
                                 .key_id = key,
                                 .status = 200,
                                 .duration_us = 120,
                                 .bytes_in = (size_t)i,
                                 .sample = 1};
        http_log_access(w->lg, HTTP_LOG_INFO, &a);
    }
    return NULL;
}

/* More writer threads than the log has rings of their own (16), for test_more_threads_than_rings */
#define MANY_THREADS 20

/* Runs n writer threads (ids 0..n-1, n <= MANY_THREADS), each logging lines lines. */
static void run_writers(http_log *lg, int n, int lines) {
    pthread_t t[MANY_THREADS];
    writer_arg w[MANY_THREADS];
    assert_true(n <= MANY_THREADS);
    for (int i = 0; i < n; i++) {
        w[i] = (writer_arg){lg, i, lines};
        assert_int_equal(pthread_create(&t[i], NULL, writer, &w[i]), 0);
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}

/* Reads the lines of n writers from path: each complete JSON, each thread's bytes_in increasing
 * (its order kept); per-thread counts in seen[0..n), the log's own lines counted in *own and
 * their "dropped" reports summed in *reported. */
static void read_writer_lines(const char *path, int n, int *seen, int *own, long *reported) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[2048];
    long last[MANY_THREADS];
    assert_true(n <= MANY_THREADS);
    for (int i = 0; i < n; i++) {
        seen[i] = 0;
        last[i] = -1;
    }
    *own = 0;
    *reported = 0;
    while (fgets(line, sizeof line, f)) {
        assert_non_null(strchr(line, '\n'));
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        cJSON *dropped = cJSON_GetObjectItem(j, "dropped");
        const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(j, "key_id"));
        if (cJSON_GetObjectItem(j, "component")) { /* the log's own lines */
            (*own)++;
            if (dropped) *reported += (long)dropped->valuedouble;
        } else {
            assert_non_null(key);
            int id = (int)strtol(key + 3, NULL, 10);
            assert_true(id >= 0 && id < n);
            long b = (long)cJSON_GetObjectItem(j, "bytes_in")->valuedouble;
            assert_true(b > last[id]);
            last[id] = b;
            seen[id]++;
            assert_null(strstr(line, "0123456789abcdef0123456789abcdef")); /* redacted */
        }
        cJSON_Delete(j);
    }
    fclose(f);
}

/* Every line queued before destroy is on disk, whole, after it, each thread's in its order: a
 * ring with room for exactly all of them loses none; the token is redacted. */
static void test_lines_complete_after_destroy(void **state) {
    (void)state;
    char path[64];
    http_log_access_rec probe = {.method = "GET", .path = TRACK_PATH, .key_id = "k_t0"};
    /* room for all and the message: this test is about flushing and concurrent writers; a flush
     * period longer than the test: only destroy flushes */
    int fd = -1;
    http_log *lg = log_open(path, sizeof path, &fd,
                            (THREADS * PER_THREAD + 4) * http_log_access_bytes(&probe), 1000);
    run_writers(lg, THREADS, PER_THREAD);
    http_log_message(lg, HTTP_LOG_WARN, "test", "a \"quoted\" message\n");
    uint64_t written = 0, dropped = 0;
    http_log_counts(lg, &written, &dropped);
    assert_int_equal(dropped, 0);
    http_log_destroy(lg);
    close(fd);
    int info = 0;
    assert_int_equal(count_lines(path, "level", "info", &info), THREADS * PER_THREAD + 1);
    assert_int_equal(info, THREADS * PER_THREAD);
    int seen[THREADS], own = 0;
    long reported = 0;
    read_writer_lines(path, THREADS, seen, &own, &reported);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(seen[i], PER_THREAD);
    assert_int_equal(reported, 0);
    unlink(path);
}

/* A ring far too small for four threads writing as fast as they can while the log thread drains
 * it: every line is written whole or counted as dropped (none both, none neither), the log
 * reports each drop, each thread's written lines keep its order. */
static void test_small_ring_counts_every_line(void **state) {
    (void)state;
    char path[64];
    int fd = -1;
    http_log *lg = log_open(path, sizeof path, &fd, 4096, 1);
    run_writers(lg, THREADS, 4 * PER_THREAD);
    http_log_destroy(lg);
    close(fd);
    int seen[THREADS], own = 0;
    long reported = 0, total = 0;
    read_writer_lines(path, THREADS, seen, &own, &reported);
    for (int i = 0; i < THREADS; i++)
        total += seen[i];
    assert_int_equal(total + reported, THREADS * 4 * PER_THREAD);
    assert_true(total > 0);
    unlink(path);
}

/* More threads than have rings of their own (16): the later ones share the common ring; every
 * line is written, none dropped, each thread's in its order. */
#define MANY_LINES 300

static void test_more_threads_than_rings(void **state) {
    (void)state;
    char path[64];
    int fd = -1;
    http_log_access_rec probe = {.method = "GET",
                                 .path = TRACK_PATH,
                                 .route = "/v1/track/{token}",
                                 .key_id = "k_t19",
                                 .duration_us = 120,
                                 .bytes_in = MANY_LINES};
    /* the shared ring has room for the four threads beyond 16 */
    http_log *lg =
        log_open(path, sizeof path, &fd, 5 * MANY_LINES * http_log_access_bytes(&probe), 1000);
    run_writers(lg, MANY_THREADS, MANY_LINES);
    http_log_destroy(lg);
    close(fd);
    int seen[MANY_THREADS], own = 0, total = 0;
    long reported = 0;
    read_writer_lines(path, MANY_THREADS, seen, &own, &reported);
    assert_int_equal(own, 0); /* no "dropped" report: only access lines */
    for (int i = 0; i < MANY_THREADS; i++) {
        assert_int_equal(seen[i], MANY_LINES);
        total += seen[i];
    }
    assert_int_equal(total, MANY_THREADS * MANY_LINES);
    unlink(path);
}

/* Lines from two threads' rings come out merged by the time their requests ended: one thread
 * logs the odd milliseconds, then another the even ones; written in one batch, the file's ts_ms
 * never goes back. */
typedef struct timed_arg {
    http_log *lg;
    int64_t first_ns;
} timed_arg;

static void *timed_writer(void *arg) {
    timed_arg *w = arg;
    for (int i = 0; i < 50; i++) {
        http_log_access_rec a = {.method = "GET",
                                 .path = "/healthz",
                                 .key_id = "",
                                 .status = 200,
                                 .end_ns = w->first_ns + (int64_t)i * 2000000,
                                 .sample = 1};
        http_log_access(w->lg, HTTP_LOG_INFO, &a);
    }
    return NULL;
}

static void test_rings_merged_by_time(void **state) {
    (void)state;
    char path[64];
    int fd = -1;
    http_log *lg = log_open(path, sizeof path, &fd, 0, 600000); /* only destroy writes */
    int64_t base = lm_mono_ns();
    for (int k = 0; k < 2; k++) { /* one after the other: two threads, two rings */
        timed_arg w = {lg, base + (k ? 0 : 1000000)};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, timed_writer, &w), 0);
        pthread_join(t, NULL);
    }
    http_log_destroy(lg);
    close(fd);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[2048];
    double last = 0;
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        double ts = cJSON_GetObjectItem(j, "ts_ms")->valuedouble;
        assert_true(ts >= last);
        last = ts;
        n++;
        cJSON_Delete(j);
    }
    fclose(f);
    assert_int_equal(n, 100);
    unlink(path);
}

/* The lock-free ring on its own: records come out in reservation order, an uncommitted one holds
 * back those after it, a full ring refuses at once, a record that would straddle the end is
 * placed at the start after padding, and a full ring's head is not mistaken for a record. */
static void test_ring_wraps_and_refuses(void **state) {
    (void)state;
    http__ring *rg = NULL;
    assert_int_equal(http__ring_create(256, &rg), LM_OK);
    assert_int_equal(http__ring_record_bytes(40), 48);
    unsigned char *rec[6];
    for (int i = 0; i < 5; i++) {
        rec[i] = http__ring_reserve(rg, 40, 1, NULL);
        assert_non_null(rec[i]);
        memset(rec[i], 'a' + i, 40);
    }
    assert_null(http__ring_reserve(rg, 40, 1, NULL)); /* 240 + 16 of padding + 48 > 256 */
    unsigned kind = 0;
    size_t size = 0;
    http__ring_commit(rg, rec[1]);
    assert_null(http__ring_peek(rg, 0, &kind, &size)); /* the first is not committed yet */
    http__ring_commit(rg, rec[0]);
    uint64_t pos = 0;
    for (int i = 0; i < 3; i++) {
        if (i == 2) {
            assert_null(http__ring_peek(rg, pos, &kind, &size)); /* the third is not committed */
            for (int k = 2; k < 5; k++)
                http__ring_commit(rg, rec[k]);
        }
        const unsigned char *p = http__ring_peek(rg, pos, &kind, &size);
        assert_non_null(p);
        assert_int_equal(kind, 1);
        assert_int_equal(size, 48);
        assert_int_equal(p[39], 'a' + i);
        pos += size;
    }
    http__ring_release(rg, pos); /* positions 0 .. 144 go back */
    assert_int_equal(http__ring_tail(rg), 144);
    size_t used = 0;
    rec[5] = http__ring_reserve(rg, 40, 2, &used); /* at 240: 16 bytes of padding, then at 0 */
    assert_non_null(rec[5]);
    assert_int_equal(used, 304 - 144);
    memset(rec[5], 'z', 40);
    http__ring_commit(rg, rec[5]);
    assert_int_equal(http__ring_head(rg), 304);
    for (int i = 3; i < 5; i++) {
        const unsigned char *p = http__ring_peek(rg, pos, &kind, &size);
        assert_non_null(p);
        assert_int_equal(p[0], 'a' + i);
        pos += size;
    }
    const unsigned char *p = http__ring_peek(rg, pos, &kind, &size);
    assert_non_null(p);
    assert_int_equal(kind, 2);
    assert_int_equal(size, 64); /* the padding and the record */
    assert_int_equal(p[0], 'z');
    pos += size;
    assert_null(http__ring_peek(rg, pos, &kind, &size)); /* the head: nothing reserved */
    http__ring_release(rg, pos);
    http__ring_destroy(rg);

    /* exactly full: after reading all four, the position is the oldest record's slot */
    assert_int_equal(http__ring_create(256, &rg), LM_OK);
    for (int i = 0; i < 4; i++) {
        void *r = http__ring_reserve(rg, 56, 1, &used);
        assert_non_null(r);
        http__ring_commit(rg, r);
    }
    assert_int_equal(used, 256);
    assert_null(http__ring_reserve(rg, 1, 1, NULL));
    for (pos = 0; http__ring_peek(rg, pos, &kind, &size); pos += size)
        assert_true(pos < 256);
    assert_int_equal(pos, 256);
    http__ring_release(rg, pos);
    assert_non_null(http__ring_reserve(rg, 1, 1, NULL)); /* room again */
    http__ring_destroy(rg);
}

/* Paths with bytes JSON must escape (quotes, backslashes, control bytes, DEL) at every offset of
 * an 8-byte word, and UTF-8, come back byte for byte when the line is parsed; so do methods and
 * route patterns that need escaping beside ones that do not. */
static void test_escaping(void **state) {
    (void)state;
    static const char *const paths[] = {"/plain/path/longer/than/sixteen/bytes",
                                        "/a\"b\\c\x01d\x7f"
                                        "e/\xc3\xa9t\xc3\xa9",
                                        "/0123456\"",
                                        "/01234567\\",
                                        "/012345678901234\n",
                                        "/0123456789012345\x1f/x",
                                        "\x7f/0123456789abcdef0123456789",
                                        "/q?\"=1"};
    size_t n = sizeof paths / sizeof paths[0];
    char path[64];
    int fd = -1;
    http_log *lg = log_open(path, sizeof path, &fd, 0, 0);
    /* routes: none, one that needs escaping, a plain one (each measured once, then reused) */
    static const char *const routes[] = {NULL, "/r\"q\x01", "/v1/orders/{id}"};
    static const char *const methods[] = {"GET", "M\"\\", "POST"};
    for (size_t i = 0; i < n; i++) {
        http_log_access_rec a = {.method = methods[i % 3],
                                 .path = paths[i],
                                 .route = routes[i % 3],
                                 .key_id = "k\"1",
                                 .status = 200};
        http_log_access(lg, HTTP_LOG_INFO, &a);
    }
    http_log_destroy(lg);
    close(fd);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[2048];
    size_t i = 0;
    for (; fgets(line, sizeof line, f); i++) {
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        assert_true(i < n);
        /* nothing to redact in these (the query's key is not a secret's) */
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "path")), paths[i]);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "key_id")), "k\"1");
        cJSON *route = cJSON_GetObjectItem(j, "route");
        if (routes[i % 3])
            assert_string_equal(cJSON_GetStringValue(route), routes[i % 3]);
        else
            assert_true(cJSON_IsNull(route));
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "method")), methods[i % 3]);
        cJSON_Delete(j);
    }
    fclose(f);
    assert_int_equal(i, n);
    unlink(path);
}

/* The log thread's one-pass path (no query, nothing to escape) writes what lm_redact_path would:
 * tracking tokens of 16 bytes or more keep 4, shorter ones none, an empty one stays empty, the
 * rest of the path follows; paths of every length around a 16-byte block, and ones the one-pass
 * path leaves to the general one (a query, a quote), agree too. */
static void test_redaction_matches(void **state) {
    (void)state;
    static const char *const paths[] = {"/v1/track/0123456789abcdef",
                                        "/v1/track/0123456789abcde",
                                        "/v1/track/0123456789abcdef0123/cancel",
                                        "/v1/track/abc/cancel",
                                        "/v1/track/",
                                        "/track/0123456789abcdef0",
                                        "/track/",
                                        "/",
                                        "/healthz",
                                        "/v1/orders/0123",
                                        "/v1/orders/01234",
                                        "/v1/orders/012345678901234567890",
                                        "/v1/track/0123456789abcdef?token=0123456789abcdef",
                                        "/v1/track/0123456789\"abcdef",
                                        "/dev?id=phone-1&lat=1"};
    size_t n = sizeof paths / sizeof paths[0];
    char path[64];
    int fd = -1;
    http_log *lg = log_open(path, sizeof path, &fd, 0, 0);
    for (size_t i = 0; i < n; i++) {
        http_log_access_rec a = {.method = "GET", .path = paths[i], .key_id = "", .status = 200};
        http_log_access(lg, HTTP_LOG_INFO, &a);
    }
    http_log_destroy(lg);
    close(fd);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[2048], want[256];
    size_t i = 0;
    for (; fgets(line, sizeof line, f); i++) {
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        assert_true(i < n);
        lm_redact_path(paths[i], want, sizeof want);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "path")), want);
        cJSON_Delete(j);
    }
    fclose(f);
    assert_int_equal(i, n);
    unlink(path);
}

/* A line at every cap (a 3,000-byte path, a 100-byte key id and a 40-byte method, all control
 * bytes, each escaped to 6): complete JSON, path cut at 2,048 bytes, key id at 63, method at 15. */
static void test_longest_line(void **state) {
    (void)state;
    static char long_path[3001], key[101], method[41];
    long_path[0] = '/';
    memset(long_path + 1, '\x01', sizeof long_path - 2);
    memset(key, '\x02', sizeof key - 1);
    memset(method, '\x03', sizeof method - 1);
    char path[64];
    int fd = -1;
    http_log *lg = log_open(path, sizeof path, &fd, 0, 0);
    http_log_access_rec a = {.method = method, .path = long_path, .key_id = key, .status = 500};
    http_log_access(lg, HTTP_LOG_ERROR, &a);
    http_log_destroy(lg);
    close(fd);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char line[32768];
    assert_non_null(fgets(line, sizeof line, f));
    assert_null(fgets(line + strlen(line), (int)(sizeof line - strlen(line)), f)); /* one line */
    fclose(f);
    assert_non_null(strchr(line, '\n'));
    cJSON *j = cJSON_Parse(line);
    assert_non_null(j);
    assert_int_equal(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(j, "path"))), 2048);
    assert_int_equal(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(j, "key_id"))), 63);
    assert_int_equal(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(j, "method"))), 15);
    cJSON_Delete(j);
    unlink(path);
}

/* http_log_flush returns once what was queued is written, without stopping the log. */
static void test_flush(void **state) {
    (void)state;
    char path[64];
    int fd = -1;
    http_log *lg = log_open(path, sizeof path, &fd, 0, 10000);
    for (int i = 0; i < 10; i++)
        log_access(lg, HTTP_LOG_WARN, "/v1/orders", 404);
    http_log_flush(lg);
    assert_int_equal(count_lines(path, NULL, NULL, NULL), 10);
    uint64_t written = 0, dropped = 0;
    http_log_counts(lg, &written, &dropped);
    assert_int_equal(written, 10);
    assert_int_equal(dropped, 0);
    http_log_destroy(lg);
    close(fd);
    unlink(path);
}

/* Levels, per-route overrides (with and without a method) and the checks of bad settings. */
static void test_levels_and_routes(void **state) {
    (void)state;
    http_log_level l;
    assert_true(http_log_level_parse("WARN", &l));
    assert_int_equal(l, HTTP_LOG_WARN);
    assert_false(http_log_level_parse("loud", &l));
    lm_errinfo err = {0};
    assert_int_equal(http_log_routes_check("/v1/track/{token}=loud", "log_routes", &err),
                     LM_INVALID);
    assert_string_equal(err.field, "log_routes");
    assert_int_equal(http_log_routes_check("v1/orders=warn", "log_routes", &err), LM_INVALID);
    assert_int_equal(http_log_routes_check("/a=warn,GET /b=off", "log_routes", NULL), LM_OK);

    http_log_opts o;
    http_log_opts_init(&o);
    o.fd = -1;
    o.level = HTTP_LOG_INFO;
    o.routes = "GET /v1/track/{token}=warn,/v1/osmand=off";
    http_log *lg = NULL;
    assert_int_equal(http_log_create(&o, &lg, NULL), LM_OK);
    assert_int_equal(http_log_route_level(lg, "GET", "/v1/track/{token}"), HTTP_LOG_WARN);
    assert_int_equal(http_log_route_level(lg, "POST", "/v1/track/{token}"), HTTP_LOG_INFO);
    assert_int_equal(http_log_route_level(lg, "POST", "/v1/osmand"), HTTP_LOG_OFF);
    assert_int_equal(http_log_route_level(lg, "GET", "/v1/orders"), HTTP_LOG_INFO);
    http_log_destroy(lg);
    o.routes = "/v1/osmand";
    assert_int_equal(http_log_create(&o, &lg, &err), LM_INVALID);
    assert_string_equal(err.field, "log_routes");
    o.routes = NULL;
    o.sample = 2000000;
    assert_int_equal(http_log_create(&o, &lg, &err), LM_INVALID);
    assert_string_equal(err.field, "log_sample");
}

typedef struct drain {
    int fd;
    size_t skip; /* the filler bytes written before the log's */
    lm_buf got;
} drain;

static void *drain_main(void *arg) {
    drain *d = arg;
    char buf[4096];
    ssize_t n;
    while ((n = read(d->fd, buf, sizeof buf)) > 0) {
        size_t k = (size_t)n, off = 0;
        if (d->skip) {
            off = d->skip < k ? d->skip : k;
            d->skip -= off;
        }
        assert_int_equal(lm_buf_append(&d->got, buf + off, k - off), LM_OK);
    }
    return NULL;
}

/* A log whose descriptor blocks (a full pipe nobody reads yet) fills its ring of 16: of 40 lines
 * the 24 beyond it are dropped at once, the writer never waits, and once the pipe is read the
 * 16 come out followed by the line saying 24 were lost. */
static void test_full_ring_drops(void **state) {
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    int fl = fcntl(p[1], F_GETFL);
    fcntl(p[1], F_SETFL, fl | O_NONBLOCK);
    char filler[4096];
    memset(filler, 'x', sizeof filler);
    size_t filled = 0;
    ssize_t w;
    while ((w = write(p[1], filler, sizeof filler)) > 0)
        filled += (size_t)w;
    fcntl(p[1], F_SETFL, fl); /* blocking again: the log thread's write waits in the kernel */
    http_log_opts o;
    http_log_opts_init(&o);
    o.fd = p[1];
    http_log_access_rec probe = {.method = "GET", .path = TRACK_PATH, .key_id = ""};
    o.ring_bytes = 16 * http_log_access_bytes(&probe); /* exactly 16 such lines */
    http_log *lg = NULL;
    assert_int_equal(http_log_create(&o, &lg, NULL), LM_OK);
    for (int i = 0; i < 40; i++)
        log_access(lg, HTTP_LOG_INFO, "/healthz", 200);
    uint64_t written = 0, dropped = 0;
    http_log_counts(lg, &written, &dropped);
    assert_int_equal(dropped, 24);
    drain d = {.fd = p[0], .skip = filled};
    lm_buf_init(&d.got, (size_t)1 << 20);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, drain_main, &d), 0);
    http_log_destroy(lg);
    close(p[1]);
    pthread_join(t, NULL);
    close(p[0]);
    int lines = 0, warn = 0;
    for (char *line = d.got.data; line && *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j, "level")), "warn")) {
            warn++;
            assert_int_equal(cJSON_GetObjectItem(j, "dropped")->valueint, 24);
        }
        cJSON_Delete(j);
        lines++;
        line = nl + 1;
    }
    assert_int_equal(lines, 17);
    assert_int_equal(warn, 1);
    lm_buf_free(&d.got);
}

/* Through the real server: level warn writes 4xx lines only, a route set to off writes none,
 * sampling one in 4 of /healthz keeps 1 line of 4 with "sample": 4. */
static void test_server_levels(void **state) {
    (void)state;
    tmp_db tmp;
    assert_int_equal(tmp_db_create(&tmp, "lm_log_"), 0);
    store *s = NULL;
    assert_int_equal(tmp_db_store_open(&tmp, 2, &s), 0);
    char path[64];
    int fd = log_file(path, sizeof path);
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.log_fd = fd;
    o.log_level = "bogus";
    api_server *srv = NULL;
    lm_errinfo err = {0};
    assert_int_equal(api_server_start(&o, s, &srv, &err), LM_INVALID);
    assert_string_equal(err.field, "log_level");
    o.log_level = "warn";
    o.log_routes = "GET /v1/whoami=off,GET /healthz=info";
    o.log_sample = 4;
    assert_int_equal(api_server_start(&o, s, &srv, &err), LM_OK);
    uint16_t port = api_server_port(srv);
    http_test_resp r;
    for (int i = 0; i < 8; i++) {
        http_test_req q = {.method = "GET", .path = "/healthz", .timeout_s = 20};
        http_test_request(port, &q, &r);
        assert_int_equal(r.status, 200);
        http_test_resp_free(&r);
    }
    http_test_req q = {.method = "GET", .path = "/v1/whoami", .timeout_s = 20};
    http_test_request(port, &q, &r); /* 401, but its route is off */
    assert_int_equal(r.status, 401);
    http_test_resp_free(&r);
    http_test_req q2 = {.method = "GET", .path = "/v1/orders", .timeout_s = 20};
    http_test_request(port, &q2, &r); /* 401 at warn: written */
    assert_int_equal(r.status, 401);
    http_test_resp_free(&r);
    http_test_req qm = {.method = "GET", .path = "/metrics", .timeout_s = 20};
    http_test_request(port, &qm, &r); /* the log's counters (its own line is info: below warn) */
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "\nlastmile_log_lines_dropped_total 0\n"));
    assert_non_null(strstr(r.body.data, "\nlastmile_log_lines_written_total "));
    http_test_resp_free(&r);
    api_server_stop(srv, 5000);
    close(fd);
    int info = 0, warn = 0;
    assert_int_equal(count_lines(path, "level", "info", &info), 3);
    assert_int_equal(info, 2);
    assert_int_equal(count_lines(path, "level", "warn", &warn), 3);
    assert_int_equal(warn, 1);
    FILE *f = fopen(path, "r");
    char line[2048];
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_non_null(strstr(line, "\"sample\":4"));
    unlink(path);
    store_close(s);
    tmp_db_remove(&tmp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_complete_after_destroy),
        cmocka_unit_test(test_small_ring_counts_every_line),
        cmocka_unit_test(test_more_threads_than_rings),
        cmocka_unit_test(test_rings_merged_by_time),
        cmocka_unit_test(test_ring_wraps_and_refuses),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_redaction_matches),
        cmocka_unit_test(test_longest_line),
        cmocka_unit_test(test_flush),
        cmocka_unit_test(test_levels_and_routes),
        cmocka_unit_test(test_full_ring_drops),
        cmocka_unit_test(test_server_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
