/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `vigia report add|list|show|import`. Flags map one to one onto the keys of
 * `report list --json`, so a script can round-trip what it reads.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/app.h"

#include "cli.h"

/* report add flag -> report field (model_report_set key). */
static const struct {
    const char *flag;
    const char *key;
} cli_report_flags[] = {
    {"--location", "location"},     {"--what", "what"},         {"--area", "area"},
    {"--source", "source"},         {"--category", "category"}, {"--agents", "agents"},
    {"--vehicles", "vehicles"},     {"--agency", "agency"},     {"--observed", "observed_at"},
    {"--first-hand", "first_hand"}, {"--lat", "lat"},           {"--lon", "lon"},
};

/* A value for the flag at argv[*i] ("--x v" or "--x=v"); NULL if missing. */
static const char *cli_flag_value(int argc, char **argv, int *i, const char *flag)
{
    size_t n = strlen(flag);

    if (strncmp(argv[*i], flag, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0' || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static bool cli_is_flag(const char *arg, const char *flag)
{
    size_t n = strlen(flag);

    return strncmp(arg, flag, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* Print a report for people: one field per line. */
static void cli_report_print(const struct model_report *r, const char *contact)
{
    char when[24];

    printf("%s  %s\n", _("id:"), r->id);
    timeutil_local(r->received_at, when);
    printf("%s  %s\n", _("received:"), when);
    if (r->observed_at) {
        timeutil_local(r->observed_at, when);
        printf("%s  %s\n", _("observed:"), when);
    }
    printf("%s  %s\n", _("status:"), model_status_label(r->status));
    printf("%s  %s\n", _("category:"), model_category_label(r->category));
    printf("%s  %s\n", _("source:"), model_source_label(r->source));
    printf("%s  %d\n", _("priority:"), r->priority);
    printf("%s  %s\n", _("location:"), r->location);
    if (r->area)
        printf("%s  %s\n", _("area:"), r->area);
    printf("%s  %s\n", _("what:"), r->what);
    if (r->agents >= 0)
        printf("%s  %d\n", _("agents:"), r->agents);
    if (r->agency)
        printf("%s  %s\n", _("agency:"), r->agency);
    if (r->vehicles)
        printf("%s  %s\n", _("vehicles:"), r->vehicles);
    if (r->first_hand != MODEL_UNKNOWN)
        printf("%s  %s\n", _("first-hand:"), r->first_hand == MODEL_YES ? _("yes") : _("no"));
    if (r->created_by)
        printf("%s  %s\n", _("taken by:"), r->created_by);
    if (contact)
        printf("%s  %s\n", _("contact:"), contact);
}

static int cli_report_add(const struct cli_global *g, int argc, char **argv)
{
    struct model_report r;
    const char *contact = NULL;
    bool json = false;
    struct app *a = NULL;
    char *err = NULL;
    int rc = 1;

    model_report_init(&r);
    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        size_t k;
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
            continue;
        }
        if (cli_is_flag(argv[i], "--contact")) {
            if ((contact = cli_flag_value(argc, argv, &i, "--contact")) == NULL)
                goto missing;
            continue;
        }
        for (k = 0; k < UTIL_ARRAY_LEN(cli_report_flags); k++)
            if (cli_is_flag(argv[i], cli_report_flags[k].flag))
                break;
        if (k == UTIL_ARRAY_LEN(cli_report_flags)) {
            rc = cli_usage_error(_("report add: unknown argument '%s'"), argv[i]);
            goto out;
        }
        if ((v = cli_flag_value(argc, argv, &i, cli_report_flags[k].flag)) == NULL)
            goto missing;
        if (text_check(v, 0, true, NULL) == TEXT_BAD_UTF8) {
            rc = cli_fail(xasprintf(_("%s: %s"), cli_report_flags[k].flag + 2,
                                    text_problem_str(TEXT_BAD_UTF8)));
            goto out;
        }
        if (model_report_set(&r, cli_report_flags[k].key, v, timeutil_now_ms(), &err) !=
            MODEL_SET_OK) {
            rc = cli_fail(xasprintf("%s: %s", cli_report_flags[k].flag + 2, err));
            free(err);
            goto out;
        }
        continue;
    missing:
        rc = cli_usage_error(_("option %s needs a value"), argv[i]);
        goto out;
    }
    if (r.location == NULL || r.what == NULL) {
        rc = cli_usage_error("%s", _("report add needs --location and --what"));
        goto out;
    }
    if ((a = cli_open(g, false)) == NULL)
        goto out;
    if (app_report_create(a, &r, contact, &err) != 0) {
        rc = cli_fail(err);
        goto out;
    }
    /* Names and numbers of detained people belong in the sealed table, not the report text. */
    if (r.category == MODEL_CAT_DETENTION &&
        (app_text_has_person_data(r.what) || app_text_has_person_data(r.location) ||
         app_text_has_person_data(r.agency)))
        fprintf(stderr, "vigia: %s\n",
                _("personal data in the report text: record it with 'vigia followup add' "
                  "(sealed)"));
    if (json) {
        struct model_report stored;
        if (app_report_get(a, r.id, &stored, &err) != 0) {
            rc = cli_fail(err);
            goto out;
        }
        char *s = app_report_json(&stored, NULL);
        puts(s);
        free(s);
        model_report_fini(&stored);
    } else {
        puts(r.id);
    }
    rc = 0;
out:
    model_report_fini(&r);
    app_free(&a);
    return rc;
}

static int cli_report_list(const struct cli_global *g, int argc, char **argv)
{
    struct app_view v;
    bool json = false;
    long limit = 50;
    struct app *a;
    struct model_report *rows;
    size_t n = 0;
    char *err = NULL;
    const char *val;

    app_view_init(&v);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--all") == 0) {
            v.include_expired = true;
        } else if (cli_is_flag(argv[i], "--status")) {
            if ((val = cli_flag_value(argc, argv, &i, "--status")) == NULL)
                return cli_usage_error(_("option %s needs a value"), "--status");
            if ((v.status = model_status_parse(val)) < 0)
                return cli_usage_error(_("unknown status '%s'"), val);
            v.include_expired = true;
        } else if (cli_is_flag(argv[i], "--limit")) {
            if ((val = cli_flag_value(argc, argv, &i, "--limit")) == NULL ||
                !util_parse_int(val, 1, 1000000, &limit))
                return cli_usage_error("%s", _("--limit needs a number from 1 to 1000000"));
        } else if (cli_is_flag(argv[i], "--search")) {
            if ((v.search = cli_flag_value(argc, argv, &i, "--search")) == NULL)
                return cli_usage_error(_("option %s needs a value"), "--search");
        } else {
            return cli_usage_error(_("report list: unknown argument '%s'"), argv[i]);
        }
    }
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    rows = xcalloc((size_t)limit, sizeof *rows);
    if (app_queue_page(a, &v, 0, (size_t)limit, rows, &n, &err) != 0) {
        free(rows);
        app_free(&a);
        return cli_fail(err);
    }
    int64_t now = timeutil_now_ms();
    for (size_t i = 0; i < n; i++) {
        if (json) {
            char *s = app_report_json(&rows[i], NULL);
            puts(s);
            free(s);
        } else {
            char age[8];
            char *loc = text_printable(rows[i].location);
            char *what = text_printable(rows[i].what);
            timeutil_age(now - rows[i].received_at, age);
            printf("%s  %-4s  %-13s  %s — %s\n", rows[i].id, age, model_status_name(rows[i].status),
                   loc, what);
            free(loc);
            free(what);
        }
        model_report_fini(&rows[i]);
    }
    free(rows);
    app_free(&a);
    return 0;
}

static int cli_report_show(const struct cli_global *g, int argc, char **argv)
{
    const char *id = NULL;
    bool json = false;
    struct model_report r;
    struct app *a;
    char *err = NULL, *contact = NULL;

    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-' || id != NULL)
            return cli_usage_error(_("report show: unexpected argument '%s'"), argv[i]);
        else
            id = argv[i];
    }
    if (id == NULL)
        return cli_usage_error("%s", _("report show needs a report id"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    int crc = 0;
    if (app_report_get(a, id, &r, &err) != 0 ||
        (crc = app_report_contact(a, id, &contact, &err)) < 0) {
        model_report_fini(&r);
        app_free(&a);
        return cli_fail(err);
    }
    /* A sealed contact with the vault locked: say so (JSON leaves the key out). */
    if (crc == APP_LOCKED && !json)
        contact = xstrdup(_("locked (run 'vigia unlock')"));
    if (json) {
        char *s = app_report_json_full(a, &r, contact, &err);
        if (s == NULL) {
            free(contact);
            model_report_fini(&r);
            app_free(&a);
            return cli_fail(err);
        }
        puts(s);
        free(s);
    } else {
        cli_report_print(&r, contact);
        cli_verify_print(a, id);
    }
    free(contact);
    model_report_fini(&r);
    app_free(&a);
    return 0;
}

static int cli_report_import(const struct cli_global *g, int argc, char **argv)
{
    struct app *a;
    size_t n;
    char *err = NULL;

    if (argc != 3 || (argv[2][0] == '-' && argv[2][1] != '\0'))
        return cli_usage_error("%s", _("usage: vigia report import FILE"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_report_import(a, argv[2], &n, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    fprintf(stderr, NG_("imported %zu report\n", "imported %zu reports\n", n), n);
    app_free(&a);
    return 0;
}

int cli_report(const struct cli_global *g, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("%s", _("report needs a command: add, list, show or import"));
    if (strcmp(argv[1], "add") == 0)
        return cli_report_add(g, argc, argv);
    if (strcmp(argv[1], "list") == 0)
        return cli_report_list(g, argc, argv);
    if (strcmp(argv[1], "show") == 0)
        return cli_report_show(g, argc, argv);
    if (strcmp(argv[1], "import") == 0)
        return cli_report_import(g, argc, argv);
    return cli_usage_error(_("unknown report command '%s'"), argv[1]);
}
