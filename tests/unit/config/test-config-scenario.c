/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/config/config-scenario.c: scenario times, a scenario
 * read with its defaults (channel, alert, duration) and its timeline put in
 * time order, problems named FILE:LINE:COLUMN, and a scripted trainee.
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

static const char *const good =
    "title: Drill\n"
    "incidents:\n"
    "  - {id: a, truth: real_operation, expect: confirmed}\n"
    "  - {id: b, truth: local_police, expect: police_only}\n"
    "timeline:\n"
    "  - at: \"05:00\"\n"
    "    incident: b\n"
    "    report: {location: Main St, what: a stop, agents: \"2\"}\n"
    "  - at: \"00:30\"\n"
    "    incident: a\n"
    "    channel: sms\n"
    "    observed_ago: \"10:00\"\n"
    "    report: {location: Plant, what: vans, first_hand: yes}\n"
    "verifiers:\n"
    "  - name: Rosa\n"
    "    languages: [en, es]\n"
    "    answers:\n"
    "      - {incident: a, after: \"06:00\", sees: {agency_markings: yes, "
    "not_local_police: no}}\n";

static void test_time(void **state)
{
    (void)state;
    assert_int_equal(config_scenario_time("00:30"), 30000);
    assert_int_equal(config_scenario_time("90:05"), (90 * 60 + 5) * 1000);
    assert_int_equal(config_scenario_time("1:02:03"), 3723000);
    assert_int_equal(config_scenario_time(NULL), -1);
    assert_int_equal(config_scenario_time(""), -1);
    assert_int_equal(config_scenario_time("5"), -1);
    assert_int_equal(config_scenario_time("5:60"), -1);
    assert_int_equal(config_scenario_time("5:-1"), -1);
    assert_int_equal(config_scenario_time("2h"), -1);
    assert_int_equal(config_scenario_time("1:2:3:4"), -1);
}

static void test_load(void **state)
{
    struct config_scenario sc;
    char *err = NULL, *p = test_dir_file("good.yaml", good);

    (void)state;
    assert_int_equal(config_scenario_load(p, &sc, &err), 0);
    assert_null(err);
    assert_string_equal(sc.title, "Drill");
    assert_string_equal(sc.language, "en");
    assert_int_equal(sc.nincidents, 2);
    assert_true(sc.incidents[0].alert); /* confirmed: an alert is right */
    assert_false(sc.incidents[1].alert);
    assert_int_equal(sc.incidents[1].truth, CONFIG_TRUTH_LOCAL_POLICE);
    assert_int_equal(sc.nevents, 2);
    assert_int_equal(sc.events[0].at_ms, 30000); /* sorted by time */
    assert_int_equal(sc.events[0].incident, 0);
    assert_string_equal(sc.events[0].channel, "sms");
    assert_int_equal(sc.events[0].observed_ago_ms, 600000);
    assert_string_equal(sc.events[1].channel, "call");
    assert_int_equal(sc.events[1].nfields, 3);
    assert_int_equal(sc.duration_ms, (5 + 15) * 60000);
    assert_int_equal(sc.nverifiers, 1);
    assert_string_equal(sc.verifiers[0].languages, "en,es");
    assert_int_equal(sc.verifiers[0].answers[0].after_ms, 360000);
    assert_int_equal(sc.verifiers[0].answers[0].n, 2);
    assert_int_equal(sc.verifiers[0].answers[0].sees[1].state, MODEL_NO);
    config_scenario_fini(&sc);
    free(p);
}

/* Load @text with @from replaced by @to; the error must contain @want. */
static void expect_error(const char *from, const char *to, const char *want)
{
    struct config_scenario sc;
    const char *at = strstr(good, from);
    char *text, *p, *err = NULL;

    assert_non_null(at);
    text = xasprintf("%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
    p = test_dir_file("bad.yaml", text);
    assert_int_equal(config_scenario_load(p, &sc, &err), -1);
    assert_non_null(err);
    if (strstr(err, want) == NULL || strncmp(err, p, strlen(p)) != 0)
        fail_msg("%s: want '%s'", err, want);
    free(err);
    free(text);
    free(p);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("truth: local_police", "truth: gossip", ":4:20: truth: 'gossip'");
    expect_error("expect: police_only", "expect: new", "expect: 'new' is not a verdict");
    expect_error("at: \"05:00\"", "at: \"5 min\"", ":6:9: at: '5 min' is not a time");
    expect_error("incident: b\n", "incident: z\n", ":7:15: no incident 'z'");
    expect_error("agents: \"2\"", "agents: \"lots\"", ":8:55: agents:");
    expect_error("first_hand: yes", "status: confirmed", "set by the practice run");
    expect_error("not_local_police: no", "not_local_police: perhaps", "expected yes, no");
    expect_error("title: Drill\n", "", "a scenario needs a title");
    expect_error("  - {id: b, truth: local_police, expect: police_only}\n",
                 "  - {id: b, truth: local_police, expect: police_only}\n"
                 "  - {id: c, truth: old_rumor, expect: false_alarm}\n",
                 "incident 'c' has no call in the timeline");
}

static void test_answers(void **state)
{
    struct config_scenario sc;
    struct config_answers as;
    char *err = NULL, *p = test_dir_file("s.yaml", good), *a;

    (void)state;
    assert_int_equal(config_scenario_load(p, &sc, &err), 0);
    a = test_dir_file("a.yaml", "actions:\n"
                                "  - {at: \"01:00\", do: assign, incident: a, verifier: Rosa}\n"
                                "  - {at: \"02:00\", do: status, incident: b, report: 1, to: "
                                "police_only, note: city}\n"
                                "  - {at: \"03:00\", do: wait}\n");
    assert_int_equal(config_answers_load(a, &sc, &as, &err), 0);
    assert_int_equal(as.n, 3);
    assert_string_equal(as.items[0].verifier, "Rosa");
    assert_int_equal(as.items[1].incident, 1);
    assert_string_equal(as.items[1].to, "police_only");
    config_answers_fini(&as);
    free(a);
    a = test_dir_file("a.yaml", "actions:\n"
                                "  - {at: \"02:00\", do: triage, incident: a}\n"
                                "  - {at: \"01:00\", do: triage, incident: b}\n");
    assert_int_equal(config_answers_load(a, &sc, &as, &err), -1);
    assert_non_null(strstr(err, ":3:5: actions must be in time order"));
    FREE(&err);
    free(a);
    a = test_dir_file("a.yaml", "actions:\n  - {at: \"01:00\", do: assign, incident: a}\n");
    assert_int_equal(config_answers_load(a, &sc, &as, &err), -1);
    assert_non_null(strstr(err, "'assign' is missing"));
    FREE(&err);
    free(a);
    config_scenario_fini(&sc);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_answers),
    };

    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
