/* events/webhooks.c: webhook delivery (events/events.h): a sender thread POSTs every event of
 * the log to every webhook, in order, signed; the event log is the outbox and each webhook's
 * stored cursor moves only after a 2xx, with a persisted exponential backoff per webhook. */
#include "events/events.h"

#include "common/sha256.h"
#include "store/store_positions.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define HOOK_BATCH       50
#define HOOK_BACKOFF_MS  500
#define HOOK_BACKOFF_MAX 300000
#define HOOK_TIMEOUT_MS  5000
#define HOOK_CONNECT_MS  2000
#define HOOK_REPLY_MAX   4096

struct events_webhooks {
    store *st;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, kick;
};

void events_webhooks_notify(events_webhooks *w, int64_t last_seq) {
    (void)last_seq;
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->kick = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static size_t discard_reply(char *ptr, size_t size, size_t nmemb, void *ud) {
    (void)ptr;
    size_t *seen = ud;
    *seen += size * nmemb;
    return *seen > HOOK_REPLY_MAX ? 0 : size * nmemb;
}

/* POSTs one event; LM_OK on a 2xx, else why in err_out. */
static lm_status post_one(CURL *c, const store_webhook *h, const store_event *ev, char *err_out,
                          size_t err_size) {
    char *body = events_json(ev);
    if (!body) {
        snprintf(err_out, err_size, "out of memory");
        return LM_NOMEM;
    }
    uint8_t mac[LM_SHA256_LEN];
    char hex[2 * LM_SHA256_LEN + 1], sig[128], id[96], type[160];
    lm_hmac_sha256(h->secret, strlen(h->secret), body, strlen(body), mac);
    lm_hex_encode(mac, sizeof mac, hex);
    snprintf(sig, sizeof sig, "X-Lastmile-Signature: sha256=%s", hex);
    snprintf(id, sizeof id, "X-Lastmile-Delivery: %lld-%lld", (long long)h->id, (long long)ev->seq);
    snprintf(type, sizeof type, "X-Lastmile-Event: %.120s", ev->type);
    struct curl_slist *hdr = NULL, *t;
    lm_status rc = LM_NOMEM;
    if (!(t = curl_slist_append(hdr, "Content-Type: application/json"))) goto fail;
    hdr = t;
    if (!(t = curl_slist_append(hdr, sig))) goto fail;
    hdr = t;
    if (!(t = curl_slist_append(hdr, id))) goto fail;
    hdr = t;
    if (!(t = curl_slist_append(hdr, type))) goto fail;
    hdr = t;
    if (!(t = curl_slist_append(hdr, "Expect:"))) goto fail;
    hdr = t;
    size_t seen = 0;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, h->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)HOOK_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)HOOK_CONNECT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_reply);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &seen);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && status >= 200 && status < 300)) {
        snprintf(err_out, err_size, "%s", curl_easy_strerror(cc));
        rc = LM_IO;
    } else if (status < 200 || status >= 300) {
        snprintf(err_out, err_size, "HTTP %ld", status);
        rc = LM_IO;
    } else {
        rc = LM_OK;
    }
fail:
    if (rc == LM_NOMEM) snprintf(err_out, err_size, "out of memory");
    curl_slist_free_all(hdr);
    lm_free(body);
    return rc;
}

static void progress(store *st, const store_webhook *h, int64_t cursor, int64_t attempts,
                     int64_t next_ms, const char *last_error) {
    store_tx *tx = NULL;
    lm_errinfo err;
    if (store_tx_begin(st, &tx) != LM_OK) return;
    if (store_webhook_progress(tx, h->id, cursor, attempts, next_ms, last_error, &err) != LM_OK ||
        store_tx_commit(tx) != LM_OK)
        store_tx_rollback(tx);
}

/* Delivers what is due for one webhook; true if it has more to send right away. */
static bool deliver(events_webhooks *w, CURL *c, store_webhook *h) {
    int64_t now = lm_now_ms();
    if (h->next_attempt_ms > now) return false;
    store_read *rd = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    if (store_read_begin(w->st, &rd) != LM_OK) return false;
    lm_status rc = store_events_since(rd, h->cursor_seq, HOOK_BATCH, &ev, &n);
    store_read_end(rd);
    if (rc != LM_OK || n == 0) return false;
    bool more = n == HOOK_BATCH;
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&w->mu);
        bool stop = w->stop;
        pthread_mutex_unlock(&w->mu);
        if (stop) {
            more = false;
            break;
        }
        char why[256];
        if (post_one(c, h, &ev[i], why, sizeof why) != LM_OK) {
            int64_t attempts = h->attempts + 1;
            int64_t delay = HOOK_BACKOFF_MS;
            for (int64_t k = 1; k < attempts && delay < HOOK_BACKOFF_MAX; k++)
                delay *= 2;
            if (delay > HOOK_BACKOFF_MAX) delay = HOOK_BACKOFF_MAX;
            progress(w->st, h, h->cursor_seq, attempts, lm_now_ms() + delay, why);
            more = false;
            break;
        }
        /* persisted per event: a crash re-sends at most the one in flight */
        h->cursor_seq = ev[i].seq;
        h->attempts = 0;
        progress(w->st, h, h->cursor_seq, 0, 0, "");
    }
    store_events_free(ev, n);
    return more;
}

static void *sender_main(void *arg) {
    events_webhooks *w = arg;
    CURL *c = curl_easy_init();
    for (;;) {
        pthread_mutex_lock(&w->mu);
        if (!w->kick && !w->stop) {
            /* backoffs are timed from the store, so a short poll finds what fell due */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 250 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        }
        bool stop = w->stop;
        w->kick = false;
        pthread_mutex_unlock(&w->mu);
        if (stop) break;
        if (!c) continue;
        store_read *rd = NULL;
        store_webhook *hooks = NULL;
        size_t n = 0;
        lm_errinfo err;
        if (store_read_begin(w->st, &rd) != LM_OK) continue;
        lm_status rc = store_webhook_list(rd, &hooks, &n, &err);
        store_read_end(rd);
        if (rc != LM_OK) continue;
        bool more = false;
        for (size_t i = 0; i < n; i++)
            more |= deliver(w, c, &hooks[i]);
        lm_free(hooks);
        if (more) events_webhooks_notify(w, 0);
    }
    if (c) curl_easy_cleanup(c);
    return NULL;
}

lm_status events_webhooks_start(store *s, events_webhooks **out, lm_errinfo *err) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return lm_errinfo_set(err, LM_INTERNAL, "", "libcurl could not start");
    events_webhooks *w = lm_calloc(1, sizeof *w);
    if (!w) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    w->st = s;
    w->kick = true; /* deliver what a previous run left */
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, sender_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        lm_free(w);
        return lm_errinfo_set(err, LM_INTERNAL, "", "cannot start the webhook sender");
    }
    w->started = true;
    *out = w;
    return LM_OK;
}

void events_webhooks_stop(events_webhooks *w) {
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (w->started) pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    lm_free(w);
}
