/* `lastmile version`: our version and the versions of the libraries actually loaded. */
#include "api/api.h"
#include "api/formats/json.h"
#include "cli/cli.h"
#include "geo/geo.h"
#include "solver/solver.h"
#include "store/store.h"

#include <stdio.h>

int cli_version(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("lastmile %s\n", LASTMILE_VERSION);
    printf("  GLPK          %s\n", solver_glpk_version());
    printf("  PROJ          %s\n", geo_proj_version());
    printf("  libcurl       %s\n", geo_curl_version());
    printf("  cJSON         %s\n", fmt_cjson_version());
    printf("  libmicrohttpd %s\n", api_mhd_version());
    printf("  SQLite        %s\n", store_engine_version());
    return CLI_OK;
}
