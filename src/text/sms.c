/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * SMS encoding and segments (3GPP TS 23.038 and 23.040).
 *
 * A text goes out as GSM-7 when every character is in the GSM 03.38 default
 * alphabet or its extension table, otherwise as UCS-2 (really UTF-16: a
 * character outside the BMP takes two code units, a surrogate pair). Extension
 * characters ( ^ { } \ [ ~ ] | € and form feed) are sent as ESC + char, so
 * they cost two septets. A single message holds 160 septets or 70 code units;
 * a concatenated one loses room to the user data header and holds 153 or 67
 * per part. Phones never split an escape sequence or a surrogate pair across
 * parts, so a part may end one unit short, which the greedy split below
 * reproduces.
 *
 * No ICU here: the tables are small and fixed, and the decoder is the same
 * tolerant one as elsewhere (an invalid byte counts as U+FFFD, which forces
 * UCS-2).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/util.h"
#include "vigia/text.h"

/* The GSM 03.38 basic character set above ASCII, and the ASCII holes. */
static const uint32_t sms_gsm_basic_nonascii[] = {
    0x00A3, /* £ */ 0x00A5, /* ¥ */ 0x00E8, /* è */ 0x00E9, /* é */ 0x00F9, /* ù */
    0x00EC, /* ì */ 0x00F2, /* ò */ 0x00C7, /* Ç */ 0x00D8, /* Ø */ 0x00F8, /* ø */
    0x00C5, /* Å */ 0x00E5, /* å */ 0x0394, /* Δ */ 0x03A6, /* Φ */ 0x0393, /* Γ */
    0x039B, /* Λ */ 0x03A9, /* Ω */ 0x03A0, /* Π */ 0x03A8, /* Ψ */ 0x03A3, /* Σ */
    0x0398, /* Θ */ 0x039E, /* Ξ */ 0x00C6, /* Æ */ 0x00E6, /* æ */ 0x00DF, /* ß */
    0x00C9, /* É */ 0x00A4, /* ¤ */ 0x00A1, /* ¡ */ 0x00C4, /* Ä */ 0x00D6, /* Ö */
    0x00D1, /* Ñ */ 0x00DC, /* Ü */ 0x00A7, /* § */ 0x00BF, /* ¿ */ 0x00E4, /* ä */
    0x00F6, /* ö */ 0x00F1, /* ñ */ 0x00FC, /* ü */ 0x00E0,                 /* à */
};

/* Cost in septets of code point @c in GSM-7: 1, 2 (extension table) or 0 (not GSM). */
static int sms_gsm_cost(uint32_t c)
{
    if (c < 0x80) {
        switch (c) {
        case '\n':
        case '\r':
            return 1;
        case '\f':
        case '^':
        case '{':
        case '}':
        case '\\':
        case '[':
        case '~':
        case ']':
        case '|':
            return 2;
        case '`':
            return 0;
        default:
            return c >= 0x20 && c < 0x7F ? 1 : 0;
        }
    }
    if (c == 0x20AC) /* € */
        return 2;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(sms_gsm_basic_nonascii); i++)
        if (sms_gsm_basic_nonascii[i] == c)
            return 1;
    return 0;
}

/* Decode one code point at s[*i] (length n); invalid bytes give U+FFFD. */
static uint32_t sms_decode(const unsigned char *s, size_t n, size_t *i)
{
    unsigned char b = s[*i];
    uint32_t c;
    size_t len, k;

    if (b < 0x80) {
        (*i)++;
        return b;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        c = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        c = b & 0x07;
    } else {
        (*i)++;
        return 0xFFFD;
    }
    if (*i + len > n) {
        (*i)++;
        return 0xFFFD;
    }
    for (k = 1; k < len; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return 0xFFFD;
        }
        c = (c << 6) | (s[*i + k] & 0x3F);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF)) {
        (*i)++;
        return 0xFFFD;
    }
    *i += len;
    return c;
}

bool text_sms_is_gsm7(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;

    while (i < n)
        if (sms_gsm_cost(sms_decode(u, n, &i)) == 0)
            return false;
    return true;
}

/* Cost of one code point under @enc. */
static size_t sms_cost(enum text_sms_encoding enc, uint32_t c)
{
    if (enc == TEXT_SMS_GSM7)
        return (size_t)sms_gsm_cost(c);
    return c > 0xFFFF ? 2 : 1;
}

size_t text_sms_split(const char *s, size_t *ends, size_t max, struct text_sms_count *out)
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)u), i = 0, parts = 0, used = 0;
    struct text_sms_count c = {0};
    size_t single, multi;

    c.encoding = text_sms_is_gsm7((const char *)u) ? TEXT_SMS_GSM7 : TEXT_SMS_UCS2;
    single = c.encoding == TEXT_SMS_GSM7 ? 160 : 70;
    multi = c.encoding == TEXT_SMS_GSM7 ? 153 : 67;
    /* First pass: total units and characters. */
    while (i < n) {
        c.units += sms_cost(c.encoding, sms_decode(u, n, &i));
        c.characters++;
    }
    if (c.units == 0) {
        c.segments = 0;
        c.per_segment = single;
        c.remaining = single;
    } else if (c.units <= single) {
        c.segments = 1;
        c.per_segment = single;
        c.remaining = single - c.units;
        if (max > 0)
            ends[0] = n;
    } else {
        /* Second pass: greedy parts that never cut a two-unit character. */
        c.per_segment = multi;
        i = 0;
        parts = 1;
        used = 0;
        while (i < n) {
            size_t start = i, cost = sms_cost(c.encoding, sms_decode(u, n, &i));
            if (used + cost > multi) {
                if (parts - 1 < max)
                    ends[parts - 1] = start;
                parts++;
                used = 0;
            }
            used += cost;
        }
        if (parts - 1 < max)
            ends[parts - 1] = n;
        c.segments = parts;
        c.remaining = multi - used;
    }
    if (out != NULL)
        *out = c;
    return c.segments;
}

void text_sms_count(const char *s, struct text_sms_count *out)
{
    text_sms_split(s, NULL, 0, out);
}

const char *text_sms_encoding_name(enum text_sms_encoding e)
{
    return e == TEXT_SMS_GSM7 ? "GSM-7" : "UCS-2";
}

/* Replacements toward GSM-7 for common Latin letters and punctuation. */
static const struct {
    uint32_t from;
    const char *to;
} sms_translit[] = {
    {0x00E1, "a"},  {0x00ED, "i"},  {0x00F3, "o"},        {0x00FA, "u"},   {0x00C1, "A"},
    {0x00CD, "I"},  {0x00D3, "O"},  {0x00DA, "U"},        {0x00E2, "a"},   {0x00E3, "a"},
    {0x00EA, "e"},  {0x00EB, "e"},  {0x00EE, "i"},        {0x00EF, "i"},   {0x00F4, "o"},
    {0x00F5, "o"},  {0x00FB, "u"},  {0x00E7, "\xC3\x87"}, /* ç -> Ç, as 23.038 does */
    {0x00C0, "A"},  {0x00C2, "A"},  {0x00C3, "A"},        {0x00C8, "E"},   {0x00CA, "E"},
    {0x00CB, "E"},  {0x00CC, "I"},  {0x00CE, "I"},        {0x00CF, "I"},   {0x00D2, "O"},
    {0x00D4, "O"},  {0x00D5, "O"},  {0x00D9, "U"},        {0x00DB, "U"},   {0x00FD, "y"},
    {0x00FF, "y"},  {0x0153, "oe"}, {0x0152, "OE"},       {0x2018, "'"},   {0x2019, "'"},
    {0x201A, "'"},  {0x201C, "\""}, {0x201D, "\""},       {0x201E, "\""},  {0x00AB, "\""},
    {0x00BB, "\""}, {0x2013, "-"},  {0x2014, "-"},        {0x2026, "..."}, {0x00A0, " "},
    {0x2022, "-"},  {0x0060, "'"},  {0x00B4, "'"},        {0x2009, " "},   {0x202F, " "},
};

char *text_sms_gsm7_alternative(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    struct buf b;

    if (text_sms_is_gsm7(s))
        return NULL;
    buf_init(&b);
    while (i < n) {
        size_t start = i, k;
        uint32_t c = sms_decode(u, n, &i);
        if (sms_gsm_cost(c) > 0) {
            buf_add(&b, s + start, i - start);
            continue;
        }
        for (k = 0; k < UTIL_ARRAY_LEN(sms_translit); k++)
            if (sms_translit[k].from == c)
                break;
        if (k == UTIL_ARRAY_LEN(sms_translit)) {
            buf_fini(&b);
            return NULL; /* emoji, CJK…: no GSM-7 version without losing meaning */
        }
        buf_adds(&b, sms_translit[k].to);
    }
    return buf_steal(&b);
}
