/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/text/text.c: every public function of vigia/text.h, each
 * with degenerate input first (NULL, "", cols 0, invalid UTF-8), then ASCII,
 * Spanish, CJK, combining sequences, emoji sequences, escape sequences and bidi
 * controls. The group teardown calls text_cleanup so AddressSanitizer sees no
 * ICU cache left behind.
 */
#include "config.h"

/* wcwidth is an XSI function (the ncursesw flags may already ask for XSI). */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "vigia/util.h"
#include "vigia/text.h"

/* Grapheme samples, spelt out in bytes so the file stays ASCII. */
#define NIHONGO "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"    /* 日本語 */
#define E_ACUTE_NFC "\xC3\xA9"                            /* é */
#define E_ACUTE_NFD "e\xCC\x81"                           /* e + U+0301 */
#define THUMBS "\xF0\x9F\x91\x8D"                         /* U+1F44D */
#define SKIN "\xF0\x9F\x8F\xBD"                           /* U+1F3FD */
#define ZWJ "\xE2\x80\x8D"                                /* U+200D */
#define MAN "\xF0\x9F\x91\xA8"                            /* U+1F468 */
#define WOMAN "\xF0\x9F\x91\xA9"                          /* U+1F469 */
#define GIRL "\xF0\x9F\x91\xA7"                           /* U+1F467 */
#define FAMILY MAN ZWJ WOMAN ZWJ GIRL                     /* one grapheme, 18 bytes */
#define FLAG_MX "\xF0\x9F\x87\xB2\xF0\x9F\x87\xBD"        /* U+1F1F2 U+1F1FD */
#define HEART_VS16 "\xE2\x9D\xA4\xEF\xB8\x8F"             /* U+2764 U+FE0F */
#define RLO "\xE2\x80\xAE"                                /* U+202E */
#define LRI "\xE2\x81\xA6"                                /* U+2066 */
#define NEL "\xC2\x85"                                    /* U+0085 */
#define FFFD "\xEF\xBF\xBD"                               /* U+FFFD */
#define ZWSP "\xE2\x80\x8B"                               /* U+200B */
#define HANGUL_LVT "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB" /* U+1112 U+1161 U+11AB */
#define HANGUL_HAN "\xED\x95\x9C"                         /* U+D55C */
#define FULLWIDTH_A "\xEF\xBC\xA1"                        /* U+FF21 */

/* ---- text_check --------------------------------------------------------- */

/* enum text_problem text_check(const char *s, size_t max_bytes, bool multiline, size_t *offset); */
static void test_check_degenerate(void **state)
{
    size_t off = 99;

    assert_int_equal(text_check(NULL, 0, false, &off), TEXT_OK);
    assert_int_equal(text_check("", 0, false, &off), TEXT_OK);
    assert_int_equal(text_check("", 1, false, NULL), TEXT_OK);
    assert_int_equal(off, 99); /* untouched when fine */
}

static void test_check_valid(void **state)
{
    assert_int_equal(text_check("three SUVs at the hardware store", 0, false, NULL), TEXT_OK);
    assert_int_equal(text_check("Dep\xC3\xB3sito municipal, \xC3\xB1"
                                "and\xC3\xBA",
                                0, false, NULL),
                     TEXT_OK);
    assert_int_equal(text_check(NIHONGO FAMILY FLAG_MX E_ACUTE_NFD, 0, false, NULL), TEXT_OK);
    assert_int_equal(text_check("\xF4\x8F\xBF\xBF", 0, false, NULL), TEXT_OK); /* U+10FFFF */
    assert_int_equal(text_check("\xEF\xBF\xBD", 0, false, NULL), TEXT_OK);
}

static void test_check_bad_utf8(void **state)
{
    static const struct {
        const char *s;
        size_t off;
    } bad[] = {
        {"ab\xC0\x80", 2},           /* overlong NUL */
        {"\xC1\xBF", 0},             /* overlong */
        {"x\xE0\x80\xAF", 1},        /* overlong 3-byte */
        {"\xF0\x80\x80\xAF", 0},     /* overlong 4-byte */
        {"ok\xED\xA0\x80", 2},       /* surrogate U+D800 */
        {"\xED\xBF\xBF", 0},         /* surrogate U+DFFF */
        {"\xF4\x90\x80\x80", 0},     /* U+110000 */
        {"\xF5\x80\x80\x80", 0},     /* lead byte above F4 */
        {"abc\xE2\x82", 3},          /* truncated at the end */
        {"\xE2\x82x", 0},            /* truncated in the middle */
        {"caf\xC3", 3},              /* truncated 2-byte */
        {"\x80", 0},                 /* lone continuation */
        {"\xFF", 0},                 /* never valid */
        {"\xC3\xA9\xC3\xA9\xA9", 4}, /* stray continuation after valid text */
    };

    for (size_t i = 0; i < UTIL_ARRAY_LEN(bad); i++) {
        size_t off = 99;

        assert_int_equal(text_check(bad[i].s, 0, true, &off), TEXT_BAD_UTF8);
        assert_int_equal(off, bad[i].off);
    }
}

static void test_check_controls(void **state)
{
    size_t off = 99;

    assert_int_equal(text_check("\x1b[2J", 0, false, &off), TEXT_CONTROL);
    assert_int_equal(off, 0);
    assert_int_equal(text_check("clear\x1b[2J", 0, true, &off), TEXT_CONTROL);
    assert_int_equal(off, 5);
    assert_int_equal(text_check("bell\a", 0, true, &off), TEXT_CONTROL);
    assert_int_equal(off, 4);
    assert_int_equal(text_check("del\x7f", 0, true, &off), TEXT_CONTROL);
    assert_int_equal(off, 3);
    assert_int_equal(text_check("c1" NEL, 0, true, &off), TEXT_CONTROL);
    assert_int_equal(off, 2);
    assert_int_equal(text_check("\xC2\x9B"
                                "2J",
                                0, true, &off),
                     TEXT_CONTROL); /* 8-bit CSI */
    assert_int_equal(off, 0);
}

static void test_check_tab_newline(void **state)
{
    size_t off = 99;

    assert_int_equal(text_check("a\tb\nc", 0, true, NULL), TEXT_OK);
    assert_int_equal(text_check("a\tb", 0, false, &off), TEXT_CONTROL);
    assert_int_equal(off, 1);
    assert_int_equal(text_check("ab\nc", 0, false, &off), TEXT_CONTROL);
    assert_int_equal(off, 2);
    /* CR is never allowed, not even in multiline text. */
    assert_int_equal(text_check("a\r\nb", 0, true, &off), TEXT_CONTROL);
    assert_int_equal(off, 1);
}

static void test_check_bidi(void **state)
{
    size_t off = 99;

    assert_int_equal(text_check("txt" RLO "gpj.exe", 0, true, &off), TEXT_CONTROL);
    assert_int_equal(off, 3);
    assert_int_equal(text_check(LRI "x", 0, true, &off), TEXT_CONTROL);
    assert_int_equal(off, 0);
    assert_int_equal(text_check("\xE2\x80\xAA", 0, true, NULL), TEXT_CONTROL); /* U+202A */
    assert_int_equal(text_check("\xE2\x81\xA9", 0, true, NULL), TEXT_CONTROL); /* U+2069 */
    /* Neighbours of the ranges are fine. */
    assert_int_equal(text_check("\xE2\x80\xA9", 0, true, NULL), TEXT_OK); /* U+2029 */
    assert_int_equal(text_check("\xE2\x80\xAF", 0, true, NULL), TEXT_OK); /* U+202F */
    assert_int_equal(text_check("\xE2\x81\xA5", 0, true, NULL), TEXT_OK); /* U+2065 */
    assert_int_equal(text_check("\xE2\x81\xAA", 0, true, NULL), TEXT_OK); /* U+206A */
}

static void test_check_max_bytes(void **state)
{
    size_t off = 99;

    assert_int_equal(text_check("abc", 3, false, &off), TEXT_OK);
    assert_int_equal(text_check("abcd", 3, false, &off), TEXT_TOO_LONG);
    assert_int_equal(off, 3);
    /* A character that would end past the limit. */
    assert_int_equal(text_check("ab" E_ACUTE_NFC, 3, false, &off), TEXT_TOO_LONG);
    assert_int_equal(off, 3);
    assert_int_equal(text_check("ab" E_ACUTE_NFC, 4, false, &off), TEXT_OK);
    /* The first problem wins: an escape before the limit... */
    assert_int_equal(text_check("a\x1b"
                                "bcdef",
                                3, false, &off),
                     TEXT_CONTROL);
    assert_int_equal(off, 1);
    /* ...but only problems before the limit are looked at. */
    assert_int_equal(text_check("abcdef\x1b", 3, false, &off), TEXT_TOO_LONG);
    assert_int_equal(off, 3);
    assert_int_equal(text_check("abc\xFF", 3, false, &off), TEXT_TOO_LONG);
}

/* const char *text_problem_str(enum text_problem p); */
static void test_problem_str(void **state)
{
    const enum text_problem all[] = {TEXT_OK, TEXT_BAD_UTF8, TEXT_CONTROL, TEXT_TOO_LONG};

    assert_string_equal(text_problem_str(TEXT_BAD_UTF8), "invalid UTF-8");
    assert_string_equal(text_problem_str(TEXT_CONTROL), "contains a control character");
    assert_string_equal(text_problem_str(TEXT_TOO_LONG), "too long");
    assert_non_null(text_problem_str((enum text_problem)42));
    for (size_t i = 0; i < UTIL_ARRAY_LEN(all); i++) {
        const char *m = text_problem_str(all[i]);
        size_t n = strlen(m);

        assert_true(n > 0);
        assert_true(m[0] >= 'a' && m[0] <= 'z'); /* lowercase */
        assert_true(m[n - 1] != '.');            /* no final full stop */
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(m, text_problem_str(all[j]));
    }
}

/* ---- text_nfc ----------------------------------------------------------- */

/* Assert that @got equals @want, then free it. */
static void text_test_eq_free(char *got, const char *want)
{
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* char *text_nfc(const char *s); */
static void test_nfc(void **state)
{
    assert_null(text_nfc(NULL));
    text_test_eq_free(text_nfc(""), "");
    text_test_eq_free(text_nfc("plain ascii"), "plain ascii");
    text_test_eq_free(text_nfc("caf" E_ACUTE_NFD), "caf" E_ACUTE_NFC);
    text_test_eq_free(text_nfc("caf" E_ACUTE_NFC), "caf" E_ACUTE_NFC);
    text_test_eq_free(text_nfc("N\xCC\x83"
                               "and\xC3\xBA"),
                      "\xC3\x91"
                      "and\xC3\xBA");
    text_test_eq_free(text_nfc(HANGUL_LVT), "\xED\x95\x9C");
    text_test_eq_free(text_nfc(NIHONGO), NIHONGO);
    text_test_eq_free(text_nfc(FAMILY), FAMILY);
    /* Invalid bytes become U+FFFD rather than slipping through. */
    text_test_eq_free(text_nfc("a\xFF"
                               "b"),
                      "a" FFFD "b");
}

/* ---- text_printable ----------------------------------------------------- */

/* char *text_printable(const char *s); */
static void test_printable_degenerate(void **state)
{
    assert_null(text_printable(NULL));
    text_test_eq_free(text_printable(""), "");
    text_test_eq_free(text_printable("plain ascii ~"), "plain ascii ~");
}

static void test_printable_controls(void **state)
{
    text_test_eq_free(text_printable("\x1b[2J"), FFFD "[2J");
    text_test_eq_free(text_printable("\x1b]0;pwned\a"), FFFD "]0;pwned" FFFD);
    text_test_eq_free(text_printable("a\nb\tc"), "a b c");
    text_test_eq_free(text_printable("a\r\nb"), "a" FFFD " b");
    text_test_eq_free(text_printable("del\x7f"), "del" FFFD);
    text_test_eq_free(text_printable("c1" NEL "\xC2\x9B"), "c1" FFFD FFFD);
    text_test_eq_free(text_printable("txt" RLO "gpj"), "txt" FFFD "gpj");
    text_test_eq_free(text_printable(LRI "x"), FFFD "x");
}

static void test_printable_invalid(void **state)
{
    /* One U+FFFD per maximal invalid subpart. */
    text_test_eq_free(text_printable("a\xFF"
                                     "b"),
                      "a" FFFD "b");
    text_test_eq_free(text_printable("abc\xE2\x82"), "abc" FFFD);
    text_test_eq_free(text_printable("\xC0\x80"), FFFD FFFD);
    text_test_eq_free(text_printable("\xED\xA0\x80"), FFFD FFFD FFFD);
    text_test_eq_free(text_printable("\xF4\x90\x80\x80"), FFFD FFFD FFFD FFFD);
}

static void test_printable_keeps_text(void **state)
{
    const char *keep[] = {
        "Dep\xC3\xB3sito \xC3\x91"
        "and\xC3\xBA",
        NIHONGO,
        "caf" E_ACUTE_NFD,
        FAMILY " " FLAG_MX " " HEART_VS16,
        ZWSP "\xE2\x80\x8E", /* ZWSP and LRM are not overrides */
    };

    for (size_t i = 0; i < UTIL_ARRAY_LEN(keep); i++)
        text_test_eq_free(text_printable(keep[i]), keep[i]);
}

/* The width of a string is the width of its printable form. */
static void test_printable_width_invariant(void **state)
{
    const char *samples[] = {
        "\x1b[2J",       "a\r\nb\tc",           "x\xFF\xE2\x82y",
        "txt" RLO "gpj", NIHONGO "\x07" FAMILY, "c1" NEL "caf" E_ACUTE_NFD,
    };

    for (size_t i = 0; i < UTIL_ARRAY_LEN(samples); i++) {
        char *p = text_printable(samples[i]);

        assert_int_equal(text_width(samples[i]), text_width(p));
        assert_int_equal(text_check(p, 0, false, NULL), TEXT_OK);
        free(p);
    }
}

/* ---- text_width_n ------------------------------------------------------- */

/* int text_width_n(const char *s, size_t n); */
static void test_width_degenerate(void **state)
{
    assert_int_equal(text_width(NULL), 0);
    assert_int_equal(text_width(""), 0);
    assert_int_equal(text_width_n("abc", 0), 0);
    assert_int_equal(text_width_n(NULL, 5), 0);
    /* n past the NUL stops at the NUL. */
    assert_int_equal(text_width_n("ab", 10), 2);
}

static void test_width_ascii_latin(void **state)
{
    assert_int_equal(text_width("hello, world"), 12);
    assert_int_equal(text_width_n("hello, world", 5), 5);
    assert_int_equal(text_width("Dep\xC3\xB3sito"), 8);
    assert_int_equal(text_width("\xC3\x91"
                                "AND\xC3\x9A"),
                     5);
    assert_int_equal(text_width("caf" E_ACUTE_NFC), 4);
    assert_int_equal(text_width("caf" E_ACUTE_NFD), 4);
    assert_int_equal(text_width("a\xCC\x81\xCC\x82\xCC\xA3"), 1); /* stacked marks */
    assert_int_equal(text_width("\xC2\xA1"
                                "Alto!"),
                     6); /* inverted ! */
    assert_int_equal(text_width("stra\xC3\x9F"
                                "e"),
                     6);
}

static void test_width_cjk(void **state)
{
    assert_int_equal(text_width(NIHONGO), 6);
    assert_int_equal(text_width_n(NIHONGO, 3), 2);
    assert_int_equal(text_width("a" NIHONGO "b"), 8);
    assert_int_equal(text_width(FULLWIDTH_A), 2);
    assert_int_equal(text_width(HANGUL_HAN), 2);
    assert_int_equal(text_width(HANGUL_LVT), 2);
    assert_int_equal(text_width("\xE3\x81\x8B\xE3\x82\x99"), 2); /* ka + voiced mark */
    assert_int_equal(text_width("\xEF\xBD\xB1"), 1);             /* halfwidth katakana */
}

static void test_width_emoji(void **state)
{
    assert_int_equal(text_width(THUMBS), 2);
    assert_int_equal(text_width(THUMBS SKIN), 2);
    assert_int_equal(text_width(FAMILY), 2);
    assert_int_equal(text_width(FAMILY FAMILY), 4);
    assert_int_equal(text_width(FLAG_MX), 2);
    assert_int_equal(text_width(HEART_VS16), 1); /* as glibc: text default */
    assert_int_equal(text_width(SKIN), 2);       /* a lone modifier shows */
    assert_int_equal(text_width("a" ZWJ WOMAN), 3);
}

static void test_width_zero_and_controls(void **state)
{
    assert_int_equal(text_width(ZWSP), 0);
    assert_int_equal(text_width(ZWJ), 0);
    assert_int_equal(text_width("\xEF\xB8\x8F"), 0); /* VS16 */
    assert_int_equal(text_width("\xCC\x81"), 0);     /* lone combining acute */
    assert_int_equal(text_width("\xC2\xAD"), 1);     /* soft hyphen, as glibc */
    /* Controls and invalid bytes count as the U+FFFD text_printable shows. */
    assert_int_equal(text_width("\x1b[2J"), 4);
    assert_int_equal(text_width("a\xFF"
                                "b"),
                     3);
    assert_int_equal(text_width("abc\xE2\x82"), 4);
    assert_int_equal(text_width(RLO), 1);
}

/* Cursor placement must agree with ncursesw, which uses wcwidth. */
static void test_width_matches_wcwidth(void **state)
{
    static const char *samples[] = {
        "a",
        E_ACUTE_NFC,
        "\xC3\xB1",
        "\xC3\x9C",
        "\xC3\xA7",
        "\xC3\x9F",
        "\xC2\xBF",
        "\xE6\x97\xA5",
        "\xE8\xAA\x9E",
        "\xE3\x81\x82",
        "\xE3\x82\xA2",
        HANGUL_HAN,
        FULLWIDTH_A,
        "\xEF\xBD\xB1",
        "\xE3\x80\x82",
        "\xCC\x81",
        ZWSP,
        THUMBS,
        SKIN,
        "\xE2\x82\xAC",
        "\xCE\xA9",
        "\xD0\x96",
        "\xD8\xB9",
        "\xD7\x90",
        "\xE0\xA4\x95",
        "\xE2\x9D\xA4",
        "\xEF\xB8\x8F",
        "\xF0\x9F\x98\x80",
    };
    char *old = setlocale(LC_CTYPE, NULL);
    char *saved = old != NULL ? xstrdup(old) : NULL;

    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL && setlocale(LC_CTYPE, "en_US.UTF-8") == NULL) {
        free(saved);
        skip();
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(samples); i++) {
        wchar_t wc;
        mbstate_t mbs;

        memset(&mbs, 0, sizeof(mbs));
        assert_true(mbrtowc(&wc, samples[i], strlen(samples[i]), &mbs) > 0);
        assert_int_equal(text_width(samples[i]), wcwidth(wc));
    }
    setlocale(LC_CTYPE, saved != NULL ? saved : "C");
    free(saved);
}

/* ---- text_fit ----------------------------------------------------------- */

/* size_t text_fit(const char *s, int cols, int *used); */
static void test_fit_degenerate(void **state)
{
    int used = 99;

    assert_int_equal(text_fit(NULL, 10, &used), 0);
    assert_int_equal(used, 0);
    assert_int_equal(text_fit("", 10, &used), 0);
    assert_int_equal(used, 0);
    assert_int_equal(text_fit("abc", 0, &used), 0);
    assert_int_equal(used, 0);
    assert_int_equal(text_fit("abc", -5, &used), 0);
    assert_int_equal(text_fit(NIHONGO, 0, &used), 0);
    assert_int_equal(text_fit("abc", 10, NULL), 3);
}

static void test_fit_ascii(void **state)
{
    int used = 0;

    assert_int_equal(text_fit("hello world", 5, &used), 5);
    assert_int_equal(used, 5);
    assert_int_equal(text_fit("hello", 80, &used), 5);
    assert_int_equal(used, 5);
    assert_int_equal(text_fit("\x1b[2J", 2, &used), 2);
    assert_int_equal(text_fit("ab\r\ncd", 3, &used), 2); /* CR LF is one grapheme */
    assert_int_equal(text_fit("ab\r\ncd", 4, &used), 4);
    assert_int_equal(used, 4);
}

static void test_fit_cjk(void **state)
{
    int used = 0;

    assert_int_equal(text_fit(NIHONGO, 5, &used), 6);
    assert_int_equal(used, 4);
    assert_int_equal(text_fit(NIHONGO, 6, &used), 9);
    assert_int_equal(used, 6);
    assert_int_equal(text_fit(NIHONGO, 1, &used), 0);
    assert_int_equal(used, 0);
    assert_int_equal(text_fit("ab" NIHONGO, 3, &used), 2);
    assert_int_equal(used, 2);
    assert_int_equal(text_fit(HANGUL_LVT "x", 2, &used), 9);
    assert_int_equal(used, 2);
}

static void test_fit_combining(void **state)
{
    int used = 0;

    /* The fast path must not separate a base letter from its accent. */
    assert_int_equal(text_fit("cafe\xCC\x81", 4, &used), 6);
    assert_int_equal(used, 4);
    assert_int_equal(text_fit("cafe\xCC\x81!", 4, &used), 6);
    assert_int_equal(text_fit("cafe\xCC\x81!", 3, &used), 3);
    assert_int_equal(used, 3);
    assert_int_equal(text_fit(E_ACUTE_NFD "x", 1, &used), 3);
    assert_int_equal(used, 1);
    assert_int_equal(text_fit("Dep\xC3\xB3sito municipal", 5, &used), 6);
    assert_int_equal(used, 5);
}

static void test_fit_emoji(void **state)
{
    int used = 0;

    assert_int_equal(text_fit(FAMILY, 1, &used), 0);
    assert_int_equal(text_fit(FAMILY, 2, &used), strlen(FAMILY));
    assert_int_equal(used, 2);
    assert_int_equal(text_fit("a" FAMILY "b", 2, &used), 1);
    assert_int_equal(text_fit("a" FAMILY "b", 3, &used), 1 + strlen(FAMILY));
    assert_int_equal(used, 3);
    assert_int_equal(text_fit(THUMBS SKIN "x", 2, &used), 8);
    assert_int_equal(text_fit(FLAG_MX FLAG_MX, 3, &used), 8);
    assert_int_equal(used, 2);
}

static void test_fit_invalid(void **state)
{
    int used = 0;

    assert_int_equal(text_fit("a\xFF"
                              "bc",
                              2, &used),
                     2);
    assert_int_equal(used, 2);
    assert_int_equal(text_fit("a\xFF"
                              "bc",
                              10, &used),
                     4);
    assert_int_equal(used, 4);
}

/* text_fit agrees with text_width when everything fits. */
static void test_fit_agrees_with_width(void **state)
{
    const char *samples[] = {
        "plain",
        NIHONGO,
        "caf" E_ACUTE_NFD,
        FAMILY "x" FLAG_MX,
        THUMBS SKIN,
        "\xC3\x91"
        "AND\xC3\x9A",
        HANGUL_LVT,
        "x\xFF\xE2\x82y",
        "a\r\nb",
    };

    for (size_t i = 0; i < UTIL_ARRAY_LEN(samples); i++) {
        int used = -1;

        assert_int_equal(text_fit(samples[i], 1000, &used), strlen(samples[i]));
        assert_int_equal(used, text_width(samples[i]));
    }
}

/*
 * text_fit's fast paths guess grapheme boundaries without ICU: on random mixes
 * of tricky pieces it must cut exactly where a walk with text_next_grapheme
 * (always ICU for non-ASCII) says, at every width.
 */
static void test_fit_matches_graphemes(void **state)
{
    static const char *pieces[] = {
        "a",
        " ",
        "\xC3\xB1",
        "\xCC\x81",
        "\xE6\x97\xA5",
        "\xE3\x81\x8B",
        "\xE3\x82\x99",
        ZWJ,
        MAN,
        WOMAN,
        SKIN,
        "\xF0\x9F\x87\xB2",
        "\xF0\x9F\x87\xBD",
        "\r",
        "\n",
        "\xFF",
        "\xE2\x82",
        "\xE1\x84\x92",
        "\xE1\x85\xA1",
        "\xE1\x86\xAB",
        HANGUL_HAN,
        "\xE0\xA4\x95",
        "\xE0\xA5\x8D",
        "\xE0\xA4\xBE",
        "\xD8\x80",
        "\xC2\xA9",
        "\xEF\xB8\x8F",
        "\x1b",
        ZWSP,
        "\xC2\xAD",
        "\xE2\x9D\xA4",
    };
    uint32_t seed = 12345;

    for (int iter = 0; iter < 3000; iter++) {
        char s[128] = "";
        size_t len, parts;

        seed = seed * 1103515245u + 12345u;
        parts = 1 + (seed >> 16) % 10;
        for (size_t j = 0; j < parts; j++) {
            seed = seed * 1103515245u + 12345u;
            strcat(s, pieces[(seed >> 16) % UTIL_ARRAY_LEN(pieces)]);
        }
        len = strlen(s);
        for (int cols = 0; cols <= 9; cols++) {
            size_t want = 0, pos = 0;
            int want_used = 0, used = -1;

            while (pos < len) {
                size_t next = text_next_grapheme(s, len, pos);
                int gw = text_width_n(s + pos, next - pos);

                if (want_used + gw > cols)
                    break;
                want_used += gw;
                pos = want = next;
            }
            assert_int_equal(text_fit(s, cols, &used), want);
            assert_int_equal(used, want_used);
        }
    }
}

/* ---- text_next_grapheme / text_prev_grapheme ---------------------------- */

/* size_t text_next_grapheme(const char *s, size_t len, size_t pos); */
static void test_next_grapheme(void **state)
{
    const char *s = "a" E_ACUTE_NFD NIHONGO FAMILY "\r\nz";
    size_t len = strlen(s);
    const size_t stops[] = {1, 4, 7, 10, 13, 31, 33, 34};
    size_t pos = 0;

    assert_int_equal(text_next_grapheme(NULL, 0, 0), 0);
    assert_int_equal(text_next_grapheme("", 0, 0), 0);
    assert_int_equal(text_next_grapheme("abc", 3, 3), 3);
    assert_int_equal(text_next_grapheme("abc", 3, 7), 3);
    assert_int_equal(text_next_grapheme("abc", 3, 0), 1);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(stops); i++) {
        pos = text_next_grapheme(s, len, pos);
        assert_int_equal(pos, stops[i]);
    }
    assert_int_equal(text_next_grapheme(s, len, len), len);
    /* From inside a cluster: the end of that cluster. */
    assert_int_equal(text_next_grapheme(s, len, 2), 4);
    assert_int_equal(text_next_grapheme(s, len, 20), 31);
    /* Flags pair up. */
    assert_int_equal(text_next_grapheme(FLAG_MX FLAG_MX, 16, 0), 8);
    /* len limits the text even without a NUL there. */
    assert_int_equal(text_next_grapheme("e\xCC\x81", 1, 0), 1);
}

/* size_t text_prev_grapheme(const char *s, size_t len, size_t pos); */
static void test_prev_grapheme(void **state)
{
    const char *s = "a" E_ACUTE_NFD NIHONGO FAMILY "\r\nz";
    size_t len = strlen(s);
    const size_t stops[] = {33, 31, 13, 10, 7, 4, 1, 0};
    size_t pos = len;

    assert_int_equal(text_prev_grapheme(NULL, 0, 0), 0);
    assert_int_equal(text_prev_grapheme("", 0, 0), 0);
    assert_int_equal(text_prev_grapheme("abc", 3, 0), 0);
    assert_int_equal(text_prev_grapheme("abc", 3, 3), 2);
    assert_int_equal(text_prev_grapheme("abc", 3, 9), 2);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(stops); i++) {
        pos = text_prev_grapheme(s, len, pos);
        assert_int_equal(pos, stops[i]);
    }
    assert_int_equal(text_prev_grapheme(s, len, 0), 0);
    assert_int_equal(text_prev_grapheme(s, len, 3), 1);
    assert_int_equal(text_prev_grapheme(s, len, 20), 13);
    assert_int_equal(text_prev_grapheme("x\r\n", 3, 3), 1);
    assert_int_equal(text_prev_grapheme(FLAG_MX FLAG_MX, 16, 16), 8);
    /* Backspace over "Depósito" written with a combining accent. */
    assert_int_equal(text_prev_grapheme("Depo\xCC\x81", 6, 6), 3);
}

/* ---- text_wrap ---------------------------------------------------------- */

struct text_test_lines {
    int n;
    char *line[16];
};

/* Collect a wrapped line into a struct text_test_lines. */
static void text_test_collect(const char *start, size_t n, void *data)
{
    struct text_test_lines *l = data;

    assert_true(l->n < (int)UTIL_ARRAY_LEN(l->line));
    l->line[l->n++] = xstrndup(start, n);
}

/* Wrap @s at @cols and compare with the @count expected lines that follow. */
static void text_test_wrap(const char *s, int cols, int count, ...)
{
    struct text_test_lines l = {0, {NULL}};
    va_list ap;

    assert_int_equal(text_wrap(s, cols, text_test_collect, &l), count);
    assert_int_equal(l.n, count);
    va_start(ap, count);
    for (int i = 0; i < count; i++) {
        const char *want = va_arg(ap, const char *);

        size_t n = strlen(l.line[i]);

        assert_string_equal(l.line[i], want);
        /* Every line fits, unless it is a single grapheme wider than cols. */
        assert_true(text_width(l.line[i]) <= (cols > 0 ? cols : 1) ||
                    text_next_grapheme(l.line[i], n, 0) == n);
        free(l.line[i]);
    }
    va_end(ap);
}

/* int text_wrap(const char *s, int cols, void (*line)(...), void *data); */
static void test_wrap_degenerate(void **state)
{
    assert_int_equal(text_wrap(NULL, 10, text_test_collect, NULL), 0);
    assert_int_equal(text_wrap("", 10, text_test_collect, NULL), 0);
    /* A NULL callback just counts. */
    assert_int_equal(text_wrap("one two three", 5, NULL, NULL), 3);
    /* cols 0 behaves as 1: one grapheme per line at least, never a loop. */
    text_test_wrap("abc", 0, 3, "a", "b", "c");
    text_test_wrap(NIHONGO, 1, 3, "\xE6\x97\xA5", "\xE6\x9C\xAC", "\xE8\xAA\x9E");
    text_test_wrap("a", 80, 1, "a");
}

static void test_wrap_words(void **state)
{
    text_test_wrap("hello world", 11, 1, "hello world");
    text_test_wrap("hello world", 10, 2, "hello", "world");
    text_test_wrap("hello world", 5, 2, "hello", "world");
    /* Trailing spaces at a break are neither counted nor returned. */
    text_test_wrap("hello   world", 7, 2, "hello", "world");
    text_test_wrap("hello world   ", 20, 1, "hello world");
    text_test_wrap("three SUVs and a van at the hardware store", 16, 3, "three SUVs and a",
                   "van at the", "hardware store");
}

static void test_wrap_long_word(void **state)
{
    /* Break inside a word only when it alone is wider than cols. */
    text_test_wrap("abcdefghij", 4, 3, "abcd", "efgh", "ij");
    text_test_wrap("ab cdefghijk", 4, 4, "ab", "cdef", "ghij", "k");
    /* ICU offers breaks after the slashes of a URL. */
    text_test_wrap("see https://example.org/a/b", 12, 3, "see https://", "example.org/", "a/b");
    /* A cut never splits a grapheme. */
    text_test_wrap("cafe\xCC\x81"
                   "cafe\xCC\x81",
                   3, 3, "caf",
                   "e\xCC\x81"
                   "ca",
                   "fe\xCC\x81");
}

static void test_wrap_newlines(void **state)
{
    text_test_wrap("a\nb", 10, 2, "a", "b");
    text_test_wrap("a\n\nb", 10, 3, "a", "", "b");
    text_test_wrap("a\n", 10, 1, "a"); /* a final newline adds no empty line */
    text_test_wrap("\n", 10, 1, "");
    text_test_wrap("one two\nthree four", 7, 3, "one two", "three", "four");
}

static void test_wrap_spanish_cjk_emoji(void **state)
{
    text_test_wrap("Tres camionetas en el dep\xC3\xB3sito de la calle 5, \xC2\xA1no abran!", 20, 3,
                   "Tres camionetas en", "el dep\xC3\xB3sito de la", "calle 5, \xC2\xA1no abran!");
    text_test_wrap(NIHONGO NIHONGO, 6, 2, NIHONGO, NIHONGO);
    text_test_wrap(NIHONGO NIHONGO, 5, 3, "\xE6\x97\xA5\xE6\x9C\xAC", "\xE8\xAA\x9E\xE6\x97\xA5",
                   "\xE6\x9C\xAC\xE8\xAA\x9E");
    text_test_wrap("ok " FAMILY " " FAMILY, 4, 3, "ok", FAMILY, FAMILY);
}

/* ---- text_fold ---------------------------------------------------------- */

/* char *text_fold(const char *s); */
static void test_fold(void **state)
{
    assert_null(text_fold(NULL));
    text_test_eq_free(text_fold(""), "");
    text_test_eq_free(text_fold("HELLO World 42"), "hello world 42");
    text_test_eq_free(text_fold("Dep\xC3\xB3sito"), "deposito");
    text_test_eq_free(text_fold("Depo\xCC\x81sito"), "deposito");
    text_test_eq_free(text_fold("\xC3\x91"
                                "AND\xC3\x9A"),
                      "nandu");
    text_test_eq_free(text_fold("Stra\xC3\x9F"
                                "e"),
                      "strasse");
    text_test_eq_free(text_fold("ping\xC3\xBC"
                                "ino CORAZ\xC3\x93N"),
                      "pinguino corazon");
    text_test_eq_free(text_fold(FULLWIDTH_A "B"), "ab");
    text_test_eq_free(text_fold("\xEF\xAC\x81"
                                "esta"),
                      "fiesta");                                 /* fi ligature */
    text_test_eq_free(text_fold("\xC4\xB0stanbul"), "istanbul"); /* I with dot */
    text_test_eq_free(text_fold("\xCE\xA3\xCE\x8A\xCE\xA3"), "\xCF\x83\xCE\xB9\xCF\x83");
    text_test_eq_free(text_fold(NIHONGO), NIHONGO);
    text_test_eq_free(text_fold("a\xFF"), "a" FFFD);
    /* A dispatcher typing without accents finds the record. */
    char *key = text_fold("DEP\xC3\x93SITO MUNICIPAL");
    char *query = text_fold("deposito");

    assert_non_null(strstr(key, query));
    free(key);
    free(query);
}

/* ---- text_collate ------------------------------------------------------- */

/* int text_collate(const char *a, const char *b, const char *locale); */
static void test_collate(void **state)
{
    assert_int_equal(text_collate(NULL, NULL, NULL), 0);
    assert_int_equal(text_collate(NULL, "", "en"), 0);
    assert_true(text_collate(NULL, "a", "en") < 0);
    assert_int_equal(text_collate("abc", "abc", NULL), 0);
    assert_true(text_collate("a", "b", NULL) < 0);
    assert_true(text_collate("b", "a", "en") > 0);
    /* Accents are secondary differences, not byte order. */
    assert_true(text_collate("\xC3\xA9l", "f", "en") < 0); /* strcmp says > */
    /* Spanish ñ is a letter after n; in English it sorts with n. */
    assert_true(text_collate("\xC3\xB1u", "nz", "es") > 0);
    assert_true(text_collate("\xC3\xB1u", "nz", "en") < 0);
    /* Canonically equivalent strings are equal. */
    assert_int_equal(text_collate("caf" E_ACUTE_NFC, "caf" E_ACUTE_NFD, "es"), 0);
}

static void test_collate_cache(void **state)
{
    const char *locales[] = {"es", "en", "fr", "de", "sv", "ja", "es", "root", "en"};

    /* More locales than cache slots: eviction must keep results right. */
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < UTIL_ARRAY_LEN(locales); i++) {
            assert_true(text_collate("a", "b", locales[i]) < 0);
            assert_int_equal(text_collate("x", "x", locales[i]), 0);
        }
        assert_true(text_collate("\xC3\xB1u", "nz", "es") > 0);
        /* Swedish: z < \xC3\xB6 (o umlaut sorts after z). */
        assert_true(text_collate("z", "\xC3\xB6", "sv") < 0);
        assert_true(text_collate("z", "\xC3\xB6", "de") > 0);
    }
}

/* ---- text_cleanup ------------------------------------------------------- */

/* void text_cleanup(void); */
static void test_cleanup_then_reuse(void **state)
{
    int used = 0;

    text_cleanup();
    text_cleanup(); /* twice is harmless */
    assert_true(text_collate("\xC3\xB1u", "nz", "es") > 0);
    assert_int_equal(text_fit("cafe\xCC\x81", 4, &used), 6);
    assert_int_equal(text_next_grapheme(FAMILY, strlen(FAMILY), 0), strlen(FAMILY));
    text_test_wrap("hello world", 5, 2, "hello", "world");
    text_test_eq_free(text_nfc("e\xCC\x81"), E_ACUTE_NFC);
    text_test_eq_free(text_fold("\xC3\x91"), "n");
    text_cleanup();
    text_test_eq_free(text_fold("\xC3\x91"), "n");
}

/* Release every ICU cache so leak checkers stay quiet. */
static int text_test_teardown(void **state)
{
    text_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_degenerate),
        cmocka_unit_test(test_check_valid),
        cmocka_unit_test(test_check_bad_utf8),
        cmocka_unit_test(test_check_controls),
        cmocka_unit_test(test_check_tab_newline),
        cmocka_unit_test(test_check_bidi),
        cmocka_unit_test(test_check_max_bytes),
        cmocka_unit_test(test_problem_str),
        cmocka_unit_test(test_nfc),
        cmocka_unit_test(test_printable_degenerate),
        cmocka_unit_test(test_printable_controls),
        cmocka_unit_test(test_printable_invalid),
        cmocka_unit_test(test_printable_keeps_text),
        cmocka_unit_test(test_printable_width_invariant),
        cmocka_unit_test(test_width_degenerate),
        cmocka_unit_test(test_width_ascii_latin),
        cmocka_unit_test(test_width_cjk),
        cmocka_unit_test(test_width_emoji),
        cmocka_unit_test(test_width_zero_and_controls),
        cmocka_unit_test(test_width_matches_wcwidth),
        cmocka_unit_test(test_fit_degenerate),
        cmocka_unit_test(test_fit_ascii),
        cmocka_unit_test(test_fit_cjk),
        cmocka_unit_test(test_fit_combining),
        cmocka_unit_test(test_fit_emoji),
        cmocka_unit_test(test_fit_invalid),
        cmocka_unit_test(test_fit_agrees_with_width),
        cmocka_unit_test(test_fit_matches_graphemes),
        cmocka_unit_test(test_next_grapheme),
        cmocka_unit_test(test_prev_grapheme),
        cmocka_unit_test(test_wrap_degenerate),
        cmocka_unit_test(test_wrap_words),
        cmocka_unit_test(test_wrap_long_word),
        cmocka_unit_test(test_wrap_newlines),
        cmocka_unit_test(test_wrap_spanish_cjk_emoji),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_collate),
        cmocka_unit_test(test_collate_cache),
        cmocka_unit_test(test_cleanup_then_reuse),
    };

    return cmocka_run_group_tests_name("text", tests, NULL, text_test_teardown);
}
