/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/store/store-vault.c and store-privacy.c: sealing and
 * opening round trips, wrong passphrases and foreign keys refused, values
 * bound to their row and column, sealing while locked, migration of
 * plaintext written before the first passphrase (rows and op log), changing
 * the passphrase, and the purge: contacts past the window cleared as ops,
 * the op log scrubbed, and the phone number gone from the raw file. The test
 * reads the file with SQLite and plain bytes; src/ never does that.
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
#include <sodium.h>
#include <sqlite3.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/store.h"

#include "store-test.h"

#define PHONE "+15558675309"
#define PASS "correct horse battery"

static struct store *reopen(const char *path)
{
    struct store *s = NULL;
    char *err = NULL;

    if (store_open(path, 0, &s, &err) != STORE_OK)
        fail_msg("store_open: %s", err);
    return s;
}

/* Insert a report with a contact; returns its id (caller frees). */
static char *add_report(struct store *s, const char *contact, int64_t received)
{
    struct model_report r;
    char *err = NULL, *id;

    model_report_init(&r);
    r.location = xstrdup("1234 Main St");
    r.what = xstrdup("three vans");
    r.received_at = received;
    r.expires_at = received + 4 * 3600 * 1000LL;
    if (store_report_insert(s, &r, contact, "tester", &err) != STORE_OK)
        fail_msg("insert: %s", err);
    id = xstrdup(r.id);
    model_report_fini(&r);
    return id;
}

/* Does @needle occur anywhere in the bytes of @path (and its -wal)? */
static bool file_has(const char *path, const char *needle)
{
    const char *sfx[] = {"", "-wal"};
    bool found = false;

    for (size_t k = 0; k < 2 && !found; k++) {
        char *p = xasprintf("%s%s", path, sfx[k]);
        FILE *f = fopen(p, "rb");
        free(p);
        if (f == NULL)
            continue;
        size_t cap = 1 << 16, len = 0, n;
        char *data = xmalloc(cap);
        while ((n = fread(data + len, 1, cap - len, f)) > 0) {
            len += n;
            if (len == cap)
                data = xreallocarray(data, cap *= 2, 1);
        }
        fclose(f);
        size_t nl = strlen(needle);
        for (size_t i = 0; i + nl <= len && !found; i++)
            found = memcmp(data + i, needle, nl) == 0;
        free(data);
    }
    return found;
}

static char *contact_of(struct store *s, const char *id, int *rc)
{
    char *out = NULL, *err = NULL;

    *rc = store_report_contact(s, id, &out, &err);
    free(err);
    return out;
}

static void test_no_vault_plaintext(void **state)
{
    char *path, *id, *c;
    struct store *s = store_test_open(&path);
    bool on = true;
    int rc;

    (void)state;
    assert_int_equal(store_vault_enabled(s, &on, NULL), STORE_OK);
    assert_false(on);
    id = add_report(s, PHONE, timeutil_now_ms());
    c = contact_of(s, id, &rc);
    assert_int_equal(rc, STORE_OK);
    assert_string_equal(c, PHONE);
    /* Without a passphrase nothing is sealed: the number is in the file. */
    assert_true(file_has(path, "5558675309"));
    free(c);
    free(id);
    store_free(&s);
    free(path);
}

static void test_setup_migrates_and_seals(void **state)
{
    char *path, *id, *id2, *c, *err = NULL;
    struct store *s = store_test_open(&path);
    size_t migrated = 0;
    int rc;

    (void)state;
    id = add_report(s, PHONE, timeutil_now_ms());
    assert_true(file_has(path, "5558675309"));
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &migrated, &err), STORE_OK);
    /* One row and its one op. */
    assert_int_equal(migrated, 2);
    assert_true(store_vault_unlocked(s));
    /* A second setup is refused. */
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &migrated, &err),
                     STORE_ERR_INVALID);
    FREE(&err);
    id2 = add_report(s, "+15550001111", timeutil_now_ms());
    store_free(&s);
    assert_false(file_has(path, "5558675309"));
    assert_false(file_has(path, "5550001111"));

    s = reopen(path);
    assert_false(store_vault_unlocked(s));
    c = contact_of(s, id, &rc);
    assert_int_equal(rc, STORE_ERR_LOCKED);
    assert_null(c);
    assert_int_equal(store_vault_unlock(s, "wrong passphrase", &err), STORE_ERR_KEY);
    assert_non_null(err);
    FREE(&err);
    assert_false(store_vault_unlocked(s));
    assert_int_equal(store_vault_unlock(s, PASS, &err), STORE_OK);
    c = contact_of(s, id, &rc);
    assert_int_equal(rc, STORE_OK);
    assert_string_equal(c, PHONE);
    free(c);
    c = contact_of(s, id2, &rc);
    assert_string_equal(c, "+15550001111");
    free(c);
    store_vault_lock(s);
    c = contact_of(s, id2, &rc);
    assert_int_equal(rc, STORE_ERR_LOCKED);
    store_free(&s);
    free(id);
    free(id2);
    free(path);
}

static void test_round_trip_and_binding(void **state)
{
    char *path, *err = NULL, *sealed, *out = NULL, *again;
    struct store *s = store_test_open(&path);
    size_t migrated;

    (void)state;
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &migrated, &err), STORE_OK);
    assert_int_equal(migrated, 0);
    sealed = store_seal_text(s, "reporter_contacts", "contact", "ROW1", "ñandú @handle", &err);
    assert_non_null(sealed);
    assert_true(store_vault_is_sealed(sealed));
    assert_null(strstr(sealed, "handle"));
    /* Sealing twice gives two different texts (fresh ephemeral key and nonce). */
    again = store_seal_text(s, "reporter_contacts", "contact", "ROW1", "ñandú @handle", &err);
    assert_string_not_equal(sealed, again);
    assert_int_equal(store_open_text(s, "reporter_contacts", "contact", "ROW1", sealed, &out, &err),
                     STORE_OK);
    assert_string_equal(out, "ñandú @handle");
    FREE(&out);
    /* Bound to its row and column. */
    assert_int_equal(store_open_text(s, "reporter_contacts", "contact", "ROW2", sealed, &out, &err),
                     STORE_ERR_KEY);
    FREE(&err);
    assert_int_equal(store_open_text(s, "subscribers", "contact", "ROW1", sealed, &out, &err),
                     STORE_ERR_KEY);
    FREE(&err);
    /* Tampering is detected. */
    size_t n = strlen(sealed);
    sealed[n - 2] = sealed[n - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(store_open_text(s, "reporter_contacts", "contact", "ROW1", sealed, &out, &err),
                     STORE_ERR_KEY);
    FREE(&err);
    /* Plain values pass through; NULL stays NULL. */
    assert_int_equal(store_open_text(s, "reporter_contacts", "contact", "R", "plain", &out, &err),
                     STORE_OK);
    assert_string_equal(out, "plain");
    FREE(&out);
    assert_int_equal(store_open_text(s, "reporter_contacts", "contact", "R", NULL, &out, &err),
                     STORE_OK);
    assert_null(out);
    free(sealed);
    free(again);
    store_free(&s);
    free(path);
}

static void test_other_vault_cannot_open(void **state)
{
    char *p1, *p2, *err = NULL, *sealed, *out = NULL;
    struct store *a = store_test_open(&p1), *b = store_test_open(&p2);
    size_t m;

    (void)state;
    assert_int_equal(store_vault_setup(a, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    assert_int_equal(store_vault_setup(b, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    sealed = store_seal_text(a, "reporter_contacts", "contact", "R", PHONE, &err);
    /* Same passphrase, different database: a different key. */
    assert_int_equal(store_open_text(b, "reporter_contacts", "contact", "R", sealed, &out, &err),
                     STORE_ERR_KEY);
    FREE(&err);
    free(sealed);
    store_free(&a);
    store_free(&b);
    free(p1);
    free(p2);
}

static void test_keyring_key_and_rewrap(void **state)
{
    unsigned char key[STORE_VAULT_KEY_BYTES], bad[STORE_VAULT_KEY_BYTES];
    char *path, *err = NULL, *id, *c, fp[17];
    struct store *s = store_test_open(&path);
    size_t m;
    int rc;

    (void)state;
    assert_false(store_vault_key(s, key));
    assert_int_equal(store_vault_fingerprint(s, fp, &err), STORE_ERR_NOT_FOUND);
    FREE(&err);
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    assert_int_equal(store_vault_fingerprint(s, fp, &err), STORE_OK);
    assert_int_equal(strlen(fp), 16);
    id = add_report(s, PHONE, timeutil_now_ms());
    assert_true(store_vault_key(s, key));
    assert_int_equal(store_vault_rewrap(s, "a new passphrase", STORE_TEST_FAST, &err), STORE_OK);
    store_free(&s);

    s = reopen(path);
    memcpy(bad, key, sizeof bad);
    bad[1] ^= 1; /* not bit 0: X25519 clamps the low bits of byte 0 */
    assert_int_equal(store_vault_unlock_key(s, bad, &err), STORE_ERR_KEY);
    FREE(&err);
    assert_int_equal(store_vault_unlock(s, PASS, &err), STORE_ERR_KEY);
    FREE(&err);
    assert_int_equal(store_vault_unlock(s, "a new passphrase", &err), STORE_OK);
    store_vault_lock(s);
    assert_int_equal(store_vault_unlock_key(s, key, &err), STORE_OK);
    c = contact_of(s, id, &rc);
    assert_string_equal(c, PHONE);
    free(c);
    store_free(&s);
    free(id);
    free(path);
}

static void test_purge(void **state)
{
    char *path, *err = NULL, *old, *fresh, *c;
    struct store *s = store_test_open(&path);
    struct store_purge_stats st;
    const int64_t h = 3600 * 1000LL, t0 = 1795341600000LL; /* 2026-11-22T10:00Z */
    int64_t nops_before, nops_after;
    int rc;

    (void)state;
    old = add_report(s, PHONE, t0);                      /* expires t0+4h */
    fresh = add_report(s, "+15550002222", t0 + 100 * h); /* expires t0+104h */
    store_op_count(s, &nops_before);
    /* Before the window: nothing. */
    assert_int_equal(store_purge_contacts(s, t0 + 3 * h, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.contacts, 0);
    assert_true(file_has(path, "5558675309"));
    /* After the first one's window. */
    assert_int_equal(store_purge_contacts(s, t0 + 5 * h, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.contacts, 1);
    assert_int_equal(st.ops, 1);
    store_op_count(s, &nops_after);
    /* The purge is an op (so it syncs) plus its event's ops. */
    assert_true(nops_after > nops_before);
    c = contact_of(s, old, &rc);
    assert_int_equal(rc, STORE_OK);
    assert_null(c);
    c = contact_of(s, fresh, &rc);
    assert_string_equal(c, "+15550002222");
    free(c);
    /* Purging again finds nothing. */
    assert_int_equal(store_purge_contacts(s, t0 + 5 * h, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.contacts, 0);
    store_free(&s);
    /* secure_delete and the truncated WAL: the bytes are gone from the file. */
    assert_false(file_has(path, "5558675309"));
    assert_true(file_has(path, "5550002222"));
    free(old);
    free(fresh);
    free(path);
}

static void test_wipe_prepare(void **state)
{
    char *path, *err = NULL, *id;
    struct store *s = store_test_open(&path);
    size_t m;

    (void)state;
    id = add_report(s, PHONE, timeutil_now_ms());
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    assert_true(file_has(path, "vault.wrapped"));
    assert_int_equal(store_wipe_prepare(&s, &err), STORE_OK);
    assert_null(s);
    assert_false(file_has(path, "vault.wrapped"));
    assert_false(file_has(path, "vg:"));
    free(id);
    free(path);
}

static void test_remote_plaintext_sealed(void **state)
{
    char *path, *err = NULL, *c, dev[ULID_LEN + 1], row[ULID_LEN + 1];
    struct store *s = store_test_open(&path);
    struct store_apply_stats st;
    uint64_t hlc = (uint64_t)timeutil_now_ms() << 16;
    size_t m;
    int rc;

    (void)state;
    assert_int_equal(store_vault_setup(s, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    ulid_new(timeutil_now_ms(), dev);
    ulid_new(timeutil_now_ms(), row);
    /* Another device, without a passphrase, sends the contact in the clear. */
    struct store_op ops[] = {
        {.hlc = hlc,
         .tbl = "reporter_contacts",
         .row_id = row,
         .col = "report_id",
         .v = store_text(row)},
        {.hlc = hlc,
         .tbl = "reporter_contacts",
         .row_id = row,
         .col = "contact",
         .v = store_text(PHONE)},
        {.hlc = hlc,
         .tbl = "reporter_contacts",
         .row_id = row,
         .col = "created_at",
         .v = store_int(1)},
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(ops); i++)
        memcpy(ops[i].device, dev, sizeof dev);
    assert_int_equal(store_sync_apply(s, ops, UTIL_ARRAY_LEN(ops), &st, &err), STORE_OK);
    c = contact_of(s, row, &rc);
    assert_int_equal(rc, STORE_OK);
    assert_string_equal(c, PHONE);
    free(c);
    store_vault_lock(s);
    c = contact_of(s, row, &rc);
    assert_int_equal(rc, STORE_ERR_LOCKED);
    store_free(&s);
    assert_false(file_has(path, "5558675309"));
    free(path);
}

static void test_adopt_network_key(void **state)
{
    unsigned char key[STORE_VAULT_KEY_BYTES];
    char *pa, *pb, *err = NULL, *sealed, *out = NULL, *idb, *c;
    struct store *a = store_test_open(&pa), *b = store_test_open(&pb);
    size_t m, resealed;
    int rc;

    (void)state;
    assert_int_equal(store_vault_setup(a, PASS, STORE_TEST_FAST, &m, &err), STORE_OK);
    assert_int_equal(store_vault_setup(b, "b's own passphrase", STORE_TEST_FAST, &m, &err),
                     STORE_OK);
    idb = add_report(b, "+15550003333", timeutil_now_ms());
    sealed = store_seal_text(a, "reporter_contacts", "contact", "R", PHONE, &err);
    assert_int_equal(store_open_text(b, "reporter_contacts", "contact", "R", sealed, &out, &err),
                     STORE_ERR_KEY);
    FREE(&err);
    /* B joins A's network and takes its vault key. */
    assert_true(store_vault_key(a, key));
    store_vault_lock(b);
    assert_int_equal(
        store_vault_adopt(b, key, "b's own passphrase", STORE_TEST_FAST, &resealed, &err),
        STORE_ERR_LOCKED);
    FREE(&err);
    assert_int_equal(store_vault_unlock(b, "b's own passphrase", &err), STORE_OK);
    assert_int_equal(
        store_vault_adopt(b, key, "b's own passphrase", STORE_TEST_FAST, &resealed, &err),
        STORE_OK);
    assert_int_equal(resealed, 2); /* B's contact: row and op */
    assert_int_equal(store_open_text(b, "reporter_contacts", "contact", "R", sealed, &out, &err),
                     STORE_OK);
    assert_string_equal(out, PHONE);
    FREE(&out);
    store_free(&b);
    b = reopen(pb);
    assert_int_equal(store_vault_unlock(b, PASS, &err), STORE_ERR_KEY);
    FREE(&err);
    assert_int_equal(store_vault_unlock(b, "b's own passphrase", &err), STORE_OK);
    c = contact_of(b, idb, &rc);
    assert_int_equal(rc, STORE_OK);
    assert_string_equal(c, "+15550003333");
    free(c);
    free(sealed);
    free(idb);
    store_free(&a);
    store_free(&b);
    free(pa);
    free(pb);
}

static void test_purge_followups(void **state)
{
    char *path, *err = NULL, *keep_id;
    struct store *s = store_test_open(&path);
    struct store_purge_stats st;
    struct model_report r, got;
    const int64_t day = 24 * 3600 * 1000LL, t0 = 1795341600000LL;

    (void)state;
    model_report_init(&r);
    r.category = MODEL_CAT_DETENTION;
    r.status = MODEL_STATUS_CLOSED;
    r.location = xstrdup("1234 Main St, Apt 5");
    r.what = xstrdup("Xochitl Quetzalcoatl detained; sister Yolotzin asks for a lawyer");
    r.agency = xstrdup("ICE ERO Zacatecas office");
    r.received_at = r.updated_at = t0;
    assert_int_equal(store_report_insert(s, &r, NULL, "tester", &err), STORE_OK);
    /* Other reports keep their text whatever their age. */
    keep_id = add_report(s, NULL, t0);
    assert_true(file_has(path, "Quetzalcoatl"));
    /* Closed at t0: at t0 + 29 days the 30-day cut-off is before it. */
    struct store_purge_windows w = {.followups_before = t0 + 29 * day - 30 * day};
    assert_int_equal(store_purge(s, &w, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.followups, 0);
    w.followups_before = t0 + 31 * day - 30 * day;
    assert_int_equal(store_purge(s, &w, "tester", &st, &err), STORE_OK);
    assert_int_equal(st.followups, 1);
    assert_int_equal(store_report_get(s, r.id, &got, &err), STORE_OK);
    assert_string_equal(got.what, "");
    assert_null(got.agency);
    assert_string_equal(got.location, "Main St");
    assert_int_equal(got.status, MODEL_STATUS_CLOSED);
    model_report_fini(&got);
    /* Search no longer finds the words. */
    struct store_filter f;
    size_t n = 9;
    store_filter_init(&f);
    f.search = "Quetzalcoatl";
    assert_int_equal(store_report_count(s, &f, &n, &err), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_report_get(s, keep_id, &got, &err), STORE_OK);
    assert_string_equal(got.what, "three vans");
    model_report_fini(&got);
    store_free(&s);
    assert_false(file_has(path, "Quetzalcoatl"));
    assert_false(file_has(path, "Yolotzin"));
    assert_false(file_has(path, "Zacatecas"));
    model_report_fini(&r);
    free(keep_id);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_vault_plaintext),
        cmocka_unit_test(test_setup_migrates_and_seals),
        cmocka_unit_test(test_round_trip_and_binding),
        cmocka_unit_test(test_other_vault_cannot_open),
        cmocka_unit_test(test_keyring_key_and_rewrap),
        cmocka_unit_test(test_purge),
        cmocka_unit_test(test_wipe_prepare),
        cmocka_unit_test(test_remote_plaintext_sealed),
        cmocka_unit_test(test_adopt_network_key),
        cmocka_unit_test(test_purge_followups),
    };

    return store_test_run("vault", tests, sizeof tests / sizeof tests[0]);
}
