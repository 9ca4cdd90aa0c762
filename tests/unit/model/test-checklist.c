/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/model/checklist.c: answers (yes/no/unknown), merging a
 * network's items into the shipped lists, the effective list of a category
 * (credibility items first), and the verdict hint with its reasons.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vigia/util.h"
#include "vigia/model.h"

static struct model_check_item item(const char *key, const char *brief, int w, int wno, bool source)
{
    struct model_check_item it = {0};

    it.key = (char *)key;
    it.label = (char *)key;
    it.brief = (char *)brief;
    it.weight = w;
    it.weight_no = wno;
    it.source = source;
    return it;
}

static void test_tri(void **state)
{
    enum model_tri t = MODEL_UNKNOWN;

    (void)state;
    assert_true(model_tri_parse("yes", &t));
    assert_int_equal(t, MODEL_YES);
    assert_true(model_tri_parse("N", &t));
    assert_int_equal(t, MODEL_NO);
    assert_true(model_tri_parse("unknown", &t));
    assert_int_equal(t, MODEL_UNKNOWN);
    assert_true(model_tri_parse("sí", &t));
    assert_int_equal(t, MODEL_YES);
    assert_false(model_tri_parse("maybe", &t));
    assert_false(model_tri_parse(NULL, &t));
    assert_string_equal(model_tri_name(MODEL_YES), "yes");
    assert_string_equal(model_tri_name(MODEL_NO), "no");
    assert_string_equal(model_tri_name(MODEL_UNKNOWN), "unknown");
}

static void test_key_valid(void **state)
{
    (void)state;
    assert_true(model_check_key_valid("first_hand"));
    assert_true(model_check_key_valid("a1"));
    assert_false(model_check_key_valid(""));
    assert_false(model_check_key_valid(NULL));
    assert_false(model_check_key_valid("First"));
    assert_false(model_check_key_valid("a-b"));
    assert_false(model_check_key_valid("a/b"));
    assert_false(model_check_key_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 41 */
}

static void test_upsert_and_remove(void **state)
{
    struct model_checklist l;
    struct model_check_item a = item("a", "A", 1, 0, false), b = item("b", "B", 2, 0, false),
                            c = item("c", "C", 3, 0, false), b2 = item("b", "B2", -4, 0, false),
                            rm = item("a", NULL, 0, 0, false);

    (void)state;
    model_checklist_init(&l, "workplace");
    model_checklist_upsert(&l, &a);
    model_checklist_upsert(&l, &b);
    model_checklist_upsert(&l, &c);
    assert_int_equal(l.n, 3);
    /* Same key: replaced in place. */
    model_checklist_upsert(&l, &b2);
    assert_int_equal(l.n, 3);
    assert_int_equal(model_checklist_find(&l, "b"), 1);
    assert_int_equal(l.items[1].weight, -4);
    assert_string_equal(l.items[1].brief, "B2");
    rm.remove = true;
    model_checklist_upsert(&l, &rm);
    assert_int_equal(l.n, 2);
    assert_int_equal(model_checklist_find(&l, "a"), -1);
    assert_int_equal(model_checklist_find(&l, "c"), 1);
    /* Removing a key that is not there changes nothing. */
    model_checklist_upsert(&l, &rm);
    assert_int_equal(l.n, 2);
    model_checklist_fini(&l);
}

static void test_resolve(void **state)
{
    struct model_checklists all;
    struct model_checklist common, dflt, work, out;
    struct model_check_item fh = item("first_hand", "first-hand", 2, -1, true),
                            fresh = item("fresh", "fresh", 1, -3, true),
                            gen = item("ongoing", "ongoing", 1, 0, false),
                            site = item("perimeter", "site surrounded", 3, 0, false),
                            fresh2 = item("fresh", "fresh", 1, -5, true);

    (void)state;
    model_checklists_init(&all);
    model_checklist_init(&common, "common");
    model_checklist_upsert(&common, &fh);
    model_checklist_upsert(&common, &fresh);
    model_checklist_init(&dflt, "default");
    model_checklist_upsert(&dflt, &gen);
    model_checklist_init(&work, "workplace");
    model_checklist_upsert(&work, &site);
    model_checklist_upsert(&work, &fresh2);
    model_checklists_merge(&all, &common);
    model_checklists_merge(&all, &dflt);
    model_checklists_merge(&all, &work);

    /* A category with its own list: common first, its own after. */
    model_checklists_resolve(&all, MODEL_CAT_WORKPLACE, &out);
    assert_int_equal(out.n, 3);
    assert_string_equal(out.items[0].key, "first_hand");
    assert_string_equal(out.items[1].key, "fresh");
    assert_int_equal(out.items[1].weight_no, -5); /* overridden in place */
    assert_string_equal(out.items[2].key, "perimeter");
    model_checklist_fini(&out);
    /* Without one: common and the default list. */
    model_checklists_resolve(&all, MODEL_CAT_WAGE_THEFT, &out);
    assert_int_equal(out.n, 3);
    assert_string_equal(out.items[0].key, "first_hand");
    assert_string_equal(out.items[2].key, "ongoing");
    assert_string_equal(out.category, "wage_theft");
    model_checklist_fini(&out);
    /* Merging again overrides by key. */
    model_checklists_merge(&all, &work);
    assert_int_equal(model_checklists_get(&all, "workplace")->n, 2);
    assert_null(model_checklists_get(&all, "courthouse"));

    model_checklist_fini(&common);
    model_checklist_fini(&dflt);
    model_checklist_fini(&work);
    model_checklists_fini(&all);
}

/* A list like the shipped enforcement sighting one. */
static void sighting(struct model_checklist *l)
{
    struct model_check_item items[] = {
        item("first_hand", "first-hand", 2, -1, true),
        item("fresh", "fresh", 1, -3, true),
        item("specific_details", "specific details", 2, -1, true),
        item("vehicles", "vehicles", 2, 0, false),
        item("approaching_people", "approaching people", 2, 0, false),
        item("agency_markings", "HSI vest seen", 3, 0, false),
        item("photo", "photo", 2, 0, false),
        item("not_local_police", "not local police", 1, -5, false),
        item("verifier_on_scene", "verifier saw it", 3, -2, false),
    };

    items[1].brief_no = (char *)"old report";
    items[7].brief_no = (char *)"local police";
    model_checklist_init(l, "enforcement_sighting");
    for (size_t i = 0; i < UTIL_ARRAY_LEN(items); i++)
        model_checklist_upsert(l, &items[i]);
}

enum { FH, FRESH, DETAILS, VEHICLES, APPROACH, VEST, PHOTO, NOTPOLICE, VERIFIER, N };

static void all_unknown(enum model_tri *s)
{
    for (int i = 0; i < N; i++)
        s[i] = MODEL_UNKNOWN;
}

static void test_verdict_none(void **state)
{
    struct model_checklist l;
    struct model_verdict v;
    enum model_tri s[N];

    (void)state;
    sighting(&l);
    all_unknown(s);
    model_verdict_compute(&l, s, &v);
    assert_int_equal(v.kind, MODEL_VERDICT_NONE);
    assert_int_equal(v.answered, 0);
    assert_int_equal(v.score, 0);
    assert_non_null(strstr(v.text, "not enough information"));
    assert_string_equal(model_verdict_name(v.kind), "none");
    model_verdict_fini(&v);
    assert_null(v.text);
    model_checklist_fini(&l);
}

static void test_verdict_likely_with_reasons(void **state)
{
    struct model_checklist l;
    struct model_verdict v;
    enum model_tri s[N];

    (void)state;
    sighting(&l);
    all_unknown(s);
    s[VEHICLES] = s[APPROACH] = s[VEST] = MODEL_YES;
    model_verdict_compute(&l, s, &v);
    assert_int_equal(v.kind, MODEL_VERDICT_LIKELY);
    assert_int_equal(v.score, 7);
    assert_int_equal(v.answered, 3);
    assert_int_equal(v.indicators, 3);
    /* A verifier not yet sent is the next step, not a missing indicator. */
    assert_string_equal(v.text, "likely operation: vehicles, approaching people, HSI vest seen; "
                                "still unknown: photo");
    assert_string_equal(model_verdict_name(v.kind), "likely_operation");
    model_verdict_fini(&v);

    /* Against-reasons are named too. */
    s[FRESH] = MODEL_NO;
    s[PHOTO] = MODEL_YES;
    model_verdict_compute(&l, s, &v);
    assert_int_equal(v.kind, MODEL_VERDICT_LIKELY);
    assert_int_equal(v.score, 6);
    assert_non_null(strstr(v.text, "against: old report"));
    assert_null(strstr(v.text, "still unknown"));
    model_verdict_fini(&v);
    model_checklist_fini(&l);
}

static void test_verdict_credibility_alone_is_not_an_operation(void **state)
{
    struct model_checklist l;
    struct model_verdict v;
    enum model_tri s[N];

    (void)state;
    sighting(&l);
    all_unknown(s);
    s[FH] = s[FRESH] = s[DETAILS] = MODEL_YES; /* score 5, nothing seen yet */
    model_verdict_compute(&l, s, &v);
    assert_int_equal(v.score, 5);
    assert_int_equal(v.indicators, 0);
    assert_int_equal(v.kind, MODEL_VERDICT_UNCLEAR);
    assert_non_null(strstr(v.text, "first-hand"));
    model_verdict_fini(&v);
    model_checklist_fini(&l);
}

static void test_verdict_unlikely(void **state)
{
    struct model_checklist l;
    struct model_verdict v;
    enum model_tri s[N];

    (void)state;
    sighting(&l);
    all_unknown(s);
    s[VEHICLES] = MODEL_YES;
    s[NOTPOLICE] = MODEL_NO; /* local police: -5 */
    model_verdict_compute(&l, s, &v);
    assert_int_equal(v.score, -3);
    assert_int_equal(v.kind, MODEL_VERDICT_UNLIKELY);
    assert_string_equal(v.text, "likely not an operation: local police; for: vehicles");
    assert_string_equal(model_verdict_name(v.kind), "likely_not");
    model_verdict_fini(&v);
    model_checklist_fini(&l);
}

static void test_verdict_unclear(void **state)
{
    struct model_checklist l;
    struct model_verdict v;
    enum model_tri s[N];

    (void)state;
    sighting(&l);
    all_unknown(s);
    s[VEHICLES] = MODEL_YES;
    s[FRESH] = MODEL_NO;
    model_verdict_compute(&l, s, &v);
    assert_int_equal(v.score, -1);
    assert_int_equal(v.kind, MODEL_VERDICT_UNCLEAR);
    assert_non_null(strstr(v.text, "unclear: for vehicles; against old report"));
    model_verdict_fini(&v);
    /* "no" to an indicator with no weight_no says nothing either way. */
    all_unknown(s);
    s[PHOTO] = MODEL_NO;
    model_verdict_compute(&l, s, &v);
    assert_int_equal(v.kind, MODEL_VERDICT_UNCLEAR);
    assert_int_equal(v.score, 0);
    assert_int_equal(v.answered, 1);
    model_verdict_fini(&v);
    /* An empty list is no information. */
    model_verdict_compute(NULL, s, &v);
    assert_int_equal(v.kind, MODEL_VERDICT_NONE);
    model_verdict_fini(&v);
    model_checklist_fini(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tri),
        cmocka_unit_test(test_key_valid),
        cmocka_unit_test(test_upsert_and_remove),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_verdict_none),
        cmocka_unit_test(test_verdict_likely_with_reasons),
        cmocka_unit_test(test_verdict_credibility_alone_is_not_an_operation),
        cmocka_unit_test(test_verdict_unlikely),
        cmocka_unit_test(test_verdict_unclear),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
