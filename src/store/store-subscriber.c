/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Subscribers' contacts under the vault: the keyed tags that find a
 * subscriber without opening every sealed contact, and STOP replies that
 * arrive while the vault is locked.
 *
 * subscribers.contact is sealed like every personal column (store-vault.c);
 * subscribers.contact_tag holds store_vault_tag(channel, contact), a synced
 * column like any other, so every device of the network (they share the
 * vault key through the invite) finds the same subscriber. Without a vault
 * the tag stays NULL and look-ups go by the plaintext contact as before.
 *
 * A tag needs the secret key. While the vault is locked nothing can be found
 * by contact: adding subscribers is refused (app-broadcast.c), and a STOP
 * reply is kept, its contact sealed, in subscriber_optouts (a local table,
 * like the outbox) until an unlock applies it. Sending needs the key too (the
 * worker opens the outbox's sealed contacts), so nobody who said STOP is sent
 * to in between.
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

/* One subscriber row to tag. */
struct store_tag_item {
    char *id, *channel, *contact, *tag;
};

int store_subscriber_tag_fill(struct store *s, bool all, size_t *n, char **err)
{
    struct store_tag_item *items = NULL;
    size_t count = 0, cap = 0, done = 0;
    sqlite3_stmt *st;
    bool vault = false;
    int rc;

    if (n != NULL)
        *n = 0;
    if ((rc = store_vault_enabled(s, &vault, err)) != STORE_OK || !vault)
        return rc;
    if (!store_vault_unlocked(s)) {
        util_seterr(err, "%s", _("personal data is locked: run 'vigia unlock'"));
        return STORE_ERR_LOCKED;
    }
    rc = sqlite3_prepare_v2(s->db,
                            all ? "SELECT id, channel, contact, contact_tag FROM subscribers"
                                : "SELECT id, channel, contact, contact_tag FROM subscribers"
                                  " WHERE contact_tag IS NULL",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading subscribers", err);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            items = xreallocarray(items, cap, sizeof *items);
        }
        items[count].id = store_col_text(st, 0);
        items[count].channel = store_col_text(st, 1);
        items[count].contact = store_col_text(st, 2);
        items[count].tag = store_col_text(st, 3);
        count++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        rc = store_fail(s, rc, "reading subscribers", err);
        goto out;
    }
    rc = STORE_OK;
    if (count == 0)
        goto out;
    if ((rc = store_begin(s, err)) != STORE_OK)
        goto out;
    for (size_t i = 0; i < count && rc == STORE_OK; i++) {
        char tag[STORE_VAULT_TAG_LEN + 1], *plain = NULL;
        if (items[i].id == NULL || items[i].channel == NULL || items[i].contact == NULL)
            continue;
        /* Sealed under a key this device never had: it cannot be tagged here. */
        if (store_open_text(s, "subscribers", "contact", items[i].id, items[i].contact, &plain,
                            NULL) != STORE_OK)
            continue;
        rc = store_vault_tag(s, items[i].channel, plain, tag, err);
        sodium_memzero(plain, strlen(plain));
        free(plain);
        if (rc != STORE_OK || (items[i].tag != NULL && strcmp(items[i].tag, tag) == 0))
            continue;
        struct store_col cols[] = {{"contact_tag", store_text(tag)}};
        rc = store_write(s, "subscribers", items[i].id, cols, UTIL_ARRAY_LEN(cols), err);
        done++;
    }
    if (rc == STORE_OK)
        rc = store_commit(s, err);
    else
        store_rollback(s);
out:
    for (size_t i = 0; i < count; i++) {
        free(items[i].id);
        free(items[i].channel);
        free(items[i].contact);
        free(items[i].tag);
    }
    free(items);
    if (rc == STORE_OK && n != NULL)
        *n = done;
    return rc;
}

/* ---- STOP replies while locked ------------------------------------------------------ */

int store_optout_pending_add(struct store *s, const char *channel, const char *contact, int64_t at,
                             char **err)
{
    char id[ULID_LEN + 1], *sealed;
    sqlite3_stmt *st;
    int rc;

    ulid_new(timeutil_now_ms(), id);
    if ((sealed = store_seal_text(s, "subscriber_optouts", "contact", id, contact, err)) == NULL)
        return STORE_ERR_CORRUPT;
    if (!store_vault_is_sealed(sealed)) {
        /* Never kept in the clear: without a vault the opt-out applies at once. */
        free(sealed);
        util_seterr(err, "%s", _("no passphrase is set for this database"));
        return STORE_ERR_INVALID;
    }
    st = store_stmt(
        s, "INSERT INTO subscriber_optouts(id, channel, contact, at) VALUES (?, ?, ?, ?)", err);
    if (st == NULL) {
        free(sealed);
        return STORE_ERR_IO;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, sealed, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, at);
    rc = sqlite3_step(st);
    store_stmt_done(st);
    free(sealed);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "keeping a STOP reply", err);
}

int store_optout_pending_count(struct store *s, size_t *n, char **err)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM subscriber_optouts", err);
    int rc;

    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = (size_t)sqlite3_column_int64(st, 0);
    store_stmt_done(st);
    return rc == SQLITE_ROW ? STORE_OK : store_fail(s, rc, "reading STOP replies", err);
}

void store_optout_pending_free(struct store_optout_pending **rows, size_t n)
{
    for (size_t i = 0; *rows != NULL && i < n; i++) {
        free((*rows)[i].channel);
        if ((*rows)[i].contact != NULL)
            sodium_memzero((*rows)[i].contact, strlen((*rows)[i].contact));
        free((*rows)[i].contact);
    }
    FREE(rows);
}

int store_optout_pending_list(struct store *s, struct store_optout_pending **rows, size_t *n,
                              char **err)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc;

    *rows = NULL;
    *n = 0;
    rc = sqlite3_prepare_v2(
        s->db, "SELECT id, channel, contact, at FROM subscriber_optouts ORDER BY at, id", -1, &st,
        NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading STOP replies", err);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        char *plain = NULL;
        int orc;
        if (id == NULL)
            continue;
        orc = store_open_text(s, "subscriber_optouts", "contact", id,
                              (const char *)sqlite3_column_text(st, 2), &plain, err);
        if (orc == STORE_ERR_KEY) {
            FREE(err);
            continue;
        }
        if (orc != STORE_OK) {
            sqlite3_finalize(st);
            store_optout_pending_free(rows, *n);
            *n = 0;
            return orc;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *rows = xreallocarray(*rows, cap, sizeof **rows);
        }
        snprintf((*rows)[*n].id, sizeof(*rows)[*n].id, "%s", id);
        (*rows)[*n].channel = store_col_text(st, 1);
        (*rows)[*n].contact = plain;
        (*rows)[*n].at = sqlite3_column_int64(st, 3);
        (*n)++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_optout_pending_free(rows, *n);
        *n = 0;
        return store_fail(s, rc, "reading STOP replies", err);
    }
    return STORE_OK;
}

int store_optout_pending_done(struct store *s, const char *id, char **err)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM subscriber_optouts WHERE id = ?", err);
    int rc;

    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    store_stmt_done(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "forgetting a STOP reply", err);
}
