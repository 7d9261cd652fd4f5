/* notify/smtp.c: one e-mail over SMTP through libcurl: a plain-text UTF-8 message (RFC 5322
 * headers, the subject RFC 2047-encoded when it is not ASCII, CRLF lines), STARTTLS when the
 * server offers it on smtp://, TLS from the start on smtps://, AUTH when credentials are set. */
#include "notify/internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* An address curl puts in MAIL FROM / RCPT TO and we put in a header: printable ASCII without
 * spaces or angle brackets, one '@' with text either side. */
static bool address_ok(const char *a) {
    const char *at = strchr(a, '@');
    if (!at || at == a || !at[1] || strchr(at + 1, '@')) return false;
    for (const char *p = a; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '<' || *p == '>' ||
            *p == '(' || *p == ')' || *p == ',' || *p == ';' || *p == '"' || *p == '\\')
            return false;
    return true;
}

/* The Subject header value: as it is when ASCII, else one RFC 2047 Q-encoded word. */
static lm_status subject_header(lm_buf *b, const char *s) {
    bool ascii = true;
    for (const char *p = s; *p; p++)
        ascii &= (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f;
    if (ascii) return lm_buf_printf(b, "Subject: %s\r\n", s);
    lm_status rc = lm_buf_append(b, "Subject: =?UTF-8?Q?", 19);
    for (const unsigned char *p = (const unsigned char *)s; *p && rc == LM_OK; p++) {
        if (*p == ' ')
            rc = lm_buf_append(b, "_", 1);
        else if (*p < 0x20 || *p >= 0x7f || *p == '=' || *p == '?' || *p == '_')
            rc = lm_buf_printf(b, "=%02X", *p);
        else
            rc = lm_buf_append(b, p, 1);
    }
    return rc == LM_OK ? lm_buf_append(b, "?=\r\n", 4) : rc;
}

static lm_status message_build(const notify *n, const store_nt_message *m, lm_buf *b) {
    char date[64];
    time_t t = (time_t)(n->now_ms() / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    const char *domain = strchr(n->mail_from, '@') + 1;
    lm_status rc = lm_buf_printf(b,
                                 "From: %s\r\nTo: %s\r\nDate: %s\r\n"
                                 "Message-ID: <notification-%lld@%s>\r\n",
                                 n->mail_from, m->address, date, (long long)m->id, domain);
    if (rc == LM_OK) rc = subject_header(b, m->subject);
    if (rc == LM_OK)
        rc = lm_buf_printf(b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                              "Content-Transfer-Encoding: 8bit\r\n"
                              "Auto-Submitted: auto-generated\r\n\r\n");
    /* LF -> CRLF; curl escapes a line starting with '.' itself */
    for (const char *p = m->body; *p && rc == LM_OK; p++)
        rc = *p == '\n' ? lm_buf_append(b, "\r\n", 2) : lm_buf_append(b, p, 1);
    if (rc == LM_OK && b->len >= 2 && memcmp(b->data + b->len - 2, "\r\n", 2))
        rc = lm_buf_append(b, "\r\n", 2);
    return rc;
}

typedef struct upload {
    const char *data;
    size_t len, at;
} upload;

static size_t read_message(char *buf, size_t size, size_t nitems, void *ud) {
    upload *u = ud;
    size_t room = size * nitems, left = u->len - u->at;
    size_t k = left < room ? left : room;
    memcpy(buf, u->data + u->at, k);
    u->at += k;
    return k;
}

void notify__smtp_send(notify *n, const store_nt_message *m, notify__outcome *out) {
    memset(out, 0, sizeof *out);
    if (!n->smtp.on) {
        out->permanent = true;
        snprintf(out->why, sizeof out->why, "e-mail is not configured on this server");
        return;
    }
    if (!address_ok(m->address)) {
        out->permanent = true;
        snprintf(out->why, sizeof out->why, "not a deliverable e-mail address");
        return;
    }
    notify__check check = {.halt = &n->halt};
    lm_errinfo e;
    lm_errinfo_clear(&e);
    lm_status rc = notify__dest_resolve(&n->guard, &n->smtp, "smtp_url", &check.addr, &e);
    if (rc != LM_OK) {
        out->permanent = rc == LM_INVALID;
        snprintf(out->why, sizeof out->why, "%s", e.message);
        return;
    }
    lm_buf b;
    lm_buf_init(&b, STORE_NT_TEXT_MAX * 2 + 4096);
    struct curl_slist *pin = NULL, *rcpt = NULL;
    char from[STORE_NT_ADDR_MAX + 3], to[STORE_NT_ADDR_MAX + 3];
    snprintf(from, sizeof from, "<%s>", n->mail_from);
    snprintf(to, sizeof to, "<%s>", m->address);
    if (message_build(n, m, &b) != LM_OK || !(rcpt = curl_slist_append(NULL, to)) ||
        notify__curl_setup(n->curl, &n->smtp, n->timeout_ms, &check, &pin) != LM_OK) {
        snprintf(out->why, sizeof out->why, "out of memory");
        goto done;
    }
    upload u = {b.data, b.len, 0};
    CURL *c = n->curl;
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)b.len);
    if (!n->smtp.tls) curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    char user[256] = "", pass[256] = "";
    notify__userinfo(&n->smtp, user, sizeof user, pass, sizeof pass);
    if (n->smtp_user) lm_strlcpy(user, n->smtp_user, sizeof user);
    if (n->smtp_password) lm_strlcpy(pass, n->smtp_password, sizeof pass);
    if (user[0]) {
        curl_easy_setopt(c, CURLOPT_USERNAME, user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
    }
    CURLcode cc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_reset(c); /* the credentials do not stay in the handle */
    memset(pass, 0, sizeof pass);
    if (check.refused) {
        out->permanent = true;
        snprintf(out->why, sizeof out->why,
                 "refused: the connection was not to the checked address");
    } else if (cc != CURLE_OK) {
        /* a 5xx to the recipient is final; anything else (4xx, network) may pass later */
        out->permanent = code >= 500 && code < 600;
        if (code)
            snprintf(out->why, sizeof out->why, "SMTP: %s (reply %ld)", curl_easy_strerror(cc),
                     code);
        else
            snprintf(out->why, sizeof out->why, "SMTP: %s", curl_easy_strerror(cc));
    } else {
        out->ok = true;
    }
done:
    curl_slist_free_all(rcpt);
    curl_slist_free_all(pin);
    lm_buf_free(&b);
}
