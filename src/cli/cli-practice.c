/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `vigia practice FILE [--speed N] [--sandbox PATH] [--debrief OUT]` runs a
 * scenario in the console on a sandbox database; with --headless it plays a
 * scripted trainee (--answers FILE) at once and prints or writes the
 * debrief. The real database (--db, VIGIA_DB) is never opened: the app
 * refuses a sandbox that is the same file. `vigia practice export INCIDENT`
 * writes a closed real incident as a scenario.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/app.h"
#include "vigia/tui.h"

#include "cli.h"

/* `vigia practice export INCIDENT [--out FILE]`: a closed real incident as a scenario. */
static int cli_practice_export(const struct cli_global *g, int argc, char **argv)
{
    const char *id = NULL, *outp = NULL, *v;
    bool missing = false;
    struct app *a;
    FILE *out = stdout;
    char *err = NULL, *tmp = NULL;
    int rc;

    for (int i = 2; i < argc; i++) {
        if ((v = cli_flag(argc, argv, &i, "--out", &missing)) != NULL)
            outp = v;
        else if (missing)
            return cli_usage_error(_("option %s needs a value"), argv[i]);
        else if (argv[i][0] == '-')
            return cli_usage_error(_("unknown option %s"), argv[i]);
        else if (id == NULL)
            id = argv[i];
        else
            return cli_usage_error(_("practice export takes one incident"));
    }
    if (id == NULL)
        return cli_usage_error(_("usage: vigia practice export INCIDENT [--out FILE.yaml]"));
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (outp != NULL) {
        tmp = xasprintf("%s.tmp", outp);
        if ((out = fopen(tmp, "w")) == NULL) {
            app_free(&a);
            rc = cli_fail(xasprintf(_("cannot write %s: %s"), tmp, strerror(errno)));
            free(tmp);
            return rc;
        }
    }
    rc = app_practice_export(a, id, out, &err);
    if (outp != NULL) {
        if (fclose(out) != 0 || (rc == 0 && rename(tmp, outp) != 0))
            rc = -1;
        if (rc != 0)
            unlink(tmp);
        free(tmp);
    }
    app_free(&a);
    if (rc != 0)
        return err ? cli_fail(err) : cli_fail(xasprintf(_("cannot write %s"), outp));
    return 0;
}

/* Leading a shared run: the join code for the trainees, before anything else. */
static void cli_practice_announce(const char *code, void *data)
{
    const char *relay = data;

    /* TRANSLATORS: printed when a trainer starts a shared practice run. */
    printf(_("practice code: %s\n"), code);
    printf(_("trainees join with: vigia practice FILE --relay %s --join %s\n"), relay, code);
    fflush(stdout);
}

/* A count for --flag: a whole number from 0 to @max; -1 when not. */
static long cli_practice_count(const char *s, long max)
{
    char *end;
    long v = strtol(s, &end, 10);

    return *s != '\0' && *end == '\0' && v >= 0 && v <= max ? v : -1;
}

int cli_practice(const struct cli_global *g, int argc, char **argv)
{
    struct app_practice_options o = {.real_db = g->db, .config_path = g->config, .actor = g->as};
    const char *answers = NULL, *debrief = NULL, *speed = NULL, *trainees = NULL, *wait = NULL, *v;
    bool headless = false, missing = false, lead = false;
    struct app_practice *p = NULL;
    char *err = NULL;
    int rc = 1;

    if (argc >= 2 && strcmp(argv[1], "export") == 0)
        return cli_practice_export(g, argc, argv);
    for (int i = 1; i < argc; i++) {
        if ((v = cli_flag(argc, argv, &i, "--speed", &missing)) != NULL)
            speed = v;
        else if ((v = cli_flag(argc, argv, &i, "--answers", &missing)) != NULL)
            answers = v;
        else if ((v = cli_flag(argc, argv, &i, "--debrief", &missing)) != NULL)
            debrief = v;
        else if ((v = cli_flag(argc, argv, &i, "--sandbox", &missing)) != NULL)
            o.sandbox = v;
        else if ((v = cli_flag(argc, argv, &i, "--relay", &missing)) != NULL)
            o.relay = v;
        else if ((v = cli_flag(argc, argv, &i, "--join", &missing)) != NULL)
            o.join = v;
        else if ((v = cli_flag(argc, argv, &i, "--trainees", &missing)) != NULL)
            trainees = v;
        else if ((v = cli_flag(argc, argv, &i, "--wait", &missing)) != NULL)
            wait = v;
        else if (missing)
            return cli_usage_error(_("option %s needs a value"), argv[i]);
        else if (strcmp(argv[i], "--headless") == 0)
            headless = true;
        else if (strcmp(argv[i], "--lead") == 0)
            lead = true;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage_error(_("unknown option %s"), argv[i]);
        else if (o.scenario == NULL)
            o.scenario = argv[i];
        else
            return cli_usage_error(_("practice takes one scenario file"));
    }
    if (o.scenario == NULL)
        return cli_usage_error(
            _("usage: vigia practice FILE [--speed N] [--sandbox DB] [--debrief OUT.md|OUT.json] "
              "[--headless --answers FILE] [--relay URL --lead|--join CODE]"));
    if (speed != NULL) {
        char *end;
        o.speed = strtod(speed, &end);
        if (*end != '\0' || !(o.speed > 0) || o.speed > 10000)
            return cli_usage_error(_("--speed: '%s' is not a number from 0.1 to 10000"), speed);
    }
    if (answers != NULL && !headless)
        return cli_usage_error(_("--answers needs --headless"));
    if (o.relay == NULL && (lead || o.join != NULL || trainees != NULL || wait != NULL))
        return cli_usage_error(_("--lead, --join, --trainees and --wait need --relay URL"));
    if (o.relay != NULL && lead == (o.join != NULL))
        return cli_usage_error(
            _("--relay needs --lead (the trainer, who plays the calls) or --join CODE (a "
              "trainee)"));
    if (trainees != NULL) {
        long n = cli_practice_count(trainees, 100);
        if (n < 0 || o.join != NULL)
            return cli_usage_error(_("--trainees: a number from 0 to 100, with --lead"));
        o.trainees = (size_t)n;
    }
    if (wait != NULL) {
        long n = cli_practice_count(wait, 3600);
        if (n <= 0)
            return cli_usage_error(_("--wait: seconds from 1 to 3600"));
        o.wait_s = (int)n;
    }
    o.announce = cli_practice_announce;
    o.announce_data = (void *)o.relay;
    if (!headless && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fprintf(stderr, "vigia: %s\n",
                _("the console needs a terminal; use --headless --answers FILE to play a script"));
        return 1;
    }
    if (o.actor == NULL && headless)
        o.actor = "trainee";
    o.headless = headless;
    if (app_practice_open(&o, &p, &err) != 0)
        return cli_fail(err);
    if (headless) {
        if (app_practice_headless(p, answers, &err) != 0) {
            cli_fail(err);
            goto out;
        }
    } else {
        struct tui_options to = {.title = _("practice"), .practice = p};
        rc = tui_run(app_practice_app(p), &to);
        app_practice_finish(p);
        if (rc != 0)
            goto out;
    }
    if (debrief != NULL) {
        if (app_practice_debrief_write(p, debrief, &err) != 0) {
            cli_fail(err);
            goto out;
        }
        if (headless)
            printf(_("debrief written to %s (sandbox %s)\n"), debrief, app_practice_db(p));
    } else if (headless) {
        char *md = app_practice_debrief_markdown(p, &err);
        if (md == NULL) {
            cli_fail(err);
            goto out;
        }
        fputs(md, stdout);
        free(md);
    }
    rc = 0;
out:
    app_practice_free(&p);
    return rc;
}
