/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `vigia passphrase set|change|status`, `unlock`, `lock`, `purge`, `wipe` and
 * `export`. Passphrases are read from the terminal with echo off, or from the
 * file named by VIGIA_PASSPHRASE_FILE (automation and tests; mode 600), never
 * from the command line where `ps` would show them.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/app.h"

#include "cli.h"

static bool cli_privacy_flag(const char *arg, const char *flag)
{
    size_t n = strlen(flag);

    return strncmp(arg, flag, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* The value of "--x v" or "--x=v" at argv[*i]; NULL if missing. */
static const char *cli_privacy_value(int argc, char **argv, int *i, const char *flag)
{
    size_t n = strlen(flag);

    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

/* The terminal's settings while a passphrase is typed, to restore on a signal. */
static volatile sig_atomic_t cli_ask_fd = -1;
static struct termios cli_ask_saved;

/* Ctrl-C during the prompt: give the terminal its echo back, then die of the signal. */
static void cli_ask_signal(int sig)
{
    if (cli_ask_fd >= 0)
        tcsetattr(cli_ask_fd, TCSAFLUSH, &cli_ask_saved);
    signal(sig, SIG_DFL);
    raise(sig);
}

/*
 * Ask for a passphrase on the terminal without echo. Returns a newly
 * allocated string (free with app_passphrase_free) or NULL with *err.
 */
static char *cli_ask(const char *prompt, char **err)
{
    FILE *tty = fopen("/dev/tty", "r+");
    struct termios old, quiet;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bool restore = false;

    if (tty == NULL) {
        util_seterr(err, "%s",
                    _("cannot ask for the passphrase: no terminal (set VIGIA_PASSPHRASE_FILE)"));
        return NULL;
    }
    fprintf(tty, "%s", prompt);
    fflush(tty);
    if (tcgetattr(fileno(tty), &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        cli_ask_saved = old;
        cli_ask_fd = fileno(tty);
        signal(SIGINT, cli_ask_signal);
        signal(SIGTERM, cli_ask_signal);
        signal(SIGHUP, cli_ask_signal);
        restore = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
    }
    n = getline(&line, &cap, tty);
    if (restore)
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
    if (cli_ask_fd >= 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        cli_ask_fd = -1;
    }
    fclose(tty);
    if (n < 0) {
        free(line);
        util_seterr(err, "%s", _("no passphrase was entered"));
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

/* The current passphrase: VIGIA_PASSPHRASE_FILE, else asked. */
static char *cli_passphrase(const char *prompt, char **err)
{
    return cli_privacy_passphrase(prompt, err);
}

char *cli_privacy_passphrase(const char *prompt, char **err)
{
    const char *file = getenv("VIGIA_PASSPHRASE_FILE");

    if (file != NULL && *file != '\0')
        return app_passphrase_read_file(file, err);
    return cli_ask(prompt, err);
}

/* A new passphrase: from @file, else asked twice. */
static char *cli_new_passphrase(const char *file, char **err)
{
    char *a, *b;

    if (file != NULL)
        return app_passphrase_read_file(file, err);
    if ((a = cli_ask(_("New passphrase: "), err)) == NULL)
        return NULL;
    if (app_passphrase_check(a, err) != 0) {
        app_passphrase_free(&a);
        return NULL;
    }
    if ((b = cli_ask(_("Repeat it: "), err)) == NULL) {
        app_passphrase_free(&a);
        return NULL;
    }
    if (strcmp(a, b) != 0) {
        util_seterr(err, "%s", _("the two passphrases differ"));
        app_passphrase_free(&a);
    }
    app_passphrase_free(&b);
    return a;
}

static const char *cli_vault_label(enum app_vault v)
{
    switch (v) {
    case APP_VAULT_NONE:
        return _("no passphrase set: personal data is stored in the clear");
    case APP_VAULT_LOCKED:
        return _("locked: personal data is sealed and hidden");
    case APP_VAULT_UNLOCKED:
    default:
        return _("unlocked: personal data is sealed on disk and readable here");
    }
}

static int cli_passphrase_cmd(const struct cli_global *g, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL, *new_file = NULL;
    char *err = NULL, *old = NULL, *pass = NULL;
    struct app *a = NULL;
    double secs = 0;
    size_t migrated = 0;
    int rc = 1;

    if (sub == NULL ||
        (strcmp(sub, "set") != 0 && strcmp(sub, "change") != 0 && strcmp(sub, "status") != 0))
        return cli_usage_error("%s",
                               _("usage: vigia passphrase set|change|status [--new-file FILE]"));
    for (int i = 2; i < argc; i++) {
        if (cli_privacy_flag(argv[i], "--new-file")) {
            if ((new_file = cli_privacy_value(argc, argv, &i, "--new-file")) == NULL)
                return cli_usage_error(_("option %s needs a value"), "--new-file");
        } else {
            return cli_usage_error(_("unknown option %s"), argv[i]);
        }
    }
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (strcmp(sub, "status") == 0) {
        printf("%s\n", cli_vault_label(app_vault_state(a)));
        rc = 0;
        goto out;
    }
    if (strcmp(sub, "set") == 0) {
        if (app_vault_state(a) != APP_VAULT_NONE) {
            util_seterr(&err, "%s",
                        _("a passphrase is already set; use 'vigia passphrase change'"));
            goto fail;
        }
        if (new_file == NULL)
            new_file = getenv("VIGIA_PASSPHRASE_FILE");
        if (new_file != NULL && *new_file == '\0')
            new_file = NULL;
        if ((pass = cli_new_passphrase(new_file, &err)) == NULL)
            goto fail;
        if (app_passphrase_set(a, pass, &migrated, &secs, &err) != 0)
            goto fail;
        printf(_("passphrase set; %zu personal values sealed; key derivation took %.2f s\n"),
               migrated, secs);
    } else {
        if ((old = cli_passphrase(_("Current passphrase: "), &err)) == NULL)
            goto fail;
        if ((pass = cli_new_passphrase(new_file, &err)) == NULL)
            goto fail;
        if (app_passphrase_change(a, old, pass, &secs, &err) != 0)
            goto fail;
        printf(_("passphrase changed; key derivation took %.2f s\n"), secs);
    }
    rc = 0;
    goto out;
fail:
    rc = cli_fail(err);
out:
    app_passphrase_free(&old);
    app_passphrase_free(&pass);
    app_free(&a);
    return rc;
}

static int cli_unlock(const struct cli_global *g, int argc, char **argv)
{
    struct app *a;
    char *err = NULL, *pass = NULL;
    int rc = 1;

    if (argc > 1)
        return cli_usage_error(_("%s takes no arguments"), argv[0]);
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (strcmp(argv[0], "lock") == 0) {
        app_lock(a);
        printf("%s\n", _("locked; the key was removed from the keyring"));
        rc = 0;
        goto out;
    }
    switch (app_vault_state(a)) {
    case APP_VAULT_NONE:
        rc = cli_fail(xstrdup(_("no passphrase is set yet; use 'vigia passphrase set'")));
        goto out;
    case APP_VAULT_UNLOCKED:
        /* Unlocked from the keyring or the file: refresh the keyring's timer. */
        break;
    case APP_VAULT_LOCKED:
        break;
    }
    if ((pass = cli_passphrase(_("Passphrase: "), &err)) == NULL ||
        app_unlock(a, pass, &err) != 0) {
        rc = cli_fail(err);
        goto out;
    }
    if (app_keyring_minutes(a) > 0)
        printf(_("unlocked; the key stays in your kernel keyring for %d minutes\n"),
               app_keyring_minutes(a));
    else
        printf("%s\n", _("unlocked"));
    rc = 0;
out:
    app_passphrase_free(&pass);
    app_free(&a);
    return rc;
}

static int cli_purge(const struct cli_global *g, int argc, char **argv)
{
    struct app_purge_stats st;
    struct app *a;
    char *err = NULL;

    if (argc > 1)
        return cli_usage_error(_("%s takes no arguments"), argv[0]);
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_purge(a, timeutil_now_ms(), &st, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    printf(_("purged %zu caller contacts, %zu detention follow-ups and %zu opted-out "
             "subscribers' numbers past the retention windows\n"),
           st.contacts, st.followups, st.optouts);
    if (st.people > 0)
        printf(NG_("cleared %zu person named in detention follow-ups\n",
                   "cleared %zu people named in detention follow-ups\n", st.people),
               st.people);
    app_free(&a);
    return 0;
}

static int cli_wipe(const struct cli_global *g, int argc, char **argv)
{
    struct timespec t0, t1;
    bool yes = false;
    char *err = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--yes") == 0)
            yes = true;
        else
            return cli_usage_error(_("unknown option %s"), argv[i]);
    }
    if (!yes) {
        char *answer;
        if (!isatty(STDIN_FILENO))
            return cli_usage_error("%s", _("wipe destroys the database: confirm with --yes"));
        /* TRANSLATORS: the word the user types to confirm; keep it short. */
        printf(_("This destroys the database, its keys and sync state for good.\n"
                 "Type %s to go on: "),
               _("wipe"));
        fflush(stdout);
        answer = cli_ask("", &err);
        if (answer == NULL)
            return cli_fail(err);
        yes = strcmp(answer, _("wipe")) == 0 || strcmp(answer, "wipe") == 0;
        app_passphrase_free(&answer);
        if (!yes) {
            fprintf(stderr, "vigia: %s\n", _("not wiped"));
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (app_wipe_path(g->db, &err) != 0)
        return cli_fail(err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf(_("wiped in %.2f s\n"),
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}

static int cli_export(const struct cli_global *g, int argc, char **argv)
{
    enum app_export_format fmt = APP_EXPORT_JSON;
    const char *output = NULL, *v;
    bool personal = false;
    struct app *a;
    FILE *out = stdout;
    char *err = NULL;
    size_t count;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (cli_privacy_flag(argv[i], "--format")) {
            if ((v = cli_privacy_value(argc, argv, &i, "--format")) == NULL)
                return cli_usage_error(_("option %s needs a value"), "--format");
            if (strcmp(v, "json") == 0)
                fmt = APP_EXPORT_JSON;
            else if (strcmp(v, "csv") == 0)
                fmt = APP_EXPORT_CSV;
            else
                return cli_usage_error(_("unknown format '%s' (json or csv)"), v);
        } else if (cli_privacy_flag(argv[i], "--output")) {
            if ((output = cli_privacy_value(argc, argv, &i, "--output")) == NULL)
                return cli_usage_error(_("option %s needs a value"), "--output");
        } else if (strcmp(argv[i], "--with-personal-data") == 0) {
            personal = true;
        } else {
            return cli_usage_error(_("unknown option %s"), argv[i]);
        }
    }
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (personal && app_vault_state(a) == APP_VAULT_LOCKED) {
        char *pass = cli_passphrase(_("Passphrase: "), &err);
        if (pass == NULL || app_unlock(a, pass, &err) != 0) {
            app_passphrase_free(&pass);
            app_free(&a);
            return cli_fail(err);
        }
        app_passphrase_free(&pass);
    }
    if (output != NULL) {
        /* Personal exports are private files: nobody else may read them. */
        mode_t old = umask(personal ? 077 : 022);
        out = fopen(output, "w");
        umask(old);
        if (out == NULL) {
            app_free(&a);
            return cli_fail(xasprintf(_("cannot create %s: %s"), output, strerror(errno)));
        }
        /* An existing file keeps its mode through fopen: tighten it. */
        if (personal && fchmod(fileno(out), 0600) != 0) {
            fclose(out);
            app_free(&a);
            return cli_fail(xasprintf(_("cannot protect %s: %s"), output, strerror(errno)));
        }
    }
    rc = app_export(a, out, fmt, personal, &count, &err);
    if (out != stdout && fclose(out) != 0 && rc == 0)
        rc = -1, err = xasprintf(_("cannot write %s: %s"), output, strerror(errno));
    app_free(&a);
    if (rc != 0)
        return cli_fail(err);
    if (output != NULL)
        fprintf(stderr, _("exported %zu reports to %s\n"), count, output);
    return 0;
}

void cli_privacy_console_start(struct app *a)
{
    char *err = NULL, *pass;

    for (int tries = 0; tries < 3 && app_vault_state(a) == APP_VAULT_LOCKED; tries++) {
        pass = cli_ask(_("Passphrase for personal data (Enter to go on without it): "), &err);
        if (pass == NULL || *pass == '\0') {
            app_passphrase_free(&pass);
            break;
        }
        if (app_unlock(a, pass, &err) != 0) {
            fprintf(stderr, "vigia: %s\n", err);
            FREE(&err);
        }
        app_passphrase_free(&pass);
    }
    FREE(&err);
    /* The retention purge runs after the console's first frame (tui_privacy_tick). */
}

int cli_privacy(const struct cli_global *g, int argc, char **argv)
{
    if (strcmp(argv[0], "passphrase") == 0)
        return cli_passphrase_cmd(g, argc, argv);
    if (strcmp(argv[0], "unlock") == 0 || strcmp(argv[0], "lock") == 0)
        return cli_unlock(g, argc, argv);
    if (strcmp(argv[0], "purge") == 0)
        return cli_purge(g, argc, argv);
    if (strcmp(argv[0], "wipe") == 0)
        return cli_wipe(g, argc, argv);
    return cli_export(g, argc, argv);
}
