/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Allocation wrappers. Running out of memory is not something a dispatch
 * console can recover from halfway through a transaction, so it is fatal: the
 * hook (set by the console) restores the terminal, then we exit.
 */
#define _GNU_SOURCE /* vasprintf */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/util.h"

static void (*fatal_hook)(void);

void xmalloc_set_fatal_hook(void (*hook)(void))
{
    fatal_hook = hook;
}

_Noreturn void util_fatal(const char *fmt, ...)
{
    va_list ap;

    if (fatal_hook != NULL)
        fatal_hook();
    fputs("vigia: fatal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(70);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n == 0 ? 1 : n);

    if (p == NULL)
        util_fatal("out of memory (%zu bytes)", n);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);

    if (p == NULL)
        util_fatal("out of memory (%zu x %zu bytes)", nmemb, size);
    return p;
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
    void *q;

    if (size != 0 && nmemb > SIZE_MAX / size)
        util_fatal("allocation overflow (%zu x %zu bytes)", nmemb, size);
    q = realloc(p, nmemb * size == 0 ? 1 : nmemb * size);
    if (q == NULL)
        util_fatal("out of memory (%zu x %zu bytes)", nmemb, size);
    return q;
}

char *xstrdup(const char *s)
{
    return s == NULL ? NULL : xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p;

    if (s == NULL)
        return NULL;
    p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    char *p;

    if (vasprintf(&p, fmt, ap) < 0)
        util_fatal("out of memory (formatting a message)");
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void util_seterr(char **err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || *err != NULL)
        return;
    va_start(ap, fmt);
    *err = xvasprintf(fmt, ap);
    va_end(ap);
}
