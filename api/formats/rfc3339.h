/* api/formats/rfc3339.h: RFC 3339 / ISO-8601 times, text <-> epoch, in the proleptic Gregorian
 * calendar with explicit offsets only (no time zone database, no locale, no global state).
 * Parsing checks the calendar (no 31 February, 29 February only in leap years) and the offset
 * (at most +-23:59); every function is pure and thread-safe. */
#ifndef LASTMILE_FORMATS_RFC3339_H
#define LASTMILE_FORMATS_RFC3339_H

#include "common/common.h"

#define FMT_TIME_RFC3339_LEN 32 /* buffer for fmt_time_format_rfc3339, NUL included */

/* Epoch seconds from "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM)" ('t' and 'z' also accepted;
 * fractions of a second are dropped, a leap second 60 counts as the next second). A time without
 * a zone is refused as ambiguous. Years 0000..9999. false (and *out untouched) on anything else. */
bool fmt_time_parse_rfc3339(const char *s, int64_t *out);

/* Epoch milliseconds from the forms the OsmAnd / Traccar clients send: the RFC 3339 form above
 * with its fraction kept (to the millisecond), a ' ' or '+' (an undecoded space) instead of 'T',
 * offsets written +HH, +HHMM or +HH:MM, and no zone at all read as UTC. Years 1970..9999, never
 * before the epoch nor after 9999-12-31T23:59:59Z. false (and *out untouched) on anything else. */
bool fmt_time_parse_lenient_ms(const char *s, int64_t *out);

/* Writes epoch_s as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into buf and returns buf; times before year 0000
 * or after 9999 are written as its first or last second. */
char *fmt_time_format_rfc3339(int64_t epoch_s, char buf[FMT_TIME_RFC3339_LEN]);

#endif
