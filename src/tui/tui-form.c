/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The new-report form, for a dispatcher with a caller on the phone, and the
 * "who is at the keyboard" prompt.
 *
 * Fields follow the SALUTE order verifier trainings teach (Size, Activity,
 * Location, Uniform, Time, Equipment), then source, category, first-hand and
 * the caller's contact. Saving fills a struct model_report field by field
 * with model_report_set, checks it with model_report_validate so a problem
 * can be shown beside its field with the cursor moved there, and hands it to
 * app_report_create, which stores report, contact and event in one
 * transaction.
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

/* The choices of the first-hand field, in cycling order. */
static const enum model_tri tui_form_tris[] = {MODEL_UNKNOWN, MODEL_YES, MODEL_NO};
/* Sources a dispatcher can pick (practice reports come from scenarios only). */
#define TUI_FORM_SOURCES MODEL_SOURCE_PRACTICE

static const struct tui_form_def {
    const char *label; /* N_() */
    const char *hint;  /* N_(): placeholder while empty */
    const char *key;   /* model_report_set key, NULL for choices and the contact */
    enum model_field mf;
    size_t max;
    bool choice;
} tui_form_defs[TUI_FF_COUNT] = {
    /* TRANSLATORS: form labels sit in a column of at most about 24 columns. */
    [TUI_FF_AGENTS] = {N_("Size (agents)"), N_("how many agents, e.g. 6"), "agents", MODEL_F_AGENTS,
                       8, false},
    [TUI_FF_WHAT] = {N_("Activity"), N_("what they are doing (required)"), "what", MODEL_F_WHAT,
                     MODEL_MAX_LONG, false},
    [TUI_FF_LOCATION] = {N_("Location"), N_("address or landmark (required)"), "location",
                         MODEL_F_LOCATION, MODEL_MAX_SHORT, false},
    [TUI_FF_AREA] = {N_("Area"), N_("neighbourhood"), "area", MODEL_F_AREA, MODEL_MAX_SHORT, false},
    [TUI_FF_AGENCY] = {N_("Uniform / agency"), N_("markings claimed: ICE, HSI, police…"), "agency",
                       MODEL_F_AGENCY, MODEL_MAX_SHORT, false},
    [TUI_FF_OBSERVED] = {N_("Time seen"), N_("\"10 min ago\" or 10:42; empty = now"), "observed_at",
                         MODEL_F_OBSERVED, 64, false},
    [TUI_FF_VEHICLES] = {N_("Equipment / vehicles"), N_("e.g. 3 black SUVs, a van"), "vehicles",
                         MODEL_F_VEHICLES, MODEL_MAX_SHORT, false},
    [TUI_FF_SOURCE] = {N_("Source"), NULL, NULL, MODEL_F_NONE, 0, true},
    [TUI_FF_CATEGORY] = {N_("Category"), NULL, NULL, MODEL_F_NONE, 0, true},
    [TUI_FF_FIRST_HAND] = {N_("First-hand witness"), NULL, NULL, MODEL_F_NONE, 0, true},
    [TUI_FF_CONTACT] = {N_("Caller contact"), N_("phone or @handle, kept private"), NULL,
                        MODEL_F_CONTACT, MODEL_MAX_SHORT, false},
};

static int tui_form_nchoices(int f)
{
    switch (f) {
    case TUI_FF_SOURCE:
        return TUI_FORM_SOURCES;
    case TUI_FF_CATEGORY:
        return MODEL_CAT_COUNT;
    case TUI_FF_FIRST_HAND:
        return (int)UTIL_ARRAY_LEN(tui_form_tris);
    default:
        return 0;
    }
}

static const char *tui_form_choice_label(int f, int i)
{
    switch (f) {
    case TUI_FF_SOURCE:
        return model_source_label((enum model_source)i);
    case TUI_FF_CATEGORY:
        return model_category_label((enum model_category)i);
    default:
        return tui_form_tris[i] == MODEL_YES  ? _("yes")
               : tui_form_tris[i] == MODEL_NO ? _("no")
                                              : _("unknown");
    }
}

static void tui_form_clear_errors(struct tui_form *f)
{
    for (int i = 0; i < TUI_FF_COUNT; i++)
        FREE(&f->err[i]);
    FREE(&f->msg);
}

int tui_form_open(struct tui *t)
{
    struct tui_form *f = &t->form;

    tui_form_close(t);
    for (int i = 0; i < TUI_FF_COUNT; i++)
        tui_edit_init(&f->edit[i], tui_form_defs[i].max);
    f->choice[TUI_FF_SOURCE] = MODEL_SOURCE_CALL;
    f->choice[TUI_FF_CATEGORY] = MODEL_CAT_SIGHTING;
    f->choice[TUI_FF_FIRST_HAND] = 0;
    f->focus = TUI_FF_AGENTS;
    f->confirm_discard = false;
    t->screen = TUI_SCREEN_FORM;
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
}

void tui_form_close(struct tui *t)
{
    struct tui_form *f = &t->form;

    tui_form_clear_errors(f);
    for (int i = 0; i < TUI_FF_COUNT; i++)
        tui_edit_fini(&f->edit[i]);
    f->confirm_discard = false;
}

static bool tui_form_typed(const struct tui_form *f)
{
    for (int i = 0; i < TUI_FF_COUNT; i++)
        if (!tui_form_defs[i].choice && f->edit[i].len > 0)
            return true;
    return false;
}

/* Which form field shows a problem in model field @mf. */
static int tui_form_field_of(enum model_field mf)
{
    for (int i = 0; i < TUI_FF_COUNT; i++)
        if (tui_form_defs[i].mf == mf && mf != MODEL_F_NONE)
            return i;
    return -1;
}

/* Put a problem beside field @i (or in the form's message line when -1). */
static void tui_form_fail(struct tui_form *f, int i, char *msg)
{
    if (i >= 0) {
        f->err[i] = msg;
        f->focus = i;
    } else {
        f->msg = msg;
    }
}

/* Check and save the form; returns the key result. */
static int tui_form_save(struct tui *t)
{
    struct tui_form *f = &t->form;
    struct model_report r;
    int64_t now = timeutil_now_ms();
    enum model_field mf = MODEL_F_NONE;
    char *err = NULL, *norm;
    const char *contact = tui_edit_str(&f->edit[TUI_FF_CONTACT]);
    char id[ULID_LEN + 1];
    int rc = TUI_HANDLED | TUI_DIRTY_FULL;

    tui_form_clear_errors(f);
    model_report_init(&r);
    for (int i = 0; i < TUI_FF_COUNT; i++) {
        const char *s = tui_edit_str(&f->edit[i]);
        enum text_problem p;

        if (tui_form_defs[i].key == NULL || *s == '\0')
            continue;
        if ((p = text_check(s, 0, false, NULL)) != TEXT_OK) {
            tui_form_fail(f, i, xstrdup(text_problem_str(p)));
            goto out;
        }
        if (model_report_set(&r, tui_form_defs[i].key, s, now, &err) != MODEL_SET_OK) {
            tui_form_fail(f, i, err ? err : xstrdup(_("not a valid value")));
            err = NULL;
            goto out;
        }
    }
    r.source = (enum model_source)f->choice[TUI_FF_SOURCE];
    r.category = (enum model_category)f->choice[TUI_FF_CATEGORY];
    r.first_hand = tui_form_tris[f->choice[TUI_FF_FIRST_HAND]];
    if (!model_report_validate(&r, now, &mf, &err)) {
        tui_form_fail(f, tui_form_field_of(mf), err ? err : xstrdup(_("cannot save the report")));
        err = NULL;
        goto out;
    }
    if (*contact != '\0') {
        if ((norm = model_contact_normalise(contact, &err)) == NULL) {
            tui_form_fail(f, TUI_FF_CONTACT, err ? err : xstrdup(_("not a phone or handle")));
            err = NULL;
            goto out;
        }
        free(norm);
    }
    if (app_report_create(t->app, &r, *contact ? contact : NULL, &err) != 0) {
        tui_form_fail(f, -1, err ? err : xstrdup(_("cannot save the report")));
        err = NULL;
        goto out;
    }
    memcpy(id, r.id, sizeof id);
    tui_form_close(t);
    t->screen = TUI_SCREEN_QUEUE;
    /* Show the new report where it sits in the whole queue. */
    FREE(&t->search);
    t->view.search = NULL;
    t->sel = t->top = 0;
    tui_queue_fetch(t);
    tui_queue_select_id(t, id);
    /* Names and numbers of detained people belong in the sealed table (`vigia followup`). */
    if (r.category == MODEL_CAT_DETENTION &&
        (app_text_has_person_data(r.what) || app_text_has_person_data(r.location) ||
         app_text_has_person_data(r.agency)))
        tui_set_msg(t, true, "%s",
                    _("Report saved; personal data in its text: record it with 'vigia followup "
                      "add' (sealed)"));
    else
        tui_set_msg(t, false, _("Report saved"));
    tui_verify_offer_link(t, id);
    rc = TUI_HANDLED | TUI_DIRTY_ALL;
out:
    model_report_fini(&r);
    return rc;
}

static int tui_form_move(struct tui_form *f, int d)
{
    f->focus = (f->focus + d + TUI_FF_COUNT) % TUI_FF_COUNT;
    return TUI_HANDLED | TUI_DIRTY_FULL;
}

int tui_form_key(struct tui *t, const struct tui_key *k)
{
    struct tui_form *f = &t->form;
    int i = f->focus;

    if (f->confirm_discard) {
        if (tui_key_is(k, 'y') || tui_key_is(k, 'Y') || tui_key_is(k, 's') || tui_key_is(k, 'S')) {
            tui_form_close(t);
            t->screen = TUI_SCREEN_QUEUE;
            tui_set_msg(t, false, _("Report discarded"));
            return TUI_HANDLED | TUI_DIRTY_ALL;
        }
        f->confirm_discard = false;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_is(k, TUI_KEY_ESC)) {
        if (tui_form_typed(f)) {
            f->confirm_discard = true;
            return TUI_HANDLED | TUI_DIRTY_FULL;
        }
        tui_form_close(t);
        t->screen = TUI_SCREEN_QUEUE;
        return TUI_HANDLED | TUI_DIRTY_ALL;
    }
    if (tui_key_is(k, TUI_CTRL('S')))
        return tui_form_save(t);
    if (tui_key_is(k, '\t') || tui_key_fn(k, KEY_DOWN))
        return tui_form_move(f, 1);
    if (tui_key_fn(k, KEY_BTAB) || tui_key_fn(k, KEY_UP))
        return tui_form_move(f, -1);
    if (tui_key_enter(k))
        return i == TUI_FF_COUNT - 1 ? tui_form_save(t) : tui_form_move(f, 1);
    if (tui_form_defs[i].choice) {
        int n = tui_form_nchoices(i);
        if (tui_key_fn(k, KEY_RIGHT) || tui_key_is(k, ' ') || tui_key_is(k, 'l')) {
            f->choice[i] = (f->choice[i] + 1) % n;
            return TUI_HANDLED | TUI_DIRTY_FULL;
        }
        if (tui_key_fn(k, KEY_LEFT) || tui_key_is(k, 'h')) {
            f->choice[i] = (f->choice[i] + n - 1) % n;
            return TUI_HANDLED | TUI_DIRTY_FULL;
        }
        return TUI_HANDLED;
    }
    if (tui_edit_key(&f->edit[i], k)) {
        FREE(&f->err[i]);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    return TUI_HANDLED;
}

void tui_form_draw(struct tui *t)
{
    struct tui_form *f = &t->form;
    WINDOW *w = t->w_full;
    int h = getmaxy(w), width = getmaxx(w), lw = 0, y = 2, fx, fw;
    attr_t label = tui_theme_attr(TUI_ROLE_LABEL);

    werase(w);
    /* TRANSLATORS: title of the new-report form; SALUTE is the order of its fields. */
    tui_draw_text(w, 0, 0, width,
                  _(" New report (SALUTE: size, activity, location, uniform, "
                    "time, equipment)"),
                  tui_theme_attr(TUI_ROLE_TITLE), true);
    for (int i = 0; i < TUI_FF_COUNT; i++) {
        int tw = text_width(_(tui_form_defs[i].label));
        if (tw > lw)
            lw = tw;
    }
    lw += 2;
    if (lw > width / 3)
        lw = width / 3;
    fx = 2 + lw;
    fw = width - fx - 2;
    for (int i = 0; i < TUI_FF_COUNT && y < h - 2; i++, y++) {
        bool focus = i == f->focus;
        attr_t fa = tui_theme_attr(focus ? TUI_ROLE_FOCUS : TUI_ROLE_FIELD);

        tui_draw_text(w, y, 0, 2, focus ? ">" : " ", label, true);
        tui_draw_text(w, y, 2, lw, _(tui_form_defs[i].label), focus ? label | A_BOLD : label,
                      false);
        if (tui_form_defs[i].choice) {
            /* TRANSLATORS: a choice field: "< call >"; arrows or Space change it. */
            char *c = xasprintf(_("< %s >"), tui_form_choice_label(i, f->choice[i]));
            int cw = tui_draw_text(w, y, fx, fw, c, fa, false);
            free(c);
            if (focus)
                tui_draw_text(w, y, fx + cw + 2, fw - cw - 2, _("←/→ or Space to change"),
                              tui_theme_attr(TUI_ROLE_HINT), false);
        } else if (f->edit[i].len == 0 && !focus && tui_form_defs[i].hint != NULL) {
            tui_draw_text(w, y, fx, fw, _(tui_form_defs[i].hint),
                          fa | tui_theme_attr(TUI_ROLE_HINT), true);
        } else {
            int cx;
            tui_edit_draw(&f->edit[i], w, y, fx, fw, fa, &cx);
            if (focus) {
                t->cur_w = w;
                t->cur_y = y;
                t->cur_x = cx;
            }
        }
        if (f->err[i] != NULL && y + 1 < h - 2) {
            y++;
            tui_draw_text(w, y, fx, fw, f->err[i], tui_theme_attr(TUI_ROLE_ERROR), false);
        }
    }
    if (f->msg != NULL)
        tui_draw_text(w, h - 2, 2, width - 4, f->msg, tui_theme_attr(TUI_ROLE_ERROR), false);
    if (f->confirm_discard)
        /* TRANSLATORS: y and n are the keys; "s" is accepted for "sí" too. */
        tui_draw_text(w, h - 1, 2, width - 4, _("Discard this report? (y/n)"),
                      tui_theme_attr(TUI_ROLE_ERROR), false);
    else
        /* TRANSLATORS: key hints at the bottom of the form; keep it under 78 columns. */
        tui_draw_text(w, h - 1, 2, width - 4,
                      _("Tab/↓ next · Shift-Tab/↑ previous · Ctrl-S save · Esc cancel"),
                      tui_theme_attr(TUI_ROLE_HINT), false);
    wattrset(w, A_NORMAL);
}

/* ---- who is at the keyboard ---------------------------------------------- */

int tui_name_key(struct tui *t, const struct tui_key *k)
{
    char *err = NULL;
    const char *name = tui_edit_str(&t->name_edit);

    if (tui_key_is(k, TUI_KEY_ESC))
        return TUI_HANDLED | TUI_QUIT;
    if (tui_key_enter(k)) {
        FREE(&t->name_err);
        if (app_set_actor(t->app, name, true, &err) != 0) {
            /* The name is fine but the config file cannot be written: keep it for now. */
            char *err2 = NULL;
            if (app_set_actor(t->app, name, false, &err2) != 0) {
                t->name_err = err2 ? err2 : err;
                if (err2 != NULL)
                    free(err);
                return TUI_HANDLED | TUI_DIRTY_FULL;
            }
            tui_set_msg(t, true, "%s", err ? err : _("cannot remember the name"));
            free(err);
        }
        tui_edit_fini(&t->name_edit);
        t->screen = TUI_SCREEN_QUEUE;
        return TUI_HANDLED | TUI_DIRTY_ALL;
    }
    if (tui_edit_key(&t->name_edit, k)) {
        FREE(&t->name_err);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    return TUI_HANDLED;
}

void tui_name_draw(struct tui *t)
{
    WINDOW *w = t->w_full;
    int h = getmaxy(w), width = getmaxx(w), fw = width > 60 ? 40 : width - 10, y = h / 2 - 3;
    int x = (width - fw) / 2, cx;

    werase(w);
    tui_draw_text(w, 0, 0, width, _(" vigia"), tui_theme_attr(TUI_ROLE_TITLE), true);
    tui_draw_centred(w, y, _("Who is at the keyboard?"), tui_theme_attr(TUI_ROLE_LABEL) | A_BOLD);
    tui_draw_centred(w, y + 2, _("Your name (recorded with every change):"),
                     tui_theme_attr(TUI_ROLE_NORMAL));
    tui_edit_draw(&t->name_edit, w, y + 4, x, fw, tui_theme_attr(TUI_ROLE_FOCUS), &cx);
    t->cur_w = w;
    t->cur_y = y + 4;
    t->cur_x = cx;
    if (t->name_err != NULL)
        tui_draw_centred(w, y + 6, t->name_err, tui_theme_attr(TUI_ROLE_ERROR));
    /* TRANSLATORS: key hints under the name prompt. */
    tui_draw_centred(w, h - 1, _("Enter to continue · Esc to quit"), tui_theme_attr(TUI_ROLE_HINT));
    wattrset(w, A_NORMAL);
}
