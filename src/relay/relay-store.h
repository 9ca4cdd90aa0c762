/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay's storage, behind one interface: networks, the verifier of each
 * key epoch, and the envelopes in arrival order. relay-sqlite.c is the
 * implementation shipped; a PostgreSQL one can sit behind the same ops.
 * Every function is called with the relay's lock held: implementations need
 * not be thread-safe. Returns 0 on success, RELAY_STORE_* otherwise.
 */
#ifndef VIGIA_RELAY_STORE_H
#define VIGIA_RELAY_STORE_H

#include <stddef.h>
#include <stdint.h>

enum relay_store_error {
    RELAY_STORE_OK = 0,
    RELAY_STORE_ERR = -1,      /* storage failure */
    RELAY_STORE_EXISTS = -2,   /* already there */
    RELAY_STORE_NOTFOUND = -3, /* no such network or epoch */
};

/** One stored envelope as listed. */
struct relay_batch {
    int64_t cursor;
    const void *body; /* borrowed during the callback */
    size_t len;
};
typedef int (*relay_batch_fn)(const struct relay_batch *b, void *data);

struct relay_store;
struct relay_store_ops {
    const char *name;
    /** Open (creating) storage at @path. */
    int (*open)(const char *path, struct relay_store **out, char **err);
    void (*close)(struct relay_store *st);
    /** A new network with the verifier of its first epoch. */
    int (*network_create)(struct relay_store *st, const char *network, int64_t epoch,
                          const unsigned char verifier[32]);
    /**
     * A new epoch: the previous one is superseded, its tokens may only read
     * up to the current last cursor.
     */
    int (*epoch_add)(struct relay_store *st, const char *network, int64_t epoch,
                     const unsigned char verifier[32]);
    /**
     * The verifier of (@network, @epoch), whether it is current, and for a
     * superseded epoch the last cursor it may read (*cutoff).
     */
    int (*epoch_get)(struct relay_store *st, const char *network, int64_t epoch,
                     unsigned char verifier[32], int *current, int64_t *cutoff);
    /**
     * Store an envelope durably (committed before returning). A repeat of
     * (@network, @device, @seq) with identical bytes returns the first cursor;
     * different bytes give RELAY_STORE_EXISTS.
     */
    int (*batch_append)(struct relay_store *st, const char *network, const char *device,
                        int64_t epoch, int64_t seq, const void *body, size_t len, int64_t *cursor);
    /** Call @fn for envelopes of @network after @after, up to @limit and @max_bytes. */
    int (*batch_list)(struct relay_store *st, const char *network, int64_t after, int64_t upto,
                      size_t limit, size_t max_bytes, relay_batch_fn fn, void *data);
    /** The last cursor of @network (0 when none). */
    int (*last_cursor)(struct relay_store *st, const char *network, int64_t *cursor);
};

extern const struct relay_store_ops relay_sqlite_ops;

#endif
