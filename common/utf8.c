/* common/utf8.c: UTF-8 validation (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF)
 * and the scrubbing that keeps error texts printable whatever bytes an input quoted into them. */
#include "common/common.h"

#include <string.h>

/* The length of the valid sequence at s (at most avail bytes), or 0 when it is not one. */
static size_t seq_len(const unsigned char *s, size_t avail) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4) || avail < n) return 0;
    for (size_t k = 1; k < n; k++)
        if ((s[k] & 0xC0) != 0x80) return 0;
    /* overlong 3- and 4-byte forms, UTF-16 surrogates, beyond U+10FFFF */
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

static bool is_control(unsigned char c) {
    return c < 0x20 || c == 0x7f;
}

bool lm_utf8_valid(const char *str, size_t len, const char *controls) {
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < len;) {
        size_t n = seq_len(s + i, len - i);
        if (n == 0) return false;
        if (n == 1 && is_control(s[i]) && controls && (!s[i] || !strchr(controls, s[i])))
            return false;
        i += n;
    }
    return true;
}

void lm_utf8_scrub(char *str) {
    unsigned char *s = (unsigned char *)str;
    size_t len = 0;
    while (s[len])
        len++;
    for (size_t i = 0; i < len;) {
        size_t n = seq_len(s + i, len - i);
        if (n == 0 || (n == 1 && is_control(s[i]))) {
            s[i++] = '?';
            continue;
        }
        i += n;
    }
}
