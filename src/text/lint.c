/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Personal-data lint for outgoing broadcasts, and template placeholders.
 *
 * The lint is a set of cheap scanners over UTF-8 bytes, tuned to catch what a
 * tired dispatcher pastes by mistake rather than to be a classifier: phone
 * numbers (7 to 15 digits with the usual separators, not a clock time or a
 * date), email addresses, US immigration A-numbers (A + 8 or 9 digits, with
 * or without dashes), case and docket numbers (a keyword such as "case",
 * "caso", "expediente", "docket" followed by a token with digits, or
 * letters-dash-digits like "NYC-2026-004512"), and any caller-specific
 * string the caller passes (the reporter's contact and name). Matching of
 * those needles ignores case and accents (text_fold).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"

const char *text_pii_kind_name(enum text_pii_kind k)
{
    switch (k) {
    case TEXT_PII_PHONE:
        return "phone";
    case TEXT_PII_EMAIL:
        return "email";
    case TEXT_PII_A_NUMBER:
        return "a_number";
    case TEXT_PII_CASE_NUMBER:
        return "case_number";
    case TEXT_PII_CALLER:
    default:
        return "caller";
    }
}

const char *text_pii_kind_label(enum text_pii_kind k)
{
    switch (k) {
    case TEXT_PII_PHONE:
        return _("phone number");
    case TEXT_PII_EMAIL:
        return _("email address");
    case TEXT_PII_A_NUMBER:
        return _("A-number");
    case TEXT_PII_CASE_NUMBER:
        return _("case number");
    case TEXT_PII_CALLER:
    default:
        return _("the caller's contact or name");
    }
}

static void lint_add(struct text_pii_hit **hits, size_t *n, enum text_pii_kind k, size_t off,
                     size_t len)
{
    *hits = xreallocarray(*hits, *n + 1, sizeof **hits);
    (*hits)[*n] = (struct text_pii_hit){.kind = k, .offset = off, .len = len};
    (*n)++;
}

static bool lint_word_char(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* A-number at s[i]: A, optional dash/space, 8 or 9 digits in groups. */
static size_t lint_a_number(const char *s, size_t i)
{
    size_t j = i + 1, digits = 0;

    if ((s[i] != 'A' && s[i] != 'a') || (i > 0 && lint_word_char((unsigned char)s[i - 1])))
        return 0;
    if (s[j] == '-' || s[j] == '#' || s[j] == ' ')
        j++;
    while (s[j]) {
        if (isdigit((unsigned char)s[j]))
            digits++;
        else if (!((s[j] == '-' || s[j] == ' ') && isdigit((unsigned char)s[j + 1]) && digits > 0))
            break;
        j++;
    }
    if ((digits == 8 || digits == 9) && !lint_word_char((unsigned char)s[j]))
        return j - i;
    return 0;
}

/* Phone number at s[i]: +, digits, separators; 7-15 digits; not a time or date. */
static size_t lint_phone(const char *s, size_t i)
{
    size_t j = i, digits = 0, groups = 0;
    bool colon = false, slash = false;

    if (i > 0 && (lint_word_char((unsigned char)s[i - 1]) || s[i - 1] == '+'))
        return 0;
    if (s[j] == '+' || s[j] == '(')
        j++;
    if (!isdigit((unsigned char)s[j]))
        return 0;
    while (s[j]) {
        unsigned char c = (unsigned char)s[j];
        if (isdigit(c)) {
            digits++;
            if (j == i || !isdigit((unsigned char)s[j - 1]))
                groups++;
        } else if ((c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') &&
                   (isdigit((unsigned char)s[j + 1]) || s[j + 1] == '(')) {
            ;
        } else if (c == ')') {
            ;
        } else {
            if (c == ':')
                colon = true;
            if (c == '/')
                slash = true;
            break;
        }
        j++;
    }
    while (j > i && !isdigit((unsigned char)s[j - 1]))
        j--;
    if (digits < 7 || digits > 15 || colon || slash)
        return 0;
    /* A date written 2026-11-22 has 8 digits in groups of 4-2-2. */
    if (digits == 8 && groups == 3 && j - i == 10 && s[i + 4] == '-' && s[i + 7] == '-')
        return 0;
    return j - i;
}

/* Email at s[i] (the start of a word): local@domain.tld. */
static size_t lint_email(const char *s, size_t i)
{
    size_t j = i, at = 0;

    if (i > 0 && (lint_word_char((unsigned char)s[i - 1]) || strchr("._%+-", s[i - 1])))
        return 0;
    while (s[j] && (isalnum((unsigned char)s[j]) || strchr("._%+-", s[j])))
        j++;
    if (s[j] != '@' || j == i)
        return 0;
    at = j++;
    while (s[j] && (isalnum((unsigned char)s[j]) || s[j] == '.' || s[j] == '-'))
        j++;
    while (j > at && s[j - 1] == '.')
        j--;
    if (j <= at + 3 || memchr(s + at, '.', j - at) == NULL)
        return 0;
    return j - i;
}

/* Case keyword followed by a number: "case 2026-00123", "expediente nº 4512". */
static size_t lint_case(const char *s, size_t i)
{
    static const char *const words[] = {"case",    "caso",    "expediente", "docket",
                                        "dossier", "file no", "causa",      "folio"};
    size_t j, digits = 0, k;

    if (i > 0 && lint_word_char((unsigned char)s[i - 1]))
        return 0;
    for (k = 0; k < UTIL_ARRAY_LEN(words); k++)
        if (strncasecmp(s + i, words[k], strlen(words[k])) == 0 &&
            !isalpha((unsigned char)s[i + strlen(words[k])]))
            break;
    if (k < UTIL_ARRAY_LEN(words)) {
        j = i + strlen(words[k]);
        /* Up to a few characters of "number", "no.", "#", "nº", ":" between. */
        size_t lim = j + 12;
        while (s[j] && j < lim && !isdigit((unsigned char)s[j]))
            j++;
        size_t start = j;
        while (s[j] && (isalnum((unsigned char)s[j]) || s[j] == '-' || s[j] == '/')) {
            if (isdigit((unsigned char)s[j]))
                digits++;
            j++;
        }
        if (digits >= 3 && start < j)
            return j - i;
        return 0;
    }
    /* LETTERS-DIGITS[-DIGITS], at least 2 letters and 4 digits: "NYC-2026-004512". */
    j = i;
    size_t letters = 0;
    while (isupper((unsigned char)s[j])) {
        letters++;
        j++;
    }
    if (letters < 2 || s[j] != '-')
        return 0;
    while (s[j] && (isdigit((unsigned char)s[j]) || s[j] == '-' || isupper((unsigned char)s[j]))) {
        if (isdigit((unsigned char)s[j]))
            digits++;
        j++;
    }
    while (j > i && s[j - 1] == '-')
        j--;
    if (digits >= 4 && !lint_word_char((unsigned char)s[j]))
        return j - i;
    return 0;
}

size_t text_pii_scan(const char *s, const char *const *needles, size_t nneedles,
                     struct text_pii_hit **hits)
{
    size_t n = 0, len = strlen(s), i = 0;

    *hits = NULL;
    while (i < len) {
        size_t m;
        if ((m = lint_email(s, i)) > 0) {
            lint_add(hits, &n, TEXT_PII_EMAIL, i, m);
            i += m;
        } else if ((m = lint_a_number(s, i)) > 0) {
            lint_add(hits, &n, TEXT_PII_A_NUMBER, i, m);
            i += m;
        } else if ((m = lint_case(s, i)) > 0) {
            lint_add(hits, &n, TEXT_PII_CASE_NUMBER, i, m);
            i += m;
        } else if ((m = lint_phone(s, i)) > 0) {
            lint_add(hits, &n, TEXT_PII_PHONE, i, m);
            i += m;
        } else {
            i++;
        }
    }
    /* Caller-specific strings, matched folded (case and accents ignored). */
    if (nneedles > 0) {
        char *hay = text_fold(s);
        for (size_t k = 0; k < nneedles; k++) {
            char *w;
            if (needles[k] == NULL || strlen(needles[k]) < 3)
                continue;
            w = text_fold(needles[k]);
            if (strlen(w) >= 3 && strstr(hay, w) != NULL)
                /* Offsets in the folded text may differ; report the whole text. */
                lint_add(hits, &n, TEXT_PII_CALLER, 0, 0);
            free(w);
        }
        free(hay);
    }
    return n;
}

char *text_template_expand(const char *tmpl, const char *const *keys, const char *const *values,
                           size_t n)
{
    struct buf b;
    const char *p = tmpl;

    buf_init(&b);
    while (*p) {
        const char *close;
        size_t k;
        if (*p != '{' || (close = strchr(p + 1, '}')) == NULL) {
            buf_addc(&b, *p++);
            continue;
        }
        for (k = 0; k < n; k++)
            if (strlen(keys[k]) == (size_t)(close - p - 1) &&
                strncmp(keys[k], p + 1, (size_t)(close - p - 1)) == 0)
                break;
        if (k == n) {
            buf_addc(&b, *p++);
            continue;
        }
        buf_adds(&b, values[k] ? values[k] : "");
        p = close + 1;
    }
    return buf_steal(&b);
}
