/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Files and folders: XDG paths, mkdir -p, atomic writes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigia/util.h"

int util_mkdirs(const char *path)
{
    char *p = xstrdup(path);
    int rc = 0;

    for (char *s = p + 1; *s != '\0'; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0700) < 0 && errno != EEXIST) {
            rc = -errno;
            goto out;
        }
        *s = '/';
    }
    if (mkdir(p, 0700) < 0 && errno != EEXIST)
        rc = -errno;
out:
    free(p);
    return rc;
}

int util_write_atomic(const char *path, const void *data, size_t n, int mode)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    int fd, rc = 0;
    const char *p = data;

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc != 0)
        unlink(tmp);
out:
    free(tmp);
    return rc;
}

int util_read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[8192];
    size_t n;
    int rc = 0;

    if (f == NULL)
        return -errno;
    buf_init(&b);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&b, chunk, n);
    if (ferror(f))
        rc = -EIO;
    fclose(f);
    if (rc != 0) {
        buf_fini(&b);
        return rc;
    }
    if (len != NULL)
        *len = b.len;
    *out = buf_steal(&b);
    return 0;
}

static char *util_xdg_dir(const char *var, const char *fallback)
{
    const char *v = getenv(var);
    const char *home = getenv("HOME");

    if (v != NULL && v[0] == '/')
        return xasprintf("%s/vigia", v);
    return xasprintf("%s/%s/vigia", home && *home ? home : ".", fallback);
}

char *util_data_dir(void)
{
    return util_xdg_dir("XDG_DATA_HOME", ".local/share");
}

char *util_config_dir(void)
{
    return util_xdg_dir("XDG_CONFIG_HOME", ".config");
}

bool util_parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    if (s == NULL || *s == '\0')
        return false;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}
