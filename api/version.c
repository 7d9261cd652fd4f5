/* Versions of api/'s libraries, for `lastmile version`. */
#include "api/api.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>

const char *api_cjson_version(void) {
    return cJSON_Version();
}

const char *api_mhd_version(void) {
    return MHD_get_version();
}
