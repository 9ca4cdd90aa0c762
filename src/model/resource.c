/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The referral directory, pure: services as identifiers with translated
 * labels, the entries networks keep about trusted organisations (the
 * questions they ask providers: languages, areas, detained or not, criminal
 * history or not, fees, statuses they exclude, courts), validation, and the
 * "not checked for N days" rule.
 *
 * Lists are kept as comma-separated text so that they sync as one cell each
 * and read well in CSV. Languages become ISO 639-1 codes when the name is
 * known ("Spanish", "español" -> "es") so that a search for "es" finds an
 * entry written "Español"; places are kept as written and compared with
 * case and accents folded.
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

static const char *const model_service_names[MODEL_SERVICE_COUNT] = {
    [MODEL_SERVICE_IMMIGRATION_ATTORNEY] = "immigration_attorney",
    [MODEL_SERVICE_CRIMINAL_ATTORNEY] = "criminal_attorney",
    [MODEL_SERVICE_BORDER_SUPPORT] = "border_support",
    [MODEL_SERVICE_LEGAL_AID] = "legal_aid",
    [MODEL_SERVICE_BAIL_FINANCIAL] = "bail_financial",
    [MODEL_SERVICE_DV_HOUSING_SUPPORT] = "dv_housing_support",
    [MODEL_SERVICE_DETENTION_LOCATOR] = "detention_locator",
};

static const char *const model_service_labels[MODEL_SERVICE_COUNT] = {
    [MODEL_SERVICE_IMMIGRATION_ATTORNEY] = N_("immigration attorney"),
    [MODEL_SERVICE_CRIMINAL_ATTORNEY] = N_("criminal attorney"),
    [MODEL_SERVICE_BORDER_SUPPORT] = N_("border support"),
    [MODEL_SERVICE_LEGAL_AID] = N_("legal aid"),
    [MODEL_SERVICE_BAIL_FINANCIAL] = N_("bail or financial help"),
    [MODEL_SERVICE_DV_HOUSING_SUPPORT] = N_("domestic violence or housing support"),
    [MODEL_SERVICE_DETENTION_LOCATOR] = N_("detention locator help"),
};

const char *model_service_name(enum model_service s)
{
    return (unsigned)s < MODEL_SERVICE_COUNT ? model_service_names[s] : "?";
}

int model_service_parse(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < MODEL_SERVICE_COUNT; i++)
        if (strcmp(name, model_service_names[i]) == 0)
            return i;
    return -1;
}

const char *model_service_label(enum model_service s)
{
    return (unsigned)s < MODEL_SERVICE_COUNT ? _(model_service_labels[s]) : "?";
}

/* True when folded @prefix starts folded @s (or a word of it, for labels). */
static bool model_fold_prefix(const char *s, const char *prefix)
{
    char *fs = text_fold(s), *fp = text_fold(prefix);
    size_t n = strlen(fp);
    bool ok = false;

    for (const char *p = fs; n > 0 && *p; p++) {
        if ((p == fs || p[-1] == ' ' || p[-1] == '_') && strncmp(p, fp, n) == 0) {
            ok = true;
            break;
        }
    }
    free(fs);
    free(fp);
    return ok;
}

int model_service_match(const char *text)
{
    int found = -1;
    char *trim;
    size_t n;

    if (text == NULL)
        return -1;
    while (isspace((unsigned char)*text))
        text++;
    n = strlen(text);
    while (n > 0 && isspace((unsigned char)text[n - 1]))
        n--;
    if (n == 0)
        return -1;
    trim = xstrndup(text, n);
    if ((found = model_service_parse(trim)) >= 0)
        goto out;
    for (int i = 0; i < MODEL_SERVICE_COUNT; i++) {
        if (model_fold_prefix(model_service_names[i], trim) ||
            model_fold_prefix(model_service_labels[i], trim) ||
            model_fold_prefix(_(model_service_labels[i]), trim)) {
            if (found >= 0) { /* fits several: ask for more */
                found = -1;
                goto out;
            }
            found = i;
        }
    }
out:
    free(trim);
    return found;
}

void model_resource_init(struct model_resource *r)
{
    memset(r, 0, sizeof *r);
    r->detained = r->non_detained = MODEL_UNKNOWN;
    r->criminal = r->non_criminal = MODEL_UNKNOWN;
    r->payment_plans = MODEL_UNKNOWN;
}

void model_resource_fini(struct model_resource *r)
{
    FREE(&r->name);
    FREE(&r->languages);
    FREE(&r->areas);
    FREE(&r->hours);
    FREE(&r->contact);
    FREE(&r->fees);
    FREE(&r->excluded_statuses);
    FREE(&r->courts);
    FREE(&r->notes);
    FREE(&r->vetting);
    FREE(&r->checked_by);
}

void model_resource_copy(struct model_resource *dst, const struct model_resource *src)
{
    if (dst == src)
        return;
    model_resource_fini(dst);
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->languages = xstrdup(src->languages);
    dst->areas = xstrdup(src->areas);
    dst->hours = xstrdup(src->hours);
    dst->contact = xstrdup(src->contact);
    dst->fees = xstrdup(src->fees);
    dst->excluded_statuses = xstrdup(src->excluded_statuses);
    dst->courts = xstrdup(src->courts);
    dst->notes = xstrdup(src->notes);
    dst->vetting = xstrdup(src->vetting);
    dst->checked_by = xstrdup(src->checked_by);
}

char *model_services_format(unsigned services)
{
    struct buf b;

    buf_init(&b);
    buf_adds(&b, "");
    for (int i = 0; i < MODEL_SERVICE_COUNT; i++)
        if (services & (1u << i)) {
            if (b.len > 0)
                buf_addc(&b, ',');
            buf_adds(&b, model_service_names[i]);
        }
    return buf_steal(&b);
}

static bool model_list_sep(char c)
{
    return c == ',' || c == ';' || c == '|';
}

/* Call @fn for each trimmed, non-empty item of @list; stop when it returns false. */
static bool model_list_each(const char *list, bool (*fn)(const char *item, size_t n, void *data),
                            void *data)
{
    const char *p = list;

    while (p != NULL && *p) {
        const char *e = p;
        while (*e && !model_list_sep(*e))
            e++;
        const char *s = p;
        size_t n = (size_t)(e - p);
        while (n > 0 && isspace((unsigned char)*s)) {
            s++;
            n--;
        }
        while (n > 0 && isspace((unsigned char)s[n - 1]))
            n--;
        if (n > 0 && !fn(s, n, data))
            return false;
        p = *e ? e + 1 : NULL;
    }
    return true;
}

struct model_services_ctx {
    unsigned bits;
    char **err;
};

static bool model_services_one(const char *item, size_t n, void *data)
{
    struct model_services_ctx *c = data;
    char *s = xstrndup(item, n);
    int k = model_service_match(s);

    if (k < 0) {
        util_seterr(c->err, _("unknown service '%s' (one of: %s)"), s,
                    "immigration_attorney, criminal_attorney, border_support, legal_aid, "
                    "bail_financial, dv_housing_support, detention_locator");
        free(s);
        return false;
    }
    c->bits |= 1u << k;
    free(s);
    return true;
}

bool model_services_parse(const char *list, unsigned *out, char **err)
{
    struct model_services_ctx c = {0, err};

    if (!model_list_each(list, model_services_one, &c))
        return false;
    *out = c.bits;
    return true;
}

/* Language names people write, folded, and their ISO 639-1 codes. */
static const struct {
    const char *code;
    const char *names; /* folded, separated by | */
} model_languages[] = {
    {"en", "english|ingles|anglais"},
    {"es", "spanish|espanol|castellano|espagnol"},
    {"pt", "portuguese|portugues"},
    {"fr", "french|frances|francais"},
    {"ht", "haitian creole|creole|kreyol|criollo haitiano|kreyol ayisyen"},
    {"zh", "chinese|mandarin|cantonese|chino|mandarin chinese"},
    {"vi", "vietnamese|vietnamita|tieng viet"},
    {"tl", "tagalog|filipino"},
    {"ko", "korean|coreano"},
    {"ar", "arabic|arabe"},
    {"ru", "russian|ruso"},
    {"uk", "ukrainian|ucraniano"},
    {"fa", "farsi|persian|persa"},
    {"hi", "hindi"},
    {"pa", "punjabi"},
    {"so", "somali"},
    {"am", "amharic|amarico"},
    {"ti", "tigrinya"},
    {"qu", "quechua"},
    {"quc", "k'iche'|kiche|quiche"},
    {"mam", "mam"},
    {"yua", "maya|yucatec maya|maya yucateco"},
    {"nah", "nahuatl"},
    {"mix", "mixtec|mixteco"},
    {"zap", "zapotec|zapoteco"},
    {"asl", "american sign language|asl|lengua de senas"},
};

const char *model_language_code(const char *name)
{
    const char *found = NULL;
    char *f;

    if (name == NULL)
        return NULL;
    f = text_fold(name);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(model_languages) && found == NULL; i++) {
        const char *p = model_languages[i].names;
        size_t n = strlen(f);
        if (strcmp(f, model_languages[i].code) == 0)
            found = model_languages[i].code;
        while (found == NULL && *p) {
            const char *e = strchr(p, '|');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len == n && strncmp(p, f, n) == 0)
                found = model_languages[i].code;
            p = e ? e + 1 : p + len;
        }
    }
    free(f);
    return found;
}

struct model_list_ctx {
    struct buf b;
    bool languages;
};

static bool model_list_add(const char *item, size_t n, void *data)
{
    struct model_list_ctx *c = data;
    char *s = xstrndup(item, n);
    const char *code = c->languages ? model_language_code(s) : NULL;

    if (c->b.len > 0)
        buf_adds(&c->b, c->languages ? "," : ", ");
    if (code != NULL) {
        buf_adds(&c->b, code);
    } else if (c->languages) {
        for (char *p = s; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        buf_adds(&c->b, s);
    } else {
        buf_adds(&c->b, s);
    }
    free(s);
    return true;
}

char *model_resource_list(const char *list, bool languages)
{
    struct model_list_ctx c = {.languages = languages};

    buf_init(&c.b);
    model_list_each(list, model_list_add, &c);
    if (c.b.len == 0) {
        buf_fini(&c.b);
        return NULL;
    }
    return buf_steal(&c.b);
}

struct model_find_ctx {
    const char *needle; /* folded */
    bool substring;
    bool found;
};

static bool model_list_find(const char *item, size_t n, void *data)
{
    struct model_find_ctx *c = data;
    char *s = xstrndup(item, n);
    char *f = text_fold(s);

    if (c->substring)
        c->found = strstr(f, c->needle) != NULL;
    else
        c->found = strcmp(f, c->needle) == 0;
    free(f);
    free(s);
    return !c->found;
}

bool model_resource_list_has(const char *list, const char *item)
{
    struct model_find_ctx c = {0};
    char *f;

    if (list == NULL || item == NULL)
        return false;
    f = text_fold(item);
    c.needle = f;
    model_list_each(list, model_list_find, &c);
    free(f);
    return c.found;
}

bool model_resource_serves_area(const struct model_resource *r, const char *area)
{
    struct model_find_ctx c = {.substring = true};
    char *f;

    if (area == NULL || *area == '\0' || r->areas == NULL || *r->areas == '\0')
        return true;
    f = text_fold(area);
    c.needle = f;
    model_list_each(r->areas, model_list_find, &c);
    free(f);
    return c.found;
}

bool model_resource_speaks(const struct model_resource *r, const char *lang)
{
    const char *code;

    if (lang == NULL || *lang == '\0')
        return true;
    code = model_language_code(lang);
    return model_resource_list_has(r->languages, code ? code : lang);
}

/* Check the length of one optional text field. */
static bool model_resource_len(const char *s, size_t max, const char *what, char **err)
{
    if (s != NULL && strlen(s) > max) {
        util_seterr(err, _("%s: longer than %zu bytes"), what, max);
        return false;
    }
    return true;
}

bool model_resource_validate(const struct model_resource *r, int64_t now, char **err)
{
    if (r->name == NULL || *r->name == '\0') {
        util_seterr(err, "%s", _("name: a resource needs a name"));
        return false;
    }
    if (r->services == 0) {
        util_seterr(err, "%s", _("services: say at least one service"));
        return false;
    }
    if (r->contact == NULL || *r->contact == '\0') {
        util_seterr(err, "%s", _("contact: say how callers reach them"));
        return false;
    }
    if (!model_resource_len(r->name, MODEL_MAX_SHORT, "name", err) ||
        !model_resource_len(r->contact, MODEL_MAX_SHORT, "contact", err) ||
        !model_resource_len(r->hours, MODEL_MAX_SHORT, "hours", err) ||
        !model_resource_len(r->fees, MODEL_MAX_SHORT, "fees", err) ||
        !model_resource_len(r->languages, MODEL_MAX_SHORT, "languages", err) ||
        !model_resource_len(r->areas, MODEL_MAX_RESOURCE_TEXT, "areas", err) ||
        !model_resource_len(r->excluded_statuses, MODEL_MAX_RESOURCE_TEXT, "excluded_statuses",
                            err) ||
        !model_resource_len(r->courts, MODEL_MAX_RESOURCE_TEXT, "courts", err) ||
        !model_resource_len(r->notes, MODEL_MAX_RESOURCE_TEXT, "notes", err) ||
        !model_resource_len(r->vetting, MODEL_MAX_RESOURCE_TEXT, "vetting", err) ||
        !model_resource_len(r->checked_by, MODEL_MAX_SHORT, "checked_by", err))
        return false;
    if (r->services >= (1u << MODEL_SERVICE_COUNT)) {
        util_seterr(err, "%s", _("services: unknown service"));
        return false;
    }
    if (r->checked_at != 0 && r->checked_at > now + 24 * 3600 * 1000LL) {
        util_seterr(err, "%s", _("checked_at: in the future"));
        return false;
    }
    if (r->checked_at < 0) {
        util_seterr(err, "%s", _("checked_at: before 1970"));
        return false;
    }
    return true;
}

bool model_resource_unchecked(const struct model_resource *r, int days, int64_t now, int *age_days)
{
    if (r->checked_at <= 0) {
        if (age_days != NULL)
            *age_days = -1;
        return true;
    }
    int64_t age = now - r->checked_at;
    if (age < 0)
        age = 0;
    if (age_days != NULL)
        *age_days = (int)(age / (86400 * 1000LL));
    return age > (int64_t)days * 86400 * 1000LL;
}

static const char *const model_resource_key_list[] = {
    "id",           "name",    "services",      "languages",         "areas",
    "hours",        "contact", "detained",      "non_detained",      "criminal",
    "non_criminal", "fees",    "payment_plans", "excluded_statuses", "courts",
    "notes",        "vetting", "checked_at",    "checked_by",        NULL,
};

const char *const *model_resource_keys(void)
{
    return model_resource_key_list;
}

/* Replace *field with a trimmed copy of @v (NULL when blank). */
static void model_resource_text(char **field, const char *v)
{
    size_t n;

    while (isspace((unsigned char)*v))
        v++;
    n = strlen(v);
    while (n > 0 && isspace((unsigned char)v[n - 1]))
        n--;
    free(*field);
    *field = n ? xstrndup(v, n) : NULL;
}

static int model_resource_tri(enum model_tri *t, const char *key, const char *v, char **err)
{
    if (*v == '\0') {
        *t = MODEL_UNKNOWN;
        return MODEL_SET_OK;
    }
    if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *t = MODEL_YES;
        return MODEL_SET_OK;
    }
    if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0) {
        *t = MODEL_NO;
        return MODEL_SET_OK;
    }
    if (!model_tri_parse(v, t)) {
        util_seterr(err, _("%s: say yes, no or unknown, not '%s'"), key, v);
        return MODEL_SET_BAD;
    }
    return MODEL_SET_OK;
}

int model_resource_set(struct model_resource *r, const char *key, const char *value, int64_t now,
                       char **err)
{
    const char *v = value ? value : "";

    if (strcmp(key, "id") == 0) {
        if (*v == '\0') {
            r->id[0] = '\0';
            return MODEL_SET_OK;
        }
        if (!ulid_valid(v)) {
            util_seterr(err, _("id: '%s' is not a vigia id"), v);
            return MODEL_SET_BAD;
        }
        snprintf(r->id, sizeof r->id, "%s", v);
    } else if (strcmp(key, "name") == 0) {
        model_resource_text(&r->name, v);
    } else if (strcmp(key, "services") == 0) {
        unsigned bits;
        char *msg = NULL;
        if (!model_services_parse(v, &bits, &msg)) {
            util_seterr(err, "services: %s", msg);
            free(msg);
            return MODEL_SET_BAD;
        }
        r->services = bits;
    } else if (strcmp(key, "languages") == 0) {
        free(r->languages);
        r->languages = model_resource_list(v, true);
    } else if (strcmp(key, "areas") == 0) {
        free(r->areas);
        r->areas = model_resource_list(v, false);
    } else if (strcmp(key, "excluded_statuses") == 0) {
        free(r->excluded_statuses);
        r->excluded_statuses = model_resource_list(v, false);
    } else if (strcmp(key, "courts") == 0) {
        free(r->courts);
        r->courts = model_resource_list(v, false);
    } else if (strcmp(key, "hours") == 0) {
        model_resource_text(&r->hours, v);
    } else if (strcmp(key, "contact") == 0) {
        model_resource_text(&r->contact, v);
    } else if (strcmp(key, "fees") == 0) {
        model_resource_text(&r->fees, v);
    } else if (strcmp(key, "notes") == 0) {
        model_resource_text(&r->notes, v);
    } else if (strcmp(key, "vetting") == 0) {
        model_resource_text(&r->vetting, v);
    } else if (strcmp(key, "checked_by") == 0) {
        model_resource_text(&r->checked_by, v);
    } else if (strcmp(key, "detained") == 0) {
        return model_resource_tri(&r->detained, key, v, err);
    } else if (strcmp(key, "non_detained") == 0) {
        return model_resource_tri(&r->non_detained, key, v, err);
    } else if (strcmp(key, "criminal") == 0) {
        return model_resource_tri(&r->criminal, key, v, err);
    } else if (strcmp(key, "non_criminal") == 0) {
        return model_resource_tri(&r->non_criminal, key, v, err);
    } else if (strcmp(key, "payment_plans") == 0) {
        return model_resource_tri(&r->payment_plans, key, v, err);
    } else if (strcmp(key, "checked_at") == 0) {
        int64_t t;
        char *full = NULL;
        int y, m, d, n = 0;
        if (*v == '\0' || strcasecmp(v, "never") == 0) {
            r->checked_at = 0;
            return MODEL_SET_OK;
        }
        /* A plain date is the start of that day, UTC. */
        if (sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && v[n] == '\0')
            full = xasprintf("%sT00:00:00Z", v);
        if (timeutil_parse(full ? full : v, now, &t) != 0) {
            free(full);
            util_seterr(err, _("checked_at: cannot read '%s' as a date (try 2026-11-01)"), v);
            return MODEL_SET_BAD;
        }
        free(full);
        r->checked_at = t;
    } else {
        return MODEL_SET_UNKNOWN;
    }
    return MODEL_SET_OK;
}

bool model_duration_parse(const char *s, int64_t *ms)
{
    int64_t total = 0;
    bool any = false;

    if (s == NULL)
        return false;
    while (*s) {
        char *end;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '\0')
            break;
        if (!isdigit((unsigned char)*s))
            return false;
        long v = strtol(s, &end, 10);
        if (v < 0 || v > 100000)
            return false;
        s = end;
        while (isspace((unsigned char)*s))
            s++;
        const char *w = s;
        while (isalpha((unsigned char)*s))
            s++;
        size_t n = (size_t)(s - w);
        int64_t unit;
        if (n == 0)
            return false;
        if ((n == 1 && *w == 'm') || (n == 3 && strncasecmp(w, "min", 3) == 0) ||
            (n == 4 && strncasecmp(w, "mins", 4) == 0) ||
            (n == 6 && strncasecmp(w, "minute", 6) == 0) ||
            (n == 7 && (strncasecmp(w, "minutes", 7) == 0 || strncasecmp(w, "minutos", 7) == 0)))
            unit = 60 * 1000LL;
        else if ((n == 1 && (*w == 'h' || *w == 'H')) || (n == 2 && strncasecmp(w, "hr", 2) == 0) ||
                 (n == 3 && strncasecmp(w, "hrs", 3) == 0) ||
                 (n == 4 && (strncasecmp(w, "hour", 4) == 0 || strncasecmp(w, "hora", 4) == 0)) ||
                 (n == 5 && (strncasecmp(w, "hours", 5) == 0 || strncasecmp(w, "horas", 5) == 0)))
            unit = 3600 * 1000LL;
        else if ((n == 1 && (*w == 'd' || *w == 'D')) ||
                 (n == 3 && (strncasecmp(w, "day", 3) == 0 || strncasecmp(w, "dia", 3) == 0)) ||
                 (n == 4 && (strncasecmp(w, "days", 4) == 0 || strncasecmp(w, "dias", 4) == 0)))
            unit = 86400 * 1000LL;
        else if (n == 1 && (*w == 'w' || *w == 'W'))
            unit = 7 * 86400 * 1000LL;
        else
            return false;
        total += (int64_t)v * unit;
        any = true;
    }
    if (!any || total <= 0)
        return false;
    *ms = total;
    return true;
}
