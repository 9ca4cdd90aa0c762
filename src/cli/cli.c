/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Command-line parsing. Global options (--db, --config, --as, --lang) may
 * stand anywhere; the first other word picks the subcommand from cli_table.
 * With no subcommand, the console opens. Errors are one line on stderr and a
 * non-zero exit status: 1 for a failure, 2 for a usage mistake.
 */
#include "config.h"

#include "cli.h"

#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/app.h"
#include "vigia/tui.h"

int cli_fail(char *msg)
{
    fprintf(stderr, "vigia: %s\n", msg ? msg : _("unknown error"));
    free(msg);
    return 1;
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("vigia: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    fprintf(stderr, "%s\n", _("Try 'vigia --help'."));
    return 2;
}

const char *cli_flag(int argc, char **argv, int *i, const char *flag, bool *missing)
{
    size_t n = strlen(flag);

    if (strncmp(argv[*i], flag, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* Point gettext at the build's translations when running uninstalled. */
static void cli_i18n_init(const char *lang)
{
    const char *dir = LOCALEDIR;
    char *probe = xasprintf("%s/es/LC_MESSAGES/%s.mo", BUILD_LOCALEDIR, GETTEXT_PACKAGE);
    const char *cur;

    if (access(probe, R_OK) == 0)
        dir = BUILD_LOCALEDIR;
    free(probe);
    if (getenv("VIGIA_LOCALEDIR") != NULL)
        dir = getenv("VIGIA_LOCALEDIR");
    if (setlocale(LC_ALL, "") == NULL)
        setlocale(LC_ALL, "C.UTF-8");
    if (lang != NULL && *lang != '\0') {
        setenv("LANGUAGE", lang, 1);
        /* gettext ignores LANGUAGE in the plain C locale. */
        cur = setlocale(LC_MESSAGES, NULL);
        if (cur == NULL || strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0)
            setlocale(LC_ALL, "C.UTF-8");
    }
    /* The console needs a UTF-8 locale for wide characters. */
    cur = setlocale(LC_CTYPE, NULL);
    if (cur == NULL || strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0)
        setlocale(LC_CTYPE, "C.UTF-8");
    bindtextdomain(GETTEXT_PACKAGE, dir);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
}

static void cli_help(void)
{
    printf("%s",
           _("Usage: vigia [OPTION]... [COMMAND [ARG]...]\n"
             "The dispatch console for community rapid-response hotlines.\n"
             "\n"
             "With no command, opens the console.\n"
             "\n"
             "Commands:\n"
             "  demo                      open the console on a fresh demo database\n"
             "  report add --location TEXT --what TEXT [--area A] [--source S]\n"
             "             [--category C] [--agents N] [--vehicles TEXT]\n"
             "             [--agency TEXT] [--observed WHEN] [--first-hand yes|no]\n"
             "             [--contact PHONE] [--json]\n"
             "                            take a report; prints its id\n"
             "  report list [--status S] [--limit N] [--all] [--search TEXT] [--json]\n"
             "  report show ID [--json]\n"
             "  report import FILE        JSON Lines, all or nothing\n"
             "  sms count TEXT [--json]   SMS encoding (GSM-7 or UCS-2) and segments\n"
             "  subscriber add CONTACT [--channel C] [--language L] [--area A,B]\n"
             "  subscriber import FILE.csv  columns contact,channel,language,areas\n"
             "  subscriber optout ID|PHONE | reply --from CONTACT TEXT\n"
             "  subscriber list [--all] [--show-contacts] [--json]  contacts masked unless asked\n"
             "  broadcast draft --report ID --template NAME [--language L,L] [--area A,B]\n"
             "            [--all-areas] [--channel C,C] [--urgent] [--follow-up ID] [--json]\n"
             "  broadcast preview|status ID [--json]\n"
             "  broadcast edit ID --language L (--text TEXT | --use-gsm7)\n"
             "  broadcast override ID --reason TEXT | approve ID | cancel ID\n"
             "  outbox run [--until-empty] [--quiet] | resend-uncertain [BROADCAST]\n"
             "  network create --relay URL | join INVITE | invite | rotate [--remove DEV]\n"
             "                            join dispatchers' databases through a relay\n"
             "  sync [--once]             exchange with the relay (headless)\n"
             "  thread [post TEXT]        the dispatchers' thread (listing marks it read)\n"
             "  practice FILE [--speed N] [--headless --answers FILE] [--debrief OUT]\n"
             "                            a drill on a sandbox database, only the file sink\n"
             "  practice FILE --relay URL --lead [--trainees N] | --join CODE\n"
             "                            trainees together; only the leader plays the calls\n"
             "  practice export INCIDENT [--out FILE]  a closed incident as a scenario\n"
             "  passphrase set|change|status [--new-file FILE]\n"
             "                            seal personal data under a passphrase\n"
             "  unlock | lock             keep the key in the kernel keyring, or drop it\n"
             "  purge                     apply the retention windows now\n"
             "  export [--format json|csv] [--with-personal-data] [--output FILE]\n"
             "                            reports without personal data by default\n"
             "  wipe [--yes]              destroy the database, keys and sync state\n"
             "  check ID ITEM yes|no|unknown [--note TEXT]\n"
             "                            answer a checklist item\n"
             "  status ID STATE [--note TEXT]\n"
             "                            move a report (confirming needs a reason)\n"
             "  link ID ID                make two reports one incident\n"
             "  nearby ID [--json]        open reports that may be the same event\n"
             "  search TEXT [--since WHEN] [--until WHEN] [--json]\n"
             "                            past reports with their verdicts\n"
             "  events [--report ID] [--by NAME] [--since WHEN] [--json]\n"
             "                            the audit timeline\n"
             "  resource add --name N --service S --contact C [--language L]\n"
             "             [--area A] [--hours H] [--notes T] [--checked WHEN] [--json]\n"
             "  resource import FILE      referral directory, YAML or CSV, all or nothing\n"
             "  resource search [TEXT] [--need S] [--language L] [--area A] [--json]\n"
             "  resource show|remove ID|NAME [--json]\n"
             "  resource remove --sample  remove the sample directory's entries\n"
             "  resource followups [--json]  follow-up reminders now due\n"
             "  resource followup-done ID [--note TEXT]\n"
             "  refer REPORT RESOURCE [--note TEXT] [--remind 2h]\n"
             "                            record the organisation given to a caller\n"
             "  followup add REPORT --name N [--relation R] [--phone P] [--a-number A]\n"
             "             [--held-at TEXT] [--note TEXT] [--json]\n"
             "                            a detained person or relative, sealed\n"
             "  followup list REPORT [--show-personal] [--json]  masked unless asked\n"
             "  followup remove ID        clear a person's details\n"
             "  checklist [CATEGORY]      the checklists in use; fails if a file is broken\n"
             "  verifier add --name N [--contact PHONE|@HANDLE] [--languages L]\n"
             "             [--areas A] [--roles R] [--notes T] [--json]\n"
             "  verifier list [--json] | verifier import FILE (YAML or CSV)\n"
             "  shifts import FILE | shifts export [--ics] [--output FILE]\n"
             "                            the weekly schedule (YAML), or iCalendar\n"
             "  oncall [--at WHEN] [--json]  who is on duty now and next\n"
             "  assign REPORT VERIFIER | assign REPORT --list [--language L]\n"
             "                            send a verifier, or rank them for a report\n"
             "  assignment set ID STATE [--note TEXT] | checkin ID | list [--all]\n"
             "  assignment observe ID ITEM yes|no [--note TEXT]\n"
             "                            the verifier's answer to a checklist item\n"
             "  assignment resend ID [--again] [--json]\n"
             "                            send the verifier's message again\n"
             "  handoff [--md]            the shift handoff brief\n"
             "\n"
             "Options:\n"
             "  --db PATH        database (default $XDG_DATA_HOME/vigia/vigia.db; or VIGIA_DB)\n"
             "  --config PATH    config file (default $XDG_CONFIG_HOME/vigia/config.yaml)\n"
             "  --as NAME        who is at the keyboard (recorded with every change)\n"
             "  --lang LANG      language of messages and the console (en, es)\n"
             "  --help           show this help\n"
             "  --version        show the version\n"
             "\n"
             "WHEN is a time such as \"15 min ago\", \"10:42\" or 2026-11-22T10:42:00Z.\n"
             "Exit status: 0 on success, 1 on failure, 2 on a usage mistake.\n"));
}

struct app *cli_open(const struct cli_global *g, bool console)
{
    struct app_options o = {
        .db_path = g->db,
        .config_path = g->config,
        .actor = g->as,
        .small_cache = console,
    };
    struct app *a;
    char *err = NULL;

    if (app_open(&o, &a, &err) != 0) {
        cli_fail(err);
        return NULL;
    }
    /* A language from the config applies unless --lang said otherwise. */
    if (g->lang == NULL && app_config(a)->language != NULL && getenv("LANGUAGE") == NULL) {
        setenv("LANGUAGE", app_config(a)->language, 1);
        textdomain(textdomain(NULL));
    }
    return a;
}

static int cli_console(const struct cli_global *g, const char *title)
{
    struct tui_options to = {.title = title};
    struct app *a;
    int rc;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "vigia: %s\n", _("the console needs a terminal; see 'vigia --help'"));
        return 1;
    }
    if ((a = cli_open(g, true)) == NULL)
        return 1;
    cli_privacy_console_start(a); /* the passphrase (cli-privacy.c) */
    rc = tui_run(a, &to);
    app_free(&a);
    return rc;
}

static int cli_demo(const struct cli_global *g, int argc, char **argv)
{
    struct cli_global dg = *g;
    char *err = NULL, *path = NULL;
    int rc;

    if (argc > 1)
        return cli_usage_error(_("demo takes no arguments"));
    if (g->db == NULL) {
        char *dir = util_data_dir();
        util_mkdirs(dir);
        path = xasprintf("%s/demo.db", dir);
        free(dir);
        dg.db = path;
    }
    if (app_demo_build(dg.db, &err) != 0) {
        free(path);
        return cli_fail(err);
    }
    if (dg.as == NULL)
        dg.as = NULL; /* the console asks, or takes the configured name */
    rc = cli_console(&dg, _("demo"));
    free(path);
    return rc;
}

/* Take a global option at argv[*i]; returns 1 if taken, 0 if not, -1 on error. */
static int cli_global_opt(struct cli_global *g, int argc, char **argv, int *i)
{
    static const struct {
        const char *name;
        size_t off;
    } opts[] = {
        {"--db", offsetof(struct cli_global, db)},
        {"--config", offsetof(struct cli_global, config)},
        {"--as", offsetof(struct cli_global, as)},
        {"--lang", offsetof(struct cli_global, lang)},
    };
    const char *arg = argv[*i];

    for (size_t k = 0; k < UTIL_ARRAY_LEN(opts); k++) {
        size_t n = strlen(opts[k].name);
        const char **slot = (const char **)((char *)g + opts[k].off);
        if (strncmp(arg, opts[k].name, n) != 0)
            continue;
        if (arg[n] == '=') {
            *slot = arg + n + 1;
            return 1;
        }
        if (arg[n] != '\0')
            continue;
        if (*i + 1 >= argc) {
            cli_usage_error(_("option %s needs a value"), opts[k].name);
            return -1;
        }
        *slot = argv[++*i];
        return 1;
    }
    return 0;
}

int cli_main(int argc, char **argv)
{
    struct cli_global g = {0};
    char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0, rc;
    const char *lang = NULL;

    /* --lang must take effect before any message is printed. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            lang = argv[i + 1];
        else if (strncmp(argv[i], "--lang=", 7) == 0)
            lang = argv[i] + 7;
    }
    cli_i18n_init(lang);
    for (int i = 1; i < argc; i++) {
        int t = cli_global_opt(&g, argc, argv, &i);
        if (t < 0) {
            rc = 2;
            goto out;
        }
        if (t == 0)
            rest[nrest++] = argv[i];
    }
    if (nrest > 0 && strcmp(rest[0], "--help") == 0) {
        cli_help();
        rc = 0;
    } else if (nrest > 0 && strcmp(rest[0], "--version") == 0) {
        printf("vigia %s\n", PACKAGE_VERSION);
        rc = 0;
    } else if (nrest == 0) {
        rc = cli_console(&g, NULL);
    } else if (strcmp(rest[0], "demo") == 0) {
        rc = cli_demo(&g, nrest, rest);
    } else if (strcmp(rest[0], "report") == 0) {
        rc = cli_report(&g, nrest, rest);
    } else if (strcmp(rest[0], "check") == 0 || strcmp(rest[0], "status") == 0 ||
               strcmp(rest[0], "link") == 0 || strcmp(rest[0], "nearby") == 0 ||
               strcmp(rest[0], "search") == 0 || strcmp(rest[0], "events") == 0 ||
               strcmp(rest[0], "checklist") == 0) {
        rc = cli_verify(&g, nrest, rest);
    } else if (strcmp(rest[0], "passphrase") == 0 || strcmp(rest[0], "unlock") == 0 ||
               strcmp(rest[0], "lock") == 0 || strcmp(rest[0], "purge") == 0 ||
               strcmp(rest[0], "wipe") == 0 || strcmp(rest[0], "export") == 0) {
        rc = cli_privacy(&g, nrest, rest);
    } else if (strcmp(rest[0], "sms") == 0) {
        rc = cli_sms(&g, nrest, rest);
    } else if (strcmp(rest[0], "subscriber") == 0 || strcmp(rest[0], "broadcast") == 0 ||
               strcmp(rest[0], "outbox") == 0) {
        rc = cli_send(&g, nrest, rest);
    } else if (strcmp(rest[0], "verifier") == 0 || strcmp(rest[0], "verifiers") == 0 ||
               strcmp(rest[0], "shifts") == 0 || strcmp(rest[0], "oncall") == 0 ||
               strcmp(rest[0], "assign") == 0 || strcmp(rest[0], "assignment") == 0 ||
               strcmp(rest[0], "handoff") == 0) {
        rc = cli_roster(&g, nrest, rest);
    } else if (strcmp(rest[0], "network") == 0) {
        rc = cli_network(&g, nrest, rest);
    } else if (strcmp(rest[0], "sync") == 0) {
        rc = cli_sync(&g, nrest, rest);
    } else if (strcmp(rest[0], "thread") == 0) {
        rc = cli_thread(&g, nrest, rest);
    } else if (strcmp(rest[0], "practice") == 0) {
        rc = cli_practice(&g, nrest, rest);
    } else if (strcmp(rest[0], "followup") == 0) {
        rc = cli_followup(&g, nrest, rest);
    } else if (strcmp(rest[0], "resource") == 0 || strcmp(rest[0], "refer") == 0) {
        rc = cli_resource(&g, nrest, rest);
    } else if (rest[0][0] == '-') {
        rc = cli_usage_error(_("unknown option %s"), rest[0]);
    } else {
        rc = cli_usage_error(_("unknown command '%s'"), rest[0]);
    }
out:
    free(rest);
    text_cleanup();
    return rc;
}
