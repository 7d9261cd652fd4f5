/* notify: customer notifications. Events of the log (order confirmed, out for delivery, you are
 * next, ETA moved, delivered, failed, return requested) become messages from per-kind, per-channel
 * templates, each with the order's tracking link; e-mail goes over SMTP and SMS through an HTTP
 * gateway (both via libcurl, to operator-configured hosts checked by events/'s netguard). An
 * outbox that is also the log holds every message: queued in the transaction that moves the event
 * cursor (so each event is turned into messages exactly once across restarts), deferred through
 * a depot's quiet hours, retried with backoff, suppressed when the customer opted out.
 * docs/notifications.md is the operator's guide.
 *
 * Ownership: notify_create copies the strings of its options; the store is borrowed and must
 * outlive the handle. Records are plain caller memory; lists are lm_free'd by the caller. */
#ifndef LASTMILE_NOTIFY_H
#define LASTMILE_NOTIFY_H

#include "events/webhooks.h"
#include "store/store_notify.h"

/* ---- Kinds and channels ---- */

#define NOTIFY_KIND_MAP(X)                                                                         \
    X(ORDER_CONFIRMED, "order_confirmed")                                                          \
    X(OUT_FOR_DELIVERY, "out_for_delivery")                                                        \
    X(NEXT_STOP, "next_stop")                                                                      \
    X(ETA_CHANGED, "eta_changed")                                                                  \
    X(DELIVERED, "delivered")                                                                      \
    X(FAILED, "failed")                                                                            \
    X(RETURN_REQUESTED, "return_requested")

typedef enum notify_kind {
#define NOTIFY_X_KIND(name, text) NOTIFY_##name,
    NOTIFY_KIND_MAP(NOTIFY_X_KIND)
#undef NOTIFY_X_KIND
        NOTIFY__KIND_COUNT
} notify_kind;

typedef enum notify_channel { NOTIFY_EMAIL, NOTIFY_SMS, NOTIFY__CHANNEL_COUNT } notify_channel;

const char *notify_kind_name(notify_kind k); /* "unknown" outside the enum */
bool notify_kind_parse(const char *name, notify_kind *out);
const char *notify_channel_name(notify_channel c); /* "email" | "sms" */
bool notify_channel_parse(const char *name, notify_channel *out);

/* ---- Templates (notify/template.c, pure) ----
 * Placeholders are {{name}} with name one of NOTIFY_PLACEHOLDERS; nothing else is interpreted
 * (no expressions, no escapes), and values are inserted as plain text (control characters
 * become spaces, so a customer's name cannot add a mail header). Every body must contain
 * {{tracking_link}}. SMS templates have no subject. */

#define NOTIFY_PLACEHOLDERS "customer_name, order_ref, eta_window, tracking_link, reason"
#define NOTIFY_SMS_BODY_MAX 480 /* bytes of an SMS template (a few concatenated SMS) */

typedef struct notify_template {
    notify_kind kind;
    notify_channel channel;
    char subject[STORE_NT_SUBJECT_MAX + 1]; /* e-mail only; "" for SMS */
    char body[STORE_NT_BODY_MAX + 1];
    bool custom;        /* stored by an operator (false: the built-in default) */
    int64_t updated_ms; /* when stored; 0 for a default */
} notify_template;

/* Checks t: subject (e-mail: 1..200 bytes, one line; SMS: must be empty) and body (UTF-8, line
 * breaks allowed, no other control characters, 1..2000 bytes, SMS at most 480), placeholders
 * known and closed, {{tracking_link}} in the body. LM_INVALID / LM_TOO_BIG naming "subject" or
 * "body" and saying what is wrong where. */
LM_MUST_USE lm_status notify_template_check(const notify_template *t, lm_errinfo *err);
/* The built-in template of (kind, channel). */
void notify_template_default(notify_kind kind, notify_channel channel, notify_template *out);

/* The values placeholders take (NULL = ""). */
typedef struct notify_vars {
    const char *customer_name, *order_ref, *eta_window, *tracking_link, *reason;
} notify_vars;

/* Renders a checked template text into out (cap bytes, always NUL-terminated); one_line turns
 * line breaks of the values into spaces too (subjects). LM_TOO_BIG when it does not fit. */
LM_MUST_USE lm_status notify_render(const char *tmpl, const notify_vars *v, bool one_line,
                                    char *out, size_t cap);

/* ---- Quiet hours (notify/quiet.c) ---- */

/* Checks a quiet-hours row: tz a POSIX TZ rule or IANA name (field "<field>.tz"), minutes
 * 0..1439, start != end. */
LM_MUST_USE lm_status notify_quiet_check(const store_nt_quiet *q, const char *field,
                                         lm_errinfo *err);
/* The first moment at or after now_ms outside q's quiet hours (now_ms itself when outside). */
int64_t notify_quiet_release(const store_nt_quiet *q, int64_t now_ms);

/* ---- The service ---- */

typedef enum notify_sms_format {
    NOTIFY_SMS_FORM, /* application/x-www-form-urlencoded To=&From=&Body= (Twilio's shape) */
    NOTIFY_SMS_JSON  /* application/json {"to","from","body"} */
} notify_sms_format;

typedef struct notify_opts {
    store *st;               /* required; not owned */
    int64_t (*now_ms)(void); /* clock, lm_now_ms by default (tests pin it) */
    int64_t tick_ms;         /* worker period; 0 = no worker (call notify_tick) */
    /* e-mail: smtp://host[:port] or smtps://...; NULL = e-mail off */
    const char *smtp_url;
    const char *smtp_user, *smtp_password; /* NULL = no AUTH; never logged nor shown */
    const char *mail_from;                 /* envelope and From: address (required with smtp) */
    /* SMS: http(s)://... of the provider's send endpoint; NULL = SMS off. Credentials in the
     * URL's userinfo go as HTTP Basic auth (Twilio: AccountSID:AuthToken); auth_header, when
     * set, is sent as the Authorization header's value ("Bearer ..."). */
    const char *sms_url;
    const char *sms_from;
    const char *sms_auth_header;
    notify_sms_format sms_format;
    /* the tracking link is track_url followed by the order's token */
    const char *track_url;
    events_netguard guard;  /* what the SMTP host and the gateway may resolve to */
    int max_attempts;       /* sends before a message is failed; default 5 */
    int64_t backoff_ms;     /* first retry delay, doubled each time; default 30000 */
    int64_t backoff_max_ms; /* default 3600000 */
    int64_t timeout_ms;     /* one send, connect included; default 10000 */
} notify_opts;

typedef struct notify notify;

void notify_opts_init(notify_opts *o);
/* Checks the options (URLs parse; a host that resolves now must be one the guard permits:
 * LM_INVALID naming "smtp_url" / "sms_url" otherwise) and starts the worker when tick_ms > 0. */
LM_MUST_USE lm_status notify_create(const notify_opts *o, notify **out, lm_errinfo *err);
/* Stops the worker (after the send in flight) and frees. NULL-safe. */
void notify_destroy(notify *n);

typedef struct notify_tick_result {
    size_t events;     /* events read from the log */
    size_t queued;     /* messages written (queued or deferred) */
    size_t suppressed; /* messages not sent: opted out */
    size_t sent, retried, failed, deferred;
} notify_tick_result;

/* Reads new events into the outbox, then sends what is due at now_ms (each send outside any
 * transaction; its outcome committed after). out may be NULL. */
LM_MUST_USE lm_status notify_tick(notify *n, int64_t now_ms, notify_tick_result *out,
                                  lm_errinfo *err);

/* ---- Configuration kept in the database ---- */

/* The template in force for (kind, channel): the stored one or the default. */
LM_MUST_USE lm_status notify_template_get(store_read *r, notify_kind kind, notify_channel channel,
                                          notify_template *out, lm_errinfo *err);
/* Checks and stores t (custom from now on) inside tx with a "notify.template_saved" event. */
LM_MUST_USE lm_status notify_template_put(store_tx *tx, const notify_template *t, int64_t now_ms,
                                          lm_errinfo *err);

#define NOTIFY_QUIET_MAX 32 /* quiet-hours rows (depots with their own, and "*") */

typedef struct notify_settings {
    int64_t eta_threshold_s; /* an ETA move smaller than this since the last told is not sent */
    store_nt_quiet quiet[NOTIFY_QUIET_MAX];
    size_t n_quiet;
} notify_settings;

LM_MUST_USE lm_status notify_settings_get(store_read *r, notify_settings *out, lm_errinfo *err);
/* Checks (eta_threshold_s 60..86400, each quiet row, depot ids unique) and stores inside tx with
 * a "notify.settings_saved" event. */
LM_MUST_USE lm_status notify_settings_put(store_tx *tx, const notify_settings *s, lm_errinfo *err);

/* The customer's choice per channel for the order behind a tracking token: opted out of e-mail
 * (at the order's address) and of SMS (at its phone). has_* false when the order has none. */
typedef struct notify_prefs {
    bool has_email, has_sms;
    bool email_off, sms_off;
} notify_prefs;

LM_MUST_USE lm_status notify_prefs_get(store_read *r, int64_t order_id, notify_prefs *out,
                                       lm_errinfo *err);
/* Sets the opt-outs of the order's customer inside tx (a channel whose *_set is false is left
 * as it is), with a "notify.optout_changed" event. LM_INVALID naming "email" / "sms" when the
 * order has no such address. */
typedef struct notify_prefs_change {
    bool email_set, email_off;
    bool sms_set, sms_off;
} notify_prefs_change;
LM_MUST_USE lm_status notify_prefs_put(store_tx *tx, int64_t order_id, const notify_prefs_change *c,
                                       int64_t now_ms, lm_errinfo *err);

#endif
