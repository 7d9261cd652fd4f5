/* store/stmt_cache.c: the per-connection prepared-statement cache behind db_prepare and
 * db_finish (store/db.h). Compiling SQL costs more than running it for the store's point queries
 * (a tracking poll ran 5-6 of them), so each connection keeps the statements it prepared and
 * hands them out again, reset, for the same SQL text. */
#include "store/db_impl.h"

#include <string.h>

/* Per connection: enough for every hot path; a path beyond it evicts the least recently used. */
#define STMT_CACHE_MAX 64

typedef struct cache_entry {
    db_stmt *st;       /* prepared as persistent */
    char *sql;         /* own copy of the text it was prepared from (the key) */
    const char *seen;  /* the caller's pointer at the last hit: a string literal, usually */
    uint64_t hash;     /* of sql, to skip most string compares */
    uint64_t last_use; /* the cache's tick at the last hand-out, for eviction */
    bool busy;         /* handed out and not yet given back with db_finish */
} cache_entry;

/* Touched only by the thread that holds the connection (the writer mutex or the read pool
 * guarantees one at a time), so it needs no lock of its own. */
struct db_cache {
    uint64_t tick;
    size_t n;
    cache_entry e[STMT_CACHE_MAX];
};

static uint64_t sql_hash(const char *s) {
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

lm_status db_cache_enable(db_conn *c) {
    if (c->cache) return LM_OK;
    c->cache = lm_calloc(1, sizeof *c->cache);
    return c->cache ? LM_OK : LM_NOMEM;
}

void db__cache_drop(db_conn *c) {
    db_cache *k = c->cache;
    if (!k) return;
    for (size_t i = 0; i < k->n; i++) {
        db__stmt_free(k->e[i].st);
        lm_free(k->e[i].sql);
    }
    lm_free(k);
    c->cache = NULL;
}

/* Where a new statement goes: a free slot, else the least recently used idle one; NULL when all
 * STMT_CACHE_MAX are handed out at once. */
static cache_entry *slot_pick(db_cache *c) {
    if (c->n < STMT_CACHE_MAX) return &c->e[c->n];
    cache_entry *lru = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (!c->e[i].busy && (!lru || c->e[i].last_use < lru->last_use)) lru = &c->e[i];
    return lru;
}

/* The entry holding sql's text, or NULL. At most one entry holds a given text. */
static cache_entry *entry_find(db_cache *c, const char *sql) {
    /* callers pass string literals, so the pointer seen last time finds the entry without
     * hashing the text (hundreds of bytes); the compare still checks it, for SQL built in a
     * buffer that is reused */
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].seen == sql && !strcmp(c->e[i].sql, sql)) return &c->e[i];
    uint64_t h = sql_hash(sql);
    for (size_t i = 0; i < c->n; i++) {
        if (c->e[i].hash == h && !strcmp(c->e[i].sql, sql)) {
            c->e[i].seen = sql;
            return &c->e[i];
        }
    }
    return NULL;
}

lm_status db_prepare(db_conn *db, const char *sql, db_stmt **out, lm_errinfo *err) {
    db_cache *c = db->cache;
    if (!c) return db__stmt_new(db, sql, false, out, err);
    cache_entry *e = entry_find(c, sql);
    if (e && !e->busy) {
        e->busy = true;
        e->last_use = ++c->tick;
        *out = e->st;
        return LM_OK;
    }
    /* the same SQL still running further up this thread's stack (a row loop calling a function
     * that runs it again): a private copy, finalized by db_finish */
    if (e) return db__stmt_new(db, sql, false, out, err);
    cache_entry *slot = slot_pick(c);
    if (!slot) return db__stmt_new(db, sql, false, out, err);
    char *copy = lm_strdup(sql);
    if (!copy) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    db_stmt *st = NULL;
    lm_status rc = db__stmt_new(db, sql, true, &st, err);
    if (rc != LM_OK) {
        lm_free(copy);
        return rc;
    }
    if (slot == &c->e[c->n]) {
        c->n++;
    } else { /* evicting an idle statement */
        db__stmt_free(slot->st);
        lm_free(slot->sql);
    }
    st->cached = true;
    *slot = (cache_entry){.st = st,
                          .sql = copy,
                          .seen = sql,
                          .hash = sql_hash(sql),
                          .last_use = ++c->tick,
                          .busy = true};
    *out = st;
    return LM_OK;
}

void db_finish(db_stmt *st) {
    if (!st) return;
    db_cache *c = st->conn->cache;
    if (st->cached && c) {
        for (size_t i = 0; i < c->n; i++) {
            if (c->e[i].st != st) continue;
            db__stmt_recycle(st);
            c->e[i].busy = false;
            return;
        }
    }
    db__stmt_free(st);
}
