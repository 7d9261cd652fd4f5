/* Version of the storage engine, for `lastmile version`. */
#include "store/store.h"

#include <sqlite3.h>

const char *store_engine_version(void) {
    return sqlite3_libversion();
}
