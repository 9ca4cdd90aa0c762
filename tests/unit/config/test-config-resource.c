/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/config/config-resource.c: the shipped sample, YAML
 * entries with lists and their FILE:LINE:COLUMN errors, and CSV as
 * spreadsheets export it (BOM, CRLF, quoted commas, quotes and newlines,
 * ';' separators) with FILE:LINE errors naming the line a record starts on.
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
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/config.h"

static char tmpdir[] = "/tmp/vigia-test-config-resource-XXXXXX";
static const int64_t now = 1795348800000; /* 2026-11-22T12:00:00Z */

/* Write @text to @name in the temp folder; returns the path (caller frees). */
static char *put(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    return path;
}

/* Load @text as @name and expect an error that ends with @want after the file name. */
static void expect_error(const char *name, const char *text, const char *want)
{
    struct config_resources rs;
    char *path = put(name, text), *err = NULL, *full;

    assert_int_equal(config_resources_load(path, now, &rs, &err), -1);
    assert_non_null(err);
    full = xasprintf("%s%s", path, want);
    if (strncmp(err, full, strlen(full)) != 0)
        fail_msg("got '%s', want '%s…'", err, full);
    assert_int_equal(rs.n, 0);
    assert_null(rs.items);
    free(full);
    free(err);
    free(path);
}

static void test_sample(void **state)
{
    struct config_resources rs;
    char *path = xasprintf("%s/share/vigia/resources-sample.yaml", getenv("VIGIA_SOURCE_DIR"));
    char *err = NULL;
    static const char *const phones[] = {"415-200-1548", "408-290-1144", "888-624-4752",
                                         "1-844-363-1423", "212-725-6422"};

    (void)state;
    if (config_resources_load(path, now, &rs, &err) != 0)
        fail_msg("%s", err);
    assert_true(rs.sample);
    assert_false(rs.csv);
    assert_int_equal(rs.n, 5);
    for (size_t i = 0; i < rs.n; i++) {
        assert_string_equal(rs.items[i].r.contact, phones[i]);
        assert_true(rs.items[i].r.sample);
        assert_int_equal(rs.items[i].r.checked_at, 0); /* nobody vetted them */
        assert_true(model_resource_validate(&rs.items[i].r, now, &err));
    }
    assert_null(rs.items[3].r.areas); /* United We Dream: national */
    config_resources_fini(&rs);
    free(path);
}

static void test_yaml(void **state)
{
    struct config_resources rs;
    char *err = NULL;
    char *path = put("dir.yaml", "resources:\n"
                                 "  - name: Centro Legal de Inmigración\n"
                                 "    services: [immigration_attorney, detention]\n"
                                 "    languages: [Español, English]\n"
                                 "    areas: San José, Santa Clara County\n"
                                 "    contact: 408-555-0100\n"
                                 "    detained: yes\n"
                                 "    criminal: no\n"
                                 "    fees: sliding scale\n"
                                 "    checked_at: 2026-11-01\n"
                                 "    notes: |\n"
                                 "      Consultas gratuitas.\n"
                                 "      Llamar antes.\n"
                                 "  - name: Fianzas Unidas\n"
                                 "    services: bail_financial\n"
                                 "    contact: 555-0101\n");

    (void)state;
    if (config_resources_load(path, now, &rs, &err) != 0)
        fail_msg("%s", err);
    assert_false(rs.sample);
    assert_int_equal(rs.n, 2);
    assert_int_equal(rs.items[0].line, 2);
    assert_int_equal(rs.items[0].column, 5);
    assert_string_equal(rs.items[0].r.name, "Centro Legal de Inmigración");
    assert_int_equal(rs.items[0].r.services, (1u << MODEL_SERVICE_IMMIGRATION_ATTORNEY) |
                                                 (1u << MODEL_SERVICE_DETENTION_LOCATOR));
    assert_string_equal(rs.items[0].r.languages, "es,en");
    assert_string_equal(rs.items[0].r.areas, "San José, Santa Clara County");
    assert_int_equal(rs.items[0].r.detained, MODEL_YES);
    assert_int_equal(rs.items[0].r.criminal, MODEL_NO);
    assert_int_equal(rs.items[0].r.non_criminal, MODEL_UNKNOWN);
    assert_string_equal(rs.items[0].r.notes, "Consultas gratuitas.\nLlamar antes.");
    assert_int_equal(rs.items[0].r.checked_at, 1793491200000);
    assert_int_equal(rs.items[1].line, 14);
    err = config_resources_errf(&rs, 1, "oops");
    assert_string_equal(strstr(err, ":14:5: oops") ? "ok" : err, "ok");
    free(err);
    config_resources_fini(&rs);
    free(path);
}

static void test_yaml_errors(void **state)
{
    (void)state;
    expect_error("e1.yaml",
                 "resources:\n"
                 "  - name: A\n"
                 "    services: [legal_aid, plumbing]\n"
                 "    contact: 1\n",
                 ":3:15: services: unknown service 'plumbing'");
    expect_error("e2.yaml",
                 "resources:\n"
                 "  - name: A\n"
                 "    colour: red\n",
                 ":3:5: unknown key 'colour'");
    expect_error("e3.yaml",
                 "resources:\n"
                 "  - name: A\n"
                 "    detained: maybe\n",
                 ":3:15: detained: say yes, no or unknown");
    expect_error("e4.yaml", "sample: perhaps\nresources: []\n", ":1:9: 'sample' must be");
    expect_error("e5.yaml", "resource:\n  - name: A\n", ":1:1: unknown key 'resource'");
    expect_error("e6.yaml", "resources:\n  - name: [A, B]\n", ":2:11: 'name' must be a single");
    expect_error("e7.yaml", "resources:\n  - name: \"bell\\a\"\n", ":2:11: name: ");
    expect_error("e8.yaml", "resources:\n  - name: A\n    name: B\n", ":3:5: 'name' appears twice");
    expect_error("e9.yaml", "resources: [\n", ":");
}

static void test_csv(void **state)
{
    struct config_resources rs;
    char *err = NULL;
    /* BOM, CRLF, a quoted comma, doubled quotes and a newline inside a field. */
    char *path = put("dir.csv", "\xEF\xBB\xBFname,services,languages,contact,notes,Checked At\r\n"
                                "\"Centro Legal, Inc.\",immigration_attorney;legal_aid,"
                                "\"Spanish, English\",408-555-0100,\"Dice \"\"gratis\"\"\r\n"
                                "segunda línea\",2026-11-01\r\n"
                                "\r\n"
                                "Fianzas,bail,,555-0101,,\r\n"
                                "Último,legal_aid,es,555-0102\r\n");

    (void)state;
    if (config_resources_load(path, now, &rs, &err) != 0)
        fail_msg("%s", err);
    assert_true(rs.csv);
    assert_int_equal(rs.n, 3);
    assert_string_equal(rs.items[0].r.name, "Centro Legal, Inc.");
    assert_string_equal(rs.items[0].r.languages, "es,en");
    assert_string_equal(rs.items[0].r.notes, "Dice \"gratis\"\nsegunda línea");
    assert_int_equal(rs.items[0].r.checked_at, 1793491200000);
    assert_int_equal(rs.items[0].line, 2);
    assert_int_equal(rs.items[1].line, 5); /* after a two-line record and a blank line */
    assert_string_equal(rs.items[1].r.name, "Fianzas");
    assert_int_equal(rs.items[1].r.services, 1u << MODEL_SERVICE_BAIL_FINANCIAL);
    assert_null(rs.items[1].r.languages);
    assert_int_equal(rs.items[2].line, 6);
    assert_string_equal(rs.items[2].r.name, "Último"); /* fewer fields: the rest empty */
    err = config_resources_errf(&rs, 2, "x");
    assert_non_null(strstr(err, "dir.csv:6: x"));
    free(err);
    config_resources_fini(&rs);
    free(path);

    /* ';' from spreadsheets in Spanish, detected by content without an extension. */
    path = put("export", "name;services;contact\nA;legal_aid;1\n");
    if (config_resources_load(path, now, &rs, &err) != 0)
        fail_msg("%s", err);
    assert_true(rs.csv);
    assert_int_equal(rs.n, 1);
    assert_string_equal(rs.items[0].r.contact, "1");
    config_resources_fini(&rs);
    free(path);
}

static void test_csv_errors(void **state)
{
    (void)state;
    expect_error("c1.csv", "name,services,contact\nA,legal_aid,1\nB,plumbing,2\n",
                 ":3: services: unknown service 'plumbing'");
    expect_error("c2.csv",
                 "name,services,contact,notes\nA,legal_aid,1,\"x\ny\"\nC,legal_aid,\"x,2\n",
                 ":4: a quoted field opened on line 4 is never closed");
    expect_error("c3.csv", "name,colour\nA,red\n", ":1: unknown column 'colour'");
    expect_error("c4.csv", "name,services,contact\nA,legal_aid,1,extra\n",
                 ":2: 4 fields, but the header has 3");
    expect_error("c5.csv", "name,services,contact\nA \"B\",legal_aid,1\n",
                 ":2: a quote inside an unquoted field");
    expect_error("c6.csv", "name,services,contact\n\"A\"B,legal_aid,1\n",
                 ":2: unexpected text after a closing quote");
    expect_error("c7.csv", "name,services,contact\nA,legal_aid,\"1\xff\"\n",
                 ":2: contact: invalid UTF-8");
    expect_error("c8.csv", "name,services,detained\nA,legal_aid,sometimes\n",
                 ":2: detained: say yes, no or unknown");
    expect_error("c9.csv", "name,name\n", ":1: column 'name' appears twice");
    expect_error("c10.csv", "", ": empty file");
    expect_error("c11.csv", "name,services\n\n", ": no resources after the header");
    expect_error("c12.csv", "name,services,contact\nA,legal_aid,\"1\x1b[2J\"\n", ":2: contact: ");
}

/* A small deterministic generator for the mutation test. */
static uint32_t rnd_state = 2463534242u;
static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

/*
 * Outside input must never crash the loader: mutate valid files byte by
 * byte (the characters CSV and YAML care about most often) and check that
 * each load either succeeds with valid text or fails with a message naming
 * the file, leaving nothing behind. Run under ASan in CI.
 */
static void test_mutations(void **state)
{
    static const char *const bases[] = {
        "name,services,languages,contact,notes\r\n"
        "\"Centro, Inc.\",legal_aid;bail,\"es, en\",1,\"a \"\"b\"\"\nc\"\r\n"
        "Dos,detention_locator,vi,2,\r\n",
        "sample: true\nresources:\n  - name: Uno\n    services: [legal_aid, bail]\n"
        "    contact: 1\n    detained: yes\n    checked_at: 2026-11-01\n",
    };
    static const char specials[] = "\",;\n\r\\:-[]{}'#\xc3\xa9\xff";
    static const char *const names[] = {"m.csv", "m.yaml"};

    (void)state;
    for (size_t b = 0; b < UTIL_ARRAY_LEN(bases); b++) {
        for (int round = 0; round < 1500; round++) {
            struct config_resources rs;
            struct buf m;
            size_t len = strlen(bases[b]);
            char *path, *err = NULL;
            int edits = 1 + (int)(rnd() % 4);

            buf_init(&m);
            buf_add(&m, bases[b], len);
            for (int e = 0; e < edits && m.len > 0; e++) {
                size_t at = rnd() % m.len;
                char c = specials[rnd() % (sizeof specials - 1)];
                switch (rnd() % 4) {
                case 0: /* replace */
                    m.data[at] = c;
                    break;
                case 1: /* insert */
                    buf_addc(&m, 0);
                    memmove(m.data + at + 1, m.data + at, m.len - at - 1);
                    m.data[at] = c;
                    break;
                case 2: /* delete */
                    memmove(m.data + at, m.data + at + 1, m.len - at - 1);
                    m.len--;
                    m.data[m.len] = '\0';
                    break;
                default: /* truncate */
                    m.len = at;
                    m.data[at] = '\0';
                    break;
                }
            }
            path = put(names[b], buf_str(&m));
            if (config_resources_load(path, now, &rs, &err) == 0) {
                assert_null(err);
                for (size_t i = 0; i < rs.n; i++)
                    if (rs.items[i].r.name != NULL)
                        assert_int_equal(text_check(rs.items[i].r.name, 0, false, NULL), TEXT_OK);
                config_resources_fini(&rs);
            } else {
                assert_non_null(err);
                assert_memory_equal(err, path, strlen(path));
                assert_int_equal(rs.n, 0);
                free(err);
            }
            free(path);
            buf_fini(&m);
        }
    }
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
        cmocka_unit_test(test_sample),      cmocka_unit_test(test_yaml),
        cmocka_unit_test(test_yaml_errors), cmocka_unit_test(test_csv),
        cmocka_unit_test(test_csv_errors),  cmocka_unit_test(test_mutations),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
