/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The vault: personal columns sealed at rest.
 *
 * A database gets one X25519 key pair when its first passphrase is set. The
 * public key sits in sync_state in the clear; the secret key is wrapped with
 * XChaCha20-Poly1305 under a key derived by Argon2id from the passphrase and
 * a random salt, and the wrapped form, salt and cost parameters sit beside it
 * ("vault.pk", "vault.wrapped", "vault.salt", "vault.ops", "vault.mem").
 *
 * Each personal value is sealed to the public key: an ephemeral X25519 key
 * pair, a shared secret, BLAKE2b(shared || epk || pk) as the value's key, and
 * XChaCha20-Poly1305 with "vigia:table.column:row-id" as associated data, so a
 * sealed value moved to another row or column fails to open. Sealing needs no
 * passphrase: a locked console can still take a call with the caller's
 * number; only reading it back needs the secret key. The sealed text is
 * "vg:" + unpadded URL-safe base64 of (version 1, epk, nonce, ciphertext).
 *
 * The secret key lives in sodium_malloc'd memory (guard pages, mlock where
 * allowed) and is zeroed when the vault is locked or the store closed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/store.h"

#include "private.h"

#define VAULT_PREFIX "vg:"
#define VAULT_VERSION 1
#define VAULT_EPK 32
#define VAULT_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define VAULT_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define VAULT_HEAD (1 + VAULT_EPK + VAULT_NONCE)
#define VAULT_SALT crypto_pwhash_SALTBYTES
#define VAULT_B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

/*
 * The personal columns. A module that adds one registers it here once its
 * readers call store_open_text(); store_write() then seals it, setting a
 * passphrase seals what is already there, and a wipe clears it.
 */
static const struct {
    const char *table, *col;
} store_vault_cols[] = {
    {"reporter_contacts", "contact"},
    {"verifiers", "contact"}, /* store-roster.c reads it with store_open_text() */
    /*
     * Found by its keyed tag, subscribers.contact_tag (store_vault_tag). The
     * outbox's copy (outbox.contact, not synced) is the same sealed text, so it
     * opens as "subscribers.contact" of its subscriber_id; store_vault_outbox
     * below seals and re-seals it (and verifiers' copies likewise).
     */
    {"subscribers", "contact"},
    /* store-followup.c reads them with store_open_text() */
    {"followup_people", "name"},
    {"followup_people", "phone"},
    {"followup_people", "a_number"},
    {"followup_people", "where_held"},
    {"followup_people", "notes"},
};

struct store_vault {
    unsigned char sk[STORE_VAULT_KEY_BYTES];
    unsigned char pk[crypto_scalarmult_BYTES];
};

static void store_vault_init_sodium(void)
{
    if (sodium_init() < 0)
        util_fatal("cannot initialise libsodium");
}

bool store_vault_personal(const char *table, const char *col)
{
    for (size_t i = 0; i < UTIL_ARRAY_LEN(store_vault_cols); i++)
        if (strcmp(store_vault_cols[i].table, table) == 0 &&
            strcmp(store_vault_cols[i].col, col) == 0)
            return true;
    return false;
}

bool store_vault_column(size_t i, const char **table, const char **col)
{
    if (i >= UTIL_ARRAY_LEN(store_vault_cols))
        return false;
    *table = store_vault_cols[i].table;
    *col = store_vault_cols[i].col;
    return true;
}

void store_vault_limits_default(struct store_vault_limits *l)
{
    /* Argon2id, 3 passes over 64 MiB: about a second on a 2012 laptop with 2 GB. */
    l->ops = 3;
    l->mem = 64u * 1024 * 1024;
}

/* ---- base64 and sync_state -------------------------------------------------- */

/* Newly allocated base64 (URL-safe, unpadded) of @bin. */
static char *store_vault_b64(const unsigned char *bin, size_t n)
{
    size_t len = sodium_base64_ENCODED_LEN(n, VAULT_B64);
    char *out = xmalloc(len);

    sodium_bin2base64(out, len, bin, n, VAULT_B64);
    return out;
}

/* Decode base64 into a new buffer; NULL when it is not base64. */
static unsigned char *store_vault_unb64(const char *s, size_t *n)
{
    size_t len = strlen(s);
    unsigned char *bin = xmalloc(len + 1);

    if (sodium_base642bin(bin, len + 1, s, len, NULL, n, NULL, VAULT_B64) != 0) {
        free(bin);
        return NULL;
    }
    return bin;
}

/* A sync_state value as newly allocated text, NULL when absent. */
static int store_vault_get(struct store *s, const char *key, char **out, char **err)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT value FROM sync_state WHERE key = ?", err);
    int rc;

    *out = NULL;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = store_col_text(st, 0);
        rc = STORE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = STORE_OK;
    } else {
        rc = store_fail(s, rc, "reading the vault", err);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int store_vault_set(struct store *s, const char *key, struct store_val v, char **err)
{
    sqlite3_stmt *st = store_stmt(
        s,
        "INSERT INTO sync_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
        "value = excluded.value",
        err);
    int rc;

    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    store_bind(st, 2, &v);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "writing the vault", err);
}

/* The vault's public key; *found false when no passphrase was ever set. */
static int store_vault_pk(struct store *s, unsigned char pk[crypto_scalarmult_BYTES], bool *found,
                          char **err)
{
    char *text = NULL;
    unsigned char *bin;
    size_t n = 0;
    int rc;

    *found = false;
    if ((rc = store_vault_get(s, "vault.pk", &text, err)) != STORE_OK || text == NULL)
        return rc;
    bin = store_vault_unb64(text, &n);
    free(text);
    if (bin == NULL || n != crypto_scalarmult_BYTES) {
        free(bin);
        util_seterr(err, _("database %s: the vault's public key is damaged"), s->path);
        return STORE_ERR_CORRUPT;
    }
    memcpy(pk, bin, n);
    free(bin);
    *found = true;
    return STORE_OK;
}

int store_vault_enabled(struct store *s, bool *enabled, char **err)
{
    unsigned char pk[crypto_scalarmult_BYTES];

    return store_vault_pk(s, pk, enabled, err);
}

bool store_vault_unlocked(const struct store *s)
{
    return s->vault != NULL;
}

int store_vault_fingerprint(struct store *s, char out[17], char **err)
{
    unsigned char pk[crypto_scalarmult_BYTES], h[8];
    bool found;
    int rc;

    out[0] = '\0';
    if ((rc = store_vault_pk(s, pk, &found, err)) != STORE_OK)
        return rc;
    if (!found) {
        util_seterr(err, "%s", _("no passphrase is set for this database"));
        return STORE_ERR_NOT_FOUND;
    }
    crypto_generichash(h, sizeof h, pk, sizeof pk, NULL, 0);
    sodium_bin2hex(out, 17, h, sizeof h);
    return STORE_OK;
}

/* ---- sealing values ---------------------------------------------------------- */

static char *store_vault_ad(const char *table, const char *col, const char *row_id)
{
    return xasprintf("vigia:%s.%s:%s", table, col, row_id);
}

/* The key of one value: BLAKE2b(shared || epk || pk). */
static void store_vault_value_key(unsigned char key[32], const unsigned char shared[32],
                                  const unsigned char epk[32], const unsigned char pk[32])
{
    crypto_generichash_state h;

    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, shared, 32);
    crypto_generichash_update(&h, epk, 32);
    crypto_generichash_update(&h, pk, 32);
    crypto_generichash_final(&h, key, 32);
    sodium_memzero(&h, sizeof h);
}

/* Seal @plain to @pk; newly allocated "vg:..." text, NULL if @pk is unusable. */
static char *store_vault_seal_with(const unsigned char pk[32], const char *table, const char *col,
                                   const char *row_id, const char *plain)
{
    unsigned char esk[32], shared[32], key[32];
    size_t plen = strlen(plain), blen = VAULT_HEAD + plen + VAULT_TAG;
    unsigned char *blob = xmalloc(blen);
    unsigned long long clen;
    char *ad = store_vault_ad(table, col, row_id), *b64, *out = NULL;

    blob[0] = VAULT_VERSION;
    randombytes_buf(esk, sizeof esk);
    crypto_scalarmult_base(blob + 1, esk);
    if (crypto_scalarmult(shared, esk, pk) != 0)
        goto out;
    store_vault_value_key(key, shared, blob + 1, pk);
    randombytes_buf(blob + 1 + VAULT_EPK, VAULT_NONCE);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        blob + VAULT_HEAD, &clen, (const unsigned char *)plain, plen, (const unsigned char *)ad,
        strlen(ad), NULL, blob + 1 + VAULT_EPK, key);
    b64 = store_vault_b64(blob, blen);
    out = xasprintf(VAULT_PREFIX "%s", b64);
    free(b64);
out:
    sodium_memzero(esk, sizeof esk);
    sodium_memzero(shared, sizeof shared);
    sodium_memzero(key, sizeof key);
    free(blob);
    free(ad);
    return out;
}

bool store_vault_is_sealed(const char *value)
{
    return value != NULL && strncmp(value, VAULT_PREFIX, strlen(VAULT_PREFIX)) == 0;
}

char *store_seal_text(struct store *s, const char *table, const char *col, const char *row_id,
                      const char *plain, char **err)
{
    unsigned char pk[crypto_scalarmult_BYTES];
    bool found;
    char *out;

    if (plain == NULL)
        return NULL;
    store_vault_init_sodium();
    if (store_vault_pk(s, pk, &found, err) != STORE_OK)
        return NULL;
    if (!found || store_vault_is_sealed(plain))
        return xstrdup(plain);
    out = store_vault_seal_with(pk, table, col, row_id, plain);
    if (out == NULL)
        util_seterr(err, _("database %s: the vault's public key is damaged"), s->path);
    return out;
}

int store_open_text(struct store *s, const char *table, const char *col, const char *row_id,
                    const char *value, char **out, char **err)
{
    unsigned char shared[32], key[32], *blob = NULL, *plain = NULL;
    unsigned long long plen;
    size_t blen = 0;
    char *ad = NULL;
    int rc = STORE_ERR_KEY;

    *out = NULL;
    if (value == NULL)
        return STORE_OK;
    if (!store_vault_is_sealed(value)) {
        *out = xstrdup(value);
        return STORE_OK;
    }
    if (s->vault == NULL) {
        util_seterr(err, "%s", _("personal data is locked: enter the passphrase"));
        return STORE_ERR_LOCKED;
    }
    store_vault_init_sodium();
    blob = store_vault_unb64(value + strlen(VAULT_PREFIX), &blen);
    if (blob == NULL || blen < VAULT_HEAD + VAULT_TAG || blob[0] != VAULT_VERSION)
        goto fail;
    if (crypto_scalarmult(shared, s->vault->sk, blob + 1) != 0)
        goto fail;
    store_vault_value_key(key, shared, blob + 1, s->vault->pk);
    ad = store_vault_ad(table, col, row_id);
    plain = xmalloc(blen - VAULT_HEAD - VAULT_TAG + 1);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL, blob + VAULT_HEAD,
                                                   blen - VAULT_HEAD, (const unsigned char *)ad,
                                                   strlen(ad), blob + 1 + VAULT_EPK, key) != 0)
        goto fail;
    plain[plen] = '\0';
    *out = (char *)plain;
    plain = NULL;
    rc = STORE_OK;
    goto out;
fail:
    util_seterr(err, "%s",
                _("cannot open a sealed value: it was sealed under another key or damaged"));
out:
    sodium_memzero(shared, sizeof shared);
    sodium_memzero(key, sizeof key);
    free(plain);
    free(blob);
    free(ad);
    return rc;
}

bool store_vault_wants_seal(const char *table, const char *col, const char *text)
{
    return text != NULL && text[0] != '\0' && store_vault_personal(table, col) &&
           !store_vault_is_sealed(text);
}

/* store_vault_wants_seal for a column being written. */
static bool store_vault_col_wants_seal(const char *table, const struct store_col *c)
{
    return c->v.type == STORE_TEXT && store_vault_wants_seal(table, c->name, c->v.s);
}

int store_vault_seal_cols(struct store *s, const char *table, const char *row_id,
                          const struct store_col *cols, size_t n, struct store_col **sealed,
                          char **err)
{
    unsigned char pk[crypto_scalarmult_BYTES];
    struct store_col *copy;
    bool any = false, found;
    int rc;

    *sealed = NULL;
    for (size_t i = 0; i < n; i++)
        if (store_vault_col_wants_seal(table, &cols[i]))
            any = true;
    if (!any)
        return STORE_OK;
    if ((rc = store_vault_pk(s, pk, &found, err)) != STORE_OK)
        return rc;
    if (!found)
        return STORE_OK; /* no passphrase yet: stored as is, sealed when one is set */
    store_vault_init_sodium();
    copy = xcalloc(n, sizeof *copy);
    for (size_t i = 0; i < n; i++) {
        copy[i] = cols[i];
        if (cols[i].v.type != STORE_TEXT)
            continue;
        if (store_vault_col_wants_seal(table, &cols[i]))
            copy[i].v.s = store_vault_seal_with(pk, table, cols[i].name, row_id, cols[i].v.s);
        else
            copy[i].v.s = xstrdup(cols[i].v.s);
        if (copy[i].v.s == NULL) {
            util_seterr(err, _("database %s: the vault's public key is damaged"), s->path);
            store_vault_cols_free(copy, i);
            return STORE_ERR_CORRUPT;
        }
    }
    *sealed = copy;
    return STORE_OK;
}

void store_vault_cols_free(struct store_col *cols, size_t n)
{
    if (cols == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        if (cols[i].v.type == STORE_TEXT)
            free((char *)cols[i].v.s);
    free(cols);
}

/* ---- the blind index ---------------------------------------------------------- */

int store_vault_tag(struct store *s, const char *channel, const char *contact,
                    char out[STORE_VAULT_TAG_LEN + 1], char **err)
{
    unsigned char key[crypto_generichash_KEYBYTES], h[STORE_VAULT_TAG_LEN / 2];
    crypto_generichash_state st;
    bool found;
    int rc;

    out[0] = '\0';
    if (s->vault == NULL) {
        if ((rc = store_vault_enabled(s, &found, err)) != STORE_OK)
            return rc;
        if (!found) {
            util_seterr(err, "%s", _("no passphrase is set for this database"));
            return STORE_ERR_NOT_FOUND;
        }
        util_seterr(err, "%s", _("personal data is locked: run 'vigia unlock'"));
        return STORE_ERR_LOCKED;
    }
    store_vault_init_sodium();
    /* A key of its own, derived from the vault's: the tag never reveals the secret key. */
    crypto_kdf_derive_from_key(key, sizeof key, 1, "vgsubtag", s->vault->sk);
    crypto_generichash_init(&st, key, sizeof key, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)channel, strlen(channel) + 1);
    crypto_generichash_update(&st, (const unsigned char *)contact, strlen(contact));
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, STORE_VAULT_TAG_LEN + 1, h, sizeof h);
    sodium_memzero(key, sizeof key);
    sodium_memzero(&st, sizeof st);
    return STORE_OK;
}

/* ---- the key ------------------------------------------------------------------ */

void store_vault_free(struct store *s)
{
    if (s->vault != NULL)
        sodium_free(s->vault); /* zeroes */
    s->vault = NULL;
}

void store_vault_lock(struct store *s)
{
    store_vault_free(s);
}

bool store_vault_key(const struct store *s, unsigned char key[STORE_VAULT_KEY_BYTES])
{
    if (s->vault == NULL)
        return false;
    memcpy(key, s->vault->sk, STORE_VAULT_KEY_BYTES);
    return true;
}

/* Keep @sk (checked against @pk) as the unlocked key. */
static int store_vault_keep(struct store *s, const unsigned char sk[32], const unsigned char pk[32],
                            char **err)
{
    unsigned char check[crypto_scalarmult_BYTES];

    crypto_scalarmult_base(check, sk);
    if (sodium_memcmp(check, pk, sizeof check) != 0) {
        util_seterr(err, "%s", _("the key does not belong to this database"));
        return STORE_ERR_KEY;
    }
    store_vault_free(s);
    s->vault = sodium_malloc(sizeof *s->vault);
    if (s->vault == NULL)
        util_fatal("out of memory (vault)");
    memcpy(s->vault->sk, sk, 32);
    memcpy(s->vault->pk, pk, 32);
    return STORE_OK;
}

int store_vault_unlock_key(struct store *s, const unsigned char key[STORE_VAULT_KEY_BYTES],
                           char **err)
{
    unsigned char pk[crypto_scalarmult_BYTES];
    bool found;
    int rc;

    store_vault_init_sodium();
    if ((rc = store_vault_pk(s, pk, &found, err)) != STORE_OK)
        return rc;
    if (!found) {
        util_seterr(err, "%s", _("no passphrase is set for this database"));
        return STORE_ERR_NOT_FOUND;
    }
    return store_vault_keep(s, key, pk, err);
}

/* Derive the wrapping key from @pass; -1 when out of memory for Argon2id. */
static int store_vault_kek(unsigned char kek[32], const char *pass, const unsigned char *salt,
                           unsigned long long ops, size_t mem)
{
    return crypto_pwhash(kek, 32, pass, strlen(pass), salt, ops, mem, crypto_pwhash_ALG_ARGON2ID13);
}

static char *store_vault_wrap_ad(const unsigned char pk[32])
{
    char *b64 = store_vault_b64(pk, 32);
    char *ad = xasprintf("vigia-vault-%d:%s", VAULT_VERSION, b64);

    free(b64);
    return ad;
}

/* Wrap @sk under @pass and write vault.* (in the caller's transaction). */
static int store_vault_write_wrapped(struct store *s, const unsigned char sk[32],
                                     const unsigned char pk[32], const char *pass,
                                     const struct store_vault_limits *l, char **err)
{
    unsigned char salt[VAULT_SALT], kek[32];
    unsigned char wrapped[VAULT_NONCE + 32 + VAULT_TAG];
    unsigned long long wlen;
    char *ad, *b64;
    int rc;

    randombytes_buf(salt, sizeof salt);
    if (store_vault_kek(kek, pass, salt, l->ops, l->mem) != 0) {
        util_seterr(err, "%s", _("cannot derive the key: not enough memory for Argon2id"));
        return STORE_ERR_INVALID;
    }
    randombytes_buf(wrapped, VAULT_NONCE);
    ad = store_vault_wrap_ad(pk);
    crypto_aead_xchacha20poly1305_ietf_encrypt(wrapped + VAULT_NONCE, &wlen, sk, 32,
                                               (const unsigned char *)ad, strlen(ad), NULL, wrapped,
                                               kek);
    sodium_memzero(kek, sizeof kek);
    free(ad);
    b64 = store_vault_b64(wrapped, sizeof wrapped);
    rc = store_vault_set(s, "vault.wrapped", store_text(b64), err);
    free(b64);
    if (rc == STORE_OK) {
        b64 = store_vault_b64(salt, sizeof salt);
        rc = store_vault_set(s, "vault.salt", store_text(b64), err);
        free(b64);
    }
    if (rc == STORE_OK)
        rc = store_vault_set(s, "vault.kdf", store_text("argon2id13"), err);
    if (rc == STORE_OK)
        rc = store_vault_set(s, "vault.ops", store_int((int64_t)l->ops), err);
    if (rc == STORE_OK)
        rc = store_vault_set(s, "vault.mem", store_int((int64_t)l->mem), err);
    if (rc == STORE_OK) {
        b64 = store_vault_b64(pk, 32);
        rc = store_vault_set(s, "vault.pk", store_text(b64), err);
        free(b64);
    }
    if (rc == STORE_OK)
        rc = store_vault_set(s, "vault.version", store_int(VAULT_VERSION), err);
    return rc;
}

int store_vault_unlock(struct store *s, const char *pass, char **err)
{
    unsigned char pk[crypto_scalarmult_BYTES], kek[32], sk[32];
    unsigned char *salt = NULL, *wrapped = NULL;
    char *t_salt = NULL, *t_wrapped = NULL, *t_ops = NULL, *t_mem = NULL, *ad = NULL;
    unsigned long long sklen;
    size_t nsalt = 0, nwrapped = 0;
    long ops, mem;
    bool found;
    int rc;

    store_vault_init_sodium();
    if ((rc = store_vault_pk(s, pk, &found, err)) != STORE_OK)
        return rc;
    if (!found) {
        util_seterr(err, "%s", _("no passphrase is set for this database"));
        return STORE_ERR_NOT_FOUND;
    }
    if ((rc = store_vault_get(s, "vault.salt", &t_salt, err)) != STORE_OK ||
        (rc = store_vault_get(s, "vault.wrapped", &t_wrapped, err)) != STORE_OK ||
        (rc = store_vault_get(s, "vault.ops", &t_ops, err)) != STORE_OK ||
        (rc = store_vault_get(s, "vault.mem", &t_mem, err)) != STORE_OK)
        goto out;
    rc = STORE_ERR_CORRUPT;
    if (t_salt == NULL || t_wrapped == NULL || t_ops == NULL || t_mem == NULL ||
        (salt = store_vault_unb64(t_salt, &nsalt)) == NULL || nsalt != VAULT_SALT ||
        (wrapped = store_vault_unb64(t_wrapped, &nwrapped)) == NULL ||
        nwrapped != VAULT_NONCE + 32 + VAULT_TAG ||
        !util_parse_int(t_ops, crypto_pwhash_OPSLIMIT_MIN, 64, &ops) ||
        !util_parse_int(t_mem, crypto_pwhash_MEMLIMIT_MIN, 4L << 30, &mem)) {
        util_seterr(err, _("database %s: the vault's wrapped key is damaged"), s->path);
        goto out;
    }
    if (store_vault_kek(kek, pass, salt, (unsigned long long)ops, (size_t)mem) != 0) {
        util_seterr(err, "%s", _("cannot derive the key: not enough memory for Argon2id"));
        rc = STORE_ERR_INVALID;
        goto out;
    }
    ad = store_vault_wrap_ad(pk);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            sk, &sklen, NULL, wrapped + VAULT_NONCE, nwrapped - VAULT_NONCE,
            (const unsigned char *)ad, strlen(ad), wrapped, kek) != 0 ||
        sklen != 32) {
        util_seterr(err, "%s", _("wrong passphrase"));
        rc = STORE_ERR_KEY;
        goto out;
    }
    rc = store_vault_keep(s, sk, pk, err);
out:
    sodium_memzero(kek, sizeof kek);
    sodium_memzero(sk, sizeof sk);
    free(salt);
    free(wrapped);
    free(t_salt);
    free(t_wrapped);
    free(t_ops);
    free(t_mem);
    free(ad);
    return rc;
}

/* ---- setting and changing the passphrase ---------------------------------------- */

/* Run a statement with no parameters and no rows. */
static int store_vault_exec(struct store *s, const char *sql, char **err)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? STORE_OK : store_fail(s, rc, sql, err);
}

/* A value to seal: where it is and what it holds. */
struct store_vault_item {
    int64_t seq; /* ops.seq, or 0 for a row */
    char *row_id;
    char *value;
};

static void store_vault_items_free(struct store_vault_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].row_id);
        if (items[i].value != NULL)
            sodium_memzero(items[i].value, strlen(items[i].value));
        free(items[i].value);
    }
    free(items);
}

/* Collect (seq or 0, row id, value) from @sql with one parameter-free query. */
static int store_vault_collect(struct store *s, const char *sql, bool with_seq,
                               struct store_vault_item **items, size_t *n, char **err)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

    *items = NULL;
    *n = 0;
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading personal data", err);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *items = xreallocarray(*items, cap, sizeof **items);
        }
        (*items)[*n].seq = with_seq ? sqlite3_column_int64(st, 0) : 0;
        (*items)[*n].row_id = store_col_text(st, with_seq ? 1 : 0);
        (*items)[*n].value = store_col_text(st, with_seq ? 2 : 1);
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "reading personal data", err);
}

/*
 * Run @up ("... SET x = ?1 WHERE key = ?2") with @sealed (taken; NULL: the
 * public key is damaged) for the row @row_id, or @seq when @row_id is NULL;
 * counts it in *count.
 */
static int store_vault_put_sealed(struct store *s, sqlite3_stmt *up, char *sealed,
                                  const char *row_id, int64_t seq, size_t *count, char **err)
{
    int rc;

    if (sealed == NULL) {
        util_seterr(err, _("database %s: the vault's public key is damaged"), s->path);
        return STORE_ERR_CORRUPT;
    }
    sqlite3_bind_text(up, 1, sealed, -1, SQLITE_TRANSIENT);
    if (row_id != NULL)
        sqlite3_bind_text(up, 2, row_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(up, 2, seq);
    rc = sqlite3_step(up);
    sqlite3_reset(up);
    sqlite3_clear_bindings(up);
    free(sealed);
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "sealing personal data", err);
    (*count)++;
    return STORE_OK;
}

/*
 * The outbox's copies of contacts (not synced), sealed as the contact of the
 * row they were copied from: "subscribers.contact" of subscriber_id for a
 * broadcast's rows, "verifiers.contact" of verifier_id for a message to a
 * verifier (approval and queueing copy the sealed text as it is). Seal the
 * plaintext ones to @pk, or with @reopen open every one with the current key
 * and seal it to @pk.
 */
static int store_vault_outbox(struct store *s, const unsigned char pk[32], bool reopen,
                              size_t *count, char **err)
{
    static const struct {
        const char *table, *sql, *reopen_sql;
    } kinds[] = {
        {"subscribers",
         "SELECT rowid, subscriber_id, CAST(contact AS TEXT) FROM outbox"
         " WHERE subscriber_id IS NOT NULL AND contact IS NOT NULL"
         " AND substr(contact, 1, 3) <> '" VAULT_PREFIX "'",
         "SELECT rowid, subscriber_id, contact FROM outbox"
         " WHERE subscriber_id IS NOT NULL AND contact IS NOT NULL"},
        {"verifiers",
         "SELECT rowid, verifier_id, CAST(contact AS TEXT) FROM outbox"
         " WHERE subscriber_id IS NULL AND verifier_id IS NOT NULL AND contact IS NOT NULL"
         " AND substr(contact, 1, 3) <> '" VAULT_PREFIX "'",
         "SELECT rowid, verifier_id, contact FROM outbox"
         " WHERE subscriber_id IS NULL AND verifier_id IS NOT NULL AND contact IS NOT NULL"},
    };
    int rc = STORE_OK;

    for (size_t k = 0; k < UTIL_ARRAY_LEN(kinds) && rc == STORE_OK; k++) {
        struct store_vault_item *items;
        size_t n;
        sqlite3_stmt *up;
        rc = store_vault_collect(s, reopen ? kinds[k].reopen_sql : kinds[k].sql, true, &items, &n,
                                 err);
        if (rc != STORE_OK)
            return rc;
        if ((up = store_stmt(s, "UPDATE outbox SET contact = ? WHERE rowid = ?", err)) == NULL)
            rc = STORE_ERR_IO;
        for (size_t i = 0; i < n && rc == STORE_OK; i++) {
            char *plain = NULL, *sealed;
            if (reopen) {
                rc = store_open_text(s, kinds[k].table, "contact", items[i].row_id, items[i].value,
                                     &plain, NULL);
                if (rc == STORE_ERR_KEY) {
                    rc = STORE_OK; /* sealed under a key we never had: it stays as it is */
                    continue;
                }
                if (rc != STORE_OK)
                    break;
            }
            sealed = store_vault_seal_with(pk, kinds[k].table, "contact", items[i].row_id,
                                           plain ? plain : items[i].value);
            if (plain != NULL) {
                sodium_memzero(plain, strlen(plain));
                free(plain);
            }
            rc = store_vault_put_sealed(s, up, sealed, NULL, items[i].seq, count, err);
        }
        store_vault_items_free(items, n);
    }
    return rc;
}

/* Seal every plaintext personal value, rows and op log, in place. */
static int store_vault_migrate(struct store *s, const unsigned char pk[32], size_t *migrated,
                               char **err)
{
    int rc = STORE_OK;

    for (size_t c = 0; c < UTIL_ARRAY_LEN(store_vault_cols) && rc == STORE_OK; c++) {
        const char *tbl = store_vault_cols[c].table, *col = store_vault_cols[c].col;
        struct store_vault_item *items;
        size_t n;
        /*
         * Identifiers come from store_vault_cols, never from input. An empty
         * value (a purged one) stays empty, as store_write leaves it: sealed,
         * the purge would take it for data and clear it again.
         */
        char *rows_sql = xasprintf("SELECT id, %s FROM %s WHERE typeof(%s) = 'text'"
                                   " AND %s <> '' AND substr(%s, 1, 3) <> '" VAULT_PREFIX "'",
                                   col, tbl, col, col, col);
        char *upd_sql = xasprintf("UPDATE %s SET %s = ? WHERE id = ?", tbl, col);
        /* The cell inside each row op's JSON (store-oplog.c); the other cells stay. */
        char *ops_sql =
            xasprintf("SELECT seq, row_id, CAST(json_extract(cols, '$.%s') AS TEXT)"
                      " FROM ops WHERE tbl = '%s'"
                      " AND json_extract(cols, '$.%s') IS NOT NULL"
                      " AND (json_type(cols, '$.%s') <> 'text'"
                      " OR (json_extract(cols, '$.%s') <> ''"
                      " AND substr(json_extract(cols, '$.%s'), 1, 3) <> '" VAULT_PREFIX "'))",
                      col, tbl, col, col, col, col);
        char *ops_upd =
            xasprintf("UPDATE ops SET cols = json_replace(cols, '$.%s', ?) WHERE seq = ?", col);

        for (int pass = 0; pass < 2 && rc == STORE_OK; pass++) {
            rc = store_vault_collect(s, pass == 0 ? rows_sql : ops_sql, pass == 1, &items, &n, err);
            if (rc != STORE_OK)
                break;
            sqlite3_stmt *up = store_stmt(s, pass == 0 ? upd_sql : ops_upd, err);
            for (size_t i = 0; i < n && rc == STORE_OK; i++) {
                char *sealed;
                if (up == NULL) {
                    rc = STORE_ERR_IO;
                    break;
                }
                sealed = store_vault_seal_with(pk, tbl, col, items[i].row_id, items[i].value);
                rc = store_vault_put_sealed(s, up, sealed, pass == 0 ? items[i].row_id : NULL,
                                            items[i].seq, migrated, err);
            }
            store_vault_items_free(items, n);
        }
        free(rows_sql);
        free(upd_sql);
        free(ops_sql);
        free(ops_upd);
    }
    if (rc == STORE_OK)
        rc = store_vault_outbox(s, pk, false, migrated, err);
    return rc;
}

void store_truncate_wal(struct store *s)
{
    if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) != SQLITE_OK)
        logger_msg(LOGGER_DEBUG, "checkpoint of %s incomplete: another vigia is reading", s->path);
}

int store_vault_setup(struct store *s, const char *pass, const struct store_vault_limits *limits,
                      size_t *migrated, char **err)
{
    unsigned char sk[32], pk[crypto_scalarmult_BYTES];
    bool found;
    int rc;

    *migrated = 0;
    store_vault_init_sodium();
    if ((rc = store_vault_exec(s, "PRAGMA secure_delete=ON", err)) != STORE_OK)
        return rc;
    if ((rc = store_begin(s, err)) != STORE_OK)
        return rc;
    if ((rc = store_vault_pk(s, pk, &found, err)) != STORE_OK)
        goto fail;
    if (found) {
        util_seterr(err, "%s", _("a passphrase is already set; use 'vigia passphrase change'"));
        rc = STORE_ERR_INVALID;
        goto fail;
    }
    randombytes_buf(sk, sizeof sk);
    crypto_scalarmult_base(pk, sk);
    if ((rc = store_vault_write_wrapped(s, sk, pk, pass, limits, err)) != STORE_OK ||
        (rc = store_vault_migrate(s, pk, migrated, err)) != STORE_OK)
        goto fail;
    if ((rc = store_commit(s, err)) != STORE_OK)
        goto out;
    store_truncate_wal(s);
    rc = store_vault_keep(s, sk, pk, err);
    goto out;
fail:
    store_rollback(s);
out:
    sodium_memzero(sk, sizeof sk);
    return rc;
}

int store_vault_rewrap(struct store *s, const char *pass, const struct store_vault_limits *limits,
                       char **err)
{
    int rc;

    if (s->vault == NULL) {
        util_seterr(err, "%s", _("personal data is locked: enter the passphrase"));
        return STORE_ERR_LOCKED;
    }
    if ((rc = store_vault_exec(s, "PRAGMA secure_delete=ON", err)) != STORE_OK ||
        (rc = store_begin(s, err)) != STORE_OK)
        return rc;
    rc = store_vault_write_wrapped(s, s->vault->sk, s->vault->pk, pass, limits, err);
    if (rc == STORE_OK)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    if (rc == STORE_OK)
        store_truncate_wal(s);
    return rc;
}

/* Re-seal every personal value (rows and op log) to @pk, opening with the current key. */
static int store_vault_reseal(struct store *s, const unsigned char pk[32], size_t *count,
                              char **err)
{
    int rc = STORE_OK;

    for (size_t c = 0; c < UTIL_ARRAY_LEN(store_vault_cols) && rc == STORE_OK; c++) {
        const char *tbl = store_vault_cols[c].table, *col = store_vault_cols[c].col;
        char *rows_sql = xasprintf("SELECT id, %s FROM %s WHERE %s IS NOT NULL", col, tbl, col);
        char *upd_sql = xasprintf("UPDATE %s SET %s = ? WHERE id = ?", tbl, col);
        char *ops_sql = xasprintf("SELECT seq, row_id, CAST(json_extract(cols, '$.%s') AS TEXT)"
                                  " FROM ops WHERE tbl = '%s'"
                                  " AND json_extract(cols, '$.%s') IS NOT NULL",
                                  col, tbl, col);
        char *ops_upd =
            xasprintf("UPDATE ops SET cols = json_replace(cols, '$.%s', ?) WHERE seq = ?", col);

        for (int pass = 0; pass < 2 && rc == STORE_OK; pass++) {
            struct store_vault_item *items;
            size_t n;
            rc = store_vault_collect(s, pass == 0 ? rows_sql : ops_sql, pass == 1, &items, &n, err);
            if (rc != STORE_OK)
                break;
            for (size_t i = 0; i < n && rc == STORE_OK; i++) {
                char *plain = NULL, *sealed;
                sqlite3_stmt *up;
                rc = store_open_text(s, tbl, col, items[i].row_id, items[i].value, &plain, NULL);
                if (rc == STORE_ERR_KEY) {
                    rc = STORE_OK; /* sealed under a key we never had: it stays as it is */
                    continue;
                }
                if (rc != STORE_OK)
                    break;
                sealed = store_vault_seal_with(pk, tbl, col, items[i].row_id, plain);
                sodium_memzero(plain, strlen(plain));
                free(plain);
                up = store_stmt(s, pass == 0 ? upd_sql : ops_upd, err);
                if (up == NULL || sealed == NULL) {
                    free(sealed);
                    rc = STORE_ERR_IO;
                    break;
                }
                sqlite3_bind_text(up, 1, sealed, -1, SQLITE_TRANSIENT);
                if (pass == 0)
                    sqlite3_bind_text(up, 2, items[i].row_id, -1, SQLITE_STATIC);
                else
                    sqlite3_bind_int64(up, 2, items[i].seq);
                int st = sqlite3_step(up);
                sqlite3_reset(up);
                sqlite3_clear_bindings(up);
                free(sealed);
                if (st != SQLITE_DONE)
                    rc = store_fail(s, st, "sealing personal data", err);
                else
                    (*count)++;
            }
            store_vault_items_free(items, n);
        }
        free(rows_sql);
        free(upd_sql);
        free(ops_sql);
        free(ops_upd);
    }
    if (rc == STORE_OK)
        rc = store_vault_outbox(s, pk, true, count, err);
    return rc;
}

int store_vault_adopt(struct store *s, const unsigned char key[STORE_VAULT_KEY_BYTES],
                      const char *pass, const struct store_vault_limits *limits, size_t *resealed,
                      char **err)
{
    unsigned char pk[crypto_scalarmult_BYTES], cur[crypto_scalarmult_BYTES];
    bool found;
    int rc;

    *resealed = 0;
    store_vault_init_sodium();
    if ((rc = store_vault_exec(s, "PRAGMA secure_delete=ON", err)) != STORE_OK ||
        (rc = store_begin(s, err)) != STORE_OK)
        return rc;
    if ((rc = store_vault_pk(s, cur, &found, err)) != STORE_OK)
        goto fail;
    if (found && s->vault == NULL) {
        util_seterr(err, "%s", _("personal data is locked: enter the passphrase"));
        rc = STORE_ERR_LOCKED;
        goto fail;
    }
    crypto_scalarmult_base(pk, key);
    /* Values sealed to the old key (or in the clear) are sealed to the adopted one. */
    if (!found || sodium_memcmp(pk, cur, sizeof pk) != 0)
        rc = found ? store_vault_reseal(s, pk, resealed, err)
                   : store_vault_migrate(s, pk, resealed, err);
    if (rc == STORE_OK)
        rc = store_vault_write_wrapped(s, key, pk, pass, limits, err);
    if (rc != STORE_OK)
        goto fail;
    if ((rc = store_commit(s, err)) != STORE_OK)
        return rc;
    store_truncate_wal(s);
    return store_vault_keep(s, key, pk, err);
fail:
    store_rollback(s);
    return rc;
}
