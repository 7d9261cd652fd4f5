/* notify/sms.c: one SMS through the operator's HTTP gateway in the shape most providers take: a
 * POST of to / from / body, as a form (Twilio's To=&From=&Body=) or as JSON, authenticated by
 * the URL's credentials (HTTP Basic) or a configured Authorization header. A 2xx is sent; a 4xx
 * other than 408/429 is final (the provider refused this message); anything else is retried. */
#include "notify/internal.h"

#include <stdio.h>
#include <string.h>

#define REPLY_MAX 4096

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud) {
    (void)ptr;
    size_t *seen = ud;
    *seen += size * nmemb;
    return *seen > REPLY_MAX ? 0 : size * nmemb;
}

/* Appends s form-encoded (RFC 3986 unreserved kept, everything else %XX). */
static lm_status form_value(lm_buf *b, const char *s) {
    lm_status rc = LM_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && rc == LM_OK; p++) {
        bool keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~';
        rc = keep ? lm_buf_append(b, p, 1) : lm_buf_printf(b, "%%%02X", *p);
    }
    return rc;
}

static lm_status body_build(const notify *n, const store_nt_message *m, lm_buf *b) {
    const char *from = n->sms_from ? n->sms_from : "";
    lm_status rc;
    if (n->sms_format == NOTIFY_SMS_JSON) {
        rc = lm_buf_append(b, "{\"to\":", 6);
        if (rc == LM_OK) rc = lm_buf_json_str(b, m->address);
        if (rc == LM_OK) rc = lm_buf_append(b, ",\"from\":", 8);
        if (rc == LM_OK) rc = lm_buf_json_str(b, from);
        if (rc == LM_OK) rc = lm_buf_append(b, ",\"body\":", 8);
        if (rc == LM_OK) rc = lm_buf_json_str(b, m->body);
        return rc == LM_OK ? lm_buf_append(b, "}", 1) : rc;
    }
    rc = lm_buf_append(b, "To=", 3);
    if (rc == LM_OK) rc = form_value(b, m->address);
    if (rc == LM_OK) rc = lm_buf_append(b, "&From=", 6);
    if (rc == LM_OK) rc = form_value(b, from);
    if (rc == LM_OK) rc = lm_buf_append(b, "&Body=", 6);
    if (rc == LM_OK) rc = form_value(b, m->body);
    return rc;
}

static struct curl_slist *headers_build(const notify *n) {
    struct curl_slist *h = curl_slist_append(NULL, n->sms_format == NOTIFY_SMS_JSON
                                                       ? "Content-Type: application/json"
                                                       : "Content-Type: "
                                                         "application/x-www-form-urlencoded");
    struct curl_slist *more = h ? curl_slist_append(h, "Expect:") : NULL;
    if (more && n->sms_auth) {
        char line[1100];
        snprintf(line, sizeof line, "Authorization: %s", n->sms_auth);
        more = curl_slist_append(more, line);
        memset(line, 0, sizeof line);
    }
    if (!more) curl_slist_free_all(h);
    return more;
}

void notify__sms_send(notify *n, const store_nt_message *m, notify__outcome *out) {
    memset(out, 0, sizeof *out);
    if (!n->sms.on) {
        out->permanent = true;
        snprintf(out->why, sizeof out->why, "SMS is not configured on this server");
        return;
    }
    notify__check check = {.halt = &n->halt};
    lm_errinfo e;
    lm_errinfo_clear(&e);
    lm_status rc = notify__dest_resolve(&n->guard, &n->sms, "sms_url", &check.addr, &e);
    if (rc != LM_OK) {
        out->permanent = rc == LM_INVALID;
        snprintf(out->why, sizeof out->why, "%s", e.message);
        return;
    }
    lm_buf b;
    lm_buf_init(&b, STORE_NT_TEXT_MAX * 3 + 1024);
    struct curl_slist *pin = NULL, *hdr = NULL;
    if (body_build(n, m, &b) != LM_OK || !(hdr = headers_build(n)) ||
        notify__curl_setup(n->curl, &n->sms, n->timeout_ms, &check, &pin) != LM_OK) {
        snprintf(out->why, sizeof out->why, "out of memory");
        goto done;
    }
    CURL *c = n->curl;
    size_t seen = 0;
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, b.data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)b.len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &seen);
    char user[256] = "", pass[256] = "";
    notify__userinfo(&n->sms, user, sizeof user, pass, sizeof pass);
    if (user[0]) {
        curl_easy_setopt(c, CURLOPT_USERNAME, user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    }
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_reset(c);
    memset(pass, 0, sizeof pass);
    if (check.refused) {
        out->permanent = true;
        snprintf(out->why, sizeof out->why,
                 "refused: the connection was not to the checked address");
    } else if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && status >= 200 && status < 300)) {
        snprintf(out->why, sizeof out->why, "SMS gateway: %s", curl_easy_strerror(cc));
    } else if (status < 200 || status >= 300) {
        out->permanent = status >= 400 && status < 500 && status != 408 && status != 429;
        snprintf(out->why, sizeof out->why, "SMS gateway: HTTP %ld", status);
    } else {
        out->ok = true;
    }
done:
    curl_slist_free_all(hdr);
    curl_slist_free_all(pin);
    lm_buf_free(&b);
}
