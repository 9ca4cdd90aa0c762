/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The practice run's clock, schedule and scoring (include/vigia/sim.h).
 *
 * Scenario time is what trainees see: real time multiplied by the speed
 * factor, frozen while paused. The app sets the process clock
 * (timeutil_set_fixed) to base + scenario time, so every row and event the
 * run writes carries scenario time; the scoring reads those back as
 * offsets from base. Scoring is deliberately simple and explainable: the
 * first trainee action on an incident is triage, its first assignment the
 * dispatch, the first scripted answer the verification, the first status
 * change to a verdict the decision, the first approved public alert the
 * broadcast.
 */
#include "config.h"

#include "vigia/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/config.h"
#include "vigia/store.h"

/* ---- clock ------------------------------------------------------------------ */

void sim_clock_init(struct sim_clock *c, double speed, int64_t real_now)
{
    c->real_base = real_now;
    c->scen_base = 0;
    c->speed = speed > 0 ? speed : 1;
    c->paused = false;
}

int64_t sim_clock_now(const struct sim_clock *c, int64_t real_now)
{
    if (c->paused || real_now <= c->real_base)
        return c->scen_base;
    return c->scen_base + (int64_t)((double)(real_now - c->real_base) * c->speed);
}

void sim_clock_pause(struct sim_clock *c, bool pause, int64_t real_now)
{
    if (pause == c->paused)
        return;
    c->scen_base = sim_clock_now(c, real_now);
    c->real_base = real_now;
    c->paused = pause;
}

void sim_clock_set(struct sim_clock *c, int64_t scen_ms, int64_t real_now)
{
    c->scen_base = scen_ms;
    c->real_base = real_now;
}

int64_t sim_clock_real_until(const struct sim_clock *c, int64_t scen_ms, int64_t real_now)
{
    int64_t now = sim_clock_now(c, real_now);

    if (c->paused)
        return -1;
    if (scen_ms <= now)
        return 0;
    return (int64_t)((double)(scen_ms - now) / c->speed) + 1;
}

/* ---- schedule --------------------------------------------------------------- */

void sim_init(struct sim *s, const struct config_scenario *sc, double speed, int64_t real_now)
{
    memset(s, 0, sizeof *s);
    s->sc = sc;
    sim_clock_init(&s->clock, speed, real_now);
    s->fired = xcalloc(sc->nevents + 1, sizeof *s->fired);
    s->fired_at = xcalloc(sc->nevents + 1, sizeof *s->fired_at);
    s->report = xcalloc(sc->nevents + 1, sizeof *s->report);
    s->verified_at = xcalloc(sc->nincidents + 1, sizeof *s->verified_at);
    for (size_t i = 0; i < sc->nincidents; i++)
        s->verified_at[i] = -1;
}

void sim_fini(struct sim *s)
{
    free(s->fired);
    free(s->fired_at);
    free(s->report);
    free(s->verified_at);
    free(s->pend);
    memset(s, 0, sizeof *s);
}

long sim_event_due(struct sim *s, int64_t scen_now)
{
    for (size_t i = 0; i < s->sc->nevents; i++) {
        if (s->fired[i])
            continue;
        if (s->sc->events[i].at_ms > scen_now)
            return -1; /* sorted by time */
        s->fired[i] = true;
        s->fired_at[i] = scen_now;
        return (long)i;
    }
    return -1;
}

long sim_inject(struct sim *s, int64_t scen_now)
{
    for (size_t i = 0; i < s->sc->nevents; i++)
        if (!s->fired[i]) {
            s->fired[i] = true;
            s->fired_at[i] = scen_now;
            return (long)i;
        }
    return -1;
}

int64_t sim_next_time(const struct sim *s)
{
    int64_t t = -1;

    for (size_t i = 0; i < s->sc->nevents; i++)
        if (!s->fired[i]) {
            t = s->sc->events[i].at_ms;
            break;
        }
    for (size_t i = 0; i < s->npend; i++)
        if (!s->pend[i].done && s->pend[i].answer >= 0 && (t < 0 || s->pend[i].due_ms < t))
            t = s->pend[i].due_ms;
    return t;
}

long sim_incident_of(const struct sim *s, const char *report_id)
{
    for (size_t i = 0; i < s->sc->nevents; i++)
        if (s->report[i][0] && strcmp(s->report[i], report_id) == 0)
            return (long)s->sc->events[i].incident;
    return -1;
}

const char *sim_report_of(const struct sim *s, size_t incident, int nth)
{
    int k = 0;

    for (size_t i = 0; i < s->sc->nevents; i++)
        if (s->report[i][0] && s->sc->events[i].incident == incident && ++k == nth)
            return s->report[i];
    return NULL;
}

long sim_verifier_find(const struct sim *s, const char *name)
{
    for (size_t i = 0; i < s->sc->nverifiers; i++)
        if (strcasecmp(s->sc->verifiers[i].name, name) == 0)
            return (long)i;
    return -1;
}

bool sim_assignment_known(const struct sim *s, const char *id)
{
    for (size_t i = 0; i < s->npend; i++)
        if (strcmp(s->pend[i].assignment, id) == 0)
            return true;
    return false;
}

void sim_assignment_add(struct sim *s, const char *id, size_t verifier, size_t incident,
                        int64_t scen_now)
{
    const struct config_scenario_verifier *v = &s->sc->verifiers[verifier];
    struct sim_pending *p;

    if (s->npend == s->cappend) {
        s->cappend = s->cappend ? s->cappend * 2 : 8;
        s->pend = xreallocarray(s->pend, s->cappend, sizeof *s->pend);
    }
    p = &s->pend[s->npend++];
    memset(p, 0, sizeof *p);
    snprintf(p->assignment, sizeof p->assignment, "%s", id);
    p->verifier = verifier;
    p->incident = incident;
    p->answer = -1;
    for (size_t k = 0; k < v->nanswers; k++)
        if (v->answers[k].incident == incident) {
            p->answer = (long)k;
            p->due_ms = scen_now + v->answers[k].after_ms;
            break;
        }
    p->done = p->answer < 0;
}

long sim_answer_due(struct sim *s, int64_t scen_now)
{
    for (size_t i = 0; i < s->npend; i++) {
        struct sim_pending *p = &s->pend[i];
        if (p->done || p->due_ms > scen_now)
            continue;
        p->done = true;
        if (s->verified_at[p->incident] < 0)
            s->verified_at[p->incident] = scen_now;
        return (long)i;
    }
    return -1;
}

bool sim_over(const struct sim *s, int64_t scen_now)
{
    for (size_t i = 0; i < s->sc->nevents; i++)
        if (!s->fired[i])
            return false;
    return scen_now >= s->sc->duration_ms;
}

void sim_mmss(int64_t ms, char out[16])
{
    int64_t sec = ms < 0 ? 0 : ms / 1000;
    unsigned min = sec / 60 > 99999 ? 99999u : (unsigned)(sec / 60);

    snprintf(out, 16, "%02u:%02u", min, (unsigned)(sec % 60));
}

/* ---- scoring ---------------------------------------------------------------- */

/* True when report @id belongs to @incident in this run. */
static bool sim_of(const struct sim *s, const char *id, size_t incident)
{
    return id != NULL && sim_incident_of(s, id) == (long)incident;
}

/* True when @actor is the trainee (not the run itself, not a relayed verifier). */
static bool sim_is_trainee(const struct sim_record *r, const char *actor)
{
    if (actor == NULL)
        return false;
    if (r->scenario_actor && strcmp(actor, r->scenario_actor) == 0)
        return false;
    if (strcmp(actor, "sync") == 0)
        return false; /* a shared run's concurrent edits, recorded by sync */
    return strncmp(actor, "verifier:", 9) != 0;
}

/* The "to" of a status.changed event; newly allocated or NULL. */
static char *sim_status_to(const struct model_event *e)
{
    json_t *d = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
    const char *to = json_string_value(json_object_get(d, "to"));
    char *out = to ? xstrdup(to) : NULL;

    json_decref(d);
    return out;
}

static bool sim_is_verdict(int st)
{
    return st == MODEL_STATUS_CONFIRMED || st == MODEL_STATUS_NOT_CONFIRMED ||
           st == MODEL_STATUS_POLICE_ONLY || st == MODEL_STATUS_FALSE_ALARM;
}

/* The incident's status at real time @at, replaying status changes; NEW before any. */
static int sim_status_at(const struct sim *s, const struct sim_record *r, size_t inc, int64_t at)
{
    int st = MODEL_STATUS_NEW;

    for (size_t i = 0; i < r->nevents; i++) {
        const struct model_event *e = &r->events[i];
        char *to;
        if (e->at > at)
            break;
        if (strcmp(e->kind, "status.changed") != 0 || !sim_of(s, e->report_id, inc))
            continue;
        if ((to = sim_status_to(e)) != NULL) {
            int v = model_status_parse(to);
            if (v >= 0)
                st = v;
            free(to);
        }
    }
    return st;
}

static void sim_set_time(json_t *o, const char *key, int64_t ms, int64_t from)
{
    char t[16];

    if (ms < 0) {
        json_object_set_new(o, key, json_null());
        return;
    }
    sim_mmss(ms - from, t);
    json_object_set_new(o, key, json_string(t));
}

/* A mistake: @grave ones are public alerts of unconfirmed or wrong reports. */
static void sim_mistake(json_t *list, bool grave, const char *incident, const char *text)
{
    json_t *m = json_object();

    json_object_set_new(m, "gravest", json_boolean(grave));
    json_object_set_new(m, "incident", incident ? json_string(incident) : json_null());
    json_object_set_new(m, "text", json_string(text));
    json_array_append_new(list, m);
}

json_t *sim_debrief(const struct sim *s, const struct sim_record *r)
{
    const struct config_scenario *sc = s->sc;
    json_t *d = json_object(), *incs = json_array(), *bcs = json_array(), *mistakes = json_array(),
           *tl = json_array();
    size_t correct = 0, gravest = 0;
    char t[16];

    json_object_set_new(d, "scenario", json_string(sc->title));
    json_object_set_new(d, "file", json_string(sc->file));
    json_object_set_new(d, "language", json_string(sc->language));
    json_object_set_new(d, "trainee", r->trainee ? json_string(r->trainee) : json_null());
    sim_mmss(r->end_ms, t);
    json_object_set_new(d, "duration", json_string(t));

    for (size_t i = 0; i < sc->nincidents; i++) {
        const struct config_scenario_incident *ci = &sc->incidents[i];
        json_t *o = json_object();
        int64_t arrived = -1, triage = -1, assign = -1, decide = -1, bcast = -1;
        int verdict = -1;
        size_t calls = 0;
        for (size_t k = 0; k < sc->nevents; k++)
            if (sc->events[k].incident == i && s->fired[k]) {
                calls++;
                if (arrived < 0 || s->fired_at[k] < arrived)
                    arrived = s->fired_at[k];
            }
        for (size_t k = 0; k < r->nevents; k++) {
            const struct model_event *e = &r->events[k];
            int64_t at = e->at - r->base;
            if (!sim_of(s, e->report_id, i) || !sim_is_trainee(r, e->actor))
                continue;
            if (strcmp(e->kind, "report.created") == 0)
                continue;
            if (triage < 0)
                triage = at;
            if (assign < 0 && strcmp(e->kind, "assignment.created") == 0)
                assign = at;
            if (strcmp(e->kind, "status.changed") == 0) {
                char *to = sim_status_to(e);
                int v = to ? model_status_parse(to) : -1;
                free(to);
                if (sim_is_verdict(v) || (v >= 0 && v == (int)ci->expect)) {
                    if (decide < 0)
                        decide = at;
                    verdict = v; /* the last verdict counts */
                }
            }
        }
        if (verdict < 0 && r->status && sim_is_verdict((int)r->status[i]))
            verdict = (int)r->status[i];
        /* Noise expected to be closed (or left stale): its end state is the verdict. */
        if (!sim_is_verdict((int)ci->expect) && r->status && verdict < 0)
            verdict = (int)r->status[i];
        for (size_t b = 0; b < r->nbroadcasts; b++) {
            const struct store_broadcast *sb = &r->broadcasts[b];
            bool cites = false;
            char *ids, *tok, *save = NULL;
            if (sb->approved_at == 0 || (sb->kind && strcmp(sb->kind, "public") != 0))
                continue;
            ids = xstrdup(sb->report_ids ? sb->report_ids : "");
            for (tok = strtok_r(ids, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
                cites = cites || sim_of(s, tok, i);
            free(ids);
            if (cites && (bcast < 0 || sb->approved_at - r->base < bcast))
                bcast = sb->approved_at - r->base;
        }
        json_object_set_new(o, "id", json_string(ci->id));
        json_object_set_new(o, "truth", json_string(config_truth_name(ci->truth)));
        json_object_set_new(o, "expected", json_string(model_status_name(ci->expect)));
        json_object_set_new(o, "alert_expected", json_boolean(ci->alert));
        json_object_set_new(o, "calls", json_integer((json_int_t)calls));
        sim_set_time(o, "first_call_at", arrived, 0);
        sim_set_time(o, "time_to_triage", arrived >= 0 && triage >= 0 ? triage : -1, arrived);
        sim_set_time(o, "time_to_assign", arrived >= 0 && assign >= 0 ? assign : -1, arrived);
        sim_set_time(o, "time_to_verify", arrived >= 0 ? s->verified_at[i] : -1, arrived);
        sim_set_time(o, "time_to_decide", arrived >= 0 && decide >= 0 ? decide : -1, arrived);
        sim_set_time(o, "time_to_broadcast", arrived >= 0 && bcast >= 0 ? bcast : -1, arrived);
        json_object_set_new(o, "verdict",
                            verdict >= 0 ? json_string(model_status_name(verdict)) : json_null());
        json_object_set_new(o, "final_status",
                            r->status ? json_string(model_status_name(r->status[i])) : json_null());
        json_object_set_new(o, "verdict_correct", json_boolean(verdict == (int)ci->expect));
        if (ci->notes)
            json_object_set_new(o, "trainer_notes", json_string(ci->notes));
        if (verdict == (int)ci->expect)
            correct++;
        else if (calls > 0) {
            char *m =
                verdict < 0
                    ? xasprintf(_("no verdict reached; expected %s"), model_status_name(ci->expect))
                    : xasprintf(_("verdict %s; the truth was %s (expected %s)"),
                                model_status_name(verdict), config_truth_name(ci->truth),
                                model_status_name(ci->expect));
            sim_mistake(mistakes, false, ci->id, m);
            free(m);
        }
        if (ci->alert && bcast < 0 && calls > 0) {
            char *m = xasprintf("%s", _("no public alert went out for a confirmed operation"));
            sim_mistake(mistakes, false, ci->id, m);
            free(m);
        }
        json_array_append_new(incs, o);
    }

    for (size_t b = 0; b < r->nbroadcasts; b++) {
        const struct store_broadcast *sb = &r->broadcasts[b];
        json_t *o = json_object(), *cited = json_array();
        bool public = sb->kind == NULL || strcmp(sb->kind, "public") == 0;
        char *ids = xstrdup(sb->report_ids ? sb->report_ids : ""), *tok, *save = NULL;
        json_object_set_new(o, "id", json_string(sb->id));
        json_object_set_new(o, "kind", json_string(public ? "public" : sb->kind));
        json_object_set_new(o, "template",
                            sb->template_name ? json_string(sb->template_name) : json_null());
        json_object_set_new(o, "status", json_string(sb->status ? sb->status : "?"));
        sim_set_time(o, "drafted_at", sb->created_at - r->base, 0);
        sim_set_time(o, "approved_at", sb->approved_at ? sb->approved_at - r->base : -1, 0);
        json_object_set_new(o, "sent", json_integer((json_int_t)(r->sent ? r->sent[b] : 0)));
        json_object_set_new(o, "approved_by",
                            sb->approved_by ? json_string(sb->approved_by) : json_null());
        for (tok = strtok_r(ids, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            long inc = sim_incident_of(s, tok);
            const char *name = inc >= 0 ? sc->incidents[inc].id : NULL;
            json_array_append_new(cited, name ? json_string(name) : json_string(tok));
            if (!public || sb->approved_at == 0)
                continue;
            if (inc < 0) {
                sim_mistake(mistakes, true, NULL,
                            _("a public alert cited a report that is not part of the scenario"));
                gravest++;
                continue;
            }
            int st = sim_status_at(s, r, (size_t)inc, sb->approved_at);
            if (st != MODEL_STATUS_CONFIRMED) {
                char *m = xasprintf(_("public alert of an unconfirmed report (status %s)"),
                                    model_status_name(st));
                sim_mistake(mistakes, true, name, m);
                free(m);
                gravest++;
            } else if (!sc->incidents[inc].alert) {
                char *m = xasprintf(_("public alert of a wrong report: the truth was %s"),
                                    config_truth_name(sc->incidents[inc].truth));
                sim_mistake(mistakes, true, name, m);
                free(m);
                gravest++;
            }
        }
        free(ids);
        json_object_set_new(o, "incidents", cited);
        json_array_append_new(bcs, o);
    }

    for (size_t k = 0; k < r->nevents; k++) {
        const struct model_event *e = &r->events[k];
        json_t *o = json_object();
        long inc = e->report_id ? sim_incident_of(s, e->report_id) : -1;
        if (!sim_is_trainee(r, e->actor) && strcmp(e->kind, "assignment.checkin") == 0) {
            json_decref(o); /* every relayed observation counts as one: noise here */
            continue;
        }
        sim_set_time(o, "at", e->at - r->base, 0);
        json_object_set_new(o, "who",
                            json_string(sim_is_trainee(r, e->actor) ? "trainee"
                                        : e->actor && strncmp(e->actor, "verifier:", 9) == 0
                                            ? "verifier"
                                        : e->actor && strcmp(e->actor, "sync") == 0 ? "sync"
                                                                                    : "scenario"));
        json_object_set_new(o, "actor", json_string(e->actor ? e->actor : ""));
        json_object_set_new(o, "kind", json_string(e->kind));
        json_object_set_new(o, "incident",
                            inc >= 0 ? json_string(sc->incidents[inc].id) : json_null());
        json_object_set_new(
            o, "text", json_string(r->event_text && r->event_text[k] ? r->event_text[k] : e->kind));
        json_array_append_new(tl, o);
    }

    json_object_set_new(d, "incidents", incs);
    json_object_set_new(d, "broadcasts", bcs);
    json_object_set_new(d, "mistakes", mistakes);
    json_object_set_new(d, "timeline", tl);
    json_t *sum = json_object();
    json_object_set_new(sum, "incidents", json_integer((json_int_t)sc->nincidents));
    json_object_set_new(sum, "correct_verdicts", json_integer((json_int_t)correct));
    json_object_set_new(sum, "broadcasts", json_integer((json_int_t)r->nbroadcasts));
    json_object_set_new(sum, "gravest_mistakes", json_integer((json_int_t)gravest));
    json_object_set_new(d, "summary", sum);
    return d;
}

static const char *sim_js(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "—";
}

char *sim_debrief_markdown(const json_t *d)
{
    struct buf b;
    const json_t *sum = json_object_get(d, "summary"), *x;
    size_t i;

    buf_init(&b);
    buf_printf(&b, "# %s: %s\n\n", _("Practice debrief"), sim_js(d, "scenario"));
    buf_printf(&b, "- %s: %s\n", _("Trainee"), sim_js(d, "trainee"));
    buf_printf(&b, "- %s: %s\n", _("Scenario time"), sim_js(d, "duration"));
    buf_printf(&b, "- %s: %lld / %lld\n", _("Correct verdicts"),
               (long long)json_integer_value(json_object_get(sum, "correct_verdicts")),
               (long long)json_integer_value(json_object_get(sum, "incidents")));
    buf_printf(&b, "- %s: %lld\n", _("Broadcasts"),
               (long long)json_integer_value(json_object_get(sum, "broadcasts")));
    buf_printf(&b, "- %s: %lld\n\n",
               _("Gravest mistakes (public alert of an unconfirmed or wrong report)"),
               (long long)json_integer_value(json_object_get(sum, "gravest_mistakes")));

    buf_printf(&b, "## %s\n\n", _("Incidents"));
    buf_printf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", _("incident"),
               _("truth"), _("calls"), _("triage"), _("assign"), _("verify"), _("decide"),
               _("broadcast"), _("verdict"), _("expected"));
    buf_adds(&b, "|---|---|---|---|---|---|---|---|---|---|\n");
    json_array_foreach(json_object_get(d, "incidents"), i, x)
    {
        buf_printf(
            &b, "| %s | %s | %lld | %s | %s | %s | %s | %s | %s %s | %s |\n", sim_js(x, "id"),
            sim_js(x, "truth"), (long long)json_integer_value(json_object_get(x, "calls")),
            sim_js(x, "time_to_triage"), sim_js(x, "time_to_assign"), sim_js(x, "time_to_verify"),
            sim_js(x, "time_to_decide"), sim_js(x, "time_to_broadcast"), sim_js(x, "verdict"),
            json_is_true(json_object_get(x, "verdict_correct")) ? "✓" : "✗", sim_js(x, "expected"));
    }
    buf_adds(&b, "\n");
    buf_printf(&b, "%s\n\n", _("Times are from the incident's first call (mm:ss)."));

    buf_printf(&b, "## %s\n\n", _("Mistakes"));
    if (json_array_size(json_object_get(d, "mistakes")) == 0)
        buf_printf(&b, "%s\n", _("None."));
    json_array_foreach(json_object_get(d, "mistakes"), i, x)
    {
        buf_printf(&b, "- %s%s%s%s\n",
                   json_is_true(json_object_get(x, "gravest")) ? _("**GRAVEST** ") : "",
                   json_is_string(json_object_get(x, "incident")) ? sim_js(x, "incident") : "",
                   json_is_string(json_object_get(x, "incident")) ? ": " : "", sim_js(x, "text"));
    }
    buf_adds(&b, "\n");

    buf_printf(&b, "## %s\n\n", _("Broadcasts"));
    if (json_array_size(json_object_get(d, "broadcasts")) == 0)
        buf_printf(&b, "%s\n", _("None."));
    json_array_foreach(json_object_get(d, "broadcasts"), i, x)
    {
        struct buf cited;
        size_t j;
        const json_t *c;
        buf_init(&cited);
        json_array_foreach(json_object_get(x, "incidents"), j, c)
            buf_printf(&cited, "%s%s", j ? ", " : "", json_string_value(c));
        buf_printf(&b, "- %s %s (%s): %s %s, %s %s, %s %lld; %s\n", sim_js(x, "kind"),
                   sim_js(x, "template"), sim_js(x, "status"), _("drafted"),
                   sim_js(x, "drafted_at"), _("approved"), sim_js(x, "approved_at"), _("sent"),
                   (long long)json_integer_value(json_object_get(x, "sent")), buf_str(&cited));
        buf_fini(&cited);
    }
    buf_adds(&b, "\n");

    buf_printf(&b, "## %s\n\n", _("Timeline"));
    json_array_foreach(json_object_get(d, "timeline"), i, x)
    {
        /* A shared run: whose action it was when not this trainee's. */
        const char *who = sim_js(x, "who"), *actor = sim_js(x, "actor");
        char *whom = strcmp(who, "trainee") == 0 && strcmp(actor, sim_js(d, "trainee")) != 0
                         ? xasprintf("%s %s", who, actor)
                         : xstrdup(who);
        buf_printf(&b, "- %s %s%s%s%s: %s\n", sim_js(x, "at"), whom,
                   json_is_string(json_object_get(x, "incident")) ? " [" : "",
                   json_is_string(json_object_get(x, "incident")) ? sim_js(x, "incident") : "",
                   json_is_string(json_object_get(x, "incident")) ? "]" : "", sim_js(x, "text"));
        free(whom);
    }
    return buf_steal(&b);
}
