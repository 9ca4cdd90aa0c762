/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for ICU loaded on first use (src/text/icu.h, text-icu.c) and
 * for text_wrap's Latin line breaking without ICU: Latin text is measured,
 * fitted and wrapped without loading ICU, and the Latin fast path breaks
 * lines exactly where ICU's line break iterator does, on every string of up
 * to four characters from an alphabet of Latin letters, digits, spaces and
 * punctuation, and on random longer ones.
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

#include "src/text/icu.h"

/* Collect wrapped lines as "offset+length;" into a buf. */
struct lines {
    const char *base;
    struct buf b;
};

static void on_line(const char *start, size_t n, void *data)
{
    struct lines *l = data;

    buf_printf(&l->b, "%zu+%zu;", (size_t)(start - l->base), n);
}

static char *wrap_lines(const char *s, int cols, bool latin)
{
    struct lines l = {s, {0}};

    buf_init(&l.b);
    text_icu_latin_breaks = latin;
    text_wrap(s, cols, on_line, &l);
    text_icu_latin_breaks = true;
    return buf_steal(&l.b);
}

static void compare(const char *s, int cols);

static void test_latin_without_icu(void **state)
{
    const char *what = "people detained near the entrance, a caller saw it first-hand (#42); "
                       "polic\xC3\xAD"
                       "a local, no ICE seg\xC3\xBAn el testigo \xC2\xB7 5th and Main";
    char *got;

    (void)state;
    assert_false(text_icu_uc_ready);
    assert_int_equal(text_width(what), 122);
    assert_int_equal(text_fit(what, 10, NULL), 10);
    got = wrap_lines(what, 30, true);
    assert_string_equal(got, "0+24;25+25;51+26;78+31;110+15;"); /* byte offset + length */
    free(got);
    got = wrap_lines(what, 9, true);
    /* "first-" ends a line: a break after the hyphen. */
    assert_string_equal(got, "0+6;7+8;16+8;25+9;35+8;44+6;51+6;57+4;62+6;69+8;78+9;88+10;99+2;"
                             "102+10;113+7;121+4;");
    free(got);
    assert_false(text_icu_uc_ready);
    assert_false(text_icu_i18n_ready);

    compare(what, 30); /* as ICU would have it */
    compare(what, 9);

    /* A CJK paragraph too wide for its column needs ICU: loaded then. */
    assert_int_equal(text_wrap("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", 4, NULL, NULL), 2);
    assert_true(text_icu_uc_ready);
    assert_false(text_icu_i18n_ready);
    assert_true(text_collate("a", "b", NULL) < 0);
    assert_true(text_icu_i18n_ready);
}

static const char *const alphabet[] = {
    "a", "Z", "\xC3\xA9", "\xC2\xB7", "5", " ", ".", ",", "!", "(", ")", "\"", "'", "-", "#", "/",
};

static void compare(const char *s, int cols)
{
    char *fast = wrap_lines(s, cols, true), *icu = wrap_lines(s, cols, false);

    if (strcmp(fast, icu) != 0)
        fail_msg("[%s] at %d columns: fast path %s, ICU %s", s, cols, fast, icu);
    free(fast);
    free(icu);
}

static void all_strings(char *buf, size_t len, int depth, int max)
{
    if (depth > 0) {
        buf[len] = '\0';
        for (int cols = 1; cols <= 3; cols++)
            compare(buf, cols);
    }
    if (depth == max)
        return;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(alphabet); i++) {
        size_t n = strlen(alphabet[i]);
        memcpy(buf + len, alphabet[i], n);
        all_strings(buf, len + n, depth + 1, max);
    }
}

static void test_latin_breaks_as_icu(void **state)
{
    static const char *const words[] = {
        "agents", "first-hand", "5-10", "(#13)",        "papers,", "\"ICE\"", "don't", "ok!",
        "3.5",    "a.m.",       "se",   "seg\xC3\xBAn", "(",       "\"",      "-",     "x-\"y\"",
    };
    char buf[512];
    unsigned seed = 7;

    (void)state;
    all_strings(buf, 0, 0, 4);
    /* Sentences of words and punctuation, wrapped at every width that breaks them. */
    for (int t = 0; t < 3000; t++) {
        size_t len = 0;
        int n = 2 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 12;
        for (int i = 0; i < n; i++) {
            unsigned r = (seed = seed * 1103515245u + 12345u) >> 16;
            const char *w =
                r % 3 ? words[r % UTIL_ARRAY_LEN(words)] : alphabet[r % UTIL_ARRAY_LEN(alphabet)];
            size_t k = strlen(w);
            memcpy(buf + len, w, k);
            len += k;
            if (r % 5)
                buf[len++] = ' ';
        }
        buf[len] = '\0';
        for (int cols = 1; cols < 40; cols += 3)
            compare(buf, cols);
    }
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
        cmocka_unit_test(test_latin_without_icu),
        cmocka_unit_test(test_latin_breaks_as_icu),
    };

    return cmocka_run_group_tests_name("text-icu", tests, NULL, teardown);
}
