/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Envelopes: a batch of ops, sealed and signed (share/doc/sync-protocol.md).
 *
 *   offset  size  field
 *        0     4  magic "VGSB"
 *        4     1  version (1)
 *        5     3  zero
 *        8    26  network id (ULID, ASCII)
 *       34     8  key epoch (big-endian)
 *       42    26  device id (ULID, ASCII)
 *       68     8  batch seq (big-endian)
 *       76    24  nonce (random)
 *      100     n  XChaCha20-Poly1305 ciphertext of the JSON batch (tag included),
 *                 associated data = bytes 0..75
 *   100+n     64  Ed25519 signature over bytes 0..100+n-1
 *
 * The relay sees the header (which network, device and batch, and sizes) and
 * nothing else. Relay credentials are derived from the network key: the
 * verifier of an epoch is a KDF subkey, and a device's token is
 * HMAC-SHA-256(verifier, device id).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/store.h"
#include "vigia/sync.h"

#define SYNC_AD_BYTES 76
#define SYNC_MAGIC "VGSB"

static void sync_put64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t sync_get64(const unsigned char *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

/* ---- batch plaintext ------------------------------------------------------ */

char *sync_ops_encode(const struct sync_header *h, const char *sign_pk, const struct store_op *ops,
                      size_t n)
{
    json_t *o = json_object(), *arr = json_array();
    char *out;

    json_object_set_new(o, "v", json_integer(1));
    json_object_set_new(o, "seq", json_integer(h->seq));
    json_object_set_new(o, "sign_pk", json_string(sign_pk));
    for (size_t i = 0; i < n; i++) {
        const struct store_op *op = &ops[i];
        json_t *v;
        switch (op->v.type) {
        case STORE_INT:
            v = json_integer(op->v.i);
            break;
        case STORE_REAL:
            v = json_real(op->v.d);
            break;
        case STORE_TEXT:
            v = json_stringn(op->v.s, strlen(op->v.s));
            break;
        default:
            v = json_null();
            break;
        }
        json_array_append_new(arr, json_pack("[I,s,s,s,o,I]", (json_int_t)op->hlc, op->tbl,
                                             op->row_id, op->col, v, (json_int_t)op->parent));
    }
    json_object_set_new(o, "ops", arr);
    out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (out == NULL)
        util_fatal("out of memory");
    return out;
}

int sync_ops_decode(const struct sync_header *h, const char *json, size_t len,
                    struct store_op **ops, size_t *n, char **sign_pk, char **err)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr), *arr, *item;
    size_t i;
    int rc = -1;

    *ops = NULL;
    *n = 0;
    *sign_pk = NULL;
    if (root == NULL || !json_is_object(root)) {
        util_seterr(err, _("batch is not valid JSON: %s"), root ? "not an object" : jerr.text);
        goto out;
    }
    if (json_integer_value(json_object_get(root, "v")) != 1 ||
        json_integer_value(json_object_get(root, "seq")) != h->seq) {
        util_seterr(err, _("batch has an unknown version or the wrong number"));
        goto out;
    }
    if (!json_is_string(json_object_get(root, "sign_pk"))) {
        util_seterr(err, _("batch does not name its signing key"));
        goto out;
    }
    arr = json_object_get(root, "ops");
    if (!json_is_array(arr)) {
        util_seterr(err, _("batch has no ops"));
        goto out;
    }
    *ops = xcalloc(json_array_size(arr) ? json_array_size(arr) : 1, sizeof **ops);
    json_array_foreach(arr, i, item)
    {
        struct store_op *op = &(*ops)[i];
        json_t *v;
        if (!json_is_array(item) || json_array_size(item) < 5 || json_array_size(item) > 6 ||
            !json_is_integer(json_array_get(item, 0)) || !json_is_string(json_array_get(item, 1)) ||
            !json_is_string(json_array_get(item, 2)) || !json_is_string(json_array_get(item, 3)) ||
            json_integer_value(json_array_get(item, 0)) <= 0) {
            util_seterr(err, _("batch op %zu is malformed"), i);
            goto out;
        }
        op->hlc = (uint64_t)json_integer_value(json_array_get(item, 0));
        if (json_integer_value(json_array_get(item, 5)) > 0)
            op->parent = (uint64_t)json_integer_value(json_array_get(item, 5));
        snprintf(op->device, sizeof op->device, "%s", h->device);
        op->tbl = xstrdup(json_string_value(json_array_get(item, 1)));
        op->row_id = xstrdup(json_string_value(json_array_get(item, 2)));
        op->col = xstrdup(json_string_value(json_array_get(item, 3)));
        v = json_array_get(item, 4);
        if (json_is_integer(v)) {
            op->v = store_int(json_integer_value(v));
        } else if (json_is_real(v)) {
            op->v = store_real(json_real_value(v));
        } else if (json_is_string(v)) {
            if (strlen(json_string_value(v)) != json_string_length(v)) {
                util_seterr(err, _("batch op %zu holds a NUL byte"), i);
                *n = i + 1;
                goto out;
            }
            op->v = store_text(xstrdup(json_string_value(v)));
        } else if (json_is_null(v)) {
            op->v = store_null();
        } else {
            util_seterr(err, _("batch op %zu has a value of unknown type"), i);
            *n = i + 1;
            goto out;
        }
        *n = i + 1;
    }
    *sign_pk = xstrdup(json_string_value(json_object_get(root, "sign_pk")));
    rc = 0;
out:
    if (rc != 0) {
        store_ops_free(ops, *n);
        *n = 0;
    }
    json_decref(root);
    return rc;
}

/* ---- envelope ---------------------------------------------------------------- */

static void sync_header_write(const struct sync_header *h, unsigned char ad[SYNC_AD_BYTES])
{
    memset(ad, 0, SYNC_AD_BYTES);
    memcpy(ad, SYNC_MAGIC, 4);
    ad[4] = (unsigned char)h->version;
    memcpy(ad + 8, h->network, ULID_LEN);
    sync_put64(ad + 34, (uint64_t)h->epoch);
    memcpy(ad + 42, h->device, ULID_LEN);
    sync_put64(ad + 68, (uint64_t)h->seq);
}

void sync_envelope_seal(const struct sync_header *h, const unsigned char key[SYNC_KEY_BYTES],
                        const unsigned char sign_sk[SYNC_SIGN_SK_BYTES], const void *pt,
                        size_t ptlen, unsigned char **out, size_t *outlen)
{
    size_t n = SYNC_ENVELOPE_HEADER + ptlen + crypto_aead_xchacha20poly1305_ietf_ABYTES +
               crypto_sign_BYTES;
    unsigned char *e = xmalloc(n);
    unsigned long long clen;

    sync_header_write(h, e);
    randombytes_buf(e + SYNC_AD_BYTES, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(e + SYNC_ENVELOPE_HEADER, &clen, pt, ptlen, e,
                                               SYNC_AD_BYTES, NULL, e + SYNC_AD_BYTES, key);
    crypto_sign_detached(e + SYNC_ENVELOPE_HEADER + clen, NULL, e, SYNC_ENVELOPE_HEADER + clen,
                         sign_sk);
    *out = e;
    *outlen = n;
}

int sync_envelope_header(const unsigned char *env, size_t len, struct sync_header *h, char **err)
{
    memset(h, 0, sizeof *h);
    if (len < SYNC_ENVELOPE_OVERHEAD || memcmp(env, SYNC_MAGIC, 4) != 0) {
        util_seterr(err, _("not a vigia batch (%zu bytes)"), len);
        return -1;
    }
    h->version = env[4];
    if (h->version != SYNC_ENVELOPE_VERSION) {
        util_seterr(err, _("batch format %d is not known to this vigia"), h->version);
        return -1;
    }
    memcpy(h->network, env + 8, ULID_LEN);
    h->epoch = (int64_t)sync_get64(env + 34);
    memcpy(h->device, env + 42, ULID_LEN);
    h->seq = (int64_t)sync_get64(env + 68);
    if (!ulid_valid(h->network) || !ulid_valid(h->device) || h->seq <= 0 || h->epoch <= 0) {
        util_seterr(err, _("batch header is malformed"));
        return -1;
    }
    return 0;
}

bool sync_envelope_verify(const unsigned char *env, size_t len,
                          const unsigned char sign_pk[SYNC_SIGN_PK_BYTES])
{
    if (len < SYNC_ENVELOPE_OVERHEAD)
        return false;
    return crypto_sign_verify_detached(env + len - crypto_sign_BYTES, env, len - crypto_sign_BYTES,
                                       sign_pk) == 0;
}

int sync_envelope_open(const unsigned char *env, size_t len,
                       const unsigned char key[SYNC_KEY_BYTES], char **pt, size_t *ptlen,
                       char **err)
{
    size_t clen;
    unsigned long long mlen;
    unsigned char *m;

    *pt = NULL;
    *ptlen = 0;
    if (len < SYNC_ENVELOPE_OVERHEAD) {
        util_seterr(err, _("batch is truncated"));
        return -1;
    }
    clen = len - SYNC_ENVELOPE_HEADER - crypto_sign_BYTES;
    m = xmalloc(clen + 1);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, NULL, env + SYNC_ENVELOPE_HEADER, clen,
                                                   env, SYNC_AD_BYTES, env + SYNC_AD_BYTES,
                                                   key) != 0) {
        free(m);
        util_seterr(err,
                    _("batch fails its integrity check (altered, or sealed under another key)"));
        return -1;
    }
    m[mlen] = '\0';
    *pt = (char *)m;
    *ptlen = (size_t)mlen;
    return 0;
}

/* ---- relay credentials ------------------------------------------------------ */

void sync_auth_verifier(const unsigned char key[SYNC_KEY_BYTES], int64_t epoch,
                        unsigned char out[32])
{
    /* A one-way subkey: the relay can check tokens but learns nothing of the key. */
    crypto_kdf_derive_from_key(out, 32, (uint64_t)epoch, "vigiarel", key);
}

void sync_auth_token(const unsigned char verifier[32], const char *device, char out[65])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];

    crypto_auth_hmacsha256(mac, (const unsigned char *)device, strlen(device), verifier);
    sodium_bin2hex(out, 65, mac, sizeof mac);
}

/* ---- base64url ---------------------------------------------------------------- */

char *sync_b64_encode(const void *data, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = xmalloc(cap);

    sodium_bin2base64(out, cap, data, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

int sync_b64_decode(const char *s, unsigned char **out, size_t *n)
{
    size_t len = strlen(s);
    unsigned char *b = xmalloc(len + 1);

    if (sodium_base642bin(b, len + 1, s, len, NULL, n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 &&
        sodium_base642bin(b, len + 1, s, len, NULL, n, NULL, sodium_base64_VARIANT_URLSAFE) != 0) {
        free(b);
        *out = NULL;
        return -1;
    }
    *out = b;
    return 0;
}

/* ---- invites ---------------------------------------------------------------------- */

#define SYNC_INVITE_PREFIX "vigia-invite-1."

char *sync_invite_format(const struct sync_invite *inv)
{
    json_t *o = json_object(), *keys = json_object();
    char *js, *b64, *out;

    json_object_set_new(o, "relay", json_string(inv->relay));
    json_object_set_new(o, "network", json_string(inv->network));
    json_object_set_new(o, "epoch", json_integer(inv->epoch));
    for (size_t i = 0; i < inv->nkeys; i++) {
        char ep[24];
        snprintf(ep, sizeof ep, "%lld", (long long)inv->keys[i].epoch);
        b64 = sync_b64_encode(inv->keys[i].key, SYNC_KEY_BYTES);
        json_object_set_new(keys, ep, json_string(b64));
        free(b64);
    }
    json_object_set_new(o, "keys", keys);
    if (inv->has_vault) {
        b64 = sync_b64_encode(inv->vault, SYNC_KEY_BYTES);
        json_object_set_new(o, "vault", json_string(b64));
        sodium_memzero(b64, strlen(b64));
        free(b64);
    }
    js = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    b64 = sync_b64_encode(js, strlen(js));
    out = xasprintf("%s%s", SYNC_INVITE_PREFIX, b64);
    sodium_memzero(js, strlen(js));
    free(js);
    free(b64);
    return out;
}

int sync_invite_parse(const char *text, struct sync_invite *inv, char **err)
{
    unsigned char *raw = NULL;
    size_t n;
    json_t *o = NULL, *keys, *v;
    const char *k;
    int rc = -1;

    memset(inv, 0, sizeof *inv);
    while (*text == ' ' || *text == '\t')
        text++;
    if (strncmp(text, SYNC_INVITE_PREFIX, strlen(SYNC_INVITE_PREFIX)) != 0) {
        util_seterr(err, _("not a vigia invite (it starts with %s)"), SYNC_INVITE_PREFIX);
        return -1;
    }
    {
        char *t = xstrdup(text + strlen(SYNC_INVITE_PREFIX));
        t[strcspn(t, " \t\r\n")] = '\0';
        if (sync_b64_decode(t, &raw, &n) != 0) {
            free(t);
            util_seterr(err, _("invite is damaged (not base64url)"));
            return -1;
        }
        free(t);
    }
    o = json_loadb((const char *)raw, n, 0, NULL);
    if (!json_is_object(o) || !json_is_string(json_object_get(o, "relay")) ||
        !json_is_string(json_object_get(o, "network")) ||
        !ulid_valid(json_string_value(json_object_get(o, "network"))) ||
        json_integer_value(json_object_get(o, "epoch")) <= 0 ||
        !json_is_object(keys = json_object_get(o, "keys"))) {
        util_seterr(err, _("invite is damaged (missing relay, network, epoch or keys)"));
        goto out;
    }
    inv->relay = xstrdup(json_string_value(json_object_get(o, "relay")));
    snprintf(inv->network, sizeof inv->network, "%s",
             json_string_value(json_object_get(o, "network")));
    inv->epoch = json_integer_value(json_object_get(o, "epoch"));
    json_object_foreach(keys, k, v)
    {
        unsigned char *key;
        size_t klen;
        if (inv->nkeys == UTIL_ARRAY_LEN(inv->keys))
            break;
        if (!json_is_string(v) || sync_b64_decode(json_string_value(v), &key, &klen) != 0 ||
            klen != SYNC_KEY_BYTES) {
            if (json_is_string(v))
                free(key);
            util_seterr(err, _("invite is damaged (bad key for epoch %s)"), k);
            goto out;
        }
        inv->keys[inv->nkeys].epoch = strtoll(k, NULL, 10);
        memcpy(inv->keys[inv->nkeys].key, key, SYNC_KEY_BYTES);
        sodium_memzero(key, klen);
        free(key);
        inv->nkeys++;
    }
    if ((v = json_object_get(o, "vault")) != NULL) {
        unsigned char *key = NULL;
        size_t klen = 0;
        if (!json_is_string(v) || sync_b64_decode(json_string_value(v), &key, &klen) != 0 ||
            klen != SYNC_KEY_BYTES) {
            if (key != NULL) {
                sodium_memzero(key, klen);
                free(key);
            }
            util_seterr(err, _("invite is damaged (bad personal-data key)"));
            goto out;
        }
        memcpy(inv->vault, key, SYNC_KEY_BYTES);
        inv->has_vault = true;
        sodium_memzero(key, klen);
        free(key);
    }
    rc = 0;
    for (size_t i = 0; i < inv->nkeys; i++)
        if (inv->keys[i].epoch == inv->epoch)
            goto out;
    util_seterr(err, _("invite is damaged (no key for its epoch)"));
    rc = -1;
out:
    if (raw != NULL) {
        sodium_memzero(raw, n);
        free(raw);
    }
    json_decref(o);
    if (rc != 0)
        sync_invite_fini(inv);
    return rc;
}

void sync_invite_fini(struct sync_invite *inv)
{
    free(inv->relay);
    sodium_memzero(inv, sizeof *inv);
}
