/* store: persistence of notify/'s customer notifications: the message templates, per-customer
 * opt-outs, quiet hours per depot, the ETA last told to each customer, and the outbox that is
 * also the log (one row per message, whatever became of it). Plain records; notify/ owns every
 * rule around them (placeholders, quiet hours, retries).
 * Ownership: lists are allocated here and lm_free'd by the caller; records passed in are only
 * read. Writes take a store_tx (the caller commits); reads a store_read (store_tx_read inside a
 * tx). */
#ifndef LASTMILE_STORE_NOTIFY_H
#define LASTMILE_STORE_NOTIFY_H

#include "store/store.h"

#define STORE_NT_SUBJECT_MAX 200  /* e-mail subject template, bytes */
#define STORE_NT_BODY_MAX    2000 /* message template, bytes */
#define STORE_NT_TEXT_MAX    4000 /* a rendered body, bytes */
#define STORE_NT_ADDR_MAX    254  /* e-mail address or phone number, bytes */
#define STORE_NT_ERROR_MAX   255  /* last delivery error, bytes */
#define STORE_NT_TZ_MAX      128  /* POSIX TZ rule or IANA zone name, bytes */

/* A template stored by an operator (the built-in defaults are not stored). */
typedef struct store_nt_template {
    char kind[24];   /* notify kind name */
    char channel[8]; /* "email" | "sms" */
    char subject[STORE_NT_SUBJECT_MAX + 1];
    char body[STORE_NT_BODY_MAX + 1];
    int64_t updated_ms;
} store_nt_template;

/* Quiet hours of one depot ("*" = every depot without its own row): no message leaves between
 * start_min and end_min local time (minutes after midnight; start > end spans midnight). */
typedef struct store_nt_quiet {
    char depot_id[65];
    char tz[STORE_NT_TZ_MAX + 1];
    int32_t start_min, end_min;
} store_nt_quiet;

/* One message: queued, deferred (quiet hours), retrying, sent, failed or suppressed (opt-out). */
typedef struct store_nt_message {
    int64_t id;
    int64_t order_id;
    char kind[24];
    char channel[8];
    char address[STORE_NT_ADDR_MAX + 1];
    char subject[STORE_NT_SUBJECT_MAX * 2 + 1];
    char body[STORE_NT_TEXT_MAX + 1];
    char status[12];
    int32_t attempts;
    int64_t due_ms; /* not sent before this */
    int64_t created_ms, sent_ms;
    char last_error[STORE_NT_ERROR_MAX + 1];
    int64_t event_seq; /* the event that caused it */
    char dedupe[128];  /* unique: one message per (kind, channel, order, occasion) */
} store_nt_message;

typedef struct store_nt_filter {
    int64_t order_id;    /* > 0: of this order */
    const char *status;  /* non-NULL: in this status */
    const char *channel; /* non-NULL: on this channel */
    const char *kind;    /* non-NULL: of this kind */
    int64_t after_id;    /* keyset pagination */
    size_t limit;        /* 1..1000 */
} store_nt_filter;

/* ---- Templates ---- */

/* Inserts or replaces the template of (t->kind, t->channel). */
LM_MUST_USE lm_status store_nt_template_put(store_tx *tx, const store_nt_template *t,
                                            lm_errinfo *err);
/* LM_NOT_FOUND when none is stored for (kind, channel). */
LM_MUST_USE lm_status store_nt_template_get(store_read *r, const char *kind, const char *channel,
                                            store_nt_template *out, lm_errinfo *err);

/* ---- Opt-outs (channel, normalised address) ---- */

/* Records (out = true) or lifts (false) the opt-out of address on channel. */
LM_MUST_USE lm_status store_nt_optout_set(store_tx *tx, const char *channel, const char *address,
                                          bool out, int64_t now_ms, lm_errinfo *err);
LM_MUST_USE lm_status store_nt_optout_has(store_read *r, const char *channel, const char *address,
                                          bool *out, lm_errinfo *err);

/* ---- Quiet hours ---- */

/* Replaces every row by q[0..n) (n = 0: no quiet hours anywhere). */
LM_MUST_USE lm_status store_nt_quiet_replace(store_tx *tx, const store_nt_quiet *q, size_t n,
                                             lm_errinfo *err);
/* Every row ordered by depot id; *out lm_free'd by the caller (NULL when none). */
LM_MUST_USE lm_status store_nt_quiet_list(store_read *r, store_nt_quiet **out, size_t *n,
                                          lm_errinfo *err);

/* ---- The ETA last told to a customer ---- */

/* *found false (and *eta_s untouched) when none was told. */
LM_MUST_USE lm_status store_nt_eta_get(store_read *r, int64_t order_id, int64_t *eta_s, bool *found,
                                       lm_errinfo *err);
LM_MUST_USE lm_status store_nt_eta_put(store_tx *tx, int64_t order_id, int64_t eta_s,
                                       lm_errinfo *err);

/* The seq of the last event in the log (0 when empty): where a new reader starts. */
LM_MUST_USE lm_status store_nt_events_last(store_read *r, int64_t *seq, lm_errinfo *err);

/* ---- Messages (the outbox and the log) ---- */

/* Inserts m (id ignored) unless a message with m->dedupe exists: *id is the new row's id, or 0
 * when it was a duplicate (nothing inserted). */
LM_MUST_USE lm_status store_nt_message_add(store_tx *tx, const store_nt_message *m, int64_t *id,
                                           lm_errinfo *err);
/* Updates status, attempts, due_ms, sent_ms and last_error of message m->id. */
LM_MUST_USE lm_status store_nt_message_update(store_tx *tx, const store_nt_message *m,
                                              lm_errinfo *err);
LM_MUST_USE lm_status store_nt_message_get(store_read *r, int64_t id, store_nt_message *out,
                                           lm_errinfo *err);
/* Ids of messages waiting (queued, deferred, retrying) with due_ms <= now_ms, soonest first, at
 * most max. *out lm_free'd by the caller. */
LM_MUST_USE lm_status store_nt_message_due(store_read *r, int64_t now_ms, size_t max, int64_t **out,
                                           size_t *n, lm_errinfo *err);
/* Messages matching f, by id. *out lm_free'd by the caller (NULL when none). */
LM_MUST_USE lm_status store_nt_message_list(store_read *r, const store_nt_filter *f,
                                            store_nt_message **out, size_t *n, lm_errinfo *err);

#endif
