/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * CSV as spreadsheets write it (RFC 4180 and its common variants): quoted
 * fields with doubled quotes, line breaks inside quotes, CRLF or LF, a UTF-8
 * byte-order mark, and ';' as the separator when the header row has ';' and
 * no ','. Records carry the physical line they start on so importers can say
 * "FILE:LINE: problem". One reader for every CSV import (resources,
 * verifiers, subscribers).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/config.h"

void config_csv_init(struct config_csv *c, const char *data, size_t len)
{
    const char *nl;

    c->p = data;
    c->end = data + len;
    c->sep = ',';
    c->line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        c->p += 3;
    /* A header with ';' and no ',' comes from a spreadsheet that uses ';'. */
    nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    if (nl == NULL)
        nl = c->end;
    if (memchr(c->p, ',', (size_t)(nl - c->p)) == NULL && memchr(c->p, ';', (size_t)(nl - c->p)))
        c->sep = ';';
}

/*
 * Read one record into @fields (each newly allocated; *nf of them). Returns
 * 1 for a record, 0 at the end, -1 with *msg. *start gets its first line.
 * Blank lines are skipped.
 */
int config_csv_record(struct config_csv *c, char ***fields, size_t *nf, int *start, char **msg)
{
    size_t cap = 0;
    struct buf f;

    *fields = NULL;
    *nf = 0;
    /* Skip blank lines. */
    while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
        if (*c->p == '\n')
            c->line++;
        c->p++;
    }
    if (c->p >= c->end)
        return 0;
    *start = c->line;
    buf_init(&f);
    for (;;) {
        bool quoted = false;
        buf_reset(&f);
        buf_adds(&f, "");
        if (c->p < c->end && *c->p == '"') {
            int qline = c->line;
            quoted = true;
            c->p++;
            for (;;) {
                if (c->p >= c->end) {
                    *msg = xasprintf(_("a quoted field opened on line %d is never closed"), qline);
                    goto fail;
                }
                if (*c->p == '"') {
                    if (c->p + 1 < c->end && c->p[1] == '"') {
                        buf_addc(&f, '"');
                        c->p += 2;
                        continue;
                    }
                    c->p++;
                    break;
                }
                if (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n') {
                    c->p++; /* CRLF inside a field is a newline */
                    continue;
                }
                if (*c->p == '\n')
                    c->line++;
                buf_addc(&f, *c->p++);
            }
        } else {
            while (c->p < c->end && *c->p != c->sep && *c->p != '\n' && *c->p != '\r') {
                if (*c->p == '"') {
                    *msg = xasprintf("%s", _("a quote inside an unquoted field (quote the whole "
                                             "field and double the quote)"));
                    goto fail;
                }
                buf_addc(&f, *c->p++);
            }
        }
        if (*nf == cap) {
            cap = cap ? cap * 2 : 16;
            *fields = xreallocarray(*fields, cap, sizeof **fields);
        }
        (*fields)[(*nf)++] = buf_steal(&f);
        buf_init(&f);
        if (c->p >= c->end)
            break;
        if (*c->p == c->sep) {
            c->p++;
            continue;
        }
        if (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n')
            c->p++;
        if (*c->p == '\n' || *c->p == '\r') {
            if (*c->p == '\n')
                c->line++;
            c->p++;
            break;
        }
        /* Only reachable after a closing quote. */
        (void)quoted;
        *msg = xasprintf(_("unexpected text after a closing quote in field %zu"), *nf);
        goto fail;
    }
    buf_fini(&f);
    return 1;
fail:
    buf_fini(&f);
    for (size_t i = 0; i < *nf; i++)
        free((*fields)[i]);
    FREE(fields);
    *nf = 0;
    return -1;
}

void config_csv_free(char **fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(fields[i]);
    free(fields);
}
