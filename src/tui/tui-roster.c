/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The roster in the console: three views on one full screen.
 *
 * - Roster ('V' in the queue): every verifier with their status, current
 *   assignment and place, and the time since their last word; state keys
 *   move the selected verifier's assignment (a acknowledged, e en route,
 *   o on scene, b reported back, r released, x declined) and c records a
 *   check-in; n adds a verifier; S edits the weekly schedule in $EDITOR. Assignments not
 * acknowledged in time are marked OVERDUE; a missed on-scene check-in is marked CALL and escalates.
 * - Assign ('a' on a report): field verifiers ranked for that report with
 *   the reason of each rank; Enter (or the rank's digit) assigns, then the
 *   roster shows with the message for the verifier and where it is (queued
 *   in the outbox, sent, or why it could not be sent).
 * - Handoff ('H'): the shift handoff brief, scrollable.
 *
 * Escalation runs from the loop's timer, whatever screen is in front: when
 * a check-in is missed the console beeps and flashes and the status bar
 * asks the dispatcher to call the verifier, because verifiers can be
 * detained too; it does so again every five minutes until someone records
 * a word from them (a check-in or a state change). tui_roster_timeout() gives the loop the
 * next overdue deadline so it wakes on time rather than on the minute.
 *
 * Layout (80x24 and up): title, column header, the list, a separator, three
 * rows about the selected verifier (roles and contact; the assignment's
 * message or the call prompt) and a line of key hints. Data is fetched when
 * the view opens, after every action and on each timer tick; drawing never
 * queries.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/app.h"

#include "private.h"

enum tui_roster_mode { TUI_RM_ROSTER, TUI_RM_ASSIGN, TUI_RM_HANDOFF };

/* The fields of a new verifier, as model_verifier_set keys, and their prompts. */
#define TUI_ROSTER_NFIELDS 5
static const char *const tui_roster_keys[TUI_ROSTER_NFIELDS] = {"name", "contact", "languages",
                                                                "areas", "roles"};
static const char *const tui_roster_prompts[TUI_ROSTER_NFIELDS] = {
    N_("Name or handle:"),
    N_("Phone or @handle (Signal/Telegram):"),
    N_("Languages (es, en...):"),
    N_("Areas (comma-separated):"),
    N_("Roles (verifier, legal_observer, court_accompaniment, dispatcher):"),
};

/* Rows above the list: title, header. Below: separator, 3 detail rows, hints. */
#define TUI_ROSTER_HEAD 2
#define TUI_ROSTER_FOOT 5

struct tui_roster {
    enum tui_roster_mode mode;
    enum tui_screen back;
    bool from_roster; /* the assign pane or the brief was opened from the roster */
    /* Roster view. */
    struct app_verifier_status *rows;
    size_t n, sel, top;
    char sel_id[ULID_LEN + 1];       /* keep the selection across refetches */
    char resend_armed[ULID_LEN + 1]; /* 'm' refused for a sent message: 'm' again sends it */
    /* Assign view. */
    char report_id[ULID_LEN + 1];
    char *report_place;
    struct app_rank rank;
    size_t rsel, rtop;
    char lang[16]; /* the language the caller or the place needs ('l'); "" for none */
    /* Handoff view. */
    char **lines;
    size_t nlines;
    int scroll;
    /* Escalation: assignments alerted for a missed check-in, when, at which last word. */
    struct tui_roster_alert {
        char id[ULID_LEN + 1];
        int64_t at, word;
    } * alerted;
    size_t nalerted;
    char *duty;        /* who is on duty now and who comes next, one line */
    char *dispatchers; /* who was on duty as dispatcher at the last tick; NULL: not yet known */
    char *notice;      /* a problem with the edited schedule, shown in the footer until a key */
    char *err;
    /* 'n': a new verifier, one field at a time in the footer. */
    int adding; /* field being typed + 1; 0: not adding */
    struct tui_edit edit;
    char *fields[TUI_ROSTER_NFIELDS];
};

static struct tui_roster *tui_ros(struct tui *t)
{
    if (t->roster == NULL) {
        t->roster = xcalloc(1, sizeof *t->roster);
        tui_edit_init(&t->roster->edit, MODEL_MAX_SHORT);
    }
    return t->roster;
}

static void tui_roster_lines_free(struct tui_roster *r)
{
    for (size_t i = 0; i < r->nlines; i++)
        free(r->lines[i]);
    FREE(&r->lines);
    r->nlines = 0;
}

void tui_roster_fini(struct tui *t)
{
    struct tui_roster *r = t->roster;

    if (r == NULL)
        return;
    app_roster_free(r->rows, r->n);
    app_rank_fini(&r->rank);
    tui_roster_lines_free(r);
    free(r->report_place);
    free(r->alerted);
    free(r->duty);
    free(r->dispatchers);
    free(r->notice);
    free(r->err);
    tui_edit_fini(&r->edit);
    for (int i = 0; i < TUI_ROSTER_NFIELDS; i++)
        free(r->fields[i]);
    FREE(&t->roster);
}

/* "On duty: Ana R. (dispatcher) to 14:00, Rosa M. to 12:00 · next: Marco 14:00"; newly allocated.
 */
static char *tui_roster_duty(struct tui *t, int64_t now)
{
    struct app_oncall oc;
    struct buf b;
    bool next = false;

    if (app_oncall(t->app, now, &oc, NULL) != 0)
        return NULL;
    buf_init(&b);
    buf_adds(&b, _("On duty:"));
    for (size_t i = 0; i < oc.n; i++) {
        char hh[8];
        const struct app_oncall_entry *e = &oc.items[i];
        if (!e->now && !next) {
            buf_printf(&b, " · %s", _("next:"));
            next = true;
        } else if (i > 0) {
            buf_addc(&b, ',');
        }
        timeutil_hhmm(e->now ? e->end : e->start, hh);
        if (e->role == MODEL_ROLE_DISPATCHER)
            /* TRANSLATORS: on-duty line: person, "dispatcher", "to"/"at" time. */
            buf_printf(&b, e->now ? _(" %s (%s) to %s") : _(" %s (%s) %s"), e->person,
                       model_role_label(e->role), hh);
        else
            buf_printf(&b, e->now ? _(" %s to %s") : _(" %s %s"), e->person, hh);
    }
    if (oc.n == 0)
        buf_printf(&b, " %s", _("no schedule: vigia shifts import FILE"));
    app_oncall_fini(&oc);
    return buf_steal(&b);
}

/* Refetch the roster, keeping the selected verifier selected. */
static void tui_roster_fetch(struct tui *t)
{
    struct tui_roster *r = tui_ros(t);
    char *err = NULL;

    free(r->duty);
    r->duty = tui_roster_duty(t, t->now ? t->now : timeutil_now_ms());

    app_roster_free(r->rows, r->n);
    r->rows = NULL;
    r->n = 0;
    FREE(&r->err);
    if (app_roster(t->app, t->now ? t->now : timeutil_now_ms(), &r->rows, &r->n, &err) != 0) {
        r->err = err;
        return;
    }
    r->sel = 0;
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->rows[i].v.id, r->sel_id) == 0)
            r->sel = i;
}

static const struct app_verifier_status *tui_roster_selected(struct tui_roster *r)
{
    return r->sel < r->n ? &r->rows[r->sel] : NULL;
}

int tui_roster_open(struct tui *t)
{
    struct tui_roster *r = tui_ros(t);

    if (t->screen != TUI_SCREEN_ROSTER)
        r->back = t->screen;
    r->mode = TUI_RM_ROSTER;
    t->now = timeutil_now_ms();
    tui_roster_fetch(t);
    /* The most urgent verifier first: a missed check-in, then one not acknowledging. */
    for (int want = MODEL_OVERDUE_CHECKIN; want > MODEL_OVERDUE_NONE; want--) {
        size_t i;
        for (i = 0; i < r->n && !(r->rows[i].has_current && (int)r->rows[i].overdue == want); i++)
            ;
        if (i < r->n) {
            r->sel = i;
            snprintf(r->sel_id, sizeof r->sel_id, "%s", r->rows[i].v.id);
            break;
        }
    }
    t->screen = TUI_SCREEN_ROSTER;
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
}

int tui_roster_assign_open(struct tui *t, const char *report_id)
{
    struct tui_roster *r = tui_ros(t);
    struct model_report rep;
    char *err = NULL;

    if (report_id == NULL)
        return TUI_HANDLED;
    if (t->screen != TUI_SCREEN_ROSTER)
        r->back = t->screen;
    r->from_roster = t->screen == TUI_SCREEN_ROSTER && r->mode == TUI_RM_ROSTER;
    snprintf(r->report_id, sizeof r->report_id, "%s", report_id);
    FREE(&r->report_place);
    if (app_report_get(t->app, report_id, &rep, NULL) == 0)
        r->report_place = xstrdup(rep.area && *rep.area ? rep.area : rep.location);
    model_report_fini(&rep);
    app_rank_fini(&r->rank);
    r->rsel = r->rtop = 0;
    r->lang[0] = '\0';
    FREE(&r->err);
    t->now = timeutil_now_ms();
    if (app_rank(t->app, report_id, NULL, t->now, &r->rank, &err) != 0)
        r->err = err;
    r->mode = TUI_RM_ASSIGN;
    t->screen = TUI_SCREEN_ROSTER;
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
}

static void tui_roster_line(const char *text, void *data)
{
    struct tui_roster *r = data;

    r->lines = xreallocarray(r->lines, r->nlines + 1, sizeof *r->lines);
    r->lines[r->nlines++] = xstrdup(text);
}

int tui_roster_handoff_open(struct tui *t)
{
    struct tui_roster *r = tui_ros(t);
    char *err = NULL, *text;
    int width = t->w_full ? getmaxx(t->w_full) - 2 : 78;

    if (t->screen != TUI_SCREEN_ROSTER)
        r->back = t->screen;
    r->from_roster = t->screen == TUI_SCREEN_ROSTER && r->mode == TUI_RM_ROSTER;
    tui_roster_lines_free(r);
    FREE(&r->err);
    t->now = timeutil_now_ms();
    if ((text = app_handoff(t->app, t->now, false, &err)) == NULL)
        r->err = err;
    else
        tui_wrap(text, width, tui_roster_line, r);
    free(text);
    r->scroll = 0;
    r->mode = TUI_RM_HANDOFF;
    t->screen = TUI_SCREEN_ROSTER;
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS;
}

/* ---- escalation -------------------------------------------------------------- */

/* Until they answer, a missed check-in is raised again this often. */
#define TUI_ROSTER_REALERT_MS (5 * 60 * 1000LL)

/*
 * Whether to raise the alarm for @s now: the first time its check-in is
 * missed, again after each new miss (a later last word), and every
 * TUI_ROSTER_REALERT_MS while nobody has heard from them. Records the alert.
 */
static bool tui_roster_alert_due(struct tui_roster *r, const struct app_verifier_status *s,
                                 int64_t now)
{
    struct tui_roster_alert *al = NULL;

    for (size_t i = 0; i < r->nalerted; i++)
        if (strcmp(r->alerted[i].id, s->current.id) == 0)
            al = &r->alerted[i];
    if (al != NULL && al->word == s->last_word && now - al->at < TUI_ROSTER_REALERT_MS)
        return false;
    if (al == NULL) {
        r->alerted = xreallocarray(r->alerted, r->nalerted + 1, sizeof *r->alerted);
        al = &r->alerted[r->nalerted++];
        snprintf(al->id, sizeof al->id, "%s", s->current.id);
    }
    al->at = now;
    al->word = s->last_word;
    return true;
}

int tui_roster_tick(struct tui *t)
{
    struct tui_roster *r = tui_ros(t);
    struct app_verifier_status *rows = NULL;
    size_t n = 0;
    int dirty = 0;

    t->now = timeutil_now_ms();
    if (app_roster(t->app, t->now, &rows, &n, NULL) != 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const struct app_verifier_status *s = &rows[i];
        char age[8];
        if (!s->has_current || s->overdue != MODEL_OVERDUE_CHECKIN ||
            !tui_roster_alert_due(r, s, t->now))
            continue;
        beep();
        flash();
        timeutil_age(t->now - (s->last_word ? s->last_word : s->current.at[s->current.state]), age);
        /* TRANSLATORS: escalation in the status bar (short: it shares the bar): name, contact,
           time since the last word. */
        tui_set_msg(t, true, _("CALL %s %s: no check-in for %s"), s->v.name,
                    s->contact_locked ? _("(locked)")
                    : s->v.contact    ? s->v.contact
                                      : "",
                    age);
        dirty |= TUI_DIRTY_STATUS;
    }
    app_roster_free(rows, n);
    /* A shift change: offer the incoming dispatcher the brief. */
    {
        struct app_oncall oc;
        struct buf who;
        buf_init(&who);
        buf_adds(&who, "");
        if (app_oncall(t->app, t->now, &oc, NULL) == 0) {
            for (size_t i = 0; i < oc.n; i++)
                if (oc.items[i].now && oc.items[i].role == MODEL_ROLE_DISPATCHER)
                    buf_printf(&who, "%s\n", oc.items[i].person);
            app_oncall_fini(&oc);
        }
        if (r->dispatchers != NULL && strcmp(r->dispatchers, buf_str(&who)) != 0 &&
            !(dirty & TUI_DIRTY_STATUS)) {
            tui_set_msg(t, false, "%s", _("shift change: H shows the handoff brief"));
            dirty |= TUI_DIRTY_STATUS;
        }
        free(r->dispatchers);
        r->dispatchers = buf_steal(&who);
    }
    if (t->screen == TUI_SCREEN_ROSTER && r->mode == TUI_RM_ROSTER) {
        tui_roster_fetch(t);
        dirty |= TUI_DIRTY_FULL;
    }
    return dirty;
}

int tui_roster_timeout(struct tui *t)
{
    int64_t now = timeutil_now_ms(), dl = app_roster_next_deadline(t->app, now);

    if (dl <= now)
        return -1;
    if (dl - now > 24 * 3600 * 1000LL)
        return 24 * 3600 * 1000;
    return (int)(dl - now) + 5;
}

/* ---- editing the schedule --------------------------------------------------- */

/*
 * 'S': the schedule as YAML in the dispatcher's editor ($VISUAL, $EDITOR,
 * vi), imported back when it changed. The file holds names and times, no
 * contacts, is created 0600 and removed afterwards. system() ignores SIGINT
 * in the console while the editor runs.
 */
static int tui_roster_edit_shifts(struct tui *t)
{
    const char *dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    const char *ed = getenv("VISUAL") && *getenv("VISUAL")   ? getenv("VISUAL")
                     : getenv("EDITOR") && *getenv("EDITOR") ? getenv("EDITOR")
                                                             : "vi";
    char *path = xasprintf("%s/vigia-shifts-XXXXXX.yaml", dir), *before = NULL, *after = NULL;
    char *err = NULL, *cmd = NULL;
    size_t len = 0, n = 0;
    FILE *f = NULL;
    int fd, rc;

    if ((fd = mkstemps(path, 5)) < 0 || (f = fdopen(fd, "w")) == NULL) {
        tui_set_msg(t, true, _("cannot write %s: %s"), path, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    rc = app_shifts_export_yaml(t->app, f, &err);
    if (fclose(f) != 0 || rc != 0) {
        tui_set_msg(t, true, "%s", err ? err : _("cannot write the schedule"));
        goto out;
    }
    util_read_file(path, &before, &len);
    cmd = xasprintf("%s '%s'", ed, path);
    def_prog_mode();
    endwin();
    rc = system(cmd);
    reset_prog_mode();
    t->dirty |= TUI_CLEAR | TUI_DIRTY_ALL;
    if (rc != 0) {
        tui_set_msg(t, true, _("the editor (%s) failed; the schedule is unchanged"), ed);
        goto out;
    }
    if (util_read_file(path, &after, &len) != 0 || (before && strcmp(before, after) == 0)) {
        tui_set_msg(t, false, "%s", _("the schedule is unchanged"));
        goto out;
    }
    if (app_shifts_import(t->app, path, &n, &err) != 0) {
        /* The file is gone after this: name the line, not the temporary path. */
        size_t pl = strlen(path);
        struct tui_roster *r = tui_ros(t);
        free(r->notice);
        r->notice = strncmp(err, path, pl) == 0 && err[pl] == ':'
                        ? xasprintf(_("schedule line %s"), err + pl + 1)
                        : xstrdup(err);
        tui_set_msg(t, true, "%s", _("the edited schedule was refused; it is unchanged"));
        goto out;
    }
    tui_set_msg(t, false, NG_("%zu shift in the schedule", "%zu shifts in the schedule", n), n);
    t->now = timeutil_now_ms();
    tui_roster_fetch(t);
out:
    if (f != NULL)
        unlink(path);
    free(path);
    free(cmd);
    free(before);
    free(after);
    free(err);
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_DIRTY_STATUS | TUI_CLEAR;
}

/* ---- a new verifier ----------------------------------------------------------- */

bool tui_roster_editing(const struct tui *t)
{
    return t->roster != NULL && t->roster->adding > 0 && t->screen == TUI_SCREEN_ROSTER;
}

static void tui_roster_add_reset(struct tui_roster *r)
{
    r->adding = 0;
    for (int i = 0; i < TUI_ROSTER_NFIELDS; i++)
        FREE(&r->fields[i]);
    tui_edit_set(&r->edit, "");
}

/* Start typing field @i, showing what was typed there before. */
static void tui_roster_add_field(struct tui_roster *r, int i)
{
    r->adding = i + 1;
    tui_edit_set(&r->edit, r->fields[i] ? r->fields[i] : (i == 4 ? "verifier" : ""));
}

/* Store the verifier typed in; 0 on success, else the field (1-based) to fix. */
static int tui_roster_add_save(struct tui *t)
{
    struct tui_roster *r = tui_ros(t);
    struct model_verifier v;
    char *err = NULL;
    int bad = 0;

    model_verifier_init(&v);
    for (int i = 0; i < TUI_ROSTER_NFIELDS && bad == 0; i++)
        if (model_verifier_set(&v, tui_roster_keys[i], r->fields[i] ? r->fields[i] : "",
                               app_config(t->app)->default_country, &err) != MODEL_SET_OK)
            bad = i + 1;
    if (bad == 0 && app_verifier_add(t->app, &v, &err) != 0)
        bad = err && strncmp(err, "roles", 5) == 0 ? 5 : 1;
    if (bad != 0) {
        free(r->notice);
        r->notice = err ? err : xstrdup("?");
        model_verifier_fini(&v);
        return bad;
    }
    snprintf(r->sel_id, sizeof r->sel_id, "%s", v.id);
    tui_set_msg(t, false, _("%s is on the roster"), v.name);
    model_verifier_fini(&v);
    return 0;
}

static int tui_roster_add_key(struct tui *t, const struct tui_key *k)
{
    struct tui_roster *r = tui_ros(t);
    int i = r->adding - 1, bad;

    if (tui_key_is(k, TUI_KEY_ESC)) {
        tui_roster_add_reset(r);
        FREE(&r->notice);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (tui_key_enter(k) || tui_key_is(k, '\t') || tui_key_fn(k, KEY_BTAB) ||
        tui_key_fn(k, KEY_UP) || tui_key_fn(k, KEY_DOWN)) {
        bool back = tui_key_fn(k, KEY_BTAB) || tui_key_fn(k, KEY_UP);
        free(r->fields[i]);
        r->fields[i] = xstrdup(tui_edit_str(&r->edit));
        FREE(&r->notice);
        if (back) {
            tui_roster_add_field(r, i > 0 ? i - 1 : 0);
        } else if (i + 1 < TUI_ROSTER_NFIELDS) {
            tui_roster_add_field(r, i + 1);
        } else if ((bad = tui_roster_add_save(t)) != 0) {
            tui_roster_add_field(r, bad - 1);
        } else {
            tui_roster_add_reset(r);
            t->now = timeutil_now_ms();
            tui_roster_fetch(t);
        }
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    return tui_edit_key(&r->edit, k) | TUI_DIRTY_FULL;
}

/* ---- keys -------------------------------------------------------------------- */

static int tui_roster_move(size_t *sel, size_t n, const struct tui_key *k)
{
    if (n == 0)
        return 0;
    if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k')) {
        if (*sel > 0)
            (*sel)--;
    } else if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j')) {
        if (*sel + 1 < n)
            (*sel)++;
    } else if (tui_key_fn(k, KEY_HOME) || tui_key_is(k, 'g')) {
        *sel = 0;
    } else if (tui_key_fn(k, KEY_END) || tui_key_is(k, 'G')) {
        *sel = n - 1;
    } else {
        return 0;
    }
    return TUI_HANDLED | TUI_DIRTY_FULL;
}

static int tui_roster_back(struct tui *t)
{
    struct tui_roster *r = tui_ros(t);

    t->screen = r->back == TUI_SCREEN_ROSTER ? TUI_SCREEN_QUEUE : r->back;
    return TUI_HANDLED | TUI_DIRTY_ALL | TUI_RECALC;
}

static int tui_roster_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 'l': rank again for the next language the field verifiers speak (then none). */
static int tui_roster_next_language(struct tui *t)
{
    struct tui_roster *r = tui_ros(t);
    char **langs = NULL, *err = NULL;
    size_t n = 0, next = 0;

    for (size_t i = 0; i < r->rank.n; i++) {
        char *copy = xstrdup(r->rank.rows[i].v.languages ? r->rank.rows[i].v.languages : "");
        char *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            bool seen = false;
            for (size_t j = 0; j < n && !seen; j++)
                seen = strcmp(langs[j], tok) == 0;
            if (!seen) {
                langs = xreallocarray(langs, n + 1, sizeof *langs);
                langs[n++] = xstrdup(tok);
            }
        }
        free(copy);
    }
    if (n > 0)
        qsort(langs, n, sizeof *langs, tui_roster_strcmp);
    if (r->lang[0] != '\0') {
        for (next = 0; next < n && strcmp(langs[next], r->lang) != 0; next++)
            ;
        next++;
    }
    snprintf(r->lang, sizeof r->lang, "%s", next < n ? langs[next] : "");
    for (size_t i = 0; i < n; i++)
        free(langs[i]);
    free(langs);
    app_rank_fini(&r->rank);
    r->rsel = r->rtop = 0;
    FREE(&r->err);
    if (app_rank(t->app, r->report_id, r->lang[0] ? r->lang : NULL, t->now, &r->rank, &err) != 0)
        r->err = err;
    return TUI_HANDLED | TUI_DIRTY_FULL;
}

static int tui_roster_assign_key(struct tui *t, const struct tui_key *k)
{
    struct tui_roster *r = tui_ros(t);
    size_t pick = (size_t)-1;
    char *err = NULL, id[ULID_LEN + 1];
    int rc;

    if ((rc = tui_roster_move(&r->rsel, r->rank.n, k)) != 0)
        return rc;
    if (tui_key_is(k, 'l'))
        return tui_roster_next_language(t);
    if (tui_key_enter(k) || tui_key_is(k, 'a'))
        pick = r->rsel;
    else if (!k->fn && k->code >= '1' && k->code <= '9')
        pick = (size_t)(k->code - '1');
    if (pick == (size_t)-1 || pick >= r->rank.n)
        return 0;
    if (app_assign(t->app, r->report_id, r->rank.rows[pick].v.id, id, &err) != 0) {
        tui_set_msg(t, true, "%s", err);
        free(err);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    tui_broadcast_poke(t); /* the verifier's message is in the outbox: send it now */
    snprintf(r->sel_id, sizeof r->sel_id, "%s", r->rank.rows[pick].v.id);
    /* TRANSLATORS: after assigning; %s is the verifier. */
    tui_set_msg(t, false, _("%s assigned; their message is below, with where it is"),
                r->rank.rows[pick].v.name);
    r->mode = TUI_RM_ROSTER;
    t->now = timeutil_now_ms();
    tui_roster_fetch(t);
    return TUI_HANDLED | TUI_DIRTY_FULL | TUI_RECALC;
}

/*
 * 'm': send the selected verifier's message again (app-resend.c). A sent or
 * maybe-sent message is refused first; 'm' pressed again at once sends
 * another copy, the dispatcher's decision like --again.
 */
static int tui_roster_resend(struct tui *t)
{
    struct tui_roster *r = tui_ros(t);
    const struct app_verifier_status *s = tui_roster_selected(r);
    char *err = NULL, *status = NULL;
    bool again;
    int rc;

    if (s == NULL || !s->has_current) {
        r->resend_armed[0] = '\0';
        tui_set_msg(t, true, "%s", _("no open assignment for this verifier"));
        return TUI_HANDLED;
    }
    snprintf(r->sel_id, sizeof r->sel_id, "%s", s->v.id);
    again = strcmp(r->resend_armed, s->current.id) == 0;
    r->resend_armed[0] = '\0';
    rc = app_assignment_resend(t->app, s->current.id, again, &status, &err);
    if (rc == APP_RESEND_ASK_AGAIN) {
        snprintf(r->resend_armed, sizeof r->resend_armed, "%s", s->current.id);
        /* Brief, to fit the status line; `vigia assignment resend` says when and why. */
        if (s->current.message_state != NULL && strcmp(s->current.message_state, "sent") == 0)
            /* TRANSLATORS: the message went; pressing m again is the console's --again. */
            tui_set_msg(t, true, _("%s: sent already; m again sends another copy"), s->v.name);
        else
            /* TRANSLATORS: the gateway may have delivered it; m again is the console's --again. */
            tui_set_msg(t, true, _("%s: maybe sent, ask first; m again sends anyway"), s->v.name);
        free(err);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (rc != 0) {
        tui_set_msg(t, true, "%s", err);
        free(err);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    tui_broadcast_poke(t); /* in the outbox again: send it now */
    /* TRANSLATORS: %s is the verifier, then where the message is ("queued for sms"). */
    tui_set_msg(t, false, _("message to %s sent again: %s"), s->v.name, status ? status : "");
    free(status);
    t->now = timeutil_now_ms();
    tui_roster_fetch(t);
    return TUI_HANDLED | TUI_DIRTY_FULL;
}

static int tui_roster_roster_key(struct tui *t, const struct tui_key *k)
{
    struct tui_roster *r = tui_ros(t);
    const struct app_verifier_status *s;
    int to = -1, rc;
    char *err = NULL;

    if (!k->fn && k->code == 'm')
        return tui_roster_resend(t);
    r->resend_armed[0] = '\0'; /* any other key: 'm' asks again */

    if ((rc = tui_roster_move(&r->sel, r->n, k)) != 0) {
        if (r->sel < r->n)
            snprintf(r->sel_id, sizeof r->sel_id, "%s", r->rows[r->sel].v.id);
        return rc;
    }
    if (tui_key_is(k, 'h') || tui_key_is(k, 'H'))
        return tui_roster_handoff_open(t);
    if (tui_key_is(k, 'S'))
        return tui_roster_edit_shifts(t);
    if (tui_key_is(k, 'n')) {
        tui_roster_add_reset(r);
        tui_roster_add_field(r, 0);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    if (k->fn)
        return 0;
    switch (k->code) {
    case 'a':
        to = MODEL_ASSIGN_ACKNOWLEDGED;
        break;
    case 'e':
        to = MODEL_ASSIGN_EN_ROUTE;
        break;
    case 'o':
        to = MODEL_ASSIGN_ON_SCENE;
        break;
    case 'b':
        to = MODEL_ASSIGN_REPORTED_BACK;
        break;
    case 'r':
        to = MODEL_ASSIGN_RELEASED;
        break;
    case 'x':
        to = MODEL_ASSIGN_DECLINED;
        break;
    case 'c':
        to = MODEL_ASSIGN_COUNT; /* check-in */
        break;
    default:
        return 0;
    }
    s = tui_roster_selected(r);
    if (s == NULL || !s->has_current) {
        tui_set_msg(t, true, "%s", _("no open assignment for this verifier"));
        return TUI_HANDLED;
    }
    snprintf(r->sel_id, sizeof r->sel_id, "%s", s->v.id);
    if (to == MODEL_ASSIGN_COUNT)
        rc = app_assignment_checkin(t->app, s->current.id, NULL, &err);
    else
        rc = app_assignment_set(t->app, s->current.id, (enum model_assign_state)to, NULL, &err);
    if (rc != 0) {
        tui_set_msg(t, true, "%s", err);
        free(err);
        return TUI_HANDLED;
    }
    if (to == MODEL_ASSIGN_COUNT)
        tui_set_msg(t, false, _("%s checked in"), s->v.name);
    else
        tui_set_msg(t, false, _("%s: %s"), s->v.name,
                    model_assign_state_label((enum model_assign_state)to));
    t->now = timeutil_now_ms();
    tui_roster_fetch(t);
    return TUI_HANDLED | TUI_DIRTY_FULL;
}

int tui_roster_key(struct tui *t, const struct tui_key *k)
{
    struct tui_roster *r = tui_ros(t);

    if (r->adding > 0 && r->mode == TUI_RM_ROSTER)
        return tui_roster_add_key(t, k);
    FREE(&r->notice);

    if (tui_key_is(k, TUI_KEY_ESC) || tui_key_is(k, 'q')) {
        if (r->mode != TUI_RM_ROSTER && r->from_roster) {
            r->mode = TUI_RM_ROSTER;
            tui_roster_fetch(t);
            return TUI_HANDLED | TUI_DIRTY_FULL;
        }
        return tui_roster_back(t);
    }
    if (tui_key_is(k, 'V') && r->mode != TUI_RM_ROSTER) {
        r->mode = TUI_RM_ROSTER;
        tui_roster_fetch(t);
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    switch (r->mode) {
    case TUI_RM_ASSIGN:
        return tui_roster_assign_key(t, k);
    case TUI_RM_HANDOFF: {
        int h = t->w_full ? getmaxy(t->w_full) - 2 : 20;
        if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j'))
            r->scroll++;
        else if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k'))
            r->scroll--;
        else if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, ' '))
            r->scroll += h;
        else if (tui_key_fn(k, KEY_PPAGE))
            r->scroll -= h;
        else
            return 0;
        if (r->scroll > (int)r->nlines - h)
            r->scroll = (int)r->nlines - h;
        if (r->scroll < 0)
            r->scroll = 0;
        return TUI_HANDLED | TUI_DIRTY_FULL;
    }
    case TUI_RM_ROSTER:
        break;
    }
    return tui_roster_roster_key(t, k);
}

/* ---- drawing ------------------------------------------------------------------ */

static void tui_roster_hints(WINDOW *w, int y, int width, const char *s)
{
    tui_draw_text(w, y, 1, width - 2, s, tui_theme_attr(TUI_ROLE_HINT), false);
}

/* Column widths for the roster at @width. */
struct tui_roster_cols {
    int name, status, place, word, rest;
};

static struct tui_roster_cols tui_roster_layout(int width)
{
    struct tui_roster_cols c = {16, 18, 16, 6, 0};

    c.rest = width - 2 - c.name - c.status - c.place - c.word - 5;
    if (c.rest < 8)
        c.rest = 8;
    return c;
}

static void tui_roster_draw_roster(struct tui *t, WINDOW *w, int h, int width)
{
    struct tui_roster *r = tui_ros(t);
    struct tui_roster_cols c = tui_roster_layout(width);
    attr_t head = tui_theme_attr(TUI_ROLE_HEADER);
    const struct model_roster_policy *p = app_roster_policy(t->app);
    int list = h - TUI_ROSTER_HEAD - TUI_ROSTER_FOOT, x;
    size_t field = 0, on = 0;
    const struct app_verifier_status *s;
    char *title, buf[64];

    for (size_t i = 0; i < r->n; i++) {
        field += r->rows[i].has_current;
        on += r->rows[i].on_shift;
    }
    /* TRANSLATORS: roster title: verifiers on the roster, in the field, on shift. */
    title = xasprintf(_(" Roster: %zu people, %zu in the field, %zu on shift"), r->n, field, on);
    tui_draw_text(w, 0, 0, width, title, tui_theme_attr(TUI_ROLE_TITLE), true);
    free(title);
    {
        int min;
        struct tm tm;
        time_t tt = (time_t)(t->now / 1000);
        localtime_r(&tt, &tm);
        min = tm.tm_hour * 60 + tm.tm_min;
        for (size_t i = 0; i < p->nwindows; i++)
            if (model_windows_has(&p->windows[i], 1, min)) {
                char a[8], b[8];
                model_hhmm(p->windows[i].start_min, a);
                model_hhmm(p->windows[i].end_min, b);
                snprintf(buf, sizeof buf, _("priority %s-%s "), a, b);
                tui_draw_text(w, 0, width - text_width(buf), text_width(buf), buf,
                              tui_theme_attr(TUI_ROLE_TITLE) | A_BOLD, false);
            }
    }
    tui_draw_blank(w, 1, 0, width, head);
    x = 2;
    tui_draw_text(w, 1, x, c.name, _("Name"), head, false);
    x += c.name + 1;
    tui_draw_text(w, 1, x, c.status, _("Status"), head, false);
    x += c.status + 1;
    tui_draw_text(w, 1, x, c.place, _("Where"), head, false);
    x += c.place + 1;
    tui_draw_text(w, 1, x, c.word, _("Word"), head, false);
    x += c.word + 1;
    tui_draw_text(w, 1, x, c.rest, _("Languages, areas"), head, false);
    if (r->err != NULL)
        tui_draw_text(w, TUI_ROSTER_HEAD, 2, width - 3, r->err, tui_theme_attr(TUI_ROLE_ERROR),
                      false);
    else if (r->n == 0)
        tui_draw_text(w, TUI_ROSTER_HEAD, 2, width - 3,
                      _("nobody on the roster yet: vigia verifier import FILE"),
                      tui_theme_attr(TUI_ROLE_HINT), false);
    if (list < 1)
        list = 1;
    if (r->sel < r->top)
        r->top = r->sel;
    if (r->sel >= r->top + (size_t)list)
        r->top = r->sel - (size_t)list + 1;
    for (int row = 0; row < list && r->top + (size_t)row < r->n; row++) {
        size_t i = r->top + (size_t)row;
        const struct app_verifier_status *v = &r->rows[i];
        int y = TUI_ROSTER_HEAD + row;
        bool sel = i == r->sel;
        attr_t a = sel ? tui_theme_attr(TUI_ROLE_SELECTED) : tui_theme_attr(TUI_ROLE_NORMAL);
        attr_t mark = a;
        char *st = app_verifier_status_text(v, t->now), age[8], *la;
        const char *flag = "  ";

        if (v->overdue == MODEL_OVERDUE_CHECKIN) {
            mark = tui_theme_attr(TUI_ROLE_BAR_ERROR) | A_BOLD | A_BLINK;
            flag = "!!";
        } else if (v->overdue == MODEL_OVERDUE_ACK) {
            mark = tui_theme_attr(TUI_ROLE_STALE) | A_BOLD;
            flag = "! ";
        }
        tui_draw_blank(w, y, 0, width, a);
        tui_draw_text(w, y, 0, 2, flag, mark, false);
        x = 2;
        tui_draw_text(w, y, x, c.name, v->v.name, a, false);
        x += c.name + 1;
        if (v->overdue == MODEL_OVERDUE_CHECKIN) {
            char *s2 = xasprintf("%s %s", _("CALL"), st);
            tui_draw_text(w, y, x, c.status, s2, mark, false);
            free(s2);
        } else if (v->overdue == MODEL_OVERDUE_ACK) {
            char *s2 = xasprintf("%s %s", _("OVERDUE"), st);
            tui_draw_text(w, y, x, c.status, s2, mark, false);
            free(s2);
        } else {
            tui_draw_text(w, y, x, c.status, st, a, false);
        }
        free(st);
        x += c.status + 1;
        tui_draw_text(w, y, x, c.place, v->has_current && v->place ? v->place : "", a, false);
        x += c.place + 1;
        if (v->last_word) {
            timeutil_age(t->now - v->last_word, age);
            tui_draw_text(w, y, x, c.word, age, a, false);
        } else {
            tui_draw_text(w, y, x, c.word, "-", a, false);
        }
        x += c.word + 1;
        la =
            xasprintf("%s %s", v->v.languages ? v->v.languages : "-", v->v.areas ? v->v.areas : "");
        tui_draw_text(w, y, x, c.rest, la, a, false);
        free(la);
    }
    /* The selected verifier. */
    s = tui_roster_selected(r);
    tui_draw_blank(w, h - TUI_ROSTER_FOOT, 0, width, tui_theme_attr(TUI_ROLE_BORDER));
    if (r->duty != NULL)
        tui_draw_text(w, h - TUI_ROSTER_FOOT, 1, width - 2, r->duty,
                      tui_theme_attr(TUI_ROLE_BORDER) | A_BOLD, false);
    if (s != NULL) {
        char *roles = model_roles_labels(s->v.roles);
        char *line = xasprintf("%s [%s] %s %s", s->v.name, roles,
                               s->contact_locked ? _("(contact locked)")
                               : s->v.contact    ? s->v.contact
                                                 : "",
                               s->v.channel ? s->v.channel : "");
        tui_draw_text(w, h - TUI_ROSTER_FOOT + 1, 1, width - 2, line,
                      tui_theme_attr(TUI_ROLE_LABEL), false);
        free(line);
        free(roles);
        if (r->notice != NULL) {
            tui_draw_text(w, h - TUI_ROSTER_FOOT + 2, 1, width - 2, r->notice,
                          tui_theme_attr(TUI_ROLE_ERROR) | A_BOLD, false);
        } else if (s->overdue == MODEL_OVERDUE_CHECKIN) {
            char age[8];
            timeutil_age(t->now - (s->last_word ? s->last_word : s->current.at[s->current.state]),
                         age);
            line = xasprintf(_("MISSED CHECK-IN (%s): call them now; c when they answer"), age);
            tui_draw_text(w, h - TUI_ROSTER_FOOT + 2, 1, width - 2, line,
                          tui_theme_attr(TUI_ROLE_ERROR) | A_BOLD, false);
            free(line);
        } else if (s->has_current && s->current.message != NULL) {
            /* TRANSLATORS: "message [sent by sms]: vigia: Rosa, please go and look..." */
            char *msg = xasprintf("%s [%s]: %s", _("message"),
                                  s->message_status          ? s->message_status
                                  : s->current.message_state ? s->current.message_state
                                                             : "",
                                  s->current.message);
            for (char *q = msg; *q; q++)
                if (*q == '\n')
                    *q = ' ';
            tui_draw_text(w, h - TUI_ROSTER_FOOT + 2, 1, width - 2, msg,
                          tui_theme_attr(TUI_ROLE_NORMAL), false);
            if (text_width(msg) > width - 2) {
                /* The rest on the next row. */
                const char *rest = msg;
                int cols = 0;
                while (*rest && cols < width - 2) {
                    int len = 1;
                    while ((rest[len] & 0xC0) == 0x80)
                        len++;
                    rest += len;
                    cols++;
                }
                tui_draw_text(w, h - TUI_ROSTER_FOOT + 3, 1, width - 2, rest,
                              tui_theme_attr(TUI_ROLE_NORMAL), false);
            }
            free(msg);
        } else if (s->v.notes) {
            tui_draw_text(w, h - TUI_ROSTER_FOOT + 2, 1, width - 2, s->v.notes,
                          tui_theme_attr(TUI_ROLE_HINT), false);
        }
    }
    if (r->adding > 0) {
        int i = r->adding - 1, y = h - TUI_ROSTER_FOOT + 1, lw, cx = 0;
        char *nv = xasprintf(_("New verifier (%d/%d)"), r->adding, TUI_ROSTER_NFIELDS);
        tui_draw_blank(w, y, 0, width, tui_theme_attr(TUI_ROLE_NORMAL));
        tui_draw_blank(w, y + 1, 0, width, tui_theme_attr(TUI_ROLE_NORMAL));
        tui_draw_blank(w, y + 2, 0, width, tui_theme_attr(TUI_ROLE_NORMAL));
        tui_draw_text(w, y, 1, width - 2, nv, tui_theme_attr(TUI_ROLE_TITLE), false);
        free(nv);
        if (r->notice != NULL)
            tui_draw_text(w, y, 24, width - 25, r->notice, tui_theme_attr(TUI_ROLE_ERROR) | A_BOLD,
                          false);
        lw = tui_draw_text(w, y + 1, 1, width - 2, _(tui_roster_prompts[i]),
                           tui_theme_attr(TUI_ROLE_LABEL), false);
        if (width - lw - 3 < 20) {
            /* A long prompt: the field on the next row. */
            tui_edit_draw(&r->edit, w, y + 2, 1, width - 2, tui_theme_attr(TUI_ROLE_FOCUS), &cx);
            t->cur_y = y + 2;
        } else {
            tui_edit_draw(&r->edit, w, y + 1, lw + 2, width - lw - 3,
                          tui_theme_attr(TUI_ROLE_FOCUS), &cx);
            t->cur_y = y + 1;
        }
        t->cur_w = w;
        t->cur_x = cx;
        tui_roster_hints(w, h - 1, width,
                         _("Enter next (saves after roles)  Shift-Tab back  Esc cancel"));
        return;
    }
    tui_roster_hints(
        w, h - 1, width,
        _("a ack e route o scene b back r release x decline c check-in m resend h brief"));
}

static void tui_roster_draw_assign(struct tui *t, WINDOW *w, int h, int width)
{
    struct tui_roster *r = tui_ros(t);
    int list = h - TUI_ROSTER_HEAD - 2;
    char *title;

    /* TRANSLATORS: title of the assign pane; %s is the report's place. */
    if (r->lang[0] != '\0')
        /* TRANSLATORS: title of the assign pane; place, then a language code. */
        title = xasprintf(_(" Send a verifier to %s: ranked by fit, speaking %s"),
                          r->report_place ? r->report_place : "?", r->lang);
    else
        title = xasprintf(_(" Send a verifier to %s: ranked by fit"),
                          r->report_place ? r->report_place : "?");
    tui_draw_text(w, 0, 0, width, title, tui_theme_attr(TUI_ROLE_TITLE), true);
    free(title);
    tui_draw_blank(w, 1, 0, width, tui_theme_attr(TUI_ROLE_HEADER));
    tui_draw_text(w, 1, 2, 20, _("Verifier"), tui_theme_attr(TUI_ROLE_HEADER), false);
    tui_draw_text(w, 1, 26, width - 27, _("Why this rank"), tui_theme_attr(TUI_ROLE_HEADER), false);
    if (r->err != NULL)
        tui_draw_text(w, TUI_ROSTER_HEAD, 2, width - 3, r->err, tui_theme_attr(TUI_ROLE_ERROR),
                      false);
    else if (r->rank.n == 0)
        tui_draw_text(w, TUI_ROSTER_HEAD, 2, width - 3,
                      _("no field verifiers on the roster: vigia verifier import FILE"),
                      tui_theme_attr(TUI_ROLE_HINT), false);
    if (list < 1)
        list = 1;
    if (r->rsel < r->rtop)
        r->rtop = r->rsel;
    if (r->rsel >= r->rtop + (size_t)list)
        r->rtop = r->rsel - (size_t)list + 1;
    for (int row = 0; row < list && r->rtop + (size_t)row < r->rank.n; row++) {
        size_t i = r->rtop + (size_t)row;
        int y = TUI_ROSTER_HEAD + row;
        attr_t a =
            i == r->rsel ? tui_theme_attr(TUI_ROLE_SELECTED) : tui_theme_attr(TUI_ROLE_NORMAL);
        char num[24];
        tui_draw_blank(w, y, 0, width, a);
        snprintf(num, sizeof num, "%zu", i + 1);
        tui_draw_text(w, y, 0, 2, i < 9 ? num : " ", a, false);
        tui_draw_text(w, y, 2, 23, r->rank.rows[i].v.name, a, false);
        tui_draw_text(w, y, 26, width - 27, r->rank.reasons[i], a, false);
    }
    tui_roster_hints(w, h - 1, width,
                     _("Enter or 1-9 assigns  l language  j/k move  V roster  Esc back"));
}

static void tui_roster_draw_handoff(struct tui *t, WINDOW *w, int h, int width)
{
    struct tui_roster *r = tui_ros(t);

    tui_draw_text(w, 0, 0, width, _(" Shift handoff brief"), tui_theme_attr(TUI_ROLE_TITLE), true);
    if (r->err != NULL)
        tui_draw_text(w, 1, 1, width - 2, r->err, tui_theme_attr(TUI_ROLE_ERROR), false);
    for (int row = 0; row < h - 2 && (size_t)(r->scroll + row) < r->nlines; row++)
        tui_draw_text(w, 1 + row, 1, width - 2, r->lines[r->scroll + row],
                      tui_theme_attr(TUI_ROLE_NORMAL), false);
    tui_roster_hints(w, h - 1, width, _("j/k scroll  V roster  Esc back"));
}

void tui_roster_draw(struct tui *t)
{
    struct tui_roster *r = tui_ros(t);
    WINDOW *w = t->w_full;
    int h = getmaxy(w), width = getmaxx(w);

    werase(w);
    switch (r->mode) {
    case TUI_RM_ROSTER:
        tui_roster_draw_roster(t, w, h, width);
        break;
    case TUI_RM_ASSIGN:
        tui_roster_draw_assign(t, w, h, width);
        break;
    case TUI_RM_HANDOFF:
        tui_roster_draw_handoff(t, w, h, width);
        break;
    }
}
