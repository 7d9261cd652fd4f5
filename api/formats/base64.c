/* api/formats/base64.c: base64 decoding (both alphabets, strict about padding) and encoding. */
#include "api/formats/base64.h"

static int b64val(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

static bool is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

lm_status fmt_base64_decode(const char *s, size_t len, const char *field, unsigned char *out,
                            size_t cap, size_t *n_out, lm_errinfo *err) {
    size_t n = 0, chars = 0, pad = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c)) continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64val(c);
        if (v < 0)
            return lm_errinfo_set(err, LM_INVALID, field,
                                  "is not base64: byte %zu is not in the base64 alphabet", i);
        if (pad)
            return lm_errinfo_set(err, LM_INVALID, field,
                                  "is not base64: padding '=' before byte %zu", i);
        chars++;
        acc = (acc << 6 | (uint32_t)v) & 0xFFFFFF; /* at most 3 bytes of bits are ever pending */
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == cap)
                return lm_errinfo_set(err, LM_TOO_BIG, field, "at most %zu bytes once decoded",
                                      cap);
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (chars % 4 == 1)
        return lm_errinfo_set(err, LM_INVALID, field,
                              "is not base64: it ends with a lone character (%zu in all)", chars);
    if (pad > 2 || (pad && (chars + pad) % 4))
        return lm_errinfo_set(err, LM_INVALID, field, "is not base64: %zu padding characters", pad);
    *n_out = n;
    return LM_OK;
}

size_t fmt_base64_encode(const unsigned char *in, size_t n, char *out) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? abc[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}
