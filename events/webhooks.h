/* events/webhooks.h: webhooks made safe to point at the internet: the target policy (URL parse,
 * address classes, the operator's allow-list, DNS resolution checked address by address), the
 * Stripe-style signature and its verifier, sealed secrets, and the delivery engine (per-endpoint
 * lanes on a bounded pool of workers). docs/webhooks.md is the receiver's side; docs/security.md
 * says what each part defends against.
 *
 * Ownership: every struct here is plain caller memory (no hidden allocations) except
 * events_webhooks, which events_webhooks_start creates and events_webhooks_stop frees; the store
 * is borrowed by the sender and must outlive it. */
#ifndef LASTMILE_EVENTS_WEBHOOKS_H
#define LASTMILE_EVENTS_WEBHOOKS_H

#include "store/store_positions.h"

#include <netinet/in.h>
#include <sys/socket.h>

/* ---- Target policy (events/netguard.c) ----
 * A webhook may only reach public unicast addresses: loopback, private (RFC 1918, ULA), CGNAT,
 * link-local (which holds the cloud metadata service), multicast, unspecified, documentation
 * and reserved ranges are refused, in IPv4, IPv6 and every IPv6 form that embeds an IPv4 address
 * (mapped, compatible, NAT64, 6to4), unless the operator allow-lists a range. */

#define EVENTS_ALLOW_MAX 32 /* CIDR ranges in one allow-list */

typedef struct events_cidr {
    uint8_t addr[16]; /* IPv6 form; IPv4 ranges as ::ffff:a.b.c.d */
    unsigned bits;    /* prefix length over the 128-bit form */
} events_cidr;

typedef struct events_netguard {
    events_cidr allow[EVENTS_ALLOW_MAX];
    size_t n_allow;
} events_netguard;

typedef enum events_addr_class {
    EVENTS_ADDR_PUBLIC,
    EVENTS_ADDR_UNSPECIFIED,   /* 0.0.0.0/8, :: */
    EVENTS_ADDR_LOOPBACK,      /* 127/8, ::1 */
    EVENTS_ADDR_PRIVATE,       /* 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10 */
    EVENTS_ADDR_CGNAT,         /* 100.64/10 */
    EVENTS_ADDR_LINK_LOCAL,    /* 169.254/16, fe80::/10 */
    EVENTS_ADDR_METADATA,      /* 169.254.169.254, fd00:ec2::254 (cloud instance metadata) */
    EVENTS_ADDR_MULTICAST,     /* 224/4, ff00::/8, 255.255.255.255 */
    EVENTS_ADDR_DOCUMENTATION, /* TEST-NETs, 2001:db8::/32 */
    EVENTS_ADDR_RESERVED,      /* 240/4, benchmarking, IETF, Teredo, discard, v4-compatible */
} events_addr_class;

/* An empty allow-list: only public unicast addresses are reachable. */
void events_netguard_init(events_netguard *g);
/* Adds the ranges of list ("127.0.0.1/32, ::1" — comma or space separated; an address without
 * a prefix length is one host). LM_INVALID with field "webhook_allow" on a bad entry or more
 * than EVENTS_ALLOW_MAX in all; g is unchanged then. */
LM_MUST_USE lm_status events_netguard_allow(events_netguard *g, const char *list, lm_errinfo *err);
/* The class of an address given in its 16-byte IPv6 form (IPv4 as ::ffff:a.b.c.d); forms that
 * embed an IPv4 address take that address's class. */
events_addr_class events_addr_classify(const uint8_t a16[16]);
/* "loopback", "private", ... for messages. */
const char *events_addr_class_name(events_addr_class c);
/* The 16-byte form of an AF_INET or AF_INET6 address; false for any other family. */
bool events_addr_from_sockaddr(const struct sockaddr *sa, uint8_t a16[16]);
/* True when g lets a webhook connect to sa: allow-listed, or public. Otherwise false, with the
 * address and its class in why. */
bool events_netguard_permits(const events_netguard *g, const struct sockaddr *sa, char *why,
                             size_t why_size);

/* A webhook URL taken apart. Only http and https, a host name (letters, digits, '-', '.',
 * '_'; non-ASCII names in their xn-- form), a canonical dotted IPv4 or a bracketed IPv6 without
 * zone; no control bytes, spaces or backslashes anywhere; numeric hosts in any other form
 * (2130706433, 0x7f.1, 127.1, 0177.0.0.1) are refused because resolvers read them differently. */
typedef struct events_url {
    bool https;
    char host[256];            /* lowercased, IPv6 without brackets, without a trailing dot */
    bool host_is_ip;           /* a literal address: nothing to resolve */
    uint16_t port;             /* explicit, or 80 / 443 */
    char userinfo[256];        /* "user:password" as written (percent-encoded); "" when none */
    char shown[STORE_URL_MAX]; /* the URL without its userinfo: the only form ever shown */
} events_url;

/* Parses url (field "url" in err). */
LM_MUST_USE lm_status events_url_parse(const char *url, events_url *out, lm_errinfo *err);

/* Resolves u's host (getaddrinfo; a literal is taken as it is) and checks every address it
 * gets: LM_INVALID (field "url") if any is refused by g (a name that also resolves to a private
 * address is refused whole), LM_UNAVAILABLE if the name does not resolve. On success *out is the
 * first address with u's port: the one address to connect to. */
LM_MUST_USE lm_status events_netguard_resolve(const events_netguard *g, const events_url *u,
                                              struct sockaddr_storage *out, lm_errinfo *err);

/* ---- Signature (events/signature.c) ----
 * `X-Lastmile-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The
 * receiver recomputes the HMAC over the timestamp it was given and the raw body, compares in
 * constant time and refuses a timestamp further than its tolerance from its own clock, so a
 * captured delivery cannot be replayed later (within the tolerance the X-Lastmile-Delivery id
 * dedupes). */

#define EVENTS_SIG_HEADER_MAX  128 /* bytes of the header value, NUL included */
#define EVENTS_SIG_TOLERANCE_S 300 /* the documented default tolerance */

/* Writes the header value for body at time t_s into out. */
void events_signature_make(const char *secret, int64_t t_s, const void *body, size_t body_len,
                           char out[EVENTS_SIG_HEADER_MAX]);
/* Verifies a header value against body at now_s: LM_OK if one v1 entry matches and t is within
 * tolerance_s of now_s; LM_UNAUTHORIZED otherwise, with the reason in err (field
 * "X-Lastmile-Signature"): malformed, no v1, stale or future timestamp, mismatch. */
LM_MUST_USE lm_status events_signature_verify(const char *secret, const char *header,
                                              const void *body, size_t body_len, int64_t now_s,
                                              int64_t tolerance_s, lm_errinfo *err);

/* ---- Sealed secrets (events/seal.c) ----
 * Webhook secrets and URL credentials are stored sealed (AES-256-GCM) under a server key kept in
 * a 0600 file beside the data, so a copy of the database alone does not give them away. */

#define EVENTS_SEAL_KEY_LEN 32

/* Reads the 32-byte key at path, creating it (0600, random) when missing. A key file that is
 * readable by others or of the wrong size is refused. */
LM_MUST_USE lm_status events_seal_key_load(const char *path, uint8_t key[EVENTS_SEAL_KEY_LEN],
                                           lm_errinfo *err);
/* Seals plain into out ("seal1:" + hex of nonce, ciphertext and tag); "" stays "". LM_TOO_BIG
 * if out is too small. */
LM_MUST_USE lm_status events_seal(const uint8_t key[EVENTS_SEAL_KEY_LEN], const char *plain,
                                  char *out, size_t out_size);
/* Opens what events_seal made; text without the seal1: prefix (stored before sealing existed) is
 * returned as it is. LM_INVALID if it was sealed under another key or altered. */
LM_MUST_USE lm_status events_unseal(const uint8_t key[EVENTS_SEAL_KEY_LEN], const char *sealed,
                                    char *out, size_t out_size);

/* ---- Delivery (events/webhooks.c) ----
 * Every event of the log is POSTed to every webhook, in order per webhook, signed. Each webhook
 * is its own lane: at most one delivery in flight per webhook, at most `per_endpoint` to one
 * host and port (however many webhooks point there), at most `workers` in all, lanes taken in
 * turn, so a slow or dead receiver holds at most per_endpoint workers, each for at most its
 * timeout, and never delays another receiver's events. Each webhook's cursor (last delivered seq)
 * is stored and moved only after a 2xx, so a restart resumes where delivery stood (at-least-once:
 * receivers dedupe on X-Lastmile-Delivery). A failure backs off exponentially per webhook (0.5 s
 * doubling up to 5 min), also persisted. Before each delivery the host is resolved and checked
 * again, and the connection is pinned to the checked address (no second lookup, so DNS
 * rebinding cannot switch it); redirects are not followed and no proxy is used. Several nodes on
 * one PostgreSQL all send, each webhook by the node holding its lease (store_webhook_claim), so
 * order per webhook holds across nodes (docs/deploy.md). */

typedef struct events_webhooks_opts {
    unsigned workers;      /* deliveries in flight at most; default 8 */
    unsigned per_endpoint; /* ... to one host and port; default 2 */
    int64_t timeout_ms;    /* one delivery, connect included; default 5000 */
    int64_t connect_ms;    /* default 2000 */
    events_netguard guard; /* default: nothing allow-listed */
    const char *key_path;  /* sealing key file; NULL = "<database path>-webhooks.key" */
} events_webhooks_opts;

typedef struct events_webhooks events_webhooks;

void events_webhooks_opts_init(events_webhooks_opts *o);
/* Loads (or creates) the sealing key and starts the sender on s; it first delivers what a
 * previous run left. */
LM_MUST_USE lm_status events_webhooks_start(store *s, const events_webhooks_opts *o,
                                            events_webhooks **out, lm_errinfo *err);
/* Events up to last_seq are committed: the sender looks for work. NULL-safe. */
void events_webhooks_notify(events_webhooks *w, int64_t last_seq);
/* Stops the sender (after the deliveries in flight) and frees it. NULL-safe. */
void events_webhooks_stop(events_webhooks *w);

/* What a new webhook's creation reports besides the stored row. */
typedef struct events_webhook_created {
    char warning[160]; /* "" or advice (plain http) to show the caller */
} events_webhook_created;

/* Registers a webhook in tx for a request: checks url against the sender's policy (parse, then
 * resolution; a name that does not resolve now is accepted and checked at each delivery),
 * strips the URL's credentials and seals them and the secret (8..255 bytes) under the server
 * key. *out is the stored row: out->url carries no credentials and out->secret is sealed, so
 * either may be shown. LM_INVALID names the field ("url", "secret"). */
LM_MUST_USE lm_status events_webhook_create(events_webhooks *w, store_tx *tx, const char *url,
                                            const char *secret, store_webhook *out,
                                            events_webhook_created *info, lm_errinfo *err);

#endif
