/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The console's theme: one attribute per role, so screens ask for "the
 * selected row" or "an error" and never pick colours themselves. With
 * NO_COLOR set (to anything, https://no-color.org) or on a terminal without
 * colours, roles map to A_REVERSE, A_BOLD and A_UNDERLINE only, which every
 * terminal and every SSH client on a phone renders.
 */
#include "config.h"

#include <stdlib.h>

#include <curses.h>

#include "private.h"

static attr_t tui_theme_attrs[TUI_ROLE_COUNT];

/* Monochrome: what must stand out uses reverse or bold, fields are underlined. */
static const attr_t tui_theme_mono[TUI_ROLE_COUNT] = {
    [TUI_ROLE_NORMAL] = A_NORMAL,
    [TUI_ROLE_HEADER] = A_BOLD | A_UNDERLINE,
    [TUI_ROLE_SELECTED] = A_REVERSE,
    [TUI_ROLE_NEW] = A_BOLD,
    [TUI_ROLE_STALE] = A_BOLD,
    [TUI_ROLE_STATUSBAR] = A_REVERSE,
    [TUI_ROLE_TITLE] = A_REVERSE | A_BOLD,
    [TUI_ROLE_LABEL] = A_BOLD,
    [TUI_ROLE_FIELD] = A_UNDERLINE,
    [TUI_ROLE_FOCUS] = A_UNDERLINE | A_BOLD,
    [TUI_ROLE_HINT] = A_NORMAL,
    [TUI_ROLE_ERROR] = A_BOLD,
    [TUI_ROLE_MESSAGE] = A_REVERSE | A_BOLD,
    [TUI_ROLE_BORDER] = A_NORMAL,
    [TUI_ROLE_BAR_ERROR] = A_REVERSE | A_BOLD,
};

enum {
    TUI_PAIR_HEADER = 1,
    TUI_PAIR_NEW,
    TUI_PAIR_STALE,
    TUI_PAIR_STATUSBAR,
    TUI_PAIR_TITLE,
    TUI_PAIR_LABEL,
    TUI_PAIR_ERROR,
    TUI_PAIR_BORDER,
    TUI_PAIR_BAR_ERROR,
};

void tui_theme_init(void)
{
    const char *nc = getenv("NO_COLOR");

    for (int i = 0; i < TUI_ROLE_COUNT; i++)
        tui_theme_attrs[i] = tui_theme_mono[i];
    if ((nc != NULL && *nc != '\0') || !has_colors() || start_color() == ERR || COLORS < 8)
        return;
    use_default_colors();
    init_pair(TUI_PAIR_HEADER, COLOR_CYAN, -1);
    init_pair(TUI_PAIR_NEW, COLOR_YELLOW, -1);
    init_pair(TUI_PAIR_STALE, COLOR_RED, -1);
    init_pair(TUI_PAIR_STATUSBAR, COLOR_WHITE, COLOR_BLUE);
    init_pair(TUI_PAIR_TITLE, COLOR_YELLOW, COLOR_BLUE);
    init_pair(TUI_PAIR_LABEL, COLOR_CYAN, -1);
    init_pair(TUI_PAIR_ERROR, COLOR_RED, -1);
    init_pair(TUI_PAIR_BORDER, COLOR_BLUE, -1);
    init_pair(TUI_PAIR_BAR_ERROR, COLOR_WHITE, COLOR_RED);
    tui_theme_attrs[TUI_ROLE_HEADER] = COLOR_PAIR(TUI_PAIR_HEADER) | A_BOLD;
    tui_theme_attrs[TUI_ROLE_NEW] = COLOR_PAIR(TUI_PAIR_NEW) | A_BOLD;
    tui_theme_attrs[TUI_ROLE_STALE] = COLOR_PAIR(TUI_PAIR_STALE) | A_BOLD;
    tui_theme_attrs[TUI_ROLE_STATUSBAR] = COLOR_PAIR(TUI_PAIR_STATUSBAR);
    tui_theme_attrs[TUI_ROLE_TITLE] = COLOR_PAIR(TUI_PAIR_TITLE) | A_BOLD;
    tui_theme_attrs[TUI_ROLE_LABEL] = COLOR_PAIR(TUI_PAIR_LABEL);
    tui_theme_attrs[TUI_ROLE_HINT] = A_DIM;
    tui_theme_attrs[TUI_ROLE_ERROR] = COLOR_PAIR(TUI_PAIR_ERROR) | A_BOLD;
    tui_theme_attrs[TUI_ROLE_MESSAGE] = COLOR_PAIR(TUI_PAIR_STATUSBAR) | A_BOLD;
    tui_theme_attrs[TUI_ROLE_BORDER] = COLOR_PAIR(TUI_PAIR_BORDER);
    tui_theme_attrs[TUI_ROLE_BAR_ERROR] = COLOR_PAIR(TUI_PAIR_BAR_ERROR) | A_BOLD;
}

attr_t tui_theme_attr(enum tui_role r)
{
    return (unsigned)r < TUI_ROLE_COUNT ? tui_theme_attrs[r] : A_NORMAL;
}
