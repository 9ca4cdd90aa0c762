/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Gettext macros for every layer. _() translates now, N_() marks a string for
 * extraction and is translated later (tables), NG_() picks a plural form.
 */
#ifndef VIGIA_I18N_H
#define VIGIA_I18N_H

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#define NG_(s, p, n) ngettext(s, p, n)
/* A message in a context: the catalogue's key is "context\004message". */
__attribute__((format_arg(2))) static inline const char *vigia_pgettext(const char *key,
                                                                        const char *msgid)
{
    const char *t = gettext(key);
    return t == key ? msgid : t;
}
#define C_(ctx, s) vigia_pgettext(ctx "\004" s, s)
#else
#define C_(ctx, s) ((char *)(s))
#define _(s) ((char *)(s))
#define NG_(s, p, n) ((n) == 1 ? (char *)(s) : (char *)(p))
#endif
#define N_(s) s

#endif
