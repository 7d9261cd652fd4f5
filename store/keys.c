/* store/keys.c: API keys. A key reads "lm_<16 hex id>_<64 hex secret>"; the id is public (logs,
 * lookups), the secret is stored only as SHA-256(salt || secret) with a per-key random salt. */
#include "common/sha256.h"
#include "store/internal.h"

#include <stdio.h>
#include <string.h>

#define SECRET_BYTES 32
#define SALT_BYTES   16
#define ID_BYTES     (STORE_KEY_ID_LEN / 2)

static const char *const roles[] = {"admin", "dispatcher", "warehouse", "driver"};

static void key_hash(const uint8_t salt[SALT_BYTES], const char *secret, size_t secret_len,
                     uint8_t out[LM_SHA256_LEN]) {
    lm_sha256_ctx c;
    lm_sha256_init(&c);
    lm_sha256_update(&c, salt, SALT_BYTES);
    lm_sha256_update(&c, secret, secret_len);
    lm_sha256_final(&c, out);
}

/* The checks, the row and the "key.created" event of a new key, inside the caller's tx (the
 * driver app's enrolment issues its key in the same tx that spends the token). */
lm_status store__key_insert(store_tx *tx, const char *role, const char *driver_id,
                            char key_out[STORE_KEY_MAX], store_key_info *info, lm_errinfo *err) {
    bool known = false;
    for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++)
        known = known || !strcmp(role, roles[i]);
    if (!known)
        return lm_errinfo_set(err, LM_INVALID, "role",
                              "role must be admin, dispatcher, warehouse or driver");
    bool is_driver = !strcmp(role, "driver");
    if (is_driver && (!driver_id || !*driver_id))
        return lm_errinfo_set(err, LM_INVALID, "driver", "a driver key needs --driver ID");
    if (!is_driver && driver_id)
        return lm_errinfo_set(err, LM_INVALID, "driver", "only a driver key is bound to a driver");
    if (driver_id && strlen(driver_id) >= STORE_DRIVER_MAX)
        return lm_errinfo_set(err, LM_INVALID, "driver", "driver id is longer than %d bytes",
                              STORE_DRIVER_MAX - 1);

    uint8_t id_raw[ID_BYTES], secret_raw[SECRET_BYTES], salt[SALT_BYTES], hash[LM_SHA256_LEN];
    char id[STORE_KEY_ID_LEN + 1], secret[2 * SECRET_BYTES + 1], key[STORE_KEY_MAX];
    if (lm_random_bytes(id_raw, sizeof id_raw) != LM_OK ||
        lm_random_bytes(secret_raw, sizeof secret_raw) != LM_OK ||
        lm_random_bytes(salt, sizeof salt) != LM_OK)
        return lm_errinfo_set(err, LM_IO, "", "the kernel's random source failed");
    lm_hex_encode(id_raw, sizeof id_raw, id);
    lm_hex_encode(secret_raw, sizeof secret_raw, secret);
    key_hash(salt, secret, strlen(secret), hash);
    snprintf(key, sizeof key, "lm_%s_%s", id, secret);
    int64_t now = lm_now_ms();

    db_stmt *st = NULL;
    char payload[160];
    lm_status rc = db_prepare(store__tx_db(tx),
                              "INSERT INTO api_keys(id, salt, hash, role, driver_id, "
                              "created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                              &st, err);
    if (rc != LM_OK) goto done;
    if ((rc = db_bind_text(st, 1, id)) != LM_OK ||
        (rc = db_bind_blob(st, 2, salt, sizeof salt)) != LM_OK ||
        (rc = db_bind_blob(st, 3, hash, sizeof hash)) != LM_OK ||
        (rc = db_bind_text(st, 4, role)) != LM_OK ||
        (rc = db_bind_text(st, 5, driver_id)) != LM_OK || (rc = db_bind_i64(st, 6, now)) != LM_OK ||
        (rc = store__step_done(st, err)) != LM_OK)
        goto done;
    /* ids and roles are hex and fixed words; the driver id is left out so no escaping is needed */
    snprintf(payload, sizeof payload, "{\"id\":\"%s\",\"role\":\"%s\"}", id, role);
    if ((rc = store_event_append(tx, "key.created", "api_key", id, payload)) != LM_OK) goto done;
    lm_strlcpy(key_out, key, STORE_KEY_MAX);
    if (info) {
        memset(info, 0, sizeof *info);
        lm_strlcpy(info->id, id, sizeof info->id);
        lm_strlcpy(info->role, role, sizeof info->role);
        lm_strlcpy(info->driver_id, driver_id ? driver_id : "", sizeof info->driver_id);
        info->created_ms = now;
    }
done:
    db_finish(st);
    memset(secret, 0, sizeof secret);
    memset(key, 0, sizeof key);
    return rc;
}

lm_status store_key_create(store *s, const char *role, const char *driver_id,
                           char key_out[STORE_KEY_MAX], store_key_info *info, lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(s, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot start a transaction");
    char key[STORE_KEY_MAX];
    if ((rc = store__key_insert(tx, role, driver_id, key, info, err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK) {
        memset(key, 0, sizeof key);
        return lm_errinfo_set(err, rc, "", "could not commit the new key");
    }
    lm_strlcpy(key_out, key, STORE_KEY_MAX);
    memset(key, 0, sizeof key);
    return LM_OK;
}

/* Splits "lm_<id>_<secret>": the secret (inside key), id filled; NULL if key is malformed. */
static const char *key_split(const char *key, char id[STORE_KEY_ID_LEN + 1]) {
    /* parse "lm_<id>_<secret>" strictly before touching the database */
    size_t secret_len = 2 * SECRET_BYTES;
    if (!key || strlen(key) != 3 + STORE_KEY_ID_LEN + 1 + secret_len || strncmp(key, "lm_", 3) ||
        key[3 + STORE_KEY_ID_LEN] != '_')
        return NULL;
    memcpy(id, key + 3, STORE_KEY_ID_LEN);
    id[STORE_KEY_ID_LEN] = '\0';
    return key + 3 + STORE_KEY_ID_LEN + 1;
}

/* Whether secret hashes to k's hash (constant time). */
static bool key_matches(const store__key_secret *k, const char *secret) {
    uint8_t hash[LM_SHA256_LEN];
    key_hash(k->salt, secret, 2 * SECRET_BYTES, hash);
    return lm_ct_equal(hash, k->hash, sizeof hash);
}

/* The live key id's row: LM_OK, LM_UNAUTHORIZED when none is live, else a store error. */
static lm_status key_lookup(store_read *r, const char *id, store__key_secret *out) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(store__db(r),
                              "SELECT salt, hash, role, driver_id, created_ms FROM api_keys "
                              "WHERE id = ? AND revoked_ms IS NULL",
                              &st, NULL);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_text(st, 1, id)) != LM_OK) goto fail;
    int s = db_step(st);
    if (s == DB_DONE) {
        rc = LM_UNAUTHORIZED;
        goto fail;
    }
    if (s != DB_ROW) {
        rc = db_fail(store__db(r), s, NULL);
        goto fail;
    }
    if (db_column_bytes(st, 0) != SALT_BYTES || db_column_bytes(st, 1) != LM_SHA256_LEN) {
        rc = LM_STORE;
        goto fail;
    }
    memset(out, 0, sizeof *out);
    memcpy(out->salt, db_column_blob(st, 0), SALT_BYTES);
    memcpy(out->hash, db_column_blob(st, 1), LM_SHA256_LEN);
    lm_strlcpy(out->info.id, id, sizeof out->info.id);
    store__column_copy(st, 2, out->info.role, sizeof out->info.role);
    store__column_copy(st, 3, out->info.driver_id, sizeof out->info.driver_id);
    out->info.created_ms = db_column_i64(st, 4);
fail:
    db_finish(st);
    return rc;
}

lm_status store_key_verify(store_read *r, const char *key, store_key_info *info) {
    char id[STORE_KEY_ID_LEN + 1];
    const char *secret = key_split(key, id);
    if (!secret) return LM_UNAUTHORIZED;
    store__key_secret k;
    lm_status rc = key_lookup(r, id, &k);
    if (rc == LM_OK && !key_matches(&k, secret)) rc = LM_UNAUTHORIZED;
    if (rc == LM_OK && info) *info = k.info;
    return rc;
}

lm_status store_key_check(store *s, const char *key, store_key_info *info) {
    char id[STORE_KEY_ID_LEN + 1];
    const char *secret = key_split(key, id);
    if (!secret) return LM_UNAUTHORIZED;
    store__keycache *c = store__keycache_of(s); /* NULL on PostgreSQL: every check reads */
    store__key_secret k;
    uint64_t gen = 0;
    if (!c || !store__keycache_get(c, id, &k, &gen)) {
        /* the generation is read before the snapshot begins: a revocation committed after it
         * bumps it, and this row is then not cached */
        store_read *rd = NULL;
        lm_status rc = store_read_begin(s, &rd);
        if (rc != LM_OK) return rc;
        rc = key_lookup(rd, id, &k);
        store_read_end(rd);
        if (rc != LM_OK) return rc;
        /* only a key proven by its secret takes a slot: unknown ids cannot fill the cache */
        if (!key_matches(&k, secret)) return LM_UNAUTHORIZED;
        if (c) store__keycache_put(c, &k, gen);
    } else if (!key_matches(&k, secret)) {
        return LM_UNAUTHORIZED;
    }
    if (info) *info = k.info;
    return LM_OK;
}

lm_status store_keys_count(store_read *r, int64_t *out) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(store__db(r), "SELECT count(*) FROM api_keys", &st, NULL);
    if (rc != LM_OK) return rc;
    int s = db_step(st);
    if (s == DB_ROW)
        *out = db_column_i64(st, 0);
    else
        rc = db_fail(store__db(r), s, NULL);
    db_finish(st);
    return rc;
}

static void key_row(db_stmt *st, void *elem) {
    store_key_row *k = elem;
    store__column_copy(st, 0, k->info.id, sizeof k->info.id);
    store__column_copy(st, 1, k->info.role, sizeof k->info.role);
    store__column_copy(st, 2, k->info.driver_id, sizeof k->info.driver_id);
    k->info.created_ms = db_column_i64(st, 3);
    k->revoked_ms = db_column_i64(st, 4);
}

lm_status store_keys_list(store_read *r, store_key_row **out, size_t *n, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(store__db(r),
                              "SELECT id, role, driver_id, created_ms, revoked_ms FROM api_keys "
                              "ORDER BY created_ms, id",
                              &st, err);
    if (rc != LM_OK) return rc;
    void *rows = NULL;
    rc = store__collect(store__db(r), st, sizeof(store_key_row), key_row, &rows, n, err);
    db_finish(st);
    if (rc == LM_OK) *out = rows;
    return rc;
}

/* The key's role and whether it is revoked (inside tx); LM_NOT_FOUND when there is none. */
static lm_status key_state(db_conn *db, const char *id, char role[16], bool *revoked,
                           lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT role, revoked_ms IS NOT NULL FROM api_keys WHERE id = ?", &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_text(st, 1, id)) == LM_OK &&
        (rc = store__step_row(db, st, "key", err)) == LM_OK) {
        store__column_copy(st, 0, role, 16);
        *revoked = db_column_int(st, 1) != 0;
    }
    db_finish(st);
    return rc;
}

lm_status store__key_revoke_tx(store_tx *tx, const char *id, lm_errinfo *err) {
    if (!id || strlen(id) != STORE_KEY_ID_LEN || strspn(id, "0123456789abcdef") != STORE_KEY_ID_LEN)
        return lm_errinfo_set(err, LM_NOT_FOUND, "id", "no key with this id");
    db_stmt *st = NULL;
    db_conn *db = store__tx_db(tx);
    char role[16] = "";
    bool revoked = false;
    lm_status rc = key_state(db, id, role, &revoked, err);
    if (rc != LM_OK) {
        if (rc == LM_NOT_FOUND) lm_errinfo_set(err, LM_NOT_FOUND, "id", "no key with this id");
        goto done;
    }
    if (revoked) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "id", "the key is already revoked");
        goto done;
    }
    if (!strcmp(role, "admin")) {
        if ((rc = db_prepare(db,
                             "SELECT count(*) FROM api_keys WHERE role = 'admin' AND "
                             "revoked_ms IS NULL",
                             &st, err)) != LM_OK ||
            (rc = store__step_row(db, st, "count", err)) != LM_OK)
            goto done;
        int64_t admins = db_column_i64(st, 0);
        db_finish(st);
        st = NULL;
        if (admins <= 1) {
            rc = lm_errinfo_set(err, LM_CONFLICT, "id",
                                "this is the last live admin key; create another admin key first");
            goto done;
        }
    }
    if ((rc = db_prepare(db, "UPDATE api_keys SET revoked_ms = ? WHERE id = ?", &st, err)) !=
            LM_OK ||
        (rc = db_bind_i64(st, 1, lm_now_ms())) != LM_OK ||
        (rc = db_bind_text(st, 2, id)) != LM_OK || (rc = store__step_done(st, err)) != LM_OK)
        goto done;
    char payload[96];
    snprintf(payload, sizeof payload, "{\"id\":\"%s\",\"role\":\"%s\"}", id, role);
    rc = store_event_append(tx, "key.revoked", "api_key", id, payload);
    if (rc == LM_OK) store__tx_keys_changed(tx);
done:
    db_finish(st);
    return rc;
}

lm_status store_key_revoke(store *s, const char *id, lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(s, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot start a transaction");
    if ((rc = store__key_revoke_tx(tx, id, err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    rc = store_tx_commit(tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "could not commit the revocation");
    return LM_OK;
}

lm_status store_key_live(store_read *r, const char *id, bool *live) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        store__db(r), "SELECT 1 FROM api_keys WHERE id = ? AND revoked_ms IS NULL", &st, NULL);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_text(st, 1, id)) == LM_OK) {
        int s = db_step(st);
        if (s == DB_ROW || s == DB_DONE)
            *live = s == DB_ROW;
        else
            rc = db_fail(store__db(r), s, NULL);
    }
    db_finish(st);
    return rc;
}
