/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/model/resource.c: service identifiers and labels,
 * what people type for a need, lists and language names, the area and
 * language matches (case and accents ignored), validation, the "not
 * checked for N days" rule, setting fields from text and durations.
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

#define DAY (86400 * 1000LL)

static void test_service_names(void **state)
{
    (void)state;
    for (int i = 0; i < MODEL_SERVICE_COUNT; i++) {
        const char *n = model_service_name((enum model_service)i);
        assert_int_equal(model_service_parse(n), i);
        assert_int_equal(model_service_match(n), i);
        assert_non_null(model_service_label((enum model_service)i));
        assert_string_not_equal(model_service_label((enum model_service)i), "?");
    }
    assert_int_equal(model_service_parse("lawyer"), -1);
    assert_int_equal(model_service_parse(NULL), -1);
    assert_string_equal(model_service_name(MODEL_SERVICE_COUNT), "?");
    assert_string_equal(model_service_name(MODEL_SERVICE_DV_HOUSING_SUPPORT), "dv_housing_support");
}

static void test_service_match(void **state)
{
    (void)state;
    /* A beginning of a label's word, case and accents ignored. */
    assert_int_equal(model_service_match("  Immigration "), MODEL_SERVICE_IMMIGRATION_ATTORNEY);
    assert_int_equal(model_service_match("BAIL"), MODEL_SERVICE_BAIL_FINANCIAL);
    assert_int_equal(model_service_match("detention"), MODEL_SERVICE_DETENTION_LOCATOR);
    assert_int_equal(model_service_match("housing"), MODEL_SERVICE_DV_HOUSING_SUPPORT);
    assert_int_equal(model_service_match("bórder"), MODEL_SERVICE_BORDER_SUPPORT);
    /* "attorney" fits two services: no guess. */
    assert_int_equal(model_service_match("attorney"), -1);
    assert_int_equal(model_service_match(""), -1);
    assert_int_equal(model_service_match("plumber"), -1);
    assert_int_equal(model_service_match(NULL), -1);
}

static void test_services_parse(void **state)
{
    unsigned bits = 99;
    char *err = NULL, *s;

    (void)state;
    assert_true(model_services_parse("legal_aid; bail | detention_locator,", &bits, &err));
    assert_int_equal(bits, (1u << MODEL_SERVICE_LEGAL_AID) | (1u << MODEL_SERVICE_BAIL_FINANCIAL) |
                               (1u << MODEL_SERVICE_DETENTION_LOCATOR));
    s = model_services_format(bits);
    assert_string_equal(s, "legal_aid,bail_financial,detention_locator");
    free(s);
    s = model_services_format(0);
    assert_string_equal(s, "");
    free(s);
    bits = 7;
    assert_false(model_services_parse("legal_aid, plumbing", &bits, &err));
    assert_non_null(strstr(err, "plumbing"));
    assert_int_equal(bits, 7); /* untouched on failure */
    free(err);
}

static void test_lists_and_languages(void **state)
{
    char *s;

    (void)state;
    assert_string_equal(model_language_code("Spanish"), "es");
    assert_string_equal(model_language_code("ESPAÑOL"), "es");
    assert_string_equal(model_language_code("es"), "es");
    assert_string_equal(model_language_code("Kreyòl"), "ht");
    assert_null(model_language_code("Klingon"));
    assert_null(model_language_code(NULL));
    s = model_resource_list(" Español ; English,, Mam | Klingon ", true);
    assert_string_equal(s, "es,en,mam,klingon");
    free(s);
    s = model_resource_list(" San Francisco ;Oakland,, ", false);
    assert_string_equal(s, "San Francisco, Oakland");
    free(s);
    assert_null(model_resource_list(" , ; ", false));
    assert_null(model_resource_list(NULL, false));
    assert_true(model_resource_list_has("San José, Oakland", "san jose"));
    assert_false(model_resource_list_has("San José, Oakland", "san"));
    assert_false(model_resource_list_has(NULL, "x"));
}

static void test_area_and_language_match(void **state)
{
    struct model_resource r;

    (void)state;
    model_resource_init(&r);
    /* No areas: serves everywhere. */
    assert_true(model_resource_serves_area(&r, "Fresno"));
    r.areas = xstrdup("Santa Clara County, San José");
    assert_true(model_resource_serves_area(&r, "santa clara"));
    assert_true(model_resource_serves_area(&r, "SAN JOSE"));
    assert_false(model_resource_serves_area(&r, "Fresno"));
    assert_true(model_resource_serves_area(&r, NULL));
    assert_true(model_resource_speaks(&r, NULL)); /* no filter */
    assert_false(model_resource_speaks(&r, "es"));
    r.languages = xstrdup("es,en");
    assert_true(model_resource_speaks(&r, "es"));
    assert_true(model_resource_speaks(&r, "Español"));
    assert_true(model_resource_speaks(&r, "spanish"));
    assert_false(model_resource_speaks(&r, "vi"));
    model_resource_fini(&r);
}

static void fill(struct model_resource *r)
{
    model_resource_init(r);
    r->name = xstrdup("Legal Aid");
    r->services = 1u << MODEL_SERVICE_LEGAL_AID;
    r->contact = xstrdup("555-0100");
}

static void test_validate(void **state)
{
    int64_t now = 1795348800000;
    struct model_resource r;
    char *err = NULL;

    (void)state;
    fill(&r);
    assert_true(model_resource_validate(&r, now, &err));
    FREE(&r.name);
    assert_false(model_resource_validate(&r, now, &err));
    assert_non_null(strstr(err, "name"));
    FREE(&err);
    r.name = xstrdup("Legal Aid");
    r.services = 0;
    assert_false(model_resource_validate(&r, now, &err));
    assert_non_null(strstr(err, "service"));
    FREE(&err);
    r.services = 1;
    FREE(&r.contact);
    assert_false(model_resource_validate(&r, now, &err));
    assert_non_null(strstr(err, "contact"));
    FREE(&err);
    r.contact = xstrdup("555");
    r.checked_at = now + 2 * DAY;
    assert_false(model_resource_validate(&r, now, &err));
    assert_non_null(strstr(err, "checked_at"));
    FREE(&err);
    r.checked_at = now;
    r.notes = xmalloc(MODEL_MAX_RESOURCE_TEXT + 2);
    memset(r.notes, 'x', MODEL_MAX_RESOURCE_TEXT + 1);
    r.notes[MODEL_MAX_RESOURCE_TEXT + 1] = '\0';
    assert_false(model_resource_validate(&r, now, &err));
    assert_non_null(strstr(err, "notes"));
    FREE(&err);
    model_resource_fini(&r);
}

static void test_unchecked(void **state)
{
    int64_t now = 1795348800000;
    struct model_resource r;
    int age = 0;

    (void)state;
    fill(&r);
    assert_true(model_resource_unchecked(&r, 180, now, &age));
    assert_int_equal(age, -1);
    r.checked_at = now - 179 * DAY;
    assert_false(model_resource_unchecked(&r, 180, now, &age));
    assert_int_equal(age, 179);
    r.checked_at = now - 181 * DAY;
    assert_true(model_resource_unchecked(&r, 180, now, &age));
    assert_int_equal(age, 181);
    assert_false(model_resource_unchecked(&r, 365, now, NULL));
    model_resource_fini(&r);
}

static void test_set(void **state)
{
    int64_t now = 1795348800000;
    struct model_resource r, c;
    char *err = NULL;

    (void)state;
    model_resource_init(&r);
    assert_int_equal(model_resource_set(&r, "name", "  Centro Legal  ", now, &err), MODEL_SET_OK);
    assert_string_equal(r.name, "Centro Legal");
    assert_int_equal(model_resource_set(&r, "services", "immigration_attorney;bail", now, &err),
                     MODEL_SET_OK);
    assert_int_equal(r.services, (1u << MODEL_SERVICE_IMMIGRATION_ATTORNEY) |
                                     (1u << MODEL_SERVICE_BAIL_FINANCIAL));
    assert_int_equal(model_resource_set(&r, "languages", "Spanish, Mam", now, &err), MODEL_SET_OK);
    assert_string_equal(r.languages, "es,mam");
    assert_int_equal(model_resource_set(&r, "detained", "yes", now, &err), MODEL_SET_OK);
    assert_int_equal(r.detained, MODEL_YES);
    assert_int_equal(model_resource_set(&r, "criminal", "false", now, &err), MODEL_SET_OK);
    assert_int_equal(r.criminal, MODEL_NO);
    assert_int_equal(model_resource_set(&r, "payment_plans", "", now, &err), MODEL_SET_OK);
    assert_int_equal(r.payment_plans, MODEL_UNKNOWN);
    assert_int_equal(model_resource_set(&r, "non_detained", "perhaps", now, &err), MODEL_SET_BAD);
    assert_non_null(strstr(err, "non_detained"));
    FREE(&err);
    assert_int_equal(model_resource_set(&r, "checked_at", "2026-11-01", now, &err), MODEL_SET_OK);
    assert_int_equal(r.checked_at, 1793491200000); /* 2026-11-01T00:00:00Z */
    assert_int_equal(model_resource_set(&r, "checked_at", "last tuesday", now, &err),
                     MODEL_SET_BAD);
    FREE(&err);
    assert_int_equal(model_resource_set(&r, "id", "not-an-id", now, &err), MODEL_SET_BAD);
    FREE(&err);
    assert_int_equal(model_resource_set(&r, "colour", "red", now, &err), MODEL_SET_UNKNOWN);
    assert_int_equal(model_resource_set(&r, "services", "plumbing", now, &err), MODEL_SET_BAD);
    assert_non_null(strstr(err, "plumbing"));
    FREE(&err);
    /* Every key the loader accepts is one model_resource_set knows. */
    for (const char *const *k = model_resource_keys(); *k != NULL; k++)
        assert_int_not_equal(model_resource_set(&r, *k, "", now, &err), MODEL_SET_UNKNOWN);
    FREE(&err);
    model_resource_init(&c);
    r.notes = xstrdup("n");
    model_resource_copy(&c, &r);
    assert_ptr_not_equal(c.notes, r.notes);
    assert_string_equal(c.notes, "n");
    model_resource_fini(&c);
    model_resource_fini(&r);
}

static void test_duration(void **state)
{
    int64_t ms = 0;

    (void)state;
    assert_true(model_duration_parse("2h", &ms));
    assert_int_equal(ms, 2 * 3600000);
    assert_true(model_duration_parse("30m", &ms));
    assert_int_equal(ms, 30 * 60000);
    assert_true(model_duration_parse("90 min", &ms));
    assert_int_equal(ms, 90 * 60000);
    assert_true(model_duration_parse("1h30m", &ms));
    assert_int_equal(ms, 90 * 60000);
    assert_true(model_duration_parse("1d", &ms));
    assert_int_equal(ms, DAY);
    assert_true(model_duration_parse("2 horas", &ms));
    assert_int_equal(ms, 2 * 3600000);
    assert_false(model_duration_parse("", &ms));
    assert_false(model_duration_parse("soon", &ms));
    assert_false(model_duration_parse("2", &ms));
    assert_false(model_duration_parse("0m", &ms));
    assert_false(model_duration_parse("-2h", &ms));
    assert_false(model_duration_parse(NULL, &ms));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_service_names),
        cmocka_unit_test(test_service_match),
        cmocka_unit_test(test_services_parse),
        cmocka_unit_test(test_lists_and_languages),
        cmocka_unit_test(test_area_and_language_match),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_unchecked),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_duration),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
