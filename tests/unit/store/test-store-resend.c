/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/store/store-resend.c: an assignment's message sent
 * again. Each resend is a new outbox row with its own idempotency key (never
 * the first message's, never another resend's); none is added while a
 * message of the assignment is queued or being sent; the assignment's
 * message_state goes back to "queued"; and once a message was resent, the
 * older uncertain row is not queued again by outbox resend-uncertain.
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

#include "store-test.h"

#define VER "01BBBBBBBBBBBBBBBBBBBBBBB1"
#define REP "01CCCCCCCCCCCCCCCCCCCCCCC1"

static const struct store_outbox_msg *msg(const char *aid)
{
    static struct store_outbox_msg m;

    m = (struct store_outbox_msg){.assignment_id = aid,
                                  .verifier_id = VER,
                                  .channel = "sms",
                                  .contact = "+15550000009",
                                  .body = "vigia: Rosa, please go and look"};
    return &m;
}

/* A verifier and an assignment whose first message is queued. */
static void assigned(struct store *s, const char *aid)
{
    struct store_col v[] = {{"name", store_text("Rosa")},
                            {"contact", store_text("+15550000009")},
                            {"channel", store_text("sms")}};
    struct store_col a[] = {{"report_id", store_text(REP)},
                            {"verifier_id", store_text(VER)},
                            {"state", store_text("assigned")},
                            {"message", store_text("vigia: Rosa, please go and look")},
                            {"message_state", store_text("queued")}};
    char *err = NULL;
    bool added = false;

    store_test_write(s, "verifiers", VER, v, UTIL_ARRAY_LEN(v));
    store_test_write(s, "assignments", aid, a, UTIL_ARRAY_LEN(a));
    assert_int_equal(store_begin(s, &err), STORE_OK);
    assert_int_equal(store_outbox_enqueue_tx(s, msg(aid), &added, &err), STORE_OK);
    assert_int_equal(store_commit(s, &err), STORE_OK);
    assert_true(added);
}

/* Resend in a transaction of its own: the store's code, the key in @key. */
static int resend(struct store *s, const char *aid, char key[STORE_OUTBOX_KEY_LEN + 1])
{
    char *err = NULL;
    int rc;

    assert_int_equal(store_begin(s, &err), STORE_OK);
    rc = store_outbox_resend_tx(s, msg(aid), key, &err);
    if (rc == STORE_OK) {
        assert_int_equal(store_commit(s, &err), STORE_OK);
    } else {
        store_rollback(s);
        assert_non_null(err);
        free(err);
    }
    return rc;
}

static void assert_state(struct store *s, const char *aid, const char *want)
{
    struct model_assignment a;

    assert_int_equal(store_assignment_get(s, aid, &a, NULL), STORE_OK);
    assert_non_null(a.message_state);
    assert_string_equal(a.message_state, want);
    model_assignment_fini(&a);
}

static size_t rows_of(struct store *s, enum store_outbox_state st)
{
    size_t counts[STORE_OUTBOX_NSTATES];

    assert_int_equal(store_outbox_counts(s, NULL, counts, NULL), STORE_OK);
    return counts[st];
}

/* Claim the one due row and answer it with @state. */
static void send_one(struct store *s, enum store_outbox_state state)
{
    struct store_outbox_row *rows = NULL;
    struct store_outbox_result r = {.state = state, .gateway_id = "SM1"};
    size_t n = 0, skipped = 0;
    char *err = NULL;

    assert_int_equal(store_outbox_claim(s, "sms", timeutil_now_ms(), 16, &rows, &n, &skipped, &err),
                     STORE_OK);
    assert_int_equal(n, 1);
    r.rowid = rows[0].rowid;
    assert_int_equal(store_outbox_finish(s, &r, 1, &err), STORE_OK);
    store_outbox_rows_free(&rows, n);
}

static void test_resend_new_key_never_two(void **state)
{
    struct store *s = store_test_open(NULL);
    const char *aid = "01DDDDDDDDDDDDDDDDDDDDDDD1";
    char first[STORE_OUTBOX_KEY_LEN + 1], k1[STORE_OUTBOX_KEY_LEN + 1],
        k2[STORE_OUTBOX_KEY_LEN + 1];
    struct store_outbox_row o;
    bool busy = false;

    (void)state;
    assigned(s, aid);
    store_outbox_single_key(aid, VER, "sms", first);
    /* Queued: refused, nothing added. */
    assert_int_equal(store_outbox_in_flight(s, aid, &busy, NULL), STORE_OK);
    assert_true(busy);
    assert_int_equal(resend(s, aid, k1), STORE_ERR_INVALID);
    assert_int_equal(rows_of(s, STORE_OUTBOX_QUEUED), 1);
    /* Failed: a resend is a new row with a new key, queued, and the state follows. */
    send_one(s, STORE_OUTBOX_FAILED);
    assert_state(s, aid, "failed");
    assert_int_equal(store_outbox_in_flight(s, aid, &busy, NULL), STORE_OK);
    assert_false(busy);
    assert_int_equal(resend(s, aid, k1), STORE_OK);
    assert_string_not_equal(k1, first);
    assert_state(s, aid, "queued");
    assert_int_equal(rows_of(s, STORE_OUTBOX_QUEUED), 1);
    assert_int_equal(store_outbox_of_assignment(s, aid, &o, NULL), STORE_OK);
    assert_string_equal(o.key, k1);
    assert_string_equal(o.body, "vigia: Rosa, please go and look");
    assert_string_equal(o.contact, "+15550000009");
    store_outbox_row_fini(&o);
    /* Queued, then being sent: refused both times. */
    assert_int_equal(resend(s, aid, k2), STORE_ERR_INVALID);
    {
        struct store_outbox_row *rows = NULL;
        size_t n = 0, skipped = 0;
        assert_int_equal(
            store_outbox_claim(s, "sms", timeutil_now_ms(), 16, &rows, &n, &skipped, NULL),
            STORE_OK);
        assert_int_equal(n, 1);
        assert_state(s, aid, "sending");
        assert_int_equal(resend(s, aid, k2), STORE_ERR_INVALID);
        struct store_outbox_result r = {.rowid = rows[0].rowid, .state = STORE_OUTBOX_SENT};
        assert_int_equal(store_outbox_finish(s, &r, 1, NULL), STORE_OK);
        store_outbox_rows_free(&rows, n);
    }
    assert_state(s, aid, "sent");
    /* Sent: a deliberate second copy has a key of its own again. */
    assert_int_equal(resend(s, aid, k2), STORE_OK);
    assert_string_not_equal(k2, k1);
    assert_string_not_equal(k2, first);
    assert_int_equal(rows_of(s, STORE_OUTBOX_QUEUED), 1);
    assert_int_equal(rows_of(s, STORE_OUTBOX_SENT), 1);
    assert_int_equal(rows_of(s, STORE_OUTBOX_FAILED), 1);
    store_free(&s);
}

static void test_resend_after_uncertain(void **state)
{
    struct store *s = store_test_open(NULL);
    const char *aid = "01DDDDDDDDDDDDDDDDDDDDDDD2";
    char key[STORE_OUTBOX_KEY_LEN + 1];
    size_t retried = 9;

    (void)state;
    assigned(s, aid);
    send_one(s, STORE_OUTBOX_UNCERTAIN);
    assert_state(s, aid, "uncertain");
    assert_int_equal(resend(s, aid, key), STORE_OK);
    assert_state(s, aid, "queued");
    /* The older uncertain row stays as it is: resend-uncertain does not queue a second one. */
    assert_int_equal(store_outbox_retry_uncertain(s, NULL, &retried, NULL), STORE_OK);
    assert_int_equal(retried, 0);
    assert_int_equal(rows_of(s, STORE_OUTBOX_QUEUED), 1);
    assert_int_equal(rows_of(s, STORE_OUTBOX_UNCERTAIN), 1);
    store_free(&s);
}

static void test_outside_transaction(void **state)
{
    struct store *s = store_test_open(NULL);
    const char *aid = "01DDDDDDDDDDDDDDDDDDDDDDD3";
    char *err = NULL;

    (void)state;
    assigned(s, aid);
    assert_int_equal(store_outbox_resend_tx(s, msg(aid), NULL, &err), STORE_ERR_INVALID);
    assert_non_null(err);
    free(err);
    store_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resend_new_key_never_two),
        cmocka_unit_test(test_resend_after_uncertain),
        cmocka_unit_test(test_outside_transaction),
    };

    return store_test_run("store-resend", tests, sizeof tests / sizeof tests[0]);
}
