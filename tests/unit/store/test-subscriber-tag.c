/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for subscribers under the vault (src/store/store-subscriber.c,
 * store_vault_tag in store-vault.c): the keyed tag is the same for the same
 * channel and contact under one key, differs across channels, contacts and
 * vault keys, is shared by a device that adopts the network's key, and
 * needs the key (locked: refused); look-ups by contact go through the tag,
 * and through untagged rows until they are tagged; setting the first
 * passphrase seals subscribers' contacts in the row, the op log and the
 * outbox's copies (which open as their subscriber's contact); STOP replies
 * kept while locked are stored sealed; the retention purge forgets an
 * opted-out subscriber's number but keeps the tag that keeps them out.
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

#define PHONE "+15558675309"
#define PASS "correct horse battery"

/* A subscriber written as the app does (contact sealed by store_write when a vault exists). */
static void add_sub(struct store *s, const char *id, const char *contact, const char *channel,
                    const char *tag)
{
    char *err = NULL;
    struct store_col cols[] = {
        {"contact", store_text(contact)}, {"channel", store_text(channel)},
        {"language", store_text("en")},   {"created_at", store_int(1)},
        {"contact_tag", store_text(tag)},
    };

    assert_int_equal(store_begin(s, &err), STORE_OK);
    if (store_write(s, "subscribers", id, cols, UTIL_ARRAY_LEN(cols), &err) != STORE_OK)
        fail_msg("write: %s", err);
    assert_int_equal(store_commit(s, &err), STORE_OK);
}

static void test_tag_needs_the_key(void **state)
{
    char *path, *err = NULL, t1[STORE_VAULT_TAG_LEN + 1], t2[STORE_VAULT_TAG_LEN + 1];
    struct store *s = store_test_open(&path);
    size_t m;

    (void)state;
    /* No vault: no tag (look-ups use the plaintext contact). */
    assert_int_equal(store_vault_tag(s, "sms", PHONE, t1, &err), STORE_ERR_NOT_FOUND);
    FREE(&err);
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    assert_int_equal(store_vault_tag(s, "sms", PHONE, t1, &err), STORE_OK);
    assert_int_equal(strlen(t1), STORE_VAULT_TAG_LEN);
    assert_int_equal(strspn(t1, "0123456789abcdef"), STORE_VAULT_TAG_LEN);
    assert_null(strstr(t1, "5558675309"));
    /* Same input, same tag. */
    assert_int_equal(store_vault_tag(s, "sms", PHONE, t2, &err), STORE_OK);
    assert_string_equal(t1, t2);
    /* Locked: refused, nothing written to out. */
    store_vault_lock(s);
    assert_int_equal(store_vault_tag(s, "sms", PHONE, t2, &err), STORE_ERR_LOCKED);
    assert_non_null(strstr(err, "vigia unlock"));
    FREE(&err);
    assert_string_equal(t2, "");
    /* The passphrase gives the same key, so the same tag. */
    assert_int_equal(store_vault_unlock(s, PASS, &err), STORE_OK);
    assert_int_equal(store_vault_tag(s, "sms", PHONE, t2, &err), STORE_OK);
    assert_string_equal(t1, t2);
    store_free(&s);
    free(path);
}

static void test_tag_varies(void **state)
{
    char *pa, *pb, *err = NULL;
    char t[4][STORE_VAULT_TAG_LEN + 1];
    struct store *a = store_test_open(&pa), *b = store_test_open(&pb);
    size_t m;

    (void)state;
    assert_int_equal(store_vault_setup(a, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    assert_int_equal(store_vault_setup(b, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    assert_int_equal(store_vault_tag(a, "sms", PHONE, t[0], &err), STORE_OK);
    assert_int_equal(store_vault_tag(a, "signal", PHONE, t[1], &err), STORE_OK);
    assert_int_equal(store_vault_tag(a, "sms", "+15558675308", t[2], &err), STORE_OK);
    /* Another vault (same passphrase, another random key): another tag. */
    assert_int_equal(store_vault_tag(b, "sms", PHONE, t[3], &err), STORE_OK);
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            assert_string_not_equal(t[i], t[j]);
    /* The channel and the contact are kept apart: ("sm", "s+1...") is not ("sms", "+1..."). */
    char u[STORE_VAULT_TAG_LEN + 1];
    assert_int_equal(store_vault_tag(a, "sm", "s" PHONE, u, &err), STORE_OK);
    assert_string_not_equal(u, t[0]);
    store_free(&a);
    store_free(&b);
    free(pa);
    free(pb);
}

static void test_tag_shared_by_adopt(void **state)
{
    unsigned char key[STORE_VAULT_KEY_BYTES];
    char *pa, *pb, *err = NULL, ta[STORE_VAULT_TAG_LEN + 1], tb[STORE_VAULT_TAG_LEN + 1];
    struct store *a = store_test_open(&pa), *b = store_test_open(&pb);
    struct store_subscriber sub;
    size_t m, resealed, n;

    (void)state;
    assert_int_equal(store_vault_setup(a, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    assert_int_equal(store_vault_setup(b, "b's own passphrase", STORE_TEST_FAST, &m, &err),
                     STORE_OK);
    assert_int_equal(store_vault_tag(b, "sms", PHONE, tb, &err), STORE_OK);
    add_sub(b, "01JB0000000000000000000001", PHONE, "sms", tb);
    assert_int_equal(store_vault_tag(a, "sms", PHONE, ta, &err), STORE_OK);
    assert_string_not_equal(ta, tb);
    /* B joins A's network: same key, same tags. */
    assert_true(store_vault_key(a, key));
    assert_int_equal(
        store_vault_adopt(b, key, "b's own passphrase", STORE_TEST_FAST, &resealed, &err),
        STORE_OK);
    assert_int_equal(store_vault_tag(b, "sms", PHONE, tb, &err), STORE_OK);
    assert_string_equal(ta, tb);
    /* B's old tag was made with its old key: retagging every row fixes it, once. */
    assert_int_equal(store_subscriber_tag_fill(b, true, &n, &err), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_subscriber_tag_fill(b, true, &n, &err), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_subscriber_find(b, PHONE, "sms", &sub, &err), STORE_OK);
    assert_string_equal(sub.id, "01JB0000000000000000000001");
    store_subscriber_fini(&sub);
    store_free(&a);
    store_free(&b);
    free(pa);
    free(pb);
}

static void test_find_and_migrate(void **state)
{
    char *path, *err = NULL, *v, *plain = NULL, tag[STORE_VAULT_TAG_LEN + 1];
    struct store *s = store_test_open(&path);
    struct store_subscriber sub;
    size_t m, n;

    (void)state;
    /* Before a passphrase: plaintext, no tag, found by contact. */
    add_sub(s, "01JB0000000000000000000001", PHONE, "sms", NULL);
    add_sub(s, "01JB0000000000000000000002", PHONE, "signal", NULL);
    assert_int_equal(store_subscriber_find(s, PHONE, "sms", &sub, &err), STORE_OK);
    assert_string_equal(sub.id, "01JB0000000000000000000001");
    store_subscriber_fini(&sub);
    store_free(&s);
    /* An outbox copy made before the passphrase. */
    store_test_raw_exec(
        path, "INSERT INTO outbox(id, broadcast_id, subscriber_id, channel, idempotency_key,"
              " contact) VALUES ('k1', 'B', '01JB0000000000000000000001', 'sms', 'k1',"
              " '" PHONE "')");
    assert_int_equal(store_open(path, 0, &s, &err), STORE_OK);
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    assert_int_equal(m, 5); /* two rows, two ops, one outbox copy */
    /* Row, op log and outbox: sealed. */
    v = store_test_raw_text(
        path, "SELECT contact FROM subscribers WHERE id = '01JB0000000000000000000001'");
    assert_true(store_vault_is_sealed(v));
    free(v);
    /* Op log cells: one JSON object per write (store-oplog.c). */
    v = store_test_raw_text(path, "SELECT j.value FROM ops o, json_each(o.cols) j"
                                  " WHERE o.tbl = 'subscribers' AND j.key = 'contact'"
                                  " AND substr(j.value, 1, 3) <> 'vg:'");
    assert_null(v);
    v = store_test_raw_text(path, "SELECT contact FROM outbox WHERE id = 'k1'");
    assert_true(store_vault_is_sealed(v));
    /* The outbox copy opens as its subscriber's contact. */
    assert_int_equal(
        store_open_text(s, "subscribers", "contact", "01JB0000000000000000000001", v, &plain, &err),
        STORE_OK);
    assert_string_equal(plain, PHONE);
    FREE(&plain);
    free(v);
    /* Not tagged yet: still found (the untagged rows are opened one by one). */
    assert_int_equal(store_subscriber_find(s, PHONE, "signal", &sub, &err), STORE_OK);
    assert_string_equal(sub.id, "01JB0000000000000000000002");
    store_subscriber_fini(&sub);
    assert_int_equal(store_subscriber_tag_fill(s, false, &n, &err), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_vault_tag(s, "sms", PHONE, tag, &err), STORE_OK);
    v = store_test_raw_text(
        path, "SELECT contact_tag FROM subscribers WHERE id = '01JB0000000000000000000001'");
    assert_string_equal(v, tag);
    free(v);
    /* The tag is synced like any column. */
    v = store_test_raw_text(path,
                            "SELECT j.value FROM ops o, json_each(o.cols) j"
                            " WHERE o.tbl = 'subscribers' AND j.key = 'contact_tag'"
                            " AND o.row_id = '01JB0000000000000000000001' ORDER BY o.hlc DESC");
    assert_string_equal(v, tag);
    free(v);
    /* By tag now; a number nobody subscribed is not found; locked, nothing is. */
    assert_int_equal(store_subscriber_find(s, PHONE, "sms", &sub, &err), STORE_OK);
    assert_string_equal(sub.id, "01JB0000000000000000000001");
    assert_true(store_vault_is_sealed(sub.contact));
    store_subscriber_fini(&sub);
    assert_int_equal(store_subscriber_find(s, "+15550000000", "sms", &sub, &err),
                     STORE_ERR_NOT_FOUND);
    FREE(&err);
    store_vault_lock(s);
    assert_int_equal(store_subscriber_find(s, PHONE, "sms", &sub, &err), STORE_ERR_LOCKED);
    FREE(&err);
    store_free(&s);
    free(path);
}

static void test_pending_optout_sealed(void **state)
{
    char *path, *err = NULL, *v;
    struct store *s = store_test_open(&path);
    struct store_optout_pending *rows;
    size_t m, n;

    (void)state;
    /* Without a vault there is nothing to wait for: refused (the caller opts out at once). */
    assert_int_equal(store_optout_pending_add(s, "sms", PHONE, 5, &err), STORE_ERR_INVALID);
    FREE(&err);
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    store_vault_lock(s);
    assert_int_equal(store_optout_pending_add(s, "sms", PHONE, 5, &err), STORE_OK);
    assert_int_equal(store_optout_pending_count(s, &n, &err), STORE_OK);
    assert_int_equal(n, 1);
    v = store_test_raw_text(path, "SELECT contact FROM subscriber_optouts");
    assert_true(store_vault_is_sealed(v));
    free(v);
    assert_int_equal(store_optout_pending_list(s, &rows, &n, &err), STORE_ERR_LOCKED);
    FREE(&err);
    assert_int_equal(store_vault_unlock(s, PASS, &err), STORE_OK);
    assert_int_equal(store_optout_pending_list(s, &rows, &n, &err), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].contact, PHONE);
    assert_string_equal(rows[0].channel, "sms");
    assert_int_equal(rows[0].at, 5);
    assert_int_equal(store_optout_pending_done(s, rows[0].id, &err), STORE_OK);
    store_optout_pending_free(&rows, n);
    assert_int_equal(store_optout_pending_count(s, &n, &err), STORE_OK);
    assert_int_equal(n, 0);
    store_free(&s);
    free(path);
}

/* Set a subscriber's opt-out time as the app does. */
static void opt_out(struct store *s, const char *id, int64_t at)
{
    char *err = NULL;
    struct store_col cols[] = {{"opted_out_at", store_int(at)}};

    assert_int_equal(store_begin(s, &err), STORE_OK);
    assert_int_equal(store_write(s, "subscribers", id, cols, 1, &err), STORE_OK);
    assert_int_equal(store_commit(s, &err), STORE_OK);
}

static void test_optout_purge(void **state)
{
    char *path, *err = NULL, *v, tag[STORE_VAULT_TAG_LEN + 1], tag2[STORE_VAULT_TAG_LEN + 1];
    struct store *s = store_test_open(&path), *plain;
    struct store_purge_stats st;
    struct store_purge_windows w = {0};
    struct store_subscriber sub;
    const int64_t t0 = 1700000000000;
    size_t m;

    (void)state;
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    assert_int_equal(store_vault_tag(s, "sms", PHONE, tag, &err), STORE_OK);
    assert_int_equal(store_vault_tag(s, "sms", "+15550000001", tag2, &err), STORE_OK);
    add_sub(s, "01JB0000000000000000000001", PHONE, "sms", tag);
    add_sub(s, "01JB0000000000000000000002", "+15550000001", "sms", tag2);
    opt_out(s, "01JB0000000000000000000001", t0);
    store_test_raw_exec(
        path, "INSERT INTO outbox(id, broadcast_id, subscriber_id, channel, idempotency_key,"
              " contact) VALUES ('k1', 'B', '01JB0000000000000000000001', 'sms', 'k1',"
              " 'vg:whatever')");
    /* Opted out at t0: a window ending before it keeps the number. */
    w.optouts_before = t0 - 1;
    assert_int_equal(store_purge(s, &w, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.optouts, 0);
    v = store_test_raw_text(
        path, "SELECT contact FROM subscribers WHERE id = '01JB0000000000000000000001'");
    assert_true(store_vault_is_sealed(v));
    free(v);
    w.optouts_before = t0 + 1;
    assert_int_equal(store_purge(s, &w, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.optouts, 1);
    assert_true(st.ops >= 1);
    /* The number is gone from the row, the op log and the outbox ... */
    v = store_test_raw_text(
        path, "SELECT contact FROM subscribers WHERE id = '01JB0000000000000000000001'");
    assert_string_equal(v, "");
    free(v);
    v = store_test_raw_text(
        path, "SELECT j.value FROM ops o, json_each(o.cols) j WHERE o.tbl = 'subscribers'"
              " AND o.row_id = '01JB0000000000000000000001' AND j.key = 'contact'"
              " AND j.value <> ''");
    assert_null(v);
    v = store_test_raw_text(path, "SELECT coalesce(contact, 'none') || ' ' || state FROM outbox");
    assert_string_equal(v, "none skipped");
    free(v);
    /* ... the other subscriber keeps theirs, and the event says how many, not who. */
    v = store_test_raw_text(
        path, "SELECT contact FROM subscribers WHERE id = '01JB0000000000000000000002'");
    assert_true(store_vault_is_sealed(v));
    free(v);
    v = store_test_raw_text(path, "SELECT detail FROM events WHERE kind = 'privacy.purged'");
    assert_non_null(strstr(v, "optouts=1"));
    assert_null(strstr(v, "5558675309"));
    free(v);
    /* The tag still finds the number, opted out: adding it again cannot resubscribe it. */
    assert_int_equal(store_subscriber_find(s, PHONE, "sms", &sub, &err), STORE_OK);
    assert_string_equal(sub.id, "01JB0000000000000000000001");
    assert_int_equal(sub.opted_out_at, t0);
    store_subscriber_fini(&sub);
    /* A second purge has nothing left to do. */
    assert_int_equal(store_purge(s, &w, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.optouts, 0);
    store_free(&s);
    free(path);

    /* Without a vault there is no tag: the number is what keeps the opt-out, so it stays. */
    plain = store_test_open(&path);
    add_sub(plain, "01JB0000000000000000000003", PHONE, "sms", NULL);
    opt_out(plain, "01JB0000000000000000000003", t0);
    assert_int_equal(store_purge(plain, &w, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.optouts, 0);
    v = store_test_raw_text(path, "SELECT contact FROM subscribers");
    assert_string_equal(v, PHONE);
    free(v);
    store_free(&plain);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tag_needs_the_key),     cmocka_unit_test(test_tag_varies),
        cmocka_unit_test(test_tag_shared_by_adopt),   cmocka_unit_test(test_find_and_migrate),
        cmocka_unit_test(test_pending_optout_sealed), cmocka_unit_test(test_optout_purge),
    };

    return store_test_run("subscriber-tag", tests, sizeof tests / sizeof tests[0]);
}
