/* tests/formats/case_file.h: codec test cases as data files (curl's tests/data way). One case is
 * one file tests/data/<area>/<name>.case:
 *
 *   # comment lines start with '#'
 *   what: a sentence saying what the case proves
 *   status: invalid            expected lm_status_name ("ok" for success)
 *   field: jobs[1].id          expected err.field, exact ("field:" alone for "")
 *   reason: duplicate id       a substring the error message must hold
 *   check: n = 2               format-specific checks on the result (repeatable)
 *   <other headers>            format-specific inputs (query:, content-type:, format:, ...)
 *   --- input
 *   the input bytes, to the end of the file (one final newline is dropped)
 *
 * A driver lists an area's cases, runs each through its codec and reports every failing case
 * with both operands; adding a case means adding a file. */
#ifndef LASTMILE_TESTS_CASE_FILE_H
#define LASTMILE_TESTS_CASE_FILE_H

#include "common/common.h"

#define TC_MAX_HEADERS 64

typedef struct tc_header {
    const char *key, *value;
} tc_header;

typedef struct tc_case {
    char path[512];
    const char *name; /* file name inside path */
    char *text;       /* the whole file (headers cut in place) */
    tc_header hdr[TC_MAX_HEADERS];
    size_t n_hdr;
    const char *input; /* the bytes after "--- input" */
    size_t input_len;
} tc_case;

/* The sorted paths of the .case files in tests/data/<area>/ under $LASTMILE_SOURCE_DIR (default
 * "."): *paths is an lm_alloc'd array of lm_alloc'd strings (tc_paths_free). Returns the count (0
 * if none). */
size_t tc_list(const char *area, char ***paths);
void tc_paths_free(char **paths, size_t n);

/* Reads and splits one case file; false (with a message on stderr) when it is malformed. */
bool tc_load(const char *path, tc_case *c);
void tc_free(tc_case *c);

/* The first header named key, or NULL. */
const char *tc_get(const tc_case *c, const char *key);

/* Checks st and err against the case's status / field / reason; on a mismatch writes why into
 * why[size] and returns false. */
bool tc_check_error(const tc_case *c, lm_status st, const lm_errinfo *err, char *why, size_t size);

/* Splits a "lhs = rhs" check into its two trimmed sides (in buf; "lhs =" has an empty rhs);
 * false when there is no " = ". */
bool tc_split_check(const char *check, char *buf, size_t size, const char **lhs, const char **rhs);

/* The "check: field = text" headers of a case against what a driver decoded: text(ctx, field,
 * out, size) renders one field (false: no such field). In order, stopping at the first check
 * that fails, which why names (no " = ", unknown field, or got / want). */
typedef bool (*tc_field_fn)(const void *ctx, const char *field, char *out, size_t size);
bool tc_field_checks(const tc_case *c, tc_field_fn text, const void *ctx, char *why, size_t size);

/* One case of an area through a driver's codec: true when it held, else why says how it failed. */
typedef bool (*tc_run_fn)(const tc_case *c, char *why, size_t size);

/* The whole of a driver's main: runs every case of tests/data/<area>/ through run, reports each
 * failing case on stderr and a count on stdout; returns the exit status (1 when a case failed or
 * the area has none). */
int tc_main(const char *area, tc_run_fn run);

/* Compares a double with an expected text: "nan", or a number within 1e-9 (relative). */
bool tc_same_double(double got, const char *want);

#endif
