/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/app/app-verify.c: answering checklist items (who, when,
 * note, the event), status changes under the lifecycle rules (a refusal
 * leaves the database as it was), incidents (the checklist and status belong
 * to the incident, merging keeps every answer), suggestions of nearby
 * reports, the rumor search with verdicts, the timeline filters, one queue
 * row per incident, and priority recomputation. The clock is fixed and moved
 * by hand so every event has its own time.
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

static char tmpdir[] = "/tmp/vigia-test-verify-XXXXXX";
static int counter;
static int64_t clock_ms = 1795348800000; /* 2026-11-22T08:00:00Z */

static void tick(void)
{
    clock_ms += 60000;
    timeutil_set_fixed(clock_ms);
}

static struct app *open_app(const char *actor)
{
    struct app_options o = {.actor = actor, .config_path = "/dev/null"};
    struct app *a = NULL;
    char *err = NULL, *path = xasprintf("%s/v%d.db", tmpdir, counter++);

    o.db_path = path;
    if (app_open(&o, &a, &err) != 0)
        fail_msg("app_open: %s", err);
    free(path);
    return a;
}

static void add(struct app *a, const char *loc, const char *area, enum model_tri fh,
                char id[ULID_LEN + 1])
{
    struct model_report r;
    char *err = NULL;

    tick();
    model_report_init(&r);
    r.location = xstrdup(loc);
    r.what = xstrdup("vans and agents");
    r.area = area ? xstrdup(area) : NULL;
    r.first_hand = fh;
    if (app_report_create(a, &r, NULL, &err) != 0)
        fail_msg("create: %s", err);
    memcpy(id, r.id, ULID_LEN + 1);
    model_report_fini(&r);
}

static void check(struct app *a, const char *id, const char *key, enum model_tri t,
                  const char *note)
{
    char *err = NULL;

    tick();
    if (app_check_set(a, id, key, t, note, &err) != 0)
        fail_msg("check %s: %s", key, err);
}

static int status(struct app *a, const char *id, enum model_status to, const char *note, char **err)
{
    tick();
    return app_status_set(a, id, to, note, err);
}

static const struct app_check *find(const struct app_verification *v, const char *key)
{
    int i = model_checklist_find(v->list, key);

    assert_true(i >= 0);
    return &v->checks[i];
}

static enum model_status status_of(struct app *a, const char *id)
{
    struct model_report r;
    enum model_status s;

    assert_int_equal(app_report_get(a, id, &r, NULL), 0);
    s = r.status;
    model_report_fini(&r);
    return s;
}

static size_t count_events(struct app *a, const char *id, const char *kind)
{
    struct app_event_filter f = {.report_id = id, .kind = kind};
    struct model_event *ev;
    size_t n;

    assert_int_equal(app_events(a, &f, &ev, &n, NULL), 0);
    app_events_free(ev, n);
    return n;
}

static void test_check_set(void **state)
{
    struct app *a = open_app("ana");
    struct app_verification v;
    struct model_event *ev;
    size_t n;
    char id[ULID_LEN + 1], *err = NULL;
    struct app_event_filter f = {.kind = "check.set"};

    (void)state;
    add(a, "Main and 3rd", NULL, MODEL_UNKNOWN, id);
    check(a, id, "vehicles", MODEL_YES, "  three SUVs ");
    check(a, id, "photo", MODEL_NO, NULL);
    assert_int_equal(app_verification_get(a, id, &v, &err), 0);
    assert_string_equal(v.incident, id);
    assert_int_equal(v.nmembers, 1);
    assert_int_equal(find(&v, "vehicles")->state, MODEL_YES);
    assert_string_equal(find(&v, "vehicles")->by, "ana");
    assert_string_equal(find(&v, "vehicles")->note, "three SUVs");
    assert_int_equal(find(&v, "vehicles")->at, clock_ms - 60000);
    assert_int_equal(find(&v, "photo")->state, MODEL_NO);
    assert_null(find(&v, "photo")->note);
    assert_int_equal(find(&v, "buses")->state, MODEL_UNKNOWN);
    assert_null(find(&v, "buses")->by);
    /* The hint advises; the status stays. */
    assert_int_equal(v.verdict.kind, MODEL_VERDICT_UNCLEAR);
    assert_int_equal(v.status, MODEL_STATUS_NEW);
    app_verification_fini(&v);
    assert_int_equal(status_of(a, id), MODEL_STATUS_NEW);

    assert_int_equal(app_events(a, &f, &ev, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ev[0].kind, "check.set"); /* newest first by default */
    assert_string_equal(ev[0].detail, "{\"item\":\"photo\",\"state\":\"no\"}");
    assert_string_equal(ev[1].actor, "ana");
    char *text = app_event_text(a, &ev[1]);
    assert_string_equal(text, "checked vehicles: yes: three SUVs");
    free(text);
    app_events_free(ev, n);

    /* Refusals: unknown item, control characters in the note, no name. */
    assert_int_not_equal(app_check_set(a, id, "unicorns", MODEL_YES, NULL, &err), 0);
    assert_non_null(strstr(err, "unicorns"));
    FREE(&err);
    assert_int_not_equal(app_check_set(a, id, "vehicles", MODEL_YES, "a\x1b[2Jb", &err), 0);
    assert_non_null(strstr(err, "note"));
    FREE(&err);
    assert_int_equal(count_events(a, id, "check.set"), 2);
    app_free(&a);
    a = open_app(NULL);
    add(a, "Olive", NULL, MODEL_UNKNOWN, id);
    assert_int_not_equal(app_check_set(a, id, "vehicles", MODEL_YES, NULL, &err), 0);
    assert_non_null(strstr(err, "--as"));
    FREE(&err);
    app_free(&a);
}

static void test_status_rules(void **state)
{
    struct app *a = open_app("ana");
    char id[ULID_LEN + 1], *err = NULL;
    struct app_verification v;

    (void)state;
    add(a, "Main and 3rd", NULL, MODEL_UNKNOWN, id);
    assert_int_not_equal(status(a, id, MODEL_STATUS_FALSE_ALARM, NULL, &err), 0);
    assert_non_null(strstr(err, "false alarm needs a note"));
    FREE(&err);
    assert_int_equal(status(a, id, MODEL_STATUS_VERIFYING, NULL, &err), 0);
    assert_int_not_equal(status(a, id, MODEL_STATUS_CONFIRMED, "ICE vests", &err), 0);
    assert_non_null(strstr(err, "first-hand"));
    FREE(&err);
    /* A refusal changes nothing. */
    assert_int_equal(status_of(a, id), MODEL_STATUS_VERIFYING);
    assert_int_equal(count_events(a, id, "status.changed"), 1);
    /* The report's own first_hand counts as evidence. */
    check(a, id, "verifier_on_scene", MODEL_NO, "nothing there at 8:10");
    assert_int_not_equal(status(a, id, MODEL_STATUS_CONFIRMED, "ICE vests", &err), 0);
    FREE(&err);
    check(a, id, "verifier_on_scene", MODEL_YES, "Marta saw 4 agents");
    assert_int_equal(app_verification_get(a, id, &v, NULL), 0);
    assert_true(v.verifier);
    assert_false(v.first_hand);
    app_verification_fini(&v);
    assert_int_equal(status(a, id, MODEL_STATUS_CONFIRMED, "ICE vests", &err), 0);
    assert_int_equal(status_of(a, id), MODEL_STATUS_CONFIRMED);
    assert_int_equal(count_events(a, id, "status.changed"), 2);

    /* An answer relayed from a verifier on scene is an observation too. */
    add(a, "Elm and 2nd", NULL, MODEL_UNKNOWN, id);
    assert_int_equal(status(a, id, MODEL_STATUS_VERIFYING, NULL, &err), 0);
    assert_int_not_equal(status(a, id, MODEL_STATUS_CONFIRMED, "vests", &err), 0);
    FREE(&err);
    assert_int_equal(app_set_actor(a, APP_VERIFIER_BY "Marta (ana)", false, &err), 0);
    check(a, id, "agency_markings", MODEL_YES, "ERO on the vests");
    assert_int_equal(app_set_actor(a, "ana", false, &err), 0);
    assert_int_equal(status(a, id, MODEL_STATUS_CONFIRMED, "Marta saw ERO vests", &err), 0);

    add(a, "Olive", NULL, MODEL_YES, id);
    assert_int_equal(app_verification_get(a, id, &v, NULL), 0);
    assert_true(v.first_hand);
    assert_int_equal(find(&v, "first_hand")->state, MODEL_YES);
    app_verification_fini(&v);
    assert_int_equal(status(a, id, MODEL_STATUS_TRIAGED, NULL, &err), 0);
    assert_int_equal(status(a, id, MODEL_STATUS_CONFIRMED, "caller saw vests", &err), 0);
    app_free(&a);
}

static void test_link_and_incident(void **state)
{
    struct app *a = open_app("ana");
    char a1[ULID_LEN + 1], a2[ULID_LEN + 1], a3[ULID_LEN + 1], inc[ULID_LEN + 1];
    char *err = NULL;
    struct app_verification v;
    struct model_report *near;
    size_t n, callers;

    (void)state;
    add(a, "Home Depot on 5th", "Eastside", MODEL_UNKNOWN, a1);
    add(a, "5th street home depot parking", "eastside", MODEL_UNKNOWN, a2);
    add(a, "Lincoln Elementary", "Westside", MODEL_UNKNOWN, a3);
    assert_int_equal(app_nearby(a, a2, 10, &near, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(near[0].id, a1);
    app_reports_free(near, n);

    /* Answers on both sides before linking: the later one wins for a key. */
    check(a, a1, "vehicles", MODEL_NO, NULL);
    check(a, a2, "vehicles", MODEL_YES, "three SUVs");
    check(a, a2, "buses", MODEL_YES, NULL);
    assert_int_equal(status(a, a1, MODEL_STATUS_VERIFYING, NULL, &err), 0);
    tick();
    assert_int_equal(app_link(a, a2, a1, inc, &err), 0);
    assert_string_equal(inc, a1);
    assert_int_equal(app_incident_info(a, a2, inc, &callers, NULL), 0);
    assert_string_equal(inc, a1);
    assert_int_equal(callers, 2);
    /* The new member joins where the incident stands. */
    assert_int_equal(status_of(a, a2), MODEL_STATUS_VERIFYING);
    assert_int_equal(app_verification_get(a, a1, &v, NULL), 0);
    assert_int_equal(v.nmembers, 2);
    assert_string_equal(v.members[0], a1);
    assert_int_equal(find(&v, "vehicles")->state, MODEL_YES);
    assert_int_equal(find(&v, "buses")->state, MODEL_YES);
    app_verification_fini(&v);
    /* Linked reports are no longer suggested. */
    assert_int_equal(app_nearby(a, a2, 10, &near, &n, NULL), 0);
    assert_int_equal(n, 0);
    app_reports_free(near, n);
    /* Status of the incident: every report. */
    assert_int_equal(status(a, a2, MODEL_STATUS_POLICE_ONLY, "sheriff's cars", &err), 0);
    assert_int_equal(status_of(a, a1), MODEL_STATUS_POLICE_ONLY);
    assert_int_equal(status_of(a, a2), MODEL_STATUS_POLICE_ONLY);
    assert_int_equal(status_of(a, a3), MODEL_STATUS_NEW);
    assert_int_not_equal(app_link(a, a1, a2, NULL, &err), 0);
    assert_non_null(strstr(err, "same incident"));
    FREE(&err);
    /* A report already worked brings its status to the incident it joins. */
    {
        char b1[ULID_LEN + 1], b2[ULID_LEN + 1];
        add(a, "Olive and 9th", "Northside", MODEL_YES, b1);
        add(a, "9th and Olive", "northside", MODEL_UNKNOWN, b2);
        assert_int_equal(status(a, b2, MODEL_STATUS_FALSE_ALARM, "a film shoot", &err), 0);
        tick();
        assert_int_equal(app_link(a, b2, b1, inc, &err), 0);
        assert_string_equal(inc, b1);
        assert_int_equal(status_of(a, b1), MODEL_STATUS_FALSE_ALARM);
        assert_int_equal(status_of(a, b2), MODEL_STATUS_FALSE_ALARM);
    }
    /* The queue can show one row per incident. */
    struct app_view view;
    app_view_init(&view);
    assert_int_equal(app_queue_count(a, &view, &n, NULL), 0);
    assert_int_equal(n, 5);
    view.incidents = true;
    assert_int_equal(app_queue_count(a, &view, &n, NULL), 0);
    assert_int_equal(n, 3);
    app_free(&a);
}

static void test_search_verdicts(void **state)
{
    struct app *a = open_app("ana");
    char r1[ULID_LEN + 1], r2[ULID_LEN + 1], r3[ULID_LEN + 1], *err = NULL;
    struct app_search_hit *hits;
    size_t n;

    (void)state;
    add(a, "Depósito de materiales, Calle 8", NULL, MODEL_NO, r1);
    add(a, "Deposito Calle 8", NULL, MODEL_UNKNOWN, r2);
    add(a, "Lincoln Park", NULL, MODEL_UNKNOWN, r3);
    tick();
    assert_int_equal(app_link(a, r1, r2, NULL, &err), 0);
    assert_int_equal(status(a, r2, MODEL_STATUS_FALSE_ALARM, "local police", &err), 0);
    assert_int_equal(status(a, r2, MODEL_STATUS_CLOSED, NULL, &err), 0);
    assert_int_equal(app_search(a, "DEPOSITO", 0, 0, 10, &hits, &n, &err), 0);
    /* Two matching reports, one incident: one hit. */
    assert_int_equal(n, 1);
    assert_string_equal(hits[0].incident, r1);
    assert_int_equal(hits[0].callers, 2);
    assert_int_equal(hits[0].status, MODEL_STATUS_CLOSED);
    assert_string_equal(hits[0].note, "local police");
    assert_string_equal(hits[0].by, "ana");
    assert_non_null(strstr(hits[0].verdict, "false alarm — local police, checked "));
    char *json = app_search_hit_json(&hits[0]);
    assert_non_null(strstr(json, "\"callers\":2"));
    assert_non_null(strstr(json, "\"note\":\"local police\""));
    free(json);
    app_search_free(hits, n);
    assert_int_equal(app_search(a, "lincoln", 0, 0, 10, &hits, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(hits[0].verdict, "new, no verdict yet");
    assert_int_equal(hits[0].decided_at, 0);
    app_search_free(hits, n);
    /* Punctuation alone matches nothing; time bounds apply. */
    assert_int_equal(app_search(a, "\"*(", 0, 0, 10, &hits, &n, &err), 0);
    assert_int_equal(n, 0);
    app_search_free(hits, n);
    assert_int_equal(app_search(a, "deposito", clock_ms + 1, 0, 10, &hits, &n, &err), 0);
    assert_int_equal(n, 0);
    app_search_free(hits, n);
    app_free(&a);
}

static void test_events_filters(void **state)
{
    struct app *a = open_app("ana"), *b;
    char id[ULID_LEN + 1], other[ULID_LEN + 1], *err = NULL;
    struct app_event_filter f = {.oldest_first = true};
    struct model_event *ev;
    size_t n;
    int64_t mid;

    (void)state;
    add(a, "Main and 3rd", NULL, MODEL_UNKNOWN, id);
    assert_int_equal(app_set_actor(a, "ben", false, &err), 0);
    add(a, "Olive", NULL, MODEL_UNKNOWN, other);
    mid = clock_ms;
    check(a, id, "vehicles", MODEL_YES, NULL);
    b = a;
    assert_int_equal(app_events(b, &f, &ev, &n, NULL), 0);
    assert_int_equal(n, 3);
    assert_true(ev[0].at < ev[1].at && ev[1].at < ev[2].at);
    app_events_free(ev, n);
    f.actor = "BEN";
    assert_int_equal(app_events(a, &f, &ev, &n, NULL), 0);
    assert_int_equal(n, 2);
    app_events_free(ev, n);
    f.actor = NULL;
    f.report_id = id;
    assert_int_equal(app_events(a, &f, &ev, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ev[0].kind, "report.created");
    assert_string_equal(ev[1].kind, "check.set");
    app_events_free(ev, n);
    f.report_id = NULL;
    f.since = mid + 1;
    assert_int_equal(app_events(a, &f, &ev, &n, NULL), 0);
    assert_int_equal(n, 1);
    app_events_free(ev, n);
    f.since = 0;
    f.until = mid;
    assert_int_equal(app_events(a, &f, &ev, &n, NULL), 0);
    assert_int_equal(n, 2);
    app_events_free(ev, n);
    f.until = 0;
    f.report_id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    assert_int_not_equal(app_events(a, &f, &ev, &n, &err), 0);
    FREE(&err);
    app_free(&a);
}

static void test_priority_follows_evidence(void **state)
{
    struct app *a = open_app("ana");
    char x[ULID_LEN + 1], y[ULID_LEN + 1], *err = NULL;
    struct model_report r;
    int before, after;
    size_t changed = 99;

    (void)state;
    add(a, "Main and 3rd", "Centro", MODEL_UNKNOWN, x);
    add(a, "3rd and Main", "centro", MODEL_UNKNOWN, y);
    assert_int_equal(app_report_get(a, x, &r, NULL), 0);
    before = r.priority;
    model_report_fini(&r);
    check(a, x, "agency_markings", MODEL_YES, NULL);
    check(a, x, "detentions", MODEL_YES, NULL);
    tick();
    assert_int_equal(app_link(a, x, y, NULL, &err), 0);
    assert_int_equal(app_report_get(a, x, &r, NULL), 0);
    after = r.priority;
    model_report_fini(&r);
    assert_true(after > before);
    /* Nothing changed since: a refresh writes nothing. */
    assert_int_equal(app_queue_refresh(a, &changed, &err), 0);
    assert_int_equal(changed, 0);
    /* Two hours later freshness has dropped. */
    clock_ms += 2 * 3600000;
    timeutil_set_fixed(clock_ms);
    assert_int_equal(app_queue_refresh(a, &changed, &err), 0);
    assert_int_equal(changed, 2);
    assert_int_equal(app_report_get(a, x, &r, NULL), 0);
    assert_true(r.priority < after);
    model_report_fini(&r);
    app_free(&a);
}

static int setup(void **state)
{
    (void)state;
    timeutil_set_fixed(clock_ms);
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);

    (void)state;
    if (system(cmd) != 0)
        print_message("# cannot remove %s\n", tmpdir);
    free(cmd);
    timeutil_set_fixed(0);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_set),         cmocka_unit_test(test_status_rules),
        cmocka_unit_test(test_link_and_incident), cmocka_unit_test(test_search_verdicts),
        cmocka_unit_test(test_events_filters),    cmocka_unit_test(test_priority_follows_evidence),
    };

    setenv("XDG_CONFIG_HOME", "/nonexistent-vigia-test", 1);
    return cmocka_run_group_tests(tests, setup, teardown);
}
