/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The queue screen: one row per report in queue order, the search prompt and
 * the status bar.
 *
 * Only the visible page is ever in memory: t->page holds at most t->rows
 * reports, fetched with app_queue_page(offset = t->top, limit = t->rows),
 * and t->total comes from app_queue_count. Moving the selection inside the
 * page costs no query; scrolling refetches one page; a change from another
 * process refetches the counts and the page. A queue of 100,000 reports
 * costs the same memory as one of twenty.
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

/* How far tui_queue_select_id looks for a report, and how many rows at a time. */
#define TUI_FIND_LIMIT 2048
#define TUI_FIND_CHUNK 128

void tui_queue_init(struct tui *t)
{
    app_view_init(&t->view);
    t->view.incidents = true; /* linked reports: one row, with the caller count */
    tui_edit_init(&t->search_edit, 200);
}

/* Free the rows of the current page. */
static void tui_page_clear(struct tui *t)
{
    for (size_t i = 0; i < t->npage; i++)
        model_report_fini(&t->page[i]);
    t->npage = 0;
}

void tui_queue_fini(struct tui *t)
{
    tui_page_clear(t);
    FREE(&t->page);
    FREE(&t->search);
    tui_edit_fini(&t->search_edit);
}

void tui_queue_resize(struct tui *t, int rows)
{
    tui_page_clear(t);
    t->rows = rows > 0 ? rows : 0;
    t->page = xreallocarray(t->page, (size_t)(rows > 0 ? rows : 1), sizeof *t->page);
}

/* Fetch the page starting at t->top. */
static void tui_page_load(struct tui *t)
{
    char *err = NULL;

    tui_page_clear(t);
    if (t->rows <= 0 || t->page == NULL)
        return;
    if (app_queue_page(t->app, &t->view, t->top, (size_t)t->rows, t->page, &t->npage, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot read the queue"));
        free(err);
        t->npage = 0;
    }
    tui_verify_page_loaded(t);
}

/* Put t->top where t->sel is visible; returns true when it moved. */
static bool tui_queue_scroll_to_sel(struct tui *t)
{
    size_t rows = t->rows > 0 ? (size_t)t->rows : 1, old = t->top;

    if (t->total == 0) {
        t->sel = t->top = 0;
    } else {
        if (t->sel >= t->total)
            t->sel = t->total - 1;
        if (t->sel < t->top)
            t->top = t->sel;
        else if (t->sel >= t->top + rows)
            t->top = t->sel - rows + 1;
        /* No blank rows at the bottom while there are reports above. */
        if (t->top + rows > t->total)
            t->top = t->total > rows ? t->total - rows : 0;
    }
    return t->top != old;
}

void tui_queue_fetch(struct tui *t)
{
    const struct model_report *cur = tui_selected(t);
    char id[ULID_LEN + 1] = "";
    char *err = NULL;
    size_t total = 0;

    if (cur != NULL)
        memcpy(id, cur->id, sizeof id);
    if (app_status_counts(t->app, false, t->counts, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot read the queue"));
        FREE(&err);
    }
    if (t->view.search == NULL && t->view.status < 0 && !t->view.include_expired) {
        /* The live queue is every live report: the status counts add up to it. */
        for (int s = 0; s < MODEL_STATUS_COUNT; s++)
            total += t->counts[s];
    } else if (app_queue_count(t->app, &t->view, &total, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot read the queue"));
        FREE(&err);
    }
    t->total = total;
    tui_queue_scroll_to_sel(t);
    tui_page_load(t);
    /* The selection stays on the same report when it is still on the page. */
    for (size_t i = 0; *id && i < t->npage; i++) {
        if (strcmp(t->page[i].id, id) == 0) {
            t->sel = t->top + i;
            break;
        }
    }
    if (t->npage > 0 && t->sel >= t->top + t->npage)
        t->sel = t->top + t->npage - 1;
}

int tui_queue_select(struct tui *t, size_t pos)
{
    size_t old = t->sel;

    t->sel = pos;
    if (tui_queue_scroll_to_sel(t))
        tui_page_load(t);
    if (t->npage > 0 && t->sel >= t->top + t->npage)
        t->sel = t->top + t->npage - 1;
    return TUI_HANDLED | (t->sel != old ? TUI_DIRTY_QUEUE | TUI_DIRTY_DETAIL : 0);
}

void tui_queue_select_id(struct tui *t, const char *id)
{
    size_t chunk = TUI_FIND_CHUNK, half = t->rows > 0 ? (size_t)t->rows / 2 : 0;
    struct model_report *rows = xcalloc(chunk, sizeof *rows);

    size_t pos;

    if (app_queue_position(t->app, &t->view, id, &pos) == 0) {
        free(rows);
        t->sel = pos;
        t->top = t->sel > half ? t->sel - half : 0;
        tui_queue_scroll_to_sel(t);
        tui_page_load(t);
        return;
    }
    /*
     * Search results are ranked, not in queue order: look a page at a time
     * and give up after a while rather than walk a huge result list.
     */
    for (size_t off = 0; off < TUI_FIND_LIMIT && off < t->total; off += chunk) {
        size_t n = 0;
        bool found = false;

        if (app_queue_page(t->app, &t->view, off, chunk, rows, &n, NULL) != 0)
            break;
        for (size_t i = 0; i < n; i++) {
            if (!found && strcmp(rows[i].id, id) == 0) {
                found = true;
                t->sel = off + i;
            }
            model_report_fini(&rows[i]);
        }
        if (found) {
            /* Show it with some reports above it when there are. */
            t->top = t->sel > half ? t->sel - half : 0;
            tui_queue_scroll_to_sel(t);
            tui_page_load(t);
            break;
        }
        if (n < chunk)
            break;
    }
    free(rows);
}

/* Apply the typed search (empty: none) and go to the first match. */
static void tui_search_apply(struct tui *t, const char *q)
{
    FREE(&t->search);
    if (q != NULL && *q != '\0')
        t->search = xstrdup(q);
    t->view.search = t->search;
    t->sel = t->top = 0;
    tui_queue_fetch(t);
}

static int tui_search_key(struct tui *t, const struct tui_key *k)
{
    if (tui_key_is(k, TUI_KEY_ESC)) {
        t->searching = false;
        if (t->search != NULL)
            tui_search_apply(t, NULL);
        return TUI_HANDLED | TUI_DIRTY_ALL;
    }
    if (tui_key_enter(k)) {
        t->searching = false;
        tui_search_apply(t, tui_edit_str(&t->search_edit));
        if (t->search != NULL && t->total == 0)
            tui_set_msg(t, false, _("No reports match \"%s\""), t->search);
        return TUI_HANDLED | TUI_DIRTY_ALL;
    }
    if (tui_edit_key(&t->search_edit, k))
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    return TUI_HANDLED;
}

int tui_queue_key(struct tui *t, const struct tui_key *k)
{
    size_t rows = t->rows > 0 ? (size_t)t->rows : 1;
    size_t last = t->total > 0 ? t->total - 1 : 0;

    if (t->searching)
        return tui_search_key(t, k);
    if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k'))
        return tui_queue_select(t, t->sel > 0 ? t->sel - 1 : 0);
    if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j'))
        return tui_queue_select(t, t->sel < last ? t->sel + 1 : last);
    if (tui_key_fn(k, KEY_PPAGE) || tui_key_is(k, TUI_CTRL('B'))) {
        size_t old = t->top;
        t->top = t->top > rows ? t->top - rows : 0;
        if (t->top != old)
            tui_page_load(t);
        return tui_queue_select(t, t->sel > rows ? t->sel - rows : 0) | TUI_DIRTY_QUEUE;
    }
    if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, TUI_CTRL('F')) || tui_key_is(k, ' ')) {
        size_t old = t->top;
        if (t->total > rows && t->top + rows < t->total - rows)
            t->top += rows;
        else if (t->total > rows)
            t->top = t->total - rows;
        if (t->top != old)
            tui_page_load(t);
        return tui_queue_select(t, t->sel + rows < last ? t->sel + rows : last) | TUI_DIRTY_QUEUE;
    }
    if (tui_key_fn(k, KEY_HOME) || tui_key_is(k, 'g'))
        return tui_queue_select(t, 0);
    if (tui_key_fn(k, KEY_END) || tui_key_is(k, 'G'))
        return tui_queue_select(t, last);
    if (tui_key_enter(k) || tui_key_fn(k, KEY_RIGHT))
        return tui_report_open(t);
    if (tui_key_is(k, 'n'))
        return tui_form_open(t);
    if (tui_key_is(k, 'v') && tui_selected(t) != NULL)
        return tui_verify_open(t, tui_selected(t)->id);
    if (tui_key_is(k, 'A'))
        return tui_audit_open(t);
    if (tui_key_is(k, '/')) {
        t->searching = true;
        tui_edit_set(&t->search_edit, t->search);
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    }
    if (tui_key_is(k, TUI_KEY_ESC) && t->search != NULL) {
        tui_search_apply(t, NULL);
        return TUI_HANDLED | TUI_DIRTY_ALL;
    }
    if (tui_key_is(k, '?') || tui_key_fn(k, KEY_F(1))) {
        t->screen = TUI_SCREEN_HELP;
        t->scroll = 0;
        return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
    }
    if (tui_key_is(k, 'R')) /* the referral directory (tui-resource.c) */
        return tui_resources_open(t, NULL);
    if (tui_key_is(k, 'f') && tui_selected(t) != NULL) /* refer the selected report's caller */
        return tui_resources_open(t, tui_selected(t)->id);
    if (tui_key_is(k, 'V')) /* the roster (tui-roster.c) */
        return tui_roster_open(t);
    if (tui_key_is(k, 'a') && tui_selected(t) != NULL) /* send a verifier */
        return tui_roster_assign_open(t, tui_selected(t)->id);
    if (tui_key_is(k, 'H')) /* the shift handoff brief */
        return tui_roster_handoff_open(t);
    if (tui_key_is(k, 'b') && tui_selected(t) != NULL) /* draft a broadcast (tui-broadcast.c) */
        return tui_broadcast_open(t, tui_selected(t)->id);
    if (tui_key_is(k, 'B')) /* the broadcasts */
        return tui_broadcast_open(t, NULL);
    if (tui_key_is(k, 'd')) {
        t->hide_detail = !t->hide_detail;
        return TUI_HANDLED | TUI_REFLOW;
    }
    if (tui_key_is(k, 'q'))
        return TUI_HANDLED | TUI_QUIT;
    return 0;
}

/* ---- drawing ------------------------------------------------------------- */

/* Column widths of the queue for a window @width columns wide. */
struct tui_cols {
    int mark, age, status, cat, where, what;
};

static void tui_queue_cols(int width, struct tui_cols *c)
{
    int rest;

    c->mark = 1;
    c->age = 4;
    c->status = 0;
    for (int s = 0; s < MODEL_STATUS_COUNT; s++) {
        int w = text_width(model_status_short((enum model_status)s));
        if (w > c->status)
            c->status = w;
    }
    if (c->status > 10)
        c->status = 10;
    c->cat = 0;
    for (int s = 0; s < MODEL_CAT_COUNT; s++) {
        int w = text_width(model_category_label((enum model_category)s));
        if (w > c->cat)
            c->cat = w;
    }
    if (c->cat > (width < 100 ? 12 : 22))
        c->cat = width < 100 ? 12 : 22;
    /* Five one-column gaps between six columns. */
    rest = width - c->mark - c->age - c->status - c->cat - 4;
    if (rest < 10)
        rest = 10;
    c->where = rest * 2 / 5;
    c->what = rest - c->where - 1;
}

/* Draw queue row @y (0 = first report row) for @r. */
static void tui_queue_row(struct tui *t, int y, const struct model_report *r, bool selected,
                          const struct tui_cols *c)
{
    WINDOW *w = t->w_queue;
    attr_t base = tui_theme_attr(selected ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL);
    bool stale = app_report_is_stale(t->app, r, t->now);
    int64_t seen = r->observed_at ? r->observed_at : r->received_at;
    char age[8];
    char *where;
    int x = 0;

    timeutil_age(t->now > seen ? t->now - seen : 0, age);
    /* TRANSLATORS: the one-column mark of a stale report in the queue. */
    /*
     * The selected row is one plain attribute end to end: switching colours
     * inside the bar costs bytes on every move, and the bar already says
     * which row it is.
     */
    x += tui_draw_text(w, y, x, c->mark, stale ? "!" : " ",
                       stale && !selected ? base | tui_theme_attr(TUI_ROLE_STALE) : base, true);
    x += tui_draw_text(w, y, x, c->age, age, base, true);
    x += tui_draw_text(w, y, x, 1, " ", base, true);
    x += tui_draw_text(
        w, y, x, c->status, model_status_short(r->status),
        r->status == MODEL_STATUS_NEW && !selected ? base | tui_theme_attr(TUI_ROLE_NEW) : base,
        true);
    x += tui_draw_text(w, y, x, 1, " ", base, true);
    x += tui_draw_text(w, y, x, c->cat, model_category_label(r->category), base, true);
    x += tui_draw_text(w, y, x, 1, " ", base, true);
    if (r->area != NULL && *r->area != '\0')
        /* TRANSLATORS: area and location in one queue column, e.g. "Eastside · 5th St". */
        where = xasprintf(_("%s · %s"), r->area, r->location ? r->location : "");
    else
        where = xstrdup(r->location ? r->location : "");
    if (tui_verify_callers(t, r) > 1) {
        /* TRANSLATORS: an incident's caller count before its place in the queue: "(3) ". */
        char *n = xasprintf(_("(%zu) %s"), tui_verify_callers(t, r), where);
        free(where);
        where = n;
    }
    x += tui_draw_text(w, y, x, c->where, where, base, true);
    free(where);
    /*
     * The selection bar ends before "what was seen": a one-row move then
     * rewrites about half of two rows instead of all of them, which matters
     * on a slow link.
     */
    base = tui_theme_attr(TUI_ROLE_NORMAL);
    x += tui_draw_text(w, y, x, 1, " ", base, true);
    tui_draw_text(w, y, x, getmaxx(w) - x - (t->wide ? 1 : 0), r->what, base, false);
}

void tui_queue_draw(struct tui *t)
{
    WINDOW *w = t->w_queue;
    struct tui_cols c;
    attr_t h = tui_theme_attr(TUI_ROLE_HEADER);
    int x = 0;

    werase(w);
    tui_queue_cols(getmaxx(w), &c);
    x += tui_draw_text(w, 0, x, c.mark, " ", h, true);
    /* TRANSLATORS: queue column header, at most 4 columns wide. */
    x += tui_draw_text(w, 0, x, c.age + 1, _("Age"), h, true);
    /* TRANSLATORS: queue column header, cut to the width of the short statuses (about 8). */
    x += tui_draw_text(w, 0, x, c.status + 1, _("Status"), h, true);
    /* TRANSLATORS: queue column header, at most 12 columns wide at 80 columns. */
    x += tui_draw_text(w, 0, x, c.cat + 1, _("Category"), h, true);
    /* TRANSLATORS: queue column header for area and location (about 20 columns). */
    x += tui_draw_text(w, 0, x, c.where + 1, _("Where"), h, true);
    /* TRANSLATORS: queue column header for what the caller saw. */
    tui_draw_text(w, 0, x, getmaxx(w) - x, _("What was seen"), h, true);

    for (size_t i = 0; i < t->npage && (int)i < t->rows; i++)
        tui_queue_row(t, (int)i + 1, &t->page[i], t->top + i == t->sel, &c);
    if (t->total == 0) {
        const char *m = t->search != NULL ? _("No reports match the search. Esc clears it.")
                                          : _("No reports in the queue. Press n to take a call.");
        tui_draw_centred(w, 1 + t->rows / 2, m, tui_theme_attr(TUI_ROLE_HINT));
    }
    wattrset(w, A_NORMAL);
}

/* The status counts, "NEW 3  VERIFY 1"; caller frees. */
static char *tui_status_counts(struct tui *t)
{
    struct buf b;

    buf_init(&b);
    for (int s = 0; s < MODEL_STATUS_COUNT; s++) {
        if (t->counts[s] == 0)
            continue;
        /* TRANSLATORS: a count in the status bar: short status, then the number. */
        buf_printf(&b, _("%s%s %zu"), b.len ? "  " : "", model_status_short((enum model_status)s),
                   t->counts[s]);
    }
    if (b.len == 0)
        buf_adds(&b, _("queue empty"));
    return buf_steal(&b);
}

void tui_status_draw(struct tui *t)
{
    WINDOW *w = t->w_status;
    int width = getmaxx(w), x = 0, rw;
    attr_t bar = tui_theme_attr(TUI_ROLE_STATUSBAR);
    const char *db = app_db_path(t->app), *slash = strrchr(db, '/');
    const char *actor = app_actor(t->app);
    char hhmm[8], *right, *left, *counts, *sync;

    werase(w);
    if (t->searching && t->screen == TUI_SCREEN_QUEUE) {
        /* TRANSLATORS: the search prompt on the bottom line. */
        const char *label = _("Search: ");
        /* TRANSLATORS: key hints beside the search prompt; keep it short. */
        const char *hint = _("  Enter search · Esc clear");
        int hw = text_width(hint), lw = text_width(label);

        x += tui_draw_text(w, 0, 0, width, label, tui_theme_attr(TUI_ROLE_LABEL), false);
        tui_edit_draw(&t->search_edit, w, 0, x, width - lw - hw > 10 ? width - lw - hw : 10,
                      tui_theme_attr(TUI_ROLE_FOCUS), &t->cur_x);
        t->cur_w = w;
        t->cur_y = 0;
        if (width - hw > lw + 10)
            tui_draw_text(w, 0, width - hw, hw, hint, tui_theme_attr(TUI_ROLE_HINT), false);
        return;
    }
    timeutil_hhmm(t->now, hhmm);
    /* TRANSLATORS: right end of the status bar: dispatcher, time, help key. */
    right = xasprintf(_(" %s  %s  ? help "), actor ? actor : "-", hhmm);
    sync = tui_sync_label(t);
    if (sync != NULL) {
        char *both = xasprintf(" %s %s", sync, right);
        free(right);
        right = both;
        free(sync);
    }
    rw = text_width(right);
    if (t->opt != NULL && t->opt->practice != NULL) {
        x += tui_practice_status(t, w, x, width - rw - x); /* PRACTICE, on every screen */
    } else if (t->opt != NULL && t->opt->title != NULL) {
        x += tui_draw_text(w, 0, x, width - rw, " ", bar, false);
        x += tui_draw_text(w, 0, x, width - rw - x, t->opt->title, tui_theme_attr(TUI_ROLE_TITLE),
                           false);
    }
    left = xasprintf(" %s  ", slash ? slash + 1 : db);
    x += tui_draw_text(w, 0, x, width - rw - x, left, bar, false);
    free(left);
    if (t->msg != NULL) {
        counts = xasprintf("%s ", t->msg);
        x += tui_draw_text(w, 0, x, width - rw - x, counts,
                           tui_theme_attr(t->msg_error ? TUI_ROLE_BAR_ERROR : TUI_ROLE_MESSAGE),
                           false);
    } else {
        counts = tui_status_counts(t);
        x += tui_draw_text(w, 0, x, width - rw - x, counts, bar, false);
    }
    free(counts);
    tui_draw_blank(w, 0, x, width - rw - x, bar);
    tui_draw_text(w, 0, width - rw, rw, right, bar, true);
    free(right);
    wattrset(w, A_NORMAL);
}
