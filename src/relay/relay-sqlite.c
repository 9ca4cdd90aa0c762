/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay's SQLite storage: WAL, synchronous=FULL, and every append
 * committed before the relay answers, so a kill -9 loses nothing that was
 * acknowledged. Envelopes are opaque blobs; the relay stores the clear
 * header fields (device, epoch, batch number) beside them to refuse
 * conflicting repeats.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "vigia/util.h"

#include "relay-store.h"

struct relay_store {
    sqlite3 *db;
};

static const char relay_sqlite_schema[] =
    "CREATE TABLE IF NOT EXISTS networks (id TEXT PRIMARY KEY, created_at INTEGER);"
    "CREATE TABLE IF NOT EXISTS epochs (network TEXT NOT NULL, epoch INTEGER NOT NULL,"
    " verifier BLOB NOT NULL, cutoff INTEGER, PRIMARY KEY (network, epoch));"
    "CREATE TABLE IF NOT EXISTS batches (cursor INTEGER PRIMARY KEY AUTOINCREMENT,"
    " network TEXT NOT NULL, device TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " body BLOB NOT NULL, received_at INTEGER);"
    "CREATE UNIQUE INDEX IF NOT EXISTS batches_seq ON batches(network, device, seq);"
    "CREATE INDEX IF NOT EXISTS batches_network ON batches(network, cursor);";

static int relay_sqlite_open(const char *path, struct relay_store **out, char **err)
{
    struct relay_store *st = xcalloc(1, sizeof *st);
    char *msg = NULL;

    *out = NULL;
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        util_seterr(err, "cannot open %s: %s", path, sqlite3_errmsg(st->db));
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 10000);
    if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                     &msg) != SQLITE_OK ||
        sqlite3_exec(st->db, relay_sqlite_schema, NULL, NULL, &msg) != SQLITE_OK) {
        util_seterr(err, "cannot set up %s: %s", path, msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        goto fail;
    }
    *out = st;
    return RELAY_STORE_OK;
fail:
    sqlite3_close(st->db);
    free(st);
    return RELAY_STORE_ERR;
}

static void relay_sqlite_close(struct relay_store *st)
{
    if (st == NULL)
        return;
    sqlite3_close(st->db);
    free(st);
}

static int relay_sqlite_network_create(struct relay_store *st, const char *network, int64_t epoch,
                                       const unsigned char verifier[32])
{
    sqlite3_stmt *a = NULL, *b = NULL;
    int rc = RELAY_STORE_ERR, src;

    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return RELAY_STORE_ERR;
    sqlite3_prepare_v2(st->db, "INSERT INTO networks(id, created_at) VALUES (?, ?)", -1, &a, NULL);
    sqlite3_prepare_v2(st->db, "INSERT INTO epochs(network, epoch, verifier) VALUES (?, ?, ?)", -1,
                       &b, NULL);
    if (a == NULL || b == NULL)
        goto out;
    sqlite3_bind_text(a, 1, network, -1, SQLITE_STATIC);
    sqlite3_bind_int64(a, 2, timeutil_now_ms());
    src = sqlite3_step(a);
    if ((src & 0xff) == SQLITE_CONSTRAINT) {
        rc = RELAY_STORE_EXISTS;
        goto out;
    }
    if (src != SQLITE_DONE)
        goto out;
    sqlite3_bind_text(b, 1, network, -1, SQLITE_STATIC);
    sqlite3_bind_int64(b, 2, epoch);
    sqlite3_bind_blob(b, 3, verifier, 32, SQLITE_STATIC);
    if (sqlite3_step(b) != SQLITE_DONE)
        goto out;
    rc = RELAY_STORE_OK;
out:
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    if (rc == RELAY_STORE_OK && sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return RELAY_STORE_OK;
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc == RELAY_STORE_OK ? RELAY_STORE_ERR : rc;
}

static int relay_sqlite_last(struct relay_store *st, const char *network, int64_t *cursor)
{
    sqlite3_stmt *q = NULL;
    int rc;

    *cursor = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT max(cursor) FROM batches WHERE network = ?", -1, &q,
                           NULL) != SQLITE_OK)
        return RELAY_STORE_ERR;
    sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *cursor = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? RELAY_STORE_OK : RELAY_STORE_ERR;
}

static int relay_sqlite_epoch_add(struct relay_store *st, const char *network, int64_t epoch,
                                  const unsigned char verifier[32])
{
    sqlite3_stmt *a = NULL, *b = NULL;
    int64_t last;
    int rc = RELAY_STORE_ERR, src;

    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return RELAY_STORE_ERR;
    if (relay_sqlite_last(st, network, &last) != RELAY_STORE_OK)
        goto out;
    sqlite3_prepare_v2(st->db, "UPDATE epochs SET cutoff = ? WHERE network = ? AND cutoff IS NULL",
                       -1, &a, NULL);
    sqlite3_prepare_v2(st->db, "INSERT INTO epochs(network, epoch, verifier) VALUES (?, ?, ?)", -1,
                       &b, NULL);
    if (a == NULL || b == NULL)
        goto out;
    sqlite3_bind_int64(a, 1, last);
    sqlite3_bind_text(a, 2, network, -1, SQLITE_STATIC);
    if (sqlite3_step(a) != SQLITE_DONE)
        goto out;
    sqlite3_bind_text(b, 1, network, -1, SQLITE_STATIC);
    sqlite3_bind_int64(b, 2, epoch);
    sqlite3_bind_blob(b, 3, verifier, 32, SQLITE_STATIC);
    src = sqlite3_step(b);
    if ((src & 0xff) == SQLITE_CONSTRAINT) {
        rc = RELAY_STORE_EXISTS;
        goto out;
    }
    if (src != SQLITE_DONE)
        goto out;
    rc = RELAY_STORE_OK;
out:
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    if (rc == RELAY_STORE_OK && sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return RELAY_STORE_OK;
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc == RELAY_STORE_OK ? RELAY_STORE_ERR : rc;
}

static int relay_sqlite_epoch_get(struct relay_store *st, const char *network, int64_t epoch,
                                  unsigned char verifier[32], int *current, int64_t *cutoff)
{
    sqlite3_stmt *q = NULL;
    int rc = RELAY_STORE_NOTFOUND;

    if (sqlite3_prepare_v2(st->db,
                           "SELECT verifier, cutoff FROM epochs WHERE network = ? AND epoch = ?",
                           -1, &q, NULL) != SQLITE_OK)
        return RELAY_STORE_ERR;
    sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, epoch);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 0) == 32) {
        memcpy(verifier, sqlite3_column_blob(q, 0), 32);
        *current = sqlite3_column_type(q, 1) == SQLITE_NULL;
        *cutoff = sqlite3_column_int64(q, 1);
        rc = RELAY_STORE_OK;
    }
    sqlite3_finalize(q);
    return rc;
}

static int relay_sqlite_batch_append(struct relay_store *st, const char *network,
                                     const char *device, int64_t epoch, int64_t seq,
                                     const void *body, size_t len, int64_t *cursor)
{
    sqlite3_stmt *q = NULL;
    int rc = RELAY_STORE_ERR, src;

    *cursor = 0;
    /* A repeat of an acknowledged batch (its answer was lost): same cursor again. */
    if (sqlite3_prepare_v2(st->db,
                           "SELECT cursor, body FROM batches WHERE network = ? AND device = ?"
                           " AND seq = ?",
                           -1, &q, NULL) != SQLITE_OK)
        return RELAY_STORE_ERR;
    sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, device, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, seq);
    if (sqlite3_step(q) == SQLITE_ROW) {
        bool same = (size_t)sqlite3_column_bytes(q, 1) == len &&
                    memcmp(sqlite3_column_blob(q, 1), body, len) == 0;
        *cursor = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
        return same ? RELAY_STORE_OK : RELAY_STORE_EXISTS;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO batches(network, device, epoch, seq, body, received_at)"
                           " VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &q, NULL) != SQLITE_OK)
        return RELAY_STORE_ERR;
    sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, device, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, epoch);
    sqlite3_bind_int64(q, 4, seq);
    sqlite3_bind_blob(q, 5, body, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, timeutil_now_ms());
    /* Autocommit: the row is on disk (WAL, synchronous=FULL) when step returns. */
    src = sqlite3_step(q);
    if (src == SQLITE_DONE) {
        *cursor = sqlite3_last_insert_rowid(st->db);
        rc = RELAY_STORE_OK;
    } else if ((src & 0xff) == SQLITE_CONSTRAINT) {
        rc = RELAY_STORE_EXISTS;
    }
    sqlite3_finalize(q);
    return rc;
}

static int relay_sqlite_batch_list(struct relay_store *st, const char *network, int64_t after,
                                   int64_t upto, size_t limit, size_t max_bytes, relay_batch_fn fn,
                                   void *data)
{
    sqlite3_stmt *q = NULL;
    size_t n = 0, bytes = 0;
    int rc;

    if (sqlite3_prepare_v2(st->db,
                           "SELECT cursor, body FROM batches WHERE network = ? AND cursor > ?"
                           " AND cursor <= ? ORDER BY cursor LIMIT ?",
                           -1, &q, NULL) != SQLITE_OK)
        return RELAY_STORE_ERR;
    sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, after);
    sqlite3_bind_int64(q, 3, upto);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)limit);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct relay_batch b = {
            .cursor = sqlite3_column_int64(q, 0),
            .body = sqlite3_column_blob(q, 1),
            .len = (size_t)sqlite3_column_bytes(q, 1),
        };
        /* Always at least one, so a large batch cannot wedge a reader. */
        if (n > 0 && bytes + b.len > max_bytes)
            break;
        bytes += b.len;
        n++;
        if (fn(&b, data) != 0)
            break;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? RELAY_STORE_OK : RELAY_STORE_ERR;
}

const struct relay_store_ops relay_sqlite_ops = {
    .name = "sqlite",
    .open = relay_sqlite_open,
    .close = relay_sqlite_close,
    .network_create = relay_sqlite_network_create,
    .epoch_add = relay_sqlite_epoch_add,
    .epoch_get = relay_sqlite_epoch_get,
    .batch_append = relay_sqlite_batch_append,
    .batch_list = relay_sqlite_batch_list,
    .last_cursor = relay_sqlite_last,
};
