/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The logger sink. Lower layers never print: they hand messages here, and the
 * entry point decides where they go (stderr before curses starts, the status
 * line after, nowhere in tests).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "vigia/util.h"

static void logger_stderr_sink(enum logger_level level, const char *msg, void *data)
{
    (void)data;
    if (level == LOGGER_DEBUG && getenv("VIGIA_DEBUG") == NULL)
        return;
    fprintf(stderr, "vigia: %s\n", msg);
}

static logger_sink_fn logger_sink = logger_stderr_sink;
static void *logger_data;

void logger_set_sink(logger_sink_fn fn, void *data)
{
    logger_sink = fn ? fn : logger_stderr_sink;
    logger_data = data;
}

void logger_null_sink(enum logger_level level, const char *msg, void *data)
{
    (void)level;
    (void)msg;
    (void)data;
}

void logger_msg(enum logger_level level, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    logger_sink(level, msg, logger_data);
    free(msg);
}
