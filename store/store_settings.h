/* store: persistence of the operator's settings (versioned snapshots of integer values per scope),
 * the version history of fleet records (vehicles, drivers, depots: each accepted change one row
 * with who made it and the record as JSON) and the skills products and orders require. Plain
 * records; dispatch/ owns the rules (names, ranges, meaning).
 * Ownership: lists are allocated here and freed by the caller (lm_free, or the named *_free);
 * records passed in are only read. Writes take a store_tx (the caller commits and appends its
 * events in the same tx); reads take a store_read. */
#ifndef LASTMILE_STORE_SETTINGS_H
#define LASTMILE_STORE_SETTINGS_H

#include "store/store.h"

#define STORE_SETTING_SCOPE_MAX 80 /* "" (global), "depot:<id>", "product:<sku>" */
#define STORE_SETTING_KEY_MAX   48
#define STORE_ACTOR_MAX         64 /* "key:<key id>" or "cli" */
#define STORE_SKILL_MAX         64 /* bytes of a skill name without the NUL */

typedef struct store_setting {
    char scope[STORE_SETTING_SCOPE_MAX + 1];
    char key[STORE_SETTING_KEY_MAX + 1];
    int64_t value;
} store_setting;

/* One version of the settings: who made it and when. */
typedef struct store_settings_rev {
    int64_t version;
    int64_t created_ms;
    char actor[STORE_ACTOR_MAX + 1];
} store_settings_rev;

/* The newest settings version in *version (0 when none was ever saved). */
LM_MUST_USE lm_status store_settings_version(store_read *r, int64_t *version, lm_errinfo *err);
/* Every value stored in version, ordered by scope then key; *out lm_free'd by the caller (NULL
 * when none). */
LM_MUST_USE lm_status store_settings_values(store_read *r, int64_t version, store_setting **out,
                                            size_t *n, lm_errinfo *err);
/* Stores a whole new version (rev->version must be the newest + 1: CONFLICT otherwise) holding
 * exactly vals[0..n). */
LM_MUST_USE lm_status store_settings_insert(store_tx *tx, const store_settings_rev *rev,
                                            const store_setting *vals, size_t n, lm_errinfo *err);
/* Versions newest first, only those below before (0 = all), at most limit. */
LM_MUST_USE lm_status store_settings_history(store_read *r, int64_t before, size_t limit,
                                             store_settings_rev **out, size_t *n, lm_errinfo *err);

/* ---- Fleet record versions ---- */

typedef struct store_record_rev {
    char entity[16]; /* "vehicle", "driver", "depot" */
    char id[STORE_SETTING_SCOPE_MAX + 1];
    int64_t version;
    int64_t created_ms;
    char actor[STORE_ACTOR_MAX + 1];
    char *doc; /* the record as saved, JSON text; owned (store_record_revs_free) */
} store_record_rev;

/* The newest version of (entity, id) in *version, 0 when none was recorded. */
LM_MUST_USE lm_status store_record_version(store_read *r, const char *entity, const char *id,
                                           int64_t *version, lm_errinfo *err);
/* Records rev (its version must be the newest + 1: CONFLICT otherwise; doc must be JSON). */
LM_MUST_USE lm_status store_record_version_add(store_tx *tx, const store_record_rev *rev,
                                               lm_errinfo *err);
/* The history of (entity, id), newest first, at most limit. */
LM_MUST_USE lm_status store_record_history(store_read *r, const char *entity, const char *id,
                                           size_t limit, store_record_rev **out, size_t *n,
                                           lm_errinfo *err);
void store_record_revs_free(store_record_rev *revs, size_t n);

/* ---- Requirements: skills a product or an order needs from the van and driver, and the
 * skills a driver has (kind "driver"; a vehicle's own are in its record) ---- */

typedef char store_skill[STORE_SKILL_MAX + 1];

/* The skills of (kind "product" | "order" | "driver", ref), sorted, at most cap into out; *n the
 * count. */
LM_MUST_USE lm_status store_requirements_get(store_read *r, const char *kind, const char *ref,
                                             store_skill *out, size_t cap, size_t *n,
                                             lm_errinfo *err);
/* Replaces the skills of (kind, ref) with skills[0..n). */
LM_MUST_USE lm_status store_requirements_set(store_tx *tx, const char *kind, const char *ref,
                                             const store_skill *skills, size_t n, lm_errinfo *err);

#endif
