/* common/redact.c: secrets out of logged request targets (common/redact.h). */
#include "common/redact.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

typedef struct sink {
    char *out;
    size_t size, n;
} sink;

/* Appends what fits of n bytes, leaving room for the NUL (s->n < s->size always). */
static void put(sink *s, const char *p, size_t n) {
    size_t room = s->size - 1 - s->n;
    if (n > room) n = room;
    memcpy(s->out + s->n, p, n);
    s->n += n;
}

/* Writes value (n bytes) as its redacted form. */
static void put_secret(sink *s, const char *v, size_t n) {
    if (n == 0) return;
    put(s, v, lm_redact_kept(n));
    put(s, LM_REDACT_MARK, sizeof LM_REDACT_MARK - 1);
}

static bool secret_param(const char *name, size_t n) {
    static const char *const names[] = {
        "id",     "deviceid",     "device_id", "token",    "t",   "key",      "api_key",
        "apikey", "access_token", "secret",    "password", "sig", "signature"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && !strncasecmp(name, names[i], n)) return true;
    return false;
}

static void query(sink *s, const char *q) {
    while (*q) {
        size_t n = strcspn(q, "&;");
        const char *eq = memchr(q, '=', n);
        if (eq && secret_param(q, (size_t)(eq - q))) {
            put(s, q, (size_t)(eq - q) + 1);
            put_secret(s, eq + 1, n - (size_t)(eq + 1 - q));
        } else {
            put(s, q, n);
        }
        q += n;
        if (*q) put(s, q++, 1);
    }
}

size_t lm_redact_path(const char *path, char *out, size_t out_size) {
    if (!out || out_size == 0) return 0;
    sink s = {out, out_size, 0};
    const char *p = path ? path : "";
    size_t plen = strcspn(p, "?#");
    size_t k = lm_redact_secret_prefix(p, plen);
    if (k) {
        put(&s, p, k);
        size_t seg = strcspn(p + k, "/?#");
        put_secret(&s, p + k, seg);
        put(&s, p + k + seg, plen - k - seg);
    } else {
        put(&s, p, plen);
    }
    if (p[plen] == '?') {
        put(&s, "?", 1);
        const char *q = p + plen + 1;
        size_t qn = strcspn(q, "#");
        char buf[4096];
        if (qn >= sizeof buf) qn = sizeof buf - 1; /* cut: a cut value is still redacted */
        memcpy(buf, q, qn);
        buf[qn] = '\0';
        query(&s, buf);
    }
    s.out[s.n] = '\0';
    return s.n;
}
