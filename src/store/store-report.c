/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reports: insert through store_write(), load into struct model_report, page
 * through the queue and search with FTS5. Pages are fetched by offset from an
 * index in queue order, so a queue of 100,000 reports costs one screenful of
 * rows in memory, never the whole table.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/store.h"

#include "private.h"

#define STORE_REPORT_COLS                                                                          \
    "r.id, r.received_at, r.observed_at, r.updated_at, r.expires_at, r.source, r.category,"        \
    " r.status, r.priority, r.agents, r.first_hand, r.location, r.area, r.what, r.agency,"         \
    " r.vehicles, r.created_by, r.lat, r.lon"

static void store_report_from_row(sqlite3_stmt *st, struct model_report *r)
{
    int v;

    model_report_init(r);
    snprintf(r->id, sizeof r->id, "%s", (const char *)sqlite3_column_text(st, 0));
    r->received_at = sqlite3_column_int64(st, 1);
    r->observed_at = sqlite3_column_int64(st, 2);
    r->updated_at = sqlite3_column_int64(st, 3);
    r->expires_at = sqlite3_column_int64(st, 4);
    v = model_source_parse((const char *)sqlite3_column_text(st, 5));
    r->source = v < 0 ? MODEL_SOURCE_CALL : (enum model_source)v;
    v = model_category_parse((const char *)sqlite3_column_text(st, 6));
    r->category = v < 0 ? MODEL_CAT_OTHER : (enum model_category)v;
    v = model_status_parse((const char *)sqlite3_column_text(st, 7));
    r->status = v < 0 ? MODEL_STATUS_NEW : (enum model_status)v;
    r->priority = sqlite3_column_int(st, 8);
    r->agents = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 9);
    r->first_hand = sqlite3_column_type(st, 10) == SQLITE_NULL ? MODEL_UNKNOWN
                    : sqlite3_column_int(st, 10)               ? MODEL_YES
                                                               : MODEL_NO;
    r->location = store_col_text(st, 11);
    r->area = store_col_text(st, 12);
    r->what = store_col_text(st, 13);
    r->agency = store_col_text(st, 14);
    r->vehicles = store_col_text(st, 15);
    r->created_by = store_col_text(st, 16);
    if (r->location == NULL)
        r->location = xstrdup("");
    if (r->what == NULL)
        r->what = xstrdup("");
    r->has_pos = sqlite3_column_type(st, 17) != SQLITE_NULL;
    r->lat = sqlite3_column_double(st, 17);
    r->lon = sqlite3_column_double(st, 18);
}

int store_report_insert_tx(struct store *s, struct model_report *r, const char *contact,
                           const char *actor, char **err)
{
    int64_t now = timeutil_now_ms();
    int rc;

    if (r->id[0] == '\0')
        ulid_new(r->received_at ? r->received_at : now, r->id);
    if (r->received_at == 0)
        r->received_at = now;
    if (r->updated_at == 0)
        r->updated_at = r->received_at;
    struct store_col cols[] = {
        {"received_at", store_int(r->received_at)},
        {"observed_at", r->observed_at ? store_int(r->observed_at) : store_null()},
        {"updated_at", store_int(r->updated_at)},
        {"source", store_text(model_source_name(r->source))},
        {"category", store_text(model_category_name(r->category))},
        {"location", store_text(r->location)},
        {"area", store_text(r->area)},
        {"what", store_text(r->what)},
        {"agency", store_text(r->agency)},
        {"agents", r->agents >= 0 ? store_int(r->agents) : store_null()},
        {"vehicles", store_text(r->vehicles)},
        {"first_hand", r->first_hand == MODEL_UNKNOWN ? store_null() : store_int(r->first_hand)},
        {"status", store_text(model_status_name(r->status))},
        {"priority", store_int(r->priority)},
        {"expires_at", r->expires_at ? store_int(r->expires_at) : store_null()},
        {"created_by", store_text(actor)},
        {"lat", r->has_pos ? store_real(r->lat) : store_null()},
        {"lon", r->has_pos ? store_real(r->lon) : store_null()},
    };
    /* Leave out NULL columns: fewer ops, same row. */
    struct store_col used[UTIL_ARRAY_LEN(cols)];
    size_t n = 0;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(cols); i++)
        if (cols[i].v.type != STORE_NULL)
            used[n++] = cols[i];
    rc = store_write(s, "reports", r->id, used, n, err);
    if (rc == STORE_OK && contact != NULL && *contact != '\0') {
        struct store_col c[] = {
            {"report_id", store_text(r->id)},
            {"contact", store_text(contact)},
            {"created_at", store_int(now)},
        };
        rc = store_write(s, "reporter_contacts", r->id, c, UTIL_ARRAY_LEN(c), err);
    }
    if (rc == STORE_OK)
        rc = store_event(s, actor, "report.created", r->id, NULL, err);
    return rc;
}

int store_report_insert(struct store *s, struct model_report *r, const char *contact,
                        const char *actor, char **err)
{
    int rc = store_begin(s, err);

    if (rc != STORE_OK)
        return rc;
    rc = store_report_insert_tx(s, r, contact, actor, err);
    if (rc == STORE_OK)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    return rc;
}

int store_report_get(struct store *s, const char *id, struct model_report *out, char **err)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT " STORE_REPORT_COLS " FROM reports r WHERE r.id = ?", err);
    int rc;

    model_report_init(out);
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "reading a report", err);
    if (rc == STORE_OK)
        store_report_from_row(st, out);
    else if (rc == STORE_ERR_NOT_FOUND)
        util_seterr(err, _("no report with id %s"), id);
    store_stmt_done(st);
    return rc;
}

int store_report_contact(struct store *s, const char *id, char **out, char **err)
{
    sqlite3_stmt *st = store_stmt(
        s,
        "SELECT id, contact FROM reporter_contacts WHERE report_id = ? AND contact IS NOT NULL"
        " ORDER BY created_at",
        err);
    int rc;

    *out = NULL;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        /* Sealed when a passphrase is set: STORE_ERR_LOCKED until it is entered. */
        rc = store_open_text(s, "reporter_contacts", "contact",
                             (const char *)sqlite3_column_text(st, 0),
                             (const char *)sqlite3_column_text(st, 1), out, err);
    } else if (rc == SQLITE_DONE) {
        rc = STORE_OK;
    } else {
        rc = store_fail(s, rc, "reading a contact", err);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

void store_filter_init(struct store_filter *f)
{
    f->status = -1;
    f->live_after = 0;
    f->search = NULL;
    f->one_per_incident = false;
}

/*
 * Turn what a person typed into an FTS5 query: each word becomes a quoted
 * prefix term, all must match. Quotes and operators in the input are taken
 * literally, so no input can be an FTS5 syntax error. Returns NULL when the
 * input has no word characters.
 */
char *store_fts_query(const char *q)
{
    struct buf b;
    const char *p = q;

    buf_init(&b);
    while (*p) {
        while (*p && (isspace((unsigned char)*p) || (ispunct((unsigned char)*p) && *p != '\'')))
            p++;
        const char *w = p;
        while (*p && !isspace((unsigned char)*p) &&
               !(ispunct((unsigned char)*p) && *p != '\'' && *p != '-'))
            p++;
        if (p == w)
            continue;
        buf_adds(&b, b.len ? " \"" : "\"");
        for (const char *c = w; c < p; c++) {
            if (*c == '"')
                buf_addc(&b, '"');
            buf_addc(&b, *c);
        }
        buf_adds(&b, "\"*");
    }
    if (b.len == 0) {
        buf_fini(&b);
        return NULL;
    }
    return buf_steal(&b);
}

/* Build the WHERE clause of a filter; parameters are bound in this order. */
static void store_filter_sql(const struct store_filter *f, struct buf *sql, bool *has_fts)
{
    *has_fts = f->search != NULL && *f->search != '\0';
    if (*has_fts)
        buf_adds(sql, " JOIN reports_fts ON reports_fts.rowid = r.rowid"
                      " WHERE reports_fts MATCH ?1");
    else
        buf_adds(sql, " WHERE 1");
    if (f->status >= 0)
        buf_adds(sql, " AND r.status = ?2");
    if (f->live_after > 0)
        buf_adds(sql, " AND r.expires_at > ?3");
    if (f->one_per_incident)
        buf_adds(sql, " AND (r.incident_id IS NULL OR r.incident_id = r.id)");
}

static int store_filter_bind(sqlite3_stmt *st, const struct store_filter *f, char **fts)
{
    *fts = NULL;
    if (f->search != NULL && *f->search != '\0') {
        *fts = store_fts_query(f->search);
        if (*fts == NULL)
            return -1;
        sqlite3_bind_text(st, 1, *fts, -1, SQLITE_STATIC);
    }
    if (f->status >= 0)
        sqlite3_bind_text(st, 2, model_status_name((enum model_status)f->status), -1,
                          SQLITE_STATIC);
    if (f->live_after > 0)
        sqlite3_bind_int64(st, 3, f->live_after);
    return 0;
}

int store_report_count(struct store *s, const struct store_filter *f, size_t *n, char **err)
{
    struct buf sql;
    sqlite3_stmt *st;
    char *fts;
    bool has_fts;
    int rc;

    *n = 0;
    buf_init(&sql);
    buf_adds(&sql, "SELECT count(*) FROM reports r");
    store_filter_sql(f, &sql, &has_fts);
    st = store_stmt(s, buf_str(&sql), err);
    buf_fini(&sql);
    if (st == NULL)
        return STORE_ERR_IO;
    if (store_filter_bind(st, f, &fts) < 0) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return STORE_OK;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *n = (size_t)sqlite3_column_int64(st, 0);
        rc = STORE_OK;
    } else {
        rc = store_fail(s, rc, "counting reports", err);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(fts);
    return rc;
}

int store_report_page(struct store *s, const struct store_filter *f, size_t offset, size_t limit,
                      struct model_report *rows, size_t *n, char **err)
{
    struct buf sql;
    sqlite3_stmt *st;
    char *fts;
    bool has_fts;
    int rc;

    *n = 0;
    buf_init(&sql);
    buf_adds(&sql, "SELECT " STORE_REPORT_COLS " FROM reports r");
    store_filter_sql(f, &sql, &has_fts);
    buf_adds(&sql, has_fts ? " ORDER BY bm25(reports_fts), r.received_at DESC LIMIT ?4 OFFSET ?5"
                           : " ORDER BY r.priority DESC, r.received_at DESC, r.id DESC"
                             " LIMIT ?4 OFFSET ?5");
    st = store_stmt(s, buf_str(&sql), err);
    buf_fini(&sql);
    if (st == NULL)
        return STORE_ERR_IO;
    if (store_filter_bind(st, f, &fts) < 0) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return STORE_OK;
    }
    sqlite3_bind_int64(st, 4, (sqlite3_int64)limit);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)offset);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < limit)
        store_report_from_row(st, &rows[(*n)++]);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
        rc = STORE_OK;
    } else {
        for (size_t i = 0; i < *n; i++)
            model_report_fini(&rows[i]);
        *n = 0;
        rc = store_fail(s, rc, "reading the queue", err);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(fts);
    return rc;
}

int store_report_position(struct store *s, const struct store_filter *f, const char *id,
                          size_t *pos, char **err)
{
    struct store_filter nf = *f;
    struct buf sql;
    sqlite3_stmt *st;
    char *fts;
    bool has_fts;
    int rc;

    *pos = 0;
    nf.search = NULL; /* search results are ranked, not in queue order */
    buf_init(&sql);
    buf_adds(&sql, "SELECT count(*) FROM reports r");
    store_filter_sql(&nf, &sql, &has_fts);
    /* Queue order is (priority, received_at, id) descending: count what sorts first. */
    buf_adds(&sql, " AND EXISTS (SELECT 1 FROM reports x WHERE x.id = ?6)"
                   " AND (r.priority, r.received_at, r.id) >"
                   " (SELECT x.priority, x.received_at, x.id FROM reports x WHERE x.id = ?6)");
    st = store_stmt(s, buf_str(&sql), err);
    buf_fini(&sql);
    if (st == NULL)
        return STORE_ERR_IO;
    store_filter_bind(st, &nf, &fts);
    sqlite3_bind_text(st, 6, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *pos = (size_t)sqlite3_column_int64(st, 0);
        rc = STORE_OK;
    } else {
        rc = store_fail(s, rc, "finding a report in the queue", err);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(fts);
    if (rc == STORE_OK) {
        /* The report itself must match the filter too. */
        struct model_report r;
        rc = store_report_get(s, id, &r, err);
        if (rc == STORE_OK && ((f->status >= 0 && (int)r.status != f->status) ||
                               (f->live_after > 0 && r.expires_at <= f->live_after)))
            rc = STORE_ERR_NOT_FOUND;
        model_report_fini(&r);
    }
    return rc;
}

int store_report_status_counts(struct store *s, int64_t live_after,
                               size_t counts[MODEL_STATUS_COUNT], char **err)
{
    sqlite3_stmt *st;
    int rc;

    memset(counts, 0, sizeof(size_t) * MODEL_STATUS_COUNT);
    if (live_after > 0) {
        /*
         * One range search of the (status, expires_at) index per status: only
         * live entries are read. A GROUP BY with expires_at > ?1 scanned the
         * whole index, expired reports included (1,048 pages, 6-10 ms of CPU
         * for 100,000 reports, at every console start and minute; tests/bench).
         */
        st = store_stmt(s, "SELECT count(*) FROM reports WHERE status = ?1 AND expires_at > ?2",
                        err);
        if (st == NULL)
            return STORE_ERR_IO;
        rc = SQLITE_DONE;
        for (int i = 0; i < MODEL_STATUS_COUNT && rc == SQLITE_DONE; i++) {
            sqlite3_bind_text(st, 1, model_status_name((enum model_status)i), -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, live_after);
            if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                counts[i] = (size_t)sqlite3_column_int64(st, 0);
                rc = SQLITE_DONE;
            }
            sqlite3_reset(st);
        }
        sqlite3_clear_bindings(st);
        return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "counting reports", err);
    }
    st = store_stmt(s, "SELECT status, count(*) FROM reports GROUP BY status", err);
    if (st == NULL)
        return STORE_ERR_IO;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int v = model_status_parse((const char *)sqlite3_column_text(st, 0));
        if (v >= 0)
            counts[v] += (size_t)sqlite3_column_int64(st, 1);
    }
    rc = rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "counting reports", err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}
