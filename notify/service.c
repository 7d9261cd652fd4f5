/* notify/service.c: the notify handle: options checked against the target policy, the worker
 * that ticks (events -> outbox -> SMTP / SMS gateway), and the tick itself. */
#include "notify/internal.h"

#include "common/leader.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void notify_opts_init(notify_opts *o) {
    memset(o, 0, sizeof *o);
    o->now_ms = lm_now_ms;
    o->track_url = "http://127.0.0.1:8080/track.html#";
    events_netguard_init(&o->guard);
    o->max_attempts = 5;
    o->backoff_ms = 30000;
    o->backoff_max_ms = 3600000;
    o->timeout_ms = 10000;
}

static void *worker_main(void *arg) {
    notify *n = arg;
    pthread_mutex_lock(&n->mu);
    while (!n->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        int64_t ns = (int64_t)until.tv_nsec + (n->tick_ms % 1000) * 1000000;
        until.tv_sec += (time_t)(n->tick_ms / 1000 + ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        while (!n->stopping && pthread_cond_timedwait(&n->cv, &n->mu, &until) == 0) {
        }
        if (n->stopping) break;
        pthread_mutex_unlock(&n->mu);
        lm_errinfo err = {0};
        /* a customer hears once, whatever the number of nodes: the leading node sends */
        if (lm_leader() && notify_tick(n, n->now_ms(), NULL, &err) != LM_OK)
            fprintf(stderr, "notify: tick failed: %s %s\n", err.field, err.message);
        pthread_mutex_lock(&n->mu);
    }
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

static bool dup_opt(char **dst, const char *src) {
    if (!src) return true;
    return (*dst = lm_strdup(src)) != NULL;
}

/* A destination that resolves now must resolve to permitted addresses; one that does not
 * resolve yet is checked again at every send. */
static lm_status dest_open(const notify_opts *o, const char *url, bool smtp, const char *field,
                           notify__dest *d, lm_errinfo *err) {
    if (!url || !*url) return LM_OK;
    lm_status rc = notify__dest_parse(url, smtp, field, d, err);
    if (rc != LM_OK) return rc;
    struct sockaddr_storage addr;
    rc = notify__dest_resolve(&o->guard, d, field, &addr, err);
    return rc == LM_UNAVAILABLE ? LM_OK : rc;
}

/* Starts the first run at the end of the log: a server that gains notifications does not
 * message customers about everything that happened before. */
static lm_status cursor_init(store *st, lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot begin a transaction");
    int64_t cur = 0, last = 0;
    bool found = false;
    if ((rc = store_meta_get(store_tx_read(tx), NOTIFY_CURSOR_KEY, &cur, &found)) != LM_OK ||
        found || (rc = store_nt_events_last(store_tx_read(tx), &last, err)) != LM_OK ||
        (rc = store_meta_put(tx, NOTIFY_CURSOR_KEY, last)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    return store_tx_commit(tx);
}

static lm_status opts_check(const notify_opts *o, lm_errinfo *err) {
    if (!o || !o->st) return lm_errinfo_set(err, LM_INVALID, "st", "a store is required");
    if (o->tick_ms < 0 || o->tick_ms > 3600000)
        return lm_errinfo_set(err, LM_INVALID, "tick_ms", "tick_ms must be 0..3600000");
    if (o->max_attempts < 1 || o->max_attempts > 100)
        return lm_errinfo_set(err, LM_INVALID, "max_attempts", "max_attempts must be 1..100");
    if (o->backoff_ms < 1 || o->backoff_max_ms < o->backoff_ms || o->timeout_ms < 100)
        return lm_errinfo_set(err, LM_INVALID, "backoff_ms", "bad backoff or timeout");
    if (o->smtp_url && *o->smtp_url) {
        const char *f = o->mail_from;
        const char *at = f ? strchr(f, '@') : NULL;
        if (!at || at == f || !at[1] || strpbrk(f, " <>\r\n\t\"(),;\\"))
            return lm_errinfo_set(err, LM_INVALID, "mail_from",
                                  "e-mail needs a From address like notify@example.com");
    }
    if (!o->track_url || strlen(o->track_url) > 400 || strncmp(o->track_url, "http", 4))
        return lm_errinfo_set(err, LM_INVALID, "track_url",
                              "the tracking link prefix must be an http(s) URL of at most 400 "
                              "bytes");
    if (o->sms_auth_header && (strlen(o->sms_auth_header) > 1000 ||
                               !lm_utf8_valid(o->sms_auth_header, strlen(o->sms_auth_header), "")))
        return lm_errinfo_set(err, LM_INVALID, "sms_auth_header", "one line of at most 1000 bytes");
    return LM_OK;
}

lm_status notify_create(const notify_opts *o, notify **out, lm_errinfo *err) {
    lm_status rc = opts_check(o, err);
    if (rc != LM_OK) return rc;
    notify *n = lm_calloc(1, sizeof *n);
    if (!n) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    n->st = o->st;
    n->now_ms = o->now_ms ? o->now_ms : lm_now_ms;
    n->tick_ms = o->tick_ms;
    n->guard = o->guard;
    n->sms_format = o->sms_format;
    n->max_attempts = o->max_attempts;
    n->backoff_ms = o->backoff_ms;
    n->backoff_max_ms = o->backoff_max_ms;
    n->timeout_ms = o->timeout_ms;
    atomic_init(&n->halt, false);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&n->mu, NULL);
    pthread_mutex_init(&n->tick_mu, NULL);
    pthread_cond_init(&n->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!dup_opt(&n->smtp_user, o->smtp_user) || !dup_opt(&n->smtp_password, o->smtp_password) ||
        !dup_opt(&n->mail_from, o->mail_from) || !dup_opt(&n->sms_from, o->sms_from) ||
        !dup_opt(&n->sms_auth, o->sms_auth_header) || !dup_opt(&n->track_url, o->track_url) ||
        !(n->curl = curl_easy_init())) {
        rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
        goto fail;
    }
    if ((rc = dest_open(o, o->smtp_url, true, "smtp_url", &n->smtp, err)) != LM_OK ||
        (rc = dest_open(o, o->sms_url, false, "sms_url", &n->sms, err)) != LM_OK ||
        (rc = cursor_init(n->st, err)) != LM_OK)
        goto fail;
    if (n->tick_ms > 0) {
        if (pthread_create(&n->worker, NULL, worker_main, n) != 0) {
            rc = lm_errinfo_set(err, LM_INTERNAL, "", "cannot start the notify worker");
            goto fail;
        }
        n->has_worker = true;
    }
    *out = n;
    return LM_OK;
fail:
    notify_destroy(n);
    return rc;
}

static void wipe(char *s) {
    if (s) memset(s, 0, strlen(s));
    lm_free(s);
}

void notify_destroy(notify *n) {
    if (!n) return;
    atomic_store(&n->halt, true);
    if (n->has_worker) {
        pthread_mutex_lock(&n->mu);
        n->stopping = true;
        pthread_cond_signal(&n->cv);
        pthread_mutex_unlock(&n->mu);
        pthread_join(n->worker, NULL);
    }
    if (n->curl) curl_easy_cleanup(n->curl);
    pthread_cond_destroy(&n->cv);
    pthread_mutex_destroy(&n->mu);
    pthread_mutex_destroy(&n->tick_mu);
    wipe(n->smtp_user);
    wipe(n->smtp_password);
    wipe(n->sms_auth);
    lm_free(n->mail_from);
    lm_free(n->sms_from);
    lm_free(n->track_url);
    memset(&n->smtp, 0, sizeof n->smtp); /* the URLs' credentials */
    memset(&n->sms, 0, sizeof n->sms);
    lm_free(n);
}

lm_status notify_tick(notify *n, int64_t now_ms, notify_tick_result *out, lm_errinfo *err) {
    notify_tick_result res;
    memset(&res, 0, sizeof res);
    pthread_mutex_lock(&n->tick_mu);
    lm_status rc = notify__feed(n, now_ms, &res, err);
    if (rc == LM_OK) rc = notify__send_due(n, now_ms, &res, err);
    pthread_mutex_unlock(&n->tick_mu);
    if (out) *out = res;
    return rc;
}
