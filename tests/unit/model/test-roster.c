/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/model/roster.c: roles, verifier fields, priority
 * windows, weekly shifts (overnight, and the nights daylight-saving time
 * starts and ends in America/Los_Angeles), the assignment state machine,
 * overdue and missed check-in rules, the ranking and iCalendar folding.
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
#include "vigia/model.h"

#define MIN (60 * 1000LL)
#define HOUR (60 * MIN)

static void tz_local(int64_t ms, struct tm *out, void *data)
{
    time_t t = (time_t)(ms / 1000);
    (void)data;
    localtime_r(&t, out);
}

static int64_t tz_utc(struct tm *local, void *data)
{
    (void)data;
    return (int64_t)mktime(local) * 1000;
}

static const struct model_tz tz = {tz_local, tz_utc, NULL};

static int64_t utc(const char *s)
{
    int64_t v = 0;
    assert_int_equal(timeutil_parse(s, 0, &v), 0);
    return v;
}

static void test_roles(void **state)
{
    unsigned r;
    char *err = NULL, *s;

    (void)state;
    for (int i = 0; i < MODEL_ROLE_COUNT; i++)
        assert_int_equal(model_role_parse(model_role_name((enum model_role)i)), i);
    assert_int_equal(model_role_parse("plumber"), -1);
    assert_true(model_roles_parse("verifier; Legal Observer|court", &r, &err));
    assert_int_equal(r, (1u << MODEL_ROLE_VERIFIER) | (1u << MODEL_ROLE_LEGAL_OBSERVER) |
                            (1u << MODEL_ROLE_COURT));
    s = model_roles_format(r);
    assert_string_equal(s, "verifier,legal_observer,court_accompaniment");
    free(s);
    s = model_roles_labels(r); /* as people read them (the C locale here: English) */
    assert_string_equal(s, "verifier, legal observer, court accompaniment");
    free(s);
    assert_false(model_roles_parse("verifier,plumber", &r, &err));
    assert_non_null(strstr(err, "plumber"));
    free(err);
}

static void test_verifier_set(void **state)
{
    struct model_verifier v;
    char *err = NULL;

    (void)state;
    model_verifier_init(&v);
    assert_false(model_verifier_validate(&v, &err));
    assert_non_null(strstr(err, "name"));
    FREE(&err);
    assert_int_equal(model_verifier_set(&v, "name", "Rosa M.", "US", &err), MODEL_SET_OK);
    assert_int_equal(model_verifier_set(&v, "contact", "(415) 555-0101", "US", &err), MODEL_SET_OK);
    assert_string_equal(v.contact, "+14155550101");
    assert_string_equal(v.channel, "sms");
    assert_int_equal(model_verifier_set(&v, "contact", "not a phone", "US", &err), MODEL_SET_BAD);
    assert_non_null(strstr(err, "contact"));
    FREE(&err);
    assert_int_equal(model_verifier_set(&v, "channel", "email", "US", &err), MODEL_SET_BAD);
    FREE(&err);
    assert_int_equal(model_verifier_set(&v, "languages", "Spanish; English", "US", &err),
                     MODEL_SET_OK);
    assert_string_equal(v.languages, "es,en");
    assert_int_equal(model_verifier_set(&v, "areas", "Mission, Excelsior", "US", &err),
                     MODEL_SET_OK);
    assert_string_equal(v.areas, "mission,excelsior");
    assert_false(model_verifier_validate(&v, &err)); /* no role yet */
    FREE(&err);
    assert_int_equal(model_verifier_set(&v, "roles", "verifier", "US", &err), MODEL_SET_OK);
    assert_true(model_verifier_validate(&v, &err));
    assert_true(model_verifier_field(&v));
    assert_int_equal(model_verifier_set(&v, "shoe_size", "9", "US", &err), MODEL_SET_UNKNOWN);
    model_verifier_fini(&v);

    model_verifier_init(&v);
    assert_int_equal(model_verifier_set(&v, "contact", "@rosa_m", "US", &err), MODEL_SET_OK);
    assert_string_equal(v.channel, "signal");
    assert_int_equal(model_verifier_set(&v, "roles", "dispatcher", "US", &err), MODEL_SET_OK);
    assert_false(model_verifier_field(&v));
    model_verifier_fini(&v);
}

static void test_windows(void **state)
{
    struct model_window w[MODEL_WINDOWS_MAX];
    size_t n;
    char *err = NULL;

    (void)state;
    assert_true(model_windows_parse("06:00-09:00, 17:00-21:00", w, MODEL_WINDOWS_MAX, &n, &err));
    assert_int_equal(n, 2);
    assert_true(model_windows_has(w, n, 6 * 60));
    assert_true(model_windows_has(w, n, 8 * 60 + 59));
    assert_false(model_windows_has(w, n, 9 * 60));
    assert_false(model_windows_has(w, n, 12 * 60));
    assert_true(model_windows_has(w, n, 20 * 60 + 30));
    assert_true(model_windows_parse("22:00-02:00", w, MODEL_WINDOWS_MAX, &n, &err));
    assert_true(model_windows_has(w, n, 23 * 60));
    assert_true(model_windows_has(w, n, 60));
    assert_false(model_windows_has(w, n, 3 * 60));
    assert_false(model_windows_parse("6-9", w, MODEL_WINDOWS_MAX, &n, &err));
    FREE(&err);
    assert_false(model_windows_parse("06:00-06:00", w, MODEL_WINDOWS_MAX, &n, &err));
    FREE(&err);
    assert_int_equal(model_hhmm_parse("24:00"), 1440);
    assert_int_equal(model_hhmm_parse("7:05"), 425);
    assert_int_equal(model_hhmm_parse("25:00"), -1);
    assert_int_equal(model_hhmm_parse("12:60"), -1);
}

static void test_shift_overnight(void **state)
{
    struct model_shift s = {.weekday = 5, .start_min = 22 * 60, .end_min = 6 * 60}; /* Fri */
    struct tm tm = {0};

    (void)state;
    tm.tm_wday = 5, tm.tm_hour = 21, tm.tm_min = 59;
    assert_false(model_shift_covers(&s, &tm));
    tm.tm_hour = 22, tm.tm_min = 0;
    assert_true(model_shift_covers(&s, &tm));
    tm.tm_wday = 6, tm.tm_hour = 5, tm.tm_min = 59; /* Saturday morning */
    assert_true(model_shift_covers(&s, &tm));
    tm.tm_hour = 6, tm.tm_min = 0;
    assert_false(model_shift_covers(&s, &tm));
    tm.tm_wday = 5, tm.tm_hour = 3; /* Friday early: that is Thursday's night */
    assert_false(model_shift_covers(&s, &tm));
    s.weekday = 6; /* Saturday night runs into Sunday (wraps the week) */
    tm.tm_wday = 0, tm.tm_hour = 1;
    assert_true(model_shift_covers(&s, &tm));
    /* A day shift. */
    s = (struct model_shift){.weekday = 1, .start_min = 6 * 60, .end_min = 14 * 60};
    tm.tm_wday = 1, tm.tm_hour = 13, tm.tm_min = 59;
    assert_true(model_shift_covers(&s, &tm));
    tm.tm_hour = 14, tm.tm_min = 0;
    assert_false(model_shift_covers(&s, &tm));
}

static void test_shift_dst(void **state)
{
    /* Saturday 22:00 to Sunday 06:00, local time in Los Angeles. */
    struct model_shift s = {.weekday = 6, .start_min = 22 * 60, .end_min = 6 * 60};
    int64_t st, en;
    struct tm tm;

    (void)state;
    setenv("TZ", "America/Los_Angeles", 1);
    tzset();
    /* Spring forward: 2026-03-08 02:00 PST becomes 03:00 PDT. */
    assert_false(model_shift_occurrence(&s, utc("2026-03-07T12:00:00Z"), &tz, &st, &en));
    assert_int_equal(st, utc("2026-03-08T06:00:00Z")); /* 22:00 PST */
    assert_int_equal(en, utc("2026-03-08T13:00:00Z")); /* 06:00 PDT */
    assert_int_equal(en - st, 7 * HOUR);
    /* In the middle of that night, after the change: covered, same occurrence. */
    assert_true(model_shift_occurrence(&s, utc("2026-03-08T11:30:00Z"), &tz, &st, &en));
    assert_int_equal(st, utc("2026-03-08T06:00:00Z"));
    tz_local(utc("2026-03-08T11:30:00Z"), &tm, NULL);
    assert_int_equal(tm.tm_hour, 4); /* 04:30 PDT */
    assert_true(model_shift_covers(&s, &tm));
    /* 05:59 PDT is covered, 06:00 PDT is not. */
    tz_local(utc("2026-03-08T12:59:00Z"), &tm, NULL);
    assert_true(model_shift_covers(&s, &tm));
    tz_local(utc("2026-03-08T13:00:00Z"), &tm, NULL);
    assert_false(model_shift_covers(&s, &tm));

    /* Fall back: 2026-11-01 02:00 PDT becomes 01:00 PST. */
    assert_false(model_shift_occurrence(&s, utc("2026-10-31T12:00:00Z"), &tz, &st, &en));
    assert_int_equal(st, utc("2026-11-01T05:00:00Z")); /* 22:00 PDT */
    assert_int_equal(en, utc("2026-11-01T14:00:00Z")); /* 06:00 PST */
    assert_int_equal(en - st, 9 * HOUR);
    /* 13:30 UTC is 05:30 PST: still on shift although 8.5 h have passed. */
    tz_local(utc("2026-11-01T13:30:00Z"), &tm, NULL);
    assert_true(model_shift_covers(&s, &tm));
    assert_true(model_shift_occurrence(&s, utc("2026-11-01T13:30:00Z"), &tz, &st, &en));
    /* An ordinary week later the shift is 8 hours again. */
    assert_false(model_shift_occurrence(&s, utc("2026-11-07T12:00:00Z"), &tz, &st, &en));
    assert_int_equal(en - st, 8 * HOUR);
    assert_int_equal(st, utc("2026-11-08T06:00:00Z")); /* 22:00 PST */
    setenv("TZ", "UTC", 1);
    tzset();
}

static void test_assign_states(void **state)
{
    char *err = NULL;

    (void)state;
    for (int i = 0; i < MODEL_ASSIGN_COUNT; i++)
        assert_int_equal(model_assign_state_parse(model_assign_state_name(i)), i);
    assert_int_equal(model_assign_state_parse("en-route"), MODEL_ASSIGN_EN_ROUTE);
    assert_true(model_assign_allowed(MODEL_ASSIGN_ASSIGNED, MODEL_ASSIGN_ACKNOWLEDGED, &err));
    assert_true(model_assign_allowed(MODEL_ASSIGN_ASSIGNED, MODEL_ASSIGN_ON_SCENE, &err));
    assert_true(model_assign_allowed(MODEL_ASSIGN_ON_SCENE, MODEL_ASSIGN_REPORTED_BACK, &err));
    assert_true(model_assign_allowed(MODEL_ASSIGN_REPORTED_BACK, MODEL_ASSIGN_RELEASED, &err));
    assert_true(model_assign_allowed(MODEL_ASSIGN_ACKNOWLEDGED, MODEL_ASSIGN_DECLINED, &err));
    assert_null(err);
    assert_false(model_assign_allowed(MODEL_ASSIGN_ON_SCENE, MODEL_ASSIGN_DECLINED, &err));
    FREE(&err);
    assert_false(model_assign_allowed(MODEL_ASSIGN_ON_SCENE, MODEL_ASSIGN_EN_ROUTE, &err));
    FREE(&err);
    assert_false(model_assign_allowed(MODEL_ASSIGN_RELEASED, MODEL_ASSIGN_ON_SCENE, &err));
    FREE(&err);
    assert_false(model_assign_allowed(MODEL_ASSIGN_DECLINED, MODEL_ASSIGN_RELEASED, &err));
    FREE(&err);
    assert_false(model_assign_allowed(MODEL_ASSIGN_ON_SCENE, MODEL_ASSIGN_ON_SCENE, &err));
    FREE(&err);
}

static void test_overdue(void **state)
{
    struct model_roster_policy p;
    struct model_assignment a;
    int64_t t0 = utc("2026-11-22T10:00:00Z"), dl;

    (void)state;
    model_roster_policy_default(&p);
    model_assignment_init(&a);
    a.state = MODEL_ASSIGN_ASSIGNED;
    a.at[MODEL_ASSIGN_ASSIGNED] = t0;
    assert_int_equal(model_assignment_overdue(&a, &p, t0 + 4 * MIN, &dl), MODEL_OVERDUE_NONE);
    assert_int_equal(dl, t0 + 5 * MIN);
    assert_int_equal(model_assignment_overdue(&a, &p, t0 + 5 * MIN, &dl), MODEL_OVERDUE_ACK);
    p.ack_minutes = 10;
    assert_int_equal(model_assignment_overdue(&a, &p, t0 + 5 * MIN, &dl), MODEL_OVERDUE_NONE);
    a.state = MODEL_ASSIGN_EN_ROUTE;
    assert_int_equal(model_assignment_overdue(&a, &p, t0 + 60 * MIN, &dl), MODEL_OVERDUE_NONE);
    assert_int_equal(dl, 0);
    a.state = MODEL_ASSIGN_ON_SCENE;
    a.at[MODEL_ASSIGN_ON_SCENE] = t0 + 20 * MIN;
    assert_int_equal(model_assignment_overdue(&a, &p, t0 + 34 * MIN, &dl), MODEL_OVERDUE_NONE);
    assert_int_equal(dl, t0 + 35 * MIN);
    assert_int_equal(model_assignment_overdue(&a, &p, t0 + 35 * MIN, &dl), MODEL_OVERDUE_CHECKIN);
    a.last_word_at = t0 + 33 * MIN; /* a check-in moves the deadline */
    assert_int_equal(model_assignment_overdue(&a, &p, t0 + 35 * MIN, &dl), MODEL_OVERDUE_NONE);
    assert_int_equal(dl, t0 + 48 * MIN);
    a.state = MODEL_ASSIGN_RELEASED;
    assert_int_equal(model_assignment_overdue(&a, &p, t0 + 999 * MIN, &dl), MODEL_OVERDUE_NONE);
    model_assignment_fini(&a);
}

static void verifier(struct model_verifier *v, const char *name, const char *langs,
                     const char *areas, unsigned roles)
{
    model_verifier_init(v);
    v->name = xstrdup(name);
    v->languages = langs ? xstrdup(langs) : NULL;
    v->areas = areas ? xstrdup(areas) : NULL;
    v->roles = roles;
}

static size_t find(const struct model_candidate *c, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].v->name, name) == 0)
            return i;
    fail_msg("%s not ranked", name);
    return n;
}

static void test_rank(void **state)
{
    struct model_verifier v[6];
    struct model_candidate c[6];
    unsigned ver = 1u << MODEL_ROLE_VERIFIER, court = 1u << MODEL_ROLE_COURT;

    (void)state;
    verifier(&v[0], "Ana", "es,en", "mission", ver);       /* on shift, free, area, lang */
    verifier(&v[1], "Beto", "en", "mission", ver);         /* on shift, free, area */
    verifier(&v[2], "Carla", "es", "excelsior", ver);      /* on shift, free, lang */
    verifier(&v[3], "Dani", "es", "mission", ver);         /* on shift, busy (1) */
    verifier(&v[4], "Eva", "es", "mission", ver);          /* off shift, free */
    verifier(&v[5], "Fede", "es", "mission", ver | court); /* on shift, busy (2) */
    memset(c, 0, sizeof c);
    for (int i = 0; i < 6; i++)
        c[i].v = &v[5 - i]; /* reversed, so sorting has work to do */
    for (int i = 0; i < 6; i++) {
        c[i].on_shift = strcmp(c[i].v->name, "Eva") != 0;
        c[i].open = strcmp(c[i].v->name, "Dani") == 0   ? 1
                    : strcmp(c[i].v->name, "Fede") == 0 ? 2
                                                        : 0;
    }
    model_rank(c, 6, "Mission", MODEL_CAT_SIGHTING, "es");
    assert_string_equal(c[0].v->name, "Ana");
    assert_string_equal(c[1].v->name, "Beto"); /* area beats language */
    assert_string_equal(c[2].v->name, "Carla");
    assert_string_equal(c[3].v->name, "Dani"); /* busy, fewer open than Fede */
    assert_string_equal(c[4].v->name, "Fede");
    assert_string_equal(c[5].v->name, "Eva"); /* off shift last though free and matching */
    assert_string_equal(c[0].reason, "on shift, free, knows Mission, speaks es");
    assert_non_null(strstr(c[find(c, 6, "Fede")].reason, "2 open assignments"));
    assert_non_null(strstr(c[find(c, 6, "Eva")].reason, "off shift"));
    assert_non_null(strstr(c[find(c, 6, "Carla")].reason, "not Mission"));

    /* Courthouse: the court companion comes first among equals. */
    for (int i = 0; i < 6; i++)
        c[i].open = 0, c[i].on_shift = true;
    model_rank(c, 6, "Mission", MODEL_CAT_COURTHOUSE, "es");
    assert_string_equal(c[0].v->name, "Fede"); /* area + language + the court role */
    assert_string_equal(c[1].v->name, "Ana");  /* area + language, then by name */
    model_rank(c, 6, NULL, MODEL_CAT_COURTHOUSE, NULL);
    assert_string_equal(c[0].v->name, "Fede"); /* only the role differs */
    assert_non_null(strstr(c[0].reason, "court accompaniment"));
    model_candidates_fini(c, 6);
    for (int i = 0; i < 6; i++)
        model_verifier_fini(&v[i]);
}

static void test_ics(void **state)
{
    struct buf b;
    char line[200];

    (void)state;
    buf_init(&b);
    model_ics_escape(&b, "a,b;c\\d\ne");
    assert_string_equal(buf_str(&b), "a\\,b\\;c\\\\d\\ne");
    buf_reset(&b);
    model_ics_line(&b, "SUMMARY:short");
    assert_string_equal(buf_str(&b), "SUMMARY:short\r\n");
    buf_reset(&b);
    memset(line, 'x', 160);
    memcpy(line, "SUMMARY:", 8);
    line[160] = '\0';
    model_ics_line(&b, line);
    /* 75 + CRLF, space + 74 + CRLF, space + 11 + CRLF */
    assert_int_equal(b.len, 160 + 2 * 3 + 2);
    assert_memory_equal(b.data + 75, "\r\n ", 3);
    assert_memory_equal(b.data + 75 + 3 + 74, "\r\n ", 3);
    buf_reset(&b);
    /* A two-byte character across the fold is kept whole. */
    memset(line, 'y', 74);
    memcpy(line + 74, "\xc3\xa9zz", 5);
    model_ics_line(&b, line);
    assert_memory_equal(b.data + 74, "\r\n \xc3\xa9", 5);
    buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),     cmocka_unit_test(test_verifier_set),
        cmocka_unit_test(test_windows),   cmocka_unit_test(test_shift_overnight),
        cmocka_unit_test(test_shift_dst), cmocka_unit_test(test_assign_states),
        cmocka_unit_test(test_overdue),   cmocka_unit_test(test_rank),
        cmocka_unit_test(test_ics),
    };

    setenv("TZ", "UTC", 1);
    tzset();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
