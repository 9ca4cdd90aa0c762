/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The command line: global options, subcommand table, shared helpers. */
#ifndef VIGIA_CLI_H
#define VIGIA_CLI_H

#include <stdbool.h>

#include "vigia/app.h"

/** Options every subcommand accepts. */
struct cli_global {
    const char *db;
    const char *config;
    const char *as;
    const char *lang;
};

/** Run vigia with @argc/@argv; returns the exit status. */
int cli_main(int argc, char **argv);

/** Open the workspace for a subcommand, or print the error and return NULL. */
struct app *cli_open(const struct cli_global *g, bool console);
/** Print "vigia: MSG" to stderr, free @msg, return 1. */
int cli_fail(char *msg);
/** Print "vigia: MSG" (formatted) to stderr and return 2 (usage). */
int cli_usage_error(const char *fmt, ...) UTIL_PRINTF(1, 2);
/**
 * The value of option @flag at argv[*i] ("--flag V" or "--flag=V"), moving *i
 * onto the value; NULL when argv[*i] is another option, and NULL with
 * *missing set to true when the value is missing. *missing is never set to
 * false, so one flag over a chain of calls says whether any was missing.
 */
const char *cli_flag(int argc, char **argv, int *i, const char *flag, bool *missing);

/** Subcommands: argv[0] is the subcommand's name. */
int cli_report(const struct cli_global *g, int argc, char **argv);
/** check, status, link, nearby, search, events (cli-verify.c). */
int cli_verify(const struct cli_global *g, int argc, char **argv);
/** Print report @id's incident, checklist and verdict hint for people. */
void cli_verify_print(struct app *a, const char *id);
/** passphrase, unlock, lock, purge, wipe, export (cli-privacy.c). */
int cli_privacy(const struct cli_global *g, int argc, char **argv);
/**
 * Before the console starts: ask for the passphrase when personal data is
 * locked (Enter alone goes on locked), and apply the retention windows.
 */
void cli_privacy_console_start(struct app *a);
/** `vigia sms count` (cli-send.c). */
int cli_sms(const struct cli_global *g, int argc, char **argv);
/** `vigia subscriber|broadcast|outbox ...` (cli-send.c). */
int cli_send(const struct cli_global *g, int argc, char **argv);
/** `vigia network ...` and `vigia sync` (cli-sync.c). */
int cli_network(const struct cli_global *g, int argc, char **argv);
int cli_sync(const struct cli_global *g, int argc, char **argv);
/** `vigia thread [post TEXT]` (cli-sync.c). */
int cli_thread(const struct cli_global *g, int argc, char **argv);
/** `vigia verifier|shifts|oncall|assign|assignment|handoff` (cli-roster.c). */
int cli_roster(const struct cli_global *g, int argc, char **argv);
/**
 * A passphrase from VIGIA_PASSPHRASE_FILE, else asked on the terminal without
 * echo (cli-privacy.c). Free with app_passphrase_free; NULL with *err.
 */
char *cli_privacy_passphrase(const char *prompt, char **err);
/** `vigia resource add|import|search|show|remove` and `vigia refer` (cli-resource.c). */
int cli_resource(const struct cli_global *g, int argc, char **argv);
/** `vigia followup add|list|remove` (cli-followup.c). */
int cli_followup(const struct cli_global *g, int argc, char **argv);
/** `vigia practice FILE ...` (cli-practice.c). */
int cli_practice(const struct cli_global *g, int argc, char **argv);

#endif
