/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ICU loaded on first use: see icu.h. The names looked up carry ICU's version
 * suffix (u_charType_72), which ICU's own headers supply through their
 * renaming macros, and the libraries are the sonames of the ICU vigia was
 * built against.
 */
#include "config.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include <unicode/uvernum.h>

#include "vigia/util.h"

#define TEXT_ICU_LOADER
#include "icu.h"

#define TEXT_ICU_STR2(x) #x
#define TEXT_ICU_STR(x) TEXT_ICU_STR2(x)
#define TEXT_ICU_SO(lib) "lib" lib ".so." TEXT_ICU_STR(U_ICU_VERSION_MAJOR_NUM)

struct text_icu text_icu_fn;
bool text_icu_uc_ready, text_icu_i18n_ready;

struct text_icu_name {
    const char *name; /* versioned: u_charType_72 */
    size_t off;
};

#define TEXT_ICU_FN(field, fn)                                                                     \
    {                                                                                              \
        TEXT_ICU_STR(fn), offsetof(struct text_icu, field)                                         \
    }

static const struct text_icu_name text_icu_uc_names[] = {
    TEXT_ICU_FN(hasBinaryProperty, u_hasBinaryProperty),
    TEXT_ICU_FN(getIntPropertyValue, u_getIntPropertyValue),
    TEXT_ICU_FN(charType, u_charType),
    TEXT_ICU_FN(errorName, u_errorName),
    TEXT_ICU_FN(cleanup, u_cleanup),
    TEXT_ICU_FN(strFoldCase, u_strFoldCase),
    TEXT_ICU_FN(strFromUTF8WithSub, u_strFromUTF8WithSub),
    TEXT_ICU_FN(strToUTF8WithSub, u_strToUTF8WithSub),
    TEXT_ICU_FN(brk_open, ubrk_open),
    TEXT_ICU_FN(brk_close, ubrk_close),
    TEXT_ICU_FN(brk_setUText, ubrk_setUText),
    TEXT_ICU_FN(brk_following, ubrk_following),
    TEXT_ICU_FN(brk_preceding, ubrk_preceding),
    TEXT_ICU_FN(brk_next, ubrk_next),
    TEXT_ICU_FN(text_openUTF8, utext_openUTF8),
    TEXT_ICU_FN(text_close, utext_close),
    TEXT_ICU_FN(norm2_getNFCInstance, unorm2_getNFCInstance),
    TEXT_ICU_FN(norm2_getNFKDInstance, unorm2_getNFKDInstance),
    TEXT_ICU_FN(norm2_normalize, unorm2_normalize),
    TEXT_ICU_FN(norm2_isNormalized, unorm2_isNormalized),
};

static const struct text_icu_name text_icu_i18n_names[] = {
    TEXT_ICU_FN(col_open, ucol_open),
    TEXT_ICU_FN(col_close, ucol_close),
    TEXT_ICU_FN(col_strcollUTF8, ucol_strcollUTF8),
};

/* dlopen @so and fill the table's entries named in @names; fatal on failure. */
static void text_icu_open(const char *so, const struct text_icu_name *names, size_t n)
{
    void *lib = dlopen(so, RTLD_NOW | RTLD_LOCAL);

    if (lib == NULL) {
        const char *e = dlerror();
        util_fatal("cannot load %s: %s", so, e ? e : "?");
    }
    for (size_t i = 0; i < n; i++) {
        void *p = dlsym(lib, names[i].name);
        if (p == NULL)
            util_fatal("cannot load %s: no %s", so, names[i].name);
        /* POSIX: a function's address from dlsym converts back through memcpy. */
        memcpy((char *)&text_icu_fn + names[i].off, &p, sizeof p);
    }
}

void text_icu_load_uc(void)
{
    if (text_icu_uc_ready)
        return;
    text_icu_open(TEXT_ICU_SO("icuuc"), text_icu_uc_names, UTIL_ARRAY_LEN(text_icu_uc_names));
    text_icu_uc_ready = true;
}

void text_icu_load_i18n(void)
{
    if (text_icu_i18n_ready)
        return;
    text_icu_load_uc();
    text_icu_open(TEXT_ICU_SO("icui18n"), text_icu_i18n_names, UTIL_ARRAY_LEN(text_icu_i18n_names));
    text_icu_i18n_ready = true;
}
