/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The people of a detention follow-up: the detained person and their family,
 * kept apart from the report in followup_people. Their name, phone, A-number,
 * place of detention and notes are personal columns (store-vault.c): sealed
 * by store_write() once a passphrase is set, opened here with
 * store_open_text(). Removing a person leaves a tombstone with those cells
 * cleared and their history scrubbed; the retention purge (store-privacy.c)
 * clears them the same way once the report has been closed long enough.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/store.h"

#include "private.h"

/* The personal columns of followup_people, as registered in store-vault.c. */
static const char *const store_person_personal[] = {"name", "phone", "a_number", "where_held",
                                                    "notes"};

static struct store_val store_person_text(const char *s)
{
    return s != NULL && *s != '\0' ? store_text(s) : store_null();
}

int store_person_add(struct store *s, struct store_person *p, const char *actor, char **err)
{
    struct store_col c[] = {
        {"report_id", store_text(p->report_id)},
        {"name", store_text(p->name ? p->name : "")},
        {"relation", store_person_text(p->relation)},
        {"phone", store_person_text(p->phone)},
        {"a_number", store_person_text(p->a_number)},
        {"detained_at", p->detained_at ? store_int(p->detained_at) : store_null()},
        {"where_held", store_person_text(p->where_held)},
        {"notes", store_person_text(p->notes)},
        {"created_at", store_int(p->created_at)},
        {"created_by", store_person_text(actor)},
    };
    char *detail;
    int rc;

    if (p->created_at == 0)
        p->created_at = timeutil_now_ms();
    c[8].v = store_int(p->created_at);
    if (p->id[0] == '\0')
        ulid_new(p->created_at, p->id);
    if ((rc = store_begin(s, err)) != STORE_OK)
        return rc;
    rc = store_write(s, "followup_people", p->id, c, UTIL_ARRAY_LEN(c), err);
    if (rc == STORE_OK) {
        /* The timeline names the row and the relation, never the person. */
        detail = xasprintf("person=%s relation=%s", p->id, p->relation ? p->relation : "other");
        rc = store_event(s, actor, "followup.person_added", p->report_id, detail, err);
        free(detail);
    }
    if (rc == STORE_OK)
        return store_commit(s, err);
    store_rollback(s);
    return rc;
}

static void store_person_row(sqlite3_stmt *st, struct store_person *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", (const char *)sqlite3_column_text(st, 0));
    p->report_id = store_col_text(st, 1);
    p->name = store_col_text(st, 2);
    p->relation = store_col_text(st, 3);
    p->phone = store_col_text(st, 4);
    p->a_number = store_col_text(st, 5);
    p->detained_at = sqlite3_column_int64(st, 6);
    p->where_held = store_col_text(st, 7);
    p->notes = store_col_text(st, 8);
    p->created_at = sqlite3_column_int64(st, 9);
    p->created_by = store_col_text(st, 10);
}

int store_person_list(struct store *s, const char *report_id, struct store_person **rows, size_t *n,
                      char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT id, report_id, name, relation, phone, a_number,"
                                  " detained_at, where_held, notes, created_at, created_by"
                                  " FROM followup_people WHERE report_id = ?1"
                                  " AND deleted_at IS NULL ORDER BY created_at, id",
                                  err);
    size_t cap = 0;
    int rc;

    *rows = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *rows = xreallocarray(*rows, cap, sizeof **rows);
        }
        store_person_row(st, &(*rows)[(*n)++]);
    }
    store_stmt_done(st);
    if (rc != SQLITE_DONE) {
        store_people_free(rows, *n);
        *n = 0;
        return store_fail(s, rc, "reading follow-up people", err);
    }
    return STORE_OK;
}

int store_person_count(struct store *s, const char *report_id, size_t *n, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT count(*) FROM followup_people WHERE report_id = ?1"
                                  " AND deleted_at IS NULL",
                                  err);
    int rc;

    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "counting follow-up people", err);
    if (rc == STORE_OK)
        *n = (size_t)sqlite3_column_int64(st, 0);
    store_stmt_done(st);
    return rc;
}

static void store_person_zfree(char **p)
{
    if (*p != NULL)
        sodium_memzero(*p, strlen(*p));
    FREE(p);
}

int store_person_open(struct store *s, struct store_person *p, char **err)
{
    char **fields[] = {&p->name, &p->phone, &p->a_number, &p->where_held, &p->notes};
    char *opened[UTIL_ARRAY_LEN(fields)] = {NULL};
    int rc = STORE_OK;

    for (size_t i = 0; i < UTIL_ARRAY_LEN(fields) && rc == STORE_OK; i++)
        rc = store_open_text(s, "followup_people", store_person_personal[i], p->id, *fields[i],
                             &opened[i], err);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(fields); i++) {
        if (rc != STORE_OK) {
            store_person_zfree(&opened[i]);
            continue;
        }
        free(*fields[i]); /* sealed text, or the same plain text */
        *fields[i] = opened[i];
    }
    return rc;
}

int store_person_clear_tx(struct store *s, const char *id, size_t *ops, char **err)
{
    struct store_col c[] = {
        {"name", store_text("")},     {"phone", store_null()}, {"a_number", store_null()},
        {"where_held", store_null()}, {"notes", store_null()},
    };
    int rc = STORE_OK;

    for (size_t i = 0; i < UTIL_ARRAY_LEN(store_person_personal) && rc == STORE_OK; i++)
        rc = store_privacy_scrub(s, "followup_people", store_person_personal[i], id, ops, err);
    if (rc == STORE_OK)
        rc = store_write(s, "followup_people", id, c, UTIL_ARRAY_LEN(c), err);
    return rc;
}

int store_person_remove(struct store *s, const char *id, const char *actor, char **err)
{
    sqlite3_stmt *st;
    struct store_col del[] = {{"deleted_at", store_int(timeutil_now_ms())}};
    char *report_id = NULL;
    size_t ops = 0;
    int rc;

    /* SQLite zeroes the bytes it frees: the cleared cells leave the pages. */
    if ((rc = sqlite3_exec(s->db, "PRAGMA secure_delete=ON", NULL, NULL, NULL)) != SQLITE_OK)
        return store_fail(s, rc, "removing a follow-up person", err);
    if ((rc = store_begin(s, err)) != STORE_OK)
        return rc;
    st = store_stmt(s, "SELECT report_id FROM followup_people WHERE id = ?1 AND deleted_at IS NULL",
                    err);
    if (st == NULL) {
        rc = STORE_ERR_IO;
        goto fail;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "finding a follow-up person", err);
    if (rc == STORE_OK)
        report_id = store_col_text(st, 0);
    store_stmt_done(st);
    if (rc == STORE_ERR_NOT_FOUND)
        util_seterr(err, _("no follow-up person with id %s"), id);
    if (rc != STORE_OK)
        goto fail;
    if ((rc = store_person_clear_tx(s, id, &ops, err)) != STORE_OK ||
        (rc = store_write(s, "followup_people", id, del, 1, err)) != STORE_OK)
        goto fail;
    {
        char *detail = xasprintf("person=%s", id);
        rc = store_event(s, actor, "followup.person_removed", report_id, detail, err);
        free(detail);
    }
    if (rc != STORE_OK)
        goto fail;
    rc = store_commit(s, err);
    free(report_id);
    if (rc == STORE_OK)
        store_truncate_wal(s);
    return rc;
fail:
    store_rollback(s);
    free(report_id);
    return rc;
}

int store_person_due(struct store *s, int64_t before, char ***ids, size_t *n, char **err)
{
    char *final = store_privacy_final_list();
    char *sql = xasprintf("SELECT p.id FROM followup_people p CROSS JOIN reports r"
                          " ON r.id = p.report_id"
                          " WHERE (p.name <> '' OR p.phone IS NOT NULL OR p.a_number IS NOT NULL"
                          " OR p.where_held IS NOT NULL OR p.notes IS NOT NULL)"
                          " AND coalesce(r.updated_at, r.received_at) < ?1 AND r.status IN (%s)",
                          final);
    int rc = store_privacy_ids(s, sql, before, ids, n, err);

    free(final);
    free(sql);
    return rc;
}

void store_person_fini(struct store_person *p)
{
    store_person_zfree(&p->name);
    store_person_zfree(&p->phone);
    store_person_zfree(&p->a_number);
    store_person_zfree(&p->where_held);
    store_person_zfree(&p->notes);
    FREE(&p->report_id);
    FREE(&p->relation);
    FREE(&p->created_by);
}

void store_people_free(struct store_person **rows, size_t n)
{
    for (size_t i = 0; *rows != NULL && i < n; i++)
        store_person_fini(&(*rows)[i]);
    FREE(rows);
}
