/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Privacy figures, printed, never asserted: Argon2id at the shipped cost and
 * at libsodium's interactive and moderate presets, sealing and opening one
 * contact, migrating N plaintext contacts when the first passphrase is set,
 * purging them, and wiping the resulting database.
 *
 *   bench-vault [N]     (default N = 5000 reports with contacts)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/store.h"
#include "vigia/app.h"

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void bench_pwhash(const char *name, unsigned long long ops, size_t mem)
{
    unsigned char key[32], salt[crypto_pwhash_SALTBYTES] = {0};
    double t0 = now_s();

    if (crypto_pwhash(key, sizeof key, "correct horse battery staple", 28, salt, ops, mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        printf("argon2id %-12s ops=%llu mem=%zu MiB: out of memory\n", name, ops, mem >> 20);
        return;
    }
    printf("argon2id %-12s ops=%llu mem=%4zu MiB: %.3f s\n", name, ops, mem >> 20, now_s() - t0);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 5000;
    char dir[] = "/tmp/vigia-bench-vault-XXXXXX", *path, *err = NULL, *sealed, *out;
    struct store_vault_limits l;
    struct store_purge_stats ps;
    struct store *s;
    struct stat st;
    size_t migrated;
    double t0;
    int64_t base = 1795341600000LL;

    if (sodium_init() < 0 || mkdtemp(dir) == NULL)
        return 1;
    logger_set_sink(logger_null_sink, NULL);
    store_vault_limits_default(&l);
    bench_pwhash("vigia", l.ops, l.mem);
    bench_pwhash("interactive", crypto_pwhash_OPSLIMIT_INTERACTIVE,
                 crypto_pwhash_MEMLIMIT_INTERACTIVE);
    bench_pwhash("moderate", crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE);

    path = xasprintf("%s/bench.db", dir);
    if (store_open(path, STORE_CREATE, &s, &err) != STORE_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    t0 = now_s();
    store_begin(s, NULL);
    for (long i = 0; i < n; i++) {
        struct model_report r;
        char contact[32];
        model_report_init(&r);
        r.location = xstrdup("1234 Main St");
        r.what = xasprintf("report %ld", i);
        r.received_at = base + i;
        r.expires_at = base + i + 4 * 3600 * 1000LL;
        snprintf(contact, sizeof contact, "+1555%07ld", i);
        if (store_report_insert_tx(s, &r, contact, "bench", &err) != STORE_OK) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        model_report_fini(&r);
    }
    store_commit(s, NULL);
    printf("insert %ld reports with contacts (no vault): %.3f s\n", n, now_s() - t0);

    t0 = now_s();
    if (store_vault_setup(s, "correct horse battery staple", &l, &migrated, &err) != STORE_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("passphrase set: Argon2id + sealing %zu values (rows and op log): %.3f s\n", migrated,
           now_s() - t0);

    t0 = now_s();
    for (int i = 0; i < 1000; i++) {
        sealed = store_seal_text(s, "reporter_contacts", "contact", "ROW", "+15558675309", NULL);
        free(sealed);
    }
    printf("seal one contact: %.1f us\n", (now_s() - t0) * 1000.0);
    sealed = store_seal_text(s, "reporter_contacts", "contact", "ROW", "+15558675309", NULL);
    t0 = now_s();
    for (int i = 0; i < 1000; i++) {
        store_open_text(s, "reporter_contacts", "contact", "ROW", sealed, &out, NULL);
        free(out);
    }
    printf("open one contact: %.1f us\n", (now_s() - t0) * 1000.0);
    free(sealed);

    t0 = now_s();
    store_purge_contacts(s, base + 100LL * 3600 * 1000, "bench", &ps, NULL);
    printf("purge %zu contacts (secure_delete, op log scrubbed, WAL truncated): %.3f s\n",
           ps.contacts, now_s() - t0);
    store_free(&s);

    if (stat(path, &st) == 0)
        printf("database size before wipe: %.1f MB\n", (double)st.st_size / 1e6);
    t0 = now_s();
    if (app_wipe_path(path, &err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("wipe (clear, overwrite with random bytes, fsync, unlink): %.3f s\n", now_s() - t0);
    rmdir(dir);
    free(path);
    return 0;
}
