/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for store_read_begin/store_read_end (src/store/store.c): a run
 * of reads inside one read transaction sees one snapshot (another
 * connection's commit shows only after store_read_end), nests as a no-op in
 * a write transaction, and leaves the database free for writers afterwards.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/store.h"

static char tmpdir[] = "/tmp/vigia-test-store-read-XXXXXX";

static void add(struct store *s, const char *id)
{
    char *err = NULL;
    struct store_col cols[] = {
        {"received_at", store_int(1000)},
        {"location", store_text("5th and Main")},
        {"what", store_text("vans")},
    };

    assert_int_equal(store_begin(s, &err), STORE_OK);
    if (store_write(s, "reports", id, cols, 3, &err) != STORE_OK)
        fail_msg("store_write: %s", err);
    assert_int_equal(store_commit(s, &err), STORE_OK);
}

static size_t count(struct store *s)
{
    struct store_filter f;
    size_t n = 0;
    char *err = NULL;

    store_filter_init(&f);
    if (store_report_count(s, &f, &n, &err) != STORE_OK)
        fail_msg("store_report_count: %s", err);
    return n;
}

static void test_read_snapshot(void **state)
{
    char *path = xasprintf("%s/read.db", tmpdir), *err = NULL;
    struct store *a = NULL, *b = NULL;

    (void)state;
    assert_int_equal(store_open(path, STORE_CREATE, &a, &err), STORE_OK);
    assert_int_equal(store_open(path, 0, &b, &err), STORE_OK);
    add(a, "R1");

    assert_int_equal(store_read_begin(b, &err), STORE_OK);
    assert_int_equal(count(b), 1);
    add(a, "R2"); /* a writer is not kept out by a reader (WAL) */
    assert_int_equal(count(b), 1);
    assert_int_equal(store_read_begin(b, &err), STORE_OK); /* already reading: no-op */
    assert_int_equal(count(b), 1);
    store_read_end(b);
    assert_int_equal(count(b), 2);
    store_read_end(b); /* not reading: no-op */

    /* Inside a write transaction it does nothing, and the write commits. */
    assert_int_equal(store_begin(b, &err), STORE_OK);
    assert_int_equal(store_read_begin(b, &err), STORE_OK);
    store_read_end(b);
    {
        struct store_col cols[] = {{"what", store_text("two vans")}};
        assert_int_equal(store_write(b, "reports", "R1", cols, 1, &err), STORE_OK);
    }
    assert_int_equal(store_commit(b, &err), STORE_OK);
    add(a, "R3");
    assert_int_equal(count(b), 3);

    store_free(&b);
    store_free(&a);
    free(path);
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
        cmocka_unit_test(test_read_snapshot),
    };

    if (mkdtemp(tmpdir) == NULL)
        return 1;
    return cmocka_run_group_tests_name("store-read", tests, NULL, teardown);
}
