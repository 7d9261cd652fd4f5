/* events/webhooks.c: the webhook sender (events/webhooks.h): a scheduler thread finds the
 * webhooks with events due and queues them as lanes; a bounded pool of workers takes the lanes in
 * turn, at most one worker per webhook, each turn checking the target again (resolution
 * included) and POSTing up to HOOK_BATCH events in order. Cursors and backoffs are stored through
 * one group-commit queue, so many lanes finishing together share an fsync.
 *
 * Several nodes on PostgreSQL: every node sends. A turn first claims the webhook's lease
 * (store_webhook_claim: the webhook row FOR UPDATE SKIP LOCKED, so the head of each stream has
 * one sender at a time, and order holds per webhook whichever node sends), sends only while the
 * lease surely lasts, and records its cursor with the lease's release, which only the lease's
 * owner can do. A node killed mid-turn leaves its lease to run out (HOOK_LEASE_*), and the next
 * owner resends from the stored cursor: the events of that one turn may arrive twice, with the
 * same X-Lastmile-Delivery id. On SQLite one process sends and nothing is claimed. */
#include "events/internal.h"

#include "store/commit_queue.h"

#include "store/store_cluster.h"

#include "common/sha256.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HOOK_BATCH       50     /* events per lane turn: then the lane goes to the back */
#define HOOK_BACKOFF_MS  500    /* first retry after a failure; doubles */
#define HOOK_BACKOFF_MAX 300000 /* ... up to 5 min */
#define HOOK_POLL_MS     250    /* backoffs are timed from the store: how often it is looked at */
#define HOOK_DUE_PAGE    1000   /* due webhooks read per query */
#define HOOK_WORKERS_MAX 256
/* Several nodes: a lease lasts 2 delivery timeouts + HOOK_LEASE_EXTRA_MS; a turn sends only while
 * one more delivery surely ends HOOK_LEASE_MARGIN_MS before the lease does (clock steps between
 * nodes must stay below that margin). */
#define HOOK_LEASE_EXTRA_MS  5000
#define HOOK_LEASE_MARGIN_MS 1000

/* A webhook queued or being delivered. Lanes exist only while they have work, so their number
 * is bounded by the due webhooks, not by all of them. */
typedef struct lane {
    int64_t id;
    bool busy;   /* a worker has it */
    bool again;  /* found due again while busy: back in the queue after this turn */
    bool parked; /* its endpoint has per_endpoint deliveries in flight: waits for one to end */
    uint64_t ep; /* its endpoint (host and port), hashed; set while busy or parked */
} lane;

/* Deliveries in flight to one endpoint. */
typedef struct endpoint {
    uint64_t ep;
    unsigned inflight;
} endpoint;

struct events_webhooks {
    store *st;
    events_webhooks_opts o;
    bool shared;    /* PostgreSQL: other nodes send too; turns claim leases */
    char owner[96]; /* this sender's name in the leases: host, pid, random */
    int64_t lease_ms;
    uint8_t key[EVENTS_SEAL_KEY_LEN];
    store_cq *cq;
    pthread_t scheduler;
    pthread_t workers[HOOK_WORKERS_MAX];
    unsigned n_workers;
    bool sched_started;
    atomic_bool stopping;
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t sched_cv, work_cv;
    bool kick;
    lane *lanes; /* sorted by id */
    size_t n_lanes, cap_lanes;
    int64_t *q; /* ring of queued lane ids */
    size_t q_head, q_len, q_cap;
    endpoint eps[HOOK_WORKERS_MAX]; /* endpoints with deliveries in flight (<= one per worker) */
    size_t n_eps;
};

void events_webhooks_opts_init(events_webhooks_opts *o) {
    memset(o, 0, sizeof *o);
    o->workers = 8;
    o->per_endpoint = 2;
    o->timeout_ms = 5000;
    o->connect_ms = 2000;
    events_netguard_init(&o->guard);
}

void events_webhooks_notify(events_webhooks *w, int64_t last_seq) {
    (void)last_seq;
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->kick = true;
    pthread_cond_signal(&w->sched_cv);
    pthread_mutex_unlock(&w->mu);
}

/* ---- Lanes and the queue (w->mu held) ---- */

static size_t lane_pos(const events_webhooks *w, int64_t id) {
    size_t lo = 0, hi = w->n_lanes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->lanes[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static lane *lane_find(events_webhooks *w, int64_t id) {
    size_t i = lane_pos(w, id);
    return i < w->n_lanes && w->lanes[i].id == id ? &w->lanes[i] : NULL;
}

static void lane_remove(events_webhooks *w, int64_t id) {
    size_t i = lane_pos(w, id);
    if (i >= w->n_lanes || w->lanes[i].id != id) return;
    memmove(&w->lanes[i], &w->lanes[i + 1], (w->n_lanes - i - 1) * sizeof *w->lanes);
    w->n_lanes--;
}

static bool queue_push(events_webhooks *w, int64_t id) {
    if (w->q_len == w->q_cap) {
        size_t cap = w->q_cap ? 2 * w->q_cap : 64;
        int64_t *q = lm_reallocarray(NULL, cap, sizeof *q);
        if (!q) return false;
        for (size_t i = 0; i < w->q_len; i++)
            q[i] = w->q[(w->q_head + i) % w->q_cap];
        lm_free(w->q);
        w->q = q;
        w->q_cap = cap;
        w->q_head = 0;
    }
    w->q[(w->q_head + w->q_len) % w->q_cap] = id;
    w->q_len++;
    pthread_cond_signal(&w->work_cv);
    return true;
}

/* Queues webhook id unless it already is queued or busy (then it goes again after its turn). */
static void lane_offer(events_webhooks *w, int64_t id) {
    lane *l = lane_find(w, id);
    if (l) {
        if (l->busy) l->again = true;
        return;
    }
    if (w->n_lanes == w->cap_lanes) {
        size_t cap = w->cap_lanes ? 2 * w->cap_lanes : 64;
        lane *nl = lm_reallocarray(w->lanes, cap, sizeof *nl);
        if (!nl) return; /* found again at the next poll */
        w->lanes = nl;
        w->cap_lanes = cap;
    }
    if (!queue_push(w, id)) return;
    size_t i = lane_pos(w, id);
    memmove(&w->lanes[i + 1], &w->lanes[i], (w->n_lanes - i) * sizeof *w->lanes);
    w->lanes[i] = (lane){.id = id};
    w->n_lanes++;
}

/* The endpoint of a webhook: its host and port, hashed (FNV-1a); 0 when the URL does not parse
 * (its turn records the failure at once). */
static uint64_t endpoint_of(const store_webhook *h) {
    events_url u;
    lm_errinfo err;
    if (events_url_parse(h->url, &u, &err) != LM_OK) return 0;
    uint64_t x = 1469598103934665603ull;
    for (const char *p = u.host; *p; p++)
        x = (x ^ (uint8_t)*p) * 1099511628211ull;
    x = (x ^ u.port) * 1099511628211ull;
    return x ? x : 1;
}

static endpoint *endpoint_find(events_webhooks *w, uint64_t ep) {
    for (size_t i = 0; i < w->n_eps; i++)
        if (w->eps[i].ep == ep) return &w->eps[i];
    return NULL;
}

/* Takes a delivery slot on ep; false when it has per_endpoint in flight already. */
static bool endpoint_take(events_webhooks *w, uint64_t ep) {
    if (!ep) return true;
    endpoint *e = endpoint_find(w, ep);
    if (e && e->inflight >= w->o.per_endpoint) return false;
    if (!e) {
        e = &w->eps[w->n_eps++]; /* at most one slot per worker: never beyond the array */
        *e = (endpoint){.ep = ep};
    }
    e->inflight++;
    return true;
}

/* Gives a slot back, and queues the first lane parked on that endpoint. */
static void endpoint_release(events_webhooks *w, uint64_t ep) {
    endpoint *e = ep ? endpoint_find(w, ep) : NULL;
    if (!e) return;
    if (--e->inflight == 0) *e = w->eps[--w->n_eps];
    for (size_t i = 0; i < w->n_lanes; i++) {
        lane *l = &w->lanes[i];
        if (l->parked && l->ep == ep && queue_push(w, l->id)) {
            l->parked = false;
            break;
        }
    }
}

/* ---- One lane's turn (no lock held) ---- */

typedef struct progress_unit {
    int64_t id, cursor, attempts, next_ms;
    const char *error;
    const char *owner; /* several nodes: the lease to end */
} progress_unit;

static lm_status progress_work(store_tx *tx, void *arg, lm_errinfo *err) {
    progress_unit *u = arg;
    lm_status rc =
        store_webhook_progress(tx, u->id, u->cursor, u->attempts, u->next_ms, u->error, err);
    return rc == LM_NOT_FOUND ? LM_OK : rc; /* deleted meanwhile: nothing to record */
}

static lm_status release_work(store_tx *tx, void *arg, lm_errinfo *err) {
    progress_unit *u = arg;
    bool kept = false;
    lm_status rc = store_webhook_release(tx, u->id, u->owner, u->cursor, u->attempts, u->next_ms,
                                         u->error, &kept, err);
    return rc == LM_NOT_FOUND ? LM_OK : rc; /* deleted meanwhile: nothing to record */
}

/* Records a turn's outcome; with several nodes it also ends this node's lease (and records
 * nothing if the lease was lost meanwhile: its new owner resends from the stored cursor). */
static void progress(events_webhooks *w, int64_t id, int64_t cursor, int64_t attempts,
                     int64_t next_ms, const char *error) {
    progress_unit u = {id, cursor, attempts, next_ms, error, w->owner};
    lm_errinfo err;
    lm_status rc =
        store_cq_submit_wait(w->cq, w->shared ? release_work : progress_work, &u, 1, &err);
    (void)rc; /* not recorded: the events are sent again, which receivers dedupe */
}

typedef struct claim_unit {
    int64_t id, now_ms, until_ms;
    const char *owner;
    store_webhook *h;
    bool got;
} claim_unit;

static lm_status claim_work(store_tx *tx, void *arg, lm_errinfo *err) {
    claim_unit *u = arg;
    return store_webhook_claim(tx, u->id, u->owner, u->now_ms, u->until_ms, u->h, &u->got, err);
}

/* Several nodes: claims h's lease and reloads h (its cursor as stored when claimed). Returns the
 * monotonic time (ms) after which no delivery may start, or 0 when another node holds it. */
static int64_t lease_claim(events_webhooks *w, store_webhook *h) {
    int64_t start = lm_mono_ns() / 1000000, now = lm_now_ms();
    claim_unit u = {h->id, now, now + w->lease_ms, w->owner, h, false};
    lm_errinfo err;
    if (store_cq_submit_wait(w->cq, claim_work, &u, 1, &err) != LM_OK || !u.got) return 0;
    return start + w->lease_ms - w->o.timeout_ms - HOOK_LEASE_MARGIN_MS;
}

static void failed(events_webhooks *w, const store_webhook *h, int64_t cursor, const char *why) {
    int64_t attempts = h->attempts + 1, delay = HOOK_BACKOFF_MS;
    for (int64_t k = 1; k < attempts && delay < HOOK_BACKOFF_MAX; k++)
        delay *= 2;
    if (delay > HOOK_BACKOFF_MAX) delay = HOOK_BACKOFF_MAX;
    progress(w, h->id, cursor, attempts, lm_now_ms() + delay, why);
}

/* The target of h for this turn: URL parsed, secrets unsealed, host resolved and checked. */
static lm_status target_prepare(events_webhooks *w, const store_webhook *h, events__target *t,
                                char *why, size_t why_size) {
    lm_errinfo err;
    memset(t, 0, sizeof *t);
    lm_status rc = events_url_parse(h->url, &t->url, &err);
    if (rc == LM_OK && (events_unseal(w->key, h->secret, t->secret, sizeof t->secret) != LM_OK ||
                        events_unseal(w->key, h->auth, t->userinfo, sizeof t->userinfo) != LM_OK))
        rc = lm_errinfo_set(&err, LM_INVALID, "secret",
                            "the secret cannot be unsealed with this server's key");
    /* a URL stored before credentials were kept apart still carries them */
    if (rc == LM_OK && !t->userinfo[0] && t->url.userinfo[0])
        lm_strlcpy(t->userinfo, t->url.userinfo, sizeof t->userinfo);
    if (rc == LM_OK) rc = events_netguard_resolve(&w->o.guard, &t->url, &t->addr, &err);
    if (rc != LM_OK) snprintf(why, why_size, "%s", err.message);
    return rc;
}

/* Reads webhook id; false when it is gone or backing off. */
static bool lane_load(events_webhooks *w, int64_t id, store_webhook *h) {
    store_read *rd = NULL;
    lm_errinfo err;
    if (store_read_begin(w->st, &rd) != LM_OK) return false;
    lm_status rc = store_webhook_get(rd, id, h, &err);
    store_read_end(rd);
    return rc == LM_OK && h->next_attempt_ms <= lm_now_ms();
}

/* Delivers what is due for webhook h; true if it has more to send right away. */
static bool lane_turn(events_webhooks *w, CURL *c, const store_webhook *hook) {
    store_read *rd = NULL;
    store_webhook h = *hook;
    store_event *ev = NULL;
    size_t n = 0;
    int64_t until = w->shared ? lease_claim(w, &h) : INT64_MAX;
    if (!until) return false; /* another node sends it now */
    lm_status rc = store_read_begin(w->st, &rd);
    if (rc == LM_OK) rc = store_events_since(rd, h.cursor_seq, HOOK_BATCH, &ev, &n);
    store_read_end(rd);
    if (rc != LM_OK || n == 0) {
        if (w->shared) progress(w, h.id, h.cursor_seq, h.attempts, h.next_attempt_ms, h.last_error);
        return false;
    }
    events__target t;
    char why[256];
    bool more = false;
    int64_t cursor = h.cursor_seq;
    if (target_prepare(w, &h, &t, why, sizeof why) != LM_OK) {
        failed(w, &h, cursor, why);
        goto done;
    }
    events__post_opts po = {w->o.timeout_ms, w->o.connect_ms, &w->stopping};
    size_t i = 0;
    for (; i < n && !atomic_load(&w->stopping) && lm_mono_ns() / 1000000 < until; i++) {
        rc = events__post(c, &t, h.id, &ev[i], &po, why, sizeof why);
        if (rc != LM_OK) break;
        cursor = ev[i].seq;
    }
    /* one store write per turn: a crash re-sends at most this turn's events (at-least-once) */
    if (i < n && rc != LM_OK && rc != LM_UNAVAILABLE)
        failed(w, &h, cursor, why);
    else if (cursor != h.cursor_seq || w->shared)
        progress(w, h.id, cursor, 0, 0, "");
    /* a turn the lease's end cut short goes on at once (this node claims again) */
    more = (i == n && n == HOOK_BATCH) || (i < n && rc == LM_OK && !atomic_load(&w->stopping));
done:
    memset(t.secret, 0, sizeof t.secret);
    memset(t.userinfo, 0, sizeof t.userinfo);
    store_events_free(ev, n);
    return more;
}

/* ---- Threads ---- */

static void *worker_main(void *arg) {
    events_webhooks *w = arg;
    CURL *c = curl_easy_init();
    store_webhook *h = lm_alloc(sizeof *h); /* large: off the thread's stack */
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!atomic_load(&w->stopping) && w->q_len == 0)
            pthread_cond_wait(&w->work_cv, &w->mu);
        if (atomic_load(&w->stopping)) break;
        int64_t id = w->q[w->q_head];
        w->q_head = (w->q_head + 1) % w->q_cap;
        w->q_len--;
        lane *l = lane_find(w, id);
        if (!l) continue;
        l->busy = true;
        l->again = false;
        pthread_mutex_unlock(&w->mu);
        bool have = h && c && lane_load(w, id, h);
        uint64_t ep = have ? endpoint_of(h) : 0;
        pthread_mutex_lock(&w->mu);
        l = lane_find(w, id);
        if (have && l && !endpoint_take(w, ep)) {
            /* the endpoint is at its limit: this lane waits for one of its deliveries to end */
            l->busy = false;
            l->parked = true;
            l->ep = ep;
            continue;
        }
        pthread_mutex_unlock(&w->mu);
        bool more = have && lane_turn(w, c, h);
        pthread_mutex_lock(&w->mu);
        if (have) endpoint_release(w, ep);
        l = lane_find(w, id);
        if (l && (more || l->again) && !atomic_load(&w->stopping) && queue_push(w, id)) {
            l->busy = false; /* to the back of the queue: the other lanes go first */
            l->again = false;
        } else {
            lane_remove(w, id);
        }
    }
    pthread_mutex_unlock(&w->mu);
    lm_free(h);
    if (c) curl_easy_cleanup(c);
    return NULL;
}

/* Offers every due webhook, page by page. */
static void schedule_due(events_webhooks *w) {
    int64_t after = 0, now = lm_now_ms();
    for (;;) {
        store_read *rd = NULL;
        int64_t *ids = NULL;
        size_t n = 0;
        lm_errinfo err;
        if (store_read_begin(w->st, &rd) != LM_OK) return;
        lm_status rc = store_webhook_due(rd, after, now, HOOK_DUE_PAGE, &ids, &n, &err);
        store_read_end(rd);
        if (rc != LM_OK) return;
        pthread_mutex_lock(&w->mu);
        for (size_t i = 0; i < n; i++)
            lane_offer(w, ids[i]);
        pthread_mutex_unlock(&w->mu);
        if (n) after = ids[n - 1];
        lm_free(ids);
        if (n < HOOK_DUE_PAGE || atomic_load(&w->stopping)) return;
    }
}

static void *scheduler_main(void *arg) {
    events_webhooks *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        if (!w->kick && !atomic_load(&w->stopping)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += HOOK_POLL_MS * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&w->sched_cv, &w->mu, &ts);
        }
        w->kick = false;
        pthread_mutex_unlock(&w->mu);
        if (atomic_load(&w->stopping)) break;
        /* every node offers what is due; with several nodes a lane's turn claims the webhook's
         * lease first, so one node at a time sends each webhook */
        schedule_due(w);
    }
    return NULL;
}

/* ---- Start / stop ---- */

/* Seals one row stored before sealing existed: the secret in clear, credentials in the URL. */
static lm_status reseal_one(events_webhooks *w, store_tx *tx, const store_webhook *h,
                            lm_errinfo *err) {
    events_url u;
    bool plain = strncmp(h->secret, "seal1:", 6) != 0;
    if (events_url_parse(h->url, &u, err) != LM_OK) return LM_OK; /* refused at delivery */
    if (!plain && !u.userinfo[0]) return LM_OK;
    char secret[STORE_SEALED_MAX], auth[STORE_SEALED_MAX];
    if (plain && events_seal(w->key, h->secret, secret, sizeof secret) != LM_OK)
        return lm_errinfo_set(err, LM_INTERNAL, "secret", "cannot seal a stored secret");
    if (!plain) lm_strlcpy(secret, h->secret, sizeof secret);
    if (u.userinfo[0] && events_seal(w->key, u.userinfo, auth, sizeof auth) != LM_OK)
        return lm_errinfo_set(err, LM_INTERNAL, "url", "cannot seal stored credentials");
    if (!u.userinfo[0]) lm_strlcpy(auth, h->auth, sizeof auth);
    return store_webhook_rewrite(tx, h->id, u.shown, secret, auth, err);
}

/* Rows an older build wrote keep their secret in clear and credentials inside the URL (shown
 * by every listing): sealed here, once, before anything is delivered. */
static lm_status reseal_legacy(events_webhooks *w, lm_errinfo *err) {
    int64_t after = 0;
    for (;;) {
        store_tx *tx = NULL;
        store_webhook *page = NULL;
        size_t n = 0;
        lm_status rc = store_tx_begin(w->st, &tx);
        if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "the store is not available");
        rc = store_webhook_page(store_tx_read(tx), after, 200, &page, &n, err);
        for (size_t i = 0; rc == LM_OK && i < n; i++)
            rc = reseal_one(w, tx, &page[i], err);
        if (n) after = page[n - 1].id;
        lm_free(page);
        if (rc != LM_OK) {
            store_tx_rollback(tx);
            return rc;
        }
        if ((rc = store_tx_commit(tx)) != LM_OK)
            return lm_errinfo_set(err, rc, "", "cannot store the sealed webhook secrets");
        if (n < 200) return LM_OK;
    }
}

/* "host/pid/random": unique among the nodes, and the pid says which process to look at. */
static void owner_name(events_webhooks *w) {
    char host[64] = "node";
    if (gethostname(host, sizeof host) != 0) lm_strlcpy(host, "node", sizeof host);
    host[sizeof host - 1] = '\0';
    uint8_t r[6] = {0};
    if (lm_random_bytes(r, sizeof r) != LM_OK) /* host and pid still tell the nodes apart */
        memset(r, 0, sizeof r);
    snprintf(w->owner, sizeof w->owner, "%s/%ld/%02x%02x%02x%02x%02x%02x", host, (long)getpid(),
             r[0], r[1], r[2], r[3], r[4], r[5]);
}

static lm_status key_path_default(store *s, char *out, size_t size, lm_errinfo *err) {
    int n = snprintf(out, size, "%s-webhooks.key", store_local_stem(s));
    if (n < 0 || (size_t)n >= size)
        return lm_errinfo_set(err, LM_INVALID, "webhook_key", "database path too long");
    return LM_OK;
}

lm_status events_webhooks_start(store *s, const events_webhooks_opts *o, events_webhooks **out,
                                lm_errinfo *err) {
    events_webhooks_opts def;
    if (!o) {
        events_webhooks_opts_init(&def);
        o = &def;
    }
    if (o->workers < 1 || o->workers > HOOK_WORKERS_MAX || o->per_endpoint < 1 ||
        o->timeout_ms < 1 || o->connect_ms < 1)
        return lm_errinfo_set(err, LM_INVALID, "webhook_workers",
                              "webhook workers must be 1..%d, per endpoint >= 1, timeouts > 0",
                              HOOK_WORKERS_MAX);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return lm_errinfo_set(err, LM_INTERNAL, "", "libcurl could not start");
    events_webhooks *w = lm_calloc(1, sizeof *w);
    if (!w) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    w->st = s;
    w->o = *o;
    w->o.key_path = NULL; /* not kept: the caller's string */
    w->kick = true;       /* deliver what a previous run left */
    w->shared = store_cluster_is_pg(store_path(s));
    w->lease_ms = 2 * o->timeout_ms + HOOK_LEASE_EXTRA_MS;
    owner_name(w);
    atomic_init(&w->stopping, false);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->sched_cv, NULL);
    pthread_cond_init(&w->work_cv, NULL);
    char path[1100];
    lm_status rc = LM_OK;
    if (o->key_path)
        lm_strlcpy(path, o->key_path, sizeof path);
    else
        rc = key_path_default(s, path, sizeof path, err);
    if (rc == LM_OK) rc = events_seal_key_load(path, w->key, err);
    if (rc == LM_OK) rc = reseal_legacy(w, err);
    store_cq_opts cqo;
    store_cq_opts_init(&cqo);
    if (rc == LM_OK && (rc = store_cq_create(s, &cqo, &w->cq)) != LM_OK)
        lm_errinfo_set(err, rc, "", "cannot create the webhook commit queue");
    for (unsigned i = 0; rc == LM_OK && i < o->workers; i++) {
        if (pthread_create(&w->workers[i], NULL, worker_main, w) != 0)
            rc = lm_errinfo_set(err, LM_INTERNAL, "", "cannot start a webhook worker");
        else
            w->n_workers++;
    }
    if (rc == LM_OK) {
        if (pthread_create(&w->scheduler, NULL, scheduler_main, w) != 0)
            rc = lm_errinfo_set(err, LM_INTERNAL, "", "cannot start the webhook scheduler");
        else
            w->sched_started = true;
    }
    if (rc != LM_OK) {
        events_webhooks_stop(w);
        return rc;
    }
    *out = w;
    return LM_OK;
}

void events_webhooks_stop(events_webhooks *w) {
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->stopping, true);
    pthread_cond_broadcast(&w->sched_cv);
    pthread_cond_broadcast(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
    if (w->sched_started) pthread_join(w->scheduler, NULL);
    for (unsigned i = 0; i < w->n_workers; i++)
        pthread_join(w->workers[i], NULL);
    store_cq_destroy(w->cq);
    pthread_cond_destroy(&w->work_cv);
    pthread_cond_destroy(&w->sched_cv);
    pthread_mutex_destroy(&w->mu);
    memset(w->key, 0, sizeof w->key);
    lm_free(w->lanes);
    lm_free(w->q);
    lm_free(w);
}

/* ---- Creation ---- */

lm_status events_webhook_create(events_webhooks *w, store_tx *tx, const char *url,
                                const char *secret, store_webhook *out,
                                events_webhook_created *info, lm_errinfo *err) {
    if (!w) return lm_errinfo_set(err, LM_UNAVAILABLE, "", "webhook delivery is not running");
    events_url u;
    lm_status rc = events_url_parse(url, &u, err);
    if (rc != LM_OK) return rc;
    if (!secret || strlen(secret) < 8 || strlen(secret) >= STORE_SECRET_MAX)
        return lm_errinfo_set(err, LM_INVALID, "secret", "secret must be 8..%d bytes",
                              STORE_SECRET_MAX - 1);
    struct sockaddr_storage addr;
    lm_errinfo rerr;
    rc = events_netguard_resolve(&w->o.guard, &u, &addr, &rerr);
    /* a name that does not resolve yet may later: each delivery checks it again */
    if (rc == LM_INVALID) {
        *err = rerr;
        return rc;
    }
    events_webhook_created inf;
    memset(&inf, 0, sizeof inf);
    if (!u.https)
        snprintf(inf.warning, sizeof inf.warning,
                 "http:// sends events and signatures unencrypted; use https://");
    if (rc == LM_UNAVAILABLE)
        snprintf(inf.warning, sizeof inf.warning,
                 "host '%.60s' does not resolve now; it is checked again before each delivery",
                 u.host);
    char sealed_secret[STORE_SEALED_MAX], sealed_auth[STORE_SEALED_MAX];
    if (events_seal(w->key, secret, sealed_secret, sizeof sealed_secret) != LM_OK ||
        events_seal(w->key, u.userinfo, sealed_auth, sizeof sealed_auth) != LM_OK)
        return lm_errinfo_set(err, LM_INTERNAL, "secret", "the secret could not be sealed");
    rc = store_webhook_create(tx, u.shown, sealed_secret, sealed_auth, out, err);
    if (rc == LM_OK && info) *info = inf;
    return rc;
}
