/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The send-broadcast pane: the newest broadcasts with their progress, and
 * the selected one's preview: per language the text, SMS encoding, segments,
 * recipients and cost, a GSM-7 version where a few characters force UCS-2,
 * the personal-data lint, and why approval would be refused.
 *
 * 'b' on a report drafts an alert from it (a call to action to verifiers
 * when the report is not confirmed) and opens the pane on the draft; 'B'
 * opens the pane. Keys: a approve, g take the GSM-7 versions, o override the
 * lint (a written reason is asked), x cancel a draft, u / c draft an update /
 * all clear to exactly the first alert's audience, r resend uncertain
 * messages after checking (asks y/n).
 *
 * The outbox worker runs in the console's poll loop (tui_broadcast_fds /
 * tui_broadcast_io): what this device approved goes out while the console is
 * open, with sent, failed, uncertain, remaining, rate and ETA on the title
 * line. When another worker runs on the database (vigia outbox run), the
 * console leaves the sending to it and shows the counts only.
 *
 * Data is fetched when the pane opens, after every action and when the
 * database changes; drawing never queries.
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <jansson.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/app.h"

#include "private.h"

#define TUI_BC_LIST 6 /* rows of the list */

struct tui_broadcast {
    enum tui_screen back;
    json_t *list;    /* app_broadcast_list */
    json_t *preview; /* of the selected one */
    size_t sel;
    char sel_id[ULID_LEN + 1]; /* keep the selection across refetches */
    int scroll;
    bool reason_open; /* typing the override reason */
    struct tui_edit reason;
    bool confirm_resend;
    struct app_outbox *ob; /* the worker, or NULL when another runs */
    bool ob_tried;
    struct send_stats st;
    int64_t st_at;
};

static struct tui_broadcast *tui_bc(struct tui *t)
{
    if (t->bc == NULL) {
        t->bc = xcalloc(1, sizeof *t->bc);
        tui_edit_init(&t->bc->reason, 1000);
    }
    return t->bc;
}

static const char *tui_bc_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long tui_bc_int(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* Refetch the list and the selected one's preview. */
static void tui_bc_fetch(struct tui *t)
{
    struct tui_broadcast *b = tui_bc(t);
    char *err = NULL;
    json_t *sel;

    json_decref(b->list);
    json_decref(b->preview);
    b->preview = NULL;
    b->list = app_broadcast_list(t->app, 50, &err);
    if (b->list == NULL) {
        tui_set_msg(t, true, "%s", err ? err : "?");
        free(err);
        b->list = json_array();
        return;
    }
    /* Keep the selection on the same broadcast when the list moved. */
    for (size_t i = 0; b->sel_id[0] && i < json_array_size(b->list); i++)
        if (strcmp(tui_bc_str(json_array_get(b->list, i), "id"), b->sel_id) == 0)
            b->sel = i;
    if (b->sel >= json_array_size(b->list))
        b->sel = json_array_size(b->list) ? json_array_size(b->list) - 1 : 0;
    sel = json_array_get(b->list, b->sel);
    if (sel != NULL) {
        snprintf(b->sel_id, sizeof b->sel_id, "%s", tui_bc_str(sel, "id"));
        b->preview = app_broadcast_preview(t->app, b->sel_id, NULL);
    }
}

int tui_broadcast_open(struct tui *t, const char *report_id)
{
    struct tui_broadcast *b = tui_bc(t);

    if (t->screen != TUI_SCREEN_BROADCAST)
        b->back = t->screen;
    if (report_id != NULL) {
        struct app_draft d;
        struct model_report r;
        char id[ULID_LEN + 1], *err = NULL;
        app_draft_init(&d);
        d.report_ids = report_id;
        /* A confirmed report backs a public alert; an open one, a call to verifiers. */
        if (app_report_get(t->app, report_id, &r, NULL) == 0 && r.status != MODEL_STATUS_CONFIRMED)
            d.template_name = "call-to-action";
        model_report_fini(&r);
        if (app_broadcast_draft(t->app, &d, id, &err) != 0) {
            tui_set_msg(t, true, "%s", err ? err : "?");
            free(err);
            return TUI_HANDLED | TUI_DIRTY_STATUS;
        }
        snprintf(b->sel_id, sizeof b->sel_id, "%s", id);
        tui_set_msg(t, false, "%s", _("draft ready: check the preview, then a to approve"));
    }
    t->screen = TUI_SCREEN_BROADCAST;
    b->scroll = 0;
    b->reason_open = b->confirm_resend = false;
    tui_bc_fetch(t);
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
}

bool tui_broadcast_editing(const struct tui *t)
{
    return t->bc != NULL && t->bc->reason_open;
}

void tui_broadcast_recalc(struct tui *t)
{
    if (t->screen == TUI_SCREEN_BROADCAST)
        tui_bc_fetch(t);
}

/* Draft an update or all clear to the selected broadcast's audience. */
static int tui_bc_followup(struct tui *t, const char *template_name)
{
    struct tui_broadcast *b = t->bc;
    struct app_draft d;
    char id[ULID_LEN + 1], *err = NULL;

    app_draft_init(&d);
    d.follow_up = b->sel_id;
    d.template_name = template_name;
    if (app_broadcast_draft(t->app, &d, id, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : "?");
        free(err);
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    }
    snprintf(b->sel_id, sizeof b->sel_id, "%s", id);
    tui_set_msg(t, false, "%s", _("follow-up drafted for the same recipients"));
    tui_bc_fetch(t);
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
}

int tui_broadcast_key(struct tui *t, const struct tui_key *k)
{
    struct tui_broadcast *b = tui_bc(t);
    size_t n = json_array_size(b->list);
    char *err = NULL;
    int rc = 0;

    if (b->reason_open) {
        if (tui_key_is(k, TUI_KEY_ESC)) {
            b->reason_open = false;
            return TUI_HANDLED | TUI_DIRTY_FULL;
        }
        if (tui_key_enter(k)) {
            if (app_broadcast_override(t->app, b->sel_id, tui_edit_str(&b->reason), &err) != 0) {
                tui_set_msg(t, true, "%s", err ? err : "?");
                free(err);
                return TUI_HANDLED | TUI_DIRTY_STATUS;
            }
            b->reason_open = false;
            tui_set_msg(t, false, "%s", _("override recorded with your reason"));
            tui_bc_fetch(t);
            return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
        }
        return tui_edit_key(&b->reason, k) | TUI_DIRTY_FULL;
    }
    if (b->confirm_resend) {
        b->confirm_resend = false;
        if (tui_key_is(k, 'y')) {
            size_t m = 0;
            if (app_outbox_retry_uncertain(t->app, b->sel_id, &m, &err) != 0) {
                tui_set_msg(t, true, "%s", err ? err : "?");
                free(err);
            } else {
                tui_set_msg(t, false, _("%zu messages queued again"), m);
                app_outbox_poke(b->ob);
            }
            tui_bc_fetch(t);
        }
        return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
    }
    if (tui_key_is(k, TUI_KEY_ESC) || tui_key_is(k, 'q')) {
        t->screen = b->back;
        return TUI_HANDLED | TUI_DIRTY_ALL | TUI_RECALC;
    }
    if ((tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j')) && b->sel + 1 < n) {
        b->sel++;
        b->sel_id[0] = '\0';
        b->scroll = 0;
        tui_bc_fetch(t);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if ((tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k')) && b->sel > 0) {
        b->sel--;
        b->sel_id[0] = '\0';
        b->scroll = 0;
        tui_bc_fetch(t);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, ' ')) {
        b->scroll += 5;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_fn(k, KEY_PPAGE)) {
        b->scroll = b->scroll > 5 ? b->scroll - 5 : 0;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (n == 0 || b->preview == NULL)
        return tui_key_is(k, 'r') ? TUI_HANDLED : 0;
    if (tui_key_is(k, 'a')) {
        size_t m;
        bool held;
        if (app_broadcast_approve(t->app, b->sel_id, &m, &held, &err) != 0) {
            tui_set_msg(t, true, "%s", err ? err : "?");
            free(err);
        } else if (held) {
            tui_set_msg(t, false, _("approved: %zu messages held until quiet hours end"), m);
        } else {
            tui_set_msg(t, false, _("approved: %zu messages queued"), m);
            app_outbox_poke(b->ob); /* start sending now */
        }
        rc = TUI_HANDLED;
    } else if (tui_key_is(k, 'g')) {
        json_t *l;
        size_t i, done = 0;
        json_array_foreach(json_object_get(b->preview, "languages"), i, l)
        {
            if (json_object_get(l, "gsm7_alternative") == NULL)
                continue;
            if (app_broadcast_use_gsm7(t->app, b->sel_id, tui_bc_str(l, "language"), &err) != 0) {
                tui_set_msg(t, true, "%s", err ? err : "?");
                FREE(&err);
                break;
            }
            done++;
        }
        if (done > 0)
            tui_set_msg(t, false, _("GSM-7 version taken in %zu languages"), done);
        else if (t->msg == NULL)
            tui_set_msg(t, false, "%s", _("no text here needs a GSM-7 version"));
        rc = TUI_HANDLED;
    } else if (tui_key_is(k, 'o')) {
        b->reason_open = true;
        tui_edit_set(&b->reason, "");
        return TUI_HANDLED | TUI_DIRTY_FULL;
    } else if (tui_key_is(k, 'x')) {
        if (app_broadcast_cancel(t->app, b->sel_id, &err) != 0) {
            tui_set_msg(t, true, "%s", err ? err : "?");
            free(err);
        } else {
            tui_set_msg(t, false, "%s", _("draft cancelled"));
        }
        rc = TUI_HANDLED;
    } else if (tui_key_is(k, 'u')) {
        return tui_bc_followup(t, "update");
    } else if (tui_key_is(k, 'c')) {
        return tui_bc_followup(t, "all-clear");
    } else if (tui_key_is(k, 'r')) {
        b->confirm_resend = true;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    } else {
        return 0;
    }
    tui_bc_fetch(t);
    return rc | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
}

/* ---- drawing ----------------------------------------------------------------- */

struct tui_bc_lines {
    WINDOW *w;
    int y, skip, bottom, x, width;
    attr_t a;
};

static void tui_bc_line(const char *text, void *data)
{
    struct tui_bc_lines *c = data;

    if (c->skip > 0) {
        c->skip--;
        return;
    }
    if (c->y < c->bottom)
        tui_draw_text(c->w, c->y, c->x, c->width, text, c->a, false);
    c->y++;
}

/* One line of the preview (wrapped), honouring the scroll. */
static void tui_bc_say(struct tui_bc_lines *c, const char *text, attr_t a, int indent)
{
    int x = c->x, width = c->width;

    c->a = a;
    c->x += indent;
    c->width -= indent;
    tui_wrap(text, c->width, tui_bc_line, c);
    c->x = x;
    c->width = width;
}

static void tui_bc_title(struct tui *t, int width)
{
    struct tui_broadcast *b = t->bc;
    WINDOW *w = t->w_full;
    char *s;

    if (b->ob != NULL) {
        size_t left = 0;
        for (size_t i = 0; i < json_array_size(b->list); i++)
            left += (size_t)tui_bc_int(json_array_get(b->list, i), "remaining");
        if (b->st.rate > 0.5 && left > 0)
            s = xasprintf(_(" Broadcasts   sending: %zu sent, %zu failed, %zu uncertain, %zu "
                            "left, %.0f/s, about %.0f s to go"),
                          b->st.sent, b->st.failed, b->st.uncertain, left, b->st.rate,
                          (double)left / b->st.rate);
        else
            s = xasprintf(_(" Broadcasts   sent %zu, failed %zu, uncertain %zu, %zu left"),
                          b->st.sent, b->st.failed, b->st.uncertain, left);
        if (b->st.locked > 0) {
            /* Sealed contacts: those messages wait for Ctrl-X U (tui-privacy.c). */
            char *more = xasprintf(_("%s; %zu wait for the vault to be unlocked"), s,
                                   b->st.locked);
            free(s);
            s = more;
        }
    } else {
        s = xstrdup(_(" Broadcasts   (another outbox worker sends from this database)"));
    }
    tui_draw_text(w, 0, 0, width, s, tui_theme_attr(TUI_ROLE_TITLE), true);
    free(s);
}

void tui_broadcast_draw(struct tui *t)
{
    struct tui_broadcast *b = tui_bc(t);
    WINDOW *w = t->w_full;
    int h = getmaxy(w), width = getmaxx(w), y;
    attr_t head = tui_theme_attr(TUI_ROLE_HEADER), hint = tui_theme_attr(TUI_ROLE_HINT);
    size_t n = json_array_size(b->list), top;
    json_t *p = b->preview, *l;
    struct tui_bc_lines c;
    size_t i;

    werase(w);
    tui_bc_title(t, width);
    tui_draw_blank(w, 1, 0, width, head);
    tui_draw_text(w, 1, 2, width - 2, _("Status    Kind      Template        Sent Fail Unc. Left"),
                  head, false);
    if (n == 0)
        tui_draw_text(w, 2, 2, width - 3,
                      _("no broadcasts yet: b on a confirmed report drafts an alert"), hint, false);
    top = b->sel >= TUI_BC_LIST ? b->sel - TUI_BC_LIST + 1 : 0;
    for (int row = 0; row < TUI_BC_LIST && top + (size_t)row < n; row++) {
        json_t *e = json_array_get(b->list, top + (size_t)row), *o = json_object_get(e, "outbox");
        bool sel = top + (size_t)row == b->sel;
        attr_t a = tui_theme_attr(sel ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL);
        char *s = xasprintf(
            "%-9s %-9s %-14s %5lld %4lld %4lld %4lld", tui_bc_str(e, "status"),
            tui_bc_str(e, "kind"),
            json_is_string(json_object_get(e, "template")) ? tui_bc_str(e, "template") : "-",
            tui_bc_int(o, "sent"), tui_bc_int(o, "failed"), tui_bc_int(o, "uncertain"),
            tui_bc_int(e, "remaining"));
        tui_draw_blank(w, 2 + row, 0, width, a);
        tui_draw_text(w, 2 + row, 0, 2, sel ? ">" : " ", a, false);
        tui_draw_text(w, 2 + row, 2, width - 2, s, a, false);
        free(s);
    }
    y = 2 + TUI_BC_LIST;
    wattrset(w, (int)tui_theme_attr(TUI_ROLE_BORDER));
    mvwhline(w, y, 0, ACS_HLINE, width);
    wattrset(w, A_NORMAL);
    c = (struct tui_bc_lines){
        .w = w, .y = y + 1, .skip = b->scroll, .bottom = h - 1, .x = 1, .width = width - 2};
    if (p != NULL) {
        char *s;
        s = xasprintf(_("%s %s to %lld recipients on %s; areas: %s; estimated cost %.2f %s"),
                      tui_bc_str(p, "kind"), tui_bc_str(p, "status"), tui_bc_int(p, "recipients"),
                      tui_bc_str(p, "channels"),
                      *tui_bc_str(p, "areas") ? tui_bc_str(p, "areas") : _("all"),
                      json_real_value(json_object_get(p, "cost")), tui_bc_str(p, "currency"));
        tui_bc_say(&c, s, tui_theme_attr(TUI_ROLE_LABEL), 0);
        free(s);
        json_array_foreach(json_object_get(p, "languages"), i, l)
        {
            json_t *g = json_object_get(l, "gsm7_alternative");
            s = xasprintf(_("[%s] %s, %lld segments, %lld recipients, %.2f %s"),
                          tui_bc_str(l, "language"), tui_bc_str(l, "encoding"),
                          tui_bc_int(l, "segments"), tui_bc_int(l, "recipients_total"),
                          json_real_value(json_object_get(l, "cost")), tui_bc_str(p, "currency"));
            tui_bc_say(&c, s, tui_theme_attr(TUI_ROLE_HEADER), 0);
            free(s);
            tui_bc_say(&c, tui_bc_str(l, "text"), tui_theme_attr(TUI_ROLE_FIELD), 2);
            if (g != NULL) {
                s = xasprintf(_("g: GSM-7 version, %lld segments, saves %lld per message "
                                "(%.2f %s)"),
                              tui_bc_int(g, "segments"), tui_bc_int(g, "segments_saved"),
                              json_real_value(json_object_get(g, "cost_saved")),
                              tui_bc_str(p, "currency"));
                tui_bc_say(&c, s, hint, 2);
                free(s);
            }
        }
        json_array_foreach(json_object_get(p, "lint"), i, l)
        {
            s = xasprintf(_("personal data in the %s text: %s%s%s"), tui_bc_str(l, "language"),
                          tui_bc_str(l, "label"), json_object_get(l, "text") ? ": " : "",
                          tui_bc_str(l, "text"));
            tui_bc_say(&c, s, tui_theme_attr(TUI_ROLE_ERROR), 0);
            free(s);
        }
        if (json_is_string(json_object_get(p, "lint_override"))) {
            s = xasprintf(_("lint overridden: %s"), tui_bc_str(p, "lint_override"));
            tui_bc_say(&c, s, hint, 0);
            free(s);
        }
        json_array_foreach(json_object_get(p, "blocked"), i, l)
        {
            const char *why = json_string_value(l);
            tui_bc_say(&c,
                       strcmp(why, "personal_data") == 0
                           ? _("blocked: edit the text (vigia broadcast edit) or o to override")
                       : strcmp(why, "second_approval") == 0
                           ? _("blocked: a second dispatcher must approve this alert")
                           : _("blocked: a report of it is no longer confirmed"),
                       tui_theme_attr(TUI_ROLE_ERROR), 0);
        }
    }
    if (b->reason_open) {
        int x = tui_draw_text(w, h - 1, 0, width, _("Why override? "),
                              tui_theme_attr(TUI_ROLE_LABEL), false);
        int cx;
        tui_edit_draw(&b->reason, w, h - 1, x, width - x, tui_theme_attr(TUI_ROLE_FOCUS), &cx);
        t->cur_w = w;
        t->cur_y = h - 1;
        t->cur_x = cx;
    } else if (b->confirm_resend) {
        tui_draw_text(w, h - 1, 0, width,
                      _("Resend the uncertain messages? Check with the gateway first. (y/n)"),
                      tui_theme_attr(TUI_ROLE_ERROR), true);
    } else {
        tui_draw_text(w, h - 1, 0, width,
                      _("a approve  g GSM-7  o override  x cancel  u update  c all clear  r "
                        "resend uncertain  Esc back"),
                      hint, true);
    }
}

/* ---- the worker in the poll loop ---------------------------------------------- */

size_t tui_broadcast_fds(struct tui *t, struct pollfd *fds, size_t max, int *timeout_ms)
{
    struct tui_broadcast *b = tui_bc(t);
    size_t n = 0;

    *timeout_ms = -1;
    if (!b->ob_tried) {
        char *err = NULL;
        b->ob_tried = true;
        /* Fails when `vigia outbox run` already sends from this database: fine. */
        b->ob = app_outbox_new(t->app, &err);
        free(err);
    }
    if (b->ob != NULL)
        app_outbox_fds(b->ob, fds, max, &n, timeout_ms);
    return n;
}

void tui_broadcast_poke(struct tui *t)
{
    if (t->bc != NULL)
        app_outbox_poke(t->bc->ob);
}

int tui_broadcast_io(struct tui *t, const struct pollfd *fds, size_t n)
{
    struct tui_broadcast *b = t->bc;
    struct send_stats st;
    int64_t now = timeutil_now_ms();
    char *err = NULL;

    if (b == NULL || b->ob == NULL)
        return 0;
    if (app_outbox_perform(b->ob, fds, n, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : "?");
        free(err);
        return TUI_DIRTY_STATUS;
    }
    app_outbox_stats(b->ob, &st);
    /* Progress on screen about once a second (ncdu's throttle), when it moved. */
    if (t->screen == TUI_SCREEN_BROADCAST && now - b->st_at >= 1000 &&
        (st.sent != b->st.sent || st.failed != b->st.failed || st.uncertain != b->st.uncertain ||
         st.in_flight != b->st.in_flight)) {
        b->st = st;
        b->st_at = now;
        tui_bc_fetch(t);
        return TUI_DIRTY_FULL;
    }
    return 0;
}

void tui_broadcast_fini(struct tui *t)
{
    struct tui_broadcast *b = t->bc;

    if (b == NULL)
        return;
    app_outbox_free(&b->ob);
    json_decref(b->list);
    json_decref(b->preview);
    tui_edit_fini(&b->reason);
    FREE(&t->bc);
}
