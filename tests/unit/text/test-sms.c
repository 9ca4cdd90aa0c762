/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/text/sms.c: GSM 03.38 membership, encoding choice,
 * segment counts at the boundary lengths (160/161, 153/306/307, 70/71,
 * 67/134/135), extension characters and surrogate pairs at part boundaries,
 * and the GSM-7 alternative.
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

#define A_ACUTE "\xC3\xA1"       /* á, not GSM */
#define E_ACUTE "\xC3\xA9"       /* é, GSM basic */
#define EURO "\xE2\x82\xAC"      /* €, GSM extension */
#define EMOJI "\xF0\x9F\x91\x8D" /* U+1F44D, a surrogate pair in UTF-16 */
#define CJK "\xE6\x97\xA5"       /* 日, one UTF-16 unit */

/* @n copies of @unit followed by @tail; caller frees. */
static char *rep(const char *unit, size_t n, const char *tail)
{
    struct buf b;

    buf_init(&b);
    for (size_t i = 0; i < n; i++)
        buf_adds(&b, unit);
    buf_adds(&b, tail ? tail : "");
    return buf_steal(&b);
}

static void count(const char *s, enum text_sms_encoding enc, size_t units, size_t segments)
{
    struct text_sms_count c;

    text_sms_count(s, &c);
    assert_int_equal(c.encoding, enc);
    assert_int_equal(c.units, units);
    assert_int_equal(c.segments, segments);
}

static void test_degenerate(void **state)
{
    struct text_sms_count c;

    (void)state;
    text_sms_count("", &c);
    assert_int_equal(c.encoding, TEXT_SMS_GSM7);
    assert_int_equal(c.segments, 0);
    assert_int_equal(c.characters, 0);
    text_sms_count(NULL, &c);
    assert_int_equal(c.segments, 0);
    /* Invalid UTF-8 cannot be GSM-7. */
    text_sms_count("ab\xFF", &c);
    assert_int_equal(c.encoding, TEXT_SMS_UCS2);
    assert_string_equal(text_sms_encoding_name(TEXT_SMS_GSM7), "GSM-7");
    assert_string_equal(text_sms_encoding_name(TEXT_SMS_UCS2), "UCS-2");
}

static void test_alphabet(void **state)
{
    (void)state;
    /* Basic set, including the Spanish letters that are in it. */
    assert_true(text_sms_is_gsm7("@$_!\"#%&'()*+,-./:;<=>?\n\r"));
    assert_true(text_sms_is_gsm7(E_ACUTE "\xC3\xB1\xC3\x91\xC3\xBC\xC3\x9C\xC2\xBF\xC2\xA1"
                                         "\xC3\xA0\xC3\xB9\xC3\xAC\xC3\xB2\xC3\x87\xC2\xA7"));
    assert_true(text_sms_is_gsm7("\xCE\x94\xCE\xA9\xC2\xA3\xC2\xA5\xC2\xA4")); /* ΔΩ£¥¤ */
    /* Extension table. */
    assert_true(text_sms_is_gsm7("^{}\\[~]|" EURO "\f"));
    /* Not GSM: á í ó ú, backtick, tab, emoji, CJK, lowercase ç. */
    assert_false(text_sms_is_gsm7(A_ACUTE));
    assert_false(text_sms_is_gsm7("\xC3\xAD"));
    assert_false(text_sms_is_gsm7("\xC3\xB3"));
    assert_false(text_sms_is_gsm7("\xC3\xBA"));
    assert_false(text_sms_is_gsm7("`"));
    assert_false(text_sms_is_gsm7("\t"));
    assert_false(text_sms_is_gsm7(EMOJI));
    assert_false(text_sms_is_gsm7(CJK));
    assert_false(text_sms_is_gsm7("\xC3\xA7"));
}

static void test_gsm_boundaries(void **state)
{
    static const struct {
        size_t len, segments;
    } cases[] = {{1, 1}, {160, 1}, {161, 2}, {306, 2}, {307, 3}, {459, 3}, {460, 4}};
    (void)state;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        char *s = rep("a", cases[i].len, NULL);
        count(s, TEXT_SMS_GSM7, cases[i].len, cases[i].segments);
        free(s);
    }
}

static void test_ucs2_boundaries(void **state)
{
    static const struct {
        size_t len, segments;
    } cases[] = {{1, 1}, {70, 1}, {71, 2}, {134, 2}, {135, 3}, {201, 3}, {202, 4}};
    (void)state;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        /* One á forces UCS-2; the rest is ASCII, one unit each. */
        char *s = rep("a", cases[i].len - 1, A_ACUTE);
        count(s, TEXT_SMS_UCS2, cases[i].len, cases[i].segments);
        free(s);
    }
}

static void test_extension(void **state)
{
    struct text_sms_count c;
    size_t ends[4];
    char *s;

    (void)state;
    /* 158 + € (2) = 160 septets: one part. 159 + € = 161: two. */
    s = rep("a", 158, EURO);
    count(s, TEXT_SMS_GSM7, 160, 1);
    free(s);
    s = rep("a", 159, EURO);
    count(s, TEXT_SMS_GSM7, 161, 2);
    free(s);
    /* An escape straddling the 153 boundary moves whole to the next part. */
    s = rep("a", 152, "[");
    {
        char *t = rep("b", 10, NULL);
        char *u = xasprintf("%s%s", s, t);
        assert_int_equal(text_sms_split(u, ends, 4, &c), 2);
        assert_int_equal(c.units, 152 + 2 + 10);
        assert_int_equal(ends[0], 152); /* part 1 is 152 septets, not 153 */
        assert_int_equal(c.remaining, 153 - 12);
        free(t);
        free(u);
    }
    free(s);
    /* 153 escapes-free + 153 exact: 306 septets with { at the very end of part 2. */
    s = rep("a", 304, "{");
    count(s, TEXT_SMS_GSM7, 306, 2);
    free(s);
    s = rep("a", 305, "{"); /* 307: the { cannot share part 2 */
    text_sms_split(s, ends, 4, &c);
    assert_int_equal(c.segments, 3);
    assert_int_equal(ends[0], 153);
    assert_int_equal(ends[1], 305);
    free(s);
    /* Form feed counts two as well. */
    count("\f", TEXT_SMS_GSM7, 2, 1);
}

static void test_surrogates(void **state)
{
    struct text_sms_count c;
    size_t ends[4];
    char *s;

    (void)state;
    count(EMOJI, TEXT_SMS_UCS2, 2, 1);
    text_sms_count(EMOJI, &c);
    assert_int_equal(c.characters, 1);
    /* 68 units + emoji (2) = 70: one part; 69 + 2 = 71: two. */
    s = rep("a", 68, EMOJI);
    count(s, TEXT_SMS_UCS2, 70, 1);
    free(s);
    s = rep("a", 69, EMOJI);
    text_sms_split(s, ends, 4, &c);
    assert_int_equal(c.units, 71);
    assert_int_equal(c.segments, 2);
    assert_int_equal(ends[0], 67);
    free(s);
    /* 66 a + emoji + 3 a: the pair would straddle unit 67, so it moves whole. */
    s = rep("a", 66, EMOJI "aaa");
    text_sms_split(s, ends, 4, &c);
    assert_int_equal(c.units, 71);
    assert_int_equal(c.segments, 2);
    assert_int_equal(ends[0], 66);
    assert_int_equal(c.remaining, 67 - 5);
    free(s);
    /* Exactly 67 + 67: 65 a + emoji = 67 units, then 67 CJK. */
    s = rep("a", 65, EMOJI);
    {
        char *t = rep(CJK, 67, NULL);
        char *u = xasprintf("%s%s", s, t);
        text_sms_split(u, ends, 4, &c);
        assert_int_equal(c.units, 134);
        assert_int_equal(c.segments, 2);
        assert_int_equal(ends[0], 65 + 4);
        free(u);
        u = xasprintf("%s%s" CJK, s, t);
        count(u, TEXT_SMS_UCS2, 135, 3);
        free(u);
        free(t);
    }
    free(s);
    /* CJK is one unit: 70 of them fit one part. */
    s = rep(CJK, 70, NULL);
    count(s, TEXT_SMS_UCS2, 70, 1);
    free(s);
}

static void test_alternative(void **state)
{
    struct text_sms_count before, after;
    char *alt, *s;

    (void)state;
    assert_null(text_sms_gsm7_alternative("plain text"));
    assert_null(text_sms_gsm7_alternative("hola " EMOJI));
    alt = text_sms_gsm7_alternative("Qu" E_ACUTE " pas" A_ACUTE "? \xC2\xBF"
                                    "D\xC3\xB3"
                                    "nde? "
                                    "\xE2\x80\x9C"
                                    "ok"
                                    "\xE2\x80\x9D");
    assert_non_null(alt);
    assert_string_equal(alt, "Qu" E_ACUTE " pasa? \xC2\xBF"
                             "Donde? \"ok\"");
    assert_true(text_sms_is_gsm7(alt));
    free(alt);
    /* The saving: 100 characters with one á are 2 UCS-2 parts but 1 GSM-7 part. */
    s = rep("a", 99, A_ACUTE);
    text_sms_count(s, &before);
    alt = text_sms_gsm7_alternative(s);
    text_sms_count(alt, &after);
    assert_int_equal(before.segments, 2);
    assert_int_equal(after.segments, 1);
    assert_int_equal(after.encoding, TEXT_SMS_GSM7);
    free(alt);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_degenerate),     cmocka_unit_test(test_alphabet),
        cmocka_unit_test(test_gsm_boundaries), cmocka_unit_test(test_ucs2_boundaries),
        cmocka_unit_test(test_extension),      cmocka_unit_test(test_surrogates),
        cmocka_unit_test(test_alternative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
