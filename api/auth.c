/* api/auth.c: the API-key check the framework calls back (http_app.auth): a bearer key against
 * the store's salted hashes (store_key_check: cached, STORE_KEY_CACHE_TTL_MS), giving its role
 * bit, public id and the driver it is bound to. */
#include "api/app.h"

#include <string.h>

unsigned api__role_from_name(const char *name) {
    if (!name) return 0;
    if (!strcmp(name, "admin")) return API_ROLE_ADMIN;
    if (!strcmp(name, "dispatcher")) return API_ROLE_DISPATCHER;
    if (!strcmp(name, "warehouse")) return API_ROLE_WAREHOUSE;
    if (!strcmp(name, "driver")) return API_ROLE_DRIVER;
    return 0;
}

lm_status api__auth_key(void *ctx, const char *key, http_identity *who, lm_errinfo *err) {
    store_key_info info;
    /* through the store's key cache: a revocation in this process empties it at its commit */
    lm_status rc = store_key_check(((api_app *)ctx)->st, key, &info);
    if (rc == LM_UNAUTHORIZED) return rc;
    if (rc == LM_UNAVAILABLE) return lm_errinfo_set(err, rc, "", "the key store is not available");
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "could not check the API key");
    who->role = api__role_from_name(info.role);
    lm_strlcpy(who->key_id, info.id, sizeof who->key_id);
    lm_strlcpy(who->subject, info.driver_id, sizeof who->subject);
    return LM_OK;
}
