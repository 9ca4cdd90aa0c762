/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/text/lint.c: the personal-data scan (phone numbers,
 * emails, A-numbers, case numbers, caller strings) including what must not
 * be flagged (times, dates, counts, street numbers), and template
 * placeholders.
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

/* The kinds found in @s, as a string of kind initials (p e a c n). */
static void kinds(const char *s, const char *const *needles, size_t n, const char *want,
                  const char *first)
{
    struct text_pii_hit *hits = NULL;
    size_t k = text_pii_scan(s, needles, n, &hits);
    char got[16] = "";

    for (size_t i = 0; i < k && i < sizeof got - 1; i++)
        got[i] = "peacn"[hits[i].kind];
    if (strcmp(got, want) != 0)
        fail_msg("'%s': got '%s', want '%s'", s, got, want);
    if (first != NULL && k > 0) {
        char *frag = xstrndup(s + hits[0].offset, hits[0].len);
        if (strcmp(frag, first) != 0)
            fail_msg("'%s': first hit '%s', want '%s'", s, frag, first);
        free(frag);
    }
    free(hits);
}

static void test_clean(void **state)
{
    (void)state;
    kinds("", NULL, 0, "", NULL);
    kinds("VERIFIED 10:42 Eastside: 3 SUVs at 1200 5th St, 12 agents.", NULL, 0, "", NULL);
    kinds("2026-11-22 at 10:42, stay silent, do not sign anything", NULL, 0, "", NULL);
    kinds("Route 66 and I-95, zip 90210", NULL, 0, "", NULL);
    kinds("in case of doubt, call the hotline", NULL, 0, "", NULL);
    kinds("ICE, HSI and CBP vests; A1 lot", NULL, 0, "", NULL);
}

static void test_phone(void **state)
{
    (void)state;
    kinds("call 555-867-5309 now", NULL, 0, "p", "555-867-5309");
    kinds("call (555) 867-5309", NULL, 0, "p", "(555) 867-5309");
    kinds("+1 555 867 5309.", NULL, 0, "p", "+1 555 867 5309");
    kinds("+52 55 1234 5678", NULL, 0, "p", "+52 55 1234 5678");
    kinds("5558675309", NULL, 0, "p", "5558675309");
    kinds("867-5309", NULL, 0, "p", "867-5309");
}

static void test_email_anum_case(void **state)
{
    (void)state;
    kinds("write to ana.lopez+x@example.org today", NULL, 0, "e", "ana.lopez+x@example.org");
    kinds("user@localhost", NULL, 0, "", NULL);
    kinds("detained: A123-456-789", NULL, 0, "a", "A123-456-789");
    kinds("A123456789 held", NULL, 0, "a", "A123456789");
    kinds("A 12345678", NULL, 0, "a", "A 12345678");
    kinds("case no. 2026-004512 at court", NULL, 0, "c", NULL);
    kinds("expediente nº 4512/2026", NULL, 0, "c", NULL);
    kinds("docket NYC-2026-004512", NULL, 0, "c", NULL);
    kinds("ref NYC-2026-004512", NULL, 0, "c", "NYC-2026-004512");
}

static void test_needles(void **state)
{
    const char *needles[] = {"+15558675309", "María José Pérez", "ab"};

    (void)state;
    kinds("María josé PEREZ saw it", needles, 3, "n", NULL);
    kinds("ask +15558675309", needles, 3, "pn", NULL);
    kinds("nothing here about ab", needles, 3, "", NULL); /* too short to mean anything */
}

static void test_template(void **state)
{
    const char *keys[] = {"area", "time", "what"};
    const char *vals[] = {"Eastside", "10:42", NULL};
    char *s;

    (void)state;
    s = text_template_expand("{time} {area}: {what}. {advice} {unclosed", keys, vals, 3);
    assert_string_equal(s, "10:42 Eastside: . {advice} {unclosed");
    free(s);
    s = text_template_expand("", keys, vals, 3);
    assert_string_equal(s, "");
    free(s);
    s = text_template_expand("{{area}}", keys, vals, 3);
    assert_string_equal(s, "{Eastside}");
    free(s);
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
        cmocka_unit_test(test_clean),           cmocka_unit_test(test_phone),
        cmocka_unit_test(test_email_anum_case), cmocka_unit_test(test_needles),
        cmocka_unit_test(test_template),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
