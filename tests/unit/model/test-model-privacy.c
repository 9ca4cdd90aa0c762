/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/model/model-privacy.c: coarse places for the public.
 * Street and door numbers go; ordinals and road numbers stay; positions are
 * rounded to about a kilometre; the area is preferred when there is one.
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
#include "vigia/model.h"

static void check(const char *in, const char *want)
{
    char *got = model_location_coarse(in);

    if (strcmp(got, want) != 0)
        fail_msg("coarse(\"%s\") = \"%s\", want \"%s\"", in ? in : "(null)", got, want);
    free(got);
}

static void test_location_coarse(void **state)
{
    (void)state;
    /* char *model_location_coarse(const char *location); */
    check(NULL, "");
    check("", "");
    check("   ", "");
    check("1234 Main St", "Main St");
    check("1234 Main St, Apt 5, Springfield", "Main St, Springfield");
    check("hardware store on 5th", "hardware store on 5th");
    check("corner of 3rd and 42nd", "corner of 3rd and 42nd");
    check("checkpoint on Hwy 101 near exit 12", "checkpoint on Hwy 101 near exit 12");
    check("I-5 northbound", "I-5 northbound");
    check("Calle 8 #1520", "Calle 8");
    check("Av. Juárez No. 45, piso 2", "Av. Juárez");
    check("Av. Juárez No. 45, piso 2, Centro", "Av. Juárez, Centro");
    check("12B Elm Street", "Elm Street");
    check("12-14 Oak Ave", "Oak Ave");
    check("frente al parque, no lejos", "frente al parque, no lejos");
    check("unit 7", "");
}

static void test_pos_coarse(void **state)
{
    double lat, lon;

    (void)state;
    /* void model_pos_coarse(double lat, double lon, double *clat, double *clon); */
    model_pos_coarse(37.774929, -122.419416, &lat, &lon);
    assert_true(lat > 37.7699 && lat < 37.7701);
    assert_true(lon > -122.4201 && lon < -122.4199);
    model_pos_coarse(0.004, -0.006, &lat, &lon);
    assert_true(lat > -0.0001 && lat < 0.0001);
    assert_true(lon > -0.0101 && lon < -0.0099);
}

static void test_place_public(void **state)
{
    struct model_report r;
    char *p;

    (void)state;
    model_report_init(&r);
    r.location = xstrdup("1234 Main St");
    p = model_place_public(&r);
    assert_string_equal(p, "Main St");
    free(p);
    r.area = xstrdup("Fruitvale");
    p = model_place_public(&r);
    assert_string_equal(p, "Fruitvale");
    free(p);
    model_report_fini(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_location_coarse),
        cmocka_unit_test(test_pos_coarse),
        cmocka_unit_test(test_place_public),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
