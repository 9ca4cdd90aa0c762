/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Use cases of the send side: subscribers (import, opt-out, replies),
 * broadcasts (draft from a template, edit, preview, lint, approve) and the
 * outbox worker.
 *
 * The rules, in the order a broadcast meets them:
 *  - a public alert cites only confirmed reports; an internal call to action
 *    may cite open ones; a follow-up cites what its first alert cited;
 *  - the preview gives, per language, text, SMS encoding and segments,
 *    recipients per channel and the cost, and a GSM-7 version when a few
 *    characters force UCS-2;
 *  - personal data in a text (phone numbers, emails, A-numbers, case
 *    numbers, the caller's contact) blocks approval until the text is edited
 *    or the block is overridden with a written reason;
 *  - where the network asks for it, a public alert is approved by a second
 *    dispatcher, never by the one who drafted it;
 *  - approval expands the broadcast into outbox rows in the same transaction
 *    that marks it approved; in quiet hours a non-urgent broadcast is held
 *    (its rows wait until the quiet hours end);
 *  - a follow-up or all clear goes to exactly the recipients of its first
 *    alert.
 * The config's broadcast and channels sections are read when needed, so an
 * edit of config.yaml applies to the next command without a restart.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/config.h"
#include "vigia/store.h"
#include "vigia/send.h"
#include "vigia/app.h"

#include "private.h"

/* Load the send config for one use case; 0 or -1 with *err (private.h). */
int app_send_config(struct app *a, struct config_send *cs, char **err)
{
    config_send_init(cs);
    if (config_send_load(a->config.path, cs, err) != 0) {
        config_send_fini(cs);
        return -1;
    }
    /* A practice run drafts for every channel; its worker writes them all to the sink. */
    for (int c = 0; a->practice && c < MODEL_CHANNEL_COUNT; c++)
        cs->channels[c].enabled = true;
    return 0;
}

static int app_need_actor(struct app *a, char **err)
{
    if (a->actor == NULL) {
        util_seterr(err, "%s", _("who is at the keyboard? give your name with --as NAME"));
        return -1;
    }
    return 0;
}

/* ---- subscribers --------------------------------------------------------------- */

int app_subscriber_add(struct app *a, const char *contact, const char *channel,
                       const char *language, const char *areas, char id_out[ULID_LEN + 1],
                       bool *merged, char **err)
{
    struct store_subscriber old;
    char *norm = NULL, *alist = NULL, *ferr = NULL, id[ULID_LEN + 1];
    int ch = model_channel_parse(channel ? channel : "sms");
    int64_t now = timeutil_now_ms();
    int rc = -1, frc;

    *merged = false;
    if (ch < 0) {
        util_seterr(err, _("unknown channel '%s' (sms, telegram, signal, email, file)"), channel);
        return -1;
    }
    if (language == NULL || *language == '\0')
        language = "en";
    for (const char *p = language; *p; p++)
        if (!islower((unsigned char)*p) && *p != '-' && *p != '_') {
            util_seterr(err, _("language '%s' should be a code such as en or es"), language);
            return -1;
        }
    if (strlen(language) > 12) {
        util_seterr(err, _("language '%s' should be a code such as en or es"), language);
        return -1;
    }
    if (text_check(contact ? contact : "", MODEL_MAX_SHORT, false, NULL) != TEXT_OK ||
        text_check(areas ? areas : "", MODEL_MAX_LONG, false, NULL) != TEXT_OK) {
        util_seterr(err, "%s", _("contact or areas: invalid text"));
        return -1;
    }
    if ((norm = model_subscriber_contact(ch, contact, a->config.default_country, err)) == NULL)
        return -1;
    alist = model_list_normalise(areas);
    if (store_begin(a->store, err) != STORE_OK) {
        free(norm);
        free(alist);
        return -1;
    }
    frc = store_subscriber_find(a->store, norm, model_channel_name(ch), &old, &ferr);
    if (frc == STORE_ERR_LOCKED) {
        /* Without the key the same number cannot be recognised: it would be sent to twice. */
        util_seterr(err, "%s",
                    _("cannot add a subscriber while personal data is locked (an existing one "
                      "could not be recognised): run 'vigia unlock' first"));
    } else if (frc == STORE_ERR_KEY) {
        util_seterr(err, "%s", ferr); /* sealed with a key this device does not have */
    } else if (frc == STORE_OK) {
        /* A duplicate: merge areas, take the newer language, keep an opt-out. */
        struct buf u;
        buf_init(&u);
        buf_adds(&u, old.areas ? old.areas : "");
        if (old.areas != NULL && *old.areas && *alist) {
            char *p = alist;
            while (p && *p) {
                char *e = strchr(p, ',');
                char *item = e ? xstrndup(p, (size_t)(e - p)) : xstrdup(p);
                if (!model_list_has(buf_str(&u), item)) {
                    buf_addc(&u, ',');
                    buf_adds(&u, item);
                }
                free(item);
                p = e ? e + 1 : NULL;
            }
        } else if (old.areas == NULL || !*old.areas) {
            buf_reset(&u); /* every area already */
        }
        snprintf(id, sizeof id, "%s", old.id);
        struct store_col cols[] = {
            {"language", store_text(language)},
            {"areas", store_text(u.len ? buf_str(&u) : NULL)},
            {"updated_at", store_int(now)},
        };
        rc = store_write(a->store, "subscribers", id, cols, UTIL_ARRAY_LEN(cols), err);
        buf_fini(&u);
        store_subscriber_fini(&old);
        *merged = true;
    } else if (frc == STORE_ERR_NOT_FOUND) {
        /* With a vault: the keyed tag that finds it again (the contact itself is sealed). */
        char tag[STORE_VAULT_TAG_LEN + 1];
        int trc = store_vault_tag(a->store, model_channel_name(ch), norm, tag, NULL);
        ulid_new(now, id);
        struct store_col cols[] = {
            {"contact", store_text(norm)},
            {"channel", store_text(model_channel_name(ch))},
            {"language", store_text(language)},
            {"areas", store_text(*alist ? alist : NULL)},
            {"created_at", store_int(now)},
            {"updated_at", store_int(now)},
            {"contact_tag", store_text(trc == STORE_OK ? tag : NULL)},
        };
        rc = store_write(a->store, "subscribers", id, cols, UTIL_ARRAY_LEN(cols), err);
    } else {
        util_seterr(err, "%s", _("cannot read subscribers"));
    }
    if (rc == STORE_OK)
        rc = store_commit(a->store, err);
    else
        store_rollback(a->store);
    if (rc == STORE_OK && id_out != NULL)
        snprintf(id_out, ULID_LEN + 1, "%s", id);
    free(norm);
    free(alist);
    free(ferr);
    return rc == STORE_OK ? 0 : -1;
}

static void app_fields_free(char **fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(fields[i]);
    free(fields);
}

void app_import_result_fini(struct app_import_result *r)
{
    for (size_t i = 0; i < r->nerrors; i++)
        free(r->errors[i]);
    free(r->errors);
    memset(r, 0, sizeof *r);
}

static void app_import_err(struct app_import_result *r, const char *file, size_t line,
                           const char *msg)
{
    r->errors = xreallocarray(r->errors, r->nerrors + 1, sizeof *r->errors);
    r->errors[r->nerrors++] = xasprintf("%s:%zu: %s", file, line, msg);
}

int app_subscriber_import(struct app *a, const char *file, struct app_import_result *res,
                          char **err)
{
    enum { COL_CONTACT, COL_CHANNEL, COL_LANGUAGE, COL_AREAS, NCOLS };
    static const char *const names[NCOLS] = {"contact", "channel", "language", "areas"};
    int col[NCOLS] = {-1, -1, -1, -1};
    char *data = NULL, **f = NULL, *msg = NULL;
    size_t len, nf = 0;
    struct config_csv csv;
    bool header = true;
    int lineno = 0, got;
    int rc = -1;

    memset(res, 0, sizeof *res);
    if (app_vault_state(a) == APP_VAULT_LOCKED) {
        util_seterr(err, "%s",
                    _("cannot import subscribers while personal data is locked (numbers already "
                      "subscribed could not be recognised): run 'vigia unlock' first"));
        return -1;
    }
    if ((rc = util_read_file(file, &data, &len)) != 0) {
        util_seterr(err, _("cannot read %s: %s"), file, strerror(-rc));
        return -1;
    }
    rc = -1;
    if (text_check(data, 0, true, NULL) == TEXT_BAD_UTF8) {
        util_seterr(err, _("%s: invalid UTF-8 (save the file as UTF-8)"), file);
        goto out;
    }
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    /* The one CSV reader (config-csv.c): quotes, CRLF, BOM, ';' spreadsheets. */
    config_csv_init(&csv, data, len);
    while ((got = config_csv_record(&csv, &f, &nf, &lineno, &msg)) != 0) {
        char *e = NULL, id[ULID_LEN + 1];
        bool merged;
        if (got < 0) {
            /* A broken quote leaves no way to find the next record: stop here. */
            app_import_err(res, file, (size_t)lineno, msg);
            FREE(&msg);
            break;
        }
        if (nf == 0 || f[0][0] == '#') { /* a comment line */
            app_fields_free(f, nf);
            continue;
        }
        if (header) {
            header = false;
            for (size_t i = 0; i < nf; i++) {
                char *h = model_list_normalise(f[i]);
                size_t k;
                for (k = 0; k < NCOLS; k++)
                    if (strcmp(h, names[k]) == 0)
                        col[k] = (int)i;
                free(h);
            }
            app_fields_free(f, nf);
            if (col[COL_CONTACT] < 0) {
                util_seterr(err,
                            _("%s:%d: the header needs a 'contact' column "
                              "(contact,channel,language,areas)"),
                            file, lineno);
                store_rollback(a->store);
                goto out;
            }
            continue;
        }
#define APP_FIELD(k) (col[k] >= 0 && (size_t)col[k] < nf ? f[col[k]] : NULL)
        if (app_subscriber_add(
                a, APP_FIELD(COL_CONTACT),
                APP_FIELD(COL_CHANNEL) && *APP_FIELD(COL_CHANNEL) ? APP_FIELD(COL_CHANNEL) : "sms",
                APP_FIELD(COL_LANGUAGE), APP_FIELD(COL_AREAS), id, &merged, &e) != 0) {
            app_import_err(res, file, (size_t)lineno, e ? e : "?");
            free(e);
        } else if (merged) {
            res->merged++;
        } else {
            res->added++;
        }
#undef APP_FIELD
        app_fields_free(f, nf);
    }
    if (store_event(a->store, a->actor, "subscriber.imported", NULL, file, err) != STORE_OK ||
        store_commit(a->store, err) != STORE_OK) {
        store_rollback(a->store);
        goto out;
    }
    rc = 0;
out:
    free(data);
    return rc;
}

/* Opt one subscriber out (inside a transaction). */
static int app_optout_one(struct app *a, const struct store_subscriber *sub, const char *why,
                          char **err)
{
    int64_t now = timeutil_now_ms();
    struct store_col cols[] = {{"opted_out_at", store_int(now)}, {"updated_at", store_int(now)}};
    char *detail;
    int rc;

    if (sub->opted_out_at != 0)
        return 0;
    if (store_write(a->store, "subscribers", sub->id, cols, UTIL_ARRAY_LEN(cols), err) != STORE_OK)
        return -1;
    detail = xasprintf("%s %s", sub->id, why);
    rc = store_event(a->store, a->actor, "subscriber.optout", NULL, detail, err);
    free(detail);
    return rc == STORE_OK ? 0 : -1;
}

int app_subscriber_optout(struct app *a, const char *who, size_t *count, char **err)
{
    struct store_subscriber sub;
    char *phone = NULL;
    int rc = -1;

    *count = 0;
    if (store_begin(a->store, err) != STORE_OK)
        return -1;
    if (ulid_valid(who) && store_subscriber_find(a->store, who, NULL, &sub, NULL) == STORE_OK) {
        rc = app_optout_one(a, &sub, "by id", err);
        *count += rc == 0;
        store_subscriber_fini(&sub);
    } else {
        /* A phone number opts out its SMS and Signal subscriptions; else a handle or email. */
        static const int chans[] = {MODEL_CHANNEL_SMS, MODEL_CHANNEL_SIGNAL, MODEL_CHANNEL_TELEGRAM,
                                    MODEL_CHANNEL_EMAIL};
        rc = 0;
        for (size_t i = 0; i < UTIL_ARRAY_LEN(chans) && rc == 0; i++) {
            char *norm = model_subscriber_contact(chans[i], who, a->config.default_country, NULL);
            if (norm == NULL)
                continue;
            char *ferr = NULL;
            int frc =
                store_subscriber_find(a->store, norm, model_channel_name(chans[i]), &sub, &ferr);
            if (frc == STORE_OK) {
                rc = app_optout_one(a, &sub, "by contact", err);
                *count += rc == 0;
                store_subscriber_fini(&sub);
            } else if (frc == STORE_ERR_LOCKED) {
                util_seterr(err, "%s",
                            _("personal data is locked: run 'vigia unlock' to opt out by contact, "
                              "or give the subscriber's id"));
                rc = -1;
            } else if (frc == STORE_ERR_KEY) {
                util_seterr(err, "%s", ferr);
                rc = -1;
            }
            free(ferr);
            free(norm);
        }
    }
    free(phone);
    if (rc == 0 && *count == 0) {
        util_seterr(err, _("no subscriber %s"), who);
        rc = -1;
    }
    if (rc != 0 || store_commit(a->store, err) != STORE_OK) {
        store_rollback(a->store);
        return -1;
    }
    return 0;
}

int app_subscriber_reply(struct app *a, const char *channel, const char *from, const char *text,
                         bool *opted_out, char **err)
{
    struct config_send cs;
    struct store_subscriber sub;
    int ch = model_channel_parse(channel);
    char *norm;
    bool hit = false;
    int rc = -1, frc;

    *opted_out = false;
    if (ch < 0) {
        util_seterr(err, _("unknown channel '%s' (sms, telegram, signal, email, file)"), channel);
        return -1;
    }
    if ((norm = model_subscriber_contact(ch, from, a->config.default_country, err)) == NULL)
        return -1;
    if (app_send_config(a, &cs, err) != 0) {
        free(norm);
        return -1;
    }
    /* Any language's word counts: a STOP in English from a Spanish subscriber is a STOP. */
    for (size_t i = 0; i < cs.noptout && !hit; i++)
        hit = model_optout_match(text, (const char *const *)cs.optout[i].words, cs.optout[i].n);
    if (!hit) {
        rc = 0;
        goto out;
    }
    frc = store_subscriber_find(a->store, norm, model_channel_name(ch), &sub, err);
    if (frc == STORE_ERR_KEY)
        goto out; /* cannot tell who it is here: say so (rc -1) rather than drop the STOP */
    if (frc == STORE_ERR_LOCKED) {
        if (err != NULL)
            FREE(err);
        /*
         * Locked: nobody can be found by contact. Keep the STOP, sealed, and
         * apply it at the next unlock; nothing is sent before that (sending
         * needs the key too).
         */
        if (store_begin(a->store, err) == STORE_OK &&
            store_optout_pending_add(a->store, model_channel_name(ch), norm, timeutil_now_ms(),
                                     err) == STORE_OK &&
            store_event(a->store, a->actor, "subscriber.optout_pending", NULL, "by reply", err) ==
                STORE_OK &&
            store_commit(a->store, err) == STORE_OK)
            rc = APP_LOCKED;
        else
            store_rollback(a->store);
        goto out;
    }
    if (frc != STORE_OK) {
        if (err != NULL)
            FREE(err);
        rc = 0; /* not a subscriber: nothing to do */
        goto out;
    }
    if (store_begin(a->store, err) == STORE_OK) {
        rc = app_optout_one(a, &sub, "by reply", err);
        if (rc == 0 && store_commit(a->store, err) != STORE_OK)
            rc = -1;
        if (rc != 0)
            store_rollback(a->store);
    }
    *opted_out = rc == 0;
    store_subscriber_fini(&sub);
out:
    config_send_fini(&cs);
    free(norm);
    return rc;
}

int app_subscriber_pending_apply(struct app *a, size_t *applied, char **err)
{
    struct store_optout_pending *rows = NULL;
    size_t n = 0, waiting = 0;
    int rc = -1;

    if (applied != NULL)
        *applied = 0;
    if (app_vault_state(a) != APP_VAULT_UNLOCKED)
        return 0;
    if (store_optout_pending_count(a->store, &waiting, err) != STORE_OK)
        return -1;
    if (waiting == 0)
        return 0;
    if (store_optout_pending_list(a->store, &rows, &n, err) != STORE_OK)
        return -1;
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct store_subscriber sub;
        int frc = store_subscriber_find(a->store, rows[i].contact, rows[i].channel, &sub, NULL);
        if (frc == STORE_OK) {
            rc = app_optout_one(a, &sub, "by reply received while locked", err);
            if (rc == 0 && applied != NULL)
                (*applied)++;
            store_subscriber_fini(&sub);
        } else if (frc != STORE_ERR_NOT_FOUND) { /* not a subscriber: nothing to do */
            util_seterr(err, "%s", _("cannot read subscribers"));
            rc = -1;
        }
        if (rc == 0 && store_optout_pending_done(a->store, rows[i].id, err) != STORE_OK)
            rc = -1;
    }
    if (rc == 0 && store_commit(a->store, err) != STORE_OK)
        rc = -1;
    if (rc != 0)
        store_rollback(a->store);
out:
    store_optout_pending_free(&rows, n);
    return rc;
}

/* ---- drafting --------------------------------------------------------------------- */

/* Find and load template @name: the config folder first, then shipped ones. */
static int app_template_load(const char *name, struct config_template *t, char **err)
{
    char *dir, *path, *rel;
    int rc;

    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
            util_seterr(err, _("template name '%s' may hold only letters, digits, - and _"), name);
            return -1;
        }
    dir = util_config_dir();
    path = xasprintf("%s/templates/%s.yaml", dir, name);
    free(dir);
    if (access(path, R_OK) != 0) {
        free(path);
        rel = xasprintf("templates/%s.yaml", name);
        path = app_data_file(rel);
        free(rel);
        if (access(path, R_OK) != 0) {
            util_seterr(err, _("no template '%s' (look in share/vigia/templates)"), name);
            free(path);
            return -1;
        }
    }
    rc = config_template_load(path, t, err);
    free(path);
    return rc;
}

static int app_template_lang(const struct config_template *t, const char *lang)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->langs[i], lang) == 0)
            return (int)i;
    return -1;
}

/* Split a comma-separated list into newly allocated items. */
static size_t app_split(const char *csv, char ***items)
{
    char *norm = model_list_normalise(csv), *p = norm;
    size_t n = 0;

    *items = NULL;
    while (p && *p) {
        char *e = strchr(p, ',');
        *items = xreallocarray(*items, n + 1, sizeof **items);
        (*items)[n++] = e ? xstrndup(p, (size_t)(e - p)) : xstrdup(p);
        p = e ? e + 1 : NULL;
    }
    free(norm);
    return n;
}

void app_draft_init(struct app_draft *d)
{
    memset(d, 0, sizeof *d);
}

int app_broadcast_draft(struct app *a, const struct app_draft *d, char id_out[ULID_LEN + 1],
                        char **err)
{
    struct config_template t = {0};
    struct config_send cs;
    struct store_broadcast parent = {0};
    struct model_report *reps = NULL;
    char **langs = NULL, **rids = NULL, id[ULID_LEN + 1];
    size_t nlangs = 0, nrids = 0;
    enum model_broadcast_kind kind;
    json_t *texts = NULL, *audience = NULL;
    struct buf areas, chans, ridl;
    char *texts_s = NULL, *aud_s = NULL, *sarea = NULL;
    int64_t now = timeutil_now_ms(), when = 0;
    bool have_parent = false, have_cs = false;
    int rc = -1;

    buf_init(&areas);
    buf_init(&chans);
    buf_init(&ridl);
    if (app_need_actor(a, err) != 0)
        goto out;
    if (app_send_config(a, &cs, err) != 0)
        goto out;
    have_cs = true;
    if (app_template_load(d->template_name ? d->template_name : "alert", &t, err) != 0)
        goto out;
    kind = (enum model_broadcast_kind)model_broadcast_kind_parse(t.kind);
    if (d->follow_up != NULL) {
        if (store_broadcast_get(a->store, d->follow_up, &parent, err) != STORE_OK)
            goto out;
        have_parent = true;
        if (parent.status == NULL || strcmp(parent.status, "draft") == 0) {
            util_seterr(err, _("broadcast %s was never approved: nothing to follow up"),
                        d->follow_up);
            goto out;
        }
    }
    /* Reports: as given, or those of the first alert. */
    nrids = app_split(d->report_ids ? d->report_ids
                      : have_parent ? parent.report_ids
                                    : NULL,
                      &rids);
    if (nrids == 0) {
        util_seterr(err, "%s", _("a broadcast needs at least one report (--report ID)"));
        goto out;
    }
    reps = xcalloc(nrids, sizeof *reps);
    for (size_t i = 0; i < nrids; i++) {
        /* app_split lowercased the ids; ULIDs are upper case. */
        for (char *p = rids[i]; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        if (store_report_get(a->store, rids[i], &reps[i], err) != STORE_OK)
            goto out;
        if (!have_parent && !model_broadcast_may_cite(kind, reps[i].status)) {
            util_seterr(err,
                        kind == MODEL_BROADCAST_PUBLIC
                            ? _("report %s is %s: a public alert may cite only confirmed "
                                "reports")
                            : _("report %s is %s: it cannot back a broadcast"),
                        rids[i], model_status_name(reps[i].status));
            goto out;
        }
        if (i > 0)
            buf_addc(&ridl, ',');
        buf_adds(&ridl, rids[i]);
        if (reps[i].area && *reps[i].area && !model_list_has(buf_str(&areas), reps[i].area)) {
            if (areas.len)
                buf_adds(&areas, ", ");
            buf_adds(&areas, reps[i].area);
        }
        int64_t w = reps[i].observed_at ? reps[i].observed_at : reps[i].received_at;
        if (w > when)
            when = w;
    }
    /* Languages: asked for, or the first alert's, or every one of the template. */
    if (d->languages != NULL)
        nlangs = app_split(d->languages, &langs);
    else if (have_parent) {
        json_t *pt = json_loads(parent.texts ? parent.texts : "{}", 0, NULL);
        const char *k;
        json_t *v;
        json_object_foreach(pt, k, v)
        {
            langs = xreallocarray(langs, nlangs + 1, sizeof *langs);
            langs[nlangs++] = xstrdup(k);
        }
        json_decref(pt);
    } else {
        for (size_t i = 0; i < t.n; i++) {
            langs = xreallocarray(langs, nlangs + 1, sizeof *langs);
            langs[nlangs++] = xstrdup(t.langs[i]);
        }
    }
    texts = json_object();
    sarea = d->areas ? xstrdup(d->areas) : xstrdup(buf_str(&areas));
    for (size_t i = 0; i < nlangs; i++) {
        int li = app_template_lang(&t, langs[i]);
        char hhmm[8], *s, *nfc;
        const char *keys[] = {"area", "time", "what", "advice"};
        if (li < 0) {
            util_seterr(err, _("template '%s' has no text in '%s'"), t.name ? t.name : "?",
                        langs[i]);
            goto out;
        }
        timeutil_hhmm(when ? when : now, hhmm);
        const char *vals[] = {sarea, hhmm, reps[0].what, t.advice[li] ? t.advice[li] : ""};
        s = text_template_expand(t.texts[li], keys, vals, UTIL_ARRAY_LEN(keys));
        nfc = text_nfc(s);
        free(s);
        json_object_set_new(texts, langs[i], json_string(nfc));
        free(nfc);
    }
    /* Channels: asked for, or every configured one. */
    if (d->channels != NULL) {
        char **cl = NULL;
        size_t nc = app_split(d->channels, &cl);
        for (size_t i = 0; i < nc; i++) {
            int c = model_channel_parse(cl[i]);
            if (c < 0) {
                util_seterr(err, _("unknown channel '%s' (sms, telegram, signal, email, file)"),
                            cl[i]);
                app_fields_free(cl, nc);
                goto out;
            }
            if (c != MODEL_CHANNEL_FILE && !cs.channels[c].enabled) {
                util_seterr(err, _("channel '%s' is not configured (channels: in config.yaml)"),
                            cl[i]);
                app_fields_free(cl, nc);
                goto out;
            }
            if (chans.len)
                buf_addc(&chans, ',');
            buf_adds(&chans, cl[i]);
        }
        app_fields_free(cl, nc);
    } else if (have_parent) {
        buf_adds(&chans, parent.channels ? parent.channels : "");
    } else {
        for (int c = 0; c < MODEL_CHANNEL_COUNT; c++)
            if (cs.channels[c].enabled) {
                if (chans.len)
                    buf_addc(&chans, ',');
                buf_adds(&chans, model_channel_name(c));
            }
    }
    if (chans.len == 0) {
        util_seterr(err, "%s",
                    _("no channels: configure them in config.yaml (channels:) or use --channel"));
        goto out;
    }
    audience = json_object();
    {
        char *al = model_list_normalise(d->areas ? d->areas : buf_str(&areas));
        char *ll = NULL;
        struct buf lb;
        buf_init(&lb);
        for (size_t i = 0; i < nlangs; i++) {
            if (i)
                buf_addc(&lb, ',');
            buf_adds(&lb, langs[i]);
        }
        ll = buf_steal(&lb);
        json_object_set_new(audience, "areas", json_string(d->all_areas ? "" : al));
        json_object_set_new(audience, "languages", json_string(ll));
        free(al);
        free(ll);
    }
    texts_s = json_dumps(texts, JSON_COMPACT | JSON_SORT_KEYS);
    aud_s = json_dumps(audience, JSON_COMPACT | JSON_SORT_KEYS);
    ulid_new(now, id);
    {
        struct store_col cols[] = {
            {"report_ids", store_text(buf_str(&ridl))},
            {"audience", store_text(aud_s)},
            {"channels", store_text(buf_str(&chans))},
            {"texts", store_text(texts_s)},
            {"status", store_text("draft")},
            {"drafted_by", store_text(a->actor)},
            {"created_at", store_int(now)},
            {"template", store_text(t.name ? t.name : d->template_name)},
            {"kind", store_text(model_broadcast_kind_name(kind))},
            {"urgent", store_int(d->urgent || t.urgent)},
            {"parent_id", store_text(have_parent ? parent.id : NULL)},
            {"expires_at", store_int(now + (int64_t)cs.alert_expire_minutes * 60000)},
            {"updated_at", store_int(now)},
        };
        if (store_begin(a->store, err) != STORE_OK)
            goto out;
        if (store_write(a->store, "broadcasts", id, cols, UTIL_ARRAY_LEN(cols), err) != STORE_OK ||
            store_event(a->store, a->actor, "broadcast.drafted", rids[0], id, err) != STORE_OK ||
            store_commit(a->store, err) != STORE_OK) {
            store_rollback(a->store);
            goto out;
        }
    }
    snprintf(id_out, ULID_LEN + 1, "%s", id);
    rc = 0;
out:
    for (size_t i = 0; reps && i < nrids; i++)
        model_report_fini(&reps[i]);
    free(reps);
    app_fields_free(rids, nrids);
    app_fields_free(langs, nlangs);
    json_decref(texts);
    json_decref(audience);
    free(texts_s);
    free(aud_s);
    free(sarea);
    buf_fini(&areas);
    buf_fini(&chans);
    buf_fini(&ridl);
    config_template_fini(&t);
    if (have_cs)
        config_send_fini(&cs);
    store_broadcast_fini(&parent);
    return rc;
}

/* Load a broadcast that is still a draft. */
static int app_draft_get(struct app *a, const char *id, struct store_broadcast *b, char **err)
{
    if (store_broadcast_get(a->store, id, b, err) != STORE_OK)
        return -1;
    if (b->status == NULL || strcmp(b->status, "draft") != 0) {
        util_seterr(err, _("broadcast %s is %s, no longer a draft"), id,
                    b->status ? b->status : "?");
        store_broadcast_fini(b);
        return -1;
    }
    return 0;
}

/* Replace the text of @lang (NULL text: its GSM-7 version). */
static int app_broadcast_set_text(struct app *a, const char *id, const char *lang, const char *text,
                                  char **err)
{
    struct store_broadcast b;
    json_t *texts;
    char *nfc = NULL, *s = NULL;
    int rc = -1;

    if (app_need_actor(a, err) != 0 || app_draft_get(a, id, &b, err) != 0)
        return -1;
    texts = json_loads(b.texts ? b.texts : "{}", 0, NULL);
    if (json_object_get(texts, lang) == NULL) {
        util_seterr(err, _("broadcast %s has no text in '%s'"), id, lang);
        goto out;
    }
    if (text == NULL) {
        nfc = text_sms_gsm7_alternative(json_string_value(json_object_get(texts, lang)));
        if (nfc == NULL) {
            util_seterr(err, _("the '%s' text has no GSM-7 version to use"), lang);
            goto out;
        }
    } else {
        if (text_check(text, 2000, true, NULL) != TEXT_OK || *text == '\0') {
            util_seterr(err, "%s", _("the text is empty, too long or not valid UTF-8"));
            goto out;
        }
        nfc = text_nfc(text);
    }
    json_object_set_new(texts, lang, json_string(nfc));
    s = json_dumps(texts, JSON_COMPACT | JSON_SORT_KEYS);
    {
        struct store_col cols[] = {{"texts", store_text(s)},
                                   {"updated_at", store_int(timeutil_now_ms())}};
        if (store_begin(a->store, err) != STORE_OK)
            goto out;
        if (store_write(a->store, "broadcasts", id, cols, UTIL_ARRAY_LEN(cols), err) != STORE_OK ||
            store_event(a->store, a->actor, "broadcast.edited", NULL, id, err) != STORE_OK ||
            store_commit(a->store, err) != STORE_OK) {
            store_rollback(a->store);
            goto out;
        }
    }
    rc = 0;
out:
    free(nfc);
    free(s);
    json_decref(texts);
    store_broadcast_fini(&b);
    return rc;
}

int app_broadcast_edit(struct app *a, const char *id, const char *lang, const char *text,
                       char **err)
{
    if (text == NULL) {
        util_seterr(err, "%s", _("the text is empty, too long or not valid UTF-8"));
        return -1;
    }
    return app_broadcast_set_text(a, id, lang, text, err);
}

int app_broadcast_use_gsm7(struct app *a, const char *id, const char *lang, char **err)
{
    return app_broadcast_set_text(a, id, lang, NULL, err);
}

int app_broadcast_override(struct app *a, const char *id, const char *reason, char **err)
{
    struct store_broadcast b;
    int rc = -1;

    if (reason == NULL || strlen(reason) < 10 || text_check(reason, 1000, false, NULL) != TEXT_OK) {
        util_seterr(err, "%s", _("an override needs a written reason (10 characters at least)"));
        return -1;
    }
    if (app_need_actor(a, err) != 0 || app_draft_get(a, id, &b, err) != 0)
        return -1;
    {
        char *r = xasprintf("%s: %s", a->actor, reason);
        struct store_col cols[] = {{"lint_override", store_text(r)},
                                   {"updated_at", store_int(timeutil_now_ms())}};
        if (store_begin(a->store, err) == STORE_OK) {
            if (store_write(a->store, "broadcasts", id, cols, UTIL_ARRAY_LEN(cols), err) ==
                    STORE_OK &&
                store_event(a->store, a->actor, "broadcast.lint_override", NULL, r, err) ==
                    STORE_OK &&
                store_commit(a->store, err) == STORE_OK)
                rc = 0;
            else
                store_rollback(a->store);
        }
        free(r);
    }
    store_broadcast_fini(&b);
    return rc;
}

/* ---- preview ------------------------------------------------------------------------ */

struct app_count {
    struct model_audience au;
    json_t *per_lang; /* lang -> {channel -> n} */
    size_t total;
};

static int app_count_one(const struct store_subscriber *sub, void *data)
{
    struct app_count *c = data;
    json_t *l, *n;

    if (!model_audience_matches(&c->au, sub->channel, sub->language, sub->areas))
        return 0;
    if ((l = json_object_get(c->per_lang, sub->language)) == NULL) {
        l = json_object();
        json_object_set_new(c->per_lang, sub->language, l);
    }
    n = json_object_get(l, sub->channel);
    json_object_set_new(l, sub->channel, json_integer(n ? json_integer_value(n) + 1 : 1));
    c->total++;
    return 0;
}

/* Caller contacts of the broadcast's reports (needles for the lint). */
static size_t app_needles(struct app *a, const char *report_ids, char ***out)
{
    char **ids = NULL;
    size_t n = app_split(report_ids, &ids), k = 0;

    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        char *c = NULL;
        for (char *p = ids[i]; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        if (app_report_contact(a, ids[i], &c, NULL) == 0 && c != NULL) {
            *out = xreallocarray(*out, k + 1, sizeof **out);
            (*out)[k++] = c;
        } else {
            free(c);
        }
    }
    app_fields_free(ids, n);
    return k;
}

static json_t *app_preview(struct app *a, const char *id, bool count, char **err);

json_t *app_broadcast_preview(struct app *a, const char *id, char **err)
{
    return app_preview(a, id, true, err);
}

/* The preview; without @count, recipients are not counted (approval needs only the checks). */
static json_t *app_preview(struct app *a, const char *id, bool count, char **err)
{
    struct store_broadcast b;
    struct config_send cs;
    struct app_count cnt = {0};
    json_t *o = NULL, *texts = NULL, *aud = NULL, *langs, *lint, *blocked;
    char **needles = NULL;
    size_t nneedles = 0;
    double total_cost = 0;
    const char *lang;
    json_t *tv;
    int64_t now = timeutil_now_ms();

    if (store_broadcast_get(a->store, id, &b, err) != STORE_OK)
        return NULL;
    if (app_send_config(a, &cs, err) != 0) {
        store_broadcast_fini(&b);
        return NULL;
    }
    texts = json_loads(b.texts ? b.texts : "{}", 0, NULL);
    aud = json_loads(b.audience ? b.audience : "{}", 0, NULL);
    cnt.au.areas = json_string_value(json_object_get(aud, "areas"));
    cnt.au.languages = json_string_value(json_object_get(aud, "languages"));
    cnt.au.channels = b.channels;
    cnt.per_lang = json_object();
    o = json_object();
    json_object_set_new(o, "id", json_string(b.id));
    json_object_set_new(o, "status", json_string(b.status ? b.status : "?"));
    json_object_set_new(o, "kind", json_string(b.kind ? b.kind : "public"));
    json_object_set_new(o, "urgent", json_boolean(b.urgent));
    json_object_set_new(o, "template",
                        b.template_name ? json_string(b.template_name) : json_null());
    json_object_set_new(o, "report_ids", json_string(b.report_ids ? b.report_ids : ""));
    json_object_set_new(o, "channels", json_string(b.channels ? b.channels : ""));
    json_object_set_new(o, "areas", json_string(cnt.au.areas ? cnt.au.areas : ""));
    json_object_set_new(o, "drafted_by", json_string(b.drafted_by ? b.drafted_by : ""));
    if (b.parent_id)
        json_object_set_new(o, "follow_up_of", json_string(b.parent_id));
    if (b.parent_id != NULL) {
        size_t counts[STORE_OUTBOX_NSTATES];
        if (store_outbox_counts(a->store, b.parent_id, counts, NULL) == STORE_OK)
            cnt.total = counts[STORE_OUTBOX_QUEUED] + counts[STORE_OUTBOX_SENDING] +
                        counts[STORE_OUTBOX_SENT] + counts[STORE_OUTBOX_UNCERTAIN];
    } else if (count) {
        store_subscriber_foreach(a->store, false, app_count_one, &cnt, NULL);
    }
    nneedles = app_needles(a, b.report_ids, &needles);
    langs = json_array();
    lint = json_array();
    json_object_foreach(texts, lang, tv)
    {
        const char *text = json_string_value(tv);
        struct text_sms_count c;
        struct text_pii_hit *hits = NULL;
        size_t nh;
        json_t *l = json_object(), *rc = json_object_get(cnt.per_lang, lang);
        json_int_t sms_n = 0, n_all = 0;
        double price;
        char *alt;
        const char *chn;
        json_t *cv;
        text_sms_count(text, &c);
        price = c.encoding == TEXT_SMS_GSM7 ? cs.price_gsm7 : cs.price_ucs2;
        json_object_foreach(rc, chn, cv)
        {
            n_all += json_integer_value(cv);
            if (strcmp(chn, "sms") == 0)
                sms_n = json_integer_value(cv);
        }
        json_object_set_new(l, "language", json_string(lang));
        json_object_set_new(l, "text", json_string(text));
        json_object_set_new(l, "encoding", json_string(text_sms_encoding_name(c.encoding)));
        json_object_set_new(l, "segments", json_integer((json_int_t)c.segments));
        json_object_set_new(l, "characters", json_integer((json_int_t)c.characters));
        json_object_set_new(l, "recipients", rc ? json_deep_copy(rc) : json_object());
        json_object_set_new(l, "recipients_total", json_integer(n_all));
        json_object_set_new(l, "cost", json_real((double)sms_n * (double)c.segments * price));
        total_cost += (double)sms_n * (double)c.segments * price;
        if ((alt = text_sms_gsm7_alternative(text)) != NULL) {
            struct text_sms_count ac;
            json_t *g = json_object();
            text_sms_count(alt, &ac);
            json_object_set_new(g, "text", json_string(alt));
            json_object_set_new(g, "segments", json_integer((json_int_t)ac.segments));
            json_object_set_new(g, "segments_saved",
                                json_integer((json_int_t)c.segments - (json_int_t)ac.segments));
            json_object_set_new(g, "cost_saved",
                                json_real((double)sms_n * ((double)c.segments * price -
                                                           (double)ac.segments * cs.price_gsm7)));
            json_object_set_new(l, "gsm7_alternative", g);
            free(alt);
        }
        nh = text_pii_scan(text, (const char *const *)needles, nneedles, &hits);
        for (size_t i = 0; i < nh; i++) {
            json_t *h = json_object();
            json_object_set_new(h, "language", json_string(lang));
            json_object_set_new(h, "kind", json_string(text_pii_kind_name(hits[i].kind)));
            json_object_set_new(h, "label", json_string(text_pii_kind_label(hits[i].kind)));
            if (hits[i].len > 0) {
                char *frag = xstrndup(text + hits[i].offset, hits[i].len);
                json_object_set_new(h, "text", json_string(frag));
                free(frag);
            }
            json_array_append_new(lint, h);
        }
        free(hits);
        json_array_append_new(langs, l);
    }
    json_object_set_new(o, "languages", langs);
    json_object_set_new(o, "recipients", json_integer((json_int_t)cnt.total));
    json_object_set_new(o, "cost", json_real(total_cost));
    json_object_set_new(o, "currency", json_string(cs.currency));
    json_object_set_new(o, "lint", lint);
    json_object_set_new(o, "lint_override",
                        b.lint_override ? json_string(b.lint_override) : json_null());
    /* Why approval would be refused now. */
    blocked = json_array();
    if (json_array_size(lint) > 0 && b.lint_override == NULL)
        json_array_append_new(blocked, json_string("personal_data"));
    if (cs.second_approval && (b.kind == NULL || strcmp(b.kind, "public") == 0) && b.drafted_by &&
        a->actor && strcmp(b.drafted_by, a->actor) == 0)
        json_array_append_new(blocked, json_string("second_approval"));
    if (b.parent_id == NULL) {
        char **ids = NULL;
        size_t n = app_split(b.report_ids, &ids);
        enum model_broadcast_kind kind =
            (enum model_broadcast_kind)model_broadcast_kind_parse(b.kind ? b.kind : "public");
        for (size_t i = 0; i < n; i++) {
            struct model_report r;
            for (char *p = ids[i]; *p; p++)
                *p = (char)toupper((unsigned char)*p);
            if (store_report_get(a->store, ids[i], &r, NULL) != STORE_OK ||
                !model_broadcast_may_cite(kind, r.status)) {
                json_array_append_new(blocked, json_string("report_not_confirmed"));
                model_report_fini(&r);
                break;
            }
            model_report_fini(&r);
        }
        app_fields_free(ids, n);
    }
    json_object_set_new(o, "blocked", blocked);
    {
        time_t t = (time_t)(now / 1000);
        struct tm tm;
        localtime_r(&t, &tm);
        json_object_set_new(o, "quiet_hours",
                            json_boolean(model_quiet_hours(cs.quiet_start, cs.quiet_end,
                                                           tm.tm_hour * 60 + tm.tm_min)));
    }
    for (size_t i = 0; i < nneedles; i++)
        free(needles[i]);
    free(needles);
    json_decref(cnt.per_lang);
    json_decref(texts);
    json_decref(aud);
    config_send_fini(&cs);
    store_broadcast_fini(&b);
    return o;
}

/* ---- approval ----------------------------------------------------------------------------- */

/* The UTC ms when today's (or tomorrow's) quiet hours end. */
static int64_t app_quiet_end(int end_min, int64_t now)
{
    time_t t = (time_t)(now / 1000);
    struct tm tm;
    time_t end;

    localtime_r(&t, &tm);
    tm.tm_hour = end_min / 60;
    tm.tm_min = end_min % 60;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    end = mktime(&tm);
    if ((int64_t)end * 1000 <= now)
        end += 24 * 3600;
    return (int64_t)end * 1000;
}

int app_broadcast_approve(struct app *a, const char *id, size_t *queued, bool *held, char **err)
{
    struct store_broadcast b;
    struct config_send cs;
    json_t *pv = NULL, *aud = NULL, *blocked;
    struct model_audience au;
    int64_t now = timeutil_now_ms(), hold = 0;
    int rc = -1;

    *queued = 0;
    *held = false;
    if (app_need_actor(a, err) != 0 || app_draft_get(a, id, &b, err) != 0)
        return -1;
    if (app_send_config(a, &cs, err) != 0) {
        store_broadcast_fini(&b);
        return -1;
    }
    if ((pv = app_preview(a, id, false, err)) == NULL)
        goto out;
    blocked = json_object_get(pv, "blocked");
    for (size_t i = 0; i < json_array_size(blocked); i++) {
        const char *why = json_string_value(json_array_get(blocked, i));
        if (strcmp(why, "personal_data") == 0) {
            json_t *h = json_array_get(json_object_get(pv, "lint"), 0);
            util_seterr(err,
                        _("the %s text holds personal data (%s%s%s): edit it, or override with "
                          "a written reason"),
                        json_string_value(json_object_get(h, "language")),
                        json_string_value(json_object_get(h, "label")),
                        json_object_get(h, "text") ? ": " : "",
                        json_object_get(h, "text") ? json_string_value(json_object_get(h, "text"))
                                                   : "");
        } else if (strcmp(why, "second_approval") == 0) {
            util_seterr(err, _("%s drafted this alert: a second dispatcher must approve it"),
                        b.drafted_by);
        } else {
            util_seterr(err, "%s",
                        _("a report of this broadcast is no longer confirmed: a public alert "
                          "may cite only confirmed reports"));
        }
        goto out;
    }
    {
        time_t t = (time_t)(now / 1000);
        struct tm tm;
        localtime_r(&t, &tm);
        if (!b.urgent &&
            model_quiet_hours(cs.quiet_start, cs.quiet_end, tm.tm_hour * 60 + tm.tm_min)) {
            hold = app_quiet_end(cs.quiet_end, now);
            *held = true;
        }
    }
    aud = json_loads(b.audience ? b.audience : "{}", 0, NULL);
    au.areas = json_string_value(json_object_get(aud, "areas"));
    au.languages = json_string_value(json_object_get(aud, "languages"));
    au.channels = b.channels;
    /* The dispatcher waits for this commit; the checkpoint can wait for the worker. */
    store_checkpoint_defer(a->store, true);
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    {
        struct store_col cols[] = {
            {"status", store_text(*held ? "held" : "approved")},
            {"approved_by", store_text(a->actor)},
            {"approved_at", store_int(now)},
            {"hold_until", store_int(hold)},
            {"updated_at", store_int(now)},
        };
        char *detail;
        if (store_write(a->store, "broadcasts", id, cols, UTIL_ARRAY_LEN(cols), err) != STORE_OK ||
            store_outbox_expand_tx(a->store, id, &au, b.parent_id, hold, queued, err) != STORE_OK) {
            store_rollback(a->store);
            goto out;
        }
        if (b.parent_id != NULL && *queued == 0) {
            /* The outbox is the sending device's own: the first alert went out elsewhere. */
            util_seterr(err,
                        _("nobody to send to: the first alert's recipients are known only on the "
                          "device that sent it; approve this follow-up there"));
            store_rollback(a->store);
            goto out;
        }
        detail = xasprintf("%s: %zu messages%s", id, *queued, *held ? " (held: quiet hours)" : "");
        if (store_event(a->store, a->actor, "broadcast.approved", NULL, detail, err) != STORE_OK ||
            store_commit(a->store, err) != STORE_OK) {
            store_rollback(a->store);
            free(detail);
            goto out;
        }
        free(detail);
    }
    rc = 0;
out:
    store_checkpoint_defer(a->store, false);
    json_decref(pv);
    json_decref(aud);
    config_send_fini(&cs);
    store_broadcast_fini(&b);
    return rc;
}

int app_broadcast_cancel(struct app *a, const char *id, char **err)
{
    struct store_broadcast b;
    int rc = -1;

    if (app_need_actor(a, err) != 0 || app_draft_get(a, id, &b, err) != 0)
        return -1;
    {
        struct store_col cols[] = {{"status", store_text("cancelled")},
                                   {"updated_at", store_int(timeutil_now_ms())}};
        if (store_begin(a->store, err) == STORE_OK) {
            if (store_write(a->store, "broadcasts", id, cols, UTIL_ARRAY_LEN(cols), err) ==
                    STORE_OK &&
                store_event(a->store, a->actor, "broadcast.cancelled", NULL, id, err) == STORE_OK &&
                store_commit(a->store, err) == STORE_OK)
                rc = 0;
            else
                store_rollback(a->store);
        }
    }
    store_broadcast_fini(&b);
    return rc;
}

/* ---- status and the outbox -------------------------------------------------------------- */

json_t *app_broadcast_status(struct app *a, const char *id, char **err)
{
    struct store_broadcast b;
    size_t counts[STORE_OUTBOX_NSTATES];
    struct store_outbox_row *rows = NULL;
    size_t n = 0;
    json_t *o, *c, *attention;
    char t[32];

    if (store_broadcast_get(a->store, id, &b, err) != STORE_OK)
        return NULL;
    if (store_outbox_counts(a->store, id, counts, err) != STORE_OK) {
        store_broadcast_fini(&b);
        return NULL;
    }
    o = json_object();
    json_object_set_new(o, "id", json_string(b.id));
    json_object_set_new(o, "status", json_string(b.status ? b.status : "?"));
    json_object_set_new(o, "kind", json_string(b.kind ? b.kind : "public"));
    json_object_set_new(o, "drafted_by", json_string(b.drafted_by ? b.drafted_by : ""));
    json_object_set_new(o, "approved_by", b.approved_by ? json_string(b.approved_by) : json_null());
    timeutil_rfc3339(b.created_at, t);
    json_object_set_new(o, "created_at", json_string(t));
    if (b.approved_at) {
        timeutil_rfc3339(b.approved_at, t);
        json_object_set_new(o, "approved_at", json_string(t));
    }
    if (b.hold_until) {
        timeutil_rfc3339(b.hold_until, t);
        json_object_set_new(o, "hold_until", json_string(t));
    }
    if (b.expires_at) {
        timeutil_rfc3339(b.expires_at, t);
        json_object_set_new(o, "expires_at", json_string(t));
        json_object_set_new(o, "expired", json_boolean(timeutil_now_ms() > b.expires_at));
    }
    if (b.parent_id)
        json_object_set_new(o, "follow_up_of", json_string(b.parent_id));
    c = json_object();
    for (int i = 0; i < STORE_OUTBOX_NSTATES; i++)
        json_object_set_new(c, store_outbox_state_name(i), json_integer((json_int_t)counts[i]));
    json_object_set_new(o, "outbox", c);
    json_object_set_new(
        o, "remaining",
        json_integer((json_int_t)(counts[STORE_OUTBOX_QUEUED] + counts[STORE_OUTBOX_SENDING])));
    /* Rows a dispatcher must look at: uncertain first, then failed. */
    attention = json_array();
    for (int st = STORE_OUTBOX_UNCERTAIN; st >= STORE_OUTBOX_FAILED; st--) {
        if (st != STORE_OUTBOX_UNCERTAIN && st != STORE_OUTBOX_FAILED)
            continue;
        if (store_outbox_list(a->store, id, st, 100, &rows, &n, NULL) != STORE_OK)
            continue;
        for (size_t i = 0; i < n; i++) {
            json_t *r = json_object();
            json_object_set_new(r, "state", json_string(store_outbox_state_name(rows[i].state)));
            json_object_set_new(r, "subscriber_id", json_string(rows[i].subscriber_id));
            json_object_set_new(r, "channel", json_string(rows[i].channel));
            /* The recipient, for checking with the gateway: opened, never the sealed text. */
            char *to = NULL;
            if (store_outbox_open_contact(a->store, &rows[i], &to, NULL) == STORE_OK)
                json_object_set_new(r, "to", json_string(to ? to : ""));
            else
                json_object_set_new(r, "to", json_null()); /* sealed, and locked here */
            free(to);
            json_object_set_new(r, "attempts", json_integer(rows[i].attempts));
            json_object_set_new(r, "error",
                                rows[i].last_error ? json_string(rows[i].last_error) : json_null());
            json_array_append_new(attention, r);
        }
        store_outbox_rows_free(&rows, n);
    }
    json_object_set_new(o, "attention", attention);
    store_broadcast_fini(&b);
    return o;
}

/* Write each broadcast's outbox counts to its (synced) progress and finish it when done. */
static void app_outbox_progress(struct app *a)
{
    char **seen = NULL;
    size_t nseen = 0;

    if (store_outbox_broadcasts(a->store, &seen, &nseen, NULL) != STORE_OK)
        return;
    for (size_t k = 0; k < nseen; k++) {
        size_t c[STORE_OUTBOX_NSTATES];
        struct store_broadcast b;
        if (store_outbox_counts(a->store, seen[k], c, NULL) != STORE_OK ||
            store_broadcast_get(a->store, seen[k], &b, NULL) != STORE_OK)
            continue;
        char *p = xasprintf("{\"queued\":%zu,\"sending\":%zu,\"sent\":%zu,\"failed\":%zu,"
                            "\"uncertain\":%zu,\"skipped\":%zu}",
                            c[0], c[1], c[2], c[3], c[4], c[5]);
        const char *status =
            c[STORE_OUTBOX_QUEUED] + c[STORE_OUTBOX_SENDING] == 0 ? "done"
            : b.status && strcmp(b.status, "held") == 0 && timeutil_now_ms() < b.hold_until
                ? "held"
                : "sending";
        if (b.progress == NULL || strcmp(b.progress, p) != 0 ||
            strcmp(b.status ? b.status : "", status) != 0) {
            struct store_col cols[] = {{"progress", store_text(p)},
                                       {"status", store_text(status)},
                                       {"updated_at", store_int(timeutil_now_ms())}};
            if (store_begin(a->store, NULL) == STORE_OK) {
                if (store_write(a->store, "broadcasts", seen[k], cols, UTIL_ARRAY_LEN(cols),
                                NULL) == STORE_OK)
                    store_commit(a->store, NULL);
                else
                    store_rollback(a->store);
            }
        }
        free(p);
        store_broadcast_fini(&b);
    }
    app_fields_free(seen, nseen);
}

/*
 * Queued messages whose sealed contact waits for the vault. While there are
 * some and the vault is locked, look for the key again (the kernel keyring:
 * `vigia unlock` in another terminal), so a running worker sends them then.
 */
static size_t app_outbox_wait_vault(struct app *a)
{
    size_t n = 0;

    if (store_outbox_locked(a->store, &n, NULL) != STORE_OK || n == 0)
        return 0;
    if (app_unlock_auto(a, NULL) == 0 && store_outbox_locked(a->store, &n, NULL) != STORE_OK)
        n = 0;
    return n;
}

size_t app_outbox_locked(struct app *a)
{
    size_t n = 0;

    store_outbox_locked(a->store, &n, NULL);
    return n;
}

int app_outbox_run(struct app *a, bool until_empty, volatile sig_atomic_t *stop,
                   void (*progress)(const struct send_stats *st, void *data), void *data,
                   struct send_stats *out, char **err)
{
    struct config_send cs;
    struct send_worker *w;
    char *dir, *sink;
    size_t uncertain = 0, locked;
    int64_t last = 0, last_poke = 0, vault_at = 0;
    int rc = -1;

    if (app_send_config(a, &cs, err) != 0)
        return -1;
    dir = util_data_dir();
    util_mkdirs(dir);
    sink = xasprintf("%s/sink.jsonl", dir);
    free(dir);
    w = send_worker_new(a->store, &cs, sink);
    if (a->practice)
        send_worker_practice(w, a->practice_sink); /* app-practice.c: never a gateway */
    if (send_worker_recover(w, &uncertain, err) != 0)
        goto out;
    locked = app_outbox_wait_vault(a);
    while (stop == NULL || !*stop) {
        int64_t now = timeutil_now_ms();
        /* Headless: look for new approvals once a second. */
        if (now - last_poke >= 1000) {
            app_subscriber_pending_apply(a, NULL, NULL); /* STOPs kept by a locked process */
            send_worker_poke(w);
            last_poke = now;
        }
        if (send_worker_step(w, NULL, 0, err) != 0)
            goto out;
        now = timeutil_now_ms();
        if (progress != NULL && now - last >= 1000) {
            struct send_stats st;
            /* Messages with sealed contacts wait for a key: maybe the keyring has it now. */
            if (locked > 0 && now - vault_at >= 5000) {
                locked = app_outbox_wait_vault(a);
                vault_at = now;
            }
            send_worker_stats(w, &st);
            st.locked = locked;
            progress(&st, data);
            last = now;
        }
        if (until_empty && send_worker_idle(w))
            break;
        {
            struct pollfd fds[256];
            size_t n = send_worker_pollfds(w, fds, UTIL_ARRAY_LEN(fds));
            int64_t t = send_worker_timeout(w);
            if (t < 0 || t > 1000)
                t = 1000;
            if (poll(fds, n, (int)t) < 0 && errno != EINTR) {
                util_seterr(err, "poll: %s", strerror(errno));
                goto out;
            }
            if (send_worker_step(w, fds, n, err) != 0)
                goto out;
        }
    }
    /* Stopped (a signal): let what is in flight be answered, briefly. */
    rc = send_worker_finish(w, 5000, err);
out:
    if (out != NULL) {
        send_worker_stats(w, out);
        out->locked = app_outbox_locked(a);
    }
    send_worker_free(&w);
    app_outbox_progress(a);
    free(sink);
    config_send_fini(&cs);
    return rc;
}

int app_outbox_retry_uncertain(struct app *a, const char *broadcast_id, size_t *n, char **err)
{
    if (app_need_actor(a, err) != 0)
        return -1;
    if (store_outbox_retry_uncertain(a->store, broadcast_id, n, err) != STORE_OK)
        return -1;
    if (store_begin(a->store, err) == STORE_OK) {
        char *d = xasprintf("%zu uncertain messages queued again by a dispatcher", *n);
        store_event(a->store, a->actor, "outbox.resend_uncertain", NULL, d, NULL);
        free(d);
        store_commit(a->store, NULL);
    }
    return 0;
}

/* ---- the worker in someone else's poll loop (the console) ------------------------ */

struct app_outbox {
    struct app *a;
    struct config_send cs;
    struct send_worker *w;
    char *sink;
    int64_t progress_at;
    size_t progress_done; /* messages finished when progress was last written */
    int64_t poked_at;
    size_t locked; /* queued with a sealed contact while the vault is locked */
};

struct app_outbox *app_outbox_new(struct app *a, char **err)
{
    struct app_outbox *o = xcalloc(1, sizeof *o);
    char *dir;
    size_t uncertain;

    o->a = a;
    if (app_send_config(a, &o->cs, err) != 0) {
        free(o);
        return NULL;
    }
    dir = util_data_dir();
    util_mkdirs(dir);
    o->sink = xasprintf("%s/sink.jsonl", dir);
    free(dir);
    o->w = send_worker_new(a->store, &o->cs, o->sink);
    if (a->practice)
        send_worker_practice(o->w, a->practice_sink); /* app-practice.c: never a gateway */
    if (send_worker_recover(o->w, &uncertain, err) != 0) {
        app_outbox_free(&o);
        return NULL;
    }
    return o;
}

void app_outbox_free(struct app_outbox **op)
{
    struct app_outbox *o = *op;

    if (o == NULL)
        return;
    send_worker_finish(o->w, 2000, NULL); /* the console is closing: a short grace */
    send_worker_free(&o->w);
    if (o->a->store != NULL) /* NULL after a wipe from the console */
        app_outbox_progress(o->a);
    config_send_fini(&o->cs);
    free(o->sink);
    free(o);
    *op = NULL;
}

void app_outbox_fds(struct app_outbox *o, struct pollfd *fds, size_t max, size_t *n,
                    int *timeout_ms)
{
    int64_t t = send_worker_timeout(o->w);

    *n = send_worker_pollfds(o->w, fds, max);
    *timeout_ms = t < 0 ? -1 : t > 60000 ? 60000 : (int)t;
}

int app_outbox_perform(struct app_outbox *o, const struct pollfd *fds, size_t n, char **err)
{
    int64_t now = timeutil_now_ms();
    int rc;

    /*
     * Woken by something else (a commit, keys, the clock): maybe something to
     * send; at most every two seconds, so typing does not cost transactions.
     */
    if ((fds == NULL || n == 0) && now - o->poked_at >= 2000) {
        app_subscriber_pending_apply(o->a, NULL, NULL); /* STOPs kept by a locked process */
        send_worker_poke(o->w);
        o->poked_at = now;
        /* Counted only: the console's lock (Ctrl-X L) is the dispatcher's, never undone here. */
        o->locked = app_outbox_locked(o->a);
    }
    rc = send_worker_step(o->w, fds, n, err);

    /*
     * Other dispatchers see progress through the synced broadcast row: every
     * few seconds while sending, and at once when the worker falls idle.
     */
    {
        struct send_stats st;
        size_t done;
        send_worker_stats(o->w, &st);
        done = st.sent + st.failed + st.uncertain + st.skipped;
        if (done != o->progress_done && (now - o->progress_at >= 5000 || st.in_flight == 0)) {
            o->progress_at = now;
            o->progress_done = done;
            app_outbox_progress(o->a);
        }
    }
    return rc;
}

void app_outbox_poke(struct app_outbox *o)
{
    if (o != NULL)
        send_worker_poke(o->w);
}

void app_outbox_stats(struct app_outbox *o, struct send_stats *st)
{
    send_worker_stats(o->w, st);
    st->locked = o->locked;
}

/*
 * Why a live public alert needs an update or an all clear, or NULL: one of
 * its reports is no longer confirmed (it was local police, a false alarm,
 * closed) or changed after the approval. @children: ids of broadcasts that
 * follow up on something (comma-separated), so an answered alert is quiet.
 */
static char *app_followup_reason(struct app *a, const struct store_broadcast *b,
                                 const char *children)
{
    char **ids = NULL, *why = NULL;
    size_t n;

    if (b->kind == NULL || strcmp(b->kind, "public") != 0 || b->approved_at == 0 ||
        b->parent_id != NULL || (b->expires_at && timeutil_now_ms() > b->expires_at) ||
        (b->status && strcmp(b->status, "cancelled") == 0) || model_list_has(children, b->id))
        return NULL;
    n = app_split(b->report_ids, &ids);
    for (size_t i = 0; i < n && why == NULL; i++) {
        struct model_report r;
        for (char *p = ids[i]; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        if (store_report_get(a->store, ids[i], &r, NULL) != STORE_OK) {
            model_report_fini(&r);
            continue;
        }
        if (r.status != MODEL_STATUS_CONFIRMED)
            why = xasprintf(_("report %s is now %s"), ids[i], model_status_label(r.status));
        else if (r.updated_at > b->approved_at)
            why = xasprintf(_("report %s changed after the alert went out"), ids[i]);
        model_report_fini(&r);
    }
    app_fields_free(ids, n);
    return why;
}

json_t *app_broadcast_list(struct app *a, size_t limit, char **err)
{
    char **ids = NULL;
    size_t n = 0;
    json_t *arr;

    if (store_broadcast_ids(a->store, limit, &ids, &n, err) != STORE_OK)
        return NULL;
    arr = json_array();
    struct buf children;
    buf_init(&children);
    for (size_t i = 0; i < n; i++) {
        struct store_broadcast b;
        if (store_broadcast_get(a->store, ids[i], &b, NULL) == STORE_OK && b.parent_id) {
            buf_adds(&children, b.parent_id);
            buf_addc(&children, ',');
        }
        store_broadcast_fini(&b);
    }
    for (size_t i = 0; i < n; i++) {
        json_t *st = app_broadcast_status(a, ids[i], NULL);
        struct store_broadcast b;
        if (st == NULL)
            continue;
        if (store_broadcast_get(a->store, ids[i], &b, NULL) == STORE_OK) {
            char *why = app_followup_reason(a, &b, buf_str(&children));
            json_object_set_new(st, "follow_up_needed", why ? json_string(why) : json_null());
            free(why);
            json_object_set_new(st, "template",
                                b.template_name ? json_string(b.template_name) : json_null());
            json_object_set_new(st, "report_ids", json_string(b.report_ids ? b.report_ids : ""));
            json_object_set_new(st, "texts", json_loads(b.texts ? b.texts : "{}", 0, NULL));
            store_broadcast_fini(&b);
        }
        json_object_del(st, "attention");
        json_array_append_new(arr, st);
    }
    buf_fini(&children);
    app_fields_free(ids, n);
    return arr;
}
