/* api/formats/vroom_ids.c: VROOM ids are 64-bit unsigned, but cJSON keeps every number as a
 * double, exact only up to 2^53. When the document holds integers of 16 digits or more, their
 * literal text is read again here, in document order, and paired with cJSON's number nodes (a
 * depth-first walk meets them in the same order), so that read_id gets the exact value. */
#include "api/formats/vroom_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct scanner {
    const char *p, *end;
} scanner;

/* Moves to the next number token outside strings; false at the end. */
static bool next_number(scanner *s, const char **tok, size_t *tok_len) {
    while (s->p < s->end) {
        char ch = *s->p;
        if (ch == '"') {
            for (s->p++; s->p < s->end && *s->p != '"'; s->p++)
                if (*s->p == '\\') s->p++;
            s->p++;
            continue;
        }
        if (ch == '-' || (ch >= '0' && ch <= '9')) {
            const char *b = s->p;
            while (s->p < s->end && (strchr("0123456789+-.eE", *s->p) != NULL))
                s->p++;
            *tok = b;
            *tok_len = (size_t)(s->p - b);
            return true;
        }
        s->p++;
    }
    return false;
}

/* A plain non-negative integer literal of 16 digits or more (what a double may round). */
static bool is_long_integer(const char *t, size_t n) {
    size_t digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9') return false; /* signed, decimal or exponent: no id */
        digits++;
    }
    return digits >= 16;
}

typedef struct walk {
    scanner s;
    pctx *c;
    size_t n;
} walk;

static void visit(walk *w, const cJSON *node) {
    for (; node; node = node->next) {
        if (cJSON_IsNumber(node)) {
            const char *t = NULL;
            size_t n = 0;
            if (!next_number(&w->s, &t, &n)) return;
            if (!is_long_integer(t, n) || w->n >= w->c->n_big) continue;
            char buf[32];
            fmt_vroom_big *b = &w->c->big[w->n++];
            b->node = node;
            b->ok = false;
            if (n >= sizeof buf) continue; /* beyond any uint64_t */
            memcpy(buf, t, n);
            buf[n] = '\0';
            errno = 0;
            char *end = NULL;
            unsigned long long v = strtoull(buf, &end, 10);
            b->ok = errno == 0 && end == buf + n;
            b->value = (uint64_t)v;
        } else if (cJSON_IsArray(node) || cJSON_IsObject(node)) {
            visit(w, node->child);
        }
    }
}

lm_status fmt__vroom_big_numbers(pctx *c, const char *json, size_t len, const cJSON *root) {
    scanner s = {json, json + len};
    const char *t;
    size_t n, count = 0;
    while (next_number(&s, &t, &n))
        count += is_long_integer(t, n);
    c->n_big = 0;
    if (!count) return LM_OK;
    /* the arena directly (not vroom_read.c's helpers): the parser's files call in, never out */
    c->big = count <= SIZE_MAX / sizeof *c->big
                 ? lm_arena_alloc(c->in->arena, count * sizeof *c->big)
                 : NULL;
    if (!c->big)
        return lm_errinfo_set(c->err, LM_NOMEM, "", "out of memory while reading the problem");
    c->n_big = count;
    walk w = {{json, json + len}, c, 0};
    visit(&w, root);
    c->n_big = w.n;
    return LM_OK;
}

bool fmt__vroom_exact_u64(const pctx *c, const cJSON *node, uint64_t *out) {
    for (size_t i = 0; i < c->n_big; i++)
        if (c->big[i].node == node) {
            *out = c->big[i].value;
            return c->big[i].ok;
        }
    return false;
}
