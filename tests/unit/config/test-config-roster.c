/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/config/config-roster.c: verifier files in CSV (BOM,
 * CRLF, ';' separators, quoted fields with commas, quotes and newlines,
 * blank lines, line numbers of records) and YAML (lists or text, positions
 * of problems), and shift files (day ranges across the week's end,
 * overnight ends, 24:00, unknown keys).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/config.h"

#include "../test-dir.h"

static void test_csv_quirks(void **state)
{
    struct config_verifiers vs;
    char *err = NULL;
    char *p = test_dir_file("v.csv",
                            "\xEF\xBB\xBFName;Contact;Languages;Notes\r\n"
                            "Rosa M.;(415) 555-0101;es|en;\"has a car; \"\"the blue one\"\"\"\r\n"
                            "\r\n"
                            "Luis;@luis;en;\"two\r\nlines\"\r\n"
                            "Dani;;;\r\n");

    (void)state;
    assert_int_equal(config_verifiers_load(p, "US", &vs, &err), 0);
    assert_null(err);
    assert_true(vs.csv);
    assert_int_equal(vs.n, 3);
    assert_string_equal(vs.items[0].v.name, "Rosa M.");
    assert_string_equal(vs.items[0].v.contact, "+14155550101");
    assert_string_equal(vs.items[0].v.languages, "es,en");
    assert_string_equal(vs.items[0].v.notes, "has a car; \"the blue one\"");
    assert_int_equal(vs.items[0].line, 2);
    assert_int_equal(vs.items[1].line, 4); /* after the blank line */
    assert_string_equal(vs.items[1].v.notes, "two\nlines");
    assert_string_equal(vs.items[1].v.channel, "signal");
    assert_int_equal(vs.items[2].line, 6); /* the quoted newline counted */
    assert_null(vs.items[2].v.contact);
    config_verifiers_fini(&vs);
    free(p);
}

static void test_csv_errors(void **state)
{
    struct config_verifiers vs;
    char *err = NULL;
    char *p = test_dir_file("e.csv", "name,roles\nA,verifier\nB,verifier,extra\n");

    (void)state;
    assert_int_equal(config_verifiers_load(p, "US", &vs, &err), -1);
    assert_non_null(strstr(err, "e.csv:3: 3 fields, the header has 2"));
    FREE(&err);
    config_verifiers_fini(&vs);
    free(p);
    p = test_dir_file("empty.csv", "");
    assert_int_equal(config_verifiers_load(p, "US", &vs, &err), -1);
    assert_non_null(strstr(err, "empty.csv:1: expected a header row"));
    FREE(&err);
    config_verifiers_fini(&vs);
    free(p);
    assert_int_equal(config_verifiers_load("/nonexistent/v.csv", "US", &vs, &err), -1);
    assert_non_null(strstr(err, "cannot read /nonexistent/v.csv"));
    FREE(&err);
    config_verifiers_fini(&vs);
}

static void test_yaml(void **state)
{
    struct config_verifiers vs;
    char *err = NULL;
    char *p = test_dir_file("v.yaml", "verifiers:\n"
                                      "  - name: Carmen\n"
                                      "    contact: '+52 55 1234 5678'\n"
                                      "    languages: [es]\n"
                                      "    areas: Bayview, Excelsior\n"
                                      "    roles: [legal_observer, court_accompaniment]\n");

    (void)state;
    assert_int_equal(config_verifiers_load(p, "US", &vs, &err), 0);
    assert_false(vs.csv);
    assert_int_equal(vs.n, 1);
    assert_int_equal(vs.items[0].line, 2);
    assert_int_equal(vs.items[0].column, 5);
    assert_string_equal(vs.items[0].v.contact, "+525512345678");
    assert_string_equal(vs.items[0].v.areas, "bayview,excelsior");
    assert_int_equal(vs.items[0].v.roles,
                     (1u << MODEL_ROLE_LEGAL_OBSERVER) | (1u << MODEL_ROLE_COURT));
    config_verifiers_fini(&vs);
    free(p);
    p = test_dir_file("bad.yaml", "verifiers:\n  - name: X\n    roles: {a: b}\n");
    assert_int_equal(config_verifiers_load(p, "US", &vs, &err), -1);
    assert_non_null(strstr(err, "bad.yaml:3:12: 'roles' must be text or a list"));
    FREE(&err);
    config_verifiers_fini(&vs);
    free(p);
    p = test_dir_file("notalist.yaml", "verifiers: nobody\n");
    assert_int_equal(config_verifiers_load(p, "US", &vs, &err), -1);
    assert_non_null(strstr(err, "expected a list under 'verifiers:'"));
    FREE(&err);
    config_verifiers_fini(&vs);
    free(p);
}

static void test_shifts(void **state)
{
    struct config_shifts cs;
    char *err = NULL;
    char *p = test_dir_file("s.yaml", "shifts:\n"
                                      "  - person: Teo\n"
                                      "    role: dispatcher\n"
                                      "    days: fri-mon\n"
                                      "    start: '22:00'\n"
                                      "    end: '06:00'\n"
                                      "  - person: Ana\n"
                                      "    days: [weekends]\n"
                                      "    start: '18:00'\n"
                                      "    end: '24:00'\n");

    (void)state;
    assert_int_equal(config_shifts_load(p, &cs, &err), 0);
    assert_int_equal(cs.n, 6); /* fri sat sun mon + sat sun */
    assert_int_equal(cs.items[0].weekday, 0);
    assert_string_equal(cs.items[0].person, "Teo");
    assert_int_equal(cs.items[0].role, MODEL_ROLE_DISPATCHER);
    assert_int_equal(cs.items[0].start_min, 22 * 60);
    assert_int_equal(cs.items[0].end_min, 6 * 60);
    assert_int_equal(cs.items[3].weekday, 6);
    assert_int_equal(cs.lines[0], 2);
    assert_string_equal(cs.items[4].person, "Ana");
    assert_int_equal(cs.items[4].role, MODEL_ROLE_VERIFIER);
    assert_int_equal(cs.items[4].end_min, 0); /* 24:00: midnight, the end of the day */
    assert_int_equal(cs.lines[4], 7);
    assert_false(cs.has_windows);
    config_shifts_fini(&cs);
    free(p);
    p = test_dir_file("bad.yaml", "shifts:\n  - person: Teo\n    days: mon\n    start: '06:00'\n"
                                  "    end: '06:00'\n");
    assert_int_equal(config_shifts_load(p, &cs, &err), -1);
    assert_non_null(strstr(err, "bad.yaml:5:10: end:"));
    FREE(&err);
    config_shifts_fini(&cs);
    free(p);
    p = test_dir_file("key.yaml", "shifts:\n  - person: Teo\n    day: mon\n");
    assert_int_equal(config_shifts_load(p, &cs, &err), -1);
    assert_non_null(strstr(err, "key.yaml:3:5: unknown key 'day'"));
    FREE(&err);
    config_shifts_fini(&cs);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quirks),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_yaml),
        cmocka_unit_test(test_shifts),
    };

    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
