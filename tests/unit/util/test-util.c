/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/util/: the string buffer, xasprintf, time parsing and
 * formatting, ULIDs and the hybrid logical clock. Degenerate input first
 * (NULL, empty, junk), then the forms a dispatcher types on the phone. Local
 * clock times are tested with TZ=UTC so the expected values are fixed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vigia/util.h"

/* 2026-11-22T10:42:00Z and 2026-11-22T12:00:00Z in UTC milliseconds. */
#define T_1042 1795344120000LL
#define T_NOON 1795348800000LL
#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

/* ---- buf ------------------------------------------------------------------ */

/* void buf_init(struct buf *b); char *buf_steal(struct buf *b); */
static void test_buf_empty(void **state)
{
    struct buf b;
    char *s;

    buf_init(&b);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(b.len, 0);
    s = buf_steal(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    buf_add(&b, "", 0);
    assert_string_equal(buf_str(&b), "");
    buf_fini(&b);
    buf_fini(&b); /* twice is harmless */
}

static void test_buf_grow(void **state)
{
    struct buf b;
    char *s;

    buf_init(&b);
    buf_adds(&b, "abc");
    buf_addc(&b, '-');
    buf_add(&b, "xyz123", 3);
    buf_printf(&b, ":%d:%s", 42, "dep\xC3\xB3sito");
    assert_string_equal(buf_str(&b), "abc-xyz:42:dep\xC3\xB3sito");
    assert_int_equal(b.len, 20);
    for (int i = 0; i < 1000; i++)
        buf_addc(&b, 'x');
    assert_int_equal(b.len, 20 + 1000);
    assert_int_equal(buf_str(&b)[b.len], '\0');
    s = buf_steal(&b);
    assert_int_equal(strlen(s), 1020);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(b.len, 0);
    free(s);
    buf_printf(&b, "%s", "again");
    buf_reset(&b);
    assert_string_equal(buf_str(&b), "");
    buf_adds(&b, "ok");
    assert_string_equal(buf_str(&b), "ok");
    buf_fini(&b);
}

/* ---- xasprintf ------------------------------------------------------------- */

static void test_xasprintf(void **state)
{
    char *s = xasprintf("%s", "");
    char big[5000];

    assert_string_equal(s, "");
    free(s);
    s = xasprintf("%d-%s-%c", -7, "caf\xC3\xA9", 'z');
    assert_string_equal(s, "-7-caf\xC3\xA9-z");
    free(s);
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    s = xasprintf("<%s>", big);
    assert_int_equal(strlen(s), sizeof big + 1);
    free(s);
    assert_null(xstrdup(NULL));
    s = xstrndup("abcdef", 3);
    assert_string_equal(s, "abc");
    free(s);
}

/* ---- timeutil_parse -------------------------------------------------------- */

/* int timeutil_parse(const char *s, int64_t now, int64_t *out); */
static void test_parse_degenerate(void **state)
{
    int64_t t = 12345;
    const char *junk[] = {
        "",
        "   ",
        "banana",
        "ago",
        "min ago",
        "15",
        "15 lightyears ago",
        "15 min hence",
        "-5 min ago",
        "10:42pm",
        "25:00",
        "10:60",
        "2026-13-01T00:00:00Z",
        "2026-02-30x",
        "2026-11-22T10:42:00+25:00",
        "2026-11-22T10:42:00Q",
        "2026-11-22T10:42:00.Z",
        "1969-12-31T23:59:59Z",
        "hace",
        "hace min",
        "2026-02-29T10:00:00Z",
        "2026-04-31T10:00:00Z",
        "2026-11-22T10:42:00+02",
    };

    assert_int_equal(timeutil_parse(NULL, T_NOON, &t), -1);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(junk); i++) {
        t = 12345;
        if (timeutil_parse(junk[i], T_NOON, &t) != -1)
            fail_msg("'%s' parsed as %lld", junk[i], (long long)t);
        assert_int_equal(t, 12345);
    }
}

static void test_parse_rfc3339(void **state)
{
    int64_t t = 0;

    assert_int_equal(timeutil_parse("2026-11-22T10:42:00Z", T_NOON, &t), 0);
    assert_int_equal(t, T_1042);
    assert_int_equal(timeutil_parse("2026-11-22t10:42:00z", T_NOON, &t), 0);
    assert_int_equal(t, T_1042);
    assert_int_equal(timeutil_parse("2026-11-22T10:42:00.123Z", T_NOON, &t), 0);
    assert_int_equal(t, T_1042 + 123);
    assert_int_equal(timeutil_parse("2026-11-22T10:42:00.5Z", T_NOON, &t), 0);
    assert_int_equal(t, T_1042 + 500);
    assert_int_equal(timeutil_parse("2026-11-22T10:42:00.123456789Z", T_NOON, &t), 0);
    assert_int_equal(t, T_1042 + 123);
    assert_int_equal(timeutil_parse("2026-11-22T12:42:00+02:00", T_NOON, &t), 0);
    assert_int_equal(t, T_1042);
    assert_int_equal(timeutil_parse("2026-11-22T02:42:00-08:00", T_NOON, &t), 0);
    assert_int_equal(t, T_1042);
    assert_int_equal(timeutil_parse("2026-11-22T16:12:00.250+05:30", T_NOON, &t), 0);
    assert_int_equal(t, T_1042 + 250);
    assert_int_equal(timeutil_parse("  2026-11-22T10:42:00Z", T_NOON, &t), 0);
    assert_int_equal(t, T_1042);
    /* No zone: local time, UTC in these tests. */
    assert_int_equal(timeutil_parse("2026-11-22 10:42", T_NOON, &t), 0);
    assert_int_equal(t, T_1042);
    assert_int_equal(timeutil_parse("2028-02-29T00:00:00Z", T_NOON, &t), 0); /* leap year */
    assert_int_equal(timeutil_parse("2026-12-31T23:59:59Z", T_NOON, &t), 0);
    assert_int_equal(timeutil_parse("1970-01-01T00:00:00Z", T_NOON, &t), 0);
    assert_int_equal(t, 0);
}

static void test_parse_relative(void **state)
{
    int64_t t = 0;

    assert_int_equal(timeutil_parse("now", T_NOON, &t), 0);
    assert_int_equal(t, T_NOON);
    assert_int_equal(timeutil_parse("NOW", T_NOON, &t), 0);
    assert_int_equal(t, T_NOON);
    assert_int_equal(timeutil_parse("ahora", T_NOON, &t), 0);
    assert_int_equal(t, T_NOON);
    assert_int_equal(timeutil_parse("15 min ago", T_NOON, &t), 0);
    assert_int_equal(t, T_NOON - 15 * MIN);
    assert_int_equal(timeutil_parse("2h ago", T_NOON, &t), 0);
    assert_int_equal(t, T_NOON - 2 * HOUR);
    assert_int_equal(timeutil_parse("2 hours ago", T_NOON, &t), 0);
    assert_int_equal(t, T_NOON - 2 * HOUR);
    assert_int_equal(timeutil_parse("10m", T_NOON, &t), 0);
    assert_int_equal(t, T_NOON - 10 * MIN);
    assert_int_equal(timeutil_parse("hace 10 min", T_NOON, &t), 0);
    assert_int_equal(t, T_NOON - 10 * MIN);
    assert_int_equal(timeutil_parse("hace 2 horas", T_NOON, &t), 0);
    assert_int_equal(t, T_NOON - 2 * HOUR);
    assert_int_equal(timeutil_parse("hace 3 d\xC3\xAD"
                                    "as",
                                    T_NOON, &t),
                     0);
    assert_int_equal(t, T_NOON - 3 * DAY);
    assert_int_equal(timeutil_parse("30 seconds ago", T_NOON, &t), 0);
    assert_int_equal(t, T_NOON - 30000);
    assert_int_equal(timeutil_parse("0 min ago", T_NOON, &t), 0);
    assert_int_equal(t, T_NOON);
}

static void test_parse_clock(void **state)
{
    int64_t t = 0;

    /* "10:42" said at noon: this morning. */
    assert_int_equal(timeutil_parse("10:42", T_NOON, &t), 0);
    assert_int_equal(t, T_1042);
    /* "10:42" said at 09:00: yesterday's 10:42, never the future. */
    assert_int_equal(timeutil_parse("10:42", T_NOON - 3 * HOUR, &t), 0);
    assert_int_equal(t, T_1042 - DAY);
    /* Exactly now is not the future. */
    assert_int_equal(timeutil_parse("10:42", T_1042, &t), 0);
    assert_int_equal(t, T_1042);
    assert_int_equal(timeutil_parse("0:05", T_NOON, &t), 0);
    assert_int_equal(t, T_NOON - 12 * HOUR + 5 * MIN);
}

/* ---- timeutil_rfc3339, timeutil_age ------------------------------------------ */

static void test_rfc3339(void **state)
{
    char out[32];
    int64_t back = 0;

    timeutil_rfc3339(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    timeutil_rfc3339(T_1042 + 7, out);
    assert_string_equal(out, "2026-11-22T10:42:00.007Z");
    assert_int_equal(timeutil_parse(out, T_NOON, &back), 0);
    assert_int_equal(back, T_1042 + 7);
    timeutil_rfc3339(951782400000LL, out); /* leap day 2000 */
    assert_string_equal(out, "2000-02-29T00:00:00.000Z");
}

static void test_age(void **state)
{
    static const struct {
        int64_t ms;
        const char *want;
    } cases[] = {
        {-5 * MIN, "now"},         {0, "now"},
        {MIN - 1, "now"},          {MIN, "1m"},
        {59 * MIN + 59999, "59m"}, {HOUR, "1h"},
        {48 * HOUR - 1, "47h"},    {48 * HOUR, "2d"},
        {14 * DAY - 1, "13d"},     {14 * DAY, "2w"},
        {998 * 7 * DAY, "998w"},   {999 * 7 * DAY, "old"},
        {INT64_MAX / 2, "old"},
    };
    char out[8];

    for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        memset(out, 'X', sizeof out);
        timeutil_age(cases[i].ms, out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("age %lld: got '%s', want '%s'", (long long)cases[i].ms, out, cases[i].want);
    }
}

static void test_fixed_clock(void **state)
{
    timeutil_set_fixed(T_1042);
    assert_int_equal(timeutil_now_ms(), T_1042);
    timeutil_set_fixed(0);
    assert_true(timeutil_now_ms() > T_1042 - 365 * DAY * 10);
}

/* ---- ulid ----------------------------------------------------------------------- */

static void test_ulid_valid_degenerate(void **state)
{
    assert_false(ulid_valid(NULL));
    assert_false(ulid_valid(""));
    assert_false(ulid_valid("01M80FMVFRATWRZT6TAHFB11S"));   /* 25 */
    assert_false(ulid_valid("01M80FMVFRATWRZT6TAHFB11SNN")); /* 27 */
    assert_false(ulid_valid("01M80FMVFRATWRZT6TAHFB11SI"));  /* I is not Crockford */
    assert_false(ulid_valid("01M80FMVFRATWRZT6TAHFB11SU"));  /* nor U */
    assert_false(ulid_valid("01m80fmvfratwrzt6tahfb11sn"));  /* lower case */
    assert_false(ulid_valid("81M80FMVFRATWRZT6TAHFB11SN"));  /* beyond 48 bits */
    assert_false(ulid_valid("01M80FMVFRATWRZT6TAHFB1 SN"));
    assert_true(ulid_valid("01M80FMVFRATWRZT6TAHFB11SN"));
    assert_true(ulid_valid("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"));
}

static void test_ulid_new(void **state)
{
    char a[ULID_LEN + 1], b[ULID_LEN + 1], c[ULID_LEN + 1];

    ulid_new(0, a);
    assert_int_equal(strlen(a), ULID_LEN);
    assert_true(ulid_valid(a));
    assert_memory_equal(a, "0000000000", 10);
    ulid_new(-5, a); /* clamps, never garbage */
    assert_true(ulid_valid(a));
    ulid_new(T_1042, a);
    ulid_new(T_1042, b);
    ulid_new(T_1042 + 1, c);
    assert_true(ulid_valid(a) && ulid_valid(b) && ulid_valid(c));
    assert_memory_equal(a, b, 10); /* same time prefix */
    assert_string_not_equal(a, b); /* random part differs */
    assert_true(strcmp(a, c) < 0 && strcmp(b, c) < 0);
    /* Sortable by time across magnitudes. */
    ulid_new(1000, a);
    ulid_new(T_1042, b);
    assert_true(strcmp(a, b) < 0);
}

/* ---- hlc ------------------------------------------------------------------------- */

static void test_hlc_monotonic(void **state)
{
    struct hlc h = {0};
    uint64_t prev, t;

    prev = hlc_now(&h, T_1042);
    assert_int_equal(hlc_ms(prev), T_1042);
    /* Same millisecond: the counter moves. */
    t = hlc_now(&h, T_1042);
    assert_true(t > prev);
    assert_int_equal(hlc_ms(t), T_1042);
    prev = t;
    /* The wall clock goes back an hour: still increasing. */
    for (int i = 0; i < 100; i++) {
        t = hlc_now(&h, T_1042 - HOUR);
        assert_true(t > prev);
        prev = t;
    }
    assert_int_equal(hlc_ms(t), T_1042);
    /* Negative wall time is treated as zero, never wraps. */
    t = hlc_now(&h, -1);
    assert_true(t > prev);
    prev = t;
    /* Forward again: physical time wins. */
    t = hlc_now(&h, T_1042 + 1000);
    assert_true(t > prev);
    assert_int_equal(hlc_ms(t), T_1042 + 1000);
}

static void test_hlc_observe(void **state)
{
    struct hlc h = {0};
    uint64_t mine = hlc_now(&h, T_1042);
    uint64_t remote = ((uint64_t)(T_1042 + 5 * MIN) << 16) | 7;
    uint64_t t;

    /* A remote clock ahead of ours: we move past it. */
    hlc_observe(&h, remote, T_1042);
    t = hlc_now(&h, T_1042);
    assert_true(t > remote);
    assert_true(t > mine);
    /* An old remote timestamp does not move us back. */
    hlc_observe(&h, 1, T_1042);
    assert_true(hlc_now(&h, T_1042) > t);
    /* Observing with a later wall clock moves us to it. */
    hlc_observe(&h, 0, T_1042 + HOUR);
    t = hlc_now(&h, T_1042);
    assert_true(hlc_ms(t) >= T_1042 + HOUR);
}

/* ---- misc ---------------------------------------------------------------------- */

static void test_parse_int(void **state)
{
    long n = 99;

    assert_false(util_parse_int(NULL, 0, 10, &n));
    assert_false(util_parse_int("", 0, 10, &n));
    assert_false(util_parse_int("abc", 0, 10, &n));
    assert_false(util_parse_int("5x", 0, 10, &n));
    assert_false(util_parse_int("11", 0, 10, &n));
    assert_false(util_parse_int("-1", 0, 10, &n));
    assert_false(util_parse_int("99999999999999999999999", 0, 10, &n));
    assert_int_equal(n, 99);
    assert_true(util_parse_int("10", 0, 10, &n));
    assert_int_equal(n, 10);
    assert_true(util_parse_int("0", 0, 10, &n));
    assert_int_equal(n, 0);
}

static int setup_tz(void **state)
{
    setenv("TZ", "UTC", 1);
    tzset();
    unsetenv("VIGIA_NOW");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_empty),
        cmocka_unit_test(test_buf_grow),
        cmocka_unit_test(test_xasprintf),
        cmocka_unit_test(test_parse_degenerate),
        cmocka_unit_test(test_parse_rfc3339),
        cmocka_unit_test(test_parse_relative),
        cmocka_unit_test(test_parse_clock),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_fixed_clock),
        cmocka_unit_test(test_ulid_valid_degenerate),
        cmocka_unit_test(test_ulid_new),
        cmocka_unit_test(test_hlc_monotonic),
        cmocka_unit_test(test_hlc_observe),
        cmocka_unit_test(test_parse_int),
    };

    return cmocka_run_group_tests_name("util", tests, setup_tz, NULL);
}
