/* store/db_error.c: the db.h error classes as lm_status, in one place for db.c and both
 * backends. */
#include "store/db_impl.h"

lm_status db__status(int rc) {
    switch (rc) {
    case DB_CONSTRAINT: return LM_CONFLICT;
    case DB_BUSY: return LM_UNAVAILABLE;
    case DB_NOMEM: return LM_NOMEM;
    default: return LM_STORE;
    }
}
