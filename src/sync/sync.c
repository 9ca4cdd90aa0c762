/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A sync session: sends this device's ops to the relay and applies the
 * batches of every other device, one transaction per batch.
 *
 * Sending: the next batch (ops after "send.cursor") is sealed once and kept
 * in sync_state ("send.pending") until the relay acknowledges it, so a retry
 * after a lost answer sends the very same bytes and receivers drop the copy
 * as a repeat; nothing is ever sent twice under one batch number with
 * different content.
 *
 * Receiving: batches come in the relay's order after "relay.cursor". A batch
 * is refused whole (and the dispatcher warned) when its envelope does not
 * parse, belongs to another network, is sealed under an epoch whose key this
 * device lacks, fails its seal or signature, comes from a removed device or
 * from a key other than the one pinned for that device. A batch number seen
 * before is a repeat and is ignored; a jump in a device's numbers is a gap
 * and is reported. Cursor, batch record and the ops move in one transaction.
 */
#include "config.h"

#include "vigia/sync.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/store.h"

#include "vigia/net.h"

struct sync_session {
    struct store *s;
    struct sync_client *client;
    char *relay;
    char network[ULID_LEN + 1];
    int64_t epoch;
    int64_t post_epoch; /* the epoch of the batch in flight */
    unsigned char sign_sk[SYNC_SIGN_SK_BYTES];
    char *sign_pk_b64;
    bool post_inflight, get_inflight;
    bool get_due; /* the last GET brought batches: ask again at once */
    int wait_s;
    int64_t retry_at;
    int backoff_ms;
    struct sync_status st;
    char *last_error;
};

/* ---- helpers ---------------------------------------------------------------- */

int sync_network_key(struct store *s, int64_t epoch, unsigned char key[SYNC_KEY_BYTES])
{
    char name[48], *v = NULL;
    unsigned char *raw = NULL;
    size_t n = 0;
    int rc = -1;

    snprintf(name, sizeof name, "net.key.%lld", (long long)epoch);
    if (store_sync_get(s, name, &v, NULL) != STORE_OK || v == NULL)
        goto out;
    if (sync_b64_decode(v, &raw, &n) != 0 || n != SYNC_KEY_BYTES)
        goto out;
    memcpy(key, raw, SYNC_KEY_BYTES);
    rc = 0;
out:
    if (raw != NULL) {
        sodium_memzero(raw, n);
        free(raw);
    }
    if (v != NULL) {
        sodium_memzero(v, strlen(v));
        free(v);
    }
    return rc;
}

static int sync_set_key(struct store *s, int64_t epoch, const unsigned char key[SYNC_KEY_BYTES],
                        char **err)
{
    char name[48], *b64 = sync_b64_encode(key, SYNC_KEY_BYTES);
    int rc;

    snprintf(name, sizeof name, "net.key.%lld", (long long)epoch);
    rc = store_sync_set(s, name, b64, err);
    sodium_memzero(b64, strlen(b64));
    free(b64);
    return rc;
}

/* This device's signing secret key from sync_state. */
static int sync_sign_sk(struct store *s, unsigned char sk[SYNC_SIGN_SK_BYTES])
{
    char *v = NULL;
    unsigned char *raw = NULL;
    size_t n = 0;
    int rc = -1;

    if (store_sync_get(s, "device.sign_sk", &v, NULL) == STORE_OK && v != NULL &&
        sync_b64_decode(v, &raw, &n) == 0 && n == SYNC_SIGN_SK_BYTES) {
        memcpy(sk, raw, SYNC_SIGN_SK_BYTES);
        rc = 0;
    }
    if (raw != NULL) {
        sodium_memzero(raw, n);
        free(raw);
    }
    if (v != NULL) {
        sodium_memzero(v, strlen(v));
        free(v);
    }
    return rc;
}

static void sync_session_error(struct sync_session *ss, const char *fmt, ...) UTIL_PRINTF(2, 3);
static void sync_session_error(struct sync_session *ss, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    free(ss->last_error);
    ss->last_error = xvasprintf(fmt, ap);
    va_end(ap);
    ss->st.last_error = ss->last_error;
    logger_msg(LOGGER_WARN, "%s", ss->last_error);
}

/* After a failure, wait a while (doubling up to a minute) before the next try. */
static void sync_session_backoff(struct sync_session *ss)
{
    ss->st.online = false;
    ss->backoff_ms = ss->backoff_ms ? ss->backoff_ms * 2 : 500;
    if (ss->backoff_ms > 30000)
        ss->backoff_ms = 30000;
    ss->retry_at = timeutil_now_ms() + ss->backoff_ms;
}

static void sync_session_ok(struct sync_session *ss)
{
    ss->st.online = true;
    ss->backoff_ms = 0;
    ss->retry_at = 0;
    ss->st.last_ok = timeutil_now_ms();
}

/* Authorization headers for the current epoch; free with sync_headers_free. */
static char **sync_session_headers(struct sync_session *ss, const char *content_type)
{
    unsigned char key[SYNC_KEY_BYTES], ver[32];
    char token[65];
    char **h = xcalloc(5, sizeof *h);
    size_t n = 0;

    if (sync_network_key(ss->s, ss->epoch, key) == 0) {
        sync_auth_verifier(key, ss->epoch, ver);
        sync_auth_token(ver, store_device(ss->s), token);
        h[n++] = xasprintf("Authorization: Bearer %s", token);
        sodium_memzero(key, sizeof key);
        sodium_memzero(ver, sizeof ver);
    }
    h[n++] = xasprintf("X-Vigia-Device: %s", store_device(ss->s));
    h[n++] = xasprintf("X-Vigia-Epoch: %lld", (long long)ss->epoch);
    if (content_type != NULL)
        h[n++] = xasprintf("Content-Type: %s", content_type);
    return h;
}

static void sync_headers_free(char **h)
{
    for (size_t i = 0; h[i] != NULL; i++)
        free(h[i]);
    free(h);
}

/* ---- session ---------------------------------------------------------------- */

struct sync_session *sync_session_new(struct store *s, char **err)
{
    struct sync_session *ss;
    char *relay = NULL, *net = NULL;
    int64_t epoch = 0;

    store_sync_get(s, "relay.url", &relay, NULL);
    store_sync_get(s, "net.id", &net, NULL);
    store_sync_get_int(s, "net.epoch", 0, &epoch, NULL);
    if (relay == NULL || net == NULL || epoch <= 0 || !ulid_valid(net)) {
        free(relay);
        free(net);
        util_seterr(err, _("this database has not joined a network; see 'vigia network join'"));
        return NULL;
    }
    if (!net_curl_load(err)) { /* the first use of libcurl in this process */
        free(relay);
        free(net);
        return NULL;
    }
    ss = xcalloc(1, sizeof *ss);
    ss->s = s;
    ss->relay = relay;
    while (*ss->relay && ss->relay[strlen(ss->relay) - 1] == '/')
        ss->relay[strlen(ss->relay) - 1] = '\0';
    snprintf(ss->network, sizeof ss->network, "%s", net);
    free(net);
    ss->epoch = epoch;
    if (sync_sign_sk(s, ss->sign_sk) != 0) {
        util_seterr(err, _("this device has no signing key; join the network again"));
        free(ss->relay);
        free(ss);
        return NULL;
    }
    {
        unsigned char pk[SYNC_SIGN_PK_BYTES];
        crypto_sign_ed25519_sk_to_pk(pk, ss->sign_sk);
        ss->sign_pk_b64 = sync_b64_encode(pk, sizeof pk);
    }
    ss->client = sync_client_new();
    ss->wait_s = 25;
    ss->st.joined = true;
    store_sync_get_int(s, "sync.last_ok", 0, &ss->st.last_ok, NULL);
    return ss;
}

void sync_session_free(struct sync_session **ssp)
{
    struct sync_session *ss = *ssp;

    if (ss == NULL)
        return;
    sync_client_free(&ss->client);
    sodium_memzero(ss->sign_sk, sizeof ss->sign_sk);
    free(ss->relay);
    free(ss->sign_pk_b64);
    free(ss->last_error);
    free(ss);
    *ssp = NULL;
}

void sync_session_set_wait(struct sync_session *ss, int seconds)
{
    ss->wait_s = seconds < 0 ? 0 : seconds;
}

struct sync_client *sync_session_client(struct sync_session *ss)
{
    return ss->client;
}

const struct sync_status *sync_session_status(struct sync_session *ss)
{
    int64_t cursor = 0;

    store_sync_get_int(ss->s, "send.cursor", 0, &cursor, NULL);
    store_sync_pending(ss->s, cursor, &ss->st.pending, NULL);
    return &ss->st;
}

bool sync_session_idle(struct sync_session *ss)
{
    return !ss->post_inflight && !ss->get_inflight && !ss->get_due;
}

/* ---- sending ------------------------------------------------------------------- */

/* Take up a key epoch changed by another process; true when it changed. */
static bool sync_session_reload_epoch(struct sync_session *ss)
{
    int64_t epoch = 0;

    store_sync_get_int(ss->s, "net.epoch", 0, &epoch, NULL);
    if (epoch <= ss->epoch)
        return false;
    ss->epoch = epoch;
    return true;
}

static void sync_session_post_done(long status, const char *body, size_t len, const char *error,
                                   void *data)
{
    struct sync_session *ss = data;
    int64_t seq = 0, last = 0;
    char *err = NULL;

    ss->post_inflight = false;
    if (status >= 200 && status < 300) {
        store_sync_get_int(ss->s, "send.pending_seq", 0, &seq, NULL);
        store_sync_get_int(ss->s, "send.pending_last", 0, &last, NULL);
        if (store_begin(ss->s, &err) == STORE_OK &&
            store_sync_set_int(ss->s, "send.cursor", last, &err) == STORE_OK &&
            store_sync_set_int(ss->s, "send.batch", seq, &err) == STORE_OK &&
            store_sync_set(ss->s, "send.pending", NULL, &err) == STORE_OK &&
            store_sync_set_int(ss->s, "sync.last_ok", timeutil_now_ms(), &err) == STORE_OK &&
            store_commit(ss->s, &err) == STORE_OK) {
            ss->st.sent_batches++;
            sync_session_ok(ss);
        } else {
            store_rollback(ss->s);
            sync_session_error(ss, _("cannot record a sent batch: %s"), err);
            free(err);
            sync_session_backoff(ss);
        }
        return;
    }
    if (status == 409) {
        /*
         * The relay holds another envelope under this batch number (one sent
         * before an epoch change, whose answer was lost): it was delivered;
         * number the next batch past it.
         */
        store_sync_get_int(ss->s, "send.pending_seq", 0, &seq, NULL);
        if (store_begin(ss->s, NULL) == STORE_OK &&
            store_sync_set_int(ss->s, "send.batch", seq, NULL) == STORE_OK &&
            store_sync_set(ss->s, "send.pending", NULL, NULL) == STORE_OK &&
            store_commit(ss->s, NULL) == STORE_OK)
            return;
        store_rollback(ss->s);
    }
    if ((status == 401 || status == 403) &&
        (sync_session_reload_epoch(ss) || ss->post_epoch != ss->epoch))
        return; /* the key was rotated meanwhile: try again under the new epoch */
    if (status == 0)
        sync_session_error(ss, _("relay %s is unreachable: %s"), ss->relay, error ? error : "?");
    else if (status == 401 || status == 403)
        sync_session_error(ss,
                           _("relay refused this device (HTTP %ld): removed, or a new key "
                             "epoch it has not received"),
                           status);
    else if (status == 429)
        sync_session_error(ss, _("relay asks to slow down (HTTP 429)"));
    else
        sync_session_error(ss, _("relay refused a batch (HTTP %ld): %.*s"), status,
                           (int)(len > 200 ? 200 : len), body);
    sync_session_backoff(ss);
    if (status == 429) {
        ss->backoff_ms = 1000;
        ss->retry_at = timeutil_now_ms() + 1000;
    }
}

/* Seal the next batch of this device's ops and keep it until acknowledged. */
static int sync_session_build(struct sync_session *ss, char **err)
{
    struct store_op *ops = NULL;
    size_t n = 0, elen;
    int64_t cursor, batch, last;
    struct sync_header h = {.version = SYNC_ENVELOPE_VERSION};
    unsigned char key[SYNC_KEY_BYTES], *env;
    char *pt, *b64;
    int rc;

    if ((rc = store_sync_get_int(ss->s, "send.cursor", 0, &cursor, err)) != STORE_OK ||
        (rc = store_sync_get_int(ss->s, "send.batch", 0, &batch, err)) != STORE_OK)
        return rc;
    if ((rc = store_sync_local_ops(ss->s, cursor, SYNC_BATCH_OPS, &ops, &n, &last, err)) !=
        STORE_OK)
        return rc;
    if (n == 0)
        return STORE_OK;
    if (sync_network_key(ss->s, ss->epoch, key) != 0) {
        store_ops_free(&ops, n);
        util_seterr(err, _("no network key for epoch %lld"), (long long)ss->epoch);
        return STORE_ERR_INVALID;
    }
    snprintf(h.network, sizeof h.network, "%s", ss->network);
    snprintf(h.device, sizeof h.device, "%s", store_device(ss->s));
    h.epoch = ss->epoch;
    h.seq = batch + 1;
    pt = sync_ops_encode(&h, ss->sign_pk_b64, ops, n);
    store_ops_free(&ops, n);
    sync_envelope_seal(&h, key, ss->sign_sk, pt, strlen(pt), &env, &elen);
    sodium_memzero(key, sizeof key);
    free(pt);
    b64 = sync_b64_encode(env, elen);
    free(env);
    rc = store_begin(ss->s, err);
    if (rc == STORE_OK)
        rc = store_sync_set(ss->s, "send.pending", b64, err);
    if (rc == STORE_OK)
        rc = store_sync_set_int(ss->s, "send.pending_seq", h.seq, err);
    if (rc == STORE_OK)
        rc = store_sync_set_int(ss->s, "send.pending_last", last, err);
    if (rc == STORE_OK)
        rc = store_commit(ss->s, err);
    else
        store_rollback(ss->s);
    free(b64);
    return rc;
}

static void sync_session_send(struct sync_session *ss)
{
    char *pending = NULL, *err = NULL, *url, **hdr;
    unsigned char *env;
    size_t elen;

    if (store_sync_get(ss->s, "send.pending", &pending, &err) != STORE_OK)
        goto fail;
    if (pending == NULL) {
        if (sync_session_build(ss, &err) != STORE_OK)
            goto fail;
        if (store_sync_get(ss->s, "send.pending", &pending, &err) != STORE_OK)
            goto fail;
        if (pending == NULL)
            return; /* nothing to send */
    }
    if (sync_b64_decode(pending, &env, &elen) != 0) {
        /* Damaged local state: drop it, the ops are rebuilt from the cursor. */
        store_sync_set(ss->s, "send.pending", NULL, NULL);
        free(pending);
        return;
    }
    free(pending);
    {
        struct sync_header h;
        if (sync_envelope_header(env, elen, &h, NULL) != 0 || h.epoch != ss->epoch) {
            /* Sealed under a key epoch since replaced: seal the ops again. */
            free(env);
            store_sync_set(ss->s, "send.pending", NULL, NULL);
            if (sync_session_build(ss, &err) != STORE_OK)
                goto fail;
            sync_session_send(ss);
            return;
        }
    }
    url = xasprintf("%s/v1/networks/%s/batches", ss->relay, ss->network);
    hdr = sync_session_headers(ss, "application/octet-stream");
    sync_client_request(ss->client, "POST", url, (const char *const *)hdr, env, elen, 60,
                        sync_session_post_done, ss);
    sync_headers_free(hdr);
    free(url);
    free(env);
    ss->post_inflight = true;
    ss->post_epoch = ss->epoch;
    return;
fail:
    sync_session_error(ss, _("cannot prepare a batch: %s"), err ? err : "?");
    free(err);
    sync_session_backoff(ss);
}

/* ---- receiving ------------------------------------------------------------------- */

static void sync_session_get_done(long status, const char *body, size_t len, const char *error,
                                  void *data)
{
    struct sync_session *ss = data;
    int64_t before = ss->st.received_batches;
    char *err = NULL;

    ss->get_inflight = false;
    if (status == 200) {
        if (sync_session_receive(ss, body, len, &err) != 0) {
            sync_session_error(ss, "%s", err);
            free(err);
            sync_session_backoff(ss);
            return;
        }
        sync_session_ok(ss);
        store_sync_set_int(ss->s, "sync.last_ok", ss->st.last_ok, NULL);
        /* A full answer may have more behind it. */
        ss->get_due = ss->st.received_batches > before || ss->get_due;
        return;
    }
    if ((status == 401 || status == 403) && sync_session_reload_epoch(ss))
        return;
    if (status == 0)
        sync_session_error(ss, _("relay %s is unreachable: %s"), ss->relay, error ? error : "?");
    else if (status == 401 || status == 403)
        sync_session_error(ss, _("relay refused this device (HTTP %ld)"), status);
    else
        sync_session_error(ss, _("relay answered HTTP %ld"), status);
    sync_session_backoff(ss);
}

static void sync_session_fetch(struct sync_session *ss)
{
    int64_t cursor = 0;
    char *url, **hdr;

    store_sync_get_int(ss->s, "relay.cursor", 0, &cursor, NULL);
    url = xasprintf("%s/v1/networks/%s/batches?after=%lld&wait=%d", ss->relay, ss->network,
                    (long long)cursor, ss->get_due ? 0 : ss->wait_s);
    hdr = sync_session_headers(ss, NULL);
    sync_client_request(ss->client, "GET", url, (const char *const *)hdr, NULL, 0, ss->wait_s + 30,
                        sync_session_get_done, ss);
    sync_headers_free(hdr);
    free(url);
    ss->get_due = false;
    ss->get_inflight = true;
}

void sync_session_kick(struct sync_session *ss)
{
    if (ss->retry_at > 0 && timeutil_now_ms() < ss->retry_at)
        return;
    if (!ss->post_inflight)
        sync_session_send(ss);
    if (!ss->get_inflight)
        sync_session_fetch(ss);
}

/* Adopt newer key epochs whose key was sealed to this device. */
static void sync_session_take_keys(struct sync_session *ss)
{
    for (;;) {
        int64_t next = ss->epoch + 1;
        unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
        unsigned char edpk[SYNC_SIGN_PK_BYTES], key[SYNC_KEY_BYTES], *sealed;
        char *b64 = NULL;
        size_t n;
        bool ok = false;

        if (store_keyshare_get(ss->s, next, store_device(ss->s), &b64, NULL) != STORE_OK ||
            b64 == NULL)
            return;
        crypto_sign_ed25519_sk_to_pk(edpk, ss->sign_sk);
        if (sync_b64_decode(b64, &sealed, &n) == 0) {
            if (crypto_sign_ed25519_pk_to_curve25519(pk, edpk) == 0 &&
                crypto_sign_ed25519_sk_to_curve25519(sk, ss->sign_sk) == 0 &&
                n == crypto_box_SEALBYTES + SYNC_KEY_BYTES &&
                crypto_box_seal_open(key, sealed, n, pk, sk) == 0)
                ok = true;
            free(sealed);
        }
        free(b64);
        sodium_memzero(sk, sizeof sk);
        if (!ok) {
            sync_session_error(ss, _("cannot open the key for epoch %lld"), (long long)next);
            return;
        }
        if (store_begin(ss->s, NULL) == STORE_OK && sync_set_key(ss->s, next, key, NULL) == 0 &&
            store_sync_set_int(ss->s, "net.epoch", next, NULL) == STORE_OK &&
            store_commit(ss->s, NULL) == STORE_OK) {
            ss->epoch = next;
            logger_msg(LOGGER_INFO, _("network key epoch is now %lld"), (long long)next);
        } else {
            store_rollback(ss->s);
            sodium_memzero(key, sizeof key);
            return;
        }
        sodium_memzero(key, sizeof key);
    }
}

/* Is @device marked removed in the devices table? */
static bool sync_device_removed(struct store *s, const char *device)
{
    struct store_device *d = NULL;
    size_t n = 0;
    bool removed = false;

    if (store_devices_list(s, &d, &n, NULL) != STORE_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(d[i].id, device) == 0 && d[i].deleted_at > 0)
            removed = true;
    store_devices_free(&d, n);
    return removed;
}

/*
 * Check and apply one envelope at relay position @cursor. Returns 0 when the
 * batch was applied or skipped, 1 when refused (the cursor still moves), -1
 * on a local failure (nothing moves).
 */
static int sync_session_one(struct sync_session *ss, const unsigned char *env, size_t len,
                            int64_t cursor, char **err)
{
    struct sync_header h;
    unsigned char key[SYNC_KEY_BYTES], pk[SYNC_SIGN_PK_BYTES];
    char pin_name[64], *pin = NULL, *pt = NULL, *sign_pk = NULL, *why = NULL;
    struct store_op *ops = NULL;
    size_t nops = 0, ptlen;
    bool seen, have_key = false, newpin = false;
    int64_t max_seq;
    struct store_apply_stats stats;
    int rc = 1, src;

    if (sync_envelope_header(env, len, &h, &why) != 0)
        goto refuse;
    if (strcmp(h.network, ss->network) != 0) {
        util_seterr(&why, _("it belongs to another network"));
        goto refuse;
    }
    if (strcmp(h.device, store_device(ss->s)) == 0) {
        rc = 0; /* our own batch coming back */
        goto move;
    }
    if (sync_network_key(ss->s, h.epoch, key) != 0) {
        util_seterr(&why, _("it is sealed under key epoch %lld, which this device does not have"),
                    (long long)h.epoch);
        goto refuse;
    }
    have_key = true;
    snprintf(pin_name, sizeof pin_name, "pin.%s", h.device);
    store_sync_get(ss->s, pin_name, &pin, NULL);
    if (pin != NULL) {
        unsigned char *raw;
        size_t n;
        if (sync_b64_decode(pin, &raw, &n) != 0 || n != SYNC_SIGN_PK_BYTES) {
            util_seterr(&why, _("the pinned key of device %s is damaged"), h.device);
            goto refuse;
        }
        memcpy(pk, raw, n);
        free(raw);
        if (!sync_envelope_verify(env, len, pk)) {
            util_seterr(&why, _("its signature does not match device %s"), h.device);
            goto refuse;
        }
    }
    if (sync_envelope_open(env, len, key, &pt, &ptlen, &why) != 0)
        goto refuse;
    if (sync_ops_decode(&h, pt, ptlen, &ops, &nops, &sign_pk, &why) != 0)
        goto refuse;
    if (pin == NULL) {
        /* First use: trust the key the device announces inside the sealed batch. */
        unsigned char *raw;
        size_t n;
        if (sync_b64_decode(sign_pk, &raw, &n) != 0 || n != SYNC_SIGN_PK_BYTES) {
            util_seterr(&why, _("it announces a malformed signing key"));
            goto refuse;
        }
        memcpy(pk, raw, n);
        free(raw);
        if (!sync_envelope_verify(env, len, pk)) {
            util_seterr(&why, _("its signature does not match the key it announces"));
            goto refuse;
        }
        newpin = true;
    } else if (strcmp(pin, sign_pk) != 0) {
        util_seterr(&why, _("device %s announces a different key than the one pinned"), h.device);
        goto refuse;
    }
    if (sync_device_removed(ss->s, h.device)) {
        util_seterr(&why, _("device %s was removed from the network"), h.device);
        goto refuse;
    }
    if (store_sync_batch_seen(ss->s, h.device, h.seq, &seen, &max_seq, err) != STORE_OK) {
        rc = -1;
        goto out;
    }
    if (seen) {
        logger_msg(LOGGER_WARN, _("batch %lld of device %s came again (a repeat); ignored"),
                   (long long)h.seq, h.device);
        rc = 0;
        goto move;
    }
    if (h.seq > max_seq + 1) {
        ss->st.gaps += h.seq - max_seq - 1;
        logger_msg(LOGGER_WARN,
                   _("batches %lld to %lld of device %s are missing (dropped by the relay?)"),
                   (long long)max_seq + 1, (long long)h.seq - 1, h.device);
    }
    if ((src = store_begin(ss->s, err)) != STORE_OK) {
        rc = -1;
        goto out;
    }
    src = store_sync_apply_tx(ss->s, ops, nops, &stats, err);
    if (src == STORE_OK)
        src = store_sync_batch_record(ss->s, h.device, h.seq, h.epoch, err);
    if (src == STORE_OK && newpin)
        src = store_sync_set(ss->s, pin_name, sign_pk, err);
    if (src == STORE_OK)
        src = store_sync_set_int(ss->s, "relay.cursor", cursor, err);
    if (src == STORE_OK)
        src = store_commit(ss->s, err);
    if (src != STORE_OK) {
        store_rollback(ss->s);
        rc = -1;
        goto out;
    }
    ss->st.received_batches++;
    ss->st.applied_ops += (int64_t)(stats.ops - stats.duplicates);
    if (stats.conflicts > 0)
        logger_msg(LOGGER_WARN, _("%zu concurrent edits recorded as conflicts"), stats.conflicts);
    rc = 0;
    goto out;
refuse:
    ss->st.refused++;
    sync_session_error(ss, _("refused a batch from the relay (position %lld): %s"),
                       (long long)cursor, why ? why : "?");
    rc = 1;
move:
    if (store_sync_set_int(ss->s, "relay.cursor", cursor, err) != STORE_OK)
        rc = -1;
out:
    if (have_key)
        sodium_memzero(key, sizeof key);
    if (pt != NULL) {
        sodium_memzero(pt, ptlen);
        free(pt);
    }
    store_ops_free(&ops, nops);
    free(sign_pk);
    free(pin);
    free(why);
    return rc;
}

int sync_session_receive(struct sync_session *ss, const char *body, size_t len, char **err)
{
    json_t *root = json_loadb(body, len, 0, NULL), *arr, *item;
    size_t i;
    int rc = 0;

    arr = json_object_get(root, "batches");
    if (!json_is_array(arr)) {
        json_decref(root);
        util_seterr(err, _("relay sent an answer that is not a list of batches"));
        return -1;
    }
    json_array_foreach(arr, i, item)
    {
        json_t *c = json_object_get(item, "cursor"), *e = json_object_get(item, "envelope");
        unsigned char *env = NULL;
        size_t elen = 0;
        int r;
        if (!json_is_integer(c) || !json_is_string(e)) {
            util_seterr(err, _("relay sent a malformed batch entry"));
            rc = -1;
            break;
        }
        if (sync_b64_decode(json_string_value(e), &env, &elen) != 0) {
            env = NULL;
            elen = 0;
        }
        r = sync_session_one(ss, env ? env : (const unsigned char *)"", elen, json_integer_value(c),
                             err);
        free(env);
        /* A new epoch's key may have just arrived for the batches after this one. */
        sync_session_take_keys(ss);
        if (r < 0) {
            rc = -1;
            break;
        }
    }
    json_decref(root);
    sync_session_take_keys(ss);
    return rc;
}

/* ---- membership ------------------------------------------------------------------ */

int sync_network_join(struct store *s, const struct sync_invite *inv, const char *name, char **err)
{
    char *cur = NULL, *sk64 = NULL, *pk64 = NULL;
    unsigned char pk[SYNC_SIGN_PK_BYTES], sk[SYNC_SIGN_SK_BYTES];
    int rc;

    if ((rc = store_sync_get(s, "net.id", &cur, err)) != STORE_OK)
        return -1;
    if (cur != NULL && strcmp(cur, inv->network) != 0) {
        util_seterr(err, _("this database already belongs to network %s"), cur);
        free(cur);
        return -1;
    }
    free(cur);
    if ((rc = store_begin(s, err)) != STORE_OK)
        return -1;
    if (sync_sign_sk(s, sk) != 0) {
        crypto_sign_keypair(pk, sk);
        sk64 = sync_b64_encode(sk, sizeof sk);
        rc = store_sync_set(s, "device.sign_sk", sk64, err);
        sodium_memzero(sk64, strlen(sk64));
    } else {
        crypto_sign_ed25519_sk_to_pk(pk, sk);
    }
    sodium_memzero(sk, sizeof sk);
    pk64 = sync_b64_encode(pk, sizeof pk);
    if (rc == STORE_OK)
        rc = store_sync_set(s, "device.sign_pk", pk64, err);
    if (rc == STORE_OK)
        rc = store_sync_set(s, "relay.url", inv->relay, err);
    if (rc == STORE_OK)
        rc = store_sync_set(s, "net.id", inv->network, err);
    if (rc == STORE_OK)
        rc = store_sync_set_int(s, "net.epoch", inv->epoch, err);
    for (size_t i = 0; i < inv->nkeys && rc == STORE_OK; i++)
        rc = sync_set_key(s, inv->keys[i].epoch, inv->keys[i].key, err);
    if (rc == STORE_OK) {
        char pin[64];
        snprintf(pin, sizeof pin, "pin.%s", store_device(s));
        rc = store_sync_set(s, pin, pk64, err);
    }
    if (rc == STORE_OK) {
        struct store_col cols[] = {
            {"name", store_text(name)},
            {"sign_pk", store_text(pk64)},
            {"joined_at", store_int(timeutil_now_ms())},
        };
        rc = store_write(s, "devices", store_device(s), cols, UTIL_ARRAY_LEN(cols), err);
    }
    if (rc == STORE_OK)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    free(sk64);
    free(pk64);
    return rc == STORE_OK ? 0 : -1;
}

int sync_network_invite(struct store *s, const unsigned char *vault, char **out, char **err)
{
    struct sync_invite inv;
    char *net = NULL;
    int64_t epoch = 0;

    *out = NULL;
    memset(&inv, 0, sizeof inv);
    store_sync_get(s, "relay.url", &inv.relay, NULL);
    store_sync_get(s, "net.id", &net, NULL);
    store_sync_get_int(s, "net.epoch", 0, &epoch, NULL);
    if (inv.relay == NULL || net == NULL || epoch <= 0) {
        free(inv.relay);
        free(net);
        util_seterr(err, _("this database has not joined a network"));
        return -1;
    }
    snprintf(inv.network, sizeof inv.network, "%s", net);
    free(net);
    inv.epoch = epoch;
    for (int64_t e = epoch; e >= 1 && inv.nkeys < UTIL_ARRAY_LEN(inv.keys); e--) {
        if (sync_network_key(s, e, inv.keys[inv.nkeys].key) == 0) {
            inv.keys[inv.nkeys].epoch = e;
            inv.nkeys++;
        }
    }
    if (vault != NULL) {
        inv.has_vault = true;
        memcpy(inv.vault, vault, SYNC_KEY_BYTES);
    }
    *out = sync_invite_format(&inv);
    sync_invite_fini(&inv);
    return 0;
}

int sync_network_rotate_prepare(struct store *s, const char *const *remove, int64_t *new_epoch,
                                char **err)
{
    struct store_device *d = NULL;
    size_t n = 0;
    int64_t epoch = 0, now = timeutil_now_ms();
    unsigned char key[SYNC_KEY_BYTES];
    int rc;

    *new_epoch = 0;
    if (store_sync_get_int(s, "net.epoch", 0, &epoch, err) != STORE_OK || epoch <= 0) {
        util_seterr(err, _("this database has not joined a network"));
        return -1;
    }
    if (store_devices_list(s, &d, &n, err) != STORE_OK)
        return -1;
    for (size_t k = 0; remove != NULL && remove[k] != NULL; k++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            if (strcmp(d[i].id, remove[k]) == 0 || (d[i].name && strcmp(d[i].name, remove[k]) == 0))
                found = true;
        if (!found || strcmp(remove[k], store_device(s)) == 0) {
            util_seterr(err, _("cannot remove device %s: no such other device"), remove[k]);
            store_devices_free(&d, n);
            return -1;
        }
    }
    randombytes_buf(key, sizeof key);
    if ((rc = store_begin(s, err)) != STORE_OK) {
        store_devices_free(&d, n);
        return -1;
    }
    rc = sync_set_key(s, epoch + 1, key, err);
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        bool removing = false;
        for (size_t k = 0; remove != NULL && remove[k] != NULL; k++)
            if (strcmp(d[i].id, remove[k]) == 0 || (d[i].name && strcmp(d[i].name, remove[k]) == 0))
                removing = true;
        if (removing) {
            struct store_col c = {"deleted_at", store_int(now)};
            rc = store_write(s, "devices", d[i].id, &c, 1, err);
            continue;
        }
        if (d[i].deleted_at > 0 || d[i].sign_pk == NULL || strcmp(d[i].id, store_device(s)) == 0)
            continue;
        {
            unsigned char *edpk, xpk[crypto_box_PUBLICKEYBYTES];
            unsigned char sealed[crypto_box_SEALBYTES + SYNC_KEY_BYTES];
            size_t pklen;
            char id[80], *b64;
            if (sync_b64_decode(d[i].sign_pk, &edpk, &pklen) != 0)
                continue;
            if (pklen != SYNC_SIGN_PK_BYTES ||
                crypto_sign_ed25519_pk_to_curve25519(xpk, edpk) != 0) {
                free(edpk);
                continue;
            }
            free(edpk);
            crypto_box_seal(sealed, key, sizeof key, xpk);
            b64 = sync_b64_encode(sealed, sizeof sealed);
            snprintf(id, sizeof id, "%lld.%s", (long long)(epoch + 1), d[i].id);
            struct store_col cols[] = {
                {"epoch", store_int(epoch + 1)},
                {"device_id", store_text(d[i].id)},
                {"sealed", store_text(b64)},
                {"created_at", store_int(now)},
            };
            rc = store_write(s, "keyshares", id, cols, UTIL_ARRAY_LEN(cols), err);
            free(b64);
        }
    }
    sodium_memzero(key, sizeof key);
    store_devices_free(&d, n);
    if (rc == STORE_OK)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    if (rc != STORE_OK)
        return -1;
    *new_epoch = epoch + 1;
    return 0;
}

int sync_network_rotate_commit(struct store *s, int64_t new_epoch, char **err)
{
    unsigned char key[SYNC_KEY_BYTES];

    if (sync_network_key(s, new_epoch, key) != 0) {
        util_seterr(err, _("no key for epoch %lld"), (long long)new_epoch);
        return -1;
    }
    sodium_memzero(key, sizeof key);
    return store_sync_set_int(s, "net.epoch", new_epoch, err) == STORE_OK ? 0 : -1;
}
