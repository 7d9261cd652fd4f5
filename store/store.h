/* store: persistence behind one interface (SQLite in WAL mode today), migrations, the event log. */
#ifndef LASTMILE_STORE_H
#define LASTMILE_STORE_H

#include "common/common.h"

/* Version of the storage engine store/ runs with (static string). */
const char *store_engine_version(void);

#endif
