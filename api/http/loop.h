/* api/http/loop.h (lm_http-internal): a libmicrohttpd daemon's event loop on a thread of our own,
 * for the plain (OsmAnd) listener. The daemon is started without an internal thread, with
 * MHD_USE_EPOLL (and without MHD_USE_ITC: http__loop_wake replaces it); the loop waits on its
 * epoll descriptor and calls MHD_run, which never blocks. That is libmicrohttpd's epoll loop without 0.9.75's stall: its own blocking wait
 * repeats epoll_wait with the full timeout whenever exactly 128 events came (its batch), so 128
 * connections ready at once hang it for seconds (bench/results/http-epoll.md); MHD_run's wait has
 * no timeout. Against poll() it saves the scan of every connection on every wake-up
 * (bench/results/perf-positions.md, round 3). */
#ifndef LASTMILE_HTTP_LOOP_H
#define LASTMILE_HTTP_LOOP_H

#include "common/common.h"

#include <microhttpd.h>

typedef struct http__loop http__loop;

/* Starts the loop thread on d (borrowed: it must outlive http__loop_stop). LM_NOMEM,
 * LM_INTERNAL when d has no epoll descriptor or the thread cannot start. */
LM_MUST_USE lm_status http__loop_start(struct MHD_Daemon *d, http__loop **out);
/* After MHD_resume_connection from another thread: makes the loop run the daemon soon. One
 * write(2) per loop turn at most, however many connections are resumed meanwhile (the ITC
 * writes one per resume). Any thread. */
void http__loop_wake(http__loop *l);
/* MHD_quiesce_daemon between two runs of the loop, and closes the listening socket. */
void http__loop_quiesce(http__loop *l);
/* Stops and joins the loop thread and frees; the caller then stops the daemon. NULL-safe. */
void http__loop_stop(http__loop *l);

#endif
