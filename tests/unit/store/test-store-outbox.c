/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/store/store-outbox.c: a verifier's message in the
 * outbox. Queueing is idempotent per assignment (the key is the id); the
 * claim and the outcomes carry the assignment's message_state along (queued,
 * sending, sent, uncertain, queued again); a sent row forgets the number; a
 * message whose assignment was closed before it left is skipped, never sent; a
 * sealed contact is copied as it is, not claimed while the vault is locked
 * (counted as waiting, not due, no attempt spent) and opens with the
 * verifier's associated data once it is unlocked.
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

#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/store.h"

#include "store-test.h"

#define VER "01BBBBBBBBBBBBBBBBBBBBBBB1"
#define REP "01CCCCCCCCCCCCCCCCCCCCCCC1"
#define PASS "correct horse battery staple"

/* A verifier, and an assignment of them with message_state "queued". */
static void roster(struct store *s, const char *aid)
{
    struct store_col v[] = {{"name", store_text("Rosa")},
                            {"contact", store_text("+15550000009")},
                            {"channel", store_text("sms")}};
    struct store_col a[] = {{"report_id", store_text(REP)},
                            {"verifier_id", store_text(VER)},
                            {"state", store_text("assigned")},
                            {"message", store_text("vigia: Rosa, please go and look")},
                            {"message_state", store_text("queued")}};

    store_test_write(s, "verifiers", VER, v, UTIL_ARRAY_LEN(v));
    store_test_write(s, "assignments", aid, a, UTIL_ARRAY_LEN(a));
}

/* The verifier's contact as stored (sealed or not). */
static char *raw_contact(struct store *s)
{
    struct model_verifier v;
    char *out;

    assert_int_equal(store_verifier_get(s, VER, &v, NULL), STORE_OK);
    out = xstrdup(v.contact);
    model_verifier_fini(&v);
    return out;
}

static bool enqueue(struct store *s, const char *aid, const char *contact)
{
    struct store_outbox_msg m = {.assignment_id = aid,
                                 .verifier_id = VER,
                                 .channel = "sms",
                                 .contact = contact,
                                 .language = "es",
                                 .body = "vigia: Rosa, please go and look"};
    char *err = NULL;
    bool added = false;

    assert_int_equal(store_begin(s, &err), STORE_OK);
    assert_int_equal(store_outbox_enqueue_tx(s, &m, &added, &err), STORE_OK);
    assert_int_equal(store_commit(s, &err), STORE_OK);
    return added;
}

static char *message_state(struct store *s, const char *aid)
{
    struct model_assignment a;
    char *out;

    assert_int_equal(store_assignment_get(s, aid, &a, NULL), STORE_OK);
    out = xstrdup(a.message_state ? a.message_state : "");
    model_assignment_fini(&a);
    return out;
}

static void assert_state(struct store *s, const char *aid, const char *want)
{
    char *got = message_state(s, aid);

    assert_string_equal(got, want);
    free(got);
}

static size_t claim(struct store *s, struct store_outbox_row **rows)
{
    size_t n = 0, skipped = 0;
    char *err = NULL;

    assert_int_equal(store_outbox_claim(s, "sms", timeutil_now_ms(), 16, rows, &n, &skipped, &err),
                     STORE_OK);
    assert_int_equal(skipped, 0);
    return n;
}

static void finish(struct store *s, int64_t rowid, enum store_outbox_state state)
{
    struct store_outbox_result r = {.rowid = rowid, .state = state, .gateway_id = "SM1"};
    char *err = NULL;

    assert_int_equal(store_outbox_finish(s, &r, 1, &err), STORE_OK);
}

static void test_enqueue_once(void **state)
{
    struct store *s = store_test_open(NULL);
    const char *aid = "01DDDDDDDDDDDDDDDDDDDDDDD1";
    char key[STORE_OUTBOX_KEY_LEN + 1], bkey[STORE_OUTBOX_KEY_LEN + 1];
    struct store_outbox_row o;
    size_t counts[STORE_OUTBOX_NSTATES];

    (void)state;
    roster(s, aid);
    assert_true(enqueue(s, aid, "+15550000009"));
    /* A retry of the same assignment (a crash, a second click) queues nothing more. */
    assert_false(enqueue(s, aid, "+15550000009"));
    assert_int_equal(store_outbox_counts(s, NULL, counts, NULL), STORE_OK);
    assert_int_equal(counts[STORE_OUTBOX_QUEUED], 1);
    assert_int_equal(store_outbox_of_assignment(s, aid, &o, NULL), STORE_OK);
    store_outbox_single_key(aid, VER, "sms", key);
    store_outbox_key(aid, VER, "sms", bkey);
    assert_string_equal(o.key, key);
    assert_string_equal(o.id, key);
    assert_string_not_equal(key, bkey); /* apart from broadcast keys */
    assert_null(o.broadcast_id);
    assert_null(o.subscriber_id);
    assert_string_equal(o.verifier_id, VER);
    assert_string_equal(o.body, "vigia: Rosa, please go and look");
    store_outbox_row_fini(&o);
    /* Broadcast bookkeeping never sees it. */
    {
        char **ids = NULL;
        size_t n = 0;
        assert_int_equal(store_outbox_broadcasts(s, &ids, &n, NULL), STORE_OK);
        assert_int_equal(n, 0);
        free(ids);
    }
    assert_int_equal(store_outbox_of_assignment(s, "01DDDDDDDDDDDDDDDDDDDDDDD9", &o, NULL),
                     STORE_ERR_NOT_FOUND);
    store_free(&s);
}

static void test_state_follows(void **state)
{
    struct store *s = store_test_open(NULL);
    const char *aid = "01DDDDDDDDDDDDDDDDDDDDDDD2";
    struct store_outbox_row *rows = NULL, o;
    size_t n, retried = 0;

    (void)state;
    roster(s, aid);
    enqueue(s, aid, "+15550000009");
    n = claim(s, &rows);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].assignment_id, aid);
    assert_string_equal(rows[0].contact, "+15550000009");
    assert_int_equal(rows[0].attempts, 1);
    assert_state(s, aid, "sending");
    /* The answer was lost: uncertain, then a dispatcher checked and sends it again. */
    finish(s, rows[0].rowid, STORE_OUTBOX_UNCERTAIN);
    assert_state(s, aid, "uncertain");
    assert_int_equal(store_outbox_retry_uncertain(s, NULL, &retried, NULL), STORE_OK);
    assert_int_equal(retried, 1);
    assert_state(s, aid, "queued");
    store_outbox_rows_free(&rows, n);
    n = claim(s, &rows);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].attempts, 2);
    finish(s, rows[0].rowid, STORE_OUTBOX_SENT);
    assert_state(s, aid, "sent");
    store_outbox_rows_free(&rows, n);
    /* Sent: nothing more to claim, and the verifier's number is not kept. */
    assert_int_equal(claim(s, &rows), 0);
    store_outbox_rows_free(&rows, 0);
    assert_int_equal(store_outbox_of_assignment(s, aid, &o, NULL), STORE_OK);
    assert_int_equal(o.state, STORE_OUTBOX_SENT);
    assert_null(o.contact);
    assert_null(o.body); /* the text stays on the assignment */
    assert_string_equal(o.gateway_id, "SM1");
    store_outbox_row_fini(&o);
    store_free(&s);
}

static void test_closed_assignment_skipped(void **state)
{
    struct store *s = store_test_open(NULL);
    const char *aid = "01DDDDDDDDDDDDDDDDDDDDDDD4";
    struct store_col released[] = {{"state", store_text("released")}};
    struct store_outbox_row *rows = NULL, o;
    size_t n = 0, skipped = 0;
    char *err = NULL;

    (void)state;
    roster(s, aid);
    enqueue(s, aid, "+15550000009");
    /* Released (here or by another dispatcher) before the message left: never sent. */
    store_test_write(s, "assignments", aid, released, 1);
    assert_int_equal(store_outbox_claim(s, "sms", timeutil_now_ms(), 16, &rows, &n, &skipped, &err),
                     STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(skipped, 1);
    store_outbox_rows_free(&rows, n);
    assert_state(s, aid, "skipped");
    assert_int_equal(store_outbox_of_assignment(s, aid, &o, NULL), STORE_OK);
    assert_int_equal(o.state, STORE_OUTBOX_SKIPPED);
    assert_null(o.contact);
    assert_null(o.body);
    store_outbox_row_fini(&o);
    store_free(&s);
}

static void test_sealed_waits_for_vault(void **state)
{
    struct store *s = store_test_open(NULL);
    const char *aid = "01DDDDDDDDDDDDDDDDDDDDDDD3";
    struct store_outbox_row *rows = NULL, o;
    size_t n, migrated = 0, waiting = 9, retrying = 9;
    int64_t due = 0;
    char *sealed, *plain = NULL, *err = NULL;

    (void)state;
    roster(s, aid);
    if (store_vault_setup(s, PASS, STORE_TEST_FAST, &migrated, &err) != STORE_OK)
        fail_msg("%s", err);
    store_vault_lock(s);
    sealed = raw_contact(s);
    assert_true(store_vault_is_sealed(sealed));
    /* Copied as it is: queued without the passphrase. */
    assert_true(enqueue(s, aid, sealed));
    assert_int_equal(store_outbox_of_assignment(s, aid, &o, NULL), STORE_OK);
    assert_string_equal(o.contact, sealed);
    store_outbox_row_fini(&o);
    /* Locked: not claimed, not due, counted as waiting, no attempt spent. */
    assert_int_equal(claim(s, &rows), 0);
    store_outbox_rows_free(&rows, 0);
    assert_int_equal(store_outbox_locked(s, &waiting, NULL), STORE_OK);
    assert_int_equal(waiting, 1);
    assert_int_equal(store_outbox_pending(s, "sms", &due, &retrying, NULL), STORE_OK);
    assert_int_equal(due, -1);
    assert_state(s, aid, "queued");
    /* Unlocked: claimed, and it opens with the verifier's associated data. */
    assert_int_equal(store_vault_unlock(s, PASS, &err), STORE_OK);
    assert_int_equal(store_outbox_locked(s, &waiting, NULL), STORE_OK);
    assert_int_equal(waiting, 0);
    n = claim(s, &rows);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].attempts, 1);
    assert_string_equal(rows[0].contact, sealed);
    assert_int_equal(store_outbox_open_contact(s, &rows[0], &plain, &err), STORE_OK);
    assert_string_equal(plain, "+15550000009");
    free(plain);
    /* A sealed value moved to another recipient does not open. */
    FREE(&rows[0].verifier_id);
    rows[0].verifier_id = xstrdup("01BBBBBBBBBBBBBBBBBBBBBBB2");
    assert_int_equal(store_outbox_open_contact(s, &rows[0], &plain, &err), STORE_ERR_KEY);
    assert_null(plain);
    free(err);
    err = NULL;
    /* Locked again: opening says so, it never yields the ciphertext. */
    store_vault_lock(s);
    FREE(&rows[0].verifier_id);
    rows[0].verifier_id = xstrdup(VER);
    assert_int_equal(store_outbox_open_contact(s, &rows[0], &plain, &err), STORE_ERR_LOCKED);
    assert_null(plain);
    free(err);
    store_outbox_rows_free(&rows, n);
    free(sealed);
    store_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enqueue_once),
        cmocka_unit_test(test_state_follows),
        cmocka_unit_test(test_closed_assignment_skipped),
        cmocka_unit_test(test_sealed_waits_for_vault),
    };

    return store_test_run("store-outbox", tests, sizeof tests / sizeof tests[0]);
}
