/* events/signature.c: the webhook signature (events/webhooks.h), Stripe's scheme: the HMAC
 * covers "<timestamp>.<body>" and the timestamp travels in the header, so a receiver that checks
 * it against its clock refuses a delivery captured and replayed later. */
#include "events/webhooks.h"

#include "common/sha256.h"

#include <stdio.h>
#include <string.h>

static void mac_hex(const char *secret, int64_t t_s, const void *body, size_t body_len,
                    char hex[2 * LM_SHA256_LEN + 1]) {
    /* HMAC over "t.body" without copying the body: the inner hash is fed in two parts */
    char prefix[32];
    int pn = snprintf(prefix, sizeof prefix, "%lld.", (long long)t_s);
    uint8_t key[64] = {0}, ipad[64], opad[64], inner[LM_SHA256_LEN], mac[LM_SHA256_LEN];
    size_t kn = strlen(secret);
    if (kn > sizeof key)
        lm_sha256(secret, kn, key);
    else
        memcpy(key, secret, kn);
    for (size_t i = 0; i < 64; i++) {
        ipad[i] = key[i] ^ 0x36;
        opad[i] = key[i] ^ 0x5c;
    }
    lm_sha256_ctx c;
    lm_sha256_init(&c);
    lm_sha256_update(&c, ipad, sizeof ipad);
    lm_sha256_update(&c, prefix, (size_t)pn);
    lm_sha256_update(&c, body, body_len);
    lm_sha256_final(&c, inner);
    lm_sha256_init(&c);
    lm_sha256_update(&c, opad, sizeof opad);
    lm_sha256_update(&c, inner, sizeof inner);
    lm_sha256_final(&c, mac);
    lm_hex_encode(mac, sizeof mac, hex);
}

void events_signature_make(const char *secret, int64_t t_s, const void *body, size_t body_len,
                           char out[EVENTS_SIG_HEADER_MAX]) {
    char hex[2 * LM_SHA256_LEN + 1];
    mac_hex(secret, t_s, body, body_len, hex);
    snprintf(out, EVENTS_SIG_HEADER_MAX, "t=%lld,v1=%s", (long long)t_s, hex);
}

lm_status events_signature_verify(const char *secret, const char *header, const void *body,
                                  size_t body_len, int64_t now_s, int64_t tolerance_s,
                                  lm_errinfo *err) {
    const char *field = "X-Lastmile-Signature";
    if (!header || !*header)
        return lm_errinfo_set(err, LM_UNAUTHORIZED, field, "no signature header");
    int64_t t = -1;
    const char *v1[8];
    size_t n_v1 = 0;
    /* "t=..,v1=..[,v1=..]": several v1 entries let a receiver accept either of two secrets while
     * it rotates them; unknown schemes are ignored, as Stripe's verifiers do */
    for (const char *p = header; *p;) {
        size_t n = strcspn(p, ",");
        if (n > 2 && !strncmp(p, "t=", 2)) {
            char digits[24];
            if (n - 2 >= sizeof digits || t >= 0)
                return lm_errinfo_set(err, LM_UNAUTHORIZED, field, "malformed timestamp");
            memcpy(digits, p + 2, n - 2);
            digits[n - 2] = '\0';
            if (!lm_parse_i64(digits, 0, INT64_MAX / 2, &t))
                return lm_errinfo_set(err, LM_UNAUTHORIZED, field, "malformed timestamp");
        } else if (n == 3 + 2 * LM_SHA256_LEN && !strncmp(p, "v1=", 3) &&
                   n_v1 < sizeof v1 / sizeof v1[0]) {
            v1[n_v1++] = p + 3;
        }
        p += n;
        if (*p == ',') p++;
    }
    if (t < 0) return lm_errinfo_set(err, LM_UNAUTHORIZED, field, "no t= timestamp");
    if (n_v1 == 0) return lm_errinfo_set(err, LM_UNAUTHORIZED, field, "no v1= signature");
    if (t < now_s - tolerance_s)
        return lm_errinfo_set(err, LM_UNAUTHORIZED, field,
                              "timestamp %lld is %lld s old, beyond the %lld s tolerance "
                              "(a replay?)",
                              (long long)t, (long long)(now_s - t), (long long)tolerance_s);
    if (t > now_s + tolerance_s)
        return lm_errinfo_set(err, LM_UNAUTHORIZED, field,
                              "timestamp %lld is %lld s in the future, beyond the %lld s "
                              "tolerance",
                              (long long)t, (long long)(t - now_s), (long long)tolerance_s);
    char want[2 * LM_SHA256_LEN + 1];
    mac_hex(secret, t, body, body_len, want);
    bool match = false;
    for (size_t i = 0; i < n_v1; i++)
        match |= lm_ct_equal(v1[i], want, 2 * LM_SHA256_LEN);
    if (!match)
        return lm_errinfo_set(err, LM_UNAUTHORIZED, field,
                              "signature does not match this body and timestamp");
    return LM_OK;
}
