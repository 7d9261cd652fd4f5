/* bench/bench_log.c: what one access line costs the request log (api/http/log.h) on its own, away
 * from the server: CPU of the whole process per line, and its two parts: the request side (the
 * producing thread: the record copied into the ring, what a request pays) and the log thread
 * (formatting, redaction and write(2) into a file: the rest), for N lines queued by one thread
 * with short pauses so that the ring never drops. Quoted by bench/results/perf-logging.md: the
 * server's own profile at full load inflates the log's share with cache misses and the run queue
 * of a shared core. It uses only the log's public API as it was before round 3, so that the same
 * source measures the build before (perf-logging.md). RING_MIB (default 1, the server's) sizes the
 * ring: under valgrind the log thread falls behind, and a ring of LINES records keeps every line.
 * Usage: bench_log [LINES] [OUTPUT_FILE] [RING_MIB] */
#include "api/http/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double secs(clockid_t clk) {
    struct timespec t;
    clock_gettime(clk, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 500000;
    const char *path = argc > 2 ? argv[2] : "/tmp/lm_bench_log.out";
    if (n < 1) n = 500000;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return 1;
    http_log_opts o;
    http_log_opts_init(&o);
    o.fd = fd;
    if (argc > 3 && strtol(argv[3], NULL, 10) > 0)
        o.ring_bytes = (size_t)strtol(argv[3], NULL, 10) << 20;
    http_log *lg = NULL;
    if (http_log_create(&o, &lg, NULL) != LM_OK) return 1;
    /* a tracking poll's line: the path carries a token the log redacts */
    http_log_access_rec a = {.method = "GET",
                             .path = "/v1/track/0123456789abcdef0123456789abcdef",
                             .route = "/v1/track/{token}",
                             .key_id = "",
                             .status = 200,
                             .duration_us = 412,
                             .sample = 1};
    double w0 = secs(CLOCK_MONOTONIC), c0 = secs(CLOCK_PROCESS_CPUTIME_ID), p = 0;
    for (long i = 0; i < n;) {
        double t0 = secs(CLOCK_THREAD_CPUTIME_ID);
        for (long k = 0; k < 2048 && i < n; k++, i++)
            http_log_access(lg, HTTP_LOG_INFO, &a);
        p += secs(CLOCK_THREAD_CPUTIME_ID) - t0;
        usleep(2000); /* 2,048 lines, well below the ring's room: nothing is dropped */
    }
    http_log_destroy(lg);
    double w1 = secs(CLOCK_MONOTONIC), c1 = secs(CLOCK_PROCESS_CPUTIME_ID);
    close(fd);
    printf("%ld lines, %.0f ns of CPU per line (all threads): request side %.0f, log thread %.0f; "
           "%.2f s wall\n",
           n, (c1 - c0) * 1e9 / (double)n, p * 1e9 / (double)n, (c1 - c0 - p) * 1e9 / (double)n,
           w1 - w0);
    unlink(path);
    return 0;
}
