/* api/input.h (api-internal): reading a request's JSON (api/input.c). Each reader names the
 * field it rejects (r->err.field) and returns the code to answer with; strings are copied into
 * the caller's buffers. */
#ifndef LASTMILE_API_INPUT_H
#define LASTMILE_API_INPUT_H

#include "api/http/http.h"

/* LM_OK if j is an object, else 400 on "body": "expected a JSON <what>". */
lm_status api__need_object(http_req *r, const cJSON *j, const char *what);
/* obj[key] as a string copied into dst (cap bytes with the NUL); "" when absent or null.
 * Errors name path: required and absent, not a string, too long (413). */
lm_status api__json_str(http_req *r, const cJSON *obj, const char *key, const char *path, char *dst,
                        size_t cap, bool required);
/* obj[key] as a whole number in min..max; *present (may be NULL) says whether it was there. */
lm_status api__json_int(http_req *r, const cJSON *obj, const char *key, const char *path,
                        int64_t min, int64_t max, bool required, int64_t *out, bool *present);
/* The {id} path parameter as a positive integer. */
lm_status api__path_id(http_req *r, int64_t *id);
/* Vehicles and plans: o[key] as a number in min..max; *present says whether it was there. */
lm_status api__json_number(http_req *r, const cJSON *o, const char *key, double min, double max,
                           double *out, bool *present);
/* Vehicles and plans: o[key] as an integer in min..max; untouched when absent. */
lm_status api__json_whole(http_req *r, const cJSON *o, const char *key, int64_t min, int64_t max,
                          int64_t *out);
/* v as [start, end] seconds after midnight, 0 <= start <= end <= 172800. */
lm_status api__json_window(http_req *r, const cJSON *v, const char *field, int64_t *a, int64_t *b);
/* o[key] if it is a string, else NULL (no error: the caller decides). */
const char *api__json_get_str(const cJSON *o, const char *key);

#endif
