/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A private folder for a unit test's files: made by test_dir_setup and
 * removed by test_dir_teardown (cmocka group fixtures).
 *
 * Include after <cmocka.h> and "vigia/util.h".
 */
#ifndef VIGIA_TEST_DIR_H
#define VIGIA_TEST_DIR_H

#include <stdio.h>
#include <stdlib.h>

static char test_dir[] = "/tmp/vigia-unit-XXXXXX";

/** Write @text to @name in the folder; returns its path (newly allocated). */
static inline char *test_dir_file(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", test_dir, name);
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static inline int test_dir_setup(void **state)
{
    (void)state;
    return mkdtemp(test_dir) ? 0 : -1;
}

static inline int test_dir_teardown(void **state)
{
    char *cmd = xasprintf("rm -rf '%s'", test_dir);
    int rc;

    (void)state;
    rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

#endif
