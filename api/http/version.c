/* api/http/version.c: the version of the HTTP library, for `lastmile version`. */
#include "api/http/http.h"

#include <microhttpd.h>

const char *http_mhd_version(void) {
    return MHD_get_version();
}
