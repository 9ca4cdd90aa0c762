/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/store/store-broadcast.c: the outbox's state machine.
 * Expansion is idempotent (keys are the ids), follows the audience, and for
 * a follow-up takes exactly the first alert's recipients; claims commit
 * "sending" with the attempt count and skip recipients who opted out after
 * the expansion; outcomes only move rows still sending; pending counts tell
 * retries from held rows; uncertain rows go back to the queue only when asked.
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

static char dir[] = "/tmp/vigia-store-bc-XXXXXX";
static struct store *st;

static void sub(const char *id, const char *contact, const char *channel, const char *lang,
                const char *areas)
{
    struct store_col cols[] = {{"contact", store_text(contact)},
                               {"channel", store_text(channel)},
                               {"language", store_text(lang)},
                               {"areas", store_text(areas)}};
    char *err = NULL;

    assert_int_equal(store_begin(st, &err), STORE_OK);
    assert_int_equal(store_write(st, "subscribers", id, cols, 4, &err), STORE_OK);
    assert_int_equal(store_commit(st, &err), STORE_OK);
}

static int setup(void **state)
{
    char *path, *err = NULL;

    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    path = xasprintf("%s/t.db", dir);
    if (store_open(path, STORE_CREATE, &st, &err) != STORE_OK)
        return -1;
    free(path);
    sub("01AAAAAAAAAAAAAAAAAAAAAAA1", "+15550000001", "sms", "en", "eastside");
    sub("01AAAAAAAAAAAAAAAAAAAAAAA2", "+15550000002", "sms", "es", "westside");
    sub("01AAAAAAAAAAAAAAAAAAAAAAA3", "ana", "file", "es", NULL);
    sub("01AAAAAAAAAAAAAAAAAAAAAAA4", "@bob", "telegram", "en", "eastside");
    return 0;
}

static int teardown(void **state)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);

    (void)state;
    store_free(&st);
    if (system(cmd) != 0)
        return -1;
    free(cmd);
    return 0;
}

static size_t expand(const char *bid, const struct model_audience *au, const char *parent)
{
    size_t n = 0;
    char *err = NULL;

    assert_int_equal(store_begin(st, &err), STORE_OK);
    assert_int_equal(store_outbox_expand_tx(st, bid, au, parent, 0, &n, &err), STORE_OK);
    assert_int_equal(store_commit(st, &err), STORE_OK);
    return n;
}

static void test_key(void **state)
{
    char a[STORE_OUTBOX_KEY_LEN + 1], b[STORE_OUTBOX_KEY_LEN + 1];

    (void)state;
    store_outbox_key("B1", "S1", "sms", a);
    store_outbox_key("B1", "S1", "sms", b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), STORE_OUTBOX_KEY_LEN);
    store_outbox_key("B1", "S1", "signal", b);
    assert_string_not_equal(a, b);
    /* No ambiguity from concatenation: ("B1S", "1") is not ("B1", "S1"). */
    store_outbox_key("B1S", "1", "sms", b);
    assert_string_not_equal(a, b);
}

static void test_expand(void **state)
{
    struct model_audience east = {"eastside", NULL, "sms,file,telegram"};
    size_t c[STORE_OUTBOX_NSTATES];
    char *err = NULL;

    (void)state;
    /* east: +1..01 (sms, eastside), ana (file, every area), @bob (telegram, eastside). */
    assert_int_equal(expand("B1", &east, NULL), 3);
    assert_int_equal(expand("B1", &east, NULL), 0); /* idempotent */
    assert_int_equal(store_outbox_counts(st, "B1", c, &err), STORE_OK);
    assert_int_equal(c[STORE_OUTBOX_QUEUED], 3);
    /* Outside a transaction: refused. */
    size_t n;
    assert_int_not_equal(store_outbox_expand_tx(st, "B9", &east, NULL, 0, &n, &err), STORE_OK);
    FREE(&err);
}

static void test_claim_finish(void **state)
{
    struct store_outbox_row *rows = NULL;
    size_t n = 0, skipped = 0, retrying, c[STORE_OUTBOX_NSTATES];
    int64_t due, now = timeutil_now_ms();
    char *err = NULL;

    (void)state;
    assert_int_equal(store_outbox_claim(st, "sms", now, 10, &rows, &n, &skipped, &err), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].state, STORE_OUTBOX_SENDING);
    assert_int_equal(rows[0].attempts, 1);
    assert_string_equal(rows[0].contact, "+15550000001");
    assert_string_equal(rows[0].id, rows[0].key);
    /* Already sending: not claimed twice. */
    {
        struct store_outbox_row *again = NULL;
        size_t m = 0;
        assert_int_equal(store_outbox_claim(st, "sms", now, 10, &again, &m, &skipped, &err),
                         STORE_OK);
        assert_int_equal(m, 0);
        store_outbox_rows_free(&again, m);
    }
    /* A transient failure: queued again for later; a retry, not a held row. */
    struct store_outbox_result r = {.rowid = rows[0].rowid,
                                    .state = STORE_OUTBOX_QUEUED,
                                    .error = "HTTP 500",
                                    .not_before = now + 60000};
    assert_int_equal(store_outbox_finish(st, &r, 1, &err), STORE_OK);
    assert_int_equal(store_outbox_pending(st, "sms", &due, &retrying, &err), STORE_OK);
    assert_true(due == now + 60000);
    assert_int_equal(retrying, 1);
    /* A second outcome for a row no longer sending changes nothing. */
    r.state = STORE_OUTBOX_SENT;
    assert_int_equal(store_outbox_finish(st, &r, 1, &err), STORE_OK);
    assert_int_equal(store_outbox_counts(st, "B1", c, &err), STORE_OK);
    assert_int_equal(c[STORE_OUTBOX_SENT], 0);
    store_outbox_rows_free(&rows, n);
    /* Later: claimed again, attempt 2, sent. */
    assert_int_equal(store_outbox_claim(st, "sms", now + 61000, 10, &rows, &n, &skipped, &err),
                     STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].attempts, 2);
    r = (struct store_outbox_result){
        .rowid = rows[0].rowid, .state = STORE_OUTBOX_SENT, .gateway_id = "SM1"};
    assert_int_equal(store_outbox_finish(st, &r, 1, &err), STORE_OK);
    store_outbox_rows_free(&rows, n);
    assert_int_equal(store_outbox_pending(st, "sms", &due, &retrying, &err), STORE_OK);
    assert_true(due == -1);
}

static void test_optout_after_expansion(void **state)
{
    struct store_outbox_row *rows = NULL;
    size_t n = 0, skipped = 0, c[STORE_OUTBOX_NSTATES];
    struct store_col cols[] = {{"opted_out_at", store_int(timeutil_now_ms())}};
    char *err = NULL;

    (void)state;
    assert_int_equal(store_begin(st, &err), STORE_OK);
    assert_int_equal(store_write(st, "subscribers", "01AAAAAAAAAAAAAAAAAAAAAAA4", cols, 1, &err),
                     STORE_OK);
    assert_int_equal(store_commit(st, &err), STORE_OK);
    assert_int_equal(
        store_outbox_claim(st, "telegram", timeutil_now_ms(), 10, &rows, &n, &skipped, &err),
        STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(skipped, 1);
    assert_int_equal(store_outbox_counts(st, "B1", c, &err), STORE_OK);
    assert_int_equal(c[STORE_OUTBOX_SKIPPED], 1);
    store_outbox_rows_free(&rows, n);
}

static void test_uncertain_and_followup(void **state)
{
    struct model_audience any = {NULL, NULL, NULL}, files = {NULL, NULL, "file"};
    struct store_outbox_row *rows = NULL;
    size_t n = 0, skipped = 0, c[STORE_OUTBOX_NSTATES];
    char *err = NULL;

    (void)state;
    assert_int_equal(
        store_outbox_claim(st, "file", timeutil_now_ms(), 10, &rows, &n, &skipped, &err), STORE_OK);
    assert_int_equal(n, 1);
    struct store_outbox_result r = {
        .rowid = rows[0].rowid, .state = STORE_OUTBOX_UNCERTAIN, .error = "answer lost"};
    assert_int_equal(store_outbox_finish(st, &r, 1, &err), STORE_OK);
    store_outbox_rows_free(&rows, n);
    assert_int_equal(store_outbox_counts(st, "B1", c, &err), STORE_OK);
    assert_int_equal(c[STORE_OUTBOX_UNCERTAIN], 1);
    /* A follow-up: the first alert's recipients (not the opted-out one), nobody new. */
    sub("01AAAAAAAAAAAAAAAAAAAAAAA5", "+15550000005", "sms", "en", "eastside");
    assert_int_equal(expand("B2", &any, "B1"), 2);   /* +1..01 (sent) and ana (uncertain) */
    assert_int_equal(expand("B3", &files, "B1"), 1); /* only the file channel */
    /* Uncertain rows are resent only when a dispatcher asks. */
    assert_int_equal(store_outbox_retry_uncertain(st, "B1", &n, &err), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_outbox_counts(st, "B1", c, &err), STORE_OK);
    assert_int_equal(c[STORE_OUTBOX_UNCERTAIN], 0);
    assert_int_equal(c[STORE_OUTBOX_QUEUED], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_claim_finish),
        cmocka_unit_test(test_optout_after_expansion),
        cmocka_unit_test(test_uncertain_and_followup),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
