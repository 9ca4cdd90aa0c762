/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Drawing helpers every screen uses. All text reaching the terminal passes
 * through here: stored text is made printable (no escape sequences from the
 * database ever reach the terminal) and cut by display width at a grapheme
 * boundary, never in the middle of a character, so wide CJK and combining
 * marks keep the columns aligned.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"

#include "private.h"

void tui_draw_blank(WINDOW *w, int y, int x, int n, attr_t attr)
{
    if (n <= 0)
        return;
    wattrset(w, (int)attr);
    wmove(w, y, x);
    for (int i = 0; i < n; i++)
        waddch(w, ' ');
}

int tui_draw_text(WINDOW *w, int y, int x, int width, const char *s, attr_t attr, bool pad)
{
    char *p;
    size_t n;
    int used = 0;

    if (width <= 0)
        return 0;
    p = text_printable(s != NULL ? s : "");
    n = text_fit(p, width, &used);
    wattrset(w, (int)attr);
    if (n > 0)
        mvwaddnstr(w, y, x, p, (int)n);
    free(p);
    if (pad) {
        tui_draw_blank(w, y, x + used, width - used, attr);
        used = width;
    }
    return used;
}

void tui_draw_centred(WINDOW *w, int y, const char *s, attr_t attr)
{
    int width = getmaxx(w), tw = text_width(s);
    int x = tw < width ? (width - tw) / 2 : 0;

    tui_draw_text(w, y, x, width - x, s, attr, false);
}

struct tui_wrap_ctx {
    void (*line)(const char *text, void *data);
    void *data;
    int n;
};

static void tui_wrap_line(const char *start, size_t n, void *data)
{
    struct tui_wrap_ctx *c = data;
    char *l = xstrndup(start, n);

    if (c->line != NULL)
        c->line(l, c->data);
    free(l);
    c->n++;
}

int tui_wrap(const char *s, int width, void (*line)(const char *text, void *data), void *data)
{
    struct tui_wrap_ctx c = {line, data, 0};
    const char *p = s != NULL ? s : "";

    if (width < 1)
        width = 1;
    /* Keep the caller's paragraphs; each one is made printable, then wrapped. */
    for (;;) {
        const char *nl = strchr(p, '\n');
        char *para = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
        char *pr = text_printable(para);

        if (*pr == '\0')
            tui_wrap_line(pr, 0, &c);
        else
            text_wrap(pr, width, tui_wrap_line, &c);
        free(pr);
        free(para);
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    return c.n;
}

char *tui_ago(int64_t age_ms)
{
    char age[8];

    if (age_ms < 60000)
        /* TRANSLATORS: how long ago, under a minute. */
        return xstrdup(_("just now"));
    timeutil_age(age_ms, age);
    /* TRANSLATORS: how long ago, e.g. "4m ago" (the age is already short: 4m, 2h, 3d). */
    return xasprintf(_("%s ago"), age);
}
