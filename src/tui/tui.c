/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder until the console lands. */
#include "config.h"

#include <stdio.h>

#include "vigia/tui.h"

int tui_run(struct app *a, const struct tui_options *o)
{
    (void)a;
    (void)o;
    fputs("vigia: console not built yet\n", stderr);
    return 1;
}
