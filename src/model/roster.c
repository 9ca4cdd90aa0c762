/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The roster, pure: verifiers and their roles, weekly shifts in local
 * wall-clock time, priority windows, the assignment state machine with its
 * overdue and safety rules, and the ranking of verifiers for a report.
 *
 * Shifts are kept in local time because that is how people write them and
 * how they live them: a 22:00–06:00 shift starts at 22:00 by the clock on
 * the wall whether or not daylight-saving time changed that night. Turning
 * local times into instants needs the time-zone database, which is I/O; the
 * caller passes it in as struct model_tz (localtime_r and mktime), so every
 * rule here runs in a unit test under any TZ.
 *
 * iCalendar helpers (escaping, folding at 75 octets with CRLF) live here too:
 * they are text rules, and the export in the app layer only adds the zone.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"

/* ---- roles ---------------------------------------------------------------- */

static const char *const model_role_names[MODEL_ROLE_COUNT] = {
    [MODEL_ROLE_VERIFIER] = "verifier",
    [MODEL_ROLE_LEGAL_OBSERVER] = "legal_observer",
    [MODEL_ROLE_COURT] = "court_accompaniment",
    [MODEL_ROLE_DISPATCHER] = "dispatcher",
};

static const char *const model_role_labels[MODEL_ROLE_COUNT] = {
    [MODEL_ROLE_VERIFIER] = N_("verifier"),
    [MODEL_ROLE_LEGAL_OBSERVER] = N_("legal observer"),
    [MODEL_ROLE_COURT] = N_("court accompaniment"),
    [MODEL_ROLE_DISPATCHER] = N_("dispatcher"),
};

const char *model_role_name(enum model_role r)
{
    return (unsigned)r < MODEL_ROLE_COUNT ? model_role_names[r] : "?";
}

int model_role_parse(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < MODEL_ROLE_COUNT; i++)
        if (strcasecmp(name, model_role_names[i]) == 0)
            return i;
    /* What people write in a spreadsheet. */
    if (strcasecmp(name, "legal observer") == 0 || strcasecmp(name, "observer") == 0)
        return MODEL_ROLE_LEGAL_OBSERVER;
    if (strcasecmp(name, "court") == 0 || strcasecmp(name, "court accompaniment") == 0)
        return MODEL_ROLE_COURT;
    return -1;
}

const char *model_role_label(enum model_role r)
{
    return (unsigned)r < MODEL_ROLE_COUNT ? _(model_role_labels[r]) : "?";
}

/* The roles of @roles by @name, joined by @sep; newly allocated ("" when none). */
static char *model_roles_join(unsigned roles, const char *sep,
                              const char *(*name)(enum model_role r))
{
    struct buf b;

    buf_init(&b);
    for (int i = 0; i < MODEL_ROLE_COUNT; i++) {
        if (!(roles & (1u << i)))
            continue;
        if (b.len > 0)
            buf_adds(&b, sep);
        buf_adds(&b, name((enum model_role)i));
    }
    return buf_steal(&b);
}

char *model_roles_format(unsigned roles)
{
    return model_roles_join(roles, ",", model_role_name);
}

char *model_roles_labels(unsigned roles)
{
    return model_roles_join(roles, ", ", model_role_label);
}

/* Trim ASCII blanks at both ends in place; returns the start. */
static char *model_trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

bool model_roles_parse(const char *list, unsigned *out, char **err)
{
    char *copy = xstrdup(list ? list : ""), *save = NULL;
    bool ok = true;

    *out = 0;
    for (char *tok = strtok_r(copy, ",;|", &save); tok; tok = strtok_r(NULL, ",;|", &save)) {
        char *w = model_trim(tok);
        int r;
        if (*w == '\0')
            continue;
        if ((r = model_role_parse(w)) < 0) {
            util_seterr(err,
                        _("unknown role '%s' (verifier, legal_observer, court_accompaniment, "
                          "dispatcher)"),
                        w);
            ok = false;
            break;
        }
        *out |= 1u << r;
    }
    free(copy);
    return ok;
}

/* ---- verifiers ------------------------------------------------------------ */

void model_verifier_init(struct model_verifier *v)
{
    memset(v, 0, sizeof *v);
}

void model_verifier_fini(struct model_verifier *v)
{
    FREE(&v->name);
    FREE(&v->contact);
    FREE(&v->channel);
    FREE(&v->languages);
    FREE(&v->areas);
    FREE(&v->notes);
}

void model_verifier_copy(struct model_verifier *dst, const struct model_verifier *src)
{
    if (dst == src)
        return;
    model_verifier_fini(dst);
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->contact = xstrdup(src->contact);
    dst->channel = xstrdup(src->channel);
    dst->languages = xstrdup(src->languages);
    dst->areas = xstrdup(src->areas);
    dst->notes = xstrdup(src->notes);
}

/* A list with separators , ; | as "a,b", lowercase, no blanks; NULL when empty. */
static char *model_roster_list(const char *s, bool languages)
{
    char *l = model_resource_list(s, languages);
    char *out;

    if (l == NULL)
        return NULL;
    /* model_resource_list joins places with ", "; a roster keeps tags. */
    out = xmalloc(strlen(l) + 1);
    {
        size_t j = 0;
        for (size_t i = 0; l[i]; i++) {
            if (l[i] == ' ' && i > 0 && l[i - 1] == ',')
                continue;
            out[j++] = (char)tolower((unsigned char)l[i]);
        }
        out[j] = '\0';
    }
    free(l);
    return out;
}

int model_verifier_set(struct model_verifier *v, const char *key, const char *value,
                       const char *country, char **err)
{
    const char *val = value ? value : "";
    bool blank = true;

    for (const char *p = val; *p; p++)
        if (!isspace((unsigned char)*p))
            blank = false;
    if (strcmp(key, "id") == 0) {
        if (!ulid_valid(val)) {
            util_seterr(err, _("id: '%s' is not an id"), val);
            return MODEL_SET_BAD;
        }
        snprintf(v->id, sizeof v->id, "%s", val);
    } else if (strcmp(key, "name") == 0 || strcmp(key, "handle") == 0) {
        free(v->name);
        v->name = blank ? NULL : xstrdup(val);
    } else if (strcmp(key, "contact") == 0 || strcmp(key, "phone") == 0) {
        char *c, *why = NULL;
        FREE(&v->contact);
        if (blank)
            return MODEL_SET_OK;
        if (val[0] == '@') {
            bool ok = val[1] != '\0';
            for (const char *p = val + 1; *p; p++)
                if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
                    ok = false;
            if (!ok) {
                util_seterr(err, _("contact: '%s' is not a phone number or @handle"), val);
                return MODEL_SET_BAD;
            }
            v->contact = xstrdup(val);
            if (v->channel == NULL)
                v->channel = xstrdup("signal");
            return MODEL_SET_OK;
        }
        if ((c = model_phone_e164(val, country ? country : "US", &why)) == NULL) {
            /* TRANSLATORS: the second %s says what is wrong with the number. */
            util_seterr(err, _("contact: '%s' is not a phone number or @handle (%s)"), val,
                        why ? why : "?");
            free(why);
            return MODEL_SET_BAD;
        }
        v->contact = c;
        if (v->channel == NULL)
            v->channel = xstrdup("sms");
    } else if (strcmp(key, "channel") == 0) {
        int ch;
        FREE(&v->channel);
        if (blank) {
            /* An empty column keeps what the contact implies (CSV: "contact,channel"). */
            if (v->contact != NULL)
                v->channel = xstrdup(v->contact[0] == '@' ? "signal" : "sms");
            return MODEL_SET_OK;
        }
        ch = model_channel_parse(val);
        if (ch != MODEL_CHANNEL_SMS && ch != MODEL_CHANNEL_SIGNAL && ch != MODEL_CHANNEL_TELEGRAM) {
            util_seterr(err, _("channel: '%s' is not sms, signal or telegram"), val);
            return MODEL_SET_BAD;
        }
        v->channel = xstrdup(model_channel_name((enum model_channel)ch));
    } else if (strcmp(key, "languages") == 0) {
        free(v->languages);
        v->languages = model_roster_list(val, true);
    } else if (strcmp(key, "areas") == 0) {
        free(v->areas);
        v->areas = model_roster_list(val, false);
    } else if (strcmp(key, "roles") == 0 || strcmp(key, "role") == 0) {
        unsigned r;
        char *e = NULL;
        if (!model_roles_parse(val, &r, &e)) {
            util_seterr(err, "%s: %s", key, e);
            free(e);
            return MODEL_SET_BAD;
        }
        v->roles = r;
    } else if (strcmp(key, "notes") == 0) {
        free(v->notes);
        v->notes = blank ? NULL : xstrdup(val);
    } else {
        return MODEL_SET_UNKNOWN;
    }
    return MODEL_SET_OK;
}

bool model_verifier_validate(const struct model_verifier *v, char **err)
{
    const char *fields[] = {v->name, v->languages, v->areas};
    const char *names[] = {"name", "languages", "areas"};

    if (v->name == NULL || *v->name == '\0') {
        util_seterr(err, "%s", _("name: a verifier needs a name or handle"));
        return false;
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(fields); i++) {
        enum text_problem p;
        if (fields[i] != NULL &&
            (p = text_check(fields[i], MODEL_MAX_SHORT, false, NULL)) != TEXT_OK) {
            util_seterr(err, "%s: %s", names[i], text_problem_str(p));
            return false;
        }
    }
    if (v->notes != NULL && text_check(v->notes, MODEL_MAX_LONG, true, NULL) != TEXT_OK) {
        util_seterr(err, "notes: %s",
                    text_problem_str(text_check(v->notes, MODEL_MAX_LONG, true, NULL)));
        return false;
    }
    if (v->roles == 0) {
        util_seterr(err, "%s", _("roles: at least one role is needed"));
        return false;
    }
    return true;
}

bool model_verifier_field(const struct model_verifier *v)
{
    return (v->roles & ((1u << MODEL_ROLE_VERIFIER) | (1u << MODEL_ROLE_LEGAL_OBSERVER) |
                        (1u << MODEL_ROLE_COURT))) != 0;
}

/* ---- windows and times ---------------------------------------------------- */

int model_hhmm_parse(const char *s)
{
    int h = 0, m = 0, nd = 0;
    const char *p = s;

    if (s == NULL)
        return -1;
    while (*p == ' ')
        p++;
    for (; isdigit((unsigned char)*p) && nd < 2; p++, nd++)
        h = h * 10 + (*p - '0');
    if (nd == 0 || (*p != ':' && *p != '.' && *p != 'h'))
        return -1;
    p++;
    if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
        return -1;
    m = (p[0] - '0') * 10 + (p[1] - '0');
    p += 2;
    while (*p == ' ')
        p++;
    if (*p != '\0' || m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

void model_hhmm(int min, char out[8])
{
    min = ((min % 1440) + 1440) % 1440;
    snprintf(out, 8, "%02d:%02d", min / 60 % 100, min % 60);
}

bool model_windows_parse(const char *s, struct model_window *out, size_t max, size_t *n, char **err)
{
    char *copy = xstrdup(s ? s : ""), *save = NULL;
    bool ok = true;

    *n = 0;
    for (char *tok = strtok_r(copy, ",;", &save); tok; tok = strtok_r(NULL, ",;", &save)) {
        char *w = model_trim(tok), *dash = strchr(w, '-');
        int a, b;
        if (*w == '\0')
            continue;
        if (dash == NULL) {
            util_seterr(err, _("'%s' is not a window like 06:00-09:00"), w);
            ok = false;
            break;
        }
        *dash = '\0';
        a = model_hhmm_parse(w);
        b = model_hhmm_parse(dash + 1);
        if (a < 0 || b < 0 || a == 1440 || a == b % 1440) {
            *dash = '-';
            util_seterr(err, _("'%s' is not a window like 06:00-09:00"), w);
            ok = false;
            break;
        }
        if (*n == max) {
            util_seterr(err, _("at most %zu windows"), max);
            ok = false;
            break;
        }
        out[(*n)++] = (struct model_window){a, b % 1440};
    }
    free(copy);
    return ok;
}

bool model_windows_has(const struct model_window *w, size_t n, int min)
{
    for (size_t i = 0; i < n; i++)
        if (model_quiet_hours(w[i].start_min, w[i].end_min, min))
            return true;
    return false;
}

/* ---- shifts ---------------------------------------------------------------- */

void model_shift_fini(struct model_shift *s)
{
    FREE(&s->person);
}

static const char *const model_weekdays[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

const char *model_weekday_name(int wd)
{
    return wd >= 0 && wd < 7 ? model_weekdays[wd] : "?";
}

int model_weekday_parse(const char *s)
{
    static const char *const full[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                        "thursday", "friday", "saturday"};
    static const char *const es[7] = {"dom", "lun", "mar", "mie", "jue", "vie", "sab"};
    size_t n;

    if (s == NULL)
        return -1;
    while (*s == ' ')
        s++;
    n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    for (int i = 0; i < 7; i++) {
        if ((n == 3 && strncasecmp(s, model_weekdays[i], 3) == 0) ||
            (n == strlen(full[i]) && strncasecmp(s, full[i], n) == 0) ||
            (n == 3 && strncasecmp(s, es[i], 3) == 0))
            return i;
    }
    return -1;
}

bool model_shift_covers(const struct model_shift *s, const struct tm *tm)
{
    int min = tm->tm_hour * 60 + tm->tm_min;
    int wd = tm->tm_wday;

    if (s->end_min > s->start_min)
        return wd == s->weekday && min >= s->start_min && min < s->end_min;
    /* Crosses midnight: the evening of its day and the morning of the next. */
    return (wd == s->weekday && min >= s->start_min) ||
           (wd == (s->weekday + 1) % 7 && min < s->end_min);
}

/* UTC ms of local @min on the day @days after the local date of @base. */
static int64_t model_local_at(const struct model_tz *tz, const struct tm *base, int days, int min)
{
    struct tm t = *base;

    t.tm_mday += days;
    t.tm_hour = min / 60;
    t.tm_min = min % 60;
    t.tm_sec = 0;
    t.tm_isdst = -1;
    return tz->utc(&t, tz->data);
}

bool model_shift_occurrence(const struct model_shift *s, int64_t now, const struct model_tz *tz,
                            int64_t *start, int64_t *end)
{
    struct tm base;
    int len_days = s->end_min > s->start_min ? 0 : 1;

    tz->local(now, &base, tz->data);
    /* The occurrence that began yesterday (overnight) or any of the next 7 days. */
    for (int d = -1; d <= 7; d++) {
        int wd = ((base.tm_wday + d) % 7 + 7) % 7;
        int64_t st, en;
        if (wd != s->weekday)
            continue;
        st = model_local_at(tz, &base, d, s->start_min);
        en = model_local_at(tz, &base, d + len_days, s->end_min);
        if (en <= now)
            continue;
        *start = st;
        *end = en;
        return st <= now;
    }
    *start = *end = 0;
    return false;
}

/* ---- assignments ----------------------------------------------------------- */

static const char *const model_assign_names[MODEL_ASSIGN_COUNT] = {
    [MODEL_ASSIGN_ASSIGNED] = "assigned",           [MODEL_ASSIGN_ACKNOWLEDGED] = "acknowledged",
    [MODEL_ASSIGN_EN_ROUTE] = "en_route",           [MODEL_ASSIGN_ON_SCENE] = "on_scene",
    [MODEL_ASSIGN_REPORTED_BACK] = "reported_back", [MODEL_ASSIGN_RELEASED] = "released",
    [MODEL_ASSIGN_DECLINED] = "declined",
};

static const char *const model_assign_labels[MODEL_ASSIGN_COUNT] = {
    [MODEL_ASSIGN_ASSIGNED] = N_("assigned"),
    [MODEL_ASSIGN_ACKNOWLEDGED] = N_("acknowledged"),
    [MODEL_ASSIGN_EN_ROUTE] = N_("en route"),
    [MODEL_ASSIGN_ON_SCENE] = N_("on scene"),
    [MODEL_ASSIGN_REPORTED_BACK] = N_("reported back"),
    [MODEL_ASSIGN_RELEASED] = N_("released"),
    [MODEL_ASSIGN_DECLINED] = N_("declined"),
};

const char *model_assign_state_name(enum model_assign_state s)
{
    return (unsigned)s < MODEL_ASSIGN_COUNT ? model_assign_names[s] : "?";
}

int model_assign_state_parse(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < MODEL_ASSIGN_COUNT; i++)
        if (strcasecmp(name, model_assign_names[i]) == 0)
            return i;
    if (strcasecmp(name, "en-route") == 0 || strcasecmp(name, "en route") == 0)
        return MODEL_ASSIGN_EN_ROUTE;
    if (strcasecmp(name, "on-scene") == 0 || strcasecmp(name, "on scene") == 0)
        return MODEL_ASSIGN_ON_SCENE;
    if (strcasecmp(name, "reported-back") == 0 || strcasecmp(name, "reported back") == 0)
        return MODEL_ASSIGN_REPORTED_BACK;
    if (strcasecmp(name, "ack") == 0)
        return MODEL_ASSIGN_ACKNOWLEDGED;
    return -1;
}

const char *model_assign_state_label(enum model_assign_state s)
{
    return (unsigned)s < MODEL_ASSIGN_COUNT ? _(model_assign_labels[s]) : "?";
}

bool model_assign_state_final(enum model_assign_state s)
{
    return s == MODEL_ASSIGN_RELEASED || s == MODEL_ASSIGN_DECLINED;
}

bool model_assign_allowed(enum model_assign_state from, enum model_assign_state to, char **err)
{
    if ((unsigned)from >= MODEL_ASSIGN_COUNT || (unsigned)to >= MODEL_ASSIGN_COUNT) {
        util_seterr(err, "%s", _("unknown assignment state"));
        return false;
    }
    if (model_assign_state_final(from)) {
        util_seterr(err, _("the assignment is already %s"), model_assign_state_label(from));
        return false;
    }
    if (to == MODEL_ASSIGN_RELEASED)
        return true;
    if (to == MODEL_ASSIGN_DECLINED) {
        if (from <= MODEL_ASSIGN_ACKNOWLEDGED)
            return true;
        util_seterr(err, _("cannot decline once %s: release the verifier instead"),
                    model_assign_state_label(from));
        return false;
    }
    if (to <= from) {
        util_seterr(err, _("cannot go back from %s to %s"), model_assign_state_label(from),
                    model_assign_state_label(to));
        return false;
    }
    return true;
}

void model_assignment_init(struct model_assignment *a)
{
    memset(a, 0, sizeof *a);
}

void model_assignment_fini(struct model_assignment *a)
{
    FREE(&a->assigned_by);
    FREE(&a->note);
    FREE(&a->message);
    FREE(&a->message_state);
}

void model_roster_policy_default(struct model_roster_policy *p)
{
    memset(p, 0, sizeof *p);
    p->ack_minutes = 5;
    p->checkin_minutes = 15;
    p->windows[0] = (struct model_window){6 * 60, 9 * 60};
    p->windows[1] = (struct model_window){17 * 60, 21 * 60};
    p->nwindows = 2;
}

enum model_overdue model_assignment_overdue(const struct model_assignment *a,
                                            const struct model_roster_policy *p, int64_t now,
                                            int64_t *deadline)
{
    int64_t due = 0;
    enum model_overdue o = MODEL_OVERDUE_NONE;

    if (a->state == MODEL_ASSIGN_ASSIGNED) {
        due = a->at[MODEL_ASSIGN_ASSIGNED] + (int64_t)p->ack_minutes * 60000;
        if (now >= due)
            o = MODEL_OVERDUE_ACK;
    } else if (a->state == MODEL_ASSIGN_ON_SCENE) {
        int64_t last = a->at[MODEL_ASSIGN_ON_SCENE];
        if (a->last_word_at > last)
            last = a->last_word_at;
        due = last + (int64_t)p->checkin_minutes * 60000;
        if (now >= due)
            o = MODEL_OVERDUE_CHECKIN;
    }
    if (deadline != NULL)
        *deadline = (o == MODEL_OVERDUE_NONE) ? due : 0;
    return o;
}

/* ---- ranking ------------------------------------------------------------- */

struct model_rank_ctx {
    enum model_role want_role;
};

static int model_rank_cmp(const void *pa, const void *pb)
{
    const struct model_candidate *a = pa, *b = pb;

    if (a->on_shift != b->on_shift)
        return a->on_shift ? -1 : 1;
    if ((a->open == 0) != (b->open == 0))
        return a->open == 0 ? -1 : 1;
    if (a->area != b->area)
        return a->area ? -1 : 1;
    if (a->language != b->language)
        return a->language ? -1 : 1;
    if (a->role != b->role)
        return a->role ? -1 : 1;
    if (a->open != b->open)
        return a->open < b->open ? -1 : 1;
    return strcmp(a->v->name ? a->v->name : "", b->v->name ? b->v->name : "");
}

void model_rank(struct model_candidate *c, size_t n, const char *area, enum model_category category,
                const char *language)
{
    int want_role = -1;

    if (category == MODEL_CAT_COURTHOUSE)
        want_role = MODEL_ROLE_COURT;
    else if (category == MODEL_CAT_DETENTION)
        want_role = MODEL_ROLE_LEGAL_OBSERVER;
    for (size_t i = 0; i < n; i++) {
        const struct model_verifier *v = c[i].v;
        c[i].area = area != NULL && *area != '\0' && v->areas != NULL &&
                    model_resource_list_has(v->areas, area);
        c[i].language = language != NULL && *language != '\0' && v->languages != NULL &&
                        model_resource_list_has(v->languages, language);
        c[i].role = want_role >= 0 && (v->roles & (1u << want_role));
    }
    qsort(c, n, sizeof *c, model_rank_cmp);
    for (size_t i = 0; i < n; i++) {
        struct buf b;
        buf_init(&b);
        buf_adds(&b, c[i].on_shift ? _("on shift") : _("off shift"));
        buf_adds(&b, ", ");
        if (c[i].open == 0)
            buf_adds(&b, _("free"));
        else
            buf_printf(&b, NG_("%d open assignment", "%d open assignments", c[i].open), c[i].open);
        if (area != NULL && *area != '\0') {
            buf_adds(&b, ", ");
            if (c[i].area)
                buf_printf(&b, _("knows %s"), area);
            else
                buf_printf(&b, _("not %s"), area);
        }
        if (language != NULL && *language != '\0') {
            buf_adds(&b, ", ");
            if (c[i].language)
                buf_printf(&b, _("speaks %s"), language);
            else
                buf_printf(&b, _("no %s"), language);
        }
        if (c[i].role) {
            buf_adds(&b, ", ");
            buf_adds(&b, model_role_label((enum model_role)want_role));
        }
        free(c[i].reason);
        c[i].reason = buf_steal(&b);
    }
}

void model_candidates_fini(struct model_candidate *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        FREE(&c[i].reason);
}

/* ---- iCalendar ----------------------------------------------------------- */

void model_ics_escape(struct buf *b, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '\\':
        case ';':
        case ',':
            buf_addc(b, '\\');
            buf_addc(b, *p);
            break;
        case '\n':
            buf_adds(b, "\\n");
            break;
        case '\r':
            break;
        default:
            buf_addc(b, *p);
        }
    }
}

void model_ics_line(struct buf *b, const char *line)
{
    size_t len = strlen(line), pos = 0, limit = 75;

    while (len - pos > limit) {
        size_t cut = pos + limit;
        /* Never split a UTF-8 sequence: back up to a lead byte. */
        while (cut > pos && ((unsigned char)line[cut] & 0xC0) == 0x80)
            cut--;
        buf_add(b, line + pos, cut - pos);
        buf_adds(b, "\r\n ");
        pos = cut;
        limit = 74; /* the leading space counts */
    }
    buf_add(b, line + pos, len - pos);
    buf_adds(b, "\r\n");
}
