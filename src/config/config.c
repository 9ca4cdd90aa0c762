/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * YAML loading. libyaml's event stream is folded into a node tree that
 * remembers where each node began, so every later complaint ("unknown key",
 * "not a number") can say FILE:LINE:COLUMN. config.yaml is then checked against
 * config_option_table; demo data and (later) checklists, templates and
 * scenarios walk the same tree.
 */
#include "config.h"

#include "vigia/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"

#define CONFIG_MAX_DEPTH 32

/* ---- tree ----------------------------------------------------------------- */

static struct config_node *config_node_new(enum config_node_type type, const yaml_mark_t *m)
{
    struct config_node *n = xcalloc(1, sizeof *n);

    n->type = type;
    n->line = (int)m->line + 1;
    n->column = (int)m->column + 1;
    return n;
}

static void config_node_free(struct config_node *n)
{
    size_t count;

    if (n == NULL)
        return;
    count = n->type == CONFIG_MAP ? n->nitems * 2 : n->nitems;
    for (size_t i = 0; i < count; i++)
        config_node_free(n->items[i]);
    free(n->items);
    free(n->value);
    free(n);
}

static void config_node_push(struct config_node *parent, struct config_node *child, size_t *cap)
{
    size_t count = parent->type == CONFIG_MAP ? parent->nitems * 2 : parent->nitems;

    /* For maps nitems counts pairs; the raw slot count is tracked by the caller. */
    (void)count;
    if (parent->nitems >= *cap) {
        *cap = *cap ? *cap * 2 : 8;
        parent->items = xreallocarray(parent->items, *cap, sizeof *parent->items);
    }
    parent->items[parent->nitems++] = child;
}

char *config_errf(const struct config_doc *doc, const struct config_node *node, const char *fmt,
                  ...)
{
    va_list ap;
    char *msg, *out;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    if (node != NULL)
        out = xasprintf("%s:%d:%d: %s", doc->file, node->line, node->column, msg);
    else
        out = xasprintf("%s: %s", doc->file, msg);
    free(msg);
    return out;
}

struct config_frame {
    struct config_node *node;
    size_t cap; /* raw slots */
};

int config_doc_parse(const char *name, const char *data, size_t len, struct config_doc *doc,
                     char **err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct config_frame stack[CONFIG_MAX_DEPTH];
    int depth = 0, rc = -1;
    bool done = false;
    size_t bad;

    doc->file = xstrdup(name);
    doc->root = NULL;
    if (text_check(data, 0, true, &bad) == TEXT_BAD_UTF8) {
        int line = 1, col = 1;
        for (size_t i = 0; i < bad; i++) {
            if (data[i] == '\n') {
                line++;
                col = 1;
            } else if (((unsigned char)data[i] & 0xc0) != 0x80) {
                col++;
            }
        }
        util_seterr(err, _("%s:%d:%d: invalid UTF-8"), name, line, col);
        return -1;
    }
    if (!yaml_parser_initialize(&parser))
        util_fatal("cannot initialise the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    while (!done) {
        struct config_node *node = NULL;
        if (!yaml_parser_parse(&parser, &ev)) {
            util_seterr(err, "%s:%d:%d: %s%s%s", name, (int)parser.problem_mark.line + 1,
                        (int)parser.problem_mark.column + 1,
                        parser.problem ? parser.problem : _("syntax error"),
                        parser.context ? " " : "", parser.context ? parser.context : "");
            goto out;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (doc->root != NULL) {
                util_seterr(err, _("%s:%d:%d: only one YAML document is allowed"), name,
                            (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1);
                yaml_event_delete(&ev);
                goto out;
            }
            break;
        case YAML_ALIAS_EVENT:
            util_seterr(err, _("%s:%d:%d: aliases are not supported"), name,
                        (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1);
            yaml_event_delete(&ev);
            goto out;
        case YAML_SCALAR_EVENT:
            node = config_node_new(CONFIG_SCALAR, &ev.start_mark);
            node->value = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
            if (ev.data.scalar.length != strlen(node->value)) {
                util_seterr(err, _("%s:%d:%d: NUL character in a value"), name, node->line,
                            node->column);
                config_node_free(node);
                yaml_event_delete(&ev);
                goto out;
            }
            /* "~" and "null" unquoted mean nothing. */
            if (ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                (strcmp(node->value, "~") == 0 || strcmp(node->value, "null") == 0)) {
                node->value[0] = '\0';
            }
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (depth == CONFIG_MAX_DEPTH) {
                util_seterr(err, _("%s:%d:%d: nested too deeply"), name,
                            (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1);
                yaml_event_delete(&ev);
                goto out;
            }
            node = config_node_new(ev.type == YAML_SEQUENCE_START_EVENT ? CONFIG_SEQ : CONFIG_MAP,
                                   &ev.start_mark);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            struct config_node *n = stack[--depth].node;
            if (n->type == CONFIG_MAP)
                n->nitems /= 2;
            node = n;
            /* Attach the finished container to its parent below. */
            if (depth == 0) {
                doc->root = node;
                node = NULL;
            } else {
                config_node_push(stack[depth - 1].node, node, &stack[depth - 1].cap);
                node = NULL;
            }
            break;
        }
        default:
            break;
        }
        if (node != NULL) {
            bool container = node->type != CONFIG_SCALAR;
            if (container) {
                stack[depth].node = node;
                stack[depth].cap = 0;
                depth++;
            } else if (depth == 0) {
                doc->root = node;
            } else {
                struct config_node *parent = stack[depth - 1].node;
                if (parent->type == CONFIG_MAP && parent->nitems % 2 == 0 &&
                    node->type != CONFIG_SCALAR) {
                    /* unreachable: keys are scalars here */
                }
                config_node_push(parent, node, &stack[depth - 1].cap);
            }
        }
        /* Complex (non-scalar) keys are refused. */
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
            if (depth >= 2) {
                struct config_node *parent = stack[depth - 2].node;
                if (parent->type == CONFIG_MAP && parent->nitems % 2 == 0) {
                    util_seterr(err, _("%s:%d:%d: a key must be plain text"), name,
                                (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1);
                    yaml_event_delete(&ev);
                    goto out;
                }
            }
        }
        yaml_event_delete(&ev);
    }
    rc = 0;
out:
    if (rc != 0) {
        /* Free containers still open; the root (if set) is freed by fini. */
        for (int i = depth - 1; i >= 0; i--) {
            struct config_node *n = stack[i].node;
            if (n->type == CONFIG_MAP)
                n->type = CONFIG_SEQ; /* nitems still counts raw slots: free them all */
            for (size_t k = 0; k < n->nitems; k++)
                config_node_free(n->items[k]);
            n->nitems = 0;
            config_node_free(n);
        }
        config_node_free(doc->root);
        doc->root = NULL;
    }
    yaml_parser_delete(&parser);
    return rc;
}

int config_doc_load(const char *file, struct config_doc *doc, char **err)
{
    char *data;
    size_t len;
    int rc = util_read_file(file, &data, &len);

    if (rc != 0) {
        doc->file = xstrdup(file);
        doc->root = NULL;
        util_seterr(err, _("cannot read %s: %s"), file, strerror(-rc));
        return -1;
    }
    rc = config_doc_parse(file, data, len, doc, err);
    free(data);
    return rc;
}

void config_doc_fini(struct config_doc *doc)
{
    config_node_free(doc->root);
    doc->root = NULL;
    FREE(&doc->file);
}

const struct config_node *config_map_key(const struct config_node *map, size_t i)
{
    return map->items[2 * i];
}

const struct config_node *config_map_value(const struct config_node *map, size_t i)
{
    return map->items[2 * i + 1];
}

const struct config_node *config_map_get(const struct config_node *map, const char *key)
{
    if (map == NULL || map->type != CONFIG_MAP)
        return NULL;
    for (size_t i = 0; i < map->nitems; i++) {
        const struct config_node *k = config_map_key(map, i);
        if (k->type == CONFIG_SCALAR && strcmp(k->value, key) == 0)
            return config_map_value(map, i);
    }
    return NULL;
}

/* ---- config.yaml ---------------------------------------------------------- */

enum config_slot {
    CONFIG_DISPATCHER,
    CONFIG_LANGUAGE,
    CONFIG_NETWORK,
    CONFIG_COUNTRY,
    CONFIG_STALE,
    CONFIG_EXPIRE,
    CONFIG_CHECKLIST_DIR,
    CONFIG_CONTACT_HOURS,
    CONFIG_FOLLOWUP_DAYS,
    CONFIG_OPTOUT_DAYS,
    CONFIG_KEYRING_MINUTES,
    CONFIG_REVEAL_SECONDS,
    CONFIG_RESOURCE_CHECK_DAYS,
    CONFIG_ACK_MINUTES,
    CONFIG_CHECKIN_MINUTES,
    CONFIG_PRIORITY_WINDOWS
};

static const struct config_option config_option_table[] = {
    [CONFIG_DISPATCHER] = {"dispatcher", "string", "", 0, 0,
                           N_("your name as it appears in the timeline")},
    [CONFIG_LANGUAGE] = {"language", "string", "", 0, 0,
                         N_("language of the console (en, es); empty: from the locale")},
    [CONFIG_NETWORK] = {"network", "string", "", 0, 0, N_("the network's name for the status bar")},
    [CONFIG_COUNTRY] = {"default_country", "string", "US", 0, 0,
                        N_("country for phone numbers written without +")},
    [CONFIG_STALE] = {"stale_minutes", "int", "60", 5, 24 * 60,
                      N_("minutes without an update before a report is stale")},
    [CONFIG_EXPIRE] = {"expire_minutes", "int", "240", 15, 14 * 24 * 60,
                       N_("minutes before a report leaves the live queue")},
    [CONFIG_CHECKLIST_DIR] = {"checklist_dir", "string", "", 0, 0,
                              N_("folder of the network's own checklists (*.yaml), added to the "
                                 "shipped ones; relative to this file")},
    [CONFIG_CONTACT_HOURS] = {"contact_retention_hours", "int", "72", 1, 24 * 365,
                              N_("hours a caller's contact is kept after the report closes")},
    [CONFIG_FOLLOWUP_DAYS] = {"followup_retention_days", "int", "30", 1, 3650,
                              N_("days detained-person follow-up data is kept after the case "
                                 "closes")},
    [CONFIG_OPTOUT_DAYS] = {"optout_retention_days", "int", "30", 1, 3650,
                            N_("days an opted-out subscriber's number is kept (with a passphrase "
                               "set; the opt-out itself stays)")},
    [CONFIG_KEYRING_MINUTES] = {"keyring_minutes", "int", "480", 0, 7 * 24 * 60,
                                N_("minutes the unlocked key stays in the kernel keyring between "
                                   "starts; 0: ask every time")},
    [CONFIG_REVEAL_SECONDS] = {"reveal_seconds", "int", "60", 0, 3600,
                               N_("seconds a revealed personal field stays shown in the console; "
                                  "0: until the report is left")},
    [CONFIG_RESOURCE_CHECK_DAYS] = {"resource_check_days", "int", "180", 1, 3650,
                                    N_("days after which a referral entry not checked again is "
                                       "flagged")},
    [CONFIG_ACK_MINUTES] = {"ack_minutes", "int", "5", 1, 240,
                            N_("minutes a verifier has to acknowledge an assignment before it is "
                               "flagged overdue")},
    [CONFIG_CHECKIN_MINUTES] = {"checkin_minutes", "int", "15", 1, 240,
                                N_("minutes between check-ins of a verifier on scene; a missed "
                                   "one escalates")},
    [CONFIG_PRIORITY_WINDOWS] = {"priority_windows", "string", "06:00-09:00,17:00-21:00", 0, 0,
                                 N_("the busiest hours of the local day, as HH:MM-HH:MM,...")},
};

const struct config_option *config_options(size_t *n)
{
    *n = UTIL_ARRAY_LEN(config_option_table);
    return config_option_table;
}

void config_init(struct config *c)
{
    memset(c, 0, sizeof *c);
    model_policy_default(&c->policy);
    c->contact_retention_hours = 72;
    c->followup_retention_days = 30;
    c->optout_retention_days = 30;
    c->keyring_minutes = 480;
    c->reveal_seconds = 60;
    c->resource_check_days = 180;
    model_roster_policy_default(&c->roster);
    c->default_country = xstrdup("US");
}

void config_fini(struct config *c)
{
    FREE(&c->path);
    FREE(&c->dispatcher);
    FREE(&c->language);
    FREE(&c->network);
    FREE(&c->default_country);
    FREE(&c->checklist_dir);
}

char *config_default_path(void)
{
    char *dir = util_config_dir();
    char *p = xasprintf("%s/config.yaml", dir);

    free(dir);
    return p;
}

/* Check one key/value pair of config.yaml against the table and store it. */
static int config_apply(struct config *c, const struct config_doc *doc, const struct config_node *k,
                        const struct config_node *v, char **err)
{
    size_t i;
    long n;

    for (i = 0; i < UTIL_ARRAY_LEN(config_option_table); i++)
        if (strcmp(config_option_table[i].name, k->value) == 0)
            break;
    if (i == UTIL_ARRAY_LEN(config_option_table)) {
        *err = config_errf(doc, k, _("unknown option '%s'"), k->value);
        return -1;
    }
    if (v->type != CONFIG_SCALAR) {
        *err = config_errf(doc, v, _("'%s' must be a single value"), k->value);
        return -1;
    }
    if (strcmp(config_option_table[i].type, "int") == 0) {
        if (!util_parse_int(v->value, config_option_table[i].min, config_option_table[i].max, &n)) {
            *err = config_errf(doc, v, _("'%s' must be a whole number from %ld to %ld, not '%s'"),
                               k->value, config_option_table[i].min, config_option_table[i].max,
                               v->value);
            return -1;
        }
    } else if (text_check(v->value, MODEL_MAX_SHORT, false, NULL) != TEXT_OK) {
        *err = config_errf(doc, v, _("'%s': %s"), k->value,
                           text_problem_str(text_check(v->value, MODEL_MAX_SHORT, false, NULL)));
        return -1;
    }
    switch ((enum config_slot)i) {
    case CONFIG_DISPATCHER:
        free(c->dispatcher);
        c->dispatcher = *v->value ? xstrdup(v->value) : NULL;
        break;
    case CONFIG_LANGUAGE:
        free(c->language);
        c->language = *v->value ? xstrdup(v->value) : NULL;
        break;
    case CONFIG_NETWORK:
        free(c->network);
        c->network = *v->value ? xstrdup(v->value) : NULL;
        break;
    case CONFIG_COUNTRY:
        free(c->default_country);
        c->default_country = xstrdup(v->value);
        break;
    case CONFIG_STALE:
        c->policy.stale_minutes = (int)n;
        break;
    case CONFIG_EXPIRE:
        c->policy.expire_minutes = (int)n;
        break;
    case CONFIG_CONTACT_HOURS:
        c->contact_retention_hours = (int)n;
        break;
    case CONFIG_FOLLOWUP_DAYS:
        c->followup_retention_days = (int)n;
        break;
    case CONFIG_OPTOUT_DAYS:
        c->optout_retention_days = (int)n;
        break;
    case CONFIG_KEYRING_MINUTES:
        c->keyring_minutes = (int)n;
        break;
    case CONFIG_REVEAL_SECONDS:
        c->reveal_seconds = (int)n;
        break;
    case CONFIG_RESOURCE_CHECK_DAYS:
        c->resource_check_days = (int)n;
        break;
    case CONFIG_ACK_MINUTES:
        c->roster.ack_minutes = (int)n;
        break;
    case CONFIG_CHECKIN_MINUTES:
        c->roster.checkin_minutes = (int)n;
        break;
    case CONFIG_PRIORITY_WINDOWS: {
        char *e = NULL;
        if (!model_windows_parse(v->value, c->roster.windows, MODEL_WINDOWS_MAX,
                                 &c->roster.nwindows, &e)) {
            *err = config_errf(doc, v, "priority_windows: %s", e);
            free(e);
            return -1;
        }
        break;
    }
    case CONFIG_CHECKLIST_DIR:
        free(c->checklist_dir);
        c->checklist_dir = NULL;
        if (*v->value == '/' || *v->value == '\0') {
            c->checklist_dir = *v->value ? xstrdup(v->value) : NULL;
        } else {
            const char *slash = strrchr(doc->file, '/');
            c->checklist_dir =
                slash ? xasprintf("%.*s/%s", (int)(slash - doc->file), doc->file, v->value)
                      : xstrdup(v->value);
        }
        break;
    }
    return 0;
}

int config_load(const char *path, struct config *c, char **err)
{
    struct config_doc doc;
    char *file = path ? xstrdup(path) : config_default_path();
    int rc = -1;

    if (path == NULL && access(file, F_OK) != 0) {
        free(file);
        return 0;
    }
    if (config_doc_load(file, &doc, err) != 0)
        goto fini;
    free(c->path);
    c->path = xstrdup(file);
    if (doc.root == NULL) {
        rc = 0;
        goto fini;
    }
    if (doc.root->type != CONFIG_MAP) {
        *err = config_errf(&doc, doc.root, _("the config must be a map of option: value"));
        goto fini;
    }
    for (size_t i = 0; i < doc.root->nitems; i++) {
        if (config_send_section(config_map_key(doc.root, i)->value))
            continue; /* config-send.c reads these */
        if (config_apply(c, &doc, config_map_key(doc.root, i), config_map_value(doc.root, i),
                         err) != 0)
            goto fini;
    }
    rc = 0;
fini:
    config_doc_fini(&doc);
    free(file);
    return rc;
}

/* Quote a string for YAML as a double-quoted scalar. */
static void config_yaml_quote(struct buf *b, const char *s)
{
    buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_addc(b, '\\');
        buf_addc(b, *s);
    }
    buf_addc(b, '"');
}

int config_save_dispatcher(const char *path, const char *name, char **err)
{
    char *old = NULL, *dir, *slash;
    struct buf b;
    int rc;

    dir = xstrdup(path);
    slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        util_mkdirs(dir);
    }
    free(dir);
    buf_init(&b);
    if (util_read_file(path, &old, NULL) == 0) {
        /* Keep every line but an earlier dispatcher: one. */
        char *line = old, *next;
        for (; line && *line; line = next) {
            next = strchr(line, '\n');
            size_t n = next ? (size_t)(next - line) : strlen(line);
            if (next)
                next++;
            if (strncmp(line, "dispatcher:", 11) == 0)
                continue;
            buf_add(&b, line, n);
            buf_addc(&b, '\n');
        }
        free(old);
    } else {
        buf_adds(&b, "# vigia configuration (see vigia(1))\n");
    }
    buf_adds(&b, "dispatcher: ");
    config_yaml_quote(&b, name);
    buf_addc(&b, '\n');
    rc = util_write_atomic(path, b.data, b.len, 0600);
    buf_fini(&b);
    if (rc != 0) {
        util_seterr(err, _("cannot save %s: %s"), path, strerror(-rc));
        return -1;
    }
    return 0;
}

/* ---- demo data -------------------------------------------------------------- */

int config_demo_load(const char *file, int64_t now,
                     int (*fn)(struct model_report *r, const char *contact, void *data, char **err),
                     void *data, char **err)
{
    struct config_doc doc;
    const struct config_node *list;
    int rc = -1;

    if (config_doc_load(file, &doc, err) != 0) {
        config_doc_fini(&doc);
        return -1;
    }
    list = config_map_get(doc.root, "reports");
    if (list == NULL || list->type != CONFIG_SEQ) {
        *err = config_errf(&doc, doc.root, _("expected a list under 'reports:'"));
        goto out;
    }
    for (size_t i = 0; i < list->nitems; i++) {
        const struct config_node *item = list->items[i];
        struct model_report r;
        const char *contact = NULL;
        char *msg = NULL;

        if (item->type != CONFIG_MAP) {
            *err = config_errf(&doc, item, _("each report must be a map"));
            goto out;
        }
        model_report_init(&r);
        r.received_at = now;
        for (size_t k = 0; k < item->nitems; k++) {
            const struct config_node *key = config_map_key(item, k);
            const struct config_node *val = config_map_value(item, k);
            int64_t ago;
            if (val->type != CONFIG_SCALAR) {
                *err = config_errf(&doc, val, _("'%s' must be a single value"), key->value);
                model_report_fini(&r);
                goto out;
            }
            if (strcmp(key->value, "contact") == 0) {
                contact = val->value;
                continue;
            }
            if (strcmp(key->value, "age") == 0) {
                char *rel = xasprintf("%s ago", val->value);
                int bad = timeutil_parse(rel, now, &ago);
                free(rel);
                if (bad) {
                    *err = config_errf(&doc, val, _("cannot read age '%s' (e.g. 15m, 3h)"),
                                       val->value);
                    model_report_fini(&r);
                    goto out;
                }
                r.received_at = ago;
                continue;
            }
            int set = model_report_set(&r, key->value, val->value, now, &msg);
            if (set != MODEL_SET_OK) {
                *err = set == MODEL_SET_UNKNOWN
                           ? config_errf(&doc, key, _("unknown report field '%s'"), key->value)
                           : config_errf(&doc, val, "%s", msg);
                free(msg);
                model_report_fini(&r);
                goto out;
            }
        }
        if (fn(&r, contact, data, &msg) != 0) {
            *err = config_errf(&doc, item, "%s", msg ? msg : _("report refused"));
            free(msg);
            model_report_fini(&r);
            goto out;
        }
        model_report_fini(&r);
    }
    rc = 0;
out:
    config_doc_fini(&doc);
    return rc;
}
