/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The report lifecycle: new → triaged → verifying → confirmed | not_confirmed
 * | police_only | false_alarm | stale → closed, with the rules a person must
 * satisfy to move a report. The rules exist so that nothing reaches the public
 * on a hunch: confirming needs a first-hand witness or a verifier's
 * observation and a reason; every negative verdict needs a note so the next
 * caller about the same rumor gets an answer. Also: priority with incident
 * size and checklist evidence, and whether two reports may be one incident.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"

/* A verdict: the end of verification, before closing. */
static bool model_is_verdict(enum model_status s)
{
    return s == MODEL_STATUS_CONFIRMED || s == MODEL_STATUS_NOT_CONFIRMED ||
           s == MODEL_STATUS_POLICE_ONLY || s == MODEL_STATUS_FALSE_ALARM;
}

static bool model_is_open(enum model_status s)
{
    return s == MODEL_STATUS_NEW || s == MODEL_STATUS_TRIAGED || s == MODEL_STATUS_VERIFYING ||
           s == MODEL_STATUS_STALE;
}

/* Why the edge @from → @to does not exist (translated), or NULL when it does. */
static const char *model_edge_refusal(enum model_status from, enum model_status to)
{
    if ((unsigned)from >= MODEL_STATUS_COUNT || (unsigned)to >= MODEL_STATUS_COUNT)
        return _("unknown status");
    if (from == to)
        return NULL; /* reported separately with the state's name */
    if (to == MODEL_STATUS_NEW)
        return _("a report cannot go back to new");
    if (from == MODEL_STATUS_NEW && to == MODEL_STATUS_CONFIRMED)
        return _("triage or verify a report before confirming it");
    if (from == MODEL_STATUS_CLOSED && to != MODEL_STATUS_TRIAGED && to != MODEL_STATUS_VERIFYING)
        return _("a closed report must be reopened (triaged or verifying) first");
    if (to == MODEL_STATUS_STALE && !model_is_open(from))
        return _("only an open report can become stale");
    return NULL;
}

bool model_status_allowed(enum model_status from, enum model_status to)
{
    return from != to && model_edge_refusal(from, to) == NULL;
}

bool model_status_needs_note(enum model_status from, enum model_status to)
{
    if (to == MODEL_STATUS_CONFIRMED || to == MODEL_STATUS_NOT_CONFIRMED ||
        to == MODEL_STATUS_POLICE_ONLY || to == MODEL_STATUS_FALSE_ALARM)
        return true;
    /* Closing without a verdict: say why (duplicate, test call, moved on). */
    if (to == MODEL_STATUS_CLOSED && !model_is_verdict(from))
        return true;
    /* Reopening: say what is new. */
    if ((to == MODEL_STATUS_TRIAGED || to == MODEL_STATUS_VERIFYING) &&
        (model_is_verdict(from) || from == MODEL_STATUS_CLOSED))
        return true;
    return false;
}

size_t model_status_targets(enum model_status from, enum model_status out[MODEL_STATUS_COUNT])
{
    size_t n = 0;

    for (int s = 0; s < MODEL_STATUS_COUNT; s++)
        if (model_status_allowed(from, (enum model_status)s))
            out[n++] = (enum model_status)s;
    return n;
}

static bool model_note_blank(const char *note)
{
    if (note == NULL)
        return true;
    for (; *note; note++)
        if (!isspace((unsigned char)*note))
            return false;
    return true;
}

bool model_status_change_ok(enum model_status from, enum model_status to,
                            const struct model_evidence *ev, const char *note, char **err)
{
    const char *why = model_edge_refusal(from, to);

    if (from == to) {
        util_seterr(err, _("the report is already %s"), model_status_label(to));
        return false;
    }
    if (why != NULL) {
        util_seterr(err, "%s", why);
        return false;
    }
    if (to == MODEL_STATUS_CONFIRMED && (ev == NULL || (!ev->first_hand && !ev->verifier))) {
        util_seterr(err, "%s",
                    _("cannot confirm without a first-hand witness or a verifier's observation"));
        return false;
    }
    if (!model_status_needs_note(from, to) || !model_note_blank(note))
        return true;
    switch (to) {
    case MODEL_STATUS_CONFIRMED:
        util_seterr(err, "%s", _("confirming needs a reason: say what was seen and by whom"));
        break;
    case MODEL_STATUS_FALSE_ALARM:
        util_seterr(err, "%s",
                    _("a false alarm needs a note saying why (local police, old post...)"));
        break;
    case MODEL_STATUS_POLICE_ONLY:
        util_seterr(err, "%s", _("police only needs a note saying what was seen"));
        break;
    case MODEL_STATUS_NOT_CONFIRMED:
        util_seterr(err, "%s", _("not confirmed needs a note saying what was checked"));
        break;
    case MODEL_STATUS_CLOSED:
        util_seterr(err, "%s", _("closing a report without a verdict needs a note"));
        break;
    default:
        util_seterr(err, "%s", _("reopening a report needs a note saying what is new"));
        break;
    }
    return false;
}

/* ---- priority ---------------------------------------------------------------- */

int model_priority_full(const struct model_report *r, const struct model_priority_facts *f,
                        int64_t now)
{
    int p = model_priority(r, now);
    int extra, ev;

    if (f == NULL)
        return p;
    extra = f->callers > 1 ? (f->callers - 1) * 5 : 0;
    if (extra > 15)
        extra = 15;
    ev = f->score * 2;
    if (ev > 15)
        ev = 15;
    if (ev < -15)
        ev = -15;
    if (f->indicators > 0 && ev < 3)
        ev = 3;
    /* A closed question is not urgent however many called about it. */
    if (model_status_is_final(r->status) && r->status != MODEL_STATUS_STALE)
        extra = ev = 0;
    p += extra + ev;
    return p < 0 ? 0 : p > 100 ? 100 : p;
}

/* ---- incidents ------------------------------------------------------------------ */

/* Words that say nothing about where: skipped when comparing locations. */
static bool model_stopword(const char *w, size_t n)
{
    static const char *const words[] = {
        "the",   "and",    "at",     "on",     "in",      "of",     "near",   "by",   "de", "la",
        "el",    "en",     "los",    "las",    "del",     "y",      "a",      "al",   "st", "ave",
        "calle", "street", "avenue", "corner", "esquina", "frente", "across", "from",
    };

    if (n < 2)
        return true;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(words); i++)
        if (strlen(words[i]) == n && memcmp(words[i], w, n) == 0)
            return true;
    return false;
}

/* Split folded text into significant words; returns the count (at most @max). */
static size_t model_words(const char *s, const char **starts, size_t *lens, size_t max)
{
    size_t n = 0;

    while (*s && n < max) {
        while (*s && !isalnum((unsigned char)*s) && !((unsigned char)*s & 0x80))
            s++;
        const char *w = s;
        while (*s && (isalnum((unsigned char)*s) || ((unsigned char)*s & 0x80)))
            s++;
        if (s > w && !model_stopword(w, (size_t)(s - w))) {
            starts[n] = w;
            lens[n] = (size_t)(s - w);
            n++;
        }
    }
    return n;
}

static bool model_locations_match(const char *a, const char *b)
{
    enum { MAXW = 24 };
    const char *wa[MAXW], *wb[MAXW];
    size_t la[MAXW], lb[MAXW], na, nb, common = 0;
    char *fa, *fb;
    bool match;

    if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
        return false;
    fa = text_fold(a);
    fb = text_fold(b);
    na = model_words(fa, wa, la, MAXW);
    nb = model_words(fb, wb, lb, MAXW);
    for (size_t i = 0; i < na; i++)
        for (size_t k = 0; k < nb; k++)
            if (la[i] == lb[k] && memcmp(wa[i], wb[k], la[i]) == 0) {
                common++;
                break;
            }
    match = common >= 2 || (common == 1 && (na == 1 || nb == 1));
    free(fa);
    free(fb);
    return match;
}

static bool model_areas_match(const char *a, const char *b)
{
    char *fa, *fb;
    bool match;

    if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
        return false;
    fa = text_fold(a);
    fb = text_fold(b);
    match = strcmp(fa, fb) == 0;
    free(fa);
    free(fb);
    return match;
}

/* Distance in metres between two positions (equirectangular: fine at city scale). */
static double model_distance_m(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = 3.14159265358979323846 / 180.0;
    double x = (lon2 - lon1) * rad * cos((lat1 + lat2) / 2 * rad);
    double y = (lat2 - lat1) * rad;

    return sqrt(x * x + y * y) * 6371000.0;
}

bool model_report_near(const struct model_report *a, const struct model_report *b,
                       int64_t window_ms)
{
    int64_t ta = a->observed_at ? a->observed_at : a->received_at;
    int64_t tb = b->observed_at ? b->observed_at : b->received_at;
    int64_t dt = ta > tb ? ta - tb : tb - ta;

    if (strcmp(a->id, b->id) == 0 && a->id[0] != '\0')
        return false;
    if (dt > window_ms)
        return false;
    if (a->has_pos && b->has_pos && model_distance_m(a->lat, a->lon, b->lat, b->lon) <= 500.0)
        return true;
    return model_areas_match(a->area, b->area) || model_locations_match(a->location, b->location);
}
