/* events/netguard.c: where a webhook may connect (events/webhooks.h): the URL taken apart
 * strictly, every address classified (IPv4, IPv6 and the IPv6 forms that embed IPv4), the
 * operator's allow-list, and DNS resolution with every answer checked. */
#include "events/webhooks.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- Address classes ---- */

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* True when a starts with the first bits of p. */
static bool prefix_match(const uint8_t *a, const uint8_t *p, unsigned bits) {
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, p, full) != 0) return false;
    if (!rest) return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[full] & mask) == (p[full] & mask);
}

static events_addr_class classify_v4(const uint8_t b[4]) {
    uint32_t v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    static const struct {
        uint32_t net;
        unsigned bits;
        events_addr_class c;
    } ranges[] = {
        /* most specific first: the metadata host sits inside link-local */
        {0xa9fea9feu, 32, EVENTS_ADDR_METADATA},      /* 169.254.169.254 */
        {0xffffffffu, 32, EVENTS_ADDR_MULTICAST},     /* limited broadcast */
        {0x00000000u, 8, EVENTS_ADDR_UNSPECIFIED},    /* "this network" */
        {0x0a000000u, 8, EVENTS_ADDR_PRIVATE},        /* 10/8 */
        {0x64400000u, 10, EVENTS_ADDR_CGNAT},         /* 100.64/10 */
        {0x7f000000u, 8, EVENTS_ADDR_LOOPBACK},       /* 127/8 */
        {0xa9fe0000u, 16, EVENTS_ADDR_LINK_LOCAL},    /* 169.254/16 */
        {0xac100000u, 12, EVENTS_ADDR_PRIVATE},       /* 172.16/12 */
        {0xc0000000u, 24, EVENTS_ADDR_RESERVED},      /* 192.0.0/24 IETF assignments */
        {0xc0000200u, 24, EVENTS_ADDR_DOCUMENTATION}, /* 192.0.2/24 */
        {0xc0586300u, 24, EVENTS_ADDR_RESERVED},      /* 192.88.99/24 old 6to4 relays */
        {0xc0a80000u, 16, EVENTS_ADDR_PRIVATE},       /* 192.168/16 */
        {0xc6120000u, 15, EVENTS_ADDR_RESERVED},      /* 198.18/15 benchmarking */
        {0xc6336400u, 24, EVENTS_ADDR_DOCUMENTATION}, /* 198.51.100/24 */
        {0xcb007100u, 24, EVENTS_ADDR_DOCUMENTATION}, /* 203.0.113/24 */
        {0xe0000000u, 4, EVENTS_ADDR_MULTICAST},      /* 224/4 */
        {0xf0000000u, 4, EVENTS_ADDR_RESERVED},       /* 240/4 */
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        uint32_t mask = ranges[i].bits ? 0xffffffffu << (32 - ranges[i].bits) : 0;
        if ((v & mask) == ranges[i].net) return ranges[i].c;
    }
    return EVENTS_ADDR_PUBLIC;
}

events_addr_class events_addr_classify(const uint8_t a[16]) {
    static const uint8_t zero[16] = {0};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t nat64_local[6] = {0, 0x64, 0xff, 0x9b, 0, 1};
    static const uint8_t meta6[16] = {0xfd, 0, 0x0e, 0xc2, 0, 0, 0,    0,
                                      0,    0, 0,    0,    0, 0, 0x02, 0x54};
    static const uint8_t teredo[4] = {0x20, 0x01, 0, 0};
    static const uint8_t doc6[4] = {0x20, 0x01, 0x0d, 0xb8};
    static const uint8_t sixto4[2] = {0x20, 0x02};
    static const uint8_t discard[8] = {0x01, 0, 0, 0, 0, 0, 0, 0};
    if (!memcmp(a, v4_mapped_prefix, 12)) return classify_v4(a + 12);
    if (!memcmp(a, zero, 15) && a[15] <= 1)
        return a[15] ? EVENTS_ADDR_LOOPBACK : EVENTS_ADDR_UNSPECIFIED;
    if (!memcmp(a, zero, 12)) return EVENTS_ADDR_RESERVED; /* deprecated IPv4-compatible */
    if (!memcmp(a, nat64, 12)) return classify_v4(a + 12);
    if (prefix_match(a, nat64_local, 48)) return EVENTS_ADDR_RESERVED;
    if (!memcmp(a, meta6, 16)) return EVENTS_ADDR_METADATA;
    if (prefix_match(a, discard, 64)) return EVENTS_ADDR_RESERVED;
    if (prefix_match(a, teredo, 32)) return EVENTS_ADDR_RESERVED;
    if (prefix_match(a, doc6, 32)) return EVENTS_ADDR_DOCUMENTATION;
    if (prefix_match(a, sixto4, 16)) return classify_v4(a + 2);
    if ((a[0] & 0xfe) == 0xfc) return EVENTS_ADDR_PRIVATE;                    /* fc00::/7 ULA */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return EVENTS_ADDR_LINK_LOCAL; /* fe80::/10 */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return EVENTS_ADDR_PRIVATE;    /* fec0::/10 */
    if (a[0] == 0xff) return EVENTS_ADDR_MULTICAST;
    /* global unicast is 2000::/3; everything else is unassigned */
    return (a[0] & 0xe0) == 0x20 ? EVENTS_ADDR_PUBLIC : EVENTS_ADDR_RESERVED;
}

const char *events_addr_class_name(events_addr_class c) {
    switch (c) {
    case EVENTS_ADDR_PUBLIC: return "public";
    case EVENTS_ADDR_UNSPECIFIED: return "unspecified";
    case EVENTS_ADDR_LOOPBACK: return "loopback";
    case EVENTS_ADDR_PRIVATE: return "private";
    case EVENTS_ADDR_CGNAT: return "carrier-grade NAT";
    case EVENTS_ADDR_LINK_LOCAL: return "link-local";
    case EVENTS_ADDR_METADATA: return "cloud metadata";
    case EVENTS_ADDR_MULTICAST: return "multicast or broadcast";
    case EVENTS_ADDR_DOCUMENTATION: return "documentation";
    case EVENTS_ADDR_RESERVED: return "reserved";
    }
    return "reserved";
}

bool events_addr_from_sockaddr(const struct sockaddr *sa, uint8_t a16[16]) {
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
        memcpy(a16, v4_mapped_prefix, 12);
        memcpy(a16 + 12, &s4->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(a16, &s6->sin6_addr, 16);
        return true;
    }
    return false;
}

/* ---- Allow-list ---- */

void events_netguard_init(events_netguard *g) {
    memset(g, 0, sizeof *g);
}

/* Parses one "addr[/bits]" entry of n bytes. */
static bool cidr_parse(const char *s, size_t n, events_cidr *out) {
    char text[64];
    if (n == 0 || n >= sizeof text) return false;
    memcpy(text, s, n);
    text[n] = '\0';
    char *slash = strchr(text, '/');
    int64_t bits = -1;
    if (slash) {
        *slash = '\0';
        if (!slash[1] || !lm_parse_i64(slash + 1, 0, 128, &bits)) return false;
    }
    memset(out, 0, sizeof *out);
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, text, &a4) == 1) {
        if (bits > 32) return false;
        memcpy(out->addr, v4_mapped_prefix, 12);
        memcpy(out->addr + 12, &a4, 4);
        out->bits = (unsigned)(bits < 0 ? 32 : bits) + 96;
    } else if (inet_pton(AF_INET6, text, &a6) == 1) {
        memcpy(out->addr, &a6, 16);
        out->bits = (unsigned)(bits < 0 ? 128 : bits);
    } else {
        return false;
    }
    return true;
}

lm_status events_netguard_allow(events_netguard *g, const char *list, lm_errinfo *err) {
    events_netguard tmp = *g;
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (!*p) break;
        size_t n = strcspn(p, ", \t");
        if (tmp.n_allow == EVENTS_ALLOW_MAX)
            return lm_errinfo_set(err, LM_INVALID, "webhook_allow", "at most %d ranges",
                                  EVENTS_ALLOW_MAX);
        if (!cidr_parse(p, n, &tmp.allow[tmp.n_allow]))
            return lm_errinfo_set(err, LM_INVALID, "webhook_allow",
                                  "'%.*s' is not an address or CIDR range (e.g. 10.0.0.0/8)",
                                  (int)(n > 60 ? 60 : n), p);
        tmp.n_allow++;
        p += n;
    }
    *g = tmp;
    return LM_OK;
}

static bool allowed(const events_netguard *g, const uint8_t a[16]) {
    for (size_t i = 0; i < g->n_allow; i++)
        if (prefix_match(a, g->allow[i].addr, g->allow[i].bits)) return true;
    return false;
}

bool events_netguard_permits(const events_netguard *g, const struct sockaddr *sa, char *why,
                             size_t why_size) {
    uint8_t a[16];
    if (!events_addr_from_sockaddr(sa, a)) {
        snprintf(why, why_size, "not an internet address");
        return false;
    }
    if (allowed(g, a)) return true;
    /* an IPv4-mapped IPv6 address reaches the IPv4 host: the IPv4 allow entry covers it */
    events_addr_class c = events_addr_classify(a);
    if (c == EVENTS_ADDR_PUBLIC) return true;
    char text[INET6_ADDRSTRLEN];
    if (!memcmp(a, v4_mapped_prefix, 12))
        inet_ntop(AF_INET, a + 12, text, sizeof text);
    else
        inet_ntop(AF_INET6, a, text, sizeof text);
    snprintf(why, why_size, "%s is a %s address", text, events_addr_class_name(c));
    return false;
}

/* ---- URL ---- */

/* A host name as resolvers read it: LDH labels (and '_'), no empty label. */
static bool hostname_ok(const char *h) {
    size_t n = strlen(h), label = 0;
    if (n == 0 || n > 253) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        if (!isalnum(c) && c != '-' && c != '_') return false;
        if (++label > 63) return false;
    }
    return label > 0;
}

/* True when the last label looks numeric: then the whole host must be a dotted-quad IPv4,
 * because libc and curl read "127.1", "2130706433" and "0x7f.0.0.1" as addresses. */
static bool looks_numeric(const char *h) {
    const char *last = strrchr(h, '.');
    last = last ? last + 1 : h;
    if (!*last) return false;
    if (last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) return true;
    for (const char *p = last; *p; p++)
        if (!isdigit((unsigned char)*p)) return false;
    return true;
}

static lm_status authority_parse(const char *auth, size_t n, events_url *u, lm_errinfo *err) {
    const char *at = memchr(auth, '@', n);
    if (at && memchr(at + 1, '@', n - (size_t)(at + 1 - auth)))
        /* parsers disagree on which '@' ends the credentials: refuse rather than guess */
        return lm_errinfo_set(err, LM_INVALID, "url",
                              "more than one '@' before the host (percent-encode it as %%40)");
    if (at) {
        size_t un = (size_t)(at - auth);
        if (un >= sizeof u->userinfo)
            return lm_errinfo_set(err, LM_INVALID, "url", "the URL's credentials are too long");
        memcpy(u->userinfo, auth, un);
        u->userinfo[un] = '\0';
        n -= un + 1;
        auth = at + 1;
    }
    const char *port = NULL;
    size_t hn;
    if (n && auth[0] == '[') {
        const char *close = memchr(auth, ']', n);
        if (!close) return lm_errinfo_set(err, LM_INVALID, "url", "unclosed '[' in the host");
        hn = (size_t)(close - auth) - 1;
        if (hn == 0 || hn >= sizeof u->host)
            return lm_errinfo_set(err, LM_INVALID, "url", "empty or too long IPv6 host");
        memcpy(u->host, auth + 1, hn);
        u->host[hn] = '\0';
        struct in6_addr a6;
        if (strchr(u->host, '%') || inet_pton(AF_INET6, u->host, &a6) != 1)
            return lm_errinfo_set(err, LM_INVALID, "url",
                                  "'[%s]' is not an IPv6 address (zones are not allowed)", u->host);
        u->host_is_ip = true;
        const char *rest = close + 1;
        size_t rn = n - (size_t)(rest - auth);
        if (rn && rest[0] != ':')
            return lm_errinfo_set(err, LM_INVALID, "url", "unexpected text after ']'");
        if (rn) port = rest + 1;
    } else {
        const char *colon = memchr(auth, ':', n);
        hn = colon ? (size_t)(colon - auth) : n;
        if (hn == 0) return lm_errinfo_set(err, LM_INVALID, "url", "the URL has no host");
        if (hn >= sizeof u->host) return lm_errinfo_set(err, LM_INVALID, "url", "host too long");
        for (size_t i = 0; i < hn; i++)
            u->host[i] = (char)tolower((unsigned char)auth[i]);
        u->host[hn] = '\0';
        if (hn > 1 && u->host[hn - 1] == '.') u->host[hn - 1] = '\0';
        if (colon) port = colon + 1;
        struct in_addr a4;
        if (looks_numeric(u->host)) {
            if (inet_pton(AF_INET, u->host, &a4) != 1)
                return lm_errinfo_set(err, LM_INVALID, "url",
                                      "host '%s' is not a dotted-decimal IPv4 address", u->host);
            u->host_is_ip = true;
        } else if (!hostname_ok(u->host)) {
            return lm_errinfo_set(err, LM_INVALID, "url",
                                  "host '%s' is not a valid host name (use the xn-- form for "
                                  "non-ASCII names)",
                                  u->host);
        }
    }
    u->port = u->https ? 443 : 80;
    if (port) {
        size_t pn = n - (size_t)(port - auth);
        char digits[8];
        int64_t v = 0;
        if (pn == 0 || pn >= sizeof digits)
            return lm_errinfo_set(err, LM_INVALID, "url", "the port must be 1..65535");
        memcpy(digits, port, pn);
        digits[pn] = '\0';
        for (size_t i = 0; i < pn; i++)
            if (!isdigit((unsigned char)digits[i]))
                return lm_errinfo_set(err, LM_INVALID, "url", "the port must be 1..65535");
        if (!lm_parse_i64(digits, 1, 65535, &v))
            return lm_errinfo_set(err, LM_INVALID, "url", "the port must be 1..65535");
        u->port = (uint16_t)v;
    }
    return LM_OK;
}

lm_status events_url_parse(const char *url, events_url *out, lm_errinfo *err) {
    if (!url || !*url) return lm_errinfo_set(err, LM_INVALID, "url", "url is required");
    size_t len = strlen(url);
    if (len >= STORE_URL_MAX)
        return lm_errinfo_set(err, LM_INVALID, "url", "url must be at most %d bytes",
                              STORE_URL_MAX - 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c >= 0x7f || c == '\\')
            return lm_errinfo_set(err, LM_INVALID, "url",
                                  "url has a space, control, backslash or non-ASCII byte at "
                                  "offset %zu (percent-encode it)",
                                  i);
    }
    events_url u;
    memset(&u, 0, sizeof u);
    size_t skip;
    if (!strncasecmp(url, "https://", 8)) {
        u.https = true;
        skip = 8;
    } else if (!strncasecmp(url, "http://", 7)) {
        skip = 7;
    } else {
        return lm_errinfo_set(err, LM_INVALID, "url", "url must start with https:// or http://");
    }
    const char *auth = url + skip;
    size_t an = strcspn(auth, "/?#");
    lm_status rc = authority_parse(auth, an, &u, err);
    if (rc != LM_OK) return rc;
    const char *rest = auth + an;
    if (*rest == '#') rest = ""; /* a fragment is never sent */
    /* shown: the URL as written minus credentials and fragment, host lowercased */
    const char *at = memchr(auth, '@', an);
    const char *hostpart = at ? at + 1 : auth;
    size_t after_host = an - (size_t)(hostpart - auth);
    const char *hash = strchr(rest, '#');
    int restn = (int)(hash ? (size_t)(hash - rest) : strlen(rest));
    int w = snprintf(u.shown, sizeof u.shown, "%s://%.*s%s%.*s", u.https ? "https" : "http",
                     (int)after_host, hostpart, *rest == '/' ? "" : "/", restn, rest);
    for (int i = u.https ? 8 : 7; w > 0 && i < w && u.shown[i] && u.shown[i] != '/'; i++)
        u.shown[i] = (char)tolower((unsigned char)u.shown[i]);
    if (w < 0 || (size_t)w >= sizeof u.shown)
        return lm_errinfo_set(err, LM_INVALID, "url", "url too long");
    *out = u;
    return LM_OK;
}

/* ---- Resolution ---- */

lm_status events_netguard_resolve(const events_netguard *g, const events_url *u,
                                  struct sockaddr_storage *out, lm_errinfo *err) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = u->host_is_ip ? AI_NUMERICHOST : 0;
    int gai = getaddrinfo(u->host, NULL, &hints, &res);
    if (gai != 0 || !res)
        return lm_errinfo_set(err, LM_UNAVAILABLE, "url", "host '%s' does not resolve: %s", u->host,
                              gai_strerror(gai));
    lm_status rc = LM_OK;
    bool have = false;
    size_t seen = 0;
    for (struct addrinfo *ai = res; ai && seen < 32; ai = ai->ai_next, seen++) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        char why[160];
        if (!events_netguard_permits(g, ai->ai_addr, why, sizeof why)) {
            rc = lm_errinfo_set(err, LM_INVALID, "url",
                                "host '%s' resolves to %s; webhooks may only reach public "
                                "addresses unless the operator allow-lists the range",
                                u->host, why);
            break;
        }
        if (!have) {
            memset(out, 0, sizeof *out);
            memcpy(out, ai->ai_addr, ai->ai_addrlen);
            if (ai->ai_family == AF_INET)
                ((struct sockaddr_in *)(void *)out)->sin_port = htons(u->port);
            else
                ((struct sockaddr_in6 *)(void *)out)->sin6_port = htons(u->port);
            have = true;
        }
    }
    freeaddrinfo(res);
    if (rc == LM_OK && !have)
        rc = lm_errinfo_set(err, LM_UNAVAILABLE, "url", "host '%s' has no internet address",
                            u->host);
    return rc;
}
