/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The console during a practice run (tui_options.practice): the PRACTICE
 * banner at the left of the status bar, which every screen shows; the
 * scenario's timeline played from the poll loop (its timeout includes the
 * next call, see app_practice_timeout); the trainer's keys F9 (pause and
 * resume) and F10 (the next call arrives now); and, at the end of the
 * scenario or when the trainee quits, the debrief on a full screen. In a
 * shared run (--relay) only the leader's console has F9 and F10.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/app.h"

#include "private.h"

static struct app_practice *tui_practice(const struct tui *t)
{
    return t->opt != NULL ? t->opt->practice : NULL;
}

int tui_practice_key(struct tui *t, const struct tui_key *k)
{
    struct app_practice *p = tui_practice(t);

    if (p == NULL)
        return 0;
    if ((tui_key_fn(k, KEY_F(9)) || tui_key_fn(k, KEY_F(10))) && !app_practice_plays(p)) {
        /* A trainee in a shared run: the leader's console has the clock and the calls. */
        tui_set_msg(t, false, "%s", _("the trainer's console plays the calls and keeps the clock"));
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    }
    if (tui_key_fn(k, KEY_F(9))) {
        app_practice_pause(p, tui_practice_real_now());
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    }
    if (tui_key_fn(k, KEY_F(10))) {
        int64_t real = tui_practice_real_now();
        if (app_practice_inject(p, real) == 0) {
            free(t->msg);
            t->msg = xstrdup(_("no call left to inject"));
            t->msg_error = false;
        }
        return TUI_HANDLED | TUI_RECALC | TUI_DIRTY_ALL;
    }
    return 0;
}

int64_t tui_practice_real_now(void)
{
    struct timespec ts;

    /* The process clock is the scenario's (timeutil_set_fixed): read the real one. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tui_practice_tick(struct tui *t)
{
    struct app_practice *p = tui_practice(t);
    static int64_t last_sec = -1;
    int64_t sec;
    int d = 0;

    if (p == NULL)
        return 0;
    if (app_practice_tick(p, tui_practice_real_now()) > 0)
        d |= TUI_RECALC | TUI_DIRTY_ALL;
    sec = timeutil_now_ms() / 1000;
    if (sec != last_sec) {
        last_sec = sec;
        d |= TUI_DIRTY_STATUS;
    }
    if (app_practice_over(p))
        d |= TUI_QUIT;
    return d;
}

int tui_practice_timeout(struct tui *t)
{
    struct app_practice *p = tui_practice(t);

    return p != NULL ? app_practice_timeout(p, tui_practice_real_now()) : -1;
}

int tui_practice_status(struct tui *t, WINDOW *w, int x, int width)
{
    struct app_practice *p = tui_practice(t);
    char *b, *s;
    int n;

    if (p == NULL || width <= 0)
        return 0;
    b = app_practice_banner(p);
    s = xasprintf(" %s ", b);
    n = tui_draw_text(w, 0, x, width, s, tui_theme_attr(TUI_ROLE_BAR_ERROR) | A_BOLD, false);
    free(s);
    free(b);
    return n;
}

/* Wait for a key or a quit signal; returns the key, or -1 to leave. */
static int tui_practice_wait(struct tui *t)
{
    for (;;) {
        struct pollfd fd = {.fd = STDIN_FILENO, .events = POLLIN};
        wint_t ch;
        int rc;
        if (tui_quit_requested())
            return -1;
        if (poll(&fd, 1, 1000) < 0 && errno != EINTR)
            return -1;
        if ((rc = wget_wch(t->w_input, &ch)) == ERR)
            continue;
        if (rc == KEY_CODE_YES && ch == KEY_RESIZE)
            return 0;
        if (rc == KEY_CODE_YES)
            return (int)ch;
        return ch == 'q' || ch == 'Q' || ch == 27 ? -1 : (int)ch;
    }
}

void tui_practice_debrief(struct tui *t)
{
    struct app_practice *p = tui_practice(t);
    char *md, *err = NULL, **lines = NULL, *save = NULL, *tok;
    size_t n = 0, top = 0;

    if (p == NULL)
        return;
    md = app_practice_debrief_markdown(p, &err);
    if (md == NULL) {
        md = err ? err : xstrdup("?");
        err = NULL;
    }
    for (tok = strtok_r(md, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
        lines = xreallocarray(lines, n + 1, sizeof *lines);
        lines[n++] = tok;
    }
    for (;;) {
        int rows = LINES - 2, key;
        werase(stdscr);
        tui_draw_text(
            stdscr, 0, 0, COLS,
            /* TRANSLATORS: the title of the debrief screen at the end of a practice run. */
            _(" PRACTICE DEBRIEF · ↑↓ PgUp PgDn scroll · q closes "),
            tui_theme_attr(TUI_ROLE_BAR_ERROR) | A_BOLD, true);
        for (int r = 0; r < rows && top + (size_t)r < n; r++)
            tui_draw_text(stdscr, r + 1, 0, COLS, lines[top + (size_t)r],
                          lines[top + (size_t)r][0] == '#' ? tui_theme_attr(TUI_ROLE_TITLE)
                                                           : A_NORMAL,
                          false);
        wnoutrefresh(stdscr);
        doupdate();
        if ((key = tui_practice_wait(t)) < 0)
            break;
        if (key == KEY_DOWN || key == 'j')
            top = top + 1 < n ? top + 1 : top;
        else if (key == KEY_UP || key == 'k')
            top = top > 0 ? top - 1 : 0;
        else if (key == KEY_NPAGE || key == ' ')
            top = top + (size_t)rows < n ? top + (size_t)rows : top;
        else if (key == KEY_PPAGE)
            top = top > (size_t)rows ? top - (size_t)rows : 0;
    }
    free(lines);
    free(md);
}
