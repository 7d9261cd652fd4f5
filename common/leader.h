/* common/leader.h: whether this process leads its deployment: runs the workers that must run
 * once for all nodes sharing a database (dispatch solves, re-plans and ticks; the webhook,
 * notification and feedback senders). A lone node (SQLite) always leads; with PostgreSQL the
 * cluster thread (store/store_cluster.h) sets it as the advisory lock is won or lost. One flag per
 * process, because leadership belongs to the node, not to any one module. */
#ifndef LASTMILE_COMMON_LEADER_H
#define LASTMILE_COMMON_LEADER_H

#include <stdbool.h>

/* Sets whether this process leads (true at start). Any thread. */
void lm_leader_set(bool leading);
/* Whether this process leads now; workers check it before each round of once-only work. */
bool lm_leader(void);

#endif
