/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Checklists and the verdict hint. A checklist is data (share/vigia/checklists,
 * loaded by config/): this module only holds the lists, merges a network's
 * overrides into the shipped ones, and turns a set of answers into a hint with
 * its reasons. The hint is advice for the person deciding; nothing here (or
 * anywhere) changes a report's status because of it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/model.h"

const char *model_tri_name(enum model_tri t)
{
    return t == MODEL_YES ? "yes" : t == MODEL_NO ? "no" : "unknown";
}

bool model_tri_parse(const char *s, enum model_tri *out)
{
    static const char *const yes[] = {"yes", "y", "true", "1", "si", "sí"};
    static const char *const no[] = {"no", "n", "false", "0"};
    static const char *const unk[] = {"unknown", "u", "?", "null"};

    if (s == NULL)
        return false;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(yes); i++)
        if (strcasecmp(s, yes[i]) == 0)
            return *out = MODEL_YES, true;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(no); i++)
        if (strcasecmp(s, no[i]) == 0)
            return *out = MODEL_NO, true;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(unk); i++)
        if (strcasecmp(s, unk[i]) == 0)
            return *out = MODEL_UNKNOWN, true;
    return false;
}

const char *model_tri_label(enum model_tri t)
{
    return t == MODEL_YES ? _("yes") : t == MODEL_NO ? _("no") : _("unknown");
}

bool model_check_key_valid(const char *key)
{
    size_t n = 0;

    if (key == NULL)
        return false;
    for (; key[n]; n++)
        if (!((key[n] >= 'a' && key[n] <= 'z') || (key[n] >= '0' && key[n] <= '9') ||
              key[n] == '_'))
            return false;
    return n > 0 && n <= MODEL_CHECK_KEY_MAX;
}

const char *model_check_text(const char *msgid)
{
    if (msgid == NULL || *msgid == '\0')
        return "";
    /* gettext returns the msgid itself for text it does not know. */
    return _(msgid);
}

/* ---- lists ------------------------------------------------------------------ */

void model_check_item_fini(struct model_check_item *it)
{
    FREE(&it->key);
    FREE(&it->label);
    FREE(&it->brief);
    FREE(&it->brief_no);
    FREE(&it->hint);
}

static void model_check_item_copy(struct model_check_item *dst, const struct model_check_item *src)
{
    *dst = *src;
    dst->key = xstrdup(src->key);
    dst->label = xstrdup(src->label);
    dst->brief = xstrdup(src->brief);
    dst->brief_no = xstrdup(src->brief_no);
    dst->hint = xstrdup(src->hint);
    dst->remove = false;
}

void model_checklist_init(struct model_checklist *l, const char *category)
{
    memset(l, 0, sizeof *l);
    l->category = xstrdup(category ? category : "default");
}

void model_checklist_fini(struct model_checklist *l)
{
    for (size_t i = 0; i < l->n; i++)
        model_check_item_fini(&l->items[i]);
    FREE(&l->items);
    FREE(&l->category);
    l->n = 0;
}

int model_checklist_find(const struct model_checklist *l, const char *key)
{
    if (l == NULL || key == NULL)
        return -1;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return (int)i;
    return -1;
}

void model_checklist_upsert(struct model_checklist *l, const struct model_check_item *it)
{
    int i = model_checklist_find(l, it->key);

    if (it->remove) {
        if (i >= 0) {
            model_check_item_fini(&l->items[i]);
            memmove(&l->items[i], &l->items[i + 1], sizeof *l->items * (l->n - (size_t)i - 1));
            l->n--;
        }
        return;
    }
    if (i >= 0) {
        model_check_item_fini(&l->items[i]);
        model_check_item_copy(&l->items[i], it);
        return;
    }
    l->items = xreallocarray(l->items, l->n + 1, sizeof *l->items);
    model_check_item_copy(&l->items[l->n++], it);
}

void model_checklists_init(struct model_checklists *c)
{
    memset(c, 0, sizeof *c);
}

void model_checklists_fini(struct model_checklists *c)
{
    for (size_t i = 0; i < c->n; i++)
        model_checklist_fini(&c->lists[i]);
    FREE(&c->lists);
    c->n = 0;
}

const struct model_checklist *model_checklists_get(const struct model_checklists *c,
                                                   const char *category)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->lists[i].category, category) == 0)
            return &c->lists[i];
    return NULL;
}

void model_checklists_merge(struct model_checklists *c, const struct model_checklist *src)
{
    struct model_checklist *dst = (struct model_checklist *)model_checklists_get(c, src->category);

    if (dst == NULL) {
        c->lists = xreallocarray(c->lists, c->n + 1, sizeof *c->lists);
        dst = &c->lists[c->n++];
        model_checklist_init(dst, src->category);
    }
    for (size_t i = 0; i < src->n; i++)
        model_checklist_upsert(dst, &src->items[i]);
}

void model_checklists_resolve(const struct model_checklists *c, enum model_category category,
                              struct model_checklist *out)
{
    const struct model_checklist *common = model_checklists_get(c, "common");
    const struct model_checklist *own = model_checklists_get(c, model_category_name(category));

    if (own == NULL)
        own = model_checklists_get(c, "default");
    model_checklist_init(out, model_category_name(category));
    if (common != NULL)
        for (size_t i = 0; i < common->n; i++)
            model_checklist_upsert(out, &common->items[i]);
    if (own != NULL)
        for (size_t i = 0; i < own->n; i++)
            model_checklist_upsert(out, &own->items[i]);
}

void model_check_state_fini(struct model_check_state *s)
{
    FREE(&s->report_id);
    FREE(&s->key);
    FREE(&s->by);
    FREE(&s->note);
}

void model_event_fini(struct model_event *e)
{
    FREE(&e->actor);
    FREE(&e->kind);
    FREE(&e->report_id);
    FREE(&e->detail);
}

/* ---- verdict hint ------------------------------------------------------------- */

const char *model_verdict_name(enum model_verdict_kind k)
{
    switch (k) {
    case MODEL_VERDICT_LIKELY:
        return "likely_operation";
    case MODEL_VERDICT_UNCLEAR:
        return "unclear";
    case MODEL_VERDICT_UNLIKELY:
        return "likely_not";
    case MODEL_VERDICT_NONE:
    default:
        return "none";
    }
}

/* Append @phrase to a comma-separated list. */
static void model_list_add(struct buf *b, const char *phrase)
{
    if (phrase == NULL || *phrase == '\0')
        return;
    if (b->len > 0)
        buf_adds(b, ", ");
    buf_adds(b, model_check_text(phrase));
}

/* The phrase naming an item in reasons: its brief, else its label. */
static const char *model_item_brief(const struct model_check_item *it)
{
    return it->brief && *it->brief ? it->brief : it->label;
}

void model_verdict_compute(const struct model_checklist *l, const enum model_tri *states,
                           struct model_verdict *out)
{
    struct buf pro, con, open, text;
    const struct model_check_item *strong[3] = {NULL, NULL, NULL};

    memset(out, 0, sizeof *out);
    buf_init(&pro);
    buf_init(&con);
    buf_init(&open);
    buf_init(&text);
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        const struct model_check_item *it = &l->items[i];
        int w;
        if (states[i] == MODEL_UNKNOWN) {
            /* The three strongest indicators still open are worth saying out loud. */
            /* (A verifier going to look is the next step, not a missing indicator.) */
            if (!it->source && it->weight >= 2 && strcmp(it->key, MODEL_CHECK_VERIFIER) != 0) {
                const struct model_check_item *c = it;
                for (size_t k = 0; k < UTIL_ARRAY_LEN(strong) && c != NULL; k++)
                    if (strong[k] == NULL || c->weight > strong[k]->weight) {
                        const struct model_check_item *t = strong[k];
                        strong[k] = c;
                        c = t;
                    }
            }
            continue;
        }
        out->answered++;
        w = states[i] == MODEL_YES ? it->weight : it->weight_no;
        out->score += w;
        if (states[i] == MODEL_YES && w > 0 && !it->source)
            out->indicators++;
        if (w == 0)
            continue;
        if (states[i] == MODEL_YES)
            model_list_add(w > 0 ? &pro : &con, model_item_brief(it));
        else if (it->brief_no != NULL)
            model_list_add(w > 0 ? &pro : &con, it->brief_no);
        else
            model_list_add(w > 0 ? &pro : &con, model_item_brief(it));
    }
    for (size_t k = 0; k < UTIL_ARRAY_LEN(strong) && strong[k] != NULL; k++)
        model_list_add(&open, model_item_brief(strong[k]));
    if (out->answered == 0)
        out->kind = MODEL_VERDICT_NONE;
    else if (out->score >= MODEL_VERDICT_LIKELY_AT && out->indicators > 0)
        out->kind = MODEL_VERDICT_LIKELY;
    else if (out->score <= MODEL_VERDICT_UNLIKELY_AT)
        out->kind = MODEL_VERDICT_UNLIKELY;
    else
        out->kind = MODEL_VERDICT_UNCLEAR;

    switch (out->kind) {
    case MODEL_VERDICT_NONE:
        buf_adds(&text, _("not enough information yet"));
        break;
    case MODEL_VERDICT_LIKELY:
        /* TRANSLATORS: %s is a list of indicators seen: "vehicles, HSI vest". */
        buf_printf(&text, _("likely operation: %s"), buf_str(&pro));
        if (con.len > 0)
            /* TRANSLATORS: %s lists what speaks against: "old report, second-hand". */
            buf_printf(&text, _("; against: %s"), buf_str(&con));
        break;
    case MODEL_VERDICT_UNLIKELY:
        /* TRANSLATORS: %s is a list of reasons: "local police, old report". */
        buf_printf(&text, _("likely not an operation: %s"), buf_str(&con));
        if (pro.len > 0)
            /* TRANSLATORS: %s lists what speaks for an operation. */
            buf_printf(&text, _("; for: %s"), buf_str(&pro));
        break;
    case MODEL_VERDICT_UNCLEAR:
        if (pro.len > 0 && con.len > 0)
            /* TRANSLATORS: two lists of reasons, for and against an operation. */
            buf_printf(&text, _("unclear: for %s; against %s"), buf_str(&pro), buf_str(&con));
        else if (pro.len > 0)
            buf_printf(&text, _("unclear: for %s"), buf_str(&pro));
        else if (con.len > 0)
            buf_printf(&text, _("unclear: against %s"), buf_str(&con));
        else
            buf_adds(&text, _("unclear: nothing seen yet"));
        break;
    }
    if (open.len > 0 && out->kind != MODEL_VERDICT_UNLIKELY)
        /* TRANSLATORS: %s lists indicators nobody has answered yet: "photo or video". */
        buf_printf(&text, _("; still unknown: %s"), buf_str(&open));
    out->text = buf_steal(&text);
    buf_fini(&pro);
    buf_fini(&con);
    buf_fini(&open);
}

void model_verdict_fini(struct model_verdict *v)
{
    FREE(&v->text);
}
