/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Use cases for reports: open the workspace (config + database), take a call,
 * read the queue, import and export JSON, build the demo. Input checking that
 * needs Unicode (text) and domain rules (model) meet here before the store
 * is asked to write anything, so a refused report leaves the database as it
 * was.
 */
#include "config.h"

#include "vigia/app.h"

#include <errno.h>
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

#include "private.h"

char *app_data_file(const char *name)
{
    const char *env = getenv("VIGIA_DATADIR");
    char *p;

    if (env != NULL && *env != '\0')
        return xasprintf("%s/%s", env, name);
    p = xasprintf("%s/%s", SOURCE_DATADIR, name);
    if (access(p, R_OK) == 0)
        return p;
    free(p);
    return xasprintf("%s/%s", DATADIR, name);
}

static char *app_default_db(char **err)
{
    const char *env = getenv("VIGIA_DB");
    char *dir;
    int rc;

    if (env != NULL && *env != '\0')
        return xstrdup(env);
    dir = util_data_dir();
    rc = util_mkdirs(dir);
    if (rc != 0) {
        util_seterr(err, _("cannot create folder %s: %s"), dir, strerror(-rc));
        free(dir);
        return NULL;
    }
    char *p = xasprintf("%s/vigia.db", dir);
    free(dir);
    return p;
}

int app_open(const struct app_options *o, struct app **out, char **err)
{
    struct app *a = xcalloc(1, sizeof *a);
    char *db = NULL;
    int rc = -1;

    *out = NULL;
    config_init(&a->config);
    if (config_load(o->config_path, &a->config, err) != 0)
        goto fail;
    a->config_path = o->config_path ? xstrdup(o->config_path) : config_default_path();
    db = o->db_path ? xstrdup(o->db_path) : app_default_db(err);
    if (db == NULL)
        goto fail;
    if (store_open(db, STORE_CREATE | (o->small_cache ? STORE_SMALL_CACHE : 0), &a->store, err) !=
        STORE_OK)
        goto fail;
    store_changed(a->store); /* remember the current data version */
    {
        /* A practice sandbox opened on its own (--db SANDBOX) still sends only to its sink. */
        char *sandbox = NULL;
        store_sync_get(a->store, APP_PRACTICE_SANDBOX_KEY, &sandbox, NULL);
        if (sandbox != NULL) {
            a->practice = true;
            a->practice_sink = xasprintf("%s.sink.jsonl", db);
        }
        free(sandbox);
    }
    if (app_unlock_auto(a, err) != 0) /* keyring or VIGIA_PASSPHRASE_FILE */
        goto fail;
    if (o->actor != NULL) {
        if (app_set_actor(a, o->actor, false, err) != 0)
            goto fail;
    } else if (a->config.dispatcher != NULL) {
        a->actor = xstrdup(a->config.dispatcher);
    }
    app_vault_opened(a, false); /* unlocked at start: tag subscribers, apply kept STOPs */
    *out = a;
    rc = 0;
    goto out;
fail:
    app_free(&a);
out:
    free(db);
    return rc;
}

void app_free(struct app **ap)
{
    struct app *a = *ap;

    if (a == NULL)
        return;
    app_verify_free(a);
    store_free(&a->store);
    config_fini(&a->config);
    free(a->config_path);
    free(a->actor);
    free(a->practice_sink);
    free(a);
    *ap = NULL;
}

const char *app_db_path(const struct app *a)
{
    return store_path(a->store);
}

const struct config *app_config(const struct app *a)
{
    return &a->config;
}

const char *app_actor(const struct app *a)
{
    return a->actor;
}

int app_set_actor(struct app *a, const char *name, bool remember, char **err)
{
    enum text_problem p;
    char *nfc;

    if (name == NULL || *name == '\0' || text_width(name) == 0) {
        util_seterr(err, "%s", _("the dispatcher name is empty"));
        return -1;
    }
    if ((p = text_check(name, 64, false, NULL)) != TEXT_OK) {
        util_seterr(err, _("dispatcher name: %s"), text_problem_str(p));
        return -1;
    }
    nfc = text_nfc(name);
    if (remember && config_save_dispatcher(a->config_path, nfc, err) != 0) {
        free(nfc);
        return -1;
    }
    free(a->actor);
    a->actor = nfc;
    return 0;
}

/* Check and NFC-normalise one text field in place. */
static int app_clean_text(char **field, enum model_field f, bool multiline, char **err)
{
    enum text_problem p;
    size_t off;
    char *nfc;

    if (*field == NULL)
        return 0;
    p = text_check(*field, multiline ? MODEL_MAX_LONG * 2 : MODEL_MAX_SHORT * 2, multiline, &off);
    if (p != TEXT_OK) {
        util_seterr(err, _("%s: %s at byte %zu"), model_field_name(f), text_problem_str(p), off);
        return -1;
    }
    nfc = text_nfc(*field);
    free(*field);
    *field = nfc;
    /* Trim surrounding blanks; an all-blank optional field is no field. */
    char *s = *field, *e;
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
        e--;
    memmove(*field, s, (size_t)(e - s));
    (*field)[e - s] = '\0';
    if (**field == '\0')
        FREE(field);
    return 0;
}

/* Everything app_report_create checks, without writing. */
static int app_report_prepare(struct app *a, struct model_report *r, const char *contact,
                              char **norm_contact, char **err)
{
    int64_t now = timeutil_now_ms();
    enum model_field f;
    char *msg = NULL;

    *norm_contact = NULL;
    if (app_clean_text(&r->location, MODEL_F_LOCATION, false, err) != 0 ||
        app_clean_text(&r->area, MODEL_F_AREA, false, err) != 0 ||
        app_clean_text(&r->what, MODEL_F_WHAT, true, err) != 0 ||
        app_clean_text(&r->agency, MODEL_F_AGENCY, false, err) != 0 ||
        app_clean_text(&r->vehicles, MODEL_F_VEHICLES, false, err) != 0)
        return -1;
    if (r->received_at == 0)
        r->received_at = now;
    if (!model_report_validate(r, now, &f, &msg)) {
        util_seterr(err, "%s", msg);
        free(msg);
        return -1;
    }
    if (contact != NULL && *contact != '\0') {
        if (text_check(contact, MODEL_MAX_SHORT, false, NULL) != TEXT_OK) {
            util_seterr(err, _("contact: %s"),
                        text_problem_str(text_check(contact, MODEL_MAX_SHORT, false, NULL)));
            return -1;
        }
        *norm_contact = model_contact_normalise(contact, &msg);
        if (*norm_contact == NULL) {
            util_seterr(err, _("contact: %s"), msg);
            free(msg);
            return -1;
        }
    }
    r->priority = model_priority(r, now);
    r->expires_at = model_report_expiry(r, &a->config.policy);
    return 0;
}

int app_report_create(struct app *a, struct model_report *r, const char *contact, char **err)
{
    char *norm = NULL;
    int rc;

    if (app_report_prepare(a, r, contact, &norm, err) != 0)
        return -1;
    rc = store_report_insert(a->store, r, norm, a->actor, err);
    free(norm);
    return rc == STORE_OK ? 0 : -1;
}

int app_report_get(struct app *a, const char *id, struct model_report *out, char **err)
{
    return store_report_get(a->store, id, out, err) == STORE_OK ? 0 : -1;
}

int app_report_contact(struct app *a, const char *id, char **out, char **err)
{
    int rc = store_report_contact(a->store, id, out, err);

    /* Not failures: the field shows as locked (sealed here and locked, or sealed on a
     * device whose vault key this one has not adopted). */
    if (rc == STORE_ERR_LOCKED || rc == STORE_ERR_KEY) {
        if (err != NULL)
            FREE(err);
        return APP_LOCKED;
    }
    return rc == STORE_OK ? 0 : -1;
}

void app_view_init(struct app_view *v)
{
    v->status = -1;
    v->include_expired = false;
    v->search = NULL;
    v->incidents = false;
}

static void app_filter(const struct app_view *v, struct store_filter *f)
{
    store_filter_init(f);
    f->status = v->status;
    f->search = v->search;
    /* A search shows every matching report: the match may be any caller's words. */
    f->one_per_incident = v->incidents && (v->search == NULL || *v->search == '\0');
    /* A search looks at everything, expired reports included: that is rumor control. */
    f->live_after = v->include_expired || (v->search && *v->search) ? 0 : timeutil_now_ms();
}

int app_queue_count(struct app *a, const struct app_view *v, size_t *n, char **err)
{
    struct store_filter f;

    app_filter(v, &f);
    return store_report_count(a->store, &f, n, err) == STORE_OK ? 0 : -1;
}

int app_queue_page(struct app *a, const struct app_view *v, size_t offset, size_t limit,
                   struct model_report *rows, size_t *n, char **err)
{
    struct store_filter f;

    app_filter(v, &f);
    return store_report_page(a->store, &f, offset, limit, rows, n, err) == STORE_OK ? 0 : -1;
}

int app_queue_position(struct app *a, const struct app_view *v, const char *id, size_t *pos)
{
    struct store_filter f;

    if (v->search != NULL && *v->search != '\0')
        return -1;
    app_filter(v, &f);
    return store_report_position(a->store, &f, id, pos, NULL) == STORE_OK ? 0 : -1;
}

int app_status_counts(struct app *a, bool include_expired, size_t counts[MODEL_STATUS_COUNT],
                      char **err)
{
    return store_report_status_counts(a->store, include_expired ? 0 : timeutil_now_ms(), counts,
                                      err) == STORE_OK
               ? 0
               : -1;
}

bool app_report_is_stale(const struct app *a, const struct model_report *r, int64_t now)
{
    return model_report_is_stale(r, &a->config.policy, now);
}

int app_watch_fd(struct app *a)
{
    return store_watch_fd(a->store);
}

bool app_changed(struct app *a)
{
    return store_changed(a->store);
}

/* ---- JSON ------------------------------------------------------------------ */

static json_t *app_json_time(int64_t ms)
{
    char buf[32];

    if (ms == 0)
        return json_null();
    timeutil_rfc3339(ms, buf);
    return json_string(buf);
}

static json_t *app_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

char *app_report_json(const struct model_report *r, const char *contact)
{
    json_t *o = json_object();
    char *s;

    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "received_at", app_json_time(r->received_at));
    json_object_set_new(o, "observed_at", app_json_time(r->observed_at));
    json_object_set_new(o, "updated_at", app_json_time(r->updated_at));
    json_object_set_new(o, "expires_at", app_json_time(r->expires_at));
    json_object_set_new(o, "source", json_string(model_source_name(r->source)));
    json_object_set_new(o, "category", json_string(model_category_name(r->category)));
    json_object_set_new(o, "status", json_string(model_status_name(r->status)));
    json_object_set_new(o, "priority", json_integer(r->priority));
    json_object_set_new(o, "location", app_json_str(r->location));
    json_object_set_new(o, "area", app_json_str(r->area));
    json_object_set_new(o, "what", app_json_str(r->what));
    json_object_set_new(o, "agency", app_json_str(r->agency));
    json_object_set_new(o, "agents", r->agents >= 0 ? json_integer(r->agents) : json_null());
    json_object_set_new(o, "vehicles", app_json_str(r->vehicles));
    json_object_set_new(o, "first_hand",
                        r->first_hand == MODEL_UNKNOWN ? json_null()
                                                       : json_boolean(r->first_hand == MODEL_YES));
    json_object_set_new(o, "lat", r->has_pos ? json_real(r->lat) : json_null());
    json_object_set_new(o, "lon", r->has_pos ? json_real(r->lon) : json_null());
    json_object_set_new(o, "created_by", app_json_str(r->created_by));
    if (contact != NULL)
        json_object_set_new(o, "contact", json_string(contact));
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII * 0);
    json_decref(o);
    if (s == NULL)
        util_fatal("out of memory (JSON)");
    char *copy = xstrdup(s);
    free(s);
    return copy;
}

/* Keys `report list --json` prints that import ignores (computed here). */
static bool app_json_ignored(const char *key)
{
    static const char *const keys[] = {"updated_at", "expires_at", "priority", "created_by"};

    for (size_t i = 0; i < UTIL_ARRAY_LEN(keys); i++)
        if (strcmp(keys[i], key) == 0)
            return true;
    return false;
}

/*
 * One field of an imported line: @value is the text the report reads (a
 * number or boolean already as text), NULL for null; *contact borrows it.
 */
static int app_report_field(struct model_report *r, const char **contact, const char *key,
                            enum app_import_kind kind, const char *value, int64_t now, char **err)
{
    int set;

    if (strcmp(key, "contact") == 0) {
        if (kind == APP_IMPORT_SCALAR) {
            util_seterr(err, "%s", _("contact must be a string"));
            return -1;
        }
        *contact = value;
        return 0;
    }
    if (kind == APP_IMPORT_NULL)
        return 0;
    set = model_report_set(r, key, value, now, err);
    if (set == MODEL_SET_UNKNOWN) {
        util_seterr(err, _("unknown field '%s'"), key);
        return -1;
    }
    return set == MODEL_SET_OK ? 0 : -1;
}

/* Fill @r from the fields app_import_scan() read; *contact is borrowed from them. */
static int app_report_from_fields(const struct app_import_field *f, size_t n,
                                  struct model_report *r, const char **contact, int64_t now,
                                  char **err)
{
    *contact = NULL;
    for (size_t i = 0; i < n; i++)
        if (!app_json_ignored(f[i].key) &&
            app_report_field(r, contact, f[i].key, f[i].kind, f[i].value, now, err) != 0)
            return -1;
    return 0;
}

/* Fill @r from one JSON object; *contact is borrowed from @o. */
static int app_report_from_json(json_t *o, struct model_report *r, const char **contact,
                                int64_t now, char **err)
{
    const char *key;
    json_t *v;

    *contact = NULL;
    json_object_foreach(o, key, v)
    {
        enum app_import_kind kind = APP_IMPORT_SCALAR;
        const char *value = NULL;
        char *text = NULL;
        int rc;
        if (app_json_ignored(key))
            continue;
        if (json_is_string(v)) {
            kind = APP_IMPORT_STRING;
            value = json_string_value(v);
            /* jansson accepts NUL in strings: refuse them like any control character. */
            if (strcmp(key, "contact") != 0 && strlen(value) != json_string_length(v)) {
                util_seterr(err, _("%s: %s"), key, text_problem_str(TEXT_CONTROL));
                return -1;
            }
        } else if (json_is_integer(v)) {
            value = text = xasprintf("%lld", (long long)json_integer_value(v));
        } else if (json_is_real(v)) {
            value = text = xasprintf("%.7f", json_real_value(v));
        } else if (json_is_boolean(v)) {
            value = json_is_true(v) ? "yes" : "no";
        } else if (json_is_null(v)) {
            kind = APP_IMPORT_NULL;
        } else if (strcmp(key, "contact") == 0) {
            util_seterr(err, "%s", _("contact must be a string"));
            return -1;
        } else {
            util_seterr(err, _("%s must be a string or number"), key);
            return -1;
        }
        rc = app_report_field(r, contact, key, kind, value, now, err);
        free(text);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int app_report_import(struct app *a, const char *file, size_t *count, char **err)
{
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    char *line = NULL, *msg = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    int64_t now = timeutil_now_ms();
    int rc = -1;

    *count = 0;
    if (f == NULL) {
        util_seterr(err, _("cannot open %s: %s"), file, strerror(errno));
        return -1;
    }
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    while ((len = getline(&line, &cap, f)) >= 0) {
        struct app_import_field fields[APP_IMPORT_MAX_FIELDS];
        struct model_report r;
        const char *contact;
        char *norm = NULL;
        json_error_t jerr;
        json_t *o = NULL;
        size_t nfields;
        int parsed;

        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (strspn(line, " \t") == (size_t)len)
            continue;
        /* Plain lines are read in place (app-import.c); anything else by jansson. */
        if (app_import_scan(line, (size_t)len, fields, APP_IMPORT_MAX_FIELDS, &nfields) != 0) {
            o = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
            if (o == NULL || !json_is_object(o)) {
                util_seterr(err, _("%s:%zu: not a JSON object: %s"), file, lineno,
                            o ? _("expected {...}") : jerr.text);
                json_decref(o);
                goto rollback;
            }
        }
        model_report_init(&r);
        parsed = o != NULL ? app_report_from_json(o, &r, &contact, now, &msg)
                           : app_report_from_fields(fields, nfields, &r, &contact, now, &msg);
        if (parsed != 0 || app_report_prepare(a, &r, contact, &norm, &msg) != 0 ||
            store_report_insert_tx(a->store, &r, norm, a->actor, &msg) != STORE_OK) {
            util_seterr(err, "%s:%zu: %s", file, lineno, msg ? msg : "?");
            FREE(&msg);
            free(norm);
            model_report_fini(&r);
            json_decref(o);
            goto rollback;
        }
        free(norm);
        model_report_fini(&r);
        json_decref(o);
        (*count)++;
    }
    if (ferror(f)) {
        util_seterr(err, _("cannot read %s: %s"), file, strerror(errno));
        goto rollback;
    }
    if (store_commit(a->store, err) != STORE_OK) {
        *count = 0;
        goto out;
    }
    rc = 0;
    goto out;
rollback:
    store_rollback(a->store);
    *count = 0;
out:
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* ---- demo ------------------------------------------------------------------- */

struct app_demo {
    struct app *app;
};

static int app_demo_add(struct model_report *r, const char *contact, void *data, char **err)
{
    struct app_demo *d = data;
    char *norm = NULL;
    int rc;

    if (app_report_prepare(d->app, r, contact, &norm, err) != 0)
        return -1;
    r->updated_at = r->received_at;
    rc = store_report_insert_tx(d->app->store, r, norm, "demo", err);
    free(norm);
    return rc == STORE_OK ? 0 : -1;
}

/*
 * The demo's roster and schedule (share/vigia/demo-verifiers.csv and
 * demo-shifts.yaml), and the best-ranked verifier sent to each of the first
 * reports being verified, one on scene and one on the way, so the roster
 * pane shows a shift in progress.
 */
static int app_demo_roster(struct app *a, char **err)
{
    static const enum model_assign_state walk[][3] = {
        {MODEL_ASSIGN_ACKNOWLEDGED, MODEL_ASSIGN_EN_ROUTE, MODEL_ASSIGN_ON_SCENE},
        {MODEL_ASSIGN_ACKNOWLEDGED, MODEL_ASSIGN_EN_ROUTE, MODEL_ASSIGN_COUNT},
    };
    char *vfile = app_data_file("demo-verifiers.csv"), *sfile = app_data_file("demo-shifts.yaml");
    char sent[UTIL_ARRAY_LEN(walk)][ULID_LEN + 1] = {{0}};
    struct model_report rows[UTIL_ARRAY_LEN(walk)];
    struct app_view v;
    size_t added, updated, nshifts, n = 0;
    int rc = -1;

    if (app_verifier_import(a, vfile, &added, &updated, err) != 0 ||
        app_shifts_import(a, sfile, &nshifts, err) != 0)
        goto out;
    app_view_init(&v);
    v.status = MODEL_STATUS_VERIFYING;
    if (app_queue_page(a, &v, 0, UTIL_ARRAY_LEN(rows), rows, &n, err) != 0)
        goto out;
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct app_rank rank;
        char id[ULID_LEN + 1];
        const char *who = NULL;

        if (app_rank(a, rows[i].id, NULL, timeutil_now_ms(), &rank, err) != 0) {
            rc = -1;
            break;
        }
        for (size_t k = 0; k < rank.n && who == NULL; k++) {
            bool taken = false;
            for (size_t j = 0; j < i; j++)
                taken |= strcmp(sent[j], rank.rows[k].v.id) == 0;
            if (!taken)
                who = rank.rows[k].v.id;
        }
        if (who != NULL) {
            snprintf(sent[i], sizeof sent[i], "%s", who);
            rc = app_assign(a, rows[i].id, who, id, err);
            for (size_t s = 0; rc == 0 && s < 3 && walk[i][s] != MODEL_ASSIGN_COUNT; s++)
                rc = app_assignment_set(a, id, walk[i][s], NULL, err);
        }
        app_rank_fini(&rank);
    }
    for (size_t i = 0; i < n; i++)
        model_report_fini(&rows[i]);
out:
    free(vfile);
    free(sfile);
    return rc;
}

int app_demo_build(const char *db_path, char **err)
{
    /* The demo's own changes (its roster, its assignments) are signed "demo". */
    struct app_options o = {.db_path = db_path, .actor = "demo"};
    struct app *a;
    struct app_demo d;
    char *file = app_data_file("demo.yaml");
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    int rc = -1;

    for (size_t i = 0; i < UTIL_ARRAY_LEN(suffixes); i++) {
        char *p = xasprintf("%s%s", db_path, suffixes[i]);
        if (unlink(p) != 0 && errno != ENOENT) {
            util_seterr(err, _("cannot replace %s: %s"), p, strerror(errno));
            free(p);
            free(file);
            return -1;
        }
        free(p);
    }
    o.config_path = "/dev/null";
    if (app_open(&o, &a, err) != 0) {
        free(file);
        return -1;
    }
    d.app = a;
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    if (config_demo_load(file, timeutil_now_ms(), app_demo_add, &d, err) != 0) {
        store_rollback(a->store);
        goto out;
    }
    if (store_commit(a->store, err) != STORE_OK)
        goto out;
    if (app_demo_roster(a, err) != 0)
        goto out;
    rc = 0;
out:
    app_free(&a);
    free(file);
    return rc;
}
