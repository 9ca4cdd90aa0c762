/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Queries for verification: incidents (reports linked under the oldest
 * report's id in reports.incident_id), checklist answers, the audit timeline,
 * reports near in time and the rumor search. Writes go through store_write()
 * in the app layer's transactions; this file only reads.
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

int store_incident_root(struct store *s, const char *id, char root[ULID_LEN + 1], char **err)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT coalesce(incident_id, id) FROM reports WHERE id = ?", err);
    int rc;

    root[0] = '\0';
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "reading an incident", err);
    if (rc == STORE_OK)
        snprintf(root, ULID_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
    else if (rc == STORE_ERR_NOT_FOUND)
        util_seterr(err, _("no report with id %s"), id);
    store_stmt_done(st);
    return rc;
}

/* Collect the first column of every row as ids. */
static int store_collect_ids(struct store *s, sqlite3_stmt *st, char (**ids)[ULID_LEN + 1],
                             size_t *n, const char *what, char **err)
{
    size_t cap = 0;
    int rc;

    *ids = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        if (id == NULL)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *ids = xreallocarray(*ids, cap, sizeof **ids);
        }
        snprintf((*ids)[(*n)++], ULID_LEN + 1, "%s", id);
    }
    store_stmt_done(st);
    if (rc != SQLITE_DONE) {
        FREE(ids);
        *n = 0;
        return store_fail(s, rc, what, err);
    }
    return STORE_OK;
}

int store_incident_members(struct store *s, const char *root, char (**ids)[ULID_LEN + 1], size_t *n,
                           char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT id FROM reports WHERE id = ?1 OR incident_id = ?1"
                                  " ORDER BY id = ?1 DESC, received_at, id",
                                  err);

    *ids = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
    return store_collect_ids(s, st, ids, n, "reading an incident", err);
}

int store_check_rows(struct store *s, const char *root, struct model_check_state **rows, size_t *n,
                     char **err)
{
    sqlite3_stmt *st = store_stmt(
        s,
        "SELECT c.report_id, c.item_key, c.state, c.by, c.at, c.note FROM checklist_items c"
        " WHERE c.report_id IN (SELECT id FROM reports WHERE id = ?1 OR incident_id = ?1)"
        " ORDER BY c.at, c.id",
        err);
    size_t cap = 0;
    int rc;

    *rows = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct model_check_state *c;
        enum model_tri t = MODEL_UNKNOWN;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *rows = xreallocarray(*rows, cap, sizeof **rows);
        }
        c = &(*rows)[(*n)++];
        memset(c, 0, sizeof *c);
        c->report_id = store_col_text(st, 0);
        c->key = store_col_text(st, 1);
        if (c->key == NULL)
            c->key = xstrdup("");
        model_tri_parse((const char *)sqlite3_column_text(st, 2), &t);
        c->state = t;
        c->by = store_col_text(st, 3);
        c->at = sqlite3_column_int64(st, 4);
        c->note = store_col_text(st, 5);
    }
    store_stmt_done(st);
    if (rc != SQLITE_DONE) {
        for (size_t i = 0; i < *n; i++)
            model_check_state_fini(&(*rows)[i]);
        FREE(rows);
        *n = 0;
        return store_fail(s, rc, "reading a checklist", err);
    }
    return STORE_OK;
}

int store_incident_observed(struct store *s, const char *root, bool *out, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT count(*) FROM assignments WHERE report_id IN"
                                  " (SELECT id FROM reports WHERE id = ?1 OR incident_id = ?1)"
                                  " AND (on_scene_at IS NOT NULL OR reported_back_at IS NOT NULL)",
                                  err);
    int rc;

    *out = false;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0) > 0;
        rc = STORE_OK;
    } else {
        rc = store_fail(s, rc, "reading assignments", err);
    }
    store_stmt_done(st);
    return rc;
}

int store_events(struct store *s, const struct store_event_filter *f, struct model_event **rows,
                 size_t *n, char **err)
{
    struct buf sql;
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc;

    *rows = NULL;
    *n = 0;
    buf_init(&sql);
    buf_adds(&sql, "SELECT e.id, e.at, e.actor, e.kind, e.report_id, e.detail FROM events e"
                   " WHERE 1");
    if (f->incident != NULL)
        buf_adds(&sql, " AND e.report_id IN"
                       " (SELECT id FROM reports WHERE id = ?1 OR incident_id = ?1)");
    if (f->actor != NULL)
        buf_adds(&sql, " AND e.actor = ?2 COLLATE NOCASE");
    if (f->kind != NULL)
        buf_adds(&sql, " AND e.kind = ?3");
    if (f->since > 0)
        buf_adds(&sql, " AND e.at >= ?4");
    if (f->until > 0)
        buf_adds(&sql, " AND e.at <= ?5");
    buf_adds(&sql, f->oldest_first ? " ORDER BY e.at, e.id LIMIT ?6"
                                   : " ORDER BY e.at DESC, e.id DESC LIMIT ?6");
    st = store_stmt(s, buf_str(&sql), err);
    buf_fini(&sql);
    if (st == NULL)
        return STORE_ERR_IO;
    if (f->incident != NULL)
        sqlite3_bind_text(st, 1, f->incident, -1, SQLITE_STATIC);
    if (f->actor != NULL)
        sqlite3_bind_text(st, 2, f->actor, -1, SQLITE_STATIC);
    if (f->kind != NULL)
        sqlite3_bind_text(st, 3, f->kind, -1, SQLITE_STATIC);
    if (f->since > 0)
        sqlite3_bind_int64(st, 4, f->since);
    if (f->until > 0)
        sqlite3_bind_int64(st, 5, f->until);
    sqlite3_bind_int64(st, 6, f->limit ? (sqlite3_int64)f->limit : 1000);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct model_event *e;
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *rows = xreallocarray(*rows, cap, sizeof **rows);
        }
        e = &(*rows)[(*n)++];
        memset(e, 0, sizeof *e);
        snprintf(e->id, sizeof e->id, "%s",
                 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
        e->at = sqlite3_column_int64(st, 1);
        e->actor = store_col_text(st, 2);
        e->kind = store_col_text(st, 3);
        if (e->kind == NULL)
            e->kind = xstrdup("");
        e->report_id = store_col_text(st, 4);
        e->detail = store_col_text(st, 5);
    }
    store_stmt_done(st);
    if (rc != SQLITE_DONE) {
        for (size_t i = 0; i < *n; i++)
            model_event_fini(&(*rows)[i]);
        FREE(rows);
        *n = 0;
        return store_fail(s, rc, "reading events", err);
    }
    return STORE_OK;
}

int store_report_window(struct store *s, int64_t from, int64_t to, bool open_only, size_t limit,
                        char (**ids)[ULID_LEN + 1], size_t *n, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT id FROM reports WHERE received_at BETWEEN ?1 AND ?2"
                                  " AND (?3 = 0 OR status != 'closed')"
                                  " ORDER BY received_at DESC, id DESC LIMIT ?4",
                                  err);

    *ids = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int(st, 3, open_only ? 1 : 0);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)limit);
    return store_collect_ids(s, st, ids, n, "reading reports", err);
}

int store_report_search(struct store *s, const char *query, int64_t since, int64_t until,
                        size_t limit, char (**ids)[ULID_LEN + 1], size_t *n, char **err)
{
    char *fts = query ? store_fts_query(query) : NULL;
    sqlite3_stmt *st;
    int rc;

    *ids = NULL;
    *n = 0;
    if (fts != NULL)
        st = store_stmt(s,
                        "SELECT r.id FROM reports r"
                        " JOIN reports_fts ON reports_fts.rowid = r.rowid"
                        " WHERE reports_fts MATCH ?1"
                        " AND (?2 = 0 OR r.received_at >= ?2) AND (?3 = 0 OR r.received_at <= ?3)"
                        " ORDER BY bm25(reports_fts), r.received_at DESC LIMIT ?4",
                        err);
    else if (query != NULL && *query != '\0' && strspn(query, " \t") != strlen(query))
        return STORE_OK; /* punctuation only: nothing can match */
    else
        st = store_stmt(s,
                        "SELECT r.id FROM reports r WHERE ?1 IS NULL"
                        " AND (?2 = 0 OR r.received_at >= ?2) AND (?3 = 0 OR r.received_at <= ?3)"
                        " ORDER BY r.received_at DESC LIMIT ?4",
                        err);
    if (st == NULL) {
        free(fts);
        return STORE_ERR_IO;
    }
    if (fts != NULL)
        sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int64(st, 3, until);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)limit);
    rc = store_collect_ids(s, st, ids, n, "searching reports", err);
    free(fts);
    return rc;
}
