/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `vigia sms count`, for anyone checking a text before it goes out. The
 * broadcast, subscriber and outbox commands live in cli-broadcast.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vigia/util.h"

#include "vigia/text.h"

#include "vigia/app.h"

#include "cli.h"
#include "vigia/i18n.h"

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
