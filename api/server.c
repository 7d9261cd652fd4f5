/* api/server.c: lastmile's server: the framework (api/http/) serving the route table of
 * api/routes.c, with the API-key check it calls back, and the live services (api/app.c) started
 * before it and stopped while it drains. */
#include "api/app.h"

#include <string.h>

struct api_server {
    http_server *http;
    api_app *app; /* the handlers' context (r->app) */
};

const char *api_mhd_version(void) {
    return http_mhd_version();
}

void api_server_opts_init(api_server_opts *o) {
    o->bind_addr = "127.0.0.1";
    o->port = 8080;
    o->threads = 2;
    o->max_body_bytes = (size_t)1 << 20;
    o->web_root = NULL;
    o->log_fd = 2;
    o->log_level = NULL;
    o->log_routes = NULL;
    o->log_sample = 1;
    o->event_loop = API_LOOP_POLL;
    o->dispatch = NULL;
    o->osmand_port = -1;
    o->positions_retention_s = 30 * 86400;
    o->data_dir = "var";
    o->track_rate_per_s = 2.0;
    o->track_burst = 20.0;
    o->webhook_allow = NULL;
    o->feedback = NULL;
    o->router = NULL;
    o->tiles_url = NULL;
    o->tiles_attribution = NULL;
    http_server_opts ho;
    http_server_opts_init(&ho);
    o->max_conns = ho.max_conns;
    o->reserve_conns = ho.reserve_conns;
    o->max_conns_per_ip = ho.max_conns_per_ip;
    o->header_timeout_s = ho.header_timeout_s;
    o->body_timeout_s = ho.body_timeout_s;
    o->idle_timeout_s = ho.idle_timeout_s;
    http_plain_opts po;
    http_plain_opts_init(&po);
    o->osmand_max_conns = po.max_conns;
    o->osmand_max_conns_per_ip = po.max_conns_per_ip;
}

lm_status api_server_start(const api_server_opts *o, store *s, api_server **out, lm_errinfo *err) {
    http_log_level level = HTTP_LOG_INFO;
    if (o->log_level && !http_log_level_parse(o->log_level, &level))
        return lm_errinfo_set(err, LM_INVALID, "log_level",
                              "'%s' is not one of debug, info, warn, error, off", o->log_level);
    lm_status rc = http_log_routes_check(o->log_routes, "log_routes", err);
    if (rc != LM_OK) return rc;
    api_server *srv = lm_calloc(1, sizeof *srv);
    if (!srv) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    rc = api__app_start(s, o, &srv->app, err);
    if (rc != LM_OK) {
        lm_free(srv);
        return rc;
    }
    http_app app = {
        .routes = api__routes,
        .n_routes = api__route_count,
        .route_errors = api__route_errors,
        .n_route_errors = api__route_errors_count,
        .role_names = {"admin", "dispatcher", "warehouse", "driver"},
        .superuser = API_ROLE_ADMIN,
        .auth = api__auth_key,
        .ctx = srv->app,
        .title = "lastmile",
        .version = LASTMILE_VERSION,
        .description = "Delivery route optimisation and dispatch server. Authenticate with "
                       "'Authorization: Bearer <key>' (lastmile keys create).",
    };
    http_server_opts ho;
    http_server_opts_init(&ho);
    ho.bind_addr = o->bind_addr;
    ho.port = o->port;
    ho.threads = o->threads;
    ho.max_body_bytes = o->max_body_bytes;
    ho.web_root = o->web_root;
    ho.log_fd = o->log_fd;
    ho.log_level = level;
    ho.log_routes = o->log_routes;
    ho.log_sample = o->log_sample;
    ho.epoll = o->event_loop == API_LOOP_EPOLL;
    ho.max_conns = o->max_conns;
    ho.reserve_conns = o->reserve_conns;
    ho.max_conns_per_ip = o->max_conns_per_ip;
    ho.header_timeout_s = o->header_timeout_s;
    ho.body_timeout_s = o->body_timeout_s;
    ho.idle_timeout_s = o->idle_timeout_s;
    if ((rc = http_server_start(&ho, &app, &srv->http, err)) != LM_OK) {
        api__app_free(srv->app);
        lm_free(srv);
        return rc;
    }
    *out = srv;
    return LM_OK;
}

uint16_t api_server_port(const api_server *srv) {
    return http_server_port(srv->http);
}

uint16_t api_server_osmand_port(const api_server *srv) {
    return http_plain_port(srv->app->osmand);
}

void api_server_stop(api_server *srv, int drain_ms) {
    if (!srv) return;
    http_server_quiesce(srv->http);
    /* ends event streams, answers queued positions and stops the OsmAnd port, so that the drain
     * below does not wait on them */
    api__app_stop(srv->app);
    http_server_stop(srv->http, drain_ms);
    api__app_free(srv->app);
    lm_free(srv);
}
