/* Versions of geo/'s libraries, for `lastmile version`. */
#include "geo/geo.h"

#include <curl/curl.h>
#include <proj.h>

const char *geo_proj_version(void) {
    return proj_info().release;
}

const char *geo_curl_version(void) {
    return curl_version_info(CURLVERSION_NOW)->version;
}
