/* tests/support/test_day.h: the local day a scenario plans on, placed so that it is noon when the
 * suite starts. A suite that planned on the UTC day had minutes of day left when it ran at 23:50
 * UTC, and its routes ran past the windows' end; with dispatch's utc_offset_s set to the offset
 * this returns, local time is noon whatever the hour, and the day has twelve hours left. */
#ifndef LASTMILE_TESTS_TEST_DAY_H
#define LASTMILE_TESTS_TEST_DAY_H

#include <stdint.h>
#include <time.h>

/* The start (UTC seconds) of the local day; *utc_offset_s: the dispatch_opts.utc_offset_s that
 * makes it so (within the +-12 h a real zone has). */
static inline int64_t test_day_at_noon(int64_t *utc_offset_s) {
    int64_t now = (int64_t)time(NULL); /* timing-ok: the day's placement, no bound */
    *utc_offset_s = 12 * 3600 - now % 86400;
    return now - 12 * 3600;
}

#endif
