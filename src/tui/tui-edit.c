/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A one-line UTF-8 editor for the forms and the search prompt. The text is
 * kept as UTF-8 and the cursor as a byte offset that always sits on a
 * grapheme-cluster boundary, so Left, Right, Backspace and Delete move over
 * "é" written as e + combining accent, or a CJK character, as one unit. The
 * cursor column and the horizontal scroll are display widths (text_width_n),
 * never byte counts. Control characters are never inserted, so the text is
 * always safe to draw and to store.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <curses.h>

#include "vigia/util.h"
#include "vigia/text.h"

#include "private.h"

void tui_edit_init(struct tui_edit *e, size_t max_bytes)
{
    memset(e, 0, sizeof *e);
    e->max = max_bytes;
}

void tui_edit_fini(struct tui_edit *e)
{
    FREE(&e->text);
    e->len = e->cap = e->cur = e->scroll = 0;
}

/* Make room for @n more bytes. */
static void tui_edit_grow(struct tui_edit *e, size_t n)
{
    if (e->len + n + 1 <= e->cap)
        return;
    size_t cap = e->cap ? e->cap : 32;
    while (cap < e->len + n + 1)
        cap *= 2;
    e->text = xreallocarray(e->text, cap, 1);
    e->cap = cap;
}

void tui_edit_set(struct tui_edit *e, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (e->max > 0 && n > e->max)
        n = e->max;
    e->len = 0;
    tui_edit_grow(e, n);
    if (n > 0)
        memcpy(e->text, s, n);
    e->len = n;
    e->text[n] = '\0';
    e->cur = n;
    e->scroll = 0;
}

const char *tui_edit_str(const struct tui_edit *e)
{
    return e->text != NULL ? e->text : "";
}

/* Encode one code point as UTF-8; returns the length (0 if not encodable). */
static size_t tui_edit_utf8(wint_t c, char out[4])
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c >= 0xD800 && c <= 0xDFFF)
        return 0;
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    if (c <= 0x10FFFF) {
        out[0] = (char)(0xF0 | (c >> 18));
        out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[3] = (char)(0x80 | (c & 0x3F));
        return 4;
    }
    return 0;
}

/* Insert one typed character at the cursor. */
static int tui_edit_insert(struct tui_edit *e, wint_t c)
{
    char u[4];
    size_t n;

    /* C0, DEL and C1 controls never enter the text (pasted escapes included). */
    if (c < 0x20 || (c >= 0x7F && c < 0xA0))
        return 0;
    if ((n = tui_edit_utf8(c, u)) == 0)
        return TUI_HANDLED;
    if (e->max > 0 && e->len + n > e->max) {
        beep();
        return TUI_HANDLED;
    }
    tui_edit_grow(e, n);
    memmove(e->text + e->cur + n, e->text + e->cur, e->len - e->cur + 1);
    memcpy(e->text + e->cur, u, n);
    e->len += n;
    /*
     * A combining mark joins the grapheme before it; the cursor goes after
     * the whole cluster it now ends.
     */
    e->cur = text_next_grapheme(e->text, e->len, e->cur);
    return TUI_HANDLED;
}

/* Delete bytes [from, to). */
static void tui_edit_delete(struct tui_edit *e, size_t from, size_t to)
{
    if (to <= from)
        return;
    memmove(e->text + from, e->text + to, e->len - to + 1);
    e->len -= to - from;
    e->cur = from;
    if (e->scroll > e->cur)
        e->scroll = e->cur;
}

int tui_edit_key(struct tui_edit *e, const struct tui_key *k)
{
    tui_edit_grow(e, 0);
    if (e->len == 0)
        e->text[0] = '\0';
    if (k->fn) {
        switch (k->code) {
        case KEY_LEFT:
            e->cur = text_prev_grapheme(e->text, e->len, e->cur);
            return TUI_HANDLED;
        case KEY_RIGHT:
            e->cur = text_next_grapheme(e->text, e->len, e->cur);
            return TUI_HANDLED;
        case KEY_HOME:
            e->cur = 0;
            return TUI_HANDLED;
        case KEY_END:
            e->cur = e->len;
            return TUI_HANDLED;
        case KEY_BACKSPACE:
            tui_edit_delete(e, text_prev_grapheme(e->text, e->len, e->cur), e->cur);
            return TUI_HANDLED;
        case KEY_DC:
            tui_edit_delete(e, e->cur, text_next_grapheme(e->text, e->len, e->cur));
            return TUI_HANDLED;
        default:
            return 0;
        }
    }
    switch (k->code) {
    case TUI_CTRL('A'):
        e->cur = 0;
        return TUI_HANDLED;
    case TUI_CTRL('E'):
        e->cur = e->len;
        return TUI_HANDLED;
    case TUI_CTRL('B'):
        e->cur = text_prev_grapheme(e->text, e->len, e->cur);
        return TUI_HANDLED;
    case TUI_CTRL('F'):
        e->cur = text_next_grapheme(e->text, e->len, e->cur);
        return TUI_HANDLED;
    case TUI_CTRL('H'):
    case 0x7F:
        tui_edit_delete(e, text_prev_grapheme(e->text, e->len, e->cur), e->cur);
        return TUI_HANDLED;
    case TUI_CTRL('D'):
        tui_edit_delete(e, e->cur, text_next_grapheme(e->text, e->len, e->cur));
        return TUI_HANDLED;
    case TUI_CTRL('U'):
        tui_edit_delete(e, 0, e->cur);
        e->scroll = 0;
        return TUI_HANDLED;
    case TUI_CTRL('K'):
        e->text[e->cur] = '\0';
        e->len = e->cur;
        return TUI_HANDLED;
    case TUI_CTRL('W'): {
        /* Delete the word before the cursor, as shells do. */
        size_t p = e->cur;
        while (p > 0 && e->text[p - 1] == ' ')
            p--;
        while (p > 0 && e->text[p - 1] != ' ')
            p = text_prev_grapheme(e->text, e->len, p);
        tui_edit_delete(e, p, e->cur);
        return TUI_HANDLED;
    }
    default:
        return tui_edit_insert(e, k->code);
    }
}

void tui_edit_draw(struct tui_edit *e, WINDOW *w, int y, int x, int width, attr_t attr,
                   int *cursor_x)
{
    const char *s = tui_edit_str(e);
    int used = 0, cx;

    if (width < 2)
        width = 2;
    /* Scroll so the cursor sits within the field, one column kept for it at the end. */
    if (e->scroll > e->cur)
        e->scroll = text_prev_grapheme(s, e->len, e->cur);
    if (e->scroll > e->cur)
        e->scroll = e->cur;
    while (e->scroll < e->cur && text_width_n(s + e->scroll, e->cur - e->scroll) > width - 1)
        e->scroll = text_next_grapheme(s, e->len, e->scroll);
    /* Nothing hidden on the left when all of the text fits. */
    if (e->scroll > 0 && text_width_n(s, e->len) <= width - 1)
        e->scroll = 0;
    cx = text_width_n(s + e->scroll, e->cur - e->scroll);
    size_t n = text_fit(s + e->scroll, width, &used);
    wattrset(w, (int)attr);
    if (n > 0)
        mvwaddnstr(w, y, x, s + e->scroll, (int)n);
    tui_draw_blank(w, y, x + used, width - used, attr);
    if (cursor_x != NULL)
        *cursor_x = x + cx;
}
