/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/model/broadcast.c: channels, E.164 normalisation with a
 * default country, subscriber contacts per channel, lists and audience
 * matching, opt-out words, quiet hours, which statuses may back which kind
 * of broadcast.
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
#include "vigia/text.h"
#include "vigia/model.h"

static void phone_ok(const char *in, const char *country, const char *want)
{
    char *err = NULL, *out = model_phone_e164(in, country, &err);

    if (out == NULL)
        fail_msg("%s (%s): %s", in, country, err);
    assert_string_equal(out, want);
    free(out);
}

static void phone_bad(const char *in, const char *country)
{
    char *err = NULL, *out = model_phone_e164(in, country, &err);

    if (out != NULL)
        fail_msg("%s (%s) should be refused, got %s", in, country, out);
    assert_non_null(err);
    free(err);
}

static void test_channels(void **state)
{
    (void)state;
    assert_int_equal(model_channel_parse(NULL), -1);
    assert_int_equal(model_channel_parse(""), -1);
    assert_int_equal(model_channel_parse("pigeon"), -1);
    for (int c = 0; c < MODEL_CHANNEL_COUNT; c++)
        assert_int_equal(model_channel_parse(model_channel_name(c)), c);
    assert_string_equal(model_country_code("mx"), "52");
    assert_null(model_country_code("XX"));
    assert_null(model_country_code(NULL));
}

static void test_e164(void **state)
{
    (void)state;
    phone_ok("(555) 201-0001", "US", "+15552010001");
    phone_ok("1 555 201 0001", "US", "+15552010001");
    phone_ok("555.201.0001", "CA", "+15552010001");
    phone_ok("+52 55 1234 5678", "US", "+525512345678");
    phone_ok("0052 55 1234 5678", "US", "+525512345678");
    phone_ok("011 52 55 1234 5678", "US", "+525512345678");
    phone_ok("55 1234 5678", "MX", "+525512345678");
    phone_ok("01 55 1234 5678", "MX", "+525512345678");
    phone_ok("612 34 56 78", "ES", "+34612345678");
    phone_ok("07700 900123", "GB", "+447700900123");
    phone_bad("", "US");
    phone_bad("555-0100", "US");          /* 7 digits: not a US number */
    phone_bad("555 201 0001 x12", "US");  /* extension letters */
    phone_bad("5552010001", "XX");        /* unknown country */
    phone_bad("+0123456789", "US");       /* no country code starts with 0 */
    phone_bad("+1234567890123456", "US"); /* more than 15 digits */
    /* +1 (North America) is followed by exactly 10 digits, whatever the default country. */
    phone_ok("+1 510 555 0141", "MX", "+15105550141");
    phone_bad("+1 555 0141", "US");                     /* 7 digits after +1 */
    phone_bad("+1 510 555 01411", "US");                /* 11 digits after +1 */
    phone_bad("001 555 0141", "ES");                    /* the same, written with 00 */
    phone_ok("+44 7700 900123", "US", "+447700900123"); /* other codes: length not known */
}

static void test_contacts(void **state)
{
    char *err = NULL, *c;

    (void)state;
    c = model_subscriber_contact(MODEL_CHANNEL_TELEGRAM, " @Vecinos_East ", "US", &err);
    assert_string_equal(c, "@Vecinos_East");
    free(c);
    c = model_subscriber_contact(MODEL_CHANNEL_TELEGRAM, "-100123456", "US", &err);
    assert_string_equal(c, "-100123456");
    free(c);
    assert_null(model_subscriber_contact(MODEL_CHANNEL_TELEGRAM, "12ab", "US", &err));
    FREE(&err);
    c = model_subscriber_contact(MODEL_CHANNEL_SIGNAL, "555 201 0001", "US", &err);
    assert_string_equal(c, "+15552010001");
    free(c);
    c = model_subscriber_contact(MODEL_CHANNEL_SIGNAL, "group.abc=", "US", &err);
    assert_string_equal(c, "group.abc=");
    free(c);
    c = model_subscriber_contact(MODEL_CHANNEL_EMAIL, "Ana@Example.ORG", "US", &err);
    assert_string_equal(c, "Ana@example.org");
    free(c);
    assert_null(model_subscriber_contact(MODEL_CHANNEL_EMAIL, "x@y", "US", &err));
    FREE(&err);
    assert_null(model_subscriber_contact(MODEL_CHANNEL_EMAIL, "a b@c.org", "US", &err));
    FREE(&err);
    assert_null(model_subscriber_contact(MODEL_CHANNEL_SMS, "   ", "US", &err));
    FREE(&err);
    assert_null(model_subscriber_contact(MODEL_CHANNEL_SMS, NULL, "US", &err));
    FREE(&err);
}

static void test_audience(void **state)
{
    struct model_audience all = {0}, east = {"eastside,downtown", "es", "sms,telegram"};
    char *l;

    (void)state;
    l = model_list_normalise(" Eastside , ,DOWNTOWN,");
    assert_string_equal(l, "eastside,downtown");
    free(l);
    l = model_list_normalise(NULL);
    assert_string_equal(l, "");
    free(l);
    assert_true(model_list_has("a,bb,c", "bb"));
    assert_false(model_list_has("a,bb,c", "b"));
    assert_false(model_list_has(NULL, "a"));
    assert_true(model_lists_intersect("x,downtown", "eastside,downtown"));
    assert_false(model_lists_intersect("x,y", "eastside"));
    assert_true(model_audience_matches(&all, "email", "fr", "anywhere"));
    assert_true(model_audience_matches(&east, "sms", "es", "downtown"));
    assert_true(model_audience_matches(&east, "sms", "es", NULL)); /* every area */
    assert_false(model_audience_matches(&east, "email", "es", "downtown"));
    assert_false(model_audience_matches(&east, "sms", "en", "downtown"));
    assert_false(model_audience_matches(&east, "sms", "es", "westside"));
}

static void test_optout(void **state)
{
    const char *words[] = {"STOP", "BAJA", "ARRÊT"};

    (void)state;
    assert_true(model_optout_match("stop", words, 3));
    assert_true(model_optout_match("  Stop.  ", words, 3));
    assert_true(model_optout_match("baja!", words, 3));
    assert_true(model_optout_match("ARRET", words, 3));
    assert_true(model_optout_match("arrêt", words, 3));
    assert_false(model_optout_match("don't stop", words, 3));
    assert_false(model_optout_match("stopped", words, 3));
    assert_false(model_optout_match("", words, 3));
    assert_false(model_optout_match(NULL, words, 3));
    assert_false(model_optout_match("stop", words, 0));
}

static void test_quiet_and_policy(void **state)
{
    (void)state;
    assert_false(model_quiet_hours(-1, -1, 100));
    assert_false(model_quiet_hours(600, 600, 600));
    assert_true(model_quiet_hours(22 * 60, 7 * 60, 23 * 60));
    assert_true(model_quiet_hours(22 * 60, 7 * 60, 0));
    assert_true(model_quiet_hours(22 * 60, 7 * 60, 6 * 60 + 59));
    assert_false(model_quiet_hours(22 * 60, 7 * 60, 7 * 60));
    assert_false(model_quiet_hours(22 * 60, 7 * 60, 12 * 60));
    assert_true(model_quiet_hours(13 * 60, 14 * 60, 13 * 60 + 30));
    for (int s = 0; s < MODEL_STATUS_COUNT; s++)
        assert_int_equal(model_broadcast_may_cite(MODEL_BROADCAST_PUBLIC, s),
                         s == MODEL_STATUS_CONFIRMED);
    assert_true(model_broadcast_may_cite(MODEL_BROADCAST_INTERNAL, MODEL_STATUS_NEW));
    assert_true(model_broadcast_may_cite(MODEL_BROADCAST_INTERNAL, MODEL_STATUS_VERIFYING));
    assert_false(model_broadcast_may_cite(MODEL_BROADCAST_INTERNAL, MODEL_STATUS_FALSE_ALARM));
    assert_int_equal(model_broadcast_kind_parse("public"), MODEL_BROADCAST_PUBLIC);
    assert_int_equal(model_broadcast_kind_parse("internal"), MODEL_BROADCAST_INTERNAL);
    assert_int_equal(model_broadcast_kind_parse("secret"), -1);
    assert_int_equal(model_broadcast_kind_parse(NULL), -1);
}

static int teardown(void **state)
{
    (void)state;
    text_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channels), cmocka_unit_test(test_e164),
        cmocka_unit_test(test_contacts), cmocka_unit_test(test_audience),
        cmocka_unit_test(test_optout),   cmocka_unit_test(test_quiet_and_policy),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
