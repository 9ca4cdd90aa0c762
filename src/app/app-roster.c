/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The roster use cases: verifiers (add, import, list with their status),
 * the weekly schedule (import, export as YAML and iCalendar, who is on duty
 * now and next), assigning a verifier to a report and following the
 * assignment through its states with the overdue and check-in rules, and the
 * shift handoff brief.
 *
 * Time zones: shifts are local wall-clock times, so this module hands the
 * model localtime_r and mktime (struct model_tz); the model itself does no
 * I/O. The iCalendar export names the zone with TZID (from TZ or
 * /etc/localtime) and describes it with a VTIMEZONE built from the zone's
 * transitions this year; without a zone name it writes UTC times.
 *
 * Notifying the verifier: an assignment composes a message with what they
 * need (place, what was reported, what to look for) from the report's own
 * fields, never from reporter_contacts, with phone numbers and emails in
 * free text masked, and queues it in the outbox (src/store/store-outbox.c)
 * for the verifier's channel in the transaction that writes the assignment;
 * the outbox worker sends it like any other message (in a practice run, to
 * the sandbox's sink). The verifier's contact is copied as stored, sealed or
 * not: it is opened only by the worker, at send time. The assignment's
 * message_state follows the outbox row; when nothing could be queued (no
 * contact, an unknown channel, no gateway for it here) it says why, and the
 * console and `vigia assign` show the message for the dispatcher to pass on.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/config.h"
#include "vigia/store.h"
#include "vigia/app.h"

#include "private.h"

/* ---- time zone ------------------------------------------------------------ */

static void app_tz_local(int64_t ms, struct tm *out, void *data)
{
    time_t t = (time_t)(ms / 1000);

    (void)data;
    localtime_r(&t, out);
}

static int64_t app_tz_utc(struct tm *local, void *data)
{
    (void)data;
    return (int64_t)mktime(local) * 1000;
}

static const struct model_tz app_tz = {app_tz_local, app_tz_utc, NULL};

const struct model_tz *app_roster_tz(void)
{
    tzset();
    return &app_tz;
}

static int app_minute_of_day(int64_t ms)
{
    struct tm tm;

    app_tz_local(ms, &tm, NULL);
    return tm.tm_hour * 60 + tm.tm_min;
}

const struct model_roster_policy *app_roster_policy(const struct app *a)
{
    return &a->config.roster;
}

static int app_roster_need_actor(struct app *a, char **err)
{
    if (a->actor == NULL) {
        util_seterr(err, "%s", _("who is at the keyboard? give your name with --as NAME"));
        return -1;
    }
    return 0;
}

static char *app_roster_dump(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

    json_decref(o);
    if (s == NULL)
        util_fatal("%s", "out of memory");
    return s;
}

/*
 * Write assignment @as and an event @kind with detail @d (taken) in one
 * transaction; 0, or -1 with *err and nothing written.
 */
static int app_assignment_save(struct app *a, const struct model_assignment *as, const char *kind,
                               json_t *d, char **err)
{
    char *detail = app_roster_dump(d);
    int rc = -1;

    if (store_begin(a->store, err) == STORE_OK) {
        if (store_assignment_put_tx(a->store, as, err) != STORE_OK ||
            store_event(a->store, a->actor, kind, as->report_id, detail, err) != STORE_OK ||
            store_commit(a->store, err) != STORE_OK)
            store_rollback(a->store);
        else
            rc = 0;
    }
    free(detail);
    return rc;
}

/* ---- verifiers ------------------------------------------------------------ */

/* NFC-normalise and check the text fields of @v; -1 with *err. */
static int app_verifier_prepare(struct model_verifier *v, char **err)
{
    char **fields[] = {&v->name, &v->notes};

    for (size_t i = 0; i < UTIL_ARRAY_LEN(fields); i++) {
        char *n;
        if (*fields[i] == NULL)
            continue;
        if (text_check(*fields[i], MODEL_MAX_LONG, true, NULL) != TEXT_OK) {
            util_seterr(err, "%s",
                        text_problem_str(text_check(*fields[i], MODEL_MAX_LONG, true, NULL)));
            return -1;
        }
        n = text_nfc(*fields[i]);
        free(*fields[i]);
        *fields[i] = n;
    }
    return model_verifier_validate(v, err) ? 0 : -1;
}

void app_roster_free(struct app_verifier_status *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        model_verifier_fini(&rows[i].v);
        model_assignment_fini(&rows[i].current);
        free(rows[i].place);
        free(rows[i].message_status);
    }
    free(rows);
}

/* Case- and accent-insensitive equality of two names. */
static bool app_same_name(const char *x, const char *y)
{
    char *fx = text_fold(x ? x : ""), *fy = text_fold(y ? y : "");
    bool eq = strcmp(fx, fy) == 0;

    free(fx);
    free(fy);
    return eq;
}

int app_verifier_find(struct app *a, const char *key, struct model_verifier *out, char **err)
{
    struct model_verifier *rows = NULL;
    size_t n = 0, hits = 0, hit = 0, klen = strlen(key ? key : "");
    int rc = -1;

    model_verifier_init(out);
    if (key == NULL || *key == '\0') {
        util_seterr(err, "%s", _("which verifier? give an id or a name"));
        return -1;
    }
    if (store_verifier_list(a->store, &rows, &n, err) != STORE_OK)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(rows[i].id, key) == 0 || app_same_name(rows[i].name, key)) {
            hits = 1;
            hit = i;
            goto found;
        }
    for (size_t i = 0; i < n; i++) {
        char *fn = text_fold(rows[i].name ? rows[i].name : ""), *fk = text_fold(key);
        bool pre = (klen >= 4 && strncasecmp(rows[i].id, key, klen) == 0) ||
                   strncmp(fn, fk, strlen(fk)) == 0;
        free(fn);
        free(fk);
        if (pre) {
            hits++;
            hit = i;
        }
    }
found:
    if (hits == 1) {
        model_verifier_copy(out, &rows[hit]);
        rc = 0;
    } else if (hits == 0) {
        util_seterr(err, _("no verifier '%s'"), key);
    } else {
        util_seterr(err, _("'%s' fits %zu verifiers: give more of the name or the id"), key, hits);
    }
    store_verifiers_free(rows, n);
    return rc;
}

int app_verifier_add(struct app *a, struct model_verifier *v, char **err)
{
    int64_t now = timeutil_now_ms();
    json_t *d;
    char *detail = NULL;
    struct model_verifier dup;

    if (app_roster_need_actor(a, err) != 0 || app_verifier_prepare(v, err) != 0)
        return -1;
    if (app_verifier_find(a, v->name, &dup, NULL) == 0 && app_same_name(dup.name, v->name)) {
        util_seterr(err, _("'%s' is already on the roster (%s)"), v->name, dup.id);
        model_verifier_fini(&dup);
        return -1;
    }
    model_verifier_fini(&dup);
    if (v->id[0] == '\0')
        ulid_new(now, v->id);
    v->created_at = now;
    d = json_object();
    json_object_set_new(d, "verifier_id", json_string(v->id));
    json_object_set_new(d, "name", json_string(v->name));
    detail = app_roster_dump(d);
    if (store_begin(a->store, err) != STORE_OK)
        goto fail;
    if (store_verifier_put_tx(a->store, v, err) != STORE_OK ||
        store_event(a->store, a->actor, "verifier.added", NULL, detail, err) != STORE_OK ||
        store_commit(a->store, err) != STORE_OK) {
        store_rollback(a->store);
        goto fail;
    }
    free(detail);
    return 0;
fail:
    free(detail);
    return -1;
}

int app_verifier_import(struct app *a, const char *file, size_t *added, size_t *updated, char **err)
{
    int64_t now = timeutil_now_ms();
    struct config_verifiers vs;
    struct model_verifier *old = NULL;
    size_t nold = 0, nadd = 0, nup = 0;
    char *msg = NULL, *detail = NULL;
    bool began = false;
    int rc = -1;

    if (app_roster_need_actor(a, err) != 0)
        return -1;
    if (config_verifiers_load(file, a->config.default_country, &vs, err) != 0) {
        config_verifiers_fini(&vs);
        return -1;
    }
    if (vs.n == 0) {
        util_seterr(err, _("%s: no verifiers in the file"), file);
        goto out;
    }
    if (store_verifier_list(a->store, &old, &nold, err) != STORE_OK)
        goto out;
    /* Check everything first: one bad line and nothing is stored. */
    for (size_t i = 0; i < vs.n; i++) {
        if (app_verifier_prepare(&vs.items[i].v, &msg) != 0) {
            *err = config_verifiers_errf(&vs, i, "%s", msg);
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (app_same_name(vs.items[j].v.name, vs.items[i].v.name)) {
                *err = config_verifiers_errf(&vs, i, _("'%s' is already on line %d"),
                                             vs.items[i].v.name, vs.items[j].line);
                goto out;
            }
    }
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    began = true;
    for (size_t i = 0; i < vs.n; i++) {
        struct model_verifier *v = &vs.items[i].v;
        size_t k;
        for (k = 0; k < nold; k++)
            if ((v->id[0] && strcmp(v->id, old[k].id) == 0) || app_same_name(v->name, old[k].name))
                break;
        if (k < nold) {
            snprintf(v->id, sizeof v->id, "%s", old[k].id);
            v->created_at = old[k].created_at ? old[k].created_at : now;
            nup++;
        } else {
            if (v->id[0] == '\0')
                ulid_new(now, v->id);
            v->created_at = now;
            nadd++;
        }
        if (store_verifier_put_tx(a->store, v, &msg) != STORE_OK) {
            *err = config_verifiers_errf(&vs, i, "%s", msg);
            goto out;
        }
    }
    {
        const char *base = strrchr(file, '/');
        json_t *d = json_object();
        json_object_set_new(d, "file", json_string(base ? base + 1 : file));
        json_object_set_new(d, "added", json_integer((json_int_t)nadd));
        json_object_set_new(d, "updated", json_integer((json_int_t)nup));
        detail = app_roster_dump(d);
    }
    if (store_event(a->store, a->actor, "verifier.imported", NULL, detail, err) != STORE_OK ||
        store_commit(a->store, err) != STORE_OK)
        goto out;
    began = false;
    if (added)
        *added = nadd;
    if (updated)
        *updated = nup;
    rc = 0;
out:
    if (began)
        store_rollback(a->store);
    free(msg);
    free(detail);
    store_verifiers_free(old, nold);
    config_verifiers_fini(&vs);
    return rc;
}

/* ---- shifts ------------------------------------------------------------- */

int app_shifts(struct app *a, struct model_shift **rows, size_t *n, char **err)
{
    return store_shift_list(a->store, rows, n, err) == STORE_OK ? 0 : -1;
}

void app_shifts_free(struct model_shift *rows, size_t n)
{
    store_shifts_free(rows, n);
}

int app_shifts_import(struct app *a, const char *file, size_t *count, char **err)
{
    struct config_shifts cs;
    struct model_shift *old = NULL;
    size_t nold = 0;
    int64_t now = timeutil_now_ms();
    char *detail = NULL;
    bool began = false;
    int rc = -1;

    if (app_roster_need_actor(a, err) != 0)
        return -1;
    if (config_shifts_load(file, &cs, err) != 0) {
        config_shifts_fini(&cs);
        return -1;
    }
    if (cs.has_windows) {
        /* The windows live in config.yaml (each dispatcher's), not in the synced schedule. */
        const struct model_roster_policy *p = &a->config.roster;
        bool same = cs.nwindows == p->nwindows;
        for (size_t i = 0; same && i < cs.nwindows; i++)
            same = cs.windows[i].start_min == p->windows[i].start_min &&
                   cs.windows[i].end_min == p->windows[i].end_min;
        if (!same)
            logger_msg(LOGGER_WARN, "%s",
                       _("the file's priority_windows differ from config.yaml's, which apply: "
                         "set priority_windows there"));
    }
    if (store_shift_list(a->store, &old, &nold, err) != STORE_OK)
        goto out;
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    began = true;
    /* The file is the schedule: what it no longer has is removed. */
    for (size_t i = 0; i < nold; i++)
        if (store_shift_delete_tx(a->store, old[i].id, err) != STORE_OK)
            goto out;
    for (size_t i = 0; i < cs.n; i++) {
        ulid_new(now, cs.items[i].id);
        if (store_shift_put_tx(a->store, &cs.items[i], err) != STORE_OK)
            goto out;
    }
    {
        const char *base = strrchr(file, '/');
        json_t *d = json_object();
        json_object_set_new(d, "file", json_string(base ? base + 1 : file));
        json_object_set_new(d, "shifts", json_integer((json_int_t)cs.n));
        detail = app_roster_dump(d);
    }
    if (store_event(a->store, a->actor, "shifts.imported", NULL, detail, err) != STORE_OK ||
        store_commit(a->store, err) != STORE_OK)
        goto out;
    began = false;
    if (count)
        *count = cs.n;
    rc = 0;
out:
    if (began)
        store_rollback(a->store);
    free(detail);
    store_shifts_free(old, nold);
    config_shifts_fini(&cs);
    return rc;
}

static void app_yaml_scalar(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

int app_shifts_export_yaml(struct app *a, FILE *out, char **err)
{
    struct model_shift *rows = NULL;
    size_t n = 0;
    const struct model_roster_policy *p = &a->config.roster;

    if (store_shift_list(a->store, &rows, &n, err) != STORE_OK)
        return -1;
    fputs("# vigia weekly schedule: edit, then `vigia shifts import FILE`\n", out);
    fputs("# priority windows (priority_windows in config.yaml):", out);
    for (size_t i = 0; i < p->nwindows; i++) {
        char s[8], e[8];
        model_hhmm(p->windows[i].start_min, s);
        model_hhmm(p->windows[i].end_min, e);
        fprintf(out, "%s %s-%s", i ? "," : "", s, e);
    }
    fputs("\nshifts:\n", out);
    for (size_t i = 0; i < n; i++) {
        char s[8], e[8];
        model_hhmm(rows[i].start_min, s);
        model_hhmm(rows[i].end_min, e);
        fputs("  - person: ", out);
        app_yaml_scalar(out, rows[i].person ? rows[i].person : "");
        fprintf(out, "\n    role: %s\n    days: %s\n    start: \"%s\"\n    end: \"%s\"\n",
                model_role_name(rows[i].role), model_weekday_name(rows[i].weekday), s, e);
    }
    store_shifts_free(rows, n);
    return 0;
}

/* The zone's name for TZID ("America/Los_Angeles"), or NULL for UTC / unknown. */
static char *app_tz_name(void)
{
    const char *tz = getenv("TZ");
    char buf[PATH_MAX];
    ssize_t len;
    const char *z;

    if (tz != NULL && *tz == ':')
        tz++;
    if (tz != NULL && *tz != '\0') {
        if (strchr(tz, '/') != NULL && tz[0] != '/' && strstr(tz, "..") == NULL)
            return xstrdup(tz);
        if (tz[0] == '/' && (z = strstr(tz, "zoneinfo/")) != NULL)
            return xstrdup(z + 9);
        return NULL; /* "UTC", "EST5EDT" and other POSIX strings: write UTC */
    }
    if ((len = readlink("/etc/localtime", buf, sizeof buf - 1)) > 0) {
        buf[len] = '\0';
        if ((z = strstr(buf, "zoneinfo/")) != NULL && strchr(z + 9, '/') != NULL)
            return xstrdup(z + 9);
    }
    return NULL;
}

static void app_ics_local(struct buf *b, int64_t ms)
{
    struct tm tm;

    app_tz_local(ms, &tm, NULL);
    buf_printf(b, "%04d%02d%02dT%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
               tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void app_ics_utc(struct buf *b, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    buf_printf(b, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
               tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static long app_gmtoff(int64_t ms)
{
    struct tm tm;

    app_tz_local(ms, &tm, NULL);
    return tm.tm_gmtoff;
}

static void app_ics_offset(struct buf *b, long off)
{
    long a = off < 0 ? -off : off;

    buf_printf(b, "%c%02ld%02ld", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

/* A VTIMEZONE for the zone @name from its transitions in the year of @now. */
static void app_ics_vtimezone(struct buf *out, const char *name, int64_t now)
{
    struct tm tm;
    struct buf line;
    int64_t t, y0;
    long prev;
    int found = 0;

    app_tz_local(now, &tm, NULL);
    tm.tm_mon = 0, tm.tm_mday = 1, tm.tm_hour = 0, tm.tm_min = 0, tm.tm_sec = 0;
    tm.tm_isdst = -1;
    y0 = app_tz_utc(&tm, NULL);
    buf_init(&line);
    model_ics_line(out, "BEGIN:VTIMEZONE");
    buf_printf(&line, "TZID:%s", name);
    model_ics_line(out, buf_str(&line));
    prev = app_gmtoff(y0);
    for (t = y0; t < y0 + 366LL * 86400000; t += 3600000) {
        long off = app_gmtoff(t + 3600000);
        int64_t lo = t, hi = t + 3600000;
        struct tm at;
        int n, mdays;
        static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        static const char *const wd[7] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
        if (off == prev)
            continue;
        while (hi - lo > 60000) { /* to the minute */
            int64_t mid = lo + (hi - lo) / 2;
            if (app_gmtoff(mid) == prev)
                lo = mid;
            else
                hi = mid;
        }
        app_tz_local(hi, &at, NULL);
        model_ics_line(out, at.tm_isdst > 0 ? "BEGIN:DAYLIGHT" : "BEGIN:STANDARD");
        /* DTSTART is the wall time just before the change, in the old offset. */
        {
            time_t old = (time_t)(hi / 1000 + prev);
            struct tm ow;
            gmtime_r(&old, &ow);
            buf_reset(&line);
            buf_printf(&line, "DTSTART:%04d%02d%02dT%02d%02d%02d", ow.tm_year + 1900, ow.tm_mon + 1,
                       ow.tm_mday, ow.tm_hour, ow.tm_min, ow.tm_sec);
            model_ics_line(out, buf_str(&line));
            n = (ow.tm_mday - 1) / 7 + 1;
            mdays = dim[ow.tm_mon] + (ow.tm_mon == 1 && (ow.tm_year % 4) == 0);
            buf_reset(&line);
            if (ow.tm_mday + 7 > mdays && n >= 4)
                buf_printf(&line, "RRULE:FREQ=YEARLY;BYMONTH=%d;BYDAY=-1%s", ow.tm_mon + 1,
                           wd[ow.tm_wday]);
            else
                buf_printf(&line, "RRULE:FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", ow.tm_mon + 1, n,
                           wd[ow.tm_wday]);
            model_ics_line(out, buf_str(&line));
        }
        buf_reset(&line);
        buf_adds(&line, "TZOFFSETFROM:");
        app_ics_offset(&line, prev);
        model_ics_line(out, buf_str(&line));
        buf_reset(&line);
        buf_adds(&line, "TZOFFSETTO:");
        app_ics_offset(&line, off);
        model_ics_line(out, buf_str(&line));
        model_ics_line(out, at.tm_isdst > 0 ? "END:DAYLIGHT" : "END:STANDARD");
        prev = off;
        found++;
    }
    if (found == 0) {
        model_ics_line(out, "BEGIN:STANDARD");
        model_ics_line(out, "DTSTART:19700101T000000");
        buf_reset(&line);
        buf_adds(&line, "TZOFFSETFROM:");
        app_ics_offset(&line, prev);
        model_ics_line(out, buf_str(&line));
        buf_reset(&line);
        buf_adds(&line, "TZOFFSETTO:");
        app_ics_offset(&line, prev);
        model_ics_line(out, buf_str(&line));
        model_ics_line(out, "END:STANDARD");
    }
    model_ics_line(out, "END:VTIMEZONE");
    buf_fini(&line);
}

int app_shifts_export_ics(struct app *a, FILE *out, int64_t now, char **err)
{
    static const char *const byday[7] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
    struct model_shift *rows = NULL;
    size_t n = 0;
    struct buf b, line;
    char *zone;
    const struct model_tz *tz = app_roster_tz();

    if (store_shift_list(a->store, &rows, &n, err) != STORE_OK)
        return -1;
    zone = app_tz_name();
    buf_init(&b);
    buf_init(&line);
    model_ics_line(&b, "BEGIN:VCALENDAR");
    model_ics_line(&b, "VERSION:2.0");
    model_ics_line(&b, "PRODID:-//vigia//shifts//EN");
    model_ics_line(&b, "CALSCALE:GREGORIAN");
    buf_adds(&line, "X-WR-CALNAME:");
    model_ics_escape(&line, a->config.network ? a->config.network : "vigia");
    buf_adds(&line, " shifts");
    model_ics_line(&b, buf_str(&line));
    if (zone != NULL)
        app_ics_vtimezone(&b, zone, now);
    for (size_t i = 0; i < n; i++) {
        int64_t st, en;
        model_shift_occurrence(&rows[i], now, tz, &st, &en);
        model_ics_line(&b, "BEGIN:VEVENT");
        buf_reset(&line);
        buf_printf(&line, "UID:%s@vigia", rows[i].id);
        model_ics_line(&b, buf_str(&line));
        buf_reset(&line);
        buf_adds(&line, "DTSTAMP:");
        app_ics_utc(&line, now);
        model_ics_line(&b, buf_str(&line));
        buf_reset(&line);
        if (zone != NULL) {
            buf_printf(&line, "DTSTART;TZID=%s:", zone);
            app_ics_local(&line, st);
        } else {
            buf_adds(&line, "DTSTART:");
            app_ics_utc(&line, st);
        }
        model_ics_line(&b, buf_str(&line));
        buf_reset(&line);
        if (zone != NULL) {
            buf_printf(&line, "DTEND;TZID=%s:", zone);
            app_ics_local(&line, en);
        } else {
            buf_adds(&line, "DTEND:");
            app_ics_utc(&line, en);
        }
        model_ics_line(&b, buf_str(&line));
        buf_reset(&line);
        {
            struct tm tm;
            app_tz_local(st, &tm, NULL);
            buf_printf(&line, "RRULE:FREQ=WEEKLY;BYDAY=%s", byday[tm.tm_wday]);
        }
        model_ics_line(&b, buf_str(&line));
        buf_reset(&line);
        buf_adds(&line, "SUMMARY:");
        {
            /* TRANSLATORS: calendar entry title: person, role. */
            char *sum = xasprintf(_("%s: %s shift"), rows[i].person ? rows[i].person : "",
                                  model_role_label(rows[i].role));
            model_ics_escape(&line, sum);
            free(sum);
        }
        model_ics_line(&b, buf_str(&line));
        buf_reset(&line);
        buf_adds(&line, "CATEGORIES:");
        model_ics_escape(&line, model_role_name(rows[i].role));
        model_ics_line(&b, buf_str(&line));
        model_ics_line(&b, "TRANSP:OPAQUE");
        model_ics_line(&b, "END:VEVENT");
    }
    model_ics_line(&b, "END:VCALENDAR");
    fwrite(b.data, 1, b.len, out);
    buf_fini(&b);
    buf_fini(&line);
    free(zone);
    store_shifts_free(rows, n);
    return 0;
}

/* ---- on call ---------------------------------------------------------------- */

void app_oncall_fini(struct app_oncall *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->items[i].person);
    FREE(&o->items);
    o->n = 0;
}

static int app_oncall_cmp(const void *pa, const void *pb)
{
    const struct app_oncall_entry *x = pa, *y = pb;

    if (x->now != y->now)
        return x->now ? -1 : 1;
    if (x->role != y->role)
        return x->role == MODEL_ROLE_DISPATCHER ? -1 : y->role == MODEL_ROLE_DISPATCHER ? 1 : 0;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return strcmp(x->person ? x->person : "", y->person ? y->person : "");
}

int app_oncall(struct app *a, int64_t at, struct app_oncall *out, char **err)
{
    struct model_shift *rows = NULL;
    size_t n = 0;
    const struct model_tz *tz = app_roster_tz();
    const struct model_roster_policy *p = &a->config.roster;
    int64_t next_start[MODEL_ROLE_COUNT];
    int min = app_minute_of_day(at);

    memset(out, 0, sizeof *out);
    out->at = at;
    if (store_shift_list(a->store, &rows, &n, err) != STORE_OK)
        return -1;
    for (int r = 0; r < MODEL_ROLE_COUNT; r++)
        next_start[r] = INT64_MAX;
    out->items = xcalloc(n + 1, sizeof *out->items);
    /* First pass: who is on now, and the earliest next start per role. */
    for (size_t i = 0; i < n; i++) {
        int64_t st, en;
        bool on = model_shift_occurrence(&rows[i], at, tz, &st, &en);
        if (on) {
            out->items[out->n++] =
                (struct app_oncall_entry){xstrdup(rows[i].person), rows[i].role, st, en, true};
        } else if (st > 0) {
            /* A shift starting when another of the same person ends is a continuation. */
            if (st < next_start[rows[i].role])
                next_start[rows[i].role] = st;
        }
    }
    /* Second pass: everyone who starts at the earliest next start of their role. */
    for (size_t i = 0; i < n; i++) {
        int64_t st, en;
        if (model_shift_occurrence(&rows[i], at, tz, &st, &en) || st <= 0 ||
            st != next_start[rows[i].role])
            continue;
        out->items[out->n++] =
            (struct app_oncall_entry){xstrdup(rows[i].person), rows[i].role, st, en, false};
    }
    qsort(out->items, out->n, sizeof *out->items, app_oncall_cmp);
    out->priority = false;
    for (size_t i = 0; i < p->nwindows; i++)
        if (model_windows_has(&p->windows[i], 1, min)) {
            out->priority = true;
            out->window = p->windows[i];
        }
    store_shifts_free(rows, n);
    return 0;
}

char *app_oncall_json(const struct app_oncall *o)
{
    json_t *root = json_object(), *now = json_array(), *next = json_array();
    char ts[32];

    timeutil_rfc3339(o->at, ts);
    json_object_set_new(root, "at", json_string(ts));
    json_object_set_new(root, "priority_window", json_boolean(o->priority));
    if (o->priority) {
        char s[8], e[8];
        model_hhmm(o->window.start_min, s);
        model_hhmm(o->window.end_min, e);
        json_object_set_new(root, "window_start", json_string(s));
        json_object_set_new(root, "window_end", json_string(e));
    }
    for (size_t i = 0; i < o->n; i++) {
        const struct app_oncall_entry *e = &o->items[i];
        json_t *j = json_object();
        json_object_set_new(j, "person", json_string(e->person ? e->person : ""));
        json_object_set_new(j, "role", json_string(model_role_name(e->role)));
        timeutil_rfc3339(e->start, ts);
        json_object_set_new(j, "start", json_string(ts));
        timeutil_rfc3339(e->end, ts);
        json_object_set_new(j, "end", json_string(ts));
        json_array_append_new(e->now ? now : next, j);
    }
    json_object_set_new(root, "now", now);
    json_object_set_new(root, "next", next);
    return app_roster_dump(root);
}

/* ---- roster status ---------------------------------------------------------- */

/* Whether @name is on a verifier shift at @at (field roles), per the schedule @sh. */
static bool app_on_shift(const struct model_shift *sh, char *const *folded, size_t n,
                         const char *name, int64_t at, int64_t *until)
{
    const struct model_tz *tz = &app_tz;
    char *fname = text_fold(name ? name : "");

    for (size_t i = 0; i < n; i++) {
        int64_t st, en;
        if (sh[i].role == MODEL_ROLE_DISPATCHER || strcmp(folded[i], fname) != 0)
            continue;
        if (model_shift_occurrence(&sh[i], at, tz, &st, &en)) {
            if (until)
                *until = en;
            free(fname);
            return true;
        }
    }
    free(fname);
    return false;
}

int app_roster(struct app *a, int64_t now, struct app_verifier_status **out, size_t *nout,
               char **err)
{
    struct model_verifier *vs = NULL;
    struct model_shift *sh = NULL;
    struct model_assignment *as = NULL;
    char **folded = NULL; /* shift persons, case and accents folded once */
    size_t nv = 0, ns = 0, na = 0;
    int rc = -1;

    *out = NULL;
    *nout = 0;
    tzset();
    if (store_verifier_list(a->store, &vs, &nv, err) != STORE_OK ||
        store_shift_list(a->store, &sh, &ns, err) != STORE_OK ||
        store_assignment_list(a->store, NULL, true, &as, &na, err) != STORE_OK)
        goto out;
    folded = xcalloc(ns + 1, sizeof *folded);
    for (size_t i = 0; i < ns; i++)
        folded[i] = text_fold(sh[i].person ? sh[i].person : "");
    *out = xcalloc(nv + 1, sizeof **out);
    for (size_t i = 0; i < nv; i++) {
        struct app_verifier_status *st = &(*out)[i];
        char *plain = NULL;
        int orc;
        model_verifier_copy(&st->v, &vs[i]);
        FREE(&st->v.contact);
        orc = store_open_text(a->store, "verifiers", "contact", vs[i].id, vs[i].contact, &plain,
                              NULL);
        if (orc == STORE_OK)
            st->v.contact = plain;
        else
            st->contact_locked = true;
        st->on_shift = app_on_shift(sh, folded, ns, vs[i].name, now, &st->shift_end);
        model_assignment_init(&st->current);
        for (size_t k = 0; k < na; k++) {
            if (strcmp(as[k].verifier_id, vs[i].id) != 0)
                continue;
            st->open++;
            /* The most urgent open one is "current": overdue first, then the latest. */
            {
                enum model_overdue o =
                    model_assignment_overdue(&as[k], &a->config.roster, now, NULL);
                if (!st->has_current || o > st->overdue ||
                    (o == st->overdue && as[k].at[0] >= st->current.at[0])) {
                    model_assignment_fini(&st->current);
                    st->current = as[k];
                    memset(&as[k], 0, sizeof as[k]);
                    snprintf(as[k].verifier_id, sizeof as[k].verifier_id, "%s", "-");
                    st->has_current = true;
                    st->overdue = o;
                }
            }
        }
        if (!st->has_current) {
            bool found = false;
            struct model_assignment last;
            if (store_assignment_last(a->store, vs[i].id, &last, &found, NULL) == STORE_OK && found)
                st->last_word = last.last_word_at;
            model_assignment_fini(&last);
        } else {
            struct model_report r;
            st->last_word = st->current.last_word_at ? st->current.last_word_at
                                                     : st->current.at[MODEL_ASSIGN_ASSIGNED];
            if (store_report_get(a->store, st->current.report_id, &r, NULL) == STORE_OK) {
                st->place = xstrdup(r.area && *r.area ? r.area : r.location);
                model_report_fini(&r);
            }
            if (st->current.message_state != NULL)
                st->message_status = app_assignment_message_status(a, &st->current, true);
        }
        (*nout)++;
    }
    rc = 0;
out:
    if (rc != 0) {
        app_roster_free(*out, *nout);
        *out = NULL;
        *nout = 0;
    }
    for (size_t i = 0; folded != NULL && i < ns; i++)
        free(folded[i]);
    free(folded);
    store_verifiers_free(vs, nv);
    store_shifts_free(sh, ns);
    store_assignments_free(as, na);
    return rc;
}

char *app_verifier_status_text(const struct app_verifier_status *s, int64_t now)
{
    char age[8];

    if (s->has_current) {
        timeutil_age(now - s->current.at[s->current.state], age);
        return xasprintf("%s %s", model_assign_state_label(s->current.state), age);
    }
    if (s->on_shift)
        return xstrdup(_("on shift, free"));
    if (!model_verifier_field(&s->v))
        return xstrdup(_("dispatcher"));
    return xstrdup(_("off shift"));
}

char *app_verifier_json(const struct app_verifier_status *s, int64_t now)
{
    json_t *j = json_object(), *arr;
    char ts[32], *roles = model_roles_format(s->v.roles);

    json_object_set_new(j, "id", json_string(s->v.id));
    json_object_set_new(j, "name", json_string(s->v.name ? s->v.name : ""));
    if (s->contact_locked)
        json_object_set_new(j, "contact_locked", json_true());
    else
        json_object_set_new(j, "contact", s->v.contact ? json_string(s->v.contact) : json_null());
    json_object_set_new(j, "channel", s->v.channel ? json_string(s->v.channel) : json_null());
    arr = json_array();
    if (s->v.languages) {
        char *c = xstrdup(s->v.languages), *save = NULL;
        for (char *t = strtok_r(c, ",", &save); t; t = strtok_r(NULL, ",", &save))
            json_array_append_new(arr, json_string(t));
        free(c);
    }
    json_object_set_new(j, "languages", arr);
    arr = json_array();
    if (s->v.areas) {
        char *c = xstrdup(s->v.areas), *save = NULL;
        for (char *t = strtok_r(c, ",", &save); t; t = strtok_r(NULL, ",", &save))
            json_array_append_new(arr, json_string(t));
        free(c);
    }
    json_object_set_new(j, "areas", arr);
    arr = json_array();
    for (int r = 0; r < MODEL_ROLE_COUNT; r++)
        if (s->v.roles & (1u << r))
            json_array_append_new(arr, json_string(model_role_name((enum model_role)r)));
    json_object_set_new(j, "roles", arr);
    free(roles);
    json_object_set_new(j, "notes", s->v.notes ? json_string(s->v.notes) : json_null());
    json_object_set_new(j, "on_shift", json_boolean(s->on_shift));
    json_object_set_new(j, "open_assignments", json_integer(s->open));
    if (s->has_current) {
        json_object_set_new(j, "assignment_id", json_string(s->current.id));
        json_object_set_new(j, "assignment_state",
                            json_string(model_assign_state_name(s->current.state)));
        json_object_set_new(j, "report_id", json_string(s->current.report_id));
        if (s->current.message_state != NULL)
            json_object_set_new(j, "message_state", json_string(s->current.message_state));
        json_object_set_new(j, "overdue",
                            json_string(s->overdue == MODEL_OVERDUE_ACK       ? "ack"
                                        : s->overdue == MODEL_OVERDUE_CHECKIN ? "checkin"
                                                                              : "none"));
    }
    if (s->last_word) {
        timeutil_rfc3339(s->last_word, ts);
        json_object_set_new(j, "last_word_at", json_string(ts));
    }
    (void)now;
    return app_roster_dump(j);
}

/* ---- ranking ----------------------------------------------------------------- */

void app_rank_fini(struct app_rank *r)
{
    app_roster_free(r->rows, r->n);
    for (size_t i = 0; i < r->n; i++)
        free(r->reasons[i]);
    FREE(&r->reasons);
    r->rows = NULL;
    r->n = 0;
}

int app_rank(struct app *a, const char *report_id, const char *language, int64_t now,
             struct app_rank *out, char **err)
{
    struct app_verifier_status *all = NULL;
    struct model_candidate *c;
    struct model_report r;
    size_t n = 0, k = 0;

    memset(out, 0, sizeof *out);
    if (store_report_get(a->store, report_id, &r, err) != STORE_OK)
        return -1;
    if (app_roster(a, now, &all, &n, err) != 0) {
        model_report_fini(&r);
        return -1;
    }
    c = xcalloc(n + 1, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        if (!model_verifier_field(&all[i].v))
            continue;
        c[k].v = &all[i].v;
        c[k].on_shift = all[i].on_shift;
        c[k].open = all[i].open;
        k++;
    }
    model_rank(c, k, r.area, r.category, language);
    out->rows = xcalloc(k + 1, sizeof *out->rows);
    out->reasons = xcalloc(k + 1, sizeof *out->reasons);
    for (size_t i = 0; i < k; i++) {
        /* c[i].v points into all[]: move that row to its rank. */
        struct app_verifier_status *src =
            (struct app_verifier_status *)((char *)c[i].v -
                                           offsetof(struct app_verifier_status, v));
        out->rows[i] = *src;
        memset(src, 0, sizeof *src);
        out->reasons[i] = c[i].reason;
        c[i].reason = NULL;
    }
    out->n = k;
    free(c);
    app_roster_free(all, n);
    model_report_fini(&r);
    return 0;
}

/* ---- assignments -------------------------------------------------------------- */

/*
 * Free text for a verifier: phone numbers, emails and case numbers masked,
 * and the caller's @contact (may be NULL) wherever it appears; when it
 * appears in another spelling (case, accents), the whole text is withheld.
 * Newly allocated.
 */
static char *app_mask_pii(const char *s, const char *contact)
{
    struct text_pii_hit *hits = NULL;
    const char *needles[1] = {contact};
    size_t n, pos = 0, cl = contact ? strlen(contact) : 0;
    bool caller = false;
    struct buf b;

    n = text_pii_scan(s, needles, cl >= 3 ? 1 : 0, &hits);
    for (size_t i = 0; i < n; i++)
        caller |= hits[i].kind == TEXT_PII_CALLER;
    buf_init(&b);
    buf_adds(&b, "");
    if (caller) {
        const char *p = s, *q;
        char *exact, *out;
        free(hits);
        if (strstr(s, contact) == NULL) {
            buf_fini(&b);
            return xstrdup("[…]");
        }
        while ((q = strstr(p, contact)) != NULL) {
            buf_add(&b, p, (size_t)(q - p));
            buf_adds(&b, "[…]");
            p = q + cl;
        }
        buf_adds(&b, p);
        exact = buf_steal(&b);
        out = app_mask_pii(exact, NULL);
        free(exact);
        return out;
    }
    for (size_t i = 0; i < n; i++) {
        if (hits[i].len == 0 || hits[i].offset < pos)
            continue;
        buf_add(&b, s + pos, hits[i].offset - pos);
        buf_adds(&b, "[…]");
        pos = hits[i].offset + hits[i].len;
    }
    buf_adds(&b, s + pos);
    free(hits);
    return buf_steal(&b);
}

char *app_assignment_message(struct app *a, const struct model_report *r, const char *verifier)
{
    struct buf b;
    char hh[8], *contact = NULL, *what, *place;
    const struct model_checklist *l = app_checklist(a, r->category);
    size_t shown = 0;

    /* The caller's contact is only a needle here: whatever matches it is masked. */
    if (app_report_contact(a, r->id, &contact, NULL) != 0)
        contact = NULL;
    what = app_mask_pii(r->what ? r->what : "", contact);
    place = app_mask_pii(r->location ? r->location : "", contact);
    buf_init(&b);
    timeutil_hhmm(r->observed_at ? r->observed_at : r->received_at, hh);
    /* TRANSLATORS: the first line of the message sent to a verifier. */
    buf_printf(&b, _("vigia: %s, please go and look. %s at %s"), verifier,
               model_category_label(r->category), place);
    if (r->area && *r->area)
        buf_printf(&b, " (%s)", r->area);
    buf_adds(&b, ".\n");
    buf_printf(&b, _("Reported %s: %s"), hh, what);
    if (r->agency && *r->agency)
        buf_printf(&b, _("; agency claimed: %s"), r->agency);
    if (r->vehicles && *r->vehicles)
        buf_printf(&b, _("; vehicles: %s"), r->vehicles);
    buf_adds(&b, "\n");
    if (l != NULL && l->n > 0) {
        buf_adds(&b, _("Look for:"));
        for (size_t i = 0; i < l->n && shown < 4; i++) {
            if (l->items[i].source)
                continue;
            buf_printf(&b, "%s %s", shown ? ";" : "", model_check_text(l->items[i].label));
            shown++;
        }
        buf_adds(&b, "\n");
    }
    buf_adds(&b, _("Reply OK when you get this. Observe from a safe distance, do not approach "
                   "agents, check in every few minutes."));
    free(what);
    free(place);
    free(contact);
    return buf_steal(&b);
}

/*
 * Where the message to @v goes: @msg's channel, contact (as stored: sealed
 * or not) and language; or, with channel NULL, why it cannot go in
 * msg->body (a message_state: no_contact, no_channel, no_gateway). A
 * practice run sends to the sandbox's sink whatever the channel, and a
 * scripted verifier without a contact gets a made-up one.
 */
int app_assign_route(struct app *a, const struct model_verifier *v, struct store_outbox_msg *msg,
                     bool *cs_loaded, struct config_send *cs)
{
    int ch = v->channel ? model_channel_parse(v->channel) : -1;
    char *why = NULL;

    /* No channel on record (older rows): what a plain contact implies. */
    if (ch < 0 && (v->channel == NULL || *v->channel == '\0') && v->contact != NULL &&
        *v->contact != '\0' && !store_vault_is_sealed(v->contact))
        ch = v->contact[0] == '@' ? MODEL_CHANNEL_SIGNAL : MODEL_CHANNEL_SMS;
    memset(msg, 0, sizeof *msg);
    msg->verifier_id = v->id;
    if (v->contact == NULL || *v->contact == '\0') {
        if (!a->practice) {
            msg->body = "no_contact";
            return 0;
        }
        msg->contact = "practice";
    } else {
        msg->contact = v->contact;
    }
    if (a->practice && (ch < 0 || ch == MODEL_CHANNEL_FILE))
        ch = MODEL_CHANNEL_SMS; /* the practice worker writes every channel to the sink */
    if (ch < 0 || ch == MODEL_CHANNEL_FILE) {
        msg->body = "no_channel";
        return 0;
    }
    /* A channel this device has no gateway for would wait for ever: say so now. */
    if (app_send_config(a, cs, &why) != 0) {
        logger_msg(LOGGER_WARN, "%s", why ? why : "?");
        free(why);
        msg->body = "no_gateway";
        return 0;
    }
    *cs_loaded = true;
    if (!cs->channels[ch].enabled) {
        msg->body = "no_gateway";
        return 0;
    }
    msg->channel = model_channel_name((enum model_channel)ch);
    return 0;
}

int app_assign(struct app *a, const char *report_id, const char *verifier_key,
               char id_out[ULID_LEN + 1], char **err)
{
    struct model_verifier v;
    struct model_report r;
    struct model_assignment as;
    struct model_assignment *open = NULL;
    struct store_outbox_msg msg;
    struct config_send cs;
    bool cs_loaded = false, queued = false;
    size_t nopen = 0;
    int64_t now = timeutil_now_ms();
    char *detail = NULL, *why = NULL, *lang = NULL;
    json_t *d;
    int rc = -1;

    model_assignment_init(&as);
    model_report_init(&r);
    model_verifier_init(&v);
    if (app_roster_need_actor(a, err) != 0)
        return -1;
    if (store_report_get(a->store, report_id, &r, err) != STORE_OK)
        goto out;
    if (app_verifier_find(a, verifier_key, &v, err) != 0)
        goto out;
    if (!model_verifier_field(&v)) {
        util_seterr(err, _("%s is not a field verifier (roles: dispatcher)"), v.name);
        goto out;
    }
    if (store_assignment_list(a->store, r.id, true, &open, &nopen, err) != STORE_OK)
        goto out;
    for (size_t i = 0; i < nopen; i++)
        if (strcmp(open[i].verifier_id, v.id) == 0) {
            util_seterr(err, _("%s is already assigned to this report (%s)"), v.name, open[i].id);
            goto out;
        }
    ulid_new(now, as.id);
    snprintf(as.report_id, sizeof as.report_id, "%s", r.id);
    snprintf(as.verifier_id, sizeof as.verifier_id, "%s", v.id);
    as.state = MODEL_ASSIGN_ASSIGNED;
    as.at[MODEL_ASSIGN_ASSIGNED] = now;
    as.last_word_at = 0;
    as.assigned_by = xstrdup(a->actor);
    as.message = app_assignment_message(a, &r, v.name);
    if (app_assign_route(a, &v, &msg, &cs_loaded, &cs) != 0)
        goto out;
    as.message_state = xstrdup(msg.channel != NULL ? "queued" : msg.body);
    msg.body = as.message;
    msg.assignment_id = as.id;
    if (v.languages != NULL && *v.languages != '\0') {
        lang = xasprintf("%.*s", (int)strcspn(v.languages, ","), v.languages);
        msg.language = lang;
    }
    d = json_object();
    json_object_set_new(d, "message_state", json_string(as.message_state));
    json_object_set_new(d, "assignment_id", json_string(as.id));
    json_object_set_new(d, "verifier_id", json_string(v.id));
    json_object_set_new(d, "verifier", json_string(v.name));
    json_object_set_new(d, "channel", v.channel ? json_string(v.channel) : json_null());
    detail = app_roster_dump(d);
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    if (store_assignment_put_tx(a->store, &as, err) != STORE_OK ||
        (msg.channel != NULL &&
         store_outbox_enqueue_tx(a->store, &msg, &queued, err) != STORE_OK) ||
        store_event(a->store, a->actor, "assignment.created", r.id, detail, err) != STORE_OK ||
        store_commit(a->store, err) != STORE_OK) {
        store_rollback(a->store);
        goto out;
    }
    /* A verifier on the way: the report is being verified. */
    if (r.status == MODEL_STATUS_NEW || r.status == MODEL_STATUS_TRIAGED) {
        char *note = xasprintf(_("verifier %s assigned"), v.name);
        if (app_status_set(a, r.id, MODEL_STATUS_VERIFYING, note, &why) != 0)
            logger_msg(LOGGER_WARN, _("report stays %s: %s"), model_status_label(r.status),
                       why ? why : "?");
        free(note);
        free(why);
    }
    if (id_out != NULL)
        snprintf(id_out, ULID_LEN + 1, "%s", as.id);
    rc = 0;
out:
    free(detail);
    free(lang);
    if (cs_loaded)
        config_send_fini(&cs);
    store_assignments_free(open, nopen);
    model_assignment_fini(&as);
    model_report_fini(&r);
    model_verifier_fini(&v);
    return rc;
}

int app_assignment_get(struct app *a, const char *id, struct model_assignment *out, char **err)
{
    struct model_assignment *rows = NULL;
    size_t n = 0, hits = 0, hit = 0, klen = strlen(id ? id : "");

    if (id != NULL && ulid_valid(id))
        return store_assignment_get(a->store, id, out, err) == STORE_OK ? 0 : -1;
    model_assignment_init(out);
    if (klen < 4) {
        util_seterr(err, _("no assignment with id %s"), id ? id : "");
        return -1;
    }
    if (store_assignment_list(a->store, NULL, false, &rows, &n, err) != STORE_OK)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strncasecmp(rows[i].id, id, klen) == 0) {
            hits++;
            hit = i;
        }
    if (hits == 1) {
        *out = rows[hit];
        memset(&rows[hit], 0, sizeof rows[hit]);
    } else if (hits > 1) {
        util_seterr(err, _("'%s' fits %zu assignments: give more of the id"), id, hits);
    } else {
        util_seterr(err, _("no assignment with id %s"), id);
    }
    store_assignments_free(rows, n);
    return hits == 1 ? 0 : -1;
}

int app_assignment_set(struct app *a, const char *id, enum model_assign_state to, const char *note,
                       char **err)
{
    struct model_assignment as;
    int64_t now = timeutil_now_ms();
    char *why = NULL, *clean = NULL;
    enum model_assign_state from;
    json_t *d;
    int rc = -1;

    if (app_roster_need_actor(a, err) != 0)
        return -1;
    if (note != NULL && *note != '\0') {
        if (text_check(note, MODEL_MAX_LONG, true, NULL) != TEXT_OK) {
            util_seterr(err, "note: %s",
                        text_problem_str(text_check(note, MODEL_MAX_LONG, true, NULL)));
            return -1;
        }
        clean = text_nfc(note);
    }
    if (app_assignment_get(a, id, &as, err) != 0) {
        free(clean);
        return -1;
    }
    from = as.state;
    if (!model_assign_allowed(from, to, &why)) {
        util_seterr(err, "%s", why);
        free(why);
        goto out;
    }
    as.state = to;
    as.at[to] = now;
    as.last_word_at = now;
    if (clean != NULL) {
        free(as.note);
        as.note = xstrdup(clean);
    }
    d = json_object();
    json_object_set_new(d, "assignment_id", json_string(as.id));
    json_object_set_new(d, "from", json_string(model_assign_state_name(from)));
    json_object_set_new(d, "to", json_string(model_assign_state_name(to)));
    if (clean)
        json_object_set_new(d, "note", json_string(clean));
    rc = app_assignment_save(a, &as, "assignment.state", d, err);
out:
    free(clean);
    model_assignment_fini(&as);
    return rc;
}

int app_assignment_checkin(struct app *a, const char *id, const char *note, char **err)
{
    struct model_assignment as;
    int64_t now = timeutil_now_ms();
    json_t *d;
    int rc = -1;

    if (app_roster_need_actor(a, err) != 0)
        return -1;
    if (note != NULL && text_check(note, MODEL_MAX_LONG, true, NULL) != TEXT_OK) {
        util_seterr(err, "note: %s",
                    text_problem_str(text_check(note, MODEL_MAX_LONG, true, NULL)));
        return -1;
    }
    if (app_assignment_get(a, id, &as, err) != 0)
        return -1;
    if (model_assign_state_final(as.state)) {
        util_seterr(err, _("the assignment is already %s"), model_assign_state_label(as.state));
        goto out;
    }
    as.last_word_at = now;
    d = json_object();
    json_object_set_new(d, "assignment_id", json_string(as.id));
    json_object_set_new(d, "state", json_string(model_assign_state_name(as.state)));
    if (note && *note)
        json_object_set_new(d, "note", json_string(note));
    rc = app_assignment_save(a, &as, "assignment.checkin", d, err);
out:
    model_assignment_fini(&as);
    return rc;
}

int app_assignment_observe(struct app *a, const char *id, const char *key, enum model_tri state,
                           const char *note, char **err)
{
    struct model_assignment as;
    struct model_verifier v;
    char *saved, *by;
    int rc;

    if (app_roster_need_actor(a, err) != 0)
        return -1;
    if (app_assignment_get(a, id, &as, err) != 0)
        return -1;
    if (store_verifier_get(a->store, as.verifier_id, &v, err) != STORE_OK) {
        model_assignment_fini(&as);
        return -1;
    }
    /* The answer is the verifier's, relayed by the dispatcher: "by" says so. */
    saved = a->actor;
    by = xasprintf("%s%s (%s)", APP_VERIFIER_BY, v.name, saved);
    a->actor = by;
    rc = app_check_set(a, as.report_id, key, state, note, err);
    a->actor = saved;
    free(by);
    if (rc == 0)
        rc = app_assignment_checkin(a, as.id, NULL, err);
    model_verifier_fini(&v);
    model_assignment_fini(&as);
    return rc;
}

int app_assignments(struct app *a, const char *report_id, bool open_only,
                    struct model_assignment **rows, size_t *n, char **err)
{
    return store_assignment_list(a->store, report_id, open_only, rows, n, err) == STORE_OK ? 0 : -1;
}

void app_assignments_free(struct model_assignment *rows, size_t n)
{
    store_assignments_free(rows, n);
}

char *app_assignment_message_status(struct app *a, const struct model_assignment *as, bool brief)
{
    const char *st = as->message_state ? as->message_state : "";
    struct store_outbox_row o;
    struct model_verifier v;
    bool here, got_v;
    const char *name, *ch;
    char *out;

    got_v = store_verifier_get(a->store, as->verifier_id, &v, NULL) == STORE_OK;
    here = store_outbox_of_assignment(a->store, as->id, &o, NULL) == STORE_OK;
    name = got_v && v.name ? v.name : as->verifier_id;
    ch = here && o.channel ? o.channel : got_v && v.channel ? v.channel : "?";
    if (strcmp(st, "queued") == 0) {
        if (!here)
            out =
                xstrdup(brief ? _("queued elsewhere") : _("queued on the device that assigned it"));
        else if (store_vault_is_sealed(o.contact) && !store_vault_unlocked(a->store))
            /* TRANSLATORS: the verifier's contact is sealed; %s is a channel (sms...). */
            out = brief ? xstrdup(_("queued, vault locked"))
                        : xasprintf(_("queued for %s: waits for the vault to be unlocked"), ch);
        else if (o.attempts > 0 && o.last_error != NULL)
            out = brief ? xstrdup(_("queued to retry"))
                        : xasprintf(_("queued for %s, to try again: %s"), ch, o.last_error);
        else
            out = brief ? xstrdup(_("queued")) : xasprintf(_("queued for %s"), ch);
    } else if (strcmp(st, "sending") == 0) {
        out = xasprintf(_("being sent by %s"), ch);
    } else if (strcmp(st, "sent") == 0) {
        out = xasprintf(_("sent by %s"), ch);
    } else if (strcmp(st, "failed") == 0) {
        out = brief ? xstrdup(_("not sent: failed"))
                    : xasprintf(_("not sent: %s; pass it on yourself"),
                                here && o.last_error ? o.last_error : _("the gateway refused it"));
    } else if (strcmp(st, "uncertain") == 0) {
        out = brief ? xstrdup(_("maybe sent: ask first"))
                    : xasprintf(_("maybe sent: %s; ask %s before sending it again"),
                                here && o.last_error ? o.last_error : "?", name);
    } else if (strcmp(st, "skipped") == 0) {
        out = xstrdup(brief ? _("not sent: closed first")
                            : _("not sent: the assignment was closed before it left"));
    } else if (strcmp(st, "no_contact") == 0) {
        out = brief ? xstrdup(_("not sent: no contact"))
                    : xasprintf(_("not sent: %s has no contact on the roster; pass it on "
                                  "yourself"),
                                name);
    } else if (strcmp(st, "no_channel") == 0) {
        out = brief ? xstrdup(_("not sent: unknown channel"))
                    : xasprintf(_("not sent: %s's channel '%s' is unknown; pass it on yourself"),
                                name, got_v && v.channel ? v.channel : "");
    } else if (strcmp(st, "no_gateway") == 0) {
        out = brief ? xasprintf(_("not sent: no %s gateway"), ch)
                    : xasprintf(_("not sent: no %s gateway is set up on this device (channels "
                                  "in config.yaml); pass it on yourself"),
                                ch);
    } else {
        out = xstrdup(st);
    }
    if (here)
        store_outbox_row_fini(&o);
    model_verifier_fini(&v);
    return out;
}

char *app_assignment_json(struct app *a, const struct model_assignment *as, int64_t now)
{
    json_t *j = json_object(), *times = json_object();
    struct model_verifier v;
    char ts[32];
    enum model_overdue o = model_assignment_overdue(as, &a->config.roster, now, NULL);

    json_object_set_new(j, "id", json_string(as->id));
    json_object_set_new(j, "report_id", json_string(as->report_id));
    json_object_set_new(j, "verifier_id", json_string(as->verifier_id));
    if (store_verifier_get(a->store, as->verifier_id, &v, NULL) == STORE_OK)
        json_object_set_new(j, "verifier", json_string(v.name ? v.name : ""));
    model_verifier_fini(&v);
    json_object_set_new(j, "state", json_string(model_assign_state_name(as->state)));
    for (int i = 0; i < MODEL_ASSIGN_COUNT; i++)
        if (as->at[i]) {
            char *k = xasprintf("%s_at", model_assign_state_name((enum model_assign_state)i));
            timeutil_rfc3339(as->at[i], ts);
            json_object_set_new(times, k, json_string(ts));
            free(k);
        }
    json_object_update(j, times);
    json_decref(times);
    if (as->last_word_at) {
        timeutil_rfc3339(as->last_word_at, ts);
        json_object_set_new(j, "last_word_at", json_string(ts));
    }
    json_object_set_new(j, "overdue",
                        json_string(o == MODEL_OVERDUE_ACK       ? "ack"
                                    : o == MODEL_OVERDUE_CHECKIN ? "checkin"
                                                                 : "none"));
    json_object_set_new(j, "note", as->note ? json_string(as->note) : json_null());
    json_object_set_new(j, "message", as->message ? json_string(as->message) : json_null());
    json_object_set_new(j, "message_state",
                        as->message_state ? json_string(as->message_state) : json_null());
    if (as->message_state != NULL) {
        char *ms = app_assignment_message_status(a, as, false);
        json_object_set_new(j, "message_status", json_string(ms));
        free(ms);
    }
    return app_roster_dump(j);
}

int64_t app_roster_next_deadline(struct app *a, int64_t now)
{
    struct model_assignment *rows = NULL;
    size_t n = 0;
    int64_t best = 0;

    if (store_assignment_list(a->store, NULL, true, &rows, &n, NULL) != STORE_OK)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int64_t dl = 0;
        model_assignment_overdue(&rows[i], &a->config.roster, now, &dl);
        if (dl > now && (best == 0 || dl < best))
            best = dl;
    }
    store_assignments_free(rows, n);
    return best;
}

/* ---- handoff brief -------------------------------------------------------------- */

static void app_md_line(struct buf *b, bool md, const char *fmt, ...) UTIL_PRINTF(3, 4);
static void app_md_line(struct buf *b, bool md, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    buf_printf(b, "%s%s\n", md ? "- " : "  ", s);
    free(s);
}

static void app_md_head(struct buf *b, bool md, const char *title)
{
    buf_printf(b, md ? "\n## %s\n\n" : "\n%s\n", title);
}

char *app_handoff(struct app *a, int64_t now, bool md, char **err)
{
    struct buf b;
    struct app_view view;
    struct model_report rows[50];
    size_t n = 0, total = 0;
    struct app_verifier_status *ro = NULL;
    size_t nro = 0;
    struct app_oncall oc;
    char hh[8], when[24];
    char(*bids)[ULID_LEN + 1] = NULL;
    size_t nb = 0;

    buf_init(&b);
    timeutil_local(now, when);
    if (md)
        buf_adds(&b, "# ");
    /* TRANSLATORS: title of the shift handoff brief; %s is the local date and time. */
    buf_printf(&b, _("Shift handoff, %s"), when);
    buf_adds(&b, "\n");
    if (a->actor)
        buf_printf(&b, md ? "\n%s\n" : "%s\n", a->actor);

    /* Open incidents, most urgent first. */
    app_view_init(&view);
    view.incidents = true;
    app_md_head(&b, md, _("Open incidents"));
    if (app_queue_page(a, &view, 0, UTIL_ARRAY_LEN(rows), rows, &n, err) != 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        char age[8];
        if (model_status_is_final(rows[i].status)) {
            model_report_fini(&rows[i]);
            continue;
        }
        timeutil_age(now - rows[i].received_at, age);
        app_md_line(&b, md, "%s [%s] %s — %s (%s, %s)", model_status_label(rows[i].status),
                    rows[i].id + ULID_LEN - 6, rows[i].area && *rows[i].area ? rows[i].area : "-",
                    rows[i].location, model_category_label(rows[i].category), age);
        total++;
        model_report_fini(&rows[i]);
    }
    if (total == 0)
        app_md_line(&b, md, "%s", _("none"));

    /* Pending verifications: reports being verified and who is on them. */
    app_md_head(&b, md, _("Pending verifications"));
    view.status = MODEL_STATUS_VERIFYING;
    total = 0;
    if (app_queue_page(a, &view, 0, UTIL_ARRAY_LEN(rows), rows, &n, err) != 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        char *verdict = NULL;
        app_report_verdict(a, rows[i].id, &verdict, NULL);
        app_md_line(&b, md, "[%s] %s: %s", rows[i].id + ULID_LEN - 6, rows[i].location,
                    verdict ? verdict : "");
        free(verdict);
        model_report_fini(&rows[i]);
        total++;
    }
    if (total == 0)
        app_md_line(&b, md, "%s", _("none"));

    /* Verifiers in the field. */
    app_md_head(&b, md, _("Verifiers in the field"));
    total = 0;
    if (app_roster(a, now, &ro, &nro, err) != 0)
        goto fail;
    for (size_t i = 0; i < nro; i++) {
        char age[8], *msg, *tail;
        if (!ro[i].has_current)
            continue;
        timeutil_age(now - (ro[i].last_word ? ro[i].last_word : ro[i].current.at[0]), age);
        /* Not acknowledged yet: whether their message went out matters to the next dispatcher. */
        msg = ro[i].current.state == MODEL_ASSIGN_ASSIGNED && ro[i].message_status != NULL
                  ? xasprintf(_(" (message: %s)"), ro[i].message_status)
                  : xstrdup("");
        tail = xasprintf("%s%s", msg,
                         ro[i].overdue == MODEL_OVERDUE_CHECKIN ? _(" — MISSED CHECK-IN, call them")
                         : ro[i].overdue == MODEL_OVERDUE_ACK   ? _(" — not acknowledged")
                                                                : "");
        app_md_line(&b, md, _("%s: %s at %s, last word %s ago%s"), ro[i].v.name,
                    model_assign_state_label(ro[i].current.state), ro[i].place ? ro[i].place : "?",
                    age, tail);
        free(msg);
        free(tail);
        total++;
    }
    if (total == 0)
        app_md_line(&b, md, "%s", _("none"));
    app_roster_free(ro, nro);

    /* Live broadcasts and when they expire. */
    app_md_head(&b, md, _("Live broadcasts"));
    if (store_broadcast_live_ids(a->store, now, &bids, &nb, err) != STORE_OK)
        goto fail;
    for (size_t i = 0; i < nb; i++) {
        struct store_broadcast br;
        if (store_broadcast_get(a->store, bids[i], &br, NULL) != STORE_OK)
            continue;
        if (br.expires_at)
            timeutil_hhmm(br.expires_at, hh);
        app_md_line(&b, md, _("[%s] %s, %s, expires %s"), br.id + ULID_LEN - 6,
                    br.kind ? br.kind : "public", br.status ? br.status : "?",
                    br.expires_at ? hh : _("never"));
        store_broadcast_fini(&br);
    }
    if (nb == 0)
        app_md_line(&b, md, "%s", _("none"));
    free(bids);

    /* Who is on duty. */
    app_md_head(&b, md, _("On duty"));
    if (app_oncall(a, now, &oc, err) != 0)
        goto fail;
    for (size_t i = 0; i < oc.n; i++) {
        char s[8], e[8];
        timeutil_hhmm(oc.items[i].start, s);
        timeutil_hhmm(oc.items[i].end, e);
        app_md_line(&b, md, "%s %s (%s) %s–%s", oc.items[i].now ? _("now") : _("next"),
                    oc.items[i].person, model_role_label(oc.items[i].role), s, e);
    }
    if (oc.n == 0)
        app_md_line(&b, md, "%s", _("no shifts"));
    if (oc.priority) {
        char s[8], e[8];
        model_hhmm(oc.window.start_min, s);
        model_hhmm(oc.window.end_min, e);
        buf_printf(&b, "\n");
        buf_printf(&b, _("Priority window now: %s–%s"), s, e);
        buf_adds(&b, "\n");
    }
    app_oncall_fini(&oc);
    return buf_steal(&b);
fail:
    buf_fini(&b);
    return NULL;
}
