/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Roster files: the verifiers a network imports (YAML or CSV, the way a
 * coordinator keeps them in a spreadsheet) and the weekly shift schedule
 * (YAML). Every problem names its place: "FILE:LINE:COLUMN: problem" for
 * YAML, "FILE:LINE: problem" for CSV, where LINE is the physical line the
 * record starts on. Reading is all or nothing; the app then checks each
 * entry as a whole and stores them in one transaction.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/config.h"

void config_verifiers_fini(struct config_verifiers *vs)
{
    for (size_t i = 0; i < vs->n; i++)
        model_verifier_fini(&vs->items[i].v);
    FREE(&vs->items);
    FREE(&vs->file);
    vs->n = 0;
}

char *config_verifiers_errf(const struct config_verifiers *vs, size_t i, const char *fmt, ...)
{
    va_list ap;
    char *msg, *out;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    if (vs->items[i].column > 0)
        out = xasprintf("%s:%d:%d: %s", vs->file, vs->items[i].line, vs->items[i].column, msg);
    else
        out = xasprintf("%s:%d: %s", vs->file, vs->items[i].line, msg);
    free(msg);
    return out;
}

static struct config_verifier_entry *config_verifiers_push(struct config_verifiers *vs, size_t *cap,
                                                           int line, int column)
{
    struct config_verifier_entry *e;

    if (vs->n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        vs->items = xreallocarray(vs->items, *cap, sizeof *vs->items);
    }
    e = &vs->items[vs->n++];
    model_verifier_init(&e->v);
    e->line = line;
    e->column = column;
    return e;
}

/* Join a YAML sequence of scalars with commas; NULL when an item is not a scalar. */
static char *config_join(const struct config_node *n)
{
    struct buf b;

    if (n->type == CONFIG_SCALAR)
        return xstrdup(n->value);
    if (n->type != CONFIG_SEQ)
        return NULL;
    buf_init(&b);
    buf_adds(&b, "");
    for (size_t i = 0; i < n->nitems; i++) {
        if (n->items[i]->type != CONFIG_SCALAR) {
            buf_fini(&b);
            return NULL;
        }
        if (i > 0)
            buf_addc(&b, ',');
        buf_adds(&b, n->items[i]->value);
    }
    return buf_steal(&b);
}

static int config_verifiers_yaml(struct config_verifiers *vs, const char *data, size_t len,
                                 const char *country, char **err)
{
    struct config_doc doc;
    const struct config_node *list;
    size_t cap = 0;
    int rc = -1;

    if (config_doc_parse(vs->file, data, len, &doc, err) != 0)
        return -1;
    if (doc.root == NULL || doc.root->type != CONFIG_MAP ||
        (list = config_map_get(doc.root, "verifiers")) == NULL || list->type != CONFIG_SEQ) {
        *err = doc.root ? config_errf(&doc, doc.root, "%s", _("expected a list under 'verifiers:'"))
                        : xasprintf("%s: %s", vs->file, _("expected a list under 'verifiers:'"));
        goto out;
    }
    for (size_t i = 0; i < list->nitems; i++) {
        const struct config_node *m = list->items[i];
        struct config_verifier_entry *e;
        if (m->type != CONFIG_MAP) {
            *err = config_errf(&doc, m, "%s", _("each verifier must be a map of key: value"));
            goto out;
        }
        e = config_verifiers_push(vs, &cap, m->line, m->column);
        for (size_t k = 0; k < m->nitems; k++) {
            const struct config_node *key = config_map_key(m, k), *val = config_map_value(m, k);
            char *v = config_join(val), *e2 = NULL;
            int r;
            if (v == NULL) {
                *err = config_errf(&doc, val, _("'%s' must be text or a list"), key->value);
                goto out;
            }
            if (text_check(v, MODEL_MAX_LONG, true, NULL) != TEXT_OK) {
                *err = config_errf(&doc, val, "%s: %s", key->value,
                                   text_problem_str(text_check(v, MODEL_MAX_LONG, true, NULL)));
                free(v);
                goto out;
            }
            r = model_verifier_set(&e->v, key->value, v, country, &e2);
            free(v);
            if (r == MODEL_SET_UNKNOWN) {
                *err = config_errf(&doc, key, _("unknown key '%s'"), key->value);
                goto out;
            }
            if (r != MODEL_SET_OK) {
                *err = config_errf(&doc, val, "%s", e2);
                free(e2);
                goto out;
            }
        }
    }
    rc = 0;
out:
    config_doc_fini(&doc);
    return rc;
}

/* ---- CSV ------------------------------------------------------------------ */

static int config_verifiers_csv(struct config_verifiers *vs, const char *data, size_t len,
                                const char *country, char **err)
{
    struct config_csv r;
    char **head = NULL, **f = NULL, *msg = NULL;
    size_t nh = 0, nf = 0, cap = 0;
    int start = 1, got, rc = -1;

    config_csv_init(&r, data, len);
    if ((got = config_csv_record(&r, &head, &nh, &start, &msg)) <= 0) {
        *err = got < 0
                   ? xasprintf("%s:%d: %s", vs->file, start, msg)
                   : xasprintf("%s:1: %s", vs->file, _("expected a header row (name,contact,...)"));
        goto out;
    }
    for (size_t i = 0; i < nh; i++) {
        struct model_verifier probe;
        char *t = head[i];
        for (char *c = t; *c; c++)
            if (*c == ' ')
                *c = '_';
        for (char *c = t; *c; c++)
            *c = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
        model_verifier_init(&probe);
        if (model_verifier_set(&probe, t, "", country, NULL) == MODEL_SET_UNKNOWN) {
            *err = xasprintf(_("%s:%d: unknown column '%s'"), vs->file, 1, t);
            model_verifier_fini(&probe);
            goto out;
        }
        model_verifier_fini(&probe);
    }
    while ((got = config_csv_record(&r, &f, &nf, &start, &msg)) == 1) {
        struct config_verifier_entry *e;
        bool empty = true;
        for (size_t i = 0; i < nf; i++)
            if (*f[i] != '\0')
                empty = false;
        if (empty) {
            config_csv_free(f, nf);
            f = NULL;
            continue;
        }
        if (nf > nh) {
            *err = xasprintf(_("%s:%d: %zu fields, the header has %zu"), vs->file, start, nf, nh);
            goto out;
        }
        e = config_verifiers_push(vs, &cap, start, 0);
        for (size_t i = 0; i < nf; i++) {
            char *e2 = NULL;
            if (text_check(f[i], MODEL_MAX_LONG, true, NULL) != TEXT_OK) {
                *err = xasprintf("%s:%d: %s: %s", vs->file, start, head[i],
                                 text_problem_str(text_check(f[i], MODEL_MAX_LONG, true, NULL)));
                goto out;
            }
            if (model_verifier_set(&e->v, head[i], f[i], country, &e2) != MODEL_SET_OK) {
                *err = xasprintf("%s:%d: %s", vs->file, start, e2);
                free(e2);
                goto out;
            }
        }
        config_csv_free(f, nf);
        f = NULL;
    }
    if (got < 0) {
        *err = xasprintf("%s:%d: %s", vs->file, start, msg);
        goto out;
    }
    rc = 0;
out:
    free(msg);
    config_csv_free(head, nh);
    config_csv_free(f, nf);
    return rc;
}

int config_verifiers_load(const char *file, const char *country, struct config_verifiers *out,
                          char **err)
{
    char *data = NULL;
    size_t len = 0;
    const char *dot = strrchr(file, '.');
    int rc;

    memset(out, 0, sizeof *out);
    out->file = xstrdup(file);
    if ((rc = util_read_file(file, &data, &len)) != 0) {
        util_seterr(err, _("cannot read %s: %s"), file, strerror(-rc));
        return -1;
    }
    if (text_check(data, len + 1, true, NULL) == TEXT_BAD_UTF8) {
        util_seterr(err, _("%s: not valid UTF-8 text"), file);
        free(data);
        return -1;
    }
    out->csv = dot != NULL && strcasecmp(dot, ".csv") == 0;
    if (dot == NULL || (strcasecmp(dot, ".yaml") != 0 && strcasecmp(dot, ".yml") != 0 && !out->csv))
        out->csv = strstr(data, "verifiers:") == NULL;
    rc = out->csv ? config_verifiers_csv(out, data, len, country, err)
                  : config_verifiers_yaml(out, data, len, country, err);
    free(data);
    if (rc != 0) {
        char *keep = out->file;
        out->file = NULL;
        config_verifiers_fini(out);
        out->file = keep;
    }
    return rc;
}

/* ---- shifts --------------------------------------------------------------- */

void config_shifts_fini(struct config_shifts *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        model_shift_fini(&cs->items[i]);
    FREE(&cs->items);
    FREE(&cs->lines);
    FREE(&cs->file);
    cs->n = 0;
}

/* Weekday bits from "mon", "mon-fri", "weekdays", "daily" or a list; 0 on error. */
static unsigned config_days(const struct config_node *n)
{
    char *list = config_join(n), *save = NULL;
    unsigned bits = 0;

    if (list == NULL)
        return 0;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *dash;
        while (*t == ' ')
            t++;
        if (strcasecmp(t, "daily") == 0 || strcasecmp(t, "every day") == 0) {
            bits |= 0x7f;
        } else if (strcasecmp(t, "weekdays") == 0) {
            bits |= 0x3e;
        } else if (strcasecmp(t, "weekends") == 0) {
            bits |= 0x41;
        } else if ((dash = strchr(t, '-')) != NULL) {
            int a, b;
            *dash = '\0';
            a = model_weekday_parse(t);
            b = model_weekday_parse(dash + 1);
            if (a < 0 || b < 0) {
                bits = 0;
                break;
            }
            for (int d = a;; d = (d + 1) % 7) {
                bits |= 1u << d;
                if (d == b)
                    break;
            }
        } else {
            int d = model_weekday_parse(t);
            if (d < 0) {
                bits = 0;
                break;
            }
            bits |= 1u << d;
        }
    }
    free(list);
    return bits;
}

int config_shifts_load(const char *file, struct config_shifts *out, char **err)
{
    struct config_doc doc;
    const struct config_node *list, *w;
    size_t cap = 0;
    int rc = -1;

    memset(out, 0, sizeof *out);
    out->file = xstrdup(file);
    if (config_doc_load(file, &doc, err) != 0)
        return -1;
    if (doc.root == NULL || doc.root->type != CONFIG_MAP ||
        (list = config_map_get(doc.root, "shifts")) == NULL || list->type != CONFIG_SEQ) {
        *err = doc.root ? config_errf(&doc, doc.root, "%s", _("expected a list under 'shifts:'"))
                        : xasprintf("%s: %s", file, _("expected a list under 'shifts:'"));
        goto out;
    }
    if ((w = config_map_get(doc.root, "priority_windows")) != NULL) {
        char *s = config_join(w), *e = NULL;
        if (s == NULL ||
            !model_windows_parse(s, out->windows, MODEL_WINDOWS_MAX, &out->nwindows, &e)) {
            *err = config_errf(&doc, w, "priority_windows: %s",
                               e ? e : _("expected a list of HH:MM-HH:MM"));
            free(s);
            free(e);
            goto out;
        }
        free(s);
        out->has_windows = true;
    }
    for (size_t i = 0; i < list->nitems; i++) {
        const struct config_node *m = list->items[i], *person, *role, *days, *start, *end;
        unsigned bits;
        int r = MODEL_ROLE_VERIFIER, a, b;
        if (m->type != CONFIG_MAP) {
            *err = config_errf(&doc, m, "%s", _("each shift must be a map of key: value"));
            goto out;
        }
        for (size_t k = 0; k < m->nitems; k++) {
            const char *key = config_map_key(m, k)->value;
            if (strcmp(key, "person") && strcmp(key, "role") && strcmp(key, "days") &&
                strcmp(key, "start") && strcmp(key, "end")) {
                *err = config_errf(&doc, config_map_key(m, k), _("unknown key '%s'"), key);
                goto out;
            }
        }
        person = config_map_get(m, "person");
        role = config_map_get(m, "role");
        days = config_map_get(m, "days");
        start = config_map_get(m, "start");
        end = config_map_get(m, "end");
        if (person == NULL || person->type != CONFIG_SCALAR || *person->value == '\0' ||
            text_check(person->value, MODEL_MAX_SHORT, false, NULL) != TEXT_OK) {
            *err = config_errf(&doc, person ? person : m, "%s", _("a shift needs a person"));
            goto out;
        }
        if (role != NULL &&
            (role->type != CONFIG_SCALAR || (r = model_role_parse(role->value)) < 0)) {
            *err = config_errf(&doc, role, _("unknown role '%s'"),
                               role->type == CONFIG_SCALAR ? role->value : "?");
            goto out;
        }
        if (days == NULL || (bits = config_days(days)) == 0) {
            *err = config_errf(&doc, days ? days : m, "%s",
                               _("days: expected weekdays such as mon, tue-fri, weekdays, daily"));
            goto out;
        }
        if (start == NULL || start->type != CONFIG_SCALAR ||
            (a = model_hhmm_parse(start->value)) < 0 || a >= 1440) {
            *err = config_errf(&doc, start ? start : m, "%s", _("start: expected a time HH:MM"));
            goto out;
        }
        if (end == NULL || end->type != CONFIG_SCALAR || (b = model_hhmm_parse(end->value)) < 0 ||
            b % 1440 == a) {
            *err = config_errf(&doc, end ? end : m, "%s",
                               _("end: expected a time HH:MM other than the start"));
            goto out;
        }
        for (int d = 0; d < 7; d++) {
            struct model_shift *sh;
            if (!(bits & (1u << d)))
                continue;
            if (out->n == cap) {
                cap = cap ? cap * 2 : 16;
                out->items = xreallocarray(out->items, cap, sizeof *out->items);
                out->lines = xreallocarray(out->lines, cap, sizeof *out->lines);
            }
            sh = &out->items[out->n];
            memset(sh, 0, sizeof *sh);
            sh->person = xstrdup(person->value);
            sh->role = (enum model_role)r;
            sh->weekday = d;
            sh->start_min = a;
            sh->end_min = b % 1440;
            out->lines[out->n++] = m->line;
        }
    }
    rc = 0;
out:
    config_doc_fini(&doc);
    return rc;
}
