/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The op log's storage (src/store/store-oplog.c): one `ops` row per row
 * write, its cells a JSON object. Values round-trip with their types; a
 * multi-column op and a single-column op of another device merge per cell
 * (last writer wins); parents are per cell and conflicts are found from them;
 * batches never split a row op; new reports are in the search index as
 * their rows are (no insert trigger); a purge scrubs one cell of a row op
 * and leaves the others.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/store.h"

static char tmpdir[] = "/tmp/vigia-test-oplog-XXXXXX";
static int counter;

static struct store *open_new(void)
{
    struct store *s = NULL;
    char *err = NULL, *path = xasprintf("%s/o%d.db", tmpdir, counter++);

    if (store_open(path, STORE_CREATE, &s, &err) != STORE_OK)
        fail_msg("store_open: %s", err);
    free(path);
    return s;
}

/* One integer from @sql on the file of @s, through a separate connection. */
static int64_t sql_int(struct store *s, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t v = -1;

    assert_int_equal(sqlite3_open_v2(store_path(s), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* One text from @sql (newly allocated, NULL for none). */
static char *sql_text(struct store *s, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char *v = NULL;

    assert_int_equal(sqlite3_open_v2(store_path(s), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        v = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void write1(struct store *s, const char *tbl, const char *id, const struct store_col *c,
                   size_t n)
{
    char *err = NULL;

    assert_int_equal(store_begin(s, &err), STORE_OK);
    if (store_write(s, tbl, id, c, n, &err) != STORE_OK)
        fail_msg("store_write: %s", err);
    assert_int_equal(store_commit(s, &err), STORE_OK);
}

/* Every op of @from after *seq, applied to @to; *seq moves on. */
static void ship(struct store *from, int64_t *seq, struct store *to, struct store_apply_stats *st)
{
    struct store_op *ops;
    size_t n;
    int64_t last;
    char *err = NULL;

    assert_int_equal(store_sync_local_ops(from, *seq, 100000, &ops, &n, &last, &err), STORE_OK);
    if (store_sync_apply(to, ops, n, st, &err) != STORE_OK)
        fail_msg("apply: %s", err);
    store_ops_free(&ops, n);
    *seq = last;
}

static char *what_of(struct store *s, const char *id)
{
    char *q = xasprintf("SELECT what FROM reports WHERE id = '%s'", id);
    char *v = sql_text(s, q);

    free(q);
    return v;
}

#define RID "01JB0000000000000000000001"
#define LOCATION                                                                                   \
    "quote \" backslash \\ tab\t line\nfeed \x01 Dep\xC3\xB3sito \xE6\x9D\xB1\xE4\xBA\xAC"

static void test_round_trip(void **state)
{
    struct store *a = open_new(), *b = open_new();
    struct store_col cols[] = {
        {"received_at", store_int(-1234567890123LL)},
        {"lat", store_real(37.5)},
        {"lon", store_real(3.0)},
        {"location", store_text(LOCATION)},
        {"what", store_text("")},
        {"agency", store_null()},
    };
    struct store_op *ops;
    size_t n;
    int64_t last, seq = 0;
    char *err = NULL, *v;

    (void)state;
    write1(a, "reports", RID, cols, UTIL_ARRAY_LEN(cols));
    /* One row op with six cells. */
    assert_int_equal(sql_int(a, "SELECT count(*) FROM ops WHERE tbl = 'reports'"), 1);
    assert_int_equal(sql_int(a, "SELECT n FROM ops WHERE tbl = 'reports'"), 6);
    assert_int_equal(sql_int(a, "SELECT count(*) FROM ops o, json_each(o.cols) j"
                                " WHERE o.tbl = 'reports'"),
                     6);
    assert_int_equal(sql_int(a, "SELECT parents IS NULL FROM ops WHERE tbl = 'reports'"), 1);
    /* Out as six cells with their types, one hlc. */
    assert_int_equal(store_sync_local_ops(a, 0, 100, &ops, &n, &last, &err), STORE_OK);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(ops[i].tbl, "reports");
        assert_string_equal(ops[i].row_id, RID);
        assert_int_equal(ops[i].hlc, ops[0].hlc);
        assert_int_equal(ops[i].parent, 0);
        assert_int_equal(ops[i].seq, last);
        for (size_t k = 0; k < UTIL_ARRAY_LEN(cols); k++) {
            if (strcmp(cols[k].name, ops[i].col) != 0)
                continue;
            assert_int_equal(ops[i].v.type, cols[k].v.type);
            if (cols[k].v.type == STORE_INT)
                assert_int_equal(ops[i].v.i, cols[k].v.i);
            else if (cols[k].v.type == STORE_REAL)
                assert_true(ops[i].v.d == cols[k].v.d);
            else if (cols[k].v.type == STORE_TEXT)
                assert_string_equal(ops[i].v.s, cols[k].v.s);
        }
    }
    store_ops_free(&ops, n);
    assert_int_equal(store_op_count(a, &last), STORE_OK);
    assert_int_equal(last, 6 + 0);
    /* Applied elsewhere: the same row, types included (3.0 stays a real). */
    ship(a, &seq, b, NULL);
    assert_int_equal(sql_int(b, "SELECT count(*) FROM reports WHERE id = '" RID "'"
                                " AND received_at = -1234567890123 AND typeof(lat) = 'real'"
                                " AND lat = 37.5 AND typeof(lon) = 'real' AND lon = 3.0"
                                " AND what = '' AND agency IS NULL"),
                     1);
    v = sql_text(b, "SELECT location FROM reports WHERE id = '" RID "'");
    assert_string_equal(v, LOCATION);
    free(v);
    /* And its log holds the same single row op (device a's). */
    assert_int_equal(sql_int(b, "SELECT count(*) FROM ops WHERE tbl = 'reports' AND n = 6"), 1);
    store_free(&a);
    store_free(&b);
}

static void test_lww_multi_and_single(void **state)
{
    struct store *a = open_new(), *b = open_new(), *c = open_new(), *d = open_new();
    struct store_col create[] = {
        {"received_at", store_int(1000)},
        {"location", store_text("5th and Main")},
        {"what", store_text("two vans")},
    };
    struct store_col edit[] = {{"what", store_text("three vans")}};
    struct store_apply_stats st;
    int64_t sa = 0, sb = 0, sa2 = 0, sb2 = 0, sa3 = 0;
    char *v;

    (void)state;
    /* a writes three columns in one op; b, having seen it, rewrites one. */
    write1(a, "reports", RID, create, UTIL_ARRAY_LEN(create));
    ship(a, &sa, b, NULL);
    write1(b, "reports", RID, edit, 1);
    /* c gets b's op first (the row waits for received_at), then a's. */
    ship(b, &sb, c, &st);
    assert_int_equal(st.deferred, 1);
    ship(a, &sa2, c, &st);
    assert_int_equal(st.won, 2);  /* received_at, location */
    assert_int_equal(st.lost, 1); /* what: b's op is newer */
    /* d in the other order. */
    ship(a, &sa3, d, NULL);
    ship(b, &sb2, d, &st);
    assert_int_equal(st.won, 1);
    for (int i = 0; i < 2; i++) {
        struct store *s = i ? c : d;
        v = what_of(s, RID);
        assert_string_equal(v, "three vans");
        free(v);
        assert_int_equal(sql_int(s, "SELECT count(*) FROM reports WHERE location = '5th and Main'"
                                    " AND received_at = 1000"),
                         1);
    }
    /* An older single-column op of a third device loses to both. */
    {
        struct store_op old = {0};
        old.hlc = 1; /* long before */
        snprintf(old.device, sizeof old.device, "%s", "01JB00000000000000000000ZZ");
        old.tbl = "reports";
        old.row_id = RID;
        old.col = "location";
        old.v = store_text("somewhere else");
        char *err = NULL;
        assert_int_equal(store_sync_apply(c, &old, 1, &st, &err), STORE_OK);
        assert_int_equal(st.lost, 1);
        assert_int_equal(sql_int(c, "SELECT count(*) FROM reports WHERE location = '5th and Main'"),
                         1);
        /* Applying it again: a duplicate. */
        assert_int_equal(store_sync_apply(c, &old, 1, &st, &err), STORE_OK);
        assert_int_equal(st.duplicates, 1);
    }
    store_free(&a);
    store_free(&b);
    store_free(&c);
    store_free(&d);
}

static void test_parents_and_conflicts(void **state)
{
    struct store *a = open_new(), *b = open_new();
    struct store_col create[] = {
        {"received_at", store_int(1000)},
        {"location", store_text("5th and Main")},
        {"what", store_text("two vans")},
    };
    struct store_col ea[] = {{"what", store_text("a: four vans")}, {"agency", store_text("ICE")}};
    struct store_col eb[] = {{"what", store_text("b: no vans")}};
    struct store_col ea2[] = {{"what", store_text("a: gone")}};
    struct store_apply_stats st;
    struct store_op *ops;
    size_t n;
    int64_t sa = 0, sb = 0, last, hcreate;
    char *err = NULL;

    (void)state;
    write1(a, "reports", RID, create, UTIL_ARRAY_LEN(create));
    hcreate = sql_int(a, "SELECT hlc FROM ops WHERE tbl = 'reports'");
    ship(a, &sa, b, NULL);
    /* Both edit "what" having seen only the creation: concurrent. */
    write1(a, "reports", RID, ea, UTIL_ARRAY_LEN(ea));
    write1(b, "reports", RID, eb, 1);
    /* Parents per cell: what had the creation's op, agency none. */
    assert_int_equal(store_sync_local_ops(a, sa, 100, &ops, &n, &last, &err), STORE_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ops[i].parent,
                         strcmp(ops[i].col, "what") == 0 ? (uint64_t)hcreate : (uint64_t)0);
    store_ops_free(&ops, n);
    ship(b, &sb, a, &st);
    assert_int_equal(st.conflicts, 1);
    ship(a, &sa, b, &st);
    assert_int_equal(st.conflicts, 1);
    /* The same event on both sides; the winner is the same too. */
    for (int i = 0; i < 2; i++) {
        struct store *s = i ? b : a;
        assert_int_equal(sql_int(s, "SELECT count(*) FROM events WHERE kind = 'sync.conflict'"
                                    " AND report_id = '" RID "'"),
                         1);
        assert_int_equal(sql_int(s, "SELECT count(*) FROM events WHERE kind = 'sync.conflict'"
                                    " AND detail LIKE '%\"column\":\"what\"%'"),
                         1);
    }
    {
        char *wa = what_of(a, RID), *wb = what_of(b, RID);
        assert_string_equal(wa, wb);
        free(wa);
        free(wb);
    }
    /* a edits again after b's edit arrived: an overwrite, not a conflict. */
    write1(a, "reports", RID, ea2, 1);
    assert_int_equal(sql_int(a,
                             "SELECT json_extract(parents, '$.what') >="
                             " (SELECT max(hlc) FROM ops WHERE tbl = 'reports'"
                             " AND device <> (SELECT value FROM sync_state WHERE key = 'device'))"
                             " FROM ops WHERE seq = (SELECT max(seq) FROM ops WHERE"
                             " tbl = 'reports')"),
                     1);
    ship(a, &sa, b, &st);
    assert_int_equal(st.conflicts, 0);
    assert_int_equal(sql_int(b, "SELECT count(*) FROM events WHERE kind = 'sync.conflict'"), 1);
    {
        char *w = what_of(b, RID);
        assert_string_equal(w, "a: gone");
        free(w);
    }
    store_free(&a);
    store_free(&b);
}

static void test_batches_keep_row_ops_whole(void **state)
{
    struct store *a = open_new();
    struct store_col six[] = {
        {"received_at", store_int(1)}, {"location", store_text("x")}, {"what", store_text("y")},
        {"area", store_text("z")},     {"agents", store_int(2)},      {"priority", store_int(3)},
    };
    struct store_op *ops;
    size_t n;
    int64_t last, pending;
    char *err = NULL;

    (void)state;
    write1(a, "reports", "R1", six, 6);
    write1(a, "reports", "R2", six, 6);
    assert_int_equal(store_sync_pending(a, 0, &pending, &err), STORE_OK);
    assert_int_equal(pending, 12);
    /* A limit below one write still sends that write whole. */
    assert_int_equal(store_sync_local_ops(a, 0, 4, &ops, &n, &last, &err), STORE_OK);
    assert_int_equal(n, 6);
    store_ops_free(&ops, n);
    /* Eight fit one write and not two. */
    assert_int_equal(store_sync_local_ops(a, 0, 8, &ops, &n, &last, &err), STORE_OK);
    assert_int_equal(n, 6);
    assert_string_equal(ops[5].row_id, "R1");
    store_ops_free(&ops, n);
    assert_int_equal(store_sync_local_ops(a, last, 8, &ops, &n, &last, &err), STORE_OK);
    assert_int_equal(n, 6);
    assert_string_equal(ops[0].row_id, "R2");
    store_ops_free(&ops, n);
    assert_int_equal(store_sync_pending(a, last, &pending, &err), STORE_OK);
    assert_int_equal(pending, 0);
    store_free(&a);
}

/* FTS5's own check of reports_fts against the reports rows: 1 when they agree. */
static int64_t fts_ok(struct store *s)
{
    sqlite3 *db;
    int rc;

    assert_int_equal(sqlite3_open_v2(store_path(s), &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    rc = sqlite3_exec(db, "INSERT INTO reports_fts(reports_fts) VALUES ('integrity-check')", NULL,
                      NULL, NULL);
    sqlite3_close(db);
    return rc == SQLITE_OK;
}

static void test_search_index_of_new_rows(void **state)
{
    struct store *a = open_new(), *b = open_new();
    /* A number where text is kept, a column left out (NULL or its default). */
    struct store_col create[] = {
        {"received_at", store_int(1000)},
        {"location", store_int(5)},
        {"what", store_text("Camionetas blancas")},
        {"agency", store_real(2.5)},
    };
    struct store_col edit[] = {{"what", store_text("three vans")}, {"area", store_text("Norte")}};
    int64_t seq = 0;

    (void)state;
    write1(a, "reports", RID, create, UTIL_ARRAY_LEN(create));
    assert_int_equal(fts_ok(a), 1);
    assert_int_equal(sql_int(a, "SELECT count(*) FROM reports_fts WHERE reports_fts MATCH"
                                " 'camionetas AND 5 AND \"2.5\"'"),
                     1);
    ship(a, &seq, b, NULL);
    assert_int_equal(fts_ok(b), 1);
    assert_int_equal(sql_int(b, "SELECT count(*) FROM reports_fts WHERE reports_fts MATCH"
                                " 'camionetas'"),
                     1);
    /* Edits go through the update trigger, with the values the insert indexed. */
    write1(a, "reports", RID, edit, UTIL_ARRAY_LEN(edit));
    ship(a, &seq, b, NULL);
    for (int i = 0; i < 2; i++) {
        struct store *s = i ? b : a;
        assert_int_equal(fts_ok(s), 1);
        assert_int_equal(sql_int(s, "SELECT count(*) FROM reports_fts WHERE reports_fts MATCH"
                                    " 'camionetas'"),
                         0);
        assert_int_equal(sql_int(s, "SELECT count(*) FROM reports_fts WHERE reports_fts MATCH"
                                    " 'vans AND norte'"),
                         1);
    }
    store_free(&a);
    store_free(&b);
}

static void test_scrub_one_cell(void **state)
{
    struct store *s = open_new();
    struct model_report r;
    struct store_purge_stats st;
    const int64_t h = 3600 * 1000LL, t0 = 1795341600000LL;
    char *err = NULL, *q, *v;

    (void)state;
    model_report_init(&r);
    r.location = xstrdup("1234 Main St");
    r.what = xstrdup("three vans");
    r.received_at = t0;
    r.expires_at = t0 + 4 * h;
    assert_int_equal(store_report_insert(s, &r, "+15558675309", "tester", &err), STORE_OK);
    q = xasprintf("SELECT count(*) FROM ops WHERE tbl = 'reporter_contacts' AND row_id = '%s'"
                  " AND n = 3 AND json_extract(cols, '$.contact') = '+15558675309'"
                  " AND json_extract(cols, '$.report_id') = '%s'",
                  r.id, r.id);
    assert_int_equal(sql_int(s, q), 1);
    free(q);
    assert_int_equal(store_purge_contacts(s, t0 + 5 * h, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.contacts, 1);
    assert_int_equal(st.ops, 1);
    /* The creation's op: contact null, report_id and created_at as they were. */
    q = xasprintf("SELECT count(*) FROM ops WHERE tbl = 'reporter_contacts' AND row_id = '%s'"
                  " AND n = 3 AND json_type(cols, '$.contact') = 'null'"
                  " AND json_extract(cols, '$.report_id') = '%s'"
                  " AND json_type(cols, '$.created_at') = 'integer'",
                  r.id, r.id);
    assert_int_equal(sql_int(s, q), 1);
    free(q);
    /* Plus the purge's own op, one cell, null. */
    q = xasprintf("SELECT count(*) FROM ops WHERE tbl = 'reporter_contacts' AND row_id = '%s'"
                  " AND n = 1 AND json_type(cols, '$.contact') = 'null'",
                  r.id);
    assert_int_equal(sql_int(s, q), 1);
    free(q);
    v = sql_text(s, "SELECT group_concat(cols) FROM ops WHERE cols LIKE '%8675309%'");
    assert_null(v);
    model_report_fini(&r);
    store_free(&s);
}

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    logger_set_sink(logger_null_sink, NULL);
    return 0;
}

static int teardown(void **state)
{
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);

    (void)state;
    if (system(cmd) != 0)
        return -1;
    free(cmd);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_lww_multi_and_single),
        cmocka_unit_test(test_parents_and_conflicts),
        cmocka_unit_test(test_batches_keep_row_ops_whole),
        cmocka_unit_test(test_search_index_of_new_rows),
        cmocka_unit_test(test_scrub_one_cell),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
