/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * text: everything that needs Unicode knowledge, behind plain UTF-8 char *.
 * ICU stays inside src/text/; callers never see a UChar or a UErrorCode.
 * Widths are terminal display columns (wide CJK = 2, combining marks = 0),
 * cuts fall on grapheme-cluster boundaries, never inside a character.
 */
#ifndef VIGIA_TEXT_H
#define VIGIA_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/** What text_check found wrong with a field. */
enum text_problem {
    TEXT_OK = 0,
    TEXT_BAD_UTF8, /* not valid UTF-8 (overlong, surrogate, truncated…) */
    TEXT_CONTROL,  /* a C0/C1 control character or escape (ESC, BEL, DEL…) */
    TEXT_TOO_LONG, /* more than the allowed number of bytes */
};

/**
 * Check a user-supplied field. Tabs and newlines are allowed only when
 * @multiline. @max_bytes of 0 means no limit. On a problem, *offset (if not
 * NULL) gets the byte offset where it starts.
 */
enum text_problem text_check(const char *s, size_t max_bytes, bool multiline, size_t *offset);
/** A translated one-line description of a problem ("invalid UTF-8"). */
const char *text_problem_str(enum text_problem p);

/** Returns a newly allocated NFC form of valid UTF-8 @s; caller frees. */
char *text_nfc(const char *s);

/**
 * Returns a newly allocated copy safe to put on a terminal: invalid bytes and
 * control characters (including ESC) become U+FFFD, newlines and tabs become
 * spaces. Caller frees.
 */
char *text_printable(const char *s);

/** Display width of valid UTF-8 @s (or its first @n bytes when n != (size_t)-1). */
int text_width_n(const char *s, size_t n);
static inline int text_width(const char *s)
{
    return text_width_n(s, (size_t)-1);
}

/**
 * Length in bytes of the longest prefix of @s made of whole grapheme clusters
 * that fits in @cols columns. *used (if not NULL) gets its width.
 */
size_t text_fit(const char *s, int cols, int *used);

/**
 * Byte offset of the grapheme-cluster boundary after / before @pos in @s
 * (length @len). next returns len at the end, prev returns 0 at the start.
 */
size_t text_next_grapheme(const char *s, size_t len, size_t pos);
size_t text_prev_grapheme(const char *s, size_t len, size_t pos);

/**
 * Wrap @s into lines of at most @cols columns at ICU line-break opportunities
 * (breaking inside a word only when a word is wider than @cols). Calls @line
 * with each line's start and byte length; hard newlines start new lines.
 * Returns the number of lines.
 */
int text_wrap(const char *s, int cols, void (*line)(const char *start, size_t n, void *data),
              void *data);

/**
 * Returns a newly allocated search key: case-folded, accents removed, NFC
 * ("Depósito" -> "deposito"). Caller frees.
 */
char *text_fold(const char *s);

/** Compare with ICU collation for @locale ("es", "en"; NULL = current). */
int text_collate(const char *a, const char *b, const char *locale);

/** Free ICU caches (for leak checkers at exit). */
void text_cleanup(void);

/* ---- sms: GSM 03.38 encoding and segments (src/text/sms.c) --------------- */

enum text_sms_encoding { TEXT_SMS_GSM7, TEXT_SMS_UCS2 };

struct text_sms_count {
    enum text_sms_encoding encoding;
    size_t characters;  /* code points */
    size_t units;       /* septets (GSM-7, extension table counts 2) or UTF-16 units */
    size_t segments;    /* 0 for an empty text */
    size_t per_segment; /* 160/70 for one part, 153/67 per part when concatenated */
    size_t remaining;   /* units still free in the last part */
};

/** True when every character of @s is in the GSM 03.38 alphabet or extension. */
bool text_sms_is_gsm7(const char *s);
/** Count @s as an SMS would be sent. */
void text_sms_count(const char *s, struct text_sms_count *out);
/**
 * Split @s into parts as phones do (never cutting an escape or a surrogate
 * pair): ends[k] gets the byte offset where part k ends, for up to @max
 * parts. Returns the number of parts; @out (may be NULL) gets the count.
 */
size_t text_sms_split(const char *s, size_t *ends, size_t max, struct text_sms_count *out);
/** "GSM-7" or "UCS-2". */
const char *text_sms_encoding_name(enum text_sms_encoding e);
/**
 * A GSM-7 version of a text that needs UCS-2 (á -> a, curly quotes ->
 * straight, ...), newly allocated, or NULL when @s already is GSM-7 or holds
 * characters with no sensible GSM-7 form (emoji, other scripts).
 */
char *text_sms_gsm7_alternative(const char *s);
/* ---- lint: personal data in outgoing text (src/text/lint.c) -------------- */

enum text_pii_kind {
    TEXT_PII_PHONE,
    TEXT_PII_EMAIL,
    TEXT_PII_A_NUMBER,
    TEXT_PII_CASE_NUMBER,
    TEXT_PII_CALLER,
};
struct text_pii_hit {
    enum text_pii_kind kind;
    size_t offset, len; /* bytes in the text; 0/0 for caller strings */
};
/** "phone", "email", "a_number", "case_number", "caller" (JSON). */
const char *text_pii_kind_name(enum text_pii_kind k);
/** Translated label ("phone number"). */
const char *text_pii_kind_label(enum text_pii_kind k);
/**
 * Find personal data in @s: phone numbers, emails, A-numbers, case numbers,
 * and any of @needles (the caller's contact and name; case and accents
 * ignored). *hits is a newly allocated array (caller frees; NULL when none).
 * Returns the number of hits.
 */
size_t text_pii_scan(const char *s, const char *const *needles, size_t nneedles,
                     struct text_pii_hit **hits);

/**
 * Replace {key} placeholders in @tmpl with values (NULL values become ""),
 * leaving unknown placeholders as written. Returns a newly allocated string.
 */
char *text_template_expand(const char *tmpl, const char *const *keys, const char *const *values,
                           size_t n);

#endif
