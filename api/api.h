/* api: the edge. The HTTP server and its handlers; the framework is api/http/, the codecs are in
 * api/formats/. */
#ifndef LASTMILE_API_H
#define LASTMILE_API_H

#include "common/common.h"

/* Version of the HTTP library (a static string). */
const char *api_mhd_version(void);

/* ==== HTTP server (api/server.c): libmicrohttpd, the route table of api/routes.c ====
 *
 * api_server_start serves the route table on a libmicrohttpd daemon (internal polling thread with
 * epoll, optionally a thread pool) until api_server_stop. The store is borrowed: it must outlive
 * the server, and the caller closes it after api_server_stop. */

#include "store/store.h"

typedef struct api_server api_server;

/* OpenStreetMap's standard tiles and the attribution their tile usage policy asks for. */
#define API_TILES_DEFAULT     "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#define API_TILES_ATTRIBUTION "&copy; OpenStreetMap contributors"

typedef struct api_server_opts {
    const char *bind_addr;  /* IPv4 address to listen on; default "127.0.0.1" */
    uint16_t port;          /* 0 = any free port (see api_server_port); default 8080 */
    unsigned threads;       /* worker threads (1 = the polling thread itself); default 2 */
    size_t max_body_bytes;  /* larger request bodies get 413; default 1 MiB */
    const char *web_root;   /* directory served under / for GET; NULL = none; default NULL */
    int log_fd;             /* one JSON line per request is written here; -1 = none; default 2 */
    const char *log_level;  /* "debug", "info", "warn", "error", "off"; NULL = "info" */
    const char *log_routes; /* per-route levels (docs/logging.md); NULL = none */
    unsigned log_sample;    /* one in N info access lines per route; 0 or 1 = all */
    enum {
        API_LOOP_POLL,  /* poll(): the default (api/http/server.c says why not epoll) */
        API_LOOP_EPOLL, /* epoll: faster below 128 connections per thread, stalls at 128+ */
    } event_loop;
    /* Live tracking: the driver API, OsmAnd, tracking pages, SSE and webhooks. */
    struct dispatch *dispatch;     /* borrowed; NULL = routes that need it answer 503 */
    int osmand_port;               /* OsmAnd listener: -1 none (default), 0 any free port */
    int64_t positions_retention_s; /* positions older are pruned; 0 = keep; default 30 days */
    const char *data_dir;          /* delivery proofs go under <data_dir>/proofs; default "var" */
    double track_rate_per_s;       /* tracking polls per client address: refill rate (default 2) */
    double track_burst;            /* ... and bucket size (default 20) */
    const char *webhook_allow;     /* CIDR ranges webhooks may reach besides public addresses,
                                      e.g. "127.0.0.1/32" (events/webhooks.h); default NULL */
    /* Connections (docs/security.md "Connections"; defaults of api/http/http.h) */
    unsigned max_conns;               /* API connections at most; 1024 */
    unsigned reserve_conns;           /* kept free of idle unkeyed connections; 64 */
    unsigned max_conns_per_ip;        /* per client address; 0 = none; 128 */
    unsigned header_timeout_s;        /* request head complete within; 10 (both ports) */
    unsigned body_timeout_s;          /* request body complete within; 30 (both ports) */
    unsigned idle_timeout_s;          /* silent connections closed after; 60 */
    unsigned osmand_max_conns;        /* the OsmAnd port's own cap; 1024 */
    unsigned osmand_max_conns_per_ip; /* ... and per address; 256 */
    /* Feedback (issue 11): ratings, surveys, complaints (feedback/feedback.h). */
    struct feedback *feedback; /* borrowed; NULL = the feedback routes answer 503 */
    /* Roads and maps (docs/roads.md). */
    struct geo_router *router;     /* borrowed; /v1/solve and /healthz use it; NULL = geodesic */
    const char *tiles_url;         /* basemap tile template for the web pages, e.g.
                                      "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
                                      "" = no tiles (plain background); NULL = that default */
    const char *tiles_attribution; /* shown on the map; NULL = OpenStreetMap's */
} api_server_opts;

void api_server_opts_init(api_server_opts *o);
/* Starts serving. On failure *out is untouched and err says why (e.g. the port is taken). */
LM_MUST_USE lm_status api_server_start(const api_server_opts *o, store *s, api_server **out,
                                       lm_errinfo *err);
/* The port actually bound (useful with port 0). */
uint16_t api_server_port(const api_server *srv);
/* The OsmAnd listener's port (0 when it is off). */
uint16_t api_server_osmand_port(const api_server *srv);
/* Graceful stop: stops accepting at once, waits up to drain_ms for requests in flight to finish,
 * then closes every connection and frees the server. NULL-safe. */
void api_server_stop(api_server *srv, int drain_ms);

/* ==== end of HTTP server ==== */

#endif
