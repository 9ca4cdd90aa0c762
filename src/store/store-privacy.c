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
 * Detention follow-up reports get the same treatment for their free text,
 * which is where the names of detained people and their families end up,
 * and the FTS5 index is merged ('optimize') so the deleted words leave its
 * segments as well.
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

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/store.h"

#include "private.h"

static int store_privacy_exec(struct store *s, const char *sql, char **err)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? STORE_OK : store_fail(s, rc, "privacy", err);
}

char *store_privacy_final_list(void)
{
    struct buf b;

    buf_init(&b);
    for (int i = 0; i < MODEL_STATUS_COUNT; i++)
        if (model_status_is_final((enum model_status)i))
            buf_printf(&b, "%s'%s'", b.len ? ", " : "", model_status_name((enum model_status)i));
    return buf_steal(&b);
}

int store_privacy_ids(struct store *s, const char *sql, int64_t before, char ***ids, size_t *n,
                      char **err)
{
    sqlite3_stmt *st = store_stmt(s, sql, err);
    size_t cap = 0;
    int rc;

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
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "finding what to purge", err);
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
    int rc = store_privacy_ids(s, sql, before, ids, n, err);

    free(final);
    free(sql);
    return rc;
}

/*
 * Subscribers who opted out before @before and whose contact is still held.
 * Only tagged ones: the keyed tag (store-subscriber.c) is what recognises the
 * number if it is added again, so that it stays opted out; without a vault
 * there is no tag, and the number itself must stay for that.
 */
static int store_privacy_due_optouts(struct store *s, int64_t before, char ***ids, size_t *n,
                                     char **err)
{
    return store_privacy_ids(s,
                             "SELECT id FROM subscribers WHERE opted_out_at < ?1"
                             " AND contact <> '' AND contact_tag IS NOT NULL",
                             before, ids, n, err);
}

/*
 * Scrub the values of earlier ops of one personal cell; adds to *count. A row
 * op holds the cells of one write (store-oplog.c): only this cell's value
 * becomes null, the others stay.
 */
int store_privacy_scrub(struct store *s, const char *tbl, const char *col, const char *row_id,
                        size_t *count, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "UPDATE ops SET cols = json_replace(cols, ?3, NULL)"
                                  " WHERE tbl = ?1 AND row_id = ?2"
                                  " AND json_extract(cols, ?3) IS NOT NULL",
                                  err);
    char *path = xasprintf("$.%s", col); /* col: a column name from the registry */
    int rc;

    if (st == NULL) {
        free(path);
        return STORE_ERR_IO;
    }
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, row_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, path, -1, SQLITE_TRANSIENT);
    free(path);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "scrubbing the op log", err);
    *count += (size_t)sqlite3_changes(s->db);
    return STORE_OK;
}

/*
 * Forget an opted-out subscriber's contact: the row keeps its tag and the
 * opt-out, the outbox (device-local, no ops) its counts but not the number.
 */
static int store_privacy_clear_optout(struct store *s, const char *id, size_t *ops, char **err)
{
    struct store_col c[] = {{"contact", store_text("")}};
    sqlite3_stmt *st;
    int rc;

    if ((rc = store_privacy_scrub(s, "subscribers", "contact", id, ops, err)) != STORE_OK ||
        (rc = store_write(s, "subscribers", id, c, 1, err)) != STORE_OK)
        return rc;
    st = store_stmt(s,
                    "UPDATE outbox SET contact = NULL,"
                    " state = CASE state WHEN 'queued' THEN 'skipped' ELSE state END"
                    " WHERE subscriber_id = ?1 AND contact IS NOT NULL AND state <> 'sending'",
                    err);
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "clearing the outbox", err);
}

/* Detention follow-up reports closed before @before whose text is still there. */
static int store_privacy_due_followups(struct store *s, int64_t before, char ***ids, char ***locs,
                                       size_t *n, char **err)
{
    char *final = store_privacy_final_list();
    /* "+status": read the small partial index reports_followup, not every closed report. */
    char *sql = xasprintf("SELECT id, location FROM reports WHERE category = '%s'"
                          " AND +status IN (%s) AND coalesce(updated_at, received_at) < ?1"
                          " AND (what <> '' OR agency IS NOT NULL OR vehicles IS NOT NULL)",
                          model_category_name(MODEL_CAT_DETENTION), final);
    sqlite3_stmt *st = store_stmt(s, sql, err);
    size_t cap = 0;
    int rc;

    free(final);
    free(sql);
    *ids = *locs = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, before);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *ids = xreallocarray(*ids, cap, sizeof **ids);
            *locs = xreallocarray(*locs, cap, sizeof **locs);
        }
        (*ids)[*n] = store_col_text(st, 0);
        (*locs)[*n] = store_col_text(st, 1);
        (*n)++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "finding follow-ups to purge", err);
}

/* Clear the free text of one follow-up report: scrub its history, then write the cleared row. */
static int store_privacy_clear_followup(struct store *s, const char *id, const char *location,
                                        size_t *ops, char **err)
{
    static const char *const cols[] = {"what", "agency", "vehicles", "location"};
    char *coarse = model_location_coarse(location);
    struct store_col c[] = {
        {"what", store_text("")},
        {"agency", store_null()},
        {"vehicles", store_null()},
        {"location", store_text(coarse)},
    };
    int rc = STORE_OK;

    for (size_t i = 0; i < UTIL_ARRAY_LEN(cols) && rc == STORE_OK; i++)
        rc = store_privacy_scrub(s, "reports", cols[i], id, ops, err);
    if (rc == STORE_OK)
        rc = store_write(s, "reports", id, c, UTIL_ARRAY_LEN(c), err);
    free(coarse);
    return rc;
}

static void store_privacy_free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int store_purge(struct store *s, const struct store_purge_windows *w, const char *actor,
                struct store_purge_stats *stats, char **err)
{
    struct store_purge_stats local = {0};
    char **ids = NULL, **fids = NULL, **flocs = NULL, **oids = NULL, **pids = NULL;
    size_t n = 0, nf = 0, no = 0, np = 0;
    int rc;

    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if ((rc = store_privacy_exec(s, "PRAGMA secure_delete=ON", err)) != STORE_OK)
        return rc;
    if ((rc = store_begin(s, err)) != STORE_OK)
        return rc;
    if ((rc = store_privacy_due(s, w->contacts_before, &ids, &n, err)) != STORE_OK)
        goto fail;
    if (w->followups_before > 0 && (rc = store_privacy_due_followups(s, w->followups_before, &fids,
                                                                     &flocs, &nf, err)) != STORE_OK)
        goto fail;
    /* The people named in a follow-up go with its text (store-followup.c). */
    if (w->followups_before > 0 &&
        (rc = store_person_due(s, w->followups_before, &pids, &np, err)) != STORE_OK)
        goto fail;
    if (w->optouts_before > 0 &&
        (rc = store_privacy_due_optouts(s, w->optouts_before, &oids, &no, err)) != STORE_OK)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        struct store_col c[] = {{"contact", store_null()}};
        if ((rc = store_privacy_scrub(s, "reporter_contacts", "contact", ids[i], &stats->ops,
                                      err)) != STORE_OK ||
            (rc = store_write(s, "reporter_contacts", ids[i], c, 1, err)) != STORE_OK)
            goto fail;
        stats->contacts++;
    }
    for (size_t i = 0; i < nf; i++) {
        if ((rc = store_privacy_clear_followup(s, fids[i], flocs[i], &stats->ops, err)) != STORE_OK)
            goto fail;
        stats->followups++;
    }
    for (size_t i = 0; i < np; i++) {
        if ((rc = store_person_clear_tx(s, pids[i], &stats->ops, err)) != STORE_OK)
            goto fail;
        stats->people++;
    }
    for (size_t i = 0; i < no; i++) {
        if ((rc = store_privacy_clear_optout(s, oids[i], &stats->ops, err)) != STORE_OK)
            goto fail;
        stats->optouts++;
    }
    /* Merge the search index so the cleared words leave its pages too. */
    if (nf > 0 &&
        (rc = store_privacy_exec(s, "INSERT INTO reports_fts(reports_fts) VALUES ('optimize')",
                                 err)) != STORE_OK)
        goto fail;
    if (n + nf + no + np > 0) {
        /* The timeline says that a purge happened and how much, never what. */
        char *detail =
            xasprintf("contacts=%zu followups=%zu optouts=%zu people=%zu ops=%zu", stats->contacts,
                      stats->followups, stats->optouts, stats->people, stats->ops);
        rc = store_event(s, actor, "privacy.purged", NULL, detail, err);
        free(detail);
        if (rc != STORE_OK)
            goto fail;
    }
    if ((rc = store_commit(s, err)) != STORE_OK)
        goto out;
    if (n + nf + no + np > 0)
        store_truncate_wal(s);
    goto out;
fail:
    store_rollback(s);
    memset(stats, 0, sizeof *stats);
out:
    store_privacy_free_list(ids, n);
    store_privacy_free_list(fids, nf);
    store_privacy_free_list(flocs, nf);
    store_privacy_free_list(oids, no);
    store_privacy_free_list(pids, np);
    return rc;
}

int store_purge_contacts(struct store *s, int64_t closed_before, const char *actor,
                         struct store_purge_stats *stats, char **err)
{
    struct store_purge_windows w = {.contacts_before = closed_before};

    return store_purge(s, &w, actor, stats, err);
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
        /* Identifiers from the vault's registry only; '' where the column is NOT NULL. */
        char *sql = xasprintf("UPDATE %s SET %s = CASE WHEN %s IS NULL THEN NULL ELSE '' END;"
                              "UPDATE ops SET cols = json_replace(cols, '$.%s', NULL)"
                              " WHERE tbl = '%s' AND json_extract(cols, '$.%s') IS NOT NULL;",
                              tbl, col, col, col, tbl, col);
        rc = store_privacy_exec(s, sql, err);
        free(sql);
    }
    /* The outbox's copies of subscribers' contacts, STOP replies waiting for an unlock. */
    if (rc == STORE_OK)
        rc = store_privacy_exec(
            s, "UPDATE outbox SET contact = NULL; DELETE FROM subscriber_optouts;", err);
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
