/* store/store.c: the SQLite store: one writer connection behind a mutex, a pool of read
 * connections for concurrent snapshots, the event log and commit statistics. */
#include "store/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct store_read {
    store *s;
    db_conn *db;
    bool tx_view; /* belongs to a store_tx: store_read_end leaves it alone */
};

struct store_tx {
    store_read view; /* view.db is the writer connection */
    int64_t began_ns;
    int64_t first_seq; /* first event appended in this tx, 0 if none */
    int64_t last_seq;  /* last event appended in this tx, 0 if none */
    uint64_t serial;   /* which transaction this is: store_tx_serial */
    bool keys_changed; /* a key was revoked: the key cache empties at the commit */
};

struct store {
    char *path;
    char *stem; /* store_local_stem */
    /* the writer: exactly one store_tx exists and is lent to one thread at a time */
    pthread_mutex_t write_mu;
    store_tx tx;
    bool closing;
    /* the read pool: free[0..n_free) index into readers */
    pthread_mutex_t read_mu;
    pthread_cond_t read_cv;
    store_read *readers;
    int *free_idx;
    int n_readers, n_free;
    /* fold hook (inside the tx, under the writer lock), event hook and stats */
    store_fold_hook fold;
    void *fold_ctx;
    int64_t fold_lag_ns;  /* store_set_fold_lag (write_mu) */
    int64_t fold_last_ns; /* monotonic time of the last fold (write_mu) */
    store_event_hook hook;
    void *hook_ctx;
    int hook_calls;          /* hook calls in flight (under hook_mu) */
    pthread_mutex_t hook_mu; /* hook_calls, hook_cv */
    pthread_cond_t hook_cv;  /* signalled when hook_calls drops to 0 */
    pthread_mutex_t stats_mu;
    store_stats stats;
    /* commits behind their fsync (store_tx_commit_behind): SQLite with fsync only */
    bool can_sync_behind;
    bool sync_normal;       /* the writer connection was left at synchronous=NORMAL (write_mu) */
    pthread_mutex_t wal_mu; /* wal_fd, unsynced_seq, visible_seq */
    int wal_fd;             /* the WAL, opened at the first store_wal_sync; -1 before */
    /* events committed behind their fsync: the last one not yet synced (0: none), and the last
     * event readers outside the writer may see (INT64_MAX: all), so that nothing reads or
     * publishes an event before it is durable (store_events_since, store_wal_sync) */
    int64_t unsynced_seq;
    int64_t visible_seq;
    store__keycache *keys; /* store_key_check (store/keys_cache.c) */
};

const int64_t store_commit_bucket_le_us[STORE_COMMIT_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, INT64_MAX,
};

void store_opts_init(store_opts *o) {
    o->path = "var/lastmile.db";
    o->busy_timeout_ms = 5000;
    o->read_conns = 8;
}

/* ---- The connection behind a read or a tx (store/internal.h) ---- */

db_conn *store__db(store_read *r) {
    return r->db;
}

db_conn *store__tx_db(store_tx *tx) {
    return tx->view.db;
}

/* For a ROLLBACK, or the COMMIT ending a read, whose failure leaves nothing to do: SQLite has
 * ended the transaction either way. */
static void run_quiet(db_conn *db, const char *sql) {
    lm_status rc = db_run(db, sql, NULL);
    (void)rc;
}

/* ---- Open / close ---- */

static lm_status conn_open(const store_opts *o, bool writer, db_conn **out, lm_errinfo *err) {
    /* LASTMILE_UNSAFE_SYNC_OFF=1 is TEST-ONLY: tests/durability sets it to prove its power-loss
     * harness catches lost commits. */
    const char *unsafe = getenv("LASTMILE_UNSAFE_SYNC_OFF");
    db_open_opts d = {.target = o->path,
                      .writer = writer,
                      .busy_timeout_ms = o->busy_timeout_ms,
                      .sync_off = unsafe && !strcmp(unsafe, "1")};
    return db_open(&d, out, err);
}

/* Drops group and other permissions from path if it exists. */
static lm_status tighten(const char *path, lm_errinfo *err) {
    struct stat st;
    if (stat(path, &st) != 0) return LM_OK;
    if ((st.st_mode & 077) && chmod(path, st.st_mode & 0700) != 0)
        return lm_errinfo_set(err, LM_IO, "db", "cannot make %s private: %s", path,
                              strerror(errno));
    return LM_OK;
}

/* The database and its WAL and shared-memory files hold every order, customer address and
 * token: owner-only, whatever the umask. The parent directory is created 0700 when missing;
 * the file is created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
 * database file's mode), and files left more open by an older build are tightened. */
static lm_status files_private(const char *path, lm_errinfo *err) {
    char dir[1024], side[1100];
    if (!lm_strlcpy(dir, path, sizeof dir))
        return lm_errinfo_set(err, LM_INVALID, "db", "database path too long");
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return lm_errinfo_set(err, LM_IO, "db", "cannot create %s: %s", dir, strerror(errno));
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) close(fd);
    lm_status rc = tighten(path, err);
    const char *suffix[] = {"-wal", "-shm", "-journal"};
    for (size_t i = 0; rc == LM_OK && i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(side, sizeof side, "%s%s", path, suffix[i]);
        rc = tighten(side, err);
    }
    return rc;
}

const char *store_path(const store *s) {
    return s->path;
}

const char *store_local_stem(const store *s) {
    return s->stem;
}

/* s->stem from the path: for a URL, var/ and the database name (the URL's path, before any
 * ?options), "lastmile" when the URL names none. */
static lm_status stem_set(store *s) {
    if (db_backend_of(s->path) == DB_SQLITE)
        return (s->stem = lm_strdup(s->path)) ? LM_OK : LM_NOMEM;
    const char *p = strstr(s->path, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    char name[128] = "lastmile";
    if (p && p[1] && p[1] != '?') {
        size_t n = strcspn(p + 1, "?");
        snprintf(name, sizeof name, "%.*s", (int)(n < 100 ? n : 100), p + 1);
    }
    char stem[160];
    snprintf(stem, sizeof stem, "var/%s", name);
    if (mkdir("var", 0700) != 0 && errno != EEXIST) return LM_IO;
    return (s->stem = lm_strdup(stem)) ? LM_OK : LM_NOMEM;
}

lm_status store_open(const store_opts *o, store **out, lm_errinfo *err) {
    if (!o->path || !*o->path || o->read_conns < 1 || o->read_conns > 256 || o->busy_timeout_ms < 0)
        return lm_errinfo_set(err, LM_INVALID, "store_opts",
                              "need a path, 1..256 read connections and a busy timeout >= 0");
    if (!strncmp(o->path, ":memory:", 8) || !strncmp(o->path, "file:", 5))
        return lm_errinfo_set(err, LM_INVALID, "db",
                              "the store needs a plain file path (its connections share it)");
    lm_status st = LM_NOMEM;
    store *s = lm_calloc(1, sizeof *s);
    if (!s) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    pthread_mutex_init(&s->write_mu, NULL);
    pthread_mutex_init(&s->read_mu, NULL);
    pthread_mutex_init(&s->stats_mu, NULL);
    pthread_mutex_init(&s->hook_mu, NULL);
    pthread_cond_init(&s->hook_cv, NULL);
    pthread_cond_init(&s->read_cv, NULL);
    pthread_mutex_init(&s->wal_mu, NULL);
    s->wal_fd = -1;
    s->visible_seq = INT64_MAX;
    s->tx.view.s = s;
    s->tx.view.tx_view = true;
    if (!(s->path = lm_strdup(o->path))) goto fail;
    if ((st = stem_set(s)) != LM_OK) {
        st = lm_errinfo_set(err, st, "db", "cannot make var/ for the database's local files");
        goto fail;
    }
    /* a PostgreSQL server keeps its own files private */
    if (db_backend_of(o->path) == DB_SQLITE && (st = files_private(o->path, err)) != LM_OK)
        goto fail;
    if ((st = conn_open(o, true, &s->tx.view.db, err)) != LM_OK) goto fail;
    const char *unsafe = getenv("LASTMILE_UNSAFE_SYNC_OFF");
    s->can_sync_behind = db_kind(s->tx.view.db) == DB_SQLITE && !(unsafe && !strcmp(unsafe, "1"));
    /* keys are cached on SQLite only: there every revocation runs in this process (the API,
     * enrolment); PostgreSQL nodes revoke for one another, so each check reads the table */
    st = LM_NOMEM;
    if (db_kind(s->tx.view.db) == DB_SQLITE && !(s->keys = store__keycache_new())) goto fail;
    if ((st = store__migrate(s->tx.view.db, err)) != LM_OK) goto fail;
    st = LM_NOMEM;
    if (db_cache_enable(s->tx.view.db) != LM_OK) goto fail;
    s->readers = lm_calloc((size_t)o->read_conns, sizeof *s->readers);
    s->free_idx = lm_calloc((size_t)o->read_conns, sizeof *s->free_idx);
    if (!s->readers || !s->free_idx) goto fail;
    for (int i = 0; i < o->read_conns; i++) {
        s->readers[i].s = s;
        if ((st = conn_open(o, false, &s->readers[i].db, err)) != LM_OK) goto fail;
        s->n_readers++;
        st = LM_NOMEM;
        if (db_cache_enable(s->readers[i].db) != LM_OK) goto fail;
        s->free_idx[s->n_free++] = i;
    }
    *out = s;
    return LM_OK;
fail:
    if (st == LM_NOMEM) lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    store_close(s);
    return st;
}

void store_close(store *s) {
    if (!s) return;
    pthread_mutex_lock(&s->write_mu);
    s->closing = true;
    pthread_mutex_unlock(&s->write_mu);
    for (int i = 0; i < s->n_readers; i++)
        db_close(s->readers[i].db);
    /* the last connection to close checkpoints the WAL into the main file */
    db_close(s->tx.view.db);
    pthread_cond_destroy(&s->read_cv);
    pthread_mutex_destroy(&s->stats_mu);
    pthread_mutex_destroy(&s->hook_mu);
    pthread_cond_destroy(&s->hook_cv);
    pthread_mutex_destroy(&s->read_mu);
    pthread_mutex_destroy(&s->write_mu);
    if (s->wal_fd >= 0) close(s->wal_fd);
    pthread_mutex_destroy(&s->wal_mu);
    lm_free(s->readers);
    lm_free(s->free_idx);
    lm_free(s->path);
    lm_free(s->stem);
    store__keycache_free(s->keys);
    lm_free(s);
}

/* ---- Write transactions ---- */

/* Puts the writer connection back to synchronous=FULL, where transactions begun behind left it,
 * before a transaction that is not (SQLite refuses the pragma inside one); a failure leaves
 * sync_normal set and the next begin tries again, refusing to begin without it. Under write_mu,
 * outside a transaction. */
static lm_status sync_full(store *s) {
    if (!s->sync_normal) return LM_OK;
    if (db_run(s->tx.view.db, "PRAGMA synchronous=FULL", NULL) != LM_OK) return LM_STORE;
    s->sync_normal = false;
    return LM_OK;
}

/* BEGIN IMMEDIATE, at synchronous=NORMAL when behind and FULL otherwise. */
static lm_status begin(store *s, bool behind, store_tx **out) {
    pthread_mutex_lock(&s->write_mu);
    if (s->closing) {
        pthread_mutex_unlock(&s->write_mu);
        return LM_UNAVAILABLE;
    }
    store_tx *tx = &s->tx;
    /* the connection stays at NORMAL from one tx begun behind to the next (two statements fewer
     * per group commit): only a tx not begun behind puts it back to FULL */
    if (!behind && sync_full(s) != LM_OK) {
        pthread_mutex_unlock(&s->write_mu);
        return LM_STORE;
    }
    if (behind && s->can_sync_behind && !s->sync_normal &&
        db_run(tx->view.db, "PRAGMA synchronous=NORMAL", NULL) == LM_OK)
        s->sync_normal = true;
    if (db_begin_write(tx->view.db, NULL) != LM_OK) {
        lm_status full = sync_full(s);
        (void)full;
        pthread_mutex_unlock(&s->write_mu);
        return LM_STORE;
    }
    tx->began_ns = lm_mono_ns();
    tx->first_seq = tx->last_seq = 0;
    tx->keys_changed = false;
    tx->serial++;
    *out = tx;
    return LM_OK;
}

lm_status store_tx_begin(store *s, store_tx **out) {
    return begin(s, false, out);
}

lm_status store_tx_begin_behind(store *s, store_tx **out) {
    return begin(s, true, out);
}

static void stats_record_commit(store *s, int64_t us, bool ok) {
    pthread_mutex_lock(&s->stats_mu);
    if (!ok) {
        s->stats.commit_failures++;
    } else {
        s->stats.commits++;
        s->stats.commit_us_sum += (uint64_t)us;
        int b = 0;
        while (b < STORE_COMMIT_BUCKETS - 1 && us > store_commit_bucket_le_us[b])
            b++;
        s->stats.commit_buckets[b]++;
    }
    pthread_mutex_unlock(&s->stats_mu);
}

/* Runs the fold hook inside a savepoint: a failing fold undoes only its own writes, and the change
 * it followed still commits (the derived data's cursor then lags and the next fold catches up). */
static void run_fold(store_tx *tx) {
    store *s = tx->view.s;
    if (!s->fold || tx->last_seq <= 0) return;
    int64_t now = lm_mono_ns();
    if (s->fold_lag_ns > 0 && now - s->fold_last_ns < s->fold_lag_ns) return; /* a later fold */
    s->fold_last_ns = now;
    if (db_run(tx->view.db, "SAVEPOINT lm_fold", NULL) != LM_OK) return;
    if (s->fold(s->fold_ctx, tx) != LM_OK) run_quiet(tx->view.db, "ROLLBACK TO lm_fold");
    run_quiet(tx->view.db, "RELEASE lm_fold");
}

/* A commit synced (by SQLite at synchronous=FULL, or by store_wal_sync up to seq): every event
 * up to seq is durable; readers see them, and all once nothing is left unsynced. */
static void events_durable(store *s, int64_t seq) {
    pthread_mutex_lock(&s->wal_mu);
    if (s->unsynced_seq && seq >= s->unsynced_seq) {
        s->unsynced_seq = 0;
        s->visible_seq = INT64_MAX;
    } else if (s->unsynced_seq && seq > s->visible_seq) {
        s->visible_seq = seq;
    }
    pthread_mutex_unlock(&s->wal_mu);
}

/* Before the COMMIT of a tx whose events will be synced later: readers stop short of them (set
 * before they become visible). *was keeps what to put back if the commit fails. */
static void events_hide(store *s, const store_tx *tx, int64_t was[2]) {
    pthread_mutex_lock(&s->wal_mu);
    was[0] = s->unsynced_seq;
    was[1] = s->visible_seq;
    if (!s->unsynced_seq) s->visible_seq = tx->first_seq - 1;
    s->unsynced_seq = tx->last_seq;
    pthread_mutex_unlock(&s->wal_mu);
}

static void events_unhide(store *s, const int64_t was[2]) {
    pthread_mutex_lock(&s->wal_mu);
    s->unsynced_seq = was[0];
    s->visible_seq = was[1];
    pthread_mutex_unlock(&s->wal_mu);
}

/* fdatasync of the WAL; *seq = the last event committed behind before it (0: none). */
static lm_status wal_fdatasync(store *s, int64_t *seq) {
    pthread_mutex_lock(&s->wal_mu);
    *seq = s->unsynced_seq; /* committed before the fdatasync: durable after it */
    if (s->wal_fd < 0) {
        /* the writer connection keeps the WAL open (and in place) until store_close, so the
         * file opened here is the one its commits append to; any descriptor syncs the file */
        char wal[1100];
        snprintf(wal, sizeof wal, "%s-wal", s->path);
        s->wal_fd = open(wal, O_RDONLY | O_CLOEXEC);
    }
    int fd = s->wal_fd;
    pthread_mutex_unlock(&s->wal_mu);
    return fd >= 0 && fdatasync(fd) == 0 ? LM_OK : LM_IO;
}

/* How far a commit may go ahead of its fsync. */
enum { DEFER_NONE, DEFER_QUIET, DEFER_ALL };

/* COMMIT. A transaction begun behind commits at synchronous=NORMAL (its WAL frames written, not
 * synced): when defer allows (DEFER_QUIET: only without events), *sync_after and the caller takes
 * the fsync on (store_wal_sync), which then publishes its events; else synced here before
 * anything learns of it. */
static lm_status commit_sync(store_tx *tx, int defer, bool *sync_after) {
    store *s = tx->view.s;
    bool behind = s->sync_normal;
    bool may_defer = defer == DEFER_ALL || (defer == DEFER_QUIET && tx->last_seq == 0);
    bool hide = behind && may_defer && tx->last_seq > 0;
    int64_t was[2];
    if (hide) events_hide(s, tx, was);
    lm_status rc = db_commit(tx->view.db, NULL);
    if (rc != LM_OK) {
        if (hide) events_unhide(s, was);
        return rc;
    }
    if (behind && may_defer) {
        *sync_after = true;
        return LM_OK;
    }
    int64_t seq = 0;
    if (behind && (rc = wal_fdatasync(s, &seq)) != LM_OK) return rc;
    /* synced: so is every frame before it, events committed behind included (their hook comes
     * from the store_wal_sync their committer waits for) */
    events_durable(s, INT64_MAX);
    return LM_OK;
}

/* Calls the event hook with seq, counted so that store_set_event_hook can wait for it. */
static void hook_call(store *s, store_event_hook hook, void *ctx, int64_t seq) {
    hook(ctx, seq);
    pthread_mutex_lock(&s->hook_mu);
    if (--s->hook_calls == 0) pthread_cond_broadcast(&s->hook_cv);
    pthread_mutex_unlock(&s->hook_mu);
}

/* The hook to call for seq (NULL: none), counted in hook_calls; under write_mu or hook_mu's
 * caller holding the hook stable (store_set_event_hook takes both). */
static store_event_hook hook_take(store *s, void **ctx) {
    pthread_mutex_lock(&s->hook_mu);
    store_event_hook hook = s->hook;
    *ctx = s->hook_ctx;
    if (hook) s->hook_calls++;
    pthread_mutex_unlock(&s->hook_mu);
    return hook;
}

static lm_status commit(store_tx *tx, int defer, bool *sync_after) {
    store *s = tx->view.s;
    run_fold(tx);
    int64_t t0 = lm_mono_ns();
    lm_status rc = commit_sync(tx, defer, sync_after);
    int64_t us = (lm_mono_ns() - t0) / 1000;
    int64_t last_seq = tx->last_seq;
    if (rc != LM_OK) db_rollback(tx->view.db);
    /* before the committer hears back: its next request already reads the table again */
    if (tx->keys_changed) store__keycache_clear(s->keys);
    stats_record_commit(s, us, rc == LM_OK);
    /* events committed behind their fsync are published by the store_wal_sync that makes them
     * durable; the others now. Counted while the writer lock is held, so that
     * store_set_event_hook, which takes it, can wait for this call to end before its caller
     * frees the hook's context */
    void *hook_ctx = NULL;
    store_event_hook hook =
        rc == LM_OK && last_seq > 0 && !*sync_after ? hook_take(s, &hook_ctx) : NULL;
    pthread_mutex_unlock(&s->write_mu);
    if (rc != LM_OK) return rc;
    if (hook) hook_call(s, hook, hook_ctx, last_seq);
    return LM_OK;
}

void store__tx_keys_changed(store_tx *tx) {
    tx->keys_changed = true;
}

store__keycache *store__keycache_of(store *s) {
    return s->keys;
}

lm_status store_tx_commit(store_tx *tx) {
    bool sync_after = false;
    return commit(tx, DEFER_NONE, &sync_after);
}

lm_status store_tx_commit_behind(store_tx *tx, bool with_events, bool *sync_after) {
    *sync_after = false;
    return commit(tx, with_events ? DEFER_ALL : DEFER_QUIET, sync_after);
}

lm_status store_wal_sync(store *s) {
    /* PostgreSQL (and a store told not to sync) commits nothing behind its sync */
    if (!s->can_sync_behind) return LM_OK;
    int64_t seq = 0;
    lm_status rc = wal_fdatasync(s, &seq);
    if (rc != LM_OK || seq == 0) return rc;
    events_durable(s, seq);
    void *ctx = NULL;
    store_event_hook hook = hook_take(s, &ctx);
    if (hook) hook_call(s, hook, ctx, seq);
    return LM_OK;
}

void store_tx_rollback(store_tx *tx) {
    if (!tx) return;
    store *s = tx->view.s;
    db_rollback(tx->view.db);
    lm_status full = sync_full(s);
    (void)full;
    pthread_mutex_lock(&s->stats_mu);
    s->stats.rollbacks++;
    pthread_mutex_unlock(&s->stats_mu);
    pthread_mutex_unlock(&s->write_mu);
}

uint64_t store_tx_serial(const store_tx *tx) {
    return tx->serial;
}

store_read *store_tx_read(store_tx *tx) {
    return &tx->view;
}

/* ---- Reads ---- */

lm_status store__conn_take(store *s, store_read **out) {
    pthread_mutex_lock(&s->read_mu);
    while (s->n_free == 0)
        pthread_cond_wait(&s->read_cv, &s->read_mu);
    *out = &s->readers[s->free_idx[--s->n_free]];
    pthread_mutex_unlock(&s->read_mu);
    return LM_OK;
}

lm_status store_read_begin(store *s, store_read **out) {
    store_read *r = NULL;
    if (store__conn_take(s, &r) != LM_OK) return LM_UNAVAILABLE;
    if (db_begin_read(r->db, NULL) != LM_OK) {
        store_read_end(r);
        return LM_STORE;
    }
    *out = r;
    return LM_OK;
}

void store_read_end(store_read *r) {
    if (!r || r->tx_view) return;
    store *s = r->s;
    if (db_in_tx(r->db)) run_quiet(r->db, "COMMIT");
    pthread_mutex_lock(&s->read_mu);
    s->free_idx[s->n_free++] = (int)(r - s->readers);
    pthread_cond_signal(&s->read_cv);
    pthread_mutex_unlock(&s->read_mu);
}

/* ---- Event log ---- */

lm_status store_event_append(store_tx *tx, const char *type, const char *entity,
                             const char *entity_id, const char *payload_json) {
    if (!type || !*type || !entity || !*entity) return LM_INVALID;
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        tx->view.db,
        "INSERT INTO events(time_ms, type, entity, entity_id, payload) VALUES (?, ?, ?, ?, ?)", &st,
        NULL);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, lm_now_ms())) != LM_OK ||
        (rc = db_bind_text_ref(st, 2, type)) != LM_OK ||
        (rc = db_bind_text_ref(st, 3, entity)) != LM_OK ||
        (rc = db_bind_text_ref(st, 4, entity_id)) != LM_OK ||
        (rc = db_bind_text_ref(st, 5, payload_json ? payload_json : "{}")) != LM_OK)
        goto fail;
    int s = db_step(st);
    if (s != DB_DONE) {
        /* the json_valid CHECK is the only constraint here: a bad payload is the caller's bug */
        rc = s == DB_CONSTRAINT ? LM_INVALID : db_fail(tx->view.db, s, NULL);
        goto fail;
    }
    tx->last_seq = db_last_insert_id(tx->view.db);
    if (!tx->first_seq) tx->first_seq = tx->last_seq;
fail:
    db_finish(st);
    return rc;
}

void store_events_free(store_event *ev, size_t n) {
    if (!ev) return;
    for (size_t i = 0; i < n; i++) {
        lm_free(ev[i].type);
        lm_free(ev[i].entity);
        lm_free(ev[i].entity_id);
        lm_free(ev[i].payload_json);
    }
    lm_free(ev);
}

int64_t store__events_visible(const store_read *r) {
    if (r->tx_view) return INT64_MAX;
    pthread_mutex_lock(&r->s->wal_mu);
    int64_t seq = r->s->visible_seq;
    pthread_mutex_unlock(&r->s->wal_mu);
    return seq;
}

lm_status store_events_last_seq(store_read *r, int64_t *out) {
    int64_t visible = store__events_visible(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(r->db, "SELECT IFNULL(MAX(seq), 0) FROM events", &st, NULL);
    if (rc != LM_OK) return rc;
    int s = db_step(st);
    if (s == DB_ROW)
        *out = db_column_i64(st, 0) < visible ? db_column_i64(st, 0) : visible;
    else
        rc = db_fail(r->db, s, NULL);
    db_finish(st);
    return rc;
}

lm_status store_events_since(store_read *r, int64_t after_seq, size_t max, store_event **out,
                             size_t *n_out) {
    if (max < 1 || max > 10000) return LM_INVALID;
    db_stmt *st = NULL;
    store_event *ev = NULL;
    size_t n = 0, cap = 0;
    /* read before the snapshot's rows: an event above it may not be durable yet */
    int64_t visible = store__events_visible(r);
    lm_status rc = db_prepare(r->db,
                              "SELECT seq, time_ms, type, entity, entity_id, payload FROM "
                              "events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                              &st, NULL);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, after_seq)) != LM_OK ||
        (rc = db_bind_i64(st, 2, visible)) != LM_OK ||
        (rc = db_bind_i64(st, 3, (int64_t)max)) != LM_OK)
        goto fail;
    int s;
    while ((s = db_step(st)) == DB_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            store_event *g = lm_reallocarray(ev, ncap, sizeof *ev);
            if (!g) {
                rc = LM_NOMEM;
                goto fail;
            }
            ev = g;
            cap = ncap;
        }
        store_event *e = &ev[n++];
        memset(e, 0, sizeof *e);
        e->seq = db_column_i64(st, 0);
        e->time_ms = db_column_i64(st, 1);
        if ((rc = store__column_dup(st, 2, &e->type)) != LM_OK ||
            (rc = store__column_dup(st, 3, &e->entity)) != LM_OK ||
            (rc = store__column_dup(st, 4, &e->entity_id)) != LM_OK ||
            (rc = store__column_dup(st, 5, &e->payload_json)) != LM_OK)
            goto fail;
    }
    if (s != DB_DONE) {
        rc = db_fail(r->db, s, NULL);
        goto fail;
    }
    db_finish(st);
    if (n == 0) {
        lm_free(ev);
        ev = NULL;
    }
    *out = ev;
    *n_out = n;
    return LM_OK;
fail:
    db_finish(st);
    store_events_free(ev, n);
    return rc;
}

void store_set_fold_hook(store *s, store_fold_hook fn, void *ctx) {
    pthread_mutex_lock(&s->write_mu);
    s->fold = fn;
    s->fold_ctx = ctx;
    pthread_mutex_unlock(&s->write_mu);
}

void store_set_fold_lag(store *s, int64_t lag_ms) {
    pthread_mutex_lock(&s->write_mu);
    s->fold_lag_ns = lag_ms > 0 ? lag_ms * 1000000 : 0;
    pthread_mutex_unlock(&s->write_mu);
}

void store_set_event_hook(store *s, store_event_hook fn, void *ctx) {
    pthread_mutex_lock(&s->write_mu);
    pthread_mutex_lock(&s->hook_mu);
    s->hook = fn;
    s->hook_ctx = ctx;
    pthread_mutex_unlock(&s->hook_mu);
    pthread_mutex_unlock(&s->write_mu);
    /* a commit that read the old hook may still be calling it (outside the writer lock): wait, so
     * that the caller may free the old context on return (a dispatch re-plan committing while the
     * server stops freed the webhook sender under its call: test_driver_http under ASan) */
    pthread_mutex_lock(&s->hook_mu);
    while (s->hook_calls > 0)
        pthread_cond_wait(&s->hook_cv, &s->hook_mu);
    pthread_mutex_unlock(&s->hook_mu);
}

/* ---- Statistics ---- */

void store_stats_get(store *s, store_stats *out) {
    pthread_mutex_lock(&s->stats_mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->stats_mu);
}
