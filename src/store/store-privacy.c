/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Retention and wiping: removing personal data so that it is gone from the
 * file, not only from the queries.
 *
 * A purge clears a cell through store_write() with a NULL value, so it is an
 * op like any other and every device of the network purges too; the earlier
 * ops of that cell still hold the old value (sealed or not), so their values
 * are scrubbed to NULL as well. Merge takes a cell's value from its latest op,
 * and that op is the NULL one, so scrubbing older ops changes no row. With
 * PRAGMA secure_delete on, SQLite zeroes the bytes it frees; the WAL, which
 * still holds page images from before, is then checkpointed and truncated.
 *
 * A wipe does the same for every personal column and the keys in sync_state
 * without making ops (it must not spread to other devices), then closes the
 * database so the caller can overwrite and unlink the files.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "vigia/util.h"

#include "vigia/model.h"

#include "vigia/store.h"

#include "private.h"
#include "vigia/i18n.h"

static int store_privacy_exec(struct store *s, const char *sql, char **err)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? STORE_OK : store_fail(s, rc, "privacy", err);
}

/* "'confirmed', 'not_confirmed', …": the final statuses, for an IN list. */
static char *store_privacy_final_list(void)
{
    struct buf b;

    buf_init(&b);
    for (int i = 0; i < MODEL_STATUS_COUNT; i++)
        if (model_status_is_final((enum model_status)i))
            buf_printf(&b, "%s'%s'", b.len ? ", " : "", model_status_name((enum model_status)i));
    return buf_steal(&b);
}

/* Ids of contacts whose report closed or expired before @before; newly allocated. */
static int store_privacy_due(struct store *s, int64_t before, char ***ids, size_t *n, char **err)
{
    char *final = store_privacy_final_list();
    /*
     * CROSS JOIN keeps the contacts as the outer loop: without statistics the
     * planner drove from reports through the status and expiry indexes and
     * read every closed or expired report's row, 12,000 page reads before
     * the console's first frame with 100,000 reports (tests/bench), even
     * with no contact stored at all.
     */
    char *sql =
        xasprintf("SELECT c.id FROM reporter_contacts c CROSS JOIN reports r ON r.id = c.report_id"
                  " WHERE c.contact IS NOT NULL AND ((r.status IN (%s)"
                  " AND coalesce(r.updated_at, r.received_at) < ?1)"
                  " OR (r.expires_at IS NOT NULL AND r.expires_at < ?1))",
                  final);
    sqlite3_stmt *st = store_stmt(s, sql, err);
    size_t cap = 0;
    int rc;

    free(final);
    free(sql);
    *ids = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, before);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *ids = xreallocarray(*ids, cap, sizeof **ids);
        }
        (*ids)[(*n)++] = store_col_text(st, 0);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "finding contacts to purge", err);
}

/* Scrub the values of earlier ops of one personal cell; adds to *count. */
static int store_privacy_scrub(struct store *s, const char *tbl, const char *col,
                               const char *row_id, size_t *count, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "UPDATE ops SET value = NULL WHERE tbl = ? AND row_id = ?"
                                  " AND col = ? AND value IS NOT NULL",
                                  err);
    int rc;

    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, row_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, col, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "scrubbing the op log", err);
    *count += (size_t)sqlite3_changes(s->db);
    return STORE_OK;
}

int store_purge_contacts(struct store *s, int64_t closed_before, const char *actor,
                         struct store_purge_stats *stats, char **err)
{
    struct store_purge_stats local = {0};
    char **ids = NULL;
    size_t n = 0;
    int rc;

    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if ((rc = store_privacy_exec(s, "PRAGMA secure_delete=ON", err)) != STORE_OK)
        return rc;
    if ((rc = store_begin(s, err)) != STORE_OK)
        return rc;
    if ((rc = store_privacy_due(s, closed_before, &ids, &n, err)) != STORE_OK)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        struct store_col c[] = {{"contact", store_null()}};
        if ((rc = store_privacy_scrub(s, "reporter_contacts", "contact", ids[i], &stats->ops,
                                      err)) != STORE_OK ||
            (rc = store_write(s, "reporter_contacts", ids[i], c, 1, err)) != STORE_OK)
            goto fail;
        stats->contacts++;
    }
    if (n > 0) {
        /* The timeline says that a purge happened and how much, never what. */
        char *detail = xasprintf("contacts=%zu ops=%zu", stats->contacts, stats->ops);
        rc = store_event(s, actor, "privacy.purged", NULL, detail, err);
        free(detail);
        if (rc != STORE_OK)
            goto fail;
    }
    if ((rc = store_commit(s, err)) != STORE_OK)
        goto out;
    if (n > 0)
        store_truncate_wal(s);
    goto out;
fail:
    store_rollback(s);
    memset(stats, 0, sizeof *stats);
out:
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    return rc;
}

int store_wipe_prepare(struct store **sp, char **err)
{
    struct store *s = *sp;
    const char *tbl, *col;
    int rc;

    if (s == NULL)
        return STORE_OK;
    store_vault_lock(s);
    rc = store_privacy_exec(s, "PRAGMA secure_delete=ON", err);
    if (rc == STORE_OK)
        rc = store_begin(s, err);
    for (size_t i = 0; rc == STORE_OK && store_vault_column(i, &tbl, &col); i++) {
        /* Identifiers from the vault's registry only. */
        char *sql = xasprintf("UPDATE %s SET %s = NULL;"
                              "UPDATE ops SET value = NULL WHERE tbl = '%s' AND col = '%s';",
                              tbl, col, tbl, col);
        rc = store_privacy_exec(s, sql, err);
        free(sql);
    }
    /* Keys: the vault's wrapped key, the device's signing key, the network keys. */
    if (rc == STORE_OK)
        rc = store_privacy_exec(s, "DELETE FROM sync_state", err);
    if (rc == STORE_OK)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    if (rc == STORE_OK)
        store_truncate_wal(s);
    store_free(sp);
    return rc;
}
