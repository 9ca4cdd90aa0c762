/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The help screen: every key of every screen, from one table, so the help
 * can not drift from what the handlers do without someone noticing here.
 */
#include "config.h"

#include <stdlib.h>

#include <curses.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"

#include "private.h"

/* A row of the help: a section title (keys NULL) or keys and what they do. */
static const struct tui_help_row {
    const char *keys; /* N_() */
    const char *what; /* N_() */
} tui_help_rows[] = {
    {NULL, N_("Queue")},
    {N_("↑ ↓  j k"), N_("select the previous or next report")},
    {N_("PgUp PgDn  Ctrl-B Ctrl-F"), N_("a page up or down")},
    {N_("g Home  G End"), N_("first or last report")},
    {N_("Enter"), N_("open the selected report full screen")},
    {N_("n"), N_("new report (take a call)")},
    {N_("/"), N_("search all reports; Enter applies, Esc clears")},
    {N_("Esc"), N_("clear the search")},
    {N_("d"), N_("hide or show the detail pane")},
    {N_("v"), N_("verify the selected report: checklist, status, timeline, link")},
    {N_("A"), N_("audit: every change, filtered by person and time")},
    {N_("?  F1"), N_("this help")},
    {N_("Ctrl-L"), N_("repaint the screen")},
    {N_("Ctrl-T"), N_("the dispatch thread (from any screen); Enter sends, Esc back")},
    {N_("q"), N_("quit")},
    {N_("R"), N_("the referral directory: trusted organisations")},
    {N_("f"), N_("refer the selected report's caller to an organisation (also in the report)")},
    {NULL, N_("Report (full screen) and help")},
    {N_("↑ ↓  PgUp PgDn  g G"), N_("scroll")},
    {N_("Esc  q"), N_("back to the queue")},
    {NULL, N_("Verify (v)")},
    {N_("↑ ↓  j k"), N_("select a checklist item")},
    {N_("y  n  u"), N_("answer the item yes, no or unknown")},
    {N_("o  then y n u"), N_("answer as the verifier out there, relayed by you")},
    {N_("N"), N_("write a note on the item")},
    {N_("s"), N_("change the status; asks for the note the rule needs")},
    {N_("Tab  t"), N_("the incident's timeline, or back to the checklist")},
    {N_("L"), N_("link a report near this one into the incident")},
    {N_("Esc  q"), N_("back")},
    {NULL, N_("Audit (A)")},
    {N_("p"), N_("only the changes of one person")},
    {N_("t"), N_("only changes since a time (2h ago, 10:00)")},
    {N_("c"), N_("clear the filters")},
    {N_("Enter"), N_("verify the report of the selected change")},
    {NULL, N_("New report")},
    {N_("Tab  ↓"), N_("next field")},
    {N_("Shift-Tab  ↑"), N_("previous field")},
    {N_("← →  Space"), N_("change a choice (source, category, first-hand)")},
    {N_("Enter"), N_("next field; on the last field, save")},
    {N_("Ctrl-S"), N_("save the report")},
    {N_("Esc"), N_("close; asks first when something was typed")},
    {NULL, N_("Editing a field")},
    {N_("← →  Ctrl-B Ctrl-F"), N_("move by one character")},
    {N_("Home End  Ctrl-A Ctrl-E"), N_("start or end of the field")},
    {N_("Backspace  Delete  Ctrl-D"), N_("delete before or at the cursor")},
    {N_("Ctrl-U  Ctrl-K  Ctrl-W"), N_("delete to the start, to the end, the word before")},
    {NULL, N_("Practice runs (vigia practice, every screen)")},
    {N_("F9"), N_("pause or resume the scenario clock")},
    {N_("F10"), N_("the next scenario call arrives now")},
    {N_("q"), N_("end the run and show the debrief")},
    {NULL, N_("Privacy (every screen)")},
    {N_("F12  Ctrl-G"), N_("blank the screen at once; any key brings it back")},
    {N_("r"), N_("on a report: show or mask the caller's contact")},
    {N_("Ctrl-X L  Ctrl-X U"), N_("lock or unlock personal data")},
    {N_("Ctrl-X W"), N_("panic wipe: type wipe and Enter to destroy the database")},
    {NULL, N_("Broadcasts (b on a report, B)")},
    {N_("b"), N_("draft an alert from the selected report (a call to verifiers if unconfirmed)")},
    {N_("B"), N_("the broadcasts: progress, preview per language, approval")},
    {N_("a  g"), N_("approve; take the GSM-7 version where a few characters force UCS-2")},
    {N_("o  x"), N_("let personal data through with a written reason; cancel a draft")},
    {N_("u  c  r"), N_("update or all clear to the same people; resend uncertain after checking")},
    {NULL, N_("Resources (R) and referrals (f)")},
    {N_("/  n N  l  a"), N_("filter by words, need, language, area (as you type)")},
    {N_("c"), N_("clear the filters")},
    {N_("Enter"), N_("refer the caller to the selected organisation (from a report)")},
    {N_("r"), N_("refer and draft a follow-up reminder in two hours")},
    {N_("F"), N_("the follow-ups due from referrals; Enter marks one done")},
    {N_("SAMPLE  unchecked"), N_("from the shipped sample, or not checked lately: call first")},
    {NULL, N_("Verifiers (V), assigning (a) and the handoff brief (H)")},
    {N_("a"), N_("on a report: verifiers ranked by fit with the reason; Enter or 1-9 assigns")},
    {N_("l"), N_("in the ranking: prefer a language (each press the next; then none)")},
    {N_("V"), N_("the roster: status, assignment, place, time since last word")},
    {N_("a e o b"), N_("acknowledged, en route, on scene, reported back")},
    {N_("r  x"), N_("release the verifier, or they declined")},
    {N_("c"), N_("they checked in (the on-scene clock restarts)")},
    {N_("m"), N_("send their message again (m twice: another copy)")},
    {N_("OVERDUE  CALL"), N_("not acknowledged in time; a check-in missed: call them now")},
    {N_("H  h"), N_("the shift handoff brief")},
    {N_("S"), N_("in the roster: edit the weekly schedule in $EDITOR (YAML)")},
    {N_("n"), N_("in the roster: add a verifier (name, contact, languages, areas, roles)")},
};

int tui_help_key(struct tui *t, const struct tui_key *k)
{
    if (tui_key_is(k, TUI_KEY_ESC) || tui_key_is(k, 'q') || tui_key_is(k, '?') ||
        tui_key_fn(k, KEY_F(1)) || tui_key_enter(k)) {
        t->screen = TUI_SCREEN_QUEUE;
        return TUI_HANDLED | TUI_DIRTY_ALL;
    }
    return tui_scroll_key(t, k);
}

void tui_help_draw(struct tui *t)
{
    WINDOW *w = t->w_full;
    int h = getmaxy(w), width = getmaxx(w), kw = 0, n = (int)UTIL_ARRAY_LEN(tui_help_rows);
    int body = h - 3;

    werase(w);
    /* TRANSLATORS: title of the help screen. */
    tui_draw_text(w, 0, 0, width, _(" Keys"), tui_theme_attr(TUI_ROLE_TITLE), true);
    for (int i = 0; i < n; i++) {
        if (tui_help_rows[i].keys != NULL) {
            int tw = text_width(_(tui_help_rows[i].keys));
            if (tw > kw)
                kw = tw;
        }
    }
    kw += 2;
    if (kw > width / 2)
        kw = width / 2;
    t->scroll_max = n > body ? n - body : 0;
    if (t->scroll > t->scroll_max)
        t->scroll = t->scroll_max;
    for (int i = t->scroll, y = 1; i < n && y <= body; i++, y++) {
        const struct tui_help_row *r = &tui_help_rows[i];
        if (r->keys == NULL) {
            tui_draw_text(w, y, 1, width - 2, _(r->what), tui_theme_attr(TUI_ROLE_HEADER), false);
            continue;
        }
        tui_draw_text(w, y, 3, kw, _(r->keys), tui_theme_attr(TUI_ROLE_LABEL), false);
        tui_draw_text(w, y, 3 + kw, width - 4 - kw, _(r->what), tui_theme_attr(TUI_ROLE_NORMAL),
                      false);
    }
    /* TRANSLATORS: key hints at the bottom of the help screen. */
    tui_draw_text(w, h - 1, 1, width - 2, _("↑/↓ scroll · Esc, q or ? back"),
                  tui_theme_attr(TUI_ROLE_HINT), false);
    wattrset(w, A_NORMAL);
}
