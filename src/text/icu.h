/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ICU, loaded on first use (text-icu.c); private to src/text.
 *
 * vigia is not linked against ICU: libicuuc, libicui18n and the libstdc++
 * they pull in cost about 4 MiB of memory and a few milliseconds at every
 * start, while text.c's hot paths (width, fitting, wrapping Latin text) never
 * need them. The ICU names text.c calls go through a table filled by dlopen
 * the first time one of them runs: libicuuc for properties, break
 * iterators, normalisation and case folding, libicui18n for collation only.
 * A function not in the table is a link error ("undefined reference to
 * u_..._72"): add it to struct text_icu and to text-icu.c's list.
 */
#ifndef VIGIA_TEXT_ICU_H
#define VIGIA_TEXT_ICU_H

#include <stdbool.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uclean.h>
#include <unicode/ucol.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>

struct text_icu {
    /* libicuuc */
    UBool (*hasBinaryProperty)(UChar32 c, UProperty which);
    int32_t (*getIntPropertyValue)(UChar32 c, UProperty which);
    int8_t (*charType)(UChar32 c);
    const char *(*errorName)(UErrorCode code);
    void (*cleanup)(void);
    int32_t (*strFoldCase)(UChar *dest, int32_t cap, const UChar *src, int32_t len,
                           uint32_t options, UErrorCode *err);
    UChar *(*strFromUTF8WithSub)(UChar *dest, int32_t cap, int32_t *len, const char *src,
                                 int32_t srclen, UChar32 sub, int32_t *subs, UErrorCode *err);
    char *(*strToUTF8WithSub)(char *dest, int32_t cap, int32_t *len, const UChar *src,
                              int32_t srclen, UChar32 sub, int32_t *subs, UErrorCode *err);
    UBreakIterator *(*brk_open)(UBreakIteratorType type, const char *locale, const UChar *text,
                                int32_t len, UErrorCode *err);
    void (*brk_close)(UBreakIterator *bi);
    void (*brk_setUText)(UBreakIterator *bi, UText *text, UErrorCode *err);
    int32_t (*brk_following)(UBreakIterator *bi, int32_t offset);
    int32_t (*brk_preceding)(UBreakIterator *bi, int32_t offset);
    int32_t (*brk_next)(UBreakIterator *bi);
    UText *(*text_openUTF8)(UText *ut, const char *s, int64_t len, UErrorCode *err);
    UText *(*text_close)(UText *ut);
    const UNormalizer2 *(*norm2_getNFCInstance)(UErrorCode *err);
    const UNormalizer2 *(*norm2_getNFKDInstance)(UErrorCode *err);
    int32_t (*norm2_normalize)(const UNormalizer2 *norm, const UChar *src, int32_t len, UChar *dest,
                               int32_t cap, UErrorCode *err);
    UBool (*norm2_isNormalized)(const UNormalizer2 *norm, const UChar *s, int32_t len,
                                UErrorCode *err);
    /* libicui18n */
    UCollator *(*col_open)(const char *locale, UErrorCode *err);
    void (*col_close)(UCollator *coll);
    UCollationResult (*col_strcollUTF8)(const UCollator *coll, const char *a, int32_t alen,
                                        const char *b, int32_t blen, UErrorCode *err);
};

extern struct text_icu text_icu_fn;
extern bool text_icu_uc_ready, text_icu_i18n_ready;

/* True (the default): text_wrap breaks Latin paragraphs without ICU (tests set it false). */
extern bool text_icu_latin_breaks;

/* Load libicuuc (libicui18n) on first use; a missing ICU is fatal. */
void text_icu_load_uc(void);
void text_icu_load_i18n(void);

static inline const struct text_icu *text_icu_uc(void)
{
    if (!text_icu_uc_ready)
        text_icu_load_uc();
    return &text_icu_fn;
}

static inline const struct text_icu *text_icu_i18n(void)
{
    if (!text_icu_i18n_ready)
        text_icu_load_i18n();
    return &text_icu_fn;
}

#ifndef TEXT_ICU_LOADER
/* text.c's ICU calls, through the table (ICU's own macros add the version). */
#undef u_hasBinaryProperty
#undef u_getIntPropertyValue
#undef u_charType
#undef u_errorName
#undef u_cleanup
#undef u_strFoldCase
#undef u_strFromUTF8WithSub
#undef u_strToUTF8WithSub
#undef ubrk_open
#undef ubrk_close
#undef ubrk_setUText
#undef ubrk_following
#undef ubrk_preceding
#undef ubrk_next
#undef utext_openUTF8
#undef utext_close
#undef unorm2_getNFCInstance
#undef unorm2_getNFKDInstance
#undef unorm2_normalize
#undef unorm2_isNormalized
#undef ucol_open
#undef ucol_close
#undef ucol_strcollUTF8
#define u_hasBinaryProperty text_icu_uc()->hasBinaryProperty
#define u_getIntPropertyValue text_icu_uc()->getIntPropertyValue
#define u_charType text_icu_uc()->charType
#define u_errorName text_icu_uc()->errorName
#define u_cleanup text_icu_uc()->cleanup
#define u_strFoldCase text_icu_uc()->strFoldCase
#define u_strFromUTF8WithSub text_icu_uc()->strFromUTF8WithSub
#define u_strToUTF8WithSub text_icu_uc()->strToUTF8WithSub
#define ubrk_open text_icu_uc()->brk_open
#define ubrk_close text_icu_uc()->brk_close
#define ubrk_setUText text_icu_uc()->brk_setUText
#define ubrk_following text_icu_uc()->brk_following
#define ubrk_preceding text_icu_uc()->brk_preceding
#define ubrk_next text_icu_uc()->brk_next
#define utext_openUTF8 text_icu_uc()->text_openUTF8
#define utext_close text_icu_uc()->text_close
#define unorm2_getNFCInstance text_icu_uc()->norm2_getNFCInstance
#define unorm2_getNFKDInstance text_icu_uc()->norm2_getNFKDInstance
#define unorm2_normalize text_icu_uc()->norm2_normalize
#define unorm2_isNormalized text_icu_uc()->norm2_isNormalized
#define ucol_open text_icu_i18n()->col_open
#define ucol_close text_icu_i18n()->col_close
#define ucol_strcollUTF8 text_icu_i18n()->col_strcollUTF8
#endif

#endif
