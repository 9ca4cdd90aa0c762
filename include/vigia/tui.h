/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tui: the full-screen console (ncursesw). The only layer that includes
 * <curses.h>. It calls app functions and never SQL, curl or YAML.
 */
#ifndef VIGIA_TUI_H
#define VIGIA_TUI_H

#include <stdbool.h>

#include "vigia/app.h"

struct tui_options {
    const char *title; /* shown in the status bar, e.g. "demo" (may be NULL) */
    /*
     * A practice run (may be NULL): a PRACTICE banner on every screen, the
     * scenario's timeline played inside the poll loop, F9 pauses, F10
     * injects the next call, and the debrief is shown at the end or on quit.
     */
    struct app_practice *practice;
};

/**
 * Run the console on @a until the dispatcher quits or SIGTERM/SIGINT/SIGHUP.
 * If nobody is known to be at the keyboard yet, asks for a name first and
 * remembers it. Restores the terminal on every exit path. Returns the process
 * exit status (0 on a normal quit).
 */
int tui_run(struct app *a, const struct tui_options *o);

#endif
