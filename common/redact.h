/* common/redact.h: secrets taken out of text that goes to logs. A request path may carry a
 * customer's tracking token (/v1/track/<token>) and a query string a device id (OsmAnd ?id=),
 * an API key or a token: a log line keeps enough to correlate (the first 4 characters of a long
 * value) and never the secret itself. */
#ifndef LASTMILE_COMMON_REDACT_H
#define LASTMILE_COMMON_REDACT_H

#include <stddef.h>
#include <string.h>

#define LM_REDACT_MARK "***"

/* The length of the prefix ("/v1/track/" or "/track/") after which the first segment of path
 * (n bytes) is a secret, 0 when it has none. Inline: the log thread asks for every line. */
static inline size_t lm_redact_secret_prefix(const char *path, size_t n) {
    static const char track[] = "/v1/track/", short_track[] = "/track/";
    if (n >= sizeof track - 1 && !memcmp(path, track, sizeof track - 1)) return sizeof track - 1;
    if (n >= sizeof short_track - 1 && !memcmp(path, short_track, sizeof short_track - 1))
        return sizeof short_track - 1;
    return 0;
}

/* How many of a secret's n bytes stay in the clear before LM_REDACT_MARK. */
static inline size_t lm_redact_kept(size_t n) {
    return n >= 16 ? 4 : 0;
}

/* Copies path (a request target: path and optional ?query) into out with the secrets replaced:
 * the segment after /v1/track/ or /track/, and the value of every query parameter named id,
 * deviceid, device_id, token, t, key, api_key, apikey, access_token, secret, password, sig or
 * signature (names case-insensitive). A replaced value keeps its first 4 characters when it is
 * 16 or longer, then LM_REDACT_MARK. Always NUL-terminates; a path too long for out is cut (never
 * in a way that shows more of a secret). Returns the length written. Pure: no allocation. */
size_t lm_redact_path(const char *path, char *out, size_t out_size);

#endif
