/* notify/transport.c: the SMTP server and the SMS gateway as the operator configured them,
 * held to events/'s target policy: the host is resolved and every address checked before each
 * send, curl is pinned to the checked address (no second lookup) and the socket it opens is
 * checked again; no proxy from the environment, no redirects. */
#include "notify/internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

lm_status notify__dest_parse(const char *url, bool smtp, const char *field, notify__dest *d,
                             lm_errinfo *err) {
    memset(d, 0, sizeof *d);
    static const char *const smtp_schemes[] = {"smtp", "smtps"}, *const http_schemes[] = {"http",
                                                                                          "https"};
    const char *const *schemes = smtp ? smtp_schemes : http_schemes;
    const char *rest = NULL;
    for (int i = 0; i < 2 && !rest; i++) {
        size_t sl = strlen(schemes[i]);
        if (url && !strncasecmp(url, schemes[i], sl) && !strncmp(url + sl, "://", 3)) {
            rest = url + sl + 3;
            d->tls = i == 1;
            lm_strlcpy(d->scheme, schemes[i], sizeof d->scheme);
        }
    }
    if (!rest)
        return lm_errinfo_set(err, LM_INVALID, field, "must start with %s:// or %s://", schemes[0],
                              schemes[1]);
    /* events/ parses http(s) URLs: hand it the same authority under an http scheme */
    char as_http[STORE_URL_MAX + 16];
    int w = snprintf(as_http, sizeof as_http, "%s://%s", d->tls ? "https" : "http", rest);
    if (w < 0 || (size_t)w >= sizeof as_http)
        return lm_errinfo_set(err, LM_INVALID, field, "too long");
    lm_errinfo e;
    lm_errinfo_clear(&e);
    if (events_url_parse(as_http, &d->url, &e) != LM_OK)
        return lm_errinfo_set(err, LM_INVALID, field, "%s", e.message);
    size_t an = strcspn(rest, "/?#");
    if (smtp) {
        /* an SMTP URL without a port means 25 (465 for smtps), not the HTTP default */
        bool explicit_port = false;
        for (size_t i = an; i > 0; i--) {
            char ch = rest[i - 1];
            if (ch == ':') explicit_port = true;
            if (ch == ':' || ch == ']' || ch == '@') break;
        }
        if (!explicit_port) d->url.port = d->tls ? 465 : 25;
    }
    lm_strlcpy(d->path, rest[an] == '/' ? rest + an : "/", sizeof d->path);
    char *hash = strchr(d->path, '#');
    if (hash) *hash = '\0';
    d->on = true;
    return LM_OK;
}

lm_status notify__dest_resolve(const events_netguard *g, const notify__dest *d, const char *field,
                               struct sockaddr_storage *addr, lm_errinfo *err) {
    lm_errinfo e;
    lm_errinfo_clear(&e);
    lm_status rc = events_netguard_resolve(g, &d->url, addr, &e);
    if (rc == LM_INVALID)
        return lm_errinfo_set(err, rc, field,
                              "%s: refused: host '%s' is not an address the operator allowed "
                              "(see --notify-allow)",
                              field, d->url.host);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, field, "%s", e.message);
    return LM_OK;
}

/* curl is about to open a socket: only the checked address passes. */
static curl_socket_t open_checked(void *ud, curlsocktype purpose, struct curl_sockaddr *address) {
    notify__check *k = ud;
    uint8_t got[16], want[16];
    if (purpose != CURLSOCKTYPE_IPCXN || !events_addr_from_sockaddr(&address->addr, got) ||
        !events_addr_from_sockaddr((const struct sockaddr *)&k->addr, want) ||
        memcmp(got, want, sizeof got) != 0) {
        k->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

/* Aborts a transfer in flight when the notifier stops, so shutdown never waits a timeout out. */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    const notify__check *k = ud;
    return k->halt && atomic_load(k->halt) ? 1 : 0;
}

lm_status notify__curl_setup(CURL *c, const notify__dest *d, int64_t timeout_ms,
                             notify__check *check, struct curl_slist **pin) {
    char addr[INET6_ADDRSTRLEN] = "";
    const struct sockaddr *sa = (const struct sockaddr *)&check->addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, addr,
                  sizeof addr);
    else
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, addr,
                  sizeof addr);
    bool v6 = strchr(d->url.host, ':') != NULL;
    char url[STORE_URL_MAX + 64], entry[400];
    snprintf(url, sizeof url, "%s://%s%s%s:%u%s", d->scheme, v6 ? "[" : "", d->url.host,
             v6 ? "]" : "", (unsigned)d->url.port, d->path);
    *pin = NULL;
    if (!d->url.host_is_ip) {
        snprintf(entry, sizeof entry, sa->sa_family == AF_INET ? "%s:%u:%s" : "%s:%u:[%s]",
                 d->url.host, (unsigned)d->url.port, addr);
        if (!(*pin = curl_slist_append(NULL, entry))) return LM_NOMEM;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_RESOLVE, *pin);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, check);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, d->scheme);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 5000 ? timeout_ms : 5000));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, check);
    return LM_OK;
}

static int hexval(char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Percent-decodes s[0..n) into out; stops short rather than overflow. */
static void unescape(const char *s, size_t n, char *out, size_t size) {
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < size; i++) {
        int hi = s[i] == '%' && i + 2 < n ? hexval(s[i + 1]) : -1;
        int lo = hi >= 0 ? hexval(s[i + 2]) : -1;
        out[k++] = lo >= 0 ? (char)(hi << 4 | lo) : s[i];
        if (lo >= 0) i += 2;
    }
    out[k] = '\0';
}

void notify__userinfo(const notify__dest *d, char *user, size_t user_size, char *pass,
                      size_t pass_size) {
    const char *ui = d->url.userinfo, *colon = strchr(ui, ':');
    size_t un = colon ? (size_t)(colon - ui) : strlen(ui);
    unescape(ui, un, user, user_size);
    unescape(colon ? colon + 1 : "", colon ? strlen(colon + 1) : 0, pass, pass_size);
}
