/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The dispatch thread: short messages among a network's dispatchers and
 * organisers ("anyone know a lawyer for a Honduran case in Oakland?"). Each
 * message is a synced append-only row written through store_write(), so it
 * travels like everything else; the read mark is this device's own
 * (sync_state "thread.read_at"), so unread marks are per laptop.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/store.h"

#include "private.h"

int store_thread_post(struct store *s, const char *author, const char *body, char *id_out,
                      char **err)
{
    char id[ULID_LEN + 1];
    int64_t now = timeutil_now_ms();
    int rc;
    struct store_col cols[] = {
        {"at", store_int(now)},
        {"author", store_text(author)},
        {"body", store_text(body)},
        {"device", store_text(s->device)},
    };

    ulid_new(now, id);
    if ((rc = store_begin(s, err)) != STORE_OK)
        return rc;
    rc = store_write(s, "thread_messages", id, cols, UTIL_ARRAY_LEN(cols), err);
    if (rc == STORE_OK)
        rc = store_event(s, author, "thread.posted", NULL, id, err);
    /* One's own message is read. */
    if (rc == STORE_OK)
        rc = store_sync_set_int(s, "thread.read_at", now, err);
    if (rc == STORE_OK)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    if (rc == STORE_OK && id_out != NULL)
        memcpy(id_out, id, sizeof id);
    return rc;
}

int store_thread_list(struct store *s, size_t limit, struct store_thread_msg **out, size_t *n,
                      char **err)
{
    static const char sql[] = "SELECT id, at, author, body, device FROM"
                              " (SELECT * FROM thread_messages ORDER BY at DESC, id DESC LIMIT ?)"
                              " ORDER BY at, id";
    sqlite3_stmt *st;
    int64_t read_at = 0;
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = store_sync_get_int(s, "thread.read_at", 0, &read_at, err)) != STORE_OK)
        return rc;
    if ((st = store_stmt(s, sql, err)) == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)(limit ? limit : 100));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_thread_msg *m;
        const char *dev = (const char *)sqlite3_column_text(st, 4);
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *out = xreallocarray(*out, cap, sizeof **out);
        }
        m = &(*out)[(*n)++];
        memset(m, 0, sizeof *m);
        snprintf(m->id, sizeof m->id, "%s",
                 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
        m->at = sqlite3_column_int64(st, 1);
        m->author = store_col_text(st, 2);
        m->body = store_col_text(st, 3);
        m->mine = dev != NULL && strcmp(dev, s->device) == 0;
        m->unread = !m->mine && m->at > read_at;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        store_thread_free(out, *n);
        *n = 0;
        return store_fail(s, rc, "thread", err);
    }
    return STORE_OK;
}

void store_thread_free(struct store_thread_msg **m, size_t n)
{
    if (*m == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free((*m)[i].author);
        free((*m)[i].body);
    }
    FREE(m);
}

int store_thread_unread(struct store *s, int64_t *n, char **err)
{
    static const char sql[] = "SELECT count(*) FROM thread_messages WHERE at > ?"
                              " AND (device IS NULL OR device <> ?)";
    sqlite3_stmt *st;
    int64_t read_at = 0;
    int rc;

    *n = 0;
    if ((rc = store_sync_get_int(s, "thread.read_at", 0, &read_at, err)) != STORE_OK)
        return rc;
    if ((st = store_stmt(s, sql, err)) == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, read_at);
    sqlite3_bind_text(st, 2, s->device, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW ? STORE_OK : store_fail(s, rc, "thread", err);
}

int store_thread_mark_read(struct store *s, int64_t at, char **err)
{
    int64_t cur = 0;
    int rc = store_sync_get_int(s, "thread.read_at", 0, &cur, err);

    /* The mark only moves forward. */
    if (rc != STORE_OK || at <= cur)
        return rc;
    return store_sync_set_int(s, "thread.read_at", at, err);
}
