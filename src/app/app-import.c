/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A fast reader for the common line of `vigia report import`: one flat JSON
 * object whose values are plain strings, integers, booleans or null.
 *
 * jansson builds a hash table, a node per value and a copy of every string,
 * a ninth of an import of 100,000 reports (tests/bench). This scanner reads
 * such a line in place instead, and says "not for me" for anything it does
 * not handle exactly as jansson would (an escape in a string, a real, a
 * nested value, a duplicate key, invalid UTF-8, anything malformed): that
 * line then goes through jansson, which gives the same values or the same
 * error as before. Both paths hand the fields to the same code (app.c).
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "private.h"

static const char *app_import_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/*
 * A JSON string with no escape and no control character, valid UTF-8 (no
 * overlong form, surrogate or code point past U+10FFFF, as jansson checks).
 * @p is at the opening quote; returns the closing quote, or NULL.
 */
static const char *app_import_string(const char *p, const char *end)
{
    const unsigned char *u = (const unsigned char *)p + 1, *e = (const unsigned char *)end;

    while (u < e) {
        unsigned c = *u;
        if (c == '"')
            return (const char *)u;
        if (c == '\\' || c < 0x20)
            return NULL;
        if (c < 0x80) {
            u++;
            continue;
        }
        size_t len;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return NULL;
        }
        if ((size_t)(e - u) < len)
            return NULL;
        for (size_t i = 1; i < len; i++) {
            if ((u[i] & 0xc0) != 0x80)
                return NULL;
            cp = (cp << 6) | (u[i] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return NULL;
        u += len;
    }
    return NULL;
}

/* An integer as jansson reads it and "%lld" prints it back: no leading zero, no "-0". */
static const char *app_import_integer(const char *p, const char *end)
{
    const char *q = p;

    if (q < end && *q == '-')
        q++;
    if (q >= end || *q < '0' || *q > '9')
        return NULL;
    if (*q == '0') {
        if (q != p)
            return NULL; /* -0 */
        q++;
    } else {
        while (q < end && *q >= '0' && *q <= '9')
            q++;
    }
    /* A fraction or exponent makes a real: jansson's path. 18 digits always fit. */
    if (q < end && (*q == '.' || *q == 'e' || *q == 'E'))
        return NULL;
    if (q - p > 18)
        return NULL;
    return q;
}

int app_import_scan(char *line, size_t len, struct app_import_field *fields, size_t max, size_t *n)
{
    const char *p = line, *end = line + len;
    struct {
        const char *k, *v;
        size_t klen, vlen;
        enum app_import_kind kind;
    } f[APP_IMPORT_MAX_FIELDS];
    size_t nf = 0;

    *n = 0;
    if (max > APP_IMPORT_MAX_FIELDS)
        max = APP_IMPORT_MAX_FIELDS;
    p = app_import_ws(p, end);
    if (p >= end || *p != '{')
        return 1;
    p = app_import_ws(p + 1, end);
    if (p < end && *p == '}') {
        p++;
    } else {
        for (;;) {
            const char *q;
            if (nf == max || p >= end || *p != '"' || (q = app_import_string(p, end)) == NULL)
                return 1;
            f[nf].k = p + 1;
            f[nf].klen = (size_t)(q - p - 1);
            for (size_t i = 0; i < nf; i++)
                if (f[i].klen == f[nf].klen && memcmp(f[i].k, f[nf].k, f[nf].klen) == 0)
                    return 1; /* duplicate: jansson refuses it */
            p = app_import_ws(q + 1, end);
            if (p >= end || *p != ':')
                return 1;
            p = app_import_ws(p + 1, end);
            if (p >= end)
                return 1;
            if (*p == '"') {
                if ((q = app_import_string(p, end)) == NULL)
                    return 1;
                f[nf].v = p + 1;
                f[nf].vlen = (size_t)(q - p - 1);
                f[nf].kind = APP_IMPORT_STRING;
                p = q + 1;
            } else if ((size_t)(end - p) >= 4 && memcmp(p, "null", 4) == 0) {
                f[nf].v = NULL;
                f[nf].vlen = 0;
                f[nf].kind = APP_IMPORT_NULL;
                p += 4;
            } else if ((size_t)(end - p) >= 4 && memcmp(p, "true", 4) == 0) {
                f[nf].v = "yes";
                f[nf].vlen = 3;
                f[nf].kind = APP_IMPORT_SCALAR;
                p += 4;
            } else if ((size_t)(end - p) >= 5 && memcmp(p, "false", 5) == 0) {
                f[nf].v = "no";
                f[nf].vlen = 2;
                f[nf].kind = APP_IMPORT_SCALAR;
                p += 5;
            } else if ((q = app_import_integer(p, end)) != NULL) {
                f[nf].v = p;
                f[nf].vlen = (size_t)(q - p);
                f[nf].kind = APP_IMPORT_SCALAR;
                p = q;
            } else {
                return 1;
            }
            nf++;
            p = app_import_ws(p, end);
            if (p < end && *p == ',') {
                p = app_import_ws(p + 1, end);
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            return 1;
        }
    }
    if (app_import_ws(p, end) != end)
        return 1;
    /* The whole line is ours: terminate keys and values in place. */
    for (size_t i = 0; i < nf; i++) {
        line[f[i].k - line + (ptrdiff_t)f[i].klen] = '\0';
        fields[i].key = f[i].k;
        fields[i].kind = f[i].kind;
        if (f[i].kind == APP_IMPORT_STRING) {
            line[f[i].v - line + (ptrdiff_t)f[i].vlen] = '\0';
            fields[i].value = f[i].v;
        } else if (f[i].kind == APP_IMPORT_SCALAR && f[i].v >= line && f[i].v < end) {
            /* An integer: ends at the next delimiter, which is not needed any more. */
            line[f[i].v - line + (ptrdiff_t)f[i].vlen] = '\0';
            fields[i].value = f[i].v;
        } else {
            fields[i].value = f[i].v; /* "yes", "no" or NULL */
        }
    }
    *n = nf;
    return 0;
}
