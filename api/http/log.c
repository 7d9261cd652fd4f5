/* api/http/log.c: the request log (api/http/log.h): a ring of fixed-size records filled by the
 * request threads under a short lock, and one thread that formats them (JSON, redacted) and
 * writes them in large chunks.
 *
 * Why a thread and a ring: the log used to write() one line per request from the request's own
 * thread, unbuffered, which cost a syscall per request and made every request wait on the log's
 * file descriptor (bench/results/perf-logging.md). Now a request copies ~0.6 KB and leaves;
 * formatting and redaction, the costly parts, run on the log thread, and one write carries up to
 * a flush interval's worth of lines. */
#include "api/http/log.h"
#include "common/redact.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define REC_TEXT  400 /* bytes of a path or message kept (longer ones are cut) */
#define OUT_CHUNK ((size_t)256 << 10)

enum { REC_ACCESS, REC_MESSAGE };

typedef struct log_rec {
    int64_t ts_ms, duration_us;
    uint64_t bytes_in;
    const char *route; /* static: the route table's pattern */
    int status;
    unsigned sample;
    unsigned char level, kind;
    bool aborted;
    char method[12];
    char key_id[24];
    char component[24];
    char text[REC_TEXT]; /* the raw path, or the message */
} log_rec;

typedef struct route_override {
    char method[8]; /* "" = any */
    char *pattern;
    http_log_level level;
} route_override;

struct http_log {
    http_log_opts o;
    route_override *routes;
    size_t n_routes;
    log_rec *ring;
    size_t cap;
    pthread_mutex_t mu;
    pthread_cond_t work_cv;  /* the thread waits here */
    pthread_cond_t flush_cv; /* http_log_flush waits here */
    uint64_t head, tail;     /* records [tail, head) are queued; slot = index % cap */
    uint64_t written_upto;   /* every record before this index is written */
    uint64_t flush_want;     /* a flusher waits for the records before this index */
    uint64_t written, dropped, dropped_reported;
    bool stop, started, sleeping;
    pthread_t thread;
    char *out; /* the thread's formatting buffer */
};

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void http_log_opts_init(http_log_opts *o) {
    memset(o, 0, sizeof *o);
    o->fd = 2;
    o->level = HTTP_LOG_INFO;
    o->routes = NULL;
    o->sample = 1;
    o->ring_records = 8192;
    o->flush_ms = 50;
}

bool http_log_level_parse(const char *text, http_log_level *out) {
    for (int i = 0; text && i <= HTTP_LOG_OFF; i++)
        if (!strcasecmp(text, level_names[i])) {
            *out = (http_log_level)i;
            return true;
        }
    return false;
}

const char *http_log_level_name(http_log_level l) {
    return (unsigned)l <= HTTP_LOG_OFF ? level_names[l] : "?";
}

/* ---- Per-route thresholds ---- */

/* Parses one "[METHOD ]PATTERN=LEVEL" entry of len bytes into *ov (pattern allocated when ov is
 * not NULL). */
static lm_status override_parse(const char *s, size_t len, route_override *ov, const char *field,
                                lm_errinfo *err) {
    char entry[300];
    if (len >= sizeof entry)
        return lm_errinfo_set(err, LM_INVALID, field, "entry longer than %zu bytes",
                              sizeof entry - 1);
    memcpy(entry, s, len);
    entry[len] = '\0';
    char *eq = strrchr(entry, '=');
    http_log_level lv;
    if (!eq || !http_log_level_parse(eq + 1, &lv))
        return lm_errinfo_set(err, LM_INVALID, field,
                              "'%s': expected [METHOD ]PATTERN=debug|info|warn|error|off", entry);
    *eq = '\0';
    char *pat = entry, *sp = strchr(entry, ' ');
    char method[8] = "";
    if (sp) {
        size_t ml = (size_t)(sp - entry);
        if (ml == 0 || ml >= sizeof method)
            return lm_errinfo_set(err, LM_INVALID, field, "'%s': bad method", entry);
        memcpy(method, entry, ml);
        method[ml] = '\0';
        pat = sp + 1;
    }
    if (pat[0] != '/')
        return lm_errinfo_set(err, LM_INVALID, field, "'%s': a route pattern starts with '/'", pat);
    if (!ov) return LM_OK;
    memcpy(ov->method, method, sizeof method);
    ov->level = lv;
    return (ov->pattern = lm_strdup(pat)) ? LM_OK : LM_NOMEM;
}

/* Parses the whole spec into lg->routes (lg NULL: only checks). */
static lm_status routes_parse(http_log *lg, const char *spec, const char *field, lm_errinfo *err) {
    if (!spec || !spec[0]) return LM_OK;
    size_t n = 1;
    for (const char *p = spec; *p; p++)
        n += *p == ',';
    if (lg && !(lg->routes = lm_calloc(n, sizeof *lg->routes))) return LM_NOMEM;
    for (const char *p = spec; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        lm_status rc = override_parse(p, len, lg ? &lg->routes[lg->n_routes] : NULL, field, err);
        if (rc != LM_OK) return rc;
        if (lg) lg->n_routes++;
        p += len + (end != NULL);
    }
    return LM_OK;
}

lm_status http_log_routes_check(const char *routes, const char *field, lm_errinfo *err) {
    return routes_parse(NULL, routes, field, err);
}

http_log_level http_log_route_level(const http_log *lg, const char *method, const char *pattern) {
    if (!lg) return HTTP_LOG_OFF;
    for (size_t i = 0; pattern && i < lg->n_routes; i++) {
        const route_override *ov = &lg->routes[i];
        if (!strcmp(ov->pattern, pattern) && (!ov->method[0] || !strcmp(ov->method, method)))
            return ov->level;
    }
    return lg->o.level;
}

unsigned http_log_sample(const http_log *lg) {
    return lg && lg->o.sample > 1 ? lg->o.sample : 1;
}

/* ---- Formatting (the log thread) ----
 * By hand rather than with snprintf: at tens of thousands of lines a second, printf's format
 * parsing and its floating-point path were most of the log thread's time (perf-logging.md). */

typedef struct out_buf {
    char *p, *end; /* end leaves room for the closing "}\n" */
    bool full;
} out_buf;

static void put(out_buf *o, const char *s, size_t n) {
    if (o->full || (size_t)(o->end - o->p) < n) {
        o->full = true;
        return;
    }
    memcpy(o->p, s, n);
    o->p += n;
}

static void put_str(out_buf *o, const char *s) {
    put(o, s, strlen(s));
}

static void put_u64(out_buf *o, uint64_t v) {
    char d[24];
    size_t n = sizeof d;
    do {
        d[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(o, d + n, sizeof d - n);
}

static void put_i64(out_buf *o, int64_t v) {
    if (v < 0) {
        put(o, "-", 1);
        put_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(o, (uint64_t)v);
    }
}

/* Bytes a JSON string cannot carry as they are: quotes, backslashes, control bytes (one table
 * lookup per byte instead of four compares: the log thread scans every path it writes). */
static const bool json_escaped[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
    [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
    [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1, [0x7f] = 1};

/* s as the inside of a JSON string: quotes, backslashes and control bytes escaped. */
static void put_json(out_buf *o, const char *s) {
    static const char hex[] = "0123456789abcdef";
    const char *run = s;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (!json_escaped[ch]) continue;
        put(o, run, (size_t)(s - run));
        char esc[6] = {'\\', (char)ch, 0, 0, 0, 0};
        size_t n = 2;
        if (ch < 0x20 || ch == 0x7f) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[ch >> 4];
            esc[5] = hex[ch & 15];
            n = 6;
        }
        put(o, esc, n);
        run = s + 1;
    }
    put(o, run, (size_t)(s - run));
}

/* Formats one record into out (size bytes); the length, 0 when it does not fit. */
static size_t rec_format(const log_rec *r, char *out, size_t size) {
    if (size < 3) return 0;
    out_buf o = {out, out + size - 2, false};
    put_str(&o, "{\"ts_ms\":");
    put_i64(&o, r->ts_ms);
    put_str(&o, ",\"level\":\"");
    put_str(&o, level_names[r->level]);
    if (r->kind == REC_MESSAGE) {
        put_str(&o, "\",\"component\":\"");
        put_json(&o, r->component);
        put_str(&o, "\",\"msg\":\"");
        put_json(&o, r->text);
        put_str(&o, "\"");
    } else {
        /* tracking tokens, device ids and keys never reach the log in full (docs/security.md) */
        char redacted[REC_TEXT];
        lm_redact_path(r->text, redacted, sizeof redacted);
        put_str(&o, "\",\"method\":\"");
        put_json(&o, r->method);
        put_str(&o, "\",\"path\":\"");
        put_json(&o, redacted);
        put_str(&o, "\",\"route\":");
        if (r->route) {
            put_str(&o, "\"");
            put_json(&o, r->route);
            put_str(&o, "\"");
        } else {
            put_str(&o, "null");
        }
        put_str(&o, ",\"status\":");
        put_i64(&o, r->status);
        /* milliseconds with three decimals, from integer microseconds */
        int64_t us = r->duration_us < 0 ? 0 : r->duration_us;
        char frac[4] = {(char)('0' + us / 100 % 10), (char)('0' + us / 10 % 10),
                        (char)('0' + us % 10), 0};
        put_str(&o, ",\"duration_ms\":");
        put_i64(&o, us / 1000);
        put(&o, ".", 1);
        put(&o, frac, 3);
        put_str(&o, ",\"key_id\":");
        if (r->key_id[0]) {
            put_str(&o, "\"");
            put_json(&o, r->key_id);
            put_str(&o, "\"");
        } else {
            put_str(&o, "null");
        }
        put_str(&o, ",\"bytes_in\":");
        put_u64(&o, r->bytes_in);
        if (r->aborted) put_str(&o, ",\"aborted\":true");
        if (r->sample > 1) {
            put_str(&o, ",\"sample\":");
            put_u64(&o, r->sample);
        }
    }
    if (o.full) return 0;
    memcpy(o.p, "}\n", 2);
    return (size_t)(o.p + 2 - out);
}

/* Writes all of buf (a log that cannot be written loses the chunk, never blocks the ring). */
static void write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        buf += w;
        len -= (size_t)w;
    }
}

/* Formats and writes records [from, to) (they are the thread's until tail moves past them). */
static void write_range(http_log *lg, uint64_t from, uint64_t to, uint64_t dropped_now) {
    size_t used = 0;
    if (dropped_now) {
        int n = snprintf(lg->out, OUT_CHUNK,
                         "{\"ts_ms\":%lld,\"level\":\"warn\",\"component\":\"log\",\"msg\":\"the "
                         "log ring was full: lines dropped\",\"dropped\":%llu}\n",
                         (long long)lm_now_ms(), (unsigned long long)dropped_now);
        if (n > 0) used = (size_t)n;
    }
    for (uint64_t i = from; i < to; i++) {
        if (OUT_CHUNK - used < 8192) {
            write_all(lg->o.fd, lg->out, used);
            used = 0;
        }
        used += rec_format(&lg->ring[i % lg->cap], lg->out + used, OUT_CHUNK - used);
    }
    if (used) write_all(lg->o.fd, lg->out, used);
}

static void deadline_after_ms(struct timespec *ts, int ms) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *log_main(void *arg) {
    http_log *lg = arg;
    /* a name of its own: top, perf and bench/http/logging.sh tell its CPU from the server's */
    prctl(PR_SET_NAME, "lm-log", 0, 0, 0);
    pthread_mutex_lock(&lg->mu);
    for (;;) {
        /* sleep a flush interval unless the ring is half full, a flush is wanted or we stop:
         * batching is the point, a line may wait up to flush_ms */
        if (!lg->stop && lg->flush_want <= lg->tail && lg->head - lg->tail < lg->cap / 2) {
            struct timespec ts;
            deadline_after_ms(&ts, lg->o.flush_ms);
            lg->sleeping = true;
            pthread_cond_timedwait(&lg->work_cv, &lg->mu, &ts);
            lg->sleeping = false;
        }
        uint64_t from = lg->tail, to = lg->head, dropped_now = lg->dropped - lg->dropped_reported;
        lg->dropped_reported = lg->dropped;
        bool stop = lg->stop;
        pthread_mutex_unlock(&lg->mu);
        if (from < to || dropped_now) write_range(lg, from, to, dropped_now);
        pthread_mutex_lock(&lg->mu);
        lg->tail = to;
        lg->written += to - from;
        lg->written_upto = to;
        pthread_cond_broadcast(&lg->flush_cv);
        if (stop && lg->head == lg->tail) break;
    }
    pthread_mutex_unlock(&lg->mu);
    return NULL;
}

/* ---- Create / flush / destroy ---- */

lm_status http_log_create(const http_log_opts *opts, http_log **out, lm_errinfo *err) {
    http_log_opts o;
    if (opts)
        o = *opts;
    else
        http_log_opts_init(&o);
    if ((unsigned)o.level > HTTP_LOG_OFF)
        return lm_errinfo_set(err, LM_INVALID, "log_level", "unknown level");
    if (o.sample > 1000000)
        return lm_errinfo_set(err, LM_INVALID, "log_sample", "sample must be 1..1000000");
    if (o.ring_records < 16) o.ring_records = 16;
    if (o.flush_ms < 1) o.flush_ms = 1;
    http_log *lg = lm_calloc(1, sizeof *lg);
    if (!lg) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lg->o = o;
    lg->o.routes = NULL; /* borrowed text: parsed below, not kept */
    lg->cap = o.ring_records;
    pthread_mutex_init(&lg->mu, NULL);
    pthread_cond_init(&lg->work_cv, NULL);
    pthread_cond_init(&lg->flush_cv, NULL);
    lm_status rc = routes_parse(lg, o.routes, "log_routes", err);
    if (rc != LM_OK) goto fail;
    rc = LM_NOMEM;
    if (!(lg->ring = lm_calloc(lg->cap, sizeof *lg->ring)) || !(lg->out = lm_alloc(OUT_CHUNK))) {
        lm_errinfo_set(err, rc, "", "out of memory");
        goto fail;
    }
    if (o.fd >= 0) {
        if (pthread_create(&lg->thread, NULL, log_main, lg) != 0) {
            rc = lm_errinfo_set(err, LM_INTERNAL, "", "cannot start the log thread");
            goto fail;
        }
        lg->started = true;
    }
    *out = lg;
    return LM_OK;
fail:
    http_log_destroy(lg);
    return rc;
}

void http_log_flush(http_log *lg) {
    if (!lg || !lg->started) return;
    pthread_mutex_lock(&lg->mu);
    uint64_t want = lg->head;
    if (lg->flush_want < want) lg->flush_want = want;
    pthread_cond_signal(&lg->work_cv);
    while (lg->written_upto < want)
        pthread_cond_wait(&lg->flush_cv, &lg->mu);
    pthread_mutex_unlock(&lg->mu);
}

void http_log_destroy(http_log *lg) {
    if (!lg) return;
    if (lg->started) {
        pthread_mutex_lock(&lg->mu);
        lg->stop = true;
        pthread_cond_signal(&lg->work_cv);
        pthread_mutex_unlock(&lg->mu);
        pthread_join(lg->thread, NULL);
    }
    for (size_t i = 0; i < lg->n_routes; i++)
        lm_free(lg->routes[i].pattern);
    lm_free(lg->routes);
    lm_free(lg->ring);
    lm_free(lg->out);
    pthread_cond_destroy(&lg->flush_cv);
    pthread_cond_destroy(&lg->work_cv);
    pthread_mutex_destroy(&lg->mu);
    lm_free(lg);
}

/* ---- Queuing (the request threads) ---- */

/* A free slot for one record, or NULL (counted as dropped); returns with lg->mu held either way. */
static log_rec *slot_take(http_log *lg) {
    pthread_mutex_lock(&lg->mu);
    if (lg->stop || lg->head - lg->tail >= lg->cap) {
        lg->dropped++;
        return NULL;
    }
    return &lg->ring[lg->head % lg->cap];
}

/* Publishes the slot just filled and wakes the thread only when the ring is half full (a wake-up
 * per line would cost a futex call per request). lg->mu held; released here. */
static void slot_publish(http_log *lg) {
    lg->head++;
    if (lg->sleeping && lg->head - lg->tail == lg->cap / 2) pthread_cond_signal(&lg->work_cv);
    pthread_mutex_unlock(&lg->mu);
}

void http_log_access(http_log *lg, http_log_level level, const http_log_access_rec *a) {
    if (!lg || !lg->started) return;
    log_rec *r = slot_take(lg);
    if (!r) {
        pthread_mutex_unlock(&lg->mu);
        return;
    }
    r->kind = REC_ACCESS;
    r->level = (unsigned char)level;
    r->ts_ms = lm_now_ms();
    r->duration_us = a->duration_us;
    r->bytes_in = a->bytes_in;
    r->route = a->route;
    r->status = a->status;
    r->sample = a->sample;
    r->aborted = a->aborted;
    lm_strlcpy(r->method, a->method ? a->method : "", sizeof r->method);
    lm_strlcpy(r->key_id, a->key_id ? a->key_id : "", sizeof r->key_id);
    lm_strlcpy(r->text, a->path ? a->path : "", sizeof r->text);
    slot_publish(lg);
}

void http_log_message(http_log *lg, http_log_level level, const char *component, const char *msg) {
    if (!lg || !lg->started || level < lg->o.level) return;
    log_rec *r = slot_take(lg);
    if (!r) {
        pthread_mutex_unlock(&lg->mu);
        return;
    }
    memset(r, 0, offsetof(log_rec, text));
    r->kind = REC_MESSAGE;
    r->level = (unsigned char)level;
    r->ts_ms = lm_now_ms();
    lm_strlcpy(r->component, component ? component : "", sizeof r->component);
    lm_strlcpy(r->text, msg ? msg : "", sizeof r->text);
    slot_publish(lg);
}

void http_log_counts(const http_log *lg, uint64_t *written, uint64_t *dropped) {
    *written = *dropped = 0;
    if (!lg) return;
    pthread_mutex_t *mu = (pthread_mutex_t *)&lg->mu; /* reading counters does not change lg */
    pthread_mutex_lock(mu);
    *written = lg->written;
    *dropped = lg->dropped;
    pthread_mutex_unlock(mu);
}
