/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for src/app/app-privacy.c: the vault states the console shows,
 * APP_LOCKED from app_report_contact, unlocking with the right and wrong
 * passphrase, VIGIA_PASSPHRASE_FILE rules, the purge window from the config,
 * the masked export, and app_wipe on an open workspace (what the console's
 * chord calls).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/app.h"

#define PASS "correct horse battery"

static char tmpdir[] = "/tmp/vigia-test-app-privacy-XXXXXX";
static int counter;

static struct app *open_app(char **path)
{
    struct app_options o = {.actor = "tester", .config_path = "/dev/null"};
    struct app *a = NULL;
    char *err = NULL;

    if (*path == NULL)
        *path = xasprintf("%s/p%d.db", tmpdir, counter++);
    o.db_path = *path;
    if (app_open(&o, &a, &err) != 0)
        fail_msg("app_open: %s", err);
    return a;
}

static char *add(struct app *a, const char *contact)
{
    struct model_report r;
    char *err = NULL, *id;

    model_report_init(&r);
    r.location = xstrdup("1234 Main St, Apt 5");
    r.what = xstrdup("vans; caller 555-867-5309");
    r.has_pos = true;
    r.lat = 37.774929;
    r.lon = -122.419416;
    if (app_report_create(a, &r, contact, &err) != 0)
        fail_msg("create: %s", err);
    id = xstrdup(r.id);
    model_report_fini(&r);
    return id;
}

static char *write_file(const char *name, const char *text, int mode)
{
    char *p = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(p, (mode_t)mode);
    return p;
}

static void test_states_and_locked_contact(void **state)
{
    char *path = NULL, *err = NULL, *c = NULL, *id;
    struct app *a = open_app(&path);
    size_t migrated;
    double secs = -1;

    (void)state;
    assert_int_equal(app_vault_state(a), APP_VAULT_NONE);
    id = add(a, "+1 555 867 5309");
    assert_int_equal(app_passphrase_set(a, "short", &migrated, &secs, &err), -1);
    FREE(&err);
    assert_int_equal(app_passphrase_set(a, PASS, &migrated, &secs, &err), 0);
    assert_true(migrated >= 1);
    assert_true(secs >= 0);
    assert_int_equal(app_vault_state(a), APP_VAULT_UNLOCKED);
    assert_int_equal(app_report_contact(a, id, &c, &err), 0);
    assert_string_equal(c, "+15558675309");
    FREE(&c);
    app_lock(a);
    assert_int_equal(app_vault_state(a), APP_VAULT_LOCKED);
    assert_int_equal(app_report_contact(a, id, &c, &err), APP_LOCKED);
    assert_null(c);
    assert_null(err);
    assert_int_equal(app_unlock(a, "not it at all", &err), -1);
    assert_non_null(err);
    FREE(&err);
    assert_int_equal(app_vault_state(a), APP_VAULT_LOCKED);
    assert_int_equal(app_unlock(a, PASS, &err), 0);
    assert_int_equal(app_report_contact(a, id, &c, &err), 0);
    assert_string_equal(c, "+15558675309");
    FREE(&c);
    app_free(&a);

    /* A new start is locked (no keyring in tests) until VIGIA_PASSPHRASE_FILE says otherwise. */
    a = open_app(&path);
    assert_int_equal(app_vault_state(a), APP_VAULT_LOCKED);
    app_free(&a);
    char *good = write_file("good", PASS "\n", 0600);
    char *loose = write_file("loose", PASS "\n", 0644);
    setenv("VIGIA_PASSPHRASE_FILE", good, 1);
    a = open_app(&path);
    assert_int_equal(app_vault_state(a), APP_VAULT_UNLOCKED);
    app_free(&a);
    setenv("VIGIA_PASSPHRASE_FILE", loose, 1);
    {
        struct app_options o = {.actor = "tester", .config_path = "/dev/null", .db_path = path};
        assert_int_equal(app_open(&o, &a, &err), -1);
        assert_non_null(strstr(err, "600"));
        FREE(&err);
    }
    unsetenv("VIGIA_PASSPHRASE_FILE");
    free(good);
    free(loose);
    free(id);
    free(path);
}

static void test_export_masks(void **state)
{
    char *path = NULL, *err = NULL, *buf = NULL, *id;
    struct app *a = open_app(&path);
    size_t len = 0, n;
    FILE *f;

    (void)state;
    id = add(a, "+1 555 867 5309");
    f = open_memstream(&buf, &len);
    assert_int_equal(app_export(a, f, APP_EXPORT_JSON, false, &n, &err), 0);
    fclose(f);
    assert_int_equal(n, 1);
    assert_null(strstr(buf, "5309"));
    assert_null(strstr(buf, "1234"));
    assert_null(strstr(buf, "tester"));
    assert_non_null(strstr(buf, "\"location\":\"Main St\""));
    assert_non_null(strstr(buf, "37.77"));
    assert_null(strstr(buf, "37.7749"));
    FREE(&buf);
    f = open_memstream(&buf, &len);
    assert_int_equal(app_export(a, f, APP_EXPORT_CSV, true, &n, &err), 0);
    fclose(f);
    assert_non_null(strstr(buf, "+15558675309"));
    assert_non_null(strstr(buf, "\"1234 Main St, Apt 5\""));
    FREE(&buf);
    /* Locked: a personal export is refused. */
    assert_int_equal(app_passphrase_set(a, PASS, NULL, NULL, &err), 0);
    app_lock(a);
    f = open_memstream(&buf, &len);
    assert_int_equal(app_export(a, f, APP_EXPORT_JSON, true, &n, &err), -1);
    fclose(f);
    FREE(&err);
    FREE(&buf);
    app_free(&a);
    free(id);
    free(path);
}

static void test_purge_and_wipe(void **state)
{
    char *path = NULL, *err = NULL, *c = NULL, *id, *p;
    struct app *a = open_app(&path);
    struct app_purge_stats st;
    int64_t t0 = timeutil_now_ms();

    (void)state;
    id = add(a, "+1 555 867 5309");
    assert_int_equal(app_purge(a, t0 + 60 * 60 * 1000LL, &st, &err), 0);
    assert_int_equal(st.contacts, 0);
    /* Expiry (4 h by default) + 72 h. */
    assert_int_equal(app_purge(a, t0 + 77 * 60 * 60 * 1000LL, &st, &err), 0);
    assert_int_equal(st.contacts, 1);
    assert_int_equal(app_report_contact(a, id, &c, &err), 0);
    assert_null(c);

    assert_int_equal(app_passphrase_set(a, PASS, NULL, NULL, &err), 0);
    assert_int_equal(app_wipe(a, &err), 0);
    app_free(&a);
    const char *sfx[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(sfx); i++) {
        p = xasprintf("%s%s", path, sfx[i]);
        assert_int_not_equal(access(p, F_OK), 0);
        free(p);
    }
    free(id);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_states_and_locked_contact),
        cmocka_unit_test(test_export_masks),
        cmocka_unit_test(test_purge_and_wipe),
    };
    int rc;

    if (mkdtemp(tmpdir) == NULL)
        return 1;
    setenv("VIGIA_PWHASH", "fast", 1);
    setenv("VIGIA_NO_KEYRING", "1", 1);
    unsetenv("VIGIA_PASSPHRASE_FILE");
    logger_set_sink(logger_null_sink, NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (getenv("VIGIA_KEEP_TMP") == NULL) {
        char *cmd = xasprintf("rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            rc = rc ? rc : 1;
        free(cmd);
    }
    return rc;
}
