/* store/sql_pg.c: rewrites the store's SQL (written for SQLite) into PostgreSQL's dialect, so one
 * text per statement and per migration serves both backends (the rules are listed in
 * store/sql_pg.h). It works on tokens, so string literals and quoted names are never touched. */
#include "store/sql_pg.h"

#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef enum { T_WORD, T_STR, T_PARAM, T_WS, T_OTHER, T_END } tok_kind;

typedef struct tok {
    tok_kind kind;
    const char *p;
    size_t n;
} tok;

/* Next token of s at *i. */
static tok tok_next(const char *s, size_t *i) {
    const char *p = s + *i;
    tok t = {T_END, p, 0};
    if (!*p) return t;
    size_t n = 1;
    if (isalpha((unsigned char)*p) || *p == '_') {
        while (isalnum((unsigned char)p[n]) || p[n] == '_')
            n++;
        t.kind = T_WORD;
    } else if (*p == '\'' || *p == '"') { /* '' and "" escape the quote inside */
        for (;;) {
            if (!p[n]) break;
            if (p[n] == *p && p[n + 1] == *p) {
                n += 2;
                continue;
            }
            if (p[n++] == *p) break;
        }
        t.kind = T_STR;
    } else if (*p == '?') {
        while (isdigit((unsigned char)p[n]))
            n++;
        t.kind = T_PARAM;
    } else if (isspace((unsigned char)*p)) {
        while (isspace((unsigned char)p[n]))
            n++;
        t.kind = T_WS;
    } else if (*p == '-' && p[1] == '-') {
        while (p[n] && p[n] != '\n')
            n++;
        t.kind = T_WS;
    } else {
        t.kind = T_OTHER;
    }
    t.n = n;
    *i += n;
    return t;
}

static bool is_word(tok t, const char *w) {
    return t.kind == T_WORD && strlen(w) == t.n && !strncasecmp(t.p, w, t.n);
}

/* The next non-blank token after *i (without consuming it when peek). */
static tok word_after(const char *s, size_t *i, bool peek) {
    size_t j = *i;
    tok t;
    do
        t = tok_next(s, &j);
    while (t.kind == T_WS);
    if (!peek) *i = j;
    return t;
}

/* Words PostgreSQL reserves that the schema uses as column names: quoted wherever they appear
 * (the store never writes a FULL JOIN). */
static bool reserved(const char *p, size_t n) {
    return n == 4 && !strncasecmp(p, "full", 4);
}

/* ---- Output buffer ---- */

static bool out_put(sql_pg_out *o, const char *p, size_t n) {
    if (o->len + n + 1 > o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 256;
        while (nc < o->len + n + 1)
            nc *= 2;
        char *g = lm_reallocarray(o->text, nc, 1);
        if (!g) return false;
        o->text = g;
        o->cap = nc;
    }
    memcpy(o->text + o->len, p, n);
    o->len += n;
    o->text[o->len] = '\0';
    return true;
}

static bool out_str(sql_pg_out *o, const char *s) {
    return out_put(o, s, strlen(s));
}

/* A name, quoted if PostgreSQL reserves it. */
static bool out_name(sql_pg_out *o, const char *p, size_t n) {
    if (!reserved(p, n)) return out_put(o, p, n);
    return out_str(o, "\"") && out_put(o, p, n) && out_str(o, "\"");
}

void sql_pg_out_free(sql_pg_out *o) {
    lm_free(o->text);
    memset(o, 0, sizeof *o);
}

/* ---- One INSERT OR IGNORE / OR REPLACE being rewritten ---- */

typedef struct pending {
    int mode;        /* 0 none, 1 ignore, 2 replace */
    char table[64];  /* the INSERT's target */
    char cols[1024]; /* its column list, comma-separated, no blanks */
} pending;

/* Reads "table(cols)" after INSERT ... INTO, copying it to o and recording it in pd. */
static bool insert_target(const char *s, size_t *i, sql_pg_out *o, pending *pd) {
    tok t = word_after(s, i, false);
    if (!out_str(o, " ") || !out_put(o, t.p, t.n)) return false;
    snprintf(pd->table, sizeof pd->table, "%.*s", (int)t.n, t.p);
    size_t j = *i;
    tok lp = word_after(s, &j, true);
    if (lp.kind != T_OTHER || *lp.p != '(') return true;
    size_t len = 0;
    for (;;) {
        tok c = tok_next(s, i);
        if (c.kind == T_END) break;
        if (!(c.kind == T_WORD ? out_name(o, c.p, c.n) : out_put(o, c.p, c.n))) return false;
        if (c.kind == T_WORD && len + c.n + 2 < sizeof pd->cols) {
            if (len) pd->cols[len++] = ',';
            memcpy(pd->cols + len, c.p, c.n);
            len += c.n;
            pd->cols[len] = '\0';
        }
        if (c.kind == T_OTHER && *c.p == ')') break;
    }
    return true;
}

/* The ON CONFLICT clause that ends a rewritten INSERT OR IGNORE / REPLACE. */
static bool conflict_clause(sql_pg_out *o, pending *pd, const sql_pg_hooks *h) {
    if (pd->mode == 0) return true;
    int mode = pd->mode;
    pd->mode = 0;
    if (mode == 1) return out_str(o, " ON CONFLICT DO NOTHING");
    char target[512] = "";
    if (!h || !h->conflict_target ||
        !h->conflict_target(h->ctx, pd->table, pd->cols, target, sizeof target)) {
        o->no_target = true; /* the caller refuses the statement rather than drop the update */
        return true;
    }
    if (!out_str(o, " ON CONFLICT (") || !out_str(o, target) || !out_str(o, ") DO ")) return false;
    /* every inserted column that is not part of the key takes the new value, which is what
     * SQLite's REPLACE leaves in the row */
    bool any = false;
    char cols[1024];
    lm_strlcpy(cols, pd->cols, sizeof cols);
    for (char *save = NULL, *c = strtok_r(cols, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        char key[520];
        snprintf(key, sizeof key, ",%s,", target);
        char probe[80];
        snprintf(probe, sizeof probe, ",%s,", c);
        if (strstr(key, probe)) continue;
        if (!out_str(o, any ? ", " : "UPDATE SET ") || !out_name(o, c, strlen(c)) ||
            !out_str(o, " = EXCLUDED.") || !out_name(o, c, strlen(c)))
            return false;
        any = true;
    }
    return any || out_str(o, "NOTHING");
}

/* The rewrites of one word at t (already consumed); false on allocation failure. */
static bool word_rule(const char *s, size_t *i, tok t, sql_pg_out *o, pending *pd,
                      const sql_pg_hooks *h, bool *handled) {
    *handled = true;
    size_t j = *i;
    if (is_word(t, "INTEGER")) {
        tok a = word_after(s, &j, false), b = word_after(s, &j, false);
        if (is_word(a, "PRIMARY") && is_word(b, "KEY")) {
            size_t k = j;
            if (is_word(word_after(s, &k, false), "AUTOINCREMENT")) j = k;
            *i = j;
            return out_str(o, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
        }
        return out_str(o, "BIGINT");
    }
    if (is_word(t, "REAL")) return out_str(o, "DOUBLE PRECISION");
    if (is_word(t, "BLOB")) return out_str(o, "BYTEA");
    if (is_word(t, "IFNULL")) return out_str(o, "COALESCE");
    if (is_word(t, "AUTOINCREMENT")) return true;
    if (reserved(t.p, t.n)) return out_name(o, t.p, t.n);
    if (is_word(t, "WITHOUT") && is_word(word_after(s, &j, false), "ROWID")) {
        *i = j;
        return true;
    }
    if (is_word(t, "BEGIN") && is_word(word_after(s, &j, false), "IMMEDIATE")) {
        *i = j;
        return out_str(o, "BEGIN");
    }
    if (is_word(t, "INSERT")) {
        tok a = word_after(s, &j, false);
        int mode = 0;
        if (is_word(a, "OR")) {
            tok b = word_after(s, &j, false);
            mode = is_word(b, "IGNORE") ? 1 : is_word(b, "REPLACE") ? 2 : 0;
            a = word_after(s, &j, false);
        }
        if (!is_word(a, "INTO")) {
            *handled = false;
            return true;
        }
        *i = j;
        pd->mode = mode;
        o->is_insert = true;
        if (!out_str(o, "INSERT INTO")) return false;
        if (!insert_target(s, i, o, pd)) return false;
        lm_strlcpy(o->insert_table, pd->table, sizeof o->insert_table);
        return true;
    }
    if (is_word(t, "RETURNING")) {
        o->has_returning = true;
        if (pd->mode && (!conflict_clause(o, pd, h) || !out_str(o, " "))) return false;
        *handled = false;
        return true;
    }
    *handled = false;
    return true;
}

lm_status sql_pg_translate(const char *sql, const sql_pg_hooks *h, sql_pg_out *o) {
    memset(o, 0, sizeof *o);
    pending pd = {0};
    size_t i = 0;
    int next_param = 0, depth = 0;
    bool ok = out_str(o, "");
    for (tok t = tok_next(sql, &i); ok && t.kind != T_END; t = tok_next(sql, &i)) {
        if (t.kind == T_PARAM) {
            /* ?NNN names its parameter; a bare ? takes the one after the largest so far */
            int n = t.n > 1 ? atoi(t.p + 1) : next_param + 1;
            if (n > next_param) next_param = n;
            if (n > o->n_params) o->n_params = n;
            /* "? IS NULL" alone gives PostgreSQL no type for the parameter: every such test in
             * the store is on text (an optional filter), so say so */
            size_t j = i;
            tok a = word_after(sql, &j, false), b2 = word_after(sql, &j, false);
            if (is_word(b2, "NOT")) b2 = word_after(sql, &j, false);
            char b[24];
            snprintf(b, sizeof b, "$%d%s", n,
                     is_word(a, "IS") && is_word(b2, "NULL") ? "::text" : "");
            ok = out_str(o, b);
            continue;
        }
        if (t.kind == T_OTHER && (*t.p == '(' || *t.p == ')')) depth += *t.p == '(' ? 1 : -1;
        if (t.kind == T_OTHER && *t.p == ';' && depth == 0) {
            ok = conflict_clause(o, &pd, h) && out_put(o, t.p, t.n);
            continue;
        }
        if (t.kind == T_WORD) {
            bool handled = false;
            ok = word_rule(sql, &i, t, o, &pd, h, &handled);
            if (handled || !ok) continue;
        }
        ok = out_put(o, t.p, t.n);
    }
    ok = ok && conflict_clause(o, &pd, h);
    if (!ok) {
        sql_pg_out_free(o);
        return LM_NOMEM;
    }
    if (o->no_target) {
        sql_pg_out_free(o);
        return LM_INVALID;
    }
    return LM_OK;
}
