/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The referral directory in the console: a full-screen list of trusted
 * organisations filtered as the dispatcher types (words, need, language,
 * area; case and accents ignored), in the collation of the dispatcher's
 * language, with the selected entry's details below the list.
 *
 * 'R' in the queue opens it to look something up; 'f' on a report (queue or
 * full-screen report) opens it to refer that report's caller: Enter records
 * the organisation on the report's timeline, 'r' does the same and drafts a
 * follow-up reminder in two hours. Entries from the shipped sample and
 * entries not checked within resource_check_days are marked, so a sample
 * number is never read to a caller as if the network had vetted it.
 *
 * Layout (80x24 and up): title, two filter rows, the list, a separator,
 * six rows of details and a line of key hints. Data comes from
 * app_resource_search when the screen opens, whenever a filter changes and
 * when another process changed the database; drawing never queries. Each
 * opening starts without filters, so an old one never hides an entry.
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

/* Which filter is being typed. */
enum tui_rfield { TUI_RF_NONE, TUI_RF_WORDS, TUI_RF_LANGUAGE, TUI_RF_AREA };

/* The follow-up reminder 'r' drafts. */
#define TUI_RESOURCE_REMIND_MS (2 * 3600 * 1000LL)
/* Rows below the list: separator, six detail rows, key hints. */
#define TUI_RESOURCE_FOOT 8
/* Rows above the list: title, two filter rows, column header. */
#define TUI_RESOURCE_HEAD 4

struct tui_resources {
    enum tui_screen back; /* where Esc returns */
    char report_id[ULID_LEN + 1];
    char *report_place; /* the report's location, for the title */
    struct tui_edit words, language, area;
    enum tui_rfield editing;
    int need; /* enum model_service, or -1 for any */
    struct model_resource *rows;
    size_t n, sel, top;
    char *err;              /* why the last search failed */
    bool followups;         /* the list shows the follow-ups due ('F') */
    struct model_event *fu; /* follow-up reminders due */
    char **fu_place;        /* the location of each one's report */
    size_t nfu, fsel, ftop;
};

static struct tui_resources *tui_res(struct tui *t)
{
    if (t->res == NULL) {
        t->res = xcalloc(1, sizeof *t->res);
        tui_edit_init(&t->res->words, MODEL_MAX_SHORT);
        tui_edit_init(&t->res->language, 64);
        tui_edit_init(&t->res->area, MODEL_MAX_SHORT);
        t->res->need = -1;
    }
    return t->res;
}

static void tui_followups_free(struct tui_resources *r)
{
    for (size_t i = 0; i < r->nfu; i++)
        free(r->fu_place[i]);
    FREE(&r->fu_place);
    app_events_free(r->fu, r->nfu);
    r->fu = NULL;
    r->nfu = 0;
}

/* Load the follow-ups due now, with their reports' places. */
static void tui_followups_fetch(struct tui *t)
{
    struct tui_resources *r = t->res;
    char *err = NULL;

    tui_followups_free(r);
    if (app_followups_due(t->app, timeutil_now_ms(), &r->fu, &r->nfu, &err) != 0) {
        free(err);
        r->fu = NULL;
        r->nfu = 0;
    }
    r->fu_place = xcalloc(r->nfu + 1, sizeof *r->fu_place);
    for (size_t i = 0; i < r->nfu; i++) {
        struct model_report rep;
        if (r->fu[i].report_id != NULL &&
            app_report_get(t->app, r->fu[i].report_id, &rep, NULL) == 0)
            r->fu_place[i] = xstrdup(rep.location);
        model_report_fini(&rep);
    }
    if (r->fsel >= r->nfu)
        r->fsel = r->nfu > 0 ? r->nfu - 1 : 0;
    if (r->nfu == 0)
        r->followups = false;
}

void tui_resources_fini(struct tui *t)
{
    struct tui_resources *r = t->res;

    if (r == NULL)
        return;
    tui_followups_free(r);
    app_resources_free(r->rows, r->n);
    tui_edit_fini(&r->words);
    tui_edit_fini(&r->language);
    tui_edit_fini(&r->area);
    free(r->report_place);
    free(r->err);
    free(r);
    t->res = NULL;
}

/* Run the search for the current filters, keeping the selection on the same entry. */
static void tui_resources_fetch(struct tui *t)
{
    struct tui_resources *r = tui_res(t);
    struct app_resource_query q = {
        .text = tui_edit_str(&r->words),
        .need = r->need >= 0 ? model_service_name((enum model_service)r->need) : NULL,
        .language = tui_edit_str(&r->language),
        .area = tui_edit_str(&r->area),
    };
    char keep[ULID_LEN + 1] = "";
    char *err = NULL;

    if (r->sel < r->n)
        memcpy(keep, r->rows[r->sel].id, sizeof keep);
    app_resources_free(r->rows, r->n);
    r->rows = NULL;
    r->n = 0;
    FREE(&r->err);
    if (app_resource_search(t->app, &q, &r->rows, &r->n, &err) != 0)
        r->err = err;
    r->sel = 0;
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->rows[i].id, keep) == 0)
            r->sel = i;
}

bool tui_resources_recalc(struct tui *t)
{
    if (t->res == NULL)
        return false;
    tui_resources_fetch(t);
    tui_followups_fetch(t);
    return true;
}

int tui_resources_open(struct tui *t, const char *report_id)
{
    struct tui_resources *r = tui_res(t);

    r->back = t->screen;
    r->editing = TUI_RF_NONE;
    /* Each look-up starts afresh: an old filter would hide entries unnoticed. */
    tui_edit_set(&r->words, "");
    tui_edit_set(&r->language, "");
    tui_edit_set(&r->area, "");
    r->need = -1;
    r->followups = false;
    tui_followups_fetch(t);
    r->report_id[0] = '\0';
    FREE(&r->report_place);
    if (report_id != NULL) {
        struct model_report rep;
        snprintf(r->report_id, sizeof r->report_id, "%s", report_id);
        if (app_report_get(t->app, report_id, &rep, NULL) == 0)
            r->report_place = xstrdup(rep.location);
        model_report_fini(&rep);
    }
    tui_resources_fetch(t);
    t->screen = TUI_SCREEN_RESOURCES;
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
}

bool tui_resources_editing(const struct tui *t)
{
    return t->res != NULL && t->res->editing != TUI_RF_NONE;
}

static struct tui_edit *tui_resources_edit(struct tui_resources *r)
{
    switch (r->editing) {
    case TUI_RF_WORDS:
        return &r->words;
    case TUI_RF_LANGUAGE:
        return &r->language;
    case TUI_RF_AREA:
        return &r->area;
    default:
        return NULL;
    }
}

/* Refer the report's caller to the selected entry. */
static int tui_resources_refer(struct tui *t, int64_t remind_ms)
{
    struct tui_resources *r = t->res;
    const struct model_resource *sel;
    char *err = NULL;

    if (r->report_id[0] == '\0') {
        tui_set_msg(t, false, "%s", _("open a report and press f to refer its caller"));
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    }
    if (r->sel >= r->n)
        return TUI_HANDLED;
    sel = &r->rows[r->sel];
    if (app_refer(t->app, r->report_id, sel->id, NULL, remind_ms, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("unknown error"));
        free(err);
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    }
    if (remind_ms > 0)
        /* TRANSLATORS: after a referral with a reminder; %s is the organisation. */
        tui_set_msg(t, false, _("referred to %s, follow-up 2h"), sel->name);
    else
        /* TRANSLATORS: after a referral; %s is the organisation. */
        tui_set_msg(t, false, _("referred to %s"), sel->name);
    t->screen = r->back;
    return TUI_HANDLED | TUI_DIRTY_ALL | TUI_RECALC;
}

/* Move the selection by @delta rows, within the list. */
static int tui_resources_move(struct tui_resources *r, long delta)
{
    long s = (long)r->sel + delta;

    if (r->n == 0)
        return TUI_HANDLED;
    if (s < 0)
        s = 0;
    if (s >= (long)r->n)
        s = (long)r->n - 1;
    r->sel = (size_t)s;
    return TUI_HANDLED | TUI_DIRTY_FULL;
}

/* Keys of the follow-ups list: move, Enter marks done, Esc back to the directory. */
static int tui_followups_key(struct tui *t, const struct tui_key *k)
{
    struct tui_resources *r = t->res;
    char *err = NULL;

    if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k')) {
        if (r->fsel > 0)
            r->fsel--;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j')) {
        if (r->fsel + 1 < r->nfu)
            r->fsel++;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_enter(k) && r->fsel < r->nfu) {
        char *text = app_event_text(t->app, &r->fu[r->fsel]);
        if (app_followup_done(t->app, r->fu[r->fsel].id, NULL, &err) != 0) {
            tui_set_msg(t, true, "%s", err ? err : _("unknown error"));
            free(err);
            free(text);
            return TUI_HANDLED | TUI_DIRTY_STATUS;
        }
        /* TRANSLATORS: after marking a follow-up reminder done; %s is the reminder. */
        {
            const char *q = strstr(text, ": "); /* the question, without the due time */
            tui_set_msg(t, false, _("done: %s"), q ? q + 2 : text);
        }
        free(text);
        tui_followups_fetch(t);
        return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
    }
    if (tui_key_is(k, TUI_KEY_ESC) || tui_key_is(k, 'q') || tui_key_fn(k, KEY_LEFT)) {
        r->followups = false;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    return 0;
}

int tui_resources_key(struct tui *t, const struct tui_key *k)
{
    struct tui_resources *r = tui_res(t);
    struct tui_edit *e = tui_resources_edit(r);
    int page = t->w_full != NULL ? getmaxy(t->w_full) - TUI_RESOURCE_HEAD - TUI_RESOURCE_FOOT : 5;

    if (page < 1)
        page = 1;
    if (e != NULL) {
        /* Filtering as one types: the directory is small. */
        if (tui_key_enter(k) || tui_key_is(k, TUI_KEY_ESC) || tui_key_is(k, '\t')) {
            r->editing = TUI_RF_NONE;
            return TUI_HANDLED | TUI_DIRTY_FULL;
        }
        if (tui_key_fn(k, KEY_UP) || tui_key_fn(k, KEY_DOWN)) {
            r->editing = TUI_RF_NONE;
            return tui_resources_move(r, tui_key_fn(k, KEY_UP) ? -1 : 1);
        }
        if (tui_edit_key(e, k) & TUI_HANDLED) {
            tui_resources_fetch(t);
            return TUI_HANDLED | TUI_DIRTY_FULL;
        }
        return TUI_HANDLED;
    }
    if (tui_key_is(k, 'F')) {
        if (!r->followups && r->nfu == 0) {
            tui_set_msg(t, false, "%s", _("no follow-up is due"));
            return TUI_HANDLED | TUI_DIRTY_STATUS;
        }
        r->followups = !r->followups;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (r->followups)
        return tui_followups_key(t, k);
    if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k'))
        return tui_resources_move(r, -1);
    if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j'))
        return tui_resources_move(r, 1);
    if (tui_key_fn(k, KEY_PPAGE) || tui_key_is(k, TUI_CTRL('B')))
        return tui_resources_move(r, -page);
    if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, TUI_CTRL('F')) || tui_key_is(k, ' '))
        return tui_resources_move(r, page);
    if (tui_key_fn(k, KEY_HOME) || tui_key_is(k, 'g'))
        return tui_resources_move(r, -(long)r->n);
    if (tui_key_fn(k, KEY_END) || tui_key_is(k, 'G'))
        return tui_resources_move(r, (long)r->n);
    if (tui_key_is(k, '/') || tui_key_is(k, 's')) {
        r->editing = TUI_RF_WORDS;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_is(k, 'l')) {
        r->editing = TUI_RF_LANGUAGE;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_is(k, 'a')) {
        r->editing = TUI_RF_AREA;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_is(k, 'n') || tui_key_is(k, 'N')) {
        /* Cycle through the needs: any, then each service. */
        int step = tui_key_is(k, 'n') ? 1 : -1;
        r->need = (r->need + 1 + step + MODEL_SERVICE_COUNT + 1) % (MODEL_SERVICE_COUNT + 1) - 1;
        tui_resources_fetch(t);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_is(k, 'c')) {
        tui_edit_set(&r->words, "");
        tui_edit_set(&r->language, "");
        tui_edit_set(&r->area, "");
        r->need = -1;
        tui_resources_fetch(t);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_enter(k) || tui_key_is(k, 'f'))
        return tui_resources_refer(t, 0);
    if (tui_key_is(k, 'r'))
        return tui_resources_refer(t, TUI_RESOURCE_REMIND_MS);
    if (tui_key_is(k, TUI_KEY_ESC) || tui_key_is(k, 'q') || tui_key_fn(k, KEY_LEFT)) {
        t->screen = r->back;
        return TUI_HANDLED | TUI_DIRTY_ALL;
    }
    return 0;
}

/* ---- drawing ------------------------------------------------------------------- */

/* "[SAMPLE] [not checked 200d]" for an entry; newly allocated ("" when none). */
static char *tui_resources_marks(struct tui *t, const struct model_resource *e)
{
    struct buf b;
    int age;

    buf_init(&b);
    buf_adds(&b, "");
    if (e->sample)
        /* TRANSLATORS: mark of an entry from the shipped sample directory; keep it short. */
        buf_adds(&b, _("SAMPLE"));
    if (app_resource_unchecked(t->app, e, t->now, &age)) {
        if (b.len > 0)
            buf_addc(&b, ' ');
        if (age < 0)
            /* TRANSLATORS: mark of an entry nobody checked; keep it short. */
            buf_adds(&b, _("unchecked"));
        else
            /* TRANSLATORS: mark of an entry last checked N days ago; keep it short. */
            buf_printf(&b, _("checked %dd ago"), age);
    }
    return buf_steal(&b);
}

/* One filter: "Label: value" or the editor when it is being typed. */
static int tui_resources_filter(struct tui *t, int y, int x, int width, const char *label,
                                struct tui_edit *e, bool editing)
{
    WINDOW *w = t->w_full;
    int lw = tui_draw_text(w, y, x, width, label, tui_theme_attr(TUI_ROLE_LABEL), false);

    x += lw;
    width -= lw;
    if (width <= 1)
        return lw;
    if (editing) {
        tui_edit_draw(e, w, y, x + 1, width - 1, tui_theme_attr(TUI_ROLE_FOCUS), &t->cur_x);
        t->cur_w = w;
        t->cur_y = y;
    } else if (*tui_edit_str(e) != '\0') {
        tui_draw_text(w, y, x + 1, width - 1, tui_edit_str(e), tui_theme_attr(TUI_ROLE_FIELD),
                      false);
    } else {
        /* TRANSLATORS: a filter that is not set. */
        tui_draw_text(w, y, x + 1, width - 1, _("any"), tui_theme_attr(TUI_ROLE_HINT), false);
    }
    return lw + width;
}

/* The details of the selected entry, @rows lines from @y. */
static void tui_resources_details(struct tui *t, int y, int rows, int width)
{
    struct tui_resources *r = t->res;
    const struct model_resource *e = r->sel < r->n ? &r->rows[r->sel] : NULL;
    WINDOW *w = t->w_full;
    attr_t lab = tui_theme_attr(TUI_ROLE_LABEL), norm = tui_theme_attr(TUI_ROLE_NORMAL);
    struct buf b;
    int x;

    if (e == NULL || rows < 1)
        return;
    buf_init(&b);
    buf_adds(&b, "");
    for (int i = 0; i < MODEL_SERVICE_COUNT; i++)
        if (e->services & (1u << i)) {
            if (b.len > 0)
                buf_adds(&b, ", ");
            buf_adds(&b, model_service_label((enum model_service)i));
        }
    x = 1 + tui_draw_text(w, y, 1, width, _("Services: "), lab, false);
    tui_draw_text(w, y, x, width - x, buf_str(&b), norm, false);
    if (rows < 2)
        goto out;
    buf_reset(&b);
    buf_printf(&b, "%s · %s", e->languages ? e->languages : "-",
               e->areas ? e->areas : _("anywhere"));
    if (e->hours != NULL)
        buf_printf(&b, " · %s", e->hours);
    x = 1 + tui_draw_text(w, y + 1, 1, width, _("Speaks · serves: "), lab, false);
    tui_draw_text(w, y + 1, x, width - x, buf_str(&b), norm, false);
    if (rows < 3)
        goto out;
    buf_reset(&b);
    /* TRANSLATORS: what a provider takes: detained, non-detained, criminal history… */
    buf_printf(&b, _("detained %s · not detained %s · criminal record %s · fees %s"),
               model_tri_label(e->detained), model_tri_label(e->non_detained),
               model_tri_label(e->criminal), e->fees ? e->fees : "?");
    tui_draw_text(w, y + 2, 1, width - 1, buf_str(&b), norm, false);
    if (rows < 4)
        goto out;
    if (e->excluded_statuses != NULL || e->courts != NULL) {
        buf_reset(&b);
        if (e->excluded_statuses != NULL)
            /* TRANSLATORS: immigration statuses a provider does not take. */
            buf_printf(&b, _("not for: %s  "), e->excluded_statuses);
        if (e->courts != NULL)
            buf_printf(&b, _("courts: %s"), e->courts);
        tui_draw_text(w, y + 3, 1, width - 1, buf_str(&b), norm, false);
    } else if (e->notes != NULL) {
        tui_draw_text(w, y + 3, 1, width - 1, e->notes, norm, false);
    }
    if (rows < 5)
        goto out;
    if (e->vetting != NULL) {
        x = 1 + tui_draw_text(w, y + 4, 1, width, _("Vetting: "), lab, false);
        tui_draw_text(w, y + 4, x, width - x, e->vetting, norm, false);
    }
    if (rows < 6)
        goto out;
    buf_reset(&b);
    if (e->checked_at != 0) {
        char day[24];
        timeutil_local(e->checked_at, day);
        day[10] = '\0';
        /* TRANSLATORS: when and by whom the network last checked an entry. */
        buf_printf(&b, _("checked %s %s"), day, e->checked_by ? e->checked_by : "");
    } else {
        buf_adds(&b, _("never checked by the network: call before giving it out"));
    }
    tui_draw_text(w, y + 5, 1, width - 1, buf_str(&b),
                  tui_theme_attr(e->checked_at ? TUI_ROLE_HINT : TUI_ROLE_ERROR), false);
out:
    buf_fini(&b);
}

/* The follow-ups due in the list area, @list rows from row @y0. */
static void tui_followups_draw(struct tui *t, int y0, int list, int width)
{
    struct tui_resources *r = t->res;
    WINDOW *w = t->w_full;
    attr_t head = tui_theme_attr(TUI_ROLE_HEADER);

    tui_draw_blank(w, y0 - 1, 0, width, head);
    /* TRANSLATORS: column headers of the follow-ups list. */
    tui_draw_text(w, y0 - 1, 2, 12, _("Due"), head, false);
    tui_draw_text(w, y0 - 1, 15, 24, _("Report"), head, false);
    tui_draw_text(w, y0 - 1, 40, width - 41, _("Follow-up"), head, false);
    if (r->fsel < r->ftop)
        r->ftop = r->fsel;
    if (r->fsel >= r->ftop + (size_t)list)
        r->ftop = r->fsel - (size_t)list + 1;
    for (int row = 0; row < list && r->ftop + (size_t)row < r->nfu; row++) {
        size_t i = r->ftop + (size_t)row;
        const struct model_event *e = &r->fu[i];
        bool sel = i == r->fsel;
        attr_t a = sel ? tui_theme_attr(TUI_ROLE_SELECTED) : tui_theme_attr(TUI_ROLE_NORMAL);
        char when[24];
        char *text = app_event_text(t->app, e);
        /* "follow up at 2026-11-22 12:00: did the caller reach X?" -> the question. */
        const char *q = strstr(text, ": ");
        int y = y0 + row;
        timeutil_local(app_followup_due_at(e), when);
        tui_draw_blank(w, y, 0, width, a);
        tui_draw_text(w, y, 0, 2, sel ? ">" : " ", a, false);
        tui_draw_text(w, y, 2, 12, when + 5, a, false); /* "11-22 10:00" */
        tui_draw_text(w, y, 15, 24, r->fu_place[i] ? r->fu_place[i] : "?", a, false);
        tui_draw_text(w, y, 40, width - 41, q ? q + 2 : text, a, false);
        free(text);
    }
}

void tui_resources_draw(struct tui *t)
{
    struct tui_resources *r = tui_res(t);
    WINDOW *w = t->w_full;
    int h = getmaxy(w), width = getmaxx(w), list, y, cw, mw, nw, aw;
    attr_t title = tui_theme_attr(TUI_ROLE_TITLE), head = tui_theme_attr(TUI_ROLE_HEADER);
    bool any_sample = false;
    char *s;

    werase(w);
    if (r->report_id[0] != '\0')
        /* TRANSLATORS: title while choosing an organisation for a caller; %s is the place. */
        s = xasprintf(_(" Refer the caller of \"%s\" to…"),
                      r->report_place ? r->report_place : "?");
    else
        /* TRANSLATORS: title of the referral directory. */
        s = xasprintf("%s", _(" Resources: trusted organisations"));
    tui_draw_text(w, 0, 0, width, s, title, true);
    free(s);

    /* Filters: words and need; language and area. */
    tui_resources_filter(t, 1, 1, width / 2 - 1, _("Search (/):"), &r->words,
                         r->editing == TUI_RF_WORDS);
    y = width / 2 + 1;
    y += tui_draw_text(w, 1, y, width - y, _("Need (n):"), tui_theme_attr(TUI_ROLE_LABEL), false);
    tui_draw_text(w, 1, y + 1, width - y - 2,
                  r->need >= 0 ? model_service_label((enum model_service)r->need) : _("any"),
                  tui_theme_attr(r->need >= 0 ? TUI_ROLE_FIELD : TUI_ROLE_HINT), false);
    tui_resources_filter(t, 2, 1, width / 2 - 1, _("Language (l):"), &r->language,
                         r->editing == TUI_RF_LANGUAGE);
    tui_resources_filter(t, 2, width / 2 + 1, width - width / 2 - 2, _("Area (a):"), &r->area,
                         r->editing == TUI_RF_AREA);

    /* Columns: name, contact, marks. */
    cw = 16;
    mw = 20;
    nw = width - 2 - cw - mw - 2;
    /* Wide terminals: the places served get a column of their own. */
    aw = nw > 48 ? nw - 44 : 0;
    nw -= aw;
    tui_draw_blank(w, 3, 0, width, head);
    tui_draw_text(w, 3, 2, nw, _("Organisation"), head, false);
    tui_draw_text(w, 3, 2 + nw + 1, cw, _("Contact"), head, false);
    tui_draw_text(w, 3, 2 + nw + 1 + cw + 1, mw, _("Flags"), head, false);
    if (aw > 0)
        tui_draw_text(w, 3, 2 + nw + 1 + cw + 1 + mw + 1, aw - 1, _("Serves"), head, false);

    list = h - TUI_RESOURCE_HEAD - TUI_RESOURCE_FOOT;
    if (list < 1)
        list = 1;
    if (r->sel < r->top)
        r->top = r->sel;
    if (r->sel >= r->top + (size_t)list)
        r->top = r->sel - (size_t)list + 1;
    for (size_t i = 0; i < r->n; i++)
        any_sample |= r->rows[i].sample;
    if (r->followups) {
        tui_followups_draw(t, TUI_RESOURCE_HEAD, list, width);
    } else if (r->err != NULL) {
        tui_draw_text(w, TUI_RESOURCE_HEAD, 2, width - 3, r->err, tui_theme_attr(TUI_ROLE_ERROR),
                      false);
    } else if (r->n == 0) {
        tui_draw_text(w, TUI_RESOURCE_HEAD, 2, width - 3,
                      _("no organisation matches (c clears the filters; import a directory with "
                        "vigia resource import FILE)"),
                      tui_theme_attr(TUI_ROLE_HINT), false);
    }
    for (int row = 0; !r->followups && row < list && r->top + (size_t)row < r->n; row++) {
        size_t i = r->top + (size_t)row;
        const struct model_resource *e = &r->rows[i];
        bool sel = i == r->sel;
        attr_t a = sel ? tui_theme_attr(TUI_ROLE_SELECTED) : tui_theme_attr(TUI_ROLE_NORMAL);
        char *marks = tui_resources_marks(t, e);
        y = TUI_RESOURCE_HEAD + row;
        tui_draw_blank(w, y, 0, width, a);
        tui_draw_text(w, y, 0, 2, sel ? ">" : " ", a, false);
        tui_draw_text(w, y, 2, nw, e->name, a, false);
        tui_draw_text(w, y, 2 + nw + 1, cw, e->contact ? e->contact : "", a, false);
        tui_draw_text(w, y, 2 + nw + 1 + cw + 1, mw, marks,
                      sel ? a : tui_theme_attr(TUI_ROLE_STALE), false);
        if (aw > 0)
            tui_draw_text(w, y, 2 + nw + 1 + cw + 1 + mw + 1, aw - 1,
                          e->areas ? e->areas : _("anywhere"), a, false);
        free(marks);
    }

    y = h - TUI_RESOURCE_FOOT;
    wattrset(w, (int)tui_theme_attr(TUI_ROLE_BORDER));
    mvwhline(w, y, 0, ACS_HLINE, width);
    {
        char *due = NULL;
        int dw = 0;
        if (r->nfu > 0 && !r->followups) {
            /* TRANSLATORS: on the separator, right end: reminders from referrals that are due. */
            due = xasprintf(
                NG_(" F: %zu follow-up due ", " F: %zu follow-ups due ", (unsigned long)r->nfu),
                r->nfu);
            dw = text_width(due);
        }
        if (any_sample && !r->followups)
            /* TRANSLATORS: on the separator when sample entries are listed. */
            tui_draw_text(w, y, 2, width - 6 - dw,
                          _(" SAMPLE entries: replace them with your own list "),
                          tui_theme_attr(TUI_ROLE_ERROR), false);
        if (due != NULL)
            tui_draw_text(w, y, width - dw - 2, dw, due, tui_theme_attr(TUI_ROLE_MESSAGE), false);
        free(due);
    }
    if (!r->followups)
        tui_resources_details(t, y + 1, TUI_RESOURCE_FOOT - 2, width - 2);
    if (r->followups)
        /* TRANSLATORS: key hints of the follow-ups list; keep it short. */
        s = _("↑/↓ select · Enter done (the caller was reached) · F or Esc back");
    else if (r->report_id[0] != '\0')
        /* TRANSLATORS: key hints of the referral directory while referring; keep it short. */
        s = _("Enter refer · r refer + follow-up 2h · / n l a filter · c clear · Esc back");
    else
        /* TRANSLATORS: key hints of the referral directory; keep it short. */
        s = _("↑/↓ select · / words · n need · l language · a area · c clear · Esc back");
    tui_draw_text(w, h - 1, 1, width - 2, s, tui_theme_attr(TUI_ROLE_HINT), false);
    wattrset(w, A_NORMAL);
}
