/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/store/: opening and migrating, refusing files that are
 * not ours without touching them, the one mutation path (row and ops in one
 * transaction), reports in and out, contacts kept apart, the audit event,
 * full-text search, paging, change notification between handles, and several
 * processes writing one file at once. The test reads the database with
 * SQLite directly to check what the store wrote; src/ never does that.
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/store.h"

static char tmpdir[] = "/tmp/vigia-test-store-XXXXXX";
static int counter;

/* A fresh database path in the temp folder; caller frees. */
static char *db_path(void)
{
    return xasprintf("%s/t%d.db", tmpdir, counter++);
}

static struct store *open_new(char **path)
{
    struct store *s = NULL;
    char *err = NULL;

    *path = db_path();
    if (store_open(*path, STORE_CREATE, &s, &err) != STORE_OK)
        fail_msg("store_open: %s", err);
    return s;
}

/* One integer from SQL run on a separate raw connection. */
static int64_t sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t v = -1;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void sample(struct model_report *r, const char *location, const char *what)
{
    model_report_init(r);
    r->location = xstrdup(location);
    r->what = xstrdup(what);
    r->received_at = timeutil_now_ms();
    r->expires_at = r->received_at + 4 * 3600000LL;
}

static void insert(struct store *s, const char *location, const char *what, int status,
                   int priority, char id[ULID_LEN + 1])
{
    struct model_report r;
    char *err = NULL;

    sample(&r, location, what);
    r.status = (enum model_status)status;
    r.priority = priority;
    if (store_report_insert(s, &r, NULL, "tester", &err) != STORE_OK)
        fail_msg("insert: %s", err);
    if (id != NULL)
        memcpy(id, r.id, ULID_LEN + 1);
    model_report_fini(&r);
}

/* Read a whole file; caller frees. */
static char *slurp(const char *path, size_t *n)
{
    char *data = NULL;

    assert_int_equal(util_read_file(path, &data, n), 0);
    return data;
}

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* ---- open ----------------------------------------------------------------------- */

static void test_open_creates(void **state)
{
    char *path, *err = NULL, dev[ULID_LEN + 1];
    struct store *s = open_new(&path);
    char id[ULID_LEN + 1];

    assert_true(store_schema_version() >= 1);
    assert_int_equal(sql_int(path, "PRAGMA user_version"), store_schema_version());
    assert_int_not_equal(sql_int(path, "PRAGMA application_id"), 0);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'reports'"), 1);
    assert_true(ulid_valid(store_device(s)));
    assert_string_equal(store_path(s), path);
    memcpy(dev, store_device(s), sizeof dev);
    insert(s, "5th and Alder", "three SUVs", MODEL_STATUS_NEW, 50, id);
    store_free(&s);
    assert_null(s);
    store_free(&s); /* NULL is fine */
    /* Reopen: same device, data kept, schema not re-run. */
    assert_int_equal(store_open(path, 0, &s, &err), STORE_OK);
    assert_string_equal(store_device(s), dev);
    struct model_report r;
    assert_int_equal(store_report_get(s, id, &r, &err), STORE_OK);
    assert_string_equal(r.location, "5th and Alder");
    model_report_fini(&r);
    store_free(&s);
    free(path);
}

static void test_open_refuses_paths(void **state)
{
    struct store *s = (struct store *)1;
    char *err = NULL, *path;

    /* Missing file without STORE_CREATE. */
    path = db_path();
    assert_int_equal(store_open(path, 0, &s, &err), STORE_ERR_OPEN);
    assert_null(s);
    assert_non_null(strstr(err, path));
    FREE(&err);
    assert_false(exists(path));
    free(path);
    /* Missing folder: not created. */
    path = xasprintf("%s/no/such/folder/v.db", tmpdir);
    assert_int_equal(store_open(path, STORE_CREATE, &s, &err), STORE_ERR_OPEN);
    assert_non_null(strstr(err, "does not exist"));
    FREE(&err);
    assert_false(exists(path));
    free(path);
    /* A folder. */
    assert_int_equal(store_open(tmpdir, STORE_CREATE, &s, &err), STORE_ERR_OPEN);
    assert_non_null(err);
    FREE(&err);
}

/* Open @path and expect STORE_ERR_NOT_VIGIA with the file byte-for-byte unchanged. */
static void want_untouched(const char *path)
{
    struct store *s = NULL;
    char *err = NULL, *wal = xasprintf("%s-wal", path);
    size_t n1, n2;
    char *before = slurp(path, &n1), *after;
    struct stat st1, st2;

    stat(path, &st1);
    assert_int_equal(store_open(path, STORE_CREATE, &s, &err), STORE_ERR_NOT_VIGIA);
    assert_null(s);
    assert_non_null(err);
    assert_non_null(strstr(err, path));
    free(err);
    after = slurp(path, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(before, after, n1);
    stat(path, &st2);
    assert_int_equal(st1.st_mode, st2.st_mode);
    assert_false(exists(wal));
    free(before);
    free(after);
    free(wal);
}

static void test_open_not_vigia(void **state)
{
    char *path = db_path();
    sqlite3 *db;
    unsigned char junk[8192];
    FILE *f;

    /* Someone else's SQLite database (rollback journal, like most). */
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE recipes(name TEXT);"
                                  "INSERT INTO recipes VALUES ('pupusas');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    want_untouched(path);
    free(path);
    /* Random bytes, large and small. */
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 7919 % 251);
    path = db_path();
    f = fopen(path, "wb");
    fwrite(junk, 1, sizeof junk, f);
    fclose(f);
    want_untouched(path);
    free(path);
    path = db_path();
    f = fopen(path, "wb");
    fputs("not a database\n", f);
    fclose(f);
    want_untouched(path);
    free(path);
    /* A text file that happens to start like SQLite. */
    path = db_path();
    f = fopen(path, "wb");
    fputs("SQLite format 3", f);
    fputc(0, f);
    fwrite(junk, 1, 4096, f);
    fclose(f);
    want_untouched(path);
    free(path);
}

static void test_open_empty_file(void **state)
{
    char *path = db_path(), *err = NULL;
    struct store *s = NULL;
    FILE *f = fopen(path, "w");

    fclose(f);
    /* An empty file becomes a vigia database. */
    assert_int_equal(store_open(path, 0, &s, &err), STORE_OK);
    store_free(&s);
    assert_int_equal(sql_int(path, "PRAGMA user_version"), store_schema_version());
    free(path);
}

static void test_open_too_new(void **state)
{
    char *path, *err = NULL;
    struct store *s = open_new(&path);
    sqlite3 *db;
    char *sql;

    store_free(&s);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sql = xasprintf("PRAGMA user_version=%d", store_schema_version() + 1);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    free(sql);
    sqlite3_close(db);
    assert_int_equal(store_open(path, 0, &s, &err), STORE_ERR_TOO_NEW);
    assert_null(s);
    assert_non_null(strstr(err, "newer"));
    free(err);
    assert_int_equal(sql_int(path, "PRAGMA user_version"), store_schema_version() + 1);
    free(path);
}

static void test_open_corrupt(void **state)
{
    char *path, *err = NULL;
    struct store *s = open_new(&path);
    struct store_filter f;
    size_t n = 0;
    int rc;
    FILE *fp;
    long size;
    char junk[4096];

    for (int i = 0; i < 50; i++)
        insert(s, "corner", "what", MODEL_STATUS_NEW, i, NULL);
    store_free(&s);
    /* Keep the header page, scribble over every other page. */
    fp = fopen(path, "r+b");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    size = ftell(fp);
    memset(junk, 0xAB, sizeof junk);
    fseek(fp, 4096, SEEK_SET);
    for (long off = 4096; off < size; off += (long)sizeof junk)
        fwrite(junk, 1, sizeof junk, fp);
    fclose(fp);
    /* Either open or the first read says the database is damaged; never a crash. */
    rc = store_open(path, 0, &s, &err);
    if (rc == STORE_OK) {
        store_filter_init(&f);
        rc = store_report_count(s, &f, &n, &err);
        store_free(&s);
    }
    assert_int_equal(rc, STORE_ERR_CORRUPT);
    assert_non_null(strstr(err, "damaged"));
    free(err);
    free(path);
}

/* In a child running as nobody when we are root (root ignores file modes). */
static int readonly_check(const char *path)
{
    struct store *s = NULL;
    char *err = NULL;
    int rc = store_open(path, STORE_CREATE, &s, &err);

    store_free(&s);
    free(err);
    return rc == STORE_ERR_READONLY ? 0 : 1;
}

static void test_open_readonly(void **state)
{
    char *path;
    struct store *s = open_new(&path);
    size_t n1, n2;
    char *before, *after;
    int status = 0;

    insert(s, "x", "y", MODEL_STATUS_NEW, 1, NULL);
    store_free(&s);
    chmod(path, 0444);
    before = slurp(path, &n1);
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("nobody");
        pid_t pid;
        if (pw == NULL)
            skip();
        chmod(tmpdir, 0755);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
                _exit(2);
            _exit(readonly_check(path));
        }
        waitpid(pid, &status, 0);
        chmod(tmpdir, 0700);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    } else {
        assert_int_equal(readonly_check(path), 0);
    }
    after = slurp(path, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(before, after, n1);
    chmod(path, 0600);
    free(before);
    free(after);
    free(path);
}

/* ---- store_write ---------------------------------------------------------------- */

static void test_write_degenerate(void **state)
{
    char *path, *err = NULL;
    struct store *s = open_new(&path);
    struct store_col cols[] = {{"location", store_text("x")}};
    struct store_col bad[] = {{"location", store_text("x")}, {"id; DROP TABLE ops", store_int(1)}};
    int64_t ops0, ops1;

    /* Outside a transaction. */
    assert_int_equal(store_write(s, "reports", "R1", cols, 1, &err), STORE_ERR_INVALID);
    FREE(&err);
    assert_int_equal(store_begin(s, &err), STORE_OK);
    store_op_count(s, &ops0);
    assert_int_equal(store_write(s, "nosuch", "R1", cols, 1, &err), STORE_ERR_INVALID);
    assert_non_null(strstr(err, "nosuch"));
    FREE(&err);
    assert_int_equal(store_write(s, "sqlite_schema", "R1", cols, 1, &err), STORE_ERR_INVALID);
    FREE(&err);
    assert_int_equal(store_write(s, "reports", "R1", bad, 2, &err), STORE_ERR_INVALID);
    assert_non_null(strstr(err, "DROP"));
    FREE(&err);
    assert_int_equal(store_write(s, "reports", "", cols, 1, &err), STORE_ERR_INVALID);
    FREE(&err);
    assert_int_equal(store_write(s, "reports", NULL, cols, 1, &err), STORE_ERR_INVALID);
    FREE(&err);
    assert_int_equal(store_write(s, "reports", "R1", cols, 0, &err), STORE_ERR_INVALID);
    FREE(&err);
    store_op_count(s, &ops1);
    assert_int_equal(ops0, ops1);
    store_rollback(s);
    store_free(&s);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM reports"), 0);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM ops"), 0);
    free(path);
}

static void test_write_row_and_ops(void **state)
{
    char *path, *err = NULL;
    struct store *s = open_new(&path);
    struct store_col cols[] = {
        {"received_at", store_int(1000)},
        {"location", store_text("Dep\xC3\xB3sito")},
        {"what", store_text("vans")},
        {"lat", store_real(37.5)},
    };
    int64_t n;

    assert_int_equal(store_begin(s, &err), STORE_OK);
    assert_int_equal(store_write(s, "reports", "R1", cols, 4, &err), STORE_OK);
    /* Rolled back: neither the row nor its ops remain. */
    store_rollback(s);
    assert_int_equal(store_op_count(s, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM reports"), 0);
    /* Committed: the row and exactly one op per column, one clock value. */
    assert_int_equal(store_begin(s, &err), STORE_OK);
    assert_int_equal(store_write(s, "reports", "R1", cols, 4, &err), STORE_OK);
    assert_int_equal(store_commit(s, &err), STORE_OK);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM reports WHERE id = 'R1'"), 1);
    /* One op row for the write, its four cells in cols (store-oplog.c). */
    assert_int_equal(sql_int(path, "SELECT count(*) FROM ops WHERE row_id = 'R1'"), 1);
    assert_int_equal(sql_int(path, "SELECT sum(n) FROM ops WHERE row_id = 'R1'"), 4);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM ops o, json_each(o.cols) j"
                                   " WHERE o.row_id = 'R1'"),
                     4);
    assert_int_equal(sql_int(path, "SELECT count(DISTINCT hlc) FROM ops WHERE row_id = 'R1'"), 1);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM ops o, json_each(o.cols) j"
                                   " WHERE o.tbl = 'reports' AND j.key = 'location'"
                                   " AND j.value = 'Dep\xC3\xB3sito'"),
                     1);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM ops o, json_each(o.cols) j"
                                   " WHERE j.key = 'lat' AND j.type = 'real' AND j.value = 37.5"),
                     1);
    /* An update: the row changes in place, two more ops with a later clock. */
    struct store_col upd[] = {{"what", store_text("six vans")}, {"agents", store_int(6)}};
    assert_int_equal(store_begin(s, &err), STORE_OK);
    assert_int_equal(store_write(s, "reports", "R1", upd, 2, &err), STORE_OK);
    assert_int_equal(store_event(s, "tester", "report.updated", "R1", "what", &err), STORE_OK);
    assert_int_equal(store_commit(s, &err), STORE_OK);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM reports"), 1);
    assert_int_equal(sql_int(path, "SELECT agents FROM reports WHERE id = 'R1'"), 6);
    assert_int_equal(sql_int(path, "SELECT received_at FROM reports WHERE id = 'R1'"), 1000);
    assert_int_equal(sql_int(path, "SELECT sum(n) FROM ops WHERE row_id = 'R1'"), 6);
    assert_int_equal(sql_int(path, "SELECT count(DISTINCT hlc) FROM ops WHERE row_id = 'R1'"), 2);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM events WHERE kind = 'report.updated'"
                                   " AND actor = 'tester' AND report_id = 'R1'"),
                     1);
    /* Nested begin/commit: only the outer one commits. */
    assert_int_equal(store_begin(s, &err), STORE_OK);
    assert_int_equal(store_begin(s, &err), STORE_OK);
    assert_int_equal(store_write(s, "reports", "R2", cols, 2, &err), STORE_OK);
    assert_int_equal(store_commit(s, &err), STORE_OK);
    store_rollback(s);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM reports WHERE id = 'R2'"), 0);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM ops WHERE row_id = 'R2'"), 0);
    store_free(&s);
    free(path);
}

/* ---- reports --------------------------------------------------------------------- */

static void test_report_round_trip(void **state)
{
    char *path, *err = NULL, *contact = NULL;
    struct store *s = open_new(&path);
    struct model_report r, got;

    sample(&r,
           "Panader\xC3\xAD"
           "a La Espiga",
           "agentes con chalecos de ICE");
    r.area = xstrdup("San Antonio");
    r.agency = xstrdup("ICE");
    r.vehicles = xstrdup("camioneta gris");
    r.agents = 3;
    r.first_hand = MODEL_NO;
    r.source = MODEL_SOURCE_WALK_IN;
    r.category = MODEL_CAT_WORKPLACE;
    r.status = MODEL_STATUS_VERIFYING;
    r.priority = 77;
    r.observed_at = r.received_at - 600000;
    r.has_pos = true;
    r.lat = 37.7763;
    r.lon = -122.224;
    assert_int_equal(store_report_insert(s, &r, "+15550103",
                                         "Mar\xC3\xAD"
                                         "a",
                                         &err),
                     STORE_OK);
    assert_true(ulid_valid(r.id));
    assert_int_equal(store_report_get(s, r.id, &got, &err), STORE_OK);
    assert_string_equal(got.id, r.id);
    assert_string_equal(got.location, r.location);
    assert_string_equal(got.what, r.what);
    assert_string_equal(got.area, "San Antonio");
    assert_string_equal(got.agency, "ICE");
    assert_string_equal(got.vehicles, "camioneta gris");
    assert_string_equal(got.created_by, "Mar\xC3\xAD"
                                        "a");
    assert_int_equal(got.agents, 3);
    assert_int_equal(got.first_hand, MODEL_NO);
    assert_int_equal(got.source, MODEL_SOURCE_WALK_IN);
    assert_int_equal(got.category, MODEL_CAT_WORKPLACE);
    assert_int_equal(got.status, MODEL_STATUS_VERIFYING);
    assert_int_equal(got.priority, 77);
    assert_int_equal(got.received_at, r.received_at);
    assert_int_equal(got.observed_at, r.observed_at);
    assert_int_equal(got.expires_at, r.expires_at);
    assert_true(got.has_pos);
    assert_float_equal(got.lat, 37.7763, 1e-9);
    assert_float_equal(got.lon, -122.224, 1e-9);
    model_report_fini(&got);
    /* Unknown fields stay unknown. */
    model_report_fini(&r);
    sample(&r, "x", "y");
    assert_int_equal(store_report_insert(s, &r, NULL, NULL, &err), STORE_OK);
    assert_int_equal(store_report_get(s, r.id, &got, &err), STORE_OK);
    assert_int_equal(got.agents, -1);
    assert_int_equal(got.first_hand, MODEL_UNKNOWN);
    assert_false(got.has_pos);
    assert_int_equal(got.observed_at, 0);
    assert_null(got.area);
    assert_int_equal(store_report_contact(s, r.id, &contact, &err), STORE_OK);
    assert_null(contact);
    model_report_fini(&got);
    model_report_fini(&r);
    /* Not found. */
    assert_int_equal(store_report_get(s, "01M80FMVFRATWRZT6TAHFB11SN", &got, &err),
                     STORE_ERR_NOT_FOUND);
    assert_non_null(err);
    FREE(&err);
    model_report_fini(&got);
    store_free(&s);
    free(path);
}

static void test_report_contact_apart(void **state)
{
    char *path, *err = NULL, *contact = NULL;
    struct store *s = open_new(&path);
    struct model_report r;

    sample(&r, "5th and Alder", "three SUVs");
    assert_int_equal(store_report_insert(s, &r, "+15550102", "tester", &err), STORE_OK);
    assert_int_equal(store_report_contact(s, r.id, &contact, &err), STORE_OK);
    assert_string_equal(contact, "+15550102");
    free(contact);
    /* The number is in reporter_contacts and nowhere in reports or the search index. */
    assert_int_equal(sql_int(path, "SELECT count(*) FROM reporter_contacts"
                                   " WHERE contact = '+15550102'"),
                     1);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM reports r WHERE"
                                   " instr(coalesce(r.location,'') || coalesce(r.what,'') ||"
                                   " coalesce(r.area,'') || coalesce(r.agency,'') ||"
                                   " coalesce(r.vehicles,'') || coalesce(r.created_by,''),"
                                   " '5550102') > 0"),
                     0);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM reports_fts WHERE reports_fts MATCH"
                                   " '\"15550102\"'"),
                     0);
    /* One creation event, by the dispatcher, about this report. */
    char *q = xasprintf("SELECT count(*) FROM events WHERE kind = 'report.created'"
                        " AND actor = 'tester' AND report_id = '%s'",
                        r.id);
    assert_int_equal(sql_int(path, q), 1);
    free(q);
    /* Every column written has its op, contact included. */
    q = xasprintf("SELECT count(*) FROM ops o, json_each(o.cols) j"
                  " WHERE o.tbl = 'reporter_contacts' AND o.row_id = '%s' AND j.key = 'contact'",
                  r.id);
    assert_int_equal(sql_int(path, q), 1);
    free(q);
    model_report_fini(&r);
    store_free(&s);
    free(path);
}

/* Count search hits for @q. */
static size_t hits(struct store *s, const char *q)
{
    struct store_filter f;
    size_t n = 99, m = 0;
    char *err = NULL;
    struct model_report rows[8];

    store_filter_init(&f);
    f.search = q;
    if (store_report_count(s, &f, &n, &err) != STORE_OK)
        fail_msg("count '%s': %s", q, err);
    if (store_report_page(s, &f, 0, 8, rows, &m, &err) != STORE_OK)
        fail_msg("page '%s': %s", q, err);
    assert_int_equal(m, n < 8 ? n : 8);
    for (size_t i = 0; i < m; i++)
        model_report_fini(&rows[i]);
    return n;
}

static void test_search(void **state)
{
    char *path;
    struct store *s = open_new(&path);

    insert(s, "International Blvd", "Tres camionetas sin placas frente al Dep\xC3\xB3sito",
           MODEL_STATUS_NEW, 50, NULL);
    insert(s, "5th and Alder", "three SUVs at the hardware store", MODEL_STATUS_NEW, 40, NULL);
    insert(s, "Chinatown", "\xE4\xB8\xAD\xE5\xBF\x83 flyers", MODEL_STATUS_NEW, 10, NULL);
    assert_int_equal(hits(s, "deposito"), 1);
    assert_int_equal(hits(s, "Dep\xC3\xB3sito"), 1);
    assert_int_equal(hits(s, "DEP\xC3\x93SITO"), 1);
    assert_int_equal(hits(s, "DEPOSITO"), 1);
    assert_int_equal(hits(s, "dep"), 1); /* prefix */
    assert_int_equal(hits(s, "camionetas deposito"), 1);
    assert_int_equal(hits(s, "camionetas hardware"), 0);
    assert_int_equal(hits(s, "alder"), 1);
    assert_int_equal(hits(s, "suvs"), 2 - 1);
    assert_int_equal(hits(s, "nothing here"), 0);
    /* No input is an FTS5 syntax error. */
    assert_int_equal(hits(s, "\"'*"), 0);
    assert_int_equal(hits(s, "AND OR NOT NEAR("), 0);
    assert_int_equal(hits(s, "\"three"), 1);
    assert_int_equal(hits(s, "three*"), 1);
    assert_int_equal(hits(s, "(three)"), 1);
    assert_int_equal(hits(s, "\xE4\xB8\xAD\xE5\xBF\x83"), 1);
    /* Empty search: everything. */
    assert_int_equal(hits(s, ""), 3);
    /* An update through store_write re-indexes the row. */
    char id[ULID_LEN + 1], *err = NULL;
    insert(s, "Mission", "two vans by the laundromat", MODEL_STATUS_NEW, 5, id);
    assert_int_equal(hits(s, "laundromat"), 1);
    struct store_col upd[] = {{"what", store_text("dos camionetas en la lavander\xC3\xAD"
                                                  "a")}};
    assert_int_equal(store_begin(s, &err), STORE_OK);
    assert_int_equal(store_write(s, "reports", id, upd, 1, &err), STORE_OK);
    assert_int_equal(store_commit(s, &err), STORE_OK);
    assert_int_equal(hits(s, "laundromat"), 0);
    assert_int_equal(hits(s, "lavanderia"), 1);
    assert_int_equal(hits(s, "mission"), 1);
    /* Search combined with a status filter and the live window. */
    struct store_filter f;
    size_t n;
    store_filter_init(&f);
    f.search = "camionetas";
    assert_int_equal(store_report_count(s, &f, &n, &err), STORE_OK);
    assert_int_equal(n, 2);
    f.status = MODEL_STATUS_CONFIRMED;
    assert_int_equal(store_report_count(s, &f, &n, &err), STORE_OK);
    assert_int_equal(n, 0);
    f.status = MODEL_STATUS_NEW;
    f.live_after = timeutil_now_ms();
    assert_int_equal(store_report_count(s, &f, &n, &err), STORE_OK);
    assert_int_equal(n, 2);
    f.live_after = timeutil_now_ms() + 86400000LL;
    assert_int_equal(store_report_count(s, &f, &n, &err), STORE_OK);
    assert_int_equal(n, 0);
    store_free(&s);
    free(path);
}

static void test_paging(void **state)
{
    char *path, *err = NULL;
    struct store *s = open_new(&path);
    struct store_filter f;
    struct model_report rows[10];
    size_t n, total = 0, counts[MODEL_STATUS_COUNT];
    int last = 1000;

    for (int i = 0; i < 25; i++) {
        char loc[32];
        snprintf(loc, sizeof loc, "corner %d", i);
        insert(s, loc, "what", i % 3 == 0 ? MODEL_STATUS_CONFIRMED : MODEL_STATUS_NEW,
               (i * 37) % 100, NULL);
    }
    store_filter_init(&f);
    assert_int_equal(store_report_count(s, &f, &n, &err), STORE_OK);
    assert_int_equal(n, 25);
    for (size_t off = 0; off < 30; off += 10) {
        assert_int_equal(store_report_page(s, &f, off, 10, rows, &n, &err), STORE_OK);
        assert_int_equal(n, off < 20 ? 10 : 5);
        for (size_t i = 0; i < n; i++) {
            assert_true(rows[i].priority <= last); /* queue order */
            last = rows[i].priority;
            model_report_fini(&rows[i]);
        }
        total += n;
    }
    assert_int_equal(total, 25);
    assert_int_equal(store_report_page(s, &f, 100, 10, rows, &n, &err), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_report_page(s, &f, 0, 0, rows, &n, &err), STORE_OK);
    assert_int_equal(n, 0);
    f.status = MODEL_STATUS_CONFIRMED;
    assert_int_equal(store_report_count(s, &f, &n, &err), STORE_OK);
    assert_int_equal(n, 9);
    assert_int_equal(store_report_page(s, &f, 0, 10, rows, &n, &err), STORE_OK);
    assert_int_equal(n, 9);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rows[i].status, MODEL_STATUS_CONFIRMED);
        model_report_fini(&rows[i]);
    }
    assert_int_equal(store_report_status_counts(s, 0, counts, &err), STORE_OK);
    assert_int_equal(counts[MODEL_STATUS_NEW], 16);
    assert_int_equal(counts[MODEL_STATUS_CONFIRMED], 9);
    assert_int_equal(counts[MODEL_STATUS_CLOSED], 0);
    /* Live queue: everything expires in four hours; a day later nothing is live. */
    f.status = -1;
    f.live_after = timeutil_now_ms() + 86400000LL;
    assert_int_equal(store_report_count(s, &f, &n, &err), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_report_status_counts(s, f.live_after, counts, &err), STORE_OK);
    assert_int_equal(counts[MODEL_STATUS_NEW], 0);
    f.live_after = timeutil_now_ms();
    assert_int_equal(store_report_count(s, &f, &n, &err), STORE_OK);
    assert_int_equal(n, 25);
    store_free(&s);
    free(path);
}

/*
 * int store_report_position(struct store *s, const struct store_filter *f, const char *id,
 *                           size_t *pos, char **err);
 */
static void test_position(void **state)
{
    char *path, *err = NULL;
    struct store *s = open_new(&path);
    struct store_filter f;
    struct model_report rows[40];
    char ids[40][ULID_LEN + 1];
    size_t n, pos;

    store_filter_init(&f);
    assert_int_equal(store_report_position(s, &f, "01M80FJANA8Y7CX43JFK64TSKD", &pos, &err),
                     STORE_ERR_NOT_FOUND);
    FREE(&err);
    for (int i = 0; i < 40; i++)
        insert(s, "corner", "what", i % 2 ? MODEL_STATUS_NEW : MODEL_STATUS_CLOSED,
               (i * 7) % 5 * 10, ids[i]);
    /* Every report's position is where a page puts it. */
    assert_int_equal(store_report_page(s, &f, 0, 40, rows, &n, &err), STORE_OK);
    assert_int_equal(n, 40);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(store_report_position(s, &f, rows[i].id, &pos, &err), STORE_OK);
        assert_int_equal(pos, i);
        model_report_fini(&rows[i]);
    }
    /* Within a status filter, and not found outside it. */
    f.status = MODEL_STATUS_NEW;
    assert_int_equal(store_report_page(s, &f, 0, 40, rows, &n, &err), STORE_OK);
    assert_int_equal(n, 20);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(store_report_position(s, &f, rows[i].id, &pos, &err), STORE_OK);
        assert_int_equal(pos, i);
        model_report_fini(&rows[i]);
    }
    assert_int_equal(store_report_position(s, &f, ids[0], &pos, &err), STORE_ERR_NOT_FOUND);
    FREE(&err);
    store_free(&s);
    free(path);
}

/* ---- several handles and processes ------------------------------------------------ */

static void test_changed_between_handles(void **state)
{
    char *path, *err = NULL;
    struct store *a = open_new(&path), *b = NULL;
    struct pollfd pfd;
    int fd;

    assert_int_equal(store_open(path, 0, &b, &err), STORE_OK);
    fd = store_watch_fd(b);
    assert_true(fd >= 0);
    assert_int_equal(store_watch_fd(b), fd); /* one descriptor, kept */
    store_changed(b);
    assert_false(store_changed(b));
    /* Our own writes do not count as another's. */
    insert(b, "own", "write", MODEL_STATUS_NEW, 1, NULL);
    assert_false(store_changed(b));
    insert(a, "5th and Alder", "three SUVs", MODEL_STATUS_NEW, 50, NULL);
    pfd.fd = fd;
    pfd.events = POLLIN;
    assert_int_equal(poll(&pfd, 1, 5000), 1);
    assert_true(store_changed(b));
    assert_false(store_changed(b)); /* drained */
    pfd.revents = 0;
    assert_int_equal(poll(&pfd, 1, 0), 0);
    store_free(&b);
    store_free(&a);
    free(path);
}

#define WRITERS 3
#define PER_WRITER 40

static int writer(const char *path, int w)
{
    struct store *s = NULL;
    char *err = NULL;
    int bad = 0;

    if (store_open(path, STORE_CREATE, &s, &err) != STORE_OK) {
        fprintf(stderr, "writer %d: %s\n", w, err);
        return 1;
    }
    for (int i = 0; i < PER_WRITER; i++) {
        struct model_report r;
        char loc[32];
        snprintf(loc, sizeof loc, "writer %d row %d", w, i);
        sample(&r, loc, "concurrent");
        int rc = store_report_insert(s, &r, "+15550199", "tester", &err);
        if (rc != STORE_OK) {
            fprintf(stderr, "writer %d: %d %s\n", w, rc, err);
            FREE(&err);
            bad++;
        }
        model_report_fini(&r);
    }
    store_free(&s);
    return bad ? 1 : 0;
}

static void test_concurrent_writers(void **state)
{
    char *path = db_path();
    pid_t pids[WRITERS];

    /* The children race to create and migrate the file too. */
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0)
            _exit(writer(path, w));
    }
    for (int w = 0; w < WRITERS; w++) {
        int status = 0;
        waitpid(pids[w], &status, 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(sql_int(path, "SELECT count(*) FROM reports"), WRITERS * PER_WRITER);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM reporter_contacts"), WRITERS * PER_WRITER);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM events WHERE kind = 'report.created'"),
                     WRITERS * PER_WRITER);
    /* Same device id in every process, yet no two writes share a clock value. */
    assert_int_equal(sql_int(path, "SELECT count(*) FROM (SELECT hlc FROM ops GROUP BY hlc"
                                   " HAVING count(DISTINCT tbl || row_id) > 1)"),
                     0);
    assert_int_equal(sql_int(path, "SELECT count(DISTINCT device) FROM ops"), 1);
    free(path);
}

static int setup(void **state)
{
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    unsetenv("VIGIA_NOW");
    logger_set_sink(logger_null_sink, NULL);
    return 0;
}

static int teardown(void **state)
{
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);

    free(cmd);
    return rc == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates),
        cmocka_unit_test(test_open_refuses_paths),
        cmocka_unit_test(test_open_not_vigia),
        cmocka_unit_test(test_open_empty_file),
        cmocka_unit_test(test_open_readonly),
        cmocka_unit_test(test_open_too_new),
        cmocka_unit_test(test_open_corrupt),
        cmocka_unit_test(test_write_degenerate),
        cmocka_unit_test(test_write_row_and_ops),
        cmocka_unit_test(test_report_round_trip),
        cmocka_unit_test(test_report_contact_apart),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_paging),
        cmocka_unit_test(test_position),
        cmocka_unit_test(test_changed_between_handles),
        cmocka_unit_test(test_concurrent_writers),
    };

    return cmocka_run_group_tests_name("store", tests, setup, teardown);
}
