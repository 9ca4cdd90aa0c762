/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sync: moving ops between devices through a blind relay.
 *
 * - envelope.c: a batch of ops as JSON, sealed with XChaCha20-Poly1305 under
 *   the network key of an epoch and signed with the device's Ed25519 key; the
 *   format is in share/doc/sync-protocol.md. Relay credentials are derived
 *   from the network key too.
 * - client.c: the relay client, libcurl multi, one easy handle per request;
 *   the caller's poll loop drives it (fds, timeout, perform).
 * - sync.c: a session that sends this device's ops and applies everyone
 *   else's, keeping its cursors in the store's sync_state.
 */
#ifndef VIGIA_SYNC_H
#define VIGIA_SYNC_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigia/util.h"
#include "vigia/store.h"

#define SYNC_KEY_BYTES 32
#define SYNC_SIGN_PK_BYTES 32
#define SYNC_SIGN_SK_BYTES 64
#define SYNC_ENVELOPE_VERSION 1
/** The fixed part of an envelope before the ciphertext. */
#define SYNC_ENVELOPE_HEADER 100
#define SYNC_ENVELOPE_OVERHEAD (SYNC_ENVELOPE_HEADER + 16 + 64)
/** Ops per batch; a batch of them stays well under the relay's size limit. */
#define SYNC_BATCH_OPS 2000

/* ---- envelope ------------------------------------------------------------ */

/** The clear header of an envelope (also the associated data of its seal). */
struct sync_header {
    int version;
    char network[ULID_LEN + 1];
    int64_t epoch;
    char device[ULID_LEN + 1];
    int64_t seq; /* the sending device's batch number, from 1 */
};

/**
 * Encode ops as the batch plaintext (JSON), with the sender's public signing
 * key (@sign_pk, base64url) so that a first batch can be checked. Returns a
 * newly allocated string; caller frees.
 */
char *sync_ops_encode(const struct sync_header *h, const char *sign_pk, const struct store_op *ops,
                      size_t n);
/**
 * Decode a batch plaintext; every op gets the header's device. *ops is newly
 * allocated (store_ops_free), *sign_pk too. Returns 0 or -1 with *err.
 */
int sync_ops_decode(const struct sync_header *h, const char *json, size_t len,
                    struct store_op **ops, size_t *n, char **sign_pk, char **err);

/**
 * Seal and sign: returns a newly allocated envelope in *out (*outlen bytes).
 */
void sync_envelope_seal(const struct sync_header *h, const unsigned char key[SYNC_KEY_BYTES],
                        const unsigned char sign_sk[SYNC_SIGN_SK_BYTES], const void *pt,
                        size_t ptlen, unsigned char **out, size_t *outlen);
/** Read the clear header; -1 with *err when the envelope is malformed. */
int sync_envelope_header(const unsigned char *env, size_t len, struct sync_header *h, char **err);
/** Check the signature over the whole envelope; true when it holds. */
bool sync_envelope_verify(const unsigned char *env, size_t len,
                          const unsigned char sign_pk[SYNC_SIGN_PK_BYTES]);
/**
 * Decrypt (checks the seal and its associated data). *pt is newly allocated
 * and NUL-terminated. Returns 0 or -1 with *err.
 */
int sync_envelope_open(const unsigned char *env, size_t len,
                       const unsigned char key[SYNC_KEY_BYTES], char **pt, size_t *ptlen,
                       char **err);

/** The relay verifier of an epoch: what the relay stores to check device tokens. */
void sync_auth_verifier(const unsigned char key[SYNC_KEY_BYTES], int64_t epoch,
                        unsigned char out[32]);
/** A device's token (hex, 64 chars + NUL) from the verifier. */
void sync_auth_token(const unsigned char verifier[32], const char *device, char out[65]);

/** Base64url without padding; newly allocated. */
char *sync_b64_encode(const void *data, size_t n);
/** Decode base64url (padding optional); -1 on junk. *out newly allocated. */
int sync_b64_decode(const char *s, unsigned char **out, size_t *n);

/* ---- invites --------------------------------------------------------------- */

struct sync_invite {
    char *relay;
    char network[ULID_LEN + 1];
    int64_t epoch; /* current epoch */
    size_t nkeys;
    struct {
        int64_t epoch;
        unsigned char key[SYNC_KEY_BYTES];
    } keys[16];
    /* The network's personal-data (vault) key, when the inviter had it unlocked. */
    bool has_vault;
    unsigned char vault[SYNC_KEY_BYTES];
};
/** One line of text ("vigia-invite-1." + base64url JSON); newly allocated. */
char *sync_invite_format(const struct sync_invite *inv);
/** Parse an invite; -1 with *err. Free with sync_invite_fini. */
int sync_invite_parse(const char *text, struct sync_invite *inv, char **err);
void sync_invite_fini(struct sync_invite *inv);

/* ---- relay client ------------------------------------------------------------ */

struct sync_client;
/** A finished request: HTTP status (0 when no answer) and the body (borrowed). */
typedef void (*sync_client_done_fn)(long status, const char *body, size_t len, const char *error,
                                    void *data);

struct sync_client *sync_client_new(void);
/** Abort every request in flight (their callbacks are not called). */
void sync_client_free(struct sync_client **c);
/**
 * Start a request: @method "GET" or "POST", full @url, headers (NULL-terminated
 * array, may be NULL), body (copied), a @timeout_s for the whole transfer.
 */
void sync_client_request(struct sync_client *c, const char *method, const char *url,
                         const char *const *headers, const void *body, size_t len, long timeout_s,
                         sync_client_done_fn done, void *data);
/** Requests in flight. */
size_t sync_client_active(const struct sync_client *c);
/**
 * The descriptors to wait on: fills up to @max pollfds and *n, and the time
 * in ms after which sync_client_perform must run anyway (-1: none).
 */
void sync_client_fds(struct sync_client *c, struct pollfd *fds, size_t max, size_t *n,
                     long *timeout_ms);
/** Do whatever I/O is ready and run the callbacks of finished requests. */
void sync_client_perform(struct sync_client *c);
/** Block up to @timeout_ms for activity, then perform (headless use). */
void sync_client_wait(struct sync_client *c, int timeout_ms);

/* ---- session ------------------------------------------------------------------ */

struct sync_status {
    bool joined;     /* this database belongs to a network */
    bool online;     /* the relay answered the last request */
    int64_t pending; /* this device's ops not yet acknowledged by the relay */
    int64_t last_ok; /* ms of the last successful exchange, 0: never */
    int64_t refused; /* batches refused since the session started */
    int64_t gaps;    /* missing batches noticed */
    int64_t received_batches;
    int64_t sent_batches;
    int64_t applied_ops;
    char *last_error; /* borrowed; NULL when none */
};

struct sync_session;
/**
 * A session over @s (which must outlive it). Returns NULL with *err when the
 * database has not joined a network.
 */
struct sync_session *sync_session_new(struct store *s, char **err);
void sync_session_free(struct sync_session **ss);
/** Start whatever requests are due (send pending ops, long-poll for news). */
void sync_session_kick(struct sync_session *ss);
/** Long-poll seconds (0: answer at once; used by --once). */
void sync_session_set_wait(struct sync_session *ss, int seconds);
struct sync_client *sync_session_client(struct sync_session *ss);
/** Borrowed status; valid until the next call into the session. */
const struct sync_status *sync_session_status(struct sync_session *ss);
/** True when nothing is in flight and nothing is due. */
bool sync_session_idle(struct sync_session *ss);

/**
 * Process a list of batches as the relay returns them (JSON body of GET
 * .../batches). Exposed for tests and the relay-less path.
 */
int sync_session_receive(struct sync_session *ss, const char *body, size_t len, char **err);

/* ---- network membership (writes go through the store) ------------------------ */

/**
 * Make this database a member: store relay URL, network id and keys, make
 * this device's signing key and announce it (a devices row). @name labels
 * the device. Returns 0 or -1 with *err.
 */
int sync_network_join(struct store *s, const struct sync_invite *inv, const char *name, char **err);
/** The invite for this database's network (all its epochs' keys); newly allocated. */
int sync_network_invite(struct store *s, const unsigned char *vault, char **out, char **err);
/**
 * Prepare a new key epoch: mark @remove devices (ids, NULL-terminated) as
 * removed and seal the new key to every other device (keyshares rows). The
 * new epoch becomes current only after sync_network_rotate_commit, once the
 * relay knows its verifier and the shares went out under the old key.
 */
int sync_network_rotate_prepare(struct store *s, const char *const *remove, int64_t *new_epoch,
                                char **err);
int sync_network_rotate_commit(struct store *s, int64_t new_epoch, char **err);
/** The network key of @epoch; -1 when this device does not have it. */
int sync_network_key(struct store *s, int64_t epoch, unsigned char key[SYNC_KEY_BYTES]);

#endif
