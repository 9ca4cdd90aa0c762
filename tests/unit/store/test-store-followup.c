/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for the people of a detention follow-up
 * (src/store/store-followup.c): their name, phone, A-number, place of
 * detention and notes are sealed in the row and the op log (written under a
 * vault, or sealed when the first passphrase is set), open only with the
 * vault unlocked, and are cleared with their history scrubbed by a removal,
 * by the retention purge once the report has been closed long enough, and
 * by a wipe. The relation stays readable. Another laptop of the network
 * receives them sealed, opens them with the shared key, and applies a purge.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "vigia/util.h"
#include "vigia/store.h"

#include "store-test.h"

#define PASS "correct horse battery"
#define NAME "Xochitl Ramirez"
#define PHONE "+15105550187"
#define ANUM "204881736"
#define REPORT "01JB0000000000000000000001"

/* A detention follow-up report in @status, last touched at @at. */
static void add_report(struct store *s, const char *id, const char *status, int64_t at)
{
    char *err = NULL;
    struct store_col cols[] = {
        {"received_at", store_int(at)},
        {"updated_at", store_int(at)},
        {"category", store_text("detention_followup")},
        {"location", store_text("Elm St")},
        {"what", store_text("a man taken")},
        {"status", store_text(status)},
    };

    assert_int_equal(store_begin(s, &err), STORE_OK);
    if (store_write(s, "reports", id, cols, UTIL_ARRAY_LEN(cols), &err) != STORE_OK)
        fail_msg("write: %s", err);
    assert_int_equal(store_commit(s, &err), STORE_OK);
}

static void add_person(struct store *s, const char *report, char id[ULID_LEN + 1])
{
    struct store_person p = {0};
    char *err = NULL;

    p.report_id = (char *)report;
    p.name = (char *)NAME;
    p.relation = (char *)"spouse";
    p.phone = (char *)PHONE;
    p.a_number = (char *)ANUM;
    p.where_held = (char *)"Mesa Verde";
    p.notes = (char *)"calls daily";
    p.created_at = 1000;
    if (store_person_add(s, &p, "tester", &err) != STORE_OK)
        fail_msg("store_person_add: %s", err);
    memcpy(id, p.id, ULID_LEN + 1);
}

static int64_t raw_int(const char *path, const char *sql)
{
    char *t = store_test_raw_text(path, sql);
    int64_t v = t ? strtoll(t, NULL, 10) : -1;

    free(t);
    return v;
}

/* Op-log values of personal cells of followup_people that are neither NULL, '' nor sealed. */
static int64_t plain_ops(const char *path)
{
    return raw_int(path, "SELECT count(*) FROM ops o, json_each(o.cols) j"
                         " WHERE o.tbl = 'followup_people'"
                         " AND j.key IN ('name', 'phone', 'a_number', 'where_held', 'notes')"
                         " AND j.value IS NOT NULL AND j.value <> ''"
                         " AND substr(j.value, 1, 3) <> 'vg:'");
}

static void test_sealed_under_vault(void **state)
{
    struct store_person *rows = NULL;
    char *path, *err = NULL, *v, id[ULID_LEN + 1];
    struct store *s = store_test_open(&path);
    size_t n = 0, m = 0;

    (void)state;
    add_report(s, REPORT, "new", 1000);
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    store_vault_lock(s); /* sealing needs only the public key */
    add_person(s, REPORT, id);
    v = store_test_raw_text(path, "SELECT name FROM followup_people");
    assert_non_null(v);
    assert_memory_equal(v, "vg:", 3);
    free(v);
    v = store_test_raw_text(path,
                            "SELECT phone || a_number || where_held || notes FROM followup_people");
    assert_null(strstr(v, "0187"));
    assert_null(strstr(v, ANUM));
    assert_null(strstr(v, "Mesa"));
    free(v);
    v = store_test_raw_text(path, "SELECT relation FROM followup_people");
    assert_string_equal(v, "spouse");
    free(v);
    assert_int_equal(plain_ops(path), 0);
    /* Locked: listed, but opening fails and leaves the sealed values as they were. */
    assert_int_equal(store_person_list(s, REPORT, &rows, &n, &err), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].id, id);
    assert_int_equal(store_person_open(s, &rows[0], &err), STORE_ERR_LOCKED);
    FREE(&err);
    assert_memory_equal(rows[0].name, "vg:", 3);
    assert_int_equal(store_vault_unlock(s, PASS, &err), STORE_OK);
    assert_int_equal(store_person_open(s, &rows[0], &err), STORE_OK);
    assert_string_equal(rows[0].name, NAME);
    assert_string_equal(rows[0].phone, PHONE);
    assert_string_equal(rows[0].a_number, ANUM);
    assert_string_equal(rows[0].where_held, "Mesa Verde");
    assert_string_equal(rows[0].notes, "calls daily");
    store_people_free(&rows, n);
    assert_int_equal(store_person_count(s, REPORT, &n, &err), STORE_OK);
    assert_int_equal(n, 1);
    store_free(&s);
    free(path);
}

static void test_sealed_by_first_passphrase(void **state)
{
    char *path, *err = NULL, *v, *sql, id[ULID_LEN + 1], gone[ULID_LEN + 1];
    struct store *s = store_test_open(&path);
    size_t m = 0;

    (void)state;
    add_report(s, REPORT, "closed", 1000);
    add_person(s, REPORT, gone);
    assert_int_equal(store_person_remove(s, gone, "tester", &err), STORE_OK);
    add_person(s, REPORT, id);
    sql = xasprintf("SELECT name FROM followup_people WHERE id = '%s'", id);
    v = store_test_raw_text(path, sql);
    assert_string_equal(v, NAME);
    free(v);
    assert_true(plain_ops(path) > 0);
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    assert_true(m >= 10); /* five cells in the row, five in the op log */
    v = store_test_raw_text(path, sql);
    assert_memory_equal(v, "vg:", 3);
    free(v);
    free(sql);
    assert_int_equal(plain_ops(path), 0);
    /* The removed person's empty name stays empty: nothing for the purge to clear again. */
    sql = xasprintf("SELECT name FROM followup_people WHERE id = '%s'", gone);
    v = store_test_raw_text(path, sql);
    assert_string_equal(v, "");
    free(v);
    free(sql);
    {
        struct store_purge_windows w = {.followups_before = 2000};
        struct store_purge_stats st;
        assert_int_equal(store_purge(s, &w, "tester", &st, &err), STORE_OK);
        assert_int_equal(st.people, 1); /* the sealed one only */
    }
    store_free(&s);
    free(path);
}

static void test_remove(void **state)
{
    char *path, *err = NULL, id[ULID_LEN + 1];
    struct store *s = store_test_open(&path);
    size_t n = 9, m = 0;
    char *sql;

    (void)state;
    add_report(s, REPORT, "new", 1000);
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    add_person(s, REPORT, id);
    assert_int_equal(store_person_remove(s, id, "tester", &err), STORE_OK);
    assert_int_equal(store_person_count(s, REPORT, &n, &err), STORE_OK);
    assert_int_equal(n, 0);
    sql = xasprintf("SELECT count(*) FROM followup_people WHERE id = '%s' AND name = ''"
                    " AND phone IS NULL AND a_number IS NULL AND where_held IS NULL"
                    " AND notes IS NULL AND deleted_at IS NOT NULL",
                    id);
    assert_int_equal(raw_int(path, sql), 1);
    free(sql);
    /* No sealed copy left in the history either. */
    assert_int_equal(raw_int(path, "SELECT count(*) FROM ops o, json_each(o.cols) j"
                                   " WHERE o.tbl = 'followup_people'"
                                   " AND j.key IN ('phone', 'a_number', 'where_held', 'notes')"
                                   " AND j.value IS NOT NULL"),
                     0);
    assert_int_equal(store_person_remove(s, id, "tester", &err), STORE_ERR_NOT_FOUND);
    FREE(&err);
    store_free(&s);
    free(path);
}

static void test_purge(void **state)
{
    char *path, *err = NULL, closed[ULID_LEN + 1], open[ULID_LEN + 1], *sql;
    struct store *s = store_test_open(&path);
    struct store_purge_windows w = {0};
    struct store_purge_stats st;
    size_t m = 0;

    (void)state;
    add_report(s, REPORT, "closed", 1000);
    add_report(s, "01JB0000000000000000000002", "verifying", 1000);
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    store_vault_lock(s); /* the purge needs no passphrase */
    add_person(s, REPORT, closed);
    add_person(s, "01JB0000000000000000000002", open);
    /* Closed after the window's start: nothing yet. */
    w.followups_before = 500;
    assert_int_equal(store_purge(s, &w, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.people, 0);
    w.followups_before = 2000;
    assert_int_equal(store_purge(s, &w, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.people, 1);
    assert_true(st.ops >= 5);
    sql = xasprintf("SELECT count(*) FROM followup_people WHERE id = '%s' AND name = ''"
                    " AND phone IS NULL AND a_number IS NULL",
                    closed);
    assert_int_equal(raw_int(path, sql), 1);
    free(sql);
    sql = xasprintf("SELECT count(*) FROM ops o, json_each(o.cols) j WHERE o.row_id = '%s'"
                    " AND j.key IN ('phone', 'a_number', 'where_held', 'notes')"
                    " AND j.value IS NOT NULL",
                    closed);
    assert_int_equal(raw_int(path, sql), 0);
    free(sql);
    /* The open case keeps its people. */
    sql = xasprintf("SELECT count(*) FROM followup_people WHERE id = '%s' AND phone LIKE 'vg:%%'",
                    open);
    assert_int_equal(raw_int(path, sql), 1);
    free(sql);
    /* Done once: a second purge finds nothing. */
    assert_int_equal(store_purge(s, &w, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.people, 0);
    store_free(&s);
    free(path);
}

static void test_wipe(void **state)
{
    char *path, *err = NULL, id[ULID_LEN + 1];
    struct store *s = store_test_open(&path);

    (void)state;
    add_report(s, REPORT, "new", 1000);
    add_person(s, REPORT, id);
    assert_int_equal(store_wipe_prepare(&s, &err), STORE_OK);
    assert_null(s);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM followup_people WHERE name <> ''"
                                   " OR phone <> '' OR a_number <> '' OR where_held <> ''"
                                   " OR notes <> ''"),
                     0);
    assert_int_equal(plain_ops(path), 0);
    free(path);
}

/* Every op of @from after *seq applied to @to; *seq moves on. */
static void sync_ops(struct store *from, struct store *to, int64_t *seq)
{
    struct store_op *ops = NULL;
    size_t n = 0;
    char *err = NULL;

    if (store_sync_local_ops(from, *seq, 10000, &ops, &n, seq, &err) != STORE_OK)
        fail_msg("local ops: %s", err);
    if (store_sync_apply(to, ops, n, NULL, &err) != STORE_OK)
        fail_msg("apply: %s", err);
    store_ops_free(&ops, n);
}

static void test_sync(void **state)
{
    unsigned char key[STORE_VAULT_KEY_BYTES];
    struct store_purge_windows w = {.followups_before = 2000};
    struct store_person *rows = NULL;
    char *pa, *pb, *err = NULL, id[ULID_LEN + 1];
    struct store *a = store_test_open(&pa), *b = store_test_open(&pb);
    int64_t seq = 0;
    size_t n = 0, m = 0;

    (void)state;
    assert_int_equal(store_vault_setup(a, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    assert_true(store_vault_key(a, key));
    assert_int_equal(store_vault_adopt(b, key, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    add_report(a, REPORT, "closed", 1000);
    add_person(a, REPORT, id);
    sync_ops(a, b, &seq);
    /* The other laptop gets the sealed values and opens them with the network's key. */
    assert_int_equal(store_person_list(b, REPORT, &rows, &n, &err), STORE_OK);
    assert_int_equal(n, 1);
    assert_memory_equal(rows[0].phone, "vg:", 3);
    assert_int_equal(store_person_open(b, &rows[0], &err), STORE_OK);
    assert_string_equal(rows[0].name, NAME);
    assert_string_equal(rows[0].a_number, ANUM);
    store_people_free(&rows, n);
    /* A purge on one laptop clears the person on the other too. */
    assert_int_equal(store_purge(a, &w, "tester", NULL, &err), STORE_OK);
    sync_ops(a, b, &seq);
    assert_int_equal(store_person_list(b, REPORT, &rows, &n, &err), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].name, "");
    assert_null(rows[0].phone);
    assert_null(rows[0].a_number);
    store_people_free(&rows, n);
    /*
     * The cleared name arrives empty, not sealed: sealed, the other laptop's
     * purge would find it again and clear it again, back and forth forever.
     */
    {
        struct store_purge_stats st;
        assert_int_equal(store_purge(b, &w, "tester", &st, &err), STORE_OK);
        assert_int_equal(st.people, 0);
    }
    store_free(&a);
    store_free(&b);
    free(pa);
    free(pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sealed_under_vault),
        cmocka_unit_test(test_sealed_by_first_passphrase),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_purge),
        cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_sync),
    };

    return store_test_run("store-followup", tests, sizeof tests / sizeof tests[0]);
}
