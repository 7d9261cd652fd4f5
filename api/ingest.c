/* api/ingest.c: position ingest with group commit, the OsmAnd listener on its own port, and the
 * start/stop of the live services (api/live.h).
 *
 * Group commit: requests queue their positions; one writer thread takes everything queued, stores
 * it in ONE transaction (dedupe, device -> driver, dispatch's live state and events), commits (one
 * fsync for the whole batch) and only then answers each request. While it commits, the next batch
 * gathers. The OsmAnd listener suspends each connection until its batch has committed and resumes
 * it from the writer (libmicrohttpd in epoll mode with MHD_ALLOW_SUSPEND_RESUME; the reply is
 * queued on a later access call, never the first: reference/http-ingest-notes.md). */
#include "api/live.h"

#include "api/routes_driver.h"
#include "dispatch/dispatch.h"
#include "store/store_positions.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_MAX_POSITIONS 200000 /* beyond this, submissions are refused (503) */
#define BATCH_MAX_POSITIONS 8192   /* positions committed together at most */
#define PRUNE_EVERY_MS      60000
#define LINGER_BELOW        16 /* positions: fewer waiting than this -> linger */
#define PRUNE_CHUNK         5000
#define DEVICE_CACHE        1024 /* device -> driver entries kept by the writer */
#define DEVICE_TTL_MS       2000 /* a phone moved to another driver is seen within this */
#define OSMAND_BODY_MAX     ((size_t)256 << 10)
#define OSMAND_MAX_PAIRS    64

/* ---- Ingest ---- */

typedef struct dev_cache dev_cache;

typedef struct job {
    struct job *next;
    api__ingest_done done;
    void *ctx;
    bool has_driver;
    char driver_id[STORE_DRIVER_MAX];
    int64_t recv_ms;
    lm_status st; /* this job's own outcome (unknown device) */
    lm_errinfo err;
    size_t n;
    fmt_osmand_pos pos[];
} job;

struct api__ingest {
    store *st;
    struct dispatch *d;
    int64_t retention_s;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *head, **tail;
    size_t queued; /* positions queued */
    bool stop;
    bool idle; /* the writer sleeps on cv: only then is a wake-up (a futex call) needed */
    int64_t last_prune_ms;
    dev_cache *devices; /* writer thread only */
    long linger_us;     /* LASTMILE_INGEST_LINGER_US, default 0 */
};

lm_status api__ingest_submit(api__ingest *g, const fmt_osmand_pos *pos, size_t n,
                             const char *driver_id, api__ingest_done done, void *ctx) {
    if (n == 0 || n > FMT_OSMAND_MAX_BATCH) return LM_INVALID;
    job *j = lm_alloc(sizeof *j + n * sizeof *pos);
    if (!j) return LM_NOMEM;
    memset(j, 0, sizeof *j);
    j->done = done;
    j->ctx = ctx;
    j->recv_ms = lm_now_ms();
    j->n = n;
    memcpy(j->pos, pos, n * sizeof *pos);
    if (driver_id) {
        j->has_driver = true;
        lm_strlcpy(j->driver_id, driver_id, sizeof j->driver_id);
    }
    pthread_mutex_lock(&g->mu);
    if (g->stop || g->queued + n > QUEUE_MAX_POSITIONS) {
        pthread_mutex_unlock(&g->mu);
        lm_free(j);
        return LM_UNAVAILABLE;
    }
    *g->tail = j;
    g->tail = &j->next;
    g->queued += n;
    if (g->idle) pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    return LM_OK;
}

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    lm_status st;
    lm_errinfo err;
} waiter;

static void waiter_done(void *ctx, lm_status st, const lm_errinfo *err) {
    waiter *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->done = true;
    w->st = st;
    if (err) w->err = *err;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

lm_status api__ingest_submit_wait(api__ingest *g, const fmt_osmand_pos *pos, size_t n,
                                  const char *driver_id, lm_errinfo *err) {
    waiter w;
    memset(&w, 0, sizeof w);
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    lm_status rc = api__ingest_submit(g, pos, n, driver_id, waiter_done, &w);
    if (rc == LM_OK) {
        pthread_mutex_lock(&w.mu);
        while (!w.done)
            pthread_cond_wait(&w.cv, &w.mu);
        pthread_mutex_unlock(&w.mu);
        rc = w.st;
        if (rc != LM_OK && err) *err = w.err;
    } else {
        lm_errinfo_set(err, rc, "", "%s",
                       rc == LM_UNAVAILABLE ? "the position queue is full or stopping; retry"
                                            : "cannot queue the positions");
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    return rc;
}

/* Known devices, looked up at most every DEVICE_TTL_MS: a lookup prepares a statement, which
 * costs more than storing the position. Unknown devices are never cached, so a phone registered
 * a moment ago is accepted at once. Only the writer thread touches it. */
typedef struct dev_entry {
    char device[FMT_OSMAND_DEVICE_MAX];
    char driver[STORE_DRIVER_MAX];
    bool has_vehicle;
    int64_t checked_ms; /* 0 = empty */
} dev_entry;

struct dev_cache {
    dev_entry e[DEVICE_CACHE];
};

static dev_entry *dev_slot(dev_cache *c, const char *device) {
    uint64_t h = 1469598103934665603ull;
    for (const char *p = device; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return &c->e[h % DEVICE_CACHE];
}

/* The driver of a device inside tx. LM_NOT_FOUND for an unknown one. */
static lm_status device_driver(api__ingest *g, store_tx *tx, dev_cache *c, const char *device,
                               char *driver_out, bool *has_vehicle, lm_errinfo *err) {
    dev_entry *e = dev_slot(c, device);
    int64_t now = lm_now_ms();
    if (e->checked_ms && now - e->checked_ms < DEVICE_TTL_MS && !strcmp(e->device, device)) {
        lm_strlcpy(driver_out, e->driver, STORE_DRIVER_MAX);
        *has_vehicle = e->has_vehicle;
        return LM_OK;
    }
    if (!g->d)
        return lm_errinfo_set(err, LM_UNAVAILABLE, "id",
                              "live tracking is not configured on this server");
    dispatch_driver dr;
    lm_status rc = dispatch_driver_by_device(store_tx_read(tx), device, &dr, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_NOT_FOUND, "id", "unknown device '%.60s'", device);
    if (rc != LM_OK) return rc;
    lm_strlcpy(driver_out, dr.id, STORE_DRIVER_MAX);
    *has_vehicle = dr.vehicle_id[0] != '\0';
    lm_strlcpy(e->device, device, sizeof e->device);
    lm_strlcpy(e->driver, dr.id, sizeof e->driver);
    e->has_vehicle = *has_vehicle;
    e->checked_ms = now;
    return LM_OK;
}

/* Stores one batch of jobs in one transaction; sets each job's st. Returns the batch outcome. */
static lm_status batch_store(api__ingest *g, job *list, size_t total, lm_errinfo *err) {
    store_position *rows = lm_calloc(total, sizeof *rows);
    bool *inserted = lm_calloc(total, sizeof *inserted);
    /* positions of drivers without a vehicle only go to history: dispatch has nothing to move */
    bool *live = lm_calloc(total, sizeof *live);
    store_tx *tx = NULL;
    lm_status rc = LM_NOMEM;
    if (!rows || !inserted || !live) {
        lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
        goto fail;
    }
    if ((rc = store_tx_begin(g->st, &tx)) != LM_OK) {
        lm_errinfo_set(err, rc, "", "the store is not available");
        goto fail;
    }
    size_t n = 0;
    for (job *j = list; j; j = j->next) {
        size_t first = n;
        for (size_t i = 0; i < j->n; i++) {
            const fmt_osmand_pos *p = &j->pos[i];
            store_position *row = &rows[n];
            memset(row, 0, sizeof *row);
            live[n] = true;
            if (j->has_driver) {
                lm_strlcpy(row->driver_id, j->driver_id, sizeof row->driver_id);
            } else {
                lm_errinfo e;
                lm_errinfo_clear(&e);
                lm_status s =
                    device_driver(g, tx, g->devices, p->device_id, row->driver_id, &live[n], &e);
                if (s == LM_NOT_FOUND || s == LM_UNAVAILABLE) {
                    /* the whole request is refused; the others in the batch go on */
                    j->st = s == LM_NOT_FOUND ? LM_INVALID : s;
                    j->err = e;
                    j->err.code = j->st;
                    n = first;
                    break;
                }
                if (s != LM_OK) {
                    rc = s;
                    *err = e;
                    goto fail;
                }
            }
            lm_strlcpy(row->device_id, p->device_id, sizeof row->device_id);
            row->recv_ms = j->recv_ms;
            row->time_ms = p->time_ms > 0 ? p->time_ms : j->recv_ms;
            row->lat = p->lat;
            row->lon = p->lon;
            row->speed_mps = p->speed_mps;
            row->heading_deg = p->heading_deg;
            row->altitude_m = p->altitude_m;
            row->accuracy_m = p->accuracy_m;
            row->battery_pct = p->battery_pct;
            row->charging = p->charging;
            n++;
        }
    }
    if (n && (rc = store_positions_insert(tx, rows, n, inserted, err)) != LM_OK) goto fail;
    /* live state: only new positions; dispatch ignores ones older than what it has seen, so a
     * late-arriving old position is kept in history but never moves the vehicle backwards */
    for (size_t i = 0; g->d && i < n; i++) {
        if (!inserted[i] || !live[i]) continue;
        dispatch_obs_result res;
        lm_errinfo e;
        lm_errinfo_clear(&e);
        lm_status s = dispatch_observe_position(
            g->d, tx, rows[i].driver_id, rows[i].lat, rows[i].lon, rows[i].time_ms,
            isfinite(rows[i].speed_mps) ? rows[i].speed_mps : -1.0, &res, &e);
        if (s == LM_STORE || s == LM_NOMEM || s == LM_INTERNAL) {
            rc = s;
            *err = e;
            goto fail;
        }
    }
    rc = store_tx_commit(tx);
    tx = NULL;
    if (rc != LM_OK) lm_errinfo_set(err, rc, "", "the positions could not be committed");
fail:
    store_tx_rollback(tx);
    lm_free(rows);
    lm_free(inserted);
    lm_free(live);
    return rc;
}

static void batch_run(api__ingest *g, job *list, size_t total) {
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status rc = batch_store(g, list, total, &err);
    if (rc != LM_OK && rc != LM_UNAVAILABLE && rc != LM_NOMEM) {
        /* a store failure is the server's problem: the client should retry */
        err.code = LM_UNAVAILABLE;
        rc = LM_UNAVAILABLE;
    }
    while (list) {
        job *next = list->next;
        if (rc != LM_OK)
            list->done(list->ctx, rc, &err);
        else
            list->done(list->ctx, list->st, list->st == LM_OK ? NULL : &list->err);
        lm_free(list);
        list = next;
    }
}

static void prune(api__ingest *g) {
    int64_t now = lm_now_ms();
    if (g->retention_s <= 0 || now - g->last_prune_ms < PRUNE_EVERY_MS) return;
    g->last_prune_ms = now;
    int64_t deleted = PRUNE_CHUNK;
    /* in chunks, so that ingest batches are not held behind one long delete: a queued batch
     * goes first and the rest waits for the next idle moment */
    while (deleted == PRUNE_CHUNK) {
        pthread_mutex_lock(&g->mu);
        bool busy = g->head != NULL || g->stop;
        pthread_mutex_unlock(&g->mu);
        if (busy) {
            g->last_prune_ms = 0;
            return;
        }
        store_tx *tx = NULL;
        if (store_tx_begin(g->st, &tx) != LM_OK) return;
        lm_errinfo err;
        if (store_positions_prune(tx, now - g->retention_s * 1000, PRUNE_CHUNK, &deleted, &err) !=
                LM_OK ||
            store_tx_commit(tx) != LM_OK) {
            store_tx_rollback(tx);
            return;
        }
    }
}

static void *writer_main(void *arg) {
    api__ingest *g = arg;
    pthread_mutex_lock(&g->mu);
    for (;;) {
        while (!g->head && !g->stop) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            g->idle = true;
            pthread_cond_timedwait(&g->cv, &g->mu, &ts);
            g->idle = false;
            if (!g->head && g->retention_s > 0) {
                pthread_mutex_unlock(&g->mu);
                prune(g);
                pthread_mutex_lock(&g->mu);
            }
        }
        if (!g->head) break; /* stopping and drained */
        /* a short linger when few positions wait: more requests share the next fsync, which
         * costs more than the wait (http-ingest-notes.md); never when stopping */
        if (g->linger_us > 0 && g->queued < LINGER_BELOW && !g->stop) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += g->linger_us * 1000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            g->idle = true;
            while (g->queued < LINGER_BELOW && !g->stop &&
                   pthread_cond_timedwait(&g->cv, &g->mu, &ts) == 0) {
            }
            g->idle = false;
        }
        /* take up to BATCH_MAX_POSITIONS (at least one job) */
        job *list = g->head, **cut = &g->head;
        size_t total = 0;
        while (*cut && (total == 0 || total + (*cut)->n <= BATCH_MAX_POSITIONS)) {
            total += (*cut)->n;
            cut = &(*cut)->next;
        }
        g->head = *cut;
        *cut = NULL;
        if (!g->head) g->tail = &g->head;
        g->queued -= total;
        pthread_mutex_unlock(&g->mu);
        batch_run(g, list, total);
        pthread_mutex_lock(&g->mu);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

static lm_status ingest_start(store *s, struct dispatch *d, int64_t retention_s,
                              api__ingest **out) {
    api__ingest *g = lm_calloc(1, sizeof *g);
    if (!g) return LM_NOMEM;
    g->st = s;
    g->d = d;
    g->retention_s = retention_s;
    g->tail = &g->head;
    g->last_prune_ms = 0;
    const char *lg = getenv("LASTMILE_INGEST_LINGER_US");
    int64_t linger = 0;
    if (lg && lm_parse_i64(lg, 0, 20000, &linger)) g->linger_us = (long)linger;
    if (!(g->devices = lm_calloc(1, sizeof *g->devices))) {
        lm_free(g);
        return LM_NOMEM;
    }
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    if (pthread_create(&g->thread, NULL, writer_main, g) != 0) {
        pthread_cond_destroy(&g->cv);
        pthread_mutex_destroy(&g->mu);
        lm_free(g->devices);
        lm_free(g);
        return LM_INTERNAL;
    }
    g->started = true;
    *out = g;
    return LM_OK;
}

/* Commits everything queued (answering it), then stops the writer. */
static void ingest_stop(api__ingest *g) {
    if (!g) return;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    if (g->started) pthread_join(g->thread, NULL);
    g->started = false;
}

/* Frees a stopped writer; later than the stop, because a handler of the main daemon that read
 * the pointer just before the stop may still submit (and be refused: g->stop). */
static void ingest_free(api__ingest *g) {
    if (!g) return;
    ingest_stop(g);
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    lm_free(g->devices);
    lm_free(g);
}

/* ---- The OsmAnd listener (any path, GET or POST) ---- */

typedef struct osm_req {
    api__live *lv;
    struct MHD_Connection *mhd;
    lm_buf body;
    bool too_big;
    pthread_mutex_t mu; /* guards submitted/suspended/done against the writer's callback */
    bool submitted, suspended, done;
    int status;
    char msg[400];
} osm_req;

struct api__live {
    store *st;
    struct dispatch *d;
    char *data_dir;
    api__ingest *ingest;
    struct MHD_Daemon *osmand;
    uint16_t osmand_port;
    api__sse *sse;
    api__webhooks *hooks;
    api__ratelimit *track_rl;
    bool stopped;
};

static void osm_done(void *ctx, lm_status st, const lm_errinfo *err) {
    osm_req *r = ctx;
    pthread_mutex_lock(&r->mu);
    r->done = true;
    r->status = st == LM_OK ? 200 : lm_status_http(st);
    if (st != LM_OK)
        snprintf(r->msg, sizeof r->msg, "%s: %s\n", err && err->field[0] ? err->field : "error",
                 err && err->message[0] ? err->message : lm_strerror(st));
    if (r->suspended) MHD_resume_connection(r->mhd);
    pthread_mutex_unlock(&r->mu);
}

static enum MHD_Result osm_queue(osm_req *r) {
    /* 200 has an empty body (the apps read nothing); errors say why in plain text */
    size_t len = r->status == 200 ? 0 : strlen(r->msg);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, r->msg, MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    if (len) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    enum MHD_Result ok = MHD_queue_response(r->mhd, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

typedef struct kv_list {
    fmt_osmand_kv kv[OSMAND_MAX_PAIRS];
    size_t n;
} kv_list;

static enum MHD_Result kv_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value) {
    (void)kind;
    kv_list *l = cls;
    if (l->n == OSMAND_MAX_PAIRS) return MHD_NO;
    l->kv[l->n].key = key;
    l->kv[l->n].value = value ? value : "";
    l->n++;
    return MHD_YES;
}

/* Parses and submits; on an immediate answer sets status/msg and returns false. */
static bool osm_submit(osm_req *r) {
    kv_list kv;
    kv.n = 0;
    MHD_get_connection_values(r->mhd, MHD_GET_ARGUMENT_KIND, kv_collect, &kv);
    const char *ct =
        MHD_lookup_connection_value(r->mhd, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    fmt_osmand_pos pos[16];
    fmt_osmand_pos *many = NULL;
    size_t n = 0;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status rc = fmt_osmand_parse(kv.kv, kv.n, ct, r->body.data, r->body.len, pos, 16, &n, &err);
    if (rc == LM_TOO_BIG) { /* a big JSON batch: parse again with room for the largest */
        many = lm_calloc(FMT_OSMAND_MAX_BATCH, sizeof *many);
        if (!many) {
            rc = LM_NOMEM;
        } else {
            lm_errinfo_clear(&err);
            rc = fmt_osmand_parse(kv.kv, kv.n, ct, r->body.data, r->body.len, many,
                                  FMT_OSMAND_MAX_BATCH, &n, &err);
        }
    }
    if (rc == LM_OK) {
        pthread_mutex_lock(&r->mu);
        r->submitted = true;
        pthread_mutex_unlock(&r->mu);
        rc = api__ingest_submit(r->lv->ingest, many ? many : pos, n, NULL, osm_done, r);
        if (rc != LM_OK) {
            r->submitted = false;
            lm_errinfo_set(&err, rc, "", "the position queue is full or stopping; retry");
        }
    }
    lm_free(many);
    if (rc == LM_OK) return true;
    r->status = lm_status_http(rc);
    snprintf(r->msg, sizeof r->msg, "%s: %s\n", err.field[0] ? err.field : "error",
             err.message[0] ? err.message : lm_strerror(rc));
    return false;
}

static enum MHD_Result osm_access(void *cls, struct MHD_Connection *mhd, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    (void)url;
    (void)version;
    osm_req *r = *con_cls;
    if (!r) {
        if (strcmp(method, "GET") && strcmp(method, "POST") && strcmp(method, "HEAD"))
            return MHD_NO;
        r = lm_calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        r->lv = cls;
        r->mhd = mhd;
        lm_buf_init(&r->body, OSMAND_BODY_MAX);
        pthread_mutex_init(&r->mu, NULL);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->too_big && lm_buf_append(&r->body, upload_data, *upload_data_size) != LM_OK) {
            r->too_big = true;
            lm_buf_free(&r->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&r->mu);
    bool done = r->done, submitted = r->submitted;
    pthread_mutex_unlock(&r->mu);
    if (done) return osm_queue(r);
    if (submitted) return MHD_YES; /* still waiting for the commit */
    if (r->too_big) {
        r->status = 413;
        snprintf(r->msg, sizeof r->msg, "body: larger than %zu bytes\n", OSMAND_BODY_MAX);
        return osm_queue(r);
    }
    if (!osm_submit(r)) return osm_queue(r);
    pthread_mutex_lock(&r->mu);
    if (!r->done) {
        MHD_suspend_connection(mhd);
        r->suspended = true;
        pthread_mutex_unlock(&r->mu);
        return MHD_YES;
    }
    pthread_mutex_unlock(&r->mu);
    return osm_queue(r);
}

static void osm_completed(void *cls, struct MHD_Connection *mhd, void **con_cls,
                          enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)mhd;
    (void)toe;
    osm_req *r = *con_cls;
    if (!r) return;
    *con_cls = NULL;
    /* the writer may still be inside osm_done after resuming us: wait for it to leave */
    pthread_mutex_lock(&r->mu);
    pthread_mutex_unlock(&r->mu);
    pthread_mutex_destroy(&r->mu);
    lm_buf_free(&r->body);
    lm_free(r);
}

static lm_status osmand_start(api__live *lv, const char *bind_addr, int port, lm_errinfo *err) {
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (!bind_addr || inet_pton(AF_INET, bind_addr, &addr.sin_addr) != 1)
        return lm_errinfo_set(err, LM_INVALID, "bind", "'%s' is not an IPv4 address",
                              bind_addr ? bind_addr : "");
    /* one polling thread: on a shared core it beats a pool (http-ingest-notes.md); poll(), not
     * epoll: libmicrohttpd 0.9.75's epoll loop stalls once 128 connections are ready at once
     * (api/server.c), and the ingest benchmark runs 128 */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
    lv->osmand = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, osm_access, lv, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, osm_completed, lv,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned int)1024, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4000, MHD_OPTION_END);
    if (!lv->osmand)
        return lm_errinfo_set(err, LM_UNAVAILABLE, "osmand_port",
                              "cannot listen for OsmAnd on %s:%d (in use, or not allowed)",
                              bind_addr, port);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(lv->osmand, MHD_DAEMON_INFO_BIND_PORT);
    lv->osmand_port = info ? info->port : (uint16_t)port;
    return LM_OK;
}

/* ---- Live services ---- */

static void on_events(void *ctx, int64_t last_seq) {
    api__live *lv = ctx;
    api__sse_notify(lv->sse, last_seq);
    api__webhooks_notify(lv->hooks, last_seq);
}

lm_status api__live_start(store *s, const api_server_opts *o, api__live **out, lm_errinfo *err) {
    api__live *lv = lm_calloc(1, sizeof *lv);
    if (!lv) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lv->st = s;
    lv->d = o->dispatch;
    lm_status rc = LM_NOMEM;
    if (!(lv->data_dir = lm_strdup(o->data_dir && *o->data_dir ? o->data_dir : "var"))) goto fail;
    if ((rc = api__sse_create(&lv->sse)) != LM_OK) goto fail;
    if ((rc = api__ratelimit_create(o->track_rate_per_s, o->track_burst, &lv->track_rl)) != LM_OK) {
        lm_errinfo_set(err, rc, "track_rate", "tracking rate limit must be > 0 with burst >= 1");
        goto fail;
    }
    if ((rc = ingest_start(s, o->dispatch, o->positions_retention_s, &lv->ingest)) != LM_OK)
        goto fail;
    if ((rc = api__webhooks_start(s, &lv->hooks, err)) != LM_OK) goto fail;
    store_set_event_hook(s, on_events, lv);
    if (o->osmand_port >= 0 && (rc = osmand_start(lv, o->bind_addr, o->osmand_port, err)) != LM_OK)
        goto fail;
    *out = lv;
    return LM_OK;
fail:
    if (rc == LM_NOMEM)
        lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    else if (!err || !err->message[0])
        lm_errinfo_set(err, rc, "", "live services failed to start");
    api__live_stop(lv);
    api__live_free(lv);
    return rc;
}

void api__live_stop(api__live *lv) {
    if (!lv || lv->stopped) return;
    lv->stopped = true;
    if (lv->osmand) {
        MHD_socket ls = MHD_quiesce_daemon(lv->osmand);
        if (ls != MHD_INVALID_SOCKET) close(ls);
    }
    ingest_stop(lv->ingest); /* answers (resumes) everything queued */
    if (lv->osmand) MHD_stop_daemon(lv->osmand);
    lv->osmand = NULL;
    store_set_event_hook(lv->st, NULL, NULL);
    api__webhooks_stop(lv->hooks);
    lv->hooks = NULL;
    if (lv->sse) api__sse_shutdown(lv->sse);
}

void api__live_free(api__live *lv) {
    if (!lv) return;
    api__live_stop(lv);
    ingest_free(lv->ingest);
    api__sse_destroy(lv->sse);
    api__ratelimit_destroy(lv->track_rl);
    lm_free(lv->data_dir);
    lm_free(lv);
}

uint16_t api__live_osmand_port(const api__live *lv) {
    return lv && lv->osmand ? lv->osmand_port : 0;
}
api__ingest *api__live_ingest(api__live *lv) {
    return lv ? lv->ingest : NULL;
}
struct dispatch *api__live_dispatch(api__live *lv) {
    return lv ? lv->d : NULL;
}
const char *api__live_data_dir(const api__live *lv) {
    return lv ? lv->data_dir : "var";
}
api__sse *api__live_sse(api__live *lv) {
    return lv ? lv->sse : NULL;
}
api__ratelimit *api__live_ratelimit(api__live *lv) {
    return lv ? lv->track_rl : NULL;
}
