/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The referral directory: add, import, search and refer.
 *
 * Search runs in two steps: words go to the store's full-text index (its
 * tokenizer folds case and strips accents, so "inmigración" and
 * "inmigracion" are one word), then need, language and area are filtered
 * here with the model's folded comparisons, and the rest is sorted by name
 * with ICU collation for the dispatcher's language (in Spanish "Ñ" comes
 * after "N", "ch" is not a letter of its own).
 *
 * A referral is an event on the report's timeline ("resource.referred");
 * the follow-up reminder is another event ("followup.drafted") with a due
 * time, so it syncs and is audited like everything else and needs no table.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/config.h"
#include "vigia/store.h"
#include "vigia/app.h"

#include "private.h"

/* ---- helpers ---------------------------------------------------------------- */

static char *app_resource_dump(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *copy;

    json_decref(o);
    if (s == NULL)
        util_fatal("out of memory (JSON)");
    copy = xstrdup(s);
    free(s);
    return copy;
}

/* Check and NFC-normalise one field in place; "" becomes NULL. */
static int app_resource_clean(char **field, const char *name, bool multiline, char **err)
{
    enum text_problem p;
    size_t off;
    char *nfc;

    if (*field == NULL)
        return 0;
    p = text_check(*field, MODEL_MAX_RESOURCE_TEXT * 2, multiline, &off);
    if (p != TEXT_OK) {
        util_seterr(err, _("%s: %s at byte %zu"), name, text_problem_str(p), off);
        return -1;
    }
    nfc = text_nfc(*field);
    free(*field);
    *field = nfc;
    if (strspn(*field, " \t\n") == strlen(*field))
        FREE(field);
    return 0;
}

/* Everything app_resource_add checks, without writing. */
static int app_resource_prepare(struct model_resource *r, int64_t now, char **err)
{
    if (app_resource_clean(&r->name, "name", false, err) != 0 ||
        app_resource_clean(&r->languages, "languages", false, err) != 0 ||
        app_resource_clean(&r->areas, "areas", true, err) != 0 ||
        app_resource_clean(&r->hours, "hours", false, err) != 0 ||
        app_resource_clean(&r->contact, "contact", false, err) != 0 ||
        app_resource_clean(&r->fees, "fees", false, err) != 0 ||
        app_resource_clean(&r->excluded_statuses, "excluded_statuses", true, err) != 0 ||
        app_resource_clean(&r->courts, "courts", true, err) != 0 ||
        app_resource_clean(&r->notes, "notes", true, err) != 0 ||
        app_resource_clean(&r->vetting, "vetting", true, err) != 0 ||
        app_resource_clean(&r->checked_by, "checked_by", false, err) != 0)
        return -1;
    return model_resource_validate(r, now, err) ? 0 : -1;
}

static char *app_resource_detail(const struct model_resource *r)
{
    json_t *d = json_object();

    json_object_set_new(d, "resource_id", json_string(r->id));
    json_object_set_new(d, "name", json_string(r->name ? r->name : ""));
    return app_resource_dump(d);
}

static int app_resource_need_actor(struct app *a, char **err)
{
    if (a->actor == NULL || *a->actor == '\0') {
        util_seterr(err, "%s", _("cannot record a change without a dispatcher name (--as NAME)"));
        return -1;
    }
    return 0;
}

/* ---- add, import, remove ------------------------------------------------------ */

int app_resource_add(struct app *a, struct model_resource *r, char **err)
{
    int64_t now = timeutil_now_ms();
    char *detail;

    if (app_resource_need_actor(a, err) != 0 || app_resource_prepare(r, now, err) != 0)
        return -1;
    {
        /* One entry per organisation: look-ups by name must stay unambiguous. */
        struct model_resource *rows = NULL;
        size_t n = 0;
        char *fname = text_fold(r->name);
        bool dup = false;
        if (store_resource_list(a->store, NULL, &rows, &n, err) != STORE_OK) {
            free(fname);
            return -1;
        }
        for (size_t i = 0; i < n && !dup; i++) {
            char *f = text_fold(rows[i].name ? rows[i].name : "");
            if (strcmp(f, fname) == 0 && strcmp(rows[i].id, r->id) != 0) {
                util_seterr(err,
                            _("'%s' is already in the directory (%s); import a file to "
                              "update it"),
                            rows[i].name, rows[i].id);
                dup = true;
            }
            free(f);
        }
        free(fname);
        store_resources_free(rows, n);
        if (dup)
            return -1;
    }
    if (r->id[0] == '\0')
        ulid_new(now, r->id);
    if (r->created_at == 0)
        r->created_at = now;
    r->updated_at = now;
    detail = app_resource_detail(r);
    if (store_begin(a->store, err) != STORE_OK) {
        free(detail);
        return -1;
    }
    if (store_resource_put_tx(a->store, r, err) != STORE_OK ||
        store_event(a->store, a->actor, "resource.added", NULL, detail, err) != STORE_OK ||
        store_commit(a->store, err) != STORE_OK) {
        store_rollback(a->store);
        free(detail);
        return -1;
    }
    free(detail);
    return 0;
}

/* Index of the existing entry with @id or the folded name @fname, or -1. */
static long app_resource_match(const struct model_resource *rows, char **fnames, size_t n,
                               const char *id, const char *fname)
{
    for (size_t i = 0; i < n; i++)
        if (*id != '\0' && strcmp(rows[i].id, id) == 0)
            return (long)i;
    for (size_t i = 0; i < n; i++)
        if (*id == '\0' && fname != NULL && strcmp(fnames[i], fname) == 0)
            return (long)i;
    return -1;
}

int app_resource_import(struct app *a, const char *file, size_t *added, size_t *updated,
                        bool *sample, char **err)
{
    int64_t now = timeutil_now_ms();
    struct config_resources rs;
    struct model_resource *old = NULL;
    char **oldf = NULL, **newf = NULL, *msg = NULL, *detail = NULL;
    size_t nold = 0, nadd = 0, nup = 0;
    int rc = -1;
    bool began = false;

    if (app_resource_need_actor(a, err) != 0)
        return -1;
    if (config_resources_load(file, now, &rs, err) != 0)
        return -1;
    if (store_resource_list(a->store, NULL, &old, &nold, err) != STORE_OK)
        goto out;
    oldf = xcalloc(nold + 1, sizeof *oldf);
    for (size_t i = 0; i < nold; i++)
        oldf[i] = text_fold(old[i].name ? old[i].name : "");
    newf = xcalloc(rs.n + 1, sizeof *newf);
    /* Check everything first: a refused entry leaves the directory as it was. */
    for (size_t i = 0; i < rs.n; i++) {
        struct model_resource *r = &rs.items[i].r;
        if (app_resource_prepare(r, now, &msg) != 0) {
            *err = config_resources_errf(&rs, i, "%s", msg);
            goto out;
        }
        newf[i] = text_fold(r->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(newf[j], newf[i]) == 0 ||
                (r->id[0] != '\0' && strcmp(rs.items[j].r.id, r->id) == 0)) {
                *err = config_resources_errf(&rs, i, _("'%s' is already on line %d"), r->name,
                                             rs.items[j].line);
                goto out;
            }
    }
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    began = true;
    for (size_t i = 0; i < rs.n; i++) {
        struct model_resource *r = &rs.items[i].r;
        long k = app_resource_match(old, oldf, nold, r->id, newf[i]);
        if (k >= 0) {
            snprintf(r->id, sizeof r->id, "%s", old[k].id);
            r->created_at = old[k].created_at ? old[k].created_at : now;
            nup++;
        } else {
            if (r->id[0] == '\0')
                ulid_new(now, r->id);
            r->created_at = now;
            nadd++;
        }
        r->updated_at = now;
        if (store_resource_put_tx(a->store, r, &msg) != STORE_OK) {
            *err = config_resources_errf(&rs, i, "%s", msg);
            goto out;
        }
    }
    {
        const char *base = strrchr(file, '/');
        json_t *d = json_object();
        json_object_set_new(d, "file", json_string(base ? base + 1 : file));
        json_object_set_new(d, "added", json_integer((json_int_t)nadd));
        json_object_set_new(d, "updated", json_integer((json_int_t)nup));
        json_object_set_new(d, "sample", json_boolean(rs.sample));
        detail = app_resource_dump(d);
    }
    if (store_event(a->store, a->actor, "resource.imported", NULL, detail, err) != STORE_OK ||
        store_commit(a->store, err) != STORE_OK)
        goto out;
    began = false;
    if (added != NULL)
        *added = nadd;
    if (updated != NULL)
        *updated = nup;
    if (sample != NULL)
        *sample = rs.sample;
    rc = 0;
out:
    if (began)
        store_rollback(a->store);
    for (size_t i = 0; oldf != NULL && i < nold; i++)
        free(oldf[i]);
    for (size_t i = 0; newf != NULL && i < rs.n; i++)
        free(newf[i]);
    free(oldf);
    free(newf);
    free(msg);
    free(detail);
    store_resources_free(old, nold);
    config_resources_fini(&rs);
    return rc;
}

int app_resource_get(struct app *a, const char *key, struct model_resource *out, char **err)
{
    struct model_resource *rows = NULL;
    size_t n = 0, klen;
    long found = -1;
    int matches = 0;
    char *fkey;

    model_resource_init(out);
    if (key == NULL || *key == '\0') {
        util_seterr(err, "%s", _("which resource? give its id or name"));
        return -1;
    }
    if (ulid_valid(key) && store_resource_get(a->store, key, out, NULL) == STORE_OK)
        return 0;
    if (store_resource_list(a->store, NULL, &rows, &n, err) != STORE_OK)
        return -1;
    klen = strlen(key);
    fkey = text_fold(key);
    for (size_t i = 0; i < n; i++) {
        char *fname = text_fold(rows[i].name ? rows[i].name : "");
        bool same = strcmp(fname, fkey) == 0;
        free(fname);
        if (same) {
            found = (long)i;
            matches = 1;
            break;
        }
        if (klen >= 4 && strncasecmp(rows[i].id, key, klen) == 0) {
            found = (long)i;
            matches++;
        }
    }
    if (matches == 0 && strlen(fkey) >= 3) {
        /* A unique beginning of a name: "united" for "United We Dream". */
        for (size_t i = 0; i < n; i++) {
            char *fname = text_fold(rows[i].name ? rows[i].name : "");
            if (strncmp(fname, fkey, strlen(fkey)) == 0) {
                found = (long)i;
                matches++;
            }
            free(fname);
        }
    }
    free(fkey);
    if (matches == 1) {
        model_resource_copy(out, &rows[found]);
        store_resources_free(rows, n);
        return 0;
    }
    store_resources_free(rows, n);
    if (matches > 1)
        util_seterr(err, _("'%s' fits several resources; give more of the id or name"), key);
    else
        util_seterr(err, _("no resource '%s' (try 'vigia resource search')"), key);
    return -1;
}

int app_resource_remove(struct app *a, const char *key, char **err)
{
    struct model_resource r;
    char *detail;
    int rc = -1;

    if (app_resource_need_actor(a, err) != 0)
        return -1;
    if (app_resource_get(a, key, &r, err) != 0)
        goto out;
    detail = app_resource_detail(&r);
    if (store_begin(a->store, err) == STORE_OK) {
        if (store_resource_delete_tx(a->store, r.id, err) == STORE_OK &&
            store_event(a->store, a->actor, "resource.removed", NULL, detail, err) == STORE_OK &&
            store_commit(a->store, err) == STORE_OK)
            rc = 0;
        else
            store_rollback(a->store);
    }
    free(detail);
out:
    model_resource_fini(&r);
    return rc;
}

int app_resource_remove_sample(struct app *a, size_t *n, char **err)
{
    struct model_resource *rows = NULL;
    size_t nrows = 0, count = 0;
    char *detail = NULL;
    int rc = -1;

    *n = 0;
    if (app_resource_need_actor(a, err) != 0)
        return -1;
    if (store_resource_list(a->store, NULL, &rows, &nrows, err) != STORE_OK)
        return -1;
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    for (size_t i = 0; i < nrows; i++) {
        if (!rows[i].sample)
            continue;
        if (store_resource_delete_tx(a->store, rows[i].id, err) != STORE_OK) {
            store_rollback(a->store);
            goto out;
        }
        count++;
    }
    {
        json_t *d = json_object();
        json_object_set_new(d, "sample", json_true());
        json_object_set_new(d, "count", json_integer((json_int_t)count));
        detail = app_resource_dump(d);
    }
    if ((count > 0 &&
         store_event(a->store, a->actor, "resource.removed", NULL, detail, err) != STORE_OK) ||
        store_commit(a->store, err) != STORE_OK) {
        store_rollback(a->store);
        goto out;
    }
    *n = count;
    rc = 0;
out:
    free(detail);
    store_resources_free(rows, nrows);
    return rc;
}

/* ---- search ---------------------------------------------------------------------- */

void app_resource_locale(const struct app *a, char out[32])
{
    const char *l = a != NULL ? a->config.language : NULL;
    size_t n;

    if (l == NULL || *l == '\0')
        l = getenv("LANGUAGE");
    if (l == NULL || *l == '\0')
        l = setlocale(LC_COLLATE, NULL);
    if (l == NULL || *l == '\0' || strcmp(l, "C") == 0 || strncmp(l, "C.", 2) == 0 ||
        strcmp(l, "POSIX") == 0)
        l = "en";
    /* "es_MX.UTF-8" -> "es_MX"; "es:en" -> "es". */
    n = strcspn(l, ".:@");
    if (n >= 32)
        n = 31;
    memcpy(out, l, n);
    out[n] = '\0';
}

static const char *app_resource_sort_locale;

static int app_resource_cmp(const void *x, const void *y)
{
    const struct model_resource *a = x, *b = y;
    int c = text_collate(a->name, b->name, app_resource_sort_locale);

    return c != 0 ? c : strcmp(a->id, b->id);
}

int app_resource_search(struct app *a, const struct app_resource_query *q,
                        struct model_resource **rows, size_t *n, char **err)
{
    struct model_resource *all = NULL;
    size_t nall = 0, kept = 0;
    int need = -1;
    char loc[32];

    *rows = NULL;
    *n = 0;
    if (q->need != NULL && *q->need != '\0' && (need = model_service_match(q->need)) < 0) {
        util_seterr(err, _("unknown need '%s' (one of: %s)"), q->need,
                    "immigration_attorney, criminal_attorney, border_support, legal_aid, "
                    "bail_financial, dv_housing_support, detention_locator");
        return -1;
    }
    if (q->text != NULL && text_check(q->text, MODEL_MAX_SHORT * 2, false, NULL) != TEXT_OK) {
        util_seterr(err, "%s", _("search: invalid text"));
        return -1;
    }
    if (store_resource_list(a->store, q->text, &all, &nall, err) != STORE_OK)
        return -1;
    for (size_t i = 0; i < nall; i++) {
        struct model_resource *r = &all[i];
        bool keep = (need < 0 || (r->services & (1u << need))) &&
                    model_resource_speaks(r, q->language) && model_resource_serves_area(r, q->area);
        if (keep) {
            if (kept != i)
                all[kept] = *r;
            kept++;
        } else {
            model_resource_fini(r);
        }
    }
    app_resource_locale(a, loc);
    app_resource_sort_locale = loc;
    if (kept > 1)
        qsort(all, kept, sizeof *all, app_resource_cmp);
    app_resource_sort_locale = NULL;
    if (kept == 0)
        FREE(&all);
    *rows = all;
    *n = kept;
    return 0;
}

void app_resources_free(struct model_resource *rows, size_t n)
{
    store_resources_free(rows, n);
}

bool app_resource_unchecked(const struct app *a, const struct model_resource *r, int64_t now,
                            int *age_days)
{
    return model_resource_unchecked(r, a->config.resource_check_days, now, age_days);
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *app_resource_json_list(const char *list)
{
    json_t *arr = json_array();
    const char *p = list;

    while (p != NULL && *p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        if (len > 0)
            json_array_append_new(arr, json_stringn(p, len));
        p = e ? e + 1 : NULL;
    }
    return arr;
}

static json_t *app_resource_json_tri(enum model_tri t)
{
    return t == MODEL_UNKNOWN ? json_null() : json_boolean(t == MODEL_YES);
}

static json_t *app_resource_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *app_resource_json_time(int64_t ms)
{
    char buf[32];

    if (ms == 0)
        return json_null();
    timeutil_rfc3339(ms, buf);
    return json_string(buf);
}

char *app_resource_json(const struct app *a, const struct model_resource *r, int64_t now)
{
    json_t *o = json_object(), *svc = json_array();
    int age = -1;
    bool unchecked = app_resource_unchecked(a, r, now, &age);

    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "name", app_resource_json_str(r->name));
    for (int i = 0; i < MODEL_SERVICE_COUNT; i++)
        if (r->services & (1u << i))
            json_array_append_new(svc, json_string(model_service_name((enum model_service)i)));
    json_object_set_new(o, "services", svc);
    json_object_set_new(o, "languages", app_resource_json_list(r->languages));
    json_object_set_new(o, "areas", app_resource_json_list(r->areas));
    json_object_set_new(o, "hours", app_resource_json_str(r->hours));
    json_object_set_new(o, "contact", app_resource_json_str(r->contact));
    json_object_set_new(o, "detained", app_resource_json_tri(r->detained));
    json_object_set_new(o, "non_detained", app_resource_json_tri(r->non_detained));
    json_object_set_new(o, "criminal", app_resource_json_tri(r->criminal));
    json_object_set_new(o, "non_criminal", app_resource_json_tri(r->non_criminal));
    json_object_set_new(o, "fees", app_resource_json_str(r->fees));
    json_object_set_new(o, "payment_plans", app_resource_json_tri(r->payment_plans));
    json_object_set_new(o, "excluded_statuses", app_resource_json_list(r->excluded_statuses));
    json_object_set_new(o, "courts", app_resource_json_list(r->courts));
    json_object_set_new(o, "notes", app_resource_json_str(r->notes));
    json_object_set_new(o, "vetting", app_resource_json_str(r->vetting));
    json_object_set_new(o, "checked_at", app_resource_json_time(r->checked_at));
    json_object_set_new(o, "checked_by", app_resource_json_str(r->checked_by));
    json_object_set_new(o, "unchecked", json_boolean(unchecked));
    json_object_set_new(o, "checked_days_ago", age >= 0 ? json_integer(age) : json_null());
    json_object_set_new(o, "sample", json_boolean(r->sample));
    json_object_set_new(o, "created_at", app_resource_json_time(r->created_at));
    json_object_set_new(o, "updated_at", app_resource_json_time(r->updated_at));
    return app_resource_dump(o);
}

/* ---- referrals ---------------------------------------------------------------------- */

int app_refer(struct app *a, const char *report_id, const char *resource, const char *note,
              int64_t remind_ms, char **err)
{
    struct model_report rep;
    struct model_resource r;
    char *clean = NULL, *detail = NULL, *fdetail = NULL;
    int64_t now = timeutil_now_ms();
    int rc = -1;

    model_report_init(&rep);
    model_resource_init(&r);
    if (app_resource_need_actor(a, err) != 0)
        goto out;
    if (report_id == NULL || store_report_get(a->store, report_id, &rep, err) != STORE_OK)
        goto out;
    if (app_resource_get(a, resource, &r, err) != 0)
        goto out;
    if (note != NULL && strspn(note, " \t\n") != strlen(note)) {
        enum text_problem p = text_check(note, MODEL_MAX_LONG, true, NULL);
        if (p != TEXT_OK) {
            util_seterr(err, _("note: %s"), text_problem_str(p));
            goto out;
        }
        clean = text_nfc(note);
    }
    if (remind_ms < 0 || remind_ms > 90 * 86400 * 1000LL) {
        util_seterr(err, "%s", _("remind: between a minute and 90 days"));
        goto out;
    }
    {
        json_t *d = json_object();
        json_object_set_new(d, "resource_id", json_string(r.id));
        json_object_set_new(d, "name", json_string(r.name));
        json_object_set_new(d, "contact", app_resource_json_str(r.contact));
        if (r.sample)
            json_object_set_new(d, "sample", json_true());
        if (clean != NULL)
            json_object_set_new(d, "note", json_string(clean));
        detail = app_resource_dump(d);
    }
    if (remind_ms > 0) {
        json_t *d = json_object();
        char due[32];
        timeutil_rfc3339(now + remind_ms, due);
        json_object_set_new(d, "due_at", json_string(due));
        json_object_set_new(d, "resource_id", json_string(r.id));
        json_object_set_new(d, "name", json_string(r.name));
        /* No text: the timeline words it in the reader's language (app_resource_event_text). */
        fdetail = app_resource_dump(d);
    }
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    if (store_event(a->store, a->actor, "resource.referred", rep.id, detail, err) != STORE_OK ||
        (fdetail != NULL &&
         store_event(a->store, a->actor, "followup.drafted", rep.id, fdetail, err) != STORE_OK) ||
        store_commit(a->store, err) != STORE_OK) {
        store_rollback(a->store);
        goto out;
    }
    rc = 0;
out:
    free(clean);
    free(detail);
    free(fdetail);
    model_report_fini(&rep);
    model_resource_fini(&r);
    return rc;
}

/* True when @id is one of the "followup.done" events' followup_id. */
static bool app_followup_is_done(const struct model_event *done, size_t ndone, const char *id)
{
    for (size_t i = 0; i < ndone; i++) {
        json_t *d = done[i].detail ? json_loads(done[i].detail, 0, NULL) : NULL;
        const char *f = d ? json_string_value(json_object_get(d, "followup_id")) : NULL;
        bool same = f != NULL && strcmp(f, id) == 0;
        json_decref(d);
        if (same)
            return true;
    }
    return false;
}

int app_followups_due(struct app *a, int64_t now, struct model_event **rows, size_t *n, char **err)
{
    struct app_event_filter f = {
        .kind = "followup.drafted",
        .since = now - 90 * 86400 * 1000LL,
        .oldest_first = true,
    };
    struct app_event_filter fd = {
        .kind = "followup.done",
        .since = now - 90 * 86400 * 1000LL,
    };
    struct model_event *done = NULL;
    size_t ndone = 0, kept = 0;

    if (app_events(a, &f, rows, n, err) != 0)
        return -1;
    if (app_events(a, &fd, &done, &ndone, err) != 0) {
        app_events_free(*rows, *n);
        *rows = NULL;
        *n = 0;
        return -1;
    }
    for (size_t i = 0; i < *n; i++) {
        struct model_event *e = &(*rows)[i];
        json_t *d = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
        const char *due = d ? json_string_value(json_object_get(d, "due_at")) : NULL;
        int64_t at;
        bool keep = due != NULL && timeutil_parse(due, now, &at) == 0 && at <= now &&
                    at > now - 7 * 86400 * 1000LL && !app_followup_is_done(done, ndone, e->id);
        json_decref(d);
        if (keep) {
            if (kept != i)
                (*rows)[kept] = *e;
            kept++;
        } else {
            model_event_fini(e);
        }
    }
    app_events_free(done, ndone);
    *n = kept;
    if (kept == 0)
        FREE(rows);
    return 0;
}

int app_followup_done(struct app *a, const char *followup_id, const char *note, char **err)
{
    struct app_event_filter f = {.kind = "followup.drafted", .limit = 100000};
    struct model_event *ev = NULL;
    const struct model_event *hit = NULL;
    char *clean = NULL, *detail = NULL;
    size_t n = 0;
    int rc = -1;

    if (app_resource_need_actor(a, err) != 0)
        return -1;
    if (followup_id == NULL || app_events(a, &f, &ev, &n, err) != 0)
        goto out;
    for (size_t i = 0; i < n && hit == NULL; i++)
        if (strcmp(ev[i].id, followup_id) == 0)
            hit = &ev[i];
    if (hit == NULL) {
        util_seterr(err, _("no follow-up reminder with id %s"), followup_id);
        goto out;
    }
    if (note != NULL && strspn(note, " \t\n") != strlen(note)) {
        enum text_problem p = text_check(note, MODEL_MAX_LONG, true, NULL);
        if (p != TEXT_OK) {
            util_seterr(err, _("note: %s"), text_problem_str(p));
            goto out;
        }
        clean = text_nfc(note);
    }
    {
        json_t *src = hit->detail ? json_loads(hit->detail, 0, NULL) : NULL;
        json_t *d = json_object();
        json_object_set_new(d, "followup_id", json_string(hit->id));
        json_object_set_new(
            d, "resource_id",
            app_resource_json_str(json_string_value(json_object_get(src, "resource_id"))));
        json_object_set_new(d, "name",
                            app_resource_json_str(json_string_value(json_object_get(src, "name"))));
        if (clean != NULL)
            json_object_set_new(d, "note", json_string(clean));
        json_decref(src);
        detail = app_resource_dump(d);
    }
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    if (store_event(a->store, a->actor, "followup.done", hit->report_id, detail, err) != STORE_OK ||
        store_commit(a->store, err) != STORE_OK) {
        store_rollback(a->store);
        goto out;
    }
    rc = 0;
out:
    free(clean);
    free(detail);
    app_events_free(ev, n);
    return rc;
}

int64_t app_followup_due_at(const struct model_event *e)
{
    json_t *d = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
    const char *due = d ? json_string_value(json_object_get(d, "due_at")) : NULL;
    int64_t at = 0;

    if (due == NULL || timeutil_parse(due, 0, &at) != 0)
        at = 0;
    json_decref(d);
    return at;
}

char *app_resource_event_text(const struct model_event *e)
{
    json_t *d;
    const char *name, *note;
    char *out = NULL;

    if (e->kind == NULL ||
        (strcmp(e->kind, "resource.referred") != 0 && strcmp(e->kind, "followup.drafted") != 0 &&
         strcmp(e->kind, "followup.done") != 0))
        return NULL;
    d = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
    name = d ? json_string_value(json_object_get(d, "name")) : NULL;
    note = d ? json_string_value(json_object_get(d, "note")) : NULL;
    if (name == NULL)
        name = "?";
    if (strcmp(e->kind, "followup.done") == 0) {
        /* TRANSLATORS: on a report's timeline: the follow-up of a referral was made. */
        if (note != NULL)
            out = xasprintf(_("followed up on %s: %s"), name, note);
        else
            out = xasprintf(_("followed up on %s"), name);
    } else if (strcmp(e->kind, "resource.referred") == 0) {
        /* TRANSLATORS: on a report's timeline: the caller was given this organisation. */
        if (note != NULL)
            out = xasprintf(_("referred to %s: %s"), name, note);
        else
            out = xasprintf(_("referred to %s"), name);
    } else {
        const char *due = d ? json_string_value(json_object_get(d, "due_at")) : NULL;
        int64_t at = 0;
        char when[24] = "?";
        if (due != NULL && timeutil_parse(due, 0, &at) == 0)
            timeutil_local(at, when);
        /* TRANSLATORS: a reminder on a report's timeline: "follow up at 2026-11-22 12:00: X". */
        out = xasprintf(_("follow up at %s: did the caller reach %s?"), when, name);
    }
    json_decref(d);
    return out;
}
