/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/model/model.c: identifiers and their parsing, report
 * validation, priority, staleness and expiry, setting fields from text (the
 * import and demo path) and caller contacts. model/ does no I/O, so every
 * rule is checked here with the time passed in.
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

#define NOW 1795348800000LL /* 2026-11-22T12:00:00Z */
#define MIN 60000LL

/* A valid report to start each check from. */
static void sample(struct model_report *r)
{
    model_report_init(r);
    r->location = xstrdup("Dep\xC3\xB3sito, International Blvd");
    r->what = xstrdup("tres camionetas sin placas");
    r->received_at = NOW - 5 * MIN;
}

/* ---- names ----------------------------------------------------------------- */

static void test_names_degenerate(void **state)
{
    assert_int_equal(model_source_parse(NULL), -1);
    assert_int_equal(model_source_parse(""), -1);
    assert_int_equal(model_source_parse("fax"), -1);
    assert_int_equal(model_source_parse("walk"), -1);
    assert_int_equal(model_category_parse(NULL), -1);
    assert_int_equal(model_category_parse(""), -1);
    assert_int_equal(model_category_parse("raid"), -1);
    assert_int_equal(model_status_parse(NULL), -1);
    assert_int_equal(model_status_parse(""), -1);
    assert_int_equal(model_status_parse("done"), -1);
    assert_int_equal(model_status_parse("confirmedx"), -1);
    /* Out-of-range enums still name something. */
    assert_non_null(model_source_name((enum model_source)99));
    assert_non_null(model_category_name((enum model_category) - 1));
    assert_non_null(model_status_name((enum model_status)MODEL_STATUS_COUNT));
    assert_non_null(model_status_label((enum model_status)99));
    assert_string_equal(model_field_name((enum model_field)99), "");
}

static void test_names_round_trip(void **state)
{
    for (int i = 0; i < MODEL_SOURCE_COUNT; i++) {
        assert_int_equal(model_source_parse(model_source_name((enum model_source)i)), i);
        assert_non_null(model_source_label((enum model_source)i));
    }
    for (int i = 0; i < MODEL_CAT_COUNT; i++) {
        assert_int_equal(model_category_parse(model_category_name((enum model_category)i)), i);
        assert_non_null(model_category_label((enum model_category)i));
    }
    for (int i = 0; i < MODEL_STATUS_COUNT; i++) {
        assert_int_equal(model_status_parse(model_status_name((enum model_status)i)), i);
        assert_true(strlen(model_status_short((enum model_status)i)) <= 8);
    }
    assert_string_equal(model_source_name(MODEL_SOURCE_WALK_IN), "walk-in");
    assert_int_equal(model_source_parse("walk-in"), MODEL_SOURCE_WALK_IN);
    assert_int_equal(model_source_parse("walk_in"), MODEL_SOURCE_WALK_IN);
    assert_int_equal(model_source_parse("Walk In"), MODEL_SOURCE_WALK_IN);
    assert_int_equal(model_source_parse("SMS"), MODEL_SOURCE_SMS);
    assert_int_equal(model_category_parse("home visit"), MODEL_CAT_HOME_VISIT);
    assert_int_equal(model_category_parse("detention-followup"), MODEL_CAT_DETENTION);
    assert_int_equal(model_category_parse("detention follow-up"), MODEL_CAT_DETENTION);
    assert_int_equal(model_category_parse("sighting"), MODEL_CAT_SIGHTING);
    assert_int_equal(model_category_parse("resource"), MODEL_CAT_RESOURCE);
    assert_int_equal(model_status_parse("not confirmed"), MODEL_STATUS_NOT_CONFIRMED);
    assert_int_equal(model_status_parse("POLICE-ONLY"), MODEL_STATUS_POLICE_ONLY);
    assert_false(model_status_is_final(MODEL_STATUS_NEW));
    assert_false(model_status_is_final(MODEL_STATUS_VERIFYING));
    assert_true(model_status_is_final(MODEL_STATUS_CONFIRMED));
    assert_true(model_status_is_final(MODEL_STATUS_CLOSED));
}

/* ---- validation ---------------------------------------------------------------- */

/* Validate and return the field at fault (MODEL_F_NONE when valid). */
static enum model_field check(const struct model_report *r)
{
    enum model_field f = MODEL_F_NONE;
    char *err = NULL;
    bool ok = model_report_validate(r, NOW, &f, &err);

    if (ok) {
        assert_null(err);
        return MODEL_F_NONE;
    }
    assert_non_null(err);
    assert_true(strlen(err) > 0);
    free(err);
    return f == MODEL_F_NONE ? (enum model_field) - 1 : f;
}

static void test_validate_required(void **state)
{
    struct model_report r;

    model_report_init(&r);
    assert_int_equal(check(&r), MODEL_F_LOCATION);
    r.location = xstrdup("   \t");
    assert_int_equal(check(&r), MODEL_F_LOCATION);
    free(r.location);
    r.location = xstrdup("5th and Alder");
    assert_int_equal(check(&r), MODEL_F_WHAT);
    r.what = xstrdup("\n");
    assert_int_equal(check(&r), MODEL_F_WHAT);
    free(r.what);
    r.what = xstrdup("vans");
    assert_int_equal(check(&r), MODEL_F_NONE);
    /* NULL out-parameters are allowed. */
    free(r.location);
    r.location = NULL;
    assert_false(model_report_validate(&r, NOW, NULL, NULL));
    model_report_fini(&r);
}

static void test_validate_lengths(void **state)
{
    struct model_report r;
    char *s;

    sample(&r);
    s = xcalloc(1, MODEL_MAX_LONG + 2);
    memset(s, 'a', MODEL_MAX_SHORT);
    r.area = xstrdup(s);
    assert_int_equal(check(&r), MODEL_F_NONE);
    s[MODEL_MAX_SHORT] = 'a';
    free(r.area);
    r.area = xstrdup(s);
    assert_int_equal(check(&r), MODEL_F_AREA);
    FREE(&r.area);
    r.vehicles = xstrdup(s);
    assert_int_equal(check(&r), MODEL_F_VEHICLES);
    FREE(&r.vehicles);
    r.agency = xstrdup(s);
    assert_int_equal(check(&r), MODEL_F_AGENCY);
    FREE(&r.agency);
    free(r.location);
    r.location = xstrdup(s);
    assert_int_equal(check(&r), MODEL_F_LOCATION);
    free(r.location);
    r.location = xstrdup("x");
    memset(s, 'w', MODEL_MAX_LONG);
    free(r.what);
    r.what = xstrdup(s);
    assert_int_equal(check(&r), MODEL_F_NONE);
    s[MODEL_MAX_LONG] = 'w';
    free(r.what);
    r.what = xstrdup(s);
    assert_int_equal(check(&r), MODEL_F_WHAT);
    free(s);
    model_report_fini(&r);
}

static void test_validate_values(void **state)
{
    struct model_report r;

    sample(&r);
    r.agents = -1;
    assert_int_equal(check(&r), MODEL_F_NONE);
    r.agents = 0;
    assert_int_equal(check(&r), MODEL_F_NONE);
    r.agents = MODEL_MAX_AGENTS;
    assert_int_equal(check(&r), MODEL_F_NONE);
    r.agents = MODEL_MAX_AGENTS + 1;
    assert_int_equal(check(&r), MODEL_F_AGENTS);
    r.agents = -2;
    assert_int_equal(check(&r), MODEL_F_AGENTS);
    r.agents = 3;
    /* A minute of clock skew is fine; later is the future. */
    r.observed_at = NOW + 59000;
    assert_int_equal(check(&r), MODEL_F_NONE);
    r.observed_at = NOW + 61000;
    assert_int_equal(check(&r), MODEL_F_OBSERVED);
    r.observed_at = -1;
    assert_int_equal(check(&r), MODEL_F_OBSERVED);
    r.observed_at = NOW - 10 * MIN;
    r.lat = 91;
    r.lon = 0;
    assert_int_equal(check(&r), MODEL_F_NONE); /* no position set */
    r.has_pos = true;
    assert_int_equal(check(&r), MODEL_F_POSITION);
    r.lat = -90;
    r.lon = 180.5;
    assert_int_equal(check(&r), MODEL_F_POSITION);
    r.lon = -180;
    assert_int_equal(check(&r), MODEL_F_NONE);
    r.category = (enum model_category)MODEL_CAT_COUNT;
    assert_int_not_equal(check(&r), MODEL_F_NONE);
    model_report_fini(&r);
}

/* ---- priority, staleness, expiry ---------------------------------------------------- */

static void test_priority(void **state)
{
    struct model_report fresh, rumor, zero, top;
    int pf, pr;

    sample(&fresh);
    fresh.category = MODEL_CAT_WORKPLACE;
    fresh.first_hand = MODEL_YES;
    fresh.agents = 6;
    fresh.observed_at = NOW - 3 * MIN;
    sample(&rumor);
    rumor.category = MODEL_CAT_SIGHTING;
    rumor.first_hand = MODEL_NO;
    rumor.source = MODEL_SOURCE_SOCIAL;
    rumor.observed_at = NOW - 6 * 60 * MIN;
    pf = model_priority(&fresh, NOW);
    pr = model_priority(&rumor, NOW);
    assert_true(pf > pr);
    assert_in_range(pf, 0, 100);
    assert_in_range(pr, 0, 100);
    /* The same report ages out of the top. */
    assert_true(model_priority(&fresh, NOW + 120 * MIN) < pf);
    /* A closed report sinks. */
    fresh.status = MODEL_STATUS_CLOSED;
    assert_true(model_priority(&fresh, NOW) < pf);
    /* Without an observed time the received time counts. */
    rumor.observed_at = 0;
    rumor.received_at = NOW - MIN;
    assert_true(model_priority(&rumor, NOW) > pr);
    /* Clamped at both ends. */
    sample(&zero);
    zero.category = MODEL_CAT_OTHER;
    zero.status = MODEL_STATUS_CLOSED;
    zero.first_hand = MODEL_NO;
    zero.source = MODEL_SOURCE_SOCIAL;
    zero.received_at = NOW - 1000 * MIN;
    assert_int_equal(model_priority(&zero, NOW), 0);
    sample(&top);
    top.category = MODEL_CAT_HOME_VISIT;
    top.first_hand = MODEL_YES;
    top.agents = 20;
    top.observed_at = NOW + 10 * MIN; /* skew: never above 100 */
    assert_in_range(model_priority(&top, NOW), 90, 100);
    model_report_fini(&fresh);
    model_report_fini(&rumor);
    model_report_fini(&zero);
    model_report_fini(&top);
}

static void test_staleness(void **state)
{
    struct model_policy p;
    struct model_report r;

    model_policy_default(&p);
    assert_int_equal(p.stale_minutes, 60);
    assert_int_equal(p.expire_minutes, 240);
    sample(&r);
    r.received_at = NOW - 59 * MIN;
    assert_false(model_report_is_stale(&r, &p, NOW));
    r.received_at = NOW - 61 * MIN;
    assert_true(model_report_is_stale(&r, &p, NOW));
    /* An update restarts the window. */
    r.updated_at = NOW - 10 * MIN;
    assert_false(model_report_is_stale(&r, &p, NOW));
    r.updated_at = 0;
    r.status = MODEL_STATUS_VERIFYING;
    assert_true(model_report_is_stale(&r, &p, NOW));
    /* Settled reports are not stale, whatever their age. */
    r.status = MODEL_STATUS_CONFIRMED;
    assert_false(model_report_is_stale(&r, &p, NOW));
    r.status = MODEL_STATUS_POLICE_ONLY;
    assert_false(model_report_is_stale(&r, &p, NOW));
    /* Marked stale is stale, even fresh. */
    r.status = MODEL_STATUS_STALE;
    r.received_at = NOW;
    assert_true(model_report_is_stale(&r, &p, NOW));
    p.stale_minutes = 5;
    r.status = MODEL_STATUS_NEW;
    r.received_at = NOW - 6 * MIN;
    assert_true(model_report_is_stale(&r, &p, NOW));
    assert_int_equal(model_report_expiry(&r, &p), NOW - 6 * MIN + 240 * MIN);
    model_report_fini(&r);
}

/* ---- model_report_set ---------------------------------------------------------------- */

static int set(struct model_report *r, const char *k, const char *v)
{
    char *err = NULL;
    int rc = model_report_set(r, k, v, NOW, &err);

    if (rc == MODEL_SET_BAD) {
        assert_non_null(err);
        assert_non_null(strstr(err, "'") ? err : NULL); /* quotes the bad value */
    } else {
        assert_null(err);
    }
    free(err);
    return rc;
}

static void test_set_text(void **state)
{
    struct model_report r;
    const char *keys[] = {"location", "area", "what", "agency", "vehicles"};

    model_report_init(&r);
    assert_int_equal(set(&r, "nonsense", "x"), MODEL_SET_UNKNOWN);
    assert_int_equal(set(&r, "", "x"), MODEL_SET_UNKNOWN);
    assert_int_equal(set(&r, "priority", "5"), MODEL_SET_UNKNOWN);
    assert_int_equal(set(&r, "contact", "+1 555 0101"), MODEL_SET_UNKNOWN);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(keys); i++) {
        assert_int_equal(set(&r, keys[i], "caf\xC3\xA9 5th"), MODEL_SET_OK);
        assert_int_equal(set(&r, keys[i], "second"), MODEL_SET_OK);
    }
    assert_string_equal(r.location, "second");
    assert_string_equal(r.area, "second");
    assert_string_equal(r.what, "second");
    assert_string_equal(r.agency, "second");
    assert_string_equal(r.vehicles, "second");
    assert_int_equal(set(&r, "area", ""), MODEL_SET_OK);
    assert_null(r.area);
    assert_int_equal(set(&r, "agency", NULL), MODEL_SET_OK);
    assert_null(r.agency);
    model_report_fini(&r);
}

static void test_set_values(void **state)
{
    struct model_report r;

    model_report_init(&r);
    /* agents */
    assert_int_equal(set(&r, "agents", "7"), MODEL_SET_OK);
    assert_int_equal(r.agents, 7);
    assert_int_equal(set(&r, "agents", "abc"), MODEL_SET_BAD);
    assert_int_equal(set(&r, "agents", "501"), MODEL_SET_BAD);
    assert_int_equal(set(&r, "agents", "-1"), MODEL_SET_BAD);
    assert_int_equal(set(&r, "agents", "3 or 4"), MODEL_SET_BAD);
    assert_int_equal(r.agents, 7);
    assert_int_equal(set(&r, "agents", ""), MODEL_SET_OK);
    assert_int_equal(r.agents, -1);
    /* identifiers */
    assert_int_equal(set(&r, "source", "walk_in"), MODEL_SET_OK);
    assert_int_equal(r.source, MODEL_SOURCE_WALK_IN);
    assert_int_equal(set(&r, "source", "pigeon"), MODEL_SET_BAD);
    assert_int_equal(r.source, MODEL_SOURCE_WALK_IN);
    assert_int_equal(set(&r, "category", "wage_theft"), MODEL_SET_OK);
    assert_int_equal(r.category, MODEL_CAT_WAGE_THEFT);
    assert_int_equal(set(&r, "category", "raid"), MODEL_SET_BAD);
    assert_int_equal(set(&r, "status", "false_alarm"), MODEL_SET_OK);
    assert_int_equal(r.status, MODEL_STATUS_FALSE_ALARM);
    assert_int_equal(set(&r, "status", "urgent"), MODEL_SET_BAD);
    assert_int_equal(r.status, MODEL_STATUS_FALSE_ALARM);
    /* times */
    assert_int_equal(set(&r, "observed_at", "15 min ago"), MODEL_SET_OK);
    assert_int_equal(r.observed_at, NOW - 15 * MIN);
    assert_int_equal(set(&r, "received_at", "2026-11-22T11:00:00Z"), MODEL_SET_OK);
    assert_int_equal(r.received_at, NOW - 60 * MIN);
    assert_int_equal(set(&r, "observed_at", "yesterday-ish"), MODEL_SET_BAD);
    assert_int_equal(r.observed_at, NOW - 15 * MIN);
    assert_int_equal(set(&r, "observed_at", ""), MODEL_SET_OK);
    assert_int_equal(r.observed_at, 0);
    /* first_hand */
    assert_int_equal(set(&r, "first_hand", "yes"), MODEL_SET_OK);
    assert_int_equal(r.first_hand, MODEL_YES);
    assert_int_equal(set(&r, "first_hand", "false"), MODEL_SET_OK);
    assert_int_equal(r.first_hand, MODEL_NO);
    assert_int_equal(set(&r, "first_hand", "s\xC3\xAD"), MODEL_SET_OK);
    assert_int_equal(r.first_hand, MODEL_YES);
    assert_int_equal(set(&r, "first_hand", "unknown"), MODEL_SET_OK);
    assert_int_equal(r.first_hand, MODEL_UNKNOWN);
    assert_int_equal(set(&r, "first_hand", "maybe"), MODEL_SET_BAD);
    /* position */
    assert_int_equal(set(&r, "lat", "37.7763"), MODEL_SET_OK);
    assert_int_equal(set(&r, "lon", "-122.224"), MODEL_SET_OK);
    assert_true(r.has_pos);
    assert_float_equal(r.lat, 37.7763, 1e-9);
    assert_float_equal(r.lon, -122.224, 1e-9);
    assert_int_equal(set(&r, "lat", "91"), MODEL_SET_BAD);
    assert_int_equal(set(&r, "lon", "-180.01"), MODEL_SET_BAD);
    assert_int_equal(set(&r, "lat", "north"), MODEL_SET_BAD);
    assert_int_equal(set(&r, "lat", "12.5x"), MODEL_SET_BAD);
    assert_int_equal(set(&r, "lat", "nan"), MODEL_SET_BAD);
    assert_int_equal(set(&r, "lon", "inf"), MODEL_SET_BAD);
    assert_int_equal(set(&r, "lat", ""), MODEL_SET_BAD);
    assert_float_equal(r.lat, 37.7763, 1e-9);
    /* id */
    assert_int_equal(set(&r, "id", "01M80FMVFRATWRZT6TAHFB11SN"), MODEL_SET_OK);
    assert_string_equal(r.id, "01M80FMVFRATWRZT6TAHFB11SN");
    assert_int_equal(set(&r, "id", "42"), MODEL_SET_BAD);
    assert_int_equal(set(&r, "id", "'; DROP TABLE reports; --"), MODEL_SET_BAD);
    assert_string_equal(r.id, "01M80FMVFRATWRZT6TAHFB11SN");
    model_report_fini(&r);
}

static void test_copy(void **state)
{
    struct model_report a, b;

    sample(&a);
    a.area = xstrdup("Fruitvale");
    model_report_init(&b);
    model_report_copy(&b, &a);
    assert_string_equal(b.location, a.location);
    assert_ptr_not_equal(b.location, a.location);
    assert_null(b.agency);
    model_report_copy(&b, &b); /* self-copy is a no-op */
    model_report_fini(&a);
    assert_string_equal(b.area, "Fruitvale");
    model_report_fini(&b);
    model_report_fini(&b); /* twice is harmless */
}

/* ---- model_contact_normalise ------------------------------------------------------------ */

static void want_contact(const char *in, const char *want)
{
    char *err = NULL;
    char *got = model_contact_normalise(in, &err);

    if (want == NULL) {
        if (got != NULL)
            fail_msg("'%s' normalised to '%s', want refused", in ? in : "(null)", got);
        assert_non_null(err);
        free(err);
        return;
    }
    if (got == NULL)
        fail_msg("'%s' refused: %s", in, err ? err : "?");
    assert_string_equal(got, want);
    assert_null(err);
    free(got);
}

static void test_contact(void **state)
{
    want_contact(NULL, NULL);
    want_contact("", NULL);
    want_contact("   ", NULL);
    want_contact("+1 555 0101", "+15550101");
    want_contact("+1 (555) 010-1234", "+15550101234");
    want_contact("555.010.1234", "5550101234");
    want_contact("  555-0101  ", "5550101");
    want_contact("123456", NULL);           /* 6 digits */
    want_contact("1234567890123456", NULL); /* 16 digits */
    want_contact("+123456789012345", "+123456789012345");
    want_contact("555-CALL-NOW", NULL);
    want_contact("555 0101 ext 2", NULL);
    want_contact("+1 555 +0101", NULL); /* a second plus */
    want_contact("1+555 0101", NULL);   /* plus not leading */
    want_contact("555\t0101", NULL);
    want_contact("@vecino_mission", "@vecino_mission");
    want_contact("  @vecino  ", "@vecino");
    want_contact("ana@example.org", "ana@example.org");
    want_contact("@ x", NULL);
    want_contact("@", NULL);
    want_contact("ana @example.org", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_degenerate),  cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_validate_required), cmocka_unit_test(test_validate_lengths),
        cmocka_unit_test(test_validate_values),   cmocka_unit_test(test_priority),
        cmocka_unit_test(test_staleness),         cmocka_unit_test(test_set_text),
        cmocka_unit_test(test_set_values),        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_contact),
    };

    return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
