/* `lastmile version`: our version and the versions of the libraries actually loaded. */
#include "api/api.h"
#include "api/formats/json.h"
#include "cli/cli.h"
#include "geo/geo.h"
#include "solver/solver.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The router (--router SPEC or LASTMILE_ROUTER) and whether each engine answers now. */
static int print_router(const char *spec) {
    geo_router_opts o;
    geo_router_opts_init(&o);
    o.spec = spec;
    geo_router *r = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    if (geo_router_create(&o, &r, &err) != LM_OK) {
        fprintf(stderr, "lastmile version: --router: %s\n", err.message);
        return CLI_USAGE;
    }
    printf("  router        %s\n", geo_router_describe(r));
    for (size_t i = 0; i < geo_router_count(r); i++) {
        geo_router_status s;
        geo_router_status_get(r, i, true, 3000, &s);
        printf("    %-8s %-8s %s%s%s (%s)\n", s.profile[0] ? s.profile : "*", s.kind, s.url,
               s.url[0] ? ": " : "", s.answers ? "answers" : "does not answer", s.detail);
    }
    geo_router_destroy(r);
    return CLI_OK;
}

int cli_version(int argc, char **argv) {
    const char *spec = getenv("LASTMILE_ROUTER");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--router") && i + 1 < argc) {
            spec = argv[++i];
        } else {
            fprintf(stderr, "usage: lastmile version [--router SPEC]\n");
            return CLI_USAGE;
        }
    }
    printf("lastmile %s\n", LASTMILE_VERSION);
    printf("  GLPK          %s\n", solver_glpk_version());
    printf("  PROJ          %s\n", geo_proj_version());
    printf("  libcurl       %s\n", geo_curl_version());
    printf("  cJSON         %s\n", fmt_cjson_version());
    printf("  libmicrohttpd %s\n", api_mhd_version());
    printf("  SQLite        %s\n", store_engine_version());
    return print_router(spec);
}
