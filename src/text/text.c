/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * text: the one place that knows Unicode. Callers hand us UTF-8 char * and get
 * UTF-8 back; ICU types and error codes never leave this file.
 *
 * Two kinds of work live here. Hot paths (display width, fitting a row into a
 * column) run for every visible cell of a 100,000-row queue on old laptops, so
 * they decode UTF-8 themselves, take an ASCII fast path that never calls ICU,
 * and only use ICU for code-point properties and for grapheme boundaries when
 * non-ASCII text actually shows up. Break iterators are opened once, kept in
 * statics and re-pointed at new text with ubrk_setUText over a UTF-8 UText, so
 * boundaries come back as byte offsets with no UTF-16 copy. Cold paths
 * (normalisation, search keys, collation) convert to UTF-16 and let ICU do the
 * job; collators are cached per locale in a small round-robin cache.
 *
 * Width model: one column per code point, two for East Asian Wide/Fullwidth and
 * emoji presentation, zero for combining marks and format characters, matching
 * glibc wcwidth (and so ncursesw) for CJK and Latin. Control characters and
 * invalid bytes count one column, because the only safe way to show them is
 * text_printable, which turns each into one U+FFFD or space; so the width of a
 * string is the width of its printable form. Inside an emoji ZWJ sequence or
 * after a skin-tone modifier the joined code points count zero, so such a
 * cluster is as wide as its base (2), which is what current terminals draw
 * (glibc sums them); a flag is two regional indicators of one column each.
 *
 * Not thread-safe: the caches are plain statics (the console has one thread).
 * text_cleanup releases them and calls u_cleanup for leak checkers at exit.
 */
#include "config.h"

#include "vigia/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/i18n.h"
#include "vigia/util.h"

#include "icu.h" /* ICU, loaded on first use */

/* Length meaning "up to the terminating NUL". */
#define TEXT_NUL SIZE_MAX
#define TEXT_ZWJ 0x200D
#define TEXT_COLL_CACHE 4

/* Running state of the width count, to give joined emoji zero width. */
struct text_wstate {
    int32_t prev; /* previous code point */
    int32_t base; /* last code point with a non-zero width */
};

struct text_coll {
    char *locale; /* "" for the default locale */
    UCollator *coll;
};

static UBreakIterator *text_char_iter;
static UBreakIterator *text_line_iter;
static struct text_coll text_colls[TEXT_COLL_CACHE];
static unsigned text_coll_next;

/*
 * Decode one UTF-8 sequence of at most @avail bytes from @p into *cp (-1 when
 * invalid) and return the bytes used: a whole character, or the maximal
 * invalid subpart (at least 1), as Unicode recommends for U+FFFD substitution.
 */
static size_t text_decode(const unsigned char *p, size_t avail, int32_t *cp)
{
    unsigned c = p[0], lo = 0x80, hi = 0xBF;
    size_t need, k;
    int32_t v;

    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = (int32_t)(c & 0x1F);
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = (int32_t)(c & 0x0F);
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = (int32_t)(c & 0x07);
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        *cp = -1; /* continuation byte, C0, C1 or F5..FF */
        return 1;
    }
    for (k = 1; k <= need && k < avail; k++) {
        unsigned b = p[k];

        if (b < lo || b > hi)
            break;
        v = (v << 6) | (int32_t)(b & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    if (k <= need) {
        *cp = -1;
        return k;
    }
    *cp = v;
    return need + 1;
}

/* True for the bidi embedding, override and isolate controls that can reorder a line. */
static bool text_is_bidi_control(int32_t c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

/* True for code points never allowed in a field or on the terminal (\t and \n aside). */
static bool text_is_control(int32_t c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || text_is_bidi_control(c);
}

/* True when @c is Extended_Pictographic (emoji and friends). */
static bool text_is_pict(int32_t c)
{
    return c >= 0xA9 && u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC);
}

/* Columns of one code point at or above U+0300, ignoring its neighbours. */
static int text_cp_width(int32_t c)
{
    /* Hangul medial vowels and final consonants join the leading jamo (glibc: 0). */
    if ((c >= 0x1160 && c <= 0x11FF) || (c >= 0xD7B0 && c <= 0xD7FF))
        return 0;
    /*
     * The commonest wide blocks without a property look-up, and two blocks
     * glibc draws wide although ICU 72 says otherwise (circled numbers on
     * black squares, Yijing hexagrams; Unicode 16 makes the latter wide).
     */
    if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3) ||
        (c >= 0x3248 && c <= 0x324F) || (c >= 0x4DC0 && c <= 0x4DFF))
        return 2;
    /* Regional indicators: one each, so a flag (a pair) is two, as in glibc. */
    if (c >= 0x1F1E6 && c <= 0x1F1FF)
        return 1;

    int8_t gc = u_charType(c);

    if (gc == U_NON_SPACING_MARK || gc == U_ENCLOSING_MARK)
        return 0; /* also the variation selectors */
    if (gc == U_FORMAT_CHAR) {
        /* Overrides count as the U+FFFD text_printable shows; Arabic number signs show. */
        if (text_is_bidi_control(c) || u_hasBinaryProperty(c, UCHAR_PREPENDED_CONCATENATION_MARK))
            return 1;
        return 0; /* ZWJ, ZWSP, LRM, soft formatting */
    }

    int ea = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);

    if (ea == U_EA_WIDE || ea == U_EA_FULLWIDTH)
        return 2;
    if (u_hasBinaryProperty(c, UCHAR_EMOJI_PRESENTATION))
        return 2;
    return 1;
}

/* Columns that code point @c (-1 = invalid byte) adds after what @st has seen. */
static int text_width_step(struct text_wstate *st, int32_t c)
{
    if (c < 0x300) {
        /* ASCII, Latin-1, Latin Extended, controls and invalid bytes: one column. */
        st->prev = st->base = c;
        return 1;
    }

    int w = text_cp_width(c);
    bool joined = false;

    if (st->prev == TEXT_ZWJ && text_is_pict(c) && text_is_pict(st->base))
        joined = true; /* emoji ZWJ sequence */
    else if (c >= 0x1F3FB && c <= 0x1F3FF && text_is_pict(st->prev))
        joined = true; /* skin-tone modifier */
    st->prev = c;
    if (w != 0)
        st->base = c;
    return joined ? 0 : w;
}

/* Width of the first @n bytes of @s (TEXT_NUL: up to the NUL), stopping at a NUL. */
static size_t text_width_range(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    struct text_wstate st = {0, 0};
    size_t i = 0, w = 0;

    while (i < n && u[i] != 0) {
        size_t start = i;

        while (i < n && u[i] != 0 && u[i] < 0x80)
            i++;
        if (i > start) {
            w += i - start;
            st.prev = st.base = u[i - 1];
            continue;
        }

        int32_t c;

        i += text_decode(u + i, n - i, &c);
        w += (size_t)text_width_step(&st, c);
    }
    return w;
}

/* Die on an ICU failure that can only mean a broken ICU or no memory. */
static void text_check_icu(UErrorCode err, const char *what)
{
    if (U_FAILURE(err))
        util_fatal("ICU cannot %s: %s", what, u_errorName(err));
}

/* Return the cached break iterator in @slot, opening it on first use. */
static UBreakIterator *text_iter(UBreakIterator **slot, UBreakIteratorType type)
{
    if (*slot == NULL) {
        UErrorCode err = U_ZERO_ERROR;

        *slot = ubrk_open(type, NULL, NULL, 0, &err);
        text_check_icu(err, "open a break iterator");
    }
    return *slot;
}

/* Point @bi at the @n UTF-8 bytes of @s (TEXT_NUL: NUL-terminated) through @ut. */
static void text_iter_set(UBreakIterator *bi, UText *ut, const char *s, size_t n)
{
    UErrorCode err = U_ZERO_ERROR;

    if (n != TEXT_NUL && n > INT32_MAX)
        util_fatal("text too long for ICU (%zu bytes)", n);
    utext_openUTF8(ut, s, n == TEXT_NUL ? -1 : (int64_t)n, &err);
    text_check_icu(err, "open UTF-8 text");
    ubrk_setUText(bi, ut, &err);
    text_check_icu(err, "set break iterator text");
}

/* Returns a newly allocated UTF-16 copy of @s (invalid bytes become U+FFFD); caller frees. */
static UChar *text_to_u16(const char *s, int32_t *len, int32_t *subs)
{
    size_t n = strlen(s);
    UErrorCode err = U_ZERO_ERROR;

    if (n >= INT32_MAX)
        util_fatal("text too long for ICU (%zu bytes)", n);

    /* UTF-8 never needs more UTF-16 units than bytes. */
    UChar *u = xreallocarray(NULL, n + 1, sizeof(UChar));

    u_strFromUTF8WithSub(u, (int32_t)n + 1, len, s, (int32_t)n, 0xFFFD, subs, &err);
    text_check_icu(err, "convert from UTF-8");
    return u;
}

/* Returns a newly allocated UTF-8 copy of @len units of @u; caller frees. */
static char *text_from_u16(const UChar *u, int32_t len)
{
    /* One UTF-16 unit never needs more than three UTF-8 bytes. */
    size_t cap = (size_t)len * 3 + 1;
    char *s = xmalloc(cap);
    int32_t n;
    UErrorCode err = U_ZERO_ERROR;

    u_strToUTF8WithSub(s, (int32_t)(cap > INT32_MAX ? INT32_MAX : cap), &n, u, len, 0xFFFD, NULL,
                       &err);
    text_check_icu(err, "convert to UTF-8");
    return s;
}

/* Returns a newly allocated @norm form of @len units of @src in *out_len; caller frees. */
static UChar *text_normalize(const UNormalizer2 *norm, const UChar *src, int32_t len,
                             int32_t *out_len)
{
    int32_t cap = len < INT32_MAX / 2 - 16 ? len * 2 + 16 : INT32_MAX;
    UChar *dst = xreallocarray(NULL, (size_t)cap, sizeof(UChar));
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = unorm2_normalize(norm, src, len, dst, cap, &err);

    if (err == U_BUFFER_OVERFLOW_ERROR) {
        /* NFKD can expand one character into up to 18. */
        cap = n + 1;
        dst = xreallocarray(dst, (size_t)cap, sizeof(UChar));
        err = U_ZERO_ERROR;
        n = unorm2_normalize(norm, src, len, dst, cap, &err);
    }
    text_check_icu(err, "normalize text");
    *out_len = n;
    return dst;
}

/* The NFC normaliser (owned by ICU, so fetched per call to survive u_cleanup). */
static const UNormalizer2 *text_nfc_norm(void)
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *norm = unorm2_getNFCInstance(&err);

    text_check_icu(err, "load NFC data");
    return norm;
}

/* True when @s is all ASCII. */
static bool text_is_ascii(const char *s)
{
    for (const unsigned char *u = (const unsigned char *)s; *u != 0; u++)
        if (*u >= 0x80)
            return false;
    return true;
}

enum text_problem text_check(const char *s, size_t max_bytes, bool multiline, size_t *offset)
{
    const unsigned char *u = (const unsigned char *)(s != NULL ? s : "");
    size_t i = 0;

    while (u[i] != 0 && (max_bytes == 0 || i < max_bytes)) {
        int32_t c;
        size_t k = text_decode(u + i, TEXT_NUL, &c);

        if (c < 0) {
            if (offset != NULL)
                *offset = i;
            return TEXT_BAD_UTF8;
        }
        if (text_is_control(c) && !(multiline && (c == '\t' || c == '\n'))) {
            if (offset != NULL)
                *offset = i;
            return TEXT_CONTROL;
        }
        i += k;
    }
    /* More bytes remain, or the last character ends past the limit. */
    if (max_bytes != 0 && (u[i] != 0 || i > max_bytes)) {
        if (offset != NULL)
            *offset = max_bytes;
        return TEXT_TOO_LONG;
    }
    return TEXT_OK;
}

const char *text_problem_str(enum text_problem p)
{
    switch (p) {
    case TEXT_OK:
        /* TRANSLATORS: a text field passed validation. */
        return _("no problem");
    case TEXT_BAD_UTF8:
        /* TRANSLATORS: the text is not valid UTF-8 (broken or truncated characters). */
        return _("invalid UTF-8");
    case TEXT_CONTROL:
        /* TRANSLATORS: the text contains a control character such as escape or a
           bidirectional override, which could corrupt or spoof the terminal. */
        return _("contains a control character");
    case TEXT_TOO_LONG:
        /* TRANSLATORS: the text is longer than the field allows. */
        return _("too long");
    }
    /* TRANSLATORS: an unknown text validation result (a programming error). */
    return _("unknown text problem");
}

char *text_nfc(const char *s)
{
    if (s == NULL)
        return NULL;
    if (text_is_ascii(s))
        return xstrdup(s); /* ASCII is always NFC */

    const UNormalizer2 *norm = text_nfc_norm();
    int32_t len, subs = 0, n;
    UChar *u = text_to_u16(s, &len, &subs);
    UErrorCode err = U_ZERO_ERROR;
    char *out;

    if (subs == 0 && unorm2_isNormalized(norm, u, len, &err) && U_SUCCESS(err)) {
        out = xstrdup(s);
    } else {
        UChar *v = text_normalize(norm, u, len, &n);

        out = text_from_u16(v, n);
        free(v);
    }
    free(u);
    return out;
}

char *text_printable(const char *s)
{
    if (s == NULL)
        return NULL;

    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (u[i] >= 0x20 && u[i] < 0x7F)
        i++;
    if (u[i] == 0)
        return xstrdup(s); /* printable ASCII */

    struct buf b;

    buf_init(&b);
    buf_add(&b, s, i);
    while (u[i] != 0) {
        int32_t c;
        size_t k = text_decode(u + i, TEXT_NUL, &c);

        if (c == '\n' || c == '\t')
            buf_addc(&b, ' ');
        else if (c < 0 || text_is_control(c))
            buf_adds(&b, "\xEF\xBF\xBD"); /* U+FFFD */
        else
            buf_add(&b, u + i, k);
        i += k;
    }
    return buf_steal(&b);
}

int text_width_n(const char *s, size_t n)
{
    if (s == NULL)
        return 0;

    size_t w = text_width_range(s, n);

    return w > INT32_MAX ? INT32_MAX : (int)w;
}

/* True when @c (-1 = invalid) ends a grapheme unless the next code point extends it. */
static bool text_gcb_ends(int32_t c)
{
    if (c < 0)
        return false; /* leave invalid bytes to ICU */
    if (c < 0x300)
        return c != '\r'; /* Latin and controls are Other, Control or LF */

    int gcb = u_getIntPropertyValue(c, UCHAR_GRAPHEME_CLUSTER_BREAK);

    /* Not Prepend (GB9b), CR (GB3), Hangul jamo (GB6-8) or regional indicator (GB12). */
    return gcb == U_GCB_OTHER || gcb == U_GCB_CONTROL || gcb == U_GCB_LF;
}

/* True when a grapheme boundary before @d (0 = the end) depends only on what precedes. */
static bool text_gcb_starts(int32_t d)
{
    if (d < 0)
        return false;
    if (d < 0x300)
        return true; /* nothing below U+0300 extends a cluster */

    int gcb = u_getIntPropertyValue(d, UCHAR_GRAPHEME_CLUSTER_BREAK);

    /* Extend, ZWJ and SpacingMark attach to the left (GB9, GB9a). */
    return gcb != U_GCB_EXTEND && gcb != U_GCB_ZWJ && gcb != U_GCB_SPACING_MARK;
}

/*
 * text_fit on the first @n bytes of @s (TEXT_NUL: NUL-terminated): the byte
 * length of the longest whole-grapheme prefix at most @cols wide.
 */
static size_t text_fit_n(const char *s, size_t n, int cols, int *used)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, w = 0, base = 0, limit = cols > 0 ? (size_t)cols : 0;
    UBreakIterator *bi = NULL;
    UText ut = UTEXT_INITIALIZER;

    for (;;) {
        /* ASCII followed by ASCII (but not CR LF) is a grapheme of one column. */
        while (i + 1 < n && u[i] != 0 && u[i] < 0x80 && u[i + 1] != 0 && u[i + 1] < 0x80 &&
               !(u[i] == '\r' && u[i + 1] == '\n')) {
            if (w + 1 > limit)
                goto out;
            w++;
            i++;
        }
        if (i >= n || u[i] == 0)
            break;

        int32_t c, d = 0;
        size_t next = i + text_decode(u + i, n - i, &c), gw;

        if (next < n && u[next] != 0)
            text_decode(u + next, n - next, &d);
        if (c == '\r' && d == '\n') {
            next++;
            gw = 2;
        } else if (text_gcb_ends(c) && text_gcb_starts(d)) {
            /* A code point alone: CJK, kana, Latin, most emoji. */
            gw = c < 0x300 ? 1 : (size_t)text_cp_width(c);
        } else {
            /*
             * A combining or emoji sequence, Hangul jamo, a flag, invalid
             * bytes: ask ICU where the cluster ends. Nothing before a boundary
             * at i can join what follows here, so the text may start at i.
             */
            if (bi == NULL) {
                bi = text_iter(&text_char_iter, UBRK_CHARACTER);
                text_iter_set(bi, &ut, s + i, n == TEXT_NUL ? TEXT_NUL : n - i);
                base = i;
            }

            int32_t b = ubrk_following(bi, (int32_t)(i - base));

            if (b != UBRK_DONE && base + (size_t)b > i)
                next = base + (size_t)b;
            gw = text_width_range(s + i, next - i);
        }
        if (w + gw > limit)
            break;
        w += gw;
        i = next;
    }
out:
    if (bi != NULL)
        utext_close(&ut);
    if (used != NULL)
        *used = (int)w;
    return i;
}

size_t text_fit(const char *s, int cols, int *used)
{
    if (s == NULL) {
        if (used != NULL)
            *used = 0;
        return 0;
    }
    return text_fit_n(s, TEXT_NUL, cols, used);
}

size_t text_next_grapheme(const char *s, size_t len, size_t pos)
{
    if (s == NULL || pos >= len)
        return len;

    const unsigned char *u = (const unsigned char *)s;

    /* ASCII followed by ASCII: the boundary is the next byte (CR LF is one grapheme). */
    if (u[pos] < 0x80 && (pos + 1 == len || u[pos + 1] < 0x80)) {
        if (u[pos] == '\r' && pos + 1 < len && u[pos + 1] == '\n')
            return pos + 2;
        return pos + 1;
    }

    UBreakIterator *bi = text_iter(&text_char_iter, UBRK_CHARACTER);
    UText ut = UTEXT_INITIALIZER;

    text_iter_set(bi, &ut, s, len);

    int32_t b = ubrk_following(bi, (int32_t)pos);

    utext_close(&ut);
    return b == UBRK_DONE ? len : (size_t)b;
}

size_t text_prev_grapheme(const char *s, size_t len, size_t pos)
{
    if (s == NULL || pos == 0)
        return 0;
    if (pos > len)
        pos = len;

    const unsigned char *u = (const unsigned char *)s;

    /*
     * An ASCII byte preceded by ASCII (or the start) starts a grapheme, unless
     * it is the LF of CR LF; a CR always starts one.
     */
    if (u[pos - 1] < 0x80 && (pos == 1 || u[pos - 2] < 0x80)) {
        if (u[pos - 1] == '\n' && pos >= 2 && u[pos - 2] == '\r')
            return pos - 2;
        return pos - 1;
    }

    UBreakIterator *bi = text_iter(&text_char_iter, UBRK_CHARACTER);
    UText ut = UTEXT_INITIALIZER;

    text_iter_set(bi, &ut, s, len);

    int32_t b = ubrk_preceding(bi, (int32_t)pos);

    utext_close(&ut);
    return b == UBRK_DONE ? 0 : (size_t)b;
}

/* Bytes of @s[0..n) left after dropping trailing spaces, tabs and CRs. */
static size_t text_trim_end(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return n;
}

/*
 * Line breaking of Latin text without ICU. A paragraph qualifies when it holds
 * only spaces, Latin letters (U+00C0-U+024F but the multiplication and
 * division signs), digits, # & @ * and the middle dot, and punctuation whose
 * UAX #14 class keeps it inside a word: every run between spaces reads,
 * quotes aside, as OP* (AL|NU)+ ((IS|HY) (AL|NU)+)* (IS|EX|CP)*, with no
 * quote right after a hyphen. Then ICU's break opportunities are exactly the
 * start of a run after spaces (but an opening bracket after a quote and
 * spaces, LB15) and after a hyphen not followed by a digit (LB21, LB25);
 * tests/unit/text/test-text-icu.c checks this against ICU on every string of
 * up to five such characters and on random longer ones.
 */
enum text_lb_class {
    TEXT_LB_NONE,
    TEXT_LB_SP,
    TEXT_LB_AL,
    TEXT_LB_NU,
    TEXT_LB_IS,
    TEXT_LB_EX,
    TEXT_LB_OP,
    TEXT_LB_CP,
    TEXT_LB_QU,
    TEXT_LB_HY
};

#define TEXT_LB_DONE SIZE_MAX

bool text_icu_latin_breaks = true;

static enum text_lb_class text_lb_class(int32_t c)
{
    if (c == ' ')
        return TEXT_LB_SP;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '#' || c == '&' || c == '@' ||
        c == '*' || c == 0xB7 || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7))
        return TEXT_LB_AL;
    if (c >= '0' && c <= '9')
        return TEXT_LB_NU;
    switch (c) {
    case ',':
    case '.':
    case ':':
    case ';':
        return TEXT_LB_IS;
    case '!':
    case '?':
        return TEXT_LB_EX;
    case '(':
    case '[':
        return TEXT_LB_OP;
    case ')':
    case ']':
        return TEXT_LB_CP;
    case '"':
    case '\'':
        return TEXT_LB_QU;
    case '-':
        return TEXT_LB_HY;
    default:
        return TEXT_LB_NONE;
    }
}

/* True when the Latin fast path breaks @n bytes of @s as ICU would. */
static bool text_lb_latin(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    /* Between words, opening marks, letters, after IS, closing marks, after a hyphen. */
    enum { W_SPACE, W_OPEN, W_WORD, W_IS, W_CLOSE, W_HYPHEN } st = W_SPACE;

    for (size_t i = 0; i < n;) {
        int32_t c;

        i += text_decode(u + i, n - i, &c);
        switch (text_lb_class(c)) {
        case TEXT_LB_NONE:
            return false;
        case TEXT_LB_QU:
            if (st == W_HYPHEN)
                return false;
            if (st == W_SPACE)
                st = W_OPEN;
            break;
        case TEXT_LB_SP:
            if (st == W_OPEN || st == W_HYPHEN)
                return false;
            st = W_SPACE;
            break;
        case TEXT_LB_OP:
            if (st != W_SPACE && st != W_OPEN)
                return false;
            st = W_OPEN;
            break;
        case TEXT_LB_AL:
        case TEXT_LB_NU:
            if (st == W_CLOSE)
                return false;
            st = W_WORD;
            break;
        case TEXT_LB_HY:
            if (st != W_WORD)
                return false;
            st = W_HYPHEN;
            break;
        case TEXT_LB_IS:
            if (st == W_WORD)
                st = W_IS;
            else if (st == W_IS || st == W_CLOSE)
                st = W_CLOSE;
            else
                return false;
            break;
        case TEXT_LB_EX:
        case TEXT_LB_CP:
            if (st != W_WORD && st != W_IS && st != W_CLOSE)
                return false;
            st = W_CLOSE;
            break;
        }
    }
    return st != W_OPEN && st != W_HYPHEN;
}

/* The first break opportunity after @pos in @n bytes that text_lb_latin accepted. */
static size_t text_lb_latin_following(const char *s, size_t n, size_t pos)
{
    const unsigned char *u = (const unsigned char *)s;

    if (pos >= n)
        return TEXT_LB_DONE;
    for (size_t i = pos + 1; i < n; i++) {
        if (u[i - 1] == '-' && !(u[i] >= '0' && u[i] <= '9'))
            return i; /* after a hyphen, unless a digit follows */
        if (u[i - 1] != ' ' || u[i] == ' ')
            continue;

        size_t j = i - 1;

        while (j > 0 && u[j - 1] == ' ')
            j--;
        if (j > 0 && (u[j - 1] == '"' || u[j - 1] == '\'') && (u[i] == '(' || u[i] == '['))
            continue; /* a quote, spaces, an opening bracket: no break */
        return i;
    }
    return n;
}

/* Break opportunities of one paragraph: ICU's iterator, or the Latin fast path (bi NULL). */
struct text_lb {
    UBreakIterator *bi;
    const char *p;
    size_t n;
};

static size_t text_lb_following(const struct text_lb *lb, size_t pos)
{
    if (lb->bi == NULL)
        return text_lb_latin_following(lb->p, lb->n, pos);

    int32_t b = ubrk_following(lb->bi, (int32_t)pos);

    return b == UBRK_DONE ? TEXT_LB_DONE : (size_t)b;
}

static size_t text_lb_next(const struct text_lb *lb, size_t cur)
{
    if (lb->bi == NULL)
        return text_lb_latin_following(lb->p, lb->n, cur);

    int32_t b = ubrk_next(lb->bi);

    return b == UBRK_DONE ? TEXT_LB_DONE : (size_t)b;
}

/* Wrap one paragraph (no '\n') of @n bytes, reporting lines to @line; returns their count. */
static int text_wrap_para(const char *p, size_t n, size_t cols,
                          void (*line)(const char *start, size_t n, void *data), void *data)
{
    size_t trimmed = text_trim_end(p, n);

    if (text_width_range(p, trimmed) <= cols) {
        if (line != NULL)
            line(p, trimmed, data);
        return 1; /* fits whole, the common case: no ICU */
    }

    struct text_lb lb = {NULL, p, n};
    UText ut = UTEXT_INITIALIZER;
    size_t pos = 0;
    int lines = 0;

    if (!text_icu_latin_breaks || !text_lb_latin(p, n)) {
        lb.bi = text_iter(&text_line_iter, UBRK_LINE);
        text_iter_set(lb.bi, &ut, p, n);
    }
    while (pos < n) {
        size_t w = 0, last = pos, prev = pos;
        size_t b = text_lb_following(&lb, pos);

        /* Take break opportunities while the line, less trailing spaces, fits. */
        for (; b != TEXT_LB_DONE; b = text_lb_next(&lb, b)) {
            size_t end = b;
            size_t seg = text_width_range(p + prev, end - prev);
            size_t tail = text_trim_end(p + prev, end - prev);
            size_t spaces = (end - prev) - tail;

            /* Trailing blanks are ASCII: one column per byte. */
            if (w + seg - spaces > cols)
                break;
            w += seg;
            prev = end;
            if (text_trim_end(p + pos, end - pos) > 0)
                last = end;
        }
        if (last == pos) {
            /* The next word alone is too wide: cut it between graphemes. */
            last = pos + text_fit_n(p + pos, n - pos, (int)cols, NULL);
            if (last == pos)
                last = text_next_grapheme(p, n, pos); /* a wide char in one column */
        }
        if (line != NULL)
            line(p + pos, text_trim_end(p + pos, last - pos), data);
        lines++;
        pos = last;
    }
    if (lb.bi != NULL)
        utext_close(&ut);
    return lines;
}

int text_wrap(const char *s, int cols, void (*line)(const char *start, size_t n, void *data),
              void *data)
{
    if (s == NULL || *s == '\0')
        return 0;

    size_t c = cols > 0 ? (size_t)cols : 1;
    int lines = 0;

    for (;;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl != NULL ? (size_t)(nl - s) : strlen(s);

        if (n == 0 || text_trim_end(s, n) == 0) {
            if (line != NULL)
                line(s, 0, data); /* empty or blank line kept */
            lines++;
        } else {
            lines += text_wrap_para(s, n, c, line, data);
        }
        if (nl == NULL || nl[1] == '\0')
            break; /* a final newline does not start an empty line */
        s = nl + 1;
    }
    return lines;
}

char *text_fold(const char *s)
{
    if (s == NULL)
        return NULL;
    if (text_is_ascii(s)) {
        char *out = xstrdup(s);

        for (char *p = out; *p != '\0'; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        return out;
    }

    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkd = unorm2_getNFKDInstance(&err);

    text_check_icu(err, "load NFKD data");

    int32_t len, n, m = 0;
    UChar *u = text_to_u16(s, &len, NULL);
    UChar *d = text_normalize(nfkd, u, len, &n);

    /* Drop nonspacing marks: accents, tildes, diaereses. */
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        int32_t start = i;

        U16_NEXT(d, i, n, c);
        if (u_charType(c) != U_NON_SPACING_MARK)
            while (start < i)
                d[m++] = d[start++];
    }

    /* Full case folding can grow the text (ß -> ss): preflight on overflow. */
    int32_t cap = m < INT32_MAX / 2 - 16 ? m * 2 + 16 : INT32_MAX;
    UChar *f = xreallocarray(NULL, (size_t)cap, sizeof(UChar));
    int32_t fn = u_strFoldCase(f, cap, d, m, U_FOLD_CASE_DEFAULT, &err);

    if (err == U_BUFFER_OVERFLOW_ERROR) {
        cap = fn + 1;
        f = xreallocarray(f, (size_t)cap, sizeof(UChar));
        err = U_ZERO_ERROR;
        fn = u_strFoldCase(f, cap, d, m, U_FOLD_CASE_DEFAULT, &err);
    }
    text_check_icu(err, "fold case");

    UChar *nfc = text_normalize(text_nfc_norm(), f, fn, &n);
    char *out = text_from_u16(nfc, n);

    free(nfc);
    free(f);
    free(d);
    free(u);
    return out;
}

/* Return the collator for @locale (NULL = default), opening and caching it. */
static UCollator *text_collator(const char *locale)
{
    const char *key = locale != NULL ? locale : "";

    for (size_t i = 0; i < TEXT_COLL_CACHE; i++)
        if (text_colls[i].locale != NULL && strcmp(text_colls[i].locale, key) == 0)
            return text_colls[i].coll;

    UErrorCode err = U_ZERO_ERROR;
    UCollator *coll = ucol_open(locale, &err);

    if (U_FAILURE(err)) {
        if (err == U_MEMORY_ALLOCATION_ERROR)
            util_fatal("out of memory");
        return NULL; /* no collation data: callers fall back to code point order */
    }

    struct text_coll *slot = &text_colls[text_coll_next];

    text_coll_next = (text_coll_next + 1) % TEXT_COLL_CACHE;
    if (slot->coll != NULL)
        ucol_close(slot->coll);
    free(slot->locale);
    slot->locale = xstrdup(key);
    slot->coll = coll;
    return coll;
}

int text_collate(const char *a, const char *b, const char *locale)
{
    if (a == NULL)
        a = "";
    if (b == NULL)
        b = "";

    UCollator *coll = text_collator(locale);

    if (coll != NULL) {
        UErrorCode err = U_ZERO_ERROR;
        UCollationResult r = ucol_strcollUTF8(coll, a, -1, b, -1, &err);

        if (U_SUCCESS(err))
            return r == UCOL_LESS ? -1 : r == UCOL_GREATER ? 1 : 0;
    }

    int r = strcmp(a, b);

    return (r > 0) - (r < 0);
}

void text_cleanup(void)
{
    for (size_t i = 0; i < TEXT_COLL_CACHE; i++) {
        if (text_colls[i].coll != NULL)
            ucol_close(text_colls[i].coll);
        FREE(&text_colls[i].locale);
        text_colls[i].coll = NULL;
    }
    text_coll_next = 0;
    if (text_char_iter != NULL)
        ubrk_close(text_char_iter);
    if (text_line_iter != NULL)
        ubrk_close(text_line_iter);
    text_char_iter = NULL;
    text_line_iter = NULL;
    if (text_icu_uc_ready)
        u_cleanup(); /* never load ICU only to clean it up */
}
