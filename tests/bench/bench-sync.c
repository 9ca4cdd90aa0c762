/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Sync figures (printed, never asserted): how fast a database applies remote
 * ops (100,000 by default: 10,000 reports of 10 columns), first bare
 * (store_sync_apply), then through the whole receive path (JSON encode, seal,
 * sign, verify, open, decode, apply) in batches of SYNC_BATCH_OPS; then as
 * many single-column edits of those reports, written and applied.
 *
 *   bench-sync [NOPS]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "vigia/util.h"
#include "vigia/store.h"
#include "vigia/sync.h"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct store *open_db(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name), *err = NULL;
    struct store *s;

    if (store_open(path, STORE_CREATE, &s, &err) != STORE_OK) {
        fprintf(stderr, "bench-sync: %s\n", err);
        exit(1);
    }
    free(path);
    return s;
}

int main(int argc, char **argv)
{
    long nops = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    long nrows = nops / 10;
    char dir[] = "/tmp/vigia-bench-sync-XXXXXX", *err = NULL;
    struct store *src, *dst, *dst2;
    struct store_op *ops;
    size_t n;
    int64_t last;
    struct store_apply_stats st;
    double t0, t1;
    char(*ids)[ULID_LEN + 1];

    if (sodium_init() < 0 || mkdtemp(dir) == NULL)
        return 1;
    logger_set_sink(logger_null_sink, NULL);
    src = open_db(dir, "src.db");
    dst = open_db(dir, "dst.db");
    dst2 = open_db(dir, "dst2.db");

    /* The source: nrows reports of 10 columns, written as a dispatcher would. */
    ids = xcalloc((size_t)nrows, sizeof *ids);
    t0 = now_s();
    store_begin(src, &err);
    for (long i = 0; i < nrows; i++) {
        char *id = ids[i], what[64];
        ulid_new(timeutil_now_ms(), id);
        snprintf(what, sizeof what, "three SUVs and a van, report %ld", i);
        struct store_col cols[] = {
            {"received_at", store_int(timeutil_now_ms())},
            {"source", store_text("call")},
            {"category", store_text("workplace")},
            {"location", store_text("hardware store on 5th")},
            {"area", store_text("Fruitvale")},
            {"what", store_text(what)},
            {"agency", store_text("ICE")},
            {"agents", store_int(i % 7)},
            {"status", store_text("new")},
            {"priority", store_int(i % 3)},
        };
        if (store_write(src, "reports", id, cols, 10, &err) != STORE_OK) {
            fprintf(stderr, "bench-sync: %s\n", err);
            return 1;
        }
    }
    store_commit(src, &err);
    t1 = now_s();
    printf("write %ld ops locally (store_write): %.3f s, %.0f ops/s\n", nrows * 10, t1 - t0,
           (double)(nrows * 10) / (t1 - t0));

    if (store_sync_local_ops(src, 0, (size_t)nops, &ops, &n, &last, &err) != STORE_OK) {
        fprintf(stderr, "bench-sync: %s\n", err);
        return 1;
    }

    /* Bare merge: all ops in one transaction. */
    t0 = now_s();
    if (store_sync_apply(dst, ops, n, &st, &err) != STORE_OK) {
        fprintf(stderr, "bench-sync: %s\n", err);
        return 1;
    }
    t1 = now_s();
    printf("apply %zu remote ops (one transaction): %.3f s, %.0f ops/s (won %zu, deferred %zu)\n",
           n, t1 - t0, (double)n / (t1 - t0), st.won, st.deferred);
    t0 = now_s();
    store_sync_apply(dst, ops, n, &st, &err);
    t1 = now_s();
    printf("apply the same %zu ops again (all duplicates): %.3f s, %.0f ops/s\n", n, t1 - t0,
           (double)n / (t1 - t0));

    /* The whole receive path, batch by batch as they come from the relay. */
    {
        unsigned char key[SYNC_KEY_BYTES], pk[SYNC_SIGN_PK_BYTES], sk[SYNC_SIGN_SK_BYTES];
        struct sync_header h = {.version = SYNC_ENVELOPE_VERSION, .epoch = 1};
        double seal = 0, open = 0, apply = 0;
        size_t bytes = 0, nb = 0;
        char *pk64;

        randombytes_buf(key, sizeof key);
        crypto_sign_keypair(pk, sk);
        pk64 = sync_b64_encode(pk, sizeof pk);
        ulid_new(timeutil_now_ms(), h.network);
        snprintf(h.device, sizeof h.device, "%s", ops[0].device);
        for (size_t off = 0; off < n; off += SYNC_BATCH_OPS) {
            size_t k = n - off < SYNC_BATCH_OPS ? n - off : SYNC_BATCH_OPS, elen, ptlen, m;
            unsigned char *env;
            char *pt, *pt2, *spk;
            struct store_op *got;
            h.seq = (int64_t)++nb;
            t0 = now_s();
            pt = sync_ops_encode(&h, pk64, ops + off, k);
            sync_envelope_seal(&h, key, sk, pt, strlen(pt), &env, &elen);
            t1 = now_s();
            seal += t1 - t0;
            bytes += elen;
            t0 = now_s();
            if (!sync_envelope_verify(env, elen, pk) ||
                sync_envelope_open(env, elen, key, &pt2, &ptlen, &err) != 0 ||
                sync_ops_decode(&h, pt2, ptlen, &got, &m, &spk, &err) != 0) {
                fprintf(stderr, "bench-sync: %s\n", err ? err : "verify");
                return 1;
            }
            t1 = now_s();
            open += t1 - t0;
            t0 = now_s();
            if (store_sync_apply(dst2, got, m, &st, &err) != STORE_OK) {
                fprintf(stderr, "bench-sync: %s\n", err);
                return 1;
            }
            t1 = now_s();
            apply += t1 - t0;
            store_ops_free(&got, m);
            free(spk);
            free(pt);
            free(pt2);
            free(env);
        }
        printf("receive path for %zu ops in %zu batches of up to %d (%.1f MB sealed):\n", n, nb,
               SYNC_BATCH_OPS, (double)bytes / 1e6);
        printf("  encode+seal+sign %.3f s; verify+open+decode %.3f s; apply %.3f s\n", seal, open,
               apply);
        printf("  receiving side total %.3f s, %.0f ops/s\n", open + apply,
               (double)n / (open + apply));
        free(pk64);
    }

    store_ops_free(&ops, n);

    /*
     * Edits: as many ops again, each its own write of one column (status,
     * then what, in turns, ten per report), the worst case for a log that
     * stores a write per row: every write looks up its cell's parent in the
     * row's history, and every remote op is a group of one.
     */
    t0 = now_s();
    store_begin(src, &err);
    for (long k = 0; k < nrows * 10; k++) {
        char what[64];
        snprintf(what, sizeof what, "edit %ld", k);
        int w = (int)(k % 2);
        struct store_col c[] = {{w ? "what" : "status", store_text(w ? what : "triaged")}};
        if (store_write(src, "reports", ids[k % nrows], c, 1, &err) != STORE_OK) {
            fprintf(stderr, "bench-sync: %s\n", err);
            return 1;
        }
    }
    store_commit(src, &err);
    t1 = now_s();
    printf("write %ld single-column edits locally: %.3f s, %.0f ops/s\n", nrows * 10, t1 - t0,
           (double)(nrows * 10) / (t1 - t0));
    if (store_sync_local_ops(src, last, (size_t)nops, &ops, &n, &last, &err) != STORE_OK) {
        fprintf(stderr, "bench-sync: %s\n", err);
        return 1;
    }
    t0 = now_s();
    if (store_sync_apply(dst, ops, n, &st, &err) != STORE_OK) {
        fprintf(stderr, "bench-sync: %s\n", err);
        return 1;
    }
    t1 = now_s();
    printf("apply %zu remote single-column edits (one transaction): %.3f s, %.0f ops/s (won %zu)\n",
           n, t1 - t0, (double)n / (t1 - t0), st.won);
    store_ops_free(&ops, n);
    free(ids);
    {
        const char *names[] = {"src.db", "dst.db", "dst2.db"};
        store_free(&src);
        store_free(&dst);
        store_free(&dst2);
        for (size_t i = 0; i < 3; i++) {
            char *p = xasprintf("%s/%s", dir, names[i]), *w = xasprintf("%s-wal", p),
                 *m = xasprintf("%s-shm", p);
            unlink(p);
            unlink(w);
            unlink(m);
            free(p);
            free(w);
            free(m);
        }
        rmdir(dir);
    }
    return 0;
}
