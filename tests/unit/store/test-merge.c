/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Property test of the merge (store_sync_apply): 3 to 5 replicas make random
 * edits of shared reports, checklist items and events; their ops travel as
 * batches delivered to the others in random order, with duplicates, while
 * the edits go on. Once every batch has reached everyone, all replicas must
 * hold identical reports, checklist_items and events. Many seeds.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "vigia/util.h"
#include "vigia/store.h"

#define MAX_REPLICAS 5
#define NROWS 6

struct batch {
    struct store_op *ops;
    size_t n;
};

struct world {
    uint64_t rng;
    int nrep;
    struct store *rep[MAX_REPLICAS];
    int64_t sent_seq[MAX_REPLICAS];
    struct batch *batches;
    size_t nbatches, cap;
    char report_ids[NROWS][ULID_LEN + 1];
    char item_ids[NROWS][ULID_LEN + 1];
    bool created[MAX_REPLICAS][NROWS];
    char dir[64];
};

static uint64_t rnd(struct world *w)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return w->rng;
}

static int rnd_below(struct world *w, int n)
{
    return (int)(rnd(w) % (uint64_t)n);
}

static bool row_exists(struct store *s, const char *tbl, const char *id)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char *sql = xasprintf("SELECT 1 FROM %s WHERE id = ?", tbl);
    bool found;

    assert_int_equal(sqlite3_open_v2(store_path(s), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(sql);
    return found;
}

/* One random local edit on replica @r. */
static void local_edit(struct world *w, int r)
{
    static const char *const statuses[] = {"new", "triaged", "verifying", "confirmed",
                                           "false_alarm"};
    static const char *const states[] = {"unknown", "yes", "no"};
    struct store *s = w->rep[r];
    char *err = NULL;
    int row = rnd_below(w, NROWS);
    int kind = rnd_below(w, 5);
    char text[32];

    snprintf(text, sizeof text, "v%d", rnd_below(w, 4));
    assert_int_equal(store_begin(s, &err), STORE_OK);
    if (kind == 0 && row % w->nrep == r && !w->created[r][row]) {
        /* Only a row's owner creates it, as with real ULIDs. */
        struct store_col cols[] = {
            {"received_at", store_int(1000 + row)},
            {"location", store_text("5th and Main")},
            {"what", store_text(text)},
            {"status", store_text("new")},
        };
        assert_int_equal(store_write(s, "reports", w->report_ids[row], cols, 4, &err), STORE_OK);
        w->created[r][row] = true;
    } else if (kind <= 2 && row_exists(s, "reports", w->report_ids[row])) {
        struct store_col cols[2];
        size_t n = 1;
        switch (rnd_below(w, 4)) {
        case 0:
            cols[0] = (struct store_col){"status", store_text(statuses[rnd_below(w, 5)])};
            break;
        case 1:
            cols[0] = (struct store_col){"what", store_text(text)};
            cols[1] = (struct store_col){"priority", store_int(rnd_below(w, 3))};
            n = 2;
            break;
        case 2:
            cols[0] = (struct store_col){"lat", store_real(rnd_below(w, 3) + 0.5)};
            break;
        default:
            cols[0] = (struct store_col){"area", rnd_below(w, 3) ? store_text(text) : store_null()};
            break;
        }
        assert_int_equal(store_write(s, "reports", w->report_ids[row], cols, n, &err), STORE_OK);
    } else if (kind == 3) {
        struct store_col cols[] = {
            {"report_id", store_text(w->report_ids[row])},
            {"item_key", store_text("vests")},
            {"state", store_text(states[rnd_below(w, 3)])},
            {"by", store_text(text)},
        };
        assert_int_equal(store_write(s, "checklist_items", w->item_ids[row], cols, 4, &err),
                         STORE_OK);
    } else {
        assert_int_equal(store_event(s, "tester", "report.note", w->report_ids[row], text, &err),
                         STORE_OK);
    }
    assert_int_equal(store_commit(s, &err), STORE_OK);
    assert_null(err);
}

/* Gather replica @r's new ops into batches of random size. */
static void gather(struct world *w, int r)
{
    for (;;) {
        struct batch b;
        int64_t last;
        char *err = NULL;
        size_t limit = 1 + (size_t)rnd_below(w, 6);
        assert_int_equal(
            store_sync_local_ops(w->rep[r], w->sent_seq[r], limit, &b.ops, &b.n, &last, &err),
            STORE_OK);
        if (b.n == 0)
            break;
        w->sent_seq[r] = last;
        if (w->nbatches == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 64;
            w->batches = xreallocarray(w->batches, w->cap, sizeof *w->batches);
        }
        w->batches[w->nbatches++] = b;
    }
}

static void deliver(struct world *w, int r, const struct batch *b)
{
    char *err = NULL;
    int rc;

    if (b->n == 0 || strcmp(b->ops[0].device, store_device(w->rep[r])) == 0)
        return;
    rc = store_sync_apply(w->rep[r], b->ops, b->n, NULL, &err);
    if (rc != STORE_OK)
        fail_msg("apply: %s", err);
}

/* Deliver every batch to every replica, in a random order per replica. */
static void deliver_all(struct world *w)
{
    size_t *order = xcalloc(w->nbatches ? w->nbatches : 1, sizeof *order);

    for (int r = 0; r < w->nrep; r++) {
        for (size_t i = 0; i < w->nbatches; i++)
            order[i] = i;
        for (size_t i = w->nbatches; i > 1; i--) {
            size_t j = (size_t)rnd(w) % i, t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        for (size_t i = 0; i < w->nbatches; i++)
            deliver(w, r, &w->batches[order[i]]);
    }
    free(order);
}

static char *dump(struct store *s)
{
    static const char *const queries[] = {
        "SELECT quote(id), quote(received_at), quote(location), quote(what), quote(status),"
        " quote(priority), quote(lat), quote(area) FROM reports ORDER BY id",
        "SELECT quote(id), quote(report_id), quote(item_key), quote(state), quote(by)"
        " FROM checklist_items ORDER BY id",
        "SELECT quote(id), quote(at), quote(actor), quote(kind), quote(report_id), quote(detail)"
        " FROM events ORDER BY id",
        "SELECT id FROM reports_fts JOIN reports ON reports.rowid = reports_fts.rowid"
        " WHERE reports_fts MATCH 'v1' ORDER BY id",
    };
    struct buf b;
    sqlite3 *db;

    buf_init(&b);
    assert_int_equal(sqlite3_open_v2(store_path(s), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (size_t q = 0; q < UTIL_ARRAY_LEN(queries); q++) {
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(db, queries[q], -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++)
                buf_printf(&b, "%s|", (const char *)sqlite3_column_text(st, c));
            buf_addc(&b, '\n');
        }
        sqlite3_finalize(st);
        buf_adds(&b, "--\n");
    }
    sqlite3_close(db);
    return buf_steal(&b);
}

static void run_seed(uint64_t seed, size_t *conflicts_seen)
{
    struct world w;
    char *err = NULL;
    char *first;
    int64_t before, after;

    memset(&w, 0, sizeof w);
    w.rng = seed * 2654435761u + 88172645463325252ull;
    w.nrep = 3 + rnd_below(&w, 3);
    snprintf(w.dir, sizeof w.dir, "/tmp/vigia-merge-XXXXXX");
    assert_non_null(mkdtemp(w.dir));
    for (int i = 0; i < NROWS; i++) {
        ulid_new(1000 + i, w.report_ids[i]);
        ulid_new(2000 + i, w.item_ids[i]);
    }
    for (int r = 0; r < w.nrep; r++) {
        char *path = xasprintf("%s/r%d.db", w.dir, r);
        if (store_open(path, STORE_CREATE, &w.rep[r], &err) != STORE_OK)
            fail_msg("open: %s", err);
        free(path);
    }
    /* Edits interleaved with partial, shuffled, duplicated deliveries. */
    for (int step = 0; step < 150; step++) {
        int r = rnd_below(&w, w.nrep);
        local_edit(&w, r);
        if (rnd_below(&w, 4) == 0) {
            gather(&w, r);
            for (int k = 0; k < 3 && w.nbatches > 0; k++)
                deliver(&w, rnd_below(&w, w.nrep), &w.batches[(size_t)rnd(&w) % w.nbatches]);
        }
    }
    /* Then quiesce: conflict events are new ops that must travel too. */
    for (int round = 0; round < 10; round++) {
        size_t nb = w.nbatches;
        for (int r = 0; r < w.nrep; r++)
            gather(&w, r);
        deliver_all(&w);
        if (w.nbatches == nb && round > 0)
            break;
    }
    /* Redelivering everything once more changes nothing. */
    store_op_count(w.rep[0], &before);
    deliver_all(&w);
    store_op_count(w.rep[0], &after);
    assert_int_equal(before, after);

    first = dump(w.rep[0]);
    assert_non_null(strstr(first, "5th and Main"));
    for (int r = 1; r < w.nrep; r++) {
        char *d = dump(w.rep[r]);
        if (strcmp(first, d) != 0)
            fail_msg("seed %llu: replica %d differs from replica 0:\n%s\n---- vs ----\n%s",
                     (unsigned long long)seed, r, first, d);
        free(d);
    }
    if (strstr(first, "sync.conflict") != NULL)
        (*conflicts_seen)++;
    free(first);
    for (size_t i = 0; i < w.nbatches; i++)
        store_ops_free(&w.batches[i].ops, w.batches[i].n);
    free(w.batches);
    for (int r = 0; r < w.nrep; r++) {
        char *p = xstrdup(store_path(w.rep[r]));
        store_free(&w.rep[r]);
        char *wal = xasprintf("%s-wal", p), *shm = xasprintf("%s-shm", p);
        remove(p);
        remove(wal);
        remove(shm);
        free(p);
        free(wal);
        free(shm);
    }
    remove(w.dir);
}

static void test_merge_converges(void **state)
{
    size_t conflicts = 0;
    long seeds = 12;
    const char *env = getenv("VIGIA_MERGE_SEEDS");

    (void)state;
    logger_set_sink(logger_null_sink, NULL);
    if (env != NULL)
        seeds = strtol(env, NULL, 10);
    for (long seed = 1; seed <= seeds; seed++)
        run_seed((uint64_t)seed, &conflicts);
    /* Edits race within the conflict window, so conflicts must have been recorded. */
    assert_true(conflicts > 0);
}

static void test_apply_idempotent_and_lww(void **state)
{
    struct store *a, *b;
    char dir[] = "/tmp/vigia-merge-XXXXXX", *pa, *pb, *err = NULL;
    struct store_op *ops;
    size_t n;
    int64_t last, count1, count2;
    struct store_apply_stats st;
    char id[ULID_LEN + 1];

    (void)state;
    assert_non_null(mkdtemp(dir));
    pa = xasprintf("%s/a.db", dir);
    pb = xasprintf("%s/b.db", dir);
    assert_int_equal(store_open(pa, STORE_CREATE, &a, &err), STORE_OK);
    assert_int_equal(store_open(pb, STORE_CREATE, &b, &err), STORE_OK);
    ulid_new(5, id);
    assert_int_equal(store_begin(a, &err), STORE_OK);
    {
        struct store_col cols[] = {{"received_at", store_int(1)},
                                   {"location", store_text("x")},
                                   {"what", store_text("old")}};
        assert_int_equal(store_write(a, "reports", id, cols, 3, &err), STORE_OK);
    }
    assert_int_equal(store_commit(a, &err), STORE_OK);
    assert_int_equal(store_sync_local_ops(a, 0, 100, &ops, &n, &last, &err), STORE_OK);
    assert_int_equal(n, 3);
    assert_int_equal(store_sync_apply(b, ops, n, &st, &err), STORE_OK);
    assert_int_equal(st.won, 3);
    assert_int_equal(st.duplicates, 0);
    store_op_count(b, &count1);
    assert_int_equal(store_sync_apply(b, ops, n, &st, &err), STORE_OK);
    assert_int_equal(st.duplicates, 3);
    store_op_count(b, &count2);
    assert_int_equal(count1, count2); /* applying makes no new ops */
    /* A stale op (older hlc) for the same cell loses. */
    {
        struct store_op old = ops[2];
        old.hlc -= 1;
        old.v = store_text("older");
        assert_int_equal(store_sync_apply(b, &old, 1, &st, &err), STORE_OK);
        assert_int_equal(st.lost, 1);
    }
    {
        struct model_report r;
        assert_int_equal(store_report_get(b, id, &r, &err), STORE_OK);
        assert_string_equal(r.what, "old");
        model_report_fini(&r);
    }
    /* Remote clocks move ours: the next local op sorts after them. */
    {
        struct store_op *bops;
        size_t bn;
        assert_int_equal(store_begin(b, &err), STORE_OK);
        struct store_col c = {"what", store_text("newer")};
        assert_int_equal(store_write(b, "reports", id, &c, 1, &err), STORE_OK);
        assert_int_equal(store_commit(b, &err), STORE_OK);
        assert_int_equal(store_sync_local_ops(b, 0, 100, &bops, &bn, &last, &err), STORE_OK);
        assert_int_equal(bn, 1);
        assert_true(bops[0].hlc > ops[2].hlc);
        store_ops_free(&bops, bn);
    }
    store_ops_free(&ops, n);
    store_free(&a);
    store_free(&b);
    free(pa);
    free(pb);
}

/* Both devices' ops for @id, exchanged both ways; returns the events dump of each. */
static void exchange(struct store *a, struct store *b)
{
    struct store_op *oa, *ob;
    size_t na, nb;
    int64_t last;
    char *err = NULL;

    assert_int_equal(store_sync_local_ops(a, 0, 1000, &oa, &na, &last, &err), STORE_OK);
    assert_int_equal(store_sync_local_ops(b, 0, 1000, &ob, &nb, &last, &err), STORE_OK);
    assert_int_equal(store_sync_apply(b, oa, na, NULL, &err), STORE_OK);
    assert_int_equal(store_sync_apply(a, ob, nb, NULL, &err), STORE_OK);
    store_ops_free(&oa, na);
    store_ops_free(&ob, nb);
}

static char *conflict_details(struct store *s)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    struct buf b;

    buf_init(&b);
    assert_int_equal(sqlite3_open_v2(store_path(s), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT id, detail, actor FROM events"
                                        " WHERE kind = 'sync.conflict' ORDER BY id",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        buf_printf(&b, "%s %s %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                   sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return buf_steal(&b);
}

static void test_conflict_recorded(void **state)
{
    struct store *a, *b;
    char dir[] = "/tmp/vigia-merge-XXXXXX", *pa, *pb, *err = NULL, *ca, *cb;
    char id[ULID_LEN + 1], cid[ULID_LEN + 1];

    (void)state;
    assert_non_null(mkdtemp(dir));
    pa = xasprintf("%s/a.db", dir);
    pb = xasprintf("%s/b.db", dir);
    assert_int_equal(store_open(pa, STORE_CREATE, &a, &err), STORE_OK);
    assert_int_equal(store_open(pb, STORE_CREATE, &b, &err), STORE_OK);
    ulid_new(7, id);
    ulid_new(8, cid);
    assert_int_equal(store_begin(a, &err), STORE_OK);
    {
        struct store_col cols[] = {{"received_at", store_int(1)},
                                   {"location", store_text("x")},
                                   {"status", store_text("new")}};
        assert_int_equal(store_write(a, "reports", id, cols, 3, &err), STORE_OK);
        struct store_col cc[] = {{"report_id", store_text(id)},
                                 {"contact", store_text("555-0100")}};
        assert_int_equal(store_write(a, "reporter_contacts", cid, cc, 2, &err), STORE_OK);
    }
    assert_int_equal(store_commit(a, &err), STORE_OK);
    exchange(a, b);
    /* Both change the status (and the contact) before hearing of the other. */
    assert_int_equal(store_begin(a, &err), STORE_OK);
    struct store_col sa = {"status", store_text("confirmed")};
    assert_int_equal(store_write(a, "reports", id, &sa, 1, &err), STORE_OK);
    struct store_col ka = {"contact", store_text("555-0111")};
    assert_int_equal(store_write(a, "reporter_contacts", cid, &ka, 1, &err), STORE_OK);
    assert_int_equal(store_commit(a, &err), STORE_OK);
    assert_int_equal(store_begin(b, &err), STORE_OK);
    struct store_col sb = {"status", store_text("false_alarm")};
    assert_int_equal(store_write(b, "reports", id, &sb, 1, &err), STORE_OK);
    struct store_col kb = {"contact", store_text("555-0122")};
    assert_int_equal(store_write(b, "reporter_contacts", cid, &kb, 1, &err), STORE_OK);
    assert_int_equal(store_commit(b, &err), STORE_OK);
    exchange(a, b);
    exchange(a, b); /* the conflict events travel too */
    ca = conflict_details(a);
    cb = conflict_details(b);
    assert_string_equal(ca, cb);
    /* One event per field, both values shown; the contact's values are not. */
    assert_non_null(strstr(ca, "\"confirmed\""));
    assert_non_null(strstr(ca, "\"false_alarm\""));
    assert_null(strstr(ca, "555-01"));
    assert_non_null(strstr(ca, "[personal]"));
    assert_non_null(strchr(strchr(ca, '\n') + 1, '\n'));
    assert_null(strchr(strchr(strchr(ca, '\n') + 1, '\n') + 1, '\n'));
    free(ca);
    free(cb);
    store_free(&a);
    store_free(&b);
    free(pa);
    free(pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply_idempotent_and_lww),
        cmocka_unit_test(test_conflict_recorded),
        cmocka_unit_test(test_merge_converges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
