/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/app/app-resource.c: importing a directory is all or
 * nothing with the file's positions, a second import updates entries by
 * name; search by words ignores case and accents both ways ("inmigración"
 * finds "Inmigracion" and the other way round), by need, by language (code
 * or name) and by area; results follow the collation of the dispatcher's
 * language (Spanish puts "Ñ" after "N"); entries not checked within
 * resource_check_days are flagged; a referral lands on the report's
 * timeline with a follow-up reminder that falls due.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/app.h"

#define DAY (86400 * 1000LL)

static char tmpdir[] = "/tmp/vigia-test-app-resource-XXXXXX";
static int counter;
static const int64_t clock_ms = 1795348800000; /* 2026-11-22T12:00:00Z */

static char *put(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* An app on a fresh database, with @config_text as config.yaml (NULL: none). */
static struct app *open_app(const char *actor, const char *config_text)
{
    struct app_options o = {.actor = actor, .config_path = "/dev/null"};
    struct app *a = NULL;
    char *err = NULL, *path = xasprintf("%s/r%d.db", tmpdir, counter), *conf = NULL;

    if (config_text != NULL) {
        char *name = xasprintf("config%d.yaml", counter);
        conf = put(name, config_text);
        free(name);
        o.config_path = conf;
    }
    counter++;
    o.db_path = path;
    if (app_open(&o, &a, &err) != 0)
        fail_msg("app_open: %s", err);
    free(path);
    free(conf);
    return a;
}

static const char directory[] = "resources:\n"
                                "  - name: Centro de Inmigracion del Valle\n"
                                "    services: [immigration_attorney]\n"
                                "    languages: [Español, English]\n"
                                "    areas: [San José]\n"
                                "    contact: 408-555-0100\n"
                                "    checked_at: 2026-11-01\n"
                                "  - name: Fianzas Unidas\n"
                                "    services: [bail_financial]\n"
                                "    languages: [es]\n"
                                "    contact: 555-0101\n"
                                "    notes: Ayuda con fianzas de inmigración\n"
                                "  - name: Nube Legal\n"
                                "    services: [legal_aid]\n"
                                "    languages: [vi]\n"
                                "    areas: [Oakland]\n"
                                "    contact: 555-0102\n"
                                "  - name: Ñandú Legal\n"
                                "    services: [legal_aid]\n"
                                "    contact: 555-0103\n"
                                "  - name: Oso Legal\n"
                                "    services: [legal_aid, detention_locator]\n"
                                "    contact: 555-0104\n";

static void import(struct app *a, const char *text, size_t want_added, size_t want_updated)
{
    char *path, *err = NULL, *name = xasprintf("dir%d.yaml", counter++);
    size_t added = 99, updated = 99;
    bool sample = true;

    path = put(name, text);
    if (app_resource_import(a, path, &added, &updated, &sample, &err) != 0)
        fail_msg("import: %s", err);
    assert_int_equal(added, want_added);
    assert_int_equal(updated, want_updated);
    assert_false(sample);
    free(path);
    free(name);
}

/* Names found for a query, joined with "|"; newly allocated. */
static char *names(struct app *a, const char *text, const char *need, const char *lang,
                   const char *area)
{
    struct app_resource_query q = {.text = text, .need = need, .language = lang, .area = area};
    struct model_resource *rows = NULL;
    size_t n = 0;
    char *err = NULL;
    struct buf b;

    if (app_resource_search(a, &q, &rows, &n, &err) != 0)
        fail_msg("search: %s", err);
    buf_init(&b);
    buf_adds(&b, "");
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s%s", i ? "|" : "", rows[i].name);
    app_resources_free(rows, n);
    return buf_steal(&b);
}

#define ASSERT_NAMES(a, text, need, lang, area, want)                                              \
    do {                                                                                           \
        char *got_ = names(a, text, need, lang, area);                                             \
        if (strcmp(got_, want) != 0)                                                               \
            fail_msg("search '%s': got '%s', want '%s'", (text) ? (text) : "", got_, want);        \
        free(got_);                                                                                \
    } while (0)

static void test_import_all_or_nothing(void **state)
{
    struct app *a = open_app("ana", NULL);
    char *err = NULL, *path, *want;

    (void)state;
    /* The third record is bad: nothing of the file may be stored. */
    path = put("bad.csv", "name,services,contact\n"
                          "Uno,legal_aid,1\n"
                          "Dos,fontanería,2\n");
    assert_int_equal(app_resource_import(a, path, NULL, NULL, NULL, &err), -1);
    want = xasprintf("%s:3: services: unknown service 'fontanería'", path);
    assert_string_equal(strncmp(err, want, strlen(want)) == 0 ? "ok" : err, "ok");
    FREE(&err);
    free(want);
    free(path);
    ASSERT_NAMES(a, NULL, NULL, NULL, NULL, "");

    /* Whole-entry checks (no contact) carry the entry's YAML position. */
    path = put("bad.yaml", "resources:\n"
                           "  - name: Uno\n"
                           "    services: legal_aid\n"
                           "    contact: 1\n"
                           "  - name: Dos\n"
                           "    services: legal_aid\n");
    assert_int_equal(app_resource_import(a, path, NULL, NULL, NULL, &err), -1);
    want = xasprintf("%s:5:5: contact: ", path);
    assert_string_equal(strncmp(err, want, strlen(want)) == 0 ? "ok" : err, "ok");
    FREE(&err);
    free(want);
    free(path);

    /* The same name twice in one file, accents and case aside. */
    path = put("twice.yaml", "resources:\n"
                             "  - {name: Ñandú, services: legal_aid, contact: 1}\n"
                             "  - {name: NANDU, services: legal_aid, contact: 2}\n");
    assert_int_equal(app_resource_import(a, path, NULL, NULL, NULL, &err), -1);
    assert_non_null(strstr(err, ":3:5: 'NANDU' is already on line 2"));
    FREE(&err);
    free(path);
    ASSERT_NAMES(a, NULL, NULL, NULL, NULL, "");

    /* A missing file. */
    assert_int_equal(app_resource_import(a, "/nonexistent/x.yaml", NULL, NULL, NULL, &err), -1);
    assert_non_null(strstr(err, "cannot read"));
    FREE(&err);
    app_free(&a);
}

static void test_reimport_updates(void **state)
{
    struct app *a = open_app("ana", NULL);
    struct model_resource r, r2;
    char *err = NULL;

    (void)state;
    import(a, directory, 5, 0);
    assert_int_equal(app_resource_get(a, "centro de inmigración del valle", &r, &err), 0);
    /* The same name written differently replaces the entry and keeps its id. */
    import(a,
           "resources:\n"
           "  - name: CENTRO DE INMIGRACIÓN DEL VALLE\n"
           "    services: immigration_attorney\n"
           "    contact: 408-555-0199\n"
           "  - name: Nuevo\n"
           "    services: legal_aid\n"
           "    contact: 1\n",
           1, 1);
    assert_int_equal(app_resource_get(a, r.id, &r2, &err), 0);
    assert_string_equal(r2.contact, "408-555-0199");
    assert_string_equal(r2.name, "CENTRO DE INMIGRACIÓN DEL VALLE");
    assert_int_equal(r2.created_at, r.created_at);
    model_resource_fini(&r2);
    /* A unique beginning of a name or id finds it; an ambiguous one does not. */
    assert_int_equal(app_resource_get(a, "centro", &r2, &err), 0);
    assert_string_equal(r2.id, r.id);
    model_resource_fini(&r2);
    assert_int_equal(app_resource_get(a, "legal", &r2, &err), -1);
    assert_non_null(strstr(err, "no resource 'legal'"));
    FREE(&err);
    model_resource_fini(&r2);
    {
        char prefix[11];
        memcpy(prefix, r.id, 10); /* the time part: every entry of the import shares it */
        prefix[10] = '\0';
        assert_int_equal(app_resource_get(a, prefix, &r2, &err), -1);
        assert_non_null(strstr(err, "several"));
        FREE(&err);
        model_resource_fini(&r2);
    }
    /* Removing hides it from search and look-up. */
    assert_int_equal(app_resource_remove(a, r.id, &err), 0);
    assert_int_equal(app_resource_get(a, r.id, &r2, &err), -1);
    FREE(&err);
    model_resource_fini(&r2);
    ASSERT_NAMES(a, "valle", NULL, NULL, NULL, "");
    model_resource_fini(&r);
    app_free(&a);
}

static void test_search_accents_and_filters(void **state)
{
    struct app *a = open_app("ana", "language: en\n");
    struct app_resource_query q = {.need = "plumbing"};
    struct model_resource *rows = NULL;
    size_t n = 0;
    char *err = NULL;

    (void)state;
    import(a, directory, 5, 0);
    /* Written without the accent, searched with it, and the other way round. */
    ASSERT_NAMES(a, "inmigración", NULL, NULL, NULL,
                 "Centro de Inmigracion del Valle|Fianzas Unidas");
    ASSERT_NAMES(a, "INMIGRACION", NULL, NULL, NULL,
                 "Centro de Inmigracion del Valle|Fianzas Unidas");
    ASSERT_NAMES(a, "nandu", NULL, NULL, NULL, "Ñandú Legal");
    ASSERT_NAMES(a, "fianza", NULL, NULL, NULL, "Fianzas Unidas"); /* word prefixes */
    ASSERT_NAMES(a, "fianzas valle", NULL, NULL, NULL, "");        /* every word must match */
    /* Need by identifier or label. */
    ASSERT_NAMES(a, NULL, "bail", NULL, NULL, "Fianzas Unidas");
    ASSERT_NAMES(a, NULL, "detention_locator", NULL, NULL, "Oso Legal");
    /* Language by code or name, any case or accent. */
    ASSERT_NAMES(a, NULL, NULL, "ESPAÑOL", NULL, "Centro de Inmigracion del Valle|Fianzas Unidas");
    ASSERT_NAMES(a, NULL, NULL, "es", NULL, "Centro de Inmigracion del Valle|Fianzas Unidas");
    ASSERT_NAMES(a, NULL, NULL, "Vietnamese", NULL, "Nube Legal");
    ASSERT_NAMES(a, NULL, NULL, "Klingon", NULL, "");
    /* Area: entries without areas serve everywhere. */
    ASSERT_NAMES(a, NULL, NULL, NULL, "san jose",
                 "Centro de Inmigracion del Valle|Fianzas Unidas|Ñandú Legal|Oso Legal");
    ASSERT_NAMES(a, NULL, "legal aid", "vi", "oakland", "Nube Legal");
    assert_int_equal(app_resource_search(a, &q, &rows, &n, &err), -1);
    assert_non_null(strstr(err, "plumbing"));
    assert_int_equal(n, 0);
    FREE(&err);
    app_free(&a);
}

static void test_collation(void **state)
{
    struct app *en = open_app("ana", "language: en\n");
    struct app *es = open_app("ana", "language: es\n");
    char loc[32];

    (void)state;
    app_resource_locale(es, loc);
    assert_string_equal(loc, "es");
    import(en, directory, 5, 0);
    import(es, directory, 5, 0);
    /* English sorts Ñ with N (then by the letters after); Spanish after N. */
    ASSERT_NAMES(en, "legal", NULL, NULL, NULL, "Ñandú Legal|Nube Legal|Oso Legal");
    ASSERT_NAMES(es, "legal", NULL, NULL, NULL, "Nube Legal|Ñandú Legal|Oso Legal");
    app_free(&en);
    app_free(&es);
}

static void test_unchecked_window(void **state)
{
    struct app *a = open_app("ana", "resource_check_days: 30\n");
    struct app *b = open_app("ana", NULL);
    struct model_resource r;
    char *err = NULL, *json;
    int age;

    (void)state;
    assert_int_equal(app_config(b)->resource_check_days, 180);
    import(a, directory, 5, 0);
    assert_int_equal(app_resource_get(a, "Centro de Inmigracion del Valle", &r, &err), 0);
    /* Checked 2026-11-01: 21 days before the clock. */
    assert_false(app_resource_unchecked(a, &r, clock_ms, &age));
    assert_int_equal(age, 21);
    assert_true(app_resource_unchecked(a, &r, clock_ms + 10 * DAY, &age));
    assert_false(app_resource_unchecked(b, &r, clock_ms + 10 * DAY, &age));
    json = app_resource_json(a, &r, clock_ms + 10 * DAY);
    assert_non_null(strstr(json, "\"unchecked\":true"));
    assert_non_null(strstr(json, "\"checked_days_ago\":31"));
    assert_non_null(strstr(json, "\"languages\":[\"es\",\"en\"]"));
    assert_non_null(strstr(json, "\"checked_at\":\"2026-11-01T00:00:00.000Z\""));
    free(json);
    model_resource_fini(&r);
    assert_int_equal(app_resource_get(a, "Oso Legal", &r, &err), 0);
    assert_true(app_resource_unchecked(a, &r, clock_ms, &age)); /* never checked */
    assert_int_equal(age, -1);
    model_resource_fini(&r);
    app_free(&a);
    app_free(&b);
}

static void test_add(void **state)
{
    struct app *a = open_app("ana", NULL);
    struct app *nobody = open_app(NULL, NULL);
    struct model_resource r;
    char *err = NULL;

    (void)state;
    model_resource_init(&r);
    r.name = xstrdup("Cafe\xcc\x81 Legal"); /* decomposed é becomes NFC */
    r.services = 1u << MODEL_SERVICE_LEGAL_AID;
    r.contact = xstrdup("555");
    assert_int_equal(app_resource_add(nobody, &r, &err), -1);
    FREE(&err);
    assert_int_equal(app_resource_add(a, &r, &err), 0);
    assert_true(ulid_valid(r.id));
    assert_string_equal(r.name, "Café Legal");
    model_resource_fini(&r);
    ASSERT_NAMES(a, "cafe", NULL, NULL, NULL, "Café Legal");
    /* The same organisation twice (case and accents aside) is refused. */
    model_resource_init(&r);
    r.name = xstrdup("CAFE LEGAL");
    r.services = 1;
    r.contact = xstrdup("556");
    assert_int_equal(app_resource_add(a, &r, &err), -1);
    assert_non_null(strstr(err, "already in the directory"));
    FREE(&err);
    model_resource_fini(&r);
    model_resource_init(&r);
    r.name = xstrdup("bell\a");
    r.services = 1;
    r.contact = xstrdup("555");
    assert_int_equal(app_resource_add(a, &r, &err), -1);
    assert_non_null(strstr(err, "name"));
    FREE(&err);
    model_resource_fini(&r);
    app_free(&a);
    app_free(&nobody);
}

static void test_refer_on_timeline(void **state)
{
    struct app *a = open_app("ana", NULL);
    struct app_event_filter f = {.oldest_first = true};
    struct model_report rep;
    struct model_resource res;
    struct model_event *ev = NULL;
    size_t n = 0;
    char *err = NULL, *text;

    (void)state;
    import(a, directory, 5, 0);
    model_report_init(&rep);
    rep.location = xstrdup("5th and Main");
    rep.what = xstrdup("brother detained, family needs a lawyer");
    assert_int_equal(app_report_create(a, &rep, NULL, &err), 0);
    assert_int_equal(app_resource_get(a, "Fianzas Unidas", &res, &err), 0);

    /* Unknown organisation or report: refused, nothing recorded. */
    assert_int_equal(app_refer(a, rep.id, "Nobody Legal", NULL, 0, &err), -1);
    FREE(&err);
    assert_int_equal(app_refer(a, "01M80GKDEJSQ8QF80CW6EMN736", res.id, NULL, 0, &err), -1);
    FREE(&err);

    timeutil_set_fixed(clock_ms + 60000);
    assert_int_equal(app_refer(a, rep.id, "fianzas", "gave the number", 2 * 3600000, &err), 0);
    f.report_id = rep.id;
    assert_int_equal(app_events(a, &f, &ev, &n, &err), 0);
    assert_int_equal(n, 3); /* report.created, then resource.referred and followup.drafted */
    assert_string_equal(ev[0].kind, "report.created");
    {
        /* The two come from one moment; their order within it is not fixed. */
        struct model_event *ref = strcmp(ev[1].kind, "resource.referred") == 0 ? &ev[1] : &ev[2];
        struct model_event *fol = ref == &ev[1] ? &ev[2] : &ev[1];
        assert_string_equal(ref->kind, "resource.referred");
        assert_string_equal(ref->report_id, rep.id);
        assert_string_equal(ref->actor, "ana");
        assert_non_null(strstr(ref->detail, res.id));
        assert_non_null(strstr(ref->detail, "\"name\":\"Fianzas Unidas\""));
        text = app_event_text(a, ref);
        assert_string_equal(text, "referred to Fianzas Unidas: gave the number");
        free(text);
        assert_string_equal(fol->kind, "followup.drafted");
        assert_string_equal(fol->report_id, rep.id);
        assert_non_null(strstr(fol->detail, "\"due_at\":\"2026-11-22T14:01:00.000Z\""));
    }
    app_events_free(ev, n);

    /* The reminder falls due two hours later, not before. */
    assert_int_equal(app_followups_due(a, clock_ms + 2 * 3600000, &ev, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(app_followups_due(a, clock_ms + 2 * 3600000 + 60000, &ev, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ev[0].report_id, rep.id);
    /* Done: it is not due any more, and the timeline says so. */
    {
        char id[ULID_LEN + 1];
        memcpy(id, ev[0].id, sizeof id);
        app_events_free(ev, n);
        assert_int_equal(app_followup_done(a, "01M80GKDEJSQ8QF80CW6EMN736", NULL, &err), -1);
        assert_non_null(strstr(err, "no follow-up reminder"));
        FREE(&err);
        assert_int_equal(app_followup_done(a, id, "reached them", &err), 0);
    }
    assert_int_equal(app_followups_due(a, clock_ms + 2 * 3600000 + 60000, &ev, &n, &err), 0);
    assert_int_equal(n, 0);
    f.kind = "followup.done";
    assert_int_equal(app_events(a, &f, &ev, &n, &err), 0);
    assert_int_equal(n, 1);
    text = app_event_text(a, &ev[0]);
    assert_string_equal(text, "followed up on Fianzas Unidas: reached them");
    free(text);
    f.kind = NULL;
    app_events_free(ev, n);

    /* Without a reminder only the referral is added. */
    timeutil_set_fixed(clock_ms + 120000);
    assert_int_equal(app_refer(a, rep.id, res.id, NULL, 0, &err), 0);
    assert_int_equal(app_events(a, &f, &ev, &n, &err), 0);
    assert_int_equal(n, 5); /* ...and followup.done before it */
    assert_string_equal(ev[4].kind, "resource.referred");
    app_events_free(ev, n);
    timeutil_set_fixed(clock_ms);
    model_resource_fini(&res);
    model_report_fini(&rep);
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
        cmocka_unit_test(test_import_all_or_nothing),      cmocka_unit_test(test_reimport_updates),
        cmocka_unit_test(test_search_accents_and_filters), cmocka_unit_test(test_collation),
        cmocka_unit_test(test_unchecked_window),           cmocka_unit_test(test_add),
        cmocka_unit_test(test_refer_on_timeline),
    };

    setenv("XDG_CONFIG_HOME", "/nonexistent-vigia-test", 1);
    unsetenv("LANGUAGE");
    return cmocka_run_group_tests(tests, setup, teardown);
}
