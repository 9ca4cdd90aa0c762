/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/sim/sim.c: the scenario clock (speed, pause, jumps),
 * the schedule of calls (due, injected early) and of scripted verifier
 * answers, and mm:ss.
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
#include "vigia/config.h"
#include "vigia/sim.h"

static void test_clock(void **state)
{
    struct sim_clock c;

    (void)state;
    sim_clock_init(&c, 10, 1000);
    assert_int_equal(sim_clock_now(&c, 1000), 0);
    assert_int_equal(sim_clock_now(&c, 2000), 10000);
    assert_int_equal(sim_clock_real_until(&c, 30000, 2000), 2001);
    sim_clock_pause(&c, true, 2000);
    assert_int_equal(sim_clock_now(&c, 9000), 10000); /* frozen */
    assert_int_equal(sim_clock_real_until(&c, 30000, 9000), -1);
    sim_clock_pause(&c, false, 9000);
    assert_int_equal(sim_clock_now(&c, 9500), 15000);
    sim_clock_set(&c, 60000, 9500);
    assert_int_equal(sim_clock_now(&c, 9600), 61000);
    assert_int_equal(sim_clock_real_until(&c, 1000, 9600), 0);
    sim_clock_init(&c, 0, 0); /* no speed: real time */
    assert_int_equal(sim_clock_now(&c, 500), 500);
}

static void test_schedule(void **state)
{
    struct config_scenario sc = {0};
    struct config_scenario_event ev[3] = {{.at_ms = 1000, .incident = 0},
                                          {.at_ms = 5000, .incident = 1},
                                          {.at_ms = 9000, .incident = 0}};
    struct config_scenario_sight sees[1] = {{.key = "photo", .state = MODEL_YES}};
    struct config_scenario_answer ans[1] = {
        {.incident = 1, .after_ms = 3000, .sees = sees, .n = 1}};
    struct config_scenario_verifier v[1] = {{.name = "Rosa", .answers = ans, .nanswers = 1}};
    struct sim s;

    (void)state;
    sc.events = ev;
    sc.nevents = 3;
    sc.nincidents = 2;
    sc.verifiers = v;
    sc.nverifiers = 1;
    sc.duration_ms = 20000;
    sim_init(&s, &sc, 1, 0);
    assert_int_equal(sim_next_time(&s), 1000);
    assert_int_equal(sim_event_due(&s, 500), -1);
    assert_int_equal(sim_event_due(&s, 1000), 0);
    assert_int_equal(sim_event_due(&s, 1000), -1);
    strcpy(s.report[0], "R0");
    assert_int_equal(sim_inject(&s, 1200), 1); /* early */
    strcpy(s.report[1], "R1");
    assert_int_equal(s.fired_at[1], 1200);
    assert_int_equal(sim_incident_of(&s, "R1"), 1);
    assert_int_equal(sim_incident_of(&s, "nope"), -1);
    assert_string_equal(sim_report_of(&s, 0, 1), "R0");
    assert_null(sim_report_of(&s, 0, 2));
    assert_int_equal(sim_verifier_find(&s, "rosa"), 0);
    assert_int_equal(sim_verifier_find(&s, "Kim"), -1);
    /* Sent to incident 1 at 2000: answers at 5000. Sent to 0: nothing scripted. */
    sim_assignment_add(&s, "A1", 0, 1, 2000);
    sim_assignment_add(&s, "A0", 0, 0, 2000);
    assert_true(sim_assignment_known(&s, "A0"));
    assert_false(sim_assignment_known(&s, "A2"));
    assert_int_equal(sim_next_time(&s), 5000);
    assert_int_equal(sim_answer_due(&s, 4999), -1);
    assert_int_equal(sim_answer_due(&s, 5000), 0);
    assert_int_equal(sim_answer_due(&s, 6000), -1);
    assert_int_equal(s.verified_at[1], 5000);
    assert_int_equal(s.verified_at[0], -1);
    assert_false(sim_over(&s, 30000)); /* a call is left */
    assert_int_equal(sim_event_due(&s, 9000), 2);
    assert_false(sim_over(&s, 19999));
    assert_true(sim_over(&s, 20000));
    assert_int_equal(sim_next_time(&s), -1);
    sim_fini(&s);
}

static void test_mmss(void **state)
{
    char t[16];

    (void)state;
    sim_mmss(0, t);
    assert_string_equal(t, "00:00");
    sim_mmss(61999, t);
    assert_string_equal(t, "01:01");
    sim_mmss(-5, t);
    assert_string_equal(t, "00:00");
    sim_mmss((int64_t)125 * 60000, t);
    assert_string_equal(t, "125:00");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_mmss),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
