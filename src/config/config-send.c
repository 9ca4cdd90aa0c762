/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The `broadcast:` and `channels:` sections of config.yaml, and broadcast
 * templates (share/vigia/templates/NAME.yaml).
 *
 *   broadcast:
 *     second_approval: yes        # public alerts need a second dispatcher
 *     quiet_hours: "22:00-07:00"  # non-urgent messages wait (local time)
 *     sms_price: 0.0079           # per segment, GSM-7
 *     sms_price_ucs2: 0.0079      # per segment, UCS-2
 *     currency: USD
 *     alert_expire_minutes: 240
 *     optout_words: {en: [STOP, UNSUBSCRIBE], es: [BAJA, ALTO]}
 *   channels:
 *     sms: {gateway: twilio, base_url: https://api.twilio.com, account_sid: AC…,
 *           auth_token: …, from: "+15550001111", rate: 1, concurrency: 4}
 *     telegram: {base_url: https://api.telegram.org, token: …, rate: 25}
 *     signal: {base_url: http://127.0.0.1:8080, account: "+1555…", rate: 5}
 *     email: {url: "smtp://mail.example.org:587", from: alerts@example.org,
 *             username: …, password: …, rate: 5}
 *     file: {path: /var/lib/vigia/sink.jsonl}
 *
 * Like the rest of config.yaml, every key is checked against a table; an
 * unknown key or a bad value is an error with file:line:column.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/config.h"

/* Opt-out words every network starts with (carriers' and common replies). */
static const struct {
    const char *lang;
    const char *words;
} config_optout_defaults[] = {
    {"en", "STOP,STOPALL,UNSUBSCRIBE,CANCEL,END,QUIT"},
    {"es", "BAJA,ALTO,PARAR,PARE,CANCELAR,DETENER"},
    {"pt", "PARAR,SAIR,CANCELAR"},
    {"fr", "ARRÊT,ARRET,STOP,DÉSABONNER"},
    {"ht", "SISPANN,STOP"},
};

bool config_send_section(const char *key)
{
    return key != NULL && (strcmp(key, "broadcast") == 0 || strcmp(key, "channels") == 0);
}

static void config_optout_set(struct config_send *cs, const char *lang, const char *csv)
{
    struct config_optout *o = NULL;
    const char *p = csv;

    for (size_t i = 0; i < cs->noptout; i++)
        if (strcmp(cs->optout[i].language, lang) == 0)
            o = &cs->optout[i];
    if (o == NULL) {
        cs->optout = xreallocarray(cs->optout, cs->noptout + 1, sizeof *cs->optout);
        o = &cs->optout[cs->noptout++];
        memset(o, 0, sizeof *o);
        o->language = xstrdup(lang);
    }
    for (size_t i = 0; i < o->n; i++)
        free(o->words[i]);
    o->n = 0;
    while (p && *p) {
        const char *e = strchr(p, ',');
        o->words = xreallocarray(o->words, o->n + 1, sizeof *o->words);
        o->words[o->n++] = e ? xstrndup(p, (size_t)(e - p)) : xstrdup(p);
        p = e ? e + 1 : NULL;
    }
}

void config_send_init(struct config_send *cs)
{
    memset(cs, 0, sizeof *cs);
    cs->quiet_start = cs->quiet_end = -1;
    cs->price_gsm7 = 0.0079;
    cs->price_ucs2 = 0.0079;
    cs->currency = xstrdup("USD");
    cs->alert_expire_minutes = 240;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(config_optout_defaults); i++)
        config_optout_set(cs, config_optout_defaults[i].lang, config_optout_defaults[i].words);
    for (int c = 0; c < MODEL_CHANNEL_COUNT; c++) {
        cs->channels[c].concurrency = 8;
        cs->channels[c].timeout_ms = 30000;
        cs->channels[c].max_attempts = 10;
        cs->channels[c].backoff_ms = 2000;
    }
    cs->channels[MODEL_CHANNEL_SMS].rate = 1;       /* a long code: 1 message/s */
    cs->channels[MODEL_CHANNEL_TELEGRAM].rate = 25; /* bot limit: ~30 messages/s */
    cs->channels[MODEL_CHANNEL_SIGNAL].rate = 5;
    cs->channels[MODEL_CHANNEL_EMAIL].rate = 5;
    cs->channels[MODEL_CHANNEL_FILE].rate = 0;
}

static void config_channel_fini(struct config_channel *ch)
{
    FREE(&ch->gateway);
    FREE(&ch->base_url);
    FREE(&ch->account_sid);
    FREE(&ch->auth_token);
    FREE(&ch->from);
    FREE(&ch->messaging_service_sid);
    FREE(&ch->token);
    FREE(&ch->account);
    FREE(&ch->username);
    FREE(&ch->password);
    FREE(&ch->path);
}

void config_send_fini(struct config_send *cs)
{
    for (size_t i = 0; i < cs->noptout; i++) {
        for (size_t k = 0; k < cs->optout[i].n; k++)
            free(cs->optout[i].words[k]);
        free(cs->optout[i].words);
        free(cs->optout[i].language);
    }
    free(cs->optout);
    free(cs->currency);
    for (int c = 0; c < MODEL_CHANNEL_COUNT; c++)
        config_channel_fini(&cs->channels[c]);
    memset(cs, 0, sizeof *cs);
}

size_t config_optout_words(const struct config_send *cs, const char *lang,
                           const char *const **words)
{
    for (size_t i = 0; i < cs->noptout; i++)
        if (lang != NULL && strcmp(cs->optout[i].language, lang) == 0) {
            *words = (const char *const *)cs->optout[i].words;
            return cs->optout[i].n;
        }
    *words = NULL;
    return 0;
}

/* "HH:MM" -> minutes, or -1. */
static int config_hhmm(const char *s)
{
    int h, m;
    char tail;

    if (sscanf(s, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
        return -1;
    return h * 60 + m;
}

static bool config_bool(const char *s, bool *out)
{
    if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 || strcmp(s, "on") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 || strcmp(s, "off") == 0) {
        *out = false;
        return true;
    }
    return false;
}

static bool config_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    double d;

    errno = 0;
    d = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || d < lo || d > hi)
        return false;
    *out = d;
    return true;
}

static int config_broadcast(struct config_send *cs, const struct config_doc *doc,
                            const struct config_node *map, char **err)
{
    if (map->type != CONFIG_MAP) {
        *err = config_errf(doc, map, "%s", _("'broadcast' must be a map of option: value"));
        return -1;
    }
    for (size_t i = 0; i < map->nitems; i++) {
        const struct config_node *k = config_map_key(map, i), *v = config_map_value(map, i);
        const char *key = k->value;
        long n;
        if (strcmp(key, "optout_words") == 0) {
            if (v->type != CONFIG_MAP) {
                *err = config_errf(doc, v, "%s",
                                   _("'optout_words' must map a language to a list of words"));
                return -1;
            }
            for (size_t j = 0; j < v->nitems; j++) {
                const struct config_node *lk = config_map_key(v, j), *lv = config_map_value(v, j);
                struct buf b;
                if (lv->type != CONFIG_SEQ) {
                    *err = config_errf(doc, lv, _("'optout_words.%s' must be a list"), lk->value);
                    return -1;
                }
                buf_init(&b);
                for (size_t w = 0; w < lv->nitems; w++) {
                    if (lv->items[w]->type != CONFIG_SCALAR || strchr(lv->items[w]->value, ',')) {
                        *err = config_errf(doc, lv->items[w], "%s",
                                           _("an opt-out word must be a single word"));
                        buf_fini(&b);
                        return -1;
                    }
                    if (b.len)
                        buf_addc(&b, ',');
                    buf_adds(&b, lv->items[w]->value);
                }
                config_optout_set(cs, lk->value, buf_str(&b));
                buf_fini(&b);
            }
            continue;
        }
        if (v->type != CONFIG_SCALAR) {
            *err = config_errf(doc, v, _("'%s' must be a single value"), key);
            return -1;
        }
        if (strcmp(key, "second_approval") == 0) {
            if (!config_bool(v->value, &cs->second_approval))
                goto badbool;
        } else if (strcmp(key, "quiet_hours") == 0) {
            const char *dash = strchr(v->value, '-');
            char *a;
            if (*v->value == '\0' || strcmp(v->value, "none") == 0) {
                cs->quiet_start = cs->quiet_end = -1;
                continue;
            }
            if (dash == NULL)
                goto badquiet;
            a = xstrndup(v->value, (size_t)(dash - v->value));
            cs->quiet_start = config_hhmm(a);
            cs->quiet_end = config_hhmm(dash + 1);
            free(a);
            if (cs->quiet_start < 0 || cs->quiet_end < 0)
                goto badquiet;
        } else if (strcmp(key, "sms_price") == 0) {
            if (!config_double(v->value, 0, 100, &cs->price_gsm7))
                goto badnum;
        } else if (strcmp(key, "sms_price_ucs2") == 0) {
            if (!config_double(v->value, 0, 100, &cs->price_ucs2))
                goto badnum;
        } else if (strcmp(key, "currency") == 0) {
            free(cs->currency);
            cs->currency = xstrdup(v->value);
        } else if (strcmp(key, "alert_expire_minutes") == 0) {
            if (!util_parse_int(v->value, 5, 7 * 24 * 60, &n))
                goto badnum;
            cs->alert_expire_minutes = (int)n;
        } else {
            *err = config_errf(doc, k, _("unknown option 'broadcast.%s'"), key);
            return -1;
        }
        continue;
    badbool:
        *err = config_errf(doc, v, _("'%s' must be yes or no, not '%s'"), key, v->value);
        return -1;
    badquiet:
        *err = config_errf(doc, v, _("'quiet_hours' must be like \"22:00-07:00\", not '%s'"),
                           v->value);
        return -1;
    badnum:
        *err = config_errf(doc, v, _("'%s' is not a number in range: '%s'"), key, v->value);
        return -1;
    }
    return 0;
}

/* String fields of a channel, by key. */
static char **config_channel_str(struct config_channel *ch, const char *key)
{
    if (strcmp(key, "gateway") == 0)
        return &ch->gateway;
    if (strcmp(key, "base_url") == 0 || strcmp(key, "url") == 0)
        return &ch->base_url;
    if (strcmp(key, "account_sid") == 0)
        return &ch->account_sid;
    if (strcmp(key, "auth_token") == 0)
        return &ch->auth_token;
    if (strcmp(key, "from") == 0)
        return &ch->from;
    if (strcmp(key, "messaging_service_sid") == 0)
        return &ch->messaging_service_sid;
    if (strcmp(key, "token") == 0)
        return &ch->token;
    if (strcmp(key, "account") == 0)
        return &ch->account;
    if (strcmp(key, "username") == 0)
        return &ch->username;
    if (strcmp(key, "password") == 0)
        return &ch->password;
    if (strcmp(key, "path") == 0)
        return &ch->path;
    return NULL;
}

static int config_channels(struct config_send *cs, const struct config_doc *doc,
                           const struct config_node *map, char **err)
{
    if (map->type != CONFIG_MAP) {
        *err = config_errf(doc, map, "%s", _("'channels' must map a channel to its settings"));
        return -1;
    }
    for (size_t i = 0; i < map->nitems; i++) {
        const struct config_node *k = config_map_key(map, i), *v = config_map_value(map, i);
        int c = model_channel_parse(k->value);
        struct config_channel *ch;
        if (c < 0) {
            *err = config_errf(
                doc, k, _("unknown channel '%s' (sms, telegram, signal, email, file)"), k->value);
            return -1;
        }
        if (v->type != CONFIG_MAP) {
            *err = config_errf(doc, v, _("'channels.%s' must be a map"), k->value);
            return -1;
        }
        ch = &cs->channels[c];
        ch->enabled = true;
        for (size_t j = 0; j < v->nitems; j++) {
            const struct config_node *ok = config_map_key(v, j), *ov = config_map_value(v, j);
            char **slot;
            long n;
            if (ov->type != CONFIG_SCALAR) {
                *err = config_errf(doc, ov, _("'%s' must be a single value"), ok->value);
                return -1;
            }
            if ((slot = config_channel_str(ch, ok->value)) != NULL) {
                free(*slot);
                *slot = xstrdup(ov->value);
            } else if (strcmp(ok->value, "rate") == 0) {
                if (!config_double(ov->value, 0, 100000, &ch->rate))
                    goto badnum;
            } else if (strcmp(ok->value, "concurrency") == 0) {
                if (!util_parse_int(ov->value, 1, 256, &n))
                    goto badnum;
                ch->concurrency = (int)n;
            } else if (strcmp(ok->value, "timeout_ms") == 0) {
                if (!util_parse_int(ov->value, 100, 600000, &n))
                    goto badnum;
                ch->timeout_ms = (int)n;
            } else if (strcmp(ok->value, "backoff_ms") == 0) {
                if (!util_parse_int(ov->value, 1, 3600000, &n))
                    goto badnum;
                ch->backoff_ms = (int)n;
            } else if (strcmp(ok->value, "max_attempts") == 0) {
                if (!util_parse_int(ov->value, 1, 100, &n))
                    goto badnum;
                ch->max_attempts = (int)n;
            } else if (strcmp(ok->value, "enabled") == 0) {
                if (!config_bool(ov->value, &ch->enabled)) {
                    *err = config_errf(doc, ov, _("'%s' must be yes or no, not '%s'"), ok->value,
                                       ov->value);
                    return -1;
                }
            } else {
                *err =
                    config_errf(doc, ok, _("unknown option 'channels.%s.%s'"), k->value, ok->value);
                return -1;
            }
            continue;
        badnum:
            *err = config_errf(doc, ov, _("'%s' is not a number in range: '%s'"), ok->value,
                               ov->value);
            return -1;
        }
        if (c == MODEL_CHANNEL_SMS && ch->gateway != NULL && strcmp(ch->gateway, "twilio") != 0) {
            *err = config_errf(doc, k, _("unknown sms gateway '%s' (twilio)"), ch->gateway);
            return -1;
        }
    }
    return 0;
}

int config_send_load(const char *path, struct config_send *cs, char **err)
{
    struct config_doc doc;
    int rc = -1;

    if (path == NULL || access(path, F_OK) != 0)
        return 0;
    if (config_doc_load(path, &doc, err) != 0)
        return -1;
    if (doc.root == NULL || doc.root->type != CONFIG_MAP) {
        rc = 0;
        goto out;
    }
    for (size_t i = 0; i < doc.root->nitems; i++) {
        const struct config_node *k = config_map_key(doc.root, i);
        if (strcmp(k->value, "broadcast") == 0) {
            if (config_broadcast(cs, &doc, config_map_value(doc.root, i), err) != 0)
                goto out;
        } else if (strcmp(k->value, "channels") == 0) {
            if (config_channels(cs, &doc, config_map_value(doc.root, i), err) != 0)
                goto out;
        }
    }
    rc = 0;
out:
    config_doc_fini(&doc);
    return rc;
}

/* ---- templates -------------------------------------------------------------- */

void config_template_fini(struct config_template *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->langs[i]);
        free(t->texts[i]);
        free(t->advice[i]);
    }
    free(t->langs);
    free(t->texts);
    free(t->advice);
    free(t->name);
    free(t->kind);
    memset(t, 0, sizeof *t);
}

static size_t config_template_lang(struct config_template *t, const char *lang)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->langs[i], lang) == 0)
            return i;
    t->langs = xreallocarray(t->langs, t->n + 1, sizeof *t->langs);
    t->texts = xreallocarray(t->texts, t->n + 1, sizeof *t->texts);
    t->advice = xreallocarray(t->advice, t->n + 1, sizeof *t->advice);
    t->langs[t->n] = xstrdup(lang);
    t->texts[t->n] = NULL;
    t->advice[t->n] = NULL;
    return t->n++;
}

/* Read a map language -> text into texts (@advice false) or advice. */
static int config_template_texts(struct config_template *t, const struct config_doc *doc,
                                 const struct config_node *v, bool advice, char **err)
{
    if (v->type != CONFIG_MAP) {
        *err = config_errf(doc, v, "%s", _("expected a map of language: text"));
        return -1;
    }
    for (size_t j = 0; j < v->nitems; j++) {
        const struct config_node *lk = config_map_key(v, j), *lv = config_map_value(v, j);
        size_t li;
        if (lv->type != CONFIG_SCALAR || *lv->value == '\0') {
            *err =
                config_errf(doc, lv, _("the text for '%s' must be a non-empty string"), lk->value);
            return -1;
        }
        if (text_check(lv->value, 2000, true, NULL) != TEXT_OK) {
            *err = config_errf(doc, lv, "%s",
                               text_problem_str(text_check(lv->value, 2000, true, NULL)));
            return -1;
        }
        li = config_template_lang(t, lk->value);
        if (advice) {
            free(t->advice[li]);
            t->advice[li] = xstrdup(lv->value);
        } else {
            free(t->texts[li]);
            t->texts[li] = xstrdup(lv->value);
        }
    }
    return 0;
}

int config_template_load(const char *file, struct config_template *t, char **err)
{
    struct config_doc doc;
    const struct config_node *root;
    int rc = -1;

    memset(t, 0, sizeof *t);
    if (config_doc_load(file, &doc, err) != 0)
        return -1;
    root = doc.root;
    if (root == NULL || root->type != CONFIG_MAP) {
        *err = config_errf(&doc, root, "%s", _("a template must be a map"));
        goto out;
    }
    for (size_t i = 0; i < root->nitems; i++) {
        const struct config_node *k = config_map_key(root, i), *v = config_map_value(root, i);
        if (strcmp(k->value, "texts") == 0 || strcmp(k->value, "advice") == 0) {
            if (config_template_texts(t, &doc, v, strcmp(k->value, "advice") == 0, err) != 0)
                goto out;
            continue;
        }
        if (v->type != CONFIG_SCALAR) {
            *err = config_errf(&doc, v, _("'%s' must be a single value"), k->value);
            goto out;
        }
        if (strcmp(k->value, "name") == 0) {
            free(t->name);
            t->name = xstrdup(v->value);
        } else if (strcmp(k->value, "kind") == 0) {
            if (model_broadcast_kind_parse(v->value) < 0) {
                *err = config_errf(&doc, v, _("'kind' must be public or internal, not '%s'"),
                                   v->value);
                goto out;
            }
            free(t->kind);
            t->kind = xstrdup(v->value);
        } else if (strcmp(k->value, "urgent") == 0) {
            if (!config_bool(v->value, &t->urgent)) {
                *err =
                    config_errf(&doc, v, _("'%s' must be yes or no, not '%s'"), k->value, v->value);
                goto out;
            }
        } else if (strcmp(k->value, "description") == 0) {
            continue;
        } else {
            *err = config_errf(&doc, k, _("unknown template key '%s'"), k->value);
            goto out;
        }
    }
    for (size_t i = 0; i < t->n; i++)
        if (t->texts[i] == NULL) {
            *err = config_errf(&doc, root, _("advice for '%s' but no text"), t->langs[i]);
            goto out;
        }
    if (t->n == 0) {
        *err =
            config_errf(&doc, root, "%s", _("a template needs 'texts' in one language at least"));
        goto out;
    }
    if (t->kind == NULL)
        t->kind = xstrdup("public");
    rc = 0;
out:
    if (rc != 0)
        config_template_fini(t);
    config_doc_fini(&doc);
    return rc;
}
