/* geo: coordinates, PROJ projections and geodesics, travel-time matrices, geofences, polylines. */
#ifndef LASTMILE_GEO_H
#define LASTMILE_GEO_H

#include "common/common.h"

/* Versions of the libraries geo/ runs with (static strings). */
const char *geo_proj_version(void);
const char *geo_curl_version(void);

#endif
