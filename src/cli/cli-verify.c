/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Verification from the command line: `vigia check`, `status`, `link`,
 * `nearby`, `search` and `events`, and the checklist part of `report show`.
 * Everything goes through app_*; refusals (a confirmation without a reason, a
 * false alarm without a note) are the lifecycle's own messages.
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

static int cli_verify_time(const char *flag, const char *v, int64_t *out)
{
    if (timeutil_parse(v, timeutil_now_ms(), out) != 0)
        return cli_usage_error(_("%s: cannot read '%s' as a time (try \"2h ago\" or \"10:42\")"),
                               flag, v);
    return 0;
}

/* Print a checklist and the verdict hint for people. */
void cli_verify_print(struct app *a, const char *id)
{
    struct app_verification v;
    char *err = NULL;

    if (app_verification_get(a, id, &v, &err) != 0) {
        free(err);
        return;
    }
    if (v.nmembers > 1) {
        printf("%s  %s  ", _("incident:"), v.incident);
        printf(NG_("(%zu caller)\n", "(%zu callers)\n", v.nmembers), v.nmembers);
        for (size_t i = 0; i < v.nmembers; i++)
            if (strcmp(v.members[i], id) != 0)
                printf("%s  %s\n", _("linked:"), v.members[i]);
    }
    if (v.stale)
        printf("%s  %s\n", _("stale:"), _("no update within the staleness window"));
    printf("%s\n", _("checklist:"));
    for (size_t i = 0; i < v.list->n; i++) {
        const struct app_check *c = &v.checks[i];
        char *label = text_printable(model_check_text(c->item->label));
        printf("  [%s] %-18s %s",
               c->state == MODEL_YES  ? "y"
               : c->state == MODEL_NO ? "n"
                                      : " ",
               c->item->key, label);
        free(label);
        if (c->by != NULL) {
            char when[8];
            char *by = text_printable(c->by);
            timeutil_hhmm(c->at, when);
            printf("  (%s %s)", by, when);
            free(by);
        }
        if (c->note != NULL) {
            char *note = text_printable(c->note);
            printf(" — %s", note);
            free(note);
        }
        putchar('\n');
    }
    printf("%s  %s\n", _("hint:"), v.verdict.text);
    app_verification_fini(&v);
}

static int cli_check(const struct cli_global *g, int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL}, *note = NULL, *v;
    int npos = 0;
    enum model_tri t;
    struct app *a;
    char *err = NULL;
    bool missing = false;

    for (int i = 1; i < argc; i++) {
        if ((v = cli_flag(argc, argv, &i, "--note", &missing)) != NULL) {
            note = v;
        } else if (missing) {
            return cli_usage_error(_("option %s needs a value"), "--note");
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage_error(_("check: unknown argument '%s'"), argv[i]);
        } else if (npos < 3) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage_error(_("check: unexpected argument '%s'"), argv[i]);
        }
    }
    if (npos != 3)
        return cli_usage_error("%s", _("usage: vigia check ID ITEM yes|no|unknown [--note TEXT]"));
    if (!model_tri_parse(pos[2], &t))
        return cli_usage_error(_("check: the answer is yes, no or unknown, not '%s'"), pos[2]);
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_check_set(a, pos[0], pos[1], t, note, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    {
        struct app_verification ver;
        if (app_verification_get(a, pos[0], &ver, NULL) == 0) {
            printf("%s: %s\n", pos[1], model_tri_label(t));
            printf("%s  %s\n", _("hint:"), ver.verdict.text);
            app_verification_fini(&ver);
        }
    }
    app_free(&a);
    return 0;
}

static int cli_status(const struct cli_global *g, int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *note = NULL, *v;
    int npos = 0, to;
    struct app *a;
    struct app_verification before;
    char *err = NULL;
    bool missing = false;

    for (int i = 1; i < argc; i++) {
        if ((v = cli_flag(argc, argv, &i, "--note", &missing)) != NULL) {
            note = v;
        } else if (missing) {
            return cli_usage_error(_("option %s needs a value"), "--note");
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage_error(_("status: unknown argument '%s'"), argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage_error(_("status: unexpected argument '%s'"), argv[i]);
        }
    }
    if (npos != 2)
        return cli_usage_error("%s", _("usage: vigia status ID STATE [--note TEXT]"));
    if ((to = model_status_parse(pos[1])) < 0)
        return cli_usage_error(_("unknown status '%s' (triaged, verifying, confirmed, "
                                 "not_confirmed, police_only, false_alarm, stale, closed)"),
                               pos[1]);
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_verification_get(a, pos[0], &before, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    if (app_status_set(a, pos[0], (enum model_status)to, note, &err) != 0) {
        app_verification_fini(&before);
        app_free(&a);
        return cli_fail(err);
    }
    printf("%s: %s → %s\n", before.incident, model_status_label(before.status),
           model_status_label((enum model_status)to));
    app_verification_fini(&before);
    app_free(&a);
    return 0;
}

static int cli_link(const struct cli_global *g, int argc, char **argv)
{
    struct app *a;
    char incident[ULID_LEN + 1];
    char *err = NULL;
    struct app_verification v;

    if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-')
        return cli_usage_error("%s", _("usage: vigia link ID ID"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_link(a, argv[1], argv[2], incident, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    if (app_verification_get(a, incident, &v, NULL) == 0) {
        printf("%s  ", incident);
        printf(NG_("%zu caller\n", "%zu callers\n", v.nmembers), v.nmembers);
        app_verification_fini(&v);
    } else {
        puts(incident);
    }
    app_free(&a);
    return 0;
}

static int cli_nearby(const struct cli_global *g, int argc, char **argv)
{
    const char *id = NULL;
    bool json = false;
    struct app *a;
    struct model_report *rows;
    size_t n;
    char *err = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-' || id != NULL)
            return cli_usage_error(_("nearby: unexpected argument '%s'"), argv[i]);
        else
            id = argv[i];
    }
    if (id == NULL)
        return cli_usage_error("%s", _("usage: vigia nearby ID [--json]"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_nearby(a, id, 20, &rows, &n, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    for (size_t i = 0; i < n; i++) {
        if (json) {
            char *s = app_report_json(&rows[i], NULL);
            puts(s);
            free(s);
        } else {
            char age[8];
            char *loc = text_printable(rows[i].location);
            char *what = text_printable(rows[i].what);
            timeutil_age(timeutil_now_ms() - rows[i].received_at, age);
            printf("%s  %-4s  %-13s  %s — %s\n", rows[i].id, age, model_status_name(rows[i].status),
                   loc, what);
            free(loc);
            free(what);
        }
    }
    app_reports_free(rows, n);
    app_free(&a);
    return 0;
}

static int cli_search(const struct cli_global *g, int argc, char **argv)
{
    struct buf q;
    bool json = false, missing = false;
    int64_t since = 0, until = 0;
    long limit = 20;
    const char *v;
    struct app *a;
    struct app_search_hit *hits;
    size_t n;
    char *err = NULL;
    int rc;

    buf_init(&q);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if ((v = cli_flag(argc, argv, &i, "--since", &missing)) != NULL) {
            if ((rc = cli_verify_time("--since", v, &since)) != 0)
                goto usage;
        } else if (!missing && (v = cli_flag(argc, argv, &i, "--until", &missing)) != NULL) {
            if ((rc = cli_verify_time("--until", v, &until)) != 0)
                goto usage;
        } else if (!missing && (v = cli_flag(argc, argv, &i, "--limit", &missing)) != NULL) {
            if (!util_parse_int(v, 1, 1000, &limit)) {
                rc = cli_usage_error("%s", _("--limit needs a number from 1 to 1000"));
                goto usage;
            }
        } else if (missing) {
            rc = cli_usage_error(_("option %s needs a value"), argv[i]);
            goto usage;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            rc = cli_usage_error(_("search: unknown argument '%s'"), argv[i]);
            goto usage;
        } else {
            if (q.len > 0)
                buf_addc(&q, ' ');
            buf_adds(&q, argv[i]);
        }
    }
    if (q.len == 0 && since == 0 && until == 0) {
        rc = cli_usage_error("%s", _("usage: vigia search TEXT [--since WHEN] [--until WHEN] "
                                     "[--json]"));
        goto usage;
    }
    if (text_check(buf_str(&q), 0, false, NULL) != TEXT_OK) {
        buf_fini(&q);
        return cli_fail(
            xasprintf(_("search: %s"), text_problem_str(text_check(buf_str(&q), 0, false, NULL))));
    }
    if ((a = cli_open(g, false)) == NULL) {
        buf_fini(&q);
        return 1;
    }
    if (app_search(a, q.len ? buf_str(&q) : NULL, since, until, (size_t)limit, &hits, &n, &err) !=
        0) {
        buf_fini(&q);
        app_free(&a);
        return cli_fail(err);
    }
    for (size_t i = 0; i < n; i++) {
        if (json) {
            char *s = app_search_hit_json(&hits[i]);
            puts(s);
            free(s);
        } else {
            char age[8];
            char *loc = text_printable(hits[i].report.location);
            char *verdict = text_printable(hits[i].verdict);
            timeutil_age(timeutil_now_ms() - hits[i].report.received_at, age);
            printf("%s  %-4s  %s — %s", hits[i].report.id, age, loc, verdict);
            if (hits[i].callers > 1)
                printf(NG_(" (%zu caller)", " (%zu callers)", hits[i].callers), hits[i].callers);
            putchar('\n');
            free(loc);
            free(verdict);
        }
    }
    if (n == 0 && !json)
        fprintf(stderr, "%s\n", _("nothing found"));
    app_search_free(hits, n);
    app_free(&a);
    buf_fini(&q);
    return 0;
usage:
    buf_fini(&q);
    return rc;
}

static int cli_events(const struct cli_global *g, int argc, char **argv)
{
    struct app_event_filter f = {.oldest_first = true};
    bool json = false, missing = false;
    long limit = 1000;
    const char *v;
    struct app *a;
    struct model_event *rows;
    size_t n;
    char *err = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if ((v = cli_flag(argc, argv, &i, "--report", &missing)) != NULL) {
            f.report_id = v;
        } else if (!missing && (v = cli_flag(argc, argv, &i, "--by", &missing)) != NULL) {
            f.actor = v;
        } else if (!missing && (v = cli_flag(argc, argv, &i, "--kind", &missing)) != NULL) {
            f.kind = v;
        } else if (!missing && (v = cli_flag(argc, argv, &i, "--since", &missing)) != NULL) {
            if ((rc = cli_verify_time("--since", v, &f.since)) != 0)
                return rc;
        } else if (!missing && (v = cli_flag(argc, argv, &i, "--until", &missing)) != NULL) {
            if ((rc = cli_verify_time("--until", v, &f.until)) != 0)
                return rc;
        } else if (!missing && (v = cli_flag(argc, argv, &i, "--limit", &missing)) != NULL) {
            if (!util_parse_int(v, 1, 1000000, &limit))
                return cli_usage_error("%s", _("--limit needs a number from 1 to 1000000"));
        } else if (missing) {
            return cli_usage_error(_("option %s needs a value"), argv[i]);
        } else {
            return cli_usage_error(_("events: unknown argument '%s'"), argv[i]);
        }
    }
    f.limit = (size_t)limit;
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_events(a, &f, &rows, &n, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    for (size_t i = 0; i < n; i++) {
        if (json) {
            char *s = app_event_json(&rows[i]);
            puts(s);
            free(s);
        } else {
            char when[24];
            char *text = app_event_text(a, &rows[i]);
            char *safe = text_printable(text);
            char *actor = text_printable(rows[i].actor ? rows[i].actor : "-");
            timeutil_local(rows[i].at, when);
            printf("%s  %-12s  %s  %s\n", when, actor, rows[i].report_id ? rows[i].report_id : "-",
                   safe);
            free(text);
            free(safe);
            free(actor);
        }
    }
    app_events_free(rows, n);
    app_free(&a);
    return 0;
}

/* `vigia checklist [CATEGORY]`: the effective lists, and any file that did not load. */
static int cli_checklist(const struct cli_global *g, int argc, char **argv)
{
    size_t nwarn;
    int cat = -1;
    struct app *a;

    if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
        return cli_usage_error("%s", _("usage: vigia checklist [CATEGORY]"));
    if (argc == 2 && (cat = model_category_parse(argv[1])) < 0)
        return cli_usage_error(_("unknown category '%s'"), argv[1]);
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    app_checklist_warnings(a, &nwarn);
    for (int c = 0; c < MODEL_CAT_COUNT; c++) {
        const struct model_checklist *l;
        if (cat >= 0 && c != cat)
            continue;
        l = app_checklist(a, (enum model_category)c);
        printf("%s (%s)\n", model_category_label((enum model_category)c), l->category);
        for (size_t i = 0; i < l->n; i++) {
            const struct model_check_item *it = &l->items[i];
            char *label = text_printable(model_check_text(it->label));
            printf("  %-20s %+3d %+3d  %s\n", it->key, it->weight, it->weight_no, label);
            free(label);
            if (it->hint != NULL) {
                char *hint = text_printable(model_check_text(it->hint));
                printf("  %-29s %s\n", "", hint);
                free(hint);
            }
        }
    }
    app_free(&a);
    /* The messages themselves went to stderr when the lists loaded. */
    return nwarn > 0 ? 1 : 0;
}

int cli_verify(const struct cli_global *g, int argc, char **argv)
{
    if (strcmp(argv[0], "checklist") == 0)
        return cli_checklist(g, argc, argv);
    if (strcmp(argv[0], "check") == 0)
        return cli_check(g, argc, argv);
    if (strcmp(argv[0], "status") == 0)
        return cli_status(g, argc, argv);
    if (strcmp(argv[0], "link") == 0)
        return cli_link(g, argc, argv);
    if (strcmp(argv[0], "nearby") == 0)
        return cli_nearby(g, argc, argv);
    if (strcmp(argv[0], "search") == 0)
        return cli_search(g, argc, argv);
    if (strcmp(argv[0], "events") == 0)
        return cli_events(g, argc, argv);
    return cli_usage_error(_("unknown command '%s'"), argv[0]);
}
