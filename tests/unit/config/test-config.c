/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/config/config.c: the YAML node tree and its positions,
 * every refusal with FILE:LINE:COLUMN, config.yaml against the option table,
 * remembering the dispatcher without losing the rest of the file, and the demo
 * loader. Files go to a temporary folder made per run.
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/config.h"

#define NOW 1795348800000LL /* 2026-11-22T12:00:00Z */

static char tmpdir[] = "/tmp/vigia-test-config-XXXXXX";

/* Write @text to a file in the temp folder; returns its path (caller frees). */
static char *write_tmp(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Parse @yaml and expect a refusal whose message starts with @prefix. */
static void want_parse_error(const char *yaml, const char *prefix)
{
    struct config_doc doc;
    char *err = NULL;

    if (config_doc_parse("t.yaml", yaml, strlen(yaml), &doc, &err) == 0)
        fail_msg("accepted: %s", yaml);
    assert_non_null(err);
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        fail_msg("message '%s' does not start with '%s'", err, prefix);
    assert_null(doc.root);
    free(err);
    config_doc_fini(&doc);
}

/* ---- config_doc_parse ------------------------------------------------------- */

static void test_doc_empty(void **state)
{
    struct config_doc doc;
    char *err = NULL;

    assert_int_equal(config_doc_parse("t.yaml", "", 0, &doc, &err), 0);
    assert_null(err);
    assert_null(doc.root);
    assert_null(config_map_get(doc.root, "x"));
    config_doc_fini(&doc);
    assert_int_equal(config_doc_parse("t.yaml", "# only a comment\n", 17, &doc, &err), 0);
    assert_null(doc.root);
    config_doc_fini(&doc);
}

static void test_doc_positions(void **state)
{
    static const char yaml[] = "name: vigia\n"
                               "list:\n"
                               "  - one\n"
                               "  - \"dos \xC3\xA1\"\n"
                               "empty: ~\n"
                               "map: {a: 1}\n";
    struct config_doc doc;
    const struct config_node *n;
    char *err = NULL;

    assert_int_equal(config_doc_parse("t.yaml", yaml, strlen(yaml), &doc, &err), 0);
    assert_non_null(doc.root);
    assert_int_equal(doc.root->type, CONFIG_MAP);
    assert_int_equal(doc.root->nitems, 4);
    assert_string_equal(config_map_key(doc.root, 0)->value, "name");
    assert_string_equal(config_map_value(doc.root, 0)->value, "vigia");
    n = config_map_get(doc.root, "name");
    assert_int_equal(n->line, 1);
    assert_int_equal(n->column, 7);
    n = config_map_get(doc.root, "list");
    assert_int_equal(n->type, CONFIG_SEQ);
    assert_int_equal(n->nitems, 2);
    assert_int_equal(n->items[1]->line, 4);
    assert_int_equal(n->items[1]->column, 5);
    assert_string_equal(n->items[1]->value, "dos \xC3\xA1");
    assert_string_equal(config_map_get(doc.root, "empty")->value, "");
    n = config_map_get(doc.root, "map");
    assert_int_equal(n->type, CONFIG_MAP);
    assert_string_equal(config_map_get(n, "a")->value, "1");
    assert_null(config_map_get(doc.root, "missing"));
    assert_null(config_map_get(config_map_get(doc.root, "name"), "x")); /* not a map */
    err = config_errf(&doc, config_map_get(doc.root, "list")->items[0], "bad %s", "item");
    assert_string_equal(err, "t.yaml:3:5: bad item");
    free(err);
    err = config_errf(&doc, NULL, "whole file");
    assert_string_equal(err, "t.yaml: whole file");
    free(err);
    config_doc_fini(&doc);
}

static void test_doc_errors(void **state)
{
    want_parse_error("a: [1, 2\n", "t.yaml:2:1: ");
    want_parse_error("a: 1\nb: \"open\n", "t.yaml:3:1: ");
    want_parse_error("a:\n\tb: 1\n", "t.yaml:2:1: ");
    want_parse_error("a: 1\n  b: 2\n", "t.yaml:2:4: ");
    want_parse_error("a: &x 1\nb: *x\n", "t.yaml:2:4: aliases are not supported");
    want_parse_error("a: ok\nb: caf\xC3\xA9 \xFF\n", "t.yaml:2:9: invalid UTF-8");
    want_parse_error("a: \xC3\n", "t.yaml:1:4: invalid UTF-8");
    want_parse_error("a: 1\n---\nb: 2\n", "t.yaml:2:1: only one YAML document");
    want_parse_error("? [a, b]\n: 1\n", "t.yaml:1:3: a key must be plain text");
    want_parse_error("a: \"x\\0y\"\n", "t.yaml:1:4: NUL character");
}

static void test_doc_deep(void **state)
{
    struct buf b;

    buf_init(&b);
    for (int i = 0; i < 100; i++)
        buf_addc(&b, '[');
    want_parse_error(buf_str(&b), "t.yaml:1:");
    buf_fini(&b);
}

static void test_doc_load_missing(void **state)
{
    struct config_doc doc;
    char *err = NULL;

    assert_int_equal(config_doc_load("/nonexistent/vigia.yaml", &doc, &err), -1);
    assert_non_null(strstr(err, "/nonexistent/vigia.yaml"));
    free(err);
    config_doc_fini(&doc);
}

/* ---- config_load --------------------------------------------------------------- */

/* Load @text as config.yaml and expect a message starting FILE:@pos. */
static void want_load_error(const char *text, const char *pos, const char *needle)
{
    struct config c;
    char *path = write_tmp("bad.yaml", text), *err = NULL, *prefix;

    config_init(&c);
    assert_int_equal(config_load(path, &c, &err), -1);
    assert_non_null(err);
    prefix = xasprintf("%s:%s: ", path, pos);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, needle) == NULL)
        fail_msg("message '%s', want '%s...%s'", err, prefix, needle);
    free(prefix);
    free(err);
    free(path);
    config_fini(&c);
}

static void test_load_defaults(void **state)
{
    struct config c;
    char *err = NULL, *dir = xasprintf("%s/xdg-empty", tmpdir), *path;
    size_t n;
    const struct config_option *opts = config_options(&n);

    assert_true(n >= 6);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(opts[i].name);
        assert_non_null(opts[i].help);
    }
    mkdir(dir, 0700);
    setenv("XDG_CONFIG_HOME", dir, 1);
    config_init(&c);
    assert_int_equal(config_load(NULL, &c, &err), 0); /* no default file: not an error */
    assert_null(err);
    assert_null(c.path);
    assert_null(c.dispatcher);
    assert_null(c.language);
    assert_string_equal(c.default_country, "US");
    assert_int_equal(c.policy.stale_minutes, 60);
    assert_int_equal(c.policy.expire_minutes, 240);
    path = config_default_path();
    assert_true(strncmp(path, dir, strlen(dir)) == 0);
    free(path);
    /* An explicit file that is missing is an error. */
    assert_int_equal(config_load("/nonexistent/config.yaml", &c, &err), -1);
    assert_non_null(err);
    free(err);
    config_fini(&c);
    free(dir);
}

static void test_load_values(void **state)
{
    struct config c;
    char *err = NULL;
    char *path = write_tmp("good.yaml", "# shift laptop\n"
                                        "dispatcher: \"Mar\xC3\xAD"
                                        "a\"\n"
                                        "language: es\n"
                                        "network: Red de Respuesta\n"
                                        "stale_minutes: 30\n"
                                        "expire_minutes: 1440\n");

    config_init(&c);
    assert_int_equal(config_load(path, &c, &err), 0);
    assert_null(err);
    assert_string_equal(c.path, path);
    assert_string_equal(c.dispatcher, "Mar\xC3\xAD"
                                      "a");
    assert_string_equal(c.language, "es");
    assert_string_equal(c.network, "Red de Respuesta");
    assert_int_equal(c.policy.stale_minutes, 30);
    assert_int_equal(c.policy.expire_minutes, 1440);
    config_fini(&c);
    free(path);
    /* An empty file gives the defaults. */
    path = write_tmp("empty.yaml", "");
    config_init(&c);
    assert_int_equal(config_load(path, &c, &err), 0);
    assert_int_equal(c.policy.stale_minutes, 60);
    config_fini(&c);
    free(path);
}

static void test_load_errors(void **state)
{
    want_load_error("language: es\ncolour: red\n", "2:1", "unknown option 'colour'");
    want_load_error("stale_minutes: [1, 2]\n", "1:16", "stale_minutes");
    want_load_error("stale_minutes: soon\n", "1:16", "'soon'");
    want_load_error("# c\nstale_minutes: 2\n", "2:16", "5 to 1440");
    want_load_error("expire_minutes: 99999999999999999999\n", "1:17", "expire_minutes");
    want_load_error("dispatcher: \"a\\x01b\"\n", "1:13", "dispatcher");
    want_load_error("- a\n- b\n", "1:1", "map");
    want_load_error("network:\n\t- x\n", "2:1", "");
}

/* ---- config_save_dispatcher ----------------------------------------------------- */

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void test_save_dispatcher(void **state)
{
    char *dir = xasprintf("%s/save", tmpdir);
    char *path = xasprintf("%s/config.yaml", dir), *text = NULL, *err = NULL;
    struct config c;
    struct stat before, after;
    FILE *f;

    mkdir(dir, 0700);
    f = fopen(path, "w");
    fputs("# my laptop\nnetwork: \"Red Este\"\ndispatcher: old name\nstale_minutes: 30", f);
    fclose(f);
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(config_save_dispatcher(path,
                                            "Ana \"la\" O'Neil \\ Mar\xC3\xAD"
                                            "a",
                                            &err),
                     0);
    assert_null(err);
    assert_int_equal(stat(path, &after), 0);
    /* Replaced by rename (a new inode), no temp file left behind. */
    assert_true(before.st_ino != after.st_ino);
    assert_int_equal(count_entries(dir), 1);
    assert_int_equal(util_read_file(path, &text, NULL), 0);
    assert_non_null(strstr(text, "# my laptop\n"));
    assert_non_null(strstr(text, "network: \"Red Este\"\n"));
    assert_non_null(strstr(text, "stale_minutes: 30\n"));
    assert_null(strstr(text, "old name"));
    assert_null(strstr(strstr(text, "dispatcher:") + 1, "dispatcher:"));
    free(text);
    config_init(&c);
    assert_int_equal(config_load(path, &c, &err), 0);
    assert_string_equal(c.dispatcher, "Ana \"la\" O'Neil \\ Mar\xC3\xAD"
                                      "a");
    assert_string_equal(c.network, "Red Este");
    assert_int_equal(c.policy.stale_minutes, 30);
    config_fini(&c);
    /* Saving again keeps one dispatcher line. */
    assert_int_equal(config_save_dispatcher(path, "Bea", &err), 0);
    assert_int_equal(util_read_file(path, &text, NULL), 0);
    assert_non_null(strstr(text, "dispatcher: \"Bea\"\n"));
    assert_null(strstr(strstr(text, "dispatcher:") + 1, "dispatcher:"));
    free(text);
    free(path);
    /* A missing file and folder are created. */
    path = xasprintf("%s/new/sub/config.yaml", dir);
    assert_int_equal(config_save_dispatcher(path, "Cy", &err), 0);
    config_init(&c);
    assert_int_equal(config_load(path, &c, &err), 0);
    assert_string_equal(c.dispatcher, "Cy");
    config_fini(&c);
    free(path);
    /* A folder we cannot write is an error, not a crash. */
    assert_int_equal(config_save_dispatcher("/proc/vigia/config.yaml", "x", &err), -1);
    assert_non_null(err);
    free(err);
    free(dir);
}

/* ---- config_demo_load --------------------------------------------------------------- */

struct demo_seen {
    int n, spanish, contacts;
    bool statuses[MODEL_STATUS_COUNT], categories[MODEL_CAT_COUNT], sources[MODEL_SOURCE_COUNT];
    int64_t oldest;
};

static int demo_cb(struct model_report *r, const char *contact, void *data, char **err)
{
    struct demo_seen *s = data;

    s->n++;
    s->statuses[r->status] = true;
    s->categories[r->category] = true;
    s->sources[r->source] = true;
    if (strstr(r->what, "camioneta") != NULL || strstr(r->what, " los ") != NULL ||
        strstr(r->what, " la ") != NULL)
        s->spanish++;
    if (contact != NULL) {
        s->contacts++;
        /* Demo contacts are fake: 555 numbers or handles. */
        if (contact[0] != '@' && strstr(contact, "555 01") == NULL)
            fail_msg("demo contact '%s' is not an obviously fake number", contact);
    }
    if (r->received_at < s->oldest)
        s->oldest = r->received_at;
    assert_true(model_report_validate(r, NOW, NULL, NULL));
    if (r->observed_at != 0 && r->observed_at > r->received_at)
        fail_msg("'%s' observed after it was received", r->location);
    return 0;
}

static void test_demo_file(void **state)
{
    char *file = xasprintf("%s/share/vigia/demo.yaml",
                           getenv("VIGIA_SOURCE_DIR") ? getenv("VIGIA_SOURCE_DIR") : ".");
    struct demo_seen s = {.oldest = NOW};
    char *err = NULL;

    if (config_demo_load(file, NOW, demo_cb, &s, &err) != 0)
        fail_msg("%s", err);
    assert_true(s.n >= 34);
    assert_true(s.spanish >= s.n / 4);
    assert_true(s.contacts >= s.n / 2);
    for (int i = 0; i < MODEL_STATUS_COUNT; i++)
        assert_true(s.statuses[i]);
    for (int i = 0; i < MODEL_CAT_COUNT; i++)
        assert_true(s.categories[i]);
    for (int i = 0; i < MODEL_SOURCE_COUNT; i++)
        assert_true(s.sources[i] || i == MODEL_SOURCE_PRACTICE);
    assert_true(s.oldest <= NOW - 2 * 86400000LL);
    free(file);
}

static int refuse_cb(struct model_report *r, const char *contact, void *data, char **err)
{
    *err = xstrdup("no thanks");
    return -1;
}

static void test_demo_errors(void **state)
{
    struct demo_seen s = {.oldest = NOW};
    char *err = NULL, *path;

    path = write_tmp("demo1.yaml", "reports:\n  - location: x\n    what: y\n    colour: red\n");
    assert_int_equal(config_demo_load(path, NOW, demo_cb, &s, &err), -1);
    assert_non_null(strstr(err, ":4:5: unknown report field 'colour'"));
    FREE(&err);
    free(path);
    path = write_tmp("demo2.yaml", "reports:\n  - location: x\n    age: soonish\n");
    assert_int_equal(config_demo_load(path, NOW, demo_cb, &s, &err), -1);
    assert_non_null(strstr(err, ":3:10: "));
    FREE(&err);
    free(path);
    path = write_tmp("demo3.yaml", "reports:\n  - location: x\n    agents: lots\n");
    assert_int_equal(config_demo_load(path, NOW, demo_cb, &s, &err), -1);
    assert_non_null(strstr(err, ":3:13: "));
    FREE(&err);
    free(path);
    path = write_tmp("demo4.yaml", "items: []\n");
    assert_int_equal(config_demo_load(path, NOW, demo_cb, &s, &err), -1);
    assert_non_null(strstr(err, "reports"));
    FREE(&err);
    free(path);
    path = write_tmp("demo5.yaml", "reports:\n  - location: x\n    what: y\n    age: 2h\n");
    assert_int_equal(config_demo_load(path, NOW, refuse_cb, &s, &err), -1);
    assert_non_null(strstr(err, ":2:5: no thanks"));
    FREE(&err);
    free(path);
    assert_int_equal(s.n, 0);
}

static int setup(void **state)
{
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    unsetenv("VIGIA_NOW");
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
        cmocka_unit_test(test_doc_empty),        cmocka_unit_test(test_doc_positions),
        cmocka_unit_test(test_doc_errors),       cmocka_unit_test(test_doc_deep),
        cmocka_unit_test(test_doc_load_missing), cmocka_unit_test(test_load_defaults),
        cmocka_unit_test(test_load_values),      cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_save_dispatcher),  cmocka_unit_test(test_demo_file),
        cmocka_unit_test(test_demo_errors),
    };

    return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
