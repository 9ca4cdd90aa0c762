/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A growable byte buffer that keeps a terminating NUL. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/util.h"

void buf_init(struct buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_fini(struct buf *b)
{
    free(b->data);
    buf_init(b);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

static void buf_grow(struct buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;

    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = xreallocarray(b->data, cap, 1);
    b->cap = cap;
}

void buf_add(struct buf *b, const void *data, size_t n)
{
    buf_grow(b, n);
    if (n > 0)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
    buf_add(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    buf_adds(b, s);
    free(s);
}

char *buf_steal(struct buf *b)
{
    char *s = b->data ? b->data : xstrdup("");

    buf_init(b);
    return s;
}

const char *buf_str(const struct buf *b)
{
    return b->data ? b->data : "";
}
