/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Checklist files: the YAML files in share/vigia/checklists, then a network's own folder.
 * Each file is one category's list (or "common", the items every list starts
 * with, or "default", the list of categories without their own):
 *
 *     category: enforcement_sighting
 *     items:
 *       - key: vehicles
 *         label: "Several vehicles parked haphazardly"
 *         brief: "vehicles"
 *         hint: "Unmarked SUVs or vans parked fast, engines running."
 *         weight: 2          # on yes; -10..10
 *         weight_no: 0       # on no
 *       - key: buses
 *         remove: true       # a network's file may drop a shipped item
 *
 * A file is read whole into a list first and merged only when it has no
 * problem, so one broken file never half-applies, and the others still load.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/config.h"

#define CONFIG_CHECK_TEXT_MAX 1000

/* A text field of an item: one valid line of text. */
static int config_check_text(const struct config_doc *doc, const struct config_node *k,
                             const struct config_node *v, char **out, char **err)
{
    enum text_problem p;

    if (v->type != CONFIG_SCALAR) {
        *err = config_errf(doc, v, _("'%s' must be a single value"), k->value);
        return -1;
    }
    p = text_check(v->value, CONFIG_CHECK_TEXT_MAX, false, NULL);
    if (p != TEXT_OK) {
        *err = config_errf(doc, v, _("'%s': %s"), k->value, text_problem_str(p));
        return -1;
    }
    free(*out);
    *out = *v->value ? text_nfc(v->value) : NULL;
    return 0;
}

static int config_check_int(const struct config_doc *doc, const struct config_node *k,
                            const struct config_node *v, int *out, char **err)
{
    long n;

    if (v->type != CONFIG_SCALAR ||
        !util_parse_int(v->value, -MODEL_CHECK_WEIGHT_MAX, MODEL_CHECK_WEIGHT_MAX, &n)) {
        *err = config_errf(doc, v, _("'%s' must be a whole number from %d to %d"), k->value,
                           -MODEL_CHECK_WEIGHT_MAX, MODEL_CHECK_WEIGHT_MAX);
        return -1;
    }
    *out = (int)n;
    return 0;
}

static int config_check_bool(const struct config_doc *doc, const struct config_node *k,
                             const struct config_node *v, bool *out, char **err)
{
    if (v->type == CONFIG_SCALAR && (strcmp(v->value, "true") == 0 || strcmp(v->value, "yes") == 0))
        *out = true;
    else if (v->type == CONFIG_SCALAR &&
             (strcmp(v->value, "false") == 0 || strcmp(v->value, "no") == 0))
        *out = false;
    else {
        *err = config_errf(doc, v, _("'%s' must be true or false"), k->value);
        return -1;
    }
    return 0;
}

/* Read one item map into @it (zeroed by the caller). */
static int config_check_item(const struct config_doc *doc, const struct config_node *map,
                             struct model_check_item *it, char **err)
{
    const struct config_node *keynode = NULL;

    if (map->type != CONFIG_MAP) {
        *err = config_errf(doc, map, "%s",
                           _("each checklist item must be a map (key: ..., label: ...)"));
        return -1;
    }
    for (size_t i = 0; i < map->nitems; i++) {
        const struct config_node *k = config_map_key(map, i);
        const struct config_node *v = config_map_value(map, i);
        int rc;

        if (strcmp(k->value, "key") == 0) {
            keynode = v;
            if (v->type != CONFIG_SCALAR || !model_check_key_valid(v->value)) {
                *err = config_errf(doc, v, _("an item key is 1 to %d characters of a-z, 0-9 and _"),
                                   MODEL_CHECK_KEY_MAX);
                return -1;
            }
            free(it->key);
            it->key = xstrdup(v->value);
            continue;
        }
        if (strcmp(k->value, "label") == 0)
            rc = config_check_text(doc, k, v, &it->label, err);
        else if (strcmp(k->value, "brief") == 0)
            rc = config_check_text(doc, k, v, &it->brief, err);
        else if (strcmp(k->value, "brief_no") == 0)
            rc = config_check_text(doc, k, v, &it->brief_no, err);
        else if (strcmp(k->value, "hint") == 0)
            rc = config_check_text(doc, k, v, &it->hint, err);
        else if (strcmp(k->value, "weight") == 0)
            rc = config_check_int(doc, k, v, &it->weight, err);
        else if (strcmp(k->value, "weight_no") == 0)
            rc = config_check_int(doc, k, v, &it->weight_no, err);
        else if (strcmp(k->value, "source") == 0)
            rc = config_check_bool(doc, k, v, &it->source, err);
        else if (strcmp(k->value, "remove") == 0)
            rc = config_check_bool(doc, k, v, &it->remove, err);
        else {
            *err = config_errf(doc, k,
                               _("unknown item field '%s' (key, label, brief, brief_no, hint, "
                                 "weight, weight_no, source, remove)"),
                               k->value);
            return -1;
        }
        if (rc != 0)
            return -1;
    }
    if (keynode == NULL) {
        *err = config_errf(doc, map, "%s", _("checklist item has no key"));
        return -1;
    }
    if (it->label == NULL && !it->remove) {
        *err = config_errf(doc, map, _("checklist item '%s' has no label"), it->key);
        return -1;
    }
    return 0;
}

int config_checklist_load(const char *file, struct model_checklist *out, char **err)
{
    struct config_doc doc;
    const struct config_node *cat, *items;
    int rc = -1;

    model_checklist_init(out, "default");
    if (config_doc_load(file, &doc, err) != 0) {
        config_doc_fini(&doc);
        return -1;
    }
    if (doc.root == NULL || doc.root->type != CONFIG_MAP) {
        *err = config_errf(&doc, doc.root, "%s",
                           _("a checklist is a map with 'category:' and 'items:'"));
        goto out;
    }
    for (size_t i = 0; i < doc.root->nitems; i++) {
        const struct config_node *k = config_map_key(doc.root, i);
        if (strcmp(k->value, "category") != 0 && strcmp(k->value, "items") != 0) {
            *err =
                config_errf(&doc, k, _("unknown checklist field '%s' (category, items)"), k->value);
            goto out;
        }
    }
    cat = config_map_get(doc.root, "category");
    if (cat == NULL || cat->type != CONFIG_SCALAR) {
        *err = config_errf(&doc, cat ? cat : doc.root, "%s",
                           _("a checklist needs 'category:' (a category, default or common)"));
        goto out;
    }
    if (strcmp(cat->value, "default") != 0 && strcmp(cat->value, "common") != 0 &&
        model_category_parse(cat->value) < 0) {
        *err = config_errf(&doc, cat, _("unknown category '%s'"), cat->value);
        goto out;
    }
    free(out->category);
    out->category =
        xstrdup(strcmp(cat->value, "default") == 0 || strcmp(cat->value, "common") == 0
                    ? cat->value
                    : model_category_name((enum model_category)model_category_parse(cat->value)));
    items = config_map_get(doc.root, "items");
    if (items == NULL || items->type != CONFIG_SEQ) {
        *err = config_errf(&doc, items ? items : doc.root, "%s",
                           _("a checklist needs a list under 'items:'"));
        goto out;
    }
    for (size_t i = 0; i < items->nitems; i++) {
        struct model_check_item it;

        memset(&it, 0, sizeof it);
        it.source = strcmp(out->category, "common") == 0;
        if (config_check_item(&doc, items->items[i], &it, err) != 0) {
            model_check_item_fini(&it);
            goto out;
        }
        if (model_checklist_find(out, it.key) >= 0) {
            *err = config_errf(&doc, items->items[i], _("item key '%s' appears twice"), it.key);
            model_check_item_fini(&it);
            goto out;
        }
        if (it.remove) {
            /* Keep the removal so the merge drops the key from earlier files. */
            out->items = xreallocarray(out->items, out->n + 1, sizeof *out->items);
            out->items[out->n++] = it;
            continue;
        }
        model_checklist_upsert(out, &it);
        model_check_item_fini(&it);
    }
    rc = 0;
out:
    if (rc != 0) {
        char *cat_name = xstrdup(out->category);
        model_checklist_fini(out);
        model_checklist_init(out, cat_name);
        free(cat_name);
    }
    config_doc_fini(&doc);
    return rc;
}

static int config_yaml_filter(const struct dirent *d)
{
    size_t n = strlen(d->d_name);

    return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".yaml") == 0;
}

void config_checklists_load(const char *const *dirs, size_t ndirs, struct model_checklists *c,
                            char ***warnings, size_t *nwarn)
{
    for (size_t d = 0; d < ndirs; d++) {
        struct dirent **names;
        int n;

        if (dirs[d] == NULL)
            continue;
        n = scandir(dirs[d], &names, config_yaml_filter, alphasort);
        if (n < 0) {
            if (errno != ENOENT) {
                *warnings = xreallocarray(*warnings, *nwarn + 1, sizeof **warnings);
                (*warnings)[(*nwarn)++] =
                    xasprintf(_("cannot read checklist folder %s: %s"), dirs[d], strerror(errno));
            }
            continue;
        }
        for (int i = 0; i < n; i++) {
            char *file = xasprintf("%s/%s", dirs[d], names[i]->d_name);
            struct model_checklist l;
            char *err = NULL;

            if (config_checklist_load(file, &l, &err) == 0) {
                model_checklists_merge(c, &l);
            } else {
                *warnings = xreallocarray(*warnings, *nwarn + 1, sizeof **warnings);
                (*warnings)[(*nwarn)++] = err;
            }
            model_checklist_fini(&l);
            free(file);
            free(names[i]);
        }
        free(names);
    }
}
