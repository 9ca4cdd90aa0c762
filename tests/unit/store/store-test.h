/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the store's unit tests share: a private folder for their databases
 * (removed at the end unless VIGIA_KEEP_TMP is set), fresh databases in it,
 * a write in its own transaction, raw reads through SQLite (what someone with
 * the disk sees), and Argon2id at its minimum cost (tests only).
 *
 * Include after <cmocka.h>, "vigia/util.h" and "vigia/store.h".
 */
#ifndef VIGIA_TEST_STORE_TEST_H
#define VIGIA_TEST_STORE_TEST_H

#include <stdlib.h>

#include <sqlite3.h>

/* Argon2id minimum: tests only. */
#define STORE_TEST_FAST (&(const struct store_vault_limits){1, 8192})

static char store_test_dir[] = "/tmp/vigia-store-test-XXXXXX";
static int store_test_n;

/** A new database in the test folder; its path in *path (newly allocated) unless NULL. */
static inline struct store *store_test_open(char **path)
{
    struct store *s = NULL;
    char *p = xasprintf("%s/t%d.db", store_test_dir, store_test_n++), *err = NULL;

    if (store_open(p, STORE_CREATE, &s, &err) != STORE_OK)
        fail_msg("store_open %s: %s", p, err);
    if (path != NULL)
        *path = p;
    else
        free(p);
    return s;
}

/** store_write of one row in a transaction of its own; any failure fails the test. */
static inline void store_test_write(struct store *s, const char *table, const char *id,
                                    const struct store_col *cols, size_t n)
{
    char *err = NULL;

    assert_int_equal(store_begin(s, &err), STORE_OK);
    if (store_write(s, table, id, cols, n, &err) != STORE_OK)
        fail_msg("write %s %s: %s", table, id, err);
    assert_int_equal(store_commit(s, &err), STORE_OK);
}

/** The first column of the first row @sql gives on the raw file, or NULL. */
static inline char *store_test_raw_text(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char *out = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        out = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

/** Run @sql on the raw file, behind the store's back. */
static inline void store_test_raw_exec(const char *path, const char *sql)
{
    sqlite3 *db;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/** Make the folder, run @tests quietly (no keyring, no log), remove the folder. */
static inline int store_test_run(const char *name, const struct CMUnitTest *tests, size_t n)
{
    int rc;

    if (mkdtemp(store_test_dir) == NULL)
        return 1;
    setenv("VIGIA_NO_KEYRING", "1", 1);
    logger_set_sink(logger_null_sink, NULL);
    rc = _cmocka_run_group_tests(name, tests, n, NULL, NULL);
    if (getenv("VIGIA_KEEP_TMP") == NULL) {
        char *cmd = xasprintf("rm -rf '%s'", store_test_dir);
        if (system(cmd) != 0)
            rc = rc ? rc : 1;
        free(cmd);
    }
    return rc;
}

#endif
