/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reading a referral directory from a file a network keeps: YAML through the
 * positioned node tree of config.c, or CSV exported from a spreadsheet.
 *
 * CSV is outside input and parsed strictly (RFC 4180 with the usual
 * exports' habits): a UTF-8 byte-order mark is skipped, lines may end in
 * CRLF or LF, a quoted field may hold commas, doubled quotes and newlines,
 * and a header whose only separator is ';' (spreadsheets in Spanish locales)
 * switches the separator. Every problem names the physical line the record
 * starts on. Either the whole file is read or nothing is returned.
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

/* Keys whose values may be lists (YAML sequences). */
static bool config_resource_list_key(const char *key)
{
    return strcmp(key, "services") == 0 || strcmp(key, "languages") == 0 ||
           strcmp(key, "areas") == 0 || strcmp(key, "excluded_statuses") == 0 ||
           strcmp(key, "courts") == 0;
}

/* Keys whose text may span lines. */
static bool config_resource_multiline(const char *key)
{
    return strcmp(key, "notes") == 0 || strcmp(key, "vetting") == 0 || strcmp(key, "courts") == 0 ||
           strcmp(key, "excluded_statuses") == 0 || strcmp(key, "areas") == 0;
}

static bool config_resource_known(const char *key)
{
    for (const char *const *k = model_resource_keys(); *k != NULL; k++)
        if (strcmp(*k, key) == 0)
            return true;
    return false;
}

/*
 * Check one field's text and set it. Returns 0, or -1 with *msg (newly
 * allocated, without position).
 */
static int config_resource_field(struct model_resource *r, const char *key, const char *value,
                                 int64_t now, char **msg)
{
    size_t off;
    enum text_problem p =
        text_check(value, MODEL_MAX_RESOURCE_TEXT * 2, config_resource_multiline(key), &off);
    char *e = NULL;

    if (p != TEXT_OK) {
        *msg = xasprintf(_("%s: %s at byte %zu"), key, text_problem_str(p), off);
        return -1;
    }
    switch (model_resource_set(r, key, value, now, &e)) {
    case MODEL_SET_OK:
        return 0;
    case MODEL_SET_BAD:
        *msg = e;
        return -1;
    default:
        *msg = xasprintf(_("unknown key '%s'"), key);
        return -1;
    }
}

static void config_resources_push(struct config_resources *rs, size_t *cap, int line, int column)
{
    if (rs->n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        rs->items = xreallocarray(rs->items, *cap, sizeof *rs->items);
    }
    model_resource_init(&rs->items[rs->n].r);
    rs->items[rs->n].line = line;
    rs->items[rs->n].column = column;
    rs->n++;
}

void config_resources_fini(struct config_resources *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        model_resource_fini(&rs->items[i].r);
    FREE(&rs->items);
    FREE(&rs->file);
    rs->n = 0;
}

char *config_resources_errf(const struct config_resources *rs, size_t i, const char *fmt, ...)
{
    va_list ap;
    char *msg, *out;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    if (i >= rs->n)
        out = xasprintf("%s: %s", rs->file, msg);
    else if (rs->csv)
        out = xasprintf("%s:%d: %s", rs->file, rs->items[i].line, msg);
    else
        out = xasprintf("%s:%d:%d: %s", rs->file, rs->items[i].line, rs->items[i].column, msg);
    free(msg);
    return out;
}

/* ---- YAML ------------------------------------------------------------------ */

static bool config_yaml_bool(const char *v, bool *out)
{
    if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0) {
        *out = true;
        return true;
    }
    if (strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0) {
        *out = false;
        return true;
    }
    return false;
}

/* Read one entry map into the last item of @rs. */
static int config_resource_yaml_entry(struct config_resources *rs, const struct config_doc *doc,
                                      const struct config_node *m, int64_t now, char **err)
{
    struct model_resource *r = &rs->items[rs->n - 1].r;

    if (m->type != CONFIG_MAP) {
        *err = config_errf(doc, m, "%s", _("each resource must be a map of key: value"));
        return -1;
    }
    for (size_t i = 0; i < m->nitems; i++) {
        const struct config_node *k = config_map_key(m, i), *v = config_map_value(m, i);
        char *value = NULL, *msg = NULL;
        if (k->type != CONFIG_SCALAR || !config_resource_known(k->value)) {
            *err = config_errf(doc, k, _("unknown key '%s'"),
                               k->type == CONFIG_SCALAR ? k->value : "?");
            return -1;
        }
        if (config_map_get(m, k->value) != v) {
            *err = config_errf(doc, k, _("'%s' appears twice"), k->value);
            return -1;
        }
        if (v->type == CONFIG_SEQ && config_resource_list_key(k->value)) {
            struct buf b;
            buf_init(&b);
            buf_adds(&b, "");
            for (size_t j = 0; j < v->nitems; j++) {
                if (v->items[j]->type != CONFIG_SCALAR) {
                    buf_fini(&b);
                    *err =
                        config_errf(doc, v->items[j], _("'%s' must be a list of text"), k->value);
                    return -1;
                }
                if (b.len > 0)
                    buf_addc(&b, ',');
                buf_adds(&b, v->items[j]->value);
            }
            value = buf_steal(&b);
        } else if (v->type == CONFIG_SCALAR) {
            value = xstrdup(v->value);
        } else {
            *err = config_errf(doc, v, _("'%s' must be a single value"), k->value);
            return -1;
        }
        if (config_resource_field(r, k->value, value, now, &msg) != 0) {
            *err = config_errf(doc, v, "%s", msg);
            free(msg);
            free(value);
            return -1;
        }
        free(value);
    }
    return 0;
}

static int config_resources_yaml(struct config_resources *rs, const char *data, size_t len,
                                 int64_t now, char **err)
{
    struct config_doc doc = {0};
    const struct config_node *list = NULL;
    size_t cap = 0;
    int rc = -1;

    if (config_doc_parse(rs->file, data, len, &doc, err) != 0)
        goto out;
    if (doc.root == NULL) {
        *err = xasprintf(_("%s: empty file: no resources"), rs->file);
        goto out;
    }
    if (doc.root->type == CONFIG_SEQ) {
        list = doc.root;
    } else if (doc.root->type == CONFIG_MAP) {
        for (size_t i = 0; i < doc.root->nitems; i++) {
            const struct config_node *k = config_map_key(doc.root, i);
            const struct config_node *v = config_map_value(doc.root, i);
            if (k->type == CONFIG_SCALAR && strcmp(k->value, "resources") == 0) {
                if (v->type != CONFIG_SEQ) {
                    *err = config_errf(&doc, v, "%s", _("'resources' must be a list"));
                    goto out;
                }
                list = v;
            } else if (k->type == CONFIG_SCALAR && strcmp(k->value, "sample") == 0) {
                if (v->type != CONFIG_SCALAR || !config_yaml_bool(v->value, &rs->sample)) {
                    *err = config_errf(&doc, v, "%s", _("'sample' must be true or false"));
                    goto out;
                }
            } else {
                *err = config_errf(&doc, k, _("unknown key '%s' (expected resources, sample)"),
                                   k->type == CONFIG_SCALAR ? k->value : "?");
                goto out;
            }
        }
        if (list == NULL) {
            *err = config_errf(&doc, doc.root, "%s", _("no 'resources:' list"));
            goto out;
        }
    } else {
        *err = config_errf(&doc, doc.root, "%s", _("expected a list of resources"));
        goto out;
    }
    for (size_t i = 0; i < list->nitems; i++) {
        config_resources_push(rs, &cap, list->items[i]->line, list->items[i]->column);
        if (config_resource_yaml_entry(rs, &doc, list->items[i], now, err) != 0)
            goto out;
        rs->items[rs->n - 1].r.sample = rs->sample;
    }
    rc = 0;
out:
    config_doc_fini(&doc);
    return rc;
}

static int config_resources_csv(struct config_resources *rs, const char *data, size_t len,
                                int64_t now, char **err)
{
    struct config_csv c;
    char **header = NULL, **fields = NULL, *msg = NULL;
    size_t nh = 0, nf = 0, cap = 0;
    int line = 1, rc = -1, got;

    config_csv_init(&c, data, len);
    got = config_csv_record(&c, &header, &nh, &line, &msg);
    if (got <= 0) {
        *err = got == 0 ? xasprintf(_("%s: empty file: no header row"), rs->file)
                        : xasprintf("%s:%d: %s", rs->file, line, msg);
        goto out;
    }
    for (size_t i = 0; i < nh; i++) {
        char *k = header[i];
        /* Headers are keys; "Checked At" and "checked-at" are checked_at. */
        for (char *q = k; *q; q++)
            *q = *q == ' ' || *q == '-' ? '_' : (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
        if (!config_resource_known(k)) {
            *err = xasprintf(_("%s:%d: unknown column '%s'"), rs->file, line, k);
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(header[j], k) == 0) {
                *err = xasprintf(_("%s:%d: column '%s' appears twice"), rs->file, line, k);
                goto out;
            }
    }
    for (;;) {
        got = config_csv_record(&c, &fields, &nf, &line, &msg);
        if (got == 0)
            break;
        if (got < 0) {
            *err = xasprintf("%s:%d: %s", rs->file, line, msg);
            goto out;
        }
        if (nf > nh) {
            *err =
                xasprintf(_("%s:%d: %zu fields, but the header has %zu"), rs->file, line, nf, nh);
            goto out;
        }
        config_resources_push(rs, &cap, line, 0);
        for (size_t i = 0; i < nf; i++) {
            if (config_resource_field(&rs->items[rs->n - 1].r, header[i], fields[i], now, &msg) !=
                0) {
                *err = xasprintf("%s:%d: %s", rs->file, line, msg);
                goto out;
            }
        }
        config_csv_free(fields, nf);
        fields = NULL;
        nf = 0;
    }
    if (rs->n == 0) {
        *err = xasprintf(_("%s: no resources after the header"), rs->file);
        goto out;
    }
    rc = 0;
out:
    free(msg);
    config_csv_free(header, nh);
    config_csv_free(fields, nf);
    return rc;
}

/* ---- either ------------------------------------------------------------------ */

/* Guess CSV from the content: a first line with separators and no YAML key. */
static bool config_resources_looks_csv(const char *data, size_t len)
{
    const char *p = data, *end = data + len;

    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    if (p < end && (*p == '#' || *p == '-' || *p == '{' || *p == '['))
        return false;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL)
        nl = end;
    if (memchr(p, ':', (size_t)(nl - p)) != NULL)
        return false;
    return memchr(p, ',', (size_t)(nl - p)) != NULL || memchr(p, ';', (size_t)(nl - p)) != NULL;
}

int config_resources_load(const char *file, int64_t now, struct config_resources *out, char **err)
{
    const char *dot = strrchr(file, '.');
    char *data = NULL;
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    out->file = xstrdup(file);
    if ((rc = util_read_file(file, &data, &len)) != 0) {
        util_seterr(err, _("cannot read %s: %s"), file, strerror(-rc));
        FREE(&out->file);
        return -1;
    }
    if (memchr(data, '\0', len) != NULL) {
        util_seterr(err, _("%s: not a text file (it holds NUL bytes)"), file);
        rc = -1;
        goto out;
    }
    if (dot != NULL && strchr(dot, '/') == NULL && strcasecmp(dot, ".csv") == 0)
        out->csv = true;
    else if (dot != NULL && strchr(dot, '/') == NULL &&
             (strcasecmp(dot, ".yaml") == 0 || strcasecmp(dot, ".yml") == 0))
        out->csv = false;
    else
        out->csv = config_resources_looks_csv(data, len);
    rc = out->csv ? config_resources_csv(out, data, len, now, err)
                  : config_resources_yaml(out, data, len, now, err);
out:
    free(data);
    if (rc != 0)
        config_resources_fini(out); /* all or nothing */
    return rc;
}
