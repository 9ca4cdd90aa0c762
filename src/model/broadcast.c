/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Broadcast policy, pure: subscriber channels and contacts (E.164 phone
 * numbers with a default country, Telegram and Signal handles, emails),
 * opt-out words, audience matching by area and language, quiet hours, and
 * which report statuses may back which kind of broadcast.
 *
 * Phone numbers: a number written with + (or 00) carries its own country
 * code; otherwise the default country's calling code is put in front, after
 * dropping a national trunk prefix (0 in most of Europe and Latin America, 1
 * in North America when 11 digits are given). Numbers are kept as "+" and 8
 * to 15 digits (ITU-T E.164); a +1 number (North America, the one calling
 * code that starts with 1) has exactly 10 digits after it. Other countries'
 * number lengths are not known here: a wrong-length number there is caught by
 * the gateway.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"

static const char *const model_channel_names[MODEL_CHANNEL_COUNT] = {
    [MODEL_CHANNEL_SMS] = "sms",       [MODEL_CHANNEL_TELEGRAM] = "telegram",
    [MODEL_CHANNEL_SIGNAL] = "signal", [MODEL_CHANNEL_EMAIL] = "email",
    [MODEL_CHANNEL_FILE] = "file",
};

const char *model_channel_name(enum model_channel c)
{
    return (unsigned)c < MODEL_CHANNEL_COUNT ? model_channel_names[c] : "?";
}

int model_channel_parse(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < MODEL_CHANNEL_COUNT; i++)
        if (strcmp(name, model_channel_names[i]) == 0)
            return i;
    return -1;
}

/* Country calling codes and trunk prefixes for the default country. */
static const struct {
    const char *iso;
    const char *code;
    const char *trunk; /* national prefix dropped before the code, or "" */
} model_countries[] = {
    {"US", "1", "1"},   {"CA", "1", "1"},   {"PR", "1", "1"},  {"MX", "52", "01"},
    {"GT", "502", ""},  {"SV", "503", ""},  {"HN", "504", ""}, {"NI", "505", ""},
    {"CR", "506", ""},  {"PA", "507", ""},  {"CU", "53", "0"}, {"DO", "1", "1"},
    {"HT", "509", ""},  {"CO", "57", "0"},  {"VE", "58", "0"}, {"EC", "593", "0"},
    {"PE", "51", "0"},  {"BO", "591", "0"}, {"CL", "56", "0"}, {"AR", "54", "0"},
    {"UY", "598", "0"}, {"PY", "595", "0"}, {"BR", "55", "0"}, {"ES", "34", ""},
    {"FR", "33", "0"},  {"GB", "44", "0"},  {"DE", "49", "0"}, {"IT", "39", ""},
    {"PT", "351", ""},  {"NL", "31", "0"},  {"BE", "32", "0"}, {"IE", "353", "0"},
    {"PH", "63", "0"},  {"IN", "91", "0"},  {"CN", "86", "0"}, {"VN", "84", "0"},
    {"AU", "61", "0"},  {"NZ", "64", "0"},  {"ZA", "27", "0"}, {"NG", "234", "0"},
};

const char *model_country_code(const char *iso)
{
    if (iso == NULL)
        return NULL;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(model_countries); i++)
        if (strcasecmp(model_countries[i].iso, iso) == 0)
            return model_countries[i].code;
    return NULL;
}

char *model_phone_e164(const char *s, const char *country, char **err)
{
    struct buf d;
    bool plus = false;
    const char *p = s;
    char *out = NULL;
    size_t i;

    buf_init(&d);
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '+') {
        plus = true;
        p++;
    }
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isdigit(c))
            buf_addc(&d, (char)c);
        else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '\t')
            continue;
        else {
            util_seterr(err, _("phone number has an unexpected character '%c'"),
                        isprint(c) ? c : '?');
            goto out;
        }
    }
    if (d.len == 0) {
        util_seterr(err, "%s", _("phone number has no digits"));
        goto out;
    }
    if (!plus && strncmp(buf_str(&d), "00", 2) == 0) {
        /* International prefix used in most of the world. */
        memmove(d.data, d.data + 2, d.len - 1);
        d.len -= 2;
        plus = true;
    } else if (!plus && strncmp(buf_str(&d), "011", 3) == 0 && d.len > 11) {
        /* North American international prefix. */
        memmove(d.data, d.data + 3, d.len - 2);
        d.len -= 3;
        plus = true;
    }
    if (!plus) {
        for (i = 0; i < UTIL_ARRAY_LEN(model_countries); i++)
            if (country != NULL && strcasecmp(model_countries[i].iso, country) == 0)
                break;
        if (i == UTIL_ARRAY_LEN(model_countries)) {
            util_seterr(err, _("phone number without + and no known default country (%s)"),
                        country ? country : "");
            goto out;
        }
        const char *code = model_countries[i].code, *trunk = model_countries[i].trunk;
        const char *digits = buf_str(&d);
        size_t tl = strlen(trunk);
        /* North America: 10 digits, or 11 starting with the trunk 1. */
        if (strcmp(code, "1") == 0) {
            if (d.len == 11 && digits[0] == '1')
                digits++;
            else if (d.len != 10) {
                util_seterr(err, _("phone number %s has %zu digits; expected 10"), s, d.len);
                goto out;
            }
        } else if (tl > 0 && strncmp(digits, trunk, tl) == 0) {
            digits += tl;
        }
        out = xasprintf("+%s%s", code, digits);
    } else {
        out = xasprintf("+%s", buf_str(&d));
    }
    if (strlen(out) < 9 || strlen(out) > 16 || out[1] == '0') {
        util_seterr(err, _("%s is not a valid international phone number"), out);
        FREE(&out);
    } else if (out[1] == '1' && strlen(out) != 12) {
        /* +1 is the one code starting with 1 (North America): 10 digits follow it. */
        util_seterr(err, _("%s is not a valid phone number: +1 is followed by 10 digits"), out);
        FREE(&out);
    }
out:
    buf_fini(&d);
    return out;
}

/* A handle: @name or +number for Signal; letters, digits, underscores. */
static char *model_handle(const char *s, char **err)
{
    const char *p = s;

    if (*p == '@')
        p++;
    if (strlen(p) < 2 || strlen(p) > 64) {
        util_seterr(err, _("handle %s has an impossible length"), s);
        return NULL;
    }
    for (const char *q = p; *q; q++)
        if (!isalnum((unsigned char)*q) && *q != '_' && *q != '.' && *q != '-') {
            util_seterr(err, _("handle %s has an unexpected character"), s);
            return NULL;
        }
    return xasprintf("@%s", p);
}

static char *model_email(const char *s, char **err)
{
    const char *at = strchr(s, '@');
    char *out;

    if (at == NULL || at == s || strchr(at + 1, '@') != NULL || strchr(at, '.') == NULL ||
        at[strlen(at) - 1] == '.' || strlen(s) > MODEL_MAX_SHORT) {
        util_seterr(err, _("%s is not an email address"), s);
        return NULL;
    }
    for (const char *q = s; *q; q++)
        if ((unsigned char)*q <= ' ' || *q == '<' || *q == '>' || *q == ',' || *q == '"' ||
            *q == '\\' || (unsigned char)*q == 0x7F) {
            util_seterr(err, _("%s is not an email address"), s);
            return NULL;
        }
    out = xstrdup(s);
    /* The domain is case-insensitive; the local part is kept as written. */
    for (char *q = out + (at - s); *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return out;
}

char *model_subscriber_contact(enum model_channel ch, const char *s, const char *country,
                               char **err)
{
    char *t, *out = NULL;
    size_t n;

    if (s == NULL) {
        util_seterr(err, "%s", _("contact is empty"));
        return NULL;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    t = xstrdup(s);
    n = strlen(t);
    while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\r'))
        t[--n] = '\0';
    if (n == 0) {
        util_seterr(err, "%s", _("contact is empty"));
        goto out;
    }
    switch (ch) {
    case MODEL_CHANNEL_SMS:
        out = model_phone_e164(t, country, err);
        break;
    case MODEL_CHANNEL_TELEGRAM:
        /* A chat id (digits, maybe negative for groups) or an @username. */
        if ((t[0] == '-' && isdigit((unsigned char)t[1])) || isdigit((unsigned char)t[0])) {
            for (char *q = t + 1; *q; q++)
                if (!isdigit((unsigned char)*q)) {
                    util_seterr(err, _("telegram chat id %s has an unexpected character"), t);
                    goto out;
                }
            out = xstrdup(t);
        } else {
            out = model_handle(t, err);
        }
        break;
    case MODEL_CHANNEL_SIGNAL:
        /* A phone number, a username, or a group (group.BASE64). */
        if (strncmp(t, "group.", 6) == 0)
            out = xstrdup(t);
        else if (t[0] == '+' || isdigit((unsigned char)t[0]))
            out = model_phone_e164(t, country, err);
        else
            out = model_handle(t, err);
        break;
    case MODEL_CHANNEL_EMAIL:
        out = model_email(t, err);
        break;
    case MODEL_CHANNEL_FILE:
    default:
        out = xstrdup(t);
        break;
    }
out:
    free(t);
    return out;
}

/* Copy a comma-separated list trimmed and lowercased, dropping empty items. */
char *model_list_normalise(const char *csv)
{
    struct buf b;
    const char *p = csv;

    buf_init(&b);
    while (p != NULL && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n > 0 && isspace((unsigned char)*p)) {
            p++;
            n--;
        }
        while (n > 0 && isspace((unsigned char)p[n - 1]))
            n--;
        if (n > 0) {
            if (b.len > 0)
                buf_addc(&b, ',');
            for (size_t i = 0; i < n; i++)
                buf_addc(&b, (char)tolower((unsigned char)p[i]));
        }
        p = e ? e + 1 : NULL;
    }
    return buf_steal(&b);
}

bool model_list_has(const char *csv, const char *item)
{
    size_t n = strlen(item);
    const char *p = csv;

    if (csv == NULL || n == 0)
        return false;
    while (p != NULL && *p) {
        const char *e = strchr(p, ',');
        size_t m = e ? (size_t)(e - p) : strlen(p);
        if (m == n && strncasecmp(p, item, n) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

bool model_lists_intersect(const char *a, const char *b)
{
    const char *p = a;

    while (p != NULL && *p) {
        const char *e = strchr(p, ',');
        char *item = e ? xstrndup(p, (size_t)(e - p)) : xstrdup(p);
        bool hit = model_list_has(b, item);
        free(item);
        if (hit)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

bool model_audience_matches(const struct model_audience *au, const char *channel,
                            const char *language, const char *areas)
{
    if (au->channels != NULL && *au->channels && !model_list_has(au->channels, channel))
        return false;
    if (au->languages != NULL && *au->languages && !model_list_has(au->languages, language))
        return false;
    /* A subscriber who named no area hears about every area. */
    if (au->areas != NULL && *au->areas && areas != NULL && *areas &&
        !model_lists_intersect(au->areas, areas))
        return false;
    return true;
}

bool model_optout_match(const char *reply, const char *const *words, size_t n)
{
    char *key, *end;
    bool hit = false;

    if (reply == NULL)
        return false;
    /* The whole reply, trimmed and folded, must be the word: "stop", "Baja.", "ARRÊT". */
    key = text_fold(reply);
    end = key + strlen(key);
    while (end > key && (isspace((unsigned char)end[-1]) || end[-1] == '.' || end[-1] == '!'))
        *--end = '\0';
    char *start = key;
    while (isspace((unsigned char)*start))
        start++;
    for (size_t i = 0; i < n && !hit; i++) {
        char *w = text_fold(words[i]);
        hit = *w != '\0' && strcmp(start, w) == 0;
        free(w);
    }
    free(key);
    return hit;
}

bool model_quiet_hours(int start_min, int end_min, int now_min)
{
    if (start_min < 0 || end_min < 0 || start_min == end_min)
        return false;
    if (start_min < end_min)
        return now_min >= start_min && now_min < end_min;
    return now_min >= start_min || now_min < end_min; /* across midnight */
}

bool model_broadcast_may_cite(enum model_broadcast_kind kind, enum model_status st)
{
    if (kind == MODEL_BROADCAST_PUBLIC)
        return st == MODEL_STATUS_CONFIRMED;
    /* Calls to action go to verifiers and organisers: anything still open or confirmed. */
    return st == MODEL_STATUS_NEW || st == MODEL_STATUS_TRIAGED || st == MODEL_STATUS_VERIFYING ||
           st == MODEL_STATUS_CONFIRMED;
}

const char *model_broadcast_kind_name(enum model_broadcast_kind k)
{
    return k == MODEL_BROADCAST_PUBLIC ? "public" : "internal";
}

int model_broadcast_kind_parse(const char *s)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, "public") == 0)
        return MODEL_BROADCAST_PUBLIC;
    if (strcmp(s, "internal") == 0)
        return MODEL_BROADCAST_INTERNAL;
    return -1;
}
