/* api/formats/conf.h: the settings file of `lastmile serve --config FILE`: "name = value" lines,
 * '#' comment lines and blank lines. A pure reader: it checks the text and hands each setting to
 * the caller's function, which gives the value its meaning (cli/serve.c). */
#ifndef LASTMILE_FORMATS_CONF_H
#define LASTMILE_FORMATS_CONF_H

#include "common/common.h"

#define FMT_CONF_MAX_BYTES (64u << 10) /* a larger file is refused (LM_TOO_BIG) */
#define FMT_CONF_LINE_MAX  1024        /* bytes of one line, line break excluded */
#define FMT_CONF_MAX_KNOWN 64          /* settings one reader may know */

/* Called once per setting in file order with the trimmed name and value and the 1-based line.
 * A status other than LM_OK stops the reading; the callback sets err (its message gets the
 * "line N: " prefix). */
typedef lm_status (*fmt_conf_setting_fn)(void *ctx, const char *name, const char *value,
                                         size_t line, lm_errinfo *err);

/* Reads text[0..len) (no NUL needed; a UTF-8 byte order mark is skipped). Names must be in
 * known[] (NULL-terminated, at most FMT_CONF_MAX_KNOWN). Refusals, each LM_INVALID with err's
 * field the setting's name ("config" when there is none) and the message "line N: why": a line
 * without '=', a name that is not [a-z0-9_]+, an unknown name, a name set twice, a line longer
 * than FMT_CONF_LINE_MAX, a name or value that is not UTF-8 without control characters.
 * LM_TOO_BIG past FMT_CONF_MAX_BYTES. fn is called only for lines before the first refusal. */
LM_MUST_USE lm_status fmt_conf_parse(const char *text, size_t len, const char *const *known,
                                     fmt_conf_setting_fn fn, void *ctx, lm_errinfo *err);

#endif
