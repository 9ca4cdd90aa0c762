/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The selected report: in the pane beside or below the queue, and in full
 * after Enter (scrollable). Both draw labelled facts, each value wrapped by
 * display width (text_wrap) with a hanging indent under its label. The pane
 * keeps every fact in the same rows whatever the report, and draws straight
 * from the queue's page, so following the selection costs no query and
 * sends the terminal only the values that change.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/app.h"

#include "private.h"

#define TUI_ITEMS_MAX 20

struct tui_item {
    const char *label;
    char *value; /* owned */
};

/* "2026-11-22 10:42 (4m ago)"; caller frees. */
static char *tui_when(const struct tui *t, int64_t ms)
{
    char local[24], *ago = tui_ago(t->now > ms ? t->now - ms : 0), *out;

    timeutil_local(ms, local);
    /* TRANSLATORS: a time and how long ago it was, e.g. "2026-11-22 10:42 (4m ago)". */
    out = xasprintf(_("%s (%s)"), local, ago);
    free(ago);
    return out;
}

static const char *tui_tri(enum model_tri v)
{
    return v == MODEL_YES ? _("yes") : v == MODEL_NO ? _("no") : _("unknown");
}

static void tui_item(struct tui_item *items, size_t *n, const char *label, char *value)
{
    if (value == NULL || *value == '\0' || *n >= TUI_ITEMS_MAX) {
        free(value);
        return;
    }
    items[*n].label = label;
    items[*n].value = value;
    (*n)++;
}

/*
 * The people of a follow-up in one line, masked like the caller's contact
 * until r reveals them; only their number while personal data is locked.
 */
static char *tui_people(const struct tui *t, const char *id)
{
    bool locked = app_vault_state(t->app) == APP_VAULT_LOCKED;
    bool reveal = !locked && tui_privacy_revealed(t, id);
    struct app_person *p = NULL;
    struct buf b;
    size_t n = 0;

    if (app_person_list(t->app, id, reveal, &p, &n, NULL) != 0 || n == 0) {
        app_people_free(&p, n);
        return NULL;
    }
    buf_init(&b);
    buf_printf(&b, "%zu", n);
    if (locked || p[0].locked) {
        buf_printf(&b, " — %s", _("sealed (personal data is locked)"));
    } else {
        for (size_t i = 0; i < n; i++) {
            buf_printf(&b, "%s %s (%s)", i ? ";" : ":", p[i].name ? p[i].name : "-",
                       app_relation_label(p[i].relation));
            if (p[i].phone)
                buf_printf(&b, " %s", p[i].phone);
            if (p[i].a_number)
                buf_printf(&b, " %s", p[i].a_number);
            if (reveal && p[i].where_held)
                buf_printf(&b, " @ %s", p[i].where_held);
        }
        if (!reveal)
            buf_printf(&b, "  %s", _("(r: reveal)"));
    }
    app_people_free(&p, n);
    return buf_steal(&b);
}

/* Every labelled fact of @r for the full-screen view, most useful first. */
static size_t tui_items(const struct tui *t, const struct model_report *r, struct tui_item *items)
{
    size_t n = 0;
    bool stale = app_report_is_stale(t->app, r, t->now);

    /* TRANSLATORS: detail labels are shown in a column; keep them under 16 columns. */
    tui_item(items, &n, _("Location"), xstrdup(r->location));
    tui_item(items, &n, _("Area"), xstrdup(r->area));
    tui_item(items, &n, _("Activity"), xstrdup(r->what));
    if (r->agents >= 0)
        tui_item(items, &n, _("Agents"), xasprintf("%d", r->agents));
    else
        tui_item(items, &n, _("Agents"), xstrdup(_("unknown")));
    tui_item(items, &n, _("Uniform"), xstrdup(r->agency));
    tui_item(items, &n, _("Equipment"), xstrdup(r->vehicles));
    if (r->observed_at != 0)
        tui_item(items, &n, _("Seen"), tui_when(t, r->observed_at));
    tui_item(items, &n, _("Status"),
             stale
                 ? xasprintf(_("%s (stale: no update for a while)"), model_status_label(r->status))
                 : xstrdup(model_status_label(r->status)));
    tui_item(items, &n, _("Category"), xstrdup(model_category_label(r->category)));
    tui_item(items, &n, _("Source"), xstrdup(model_source_label(r->source)));
    tui_item(items, &n, _("First-hand"), xstrdup(tui_tri(r->first_hand)));
    tui_item(items, &n, _("Received"), tui_when(t, r->received_at));
    tui_item(items, &n, _("Taken by"), xstrdup(r->created_by));
    if (t->contact != NULL)
        /* TRANSLATORS: the caller's phone or handle, never broadcast. */
        tui_item(items, &n, _("Caller (private)"), tui_privacy_contact(t, r->id, t->contact));
    /* TRANSLATORS: detained people and relatives named in a follow-up, never broadcast. */
    tui_item(items, &n, _("People (private)"), tui_people(t, r->id));
    if (r->has_pos)
        tui_item(items, &n, _("Position"), xasprintf("%.5f, %.5f", r->lat, r->lon));
    if (r->expires_at != 0) {
        char local[24];
        timeutil_local(r->expires_at, local);
        tui_item(items, &n, _("Leaves queue"), xstrdup(local));
    }
    tui_item(items, &n, _("Report ID"), xstrdup(r->id));
    return n;
}

struct tui_lines {
    WINDOW *w;
    int x, width, y0, h; /* drawing area */
    int line;            /* next line number (before scrolling) */
    int scroll;
    const char *label; /* label still to draw beside the next line */
    int label_w;
};

static void tui_lines_cb(const char *text, void *data)
{
    struct tui_lines *l = data;
    int y = l->line - l->scroll;

    if (l->w != NULL && y >= 0 && y < l->h) {
        if (l->label != NULL)
            tui_draw_text(l->w, l->y0 + y, l->x, l->label_w, l->label,
                          tui_theme_attr(TUI_ROLE_LABEL), false);
        tui_draw_text(l->w, l->y0 + y, l->x + l->label_w, l->width - l->label_w, text,
                      tui_theme_attr(TUI_ROLE_NORMAL), false);
    }
    l->label = NULL;
    l->line++;
}

/*
 * Draw @r's items in @w from row @y0, @h rows, columns [x, x + width), skipping
 * the first @scroll lines. Returns the total number of lines.
 */
static int tui_items_draw(struct tui *t, WINDOW *w, const struct model_report *r, int y0, int x,
                          int width, int h, int scroll)
{
    struct tui_item items[TUI_ITEMS_MAX];
    size_t n = tui_items(t, r, items);
    struct tui_lines l = {w, x, width, y0, h, 0, scroll, NULL, 0};

    for (size_t i = 0; i < n; i++) {
        int lw = text_width(items[i].label) + 2;
        if (lw > l.label_w)
            l.label_w = lw;
    }
    if (l.label_w > width / 3)
        l.label_w = width / 3;
    for (size_t i = 0; i < n; i++) {
        l.label = items[i].label;
        tui_wrap(items[i].value, width - l.label_w, tui_lines_cb, &l);
        free(items[i].value);
    }
    return l.line;
}

struct tui_slot_ctx {
    WINDOW *w;
    int y, x, width, left; /* next row, column, width, rows left for this value */
};

static void tui_slot_line(const char *text, void *data)
{
    struct tui_slot_ctx *c = data;

    if (c->left <= 0)
        return;
    tui_draw_text(c->w, c->y, c->x, c->width, text, tui_theme_attr(TUI_ROLE_NORMAL), false);
    c->y++;
    c->left--;
}

/* Append " · " and @s to @b (nothing when @s is empty). */
static void tui_join(struct buf *b, char *s)
{
    if (s != NULL && *s != '\0') {
        if (b->len > 0)
            buf_adds(b, " · ");
        buf_adds(b, s);
    }
    free(s);
}

/*
 * The pane: five labelled lines in the same rows for every report (where,
 * what, how many and what they wear and drive, when, where the report came
 * from), with "what" taking the rows left over (up to eight). Labels never move, so
 * following the selection rewrites only the values, and values are whole
 * lines of text rather than many short fields, so few cursor movements go
 * to the terminal per cell that changes.
 */
static void tui_pane_draw(struct tui *t, WINDOW *w, const struct model_report *r, int y0, int x,
                          int width, int h)
{
    const char *labels[5] = {_("Location"), _("Activity"), _("Agents"), _("Seen"), _("Source")};
    char *values[5];
    int lines[5], lw = 0, y = y0;
    bool stale = app_report_is_stale(t->app, r, t->now);
    struct buf b;
    char hhmm[8];

    buf_init(&b);
    tui_join(&b, xstrdup(r->location));
    tui_join(&b, xstrdup(r->area));
    values[0] = buf_steal(&b);
    values[1] = xstrdup(r->what ? r->what : "");
    tui_join(&b, r->agents >= 0 ? xasprintf("%d", r->agents) : xstrdup(_("unknown")));
    if (r->agency != NULL && *r->agency)
        /* TRANSLATORS: in the detail pane, after the agent count. */
        tui_join(&b, xasprintf(_("uniform: %s"), r->agency));
    if (r->vehicles != NULL && *r->vehicles)
        tui_join(&b, xasprintf(_("equipment: %s"), r->vehicles));
    values[2] = buf_steal(&b);
    if (r->observed_at != 0) {
        char *ago = tui_ago(t->now > r->observed_at ? t->now - r->observed_at : 0);
        timeutil_hhmm(r->observed_at, hhmm);
        /* TRANSLATORS: when it was seen, e.g. "10:42 (4m ago)". */
        tui_join(&b, xasprintf(_("%s (%s)"), hhmm, ago));
        free(ago);
    } else {
        tui_join(&b, xstrdup(_("unknown")));
    }
    timeutil_hhmm(r->received_at, hhmm);
    /* TRANSLATORS: in the detail pane: when the report came in and who took it. */
    tui_join(&b, xasprintf(_("received %s by %s"), hhmm, r->created_by ? r->created_by : "-"));
    values[3] = buf_steal(&b);
    tui_join(&b, xstrdup(model_source_label(r->source)));
    /* TRANSLATORS: in the detail pane; the value is yes, no or unknown. */
    tui_join(&b, xasprintf(_("first-hand: %s"), tui_tri(r->first_hand)));
    tui_join(
        &b, stale ? xasprintf(_("%s (stale: no update for a while)"), model_status_label(r->status))
                  : xstrdup(model_status_label(r->status)));
    values[4] = buf_steal(&b);

    for (int i = 0; i < 5; i++) {
        int tw = text_width(labels[i]) + 2;
        lines[i] = 1;
        if (tw > lw)
            lw = tw;
    }
    /* A tall pane gives long places and equipment lists a second row. */
    if (h >= 16)
        lines[0] = lines[2] = 2;
    /* What was seen takes the rows the others leave, up to eight. */
    lines[1] = h - lines[0] - lines[2] - 2;
    lines[1] = lines[1] < 1 ? 1 : lines[1] > 8 ? 8 : lines[1];
    if (lw > width / 3)
        lw = width / 3;
    for (int i = 0; i < 5; i++) {
        int rows = lines[i] < y0 + h - y ? lines[i] : y0 + h - y;
        if (rows > 0) {
            struct tui_slot_ctx c = {w, y, x + lw, width - lw, rows};
            tui_draw_text(w, y, x, lw, labels[i], tui_theme_attr(TUI_ROLE_LABEL), false);
            tui_wrap(values[i], width - lw, tui_slot_line, &c);
            y += rows;
        }
        free(values[i]);
    }
}

void tui_detail_draw(struct tui *t)
{
    WINDOW *w = t->w_detail;
    const struct model_report *r = tui_selected(t);
    int h = getmaxy(w), width = getmaxx(w), x0 = t->wide ? 2 : 1;
    attr_t border = tui_theme_attr(TUI_ROLE_BORDER);
    char *title;

    werase(w);
    wattrset(w, (int)border);
    if (t->wide) {
        mvwvline(w, 0, 0, ACS_VLINE, h);
    } else {
        mvwhline(w, 0, 0, ACS_HLINE, width);
    }
    /*
     * No "3 of 120" here: it would change on every move and cost more bytes
     * on the wire than the cells it shows.
     */
    if (t->search != NULL) {
        /* TRANSLATORS: the pane title while a search is applied. */
        title = xasprintf(_(" search \"%s\": %zu found (Esc clears) "), t->search, t->total);
        tui_draw_text(w, 0, x0 + 1, width - x0 - 2, title, tui_theme_attr(TUI_ROLE_HEADER), false);
        free(title);
    }
    if (r != NULL)
        tui_pane_draw(t, w, r, 1, x0, width - x0 - 1, h - 1);
    if (r != NULL && tui_verify_pane_verdict(t, r) != NULL) {
        /* The verdict of a decided report, on the pane's top border: rumor control. */
        char *v = xasprintf(" %s ", tui_verify_pane_verdict(t, r));
        int vw = text_width(v), room = width - x0 - 2;
        if (t->search != NULL) {
            /* After the search title, which is the same text as above. */
            char *st = xasprintf(_(" search \"%s\": %zu found (Esc clears) "), t->search, t->total);
            room -= text_width(st) + 1;
            free(st);
        }
        if (room >= 12)
            tui_draw_text(w, 0, width - 1 - (vw < room ? vw : room), vw < room ? vw : room, v,
                          tui_theme_attr(TUI_ROLE_MESSAGE), false);
        free(v);
    }
    wattrset(w, A_NORMAL);
}

int tui_report_open(struct tui *t)
{
    const struct model_report *r = tui_selected(t);
    char *err = NULL;
    int rc;

    if (r == NULL)
        return TUI_HANDLED;
    tui_report_close(t);
    model_report_copy(&t->open, r);
    t->has_open = true;
    rc = app_report_contact(t->app, r->id, &t->contact, &err);
    if (rc == APP_LOCKED) {
        /* TRANSLATORS: shown instead of the caller's contact while personal data is locked. */
        t->contact = xstrdup(_("sealed (personal data is locked)"));
    } else if (rc != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot read the caller contact"));
        free(err);
        t->contact = NULL;
    }
    t->screen = TUI_SCREEN_REPORT;
    t->scroll = 0;
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
}

void tui_report_close(struct tui *t)
{
    if (t->has_open)
        model_report_fini(&t->open);
    t->has_open = false;
    FREE(&t->contact);
}

int tui_scroll_key(struct tui *t, const struct tui_key *k)
{
    int page = t->w_full != NULL ? getmaxy(t->w_full) - 3 : 10;

    if (page < 1)
        page = 1;
    if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k'))
        t->scroll--;
    else if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j'))
        t->scroll++;
    else if (tui_key_fn(k, KEY_PPAGE) || tui_key_is(k, TUI_CTRL('B')))
        t->scroll -= page;
    else if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, TUI_CTRL('F')) || tui_key_is(k, ' '))
        t->scroll += page;
    else if (tui_key_fn(k, KEY_HOME) || tui_key_is(k, 'g'))
        t->scroll = 0;
    else if (tui_key_fn(k, KEY_END) || tui_key_is(k, 'G'))
        t->scroll = t->scroll_max;
    else
        return 0;
    if (t->scroll > t->scroll_max)
        t->scroll = t->scroll_max;
    if (t->scroll < 0)
        t->scroll = 0;
    return TUI_HANDLED | TUI_DIRTY_FULL;
}

int tui_report_key(struct tui *t, const struct tui_key *k)
{
    if (tui_key_is(k, TUI_KEY_ESC) || tui_key_is(k, 'q') || tui_key_fn(k, KEY_LEFT) ||
        tui_key_fn(k, KEY_BACKSPACE)) {
        tui_report_close(t);
        t->screen = TUI_SCREEN_QUEUE;
        return TUI_HANDLED | TUI_DIRTY_ALL;
    }
    if (tui_key_is(k, 'v') && t->has_open) {
        char id[ULID_LEN + 1];
        memcpy(id, t->open.id, sizeof id);
        tui_report_close(t);
        return tui_verify_open(t, id);
    }
    if (tui_key_is(k, '?')) {
        tui_report_close(t);
        t->screen = TUI_SCREEN_HELP;
        t->scroll = 0;
        return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
    }
    if (tui_key_is(k, 'f') && t->has_open) /* refer the caller (tui-resource.c) */
        return tui_resources_open(t, t->open.id);
    if (tui_key_is(k, 'a') && t->has_open) /* send a verifier (tui-roster.c) */
        return tui_roster_assign_open(t, t->open.id);
    return tui_scroll_key(t, k);
}

void tui_report_draw(struct tui *t)
{
    WINDOW *w = t->w_full;
    int h = getmaxy(w), width = getmaxx(w), total;
    attr_t title = tui_theme_attr(TUI_ROLE_TITLE);
    char *head;

    werase(w);
    if (!t->has_open)
        return;
    /* TRANSLATORS: title of the full-screen report: category and status. */
    head = xasprintf(_(" Report: %s · %s"), model_category_label(t->open.category),
                     model_status_label(t->open.status));
    tui_draw_text(w, 0, 0, width, head, title, true);
    free(head);
    total = tui_items_draw(t, NULL, &t->open, 2, 2, width - 3, h - 4, 0);
    t->scroll_max = total > h - 4 ? total - (h - 4) : 0;
    if (t->scroll > t->scroll_max)
        t->scroll = t->scroll_max;
    tui_items_draw(t, w, &t->open, 2, 2, width - 3, h - 4, t->scroll);
    /* TRANSLATORS: key hints at the bottom of the full-screen report. */
    tui_draw_text(w, h - 1, 1, width - 2,
                  _("↑/↓ PgUp/PgDn scroll · v verify · Esc or q back · ? help"),
                  tui_theme_attr(TUI_ROLE_HINT), false);
    wattrset(w, A_NORMAL);
}
