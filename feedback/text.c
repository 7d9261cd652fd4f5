/* feedback/text.c: the rule for free text customers and staff type (comments, subjects,
 * messages): bounded, valid UTF-8, no control characters. Markup is kept as plain characters. */
#include "feedback/feedback.h"

#include <string.h>

lm_status feedback_text_check(const char *text, size_t max_bytes, bool multiline, const char *field,
                              lm_errinfo *err) {
    if (!text) return LM_OK;
    size_t n = strnlen(text, max_bytes + 1);
    if (n > max_bytes)
        return lm_errinfo_set(err, LM_TOO_BIG, field, "%s is longer than %zu bytes", field,
                              max_bytes);
    /* validity from the project's one decoder; then the controls it leaves to the caller */
    if (!lm_utf8_valid(text, n, NULL))
        return lm_errinfo_set(err, LM_INVALID, field, "%s is not valid UTF-8", field);
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n; i++) {
        /* ASCII controls are single bytes; C1 controls (U+0080..U+009F) are C2 80..C2 9F. 0xC2
         * is never a continuation byte, and continuation bytes never look like ASCII. */
        unsigned cp = s[i];
        if (cp >= 0x80) {
            if (cp != 0xC2 || i + 1 >= n || s[i + 1] > 0x9F) continue;
            cp = s[i + 1];
        }
        bool control = cp < 0x20 || cp == 0x7F || cp >= 0x80;
        if (control && !(multiline && (cp == '\n' || cp == '\t')))
            return lm_errinfo_set(err, LM_INVALID, field,
                                  "%s holds control character U+%04X at byte %zu%s", field, cp, i,
                                  multiline ? " (only newlines and tabs are allowed)" : "");
    }
    return LM_OK;
}
