/* feedback/text.c: the rule for free text customers and staff type (comments, subjects,
 * messages): bounded, valid UTF-8, no control characters. Markup is kept as plain characters. */
#include "feedback/feedback.h"

#include <string.h>

/* Length of the UTF-8 sequence at s (at most n bytes) and its code point, or 0 when invalid
 * (truncated, overlong, surrogate, above U+10FFFF). */
static size_t utf8_one(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

lm_status feedback_text_check(const char *text, size_t max_bytes, bool multiline, const char *field,
                              lm_errinfo *err) {
    if (!text) return LM_OK;
    size_t n = strnlen(text, max_bytes + 1);
    if (n > max_bytes)
        return lm_errinfo_set(err, LM_TOO_BIG, field, "%s is longer than %zu bytes", field,
                              max_bytes);
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t len = utf8_one(s + i, n - i, &cp);
        if (len == 0)
            return lm_errinfo_set(err, LM_INVALID, field, "%s is not valid UTF-8 at byte %zu",
                                  field, i);
        bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
        if (control && !(multiline && (cp == '\n' || cp == '\t')))
            return lm_errinfo_set(
                err, LM_INVALID, field, "%s holds control character U+%04X at byte %zu%s", field,
                (unsigned)cp, i, multiline ? " (only newlines and tabs are allowed)" : "");
        i += len;
    }
    return LM_OK;
}
