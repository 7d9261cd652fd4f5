/* api: the edge. HTTP server, JSON <-> struct conversion, benchmark file readers. */
#ifndef LASTMILE_API_H
#define LASTMILE_API_H

#include "common/common.h"

/* Versions of the edge libraries (static strings). */
const char *api_cjson_version(void);
const char *api_mhd_version(void);

#endif
