/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `vigia followup add|list|remove`: the people of a detention follow-up, kept
 * sealed apart from the report's text (src/app/app-followup.c). `list` masks
 * names and numbers unless --show-personal is given with personal data
 * unlocked; `--json` prints one object per line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/app.h"

#include "cli.h"

static int cli_followup_add(const struct cli_global *g, int argc, char **argv)
{
    static const char *const flags[] = {"--name",     "--relation", "--phone",
                                        "--a-number", "--held-at",  "--note"};
    const char *vals[UTIL_ARRAY_LEN(flags)] = {NULL};
    struct app_person_in in = {0};
    char id[ULID_LEN + 1], *err = NULL;
    bool json = false, missing = false;
    struct app *a;
    int rc;

    for (int i = 2; i < argc; i++) {
        bool matched = false;
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
            continue;
        }
        for (size_t f = 0; f < UTIL_ARRAY_LEN(flags) && !matched && !missing; f++) {
            const char *v = cli_flag(argc, argv, &i, flags[f], &missing);
            if (v != NULL) {
                vals[f] = v;
                matched = true;
            } else if (missing) {
                return cli_usage_error(_("%s needs a value"), flags[f]);
            }
        }
        if (matched)
            continue;
        if (argv[i][0] == '-' || in.report_id != NULL)
            return cli_usage_error(_("followup add: unknown argument '%s'"), argv[i]);
        in.report_id = argv[i];
    }
    if (in.report_id == NULL)
        return cli_usage_error("%s", _("followup add needs a report id"));
    if (vals[0] == NULL)
        return cli_usage_error("%s", _("followup add needs --name"));
    in.name = vals[0];
    in.relation = vals[1];
    in.phone = vals[2];
    in.a_number = vals[3];
    in.where_held = vals[4];
    in.notes = vals[5];
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_person_add(a, &in, id, &err) != 0) {
        rc = cli_fail(err);
    } else {
        if (json) {
            json_t *o = json_pack("{s:s, s:s}", "id", id, "report_id", in.report_id);
            char *j = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
            puts(j);
            free(j);
            json_decref(o);
        } else
            puts(id);
        if (app_vault_state(a) == APP_VAULT_NONE)
            fprintf(stderr, "vigia: %s\n",
                    _("no passphrase is set: these details are stored unsealed until "
                      "'vigia passphrase set'"));
        rc = 0;
    }
    app_free(&a);
    return rc;
}

static int cli_followup_list(const struct cli_global *g, int argc, char **argv)
{
    struct app_person *rows = NULL;
    const char *report = NULL;
    bool reveal = false, json = false;
    char *err = NULL;
    struct app *a;
    size_t n = 0;
    int rc = 0;

    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--show-personal") == 0)
            reveal = true;
        else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] != '-' && report == NULL)
            report = argv[i];
        else
            return cli_usage_error(_("followup list: unknown argument '%s'"), argv[i]);
    }
    if (report == NULL)
        return cli_usage_error("%s", _("followup list needs a report id"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_person_list(a, report, reveal, &rows, &n, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    for (size_t i = 0; i < n; i++) {
        const struct app_person *p = &rows[i];
        if (json) {
            char *j = app_person_json(p);
            puts(j);
            free(j);
            continue;
        }
        if (p->locked) {
            printf("%s  %-8s  %s\n", p->id, p->relation ? p->relation : "-", _("(locked)"));
            continue;
        }
        printf("%s  %-8s  %s", p->id, p->relation ? p->relation : "-",
               p->name && *p->name ? p->name : _("(cleared)"));
        if (p->phone)
            printf("  %s", p->phone);
        if (p->a_number)
            printf("  %s", p->a_number);
        if (p->where_held)
            printf("  %s %s", _("held at:"), p->where_held);
        if (p->notes)
            printf("  %s %s", _("note:"), p->notes);
        putchar('\n');
    }
    if (n == 0 && !json)
        puts(_("no people recorded for this report: vigia followup add REPORT --name N"));
    app_people_free(&rows, n);
    app_free(&a);
    return rc;
}

static int cli_followup_remove(const struct cli_global *g, int argc, char **argv)
{
    struct app *a;
    char *err = NULL;
    int rc = 0;

    if (argc != 3)
        return cli_usage_error("%s", _("followup remove needs one person id"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_person_remove(a, argv[2], &err) != 0)
        rc = cli_fail(err);
    app_free(&a);
    return rc;
}

int cli_followup(const struct cli_global *g, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("%s", _("followup needs add, list or remove"));
    if (strcmp(argv[1], "add") == 0)
        return cli_followup_add(g, argc, argv);
    if (strcmp(argv[1], "list") == 0)
        return cli_followup_list(g, argc, argv);
    if (strcmp(argv[1], "remove") == 0)
        return cli_followup_remove(g, argc, argv);
    return cli_usage_error(_("unknown followup command '%s'"), argv[1]);
}
