/* tests/formats/case_file.c: reading the codec case files of case_file.h. */
#include "case_file.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t tc_list(const char *area, char ***paths) {
    const char *src = getenv("LASTMILE_SOURCE_DIR");
    char dir[400];
    snprintf(dir, sizeof dir, "%s/tests/data/%s", src ? src : ".", area);
    *paths = NULL;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "cannot open %s\n", dir);
        return 0;
    }
    size_t n = 0, cap = 0;
    char **out = NULL;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 10000) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".case")) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = lm_reallocarray(out, cap, sizeof *p);
            if (!p) break;
            out = p;
        }
        lm_buf path;
        lm_buf_init(&path, 4096);
        if (lm_buf_printf(&path, "%s/%s", dir, e->d_name) != LM_OK) {
            lm_buf_free(&path);
            break;
        }
        out[n] = lm_buf_take(&path);
        n++;
    }
    closedir(d);
    if (n) qsort(out, n, sizeof *out, cmp_str);
    *paths = out;
    return n;
}

void tc_paths_free(char **paths, size_t n) {
    for (size_t i = 0; i < n; i++)
        lm_free(paths[i]);
    lm_free(paths);
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

bool tc_load(const char *path, tc_case *c) {
    memset(c, 0, sizeof *c);
    lm_strlcpy(c->path, path, sizeof c->path);
    const char *slash = strrchr(c->path, '/');
    c->name = slash ? slash + 1 : c->path;
    FILE *f = fopen(path, "rb");
    size_t len = 0;
    if (!f || lm_buf_read_stream(f, 16u << 20, &c->text, &len) != LM_OK) {
        if (f) fclose(f);
        fprintf(stderr, "%s: cannot read\n", path);
        return false;
    }
    fclose(f);
    char *marker = strstr(c->text, "--- input\n");
    if (!marker || (marker != c->text && marker[-1] != '\n')) {
        fprintf(stderr, "%s: no '--- input' line\n", path);
        return false;
    }
    c->input = marker + strlen("--- input\n");
    c->input_len = len - (size_t)(c->input - c->text);
    if (c->input_len && c->input[c->input_len - 1] == '\n') c->input_len--;
    *marker = '\0';
    for (char *line = c->text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        if (line[0] != '#' && trim(line)[0]) {
            char *colon = strchr(line, ':');
            if (!colon || c->n_hdr == TC_MAX_HEADERS) {
                fprintf(stderr, "%s: bad header line '%s'\n", path, line);
                return false;
            }
            *colon = '\0';
            c->hdr[c->n_hdr].key = trim(line);
            c->hdr[c->n_hdr].value = trim(colon + 1);
            c->n_hdr++;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (!tc_get(c, "status")) {
        fprintf(stderr, "%s: no 'status:' header\n", path);
        return false;
    }
    return true;
}

void tc_free(tc_case *c) {
    lm_free(c->text);
    c->text = NULL;
}

const char *tc_get(const tc_case *c, const char *key) {
    for (size_t i = 0; i < c->n_hdr; i++)
        if (!strcmp(c->hdr[i].key, key)) return c->hdr[i].value;
    return NULL;
}

bool tc_check_error(const tc_case *c, lm_status st, const lm_errinfo *err, char *why, size_t size) {
    const char *status = tc_get(c, "status"), *field = tc_get(c, "field"),
               *reason = tc_get(c, "reason");
    if (strcmp(lm_status_name(st), status)) {
        snprintf(why, size, "status %s, want %s (field '%s': %s)", lm_status_name(st), status,
                 err->field, err->message);
        return false;
    }
    if (st == LM_OK) return true;
    if (field && strcmp(err->field, field)) {
        snprintf(why, size, "field '%s', want '%s' (%s)", err->field, field, err->message);
        return false;
    }
    if (!err->message[0] || (reason && !strstr(err->message, reason))) {
        snprintf(why, size, "message '%s' does not hold '%s'", err->message, reason ? reason : "");
        return false;
    }
    return true;
}

bool tc_split_check(const char *check, char *buf, size_t size, const char **lhs, const char **rhs) {
    lm_strlcpy(buf, check, size);
    char *eq = strstr(buf, " = ");
    size_t n = strlen(buf);
    if (!eq && n >= 2 && !strcmp(buf + n - 2, " =")) eq = buf + n - 2; /* "x =": empty */
    if (!eq) return false;
    *eq = '\0';
    *lhs = trim(buf);
    *rhs = eq + 2 <= buf + n ? trim(eq + 2) : "";
    return true;
}

bool tc_field_checks(const tc_case *c, tc_field_fn text, const void *ctx, char *why, size_t size) {
    enum { SPLIT = 4096, GOT = 8192 }; /* room for the longest check and rendered field */
    char buf[SPLIT], got[GOT];
    bool ok = true;
    for (size_t i = 0; ok && i < c->n_hdr; i++) {
        const char *lhs, *rhs;
        if (strcmp(c->hdr[i].key, "check")) continue;
        if (!tc_split_check(c->hdr[i].value, buf, SPLIT, &lhs, &rhs)) {
            snprintf(why, size, "check '%s' has no ' = '", c->hdr[i].value);
            ok = false;
        } else if (!text(ctx, lhs, got, GOT)) {
            snprintf(why, size, "unknown check field '%s'", lhs);
            ok = false;
        } else if (strcmp(got, rhs)) {
            snprintf(why, size, "%s: got '%s', want '%s'", lhs, got, rhs);
            ok = false;
        }
    }
    return ok;
}

bool tc_same_double(double got, const char *want) {
    if (!strcmp(want, "nan")) return isnan(got);
    double w;
    if (!lm_parse_double(want, &w)) return false;
    return fabs(got - w) <= 1e-9 * (fabs(w) > 1 ? fabs(w) : 1);
}

int tc_main(const char *area, tc_run_fn run) {
    char **paths;
    size_t n = tc_list(area, &paths), failed = 0;
    for (size_t i = 0; i < n; i++) {
        tc_case c;
        char why[512] = "malformed case file";
        if (!tc_load(paths[i], &c) || !run(&c, why, sizeof why)) {
            fprintf(stderr, "FAIL %s: %s\n", c.name, why);
            failed++;
        }
        tc_free(&c);
    }
    tc_paths_free(paths, n);
    printf("%s cases: %zu run, %zu failed\n", area, n, failed);
    return n == 0 || failed ? 1 : 0;
}
