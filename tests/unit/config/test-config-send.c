/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/config/config-send.c: the broadcast and channels
 * sections of config.yaml (defaults, values, errors with file:line:column)
 * and broadcast templates, including every template shipped in
 * share/vigia/templates.
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/config.h"

static char tmpdir[] = "/tmp/vigia-config-send-XXXXXX";

static char *put(const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", tmpdir, name);

    assert_int_equal(util_write_atomic(p, text, strlen(text), 0600), 0);
    return p;
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static void load_ok(const char *yaml, struct config_send *cs)
{
    char *p = put("ok.yaml", yaml), *err = NULL;

    config_send_init(cs);
    if (config_send_load(p, cs, &err) != 0)
        fail_msg("%s", err);
    free(p);
}

static void load_bad(const char *yaml, const char *want)
{
    struct config_send cs;
    char *p = put("bad.yaml", yaml), *err = NULL;

    config_send_init(&cs);
    assert_int_equal(config_send_load(p, &cs, &err), -1);
    assert_non_null(err);
    if (strstr(err, want) == NULL)
        fail_msg("'%s' lacks '%s'", err, want);
    free(err);
    free(p);
    config_send_fini(&cs);
}

static void test_defaults(void **state)
{
    struct config_send cs;
    const char *const *w;
    char *err = NULL;

    (void)state;
    config_send_init(&cs);
    assert_int_equal(config_send_load(NULL, &cs, &err), 0);
    assert_int_equal(config_send_load("/nonexistent/config.yaml", &cs, &err), 0);
    assert_false(cs.second_approval);
    assert_int_equal(cs.quiet_start, -1);
    for (int c = 0; c < MODEL_CHANNEL_COUNT; c++)
        assert_false(cs.channels[c].enabled);
    assert_true(config_optout_words(&cs, "es", &w) > 0);
    assert_true(config_optout_words(&cs, "zz", &w) == 0);
    assert_true(config_send_section("broadcast"));
    assert_true(config_send_section("channels"));
    assert_false(config_send_section("network"));
    config_send_fini(&cs);
}

static void test_values(void **state)
{
    struct config_send cs;
    const char *const *w;

    (void)state;
    load_ok("network: East\n"
            "broadcast:\n"
            "  second_approval: yes\n"
            "  quiet_hours: \"22:30-06:45\"\n"
            "  sms_price: 0.01\n"
            "  currency: MXN\n"
            "  optout_words: {es: [BAJA, ALTO], fr: [ARRÊT]}\n"
            "channels:\n"
            "  sms: {gateway: twilio, account_sid: AC1, auth_token: t, from: \"+15550001111\","
            " rate: 2.5, concurrency: 3}\n"
            "  telegram: {token: \"1:x\", base_url: \"http://127.0.0.1:9\", backoff_ms: 10}\n"
            "  file: {path: /tmp/x.jsonl}\n",
            &cs);
    assert_true(cs.second_approval);
    assert_int_equal(cs.quiet_start, 22 * 60 + 30);
    assert_int_equal(cs.quiet_end, 6 * 60 + 45);
    assert_true(cs.price_gsm7 > 0.0099 && cs.price_gsm7 < 0.0101);
    assert_string_equal(cs.currency, "MXN");
    assert_int_equal(config_optout_words(&cs, "es", &w), 2);
    assert_string_equal(w[1], "ALTO");
    assert_true(cs.channels[MODEL_CHANNEL_SMS].enabled);
    assert_string_equal(cs.channels[MODEL_CHANNEL_SMS].from, "+15550001111");
    assert_int_equal(cs.channels[MODEL_CHANNEL_SMS].concurrency, 3);
    assert_true(cs.channels[MODEL_CHANNEL_SMS].rate > 2.4);
    assert_int_equal(cs.channels[MODEL_CHANNEL_TELEGRAM].backoff_ms, 10);
    assert_false(cs.channels[MODEL_CHANNEL_SIGNAL].enabled);
    assert_string_equal(cs.channels[MODEL_CHANNEL_FILE].path, "/tmp/x.jsonl");
    config_send_fini(&cs);
}

static void test_errors(void **state)
{
    (void)state;
    load_bad("channels:\n  pigeon: {}\n", "bad.yaml:2:3: unknown channel 'pigeon'");
    load_bad("channels:\n  sms: {sid: x}\n", "bad.yaml:2:9: unknown option 'channels.sms.sid'");
    load_bad("channels:\n  sms: {rate: fast}\n", "bad.yaml:2:15:");
    load_bad("channels:\n  sms: {gateway: nexmo}\n", "unknown sms gateway 'nexmo'");
    load_bad("channels:\n  email: [a, b]\n", "bad.yaml:2:10: 'channels.email' must be a map");
    load_bad("broadcast:\n  quiet_hours: 22-7\n", "bad.yaml:2:16: 'quiet_hours'");
    load_bad("broadcast:\n  quiet_hours: \"25:00-07:00\"\n", "bad.yaml:2:16:");
    load_bad("broadcast:\n  second_approval: maybe\n", "must be yes or no");
    load_bad("broadcast:\n  loud: yes\n", "bad.yaml:2:3: unknown option 'broadcast.loud'");
    load_bad("broadcast:\n  optout_words: {en: STOP}\n", "must be a list");
    load_bad("broadcast: yes\n", "bad.yaml:1:12:");
}

static void test_templates(void **state)
{
    struct config_template t;
    char *p, *err = NULL, *dir;
    DIR *d;
    struct dirent *e;
    int seen = 0;

    (void)state;
    p = put("t.yaml", "name: x\nkind: internal\nurgent: yes\n"
                      "texts: {en: \"{area}: {what}\", es: \"{area}: {what}. {advice}\"}\n"
                      "advice: {es: \"no abra la puerta\"}\n");
    assert_int_equal(config_template_load(p, &t, &err), 0);
    assert_string_equal(t.kind, "internal");
    assert_true(t.urgent);
    assert_int_equal(t.n, 2);
    assert_null(t.advice[0]);
    assert_string_equal(t.advice[1], "no abra la puerta");
    config_template_fini(&t);
    free(p);
    p = put("t.yaml", "name: x\nkind: secret\ntexts: {en: hi}\n");
    assert_int_equal(config_template_load(p, &t, &err), -1);
    assert_non_null(strstr(err, "t.yaml:2:7:"));
    FREE(&err);
    free(p);
    p = put("t.yaml", "name: x\nadvice: {en: hi}\n");
    assert_int_equal(config_template_load(p, &t, &err), -1);
    FREE(&err);
    free(p);
    /* Every shipped template loads, has en and es, and uses only known placeholders. */
    dir = xasprintf("%s/share/vigia/templates",
                    getenv("VIGIA_SOURCE_DIR") ? getenv("VIGIA_SOURCE_DIR") : ".");
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        const char *keys[] = {"area", "time", "what", "advice"};
        const char *vals[] = {"", "", "", ""};
        if (strstr(e->d_name, ".yaml") == NULL)
            continue;
        p = xasprintf("%s/%s", dir, e->d_name);
        if (config_template_load(p, &t, &err) != 0)
            fail_msg("%s", err);
        bool en = false, es = false;
        for (size_t i = 0; i < t.n; i++) {
            char *x = text_template_expand(t.texts[i], keys, vals, 4);
            if (strchr(x, '{') != NULL)
                fail_msg("%s [%s]: unknown placeholder in '%s'", p, t.langs[i], t.texts[i]);
            free(x);
            en |= strcmp(t.langs[i], "en") == 0;
            es |= strcmp(t.langs[i], "es") == 0;
        }
        assert_true(en && es);
        config_template_fini(&t);
        free(p);
        seen++;
    }
    closedir(d);
    free(dir);
    assert_true(seen >= 4);
}

static int teardown(void **state)
{
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);

    (void)state;
    if (system(cmd) != 0)
        return -1;
    free(cmd);
    text_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_templates),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
