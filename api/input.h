/* api/input.h (api-internal): the request body as a codec sees it, and the few one-field readers
 * handlers use on trivial bodies, as thin wrappers over the one family of JSON readers
 * (api/formats/json.h). Non-trivial bodies are decoded by codecs in api/formats/ (orders_json,
 * fleet_json, plan_json, config_json, driver_json). Errors are left in r->err, naming the field;
 * the return value is the code to answer with. */
#ifndef LASTMILE_API_INPUT_H
#define LASTMILE_API_INPUT_H

#include "api/formats/json.h"
#include "api/http/http.h"

/* The request's parsed body (r->json) made fit for a codec: no body is LM_OK when need is
 * optional (r->json stays NULL) and "body: is required" otherwise; the raw text must not hold a
 * NUL escape or a raw control byte inside a string (cJSON would hand over a string cut short);
 * the document must be an object. */
lm_status api__body(http_req *r, fmt_json_need need);
/* The same for a body that may be any JSON value (a bare array of positions): required, and
 * its text checked as above. */
lm_status api__body_any(http_req *r);
/* For a route that takes no body: none, or an empty object {} (what some clients send); any key
 * is refused, named, rather than silently ignored. */
lm_status api__no_body(http_req *r);
/* LM_OK if j is an object, else 400 on "body": "expected a JSON <what>". */
lm_status api__need_object(http_req *r, const cJSON *j, const char *what);
/* obj[key] as a string (UTF-8, no control characters) copied into dst (cap bytes with the NUL);
 * "" when absent or null. Errors name path (the field's full name, "collected.method"):
 * required and absent, not a string, not text, too long (413). */
lm_status api__json_str(http_req *r, const cJSON *obj, const char *key, const char *path, char *dst,
                        size_t cap, bool required);
/* obj[key] as a whole number in min..max, named path in errors; *present (may be NULL) says
 * whether it was there. */
lm_status api__json_int(http_req *r, const cJSON *obj, const char *key, const char *path,
                        int64_t min, int64_t max, bool required, int64_t *out, bool *present);
/* Refuses members of obj not in allowed[] (NULL-terminated), naming the first. */
lm_status api__only_keys(http_req *r, const cJSON *obj, const char *const *allowed);
/* The {id} path parameter as a positive integer. */
lm_status api__path_id(http_req *r, int64_t *id);

#endif
