/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/model/lifecycle.c: every rule of the report lifecycle
 * (which edges exist, which need a note, what confirming needs), the
 * priority with incident size and evidence, and which reports are near
 * enough to be offered for linking.
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

static const struct model_evidence none = {false, false};
static const struct model_evidence witness = {true, false};
static const struct model_evidence verifier = {false, true};

/* Run one change; on refusal the reason must be a non-empty message. */
static bool change(enum model_status from, enum model_status to, const struct model_evidence *ev,
                   const char *note)
{
    char *err = NULL;
    bool ok = model_status_change_ok(from, to, ev, note, &err);

    if (ok)
        assert_null(err);
    else {
        assert_non_null(err);
        assert_true(strlen(err) > 5);
    }
    free(err);
    return ok;
}

static void test_same_state_refused(void **state)
{
    char *err = NULL;

    (void)state;
    for (int s = 0; s < MODEL_STATUS_COUNT; s++) {
        assert_false(model_status_allowed((enum model_status)s, (enum model_status)s));
        assert_false(change((enum model_status)s, (enum model_status)s, &witness, "note"));
    }
    assert_false(
        model_status_change_ok(MODEL_STATUS_VERIFYING, MODEL_STATUS_VERIFYING, &none, NULL, &err));
    assert_non_null(strstr(err, "already"));
    free(err);
}

static void test_never_back_to_new(void **state)
{
    (void)state;
    for (int s = 1; s < MODEL_STATUS_COUNT; s++)
        assert_false(change((enum model_status)s, MODEL_STATUS_NEW, &witness, "note"));
}

static void test_forward_path_needs_no_note(void **state)
{
    (void)state;
    assert_true(change(MODEL_STATUS_NEW, MODEL_STATUS_TRIAGED, &none, NULL));
    assert_true(change(MODEL_STATUS_TRIAGED, MODEL_STATUS_VERIFYING, &none, NULL));
    assert_true(change(MODEL_STATUS_NEW, MODEL_STATUS_VERIFYING, &none, NULL));
    assert_true(change(MODEL_STATUS_VERIFYING, MODEL_STATUS_STALE, &none, NULL));
    assert_true(change(MODEL_STATUS_CONFIRMED, MODEL_STATUS_CLOSED, &none, NULL));
    assert_true(change(MODEL_STATUS_FALSE_ALARM, MODEL_STATUS_CLOSED, &none, NULL));
}

static void test_confirm_needs_evidence_and_reason(void **state)
{
    char *err = NULL;

    (void)state;
    /* No first-hand witness and no verifier: refused even with a reason. */
    assert_false(model_status_change_ok(MODEL_STATUS_VERIFYING, MODEL_STATUS_CONFIRMED, &none,
                                        "looks real", &err));
    assert_non_null(strstr(err, "first-hand"));
    free(err);
    err = NULL;
    assert_false(change(MODEL_STATUS_VERIFYING, MODEL_STATUS_CONFIRMED, NULL, "looks real"));
    /* Evidence but no reason. */
    assert_false(model_status_change_ok(MODEL_STATUS_VERIFYING, MODEL_STATUS_CONFIRMED, &witness,
                                        NULL, &err));
    assert_non_null(strstr(err, "reason"));
    free(err);
    assert_false(change(MODEL_STATUS_VERIFYING, MODEL_STATUS_CONFIRMED, &witness, "  \t "));
    /* Either kind of evidence with a reason. */
    assert_true(change(MODEL_STATUS_VERIFYING, MODEL_STATUS_CONFIRMED, &witness, "HSI vests"));
    assert_true(change(MODEL_STATUS_VERIFYING, MODEL_STATUS_CONFIRMED, &verifier, "saw it"));
    assert_true(change(MODEL_STATUS_TRIAGED, MODEL_STATUS_CONFIRMED, &witness, "HSI vests"));
    assert_true(change(MODEL_STATUS_STALE, MODEL_STATUS_CONFIRMED, &verifier, "still there"));
    /* Not straight from new: someone must look first. */
    assert_false(change(MODEL_STATUS_NEW, MODEL_STATUS_CONFIRMED, &witness, "HSI vests"));
    assert_true(model_status_needs_note(MODEL_STATUS_VERIFYING, MODEL_STATUS_CONFIRMED));
}

static void test_negative_verdicts_need_a_note(void **state)
{
    const enum model_status verdicts[] = {MODEL_STATUS_NOT_CONFIRMED, MODEL_STATUS_POLICE_ONLY,
                                          MODEL_STATUS_FALSE_ALARM};
    const enum model_status froms[] = {MODEL_STATUS_NEW, MODEL_STATUS_TRIAGED,
                                       MODEL_STATUS_VERIFYING, MODEL_STATUS_STALE};

    (void)state;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(verdicts); i++)
        for (size_t k = 0; k < UTIL_ARRAY_LEN(froms); k++) {
            assert_true(model_status_needs_note(froms[k], verdicts[i]));
            assert_false(change(froms[k], verdicts[i], &witness, NULL));
            assert_false(change(froms[k], verdicts[i], &witness, ""));
            assert_false(change(froms[k], verdicts[i], &witness, " \n"));
            /* No evidence needed to say it was nothing. */
            assert_true(change(froms[k], verdicts[i], &none, "local police"));
        }
}

static void test_false_alarm_message(void **state)
{
    char *err = NULL;

    (void)state;
    assert_false(model_status_change_ok(MODEL_STATUS_VERIFYING, MODEL_STATUS_FALSE_ALARM, &none,
                                        NULL, &err));
    assert_non_null(strstr(err, "false alarm"));
    free(err);
    /* A NULL err is allowed. */
    assert_false(model_status_change_ok(MODEL_STATUS_VERIFYING, MODEL_STATUS_POLICE_ONLY, &none,
                                        NULL, NULL));
}

static void test_corrections_between_verdicts(void **state)
{
    (void)state;
    assert_true(change(MODEL_STATUS_CONFIRMED, MODEL_STATUS_FALSE_ALARM, &none, "it was a film"));
    assert_false(change(MODEL_STATUS_CONFIRMED, MODEL_STATUS_FALSE_ALARM, &none, NULL));
    assert_true(change(MODEL_STATUS_POLICE_ONLY, MODEL_STATUS_CONFIRMED, &verifier, "ERO vests"));
    assert_false(change(MODEL_STATUS_POLICE_ONLY, MODEL_STATUS_CONFIRMED, &none, "ERO vests"));
}

static void test_closing_and_reopening(void **state)
{
    (void)state;
    /* Closing without a verdict needs a reason; after a verdict it does not. */
    assert_false(change(MODEL_STATUS_NEW, MODEL_STATUS_CLOSED, &none, NULL));
    assert_true(change(MODEL_STATUS_NEW, MODEL_STATUS_CLOSED, &none, "test call"));
    assert_false(change(MODEL_STATUS_VERIFYING, MODEL_STATUS_CLOSED, &none, NULL));
    assert_false(change(MODEL_STATUS_STALE, MODEL_STATUS_CLOSED, &none, NULL));
    assert_true(change(MODEL_STATUS_NOT_CONFIRMED, MODEL_STATUS_CLOSED, &none, NULL));
    /* A closed report is reopened before it gets another verdict. */
    assert_false(change(MODEL_STATUS_CLOSED, MODEL_STATUS_FALSE_ALARM, &none, "old post"));
    assert_false(change(MODEL_STATUS_CLOSED, MODEL_STATUS_CONFIRMED, &witness, "seen"));
    assert_false(change(MODEL_STATUS_CLOSED, MODEL_STATUS_STALE, &none, NULL));
    assert_false(change(MODEL_STATUS_CLOSED, MODEL_STATUS_VERIFYING, &none, NULL));
    assert_true(change(MODEL_STATUS_CLOSED, MODEL_STATUS_VERIFYING, &none, "new caller"));
    assert_false(change(MODEL_STATUS_FALSE_ALARM, MODEL_STATUS_TRIAGED, &none, NULL));
    assert_true(change(MODEL_STATUS_FALSE_ALARM, MODEL_STATUS_TRIAGED, &none, "new photo"));
}

static void test_stale_only_when_open(void **state)
{
    (void)state;
    assert_true(change(MODEL_STATUS_NEW, MODEL_STATUS_STALE, &none, NULL));
    assert_true(change(MODEL_STATUS_TRIAGED, MODEL_STATUS_STALE, &none, NULL));
    assert_false(change(MODEL_STATUS_CONFIRMED, MODEL_STATUS_STALE, &none, NULL));
    assert_false(change(MODEL_STATUS_FALSE_ALARM, MODEL_STATUS_STALE, &none, NULL));
    assert_true(change(MODEL_STATUS_STALE, MODEL_STATUS_VERIFYING, &none, NULL));
}

static void test_targets(void **state)
{
    enum model_status out[MODEL_STATUS_COUNT];
    size_t n;
    bool seen_triaged = false;

    (void)state;
    n = model_status_targets(MODEL_STATUS_NEW, out);
    assert_true(n > 0 && n < MODEL_STATUS_COUNT);
    for (size_t i = 0; i < n; i++) {
        assert_int_not_equal(out[i], MODEL_STATUS_NEW);
        assert_int_not_equal(out[i], MODEL_STATUS_CONFIRMED);
        seen_triaged |= out[i] == MODEL_STATUS_TRIAGED;
    }
    assert_true(seen_triaged);
    n = model_status_targets(MODEL_STATUS_CLOSED, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], MODEL_STATUS_TRIAGED);
    assert_int_equal(out[1], MODEL_STATUS_VERIFYING);
    /* Every target listed is allowed, every other state is not. */
    for (int from = 0; from < MODEL_STATUS_COUNT; from++) {
        n = model_status_targets((enum model_status)from, out);
        size_t allowed = 0;
        for (int to = 0; to < MODEL_STATUS_COUNT; to++)
            allowed += model_status_allowed((enum model_status)from, (enum model_status)to);
        assert_int_equal(n, allowed);
    }
}

static void test_priority_full(void **state)
{
    struct model_report r;
    struct model_priority_facts one = {.callers = 1}, three = {.callers = 3},
                                many = {.callers = 20, .indicators = 3, .score = 40},
                                against = {.callers = 1, .score = -8};
    int64_t now = 1800000000000;
    int base, p3, pm, pa;

    (void)state;
    model_report_init(&r);
    r.received_at = now - 30 * 60000;
    base = model_priority(&r, now);
    assert_int_equal(model_priority_full(&r, &one, now), base);
    assert_int_equal(model_priority_full(&r, NULL, now), base);
    p3 = model_priority_full(&r, &three, now);
    assert_int_equal(p3, base + 10);
    pm = model_priority_full(&r, &many, now);
    assert_true(pm > p3);
    assert_true(pm <= 100);
    assert_int_equal(pm, base + 15 + 15 > 100 ? 100 : base + 15 + 15);
    pa = model_priority_full(&r, &against, now);
    assert_true(pa < base);
    /* A settled question is not pushed up by more callers. */
    r.status = MODEL_STATUS_FALSE_ALARM;
    assert_int_equal(model_priority_full(&r, &many, now), model_priority(&r, now));
    model_report_fini(&r);
}

static void mk(struct model_report *r, const char *id, const char *loc, const char *area,
               int64_t at)
{
    model_report_init(r);
    snprintf(r->id, sizeof r->id, "%s", id);
    r->location = xstrdup(loc);
    r->area = area ? xstrdup(area) : NULL;
    r->what = xstrdup("x");
    r->received_at = at;
}

static void test_near(void **state)
{
    struct model_report a, b, c, d, e, f;
    int64_t t = 1800000000000, w = 2 * 3600000;

    (void)state;
    mk(&a, "A", "Home Depot on 5th", "Eastside", t);
    mk(&b, "B", "5th street home depot parking", "eastside", t + 30 * 60000);
    mk(&c, "C", "Depósito de materiales, Calle 8", NULL, t);
    mk(&d, "D", "deposito calle 8", NULL, t + 60000);
    mk(&e, "E", "Lincoln Elementary", "Westside", t);
    mk(&f, "F", "Home Depot on 5th", "Eastside", t + 3 * 3600000);

    assert_true(model_report_near(&a, &b, w));
    assert_true(model_report_near(&b, &a, w));
    /* Accents and case do not matter; "de" and "calle" do not count as words. */
    assert_true(model_report_near(&c, &d, w));
    assert_false(model_report_near(&a, &e, w));
    assert_false(model_report_near(&a, &c, w));
    /* Outside the window. */
    assert_false(model_report_near(&a, &f, w));
    /* Not near itself. */
    assert_false(model_report_near(&a, &a, w));
    /* Positions within 500 m, whatever the text says. */
    e.has_pos = a.has_pos = true;
    a.lat = 34.0500;
    a.lon = -118.2500;
    e.lat = 34.0530;
    e.lon = -118.2500; /* about 330 m north */
    assert_true(model_report_near(&a, &e, w));
    e.lat = 34.0600; /* about 1.1 km */
    assert_false(model_report_near(&a, &e, w));
    model_report_fini(&a);
    model_report_fini(&b);
    model_report_fini(&c);
    model_report_fini(&d);
    model_report_fini(&e);
    model_report_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_state_refused),
        cmocka_unit_test(test_never_back_to_new),
        cmocka_unit_test(test_forward_path_needs_no_note),
        cmocka_unit_test(test_confirm_needs_evidence_and_reason),
        cmocka_unit_test(test_negative_verdicts_need_a_note),
        cmocka_unit_test(test_false_alarm_message),
        cmocka_unit_test(test_corrections_between_verdicts),
        cmocka_unit_test(test_closing_and_reopening),
        cmocka_unit_test(test_stale_only_when_open),
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_priority_full),
        cmocka_unit_test(test_near),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
