/* notify/internal.h (notify-internal): the handle, and what the module's files share: the
 * checked destinations (notify/transport.c), the two senders (notify/smtp.c, notify/sms.c), the
 * event reader (notify/feed.c) and the outbox sender (notify/send.c). Calls go one way:
 * service -> feed, send; send -> smtp, sms -> transport. */
#ifndef LASTMILE_NOTIFY_INTERNAL_H
#define LASTMILE_NOTIFY_INTERNAL_H

#include "notify/notify.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>

#define NOTIFY_CURSOR_KEY    "notify.event_cursor"
#define NOTIFY_ETA_KEY       "notify.eta_threshold_s"
#define NOTIFY_ETA_DEFAULT_S 900

/* An operator-configured destination: the URL taken apart (scheme aside) and whether TLS is
 * used from the start. */
typedef struct notify__dest {
    bool on;
    bool tls;       /* smtps:// or https:// */
    events_url url; /* host, port, userinfo (as in the URL) */
    char scheme[8]; /* "smtp" | "smtps" | "http" | "https" */
    char path[512]; /* what follows the authority ("/" at least) */
} notify__dest;

struct notify {
    store *st;
    int64_t (*now_ms)(void);
    int64_t tick_ms;
    notify__dest smtp, sms;
    char *smtp_user, *smtp_password, *mail_from, *sms_from, *sms_auth, *track_url;
    notify_sms_format sms_format;
    events_netguard guard;
    int max_attempts;
    int64_t backoff_ms, backoff_max_ms, timeout_ms;
    CURL *curl;              /* the sender's handle; used under tick_mu only */
    pthread_mutex_t tick_mu; /* one tick at a time (the worker, a test, a shutdown) */
    pthread_mutex_t mu;      /* stopping, with cv */
    pthread_cond_t cv;
    pthread_t worker;
    bool has_worker, stopping;
    atomic_bool halt; /* shutting down: no new send, the one in flight aborted */
};

/* ---- Destinations (notify/transport.c) ---- */

/* Parses an smtp(s):// (smtp true) or http(s):// URL into d, field naming it in err. */
LM_MUST_USE lm_status notify__dest_parse(const char *url, bool smtp, const char *field,
                                         notify__dest *d, lm_errinfo *err);
/* Resolves d's host and checks every address with g (events_netguard_resolve); *addr is the
 * one address to connect to. LM_INVALID (refused), LM_UNAVAILABLE (does not resolve). */
LM_MUST_USE lm_status notify__dest_resolve(const events_netguard *g, const notify__dest *d,
                                           const char *field, struct sockaddr_storage *addr,
                                           lm_errinfo *err);
/* Sets up c (after curl_easy_reset) for one transfer to d pinned to addr: URL, the resolve
 * pin, a socket check against addr, no proxy, no redirect, protocols of d's scheme only, time
 * limits. *pin and *check must live until the transfer ends (free *pin with
 * curl_slist_free_all). */
typedef struct notify__check {
    struct sockaddr_storage addr;
    bool refused;
    const atomic_bool *halt; /* set: the transfer in flight is aborted (shutdown) */
} notify__check;
LM_MUST_USE lm_status notify__curl_setup(CURL *c, const notify__dest *d, int64_t timeout_ms,
                                         notify__check *check, struct curl_slist **pin);
/* Percent-decodes the user and password of d's userinfo into user/pass (may be ""). */
void notify__userinfo(const notify__dest *d, char *user, size_t user_size, char *pass,
                      size_t pass_size);

/* The outcome of one send attempt. */
typedef struct notify__outcome {
    bool ok;
    bool permanent; /* no retry can help (refused address, bad recipient, 4xx from a gateway) */
    char why[STORE_NT_ERROR_MAX + 1];
} notify__outcome;

/* ---- Senders ---- */

/* Sends m by e-mail (notify/smtp.c) / SMS (notify/sms.c); the outcome says what happened. */
void notify__smtp_send(notify *n, const store_nt_message *m, notify__outcome *out);
void notify__sms_send(notify *n, const store_nt_message *m, notify__outcome *out);

/* ---- The event reader and the outbox sender ---- */

/* Turns the events after the cursor into messages, moving the cursor in the same transaction. */
LM_MUST_USE lm_status notify__feed(notify *n, int64_t now_ms, notify_tick_result *res,
                                   lm_errinfo *err);
/* Sends the messages due at now_ms and records each outcome. */
LM_MUST_USE lm_status notify__send_due(notify *n, int64_t now_ms, notify_tick_result *res,
                                       lm_errinfo *err);
/* The quiet-hours row that applies to depot (its own, else "*"); false when none. */
bool notify__quiet_for(const notify_settings *s, const char *depot, store_nt_quiet *out);

#endif
