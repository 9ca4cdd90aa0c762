/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Practice scenarios and scripted trainees (share/doc/practice-scenarios.md).
 * A scenario is a YAML map: metadata, `incidents:` with each one's ground
 * truth, a `timeline:` of calls at "mm:ss" with the fields of the report the
 * caller gives, and `verifiers:` who answer an assignment after a delay
 * with the checklist items they see. The answers file lists what a
 * scripted trainee does and when. Everything is read into plain structs
 * here; the sim layer plays them. Every problem names FILE:LINE:COLUMN.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/config.h"

static const char *const config_truth_names[CONFIG_TRUTH_COUNT] = {
    [CONFIG_TRUTH_REAL_OPERATION] = "real_operation",
    [CONFIG_TRUTH_LOCAL_POLICE] = "local_police",
    [CONFIG_TRUTH_OLD_RUMOR] = "old_rumor",
    [CONFIG_TRUTH_COURTHOUSE_ARREST] = "courthouse_arrest",
    [CONFIG_TRUTH_WORKPLACE_VISIT] = "workplace_visit",
};

const char *config_truth_name(enum config_truth t)
{
    return (unsigned)t < CONFIG_TRUTH_COUNT ? config_truth_names[t] : "?";
}

int config_truth_parse(const char *name)
{
    for (int i = 0; i < CONFIG_TRUTH_COUNT; i++)
        if (name && strcmp(name, config_truth_names[i]) == 0)
            return i;
    return -1;
}

int64_t config_scenario_time(const char *s)
{
    long part[3];
    int n = 0;
    const char *p = s;

    if (s == NULL || *s == '\0')
        return -1;
    while (n < 3) {
        char *end;
        if (*p < '0' || *p > '9')
            return -1;
        part[n++] = strtol(p, &end, 10);
        p = end;
        if (*p == '\0')
            break;
        if (*p != ':')
            return -1;
        p++;
    }
    if (*p != '\0' || n < 2)
        return -1;
    if (n == 2) {
        if (part[1] > 59)
            return -1;
        return ((int64_t)part[0] * 60 + part[1]) * 1000;
    }
    if (part[1] > 59 || part[2] > 59)
        return -1;
    return ((int64_t)part[0] * 3600 + part[1] * 60 + part[2]) * 1000;
}

/* ---- scenario ------------------------------------------------------------------ */

void config_scenario_fini(struct config_scenario *sc)
{
    for (size_t i = 0; i < sc->nincidents; i++) {
        free(sc->incidents[i].id);
        free(sc->incidents[i].notes);
    }
    free(sc->incidents);
    for (size_t i = 0; i < sc->nevents; i++) {
        struct config_scenario_event *e = &sc->events[i];
        free(e->channel);
        free(e->caller);
        free(e->says);
        free(e->contact);
        for (size_t k = 0; k < e->nfields; k++) {
            free(e->keys[k]);
            free(e->values[k]);
        }
        free(e->keys);
        free(e->values);
    }
    free(sc->events);
    for (size_t i = 0; i < sc->nverifiers; i++) {
        struct config_scenario_verifier *v = &sc->verifiers[i];
        free(v->name);
        free(v->languages);
        free(v->areas);
        for (size_t k = 0; k < v->nanswers; k++) {
            for (size_t j = 0; j < v->answers[k].n; j++)
                free(v->answers[k].sees[j].key);
            free(v->answers[k].sees);
            free(v->answers[k].note);
        }
        free(v->answers);
    }
    free(sc->verifiers);
    free(sc->file);
    free(sc->title);
    free(sc->language);
    free(sc->summary);
    free(sc->trainer_notes);
    memset(sc, 0, sizeof *sc);
}

/* A scalar's text, or NULL with *err set when @n is not a scalar. */
static const char *scen_scalar(const struct config_doc *doc, const struct config_node *n,
                               const char *what, char **err)
{
    if (n == NULL || n->type != CONFIG_SCALAR) {
        *err = config_errf(doc, n, _("'%s' must be text"), what);
        return NULL;
    }
    return n->value;
}

/* Text or a list joined by commas (languages: [en, es]); newly allocated or NULL. */
static char *scen_list(const struct config_doc *doc, const struct config_node *n, const char *what,
                       char **err)
{
    struct buf b;

    if (n->type == CONFIG_SCALAR)
        return xstrdup(n->value);
    if (n->type != CONFIG_SEQ) {
        *err = config_errf(doc, n, _("'%s' must be text or a list"), what);
        return NULL;
    }
    buf_init(&b);
    for (size_t i = 0; i < n->nitems; i++) {
        if (n->items[i]->type != CONFIG_SCALAR) {
            *err = config_errf(doc, n->items[i], _("'%s' must be text or a list"), what);
            buf_fini(&b);
            return NULL;
        }
        buf_printf(&b, "%s%s", i ? "," : "", n->items[i]->value);
    }
    return buf_steal(&b);
}

/* A time "mm:ss" in node @n; -1 with *err set. */
static int64_t scen_time(const struct config_doc *doc, const struct config_node *n,
                         const char *what, char **err)
{
    const char *s = scen_scalar(doc, n, what, err);
    int64_t t;

    if (s == NULL)
        return -1;
    if ((t = config_scenario_time(s)) < 0)
        *err = config_errf(doc, n, _("%s: '%s' is not a time like \"02:30\" (minutes:seconds)"),
                           what, s);
    return t;
}

/* The index of the incident named by scalar @n; -1 with *err set. */
static long scen_incident(const struct config_doc *doc, const struct config_scenario *sc,
                          const struct config_node *n, char **err)
{
    const char *s = scen_scalar(doc, n, "incident", err);

    if (s == NULL)
        return -1;
    for (size_t i = 0; i < sc->nincidents; i++)
        if (strcmp(sc->incidents[i].id, s) == 0)
            return (long)i;
    *err = config_errf(doc, n, _("no incident '%s' in the scenario's incidents"), s);
    return -1;
}

static int scen_incidents(const struct config_doc *doc, const struct config_node *list,
                          struct config_scenario *sc, char **err)
{
    if (list == NULL || list->type != CONFIG_SEQ || list->nitems == 0) {
        *err = config_errf(doc, list ? list : doc->root, "%s",
                           _("expected a list of incidents under 'incidents:'"));
        return -1;
    }
    sc->incidents = xcalloc(list->nitems, sizeof *sc->incidents);
    for (size_t i = 0; i < list->nitems; i++) {
        const struct config_node *m = list->items[i];
        struct config_scenario_incident *inc = &sc->incidents[sc->nincidents];
        bool alert_set = false;
        if (m->type != CONFIG_MAP) {
            *err = config_errf(doc, m, "%s", _("each incident must be a map of key: value"));
            return -1;
        }
        sc->nincidents++;
        inc->truth = CONFIG_TRUTH_COUNT;
        inc->expect = MODEL_STATUS_COUNT;
        for (size_t k = 0; k < m->nitems; k++) {
            const struct config_node *key = config_map_key(m, k), *val = config_map_value(m, k);
            const char *s = scen_scalar(doc, val, key->value, err);
            int v;
            if (s == NULL)
                return -1;
            if (strcmp(key->value, "id") == 0) {
                for (size_t j = 0; j + 1 < sc->nincidents; j++)
                    if (strcmp(sc->incidents[j].id, s) == 0) {
                        *err = config_errf(doc, val, _("incident '%s' is named twice"), s);
                        return -1;
                    }
                inc->id = xstrdup(s);
            } else if (strcmp(key->value, "truth") == 0) {
                if ((v = config_truth_parse(s)) < 0) {
                    *err = config_errf(doc, val,
                                       _("truth: '%s' is not one of real_operation, local_police, "
                                         "old_rumor, courthouse_arrest, workplace_visit"),
                                       s);
                    return -1;
                }
                inc->truth = (enum config_truth)v;
            } else if (strcmp(key->value, "expect") == 0) {
                if ((v = model_status_parse(s)) < 0 ||
                    !model_status_is_final((enum model_status)v)) {
                    *err = config_errf(doc, val,
                                       _("expect: '%s' is not a verdict (confirmed, not_confirmed, "
                                         "police_only, false_alarm)"),
                                       s);
                    return -1;
                }
                inc->expect = (enum model_status)v;
            } else if (strcmp(key->value, "alert") == 0) {
                if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0)
                    inc->alert = true;
                else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0)
                    inc->alert = false;
                else {
                    *err = config_errf(doc, val, _("alert: '%s' is not yes or no"), s);
                    return -1;
                }
                alert_set = true;
            } else if (strcmp(key->value, "notes") == 0) {
                inc->notes = xstrdup(s);
            } else {
                *err = config_errf(doc, key, _("unknown key '%s'"), key->value);
                return -1;
            }
        }
        if (inc->id == NULL || inc->truth == CONFIG_TRUTH_COUNT ||
            inc->expect == MODEL_STATUS_COUNT) {
            *err = config_errf(doc, m, "%s", _("an incident needs id, truth and expect"));
            return -1;
        }
        if (!alert_set)
            inc->alert = inc->expect == MODEL_STATUS_CONFIRMED;
    }
    return 0;
}

static const char *const scen_channels[] = {"call",    "sms",    "telegram", "signal",
                                            "walk_in", "social", "email"};

static int scen_event(const struct config_doc *doc, const struct config_node *m,
                      struct config_scenario *sc, char **err)
{
    struct config_scenario_event *e = &sc->events[sc->nevents];
    const struct config_node *rep = NULL;
    bool has_at = false;
    long inc = -1;

    if (m->type != CONFIG_MAP) {
        *err = config_errf(doc, m, "%s", _("each timeline entry must be a map of key: value"));
        return -1;
    }
    sc->nevents++;
    e->line = m->line;
    for (size_t k = 0; k < m->nitems; k++) {
        const struct config_node *key = config_map_key(m, k), *val = config_map_value(m, k);
        const char *s;
        if (strcmp(key->value, "report") == 0) {
            if (val->type != CONFIG_MAP) {
                *err = config_errf(doc, val, "%s", _("'report' must be a map of report fields"));
                return -1;
            }
            rep = val;
            continue;
        }
        if ((s = scen_scalar(doc, val, key->value, err)) == NULL)
            return -1;
        if (strcmp(key->value, "at") == 0) {
            if ((e->at_ms = scen_time(doc, val, "at", err)) < 0)
                return -1;
            has_at = true;
        } else if (strcmp(key->value, "incident") == 0) {
            if ((inc = scen_incident(doc, sc, val, err)) < 0)
                return -1;
        } else if (strcmp(key->value, "channel") == 0) {
            bool ok = false;
            for (size_t c = 0; c < UTIL_ARRAY_LEN(scen_channels); c++)
                ok = ok || strcmp(s, scen_channels[c]) == 0;
            if (!ok) {
                *err = config_errf(doc, val,
                                   _("channel: '%s' is not one of call, sms, telegram, signal, "
                                     "walk_in, social, email"),
                                   s);
                return -1;
            }
            e->channel = xstrdup(s);
        } else if (strcmp(key->value, "caller") == 0) {
            e->caller = xstrdup(s);
        } else if (strcmp(key->value, "says") == 0) {
            e->says = xstrdup(s);
        } else if (strcmp(key->value, "contact") == 0) {
            e->contact = xstrdup(s);
        } else if (strcmp(key->value, "observed_ago") == 0) {
            if ((e->observed_ago_ms = scen_time(doc, val, "observed_ago", err)) < 0)
                return -1;
        } else {
            *err = config_errf(doc, key, _("unknown key '%s'"), key->value);
            return -1;
        }
    }
    if (!has_at || inc < 0 || rep == NULL) {
        *err = config_errf(doc, m, "%s", _("a timeline entry needs at, incident and report"));
        return -1;
    }
    e->incident = (size_t)inc;
    if (e->channel == NULL)
        e->channel = xstrdup("call");
    e->keys = xcalloc(rep->nitems, sizeof *e->keys);
    e->values = xcalloc(rep->nitems, sizeof *e->values);
    for (size_t k = 0; k < rep->nitems; k++) {
        const struct config_node *key = config_map_key(rep, k), *val = config_map_value(rep, k);
        struct model_report probe;
        char *e2 = NULL;
        const char *s = scen_scalar(doc, val, key->value, err);
        int rc;
        if (s == NULL)
            return -1;
        /* Refuse what a report cannot take now rather than in the middle of a run. */
        if (strcmp(key->value, "source") == 0 || strcmp(key->value, "status") == 0 ||
            strcmp(key->value, "id") == 0 || strcmp(key->value, "received_at") == 0 ||
            strcmp(key->value, "observed_at") == 0) {
            *err = config_errf(doc, key, _("'%s' is set by the practice run, not the scenario"),
                               key->value);
            return -1;
        }
        model_report_init(&probe);
        rc = model_report_set(&probe, key->value, s, 0, &e2);
        model_report_fini(&probe);
        if (rc == MODEL_SET_UNKNOWN) {
            *err = config_errf(doc, key, _("unknown report field '%s'"), key->value);
            return -1;
        }
        if (rc != MODEL_SET_OK) {
            *err = config_errf(doc, val, "%s: %s", key->value, e2 ? e2 : "?");
            free(e2);
            return -1;
        }
        e->keys[e->nfields] = xstrdup(key->value);
        e->values[e->nfields] = xstrdup(s);
        e->nfields++;
    }
    if (config_map_get(rep, "location") == NULL || config_map_get(rep, "what") == NULL) {
        *err = config_errf(doc, rep, "%s", _("a report needs at least location and what"));
        return -1;
    }
    return 0;
}

static int scen_sees(const struct config_doc *doc, const struct config_node *n,
                     struct config_scenario_answer *an, char **err)
{
    if (n->type != CONFIG_MAP) {
        *err = config_errf(doc, n, "%s", _("'sees' must be a map of checklist item: yes or no"));
        return -1;
    }
    an->sees = xcalloc(n->nitems ? n->nitems : 1, sizeof *an->sees);
    for (size_t k = 0; k < n->nitems; k++) {
        const struct config_node *key = config_map_key(n, k), *val = config_map_value(n, k);
        enum model_tri t;
        if (!model_check_key_valid(key->value)) {
            *err = config_errf(doc, key, _("'%s' is not a checklist item key"), key->value);
            return -1;
        }
        if (val->type != CONFIG_SCALAR || !model_tri_parse(val->value, &t)) {
            *err = config_errf(doc, val, _("%s: expected yes, no or unknown"), key->value);
            return -1;
        }
        an->sees[an->n].key = xstrdup(key->value);
        an->sees[an->n].state = t;
        an->n++;
    }
    return 0;
}

static int scen_verifiers(const struct config_doc *doc, const struct config_node *list,
                          struct config_scenario *sc, char **err)
{
    if (list->type != CONFIG_SEQ) {
        *err = config_errf(doc, list, "%s", _("expected a list under 'verifiers:'"));
        return -1;
    }
    sc->verifiers = xcalloc(list->nitems ? list->nitems : 1, sizeof *sc->verifiers);
    for (size_t i = 0; i < list->nitems; i++) {
        const struct config_node *m = list->items[i];
        struct config_scenario_verifier *v = &sc->verifiers[sc->nverifiers];
        if (m->type != CONFIG_MAP) {
            *err = config_errf(doc, m, "%s", _("each verifier must be a map of key: value"));
            return -1;
        }
        sc->nverifiers++;
        for (size_t k = 0; k < m->nitems; k++) {
            const struct config_node *key = config_map_key(m, k), *val = config_map_value(m, k);
            if (strcmp(key->value, "name") == 0) {
                const char *s = scen_scalar(doc, val, "name", err);
                if (s == NULL)
                    return -1;
                v->name = xstrdup(s);
            } else if (strcmp(key->value, "languages") == 0) {
                if ((v->languages = scen_list(doc, val, "languages", err)) == NULL)
                    return -1;
            } else if (strcmp(key->value, "areas") == 0) {
                if ((v->areas = scen_list(doc, val, "areas", err)) == NULL)
                    return -1;
            } else if (strcmp(key->value, "answers") == 0) {
                if (val->type != CONFIG_SEQ) {
                    *err = config_errf(doc, val, "%s", _("'answers' must be a list"));
                    return -1;
                }
                v->answers = xcalloc(val->nitems ? val->nitems : 1, sizeof *v->answers);
                for (size_t j = 0; j < val->nitems; j++) {
                    const struct config_node *am = val->items[j], *x;
                    struct config_scenario_answer *an = &v->answers[v->nanswers];
                    long inc;
                    if (am->type != CONFIG_MAP) {
                        *err = config_errf(doc, am, "%s", _("each answer must be a map"));
                        return -1;
                    }
                    v->nanswers++;
                    for (size_t q = 0; q < am->nitems; q++) {
                        const char *kk = config_map_key(am, q)->value;
                        if (strcmp(kk, "incident") != 0 && strcmp(kk, "after") != 0 &&
                            strcmp(kk, "sees") != 0 && strcmp(kk, "note") != 0) {
                            *err =
                                config_errf(doc, config_map_key(am, q), _("unknown key '%s'"), kk);
                            return -1;
                        }
                    }
                    if ((x = config_map_get(am, "incident")) == NULL ||
                        config_map_get(am, "sees") == NULL) {
                        *err = config_errf(doc, am, "%s", _("an answer needs incident and sees"));
                        return -1;
                    }
                    if ((inc = scen_incident(doc, sc, x, err)) < 0)
                        return -1;
                    an->incident = (size_t)inc;
                    if ((x = config_map_get(am, "after")) != NULL &&
                        (an->after_ms = scen_time(doc, x, "after", err)) < 0)
                        return -1;
                    if (scen_sees(doc, config_map_get(am, "sees"), an, err) != 0)
                        return -1;
                    if ((x = config_map_get(am, "note")) != NULL) {
                        const char *s = scen_scalar(doc, x, "note", err);
                        if (s == NULL)
                            return -1;
                        an->note = xstrdup(s);
                    }
                }
            } else {
                *err = config_errf(doc, key, _("unknown key '%s'"), key->value);
                return -1;
            }
        }
        if (v->name == NULL) {
            *err = config_errf(doc, m, "%s", _("a verifier needs a name"));
            return -1;
        }
    }
    return 0;
}

static int scen_event_cmp(const void *x, const void *y)
{
    const struct config_scenario_event *a = x, *b = y;

    if (a->at_ms != b->at_ms)
        return a->at_ms < b->at_ms ? -1 : 1;
    return a->line - b->line; /* stable: file order */
}

int config_scenario_load(const char *file, struct config_scenario *out, char **err)
{
    struct config_doc doc;
    const struct config_node *root, *n;
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (config_doc_load(file, &doc, err) != 0)
        return -1;
    out->file = xstrdup(file);
    root = doc.root;
    if (root == NULL || root->type != CONFIG_MAP) {
        *err = root ? config_errf(&doc, root, "%s", _("a scenario must be a map of key: value"))
                    : xasprintf(_("%s: the scenario is empty"), file);
        goto out;
    }
    for (size_t k = 0; k < root->nitems; k++) {
        const struct config_node *key = config_map_key(root, k), *val = config_map_value(root, k);
        const char *s;
        char **slot = NULL;
        if (strcmp(key->value, "incidents") == 0 || strcmp(key->value, "timeline") == 0 ||
            strcmp(key->value, "verifiers") == 0)
            continue;
        if (strcmp(key->value, "title") == 0)
            slot = &out->title;
        else if (strcmp(key->value, "language") == 0)
            slot = &out->language;
        else if (strcmp(key->value, "summary") == 0)
            slot = &out->summary;
        else if (strcmp(key->value, "trainer_notes") == 0)
            slot = &out->trainer_notes;
        else if (strcmp(key->value, "duration") != 0) {
            *err = config_errf(&doc, key, _("unknown key '%s'"), key->value);
            goto out;
        }
        if ((s = scen_scalar(&doc, val, key->value, err)) == NULL)
            goto out;
        if (slot != NULL)
            *slot = xstrdup(s);
        else if ((out->duration_ms = scen_time(&doc, val, "duration", err)) < 0)
            goto out;
    }
    if (out->title == NULL) {
        *err = config_errf(&doc, root, "%s", _("a scenario needs a title"));
        goto out;
    }
    if (out->language == NULL)
        out->language = xstrdup("en");
    if (scen_incidents(&doc, config_map_get(root, "incidents"), out, err) != 0)
        goto out;
    n = config_map_get(root, "timeline");
    if (n == NULL || n->type != CONFIG_SEQ || n->nitems == 0) {
        *err = config_errf(&doc, n ? n : root, "%s",
                           _("expected a list of calls and messages under 'timeline:'"));
        goto out;
    }
    out->events = xcalloc(n->nitems, sizeof *out->events);
    for (size_t i = 0; i < n->nitems; i++)
        if (scen_event(&doc, n->items[i], out, err) != 0)
            goto out;
    qsort(out->events, out->nevents, sizeof *out->events, scen_event_cmp);
    for (size_t i = 0; i < out->nincidents; i++) {
        bool has = false;
        for (size_t j = 0; j < out->nevents; j++)
            has = has || out->events[j].incident == i;
        if (!has) {
            n = config_map_get(root, "incidents");
            *err = config_errf(&doc, n->items[i], _("incident '%s' has no call in the timeline"),
                               out->incidents[i].id);
            goto out;
        }
    }
    if ((n = config_map_get(root, "verifiers")) != NULL && scen_verifiers(&doc, n, out, err) != 0)
        goto out;
    if (out->duration_ms == 0)
        out->duration_ms = out->events[out->nevents - 1].at_ms + 15 * 60 * 1000;
    rc = 0;
out:
    if (rc != 0)
        config_scenario_fini(out);
    config_doc_fini(&doc);
    return rc;
}

/* ---- a scripted trainee ------------------------------------------------------ */

void config_answers_fini(struct config_answers *as)
{
    for (size_t i = 0; i < as->n; i++) {
        struct config_answer *x = &as->items[i];
        free(x->action);
        free(x->verifier);
        free(x->key);
        free(x->state);
        free(x->to);
        free(x->note);
        free(x->template_name);
    }
    free(as->items);
    free(as->file);
    memset(as, 0, sizeof *as);
}

static const char *const answer_actions[] = {"triage", "link",      "assign", "check",
                                             "status", "broadcast", "wait"};

int config_answers_load(const char *file, const struct config_scenario *sc,
                        struct config_answers *out, char **err)
{
    struct config_doc doc;
    const struct config_node *list;
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (config_doc_load(file, &doc, err) != 0)
        return -1;
    out->file = xstrdup(file);
    list = doc.root && doc.root->type == CONFIG_MAP ? config_map_get(doc.root, "actions") : NULL;
    if (list == NULL || list->type != CONFIG_SEQ) {
        *err = doc.root ? config_errf(&doc, doc.root, "%s", _("expected a list under 'actions:'"))
                        : xasprintf(_("%s: the answers file is empty"), file);
        goto out;
    }
    out->items = xcalloc(list->nitems ? list->nitems : 1, sizeof *out->items);
    for (size_t i = 0; i < list->nitems; i++) {
        const struct config_node *m = list->items[i];
        struct config_answer *x = &out->items[out->n];
        bool has_at = false, has_inc = false;
        if (m->type != CONFIG_MAP) {
            *err = config_errf(&doc, m, "%s", _("each action must be a map of key: value"));
            goto out;
        }
        out->n++;
        x->line = m->line;
        x->report = 1;
        for (size_t k = 0; k < m->nitems; k++) {
            const struct config_node *key = config_map_key(m, k), *val = config_map_value(m, k);
            const char *s = scen_scalar(&doc, val, key->value, err);
            char **slot = NULL;
            if (s == NULL)
                goto out;
            if (strcmp(key->value, "at") == 0) {
                if ((x->at_ms = scen_time(&doc, val, "at", err)) < 0)
                    goto out;
                has_at = true;
            } else if (strcmp(key->value, "do") == 0) {
                bool ok = false;
                for (size_t c = 0; c < UTIL_ARRAY_LEN(answer_actions); c++)
                    ok = ok || strcmp(s, answer_actions[c]) == 0;
                if (!ok) {
                    *err = config_errf(&doc, val,
                                       _("do: '%s' is not one of triage, link, assign, check, "
                                         "status, broadcast, wait"),
                                       s);
                    goto out;
                }
                x->action = xstrdup(s);
            } else if (strcmp(key->value, "incident") == 0) {
                long inc = scen_incident(&doc, sc, val, err);
                if (inc < 0)
                    goto out;
                x->incident = (size_t)inc;
                has_inc = true;
            } else if (strcmp(key->value, "report") == 0) {
                char *end;
                long r = strtol(s, &end, 10);
                if (*end != '\0' || r < 1 || r > 1000) {
                    *err = config_errf(&doc, val, _("report: '%s' is not a number from 1"), s);
                    goto out;
                }
                x->report = (int)r;
            } else if (strcmp(key->value, "verifier") == 0) {
                slot = &x->verifier;
            } else if (strcmp(key->value, "key") == 0) {
                slot = &x->key;
            } else if (strcmp(key->value, "state") == 0) {
                slot = &x->state;
            } else if (strcmp(key->value, "to") == 0) {
                slot = &x->to;
            } else if (strcmp(key->value, "note") == 0) {
                slot = &x->note;
            } else if (strcmp(key->value, "template") == 0) {
                slot = &x->template_name;
            } else {
                *err = config_errf(&doc, key, _("unknown key '%s'"), key->value);
                goto out;
            }
            if (slot != NULL)
                *slot = xstrdup(s);
        }
        if (!has_at || x->action == NULL || (!has_inc && strcmp(x->action, "wait") != 0)) {
            *err = config_errf(&doc, m, "%s", _("an action needs at, do and incident"));
            goto out;
        }
        if ((strcmp(x->action, "assign") == 0 && x->verifier == NULL) ||
            (strcmp(x->action, "check") == 0 && (x->key == NULL || x->state == NULL)) ||
            (strcmp(x->action, "status") == 0 && x->to == NULL)) {
            *err = config_errf(&doc, m, _("'%s' is missing its verifier, key and state, or to"),
                               x->action);
            goto out;
        }
        if (i > 0 && x->at_ms < out->items[out->n - 2].at_ms) {
            *err = config_errf(&doc, m, "%s", _("actions must be in time order"));
            goto out;
        }
    }
    rc = 0;
out:
    if (rc != 0)
        config_answers_fini(out);
    config_doc_fini(&doc);
    return rc;
}
