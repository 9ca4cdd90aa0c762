/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Practice runs (share/doc/practice-scenarios.md): a scenario played into a
 * sandbox database. The app is the layer that may combine the sim with the
 * store and the send worker, so this is where a due call becomes a report
 * (source "practice", written as the actor "scenario"), an assignment to a
 * scripted verifier becomes their answer after its delay, and where the
 * safety rules live:
 *
 *  - the database is a sandbox ($XDG_DATA_HOME/vigia/practice/NAME.db or
 *    --sandbox), never the real one (--db, VIGIA_DB or the default): the same
 *    file is refused, and an existing file is only replaced when a marker
 *    beside it says an earlier practice run made it;
 *  - the app carries a practice flag; every outbox worker it starts
 *    (app_outbox_run, app_outbox_new) is put in practice mode, which writes
 *    every row to the sandbox's file sink and refuses any gateway request
 *    (send_worker_practice), whatever config.yaml's channels say.
 *
 * Time: the process clock is fixed to base + scenario time at every step
 * (timeutil_set_fixed), so everything the run writes carries scenario time
 * and the debrief reads it back as offsets from base.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/config.h"
#include "vigia/store.h"
#include "vigia/sim.h"
#include "vigia/app.h"

#include "practice.h"
#include "private.h"

/* The first console call ties scenario time to the caller's real clock. */
static void practice_start(struct app_practice *p, int64_t real_now)
{
    if (!p->started) {
        sim_clock_set(&p->sim.clock, p->scen_now, real_now);
        p->started = true;
    }
}

struct app *app_practice_app(struct app_practice *p)
{
    return p->a;
}

const char *app_practice_db(const struct app_practice *p)
{
    return p->sandbox;
}

const char *app_practice_sink(const struct app_practice *p)
{
    return p->a->practice_sink;
}

const struct config_scenario *app_practice_scenario(const struct app_practice *p)
{
    return &p->sc;
}

/* An absolute, resolved form of @path whose file may not exist yet; newly allocated. */
static char *practice_resolve(const char *path)
{
    char buf[PATH_MAX], *d = xstrdup(path), *b = xstrdup(path), *out;
    const char *dir = dirname(d), *base = basename(b);

    if (realpath(dir, buf) != NULL)
        out = xasprintf("%s/%s", buf, base);
    else
        out = xstrdup(path);
    free(d);
    free(b);
    return out;
}

/* The real database as app_open would pick it; newly allocated. */
static char *practice_real_db(const char *db)
{
    const char *env = getenv("VIGIA_DB");
    char *dir, *p;

    if (db != NULL)
        return xstrdup(db);
    if (env != NULL && *env != '\0')
        return xstrdup(env);
    dir = util_data_dir();
    p = xasprintf("%s/vigia.db", dir);
    free(dir);
    return p;
}

/* Remove the sandbox files of an earlier run (only ever our own). */
static int practice_clear(const char *db, char **err)
{
    static const char *const suffixes[] = {"",         "-wal",        "-shm",
                                           "-journal", ".sink.jsonl", ".outbox-lock"};
    char *marker = xasprintf("%s.practice", db);
    struct stat st;
    int rc = -1;

    if (stat(db, &st) == 0 && stat(marker, &st) != 0) {
        util_seterr(err, _("%s exists and was not made by a practice run: refusing to replace it"),
                    db);
        goto out;
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(suffixes); i++) {
        char *f = xasprintf("%s%s", db, suffixes[i]);
        if (unlink(f) != 0 && errno != ENOENT) {
            util_seterr(err, _("cannot remove %s: %s"), f, strerror(errno));
            free(f);
            goto out;
        }
        free(f);
    }
    {
        FILE *f = fopen(marker, "w");
        if (f == NULL) {
            util_seterr(err, _("cannot create %s: %s"), marker, strerror(errno));
            goto out;
        }
        fputs("vigia practice sandbox\n", f);
        fclose(f);
    }
    rc = 0;
out:
    free(marker);
    return rc;
}

/* Run @fn's writes as the scenario, not as the trainee. */
void practice_as(struct app_practice *p, bool scenario)
{
    free(p->a->actor);
    p->a->actor = xstrdup(scenario ? PRACTICE_ACTOR : p->trainee);
}

/* Set the process clock to scenario time @t. */
void practice_clock(struct app_practice *p, int64_t t)
{
    p->scen_now = t;
    timeutil_set_fixed(p->base + t);
}

/* One millisecond on between writes of one step, so the timeline keeps their order. */
static void practice_bump(void)
{
    timeutil_set_fixed(timeutil_now_ms() + 1);
}

void practice_refused(struct app_practice *p, const char *what, const char *why)
{
    char t[16];

    sim_mmss(p->scen_now, t);
    p->refused = xreallocarray(p->refused, p->nrefused + 1, sizeof *p->refused);
    p->refused[p->nrefused++] = xasprintf("%s %s: %s", t, what, why ? why : "?");
}

/* Put the scenario's verifiers and a few made-up subscribers in the sandbox. */
int practice_setup(struct app_practice *p, char **err)
{
    static const struct {
        const char *contact, *channel;
    } subs[] = {
        {"+15555550101", "sms"},
        {"+15555550102", "sms"},
        {"@practice_subscriber", "telegram"},
        {"practice.subscriber@example.org", "email"},
    };

    practice_as(p, true);
    for (size_t i = 0; i < p->sc.nverifiers; i++) {
        practice_bump();
        const struct config_scenario_verifier *cv = &p->sc.verifiers[i];
        struct model_verifier v;
        char *e2 = NULL;
        int rc;
        model_verifier_init(&v);
        rc = model_verifier_set(&v, "name", cv->name, NULL, &e2) == MODEL_SET_OK &&
                     model_verifier_set(&v, "roles", "verifier", NULL, &e2) == MODEL_SET_OK &&
                     (cv->languages == NULL || model_verifier_set(&v, "languages", cv->languages,
                                                                  NULL, &e2) == MODEL_SET_OK) &&
                     (cv->areas == NULL ||
                      model_verifier_set(&v, "areas", cv->areas, NULL, &e2) == MODEL_SET_OK)
                 ? app_verifier_add(p->a, &v, &e2)
                 : -1;
        model_verifier_fini(&v);
        if (rc != 0) {
            util_seterr(err, _("%s: verifier %s: %s"), p->sc.file, cv->name, e2 ? e2 : "?");
            free(e2);
            return -1;
        }
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(subs); i++) {
        bool merged;
        if (app_subscriber_add(p->a, subs[i].contact, subs[i].channel, p->sc.language, NULL, NULL,
                               &merged, err) != 0)
            return -1;
    }
    practice_as(p, false);
    return 0;
}

int app_practice_open(const struct app_practice_options *o, struct app_practice **out, char **err)
{
    struct app_practice *p = xcalloc(1, sizeof *p);
    struct app_options ao = {.config_path = o->config_path, .actor = o->actor};
    char *real = NULL, *rreal = NULL, *rsand = NULL;
    int rc = -1;

    *out = NULL;
    if (config_scenario_load(o->scenario, &p->sc, err) != 0) {
        free(p);
        return -1;
    }
    if (o->sandbox != NULL) {
        p->sandbox = xstrdup(o->sandbox);
    } else {
        char *dir = util_data_dir(), *name = xstrdup(o->scenario), *b = basename(name), *dot;
        if ((dot = strrchr(b, '.')) != NULL && dot != b)
            *dot = '\0';
        p->sandbox = xasprintf("%s/practice/%s.db", dir, b);
        free(dir);
        free(name);
    }
    real = practice_real_db(o->real_db);
    rreal = practice_resolve(real);
    rsand = practice_resolve(p->sandbox);
    if (strcmp(rreal, rsand) == 0) {
        util_seterr(err,
                    _("the practice database %s is the real database: a practice run never "
                      "touches it (choose another --sandbox)"),
                    p->sandbox);
        goto out;
    }
    {
        char *d = xstrdup(rsand);
        char *slash = strrchr(d, '/');
        if (slash != NULL && slash != d) {
            *slash = '\0';
            util_mkdirs(d);
        }
        free(d);
    }
    if (practice_clear(p->sandbox, err) != 0)
        goto out;
    p->base = timeutil_now_ms();
    /*
     * Headless, scenario time runs ahead of the real clock; the outbox worker
     * runs on the real clock (app_outbox_run waits on it), so put the whole
     * run in the past and everything it queues is due at once.
     */
    if (o->headless)
        p->base -= p->sc.duration_ms + 60 * 1000;
    p->base -= p->base % 1000;
    practice_clock(p, 0);
    ao.db_path = p->sandbox;
    if (app_open(&ao, &p->a, err) != 0)
        goto out;
    p->a->practice = true;
    free(p->a->practice_sink);
    p->a->practice_sink = xasprintf("%s.sink.jsonl", p->sandbox);
    if (p->a->actor == NULL)
        p->a->actor = xstrdup(_("trainee"));
    p->trainee = xstrdup(p->a->actor);
    p->headless = o->headless;
    sim_init(&p->sim, &p->sc, o->speed > 0 ? o->speed : 1, 0);
    /* Marked before anything else: a sandbox never joins a real network. */
    if (store_sync_set(p->a->store, APP_PRACTICE_SANDBOX_KEY, "1", err) != STORE_OK)
        goto out;
    if (o->relay != NULL && practice_relay_open(p, o, err) != 0)
        goto out;
    /* Who joins a run gets the roster and subscribers from its leader. */
    if (practice_relay_plays(p) && practice_setup(p, err) != 0)
        goto out;
    if (p->relay != NULL && practice_relay_plays(p) && practice_relay_started(p, err) != 0)
        goto out;
    *out = p;
    p = NULL;
    rc = 0;
out:
    free(real);
    free(rreal);
    free(rsand);
    app_practice_free(&p);
    return rc;
}

void app_practice_free(struct app_practice **pp)
{
    struct app_practice *p = *pp;

    if (p == NULL)
        return;
    if (p->a != NULL && p->trainee != NULL)
        practice_as(p, false);
    practice_relay_free(&p->relay);
    app_free(&p->a);
    sim_fini(&p->sim);
    config_scenario_fini(&p->sc);
    for (size_t i = 0; i < p->nrefused; i++)
        free(p->refused[i]);
    free(p->refused);
    free(p->sandbox);
    free(p->trainee);
    free(p);
    *pp = NULL;
}

/* A timeline event arrives: the caller's report, as the scenario. */
static void practice_play(struct app_practice *p, size_t ev)
{
    const struct config_scenario_event *e = &p->sc.events[ev];
    struct model_report r;
    char *err = NULL;
    int64_t now = timeutil_now_ms();

    model_report_init(&r);
    r.source = MODEL_SOURCE_PRACTICE;
    for (size_t k = 0; k < e->nfields; k++) {
        char *e2 = NULL;
        if (model_report_set(&r, e->keys[k], e->values[k], now, &e2) != MODEL_SET_OK)
            free(e2); /* checked when loading */
    }
    if (e->observed_ago_ms > 0)
        r.observed_at = now - e->observed_ago_ms;
    practice_as(p, true);
    practice_bump();
    if (app_report_create(p->a, &r, e->contact, &err) == 0) {
        snprintf(p->sim.report[ev], sizeof p->sim.report[ev], "%s", r.id);
        if (p->relay != NULL)
            practice_relay_call(p, ev);
    } else {
        practice_refused(p, _("scenario call"), err);
        free(err);
    }
    practice_as(p, false);
    model_report_fini(&r);
}

/* Notice assignments the trainee made and schedule the scripted answers. */
void practice_watch(struct app_practice *p)
{
    for (size_t ev = 0; ev < p->sc.nevents; ev++) {
        struct model_assignment *rows = NULL;
        size_t n = 0;
        if (p->sim.report[ev][0] == '\0' ||
            app_assignments(p->a, p->sim.report[ev], false, &rows, &n, NULL) != 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            struct model_verifier v;
            long vi;
            if (sim_assignment_known(&p->sim, rows[i].id))
                continue;
            if (app_verifier_find(p->a, rows[i].verifier_id, &v, NULL) != 0)
                continue;
            vi = sim_verifier_find(&p->sim, v.name);
            model_verifier_fini(&v);
            if (vi >= 0)
                sim_assignment_add(&p->sim, rows[i].id, (size_t)vi, p->sc.events[ev].incident,
                                   p->scen_now);
        }
        app_assignments_free(rows, n);
    }
}

/* A scripted verifier answers: on scene, what they see, reported back. */
static void practice_answer(struct app_practice *p, size_t k)
{
    const struct sim_pending *pd = &p->sim.pend[k];
    const struct config_scenario_answer *an = &p->sc.verifiers[pd->verifier].answers[pd->answer];
    char *err = NULL;

    practice_as(p, true);
    if (app_assignment_set(p->a, pd->assignment, MODEL_ASSIGN_ON_SCENE, NULL, &err) != 0) {
        /* Released or declined meanwhile: the verifier says nothing more. */
        practice_refused(p, _("verifier answer"), err);
        FREE(&err);
        practice_as(p, false);
        return;
    }
    for (size_t i = 0; i < an->n; i++) {
        practice_bump();
        if (app_assignment_observe(p->a, pd->assignment, an->sees[i].key, an->sees[i].state,
                                   i == 0 ? an->note : NULL, &err) != 0) {
            practice_refused(p, an->sees[i].key, err);
            FREE(&err);
        }
    }
    practice_bump();
    if (app_assignment_set(p->a, pd->assignment, MODEL_ASSIGN_REPORTED_BACK, an->note, &err) != 0)
        FREE(&err);
    if (p->relay != NULL)
        practice_relay_answer(p, pd->incident);
    practice_as(p, false);
}

/* Play everything due at scenario time @t; returns how many things happened. */
int practice_step(struct app_practice *p, int64_t t)
{
    int n = 0;
    long k;

    practice_clock(p, t);
    while ((k = sim_event_due(&p->sim, t)) >= 0) {
        practice_play(p, (size_t)k);
        n++;
    }
    practice_watch(p);
    while ((k = sim_answer_due(&p->sim, t)) >= 0) {
        practice_answer(p, (size_t)k);
        n++;
    }
    if (sim_over(&p->sim, t))
        p->over = true;
    return n;
}

/* ---- the console's hooks ------------------------------------------------------ */

int app_practice_tick(struct app_practice *p, int64_t real_now)
{
    int n;

    if (!practice_relay_plays(p))
        return practice_relay_follow(p);
    practice_start(p, real_now);
    n = practice_step(p, sim_clock_now(&p->sim.clock, real_now));
    if (p->over && p->relay != NULL)
        practice_relay_end(p); /* the console's sync takes it to the others */
    else if (p->relay != NULL)
        practice_relay_follow(p); /* the trainees who joined, for the banner */
    return n;
}

int app_practice_timeout(struct app_practice *p, int64_t real_now)
{
    int64_t next = sim_next_time(&p->sim), wait;

    if (!practice_relay_plays(p))
        return 500; /* the leader's calls arrive by sync; the banner's clock */
    practice_start(p, real_now);
    if (p->sim.clock.paused)
        return 1000;
    if (next < 0 || next > p->sc.duration_ms)
        next = p->sc.duration_ms;
    wait = sim_clock_real_until(&p->sim.clock, next, real_now);
    if (wait < 0 || wait > 1000)
        wait = 1000; /* the banner's clock */
    return (int)wait;
}

void app_practice_pause(struct app_practice *p, int64_t real_now)
{
    if (!practice_relay_plays(p))
        return; /* the leader's console keeps the clock */
    practice_start(p, real_now);
    practice_clock(p, sim_clock_now(&p->sim.clock, real_now));
    sim_clock_pause(&p->sim.clock, !p->sim.clock.paused, real_now);
    if (p->relay != NULL)
        practice_relay_clock(p);
}

bool app_practice_paused(const struct app_practice *p)
{
    return p->sim.clock.paused;
}

void app_practice_note_refused(struct app_practice *p, const char *why)
{
    const char *last = p->nrefused > 0 ? strchr(p->refused[p->nrefused - 1], ' ') : NULL;
    char *what = xasprintf(" %s: %s", _("console"), why);

    /* The same refusal again (a key held down) once. */
    if (last == NULL || strcmp(last, what) != 0)
        practice_refused(p, _("console"), why);
    free(what);
}

bool app_practice_plays(const struct app_practice *p)
{
    return practice_relay_plays(p);
}

void app_practice_finish(struct app_practice *p)
{
    if (p->relay != NULL)
        practice_relay_finish(p);
}

int app_practice_inject(struct app_practice *p, int64_t real_now)
{
    long k;

    if (!practice_relay_plays(p))
        return 0;
    practice_start(p, real_now);
    practice_clock(p, sim_clock_now(&p->sim.clock, real_now));
    if ((k = sim_inject(&p->sim, p->scen_now)) < 0)
        return 0;
    practice_play(p, (size_t)k);
    return 1;
}

bool app_practice_over(const struct app_practice *p)
{
    return p->over;
}

char *app_practice_banner(const struct app_practice *p)
{
    char t[16], d[16];
    size_t left = 0;

    for (size_t i = 0; i < p->sc.nevents; i++)
        left += !p->sim.fired[i];
    sim_mmss(p->scen_now, t);
    sim_mmss(p->sc.duration_ms, d);
    char *team = p->relay != NULL ? practice_relay_banner(p) : NULL, *out;
    /* TRANSLATORS: the banner on every screen of a practice run; PAUSED is optional. */
    out = xasprintf(_("PRACTICE%s · %s/%s ×%g · calls to come: %zu · %s"),
                    p->sim.clock.paused ? _(" PAUSED") : "", t, d, p->sim.clock.speed, left,
                    p->sc.title);
    if (team != NULL) {
        /* A shared run: the code and the team first, where a narrow bar still shows them. */
        char *both;
        /* TRANSLATORS: the banner of a shared practice run; the middle part says who leads. */
        both = xasprintf(_("PRACTICE%s · %s/%s ×%g · %s · calls to come: %zu · %s"),
                         p->sim.clock.paused ? _(" PAUSED") : "", t, d, p->sim.clock.speed, team,
                         left, p->sc.title);
        free(out);
        free(team);
        out = both;
    }
    return out;
}

/* ---- a scripted trainee ------------------------------------------------------- */

/* Do one action of the answers file as the trainee. */
void practice_do(struct app_practice *p, const struct config_answer *x)
{
    const char *id = sim_report_of(&p->sim, x->incident, x->report);
    char *err = NULL, what[64];
    int rc = 0;

    snprintf(what, sizeof what, "%s %s", x->action,
             strcmp(x->action, "wait") == 0 ? "" : p->sc.incidents[x->incident].id);
    if (strcmp(x->action, "wait") == 0)
        return;
    if (id == NULL) {
        practice_refused(p, what, _("no call about it has arrived yet"));
        return;
    }
    if (strcmp(x->action, "triage") == 0) {
        rc = app_status_set(p->a, id, MODEL_STATUS_TRIAGED, x->note, &err);
    } else if (strcmp(x->action, "link") == 0) {
        const char *first = sim_report_of(&p->sim, x->incident, 1);
        for (int k = x->report > 1 ? x->report : 2; rc == 0; k++) {
            const char *other = sim_report_of(&p->sim, x->incident, k);
            char root[ULID_LEN + 1], root2[ULID_LEN + 1];
            size_t callers;
            if (other == NULL)
                break;
            if (app_incident_info(p->a, first, root, &callers, NULL) == 0 &&
                app_incident_info(p->a, other, root2, &callers, NULL) == 0 &&
                strcmp(root, root2) == 0)
                continue; /* already one incident */
            rc = app_link(p->a, first, other, NULL, &err);
            if (x->report > 1)
                break;
        }
    } else if (strcmp(x->action, "assign") == 0) {
        char aid[ULID_LEN + 1];
        rc = app_assign(p->a, id, x->verifier, aid, &err);
        if (rc == 0) {
            /* The verifier's message goes through the outbox: here, to the sandbox's sink. */
            timeutil_set_fixed(0);
            rc = app_outbox_run(p->a, true, NULL, NULL, NULL, NULL, &err);
            practice_clock(p, p->scen_now);
        }
    } else if (strcmp(x->action, "check") == 0) {
        enum model_tri st;
        if (!model_tri_parse(x->state, &st)) {
            practice_refused(p, what, _("state must be yes, no or unknown"));
            return;
        }
        rc = app_check_set(p->a, id, x->key, st, x->note, &err);
    } else if (strcmp(x->action, "status") == 0) {
        int to = model_status_parse(x->to);
        if (to < 0) {
            practice_refused(p, what, _("unknown status"));
            return;
        }
        rc = app_status_set(p->a, id, (enum model_status)to, x->note, &err);
    } else if (strcmp(x->action, "broadcast") == 0) {
        struct app_draft d;
        char bid[ULID_LEN + 1];
        size_t queued = 0;
        bool held = false;
        app_draft_init(&d);
        d.report_ids = id;
        d.template_name = x->template_name;
        d.all_areas = true;
        rc = app_broadcast_draft(p->a, &d, bid, &err);
        practice_bump();
        if (rc == 0)
            rc = app_broadcast_approve(p->a, bid, &queued, &held, &err);
        if (rc == 0) {
            timeutil_set_fixed(0); /* the worker's timers need a clock that moves */
            rc = app_outbox_run(p->a, true, NULL, NULL, NULL, NULL, &err);
            practice_clock(p, p->scen_now);
        }
    }
    if (rc != 0) {
        practice_refused(p, what, err);
        free(err);
    }
}

int app_practice_headless(struct app_practice *p, const char *answers, char **err)
{
    struct config_answers as = {0};
    size_t next = 0;

    if (answers != NULL && config_answers_load(answers, &p->sc, &as, err) != 0)
        return -1;
    if (p->relay != NULL) {
        int rc = practice_relay_headless(p, &as, err);
        config_answers_fini(&as);
        p->over = true;
        return rc;
    }
    for (;;) {
        int64_t t = sim_next_time(&p->sim);
        bool last = false;
        if (next < as.n && (t < 0 || as.items[next].at_ms < t))
            t = as.items[next].at_ms;
        /* Past the scenario's end only for the trainee's own late actions. */
        if (t < 0 || (t > p->sc.duration_ms && next >= as.n)) {
            t = p->sc.duration_ms;
            last = true;
        }
        if (t < p->scen_now)
            t = p->scen_now;
        practice_step(p, t);
        while (next < as.n && as.items[next].at_ms <= t) {
            practice_bump();
            practice_do(p, &as.items[next++]);
            practice_watch(p); /* an assignment schedules its answer from now */
        }
        practice_step(p, t); /* answers due at once */
        if (last)
            break;
    }
    p->over = true;
    config_answers_fini(&as);
    return 0;
}

/* ---- debrief ----------------------------------------------------------------------- */

/* An event for the debrief's timeline; newly allocated. */
static char *practice_event_text(struct app_practice *p, const struct model_event *e)
{
    json_t *d = e->detail && e->detail[0] == '{' ? json_loads(e->detail, 0, NULL) : NULL;
    const char *s1, *s2;
    char *out = NULL;

    if (strcmp(e->kind, "report.created") == 0) {
        long inc = sim_incident_of(&p->sim, e->report_id ? e->report_id : "");
        for (size_t i = 0; inc >= 0 && i < p->sc.nevents; i++)
            if (strcmp(p->sim.report[i], e->report_id) == 0) {
                const struct config_scenario_event *ev = &p->sc.events[i];
                out = xasprintf(_("%s from %s: \"%s\""), ev->channel,
                                ev->caller ? ev->caller : _("a caller"), ev->says ? ev->says : "");
            }
    } else if (strcmp(e->kind, "assignment.created") == 0 &&
               (s1 = json_string_value(json_object_get(d, "verifier"))) != NULL) {
        out = xasprintf(_("assigned verifier %s"), s1);
    } else if (strcmp(e->kind, "assignment.state") == 0 &&
               (s1 = json_string_value(json_object_get(d, "from"))) != NULL &&
               (s2 = json_string_value(json_object_get(d, "to"))) != NULL) {
        out = xasprintf(_("verifier %s → %s"), s1, s2);
    } else if (strcmp(e->kind, "verifier.added") == 0 &&
               (s1 = json_string_value(json_object_get(d, "name"))) != NULL) {
        out = xasprintf(_("verifier %s on the roster"), s1);
    }
    json_decref(d);
    return out ? out : app_event_text(p->a, e);
}

json_t *app_practice_debrief(struct app_practice *p, char **err)
{
    struct app_event_filter f = {.oldest_first = true, .limit = 100000};
    struct sim_record r = {0};
    char **ids = NULL;
    size_t nids = 0, nall;
    json_t *d = NULL, *refused;

    r.base = p->base;
    r.end_ms = p->scen_now;
    r.trainee = p->trainee;
    r.scenario_actor = PRACTICE_ACTOR;
    if (app_events(p->a, &f, &r.events, &r.nevents, err) != 0)
        return NULL;
    nall = r.nevents;
    /* The run's own bookkeeping (practice.*) goes last, out of the timeline. */
    r.nevents = 0;
    for (size_t i = 0; i < nall; i++) {
        if (practice_relay_internal(r.events[i].kind))
            continue;
        if (i != r.nevents) {
            struct model_event tmp = r.events[r.nevents];
            r.events[r.nevents] = r.events[i];
            r.events[i] = tmp;
        }
        r.nevents++;
    }
    r.event_text = xcalloc(r.nevents + 1, sizeof *r.event_text);
    for (size_t i = 0; i < r.nevents; i++)
        r.event_text[i] = practice_event_text(p, &r.events[i]);
    if (store_broadcast_ids(p->a->store, 1000, &ids, &nids, err) != STORE_OK)
        goto out;
    r.broadcasts = xcalloc(nids + 1, sizeof *r.broadcasts);
    r.sent = xcalloc(nids + 1, sizeof *r.sent);
    for (size_t i = nids; i-- > 0;) { /* oldest first */
        size_t counts[STORE_OUTBOX_NSTATES];
        if (store_broadcast_get(p->a->store, ids[i], &r.broadcasts[r.nbroadcasts], err) != STORE_OK)
            goto out;
        if (store_outbox_counts(p->a->store, ids[i], counts, NULL) == STORE_OK)
            r.sent[r.nbroadcasts] = counts[STORE_OUTBOX_SENT];
        r.nbroadcasts++;
    }
    r.status = xcalloc(p->sc.nincidents + 1, sizeof *r.status);
    for (size_t i = 0; i < p->sc.nincidents; i++) {
        const char *id = sim_report_of(&p->sim, i, 1);
        struct model_report rep;
        r.status[i] = MODEL_STATUS_NEW;
        if (id != NULL && app_report_get(p->a, id, &rep, NULL) == 0) {
            r.status[i] = rep.status;
            model_report_fini(&rep);
        }
    }
    d = sim_debrief(&p->sim, &r);
    refused = json_array();
    for (size_t i = 0; i < p->nrefused; i++)
        json_array_append_new(refused, json_string(p->refused[i]));
    json_object_set_new(d, "refused", refused);
    json_object_set_new(d, "sandbox", json_string(p->sandbox));
    json_object_set_new(d, "sink", json_string(p->a->practice_sink));
    if (p->relay != NULL)
        practice_relay_debrief(p, d);
out:
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    for (size_t i = 0; i < r.nbroadcasts; i++)
        store_broadcast_fini(&r.broadcasts[i]);
    free(r.broadcasts);
    free(r.sent);
    free(r.status);
    for (size_t i = 0; i < r.nevents; i++)
        free(r.event_text[i]);
    free(r.event_text);
    app_events_free(r.events, nall);
    return d;
}

char *app_practice_debrief_markdown(struct app_practice *p, char **err)
{
    json_t *d = app_practice_debrief(p, err);
    const json_t *x;
    size_t i;
    struct buf b;
    char *md;

    if (d == NULL)
        return NULL;
    md = sim_debrief_markdown(d);
    buf_init(&b);
    buf_adds(&b, md);
    free(md);
    if ((x = json_object_get(d, "team")) != NULL) {
        const json_t *name;
        size_t k;
        buf_printf(&b, "\n## %s\n\n", _("Team"));
        /* TRANSLATORS: a shared practice run: relay URL and the join code. */
        buf_printf(&b, _("- Practice network on %s, code %s\n"),
                   json_string_value(json_object_get(x, "relay")),
                   json_string_value(json_object_get(x, "code")));
        /* TRANSLATORS: the trainee whose console played the scenario's calls and verifiers. */
        buf_printf(&b, _("- %s played the timeline (the calls and the verifiers' answers)\n"),
                   json_is_string(json_object_get(x, "lead"))
                       ? json_string_value(json_object_get(x, "lead"))
                       : "?");
        buf_printf(&b, "- %s:", _("Trainees"));
        json_array_foreach(json_object_get(x, "trainees"), k, name)
            buf_printf(&b, "%s %s", k ? "," : "", json_string_value(name));
        buf_adds(&b, "\n");
    }
    if (json_array_size(json_object_get(d, "refused")) > 0) {
        buf_printf(&b, "\n## %s\n\n", _("Refused actions"));
        json_array_foreach(json_object_get(d, "refused"), i, x)
            buf_printf(&b, "- %s\n", json_string_value(x));
    }
    json_decref(d);
    return buf_steal(&b);
}

int app_practice_debrief_write(struct app_practice *p, const char *path, char **err)
{
    size_t n = strlen(path);
    bool json = n > 5 && strcmp(path + n - 5, ".json") == 0;
    char *text = NULL;
    int rc = -1;

    if (json) {
        json_t *d = app_practice_debrief(p, err);
        if (d == NULL)
            return -1;
        text = json_dumps(d, JSON_INDENT(2));
        json_decref(d);
    } else {
        text = app_practice_debrief_markdown(p, err);
    }
    if (text == NULL)
        return -1;
    {
        char *tmp = xasprintf("%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        bool ok = f != NULL && fputs(text, f) >= 0 && (!json || fputc('\n', f) != EOF);
        if (f != NULL && fclose(f) != 0)
            ok = false;
        if (!ok || rename(tmp, path) != 0) {
            util_seterr(err, _("cannot write %s: %s"), path, strerror(errno));
            unlink(tmp);
        } else {
            rc = 0;
        }
        free(tmp);
    }
    free(text);
    return rc;
}

/* ---- a real incident as a scenario ------------------------------------------------ */

/* @s as a double-quoted YAML scalar on @out. */
static void practice_yq(FILE *out, const char *s)
{
    fputc('"', out);
    for (const char *c = s ? s : ""; *c; c++) {
        if (*c == '"' || *c == '\\')
            fputc('\\', out);
        if (*c == '\n')
            fputs("\\n", out);
        else if ((unsigned char)*c >= 0x20)
            fputc(*c, out);
    }
    fputc('"', out);
}

/* @s with personal data (phones, emails, A- and case numbers, @contact) masked; newly allocated. */
static char *practice_mask(const char *s, const char *contact)
{
    struct text_pii_hit *hits = NULL;
    const char *needles[1] = {contact};
    size_t n = text_pii_scan(s ? s : "", needles, contact ? 1 : 0, &hits);
    struct buf b;
    size_t at = 0;

    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (hits[i].len == 0 || hits[i].offset < at)
            continue;
        buf_add(&b, s + at, hits[i].offset - at);
        buf_printf(&b, "[%s]", text_pii_kind_name(hits[i].kind));
        at = hits[i].offset + hits[i].len;
    }
    buf_adds(&b, s ? s + at : "");
    free(hits);
    return buf_steal(&b);
}

static void practice_mmss_out(FILE *out, int64_t ms)
{
    char t[16];

    sim_mmss(ms, t);
    practice_yq(out, t);
}

int app_practice_export(struct app *a, const char *id, FILE *out, char **err)
{
    struct app_verification v;
    struct model_report *reps = NULL;
    char **vnames = NULL;
    size_t nv = 0;
    int64_t t0 = 0, tend = 0;
    int rc = -1;
    static const char *const truth_of[MODEL_STATUS_COUNT] = {
        [MODEL_STATUS_CONFIRMED] = "real_operation",
        [MODEL_STATUS_POLICE_ONLY] = "local_police",
        [MODEL_STATUS_FALSE_ALARM] = "old_rumor",
        [MODEL_STATUS_NOT_CONFIRMED] = "old_rumor",
    };

    if (app_verification_get(a, id, &v, err) != 0)
        return -1;
    if (!model_status_is_final(v.status)) {
        util_seterr(err,
                    _("incident %s is %s: only a closed incident (a verdict reached) can "
                      "become a scenario"),
                    v.incident, model_status_name(v.status));
        goto out;
    }
    reps = xcalloc(v.nmembers + 1, sizeof *reps);
    for (size_t i = 0; i < v.nmembers; i++) {
        model_report_init(&reps[i]);
        if (app_report_get(a, v.members[i], &reps[i], err) != 0)
            goto out;
        if (i == 0 || reps[i].received_at < t0)
            t0 = reps[i].received_at;
        if (reps[i].received_at > tend)
            tend = reps[i].received_at;
    }
    {
        enum model_status expect = v.status;
        const char *truth = truth_of[expect] ? truth_of[expect] : "old_rumor";
        if (v.list != NULL && model_checklist_find(v.list, "verifier_on_scene") >= 0 &&
            expect == MODEL_STATUS_CONFIRMED && reps[0].category == MODEL_CAT_WORKPLACE)
            truth = "workplace_visit";
        if (expect == MODEL_STATUS_CONFIRMED && reps[0].category == MODEL_CAT_COURTHOUSE)
            truth = "courthouse_arrest";
        fprintf(out, "# vigia practice scenario exported from a closed incident.\n"
                     "# Caller contacts, verifier names, street and door numbers, phone\n"
                     "# numbers, emails and case numbers were replaced. Names typed into the\n"
                     "# free text cannot all be found: read every line before sharing it.\n"
                     "# The truth below is guessed from the verdict; correct it.\n");
        fputs("title: ", out);
        practice_yq(out, _("A real incident, replayed"));
        fputs("\nlanguage: en\ntrainer_notes: ", out);
        practice_yq(out, _("Exported from the network's own history with its original timing."));
        fputs("\nduration: ", out);
        practice_mmss_out(out, tend - t0 + 20 * 60000);
        fprintf(out, "\nincidents:\n  - id: real\n    truth: %s\n    expect: %s\n", truth,
                model_status_name(expect));
    }
    fputs("timeline:\n", out);
    for (size_t i = 0; i < v.nmembers; i++) {
        const struct model_report *r = &reps[i];
        char *contact = NULL, *loc, *m;
        app_report_contact(a, r->id, &contact, NULL);
        fputs("  - at: ", out);
        practice_mmss_out(out, r->received_at - t0);
        fprintf(out, "\n    incident: real\n    channel: %s\n",
                r->source == MODEL_SOURCE_SMS        ? "sms"
                : r->source == MODEL_SOURCE_TELEGRAM ? "telegram"
                : r->source == MODEL_SOURCE_SIGNAL   ? "signal"
                : r->source == MODEL_SOURCE_WALK_IN  ? "walk_in"
                : r->source == MODEL_SOURCE_SOCIAL   ? "social"
                                                     : "call");
        if (contact != NULL)
            fprintf(out, "    contact: \"+1 555 01%02zu\"\n", (i + 10) % 100);
        if (r->observed_at > 0 && r->received_at > r->observed_at) {
            fputs("    observed_ago: ", out);
            practice_mmss_out(out, r->received_at - r->observed_at);
            fputc('\n', out);
        }
        fputs("    report:\n      location: ", out);
        loc = model_location_coarse(r->location);
        m = practice_mask(loc, contact);
        practice_yq(out, m[0] ? m : _("somewhere in the area"));
        free(loc);
        free(m);
        fprintf(out, "\n      category: %s\n", model_category_name(r->category));
        if (r->area && *r->area) {
            fputs("      area: ", out);
            practice_yq(out, r->area);
            fputc('\n', out);
        }
        {
            const char *keys[] = {"what", "agency", "vehicles"};
            const char *vals[] = {r->what, r->agency, r->vehicles};
            for (size_t k = 0; k < UTIL_ARRAY_LEN(keys); k++) {
                if (vals[k] == NULL || *vals[k] == '\0')
                    continue;
                m = practice_mask(vals[k], contact);
                fprintf(out, "      %s: ", keys[k]);
                practice_yq(out, m);
                fputc('\n', out);
                free(m);
            }
        }
        if (r->agents >= 0)
            fprintf(out, "      agents: \"%d\"\n", r->agents);
        fprintf(out, "      first_hand: %s\n", model_tri_name(r->first_hand));
        free(contact);
    }
    /* Verifiers: who answered which items, and how long after being sent. */
    for (size_t i = 0; i < v.list->n; i++) {
        const struct app_check *c = &v.checks[i];
        const char *name;
        size_t k;
        if (c->by == NULL || strncmp(c->by, APP_VERIFIER_BY, strlen(APP_VERIFIER_BY)) != 0)
            continue;
        name = c->by + strlen(APP_VERIFIER_BY);
        for (k = 0; k < nv; k++)
            if (strncmp(name, vnames[k], strlen(vnames[k])) == 0)
                break;
        if (k == nv) {
            const char *sp = strstr(name, " (");
            vnames = xreallocarray(vnames, nv + 1, sizeof *vnames);
            vnames[nv++] = sp ? xasprintf("%.*s", (int)(sp - name), name) : xstrdup(name);
        }
    }
    if (nv > 0)
        fputs("verifiers:\n", out);
    for (size_t k = 0; k < nv; k++) {
        int64_t sent = 0, seen = 0;
        for (size_t i = 0; i < v.nmembers; i++) {
            struct model_assignment *as = NULL;
            size_t n = 0;
            if (app_assignments(a, v.members[i], false, &as, &n, NULL) != 0)
                continue;
            for (size_t j = 0; j < n; j++) {
                struct model_verifier ver;
                if (app_verifier_find(a, as[j].verifier_id, &ver, NULL) != 0)
                    continue;
                if (strcmp(ver.name, vnames[k]) == 0 &&
                    (sent == 0 || as[j].at[MODEL_ASSIGN_ASSIGNED] < sent))
                    sent = as[j].at[MODEL_ASSIGN_ASSIGNED];
                model_verifier_fini(&ver);
            }
            app_assignments_free(as, n);
        }
        fprintf(out, "  - name: \"Verifier %zu\"\n    answers:\n      - incident: real\n", k + 1);
        for (size_t i = 0; i < v.list->n; i++) {
            const struct app_check *c = &v.checks[i];
            /* The prefix first: a shorter "by" must not be read past its end. */
            if (c->by && strncmp(c->by, APP_VERIFIER_BY, strlen(APP_VERIFIER_BY)) == 0 &&
                strncmp(c->by + strlen(APP_VERIFIER_BY), vnames[k], strlen(vnames[k])) == 0 &&
                (seen == 0 || c->at < seen))
                seen = c->at;
        }
        fputs("        after: ", out);
        practice_mmss_out(out, sent > 0 && seen > sent ? seen - sent : 5 * 60000);
        fputs("\n        sees:\n", out);
        for (size_t i = 0; i < v.list->n; i++) {
            const struct app_check *c = &v.checks[i];
            if (c->by && strncmp(c->by, APP_VERIFIER_BY, strlen(APP_VERIFIER_BY)) == 0 &&
                strncmp(c->by + strlen(APP_VERIFIER_BY), vnames[k], strlen(vnames[k])) == 0 &&
                c->state != MODEL_UNKNOWN)
                fprintf(out, "          %s: \"%s\"\n", c->item->key, model_tri_name(c->state));
        }
    }
    rc = ferror(out) ? -1 : 0;
    if (rc != 0)
        util_seterr(err, "%s", _("cannot write the scenario"));
out:
    for (size_t i = 0; reps && i < v.nmembers; i++)
        model_report_fini(&reps[i]);
    free(reps);
    for (size_t k = 0; k < nv; k++)
        free(vnames[k]);
    free(vnames);
    app_verification_fini(&v);
    return rc;
}
