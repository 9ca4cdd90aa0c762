/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Verification in the console: the report's verification view and the audit
 * view, plus the bits of the queue that come from incidents (caller counts)
 * and verdicts (the verdict line in the detail pane).
 *
 * The verification view ('v' on a report) shows the incident's checklist,
 * each item with its answer, who gave it, when and a note; y, n and u answer
 * the selected item, N edits its note. With a verifier out on the report, o
 * then y, n or u records the answer as theirs, relayed by the dispatcher on
 * the phone with them (app_assignment_observe). Above it, the verdict hint:
 * advice only, the status is changed by a person with 's', which offers the states
 * the lifecycle allows from here and asks for the note the rule needs (a
 * refusal is shown and the prompt stays open). Tab shows the incident's
 * timeline; L offers reports near this one in place and time to link.
 *
 * The audit view ('A' in the queue) lists every event, newest first,
 * filtered by person and by time.
 *
 * All data comes from app_* calls made when a screen opens, after a change
 * and when another process changed the database; drawing never queries.
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

/* What the list area of the verification view shows. */
enum tui_vmode { TUI_V_CHECKLIST, TUI_V_TIMELINE, TUI_V_LINK, TUI_V_STATUS, TUI_V_COUNT };

/* Which line editor is open on the verification or audit view. */
enum tui_vprompt {
    TUI_VP_NONE,
    TUI_VP_ITEM_NOTE,   /* note of the selected checklist item */
    TUI_VP_STATUS_NOTE, /* the note a status change needs */
    TUI_VP_PERSON,      /* audit: filter by person */
    TUI_VP_SINCE,       /* audit: filter by time */
};

#define TUI_EVENTS_MAX 500
#define TUI_NEAR_MAX 20

struct tui_verify {
    /* The verification view. */
    char id[ULID_LEN + 1]; /* the report it was opened on */
    struct model_report report;
    bool loaded;
    struct app_verification v;
    char *verdict; /* the incident's verdict line */
    struct model_event *events;
    size_t nevents;
    struct model_report *near;
    size_t nnear;
    enum model_status targets[MODEL_STATUS_COUNT];
    size_t ntargets;
    enum model_status pending; /* the state chosen, waiting for its note */
    enum tui_vmode mode;
    int sel[TUI_V_COUNT], top[TUI_V_COUNT];
    enum tui_vprompt prompt;
    struct tui_edit edit;
    enum tui_screen back; /* where Esc returns */
    /* The verifier out on the report (the open assignment with the latest word). */
    char obs_id[ULID_LEN + 1]; /* "" when nobody is out */
    char *obs_name;
    bool observe;   /* 'o' pressed: the next y/n/u is the verifier's */
    char *obs_line; /* what 'o' did, above the keys until the next key */

    /* The audit view. */
    struct model_event *audit;
    size_t naudit;
    int asel, atop;
    char *person;
    int64_t since;
    char *since_text;

    /* The queue: callers per row of the page, and the pane's verdict line. */
    char (*incident)[ULID_LEN + 1];
    size_t *callers;
    size_t ncallers;
    char pane_id[ULID_LEN + 1];
    char *pane_verdict;
};

static struct tui_verify *tui_tv(struct tui *t)
{
    if (t->verify == NULL) {
        t->verify = xcalloc(1, sizeof *t->verify);
        tui_edit_init(&t->verify->edit, MODEL_MAX_LONG);
    }
    return t->verify;
}

/* Drop what the verification view loaded. */
static void tui_verify_unload(struct tui_verify *v)
{
    if (v->loaded) {
        model_report_fini(&v->report);
        app_verification_fini(&v->v);
    }
    v->loaded = false;
    FREE(&v->verdict);
    app_events_free(v->events, v->nevents);
    v->events = NULL;
    v->nevents = 0;
    app_reports_free(v->near, v->nnear);
    v->near = NULL;
    v->nnear = 0;
    v->obs_id[0] = '\0';
    FREE(&v->obs_name);
}

/*
 * The verifier whose observations 'o' records: among the open assignments
 * on the incident's reports, one on scene before others, then the one with
 * the latest word.
 */
static void tui_verify_load_observer(struct tui *t)
{
    struct tui_verify *v = t->verify;
    struct model_assignment best;
    struct model_verifier who;
    bool have = false;

    model_assignment_init(&best);
    for (size_t m = 0; m < v->v.nmembers; m++) {
        struct model_assignment *rows = NULL;
        size_t n = 0;
        if (app_assignments(t->app, v->v.members[m], true, &rows, &n, NULL) != 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            bool scene = rows[i].state == MODEL_ASSIGN_ON_SCENE;
            bool best_scene = have && best.state == MODEL_ASSIGN_ON_SCENE;
            if (!have || (scene && !best_scene) ||
                (scene == best_scene && rows[i].last_word_at > best.last_word_at)) {
                memcpy(best.id, rows[i].id, sizeof best.id);
                memcpy(best.verifier_id, rows[i].verifier_id, sizeof best.verifier_id);
                best.state = rows[i].state;
                best.last_word_at = rows[i].last_word_at;
                have = true;
            }
        }
        app_assignments_free(rows, n);
    }
    if (have) {
        snprintf(v->obs_id, sizeof v->obs_id, "%s", best.id);
        if (app_verifier_find(t->app, best.verifier_id, &who, NULL) == 0) {
            v->obs_name = xstrdup(who.name ? who.name : best.verifier_id);
            model_verifier_fini(&who);
        } else {
            v->obs_name = xstrdup(best.verifier_id);
        }
    }
    model_assignment_fini(&best);
}

void tui_verify_fini(struct tui *t)
{
    struct tui_verify *v = t->verify;

    if (v == NULL)
        return;
    tui_verify_unload(v);
    tui_edit_fini(&v->edit);
    app_events_free(v->audit, v->naudit);
    free(v->person);
    free(v->since_text);
    free(v->incident);
    free(v->callers);
    free(v->pane_verdict);
    free(v->obs_name);
    free(v->obs_line);
    free(v);
    t->verify = NULL;
}

/* Keep a selection inside [0, n) and its list scrolled so it shows in @rows. */
static void tui_clamp(int *sel, int *top, int n, int rows)
{
    if (*sel >= n)
        *sel = n - 1;
    if (*sel < 0)
        *sel = 0;
    if (rows < 1)
        rows = 1;
    if (*sel < *top)
        *top = *sel;
    if (*sel >= *top + rows)
        *top = *sel - rows + 1;
    if (*top > (n > rows ? n - rows : 0))
        *top = n > rows ? n - rows : 0;
    if (*top < 0)
        *top = 0;
}

/* (Re)load everything the verification view shows; false (and a message) on failure. */
static bool tui_verify_load(struct tui *t)
{
    struct tui_verify *v = tui_tv(t);
    struct app_event_filter f = {.oldest_first = true, .limit = TUI_EVENTS_MAX};
    char *err = NULL;

    tui_verify_unload(v);
    if (app_report_get(t->app, v->id, &v->report, &err) != 0) {
        model_report_fini(&v->report);
        tui_set_msg(t, true, "%s", err ? err : _("cannot read the report"));
        free(err);
        return false;
    }
    if (app_verification_get(t->app, v->id, &v->v, &err) != 0) {
        model_report_fini(&v->report);
        tui_set_msg(t, true, "%s", err ? err : _("cannot read the checklist"));
        free(err);
        return false;
    }
    v->loaded = true;
    if (app_report_verdict(t->app, v->id, &v->verdict, &err) != 0)
        FREE(&err);
    f.report_id = v->id;
    if (app_events(t->app, &f, &v->events, &v->nevents, &err) != 0)
        FREE(&err);
    if (app_nearby(t->app, v->id, TUI_NEAR_MAX, &v->near, &v->nnear, &err) != 0)
        FREE(&err);
    v->ntargets = model_status_targets(v->v.status, v->targets);
    tui_verify_load_observer(t);
    return true;
}

int tui_verify_open(struct tui *t, const char *id)
{
    struct tui_verify *v = tui_tv(t);

    if (id == NULL)
        return TUI_HANDLED;
    snprintf(v->id, sizeof v->id, "%s", id);
    if (!tui_verify_load(t))
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    if (t->screen != TUI_SCREEN_VERIFY)
        v->back = t->screen == TUI_SCREEN_AUDIT ? TUI_SCREEN_AUDIT : TUI_SCREEN_QUEUE;
    v->mode = TUI_V_CHECKLIST;
    v->prompt = TUI_VP_NONE;
    v->observe = false;
    FREE(&v->obs_line);
    memset(v->sel, 0, sizeof v->sel);
    memset(v->top, 0, sizeof v->top);
    /* Start on the first item nobody has answered. */
    for (size_t i = 0; i < v->v.list->n; i++)
        if (v->v.checks[i].state == MODEL_UNKNOWN) {
            v->sel[TUI_V_CHECKLIST] = (int)i;
            break;
        }
    t->screen = TUI_SCREEN_VERIFY;
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
}

void tui_verify_recalc(struct tui *t)
{
    struct tui_verify *v = t->verify;

    if (v == NULL)
        return;
    FREE(&v->pane_verdict);
    v->pane_id[0] = '\0';
    if (t->screen == TUI_SCREEN_VERIFY && !tui_verify_load(t))
        t->screen = TUI_SCREEN_QUEUE;
    else if (t->screen == TUI_SCREEN_AUDIT)
        tui_audit_load(t);
}

bool tui_verify_editing(const struct tui *t)
{
    return t->verify != NULL && t->verify->prompt != TUI_VP_NONE &&
           (t->screen == TUI_SCREEN_VERIFY || t->screen == TUI_SCREEN_AUDIT);
}

/* After a change: the recalc pass reloads this view and refetches the queue. */
static int tui_verify_changed(struct tui *t)
{
    struct tui_verify *v = t->verify;

    FREE(&v->pane_verdict);
    v->pane_id[0] = '\0';
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS | TUI_RECALC;
}

/* Answer the selected checklist item, keeping its note unless @note is given. */
static int tui_verify_answer(struct tui *t, enum model_tri state, const char *note)
{
    struct tui_verify *v = t->verify;
    const struct app_check *c;
    char *err = NULL;

    if (v->v.list->n == 0)
        return TUI_HANDLED;
    c = &v->v.checks[v->sel[TUI_V_CHECKLIST]];
    if (app_check_set(t->app, v->id, c->item->key, state,
                      note != NULL   ? note
                      : c->from_call ? NULL
                                     : c->note,
                      &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot save the answer"));
        free(err);
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    }
    /* Move on to the next item, as a verifier goes down the list. */
    if (note == NULL && v->sel[TUI_V_CHECKLIST] + 1 < (int)v->v.list->n)
        v->sel[TUI_V_CHECKLIST]++;
    return tui_verify_changed(t);
}

/* Record the selected item's answer as the observation of the verifier out on the report. */
static int tui_verify_observe(struct tui *t, enum model_tri state)
{
    struct tui_verify *v = t->verify;
    const struct app_check *c;
    char *err = NULL;

    v->observe = false;
    if (v->v.list->n == 0)
        return TUI_HANDLED | TUI_DIRTY_FULL;
    if (v->obs_id[0] == '\0') {
        v->obs_line = xstrdup(_("no verifier is out on this report: y/n/u record your own answer"));
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    c = &v->v.checks[v->sel[TUI_V_CHECKLIST]];
    if (app_assignment_observe(t->app, v->obs_id, c->item->key, state,
                               c->from_call ? NULL : c->note, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot save the answer"));
        free(err);
        return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
    }
    {
        /* TRANSLATORS: after recording a verifier's observation in the verification view:
           "Rosa M.: Several vehicles parked — yes (relayed by ana)". */
        const char *fmt = _("%s: %s — %s (relayed by %s)");
        const char *name = v->obs_name ? v->obs_name : "?", *label;
        const char *actor = app_actor(t->app) ? app_actor(t->app) : "?";
        char *bare = xasprintf(fmt, name, "", model_tri_label(state), actor), *cut = NULL;
        int room = getmaxx(t->w_full) - 2 - text_width(bare);
        /* The item's label gives way first, so who and what always show. */
        label = model_check_text(c->item->label);
        if (text_width(label) > room && room > 1) {
            cut = xasprintf("%.*s…", (int)text_fit(label, room - 1, NULL), label);
            label = cut;
        }
        v->obs_line = xasprintf(fmt, name, label, model_tri_label(state), actor);
        free(bare);
        free(cut);
    }
    if (v->sel[TUI_V_CHECKLIST] + 1 < (int)v->v.list->n)
        v->sel[TUI_V_CHECKLIST]++;
    return tui_verify_changed(t);
}

/* Apply the pending status change with @note; the prompt stays open on refusal. */
static int tui_verify_status_apply(struct tui *t, const char *note)
{
    struct tui_verify *v = t->verify;
    enum model_status from = v->v.status;
    char *err = NULL;

    if (app_status_set(t->app, v->id, v->pending, note, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot change the status"));
        free(err);
        return TUI_HANDLED | TUI_DIRTY_STATUS | TUI_DIRTY_FULL;
    }
    v->prompt = TUI_VP_NONE;
    v->mode = TUI_V_CHECKLIST;
    /* TRANSLATORS: after a status change: "status: verifying → false alarm". */
    tui_set_msg(t, false, _("status: %s → %s"), model_status_label(from),
                model_status_label(v->pending));
    return tui_verify_changed(t) | TUI_DIRTY_STATUS;
}

/* The state at the selection of the status list was chosen. */
static int tui_verify_status_pick(struct tui *t)
{
    struct tui_verify *v = t->verify;
    struct model_evidence ev = {v->v.first_hand, v->v.verifier};
    char *err = NULL;

    if (v->ntargets == 0)
        return TUI_HANDLED;
    v->pending = v->targets[v->sel[TUI_V_STATUS]];
    /* Say at once what no note can fix (no evidence to confirm). */
    if (!model_status_change_ok(v->v.status, v->pending, &ev, "-", &err)) {
        tui_set_msg(t, true, "%s", err);
        free(err);
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    }
    if (model_status_needs_note(v->v.status, v->pending)) {
        v->prompt = TUI_VP_STATUS_NOTE;
        tui_edit_set(&v->edit, NULL);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    return tui_verify_status_apply(t, NULL);
}

static int tui_verify_link(struct tui *t)
{
    struct tui_verify *v = t->verify;
    char incident[ULID_LEN + 1], *err = NULL;

    if (v->nnear == 0)
        return TUI_HANDLED;
    if (app_link(t->app, v->id, v->near[v->sel[TUI_V_LINK]].id, incident, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot link the reports"));
        free(err);
        return TUI_HANDLED | TUI_DIRTY_STATUS;
    }
    v->mode = TUI_V_CHECKLIST;
    v->sel[TUI_V_LINK] = 0;
    /* TRANSLATORS: after linking; %s is the incident's id. */
    tui_set_msg(t, false, _("linked into incident %s"), incident);
    return tui_verify_changed(t) | TUI_DIRTY_STATUS;
}

/* Keys while a line editor is open. */
static int tui_verify_prompt_key(struct tui *t, const struct tui_key *k)
{
    struct tui_verify *v = t->verify;

    if (tui_key_is(k, TUI_KEY_ESC)) {
        v->prompt = TUI_VP_NONE;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_enter(k)) {
        char *text = xstrdup(tui_edit_str(&v->edit));
        int r;
        if (v->prompt == TUI_VP_ITEM_NOTE) {
            v->prompt = TUI_VP_NONE;
            r = tui_verify_answer(t, v->v.checks[v->sel[TUI_V_CHECKLIST]].state, *text ? text : "");
        } else {
            r = tui_verify_status_apply(t, text);
        }
        free(text);
        return r;
    }
    if (tui_edit_key(&v->edit, k))
        return TUI_HANDLED | TUI_DIRTY_FULL;
    return TUI_HANDLED;
}

/* How many entries the list of @mode has. */
static int tui_verify_count(const struct tui_verify *v, enum tui_vmode mode)
{
    switch (mode) {
    case TUI_V_CHECKLIST:
        return (int)v->v.list->n;
    case TUI_V_TIMELINE:
        return (int)v->nevents;
    case TUI_V_LINK:
        return (int)v->nnear;
    case TUI_V_STATUS:
    default:
        return (int)v->ntargets;
    }
}

int tui_verify_key(struct tui *t, const struct tui_key *k)
{
    struct tui_verify *v = t->verify;
    int n;

    if (v == NULL || !v->loaded) {
        t->screen = TUI_SCREEN_QUEUE;
        return TUI_HANDLED | TUI_DIRTY_ALL;
    }
    if (v->prompt != TUI_VP_NONE)
        return tui_verify_prompt_key(t, k);
    n = tui_verify_count(v, v->mode);
    FREE(&v->obs_line); /* it lasts until the next key */
    /* After 'o': y, n or u is the verifier's answer; any other key cancels. */
    if (v->observe) {
        if (tui_key_is(k, 'y'))
            return tui_verify_observe(t, MODEL_YES);
        if (tui_key_is(k, 'n'))
            return tui_verify_observe(t, MODEL_NO);
        if (tui_key_is(k, 'u'))
            return tui_verify_observe(t, MODEL_UNKNOWN);
        v->observe = false;
        if (tui_key_is(k, TUI_KEY_ESC) || tui_key_is(k, 'o'))
            return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k')) {
        v->sel[v->mode]--;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j')) {
        if (v->sel[v->mode] + 1 < n)
            v->sel[v->mode]++;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_fn(k, KEY_HOME) || tui_key_is(k, 'g')) {
        v->sel[v->mode] = 0;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_fn(k, KEY_END) || tui_key_is(k, 'G')) {
        v->sel[v->mode] = n - 1;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_is(k, TUI_KEY_ESC) || tui_key_is(k, 'q') || tui_key_fn(k, KEY_LEFT)) {
        if (v->mode != TUI_V_CHECKLIST) {
            v->mode = TUI_V_CHECKLIST;
            return TUI_HANDLED | TUI_DIRTY_FULL;
        }
        t->screen = v->back;
        return TUI_HANDLED | TUI_DIRTY_ALL | TUI_RECALC;
    }
    if (tui_key_is(k, '\t') || tui_key_is(k, 't')) {
        v->mode = v->mode == TUI_V_TIMELINE ? TUI_V_CHECKLIST : TUI_V_TIMELINE;
        if (v->mode == TUI_V_TIMELINE)
            v->sel[TUI_V_TIMELINE] = (int)v->nevents - 1; /* the latest */
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_is(k, 's')) {
        if (v->ntargets == 0)
            return TUI_HANDLED;
        v->mode = TUI_V_STATUS;
        v->sel[TUI_V_STATUS] = 0;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_is(k, 'L')) {
        if (v->nnear == 0) {
            tui_set_msg(t, false, "%s", _("no open report near this one to link"));
            return TUI_HANDLED | TUI_DIRTY_STATUS;
        }
        v->mode = TUI_V_LINK;
        v->sel[TUI_V_LINK] = 0;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_is(k, '?') || tui_key_fn(k, KEY_F(1))) {
        t->screen = TUI_SCREEN_HELP;
        t->scroll = 0;
        return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
    }
    switch (v->mode) {
    case TUI_V_CHECKLIST:
        if (tui_key_is(k, 'y'))
            return tui_verify_answer(t, MODEL_YES, NULL);
        if (tui_key_is(k, 'n'))
            return tui_verify_answer(t, MODEL_NO, NULL);
        if (tui_key_is(k, 'u'))
            return tui_verify_answer(t, MODEL_UNKNOWN, NULL);
        if (tui_key_is(k, 'o') && n > 0) {
            if (v->obs_id[0] == '\0') {
                v->obs_line =
                    xstrdup(_("no verifier is out on this report: y/n/u record your own answer"));
                return TUI_HANDLED | TUI_DIRTY_FULL;
            }
            v->observe = true;
            return TUI_HANDLED | TUI_DIRTY_FULL;
        }
        if (tui_key_is(k, 'N') && n > 0) {
            v->prompt = TUI_VP_ITEM_NOTE;
            tui_edit_set(&v->edit, v->v.checks[v->sel[TUI_V_CHECKLIST]].from_call
                                       ? NULL
                                       : v->v.checks[v->sel[TUI_V_CHECKLIST]].note);
            return TUI_HANDLED | TUI_DIRTY_FULL;
        }
        break;
    case TUI_V_STATUS:
        if (tui_key_enter(k))
            return tui_verify_status_pick(t);
        break;
    case TUI_V_LINK:
        if (tui_key_enter(k))
            return tui_verify_link(t);
        break;
    case TUI_V_TIMELINE:
    default:
        break;
    }
    return 0;
}

/* ---- drawing the verification view ------------------------------------------------ */

struct tui_wrap_ctx {
    WINDOW *w;
    int y, x, width, left;
    attr_t attr;
};

static void tui_wrap_line(const char *text, void *data)
{
    struct tui_wrap_ctx *c = data;

    if (c->left <= 0)
        return;
    tui_draw_text(c->w, c->y, c->x, c->width, text, c->attr, false);
    c->y++;
    c->left--;
}

/*
 * "ana 10:42" for who answered and when; a verifier's observation is
 * "verifier:Rosa M. (ana) 10:42", without "(ana)", who relayed it, when that
 * does not fit in @room columns (the timeline has it). Caller frees.
 */
static char *tui_who_when(const char *by, int64_t at, int room)
{
    char hhmm[8], *s;
    const char *relay;

    if (by == NULL)
        return xstrdup("");
    timeutil_hhmm(at, hhmm);
    s = xasprintf("%s %s", by, hhmm);
    relay = strrchr(by, '(');
    if (text_width(s) > room && strncmp(by, APP_VERIFIER_BY, strlen(APP_VERIFIER_BY)) == 0 &&
        relay != NULL && relay > by && relay[-1] == ' ') {
        free(s);
        s = xasprintf("%.*s %s", (int)(relay - 1 - by), by, hhmm);
    }
    return s;
}

static void tui_verify_row_check(struct tui *t, int y, int i, bool selected, int width)
{
    struct tui_verify *v = t->verify;
    const struct app_check *c = &v->v.checks[i];
    WINDOW *w = t->w_full;
    attr_t base = tui_theme_attr(selected ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL);
    const char *box = c->state == MODEL_YES ? "[y]" : c->state == MODEL_NO ? "[n]" : "[ ]";
    int lw = (width - 5) * 3 / 5, x = 1;
    char *meta = tui_who_when(c->by, c->at, width - lw - 6);

    if (c->note != NULL && *c->note != '\0') {
        char *m = xasprintf(*meta ? "%s — %s" : "%s%s", meta, c->note);
        free(meta);
        meta = m;
    }
    x += tui_draw_text(w, y, x, 4, box, base | (c->state != MODEL_UNKNOWN ? A_BOLD : 0), true);
    x += tui_draw_text(w, y, x, lw, model_check_text(c->item->label), base, true);
    x += tui_draw_text(w, y, x, 1, " ", base, true);
    tui_draw_text(w, y, x, width - x, meta, tui_theme_attr(TUI_ROLE_HINT), false);
    free(meta);
}

static void tui_verify_row_event(struct tui *t, int y, int i, bool selected, int width)
{
    struct tui_verify *v = t->verify;
    const struct model_event *e = &v->events[i];
    WINDOW *w = t->w_full;
    attr_t base = tui_theme_attr(selected ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL);
    char hhmm[8], *text = app_event_text(t->app, e), *line;

    timeutil_hhmm(e->at, hhmm);
    line = xasprintf("%s  %-10s  %s", hhmm, e->actor ? e->actor : "-", text);
    tui_draw_text(w, y, 1, width - 1, line, base, true);
    free(line);
    free(text);
}

static void tui_verify_row_near(struct tui *t, int y, int i, bool selected, int width)
{
    const struct model_report *r = &t->verify->near[i];
    WINDOW *w = t->w_full;
    attr_t base = tui_theme_attr(selected ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL);
    char age[8], *line;

    timeutil_age(t->now > r->received_at ? t->now - r->received_at : 0, age);
    line = xasprintf("%-4s %-8s %s — %s", age, model_status_short(r->status), r->location, r->what);
    tui_draw_text(w, y, 1, width - 1, line, base, true);
    free(line);
}

static void tui_verify_row_status(struct tui *t, int y, int i, bool selected, int width)
{
    struct tui_verify *v = t->verify;
    enum model_status s = v->targets[i];
    WINDOW *w = t->w_full;
    attr_t base = tui_theme_attr(selected ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL);
    char *line;

    if (s == MODEL_STATUS_CONFIRMED)
        /* TRANSLATORS: a status in the status list, with what it needs. */
        line = xasprintf(_("%s (needs a first-hand witness or a verifier, and a reason)"),
                         model_status_label(s));
    else if (model_status_needs_note(v->v.status, s))
        /* TRANSLATORS: a status in the status list that needs a note. */
        line = xasprintf(_("%s (needs a note)"), model_status_label(s));
    else
        line = xstrdup(model_status_label(s));
    tui_draw_text(w, y, 1, width - 1, line, base, true);
    free(line);
}

void tui_verify_draw(struct tui *t)
{
    struct tui_verify *v = t->verify;
    WINDOW *w = t->w_full;
    int h = getmaxy(w), width = getmaxx(w), y, rows, n;
    attr_t label = tui_theme_attr(TUI_ROLE_LABEL);
    const char *list_title, *keys;
    struct buf b;
    char *s;

    werase(w);
    if (v == NULL || !v->loaded)
        return;
    buf_init(&b);
    /* TRANSLATORS: title of the verification view: category and status. */
    buf_printf(&b, _(" Verify: %s · %s"), model_category_label(v->report.category),
               model_status_label(v->v.status));
    if (v->v.stale)
        buf_printf(&b, " · %s", _("stale"));
    if (v->v.nmembers > 1)
        /* TRANSLATORS: in the verification view's title: an incident's size. */
        buf_printf(&b,
                   NG_(" · incident of %zu caller", " · incident of %zu callers", v->v.nmembers),
                   v->v.nmembers);
    tui_draw_text(w, 0, 0, width, buf_str(&b), tui_theme_attr(TUI_ROLE_TITLE), true);
    buf_reset(&b);
    buf_printf(&b, "%s — %s", v->report.location, v->report.what);
    tui_draw_text(w, 1, 1, width - 2, buf_str(&b), tui_theme_attr(TUI_ROLE_NORMAL), false);
    buf_fini(&b);
    /* The hint, then the verdict once there is one. */
    {
        /* TRANSLATORS: label of the verdict hint; keep it short. */
        const char *hl = _("Hint: ");
        int lw = text_width(hl);
        struct tui_wrap_ctx c = {w, 2, 1 + lw, width - 2 - lw, 2, tui_theme_attr(TUI_ROLE_NORMAL)};
        tui_draw_text(w, 2, 1, lw, hl, label, false);
        tui_wrap(v->v.verdict.text, width - 2 - lw, tui_wrap_line, &c);
        if (v->verdict != NULL && model_status_is_final(v->v.status)) {
            /* TRANSLATORS: label of the incident's verdict in the verification view. */
            s = xasprintf("%s%s", _("Verdict: "), v->verdict);
            tui_draw_text(w, 4, 1, width - 2, s, tui_theme_attr(TUI_ROLE_MESSAGE), false);
            free(s);
        }
    }
    switch (v->mode) {
    case TUI_V_TIMELINE:
        list_title = _("Timeline");
        keys = _("↑/↓ move · Tab checklist · s status · L link · Esc back");
        break;
    case TUI_V_LINK:
        list_title = _("Link to a report near this one (same place, within two hours)");
        keys = _("↑/↓ choose · Enter link · Esc cancel");
        break;
    case TUI_V_STATUS:
        list_title = _("Change the status to");
        keys = _("↑/↓ choose · Enter pick · Esc cancel");
        break;
    case TUI_V_CHECKLIST:
    default:
        list_title = _("Checklist");
        if (v->observe && v->obs_name == NULL)
            /* Released meanwhile: y/n/u after o still refuse rather than answer as you. */
            keys = _("no verifier is out on this report: y/n/u record your own answer");
        else if (v->observe)
            keys = NULL; /* the verifier's name, below */
        else if (v->obs_id[0] != '\0')
            /* TRANSLATORS: keep within 78 columns; o: the answer is the verifier's. */
            keys =
                _("y/n/u answer · o verifier's · N note · s status · Tab timeline · L link · Esc");
        else
            keys = _("y/n/u answer · N note · s status · Tab timeline · L link · Esc back");
        break;
    }
    if (v->prompt == TUI_VP_STATUS_NOTE || v->prompt == TUI_VP_ITEM_NOTE)
        keys = _("Enter save · Esc cancel");
    tui_draw_text(w, 5, 1, width - 2, list_title, tui_theme_attr(TUI_ROLE_HEADER), true);
    y = 6;
    rows = h - 3 - y; /* leaves the hint line, the prompt line and the keys */
    n = tui_verify_count(v, v->mode);
    tui_clamp(&v->sel[v->mode], &v->top[v->mode], n, rows);
    for (int i = v->top[v->mode]; i < n && y < 6 + rows; i++, y++) {
        bool sel = i == v->sel[v->mode];
        switch (v->mode) {
        case TUI_V_CHECKLIST:
            tui_verify_row_check(t, y, i, sel, width - 1);
            break;
        case TUI_V_TIMELINE:
            tui_verify_row_event(t, y, i, sel, width - 1);
            break;
        case TUI_V_LINK:
            tui_verify_row_near(t, y, i, sel, width - 1);
            break;
        case TUI_V_STATUS:
        default:
            tui_verify_row_status(t, y, i, sel, width - 1);
            break;
        }
    }
    /* What to look for, for the selected item. */
    if (v->mode == TUI_V_CHECKLIST && n > 0) {
        const struct model_check_item *it = v->v.checks[v->sel[TUI_V_CHECKLIST]].item;
        if (it->hint != NULL)
            tui_draw_text(w, h - 3, 1, width - 2, model_check_text(it->hint),
                          tui_theme_attr(TUI_ROLE_HINT), false);
    }
    if (v->prompt != TUI_VP_NONE) {
        const char *p;
        int pw;
        if (v->prompt == TUI_VP_ITEM_NOTE)
            /* TRANSLATORS: prompt for the note of a checklist answer. */
            p = _("Note: ");
        else if (model_status_needs_note(v->v.status, v->pending))
            /* TRANSLATORS: prompt for the note a status change needs. */
            p = _("Why (required): ");
        else
            p = _("Note: ");
        s = v->prompt == TUI_VP_STATUS_NOTE
                ? xasprintf("%s → %s  %s", model_status_label(v->v.status),
                            model_status_label(v->pending), p)
                : xstrdup(p);
        pw = tui_draw_text(w, h - 2, 1, width / 2, s, label, false);
        free(s);
        tui_edit_draw(&v->edit, w, h - 2, 1 + pw, width - 2 - pw, tui_theme_attr(TUI_ROLE_FOCUS),
                      &t->cur_x);
        t->cur_w = w;
        t->cur_y = h - 2;
    } else if (v->obs_line != NULL) {
        tui_draw_text(w, h - 2, 1, width - 2, v->obs_line, tui_theme_attr(TUI_ROLE_MESSAGE), false);
    }
    if (keys != NULL) {
        tui_draw_text(w, h - 1, 1, width - 2, keys, tui_theme_attr(TUI_ROLE_HINT), false);
    } else {
        /* TRANSLATORS: after o in the verification view; %s is the verifier out on the report. */
        s = xasprintf(_("%s (verifier) answers: y yes · n no · u unknown · Esc cancel"),
                      v->obs_name ? v->obs_name : "?");
        tui_draw_text(w, h - 1, 1, width - 2, s, tui_theme_attr(TUI_ROLE_FOCUS), false);
        free(s);
    }
    wattrset(w, A_NORMAL);
}

/* ---- the audit view ------------------------------------------------------------------ */

void tui_audit_load(struct tui *t)
{
    struct tui_verify *v = tui_tv(t);
    struct app_event_filter f = {.actor = v->person, .since = v->since, .limit = 2000};
    char *err = NULL;

    app_events_free(v->audit, v->naudit);
    v->audit = NULL;
    v->naudit = 0;
    if (app_events(t->app, &f, &v->audit, &v->naudit, &err) != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot read the timeline"));
        free(err);
    }
}

int tui_audit_open(struct tui *t)
{
    struct tui_verify *v = tui_tv(t);

    tui_audit_load(t);
    v->asel = v->atop = 0;
    v->prompt = TUI_VP_NONE;
    t->screen = TUI_SCREEN_AUDIT;
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
}

static int tui_audit_prompt_key(struct tui *t, const struct tui_key *k)
{
    struct tui_verify *v = t->verify;

    if (tui_key_is(k, TUI_KEY_ESC)) {
        v->prompt = TUI_VP_NONE;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_enter(k)) {
        const char *text = tui_edit_str(&v->edit);
        if (v->prompt == TUI_VP_PERSON) {
            FREE(&v->person);
            if (*text)
                v->person = xstrdup(text);
        } else {
            int64_t when = 0;
            if (*text && timeutil_parse(text, timeutil_now_ms(), &when) != 0) {
                tui_set_msg(t, true, _("cannot read '%s' as a time (try \"2h ago\" or \"10:00\")"),
                            text);
                return TUI_HANDLED | TUI_DIRTY_STATUS;
            }
            v->since = when;
            FREE(&v->since_text);
            if (*text)
                v->since_text = xstrdup(text);
        }
        v->prompt = TUI_VP_NONE;
        v->asel = v->atop = 0;
        tui_audit_load(t);
        return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
    }
    if (tui_edit_key(&v->edit, k))
        return TUI_HANDLED | TUI_DIRTY_FULL;
    return TUI_HANDLED;
}

int tui_audit_key(struct tui *t, const struct tui_key *k)
{
    struct tui_verify *v = tui_tv(t);
    int n = (int)v->naudit;

    if (v->prompt != TUI_VP_NONE)
        return tui_audit_prompt_key(t, k);
    if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k'))
        v->asel--;
    else if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j'))
        v->asel = v->asel + 1 < n ? v->asel + 1 : v->asel;
    else if (tui_key_fn(k, KEY_PPAGE))
        v->asel -= 10;
    else if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, ' '))
        v->asel = v->asel + 10 < n ? v->asel + 10 : n - 1;
    else if (tui_key_fn(k, KEY_HOME) || tui_key_is(k, 'g'))
        v->asel = 0;
    else if (tui_key_fn(k, KEY_END) || tui_key_is(k, 'G'))
        v->asel = n - 1;
    else if (tui_key_is(k, 'p') || tui_key_is(k, 't')) {
        v->prompt = tui_key_is(k, 'p') ? TUI_VP_PERSON : TUI_VP_SINCE;
        tui_edit_set(&v->edit, tui_key_is(k, 'p') ? v->person : v->since_text);
    } else if (tui_key_is(k, 'c')) {
        FREE(&v->person);
        FREE(&v->since_text);
        v->since = 0;
        v->asel = v->atop = 0;
        tui_audit_load(t);
    } else if (tui_key_enter(k) && n > 0 && v->audit[v->asel].report_id != NULL) {
        return tui_verify_open(t, v->audit[v->asel].report_id);
    } else if (tui_key_is(k, TUI_KEY_ESC) || tui_key_is(k, 'q') || tui_key_fn(k, KEY_LEFT)) {
        t->screen = TUI_SCREEN_QUEUE;
        return TUI_HANDLED | TUI_DIRTY_ALL | TUI_RECALC;
    } else {
        return 0;
    }
    return TUI_HANDLED | TUI_DIRTY_FULL;
}

void tui_audit_draw(struct tui *t)
{
    struct tui_verify *v = tui_tv(t);
    WINDOW *w = t->w_full;
    int h = getmaxy(w), width = getmaxx(w), rows = h - 4, y = 2;
    struct buf b;

    werase(w);
    buf_init(&b);
    /* TRANSLATORS: title of the audit view. */
    buf_adds(&b, _(" Audit: every change, newest first"));
    if (v->person != NULL)
        /* TRANSLATORS: an audit filter in the title: "by ana". */
        buf_printf(&b, _(" · by %s"), v->person);
    if (v->since_text != NULL)
        /* TRANSLATORS: an audit filter in the title: "since 2h ago". */
        buf_printf(&b, _(" · since %s"), v->since_text);
    buf_printf(&b, " · %zu", v->naudit);
    tui_draw_text(w, 0, 0, width, buf_str(&b), tui_theme_attr(TUI_ROLE_TITLE), true);
    buf_fini(&b);
    /* TRANSLATORS: column headers of the audit view. */
    tui_draw_text(w, 1, 1, width - 2, _("Time   Who         Report      What"),
                  tui_theme_attr(TUI_ROLE_HEADER), true);
    tui_clamp(&v->asel, &v->atop, (int)v->naudit, rows);
    for (int i = v->atop; i < (int)v->naudit && y < 2 + rows; i++, y++) {
        const struct model_event *e = &v->audit[i];
        attr_t base = tui_theme_attr(i == v->asel ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL);
        char when[24], *text = app_event_text(t->app, e), *line;
        timeutil_local(e->at, when);
        line = xasprintf("%s  %-10s  %-10.10s  %s", when + 11, e->actor ? e->actor : "-",
                         e->report_id ? e->report_id + 16 : "-", text);
        tui_draw_text(w, y, 1, width - 2, line, base, true);
        free(line);
        free(text);
    }
    if (v->naudit == 0)
        tui_draw_centred(w, h / 2, _("No events match."), tui_theme_attr(TUI_ROLE_HINT));
    if (v->prompt == TUI_VP_PERSON || v->prompt == TUI_VP_SINCE) {
        /* TRANSLATORS: audit filter prompts. */
        const char *p = v->prompt == TUI_VP_PERSON ? _("Person (empty: all): ")
                                                   : _("Since (e.g. 2h ago, 10:00): ");
        int pw = tui_draw_text(w, h - 2, 1, width / 2, p, tui_theme_attr(TUI_ROLE_LABEL), false);
        tui_edit_draw(&v->edit, w, h - 2, 1 + pw, width - 2 - pw, tui_theme_attr(TUI_ROLE_FOCUS),
                      &t->cur_x);
        t->cur_w = w;
        t->cur_y = h - 2;
    }
    tui_draw_text(w, h - 1, 1, width - 2,
                  _("↑/↓ move · p person · t since · c clear · Enter open · Esc back"),
                  tui_theme_attr(TUI_ROLE_HINT), false);
    wattrset(w, A_NORMAL);
}

/* ---- the queue -------------------------------------------------------------------------- */

void tui_verify_page_loaded(struct tui *t)
{
    struct tui_verify *v = tui_tv(t);

    v->ncallers = t->npage;
    v->callers = xreallocarray(v->callers, t->npage ? t->npage : 1, sizeof *v->callers);
    v->incident = xreallocarray(v->incident, t->npage ? t->npage : 1, sizeof *v->incident);
    for (size_t i = 0; i < t->npage; i++)
        if (app_incident_info(t->app, t->page[i].id, v->incident[i], &v->callers[i], NULL) != 0)
            v->callers[i] = 1;
}

size_t tui_verify_callers(const struct tui *t, const struct model_report *r)
{
    const struct tui_verify *v = t->verify;
    size_t i;

    if (v == NULL || r < t->page || r >= t->page + t->npage)
        return 1;
    i = (size_t)(r - t->page);
    return i < v->ncallers ? v->callers[i] : 1;
}

const char *tui_verify_pane_verdict(struct tui *t, const struct model_report *r)
{
    struct tui_verify *v = tui_tv(t);

    if (!model_status_is_final(r->status) || r->status == MODEL_STATUS_STALE)
        return NULL;
    if (strcmp(v->pane_id, r->id) != 0) {
        FREE(&v->pane_verdict);
        if (app_report_verdict(t->app, r->id, &v->pane_verdict, NULL) != 0)
            v->pane_verdict = NULL;
        snprintf(v->pane_id, sizeof v->pane_id, "%s", r->id);
    }
    return v->pane_verdict;
}

void tui_verify_offer_link(struct tui *t, const char *id)
{
    struct model_report *near = NULL;
    size_t n = 0;

    if (app_nearby(t->app, id, TUI_NEAR_MAX, &near, &n, NULL) == 0 && n > 0)
        /* TRANSLATORS: after saving a report that may be about an event already reported. */
        tui_set_msg(t, false,
                    NG_("Report saved · %zu report near it: v then L to link",
                        "Report saved · %zu reports near it: v then L to link", n),
                    n);
    app_reports_free(near, n);
}
