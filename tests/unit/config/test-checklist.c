/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/config/config-checklist.c: the shipped checklists load
 * cleanly, start with the source's credibility, carry DESIGN.md's indicators
 * and have all their text listed for translation; a malformed file is
 * reported with file:line:column while the other files still load; a
 * network's folder adds, overrides and removes items; checklist_dir in
 * config.yaml is read relative to the file.
 */
#include "config.h"

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

static char tmpdir[] = "/tmp/vigia-test-checklist-XXXXXX";

static char *shipped_dir(void)
{
    const char *src = getenv("VIGIA_SOURCE_DIR");

    return xasprintf("%s/share/vigia/checklists", src ? src : ".");
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

static char *make_dir(const char *name)
{
    char *p = xasprintf("%s/%s", tmpdir, name);

    mkdir(p, 0700);
    return p;
}

static void free_warnings(char **w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(w[i]);
    free(w);
}

static void load_shipped(struct model_checklists *all)
{
    char *dir = shipped_dir();
    const char *dirs[] = {dir};
    char **warn = NULL;
    size_t nwarn = 0;

    model_checklists_init(all);
    config_checklists_load(dirs, 1, all, &warn, &nwarn);
    for (size_t i = 0; i < nwarn; i++)
        print_message("# %s\n", warn[i]);
    assert_int_equal(nwarn, 0);
    free_warnings(warn, nwarn);
    free(dir);
}

static void test_shipped_start_with_credibility(void **state)
{
    static const char *const credibility[] = {"first_hand", "caller_on_scene", "specific_details",
                                              "fresh", "known_caller"};
    static const char *const own[] = {
        "enforcement_sighting", "checkpoint", "workplace", "courthouse",
        "home_visit",           "default",    "common"};
    struct model_checklists all;

    (void)state;
    load_shipped(&all);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(own); i++)
        assert_non_null(model_checklists_get(&all, own[i]));
    for (int c = 0; c < MODEL_CAT_COUNT; c++) {
        struct model_checklist l;
        model_checklists_resolve(&all, (enum model_category)c, &l);
        assert_true(l.n > UTIL_ARRAY_LEN(credibility) + 3);
        for (size_t i = 0; i < UTIL_ARRAY_LEN(credibility); i++) {
            assert_string_equal(l.items[i].key, credibility[i]);
            assert_true(l.items[i].source);
        }
        for (size_t i = UTIL_ARRAY_LEN(credibility); i < l.n; i++)
            assert_false(l.items[i].source);
        /* The rules look for these keys in every list. */
        assert_true(model_checklist_find(&l, MODEL_CHECK_FIRST_HAND) >= 0);
        assert_true(model_checklist_find(&l, MODEL_CHECK_VERIFIER) >= 0);
        for (size_t i = 0; i < l.n; i++) {
            assert_non_null(l.items[i].label);
            assert_non_null(l.items[i].brief);
            assert_non_null(l.items[i].hint);
        }
        model_checklist_fini(&l);
    }
    model_checklists_fini(&all);
}

static void test_shipped_design_indicators(void **state)
{
    /* DESIGN.md's indicators, in the enforcement sighting list. */
    static const char *const keys[] = {
        "vehicles",           "staging",           "buses",           "away_from_office",
        "approaching_people", "approaching_house", "agency_markings", "photo",
        "detentions",         "first_hand",        "fresh",           "not_local_police",
    };
    struct model_checklists all;
    struct model_checklist l;
    int i;

    (void)state;
    load_shipped(&all);
    model_checklists_resolve(&all, MODEL_CAT_SIGHTING, &l);
    for (size_t k = 0; k < UTIL_ARRAY_LEN(keys); k++)
        assert_true(model_checklist_find(&l, keys[k]) >= 0);
    /* Local police counts strongly against. */
    i = model_checklist_find(&l, "not_local_police");
    assert_true(l.items[i].weight_no <= -4);
    model_checklist_fini(&l);
    /* A checkpoint list has a negative indicator of its own. */
    model_checklists_resolve(&all, MODEL_CAT_CHECKPOINT, &l);
    i = model_checklist_find(&l, "dui_checkpoint");
    assert_true(i >= 0);
    assert_true(l.items[i].weight < 0);
    model_checklist_fini(&l);
    model_checklists_fini(&all);
}

static bool in_msgids(const char *s)
{
    size_t n;
    const char *const *ids = model_checklist_msgids(&n);

    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], s) == 0)
            return true;
    return false;
}

static void test_shipped_text_is_translatable(void **state)
{
    struct model_checklists all;

    (void)state;
    load_shipped(&all);
    for (size_t c = 0; c < all.n; c++)
        for (size_t i = 0; i < all.lists[c].n; i++) {
            const struct model_check_item *it = &all.lists[c].items[i];
            const char *texts[] = {it->label, it->brief, it->brief_no, it->hint};
            for (size_t t = 0; t < UTIL_ARRAY_LEN(texts); t++)
                if (texts[t] != NULL && !in_msgids(texts[t]))
                    fail_msg("%s/%s: \"%s\" is not in src/model/checklist-labels.c",
                             all.lists[c].category, it->key, texts[t]);
        }
    model_checklists_fini(&all);
}

/* One malformed file and the message it must give. */
struct bad_case {
    const char *text;
    const char *where; /* ":LINE:COLUMN: " */
    const char *words;
};

static void test_malformed_files(void **state)
{
    static const struct bad_case cases[] = {
        {"category: workplace\nitems:\n  - key: a\n    label: A\n    colour: red\n",
         ":5:5: ", "unknown item field 'colour'"},
        {"category: workplace\nitems:\n  - key: a\n    label: A\n    weight: 11\n",
         ":5:13: ", "from -10 to 10"},
        {"category: workplace\nitems:\n  - key: a\n    label: A\n  - key: a\n    label: B\n",
         ":5:5: ", "appears twice"},
        {"category: workplace\nitems:\n  - key: a\n    weight: 1\n", ":3:5: ", "has no label"},
        {"category: workplace\nitems:\n  - key: Bad-Key\n    label: A\n", ":3:10: ", "a-z"},
        {"category: bakery\nitems: []\n", ":1:11: ", "unknown category 'bakery'"},
        {"category: workplace\nitems:\n  - key: a\n   label: A\n", ":4:", ""},
        {"items:\n  - key: a\n    label: A\n", ":1:1: ", "category"},
        {"category: workplace\nitems: nothing\n", ":2:8: ", "list under 'items:'"},
        {"category: workplace\nitems:\n  - just text\n", ":3:5: ", "must be a map"},
        {"category: workplace\nitems:\n  - key: a\n    label: [x]\n", ":4:12: ", "single value"},
    };
    char *dir = make_dir("bad");

    (void)state;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        struct model_checklist l;
        char *err = NULL, *file = xasprintf("%s/case%zu.yaml", dir, i), *name;
        name = strrchr(file, '/') + 1;
        write_file(dir, name, cases[i].text);
        if (config_checklist_load(file, &l, &err) == 0)
            fail_msg("case %zu loaded", i);
        assert_non_null(err);
        /* FILE:LINE:COLUMN: first. */
        assert_memory_equal(err, file, strlen(file));
        if (strncmp(err + strlen(file), cases[i].where, strlen(cases[i].where)) != 0)
            fail_msg("case %zu: expected %s, got %s", i, cases[i].where, err);
        if (strstr(err, cases[i].words) == NULL)
            fail_msg("case %zu: expected '%s' in %s", i, cases[i].words, err);
        assert_int_equal(l.n, 0);
        model_checklist_fini(&l);
        free(err);
        unlink(file);
        free(file);
    }
    free(dir);
}

static void test_bad_file_skipped_others_load(void **state)
{
    char *dir = make_dir("mixed");
    const char *dirs[] = {dir};
    struct model_checklists all;
    char **warn = NULL;
    size_t nwarn = 0;

    (void)state;
    write_file(dir, "a-good.yaml",
               "category: courthouse\nitems:\n  - key: x\n    label: X\n    weight: 2\n");
    write_file(dir, "b-bad.yaml", "category: workplace\nitems:\n  - key: y\n    weight: 1\n");
    write_file(dir, "c-good.yaml", "category: checkpoint\nitems:\n  - key: z\n    label: Z\n");
    write_file(dir, "notes.txt", "not a checklist");
    model_checklists_init(&all);
    config_checklists_load(dirs, 1, &all, &warn, &nwarn);
    assert_int_equal(nwarn, 1);
    assert_non_null(strstr(warn[0], "b-bad.yaml:3:5: "));
    assert_non_null(model_checklists_get(&all, "courthouse"));
    assert_non_null(model_checklists_get(&all, "checkpoint"));
    assert_null(model_checklists_get(&all, "workplace"));
    free_warnings(warn, nwarn);
    model_checklists_fini(&all);
    free(dir);
}

static void test_network_overrides(void **state)
{
    char *ship = shipped_dir(), *mine = make_dir("network"), *missing = make_dir("x");
    char *gone = xasprintf("%s/none", missing);
    const char *dirs[] = {ship, gone, mine};
    struct model_checklists all;
    struct model_checklist l;
    char **warn = NULL;
    size_t nwarn = 0;
    int i;

    (void)state;
    write_file(mine, "sighting.yaml",
               "category: sighting\n" /* a short form of the category name */
               "items:\n"
               "  - key: vehicles\n"
               "    label: Three or more unmarked vehicles\n"
               "    brief: vehicles\n"
               "    weight: 4\n"
               "  - key: buses\n"
               "    remove: true\n"
               "  - key: drone\n"
               "    label: A drone overhead\n"
               "    weight: 1\n");
    write_file(mine, "common.yaml",
               "category: common\nitems:\n  - key: fresh\n    label: Seen in the last 15 "
               "minutes\n    weight: 2\n    weight_no: -4\n");
    model_checklists_init(&all);
    config_checklists_load(dirs, UTIL_ARRAY_LEN(dirs), &all, &warn, &nwarn);
    assert_int_equal(nwarn, 0);
    model_checklists_resolve(&all, MODEL_CAT_SIGHTING, &l);
    i = model_checklist_find(&l, "vehicles");
    assert_true(i > 0);
    assert_int_equal(l.items[i].weight, 4);
    assert_string_equal(l.items[i].label, "Three or more unmarked vehicles");
    assert_int_equal(model_checklist_find(&l, "buses"), -1);
    assert_int_equal(model_checklist_find(&l, "drone"), (int)l.n - 1);
    i = model_checklist_find(&l, "fresh");
    assert_int_equal(i, 3); /* still in its place among the credibility items */
    assert_int_equal(l.items[i].weight_no, -4);
    assert_true(l.items[i].source);
    /* A network's own text shows as written. */
    assert_string_equal(model_check_text("A drone overhead"), "A drone overhead");
    model_checklist_fini(&l);
    model_checklists_fini(&all);
    free_warnings(warn, nwarn);
    free(ship);
    free(mine);
    free(missing);
    free(gone);
}

static void test_config_checklist_dir(void **state)
{
    char *dir = make_dir("cfg");
    char *file = xasprintf("%s/config.yaml", dir), *want = xasprintf("%s/lists", dir);
    struct config c;
    char *err = NULL;

    (void)state;
    write_file(dir, "config.yaml", "dispatcher: ana\nchecklist_dir: lists\n");
    config_init(&c);
    if (config_load(file, &c, &err) != 0)
        fail_msg("%s", err);
    assert_string_equal(c.checklist_dir, want);
    config_fini(&c);
    write_file(dir, "config.yaml", "checklist_dir: /srv/vigia/lists\n");
    config_init(&c);
    assert_int_equal(config_load(file, &c, &err), 0);
    assert_string_equal(c.checklist_dir, "/srv/vigia/lists");
    config_fini(&c);
    free(dir);
    free(file);
    free(want);
}

/* A small deterministic generator: the same mutations on every run. */
static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/*
 * Outside input: 1000 mutated copies of the shipped files (bytes flipped,
 * deleted, YAML syntax inserted) load or fail cleanly, the failure naming the
 * file. Run under ASan in the CI build.
 */
static void test_mutated_files_fail_cleanly(void **state)
{
    static const char *const names[] = {"common.yaml", "enforcement_sighting.yaml",
                                        "checkpoint.yaml", "default.yaml"};
    static const char *const junk[] = {":",  "- ",  "{",  "}",      "[",  "]", "\n  ", "'",
                                       "\"", "&a ", "*a", "!!str ", "\t", "#", "\xc3", "key: a\n"};
    char *ship = shipped_dir(), *dir = make_dir("mutated");
    const char *dirs[] = {dir};
    size_t loaded = 0, refused = 0;

    (void)state;
    for (int round = 0; round < 1000; round++) {
        const char *name = names[round % UTIL_ARRAY_LEN(names)];
        char *src = xasprintf("%s/%s", ship, name), *data = NULL, *out;
        struct model_checklists all;
        char **warn = NULL;
        size_t len = 0, nwarn = 0;
        struct buf b;

        assert_int_equal(util_read_file(src, &data, &len), 0);
        buf_init(&b);
        buf_add(&b, data, len);
        for (int m = 0, nm = 1 + (int)(rng() % 4); m < nm && b.len > 0; m++) {
            size_t at = rng() % b.len;
            switch (rng() % 3) {
            case 0:
                b.data[at] = (char)(rng() & 0xff);
                break;
            case 1:
                memmove(b.data + at, b.data + at + 1, b.len - at - 1);
                b.data[--b.len] = '\0';
                break;
            default: {
                const char *j = junk[rng() % UTIL_ARRAY_LEN(junk)];
                char *rest = xstrdup(b.data + at);
                b.len = at;
                b.data[at] = '\0';
                buf_adds(&b, j);
                buf_adds(&b, rest);
                free(rest);
                break;
            }
            }
        }
        out = xasprintf("%s/%s", dir, name);
        assert_int_equal(util_write_atomic(out, b.data, b.len, 0600), 0);
        model_checklists_init(&all);
        config_checklists_load(dirs, 1, &all, &warn, &nwarn);
        if (nwarn > 0) {
            assert_int_equal(nwarn, 1);
            assert_non_null(strstr(warn[0], name));
            refused++;
        } else {
            loaded++;
        }
        free_warnings(warn, nwarn);
        model_checklists_fini(&all);
        unlink(out);
        free(out);
        buf_fini(&b);
        free(data);
        free(src);
    }
    print_message("# mutated checklists: %zu loaded, %zu refused with their file named\n", loaded,
                  refused);
    assert_true(refused > 0);
    free(ship);
    free(dir);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);

    (void)state;
    if (system(cmd) != 0)
        print_message("# cannot remove %s\n", tmpdir);
    free(cmd);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_start_with_credibility),
        cmocka_unit_test(test_shipped_design_indicators),
        cmocka_unit_test(test_shipped_text_is_translatable),
        cmocka_unit_test(test_malformed_files),
        cmocka_unit_test(test_bad_file_skipped_others_load),
        cmocka_unit_test(test_network_overrides),
        cmocka_unit_test(test_config_checklist_dir),
        cmocka_unit_test(test_mutated_files_fail_cleanly),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
