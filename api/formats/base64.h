/* api/formats/base64.h: base64 (RFC 4648), the standard and the URL-safe alphabets, for uploaded
 * bytes carried in JSON (delivery proof images). Pure functions over caller buffers: nothing is
 * allocated, nothing kept. */
#ifndef LASTMILE_FORMATS_BASE64_H
#define LASTMILE_FORMATS_BASE64_H

#include "common/common.h"

/* Bytes that decoding len characters can produce at most (a buffer of this size always fits). */
static inline size_t fmt_base64_decoded_max(size_t len) {
    return len / 4 * 3 + 3;
}
/* Characters (NUL excluded) that encoding n bytes writes: 4 per started group of 3. */
static inline size_t fmt_base64_encoded_len(size_t n) {
    return (n + 2) / 3 * 4;
}

/* Decodes s[0..len) into out[0..cap): either alphabet ('+' '/' or '-' '_', even mixed), padding
 * '=' optional but only at the end (at most two), whitespace (space, tab, CR, LF) skipped. *n_out
 * gets the byte count. LM_INVALID with err at field for any other byte, padding inside the text
 * or a lone final character (6 bits are no byte); LM_TOO_BIG ("at most cap bytes once decoded")
 * when the bytes do not fit in cap. out and *n_out are untouched on failure only as far as *n_out
 * goes: out may have been written. */
LM_MUST_USE lm_status fmt_base64_decode(const char *s, size_t len, const char *field,
                                        unsigned char *out, size_t cap, size_t *n_out,
                                        lm_errinfo *err);

/* Encodes in[0..n) with the standard alphabet and padding into out, which holds at least
 * fmt_base64_encoded_len(n) + 1 bytes; NUL-terminates it and returns the length. */
size_t fmt_base64_encode(const unsigned char *in, size_t n, char *out);

#endif
