/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The op log as stored: one `ops` row per row write.
 *
 * Semantically every mutation is still one op per cell, (hlc, device, table,
 * row id, column, value), with the cell's parent; merge rules are per cell.
 * On disk the cells of one write share one row: (hlc, device, tbl, row_id, n,
 * cols, parents), where cols is a JSON object of the columns written and
 * their values ({"location":"5th and Main","agents":3,"lat":34.05,
 * "agency":null}) and parents a JSON object of the cells that had an earlier
 * op ({"status":1234...}), NULL when none did. An import of 100,000 reports
 * wrote 2,000,000 op rows and 4,000,000 index entries one cell a row; now it
 * writes 200,000 rows (share/doc/op-log.md).
 *
 * JSON keeps the log readable with SQLite's own functions: json_each() lists
 * the cells of a row op with their SQLite types (integer, real, text, null),
 * json_replace() scrubs or re-seals one personal cell in place and leaves the
 * others alone (store-privacy.c, store-vault.c).
 *
 * store_write_raw() lives here: the row first (UPDATE when it exists, INSERT
 * otherwise), then the row's FTS entry for tables whose insert is indexed by
 * hand (below), then one op row.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/store.h"

#include "private.h"

/* ---- encoding -------------------------------------------------------------- */

static void store_oplog_string(struct buf *b, const char *s)
{
    const char *run = s;

    buf_addc(b, '"');
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_add(b, run, (size_t)(p - run));
        if (c == '"' || c == '\\') {
            buf_addc(b, '\\');
            buf_addc(b, (char)c);
        } else {
            buf_printf(b, "\\u%04x", c);
        }
        run = p + 1;
    }
    buf_adds(b, run);
    buf_addc(b, '"');
}

void store_oplog_add(struct buf *b, const char *name, const struct store_val *v)
{
    char num[40];

    buf_addc(b, b->len == 0 ? '{' : ',');
    store_oplog_string(b, name);
    buf_addc(b, ':');
    switch (v->type) {
    case STORE_INT: {
        /* By hand: snprintf was a tenth of the op log's cost in an import. */
        uint64_t u = v->i < 0 ? 0 - (uint64_t)v->i : (uint64_t)v->i;
        char *p = num + sizeof num;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u > 0);
        if (v->i < 0)
            *--p = '-';
        buf_add(b, p, (size_t)(num + sizeof num - p));
        break;
    }
    case STORE_REAL:
        if (isnan(v->d)) {
            buf_adds(b, "null"); /* SQLite stores NaN as NULL too */
        } else if (isinf(v->d)) {
            buf_adds(b, v->d > 0 ? "9e999" : "-9e999"); /* what SQLite's JSON writes */
        } else {
            snprintf(num, sizeof num, "%.17g", v->d);
            buf_adds(b, num);
            /* Stays a real when read back: "3" would come back an integer. */
            if (strpbrk(num, ".eE") == NULL)
                buf_adds(b, ".0");
        }
        break;
    case STORE_TEXT:
        store_oplog_string(b, v->s);
        break;
    case STORE_NULL:
    default:
        buf_adds(b, "null");
        break;
    }
}

char *store_oplog_key_text(const char *name)
{
    struct buf b;

    buf_init(&b);
    store_oplog_string(&b, name);
    buf_addc(&b, ':');
    return buf_steal(&b);
}

void store_oplog_end(struct buf *b)
{
    buf_adds(b, b->len == 0 ? "{}" : "}");
}

int store_oplog_insert(struct store *s, uint64_t hlc, const char *device, const char *tbl,
                       const char *row_id, size_t ncells, const char *cols, const char *parents,
                       char **err)
{
    static const char sql[] = "INSERT INTO ops(hlc, device, tbl, row_id, n, cols, parents)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *st = store_stmt(s, sql, err);
    int rc;

    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)hlc);
    sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, row_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)ncells);
    sqlite3_bind_text(st, 6, cols, -1, SQLITE_STATIC);
    if (parents != NULL)
        sqlite3_bind_text(st, 7, parents, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    store_stmt_done(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "ops", err);
}

/*
 * The parent of each of @n cells of row (@tbl, @row_id): the hlc of the
 * newest op that wrote it, 0 when none did. Reads the row's ops newest first
 * and stops once every cell has been seen.
 */
static int store_oplog_parents(struct store *s, const char *tbl, const char *row_id,
                               const struct store_col *cols, size_t n, uint64_t *parents,
                               char **err)
{
    static const char sql[] = "SELECT o.hlc, j.key FROM ops o, json_each(o.cols) j"
                              " WHERE o.tbl = ?1 AND o.row_id = ?2 ORDER BY o.hlc DESC";
    /* One column (an edit): parse only the ops whose text has its key. */
    static const char cell_sql[] = "SELECT o.hlc, j.key FROM ops o, json_each(o.cols) j"
                                   " WHERE o.tbl = ?1 AND o.row_id = ?2 AND instr(o.cols, ?3) > 0"
                                   " ORDER BY o.hlc DESC";
    sqlite3_stmt *st = store_stmt(s, n == 1 ? cell_sql : sql, err);
    char *keytext = NULL;
    size_t left = n;
    int rc = SQLITE_DONE;

    memset(parents, 0, n * sizeof *parents);
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, row_id, -1, SQLITE_STATIC);
    if (n == 1) {
        keytext = store_oplog_key_text(cols[0].name);
        sqlite3_bind_text(st, 3, keytext, -1, SQLITE_STATIC);
    }
    while (left > 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t h = (uint64_t)sqlite3_column_int64(st, 0);
        const char *key = (const char *)sqlite3_column_text(st, 1);
        if (key == NULL)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (parents[i] == 0 && strcmp(cols[i].name, key) == 0) {
                parents[i] = h;
                left--;
                break;
            }
        }
    }
    if (left == 0)
        rc = SQLITE_DONE;
    store_stmt_done(st);
    free(keytext);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "reading ops", err);
}

/* ---- full-text index ---------------------------------------------------------- */

/*
 * Tables whose new rows are added to their FTS5 index here rather than by an
 * AFTER INSERT trigger. A trigger makes every insert a multi-statement write
 * with a statement journal, and FTS5 flushes its pending terms into a new
 * segment at every statement savepoint: one segment (and the merges that
 * follow) per report. Added here in a plain INSERT ... VALUES, the terms of a
 * whole transaction are flushed together (an import of 100,000 reports: 6 s
 * less). Updates and deletes keep their triggers (reports_fts_au, _ad).
 */
static const struct {
    const char *table, *insert;
    const char *cols[8];
} store_fts_tables[] = {
    {"reports",
     "INSERT INTO reports_fts(rowid, location, area, what, agency, vehicles)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
     {"location", "area", "what", "agency", "vehicles", NULL}},
};

int store_fts_inserted(struct store *s, const char *table, int64_t rowid,
                       const struct store_col *cols, size_t n, char **err)
{
    for (size_t i = 0; i < UTIL_ARRAY_LEN(store_fts_tables); i++) {
        sqlite3_stmt *ins;
        int rc;

        if (strcmp(store_fts_tables[i].table, table) != 0)
            continue;
        if ((ins = store_stmt(s, store_fts_tables[i].insert, err)) == NULL)
            return STORE_ERR_IO;
        sqlite3_bind_int64(ins, 1, rowid);
        /*
         * The values as written; a column left out stays NULL, as good as
         * its default ('' or NULL) for the index: neither has a word. Text
         * affinity turns a number into the text SQLite makes of it here too.
         */
        for (int c = 0; store_fts_tables[i].cols[c] != NULL; c++) {
            const char *name = store_fts_tables[i].cols[c];
            for (size_t k = 0; k < n; k++) {
                if (cols[k].name[0] == name[0] && strcmp(cols[k].name, name) == 0) {
                    store_bind(ins, c + 2, &cols[k].v);
                    break;
                }
            }
        }
        rc = sqlite3_step(ins);
        store_stmt_done(ins);
        return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "search index", err);
    }
    return STORE_OK;
}

/* ---- the mutation path ------------------------------------------------------------ */

static int store_oplog_step(struct store *s, sqlite3_stmt *st, const char *what, char **err)
{
    int rc = sqlite3_step(st);

    store_stmt_done(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, what, err);
}

int store_write_raw(struct store *s, const char *table, const char *row_id,
                    const struct store_col *cols, size_t n, char **err)
{
    bool append_only = false, exists = false;
    const char *const *known = store_table_cols(table, &append_only);
    uint64_t parents[64];
    struct buf sql, ops;
    sqlite3_stmt *st;
    uint64_t hlc;
    int rc = STORE_OK;

    if (s->depth == 0) {
        util_seterr(err, "store_write outside a transaction");
        return STORE_ERR_INVALID;
    }
    if (known == NULL || row_id == NULL || *row_id == '\0' || n == 0) {
        util_seterr(err, _("cannot write to unknown table %s"), table);
        return STORE_ERR_INVALID;
    }
    /*
     * Identifiers in the SQL below are checked against the registry here (the
     * first byte first: these strcmp calls were 3% of an import).
     */
    for (size_t i = 0; i < n; i++) {
        const char *name = cols[i].name;
        bool found = false;
        for (const char *const *c = known; *c != NULL && !found; c++)
            found = (*c)[0] == name[0] && strcmp(*c, name) == 0;
        for (size_t k = 0; k < i && found; k++)
            found = cols[k].name[0] != name[0] || strcmp(cols[k].name, name) != 0;
        if (!found) {
            util_seterr(err, _("cannot write unknown column %s.%s"), table, name);
            return STORE_ERR_INVALID;
        }
    }
    /* Distinct registry columns: fewer than any table has (22 at most). */
    if (n > UTIL_ARRAY_LEN(parents)) {
        util_seterr(err, "store_write of %zu columns", n);
        return STORE_ERR_INVALID;
    }
    buf_init(&sql);
    buf_init(&ops);
    if (!append_only) {
        /*
         * Look first, then update or insert: an upsert would check NOT NULL
         * columns of the insert (received_at...) even when only updating
         * some columns of a row.
         */
        buf_adds(&sql, "SELECT 1 FROM ");
        buf_adds(&sql, table);
        buf_adds(&sql, " WHERE id = ?");
        if ((st = store_stmt(s, buf_str(&sql), err)) == NULL) {
            rc = STORE_ERR_IO;
            goto out;
        }
        sqlite3_bind_text(st, 1, row_id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        store_stmt_done(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            rc = store_fail(s, rc, table, err);
            goto out;
        }
        exists = rc == SQLITE_ROW;
        rc = STORE_OK;
        buf_reset(&sql);
    }
    /* Built with buf_adds: buf_printf here cost an import of 100,000 reports 0.2 s. */
    if (exists) {
        buf_adds(&sql, "UPDATE ");
        buf_adds(&sql, table);
        buf_adds(&sql, " SET ");
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                buf_adds(&sql, ", ");
            buf_adds(&sql, cols[i].name);
            buf_adds(&sql, " = ?");
        }
        buf_adds(&sql, " WHERE id = ?");
    } else {
        buf_adds(&sql, "INSERT INTO ");
        buf_adds(&sql, table);
        buf_adds(&sql, "(id");
        for (size_t i = 0; i < n; i++) {
            buf_adds(&sql, ", ");
            buf_adds(&sql, cols[i].name);
        }
        buf_adds(&sql, ") VALUES (?");
        for (size_t i = 0; i < n; i++)
            buf_adds(&sql, ", ?");
        buf_adds(&sql, ")");
    }
    if ((st = store_stmt(s, buf_str(&sql), err)) == NULL) {
        rc = STORE_ERR_IO;
        goto out;
    }
    if (!exists)
        sqlite3_bind_text(st, 1, row_id, -1, SQLITE_STATIC);
    for (size_t i = 0; i < n; i++)
        store_bind(st, (int)i + (exists ? 1 : 2), &cols[i].v);
    if (exists)
        sqlite3_bind_text(st, (int)n + 1, row_id, -1, SQLITE_STATIC);
    if ((rc = store_oplog_step(s, st, table, err)) != STORE_OK)
        goto out;
    if (!exists && (rc = store_fts_inserted(s, table, sqlite3_last_insert_rowid(s->db), cols, n,
                                            err)) != STORE_OK)
        goto out;

    /*
     * Append-only rows are never edited (unions merge them), so their cells
     * have no earlier op to name; other rows may have ops even when the row
     * is new here (a remote row still deferred).
     */
    if (append_only)
        memset(parents, 0, n * sizeof *parents);
    else if ((rc = store_oplog_parents(s, table, row_id, cols, n, parents, err)) != STORE_OK)
        goto out;
    hlc = hlc_now(&s->hlc, timeutil_now_ms());
    for (size_t i = 0; i < n; i++)
        store_oplog_add(&ops, cols[i].name, &cols[i].v);
    store_oplog_end(&ops);
    buf_reset(&sql);
    for (size_t i = 0; i < n; i++)
        if (parents[i] != 0) {
            struct store_val p = store_int((int64_t)parents[i]);
            store_oplog_add(&sql, cols[i].name, &p);
        }
    if (sql.len > 0)
        store_oplog_end(&sql);
    rc = store_oplog_insert(s, hlc, s->device, table, row_id, n, buf_str(&ops),
                            sql.len > 0 ? buf_str(&sql) : NULL, err);
out:
    buf_fini(&sql);
    buf_fini(&ops);
    return rc;
}
