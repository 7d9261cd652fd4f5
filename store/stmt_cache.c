/* store/stmt_cache.c: the per-connection prepared-statement cache behind store__prepare and
 * store__finish. Compiling SQL costs more than running it for the store's point queries (a
 * tracking poll ran 5-6 of them), so each connection keeps the statements it prepared and hands
 * them out again, reset, for the same SQL text. */
#include "store/internal.h"

#include <pthread.h>
#include <string.h>

/* Per connection: enough for every hot path; a path beyond it evicts the least recently used. */
#define STMT_CACHE_MAX 64

typedef struct cache_entry {
    sqlite3_stmt *st;  /* prepared with SQLITE_PREPARE_PERSISTENT */
    char *sql;         /* own copy of the text it was prepared from (the key) */
    const char *seen;  /* the caller's pointer at the last hit: a string literal, usually */
    uint64_t hash;     /* of sql, to skip most string compares */
    uint64_t last_use; /* the cache's tick at the last hand-out, for eviction */
    bool busy;         /* handed out and not yet given back with store__finish */
} cache_entry;

/* Touched only by the thread that holds the connection (the writer mutex or the read pool
 * guarantees one at a time), so it needs no lock of its own. */
typedef struct conn_cache {
    sqlite3 *db;
    uint64_t tick;
    size_t n;
    cache_entry e[STMT_CACHE_MAX];
} conn_cache;

/* Which connections cache, and where their caches are. SQLite 3.40 has no per-connection user
 * pointer, so a short list maps connection -> cache: written at open and close, read on every
 * prepare and finish (a read lock, so the threads don't queue behind each other). */
static pthread_rwlock_t reg_mu = PTHREAD_RWLOCK_INITIALIZER;
static conn_cache **reg;
static size_t reg_n, reg_cap;

static conn_cache *cache_of(sqlite3 *db) {
    conn_cache *c = NULL;
    pthread_rwlock_rdlock(&reg_mu);
    for (size_t i = 0; i < reg_n && !c; i++)
        if (reg[i]->db == db) c = reg[i];
    pthread_rwlock_unlock(&reg_mu);
    /* still valid after the unlock: only store__cache_detach frees it, at connection close */
    return c;
}

static uint64_t sql_hash(const char *s) {
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static lm_status prepare_flags(sqlite3 *db, const char *sql, unsigned flags, sqlite3_stmt **out,
                               lm_errinfo *err) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(db, sql, -1, flags, &st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        return store__fail(db, rc, err);
    }
    if (!st) /* only whitespace or a comment: nothing to run, and nothing the callers expect */
        return lm_errinfo_set(err, LM_INTERNAL, "", "no SQL statement in \"%s\"", sql);
    *out = st;
    return LM_OK;
}

lm_status store__cache_attach(sqlite3 *db) {
    if (cache_of(db)) return LM_OK;
    conn_cache *c = lm_calloc(1, sizeof *c);
    if (!c) return LM_NOMEM;
    c->db = db;
    lm_status rc = LM_OK;
    pthread_rwlock_wrlock(&reg_mu);
    if (reg_n == reg_cap) {
        size_t ncap = reg_cap ? reg_cap * 2 : 16;
        conn_cache **g = lm_reallocarray(reg, ncap, sizeof *reg);
        if (!g) {
            rc = LM_NOMEM;
            goto unlock;
        }
        reg = g;
        reg_cap = ncap;
    }
    reg[reg_n++] = c;
    c = NULL;
unlock:
    pthread_rwlock_unlock(&reg_mu);
    lm_free(c);
    return rc;
}

void store__cache_detach(sqlite3 *db) {
    conn_cache *c = NULL;
    pthread_rwlock_wrlock(&reg_mu);
    for (size_t i = 0; i < reg_n; i++) {
        if (reg[i]->db == db) {
            c = reg[i];
            reg[i] = reg[--reg_n];
            break;
        }
    }
    if (reg_n == 0) { /* the last store closed: leave nothing behind for leak checkers */
        lm_free(reg);
        reg = NULL;
        reg_cap = 0;
    }
    pthread_rwlock_unlock(&reg_mu);
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        sqlite3_finalize(c->e[i].st);
        lm_free(c->e[i].sql);
    }
    lm_free(c);
}

/* Where a new statement goes: a free slot, else the least recently used idle one; NULL when all
 * STMT_CACHE_MAX are handed out at once. */
static cache_entry *slot_pick(conn_cache *c) {
    if (c->n < STMT_CACHE_MAX) return &c->e[c->n];
    cache_entry *lru = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (!c->e[i].busy && (!lru || c->e[i].last_use < lru->last_use)) lru = &c->e[i];
    return lru;
}

/* The entry holding sql's text, or NULL. At most one entry holds a given text. */
static cache_entry *entry_find(conn_cache *c, const char *sql) {
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

lm_status store__prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out, lm_errinfo *err) {
    conn_cache *c = cache_of(db);
    if (!c) return prepare_flags(db, sql, 0, out, err);
    cache_entry *e = entry_find(c, sql);
    if (e && !e->busy) {
        e->busy = true;
        e->last_use = ++c->tick;
        *out = e->st;
        return LM_OK;
    }
    /* the same SQL still running further up this thread's stack (a row loop calling a function
     * that runs it again): a private copy, finalized by store__finish */
    if (e) return prepare_flags(db, sql, 0, out, err);
    cache_entry *slot = slot_pick(c);
    if (!slot) return prepare_flags(db, sql, 0, out, err);
    char *copy = lm_strdup(sql);
    if (!copy) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    sqlite3_stmt *st = NULL;
    lm_status rc = prepare_flags(db, sql, SQLITE_PREPARE_PERSISTENT, &st, err);
    if (rc != LM_OK) {
        lm_free(copy);
        return rc;
    }
    if (slot == &c->e[c->n]) {
        c->n++;
    } else { /* evicting an idle statement */
        sqlite3_finalize(slot->st);
        lm_free(slot->sql);
    }
    *slot = (cache_entry){.st = st,
                          .sql = copy,
                          .seen = sql,
                          .hash = sql_hash(sql),
                          .last_use = ++c->tick,
                          .busy = true};
    *out = st;
    return LM_OK;
}

void store__finish(sqlite3_stmt *st) {
    if (!st) return;
    conn_cache *c = cache_of(sqlite3_db_handle(st));
    for (size_t i = 0; c && i < c->n; i++) {
        if (c->e[i].st != st) continue;
        /* reset ends the statement's read of the database at once; clearing drops the copies of
         * bound text so they don't outlive the call */
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        c->e[i].busy = false;
        return;
    }
    sqlite3_finalize(st);
}

lm_status store__run(sqlite3 *db, const char *sql, lm_errinfo *err) {
    sqlite3_stmt *st = NULL;
    lm_status rc = store__prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
    }
    if (s != SQLITE_DONE) rc = store__fail(db, s, err);
    store__finish(st);
    return rc;
}
