/* HTTP to a routing engine: one curl session with the provider's timeouts, bounded retries with
 * doubling pauses, and the provider's circuit breaker, so that a dead engine costs every caller
 * one estimate instead of a timeout per block. Shared by the matrix (engine.c) and route
 * geometry (route.c) clients. */
#include "geo/internal.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define URL_CAP  ((size_t)1 << 20)
#define BODY_CAP ((size_t)1 << 20)

static int64_t clock_ms(const geo_matrix_provider *p) {
    if (p->o.now_ms) return p->o.now_ms();
    return lm_mono_ns() / 1000000;
}

const char *geo_breaker_state_name(geo_breaker_state s) {
    switch (s) {
    case GEO_BREAKER_OPEN: return "open";
    case GEO_BREAKER_HALF_OPEN: return "half_open";
    default: return "closed";
    }
}

/* May a request go out now? Moves OPEN to HALF_OPEN when the cooldown is over and lets exactly
 * one request through to decide. */
static bool breaker_allow(geo_matrix_provider *p) {
    if (p->o.breaker_failures == 0) return true;
    bool allow = true;
    pthread_mutex_lock(&p->lock);
    if (p->health.state == GEO_BREAKER_OPEN && clock_ms(p) >= p->open_until_ms) {
        p->health.state = GEO_BREAKER_HALF_OPEN;
        p->probing = false;
    }
    if (p->health.state == GEO_BREAKER_OPEN) {
        allow = false;
    } else if (p->health.state == GEO_BREAKER_HALF_OPEN) {
        allow = !p->probing;
        p->probing = true;
    }
    pthread_mutex_unlock(&p->lock);
    return allow;
}

void geo__breaker_report(geo_matrix_provider *p, bool ok, const char *why) {
    pthread_mutex_lock(&p->lock);
    geo_engine_health *h = &p->health;
    h->requests++;
    if (ok) {
        h->consecutive_failures = 0;
        h->state = GEO_BREAKER_CLOSED;
        p->probing = false;
    } else {
        h->failures++;
        h->consecutive_failures++;
        if (why) lm_strlcpy(h->last_error, why, sizeof h->last_error);
        bool trip = p->o.breaker_failures > 0 && (h->state == GEO_BREAKER_HALF_OPEN ||
                                                  h->consecutive_failures >= p->o.breaker_failures);
        if (trip) {
            if (h->state != GEO_BREAKER_OPEN) h->opened++;
            h->state = GEO_BREAKER_OPEN;
            p->open_until_ms = clock_ms(p) + p->o.breaker_cooldown_ms;
            p->probing = false;
        }
    }
    pthread_mutex_unlock(&p->lock);
}

void geo_matrix_provider_health(geo_matrix_provider *p, geo_engine_health *out) {
    memset(out, 0, sizeof *out);
    if (!p || (p->o.kind != GEO_MATRIX_OSRM && p->o.kind != GEO_MATRIX_VALHALLA)) return;
    pthread_mutex_lock(&p->lock);
    *out = p->health;
    /* report an elapsed cooldown as what the next request will find */
    if (out->state == GEO_BREAKER_OPEN && clock_ms(p) >= p->open_until_ms)
        out->state = GEO_BREAKER_HALF_OPEN;
    pthread_mutex_unlock(&p->lock);
}

void geo__http_note(geo__http *h, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->error, sizeof h->error, fmt, ap);
    va_end(ap);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud) {
    lm_buf *b = ud;
    size_t len = size * nmemb;
    /* Past the cap curl aborts the transfer with CURLE_WRITE_ERROR. */
    if (lm_buf_append(b, data, len) != LM_OK) return 0;
    return len;
}

static void sleep_ms(long ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

lm_status geo__http_init(geo__http *h, geo_matrix_provider *p, long timeout_ms) {
    const geo_matrix_opts *o = &p->o;
    memset(h, 0, sizeof *h);
    h->p = p;
    lm_buf_init(&h->url, URL_CAP);
    lm_buf_init(&h->body, BODY_CAP);
    lm_buf_init(&h->resp, o->max_response_bytes);
    CURL *c = curl_easy_init();
    h->curl = c;
    h->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (!c || !h->headers) {
        geo__http_free(h);
        return LM_NOMEM;
    }
    /* NOSIGNAL: timeouts must not use SIGALRM in a threaded server. */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : o->timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &h->resp);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "lastmile/" LASTMILE_VERSION);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    return LM_OK;
}

void geo__http_free(geo__http *h) {
    if (h->curl) curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->headers);
    lm_buf_free(&h->url);
    lm_buf_free(&h->body);
    lm_buf_free(&h->resp);
    h->curl = NULL;
    h->headers = NULL;
}

geo__fetch geo__http_send(geo__http *h) {
    const geo_matrix_opts *o = &h->p->o;
    CURL *c = h->curl;
    if (!breaker_allow(h->p)) {
        geo__http_note(h, "circuit breaker open: the engine failed %u times in a row",
                       o->breaker_failures);
        return GEO__FETCH_SKIPPED;
    }
    if (h->body.len) {
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, h->body.data);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)h->body.len);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_URL, h->url.data);
    long pause = o->retry_backoff_ms;
    for (unsigned attempt = 0;; attempt++) {
        lm_buf_reset(&h->resp);
        h->requests++;
        if (attempt > 0) h->retries++;
        CURLcode cc = curl_easy_perform(c);
        h->status = 0;
        if (cc == CURLE_OK) {
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h->status);
            if (h->status < 500 && h->status != 429) return GEO__FETCH_OK;
            geo__http_note(h, "HTTP %ld from the routing engine", h->status);
        } else if (cc == CURLE_WRITE_ERROR) {
            geo__http_note(h, "reply larger than %zu bytes", o->max_response_bytes);
            geo__breaker_report(h->p, false, h->error);
            return GEO__FETCH_FAILED;
        } else {
            geo__http_note(h, "%s", curl_easy_strerror(cc));
        }
        if (attempt >= o->max_retries) break;
        if (pause > 0) sleep_ms(pause);
        pause = pause * 2 > 60000 ? 60000 : pause * 2;
    }
    geo__breaker_report(h->p, false, h->error);
    return GEO__FETCH_FAILED;
}
