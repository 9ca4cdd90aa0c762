/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/app/app.c: taking a call (every field checked, text
 * normalised, nothing stored on refusal), JSON Lines import (all or nothing,
 * errors with line numbers), the round trip of `report list --json` output
 * through import, and the demo database. Each test opens its own database in
 * a temporary folder that also serves as XDG_CONFIG_HOME and XDG_DATA_HOME.
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
#include "vigia/app.h"

static char tmpdir[] = "/tmp/vigia-test-app-XXXXXX";
static int counter;

static struct app *open_app(char **path)
{
    struct app_options o = {.actor = "tester"};
    struct app *a = NULL;
    char *err = NULL;

    *path = xasprintf("%s/a%d.db", tmpdir, counter++);
    o.db_path = *path;
    if (app_open(&o, &a, &err) != 0)
        fail_msg("app_open: %s", err);
    assert_string_equal(app_actor(a), "tester");
    return a;
}

/* All reports, expired ones included. */
static size_t count_all(struct app *a, const char *search)
{
    struct app_view v;
    size_t n = 99;
    char *err = NULL;

    app_view_init(&v);
    v.include_expired = true;
    v.search = search;
    if (app_queue_count(a, &v, &n, &err) != 0)
        fail_msg("count: %s", err);
    return n;
}

static void report(struct model_report *r, const char *location, const char *what)
{
    model_report_init(r);
    r->location = location ? xstrdup(location) : NULL;
    r->what = what ? xstrdup(what) : NULL;
}

/* Create a report that must be refused with a message starting @prefix. */
static void want_refused(struct app *a, struct model_report *r, const char *contact,
                         const char *prefix)
{
    char *err = NULL;

    if (app_report_create(a, r, contact, &err) == 0)
        fail_msg("accepted a report that should fail with '%s'", prefix);
    assert_non_null(err);
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        fail_msg("message '%s' does not start with '%s'", err, prefix);
    free(err);
    model_report_fini(r);
    assert_int_equal(count_all(a, NULL), 0);
}

/* ---- app_report_create --------------------------------------------------------- */

static void test_create_refuses(void **state)
{
    char *path;
    struct app *a = open_app(&path);
    struct model_report r;

    report(&r, NULL, "x");
    want_refused(a, &r, NULL, "location is required");
    report(&r, "x", "   ");
    want_refused(a, &r, NULL, "what was seen is required");
    report(&r, "5th \x1b[2J and Alder", "vans");
    want_refused(a, &r, NULL, "location: ");
    report(&r, "5th and Alder", "vans \xFF\xFE");
    want_refused(a, &r, NULL, "what: ");
    report(&r, "5th and Alder", "vans \xC3");
    want_refused(a, &r, NULL, "what: ");
    report(&r, "5th and Alder", "vans");
    r.area = xstrdup("Fruit\avale");
    want_refused(a, &r, NULL, "area: ");
    report(&r, "5th and Alder", "vans");
    r.agency = xstrdup("ICE\x7f");
    want_refused(a, &r, NULL, "agency: ");
    report(&r, "5th and Alder", "vans");
    r.vehicles = xstrdup("van\xC2\x9b"
                         "31m"); /* C1 CSI */
    want_refused(a, &r, NULL, "vehicles: ");
    report(&r, "5th\nand Alder", "vans");
    want_refused(a, &r, NULL, "location: ");
    report(&r, "5th and Alder", "vans");
    r.agents = 100000;
    want_refused(a, &r, NULL, "agent count");
    report(&r, "5th and Alder", "vans");
    r.observed_at = timeutil_now_ms() + 3600000;
    want_refused(a, &r, NULL, "observed time is in the future");
    report(&r, "5th and Alder", "vans");
    want_refused(a, &r, "555-CALL-NOW", "contact: ");
    report(&r, "5th and Alder", "vans");
    want_refused(a, &r,
                 "+1 555 \x1b"
                 "0101",
                 "contact: ");
    /* Nothing reached the database: no row, no op, no event. */
    assert_int_equal(count_all(a, NULL), 0);
    app_free(&a);
    assert_null(a);
    free(path);
}

static void test_create_normalises(void **state)
{
    char *path, *err = NULL, *contact = NULL;
    struct app *a = open_app(&path);
    struct model_report r, got;

    report(&r, "  Dep\xC3\xB3sito, International Blvd  ", "cafe\xCC\x81 with three vans\n");
    r.area = xstrdup("   ");
    r.agency = xstrdup("e\xCC\x81l");
    r.category = MODEL_CAT_WORKPLACE;
    r.first_hand = MODEL_YES;
    r.agents = 4;
    if (app_report_create(a, &r, " +1 (555) 010-1234 ", &err) != 0)
        fail_msg("create: %s", err);
    assert_true(ulid_valid(r.id));
    assert_int_equal(app_report_get(a, r.id, &got, &err), 0);
    assert_string_equal(got.location, "Dep\xC3\xB3sito, International Blvd");
    assert_string_equal(got.what, "caf\xC3\xA9 with three vans"); /* NFC, trimmed */
    assert_string_equal(got.agency, "\xC3\xA9l");
    assert_null(got.area); /* all blank: no area */
    assert_string_equal(got.created_by, "tester");
    assert_true(got.priority > 0);
    assert_true(got.expires_at > got.received_at);
    assert_int_equal(app_report_contact(a, r.id, &contact, &err), 0);
    assert_string_equal(contact, "+15550101234");
    free(contact);
    /* Found by search with or without the accent. */
    assert_int_equal(count_all(a, "cafe"), 1);
    assert_int_equal(count_all(a, "caf\xC3\xA9"), 1);
    assert_int_equal(count_all(a, "deposito"), 1);
    model_report_fini(&got);
    model_report_fini(&r);
    /* Spanish and CJK text is kept as typed. */
    report(&r, "\xE4\xB8\xAD\xE5\xBF\x83", "agentes preguntando por documentos");
    assert_int_equal(app_report_create(a, &r, NULL, &err), 0);
    assert_int_equal(app_report_get(a, r.id, &got, &err), 0);
    assert_string_equal(got.location, "\xE4\xB8\xAD\xE5\xBF\x83");
    model_report_fini(&got);
    model_report_fini(&r);
    assert_int_equal(count_all(a, NULL), 2);
    app_free(&a);
    free(path);
}

/* ---- app_report_import ------------------------------------------------------------ */

static char *write_file(const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static void want_import_error(struct app *a, const char *text, const char *where,
                              const char *needle)
{
    char *file = write_file("bad.jsonl", text), *err = NULL, *prefix;
    size_t n = 99;

    assert_int_equal(app_report_import(a, file, &n, &err), -1);
    assert_int_equal(n, 0);
    assert_non_null(err);
    prefix = xasprintf("%s:%s: ", file, where);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, needle) == NULL)
        fail_msg("message '%s', want '%s...%s'", err, prefix, needle);
    free(prefix);
    free(err);
    free(file);
    assert_int_equal(count_all(a, NULL), 0);
}

static void test_import_all_or_nothing(void **state)
{
    char *path, *err = NULL, *file;
    struct app *a = open_app(&path);
    size_t n = 99;

    assert_int_equal(app_report_import(a, "/nonexistent/file.jsonl", &n, &err), -1);
    assert_non_null(strstr(err, "/nonexistent/file.jsonl"));
    FREE(&err);
    want_import_error(a,
                      "{\"location\": \"a\", \"what\": \"b\"}\n"
                      "{\"location\": \"c\", \"what\": \"d\", \"agents\": 2}\n"
                      "{\"location\": \"e\", \"what\": \"f\", \"category\": \"raid\"}\n"
                      "{\"location\": \"g\", \"what\": \"h\"}\n",
                      "3", "raid");
    want_import_error(a, "{\"location\": \"a\", \"what\": \"b\"}\n{\"location\": \"c\",\n", "2",
                      "not a JSON object");
    want_import_error(a, "[1, 2]\n", "1", "not a JSON object");
    want_import_error(a, "\n\n{\"location\": \"a\"}\n", "3", "what");
    want_import_error(a, "{\"location\": \"a\", \"what\": \"b\", \"colour\": \"red\"}\n", "1",
                      "colour");
    want_import_error(a, "{\"location\": \"a\\u001b[2J\", \"what\": \"b\"}\n", "1", "location");
    want_import_error(a, "{\"location\": \"a\\u0000b\", \"what\": \"b\"}\n", "1", "location");
    want_import_error(a, "{\"location\": \"a\", \"what\": \"b\", \"agents\": 9999}\n", "1", "9999");
    want_import_error(a, "{\"location\": \"a\", \"what\": \"b\", \"agents\": [1]}\n", "1",
                      "agents");
    want_import_error(a, "{\"location\": \"a\", \"what\": \"b\", \"contact\": \"abc\"}\n", "1",
                      "contact");
    want_import_error(a, "{\"location\": \"a\", \"what\": \"b\", \"location\": \"c\"}\n", "1", "");
    /* A good file: blank lines and CRLF are fine. */
    file = write_file("good.jsonl",
                      "{\"location\": \"5th and Alder\", \"what\": \"three SUVs\"}\r\n"
                      "\n"
                      "   \n"
                      "{\"location\": \"Dep\xC3\xB3sito\", \"what\": \"tres camionetas\","
                      " \"source\": \"walk-in\", \"first_hand\": true, \"agents\": 3,"
                      " \"observed_at\": \"15 min ago\", \"contact\": \"+1 555 0101\","
                      " \"priority\": 3, \"created_by\": \"someone\"}\n");
    assert_int_equal(app_report_import(a, file, &n, &err), 0);
    assert_null(err);
    assert_int_equal(n, 2);
    assert_int_equal(count_all(a, NULL), 2);
    assert_int_equal(count_all(a, "camionetas"), 1);
    free(file);
    app_free(&a);
    free(path);
}

static void test_import_round_trip(void **state)
{
    char *path1, *path2, *err = NULL, *file;
    struct app *a = open_app(&path1), *b;
    struct app_view v;
    struct model_report rows[16], got, r;
    size_t n, m;
    struct buf out;

    report(&r, "Dep\xC3\xB3sito", "tres camionetas \"sin\" placas\nsegunda l\xC3\xADnea");
    r.area = xstrdup("Fruitvale");
    r.agency = xstrdup("ICE");
    r.vehicles = xstrdup("3 camionetas");
    r.agents = 6;
    r.first_hand = MODEL_YES;
    r.source = MODEL_SOURCE_WALK_IN;
    r.category = MODEL_CAT_CHECKPOINT;
    r.status = MODEL_STATUS_POLICE_ONLY;
    r.observed_at = timeutil_now_ms() - 1200000;
    r.has_pos = true;
    r.lat = 37.7763;
    r.lon = -122.224;
    assert_int_equal(app_report_create(a, &r, "+15550101", &err), 0);
    model_report_fini(&r);
    report(&r, "\xE4\xB8\xAD\xE5\xBF\x83", "flyers");
    r.received_at = timeutil_now_ms() - 3 * 86400000LL; /* expired: still exported */
    assert_int_equal(app_report_create(a, &r, NULL, &err), 0);
    model_report_fini(&r);
    /* What `report list --all --json` prints: one object per line. */
    app_view_init(&v);
    v.include_expired = true;
    assert_int_equal(app_queue_page(a, &v, 0, 16, rows, &n, &err), 0);
    assert_int_equal(n, 2);
    buf_init(&out);
    for (size_t i = 0; i < n; i++) {
        char *line = app_report_json(&rows[i], NULL);
        assert_null(strchr(line, '\n'));
        buf_adds(&out, line);
        buf_addc(&out, '\n');
        free(line);
    }
    file = write_file("export.jsonl", buf_str(&out));
    buf_fini(&out);
    b = open_app(&path2);
    assert_int_equal(app_report_import(b, file, &m, &err), 0);
    assert_int_equal(m, 2);
    for (size_t i = 0; i < n; i++) {
        if (app_report_get(b, rows[i].id, &got, &err) != 0)
            fail_msg("%s not imported: %s", rows[i].id, err);
        assert_string_equal(got.location, rows[i].location);
        assert_string_equal(got.what, rows[i].what);
        assert_true((got.area == NULL) == (rows[i].area == NULL));
        if (got.area)
            assert_string_equal(got.area, rows[i].area);
        assert_int_equal(got.agents, rows[i].agents);
        assert_int_equal(got.first_hand, rows[i].first_hand);
        assert_int_equal(got.source, rows[i].source);
        assert_int_equal(got.category, rows[i].category);
        assert_int_equal(got.status, rows[i].status);
        assert_int_equal(got.received_at, rows[i].received_at);
        assert_int_equal(got.observed_at, rows[i].observed_at);
        assert_int_equal(got.has_pos, rows[i].has_pos);
        if (got.has_pos) {
            assert_float_equal(got.lat, rows[i].lat, 1e-6);
            assert_float_equal(got.lon, rows[i].lon, 1e-6);
        }
        model_report_fini(&got);
        model_report_fini(&rows[i]);
    }
    free(file);
    app_free(&b);
    app_free(&a);
    free(path1);
    free(path2);
}

/* ---- app_set_actor, the live queue ------------------------------------------------ */

static void test_actor(void **state)
{
    char *path, *err = NULL, *text = NULL;
    char *cfg = xasprintf("%s/vigia/config.yaml", tmpdir);
    struct app *a = open_app(&path);
    struct app_options o = {0};

    assert_int_equal(app_set_actor(a, NULL, false, &err), -1);
    FREE(&err);
    assert_int_equal(app_set_actor(a, "", false, &err), -1);
    FREE(&err);
    assert_int_equal(app_set_actor(a, "Ana\x1b[31m", false, &err), -1);
    FREE(&err);
    assert_int_equal(app_set_actor(a, "Ana\nBea", false, &err), -1);
    FREE(&err);
    assert_int_equal(app_set_actor(a, "Ana \xFF", false, &err), -1);
    FREE(&err);
    assert_string_equal(app_actor(a), "tester"); /* unchanged by refusals */
    assert_false(access(cfg, F_OK) == 0);
    /* Remembered: NFC, saved to the config, known at the next start. */
    assert_int_equal(app_set_actor(a,
                                   "Mari\xCC\x81"
                                   "a",
                                   true, &err),
                     0);
    assert_string_equal(app_actor(a), "Mar\xC3\xAD"
                                      "a");
    assert_int_equal(util_read_file(cfg, &text, NULL), 0);
    assert_non_null(strstr(text, "Mar\xC3\xAD"
                                 "a"));
    free(text);
    app_free(&a);
    o.db_path = path;
    assert_int_equal(app_open(&o, &a, &err), 0);
    assert_string_equal(app_actor(a), "Mar\xC3\xAD"
                                      "a");
    app_free(&a);
    unlink(cfg);
    free(cfg);
    free(path);
}

static void test_live_queue(void **state)
{
    char *path, *err = NULL;
    struct app *a = open_app(&path);
    struct app_view v;
    struct model_report r;
    size_t n, counts[MODEL_STATUS_COUNT];

    report(&r, "Fruitvale BART", "old post about the plaza");
    r.received_at = timeutil_now_ms() - 2 * 86400000LL;
    r.status = MODEL_STATUS_FALSE_ALARM;
    assert_int_equal(app_report_create(a, &r, NULL, &err), 0);
    model_report_fini(&r);
    report(&r, "5th and Alder", "three SUVs");
    assert_int_equal(app_report_create(a, &r, NULL, &err), 0);
    assert_false(app_report_is_stale(a, &r, timeutil_now_ms()));
    assert_true(app_report_is_stale(a, &r, timeutil_now_ms() + 2 * 3600000LL));
    model_report_fini(&r);
    /* The live queue hides the two-day-old report; a search still finds it. */
    app_view_init(&v);
    assert_int_equal(app_queue_count(a, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    v.search = "bart";
    assert_int_equal(app_queue_count(a, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(count_all(a, NULL), 2);
    assert_int_equal(app_status_counts(a, false, counts, &err), 0);
    assert_int_equal(counts[MODEL_STATUS_FALSE_ALARM], 0);
    assert_int_equal(counts[MODEL_STATUS_NEW], 1);
    assert_int_equal(app_status_counts(a, true, counts, &err), 0);
    assert_int_equal(counts[MODEL_STATUS_FALSE_ALARM], 1);
    app_free(&a);
    free(path);
}

/* ---- app_demo_build ------------------------------------------------------------------ */

static void test_demo(void **state)
{
    char *path = xasprintf("%s/demo.db", tmpdir), *err = NULL;
    struct app_options o = {.actor = "tester"};
    struct app *a = NULL;
    struct app_view v;
    size_t total, live, counts[MODEL_STATUS_COUNT], kinds = 0;
    FILE *f;

    /* Whatever was there is replaced. */
    f = fopen(path, "w");
    fputs("old junk", f);
    fclose(f);
    if (app_demo_build(path, &err) != 0)
        fail_msg("demo: %s", err);
    o.db_path = path;
    assert_int_equal(app_open(&o, &a, &err), 0);
    total = count_all(a, NULL);
    assert_true(total >= 30);
    app_view_init(&v);
    assert_int_equal(app_queue_count(a, &v, &live, &err), 0);
    assert_true(live >= 20);   /* a full live queue */
    assert_true(live < total); /* and older reports only a search finds */
    assert_int_equal(app_status_counts(a, true, counts, &err), 0);
    for (int i = 0; i < MODEL_STATUS_COUNT; i++)
        kinds += counts[i] > 0;
    assert_true(kinds >= 6);
    assert_true(count_all(a, "camioneta") >= 1);
    assert_true(count_all(a, "deposito") >= 2);
    assert_true(count_all(a, "agentes") >= 1);
    app_free(&a);
    /* Building again gives the same demo, not twice as much. */
    assert_int_equal(app_demo_build(path, &err), 0);
    assert_int_equal(app_open(&o, &a, &err), 0);
    assert_int_equal(count_all(a, NULL), total);
    app_free(&a);
    /* A folder that does not exist is a clear error. */
    assert_int_equal(app_demo_build("/nonexistent/folder/demo.db", &err), -1);
    assert_non_null(err);
    free(err);
    free(path);
}

static int setup(void **state)
{
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    setenv("XDG_CONFIG_HOME", tmpdir, 1);
    setenv("XDG_DATA_HOME", tmpdir, 1);
    unsetenv("VIGIA_DB");
    unsetenv("VIGIA_NOW");
    logger_set_sink(logger_null_sink, NULL);
    return 0;
}

static int teardown(void **state)
{
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);

    free(cmd);
    return rc == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_refuses),
        cmocka_unit_test(test_create_normalises),
        cmocka_unit_test(test_import_all_or_nothing),
        cmocka_unit_test(test_import_round_trip),
        cmocka_unit_test(test_actor),
        cmocka_unit_test(test_live_queue),
        cmocka_unit_test(test_demo),
    };

    return cmocka_run_group_tests_name("app", tests, setup, teardown);
}
