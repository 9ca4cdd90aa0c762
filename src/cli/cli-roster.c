/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The roster on the command line: `vigia verifier add|list|import`,
 * `vigia shifts import|export|list`, `vigia oncall`, `vigia assign`,
 * `vigia assignment set|checkin|observe|list|show` and `vigia handoff`.
 * Flags of `verifier add` map onto the keys of `verifier list --json`.
 * `--json` prints one object per line.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/app.h"

#include "cli.h"

/* Parse the flags of a subcommand: @names (NULL-terminated; those ending in '=' take values). */
struct cli_roster_opts {
    const char *vals[16];
    bool set[16];
    const char *pos[4];
    int npos;
};

static int cli_roster_parse(int argc, char **argv, int first, const char *const *names,
                            struct cli_roster_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = first; i < argc; i++) {
        bool taken = false;
        for (int k = 0; names[k] != NULL; k++) {
            size_t n = strlen(names[k]);
            bool missing = false;
            if (names[k][n - 1] == '=') {
                char flag[48];
                const char *v;
                snprintf(flag, sizeof flag, "%.*s", (int)(n - 1), names[k]);
                v = cli_flag(argc, argv, &i, flag, &missing);
                if (missing)
                    return cli_usage_error(_("option %s needs a value"), flag);
                if (v != NULL) {
                    o->vals[k] = v;
                    o->set[k] = true;
                    taken = true;
                    break;
                }
            } else if (strcmp(argv[i], names[k]) == 0) {
                o->set[k] = true;
                taken = true;
                break;
            }
        }
        if (taken)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage_error(_("unknown option %s"), argv[i]);
        if (o->npos == (int)UTIL_ARRAY_LEN(o->pos))
            return cli_usage_error(_("too many arguments"));
        o->pos[o->npos++] = argv[i];
    }
    return 0;
}

static void cli_print_text(const char *s)
{
    char *p = text_printable(s ? s : "");

    fputs(p, stdout);
    free(p);
}

/* Print stored multi-line text line by line, each made printable. */
static void cli_print_lines(const char *s)
{
    const char *p = s ? s : "";

    for (;;) {
        const char *nl = strchr(p, '\n');
        char *line = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
        cli_print_text(line);
        putchar('\n');
        free(line);
        if (nl == NULL)
            break;
        p = nl + 1;
    }
}

/* ---- verifier -------------------------------------------------------------- */

static int cli_verifier_add(const struct cli_global *g, int argc, char **argv)
{
    static const char *const names[] = {
        "--name=", "--contact=", "--channel=", "--languages=", "--areas=", "--roles=", "--notes=",
        "--json",  "--handle=",  "--role=",    "--language=",  "--area=",  "--phone=", NULL};
    static const char *const keys[] = {"name",      "contact", "channel", "languages", "areas",
                                       "roles",     "notes",   NULL,      "name",      "roles",
                                       "languages", "areas",   "contact"};
    struct cli_roster_opts o;
    struct model_verifier v;
    struct app *a;
    char *err = NULL;
    int rc;

    if ((rc = cli_roster_parse(argc, argv, 2, names, &o)) != 0)
        return rc;
    if (o.npos > 0)
        return cli_usage_error(_("verifier add takes flags only (--name, --contact, ...)"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    model_verifier_init(&v);
    if (!o.set[5] && !o.set[9])
        v.roles = 1u << MODEL_ROLE_VERIFIER;
    for (size_t k = 0; names[k] != NULL; k++) {
        if (!o.set[k] || keys[k] == NULL)
            continue;
        if (model_verifier_set(&v, keys[k], o.vals[k], app_config(a)->default_country, &err) !=
            MODEL_SET_OK) {
            rc = cli_fail(err);
            goto out;
        }
    }
    if (app_verifier_add(a, &v, &err) != 0) {
        rc = cli_fail(err);
        goto out;
    }
    if (o.set[7])
        printf("{\"id\":\"%s\"}\n", v.id);
    else
        printf("%s\n", v.id);
    rc = 0;
out:
    model_verifier_fini(&v);
    app_free(&a);
    return rc;
}

static int cli_verifier_list(const struct cli_global *g, int argc, char **argv)
{
    static const char *const names[] = {"--json", NULL};
    struct cli_roster_opts o;
    struct app_verifier_status *rows = NULL;
    size_t n = 0;
    struct app *a;
    char *err = NULL;
    int64_t now = timeutil_now_ms();
    int rc;

    if ((rc = cli_roster_parse(argc, argv, 2, names, &o)) != 0)
        return rc;
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_roster(a, now, &rows, &n, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    for (size_t i = 0; i < n; i++) {
        if (o.set[0]) {
            char *j = app_verifier_json(&rows[i], now);
            printf("%s\n", j);
            free(j);
        } else {
            char *st = app_verifier_status_text(&rows[i], now);
            char *roles = model_roles_format(rows[i].v.roles);
            printf("%s  ", rows[i].v.id);
            cli_print_text(rows[i].v.name);
            printf("  [%s]  %s  %s  %s  %s\n", roles,
                   rows[i].contact_locked ? _("(locked)")
                   : rows[i].v.contact    ? rows[i].v.contact
                                          : "-",
                   rows[i].v.languages ? rows[i].v.languages : "-",
                   rows[i].v.areas ? rows[i].v.areas : "-", st);
            free(st);
            free(roles);
        }
    }
    if (n == 0 && !o.set[0])
        printf("%s\n", _("no verifiers yet: vigia verifier add --name NAME, or import a file"));
    app_roster_free(rows, n);
    app_free(&a);
    return 0;
}

static int cli_verifier_import(const struct cli_global *g, int argc, char **argv)
{
    struct app *a;
    char *err = NULL;
    size_t added = 0, updated = 0;

    if (argc != 3)
        return cli_usage_error(_("usage: vigia verifier import FILE"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_verifier_import(a, argv[2], &added, &updated, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    printf(_("%zu verifiers added, %zu updated\n"), added, updated);
    app_free(&a);
    return 0;
}

static int cli_verifier(const struct cli_global *g, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "add") == 0)
        return cli_verifier_add(g, argc, argv);
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return cli_verifier_list(g, argc, argv);
    if (argc >= 2 && strcmp(argv[1], "import") == 0)
        return cli_verifier_import(g, argc, argv);
    return cli_usage_error(_("usage: vigia verifier add|list|import"));
}

/* ---- shifts -------------------------------------------------------------- */

static int cli_shifts(const struct cli_global *g, int argc, char **argv)
{
    static const char *const names[] = {"--ics", "--output=", NULL};
    struct cli_roster_opts o;
    struct app *a;
    char *err = NULL;
    int rc;

    if (argc < 2)
        return cli_usage_error(_("usage: vigia shifts import FILE | export [--ics] | list"));
    if ((rc = cli_roster_parse(argc, argv, 2, names, &o)) != 0)
        return rc;
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (strcmp(argv[1], "import") == 0 && o.npos == 1) {
        size_t n = 0;
        if (app_shifts_import(a, o.pos[0], &n, &err) != 0) {
            rc = cli_fail(err);
        } else {
            printf(NG_("%zu shift in the schedule\n", "%zu shifts in the schedule\n", n), n);
            rc = 0;
        }
    } else if ((strcmp(argv[1], "export") == 0 || strcmp(argv[1], "list") == 0) && o.npos == 0) {
        FILE *out = stdout;
        char *tmp = NULL;
        if (o.set[1]) {
            tmp = xasprintf("%s.tmp", o.vals[1]);
            if ((out = fopen(tmp, "wb")) == NULL) {
                rc = cli_fail(xasprintf(_("cannot write %s: %s"), o.vals[1], strerror(errno)));
                free(tmp);
                app_free(&a);
                return rc;
            }
        }
        rc = o.set[0] ? app_shifts_export_ics(a, out, timeutil_now_ms(), &err)
                      : app_shifts_export_yaml(a, out, &err);
        if (out != stdout) {
            if (fclose(out) != 0 && rc == 0)
                rc = -1, err = xasprintf(_("cannot write %s"), o.vals[1]);
            if (rc == 0 && rename(tmp, o.vals[1]) != 0)
                rc = -1, err = xasprintf(_("cannot write %s: %s"), o.vals[1], strerror(errno));
            if (rc != 0)
                unlink(tmp);
        }
        free(tmp);
        rc = rc == 0 ? 0 : cli_fail(err);
    } else {
        rc = cli_usage_error(_("usage: vigia shifts import FILE | export [--ics] | list"));
    }
    app_free(&a);
    return rc;
}

/* ---- oncall ---------------------------------------------------------------- */

static int cli_oncall(const struct cli_global *g, int argc, char **argv)
{
    static const char *const names[] = {"--at=", "--json", NULL};
    struct cli_roster_opts o;
    struct app_oncall oc;
    struct app *a;
    char *err = NULL;
    int64_t at = timeutil_now_ms();
    int rc;

    if ((rc = cli_roster_parse(argc, argv, 1, names, &o)) != 0)
        return rc;
    if (o.npos > 0)
        return cli_usage_error(_("usage: vigia oncall [--at TIME] [--json]"));
    if (o.set[0] && timeutil_parse(o.vals[0], at, &at) != 0)
        return cli_usage_error(_("'%s' is not a time"), o.vals[0]);
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_oncall(a, at, &oc, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    if (o.set[1]) {
        char *j = app_oncall_json(&oc);
        printf("%s\n", j);
        free(j);
    } else {
        bool any_now = false, any_next = false;
        for (size_t i = 0; i < oc.n; i++) {
            char s[8], e[8];
            const struct app_oncall_entry *x = &oc.items[i];
            if (x->now && !any_now) {
                printf("%s\n", _("On duty now:"));
                any_now = true;
            }
            if (!x->now && !any_next) {
                printf("%s\n", _("Next:"));
                any_next = true;
            }
            timeutil_hhmm(x->start, s);
            timeutil_hhmm(x->end, e);
            printf("  %-20s %-20s %s–%s\n", x->person, model_role_label(x->role), s, e);
        }
        if (!any_now)
            printf("%s\n", _("nobody is on duty now"));
        if (oc.priority) {
            char s[8], e[8];
            model_hhmm(oc.window.start_min, s);
            model_hhmm(oc.window.end_min, e);
            printf(_("priority window %s–%s\n"), s, e);
        }
    }
    app_oncall_fini(&oc);
    app_free(&a);
    return 0;
}

/* ---- assign ------------------------------------------------------------------ */

static int cli_assign(const struct cli_global *g, int argc, char **argv)
{
    static const char *const names[] = {"--list", "--language=", "--json", NULL};
    struct cli_roster_opts o;
    struct app *a;
    char *err = NULL, id[ULID_LEN + 1];
    int rc;

    if ((rc = cli_roster_parse(argc, argv, 1, names, &o)) != 0)
        return rc;
    if (!(o.npos == 2 || (o.npos == 1 && o.set[0])))
        return cli_usage_error(_("usage: vigia assign REPORT VERIFIER, or assign REPORT --list"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (o.npos == 1) {
        struct app_rank r;
        if (app_rank(a, o.pos[0], o.vals[1], timeutil_now_ms(), &r, &err) != 0) {
            app_free(&a);
            return cli_fail(err);
        }
        for (size_t i = 0; i < r.n; i++) {
            if (o.set[2]) {
                json_t *j = json_object();
                char *d;
                json_object_set_new(j, "rank", json_integer((json_int_t)(i + 1)));
                json_object_set_new(j, "verifier_id", json_string(r.rows[i].v.id));
                json_object_set_new(j, "name", json_string(r.rows[i].v.name));
                json_object_set_new(j, "on_shift", json_boolean(r.rows[i].on_shift));
                json_object_set_new(j, "open_assignments", json_integer(r.rows[i].open));
                json_object_set_new(j, "reason", json_string(r.reasons[i]));
                d = json_dumps(j, JSON_COMPACT);
                printf("%s\n", d);
                free(d);
                json_decref(j);
            } else {
                printf("%2zu. ", i + 1);
                cli_print_text(r.rows[i].v.name);
                printf("  (");
                cli_print_text(r.reasons[i]);
                printf(")\n");
            }
        }
        if (r.n == 0 && !o.set[2])
            printf("%s\n", _("no field verifiers on the roster"));
        app_rank_fini(&r);
        app_free(&a);
        return 0;
    }
    if (app_assign(a, o.pos[0], o.pos[1], id, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    if (o.set[2]) {
        struct model_assignment as;
        if (app_assignment_get(a, id, &as, &err) == 0) {
            char *j = app_assignment_json(a, &as, timeutil_now_ms());
            printf("%s\n", j);
            free(j);
        }
        model_assignment_fini(&as);
    } else {
        struct model_assignment as;
        printf("%s\n", id);
        if (app_assignment_get(a, id, &as, NULL) == 0 && as.message != NULL) {
            char *ms = app_assignment_message_status(a, &as, false);
            /* TRANSLATORS: %s says where the message is ("queued for sms"...). */
            printf(_("message for the verifier (%s):\n"), ms);
            cli_print_lines(as.message);
            free(ms);
        }
        model_assignment_fini(&as);
    }
    app_free(&a);
    return 0;
}

/* ---- assignment ------------------------------------------------------------- */

static void cli_assignment_print(struct app *a, const struct model_assignment *as, int64_t now)
{
    enum model_overdue o = model_assignment_overdue(as, app_roster_policy(a), now, NULL);
    struct model_verifier v;
    char age[8];

    timeutil_age(now - as->at[as->state], age);
    printf("%s  %s  ", as->id, as->report_id);
    if (app_verifier_find(a, as->verifier_id, &v, NULL) == 0)
        cli_print_text(v.name);
    else
        fputs(as->verifier_id, stdout);
    model_verifier_fini(&v);
    printf("  %s %s%s", model_assign_state_label(as->state), age,
           o == MODEL_OVERDUE_ACK       ? _("  OVERDUE: not acknowledged")
           : o == MODEL_OVERDUE_CHECKIN ? _("  MISSED CHECK-IN: call them")
                                        : "");
    if (as->message_state != NULL) {
        char *ms = app_assignment_message_status(a, as, true);
        /* TRANSLATORS: where the verifier's message is: "sent by sms", "not sent: no contact". */
        printf(_("  (message: %s)"), ms);
        free(ms);
    }
    putchar('\n');
}

/* `vigia assignment resend ID [--again] [--json]` (src/app/app-resend.c). */
static int cli_assignment_resend(struct app *a, const char *id, bool again, bool json)
{
    struct model_assignment as;
    char *err = NULL, *status = NULL;
    int rc = app_assignment_resend(a, id, again, &status, &err);

    if (rc == APP_RESEND_ASK_AGAIN) {
        /* TRANSLATORS: after a refusal to send a second copy. */
        char *msg = xasprintf(_("%s (--again sends it anyway)"), err);
        free(err);
        return cli_fail(msg);
    }
    if (rc != 0)
        return cli_fail(err);
    if (app_assignment_get(a, id, &as, NULL) == 0) {
        if (json) {
            char *j = app_assignment_json(a, &as, timeutil_now_ms());
            printf("%s\n", j);
            free(j);
        } else {
            /* TRANSLATORS: %s says where the message is ("queued for sms"). */
            printf(_("message for the verifier sent again (%s):\n"), status ? status : "");
            cli_print_lines(as.message);
        }
    }
    model_assignment_fini(&as);
    free(status);
    return 0;
}

static int cli_assignment(const struct cli_global *g, int argc, char **argv)
{
    static const char *const names[] = {"--note=", "--json", "--report=", "--all", "--again", NULL};
    struct cli_roster_opts o;
    struct app *a;
    char *err = NULL;
    int64_t now = timeutil_now_ms();
    int rc;

    if (argc < 2)
        return cli_usage_error(
            _("usage: vigia assignment set ID STATE [--note TEXT] | checkin ID | "
              "observe ID ITEM yes|no | list | show ID | resend ID [--again]"));
    if ((rc = cli_roster_parse(argc, argv, 2, names, &o)) != 0)
        return rc;
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (strcmp(argv[1], "set") == 0 && o.npos == 2) {
        int st = model_assign_state_parse(o.pos[1]);
        if (st < 0)
            rc = cli_usage_error(_("unknown state '%s' (acknowledged, en_route, on_scene, "
                                   "reported_back, released, declined)"),
                                 o.pos[1]);
        else if (app_assignment_set(a, o.pos[0], (enum model_assign_state)st, o.vals[0], &err) != 0)
            rc = cli_fail(err);
        else
            rc = 0;
    } else if (strcmp(argv[1], "resend") == 0 && o.npos == 1) {
        rc = cli_assignment_resend(a, o.pos[0], o.set[4], o.set[1]);
    } else if (strcmp(argv[1], "checkin") == 0 && o.npos == 1) {
        rc = app_assignment_checkin(a, o.pos[0], o.vals[0], &err) == 0 ? 0 : cli_fail(err);
    } else if (strcmp(argv[1], "observe") == 0 && o.npos == 3) {
        enum model_tri t;
        if (!model_tri_parse(o.pos[2], &t))
            rc = cli_usage_error(_("'%s' is not yes, no or unknown"), o.pos[2]);
        else
            rc = app_assignment_observe(a, o.pos[0], o.pos[1], t, o.vals[0], &err) == 0
                     ? 0
                     : cli_fail(err);
    } else if (strcmp(argv[1], "show") == 0 && o.npos == 1) {
        struct model_assignment as;
        if (app_assignment_get(a, o.pos[0], &as, &err) != 0) {
            rc = cli_fail(err);
        } else {
            char *j = app_assignment_json(a, &as, now);
            if (o.set[1]) {
                printf("%s\n", j);
            } else {
                cli_assignment_print(a, &as, now);
                if (as.message) {
                    char *ms = app_assignment_message_status(a, &as, false);
                    printf(_("message for the verifier (%s):\n"), ms);
                    cli_print_lines(as.message);
                    free(ms);
                }
            }
            free(j);
            rc = 0;
        }
        model_assignment_fini(&as);
    } else if (strcmp(argv[1], "list") == 0 && o.npos == 0) {
        struct model_assignment *rows = NULL;
        size_t n = 0;
        if (app_assignments(a, o.vals[2], !o.set[3], &rows, &n, &err) != 0) {
            rc = cli_fail(err);
        } else {
            for (size_t i = 0; i < n; i++) {
                if (o.set[1]) {
                    char *j = app_assignment_json(a, &rows[i], now);
                    printf("%s\n", j);
                    free(j);
                } else {
                    cli_assignment_print(a, &rows[i], now);
                }
            }
            app_assignments_free(rows, n);
            rc = 0;
        }
    } else {
        rc = cli_usage_error(_("usage: vigia assignment set ID STATE [--note TEXT] | checkin ID | "
                               "observe ID ITEM yes|no | list | show ID | resend ID [--again]"));
    }
    app_free(&a);
    return rc;
}

/* ---- handoff ---------------------------------------------------------------- */

static int cli_handoff(const struct cli_global *g, int argc, char **argv)
{
    static const char *const names[] = {"--md", NULL};
    struct cli_roster_opts o;
    struct app *a;
    char *err = NULL, *text;
    int rc;

    if ((rc = cli_roster_parse(argc, argv, 1, names, &o)) != 0)
        return rc;
    if (o.npos > 0)
        return cli_usage_error(_("usage: vigia handoff [--md]"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if ((text = app_handoff(a, timeutil_now_ms(), o.set[0], &err)) == NULL) {
        app_free(&a);
        return cli_fail(err);
    }
    fputs(text, stdout);
    free(text);
    app_free(&a);
    return 0;
}

int cli_roster(const struct cli_global *g, int argc, char **argv)
{
    if (strcmp(argv[0], "verifier") == 0 || strcmp(argv[0], "verifiers") == 0)
        return cli_verifier(g, argc, argv);
    if (strcmp(argv[0], "shifts") == 0)
        return cli_shifts(g, argc, argv);
    if (strcmp(argv[0], "oncall") == 0)
        return cli_oncall(g, argc, argv);
    if (strcmp(argv[0], "assign") == 0)
        return cli_assign(g, argc, argv);
    if (strcmp(argv[0], "assignment") == 0)
        return cli_assignment(g, argc, argv);
    return cli_handoff(g, argc, argv);
}
