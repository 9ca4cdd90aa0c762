/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Screen privacy and the panic chord.
 *
 * Keys that work on every screen, before the screen's own handler sees
 * them:
 *   F12 or Ctrl-G   blank the screen at once (any key brings it back; that
 *                   key does nothing else); revealed fields are hidden again
 *   Ctrl-X W        panic wipe: type "wipe" and Enter (Esc cancels); the
 *                   database, its WAL, keys and sync state are destroyed and
 *                   the console quits
 *   Ctrl-X L        lock personal data (the key leaves memory and keyring)
 *   Ctrl-X U        unlock: type the passphrase (shown as dots)
 *   r               on a report: reveal or mask the caller's contact
 *
 * Personal fields are masked until revealed, and the reveal holds for the
 * report that was open only, and for reveal_seconds (config, default 60):
 * the loop wakes when it ends (tui_privacy_timeout) and masks it again.
 * The hourly retention purge runs from the loop's minute timer. Nothing
 * here draws outside tui_privacy_draw and
 * tui_privacy_status_draw; key handlers return TUI_* bits.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/app.h"

#include "private.h"

enum tui_privacy_prompt { TUI_PP_NONE, TUI_PP_WIPE, TUI_PP_UNLOCK };

struct tui_privacy {
    bool blank;
    bool chord; /* Ctrl-X seen: the next key picks the action */
    enum tui_privacy_prompt prompt;
    struct tui_edit edit;
    char revealed[ULID_LEN + 1]; /* the report whose contact is shown in full */
    int64_t revealed_at;         /* when, for reveal_seconds */
    int64_t last_purge;
};

void tui_privacy_init(struct tui *t)
{
    t->privacy = xcalloc(1, sizeof *t->privacy);
    tui_edit_init(&t->privacy->edit, 1024);
    /*
     * The first purge runs right after the first frame (tui_run): it takes
     * the write lock, which an import or a sync may hold for a while.
     */
    t->privacy->last_purge = 0;
}

/* Zero what was typed: it may be a passphrase. */
static void tui_privacy_clear_edit(struct tui_privacy *p)
{
    if (p->edit.text != NULL)
        memset(p->edit.text, 0, p->edit.cap);
    tui_edit_set(&p->edit, "");
}

void tui_privacy_fini(struct tui *t)
{
    if (t->privacy == NULL)
        return;
    tui_privacy_clear_edit(t->privacy);
    tui_edit_fini(&t->privacy->edit);
    FREE(&t->privacy);
}

static bool tui_privacy_blank(const struct tui *t)
{
    return t->privacy != NULL && t->privacy->blank;
}

/* Read the open report's contact again (after lock or unlock). */
static void tui_privacy_reload_contact(struct tui *t)
{
    char *err = NULL;
    int rc;

    if (!t->has_open)
        return;
    FREE(&t->contact);
    rc = app_report_contact(t->app, t->open.id, &t->contact, &err);
    if (rc == APP_LOCKED)
        t->contact = xstrdup(_("sealed (personal data is locked)"));
    else if (rc != 0)
        t->contact = NULL;
    free(err);
}

static int tui_privacy_lock(struct tui *t)
{
    app_lock(t->app);
    t->privacy->revealed[0] = '\0';
    tui_privacy_reload_contact(t);
    tui_set_msg(t, false, "%s", _("personal data locked"));
    return TUI_HANDLED | TUI_DIRTY_ALL;
}

static int tui_privacy_open_prompt(struct tui *t, enum tui_privacy_prompt which)
{
    struct tui_privacy *p = t->privacy;

    if (which == TUI_PP_UNLOCK && app_vault_state(t->app) != APP_VAULT_LOCKED) {
        tui_set_msg(t, false, "%s",
                    app_vault_state(t->app) == APP_VAULT_NONE
                        ? _("no passphrase is set yet; use 'vigia passphrase set'")
                        : _("personal data is already unlocked"));
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    }
    tui_privacy_clear_edit(p);
    p->prompt = which;
    return TUI_HANDLED | TUI_DIRTY_STATUS;
}

/* Enter in a prompt. */
static int tui_privacy_submit(struct tui *t)
{
    struct tui_privacy *p = t->privacy;
    const char *typed = tui_edit_str(&p->edit);
    char *err = NULL;
    int r = TUI_HANDLED | TUI_DIRTY_ALL;

    if (p->prompt == TUI_PP_WIPE) {
        /* TRANSLATORS: the word typed to confirm a wipe; the same as in 'vigia wipe'. */
        if (strcmp(typed, _("wipe")) != 0 && strcmp(typed, "wipe") != 0) {
            p->prompt = TUI_PP_NONE;
            tui_privacy_clear_edit(p);
            tui_set_msg(t, false, "%s", _("not wiped"));
            return r;
        }
        /* Nothing may stop this now: whatever fails, the console goes. */
        app_wipe(t->app, &err);
        free(err);
        p->prompt = TUI_PP_NONE;
        return TUI_HANDLED | TUI_QUIT;
    }
    if (app_unlock(t->app, typed, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("wrong passphrase"));
        free(err);
    } else {
        tui_set_msg(t, false, "%s", _("personal data unlocked"));
        tui_privacy_reload_contact(t);
    }
    tui_privacy_clear_edit(p);
    p->prompt = TUI_PP_NONE;
    return r;
}

int tui_privacy_key(struct tui *t, const struct tui_key *k)
{
    struct tui_privacy *p = t->privacy;

    if (p == NULL)
        return 0;
    if (p->blank) {
        /* Any key brings the screen back and does nothing else. */
        p->blank = false;
        return TUI_HANDLED | TUI_CLEAR | TUI_REFLOW | TUI_RECALC | TUI_DIRTY_ALL;
    }
    if (tui_key_fn(k, KEY_F(12)) || tui_key_is(k, TUI_CTRL('G'))) {
        p->blank = true;
        p->chord = false;
        p->revealed[0] = '\0';
        if (p->prompt != TUI_PP_NONE) {
            p->prompt = TUI_PP_NONE;
            tui_privacy_clear_edit(p);
        }
        return TUI_HANDLED | TUI_DIRTY_ALL;
    }
    if (p->prompt != TUI_PP_NONE) {
        if (tui_key_is(k, TUI_KEY_ESC)) {
            p->prompt = TUI_PP_NONE;
            tui_privacy_clear_edit(p);
            return TUI_HANDLED | TUI_DIRTY_ALL;
        }
        if (tui_key_enter(k))
            return tui_privacy_submit(t);
        tui_edit_key(&p->edit, k);
        return TUI_HANDLED | TUI_DIRTY_STATUS; /* the prompt takes every key */
    }
    /* A reveal holds while its report stays open; leaving it masks the contact again. */
    if (t->screen != TUI_SCREEN_REPORT)
        p->revealed[0] = '\0';
    if (p->chord) {
        p->chord = false;
        if (tui_key_is(k, 'w') || tui_key_is(k, 'W'))
            return tui_privacy_open_prompt(t, TUI_PP_WIPE);
        if (tui_key_is(k, 'u') || tui_key_is(k, 'U'))
            return tui_privacy_open_prompt(t, TUI_PP_UNLOCK);
        if (tui_key_is(k, 'l') || tui_key_is(k, 'L'))
            return tui_privacy_lock(t);
        if (tui_key_is(k, 'b') || tui_key_is(k, 'B')) {
            p->blank = true;
            p->revealed[0] = '\0';
            return TUI_HANDLED | TUI_DIRTY_ALL;
        }
        return TUI_HANDLED | TUI_DIRTY_STATUS; /* an unknown chord does nothing */
    }
    if (tui_key_is(k, TUI_CTRL('X'))) {
        p->chord = true;
        /* TRANSLATORS: shown after Ctrl-X; the letters are the keys. */
        tui_set_msg(t, false, "%s", _("Ctrl-X: w wipe · l lock · u unlock · b blank"));
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    }
    if (t->screen == TUI_SCREEN_REPORT && t->has_open && tui_key_is(k, 'r')) {
        if (strcmp(p->revealed, t->open.id) == 0) {
            p->revealed[0] = '\0';
        } else {
            snprintf(p->revealed, sizeof p->revealed, "%s", t->open.id);
            p->revealed_at = timeutil_now_ms();
        }
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    return 0;
}

/* When the reveal ends (UTC ms), or -1 when nothing is revealed or it does not end. */
static int64_t tui_privacy_reveal_end(const struct tui *t)
{
    const struct tui_privacy *p = t->privacy;
    int secs = app_config(t->app)->reveal_seconds;

    if (p == NULL || p->revealed[0] == '\0' || secs <= 0)
        return -1;
    return p->revealed_at + (int64_t)secs * 1000;
}

int tui_privacy_timeout(const struct tui *t)
{
    int64_t end = tui_privacy_reveal_end(t), now = timeutil_now_ms();

    if (end < 0)
        return -1;
    return end <= now ? 0 : end - now > 60000 ? 60000 : (int)(end - now);
}

int tui_privacy_remask(struct tui *t, int64_t now)
{
    int64_t end = tui_privacy_reveal_end(t);

    if (end < 0 || now < end)
        return 0;
    t->privacy->revealed[0] = '\0';
    return TUI_DIRTY_FULL;
}

char *tui_privacy_contact(const struct tui *t, const char *report_id, const char *contact)
{
    const struct tui_privacy *p = t->privacy;
    struct buf b;
    char *masked;

    if (contact == NULL)
        return NULL;
    if (p == NULL || strcmp(p->revealed, report_id) == 0 ||
        app_vault_state(t->app) == APP_VAULT_LOCKED)
        return xstrdup(contact);
    /* "+15558675309" shows as "+•••••••••09": enough to tell two callers apart. */
    masked = app_contact_mask(contact);
    buf_init(&b);
    buf_adds(&b, masked);
    free(masked);
    /* TRANSLATORS: after a masked contact; r is the key that shows it. */
    buf_printf(&b, "  %s", _("(r: reveal)"));
    return buf_steal(&b);
}

bool tui_privacy_revealed(const struct tui *t, const char *report_id)
{
    return t->privacy == NULL || strcmp(t->privacy->revealed, report_id) == 0;
}

int tui_privacy_tick(struct tui *t, int64_t now)
{
    struct tui_privacy *p = t->privacy;
    struct app_purge_stats st;
    char *err = NULL;

    if (p == NULL || now - p->last_purge < APP_PURGE_INTERVAL_MS)
        return 0;
    p->last_purge = now;
    if (app_purge(t->app, now, &st, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot purge old contacts"));
        free(err);
        return TUI_DIRTY_STATUS;
    }
    if (st.contacts == 0)
        return 0;
    tui_privacy_reload_contact(t);
    return TUI_RECALC | TUI_DIRTY_ALL;
}

bool tui_privacy_draw(struct tui *t)
{
    if (!tui_privacy_blank(t))
        return false;
    werase(stdscr);
    wnoutrefresh(stdscr);
    t->cur_w = NULL;
    tui_cursor(t, false);
    doupdate();
    return true;
}

void tui_privacy_status_draw(struct tui *t)
{
    struct tui_privacy *p = t->privacy;
    WINDOW *w = t->w_status;
    const char *label;
    int width, x;

    if (p == NULL || p->prompt == TUI_PP_NONE || w == NULL)
        return;
    width = getmaxx(w);
    label = p->prompt == TUI_PP_WIPE
                /* TRANSLATORS: keep "wipe" the same word as the confirmation. */
                ? _("Destroy this database, its keys and sync state? Type wipe and Enter: ")
                : _("Passphrase (Esc cancels): ");
    werase(w);
    x = tui_draw_text(
        w, 0, 0, width, label,
        tui_theme_attr(p->prompt == TUI_PP_WIPE ? TUI_ROLE_BAR_ERROR : TUI_ROLE_STATUSBAR), false);
    if (x >= width - 1)
        x = width - 2;
    if (p->prompt == TUI_PP_WIPE) {
        int cx = 0;
        tui_edit_draw(&p->edit, w, 0, x, width - x, tui_theme_attr(TUI_ROLE_FOCUS), &cx);
        t->cur_w = w;
        t->cur_y = 0;
        t->cur_x = cx;
    } else {
        /* The passphrase itself never reaches the screen: one dot per character. */
        struct buf dots;
        size_t chars = text_width(tui_edit_str(&p->edit));
        buf_init(&dots);
        for (size_t i = 0; i < chars && (int)i < width - x - 1; i++)
            buf_adds(&dots, "•");
        int drawn = tui_draw_text(w, 0, x, width - x, buf_str(&dots),
                                  tui_theme_attr(TUI_ROLE_FOCUS), false);
        buf_fini(&dots);
        t->cur_w = w;
        t->cur_y = 0;
        t->cur_x = x + drawn < width ? x + drawn : width - 1;
    }
}
