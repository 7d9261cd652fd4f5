/* Version of the HTTP library, for `lastmile version` (cJSON's is fmt_cjson_version). */
#include "api/api.h"

#include <microhttpd.h>

const char *api_mhd_version(void) {
    return MHD_get_version();
}
