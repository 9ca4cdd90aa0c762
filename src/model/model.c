/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Domain rules for reports. Everything here is a pure function of its
 * arguments (the current time is passed in), so each rule is unit-testable
 * without a database or a terminal. Names are the untranslated identifiers
 * stored in the database and synced; labels are for display only.
 */
#include "config.h"

#include "vigia/model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/i18n.h"
#include "vigia/util.h"

struct model_name {
    const char *name;
    const char *label;
};

static const struct model_name model_sources[MODEL_SOURCE_COUNT] = {
    [MODEL_SOURCE_CALL] = {"call", N_("call")},
    [MODEL_SOURCE_SMS] = {"sms", N_("SMS")},
    [MODEL_SOURCE_TELEGRAM] = {"telegram", N_("Telegram")},
    [MODEL_SOURCE_SIGNAL] = {"signal", N_("Signal")},
    [MODEL_SOURCE_WALK_IN] = {"walk-in", N_("walk-in")},
    [MODEL_SOURCE_SOCIAL] = {"social", N_("social media")},
    [MODEL_SOURCE_PRACTICE] = {"practice", N_("practice")},
};

static const struct model_name model_categories[MODEL_CAT_COUNT] = {
    [MODEL_CAT_SIGHTING] = {"enforcement_sighting", N_("enforcement sighting")},
    [MODEL_CAT_CHECKPOINT] = {"checkpoint", N_("checkpoint")},
    [MODEL_CAT_WORKPLACE] = {"workplace", N_("workplace")},
    [MODEL_CAT_COURTHOUSE] = {"courthouse", N_("courthouse")},
    [MODEL_CAT_HOME_VISIT] = {"home_visit", N_("home visit")},
    [MODEL_CAT_DETENTION] = {"detention_followup", N_("detention follow-up")},
    [MODEL_CAT_WAGE_THEFT] = {"wage_theft", N_("wage theft")},
    [MODEL_CAT_HARASSMENT] = {"harassment", N_("harassment")},
    [MODEL_CAT_RESOURCE] = {"resource_request", N_("resource request")},
    [MODEL_CAT_OTHER] = {"other", N_("other")},
};

static const struct model_name model_statuses[MODEL_STATUS_COUNT] = {
    [MODEL_STATUS_NEW] = {"new", N_("new")},
    [MODEL_STATUS_TRIAGED] = {"triaged", N_("triaged")},
    [MODEL_STATUS_VERIFYING] = {"verifying", N_("verifying")},
    [MODEL_STATUS_CONFIRMED] = {"confirmed", N_("confirmed")},
    [MODEL_STATUS_NOT_CONFIRMED] = {"not_confirmed", N_("not confirmed")},
    [MODEL_STATUS_POLICE_ONLY] = {"police_only", N_("police only")},
    [MODEL_STATUS_FALSE_ALARM] = {"false_alarm", N_("false alarm")},
    [MODEL_STATUS_STALE] = {"stale", N_("stale")},
    [MODEL_STATUS_CLOSED] = {"closed", N_("closed")},
};

/* TRANSLATORS: short status tags in the report queue; keep to 8 columns. */
static const char *const model_status_shorts[MODEL_STATUS_COUNT] = {
    N_("NEW"),    N_("TRIAGED"), N_("VERIFY"), N_("CONFIRM"), N_("UNCONF"),
    N_("POLICE"), N_("FALSE"),   N_("STALE"),  N_("CLOSED"),
};

/* Identifiers may be typed with spaces, dashes or underscores. */
static bool model_name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (char)tolower((unsigned char)*a), y = (char)tolower((unsigned char)*b);
        if (x == ' ' || x == '-')
            x = '_';
        if (y == ' ' || y == '-')
            y = '_';
        if (x != y)
            return false;
    }
    return *a == *b;
}

static int model_parse(const struct model_name *t, int n, const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < n; i++)
        if (model_name_eq(t[i].name, name))
            return i;
    return -1;
}

const char *model_source_name(enum model_source s)
{
    return (unsigned)s < MODEL_SOURCE_COUNT ? model_sources[s].name : "call";
}

int model_source_parse(const char *name)
{
    return model_parse(model_sources, MODEL_SOURCE_COUNT, name);
}

const char *model_source_label(enum model_source s)
{
    return _(model_sources[(unsigned)s < MODEL_SOURCE_COUNT ? s : 0].label);
}

const char *model_category_name(enum model_category c)
{
    return (unsigned)c < MODEL_CAT_COUNT ? model_categories[c].name : "other";
}

int model_category_parse(const char *name)
{
    int v = model_parse(model_categories, MODEL_CAT_COUNT, name);

    if (v < 0 && name != NULL) {
        /* Short forms a dispatcher types. */
        if (model_name_eq(name, "sighting") || model_name_eq(name, "enforcement"))
            v = MODEL_CAT_SIGHTING;
        else if (model_name_eq(name, "detention") || model_name_eq(name, "detention_follow_up"))
            v = MODEL_CAT_DETENTION;
        else if (model_name_eq(name, "resource"))
            v = MODEL_CAT_RESOURCE;
    }
    return v;
}

const char *model_category_label(enum model_category c)
{
    return _(model_categories[(unsigned)c < MODEL_CAT_COUNT ? c : MODEL_CAT_OTHER].label);
}

const char *model_status_name(enum model_status s)
{
    return (unsigned)s < MODEL_STATUS_COUNT ? model_statuses[s].name : "new";
}

int model_status_parse(const char *name)
{
    return model_parse(model_statuses, MODEL_STATUS_COUNT, name);
}

const char *model_status_label(enum model_status s)
{
    return _(model_statuses[(unsigned)s < MODEL_STATUS_COUNT ? s : 0].label);
}

const char *model_status_short(enum model_status s)
{
    return _(model_status_shorts[(unsigned)s < MODEL_STATUS_COUNT ? s : 0]);
}

bool model_status_is_final(enum model_status s)
{
    return s >= MODEL_STATUS_CONFIRMED;
}

const char *model_field_name(enum model_field f)
{
    static const char *const names[] = {
        [MODEL_F_NONE] = "",           [MODEL_F_LOCATION] = "location",
        [MODEL_F_AREA] = "area",       [MODEL_F_WHAT] = "what",
        [MODEL_F_AGENCY] = "agency",   [MODEL_F_VEHICLES] = "vehicles",
        [MODEL_F_AGENTS] = "agents",   [MODEL_F_OBSERVED] = "observed",
        [MODEL_F_CONTACT] = "contact", [MODEL_F_POSITION] = "position",
    };
    return (unsigned)f < UTIL_ARRAY_LEN(names) ? names[f] : "";
}

void model_report_init(struct model_report *r)
{
    memset(r, 0, sizeof *r);
    r->agents = -1;
    r->first_hand = MODEL_UNKNOWN;
    r->category = MODEL_CAT_SIGHTING;
    r->source = MODEL_SOURCE_CALL;
    r->status = MODEL_STATUS_NEW;
}

void model_report_fini(struct model_report *r)
{
    FREE(&r->location);
    FREE(&r->area);
    FREE(&r->what);
    FREE(&r->agency);
    FREE(&r->vehicles);
    FREE(&r->created_by);
}

void model_report_copy(struct model_report *dst, const struct model_report *src)
{
    if (dst == src)
        return;
    model_report_fini(dst);
    *dst = *src;
    dst->location = xstrdup(src->location);
    dst->area = xstrdup(src->area);
    dst->what = xstrdup(src->what);
    dst->agency = xstrdup(src->agency);
    dst->vehicles = xstrdup(src->vehicles);
    dst->created_by = xstrdup(src->created_by);
}

static bool model_blank(const char *s)
{
    if (s == NULL)
        return true;
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

static bool model_fail(enum model_field *field, enum model_field f, char **err, char *msg)
{
    if (field != NULL)
        *field = f;
    if (err != NULL && *err == NULL)
        *err = msg;
    else
        free(msg);
    return false;
}

bool model_report_validate(const struct model_report *r, int64_t now, enum model_field *field,
                           char **err)
{
    const struct {
        const char *value;
        enum model_field f;
        size_t max;
    } texts[] = {
        {r->location, MODEL_F_LOCATION, MODEL_MAX_SHORT},
        {r->area, MODEL_F_AREA, MODEL_MAX_SHORT},
        {r->what, MODEL_F_WHAT, MODEL_MAX_LONG},
        {r->agency, MODEL_F_AGENCY, MODEL_MAX_SHORT},
        {r->vehicles, MODEL_F_VEHICLES, MODEL_MAX_SHORT},
    };

    if (model_blank(r->location))
        return model_fail(field, MODEL_F_LOCATION, err, xstrdup(_("location is required")));
    if (model_blank(r->what))
        return model_fail(field, MODEL_F_WHAT, err, xstrdup(_("what was seen is required")));
    for (size_t i = 0; i < UTIL_ARRAY_LEN(texts); i++)
        if (texts[i].value != NULL && strlen(texts[i].value) > texts[i].max)
            return model_fail(field, texts[i].f, err,
                              xasprintf(_("%s is too long (at most %zu bytes)"),
                                        model_field_name(texts[i].f), texts[i].max));
    if (r->agents < -1 || r->agents > MODEL_MAX_AGENTS)
        return model_fail(
            field, MODEL_F_AGENTS, err,
            xasprintf(_("agent count %d is not plausible (0 to %d)"), r->agents, MODEL_MAX_AGENTS));
    if (r->observed_at != 0 && r->observed_at > now + 60000)
        return model_fail(field, MODEL_F_OBSERVED, err,
                          xstrdup(_("observed time is in the future")));
    if (r->observed_at < 0)
        return model_fail(field, MODEL_F_OBSERVED, err, xstrdup(_("observed time is before 1970")));
    if (r->has_pos && (r->lat < -90 || r->lat > 90 || r->lon < -180 || r->lon > 180))
        return model_fail(field, MODEL_F_POSITION, err,
                          xstrdup(_("latitude or longitude out of range")));
    if ((unsigned)r->category >= MODEL_CAT_COUNT || (unsigned)r->source >= MODEL_SOURCE_COUNT ||
        (unsigned)r->status >= MODEL_STATUS_COUNT)
        return model_fail(field, MODEL_F_NONE, err,
                          xstrdup(_("unknown category, source or status")));
    return true;
}

void model_policy_default(struct model_policy *p)
{
    p->stale_minutes = 60;
    p->expire_minutes = 240;
}

int model_priority(const struct model_report *r, int64_t now)
{
    /* Base by category: where someone may be taken right now comes first. */
    static const int base[MODEL_CAT_COUNT] = {
        [MODEL_CAT_SIGHTING] = 50,   [MODEL_CAT_CHECKPOINT] = 50, [MODEL_CAT_WORKPLACE] = 55,
        [MODEL_CAT_COURTHOUSE] = 50, [MODEL_CAT_HOME_VISIT] = 55, [MODEL_CAT_DETENTION] = 40,
        [MODEL_CAT_WAGE_THEFT] = 15, [MODEL_CAT_HARASSMENT] = 25, [MODEL_CAT_RESOURCE] = 10,
        [MODEL_CAT_OTHER] = 10,
    };
    int p = base[(unsigned)r->category < MODEL_CAT_COUNT ? r->category : MODEL_CAT_OTHER];
    int64_t seen = r->observed_at ? r->observed_at : r->received_at;
    int64_t age_min = (now - seen) / 60000;

    if (age_min < 0)
        age_min = 0;
    if (age_min <= 15)
        p += 25;
    else if (age_min <= 60)
        p += 15;
    else if (age_min <= 240)
        p += 5;
    else
        p -= 10;
    if (r->first_hand == MODEL_YES)
        p += 10;
    else if (r->first_hand == MODEL_NO)
        p -= 5;
    if (r->agents >= 5)
        p += 10;
    else if (r->agents >= 2)
        p += 5;
    if (model_status_is_final(r->status))
        p -= 40;
    if (r->source == MODEL_SOURCE_SOCIAL)
        p -= 5;
    return p < 0 ? 0 : p > 100 ? 100 : p;
}

bool model_report_is_stale(const struct model_report *r, const struct model_policy *p, int64_t now)
{
    int64_t last = r->updated_at > r->received_at ? r->updated_at : r->received_at;

    if (model_status_is_final(r->status) && r->status != MODEL_STATUS_STALE)
        return false;
    if (r->status == MODEL_STATUS_STALE)
        return true;
    return now - last > (int64_t)p->stale_minutes * 60000;
}

int64_t model_report_expiry(const struct model_report *r, const struct model_policy *p)
{
    return r->received_at + (int64_t)p->expire_minutes * 60000;
}

char *model_contact_normalise(const char *s, char **err)
{
    struct buf b;
    int digits = 0;

    if (model_blank(s)) {
        util_seterr(err, "%s", _("contact is empty"));
        return NULL;
    }
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '@' || strchr(s, '@') != NULL) {
        /* A handle or an email: one token, no spaces. */
        size_t n = strlen(s);
        while (n > 0 && isspace((unsigned char)s[n - 1]))
            n--;
        for (size_t i = 0; i < n; i++)
            if (isspace((unsigned char)s[i]) || (unsigned char)s[i] < 0x20) {
                util_seterr(err, "%s", _("a handle or email cannot contain spaces"));
                return NULL;
            }
        if (n < 2 || n > MODEL_MAX_SHORT) {
            util_seterr(err, "%s", _("handle or email has an impossible length"));
            return NULL;
        }
        return xstrndup(s, n);
    }
    buf_init(&b);
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isdigit(c)) {
            buf_addc(&b, (char)c);
            digits++;
        } else if (c == '+' && b.len == 0 && p == s) {
            buf_addc(&b, '+');
        } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
            continue;
        } else {
            buf_fini(&b);
            util_seterr(err, _("phone number has an unexpected character '%c'"),
                        isprint(c) ? c : '?');
            return NULL;
        }
    }
    if (digits < 7 || digits > 15) {
        buf_fini(&b);
        util_seterr(err, _("phone number must have 7 to 15 digits, not %d"), digits);
        return NULL;
    }
    return buf_steal(&b);
}

static bool model_parse_tri(const char *v, enum model_tri *out)
{
    static const char *const yes[] = {"yes", "y", "true", "1", "si", "sí"};
    static const char *const no[] = {"no", "n", "false", "0"};
    static const char *const unk[] = {"unknown", "?", "", "null"};

    for (size_t i = 0; i < UTIL_ARRAY_LEN(yes); i++)
        if (model_name_eq(v, yes[i]))
            return *out = MODEL_YES, true;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(no); i++)
        if (model_name_eq(v, no[i]))
            return *out = MODEL_NO, true;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(unk); i++)
        if (model_name_eq(v, unk[i]))
            return *out = MODEL_UNKNOWN, true;
    return false;
}

static bool model_parse_degrees(const char *v, double lim, double *out)
{
    char *end;
    double d = strtod(v, &end);

    if (end == v || *end != '\0' || !(d >= -lim && d <= lim))
        return false;
    *out = d;
    return true;
}

int model_report_set(struct model_report *r, const char *key, const char *value, int64_t now,
                     char **err)
{
    struct {
        const char *key;
        char **field;
    } texts[] = {
        {"location", &r->location}, {"area", &r->area},         {"what", &r->what},
        {"agency", &r->agency},     {"vehicles", &r->vehicles},
    };
    long n;
    int v;

    if (value == NULL)
        value = "";
    for (size_t i = 0; i < UTIL_ARRAY_LEN(texts); i++) {
        if (strcmp(key, texts[i].key) == 0) {
            free(*texts[i].field);
            *texts[i].field = *value ? xstrdup(value) : NULL;
            return MODEL_SET_OK;
        }
    }
    if (strcmp(key, "agents") == 0) {
        if (*value == '\0' || strcmp(value, "null") == 0) {
            r->agents = -1;
            return MODEL_SET_OK;
        }
        if (!util_parse_int(value, 0, MODEL_MAX_AGENTS, &n)) {
            util_seterr(err, _("agent count '%s' is not a number from 0 to %d"), value,
                        MODEL_MAX_AGENTS);
            return MODEL_SET_BAD;
        }
        r->agents = (int)n;
    } else if (strcmp(key, "source") == 0) {
        if ((v = model_source_parse(value)) < 0) {
            util_seterr(err,
                        _("unknown source '%s' (call, sms, telegram, signal, walk-in, social)"),
                        value);
            return MODEL_SET_BAD;
        }
        r->source = (enum model_source)v;
    } else if (strcmp(key, "category") == 0) {
        if ((v = model_category_parse(value)) < 0) {
            util_seterr(err, _("unknown category '%s'"), value);
            return MODEL_SET_BAD;
        }
        r->category = (enum model_category)v;
    } else if (strcmp(key, "status") == 0) {
        if ((v = model_status_parse(value)) < 0) {
            util_seterr(err, _("unknown status '%s'"), value);
            return MODEL_SET_BAD;
        }
        r->status = (enum model_status)v;
    } else if (strcmp(key, "observed_at") == 0 || strcmp(key, "received_at") == 0) {
        int64_t t;
        if (*value == '\0' || strcmp(value, "null") == 0) {
            t = 0;
        } else if (timeutil_parse(value, now, &t) != 0) {
            util_seterr(err,
                        _("cannot read '%s' as a time (try \"15 min ago\", \"10:42\" or "
                          "2026-11-22T10:42:00Z)"),
                        value);
            return MODEL_SET_BAD;
        }
        if (key[0] == 'o')
            r->observed_at = t;
        else
            r->received_at = t;
    } else if (strcmp(key, "first_hand") == 0) {
        if (!model_parse_tri(value, &r->first_hand)) {
            util_seterr(err, _("first_hand must be yes, no or unknown, not '%s'"), value);
            return MODEL_SET_BAD;
        }
    } else if (strcmp(key, "lat") == 0 || strcmp(key, "lon") == 0) {
        double d;
        if (!model_parse_degrees(value, key[1] == 'a' ? 90 : 180, &d)) {
            util_seterr(err, _("%s '%s' is not a valid coordinate"), key, value);
            return MODEL_SET_BAD;
        }
        if (key[1] == 'a')
            r->lat = d;
        else
            r->lon = d;
        r->has_pos = true;
    } else if (strcmp(key, "id") == 0) {
        if (!ulid_valid(value)) {
            util_seterr(err, _("id '%s' is not a ULID"), value);
            return MODEL_SET_BAD;
        }
        memcpy(r->id, value, ULID_LEN + 1);
    } else {
        return MODEL_SET_UNKNOWN;
    }
    return MODEL_SET_OK;
}
