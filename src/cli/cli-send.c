/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `vigia sms count`, for anyone checking a text before it goes out, and the
 * subscriber, broadcast and outbox commands.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/app.h"

#include "cli.h"

static int cli_sms_count(int argc, char **argv)
{
    const char *text = NULL;
    struct text_sms_count c, ac;
    bool json = false;
    char *alt;

    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (text == NULL)
            text = argv[i];
        else
            return cli_usage_error(_("sms count: unexpected argument '%s'"), argv[i]);
    }
    if (text == NULL)
        return cli_usage_error("%s", _("sms count needs a TEXT"));
    if (text_check(text, 0, true, NULL) == TEXT_BAD_UTF8)
        return cli_fail(xstrdup(text_problem_str(TEXT_BAD_UTF8)));
    text_sms_count(text, &c);
    alt = text_sms_gsm7_alternative(text);
    if (alt != NULL)
        text_sms_count(alt, &ac);
    if (json) {
        json_t *o = json_object();
        char *s;
        json_object_set_new(o, "encoding", json_string(text_sms_encoding_name(c.encoding)));
        json_object_set_new(o, "segments", json_integer((json_int_t)c.segments));
        json_object_set_new(o, "characters", json_integer((json_int_t)c.characters));
        json_object_set_new(o, "units", json_integer((json_int_t)c.units));
        json_object_set_new(o, "per_segment", json_integer((json_int_t)c.per_segment));
        json_object_set_new(o, "remaining", json_integer((json_int_t)c.remaining));
        if (alt != NULL) {
            json_t *a = json_object();
            json_object_set_new(a, "text", json_string(alt));
            json_object_set_new(a, "encoding", json_string(text_sms_encoding_name(ac.encoding)));
            json_object_set_new(a, "segments", json_integer((json_int_t)ac.segments));
            json_object_set_new(a, "units", json_integer((json_int_t)ac.units));
            json_object_set_new(a, "segments_saved",
                                json_integer((json_int_t)c.segments - (json_int_t)ac.segments));
            json_object_set_new(o, "gsm7_alternative", a);
        }
        s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(s);
        free(s);
        json_decref(o);
    } else {
        printf(_("encoding: %s\n"), text_sms_encoding_name(c.encoding));
        printf(_("segments: %zu\n"), c.segments);
        printf(_("characters: %zu\n"), c.characters);
        printf(_("units: %zu (%zu left in the last segment)\n"), c.units, c.remaining);
        if (alt != NULL) {
            printf(_("GSM-7 version (%zu segments, saves %zd):\n"), ac.segments,
                   (ssize_t)c.segments - (ssize_t)ac.segments);
            printf("  %s\n", alt);
        }
    }
    free(alt);
    return 0;
}

int cli_sms(const struct cli_global *g, int argc, char **argv)
{
    (void)g;
    if (argc < 2)
        return cli_usage_error("%s", _("sms needs a command: count"));
    if (strcmp(argv[1], "count") == 0)
        return cli_sms_count(argc, argv);
    return cli_usage_error(_("unknown sms command '%s'"), argv[1]);
}

/* ---- shared helpers ----------------------------------------------------------- */

static void cli_send_print_json(json_t *o)
{
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    puts(s);
    free(s);
}

/* ---- subscriber ---------------------------------------------------------------- */

static int cli_subscriber(const struct cli_global *g, int argc, char **argv)
{
    struct app *a = NULL;
    char *err = NULL;
    int rc = 1;

    if (argc < 2)
        return cli_usage_error("%s",
                               _("subscriber needs a command: add, import, list, optout or reply"));
    if (strcmp(argv[1], "add") == 0) {
        const char *contact = NULL, *channel = "sms", *lang = NULL, *areas = NULL, *v;
        char id[ULID_LEN + 1];
        bool merged, missing = false;
        for (int i = 2; i < argc; i++) {
            if ((v = cli_flag(argc, argv, &i, "--channel", &missing)) != NULL)
                channel = v;
            else if ((v = cli_flag(argc, argv, &i, "--language", &missing)) != NULL)
                lang = v;
            else if ((v = cli_flag(argc, argv, &i, "--area", &missing)) != NULL)
                areas = v;
            else if (missing)
                return cli_usage_error(_("option %s needs a value"), argv[i]);
            else if (contact == NULL && argv[i][0] != '-')
                contact = argv[i];
            else
                return cli_usage_error(_("subscriber add: unknown argument '%s'"), argv[i]);
        }
        if (contact == NULL)
            return cli_usage_error("%s", _("subscriber add needs a CONTACT"));
        if (lang == NULL)
            lang = g->lang; /* --lang is global: it also sets the language of messages */
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        if (app_subscriber_add(a, contact, channel, lang, areas, id, &merged, &err) != 0)
            rc = cli_fail(err);
        else {
            printf("%s%s\n", id, merged ? _(" (merged with an existing subscriber)") : "");
            rc = 0;
        }
    } else if (strcmp(argv[1], "import") == 0) {
        struct app_import_result res;
        if (argc != 3)
            return cli_usage_error("%s", _("subscriber import needs one FILE.csv"));
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        if (app_subscriber_import(a, argv[2], &res, &err) != 0) {
            rc = cli_fail(err);
        } else {
            for (size_t i = 0; i < res.nerrors; i++)
                fprintf(stderr, "vigia: %s\n", res.errors[i]);
            printf(_("%zu added, %zu merged, %zu refused\n"), res.added, res.merged, res.nerrors);
            rc = res.nerrors > 0 ? 1 : 0;
            app_import_result_fini(&res);
        }
    } else if (strcmp(argv[1], "optout") == 0) {
        size_t n;
        if (argc != 3)
            return cli_usage_error("%s", _("subscriber optout needs an ID or a PHONE"));
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        if (app_subscriber_optout(a, argv[2], &n, &err) != 0)
            rc = cli_fail(err);
        else {
            printf(NG_("%zu subscription opted out\n", "%zu subscriptions opted out\n", n), n);
            rc = 0;
        }
    } else if (strcmp(argv[1], "reply") == 0) {
        const char *channel = "sms", *from = NULL, *text = NULL, *v;
        bool missing = false, out;
        for (int i = 2; i < argc; i++) {
            if ((v = cli_flag(argc, argv, &i, "--channel", &missing)) != NULL)
                channel = v;
            else if ((v = cli_flag(argc, argv, &i, "--from", &missing)) != NULL)
                from = v;
            else if (missing)
                return cli_usage_error(_("option %s needs a value"), argv[i]);
            else if (text == NULL)
                text = argv[i];
            else
                return cli_usage_error(_("subscriber reply: unknown argument '%s'"), argv[i]);
        }
        if (from == NULL || text == NULL)
            return cli_usage_error("%s", _("subscriber reply needs --from CONTACT and a TEXT"));
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        int rrc = app_subscriber_reply(a, channel, from, text, &out, &err);
        if (rrc == APP_LOCKED) {
            puts(_("opt-out kept: it applies when personal data is unlocked ('vigia unlock')"));
            rc = 0;
        } else if (rrc != 0) {
            rc = cli_fail(err);
        } else {
            puts(out ? _("opted out") : _("not an opt-out"));
            rc = 0;
        }
    } else if (strcmp(argv[1], "list") == 0) {
        struct app_subscriber_row *rows = NULL;
        bool all = false, reveal = false, json = false;
        size_t n = 0;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--all") == 0)
                all = true;
            else if (strcmp(argv[i], "--show-contacts") == 0)
                reveal = true;
            else if (strcmp(argv[i], "--json") == 0)
                json = true;
            else
                return cli_usage_error(_("subscriber list: unknown argument '%s'"), argv[i]);
        }
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        if (app_subscriber_list(a, all, reveal, &rows, &n, &err) != 0) {
            rc = cli_fail(err);
        } else {
            for (size_t i = 0; i < n; i++) {
                if (json) {
                    char *j = app_subscriber_json(&rows[i]);
                    puts(j);
                    free(j);
                    continue;
                }
                printf("%s  %-8s  %s  %-5s  %s%s\n", rows[i].id,
                       rows[i].channel ? rows[i].channel : "-",
                       rows[i].locked ? _("(locked)")
                       : rows[i].contact && *rows[i].contact
                           ? rows[i].contact
                           /* TRANSLATORS: an opted-out subscriber's number, purged. */
                           : _("(number forgotten)"),
                       rows[i].language ? rows[i].language : "-",
                       rows[i].areas ? rows[i].areas : _("every area"),
                       rows[i].opted_out_at ? _("  opted out") : "");
            }
            if (n == 0 && !json)
                puts(_("no subscribers yet: vigia subscriber add CONTACT, or import a file"));
            app_subscriber_rows_free(&rows, n);
            rc = 0;
        }
    } else {
        return cli_usage_error(_("unknown subscriber command '%s'"), argv[1]);
    }
    app_free(&a);
    return rc;
}

/* ---- broadcast ------------------------------------------------------------------ */

static void cli_preview_print(json_t *p)
{
    json_t *l, *langs = json_object_get(p, "languages"), *lint = json_object_get(p, "lint");
    size_t i;

    printf(_("broadcast %s (%s, %s)\n"), json_string_value(json_object_get(p, "id")),
           json_string_value(json_object_get(p, "kind")),
           json_string_value(json_object_get(p, "status")));
    printf(_("reports: %s; channels: %s; areas: %s\n"),
           json_string_value(json_object_get(p, "report_ids")),
           json_string_value(json_object_get(p, "channels")),
           *json_string_value(json_object_get(p, "areas"))
               ? json_string_value(json_object_get(p, "areas"))
               : _("all"));
    json_array_foreach(langs, i, l)
    {
        printf("\n[%s] %s\n", json_string_value(json_object_get(l, "language")),
               json_string_value(json_object_get(l, "text")));
        printf(_("  %s, %lld segments, %lld characters, %lld recipients, cost %.2f %s\n"),
               json_string_value(json_object_get(l, "encoding")),
               (long long)json_integer_value(json_object_get(l, "segments")),
               (long long)json_integer_value(json_object_get(l, "characters")),
               (long long)json_integer_value(json_object_get(l, "recipients_total")),
               json_real_value(json_object_get(l, "cost")),
               json_string_value(json_object_get(p, "currency")));
        json_t *g = json_object_get(l, "gsm7_alternative");
        if (g != NULL)
            printf(_("  GSM-7 version (%lld segments, saves %lld per message, %.2f in all): %s\n"),
                   (long long)json_integer_value(json_object_get(g, "segments")),
                   (long long)json_integer_value(json_object_get(g, "segments_saved")),
                   json_real_value(json_object_get(g, "cost_saved")),
                   json_string_value(json_object_get(g, "text")));
    }
    printf(_("\nrecipients: %lld; estimated cost: %.2f %s\n"),
           (long long)json_integer_value(json_object_get(p, "recipients")),
           json_real_value(json_object_get(p, "cost")),
           json_string_value(json_object_get(p, "currency")));
    json_array_foreach(lint, i, l) printf(
        _("personal data in the %s text: %s%s%s\n"),
        json_string_value(json_object_get(l, "language")),
        json_string_value(json_object_get(l, "label")), json_object_get(l, "text") ? ": " : "",
        json_object_get(l, "text") ? json_string_value(json_object_get(l, "text")) : "");
    if (json_is_string(json_object_get(p, "lint_override")))
        printf(_("lint overridden: %s\n"), json_string_value(json_object_get(p, "lint_override")));
    json_array_foreach(json_object_get(p, "blocked"), i, l)
        printf(_("blocked: %s\n"), json_string_value(l));
}

static int cli_broadcast_draft(const struct cli_global *g, int argc, char **argv)
{
    struct app_draft d;
    struct buf reports;
    struct app *a;
    char id[ULID_LEN + 1], *err = NULL;
    bool json = false, missing = false;
    const char *v;
    int rc;

    app_draft_init(&d);
    buf_init(&reports);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--urgent") == 0)
            d.urgent = true;
        else if (strcmp(argv[i], "--all-areas") == 0)
            d.all_areas = true;
        else if ((v = cli_flag(argc, argv, &i, "--report", &missing)) != NULL) {
            if (reports.len)
                buf_addc(&reports, ',');
            buf_adds(&reports, v);
        } else if ((v = cli_flag(argc, argv, &i, "--template", &missing)) != NULL)
            d.template_name = v;
        else if ((v = cli_flag(argc, argv, &i, "--language", &missing)) != NULL)
            d.languages = v;
        else if ((v = cli_flag(argc, argv, &i, "--area", &missing)) != NULL)
            d.areas = v;
        else if ((v = cli_flag(argc, argv, &i, "--channel", &missing)) != NULL)
            d.channels = v;
        else if ((v = cli_flag(argc, argv, &i, "--follow-up", &missing)) != NULL)
            d.follow_up = v;
        else {
            buf_fini(&reports);
            if (missing)
                return cli_usage_error(_("option %s needs a value"), argv[i]);
            return cli_usage_error(_("broadcast draft: unknown argument '%s'"), argv[i]);
        }
    }
    d.report_ids = reports.len ? buf_str(&reports) : NULL;
    if (d.languages == NULL)
        d.languages = g->lang; /* --lang is global: it also sets the language of messages */
    if ((a = cli_open(g, false)) == NULL) {
        buf_fini(&reports);
        return 1;
    }
    if (app_broadcast_draft(a, &d, id, &err) != 0) {
        rc = cli_fail(err);
    } else if (json) {
        json_t *p = app_broadcast_preview(a, id, &err);
        rc = p ? 0 : cli_fail(err);
        if (p)
            cli_send_print_json(p);
        json_decref(p);
    } else {
        puts(id);
        rc = 0;
    }
    buf_fini(&reports);
    app_free(&a);
    return rc;
}

static int cli_broadcast(const struct cli_global *g, int argc, char **argv)
{
    struct app *a = NULL;
    char *err = NULL;
    const char *id = NULL, *lang = NULL, *text = NULL, *reason = NULL, *v;
    bool json = false, missing = false, gsm7 = false;
    int rc = 1;

    if (argc < 2)
        return cli_usage_error(
            "%s", _("broadcast needs a command: draft, preview, edit, override, approve, cancel "
                    "or status"));
    if (strcmp(argv[1], "draft") == 0)
        return cli_broadcast_draft(g, argc, argv);
    if (strcmp(argv[1], "list") == 0) {
        json_t *l, *b;
        size_t i;
        json = argc > 2 && strcmp(argv[2], "--json") == 0;
        if (argc > 2 + json)
            return cli_usage_error(_("broadcast list: unknown argument '%s'"), argv[2 + json]);
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        if ((l = app_broadcast_list(a, 50, &err)) == NULL) {
            rc = cli_fail(err);
        } else {
            json_array_foreach(l, i, b)
            {
                json_t *o = json_object_get(b, "outbox");
                if (json) {
                    char *s = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER);
                    puts(s);
                    free(s);
                    continue;
                }
                printf("%s  %-9s %-8s %-14s sent %lld, failed %lld, uncertain %lld, left %lld\n",
                       json_string_value(json_object_get(b, "id")),
                       json_string_value(json_object_get(b, "status")),
                       json_string_value(json_object_get(b, "kind")),
                       json_is_string(json_object_get(b, "template"))
                           ? json_string_value(json_object_get(b, "template"))
                           : "-",
                       (long long)json_integer_value(json_object_get(o, "sent")),
                       (long long)json_integer_value(json_object_get(o, "failed")),
                       (long long)json_integer_value(json_object_get(o, "uncertain")),
                       (long long)json_integer_value(json_object_get(b, "remaining")));
                if (json_is_string(json_object_get(b, "follow_up_needed")))
                    printf(_("    needs an update or all clear: %s\n"),
                           json_string_value(json_object_get(b, "follow_up_needed")));
            }
            json_decref(l);
            rc = 0;
        }
        app_free(&a);
        return rc;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--use-gsm7") == 0)
            gsm7 = true;
        else if ((v = cli_flag(argc, argv, &i, "--language", &missing)) != NULL)
            lang = v;
        else if ((v = cli_flag(argc, argv, &i, "--text", &missing)) != NULL)
            text = v;
        else if ((v = cli_flag(argc, argv, &i, "--reason", &missing)) != NULL)
            reason = v;
        else if (missing)
            return cli_usage_error(_("option %s needs a value"), argv[i]);
        else if (id == NULL && argv[i][0] != '-')
            id = argv[i];
        else
            return cli_usage_error(_("broadcast %s: unknown argument '%s'"), argv[1], argv[i]);
    }
    if (id == NULL)
        return cli_usage_error(_("broadcast %s needs a broadcast ID"), argv[1]);
    if (lang == NULL)
        lang = g->lang;
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (strcmp(argv[1], "preview") == 0 || strcmp(argv[1], "status") == 0) {
        json_t *p = strcmp(argv[1], "preview") == 0 ? app_broadcast_preview(a, id, &err)
                                                    : app_broadcast_status(a, id, &err);
        if (p == NULL) {
            rc = cli_fail(err);
        } else {
            if (json)
                cli_send_print_json(p);
            else if (strcmp(argv[1], "preview") == 0)
                cli_preview_print(p);
            else {
                json_t *o = json_object_get(p, "outbox"), *r;
                size_t i;
                printf(_("broadcast %s: %s\n"), id,
                       json_string_value(json_object_get(p, "status")));
                printf(_("sent %lld, failed %lld, uncertain %lld, skipped %lld, remaining %lld\n"),
                       (long long)json_integer_value(json_object_get(o, "sent")),
                       (long long)json_integer_value(json_object_get(o, "failed")),
                       (long long)json_integer_value(json_object_get(o, "uncertain")),
                       (long long)json_integer_value(json_object_get(o, "skipped")),
                       (long long)json_integer_value(json_object_get(p, "remaining")));
                json_array_foreach(json_object_get(p, "attention"), i, r)
                    printf("  %-9s %-8s %s  %s\n", json_string_value(json_object_get(r, "state")),
                           json_string_value(json_object_get(r, "channel")),
                           json_is_string(json_object_get(r, "to"))
                               ? json_string_value(json_object_get(r, "to"))
                               : _("(locked)"),
                           json_is_string(json_object_get(r, "error"))
                               ? json_string_value(json_object_get(r, "error"))
                               : "");
            }
            rc = 0;
            json_decref(p);
        }
    } else if (strcmp(argv[1], "edit") == 0) {
        if (lang == NULL || (text == NULL && !gsm7))
            rc = cli_usage_error("%s", _("broadcast edit needs --language L and --text TEXT or "
                                         "--use-gsm7"));
        else if ((gsm7 ? app_broadcast_use_gsm7(a, id, lang, &err)
                       : app_broadcast_edit(a, id, lang, text, &err)) != 0)
            rc = cli_fail(err);
        else
            rc = 0;
    } else if (strcmp(argv[1], "override") == 0) {
        rc = app_broadcast_override(a, id, reason, &err) != 0 ? cli_fail(err) : 0;
    } else if (strcmp(argv[1], "cancel") == 0) {
        rc = app_broadcast_cancel(a, id, &err) != 0 ? cli_fail(err) : 0;
    } else if (strcmp(argv[1], "approve") == 0) {
        size_t n;
        bool held;
        if (app_broadcast_approve(a, id, &n, &held, &err) != 0)
            rc = cli_fail(err);
        else {
            if (held)
                printf(NG_("approved: %zu message held until quiet hours end\n",
                           "approved: %zu messages held until quiet hours end\n", n),
                       n);
            else
                printf(NG_("approved: %zu message queued\n", "approved: %zu messages queued\n", n),
                       n);
            rc = 0;
        }
    } else {
        rc = cli_usage_error(_("unknown broadcast command '%s'"), argv[1]);
    }
    app_free(&a);
    return rc;
}

/* ---- outbox ------------------------------------------------------------------------ */

static volatile sig_atomic_t cli_outbox_stop;

static void cli_outbox_signal(int sig)
{
    (void)sig;
    cli_outbox_stop = 1;
}

/* Messages whose sealed contact needs the key: say so, they are neither lost nor failed. */
static void cli_outbox_locked(size_t n)
{
    static size_t shown;

    if (n == shown) /* said already (or nothing to say) */
        return;
    shown = n;
    if (n == 0)
        return;
    fputs("vigia: ", stderr);
    fprintf(stderr,
            NG_("%zu message waits for the vault to be unlocked (vigia unlock)\n",
                "%zu messages wait for the vault to be unlocked (vigia unlock)\n", n),
            n);
}

static void cli_outbox_progress(const struct send_stats *st, void *data)
{
    static struct send_stats last;

    if (*(bool *)data ||
        (st->sent == last.sent && st->failed == last.failed && st->uncertain == last.uncertain &&
         st->in_flight == last.in_flight && st->locked == last.locked))
        return;
    if (st->locked != last.locked)
        cli_outbox_locked(st->locked);
    last = *st;
    fprintf(stderr, _("sent %zu, failed %zu, uncertain %zu, in flight %zu, %.0f/s\n"), st->sent,
            st->failed, st->uncertain, st->in_flight, st->rate);
}

static int cli_outbox(const struct cli_global *g, int argc, char **argv)
{
    struct app *a;
    struct send_stats st = {0};
    struct sigaction sa;
    char *err = NULL;
    bool until_empty = false, quiet = false;
    int rc;

    if (argc < 2)
        return cli_usage_error("%s", _("outbox needs a command: run or resend-uncertain"));
    if (strcmp(argv[1], "resend-uncertain") == 0) {
        size_t n;
        if (argc > 3)
            return cli_usage_error("%s", _("outbox resend-uncertain takes one BROADCAST at most"));
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        rc = app_outbox_retry_uncertain(a, argc == 3 ? argv[2] : NULL, &n, &err) != 0
                 ? cli_fail(err)
                 : (printf(_("%zu messages queued again\n"), n), 0);
        app_free(&a);
        return rc;
    }
    if (strcmp(argv[1], "run") != 0)
        return cli_usage_error(_("unknown outbox command '%s'"), argv[1]);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--until-empty") == 0)
            until_empty = true;
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = true;
        else
            return cli_usage_error(_("outbox run: unknown argument '%s'"), argv[i]);
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cli_outbox_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    rc = app_outbox_run(a, until_empty, &cli_outbox_stop, cli_outbox_progress, &quiet, &st, &err);
    if (rc != 0)
        rc = cli_fail(err);
    else
        printf(_("sent %zu, failed %zu, uncertain %zu, skipped %zu, retried %zu\n"), st.sent,
               st.failed, st.uncertain, st.skipped, st.retried);
    if (rc == 0)
        cli_outbox_locked(st.locked);
    app_free(&a);
    return rc;
}

int cli_send(const struct cli_global *g, int argc, char **argv)
{
    if (strcmp(argv[0], "subscriber") == 0)
        return cli_subscriber(g, argc, argv);
    if (strcmp(argv[0], "broadcast") == 0)
        return cli_broadcast(g, argc, argv);
    return cli_outbox(g, argc, argv);
}
