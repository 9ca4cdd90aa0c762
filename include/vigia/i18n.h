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
#define C_(ctx, s) pgettext_aux(NULL, ctx "\004" s, s)
#else
#define _(s) ((char *)(s))
#define NG_(s, p, n) ((n) == 1 ? (char *)(s) : (char *)(p))
#endif
#define N_(s) s

#endif
