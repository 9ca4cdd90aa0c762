/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/store/store-resource.c: an entry round-trips every
 * column (tri-state answers, services, sample mark, times), the full-text
 * index folds accents and follows updates and deletes, deletes are
 * tombstones that other devices apply, and a device that receives the ops
 * of an entry finds it by the same words.
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

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/store.h"

static char tmpdir[] = "/tmp/vigia-test-store-resource-XXXXXX";
static int counter;

static struct store *open_store(void)
{
    struct store *s = NULL;
    char *err = NULL, *path = xasprintf("%s/s%d.db", tmpdir, counter++);

    if (store_open(path, STORE_CREATE, &s, &err) != STORE_OK)
        fail_msg("store_open: %s", err);
    free(path);
    return s;
}

static void put(struct store *s, const struct model_resource *r)
{
    char *err = NULL;

    assert_int_equal(store_begin(s, &err), STORE_OK);
    if (store_resource_put_tx(s, r, &err) != STORE_OK)
        fail_msg("put: %s", err);
    assert_int_equal(store_commit(s, &err), STORE_OK);
}

static void fill(struct model_resource *r, const char *name)
{
    model_resource_init(r);
    ulid_new(timeutil_now_ms(), r->id);
    r->name = xstrdup(name);
    r->services = (1u << MODEL_SERVICE_LEGAL_AID) | (1u << MODEL_SERVICE_DETENTION_LOCATOR);
    r->contact = xstrdup("555-0100");
}

/* How many entries a query finds. */
static size_t found(struct store *s, const char *q)
{
    struct model_resource *rows = NULL;
    size_t n = 0;
    char *err = NULL;

    if (store_resource_list(s, q, &rows, &n, &err) != STORE_OK)
        fail_msg("list: %s", err);
    store_resources_free(rows, n);
    return n;
}

static void test_round_trip(void **state)
{
    struct store *s = open_store();
    struct model_resource r, g;
    char *err = NULL;

    (void)state;
    fill(&r, "Centro de Inmigración");
    r.languages = xstrdup("es,en");
    r.areas = xstrdup("San José");
    r.hours = xstrdup("24/7");
    r.detained = MODEL_YES;
    r.non_detained = MODEL_NO;
    r.payment_plans = MODEL_YES;
    r.fees = xstrdup("free");
    r.excluded_statuses = xstrdup("asylum seekers at the border");
    r.courts = xstrdup("San Francisco Immigration Court");
    r.notes = xstrdup("notas");
    r.vetting = xstrdup("visited in October");
    r.checked_at = 1793491200000;
    r.checked_by = xstrdup("rosa");
    r.sample = true;
    r.created_at = 1;
    r.updated_at = 2;
    put(s, &r);
    assert_int_equal(store_resource_get(s, r.id, &g, &err), STORE_OK);
    assert_string_equal(g.name, r.name);
    assert_int_equal(g.services, r.services);
    assert_string_equal(g.languages, "es,en");
    assert_string_equal(g.areas, "San José");
    assert_string_equal(g.hours, "24/7");
    assert_int_equal(g.detained, MODEL_YES);
    assert_int_equal(g.non_detained, MODEL_NO);
    assert_int_equal(g.criminal, MODEL_UNKNOWN);
    assert_int_equal(g.non_criminal, MODEL_UNKNOWN);
    assert_int_equal(g.payment_plans, MODEL_YES);
    assert_string_equal(g.fees, "free");
    assert_string_equal(g.excluded_statuses, r.excluded_statuses);
    assert_string_equal(g.courts, r.courts);
    assert_string_equal(g.notes, "notas");
    assert_string_equal(g.vetting, r.vetting);
    assert_int_equal(g.checked_at, r.checked_at);
    assert_string_equal(g.checked_by, "rosa");
    assert_true(g.sample);
    assert_int_equal(g.created_at, 1);
    assert_int_equal(g.updated_at, 2);
    model_resource_fini(&g);
    /* Unknown ids and ids that are not ULIDs. */
    assert_int_equal(store_resource_get(s, "01M80GKDEJSQ8QF80CW6EMN736", &g, &err),
                     STORE_ERR_NOT_FOUND);
    FREE(&err);
    model_resource_fini(&g);
    r.id[0] = '\0';
    assert_int_equal(store_begin(s, &err), STORE_OK);
    assert_int_equal(store_resource_put_tx(s, &r, &err), STORE_ERR_INVALID);
    store_rollback(s);
    FREE(&err);
    model_resource_fini(&r);
    store_free(&s);
}

static void test_fts(void **state)
{
    struct store *s = open_store();
    struct model_resource r;
    char *err = NULL;

    (void)state;
    fill(&r, "Centro de Inmigración");
    r.courts = xstrdup("Tribunal de Inmigración de Los Ángeles");
    put(s, &r);
    assert_int_equal(found(s, "inmigracion"), 1);
    assert_int_equal(found(s, "INMIGRACIÓN centro"), 1);
    assert_int_equal(found(s, "angeles"), 1);   /* courts are indexed */
    assert_int_equal(found(s, "detention"), 1); /* so are the services */
    assert_int_equal(found(s, "fianza"), 0);
    assert_int_equal(found(s, NULL), 1);
    assert_int_equal(found(s, "  "), 1);
    /* An update re-indexes. */
    free(r.name);
    r.name = xstrdup("Fianzas del Valle");
    put(s, &r);
    assert_int_equal(found(s, "centro"), 0);
    assert_int_equal(found(s, "fianza"), 1);
    /* A delete hides it from look-up and from the index. */
    assert_int_equal(store_begin(s, &err), STORE_OK);
    assert_int_equal(store_resource_delete_tx(s, r.id, &err), STORE_OK);
    assert_int_equal(store_commit(s, &err), STORE_OK);
    assert_int_equal(found(s, "fianza"), 0);
    assert_int_equal(found(s, NULL), 0);
    assert_int_equal(store_begin(s, &err), STORE_OK);
    assert_int_equal(store_resource_delete_tx(s, r.id, &err), STORE_ERR_NOT_FOUND);
    store_rollback(s);
    FREE(&err);
    /* Putting it again brings it back (deleted_at is cleared). */
    put(s, &r);
    assert_int_equal(found(s, "fianza"), 1);
    model_resource_fini(&r);
    store_free(&s);
}

static void test_sync(void **state)
{
    struct store *a = open_store(), *b = open_store();
    struct store_op *ops = NULL;
    struct model_resource r, g;
    size_t n = 0;
    int64_t last = 0;
    char *err = NULL;

    (void)state;
    fill(&r, "Ñandú Legal");
    r.detained = MODEL_NO;
    put(a, &r);
    assert_int_equal(store_sync_local_ops(a, 0, 1000, &ops, &n, &last, &err), STORE_OK);
    assert_true(n > 0);
    if (store_sync_apply(b, ops, n, NULL, &err) != STORE_OK)
        fail_msg("apply: %s", err);
    store_ops_free(&ops, n);
    assert_int_equal(store_resource_get(b, r.id, &g, &err), STORE_OK);
    assert_string_equal(g.name, "Ñandú Legal");
    assert_int_equal(g.detained, MODEL_NO);
    assert_int_equal(g.services, r.services);
    model_resource_fini(&g);
    assert_int_equal(found(b, "nandu"), 1);
    /* The tombstone travels too. */
    assert_int_equal(store_begin(a, &err), STORE_OK);
    assert_int_equal(store_resource_delete_tx(a, r.id, &err), STORE_OK);
    assert_int_equal(store_commit(a, &err), STORE_OK);
    assert_int_equal(store_sync_local_ops(a, last, 1000, &ops, &n, &last, &err), STORE_OK);
    assert_int_equal(store_sync_apply(b, ops, n, NULL, &err), STORE_OK);
    store_ops_free(&ops, n);
    assert_int_equal(found(b, NULL), 0);
    model_resource_fini(&r);
    store_free(&a);
    store_free(&b);
}

static int setup(void **state)
{
    (void)state;
    timeutil_set_fixed(1795348800000);
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);

    (void)state;
    if (system(cmd) != 0)
        print_message("# cannot remove %s\n", tmpdir);
    free(cmd);
    timeutil_set_fixed(0);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_fts),
        cmocka_unit_test(test_sync),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
