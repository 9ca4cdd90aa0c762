/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Verification figures, printed, never asserted: with N live reports (default
 * 20,000, received over the last four hours), the time to build the
 * verification view of one report (checklist, verdict hint, incident), to
 * answer an item, to find nearby reports, to run the rumor search, to read a
 * timeline, and the console's once-a-minute priority refresh (the first run,
 * when every report's band is checked against its last update, then a run a
 * minute later, then one after freshness bands moved for many reports).
 *
 *   bench-verify [N]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/app.h"

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fail(const char *what, char *err)
{
    fprintf(stderr, "bench-verify: %s: %s\n", what, err ? err : "?");
    exit(1);
}

int main(int argc, char **argv)
{
    static const char *const places[] = {"Home Depot on 5th",  "Depósito de materiales, Calle 8",
                                         "Lincoln Park",       "Bus stop at Olive",
                                         "Courthouse on Main", "Fruitvale BART"};
    static const char *const areas[] = {"Eastside", "Fruitvale", "Centro", "Westside"};
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    char dir[] = "/tmp/vigia-bench-verify-XXXXXX", *db, *err = NULL, *cmd;
    struct app_options o = {.actor = "bench", .config_path = "/dev/null"};
    struct app *a;
    struct app_verification v;
    struct model_report *near;
    struct app_search_hit *hits;
    struct model_event *ev;
    struct app_event_filter f = {0};
    char id[ULID_LEN + 1] = "";
    size_t cnt, changed;
    int64_t t0 = 1795348800000; /* fixed clock: 2026-11-22T08:00:00Z */
    double t;

    if (n < 10 || mkdtemp(dir) == NULL)
        return 1;
    setenv("XDG_CONFIG_HOME", dir, 1);
    db = xasprintf("%s/v.db", dir);
    o.db_path = db;
    timeutil_set_fixed(t0);
    if (app_open(&o, &a, &err) != 0)
        fail("open", err);
    t = now_s();
    for (long i = 0; i < n; i++) {
        struct model_report r;
        model_report_init(&r);
        r.location = xasprintf("%s #%ld", places[i % 6], i);
        r.what = xasprintf("agents and vans %ld", i);
        r.area = xstrdup(areas[i % 4]);
        r.received_at = t0 - (int64_t)(n - i) * (4 * 3600000 - 60000) / n;
        if (app_report_create(a, &r, NULL, &err) != 0)
            fail("create", err);
        if (i == n / 2)
            memcpy(id, r.id, sizeof id);
        model_report_fini(&r);
    }
    printf("verify: %ld reports created in %.2f s\n", n, now_s() - t);

    t = now_s();
    if (app_verification_get(a, id, &v, &err) != 0)
        fail("verification", err);
    printf("verify: verification view of one report: %.2f ms\n", (now_s() - t) * 1e3);
    app_verification_fini(&v);
    t = now_s();
    if (app_check_set(a, id, "vehicles", MODEL_YES, "three SUVs", &err) != 0)
        fail("check", err);
    printf("verify: answer one item (with priority): %.2f ms\n", (now_s() - t) * 1e3);
    t = now_s();
    if (app_nearby(a, id, 20, &near, &cnt, &err) != 0)
        fail("nearby", err);
    printf("verify: nearby reports (%zu found): %.2f ms\n", cnt, (now_s() - t) * 1e3);
    app_reports_free(near, cnt);
    t = now_s();
    if (app_search(a, "deposito", 0, 0, 20, &hits, &cnt, &err) != 0)
        fail("search", err);
    printf("verify: rumor search \"deposito\" (%zu hits): %.2f ms\n", cnt, (now_s() - t) * 1e3);
    app_search_free(hits, cnt);
    f.report_id = id;
    t = now_s();
    if (app_events(a, &f, &ev, &cnt, &err) != 0)
        fail("events", err);
    printf("verify: timeline of one report (%zu events): %.2f ms\n", cnt, (now_s() - t) * 1e3);
    app_events_free(ev, cnt);

    t = now_s();
    if (app_queue_refresh(a, &changed, &err) != 0)
        fail("refresh", err);
    printf("verify: priority refresh, first run: %.2f ms (%zu changed)\n", (now_s() - t) * 1e3,
           changed);
    timeutil_set_fixed(t0 + 60000);
    t = now_s();
    if (app_queue_refresh(a, &changed, &err) != 0)
        fail("refresh", err);
    printf("verify: priority refresh a minute later: %.2f ms (%zu changed)\n", (now_s() - t) * 1e3,
           changed);
    timeutil_set_fixed(t0 + 50 * 60000);
    t = now_s();
    if (app_queue_refresh(a, &changed, &err) != 0)
        fail("refresh", err);
    printf("verify: priority refresh after 50 minutes: %.2f ms (%zu changed)\n",
           (now_s() - t) * 1e3, changed);

    app_free(&a);
    cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench-verify: cannot remove %s\n", dir);
    free(cmd);
    free(db);
    return 0;
}
