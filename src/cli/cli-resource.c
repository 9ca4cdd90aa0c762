/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `vigia resource add|import|search|show|remove` and `vigia refer`. Flags of
 * `resource add` map one to one onto the keys of `resource show --json`
 * (with dashes), so a script can round-trip what it reads. `--json` prints
 * one object per line.
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

/* `resource add` flag -> model_resource_set key. */
static const struct {
    const char *flag;
    const char *key;
} cli_resource_flags[] = {
    {"--name", "name"},
    {"--services", "services"},
    {"--service", "services"},
    {"--need", "services"},
    {"--languages", "languages"},
    {"--language", "languages"},
    {"--areas", "areas"},
    {"--area", "areas"},
    {"--hours", "hours"},
    {"--contact", "contact"},
    {"--detained", "detained"},
    {"--non-detained", "non_detained"},
    {"--criminal", "criminal"},
    {"--non-criminal", "non_criminal"},
    {"--fees", "fees"},
    {"--payment-plans", "payment_plans"},
    {"--excluded-statuses", "excluded_statuses"},
    {"--courts", "courts"},
    {"--notes", "notes"},
    {"--vetting", "vetting"},
    {"--checked-at", "checked_at"},
    {"--checked", "checked_at"},
    {"--checked-by", "checked_by"},
};

/* Print one line of a list field with a label, when set. */
static void cli_resource_field(const char *label, const char *value)
{
    char *p;

    if (value == NULL || *value == '\0')
        return;
    p = text_printable(value);
    printf("%s  %s\n", label, p);
    free(p);
}

static const char *cli_resource_tri(enum model_tri t)
{
    return model_tri_label(t);
}

/* The translated labels of a service set, joined with ", "; newly allocated. */
static char *cli_resource_services(unsigned services)
{
    struct buf b;

    buf_init(&b);
    buf_adds(&b, "");
    for (int i = 0; i < MODEL_SERVICE_COUNT; i++)
        if (services & (1u << i)) {
            if (b.len > 0)
                buf_adds(&b, ", ");
            buf_adds(&b, model_service_label((enum model_service)i));
        }
    return buf_steal(&b);
}

/* The flags of an entry for people: "[sample] [not checked for 200 days]". */
static char *cli_resource_marks(struct app *a, const struct model_resource *r, int64_t now)
{
    struct buf b;
    int age;

    buf_init(&b);
    buf_adds(&b, "");
    if (r->sample)
        buf_printf(&b, "[%s]", _("SAMPLE"));
    if (app_resource_unchecked(a, r, now, &age)) {
        if (b.len > 0)
            buf_addc(&b, ' ');
        if (age < 0)
            buf_printf(&b, "[%s]", _("never checked"));
        else
            /* TRANSLATORS: a referral entry nobody re-checked lately. */
            buf_printf(
                &b,
                NG_("[not checked for %d day]", "[not checked for %d days]", (unsigned long)age),
                age);
    }
    return buf_steal(&b);
}

/* Print an entry for people: one field per line. */
static void cli_resource_print(struct app *a, const struct model_resource *r, int64_t now)
{
    char *services = cli_resource_services(r->services);
    char *marks = cli_resource_marks(a, r, now);
    char when[24];

    printf("%s  %s\n", _("id:"), r->id);
    cli_resource_field(_("name:"), r->name);
    if (*marks)
        printf("%s  %s\n", _("flags:"), marks);
    cli_resource_field(_("services:"), services);
    cli_resource_field(_("contact:"), r->contact);
    cli_resource_field(_("hours:"), r->hours);
    cli_resource_field(_("languages:"), r->languages);
    cli_resource_field(_("areas:"), r->areas ? r->areas : _("anywhere"));
    printf("%s  %s\n", _("detained cases:"), cli_resource_tri(r->detained));
    printf("%s  %s\n", _("non-detained cases:"), cli_resource_tri(r->non_detained));
    printf("%s  %s\n", _("criminal history:"), cli_resource_tri(r->criminal));
    printf("%s  %s\n", _("no criminal history:"), cli_resource_tri(r->non_criminal));
    cli_resource_field(_("fees:"), r->fees);
    if (r->payment_plans != MODEL_UNKNOWN)
        printf("%s  %s\n", _("payment plans:"), cli_resource_tri(r->payment_plans));
    cli_resource_field(_("excludes:"), r->excluded_statuses);
    cli_resource_field(_("courts:"), r->courts);
    cli_resource_field(_("notes:"), r->notes);
    cli_resource_field(_("vetting:"), r->vetting);
    if (r->checked_at) {
        timeutil_local(r->checked_at, when);
        printf("%s  %s%s%s\n", _("checked:"), when, r->checked_by ? "  " : "",
               r->checked_by ? r->checked_by : "");
    } else {
        printf("%s  %s\n", _("checked:"), _("never"));
    }
    free(services);
    free(marks);
}

static int cli_resource_add(const struct cli_global *g, int argc, char **argv)
{
    struct model_resource r;
    struct app *a = NULL;
    bool json = false, missing = false;
    char *err = NULL;
    const char *v;
    int rc = 1;

    model_resource_init(&r);
    for (int i = 2; i < argc; i++) {
        size_t k;
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
            continue;
        }
        for (k = 0; k < UTIL_ARRAY_LEN(cli_resource_flags); k++) {
            v = cli_flag(argc, argv, &i, cli_resource_flags[k].flag, &missing);
            if (v != NULL || missing)
                break;
        }
        if (k == UTIL_ARRAY_LEN(cli_resource_flags)) {
            rc = cli_usage_error(_("resource add: unknown argument '%s'"), argv[i]);
            goto out;
        }
        if (missing) {
            rc = cli_usage_error(_("option %s needs a value"), argv[i]);
            goto out;
        }
        if (text_check(v, 0, true, NULL) == TEXT_BAD_UTF8) {
            rc = cli_fail(xasprintf("%s: %s", cli_resource_flags[k].flag + 2,
                                    text_problem_str(TEXT_BAD_UTF8)));
            goto out;
        }
        if (model_resource_set(&r, cli_resource_flags[k].key, v, timeutil_now_ms(), &err) !=
            MODEL_SET_OK) {
            rc = cli_fail(err);
            goto out;
        }
    }
    if (r.name == NULL || r.services == 0 || r.contact == NULL) {
        rc = cli_usage_error("%s", _("resource add needs --name, --service and --contact"));
        goto out;
    }
    if ((a = cli_open(g, false)) == NULL)
        goto out;
    if (app_resource_add(a, &r, &err) != 0) {
        rc = cli_fail(err);
        goto out;
    }
    if (json) {
        char *s = app_resource_json(a, &r, timeutil_now_ms());
        puts(s);
        free(s);
    } else {
        puts(r.id);
    }
    rc = 0;
out:
    model_resource_fini(&r);
    app_free(&a);
    return rc;
}

static int cli_resource_import(const struct cli_global *g, int argc, char **argv)
{
    struct app *a;
    size_t added = 0, updated = 0;
    bool sample = false;
    char *err = NULL;

    if (argc != 3 || argv[2][0] == '\0' || (argv[2][0] == '-' && argv[2][1] != '\0'))
        return cli_usage_error("%s", _("resource import needs one FILE (YAML or CSV)"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_resource_import(a, argv[2], &added, &updated, &sample, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    printf(NG_("%zu resource added", "%zu resources added", added), added);
    printf(NG_(", %zu updated\n", ", %zu updated\n", updated), updated);
    if (sample)
        printf("%s\n", _("these are SAMPLE entries: replace them with your network's own, "
                         "vetted list"));
    app_free(&a);
    return 0;
}

static int cli_resource_search(const struct cli_global *g, int argc, char **argv)
{
    struct app_resource_query q = {0};
    struct model_resource *rows = NULL;
    struct buf text;
    struct app *a;
    size_t n = 0, nsample = 0;
    bool json = false, missing = false;
    char *err = NULL;
    const char *v;
    int64_t now = timeutil_now_ms();
    int rc = 1;

    buf_init(&text);
    buf_adds(&text, "");
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if ((v = cli_flag(argc, argv, &i, "--need", &missing)) != NULL ||
                   (!missing && (v = cli_flag(argc, argv, &i, "--service", &missing)) != NULL)) {
            q.need = v;
        } else if (!missing && (v = cli_flag(argc, argv, &i, "--language", &missing)) != NULL) {
            q.language = v;
        } else if (!missing && (v = cli_flag(argc, argv, &i, "--area", &missing)) != NULL) {
            q.area = v;
        } else if (missing) {
            buf_fini(&text);
            return cli_usage_error(_("option %s needs a value"), argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            buf_fini(&text);
            return cli_usage_error(_("resource search: unknown argument '%s'"), argv[i]);
        } else {
            if (text.len > 0)
                buf_addc(&text, ' ');
            buf_adds(&text, argv[i]);
        }
    }
    q.text = text.len > 0 ? buf_str(&text) : NULL;
    if ((a = cli_open(g, false)) == NULL) {
        buf_fini(&text);
        return 1;
    }
    if (app_resource_search(a, &q, &rows, &n, &err) != 0) {
        rc = cli_fail(err);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct model_resource *r = &rows[i];
        if (json) {
            char *s = app_resource_json(a, r, now);
            puts(s);
            free(s);
            continue;
        }
        char *name = text_printable(r->name);
        char *contact = text_printable(r->contact ? r->contact : "");
        char *services = cli_resource_services(r->services);
        char *marks = cli_resource_marks(a, r, now);
        printf("%s  %s%s%s\n", name, contact, *marks ? "  " : "", marks);
        printf("    %s", services);
        if (r->languages != NULL)
            printf(" · %s", r->languages);
        if (r->areas != NULL) {
            char *areas = text_printable(r->areas);
            printf(" · %s", areas);
            free(areas);
        }
        printf("\n    %s\n", r->id);
        if (r->sample)
            nsample++;
        free(name);
        free(contact);
        free(services);
        free(marks);
    }
    if (!json && n == 0)
        printf("%s\n", _("no resource matches"));
    if (!json && nsample > 0)
        printf("%s\n", _("SAMPLE entries come from the shipped sample directory: replace them "
                         "with your network's own, vetted list"));
    rc = 0;
out:
    app_resources_free(rows, n);
    app_free(&a);
    buf_fini(&text);
    return rc;
}

static int cli_resource_show(const struct cli_global *g, int argc, char **argv)
{
    struct model_resource r;
    const char *key = NULL;
    struct app *a;
    bool json = false;
    char *err = NULL;

    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage_error(_("resource show: unknown argument '%s'"), argv[i]);
        else if (key == NULL)
            key = argv[i];
        else
            return cli_usage_error(_("resource show: unexpected argument '%s'"), argv[i]);
    }
    if (key == NULL)
        return cli_usage_error("%s", _("resource show needs an id or a name"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_resource_get(a, key, &r, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    if (json) {
        char *s = app_resource_json(a, &r, timeutil_now_ms());
        puts(s);
        free(s);
    } else {
        cli_resource_print(a, &r, timeutil_now_ms());
    }
    model_resource_fini(&r);
    app_free(&a);
    return 0;
}

static int cli_resource_remove(const struct cli_global *g, int argc, char **argv)
{
    struct app *a;
    char *err = NULL;

    if (argc != 3)
        return cli_usage_error("%s", _("resource remove needs one id or name, or --sample"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (strcmp(argv[2], "--sample") == 0) {
        size_t n = 0;
        if (app_resource_remove_sample(a, &n, &err) != 0) {
            app_free(&a);
            return cli_fail(err);
        }
        printf(NG_("%zu sample entry removed\n", "%zu sample entries removed\n", n), n);
        app_free(&a);
        return 0;
    }
    if (app_resource_remove(a, argv[2], &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    app_free(&a);
    return 0;
}

static int cli_refer(const struct cli_global *g, int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *note = NULL, *remind = NULL, *v;
    int npos = 0;
    int64_t remind_ms = 0;
    struct app *a;
    char *err = NULL;
    bool missing = false;

    for (int i = 1; i < argc; i++) {
        if ((v = cli_flag(argc, argv, &i, "--note", &missing)) != NULL) {
            note = v;
        } else if (!missing && (v = cli_flag(argc, argv, &i, "--remind", &missing)) != NULL) {
            remind = v;
        } else if (missing) {
            return cli_usage_error(_("option %s needs a value"), argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage_error(_("refer: unknown argument '%s'"), argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage_error(_("refer: unexpected argument '%s'"), argv[i]);
        }
    }
    if (npos != 2)
        return cli_usage_error("%s", _("refer needs a REPORT and a RESOURCE"));
    if (remind != NULL && !model_duration_parse(remind, &remind_ms))
        return cli_usage_error(_("--remind: cannot read '%s' as a duration (try \"2h\" or "
                                 "\"30m\")"),
                               remind);
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_refer(a, pos[0], pos[1], note, remind_ms, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    app_free(&a);
    return 0;
}

/* `resource followups`: reminders drafted by refer that are due now. */
static int cli_resource_followups(const struct cli_global *g, int argc, char **argv)
{
    struct model_event *ev = NULL;
    struct app *a;
    size_t n = 0;
    bool json = false;
    char *err = NULL;

    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else
            return cli_usage_error(_("resource followups: unknown argument '%s'"), argv[i]);
    }
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_followups_due(a, timeutil_now_ms(), &ev, &n, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    for (size_t i = 0; i < n; i++) {
        char *s = json ? app_event_json(&ev[i]) : app_event_text(a, &ev[i]);
        if (json)
            puts(s);
        else
            printf("%s  %s  %s\n", ev[i].id, ev[i].report_id ? ev[i].report_id : "-", s);
        free(s);
    }
    if (!json && n == 0)
        printf("%s\n", _("no follow-up is due"));
    app_events_free(ev, n);
    app_free(&a);
    return 0;
}

/* `resource followup-done ID [--note TEXT]`. */
static int cli_resource_followup_done(const struct cli_global *g, int argc, char **argv)
{
    const char *id = NULL, *note = NULL, *v;
    struct app *a;
    char *err = NULL;
    bool missing = false;

    for (int i = 2; i < argc; i++) {
        if ((v = cli_flag(argc, argv, &i, "--note", &missing)) != NULL)
            note = v;
        else if (missing)
            return cli_usage_error(_("option %s needs a value"), argv[i]);
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage_error(_("resource followup-done: unknown argument '%s'"), argv[i]);
        else if (id == NULL)
            id = argv[i];
        else
            return cli_usage_error(_("resource followup-done: unexpected argument '%s'"), argv[i]);
    }
    if (id == NULL)
        return cli_usage_error("%s", _("resource followup-done needs the reminder's id (see "
                                       "'vigia resource followups')"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_followup_done(a, id, note, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    app_free(&a);
    return 0;
}

int cli_resource(const struct cli_global *g, int argc, char **argv)
{
    if (strcmp(argv[0], "refer") == 0)
        return cli_refer(g, argc, argv);
    if (argc < 2)
        return cli_usage_error(
            "%s",
            _("resource needs add, import, search, show, remove, followups or followup-done"));
    if (strcmp(argv[1], "add") == 0)
        return cli_resource_add(g, argc, argv);
    if (strcmp(argv[1], "import") == 0)
        return cli_resource_import(g, argc, argv);
    if (strcmp(argv[1], "search") == 0 || strcmp(argv[1], "list") == 0)
        return cli_resource_search(g, argc, argv);
    if (strcmp(argv[1], "show") == 0)
        return cli_resource_show(g, argc, argv);
    if (strcmp(argv[1], "remove") == 0)
        return cli_resource_remove(g, argc, argv);
    if (strcmp(argv[1], "followups") == 0)
        return cli_resource_followups(g, argc, argv);
    if (strcmp(argv[1], "followup-done") == 0)
        return cli_resource_followup_done(g, argc, argv);
    return cli_usage_error(_("unknown resource command '%s'"), argv[1]);
}
