/* events/webhook_post.c: one webhook delivery over libcurl (events/internal.h): signed, sent to
 * the one address the policy checked (pinned: curl never looks the name up again, and the
 * socket it opens is checked once more), no redirect, no proxy, bounded in time and reply size. */
#include "events/internal.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define HOOK_REPLY_MAX 4096

static size_t discard_reply(char *ptr, size_t size, size_t nmemb, void *ud) {
    (void)ptr;
    size_t *seen = ud;
    *seen += size * nmemb;
    return *seen > HOOK_REPLY_MAX ? 0 : size * nmemb;
}

typedef struct post_ctx {
    const events__target *t;
    const atomic_bool *stop;
    bool refused; /* the socket check refused the address curl chose */
} post_ctx;

/* curl is about to open a socket to address: only the pinned address passes (a literal host
 * curl parsed differently, or any resolution that slipped past CURLOPT_RESOLVE, fails here). */
static curl_socket_t open_checked(void *ud, curlsocktype purpose, struct curl_sockaddr *address) {
    post_ctx *p = ud;
    uint8_t got[16], want[16];
    if (purpose != CURLSOCKTYPE_IPCXN || !events_addr_from_sockaddr(&address->addr, got) ||
        !events_addr_from_sockaddr((const struct sockaddr *)&p->t->addr, want) ||
        memcmp(got, want, 16) != 0) {
        p->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

/* Aborts a transfer in flight when the sender stops. */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    post_ctx *p = ud;
    return atomic_load(p->stop) ? 1 : 0;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes n bytes of s into out (size out_size); false if it does not fit. */
static bool pct_decode(const char *s, size_t n, char *out, size_t out_size) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k + 1 >= out_size) return false;
        int hi = i + 2 < n + 0 && s[i] == '%' ? hex_digit(s[i + 1]) : -1;
        int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
        if (lo >= 0) {
            out[k++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    return true;
}

/* Sets user and password from the target's "user:password" (percent-encoded as in the URL). */
static void set_credentials(CURL *c, const events__target *t) {
    if (!t->userinfo[0]) return;
    const char *colon = strchr(t->userinfo, ':');
    size_t un = colon ? (size_t)(colon - t->userinfo) : strlen(t->userinfo);
    char user[256], pass[256];
    if (!pct_decode(t->userinfo, un, user, sizeof user)) return;
    if (!pct_decode(colon ? colon + 1 : "", colon ? strlen(colon + 1) : 0, pass, sizeof pass))
        return;
    curl_easy_setopt(c, CURLOPT_USERNAME, user);
    curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    memset(pass, 0, sizeof pass);
}

static lm_status headers_build(const events__target *t, int64_t hook_id, const store_event *ev,
                               const char *body, struct curl_slist **out) {
    char sig[EVENTS_SIG_HEADER_MAX], line[EVENTS_SIG_HEADER_MAX + 40], id[96], type[160];
    events_signature_make(t->secret, (int64_t)time(NULL), body, strlen(body), sig);
    snprintf(line, sizeof line, "X-Lastmile-Signature: %s", sig);
    snprintf(id, sizeof id, "X-Lastmile-Delivery: %lld-%lld", (long long)hook_id,
             (long long)ev->seq);
    snprintf(type, sizeof type, "X-Lastmile-Event: %.120s", ev->type);
    const char *all[] = {"Content-Type: application/json", line, id, type, "Expect:"};
    struct curl_slist *hdr = NULL;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        struct curl_slist *n = curl_slist_append(hdr, all[i]);
        if (!n) {
            curl_slist_free_all(hdr);
            return LM_NOMEM;
        }
        hdr = n;
    }
    *out = hdr;
    return LM_OK;
}

/* The CURLOPT_RESOLVE entry "host:port:address" pinning the name to the checked address. */
static struct curl_slist *pin_entry(const events__target *t) {
    if (t->url.host_is_ip) return NULL; /* a literal: nothing is looked up */
    char addr[INET6_ADDRSTRLEN], entry[400];
    const struct sockaddr *sa = (const struct sockaddr *)&t->addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, addr,
                  sizeof addr);
    else
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, addr,
                  sizeof addr);
    snprintf(entry, sizeof entry, sa->sa_family == AF_INET ? "%s:%u:%s" : "%s:%u:[%s]", t->url.host,
             (unsigned)t->url.port, addr);
    return curl_slist_append(NULL, entry);
}

lm_status events__post(CURL *c, const events__target *t, int64_t hook_id, const store_event *ev,
                       const events__post_opts *o, char *why, size_t why_size) {
    char *body = events_json(ev);
    struct curl_slist *hdr = NULL, *pin = NULL;
    lm_status rc = LM_NOMEM;
    if (!body || headers_build(t, hook_id, ev, body, &hdr) != LM_OK) goto fail;
    if (!t->url.host_is_ip && !(pin = pin_entry(t))) goto fail;
    size_t seen = 0;
    post_ctx pc = {.t = t, .stop = o->stop};
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, t->url.shown);
    curl_easy_setopt(c, CURLOPT_RESOLVE, pin);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &pc);
    curl_easy_setopt(c, CURLOPT_PROXY, ""); /* no proxy from the environment */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &pc);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_reply);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &seen);
    set_credentials(c, t);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    /* the credentials must not linger in the handle for the next webhook */
    curl_easy_reset(c);
    if (pc.refused) {
        snprintf(why, why_size, "refused: the connection was not to the checked address");
        rc = LM_INVALID;
    } else if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && status >= 200 && status < 300)) {
        snprintf(why, why_size, "%s", curl_easy_strerror(cc));
        rc = cc == CURLE_ABORTED_BY_CALLBACK ? LM_UNAVAILABLE : LM_IO;
    } else if (status >= 300 && status < 400) {
        snprintf(why, why_size, "HTTP %ld: redirects are not followed", status);
        rc = LM_IO;
    } else if (status < 200 || status >= 300) {
        snprintf(why, why_size, "HTTP %ld", status);
        rc = LM_IO;
    } else {
        rc = LM_OK;
    }
fail:
    if (rc == LM_NOMEM) snprintf(why, why_size, "out of memory");
    curl_slist_free_all(pin);
    curl_slist_free_all(hdr);
    lm_free(body);
    return rc;
}
