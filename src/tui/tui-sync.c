/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Sync inside the console's poll loop, and the dispatch thread.
 *
 * When the database belongs to a network, the relay client's sockets join the
 * console's poll() and app_sync_perform() runs after each wake-up; it never
 * blocks, so the screen stays live while the relay is slow or gone. What
 * arrives is applied through this process's own connection, which PRAGMA
 * data_version does not see, so the queue is refetched when the count of
 * applied ops moves. The status bar shows online or offline, ops waiting to go
 * out, the time since the last exchange and unread thread messages.
 *
 * The thread screen (Ctrl-T from any screen) lists the newest messages among
 * the network's dispatchers and has a line to write one; opening it marks
 * everything read on this device.
 */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/app.h"

#include "private.h"

#define TUI_THREAD_MAX 200 /* newest messages shown */
#define TUI_THREAD_BODY 1000

struct tui_sync {
    struct app_sync *sync; /* NULL when this database is not in a network */
    struct app_sync_status last;
    bool have_last;
    /* The thread screen. */
    struct tui_edit input;
    struct app_thread_msg *msgs;
    size_t nmsgs;
    enum tui_screen back; /* where Esc returns */
};

void tui_sync_start(struct tui *t)
{
    char *err = NULL;

    t->sync = xcalloc(1, sizeof *t->sync);
    tui_edit_init(&t->sync->input, TUI_THREAD_BODY);
    /* Not in a network is no error; a network that cannot start is worth a word. */
    if (!app_network_joined(t->app))
        return;
    t->sync->sync = app_sync_new(t->app, &err);
    if (t->sync->sync == NULL)
        tui_set_msg(t, true, "%s", err ? err : _("cannot start sync"));
    free(err);
}

static void tui_thread_clear(struct tui_sync *s)
{
    app_thread_free(&s->msgs, s->nmsgs);
    s->nmsgs = 0;
}

void tui_sync_fini(struct tui *t)
{
    if (t->sync == NULL)
        return;
    app_sync_free(&t->sync->sync);
    tui_thread_clear(t->sync);
    tui_edit_fini(&t->sync->input);
    FREE(&t->sync);
}

void tui_sync_fds(struct tui *t, struct pollfd *fds, size_t max, size_t *n, int *timeout)
{
    int st = -1;

    *n = 0;
    if (t->sync == NULL || t->sync->sync == NULL)
        return;
    app_sync_fds(t->sync->sync, fds, max, n, &st);
    if (st >= 0 && (*timeout < 0 || st < *timeout))
        *timeout = st;
}

int tui_sync_perform(struct tui *t)
{
    struct tui_sync *s = t->sync;
    struct app_sync_status st;
    int r = 0;

    if (s == NULL || s->sync == NULL)
        return 0;
    app_sync_perform(s->sync);
    app_sync_status(s->sync, &st);
    if (!s->have_last || st.online != s->last.online || st.pending != s->last.pending ||
        st.refused != s->last.refused || st.unread != s->last.unread ||
        st.last_ok / 60000 != s->last.last_ok / 60000)
        r |= TUI_DIRTY_STATUS;
    if (s->have_last && st.applied_ops != s->last.applied_ops) {
        r |= TUI_RECALC;
        if (t->screen == TUI_SCREEN_THREAD)
            r |= TUI_DIRTY_FULL;
    }
    if (s->have_last && st.refused > s->last.refused)
        tui_set_msg(t, true, "%s",
                    _("a batch from the relay failed its checks and was refused; nothing of it "
                      "was applied"));
    s->last = st;
    s->last.last_error = NULL;
    s->have_last = true;
    return r;
}

char *tui_sync_label(struct tui *t)
{
    struct tui_sync *s = t->sync;
    const struct app_sync_status *st;
    struct buf b;

    if (s == NULL || s->sync == NULL || !s->have_last)
        return NULL;
    st = &s->last;
    buf_init(&b);
    if (st->unread > 0)
        /* TRANSLATORS: unread dispatch-thread messages in the status bar. */
        buf_printf(&b, _("msg %lld  "), (long long)st->unread);
    if (st->online)
        /* TRANSLATORS: sync state in the status bar; keep it short. */
        buf_adds(&b, _("online"));
    else
        buf_adds(&b, _("offline"));
    if (st->pending > 0)
        /* TRANSLATORS: ops of this device waiting to go to the relay. */
        buf_printf(&b, _(" %lld waiting"), (long long)st->pending);
    if (st->last_ok > 0 && !st->online) {
        char *ago = tui_ago(t->now - st->last_ok);
        /* TRANSLATORS: time since the last exchange with the relay: "4m ago", "just now". */
        buf_printf(&b, _(" synced %s"), ago);
        free(ago);
    }
    if (st->refused > 0)
        buf_printf(&b, _(" %lld refused"), (long long)st->refused);
    return buf_steal(&b);
}

/* ---- the dispatch thread ------------------------------------------------------ */

static void tui_thread_load(struct tui *t)
{
    struct tui_sync *s = t->sync;
    char *err = NULL;

    tui_thread_clear(s);
    if (app_thread_list(t->app, TUI_THREAD_MAX, &s->msgs, &s->nmsgs, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot read the thread"));
        free(err);
        s->nmsgs = 0;
        return;
    }
    if (s->nmsgs > 0 && app_thread_mark_read(t->app, s->msgs[s->nmsgs - 1].at, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot mark the thread read"));
        free(err);
    }
}

int tui_thread_open(struct tui *t)
{
    if (t->sync == NULL)
        return 0;
    if (t->screen != TUI_SCREEN_THREAD)
        t->sync->back = t->screen == TUI_SCREEN_NAME ? TUI_SCREEN_QUEUE : t->screen;
    t->screen = TUI_SCREEN_THREAD;
    tui_thread_load(t);
    return TUI_HANDLED | TUI_DIRTY_ALL;
}

int tui_thread_key(struct tui *t, const struct tui_key *k)
{
    struct tui_sync *s = t->sync;
    char *err = NULL;

    if (tui_key_is(k, TUI_KEY_ESC)) {
        t->screen = s->back;
        tui_cursor(t, false);
        return TUI_HANDLED | TUI_DIRTY_ALL | TUI_RECALC;
    }
    if (tui_key_enter(k)) {
        const char *body = tui_edit_str(&s->input);
        if (*body == '\0')
            return TUI_HANDLED;
        if (app_thread_post(t->app, body, &err) != 0) {
            tui_set_msg(t, true, "%s", err ? err : _("cannot post the message"));
            free(err);
            return TUI_HANDLED | TUI_DIRTY_STATUS;
        }
        tui_edit_set(&s->input, "");
        if (s->sync != NULL)
            app_sync_poke(s->sync);
        tui_thread_load(t);
        return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
    }
    if (tui_edit_key(&s->input, k))
        return TUI_HANDLED | TUI_DIRTY_FULL;
    return TUI_HANDLED;
}

struct tui_thread_lines {
    char **lines;
    bool *head; /* a message's "HH:MM author:" line */
    size_t n, cap;
    bool next_head;
};

static void tui_thread_line(const char *text, void *data)
{
    struct tui_thread_lines *l = data;

    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->lines = xreallocarray(l->lines, l->cap, sizeof *l->lines);
        l->head = xreallocarray(l->head, l->cap, sizeof *l->head);
    }
    l->head[l->n] = l->next_head;
    l->lines[l->n++] = xstrdup(text);
}

void tui_thread_draw(struct tui *t)
{
    struct tui_sync *s = t->sync;
    WINDOW *w = t->w_full;
    int h = getmaxy(w), width = getmaxx(w), y, body_h;
    struct tui_thread_lines l = {0};
    char hhmm[8];

    werase(w);
    tui_draw_text(w, 0, 0, width, _(" Dispatch thread — the network's dispatchers and organisers"),
                  tui_theme_attr(TUI_ROLE_TITLE), true);
    /* Wrap every message, newest at the bottom, and show the last lines that fit. */
    for (size_t i = 0; i < s->nmsgs; i++) {
        const struct app_thread_msg *m = &s->msgs[i];
        char *head;
        timeutil_hhmm(m->at, hhmm);
        head = xasprintf("%s %s%s:", hhmm, m->author ? m->author : "?", m->unread ? " *" : "");
        l.next_head = true;
        tui_thread_line(head, &l);
        l.next_head = false;
        free(head);
        tui_wrap(m->body ? m->body : "", width - 4, tui_thread_line, &l);
    }
    body_h = h - 4;
    y = 1;
    if (l.n == 0)
        tui_draw_text(w, 2, 2, width - 4,
                      t->sync->sync ? _("No messages yet.")
                                    : _("This database is not in a network: messages stay here "
                                        "until it joins one."),
                      tui_theme_attr(TUI_ROLE_HINT), false);
    for (size_t i = l.n > (size_t)body_h ? l.n - (size_t)body_h : 0; i < l.n; i++, y++) {
        tui_draw_text(w, y, l.head[i] ? 1 : 3, width - 4, l.lines[i],
                      tui_theme_attr(l.head[i] ? TUI_ROLE_LABEL : TUI_ROLE_NORMAL), false);
    }
    for (size_t i = 0; i < l.n; i++)
        free(l.lines[i]);
    free(l.lines);
    free(l.head);
    tui_draw_text(w, h - 2, 1, width - 2, _("Message:"), tui_theme_attr(TUI_ROLE_LABEL), false);
    {
        int lw = text_width(_("Message:")) + 2;
        tui_edit_draw(&s->input, w, h - 2, lw, width - lw - 1, tui_theme_attr(TUI_ROLE_FOCUS),
                      &t->cur_x);
        t->cur_w = w;
        t->cur_y = h - 2;
    }
    tui_draw_text(w, h - 1, 1, width - 2, _("Enter send · Esc back"), tui_theme_attr(TUI_ROLE_HINT),
                  false);
}
