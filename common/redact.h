/* common/redact.h: secrets taken out of text that goes to logs. A request path may carry a
 * customer's tracking token (/v1/track/<token>) and a query string a device id (OsmAnd ?id=),
 * an API key or a token: a log line keeps enough to correlate (the first 4 characters of a long
 * value) and never the secret itself. */
#ifndef LASTMILE_COMMON_REDACT_H
#define LASTMILE_COMMON_REDACT_H

#include <stddef.h>

#define LM_REDACT_MARK "***"

/* Copies path (a request target: path and optional ?query) into out with the secrets replaced:
 * the segment after /v1/track/ or /track/, and the value of every query parameter named id,
 * deviceid, device_id, token, t, key, api_key, apikey, access_token, secret, password, sig or
 * signature (names case-insensitive). A replaced value keeps its first 4 characters when it is
 * 16 or longer, then LM_REDACT_MARK. Always NUL-terminates; a path too long for out is cut (never
 * in a way that shows more of a secret). Returns the length written. Pure: no allocation. */
size_t lm_redact_path(const char *path, char *out, size_t out_size);

#endif
