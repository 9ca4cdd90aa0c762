/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzz harness for the referral directory loader (src/config/config-resource.c),
 * which reads files from outside: CSV exported from spreadsheets and YAML.
 * The first byte of the input picks the format (even: .csv, odd: .yaml); the
 * rest is the file. Built with libFuzzer when the compiler is clang
 * (fuzz-resource-libfuzzer); otherwise a replay driver runs the corpus as a
 * test (one TAP line per file), under the sanitizers in CI.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[] = "/tmp/vigia-fuzz-resource-XXXXXX";
static bool fuzz_ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config_resources rs;
    char *path, *err = NULL;
    FILE *f;

    if (!fuzz_ready) {
        if (mkdtemp(fuzz_dir) == NULL)
            abort();
        fuzz_ready = true;
    }
    if (size == 0)
        return 0;
    path = xasprintf("%s/in.%s", fuzz_dir, (data[0] & 1) ? "yaml" : "csv");
    if ((f = fopen(path, "wb")) == NULL)
        abort();
    if (size > 1 && fwrite(data + 1, 1, size - 1, f) != size - 1)
        abort();
    fclose(f);
    if (config_resources_load(path, 1795348800000, &rs, &err) == 0) {
        /* Whatever loads must be valid text. */
        for (size_t i = 0; i < rs.n; i++)
            if (rs.items[i].r.name != NULL && strlen(rs.items[i].r.name) > 4 * 4096)
                abort();
        config_resources_fini(&rs);
    } else if (err == NULL || strncmp(err, path, strlen(path)) != 0) {
        abort(); /* every failure names the file */
    }
    free(err);
    unlink(path);
    free(path);
    return 0;
}

#ifndef VIGIA_LIBFUZZER
/* Replay driver: run each file given on the command line once. */
int main(int argc, char **argv)
{
    int failed = 0;

    logger_set_sink(logger_null_sink, NULL);
    for (int i = 1; i < argc; i++) {
        char *data = NULL;
        size_t len = 0;
        int rc = util_read_file(argv[i], &data, &len);
        if (rc != 0) {
            printf("not ok %d - %s: cannot read\n", i, argv[i]);
            failed++;
            continue;
        }
        /* Both formats from each file. */
        for (uint8_t fmt = 0; fmt < 2; fmt++) {
            uint8_t *in = xmalloc(len + 1);
            in[0] = fmt;
            memcpy(in + 1, data, len);
            LLVMFuzzerTestOneInput(in, len + 1);
            free(in);
        }
        free(data);
        printf("ok %d - %s\n", i, argv[i]);
    }
    printf("1..%d\n", argc - 1);
    if (fuzz_ready)
        rmdir(fuzz_dir);
    return failed ? 1 : 0;
}
#endif
