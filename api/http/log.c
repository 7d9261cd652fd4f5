/* api/http/log.c: the request log (api/http/log.h): request threads copy a few fields into a
 * ring of their own (api/http/log_ring.c), and one thread merges the rings, formats the records
 * (JSON, redacted) and writes them in large chunks.
 *
 * Why: the log used to write() one line per request from the request's own thread, unbuffered;
 * then (round 1) it copied a 0.6 KB record into a ring under a mutex and read the clock; (round 3)
 * one lock-free ring shared by every thread, a compare-and-swap per record. Now a request
 * reserves its bytes in its thread's ring with a plain store, copies its fields (~100 bytes for a
 * tracking poll: the strings at their length, no formatting, no lock, no allocation, no clock:
 * the server hands over the monotonic time it already read) and leaves. Formatting, redaction and
 * the write(2) happen on the log thread (bench/results/perf-logging.md). */
#include "api/http/log.h"
#include "api/http/log_ring.h"
#include "common/redact.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

/* The output buffer is small so that it stays in cache between batches (in the server's profile
 * the stores into a 256 KiB one were a quarter of the formatting's time); a line's worst case
 * (LINE_MAX_LOG: every field at its cap, escaped 6x) is below OUT_SLACK, and the buffer is
 * written out before less than that is left. */
#define OUT_CHUNK      ((size_t)64 << 10)
#define OUT_SLACK      ((size_t)16 << 10)
#define ROUTE_MAX_LOG  256
#define ROUTE_MEMO     64   /* direct-mapped by address: the route table has ~150 patterns */
#define PATH_MAX_LOG   2048 /* bytes of a path kept (longer ones are cut) */
#define MSG_MAX_LOG    1024 /* bytes of a message kept */
#define METHOD_MAX_LOG 15
#define KEY_MAX_LOG    63
#define COMPONENT_MAX  31
#define OWN_RINGS      16 /* threads with a ring of their own; later ones share lg->ring */

enum { REC_ACCESS = 1, REC_MESSAGE = 2 };

/* An access record's payload in the ring: the fixed fields, then method and key id bytes (not
 * NUL-terminated) and the path, NUL-terminated (redaction reads it in place). */
typedef struct acc_rec {
    int64_t end_ns; /* CLOCK_MONOTONIC */
    int64_t duration_us;
    uint64_t bytes_in;
    const char *route; /* static: the route table's pattern; NULL when none matched */
    int32_t status;
    uint32_t sample;
    uint16_t path_len;
    uint8_t method_len, key_len, level, aborted;
    char text[];
} acc_rec;

/* A message record's payload: component then message bytes. */
typedef struct msg_rec {
    int64_t end_ns;
    uint16_t msg_len;
    uint8_t comp_len, level;
    char text[];
} msg_rec;

/* A route pattern the log thread has seen: its length and whether it needs escaping (patterns
 * are static, so their address identifies them; none of the table's does). */
typedef struct route_memo {
    const char *route;
    uint16_t len;
    bool plain;
} route_memo;

typedef struct route_override {
    char method[8]; /* "" = any */
    char *pattern;
    http_log_level level;
} route_override;

struct http_log {
    http_log_opts o;
    route_override *routes;
    size_t n_routes;
    uint64_t id;       /* unique per log created: the key of a thread's cached ring (tl_ring) */
    http__ring *ring;  /* messages, and access lines of threads beyond OWN_RINGS: any thread */
    size_t wake_bytes; /* a producer wakes the sleeping thread once a ring holds this much */
    /* single-producer rings, one per thread that logs access lines, claimed on its first line
     * (a claim is never given back: the server's request threads live as long as the log) */
    _Atomic(http__ring *) own[OWN_RINGS];
    _Atomic unsigned n_own; /* claims so far (may exceed OWN_RINGS: those share lg->ring) */
    _Atomic bool sleeping, stop;
    _Atomic uint64_t dropped;
    pthread_mutex_t mu;
    pthread_cond_t work_cv;  /* the thread waits here */
    pthread_cond_t flush_cv; /* http_log_flush waits here */
    /* under mu */
    uint64_t flush_seq; /* flushes asked for */
    uint64_t done_seq;  /* flushes done: everything queued before the flush_seq-th is written */
    uint64_t written, dropped_reported;
    bool started;
    pthread_t thread;
    /* the log thread's own */
    uint64_t pos[1 + OWN_RINGS]; /* where it reads: lg->ring, then own[i] */
    char *out;                   /* formatting buffer */
    int64_t ts_sec;              /* the second whose digits ts_digits holds */
    char ts_digits[24];
    size_t ts_len;
    route_memo routes_seen[ROUTE_MEMO]; /* route patterns already measured and checked */
};

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void http_log_opts_init(http_log_opts *o) {
    memset(o, 0, sizeof *o);
    o->fd = 2;
    o->level = HTTP_LOG_INFO;
    o->routes = NULL;
    o->sample = 1;
    o->ring_bytes = (size_t)1 << 20;
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

/* Where the next byte goes. No bounds check per piece (they were 7 % of the log thread's time,
 * bench_log): every field is capped, so a line never exceeds LINE_MAX_LOG, and rec_format is
 * only called with at least that much room. */
typedef struct out_buf {
    char *p;
} out_buf;

#define LINE_MAX_LOG (6 * (PATH_MAX_LOG + METHOD_MAX_LOG + KEY_MAX_LOG + ROUTE_MAX_LOG) + 512)
_Static_assert(LINE_MAX_LOG <= OUT_SLACK, "an access line's worst case fits in OUT_SLACK");
_Static_assert(6 * (MSG_MAX_LOG + COMPONENT_MAX) + 512 <= LINE_MAX_LOG,
               "a message line's worst case fits too");

/* A short copy (a path is ~40 bytes) 16 bytes at a time: a memcpy whose size the compiler can
 * bound becomes `rep movsq`, whose start-up cost was two thirds of http_log_access's own time
 * (perf annotate, bench_log). */
static void copy_short(char *dst, const char *src, size_t n) {
    for (; n >= 16; n -= 16, dst += 16, src += 16)
        memcpy(dst, src, 16);
    if (n >= 8) {
        memcpy(dst, src, 8);
        memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        memcpy(dst, src, 4);
        memcpy(dst + n - 4, src + n - 4, 4);
    } else {
        for (size_t i = 0; i < n; i++)
            dst[i] = src[i];
    }
}

static void put(out_buf *o, const char *s, size_t n) {
    memcpy(o->p, s, n);
    o->p += n;
}

/* put for a length the compiler cannot see (a path, a route): no call into libc's memcpy */
static void put_var(out_buf *o, const char *s, size_t n) {
    copy_short(o->p, s, n);
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

/* Whether any of the 8 bytes of w needs escaping (a control byte, '"', '\\' or DEL): the usual
 * "has a zero byte" / "has a byte less than" word tricks, exact as yes/no answers. */
static bool word_needs_escape(uint64_t w) {
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\'), d = w ^ (ones * 0x7f);
    uint64_t hit = (w - ones * 0x20) & ~w;
    hit |= (q - ones) & ~q;
    hit |= (b - ones) & ~b;
    hit |= (d - ones) & ~d;
    return (hit & highs) != 0;
}

/* n bytes of s as the inside of a JSON string: quotes, backslashes and control bytes escaped.
 * Eight bytes at a time while none needs it (paths and routes mostly do not). */
static void put_json_n(out_buf *o, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const char *run = s, *end = s + n;
    for (; s < end; s++) {
        uint64_t w;
        while (end - s >= 8 && (memcpy(&w, s, 8), !word_needs_escape(w)))
            s += 8;
        if (s == end) break;
        unsigned char ch = (unsigned char)*s;
        if (!json_escaped[ch]) continue;
        put(o, run, (size_t)(s - run));
        char esc[6] = {'\\', (char)ch, 0, 0, 0, 0};
        size_t k = 2;
        if (ch < 0x20 || ch == 0x7f) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[ch >> 4];
            esc[5] = hex[ch & 15];
            k = 6;
        }
        put(o, esc, k);
        run = s + 1;
    }
    put(o, run, (size_t)(s - run));
}

/* A JSON string value, or null when empty. */
static void put_json_or_null(out_buf *o, const char *s, size_t n) {
    if (!n) {
        put_str(o, "null");
        return;
    }
    put(o, "\"", 1);
    put_json_n(o, s, n);
    put(o, "\"", 1);
}

/* n bytes as a JSON string's inside: copied as they are when none needs escaping (a method:
 * a few bytes, checked inline, cheaper than a call into put_json_n). */
static void put_plain_or_json(out_buf *o, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (json_escaped[(unsigned char)s[i]]) {
            put_json_n(o, s, n);
            return;
        }
    put(o, s, n);
}

/* The route's pattern as a JSON string, or null. A pattern is measured and checked once (the
 * memo, by its address): escaping the same ~20 static bytes on every line was ~12 % of the
 * log thread's time (bench_log). */
static void put_route(http_log *lg, out_buf *o, const char *route) {
    if (!route) {
        put_str(o, "null");
        return;
    }
    route_memo *m = &lg->routes_seen[((uintptr_t)route >> 3) % ROUTE_MEMO];
    if (m->route != route) {
        size_t n = strnlen(route, ROUTE_MAX_LOG);
        bool plain = true;
        for (size_t i = 0; i < n && plain; i++)
            plain = !json_escaped[(unsigned char)route[i]];
        *m = (route_memo){route, (uint16_t)n, plain};
    }
    put(o, "\"", 1);
    if (m->plain)
        put_var(o, route, m->len);
    else
        put_json_n(o, route, m->len);
    put(o, "\"", 1);
}

/* The three digits of every number below 1,000 ("000" .. "999"), filled once: a line's
 * milliseconds, its duration's decimals and its status are one 3-byte copy each instead of
 * three divisions. */
static char digits3[1000][3];
static pthread_once_t digits3_once = PTHREAD_ONCE_INIT;

static void digits3_fill(void) {
    for (int i = 0; i < 1000; i++) {
        digits3[i][0] = (char)('0' + i / 100);
        digits3[i][1] = (char)('0' + i / 10 % 10);
        digits3[i][2] = (char)('0' + i % 10);
    }
}

/* v (below 1,000) as three digits. */
static void put_3digits(out_buf *o, unsigned v) {
    put(o, digits3[v], 3);
}

/* Epoch milliseconds: the seconds' digits are formatted once per second (a batch of lines mostly
 * shares its second), the milliseconds as three digits. */
static void put_ts_ms(http_log *lg, out_buf *o, int64_t ms) {
    if (ms < 1000) {
        put_i64(o, ms);
        return;
    }
    int64_t sec = ms / 1000, m = ms % 1000;
    if (sec != lg->ts_sec) {
        out_buf d = {lg->ts_digits}; /* 24 bytes: at most 20 digits */
        put_u64(&d, (uint64_t)sec);
        lg->ts_len = (size_t)(d.p - lg->ts_digits);
        lg->ts_sec = sec;
    }
    put_var(o, lg->ts_digits, lg->ts_len);
    put_3digits(o, (unsigned)m);
}

/* The level of an access line and the key that follows it, in one piece, and its length. */
static const struct {
    const char *text;
    size_t len;
} level_then_method[] = {
#define LEVEL_THEN_METHOD(name)                                                                    \
    { ",\"level\":\"" name "\",\"method\":\"", sizeof name + 21 }
    LEVEL_THEN_METHOD("debug"), LEVEL_THEN_METHOD("info"), LEVEL_THEN_METHOD("warn"),
    LEVEL_THEN_METHOD("error")};
#undef LEVEL_THEN_METHOD

/* Whether any of 16 bytes is one a path must not hold for the fast path below: those JSON
 * escapes, or '?' / '#' (a query or fragment, which redaction parses). GCC / clang vectors: a few
 * SSE2 instructions per 16 bytes where the word tricks took ~25 per 8 (callgrind, bench_log). */
typedef unsigned char v16u8 __attribute__((vector_size(16)));

/* skip: how many of the 16 bytes at p to ignore (they precede what is checked). */
static bool block_needs_slow_path(const char *p, unsigned skip) {
    static const v16u8 index = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    v16u8 v;
    memcpy(&v, p, 16);
    v16u8 hit =
        (v16u8)((v < 0x20) | (v == '"') | (v == '\\') | (v == 0x7f) | (v == '?') | (v == '#'));
    hit &= (v16u8)(index >= (unsigned char)skip);
    uint64_t lo, hi;
    memcpy(&lo, &hit, 8);
    memcpy(&hi, (const char *)&hit + 8, 8);
    return (lo | hi) != 0;
}

/* The path (n bytes in a ring record, after at least 16 bytes of the record's own) redacted and
 * JSON-escaped straight into o when it holds nothing to escape and no query: what lm_redact_path
 * then put_json_n would write, without the scratch copy and the three scans (a tracking poll's
 * path always qualifies). false, having written nothing, for any other path. The last 16 bytes
 * are read as one block ending at the path's end: for a path shorter than that, the block starts
 * in the record's fixed fields, which the check skips (a copy of the tail into a padded buffer
 * instead stalled the load that followed: a quarter of format_access's time, perf annotate). */
_Static_assert(offsetof(acc_rec, text) >= 16, "a path has 16 bytes of its record before it");

static bool put_path_plain(out_buf *o, const char *p, size_t n) {
    size_t i = 0;
    for (; i + 16 < n; i += 16)
        if (block_needs_slow_path(p + i, 0)) return false;
    if (block_needs_slow_path(p + n - 16, n >= 16 ? 0 : (unsigned)(16 - n))) return false;
    size_t k = lm_redact_secret_prefix(p, n);
    if (!k) { /* nothing to redact */
        put_var(o, p, n);
        return true;
    }
    const char *slash = memchr(p + k, '/', n - k);
    size_t seg = slash ? (size_t)(slash - (p + k)) : n - k;
    put_var(o, p, k + lm_redact_kept(seg));
    if (seg) put(o, LM_REDACT_MARK, sizeof LM_REDACT_MARK - 1);
    put_var(o, p + k + seg, n - k - seg);
    return true;
}

/* An HTTP status: three digits, by hand (any other value through put_i64). */
static void put_status(out_buf *o, int status) {
    if (status < 100 || status > 999) {
        put_i64(o, status);
        return;
    }
    put_3digits(o, (unsigned)status);
}

static void format_access(http_log *lg, out_buf *o, const acc_rec *r, int64_t mono_to_real_ns) {
    put_str(o, "{\"ts_ms\":");
    put_ts_ms(lg, o, (r->end_ns + mono_to_real_ns) / 1000000);
    unsigned lv = r->level < HTTP_LOG_OFF ? r->level : HTTP_LOG_ERROR;
    put_var(o, level_then_method[lv].text, level_then_method[lv].len);
    put_plain_or_json(o, r->text, r->method_len);
    put_str(o, "\",\"path\":\"");
    /* tracking tokens, device ids and keys never reach the log in full (docs/security.md) */
    const char *path = r->text + r->method_len + r->key_len;
    if (!put_path_plain(o, path, r->path_len)) {
        char redacted[PATH_MAX_LOG + 1];
        size_t rn = lm_redact_path(path, redacted, sizeof redacted);
        put_json_n(o, redacted, rn);
    }
    put_str(o, "\",\"route\":");
    put_route(lg, o, r->route);
    put_str(o, ",\"status\":");
    put_status(o, r->status);
    /* milliseconds with three decimals, from integer microseconds */
    int64_t us = r->duration_us < 0 ? 0 : r->duration_us;
    put_str(o, ",\"duration_ms\":");
    put_i64(o, us / 1000);
    put(o, ".", 1);
    put_3digits(o, (unsigned)(us % 1000));
    put_str(o, ",\"key_id\":");
    put_json_or_null(o, r->text + r->method_len, r->key_len);
    put_str(o, ",\"bytes_in\":");
    put_u64(o, r->bytes_in);
    if (r->aborted) put_str(o, ",\"aborted\":true");
    if (r->sample > 1) {
        put_str(o, ",\"sample\":");
        put_u64(o, r->sample);
    }
}

static void format_message(http_log *lg, out_buf *o, const msg_rec *r, int64_t mono_to_real_ns) {
    put_str(o, "{\"ts_ms\":");
    put_ts_ms(lg, o, (r->end_ns + mono_to_real_ns) / 1000000);
    put_str(o, ",\"level\":\"");
    put_str(o, level_names[r->level < HTTP_LOG_OFF ? r->level : HTTP_LOG_ERROR]);
    put_str(o, "\",\"component\":\"");
    put_json_n(o, r->text, r->comp_len);
    put_str(o, "\",\"msg\":\"");
    put_json_n(o, r->text + r->comp_len, r->msg_len);
    put_str(o, "\"");
}

/* Formats one record into out (size bytes, at least LINE_MAX_LOG); the length, 0 when size is
 * below that (never: drain leaves OUT_SLACK). */
static size_t rec_format(http_log *lg, unsigned kind, const void *rec, int64_t mono_to_real_ns,
                         char *out, size_t size) {
    if (size < LINE_MAX_LOG) return 0;
    out_buf o = {out};
    if (kind == REC_ACCESS)
        format_access(lg, &o, rec, mono_to_real_ns);
    else
        format_message(lg, &o, rec, mono_to_real_ns);
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

static int64_t clock_ns(clockid_t clk) {
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One ring the log thread reads: where, the committed record there (NULL: none yet) and its
 * time, and the ring's head when the pass began. */
typedef struct src {
    http__ring *rg;
    size_t idx; /* 0: lg->ring, i: lg->own[i - 1] */
    uint64_t pos, head;
    const void *rec;
    unsigned kind;
    size_t size;
    int64_t end_ns;
} src;

static void src_peek(src *s) {
    s->rec = http__ring_peek(s->rg, s->pos, &s->kind, &s->size);
    /* both record kinds start with their CLOCK_MONOTONIC time */
    if (s->rec) memcpy(&s->end_ns, s->rec, sizeof s->end_ns);
}

/* The rings with their read positions and current heads into srcs (lg->ring first); how many. */
static size_t sources(http_log *lg, src srcs[1 + OWN_RINGS]) {
    size_t k = 0;
    unsigned n = atomic_load(&lg->n_own);
    for (size_t i = 0; i <= OWN_RINGS && i <= n; i++) {
        http__ring *rg = i ? atomic_load(&lg->own[i - 1]) : lg->ring;
        if (!rg) continue;
        srcs[k] = (src){.rg = rg, .idx = i, .pos = lg->pos[i], .head = http__ring_head(rg)};
        src_peek(&srcs[k++]);
    }
    return k;
}

/* Formats and writes the committed records of every ring, oldest end time first (each ring's
 * own order is its threads' completion order), up to the first one not committed yet in each,
 * and the report of dropped_now lost lines; their count in *n. True when every ring was read up
 * to its head as of the pass's start (nothing reserved before it is left). */
static bool drain(http_log *lg, uint64_t dropped_now, uint64_t *n) {
    size_t used = 0;
    *n = 0;
    if (dropped_now) {
        int k = snprintf(lg->out, OUT_CHUNK,
                         "{\"ts_ms\":%lld,\"level\":\"warn\",\"component\":\"log\",\"msg\":\"the "
                         "log ring was full: lines dropped\",\"dropped\":%llu}\n",
                         (long long)lm_now_ms(), (unsigned long long)dropped_now);
        if (k > 0) used = (size_t)k;
    }
    /* records carry the monotonic time the server already read; the wall clock once per batch */
    int64_t mono_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
    src srcs[1 + OWN_RINGS];
    size_t k = sources(lg, srcs);
    for (;;) {
        src *next = NULL;
        for (size_t i = 0; i < k; i++)
            if (srcs[i].rec && (!next || srcs[i].end_ns < next->end_ns)) next = &srcs[i];
        if (!next) break;
        if (OUT_CHUNK - used < OUT_SLACK) {
            write_all(lg->o.fd, lg->out, used);
            used = 0;
        }
        used += rec_format(lg, next->kind, next->rec, mono_to_real_ns, lg->out + used,
                           OUT_CHUNK - used);
        next->pos += next->size;
        ++*n;
        src_peek(next);
    }
    if (used) write_all(lg->o.fd, lg->out, used);
    bool complete = true;
    for (size_t i = 0; i < k; i++) {
        http__ring_release(srcs[i].rg, srcs[i].pos);
        lg->pos[srcs[i].idx] = srcs[i].pos;
        complete &= srcs[i].pos == srcs[i].head;
    }
    return complete;
}

/* Whether any ring holds wake_bytes not yet read (then the thread should not sleep). */
static bool past_wake_mark(http_log *lg) {
    unsigned n = atomic_load(&lg->n_own);
    for (size_t i = 0; i <= OWN_RINGS && i <= n; i++) {
        http__ring *rg = i ? atomic_load(&lg->own[i - 1]) : lg->ring;
        if (rg && http__ring_head(rg) - lg->pos[i] >= lg->wake_bytes) return true;
    }
    return false;
}

/* True when every ring's head is where the thread has read to (nothing reserved is left). */
static bool all_read(http_log *lg) {
    unsigned n = atomic_load(&lg->n_own);
    for (size_t i = 0; i <= OWN_RINGS && i <= n; i++) {
        http__ring *rg = i ? atomic_load(&lg->own[i - 1]) : lg->ring;
        if (rg && http__ring_head(rg) != lg->pos[i]) return false;
    }
    return true;
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

/* Sleeps a flush interval unless a ring is past its wake mark, a flush is wanted or we stop:
 * batching is the point, a line may wait up to flush_ms. lg->mu held. */
static void wait_for_work(http_log *lg) {
    struct timespec ts;
    deadline_after_ms(&ts, lg->o.flush_ms);
    /* a wake-up without a cause (spurious) sleeps on: a batch is the flush period's lines */
    while (!atomic_load(&lg->stop) && lg->flush_seq <= lg->done_seq && !past_wake_mark(lg)) {
        atomic_store(&lg->sleeping, true);
        int rc = pthread_cond_timedwait(&lg->work_cv, &lg->mu, &ts);
        atomic_store(&lg->sleeping, false);
        if (rc == ETIMEDOUT) break;
    }
}

static void *log_main(void *arg) {
    http_log *lg = arg;
    /* a name of its own: top, perf and bench/http/logging.sh tell its CPU from the server's */
    prctl(PR_SET_NAME, "lm-log", 0, 0, 0);
    for (;;) {
        pthread_mutex_lock(&lg->mu);
        wait_for_work(lg);
        bool stop = atomic_load(&lg->stop);
        uint64_t seq = lg->flush_seq; /* read before the heads: what a flush queued is drained */
        uint64_t dropped = atomic_load(&lg->dropped), dropped_now = dropped - lg->dropped_reported;
        lg->dropped_reported = dropped;
        pthread_mutex_unlock(&lg->mu);
        uint64_t n;
        bool complete = drain(lg, dropped_now, &n);
        pthread_mutex_lock(&lg->mu);
        lg->written += n;
        if (complete && lg->done_seq < seq) lg->done_seq = seq;
        bool want_more = lg->flush_seq > lg->done_seq;
        pthread_cond_broadcast(&lg->flush_cv);
        pthread_mutex_unlock(&lg->mu);
        if (stop && complete && all_read(lg)) break;
        /* a record reserved but not committed yet holds up what follows: its writer is between
         * two instructions, let it finish */
        if (!complete && (stop || want_more)) sched_yield();
    }
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
    if (o.flush_ms < 1) o.flush_ms = 1;
    pthread_once(&digits3_once, digits3_fill);
    http_log *lg = lm_calloc(1, sizeof *lg);
    if (!lg) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    static _Atomic uint64_t next_id = 1;
    lg->o = o;
    lg->o.routes = NULL; /* borrowed text: parsed below, not kept */
    lg->id = atomic_fetch_add(&next_id, 1);
    for (size_t i = 0; i < OWN_RINGS; i++)
        atomic_init(&lg->own[i], NULL);
    atomic_init(&lg->n_own, 0);
    atomic_init(&lg->sleeping, false);
    atomic_init(&lg->stop, false);
    atomic_init(&lg->dropped, 0);
    lg->ts_sec = -1;
    pthread_mutex_init(&lg->mu, NULL);
    pthread_cond_init(&lg->work_cv, NULL);
    pthread_cond_init(&lg->flush_cv, NULL);
    lm_status rc = routes_parse(lg, o.routes, "log_routes", err);
    if (rc != LM_OK) goto fail;
    rc = LM_NOMEM;
    if (http__ring_create(o.ring_bytes, &lg->ring) != LM_OK || !(lg->out = lm_alloc(OUT_CHUNK))) {
        lm_errinfo_set(err, rc, "", "out of memory");
        goto fail;
    }
    /* woken early only once half the ring is waiting: a wake-up is a futex call on the request
     * side and two context switches, which in the server's profile took 13 % of the log thread's
     * time when it was woken every 64 KiB (perf-logging.md, round 3) */
    lg->wake_bytes = http__ring_cap(lg->ring) / 2;
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
    uint64_t want = ++lg->flush_seq;
    pthread_cond_signal(&lg->work_cv);
    while (lg->done_seq < want)
        pthread_cond_wait(&lg->flush_cv, &lg->mu);
    pthread_mutex_unlock(&lg->mu);
}

void http_log_destroy(http_log *lg) {
    if (!lg) return;
    if (lg->started) {
        pthread_mutex_lock(&lg->mu);
        atomic_store(&lg->stop, true);
        pthread_cond_signal(&lg->work_cv);
        pthread_mutex_unlock(&lg->mu);
        pthread_join(lg->thread, NULL);
    }
    for (size_t i = 0; i < lg->n_routes; i++)
        lm_free(lg->routes[i].pattern);
    lm_free(lg->routes);
    http__ring_destroy(lg->ring);
    for (size_t i = 0; i < OWN_RINGS; i++)
        http__ring_destroy(atomic_load(&lg->own[i]));
    lm_free(lg->out);
    pthread_cond_destroy(&lg->flush_cv);
    pthread_cond_destroy(&lg->work_cv);
    pthread_mutex_destroy(&lg->mu);
    lm_free(lg);
}

/* ---- Queuing (the request threads): no lock, no allocation, no formatting ---- */

/* The calling thread's ring in its last log (a thread logs to one log at a time in practice). */
static _Thread_local struct {
    uint64_t log_id;
    http__ring *ring;
} tl_ring;

/* The calling thread's own ring in lg, claimed and created on its first access line; lg->ring
 * once OWN_RINGS are taken (or without memory). */
static http__ring *thread_ring(http_log *lg) {
    if (tl_ring.log_id == lg->id) return tl_ring.ring;
    http__ring *rg = lg->ring;
    unsigned i = atomic_fetch_add(&lg->n_own, 1);
    http__ring *own = NULL;
    if (i < OWN_RINGS && http__ring_create_single(lg->o.ring_bytes, &own) == LM_OK) {
        atomic_store(&lg->own[i], own);
        rg = own;
    }
    tl_ring.log_id = lg->id;
    tl_ring.ring = rg;
    return rg;
}

/* Room for a record of payload bytes in rg, or NULL (counted as dropped). */
static void *rec_reserve(http_log *lg, http__ring *rg, size_t payload, unsigned kind,
                         size_t *used) {
    void *p = atomic_load_explicit(&lg->stop, memory_order_relaxed)
                  ? NULL
                  : http__ring_reserve(rg, payload, kind, used);
    if (!p) atomic_fetch_add_explicit(&lg->dropped, 1, memory_order_relaxed);
    return p;
}

/* Commits a filled record and wakes the sleeping thread once the ring is past its mark (a
 * wake-up per line would cost a futex call per request; the thread also wakes every flush_ms). */
static void rec_commit(http_log *lg, http__ring *rg, void *p, size_t used) {
    http__ring_commit(rg, p);
    if (used >= lg->wake_bytes && atomic_load_explicit(&lg->sleeping, memory_order_relaxed) &&
        atomic_exchange(&lg->sleeping, false)) {
        pthread_mutex_lock(&lg->mu);
        pthread_cond_signal(&lg->work_cv);
        pthread_mutex_unlock(&lg->mu);
    }
}

static size_t cut(const char *s, size_t max) {
    return s ? strnlen(s, max) : 0;
}

size_t http_log_access_bytes(const http_log_access_rec *a) {
    return http__ring_record_bytes(sizeof(acc_rec) + cut(a->method, METHOD_MAX_LOG) +
                                   cut(a->key_id, KEY_MAX_LOG) + cut(a->path, PATH_MAX_LOG) + 1);
}

/* strnlen for the few bytes of a method or key id, inline: a call into libc per field was a third
 * of the request side's instructions (callgrind, bench_log). */
static size_t cut_short(const char *s, size_t max) {
    size_t n = 0;
    if (s)
        while (n < max && s[n])
            n++;
    return n;
}

void http_log_access(http_log *lg, http_log_level level, const http_log_access_rec *a) {
    if (!lg || !lg->started) return;
    size_t ml = cut_short(a->method, METHOD_MAX_LOG), kl = cut_short(a->key_id, KEY_MAX_LOG),
           pl = cut(a->path, PATH_MAX_LOG), used = 0;
    http__ring *rg = thread_ring(lg);
    acc_rec *r = rec_reserve(lg, rg, sizeof *r + ml + kl + pl + 1, REC_ACCESS, &used);
    if (!r) return;
    r->end_ns = a->end_ns ? a->end_ns : lm_mono_ns();
    r->duration_us = a->duration_us;
    r->bytes_in = a->bytes_in;
    r->route = a->route;
    r->status = a->status;
    r->sample = a->sample;
    r->path_len = (uint16_t)pl;
    r->method_len = (uint8_t)ml;
    r->key_len = (uint8_t)kl;
    r->level = (uint8_t)level;
    r->aborted = a->aborted;
    copy_short(r->text, a->method, ml);
    copy_short(r->text + ml, a->key_id, kl);
    copy_short(r->text + ml + kl, a->path, pl);
    r->text[ml + kl + pl] = '\0';
    rec_commit(lg, rg, r, used);
}

void http_log_message(http_log *lg, http_log_level level, const char *component, const char *msg) {
    if (!lg || !lg->started || level < lg->o.level) return;
    size_t cl = cut(component, COMPONENT_MAX), ml = cut(msg, MSG_MAX_LOG), used = 0;
    msg_rec *r = rec_reserve(lg, lg->ring, sizeof *r + cl + ml, REC_MESSAGE, &used);
    if (!r) return;
    r->end_ns = lm_mono_ns();
    r->msg_len = (uint16_t)ml;
    r->comp_len = (uint8_t)cl;
    r->level = (uint8_t)level;
    if (cl) memcpy(r->text, component, cl);
    if (ml) memcpy(r->text + cl, msg, ml);
    rec_commit(lg, lg->ring, r, used);
}

void http_log_counts(const http_log *lg, uint64_t *written, uint64_t *dropped) {
    *written = *dropped = 0;
    if (!lg) return;
    pthread_mutex_t *mu = (pthread_mutex_t *)&lg->mu; /* reading counters does not change lg */
    pthread_mutex_lock(mu);
    *written = lg->written;
    pthread_mutex_unlock(mu);
    *dropped = atomic_load(&((http_log *)lg)->dropped);
}
