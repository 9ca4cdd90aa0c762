/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Coarse places for the public. A broadcast or an export should say where
 * something happened well enough for neighbours to avoid it, but not point at
 * one house: the door of a family that was visited, the flat of a caller.
 * Verifiers get the exact place from the report itself.
 *
 * Street numbers are words made of digits (with a letter or a range: "1234",
 * "12B", "12-14"), "#12", "No. 5", and the number after apartment words
 * ("apt 4", "unit 3", "piso 2"). Ordinals ("5th", "3ra") are street names and
 * stay, and so do numbers of roads ("Hwy 101", "I-5", "Calle 8", "Ruta 40"),
 * which a checkpoint report needs. Positions are rounded to 0.01 degree,
 * about 1.1 km of latitude.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vigia/util.h"
#include "vigia/model.h"

/* Words after which a number names a road, not a door. */
static const char *const model_road_words[] = {
    "hwy",     "highway", "route", "rt",        "rte",       "interstate", "i",
    "us",      "sr",      "state", "county",    "road",      "calle",      "carrera",
    "avenida", "av",      "ruta",  "carretera", "autopista", "exit",       "salida",
    "km",      "mile",    "pier",  "gate",      "terminal",  "line",
};
/* Words that come before an apartment or door number: both go. */
static const char *const model_unit_words[] = {
    "apt",  "apartment", "unit", "suite", "ste", "apto", "apartamento", "depto", "departamento",
    "piso", "puerta",    "flat", "room",  "rm",  "no",   "num",         "nº",    "n°",
};

static bool model_word_in(const char *w, size_t n, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(list[i]) == n && strncasecmp(list[i], w, n) == 0)
            return true;
    return false;
}

/* Length of @w without trailing punctuation. */
static size_t model_word_core(const char *w, size_t n)
{
    while (n > 0 && strchr(",.;:)", w[n - 1]) != NULL)
        n--;
    return n;
}

/* A house number: digits with an optional letter, a range, or "#" first. */
static bool model_is_number(const char *w, size_t n)
{
    size_t i = 0, digits = 0;

    if (n > 0 && w[0] == '#')
        i = 1;
    for (; i < n; i++) {
        if (isdigit((unsigned char)w[i]))
            digits++;
        else if (w[i] != '-' && w[i] != '/')
            break;
    }
    if (digits == 0)
        return false;
    if (i == n)
        return true;
    /* One trailing letter ("12B"), but not an ordinal ("5th", "3rd", "3ra", "2o"). */
    return i + 1 == n && isalpha((unsigned char)w[i]) && w[0] != '#' &&
           strchr("oOaA", w[i]) == NULL;
}

struct model_word {
    const char *w;
    size_t n, core;
};

char *model_location_coarse(const char *location)
{
    struct model_word *words = NULL;
    size_t nwords = 0, cap = 0;
    const char *p = location ? location : "";
    struct buf b;

    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (nwords == cap) {
            cap = cap ? cap * 2 : 16;
            words = xreallocarray(words, cap, sizeof *words);
        }
        words[nwords].w = w;
        words[nwords].n = (size_t)(p - w);
        words[nwords].core = model_word_core(w, words[nwords].n);
        nwords++;
    }
    buf_init(&b);
    for (size_t i = 0; i < nwords; i++) {
        const struct model_word *cur = &words[i];
        bool number = model_is_number(cur->w, cur->core);
        bool road = i > 0 && model_word_in(words[i - 1].w, words[i - 1].core, model_road_words,
                                           UTIL_ARRAY_LEN(model_road_words));
        /* "Apt 4", "No. 5": the word goes with its number, "no lejos" stays. */
        bool unit =
            i + 1 < nwords &&
            model_word_in(cur->w, cur->core, model_unit_words, UTIL_ARRAY_LEN(model_unit_words)) &&
            model_is_number(words[i + 1].w, words[i + 1].core);
        bool after_unit = i > 0 &&
                          model_word_in(words[i - 1].w, words[i - 1].core, model_unit_words,
                                        UTIL_ARRAY_LEN(model_unit_words)) &&
                          number;

        if (!unit && !after_unit && !(number && !road)) {
            if (b.len > 0)
                buf_addc(&b, ' ');
            buf_add(&b, cur->w, cur->n);
        } else if (cur->core < cur->n && cur->w[cur->n - 1] == ',' && b.len > 0 &&
                   b.data[b.len - 1] != ',') {
            /* "1234 Main St, Apt 5, Springfield": keep the comma that separated parts. */
            buf_addc(&b, ',');
        }
    }
    free(words);
    /* Tidy what removal left: a leading or trailing comma. */
    char *s = buf_steal(&b);
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ',' || s[len - 1] == ' '))
        s[--len] = '\0';
    size_t start = 0;
    while (s[start] == ',' || s[start] == ' ')
        start++;
    memmove(s, s + start, len - start + 1);
    return s;
}

void model_pos_coarse(double lat, double lon, double *clat, double *clon)
{
    *clat = round(lat * 100.0) / 100.0;
    *clon = round(lon * 100.0) / 100.0;
}

char *model_place_public(const struct model_report *r)
{
    char *coarse;

    if (r->area != NULL && *r->area != '\0')
        return xstrdup(r->area);
    coarse = model_location_coarse(r->location);
    return coarse;
}
