/* cli/serve_node.h: `serve`'s place among several nodes sharing one PostgreSQL: leadership of the
 * once-only workers (common/leader.h) and the wake-up of this node's event streams by the others'
 * commits (store/store_cluster.h). With a SQLite file the node is alone and leads. */
#ifndef LASTMILE_CLI_SERVE_NODE_H
#define LASTMILE_CLI_SERVE_NODE_H

#include "api/api.h"
#include "dispatch/dispatch.h"

typedef struct serve_node serve_node;

/* Before the services start: on a postgresql:// db the node follows until the cluster thread
 * wins the lead (so no worker runs once-only work before it knows); CLI_OK or CLI_FAILED. */
int serve_node_start(const char *db, serve_node **out);
/* What the API announces this node's commits through (NULL when alone). */
struct store_cluster *serve_node_cluster(serve_node *n);
/* From now on, other nodes' commits wake srv's streams and webhook sender, and a change of lead
 * wakes disp's worker; NULLs detach them (before they stop). */
void serve_node_attach(serve_node *n, api_server *srv, dispatch *disp);
/* Steps down and frees; call once nothing can commit any more (the API server stopped), since
 * every commit announces through it. NULL-safe. */
void serve_node_stop(serve_node *n);

#endif
