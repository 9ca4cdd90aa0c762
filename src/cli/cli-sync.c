/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `vigia network create|join|invite|rotate|devices|status` and
 * `vigia sync [--once]`: joining a network and syncing without the console.
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

static volatile sig_atomic_t cli_sync_stop;

static void cli_sync_on_signal(int sig)
{
    (void)sig;
    cli_sync_stop = 1;
}

/* One line of status; @live: the relay was asked just now (else online is unknown). */
static void cli_sync_print_status(const struct app_sync_status *st, bool live)
{
    char age[8] = "-";

    if (st->last_ok > 0)
        timeutil_age(timeutil_now_ms() - st->last_ok, age);
    printf(_("%s; %lld ops waiting to go out; last sync %s; %lld unread in the thread\n"),
           !st->joined  ? _("not in a network")
           : !live      ? _("in a network")
           : st->online ? _("online")
                        : _("offline"),
           (long long)st->pending, age, (long long)st->unread);
}

static int cli_network_usage(void)
{
    return cli_usage_error(
        _("usage: vigia network create --relay URL | join INVITE [--name N] | "
          "invite | rotate [--remove DEVICE]... | resend | devices [--json] | status"));
}

int cli_network(const struct cli_global *g, int argc, char **argv)
{
    struct app *a = NULL;
    char *err = NULL, *out = NULL, *pass = NULL;
    const char *sub = argc > 1 ? argv[1] : NULL;
    int rc = 1;

    if (sub == NULL || strcmp(sub, "--help") == 0)
        return cli_network_usage();
    if (strcmp(sub, "create") == 0) {
        const char *relay = NULL;
        for (int i = 2; i < argc; i++) {
            bool missing = false;
            const char *v = cli_flag(argc, argv, &i, "--relay", &missing);
            if (v != NULL)
                relay = v;
            else
                return cli_network_usage();
        }
        if (relay == NULL)
            return cli_usage_error(_("network create needs --relay URL"));
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        if (app_network_create(a, relay, &out, &err) != 0)
            goto fail;
        printf("%s\n", out);
        fprintf(stderr, "vigia: %s\n",
                _("network created; on each other device run: vigia network join INVITE "
                  "(the invite holds the key: pass it only to trusted dispatchers)"));
        rc = 0;
    } else if (strcmp(sub, "join") == 0) {
        const char *invite = NULL, *name = NULL;
        for (int i = 2; i < argc; i++) {
            bool missing = false;
            const char *v = cli_flag(argc, argv, &i, "--name", &missing);
            if (v != NULL)
                name = v;
            else if (argv[i][0] != '-' && invite == NULL)
                invite = argv[i];
            else
                return cli_network_usage();
        }
        if (invite == NULL)
            return cli_usage_error(_("network join needs an invite"));
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        if (app_invite_has_vault(invite)) {
            /* TRANSLATORS: asked when an invite carries the personal-data key. */
            pass = cli_privacy_passphrase(_("Passphrase for personal data on this device: "), &err);
            if (pass == NULL)
                goto fail;
        }
        if (app_network_join(a, invite, name, pass, &err) != 0)
            goto fail;
        fprintf(stderr, "vigia: %s\n", _("joined the network; run 'vigia sync' to exchange"));
        rc = 0;
    } else if (strcmp(sub, "invite") == 0) {
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        if (app_network_invite(a, &out, &err) != 0)
            goto fail;
        printf("%s\n", out);
        rc = 0;
    } else if (strcmp(sub, "rotate") == 0) {
        const char **remove = xcalloc((size_t)argc, sizeof *remove);
        size_t nremove = 0;
        int64_t epoch;
        for (int i = 2; i < argc; i++) {
            bool missing = false;
            const char *v = cli_flag(argc, argv, &i, "--remove", &missing);
            if (v == NULL) {
                free(remove);
                return cli_network_usage();
            }
            remove[nremove++] = v;
        }
        if ((a = cli_open(g, false)) == NULL) {
            free(remove);
            return 1;
        }
        rc = app_network_rotate(a, remove, &epoch, &err);
        free(remove);
        if (rc != 0) {
            rc = 1;
            goto fail;
        }
        printf(_("network key epoch is now %lld\n"), (long long)epoch);
        rc = 0;
    } else if (strcmp(sub, "resend") == 0) {
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        if (app_network_resend(a, &err) != 0)
            goto fail;
        fprintf(stderr, "vigia: %s\n",
                _("all of this device's changes go out again on the next sync"));
        rc = 0;
    } else if (strcmp(sub, "devices") == 0) {
        bool json = argc > 2 && strcmp(argv[2], "--json") == 0;
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        if (app_network_devices(a, &out, json, &err) != 0)
            goto fail;
        fputs(out, stdout);
        rc = 0;
    } else if (strcmp(sub, "status") == 0) {
        struct app_sync_status st;
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        app_sync_status_offline(a, &st);
        cli_sync_print_status(&st, false);
        rc = 0;
    } else {
        return cli_network_usage();
    }
    app_passphrase_free(&pass);
    free(out);
    app_free(&a);
    return rc;
fail:
    app_passphrase_free(&pass);
    free(out);
    app_free(&a);
    return cli_fail(err);
}

int cli_sync(const struct cli_global *g, int argc, char **argv)
{
    struct app *a;
    struct app_sync_status st;
    struct sigaction sa;
    bool once = false, quiet = false;
    char *err = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0)
            once = true;
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = true;
        else
            return cli_usage_error(_("usage: vigia sync [--once] [--quiet]"));
    }
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cli_sync_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = app_sync_run(a, once, &cli_sync_stop, &st, &err);
    if (rc != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    if (!quiet) {
        printf(_("sent %lld batches, applied %lld batches (%lld ops)"), (long long)st.sent,
               (long long)st.received, (long long)st.applied_ops);
        if (st.refused > 0)
            printf(_(", refused %lld"), (long long)st.refused);
        if (st.gaps > 0)
            printf(_(", %lld missing"), (long long)st.gaps);
        printf("\n");
        cli_sync_print_status(&st, true);
    }
    app_free(&a);
    /* A refused batch is worth a non-zero status for scripts. */
    return st.refused > 0 ? 3 : 0;
}

int cli_thread(const struct cli_global *g, int argc, char **argv)
{
    struct app *a;
    struct app_thread_msg *m = NULL;
    size_t n = 0;
    long limit = 50;
    bool json = false;
    char *err = NULL;

    if (argc > 1 && strcmp(argv[1], "post") == 0) {
        if (argc != 3)
            return cli_usage_error(_("usage: vigia thread post TEXT"));
        if ((a = cli_open(g, false)) == NULL)
            return 1;
        if (app_thread_post(a, argv[2], &err) != 0) {
            app_free(&a);
            return cli_fail(err);
        }
        app_free(&a);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc &&
                 util_parse_int(argv[i + 1], 1, 100000, &limit))
            i++;
        else if (strcmp(argv[i], "list") != 0 || i != 1)
            return cli_usage_error(_("usage: vigia thread [list] [--limit N] [--json] | "
                                     "thread post TEXT"));
    }
    if ((a = cli_open(g, false)) == NULL)
        return 1;
    if (app_thread_list(a, (size_t)limit, &m, &n, &err) != 0) {
        app_free(&a);
        return cli_fail(err);
    }
    for (size_t i = 0; i < n; i++) {
        if (json) {
            char when[32], *line;
            json_t *o;
            timeutil_rfc3339(m[i].at, when);
            o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:b}", "id", m[i].id, "at", when, "author",
                          m[i].author ? m[i].author : "", "body", m[i].body ? m[i].body : "",
                          "mine", m[i].mine, "unread", m[i].unread);
            line = json_dumps(o, JSON_COMPACT);
            printf("%s\n", line);
            free(line);
            json_decref(o);
        } else {
            char when[24], *author = text_printable(m[i].author ? m[i].author : ""),
                           *body = text_printable(m[i].body ? m[i].body : "");
            timeutil_local(m[i].at, when);
            printf("%s %s  %s: %s\n", m[i].unread ? "*" : " ", when, author, body);
            free(author);
            free(body);
        }
    }
    /* Listing is reading. */
    if (n > 0 && app_thread_mark_read(a, m[n - 1].at, &err) != 0) {
        app_thread_free(&m, n);
        app_free(&a);
        return cli_fail(err);
    }
    app_thread_free(&m, n);
    app_free(&a);
    return 0;
}
