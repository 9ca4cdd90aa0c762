/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The people of a detention follow-up (`vigia followup`): validation,
 * listing masked or in full, removal. The store keeps them in
 * followup_people, sealed (src/store/store-followup.c).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/store.h"
#include "vigia/app.h"

#include "private.h"

static const char *const app_relations[] = {"detained", "spouse",  "parent",
                                            "child",    "sibling", "other"};
/* The same, as people read them (same order). */
static const char *const app_relation_labels[] = {
    /* TRANSLATORS: relations of people in a detention follow-up. */
    N_("detained"), N_("spouse"), N_("parent"), N_("child"), N_("sibling"), N_("other"),
};

const char *app_relation_label(const char *relation)
{
    for (size_t i = 0; relation != NULL && i < UTIL_ARRAY_LEN(app_relations); i++)
        if (strcmp(relation, app_relations[i]) == 0)
            return _(app_relation_labels[i]);
    return relation != NULL ? relation : "-";
}

char *app_a_number_normalise(const char *s, char **err)
{
    char digits[16];
    size_t n = 0;
    const char *p = s;

    while (*p == ' ')
        p++;
    if (*p == 'A' || *p == 'a')
        p++;
    for (; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (n == 9) {
                n = 10;
                break;
            }
            digits[n++] = *p;
        } else if (*p != ' ' && *p != '-' && *p != '.' && *p != '#') {
            util_seterr(err, "%s", _("a-number: only digits, spaces and dashes after the A"));
            return NULL;
        }
    }
    if (n < 8 || n > 9) {
        util_seterr(err, "%s", _("a-number: it has 8 or 9 digits (A-123 456 789)"));
        return NULL;
    }
    digits[n] = '\0';
    return n == 8 ? xasprintf("0%s", digits) : xstrdup(digits);
}

bool app_text_has_person_data(const char *text)
{
    struct text_pii_hit *hits = NULL;
    size_t n;
    bool found = false;

    if (text == NULL || *text == '\0')
        return false;
    n = text_pii_scan(text, NULL, 0, &hits);
    for (size_t i = 0; i < n; i++)
        if (hits[i].kind == TEXT_PII_PHONE || hits[i].kind == TEXT_PII_A_NUMBER)
            found = true;
    free(hits);
    return found;
}

/* A free-text field: valid UTF-8, no control characters, not too long. */
static int app_person_text(const char *field, const char *v, size_t max, bool multiline, char **err)
{
    enum text_problem p;

    if (v == NULL)
        return 0;
    if ((p = text_check(v, max, multiline, NULL)) != TEXT_OK) {
        /* TRANSLATORS: "name: invalid UTF-8"; the field is an option name. */
        util_seterr(err, _("%s: %s"), field, text_problem_str(p));
        return -1;
    }
    return 0;
}

static char *app_person_trim(const char *s)
{
    const char *e;

    if (s == NULL)
        return NULL;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
        e--;
    return e > s ? xstrndup(s, (size_t)(e - s)) : NULL;
}

int app_person_add(struct app *a, const struct app_person_in *in, char id[ULID_LEN + 1], char **err)
{
    struct store_person p = {0};
    struct model_report r;
    const char *relation = in->relation ? in->relation : "detained";
    bool known = false;
    int rc = -1, src;

    id[0] = '\0';
    if (app_person_text("name", in->name, MODEL_MAX_SHORT, false, err) != 0 ||
        app_person_text("relation", in->relation, MODEL_MAX_SHORT, false, err) != 0 ||
        app_person_text("phone", in->phone, MODEL_MAX_SHORT, false, err) != 0 ||
        app_person_text("a-number", in->a_number, MODEL_MAX_SHORT, false, err) != 0 ||
        app_person_text("held-at", in->where_held, MODEL_MAX_SHORT, false, err) != 0 ||
        app_person_text("note", in->notes, MODEL_MAX_LONG, true, err) != 0)
        return -1;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(app_relations); i++)
        if (strcmp(relation, app_relations[i]) == 0)
            known = true;
    if (!known) {
        util_seterr(err,
                    _("relation: '%s' is not one of detained, spouse, parent, child, sibling, "
                      "other"),
                    relation);
        return -1;
    }
    p.name = app_person_trim(in->name);
    if (p.name == NULL) {
        util_seterr(err, "%s", _("name: required (the person's name as the family gives it)"));
        goto out;
    }
    if (in->phone != NULL && *in->phone != '\0') {
        char *perr = NULL;
        if ((p.phone = model_phone_e164(in->phone, a->config.default_country, &perr)) == NULL) {
            util_seterr(err, _("phone: %s"), perr ? perr : _("not a phone number"));
            free(perr);
            goto out;
        }
    }
    if (in->a_number != NULL && *in->a_number != '\0' &&
        (p.a_number = app_a_number_normalise(in->a_number, err)) == NULL)
        goto out;
    src = store_report_get(a->store, in->report_id, &r, err);
    if (src == STORE_ERR_NOT_FOUND) {
        if (err != NULL)
            FREE(err);
        util_seterr(err, _("no report with id %s"), in->report_id);
        goto out;
    }
    if (src != STORE_OK)
        goto out;
    model_report_fini(&r);
    p.report_id = xstrdup(in->report_id);
    p.relation = xstrdup(relation);
    p.where_held = app_person_trim(in->where_held);
    p.notes = app_person_trim(in->notes);
    p.detained_at = in->detained_at;
    p.created_at = timeutil_now_ms();
    if (store_person_add(a->store, &p, a->actor, err) != STORE_OK)
        goto out;
    memcpy(id, p.id, sizeof p.id);
    rc = 0;
out:
    store_person_fini(&p);
    return rc;
}

/* "M•••": the first character, then three dots whatever the length. */
static char *app_person_mask_name(const char *s)
{
    size_t len = 1;

    if (s == NULL || *s == '\0')
        return NULL;
    while (s[len] != '\0' && ((unsigned char)s[len] & 0xC0) == 0x80)
        len++;
    return xasprintf("%.*s•••", (int)len, s);
}

static char *app_person_mask_a(const char *s)
{
    size_t n;

    if (s == NULL || *s == '\0')
        return NULL;
    n = strlen(s);
    return xasprintf("A-•••-•••-•%s", n >= 2 ? s + n - 2 : s);
}

static char *app_person_hidden(const char *s)
{
    return s != NULL && *s != '\0' ? xstrdup("•••") : NULL;
}

static char *app_person_a_full(const char *s)
{
    if (s == NULL || strlen(s) != 9)
        return s ? xstrdup(s) : NULL;
    return xasprintf("A-%.3s-%.3s-%.3s", s, s + 3, s + 6);
}

static void app_person_zfree(char **p)
{
    if (*p != NULL)
        sodium_memzero(*p, strlen(*p));
    FREE(p);
}

int app_person_list(struct app *a, const char *report_id, bool reveal, struct app_person **rows,
                    size_t *n, char **err)
{
    struct store_person *sp = NULL;
    size_t ns = 0;

    *rows = NULL;
    *n = 0;
    if (reveal && app_vault_state(a) == APP_VAULT_LOCKED) {
        util_seterr(err, "%s",
                    _("personal data is locked: run 'vigia unlock' to show the people's details"));
        return -1;
    }
    if (store_person_list(a->store, report_id, &sp, &ns, err) != STORE_OK)
        return -1;
    if (ns > 0)
        *rows = xcalloc(ns, sizeof **rows);
    for (size_t i = 0; i < ns; i++) {
        struct app_person *r = &(*rows)[i];
        struct store_person *p = &sp[i];

        memcpy(r->id, p->id, sizeof r->id);
        r->relation = p->relation ? xstrdup(p->relation) : NULL;
        r->created_by = p->created_by ? xstrdup(p->created_by) : NULL;
        r->detained_at = p->detained_at;
        r->created_at = p->created_at;
        if (store_person_open(a->store, p, NULL) != STORE_OK) {
            r->locked = true; /* locked, or sealed under a key this device does not have */
            continue;
        }
        if (reveal) {
            r->name = p->name ? xstrdup(p->name) : NULL;
            r->phone = p->phone ? xstrdup(p->phone) : NULL;
            r->a_number = app_person_a_full(p->a_number);
            r->where_held = p->where_held ? xstrdup(p->where_held) : NULL;
            r->notes = p->notes ? xstrdup(p->notes) : NULL;
        } else {
            r->name = app_person_mask_name(p->name);
            r->phone = p->phone ? app_contact_mask(p->phone) : NULL;
            r->a_number = app_person_mask_a(p->a_number);
            r->where_held = app_person_hidden(p->where_held);
            r->notes = app_person_hidden(p->notes);
        }
    }
    store_people_free(&sp, ns);
    *n = ns;
    return 0;
}

int app_person_remove(struct app *a, const char *id, char **err)
{
    return store_person_remove(a->store, id, a->actor, err) == STORE_OK ? 0 : -1;
}

int app_person_count(struct app *a, const char *report_id, size_t *n, char **err)
{
    return store_person_count(a->store, report_id, n, err) == STORE_OK ? 0 : -1;
}

void app_people_free(struct app_person **rows, size_t n)
{
    for (size_t i = 0; *rows != NULL && i < n; i++) {
        struct app_person *r = &(*rows)[i];
        app_person_zfree(&r->name);
        app_person_zfree(&r->phone);
        app_person_zfree(&r->a_number);
        app_person_zfree(&r->where_held);
        app_person_zfree(&r->notes);
        free(r->relation);
        free(r->created_by);
    }
    FREE(rows);
}

static json_t *app_person_jstr(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

char *app_person_json(const struct app_person *p)
{
    json_t *o = json_object();
    char t[32], *s;

    json_object_set_new(o, "id", json_string(p->id));
    json_object_set_new(o, "relation", app_person_jstr(p->relation));
    json_object_set_new(o, "locked", json_boolean(p->locked));
    json_object_set_new(o, "name", app_person_jstr(p->name));
    json_object_set_new(o, "phone", app_person_jstr(p->phone));
    json_object_set_new(o, "a_number", app_person_jstr(p->a_number));
    json_object_set_new(o, "where_held", app_person_jstr(p->where_held));
    json_object_set_new(o, "notes", app_person_jstr(p->notes));
    if (p->detained_at) {
        timeutil_rfc3339(p->detained_at, t);
        json_object_set_new(o, "detained_at", json_string(t));
    } else {
        json_object_set_new(o, "detained_at", json_null());
    }
    if (p->created_at) {
        timeutil_rfc3339(p->created_at, t);
        json_object_set_new(o, "created_at", json_string(t));
    }
    json_object_set_new(o, "created_by", app_person_jstr(p->created_by));
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}
