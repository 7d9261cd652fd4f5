/* api/formats/conf.c: the "name = value" settings file reader of conf.h. */
#include "api/formats/conf.h"

#include <string.h>

static bool blank(char c) {
    return c == ' ' || c == '\t';
}

static bool name_ok(const char *s) {
    if (!*s) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return false;
    return true;
}

/* s[0..*n) without its leading and trailing blanks: the new start, *n updated. */
static const char *trim(const char *s, size_t *n) {
    while (*n && blank(*s)) {
        s++;
        (*n)--;
    }
    while (*n && blank(s[*n - 1]))
        (*n)--;
    return s;
}

/* One "name = value" line (neither blank nor a comment) of the given number. */
static lm_status one_line(const char *s, size_t n, size_t line, const char *const *known,
                          size_t *seen, fmt_conf_setting_fn fn, void *ctx, lm_errinfo *err) {
    char name[64], value[FMT_CONF_LINE_MAX + 1];
    const char *eq = memchr(s, '=', n);
    if (!eq)
        return lm_errinfo_set(err, LM_INVALID, "config", "line %zu: expected 'name = value'", line);
    size_t nn = (size_t)(eq - s), vn = n - nn - 1;
    const char *np = trim(s, &nn), *vp = trim(eq + 1, &vn);
    if (nn >= sizeof name)
        return lm_errinfo_set(err, LM_INVALID, "config", "line %zu: the name is too long", line);
    memcpy(name, np, nn);
    name[nn] = '\0';
    if (!name_ok(name))
        return lm_errinfo_set(err, LM_INVALID, "config",
                              "line %zu: '%.40s' is not a setting name (a-z, 0-9, _)", line, name);
    size_t k = 0;
    while (known[k] && strcmp(known[k], name))
        k++;
    if (!known[k]) return lm_errinfo_set(err, LM_INVALID, name, "line %zu: unknown setting", line);
    if (seen[k])
        return lm_errinfo_set(err, LM_INVALID, name, "line %zu: set twice (first on line %zu)",
                              line, seen[k]);
    seen[k] = line;
    if (!lm_utf8_valid(vp, vn, ""))
        return lm_errinfo_set(err, LM_INVALID, name,
                              "line %zu: the value is not UTF-8 text without control characters",
                              line);
    memcpy(value, vp, vn);
    value[vn] = '\0';
    lm_status rc = fn(ctx, name, value, line, err);
    if (rc != LM_OK && err && strncmp(err->message, "line ", 5)) {
        char why[sizeof err->message];
        lm_strlcpy(why, err->message, sizeof why);
        lm_errinfo_set(err, rc, name, "line %zu: %s", line, why);
    }
    return rc;
}

lm_status fmt_conf_parse(const char *text, size_t len, const char *const *known,
                         fmt_conf_setting_fn fn, void *ctx, lm_errinfo *err) {
    if (len > FMT_CONF_MAX_BYTES)
        return lm_errinfo_set(err, LM_TOO_BIG, "config", "the file is %zu bytes; the limit is %u",
                              len, FMT_CONF_MAX_BYTES);
    size_t n_known = 0;
    while (known[n_known])
        n_known++;
    if (n_known > FMT_CONF_MAX_KNOWN)
        return lm_errinfo_set(err, LM_INTERNAL, "config", "more than %d known settings",
                              FMT_CONF_MAX_KNOWN);
    size_t seen[FMT_CONF_MAX_KNOWN] = {0}; /* the line each setting was given on, 0 = not yet */
    size_t i = len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    for (size_t line = 1; i < len; line++) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len, n = end - i;
        const char *s = text + i;
        i = nl ? end + 1 : len;
        if (n && s[n - 1] == '\r') n--;
        if (n > FMT_CONF_LINE_MAX)
            return lm_errinfo_set(err, LM_INVALID, "config", "line %zu: longer than %d bytes", line,
                                  FMT_CONF_LINE_MAX);
        if (!lm_utf8_valid(s, n, "\t"))
            return lm_errinfo_set(err, LM_INVALID, "config",
                                  "line %zu: not UTF-8 text without control characters", line);
        size_t tn = n;
        const char *t = trim(s, &tn);
        if (tn == 0 || t[0] == '#') continue;
        lm_status rc = one_line(t, tn, line, known, seen, fn, ctx, err);
        if (rc != LM_OK) return rc;
    }
    return LM_OK;
}
